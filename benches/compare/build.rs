//! Reads the versions of the compared crates from the workspace's Cargo.lock, so the
//! table says what was measured.

use std::path::Path;

fn main() {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let mut versions = Vec::new();
    for name in ["tokio", "ractor", "kameo", "actix", "actix-rt"] {
        let wanted = format!("name = \"{name}\"");
        let mut lines = text.lines();
        let version = lines
            .by_ref()
            .position(|l| l == wanted)
            .and_then(|_| lines.next())
            .and_then(|l| l.strip_prefix("version = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or("?");
        versions.push(format!("{name} {version}"));
    }
    println!(
        "cargo::rustc-env=NOEX_COMPARE_VERSIONS={}, noex {}",
        versions.join(", "),
        env!("CARGO_PKG_VERSION")
    );
}
