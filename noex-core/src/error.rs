//! One error type per operation: [`StartError`], [`CallError`], [`CastError`], [`StopError`].
//!
//! Messages are lowercase and say what happened and, where there is one, what to do about
//! it. Errors of operations that carry a message ([`CastError`]) hand the message back so
//! nothing is lost.

use std::fmt;
use std::time::Duration;

use crate::{ExitReason, Pid};

/// Why a server could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// `start` was called outside a tokio runtime.
    #[error("noex servers run on tokio: call start from inside a tokio runtime")]
    NoRuntime,
    /// The start options are invalid; the text says which option and how to fix it.
    #[error("invalid start options: {0}")]
    InvalidOptions(String),
    /// The name given in the start options is held by another live process.
    #[error("the name {name:?} is already registered to {pid}")]
    AlreadyRegistered {
        /// The contested name.
        name: String,
        /// The process holding it.
        pid: Pid,
    },
    /// `init` returned an error or panicked; the reason says which.
    /// Nothing the server registered stays registered.
    #[error("init failed: {0}")]
    Init(ExitReason),
    /// `init` did not finish within the init timeout; the process was killed.
    #[error("init did not finish within {0:?}; raise the init timeout or make init faster")]
    InitTimeout(Duration),
}

/// Why a call produced no reply.
///
/// Application errors are not here: a call whose reply type is `Result<T, E>` returns
/// `Ok(Err(e))`, and the server goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the timeout (5 s unless overridden). The request may still be
    /// handled later; its reply is then discarded.
    #[error("call to {pid} timed out after {timeout:?}")]
    Timeout {
        /// The server called.
        pid: Pid,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The server was not running when the call was made; the request was not delivered.
    #[error("call to {pid} failed: the server is not running")]
    NotRunning {
        /// The server called.
        pid: Pid,
    },
    /// The request was delivered but the server exited before replying.
    #[error("call to {pid} failed: the server exited ({reason}) before replying")]
    Exited {
        /// The server called.
        pid: Pid,
        /// Why it exited.
        reason: ExitReason,
    },
    /// The handler dropped its [`ReplyTo`](crate::ReplyTo) without answering.
    #[error("call to {pid} failed: the handler dropped the reply without answering")]
    NoReply {
        /// The server called.
        pid: Pid,
    },
    /// A server called itself from one of its own handlers; that would wait forever for
    /// a reply only it can give.
    #[error("a server called itself ({pid}): that would deadlock; send a cast or use ctx instead")]
    CalledSelf {
        /// The server that called itself.
        pid: Pid,
    },
}

/// Why a cast was not delivered. Hands the message back: see [`CastError::into_inner`].
#[derive(PartialEq, Eq, thiserror::Error)]
pub enum CastError<M> {
    /// The server is not running.
    #[error("cast failed: the server is not running")]
    NotRunning(M),
    /// The server's bounded mailbox is full; retry later or use the waiting variant.
    #[error("cast failed: the mailbox is full")]
    MailboxFull(M),
}

impl<M> CastError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            CastError::NotRunning(m) | CastError::MailboxFull(m) => m,
        }
    }
}

impl<M> fmt::Debug for CastError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CastError::NotRunning(_) => f.write_str("NotRunning(..)"),
            CastError::MailboxFull(_) => f.write_str("MailboxFull(..)"),
        }
    }
}

/// Why `stop` did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StopError {
    /// The server had already exited, with this reason.
    #[error("stop failed: the server {pid} had already exited ({reason})")]
    NotRunning {
        /// The server.
        pid: Pid,
        /// Why it had exited.
        reason: ExitReason,
    },
    /// The server did not finish stopping within the given time. It is still stopping;
    /// `kill` ends it at once.
    #[error("stop of {pid} did not complete within {timeout:?}")]
    Timeout {
        /// The server.
        pid: Pid,
        /// The time allowed.
        timeout: Duration,
    },
    /// A server tried to stop itself with `stop().await`, which would wait for its own
    /// handler to return; call `ctx.stop(reason)` instead.
    #[error("a server cannot await its own stop ({pid}); call ctx.stop(reason) in the handler")]
    CalledSelf {
        /// The server.
        pid: Pid,
    },
}

/// A boxed error, the error type of `init`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
