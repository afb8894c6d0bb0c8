//! The typed client machinery: [`RawRef`], which sends messages, and the [`Client`] trait
//! that the generated per-protocol clients implement.
//!
//! Users call the generated methods (`counter.add(5)`); this module is what they expand
//! to.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{CallError, CastError};
use crate::mailbox::PushError;
use crate::reply::{self, Lost, ReplyTo};
use crate::runtime::{Cell, Envelope, current_pid};
use crate::timeouts::within;
use crate::{Messages, Pid};

/// A generated typed client: `#[derive(Messages)]` on `FooMsg` generates `FooClient`,
/// which wraps a [`RawRef<FooMsg>`] and has one method per variant.
///
/// [`ServerRef`](crate::ServerRef) dereferences to its server's client, so the methods
/// are called directly on the reference.
pub trait Client<M: Messages>: Send + Sync + Sized + 'static {
    /// Wraps a raw reference.
    fn from_raw(raw: RawRef<M>) -> Self;
    /// The wrapped raw reference.
    fn raw(&self) -> &RawRef<M>;
}

/// A reference to a running server that speaks protocol `M`, sending whole messages.
///
/// Generated clients wrap it; [`call`](RawRef::call) pairs a message with the typed reply
/// slot its variant expects. It is cheap to clone (one reference count).
pub struct RawRef<M: Messages> {
    pub(crate) cell: Arc<Cell<M>>,
    pub(crate) timeout: Option<Duration>,
}

impl<M: Messages> Clone for RawRef<M> {
    fn clone(&self) -> Self {
        RawRef {
            cell: self.cell.clone(),
            timeout: self.timeout,
        }
    }
}

impl<M: Messages> fmt::Debug for RawRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawRef({})", self.pid())
    }
}

impl<M: Messages> RawRef<M> {
    /// The server's process identifier.
    pub fn pid(&self) -> Pid {
        self.cell.core.pid()
    }

    /// The timeout calls through this reference use.
    pub fn call_timeout(&self) -> Duration {
        self.timeout.unwrap_or(self.cell.call_timeout)
    }

    /// Sends `msg` as a call and waits for the reply, which the handler sends through the
    /// [`ReplyTo`] that `slot` wraps into the message's reply slot.
    ///
    /// # Errors
    ///
    /// [`CallError`]: timeout, server not running or exited before replying, reply
    /// dropped, or a server calling itself.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the call: the server may still handle the message;
    /// its reply is discarded.
    pub async fn call<T: Send + 'static>(
        &self,
        msg: M,
        slot: impl FnOnce(ReplyTo<T>) -> M::Reply,
    ) -> Result<T, CallError> {
        let pid = self.pid();
        if current_pid() == Some(pid) {
            return Err(CallError::CalledSelf { pid });
        }
        let timeout = self.call_timeout();
        let deadline = crate::timeouts::deadline_after(timeout);
        let (reply_to, reply) = reply::channel(deadline, pid);
        let envelope = Envelope::Msg(msg, Some(slot(reply_to)));
        match self.cell.mailbox.try_push_user(envelope, |e| e) {
            Ok(()) => {}
            Err(PushError::Closed(_)) => return Err(CallError::NotRunning { pid }),
            Err(PushError::Full(envelope)) => {
                // A bounded mailbox is full: wait for room, within the same deadline.
                match within(deadline, self.cell.mailbox.push_user_wait(envelope, |e| e)).await {
                    Some(Ok(())) => {}
                    Some(Err(_)) => return Err(CallError::NotRunning { pid }),
                    None => return Err(CallError::Timeout { pid, timeout }),
                }
            }
        }
        let lost = match reply.await {
            Ok(value) => return Ok(value),
            Err(lost) => lost,
        };
        let core = &self.cell.core;
        match lost {
            Lost::TimedOut => Err(CallError::Timeout { pid, timeout }),
            Lost::Unanswered if core.is_running() => Err(CallError::NoReply { pid }),
            Lost::Unanswered | Lost::Abandoned => {
                // The reply handle went away because the server is exiting: report why,
                // once the reason is final.
                match within(deadline, core.wait_exited()).await {
                    Some(reason) => Err(CallError::Exited { pid, reason }),
                    None => Err(CallError::Timeout { pid, timeout }),
                }
            }
        }
    }

    /// Sends `msg` without waiting for it to be handled.
    ///
    /// # Errors
    ///
    /// [`CastError::NotRunning`] if the server is not running;
    /// [`CastError::MailboxFull`] if its bounded mailbox is full. Both hand `msg` back.
    pub fn cast(&self, msg: M) -> Result<(), CastError<M>> {
        match self.cell.mailbox.try_push_user(msg, Envelope::cast) {
            Ok(()) => Ok(()),
            Err(PushError::Closed(msg)) => Err(CastError::NotRunning(msg)),
            Err(PushError::Full(msg)) => Err(CastError::MailboxFull(msg)),
        }
    }

    /// Sends `msg`, waiting for room if the server's bounded mailbox is full.
    ///
    /// # Errors
    ///
    /// [`CastError::NotRunning`] (with `msg`) if the server is not running or stops while
    /// the cast waits.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the message was not sent.
    pub async fn cast_wait(&self, msg: M) -> Result<(), CastError<M>> {
        self.cell
            .mailbox
            .push_user_wait(msg, Envelope::cast)
            .await
            .map_err(CastError::NotRunning)
    }

    /// The same reference with a different call timeout.
    pub fn with_timeout(&self, timeout: Duration) -> RawRef<M> {
        RawRef {
            cell: self.cell.clone(),
            timeout: Some(timeout),
        }
    }
}
