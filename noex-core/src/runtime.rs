//! The server task: the process cell shared by references, the message loop, start, and
//! the guarantees around exit.
//!
//! # Start
//!
//! `start` creates the process cell (pid, mailbox), registers the name if one was given,
//! runs `init` with the server's own `Ctx`, and only then spawns the server's task. Running
//! `init` in the caller's task instead of the new one saves a round trip between two tasks
//! per start; nothing observable changes: `start` waits for `init` either way (OTP's
//! `gen_server:start` waits for `init/1` too), messages sent to the process meanwhile wait
//! in its mailbox, and a failing, panicking or timed-out `init` (or a `kill` during it)
//! fails the start with the exit sequence below, minus `terminate`.
//!
//! # Exit ordering
//!
//! Whatever ends a process (its own `ctx.stop`, a `stop` request, a handler panic, `kill`,
//! or the runtime dropping the task), the same sequence runs, in this order:
//!
//! 1. `terminate` (skipped when killed or when `init` failed, as in OTP);
//! 2. the phase becomes `Exiting(reason)`, then the mailbox is closed and every request
//!    still queued is dropped, so each waiting caller gets
//!    [`CallError::Exited`](crate::CallError::Exited) with the reason;
//! 3. exit hooks run (the registry removes the process's names);
//! 4. monitors are sent their [`Down`];
//! 5. the phase becomes `Exited`, waking `stop`, `kill` and `wait`.
//!
//! Killing is handled by field drop order in [`ProcessTask`]: the first field marks the
//! process `Exiting(Killed)` before the server future (and the reply handles inside it)
//! is dropped, the last finishes the sequence.

use std::any::{Any, TypeId};
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::error::StartError;
use crate::mailbox::Mailbox;
use crate::process::{Core, Process, ProcessRef};
use crate::registry::RegisterError;
use crate::{Ctx, Dispatch, Down, ExitReason, GenServer, Messages, Pid, ServerRef, StartOptions};

thread_local! {
    /// The server whose handler this thread is polling, if any.
    static CURRENT_PID: std::cell::Cell<Option<Pid>> = const { std::cell::Cell::new(None) };
}

/// The pid of the server whose handler is running on this thread, if any: how a call or
/// stop from a server to itself is recognised.
pub(crate) fn current_pid() -> Option<Pid> {
    CURRENT_PID.with(std::cell::Cell::get)
}

/// What travels through a mailbox.
pub(crate) enum Envelope<M: Messages> {
    /// A user message; with a reply slot when it is a call.
    Msg(M, Option<M::Reply>),
    /// A timer's message, delivered unless the timer was cancelled.
    Timer(u64, M),
    /// Runtime messages, boxed to keep user messages small.
    System(Box<System>),
}

impl<M: Messages> Envelope<M> {
    pub(crate) fn cast(msg: M) -> Envelope<M> {
        Envelope::Msg(msg, None)
    }
}

pub(crate) enum System {
    Stop(ExitReason),
    Down(Down),
}

/// Everything the references to one process share.
pub(crate) struct Cell<M: Messages> {
    pub(crate) core: Core,
    pub(crate) mailbox: Mailbox<Envelope<M>>,
    pub(crate) call_timeout: Duration,
}

impl<M: Messages> Process for Cell<M> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn request_stop(&self, reason: ExitReason) -> bool {
        self.mailbox
            .push(Envelope::System(Box::new(System::Stop(reason))))
            .is_ok()
    }

    fn deliver_down(&self, down: Down) -> bool {
        self.mailbox
            .push(Envelope::System(Box::new(System::Down(down))))
            .is_ok()
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

pin_project_lite::pin_project! {
    /// Polls a future, turning a panic into `Err(reason)`; for a handler, also marks the
    /// thread as running that server while it is polled.
    ///
    /// A struct rather than an `async fn` wrapper: it sits on the path of every message.
    pub(crate) struct Guarded<F> {
        #[pin]
        fut: F,
        pid: Option<Pid>,
    }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Result<F::Output, ExitReason>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let fut = this.fut;
        let outer = this.pid.map(|pid| CURRENT_PID.replace(Some(pid)));
        let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
        if let Some(outer) = outer {
            CURRENT_PID.set(outer);
        }
        match polled {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(ExitReason::from_panic(&*payload))),
        }
    }
}

/// Runs `fut`, turning a panic into `Err(reason)`.
pub(crate) fn catch<F: Future>(fut: F) -> Guarded<F> {
    Guarded { fut, pid: None }
}

/// Runs a handler (or hook) of server `pid`, turning a panic into `Err(reason)`.
pub(crate) fn handler<F: Future>(pid: Pid, fut: F) -> Guarded<F> {
    Guarded {
        fut,
        pid: Some(pid),
    }
}

pub(crate) async fn start<S: GenServer>(
    server: S,
    options: StartOptions,
) -> Result<ServerRef<S>, StartError> {
    let capacity = options.validate()?;
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| StartError::NoRuntime)?;
    crate::timeouts::note_runtime(&runtime);
    let cell = Arc::new(Cell::<S::Msg> {
        core: Core::new(Pid::next(), TypeId::of::<S>(), std::any::type_name::<S>()),
        mailbox: Mailbox::new(capacity),
        call_timeout: options.call_timeout,
    });
    if let Some((registry, name)) = &options.name {
        registry
            .register_process(name.clone(), ProcessRef::new(cell.clone()))
            .map_err(|e| match e {
                RegisterError::AlreadyRegistered { name, pid } => {
                    StartError::AlreadyRegistered { name, pid }
                }
                other => StartError::InvalidOptions(other.to_string()),
            })?;
    }
    // Until the task is spawned, an abandoned start (the caller dropped this future)
    // still runs the exit sequence, so the name does not outlive the process.
    let unstarted = Finisher { cell: cell.clone() };
    // Declared after `unstarted`, so an abandoned start drops the server's state before
    // its exit sequence runs (as a failed init does).
    let mut server = server;

    let mut ctx = Ctx::new(cell.clone());
    if let Err(failure) = run_init(&mut server, &mut ctx, &cell, options.init_timeout).await {
        // OTP does not call terminate when init fails.
        drop(ctx);
        drop(server);
        let reason = match &failure {
            StartError::Init(reason) => reason.clone(),
            _ => ExitReason::Killed,
        };
        unstarted.finish(reason);
        return Err(failure);
    }
    let task = ProcessTask {
        kill_guard: KillGuard { cell: cell.clone() },
        fut: run(server, ctx, cell.clone()),
        finisher: unstarted,
    };
    let join = runtime.spawn(task);
    cell.core.set_abort(join.abort_handle());
    Ok(ServerRef::from_cell(cell))
}

/// Runs `init` in the task that called `start`, before the server's task exists: `start`
/// has to wait for it anyway (as OTP's `gen_server:start` waits for `init/1`), and doing
/// it here saves a round trip between two tasks on every start. `init` sees the server's
/// own `Ctx` and pid; a call to itself from `init` is detected as from any handler.
async fn run_init<S: GenServer>(
    server: &mut S,
    ctx: &mut Ctx<S>,
    cell: &Cell<S::Msg>,
    timeout: Duration,
) -> Result<(), StartError> {
    let init = handler(cell.core.pid(), <S::Msg as Dispatch<S>>::init(server, ctx));
    let mut init = std::pin::pin!(init);
    // Most inits finish without waiting; only one that waits needs a timer.
    let ready = poll_fn(|cx| match init.as_mut().poll(cx) {
        Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    let outcome = match ready {
        Some(outcome) => outcome,
        None => {
            tokio::select! {
                timed = tokio::time::timeout(timeout, init.as_mut()) => match timed {
                    Ok(outcome) => outcome,
                    Err(_) => return Err(StartError::InitTimeout(timeout)),
                },
                // A kill during init (by name, say) ends it at once, as in OTP.
                () = cell.core.wait_exiting() => {
                    return Err(StartError::Init(cell.core.exit_reason().unwrap_or(ExitReason::Killed)));
                }
            }
        }
    };
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(StartError::Init(ExitReason::error(e))),
        Err(panic) => return Err(StartError::Init(panic)),
    }
    // Killed (by name, say) while init ran.
    match cell.core.exit_reason() {
        None => Ok(()),
        Some(reason) => Err(StartError::Init(reason)),
    }
}

/// The server loop: messages until a stop, then terminate. Returns the exit reason
/// after closing the mailbox.
async fn run<S: GenServer>(mut server: S, mut ctx: Ctx<S>, cell: Arc<Cell<S::Msg>>) -> ExitReason {
    let pid = cell.core.pid();
    let mut local = VecDeque::new();
    let reason = loop {
        if let Some(reason) = ctx.take_stop() {
            break reason;
        }
        let Some(envelope) = cell.mailbox.recv(&mut local).await else {
            // Only this task closes the mailbox; treat a closed one as a normal end.
            break ExitReason::Normal;
        };
        let outcome = match envelope {
            Envelope::Msg(msg, reply) => {
                cell.mailbox.release_user_slot();
                handler(
                    pid,
                    <S::Msg as Dispatch<S>>::handle(&mut server, msg, reply, &mut ctx),
                )
                .await
            }
            Envelope::Timer(id, msg) => {
                if !ctx.timer_fired(id) {
                    continue;
                }
                handler(
                    pid,
                    <S::Msg as Dispatch<S>>::handle(&mut server, msg, None, &mut ctx),
                )
                .await
            }
            Envelope::System(system) => match *system {
                System::Stop(reason) => break reason,
                System::Down(down) => {
                    if !ctx.forget_monitor(down.monitor) {
                        continue;
                    }
                    handler(
                        pid,
                        <S::Msg as Dispatch<S>>::handle_down(&mut server, down, &mut ctx),
                    )
                    .await
                }
            },
        };
        if let Err(reason) = outcome {
            break reason;
        }
    };
    if reason.is_abnormal() {
        tracing::error!(pid = %cell.core.pid(), server = cell.core.server_name(), %reason, "server crashed");
    }
    if let Err(panic) = handler(
        pid,
        <S::Msg as Dispatch<S>>::terminate(&mut server, &reason, &mut ctx),
    )
    .await
    {
        tracing::error!(pid = %cell.core.pid(), %panic, "terminate panicked");
    }
    let reason = cell.core.begin_exit(reason);
    // Fail every request still queued: the callers see `Exiting` and report the reason.
    drop(local);
    drop(cell.mailbox.close());
    drop(ctx);
    drop(server);
    reason
}

pin_project_lite::pin_project! {
    /// The spawned future. Field order is drop order: see the module docs.
    struct ProcessTask<M: Messages, F> {
        kill_guard: KillGuard<M>,
        #[pin]
        fut: F,
        finisher: Finisher<M>,
    }
}

impl<M: Messages, F: Future<Output = ExitReason>> Future for ProcessTask<M, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let fut = this.fut;
        // Handler panics are caught inside `run`; this catches what escapes it (a panic
        // while dropping user state, say) so the exit sequence still runs.
        let reason = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(reason)) => reason,
            Err(payload) => ExitReason::from_panic(&*payload),
        };
        this.finisher.finish(reason);
        Poll::Ready(())
    }
}

/// Marks the process killed before the server future is dropped, unless it already
/// recorded another reason.
struct KillGuard<M: Messages> {
    cell: Arc<Cell<M>>,
}

impl<M: Messages> Drop for KillGuard<M> {
    fn drop(&mut self) {
        self.cell.core.begin_exit(ExitReason::Killed);
    }
}

/// Completes the exit sequence, on normal completion or when dropped.
struct Finisher<M: Messages> {
    cell: Arc<Cell<M>>,
}

impl<M: Messages> Finisher<M> {
    fn finish(&self, reason: ExitReason) {
        let reason = self.cell.core.begin_exit(reason);
        drop(self.cell.mailbox.close());
        self.cell.core.finish_exit(reason);
    }
}

impl<M: Messages> Drop for Finisher<M> {
    fn drop(&mut self) {
        self.finish(ExitReason::Killed);
    }
}
