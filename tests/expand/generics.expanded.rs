//! A generic protocol with bounds and a where clause, served by a generic state struct.
use std::collections::HashMap;
use std::hash::Hash;
use noex_core::prelude::*;
pub enum CacheMsg<K, V>
where
    K: Eq + Hash,
{
    #[call(reply = Option<V>)]
    Get { key: K },
    #[call(reply = Option<V>)]
    Put { key: K, value: V },
    #[cast]
    Evict(K),
}
/// The handlers of [`CacheMsg`]: one method per variant, plus lifecycle hooks.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `CacheHandler<{K}, {V}>`, the handlers for `CacheMsg<{K}, {V}>`",
    label = "this server's messages are `CacheMsg<{K}, {V}>`",
    note = "add `impl CacheHandler<{K}, {V}> for {Self} {{ .. }}` with one `async fn` per variant of `CacheMsg<{K}, {V}>`"
)]
#[allow(clippy::too_many_arguments)]
pub trait CacheHandler<K, V>: ::noex_core::__private::GenServer<Msg = CacheMsg<K, V>>
where
    K: Eq + Hash,
    K: ::noex_core::__private::Send + 'static,
    V: ::noex_core::__private::Send + 'static,
{
    /// Handles [`CacheMsg::Get`] and returns the reply.
    fn get(
        &mut self,
        key: K,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = Option<V>,
    > + ::noex_core::__private::Send;
    /// Handles [`CacheMsg::Put`] and returns the reply.
    fn put(
        &mut self,
        key: K,
        value: V,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = Option<V>,
    > + ::noex_core::__private::Send;
    /// Handles [`CacheMsg::Evict`].
    fn evict(
        &mut self,
        arg0: K,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<Output = ()> + ::noex_core::__private::Send;
    /// Runs before `start` returns (with this server's pid and ctx); an error fails the start.
    fn init(
        &mut self,
        _ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = ::noex_core::__private::Result<(), ::noex_core::__private::BoxError>,
    > + ::noex_core::__private::Send {
        async { ::noex_core::__private::Result::Ok(()) }
    }
    /// Runs when the server stops (not when it is killed).
    fn terminate(
        &mut self,
        _reason: &::noex_core::__private::ExitReason,
        _ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = (),
    > + ::noex_core::__private::Send {
        async {}
    }
    /// Receives the notice of a monitored process's exit.
    fn handle_down(
        &mut self,
        _down: ::noex_core::__private::Down,
        _ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = (),
    > + ::noex_core::__private::Send {
        async {}
    }
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
pub enum __CacheMsgReply<K, V>
where
    K: Eq + Hash,
    K: ::noex_core::__private::Send + 'static,
    V: ::noex_core::__private::Send + 'static,
{
    Get(::noex_core::__private::ReplyTo<Option<V>>),
    Put(::noex_core::__private::ReplyTo<Option<V>>),
    __Phantom(
        ::core::marker::PhantomData<fn() -> CacheMsg<K, V>>,
        ::core::convert::Infallible,
    ),
}
/// Typed client for servers speaking [`CacheMsg`]; `ServerRef` dereferences to it.
pub struct CacheClient<K, V>
where
    K: Eq + Hash,
    K: ::noex_core::__private::Send + 'static,
    V: ::noex_core::__private::Send + 'static,
{
    raw: ::noex_core::__private::RawRef<CacheMsg<K, V>>,
}
#[allow(dead_code, clippy::too_many_arguments)]
impl<K, V> CacheClient<K, V>
where
    K: Eq + Hash,
    K: ::noex_core::__private::Send + 'static,
    V: ::noex_core::__private::Send + 'static,
{
    /// Calls the server with [`CacheMsg::Get`] and waits for the reply.
    pub async fn get(
        &self,
        key: K,
    ) -> ::noex_core::__private::Result<Option<V>, ::noex_core::__private::CallError> {
        self.raw.call(CacheMsg::Get { key }, __CacheMsgReply::Get).await
    }
    /// Calls the server with [`CacheMsg::Put`] and waits for the reply.
    pub async fn put(
        &self,
        key: K,
        value: V,
    ) -> ::noex_core::__private::Result<Option<V>, ::noex_core::__private::CallError> {
        self.raw.call(CacheMsg::Put { key, value }, __CacheMsgReply::Put).await
    }
    /// Casts [`CacheMsg::Evict`] to the server.
    pub fn evict(
        &self,
        arg0: K,
    ) -> ::noex_core::__private::Result<
        (),
        ::noex_core::__private::CastError<CacheMsg<K, V>>,
    > {
        self.raw.cast(CacheMsg::Evict(arg0))
    }
}
const _: () = {
    #[automatically_derived]
    impl<K, V> ::noex_core::__private::Client<CacheMsg<K, V>> for CacheClient<K, V>
    where
        K: Eq + Hash,
        K: ::noex_core::__private::Send + 'static,
        V: ::noex_core::__private::Send + 'static,
    {
        fn from_raw(raw: ::noex_core::__private::RawRef<CacheMsg<K, V>>) -> Self {
            CacheClient { raw }
        }
        fn raw(&self) -> &::noex_core::__private::RawRef<CacheMsg<K, V>> {
            &self.raw
        }
    }
    #[automatically_derived]
    impl<K, V> ::noex_core::__private::Messages for CacheMsg<K, V>
    where
        K: Eq + Hash,
        K: ::noex_core::__private::Send + 'static,
        V: ::noex_core::__private::Send + 'static,
    {
        type Reply = __CacheMsgReply<K, V>;
        type Client = CacheClient<K, V>;
        fn variant_name(&self) -> &'static ::core::primitive::str {
            match self {
                CacheMsg::Get { .. } => "Get",
                CacheMsg::Put { .. } => "Put",
                CacheMsg::Evict(..) => "Evict",
            }
        }
    }
    #[automatically_derived]
    impl<K, V, __S: CacheHandler<K, V>> ::noex_core::__private::Dispatch<__S>
    for CacheMsg<K, V>
    where
        K: Eq + Hash,
        K: ::noex_core::__private::Send + 'static,
        V: ::noex_core::__private::Send + 'static,
    {
        async fn init(
            __server: &mut __S,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) -> ::noex_core::__private::Result<(), ::noex_core::__private::BoxError> {
            <__S as CacheHandler<K, V>>::init(__server, __ctx).await
        }
        async fn handle(
            __server: &mut __S,
            __msg: Self,
            __reply: ::noex_core::__private::Option<__CacheMsgReply<K, V>>,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            match __msg {
                CacheMsg::Get { key: __f0 } => {
                    let __value = <__S as CacheHandler<K, V>>::get(__server, __f0, __ctx)
                        .await;
                    if let ::noex_core::__private::Option::Some(
                        __CacheMsgReply::Get(__r),
                    ) = __reply {
                        __r.send(__value);
                    }
                }
                CacheMsg::Put { key: __f0, value: __f1 } => {
                    let __value = <__S as CacheHandler<
                        K,
                        V,
                    >>::put(__server, __f0, __f1, __ctx)
                        .await;
                    if let ::noex_core::__private::Option::Some(
                        __CacheMsgReply::Put(__r),
                    ) = __reply {
                        __r.send(__value);
                    }
                }
                CacheMsg::Evict(__f0) => {
                    <__S as CacheHandler<K, V>>::evict(__server, __f0, __ctx).await;
                }
            }
        }
        async fn terminate(
            __server: &mut __S,
            __reason: &::noex_core::__private::ExitReason,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as CacheHandler<K, V>>::terminate(__server, __reason, __ctx).await
        }
        async fn handle_down(
            __server: &mut __S,
            __down: ::noex_core::__private::Down,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as CacheHandler<K, V>>::handle_down(__server, __down, __ctx).await
        }
    }
};
pub struct Cache<K, V>
where
    K: Eq + Hash,
{
    map: HashMap<K, V>,
}
#[automatically_derived]
impl<K, V> ::noex_core::__private::GenServer for Cache<K, V>
where
    K: Eq + Hash,
    K: ::noex_core::__private::Send + 'static,
    V: ::noex_core::__private::Send + 'static,
{
    type Msg = CacheMsg<K, V>;
}
fn main() {}
