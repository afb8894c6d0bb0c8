//! Deferred replies: the handler gets a `ReplyTo<T>` and may answer later.
use noex_core::prelude::*;
pub(crate) enum GateMsg {
    /// Resolves when the gate opens.
    #[call(reply = u32, deferred)]
    Enter,
    #[call(reply = Result<u32, String>, deferred)]
    EnterWith { ticket: u32 },
    #[cast]
    Open,
}
/// The handlers of [`GateMsg`]: one method per variant, plus lifecycle hooks.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `GateHandler`, the handlers for `GateMsg`",
    label = "this server's messages are `GateMsg`",
    note = "add `impl GateHandler for {Self} {{ .. }}` with one `async fn` per variant of `GateMsg`"
)]
#[allow(clippy::too_many_arguments)]
pub(crate) trait GateHandler: ::noex_core::__private::GenServer<Msg = GateMsg> {
    /// Resolves when the gate opens.
    fn enter(
        &mut self,
        reply: ::noex_core::__private::ReplyTo<u32>,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<Output = ()> + ::noex_core::__private::Send;
    /// Handles [`GateMsg::EnterWith`]; answer the call through `reply`, now or later.
    fn enter_with(
        &mut self,
        ticket: u32,
        reply: ::noex_core::__private::ReplyTo<Result<u32, String>>,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<Output = ()> + ::noex_core::__private::Send;
    /// Handles [`GateMsg::Open`].
    fn open(
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
pub(crate) enum __GateMsgReply {
    Enter(::noex_core::__private::ReplyTo<u32>),
    EnterWith(::noex_core::__private::ReplyTo<Result<u32, String>>),
}
/// Typed client for servers speaking [`GateMsg`]; `ServerRef` dereferences to it.
pub(crate) struct GateClient {
    raw: ::noex_core::__private::RawRef<GateMsg>,
}
#[allow(dead_code, clippy::too_many_arguments)]
impl GateClient {
    /// Resolves when the gate opens.
    pub(crate) async fn enter(
        &self,
    ) -> ::noex_core::__private::Result<u32, ::noex_core::__private::CallError> {
        self.raw.call(GateMsg::Enter, __GateMsgReply::Enter).await
    }
    /// Calls the server with [`GateMsg::EnterWith`] and waits for the reply.
    pub(crate) async fn enter_with(
        &self,
        ticket: u32,
    ) -> ::noex_core::__private::Result<
        Result<u32, String>,
        ::noex_core::__private::CallError,
    > {
        self.raw.call(GateMsg::EnterWith { ticket }, __GateMsgReply::EnterWith).await
    }
    /// Casts [`GateMsg::Open`] to the server.
    pub(crate) fn open(
        &self,
    ) -> ::noex_core::__private::Result<(), ::noex_core::__private::CastError<GateMsg>> {
        self.raw.cast(GateMsg::Open)
    }
}
const _: () = {
    #[automatically_derived]
    impl ::noex_core::__private::Client<GateMsg> for GateClient {
        fn from_raw(raw: ::noex_core::__private::RawRef<GateMsg>) -> Self {
            GateClient { raw }
        }
        fn raw(&self) -> &::noex_core::__private::RawRef<GateMsg> {
            &self.raw
        }
    }
    #[automatically_derived]
    impl ::noex_core::__private::Messages for GateMsg {
        type Reply = __GateMsgReply;
        type Client = GateClient;
        fn variant_name(&self) -> &'static ::core::primitive::str {
            match self {
                GateMsg::Enter => "Enter",
                GateMsg::EnterWith { .. } => "EnterWith",
                GateMsg::Open => "Open",
            }
        }
    }
    #[automatically_derived]
    impl<__S: GateHandler> ::noex_core::__private::Dispatch<__S> for GateMsg {
        async fn init(
            __server: &mut __S,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) -> ::noex_core::__private::Result<(), ::noex_core::__private::BoxError> {
            <__S as GateHandler>::init(__server, __ctx).await
        }
        async fn handle(
            __server: &mut __S,
            __msg: Self,
            __reply: ::noex_core::__private::Option<__GateMsgReply>,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            match __msg {
                GateMsg::Enter => {
                    let __r = match __reply {
                        ::noex_core::__private::Option::Some(
                            __GateMsgReply::Enter(__r),
                        ) => __r,
                        _ => ::noex_core::__private::ReplyTo::detached(),
                    };
                    <__S as GateHandler>::enter(__server, __r, __ctx).await;
                }
                GateMsg::EnterWith { ticket: __f0 } => {
                    let __r = match __reply {
                        ::noex_core::__private::Option::Some(
                            __GateMsgReply::EnterWith(__r),
                        ) => __r,
                        _ => ::noex_core::__private::ReplyTo::detached(),
                    };
                    <__S as GateHandler>::enter_with(__server, __f0, __r, __ctx).await;
                }
                GateMsg::Open => {
                    <__S as GateHandler>::open(__server, __ctx).await;
                }
            }
        }
        async fn terminate(
            __server: &mut __S,
            __reason: &::noex_core::__private::ExitReason,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as GateHandler>::terminate(__server, __reason, __ctx).await
        }
        async fn handle_down(
            __server: &mut __S,
            __down: ::noex_core::__private::Down,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as GateHandler>::handle_down(__server, __down, __ctx).await
        }
    }
};
pub(crate) struct Gate {
    waiting: Vec<ReplyTo<u32>>,
}
#[automatically_derived]
impl ::noex_core::__private::GenServer for Gate {
    type Msg = GateMsg;
}
fn main() {}
