//! Heap allocations on the hot paths, counted by a global allocator: in the steady state a
//! cast allocates nothing and a call allocates once (its reply slot), for a server whose
//! messages and replies are plain data.
//!
//! This is its own test binary because it installs a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use noex_core::prelude::*;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// The counter of the benchmarks: plain data in, plain data out.
#[derive(Debug, Messages)]
pub enum CounterMsg {
    /// The value.
    #[call(reply = u64)]
    Get,
    /// Adds `by`.
    #[call(reply = u64)]
    Add { by: u64 },
    /// Adds one.
    #[cast]
    Incr,
}

/// A `u64`.
#[gen_server(messages = CounterMsg)]
#[derive(Default)]
pub struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value
    }

    async fn add(&mut self, by: u64, _ctx: &mut Ctx<Self>) -> u64 {
        self.value += by;
        self.value
    }

    async fn incr(&mut self, _ctx: &mut Ctx<Self>) {
        self.value += 1;
    }
}

const BATCH: u64 = 1_000;

async fn cast_batch(counter: &ServerRef<Counter>) -> u64 {
    for _ in 0..BATCH {
        counter.incr().expect("cast");
    }
    counter.get().await.expect("get")
}

#[test]
fn casts_allocate_nothing_and_calls_allocate_once_in_the_steady_state() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let counter = Counter::default().start().await.expect("start");

        // Warm up: mailbox buffers grow to the batch size, the timeout queue starts.
        for _ in 0..3 {
            cast_batch(&counter).await;
            for i in 0..BATCH {
                counter.add(i).await.expect("add");
            }
        }

        let start_value = counter.get().await.expect("get");
        let before = allocations();
        let value = cast_batch(&counter).await;
        let during_casts = allocations() - before;
        // The batch ends with one call to read the value: that call's slot is the only
        // allocation allowed.
        assert!(
            during_casts <= 1,
            "{BATCH} casts and one call allocated {during_casts} times"
        );
        assert_eq!(value - start_value, BATCH, "every cast was handled");

        let before = allocations();
        for i in 0..BATCH {
            counter.add(i).await.expect("add");
        }
        let during_calls = allocations() - before;
        assert!(
            during_calls <= BATCH,
            "{BATCH} calls allocated {during_calls} times (at most one each)"
        );
        assert!(during_calls > 0, "the allocator is counting");
        println!("steady state: {BATCH} casts + 1 call: {during_casts} allocations; {BATCH} calls: {during_calls}");

        counter.stop().await.expect("stop");
    });
}
