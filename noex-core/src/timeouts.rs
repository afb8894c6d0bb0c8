//! Call timeouts without a timer per call.
//!
//! # Design
//!
//! A call to a server that answers at once takes a few hundred nanoseconds; registering a
//! tokio timer for its timeout and removing it again costs about as much as the call
//! itself. So calls do not get timers. What a waiting call needs is only this: *its task
//! must be woken by its deadline*, so that it can look at the clock and give up. A task
//! that calls servers one after another needs that guarantee once in a while, not once
//! per call:
//!
//! * A waiting call asks for its task to be woken by its deadline ([`wake_by`]). Each
//!   thread remembers its last few such requests (the task's waker and the time it will
//!   be woken at); if one of them already wakes this task no later than the new deadline,
//!   and has not fired yet, there is nothing to do. That check is all a call costs in the
//!   steady state: no lock, no allocation, no clock read.
//! * Otherwise a [`Registration`] goes into the queue of this thread and runtime: a heap
//!   ordered by wake-up time, watched by one tokio task that sleeps until the earliest
//!   wake-up, wakes the tasks that are due, and sleeps again. After a second with nothing
//!   to watch it exits; the next registration starts a new one.
//! * A registration wakes its task at its call's deadline or [`RECHECK`] from now,
//!   whichever comes first. A registration holds a clone of the task's waker, which keeps
//!   the task's memory alive until it fires; the short horizon bounds that (a finished
//!   task is released within `RECHECK`), at the price of one spurious wake-up per
//!   `RECHECK` for a task that keeps calling.
//! * A woken call whose reply has not come looks at the clock: past its deadline, it times
//!   out; otherwise it asks again.
//!
//! Timeouts are as precise as tokio's timers (the last registration of a waiting call
//! wakes it exactly at its deadline), and run on the paused clock in tests like any tokio
//! timer. Calls made outside any tokio runtime are watched by a queue whose task runs on
//! the runtime of the last server started in the process.

use std::cell::RefCell;
use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::Duration;

use tokio::runtime::{Handle, Id as RuntimeId};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How far ahead a registration may wake its task; see the module docs.
const RECHECK: Duration = Duration::from_millis(100);

/// How long a queue's task stays around with nothing to watch before it exits.
const LINGER: Duration = Duration::from_secs(1);

/// How many recent registrations a thread remembers: enough for the caller tasks that
/// take turns on one worker thread.
const RECENT: usize = 8;

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

/// A registration in a queue's heap, earliest first.
struct Entry {
    wake_at: Instant,
    seq: u64,
    registration: Arc<Registration>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.wake_at, self.seq) == (other.wake_at, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (self.wake_at, self.seq).cmp(&(other.wake_at, other.seq))
    }
}

struct Heap {
    entries: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    /// The time the task sleeps until.
    armed: Option<Instant>,
    /// False once the task has exited; the next registration starts a new one.
    running: bool,
}

impl Heap {
    /// Takes out what is due at `now` (to be woken once the lock is released) and
    /// returns the next time to wake up for.
    fn take_due(&mut self, now: Instant, due: &mut Vec<Arc<Registration>>) -> Option<Instant> {
        while let Some(Reverse(first)) = self.entries.peek() {
            if first.wake_at > now {
                return Some(first.wake_at);
            }
            if let Some(Reverse(entry)) = self.entries.pop() {
                due.push(entry.registration);
            }
        }
        None
    }
}

/// The registrations made on one thread under one runtime, and their task.
struct Queue {
    /// The runtime the task runs on (`None`: calls made outside any runtime).
    runtime: Option<RuntimeId>,
    heap: Mutex<Heap>,
    wake: Notify,
    /// Cleared when the task ends without exiting on its own (its runtime shut down,
    /// possibly before it ever ran).
    alive: AtomicBool,
}

impl Queue {
    fn new(runtime: Option<RuntimeId>) -> Queue {
        Queue {
            runtime,
            heap: Mutex::new(Heap {
                entries: BinaryHeap::new(),
                seq: 0,
                armed: None,
                running: false,
            }),
            wake: Notify::new(),
            alive: AtomicBool::new(true),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Heap> {
        self.heap.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
struct Local {
    /// One queue per runtime this thread has made calls under (nearly always one).
    queues: Vec<Arc<Queue>>,
    recent: [Option<Arc<Registration>>; RECENT],
    next: usize,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::default();
}

/// The runtime of the last server started: where timeouts of calls made outside any
/// runtime are watched.
static FALLBACK: Mutex<Option<Handle>> = Mutex::new(None);

/// Remembers a runtime to run timeout tasks on for calls made outside any runtime.
pub(crate) fn note_runtime(handle: &Handle) {
    let mut fallback = FALLBACK.lock().unwrap_or_else(PoisonError::into_inner);
    if fallback.as_ref().is_none_or(|h| h.id() != handle.id()) {
        *fallback = Some(handle.clone());
    }
}

/// Runs `fut` until `deadline`; `None` if the deadline passes first. For the rare waits
/// of the call path (a full mailbox, a server's exit); works outside any runtime too.
pub(crate) async fn within<F: std::future::Future>(deadline: Instant, fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(v));
        }
        if Instant::now() >= deadline {
            return std::task::Poll::Ready(None);
        }
        wake_by(deadline, cx.waker());
        std::task::Poll::Pending
    })
    .await
}

/// Makes sure the task behind `waker` is woken no later than `deadline`.
pub(crate) fn wake_by(deadline: Instant, waker: &Waker) {
    // During thread-local teardown there is nowhere to remember the registration; such
    // a call is not timed out (nothing else in the thread is running either).
    let _ = LOCAL.try_with(|local| {
        let mut local = local.borrow_mut();
        let covered = local.recent.iter().flatten().any(|r| {
            r.wake_at <= deadline && !r.fired.load(Ordering::Acquire) && r.waker.will_wake(waker)
        });
        if !covered {
            local.register(deadline, waker);
        }
    });
}

impl Local {
    fn register(&mut self, deadline: Instant, waker: &Waker) {
        let now = Instant::now();
        let wake_at = deadline.min(now + RECHECK);
        let registration = Arc::new(Registration {
            wake_at,
            fired: AtomicBool::new(false),
            waker: waker.clone(),
        });
        let slot = self.next;
        self.recent[slot] = Some(registration.clone());
        self.next = (slot + 1) % RECENT;

        let runtime = Handle::try_current().ok();
        let queue = self.queue(runtime.as_ref().map(Handle::id));
        let (start_task, wake_task) = {
            let mut heap = queue.lock();
            heap.seq += 1;
            let seq = heap.seq;
            heap.entries.push(Reverse(Entry {
                wake_at,
                seq,
                registration,
            }));
            let start = !heap.running;
            heap.running = true;
            let earlier = heap.armed.is_none_or(|armed| wake_at < armed);
            (start, earlier && !start)
        };
        if start_task {
            spawn_task(queue, runtime);
        } else if wake_task {
            queue.wake.notify_one();
        }
    }

    /// This thread's queue for `runtime`; one whose task has died (with its runtime)
    /// is replaced, and its registrations move over.
    fn queue(&mut self, runtime: Option<RuntimeId>) -> Arc<Queue> {
        let found = self.queues.iter().position(|q| q.runtime == runtime);
        if let Some(i) = found {
            if self.queues[i].alive.load(Ordering::Acquire) {
                return self.queues[i].clone();
            }
        }
        let fresh = Arc::new(Queue::new(runtime));
        if let Some(i) = found {
            let old = self.queues.swap_remove(i);
            let mut old = old.lock();
            fresh.lock().entries = std::mem::take(&mut old.entries);
        }
        // Forget queues of runtimes that are gone.
        self.queues.retain(|q| q.alive.load(Ordering::Acquire));
        self.queues.push(fresh.clone());
        fresh
    }
}

fn spawn_task(queue: Arc<Queue>, runtime: Option<Handle>) {
    let handle = match runtime {
        Some(handle) => handle,
        None => {
            let fallback = FALLBACK.lock().unwrap_or_else(PoisonError::into_inner);
            match &*fallback {
                Some(handle) => handle.clone(),
                None => {
                    // No runtime anywhere: nothing could time the call out. Leave the
                    // registration queued; a later registration starts the task.
                    queue.lock().running = false;
                    return;
                }
            }
        }
    };
    // The guard lives in the future from the start, so a task dropped before it ever
    // runs (its runtime is shutting down) still marks the queue dead.
    let guard = AliveGuard(queue.clone());
    handle.spawn(async move {
        let _guard = guard;
        run(queue).await;
    });
}

/// Marks the queue dead if its task ends without exiting on its own.
struct AliveGuard(Arc<Queue>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        if std::thread::panicking() || self.0.lock().running {
            self.0.alive.store(false, Ordering::Release);
        }
    }
}

async fn run(queue: Arc<Queue>) {
    let mut idle_since: Option<Instant> = None;
    let mut due = Vec::new();
    loop {
        let wake_at = {
            let mut heap = queue.lock();
            let now = Instant::now();
            let wake_at = match heap.take_due(now, &mut due) {
                Some(next) => {
                    idle_since = None;
                    next
                }
                None => {
                    let since = *idle_since.get_or_insert(now);
                    if due.is_empty() && now >= since + LINGER {
                        heap.running = false;
                        heap.armed = None;
                        return;
                    }
                    since + LINGER
                }
            };
            // Registrations with later wake-ups need not wake this task before then.
            heap.armed = Some(wake_at);
            wake_at
        };
        // Wake outside the lock: a waker may run code (or, in some executors, poll).
        for registration in due.drain(..) {
            registration.fired.store(true, Ordering::Release);
            registration.waker.wake_by_ref();
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake_at) => {}
            _ = queue.wake.notified() => {}
        }
    }
}
