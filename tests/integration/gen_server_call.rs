//! Calls and casts: replies, errors, timeouts, ordering.

use std::time::Duration;

use noex_core::prelude::*;

use crate::support::{Journal, Probe, ProbeMsg, settle};

#[tokio::test]
async fn call_returns_the_handlers_reply_and_cast_changes_state() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(probe.add(5).await.unwrap(), 5);
    probe.incr().unwrap();
    probe.incr().unwrap();
    assert_eq!(probe.get().await.unwrap(), 7);
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn application_errors_are_reply_values_and_the_server_goes_on() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(probe.add(u64::MAX - 1).await.unwrap(), u64::MAX - 1);
    assert_eq!(
        probe.checked(10).await.unwrap(),
        Err("overflow".to_string())
    );
    assert!(probe.is_alive());
    assert_eq!(probe.checked(1).await.unwrap(), Ok(u64::MAX));
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn calls_time_out_after_five_seconds_by_default() {
    let probe = Probe::default().start().await.unwrap();
    let started = tokio::time::Instant::now();
    let err = probe.sleep(6_000).await.unwrap_err();
    assert_eq!(
        err,
        CallError::Timeout {
            pid: probe.pid(),
            timeout: Duration::from_secs(5)
        }
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    // The server is still alive and handles the next call once the sleep is over.
    assert_eq!(probe.get().await.unwrap(), 0);
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_call_just_within_the_timeout_succeeds() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(probe.sleep(4_999).await.unwrap(), 4_999);
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_timeout_can_be_overridden_per_reference_and_per_server() {
    let probe = Probe::default().start().await.unwrap();
    let quick = probe.with_timeout(Duration::from_millis(100));
    let err = quick.sleep(200).await.unwrap_err();
    assert!(
        matches!(err, CallError::Timeout { timeout, .. } if timeout == Duration::from_millis(100))
    );
    // A longer override lets a slow call through; the original ref keeps 5 s.
    assert_eq!(
        probe
            .with_timeout(Duration::from_secs(10))
            .sleep(7_000)
            .await
            .unwrap(),
        7_000
    );
    assert!(matches!(
        probe.sleep(6_000).await,
        Err(CallError::Timeout { .. })
    ));
    probe.stop().await.unwrap();

    let patient = Probe::default()
        .start_with(StartOptions::new().call_timeout(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(patient.sleep(20_000).await.unwrap(), 20_000);
    patient.stop().await.unwrap();
}

#[tokio::test]
async fn a_call_to_a_stopped_server_fails_at_once() {
    let probe = Probe::default().start().await.unwrap();
    probe.stop().await.unwrap();
    assert_eq!(
        probe.get().await,
        Err(CallError::NotRunning { pid: probe.pid() })
    );
    assert!(matches!(
        probe.incr(),
        Err(CastError::NotRunning(ProbeMsg::Incr))
    ));
}

#[tokio::test]
async fn a_failed_cast_hands_the_message_back() {
    let probe = Probe::default().start().await.unwrap();
    probe.stop().await.unwrap();
    let err = probe.record(42).unwrap_err();
    assert_eq!(err.to_string(), "cast failed: the server is not running");
    assert!(matches!(err.into_inner(), ProbeMsg::Record(42)));
}

#[tokio::test]
async fn a_panic_during_a_call_gives_the_caller_the_reason() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let err = probe.panic().await.unwrap_err();
    assert_eq!(
        err,
        CallError::Exited {
            pid: probe.pid(),
            reason: ExitReason::Panic("boom".into())
        }
    );
    assert!(!probe.is_alive());
    assert_eq!(probe.exit_reason(), Some(ExitReason::Panic("boom".into())));
    // terminate ran with the crash reason, as in OTP.
    assert!(
        journal
            .entries()
            .contains(&"terminate panic: boom".to_string())
    );
    // Later callers learn the server is gone.
    assert_eq!(
        probe.get().await,
        Err(CallError::NotRunning { pid: probe.pid() })
    );
}

#[tokio::test]
async fn callers_queued_behind_a_crash_get_the_reason_not_a_hang() {
    let probe = Probe::default().start().await.unwrap();
    // Queue a slow call, the panic, and calls behind it.
    probe.panic_cast().unwrap();
    let waiting: Vec<_> = (0..5)
        .map(|_| {
            let p = probe.clone();
            tokio::spawn(async move { p.get().await })
        })
        .collect();
    for w in waiting {
        match w.await.unwrap() {
            Err(CallError::Exited { reason, .. }) => {
                assert_eq!(reason, ExitReason::Panic("boom in a cast".into()))
            }
            Err(CallError::NotRunning { .. }) => {}
            other => panic!("expected the crash to be reported, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_dropped_reply_handle_is_reported_as_no_reply() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(
        probe.drop_reply().await,
        Err(CallError::NoReply { pid: probe.pid() })
    );
    assert!(probe.is_alive());
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn deferred_replies_are_answered_later_while_the_server_goes_on() {
    let probe = Probe::default().start().await.unwrap();
    let a = tokio::spawn({
        let p = probe.clone();
        async move { p.later().await }
    });
    let b = tokio::spawn({
        let p = probe.clone();
        async move { p.later().await }
    });
    settle().await;
    // The server is not blocked by the parked replies.
    assert_eq!(probe.add(3).await.unwrap(), 3);
    probe.release().unwrap();
    assert_eq!(a.await.unwrap().unwrap(), 3);
    assert_eq!(b.await.unwrap().unwrap(), 3);
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn calling_yourself_is_an_error_not_a_deadlock() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(
        probe.call_self().await.unwrap(),
        Err(CallError::CalledSelf { pid: probe.pid() })
    );
    assert!(probe.is_alive());
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn messages_from_one_sender_are_handled_in_order() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    for n in 0..1_000 {
        probe.record(n).unwrap();
    }
    probe.get().await.unwrap();
    let recorded: Vec<String> = journal
        .entries()
        .into_iter()
        .filter(|e| e.starts_with("record"))
        .collect();
    let expected: Vec<String> = (0..1_000).map(|n| format!("record {n}")).collect();
    assert_eq!(recorded, expected);
    probe.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_of_many_concurrent_senders_keeps_its_order() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let senders: Vec<_> = (0..4u64)
        .map(|s| {
            let p = probe.clone();
            tokio::spawn(async move {
                for i in 0..500 {
                    p.record(s * 10_000 + i).unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    probe.get().await.unwrap();
    let entries = journal.entries();
    for s in 0..4u64 {
        let mine: Vec<u64> = entries
            .iter()
            .filter_map(|e| e.strip_prefix("record ")?.parse().ok())
            .filter(|n| n / 10_000 == s)
            .collect();
        assert_eq!(mine, (0..500).map(|i| s * 10_000 + i).collect::<Vec<_>>());
    }
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_full_bounded_mailbox_refuses_casts_and_cast_wait_waits() {
    let probe = Probe::default()
        .start_with(StartOptions::new().mailbox_capacity(2))
        .await
        .unwrap();
    // Keep the server busy in a handler so the mailbox fills.
    let busy = tokio::spawn({
        let p = probe.clone();
        async move { p.sleep(1_000).await }
    });
    settle().await;
    probe.incr().unwrap();
    probe.incr().unwrap();
    assert!(matches!(
        probe.incr(),
        Err(CastError::MailboxFull(ProbeMsg::Incr))
    ));
    // cast_wait waits for room instead of failing.
    let waiter = tokio::spawn({
        let p = probe.clone();
        async move { p.cast_wait(ProbeMsg::Incr).await.is_ok() }
    });
    settle().await;
    assert!(!waiter.is_finished());
    assert_eq!(busy.await.unwrap().unwrap(), 1_000);
    assert!(waiter.await.unwrap());
    assert_eq!(probe.get().await.unwrap(), 3);
    // A stop request is never refused by a full mailbox.
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn a_zero_capacity_mailbox_is_rejected_at_start() {
    let err = Probe::default()
        .start_with(StartOptions::new().mailbox_capacity(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::InvalidOptions(_)));
    assert!(err.to_string().contains("mailbox_capacity is 0"), "{err}");
}

#[test]
fn server_refs_are_clone_send_sync_debug_eq_hash() {
    fn check<T: Clone + Send + Sync + std::fmt::Debug + Eq + std::hash::Hash + 'static>() {}
    check::<ServerRef<Probe>>();
    check::<ProcessRef>();
}

#[tokio::test]
async fn server_refs_compare_and_hash_by_pid() {
    use std::collections::HashSet;
    let a = Probe::default().start().await.unwrap();
    let b = Probe::default().start().await.unwrap();
    let a2 = a.clone();
    assert_eq!(a, a2);
    assert_ne!(a, b);
    let set: HashSet<_> = [a.clone(), a2.clone(), b.clone()].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert!(format!("{a:?}").contains(&a.pid().to_string()));
    assert_eq!(a.to_process(), ProcessRef::from(&a2));
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_unbounded_timeout_is_accepted() {
    let probe = Probe::default().start().await.unwrap();
    let patient = probe.with_timeout(Duration::MAX);
    assert_eq!(patient.sleep(60_000).await.unwrap(), 60_000);
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_call_times_out_on_its_own_deadline_after_an_earlier_calls_wake_up() {
    // The first call leaves a wake-up for its task at t = 5 s; a later call from the
    // same task, still waiting then, must not time out before its own deadline (t = 8 s).
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(probe.get().await.unwrap(), 0);
    tokio::time::advance(Duration::from_secs(3)).await;
    let started = tokio::time::Instant::now();
    let err = probe.sleep(10_000).await.unwrap_err();
    assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_shorter_timeout_after_a_longer_one_still_fires_on_time() {
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(probe.get().await.unwrap(), 0);
    let quick = probe.with_timeout(Duration::from_millis(300));
    let started = tokio::time::Instant::now();
    assert!(matches!(
        quick.sleep(1_000).await,
        Err(CallError::Timeout { .. })
    ));
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    probe.stop().await.unwrap();
}
