//! The mailbox: a multi-producer, single-consumer queue with an optional bound.
//!
//! # Design
//!
//! A server's mailbox is a `Mutex<VecDeque>` that the server drains a whole batch at a
//! time: the consumer swaps the shared deque with its private one, so one lock hand-over
//! serves every message queued since the last one, and the steady state allocates nothing
//! (the two deques trade their buffers). A sender takes the lock for one `push_back` and
//! wakes the server only if it was parked. Compared with tokio's `mpsc` (a lock-free list
//! of 32-slot blocks allocated up front) this keeps an idle server to a few words: nothing
//! is allocated until the first message arrives, which is what lets 100 000 idle servers
//! fit in little memory. Under contention the critical section is a handful of
//! instructions, so the lock is rarely held long enough to matter.
//!
//! System messages (stop, monitor notices, timers) share the queue with user messages so
//! that a stop is handled after the messages sent before it, but they bypass the bound:
//! a full mailbox never loses a `Down` or a stop.
//!
//! The consumer takes part in tokio's cooperative scheduling (`coop::poll_proceed`), so a
//! server flooded with messages still yields to other tasks on its worker.

use std::collections::VecDeque;
use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use tokio::sync::Notify;

/// Buffers above this many slots are released when the mailbox runs empty, so a burst
/// does not pin its peak memory for the rest of the server's life.
const SHRINK_ABOVE: usize = 4096;

pub(crate) struct Mailbox<T> {
    state: Mutex<State<T>>,
    bound: Option<Box<Bound>>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// The consumer's waker, kept across waits so a ping-pong does not clone and drop
    /// it every time; `parked` says whether it waits now.
    waker: Option<Waker>,
    parked: bool,
    closed: bool,
}

impl<T> State<T> {
    /// A waker to wake once the lock is released, if the consumer is parked. Cloned, so
    /// the consumer keeps its stored waker for the next wait; waking after unlocking
    /// keeps the critical section to a few instructions even when the wake has to unpark
    /// another worker thread.
    fn unpark(&mut self) -> Option<Waker> {
        if std::mem::take(&mut self.parked) {
            self.waker.clone()
        } else {
            None
        }
    }
}

struct Bound {
    capacity: usize,
    /// User messages queued and not yet taken by the server.
    len: AtomicUsize,
    /// Signalled when a slot frees up or the mailbox closes.
    space: Notify,
}

/// Why a push did not happen; the item comes back.
pub(crate) enum PushError<T> {
    Closed(T),
    Full(T),
}

impl<T> PushError<T> {
    pub(crate) fn into_inner(self) -> T {
        match self {
            PushError::Closed(t) | PushError::Full(t) => t,
        }
    }
}

impl<T> Mailbox<T> {
    pub(crate) fn new(capacity: Option<NonZeroUsize>) -> Mailbox<T> {
        Mailbox {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                waker: None,
                parked: false,
                closed: false,
            }),
            bound: capacity.map(|c| {
                Box::new(Bound {
                    capacity: c.get(),
                    len: AtomicUsize::new(0),
                    space: Notify::new(),
                })
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code holding this lock can panic, but a poisoned lock must not take the
        // process down with it either.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` regardless of the bound (system messages).
    pub(crate) fn push(&self, item: T) -> Result<(), T> {
        let mut st = self.lock();
        if st.closed {
            return Err(item);
        }
        st.queue.push_back(item);
        let waker = st.unpark();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Queues a user message, failing with `Full` when the bound is reached. The item is
    /// wrapped into the queue's element type only once it is sure to be queued, so a
    /// refused item comes back exactly as given.
    pub(crate) fn try_push_user<U>(
        &self,
        item: U,
        wrap: impl FnOnce(U) -> T,
    ) -> Result<(), PushError<U>> {
        let mut st = self.lock();
        if st.closed {
            return Err(PushError::Closed(item));
        }
        if let Some(bound) = &self.bound {
            // `len` only shrinks outside the lock, so a stale read can only refuse
            // early, never overfill.
            if bound.len.load(Ordering::Acquire) >= bound.capacity {
                return Err(PushError::Full(item));
            }
            bound.len.fetch_add(1, Ordering::AcqRel);
        }
        st.queue.push_back(wrap(item));
        let waker = st.unpark();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Queues a user message, waiting for a free slot when the mailbox is full.
    pub(crate) async fn push_user_wait<U>(
        &self,
        mut item: U,
        wrap: impl Fn(U) -> T,
    ) -> Result<(), U> {
        loop {
            let Some(bound) = &self.bound else {
                return self
                    .try_push_user(item, &wrap)
                    .map_err(PushError::into_inner);
            };
            let notified = bound.space.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            match self.try_push_user(item, &wrap) {
                Ok(()) => return Ok(()),
                Err(PushError::Closed(i)) => return Err(i),
                Err(PushError::Full(i)) => item = i,
            }
            notified.await;
        }
    }

    /// Tells the bound that the server took one user message.
    pub(crate) fn release_user_slot(&self) {
        if let Some(bound) = &self.bound {
            bound.len.fetch_sub(1, Ordering::AcqRel);
            bound.space.notify_one();
        }
    }

    /// Refuses all further messages and returns those still queued, for the caller to
    /// drop outside the lock (dropping a call's reply handle wakes its caller).
    pub(crate) fn close(&self) -> VecDeque<T> {
        let mut st = self.lock();
        st.closed = true;
        st.parked = false;
        st.waker = None;
        let rest = std::mem::take(&mut st.queue);
        drop(st);
        if let Some(bound) = &self.bound {
            bound.space.notify_waiters();
        }
        rest
    }

    /// Receives the next message, taking the whole shared queue into `local` when
    /// `local` is empty. `None` once the mailbox is closed and empty.
    pub(crate) fn poll_recv(
        &self,
        local: &mut VecDeque<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        if let Some(item) = local.pop_front() {
            coop.made_progress();
            return Poll::Ready(Some(item));
        }
        if local.capacity() > SHRINK_ABOVE {
            *local = VecDeque::new();
        }
        let mut st = self.lock();
        if st.queue.is_empty() {
            if st.closed {
                coop.made_progress();
                return Poll::Ready(None);
            }
            match &st.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.waker = Some(cx.waker().clone()),
            }
            st.parked = true;
            return Poll::Pending;
        }
        std::mem::swap(&mut st.queue, local);
        drop(st);
        coop.made_progress();
        Poll::Ready(local.pop_front())
    }

    /// Future form of [`poll_recv`](Self::poll_recv).
    pub(crate) fn recv<'a>(&'a self, local: &'a mut VecDeque<T>) -> Recv<'a, T> {
        Recv {
            mailbox: self,
            local,
        }
    }
}

pub(crate) struct Recv<'a, T> {
    mailbox: &'a Mailbox<T>,
    local: &'a mut VecDeque<T>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.mailbox.poll_recv(this.local, cx)
    }
}

#[cfg(test)]
mod tests;
