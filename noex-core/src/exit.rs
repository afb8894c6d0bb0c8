//! Why a process ended: [`ExitReason`], and the [`Down`] notice a monitor receives.

use std::fmt;
use std::sync::Arc;

use crate::Pid;

/// Why a process exited.
///
/// Every process that stops reports exactly one reason: to callers whose request was
/// pending, to its monitors (in a [`Down`]), and to its supervisor, which decides from it
/// whether to restart the child.
///
/// | reason | how it happens | abnormal? |
/// |---|---|---|
/// | [`Normal`](ExitReason::Normal) | `stop()`, or a handler called `ctx.stop(ExitReason::Normal)` | no |
/// | [`Shutdown`](ExitReason::Shutdown) | a supervisor (or `stop_with`) shut it down | no |
/// | [`Error`](ExitReason::Error) | the server stopped itself with an error | yes |
/// | [`Panic`](ExitReason::Panic) | a handler panicked (an OTP crash) | yes |
/// | [`Killed`](ExitReason::Killed) | killed without running `terminate` (OTP's `kill`) | yes |
///
/// "Abnormal" follows OTP: a `transient` child is restarted only after an abnormal exit.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExitReason {
    /// A deliberate, successful stop (OTP's `normal`).
    Normal,
    /// Stopped by its supervisor or by an orderly shutdown (OTP's `shutdown`).
    Shutdown,
    /// The server stopped itself because of an error; the text describes it.
    Error(Arc<str>),
    /// A handler panicked; the text is the panic message.
    Panic(Arc<str>),
    /// Killed without running `terminate`: `kill()`, a shutdown that ran out of time,
    /// or the runtime dropping the task (OTP's `killed`).
    Killed,
}

impl ExitReason {
    /// An [`Error`](ExitReason::Error) reason built from anything printable, typically an
    /// error value.
    ///
    /// ```
    /// use noex_core::ExitReason;
    ///
    /// let reason = ExitReason::error("database connection lost");
    /// assert_eq!(reason.to_string(), "error: database connection lost");
    /// assert!(reason.is_abnormal());
    /// ```
    pub fn error(description: impl fmt::Display) -> ExitReason {
        ExitReason::Error(description.to_string().into())
    }

    /// True for the reasons OTP calls abnormal: everything but `Normal` and `Shutdown`.
    pub fn is_abnormal(&self) -> bool {
        !matches!(self, ExitReason::Normal | ExitReason::Shutdown)
    }

    /// Builds a [`Panic`](ExitReason::Panic) reason from a caught panic payload.
    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> ExitReason {
        let text: Arc<str> = if let Some(s) = payload.downcast_ref::<&'static str>() {
            Arc::from(*s)
        } else if let Some(s) = payload.downcast_ref::<String>() {
            Arc::from(s.as_str())
        } else {
            Arc::from("panic with a non-string payload")
        };
        ExitReason::Panic(text)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Error(e) => write!(f, "error: {e}"),
            ExitReason::Panic(p) => write!(f, "panic: {p}"),
            ExitReason::Killed => f.write_str("killed"),
        }
    }
}

impl fmt::Debug for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("Normal"),
            ExitReason::Shutdown => f.write_str("Shutdown"),
            ExitReason::Error(e) => f.debug_tuple("Error").field(e).finish(),
            ExitReason::Panic(p) => f.debug_tuple("Panic").field(p).finish(),
            ExitReason::Killed => f.write_str("Killed"),
        }
    }
}

/// Identifies one monitor, as returned by `monitor`; the matching [`Down`] carries it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MonitorRef(pub(crate) u64);

impl MonitorRef {
    pub(crate) fn next() -> MonitorRef {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        MonitorRef(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// The notice a monitor receives when the process it watches exits (OTP's `'DOWN'` message).
///
/// A server receives it in its `handle_down` hook; an external monitor receives it from
/// [`Monitor::down`](crate::Monitor::down). Monitoring a process that has already exited
/// delivers a `Down` at once, carrying the reason it exited with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Down {
    /// The monitor that fired.
    pub monitor: MonitorRef,
    /// The process that exited.
    pub pid: Pid,
    /// Why it exited.
    pub reason: ExitReason,
}
