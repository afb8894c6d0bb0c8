//! Cross-crate tests of noex, one module per behaviour.

mod hand_expanded;
mod macro_basic;
mod macro_deferred;
mod macro_generics;
mod macro_options;
mod macro_serde;
