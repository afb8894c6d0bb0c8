//! [`RateLimiter`]: per-key limits over a sliding window, as a server.
//!
//! ```text
//!   consume("user:1") ──call──► [limiter server] ── key → window ──► Ok(status) / Err(Exceeded)
//!   check / status    ──call──►        │            (never records, never creates a key)
//!                                      └─ sweep every `sweep_interval`: forgets idle keys
//! ```
//!
//! Each key may have at most `max_requests` requests admitted within any interval of
//! length `window`. A request admitted at `t` counts until `t + window` (exclusive): at
//! exactly `t + window` it no longer counts. There is no boundary burst as with fixed
//! windows: the window slides with time.
//!
//! # The algorithm, its accuracy and its memory
//!
//! A sliding log (one timestamp per request) is exact but costs `max_requests`
//! timestamps per key. Instead each key keeps at most [`slots`](RateLimiterConfig::slots)
//! entries (default 32), each a `(time of its last request, count)` pair; requests
//! admitted less than `g = ceil(window / (slots - 1))` after the first request of the
//! newest entry join it. An entry is counted until its *last* request expires.
//!
//! * **Never too permissive (exact in that sense):** every request stays counted for at
//!   least `window`, so at no instant does any key have more than `max_requests`
//!   admitted within any window-length interval. A property test checks this over random
//!   arrival times.
//! * **Conservative by less than `g`:** a request stays counted for less than
//!   `window + g`; a request is rejected only if more than `max_requests - n` requests
//!   were admitted within the last `window + g`. With the default 32 slots, `g` is
//!   `window / 31`, about 3 % of the window.
//! * **Exact when `max_requests <= slots`:** then `g = 0` and every entry holds the
//!   requests of one instant: this is the exact sliding log.
//! * **Memory:** at most `slots` entries of 16 bytes per key whatever `max_requests` is,
//!   plus the key, stored once and shared by the map and the eviction queue.
//!
//! `retry_after` and `reset_after` are exact for this accounting: after `retry_after`
//! the request is admitted (if nothing else consumed meanwhile).
//!
//! # Eviction
//!
//! A key whose last counted request has expired has the same future as a key never seen,
//! so forgetting it changes no decision. Every `sweep_interval` (default: the window,
//! at least 100 ms), the server walks a queue of keys ordered by creation and forgets
//! those that are idle, at most 10 000 per step (a larger backlog continues in later
//! steps, between other requests, so a sweep never stalls the server). A key idle for
//! `2 × window + sweep_interval` is always gone, so memory is bounded by the keys active
//! in that span, not by every key ever seen.
//!
//! # Throughput
//!
//! One limiter is one server: each request is one call, handled in a few hundred
//! nanoseconds of work (see the crate's benchmarks). Independent limits (tiers, or
//! shards by key) are independent servers and run in parallel: see [`TieredRateLimiter`].
//!
//! **OTP** has no rate limiter; the nearest Erlang library is `jobs`, a load regulator
//! (rate and counter regulators in front of queues). This one follows the seeds'
//! per-key sliding window.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use noex_std::rate_limiter::{RateLimitError, RateLimiter, RateLimiterConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let limiter = RateLimiter::start(RateLimiterConfig::new(2, Duration::from_secs(60))).await?;
//! assert_eq!(limiter.consume("user:1").await?.remaining, 1);
//! assert_eq!(limiter.consume("user:1").await?.remaining, 0);
//! match limiter.consume("user:1").await {
//!     Err(RateLimitError::Exceeded(status)) => assert!(status.retry_after > Duration::ZERO),
//!     other => panic!("expected a rejection, got {other:?}"),
//! }
//! assert!(limiter.check("user:2").await?.allowed); // other keys are independent
//! limiter.stop().await?;
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use noex_core::prelude::*;
use tokio::time::Instant;

mod tiers;
mod window;

pub use tiers::{TieredRateLimiter, TieredRateLimiterBuilder};
use window::{Params, Usage, Window};

/// The default number of entries kept per key; see [`RateLimiterConfig::slots`].
pub const DEFAULT_SLOTS: u32 = 32;

/// How many keys one sweep step examines at most.
const SWEEP_BATCH: usize = 10_000;

/// The shortest default sweep interval.
const MIN_DEFAULT_SWEEP: Duration = Duration::from_millis(100);

/// How a [`RateLimiter`] limits: `max_requests` per `window`, per key.
///
/// ```
/// use std::time::Duration;
/// use noex_std::rate_limiter::RateLimiterConfig;
///
/// let config = RateLimiterConfig::new(100, Duration::from_secs(60))
///     .slots(64)
///     .sweep_interval(Duration::from_secs(10));
/// assert_eq!(config.max_requests(), 100);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimiterConfig {
    max_requests: u32,
    window: Duration,
    slots: u32,
    sweep_interval: Option<Duration>,
}

impl RateLimiterConfig {
    /// At most `max_requests` requests per key within any interval of length `window`.
    pub fn new(max_requests: u32, window: Duration) -> RateLimiterConfig {
        RateLimiterConfig {
            max_requests,
            window,
            slots: DEFAULT_SLOTS,
            sweep_interval: None,
        }
    }

    /// The most entries kept per key (default 32, at least 2): more slots, less
    /// conservative when `max_requests > slots` (a request may stay counted up to
    /// `window / (slots - 1)` longer than `window`), at 16 bytes per slot. When
    /// `max_requests <= slots` the limiter is exact.
    pub fn slots(mut self, slots: u32) -> RateLimiterConfig {
        self.slots = slots;
        self
    }

    /// How often idle keys are swept away. Default: the window, at least 100 ms.
    pub fn sweep_interval(mut self, interval: Duration) -> RateLimiterConfig {
        self.sweep_interval = Some(interval);
        self
    }

    /// Requests admitted per window.
    pub fn max_requests(&self) -> u32 {
        self.max_requests
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The sweep interval in effect.
    pub fn effective_sweep_interval(&self) -> Duration {
        self.sweep_interval
            .unwrap_or_else(|| self.window.max(MIN_DEFAULT_SWEEP))
    }

    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] naming the setting to fix.
    pub fn validate(&self) -> Result<(), StartError> {
        let invalid = |text: &str| Err(StartError::InvalidOptions(format!("rate limiter: {text}")));
        if self.max_requests == 0 {
            return invalid(
                "max_requests is 0: every request would be refused; allow at least 1 \
                 request per window, e.g. RateLimiterConfig::new(100, Duration::from_secs(60))",
            );
        }
        if self.window.is_zero() {
            return invalid(
                "window is 0: a limit needs a time span; use e.g. Duration::from_secs(60)",
            );
        }
        if self.slots < 2 {
            return invalid(&format!(
                "slots is {}: keep at least 2 entries per key (default {DEFAULT_SLOTS})",
                self.slots
            ));
        }
        if self.sweep_interval.is_some_and(|d| d.is_zero()) {
            return invalid(
                "sweep_interval is 0: idle keys are swept periodically; use e.g. the window",
            );
        }
        Ok(())
    }
}

/// A key's usage: returned by [`check`](RateLimiter::check), [`status`](RateLimiter::status)
/// and an admitted [`consume`](RateLimiter::consume), and carried by
/// [`RateLimitError::Exceeded`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Whether the request was admitted (consume) or would be now (check, status).
    pub allowed: bool,
    /// Requests counted in the window, including those just admitted.
    pub current: u32,
    /// The limit, `max_requests`.
    pub limit: u32,
    /// `limit - current`.
    pub remaining: u32,
    /// How long until the request could be admitted (after an admitted consume: until
    /// one more could); zero when it can be now.
    pub retry_after: Duration,
    /// How long until nothing is counted for the key any more.
    pub reset_after: Duration,
}

impl RateLimitStatus {
    fn from_usage(usage: Usage, limit: u32) -> RateLimitStatus {
        RateLimitStatus {
            allowed: usage.allowed,
            current: usage.current,
            limit,
            remaining: limit.saturating_sub(usage.current),
            retry_after: Duration::from_nanos(usage.retry_after),
            reset_after: Duration::from_nanos(usage.reset_after),
        }
    }
}

/// Why a [`consume`](RateLimiter::consume) did not admit the request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The key is at its limit; nothing was recorded. The status says when to retry.
    #[error(
        "rate limit exceeded: {} of {} used, retry after {:?}",
        .0.current, .0.limit, .0.retry_after
    )]
    Exceeded(RateLimitStatus),
    /// More requests were asked for at once than the limit allows in a whole window:
    /// this can never succeed.
    #[error("{requested} requests at once can never fit a limit of {limit} per window")]
    TooLarge {
        /// Requests asked for.
        requested: u32,
        /// The limit.
        limit: u32,
    },
    /// A [`TieredRateLimiter`] has no tier of this name.
    #[error("no rate limit tier named {0:?}")]
    UnknownTier(String),
    /// The limiter could not be reached.
    #[error(transparent)]
    Call(#[from] CallError),
}

impl RateLimitError {
    /// The status of an [`Exceeded`](RateLimitError::Exceeded) error.
    pub fn status(&self) -> Option<&RateLimitStatus> {
        match self {
            RateLimitError::Exceeded(status) => Some(status),
            _ => None,
        }
    }
}

/// Counters of a [`RateLimiter`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimiterStats {
    /// Keys currently held (active, or idle and not yet swept).
    pub keys: usize,
    /// Keys forgotten by sweeps since the start.
    pub evicted: u64,
    /// Requests admitted since the start.
    pub admitted: u64,
    /// Requests refused since the start.
    pub rejected: u64,
}

/// The limiter server's protocol.
#[derive(Debug, Clone, Messages)]
pub(crate) enum LimiterMsg {
    /// Admits and records `n` requests for `key`, if they fit.
    #[call(reply = Result<RateLimitStatus, RateLimitError>)]
    Consume { key: String, n: u32 },
    /// The usage of `key` for a request of `n`, recording nothing.
    #[call(reply = RateLimitStatus)]
    Check { key: String, n: u32 },
    /// Forgets `key`; true if it was held.
    #[call(reply = bool)]
    Forget { key: String },
    /// Counters.
    #[call(reply = RateLimiterStats)]
    Stats,
    /// Forgets idle keys.
    #[cast]
    Sweep,
}

struct Slot {
    /// Tells this key's entry in the eviction queue from those of a forgotten namesake.
    id: u64,
    window: Window,
}

/// The limiter server's state.
#[gen_server(messages = LimiterMsg)]
pub(crate) struct LimiterServer {
    params: Params,
    epoch: Instant,
    sweep_interval: Duration,
    keys: HashMap<Arc<str>, Slot>,
    /// `(due, key, id)`, in creation order: when `due` passes, the key is checked.
    expiry: VecDeque<(u64, Arc<str>, u64)>,
    next_id: u64,
    stats: RateLimiterStats,
}

impl LimiterServer {
    fn new(config: &RateLimiterConfig) -> LimiterServer {
        LimiterServer {
            params: Params::new(config.max_requests, config.window, config.slots),
            epoch: Instant::now(),
            sweep_interval: config.effective_sweep_interval(),
            keys: HashMap::new(),
            expiry: VecDeque::new(),
            next_id: 0,
            stats: RateLimiterStats::default(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn status(&self, usage: Usage) -> RateLimitStatus {
        RateLimitStatus::from_usage(usage, self.params.limit)
    }

    fn shrink(&mut self) {
        if self.keys.capacity() > 64 && self.keys.len() < self.keys.capacity() / 4 {
            self.keys.shrink_to(self.keys.len() * 2);
        }
        if self.expiry.capacity() > 64 && self.expiry.len() < self.expiry.capacity() / 4 {
            self.expiry.shrink_to(self.expiry.len() * 2);
        }
    }
}

impl LimiterHandler for LimiterServer {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        self.epoch = Instant::now();
        ctx.send_interval(self.sweep_interval, LimiterMsg::Sweep);
        Ok(())
    }

    async fn consume(
        &mut self,
        key: String,
        n: u32,
        _ctx: &mut Ctx<Self>,
    ) -> Result<RateLimitStatus, RateLimitError> {
        let params = self.params;
        if n > params.limit {
            self.stats.rejected += u64::from(n);
            return Err(RateLimitError::TooLarge {
                requested: n,
                limit: params.limit,
            });
        }
        let now = self.now();
        let usage = match self.keys.get_mut(key.as_str()) {
            Some(slot) => slot.window.consume(&params, now, n),
            None if n == 0 => Usage::empty(&params, 0),
            None => {
                let mut window = Window::default();
                let usage = window.consume(&params, now, n);
                self.next_id += 1;
                let key: Arc<str> = key.into();
                let due = now.saturating_add(params.window);
                self.expiry.push_back((due, key.clone(), self.next_id));
                self.keys.insert(
                    key,
                    Slot {
                        id: self.next_id,
                        window,
                    },
                );
                usage
            }
        };
        if usage.allowed {
            self.stats.admitted += u64::from(n);
            Ok(self.status(usage))
        } else {
            self.stats.rejected += u64::from(n);
            Err(RateLimitError::Exceeded(self.status(usage)))
        }
    }

    async fn check(&mut self, key: String, n: u32, _ctx: &mut Ctx<Self>) -> RateLimitStatus {
        let params = self.params;
        let usage = match self.keys.get(key.as_str()) {
            Some(slot) => slot.window.check(&params, self.now(), n.min(params.limit)),
            None => Usage::empty(&params, n),
        };
        let mut status = self.status(usage);
        status.allowed &= n <= params.limit;
        status
    }

    async fn forget(&mut self, key: String, _ctx: &mut Ctx<Self>) -> bool {
        // Its queue entry stays until due, then is dropped: its id no longer matches.
        self.keys.remove(key.as_str()).is_some()
    }

    async fn stats(&mut self, _ctx: &mut Ctx<Self>) -> RateLimiterStats {
        RateLimiterStats {
            keys: self.keys.len(),
            ..self.stats
        }
    }

    async fn sweep(&mut self, ctx: &mut Ctx<Self>) {
        let now = self.now();
        let params = self.params;
        let mut budget = SWEEP_BATCH;
        while let Some(&(due, _, _)) = self.expiry.front() {
            if due > now || budget == 0 {
                break;
            }
            budget -= 1;
            let Some((_, key, id)) = self.expiry.pop_front() else {
                break;
            };
            let Some(slot) = self.keys.get(&key) else {
                continue;
            };
            if slot.id != id {
                continue;
            }
            let expires_at = slot.window.expires_at(&params);
            if expires_at <= now {
                self.keys.remove(&key);
                self.stats.evicted += 1;
            } else {
                self.expiry.push_back((expires_at, key, id));
            }
        }
        if budget == 0 && self.expiry.front().is_some_and(|&(due, _, _)| due <= now) {
            // More is due: continue after the requests queued meanwhile.
            let _ = ctx.this().cast(LimiterMsg::Sweep);
        }
        self.shrink();
    }
}

/// A running rate limiter: a handle to its server. Cheap to clone; clones share the
/// limiter. Start one with [`RateLimiter::start`].
///
/// Keys are strings (`"user:42"`); any `impl Into<String>` works as a key argument.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    server: ServerRef<LimiterServer>,
    config: Arc<RateLimiterConfig>,
}

impl RateLimiter {
    /// Starts a limiter.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] for an invalid configuration (the text says what
    /// to fix); otherwise as [`GenServer::start`].
    pub async fn start(config: RateLimiterConfig) -> Result<RateLimiter, StartError> {
        RateLimiter::start_with(config, StartOptions::new()).await
    }

    /// Starts a limiter with start options (a registered name, a bounded mailbox, the
    /// call timeout of its requests).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub async fn start_with(
        config: RateLimiterConfig,
        options: StartOptions,
    ) -> Result<RateLimiter, StartError> {
        config.validate()?;
        let server = LimiterServer::new(&config).start_with(options).await?;
        Ok(RateLimiter {
            server,
            config: Arc::new(config),
        })
    }

    /// Would one request for `key` be admitted now? Records nothing and does not create
    /// the key.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the limiter cannot be reached.
    pub async fn check(&self, key: impl Into<String>) -> Result<RateLimitStatus, CallError> {
        self.check_n(key, 1).await
    }

    /// Would `n` requests for `key` be admitted now? Records nothing and does not create
    /// the key. (`allowed` is false when `n` exceeds the limit.)
    ///
    /// # Errors
    ///
    /// [`CallError`] if the limiter cannot be reached.
    pub async fn check_n(
        &self,
        key: impl Into<String>,
        n: u32,
    ) -> Result<RateLimitStatus, CallError> {
        self.server.check(key.into(), n).await
    }

    /// The usage of `key`: the same answer as [`check`](Self::check), read as a report.
    /// Records nothing and does not create the key.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the limiter cannot be reached.
    pub async fn status(&self, key: impl Into<String>) -> Result<RateLimitStatus, CallError> {
        self.check_n(key, 1).await
    }

    /// Admits and records one request for `key`, or refuses it and records nothing.
    ///
    /// # Errors
    ///
    /// [`RateLimitError::Exceeded`] with the key's status when it is at its limit;
    /// [`RateLimitError::Call`] if the limiter cannot be reached.
    pub async fn consume(&self, key: impl Into<String>) -> Result<RateLimitStatus, RateLimitError> {
        self.consume_n(key, 1).await
    }

    /// Admits and records `n` requests for `key` at once, or none of them. `n = 0`
    /// admits nothing and creates no key.
    ///
    /// # Errors
    ///
    /// As [`consume`](Self::consume), plus [`RateLimitError::TooLarge`] when `n`
    /// exceeds `max_requests`.
    pub async fn consume_n(
        &self,
        key: impl Into<String>,
        n: u32,
    ) -> Result<RateLimitStatus, RateLimitError> {
        self.server.consume(key.into(), n).await?
    }

    /// Forgets everything recorded for `key`. Returns true if the key was held.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the limiter cannot be reached.
    pub async fn reset(&self, key: impl Into<String>) -> Result<bool, CallError> {
        self.server.forget(key.into()).await
    }

    /// Counters: keys held, keys evicted, requests admitted and rejected.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the limiter cannot be reached.
    pub async fn stats(&self) -> Result<RateLimiterStats, CallError> {
        self.server.stats().await
    }

    /// The configuration it was started with.
    pub fn config(&self) -> &RateLimiterConfig {
        &self.config
    }

    /// The server's process identifier.
    pub fn pid(&self) -> Pid {
        self.server.pid()
    }

    /// Stops the limiter and waits until it has exited.
    ///
    /// # Errors
    ///
    /// [`StopError`] if it had already exited.
    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }
}

impl AsProcess for RateLimiter {
    fn as_process(&self) -> ProcessRef {
        self.server.to_process()
    }
}

#[cfg(test)]
mod tests;
