//! The five workloads, written once against [`System`] and run for each system in its own
//! process. Every workload checks the counters it drives and fails on a wrong value.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::{BoxError, Result, fail};

/// One actor system, seen through the counter server that every workload drives: a
/// server holding a `u64`, with a call that increments it and returns the new value
/// (`bump`), a call that reads it (`get`) and a cast that increments it (`incr`).
///
/// Each implementation is a thin wrapper over the system's recommended API; the
/// workloads are generic, so every system runs exactly the same measuring code.
pub(crate) trait System: 'static {
    /// A reference to a started server.
    type Server: Clone + Send + Sync + 'static;

    /// Whether the default [`run`](System::run) uses a current-thread tokio runtime
    /// instead of the 2-worker one (for the single-thread comparison with actix).
    const ONE_THREAD: bool = false;

    /// Starts one server holding 0, ready to receive messages when this returns.
    fn start() -> impl Future<Output = Result<Self::Server>> + Send;

    /// The call: adds one and returns the new value.
    fn bump(server: &Self::Server) -> impl Future<Output = Result<u64>> + Send;

    /// The read: returns the value.
    fn get(server: &Self::Server) -> impl Future<Output = Result<u64>> + Send;

    /// The cast: adds one, without waiting for it to be handled.
    fn incr(server: &Self::Server) -> impl Future<Output = Result<()>> + Send;

    /// Runs `work` as a task on this system's runtime (never in `block_on`'s own
    /// thread, except where that thread is the runtime, as in actix) and returns its
    /// output. The runtime is not torn down: the process exits right after.
    ///
    /// By default a fresh tokio runtime: multi-thread with 2 workers, or current-thread
    /// if [`ONE_THREAD`](System::ONE_THREAD).
    fn run<T: Send + 'static>(work: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
        crate::systems::run_on_tokio(work, Self::ONE_THREAD)
    }

    /// Spawns a task on the runtime `run` set up; by default `tokio::spawn`.
    fn spawn<T: Send + 'static>(task: impl Future<Output = T> + Send + 'static) -> JoinHandle<T> {
        tokio::spawn(task)
    }
}

/// The workloads of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Workload {
    /// Sequential round trips to one server.
    Call,
    /// A million casts to one server, then one read.
    Cast,
    /// 100 000 idle servers started; time per start and resident memory per server.
    Spawn,
    /// 1 000 servers, 4 caller tasks, 200 000 calls round-robin.
    FanOut,
}

impl Workload {
    /// Every workload, in table order.
    pub(crate) const ALL: [Workload; 4] = [
        Workload::Call,
        Workload::Cast,
        Workload::Spawn,
        Workload::FanOut,
    ];

    /// The name used on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Workload::Call => "call",
            Workload::Cast => "cast",
            Workload::Spawn => "spawn",
            Workload::FanOut => "fanout",
        }
    }

    /// Parses a command-line name.
    pub(crate) fn parse(name: &str) -> Result<Workload> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| {
                fail(format!(
                    "unknown workload {name:?}; one of call, cast, spawn, fanout"
                ))
            })
    }

    /// The figures this workload reports.
    pub(crate) fn metrics(self) -> &'static [Metric] {
        match self {
            Workload::Call => &[Metric::CallNs],
            Workload::Cast => &[Metric::CastMps],
            Workload::Spawn => &[Metric::SpawnUs, Metric::IdleBytes],
            Workload::FanOut => &[Metric::FanOutMps],
        }
    }
}

/// A figure of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Metric {
    /// Nanoseconds per sequential call (lower is better).
    CallNs,
    /// Millions of casts handled per second (higher is better).
    CastMps,
    /// Microseconds per server started (lower is better).
    SpawnUs,
    /// Resident bytes per idle server (lower is better).
    IdleBytes,
    /// Millions of calls per second with 4 callers over 1 000 servers (higher is better).
    FanOutMps,
}

impl Metric {
    /// Every metric, in table order.
    pub(crate) const ALL: [Metric; 5] = [
        Metric::CallNs,
        Metric::CastMps,
        Metric::SpawnUs,
        Metric::IdleBytes,
        Metric::FanOutMps,
    ];

    /// The key of the line a child prints.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Metric::CallNs => "call_ns",
            Metric::CastMps => "cast_mps",
            Metric::SpawnUs => "spawn_us",
            Metric::IdleBytes => "idle_bytes",
            Metric::FanOutMps => "fanout_mps",
        }
    }

    /// True when a higher figure is better.
    pub(crate) fn higher_is_better(self) -> bool {
        matches!(self, Metric::CastMps | Metric::FanOutMps)
    }
}

/// Sequential calls measured, after the warm-up calls.
const CALLS: u64 = 100_000;
/// Calls made before measuring.
const CALL_WARMUP: u64 = 10_000;
/// Casts measured, before the final read.
const CASTS: u64 = 1_000_000;
/// Casts (and one read) before measuring.
const CAST_WARMUP: u64 = 10_000;
/// Idle servers started.
const SPAWNS: u64 = 100_000;
/// Servers started and kept before the memory baseline, so lazily initialized runtime
/// state is not charged to the measured servers.
const SPAWN_WARMUP: u64 = 100;
/// Servers called by the fan-out.
const FAN_SERVERS: usize = 1_000;
/// Caller tasks of the fan-out.
const FAN_CALLERS: usize = 4;
/// Calls each server gets during the fan-out: 200 × 1 000 = 200 000 calls.
const FAN_CALLS_PER_SERVER: u64 = 200;

/// Workload sizes; `NOEX_BENCH_SCALE=0.01` shrinks them (e.g. under callgrind).
fn scaled(n: u64) -> u64 {
    let scale: f64 = std::env::var("NOEX_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * scale) as u64).max(1)
}

/// Runs `workload` for system `S` on its runtime and returns its figures.
pub(crate) fn run<S: System>(workload: Workload) -> Result<Vec<(Metric, f64)>> {
    match workload {
        Workload::Call => S::run(call::<S>()),
        Workload::Cast => S::run(cast::<S>()),
        Workload::Spawn => S::run(spawn::<S>()),
        Workload::FanOut => S::run(fan_out::<S>()),
    }
}

/// Fails unless `got == want`.
fn expect_eq(what: &str, got: u64, want: u64) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(fail(format!("{what}: got {got}, expected {want}")))
    }
}

async fn call<S: System>() -> Result<Vec<(Metric, f64)>> {
    let server = S::start().await?;
    let warmup = scaled(CALL_WARMUP);
    for i in 1..=warmup {
        expect_eq("warm-up call reply", S::bump(&server).await?, i)?;
    }
    let calls = scaled(CALLS);
    let start = Instant::now();
    for i in 1..=calls {
        let value = S::bump(&server).await?;
        if value != warmup + i {
            expect_eq("call reply", value, warmup + i)?;
        }
    }
    let elapsed = start.elapsed();
    expect_eq(
        "value after the calls",
        S::get(&server).await?,
        warmup + calls,
    )?;
    Ok(vec![(Metric::CallNs, per_op(elapsed, calls) * 1e9)])
}

async fn cast<S: System>() -> Result<Vec<(Metric, f64)>> {
    let server = S::start().await?;
    let warmup = scaled(CAST_WARMUP);
    for _ in 0..warmup {
        S::incr(&server).await?;
    }
    expect_eq(
        "value after the warm-up casts",
        S::get(&server).await?,
        warmup,
    )?;
    let casts = scaled(CASTS);
    let start = Instant::now();
    for _ in 0..casts {
        S::incr(&server).await?;
    }
    // The read queues behind every cast: when it returns, all were handled.
    let value = S::get(&server).await?;
    let elapsed = start.elapsed();
    expect_eq("value after the casts", value, warmup + casts)?;
    Ok(vec![(
        Metric::CastMps,
        casts as f64 / elapsed.as_secs_f64() / 1e6,
    )])
}

async fn spawn<S: System>() -> Result<Vec<(Metric, f64)>> {
    let mut warm = Vec::new();
    for _ in 0..SPAWN_WARMUP {
        warm.push(S::start().await?);
    }
    for server in &warm {
        expect_eq("warm-up server", S::bump(server).await?, 1)?;
    }
    let n = scaled(SPAWNS);
    let mut servers = Vec::with_capacity(n as usize);
    // Touch the references' storage now, so its pages are not counted as the servers'.
    servers
        .spare_capacity_mut()
        .fill_with(std::mem::MaybeUninit::zeroed);
    std::hint::black_box(servers.spare_capacity_mut());
    // Let the warm-up servers' tasks settle before the baseline.
    tokio::time::sleep(Duration::from_millis(50)).await;

    let rss_before = resident_bytes()?;
    let start = Instant::now();
    for _ in 0..n {
        servers.push(S::start().await?);
    }
    let elapsed = start.elapsed();
    // Every server's task gets to run and park on its empty mailbox before the memory
    // is read: the figure is that of idle servers, not of tasks not yet polled.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_after = resident_bytes()?;
    eprintln!(
        "resident set: {:.1} MiB before, {:.1} MiB after {n} servers",
        rss_before as f64 / 1048576.0,
        rss_after as f64 / 1048576.0
    );

    // A few of them answer, and were idle (never handled a message) until now.
    let step = (n as usize / 10).max(1);
    for server in servers.iter().step_by(step).chain(servers.last()) {
        expect_eq("a spawned server's first call", S::bump(server).await?, 1)?;
    }
    std::hint::black_box((&warm, &servers));
    let idle = rss_after.saturating_sub(rss_before) as f64 / n as f64;
    Ok(vec![
        (Metric::SpawnUs, per_op(elapsed, n) * 1e6),
        (Metric::IdleBytes, idle),
    ])
}

async fn fan_out<S: System>() -> Result<Vec<(Metric, f64)>> {
    let per_server = scaled(FAN_CALLS_PER_SERVER);
    let mut servers = Vec::with_capacity(FAN_SERVERS);
    for _ in 0..FAN_SERVERS {
        servers.push(S::start().await?);
    }
    // One warm-up call each: every server is running and has handled a message.
    for server in &servers {
        expect_eq("warm-up call", S::bump(server).await?, 1)?;
    }
    let servers = Arc::new(servers);
    let calls_per_caller = per_server * FAN_SERVERS as u64 / FAN_CALLERS as u64;
    let start = Instant::now();
    let callers: Vec<JoinHandle<Result<u64>>> = (0..FAN_CALLERS)
        .map(|caller| {
            let servers = servers.clone();
            S::spawn(async move {
                // Each caller walks the servers in order from its own offset.
                let mut next = caller * FAN_SERVERS / FAN_CALLERS;
                let mut sum = 0u64;
                for _ in 0..calls_per_caller {
                    sum += S::bump(&servers[next]).await?;
                    next += 1;
                    if next == FAN_SERVERS {
                        next = 0;
                    }
                }
                Ok(sum)
            })
        })
        .collect();
    let mut sum = 0;
    for caller in callers {
        sum += caller
            .await
            .map_err(|e| fail(format!("a fan-out caller task failed: {e}")))??;
    }
    let elapsed = start.elapsed();

    // Each server answered 2, 3, ..., per_server + 1 (in some order), once each.
    let total = calls_per_caller * FAN_CALLERS as u64;
    let per_server_sum = (per_server + 1) * (per_server + 2) / 2 - 1;
    expect_eq(
        "sum of the fan-out replies",
        sum,
        per_server_sum * FAN_SERVERS as u64,
    )?;
    for server in servers.iter() {
        expect_eq(
            "a server's value after the fan-out",
            S::get(server).await?,
            per_server + 1,
        )?;
    }
    Ok(vec![(
        Metric::FanOutMps,
        total as f64 / elapsed.as_secs_f64() / 1e6,
    )])
}

/// Seconds per operation.
fn per_op(elapsed: Duration, ops: u64) -> f64 {
    elapsed.as_secs_f64() / ops as f64
}

/// The process's resident set size, from `/proc/self/status`.
fn resident_bytes() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| fail(format!("reading /proc/self/status (Linux only): {e}")))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or_else(|| fail("no VmRSS line in /proc/self/status"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .map_err(|e: std::num::ParseIntError| -> BoxError {
            fail(format!("VmRSS {line:?}: {e}"))
        })?;
    Ok(kib * 1024)
}
