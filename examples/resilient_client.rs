//! The seeds' resilient client: rate limiting and a circuit breaker in front of an
//! unreliable backend. The limiter is consulted first (a refused request never reaches
//! the breaker), then the call runs through the breaker.
//!
//! The client is a plain struct holding two server handles, not a server of its own: the
//! backend calls run in the callers' tasks, so concurrent requests stay concurrent.
//!
//! Run with `cargo run --example resilient_client`.

use std::error::Error;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use noex_std::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig, CircuitBreakerError};
use noex_std::rate_limiter::{RateLimitError, RateLimiter, RateLimiterConfig};

/// Why a request failed.
#[derive(Debug)]
enum ClientError {
    RateLimited(Duration),
    CircuitOpen(Duration),
    Backend(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::RateLimited(d) => write!(f, "rate limited, retry after {d:.0?}"),
            ClientError::CircuitOpen(d) => write!(f, "circuit open, retry after {d:.0?}"),
            ClientError::Backend(e) => write!(f, "backend error: {e}"),
        }
    }
}

#[derive(Clone)]
struct ResilientClient {
    limiter: RateLimiter,
    breaker: CircuitBreaker,
}

impl ResilientClient {
    async fn request<T, F>(&self, key: &str, call: F) -> Result<T, ClientError>
    where
        F: Future<Output = Result<T, String>>,
    {
        match self.limiter.consume(key).await {
            Ok(_) => {}
            Err(RateLimitError::Exceeded(status)) => {
                return Err(ClientError::RateLimited(status.retry_after));
            }
            Err(other) => return Err(ClientError::Backend(other.to_string())),
        }
        self.breaker.execute(call).await.map_err(|e| match e {
            CircuitBreakerError::Open { retry_after } => ClientError::CircuitOpen(retry_after),
            CircuitBreakerError::Failed(e) => ClientError::Backend(e),
            other => ClientError::Backend(other.to_string()),
        })
    }
}

/// The backend: answers while `up`, fails otherwise.
async fn backend(up: Arc<AtomicBool>, n: u32) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    if up.load(Ordering::SeqCst) {
        Ok(format!("answer {n}"))
    } else {
        Err("backend unavailable".to_string())
    }
}

fn show<T: std::fmt::Debug>(label: &str, result: &Result<T, ClientError>) {
    match result {
        Ok(v) => println!("{label}: ok {v:?}"),
        Err(e) => println!("{label}: {e}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let client = ResilientClient {
        limiter: RateLimiter::start(RateLimiterConfig::new(5, Duration::from_millis(200))).await?,
        breaker: CircuitBreaker::start(
            CircuitBreakerConfig::new()
                .name("backend")
                .failure_threshold(3)
                .reset_timeout(Duration::from_millis(100)),
        )
        .await?,
    };
    let up = Arc::new(AtomicBool::new(true));
    println!("limit: 5 requests per 200 ms per user; breaker: opens after 3 failures");

    // 1. Six concurrent requests from alice: five pass, the sixth is rate limited.
    let requests: Vec<_> = (0..6)
        .map(|n| {
            let (client, up) = (client.clone(), up.clone());
            tokio::spawn(async move { client.request("alice", backend(up, n)).await })
        })
        .collect();
    let mut limited = 0;
    for (n, request) in requests.into_iter().enumerate() {
        let result = request.await?;
        limited += usize::from(matches!(result, Err(ClientError::RateLimited(_))));
        show(&format!("alice #{n}"), &result);
    }
    assert_eq!(limited, 1);

    // 2. The backend goes down: bob's failures open the circuit, then it fails fast.
    up.store(false, Ordering::SeqCst);
    for n in 0..5 {
        let result = client.request("bob", backend(up.clone(), n)).await;
        show(&format!("bob #{n} (backend down)"), &result);
    }
    println!("circuit is now {}", client.breaker.state());

    // 3. The backend recovers; after the reset timeout a probe closes the circuit.
    up.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(110)).await;
    let result = client.request("carol", backend(up.clone(), 0)).await;
    show("carol (after recovery)", &result);
    println!("circuit is now {}", client.breaker.state());

    client.limiter.stop().await?;
    client.breaker.stop().await?;
    Ok(())
}
