//! The seeds' multi-tier rate limiting: different limits for reads, writes and admin
//! operations, each tier its own limiter server.
//!
//! Run with `cargo run --example tiered_rate_limiter`.

use std::error::Error;
use std::time::Duration;

use noex_std::rate_limiter::{RateLimitError, RateLimiterConfig, TieredRateLimiter};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let minute = Duration::from_secs(60);
    let limits = TieredRateLimiter::builder()
        .tier("read", RateLimiterConfig::new(1000, minute))
        .tier("write", RateLimiterConfig::new(100, minute))
        .tier("admin", RateLimiterConfig::new(10, minute))
        .start()
        .await?;
    println!("tiers: read 1000/min, write 100/min, admin 10/min");

    for tier in ["read", "write", "admin"] {
        let status = limits.consume(tier, "user:123").await?;
        println!(
            "{tier:<5} request for user:123 -> allowed, {}/{} remaining",
            status.remaining, status.limit
        );
    }

    // Admin operations run out first; reads and writes are separate budgets.
    let mut admitted = 1;
    let refusal = loop {
        match limits.consume("admin", "user:123").await {
            Ok(_) => admitted += 1,
            Err(RateLimitError::Exceeded(status)) => break status,
            Err(other) => return Err(other.into()),
        }
    };
    println!(
        "admin: {admitted} admitted, then refused (retry after {:.0?})",
        refusal.retry_after
    );
    assert_eq!(admitted, 10);
    let read = limits.check("read", "user:123").await?;
    println!(
        "read still allowed: {} ({} remaining)",
        read.allowed, read.remaining
    );

    match limits.consume("billing", "user:123").await {
        Err(RateLimitError::UnknownTier(name)) => println!("tier {name:?}: no such tier"),
        other => return Err(format!("expected an unknown tier, got {other:?}").into()),
    }

    let errors = limits.stop().await;
    println!("stopped all tiers ({} errors)", errors.len());
    Ok(())
}
