//! Child specifications and the small enums that configure supervision.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::process::{AsProcess, ProcessRef};

/// When a child is restarted after it exits (OTP's `restart` of a child spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always restarted, whatever the exit reason. The default.
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (not [`Normal`](crate::ExitReason::Normal)
    /// or [`Shutdown`](crate::ExitReason::Shutdown)).
    Transient,
    /// Never restarted; removed from the supervisor when it exits.
    Temporary,
}

/// How a child is stopped when its supervisor shuts it down (OTP's `shutdown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Killed at once, without running `terminate`.
    BrutalKill,
    /// Asked to stop (reason `shutdown`, `terminate` runs); killed if it has not exited
    /// within the duration.
    Timeout(Duration),
    /// Asked to stop, and waited for however long it takes. The default for supervisors,
    /// which need the time to shut down their own children.
    Infinity,
}

/// Whether a child is a worker or a supervisor (OTP's `type`). It sets the default
/// [`Shutdown`] and is reported by `count_children`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildKind {
    /// A server doing work. Default shutdown: `Timeout(5 s)`.
    Worker,
    /// A nested supervisor. Default shutdown: `Infinity`.
    Supervisor,
}

/// The default shutdown time of a worker, as in OTP.
pub const DEFAULT_WORKER_SHUTDOWN: Duration = Duration::from_secs(5);

/// The error a child's start function failed with.
pub type ChildStartError = Box<dyn std::error::Error + Send + Sync + 'static>;

type StartFuture = Pin<Box<dyn Future<Output = Result<ProcessRef, ChildStartError>> + Send>>;
pub(crate) type StartFn = Arc<dyn Fn() -> StartFuture + Send + Sync>;

/// How to start and supervise one child.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use noex_core::prelude::*;
/// use noex_core::supervisor::{ChildSpec, Restart, Shutdown};
///
/// # #[derive(Debug, Messages)] pub enum CacheMsg { #[cast] Clear }
/// # #[gen_server(messages = CacheMsg)] #[derive(Default)] pub struct Cache;
/// # impl CacheHandler for Cache { async fn clear(&mut self, _: &mut Ctx<Self>) {} }
/// let spec = ChildSpec::new("cache", || Cache::default().start_with(StartOptions::new().name("cache")))
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_secs(1)));
/// assert_eq!(spec.id(), "cache");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) id: Arc<str>,
    pub(crate) start: StartFn,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Option<Shutdown>,
    pub(crate) kind: ChildKind,
}

impl ChildSpec {
    /// A permanent worker named `id`, started by calling `start` (again at each restart).
    ///
    /// `start` returns any server reference (or [`ProcessRef`]); name the server in its
    /// start options and it is re-registered under that name at every restart.
    pub fn new<F, Fut, R, E>(id: impl Into<Arc<str>>, start: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: AsProcess,
        E: Into<ChildStartError>,
    {
        ChildSpec {
            id: id.into(),
            start: Arc::new(move || {
                let fut = start();
                Box::pin(async move {
                    match fut.await {
                        Ok(r) => Ok(r.as_process()),
                        Err(e) => Err(e.into()),
                    }
                })
            }),
            restart: Restart::Permanent,
            shutdown: None,
            kind: ChildKind::Worker,
        }
    }

    /// Like [`new`](Self::new), for a nested supervisor: kind
    /// [`ChildKind::Supervisor`], default shutdown [`Shutdown::Infinity`].
    pub fn supervisor<F, Fut, R, E>(id: impl Into<Arc<str>>, start: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: AsProcess,
        E: Into<ChildStartError>,
    {
        ChildSpec::new(id, start).kind(ChildKind::Supervisor)
    }

    /// Sets when the child is restarted. Default [`Restart::Permanent`].
    pub fn restart(mut self, restart: Restart) -> ChildSpec {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped. Default: `Timeout(5 s)` for workers, `Infinity`
    /// for supervisors.
    pub fn shutdown(mut self, shutdown: Shutdown) -> ChildSpec {
        self.shutdown = Some(shutdown);
        self
    }

    /// Sets the child's kind.
    pub fn kind(mut self, kind: ChildKind) -> ChildSpec {
        self.kind = kind;
        self
    }

    /// The child's id, unique within its supervisor.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The shutdown in effect, defaults applied.
    pub fn effective_shutdown(&self) -> Shutdown {
        self.shutdown.unwrap_or(match self.kind {
            ChildKind::Worker => Shutdown::Timeout(DEFAULT_WORKER_SHUTDOWN),
            ChildKind::Supervisor => Shutdown::Infinity,
        })
    }

    /// The restart type.
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// The kind.
    pub fn child_kind(&self) -> ChildKind {
        self.kind
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.effective_shutdown())
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}
