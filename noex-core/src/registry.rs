//! The [`Registry`]: find processes by name instead of passing references around.
//!
//! # Semantics
//!
//! * A name maps to one live process; registering a taken name fails with
//!   [`RegisterError::AlreadyRegistered`]. A process may hold several names.
//! * A process's names vanish when it exits, for any reason, before its monitors are told
//!   (see the exit sequence in [`ProcessRef`]): once a monitor has received the `Down` of
//!   a process, no lookup returns it.
//! * Typed lookups ([`lookup`](Registry::lookup), [`whereis`](Registry::whereis)) return
//!   the server's [`ServerRef`]; asking for the wrong server type is a
//!   [`LookupError::WrongType`], checked once per lookup by type id, never per message.
//! * There is one global registry ([`Registry::global`], used by
//!   [`StartOptions::name`](crate::StartOptions::name)) and any number of independent
//!   ones ([`Registry::new`]) for libraries and tests.
//!
//! Lookups take no lock: the map is a lock-free concurrent hash map (`papaya`), so readers
//! on every core proceed in parallel and never wait for a writer.
//!
//! This is OTP's local name registration (`register/2`, `whereis/1`, `unregister/1`), with
//! names as strings instead of atoms, and several independent registries allowed.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use crate::process::{AsProcess, ProcessRef};
use crate::{GenServer, Pid, ServerRef};

/// A name → process map. Cheap to clone: clones share the same map.
///
/// # Examples
///
/// ```
/// use noex_core::prelude::*;
/// use noex_core::Registry;
///
/// # #[derive(Debug, Messages)] pub enum PingMsg { #[call(reply = u8)] Ping }
/// # #[gen_server(messages = PingMsg)] pub struct Pinger;
/// # impl PingHandler for Pinger { async fn ping(&mut self, _: &mut Ctx<Self>) -> u8 { 1 } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// let pinger = Pinger.start_with(StartOptions::new().name_in(&registry, "pinger")).await?;
///
/// let found = registry.lookup::<Pinger>("pinger")?;
/// assert_eq!(found, pinger);
/// assert_eq!(found.ping().await?, 1);
///
/// pinger.stop().await?;
/// assert!(registry.whereis::<Pinger>("pinger").is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    map: papaya::HashMap<Arc<str>, Entry>,
}

#[derive(Clone)]
struct Entry {
    process: ProcessRef,
    /// The exit hook that removes this entry when the process exits.
    hook: u64,
}

/// Why a name could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The name is held by another process.
    #[error("the name {name:?} is already registered to {pid}")]
    AlreadyRegistered {
        /// The contested name.
        name: String,
        /// The process holding it.
        pid: Pid,
    },
    /// The process has exited (or is exiting); dead processes cannot be named.
    #[error("cannot register {name:?}: process {pid} is not alive")]
    NotAlive {
        /// The name.
        name: String,
        /// The process.
        pid: Pid,
    },
    /// Names must not be empty.
    #[error("registry names must not be empty")]
    EmptyName,
}

/// Why a lookup found no suitable process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// No process is registered under the name.
    #[error("no process is registered as {name:?}")]
    NotRegistered {
        /// The name looked up.
        name: String,
    },
    /// A process is registered under the name, but it runs another server type.
    #[error("{name:?} is a {actual}, not a {expected}")]
    WrongType {
        /// The name looked up.
        name: String,
        /// The server type asked for.
        expected: &'static str,
        /// The server type registered.
        actual: &'static str,
    },
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    /// A new, empty registry, independent of the global one.
    pub fn new() -> Registry {
        Registry {
            inner: Arc::new(Inner {
                map: papaya::HashMap::new(),
            }),
        }
    }

    /// The process-wide registry that [`StartOptions::name`](crate::StartOptions::name)
    /// registers in.
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(Registry::new)
    }

    /// Registers `process` under `name`. The name is removed automatically when the
    /// process exits.
    ///
    /// # Errors
    ///
    /// [`RegisterError::AlreadyRegistered`] if another process holds the name (even one
    /// that is exiting: its name goes when its exit completes);
    /// [`RegisterError::NotAlive`] if `process` has exited; [`RegisterError::EmptyName`].
    pub fn register(&self, name: &str, process: &impl AsProcess) -> Result<(), RegisterError> {
        self.register_process(Arc::from(name), process.as_process())
    }

    pub(crate) fn register_process(
        &self,
        name: Arc<str>,
        process: ProcessRef,
    ) -> Result<(), RegisterError> {
        if name.is_empty() {
            return Err(RegisterError::EmptyName);
        }
        static NEXT_HOOK: AtomicU64 = AtomicU64::new(1);
        let hook = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        let pid = process.pid();
        let map = self.inner.map.pin();
        if let Err(occupied) = map.try_insert(
            name.clone(),
            Entry {
                process: process.clone(),
                hook,
            },
        ) {
            return Err(RegisterError::AlreadyRegistered {
                name: name.to_string(),
                pid: occupied.current.process.pid(),
            });
        }
        let registry: Weak<Inner> = Arc::downgrade(&self.inner);
        let hook_name = name.clone();
        let added = process.core().add_exit_hook(
            hook,
            Box::new(move |pid| {
                if let Some(inner) = registry.upgrade() {
                    inner.remove_if_held(&hook_name, pid);
                }
            }),
        );
        if !added {
            // The process began exiting between the insert and the hook: undo.
            self.inner.remove_if_held(&name, pid);
            return Err(RegisterError::NotAlive {
                name: name.to_string(),
                pid,
            });
        }
        Ok(())
    }

    /// Removes `name`. Returns the process that held it, if any. The process keeps
    /// running.
    pub fn unregister(&self, name: &str) -> Option<ProcessRef> {
        let map = self.inner.map.pin();
        let entry = map.remove(name)?.clone();
        entry.process.core().remove_exit_hook(entry.hook);
        Some(entry.process)
    }

    /// The server registered under `name`, typed.
    ///
    /// # Errors
    ///
    /// [`LookupError::NotRegistered`] if the name is free; [`LookupError::WrongType`] if
    /// it names a server of another type.
    pub fn lookup<S: GenServer>(&self, name: &str) -> Result<ServerRef<S>, LookupError> {
        let process = self.lookup_process(name)?;
        process
            .downcast::<S>()
            .ok_or_else(|| LookupError::WrongType {
                name: name.to_string(),
                expected: std::any::type_name::<S>(),
                actual: process.server_type_name(),
            })
    }

    /// The server registered under `name`, if there is one and it is an `S`.
    pub fn whereis<S: GenServer>(&self, name: &str) -> Option<ServerRef<S>> {
        self.inner.map.pin().get(name)?.process.downcast::<S>()
    }

    /// The process registered under `name`, whatever its type.
    ///
    /// # Errors
    ///
    /// [`LookupError::NotRegistered`] if the name is free.
    pub fn lookup_process(&self, name: &str) -> Result<ProcessRef, LookupError> {
        self.whereis_process(name)
            .ok_or_else(|| LookupError::NotRegistered {
                name: name.to_string(),
            })
    }

    /// The process registered under `name`, whatever its type, if any.
    pub fn whereis_process(&self, name: &str) -> Option<ProcessRef> {
        self.inner.map.pin().get(name).map(|e| e.process.clone())
    }

    /// True if `name` is registered.
    pub fn is_registered(&self, name: &str) -> bool {
        self.inner.map.pin().contains_key(name)
    }

    /// Every registered name, in no particular order.
    pub fn names(&self) -> Vec<String> {
        self.inner.map.pin().keys().map(|k| k.to_string()).collect()
    }

    /// How many names are registered.
    pub fn count(&self) -> usize {
        self.inner.map.len()
    }
}

impl Inner {
    fn remove_if_held(&self, name: &str, pid: Pid) {
        let _ = self
            .map
            .pin()
            .remove_if(name, |_, e| e.process.pid() == pid);
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("count", &self.count())
            .finish()
    }
}
