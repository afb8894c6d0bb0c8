//! EventBus fan-out: `publish_and_wait` on a bus holding 1, 100 or 10 000 subscriptions
//! of which only two match the topic (one exact, one `order.*`), against 10 000 that all
//! match. The bus indexes patterns in a trie, so the few-match figures should stay flat
//! as the subscriptions that do not match grow; the all-match figure is the cost of
//! running 10 000 handlers, for contrast.
//!
//! Everything runs on one current-thread tokio runtime (the bus, every subscription's
//! task and the publisher), so the figures count work, not thread hand-offs. Run with
//! `cargo bench -p noex-core --bench event_bus`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use divan::Bencher;
use noex_core::event_bus::{EventBus, EventBusRef, Subscription};
use noex_core::prelude::*;

fn main() {
    divan::main();
}

/// A payload the size of a small domain event.
#[derive(Debug, Clone, Copy)]
pub struct OrderCreated {
    /// The order.
    pub id: u64,
    /// Its total, in cents.
    pub total_cents: u64,
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    bus: EventBusRef<OrderCreated>,
    handled: Arc<AtomicU64>,
    _subs: Vec<Subscription<OrderCreated>>,
}

impl Fixture {
    /// A bus with `matching` subscriptions that match `order.created` and `total -
    /// matching` that do not, spread over exact and wildcard patterns so that the trie
    /// has wide levels where the topic is walked.
    fn new(total: usize, matching: usize) -> Fixture {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
        let handled = Arc::new(AtomicU64::new(0));
        let (bus, subs) = runtime.block_on(async {
            let bus = EventBus::<OrderCreated>::new()
                .start()
                .await
                .unwrap_or_else(|e| panic!("start: {e}"));
            let mut subs = Vec::with_capacity(total);
            for i in 0..total {
                let pattern = if i < matching {
                    match i % 3 {
                        0 => "order.created".to_string(),
                        1 => "order.*".to_string(),
                        _ => "*".to_string(),
                    }
                } else {
                    match i % 4 {
                        0 => format!("noise{i}.created"),
                        1 => format!("order.created.v{i}"),
                        2 => format!("*.other{i}"),
                        _ => format!("order.kind{i}"),
                    }
                };
                let handled = handled.clone();
                let sub = bus
                    .subscribe(&pattern, move |event: &OrderCreated, _topic: &str| {
                        black_box(event.total_cents);
                        handled.fetch_add(1, Ordering::Relaxed);
                    })
                    .await
                    .unwrap_or_else(|e| panic!("subscribe: {e}"));
                subs.push(sub);
            }
            (bus, subs)
        });
        Fixture {
            runtime,
            bus,
            handled,
            _subs: subs,
        }
    }

    fn publish_and_wait(&self, id: u64) -> usize {
        self.runtime
            .block_on(self.bus.publish_and_wait(
                "order.created",
                OrderCreated {
                    id,
                    total_cents: 9_999,
                },
            ))
            .unwrap_or_else(|e| panic!("publish: {e}"))
    }
}

fn fan_out(bencher: Bencher<'_, '_>, total: usize, matching: usize) {
    let fixture = Fixture::new(total, matching);
    assert_eq!(fixture.publish_and_wait(0), matching);
    let mut id = 0;
    bencher.bench_local(|| {
        id += 1;
        fixture.publish_and_wait(id)
    });
    black_box(fixture.handled.load(Ordering::Relaxed));
}

/// `publish_and_wait` where 2 subscriptions match (1 when there is only 1), whatever the
/// number of subscriptions: 1, 100 or 10 000.
#[divan::bench(args = [1, 100, 10_000])]
fn few_match(bencher: Bencher<'_, '_>, subscriptions: usize) {
    fan_out(bencher, subscriptions, subscriptions.min(2));
}

/// `publish_and_wait` where every one of 10 000 subscriptions matches.
#[divan::bench(sample_count = 20)]
fn all_match_10_000(bencher: Bencher<'_, '_>) {
    fan_out(bencher, 10_000, 10_000);
}
