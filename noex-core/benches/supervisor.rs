//! Supervisor restart of a crashed child: a `one_for_one` supervisor with one permanent
//! child; the child is crashed (killed, or made to panic in a handler) and the benchmark
//! waits for the supervisor's `ChildRestarted` event. One iteration is the whole cycle:
//! the exit sequence of the old child, the `Down` to the supervisor, the restart
//! bookkeeping (intensity check, events), and the start of the new child.
//!
//! The restart intensity is set to `u32::MAX` restarts per millisecond so the supervisor
//! never gives up; the check itself still runs on every restart.
//!
//! Run with `cargo bench -p noex-core --bench supervisor`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorEvent, SupervisorRef};
use tokio::runtime::Runtime;
use tokio::sync::broadcast;

/// The panic message of a requested crash, silenced by the panic hook.
const CRASH: &str = "crash requested by the supervisor benchmark";

fn main() {
    // A requested crash is not news; any other panic still reports as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&CRASH) {
            default_hook(info);
        }
    }));
    divan::main();
}

/// The supervised child's protocol.
#[derive(Debug, Messages)]
pub enum WorkerMsg {
    /// Panics: an OTP crash.
    #[cast]
    Crash,
}

/// The supervised child.
#[gen_server(messages = WorkerMsg)]
pub struct Worker;

impl WorkerHandler for Worker {
    async fn crash(&mut self, _ctx: &mut Ctx<Self>) {
        std::panic::panic_any(CRASH);
    }
}

/// How the child is crashed.
#[derive(Clone, Copy)]
enum How {
    /// `kill` (reason `Killed`), waited for.
    Kill,
    /// A handler panic, through a cast.
    Panic,
}

/// A running supervisor and the means to find and crash its child.
struct Fixture {
    /// Kept so the supervisor is not dropped; it runs until the process exits.
    _sup: SupervisorRef,
    events: broadcast::Receiver<SupervisorEvent>,
    /// The child's current reference, stored by its start function at every (re)start.
    current: Arc<Mutex<Option<ServerRef<Worker>>>>,
}

impl Fixture {
    async fn start() -> Fixture {
        let current = Arc::new(Mutex::new(None));
        let slot = current.clone();
        let sup = Supervisor::new(Strategy::OneForOne)
            .max_restarts(u32::MAX, Duration::from_millis(1))
            .child(ChildSpec::new("worker", move || {
                let slot = slot.clone();
                async move {
                    let worker = Worker.start().await?;
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(worker.clone());
                    Ok::<_, StartError>(worker)
                }
            }));
        let events = sup.subscribe();
        let sup = sup
            .start()
            .await
            .unwrap_or_else(|e| panic!("supervisor start: {e}"));
        Fixture {
            _sup: sup,
            events,
            current,
        }
    }

    /// Crashes the child and waits until the supervisor has restarted it.
    async fn crash_and_wait(&mut self, how: How) {
        let child = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| panic!("no running child"));
        match how {
            How::Kill => {
                child.kill().await;
            }
            How::Panic => child.crash().unwrap_or_else(|e| panic!("crash cast: {e}")),
        }
        loop {
            match self.events.recv().await {
                Ok(SupervisorEvent::ChildRestarted { pid, .. }) => {
                    assert_ne!(pid, child.pid(), "a new process replaces the old one");
                    return;
                }
                Ok(_) => {}
                Err(e) => panic!("supervisor events: {e}"),
            }
        }
    }
}

fn current_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a tokio runtime: {e}"))
}

/// Kill and restart on a current-thread runtime: every task, the benchmark's included,
/// runs on the benchmark's thread, so nothing crosses threads.
#[divan::bench(sample_size = 100)]
fn restart_after_kill(bencher: Bencher<'_, '_>) {
    let runtime = current_thread();
    let mut fixture = runtime.block_on(Fixture::start());
    bencher.bench_local(|| runtime.block_on(fixture.crash_and_wait(How::Kill)));
}

/// Panic in a handler and restart, on a current-thread runtime. The panic's unwinding
/// (with a silent hook) is part of the cost.
#[divan::bench(sample_size = 100)]
fn restart_after_panic(bencher: Bencher<'_, '_>) {
    let runtime = current_thread();
    let mut fixture = runtime.block_on(Fixture::start());
    bencher.bench_local(|| runtime.block_on(fixture.crash_and_wait(How::Panic)));
}

/// Restarts in a row per iteration on the 2-worker runtime.
const BATCH: usize = 100;

/// Kill and restart on a 2-worker multi-thread runtime, `BATCH` restarts per iteration
/// in a task spawned on the runtime (so the measuring loop runs on a worker, as
/// application code does): read the per-restart time from the items/s throughput.
#[divan::bench(sample_size = 10)]
fn restart_after_kill_2_workers(bencher: Bencher<'_, '_>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
    let mut fixture = Some(runtime.block_on(Fixture::start()));
    bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
        let Some(mut f) = fixture.take() else {
            panic!("the fixture was lost by an earlier iteration");
        };
        let batch = runtime.spawn(async move {
            for _ in 0..BATCH {
                f.crash_and_wait(How::Kill).await;
            }
            f
        });
        fixture = Some(
            runtime
                .block_on(batch)
                .unwrap_or_else(|e| panic!("the batch task: {e}")),
        );
    });
}
