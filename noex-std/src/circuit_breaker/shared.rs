//! What the breaker's clients read without a message: the state word, the open deadline,
//! the closed-state failure count and the metrics. Only the server writes the state word.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::broadcast;
use tokio::time::Instant;

use super::{CircuitBreakerConfig, CircuitEvent, CircuitMetrics, CircuitState, FailureMode};

/// The state and its generation in one word: `generation << 2 | state`.
pub(crate) fn pack(state: CircuitState, generation: u64) -> u64 {
    let bits = match state {
        CircuitState::Closed => 0,
        CircuitState::Open => 1,
        CircuitState::HalfOpen => 2,
    };
    generation << 2 | bits
}

pub(crate) fn unpack(word: u64) -> (CircuitState, u64) {
    let state = match word & 3 {
        0 => CircuitState::Closed,
        1 => CircuitState::Open,
        _ => CircuitState::HalfOpen,
    };
    (state, word >> 2)
}

/// Counts the closed-state outcomes of one generation and says when they trip the circuit.
pub(crate) enum ClosedCounter {
    /// `(generation as u32) << 32 | consecutive failures`: one word, so a late outcome of
    /// an earlier generation can never touch the count of the current one.
    Consecutive { word: AtomicU64, threshold: u32 },
    /// The last `window` outcomes.
    Rate(Mutex<RateWindow>),
}

pub(crate) struct RateWindow {
    generation: u64,
    outcomes: VecDeque<bool>,
    failures: u32,
    window: u32,
    min_calls: u32,
    threshold: f64,
    tripped: bool,
}

fn tag(generation: u64) -> u64 {
    (generation & u64::from(u32::MAX)) << 32
}

impl ClosedCounter {
    pub(crate) fn new(mode: &FailureMode) -> ClosedCounter {
        match *mode {
            FailureMode::Consecutive { threshold } => ClosedCounter::Consecutive {
                word: AtomicU64::new(tag(0)),
                threshold,
            },
            FailureMode::Rate {
                threshold,
                window,
                min_calls,
            } => ClosedCounter::Rate(Mutex::new(RateWindow {
                generation: 0,
                outcomes: VecDeque::with_capacity(window as usize),
                failures: 0,
                window,
                min_calls,
                threshold,
                tripped: false,
            })),
        }
    }

    /// Starts counting afresh for `generation` (the server, on entering closed).
    pub(crate) fn reset(&self, generation: u64) {
        match self {
            ClosedCounter::Consecutive { word, .. } => {
                word.store(tag(generation), Ordering::Release)
            }
            ClosedCounter::Rate(window) => {
                let mut w = window.lock().unwrap_or_else(PoisonError::into_inner);
                w.generation = generation;
                w.outcomes.clear();
                w.failures = 0;
                w.tripped = false;
            }
        }
    }

    /// Records the outcome of a closed-state call of `generation`. True when this outcome
    /// makes the circuit trip (true once per generation).
    pub(crate) fn record(&self, generation: u64, failure: bool) -> bool {
        match self {
            ClosedCounter::Consecutive { word, threshold } => {
                let mut current = word.load(Ordering::Acquire);
                loop {
                    if current & !u64::from(u32::MAX) != tag(generation) {
                        return false; // an earlier cycle's call: it counts for nothing
                    }
                    let count = current & u64::from(u32::MAX);
                    let next = match (failure, count) {
                        (false, 0) => return false, // the common case: no write at all
                        (false, _) => tag(generation),
                        (true, _) => current + 1,
                    };
                    match word.compare_exchange_weak(
                        current,
                        next,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return failure && count + 1 == u64::from(*threshold),
                        Err(actual) => current = actual,
                    }
                }
            }
            ClosedCounter::Rate(window) => {
                let mut w = window.lock().unwrap_or_else(PoisonError::into_inner);
                if w.generation != generation {
                    return false;
                }
                w.outcomes.push_back(failure);
                w.failures += u32::from(failure);
                if w.outcomes.len() > w.window as usize && w.outcomes.pop_front() == Some(true) {
                    w.failures -= 1;
                }
                let calls = w.outcomes.len() as u32;
                let trips = !w.tripped
                    && calls >= w.min_calls
                    && f64::from(w.failures) >= w.threshold * f64::from(calls);
                w.tripped |= trips;
                trips
            }
        }
    }

    /// The consecutive failures (or failures in the window) counted now.
    fn failures(&self) -> u32 {
        match self {
            ClosedCounter::Consecutive { word, .. } => {
                (word.load(Ordering::Acquire) & u64::from(u32::MAX)) as u32
            }
            ClosedCounter::Rate(window) => {
                window
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .failures
            }
        }
    }
}

/// Monotonic counters, updated by clients and the server alike.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) calls: AtomicU64,
    pub(crate) successes: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) rejections: AtomicU64,
    pub(crate) abandoned: AtomicU64,
    pub(crate) transitions: AtomicU64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Everything a breaker's handles share with its server.
pub(crate) struct Shared {
    pub(crate) config: CircuitBreakerConfig,
    word: AtomicU64,
    /// While open: when the reset timeout ends, in nanoseconds since `epoch`.
    open_until: AtomicU64,
    epoch: Instant,
    pub(crate) closed: ClosedCounter,
    pub(crate) counters: Counters,
    pub(crate) events: broadcast::WeakSender<CircuitEvent>,
    /// Cleared when the server's state is dropped (it stopped, crashed or was killed).
    running: AtomicBool,
}

impl Shared {
    pub(crate) fn new(
        config: CircuitBreakerConfig,
        events: broadcast::WeakSender<CircuitEvent>,
    ) -> Shared {
        Shared {
            closed: ClosedCounter::new(&config.mode),
            config,
            word: AtomicU64::new(pack(CircuitState::Closed, 0)),
            open_until: AtomicU64::new(0),
            epoch: Instant::now(),
            counters: Counters::default(),
            events,
            running: AtomicBool::new(true),
        }
    }

    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    pub(crate) fn set_stopped(&self) {
        self.running.store(false, Ordering::Release);
    }

    pub(crate) fn load(&self) -> (CircuitState, u64) {
        unpack(self.word.load(Ordering::Acquire))
    }

    /// Publishes a new state (the server only). `open_until` is written first, so a
    /// client that sees `Open` sees its deadline.
    pub(crate) fn publish(&self, state: CircuitState, generation: u64, open_until: u64) {
        self.open_until.store(open_until, Ordering::Relaxed);
        self.word.store(pack(state, generation), Ordering::Release);
    }

    pub(crate) fn open_until(&self) -> u64 {
        self.open_until.load(Ordering::Relaxed)
    }

    pub(crate) fn metrics(&self) -> CircuitMetrics {
        let c = &self.counters;
        let read = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (state, generation) = self.load();
        CircuitMetrics {
            state,
            generation,
            calls: read(&c.calls),
            successes: read(&c.successes),
            failures: read(&c.failures),
            timeouts: read(&c.timeouts),
            rejections: read(&c.rejections),
            abandoned: read(&c.abandoned),
            transitions: read(&c.transitions),
            closed_failures: self.closed.failures(),
        }
    }
}
