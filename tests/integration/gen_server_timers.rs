//! Timers: send_after, send_interval, cancel_timer (paused clock).

use std::time::Duration;

use noex_core::prelude::*;

use crate::support::{Journal, Probe, settle};

fn records(journal: &Journal) -> Vec<String> {
    journal
        .entries()
        .into_iter()
        .filter(|e| e.starts_with("record"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn send_after_delivers_once_after_the_delay() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    probe.after(100, 1).await.unwrap();
    tokio::time::advance(Duration::from_millis(99)).await;
    settle().await;
    assert!(records(&journal).is_empty());
    tokio::time::advance(Duration::from_millis(1)).await;
    settle().await;
    assert_eq!(records(&journal), ["record 1"]);
    tokio::time::advance(Duration::from_secs(10)).await;
    settle().await;
    assert_eq!(records(&journal), ["record 1"]);
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn send_interval_repeats_until_cancelled() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let timer = probe.every(50, 7).await.unwrap();
    for _ in 0..3 {
        tokio::time::advance(Duration::from_millis(50)).await;
        settle().await;
    }
    assert_eq!(records(&journal).len(), 3);
    assert!(probe.cancel(timer).await.unwrap());
    tokio::time::advance(Duration::from_millis(500)).await;
    settle().await;
    assert_eq!(records(&journal).len(), 3);
    // Cancelling again reports it was no longer active.
    assert!(!probe.cancel(timer).await.unwrap());
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_never_delivers_even_if_already_queued() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let timer = probe.after(10, 1).await.unwrap();
    // The handler sleeps past the deadline, so the timer's message is already queued
    // when the handler cancels it.
    assert!(probe.sleep_then_cancel(50, timer).await.unwrap());
    probe.get().await.unwrap();
    assert!(records(&journal).is_empty(), "{:?}", journal.entries());
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_fired_timer_cannot_be_cancelled() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let timer = probe.after(10, 3).await.unwrap();
    tokio::time::advance(Duration::from_millis(10)).await;
    settle().await;
    assert_eq!(records(&journal), ["record 3"]);
    assert!(!probe.cancel(timer).await.unwrap());
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn timers_end_with_their_server() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    probe.every(10, 1).await.unwrap();
    probe.after(1_000, 2).await.unwrap();
    probe.stop().await.unwrap();
    let before = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    // Past the calls' 5 s timeouts and the timeout watcher's linger, so the only tasks
    // that could remain are the timers.
    for _ in 0..10 {
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
    }
    assert!(records(&journal).is_empty());
    // The timer tasks were aborted with the server.
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0,
        "before: {before}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_spawned_task_delivers_its_output_as_a_message() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    probe.spawn_record(100, 8).await.unwrap();
    // The server is free while the task runs.
    assert_eq!(probe.add(1).await.unwrap(), 1);
    assert!(records(&journal).is_empty());
    tokio::time::advance(Duration::from_millis(100)).await;
    settle().await;
    assert_eq!(records(&journal), ["record 8"]);
    probe.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_task_never_delivers() {
    let journal = Journal::default();
    let probe = Probe::with_journal(&journal).start().await.unwrap();
    let task = probe.spawn_record(100, 9).await.unwrap();
    assert!(probe.cancel(task).await.unwrap());
    tokio::time::advance(Duration::from_secs(1)).await;
    settle().await;
    assert!(records(&journal).is_empty());
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_task_stops_its_server_with_the_panic() {
    let probe = Probe::default().start().await.unwrap();
    probe.spawn_panic().unwrap();
    assert_eq!(
        probe.wait().await,
        ExitReason::Panic("task exploded".into())
    );
}
