//! The dispatcher: holds the priority queue, hands jobs to idle workers, answers the
//! submitters, and fails the job of a worker that crashed.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorRef};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, oneshot};
use tokio::time::Instant;

use super::worker::{Factory, PoolWorker, WorkerMsg};
use super::{JobError, PoolEvent, PoolStats, WorkerPoolConfig};

pub(crate) type Reply<O> = oneshot::Sender<Result<O, JobError>>;

/// A job waiting for a worker.
pub(crate) struct Queued<J, O> {
    pub(crate) ticket: Ticket<O>,
    pub(crate) job: J,
}

/// Everything about a queued job but the job itself. It holds the job's queue slot
/// until the job is handed to a worker.
pub(crate) struct Ticket<O> {
    pub(crate) id: u64,
    pub(crate) priority: i32,
    pub(crate) reply: Reply<O>,
    pub(crate) submitted: Instant,
    pub(crate) _slot: OwnedSemaphorePermit,
}

/// Heap order: higher priority first, then lower id (earlier submission) first.
impl<J, O> Ord for Queued<J, O> {
    fn cmp(&self, other: &Self) -> Ordering {
        let (mine, theirs) = (&self.ticket, &other.ticket);
        mine.priority
            .cmp(&theirs.priority)
            .then_with(|| theirs.id.cmp(&mine.id))
    }
}

impl<J, O> PartialOrd for Queued<J, O> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<J, O> PartialEq for Queued<J, O> {
    fn eq(&self, other: &Self) -> bool {
        self.ticket.id == other.ticket.id
    }
}

impl<J, O> Eq for Queued<J, O> {}

#[derive(Messages)]
pub(crate) enum DispatchMsg<J: Send + 'static, O: Send + 'static> {
    /// A new job.
    #[cast]
    Submit(Queued<J, O>),
    /// Worker `index` (re)started.
    #[cast]
    WorkerUp {
        index: usize,
        worker: ServerRef<PoolWorker<J, O>>,
    },
    /// Worker `index` finished job `id`.
    #[cast]
    Done { index: usize, id: u64, output: O },
    /// Counters.
    #[call(reply = PoolStats)]
    Stats,
    /// The running workers.
    #[call(reply = Vec<ProcessRef>)]
    Workers,
}

struct Running<O> {
    id: u64,
    reply: Reply<O>,
    /// The worker process running it: its exit fails the job.
    pid: Pid,
    waited: Duration,
    started: Instant,
}

struct WorkerSlot<J: Send + 'static, O: Send + 'static> {
    worker: Option<ServerRef<PoolWorker<J, O>>>,
    running: Option<Running<O>>,
    starts: u32,
}

#[gen_server(messages = DispatchMsg<J, O>)]
pub(crate) struct Dispatcher<J: Send + 'static, O: Send + 'static> {
    config: WorkerPoolConfig,
    factory: Factory<J, O>,
    queue_slots: Arc<Semaphore>,
    events: broadcast::Sender<PoolEvent>,
    queue: BinaryHeap<Queued<J, O>>,
    workers: Vec<WorkerSlot<J, O>>,
    idle: Vec<usize>,
    supervisor: Option<SupervisorRef>,
    stats: PoolStats,
}

impl<J: Send + 'static, O: Send + 'static> Dispatcher<J, O> {
    pub(crate) fn new(
        config: WorkerPoolConfig,
        factory: Factory<J, O>,
        queue_slots: Arc<Semaphore>,
        events: broadcast::Sender<PoolEvent>,
    ) -> Dispatcher<J, O> {
        let workers = (0..config.workers)
            .map(|_| WorkerSlot {
                worker: None,
                running: None,
                starts: 0,
            })
            .collect();
        Dispatcher {
            stats: PoolStats {
                workers: config.workers,
                ..PoolStats::default()
            },
            config,
            factory,
            queue_slots,
            events,
            queue: BinaryHeap::new(),
            workers,
            idle: Vec::new(),
            supervisor: None,
        }
    }

    fn emit(&self, event: PoolEvent) {
        let _ = self.events.send(event); // no subscriber is fine
    }

    /// Hands queued jobs to idle workers, highest priority first.
    fn dispatch(&mut self) {
        while !self.queue.is_empty() {
            let Some(index) = self.idle.pop() else {
                return;
            };
            let Some(worker) = self.workers[index].worker.clone() else {
                continue; // exited since it became idle
            };
            let Some(queued) = self.queue.pop() else {
                return;
            };
            let Queued { ticket, job } = queued;
            match worker.cast(WorkerMsg::Run { id: ticket.id, job }) {
                Ok(()) => {
                    let now = Instant::now();
                    self.workers[index].running = Some(Running {
                        id: ticket.id,
                        reply: ticket.reply,
                        pid: worker.pid(),
                        waited: now - ticket.submitted,
                        started: now,
                    });
                    // The ticket's slot drops here: the job left the queue.
                }
                Err(refused) => {
                    // The worker exited before its down notice arrived: requeue the job
                    // where it was, and forget the worker until it is back.
                    let WorkerMsg::Run { job, .. } = refused.into_inner();
                    self.queue.push(Queued { ticket, job });
                    self.workers[index].worker = None;
                }
            }
        }
    }

    fn fail_all(&mut self, error: &JobError) {
        for queued in self.queue.drain() {
            let _ = queued.ticket.reply.send(Err(error.clone()));
        }
        for slot in &mut self.workers {
            if let Some(running) = slot.running.take() {
                let _ = running.reply.send(Err(error.clone()));
            }
        }
    }
}

impl<J: Send + 'static, O: Send + 'static> DispatchHandler<J, O> for Dispatcher<J, O> {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        let me = ctx.this();
        let specs = (0..self.config.workers).map(|index| {
            let me = me.clone();
            let factory = self.factory.clone();
            ChildSpec::new(format!("worker-{index}"), move || {
                PoolWorker {
                    index,
                    handler: factory(),
                    dispatcher: me.clone(),
                }
                .start()
            })
        });
        let (max_restarts, period) = self.config.max_restarts;
        let supervisor = Supervisor::new(Strategy::OneForOne)
            .max_restarts(max_restarts, period)
            .children(specs)
            .start()
            .await?;
        ctx.monitor(&supervisor);
        self.supervisor = Some(supervisor);
        Ok(())
    }

    async fn submit(&mut self, queued: Queued<J, O>, _ctx: &mut Ctx<Self>) {
        self.stats.submitted += 1;
        self.queue.push(queued);
        self.dispatch();
    }

    async fn worker_up(
        &mut self,
        index: usize,
        worker: ServerRef<PoolWorker<J, O>>,
        ctx: &mut Ctx<Self>,
    ) {
        ctx.monitor(&worker);
        let slot = &mut self.workers[index];
        slot.starts += 1;
        if slot.starts > 1 {
            self.stats.restarts += 1;
            self.emit(PoolEvent::WorkerRestarted {
                worker: index,
                pid: worker.pid(),
            });
        }
        let slot = &mut self.workers[index];
        slot.worker = Some(worker);
        // The previous worker's job, if its down notice is still on the way, keeps the
        // slot busy until that notice fails it.
        if slot.running.is_none() {
            self.idle.push(index);
            self.dispatch();
        }
    }

    async fn done(&mut self, index: usize, id: u64, output: O, _ctx: &mut Ctx<Self>) {
        let slot = &mut self.workers[index];
        let Some(running) = slot.running.take_if(|r| r.id == id) else {
            return;
        };
        let _ = running.reply.send(Ok(output)); // the submitter may have stopped waiting
        self.stats.completed += 1;
        self.emit(PoolEvent::JobCompleted {
            id,
            worker: index,
            waited: running.waited,
            ran: running.started.elapsed(),
        });
        self.idle.push(index);
        self.dispatch();
    }

    async fn stats(&mut self, _ctx: &mut Ctx<Self>) -> PoolStats {
        let alive = self.workers.iter().filter(|w| w.worker.is_some()).count();
        let busy = self.workers.iter().filter(|w| w.running.is_some()).count();
        PoolStats {
            alive,
            busy,
            queued: self.queue.len(),
            ..self.stats
        }
    }

    async fn workers(&mut self, _ctx: &mut Ctx<Self>) -> Vec<ProcessRef> {
        self.workers
            .iter()
            .filter_map(|w| w.worker.as_ref().map(ServerRef::to_process))
            .collect()
    }

    async fn handle_down(&mut self, down: Down, ctx: &mut Ctx<Self>) {
        if self
            .supervisor
            .as_ref()
            .is_some_and(|s| s.pid() == down.pid)
        {
            self.supervisor = None;
            ctx.stop(ExitReason::error(format_args!(
                "the pool's worker supervisor exited ({}): workers crashed more often than \
                 max_restarts allows",
                down.reason
            )));
            return;
        }
        for index in 0..self.workers.len() {
            let slot = &mut self.workers[index];
            if slot.worker.as_ref().is_some_and(|w| w.pid() == down.pid) {
                slot.worker = None;
                self.idle.retain(|&i| i != index);
            }
            let slot = &mut self.workers[index];
            if let Some(running) = slot.running.take_if(|r| r.pid == down.pid) {
                let error = JobError::WorkerCrashed(down.reason.clone());
                let _ = running.reply.send(Err(error));
                let replaced = slot.worker.is_some(); // its successor is already up
                self.stats.crashed += 1;
                self.emit(PoolEvent::JobFailed {
                    id: running.id,
                    worker: index,
                    reason: down.reason.clone(),
                });
                if replaced {
                    self.idle.push(index);
                }
            }
        }
        self.dispatch();
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        self.queue_slots.close(); // waiting submitters get their job back
        if let Some(supervisor) = self.supervisor.take() {
            let _ = supervisor.stop().await;
        }
        self.fail_all(&JobError::PoolStopped);
    }
}
