//! The borrowed model of a message enum: what `#[derive(Messages)]` reads, with the
//! user's original tokens kept so that every error and generated item points at them.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt as _;
use syn::parse::Parser as _;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Type, Visibility};

use crate::args::{EnumArgs, crate_path, enum_args};
use crate::attr::{Kind, reject_misplaced, variant_attrs};
use crate::errors::Errors;
use crate::naming::{base_name, snake_case};

/// A message enum.
pub(crate) struct Enum<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a Generics,
    pub(crate) args: EnumArgs,
    pub(crate) variants: Vec<Variant<'a>>,
}

/// One variant: one message, one handler method, one client method.
pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) kind: Option<Kind>,
    /// True if it carries `#[call]` or `#[cast]` (even a malformed one).
    pub(crate) marked: bool,
    pub(crate) docs: Vec<&'a Attribute>,
    pub(crate) cfgs: Vec<&'a Attribute>,
    pub(crate) style: Style,
    pub(crate) fields: Vec<Field<'a>>,
    /// The handler and client method name: the variant's name in snake case, with the
    /// variant's span.
    pub(crate) method: Ident,
    /// Cleared by `valid.rs` when the variant cannot be expanded soundly; the rest of the
    /// enum is still expanded, so the user's code keeps resolving.
    pub(crate) valid: bool,
}

/// How a variant's fields are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Unit,
    Tuple,
    Named,
}

/// A field, which becomes a parameter of the handler and client methods.
pub(crate) struct Field<'a> {
    /// The field's name, for named fields.
    pub(crate) name: Option<&'a Ident>,
    /// The parameter: the field's name, or `arg0`, `arg1`, … for tuple fields.
    pub(crate) param: Ident,
    pub(crate) ty: &'a Type,
}

/// The names of the generated items.
pub(crate) struct Names {
    pub(crate) handler: Ident,
    pub(crate) client: Ident,
    pub(crate) reply: Ident,
    /// The runtime's path: `::noex_core` or `crate = path`.
    pub(crate) krate: TokenStream,
}

impl<'a> Enum<'a> {
    /// Builds the model, or reports that `#[derive(Messages)]` was put on a struct or union.
    pub(crate) fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Option<Enum<'a>> {
        let data = match &input.data {
            Data::Enum(data) => data,
            Data::Struct(data) => {
                not_an_enum(data.struct_token, &input.ident, errors);
                return None;
            }
            Data::Union(data) => {
                not_an_enum(data.union_token, &input.ident, errors);
                return None;
            }
        };
        reject_misplaced(&input.attrs, "the enum", errors);
        let args = enum_args(&input.attrs, errors);
        let variants = data
            .variants
            .iter()
            .map(|variant| Variant::from_syn(variant, errors))
            .collect();
        Some(Enum {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            args,
            variants,
        })
    }

    /// The generated items' names, from the enum's name unless overridden.
    pub(crate) fn names(&self) -> Names {
        let enum_name = self.ident.unraw().to_string();
        let base = base_name(&enum_name);
        let default = |suffix: &str| Ident::new(&format!("{base}{suffix}"), self.ident.span());
        Names {
            handler: self
                .args
                .handler
                .clone()
                .unwrap_or_else(|| default("Handler")),
            client: self
                .args
                .client
                .clone()
                .unwrap_or_else(|| default("Client")),
            reply: format_ident!("__{}Reply", enum_name, span = self.ident.span()),
            krate: crate_path(self.args.krate.as_ref()),
        }
    }

    /// The variants to expand.
    pub(crate) fn expanded(&self) -> impl Iterator<Item = &Variant<'a>> {
        self.variants.iter().filter(|v| v.valid && v.kind.is_some())
    }
}

fn not_an_enum(keyword: impl ToTokens, ident: &Ident, errors: &mut Errors) {
    errors.spanned(
        quote!(#keyword #ident),
        "`#[derive(Messages)]` goes on an enum with one variant per message, \
         e.g. `enum FooMsg { #[call(reply = u64)] Get, #[cast] Reset }`",
    );
}

impl<'a> Variant<'a> {
    fn from_syn(variant: &'a syn::Variant, errors: &mut Errors) -> Variant<'a> {
        let attrs = variant_attrs(&variant.attrs, errors);
        let (style, fields) = match &variant.fields {
            Fields::Unit => (Style::Unit, Vec::new()),
            Fields::Unnamed(fields) => (Style::Tuple, fields.unnamed.iter().collect()),
            Fields::Named(fields) => (Style::Named, fields.named.iter().collect()),
        };
        let fields = fields
            .into_iter()
            .enumerate()
            .map(|(i, field)| {
                reject_misplaced(&field.attrs, "a field", errors);
                Field {
                    name: field.ident.as_ref(),
                    param: match &field.ident {
                        Some(name) => name.clone(),
                        None => Ident::new(&format!("arg{i}"), Span::call_site()),
                    },
                    ty: &field.ty,
                }
            })
            .collect();
        let snake = snake_case(&variant.ident.unraw().to_string());
        let method = Ident::parse_any.parse_str(&snake).map(|mut method| {
            method.set_span(variant.ident.span());
            method
        });
        let valid = method.is_ok();
        let method = method.unwrap_or_else(|_| {
            errors.spanned(
                &variant.ident,
                format_args!("`{snake}` is not a valid method name; rename the variant"),
            );
            variant.ident.clone()
        });
        Variant {
            ident: &variant.ident,
            kind: attrs.kind,
            marked: attrs.marked,
            docs: attrs.docs,
            cfgs: attrs.cfgs,
            style,
            fields,
            method,
            valid,
        }
    }

    /// True if the variant has a doc comment of its own.
    pub(crate) fn has_docs(&self) -> bool {
        self.docs
            .iter()
            .any(|attr| matches!(attr.meta, syn::Meta::NameValue(_)))
    }

    /// `Some(T)` for a call replying `T`.
    pub(crate) fn reply(&self) -> Option<&Type> {
        match &self.kind {
            Some(Kind::Call { reply, .. }) => Some(reply),
            _ => None,
        }
    }

    /// True for a `deferred` call.
    pub(crate) fn is_deferred(&self) -> bool {
        matches!(self.kind, Some(Kind::Call { deferred: true, .. }))
    }
}
