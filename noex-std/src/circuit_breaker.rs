//! [`CircuitBreaker`]: fail fast while a dependency is failing, probe it, recover.
//!
//! ```text
//!                 failure_threshold consecutive failures
//!                 (or failure rate over the last N calls)
//!      ┌────────┐ ───────────────────────────────────────► ┌────────┐
//!      │ CLOSED │                                          │  OPEN  │ calls rejected:
//!      └────────┘ ◄──────────┐            ┌─────────────── └────────┘ Open { retry_after }
//!          ▲                 │            │ any probe           │
//!          │ reset()         │            │ failure             │ reset_timeout
//!          │ (from any   success_threshold│                     ▼
//!          │  state)     probe successes ┌┴──────────┐ at most half_open_max_calls
//!                                 └──────┤ HALF-OPEN │ probes at once; others get
//!                                        └───────────┘ HalfOpenFull
//! ```
//!
//! # Where the calls run
//!
//! [`execute`](CircuitBreaker::execute) runs the protected future **in the caller's
//! task**. The breaker's server only decides admission and takes outcomes, so 100
//! concurrent 50 ms calls take 50 ms, not 5 s, and a slow dependency never blocks the
//! breaker itself.
//!
//! * **Closed** (the common case) costs no message: the handle reads the state from a
//!   shared atomic word, and counts outcomes in a second one (a success when nothing
//!   failed is a plain load). Only the failure that reaches the threshold calls the
//!   server, which opens the circuit before that `execute` returns.
//! * **Open** rejects without a message until the reset timeout ends (the deadline is
//!   shared too); then a call asks the server, which moves to half-open.
//! * **Half-open**: every admission and outcome goes through the server, which counts
//!   the probes, so exactly `half_open_max_calls` run at once however many callers race.
//!
//! # Permits and generations
//!
//! Every state change starts a new *generation* (state cycle), and every admitted call
//! holds a permit stamped with the generation it was admitted in. An outcome counts only
//! in its own generation: a slow call admitted while closed that ends after the circuit
//! opened, half-opened or was reset changes nothing, and neither does a half-open probe
//! that outlives a [`reset`](CircuitBreaker::reset). The permit is returned even if the
//! caller's future is dropped mid-call (the probe slot is freed, nothing is counted), so
//! a cancelled probe can never leave the breaker stuck in half-open. A call that panics
//! counts as a failure.
//!
//! # Modes
//!
//! * [`FailureMode::Consecutive`] (default, 5): open after that many failures in a row;
//!   a success resets the count. This is the seeds' breaker.
//! * [`FailureMode::Rate`]: open when at least `threshold` (0–1] of the last `window`
//!   calls failed, once at least `min_calls` were made (resilience4j's count-based
//!   sliding window). Half-open behaves the same in both modes.
//!
//! What counts as a failure: an `Err` the [`is_failure`](CircuitBreakerConfig::is_failure)
//! predicate accepts (every `Err` by default), and a call that exceeds the optional
//! [`call_timeout`](CircuitBreakerConfig::call_timeout). An `Err` the predicate rejects
//! (a 404, a validation error: the dependency answered) counts as a success.
//!
//! **OTP** has no breaker of its own; Erlang's `fuse` library is the usual one. It
//! melts after N failures within a time span and heals after a delay, with no
//! half-open probing; this breaker follows the seeds (and resilience4j) instead.
//!
//! # Examples
//!
//! ```
//! use std::io;
//! use std::time::Duration;
//! use noex_std::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig, CircuitBreakerError, CircuitState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = CircuitBreakerConfig::new()
//!     .failure_threshold(2)
//!     .reset_timeout(Duration::from_secs(30));
//! let breaker = CircuitBreaker::start(config).await?;
//!
//! assert_eq!(breaker.execute(async { Ok::<_, io::Error>(1) }).await?, 1);
//! for _ in 0..2 {
//!     let failed = breaker.execute(async { Err::<u32, _>(io::Error::other("down")) }).await;
//!     assert!(matches!(failed, Err(CircuitBreakerError::Failed(_))));
//! }
//! assert_eq!(breaker.state(), CircuitState::Open);
//! let rejected = breaker.execute(async { Ok::<u32, io::Error>(1) }).await;
//! assert!(matches!(rejected, Err(CircuitBreakerError::Open { .. })));
//! breaker.stop().await?;
//! # Ok(())
//! # }
//! ```

use std::any::Any;
use std::fmt;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use noex_core::prelude::*;
use tokio::sync::broadcast;

mod server;
mod shared;

use server::{BreakerServer, Grant, Outcome, Rejection};
use shared::{Shared, bump};

/// The state of a circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CircuitState {
    /// Calls go through; failures are counted.
    #[default]
    Closed,
    /// Calls are rejected until the reset timeout ends.
    Open,
    /// A limited number of probe calls go through to test the dependency.
    HalfOpen,
}

impl fmt::Display for CircuitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half-open",
        })
    }
}

/// When a closed circuit opens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FailureMode {
    /// After `threshold` failures in a row.
    Consecutive {
        /// Failures in a row that open the circuit (at least 1).
        threshold: u32,
    },
    /// When at least `threshold` of the last `window` calls failed, once `min_calls`
    /// calls were counted.
    Rate {
        /// The failure rate that opens the circuit, in (0, 1].
        threshold: f64,
        /// How many of the latest calls are considered (at least 1).
        window: u32,
        /// Calls needed before the rate is judged (1 to `window`).
        min_calls: u32,
    },
}

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 256;

type Predicate = Arc<dyn Fn(&dyn Any) -> Option<bool> + Send + Sync>;

/// How a [`CircuitBreaker`] behaves. Defaults: 5 consecutive failures open it, 30 s
/// reset timeout, 1 probe at a time, 1 success closes it, no call timeout, every `Err`
/// is a failure.
///
/// ```
/// use std::time::Duration;
/// use noex_std::circuit_breaker::CircuitBreakerConfig;
///
/// #[derive(Debug)]
/// enum ApiError { NotFound, Unavailable }
///
/// let config = CircuitBreakerConfig::new()
///     .name("payments")
///     .failure_threshold(3)
///     .success_threshold(2)
///     .reset_timeout(Duration::from_secs(5))
///     .half_open_max_calls(2)
///     .call_timeout(Duration::from_millis(500))
///     .is_failure(|e: &ApiError| matches!(e, ApiError::Unavailable));
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct CircuitBreakerConfig {
    name: Arc<str>,
    mode: FailureMode,
    success_threshold: u32,
    reset_timeout: Duration,
    half_open_max_calls: u32,
    call_timeout: Option<Duration>,
    predicate: Option<Predicate>,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        CircuitBreakerConfig::new()
    }
}

impl fmt::Debug for CircuitBreakerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerConfig")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("success_threshold", &self.success_threshold)
            .field("reset_timeout", &self.reset_timeout)
            .field("half_open_max_calls", &self.half_open_max_calls)
            .field("call_timeout", &self.call_timeout)
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

impl CircuitBreakerConfig {
    /// The defaults.
    pub fn new() -> CircuitBreakerConfig {
        CircuitBreakerConfig {
            name: "circuit".into(),
            mode: FailureMode::Consecutive { threshold: 5 },
            success_threshold: 1,
            reset_timeout: Duration::from_secs(30),
            half_open_max_calls: 1,
            call_timeout: None,
            predicate: None,
        }
    }

    /// The name carried by its [events](CircuitEvent) (default `"circuit"`).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = name.into();
        self
    }

    /// Consecutive mode: open after `threshold` failures in a row (at least 1).
    pub fn failure_threshold(mut self, threshold: u32) -> Self {
        self.mode = FailureMode::Consecutive { threshold };
        self
    }

    /// Rate mode: open when at least `threshold` (in (0, 1]) of the last `window` calls
    /// failed, once at least `min_calls` (1 to `window`) were counted.
    pub fn failure_rate(mut self, threshold: f64, window: u32, min_calls: u32) -> Self {
        self.mode = FailureMode::Rate {
            threshold,
            window,
            min_calls,
        };
        self
    }

    /// Probe successes in half-open that close the circuit (at least 1).
    pub fn success_threshold(mut self, threshold: u32) -> Self {
        self.success_threshold = threshold;
        self
    }

    /// How long the circuit stays open before probing (the seeds' `timeout`).
    pub fn reset_timeout(mut self, timeout: Duration) -> Self {
        self.reset_timeout = timeout;
        self
    }

    /// How many probes may run at once in half-open (at least 1).
    pub fn half_open_max_calls(mut self, max: u32) -> Self {
        self.half_open_max_calls = max;
        self
    }

    /// A call running longer is abandoned and counted as a failure
    /// ([`CircuitBreakerError::Timeout`]).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Which errors count as failures: `predicate` decides for errors of type `E`; an
    /// error it rejects counts as a success (the dependency answered). Errors of other
    /// types always count as failures.
    pub fn is_failure<E: 'static>(
        mut self,
        predicate: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicate = Some(Arc::new(move |error: &dyn Any| {
            error.downcast_ref::<E>().map(&predicate)
        }));
        self
    }

    /// The failure mode.
    pub fn mode(&self) -> FailureMode {
        self.mode
    }

    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] naming the setting to fix.
    pub fn validate(&self) -> Result<(), StartError> {
        let name = &self.name;
        let invalid = |text: &str| {
            Err(StartError::InvalidOptions(format!(
                "circuit breaker {name:?}: {text}"
            )))
        };
        match self.mode {
            FailureMode::Consecutive { threshold: 0 } => {
                return invalid(
                    "failure_threshold is 0: the circuit would open without any failure; use at least 1",
                );
            }
            FailureMode::Rate {
                threshold,
                window,
                min_calls,
            } => {
                if !(threshold > 0.0 && threshold <= 1.0) {
                    return invalid(&format!(
                        "failure_rate threshold is {threshold}: give a fraction in (0, 1], e.g. 0.5 for 50 %"
                    ));
                }
                if window == 0 {
                    return invalid("failure_rate window is 0: judge at least the last 1 call");
                }
                if min_calls == 0 || min_calls > window {
                    return invalid(&format!(
                        "failure_rate min_calls is {min_calls}: use 1 to the window size ({window})"
                    ));
                }
            }
            FailureMode::Consecutive { .. } => {}
        }
        if self.success_threshold == 0 {
            return invalid(
                "success_threshold is 0: a half-open circuit needs at least 1 successful probe to close",
            );
        }
        if self.reset_timeout.is_zero() {
            return invalid(
                "reset_timeout is 0: an open circuit would probe at once; use e.g. Duration::from_secs(30)",
            );
        }
        if self.half_open_max_calls == 0 {
            return invalid(
                "half_open_max_calls is 0: a half-open circuit could never probe; allow at least 1",
            );
        }
        if self.call_timeout.is_some_and(|t| t.is_zero()) {
            return invalid(
                "call_timeout is 0: every call would time out; leave it unset or give a duration",
            );
        }
        Ok(())
    }
}

/// Why [`execute`](CircuitBreaker::execute) returned no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CircuitBreakerError<E> {
    /// The circuit is open: the call was not made. Retry after `retry_after`.
    Open {
        /// How long until the circuit half-opens.
        retry_after: Duration,
    },
    /// The circuit is half-open and every probe slot is taken: the call was not made.
    HalfOpenFull,
    /// The call ran longer than the call timeout and was abandoned (a failure).
    Timeout(Duration),
    /// The call ran and returned this error.
    Failed(E),
    /// The breaker's server could not be reached: the call was not made.
    Unavailable(CallError),
}

impl<E> CircuitBreakerError<E> {
    /// True when the call was not made because of the circuit's state.
    pub fn is_rejected(&self) -> bool {
        matches!(
            self,
            CircuitBreakerError::Open { .. } | CircuitBreakerError::HalfOpenFull
        )
    }

    /// The call's own error, if it ran and failed.
    pub fn into_inner(self) -> Option<E> {
        match self {
            CircuitBreakerError::Failed(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for CircuitBreakerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CircuitBreakerError::Open { retry_after } => {
                write!(
                    f,
                    "circuit open: call not made, retry after {retry_after:?}"
                )
            }
            CircuitBreakerError::HalfOpenFull => {
                f.write_str("circuit half-open and all probe slots taken: call not made")
            }
            CircuitBreakerError::Timeout(limit) => write!(f, "call timed out after {limit:?}"),
            CircuitBreakerError::Failed(e) => write!(f, "call failed: {e}"),
            CircuitBreakerError::Unavailable(e) => write!(f, "circuit breaker unavailable: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for CircuitBreakerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CircuitBreakerError::Failed(e) => Some(e),
            CircuitBreakerError::Unavailable(e) => Some(e),
            _ => None,
        }
    }
}

/// A state change, sent to [subscribers](CircuitBreaker::subscribe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitEvent {
    /// The breaker's configured name.
    pub name: Arc<str>,
    /// The state it left.
    pub from: CircuitState,
    /// The state it entered.
    pub to: CircuitState,
    /// The generation it entered.
    pub generation: u64,
}

/// Counters of a breaker since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CircuitMetrics {
    /// The current state.
    pub state: CircuitState,
    /// The current generation (one per state change, and per reset).
    pub generation: u64,
    /// Calls admitted.
    pub calls: u64,
    /// Admitted calls that succeeded (or failed with an error that does not count).
    pub successes: u64,
    /// Admitted calls that failed, timeouts included.
    pub failures: u64,
    /// Admitted calls that timed out.
    pub timeouts: u64,
    /// Calls rejected (open, or half-open with no free probe slot).
    pub rejections: u64,
    /// Admitted calls whose future was dropped before it finished.
    pub abandoned: u64,
    /// State changes.
    pub transitions: u64,
    /// Failures counted toward opening in the current closed generation.
    pub closed_failures: u32,
}

/// A running circuit breaker: a handle to its server plus the state it shares with its
/// clients. Cheap to clone; clones share the breaker.
#[derive(Clone)]
pub struct CircuitBreaker {
    server: ServerRef<BreakerServer>,
    shared: Arc<Shared>,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.shared.config.name)
            .field("pid", &self.server.pid())
            .field("state", &self.state())
            .finish()
    }
}

impl CircuitBreaker {
    /// Starts a breaker, closed.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] for an invalid configuration (the text says what
    /// to fix); otherwise as [`GenServer::start`].
    pub async fn start(config: CircuitBreakerConfig) -> Result<CircuitBreaker, StartError> {
        CircuitBreaker::start_with(config, StartOptions::new()).await
    }

    /// Starts a breaker with start options (a registered name, a call timeout for its
    /// half-open round trips).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub async fn start_with(
        config: CircuitBreakerConfig,
        options: StartOptions,
    ) -> Result<CircuitBreaker, StartError> {
        config.validate()?;
        let events = broadcast::channel(EVENT_BUFFER).0;
        let shared = Arc::new(Shared::new(config, events.downgrade()));
        let server = BreakerServer::new(shared.clone(), events)
            .start_with(options)
            .await?;
        Ok(CircuitBreaker { server, shared })
    }

    /// Runs `call` in the caller's task if the circuit admits it, and records how it
    /// ended.
    ///
    /// # Errors
    ///
    /// * [`CircuitBreakerError::Open`] / [`HalfOpenFull`](CircuitBreakerError::HalfOpenFull):
    ///   rejected, `call` was not polled;
    /// * [`Failed`](CircuitBreakerError::Failed): `call` returned this error;
    /// * [`Timeout`](CircuitBreakerError::Timeout): `call` exceeded the call timeout;
    /// * [`Unavailable`](CircuitBreakerError::Unavailable): the breaker server is gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while `call` runs abandons the call: its permit is returned
    /// (a half-open probe slot is freed) and nothing is counted.
    pub async fn execute<T, E, F>(&self, call: F) -> Result<T, CircuitBreakerError<E>>
    where
        F: IntoFuture<Output = Result<T, E>>,
        E: 'static,
    {
        let mut permit = self.acquire().await.map_err(|r| match r {
            Admission::Rejected(Rejection::Open { retry_after }) => {
                CircuitBreakerError::Open { retry_after }
            }
            Admission::Rejected(Rejection::HalfOpenFull) => CircuitBreakerError::HalfOpenFull,
            Admission::Unavailable(e) => CircuitBreakerError::Unavailable(e),
        })?;
        let result = match self.shared.config.call_timeout {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => {
                    bump(&self.shared.counters.timeouts);
                    permit.finish(Outcome::Failure).await;
                    return Err(CircuitBreakerError::Timeout(limit));
                }
            },
        };
        match result {
            Ok(value) => {
                permit.finish(Outcome::Success).await;
                Ok(value)
            }
            Err(error) => {
                let counts = self
                    .shared
                    .config
                    .predicate
                    .as_ref()
                    .and_then(|p| p(&error as &dyn Any))
                    .unwrap_or(true);
                let outcome = if counts {
                    Outcome::Failure
                } else {
                    Outcome::Success
                };
                permit.finish(outcome).await;
                Err(CircuitBreakerError::Failed(error))
            }
        }
    }

    async fn acquire(&self) -> Result<Permit<'_>, Admission> {
        let shared = &self.shared;
        let (state, generation) = shared.load();
        let grant = match state {
            CircuitState::Closed if shared.is_running() => Ok(Grant {
                generation,
                probe: false,
            }),
            CircuitState::Open if shared.now() < shared.open_until() => {
                let retry_after = shared.open_until().saturating_sub(shared.now());
                Err(Rejection::Open {
                    retry_after: Duration::from_nanos(retry_after),
                })
            }
            _ => self
                .server
                .acquire()
                .await
                .map_err(Admission::Unavailable)?,
        };
        match grant {
            Ok(grant) => {
                bump(&shared.counters.calls);
                Ok(Permit {
                    breaker: self,
                    grant,
                    done: false,
                })
            }
            Err(rejection) => {
                bump(&shared.counters.rejections);
                Err(Admission::Rejected(rejection))
            }
        }
    }

    /// The current state (read without a message).
    pub fn state(&self) -> CircuitState {
        self.shared.load().0
    }

    /// The counters and the state (read without a message).
    pub fn metrics(&self) -> CircuitMetrics {
        self.shared.metrics()
    }

    /// Closes the circuit and clears its counts, whatever its state. Calls admitted
    /// before the reset no longer count.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the breaker cannot be reached.
    pub async fn reset(&self) -> Result<(), CallError> {
        self.server.reset().await
    }

    /// State changes from now on. A subscriber more than 256 events behind misses the
    /// oldest ([`broadcast::error::RecvError::Lagged`]); the receiver ends when the
    /// breaker's server does.
    pub fn subscribe(&self) -> broadcast::Receiver<CircuitEvent> {
        crate::subscribe(&self.shared.events)
    }

    /// The configured name.
    pub fn name(&self) -> &str {
        &self.shared.config.name
    }

    /// The server's process identifier.
    pub fn pid(&self) -> Pid {
        self.server.pid()
    }

    /// Stops the breaker's server. Later calls fail with
    /// [`CircuitBreakerError::Unavailable`].
    ///
    /// # Errors
    ///
    /// [`StopError`] if it had already exited.
    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }
}

impl AsProcess for CircuitBreaker {
    fn as_process(&self) -> ProcessRef {
        self.server.to_process()
    }
}

enum Admission {
    Rejected(Rejection),
    Unavailable(CallError),
}

/// One admitted call. Its outcome is recorded once: by [`finish`](Permit::finish), or
/// on drop (abandoned, or a failure if the call panicked).
struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    grant: Grant,
    done: bool,
}

impl Permit<'_> {
    fn count(&self, outcome: Outcome) {
        let counters = &self.breaker.shared.counters;
        bump(match outcome {
            Outcome::Success => &counters.successes,
            Outcome::Failure => &counters.failures,
            Outcome::Abandoned => &counters.abandoned,
        });
    }

    /// Records a closed-state outcome; true when it trips the circuit.
    fn trips(&self, outcome: Outcome) -> bool {
        outcome != Outcome::Abandoned
            && self
                .breaker
                .shared
                .closed
                .record(self.grant.generation, outcome == Outcome::Failure)
    }

    async fn finish(&mut self, outcome: Outcome) {
        self.done = true;
        self.count(outcome);
        let generation = self.grant.generation;
        let server = &self.breaker.server;
        // The server being gone is reported by the next acquire; nothing to do here.
        if self.grant.probe {
            let _ = server.report(generation, outcome).await;
        } else if self.trips(outcome) {
            let _ = server.trip(generation).await;
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let outcome = if std::thread::panicking() {
            Outcome::Failure
        } else {
            Outcome::Abandoned
        };
        self.count(outcome);
        let generation = self.grant.generation;
        let server = &self.breaker.server;
        // Sent as casts: a destructor cannot wait for a reply.
        if self.grant.probe {
            let _ = server.cast(server::BreakerMsg::Report {
                generation,
                outcome,
            });
        } else if self.trips(outcome) {
            let _ = server.cast(server::BreakerMsg::Trip { generation });
        }
    }
}

#[cfg(test)]
mod tests;
