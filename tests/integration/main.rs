//! Cross-crate tests of noex, one module per behaviour.

mod hand_expanded;
mod macro_basic;
mod macro_deferred;
mod macro_generics;
mod macro_serde;
mod support;
mod gen_server_call;
mod gen_server_lifecycle;
mod gen_server_timers;
