//! Test servers shared by the integration tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use noex_core::prelude::*;

/// A shared, ordered record of what happened, for assertions about order.
#[derive(Clone, Default, Debug)]
pub struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A server with one message for every behaviour the runtime tests exercise.
#[derive(Debug, Clone, Messages)]
pub enum ProbeMsg {
    /// Current value.
    #[call(reply = u64)]
    Get,
    #[call(reply = u64)]
    Add { by: u64 },
    #[cast]
    Incr,
    /// An application error is a reply value, not a crash.
    #[call(reply = Result<u64, String>)]
    Checked { by: u64 },
    #[call(reply = ())]
    Panic,
    #[cast]
    PanicCast,
    /// Sleeps (on the tokio clock) before answering.
    #[call(reply = u64)]
    Sleep { ms: u64 },
    /// Parks the reply until `Release`.
    #[call(reply = u64, deferred)]
    Later,
    #[cast]
    Release,
    /// Drops its reply handle unanswered.
    #[call(reply = u64, deferred)]
    DropReply,
    /// Calls itself through `ctx.this()`.
    #[call(reply = Result<u64, CallError>)]
    CallSelf,
    /// Answers, then stops with `reason`.
    #[call(reply = u64)]
    StopAfterReply { reason: ExitReason },
    /// Records `n` in the journal.
    #[cast]
    Record(u64),
    #[call(reply = TimerRef)]
    After { ms: u64, n: u64 },
    #[call(reply = TimerRef)]
    Every { ms: u64, n: u64 },
    #[call(reply = bool)]
    Cancel(TimerRef),
    /// Sleeps (so a due timer's message queues up), then cancels the timer.
    #[call(reply = bool)]
    SleepThenCancel { ms: u64, timer: TimerRef },
    #[call(reply = MonitorRef)]
    Watch(ProcessRef),
    #[call(reply = bool)]
    Unwatch(MonitorRef),
    /// Spawns a task that sleeps `ms`, then records `n`.
    #[call(reply = TimerRef)]
    SpawnRecord { ms: u64, n: u64 },
    /// Spawns a task that panics.
    #[cast]
    SpawnPanic,
    /// Awaits `stop()` on itself (an error).
    #[call(reply = Result<(), StopError>)]
    AwaitOwnStop,
}

#[gen_server(messages = ProbeMsg)]
#[derive(Default)]
pub struct Probe {
    pub value: u64,
    pub journal: Journal,
    pub parked: Vec<ReplyTo<u64>>,
    /// Makes `init` fail with this text.
    pub fail_init: Option<String>,
    pub panic_init: bool,
    /// Makes `init` sleep this long.
    pub slow_init: Option<Duration>,
}

impl Probe {
    pub fn with_journal(journal: &Journal) -> Probe {
        Probe {
            journal: journal.clone(),
            ..Probe::default()
        }
    }
}

impl ProbeHandler for Probe {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        if let Some(d) = self.slow_init {
            tokio::time::sleep(d).await;
        }
        if self.panic_init {
            panic!("init exploded");
        }
        if let Some(e) = &self.fail_init {
            return Err(e.clone().into());
        }
        self.journal.push(format!("init {}", ctx.pid()));
        Ok(())
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        self.journal.push(format!("terminate {reason}"));
    }

    async fn handle_down(&mut self, down: Down, _ctx: &mut Ctx<Self>) {
        self.journal
            .push(format!("down {} {}", down.pid, down.reason));
    }

    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value
    }

    async fn add(&mut self, by: u64, _ctx: &mut Ctx<Self>) -> u64 {
        self.value += by;
        self.value
    }

    async fn incr(&mut self, _ctx: &mut Ctx<Self>) {
        self.value += 1;
    }

    async fn checked(&mut self, by: u64, _ctx: &mut Ctx<Self>) -> Result<u64, String> {
        let next = self
            .value
            .checked_add(by)
            .ok_or_else(|| "overflow".to_string())?;
        self.value = next;
        Ok(next)
    }

    async fn panic(&mut self, _ctx: &mut Ctx<Self>) {
        panic!("boom");
    }

    async fn panic_cast(&mut self, _ctx: &mut Ctx<Self>) {
        panic!("boom in a cast");
    }

    async fn sleep(&mut self, ms: u64, _ctx: &mut Ctx<Self>) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }

    async fn later(&mut self, reply: ReplyTo<u64>, _ctx: &mut Ctx<Self>) {
        self.parked.push(reply);
    }

    async fn release(&mut self, _ctx: &mut Ctx<Self>) {
        for reply in self.parked.drain(..) {
            reply.send(self.value);
        }
    }

    async fn drop_reply(&mut self, reply: ReplyTo<u64>, _ctx: &mut Ctx<Self>) {
        drop(reply);
    }

    async fn call_self(&mut self, ctx: &mut Ctx<Self>) -> Result<u64, CallError> {
        ctx.this().get().await
    }

    async fn stop_after_reply(&mut self, reason: ExitReason, ctx: &mut Ctx<Self>) -> u64 {
        ctx.stop(reason);
        self.value
    }

    async fn record(&mut self, n: u64, _ctx: &mut Ctx<Self>) {
        self.journal.push(format!("record {n}"));
    }

    async fn after(&mut self, ms: u64, n: u64, ctx: &mut Ctx<Self>) -> TimerRef {
        ctx.send_after(Duration::from_millis(ms), ProbeMsg::Record(n))
    }

    async fn every(&mut self, ms: u64, n: u64, ctx: &mut Ctx<Self>) -> TimerRef {
        ctx.send_interval(Duration::from_millis(ms), ProbeMsg::Record(n))
    }

    async fn cancel(&mut self, timer: TimerRef, ctx: &mut Ctx<Self>) -> bool {
        ctx.cancel_timer(timer)
    }

    async fn sleep_then_cancel(&mut self, ms: u64, timer: TimerRef, ctx: &mut Ctx<Self>) -> bool {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ctx.cancel_timer(timer)
    }

    async fn watch(&mut self, target: ProcessRef, ctx: &mut Ctx<Self>) -> MonitorRef {
        ctx.monitor(&target)
    }

    async fn unwatch(&mut self, monitor: MonitorRef, ctx: &mut Ctx<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    async fn spawn_record(&mut self, ms: u64, n: u64, ctx: &mut Ctx<Self>) -> TimerRef {
        ctx.spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ProbeMsg::Record(n)
        })
    }

    async fn spawn_panic(&mut self, ctx: &mut Ctx<Self>) {
        ctx.spawn(async {
            tokio::task::yield_now().await;
            panic!("task exploded")
        });
    }

    async fn await_own_stop(&mut self, ctx: &mut Ctx<Self>) -> Result<(), StopError> {
        ctx.this().stop().await
    }
}

/// Lets the runtime run everything that is ready (other tasks, wakeups).
pub async fn settle() {
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
}
