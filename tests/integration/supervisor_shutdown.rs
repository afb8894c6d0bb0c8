//! Start order, reverse stop order, and each child's shutdown: a timeout then a kill,
//! a brutal kill, or an unbounded wait. The clock is paused, so the time a shutdown
//! takes is exact.

use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{Shutdown, Strategy, Supervisor};
use tokio::time::Instant;

use crate::supervisor_support::{Kit, drain, strings};
use crate::support::settle;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn children_start_in_order_and_stop_in_reverse_order() {
    let kit = Kit::new();
    let sup =
        Supervisor::new(Strategy::OneForOne).children(["a", "b", "c", "d"].map(|n| kit.worker(n)));
    let mut events = sup.subscribe();
    let sup = sup.start().await.unwrap();
    assert_eq!(kit.since(0), ["start a", "start b", "start c", "start d"]);
    sup.stop().await.unwrap();
    assert_eq!(
        kit.since(4),
        [
            "stop d shutdown",
            "stop c shutdown",
            "stop b shutdown",
            "stop a shutdown",
        ]
    );
    assert_eq!(
        drain(&mut events),
        [
            "started a",
            "started b",
            "started c",
            "started d",
            "terminated d (shutdown)",
            "terminated c (shutdown)",
            "terminated b (shutdown)",
            "terminated a (shutdown)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn each_child_is_stopped_before_the_next_one_is_asked() {
    // With a slow terminate, a concurrent stop would interleave; a sequential one does
    // not: `b` has finished terminating before `a` is asked to stop.
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([
            kit.worker_with("a", Some(Duration::from_millis(5))),
            kit.worker_with("b", Some(Duration::from_millis(20))),
        ])
        .start()
        .await
        .unwrap();
    sup.stop().await.unwrap();
    assert_eq!(kit.since(2), ["stop b shutdown", "stop a shutdown"]);
}

/// Starts `[a, slow]` where `slow`'s terminate takes an hour and it has `shutdown`,
/// stops the supervisor, and returns how long that took and `slow`'s exit reason.
async fn stop_with_slow_child(shutdown: Option<Shutdown>) -> (Duration, ExitReason, Vec<String>) {
    let kit = Kit::new();
    let mut slow = kit.worker_with("slow", Some(HOUR));
    if let Some(shutdown) = shutdown {
        slow = slow.shutdown(shutdown);
    }
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([kit.worker("a"), slow])
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe().await.unwrap();
    let slow = kit.find("slow");
    let started = Instant::now();
    sup.stop().await.unwrap();
    let took = started.elapsed();
    let reason = slow.wait().await;
    // `a` is stopped after `slow`, whatever became of `slow`.
    assert_eq!(
        kit.since(2).last().map(String::as_str),
        Some("stop a shutdown")
    );
    let mut journal = kit.since(2);
    journal.pop();
    let events = drain(&mut events);
    assert_eq!(
        events.last().map(String::as_str),
        Some("terminated a (shutdown)")
    );
    assert_eq!(events[0], format!("terminated slow ({reason})"));
    (took, reason, journal)
}

#[tokio::test(start_paused = true)]
async fn a_child_that_ignores_shutdown_is_killed_when_its_timeout_runs_out() {
    let (took, reason, journal) =
        stop_with_slow_child(Some(Shutdown::Timeout(Duration::from_secs(2)))).await;
    assert_eq!(took, Duration::from_secs(2));
    assert_eq!(reason, ExitReason::Killed);
    assert!(journal.is_empty(), "terminate never finished: {journal:?}");
}

#[tokio::test(start_paused = true)]
async fn a_worker_gets_five_seconds_by_default() {
    let (took, reason, _) = stop_with_slow_child(None).await;
    assert_eq!(took, Duration::from_secs(5));
    assert_eq!(reason, ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn brutal_kill_does_not_wait_or_run_terminate() {
    let (took, reason, journal) = stop_with_slow_child(Some(Shutdown::BrutalKill)).await;
    assert_eq!(took, Duration::ZERO);
    assert_eq!(reason, ExitReason::Killed);
    assert!(journal.is_empty());
}

#[tokio::test(start_paused = true)]
async fn infinity_waits_for_terminate_however_long_it_takes() {
    let (took, reason, journal) = stop_with_slow_child(Some(Shutdown::Infinity)).await;
    assert_eq!(took, HOUR);
    assert_eq!(reason, ExitReason::Shutdown);
    assert_eq!(journal, ["stop slow shutdown"]);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_stops_within_its_timeout_is_not_killed() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .child(
            kit.worker_with("quick", Some(Duration::from_millis(300)))
                .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
        )
        .start()
        .await
        .unwrap();
    let quick = kit.find("quick");
    let started = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    assert_eq!(quick.wait().await, ExitReason::Shutdown);
    assert_eq!(kit.since(1), ["stop quick shutdown"]);
}

#[tokio::test(start_paused = true)]
async fn a_child_busy_in_a_handler_is_killed_when_its_timeout_runs_out() {
    // The stop request queues behind the call being handled (an hour-long one).
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .child(
            kit.worker("busy")
                .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
        )
        .start()
        .await
        .unwrap();
    let busy = kit.find("busy");
    let call = tokio::spawn({
        let busy = busy.with_timeout(2 * HOUR);
        async move { busy.busy(HOUR.as_millis() as u64).await }
    });
    // Let the call reach the worker before the supervisor stops it.
    settle().await;
    let started = Instant::now();
    sup.terminate_child("busy").await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(busy.wait().await, ExitReason::Killed);
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Exited {
            pid: busy.pid(),
            reason: ExitReason::Killed
        })
    );
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn terminate_child_applies_the_child_shutdown() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForOne)
        .children([
            kit.worker("a"),
            kit.worker_with("slow", Some(HOUR))
                .shutdown(Shutdown::Timeout(Duration::from_millis(250))),
        ])
        .start()
        .await
        .unwrap();
    let slow = kit.find("slow");
    let started = Instant::now();
    sup.terminate_child("slow").await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(250));
    assert_eq!(slow.exit_reason(), Some(ExitReason::Killed));
    sup.stop().await.unwrap();
    assert_eq!(kit.since(2), ["stop a shutdown"]);
}

#[tokio::test(start_paused = true)]
async fn a_group_restart_gives_each_sibling_its_shutdown_time() {
    let kit = Kit::new();
    let sup = Supervisor::new(Strategy::OneForAll)
        .children([
            kit.worker_with("a", Some(HOUR))
                .shutdown(Shutdown::Timeout(Duration::from_secs(3))),
            kit.worker("b"),
            kit.worker_with("c", Some(HOUR))
                .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        ])
        .start()
        .await
        .unwrap();
    let (a, c) = (kit.find("a"), kit.find("c"));
    let started = Instant::now();
    kit.crash("b").await;
    // Supervisor calls time out after 5 s like any call (OTP's wait forever); this one
    // waits behind 5 s of shutdowns.
    let sup = sup.with_timeout(HOUR);
    assert_eq!(sup.count_children().await.unwrap().active, 3);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(a.exit_reason(), Some(ExitReason::Killed));
    assert_eq!(c.exit_reason(), Some(ExitReason::Killed));
    assert_eq!(
        kit.since(3),
        strings(&[
            "stop b panic: worker b crashed",
            "start a",
            "start b",
            "start c"
        ])
    );
    sup.kill().await;
}

#[tokio::test]
async fn a_killed_supervisor_takes_its_children_down_with_it() {
    // What OTP's links do: the children of a killed supervisor exit with `killed`,
    // without running terminate.
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["a", "b"]).await;
    let (a, b) = (kit.find("a"), kit.find("b"));
    assert_eq!(sup.kill().await, ExitReason::Killed);
    assert_eq!(a.wait().await, ExitReason::Killed);
    assert_eq!(b.wait().await, ExitReason::Killed);
    assert_eq!(kit.since(2), Vec::<String>::new());
    assert_eq!(kit.registry.count(), 0);
}
