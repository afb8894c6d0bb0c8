//! The supervision engine shared by [`Supervisor`](super::Supervisor) and
//! [`DynamicSupervisor`](super::DynamicSupervisor): children in start order, restart
//! decisions, intensity, ordered shutdown.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::Instant;

use super::{
    ChildCounts, ChildInfo, ChildKind, ChildSpec, Restart, Shutdown, Strategy, SupervisorError,
    SupervisorEvent, SupervisorReply,
};
use crate::{Ctx, Down, ExitReason, GenServer, MonitorRef, Pid, ProcessRef};

#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) strategy: Strategy,
    pub(crate) max_restarts: u32,
    pub(crate) period: Duration,
    pub(crate) max_children: Option<usize>,
    /// Dynamic supervisors forget children that exit and are not restarted.
    pub(crate) dynamic: bool,
}

impl Config {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.period.is_zero() {
            return Err("the restart period is 0: give it a duration, e.g. Duration::from_secs(5) (OTP's default)".into());
        }
        if self.max_children == Some(0) {
            return Err(
                "max_children is 0: no child could ever start; leave it unset for no limit".into(),
            );
        }
        if self.dynamic && self.strategy != Strategy::OneForOne {
            return Err("a dynamic supervisor only supports Strategy::OneForOne".into());
        }
        Ok(())
    }
}

struct Child {
    spec: ChildSpec,
    process: Option<ProcessRef>,
    monitor: Option<MonitorRef>,
    /// Set while a failed restart waits to be tried again: the exit that caused it.
    restarting: Option<ExitReason>,
}

/// What the supervisor must do after the engine handled a child's exit.
#[must_use]
pub(crate) enum Next {
    /// Nothing more.
    Continue,
    /// A restart of this child failed to start: send yourself a message to try again.
    TryAgain(u64),
    /// The restart intensity was exceeded and the children are stopped: exit with this.
    Exit(ExitReason),
}

impl Next {
    /// Does it: `try_again` makes the server's own retry message.
    pub(crate) fn apply<S: GenServer>(
        self,
        ctx: &mut Ctx<S>,
        try_again: impl FnOnce(u64) -> S::Msg,
    ) {
        match self {
            Next::Continue => {}
            Next::Exit(reason) => ctx.stop(reason),
            Next::TryAgain(seq) => {
                // Through the mailbox, as OTP's `try_again_restart` cast: what was queued
                // meanwhile (a shutdown, a call) is handled before the next attempt.
                if let Err(e) = ctx.this().cast(try_again(seq)) {
                    // A bounded mailbox is full; a timer message is not refused.
                    ctx.send_after(Duration::ZERO, e.into_inner());
                }
            }
        }
    }
}

/// Children a supervisor kills if it dies without running `terminate` (OTP links).
type Linked = Arc<Mutex<HashMap<Pid, ProcessRef>>>;

pub(crate) struct Engine {
    config: Config,
    children: BTreeMap<u64, Child>,
    by_id: HashMap<Arc<str>, u64>,
    by_monitor: HashMap<MonitorRef, u64>,
    /// Running children by pid (dynamic supervisors terminate children by pid).
    by_pid: HashMap<Pid, u64>,
    next_seq: u64,
    restarts: VecDeque<Instant>,
    events: broadcast::Sender<SupervisorEvent>,
    linked: Linked,
}

impl Engine {
    pub(crate) fn new(
        config: Config,
        specs: Vec<ChildSpec>,
        events: broadcast::Sender<SupervisorEvent>,
    ) -> Result<Engine, String> {
        config.validate()?;
        let mut engine = Engine {
            config,
            children: BTreeMap::new(),
            by_id: HashMap::new(),
            by_monitor: HashMap::new(),
            by_pid: HashMap::new(),
            next_seq: 0,
            restarts: VecDeque::new(),
            events,
            linked: Arc::default(),
        };
        for spec in specs {
            if engine.by_id.contains_key(&spec.id) {
                return Err(format!(
                    "two children share the id {:?}: child ids must be unique",
                    spec.id
                ));
            }
            engine.insert(spec);
        }
        Ok(engine)
    }

    fn emit(&self, event: SupervisorEvent) {
        tracing::debug!(?event, "supervisor event");
        let _ = self.events.send(event);
    }

    fn insert(&mut self, spec: ChildSpec) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(spec.id.clone(), seq);
        self.children.insert(
            seq,
            Child {
                spec,
                process: None,
                monitor: None,
                restarting: None,
            },
        );
        seq
    }

    fn remove(&mut self, seq: u64) {
        if let Some(child) = self.children.remove(&seq) {
            self.by_id.remove(&child.spec.id);
        }
    }

    /// Kills the remaining children if the supervisor exits without `terminate` (killed).
    pub(crate) fn link<S: GenServer>(&self, ctx: &Ctx<S>) {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 62);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let linked = self.linked.clone();
        ctx.core().add_exit_hook(
            id,
            Box::new(move |_| {
                let children =
                    std::mem::take(&mut *linked.lock().unwrap_or_else(PoisonError::into_inner));
                for child in children.values() {
                    child.core().abort();
                }
            }),
        );
    }

    fn linked(&self) -> std::sync::MutexGuard<'_, HashMap<Pid, ProcessRef>> {
        self.linked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts every child in order; on a failure stops those started, in reverse order.
    pub(crate) async fn start_all<S: GenServer>(&mut self, ctx: &mut Ctx<S>) -> Result<(), String> {
        let seqs: Vec<u64> = self.children.keys().copied().collect();
        for seq in seqs {
            if let Err(e) = self.start_at(seq, ctx).await {
                self.shutdown_all(ctx).await;
                return Err(e.to_string());
            }
        }
        Ok(())
    }

    async fn start_at<S: GenServer>(
        &mut self,
        seq: u64,
        ctx: &mut Ctx<S>,
    ) -> Result<ProcessRef, SupervisorError> {
        let Some(child) = self.children.get(&seq) else {
            return Err(SupervisorError::NotFound(String::new()));
        };
        let id = child.spec.id.clone();
        let start = child.spec.start.clone();
        match crate::runtime::catch(async move { start().await }).await {
            Ok(Ok(process)) => {
                let monitor = ctx.monitor(&process);
                self.by_monitor.insert(monitor, seq);
                self.by_pid.insert(process.pid(), seq);
                self.linked().insert(process.pid(), process.clone());
                if let Some(child) = self.children.get_mut(&seq) {
                    child.process = Some(process.clone());
                    child.monitor = Some(monitor);
                    child.restarting = None;
                }
                self.emit(SupervisorEvent::ChildStarted {
                    id,
                    pid: process.pid(),
                });
                Ok(process)
            }
            Ok(Err(error)) => Err(self.start_failed(id, error.to_string())),
            Err(panic) => Err(self.start_failed(id, format!("start function {panic}"))),
        }
    }

    /// Reports a failed start as an event and as the error to return.
    fn start_failed(&self, id: Arc<str>, reason: String) -> SupervisorError {
        self.emit(SupervisorEvent::ChildStartFailed {
            id: id.clone(),
            error: reason.as_str().into(),
        });
        SupervisorError::StartFailed {
            id: id.to_string(),
            reason,
        }
    }

    /// Adds and starts a child at the end of the start order.
    pub(crate) async fn add_child<S: GenServer>(
        &mut self,
        spec: ChildSpec,
        ctx: &mut Ctx<S>,
    ) -> Result<ProcessRef, SupervisorError> {
        if self.by_id.contains_key(&spec.id) {
            return Err(SupervisorError::AlreadyPresent(spec.id.to_string()));
        }
        if let Some(max) = self.config.max_children {
            if self.children.len() >= max {
                return Err(SupervisorError::MaxChildren(max));
            }
        }
        let seq = self.insert(spec);
        let result = self.start_at(seq, ctx).await;
        if result.is_err() {
            self.remove(seq);
        }
        result
    }

    fn seq_of(&self, id: &str) -> Result<u64, SupervisorError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| SupervisorError::NotFound(id.to_string()))
    }

    pub(crate) fn seq_of_pid(&self, pid: Pid) -> Result<u64, SupervisorError> {
        self.by_pid
            .get(&pid)
            .copied()
            .ok_or_else(|| SupervisorError::NotFound(pid.to_string()))
    }

    /// Stops a running child per its shutdown spec; keeps its spec (a dynamic supervisor
    /// or a temporary child forgets it).
    pub(crate) async fn terminate_child<S: GenServer>(
        &mut self,
        id: &str,
        ctx: &mut Ctx<S>,
    ) -> Result<(), SupervisorError> {
        let seq = self.seq_of(id)?;
        self.terminate_seq(seq, ctx).await
    }

    pub(crate) async fn terminate_seq<S: GenServer>(
        &mut self,
        seq: u64,
        ctx: &mut Ctx<S>,
    ) -> Result<(), SupervisorError> {
        self.shut_down(seq, ctx).await;
        let Some(child) = self.children.get_mut(&seq) else {
            return Ok(());
        };
        // A restart waiting to be tried again is called off, as in OTP.
        child.restarting = None;
        if self.config.dynamic || child.spec.restart == Restart::Temporary {
            self.remove(seq);
        }
        Ok(())
    }

    /// Shuts one child down (if running) and waits for it to be gone.
    async fn shut_down<S: GenServer>(&mut self, seq: u64, ctx: &mut Ctx<S>) {
        if let Some(stopping) = self.begin_shut_down(seq, ctx) {
            self.finish_shut_down(stopping).await;
        }
    }

    /// Detaches a running child from the supervisor and asks it to stop per its
    /// [`Shutdown`]: a stop request with reason `Shutdown`, or a kill.
    fn begin_shut_down<S: GenServer>(&mut self, seq: u64, ctx: &mut Ctx<S>) -> Option<Stopping> {
        let child = self.children.get_mut(&seq)?;
        let process = child.process.take()?;
        self.by_pid.remove(&process.pid());
        if let Some(monitor) = child.monitor.take() {
            ctx.demonitor(monitor);
            self.by_monitor.remove(&monitor);
        }
        let wait = match child.spec.effective_shutdown() {
            Shutdown::BrutalKill => {
                process.core().abort();
                Wait::Killed
            }
            Shutdown::Timeout(t) => {
                process.inner.request_stop(ExitReason::Shutdown);
                Wait::Until(crate::timeouts::deadline_after(t))
            }
            Shutdown::Infinity => {
                process.inner.request_stop(ExitReason::Shutdown);
                Wait::Forever
            }
        };
        Some(Stopping {
            id: child.spec.id.clone(),
            process,
            wait,
        })
    }

    /// Waits for a child asked to stop to be gone, killing it when its shutdown time
    /// runs out.
    async fn finish_shut_down(&mut self, stopping: Stopping) {
        let Stopping { id, process, wait } = stopping;
        let reason = match wait {
            Wait::Killed | Wait::Forever => process.wait().await,
            Wait::Until(deadline) => {
                match tokio::time::timeout_at(deadline, process.wait()).await {
                    Ok(reason) => reason,
                    Err(_) => {
                        tracing::warn!(child = %id, pid = %process.pid(), "child ignored shutdown; killing it");
                        process.kill().await
                    }
                }
            }
        };
        self.linked().remove(&process.pid());
        self.emit(SupervisorEvent::ChildTerminated {
            id,
            pid: process.pid(),
            reason,
        });
    }

    pub(crate) async fn restart_child<S: GenServer>(
        &mut self,
        id: &str,
        ctx: &mut Ctx<S>,
    ) -> Result<ProcessRef, SupervisorError> {
        let seq = self.stopped(id)?;
        self.start_at(seq, ctx).await
    }

    pub(crate) fn delete_child(&mut self, id: &str) -> Result<(), SupervisorError> {
        let seq = self.stopped(id)?;
        self.remove(seq);
        Ok(())
    }

    /// The child `id`, if it neither runs nor waits for a restart to be tried again.
    fn stopped(&self, id: &str) -> Result<u64, SupervisorError> {
        let seq = self.seq_of(id)?;
        match self.children.get(&seq) {
            Some(c) if c.process.is_some() => Err(SupervisorError::Running(id.to_string())),
            Some(c) if c.restarting.is_some() => Err(SupervisorError::Restarting(id.to_string())),
            _ => Ok(seq),
        }
    }

    /// Answers the read-only queries (which/count children, subscribe), whose reply slot
    /// says which one was asked.
    pub(crate) fn answer_query(&self, reply: Option<SupervisorReply>) {
        match reply {
            Some(SupervisorReply::Which(r)) => {
                r.send(self.which_children());
            }
            Some(SupervisorReply::Count(r)) => {
                r.send(self.count_children());
            }
            Some(SupervisorReply::Subscribe(r)) => {
                r.send(self.events.subscribe());
            }
            Some(SupervisorReply::Child(_) | SupervisorReply::Unit(_)) | None => {}
        }
    }

    pub(crate) fn which_children(&self) -> Vec<ChildInfo> {
        self.children
            .values()
            .map(|c| ChildInfo {
                id: c.spec.id.to_string(),
                process: c.process.clone(),
                kind: c.spec.kind,
                restart: c.spec.restart,
            })
            .collect()
    }

    pub(crate) fn count_children(&self) -> ChildCounts {
        let mut counts = ChildCounts::default();
        for c in self.children.values() {
            counts.specs += 1;
            if c.process.is_some() {
                counts.active += 1;
            }
            match c.spec.kind {
                ChildKind::Worker => counts.workers += 1,
                ChildKind::Supervisor => counts.supervisors += 1,
            }
        }
        counts
    }

    /// Records a restart; true if it takes the restarts within the period over
    /// `max_restarts`. A restart counts while no more than `period` has passed since it,
    /// as in OTP.
    fn restart_exceeds_intensity(&mut self) -> bool {
        let now = Instant::now();
        self.restarts.push_back(now);
        while let Some(&first) = self.restarts.front() {
            if now.duration_since(first) > self.config.period {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        let exceeded = self.restarts.len() > self.config.max_restarts as usize;
        // Only the last `max_restarts + 1` restarts can matter: keep the history bounded
        // whatever the intensity settings.
        while self.restarts.len() > (self.config.max_restarts as usize).saturating_add(1) {
            self.restarts.pop_front();
        }
        exceeded
    }

    /// Handles a child's exit: restarts it (and its group) if its restart type says so.
    pub(crate) async fn child_down<S: GenServer>(&mut self, down: Down, ctx: &mut Ctx<S>) -> Next {
        let Some(seq) = self.by_monitor.remove(&down.monitor) else {
            return Next::Continue;
        };
        let Some(child) = self.children.get_mut(&seq) else {
            return Next::Continue;
        };
        child.process = None;
        child.monitor = None;
        self.by_pid.remove(&down.pid);
        let id = child.spec.id.clone();
        let restart = match child.spec.restart {
            Restart::Permanent => true,
            Restart::Transient => down.reason.is_abnormal(),
            Restart::Temporary => false,
        };
        let temporary = child.spec.restart == Restart::Temporary;
        self.linked().remove(&down.pid);
        self.emit(SupervisorEvent::ChildExited {
            id,
            pid: down.pid,
            reason: down.reason.clone(),
        });
        if !restart {
            if temporary || self.config.dynamic {
                self.remove(seq);
            }
            return Next::Continue;
        }
        self.restart(seq, down.reason, ctx).await
    }

    /// Tries again a restart whose start failed (OTP's `try_again_restart`), unless the
    /// child was meanwhile started or terminated by hand.
    pub(crate) async fn try_again<S: GenServer>(&mut self, seq: u64, ctx: &mut Ctx<S>) -> Next {
        let Some(reason) = self
            .children
            .get_mut(&seq)
            .and_then(|child| child.restarting.take())
        else {
            return Next::Continue;
        };
        self.restart(seq, reason, ctx).await
    }

    /// One restart, counted against the intensity: the child `seq` and its group per the
    /// strategy. The rest of the group is stopped in reverse start order, then the group
    /// is started in order. If a start fails, the restart is tried again later, through
    /// the mailbox ([`Next::TryAgain`]), and counts again then, as in OTP.
    async fn restart<S: GenServer>(
        &mut self,
        seq: u64,
        reason: ExitReason,
        ctx: &mut Ctx<S>,
    ) -> Next {
        if self.restart_exceeds_intensity() {
            return Next::Exit(self.give_up(ctx).await);
        }
        let group: Vec<u64> = match self.config.strategy {
            Strategy::OneForOne => vec![seq],
            Strategy::OneForAll => self.children.keys().copied().collect(),
            Strategy::RestForOne => self.children.range(seq..).map(|(s, _)| *s).collect(),
        };
        for &s in group.iter().rev() {
            if s != seq {
                self.shut_down(s, ctx).await;
            }
        }
        for s in group {
            let Some(child) = self.children.get(&s) else {
                continue;
            };
            if s != seq && child.spec.restart == Restart::Temporary {
                self.remove(s);
                continue;
            }
            let id = child.spec.id.clone();
            match self.start_at(s, ctx).await {
                Ok(process) => self.emit(SupervisorEvent::ChildRestarted {
                    id,
                    pid: process.pid(),
                    reason: reason.clone(),
                }),
                Err(_) => {
                    // The children after it in the group stay down until the retry,
                    // which restarts the group of `s`.
                    if let Some(child) = self.children.get_mut(&s) {
                        child.restarting = Some(reason);
                    }
                    return Next::TryAgain(s);
                }
            }
        }
        Next::Continue
    }

    async fn give_up<S: GenServer>(&mut self, ctx: &mut Ctx<S>) -> ExitReason {
        tracing::error!(
            max_restarts = self.config.max_restarts,
            period = ?self.config.period,
            "supervisor restart intensity exceeded; shutting down"
        );
        self.emit(SupervisorEvent::IntensityExceeded {
            max_restarts: self.config.max_restarts,
            period: self.config.period,
        });
        self.shutdown_all(ctx).await;
        ExitReason::Shutdown
    }

    /// Stops every running child: a static supervisor one at a time in reverse start
    /// order, each given its shutdown time; a dynamic one all at once, as OTP does for
    /// `simple_one_for_one` (its children have no order, and waiting for them one by one
    /// would multiply the shutdown time by their number).
    pub(crate) async fn shutdown_all<S: GenServer>(&mut self, ctx: &mut Ctx<S>) {
        let seqs: Vec<u64> = self.children.keys().rev().copied().collect();
        if self.config.dynamic {
            let stopping: Vec<Stopping> = seqs
                .into_iter()
                .filter_map(|seq| self.begin_shut_down(seq, ctx))
                .collect();
            for stopping in stopping {
                self.finish_shut_down(stopping).await;
            }
        } else {
            for seq in seqs {
                self.shut_down(seq, ctx).await;
            }
        }
    }
}

/// A child asked to stop, not yet waited for.
struct Stopping {
    id: Arc<str>,
    process: ProcessRef,
    wait: Wait,
}

/// How long to wait for a child asked to stop before killing it.
enum Wait {
    /// It was killed; wait for its exit to complete.
    Killed,
    /// Kill it if it has not exited by then.
    Until(Instant),
    /// Wait as long as it takes.
    Forever,
}
