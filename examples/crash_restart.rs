//! Crash and restart: a named counter under a one-for-one supervisor crashes, the
//! supervisor restarts it, and the new process (a new pid, a fresh state) is found under
//! the same name.
//!
//! ```text
//!        [app] one_for_one
//!        /   \
//!   counter  clock
//! ```
//!
//! Run with `cargo run --example crash_restart`.

use std::error::Error;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorEvent};

/// A counter that can be made to crash.
#[derive(Debug, Messages)]
pub enum CounterMsg {
    /// Adds one and returns the new value.
    #[call(reply = u64)]
    Incr,
    /// Divides 100 by `by`: a bug waiting for `by == 0`.
    #[call(reply = u64)]
    Divide { by: u64 },
}

/// The counter's state.
#[gen_server(messages = CounterMsg)]
#[derive(Default)]
pub struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        println!("  counter {} starting", ctx.pid());
        Ok(())
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Ctx<Self>) {
        println!("  counter {} terminating: {reason}", ctx.pid());
    }

    async fn incr(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value += 1;
        self.value
    }

    async fn divide(&mut self, by: u64, _ctx: &mut Ctx<Self>) -> u64 {
        100 / by // panics when `by` is 0: an OTP crash
    }
}

/// A bystander, to show that one-for-one leaves the other children alone.
#[derive(Debug, Messages)]
pub enum ClockMsg {
    /// How many ticks so far.
    #[call(reply = u64)]
    Ticks,
}

/// The clock's state.
#[gen_server(messages = ClockMsg)]
#[derive(Default)]
pub struct Clock;

impl ClockHandler for Clock {
    async fn ticks(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        0
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let registry = Registry::new();
    let names = registry.clone();
    let app = Supervisor::new(Strategy::OneForOne)
        .child(ChildSpec::new("counter", move || {
            Counter::default().start_with(StartOptions::new().name_in(&names, "counter"))
        }))
        .child(ChildSpec::new("clock", || Clock.start()));
    let mut events = app.subscribe();
    println!("starting the supervisor");
    let app = app.start().await?;

    let counter = registry.lookup::<Counter>("counter")?;
    let clock_pid = app.which_children().await?[1]
        .process
        .as_ref()
        .map(ProcessRef::pid)
        .ok_or("the clock is not running")?;
    for _ in 0..3 {
        counter.incr().await?;
    }
    println!(
        "counter {} counted to {}",
        counter.pid(),
        counter.incr().await?
    );

    println!("dividing by zero...");
    let err = counter
        .divide(0)
        .await
        .err()
        .ok_or("the division should have crashed the counter")?;
    println!("  the call failed: {err}");

    // The supervisor reports the exit, then the restart with its reason.
    let restarted = loop {
        match events.recv().await? {
            SupervisorEvent::ChildStarted { id, pid } => println!("event: {id} started as {pid}"),
            SupervisorEvent::ChildExited { id, pid, reason } => {
                println!("event: {id} ({pid}) exited: {reason}");
            }
            SupervisorEvent::ChildRestarted { id, pid, reason } => {
                println!("event: {id} restarted as {pid} after: {reason}");
                break pid;
            }
            other => println!("event: {other:?}"),
        }
    };

    let again = registry.lookup::<Counter>("counter")?;
    println!(
        "looked up \"counter\" again: {} (was {}), counting from {}",
        again.pid(),
        counter.pid(),
        again.incr().await?
    );
    assert_eq!(again.pid(), restarted);
    assert_ne!(again.pid(), counter.pid());

    let clock = app.which_children().await?[1]
        .process
        .as_ref()
        .map(ProcessRef::pid)
        .ok_or("the clock is not running")?;
    println!("the clock kept its pid: {clock} (one_for_one)");
    assert_eq!(clock, clock_pid);

    app.stop().await?;
    println!(
        "supervisor stopped; \"counter\" registered: {}",
        registry.is_registered("counter")
    );
    Ok(())
}
