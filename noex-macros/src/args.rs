//! Attribute arguments: `#[gen_server(messages = M, crate = path)]` and, on the message
//! enum, `#[messages(handler = Name, client = Name, crate = path)]`.
//!
//! Unknown and repeated keys are recorded and parsing goes on, so one compile shows every
//! mistake; only a syntax error ends the attribute.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::meta::ParseNestedMeta;
use syn::parse::discouraged::Speculative as _;
use syn::parse::{Parse as _, ParseStream, Parser as _};
use syn::{Attribute, Ident, Path, Token, Type};

use crate::errors::Errors;

/// The arguments of `#[gen_server(..)]`.
pub(crate) struct ServerArgs {
    /// `messages = Type`, kept as the user wrote it (its span carries the errors about it).
    pub(crate) messages: Option<Type>,
    /// `crate = path`.
    pub(crate) krate: Option<Path>,
}

const SERVER_SYNTAX: &str = "`#[gen_server(messages = FooMsg)]` or `#[gen_server(messages = FooMsg, crate = path::to::noex_core)]`";

/// Parses `#[gen_server(..)]`'s arguments, recording every problem in `errors`.
pub(crate) fn server_args(tokens: TokenStream, errors: &mut Errors) -> ServerArgs {
    let mut args = ServerArgs {
        messages: None,
        krate: None,
    };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("messages") {
            set_value(&meta, &mut args.messages, errors, Type::parse)
        } else if meta.path.is_ident("crate") {
            set_value(&meta, &mut args.krate, errors, Path::parse_mod_style)
        } else {
            unknown_key(&meta, errors, "gen_server", SERVER_SYNTAX)
        }
    });
    let result = parser.parse2(tokens);
    errors.ok(result);
    args
}

/// `#[messages(..)]` on the enum: overrides of the generated names and the crate path.
#[derive(Default)]
pub(crate) struct EnumArgs {
    /// `handler = Name`.
    pub(crate) handler: Option<Ident>,
    /// `client = Name`.
    pub(crate) client: Option<Ident>,
    /// `crate = path`.
    pub(crate) krate: Option<Path>,
}

const ENUM_SYNTAX: &str =
    "one of `#[messages(handler = FooHandler, client = FooClient, crate = path::to::noex_core)]`";

/// Parses every `#[messages(..)]` attribute of the enum, recording problems in `errors`.
pub(crate) fn enum_args(attrs: &[Attribute], errors: &mut Errors) -> EnumArgs {
    let mut args = EnumArgs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("messages")) {
        if let syn::Meta::Path(_) | syn::Meta::NameValue(_) = attr.meta {
            errors.spanned(
                attr,
                "`#[messages]` takes arguments in parentheses: `#[messages(handler = FooHandler, client = FooClient)]`",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("handler") {
                set_value(&meta, &mut args.handler, errors, Ident::parse)
            } else if meta.path.is_ident("client") {
                set_value(&meta, &mut args.client, errors, Ident::parse)
            } else if meta.path.is_ident("crate") {
                set_value(&meta, &mut args.krate, errors, Path::parse_mod_style)
            } else {
                unknown_key(&meta, errors, "messages", ENUM_SYNTAX)
            }
        });
        errors.ok(result);
    }
    args
}

/// The path generated code names the runtime by: `crate = path` or `::noex_core`.
pub(crate) fn crate_path(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::noex_core),
    }
}

/// `key = value`: parses the value with `parse` and stores it, unless the key was
/// already given, which is recorded as an error at the repeat.
pub(crate) fn set_value<T>(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<T>,
    errors: &mut Errors,
    parse: fn(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<()> {
    let value = parse(meta.value()?)?;
    if slot.is_some() {
        errors.push(set_twice(meta));
    } else {
        *slot = Some(value);
    }
    Ok(())
}

/// The error for a key given twice, at the repeat.
pub(crate) fn set_twice(meta: &ParseNestedMeta<'_>) -> syn::Error {
    meta.error(format_args!(
        "`{}` is set twice; keep one",
        path_text(&meta.path)
    ))
}

/// Records an unknown key of `#[attr(..)]` and skips its value, so parsing goes on.
pub(crate) fn unknown_key(
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
    attr: &str,
    expected: &str,
) -> syn::Result<()> {
    errors.push(meta.error(format_args!(
        "unknown `#[{attr}]` argument `{}`; expected {expected}",
        path_text(&meta.path),
    )));
    skip_value(meta)
}

/// The key as written, for messages.
pub(crate) fn path_text(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// Consumes the value of an unknown key (`= value` or `(..)`), so that parsing goes on
/// with the next key. A value that parses as a type is skipped whole, commas in its
/// generic arguments included.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let input: ParseStream<'_> = meta.input;
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let fork = input.fork();
        if fork.parse::<Type>().is_ok() && (fork.is_empty() || fork.peek(Token![,])) {
            input.advance_to(&fork);
            return Ok(());
        }
        while !input.is_empty() && !input.peek(Token![,]) {
            input.parse::<proc_macro2::TokenTree>()?;
        }
    } else if input.peek(syn::token::Paren) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(errors: &Errors) -> Vec<String> {
        let tokens = errors.to_compile_errors().to_string();
        tokens
            .split("compile_error !")
            .skip(1)
            .map(|s| s.trim().to_owned())
            .collect()
    }

    #[test]
    fn server_args_parse_messages_and_crate() {
        let mut errors = Errors::default();
        let args = server_args(
            quote!(messages = CacheMsg<K, V>, crate = ::my::rt),
            &mut errors,
        );
        assert!(errors.to_compile_errors().is_empty());
        let messages = args.messages.map(|t| t.to_token_stream().to_string());
        assert_eq!(messages.as_deref(), Some("CacheMsg < K , V >"));
        assert_eq!(
            args.krate.map(|p| path_text(&p)).as_deref(),
            Some("::my::rt")
        );
    }

    #[test]
    fn server_args_report_every_unknown_and_repeated_key() {
        let mut errors = Errors::default();
        let args = server_args(
            quote!(message = Foo<A, B>, messages = A, messages = B, state(x)),
            &mut errors,
        );
        let messages = errors_of(&errors);
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("unknown `#[gen_server]` argument `message`"));
        assert!(messages[1].contains("`messages` is set twice"));
        assert!(messages[2].contains("unknown `#[gen_server]` argument `state`"));
        let kept = args.messages.map(|t| t.to_token_stream().to_string());
        assert_eq!(kept.as_deref(), Some("A"));
    }
}
