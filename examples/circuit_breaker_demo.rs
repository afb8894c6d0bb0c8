//! The seeds' circuit breaker demo: an external API that fails for a while and then
//! recovers. After 3 failures the circuit opens and requests fail fast; after the reset
//! timeout probes go through, and 2 successful probes close it again.
//!
//! Run with `cargo run --example circuit_breaker_demo`.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use noex_std::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig, CircuitBreakerError};

/// The simulated API: its first 4 calls fail, later ones succeed.
async fn call_external_api(calls: &AtomicU32) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    if calls.fetch_add(1, Ordering::SeqCst) < 4 {
        Err("API unavailable".to_string())
    } else {
        Ok("data".to_string())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let config = CircuitBreakerConfig::new()
        .name("external-api")
        .failure_threshold(3)
        .success_threshold(2)
        .reset_timeout(Duration::from_millis(60));
    let breaker = CircuitBreaker::start(config).await?;
    let mut events = breaker.subscribe();
    let api_calls = Arc::new(AtomicU32::new(0));

    for i in 1..=12 {
        let calls = api_calls.clone();
        let outcome = breaker
            .execute(async move { call_external_api(&calls).await })
            .await;
        let line = match outcome {
            Ok(data) => format!("success: {data}"),
            Err(CircuitBreakerError::Open { retry_after }) => {
                format!("circuit open, failing fast (retry after {retry_after:.0?})")
            }
            Err(CircuitBreakerError::Failed(e)) => format!("failed: {e}"),
            Err(other) => format!("{other}"),
        };
        println!("request {i:>2} [{}]: {line}", breaker.state());
        while let Ok(event) = events.try_recv() {
            println!(
                "           circuit {}: {} -> {}",
                event.name, event.from, event.to
            );
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    let m = breaker.metrics();
    println!(
        "metrics: {} calls, {} successes, {} failures, {} rejected, {} transitions; now {}",
        m.calls, m.successes, m.failures, m.rejections, m.transitions, m.state
    );
    // Calls rejected while open never reached the API.
    println!(
        "the API itself was called {} times",
        api_calls.load(Ordering::SeqCst)
    );
    breaker.stop().await?;
    Ok(())
}
