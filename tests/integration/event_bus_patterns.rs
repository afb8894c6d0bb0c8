//! EventBus: which subscriptions a topic reaches, through a running bus.

use std::collections::BTreeSet;

use noex_core::event_bus::EventBus;
use noex_core::prelude::*;

use crate::support::Journal;

/// `(pattern, topic, matches)`: the guide's examples first, then the edges.
const TABLE: &[(&str, &str, bool)] = &[
    // Exact topics.
    ("user.created", "user.created", true),
    ("user.created", "user.updated", false),
    ("user.created", "user.created.admin", false),
    ("user.created", "user", false),
    // `*` is one segment.
    ("user.*", "user.created", true),
    ("user.*", "user.updated", true),
    ("user.*", "user.deleted", true),
    ("user.*", "order.created", false),
    ("user.*", "user.profile.updated", false),
    ("user.*", "user", false),
    // `*` alone is every topic, however deep.
    ("*", "user", true),
    ("*", "user.created", true),
    ("*", "user.profile.updated", true),
    // `*` anywhere else.
    ("*.created", "order.created", true),
    ("*.created", "order.paid", false),
    ("*.created", "created", false),
    ("user.*.updated", "user.profile.updated", true),
    ("user.*.updated", "user.profile.deleted", false),
    ("user.*.updated", "user.updated", false),
    ("*.*", "a.b", true),
    ("*.*", "a", false),
    ("*.*", "a.b.c", false),
    ("notification.sent.*", "notification.sent.email", true),
    ("notification.sent.*", "notification.failed.email", false),
    // Segments compare whole and case-sensitively.
    ("user.created", "user.createdx", false),
    ("user.created", "User.created", false),
];

#[tokio::test]
async fn the_wildcard_table_holds_through_the_bus() {
    let bus = EventBus::<u64>::new().start().await.unwrap();
    let journal = Journal::default();
    let patterns: BTreeSet<&str> = TABLE.iter().map(|(p, _, _)| *p).collect();
    let mut subs = Vec::new();
    for pattern in &patterns {
        let (journal, pattern) = (journal.clone(), pattern.to_string());
        subs.push(
            bus.subscribe(&pattern.clone(), move |_: &u64, topic: &str| {
                journal.push(format!("{pattern} {topic}"));
            })
            .await
            .unwrap(),
        );
    }
    let topics: BTreeSet<&str> = TABLE.iter().map(|(_, t, _)| *t).collect();
    for topic in topics {
        let before = journal.entries().len();
        let reached = bus.publish_and_wait(topic, 0).await.unwrap();
        let got: BTreeSet<String> = journal.entries()[before..].iter().cloned().collect();
        assert_eq!(got.len(), reached, "{topic}: {got:?}");
        for (pattern, t, expected) in TABLE.iter().filter(|(_, t, _)| *t == topic) {
            assert_eq!(
                got.contains(&format!("{pattern} {t}")),
                *expected,
                "pattern {pattern:?} vs topic {topic:?}"
            );
        }
    }
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn thousands_of_non_matching_subscriptions_are_not_reached() {
    let bus = EventBus::<u64>::new().start().await.unwrap();
    let journal = Journal::default();
    let mut subs = Vec::new();
    for i in 0..2_000 {
        let journal = journal.clone();
        subs.push(
            bus.subscribe(&format!("other.{i}"), move |_: &u64, topic: &str| {
                journal.push(format!("wrong {topic}"));
            })
            .await
            .unwrap(),
        );
    }
    for pattern in ["order.created", "order.*"] {
        let journal = journal.clone();
        subs.push(
            bus.subscribe(pattern, move |_: &u64, _: &str| journal.push(pattern))
                .await
                .unwrap(),
        );
    }
    assert_eq!(bus.publish_and_wait("order.created", 1).await, Ok(2));
    let mut entries = journal.entries();
    entries.sort();
    assert_eq!(entries, ["order.*", "order.created"]);
    assert_eq!(bus.publish_and_wait("other.7", 1).await, Ok(1));
    assert_eq!(bus.subscription_count().await, Ok(2_002));
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn the_same_pattern_twice_is_two_subscriptions() {
    let bus = EventBus::<u64>::new().start().await.unwrap();
    let journal = Journal::default();
    let (one, two) = (journal.clone(), journal.clone());
    let first = bus
        .subscribe("a.*", move |_: &u64, _: &str| one.push("first"))
        .await
        .unwrap();
    let _second = bus
        .subscribe("a.*", move |_: &u64, _: &str| two.push("second"))
        .await
        .unwrap();
    assert_eq!(bus.publish_and_wait("a.b", 1).await, Ok(2));
    // Removing one leaves the other in place.
    assert_eq!(first.unsubscribe().await, Ok(true));
    assert_eq!(bus.publish_and_wait("a.b", 2).await, Ok(1));
    let entries = journal.entries();
    assert_eq!(entries.iter().filter(|e| *e == "first").count(), 1);
    assert_eq!(entries.iter().filter(|e| *e == "second").count(), 2);
    bus.stop().await.unwrap();
}

#[tokio::test]
async fn removing_a_deep_pattern_keeps_the_patterns_that_share_its_prefix() {
    let bus = EventBus::<u64>::new().start().await.unwrap();
    let deep = bus.subscribe("a.b.c", |_: &u64, _: &str| {}).await.unwrap();
    let _shallow = bus.subscribe("a.b", |_: &u64, _: &str| {}).await.unwrap();
    let _star = bus.subscribe("a.*.c", |_: &u64, _: &str| {}).await.unwrap();
    assert_eq!(bus.publish_and_wait("a.b.c", 0).await, Ok(2));
    drop(deep);
    assert_eq!(bus.publish_and_wait("a.b.c", 0).await, Ok(1));
    assert_eq!(bus.publish_and_wait("a.b", 0).await, Ok(1));
    bus.stop().await.unwrap();
}
