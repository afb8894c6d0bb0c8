//! Snapshot tests of the macros' expansions (`tests/expand/*.rs` → `*.expanded.rs`),
//! run with `cargo expand` (needs the `cargo-expand` binary).
//!
//! A missing or different snapshot fails. Locally, `NOEX_BLESS=1` writes the snapshots of
//! new fixtures and `MACROTEST=overwrite` rewrites changed ones:
//!
//! ```text
//! NOEX_BLESS=1 MACROTEST=overwrite cargo test -p noex-tests --test expand
//! ```
//!
//! then review the diff. Never set either in CI. Each snapshot shape has a runtime test in
//! `tests/integration/macro_*.rs`.

#[test]
fn expansions_match_their_snapshots() {
    if std::env::var_os("NOEX_BLESS").is_some() {
        macrotest::expand("expand/*.rs");
    } else {
        macrotest::expand_without_refresh("expand/*.rs");
    }
}
