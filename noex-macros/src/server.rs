//! `#[gen_server(messages = M)]`: the item unchanged, plus `impl GenServer for` it with
//! `type Msg = M`. The behaviour lives in the handler trait `#[derive(Messages)]`
//! generates for `M`; this impl only names the protocol.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{GenericParam, Generics, Ident, Item};

use crate::args::{crate_path, server_args};
use crate::errors::Errors;

const USAGE: &str = "`#[gen_server(messages = FooMsg)] struct Foo { .. }`";

/// Expands `#[gen_server(..)]`. The user's item is always emitted, next to any errors.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = server_args(args, &mut errors);
    let state = match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => state_of(&parsed, &mut errors),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    if args.messages.is_none() {
        errors.push(syn::Error::new(
            Span::call_site(),
            format_args!("`#[gen_server]` needs the server's message enum: {USAGE}"),
        ));
    }
    let implementation = match (&args.messages, state) {
        (Some(messages), Some((ident, generics))) => {
            let krate = crate_path(args.krate.as_ref());
            Some(gen_server_impl(&krate, ident, &generics, messages))
        }
        _ => None,
    };
    let mut out = errors.to_compile_errors();
    out.extend(item);
    out.extend(implementation);
    out
}

/// The state type's name and generics, or an error if the item is not a struct or enum.
fn state_of(item: &Item, errors: &mut Errors) -> Option<(Ident, Generics)> {
    let misplaced = |what: &str| {
        format!("`#[gen_server]` belongs on the server's state struct, not on {what}: {USAGE}")
    };
    let (head, what) = match item {
        Item::Struct(item) => return Some((item.ident.clone(), item.generics.clone())),
        Item::Enum(item) => return Some((item.ident.clone(), item.generics.clone())),
        Item::Fn(item) => (
            {
                let (fn_token, ident) = (&item.sig.fn_token, &item.sig.ident);
                quote!(#fn_token #ident)
            },
            "a function",
        ),
        Item::Impl(item) => (item.impl_token.to_token_stream(), "an impl block"),
        Item::Trait(item) => {
            let (trait_token, ident) = (&item.trait_token, &item.ident);
            (quote!(#trait_token #ident), "a trait")
        }
        Item::Union(item) => {
            let (union_token, ident) = (&item.union_token, &item.ident);
            (quote!(#union_token #ident), "a union")
        }
        Item::Mod(item) => {
            let (mod_token, ident) = (&item.mod_token, &item.ident);
            (quote!(#mod_token #ident), "a module")
        }
        other => (other.to_token_stream(), "this item"),
    };
    errors.spanned(head, misplaced(what));
    None
}

/// `'a: 'static` for lifetimes and `T: Send + 'static` for type parameters: `GenServer`
/// needs a `Send + 'static` state (the server task owns it).
fn bounded(generics: &Generics, rt: &TokenStream) -> Generics {
    let mut generics = generics.clone();
    let predicates: Vec<syn::WherePredicate> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Lifetime(param) => {
                let lifetime = &param.lifetime;
                Some(syn::parse_quote!(#lifetime: 'static))
            }
            GenericParam::Type(param) => {
                let ident = &param.ident;
                Some(syn::parse_quote!(#ident: #rt::Send + 'static))
            }
            _ => None,
        })
        .collect();
    if !predicates.is_empty() {
        generics.make_where_clause().predicates.extend(predicates);
    }
    generics
}

fn gen_server_impl(
    krate: &TokenStream,
    ident: Ident,
    generics: &Generics,
    messages: &syn::Type,
) -> TokenStream {
    let rt = quote!(#krate::__private);
    let generics = bounded(generics, &rt);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // The user's `messages = ..` span on `type Msg`: when the handler trait is not
    // implemented, the error points there.
    let msg = quote_spanned!(messages.span()=> type Msg = #messages;);
    quote! {
        #[automatically_derived]
        impl #impl_generics #rt::GenServer for #ident #ty_generics #where_clause {
            #msg
        }
    }
}
