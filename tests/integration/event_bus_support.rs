//! Helpers shared by the event bus tests: a server subscriber, and closures that report
//! what they receive.

use std::sync::Arc;
use std::time::Duration;

use noex_core::event_bus::{EventBus, Subscription};
use noex_core::prelude::*;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::support::Journal;

/// A server subscriber: records every event cast to it.
#[derive(Debug, Messages)]
pub enum CollectorMsg {
    #[cast]
    Got { topic: String, n: u64 },
    #[call(reply = Vec<(String, u64)>)]
    Seen,
}

#[gen_server(messages = CollectorMsg)]
#[derive(Default)]
pub struct Collector {
    seen: Vec<(String, u64)>,
}

impl CollectorHandler for Collector {
    async fn got(&mut self, topic: String, n: u64, _ctx: &mut Ctx<Self>) {
        self.seen.push((topic, n));
    }

    async fn seen(&mut self, _ctx: &mut Ctx<Self>) -> Vec<(String, u64)> {
        self.seen.clone()
    }
}

/// The `to_msg` of a [`Collector`] subscription.
pub fn to_collector(n: &u64, topic: &str) -> CollectorMsg {
    CollectorMsg::Got {
        topic: topic.to_string(),
        n: *n,
    }
}

/// A handler that sends `(topic, n)` down a channel, and that channel's receiver.
pub fn channel_handler() -> (
    impl FnMut(&u64, &str) + Send + 'static,
    mpsc::UnboundedReceiver<(String, u64)>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let handler = move |n: &u64, topic: &str| {
        let _ = tx.send((topic.to_string(), *n));
    };
    (handler, rx)
}

/// Receives `count` items, failing the test rather than hanging if they never come.
pub async fn receive<T>(rx: &mut mpsc::UnboundedReceiver<T>, count: usize) -> Vec<T> {
    let mut items = Vec::with_capacity(count);
    while items.len() < count {
        let item = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the expected events never arrived")
            .expect("the sender is gone");
        items.push(item);
    }
    items
}

/// Payloads of a journal whose entries are numbers.
pub fn numbers(journal: &Journal) -> Vec<u64> {
    journal
        .entries()
        .iter()
        .map(|e| e.parse().unwrap())
        .collect()
}

/// A subscriber we hold up at will: each event waits for a permit of `gate` before it
/// is recorded in `journal`; `started` reports each event as its handler begins; `alive`
/// is dropped with the handler, when the subscription's task ends.
pub struct Held {
    pub gate: Arc<Semaphore>,
    pub journal: Journal,
    pub started: mpsc::UnboundedReceiver<u64>,
    pub alive: oneshot::Receiver<()>,
}

/// An async handler held up by a gate; see [`Held`].
#[allow(clippy::type_complexity)]
pub fn held_handler() -> (
    impl FnMut(
        Arc<noex_core::event_bus::Event<u64>>,
    ) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
    + Send
    + 'static,
    Held,
) {
    let gate = Arc::new(Semaphore::new(0));
    let journal = Journal::default();
    let (started_tx, started) = mpsc::unbounded_channel();
    let (alive_tx, alive) = oneshot::channel::<()>();
    let (g, j) = (gate.clone(), journal.clone());
    let handler = move |event: Arc<noex_core::event_bus::Event<u64>>| {
        let _alive = &alive_tx;
        let (gate, journal, started) = (g.clone(), j.clone(), started_tx.clone());
        Box::pin(async move {
            let n = *event.payload();
            let _ = started.send(n);
            gate.acquire().await.unwrap().forget();
            journal.push(n.to_string());
        }) as std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
    };
    (
        handler,
        Held {
            gate,
            journal,
            started,
            alive,
        },
    )
}

/// Waits until the subscription's task has ended (its handler was dropped).
pub async fn ended(alive: oneshot::Receiver<()>) {
    let outcome = tokio::time::timeout(Duration::from_secs(10), alive)
        .await
        .expect("the subscription's task did not end");
    assert!(outcome.is_err(), "nothing is ever sent on `alive`");
}

/// A running bus of `u64` events.
pub async fn start_bus() -> ServerRef<EventBus<u64>> {
    EventBus::<u64>::new().start().await.unwrap()
}

/// A bus with one [`Held`] subscription to `t` that has taken events 1, 2 and 3 in one
/// batch (they were published together) and is held on the first.
pub async fn held_on_first_of_three() -> (ServerRef<EventBus<u64>>, Subscription<u64>, Held) {
    let bus = start_bus().await;
    let (handler, mut held) = held_handler();
    let sub = bus.subscribe_async("t", handler).await.unwrap();
    for n in 1..=3 {
        bus.publish("t", n).unwrap();
    }
    assert_eq!(receive(&mut held.started, 1).await, [1]);
    (bus, sub, held)
}

/// The numbers a [`Collector`] has received, in order.
pub async fn seen_numbers(collector: &ServerRef<Collector>) -> Vec<u64> {
    collector
        .seen()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect()
}
