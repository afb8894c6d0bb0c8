//! The seeds' job processing pool: 3 supervised workers, a bounded priority queue,
//! completion events, stats. One job panics: its submitter is told, the worker is
//! restarted, and the other jobs carry on.
//!
//! Run with `cargo run --example job_pool`.

use std::error::Error;
use std::time::Duration;

use noex_std::worker_pool::{JobError, PoolEvent, SubmitError, WorkerPool, WorkerPoolConfig};

/// A job: what to do and with what.
#[derive(Debug, Clone)]
enum Job {
    Email {
        to: &'static str,
    },
    Image {
        url: &'static str,
    },
    Report {
        id: u32,
    },
    /// A job with a bug: it panics.
    Corrupt,
}

async fn process(job: Job) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    match job {
        Job::Email { to } => Ok(format!("sent email to {to}")),
        Job::Image { url } => Ok(format!("resized {url}")),
        Job::Report { id } if id == 13 => Err(format!("report {id}: no data")),
        Job::Report { id } => Ok(format!("built report {id}")),
        Job::Corrupt => panic!("corrupt job payload"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // A job below panics on purpose: print that panic in one line, without a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("  (panic: {info})")));
    let config = WorkerPoolConfig::new(3).queue_capacity(50);
    let pool = WorkerPool::start(config, process).await?;
    let mut events = pool.subscribe();
    let printer = tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            match event {
                PoolEvent::JobCompleted {
                    id,
                    worker,
                    waited,
                    ran,
                } => println!(
                    "  event: job {id} completed by worker {worker} in {ran:.0?} (queued {waited:.0?})"
                ),
                PoolEvent::JobFailed { id, worker, reason } => {
                    println!("  event: job {id} lost: worker {worker} crashed ({reason})")
                }
                PoolEvent::WorkerRestarted { worker, pid } => {
                    println!("  event: worker {worker} restarted as {pid}")
                }
                other => println!("  event: {other:?}"),
            }
        }
    });

    // Priorities: higher runs first once the workers are busy.
    let jobs = [
        (Job::Email { to: "a@b.com" }, 1),
        (Job::Image { url: "img.jpg" }, 2),
        (Job::Report { id: 123 }, 3),
        (Job::Corrupt, 1),
        (Job::Report { id: 13 }, 1),
        (Job::Email { to: "c@d.com" }, 5),
    ];
    let mut handles = Vec::new();
    for (job, priority) in jobs {
        let label = format!("{job:?}");
        let handle = pool
            .submit_with(job, priority)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "submitted job {} at priority {priority}: {label}",
            handle.id()
        );
        handles.push((label, handle));
    }
    for (label, handle) in handles {
        match handle.await {
            Ok(Ok(output)) => println!("{label}: {output}"),
            Ok(Err(app_error)) => println!("{label}: failed: {app_error}"),
            Err(JobError::WorkerCrashed(reason)) => println!("{label}: worker crashed: {reason}"),
            Err(other) => println!("{label}: {other}"),
        }
    }

    // Backpressure: a tiny pool refuses work when its queue is full.
    let tiny = WorkerPool::start(WorkerPoolConfig::new(1).queue_capacity(1), process).await?;
    let busy = tiny
        .submit(Job::Report { id: 1 })
        .await
        .map_err(|e| e.to_string())?;
    while tiny.stats().await?.busy == 0 {
        tokio::task::yield_now().await; // until the worker has taken it
    }
    let queued = tiny
        .try_submit(Job::Report { id: 2 })
        .map_err(|e| e.to_string())?;
    match tiny.try_submit(Job::Report { id: 3 }) {
        Err(SubmitError::QueueFull(job)) => println!("tiny pool full: {job:?} handed back"),
        other => println!("tiny pool: {other:?}"),
    }
    busy.await?.map_err(|e| e.to_string())?;
    queued.await?.map_err(|e| e.to_string())?;

    let stats = pool.stats().await?;
    println!(
        "stats: {} submitted, {} completed, {} crashed, {} restarts, {} workers alive",
        stats.submitted, stats.completed, stats.crashed, stats.restarts, stats.alive
    );
    tiny.stop().await?;
    pool.stop().await?;
    printer.await?;
    Ok(())
}
