//! Registry under contention, on a multi-threaded runtime: many tasks registering,
//! looking up and ending processes at once must never see a stale reference, never
//! leave a dead process named, and never let two processes win one name.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use noex_core::RegisterError;
use noex_core::prelude::*;
use tokio::sync::Barrier;

use crate::support::Probe;

const NAMES: usize = 8;
const CHURNERS: usize = 4;
const READERS: usize = 4;
const ROUNDS: usize = 150;

/// When each process was reported dead to a monitor, on one global clock shared with
/// the readers: a lookup that began after that tick must not return the process.
#[derive(Default)]
struct DeathClock {
    tick: AtomicU64,
    dead_at: Mutex<HashMap<Pid, u64>>,
    violations: Mutex<Vec<String>>,
}

impl DeathClock {
    fn now(&self) -> u64 {
        self.tick.fetch_add(1, Ordering::SeqCst)
    }

    fn record_death(&self, pid: Pid) {
        let at = self.now();
        self.dead_at.lock().unwrap().insert(pid, at);
    }

    fn died_before(&self, pid: Pid, tick: u64) -> bool {
        self.dead_at
            .lock()
            .unwrap()
            .get(&pid)
            .is_some_and(|&at| at < tick)
    }

    fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }
}

/// Starts, monitors and ends named processes, round after round.
async fn churn(worker: usize, registry: Registry, clock: Arc<DeathClock>) -> usize {
    let mut started = 0;
    let mut watchers = Vec::new();
    for round in 0..ROUNDS {
        let name = format!("n{}", (worker + round) % NAMES);
        let probe = match Probe::default()
            .start_with(StartOptions::new().name_in(&registry, name.as_str()))
            .await
        {
            Ok(probe) => probe,
            Err(StartError::AlreadyRegistered { .. }) => continue,
            Err(e) => panic!("unexpected start error: {e}"),
        };
        started += 1;
        // Monitored while running, so the Down comes through the normal exit sequence.
        let monitor = probe.monitor();
        let (registry, clock) = (registry.clone(), clock.clone());
        watchers.push(tokio::spawn(async move {
            let down = monitor.await;
            clock.record_death(down.pid);
            if registry.whereis_process(&name).map(|p| p.pid()) == Some(down.pid) {
                clock.violation(format!("{name} still named {} after its Down", down.pid));
            }
        }));
        tokio::task::yield_now().await;
        match round % 3 {
            0 => {
                probe.kill().await;
            }
            1 => {
                let _ = probe.panic().await;
                probe.wait().await;
            }
            _ => {
                let _ = probe.stop().await;
            }
        }
    }
    for watcher in watchers {
        watcher.await.unwrap();
    }
    started
}

/// Looks names up as fast as it can, checking every reference it gets.
async fn read(worker: usize, registry: Registry, clock: Arc<DeathClock>, stop: Arc<AtomicU64>) {
    let mut round = 0usize;
    while stop.load(Ordering::Acquire) == 0 {
        let name = format!("n{}", (worker + round) % NAMES);
        round += 1;
        let began = clock.now();
        if let Some(found) = registry.whereis::<Probe>(&name)
            && clock.died_before(found.pid(), began)
        {
            clock.violation(format!(
                "lookup of {name} returned {}, reported dead before the lookup began",
                found.pid()
            ));
        }
        if round.is_multiple_of(16) {
            tokio::task::yield_now().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lookups_racing_exits_never_return_a_process_reported_dead() {
    let registry = Registry::new();
    let clock = Arc::new(DeathClock::default());
    let stop = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..READERS)
        .map(|w| tokio::spawn(read(w, registry.clone(), clock.clone(), stop.clone())))
        .collect();
    let churners: Vec<_> = (0..CHURNERS)
        .map(|w| tokio::spawn(churn(w, registry.clone(), clock.clone())))
        .collect();
    let mut started = 0;
    for churner in churners {
        started += churner.await.unwrap();
    }
    stop.store(1, Ordering::Release);
    for reader in readers {
        reader.await.unwrap();
    }
    let violations = clock.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "{violations:#?}");
    assert!(started >= ROUNDS, "only {started} processes started");
    assert_eq!(clock.dead_at.lock().unwrap().len(), started);
    // Every process ended: nothing is left named.
    assert_eq!(registry.count(), 0, "{:?}", registry.names());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_registrations_of_one_name_have_exactly_one_winner() {
    const CONTENDERS: usize = 8;
    for _ in 0..40 {
        let registry = Registry::new();
        let barrier = Arc::new(Barrier::new(CONTENDERS));
        let mut tasks = Vec::new();
        for _ in 0..CONTENDERS {
            let probe = Probe::default().start().await.unwrap();
            let (registry, barrier) = (registry.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let outcome = registry.register("contested", &probe);
                (probe, outcome)
            }));
        }
        let mut winners = Vec::new();
        let mut holders = Vec::new();
        let mut probes = Vec::new();
        for task in tasks {
            let (probe, outcome) = task.await.unwrap();
            match outcome {
                Ok(()) => winners.push(probe.pid()),
                Err(RegisterError::AlreadyRegistered { pid, .. }) => holders.push(pid),
                Err(e) => panic!("unexpected register error: {e}"),
            }
            probes.push(probe);
        }
        assert_eq!(winners.len(), 1, "winners: {winners:?}");
        assert!(holders.iter().all(|&pid| pid == winners[0]));
        assert_eq!(
            registry.lookup::<Probe>("contested").unwrap().pid(),
            winners[0]
        );
        for probe in probes {
            probe.stop().await.unwrap();
        }
        assert_eq!(registry.count(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_name_registered_while_its_process_exits_never_outlives_it() {
    let registry = Registry::new();
    let mut registered = 0;
    let mut refused = 0;
    for _ in 0..300 {
        let probe = Probe::default().start().await.unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let killer = tokio::spawn({
            let (probe, barrier) = (probe.clone(), barrier.clone());
            async move {
                barrier.wait().await;
                probe.kill().await
            }
        });
        let registrar = tokio::spawn({
            let (probe, barrier, registry) = (probe.clone(), barrier.clone(), registry.clone());
            async move {
                barrier.wait().await;
                registry.register("racing", &probe)
            }
        });
        match registrar.await.unwrap() {
            Ok(()) => registered += 1,
            Err(RegisterError::NotAlive { pid, .. }) => {
                assert_eq!(pid, probe.pid());
                refused += 1;
            }
            Err(e) => panic!("unexpected register error: {e}"),
        }
        assert_eq!(killer.await.unwrap(), ExitReason::Killed);
        // The process has exited: whichever way the race went, the name is free.
        assert!(
            registry.whereis_process("racing").is_none(),
            "a dead process kept its name"
        );
    }
    assert_eq!(registered + refused, 300);
    assert_eq!(registry.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_readers_see_a_stable_name_without_interruption() {
    let registry = Registry::new();
    let probe = Probe::default()
        .start_with(StartOptions::new().name_in(&registry, "stable"))
        .await
        .unwrap();
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let registry = registry.clone();
            let expected = probe.pid();
            tokio::spawn(async move {
                for i in 0..5_000 {
                    assert_eq!(registry.lookup::<Probe>("stable").unwrap().pid(), expected);
                    if i % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    // Meanwhile other names come and go.
    for i in 0..200 {
        let other = Probe::default().start().await.unwrap();
        registry.register(&format!("other{i}"), &other).unwrap();
        other.kill().await;
    }
    for reader in readers {
        reader.await.unwrap();
    }
    assert_eq!(registry.names(), ["stable"]);
    probe.stop().await.unwrap();
}
