//! The order processing pipeline of the inter-process communication guide: an order
//! service publishes `order.*` events on a named EventBus; inventory, email and
//! analytics services, started under a one-for-one supervisor, find the bus through
//! the registry and react independently. The publisher knows none of them.
//!
//! ```text
//!                                   ┌─► inventory  ("order.created", as casts to itself)
//!  create_order ─► "event-bus" ─────┼─► email      ("order.*",       as casts to itself)
//!                                   └─► analytics  ("*",             a closure)
//! ```
//!
//! Run with `cargo run --example order_pipeline`.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use noex_core::event_bus::{EventBus, Subscription};
use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};

/// What the order service announces. One enum, so one bus carries every kind.
#[derive(Debug, Clone)]
pub enum OrderEvent {
    /// An order was placed.
    Created {
        /// The order.
        order_id: String,
        /// Who placed it.
        user_id: String,
        /// What it holds.
        items: Vec<String>,
        /// Its total, in cents.
        total_cents: u64,
    },
    /// An order was paid.
    Paid {
        /// The order.
        order_id: String,
        /// The payment.
        payment_id: String,
    },
    /// An order left the warehouse.
    Shipped {
        /// The order.
        order_id: String,
        /// The carrier's tracking number.
        tracking_number: String,
    },
}

impl OrderEvent {
    fn order_id(&self) -> &str {
        match self {
            OrderEvent::Created { order_id, .. }
            | OrderEvent::Paid { order_id, .. }
            | OrderEvent::Shipped { order_id, .. } => order_id,
        }
    }
}

/// The bus every service finds by this name.
const BUS: &str = "event-bus";

/// The named bus, from the global registry.
fn event_bus() -> Result<ServerRef<EventBus<OrderEvent>>, LookupError> {
    Registry::global().lookup::<EventBus<OrderEvent>>(BUS)
}

// ---------------------------------------------------------------------------------------
// Inventory: reserves the items of every created order.
// ---------------------------------------------------------------------------------------

/// The inventory service's protocol.
#[derive(Debug, Messages)]
pub enum InventoryMsg {
    /// An `order.created` event, delivered by the bus as a cast.
    #[cast]
    Reserve {
        order_id: String,
        items: Vec<String>,
    },
    /// Items reserved so far, per order.
    #[call(reply = Vec<(String, Vec<String>)>)]
    Reserved,
}

/// Reserved items per order.
#[gen_server(messages = InventoryMsg)]
#[derive(Default)]
pub struct Inventory {
    reserved: Vec<(String, Vec<String>)>,
    subscription: Option<Subscription<OrderEvent>>,
}

impl InventoryHandler for Inventory {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        // Subscribe on startup, as in the guide; events arrive as casts to this server,
        // so they are handled one at a time with the server's own state. The
        // subscription ends with the server, and is made again at each restart.
        let subscription = event_bus()?
            .subscribe_server(
                "order.created",
                &ctx.this(),
                // `None` skips an event: only `Created` carries items to reserve.
                |event: &OrderEvent, _topic: &str| match event {
                    OrderEvent::Created {
                        order_id, items, ..
                    } => Some(InventoryMsg::Reserve {
                        order_id: order_id.clone(),
                        items: items.clone(),
                    }),
                    _ => None,
                },
            )
            .await?;
        self.subscription = Some(subscription);
        Ok(())
    }

    async fn reserve(&mut self, order_id: String, items: Vec<String>, _ctx: &mut Ctx<Self>) {
        println!("[inventory] reserving {items:?} for order {order_id}");
        self.reserved.push((order_id, items));
    }

    async fn reserved(&mut self, _ctx: &mut Ctx<Self>) -> Vec<(String, Vec<String>)> {
        self.reserved.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Email: one message per step of every order.
// ---------------------------------------------------------------------------------------

/// The email service's protocol.
#[derive(Debug, Messages)]
pub enum EmailMsg {
    /// Any `order.*` event, delivered by the bus as a cast.
    #[cast]
    OrderUpdate { event: OrderEvent },
    /// How many emails were sent.
    #[call(reply = usize)]
    Sent,
}

/// Counts the emails it sends.
#[gen_server(messages = EmailMsg)]
#[derive(Default)]
pub struct Email {
    sent: usize,
    subscription: Option<Subscription<OrderEvent>>,
}

impl EmailHandler for Email {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        let subscription = event_bus()?
            .subscribe_server("order.*", &ctx.this(), |event: &OrderEvent, _: &str| {
                EmailMsg::OrderUpdate {
                    event: event.clone(),
                }
            })
            .await?;
        self.subscription = Some(subscription);
        Ok(())
    }

    async fn order_update(&mut self, event: OrderEvent, _ctx: &mut Ctx<Self>) {
        match &event {
            OrderEvent::Created {
                order_id,
                total_cents,
                ..
            } => println!(
                "[email] order confirmation for {order_id} ({}.{:02} EUR)",
                total_cents / 100,
                total_cents % 100
            ),
            OrderEvent::Paid {
                order_id,
                payment_id,
            } => println!("[email] payment receipt for {order_id} ({payment_id})"),
            OrderEvent::Shipped {
                order_id,
                tracking_number,
            } => println!("[email] shipping notice for {order_id}, tracking {tracking_number}"),
        }
        self.sent += 1;
    }

    async fn sent(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.sent
    }
}

// ---------------------------------------------------------------------------------------
// Analytics: every event on the bus, through a plain closure.
// ---------------------------------------------------------------------------------------

/// The analytics service's protocol.
#[derive(Debug, Messages)]
pub enum AnalyticsMsg {
    /// How many events were tracked.
    #[call(reply = usize)]
    Tracked,
}

/// Tracks every event; its subscriber is a closure sharing a counter with it.
#[gen_server(messages = AnalyticsMsg)]
#[derive(Default)]
pub struct Analytics {
    tracked: Arc<AtomicUsize>,
    subscription: Option<Subscription<OrderEvent>>,
}

impl AnalyticsHandler for Analytics {
    async fn init(&mut self, _ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        let tracked = self.tracked.clone();
        let subscription = event_bus()?
            .subscribe("*", move |event: &OrderEvent, topic: &str| {
                println!("[analytics] event: {topic} ({})", event.order_id());
                tracked.fetch_add(1, Ordering::Relaxed);
            })
            .await?;
        self.subscription = Some(subscription);
        Ok(())
    }

    async fn tracked(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.tracked.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------------------
// The order service's side: it publishes, and knows nobody.
// ---------------------------------------------------------------------------------------

/// Places an order: announces it and returns its id.
fn create_order(
    order_id: &str,
    user_id: &str,
    items: &[&str],
    total_cents: u64,
) -> Result<String, Box<dyn Error>> {
    event_bus()?.publish(
        "order.created",
        OrderEvent::Created {
            order_id: order_id.to_string(),
            user_id: user_id.to_string(),
            items: items.iter().map(|i| i.to_string()).collect(),
            total_cents,
        },
    )?;
    Ok(order_id.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The bus first: the services look it up when they start.
    let bus = EventBus::<OrderEvent>::new()
        .start_with(StartOptions::new().name(BUS))
        .await?;

    let services = Supervisor::new(Strategy::OneForOne)
        .child(ChildSpec::new("inventory", || {
            Inventory::default().start_with(StartOptions::new().name("inventory"))
        }))
        .child(ChildSpec::new("email", || {
            Email::default().start_with(StartOptions::new().name("email"))
        }))
        .child(ChildSpec::new("analytics", || {
            Analytics::default().start_with(StartOptions::new().name("analytics"))
        }))
        .start()
        .await?;
    println!(
        "order pipeline started: {} subscriptions on {BUS}",
        bus.subscription_count().await?
    );

    let order = create_order("order-1", "user-1", &["keyboard", "mouse"], 9_999)?;
    bus.publish(
        "order.paid",
        OrderEvent::Paid {
            order_id: order.clone(),
            payment_id: "pay-42".into(),
        },
    )?;
    bus.publish(
        "order.shipped",
        OrderEvent::Shipped {
            order_id: order.clone(),
            tracking_number: "ZX-1234".into(),
        },
    )?;

    // The publishes above were fire-and-forget. Wait until every subscriber has them
    // (closures have run; servers have the casts queued), then ask the services.
    bus.flush().await?;
    let registry = Registry::global();
    let reserved = registry
        .lookup::<Inventory>("inventory")?
        .reserved()
        .await?;
    let sent = registry.lookup::<Email>("email")?.sent().await?;
    let tracked = registry.lookup::<Analytics>("analytics")?.tracked().await?;
    println!("inventory reserved {reserved:?}");
    println!("email sent {sent} messages; analytics tracked {tracked} events");
    assert_eq!(reserved.len(), 1);
    assert_eq!((sent, tracked), (3, 3));

    services.stop().await?;
    // The services' subscriptions ended with them.
    println!(
        "services stopped: {} subscriptions left",
        bus.subscription_count().await?
    );
    bus.stop().await?;
    Ok(())
}
