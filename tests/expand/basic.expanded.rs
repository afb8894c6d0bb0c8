//! Unit, tuple and struct variants; calls and casts; documented and undocumented variants.
use noex_core::prelude::*;
pub enum KvMsg {
    /// Reads a key.
    #[call(reply = Option<String>)]
    Get { key: String },
    #[call(reply = Option<String>)]
    Put(String, String),
    #[call(reply = usize)]
    Len,
    #[cast]
    Clear,
}
/// The handlers of [`KvMsg`]: one method per variant, plus lifecycle hooks.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `KvHandler`, the handlers for `KvMsg`",
    label = "this server's messages are `KvMsg`",
    note = "add `impl KvHandler for {Self} {{ .. }}` with one `async fn` per variant of `KvMsg`"
)]
#[allow(clippy::too_many_arguments)]
pub trait KvHandler: ::noex_core::__private::GenServer<Msg = KvMsg> {
    /// Reads a key.
    fn get(
        &mut self,
        key: String,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = Option<String>,
    > + ::noex_core::__private::Send;
    /// Handles [`KvMsg::Put`] and returns the reply.
    fn put(
        &mut self,
        arg0: String,
        arg1: String,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = Option<String>,
    > + ::noex_core::__private::Send;
    /// Handles [`KvMsg::Len`] and returns the reply.
    fn len(
        &mut self,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = usize,
    > + ::noex_core::__private::Send;
    /// Handles [`KvMsg::Clear`].
    fn clear(
        &mut self,
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
pub enum __KvMsgReply {
    Get(::noex_core::__private::ReplyTo<Option<String>>),
    Put(::noex_core::__private::ReplyTo<Option<String>>),
    Len(::noex_core::__private::ReplyTo<usize>),
}
/// Typed client for servers speaking [`KvMsg`]; `ServerRef` dereferences to it.
pub struct KvClient {
    raw: ::noex_core::__private::RawRef<KvMsg>,
}
#[allow(dead_code, clippy::too_many_arguments)]
impl KvClient {
    /// Reads a key.
    pub async fn get(
        &self,
        key: String,
    ) -> ::noex_core::__private::Result<
        Option<String>,
        ::noex_core::__private::CallError,
    > {
        self.raw.call(KvMsg::Get { key }, __KvMsgReply::Get).await
    }
    /// Calls the server with [`KvMsg::Put`] and waits for the reply.
    pub async fn put(
        &self,
        arg0: String,
        arg1: String,
    ) -> ::noex_core::__private::Result<
        Option<String>,
        ::noex_core::__private::CallError,
    > {
        self.raw.call(KvMsg::Put(arg0, arg1), __KvMsgReply::Put).await
    }
    /// Calls the server with [`KvMsg::Len`] and waits for the reply.
    pub async fn len(
        &self,
    ) -> ::noex_core::__private::Result<usize, ::noex_core::__private::CallError> {
        self.raw.call(KvMsg::Len, __KvMsgReply::Len).await
    }
    /// Casts [`KvMsg::Clear`] to the server.
    pub fn clear(
        &self,
    ) -> ::noex_core::__private::Result<(), ::noex_core::__private::CastError<KvMsg>> {
        self.raw.cast(KvMsg::Clear)
    }
}
const _: () = {
    #[automatically_derived]
    impl ::noex_core::__private::Client<KvMsg> for KvClient {
        fn from_raw(raw: ::noex_core::__private::RawRef<KvMsg>) -> Self {
            KvClient { raw }
        }
        fn raw(&self) -> &::noex_core::__private::RawRef<KvMsg> {
            &self.raw
        }
    }
    #[automatically_derived]
    impl ::noex_core::__private::Messages for KvMsg {
        type Reply = __KvMsgReply;
        type Client = KvClient;
        fn variant_name(&self) -> &'static ::core::primitive::str {
            match self {
                KvMsg::Get { .. } => "Get",
                KvMsg::Put(..) => "Put",
                KvMsg::Len => "Len",
                KvMsg::Clear => "Clear",
            }
        }
    }
    #[automatically_derived]
    impl<__S: KvHandler> ::noex_core::__private::Dispatch<__S> for KvMsg {
        async fn init(
            __server: &mut __S,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) -> ::noex_core::__private::Result<(), ::noex_core::__private::BoxError> {
            <__S as KvHandler>::init(__server, __ctx).await
        }
        async fn handle(
            __server: &mut __S,
            __msg: Self,
            __reply: ::noex_core::__private::Option<__KvMsgReply>,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            match __msg {
                KvMsg::Get { key: __f0 } => {
                    let __value = <__S as KvHandler>::get(__server, __f0, __ctx).await;
                    if let ::noex_core::__private::Option::Some(
                        __KvMsgReply::Get(__r),
                    ) = __reply {
                        __r.send(__value);
                    }
                }
                KvMsg::Put(__f0, __f1) => {
                    let __value = <__S as KvHandler>::put(__server, __f0, __f1, __ctx)
                        .await;
                    if let ::noex_core::__private::Option::Some(
                        __KvMsgReply::Put(__r),
                    ) = __reply {
                        __r.send(__value);
                    }
                }
                KvMsg::Len => {
                    let __value = <__S as KvHandler>::len(__server, __ctx).await;
                    if let ::noex_core::__private::Option::Some(
                        __KvMsgReply::Len(__r),
                    ) = __reply {
                        __r.send(__value);
                    }
                }
                KvMsg::Clear => {
                    <__S as KvHandler>::clear(__server, __ctx).await;
                }
            }
        }
        async fn terminate(
            __server: &mut __S,
            __reason: &::noex_core::__private::ExitReason,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as KvHandler>::terminate(__server, __reason, __ctx).await
        }
        async fn handle_down(
            __server: &mut __S,
            __down: ::noex_core::__private::Down,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as KvHandler>::handle_down(__server, __down, __ctx).await
        }
    }
};
pub struct Kv {
    map: std::collections::HashMap<String, String>,
}
#[automatically_derived]
impl ::noex_core::__private::GenServer for Kv {
    type Msg = KvMsg;
}
fn main() {}
