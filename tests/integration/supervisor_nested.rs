//! Trees: a supervisor is a child like any other. A grandchild that crashes too often
//! exhausts its own supervisor, which exits with `Shutdown`; the level above restarts that
//! supervisor (one restart on its own count) and nothing else changes.
//!
//! ```text
//!            root (one_for_one)
//!           /                  \
//!          r             mid (one_for_one)
//!                         /        \
//!                        g          h
//! ```

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Restart, Strategy, Supervisor, SupervisorRef};

use crate::supervisor_support::{Kit, drain};

/// The spec of `mid`, a one-for-one supervisor of `g` and `h` registered as "mid".
fn mid(kit: &Kit) -> ChildSpec {
    let kit = kit.clone();
    ChildSpec::supervisor("mid", move || {
        Supervisor::new(Strategy::OneForOne)
            .children([kit.worker("g"), kit.worker("h")])
            .start_with(StartOptions::new().name_in(&kit.registry, "mid"))
    })
}

fn find_mid(kit: &Kit) -> SupervisorRef {
    kit.registry.lookup::<Supervisor>("mid").unwrap()
}

async fn start_tree(kit: &Kit) -> SupervisorRef {
    Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("r"), mid(kit)])
        .start()
        .await
        .unwrap()
}

/// Crashes `g` until `mid` gives up (the fourth crash within 5 s), then waits until
/// `root` has handled mid's exit.
async fn exhaust_mid(kit: &Kit, root: &SupervisorRef) -> SupervisorRef {
    let mid = find_mid(kit);
    for _ in 0..3 {
        kit.crash("g").await;
        assert_eq!(mid.count_children().await.unwrap().active, 2);
    }
    kit.crash("g").await;
    assert_eq!(mid.wait().await, ExitReason::Shutdown);
    // The root has been told; a call to it is answered after it has reacted.
    let _ = root.count_children().await;
    mid
}

#[tokio::test(start_paused = true)]
async fn a_grandchild_crashing_too_often_escalates_one_level_and_no_further() {
    let kit = Kit::new();
    let root = start_tree(&kit).await;
    let mut events = root.subscribe().await.unwrap();
    let r = kit.find("r");
    let h = kit.find("h");

    let old_mid = exhaust_mid(&kit, &root).await;

    // mid stopped h, then exited with Shutdown; root restarted mid, which started g and
    // h afresh; r was never touched and root runs on.
    assert_eq!(h.exit_reason(), Some(ExitReason::Shutdown));
    let new_mid = find_mid(&kit);
    assert_ne!(new_mid.pid(), old_mid.pid());
    assert_eq!(new_mid.count_children().await.unwrap().active, 2);
    assert_ne!(kit.pid("h"), h.pid());
    assert_eq!(kit.find("r"), r);
    assert!(root.is_alive());
    assert_eq!(
        drain(&mut events),
        [
            "exited mid (shutdown)",
            "started mid",
            "restarted mid (shutdown)",
        ]
    );
    root.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn each_escalation_is_one_restart_of_the_level_above() {
    let kit = Kit::new();
    let root = start_tree(&kit).await;
    // Three exhausted mids are three restarts of root: tolerated.
    for _ in 0..3 {
        exhaust_mid(&kit, &root).await;
        assert!(root.is_alive());
    }
    // The fourth exhausts root in turn.
    let r = kit.find("r");
    exhaust_mid(&kit, &root).await;
    assert_eq!(root.wait().await, ExitReason::Shutdown);
    assert_eq!(r.exit_reason(), Some(ExitReason::Shutdown));
    assert_eq!(kit.registry.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_transient_child_supervisor_that_gives_up_is_not_restarted() {
    // As in OTP: a supervisor that gives up exits with `shutdown`, which is not abnormal,
    // so a transient parent spec leaves it down.
    let kit = Kit::new();
    let root = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("r"), mid(&kit).restart(Restart::Transient)])
        .start()
        .await
        .unwrap();
    exhaust_mid(&kit, &root).await;
    let children = root.which_children().await.unwrap();
    assert_eq!(children[1].id, "mid");
    assert_eq!(children[1].process, None);
    assert!(!kit.registry.is_registered("mid"));
    root.stop().await.unwrap();
}

#[tokio::test]
async fn a_tree_stops_depth_first_in_reverse_order() {
    let kit = Kit::new();
    let root = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), mid(&kit), kit.worker("b")])
        .start()
        .await
        .unwrap();
    assert_eq!(kit.since(0), ["start a", "start g", "start h", "start b"]);
    root.stop().await.unwrap();
    assert_eq!(
        kit.since(4),
        [
            "stop b shutdown",
            "stop h shutdown",
            "stop g shutdown",
            "stop a shutdown",
        ]
    );
    assert_eq!(kit.registry.count(), 0);
}

#[tokio::test]
async fn killing_the_root_kills_the_whole_tree() {
    let kit = Kit::new();
    let root = start_tree(&kit).await;
    let all = ["r", "mid", "g", "h"].map(|n| kit.registry.lookup_process(n).unwrap());
    root.kill().await;
    for process in &all {
        assert_eq!(process.wait().await, ExitReason::Killed, "{process:?}");
    }
    assert_eq!(kit.since(3), Vec::<String>::new(), "no terminate ran");
}

#[tokio::test]
async fn a_child_supervisor_that_fails_to_start_fails_its_parent() {
    let kit = Kit::new();
    kit.fail_next_starts("h", 1);
    let err = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("r"), mid(&kit)])
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "init failed: error: child \"mid\" failed to start: init failed: error: \
         child \"h\" failed to start: init failed: error: h refused to start"
    );
    assert_eq!(
        kit.since(0),
        ["start r", "start g", "stop g shutdown", "stop r shutdown"]
    );
}
