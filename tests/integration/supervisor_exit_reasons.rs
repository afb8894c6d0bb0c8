//! Exit reasons and monitors, the ground supervision stands on: every stopped process
//! reports exactly one reason (normal, shutdown, an error, a panic with its message,
//! killed), and every monitor (a server's `handle_down`, or an external `Monitor`) is
//! told that reason.

use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{Strategy, Supervisor};

use crate::supervisor_support::{Kit, Worker, crashed};
use crate::support::{Journal, Probe};

/// Starts a worker, ends it with `reason` while a server and an external monitor watch
/// it, and checks both were told `reason`.
async fn check_reason_reaches_monitors(reason: ExitReason) {
    let kit = Kit::new();
    let journal = Journal::default();
    let watcher = Probe::with_journal(&journal).start().await.unwrap();
    let sup = Supervisor::new(Strategy::OneForOne)
        .child(
            kit.worker("w")
                .restart(noex_core::supervisor::Restart::Temporary),
        )
        .start()
        .await
        .unwrap();
    let worker: ServerRef<Worker> = kit.find("w");
    let monitor = worker.monitor();
    let monitor_ref = watcher.watch(worker.to_process()).await.unwrap();

    match &reason {
        ExitReason::Normal => worker.stop().await.unwrap(),
        ExitReason::Shutdown => sup.terminate_child("w").await.unwrap(),
        _ => {
            kit.end("w", &reason).await;
        }
    }
    let down = monitor.await;
    assert_eq!(down.pid, worker.pid());
    assert_eq!(down.reason, reason);
    assert_eq!(worker.exit_reason(), Some(reason.clone()));
    // The watcher's handle_down ran before it answers this call.
    watcher.get().await.unwrap();
    let init = format!("init {}", watcher.pid());
    assert_eq!(
        journal.entries(),
        [init, format!("down {} {reason}", worker.pid())]
    );
    assert_ne!(
        monitor_ref, down.monitor,
        "each monitor has its own reference"
    );
    sup.stop().await.unwrap();
    watcher.stop().await.unwrap();
}

#[tokio::test]
async fn a_normal_stop_is_reported_as_normal() {
    check_reason_reaches_monitors(ExitReason::Normal).await;
}

#[tokio::test]
async fn a_supervisor_shutdown_is_reported_as_shutdown() {
    check_reason_reaches_monitors(ExitReason::Shutdown).await;
}

#[tokio::test]
async fn a_user_error_is_reported_with_its_text() {
    check_reason_reaches_monitors(ExitReason::error("quota exceeded")).await;
}

#[tokio::test]
async fn a_panic_is_reported_with_its_message() {
    check_reason_reaches_monitors(crashed("w")).await;
}

#[tokio::test]
async fn a_kill_is_reported_as_killed() {
    check_reason_reaches_monitors(ExitReason::Killed).await;
}

#[tokio::test]
async fn monitoring_a_dead_process_notifies_the_server_at_once() {
    let journal = Journal::default();
    let watcher = Probe::with_journal(&journal).start().await.unwrap();
    let dead = Probe::default().start().await.unwrap();
    dead.stop_with(ExitReason::error("gone")).await.unwrap();
    watcher.watch(dead.to_process()).await.unwrap();
    watcher.get().await.unwrap();
    assert_eq!(
        journal.entries().last().unwrap(),
        &format!("down {} error: gone", dead.pid())
    );
    // And an external monitor resolves at once.
    let down = tokio::time::timeout(Duration::ZERO, dead.monitor())
        .await
        .unwrap();
    assert_eq!(down.reason, ExitReason::error("gone"));
    watcher.stop().await.unwrap();
}

#[tokio::test]
async fn a_removed_monitor_sends_nothing() {
    let journal = Journal::default();
    let watcher = Probe::with_journal(&journal).start().await.unwrap();
    let target = Probe::default().start().await.unwrap();
    let monitor = watcher.watch(target.to_process()).await.unwrap();
    assert!(watcher.unwatch(monitor).await.unwrap());
    target.kill().await;
    watcher.get().await.unwrap();
    assert_eq!(journal.entries(), [format!("init {}", watcher.pid())]);
    watcher.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_that_gives_up_reports_shutdown_to_its_monitors() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .max_restarts(0, Duration::from_secs(1))
        .child(kit.worker("w"))
        .start()
        .await
        .unwrap();
    let monitor = sup.monitor();
    kit.crash("w").await;
    let down = monitor.await;
    assert_eq!(down.pid, sup.pid());
    assert_eq!(down.reason, ExitReason::Shutdown);
}

#[test]
fn only_normal_and_shutdown_are_normal_exits() {
    let table = [
        (ExitReason::Normal, "normal", false),
        (ExitReason::Shutdown, "shutdown", false),
        (ExitReason::error("e"), "error: e", true),
        (ExitReason::Panic("p".into()), "panic: p", true),
        (ExitReason::Killed, "killed", true),
    ];
    for (reason, text, abnormal) in table {
        assert_eq!(reason.to_string(), text);
        assert_eq!(reason.is_abnormal(), abnormal, "{reason}");
    }
}
