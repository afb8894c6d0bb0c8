//! EventBus: start, subscribe (closures, async closures, servers), publish,
//! publish-and-wait, unsubscribe, stop, and every error.

use noex_core::LookupError;
use noex_core::event_bus::{EventBus, PublishError, SubscribeError, TopicError};
use noex_core::prelude::*;

use crate::event_bus_support::{
    Collector, channel_handler, ended, receive, seen_numbers, start_bus, to_collector,
};
use crate::support::Journal;

#[tokio::test]
async fn publish_and_wait_runs_every_matching_handler_and_counts_them() {
    let bus = start_bus().await;
    let journal = Journal::default();
    let mut subs = Vec::new();
    for pattern in ["order.created", "order.*", "*", "user.*"] {
        let (journal, tag) = (journal.clone(), pattern.to_string());
        subs.push(
            bus.subscribe(pattern, move |n: &u64, topic: &str| {
                journal.push(format!("{tag} got {topic} {n}"));
            })
            .await
            .unwrap(),
        );
    }
    assert_eq!(bus.publish_and_wait("order.created", 7).await, Ok(3));
    // Every matching handler has run by now.
    let mut entries = journal.entries();
    entries.sort();
    assert_eq!(
        entries,
        [
            "* got order.created 7",
            "order.* got order.created 7",
            "order.created got order.created 7",
        ]
    );
    assert_eq!(bus.publish_and_wait("nothing.here.at.all", 1).await, Ok(1));
    assert_eq!(bus.subscription_count().await, Ok(4));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn publish_returns_at_once_and_the_event_arrives() {
    let bus = start_bus().await;
    let (handler, mut rx) = channel_handler();
    let _sub = bus.subscribe("user.created", handler).await.unwrap();
    assert_eq!(bus.publish("user.created", 1), Ok(()));
    assert_eq!(bus.publish("user.deleted", 2), Ok(()));
    assert_eq!(bus.publish("user.created", 3), Ok(()));
    assert_eq!(
        receive(&mut rx, 2).await,
        [("user.created".into(), 1), ("user.created".into(), 3)]
    );
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn async_handlers_get_the_whole_event() {
    let bus = start_bus().await;
    let journal = Journal::default();
    let log = journal.clone();
    let _sub = bus
        .subscribe_async("job.*", move |event| {
            let log = log.clone();
            async move {
                tokio::task::yield_now().await;
                log.push(format!("{} {}", event.topic(), event.payload()));
            }
        })
        .await
        .unwrap();
    assert_eq!(bus.publish_and_wait("job.done", 5).await, Ok(1));
    assert_eq!(journal.entries(), ["job.done 5"]);
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn events_are_typed() {
    #[derive(Debug, PartialEq)]
    enum OrderEvent {
        Created { id: u32, total_cents: u64 },
        Shipped { id: u32, tracking: String },
    }
    let bus = EventBus::<OrderEvent>::new().start().await.unwrap();
    let journal = Journal::default();
    let log = journal.clone();
    let _sub = bus
        .subscribe(
            "order.*",
            move |event: &OrderEvent, _topic: &str| match event {
                OrderEvent::Created { id, total_cents } => log.push(format!("{id}: {total_cents}")),
                OrderEvent::Shipped { id, tracking } => log.push(format!("{id}: {tracking}")),
            },
        )
        .await
        .unwrap();
    bus.publish_and_wait(
        "order.created",
        OrderEvent::Created {
            id: 1,
            total_cents: 9999,
        },
    )
    .await
    .unwrap();
    bus.publish_and_wait(
        "order.shipped",
        OrderEvent::Shipped {
            id: 1,
            tracking: "ZX1".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(journal.entries(), ["1: 9999", "1: ZX1"]);
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn invalid_topics_are_rejected_with_a_clear_error() {
    let bus = start_bus().await;
    let cases = [
        ("", TopicError::Empty("topic")),
        (
            "a..b",
            TopicError::EmptySegment {
                kind: "topic",
                text: "a..b".into(),
            },
        ),
        (
            ".a",
            TopicError::EmptySegment {
                kind: "topic",
                text: ".a".into(),
            },
        ),
        (
            "a.",
            TopicError::EmptySegment {
                kind: "topic",
                text: "a.".into(),
            },
        ),
        ("user.*", TopicError::WildcardInTopic("user.*".into())),
        ("*", TopicError::WildcardInTopic("*".into())),
    ];
    for (topic, expected) in cases {
        assert_eq!(
            bus.publish(topic, 1),
            Err(PublishError::InvalidTopic(expected.clone())),
            "{topic:?}"
        );
        assert_eq!(
            bus.publish_and_wait(topic, 1).await,
            Err(PublishError::InvalidTopic(expected)),
            "{topic:?}"
        );
    }
    let message = bus.publish("a..b", 1).unwrap_err().to_string();
    assert!(message.contains("empty segment"), "{message}");
    assert!(
        message.contains("order.created"),
        "shows the right form: {message}"
    );
    let message = bus.publish("a.*", 1).unwrap_err().to_string();
    assert!(
        message.contains("wildcards belong in subscription patterns"),
        "{message}"
    );
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn invalid_patterns_are_rejected_with_a_clear_error() {
    let bus = start_bus().await;
    let collector = Collector::default().start().await.unwrap();
    let cases = [
        ("", TopicError::Empty("pattern")),
        (
            "user..x",
            TopicError::EmptySegment {
                kind: "pattern",
                text: "user..x".into(),
            },
        ),
        (
            "user.",
            TopicError::EmptySegment {
                kind: "pattern",
                text: "user.".into(),
            },
        ),
        ("us*r.x", TopicError::PartialWildcard("us*r.x".into())),
        ("user.**", TopicError::PartialWildcard("user.**".into())),
    ];
    for (pattern, expected) in cases {
        let err = bus
            .subscribe(pattern, |_: &u64, _: &str| {})
            .await
            .unwrap_err();
        assert_eq!(
            err,
            SubscribeError::InvalidPattern(expected.clone()),
            "{pattern:?}"
        );
        let err = bus
            .subscribe_async(pattern, |_| async {})
            .await
            .unwrap_err();
        assert_eq!(err, SubscribeError::InvalidPattern(expected.clone()));
        let err = bus
            .subscribe_server(pattern, &collector, to_collector)
            .await
            .unwrap_err();
        assert_eq!(err, SubscribeError::InvalidPattern(expected));
    }
    let message = bus
        .subscribe("us*r", |_: &u64, _: &str| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("\"user.*\""),
        "shows the right form: {message}"
    );
    assert_eq!(bus.subscription_count().await, Ok(0));
    bus.stop().await.unwrap();
    collector.stop().await.unwrap();
}

#[tokio::test]
async fn a_named_bus_is_found_through_the_registry_by_its_event_type() {
    let registry = Registry::new();
    let bus = EventBus::<u64>::new()
        .start_with(StartOptions::new().name_in(&registry, "event-bus"))
        .await
        .unwrap();
    let found = registry.lookup::<EventBus<u64>>("event-bus").unwrap();
    assert_eq!(found, bus);
    assert_eq!(found.publish_and_wait("a.b", 1).await, Ok(0));
    // A bus of another event type is another server type.
    assert!(matches!(
        registry.lookup::<EventBus<String>>("event-bus"),
        Err(LookupError::WrongType { .. })
    ));
    bus.stop().await.unwrap();
    assert!(!registry.is_registered("event-bus"));
}

#[tokio::test]
async fn dropping_a_subscription_unsubscribes() {
    let bus = start_bus().await;
    let journal = Journal::default();
    let log = journal.clone();
    let sub = bus
        .subscribe("t", move |n: &u64, _: &str| log.push(n.to_string()))
        .await
        .unwrap();
    assert!(sub.is_active());
    assert_eq!(bus.publish_and_wait("t", 1).await, Ok(1));
    drop(sub);
    assert_eq!(bus.publish_and_wait("t", 2).await, Ok(0));
    assert_eq!(bus.subscription_count().await, Ok(0));
    assert_eq!(journal.entries(), ["1"]);
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn unsubscribe_confirms_and_says_whether_the_subscription_was_live() {
    let bus = start_bus().await;
    let keep = bus.subscribe("t", |_: &u64, _: &str| {}).await.unwrap();
    let sub = bus.subscribe("t", |_: &u64, _: &str| {}).await.unwrap();
    assert_ne!(sub.id(), keep.id());
    assert_eq!(bus.subscription_count().await, Ok(2));
    assert_eq!(sub.unsubscribe().await, Ok(true));
    // The bus has removed it by the time unsubscribe returns.
    assert_eq!(bus.subscription_count().await, Ok(1));
    assert_eq!(bus.publish_and_wait("t", 1).await, Ok(1));
    assert!(format!("{keep:?}").starts_with("Subscription { id: "));
    bus.stop().await.unwrap();
    // After the bus stopped, there is nothing left to unsubscribe from.
    assert_eq!(keep.unsubscribe().await, Ok(false));
}

#[tokio::test]
async fn a_detached_subscription_lives_as_long_as_the_bus() {
    let bus = start_bus().await;
    let (handler, mut rx) = channel_handler();
    bus.subscribe("t", handler).await.unwrap().detach();
    assert_eq!(bus.publish_and_wait("t", 1).await, Ok(1));
    assert_eq!(receive(&mut rx, 1).await, [("t".into(), 1)]);
    assert_eq!(bus.subscription_count().await, Ok(1));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn server_subscribers_receive_events_as_casts() {
    let bus = start_bus().await;
    let collector = Collector::default().start().await.unwrap();
    let _sub = bus
        .subscribe_server("order.*", &collector, to_collector)
        .await
        .unwrap();
    assert_eq!(bus.publish_and_wait("order.created", 1).await, Ok(1));
    assert_eq!(bus.publish_and_wait("user.created", 2).await, Ok(0));
    assert_eq!(bus.publish_and_wait("order.paid", 3).await, Ok(1));
    // publish_and_wait returned once the casts were queued: a later call sees them.
    assert_eq!(
        collector.seen().await.unwrap(),
        [("order.created".into(), 1), ("order.paid".into(), 3)]
    );
    bus.stop().await.unwrap();
    collector.stop().await.unwrap();
}

#[tokio::test]
async fn a_server_subscription_ends_when_the_server_exits() {
    let bus = start_bus().await;
    let collector = Collector::default().start().await.unwrap();
    let sub = bus
        .subscribe_server("*", &collector, to_collector)
        .await
        .unwrap();
    let (handler, _rx) = channel_handler();
    let _other = bus.subscribe("*", handler).await.unwrap();
    collector.kill().await;
    // The bus was told (its Down is queued before this call).
    assert_eq!(bus.subscription_count().await, Ok(1));
    assert!(!sub.is_active());
    assert_eq!(bus.publish_and_wait("a", 1).await, Ok(1));
    assert_eq!(sub.unsubscribe().await, Ok(false));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn subscribing_a_server_that_has_exited_ends_at_once() {
    let bus = start_bus().await;
    let collector = Collector::default().start().await.unwrap();
    collector.stop().await.unwrap();
    let sub = bus
        .subscribe_server("*", &collector, to_collector)
        .await
        .unwrap();
    assert_eq!(bus.subscription_count().await, Ok(0));
    assert!(!sub.is_active());
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn a_stopped_bus_refuses_everything_with_typed_errors() {
    let bus = start_bus().await;
    let sub = bus.subscribe("t", |_: &u64, _: &str| {}).await.unwrap();
    bus.stop().await.unwrap();
    assert_eq!(bus.publish("t", 1), Err(PublishError::NotRunning));
    assert_eq!(
        bus.publish("t", 1).unwrap_err().to_string(),
        "the event bus is not running"
    );
    assert!(matches!(
        bus.publish_and_wait("t", 1).await,
        Err(PublishError::Call(CallError::NotRunning { .. }))
    ));
    assert!(matches!(
        bus.subscribe("t", |_: &u64, _: &str| {}).await,
        Err(SubscribeError::Call(CallError::NotRunning { .. }))
    ));
    assert!(matches!(
        bus.subscription_count().await,
        Err(CallError::NotRunning { .. })
    ));
    assert_eq!(sub.unsubscribe().await, Ok(false));
}

#[tokio::test]
async fn a_full_bounded_bus_says_so() {
    let bus = EventBus::<u64>::new()
        .start_with(StartOptions::new().mailbox_capacity(1))
        .await
        .unwrap();
    // Nothing yields in between: the bus cannot take the first event before the second.
    assert_eq!(bus.publish("t", 1), Ok(()));
    assert_eq!(bus.publish("t", 2), Err(PublishError::MailboxFull));
    assert!(
        bus.publish("t", 3)
            .unwrap_err()
            .to_string()
            .contains("mailbox is full")
    );
    // publish_and_wait waits for room instead.
    assert_eq!(bus.publish_and_wait("t", 4).await, Ok(0));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_subscribe_leaves_no_subscription_behind() {
    let bus = start_bus().await;
    let journal = Journal::default();
    let log = journal.clone();
    // Polled once (the subscribe request is sent), then dropped mid-call.
    {
        let subscribing = bus.subscribe("t", move |n: &u64, _: &str| log.push(n.to_string()));
        let mut subscribing = std::pin::pin!(subscribing);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(subscribing.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(bus.subscription_count().await, Ok(0));
    assert_eq!(bus.publish_and_wait("t", 1).await, Ok(0));
    assert!(journal.entries().is_empty());
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn an_ended_subscription_drops_its_handler() {
    let bus = start_bus().await;
    let (alive_tx, alive) = tokio::sync::oneshot::channel::<()>();
    let sub = bus
        .subscribe("t", move |_: &u64, _: &str| {
            let _ = &alive_tx;
        })
        .await
        .unwrap();
    assert_eq!(sub.unsubscribe().await, Ok(true));
    ended(alive).await;
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn flush_waits_for_every_event_published_before_it_on_every_topic() {
    let bus = start_bus().await;
    let journal = Journal::default();
    let mut subs = Vec::new();
    for pattern in ["a.*", "b.*", "*"] {
        let journal = journal.clone();
        subs.push(
            bus.subscribe_async(pattern, move |event| {
                let journal = journal.clone();
                async move {
                    tokio::task::yield_now().await;
                    journal.push(format!("{pattern} {}", event.topic()));
                }
            })
            .await
            .unwrap(),
        );
    }
    let collector = Collector::default().start().await.unwrap();
    subs.push(
        bus.subscribe_server("b.*", &collector, to_collector)
            .await
            .unwrap(),
    );
    for topic in ["a.x", "b.y", "c.z", "a.w"] {
        bus.publish(topic, 1).unwrap();
    }
    assert_eq!(bus.flush().await, Ok(4));
    // a.* twice, b.* once, * four times.
    assert_eq!(journal.entries().len(), 7, "{:?}", journal.entries());
    assert_eq!(collector.seen().await.unwrap(), [("b.y".into(), 1)]);
    // Nothing published: returns at once.
    assert_eq!(bus.flush().await, Ok(4));
    drop(subs);
    assert_eq!(bus.flush().await, Ok(0));
    bus.stop().await.unwrap();
    collector.stop().await.unwrap();
}

#[tokio::test]
async fn a_server_subscriber_may_skip_events_by_returning_none() {
    let bus = start_bus().await;
    let collector = Collector::default().start().await.unwrap();
    let _sub = bus
        .subscribe_server("t.*", &collector, |n: &u64, topic: &str| {
            n.is_multiple_of(2).then(|| to_collector(n, topic))
        })
        .await
        .unwrap();
    for n in 0..5 {
        // Reached (the subscription matched), whether or not it took the event.
        assert_eq!(bus.publish_and_wait("t.x", n).await, Ok(1));
    }
    let seen = seen_numbers(&collector).await;
    assert_eq!(seen, [0, 2, 4]);
    bus.stop().await.unwrap();
    collector.stop().await.unwrap();
}
