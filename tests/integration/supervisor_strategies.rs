//! Every strategy, every restart type × every exit reason, against OTP's rules:
//!
//! * `Permanent` is restarted after any exit, `Transient` after an abnormal one only
//!   (not `Normal`, not `Shutdown`), `Temporary` never (and its spec is dropped);
//! * a restart of `b` in `[a, b, c]` restarts `b` alone (`OneForOne`), everything
//!   (`OneForAll`: stop `c`, `a`, then start `a`, `b`, `c`), or `b` and what follows it
//!   (`RestForOne`: stop `c`, then start `b`, `c`).

use noex_core::prelude::*;
use noex_core::supervisor::{Restart, Strategy, Supervisor};

use crate::supervisor_support::{Kit, child_ids, crashed, strings};

/// The five exit reasons a child can end with.
fn reasons() -> Vec<ExitReason> {
    vec![
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::error("disk full"),
        crashed("b"),
        ExitReason::Killed,
    ]
}

/// Starts `[a, b, c]` (b with `restart`), ends `b` with `reason`, and checks which
/// children were stopped and started, in which order, and which pids changed.
async fn check(strategy: Strategy, restart: Restart, reason: ExitReason) {
    let case = format!("{strategy:?} / {restart:?} / {reason}");
    let kit = Kit::new();
    let sup = Supervisor::new(strategy)
        .max_restarts(100, std::time::Duration::from_secs(5))
        .children([
            kit.worker("a"),
            kit.worker("b").restart(restart),
            kit.worker("c"),
        ])
        .start()
        .await
        .unwrap();
    let (a, b, c) = (kit.pid("a"), kit.pid("b"), kit.pid("c"));
    let mark = kit.mark();

    kit.end("b", &reason).await;
    let children = sup.which_children().await.unwrap();

    let restarted = match restart {
        Restart::Permanent => true,
        Restart::Transient => reason.is_abnormal(),
        Restart::Temporary => false,
    };
    let mut expected = Vec::new();
    if reason != ExitReason::Killed {
        expected.push(format!("stop b {reason}"));
    }
    if restarted {
        expected.extend(strings(match strategy {
            Strategy::OneForOne => &["start b"],
            Strategy::OneForAll => &[
                "stop c shutdown",
                "stop a shutdown",
                "start a",
                "start b",
                "start c",
            ],
            Strategy::RestForOne => &["stop c shutdown", "start b", "start c"],
        }));
    }
    assert_eq!(kit.since(mark), expected, "{case}: journal");

    let ids: Vec<&str> = children.iter().map(|c| c.id.as_str()).collect();
    if restart == Restart::Temporary {
        assert_eq!(
            ids,
            ["a", "c"],
            "{case}: a temporary child's spec is dropped"
        );
    } else {
        assert_eq!(ids, ["a", "b", "c"], "{case}: ids");
    }
    let running: Vec<Option<Pid>> = children
        .iter()
        .map(|c| c.process.as_ref().map(ProcessRef::pid))
        .collect();
    let (group_a, group_c) = match strategy {
        _ if !restarted => (false, false),
        Strategy::OneForOne => (false, false),
        Strategy::OneForAll => (true, true),
        Strategy::RestForOne => (false, true),
    };
    assert_eq!(running[0] != Some(a), group_a, "{case}: a restarted?");
    assert_eq!(
        running.last().copied().flatten() != Some(c),
        group_c,
        "{case}: c restarted?"
    );
    if restart != Restart::Temporary {
        let new_b = running[1];
        if restarted {
            assert!(new_b.is_some_and(|p| p != b), "{case}: b runs again");
            assert_eq!(Some(kit.pid("b")), new_b, "{case}: b re-registered");
        } else {
            assert_eq!(new_b, None, "{case}: b is not restarted");
            assert!(!kit.registry.is_registered("b"), "{case}: b's name is gone");
        }
    }
    assert!(running.iter().filter(|p| p.is_none()).count() <= 1);

    // The supervisor stops what runs in reverse start order.
    let mark = kit.mark();
    sup.stop().await.unwrap();
    let mut stops = Vec::new();
    for name in ["c", "b", "a"] {
        if kit.registry.is_registered(name) {
            panic!("{case}: {name} still registered after the supervisor stopped");
        }
        if name != "b" || restarted {
            stops.push(format!("stop {name} shutdown"));
        }
    }
    assert_eq!(kit.since(mark), stops, "{case}: stop order");
}

async fn check_every_reason(strategy: Strategy, restart: Restart) {
    for reason in reasons() {
        check(strategy, restart, reason).await;
    }
}

/// One test per strategy, restart type, each trying every exit reason.
macro_rules! matrix {
    ($($name:ident: $strategy:ident, $restart:ident;)*) => {$(
        #[tokio::test]
        async fn $name() {
            check_every_reason(Strategy::$strategy, Restart::$restart).await;
        }
    )*};
}

matrix! {
    one_for_one_permanent: OneForOne, Permanent;
    one_for_one_transient: OneForOne, Transient;
    one_for_one_temporary: OneForOne, Temporary;
    one_for_all_permanent: OneForAll, Permanent;
    one_for_all_transient: OneForAll, Transient;
    one_for_all_temporary: OneForAll, Temporary;
    rest_for_one_permanent: RestForOne, Permanent;
    rest_for_one_transient: RestForOne, Transient;
    rest_for_one_temporary: RestForOne, Temporary;
}

#[tokio::test]
async fn a_group_restart_stops_a_temporary_sibling_for_good() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForAll)
        .children([
            kit.worker("a"),
            kit.worker("t").restart(Restart::Temporary),
            kit.worker("c"),
        ])
        .start()
        .await
        .unwrap();
    let mark = kit.mark();
    kit.crash("c").await;
    assert_eq!(child_ids(&sup).await, ["a", "c"]);
    assert_eq!(
        kit.since(mark),
        [
            "stop c panic: worker c crashed",
            "stop t shutdown",
            "stop a shutdown",
            "start a",
            "start c",
        ]
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn a_group_restart_also_starts_a_sibling_that_was_not_running() {
    // OTP's one_for_all restarts every child in the group, including one stopped with
    // terminate_child (its pid is `undefined` but its spec is kept).
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::RestForOne, &["a", "b", "c"]).await;
    sup.terminate_child("c").await.unwrap();
    let mark = kit.mark();
    kit.crash("b").await;
    let running = sup.count_children().await.unwrap().active;
    assert_eq!(running, 3);
    assert_eq!(
        kit.since(mark),
        ["stop b panic: worker b crashed", "start b", "start c"]
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn rest_for_one_leaves_the_children_before_the_failed_one_alone() {
    let kit = Kit::new();
    let sup = kit
        .supervise(Strategy::RestForOne, &["a", "b", "c", "d", "e"])
        .await;
    let before: Vec<Pid> = ["a", "b", "c", "d", "e"].map(|n| kit.pid(n)).to_vec();
    let mark = kit.mark();
    kit.crash("c").await;
    sup.which_children().await.unwrap();
    let after: Vec<Pid> = ["a", "b", "c", "d", "e"].map(|n| kit.pid(n)).to_vec();
    assert_eq!(after[..2], before[..2]);
    assert!(after[2..].iter().zip(&before[2..]).all(|(x, y)| x != y));
    assert_eq!(
        kit.since(mark),
        [
            "stop c panic: worker c crashed",
            "stop e shutdown",
            "stop d shutdown",
            "start c",
            "start d",
            "start e",
        ]
    );
    sup.stop().await.unwrap();
}
