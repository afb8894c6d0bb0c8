//! Serde's derives and attributes next to ours, on the enum and its variants.
use noex_core::prelude::*;
use serde::{Deserialize, Serialize};
#[serde(rename_all = "snake_case")]
pub enum JobMsg {
    #[serde(rename = "submit_job")]
    #[call(reply = u64)]
    Submit { name: String, #[serde(default)] priority: u8 },
    #[cast]
    Cancel(u64),
}
#[doc(hidden)]
#[allow(
    non_upper_case_globals,
    unused_attributes,
    unused_qualifications,
    clippy::absolute_paths,
)]
const _: () = {
    #[allow(unused_extern_crates, clippy::useless_attribute)]
    extern crate serde as _serde;
    #[automatically_derived]
    impl _serde::Serialize for JobMsg {
        fn serialize<__S>(
            &self,
            __serializer: __S,
        ) -> _serde::__private229::Result<__S::Ok, __S::Error>
        where
            __S: _serde::Serializer,
        {
            match *self {
                JobMsg::Submit { ref name, ref priority } => {
                    let mut __serde_state = _serde::Serializer::serialize_struct_variant(
                        __serializer,
                        "JobMsg",
                        0u32,
                        "submit_job",
                        0 + 1 + 1,
                    )?;
                    _serde::ser::SerializeStructVariant::serialize_field(
                        &mut __serde_state,
                        "name",
                        name,
                    )?;
                    _serde::ser::SerializeStructVariant::serialize_field(
                        &mut __serde_state,
                        "priority",
                        priority,
                    )?;
                    _serde::ser::SerializeStructVariant::end(__serde_state)
                }
                JobMsg::Cancel(ref __field0) => {
                    _serde::Serializer::serialize_newtype_variant(
                        __serializer,
                        "JobMsg",
                        1u32,
                        "cancel",
                        __field0,
                    )
                }
            }
        }
    }
};
#[doc(hidden)]
#[allow(
    non_upper_case_globals,
    unused_attributes,
    unused_qualifications,
    clippy::absolute_paths,
)]
const _: () = {
    #[allow(unused_extern_crates, clippy::useless_attribute)]
    extern crate serde as _serde;
    #[automatically_derived]
    impl<'de> _serde::Deserialize<'de> for JobMsg {
        fn deserialize<__D>(
            __deserializer: __D,
        ) -> _serde::__private229::Result<Self, __D::Error>
        where
            __D: _serde::Deserializer<'de>,
        {
            #[allow(non_camel_case_types)]
            #[doc(hidden)]
            enum __Field {
                __field0,
                __field1,
            }
            #[doc(hidden)]
            struct __FieldVisitor;
            #[automatically_derived]
            impl<'de> _serde::de::Visitor<'de> for __FieldVisitor {
                type Value = __Field;
                fn expecting(
                    &self,
                    __formatter: &mut _serde::__private229::Formatter,
                ) -> _serde::__private229::fmt::Result {
                    _serde::__private229::Formatter::write_str(
                        __formatter,
                        "variant identifier",
                    )
                }
                fn visit_u64<__E>(
                    self,
                    __value: u64,
                ) -> _serde::__private229::Result<Self::Value, __E>
                where
                    __E: _serde::de::Error,
                {
                    match __value {
                        0u64 => _serde::__private229::Ok(__Field::__field0),
                        1u64 => _serde::__private229::Ok(__Field::__field1),
                        _ => {
                            _serde::__private229::Err(
                                _serde::de::Error::invalid_value(
                                    _serde::de::Unexpected::Unsigned(__value),
                                    &"variant index 0 <= i < 2",
                                ),
                            )
                        }
                    }
                }
                fn visit_str<__E>(
                    self,
                    __value: &str,
                ) -> _serde::__private229::Result<Self::Value, __E>
                where
                    __E: _serde::de::Error,
                {
                    match __value {
                        "submit_job" => _serde::__private229::Ok(__Field::__field0),
                        "cancel" => _serde::__private229::Ok(__Field::__field1),
                        _ => {
                            _serde::__private229::Err(
                                _serde::de::Error::unknown_variant(__value, VARIANTS),
                            )
                        }
                    }
                }
                fn visit_bytes<__E>(
                    self,
                    __value: &[u8],
                ) -> _serde::__private229::Result<Self::Value, __E>
                where
                    __E: _serde::de::Error,
                {
                    match __value {
                        b"submit_job" => _serde::__private229::Ok(__Field::__field0),
                        b"cancel" => _serde::__private229::Ok(__Field::__field1),
                        _ => {
                            let __value = &_serde::__private229::from_utf8_lossy(
                                __value,
                            );
                            _serde::__private229::Err(
                                _serde::de::Error::unknown_variant(__value, VARIANTS),
                            )
                        }
                    }
                }
            }
            #[automatically_derived]
            impl<'de> _serde::Deserialize<'de> for __Field {
                #[inline]
                fn deserialize<__D>(
                    __deserializer: __D,
                ) -> _serde::__private229::Result<Self, __D::Error>
                where
                    __D: _serde::Deserializer<'de>,
                {
                    _serde::Deserializer::deserialize_identifier(
                        __deserializer,
                        __FieldVisitor,
                    )
                }
            }
            #[doc(hidden)]
            struct __Visitor<'de> {
                marker: _serde::__private229::PhantomData<JobMsg>,
                lifetime: _serde::__private229::PhantomData<&'de ()>,
            }
            #[automatically_derived]
            impl<'de> _serde::de::Visitor<'de> for __Visitor<'de> {
                type Value = JobMsg;
                fn expecting(
                    &self,
                    __formatter: &mut _serde::__private229::Formatter,
                ) -> _serde::__private229::fmt::Result {
                    _serde::__private229::Formatter::write_str(
                        __formatter,
                        "enum JobMsg",
                    )
                }
                fn visit_enum<__A>(
                    self,
                    __data: __A,
                ) -> _serde::__private229::Result<Self::Value, __A::Error>
                where
                    __A: _serde::de::EnumAccess<'de>,
                {
                    match _serde::de::EnumAccess::variant(__data) {
                        _serde::__private229::Ok((__Field::__field0, __variant)) => {
                            #[allow(non_camel_case_types)]
                            #[doc(hidden)]
                            enum __Field {
                                __field0,
                                __field1,
                                __ignore,
                            }
                            #[doc(hidden)]
                            struct __FieldVisitor;
                            #[automatically_derived]
                            impl<'de> _serde::de::Visitor<'de> for __FieldVisitor {
                                type Value = __Field;
                                fn expecting(
                                    &self,
                                    __formatter: &mut _serde::__private229::Formatter,
                                ) -> _serde::__private229::fmt::Result {
                                    _serde::__private229::Formatter::write_str(
                                        __formatter,
                                        "field identifier",
                                    )
                                }
                                fn visit_u64<__E>(
                                    self,
                                    __value: u64,
                                ) -> _serde::__private229::Result<Self::Value, __E>
                                where
                                    __E: _serde::de::Error,
                                {
                                    match __value {
                                        0u64 => _serde::__private229::Ok(__Field::__field0),
                                        1u64 => _serde::__private229::Ok(__Field::__field1),
                                        _ => _serde::__private229::Ok(__Field::__ignore),
                                    }
                                }
                                fn visit_str<__E>(
                                    self,
                                    __value: &str,
                                ) -> _serde::__private229::Result<Self::Value, __E>
                                where
                                    __E: _serde::de::Error,
                                {
                                    match __value {
                                        "name" => _serde::__private229::Ok(__Field::__field0),
                                        "priority" => _serde::__private229::Ok(__Field::__field1),
                                        _ => _serde::__private229::Ok(__Field::__ignore),
                                    }
                                }
                                fn visit_bytes<__E>(
                                    self,
                                    __value: &[u8],
                                ) -> _serde::__private229::Result<Self::Value, __E>
                                where
                                    __E: _serde::de::Error,
                                {
                                    match __value {
                                        b"name" => _serde::__private229::Ok(__Field::__field0),
                                        b"priority" => _serde::__private229::Ok(__Field::__field1),
                                        _ => _serde::__private229::Ok(__Field::__ignore),
                                    }
                                }
                            }
                            #[automatically_derived]
                            impl<'de> _serde::Deserialize<'de> for __Field {
                                #[inline]
                                fn deserialize<__D>(
                                    __deserializer: __D,
                                ) -> _serde::__private229::Result<Self, __D::Error>
                                where
                                    __D: _serde::Deserializer<'de>,
                                {
                                    _serde::Deserializer::deserialize_identifier(
                                        __deserializer,
                                        __FieldVisitor,
                                    )
                                }
                            }
                            #[doc(hidden)]
                            struct __Visitor<'de> {
                                marker: _serde::__private229::PhantomData<JobMsg>,
                                lifetime: _serde::__private229::PhantomData<&'de ()>,
                            }
                            #[automatically_derived]
                            impl<'de> _serde::de::Visitor<'de> for __Visitor<'de> {
                                type Value = JobMsg;
                                fn expecting(
                                    &self,
                                    __formatter: &mut _serde::__private229::Formatter,
                                ) -> _serde::__private229::fmt::Result {
                                    _serde::__private229::Formatter::write_str(
                                        __formatter,
                                        "struct variant JobMsg::Submit",
                                    )
                                }
                                #[inline]
                                fn visit_seq<__A>(
                                    self,
                                    mut __seq: __A,
                                ) -> _serde::__private229::Result<Self::Value, __A::Error>
                                where
                                    __A: _serde::de::SeqAccess<'de>,
                                {
                                    let __field0 = match _serde::de::SeqAccess::next_element::<
                                        String,
                                    >(&mut __seq)? {
                                        _serde::__private229::Some(__value) => __value,
                                        _serde::__private229::None => {
                                            return _serde::__private229::Err(
                                                _serde::de::Error::invalid_length(
                                                    0usize,
                                                    &"struct variant JobMsg::Submit with 2 elements",
                                                ),
                                            );
                                        }
                                    };
                                    let __field1 = match _serde::de::SeqAccess::next_element::<
                                        u8,
                                    >(&mut __seq)? {
                                        _serde::__private229::Some(__value) => __value,
                                        _serde::__private229::None => {
                                            _serde::__private229::Default::default()
                                        }
                                    };
                                    _serde::__private229::Ok(JobMsg::Submit {
                                        name: __field0,
                                        priority: __field1,
                                    })
                                }
                                #[inline]
                                fn visit_map<__A>(
                                    self,
                                    mut __map: __A,
                                ) -> _serde::__private229::Result<Self::Value, __A::Error>
                                where
                                    __A: _serde::de::MapAccess<'de>,
                                {
                                    let mut __field0: _serde::__private229::Option<String> = _serde::__private229::None;
                                    let mut __field1: _serde::__private229::Option<u8> = _serde::__private229::None;
                                    while let _serde::__private229::Some(__key) = _serde::de::MapAccess::next_key::<
                                        __Field,
                                    >(&mut __map)? {
                                        match __key {
                                            __Field::__field0 => {
                                                if _serde::__private229::Option::is_some(&__field0) {
                                                    return _serde::__private229::Err(
                                                        <__A::Error as _serde::de::Error>::duplicate_field("name"),
                                                    );
                                                }
                                                __field0 = _serde::__private229::Some(
                                                    _serde::de::MapAccess::next_value::<String>(&mut __map)?,
                                                );
                                            }
                                            __Field::__field1 => {
                                                if _serde::__private229::Option::is_some(&__field1) {
                                                    return _serde::__private229::Err(
                                                        <__A::Error as _serde::de::Error>::duplicate_field(
                                                            "priority",
                                                        ),
                                                    );
                                                }
                                                __field1 = _serde::__private229::Some(
                                                    _serde::de::MapAccess::next_value::<u8>(&mut __map)?,
                                                );
                                            }
                                            _ => {
                                                let _ = _serde::de::MapAccess::next_value::<
                                                    _serde::de::IgnoredAny,
                                                >(&mut __map)?;
                                            }
                                        }
                                    }
                                    let __field0 = match __field0 {
                                        _serde::__private229::Some(__field0) => __field0,
                                        _serde::__private229::None => {
                                            _serde::__private229::de::missing_field("name")?
                                        }
                                    };
                                    let __field1 = match __field1 {
                                        _serde::__private229::Some(__field1) => __field1,
                                        _serde::__private229::None => {
                                            _serde::__private229::Default::default()
                                        }
                                    };
                                    _serde::__private229::Ok(JobMsg::Submit {
                                        name: __field0,
                                        priority: __field1,
                                    })
                                }
                            }
                            #[doc(hidden)]
                            const FIELDS: &'static [&'static str] = &[
                                "name",
                                "priority",
                            ];
                            _serde::de::VariantAccess::struct_variant(
                                __variant,
                                FIELDS,
                                __Visitor {
                                    marker: _serde::__private229::PhantomData::<JobMsg>,
                                    lifetime: _serde::__private229::PhantomData,
                                },
                            )
                        }
                        _serde::__private229::Ok((__Field::__field1, __variant)) => {
                            _serde::__private229::Result::map(
                                _serde::de::VariantAccess::newtype_variant::<
                                    u64,
                                >(__variant),
                                JobMsg::Cancel,
                            )
                        }
                        _serde::__private229::Err(__err) => {
                            _serde::__private229::Err(__err)
                        }
                    }
                }
            }
            #[doc(hidden)]
            const VARIANTS: &'static [&'static str] = &["submit_job", "cancel"];
            _serde::Deserializer::deserialize_enum(
                __deserializer,
                "JobMsg",
                VARIANTS,
                __Visitor {
                    marker: _serde::__private229::PhantomData::<JobMsg>,
                    lifetime: _serde::__private229::PhantomData,
                },
            )
        }
    }
};
/// The handlers of [`JobMsg`]: one method per variant, plus lifecycle hooks.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `JobHandler`, the handlers for `JobMsg`",
    label = "this server's messages are `JobMsg`",
    note = "add `impl JobHandler for {Self} {{ .. }}` with one `async fn` per variant of `JobMsg`"
)]
#[allow(clippy::too_many_arguments)]
pub trait JobHandler: ::noex_core::__private::GenServer<Msg = JobMsg> {
    /// Handles [`JobMsg::Submit`] and returns the reply.
    fn submit(
        &mut self,
        name: String,
        priority: u8,
        ctx: &mut ::noex_core::__private::Ctx<Self>,
    ) -> impl ::noex_core::__private::Future<
        Output = u64,
    > + ::noex_core::__private::Send;
    /// Handles [`JobMsg::Cancel`].
    fn cancel(
        &mut self,
        arg0: u64,
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
pub enum __JobMsgReply {
    Submit(::noex_core::__private::ReplyTo<u64>),
}
/// Typed client for servers speaking [`JobMsg`]; `ServerRef` dereferences to it.
pub struct JobClient {
    raw: ::noex_core::__private::RawRef<JobMsg>,
}
#[allow(dead_code, clippy::too_many_arguments)]
impl JobClient {
    /// Calls the server with [`JobMsg::Submit`] and waits for the reply.
    pub async fn submit(
        &self,
        name: String,
        priority: u8,
    ) -> ::noex_core::__private::Result<u64, ::noex_core::__private::CallError> {
        self.raw.call(JobMsg::Submit { name, priority }, __JobMsgReply::Submit).await
    }
    /// Casts [`JobMsg::Cancel`] to the server.
    pub fn cancel(
        &self,
        arg0: u64,
    ) -> ::noex_core::__private::Result<(), ::noex_core::__private::CastError<JobMsg>> {
        self.raw.cast(JobMsg::Cancel(arg0))
    }
}
const _: () = {
    #[automatically_derived]
    impl ::noex_core::__private::Client<JobMsg> for JobClient {
        fn from_raw(raw: ::noex_core::__private::RawRef<JobMsg>) -> Self {
            JobClient { raw }
        }
        fn raw(&self) -> &::noex_core::__private::RawRef<JobMsg> {
            &self.raw
        }
    }
    #[automatically_derived]
    impl ::noex_core::__private::Messages for JobMsg {
        type Reply = __JobMsgReply;
        type Client = JobClient;
        fn variant_name(&self) -> &'static ::core::primitive::str {
            match self {
                JobMsg::Submit { .. } => "Submit",
                JobMsg::Cancel(..) => "Cancel",
            }
        }
    }
    #[automatically_derived]
    impl<__S: JobHandler> ::noex_core::__private::Dispatch<__S> for JobMsg {
        async fn init(
            __server: &mut __S,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) -> ::noex_core::__private::Result<(), ::noex_core::__private::BoxError> {
            <__S as JobHandler>::init(__server, __ctx).await
        }
        async fn handle(
            __server: &mut __S,
            __msg: Self,
            __reply: ::noex_core::__private::Option<__JobMsgReply>,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            match __msg {
                JobMsg::Submit { name: __f0, priority: __f1 } => {
                    let __value = <__S as JobHandler>::submit(
                            __server,
                            __f0,
                            __f1,
                            __ctx,
                        )
                        .await;
                    if let ::noex_core::__private::Option::Some(
                        __JobMsgReply::Submit(__r),
                    ) = __reply {
                        __r.send(__value);
                    }
                }
                JobMsg::Cancel(__f0) => {
                    <__S as JobHandler>::cancel(__server, __f0, __ctx).await;
                }
            }
        }
        async fn terminate(
            __server: &mut __S,
            __reason: &::noex_core::__private::ExitReason,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as JobHandler>::terminate(__server, __reason, __ctx).await
        }
        async fn handle_down(
            __server: &mut __S,
            __down: ::noex_core::__private::Down,
            __ctx: &mut ::noex_core::__private::Ctx<__S>,
        ) {
            <__S as JobHandler>::handle_down(__server, __down, __ctx).await
        }
    }
};
pub struct Jobs {
    next: u64,
}
#[automatically_derived]
impl ::noex_core::__private::GenServer for Jobs {
    type Msg = JobMsg;
}
fn main() {}
