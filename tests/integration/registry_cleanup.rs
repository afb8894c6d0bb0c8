//! Registry: names vanish when their process exits, whatever the reason, before its
//! monitors are told; supervised children re-register when restarted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};

use crate::support::{Probe, settle};

async fn named_probe(registry: &Registry, name: &str) -> ServerRef<Probe> {
    Probe::default()
        .start_with(StartOptions::new().name_in(registry, name))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_name_goes_when_the_process_stops() {
    let registry = Registry::new();
    let probe = named_probe(&registry, "p").await;
    probe.stop().await.unwrap();
    assert!(!registry.is_registered("p"));
    assert!(registry.lookup::<Probe>("p").is_err());
}

#[tokio::test]
async fn the_name_goes_when_a_handler_panics() {
    let registry = Registry::new();
    let probe = named_probe(&registry, "p").await;
    let monitor = probe.monitor();
    assert!(probe.panic().await.is_err());
    let down = monitor.await;
    assert_eq!(down.reason, ExitReason::Panic("boom".into()));
    assert!(registry.whereis::<Probe>("p").is_none());
}

#[tokio::test]
async fn the_name_goes_when_the_process_is_killed() {
    let registry = Registry::new();
    let probe = named_probe(&registry, "p").await;
    assert_eq!(probe.kill().await, ExitReason::Killed);
    assert!(!registry.is_registered("p"));
}

#[tokio::test]
async fn the_name_goes_when_a_handler_stops_its_server() {
    let registry = Registry::new();
    let probe = named_probe(&registry, "p").await;
    probe.stop_after_reply(ExitReason::Shutdown).await.unwrap();
    assert_eq!(probe.wait().await, ExitReason::Shutdown);
    assert!(!registry.is_registered("p"));
}

#[tokio::test]
async fn a_name_registered_by_hand_goes_too() {
    let registry = Registry::new();
    let probe = Probe::default().start().await.unwrap();
    registry.register("by-hand", &probe).unwrap();
    probe.kill().await;
    assert!(!registry.is_registered("by-hand"));
    assert_eq!(registry.count(), 0);
}

/// Records what the registry says about a name at the moment a monitor gets a `Down`.
#[derive(Debug, Messages)]
pub enum WatcherMsg {
    #[call(reply = MonitorRef)]
    Watch { target: ProcessRef, name: String },
    /// `(dead pid, pid found under the name at Down time)`.
    #[call(reply = Vec<(Pid, Option<Pid>)>)]
    Seen,
}

#[gen_server(messages = WatcherMsg)]
pub struct Watcher {
    registry: Registry,
    names: Vec<(MonitorRef, String)>,
    seen: Vec<(Pid, Option<Pid>)>,
}

impl Watcher {
    pub fn new(registry: &Registry) -> Watcher {
        Watcher {
            registry: registry.clone(),
            names: Vec::new(),
            seen: Vec::new(),
        }
    }
}

impl WatcherHandler for Watcher {
    async fn watch(&mut self, target: ProcessRef, name: String, ctx: &mut Ctx<Self>) -> MonitorRef {
        let monitor = ctx.monitor(&target);
        self.names.push((monitor, name));
        monitor
    }

    async fn seen(&mut self, _ctx: &mut Ctx<Self>) -> Vec<(Pid, Option<Pid>)> {
        self.seen.clone()
    }

    async fn handle_down(&mut self, down: Down, _ctx: &mut Ctx<Self>) {
        let name = self
            .names
            .iter()
            .find(|(m, _)| *m == down.monitor)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let found = self.registry.whereis_process(&name).map(|p| p.pid());
        self.seen.push((down.pid, found));
    }
}

#[tokio::test]
async fn a_monitor_told_of_the_exit_never_finds_the_dead_process_by_name() {
    let registry = Registry::new();
    let watcher = Watcher::new(&registry).start().await.unwrap();
    let mut dead = Vec::new();
    for (i, how) in ["stop", "panic", "kill", "shutdown"].iter().enumerate() {
        let name = format!("p{i}");
        let probe = named_probe(&registry, &name).await;
        watcher.watch(probe.to_process(), name).await.unwrap();
        match *how {
            "stop" => probe.stop().await.unwrap(),
            "panic" => {
                let _ = probe.panic().await;
                probe.wait().await;
            }
            "kill" => {
                probe.kill().await;
            }
            _ => probe.stop_with(ExitReason::Shutdown).await.unwrap(),
        }
        dead.push(probe.pid());
    }
    let seen = watcher.seen().await.unwrap();
    assert_eq!(
        seen,
        dead.iter().map(|&pid| (pid, None)).collect::<Vec<_>>()
    );
    watcher.stop().await.unwrap();
}

#[tokio::test]
async fn an_external_monitor_never_finds_the_dead_process_by_name() {
    let registry = Registry::new();
    for _ in 0..50 {
        let probe = named_probe(&registry, "p").await;
        let monitor = probe.monitor();
        let killer = tokio::spawn({
            let probe = probe.clone();
            async move { probe.kill().await }
        });
        let down = monitor.await;
        assert_eq!(down.pid, probe.pid());
        assert!(registry.whereis_process("p").is_none());
        killer.await.unwrap();
    }
}

#[tokio::test]
async fn a_failed_init_leaves_no_name_behind() {
    let registry = Registry::new();
    let err = Probe {
        panic_init: true,
        ..Probe::default()
    }
    .start_with(StartOptions::new().name_in(&registry, "p"))
    .await
    .unwrap_err();
    assert!(matches!(err, StartError::Init(_)));
    assert!(!registry.is_registered("p"));
    // The name is free for the next start.
    let probe = named_probe(&registry, "p").await;
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn a_restarted_child_registers_its_name_again() {
    let registry = Registry::new();
    let reg = registry.clone();
    let sup = Supervisor::new(Strategy::OneForOne)
        .child(ChildSpec::new("probe", move || {
            Probe::default().start_with(StartOptions::new().name_in(&reg, "probe"))
        }))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe().await.unwrap();
    let first = registry.lookup::<Probe>("probe").unwrap();
    first.kill().await;
    // Wait for the restart to be reported.
    loop {
        let event = events.recv().await.unwrap();
        if matches!(
            event,
            noex_core::supervisor::SupervisorEvent::ChildRestarted { .. }
        ) {
            break;
        }
    }
    let second = registry.lookup::<Probe>("probe").unwrap();
    assert_ne!(second.pid(), first.pid());
    assert_eq!(second.add(2).await.unwrap(), 2);
    sup.stop().await.unwrap();
    assert!(!registry.is_registered("probe"));
}

#[tokio::test(start_paused = true)]
async fn a_name_taken_by_a_stopping_process_frees_before_stop_returns() {
    // A slow terminate: the name is still held while it runs (the process is still
    // alive), and free the moment stop returns.
    #[derive(Debug, Messages)]
    pub enum SlowMsg {
        #[call(reply = ())]
        Ping,
    }

    #[gen_server(messages = SlowMsg)]
    pub struct Slow {
        during_terminate: Arc<Mutex<Option<bool>>>,
        registry: Registry,
    }

    impl SlowHandler for Slow {
        async fn ping(&mut self, _ctx: &mut Ctx<Self>) {}

        async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Ctx<Self>) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            *self.during_terminate.lock().unwrap() = Some(self.registry.is_registered("slow"));
        }
    }

    let registry = Registry::new();
    let during_terminate = Arc::new(Mutex::new(None));
    let slow = Slow {
        during_terminate: during_terminate.clone(),
        registry: registry.clone(),
    }
    .start_with(StartOptions::new().name_in(&registry, "slow"))
    .await
    .unwrap();
    let stopping = tokio::spawn({
        let slow = slow.clone();
        async move { slow.stop().await }
    });
    settle().await;
    // terminate is running: a new start under the name is refused.
    assert!(matches!(
        Probe::default()
            .start_with(StartOptions::new().name_in(&registry, "slow"))
            .await,
        Err(StartError::AlreadyRegistered { .. })
    ));
    stopping.await.unwrap().unwrap();
    assert_eq!(*during_terminate.lock().unwrap(), Some(true));
    assert!(!registry.is_registered("slow"));
}
