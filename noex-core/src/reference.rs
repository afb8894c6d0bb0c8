//! [`ServerRef`]: the typed reference to a running server.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{Client, RawRef};
use crate::error::{CastError, StopError};
use crate::process::{AsProcess, Monitor, ProcessRef};
use crate::runtime::Cell;
use crate::{ExitReason, GenServer, Messages, Pid};

/// The typed client of server `S`, which [`ServerRef<S>`] dereferences to.
pub type ClientOf<S> = <<S as GenServer>::Msg as Messages>::Client;

/// A reference to a running server of type `S`.
///
/// It dereferences to the client generated for `S`'s messages, so the typed methods
/// (`counter.add(5).await`, `counter.reset()`) are called on it directly. Cloning is
/// cheap; clones compare equal and hash alike (by [`Pid`]). A reference does not keep the
/// server alive: a server runs until it stops, whoever holds references to it.
///
/// A variant whose client method would share a name with one of the methods below is
/// rejected by `#[derive(Messages)]`, so the generated methods are never shadowed.
pub struct ServerRef<S: GenServer> {
    client: ClientOf<S>,
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn from_cell(cell: Arc<Cell<S::Msg>>) -> ServerRef<S> {
        ServerRef {
            client: Client::from_raw(RawRef {
                cell,
                timeout: None,
            }),
        }
    }

    fn raw(&self) -> &RawRef<S::Msg> {
        self.client.raw()
    }

    /// The server's process identifier.
    pub fn pid(&self) -> Pid {
        self.raw().pid()
    }

    /// True while the server is running (including while it runs `terminate`).
    pub fn is_alive(&self) -> bool {
        self.raw().cell.core.is_running()
    }

    /// Why the server exited, once it is exiting or has exited.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.raw().cell.core.exit_reason()
    }

    /// The same reference, but calls made through it time out after `timeout` instead
    /// of the server's call timeout (5 s unless set at start).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use noex_core::prelude::*;
    /// # #[derive(Debug, Messages)] pub enum PingMsg { #[call(reply = ())] Ping }
    /// # #[gen_server(messages = PingMsg)] pub struct Pinger;
    /// # impl PingHandler for Pinger { async fn ping(&mut self, _: &mut Ctx<Self>) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Pinger.start().await?;
    /// server.with_timeout(Duration::from_millis(100)).ping().await?;
    /// # server.stop().await?; Ok(()) }
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> ServerRef<S> {
        ServerRef {
            client: Client::from_raw(self.raw().with_timeout(timeout)),
        }
    }

    /// Sends a whole message without waiting (the generated cast methods call this).
    /// A call variant sent this way is handled and its reply discarded.
    ///
    /// # Errors
    ///
    /// [`CastError`] when the server is not running or its bounded mailbox is full;
    /// the message comes back inside the error.
    pub fn cast(&self, msg: S::Msg) -> Result<(), CastError<S::Msg>> {
        self.raw().cast(msg)
    }

    /// Sends a whole message, waiting for room if the bounded mailbox is full.
    ///
    /// # Errors
    ///
    /// [`CastError::NotRunning`] with the message if the server is not running.
    pub async fn cast_wait(&self, msg: S::Msg) -> Result<(), CastError<S::Msg>> {
        self.raw().cast_wait(msg).await
    }

    /// Stops the server with reason [`Normal`](ExitReason::Normal) and waits until it is
    /// gone: messages queued before the request are handled, `terminate` runs, its names
    /// are removed and its monitors told, all before this returns.
    ///
    /// # Errors
    ///
    /// [`StopError::NotRunning`] if it had already exited; [`StopError::CalledSelf`] from
    /// the server's own handlers (use `ctx.stop`).
    pub async fn stop(&self) -> Result<(), StopError> {
        self.to_process().stop().await
    }

    /// Like [`stop`](Self::stop) with the given exit reason.
    ///
    /// # Errors
    ///
    /// As [`stop`](Self::stop).
    pub async fn stop_with(&self, reason: ExitReason) -> Result<(), StopError> {
        self.to_process().stop_with(reason).await
    }

    /// Like [`stop_with`](Self::stop_with), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// As [`stop`](Self::stop), plus [`StopError::Timeout`].
    pub async fn stop_timeout(
        &self,
        reason: ExitReason,
        timeout: Duration,
    ) -> Result<(), StopError> {
        self.to_process().stop_timeout(reason, timeout).await
    }

    /// Ends the server at once without running `terminate`; see [`ProcessRef::kill`].
    pub async fn kill(&self) -> ExitReason {
        self.to_process().kill().await
    }

    /// Waits until the server has exited and returns why.
    pub async fn wait(&self) -> ExitReason {
        self.raw().cell.core.wait_exited().await
    }

    /// Monitors the server from outside any server; see [`ProcessRef::monitor`].
    pub fn monitor(&self) -> Monitor {
        self.to_process().monitor()
    }

    /// A type-erased reference to the same process.
    pub fn to_process(&self) -> ProcessRef {
        ProcessRef::new(self.raw().cell.clone())
    }
}

impl<S: GenServer> Deref for ServerRef<S> {
    type Target = ClientOf<S>;

    fn deref(&self) -> &ClientOf<S> {
        &self.client
    }
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            client: Client::from_raw(self.raw().clone()),
        }
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ServerRef<{}>({})",
            std::any::type_name::<S>(),
            self.pid()
        )
    }
}

impl<S: GenServer> PartialEq for ServerRef<S> {
    fn eq(&self, other: &Self) -> bool {
        self.pid() == other.pid()
    }
}

impl<S: GenServer> Eq for ServerRef<S> {}

impl<S: GenServer> Hash for ServerRef<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.pid().hash(state);
    }
}

impl<S: GenServer> AsProcess for ServerRef<S> {
    fn as_process(&self) -> ProcessRef {
        self.to_process()
    }
}

impl<S: GenServer> From<ServerRef<S>> for ProcessRef {
    fn from(server: ServerRef<S>) -> ProcessRef {
        server.to_process()
    }
}

impl<S: GenServer> From<&ServerRef<S>> for ProcessRef {
    fn from(server: &ServerRef<S>) -> ProcessRef {
        server.to_process()
    }
}
