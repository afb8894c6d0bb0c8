//! The runtime API of a supervisor: start_child, terminate_child, restart_child,
//! delete_child, which_children, count_children, with OTP's answers for each case.

use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{
    ChildCounts, ChildKind, Restart, Strategy, Supervisor, SupervisorError, SupervisorRef,
};

use crate::supervisor_support::{Kit, Worker, child_ids};

async fn start_ab(kit: &Kit) -> SupervisorRef {
    kit.supervise(Strategy::OneForOne, &["a", "b"]).await
}

#[tokio::test]
async fn start_child_appends_to_the_start_order_and_returns_the_process() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    let c = sup.start_child(kit.worker("c")).await.unwrap();
    assert_eq!(c.pid(), kit.pid("c"));
    let c = c.downcast::<Worker>().unwrap();
    assert_eq!(c.name().await.unwrap(), "c");
    assert_eq!(child_ids(&sup).await, ["a", "b", "c"]);
    sup.stop().await.unwrap();
    assert_eq!(
        kit.since(3),
        ["stop c shutdown", "stop b shutdown", "stop a shutdown"]
    );
}

#[tokio::test]
async fn start_child_with_a_taken_id_is_already_present() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    let err = sup.start_child(kit.worker("a")).await.unwrap_err();
    assert_eq!(err, SupervisorError::AlreadyPresent("a".into()));
    // Also when the child with that id is not running.
    sup.terminate_child("a").await.unwrap();
    let err = sup.start_child(kit.worker("a")).await.unwrap_err();
    assert_eq!(err, SupervisorError::AlreadyPresent("a".into()));
    assert_eq!(
        kit.since(2),
        ["stop a shutdown"],
        "nothing more was started"
    );
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn terminate_child_keeps_the_spec_and_the_child_stays_down() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    let a = kit.find("a");
    sup.terminate_child("a").await.unwrap();
    assert_eq!(a.exit_reason(), Some(ExitReason::Shutdown));
    assert!(!kit.registry.is_registered("a"));
    // A permanent child stopped by its supervisor is not restarted, however long we wait.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[0].id, "a");
    assert_eq!(children[0].process, None);
    assert_eq!(
        sup.count_children().await.unwrap(),
        ChildCounts {
            specs: 2,
            active: 1,
            supervisors: 0,
            workers: 2
        }
    );
    // Terminating it again is not an error (OTP answers ok too).
    sup.terminate_child("a").await.unwrap();
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn terminate_child_of_a_temporary_child_forgets_it() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), kit.worker("t").restart(Restart::Temporary)])
        .start()
        .await
        .unwrap();
    sup.terminate_child("t").await.unwrap();
    assert_eq!(child_ids(&sup).await, ["a"]);
    assert_eq!(
        sup.restart_child("t").await.unwrap_err(),
        SupervisorError::NotFound("t".into())
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn restart_child_starts_a_stopped_child_in_its_place() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a", "b", "c"]).await;
    let old = kit.pid("b");
    sup.terminate_child("b").await.unwrap();
    let new = sup.restart_child("b").await.unwrap();
    assert_ne!(new.pid(), old);
    assert_eq!(kit.pid("b"), new.pid());
    // It keeps its place in the start order, so it stops between c and a.
    assert_eq!(child_ids(&sup).await, ["a", "b", "c"]);
    let mark = kit.mark();
    sup.stop().await.unwrap();
    assert_eq!(
        kit.since(mark),
        ["stop c shutdown", "stop b shutdown", "stop a shutdown"]
    );
}

#[tokio::test]
async fn restart_child_of_a_running_child_is_refused() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    let pid = kit.pid("a");
    assert_eq!(
        sup.restart_child("a").await.unwrap_err(),
        SupervisorError::Running("a".into())
    );
    assert_eq!(kit.pid("a"), pid);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn restart_child_whose_start_fails_reports_it_and_keeps_the_spec() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    sup.terminate_child("b").await.unwrap();
    kit.fail_next_starts("b", 1);
    assert_eq!(
        sup.restart_child("b").await.unwrap_err(),
        SupervisorError::StartFailed {
            id: "b".into(),
            reason: "init failed: error: b refused to start".into()
        }
    );
    assert_eq!(child_ids(&sup).await, ["a", "b"]);
    sup.restart_child("b").await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().active, 2);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn delete_child_removes_a_stopped_child_only() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    assert_eq!(
        sup.delete_child("a").await.unwrap_err(),
        SupervisorError::Running("a".into())
    );
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert_eq!(child_ids(&sup).await, ["b"]);
    // The id can be used again, at the end of the start order.
    sup.start_child(kit.worker("a")).await.unwrap();
    assert_eq!(child_ids(&sup).await, ["b", "a"]);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    let missing = SupervisorError::NotFound("zz".into());
    assert_eq!(sup.terminate_child("zz").await.unwrap_err(), missing);
    assert_eq!(sup.restart_child("zz").await.unwrap_err(), missing);
    assert_eq!(sup.delete_child("zz").await.unwrap_err(), missing);
    assert_eq!(missing.to_string(), "no child \"zz\"");
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn which_children_reports_id_process_kind_and_restart_in_start_order() {
    let kit = Kit::new();
    let inner = kit.clone();
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([
            kit.worker("a").restart(Restart::Transient),
            noex_core::supervisor::ChildSpec::supervisor("inner", move || {
                Supervisor::new(Strategy::OneForOne)
                    .child(inner.worker("x"))
                    .start()
            }),
            kit.worker("c").restart(Restart::Temporary),
        ])
        .start()
        .await
        .unwrap();
    let children = sup.which_children().await.unwrap();
    let summary: Vec<(&str, ChildKind, Restart)> = children
        .iter()
        .map(|c| (c.id.as_str(), c.kind, c.restart))
        .collect();
    assert_eq!(
        summary,
        [
            ("a", ChildKind::Worker, Restart::Transient),
            ("inner", ChildKind::Supervisor, Restart::Permanent),
            ("c", ChildKind::Worker, Restart::Temporary),
        ]
    );
    assert_eq!(children[0].process.as_ref().unwrap().pid(), kit.pid("a"));
    let inner = children[1].process.as_ref().unwrap();
    assert!(inner.downcast::<Supervisor>().is_some());
    assert_eq!(
        sup.count_children().await.unwrap(),
        ChildCounts {
            specs: 3,
            active: 3,
            supervisors: 1,
            workers: 2
        }
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn a_stopped_supervisor_answers_with_a_call_error() {
    let kit = Kit::new();
    let sup = start_ab(&kit).await;
    sup.stop().await.unwrap();
    assert!(matches!(
        sup.start_child(kit.worker("c")).await,
        Err(SupervisorError::Call(CallError::NotRunning { .. }))
    ));
    assert!(matches!(
        sup.which_children().await,
        Err(CallError::NotRunning { .. })
    ));
    assert!(!kit.registry.is_registered("c"), "c was never started");
}
