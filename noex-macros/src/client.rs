//! The typed client: `KvClient` wraps a `RawRef<KvMsg>` and has one method per variant,
//! `async fn` returning `Result<Reply, CallError>` for calls and `fn` returning
//! `Result<(), CastError<KvMsg>>` for casts. `ServerRef` dereferences to it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{Style, Variant};
use crate::expand::Gen;

/// The client's type, `KvClient` (or `CacheClient<K, V>`).
pub(crate) fn client_ty(gen_: &Gen<'_>) -> TokenStream {
    let client = &gen_.names.client;
    let ty_args = &gen_.ty_args;
    quote!(#client #ty_args)
}

/// The client struct and its inherent methods.
pub(crate) fn client_struct(gen_: &Gen<'_>) -> TokenStream {
    let Gen { rt, msg_ty, .. } = gen_;
    let vis = gen_.input.vis;
    let client = &gen_.names.client;
    let (impl_generics, ty_generics, where_clause) = gen_.generics.split_for_impl();
    let params = &gen_.generics.params;
    let params = (!params.is_empty()).then(|| quote!(<#params>));
    let doc = format!(
        " Typed client for servers speaking [`{}`]; `ServerRef` dereferences to it.",
        gen_.input.ident
    );
    let methods = gen_
        .input
        .expanded()
        .map(|variant| client_method(gen_, variant));
    quote! {
        #[doc = #doc]
        #vis struct #client #params #where_clause {
            raw: #rt::RawRef<#msg_ty>,
        }

        // Not every program calls every message of its protocol; a variant's fields are
        // its method's parameters, however many there are.
        #[allow(dead_code, clippy::too_many_arguments)]
        impl #impl_generics #client #ty_generics #where_clause {
            #(#methods)*
        }
    }
}

fn client_method(gen_: &Gen<'_>, variant: &Variant<'_>) -> TokenStream {
    let rt = &gen_.rt;
    let vis = gen_.input.vis;
    let (method, cfgs) = (&variant.method, &variant.cfgs);
    let params = variant.fields.iter().map(|field| {
        let param = &field.param;
        let ty = gen_.resolve_self(field.ty);
        quote!(#param: #ty,)
    });
    let msg = construct(gen_, variant);
    match variant.reply() {
        Some(reply) => {
            let reply = gen_.resolve_self(reply);
            let slot = &gen_.names.reply;
            let ident = variant.ident;
            let docs = gen_.docs(
                variant,
                "Calls the server with [`{enum}::{variant}`] and waits for the reply.",
            );
            quote! {
                #docs
                #(#cfgs)*
                #vis async fn #method(
                    &self,
                    #(#params)*
                ) -> #rt::Result<#reply, #rt::CallError> {
                    self.raw.call(#msg, #slot::#ident).await
                }
            }
        }
        None => {
            let docs = gen_.docs(variant, "Casts [`{enum}::{variant}`] to the server.");
            let msg_ty = &gen_.msg_ty;
            quote! {
                #docs
                #(#cfgs)*
                #vis fn #method(
                    &self,
                    #(#params)*
                ) -> #rt::Result<(), #rt::CastError<#msg_ty>> {
                    self.raw.cast(#msg)
                }
            }
        }
    }
}

/// The message built from the method's parameters: `KvMsg::Put(arg0, arg1)`,
/// `KvMsg::Get { key }`.
fn construct(gen_: &Gen<'_>, variant: &Variant<'_>) -> TokenStream {
    let (enum_ident, ident) = (gen_.input.ident, variant.ident);
    let params = variant.fields.iter().map(|field| &field.param);
    match variant.style {
        Style::Unit => quote!(#enum_ident::#ident),
        Style::Tuple => quote!(#enum_ident::#ident(#(#params),*)),
        Style::Named => quote!(#enum_ident::#ident { #(#params),* }),
    }
}

/// `impl Client<KvMsg> for KvClient`, which `ServerRef` builds the client with.
pub(crate) fn client_trait_impl(gen_: &Gen<'_>) -> TokenStream {
    let Gen { rt, msg_ty, .. } = gen_;
    let client = &gen_.names.client;
    let client_ty = client_ty(gen_);
    let (impl_generics, _, where_clause) = gen_.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #rt::Client<#msg_ty> for #client_ty #where_clause {
            fn from_raw(raw: #rt::RawRef<#msg_ty>) -> Self {
                #client { raw }
            }
            fn raw(&self) -> &#rt::RawRef<#msg_ty> {
                &self.raw
            }
        }
    }
}
