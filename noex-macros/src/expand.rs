//! `#[derive(Messages)]`'s output: the handler trait, the reply-slot enum, and the
//! `Messages` and `Dispatch` impls (the client is in `client.rs`). The shape is the one
//! written out by hand in `tests/integration/hand_expanded.rs`.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{DeriveInput, GenericParam, Generics, Ident, Type};

use crate::ast::{Enum, Names, Style, Variant};
use crate::errors::Errors;
use crate::{client, valid};

/// Expands `#[derive(Messages)]`: every error as a `compile_error!`, next to as much of the
/// expansion as is sound.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let expansion = Enum::from_syn(input, &mut errors).and_then(|mut model| {
        valid::check(&mut model, &mut errors).then(|| Gen::new(&model).expand())
    });
    let mut out = errors.to_compile_errors();
    out.extend(expansion);
    out
}

/// What every part of the expansion needs: the model, the names, and the enum's generics
/// with the bounds the runtime's traits need.
pub(crate) struct Gen<'a> {
    pub(crate) input: &'a Enum<'a>,
    pub(crate) names: Names,
    /// `::noex_core::__private`, or `path::__private` with `crate = path`.
    pub(crate) rt: TokenStream,
    /// The enum's generics plus `T: Send + 'static` for every type parameter: messages
    /// cross tasks and live as long as the server.
    pub(crate) generics: Generics,
    /// The enum's type, `CacheMsg<K, V>`.
    pub(crate) msg_ty: TokenStream,
    /// The generic arguments alone, `<K, V>` (empty for a plain enum).
    pub(crate) ty_args: TokenStream,
}

impl<'a> Gen<'a> {
    fn new(input: &'a Enum<'a>) -> Gen<'a> {
        let names = input.names();
        let krate = &names.krate;
        let rt = quote!(#krate::__private);
        let mut generics = input.generics.clone();
        let params: Vec<Ident> = generics
            .type_params()
            .map(|param| param.ident.clone())
            .collect();
        if !params.is_empty() {
            let where_clause = generics.make_where_clause();
            for param in params {
                where_clause
                    .predicates
                    .push(syn::parse_quote!(#param: #rt::Send + 'static));
            }
        }
        let ty_args = {
            let (_, ty_generics, _) = input.generics.split_for_impl();
            ty_generics.to_token_stream()
        };
        let ident = input.ident;
        Gen {
            input,
            msg_ty: quote!(#ident #ty_args),
            ty_args,
            names,
            rt,
            generics,
        }
    }

    fn expand(&self) -> TokenStream {
        let handler = self.handler_trait();
        let reply = self.reply_enum();
        let client = client::client_struct(self);
        let client_impl = client::client_trait_impl(self);
        let messages = self.messages_impl();
        let dispatch = self.dispatch_impl();
        quote! {
            #handler
            #reply
            #client
            const _: () = {
                #client_impl
                #messages
                #dispatch
            };
        }
    }

    /// `T` with every `Self` replaced by the enum's type: in a variant's field or reply
    /// type `Self` means the enum, but the generated trait, client and reply enum would
    /// read it as themselves.
    pub(crate) fn resolve_self(&self, ty: &Type) -> TokenStream {
        replace_self(ty.to_token_stream(), &self.msg_ty)
    }

    /// The doc attributes for a generated method: the variant's own docs, or `fallback`.
    pub(crate) fn docs(&self, variant: &Variant<'_>, fallback: &str) -> TokenStream {
        if variant.has_docs() {
            let docs = &variant.docs;
            quote!(#(#docs)*)
        } else {
            let text = fallback
                .replace("{enum}", &self.input.ident.to_string())
                .replace("{variant}", &variant.ident.to_string());
            let text = format!(" {text}");
            quote!(#[doc = #text])
        }
    }

    /// `KvHandler` (or `CacheHandler<K, V>`), as used in bounds and paths.
    fn handler_ty(&self) -> TokenStream {
        let handler = &self.names.handler;
        let ty_args = &self.ty_args;
        quote!(#handler #ty_args)
    }

    fn handler_trait(&self) -> TokenStream {
        let Gen { rt, msg_ty, .. } = self;
        let vis = self.input.vis;
        let handler = &self.names.handler;
        let (params, where_clause) = (&self.generics.params, &self.generics.where_clause);
        let params = (!params.is_empty()).then(|| quote!(<#params>));
        let methods = self
            .input
            .expanded()
            .map(|variant| self.handler_method(variant));
        let enum_name = self.input.ident;
        let doc = format!(
            " The handlers of [`{enum_name}`]: one method per variant, plus lifecycle hooks."
        );
        let (trait_text, enum_text) = self.diagnostic_names();
        let message =
            format!("`{{Self}}` does not implement `{trait_text}`, the handlers for `{enum_text}`");
        let label = format!("this server's messages are `{enum_text}`");
        let note = format!(
            "add `impl {trait_text} for {{Self}} {{{{ .. }}}}` with one `async fn` per variant of `{enum_text}`"
        );
        quote! {
            #[doc = #doc]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            // A variant's fields are its handler's parameters, however many there are.
            #[allow(clippy::too_many_arguments)]
            #vis trait #handler #params: #rt::GenServer<Msg = #msg_ty> #where_clause {
                #(#methods)*

                /// Runs before `start` returns (with this server's pid and ctx); an error fails the start.
                fn init(
                    &mut self,
                    _ctx: &mut #rt::Ctx<Self>,
                ) -> impl #rt::Future<Output = #rt::Result<(), #rt::BoxError>> + #rt::Send {
                    async { #rt::Result::Ok(()) }
                }

                /// Runs when the server stops (not when it is killed).
                fn terminate(
                    &mut self,
                    _reason: &#rt::ExitReason,
                    _ctx: &mut #rt::Ctx<Self>,
                ) -> impl #rt::Future<Output = ()> + #rt::Send {
                    async {}
                }

                /// Receives the notice of a monitored process's exit.
                fn handle_down(
                    &mut self,
                    _down: #rt::Down,
                    _ctx: &mut #rt::Ctx<Self>,
                ) -> impl #rt::Future<Output = ()> + #rt::Send {
                    async {}
                }
            }
        }
    }

    /// The trait's and the enum's names for `on_unimplemented`, with the generic
    /// parameters as format placeholders: `CacheHandler<{K}, {V}>`.
    fn diagnostic_names(&self) -> (String, String) {
        let args: Vec<String> = self
            .input
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                GenericParam::Type(param) => Some(format!("{{{}}}", param.ident)),
                GenericParam::Const(param) => Some(format!("{{{}}}", param.ident)),
                _ => None,
            })
            .collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("<{}>", args.join(", "))
        };
        (
            format!("{}{args}", self.names.handler),
            format!("{}{args}", self.input.ident),
        )
    }

    fn handler_method(&self, variant: &Variant<'_>) -> TokenStream {
        let rt = &self.rt;
        let method = &variant.method;
        let cfgs = &variant.cfgs;
        let params = variant.fields.iter().map(|field| {
            let param = &field.param;
            let ty = self.resolve_self(field.ty);
            quote!(#param: #ty,)
        });
        let (reply_param, output, fallback) = match variant.reply() {
            Some(reply) if variant.is_deferred() => {
                let reply = self.resolve_self(reply);
                (
                    quote!(reply: #rt::ReplyTo<#reply>,),
                    quote!(()),
                    "Handles [`{enum}::{variant}`]; answer the call through `reply`, now or later.",
                )
            }
            Some(reply) => (
                TokenStream::new(),
                self.resolve_self(reply),
                "Handles [`{enum}::{variant}`] and returns the reply.",
            ),
            None => (
                TokenStream::new(),
                quote!(()),
                "Handles [`{enum}::{variant}`].",
            ),
        };
        let docs = self.docs(variant, fallback);
        // The signature at the variant, and a call's return type at its reply type: "missing
        // `get` in implementation" then shows the variant, and a handler returning another
        // type is shown where the expected one was declared. (Located there, resolved at
        // the call site like the rest of the expansion.)
        let at_variant = Span::call_site().located_at(variant.ident.span());
        let output_span = match variant.reply() {
            Some(reply) if !variant.is_deferred() => Span::call_site().located_at(reply.span()),
            _ => at_variant,
        };
        let future = quote_spanned!(output_span=> impl #rt::Future<Output = #output> + #rt::Send);
        quote_spanned! {at_variant=>
            #docs
            #(#cfgs)*
            fn #method(
                &mut self,
                #(#params)*
                #reply_param
                ctx: &mut #rt::Ctx<Self>,
            ) -> #future;
        }
    }

    /// The type of the reply-slot enum, `__KvMsgReply` (or `__CacheMsgReply<K, V>`).
    pub(crate) fn reply_ty(&self) -> TokenStream {
        let reply = &self.names.reply;
        let ty_args = &self.ty_args;
        quote!(#reply #ty_args)
    }

    fn reply_enum(&self) -> TokenStream {
        let rt = &self.rt;
        let vis = self.input.vis;
        let reply = &self.names.reply;
        let (params, where_clause) = (&self.generics.params, &self.generics.where_clause);
        let variants = self.input.expanded().filter_map(|variant| {
            let ty = self.resolve_self(variant.reply()?);
            let (cfgs, ident) = (&variant.cfgs, variant.ident);
            Some(quote!(#(#cfgs)* #ident(#rt::ReplyTo<#ty>),))
        });
        // A generic enum's parameters need not appear in any reply type; this uninhabited
        // variant uses them all.
        let phantom = (!params.is_empty()).then(|| {
            let msg_ty = &self.msg_ty;
            quote! {
                __Phantom(
                    ::core::marker::PhantomData<fn() -> #msg_ty>,
                    ::core::convert::Infallible,
                ),
            }
        });
        let params = (!params.is_empty()).then(|| quote!(<#params>));
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis enum #reply #params #where_clause {
                #(#variants)*
                #phantom
            }
        }
    }

    fn messages_impl(&self) -> TokenStream {
        let Gen { rt, msg_ty, .. } = self;
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let reply_ty = self.reply_ty();
        let client_ty = client::client_ty(self);
        let arms = self.input.variants.iter().map(|variant| {
            let pattern = self.pattern(variant, false);
            let cfgs = &variant.cfgs;
            let name = variant.ident.to_string();
            quote!(#(#cfgs)* #pattern => #name,)
        });
        let scrutinee = if self.input.variants.is_empty() {
            quote!(*self)
        } else {
            quote!(self)
        };
        quote! {
            #[automatically_derived]
            impl #impl_generics #rt::Messages for #msg_ty #where_clause {
                type Reply = #reply_ty;
                type Client = #client_ty;
                fn variant_name(&self) -> &'static ::core::primitive::str {
                    match #scrutinee {
                        #(#arms)*
                    }
                }
            }
        }
    }

    /// The variant's pattern: with its fields bound to `__f0`, `__f1`, … (`bind`), or
    /// ignoring them. Positional bindings cannot shadow the dispatch's own locals,
    /// whatever the fields are called.
    fn pattern(&self, variant: &Variant<'_>, bind: bool) -> TokenStream {
        let (enum_ident, ident) = (self.input.ident, variant.ident);
        let bindings = (0..variant.fields.len()).map(|i| format_ident!("__f{i}"));
        match variant.style {
            Style::Unit => quote!(#enum_ident::#ident),
            Style::Tuple if bind => quote!(#enum_ident::#ident(#(#bindings),*)),
            Style::Tuple => quote!(#enum_ident::#ident(..)),
            Style::Named if bind => {
                let names = variant.fields.iter().map(|field| field.name);
                quote!(#enum_ident::#ident { #(#names: #bindings),* })
            }
            Style::Named => quote!(#enum_ident::#ident { .. }),
        }
    }

    fn dispatch_impl(&self) -> TokenStream {
        let Gen { rt, msg_ty, .. } = self;
        let handler_ty = self.handler_ty();
        let mut generics = self.generics.clone();
        generics.params.push(syn::parse_quote!(__S: #handler_ty));
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        let reply_ty = self.reply_ty();
        let arms = self
            .input
            .variants
            .iter()
            .map(|variant| self.dispatch_arm(variant, &handler_ty));
        quote! {
            #[automatically_derived]
            impl #impl_generics #rt::Dispatch<__S> for #msg_ty #where_clause {
                async fn init(
                    __server: &mut __S,
                    __ctx: &mut #rt::Ctx<__S>,
                ) -> #rt::Result<(), #rt::BoxError> {
                    <__S as #handler_ty>::init(__server, __ctx).await
                }

                async fn handle(
                    __server: &mut __S,
                    __msg: Self,
                    __reply: #rt::Option<#reply_ty>,
                    __ctx: &mut #rt::Ctx<__S>,
                ) {
                    match __msg {
                        #(#arms)*
                    }
                }

                async fn terminate(
                    __server: &mut __S,
                    __reason: &#rt::ExitReason,
                    __ctx: &mut #rt::Ctx<__S>,
                ) {
                    <__S as #handler_ty>::terminate(__server, __reason, __ctx).await
                }

                async fn handle_down(
                    __server: &mut __S,
                    __down: #rt::Down,
                    __ctx: &mut #rt::Ctx<__S>,
                ) {
                    <__S as #handler_ty>::handle_down(__server, __down, __ctx).await
                }
            }
        }
    }

    fn dispatch_arm(&self, variant: &Variant<'_>, handler_ty: &TokenStream) -> TokenStream {
        let rt = &self.rt;
        let cfgs = &variant.cfgs;
        if !(variant.valid && variant.kind.is_some()) {
            // Left out of the handler trait after an error; keeps the match exhaustive.
            let pattern = self.pattern(variant, false);
            return quote!(#(#cfgs)* #pattern => {});
        }
        let pattern = self.pattern(variant, true);
        let (method, ident) = (&variant.method, variant.ident);
        let reply = &self.names.reply;
        let args = (0..variant.fields.len()).map(|i| format_ident!("__f{i}"));
        let body = if variant.is_deferred() {
            quote! {
                let __r = match __reply {
                    #rt::Option::Some(#reply::#ident(__r)) => __r,
                    _ => #rt::ReplyTo::detached(),
                };
                <__S as #handler_ty>::#method(__server, #(#args,)* __r, __ctx).await;
            }
        } else if variant.reply().is_some() {
            quote! {
                let __value = <__S as #handler_ty>::#method(__server, #(#args,)* __ctx).await;
                if let #rt::Option::Some(#reply::#ident(__r)) = __reply {
                    __r.send(__value);
                }
            }
        } else {
            quote! {
                <__S as #handler_ty>::#method(__server, #(#args,)* __ctx).await;
            }
        };
        quote!(#(#cfgs)* #pattern => { #body })
    }
}

/// Replaces every `Self` token in `tokens`, inside groups too, by `with`.
fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tree| match tree {
            TokenTree::Ident(ident) if ident == "Self" => with.clone(),
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), replace_self(group.stream(), with));
                inner.set_span(group.span());
                TokenTree::Group(inner).into_token_stream()
            }
            other => other.into_token_stream(),
        })
        .collect()
}
