//! A worker server and a test kit shared by the supervision tests.
//!
//! A [`Kit`] holds a journal (what started and stopped, in order) and a registry (where
//! every worker is found by its child id), and makes child specs for [`Worker`]s. Tests
//! wait for the supervisor by calling it: a child's `Down` is queued before `wait()` on
//! the child returns, so the next call to the supervisor is answered only after the
//! supervisor has reacted to that exit. No sleeps.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorEvent, SupervisorRef};
use tokio::sync::broadcast::{self, error::TryRecvError};

use crate::support::Journal;

/// A worker that records its start and stop in a journal.
#[derive(Debug, Messages)]
pub enum WorkerMsg {
    /// Its child id.
    #[call(reply = String)]
    Name,
    /// Counts calls; a restarted worker starts again from 0.
    #[call(reply = u64)]
    Bump,
    /// Panics with "worker <name> crashed".
    #[cast]
    Crash,
    /// Stops with `reason` (`ctx.stop`).
    #[cast]
    Exit(ExitReason),
    /// Sleeps `ms` on the tokio clock, so a stop request waits behind it.
    #[call(reply = u64)]
    Busy { ms: u64 },
}

#[gen_server(messages = WorkerMsg)]
pub struct Worker {
    pub name: String,
    pub journal: Journal,
    pub count: u64,
    /// `terminate` takes this long (on the tokio clock).
    pub slow_terminate: Option<Duration>,
    /// `init` fails with "<name> refused to start".
    pub fail_init: bool,
}

impl WorkerHandler for Worker {
    async fn init(&mut self, _ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        if self.fail_init {
            return Err(format!("{} refused to start", self.name).into());
        }
        self.journal.push(format!("start {}", self.name));
        Ok(())
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        if let Some(d) = self.slow_terminate {
            tokio::time::sleep(d).await;
        }
        self.journal.push(format!("stop {} {reason}", self.name));
    }

    async fn name(&mut self, _ctx: &mut Ctx<Self>) -> String {
        self.name.clone()
    }

    async fn bump(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.count += 1;
        self.count
    }

    async fn crash(&mut self, _ctx: &mut Ctx<Self>) {
        panic!("worker {} crashed", self.name);
    }

    async fn exit(&mut self, reason: ExitReason, ctx: &mut Ctx<Self>) {
        ctx.stop(reason);
    }

    async fn busy(&mut self, ms: u64, _ctx: &mut Ctx<Self>) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }
}

/// The panic reason of `Crash` sent to the worker `name`.
pub fn crashed(name: &str) -> ExitReason {
    ExitReason::Panic(format!("worker {name} crashed").into())
}

/// A journal, a registry, and child specs for workers named by their child id.
#[derive(Clone, Default)]
pub struct Kit {
    pub journal: Journal,
    pub registry: Registry,
    /// How many of the next starts of each child fail.
    failures: Arc<Mutex<HashMap<String, u32>>>,
}

impl Kit {
    pub fn new() -> Kit {
        Kit::default()
    }

    /// A permanent worker child `name`, registered as `name` in the kit's registry.
    pub fn worker(&self, name: &str) -> ChildSpec {
        self.worker_with(name, None)
    }

    /// A worker whose `terminate` takes `slow_terminate`.
    pub fn worker_with(&self, name: &str, slow_terminate: Option<Duration>) -> ChildSpec {
        let kit = self.clone();
        let name = name.to_string();
        ChildSpec::new(name.clone(), move || {
            kit.start_worker(&name, slow_terminate)
        })
    }

    /// Starts worker `name`, registered as `name`; its `init` fails if a failure was
    /// planned with [`fail_next_starts`](Self::fail_next_starts).
    pub fn start_worker(
        &self,
        name: &str,
        slow_terminate: Option<Duration>,
    ) -> impl Future<Output = Result<ServerRef<Worker>, StartError>> + Send + use<> {
        Worker {
            name: name.to_string(),
            journal: self.journal.clone(),
            count: 0,
            slow_terminate,
            fail_init: self.take_failure(name),
        }
        .start_with(StartOptions::new().name_in(&self.registry, name))
    }

    /// Starts a supervisor with `strategy` and OTP's default intensity whose children are
    /// permanent workers `names`, in start order.
    pub async fn supervise(&self, strategy: Strategy, names: &[&str]) -> SupervisorRef {
        Supervisor::new(strategy)
            .children(names.iter().map(|n| self.worker(n)))
            .start()
            .await
            .unwrap()
    }

    /// Makes the next `n` starts of child `name` fail in `init`.
    pub fn fail_next_starts(&self, name: &str, n: u32) {
        self.failures.lock().unwrap().insert(name.to_string(), n);
    }

    fn take_failure(&self, name: &str) -> bool {
        let mut failures = self.failures.lock().unwrap();
        match failures.get_mut(name) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// The running worker registered as `name`.
    pub fn find(&self, name: &str) -> ServerRef<Worker> {
        self.registry
            .lookup::<Worker>(name)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn pid(&self, name: &str) -> Pid {
        self.find(name).pid()
    }

    /// Ends worker `name` with `reason` (a `Panic` reason crashes it with `Crash`, `Killed`
    /// kills it, anything else is `ctx.stop(reason)`) and waits until it has exited, so
    /// its supervisor has been sent the `Down`. Returns the old reference.
    pub async fn end(&self, name: &str, reason: &ExitReason) -> ServerRef<Worker> {
        let worker = self.find(name);
        match reason {
            ExitReason::Panic(_) => worker.crash().unwrap(),
            ExitReason::Killed => {
                worker.kill().await;
            }
            other => worker.exit(other.clone()).unwrap(),
        }
        assert_eq!(&worker.wait().await, reason, "worker {name} exit reason");
        worker
    }

    /// Crashes worker `name` (a panic) and waits until it has exited.
    pub async fn crash(&self, name: &str) -> ServerRef<Worker> {
        self.end(name, &crashed(name)).await
    }

    /// The journal entries from index `from` on.
    pub fn since(&self, from: usize) -> Vec<String> {
        self.journal.entries()[from..].to_vec()
    }

    /// How many entries the journal holds now, to pass to [`since`](Self::since) later.
    pub fn mark(&self) -> usize {
        self.journal.entries().len()
    }
}

/// The ids of the supervisor's children, in start order.
pub async fn child_ids(sup: &SupervisorRef) -> Vec<String> {
    let children = sup.which_children().await.unwrap();
    children.into_iter().map(|c| c.id).collect()
}

/// A short description of an event, for comparing sequences of events.
pub fn describe(event: &SupervisorEvent) -> String {
    match event {
        SupervisorEvent::ChildStarted { id, .. } => format!("started {id}"),
        SupervisorEvent::ChildExited { id, reason, .. } => format!("exited {id} ({reason})"),
        SupervisorEvent::ChildRestarted { id, reason, .. } => {
            format!("restarted {id} ({reason})")
        }
        SupervisorEvent::ChildTerminated { id, reason, .. } => {
            format!("terminated {id} ({reason})")
        }
        SupervisorEvent::ChildStartFailed { id, error } => format!("start failed {id}: {error}"),
        SupervisorEvent::IntensityExceeded {
            max_restarts,
            period,
        } => format!("intensity exceeded ({max_restarts} in {period:?})"),
        other => format!("{other:?}"),
    }
}

/// Every event already sent, described. Events are sent before the supervisor answers
/// the call that follows them, so after a call this is complete.
pub fn drain(events: &mut broadcast::Receiver<SupervisorEvent>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        match events.try_recv() {
            Ok(event) => out.push(describe(&event)),
            Err(TryRecvError::Empty | TryRecvError::Closed) => return out,
            Err(TryRecvError::Lagged(n)) => panic!("missed {n} events"),
        }
    }
}

/// Waits (at most 60 s of tokio time) for the next event.
pub async fn next_event(events: &mut broadcast::Receiver<SupervisorEvent>) -> SupervisorEvent {
    tokio::time::timeout(Duration::from_secs(60), events.recv())
        .await
        .expect("no supervisor event within 60 s")
        .expect("the event channel closed")
}

/// Waits for events until one described as `last`, and returns them all, described.
pub async fn events_until(
    events: &mut broadcast::Receiver<SupervisorEvent>,
    last: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let event = describe(&next_event(events).await);
        let done = event == last;
        out.push(event);
        if done {
            return out;
        }
    }
}

/// Strings from `&str`s, for comparing with journals and described events.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
