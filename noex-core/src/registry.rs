//! The [`Registry`]: find processes by name instead of passing references around.
//!
//! ```text
//!   register("cache", &server)        lookup::<Cache>("cache")          cache exits
//!            │                                 │                             │
//!            ▼                                 ▼                             ▼
//!   ┌──────────────────────────────────────────────────────┐   exit hook removes "cache",
//!   │ "cache"  → ProcessRef(<0.12> Cache)                  │   then monitors get their Down
//!   │ "mailer" → ProcessRef(<0.15> Mailer)                 │
//!   └──────────────────────────────────────────────────────┘
//!        lock-free map: readers never wait, not even for a writer
//! ```
//!
//! # Semantics
//!
//! * A name maps to one live process; registering a taken name fails with
//!   [`RegisterError::AlreadyRegistered`]. A process may hold several names.
//! * A process's names vanish when it exits, for any reason (stop, crash, kill, failed
//!   `init`), **before its monitors are told** (see the exit sequence in
//!   [`ProcessRef`]): once a monitor has received the `Down` of a process, no lookup
//!   returns that process. A supervisor restarting a named child therefore finds the name
//!   free, and the restarted child registers it again.
//! * Typed lookups ([`lookup`](Registry::lookup), [`whereis`](Registry::whereis)) return
//!   the server's [`ServerRef`]. Asking for the wrong server type is a
//!   [`LookupError::WrongType`] (or `None` from `whereis`), never a panic; the type is
//!   checked once per lookup, by type id, never per message.
//! * There is one global registry ([`Registry::global`], the one
//!   [`StartOptions::name`](crate::StartOptions::name) uses) and any number of
//!   independent ones ([`Registry::new`]) for libraries and tests, so two libraries (or
//!   two tests running in parallel) never fight over a name.
//!
//! Lookups take no lock: the map is a lock-free concurrent hash map
//! ([papaya](https://docs.rs/papaya)), so readers on every core proceed in parallel and
//! never wait for a writer. A lookup costs a hash, a probe and one reference-count
//! increment for the returned reference.
//!
//! # Examples
//!
//! ```
//! use noex_core::prelude::*;
//!
//! # #[derive(Debug, Messages)] pub enum CacheMsg { #[call(reply = Option<String>)] Get { key: String } }
//! # #[gen_server(messages = CacheMsg)] #[derive(Default)] pub struct Cache;
//! # impl CacheHandler for Cache { async fn get(&mut self, key: String, _: &mut Ctx<Self>) -> Option<String> { Some(key) } }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Name a server when it starts (here in the global registry)...
//! let cache = Cache::default().start_with(StartOptions::new().name("cache")).await?;
//!
//! // ...and find it anywhere else by name, typed.
//! let found = Registry::global().lookup::<Cache>("cache")?;
//! assert_eq!(found.get("user:1".into()).await?, Some("user:1".into()));
//!
//! // The name goes when the server does.
//! cache.stop().await?;
//! assert!(!Registry::global().is_registered("cache"));
//! # Ok(())
//! # }
//! ```
//!
//! # Where noex follows OTP and where it departs
//!
//! This is OTP's local name registration: `register/2` ([`register`](Registry::register)),
//! `unregister/1`, `whereis/1` ([`whereis`](Registry::whereis)), `registered/0`
//! ([`names`](Registry::names)), and `gen_server:start({local, Name}, ..)`
//! ([`StartOptions::name`](crate::StartOptions::name)), which also registers before
//! `init` runs. It departs in that names are strings rather than atoms, lookups are
//! typed, a process may hold several names (OTP allows one), and there may be several
//! independent registries (OTP has one per node).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use crate::process::{AsProcess, ProcessRef};
use crate::{GenServer, Pid, ServerRef};

/// A name → process map. Cheap to clone: clones share the same map.
///
/// # Examples
///
/// An independent registry, as a library or a test would use:
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

struct Entry {
    process: ProcessRef,
    /// Identifies this registration: the exit hook that removes it, and the removal.
    hook: u64,
    /// Set once the exit hook is in place. Until then the registration may still be
    /// undone (the process was already exiting), so lookups do not see it.
    confirmed: AtomicBool,
}

impl Entry {
    fn is_confirmed(&self) -> bool {
        self.confirmed.load(Ordering::Acquire)
    }
}

/// Why a name could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The name is held by another process (or by this one).
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
    /// A new, empty registry, independent of the global one and of every other.
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

    /// Registers `process` under `name` (OTP's `register/2`). The name is removed
    /// automatically when the process exits, or by [`unregister`](Self::unregister).
    ///
    /// ```
    /// # use noex_core::prelude::*;
    /// # #[derive(Debug, Messages)] pub enum PingMsg { #[call(reply = u8)] Ping }
    /// # #[gen_server(messages = PingMsg)] pub struct Pinger;
    /// # impl PingHandler for Pinger { async fn ping(&mut self, _: &mut Ctx<Self>) -> u8 { 1 } }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use noex_core::RegisterError;
    ///
    /// let registry = Registry::new();
    /// let first = Pinger.start().await?;
    /// let second = Pinger.start().await?;
    /// registry.register("pinger", &first)?;
    /// assert_eq!(
    ///     registry.register("pinger", &second),
    ///     Err(RegisterError::AlreadyRegistered { name: "pinger".into(), pid: first.pid() }),
    /// );
    /// # first.stop().await?; second.stop().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RegisterError::AlreadyRegistered`] if a process holds the name (even one that is
    /// exiting: its name goes when its exit completes, before its monitors are told);
    /// [`RegisterError::NotAlive`] if `process` is exiting or has exited;
    /// [`RegisterError::EmptyName`].
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
        // Claim the name first, unconfirmed: lookups ignore it until the exit hook is in
        // place. Adding the hook first would leave a dead process named forever if it
        // exited between the two steps; confirming first would let a lookup see a process
        // that has already told its monitors it is dead.
        let entry = Entry {
            process: process.clone(),
            hook,
            confirmed: AtomicBool::new(false),
        };
        let entry = match map.try_insert(name.clone(), entry) {
            Ok(entry) => entry,
            Err(occupied) => {
                return Err(RegisterError::AlreadyRegistered {
                    name: name.to_string(),
                    pid: occupied.current.process.pid(),
                });
            }
        };
        let registry: Weak<Inner> = Arc::downgrade(&self.inner);
        let hook_name = name.clone();
        let added = process.core().add_exit_hook(
            hook,
            Box::new(move |_pid| {
                if let Some(inner) = registry.upgrade() {
                    inner.remove_registration(&hook_name, hook);
                }
            }),
        );
        if !added {
            // The process is exiting: nobody ever saw the entry; take it back.
            self.inner.remove_registration(&name, hook);
            return Err(RegisterError::NotAlive {
                name: name.to_string(),
                pid,
            });
        }
        // If the process exited since the hook was added, the hook has already removed
        // this entry and confirming it is harmless.
        entry.confirmed.store(true, Ordering::Release);
        Ok(())
    }

    /// Removes `name` (OTP's `unregister/1`) and returns the process that held it, if
    /// any. The process keeps running; only the name goes.
    pub fn unregister(&self, name: &str) -> Option<ProcessRef> {
        let map = self.inner.map.pin();
        let entry = map.remove_if(name, |_, e| e.is_confirmed()).ok()??.1;
        entry.process.core().remove_exit_hook(entry.hook);
        Some(entry.process.clone())
    }

    /// The server registered under `name`, typed.
    ///
    /// # Errors
    ///
    /// [`LookupError::NotRegistered`] if the name is free; [`LookupError::WrongType`] if
    /// it names a server of another type.
    pub fn lookup<S: GenServer>(&self, name: &str) -> Result<ServerRef<S>, LookupError> {
        self.inner
            .with_entry(name, |entry| {
                entry
                    .process
                    .downcast::<S>()
                    .ok_or_else(|| LookupError::WrongType {
                        name: name.to_string(),
                        expected: std::any::type_name::<S>(),
                        actual: entry.process.server_type_name(),
                    })
            })
            .unwrap_or_else(|| {
                Err(LookupError::NotRegistered {
                    name: name.to_string(),
                })
            })
    }

    /// The server registered under `name`, if there is one and it is an `S`
    /// (OTP's `whereis/1`, typed).
    pub fn whereis<S: GenServer>(&self, name: &str) -> Option<ServerRef<S>> {
        self.inner
            .with_entry(name, |entry| entry.process.downcast::<S>())
            .flatten()
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
        self.inner.with_entry(name, |entry| entry.process.clone())
    }

    /// True if `name` is registered.
    pub fn is_registered(&self, name: &str) -> bool {
        self.inner.with_entry(name, |_| ()).is_some()
    }

    /// Every registered name, in no particular order (OTP's `registered/0`).
    pub fn names(&self) -> Vec<String> {
        self.inner
            .map
            .pin()
            .iter()
            .filter(|(_, e)| e.is_confirmed())
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// How many names are registered. A registration still in progress on another
    /// thread may be counted a moment before [`lookup`](Self::lookup) sees it.
    pub fn count(&self) -> usize {
        self.inner.map.len()
    }
}

impl Inner {
    /// Runs `f` on the confirmed entry of `name`, if any, without taking a lock.
    fn with_entry<R>(&self, name: &str, f: impl FnOnce(&Entry) -> R) -> Option<R> {
        self.map.pin().get(name).filter(|e| e.is_confirmed()).map(f)
    }

    /// Removes `name` if it is still held by registration `hook` (not by a later one).
    fn remove_registration(&self, name: &str, hook: u64) {
        let _ = self.map.pin().remove_if(name, |_, e| e.hook == hook);
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("count", &self.count())
            .finish()
    }
}
