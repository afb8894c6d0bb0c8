//! [`ReplyTo`]: the handle that answers one call.

use std::fmt;

use tokio::sync::oneshot;

/// Marker sent when a reply handle is dropped unanswered outside a panic.
#[derive(Debug)]
pub(crate) struct Unanswered;

pub(crate) type ReplySender<T> = oneshot::Sender<Result<T, Unanswered>>;
pub(crate) type ReplyReceiver<T> = oneshot::Receiver<Result<T, Unanswered>>;

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
    tx: Option<ReplySender<T>>,
}

impl<T> ReplyTo<T> {
    pub(crate) fn new(tx: ReplySender<T>) -> ReplyTo<T> {
        ReplyTo { tx: Some(tx) }
    }

    /// A handle nobody waits on: what a call variant's handler receives when the message
    /// arrived as a cast or from a timer. Sending to it does nothing.
    pub fn detached() -> ReplyTo<T> {
        ReplyTo { tx: None }
    }

    /// Answers the call. Returns false if nobody will see the answer: the caller gave up
    /// (timed out or was dropped) or the handle is [detached](ReplyTo::detached).
    pub fn send(mut self, value: T) -> bool {
        match self.tx.take() {
            Some(tx) => tx.send(Ok(value)).is_ok(),
            None => false,
        }
    }

    /// True if nobody waits for the answer any more.
    pub fn is_closed(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }
}

impl<T> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            // During a panic the process is crashing: the caller learns the exit reason
            // from the process itself, so say nothing here.
            if !std::thread::panicking() {
                let _ = tx.send(Err(Unanswered));
            }
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
