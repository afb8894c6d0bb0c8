//! # noex-std
//!
//! Ready-made [noex](noex_core) servers to drop into an application:
//!
//! * [`RateLimiter`](rate_limiter::RateLimiter): per-key limits over a sliding window,
//!   exact in the sense that no key ever gets more than its limit within any
//!   window-length interval, with a small fixed state per key and idle-key eviction.
//! * [`CircuitBreaker`](circuit_breaker::CircuitBreaker): closed / open / half-open,
//!   with the protected calls running in the caller's task, not in the breaker.
//! * [`WorkerPool`](worker_pool::WorkerPool): supervised workers behind a bounded
//!   priority queue with backpressure; a crashed worker's job is reported, never lost.
//!
//! Each is a noex server (or a few) started from a validated configuration: an invalid
//! one fails the start with [`StartError::InvalidOptions`](noex_core::StartError)
//! saying what to fix. The handles they return are cheap to clone and implement
//! [`AsProcess`](noex_core::AsProcess), so they can be monitored and supervised.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod circuit_breaker;
pub mod rate_limiter;
pub mod worker_pool;

/// A subscription through a weak sender: the server holds the only strong sender, so a
/// receiver ends ([`RecvError::Closed`](tokio::sync::broadcast::error::RecvError)) when
/// the server is gone, whoever still holds a handle.
fn subscribe<T: Clone>(
    events: &tokio::sync::broadcast::WeakSender<T>,
) -> tokio::sync::broadcast::Receiver<T> {
    match events.upgrade() {
        Some(sender) => sender.subscribe(),
        None => tokio::sync::broadcast::channel(1).1,
    }
}

#[cfg(test)]
mod test_support;
