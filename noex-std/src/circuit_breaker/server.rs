//! The breaker's server: it owns the state machine. It admits half-open probes, takes
//! their outcomes, trips the circuit when told, and times the open state. It never runs
//! a protected call.

use std::sync::Arc;
use std::time::Duration;

use noex_core::prelude::*;
use tokio::sync::broadcast;

use super::shared::{Shared, bump};
use super::{CircuitEvent, CircuitState};

/// The right to make one call, for one generation (state cycle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) generation: u64,
    /// A half-open probe (its outcome must be reported) rather than a closed-state call.
    pub(crate) probe: bool,
}

/// Why a call was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    Open { retry_after: Duration },
    HalfOpenFull,
}

/// How a probe ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    /// The caller's future was dropped: the probe slot is freed, nothing is counted.
    Abandoned,
}

#[derive(Debug, Clone, Messages)]
pub(crate) enum BreakerMsg {
    /// Admission when the state is not plainly closed.
    #[call(reply = Result<Grant, Rejection>)]
    Acquire,
    /// The outcome of a half-open probe.
    #[call(reply = ())]
    Report { generation: u64, outcome: Outcome },
    /// A closed-state count reached its threshold in `generation`.
    #[call(reply = ())]
    Trip { generation: u64 },
    /// The reset timeout of the open state of `generation` ended.
    #[cast]
    HalfOpenDue { generation: u64 },
    /// Back to closed, counts cleared.
    #[call(reply = ())]
    Reset,
}

#[gen_server(messages = BreakerMsg)]
pub(crate) struct BreakerServer {
    shared: Arc<Shared>,
    /// The only strong sender: subscriptions end when the server does.
    events: broadcast::Sender<CircuitEvent>,
    state: CircuitState,
    generation: u64,
    probes_in_flight: u32,
    probe_successes: u32,
    timer: Option<TimerRef>,
}

impl BreakerServer {
    pub(crate) fn new(
        shared: Arc<Shared>,
        events: broadcast::Sender<CircuitEvent>,
    ) -> BreakerServer {
        BreakerServer {
            shared,
            events,
            state: CircuitState::Closed,
            generation: 0,
            probes_in_flight: 0,
            probe_successes: 0,
            timer: None,
        }
    }

    /// Enters `to` as a new generation: every permit of the old one is now stale.
    fn transition(&mut self, to: CircuitState, ctx: &mut Ctx<Self>) {
        let from = self.state;
        self.state = to;
        self.generation += 1;
        self.probes_in_flight = 0;
        self.probe_successes = 0;
        if let Some(timer) = self.timer.take() {
            ctx.cancel_timer(timer);
        }
        let config = &self.shared.config;
        let mut open_until = 0;
        match to {
            CircuitState::Closed => self.shared.closed.reset(self.generation),
            CircuitState::Open => {
                let timeout = config.reset_timeout;
                open_until = self
                    .shared
                    .now()
                    .saturating_add(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX));
                self.timer = Some(ctx.send_after(
                    timeout,
                    BreakerMsg::HalfOpenDue {
                        generation: self.generation,
                    },
                ));
            }
            CircuitState::HalfOpen => {}
        }
        self.shared.publish(to, self.generation, open_until);
        if from != to {
            bump(&self.shared.counters.transitions);
            // No subscriber is not an error.
            let _ = self.events.send(CircuitEvent {
                name: config.name.clone(),
                from,
                to,
                generation: self.generation,
            });
        }
    }
}

/// The server's state is dropped however the process ends, even when killed: from then
/// on the handles' fast path refuses calls instead of admitting them unsupervised.
impl Drop for BreakerServer {
    fn drop(&mut self) {
        self.shared.set_stopped();
    }
}

impl BreakerHandler for BreakerServer {
    async fn acquire(&mut self, ctx: &mut Ctx<Self>) -> Result<Grant, Rejection> {
        if self.state == CircuitState::Open {
            let (now, until) = (self.shared.now(), self.shared.open_until());
            if now < until {
                return Err(Rejection::Open {
                    retry_after: Duration::from_nanos(until - now),
                });
            }
            // The deadline passed before its timer message was handled.
            self.transition(CircuitState::HalfOpen, ctx);
        }
        match self.state {
            CircuitState::HalfOpen => {
                if self.probes_in_flight >= self.shared.config.half_open_max_calls {
                    return Err(Rejection::HalfOpenFull);
                }
                self.probes_in_flight += 1;
                Ok(Grant {
                    generation: self.generation,
                    probe: true,
                })
            }
            _ => Ok(Grant {
                generation: self.generation,
                probe: false,
            }),
        }
    }

    async fn report(&mut self, generation: u64, outcome: Outcome, ctx: &mut Ctx<Self>) {
        if generation != self.generation || self.state != CircuitState::HalfOpen {
            return; // a late result of an earlier cycle changes nothing
        }
        self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
        match outcome {
            Outcome::Success => {
                self.probe_successes += 1;
                if self.probe_successes >= self.shared.config.success_threshold {
                    self.transition(CircuitState::Closed, ctx);
                }
            }
            Outcome::Failure => self.transition(CircuitState::Open, ctx),
            Outcome::Abandoned => {}
        }
    }

    async fn trip(&mut self, generation: u64, ctx: &mut Ctx<Self>) {
        if generation == self.generation && self.state == CircuitState::Closed {
            self.transition(CircuitState::Open, ctx);
        }
    }

    async fn half_open_due(&mut self, generation: u64, ctx: &mut Ctx<Self>) {
        if generation == self.generation && self.state == CircuitState::Open {
            self.timer = None; // it fired: nothing to cancel
            self.transition(CircuitState::HalfOpen, ctx);
        }
    }

    async fn reset(&mut self, ctx: &mut Ctx<Self>) {
        self.transition(CircuitState::Closed, ctx);
    }
}
