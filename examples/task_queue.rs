//! The task queue exercise of the inter-process communication guide:
//!
//! * a **producer** accepts tasks with a call (returning the task id) and hands them
//!   out round-robin to the workers with casts;
//! * a **pool of 3 workers**, under a one-for-one supervisor, processes tasks, publishes
//!   `task.completed` on the EventBus and asks the producer for more;
//! * a **monitor** subscribes to the completions and tracks them.
//!
//! Everyone finds everyone else through the registry: no references are passed around.
//!
//! ```text
//!  main ─call enqueue─► producer ─cast process─► worker-0 / worker-1 / worker-2
//!                          ▲                          │
//!                          └────cast process_next─────┤
//!                                                     └─publish "task.completed"─► event-bus ─► monitor
//! ```
//!
//! Run with `cargo run --example task_queue`.

use std::collections::VecDeque;
use std::error::Error;
use std::time::Duration;

use noex_core::event_bus::{EventBus, Subscription};
use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};

const WORKERS: usize = 3;
const BUS: &str = "event-bus";
const PRODUCER: &str = "producer";
const MONITOR: &str = "monitor";

/// A unit of work.
#[derive(Debug, Clone)]
pub struct Task {
    /// Its id, as returned by `enqueue`.
    pub id: String,
    /// What to do.
    pub payload: String,
}

/// Published on `task.completed` by the worker that did a task.
#[derive(Debug, Clone)]
pub struct TaskCompleted {
    /// The task.
    pub task_id: String,
    /// Who did it.
    pub worker_id: String,
}

fn worker_name(index: usize) -> String {
    format!("worker-{index}")
}

// ---------------------------------------------------------------------------------------
// Producer: manages the queue.
// ---------------------------------------------------------------------------------------

/// The producer's protocol.
#[derive(Debug, Messages)]
pub enum ProducerMsg {
    /// Queues a task and returns its id.
    #[call(reply = String)]
    Enqueue { payload: String },
    /// Tasks waiting for a worker.
    #[call(reply = usize)]
    QueueSize,
    /// Hands the next task, if any, to the next worker.
    #[cast]
    ProcessNext,
}

/// The queue, and whose turn it is.
#[gen_server(messages = ProducerMsg)]
#[derive(Default)]
pub struct Producer {
    queue: VecDeque<Task>,
    next_id: u64,
    next_worker: usize,
}

impl ProducerHandler for Producer {
    async fn enqueue(&mut self, payload: String, ctx: &mut Ctx<Self>) -> String {
        self.next_id += 1;
        let task = Task {
            id: format!("task-{}", self.next_id),
            payload,
        };
        let id = task.id.clone();
        self.queue.push_back(task);
        // Trigger processing: a cast to ourselves is handled after this call returns.
        if let Err(e) = ctx.this().process_next() {
            println!("[producer] cannot schedule processing: {e}");
        }
        id
    }

    async fn queue_size(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.queue.len()
    }

    async fn process_next(&mut self, _ctx: &mut Ctx<Self>) {
        let Some(task) = self.queue.pop_front() else {
            return;
        };
        // Round-robin worker selection, by name.
        let name = worker_name(self.next_worker);
        self.next_worker = (self.next_worker + 1) % WORKERS;
        match Registry::global().whereis::<Worker>(&name) {
            Some(worker) => {
                if let Err(e) = worker.process(task) {
                    println!("[producer] {name} refused a task: {e}");
                }
            }
            None => {
                println!("[producer] {name} is not running; {} goes back", task.id);
                self.queue.push_front(task);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Workers: process tasks, announce completions, ask for more.
// ---------------------------------------------------------------------------------------

/// A worker's protocol.
#[derive(Debug, Messages)]
pub enum WorkerMsg {
    /// Does one task.
    #[cast]
    Process { task: Task },
    /// Tasks done so far.
    #[call(reply = u32)]
    Processed,
}

/// Does tasks, one at a time.
#[gen_server(messages = WorkerMsg)]
pub struct Worker {
    id: String,
    processed: u32,
}

impl WorkerHandler for Worker {
    async fn process(&mut self, task: Task, _ctx: &mut Ctx<Self>) {
        // Simulate work: a few milliseconds, depending on the task.
        let work = Duration::from_millis(2 + task.payload.len() as u64 % 5);
        tokio::time::sleep(work).await;
        println!("[{}] processed {}: {}", self.id, task.id, task.payload);
        self.processed += 1;

        let registry = Registry::global();
        if let Some(bus) = registry.whereis::<EventBus<TaskCompleted>>(BUS) {
            let completed = TaskCompleted {
                task_id: task.id,
                worker_id: self.id.clone(),
            };
            if let Err(e) = bus.publish("task.completed", completed) {
                println!("[{}] cannot announce the completion: {e}", self.id);
            }
        }
        // Request more work.
        if let Some(producer) = registry.whereis::<Producer>(PRODUCER) {
            let _ = producer.process_next();
        }
    }

    async fn processed(&mut self, _ctx: &mut Ctx<Self>) -> u32 {
        self.processed
    }
}

// ---------------------------------------------------------------------------------------
// Monitor: tracks completions through the EventBus.
// ---------------------------------------------------------------------------------------

/// The monitor's protocol.
#[derive(Debug, Messages)]
pub enum MonitorMsg {
    /// A `task.completed` event, as a cast from the bus.
    #[cast]
    Completed { event: TaskCompleted },
    /// Answers once `count` tasks have completed, with the completions so far.
    #[call(reply = Vec<TaskCompleted>, deferred)]
    WaitFor { count: usize },
}

/// The completions seen, and who waits for how many.
#[gen_server(messages = MonitorMsg)]
#[derive(Default)]
pub struct Monitor {
    completions: Vec<TaskCompleted>,
    waiting: Vec<(usize, ReplyTo<Vec<TaskCompleted>>)>,
    subscription: Option<Subscription<TaskCompleted>>,
}

impl Monitor {
    /// Answers every waiter whose count has been reached.
    fn answer_waiters(&mut self) {
        let done = self.completions.len();
        let (ready, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(count, _)| *count <= done);
        self.waiting = waiting;
        for (_, reply) in ready {
            reply.send(self.completions.clone());
        }
    }
}

impl MonitorHandler for Monitor {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        let bus = Registry::global().lookup::<EventBus<TaskCompleted>>(BUS)?;
        let subscription = bus
            .subscribe_server(
                "task.completed",
                &ctx.this(),
                |event: &TaskCompleted, _: &str| MonitorMsg::Completed {
                    event: event.clone(),
                },
            )
            .await?;
        self.subscription = Some(subscription);
        Ok(())
    }

    async fn completed(&mut self, event: TaskCompleted, _ctx: &mut Ctx<Self>) {
        println!(
            "[monitor] task {} completed by {}",
            event.task_id, event.worker_id
        );
        self.completions.push(event);
        self.answer_waiters();
    }

    async fn wait_for(
        &mut self,
        count: usize,
        reply: ReplyTo<Vec<TaskCompleted>>,
        _ctx: &mut Ctx<Self>,
    ) {
        // OTP's noreply: park the reply until enough tasks are done.
        self.waiting.push((count, reply));
        self.answer_waiters();
    }
}

// ---------------------------------------------------------------------------------------
// Start the system and use it.
// ---------------------------------------------------------------------------------------

async fn start_task_queue() -> Result<ServerRef<Supervisor>, Box<dyn Error>> {
    EventBus::<TaskCompleted>::new()
        .start_with(StartOptions::new().name(BUS))
        .await?;
    let workers = Supervisor::new(Strategy::OneForOne)
        .children((0..WORKERS).map(|i| {
            ChildSpec::new(worker_name(i), move || {
                Worker {
                    id: worker_name(i),
                    processed: 0,
                }
                .start_with(StartOptions::new().name(worker_name(i)))
            })
        }))
        .start()
        .await?;
    Producer::default()
        .start_with(StartOptions::new().name(PRODUCER))
        .await?;
    Monitor::default()
        .start_with(StartOptions::new().name(MONITOR))
        .await?;
    println!("task queue started");
    Ok(workers)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let workers = start_task_queue().await?;
    let registry = Registry::global();
    let producer = registry.lookup::<Producer>(PRODUCER)?;

    // Enqueue with calls, all at once: each returns its task id.
    let payloads = [
        "Process image 1",
        "Process image 2",
        "Process image 3",
        "Send email 1",
        "Send email 2",
    ];
    let mut enqueued = tokio::task::JoinSet::new();
    for payload in payloads {
        let producer = producer.clone();
        enqueued.spawn(async move { producer.enqueue(payload.to_string()).await });
    }
    let mut task_ids = Vec::new();
    while let Some(id) = enqueued.join_next().await {
        task_ids.push(id??);
    }
    task_ids.sort();
    println!("enqueued tasks: {task_ids:?}");

    // Wait for the processing: the monitor answers once it has seen every completion.
    let monitor = registry.lookup::<Monitor>(MONITOR)?;
    let completions = monitor.wait_for(payloads.len()).await?;
    let mut completed: Vec<&str> = completions.iter().map(|c| c.task_id.as_str()).collect();
    completed.sort_unstable();
    assert_eq!(completed, task_ids);
    println!(
        "all {} tasks completed; still queued: {}",
        completions.len(),
        producer.queue_size().await?
    );

    for i in 0..WORKERS {
        let name = worker_name(i);
        let processed = registry.lookup::<Worker>(&name)?.processed().await?;
        println!("{name} processed {processed}");
    }

    monitor.stop().await?;
    producer.stop().await?;
    workers.stop().await?;
    registry
        .lookup::<EventBus<TaskCompleted>>(BUS)?
        .stop()
        .await?;
    Ok(())
}
