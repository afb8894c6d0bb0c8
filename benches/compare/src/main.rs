//! noex against plain tokio, ractor, kameo and actix, in one run.
//!
//! ```sh
//! cargo run -p noex-compare --release                      # the whole table
//! cargo run -p noex-compare --release -- --systems noex,tokio --workloads call,cast --reps 3
//! cargo run -p noex-compare --release -- run noex call     # one child run, for profiling
//! ```
//!
//! With no `run` argument the binary is the driver: for each repetition it re-invokes its
//! own executable once per system and workload (`noex-compare run <system> <workload>`),
//! so every figure comes from a fresh process; it collects the line each child prints,
//! takes the medians and prints a markdown table with each figure's ratio to plain tokio,
//! and whether noex meets its targets. `NOEX_BENCH_SCALE=0.01` shrinks every workload
//! (for callgrind).

mod driver;
mod systems;
mod workloads;

use std::io::Write;

use workloads::Workload;

/// Errors: anything that can be displayed, with a message saying what went wrong.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of the whole binary.
pub(crate) type Result<T> = std::result::Result<T, BoxError>;

/// An error with this message.
pub(crate) fn fail(message: impl Into<String>) -> BoxError {
    message.into().into()
}

/// The prefix of the lines a child prints for the driver: `noex-compare: <key> <value>`.
pub(crate) const RESULT_PREFIX: &str = "noex-compare:";

/// The systems, in table order: name on the command line, label in the table, and
/// whether a run without `--systems` includes it. The current-thread variants of noex
/// and tokio are there to compare with actix's single thread on equal terms.
pub(crate) const SYSTEMS: [(&str, &str, bool); 7] = [
    ("tokio", "plain tokio (task + mpsc + oneshot)", true),
    ("noex", "noex", true),
    ("ractor", "ractor", true),
    ("kameo", "kameo", true),
    ("actix", "actix (single-thread System)", true),
    ("tokio-1t", "plain tokio, current-thread runtime", false),
    ("noex-1t", "noex, current-thread runtime", false),
];

/// Runs one workload for one system in this process and prints its figures.
fn child(system: &str, workload: &str) -> Result<()> {
    let workload = Workload::parse(workload)?;
    let figures = match system {
        "noex" => workloads::run::<systems::noex::Noex>(workload),
        "tokio" => workloads::run::<systems::plain_tokio::PlainTokio>(workload),
        "ractor" => workloads::run::<systems::ractor::Ractor>(workload),
        "kameo" => workloads::run::<systems::kameo::Kameo>(workload),
        "actix" => workloads::run::<systems::actix::Actix>(workload),
        "tokio-1t" => workloads::run::<systems::plain_tokio::PlainTokio<true>>(workload),
        "noex-1t" => workloads::run::<systems::noex::Noex<true>>(workload),
        other => Err(fail(format!(
            "unknown system {other:?}; one of {}",
            SYSTEMS.map(|(name, _, _)| name).join(", ")
        ))),
    }?;
    let mut out = std::io::stdout().lock();
    for (metric, value) in figures {
        writeln!(out, "{RESULT_PREFIX} {} {value}", metric.key())?;
    }
    out.flush()?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => match &args[1..] {
            [system, workload] => child(system, workload),
            _ => Err(fail("usage: noex-compare run <system> <workload>")),
        },
        _ => driver::main(&args),
    };
    match outcome {
        // Skip tearing down the runtime and its servers: nothing is left to measure.
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("noex-compare: error: {e}");
            std::process::exit(1);
        }
    }
}
