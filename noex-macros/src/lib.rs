//! Procedural macros for noex. Use them through `noex_core` (feature `macros`).
use proc_macro::TokenStream;

/// See `noex_core::gen_server`.
#[proc_macro_attribute]
pub fn gen_server(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}

/// See `noex_core::Messages`.
#[proc_macro_derive(Messages, attributes(call, cast, messages))]
pub fn derive_messages(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
