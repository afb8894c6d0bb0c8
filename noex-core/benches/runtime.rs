//! Call round trip and cast throughput of a noex server against the plain-tokio floor:
//! a task owning a `u64`, fed by an unbounded mpsc channel, replying through a oneshot.
//! Both run in the same process on the same runtime, so their ratio is meaningful even on
//! a noisy machine. Run with `cargo bench -p noex-core --bench runtime`.

use std::time::{Duration, Instant};

use noex_core::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// The benchmark server's protocol.
#[derive(Debug, Messages)]
pub enum CounterMsg {
    /// Reads the value.
    #[call(reply = u64)]
    Get,
    /// Adds one.
    #[cast]
    Incr,
}

/// A server holding a `u64`.
#[gen_server(messages = CounterMsg)]
#[derive(Default)]
pub struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value
    }

    async fn incr(&mut self, _ctx: &mut Ctx<Self>) {
        self.value += 1;
    }
}

enum Cmd {
    Get(oneshot::Sender<u64>),
    Incr,
}

fn spawn_baseline() -> mpsc::UnboundedSender<Cmd> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut value = 0u64;
        while let Some(cmd) = rx.recv().await {
            match cmd {
                Cmd::Get(reply) => {
                    let _ = reply.send(value);
                }
                Cmd::Incr => value += 1,
            }
        }
    });
    tx
}

async fn baseline_get(tx: &mpsc::UnboundedSender<Cmd>) -> u64 {
    let (otx, orx) = oneshot::channel();
    let _ = tx.send(Cmd::Get(otx));
    orx.await.unwrap_or(0)
}

const CALLS_FULL: u64 = 100_000;
const CASTS_FULL: u64 = 1_000_000;
const ROUNDS: usize = 7;

/// Workload sizes; `NOEX_BENCH_SCALE=0.01` shrinks them (e.g. under callgrind).
fn scaled(n: u64) -> u64 {
    let scale: f64 = std::env::var("NOEX_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * scale) as u64).max(1)
}

async fn noex_call(counter: &ServerRef<Counter>) -> Duration {
    let start = Instant::now();
    for _ in 0..scaled(CALLS_FULL) {
        std::hint::black_box(counter.get().await.ok());
    }
    start.elapsed()
}

async fn tokio_call(tx: &mpsc::UnboundedSender<Cmd>) -> Duration {
    let start = Instant::now();
    for _ in 0..scaled(CALLS_FULL) {
        std::hint::black_box(baseline_get(tx).await);
    }
    start.elapsed()
}

async fn noex_cast(counter: &ServerRef<Counter>) -> Duration {
    let before = counter.get().await.unwrap_or(0);
    let start = Instant::now();
    for _ in 0..scaled(CASTS_FULL) {
        let _ = counter.incr();
    }
    let after = counter.get().await.unwrap_or(0);
    let elapsed = start.elapsed();
    assert_eq!(
        after - before,
        scaled(CASTS_FULL),
        "every cast must be handled"
    );
    elapsed
}

async fn tokio_cast(tx: &mpsc::UnboundedSender<Cmd>) -> Duration {
    let before = baseline_get(tx).await;
    let start = Instant::now();
    for _ in 0..scaled(CASTS_FULL) {
        let _ = tx.send(Cmd::Incr);
    }
    let after = baseline_get(tx).await;
    let elapsed = start.elapsed();
    assert_eq!(
        after - before,
        scaled(CASTS_FULL),
        "every message must be handled"
    );
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn per_op(d: Duration, ops: u64) -> f64 {
    d.as_nanos() as f64 / ops as f64
}

fn main() {
    // `cargo test --benches` runs bench targets with `--test`-like flags; do a quick
    // smoke run then instead of the full measurement.
    let quick = std::env::args().any(|a| a == "--test" || a == "--list");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // The measuring loop runs as a task on the runtime's workers, as application code
    // does; `block_on`'s thread is not a worker, and every wakeup would cross threads.
    let measured = runtime.spawn(async move {
        let counter = Counter::default().start().await.expect("start");
        let tx = spawn_baseline();
        let rounds = if quick { 1 } else { ROUNDS };
        let (mut nc, mut tc, mut ns, mut ts) = (vec![], vec![], vec![], vec![]);
        // Warm up both, then interleave the measured rounds.
        noex_call(&counter).await;
        tokio_call(&tx).await;
        // `NOEX_BENCH_ONLY=noex-call` (or tokio-call, noex-cast, tokio-cast) runs one
        // workload alone, for profiling.
        let only = std::env::var("NOEX_BENCH_ONLY").ok();
        let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
        for _ in 0..rounds {
            if run("noex-call") {
                nc.push(noex_call(&counter).await);
            }
            if run("tokio-call") {
                tc.push(tokio_call(&tx).await);
            }
            if run("noex-cast") {
                ns.push(noex_cast(&counter).await);
            }
            if run("tokio-cast") {
                ts.push(tokio_cast(&tx).await);
            }
        }
        if only.is_some() {
            println!("profiling run of {only:?} done");
            return;
        }
        let (nc, tc) = (
            per_op(median(nc), scaled(CALLS_FULL)),
            per_op(median(tc), scaled(CALLS_FULL)),
        );
        let (ns, ts) = (
            per_op(median(ns), scaled(CASTS_FULL)),
            per_op(median(ts), scaled(CASTS_FULL)),
        );
        println!("noex-core runtime benchmark (medians of {rounds} rounds, 2 worker threads)");
        println!("{:<22}{:>12}{:>12}{:>9}", "", "noex", "tokio", "ratio");
        println!(
            "{:<22}{:>9.0} ns{:>9.0} ns{:>8.2}x",
            "call round trip",
            nc,
            tc,
            nc / tc
        );
        println!(
            "{:<22}{:>9.1} ns{:>9.1} ns{:>8.2}x",
            "cast (per message)",
            ns,
            ts,
            ns / ts
        );
        println!(
            "{:<22}{:>8.2} M/s{:>8.2} M/s{:>8.2}x",
            "cast throughput",
            1e3 / ns,
            1e3 / ts,
            ts / ns
        );
        let _ = counter.stop().await;
    });
    runtime.block_on(measured).expect("the benchmark task");
}
