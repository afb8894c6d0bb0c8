//! Cross-crate tests of noex, one module per behaviour.

mod event_bus_api;
mod event_bus_delivery;
mod event_bus_patterns;
mod event_bus_support;
mod gen_server_call;
mod gen_server_lifecycle;
mod gen_server_timers;
mod hand_expanded;
mod macro_basic;
mod macro_deferred;
mod macro_generics;
mod macro_options;
mod macro_serde;
mod registry_api;
mod registry_cleanup;
mod registry_races;
mod supervisor_api;
mod supervisor_events;
mod supervisor_exit_reasons;
mod supervisor_named;
mod supervisor_nested;
mod supervisor_shutdown;
mod supervisor_start;
mod supervisor_strategies;
mod supervisor_support;
mod support;
