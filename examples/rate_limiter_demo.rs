//! The seeds' rate limiter demo: 10 requests per minute per user, 15 requests from one
//! user. The first 10 are processed, the rest are told when to retry; another user is
//! unaffected.
//!
//! Run with `cargo run --example rate_limiter_demo`.

use std::error::Error;
use std::time::Duration;

use noex_std::rate_limiter::{RateLimitError, RateLimiter, RateLimiterConfig};

async fn handle_request(limiter: &RateLimiter, user: &str) -> Result<String, Box<dyn Error>> {
    let key = format!("user:{user}");
    match limiter.consume(key).await {
        Ok(status) => Ok(format!(
            "processed (remaining {}/{})",
            status.remaining, status.limit
        )),
        Err(RateLimitError::Exceeded(status)) => Ok(format!(
            "rate limited: used {}/{}, retry after {:.1?}",
            status.current, status.limit, status.retry_after
        )),
        Err(other) => Err(other.into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let config = RateLimiterConfig::new(10, Duration::from_secs(60));
    let limiter = RateLimiter::start(config).await?;
    println!("rate limiter started: 10 requests per minute per user");

    let mut processed = 0;
    for i in 1..=15 {
        let response = handle_request(&limiter, "user123").await?;
        if response.starts_with("processed") {
            processed += 1;
        }
        println!("request {i:>2} from user123: {response}");
    }
    assert_eq!(processed, 10);

    // check and status never record a request.
    let other = limiter.check("user:user456").await?;
    println!(
        "user456 would be allowed: {} ({} remaining)",
        other.allowed, other.remaining
    );

    let status = limiter.status("user:user123").await?;
    println!(
        "final status of user123: allowed={} current={} limit={} remaining={} \
         retry_after={:.1?} reset_after={:.1?}",
        status.allowed,
        status.current,
        status.limit,
        status.remaining,
        status.retry_after,
        status.reset_after
    );

    limiter.reset("user:user123").await?;
    println!(
        "after reset: {}",
        handle_request(&limiter, "user123").await?
    );
    let stats = limiter.stats().await?;
    println!(
        "stats: {} keys, {} admitted, {} rejected",
        stats.keys, stats.admitted, stats.rejected
    );
    limiter.stop().await?;
    Ok(())
}
