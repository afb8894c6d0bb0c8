//! Restart intensity: more than `max_restarts` restarts within `period` make the
//! supervisor stop every child and exit with reason `Shutdown`. The clock is paused, so
//! every restart happens at an exact instant.
//!
//! The window edge follows OTP: a restart still counts while no more than `period` has
//! passed since it, so with 3 in 5 s, restarts at 0, 1, 2 and 5 s are four within the
//! period, and a fourth at 5 s + 1 ms is only the third.

use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{Restart, Strategy, Supervisor, SupervisorError, SupervisorRef};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use noex_core::supervisor::ChildSpec;

use crate::supervisor_support::{Kit, Worker, drain, events_until, strings};

const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3600);

/// `[a, b]`, one-for-one, OTP's default intensity (3 in 5 s).
async fn start_default(kit: &Kit) -> SupervisorRef {
    kit.supervise(Strategy::OneForOne, &["a", "b"]).await
}

/// Crashes `b` and waits until the supervisor has handled it. Returns false if the
/// supervisor is gone (it gave up).
async fn crash_b(kit: &Kit, sup: &SupervisorRef) -> bool {
    kit.crash("b").await;
    sup.count_children().await.is_ok()
}

/// Asserts the supervisor gave up: it exited with `Shutdown` after stopping `a`, and
/// neither child runs.
async fn assert_gave_up(kit: &Kit, sup: &SupervisorRef, a: &ServerRef<Worker>) {
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    assert!(!a.is_alive());
    assert_eq!(a.exit_reason(), Some(ExitReason::Shutdown));
    assert_eq!(kit.registry.count(), 0, "no child is left registered");
}

/// `[a, b]` with the default intensity; `b` crashed at 0, 1 and 2 s; now is 3 s.
async fn crash_b_at_0_1_and_2_s() -> (Kit, SupervisorRef) {
    let kit = Kit::new();
    let sup = start_default(&kit).await;
    for _ in 0..3 {
        assert!(crash_b(&kit, &sup).await);
        tokio::time::advance(SECOND).await;
    }
    (kit, sup)
}

/// Crashes `b` once more, which exceeds the intensity: the supervisor gives up.
async fn last_straw(kit: &Kit, sup: &SupervisorRef) {
    let a = kit.find("a");
    assert!(!crash_b(kit, sup).await, "the supervisor gave up");
    assert_gave_up(kit, sup, &a).await;
}

#[tokio::test(start_paused = true)]
async fn three_restarts_in_five_seconds_are_tolerated() {
    let (kit, sup) = crash_b_at_0_1_and_2_s().await;
    // t = 3 s: three restarts at 0, 1 and 2 s, all within the period.
    assert!(sup.is_alive());
    assert_eq!(sup.count_children().await.unwrap().active, 2);
    let a_starts = kit.since(0).iter().filter(|e| *e == "start a").count();
    assert_eq!(a_starts, 1, "a was never touched");
    assert_eq!(kit.find("b").bump().await.unwrap(), 1, "b runs, fresh");
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_fourth_restart_in_five_seconds_shuts_the_supervisor_down() {
    let (kit, sup) = crash_b_at_0_1_and_2_s().await;
    let mut events = sup.subscribe().await.unwrap();
    let mark = kit.mark();
    // t = 3 s: restarts at 0, 1, 2 and 3 s.
    last_straw(&kit, &sup).await;
    assert_eq!(
        drain(&mut events),
        [
            "exited b (panic: worker b crashed)",
            "intensity exceeded (3 in 5s)",
            "terminated a (shutdown)",
        ]
    );
    assert_eq!(
        kit.since(mark),
        ["stop b panic: worker b crashed", "stop a shutdown"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_restart_exactly_one_period_old_still_counts() {
    let (kit, sup) = crash_b_at_0_1_and_2_s().await;
    // t = 5 s: the restart at 0 s is exactly 5 s old, still within the period.
    tokio::time::advance(2 * SECOND).await;
    last_straw(&kit, &sup).await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_more_than_one_period_old_is_forgotten() {
    let (kit, sup) = crash_b_at_0_1_and_2_s().await;
    // t = 5.001 s: the restart at 0 s has left the window; 1, 2 and 5.001 s remain.
    tokio::time::advance(2 * SECOND + Duration::from_millis(1)).await;
    assert!(crash_b(&kit, &sup).await);
    assert!(sup.is_alive());
    // A fourth at the same instant: 1, 2, 5.001, 5.001 are four within the period.
    last_straw(&kit, &sup).await;
}

#[tokio::test(start_paused = true)]
async fn a_slow_trickle_of_crashes_never_exceeds_the_intensity() {
    let kit = Kit::new();
    let sup = start_default(&kit).await;
    // One crash every 2 s: never more than 3 within any 5 s.
    for _ in 0..20 {
        assert!(crash_b(&kit, &sup).await);
        tokio::time::advance(2 * SECOND).await;
    }
    assert_eq!(sup.count_children().await.unwrap().active, 2);
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn max_restarts_zero_makes_the_first_crash_fatal() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .max_restarts(0, SECOND)
        .children([kit.worker("a"), kit.worker("b")])
        .start()
        .await
        .unwrap();
    last_straw(&kit, &sup).await;
}

#[tokio::test(start_paused = true)]
async fn a_group_restart_counts_as_one_restart() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForAll, &["a", "b", "c"]).await;
    for _ in 0..3 {
        assert!(crash_b(&kit, &sup).await);
    }
    assert_eq!(sup.count_children().await.unwrap().active, 3);
    last_straw(&kit, &sup).await;
}

#[tokio::test(start_paused = true)]
async fn exits_that_are_not_restarted_do_not_count() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .max_restarts(1, Duration::from_secs(60))
        .children([kit.worker("a"), kit.worker("b").restart(Restart::Transient)])
        .start()
        .await
        .unwrap();
    // Ten normal exits of a transient child, each followed by a manual restart_child
    // (which OTP does not count either).
    for _ in 0..10 {
        kit.end("b", &ExitReason::Normal).await;
        assert_eq!(sup.count_children().await.unwrap().active, 1);
        sup.restart_child("b").await.unwrap();
    }
    // The budget of one restart is still whole.
    assert!(crash_b(&kit, &sup).await);
    assert!(!crash_b(&kit, &sup).await);
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_restart_that_fails_to_start_counts_and_is_retried() {
    let kit = Kit::new();
    let sup = start_default(&kit).await;
    let mut events = sup.subscribe().await.unwrap();
    // The restart after the crash (1) fails twice (2, 3), then succeeds: 3 in 5 s.
    kit.fail_next_starts("b", 2);
    kit.crash("b").await;
    assert_eq!(
        events_until(&mut events, "restarted b (panic: worker b crashed)").await,
        [
            "exited b (panic: worker b crashed)",
            "start failed b: init failed: error: b refused to start",
            "start failed b: init failed: error: b refused to start",
            "started b",
            "restarted b (panic: worker b crashed)",
        ]
    );
    assert_eq!(kit.find("b").bump().await.unwrap(), 1);
    // Any further restart within the period is the fourth.
    last_straw(&kit, &sup).await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_that_keeps_failing_exceeds_the_intensity() {
    let kit = Kit::new();
    let sup = start_default(&kit).await;
    let mut events = sup.subscribe().await.unwrap();
    let a = kit.find("a");
    kit.fail_next_starts("b", 100);
    kit.crash("b").await;
    assert_gave_up(&kit, &sup, &a).await;
    let failed = "start failed b: init failed: error: b refused to start";
    let mut expected = strings(&["exited b (panic: worker b crashed)"]);
    expected.extend([failed; 3].map(String::from));
    expected.extend(strings(&[
        "intensity exceeded (3 in 5s)",
        "terminated a (shutdown)",
    ]));
    assert_eq!(drain(&mut events), expected);
}

/// Worker `b`, whose start takes 5 s and then fails while `hang` is set.
fn hanging_worker(kit: &Kit, hang: &Arc<AtomicBool>) -> ChildSpec {
    let (kit, hang) = (kit.clone(), hang.clone());
    ChildSpec::new("b", move || {
        let hang = hang.load(Ordering::SeqCst);
        let start = kit.start_worker("b", None);
        async move {
            if hang {
                tokio::time::sleep(5 * SECOND).await;
                return Err("the database did not answer".into());
            }
            start.await.map_err(BoxError::from)
        }
    })
}

const HUNG: &str = "start failed b: the database did not answer";

#[tokio::test(start_paused = true)]
async fn a_supervisor_retrying_a_failed_restart_still_answers_and_can_be_stopped() {
    // OTP retries a failed restart through the supervisor's mailbox, so requests (a
    // shutdown, say) are handled between attempts. Here every attempt takes 5 s before it
    // fails, so the attempts never exceed 3 in 5 s and go on as long as the supervisor
    // runs.
    let kit = Kit::new();
    let hang = Arc::new(AtomicBool::new(false));
    let spec = hanging_worker(&kit, &hang);
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), spec])
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe().await.unwrap();
    let a = kit.find("a");
    hang.store(true, Ordering::SeqCst);
    kit.crash("b").await;
    for _ in 0..5 {
        events_until(&mut events, HUNG).await;
        let counts = sup.with_timeout(HOUR).count_children().await.unwrap();
        assert_eq!((counts.specs, counts.active), (2, 1));
    }
    let stopped = tokio::time::timeout(Duration::from_secs(60), sup.stop()).await;
    assert_eq!(
        stopped,
        Ok(Ok(())),
        "the supervisor stops between two attempts"
    );
    assert_eq!(a.exit_reason(), Some(ExitReason::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn a_child_waiting_for_a_retry_is_restarting_until_terminated() {
    let kit = Kit::new();
    let hang = Arc::new(AtomicBool::new(false));
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), hanging_worker(&kit, &hang)])
        .start()
        .await
        .unwrap();
    let sup = sup.with_timeout(HOUR);
    let mut events = sup.subscribe().await.unwrap();
    hang.store(true, Ordering::SeqCst);
    kit.crash("b").await;
    events_until(&mut events, HUNG).await;
    // OTP's answers for a child in the `restarting` state.
    let restarting = SupervisorError::Restarting("b".into());
    assert_eq!(sup.restart_child("b").await.unwrap_err(), restarting);
    assert_eq!(sup.delete_child("b").await.unwrap_err(), restarting);
    assert_eq!(sup.which_children().await.unwrap()[1].process, None);
    // terminate_child calls the retries off; the next start is by hand.
    hang.store(false, Ordering::SeqCst);
    sup.terminate_child("b").await.unwrap();
    drain(&mut events);
    tokio::time::sleep(HOUR).await;
    assert_eq!(sup.which_children().await.unwrap()[1].process, None);
    assert_eq!(drain(&mut events), Vec::<String>::new(), "no retry ran");
    let b = sup.restart_child("b").await.unwrap();
    assert_eq!(b.pid(), kit.pid("b"));
    sup.stop().await.unwrap();
}
