//! Registry lookups: typed and untyped, hits and misses, from 1 and from 8 threads at
//! once, in a registry holding 1 000 names. Lookups take no lock, so readers should not
//! slow each other down beyond sharing the reference count of the process they return.
//!
//! Run with `cargo bench -p noex-core --bench registry`. On a machine with fewer cores
//! than threads, the 8-thread figures measure time-slicing as much as contention.

use std::hint::black_box;
use std::sync::LazyLock;

use divan::Bencher;
use noex_core::prelude::*;

fn main() {
    divan::main();
}

/// The benchmark server's protocol.
#[derive(Debug, Messages)]
pub enum NamedMsg {
    /// Reads nothing; the benchmark never calls it.
    #[call(reply = ())]
    Ping,
}

/// A server to be found by name.
#[gen_server(messages = NamedMsg)]
pub struct Named;

impl NamedHandler for Named {
    async fn ping(&mut self, _ctx: &mut Ctx<Self>) {}
}

/// Another server type, for lookups of the wrong type.
#[derive(Debug, Messages)]
pub enum OtherMsg {
    /// Never called.
    #[cast]
    Nothing,
}

/// A server of another type.
#[gen_server(messages = OtherMsg)]
pub struct Other;

impl OtherHandler for Other {
    async fn nothing(&mut self, _ctx: &mut Ctx<Self>) {}
}

const NAMES: usize = 1_000;

struct Fixture {
    registry: Registry,
    /// Keeps the servers' runtime alive.
    _runtime: tokio::runtime::Runtime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
    let registry = Registry::new();
    runtime.block_on(async {
        for i in 0..NAMES {
            let options = StartOptions::new().name_in(&registry, format!("service-{i}"));
            let started = if i == 1 {
                Other.start_with(options).await.map(|_| ())
            } else {
                Named.start_with(options).await.map(|_| ())
            };
            started.unwrap_or_else(|e| panic!("start: {e}"));
        }
    });
    Fixture {
        registry,
        _runtime: runtime,
    }
});

fn registry() -> &'static Registry {
    &FIXTURE.registry
}

/// `lookup::<S>` of a registered name: the typed `ServerRef`, type-checked.
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn lookup_hit(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.lookup::<Named>(black_box("service-500")));
}

/// `lookup::<S>` of a free name: builds the `NotRegistered` error.
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn lookup_miss(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.lookup::<Named>(black_box("nobody")));
}

/// `whereis::<S>` of a registered name (the `Option` form).
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn whereis_hit(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.whereis::<Named>(black_box("service-500")));
}

/// `whereis::<S>` of a free name: no allocation at all.
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn whereis_miss(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.whereis::<Named>(black_box("nobody")));
}

/// `lookup::<S>` of a name held by another server type: the `WrongType` error.
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn lookup_wrong_type(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.lookup::<Named>(black_box("service-1")));
}

/// `whereis_process`: the untyped reference, no type check.
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn whereis_process_hit(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.whereis_process(black_box("service-500")));
}

/// `is_registered`: no reference is cloned, so nothing is shared between readers.
#[divan::bench(threads = [1, 8], sample_size = 1000)]
fn is_registered(bencher: Bencher<'_, '_>) {
    let registry = registry();
    bencher.bench(|| registry.is_registered(black_box("service-500")));
}
