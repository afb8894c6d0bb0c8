//! EventBus delivery: order, panicking handlers, slow subscribers, and what happens to
//! queued events on unsubscribe, stop and kill.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use noex_core::event_bus::PublishError;
use noex_core::prelude::*;

use crate::event_bus_support::{
    Collector, channel_handler, ended, held_handler, held_on_first_of_three, numbers, receive,
    seen_numbers, start_bus, to_collector,
};
use crate::support::{Journal, settle};

#[tokio::test]
async fn each_subscriber_sees_the_events_in_publication_order() {
    let bus = start_bus().await;
    let journals: Vec<Journal> = (0..3).map(|_| Journal::default()).collect();
    let mut subs = Vec::new();
    for (pattern, journal) in ["seq.*", "*", "seq.n"].into_iter().zip(&journals) {
        let journal = journal.clone();
        subs.push(
            bus.subscribe(pattern, move |n: &u64, _: &str| journal.push(n.to_string()))
                .await
                .unwrap(),
        );
    }
    let collector = Collector::default().start().await.unwrap();
    subs.push(
        bus.subscribe_server("seq.*", &collector, to_collector)
            .await
            .unwrap(),
    );
    for n in 0..1_000 {
        bus.publish("seq.n", n).unwrap();
    }
    bus.publish_and_wait("seq.n", 1_000).await.unwrap();
    let expected: Vec<u64> = (0..=1_000).collect();
    for journal in &journals {
        assert_eq!(numbers(journal), expected);
    }
    let seen = seen_numbers(&collector).await;
    assert_eq!(seen, expected);
    bus.stop().await.unwrap();
    collector.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_publishers_events_stay_in_order_when_publishers_race() {
    const PUBLISHERS: u64 = 4;
    const EACH: u64 = 500;
    let bus = start_bus().await;
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let _sub = bus
        .subscribe("race.*", move |n: &u64, _: &str| {
            log.lock().unwrap().push(*n)
        })
        .await
        .unwrap();
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|p| {
            let bus = bus.clone();
            tokio::spawn(async move {
                for seq in 0..EACH {
                    bus.publish(&format!("race.p{p}"), p * 1_000_000 + seq)
                        .unwrap();
                    if seq % 50 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for publisher in publishers {
        publisher.await.unwrap();
    }
    // Everything published before this is handled before it.
    bus.publish_and_wait("race.flush", u64::MAX).await.unwrap();
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len() as u64, PUBLISHERS * EACH + 1);
    for p in 0..PUBLISHERS {
        let mine: Vec<u64> = received
            .iter()
            .filter(|&&n| n != u64::MAX && n / 1_000_000 == p)
            .map(|n| n % 1_000_000)
            .collect();
        assert_eq!(mine, (0..EACH).collect::<Vec<_>>(), "publisher {p}");
    }
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_stops_neither_the_bus_nor_other_handlers_nor_itself() {
    let bus = start_bus().await;
    let survivor = Journal::default();
    let log = survivor.clone();
    let _panicky = bus
        .subscribe("t", move |n: &u64, _: &str| {
            if n % 2 == 1 {
                panic!("odd event {n}");
            }
            log.push(n.to_string());
        })
        .await
        .unwrap();
    let (handler, mut rx) = channel_handler();
    let _calm = bus.subscribe("t", handler).await.unwrap();
    for n in 0..6 {
        // Still reaches both, and still answers once both have handled the event.
        assert_eq!(bus.publish_and_wait("t", n).await, Ok(2));
    }
    assert_eq!(numbers(&survivor), [0, 2, 4]);
    assert_eq!(receive(&mut rx, 6).await.len(), 6);
    assert!(bus.is_alive());
    assert_eq!(bus.subscription_count().await, Ok(2));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_async_handler_goes_on_with_the_next_event() {
    let bus = start_bus().await;
    let journal = Journal::default();
    let log = journal.clone();
    let _sub = bus
        .subscribe_async("t", move |event| {
            let log = log.clone();
            async move {
                tokio::task::yield_now().await;
                if *event.payload() == 1 {
                    panic!("async handler fails");
                }
                log.push(event.payload().to_string());
            }
        })
        .await
        .unwrap();
    for n in 0..3 {
        assert_eq!(bus.publish_and_wait("t", n).await, Ok(1));
    }
    assert_eq!(numbers(&journal), [0, 2]);
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_to_msg_costs_that_server_that_event_only() {
    let bus = start_bus().await;
    let collector = Collector::default().start().await.unwrap();
    let _sub = bus
        .subscribe_server("t", &collector, |n: &u64, topic: &str| {
            assert_ne!(*n, 2, "cannot convert event 2");
            to_collector(n, topic)
        })
        .await
        .unwrap();
    let (handler, mut rx) = channel_handler();
    let _other = bus.subscribe("t", handler).await.unwrap();
    for n in 1..=3 {
        assert_eq!(bus.publish_and_wait("t", n).await, Ok(2));
    }
    let seen = seen_numbers(&collector).await;
    assert_eq!(seen, [1, 3]);
    assert_eq!(receive(&mut rx, 3).await.len(), 3);
    assert!(bus.is_alive());
    bus.stop().await.unwrap();
    collector.stop().await.unwrap();
}

#[tokio::test]
async fn a_slow_subscriber_blocks_neither_publish_nor_the_other_subscribers() {
    let bus = start_bus().await;
    let (slow_handler, mut slow) = held_handler();
    let _slow = bus.subscribe_async("job.*", slow_handler).await.unwrap();
    let (fast_handler, mut fast) = channel_handler();
    let _fast = bus.subscribe("job.*", fast_handler).await.unwrap();
    let (audit_handler, mut audit) = channel_handler();
    let _audit = bus.subscribe("audit.*", audit_handler).await.unwrap();

    for n in 0..100 {
        assert_eq!(bus.publish("job.run", n), Ok(()));
    }
    // The fast subscriber gets every event while the slow one is stuck on the first.
    let got: Vec<u64> = receive(&mut fast, 100)
        .await
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert_eq!(receive(&mut slow.started, 1).await, [0]);
    assert!(slow.journal.entries().is_empty());
    // Waiting on a topic the slow subscriber does not match does not wait for it.
    assert_eq!(bus.publish_and_wait("audit.login", 7).await, Ok(1));
    assert_eq!(receive(&mut audit, 1).await, [("audit.login".into(), 7)]);

    // Let it go: it catches up, in order.
    slow.gate.add_permits(101);
    assert_eq!(bus.publish_and_wait("job.flush", 100).await, Ok(2));
    assert_eq!(numbers(&slow.journal), (0..=100).collect::<Vec<_>>());
    bus.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn publish_and_wait_waits_for_a_slow_handler() {
    let bus = start_bus().await;
    let (handler, mut held) = held_handler();
    let _sub = bus.subscribe_async("t", handler).await.unwrap();
    let waiting = tokio::spawn({
        let bus = bus.clone();
        async move { bus.publish_and_wait("t", 1).await }
    });
    assert_eq!(receive(&mut held.started, 1).await, [1]);
    settle().await;
    assert!(!waiting.is_finished(), "returned before the handler ran");
    held.gate.add_permits(1);
    assert_eq!(waiting.await.unwrap(), Ok(1));
    assert_eq!(numbers(&held.journal), [1]);
    bus.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn publish_and_wait_gives_up_after_the_call_timeout() {
    let bus = start_bus().await;
    let (handler, _held) = held_handler();
    let _sub = bus.subscribe_async("t", handler).await.unwrap();
    let err = bus
        .with_timeout(Duration::from_millis(100))
        .publish_and_wait("t", 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::Call(CallError::Timeout { timeout, .. }) if timeout == Duration::from_millis(100)),
        "{err:?}"
    );
    // The bus itself was never blocked.
    assert_eq!(bus.publish_and_wait("other", 2).await, Ok(0));
    bus.kill().await;
}

#[tokio::test]
async fn unsubscribe_discards_the_events_still_queued_for_the_subscription() {
    // Events 2 and 3 are already in the task's batch, not in the bus's queue.
    let (bus, sub, mut held) = held_on_first_of_three().await;
    assert_eq!(sub.unsubscribe().await, Ok(true));
    // The handler that was running finishes; no other starts.
    held.gate.add_permits(10);
    ended(held.alive).await;
    assert_eq!(numbers(&held.journal), [1]);
    assert!(held.started.try_recv().is_err());
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn dropping_a_subscription_stops_its_handler_before_the_bus_hears_of_it() {
    let (bus, sub, held) = held_on_first_of_three().await;
    drop(sub);
    held.gate.add_permits(10);
    ended(held.alive).await;
    assert_eq!(numbers(&held.journal), [1]);
    assert_eq!(bus.subscription_count().await, Ok(0));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn a_graceful_stop_lets_subscribers_finish_what_was_published_before_it() {
    let (bus, sub, held) = held_on_first_of_three().await;
    bus.stop().await.unwrap();
    assert!(sub.is_active(), "still running what was queued");
    held.gate.add_permits(3);
    ended(held.alive).await;
    assert_eq!(numbers(&held.journal), [1, 2, 3]);
    assert!(!sub.is_active());
}

#[tokio::test]
async fn a_killed_bus_ends_its_subscriptions_and_drops_what_was_queued() {
    let (bus, sub, held) = held_on_first_of_three().await;
    bus.kill().await;
    assert!(!sub.is_active());
    held.gate.add_permits(3);
    ended(held.alive).await;
    assert_eq!(numbers(&held.journal), [1]);
}

#[tokio::test]
async fn a_stopped_bus_ends_the_tasks_of_idle_subscriptions() {
    let bus = start_bus().await;
    let (handler, held) = held_handler();
    let _sub = bus.subscribe_async("t", handler).await.unwrap();
    bus.stop().await.unwrap();
    ended(held.alive).await;
}

#[tokio::test]
async fn flush_waits_for_a_held_subscriber_and_not_for_later_events() {
    let bus = start_bus().await;
    let (handler, mut held) = held_handler();
    let _sub = bus.subscribe_async("t", handler).await.unwrap();
    bus.publish("t", 1).unwrap();
    let flushing = tokio::spawn({
        let bus = bus.clone();
        async move { bus.flush().await }
    });
    assert_eq!(receive(&mut held.started, 1).await, [1]);
    // Published after the flush request: the flush does not wait for it.
    settle().await;
    bus.publish("t", 2).unwrap();
    settle().await;
    assert!(!flushing.is_finished(), "returned before the handler ran");
    held.gate.add_permits(1);
    assert_eq!(flushing.await.unwrap(), Ok(1));
    assert_eq!(numbers(&held.journal), [1]);
    held.gate.add_permits(1);
    bus.flush().await.unwrap();
    assert_eq!(numbers(&held.journal), [1, 2]);
    bus.stop().await.unwrap();
}
