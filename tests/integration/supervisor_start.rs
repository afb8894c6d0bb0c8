//! Starting a supervisor: a child that fails to start fails the supervisor's start with
//! that reason, and the children already started are stopped (in reverse order);
//! invalid configurations are refused with a message that says what to fix.

use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorError};

use crate::supervisor_support::{Kit, child_ids, drain};

fn init_error(text: &str) -> StartError {
    StartError::Init(ExitReason::error(text))
}

#[tokio::test]
async fn a_child_that_fails_to_start_fails_the_supervisor_start() {
    let kit = Kit::new();
    kit.fail_next_starts("c", 1);
    let sup =
        Supervisor::new(Strategy::OneForOne).children(["a", "b", "c", "d"].map(|n| kit.worker(n)));
    let mut events = sup.subscribe();
    let err = sup.start().await.unwrap_err();
    assert_eq!(
        err,
        init_error("child \"c\" failed to start: init failed: error: c refused to start")
    );
    // a and b were started, then stopped in reverse order; d was never started.
    assert_eq!(
        kit.since(0),
        ["start a", "start b", "stop b shutdown", "stop a shutdown"]
    );
    assert_eq!(
        drain(&mut events),
        [
            "started a",
            "started b",
            "start failed c: init failed: error: c refused to start",
            "terminated b (shutdown)",
            "terminated a (shutdown)",
        ]
    );
    assert_eq!(kit.registry.count(), 0, "nothing stays registered");
}

#[tokio::test]
async fn a_start_function_that_returns_an_error_fails_the_supervisor_start() {
    let kit = Kit::new();
    let err = Supervisor::new(Strategy::OneForAll)
        .child(kit.worker("a"))
        .child(ChildSpec::new("db", || async {
            Err::<ProcessRef, _>("connection refused")
        }))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        init_error("child \"db\" failed to start: connection refused")
    );
    assert_eq!(kit.since(0), ["start a", "stop a shutdown"]);
}

#[tokio::test]
async fn a_start_function_that_panics_fails_the_supervisor_start() {
    let kit = Kit::new();
    let err = Supervisor::new(Strategy::OneForOne)
        .child(kit.worker("a"))
        .child(ChildSpec::new(
            "bad",
            || -> std::future::Ready<Result<ProcessRef, BoxError>> { panic!("no config file") },
        ))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        init_error("child \"bad\" failed to start: start function panic: no config file")
    );
    assert_eq!(kit.since(0), ["start a", "stop a shutdown"]);
}

#[tokio::test]
async fn a_failed_start_leaves_no_task_behind() {
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let kit = Kit::new();
    kit.fail_next_starts("z", 1);
    let err = Supervisor::new(Strategy::OneForOne)
        .children(["a", "b", "c", "z"].map(|n| kit.worker(n)))
        .start()
        .await;
    assert!(err.is_err());
    assert_eq!(tasks(), before);
}

#[tokio::test]
async fn start_child_that_fails_keeps_no_spec_and_the_supervisor_runs_on() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a"]).await;
    kit.fail_next_starts("b", 1);
    let err = sup.start_child(kit.worker("b")).await.unwrap_err();
    assert_eq!(
        err,
        SupervisorError::StartFailed {
            id: "b".into(),
            reason: "init failed: error: b refused to start".into()
        }
    );
    assert_eq!(child_ids(&sup).await, ["a"]);
    // The id is free again.
    sup.start_child(kit.worker("b")).await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().active, 2);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn duplicate_child_ids_are_refused() {
    let kit = Kit::new();
    let err = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), kit.worker("b"), kit.worker("a")])
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        init_error("two children share the id \"a\": child ids must be unique")
    );
    assert_eq!(kit.since(0), Vec::<String>::new(), "nothing was started");
}

#[tokio::test]
async fn a_zero_period_is_refused() {
    let err = Supervisor::new(Strategy::OneForOne)
        .max_restarts(3, Duration::ZERO)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("the restart period is 0"), "{err}");
}

#[tokio::test]
async fn a_supervisor_without_children_starts_and_takes_children_later() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::RestForOne).start().await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    sup.start_child(kit.worker("a")).await.unwrap();
    sup.start_child(kit.worker("b")).await.unwrap();
    sup.stop().await.unwrap();
    assert_eq!(
        kit.since(0),
        ["start a", "start b", "stop b shutdown", "stop a shutdown"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_whose_start_times_out_leaves_nothing_running() {
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let kit = Kit::new();
    let hang = ChildSpec::new("hang", std::future::pending::<Result<ProcessRef, BoxError>>);
    let err = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), kit.worker("b"), hang])
        .start_with(StartOptions::new().init_timeout(Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert_eq!(err, StartError::InitTimeout(Duration::from_secs(1)));
    // The children already started are killed with the supervisor, as its links would
    // kill them: at once, without terminate, and (as links) without start waiting for it.
    for name in ["a", "b"] {
        if let Some(child) = kit.registry.whereis_process(name) {
            let exit = tokio::time::timeout(Duration::from_secs(60), child.wait()).await;
            assert_eq!(exit, Ok(ExitReason::Killed), "{name}");
        }
    }
    assert_eq!(kit.since(0), ["start a", "start b"], "no terminate ran");
    assert_eq!(kit.registry.count(), 0);
    crate::support::settle().await;
    assert_eq!(tasks(), before);
}
