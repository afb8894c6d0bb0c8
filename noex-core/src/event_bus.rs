//! The [`EventBus`]: publish/subscribe by topic, with `*` wildcards.
//!
//! ```text
//!                                          ┌─► queue ─► task: closure for "order.*"
//!  publish("order.created", ev) ─► [bus] ──┼─► queue ─► task: closure for "*"
//!   (returns at once)            trie match └─► cast  ─► server subscribed to "order.created"
//! ```
//!
//! # Semantics
//!
//! * **Events are typed**: an `EventBus<E>` carries events of type `E` (use an enum for
//!   several kinds). Each event is shared by every subscriber it reaches, never cloned.
//! * **Topics** are dot-separated segments (`order.created`). A **pattern** is a topic
//!   whose segments may be `*`, each matching exactly one segment: `user.*` matches
//!   `user.created` but neither `user.profile.updated` nor `user`; `*.created` matches
//!   `order.created`; and `*` alone matches every topic. Empty topics, empty segments
//!   (`a..b`, `.a`, `a.`), wildcards in topics and partial wildcards (`us*r`) are rejected
//!   with a [`TopicError`] that shows the right form.
//! * [`publish`](EventBusClient::publish) is fire-and-forget: it queues the event with the
//!   bus and returns. It never waits for a subscriber: the bus runs no subscriber code
//!   itself. Each closure subscription has its own task and queue, so a slow subscriber
//!   delays only its own events, and a server subscriber receives a cast.
//! * [`publish_and_wait`](EventBusClient::publish_and_wait) returns once every matching
//!   closure handler has run on the event (for server subscribers: once the cast is in
//!   their mailbox), with the number of subscriptions it reached.
//!   [`flush`](EventBusClient::flush) does the same for everything published before it,
//!   on every topic: the way to wait for fire-and-forget events to be handled.
//! * **Order**: each subscription sees one publisher's events in the order they were
//!   published (the bus is the single point of ordering, and each subscription handles one
//!   event at a time).
//! * **Panics**: a panicking closure handler is logged and its subscription goes on with
//!   the next event; a panicking `to_msg` of a server subscription loses that one event.
//!   Neither stops the bus nor any other subscription.
//! * A [`Subscription`] ends when dropped or [`unsubscribe`](Subscription::unsubscribe)d:
//!   no handler call starts after that, and events still queued for it are discarded.
//!   A server subscription also ends when the server exits. [`detach`](Subscription::detach)
//!   keeps it for the life of the bus.
//! * **Stop**: a graceful [`stop`](crate::ServerRef::stop) handles the events published
//!   before it, and each closure subscription still runs the events already queued for
//!   it, then ends. A killed bus drops what is queued.
//! * **Matching** walks a trie of pattern segments (the exact child and the `*` child at
//!   each level), so its cost depends on the topic's length and on the subscriptions that
//!   match, not on how many subscriptions exist.
//!
//! Subscriber queues are unbounded: a closure subscriber that can never keep up grows its
//! queue. To shed load instead, subscribe a server started with a bounded mailbox: when
//! the mailbox is full the cast fails and that subscriber misses the event.
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
//! let subscription = bus
//!     .subscribe("user.*", move |event: &String, topic: &str| {
//!         log.lock().unwrap().push(format!("{topic}: {event}"));
//!     })
//!     .await?;
//!
//! assert_eq!(bus.publish_and_wait("user.created", "alice".to_string()).await?, 1);
//! assert_eq!(bus.publish_and_wait("user.profile.updated", "bob".to_string()).await?, 0);
//! assert_eq!(*seen.lock().unwrap(), ["user.created: alice"]);
//!
//! subscription.unsubscribe().await?;
//! bus.publish("user.deleted", "alice".to_string())?; // fire-and-forget; nobody listens
//! bus.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Where noex follows OTP and where it departs
//!
//! OTP has no topic bus in its core; the closest pieces are `gen_event` (an event manager
//! whose handlers run inside the manager process, so a slow handler slows every other)
//! and `pg` process groups. The bus here is a server like OTP's event manager, but it
//! never runs handlers in its own task: closure handlers each get a task, and servers get
//! casts, as in Elixir's `Registry`-based pub/sub. A handler that panics is not removed
//! (`gen_event` removes a crashing handler); it goes on with the next event.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::client::{Client, RawRef};
use crate::error::{BoxError, CallError, CastError};
use crate::mailbox::Mailbox;
use crate::{
    Ctx, Dispatch, Down, ExitReason, GenServer, Messages, MonitorRef, ProcessRef, ReplyTo,
    ServerRef,
};

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
    /// The bus was started with a bounded mailbox, and it is full.
    #[error("the event bus's mailbox is full; publish later or use publish_and_wait")]
    MailboxFull,
    /// `publish_and_wait` failed to reach the bus, or its handlers did not all finish
    /// within the bus's call timeout.
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

/// Counts the handlers still to run for one `publish_and_wait`; answers it when they all
/// have.
struct Ack {
    /// Outstanding tokens, the bus's own included.
    remaining: AtomicUsize,
    reached: AtomicUsize,
    reply: Mutex<Option<ReplyTo<usize>>>,
}

/// Held by a delivery; dropping it (after the handler ran, or unhandled) counts it done.
struct AckToken(Arc<Ack>);

impl AckToken {
    /// The bus's own token for one waiting caller. The bus releases it last, after
    /// handing out the others, so the reply cannot go out before every delivery has its
    /// token, and goes out at once when there is none.
    fn new(reply: ReplyTo<usize>) -> AckToken {
        AckToken(Arc::new(Ack {
            remaining: AtomicUsize::new(1),
            reached: AtomicUsize::new(0),
            reply: Mutex::new(Some(reply)),
        }))
    }

    /// Records how many subscriptions were reached, then releases the bus's token.
    fn release(self, reached: usize) {
        self.0.reached.store(reached, Ordering::Release);
    }

    fn another(&self) -> AckToken {
        self.0.remaining.fetch_add(1, Ordering::AcqRel);
        AckToken(self.0.clone())
    }
}

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
                reply.send(self.0.reached.load(Ordering::Acquire));
            }
        }
    }
}

struct Delivery<E> {
    event: Arc<Event<E>>,
    _ack: Option<AckToken>,
}

/// What a closure subscription's queue carries.
enum Item<E> {
    Event(Delivery<E>),
    /// A `flush`: dropping it once reached says everything before it was handled.
    Flush(AckToken),
    /// The bus stopped gracefully: handle what came before, then end.
    End,
}

/// The queue between the bus and a closure subscription's task.
struct Inbox<E> {
    queue: Mailbox<Item<E>>,
    active: Arc<AtomicBool>,
}

/// The bus's end of a closure subscription. Dropping it ends the subscription at once
/// (unsubscribed, or the bus was killed) unless `drain` asks to finish the queue first.
struct TaskSink<E> {
    inbox: Arc<Inbox<E>>,
    drain: bool,
}

impl<E> Drop for TaskSink<E> {
    fn drop(&mut self) {
        if !self.drain {
            self.inbox.active.store(false, Ordering::Release);
        }
        // The marker also wakes the task: closing the queue alone would not.
        let _ = self.inbox.queue.push(Item::End);
        if !self.drain {
            // Drops the queued events (and releases their publish_and_wait tokens) now.
            drop(self.inbox.queue.close());
        }
    }
}

type ServerSink<E> = Box<dyn Fn(&Event<E>) -> bool + Send>;

/// How the bus reaches one subscriber (opaque; built by the subscribe methods).
pub struct Sink<E> {
    kind: SinkKind<E>,
    /// Shared with the [`Subscription`]: false once it ended, whoever noticed first.
    active: Arc<AtomicBool>,
}

enum SinkKind<E> {
    Task(TaskSink<E>),
    Server(ProcessRef, ServerSink<E>),
}

struct Sub<E> {
    pattern: Arc<str>,
    sink: SinkKind<E>,
    /// Shared with the [`Subscription`]: false once it ended, whoever noticed first.
    active: Arc<AtomicBool>,
    /// The monitor of a server subscriber.
    monitor: Option<MonitorRef>,
}

impl<E> Drop for Sub<E> {
    fn drop(&mut self) {
        // A task subscription ends when its task has run what it must (see `TaskSink`).
        if let SinkKind::Server(..) = self.sink {
            self.active.store(false, Ordering::Release);
        }
    }
}

/// A pub/sub bus for events of type `E`, itself a server: start it (optionally named),
/// subscribe and publish through its [`ServerRef`] ([`EventBusClient`]), stop it.
///
/// # Examples
///
/// A named bus, which services find through the registry instead of being handed it:
///
/// ```
/// use noex_core::prelude::*;
/// use noex_core::event_bus::EventBus;
///
/// #[derive(Debug)]
/// enum OrderEvent {
///     Created { id: u32 },
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// let bus = EventBus::<OrderEvent>::new()
///     .start_with(StartOptions::new().name_in(&registry, "event-bus"))
///     .await?;
///
/// // Elsewhere:
/// let found = registry.lookup::<EventBus<OrderEvent>>("event-bus")?;
/// let reached = found.publish_and_wait("order.created", OrderEvent::Created { id: 1 }).await?;
/// assert_eq!(reached, 0); // nobody subscribed yet
/// bus.stop().await?;
/// # Ok(())
/// # }
/// ```
pub struct EventBus<E> {
    trie: Trie,
    subs: HashMap<u64, Sub<E>>,
    /// Server subscriptions by the monitor watching their server.
    monitors: HashMap<MonitorRef, u64>,
    /// Scratch space for the ids a publish matches, kept to avoid an allocation each.
    matched: Vec<u64>,
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
            monitors: HashMap::new(),
            matched: Vec::new(),
        }
    }

    fn deliver(
        &mut self,
        event: Arc<Event<E>>,
        reply: Option<ReplyTo<usize>>,
        ctx: &mut Ctx<EventBus<E>>,
    ) {
        let mut matched = std::mem::take(&mut self.matched);
        self.trie
            .for_each_match(&event.topic, |id| matched.push(id));
        let own = reply.map(AckToken::new);
        let mut reached = 0;
        let mut ended = Vec::new();
        for &id in &matched {
            let Some(sub) = self.subs.get(&id) else {
                continue;
            };
            if !sub.active.load(Ordering::Acquire) {
                ended.push(id);
                continue;
            }
            reached += 1;
            match &sub.sink {
                SinkKind::Task(sink) => {
                    let delivery = Delivery {
                        event: event.clone(),
                        _ack: own.as_ref().map(AckToken::another),
                    };
                    if sink.inbox.queue.push(Item::Event(delivery)).is_err() {
                        ended.push(id);
                    }
                }
                SinkKind::Server(_, cast) => {
                    match catch_unwind(AssertUnwindSafe(|| cast(&event))) {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::debug!(topic = %event.topic, "a server subscriber refused an event (not running, or its mailbox is full)");
                        }
                        Err(_) => {
                            tracing::error!(topic = %event.topic, "converting an event for a server subscriber panicked; that subscriber misses it");
                        }
                    }
                }
            }
        }
        if let Some(own) = own {
            own.release(reached);
        }
        matched.clear();
        self.matched = matched;
        for id in ended {
            self.remove(id, ctx);
        }
    }

    fn subscribe(&mut self, id: u64, pattern: Arc<str>, sink: Sink<E>, ctx: &mut Ctx<Self>) {
        let Sink { kind: sink, active } = sink;
        let monitor = match &sink {
            // Forget the subscription when the server exits.
            SinkKind::Server(process, _) => Some(ctx.monitor(process)),
            SinkKind::Task(_) => None,
        };
        if let Some(monitor) = monitor {
            self.monitors.insert(monitor, id);
        }
        self.trie.insert(&pattern, id);
        self.subs.insert(
            id,
            Sub {
                pattern,
                sink,
                active,
                monitor,
            },
        );
    }

    /// Sends a flush marker down every closure subscription's queue; answers `reply`
    /// once each has reached it.
    fn flush(&mut self, reply: ReplyTo<usize>) {
        let own = AckToken::new(reply);
        let mut reached = 0;
        for sub in self.subs.values() {
            if !sub.active.load(Ordering::Acquire) {
                continue;
            }
            reached += 1;
            if let SinkKind::Task(sink) = &sub.sink {
                let _ = sink.inbox.queue.push(Item::Flush(own.another()));
            }
        }
        own.release(reached);
    }

    /// Ends subscription `id`; true if it was there.
    fn remove(&mut self, id: u64, ctx: &mut Ctx<Self>) -> bool {
        let Some(sub) = self.subs.remove(&id) else {
            return false;
        };
        self.trie.remove(&sub.pattern, id);
        sub.active.store(false, Ordering::Release);
        if let Some(monitor) = sub.monitor {
            if self.monitors.remove(&monitor).is_some() {
                ctx.demonitor(monitor);
            }
        }
        // Dropping a task sink closes its queue.
        true
    }
}

/// The messages an [`EventBus`] handles; use [`EventBusClient`]'s methods instead.
#[non_exhaustive]
pub enum EventBusMsg<E> {
    /// Delivers an event.
    Publish(Arc<Event<E>>),
    /// Adds a subscription with the given id.
    Subscribe(u64, Arc<str>, Sink<E>),
    /// Removes a subscription.
    Unsubscribe(u64),
    /// Counts the live subscriptions.
    Count,
    /// Waits for every subscription to handle what was published before.
    Flush,
}

#[doc(hidden)]
pub enum EventBusReply {
    Reached(ReplyTo<usize>),
    Subscribed(ReplyTo<()>),
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
            EventBusMsg::Flush => "Flush",
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
                bus.deliver(event, reply, ctx);
            }
            EventBusMsg::Subscribe(id, pattern, sink) => {
                bus.subscribe(id, pattern, sink, ctx);
                if let Some(EventBusReply::Subscribed(r)) = reply {
                    r.send(());
                }
            }
            EventBusMsg::Unsubscribe(id) => {
                let removed = bus.remove(id, ctx);
                if let Some(EventBusReply::Removed(r)) = reply {
                    r.send(removed);
                }
            }
            EventBusMsg::Flush => {
                if let Some(EventBusReply::Reached(r)) = reply {
                    bus.flush(r);
                }
            }
            EventBusMsg::Count => {
                if let Some(EventBusReply::Count(r)) = reply {
                    let live = bus
                        .subs
                        .values()
                        .filter(|s| s.active.load(Ordering::Acquire))
                        .count();
                    r.send(live);
                }
            }
        }
    }

    async fn terminate(bus: &mut EventBus<E>, _reason: &ExitReason, _ctx: &mut Ctx<EventBus<E>>) {
        // A graceful stop: every closure subscription finishes what is queued for it.
        for (_, mut sub) in bus.subs.drain() {
            if let SinkKind::Task(sink) = &mut sub.sink {
                sink.drain = true;
            }
        }
        bus.trie = Trie::default();
        bus.monitors.clear();
    }

    async fn handle_down(bus: &mut EventBus<E>, down: Down, ctx: &mut Ctx<EventBus<E>>) {
        if let Some(id) = bus.monitors.remove(&down.monitor) {
            bus.remove(id, ctx);
        }
    }
}

/// The API of a running [`EventBus`]; its [`EventBusRef`] dereferences to it.
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

/// Subscription ids, unique across buses, chosen by the subscriber so that a subscribe
/// cancelled half-way can still be undone.
static NEXT_SUBSCRIPTION: AtomicU64 = AtomicU64::new(1);

impl<E: Send + Sync + 'static> EventBusClient<E> {
    fn bus(&self) -> EventBusRef<E> {
        ServerRef::from_cell(self.raw.cell.clone())
    }

    /// Publishes `event` on `topic` and returns at once, without waiting for any
    /// subscriber.
    ///
    /// # Errors
    ///
    /// [`PublishError::InvalidTopic`]; [`PublishError::NotRunning`] if the bus has
    /// stopped; [`PublishError::MailboxFull`] if it was started with a bounded mailbox
    /// that is full. The event is dropped in every case.
    pub fn publish(&self, topic: &str, event: E) -> Result<(), PublishError> {
        validate_topic(topic)?;
        self.raw
            .cast(EventBusMsg::Publish(Arc::new(Event {
                topic: topic.into(),
                payload: event,
            })))
            .map_err(|e| match e {
                CastError::NotRunning(_) => PublishError::NotRunning,
                CastError::MailboxFull(_) => PublishError::MailboxFull,
            })
    }

    /// Publishes `event` and waits until every matching closure handler has run on it
    /// (server subscribers: until the cast is in their mailbox). Returns how many
    /// subscriptions it reached.
    ///
    /// Do not call it from a handler for a topic that handler's own subscription
    /// matches: the handler would wait for itself until the call times out.
    ///
    /// # Errors
    ///
    /// [`PublishError::InvalidTopic`], or [`PublishError::Call`] if the bus is gone or
    /// the handlers take longer than the bus's call timeout (5 s unless set at start or
    /// with [`ServerRef::with_timeout`]).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not unpublish: the event may still be delivered.
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

    /// Subscribes `handler` to the topics matching `pattern`. The handler receives the
    /// payload and the topic, and runs on a task of its own, one event at a time, in
    /// publication order. A panic in it is logged and the subscription goes on.
    ///
    /// Keep the returned [`Subscription`]: dropping it unsubscribes.
    ///
    /// # Errors
    ///
    /// [`SubscribeError::InvalidPattern`], or [`SubscribeError::Call`] if the bus is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, the subscription does not stay behind.
    pub async fn subscribe<F>(
        &self,
        pattern: &str,
        handler: F,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        F: FnMut(&E, &str) + Send + 'static,
    {
        self.subscribe_task(pattern, SyncHandler(handler)).await
    }

    /// Like [`subscribe`](Self::subscribe) with an async handler, which gets the whole
    /// [`Event`]; each call is awaited before the next event is handed over.
    ///
    /// # Errors
    ///
    /// As [`subscribe`](Self::subscribe).
    pub async fn subscribe_async<F, Fut>(
        &self,
        pattern: &str,
        handler: F,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        F: FnMut(Arc<Event<E>>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        self.subscribe_task(pattern, AsyncHandler(handler)).await
    }

    async fn subscribe_task(
        &self,
        pattern: &str,
        handler: impl Handler<E>,
    ) -> Result<Subscription<E>, SubscribeError> {
        validate_pattern(pattern)?;
        let active = Arc::new(AtomicBool::new(true));
        let inbox = Arc::new(Inbox {
            queue: Mailbox::new(None),
            active: active.clone(),
        });
        // Started first: whatever happens to the subscribe below, the sink is dropped
        // at some point, which closes the queue and ends the task.
        tokio::spawn(run_subscription(inbox.clone(), handler));
        let sink = SinkKind::Task(TaskSink {
            inbox,
            drain: false,
        });
        self.add(pattern, sink, active).await
    }

    /// Subscribes a server: each matching event is turned into one of its messages by
    /// `to_msg` (given the payload and the topic) and cast to it. The subscription ends
    /// when the server exits, or when the returned [`Subscription`] is dropped.
    ///
    /// `to_msg` returns the message, or an `Option` of it: `None` skips the event (say,
    /// the server wants one variant of an event enum). It runs in the bus's task, so
    /// keep it cheap; a panic in it costs the server that one event. If the server's
    /// bounded mailbox is full, it misses the event.
    ///
    /// ```
    /// use noex_core::prelude::*;
    /// use noex_core::event_bus::EventBus;
    ///
    /// #[derive(Debug, Messages)]
    /// pub enum AuditMsg {
    ///     #[cast]
    ///     Record { topic: String },
    ///     #[call(reply = Vec<String>)]
    ///     Log,
    /// }
    ///
    /// #[gen_server(messages = AuditMsg)]
    /// #[derive(Default)]
    /// pub struct Audit {
    ///     log: Vec<String>,
    /// }
    ///
    /// impl AuditHandler for Audit {
    ///     async fn record(&mut self, topic: String, _ctx: &mut Ctx<Self>) {
    ///         self.log.push(topic);
    ///     }
    ///     async fn log(&mut self, _ctx: &mut Ctx<Self>) -> Vec<String> {
    ///         self.log.clone()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let bus = EventBus::<u32>::new().start().await?;
    /// let audit = Audit::default().start().await?;
    /// let _sub = bus
    ///     .subscribe_server("*", &audit, |_n, topic| AuditMsg::Record { topic: topic.into() })
    ///     .await?;
    /// bus.publish_and_wait("user.created", 1).await?;
    /// assert_eq!(audit.log().await?, ["user.created"]);
    /// # bus.stop().await?; audit.stop().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SubscribeError::InvalidPattern`], or [`SubscribeError::Call`] if the bus is gone.
    pub async fn subscribe_server<S, F, M>(
        &self,
        pattern: &str,
        server: &ServerRef<S>,
        to_msg: F,
    ) -> Result<Subscription<E>, SubscribeError>
    where
        S: GenServer,
        F: Fn(&E, &str) -> M + Send + 'static,
        M: Into<Option<S::Msg>>,
    {
        validate_pattern(pattern)?;
        let target = server.clone();
        let cast: ServerSink<E> =
            Box::new(
                move |event: &Event<E>| match to_msg(&event.payload, &event.topic).into() {
                    Some(msg) => target.cast(msg).is_ok(),
                    None => true,
                },
            );
        let active = Arc::new(AtomicBool::new(true));
        self.add(pattern, SinkKind::Server(server.to_process(), cast), active)
            .await
    }

    async fn add(
        &self,
        pattern: &str,
        sink: SinkKind<E>,
        active: Arc<AtomicBool>,
    ) -> Result<Subscription<E>, SubscribeError> {
        let id = NEXT_SUBSCRIPTION.fetch_add(1, Ordering::Relaxed);
        // Made before the call: if this future is dropped during it, dropping the handle
        // sends the unsubscribe, which the bus handles after the subscribe.
        let subscription = Subscription {
            bus: Some(self.bus()),
            id,
            active,
        };
        self.raw
            .call(
                EventBusMsg::Subscribe(
                    id,
                    pattern.into(),
                    Sink {
                        kind: sink,
                        active: subscription.active.clone(),
                    },
                ),
                EventBusReply::Subscribed,
            )
            .await?;
        Ok(subscription)
    }

    /// Waits until every event published before this call has been handled by every
    /// closure subscription (and cast to every server subscriber), whatever its topic.
    /// Returns the number of live subscriptions. Events published after the call may or
    /// may not have been handled.
    ///
    /// Here "before" means published by this task before the call, or by any other
    /// publisher whose `publish` happened before it (say, a server that published, then
    /// answered a call of ours).
    ///
    /// ```
    /// # use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
    /// # use noex_core::prelude::*;
    /// # use noex_core::event_bus::EventBus;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let bus = EventBus::<u32>::new().start().await?;
    /// let total = Arc::new(AtomicU32::new(0));
    /// let sum = total.clone();
    /// let _sub = bus
    ///     .subscribe("metric.*", move |n: &u32, _: &str| {
    ///         sum.fetch_add(*n, Ordering::Relaxed);
    ///     })
    ///     .await?;
    /// for n in 1..=4 {
    ///     bus.publish(&format!("metric.m{n}"), n)?; // fire-and-forget
    /// }
    /// bus.flush().await?;
    /// assert_eq!(total.load(Ordering::Relaxed), 10);
    /// # bus.stop().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`CallError`] if the bus cannot be reached, or the handlers take longer than the
    /// bus's call timeout.
    pub async fn flush(&self) -> Result<usize, CallError> {
        self.raw
            .call(EventBusMsg::Flush, EventBusReply::Reached)
            .await
    }

    /// How many live subscriptions the bus holds.
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

/// A subscription's handler, run by its task.
trait Handler<E>: Send + 'static {
    fn handle(&mut self, event: &Arc<Event<E>>) -> impl Future<Output = ()> + Send;
}

struct SyncHandler<F>(F);

impl<E: Send + Sync + 'static, F: FnMut(&E, &str) + Send + 'static> Handler<E> for SyncHandler<F> {
    async fn handle(&mut self, event: &Arc<Event<E>>) {
        (self.0)(&event.payload, &event.topic);
    }
}

struct AsyncHandler<F>(F);

impl<E, F, Fut> Handler<E> for AsyncHandler<F>
where
    E: Send + Sync + 'static,
    F: FnMut(Arc<Event<E>>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    async fn handle(&mut self, event: &Arc<Event<E>>) {
        (self.0)(event.clone()).await;
    }
}

/// A closure subscription's task: one event at a time until the subscription ends.
async fn run_subscription<E: Send + Sync + 'static>(
    inbox: Arc<Inbox<E>>,
    mut handler: impl Handler<E>,
) {
    let mut local = VecDeque::new();
    while let Some(item) = inbox.queue.recv(&mut local).await {
        // The queue hands over whole batches: an unsubscribe must also stop the events
        // already taken from it.
        if !inbox.active.load(Ordering::Acquire) {
            break;
        }
        let delivery = match item {
            Item::Event(delivery) => delivery,
            Item::Flush(reached) => {
                drop(reached);
                continue;
            }
            Item::End => break,
        };
        let event = &delivery.event;
        if crate::runtime::catch(handler.handle(event)).await.is_err() {
            tracing::error!(topic = %event.topic, "event handler panicked; the subscription goes on");
        }
    }
    inbox.active.store(false, Ordering::Release);
}

/// A live subscription. Dropping it unsubscribes; so does [`unsubscribe`](Self::unsubscribe),
/// which also waits for the bus to confirm.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription<E: Send + Sync + 'static> {
    bus: Option<EventBusRef<E>>,
    id: u64,
    active: Arc<AtomicBool>,
}

impl<E: Send + Sync + 'static> Subscription<E> {
    /// The subscription's id, unique among every bus's subscriptions.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// True until the subscription ends (unsubscribed, its server exited, or the bus
    /// stopped and it ran what was queued for it).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Ends the subscription and waits until the bus has removed it. No closure handler
    /// call starts after this returns (a server subscriber still handles the casts it
    /// was already sent). Returns false if it had already ended: its server exited, or
    /// the bus stopped.
    ///
    /// # Errors
    ///
    /// [`CallError::Timeout`] if the bus did not answer in time; the subscription has
    /// ended all the same.
    pub async fn unsubscribe(mut self) -> Result<bool, CallError> {
        let Some(bus) = self.bus.take() else {
            return Ok(false);
        };
        let was_active = self.active.swap(false, Ordering::AcqRel);
        match bus
            .raw
            .call(EventBusMsg::Unsubscribe(self.id), EventBusReply::Removed)
            .await
        {
            Ok(_) => Ok(was_active),
            Err(CallError::NotRunning { .. } | CallError::Exited { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Keeps the subscription for the life of the bus (or of the subscribed server):
    /// the handle goes, the subscription stays.
    pub fn detach(mut self) {
        self.bus = None;
    }
}

impl<E: Send + Sync + 'static> Drop for Subscription<E> {
    fn drop(&mut self) {
        if let Some(bus) = self.bus.take() {
            // Stops the handler at once; the bus forgets the subscription when it
            // handles the message, or at the next matching publish if its bounded
            // mailbox refuses the message.
            self.active.store(false, Ordering::Release);
            let _ = bus.raw.cast(EventBusMsg::Unsubscribe(self.id));
        }
    }
}

impl<E: Send + Sync + 'static> fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("active", &self.is_active())
            .finish()
    }
}

#[cfg(test)]
mod tests;
