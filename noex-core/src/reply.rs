//! The reply path of a call: the one-shot [`Slot`] a caller waits on, and [`ReplyTo`],
//! the handler's right to fill it.
//!
//! # Why not `tokio::sync::oneshot`
//!
//! A call must time out (5 s by default) without a per-call timer: registering and
//! removing a tokio timer costs more than the whole round trip of a call to a server that
//! answers at once. So the slot carries one more outcome, `TimedOut`, which the caller
//! sets when it is woken past its deadline; [`timeouts`](crate::timeouts) makes sure it is
//! woken in time without a timer per call. A call allocates exactly once, for the slot.
//! The slot is a small lock-free state machine (see [`Slot`]): three atomic
//! read-modify-writes per call.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Waker};

use tokio::time::Instant;

use crate::Pid;

/// How a call ended, seen from the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lost {
    /// The handler dropped its `ReplyTo` unanswered (outside a panic).
    Unanswered,
    /// The `ReplyTo` went away during a panic or with the process: the process is exiting.
    Abandoned,
    /// The deadline passed first.
    TimedOut,
}

enum Outcome<T> {
    Ready(T),
    Lost(Lost),
    /// The caller went away.
    Closed,
}

/// A settler (the `ReplyTo`, the timeout queue or the dropped caller) has claimed the
/// slot and is writing, or has written, the outcome. Only the first claim wins.
const CLAIMED: u8 = 0b001;
/// The outcome is written and may be read by the caller.
const COMPLETE: u8 = 0b010;
/// The caller has stored a waker, which a settler may use.
const WAKER_SET: u8 = 0b100;

/// The shared cell between one caller and one [`ReplyTo`]: a one-shot channel with a
/// third party (the timeout queue) allowed to settle it.
///
/// The protocol is tokio's oneshot's, reduced to what calls need. `state` arbitrates:
///
/// * a settler sets `CLAIMED` (only the first succeeds), writes `outcome`, then sets
///   `COMPLETE` and wakes the caller if `WAKER_SET` was set;
/// * the caller writes `waker` only while `WAKER_SET` is clear (it clears the bit before
///   replacing a stored waker, and gives up replacing it if `COMPLETE` appeared), then
///   sets `WAKER_SET`; it reads `outcome` only once `COMPLETE` is set.
///
/// So `outcome` has one writer (the winning settler, before `COMPLETE`) and one reader
/// (the caller, after `COMPLETE`), and `waker` is written only by the caller while no
/// settler may read it.
pub(crate) struct Slot<T> {
    /// The server the call went to.
    server: Pid,
    state: AtomicU8,
    outcome: UnsafeCell<Option<Outcome<T>>>,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: access to the cells is arbitrated by `state` as described above; a `T` crosses
// from the settler's thread to the caller's, hence `T: Send`. Wakers are `Send + Sync`.
unsafe impl<T: Send> Send for Slot<T> {}
// SAFETY: as above; shared references only reach the cells through that protocol.
unsafe impl<T: Send> Sync for Slot<T> {}

impl<T> Slot<T> {
    /// Settles a pending slot and wakes the caller. False (and `outcome` is dropped) if
    /// another settler got there first.
    fn settle(&self, outcome: Outcome<T>) -> bool {
        if self.state.fetch_or(CLAIMED, Ordering::Acquire) & CLAIMED != 0 {
            return false;
        }
        // SAFETY: we hold the claim, so no other settler writes `outcome`, and the caller
        // does not read it before `COMPLETE` is set below.
        unsafe { *self.outcome.get() = Some(outcome) };
        let prev = self.state.fetch_or(COMPLETE, Ordering::AcqRel);
        if prev & WAKER_SET != 0 {
            // SAFETY: `WAKER_SET` was set before `COMPLETE`, and the caller only writes
            // the waker after clearing `WAKER_SET` with `COMPLETE` still clear, which can
            // no longer happen: the waker is stable.
            if let Some(waker) = unsafe { &*self.waker.get() } {
                waker.wake_by_ref();
            }
        }
        true
    }

    fn is_settled(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLAIMED != 0
    }

    /// Times the call out if it is still pending.
    fn expire(&self) {
        self.settle(Outcome::Lost(Lost::TimedOut));
    }

    /// The outcome, once `COMPLETE` has been observed.
    fn take(&self) -> Result<T, Lost> {
        // SAFETY: only the caller calls this, after observing `COMPLETE` with Acquire,
        // so the settler's write is visible and finished; nobody else touches `outcome`.
        match unsafe { (*self.outcome.get()).take() } {
            Some(Outcome::Ready(v)) => Ok(v),
            Some(Outcome::Lost(why)) => Err(why),
            Some(Outcome::Closed) | None => Err(Lost::Abandoned),
        }
    }

    /// The caller's poll: the outcome if complete, else store the waker.
    fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Result<T, Lost>> {
        let mut state = self.state.load(Ordering::Acquire);
        if state & COMPLETE != 0 {
            return Poll::Ready(self.take());
        }
        if state & WAKER_SET != 0 {
            // SAFETY: `WAKER_SET` is set, so settlers may read the waker but nobody
            // writes it; reading it here is shared access.
            let same = unsafe { &*self.waker.get() }
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()));
            if same {
                return Poll::Pending;
            }
            // Take the waker back before replacing it.
            loop {
                match self.state.compare_exchange_weak(
                    state,
                    state & !WAKER_SET,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(actual) if actual & COMPLETE != 0 => return Poll::Ready(self.take()),
                    Err(actual) => state = actual,
                }
            }
        }
        // SAFETY: `WAKER_SET` is clear, so no settler reads the waker; only the caller
        // writes it.
        unsafe { *self.waker.get() = Some(cx.waker().clone()) };
        let prev = self.state.fetch_or(WAKER_SET, Ordering::AcqRel);
        if prev & COMPLETE != 0 {
            return Poll::Ready(self.take());
        }
        Poll::Pending
    }
}

/// A new slot and its two ends.
pub(crate) fn channel<T: Send + 'static>(
    deadline: Instant,
    server: Pid,
) -> (ReplyTo<T>, ReplyFuture<T>) {
    let slot = Arc::new(Slot {
        server,
        state: AtomicU8::new(0),
        outcome: UnsafeCell::new(None),
        waker: UnsafeCell::new(None),
    });
    (
        ReplyTo {
            slot: Some(slot.clone()),
        },
        ReplyFuture {
            slot,
            deadline,
            waited: false,
        },
    )
}

/// The caller's end: resolves with the reply, or why there is none.
pub(crate) struct ReplyFuture<T: Send + 'static> {
    slot: Arc<Slot<T>>,
    deadline: Instant,
    /// Whether the future has waited before: a later poll may be the wake-up for the
    /// deadline, so it looks at the clock.
    waited: bool,
}

impl<T: Send + 'static> Future for ReplyFuture<T> {
    type Output = Result<T, Lost>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Lost>> {
        let poll = self.slot.poll_outcome(cx);
        if poll.is_ready() {
            return poll;
        }
        if self.waited && Instant::now() >= self.deadline {
            // Time is up. If the reply raced in meanwhile, it wins.
            self.slot.expire();
            return self.slot.poll_outcome(cx);
        }
        self.waited = true;
        crate::timeouts::wake_by(self.deadline, cx.waker());
        Poll::Pending
    }
}

impl<T: Send + 'static> Drop for ReplyFuture<T> {
    fn drop(&mut self) {
        // The caller gave up (or is done): tell a handler still holding the `ReplyTo`
        // (`is_closed`, `send` returns false).
        if !self.slot.is_settled() {
            self.slot.settle(Outcome::Closed);
        }
    }
}

/// The right to answer one call, for handlers that reply later (OTP's `{noreply, State}`
/// followed by `gen_server:reply/2`).
///
/// A variant declared `#[call(reply = T, deferred)]` hands its handler a `ReplyTo<T>`
/// instead of expecting a return value. The handler may keep it (in its state, or in a
/// task it spawns) and [`send`](ReplyTo::send) the answer whenever it is ready, while the
/// server goes on handling other messages. If the handle is dropped unanswered, the caller
/// gets [`CallError::NoReply`](crate::CallError::NoReply) at once instead of waiting for
/// its timeout.
///
/// # Examples
///
/// ```
/// use noex_core::prelude::*;
///
/// #[derive(Debug, Messages)]
/// pub enum GateMsg {
///     /// Resolves when the gate opens.
///     #[call(reply = u32, deferred)]
///     Enter,
///     #[cast]
///     Open,
/// }
///
/// #[gen_server(messages = GateMsg)]
/// #[derive(Default)]
/// pub struct Gate {
///     waiting: Vec<ReplyTo<u32>>,
///     opened: u32,
/// }
///
/// impl GateHandler for Gate {
///     async fn enter(&mut self, reply: ReplyTo<u32>, _ctx: &mut Ctx<Self>) {
///         self.waiting.push(reply); // answer later
///     }
///     async fn open(&mut self, _ctx: &mut Ctx<Self>) {
///         self.opened += 1;
///         for reply in self.waiting.drain(..) {
///             reply.send(self.opened);
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let gate = Gate::default().start().await?;
/// let waiter = tokio::spawn({
///     let gate = gate.clone();
///     async move { gate.enter().await }
/// });
/// tokio::task::yield_now().await;
/// gate.open()?;
/// assert_eq!(waiter.await??, 1);
/// # gate.stop().await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "dropping a ReplyTo answers the caller with CallError::NoReply"]
pub struct ReplyTo<T> {
    slot: Option<Arc<Slot<T>>>,
}

impl<T> ReplyTo<T> {
    /// A handle nobody waits on: what a call variant's handler receives when the message
    /// arrived as a cast or from a timer. Sending to it does nothing.
    pub fn detached() -> ReplyTo<T> {
        ReplyTo { slot: None }
    }

    /// Answers the call. Returns false if nobody will see the answer: the caller gave up
    /// (timed out or was dropped) or the handle is [detached](ReplyTo::detached).
    pub fn send(mut self, value: T) -> bool {
        match self.slot.take() {
            Some(slot) => slot.settle(Outcome::Ready(value)),
            None => false,
        }
    }

    /// True if nobody waits for the answer any more.
    pub fn is_closed(&self) -> bool {
        self.slot.as_ref().is_none_or(|slot| slot.is_settled())
    }
}

impl<T> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Dropped while its server's handler panics: the server is crashing, and the
            // caller learns the exit reason from it. Anywhere else (a task the handle was
            // sent to, say) it is just unanswered.
            let crashing =
                std::thread::panicking() && crate::runtime::current_pid() == Some(slot.server);
            let why = if crashing {
                Lost::Abandoned
            } else {
                Lost::Unanswered
            };
            slot.settle(Outcome::Lost(why));
        }
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}

#[cfg(test)]
mod tests;
