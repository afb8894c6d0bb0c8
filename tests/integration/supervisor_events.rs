//! Lifecycle events: started, exited, restarted (with the reason), terminated, start
//! failed, intensity exceeded; subscribable before the start and at any time after.

use noex_core::prelude::*;
use noex_core::supervisor::{Strategy, Supervisor, SupervisorEvent};
use tokio::sync::broadcast::error::RecvError;

use crate::supervisor_support::{Kit, drain, next_event};

#[tokio::test]
async fn a_subscription_before_the_start_sees_the_initial_starts() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne).children([kit.worker("a"), kit.worker("b")]);
    let mut events = sup.subscribe();
    let sup = sup.start().await.unwrap();
    let (a, b) = (kit.pid("a"), kit.pid("b"));
    assert_eq!(
        next_event(&mut events).await,
        SupervisorEvent::ChildStarted {
            id: "a".into(),
            pid: a
        }
    );
    assert_eq!(
        next_event(&mut events).await,
        SupervisorEvent::ChildStarted {
            id: "b".into(),
            pid: b
        }
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn a_crash_is_reported_as_exited_then_restarted_with_the_reason() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a"]).await;
    let mut events = sup.subscribe().await.unwrap();
    let old = kit.crash("a").await;
    let reason = ExitReason::Panic("worker a crashed".into());
    assert_eq!(
        next_event(&mut events).await,
        SupervisorEvent::ChildExited {
            id: "a".into(),
            pid: old.pid(),
            reason: reason.clone()
        }
    );
    let new = kit.pid("a");
    assert_eq!(
        next_event(&mut events).await,
        SupervisorEvent::ChildStarted {
            id: "a".into(),
            pid: new
        }
    );
    assert_eq!(
        next_event(&mut events).await,
        SupervisorEvent::ChildRestarted {
            id: "a".into(),
            pid: new,
            reason
        }
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn a_group_restart_reports_every_sibling_with_the_original_reason() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::RestForOne, &["a", "b", "c"]).await;
    let mut events = sup.subscribe().await.unwrap();
    kit.end("b", &ExitReason::error("lost connection")).await;
    sup.which_children().await.unwrap();
    assert_eq!(
        drain(&mut events),
        [
            "exited b (error: lost connection)",
            "terminated c (shutdown)",
            "started b",
            "restarted b (error: lost connection)",
            "started c",
            "restarted c (error: lost connection)",
        ]
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn runtime_operations_are_reported() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a"]).await;
    let mut events = sup.subscribe().await.unwrap();
    sup.start_child(kit.worker("b")).await.unwrap();
    sup.terminate_child("a").await.unwrap();
    sup.restart_child("a").await.unwrap();
    kit.fail_next_starts("c", 1);
    sup.start_child(kit.worker("c")).await.unwrap_err();
    kit.end("b", &ExitReason::Normal).await;
    sup.which_children().await.unwrap();
    assert_eq!(
        drain(&mut events),
        [
            "started b",
            "terminated a (shutdown)",
            "started a",
            "start failed c: init failed: error: c refused to start",
            "exited b (normal)",
            "started b",
            "restarted b (normal)",
        ]
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn the_event_stream_ends_when_the_supervisor_exits() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a"]).await;
    let mut events = sup.subscribe().await.unwrap();
    sup.stop().await.unwrap();
    assert_eq!(drain(&mut events), ["terminated a (shutdown)"]);
    assert_eq!(events.recv().await, Err(RecvError::Closed));
}

#[tokio::test]
async fn many_subscribers_each_get_every_event() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a"]).await;
    let mut first = sup.subscribe().await.unwrap();
    let mut second = sup.subscribe().await.unwrap();
    kit.crash("a").await;
    sup.which_children().await.unwrap();
    let expected = [
        "exited a (panic: worker a crashed)",
        "started a",
        "restarted a (panic: worker a crashed)",
    ];
    assert_eq!(drain(&mut first), expected);
    assert_eq!(drain(&mut second), expected);
    sup.stop().await.unwrap();
}
