//! [`Ctx`]: what a handler can do besides changing its state: stop, timers, monitors.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::AbortHandle;

use crate::process::{AsProcess, Process, ProcessRef};
use crate::runtime::{Cell, Envelope};
use crate::{ExitReason, GenServer, MonitorRef, Pid, ServerRef};

/// Identifies a timer started with [`Ctx::send_after`] or [`Ctx::send_interval`], or a
/// task started with [`Ctx::spawn`]; [`Ctx::cancel_timer`] cancels either.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimerRef(u64);

/// The context a handler runs in: the server's own identity, and the operations that act
/// on the server itself.
///
/// Every handler and hook receives `&mut Ctx<Self>`.
pub struct Ctx<S: GenServer> {
    cell: Arc<Cell<S::Msg>>,
    stop: Option<ExitReason>,
    timers: HashMap<u64, AbortHandle>,
    next_timer: u64,
    /// Monitors this server holds on others (a supervisor holds one per child).
    monitors: HashMap<MonitorRef, ProcessRef>,
}

impl<S: GenServer> Ctx<S> {
    pub(crate) fn new(cell: Arc<Cell<S::Msg>>) -> Ctx<S> {
        Ctx {
            cell,
            stop: None,
            timers: HashMap::new(),
            next_timer: 0,
            monitors: HashMap::new(),
        }
    }

    /// This server's process identifier.
    pub fn pid(&self) -> Pid {
        self.cell.core.pid()
    }

    /// A reference to this server, to hand to others. (Calling it from its own handler
    /// fails with [`CallError::CalledSelf`](crate::CallError::CalledSelf); casting to it
    /// is fine.)
    pub fn this(&self) -> ServerRef<S> {
        ServerRef::from_cell(self.cell.clone())
    }

    /// Stops the server once the current handler returns: `terminate` runs with
    /// `reason`, callers still queued get [`CallError::Exited`](crate::CallError::Exited).
    /// A call being handled is answered first, since its handler completes. This is OTP's
    /// `{stop, Reason, Reply, State}`.
    pub fn stop(&mut self, reason: ExitReason) {
        self.stop = Some(reason);
    }

    /// True if [`stop`](Self::stop) was called in this handler.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_some()
    }

    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.stop.take()
    }

    /// Delivers `msg` to this server after `delay`, as a cast (OTP's `send_after`).
    /// A call variant sent this way gets a detached reply handle.
    ///
    /// The timer ends with the server. Once [cancelled](Self::cancel_timer) the message
    /// is never handled, even if it was already queued.
    pub fn send_after(&mut self, delay: Duration, msg: S::Msg) -> TimerRef {
        let id = self.next_timer_id();
        let target = Arc::downgrade(&self.cell);
        // The deadline is fixed now, not when the timer task first runs.
        let deadline = crate::timeouts::deadline_after(delay);
        let handle = tokio::spawn(async move {
            tokio::time::sleep_until(deadline).await;
            deliver_timer(&target, id, msg);
        });
        self.timers.insert(id, handle.abort_handle());
        TimerRef(id)
    }

    /// Delivers a clone of `msg` to this server every `period`, the first after one
    /// period, until cancelled or the server exits. If the server falls behind, ticks are
    /// delayed rather than bunched up.
    ///
    /// # Panics
    ///
    /// If `period` is zero (an interval must advance).
    pub fn send_interval(&mut self, period: Duration, msg: S::Msg) -> TimerRef
    where
        S::Msg: Clone,
    {
        assert!(
            !period.is_zero(),
            "send_interval: the period must be greater than zero"
        );
        let id = self.next_timer_id() | INTERVAL_BIT;
        let target = Arc::downgrade(&self.cell);
        let start = crate::timeouts::deadline_after(period);
        let handle = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(start, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if !deliver_timer(&target, id, msg.clone()) {
                    return;
                }
            }
        });
        self.timers.insert(id, handle.abort_handle());
        TimerRef(id)
    }

    /// Runs `task` on a tokio task of its own and delivers its output to this server as a
    /// message (as a cast), so a handler can start slow work (a request to another
    /// service, a computation) without blocking the server: OTP's pattern of a worker
    /// process that sends its result back.
    ///
    /// The task belongs to the server: it is aborted if the server exits first, and
    /// [`cancel_timer`](Self::cancel_timer) aborts it and drops its message even if it was
    /// already queued. A panic in the task stops the server with that panic as the reason,
    /// as a crash of a linked worker would in OTP.
    ///
    /// ```
    /// use noex_core::prelude::*;
    ///
    /// #[derive(Debug, Messages)]
    /// pub enum FetchMsg {
    ///     /// Starts a slow lookup and returns at once.
    ///     #[cast]
    ///     Fetch { key: u32 },
    ///     /// The lookup's result, sent by the task.
    ///     #[cast]
    ///     Done { value: u32 },
    ///     #[call(reply = Option<u32>)]
    ///     Last,
    /// }
    ///
    /// #[gen_server(messages = FetchMsg)]
    /// #[derive(Default)]
    /// pub struct Fetcher {
    ///     last: Option<u32>,
    /// }
    ///
    /// impl FetchHandler for Fetcher {
    ///     async fn fetch(&mut self, key: u32, ctx: &mut Ctx<Self>) {
    ///         ctx.spawn(async move {
    ///             tokio::task::yield_now().await; // the slow part
    ///             FetchMsg::Done { value: key * 2 }
    ///         });
    ///     }
    ///     async fn done(&mut self, value: u32, _ctx: &mut Ctx<Self>) {
    ///         self.last = Some(value);
    ///     }
    ///     async fn last(&mut self, _ctx: &mut Ctx<Self>) -> Option<u32> {
    ///         self.last
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fetcher = Fetcher::default().start().await?;
    /// fetcher.fetch(21)?;
    /// # for _ in 0..10 { tokio::task::yield_now().await; }
    /// assert_eq!(fetcher.last().await?, Some(42));
    /// # fetcher.stop().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn<F>(&mut self, task: F) -> TimerRef
    where
        F: Future<Output = S::Msg> + Send + 'static,
    {
        let id = self.next_timer_id();
        let target = Arc::downgrade(&self.cell);
        let handle = tokio::spawn(async move {
            match crate::runtime::catch(task).await {
                Ok(msg) => {
                    deliver_timer(&target, id, msg);
                }
                Err(reason) => {
                    if let Some(cell) = target.upgrade() {
                        cell.request_stop(reason);
                    }
                }
            }
        });
        self.timers.insert(id, handle.abort_handle());
        TimerRef(id)
    }

    /// Cancels a timer or a spawned task. Returns true if it was active: its message will
    /// not be handled (for an interval, no further message). False if it had already
    /// fired or been cancelled.
    pub fn cancel_timer(&mut self, timer: TimerRef) -> bool {
        match self.timers.remove(&timer.0) {
            Some(handle) => {
                handle.abort();
                true
            }
            None => false,
        }
    }

    /// True if a timer message for `id` should be handled; forgets one-shot timers.
    pub(crate) fn timer_fired(&mut self, id: u64) -> bool {
        if id & INTERVAL_BIT != 0 {
            self.timers.contains_key(&id)
        } else {
            self.timers.remove(&id).is_some()
        }
    }

    fn next_timer_id(&mut self) -> u64 {
        self.next_timer += 1;
        self.next_timer << 1
    }

    /// Monitors another process: when it exits, this server's `handle_down` hook receives
    /// a [`Down`](crate::Down) with the reason. If it has already exited, the `Down`
    /// arrives at once. Monitoring is one-way and does not affect the other process
    /// (OTP's `monitor(process, Pid)`).
    pub fn monitor(&mut self, target: &impl AsProcess) -> MonitorRef {
        let target = target.as_process();
        let me: Weak<Cell<S::Msg>> = Arc::downgrade(&self.cell);
        let monitor = target.core().add_monitor(Box::new(move |down| {
            if let Some(me) = me.upgrade() {
                me.deliver_down(down);
            }
        }));
        self.monitors.insert(monitor, target);
        monitor
    }

    /// Stops monitoring. Returns true if the monitor was active. Its `Down` is never
    /// handled afterwards, even if it was already queued.
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        match self.monitors.remove(&monitor) {
            Some(target) => target.core().remove_monitor(monitor),
            None => false,
        }
    }

    /// The process's shared lifecycle state (for runtime components built on servers).
    pub(crate) fn core(&self) -> &crate::process::Core {
        &self.cell.core
    }

    /// Forgets a monitor whose `Down` arrived; false if it had been demonitored (the
    /// `Down` was already queued), in which case it is not handled.
    pub(crate) fn forget_monitor(&mut self, monitor: MonitorRef) -> bool {
        self.monitors.remove(&monitor).is_some()
    }
}

const INTERVAL_BIT: u64 = 1;

fn deliver_timer<M: crate::Messages>(target: &Weak<Cell<M>>, id: u64, msg: M) -> bool {
    match target.upgrade() {
        Some(cell) => cell.mailbox.push(Envelope::Timer(id, msg)).is_ok(),
        None => false,
    }
}

impl<S: GenServer> Drop for Ctx<S> {
    fn drop(&mut self) {
        for (_, handle) in self.timers.drain() {
            handle.abort();
        }
        for (monitor, target) in self.monitors.drain() {
            target.core().remove_monitor(monitor);
        }
    }
}

impl<S: GenServer> fmt::Debug for Ctx<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("pid", &self.pid())
            .field("stopping", &self.stop)
            .field("timers", &self.timers.len())
            .field("monitors", &self.monitors.len())
            .finish()
    }
}
