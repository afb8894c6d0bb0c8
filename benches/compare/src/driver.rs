//! The driver: runs every system × workload in fresh child processes, takes medians and
//! prints the table and the targets.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Command, Stdio};

use crate::workloads::{Metric, Workload};
use crate::{RESULT_PREFIX, Result, SYSTEMS, fail};

/// Crate versions, read from Cargo.lock by the build script.
const VERSIONS: &str = env!("NOEX_COMPARE_VERSIONS");

/// Repetitions (fresh processes per figure) unless `--reps` says otherwise.
const DEFAULT_REPS: usize = 5;

/// What the command line asked for.
struct Options {
    systems: Vec<&'static str>,
    workloads: Vec<Workload>,
    reps: usize,
}

const USAGE: &str = "usage: noex-compare [--systems tokio,noex,ractor,kameo,actix,tokio-1t,noex-1t] \
     [--workloads call,cast,spawn,fanout] [--reps N]\n       noex-compare run <system> <workload>";

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            systems: SYSTEMS
                .iter()
                .filter(|(_, _, default)| *default)
                .map(|(name, _, _)| *name)
                .collect(),
            workloads: Workload::ALL.to_vec(),
            reps: DEFAULT_REPS,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or_else(|| fail(format!("{flag} needs a value\n{USAGE}")))
            };
            match flag.as_str() {
                "--systems" => {
                    let wanted: Vec<&str> = value()?.split(',').collect();
                    for name in &wanted {
                        if !SYSTEMS.iter().any(|(known, _, _)| known == name) {
                            return Err(fail(format!("unknown system {name:?}\n{USAGE}")));
                        }
                    }
                    // Table order, whatever the order given.
                    options.systems = SYSTEMS
                        .iter()
                        .map(|(name, _, _)| *name)
                        .filter(|name| wanted.contains(name))
                        .collect();
                }
                "--workloads" => {
                    options.workloads = value()?
                        .split(',')
                        .map(Workload::parse)
                        .collect::<Result<_>>()?;
                }
                "--reps" => {
                    options.reps =
                        value()?.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                            fail(format!("--reps needs a positive number\n{USAGE}"))
                        })?;
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => return Err(fail(format!("unknown argument {other:?}\n{USAGE}"))),
            }
        }
        Ok(options)
    }
}

/// Every figure collected, by system and metric.
type Figures = BTreeMap<(&'static str, Metric), Vec<f64>>;

/// Runs the driver.
pub(crate) fn main(args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    let exe = std::env::current_exe()
        .map_err(|e| fail(format!("finding this executable to re-run it: {e}")))?;
    let mut figures = Figures::new();
    for rep in 0..options.reps {
        for &workload in &options.workloads {
            // Rotate the order each repetition, so no system always runs first.
            let n = options.systems.len();
            for i in 0..n {
                let system = options.systems[(i + rep) % n];
                eprintln!(
                    "rep {}/{}: {system} {}",
                    rep + 1,
                    options.reps,
                    workload.name()
                );
                for (metric, value) in run_child(&exe, system, workload)? {
                    figures.entry((system, metric)).or_default().push(value);
                }
            }
        }
    }
    print!("{}", report(&options, &figures));
    Ok(())
}

/// Runs `noex-compare run <system> <workload>` and reads the figures it prints.
fn run_child(
    exe: &std::path::Path,
    system: &str,
    workload: Workload,
) -> Result<Vec<(Metric, f64)>> {
    let output = Command::new(exe)
        .args(["run", system, workload.name()])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format!("starting {}: {e}", exe.display())))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(fail(format!(
            "{system} {} failed ({}):\n{stderr}{stdout}",
            workload.name(),
            output.status
        )));
    }
    let mut found = Vec::new();
    for &metric in workload.metrics() {
        let value = stdout
            .lines()
            .filter_map(|line| line.strip_prefix(RESULT_PREFIX))
            .filter_map(|rest| rest.trim().split_once(' '))
            .find(|(key, _)| *key == metric.key())
            .and_then(|(_, value)| value.trim().parse::<f64>().ok())
            .ok_or_else(|| {
                fail(format!(
                    "{system} {}: no {} figure in its output:\n{stdout}",
                    workload.name(),
                    metric.key()
                ))
            })?;
        found.push((metric, value));
    }
    Ok(found)
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// A figure with the precision its column uses.
fn show(metric: Metric, value: f64) -> String {
    match metric {
        Metric::CallNs | Metric::IdleBytes => format!("{value:.0}"),
        Metric::CastMps | Metric::SpawnUs | Metric::FanOutMps => format!("{value:.2}"),
    }
}

/// The column header of a metric.
fn header(metric: Metric) -> &'static str {
    match metric {
        Metric::CallNs => "call ns",
        Metric::CastMps => "cast M msgs/s",
        Metric::SpawnUs => "spawn µs",
        Metric::IdleBytes => "idle B/actor",
        Metric::FanOutMps => "fan-out M calls/s",
    }
}

/// The table, the spread of the repetitions, and noex's targets.
fn report(options: &Options, figures: &Figures) -> String {
    let metrics: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| options.workloads.iter().any(|w| w.metrics().contains(m)))
        .collect();
    let medians: BTreeMap<(&str, Metric), f64> = figures
        .iter()
        .map(|(&key, values)| (key, median(values)))
        .collect();
    let mut out = String::new();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        out,
        "\nMedians of {} fresh processes per figure; {cpus} CPUs; {}; {VERSIONS}.\n\
         Ratios are to plain tokio in the same run.\n",
        options.reps,
        if cfg!(debug_assertions) {
            "DEBUG build (use --release)"
        } else {
            "release build"
        }
    );
    let _ = write!(out, "| system |");
    for &m in &metrics {
        let _ = write!(out, " {} |", header(m));
    }
    let _ = write!(out, "\n|---|");
    for _ in &metrics {
        let _ = write!(out, "--:|");
    }
    out.push('\n');
    for &(system, label, _) in SYSTEMS
        .iter()
        .filter(|(s, _, _)| options.systems.contains(s))
    {
        let _ = write!(out, "| {label} |");
        for &m in &metrics {
            let cell = match (medians.get(&(system, m)), medians.get(&("tokio", m))) {
                (Some(&v), Some(&base)) => format!("{} ({:.2}×)", show(m, v), v / base),
                (Some(&v), None) => show(m, v),
                (None, _) => "–".to_string(),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }

    let _ = writeln!(out, "\nSpread (min–max over the repetitions):\n");
    for &(system, label, _) in SYSTEMS
        .iter()
        .filter(|(s, _, _)| options.systems.contains(s))
    {
        let mut cells = Vec::new();
        for &m in &metrics {
            if let Some(values) = figures.get(&(system, m)) {
                let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                cells.push(format!("{} {}–{}", header(m), show(m, lo), show(m, hi)));
            }
        }
        let _ = writeln!(out, "- {label}: {}", cells.join("; "));
    }

    let _ = writeln!(out, "\nTargets for noex:\n");
    for line in targets(&metrics, &medians) {
        let _ = writeln!(out, "- {line}");
    }
    out
}

/// One line per target noex has, saying met or not with the figures.
fn targets(metrics: &[Metric], medians: &BTreeMap<(&str, Metric), f64>) -> Vec<String> {
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    let mut lines = Vec::new();
    for &m in metrics {
        let Some(&noex) = medians.get(&("noex", m)) else {
            continue;
        };
        let ratio = medians.get(&("tokio", m)).map(|&base| noex / base);
        let (goal, ok) = match (m, ratio) {
            (Metric::IdleBytes, _) => ("≤ 2 KiB per server".to_string(), Some(noex <= 2048.0)),
            (Metric::CallNs, Some(r)) => ("≤ 1.3× tokio".to_string(), Some(r <= 1.3)),
            (Metric::CastMps, Some(r)) => ("≥ 0.8× tokio".to_string(), Some(r >= 0.8)),
            (Metric::SpawnUs, Some(r)) => ("≤ 1.5× tokio".to_string(), Some(r <= 1.5)),
            (Metric::FanOutMps, Some(r)) => ("≥ 0.8× tokio".to_string(), Some(r >= 0.8)),
            (_, None) => ("(needs tokio in the run)".to_string(), None),
        };
        let ratio_text = ratio.map_or(String::new(), |r| format!(" = {r:.2}× tokio"));
        let mut line = format!("{} {goal}: noex {}{ratio_text}", header(m), show(m, noex));
        if let Some(ok) = ok {
            let _ = write!(line, " — {}", verdict(ok));
        }
        // Ahead of the peers measured.
        let behind: Vec<String> = ["ractor", "kameo", "actix"]
            .into_iter()
            .filter_map(|peer| {
                let &theirs = medians.get(&(peer, m))?;
                let ahead = if m.higher_is_better() {
                    noex > theirs
                } else {
                    noex < theirs
                };
                (!ahead).then(|| format!("{peer} {}", show(m, theirs)))
            })
            .collect();
        let peers: Vec<&str> = ["ractor", "kameo", "actix"]
            .into_iter()
            .filter(|peer| medians.contains_key(&(*peer, m)))
            .collect();
        if !peers.is_empty() {
            if behind.is_empty() {
                let _ = write!(line, "; ahead of {} — met", peers.join(", "));
            } else {
                let _ = write!(line, "; behind {} — NOT met", behind.join(", "));
            }
        }
        lines.push(line);
    }
    lines
}
