//! The seeds' exercise: a notification delivery system.
//!
//! ```text
//! submit ─► [pipeline server]  validate ─► rate check (per user) ─► queue on the pool
//!                                                                      │
//!           [worker pool: 3 workers] ─► per-channel circuit breaker ─► deliver
//!                 │                                                    │
//!                 └──── result to the submitter          [tracker server] + EventBus "delivery.*"
//! ```
//!
//! SMS delivery is down in this run: its breaker opens after two failures and the later
//! SMS notifications fail fast, while email and push are unaffected.
//!
//! Run with `cargo run --example notification_delivery`.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use noex_core::event_bus::{EventBus, EventBusRef};
use noex_core::prelude::*;
use noex_std::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig, CircuitBreakerError};
use noex_std::rate_limiter::{RateLimitError, RateLimiter, RateLimiterConfig};
use noex_std::worker_pool::{JobHandle, JobHandler, WorkerPool, WorkerPoolConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
    Push,
}

#[derive(Clone, Debug)]
pub struct Notification {
    pub user_id: String,
    pub channel: Channel,
    pub content: String,
}

#[derive(Clone, Debug)]
pub struct DeliveryResult {
    pub job: u64,
    pub user_id: String,
    pub channel: Channel,
    pub outcome: Result<(), String>,
}

// ---- the tracker: delivery status in a server of its own ---------------------------------

/// The tracker's protocol.
#[derive(Debug, Messages)]
pub enum TrackerMsg {
    /// Records one delivery.
    #[cast]
    Record { result: DeliveryResult },
    /// Every delivery recorded so far.
    #[call(reply = Vec<DeliveryResult>)]
    All,
}

/// Delivery results, in arrival order.
#[gen_server(messages = TrackerMsg)]
#[derive(Default)]
pub struct Tracker {
    deliveries: Vec<DeliveryResult>,
}

impl TrackerHandler for Tracker {
    async fn record(&mut self, result: DeliveryResult, _ctx: &mut Ctx<Self>) {
        self.deliveries.push(result);
    }

    async fn all(&mut self, _ctx: &mut Ctx<Self>) -> Vec<DeliveryResult> {
        self.deliveries.clone()
    }
}

// ---- delivery: what the pool's workers run ------------------------------------------------

/// The simulated providers: SMS is down.
async fn send(channel: Channel, content: &str) -> Result<(), String> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    match channel {
        Channel::Sms => Err(format!("sms gateway down (could not send {content:?})")),
        Channel::Email | Channel::Push => Ok(()),
    }
}

/// One worker's view of the system: the breakers, the tracker, the event bus.
#[derive(Clone)]
struct Deliverer {
    breakers: Arc<HashMap<Channel, CircuitBreaker>>,
    tracker: ServerRef<Tracker>,
    bus: EventBusRef<DeliveryResult>,
}

impl JobHandler<(u64, Notification)> for Deliverer {
    type Output = DeliveryResult;

    async fn handle(&mut self, (job, n): (u64, Notification)) -> DeliveryResult {
        let outcome =
            match self.breakers.get(&n.channel) {
                Some(breaker) => breaker
                    .execute(send(n.channel, &n.content))
                    .await
                    .map_err(|e| match e {
                        CircuitBreakerError::Open { retry_after } => {
                            format!("circuit open, not sent (retry in {retry_after:.0?})")
                        }
                        other => other.to_string(),
                    }),
                None => Err("no breaker for this channel".to_string()),
            };
        let result = DeliveryResult {
            job,
            user_id: n.user_id,
            channel: n.channel,
            outcome,
        };
        let _ = self.tracker.record(result.clone());
        let topic = if result.outcome.is_ok() {
            "delivery.success"
        } else {
            "delivery.failed"
        };
        let _ = self.bus.publish(topic, result.clone());
        result
    }
}

// ---- the pipeline coordinator: validate → rate check → queue --------------------------------

/// The pipeline's protocol.
#[derive(Debug, Messages)]
pub enum PipelineMsg {
    /// Validates, rate-checks and queues a notification; answers with its job handle.
    #[call(reply = Result<JobHandle<DeliveryResult>, String>)]
    Submit { notification: Notification },
}

/// Validation and admission; delivery happens on the pool.
#[gen_server(messages = PipelineMsg)]
pub struct Pipeline {
    limiter: RateLimiter,
    pool: WorkerPool<(u64, Notification), DeliveryResult>,
    next_job: u64,
}

impl PipelineHandler for Pipeline {
    async fn submit(
        &mut self,
        notification: Notification,
        _ctx: &mut Ctx<Self>,
    ) -> Result<JobHandle<DeliveryResult>, String> {
        // 1. Validate.
        if notification.user_id.is_empty() || notification.content.is_empty() {
            return Err("invalid notification: missing user or content".into());
        }
        // 2. Rate check (per user), recorded only if admitted.
        match self
            .limiter
            .consume(format!("user:{}", notification.user_id))
            .await
        {
            Ok(_) => {}
            Err(RateLimitError::Exceeded(s)) => {
                return Err(format!("rate limited, retry after {:.0?}", s.retry_after));
            }
            Err(other) => return Err(other.to_string()),
        }
        // 3. Queue for delivery; the workers deliver and track.
        self.next_job += 1;
        self.pool
            .try_submit((self.next_job, notification))
            .map_err(|e| e.to_string())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let bus = EventBus::<DeliveryResult>::new().start().await?;
    let _log = bus
        .subscribe("delivery.*", |r: &DeliveryResult, topic: &str| {
            println!(
                "  [{topic}] job {} to {} via {:?}: {:?}",
                r.job, r.user_id, r.channel, r.outcome
            );
        })
        .await?;

    let mut breakers = HashMap::new();
    for (channel, name) in [
        (Channel::Email, "email"),
        (Channel::Sms, "sms"),
        (Channel::Push, "push"),
    ] {
        let config = CircuitBreakerConfig::new()
            .name(name)
            .failure_threshold(2)
            .reset_timeout(Duration::from_secs(30));
        breakers.insert(channel, CircuitBreaker::start(config).await?);
    }
    let breakers = Arc::new(breakers);
    let tracker = Tracker::default().start().await?;
    let deliverer = Deliverer {
        breakers: breakers.clone(),
        tracker: tracker.clone(),
        bus: bus.clone(),
    };
    let pool = WorkerPool::start(WorkerPoolConfig::new(3), deliverer).await?;
    // 100 per minute per user in production; 4 here, so the demo shows a refusal.
    let limiter = RateLimiter::start(RateLimiterConfig::new(4, Duration::from_secs(60))).await?;
    let pipeline = Pipeline {
        limiter: limiter.clone(),
        pool: pool.clone(),
        next_job: 0,
    }
    .start()
    .await?;
    println!("notification system started: 3 workers, breakers per channel, 4/min per user");

    let sends = [
        ("user1", Channel::Email, "Welcome!"),
        ("user1", Channel::Push, "New message"),
        ("user2", Channel::Sms, "Verify code: 123456"),
        ("user1", Channel::Email, "Order shipped"),
        ("user3", Channel::Sms, "Sale ends soon!"),
        ("user3", Channel::Sms, "Last chance!"),
        ("user1", Channel::Push, "Fourth for user1"),
        ("user1", Channel::Push, "Fifth for user1: rate limited"),
        ("", Channel::Email, "no user: invalid"),
    ];
    let mut handles = Vec::new();
    for (user, channel, content) in sends {
        let notification = Notification {
            user_id: user.to_string(),
            channel,
            content: content.to_string(),
        };
        match pipeline.submit(notification).await? {
            Ok(handle) => {
                println!(
                    "submitted {content:?} for {user:?} via {channel:?}: job {}",
                    handle.id()
                );
                handles.push(handle);
            }
            Err(refused) => println!("refused {content:?} for {user:?}: {refused}"),
        }
    }
    for handle in handles {
        handle.await?;
    }
    // The SMS breaker is open now: this one fails fast, without calling the gateway.
    let late = Notification {
        user_id: "user2".to_string(),
        channel: Channel::Sms,
        content: "Your code expires soon".to_string(),
    };
    let result = pipeline
        .submit(late)
        .await?
        .map_err(|e| e.to_string())?
        .await?;
    println!("late SMS for user2: {:?}", result.outcome);
    bus.flush().await?;

    let deliveries = tracker.all().await?;
    let delivered = deliveries.iter().filter(|d| d.outcome.is_ok()).count();
    println!(
        "tracker: {} deliveries, {delivered} delivered",
        deliveries.len()
    );
    for (channel, breaker) in breakers.iter() {
        println!("breaker {:?}: {}", channel, breaker.state());
    }

    pipeline.stop().await?;
    pool.stop().await?;
    limiter.stop().await?;
    for breaker in breakers.values() {
        breaker.stop().await?;
    }
    tracker.stop().await?;
    bus.stop().await?;
    Ok(())
}
