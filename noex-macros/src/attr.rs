//! Per-variant attributes: `#[call(reply = T)]`, `#[call(reply = T, deferred)]`, `#[cast]`,
//! plus the doc comments and `#[cfg]`s that generated items copy. Also rejects our
//! attributes where they do not belong (on fields, or `#[call]` on the enum).

use syn::parse::Parse as _;
use syn::{Attribute, Meta, Token, Type};

use crate::args::{path_text, set_twice, set_value, unknown_key};
use crate::errors::Errors;

/// What a variant is.
pub(crate) enum Kind {
    /// `#[call(reply = T)]`, or with `deferred` when the handler answers through a
    /// `ReplyTo<T>` instead of returning `T`.
    Call { reply: Box<Type>, deferred: bool },
    /// `#[cast]`: fire-and-forget.
    Cast,
}

/// The attributes of one variant that the derive reads.
pub(crate) struct VariantAttrs<'a> {
    /// `None` when the variant has no usable `#[call]`/`#[cast]` (an error was recorded,
    /// or is up to `valid.rs` when `marked` is false).
    pub(crate) kind: Option<Kind>,
    /// True if the variant carries any `#[call]` or `#[cast]`, well-formed or not.
    pub(crate) marked: bool,
    /// `#[doc = ..]` and `#[doc(..)]`, copied to the generated methods.
    pub(crate) docs: Vec<&'a Attribute>,
    /// `#[cfg(..)]`, copied to everything generated for the variant.
    pub(crate) cfgs: Vec<&'a Attribute>,
}

const CALL_SYNTAX: &str = "`#[call(reply = T)]` or `#[call(reply = T, deferred)]`";

/// Reads a variant's attributes, recording malformed ones in `errors`.
pub(crate) fn variant_attrs<'a>(attrs: &'a [Attribute], errors: &mut Errors) -> VariantAttrs<'a> {
    let mut out = VariantAttrs {
        kind: None,
        marked: false,
        docs: Vec::new(),
        cfgs: Vec::new(),
    };
    // The first `#[call]`/`#[cast]`, to word the error about a second one.
    let mut first: Option<&'static str> = None;
    for attr in attrs {
        let path = attr.path();
        if path.is_ident("doc") {
            out.docs.push(attr);
        } else if path.is_ident("cfg") {
            out.cfgs.push(attr);
        } else if path.is_ident("messages") {
            errors.spanned(
                attr,
                "`#[messages(..)]` belongs on the enum, not on a variant",
            );
        } else if path.is_ident("call") || path.is_ident("cast") {
            out.marked = true;
            let this = if path.is_ident("call") {
                "call"
            } else {
                "cast"
            };
            if let Some(first) = first {
                let message = if first == this {
                    format!("duplicate `#[{this}]`; a variant takes one `#[call(..)]` or `#[cast]`")
                } else {
                    "a variant is either `#[call(reply = T)]` or `#[cast]`, not both; keep one"
                        .to_owned()
                };
                errors.spanned(attr, message);
                continue;
            }
            first = Some(this);
            out.kind = if this == "call" {
                parse_call(attr, errors)
            } else {
                parse_cast(attr, errors)
            };
        }
    }
    out
}

fn parse_call(attr: &Attribute, errors: &mut Errors) -> Option<Kind> {
    if let Meta::Path(_) | Meta::NameValue(_) = attr.meta {
        errors.spanned(
            attr,
            format_args!(
                "`#[call]` needs the reply type: {CALL_SYNTAX} (`reply = ()` when the caller only waits)"
            ),
        );
        return None;
    }
    let mut reply: Option<Type> = None;
    let mut deferred = false;
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("reply") {
            set_value(&meta, &mut reply, errors, Type::parse)
        } else if meta.path.is_ident("deferred") {
            if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
                return Err(meta.error("`deferred` takes no value: `#[call(reply = T, deferred)]`"));
            }
            if deferred {
                errors.push(set_twice(&meta));
            }
            deferred = true;
            Ok(())
        } else {
            unknown_key(&meta, errors, "call", "`reply = T` or `deferred`")
        }
    });
    errors.ok(result)?;
    match reply {
        Some(reply) => Some(Kind::Call {
            reply: Box::new(reply),
            deferred,
        }),
        None => {
            errors.spanned(
                attr,
                format_args!(
                    "`#[call]` needs the reply type: {CALL_SYNTAX} (`reply = ()` when the caller only waits)"
                ),
            );
            None
        }
    }
}

fn parse_cast(attr: &Attribute, errors: &mut Errors) -> Option<Kind> {
    let args = match &attr.meta {
        Meta::Path(_) => return Some(Kind::Cast),
        Meta::List(list) if list.tokens.is_empty() => return Some(Kind::Cast),
        Meta::List(list) => &list.tokens,
        Meta::NameValue(nv) => {
            errors.spanned(&nv.value, "`#[cast]` takes no value: write `#[cast]`");
            return None;
        }
    };
    let names_reply = args
        .clone()
        .into_iter()
        .next()
        .is_some_and(|first| first.to_string() == "reply");
    if names_reply {
        errors.spanned(
            args,
            "a cast has no reply; to answer the sender, make it `#[call(reply = T)]`",
        );
    } else {
        errors.spanned(args, "`#[cast]` takes no arguments: write `#[cast]`");
    }
    None
}

/// Rejects `#[call]`, `#[cast]` and `#[messages]` where they mean nothing: `place` is
/// "a field" or "the enum".
pub(crate) fn reject_misplaced(attrs: &[Attribute], place: &str, errors: &mut Errors) {
    for attr in attrs {
        let path = attr.path();
        if path.is_ident("call") || path.is_ident("cast") {
            let name = path_text(path);
            errors.spanned(
                attr,
                format_args!("`#[{name}]` belongs on a variant of the enum, not on {place}"),
            );
        } else if path.is_ident("messages") && place != "the enum" {
            errors.spanned(
                attr,
                format_args!("`#[messages(..)]` belongs on the enum, not on {place}"),
            );
        }
    }
}
