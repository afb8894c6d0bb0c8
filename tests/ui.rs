//! Compile-time behaviour of the macros (trybuild): `ui/*.rs` must fail to compile with
//! exactly the errors in the matching `.stderr`, one misuse per file; `ui/pass/*.rs` must
//! compile and run.
//!
//! After changing a diagnostic, bless locally with
//! `TRYBUILD=overwrite cargo test -p noex-tests --test ui` and review every `.stderr` diff;
//! never set `TRYBUILD` in CI.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/*.rs");
}
