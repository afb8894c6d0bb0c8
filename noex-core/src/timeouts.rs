//! Call timeouts without a timer per call.
//!
//! # Design
//!
//! A call to a server that answers at once takes a few hundred nanoseconds; registering a
//! tokio timer for its timeout and removing it again costs about as much as the call
//! itself. So calls do not get timers. What a waiting call needs is only this: *its task
//! must be woken by its deadline*, so that it can look at the clock and give up. A task
//! that calls servers one after another needs that guarantee once, not once per call:
//!
//! * A waiting call asks for its task to be woken by its deadline ([`wake_by`]). Each
//!   thread remembers the last few such requests (the task's waker and the time it will be
//!   woken at); if one of them already wakes this task no later than the new deadline, and
//!   has not fired yet, there is nothing to do. That check is all a call costs in the
//!   steady state: no lock, no allocation, no clock read.
//! * Otherwise a [`Registration`] (allocated once per task and period, not per call) goes
//!   into the thread's queue: one FIFO lane per timeout duration, so the earliest deadline
//!   is at a lane's front. One tokio task per queue sleeps until that deadline, wakes the
//!   registered tasks that are due, and sleeps again; after a second with nothing to watch
//!   it exits, and the next registration starts a new one.
//! * A woken call whose reply has not come looks at the clock: past its deadline, it times
//!   out; otherwise (it was woken early, by a registration made for an earlier call) it
//!   asks again, which registers its own deadline.
//!
//! So a task making back-to-back calls with the default 5 s timeout registers once and is
//! woken about once every 5 s; timeouts are as precise as tokio's timers, and run on the
//! paused clock in tests like any tokio timer.
//!
//! Calls made outside any tokio runtime are watched by a queue whose task runs on the
//! runtime of the first server started in the process.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Waker;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::time::Instant;

/// `now + delay`, saturating at a deadline 30 years out, so "never" settings such as
/// `Duration::MAX` do not overflow.
pub(crate) fn deadline_after(delay: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(delay)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}

/// A promise to wake one task at `wake_at`.
struct Registration {
    wake_at: Instant,
    fired: AtomicBool,
    waker: Waker,
}

impl Registration {
    fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        self.waker.wake_by_ref();
    }
}

/// The registrations made with one timeout duration. Calls with the same timeout reach
/// their deadlines in the order they started (up to the moment between a call's start and
/// its first wait), so a FIFO suffices and the earliest deadline is at the front.
struct Lane {
    timeout: Duration,
    entries: VecDeque<Arc<Registration>>,
}

struct Heap {
    lanes: Vec<Lane>,
    /// The time the task sleeps until.
    armed: Option<Instant>,
    /// False once the task has exited; the next registration starts a new one.
    running: bool,
}

impl Heap {
    fn push(&mut self, timeout: Duration, registration: Arc<Registration>) {
        match self.lanes.iter_mut().find(|l| l.timeout == timeout) {
            Some(lane) => lane.entries.push_back(registration),
            None => self.lanes.push(Lane {
                timeout,
                entries: VecDeque::from([registration]),
            }),
        }
    }

    /// Wakes what is due at `now` and returns the next time to wake up for.
    fn fire_due(&mut self, now: Instant) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        for lane in &mut self.lanes {
            while let Some(front) = lane.entries.front() {
                if front.wake_at <= now {
                    front.fire();
                    lane.entries.pop_front();
                } else {
                    next = Some(next.map_or(front.wake_at, |n| n.min(front.wake_at)));
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

/// How many recent registrations a thread remembers: enough for the caller tasks that
/// take turns on one worker thread.
const RECENT: usize = 8;

#[derive(Default)]
struct Local {
    queue: Option<Arc<Queue>>,
    recent: [Option<Arc<Registration>>; RECENT],
    next: usize,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::default();
}

static FALLBACK: OnceLock<Handle> = OnceLock::new();

/// Remembers a runtime to run timeout tasks on for calls made outside any runtime.
pub(crate) fn note_runtime(handle: &Handle) {
    if FALLBACK.get().is_none() {
        let _ = FALLBACK.set(handle.clone());
    }
}

/// Makes sure the task behind `waker` is woken no later than `deadline` (a call with
/// timeout `timeout` waits on it).
pub(crate) fn wake_by(deadline: Instant, timeout: Duration, waker: &Waker) {
    LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        let covered = local.recent.iter().flatten().any(|r| {
            r.wake_at <= deadline && !r.fired.load(Ordering::Acquire) && r.waker.will_wake(waker)
        });
        if covered {
            return;
        }
        let registration = Arc::new(Registration {
            wake_at: deadline,
            fired: AtomicBool::new(false),
            waker: waker.clone(),
        });
        let slot = local.next;
        local.recent[slot] = Some(registration.clone());
        local.next = (slot + 1) % RECENT;
        let queue = local.queue();
        let (start_task, wake_task) = {
            let mut heap = queue.lock();
            heap.push(timeout, registration);
            let start = !heap.running;
            heap.running = true;
            let earlier = heap.armed.is_none_or(|armed| deadline < armed);
            (start, earlier && !start)
        };
        if start_task {
            spawn_task(queue);
        } else if wake_task {
            queue.wake.notify_one();
        }
    });
}

impl Local {
    /// This thread's queue, replacing one whose task died with its runtime (its
    /// registrations move over).
    fn queue(&mut self) -> Arc<Queue> {
        if let Some(queue) = &self.queue {
            if queue.alive.load(Ordering::Acquire) {
                return queue.clone();
            }
        }
        let fresh = Arc::new(Queue {
            heap: Mutex::new(Heap {
                lanes: Vec::new(),
                armed: None,
                running: false,
            }),
            wake: Notify::new(),
            alive: AtomicBool::new(true),
        });
        if let Some(old) = self.queue.take() {
            let mut old = old.lock();
            fresh.lock().lanes = std::mem::take(&mut old.lanes);
        }
        self.queue = Some(fresh.clone());
        fresh
    }
}

fn spawn_task(queue: Arc<Queue>) {
    let handle = match Handle::try_current() {
        Ok(handle) => handle,
        Err(_) => match FALLBACK.get() {
            Some(handle) => handle.clone(),
            None => {
                // No runtime anywhere: nothing could time the call out. Leave the
                // registration queued; a later call on a runtime starts the task.
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

/// How long a queue's task stays around with nothing to watch before it exits.
const LINGER: Duration = Duration::from_secs(1);

async fn run(queue: Arc<Queue>) {
    let _guard = AliveGuard(queue.clone());
    let mut idle_since: Option<Instant> = None;
    loop {
        let wake_at = {
            let mut heap = queue.lock();
            let now = Instant::now();
            let wake_at = match heap.fire_due(now) {
                Some(deadline) => {
                    idle_since = None;
                    deadline
                }
                None => {
                    let since = *idle_since.get_or_insert(now);
                    if now >= since + LINGER {
                        heap.running = false;
                        heap.armed = None;
                        return;
                    }
                    since + LINGER
                }
            };
            // Registrations with later deadlines need not wake us before this.
            heap.armed = Some(wake_at);
            wake_at
        };
        tokio::select! {
            _ = tokio::time::sleep_until(wake_at) => {}
            _ = queue.wake.notified() => {}
        }
    }
}
