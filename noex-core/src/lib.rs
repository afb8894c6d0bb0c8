//! # noex-core
//!
//! Erlang/OTP-style actors on tokio: typed GenServers declared with a derive, with
//! start/call/cast/stop, timers, monitors and OTP's crash semantics.
//!
//! ```
//! use noex_core::prelude::*;
//!
//! #[derive(Debug, Messages)]
//! pub enum CounterMsg {
//!     #[call(reply = i64)]
//!     Get,
//!     #[call(reply = i64)]
//!     Add { by: i64 },
//!     #[cast]
//!     Reset,
//! }
//!
//! #[gen_server(messages = CounterMsg)]
//! #[derive(Default)]
//! pub struct Counter {
//!     value: i64,
//! }
//!
//! impl CounterHandler for Counter {
//!     async fn get(&mut self, _ctx: &mut Ctx<Self>) -> i64 {
//!         self.value
//!     }
//!     async fn add(&mut self, by: i64, _ctx: &mut Ctx<Self>) -> i64 {
//!         self.value += by;
//!         self.value
//!     }
//!     async fn reset(&mut self, _ctx: &mut Ctx<Self>) {
//!         self.value = 0;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let counter = Counter::default().start().await?;
//! assert_eq!(counter.add(5).await?, 5);
//! counter.reset()?;
//! assert_eq!(counter.get().await?, 0);
//! counter.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! See the [`server`] module for how the pieces fit and the data path of a call, and the
//! [`runtime`](crate::ExitReason) guarantees around exit in [`ProcessRef`].
//!
//! ## Where noex follows OTP and where it departs
//!
//! * `call` has OTP's 5 s default timeout; a timed-out call's late reply is discarded.
//! * A panic in a handler is an OTP crash: `terminate` runs, callers get the reason,
//!   monitors are told. An error *returned* by a call handler is just a reply value.
//! * `stop` is graceful and ordered behind queued messages (OTP's `gen_server:stop`
//!   behaves the same); `kill` is OTP's untrappable `kill`.
//! * Calling yourself returns [`CallError::CalledSelf`] instead of deadlocking until the
//!   timeout.
//! * A cancelled timer never delivers its message, even if it had already fired
//!   (OTP's `cancel_timer` can leave the message in the mailbox).

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

// Lets `::noex_core::…` paths in generated code resolve inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as noex_core;

mod client;
mod ctx;
mod error;
pub mod event_bus;
mod exit;
mod mailbox;
mod pid;
mod process;
mod reference;
pub mod registry;
mod reply;
mod runtime;
pub mod server;
pub mod supervisor;
mod timeouts;

pub use client::{Client, RawRef};
pub use ctx::{Ctx, TimerRef};
pub use error::{BoxError, CallError, CastError, StartError, StopError};
pub use exit::{Down, ExitReason, MonitorRef};
pub use pid::Pid;
pub use process::{AsProcess, Monitor, ProcessRef};
pub use reference::{ClientOf, ServerRef};
pub use registry::{LookupError, RegisterError, Registry};
pub use reply::ReplyTo;
pub use server::{
    DEFAULT_CALL_TIMEOUT, DEFAULT_INIT_TIMEOUT, Dispatch, GenServer, Messages, StartOptions,
};

/// `#[gen_server(messages = M)]`: implements [`GenServer`] for the state struct it
/// annotates. See the [crate docs](crate) for an example.
#[cfg(feature = "macros")]
pub use noex_macros::gen_server;

/// `#[derive(Messages)]`: turns a message enum into a protocol: the handler trait, the
/// typed client and the dispatch. See the [`server`] module docs.
#[cfg(feature = "macros")]
pub use noex_macros::Messages;

/// Everything needed to declare, start and talk to servers: `use noex_core::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AsProcess, BoxError, CallError, CastError, Ctx, Down, ExitReason, GenServer, LookupError,
        MonitorRef, Pid, ProcessRef, Registry, ReplyTo, ServerRef, StartError, StartOptions,
        StopError, TimerRef,
    };

    #[cfg(feature = "macros")]
    pub use crate::{Messages, gen_server};
}

/// Support for generated code. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::{Client, RawRef};
    pub use crate::error::BoxError;
    pub use crate::server::{Dispatch, GenServer, Messages};
    pub use crate::{CallError, CastError, Ctx, Down, ExitReason, ReplyTo};
    pub use core::future::Future;
    pub use core::marker::Send;
    pub use core::option::Option;
    pub use core::result::Result;
}
