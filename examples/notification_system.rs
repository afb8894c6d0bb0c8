//! The notification system of the inter-process communication guide, combining all
//! three ways processes talk:
//!
//! 1. **call**: the router calls the channel handler and waits for the delivery result;
//! 2. **Registry**: the router finds the handler by name (`channel-email`, ...);
//! 3. **EventBus**: the router announces `notification.sent.<channel>`, and analytics,
//!    subscribed to `notification.sent.*`, counts them.
//!
//! ```text
//!  main ─call─► notification-router ─lookup─► Registry ("channel-email", ...)
//!                     │  └─call deliver─► channel-email / channel-sms / channel-push
//!                     └─publish "notification.sent.email"─► event-bus ─cast─► analytics
//! ```
//!
//! Run with `cargo run --example notification_system`.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;

use noex_core::event_bus::{EventBus, Subscription};
use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};

/// How a notification reaches its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    /// An email.
    Email,
    /// A text message.
    Sms,
    /// A push notification.
    Push,
}

impl Channel {
    const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Push];

    /// Its name in registry names and topics.
    fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    /// The registry name of its handler.
    fn handler_name(self) -> String {
        format!("channel-{}", self.as_str())
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Whenever.
    Low,
    /// Soon.
    Normal,
    /// Now.
    High,
}

/// One notification to deliver.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Its id.
    pub id: String,
    /// Its recipient.
    pub user_id: String,
    /// Where to send it.
    pub channel: Channel,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// How urgent.
    pub priority: Priority,
}

/// What the router announces after a delivery.
#[derive(Debug, Clone)]
pub struct NotificationSent {
    /// The notification.
    pub notification_id: String,
    /// Its recipient.
    pub user_id: String,
}

const BUS: &str = "event-bus";
const ROUTER: &str = "notification-router";

// ---------------------------------------------------------------------------------------
// Channel handlers: called directly by the router.
// ---------------------------------------------------------------------------------------

/// Delivered and failed counts of one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelStats {
    /// Delivered notifications.
    pub delivered: u32,
    /// Failed deliveries.
    pub failed: u32,
}

/// A channel handler's protocol.
#[derive(Debug, Messages)]
pub enum ChannelMsg {
    /// Delivers a notification; true if it went out.
    #[call(reply = bool)]
    Deliver { notification: Notification },
    /// Counts so far.
    #[call(reply = ChannelStats)]
    Stats,
}

/// Delivers notifications over one channel.
#[gen_server(messages = ChannelMsg)]
pub struct ChannelService {
    channel: Channel,
    stats: ChannelStats,
}

impl ChannelService {
    fn new(channel: Channel) -> ChannelService {
        ChannelService {
            channel,
            stats: ChannelStats::default(),
        }
    }
}

impl ChannelHandler for ChannelService {
    async fn deliver(&mut self, notification: Notification, _ctx: &mut Ctx<Self>) -> bool {
        // A real handler would talk to a mail server or a push service here.
        let delivered = !notification.body.is_empty();
        if delivered {
            self.stats.delivered += 1;
            println!(
                "[{}] delivered to {}: {} ({:?} priority)",
                self.channel.as_str().to_uppercase(),
                notification.user_id,
                notification.title,
                notification.priority
            );
        } else {
            self.stats.failed += 1;
        }
        delivered
    }

    async fn stats(&mut self, _ctx: &mut Ctx<Self>) -> ChannelStats {
        self.stats
    }
}

// ---------------------------------------------------------------------------------------
// The router: finds the handler through the registry, calls it, announces the result.
// ---------------------------------------------------------------------------------------

/// The router's protocol.
#[derive(Debug, Messages)]
pub enum RouterMsg {
    /// Routes a notification to its channel; true if it was delivered.
    #[call(reply = bool)]
    Send { notification: Notification },
    /// Notifications delivered so far.
    #[call(reply = u32)]
    Sent,
}

/// Routes notifications by channel.
#[gen_server(messages = RouterMsg)]
#[derive(Default)]
pub struct Router {
    sent: u32,
}

impl RouterHandler for Router {
    async fn send(&mut self, notification: Notification, _ctx: &mut Ctx<Self>) -> bool {
        let registry = Registry::global();
        let channel = notification.channel;
        let Some(handler) = registry.whereis::<ChannelService>(&channel.handler_name()) else {
            println!("[router] no handler for channel: {channel}");
            return false;
        };
        // A call from inside a handler, to another server: the router waits for it.
        let delivered = match handler.deliver(notification.clone()).await {
            Ok(delivered) => delivered,
            Err(e) => {
                println!("[router] {channel} handler failed: {e}");
                false
            }
        };
        if delivered {
            self.sent += 1;
            if let Some(bus) = registry.whereis::<EventBus<NotificationSent>>(BUS) {
                let event = NotificationSent {
                    notification_id: notification.id,
                    user_id: notification.user_id,
                };
                if let Err(e) = bus.publish(&format!("notification.sent.{channel}"), event) {
                    println!("[router] could not announce the delivery: {e}");
                }
            }
        }
        delivered
    }

    async fn sent(&mut self, _ctx: &mut Ctx<Self>) -> u32 {
        self.sent
    }
}

// ---------------------------------------------------------------------------------------
// Analytics: subscribed to `notification.sent.*`.
// ---------------------------------------------------------------------------------------

/// The analytics service's protocol.
#[derive(Debug, Messages)]
pub enum AnalyticsMsg {
    /// A `notification.sent.<channel>` event, as a cast from the bus.
    #[cast]
    Sent {
        channel: String,
        event: NotificationSent,
    },
    /// Deliveries per channel.
    #[call(reply = BTreeMap<String, u32>)]
    ByChannel,
}

/// Counts deliveries per channel.
#[gen_server(messages = AnalyticsMsg)]
#[derive(Default)]
pub struct Analytics {
    by_channel: BTreeMap<String, u32>,
    subscription: Option<Subscription<NotificationSent>>,
}

impl AnalyticsHandler for Analytics {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        let bus = Registry::global().lookup::<EventBus<NotificationSent>>(BUS)?;
        let subscription = bus
            .subscribe_server(
                "notification.sent.*",
                &ctx.this(),
                |event: &NotificationSent, topic: &str| AnalyticsMsg::Sent {
                    // The third segment is the channel: "notification.sent.email".
                    channel: topic.rsplit('.').next().unwrap_or(topic).to_string(),
                    event: event.clone(),
                },
            )
            .await?;
        self.subscription = Some(subscription);
        Ok(())
    }

    async fn sent(&mut self, channel: String, event: NotificationSent, _ctx: &mut Ctx<Self>) {
        println!(
            "[analytics] notification {} for {} sent via {channel}",
            event.notification_id, event.user_id
        );
        *self.by_channel.entry(channel).or_default() += 1;
    }

    async fn by_channel(&mut self, _ctx: &mut Ctx<Self>) -> BTreeMap<String, u32> {
        self.by_channel.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Start the system and use it.
// ---------------------------------------------------------------------------------------

async fn start_notification_system() -> Result<ServerRef<Supervisor>, Box<dyn Error>> {
    // The bus first: analytics looks it up when it starts.
    EventBus::<NotificationSent>::new()
        .start_with(StartOptions::new().name(BUS))
        .await?;
    let channels = Supervisor::new(Strategy::OneForOne)
        .children(Channel::ALL.map(|channel| {
            ChildSpec::new(channel.handler_name(), move || {
                ChannelService::new(channel)
                    .start_with(StartOptions::new().name(channel.handler_name()))
            })
        }))
        .start()
        .await?;
    Router::default()
        .start_with(StartOptions::new().name(ROUTER))
        .await?;
    Analytics::default()
        .start_with(StartOptions::new().name("analytics"))
        .await?;
    println!("notification system started");
    Ok(channels)
}

fn notification(id: &str, channel: Channel, title: &str, priority: Priority) -> Notification {
    Notification {
        id: id.to_string(),
        user_id: "user-1".to_string(),
        channel,
        title: title.to_string(),
        body: format!("{title}: see the app for details."),
        priority,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let channels = start_notification_system().await?;
    let registry = Registry::global();
    let router = registry.lookup::<Router>(ROUTER)?;

    let welcome = notification("n1", Channel::Email, "Welcome!", Priority::Normal);
    let message = notification("n2", Channel::Push, "New message", Priority::High);
    assert!(router.send(welcome).await?);
    assert!(router.send(message).await?);

    // Take the SMS channel down: its name leaves the registry with it, and the router
    // reports that no handler is there.
    channels
        .terminate_child(&Channel::Sms.handler_name())
        .await?;
    let reminder = notification("n3", Channel::Sms, "Reminder", Priority::Low);
    assert!(!router.send(reminder).await?);

    // Every announcement the router published has reached analytics once the bus has
    // handled everything sent before this flush.
    let bus = registry.lookup::<EventBus<NotificationSent>>(BUS)?;
    bus.flush().await?;
    let by_channel = registry
        .lookup::<Analytics>("analytics")?
        .by_channel()
        .await?;
    println!("router delivered {}", router.sent().await?);
    println!("analytics by channel: {by_channel:?}");
    for channel in [Channel::Email, Channel::Push] {
        let stats = registry
            .lookup::<ChannelService>(&channel.handler_name())?
            .stats()
            .await?;
        println!("{channel}: {stats:?}");
    }
    assert_eq!(
        by_channel,
        BTreeMap::from([("email".to_string(), 1), ("push".to_string(), 1)])
    );

    registry.lookup_process("analytics")?.stop().await?;
    router.stop().await?;
    channels.stop().await?;
    bus.stop().await?;
    Ok(())
}
