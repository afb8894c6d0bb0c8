//! [`WorkerPool`]: N supervised workers behind a bounded priority queue.
//!
//! ```text
//!                         ┌──────────── dispatcher (server) ────────────┐
//!  submit(job) ──slot──►  │ priority queue (≤ queue_capacity jobs)      │
//!  (waits for a slot,     │   highest priority first, FIFO within one   │
//!   or try_submit →       └──────┬─────────────────┬────────────────────┘
//!   QueueFull(job))              │ Run(job)        │ monitors each worker
//!                                ▼                 ▼
//!                      [worker 0] [worker 1] … [worker N-1]   one_for_one supervisor
//!                          │ Done(output)                     (restarts a crashed one)
//!  JobHandle ◄─ result ────┘  (or WorkerCrashed(reason) if the worker died mid-job)
//! ```
//!
//! * **Backpressure**: the queue holds at most `queue_capacity` jobs waiting for a
//!   worker (running jobs are not counted). [`submit`](WorkerPool::submit) waits for a
//!   free slot (FIFO among waiters); [`try_submit`](WorkerPool::try_submit) refuses at
//!   once with [`SubmitError::QueueFull`], handing the job back. A waiting submitter
//!   keeps its job in its own future, so memory stays bounded however many wait.
//! * **Results**: each submission returns a [`JobHandle`], a future of the job's output.
//!   Dropping it does not cancel the job (as with tokio's `JoinHandle`).
//! * **Crashes**: a job that panics crashes its worker, as in OTP. The dispatcher, which
//!   monitors every worker, answers that job's submitter with
//!   [`JobError::WorkerCrashed`] and the reason, never silence; the supervisor restarts
//!   the worker with a fresh clone of the handler. If workers crash more often than
//!   `max_restarts` within `period` (OTP's 3 in 5 s by default), the supervisor gives up
//!   and the pool stops: every pending submitter gets [`JobError::PoolStopped`].
//! * **Events** ([`subscribe`](WorkerPool::subscribe)): each completion, each job lost
//!   to a crash, each worker restart. **Stats**: [`stats`](WorkerPool::stats).
//!
//! **OTP**: the Erlang counterpart is a library, `poolboy`, which lends workers to
//! callers (checkout/checkin) and leaves the queueing to them. This pool queues the jobs
//! itself, by priority, and answers each submitter, as the seeds' dispatcher does.
//!
//! # Examples
//!
//! ```
//! use noex_std::worker_pool::{WorkerPool, WorkerPoolConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = WorkerPool::start(WorkerPoolConfig::new(3), |n: u64| async move { n * n }).await?;
//! let urgent = pool.submit_with(7, 10).await?; // priority 10 runs before priority 0
//! let normal = pool.submit(6).await?;
//! assert_eq!(urgent.await?, 49);
//! assert_eq!(normal.await?, 36);
//! assert_eq!(pool.run(5).await?, 25); // submit and wait in one step
//! pool.stop().await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{DEFAULT_MAX_RESTARTS, DEFAULT_PERIOD};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, broadcast, oneshot};
use tokio::time::Instant;

mod dispatcher;
mod worker;

use dispatcher::{DispatchMsg, Dispatcher, Queued, Ticket};
pub use worker::JobHandler;
use worker::{DynHandler, Factory};

/// The default number of jobs that may wait for a worker.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// How big a [`WorkerPool`] is.
///
/// ```
/// use std::time::Duration;
/// use noex_std::worker_pool::WorkerPoolConfig;
///
/// let config = WorkerPoolConfig::new(4)
///     .queue_capacity(100)
///     .max_restarts(10, Duration::from_secs(5));
/// # let _ = config;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerPoolConfig {
    workers: usize,
    queue_capacity: usize,
    max_restarts: (u32, Duration),
}

impl WorkerPoolConfig {
    /// `workers` workers (at least 1), a queue of 1024, OTP's restart intensity.
    pub fn new(workers: usize) -> WorkerPoolConfig {
        WorkerPoolConfig {
            workers,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_restarts: (DEFAULT_MAX_RESTARTS, DEFAULT_PERIOD),
        }
    }

    /// How many jobs may wait for a worker (at least 1).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// More than `max_restarts` worker crashes within `period` stop the pool (default
    /// OTP's 3 in 5 s).
    pub fn max_restarts(mut self, max_restarts: u32, period: Duration) -> Self {
        self.max_restarts = (max_restarts, period);
        self
    }

    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] naming the setting to fix.
    pub fn validate(&self) -> Result<(), StartError> {
        let invalid = |text: &str| Err(StartError::InvalidOptions(format!("worker pool: {text}")));
        if self.workers == 0 {
            return invalid("workers is 0: no job would ever run; use at least 1 worker");
        }
        if self.queue_capacity == 0 {
            return invalid(
                "queue_capacity is 0: jobs wait in the queue for a worker; allow at least 1",
            );
        }
        if self.queue_capacity > Semaphore::MAX_PERMITS {
            return invalid(&format!(
                "queue_capacity is {}: at most {} is supported",
                self.queue_capacity,
                Semaphore::MAX_PERMITS
            ));
        }
        if self.max_restarts.1.is_zero() {
            return invalid(
                "the max_restarts period is 0: restarts are counted within a time span; use e.g. 5 s",
            );
        }
        Ok(())
    }
}

/// Why a job was not accepted. Hands the job back.
#[derive(PartialEq, Eq, thiserror::Error)]
pub enum SubmitError<J> {
    /// The queue is full ([`try_submit`](WorkerPool::try_submit) only).
    #[error("the worker pool's queue is full")]
    QueueFull(J),
    /// The pool is not running.
    #[error("the worker pool is not running")]
    Stopped(J),
}

impl<J> SubmitError<J> {
    /// The job that was not accepted.
    pub fn into_inner(self) -> J {
        match self {
            SubmitError::QueueFull(job) | SubmitError::Stopped(job) => job,
        }
    }
}

impl<J> fmt::Debug for SubmitError<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::QueueFull(_) => f.write_str("QueueFull(..)"),
            SubmitError::Stopped(_) => f.write_str("Stopped(..)"),
        }
    }
}

/// Why an accepted job produced no output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The worker running the job crashed (the job panicked, or the worker was killed);
    /// the worker has been restarted.
    #[error("the worker running the job crashed ({0})")]
    WorkerCrashed(ExitReason),
    /// The pool stopped before the job finished (or, from [`run`](WorkerPool::run),
    /// before it was accepted).
    #[error("the worker pool stopped before the job finished")]
    PoolStopped,
}

/// Something that happened in a pool, sent to [subscribers](WorkerPool::subscribe).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolEvent {
    /// A job finished and its output was handed to its submitter.
    JobCompleted {
        /// The job's id ([`JobHandle::id`]).
        id: u64,
        /// The worker that ran it (0 to workers - 1).
        worker: usize,
        /// How long it waited in the queue.
        waited: Duration,
        /// How long it ran.
        ran: Duration,
    },
    /// A job's worker crashed; its submitter got [`JobError::WorkerCrashed`].
    JobFailed {
        /// The job's id.
        id: u64,
        /// The worker that crashed.
        worker: usize,
        /// Why it crashed.
        reason: ExitReason,
    },
    /// A worker was restarted after it exited.
    WorkerRestarted {
        /// The worker.
        worker: usize,
        /// Its new process.
        pid: Pid,
    },
}

/// A pool's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Workers configured.
    pub workers: usize,
    /// Workers running now.
    pub alive: usize,
    /// Workers running a job now.
    pub busy: usize,
    /// Jobs waiting for a worker.
    pub queued: usize,
    /// Jobs accepted since the start.
    pub submitted: u64,
    /// Jobs that finished with an output.
    pub completed: u64,
    /// Jobs lost to a worker crash (reported as [`JobError::WorkerCrashed`]).
    pub crashed: u64,
    /// Worker restarts.
    pub restarts: u64,
}

/// The output of one submitted job: a future resolving to it, or to the [`JobError`]
/// that prevented it. Dropping the handle does not cancel the job.
#[must_use = "a JobHandle resolves to the job's result; drop it only if the result does not matter"]
pub struct JobHandle<O> {
    id: u64,
    rx: oneshot::Receiver<Result<O, JobError>>,
}

impl<O> JobHandle<O> {
    /// The job's id, as carried by [`PoolEvent`]s.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl<O> Future for JobHandle<O> {
    type Output = Result<O, JobError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx)
            .poll(cx)
            // The dispatcher vanished without answering (it was killed).
            .map(|r| r.unwrap_or(Err(JobError::PoolStopped)))
    }
}

impl<O> fmt::Debug for JobHandle<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle").field("id", &self.id).finish()
    }
}

/// Hands a queued job to the dispatcher, or gives it back if the dispatcher is gone.
/// (`Err(None)` cannot happen: only a `Submit` is sent, so only a `Submit` comes back.)
type SubmitFn<J, O> = Box<dyn Fn(Queued<J, O>) -> Result<(), Option<Queued<J, O>>> + Send + Sync>;

/// What submissions need. It holds the dispatcher only behind `submit`, so a future
/// that keeps it across an `.await` is `Send` whatever lifetimes `J` and `O` contain
/// (naming the server type there trips a known limit of rustc's auto-trait checks).
struct Shared<J, O> {
    queue_slots: Arc<Semaphore>,
    next_id: AtomicU64,
    events: broadcast::WeakSender<PoolEvent>,
    submit: SubmitFn<J, O>,
}

impl<J, O> Shared<J, O> {
    fn enqueue(
        &self,
        job: J,
        priority: i32,
        slot: OwnedSemaphorePermit,
    ) -> Result<JobHandle<O>, SubmitError<J>> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, rx) = oneshot::channel();
        let ticket = Ticket {
            id,
            priority,
            reply,
            submitted: Instant::now(),
            _slot: slot,
        };
        let queued = Queued { ticket, job };
        match (self.submit)(queued) {
            Ok(()) => Ok(JobHandle { id, rx }),
            Err(Some(refused)) => Err(SubmitError::Stopped(refused.job)),
            // The reply sender went with the message: the handle reports PoolStopped.
            Err(None) => Ok(JobHandle { id, rx }),
        }
    }
}

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 1024;

/// A running pool of workers taking jobs of type `J` and producing outputs of type `O`.
/// Cheap to clone; clones share the pool.
pub struct WorkerPool<J: Send + 'static, O: Send + 'static> {
    server: ServerRef<Dispatcher<J, O>>,
    shared: Arc<Shared<J, O>>,
}

impl<J, O> Clone for WorkerPool<J, O>
where
    J: Send + 'static,
    O: Send + 'static,
{
    fn clone(&self) -> Self {
        WorkerPool {
            server: self.server.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<J: Send + 'static, O: Send + 'static> fmt::Debug for WorkerPool<J, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool")
            .field("pid", &self.server.pid())
            .finish_non_exhaustive()
    }
}

impl<J: Send + 'static, O: Send + 'static> WorkerPool<J, O> {
    /// Starts the dispatcher and `config.workers` supervised workers, each running jobs
    /// with its own clone of `handler`.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] for an invalid configuration (the text says what
    /// to fix); a start error of the dispatcher or of a worker.
    pub async fn start<H>(config: WorkerPoolConfig, handler: H) -> Result<Self, StartError>
    where
        H: JobHandler<J, Output = O>,
    {
        WorkerPool::start_with(config, handler, StartOptions::new()).await
    }

    /// Like [`start`](Self::start), with start options for the dispatcher (a registered
    /// name, the call timeout of [`stats`](Self::stats)).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub async fn start_with<H>(
        config: WorkerPoolConfig,
        handler: H,
        options: StartOptions,
    ) -> Result<Self, StartError>
    where
        H: JobHandler<J, Output = O>,
    {
        config.validate()?;
        let factory: Factory<J, O> =
            Arc::new(move || Box::new(handler.clone()) as Box<dyn DynHandler<J, O>>);
        let queue_slots = Arc::new(Semaphore::new(config.queue_capacity));
        let events = broadcast::channel(EVENT_BUFFER).0;
        let weak_events = events.downgrade();
        let dispatcher = Dispatcher::new(config, factory, queue_slots.clone(), events);
        let server = dispatcher.start_with(options).await?;
        let target = server.clone();
        let submit: SubmitFn<J, O> = Box::new(move |queued| {
            target
                .cast(DispatchMsg::Submit(queued))
                .map_err(|refused| match refused.into_inner() {
                    DispatchMsg::Submit(queued) => Some(queued),
                    _ => None,
                })
        });
        let shared = Arc::new(Shared {
            queue_slots,
            next_id: AtomicU64::new(1),
            events: weak_events,
            submit,
        });
        Ok(WorkerPool { server, shared })
    }

    /// Submits `job` at priority 0, waiting for a queue slot if the queue is full.
    ///
    /// # Errors
    ///
    /// [`SubmitError::Stopped`] with the job if the pool is not running.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped while waiting for a slot, the job was not submitted.
    pub fn submit(
        &self,
        job: J,
    ) -> impl Future<Output = Result<JobHandle<O>, SubmitError<J>>> + Send + 'static {
        self.submit_with(job, 0)
    }

    /// Submits `job` at `priority` (higher runs first; equal priorities run in
    /// submission order), waiting for a queue slot if the queue is full.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit).
    pub fn submit_with(
        &self,
        job: J,
        priority: i32,
    ) -> impl Future<Output = Result<JobHandle<O>, SubmitError<J>>> + Send + 'static {
        let shared = self.shared.clone();
        async move {
            match shared.queue_slots.clone().acquire_owned().await {
                Ok(slot) => shared.enqueue(job, priority, slot),
                Err(_closed) => Err(SubmitError::Stopped(job)),
            }
        }
    }

    /// Submits `job` at priority 0 if the queue has room, at once.
    ///
    /// # Errors
    ///
    /// [`SubmitError::QueueFull`] or [`SubmitError::Stopped`], with the job.
    pub fn try_submit(&self, job: J) -> Result<JobHandle<O>, SubmitError<J>> {
        self.try_submit_with(job, 0)
    }

    /// Submits `job` at `priority` if the queue has room, at once.
    ///
    /// # Errors
    ///
    /// As [`try_submit`](Self::try_submit).
    pub fn try_submit_with(&self, job: J, priority: i32) -> Result<JobHandle<O>, SubmitError<J>> {
        match self.shared.queue_slots.clone().try_acquire_owned() {
            Ok(slot) => self.shared.enqueue(job, priority, slot),
            Err(TryAcquireError::NoPermits) => Err(SubmitError::QueueFull(job)),
            Err(TryAcquireError::Closed) => Err(SubmitError::Stopped(job)),
        }
    }

    /// Submits `job` at priority 0 (waiting for a slot) and waits for its output.
    ///
    /// # Errors
    ///
    /// [`JobError::WorkerCrashed`] if its worker crashed, [`JobError::PoolStopped`] if
    /// the pool stopped first (the job is then dropped).
    pub fn run(&self, job: J) -> impl Future<Output = Result<O, JobError>> + Send + 'static {
        let submitted = self.submit(job);
        async move {
            match submitted.await {
                Ok(handle) => handle.await,
                Err(_) => Err(JobError::PoolStopped),
            }
        }
    }

    /// Events from now on: completions, jobs lost to crashes, worker restarts. A
    /// subscriber more than 1024 events behind misses the oldest; the receiver ends when
    /// the pool stops.
    pub fn subscribe(&self) -> broadcast::Receiver<PoolEvent> {
        crate::subscribe(&self.shared.events)
    }

    /// The pool's counters.
    ///
    /// # Errors
    ///
    /// [`CallError`] if the dispatcher cannot be reached.
    pub async fn stats(&self) -> Result<PoolStats, CallError> {
        self.server.stats().await
    }

    /// The worker processes running now (to monitor them, or to test crashes).
    ///
    /// # Errors
    ///
    /// [`CallError`] if the dispatcher cannot be reached.
    pub async fn workers(&self) -> Result<Vec<ProcessRef>, CallError> {
        self.server.workers().await
    }

    /// The dispatcher's process identifier.
    pub fn pid(&self) -> Pid {
        self.server.pid()
    }

    /// Stops the pool: workers are shut down (each may finish its current job, within
    /// 5 s), and every job not yet answered gets [`JobError::PoolStopped`]; submitters
    /// waiting for a slot get [`SubmitError::Stopped`].
    ///
    /// # Errors
    ///
    /// [`StopError`] if it had already exited.
    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }
}

impl<J: Send + 'static, O: Send + 'static> AsProcess for WorkerPool<J, O> {
    fn as_process(&self) -> ProcessRef {
        self.server.to_process()
    }
}

#[cfg(test)]
mod tests;
