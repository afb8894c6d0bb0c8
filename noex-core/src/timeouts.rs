//! Call timeouts without a timer per call.
//!
//! # Design
//!
//! A call to a server that answers at once takes a few hundred nanoseconds; registering a
//! tokio timer for its timeout and removing it again costs about as much as the call
//! itself. So calls do not get timers. Each thread that makes calls keeps a queue of the
//! reply slots it waits on, ordered by deadline, and one tokio task per queue sleeps until
//! the earliest deadline and times out the slots that are due.
//!
//! * The queue keeps one FIFO lane per timeout duration (calls with the same timeout
//!   reach their deadlines in the order they started). Watching a slot is a `push_back`
//!   onto its lane under an uncontended lock, after popping the slots at the front that
//!   have already been answered; no allocation (the lane holds the slot's own `Arc`) and,
//!   in the steady state, no interaction with the timer driver.
//! * A call answered in time leaves its slot in its lane until it reaches the front or
//!   the lane is compacted (when it doubles), so memory stays proportional to the calls
//!   outstanding.
//! * The queue's task only needs to wake up when a new deadline is earlier than the one it
//!   sleeps until; with one call timeout that rarely happens, so in a steady stream of
//!   calls it wakes about once per timeout period. After a second with nothing to watch it
//!   exits, and the next call starts a new one.
//!
//! Timeouts are as precise as tokio's timers: the task sleeps until the exact deadline,
//! and runs on the paused clock in tests like any tokio timer.
//!
//! Calls made outside any tokio runtime are watched by a queue whose task runs on the
//! runtime of the first server started in the process.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::reply::Slot;

/// `now + delay`, saturating at a deadline 30 years out, so "never" settings such as
/// `Duration::MAX` do not overflow.
pub(crate) fn deadline_after(delay: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(delay)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}

/// What the queue needs from a reply slot, whatever its type.
pub(crate) trait Watched: Send + Sync {
    fn is_settled(&self) -> bool;
    fn expire(&self);
}

impl<T: Send> Watched for Slot<T> {
    fn is_settled(&self) -> bool {
        Slot::is_settled(self)
    }

    fn expire(&self) {
        Slot::expire(self);
    }
}

/// The slots watched for one timeout duration. Calls with the same timeout made on one
/// thread are watched in the order they started, so their deadlines are (up to the
/// moment between a call's start and its first wait) in order too: a FIFO suffices, and
/// the earliest deadline is at the front.
struct Lane {
    timeout: Duration,
    entries: VecDeque<(Instant, Arc<dyn Watched>)>,
    compact_at: usize,
}

impl Lane {
    fn pop_settled(&mut self) {
        while self
            .entries
            .front()
            .is_some_and(|(_, slot)| slot.is_settled())
        {
            self.entries.pop_front();
        }
    }
}

const MIN_COMPACT: usize = 64;

struct Heap {
    lanes: Vec<Lane>,
    /// The deadline the task sleeps until, if it sleeps on one.
    armed: Option<Instant>,
    /// False once the task has exited; the next watch starts a new one.
    running: bool,
}

impl Heap {
    fn push(&mut self, deadline: Instant, timeout: Duration, slot: Arc<dyn Watched>) {
        let lane = match self.lanes.iter().position(|l| l.timeout == timeout) {
            Some(i) => &mut self.lanes[i],
            None => {
                self.lanes.push(Lane {
                    timeout,
                    entries: VecDeque::new(),
                    compact_at: MIN_COMPACT,
                });
                let last = self.lanes.len() - 1;
                &mut self.lanes[last]
            }
        };
        lane.pop_settled();
        lane.entries.push_back((deadline, slot));
        if lane.entries.len() > lane.compact_at {
            lane.entries.retain(|(_, slot)| !slot.is_settled());
            lane.compact_at = MIN_COMPACT.max(lane.entries.len() * 2);
        }
    }

    /// Times out what is due at `now`, drops what has settled at the fronts, and returns
    /// the next deadline to wake up for.
    fn expire_due(&mut self, now: Instant) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        for lane in &mut self.lanes {
            while let Some((deadline, slot)) = lane.entries.front() {
                if slot.is_settled() {
                    lane.entries.pop_front();
                } else if *deadline <= now {
                    slot.expire();
                    lane.entries.pop_front();
                } else {
                    next = Some(next.map_or(*deadline, |n| n.min(*deadline)));
                    break;
                }
            }
        }
        self.lanes.retain(|lane| !lane.entries.is_empty());
        next
    }
}

struct Queue {
    heap: Mutex<Heap>,
    wake: Notify,
    /// Cleared when the task is dropped without exiting on its own (runtime shut down).
    alive: AtomicBool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Heap> {
        self.heap.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

thread_local! {
    static QUEUE: RefCell<Option<Arc<Queue>>> = const { RefCell::new(None) };
}

static FALLBACK: OnceLock<Handle> = OnceLock::new();

/// Remembers a runtime to run timeout tasks on for calls made outside any runtime.
pub(crate) fn note_runtime(handle: &Handle) {
    if FALLBACK.get().is_none() {
        let _ = FALLBACK.set(handle.clone());
    }
}

/// Times out `slot` at `deadline` unless it settles first.
pub(crate) fn watch(deadline: Instant, timeout: Duration, slot: Arc<dyn Watched>) {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let queue = match &*q {
            Some(queue) if queue.alive.load(Ordering::Acquire) => queue,
            stale => {
                let fresh = Arc::new(Queue {
                    heap: Mutex::new(Heap {
                        lanes: Vec::new(),
                        armed: None,
                        running: false,
                    }),
                    wake: Notify::new(),
                    alive: AtomicBool::new(true),
                });
                // A queue whose task died with its runtime hands its slots over.
                if let Some(old) = stale {
                    let mut old = old.lock();
                    fresh.lock().lanes = std::mem::take(&mut old.lanes);
                }
                q.insert(fresh)
            }
        };
        let (start_task, wake_task) = {
            let mut heap = queue.lock();
            heap.push(deadline, timeout, slot);
            let start = !heap.running;
            heap.running = true;
            let earlier = heap.armed.is_none_or(|armed| deadline < armed);
            (start, earlier && !start)
        };
        if start_task {
            spawn_task(queue.clone());
        } else if wake_task {
            queue.wake.notify_one();
        }
    });
}

fn spawn_task(queue: Arc<Queue>) {
    let handle = match Handle::try_current() {
        Ok(handle) => handle,
        Err(_) => match FALLBACK.get() {
            Some(handle) => handle.clone(),
            None => {
                // No runtime anywhere: nothing could time the call out. Leave the slot
                // queued; a later call on a runtime starts the task.
                queue.lock().running = false;
                return;
            }
        },
    };
    handle.spawn(run(queue));
}

/// Marks the queue dead if its task is dropped before exiting on its own.
struct AliveGuard(Arc<Queue>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        if std::thread::panicking() || self.0.lock().running {
            self.0.alive.store(false, Ordering::Release);
        }
    }
}

/// How long a queue's task stays around with nothing to watch before it exits, so a
/// thread making calls one after another does not start a task per call.
const LINGER: Duration = Duration::from_secs(1);

async fn run(queue: Arc<Queue>) {
    let _guard = AliveGuard(queue.clone());
    let mut idle_since: Option<Instant> = None;
    loop {
        let wake_at = {
            let mut heap = queue.lock();
            let now = Instant::now();
            let wake_at = match heap.expire_due(now) {
                Some(deadline) => {
                    idle_since = None;
                    deadline
                }
                None => {
                    let since = *idle_since.get_or_insert(now);
                    if now >= since + LINGER {
                        // Nothing to watch for a while: exit; the next watch starts a
                        // new task.
                        heap.running = false;
                        heap.armed = None;
                        return;
                    }
                    since + LINGER
                }
            };
            // Watches with later deadlines need not wake us before this.
            heap.armed = Some(wake_at);
            wake_at
        };
        tokio::select! {
            _ = tokio::time::sleep_until(wake_at) => {}
            _ = queue.wake.notified() => {}
        }
    }
}
