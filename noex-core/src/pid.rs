//! Process identifiers.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of one process (one running server).
///
/// Every start of a server gets a fresh `Pid`, so a restarted child has a different `Pid`
/// from the instance it replaces, as in Erlang. Pids are unique for the life of the
/// operating-system process and are never reused. They print as `<0.N>`, after Erlang's
/// `<0.N.0>` notation.
///
/// # Examples
///
/// ```
/// use noex_core::Pid;
///
/// let a = Pid::next();
/// let b = Pid::next();
/// assert_ne!(a, b);
/// assert!(b > a);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(NonZeroU64);

static NEXT_PID: AtomicU64 = AtomicU64::new(1);

impl Pid {
    /// Allocates a new, never used process identifier.
    ///
    /// The runtime calls this when it starts a server; it is public so that code bridging
    /// noex to other systems can mint identities that never collide with real processes.
    pub fn next() -> Pid {
        let n = NEXT_PID.fetch_add(1, Ordering::Relaxed);
        // The counter starts at 1 and would need 2^64 starts to wrap.
        Pid(NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN))
    }

    /// The number inside the identifier, as shown by `Display`.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<0.{}>", self.0)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
