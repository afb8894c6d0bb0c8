//! The [`EventBus`]: publish/subscribe by topic, with `*` wildcards.
//!
//! ```text
//!  publisher ──publish("order.created", ev)──► [bus] ──► subscription "order.*"   (own task)
//!                                                 ├────► subscription "*"         (own task)
//!                                                 └────► server (as a cast)
//! ```
//!
//! # Semantics
//!
//! * **Topics** are dot-separated segments; a **pattern** may use `*` for exactly one
//!   segment (`user.*` matches `user.created`, not `user.profile.updated`), and `*` alone
//!   matches every topic. Empty topics, empty segments, wildcards in topics and partial
//!   wildcards (`us*r`) are rejected with a [`TopicError`].
//! * [`publish`](EventBusClient::publish) is fire-and-forget: it queues the event with the
//!   bus and returns. The bus never runs subscriber code itself: each closure subscription
//!   has its own task and queue, so a slow or panicking subscriber delays or loses only
//!   its own events. A panic in a handler is logged and the subscription goes on.
//! * [`publish_and_wait`](EventBusClient::publish_and_wait) returns once every matching
//!   closure handler has run on the event (server subscribers: once the cast is queued in
//!   their mailbox), with the number of subscriptions it reached.
//! * Each subscription sees one publisher's events in the order they were published
//!   (the bus is the single point of ordering).
//! * A [`Subscription`] ends when dropped or [`unsubscribe`](Subscription::unsubscribe)d;
//!   events still queued for it are discarded. A server subscription also ends when the
//!   server exits.
//! * Matching walks a trie of pattern segments, so its cost does not grow with the number
//!   of subscriptions that do not match.
//!
//! Subscriber queues are unbounded: a subscriber that can never keep up grows its queue.
//! Use a server subscriber with a bounded mailbox to shed load instead (its casts fail
//! when the mailbox is full and the event is dropped for that subscriber).
//!
//! # Examples
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use noex_core::prelude::*;
//! use noex_core::event_bus::EventBus;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bus = EventBus::<String>::new().start().await?;
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! let _sub = bus
//!     .subscribe("user.*", move |event: &String, topic: &str| {
//!         log.lock().unwrap().push(format!("{topic}: {event}"));
//!     })
//!     .await?;
//!
//! bus.publish_and_wait("user.created", "alice".to_string()).await?;
//! bus.publish_and_wait("user.profile.updated", "ignored".to_string()).await?;
//! assert_eq!(*seen.lock().unwrap(), ["user.created: alice"]);
//! bus.stop().await?;
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::client::{Client, RawRef};
use crate::error::{BoxError, CallError};
use crate::mailbox::Mailbox;
use crate::{Ctx, Dispatch, Down, ExitReason, GenServer, Messages, ProcessRef, ReplyTo, ServerRef};

mod topic;

pub use topic::TopicError;
use topic::{Trie, validate_pattern, validate_topic};

/// One published event: its topic and payload, shared by every subscriber it reaches.
#[derive(Debug)]
pub struct Event<E> {
    topic: Arc<str>,
    payload: E,
}

impl<E> Event<E> {
    /// The topic it was published on.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The payload.
    pub fn payload(&self) -> &E {
        &self.payload
    }
}

/// Why a publish failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The topic is invalid.
    #[error(transparent)]
    InvalidTopic(#[from] TopicError),
    /// The bus is not running.
    #[error("the event bus is not running")]
    NotRunning,
    /// `publish_and_wait` failed to reach the bus or timed out.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// Why a subscription failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeError {
    /// The pattern is invalid.
    #[error(transparent)]
    InvalidPattern(#[from] TopicError),
    /// The bus could not be reached.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// Counts handlers still to run for one `publish_and_wait`; answers it when they all have.
struct Ack {
    remaining: AtomicUsize,
    reached: usize,
    reply: Mutex<Option<ReplyTo<usize>>>,
}

/// Held by a delivery; dropping it (after the handler ran, or unhandled) counts it done.
struct AckToken(Arc<Ack>);

impl Drop for AckToken {
    fn drop(&mut self) {
        if self.0.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            let reply = self
                .0
                .reply
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(reply) = reply {
                reply.send(self.0.reached);
            }
        }
    }
}

struct Delivery<E> {
    event: Arc<Event<E>>,
    _ack: Option<AckToken>,
}

type Queue<E> = Arc<Mailbox<Delivery<E>>>;
type ServerSink<E> = Box<dyn Fn(&Event<E>) -> bool + Send>;

/// How the bus reaches one subscriber (opaque; built by the subscribe methods).
pub struct Sink<E>(SinkKind<E>);

enum SinkKind<E> {
    Task(Queue<E>),
    Server(ProcessRef, ServerSink<E>),
}

struct Sub<E> {
    pattern: Arc<str>,
    sink: SinkKind<E>,
}

/// A pub/sub bus for events of type `E`, itself a server: start it (optionally named),
/// subscribe and publish through its [`ServerRef`] ([`EventBusClient`]), stop it.
pub struct EventBus<E> {
    trie: Trie,
    subs: HashMap<u64, Sub<E>>,
    next_id: u64,
}

/// A running [`EventBus`].
pub type EventBusRef<E> = ServerRef<EventBus<E>>;

impl<E: Send + Sync + 'static> Default for EventBus<E> {
    fn default() -> Self {
        EventBus::new()
    }
}

impl<E: Send + Sync + 'static> EventBus<E> {
    /// A bus with no subscriptions, ready to [`start`](GenServer::start).
    pub fn new() -> EventBus<E> {
        EventBus {
            trie: Trie::default(),
            subs: HashMap::new(),
            next_id: 0,
        }
    }

    fn deliver(&mut self, event: Arc<Event<E>>, reply: Option<ReplyTo<usize>>) {
        let mut matched = Vec::new();
        self.trie
            .for_each_match(&event.topic, |id| matched.push(id));
        let ack = reply.map(|reply| {
            Arc::new(Ack {
                remaining: AtomicUsize::new(matched.len() + 1),
                reached: matched.len(),
                reply: Mutex::new(Some(reply)),
            })
        });
        let mut gone = Vec::new();
        for id in matched {
            let Some(sub) = self.subs.get(&id) else {
                continue;
            };
            let token = ack.as_ref().map(|a| AckToken(a.clone()));
            match &sub.sink {
                SinkKind::Task(queue) => {
                    let delivery = Delivery {
                        event: event.clone(),
                        _ack: token,
                    };
                    if queue.push(delivery).is_err() {
                        gone.push(id);
                    }
                }
                SinkKind::Server(_, sink) => {
                    if !sink(&event) {
                        tracing::debug!(topic = %event.topic, "server subscriber refused an event");
                    }
                    drop(token);
                }
            }
        }
        // The bus's own token: released last, so a publish with no match answers at once.
        drop(ack.map(AckToken));
        for id in gone {
            self.remove(id);
        }
    }

    fn remove(&mut self, id: u64) -> bool {
        match self.subs.remove(&id) {
            Some(sub) => {
                self.trie.remove(&sub.pattern, id);
                if let SinkKind::Task(queue) = sub.sink {
                    drop(queue.close());
                }
                true
            }
            None => false,
        }
    }
}

/// The messages an [`EventBus`] handles; use [`EventBusClient`]'s methods instead.
#[non_exhaustive]
pub enum EventBusMsg<E> {
    /// Delivers an event.
    Publish(Arc<Event<E>>),
    /// Adds a subscription.
    Subscribe(Arc<str>, Sink<E>),
    /// Removes a subscription.
    Unsubscribe(u64),
    /// Counts subscriptions.
    Count,
}

#[doc(hidden)]
pub enum EventBusReply {
    Reached(ReplyTo<usize>),
    Id(ReplyTo<u64>),
    Removed(ReplyTo<bool>),
    Count(ReplyTo<usize>),
}

impl<E: Send + Sync + 'static> Messages for EventBusMsg<E> {
    type Reply = EventBusReply;
    type Client = EventBusClient<E>;

    fn variant_name(&self) -> &'static str {
        match self {
            EventBusMsg::Publish(_) => "Publish",
            EventBusMsg::Subscribe(..) => "Subscribe",
            EventBusMsg::Unsubscribe(_) => "Unsubscribe",
            EventBusMsg::Count => "Count",
        }
    }
}

impl<E: Send + Sync + 'static> GenServer for EventBus<E> {
    type Msg = EventBusMsg<E>;
}

impl<E: Send + Sync + 'static> Dispatch<EventBus<E>> for EventBusMsg<E> {
    async fn init(_bus: &mut EventBus<E>, _ctx: &mut Ctx<EventBus<E>>) -> Result<(), BoxError> {
        Ok(())
    }

    async fn handle(
        bus: &mut EventBus<E>,
        msg: EventBusMsg<E>,
        reply: Option<EventBusReply>,
        ctx: &mut Ctx<EventBus<E>>,
    ) {
        match msg {
            EventBusMsg::Publish(event) => {
                let reply = match reply {
                    Some(EventBusReply::Reached(r)) => Some(r),
                    _ => None,
                };
                bus.deliver(event, reply);
            }
            EventBusMsg::Subscribe(pattern, Sink(sink)) => {
                bus.next_id += 1;
                let id = bus.next_id;
                if let SinkKind::Server(process, _) = &sink {
                    // Forget the subscription when the server exits.
                    ctx.monitor(process);
                }
                bus.trie.insert(&pattern, id);
                bus.subs.insert(id, Sub { pattern, sink });
                if let Some(EventBusReply::Id(r)) = reply {
                    r.send(id);
                }
            }
            EventBusMsg::Unsubscribe(id) => {
                let removed = bus.remove(id);
                if let Some(EventBusReply::Removed(r)) = reply {
                    r.send(removed);
                }
            }
            EventBusMsg::Count => {
                if let Some(EventBusReply::Count(r)) = reply {
                    r.send(bus.subs.len());
                }
            }
        }
    }

    async fn terminate(bus: &mut EventBus<E>, _reason: &ExitReason, _ctx: &mut Ctx<EventBus<E>>) {
        let ids: Vec<u64> = bus.subs.keys().copied().collect();
        for id in ids {
            bus.remove(id);
        }
    }

    async fn handle_down(bus: &mut EventBus<E>, down: Down, _ctx: &mut Ctx<EventBus<E>>) {
        let ids: Vec<u64> = bus
            .subs
            .iter()
            .filter(|(_, s)| matches!(&s.sink, SinkKind::Server(p, _) if p.pid() == down.pid))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            bus.remove(id);
        }
    }
}

/// The API of a running [`EventBus`]; its `ServerRef` dereferences to it.
pub struct EventBusClient<E: Send + Sync + 'static> {
    raw: RawRef<EventBusMsg<E>>,
}

impl<E: Send + Sync + 'static> Client<EventBusMsg<E>> for EventBusClient<E> {
    fn from_raw(raw: RawRef<EventBusMsg<E>>) -> Self {
        EventBusClient { raw }
    }

    fn raw(&self) -> &RawRef<EventBusMsg<E>> {
        &self.raw
    }
}

impl<E: Send + Sync + 'static> EventBusClient<E> {
    fn bus(&self) -> EventBusRef<E> {
        ServerRef::from_cell(self.raw.cell.clone())
    }

    /// Publishes `event` on `topic` without waiting for subscribers.
    ///
    /// # Errors
    ///
    /// [`PublishError::InvalidTopic`], or [`PublishError::NotRunning`].
    pub fn publish(&self, topic: &str, event: E) -> Result<(), PublishError> {
        validate_topic(topic)?;
        let event = Arc::new(Event {
            topic: topic.into(),
            payload: event,
        });
        self.raw
            .cast(EventBusMsg::Publish(event))
            .map_err(|_| PublishError::NotRunning)
    }

    /// Publishes `event` and waits until every matching closure handler has run on it.
    /// Returns how many subscriptions it reached.
    ///
    /// # Errors
    ///
    /// [`PublishError::InvalidTopic`], or [`PublishError::Call`] if the bus is gone or
    /// the handlers take longer than the call timeout.
    pub async fn publish_and_wait(&self, topic: &str, event: E) -> Result<usize, PublishError> {
        validate_topic(topic)?;
        let event = Arc::new(Event {
            topic: topic.into(),
            payload: event,
        });
        Ok(self
            .raw
            .call(EventBusMsg::Publish(event), EventBusReply::Reached)
            .await?)
    }

    /// Subscribes `handler` to the topics matching `pattern`. The handler runs on a task
    /// of its own, one event at a time, in publication order.
    ///
    /// # Errors
    ///
    /// [`SubscribeError::InvalidPattern`], or `Call` if the bus is gone.
    pub async fn subscribe<F>(
        &self,
        pattern: &str,
        mut handler: F,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        F: FnMut(&E, &str) + Send + 'static,
    {
        self.subscribe_task(pattern, move |queue: Queue<E>| async move {
            let mut local = VecDeque::new();
            while let Some(delivery) = queue.recv(&mut local).await {
                let event = &delivery.event;
                if catch_unwind(AssertUnwindSafe(|| handler(&event.payload, &event.topic))).is_err() {
                    tracing::error!(topic = %event.topic, "event handler panicked; the subscription goes on");
                }
            }
        })
        .await
    }

    /// Like [`subscribe`](Self::subscribe) with an async handler, awaited before the
    /// next event is handed to it.
    ///
    /// # Errors
    ///
    /// As [`subscribe`](Self::subscribe).
    pub async fn subscribe_async<F, Fut>(
        &self,
        pattern: &str,
        mut handler: F,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        F: FnMut(Arc<Event<E>>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        self.subscribe_task(pattern, move |queue: Queue<E>| async move {
            let mut local = VecDeque::new();
            while let Some(delivery) = queue.recv(&mut local).await {
                let topic = delivery.event.topic.clone();
                let handled =
                    crate::runtime::catch(async { handler(delivery.event.clone()).await }).await;
                if handled.is_err() {
                    tracing::error!(%topic, "event handler panicked; the subscription goes on");
                }
            }
        })
        .await
    }

    async fn subscribe_task<T, Fut>(
        &self,
        pattern: &str,
        task: T,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        T: FnOnce(Queue<E>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        validate_pattern(pattern)?;
        let queue: Queue<E> = Arc::new(Mailbox::new(None));
        let id = self
            .raw
            .call(
                EventBusMsg::Subscribe(pattern.into(), Sink(SinkKind::Task(queue.clone()))),
                EventBusReply::Id,
            )
            .await?;
        tokio::spawn(task(queue));
        Ok(Subscription {
            bus: Some(self.bus()),
            id,
        })
    }

    /// Subscribes a server: each matching event is turned into a message by `to_msg` and
    /// cast to `server`. The subscription ends when the server exits, or when the
    /// returned [`Subscription`] is dropped.
    ///
    /// # Errors
    ///
    /// [`SubscribeError::InvalidPattern`], or `Call` if the bus is gone.
    pub async fn subscribe_server<S, F>(
        &self,
        pattern: &str,
        server: &ServerRef<S>,
        to_msg: F,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        S: GenServer,
        F: Fn(&E, &str) -> S::Msg + Send + 'static,
    {
        validate_pattern(pattern)?;
        let target = server.clone();
        let sink: ServerSink<E> = Box::new(move |event: &Event<E>| {
            target.cast(to_msg(&event.payload, &event.topic)).is_ok()
        });
        let id = self
            .raw
            .call(
                EventBusMsg::Subscribe(
                    pattern.into(),
                    Sink(SinkKind::Server(server.to_process(), sink)),
                ),
                EventBusReply::Id,
            )
            .await?;
        Ok(Subscription {
            bus: Some(self.bus()),
            id,
        })
    }

    /// How many subscriptions the bus holds.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the bus cannot be reached.
    pub async fn subscription_count(&self) -> Result<usize, CallError> {
        self.raw
            .call(EventBusMsg::Count, EventBusReply::Count)
            .await
    }
}

/// A live subscription. Dropping it unsubscribes; so does [`unsubscribe`](Self::unsubscribe),
/// which also confirms it.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription<E: Send + Sync + 'static> {
    bus: Option<EventBusRef<E>>,
    id: u64,
}

impl<E: Send + Sync + 'static> Subscription<E> {
    /// The subscription's id within its bus.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Ends the subscription and waits until the bus has removed it: no handler call
    /// starts after this returns. Returns false if it had already ended (its server
    /// exited, or the bus stopped).
    ///
    /// # Errors
    ///
    /// [`CallError`] if the bus cannot be reached.
    pub async fn unsubscribe(mut self) -> Result<bool, CallError> {
        match self.bus.take() {
            Some(bus) => {
                bus.raw
                    .call(EventBusMsg::Unsubscribe(self.id), EventBusReply::Removed)
                    .await
            }
            None => Ok(false),
        }
    }

    /// Keeps the subscription for the life of the bus (or of the subscribed server).
    pub fn detach(mut self) {
        self.bus = None;
    }
}

impl<E: Send + Sync + 'static> Drop for Subscription<E> {
    fn drop(&mut self) {
        if let Some(bus) = self.bus.take() {
            let _ = bus.raw.cast(EventBusMsg::Unsubscribe(self.id));
        }
    }
}

impl<E: Send + Sync + 'static> fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

#[cfg(test)]
mod tests;
