//! The logger from the guide's `cast()` section: fire-and-forget writes, then one call to
//! read. Casts from one sender are handled in the order they were sent, so the call sees
//! every log line cast before it.
//!
//! Run with `cargo run --example logger`.

use noex_core::prelude::*;

/// How serious a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Routine.
    Info,
    /// Worth a look.
    Warn,
    /// Something failed.
    Error,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its level.
    pub level: Level,
    /// Its text.
    pub message: String,
}

/// The logger's protocol: writes are casts, reads are calls.
#[derive(Debug, Messages)]
pub enum LoggerMsg {
    /// Appends a line (fire-and-forget).
    #[cast]
    Log { level: Level, message: String },
    /// Writes the lines out and forgets them (fire-and-forget).
    #[cast]
    Flush,
    /// The lines kept so far.
    #[call(reply = Vec<Entry>)]
    Logs,
    /// How many lines were flushed so far.
    #[call(reply = usize)]
    Flushed,
}

/// The logger's state.
#[gen_server(messages = LoggerMsg)]
#[derive(Default)]
pub struct Logger {
    logs: Vec<Entry>,
    flushed: usize,
}

impl LoggerHandler for Logger {
    async fn log(&mut self, level: Level, message: String, _ctx: &mut Ctx<Self>) {
        self.logs.push(Entry { level, message });
    }

    async fn flush(&mut self, _ctx: &mut Ctx<Self>) {
        println!("flushing {} log lines", self.logs.len());
        for entry in &self.logs {
            println!("  [{:?}] {}", entry.level, entry.message);
        }
        self.flushed += self.logs.len();
        self.logs.clear();
    }

    async fn logs(&mut self, _ctx: &mut Ctx<Self>) -> Vec<Entry> {
        self.logs.clone()
    }

    async fn flushed(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.flushed
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let logger = Logger::default().start().await?;

    // Casts return at once; the logger handles them in order.
    logger.log(Level::Info, "server started".into())?;
    logger.log(Level::Warn, "high memory usage".into())?;
    logger.log(Level::Error, "disk almost full".into())?;
    println!("cast 3 log lines");

    // The call is queued behind the casts, so it sees all three.
    let logs = logger.logs().await?;
    println!("logs() -> {} lines", logs.len());
    assert_eq!(logs.len(), 3);
    assert_eq!(logs[1].level, Level::Warn);

    logger.flush()?;
    assert_eq!(logger.flushed().await?, 3);
    assert!(logger.logs().await?.is_empty());
    println!("after flush: {} lines kept", logger.logs().await?.len());

    logger.stop().await?;
    Ok(())
}
