#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test and doctest, and
# every example. Installs what the suite needs (cargo-expand, for the macro expansion
# snapshots) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export CI="${CI:-1}"   # macro snapshots must exist; never write them here

if ! command -v cargo-expand >/dev/null 2>&1; then
    echo "==> installing cargo-expand (needed by the macro expansion tests; takes a few minutes)"
    cargo install cargo-expand --locked
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check

# Plain `cargo clippy`/`cargo test` in this virtual workspace cover its default members,
# which leave out the peer-framework comparison (benches/compare): it compiles ractor,
# kameo and actix, and has its own command in the README.
echo "==> cargo clippy -D warnings"
cargo clippy --all-targets -- -D warnings

echo "==> docs build without warnings (broken links, missing docs)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

echo "==> tests and doctests"
cargo test

echo "==> examples"
for example in $(sed -n 's/^name = "\(.*\)"/\1/p' examples/Cargo.toml | grep -v '^noex-examples$'); do
    echo "--> cargo run --example $example"
    cargo run --quiet --example "$example" >/dev/null
done

echo "==> all checks passed"
