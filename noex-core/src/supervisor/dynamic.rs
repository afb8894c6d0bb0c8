//! [`DynamicSupervisor`]: children started on demand from one template (OTP's
//! `simple_one_for_one`, Elixir's `DynamicSupervisor`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;

use super::engine::{Config, Engine};
use super::spec::StartFn;
use super::{
    ChildCounts, ChildInfo, ChildKind, ChildSpec, ChildStartError, DEFAULT_MAX_RESTARTS,
    DEFAULT_PERIOD, EVENT_BUFFER, Restart, Shutdown, Strategy, SupervisorError, SupervisorEvent,
    SupervisorReply,
};
use crate::client::{Client, RawRef};
use crate::error::{BoxError, CallError};
use crate::process::AsProcess;
use crate::{Ctx, Dispatch, Down, ExitReason, GenServer, Messages, Pid, ProcessRef};

type Template<A> = Arc<dyn Fn(A) -> StartFn + Send + Sync>;

/// A supervisor whose children all come from one template, started at run time with
/// [`start_child(args)`](DynamicSupervisorClient::start_child): one per connected player,
/// per open document, per job.
///
/// Its strategy is one-for-one; a child restarted after a crash gets the same `args`.
/// Children that exit and are not restarted are forgotten. `max_children` bounds how many
/// may exist at once. Restart intensity works as for [`Supervisor`](super::Supervisor).
/// When the supervisor stops, its children are stopped all at once, under one shutdown
/// time, as OTP does for `simple_one_for_one`; and when its own supervisor restarts it,
/// it comes back with no children.
///
/// # Examples
///
/// ```
/// use noex_core::prelude::*;
/// use noex_core::supervisor::{DynamicSupervisor, Restart};
///
/// # #[derive(Debug, Messages)] pub enum PlayerMsg { #[call(reply = String)] Name }
/// # #[gen_server(messages = PlayerMsg)] pub struct Player { name: String }
/// # impl PlayerHandler for Player { async fn name(&mut self, _: &mut Ctx<Self>) -> String { self.name.clone() } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let lobby = DynamicSupervisor::new(|name: String| Player { name }.start())
///     .restart(Restart::Transient)
///     .max_children(100)
///     .start()
///     .await?;
/// let alice = lobby.start_child("alice".to_string()).await?;
/// let alice = alice.downcast::<Player>().ok_or("not a player")?;
/// assert_eq!(alice.name().await?, "alice");
/// assert_eq!(lobby.count_children().await?.active, 1);
/// lobby.stop().await?;
/// # Ok(())
/// # }
/// ```
pub struct DynamicSupervisor<A> {
    template: Template<A>,
    restart: Restart,
    shutdown: Option<Shutdown>,
    kind: ChildKind,
    config: Config,
    events: broadcast::Sender<SupervisorEvent>,
    engine: Option<Engine>,
    next_id: u64,
}

impl<A: Clone + Send + Sync + 'static> DynamicSupervisor<A> {
    /// A dynamic supervisor whose children are started by `template(args)`.
    pub fn new<F, Fut, R, E>(template: F) -> DynamicSupervisor<A>
    where
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: AsProcess,
        E: Into<ChildStartError>,
    {
        let template = Arc::new(template);
        DynamicSupervisor {
            template: Arc::new(move |args: A| {
                let template = template.clone();
                ChildSpec::new("", move || template(args.clone())).start
            }),
            restart: Restart::Permanent,
            shutdown: None,
            kind: ChildKind::Worker,
            config: Config {
                strategy: Strategy::OneForOne,
                max_restarts: DEFAULT_MAX_RESTARTS,
                period: DEFAULT_PERIOD,
                max_children: None,
                dynamic: true,
            },
            events: broadcast::channel(EVENT_BUFFER).0,
            engine: None,
            next_id: 0,
        }
    }

    /// The restart type of every child. Default [`Restart::Permanent`].
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// The shutdown of every child. Default: `Timeout(5 s)` for workers.
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// The kind of every child. Default [`ChildKind::Worker`].
    pub fn kind(mut self, kind: ChildKind) -> Self {
        self.kind = kind;
        self
    }

    /// The restart intensity; see [`Supervisor::max_restarts`](super::Supervisor::max_restarts).
    pub fn max_restarts(mut self, max_restarts: u32, period: Duration) -> Self {
        self.config.max_restarts = max_restarts;
        self.config.period = period;
        self
    }

    /// At most `max` children at once; `start_child` beyond fails with
    /// [`SupervisorError::MaxChildren`]. Must be at least 1.
    pub fn max_children(mut self, max: usize) -> Self {
        self.config.max_children = Some(max);
        self
    }

    /// Subscribes to events before the supervisor starts. The channel closes when the
    /// supervisor exits; a subscriber more than 1024 events behind misses the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<SupervisorEvent> {
        self.events.subscribe()
    }

    fn spec_for(&mut self, args: A) -> ChildSpec {
        self.next_id += 1;
        ChildSpec {
            id: format!("#{}", self.next_id).into(),
            start: (self.template)(args),
            restart: self.restart,
            shutdown: self.shutdown,
            kind: self.kind,
        }
    }
}

/// A running [`DynamicSupervisor`] whose children are started with arguments `A`.
pub type DynamicSupervisorRef<A> = crate::ServerRef<DynamicSupervisor<A>>;

/// The messages a [`DynamicSupervisor`] handles; use [`DynamicSupervisorClient`].
#[non_exhaustive]
pub enum DynamicSupervisorMsg<A> {
    /// Starts a child from the template with these arguments.
    StartChild(A),
    /// Stops a child and forgets it.
    TerminateChild(Pid),
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

impl<A: Clone + Send + Sync + 'static> Messages for DynamicSupervisorMsg<A> {
    type Reply = SupervisorReply;
    type Client = DynamicSupervisorClient<A>;

    fn variant_name(&self) -> &'static str {
        match self {
            DynamicSupervisorMsg::StartChild(_) => "StartChild",
            DynamicSupervisorMsg::TerminateChild(_) => "TerminateChild",
            DynamicSupervisorMsg::WhichChildren => "WhichChildren",
            DynamicSupervisorMsg::CountChildren => "CountChildren",
            DynamicSupervisorMsg::Subscribe => "Subscribe",
            DynamicSupervisorMsg::TryAgain(_) => "TryAgain",
        }
    }
}

impl<A: Clone + Send + Sync + 'static> GenServer for DynamicSupervisor<A> {
    type Msg = DynamicSupervisorMsg<A>;
}

impl<A: Clone + Send + Sync + 'static> Dispatch<DynamicSupervisor<A>> for DynamicSupervisorMsg<A> {
    async fn init(
        server: &mut DynamicSupervisor<A>,
        ctx: &mut Ctx<DynamicSupervisor<A>>,
    ) -> Result<(), BoxError> {
        let engine = Engine::new(server.config.clone(), Vec::new(), server.events.clone())?;
        engine.link(ctx);
        server.engine = Some(engine);
        Ok(())
    }

    async fn handle(
        server: &mut DynamicSupervisor<A>,
        msg: DynamicSupervisorMsg<A>,
        reply: Option<SupervisorReply>,
        ctx: &mut Ctx<DynamicSupervisor<A>>,
    ) {
        let spec = match &msg {
            DynamicSupervisorMsg::StartChild(args) => Some(server.spec_for(args.clone())),
            _ => None,
        };
        // `init` creates the engine before any message is handled.
        let Some(engine) = server.engine.as_mut() else {
            return;
        };
        match (msg, reply) {
            (DynamicSupervisorMsg::StartChild(_), reply) => {
                let result = match spec {
                    Some(spec) => engine.add_child(spec, ctx).await,
                    None => Err(SupervisorError::NotFound(String::new())),
                };
                if let Some(SupervisorReply::Child(r)) = reply {
                    r.send(result);
                }
            }
            (DynamicSupervisorMsg::TerminateChild(pid), reply) => {
                let result = match engine.seq_of_pid(pid) {
                    Ok(seq) => engine.terminate_seq(seq, ctx).await,
                    Err(e) => Err(e),
                };
                if let Some(SupervisorReply::Unit(r)) = reply {
                    r.send(result);
                }
            }
            (
                DynamicSupervisorMsg::WhichChildren
                | DynamicSupervisorMsg::CountChildren
                | DynamicSupervisorMsg::Subscribe,
                reply,
            ) => engine.answer_query(reply),
            (DynamicSupervisorMsg::TryAgain(seq), _) => {
                engine
                    .try_again(seq, ctx)
                    .await
                    .apply(ctx, DynamicSupervisorMsg::TryAgain);
            }
        }
    }

    async fn terminate(
        server: &mut DynamicSupervisor<A>,
        _reason: &ExitReason,
        ctx: &mut Ctx<DynamicSupervisor<A>>,
    ) {
        if let Some(engine) = server.engine.as_mut() {
            engine.shutdown_all(ctx).await;
        }
    }

    async fn handle_down(
        server: &mut DynamicSupervisor<A>,
        down: Down,
        ctx: &mut Ctx<DynamicSupervisor<A>>,
    ) {
        if let Some(engine) = server.engine.as_mut() {
            engine
                .child_down(down, ctx)
                .await
                .apply(ctx, DynamicSupervisorMsg::TryAgain);
        }
    }
}

/// The runtime API of a running [`DynamicSupervisor`]; its `ServerRef` dereferences to
/// it.
pub struct DynamicSupervisorClient<A: Clone + Send + Sync + 'static> {
    raw: RawRef<DynamicSupervisorMsg<A>>,
}

impl<A: Clone + Send + Sync + 'static> Client<DynamicSupervisorMsg<A>>
    for DynamicSupervisorClient<A>
{
    fn from_raw(raw: RawRef<DynamicSupervisorMsg<A>>) -> Self {
        DynamicSupervisorClient { raw }
    }

    fn raw(&self) -> &RawRef<DynamicSupervisorMsg<A>> {
        &self.raw
    }
}

impl<A: Clone + Send + Sync + 'static> DynamicSupervisorClient<A> {
    /// Starts a child from the template with `args`.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::MaxChildren`], `StartFailed`, or `Call`.
    pub async fn start_child(&self, args: A) -> Result<ProcessRef, SupervisorError> {
        self.raw
            .call(
                DynamicSupervisorMsg::StartChild(args),
                SupervisorReply::Child,
            )
            .await?
    }

    /// Shuts the child down per its shutdown spec and forgets it.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`] if no running child has this pid, or `Call`.
    pub async fn terminate_child(&self, pid: Pid) -> Result<(), SupervisorError> {
        self.raw
            .call(
                DynamicSupervisorMsg::TerminateChild(pid),
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
            .call(DynamicSupervisorMsg::WhichChildren, SupervisorReply::Which)
            .await
    }

    /// Child counts.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the supervisor cannot be reached.
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.raw
            .call(DynamicSupervisorMsg::CountChildren, SupervisorReply::Count)
            .await
    }

    /// Subscribes to the supervisor's events from now on.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the supervisor cannot be reached.
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<SupervisorEvent>, CallError> {
        self.raw
            .call(DynamicSupervisorMsg::Subscribe, SupervisorReply::Subscribe)
            .await
    }
}
