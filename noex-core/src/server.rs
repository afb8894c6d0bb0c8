//! The GenServer contract: [`GenServer`], [`Messages`], [`Dispatch`] and [`StartOptions`].
//!
//! # How a server is put together
//!
//! `#[derive(Messages)]` on the message enum generates three things next to it:
//!
//! * a **handler trait** (`CounterMsg` → `CounterHandler`) with one `async fn` per
//!   variant, typed by the variant's fields and reply, plus the lifecycle hooks `init`,
//!   `terminate` and `handle_down` with default bodies;
//! * a **client** (`CounterClient`) with one method per variant: `async fn` returning
//!   `Result<Reply, CallError>` for calls, `fn` returning `Result<(), CastError<_>>` for
//!   casts. [`ServerRef`] dereferences to it, so `counter.add(5)` works
//!   with nothing more imported than the prelude;
//! * the [`Messages`] and [`Dispatch`] impls that tie the two to the runtime.
//!
//! `#[gen_server(messages = CounterMsg)]` on the state struct implements [`GenServer`] for
//! it. The user then implements the handler trait; forgetting to is a compile error that
//! names the trait to implement.
//!
//! # The data path of a call
//!
//! ```text
//! counter.add(5)                        generated client method (CounterClient::add)
//!   └─ RawRef::call(Add { by: 5 }, ..)  pairs the message with a typed ReplyTo<i64>
//!        └─ mailbox push                one lock hand-off, wakes the server if parked
//!             └─ server task            one tokio task per server
//!                  └─ Dispatch::handle  generated `match` on the variant
//!                       └─ CounterHandler::add(&mut self, 5, ctx) -> i64
//!                            └─ ReplyTo<i64>::send  oneshot back to the caller
//! ```
//!
//! A cast costs one mailbox push and no allocation; a call adds one oneshot (its only
//! allocation). No future is boxed and nothing is downcast per message.
//!
//! # Design decisions
//!
//! * **The enum stays the user's.** The derive cannot add reply channels to the user's
//!   variants, so a call travels as the user's value plus a generated reply-slot enum
//!   holding the typed [`ReplyTo`](crate::ReplyTo). The same enum value can therefore be
//!   cast, sent by a timer, or (later) serialized, without a parallel "wire" type.
//! * **Hooks live in the handler trait**, next to the message handlers, so a server is
//!   one `impl` block. `#[gen_server]` only forwards to it.
//! * **Handlers are `async fn` in traits** (`-> impl Future + Send`), not boxed futures:
//!   the server task's future contains the handler futures inline.

use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use crate::client::Client;
use crate::error::{BoxError, StartError};
use crate::{Ctx, Down, ExitReason, Registry, ServerRef};

/// The default timeout of a call: 5 seconds, as in OTP.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The default time `init` may take before `start` gives up: 5 seconds.
pub const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(5);

/// A server: state owned by one task, changed only by the messages it handles.
///
/// Implemented by `#[gen_server(messages = M)]` on the state struct; the behaviour lives
/// in the handler trait generated for `M`. The provided methods start the server.
///
/// # Examples
///
/// ```
/// use noex_core::prelude::*;
///
/// #[derive(Debug, Messages)]
/// pub enum CounterMsg {
///     #[call(reply = i64)]
///     Get,
///     #[call(reply = i64)]
///     Add { by: i64 },
///     #[cast]
///     Reset,
/// }
///
/// #[gen_server(messages = CounterMsg)]
/// #[derive(Default)]
/// pub struct Counter {
///     value: i64,
/// }
///
/// impl CounterHandler for Counter {
///     async fn get(&mut self, _ctx: &mut Ctx<Self>) -> i64 {
///         self.value
///     }
///     async fn add(&mut self, by: i64, _ctx: &mut Ctx<Self>) -> i64 {
///         self.value += by;
///         self.value
///     }
///     async fn reset(&mut self, _ctx: &mut Ctx<Self>) {
///         self.value = 0;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::default().start().await?;
/// assert_eq!(counter.add(5).await?, 5);
/// counter.reset()?;
/// assert_eq!(counter.get().await?, 0);
/// counter.stop().await?;
/// # Ok(())
/// # }
/// ```
pub trait GenServer: Send + Sized + 'static {
    /// The message enum, the server's whole protocol.
    type Msg: Dispatch<Self>;

    /// Starts the server with default options and waits for `init` to finish.
    ///
    /// # Errors
    ///
    /// See [`StartError`]: `init` failed or timed out, or no tokio runtime is running.
    fn start(self) -> impl Future<Output = Result<ServerRef<Self>, StartError>> + Send {
        crate::runtime::start(self, StartOptions::new())
    }

    /// Starts the server with `options` and waits for `init` to finish.
    ///
    /// # Errors
    ///
    /// See [`StartError`]; invalid options are reported before anything is spawned.
    fn start_with(
        self,
        options: StartOptions,
    ) -> impl Future<Output = Result<ServerRef<Self>, StartError>> + Send {
        crate::runtime::start(self, options)
    }
}

/// A message enum: implemented by `#[derive(Messages)]`.
///
/// You do not implement this by hand; it is public because [`GenServer::Msg`] names it.
pub trait Messages: Send + Sized + 'static {
    /// The generated reply-slot enum: one variant per call variant, holding its typed
    /// [`ReplyTo`](crate::ReplyTo).
    type Reply: Send + 'static;
    /// The generated typed client that [`ServerRef`] dereferences to.
    type Client: Client<Self>;

    /// The variant's name, for logs.
    fn variant_name(&self) -> &'static str;
}

/// Routes each message of an enum to the handler of server `S`: implemented by
/// `#[derive(Messages)]` for every `S` that implements the generated handler trait.
///
/// The methods are the runtime's entry points into user code; call them only through a
/// running server.
pub trait Dispatch<S: GenServer<Msg = Self>>: Messages {
    /// Runs the server's `init` hook.
    fn init(server: &mut S, ctx: &mut Ctx<S>) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// Runs the handler of `msg`, answering `reply` when the message is a call.
    fn handle(
        server: &mut S,
        msg: Self,
        reply: Option<Self::Reply>,
        ctx: &mut Ctx<S>,
    ) -> impl Future<Output = ()> + Send;

    /// Runs the server's `terminate` hook.
    fn terminate(
        server: &mut S,
        reason: &ExitReason,
        ctx: &mut Ctx<S>,
    ) -> impl Future<Output = ()> + Send;

    /// Runs the server's `handle_down` hook.
    fn handle_down(server: &mut S, down: Down, ctx: &mut Ctx<S>)
    -> impl Future<Output = ()> + Send;
}

/// How to start a server.
///
/// ```
/// use std::time::Duration;
/// use noex_core::StartOptions;
///
/// let options = StartOptions::new()
///     .init_timeout(Duration::from_secs(1))
///     .mailbox_capacity(1_000)
///     .call_timeout(Duration::from_millis(500));
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct StartOptions {
    pub(crate) init_timeout: Duration,
    pub(crate) mailbox_capacity: Option<usize>,
    pub(crate) call_timeout: Duration,
    pub(crate) name: Option<(Registry, Arc<str>)>,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions::new()
    }
}

impl StartOptions {
    /// Defaults: init timeout 5 s, unbounded mailbox, call timeout 5 s.
    pub fn new() -> StartOptions {
        StartOptions {
            init_timeout: DEFAULT_INIT_TIMEOUT,
            mailbox_capacity: None,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            name: None,
        }
    }

    /// Registers the server under `name` in the [global registry](Registry::global)
    /// before `init` runs (as OTP does), and removes the name when it exits. A taken name
    /// fails the start with [`StartError::AlreadyRegistered`].
    pub fn name(self, name: impl Into<Arc<str>>) -> StartOptions {
        self.name_in(Registry::global(), name)
    }

    /// Like [`name`](Self::name), in the given registry instead of the global one.
    pub fn name_in(mut self, registry: &Registry, name: impl Into<Arc<str>>) -> StartOptions {
        self.name = Some((registry.clone(), name.into()));
        self
    }

    /// How long `init` may run before `start` kills the process and fails with
    /// [`StartError::InitTimeout`].
    pub fn init_timeout(mut self, timeout: Duration) -> StartOptions {
        self.init_timeout = timeout;
        self
    }

    /// Bounds the mailbox to `capacity` queued messages (casts and calls; stop requests,
    /// monitor notices and timer messages are never refused). When it is full, `cast`
    /// fails with [`CastError::MailboxFull`](crate::CastError::MailboxFull), `cast_wait`
    /// and calls wait for room. Must be at least 1.
    pub fn mailbox_capacity(mut self, capacity: usize) -> StartOptions {
        self.mailbox_capacity = Some(capacity);
        self
    }

    /// The timeout of calls made through this server's references, unless a reference
    /// overrides it with [`ServerRef::with_timeout`]. Default 5 s.
    pub fn call_timeout(mut self, timeout: Duration) -> StartOptions {
        self.call_timeout = timeout;
        self
    }

    pub(crate) fn validated_capacity(&self) -> Result<Option<NonZeroUsize>, StartError> {
        match self.mailbox_capacity {
            None => Ok(None),
            Some(c) => NonZeroUsize::new(c).map(Some).ok_or_else(|| {
                StartError::InvalidOptions(
                    "mailbox_capacity is 0: a mailbox must hold at least 1 message; \
                     leave it unset for an unbounded mailbox"
                        .into(),
                )
            }),
        }
    }

    pub(crate) fn validate(&self) -> Result<Option<NonZeroUsize>, StartError> {
        if self.init_timeout.is_zero() {
            return Err(StartError::InvalidOptions(
                "init_timeout is 0: give init some time, e.g. Duration::from_secs(5)".into(),
            ));
        }
        if self.call_timeout.is_zero() {
            return Err(StartError::InvalidOptions(
                "call_timeout is 0: every call would time out; use e.g. Duration::from_secs(5)"
                    .into(),
            ));
        }
        if let Some((_, name)) = &self.name {
            if name.is_empty() {
                return Err(StartError::InvalidOptions(
                    "name is empty: give the server a non-empty name, or none".into(),
                ));
            }
        }
        self.validated_capacity()
    }
}
