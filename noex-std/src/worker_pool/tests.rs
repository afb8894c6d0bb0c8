use std::sync::{Arc, Mutex};
use std::time::Duration;

use noex_core::ExitReason;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep};

use super::{JobError, JobHandler, PoolEvent, SubmitError, WorkerPool, WorkerPoolConfig};
use crate::test_support::{assert_invalid, settle};

const MS: Duration = Duration::from_millis(1);

/// A job: a name, how long it takes, and whether it panics.
#[derive(Clone, Debug)]
struct Job {
    name: &'static str,
    takes: Duration,
    panics: bool,
}

fn job(name: &'static str, takes_ms: u64) -> Job {
    Job {
        name,
        takes: Duration::from_millis(takes_ms),
        panics: false,
    }
}

fn poison(name: &'static str, takes_ms: u64) -> Job {
    Job {
        panics: true,
        ..job(name, takes_ms)
    }
}

type Log = Arc<Mutex<Vec<&'static str>>>;

/// A pool whose jobs sleep, log their name when done, and return it.
async fn pool(config: WorkerPoolConfig) -> (WorkerPool<Job, &'static str>, Log) {
    let log = Log::default();
    let done = log.clone();
    let pool = WorkerPool::start(config, move |job: Job| {
        let done = done.clone();
        async move {
            sleep(job.takes).await;
            if job.panics {
                panic!("job {} exploded", job.name);
            }
            done.lock().unwrap().push(job.name);
            job.name
        }
    })
    .await
    .unwrap();
    (pool, log)
}

#[tokio::test(start_paused = true)]
async fn jobs_run_in_parallel_and_results_reach_their_submitters() {
    let (pool, _) = pool(WorkerPoolConfig::new(4)).await;
    let start = Instant::now();
    let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let mut handles = Vec::new();
    for name in names {
        handles.push(pool.submit(job(name, 100)).await.unwrap());
    }
    for (handle, name) in handles.into_iter().zip(names) {
        assert_eq!(handle.await, Ok(name));
    }
    assert_eq!(start.elapsed(), 200 * MS); // 8 jobs of 100 ms on 4 workers
    assert_eq!(pool.run(job("i", 10)).await, Ok("i"));
    let stats = pool.stats().await.unwrap();
    assert_eq!((stats.submitted, stats.completed, stats.queued), (9, 9, 0));
    assert_eq!((stats.workers, stats.alive, stats.busy), (4, 4, 0));
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_refuses_try_submit_and_hands_the_job_back() {
    let (pool, _) = pool(WorkerPoolConfig::new(1).queue_capacity(2)).await;
    let running = pool.submit(job("running", 100)).await.unwrap();
    settle().await; // dispatched: the queue is empty again
    let queued = [
        pool.try_submit(job("q1", 1)).unwrap(),
        pool.try_submit(job("q2", 1)).unwrap(),
    ];
    match pool.try_submit(job("refused", 1)) {
        Err(SubmitError::QueueFull(j)) => assert_eq!(j.name, "refused"),
        other => panic!("expected QueueFull, got {other:?}"),
    }
    assert_eq!(pool.stats().await.unwrap().queued, 2);
    assert_eq!(running.await, Ok("running"));
    for handle in queued {
        handle.await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn submit_waits_for_a_free_slot() {
    let (pool, _) = pool(WorkerPoolConfig::new(1).queue_capacity(1)).await;
    let start = Instant::now();
    let first = pool.submit(job("first", 100)).await.unwrap();
    settle().await;
    let second = pool.submit(job("second", 100)).await.unwrap(); // takes the one slot
    let third = pool.submit(job("third", 100)).await.unwrap(); // waits until "second" runs
    assert_eq!(start.elapsed(), 100 * MS);
    for (handle, name) in [(first, "first"), (second, "second"), (third, "third")] {
        assert_eq!(handle.await, Ok(name));
    }
    assert_eq!(start.elapsed(), 300 * MS);
}

#[tokio::test(start_paused = true)]
async fn higher_priorities_run_first_and_equal_ones_in_order() {
    let (pool, log) = pool(WorkerPoolConfig::new(1)).await;
    let busy = pool.submit(job("busy", 100)).await.unwrap();
    settle().await;
    let mut handles = Vec::new();
    for (name, priority) in [
        ("low", 1),
        ("high-1", 10),
        ("mid", 5),
        ("high-2", 10),
        ("zero", 0),
    ] {
        handles.push(pool.submit_with(job(name, 10), priority).await.unwrap());
    }
    busy.await.unwrap();
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(
        *log.lock().unwrap(),
        ["busy", "high-1", "high-2", "mid", "low", "zero"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_crash_mid_job_is_reported_and_the_worker_restarted() {
    let (pool, _) = pool(WorkerPoolConfig::new(1)).await;
    let mut events = pool.subscribe();
    let before = pool.workers().await.unwrap();
    let crashed = pool.submit(poison("boom", 50)).await.unwrap();
    let next = pool.submit(job("after", 10)).await.unwrap();
    match crashed.await {
        Err(JobError::WorkerCrashed(ExitReason::Panic(text))) => {
            assert!(text.contains("job boom exploded"), "{text}")
        }
        other => panic!("expected WorkerCrashed, got {other:?}"),
    }
    // The queued job runs on the restarted worker.
    assert_eq!(next.await, Ok("after"));
    let after = pool.workers().await.unwrap();
    assert_eq!(after.len(), 1);
    assert_ne!(before[0].pid(), after[0].pid());
    let stats = pool.stats().await.unwrap();
    assert_eq!((stats.crashed, stats.restarts, stats.completed), (1, 1, 1));
    let seen: Vec<PoolEvent> = std::iter::from_fn(|| events.try_recv().ok()).collect();
    assert!(matches!(
        seen[0],
        PoolEvent::JobFailed {
            id: 1,
            worker: 0,
            ..
        }
    ));
    assert!(matches!(
        seen[1],
        PoolEvent::WorkerRestarted { worker: 0, .. }
    ));
    assert!(matches!(
        seen[2],
        PoolEvent::JobCompleted { id: 2, worker: 0, ran, .. } if ran == 10 * MS
    ));
}

#[tokio::test(start_paused = true)]
async fn a_worker_killed_mid_job_fails_that_job_only() {
    let (pool, _) = pool(WorkerPoolConfig::new(2)).await;
    let long = pool.submit(job("long", 1_000)).await.unwrap();
    let short = pool.submit(job("short", 500)).await.unwrap();
    settle().await;
    let workers = pool.workers().await.unwrap();
    sleep(600 * MS).await; // "short" is done; only the worker running "long" is busy
    assert_eq!(short.await, Ok("short"));
    let stats = pool.stats().await.unwrap();
    assert_eq!(stats.busy, 1);
    for worker in &workers {
        // Killing an idle worker fails nothing; killing the busy one fails "long".
        worker.kill().await;
    }
    assert_eq!(long.await, Err(JobError::WorkerCrashed(ExitReason::Killed)));
    assert_eq!(pool.run(job("again", 1)).await, Ok("again"));
    assert_eq!(pool.stats().await.unwrap().crashed, 1);
}

#[tokio::test(start_paused = true)]
async fn stopping_fails_pending_jobs_and_waiting_submitters() {
    let (pool, _) = pool(WorkerPoolConfig::new(1).queue_capacity(1)).await;
    let running = pool.submit(job("running", 100)).await.unwrap();
    settle().await;
    let queued = pool.submit(job("queued", 100)).await.unwrap();
    let waiting = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.submit(job("waiting", 1)).await.map(|_| ()) })
    };
    settle().await;
    let mut events = pool.subscribe();
    pool.stop().await.unwrap();
    assert_eq!(events.recv().await, Err(RecvError::Closed));
    // The running job finished during the shutdown, but its answer went down with the pool.
    assert_eq!(running.await, Err(JobError::PoolStopped));
    assert_eq!(queued.await, Err(JobError::PoolStopped));
    match waiting.await.unwrap() {
        Err(SubmitError::Stopped(j)) => assert_eq!(j.name, "waiting"),
        other => panic!("expected Stopped, got {other:?}"),
    }
    assert!(matches!(
        pool.try_submit(job("late", 1)),
        Err(SubmitError::Stopped(_))
    ));
    assert_eq!(pool.run(job("late", 1)).await, Err(JobError::PoolStopped));
}

#[tokio::test(start_paused = true)]
async fn too_many_crashes_stop_the_pool() {
    let config = WorkerPoolConfig::new(1).max_restarts(1, Duration::from_secs(5));
    let (pool, _) = pool(config).await;
    let first = pool.submit(poison("one", 1)).await.unwrap();
    let second = pool.submit(poison("two", 1)).await.unwrap();
    let third = pool.submit(job("three", 1)).await.unwrap();
    assert!(matches!(first.await, Err(JobError::WorkerCrashed(_))));
    assert!(matches!(second.await, Err(JobError::WorkerCrashed(_))));
    assert_eq!(third.await, Err(JobError::PoolStopped));
    let reason = pool.server.wait().await;
    assert!(reason.to_string().contains("max_restarts"), "{reason}");
}

/// A handler with state: the state is per worker and rebuilt after a crash.
#[derive(Clone, Default)]
struct Counter {
    seen: u32,
}

impl JobHandler<bool> for Counter {
    type Output = u32;

    async fn handle(&mut self, crash: bool) -> u32 {
        assert!(!crash, "asked to crash");
        self.seen += 1;
        self.seen
    }
}

#[tokio::test(start_paused = true)]
async fn a_stateful_handler_keeps_state_per_worker_until_it_crashes() {
    let pool = WorkerPool::start(WorkerPoolConfig::new(1), Counter::default())
        .await
        .unwrap();
    assert_eq!(pool.run(false).await, Ok(1));
    assert_eq!(pool.run(false).await, Ok(2));
    assert!(matches!(
        pool.run(true).await,
        Err(JobError::WorkerCrashed(_))
    ));
    assert_eq!(pool.run(false).await, Ok(1)); // a fresh clone of the prototype
}

#[tokio::test]
async fn invalid_configurations_say_what_to_fix() {
    let handler = |n: u32| async move { n };
    let cases = [
        (WorkerPoolConfig::new(0), "workers is 0"),
        (
            WorkerPoolConfig::new(1).queue_capacity(0),
            "queue_capacity is 0",
        ),
        (
            WorkerPoolConfig::new(1).max_restarts(3, Duration::ZERO),
            "max_restarts period is 0",
        ),
    ];
    for (config, expected) in cases {
        assert_invalid(WorkerPool::start(config, handler).await, expected);
    }
}
