//! What every process shares, whatever its message type: identity, lifecycle, monitors,
//! and the type-erased [`ProcessRef`] that supervisors and the registry hold.
//!
//! # Lifecycle
//!
//! ```text
//!  start ──► Running ──(stop / ctx.stop / panic: terminate runs)──► Exiting(reason)
//!                 │                                                      │
//!                 └──────────────(kill: no terminate)──────────────────► │
//!                                                                        ▼
//!        mailbox closed, queued requests failed, names removed, monitors told
//!                                                                        │
//!                                                                        ▼
//!                                                                 Exited(reason)
//! ```
//!
//! `stop().await`, `kill().await` and [`ProcessRef::wait`] return only once `Exited` is
//! reached, so when they return, `terminate` has run (unless the process was killed), the
//! process's names are gone and every monitor has been sent its [`Down`]. Names are removed
//! before monitors are told, so a lookup never returns a process that a monitor has
//! already been told is dead.

use std::any::{Any, TypeId};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};
use tokio::task::AbortHandle;

use crate::error::StopError;
use crate::{Down, ExitReason, MonitorRef, Pid};

/// A callback run once with the `Down` of the process it watches.
pub(crate) type Watcher = Box<dyn FnOnce(Down) + Send>;

/// A hook run when the process exits, before monitors are told (used for names).
pub(crate) type ExitHook = Box<dyn FnOnce(Pid) + Send>;

pub(crate) enum Phase {
    Running,
    Exiting(ExitReason),
    Exited(ExitReason),
}

struct CoreState {
    phase: Phase,
    monitors: Vec<(MonitorRef, Watcher)>,
    exit_hooks: Vec<(u64, ExitHook)>,
    /// The server task's abort handle, once it is spawned.
    abort: Option<AbortHandle>,
    /// Set by the one caller of `finish_exit` that runs the exit sequence.
    finishing: bool,
    /// Set once the exit hooks have run; from then on monitors are told at once.
    hooks_done: bool,
}

/// Lifecycle state shared by every reference to one process.
pub(crate) struct Core {
    pid: Pid,
    server_type: TypeId,
    server_name: &'static str,
    state: Mutex<CoreState>,
    exited: Notify,
    /// Mirrors "the phase is no longer `Running`" for lock-free `is_alive` checks.
    exiting: AtomicBool,
}

impl Core {
    pub(crate) fn new(pid: Pid, server_type: TypeId, server_name: &'static str) -> Core {
        Core {
            pid,
            server_type,
            server_name,
            state: Mutex::new(CoreState {
                phase: Phase::Running,
                monitors: Vec::new(),
                exit_hooks: Vec::new(),
                abort: None,
                finishing: false,
                hooks_done: false,
            }),
            exited: Notify::new(),
            exiting: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CoreState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn pid(&self) -> Pid {
        self.pid
    }

    pub(crate) fn server_type(&self) -> TypeId {
        self.server_type
    }

    pub(crate) fn server_name(&self) -> &'static str {
        self.server_name
    }

    /// Hands over the spawned task's abort handle. If a kill came in between `init` and
    /// the spawn, it takes effect now.
    pub(crate) fn set_abort(&self, handle: AbortHandle) {
        let mut st = self.lock();
        if matches!(st.phase, Phase::Running) {
            st.abort = Some(handle);
        } else {
            drop(st);
            handle.abort();
        }
    }

    /// Lock-free: `exiting` is set (under the lock) when the phase leaves `Running`.
    pub(crate) fn is_running(&self) -> bool {
        !self.exiting.load(Ordering::Acquire)
    }

    /// The exit reason once the process is exiting or has exited.
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        match &self.lock().phase {
            Phase::Running => None,
            Phase::Exiting(r) | Phase::Exited(r) => Some(r.clone()),
        }
    }

    /// Moves to `Exiting(reason)` unless already past `Running`; returns the reason the
    /// process exits with (the first one recorded wins).
    pub(crate) fn begin_exit(&self, reason: ExitReason) -> ExitReason {
        let mut st = self.lock();
        match &st.phase {
            Phase::Running => {
                st.phase = Phase::Exiting(reason.clone());
                self.exiting.store(true, Ordering::Release);
                reason
            }
            Phase::Exiting(r) | Phase::Exited(r) => r.clone(),
        }
    }

    /// Runs the exit hooks (names), tells the monitors, then marks the process exited and
    /// wakes everything waiting for that. Idempotent.
    pub(crate) fn finish_exit(&self, reason: ExitReason) {
        let (hooks, reason) = {
            let mut st = self.lock();
            let reason = match &st.phase {
                Phase::Exited(_) => return,
                Phase::Exiting(r) => r.clone(),
                Phase::Running => reason,
            };
            if st.finishing {
                // Another caller is finishing the exit.
                return;
            }
            st.finishing = true;
            st.phase = Phase::Exiting(reason.clone());
            self.exiting.store(true, Ordering::Release);
            (std::mem::take(&mut st.exit_hooks), reason)
        };
        for (_, hook) in hooks {
            hook(self.pid);
        }
        // Only now may monitors hear of the exit: a monitor added from here on is told at
        // once (see `add_monitor`); one added before was queued and is told below. Either
        // way no lookup can find the name any more.
        let monitors = {
            let mut st = self.lock();
            st.hooks_done = true;
            std::mem::take(&mut st.monitors)
        };
        for (monitor, watcher) in monitors {
            watcher(Down {
                monitor,
                pid: self.pid,
                reason: reason.clone(),
            });
        }
        self.lock().phase = Phase::Exited(reason);
        self.exited.notify_waiters();
    }

    /// Registers `watcher` to run when the process exits; runs it at once if the process
    /// has already removed its names (so the `Down` never precedes that).
    pub(crate) fn add_monitor(&self, watcher: Watcher) -> MonitorRef {
        let monitor = MonitorRef::next();
        let mut st = self.lock();
        let reason = match &st.phase {
            Phase::Exiting(r) if st.hooks_done => r.clone(),
            Phase::Exited(r) => r.clone(),
            Phase::Running | Phase::Exiting(_) => {
                st.monitors.push((monitor, watcher));
                return monitor;
            }
        };
        drop(st);
        watcher(Down {
            monitor,
            pid: self.pid,
            reason,
        });
        monitor
    }

    /// Removes a monitor; true if it was still registered.
    pub(crate) fn remove_monitor(&self, monitor: MonitorRef) -> bool {
        let mut st = self.lock();
        let before = st.monitors.len();
        st.monitors.retain(|(m, _)| *m != monitor);
        st.monitors.len() != before
    }

    /// Adds a hook run at exit before monitors are told. Returns false (and does not run
    /// the hook) if the process is already exiting.
    pub(crate) fn add_exit_hook(&self, id: u64, hook: ExitHook) -> bool {
        let mut st = self.lock();
        match st.phase {
            Phase::Running => {
                st.exit_hooks.push((id, hook));
                true
            }
            _ => false,
        }
    }

    /// Removes an exit hook without running it.
    pub(crate) fn remove_exit_hook(&self, id: u64) {
        self.lock().exit_hooks.retain(|(i, _)| *i != id);
    }

    /// Waits until the process has fully exited and returns its reason.
    pub(crate) async fn wait_exited(&self) -> ExitReason {
        loop {
            let notified = self.exited.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if let Phase::Exited(r) = &self.lock().phase {
                return r.clone();
            }
            notified.await;
        }
    }

    /// Aborts the process's task: it ends without running `terminate`.
    pub(crate) fn abort(&self) {
        let mut st = self.lock();
        if let Some(handle) = &st.abort {
            let handle = handle.clone();
            drop(st);
            handle.abort();
            return;
        }
        // Still in `init` (the task does not exist yet): record the kill under the same
        // lock `set_abort` takes, and wake `start`, which stops `init` and spawns nothing.
        if matches!(st.phase, Phase::Running) {
            st.phase = Phase::Exiting(ExitReason::Killed);
            self.exiting.store(true, Ordering::Release);
        }
        drop(st);
        self.exited.notify_waiters();
    }

    /// Resolves once the process has begun exiting (or has exited).
    pub(crate) async fn wait_exiting(&self) {
        loop {
            let notified = self.exited.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if !self.is_running() {
                return;
            }
            notified.await;
        }
    }
}

/// Operations every process supports whatever its message type.
pub(crate) trait Process: Send + Sync + 'static {
    fn core(&self) -> &Core;
    /// Queues a stop request behind the messages already queued. False if the mailbox is
    /// closed.
    fn request_stop(&self, reason: ExitReason) -> bool;
    /// Delivers a monitor notice to this process. False if the mailbox is closed.
    fn deliver_down(&self, down: Down) -> bool;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// A reference to any process, whatever its server type.
///
/// Supervisors, the registry and monitors work with `ProcessRef`; a typed
/// [`ServerRef`](crate::ServerRef) converts into one with `From`/
/// [`ServerRef::to_process`](crate::ServerRef::to_process),
/// and back with [`ProcessRef::downcast`]. Equality and hashing use the [`Pid`](crate::Pid).
#[derive(Clone)]
pub struct ProcessRef {
    pub(crate) inner: Arc<dyn Process>,
}

impl ProcessRef {
    pub(crate) fn new(inner: Arc<dyn Process>) -> ProcessRef {
        ProcessRef { inner }
    }

    /// The process's identifier.
    pub fn pid(&self) -> Pid {
        self.inner.core().pid()
    }

    /// The Rust type name of the server behind this process.
    pub fn server_type_name(&self) -> &'static str {
        self.inner.core().server_name()
    }

    /// True while the process is running (including while it runs `terminate`).
    pub fn is_alive(&self) -> bool {
        self.inner.core().is_running()
    }

    /// Why the process exited, once it is exiting or has exited.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.inner.core().exit_reason()
    }

    /// Stops the process with reason [`Normal`](ExitReason::Normal); see
    /// [`stop_with`](Self::stop_with).
    ///
    /// # Errors
    ///
    /// As [`stop_with`](Self::stop_with).
    pub async fn stop(&self) -> Result<(), StopError> {
        self.stop_with(ExitReason::Normal).await
    }

    /// Stops the process gracefully: messages queued before the request are handled,
    /// then `terminate` runs with `reason`. Returns once the process has fully exited.
    ///
    /// # Errors
    ///
    /// [`StopError::NotRunning`] if the process had already exited;
    /// [`StopError::CalledSelf`] if called from the process's own handler (use
    /// `ctx.stop(reason)` there).
    pub async fn stop_with(&self, reason: ExitReason) -> Result<(), StopError> {
        stop_process(&*self.inner, reason, None).await
    }

    /// Like [`stop_with`](Self::stop_with), but gives up waiting after `timeout`.
    ///
    /// # Errors
    ///
    /// As [`stop_with`](Self::stop_with), plus [`StopError::Timeout`]: the process is
    /// still stopping; [`kill`](Self::kill) ends it at once.
    pub async fn stop_timeout(
        &self,
        reason: ExitReason,
        timeout: Duration,
    ) -> Result<(), StopError> {
        stop_process(&*self.inner, reason, Some(timeout)).await
    }

    /// Ends the process at once, without running `terminate` (OTP's `exit(Pid, kill)`),
    /// and waits until it has exited. Its exit reason is [`Killed`](ExitReason::Killed)
    /// unless it had already begun exiting for another reason. Returns that reason.
    ///
    /// A handler that never yields (a busy loop with no `.await`) cannot be interrupted;
    /// it is killed at its next `.await`.
    pub async fn kill(&self) -> ExitReason {
        kill_process(&*self.inner).await
    }

    /// Waits until the process has exited and returns why.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future has no effect on the process.
    pub async fn wait(&self) -> ExitReason {
        self.inner.core().wait_exited().await
    }

    /// Starts monitoring the process from outside any server: the returned [`Monitor`]
    /// resolves with a [`Down`] when the process exits (at once if it already has).
    pub fn monitor(&self) -> Monitor {
        let (tx, rx) = oneshot::channel();
        let monitor = self.inner.core().add_monitor(Box::new(move |down| {
            let _ = tx.send(down);
        }));
        Monitor {
            target: self.clone(),
            monitor,
            rx,
        }
    }

    /// The typed reference, if the process runs a server of type `S`.
    ///
    /// ```
    /// # use noex_core::prelude::*;
    /// # #[derive(Debug, Messages)] pub enum PingMsg { #[call(reply = ())] Ping }
    /// # #[gen_server(messages = PingMsg)] pub struct Pinger;
    /// # impl PingHandler for Pinger { async fn ping(&mut self, _: &mut Ctx<Self>) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Pinger.start().await?;
    /// let any: ProcessRef = server.to_process();
    /// assert!(any.downcast::<Pinger>().is_some());
    /// # server.stop().await?; Ok(()) }
    /// ```
    pub fn downcast<S: crate::GenServer>(&self) -> Option<crate::ServerRef<S>> {
        if self.inner.core().server_type() != TypeId::of::<S>() {
            return None;
        }
        let any = self.inner.clone().into_any();
        let cell = any.downcast::<crate::runtime::Cell<S::Msg>>().ok()?;
        Some(crate::ServerRef::from_cell(cell))
    }

    pub(crate) fn core(&self) -> &Core {
        self.inner.core()
    }
}

impl fmt::Debug for ProcessRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProcessRef({} {})", self.pid(), self.server_type_name())
    }
}

impl PartialEq for ProcessRef {
    fn eq(&self, other: &Self) -> bool {
        self.pid() == other.pid()
    }
}

impl Eq for ProcessRef {}

impl Hash for ProcessRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.pid().hash(state);
    }
}

/// Anything that names a process: [`ProcessRef`] and every [`ServerRef`](crate::ServerRef).
pub trait AsProcess {
    /// A type-erased reference to the process.
    fn as_process(&self) -> ProcessRef;
}

impl AsProcess for ProcessRef {
    fn as_process(&self) -> ProcessRef {
        self.clone()
    }
}

/// A monitor held outside any server, from [`ProcessRef::monitor`]. Await
/// [`down`](Monitor::down) (or the monitor itself) for the [`Down`]; dropping it removes
/// the monitor.
pub struct Monitor {
    target: ProcessRef,
    monitor: MonitorRef,
    rx: oneshot::Receiver<Down>,
}

impl Monitor {
    /// The monitor's reference, as carried by its `Down`.
    pub fn monitor_ref(&self) -> MonitorRef {
        self.monitor
    }

    /// Waits for the monitored process to exit.
    pub async fn down(self) -> Down {
        self.await
    }
}

impl Future for Monitor {
    type Output = Down;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Down> {
        let pid = self.target.pid();
        let monitor = self.monitor;
        match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(Ok(down)) => Poll::Ready(down),
            // The watcher is dropped unrun only if the process vanished without exiting,
            // which the runtime never does; report it as killed rather than hang.
            Poll::Ready(Err(_)) => Poll::Ready(Down {
                monitor,
                pid,
                reason: ExitReason::Killed,
            }),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.target.core().remove_monitor(self.monitor);
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("target", &self.target.pid())
            .field("monitor", &self.monitor)
            .finish()
    }
}

pub(crate) async fn stop_process(
    process: &dyn Process,
    reason: ExitReason,
    timeout: Option<Duration>,
) -> Result<(), StopError> {
    let core = process.core();
    let pid = core.pid();
    if crate::runtime::current_pid() == Some(pid) {
        return Err(StopError::CalledSelf { pid });
    }
    if !process.request_stop(reason) {
        let reason = core.wait_exited().await;
        return Err(StopError::NotRunning { pid, reason });
    }
    match timeout {
        None => {
            core.wait_exited().await;
            Ok(())
        }
        Some(t) => match tokio::time::timeout(t, core.wait_exited()).await {
            Ok(_) => Ok(()),
            Err(_) => Err(StopError::Timeout { pid, timeout: t }),
        },
    }
}

pub(crate) async fn kill_process(process: &dyn Process) -> ExitReason {
    let core = process.core();
    if crate::runtime::current_pid() == Some(core.pid()) {
        // Aborting our own task from inside it takes effect at the next `.await`;
        // waiting here would be that `.await`, so do not wait.
        core.abort();
        return core.begin_exit(ExitReason::Killed);
    }
    core.abort();
    core.wait_exited().await
}
