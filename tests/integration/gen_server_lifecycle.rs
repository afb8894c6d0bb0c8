//! Start, init, stop, terminate, kill, crashes.

use std::time::Duration;

use noex_core::prelude::*;

use crate::support::{Journal, Probe, ProbeMsg, settle};

#[tokio::test]
async fn init_runs_in_the_new_process_before_start_returns() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    assert_eq!(journal.entries(), [format!("init {}", probe.pid())]);
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn a_failing_init_fails_start_and_leaves_nothing_registered() {
    let registry = Registry::new();
    let journal = Journal::default();
    let err = Probe {
        fail_init: Some("no database".into()),
        journal: journal.clone(),
        ..Probe::default()
    }
    .start_with(StartOptions::new().name_in(&registry, "db"))
    .await
    .unwrap_err();
    assert_eq!(err, StartError::Init(ExitReason::error("no database")));
    assert_eq!(err.to_string(), "init failed: error: no database");
    assert!(!registry.is_registered("db"));
    assert_eq!(registry.count(), 0);
    // OTP does not call terminate when init fails.
    assert!(journal.entries().is_empty());
}

#[tokio::test]
async fn a_panicking_init_fails_start_with_the_panic_message() {
    let err = Probe {
        panic_init: true,
        ..Probe::default()
    }
    .start()
    .await
    .unwrap_err();
    assert_eq!(
        err,
        StartError::Init(ExitReason::Panic("init exploded".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_init_times_out_and_the_process_is_killed() {
    let registry = Registry::new();
    let err = Probe {
        slow_init: Some(Duration::from_secs(10)),
        ..Probe::default()
    }
    .start_with(
        StartOptions::new()
            .init_timeout(Duration::from_secs(1))
            .name_in(&registry, "slow"),
    )
    .await
    .unwrap_err();
    assert_eq!(err, StartError::InitTimeout(Duration::from_secs(1)));
    assert!(!registry.is_registered("slow"));
}

#[test]
fn starting_outside_a_runtime_is_a_typed_error() {
    let err = futures_lite_block_on(Probe::default().start()).unwrap_err();
    assert_eq!(err, StartError::NoRuntime);
}

/// Polls a future to completion on the current thread without a tokio runtime.
fn futures_lite_block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[tokio::test]
async fn stop_returns_after_terminate_names_and_monitors() {
    let registry = Registry::new();
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal)
        .start_with(StartOptions::new().name_in(&registry, "probe"))
        .await
        .unwrap();
    let monitor = probe.monitor();
    probe.stop().await.unwrap();
    // Everything is observable the moment stop returns.
    assert!(journal.entries().contains(&"terminate normal".to_string()));
    assert!(!registry.is_registered("probe"));
    assert!(!probe.is_alive());
    let down = tokio::time::timeout(Duration::ZERO, monitor)
        .await
        .expect("the monitor was told before stop returned");
    assert_eq!(down.reason, ExitReason::Normal);
    assert_eq!(down.pid, probe.pid());
}

#[tokio::test]
async fn messages_queued_before_a_stop_are_handled_first() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    for n in 0..10 {
        probe.record(n).unwrap();
    }
    probe.stop_with(ExitReason::Shutdown).await.unwrap();
    let entries = journal.entries();
    let terminate_at = entries
        .iter()
        .position(|e| e == "terminate shutdown")
        .unwrap();
    assert_eq!(
        entries.iter().filter(|e| e.starts_with("record")).count(),
        10,
        "{entries:?}"
    );
    assert!(
        entries[..terminate_at]
            .iter()
            .filter(|e| e.starts_with("record"))
            .count()
            == 10
    );
}

#[tokio::test]
async fn stopping_twice_reports_the_first_exit() {
    let probe = Probe::default().start().await.unwrap();
    probe.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        probe.stop().await,
        Err(StopError::NotRunning {
            pid: probe.pid(),
            reason: ExitReason::Shutdown
        })
    );
}

#[tokio::test]
async fn a_handler_can_stop_its_server_after_replying() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    probe.add(9).await.unwrap();
    let queued = tokio::spawn({
        let p = probe.clone();
        async move {
            settle().await;
            p.get().await
        }
    });
    assert_eq!(
        probe
            .stop_after_reply(ExitReason::error("done"))
            .await
            .unwrap(),
        9
    );
    assert_eq!(probe.wait().await, ExitReason::error("done"));
    assert!(
        journal
            .entries()
            .contains(&"terminate error: done".to_string())
    );
    assert!(matches!(
        queued.await.unwrap(),
        Err(CallError::NotRunning { .. } | CallError::Exited { .. })
    ));
}

#[tokio::test]
async fn kill_skips_terminate_and_reports_killed() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let monitor = probe.monitor();
    assert_eq!(probe.kill().await, ExitReason::Killed);
    assert!(!journal.entries().iter().any(|e| e.starts_with("terminate")));
    assert_eq!(monitor.await.reason, ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn killing_a_server_mid_call_fails_the_caller_with_killed() {
    let probe = Probe::default().start().await.unwrap();
    let caller = tokio::spawn({
        let p = probe.clone();
        async move { p.sleep(10_000).await }
    });
    settle().await;
    probe.kill().await;
    assert_eq!(
        caller.await.unwrap(),
        Err(CallError::Exited {
            pid: probe.pid(),
            reason: ExitReason::Killed
        })
    );
}

#[tokio::test(start_paused = true)]
async fn stop_with_a_timeout_gives_up_on_a_busy_server() {
    let probe = Probe::default().start().await.unwrap();
    let _busy = tokio::spawn({
        let p = probe.clone();
        async move { p.sleep(60_000).await }
    });
    settle().await;
    let err = probe
        .stop_timeout(ExitReason::Shutdown, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StopError::Timeout {
            pid: probe.pid(),
            timeout: Duration::from_secs(1)
        }
    );
    assert!(probe.is_alive());
    assert_eq!(probe.kill().await, ExitReason::Killed);
}

#[tokio::test]
async fn a_crash_in_a_cast_is_reported_to_monitors_with_the_panic_message() {
    let probe = Probe::default().start().await.unwrap();
    let monitor = probe.monitor();
    probe.panic_cast().unwrap();
    let down = monitor.await;
    assert_eq!(down.reason, ExitReason::Panic("boom in a cast".into()));
    assert!(down.reason.is_abnormal());
}

#[tokio::test]
async fn monitoring_a_dead_process_notifies_at_once() {
    let probe = Probe::default().start().await.unwrap();
    probe.stop_with(ExitReason::Shutdown).await.unwrap();
    let down = tokio::time::timeout(Duration::ZERO, probe.monitor())
        .await
        .unwrap();
    assert_eq!(down.reason, ExitReason::Shutdown);
}

#[tokio::test]
async fn a_server_receives_down_for_the_processes_it_monitors() {
    let journal = Journal::default();
    let watcher = Probe::with_journal(&journal).start().await.unwrap();
    let target = Probe::default().start().await.unwrap();
    watcher.watch(target.to_process()).await.unwrap();
    target.panic_cast().unwrap();
    target.wait().await;
    watcher.get().await.unwrap();
    settle().await;
    watcher.get().await.unwrap();
    assert!(
        journal
            .entries()
            .contains(&format!("down {} panic: boom in a cast", target.pid())),
        "{:?}",
        journal.entries()
    );
    // Monitoring an already dead process: the Down comes at once.
    watcher.watch(target.to_process()).await.unwrap();
    watcher.get().await.unwrap();
    let downs = journal
        .entries()
        .iter()
        .filter(|e| e.starts_with("down"))
        .count();
    assert_eq!(downs, 2);
    watcher.stop().await.unwrap();
}

#[tokio::test]
async fn a_demonitored_process_sends_no_down() {
    let journal = Journal::default();
    let watcher = Probe::with_journal(&journal).start().await.unwrap();
    let target = Probe::default().start().await.unwrap();
    let monitor = watcher.watch(target.to_process()).await.unwrap();
    assert!(watcher.unwatch(monitor).await.unwrap());
    assert!(!watcher.unwatch(monitor).await.unwrap());
    target.stop().await.unwrap();
    watcher.get().await.unwrap();
    assert!(!journal.entries().iter().any(|e| e.starts_with("down")));
    watcher.stop().await.unwrap();
}

#[tokio::test]
async fn a_dropped_external_monitor_is_removed() {
    let target = Probe::default().start().await.unwrap();
    let monitor = target.monitor();
    drop(monitor);
    // A new monitor still works after the dropped one.
    let monitor = target.monitor();
    target.stop().await.unwrap();
    assert_eq!(monitor.await.reason, ExitReason::Normal);
}

#[tokio::test]
async fn awaiting_your_own_stop_is_an_error_not_a_deadlock() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(
        probe.await_own_stop().await.unwrap(),
        Err(StopError::CalledSelf { pid: probe.pid() })
    );
    assert!(probe.is_alive());
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn pids_are_fresh_for_every_start() {
    let a = Probe::default().start().await.unwrap();
    let b = Probe::default().start().await.unwrap();
    assert_ne!(a.pid(), b.pid());
    assert!(a.pid().to_string().starts_with("<0."));
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

#[tokio::test]
async fn a_call_variant_sent_as_a_cast_is_handled_with_its_reply_discarded() {
    let probe = Probe::default().start().await.unwrap();
    probe.cast(ProbeMsg::Add { by: 4 }).unwrap();
    assert_eq!(probe.get().await.unwrap(), 4);
    // A deferred one gets a detached handle.
    probe.cast(ProbeMsg::Later).unwrap();
    probe.release().unwrap();
    assert_eq!(probe.get().await.unwrap(), 4);
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_server_killed_during_init_does_not_start() {
    let registry = Registry::new();
    let killer = tokio::spawn({
        let registry = registry.clone();
        async move {
            // The name is registered before init runs, as in OTP.
            while !registry.is_registered("slow") {
                tokio::task::yield_now().await;
            }
            let process = registry.lookup_process("slow").unwrap();
            process.kill().await
        }
    });
    let err = Probe {
        slow_init: Some(Duration::from_millis(100)),
        ..Probe::default()
    }
    .start_with(StartOptions::new().name_in(&registry, "slow"))
    .await
    .unwrap_err();
    assert_eq!(err, StartError::Init(ExitReason::Killed));
    assert_eq!(killer.await.unwrap(), ExitReason::Killed);
    assert!(!registry.is_registered("slow"));
}

#[tokio::test(start_paused = true)]
async fn abandoning_a_start_mid_init_leaves_nothing_registered() {
    let registry = Registry::new();
    let start = Probe {
        slow_init: Some(Duration::from_secs(10)),
        ..Probe::default()
    }
    .start_with(StartOptions::new().name_in(&registry, "abandoned"));
    let outcome = tokio::time::timeout(Duration::from_millis(10), start).await;
    assert!(outcome.is_err(), "the start was still in init");
    assert!(!registry.is_registered("abandoned"));
}
