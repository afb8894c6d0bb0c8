//! Dynamic supervision (OTP's `simple_one_for_one`, Elixir's `DynamicSupervisor`):
//! children started at run time from one template, restarted with the same arguments,
//! forgotten when they end for good, bounded by `max_children`.

use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{
    ChildCounts, ChildSpec, DynamicSupervisor, Restart, Shutdown, Strategy, Supervisor,
    SupervisorError,
};
use tokio::time::Instant;

use crate::supervisor_support::{Kit, Worker, drain};

type Lobby = ServerRef<DynamicSupervisor<String>>;

/// A dynamic supervisor whose children are workers named by their argument.
fn lobby(kit: &Kit, slow_terminate: Option<Duration>) -> DynamicSupervisor<String> {
    let kit = kit.clone();
    DynamicSupervisor::new(move |name: String| {
        Worker {
            name: name.clone(),
            journal: kit.journal.clone(),
            count: 0,
            slow_terminate,
            fail_init: name.starts_with("bad"),
        }
        .start_with(StartOptions::new().name_in(&kit.registry, name))
    })
}

async fn names(sup: &Lobby) -> Vec<String> {
    let mut out = Vec::new();
    for child in sup.which_children().await.unwrap() {
        let worker = child.process.unwrap().downcast::<Worker>().unwrap();
        out.push(worker.name().await.unwrap());
    }
    out
}

async fn join(sup: &Lobby, players: &[&str]) {
    for p in players {
        sup.start_child(p.to_string()).await.unwrap();
    }
}

#[tokio::test]
async fn start_child_starts_the_template_with_the_arguments() {
    let kit = Kit::new();
    let sup = lobby(&kit, None).start().await.unwrap();
    let alice = sup.start_child("alice".into()).await.unwrap();
    assert_eq!(alice.pid(), kit.pid("alice"));
    assert_eq!(
        alice.downcast::<Worker>().unwrap().name().await.unwrap(),
        "alice"
    );
    join(&sup, &["bob", "carol"]).await;
    assert_eq!(names(&sup).await, ["alice", "bob", "carol"]);
    assert_eq!(
        sup.count_children().await.unwrap(),
        ChildCounts {
            specs: 3,
            active: 3,
            supervisors: 0,
            workers: 3
        }
    );
    sup.stop().await.unwrap();
    assert_eq!(kit.registry.count(), 0);
}

#[tokio::test]
async fn max_children_bounds_how_many_may_exist_at_once() {
    let kit = Kit::new();
    let sup = lobby(&kit, None).max_children(2).start().await.unwrap();
    join(&sup, &["a", "b"]).await;
    assert_eq!(
        sup.start_child("c".into()).await.unwrap_err(),
        SupervisorError::MaxChildren(2)
    );
    assert!(!kit.registry.is_registered("c"), "c was not started");
    sup.terminate_child(kit.pid("a")).await.unwrap();
    sup.start_child("c".into()).await.unwrap();
    assert_eq!(names(&sup).await, ["b", "c"]);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn max_children_zero_is_refused() {
    let err = lobby(&Kit::new(), None)
        .max_children(0)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("max_children is 0"), "{err}");
}

#[tokio::test]
async fn a_crashed_child_is_restarted_with_the_same_arguments() {
    let kit = Kit::new();
    let sup = lobby(&kit, None).start().await.unwrap();
    join(&sup, &["alice", "bob"]).await;
    let old = kit.crash("alice").await;
    assert_eq!(names(&sup).await, ["alice", "bob"]);
    assert_ne!(kit.pid("alice"), old.pid());
    sup.stop().await.unwrap();
}

/// Starts one child per restart type, ends each with `reason`, and returns who is left.
async fn survivors(reason: ExitReason) -> Vec<String> {
    let mut left = Vec::new();
    for restart in [Restart::Permanent, Restart::Transient, Restart::Temporary] {
        let kit = Kit::new();
        let sup = lobby(&kit, None).restart(restart).start().await.unwrap();
        join(&sup, &["p"]).await;
        kit.end("p", &reason).await;
        let counts = sup.count_children().await.unwrap();
        assert_eq!(
            counts.specs, counts.active,
            "dynamic children are running or gone"
        );
        if counts.active == 1 {
            left.push(format!("{restart:?}"));
        }
        sup.stop().await.unwrap();
    }
    left
}

#[tokio::test]
async fn restart_types_follow_otp() {
    assert_eq!(
        survivors(ExitReason::Panic("worker p crashed".into())).await,
        ["Permanent", "Transient"]
    );
    assert_eq!(
        survivors(ExitReason::Killed).await,
        ["Permanent", "Transient"]
    );
    assert_eq!(
        survivors(ExitReason::error("bad state")).await,
        ["Permanent", "Transient"]
    );
    assert_eq!(survivors(ExitReason::Normal).await, ["Permanent"]);
    assert_eq!(survivors(ExitReason::Shutdown).await, ["Permanent"]);
}

#[tokio::test]
async fn terminate_child_stops_and_forgets_the_child() {
    let kit = Kit::new();
    let sup = lobby(&kit, None).start().await.unwrap();
    join(&sup, &["a", "b", "c"]).await;
    let b = kit.find("b");
    sup.terminate_child(b.pid()).await.unwrap();
    assert_eq!(b.exit_reason(), Some(ExitReason::Shutdown));
    assert_eq!(names(&sup).await, ["a", "c"]);
    assert_eq!(
        sup.terminate_child(b.pid()).await.unwrap_err(),
        SupervisorError::NotFound(b.pid().to_string())
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn a_failing_start_is_reported_and_not_kept() {
    let kit = Kit::new();
    let sup = lobby(&kit, None).max_children(1).start().await.unwrap();
    assert_eq!(
        sup.start_child("bad apple".into()).await.unwrap_err(),
        SupervisorError::StartFailed {
            id: "#1".into(),
            reason: "init failed: error: bad apple refused to start".into()
        }
    );
    // It took no slot.
    join(&sup, &["good"]).await;
    assert_eq!(names(&sup).await, ["good"]);
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn too_many_restarts_stop_every_child_and_the_supervisor() {
    let kit = Kit::new();
    let sup = lobby(&kit, None)
        .restart(Restart::Transient)
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe().await.unwrap();
    join(&sup, &["a", "b", "c"]).await;
    let (b, c) = (kit.find("b"), kit.find("c"));
    for _ in 0..3 {
        kit.crash("a").await;
        assert_eq!(sup.count_children().await.unwrap().active, 3);
    }
    kit.crash("a").await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    assert_eq!(b.exit_reason(), Some(ExitReason::Shutdown));
    assert_eq!(c.exit_reason(), Some(ExitReason::Shutdown));
    assert!(drain(&mut events).contains(&"intensity exceeded (3 in 5s)".to_string()));
}

#[tokio::test(start_paused = true)]
async fn children_are_shut_down_together_within_one_shutdown_time() {
    // OTP shuts the children of a simple_one_for_one supervisor down concurrently, with
    // one timer for all: three children that ignore shutdown cost 2 s, not 6 s.
    let kit = Kit::new();
    let sup = lobby(&kit, Some(Duration::from_secs(3600)))
        .shutdown(Shutdown::Timeout(Duration::from_secs(2)))
        .start()
        .await
        .unwrap();
    join(&sup, &["a", "b", "c"]).await;
    let players = ["a", "b", "c"].map(|n| kit.find(n));
    let started = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    for p in &players {
        assert_eq!(p.exit_reason(), Some(ExitReason::Killed));
    }
}

#[tokio::test(start_paused = true)]
async fn children_that_stop_in_time_are_not_killed() {
    let kit = Kit::new();
    let sup = lobby(&kit, Some(Duration::from_millis(400)))
        .start()
        .await
        .unwrap();
    join(&sup, &["a", "b", "c"]).await;
    let started = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(400));
    let mut stops = kit.since(3);
    stops.sort();
    assert_eq!(
        stops,
        ["stop a shutdown", "stop b shutdown", "stop c shutdown"]
    );
}

#[tokio::test]
async fn brutal_kill_kills_every_child_at_once() {
    let kit = Kit::new();
    let sup = lobby(&kit, None)
        .shutdown(Shutdown::BrutalKill)
        .start()
        .await
        .unwrap();
    join(&sup, &["a", "b"]).await;
    let players = ["a", "b"].map(|n| kit.find(n));
    sup.stop().await.unwrap();
    for p in &players {
        assert_eq!(p.exit_reason(), Some(ExitReason::Killed));
    }
    assert_eq!(kit.since(2), Vec::<String>::new());
}

#[tokio::test]
async fn a_restarted_dynamic_supervisor_starts_empty() {
    // As in OTP, the children of a dynamic supervisor are not part of its spec: when its
    // own supervisor restarts it, it comes back without them.
    let kit = Kit::new();
    let inner = kit.clone();
    let root = Supervisor::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor("lobby", move || {
            lobby(&inner, None).start_with(StartOptions::new().name_in(&inner.registry, "lobby"))
        }))
        .start()
        .await
        .unwrap();
    let first: Lobby = kit.registry.lookup("lobby").unwrap();
    join(&first, &["a", "b"]).await;
    let a = kit.find("a");
    first.kill().await;
    root.which_children().await.unwrap();
    assert_eq!(a.wait().await, ExitReason::Killed);
    let second: Lobby = kit.registry.lookup("lobby").unwrap();
    assert_ne!(second.pid(), first.pid());
    assert_eq!(second.count_children().await.unwrap().specs, 0);
    root.stop().await.unwrap();
}
