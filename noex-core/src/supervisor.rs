//! Supervision trees with OTP's semantics: [`Supervisor`] and [`DynamicSupervisor`].
//!
//! A supervisor starts its children, watches them (with monitors), restarts them when
//! they exit according to their [`Restart`] type and the supervisor's [`Strategy`], and
//! gives up when they crash too often: more than `max_restarts` restarts within `period`
//! (OTP's defaults, 3 in 5 s) makes it stop all its children and exit with reason
//! [`Shutdown`](crate::ExitReason::Shutdown), leaving the decision to its own supervisor.
//!
//! Children start in declaration order and stop in reverse order, each given its
//! [`Shutdown`] time before it is killed. A supervisor is itself a server, so it can be
//! the child of another: that is how trees are built.
//!
//! # Strategies
//!
//! ```text
//! one_for_one: only the failed child is restarted
//!
//!       [sup]                [sup]                 [sup]
//!      /  |  \      B dies  /  |  \    restart B  /  |  \
//!     A   B   C    ──────► A   x   C   ────────► A   B'  C
//!
//! one_for_all: every child is stopped (reverse order) and all are restarted (in order)
//!
//!       [sup]                [sup]                 [sup]
//!      /  |  \      B dies  /  |  \   stop C, A;  /  |  \
//!     A   B   C    ──────► A   x   C  ─────────► A'  B'  C'
//!                                     start A,B,C
//!
//! rest_for_one: the failed child and those started after it are restarted
//!
//!       [sup]                [sup]                 [sup]
//!      /  |  \      B dies  /  |  \    stop C;    /  |  \
//!     A   B   C    ──────► A   x   C  ─────────► A   B'  C'
//!                                     start B,C
//! ```
//!
//! # Restart types
//!
//! | [`Restart`] | restarted after | on exit without restart |
//! |---|---|---|
//! | `Permanent` | any exit | (never happens) |
//! | `Transient` | an abnormal exit (not `Normal`/`Shutdown`) | spec kept, not running |
//! | `Temporary` | never | spec removed |
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use noex_core::prelude::*;
//! use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};
//!
//! # #[derive(Debug, Messages)] pub enum WorkerMsg { #[call(reply = u32)] Ping }
//! # #[gen_server(messages = WorkerMsg)] #[derive(Default)] pub struct Worker;
//! # impl WorkerHandler for Worker { async fn ping(&mut self, _: &mut Ctx<Self>) -> u32 { 1 } }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = Registry::new();
//! let reg = registry.clone();
//! let sup = Supervisor::new(Strategy::OneForOne)
//!     .max_restarts(3, Duration::from_secs(5))
//!     .child(ChildSpec::new("worker", move || {
//!         Worker.start_with(StartOptions::new().name_in(&reg, "worker"))
//!     }))
//!     .start()
//!     .await?;
//!
//! let first = registry.lookup::<Worker>("worker")?;
//! first.kill().await; // crash it
//! # tokio::task::yield_now().await;
//! let children = sup.which_children().await?;
//! assert_eq!(children.len(), 1);
//! # let mut tries = 0;
//! # while registry.whereis::<Worker>("worker").is_none_or(|w| w == first) && tries < 100 { tokio::task::yield_now().await; tries += 1; }
//! let second = registry.lookup::<Worker>("worker")?; // re-registered after the restart
//! assert_ne!(first.pid(), second.pid());
//! assert_eq!(second.ping().await?, 1);
//! sup.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Where noex departs from OTP
//!
//! * Children are watched with monitors, not links. A supervisor that stops normally
//!   shuts its children down in reverse order first; one that is killed kills its
//!   remaining children (what the link would do) without waiting for them.
//! * A child is shut down by a stop request queued behind its pending messages (what OTP
//!   does for children that trap exits); a child that does not trap exits in OTP would be
//!   stopped without running `terminate`. Use [`Shutdown::BrutalKill`] for that.
//! * A restart that fails to start counts as one more restart and is tried again
//!   through the supervisor's mailbox, as OTP does, so requests are handled between
//!   attempts.
//! * Lifecycle [events](SupervisorEvent) are published on a broadcast channel.

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

pub use dynamic::{DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorMsg};
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
    /// `ChildStarted` events are seen too.
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
            (SupervisorMsg::WhichChildren, Some(SupervisorReply::Which(r))) => {
                r.send(engine.which_children());
            }
            (SupervisorMsg::CountChildren, Some(SupervisorReply::Count(r))) => {
                r.send(engine.count_children());
            }
            (SupervisorMsg::Subscribe, Some(SupervisorReply::Subscribe(r))) => {
                r.send(engine.events().subscribe());
            }
            (SupervisorMsg::TryAgain(seq), _) => {
                engine
                    .try_again(seq, ctx)
                    .await
                    .apply(ctx, SupervisorMsg::TryAgain);
            }
            (
                SupervisorMsg::WhichChildren
                | SupervisorMsg::CountChildren
                | SupervisorMsg::Subscribe,
                _,
            ) => {}
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
