//! Cross-checks of the model: things no single attribute shows, such as two variants
//! whose methods would share a name.
//!
//! A variant whose methods could not be generated soundly (a keyword, a name used twice, a
//! parameter clash) is marked invalid and left out of the expansion; the rest (the handler
//! trait, the client, the other variants) is still generated, so the user's code keeps
//! resolving next to the error. A name that would only be shadowed keeps its methods.

use std::collections::HashMap;

use syn::GenericParam;

use crate::ast::Enum;
use crate::errors::Errors;
use crate::naming::{is_keyword, reserved_by};

/// Checks `input`, recording errors; returns false if nothing can be expanded soundly.
pub(crate) fn check(input: &mut Enum<'_>, errors: &mut Errors) -> bool {
    let expandable = check_generics(input, errors);
    check_names(input, errors);
    let mut methods: HashMap<String, &syn::Ident> = HashMap::new();
    for variant in &mut input.variants {
        let mut sound = true;
        if !variant.marked {
            let name = variant.ident;
            errors.spanned(
                name,
                format_args!(
                    "variant `{name}` needs `#[call(reply = T)]` (a request answered with a `T`) \
                     or `#[cast]` (fire-and-forget)"
                ),
            );
        }
        let method = variant.method.to_string();
        let suggestion = format!("{}Request", variant.ident);
        if is_keyword(&method) {
            sound = false;
            errors.spanned(
                variant.ident,
                format_args!(
                    "variant `{}` would generate the method `{method}`, which is a Rust keyword; \
                     rename the variant, e.g. `{suggestion}`",
                    variant.ident,
                ),
            );
        } else if let Some(reserved) = reserved_by(&method) {
            sound &= !reserved.clashes;
            errors.spanned(
                variant.ident,
                format_args!(
                    "variant `{}` would generate the method `{method}`, which {}; \
                     rename the variant, e.g. `{suggestion}`",
                    variant.ident, reserved.why,
                ),
            );
        } else if let Some(first) = methods.get(&method) {
            sound = false;
            errors.spanned(
                variant.ident,
                format_args!(
                    "variants `{first}` and `{}` would both generate the method `{method}`; \
                     rename one of them",
                    variant.ident,
                ),
            );
        } else {
            methods.insert(method, variant.ident);
        }
        let deferred = variant.is_deferred();
        for field in &variant.fields {
            let Some(name) = field.name else { continue };
            if name == "ctx" {
                sound = false;
                errors.spanned(
                    name,
                    "a field named `ctx` clashes with the handler's `ctx: &mut Ctx<Self>` \
                     parameter; rename the field",
                );
            } else if name == "reply" && deferred {
                sound = false;
                errors.spanned(
                    name,
                    "a field named `reply` clashes with the deferred handler's \
                     `reply: ReplyTo<T>` parameter; rename the field",
                );
            }
        }
        variant.valid &= sound;
    }
    expandable
}

/// Lifetime parameters are an error: messages travel to another task, so they are
/// `'static`. Type and const parameters are fine.
fn check_generics(input: &Enum<'_>, errors: &mut Errors) -> bool {
    let mut ok = true;
    for param in &input.generics.params {
        if let GenericParam::Lifetime(param) = param {
            ok = false;
            errors.spanned(
                &param.lifetime,
                "a message enum cannot have lifetime parameters: messages are sent to \
                 another task and must be `'static`; use owned types such as `String` or `Arc<T>`",
            );
        }
    }
    ok
}

/// The generated names must differ from each other and from the enum's.
fn check_names(input: &Enum<'_>, errors: &mut Errors) {
    let names = input.names();
    if names.handler == names.client {
        errors.spanned(
            &names.client,
            format_args!(
                "the handler trait and the client are both named `{}`; \
                 give them different names with `#[messages(handler = .., client = ..)]`",
                names.client,
            ),
        );
    }
    for generated in [&names.handler, &names.client] {
        if generated == input.ident {
            errors.spanned(
                generated,
                format_args!(
                    "`{generated}` is the enum's own name; choose another with \
                     `#[messages(handler = .., client = ..)]`"
                ),
            );
        }
    }
}
