//! Procedural macros for noex: `#[derive(Messages)]` on a message enum and
//! `#[gen_server(messages = ..)]` on a server's state struct.
//!
//! Use them through `noex_core` (feature `macros`, on by default): `use
//! noex_core::prelude::*;` brings both. Generated code names the runtime only through
//! `::noex_core::__private`, so it works with nothing else imported.
//!
//! The crate is a pipeline of small steps:
//!
//! ```text
//! args.rs    attribute arguments: #[gen_server(..)], #[messages(..)]
//! attr.rs    per-variant attributes: #[call(..)], #[cast], docs, cfgs
//! ast.rs     the borrowed model of the enum, keeping the user's tokens for spans
//! valid.rs   cross-checks (method names, field names, generics)
//! expand.rs  the handler trait, reply slots, Messages and Dispatch impls
//! client.rs  the typed client
//! server.rs  #[gen_server]
//! ```
//!
//! Every error of one invocation is reported in one compile, spanned at the offending
//! tokens, next to as much of the expansion as is sound.

mod args;
mod ast;
mod attr;
mod client;
mod errors;
mod expand;
mod naming;
mod server;
mod valid;

use proc_macro::TokenStream;

/// Implements `GenServer` for the server's state struct (or enum): `type Msg` is the
/// message enum, whose `#[derive(Messages)]` generated the handler trait to implement.
///
/// ```
/// use noex_core::prelude::*;
///
/// #[derive(Debug, Messages)]
/// pub enum CounterMsg {
///     #[call(reply = i64)]
///     Get,
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
///     // one `async fn` per variant of `CounterMsg`
///     async fn get(&mut self, _ctx: &mut Ctx<Self>) -> i64 {
///         self.value
///     }
///     async fn reset(&mut self, _ctx: &mut Ctx<Self>) {
///         self.value = 0;
///     }
/// }
/// ```
///
/// # Arguments
///
/// * `messages = Type` (required): the message enum, with its generic arguments for a
///   generic server (`messages = CacheMsg<K, V>`).
/// * `crate = path` (optional): where the runtime is, for crates that re-export
///   `noex_core` under another name (default `::noex_core`).
///
/// # Generics
///
/// A generic state struct gets `T: Send + 'static` for each type parameter (and
/// `'a: 'static` for lifetimes) on the generated impl, since the server task owns the
/// state. The struct's own bounds and `where` clause are kept, and they must imply those
/// of the handler impl: if `impl<K, V: Clone> CacheHandler<K, V> for Cache<K, V>` needs
/// `V: Clone`, write `V: Clone` on the struct too (the error says so, at `messages = ..`).
///
/// # Errors
///
/// If the state type does not implement the handler trait, the error points at
/// `messages = ..` and names the trait to implement.
#[proc_macro_attribute]
pub fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    server::expand(args.into(), input.into()).into()
}

/// Turns a message enum into a server protocol: a handler trait, a typed client, and the
/// glue to the runtime.
///
/// ```
/// use noex_core::prelude::*;
///
/// #[derive(Debug, Messages)]
/// pub enum CounterMsg {
///     /// The current value.
///     #[call(reply = i64)]
///     Get,
///     #[call(reply = i64)]
///     Add { by: i64 },
///     #[call(reply = i64, deferred)]
///     WaitForZero,
///     #[cast]
///     Reset,
/// }
/// # #[gen_server(messages = CounterMsg)] pub struct Counter;
/// # impl CounterHandler for Counter {
/// #     async fn get(&mut self, _: &mut Ctx<Self>) -> i64 { 0 }
/// #     async fn add(&mut self, by: i64, _: &mut Ctx<Self>) -> i64 { by }
/// #     async fn wait_for_zero(&mut self, r: ReplyTo<i64>, _: &mut Ctx<Self>) { r.send(0); }
/// #     async fn reset(&mut self, _: &mut Ctx<Self>) {}
/// # }
/// ```
///
/// generates, next to the enum (with the enum's visibility):
///
/// * `trait CounterHandler: GenServer<Msg = CounterMsg>`: one method per variant, named
///   in snake case (`WaitForZero` → `wait_for_zero`), taking the fields as parameters
///   (tuple fields as `arg0`, `arg1`, …) and `ctx: &mut Ctx<Self>`, returning the reply
///   type for a call, `()` for a cast. A `deferred` call's handler takes
///   `reply: ReplyTo<T>` instead of returning `T`, and may answer later. The lifecycle
///   hooks `init`, `terminate` and `handle_down` have default bodies.
/// * `struct CounterClient`, which `ServerRef<Counter>` dereferences to: `async fn
///   get(&self) -> Result<i64, CallError>` for calls, `fn reset(&self) -> Result<(),
///   CastError<CounterMsg>>` for casts.
/// * the `Messages` and `Dispatch` impls the runtime uses, and a hidden reply-slot enum.
///
/// Doc comments on variants are copied to both methods; undocumented variants get a
/// generated doc, so `#![deny(missing_docs)]` passes.
///
/// # Attributes
///
/// * On each variant, exactly one of `#[call(reply = T)]`, `#[call(reply = T, deferred)]`
///   or `#[cast]`.
/// * On the enum, optionally `#[messages(handler = Name, client = Name, crate = path)]`.
///   The default names drop a trailing `Msg`, `Message` or `Messages` from the enum's
///   name and add `Handler` and `Client`.
///
/// Other attributes (`#[serde(..)]`, other derives) are left alone.
///
/// # Generics
///
/// A generic enum (`enum CacheMsg<K, V> where K: ..`) gives `CacheHandler<K, V>` and
/// `CacheClient<K, V>`, with the enum's bounds plus `T: Send + 'static` per type
/// parameter. Lifetime parameters are rejected: messages must be `'static`.
///
/// # Errors
///
/// Every problem is reported in one compile, at the tokens concerned: a variant without
/// `#[call]`/`#[cast]` or with both, `#[call]` without `reply`, arguments on `#[cast]`,
/// unknown or repeated arguments, two variants whose methods would share a name, a method
/// name that is a keyword or would be shadowed by a method of `ServerRef` (`stop`,
/// `wait`, `pid`, `clone`, …) or clash with a hook, a field named `ctx` (or `reply` in a
/// deferred call). The rest of the protocol is still generated next to the errors.
///
/// # Hygiene
///
/// The expansion names the runtime as `::noex_core::__private::…` (or `path::__private`
/// with `crate = path`) and std as `::core::…`, so local items named `Option`, `core`,
/// `noex_core` and so on do not disturb it. `#![no_implicit_prelude]` is not supported:
/// it also hides the tool prelude that `#[diagnostic::on_unimplemented]` needs.
#[proc_macro_derive(Messages, attributes(call, cast, messages))]
pub fn derive_messages(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => expand::derive(&input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}
