//! Supervision trees with OTP's semantics: [`Supervisor`] and [`DynamicSupervisor`].
//!
//! A supervisor starts its children, watches them, restarts them when they exit according
//! to their [`Restart`] type and the supervisor's [`Strategy`], and gives up when they
//! crash too often: more than `max_restarts` restarts within `period` (OTP's defaults,
//! 3 in 5 s) make it stop all its children and exit with reason
//! [`Shutdown`](crate::ExitReason::Shutdown), leaving the decision to its own supervisor.
//! A supervisor is itself a server, so it can be the child of another: that is how trees
//! are built. Anyone who knows OTP's `supervisor` can predict what it does; the few
//! places where it differs are listed [at the end](#where-noex-departs-from-otp).
//!
//! # Example
//!
//! A child named in a registry is found under that name again after a restart:
//!
//! ```
//! use std::time::Duration;
//! use noex_core::prelude::*;
//! use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};
//!
//! # #[derive(Debug, Messages)] pub enum WorkerMsg { #[call(reply = u32)] Ping, #[cast] Crash }
//! # #[gen_server(messages = WorkerMsg)] #[derive(Default)] pub struct Worker;
//! # impl WorkerHandler for Worker {
//! #     async fn ping(&mut self, _: &mut Ctx<Self>) -> u32 { 1 }
//! #     async fn crash(&mut self, _: &mut Ctx<Self>) { panic!("boom") }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = Registry::new();
//! let names = registry.clone();
//! let sup = Supervisor::new(Strategy::OneForOne)
//!     .max_restarts(3, Duration::from_secs(5)) // OTP's default, spelled out
//!     .child(ChildSpec::new("worker", move || {
//!         Worker.start_with(StartOptions::new().name_in(&names, "worker"))
//!     }))
//!     .start()
//!     .await?;
//!
//! let first = registry.lookup::<Worker>("worker")?;
//! first.crash()?;
//! first.wait().await; // it exited; the supervisor has been told
//! // A call to the supervisor is answered after it has handled that exit.
//! assert_eq!(sup.count_children().await?.active, 1);
//! let second = registry.lookup::<Worker>("worker")?; // re-registered by the restart
//! assert_ne!(first.pid(), second.pid());
//! assert_eq!(second.ping().await?, 1);
//! sup.stop().await?; // stops the children in reverse start order first
//! # Ok(())
//! # }
//! ```
//!
//! # Strategies
//!
//! What happens when child `B` of `[A, B, C]` exits and must be restarted:
//!
//! ```text
//! one_for_one: only B is restarted
//!
//!       [sup]                [sup]                 [sup]
//!      /  |  \     B exits  /  |  \    start B    /  |  \
//!     A   B   C    ──────► A   x   C  ─────────► A   B'  C
//!
//! one_for_all: the others are stopped (in reverse start order), then all are started
//! again (in start order)
//!
//!       [sup]                [sup]                 [sup]
//!      /  |  \     B exits  /  |  \   stop C, A   /  |  \
//!     A   B   C    ──────► A   x   C  ─────────► A'  B'  C'
//!                                    start A, B, C
//!
//! rest_for_one: the children started after B are stopped (in reverse order), then B and
//! they are started again (in order); those before B are left alone
//!
//!       [sup]                [sup]                 [sup]
//!      /  |  \     B exits  /  |  \    stop C     /  |  \
//!     A   B   C    ──────► A   x   C  ─────────► A   B'  C'
//!                                    start B, C
//! ```
//!
//! `one_for_all` suits children that cannot work without each other; `rest_for_one`
//! children that depend on those started before them (a cache started after the
//! connection it uses). A group restart counts as one restart. A temporary sibling stopped
//! by a group restart is not started again; a sibling that was not running (stopped with
//! `terminate_child`) is, as in OTP.
//!
//! # Restart types
//!
//! | [`Restart`] | restarted after | when not restarted |
//! |---|---|---|
//! | `Permanent` (default) | any exit, even `Normal` | (always restarted) |
//! | `Transient` | an abnormal exit: an error, a panic, `Killed` | spec kept, nothing runs |
//! | `Temporary` | never | spec removed |
//!
//! "Abnormal" is [`ExitReason::is_abnormal`](crate::ExitReason::is_abnormal): anything
//! but `Normal` and `Shutdown`. A supervisor that gives up exits with `Shutdown`, so a
//! *transient* child supervisor that gives up is not restarted by its parent, as in OTP.
//! A child stopped through the supervisor (`terminate_child`, a group restart, a shutdown)
//! is never restarted by that stop.
//!
//! # Restart intensity
//!
//! Every restart is recorded with the time it happened. If, counting it, more than
//! `max_restarts` restarts happened within the last `period`, the supervisor gives up: it
//! stops every child (in reverse start order) and exits with `Shutdown`. A restart counts
//! while no more than `period` has passed since it (OTP's rule), so with 3 in 5 s:
//!
//! ```text
//! restarts at  0s  1s  2s            → 3 within 5 s: fine
//! restarts at  0s  1s  2s  3s        → the 4th within 5 s: the supervisor exits
//! restarts at  0s  1s  2s  5s        → 0 s is exactly 5 s old, still counted: exits
//! restarts at  0s  1s  2s  5.001s    → 0 s has left the window: fine
//! ```
//!
//! A restart whose start function fails counts as a restart; it is tried again through
//! the supervisor's mailbox (and counted again), so the supervisor answers calls and can
//! be stopped between attempts. Meanwhile the child is *restarting*: no process,
//! [`restart_child`](SupervisorClient::restart_child) and
//! [`delete_child`](SupervisorClient::delete_child) answer
//! [`SupervisorError::Restarting`], and
//! [`terminate_child`](SupervisorClient::terminate_child) calls the restart off.
//!
//! `max_restarts` may be 0 (any restart is fatal); `period` must not be zero.
//!
//! # Start and shutdown
//!
//! Children start one after the other in declaration order; each start function has
//! returned (and the child's `init` has run) before the next one is called. If one fails,
//! the children already started are stopped in reverse order and the supervisor's start
//! fails with [`StartError::Init`](crate::StartError::Init), whose reason names the child
//! and its error.
//!
//! A supervisor that stops (or gives up) stops its children in reverse start order, one
//! at a time, each according to its [`Shutdown`]:
//!
//! * `Timeout(t)` (workers' default: 5 s): a stop request with reason `Shutdown`, so
//!   `terminate` runs; if the child has not exited after `t`, it is killed;
//! * `BrutalKill`: killed at once, `terminate` does not run;
//! * `Infinity` (supervisors' default): a stop request, and as long a wait as it takes,
//!   which gives a child supervisor the time to stop its own children.
//!
//! A [`DynamicSupervisor`] stops all its children at once, under one shutdown time, as
//! OTP does for `simple_one_for_one`.
//!
//! # Runtime API
//!
//! [`SupervisorRef`] dereferences to [`SupervisorClient`]: `start_child`,
//! `terminate_child`, `restart_child`, `delete_child`, `which_children`,
//! `count_children` and `subscribe`, with OTP's answers (`AlreadyPresent`, `NotFound`,
//! `Running`, `Restarting`). A [`DynamicSupervisor`] has `start_child(args)`,
//! `terminate_child(pid)`, `which_children`, `count_children` and `subscribe`.
//!
//! # Named children
//!
//! A supervisor calls a child's start function again at every restart. A start function
//! that names the server (`StartOptions::name` or `name_in`) therefore registers the new
//! process under the same name, and a caller that looks the name up finds it. The old
//! name is removed before the supervisor is told of the exit, so the restart never finds
//! it taken, and a lookup between the exit and the restart finds nothing rather than the
//! dead process. References held across a restart keep pointing at the dead process:
//! look the name up again.
//!
//! # Events
//!
//! Every supervisor publishes [`SupervisorEvent`]s: a child started, exited, was
//! restarted (with the exit reason that caused it), was terminated by the supervisor, or
//! failed to start, and the intensity was exceeded. Subscribe before the start
//! ([`Supervisor::subscribe`]) to see the initial starts too, or at any time with
//! [`SupervisorClient::subscribe`]. Events are sent before the supervisor handles its next
//! message, so after any call to the supervisor, every event of what it did before is
//! already in the channel.
//!
//! # Where noex departs from OTP
//!
//! * **Monitors, not links.** A supervisor watches its children with monitors, so a
//!   child's exit never takes its supervisor down. A supervisor that stops for any reason
//!   but a kill stops its children first, as OTP's does; a killed one kills its remaining
//!   children at once (what its links would do), without waiting for them.
//! * **Stop requests queue.** A child is asked to stop with a request queued behind the
//!   messages it has already received, and `terminate` then runs: what OTP does for a
//!   child that traps exits. (OTP stops a child that does not trap exits at once, without
//!   `terminate`; ask for [`Shutdown::BrutalKill`] for that.)
//! * **Calls time out.** The runtime API is made of ordinary calls, with the 5 s default
//!   call timeout; OTP's supervisor calls wait forever. An operation that waits for a slow
//!   child (a `terminate_child` of a child with a long shutdown) can outlast it: the call
//!   then fails with `CallError::Timeout` while the supervisor completes the operation.
//!   Use `sup.with_timeout(..)` for such calls.
//! * **The supervisor's start has the init timeout.** Starting the children is the
//!   supervisor's `init`, so it is bounded by the start options' init timeout (5 s by
//!   default; OTP's `start_link` waits forever). Raise it with
//!   `StartOptions::init_timeout` for a tree whose children take longer to start.
//! * **Time is exact.** The intensity window is measured with tokio's clock, to the
//!   nanosecond; OTP counts whole seconds. (With the paused clock of tests, restarts at
//!   exact instants behave exactly as the pictures above.)
//! * **No `ignore`, no auto-shutdown.** A start function returns a process or an error;
//!   OTP's `ignore` return and its `significant` children (`auto_shutdown`) do not exist.
//! * **Small differences in answers.** `start_child` of an id in use answers
//!   `AlreadyPresent` whether that child runs or not (OTP: `already_started` with its pid,
//!   or `already_present`); a restarting child shows as not running in `which_children`
//!   (OTP: `restarting`). A [`DynamicSupervisor`] gives its children ids `#1`, `#2`, ...
//!   and counts them as specs in `count_children`, as Elixir's `DynamicSupervisor` does
//!   (OTP's `simple_one_for_one` reports one spec).
//! * **Events** have no OTP counterpart (OTP logs progress and crash reports): they are
//!   published on a broadcast channel; a subscriber that falls more than 1024 events
//!   behind misses the oldest ones (`RecvError::Lagged`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;

use crate::client::{Client, RawRef};
use crate::error::{BoxError, CallError};
use crate::{
    Ctx, Dispatch, Down, ExitReason, GenServer, Messages, Pid, ProcessRef, ReplyTo, ServerRef,
};

mod dynamic;
mod engine;
mod spec;

pub use dynamic::{
    DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorMsg, DynamicSupervisorRef,
};
pub use spec::{ChildKind, ChildSpec, ChildStartError, DEFAULT_WORKER_SHUTDOWN, Restart, Shutdown};

use engine::{Config, Engine};

/// How a supervisor reacts when a child must be restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Restart only the child that exited.
    OneForOne,
    /// Stop all other children (reverse start order), then restart all (start order).
    OneForAll,
    /// Stop the children started after the one that exited (reverse order), then restart
    /// it and them (start order).
    RestForOne,
}

/// OTP's default restart intensity: 3 restarts...
pub const DEFAULT_MAX_RESTARTS: u32 = 3;
/// ...within 5 seconds.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(5);

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 1024;

/// Something that happened to a supervisor's children.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SupervisorEvent {
    /// A child started (initially, on `start_child`, or on a restart).
    ChildStarted {
        /// Its id.
        id: Arc<str>,
        /// Its new pid.
        pid: Pid,
    },
    /// A child exited on its own (crash or normal exit), before any restart.
    ChildExited {
        /// Its id.
        id: Arc<str>,
        /// The pid that exited.
        pid: Pid,
        /// Why.
        reason: ExitReason,
    },
    /// A child was restarted; `reason` is the exit that caused the restart (for the
    /// siblings restarted by `OneForAll`/`RestForOne`, the exit of the child that failed).
    ChildRestarted {
        /// Its id.
        id: Arc<str>,
        /// The new pid.
        pid: Pid,
        /// The exit that caused it.
        reason: ExitReason,
    },
    /// The supervisor shut a child down (`terminate_child`, a group restart, or its own
    /// shutdown).
    ChildTerminated {
        /// Its id.
        id: Arc<str>,
        /// The pid that was shut down.
        pid: Pid,
        /// Its exit reason (`Shutdown`, or `Killed` after a brutal kill or a timeout).
        reason: ExitReason,
    },
    /// A child's start function failed.
    ChildStartFailed {
        /// Its id.
        id: Arc<str>,
        /// The error.
        error: Arc<str>,
    },
    /// Too many restarts: the supervisor stops its children and exits with `Shutdown`.
    IntensityExceeded {
        /// The configured limit.
        max_restarts: u32,
        /// Within this period.
        period: Duration,
    },
}

/// One child, as reported by `which_children`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// The child's id.
    pub id: String,
    /// The running process, if any (OTP's `undefined` otherwise).
    pub process: Option<ProcessRef>,
    /// Worker or supervisor.
    pub kind: ChildKind,
    /// Its restart type.
    pub restart: Restart,
}

/// Counts reported by `count_children`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// Child specs held.
    pub specs: usize,
    /// Children running.
    pub active: usize,
    /// Specs of kind supervisor.
    pub supervisors: usize,
    /// Specs of kind worker.
    pub workers: usize,
}

/// Why a supervisor operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// No child has this id (or pid).
    #[error("no child {0:?}")]
    NotFound(String),
    /// A child with this id already exists.
    #[error("a child with id {0:?} already exists")]
    AlreadyPresent(String),
    /// The child is running; terminate it first.
    #[error("child {0:?} is running; terminate it first")]
    Running(String),
    /// A restart of the child failed to start and waits to be tried again (OTP's
    /// `restarting`); terminate it first to call the restart off.
    #[error("child {0:?} is being restarted; terminate it first")]
    Restarting(String),
    /// The child's start function failed.
    #[error("child {id:?} failed to start: {reason}")]
    StartFailed {
        /// The child.
        id: String,
        /// The error.
        reason: String,
    },
    /// The dynamic supervisor already has `max_children` children.
    #[error("the supervisor already has its maximum of {0} children")]
    MaxChildren(usize),
    /// The supervisor could not be reached.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// A static supervisor: a [`GenServer`] that starts, watches and restarts the children
/// it is given. Build it, add children, then [`start`](GenServer::start) it; the handle
/// ([`SupervisorRef`]) has the runtime API.
///
/// Invalid configuration (zero period, duplicate child ids) fails the start with a
/// message that says what to fix.
pub struct Supervisor {
    config: Config,
    specs: Vec<ChildSpec>,
    events: broadcast::Sender<SupervisorEvent>,
    engine: Option<Engine>,
}

/// A running [`Supervisor`].
pub type SupervisorRef = ServerRef<Supervisor>;

impl Supervisor {
    /// A supervisor with `strategy`, OTP's default intensity (3 restarts in 5 s) and no
    /// children yet.
    pub fn new(strategy: Strategy) -> Supervisor {
        Supervisor {
            config: Config {
                strategy,
                max_restarts: DEFAULT_MAX_RESTARTS,
                period: DEFAULT_PERIOD,
                max_children: None,
                dynamic: false,
            },
            specs: Vec::new(),
            events: broadcast::channel(EVENT_BUFFER).0,
            engine: None,
        }
    }

    /// Sets the restart intensity: more than `max_restarts` restarts within `period`
    /// make the supervisor give up. `max_restarts` may be 0 (any crash is fatal).
    pub fn max_restarts(mut self, max_restarts: u32, period: Duration) -> Supervisor {
        self.config.max_restarts = max_restarts;
        self.config.period = period;
        self
    }

    /// Adds a child, started after those added before it.
    pub fn child(mut self, spec: ChildSpec) -> Supervisor {
        self.specs.push(spec);
        self
    }

    /// Adds several children, in order.
    pub fn children(mut self, specs: impl IntoIterator<Item = ChildSpec>) -> Supervisor {
        self.specs.extend(specs);
        self
    }

    /// Subscribes to the supervisor's events before it starts, so the initial
    /// `ChildStarted` events are seen too. The channel closes when the supervisor exits;
    /// a subscriber more than 1024 events behind misses the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<SupervisorEvent> {
        self.events.subscribe()
    }
}

/// The messages a [`Supervisor`] handles; use the methods of [`SupervisorRef`]
/// ([`SupervisorClient`]) rather than sending them directly.
#[non_exhaustive]
pub enum SupervisorMsg {
    /// Adds and starts a child.
    StartChild(ChildSpec),
    /// Stops a child, keeping its spec.
    TerminateChild(String),
    /// Starts a stopped child again.
    RestartChild(String),
    /// Removes a stopped child's spec.
    DeleteChild(String),
    /// Lists the children.
    WhichChildren,
    /// Counts the children.
    CountChildren,
    /// Subscribes to events.
    Subscribe,
    /// Tries again a restart that failed to start (sent by the supervisor to itself).
    #[doc(hidden)]
    TryAgain(u64),
}

/// The reply slots of both supervisors' calls.
#[doc(hidden)]
pub enum SupervisorReply {
    Child(ReplyTo<Result<ProcessRef, SupervisorError>>),
    Unit(ReplyTo<Result<(), SupervisorError>>),
    Which(ReplyTo<Vec<ChildInfo>>),
    Count(ReplyTo<ChildCounts>),
    Subscribe(ReplyTo<broadcast::Receiver<SupervisorEvent>>),
}

impl Messages for SupervisorMsg {
    type Reply = SupervisorReply;
    type Client = SupervisorClient;

    fn variant_name(&self) -> &'static str {
        match self {
            SupervisorMsg::StartChild(_) => "StartChild",
            SupervisorMsg::TerminateChild(_) => "TerminateChild",
            SupervisorMsg::RestartChild(_) => "RestartChild",
            SupervisorMsg::DeleteChild(_) => "DeleteChild",
            SupervisorMsg::WhichChildren => "WhichChildren",
            SupervisorMsg::CountChildren => "CountChildren",
            SupervisorMsg::Subscribe => "Subscribe",
            SupervisorMsg::TryAgain(_) => "TryAgain",
        }
    }
}

impl GenServer for Supervisor {
    type Msg = SupervisorMsg;
}

impl Dispatch<Supervisor> for SupervisorMsg {
    async fn init(server: &mut Supervisor, ctx: &mut Ctx<Supervisor>) -> Result<(), BoxError> {
        let specs = std::mem::take(&mut server.specs);
        let mut engine = Engine::new(server.config.clone(), specs, server.events.clone())?;
        engine.link(ctx);
        engine.start_all(ctx).await?;
        server.engine = Some(engine);
        Ok(())
    }

    async fn handle(
        server: &mut Supervisor,
        msg: SupervisorMsg,
        reply: Option<SupervisorReply>,
        ctx: &mut Ctx<Supervisor>,
    ) {
        // `init` creates the engine before any message is handled.
        let Some(engine) = server.engine.as_mut() else {
            return;
        };
        match (msg, reply) {
            (SupervisorMsg::StartChild(spec), reply) => {
                let result = engine.add_child(spec, ctx).await;
                if let Some(SupervisorReply::Child(r)) = reply {
                    r.send(result);
                }
            }
            (SupervisorMsg::TerminateChild(id), reply) => {
                let result = engine.terminate_child(&id, ctx).await;
                if let Some(SupervisorReply::Unit(r)) = reply {
                    r.send(result);
                }
            }
            (SupervisorMsg::RestartChild(id), reply) => {
                let result = engine.restart_child(&id, ctx).await;
                if let Some(SupervisorReply::Child(r)) = reply {
                    r.send(result);
                }
            }
            (SupervisorMsg::DeleteChild(id), reply) => {
                let result = engine.delete_child(&id);
                if let Some(SupervisorReply::Unit(r)) = reply {
                    r.send(result);
                }
            }
            (
                SupervisorMsg::WhichChildren
                | SupervisorMsg::CountChildren
                | SupervisorMsg::Subscribe,
                reply,
            ) => engine.answer_query(reply),
            (SupervisorMsg::TryAgain(seq), _) => {
                engine
                    .try_again(seq, ctx)
                    .await
                    .apply(ctx, SupervisorMsg::TryAgain);
            }
        }
    }

    async fn terminate(server: &mut Supervisor, _reason: &ExitReason, ctx: &mut Ctx<Supervisor>) {
        if let Some(engine) = server.engine.as_mut() {
            engine.shutdown_all(ctx).await;
        }
    }

    async fn handle_down(server: &mut Supervisor, down: Down, ctx: &mut Ctx<Supervisor>) {
        if let Some(engine) = server.engine.as_mut() {
            engine
                .child_down(down, ctx)
                .await
                .apply(ctx, SupervisorMsg::TryAgain);
        }
    }
}

/// The runtime API of a running [`Supervisor`]; [`SupervisorRef`] dereferences to it.
pub struct SupervisorClient {
    raw: RawRef<SupervisorMsg>,
}

impl Client<SupervisorMsg> for SupervisorClient {
    fn from_raw(raw: RawRef<SupervisorMsg>) -> Self {
        SupervisorClient { raw }
    }

    fn raw(&self) -> &RawRef<SupervisorMsg> {
        &self.raw
    }
}

impl SupervisorClient {
    /// Adds a child at the end of the start order and starts it (OTP's `start_child`).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::AlreadyPresent`] for a duplicate id, `StartFailed` if its start
    /// function failed (the spec is then not kept), `Call` if the supervisor is gone.
    pub async fn start_child(&self, spec: ChildSpec) -> Result<ProcessRef, SupervisorError> {
        self.raw
            .call(SupervisorMsg::StartChild(spec), SupervisorReply::Child)
            .await?
    }

    /// Shuts a child down per its [`Shutdown`], keeping its spec (a temporary child's
    /// spec is removed). Terminating a stopped child is not an error.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], or `Call`.
    pub async fn terminate_child(&self, id: &str) -> Result<(), SupervisorError> {
        self.raw
            .call(
                SupervisorMsg::TerminateChild(id.to_string()),
                SupervisorReply::Unit,
            )
            .await?
    }

    /// Starts a stopped child again from its spec.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], `Running` if it runs, `StartFailed`, or `Call`.
    pub async fn restart_child(&self, id: &str) -> Result<ProcessRef, SupervisorError> {
        self.raw
            .call(
                SupervisorMsg::RestartChild(id.to_string()),
                SupervisorReply::Child,
            )
            .await?
    }

    /// Removes a stopped child's spec.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], `Running` if it runs, or `Call`.
    pub async fn delete_child(&self, id: &str) -> Result<(), SupervisorError> {
        self.raw
            .call(
                SupervisorMsg::DeleteChild(id.to_string()),
                SupervisorReply::Unit,
            )
            .await?
    }

    /// The children, in start order.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the supervisor cannot be reached.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.raw
            .call(SupervisorMsg::WhichChildren, SupervisorReply::Which)
            .await
    }

    /// Child counts.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the supervisor cannot be reached.
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.raw
            .call(SupervisorMsg::CountChildren, SupervisorReply::Count)
            .await
    }

    /// Subscribes to the supervisor's [events](SupervisorEvent) from now on.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the supervisor cannot be reached.
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<SupervisorEvent>, CallError> {
        self.raw
            .call(SupervisorMsg::Subscribe, SupervisorReply::Subscribe)
            .await
    }
}
