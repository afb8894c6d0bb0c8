//! Throughput and overhead of the ready-made servers, each next to its floor measured in
//! the same run: a plain noex call round trip for the limiter, a bare `.await` for the
//! breaker. Every iteration runs a batch of 1000 operations on a current-thread tokio
//! runtime, so divan's items/s are operations per second.
//!
//! Run with `cargo bench -p noex-std --bench std_servers`.

use std::future::ready;
use std::hint::black_box;
use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use noex_std::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use noex_std::rate_limiter::{RateLimiter, RateLimiterConfig};
use noex_std::worker_pool::{WorkerPool, WorkerPoolConfig};
use tokio::runtime::Runtime;

const BATCH: usize = 1000;

fn main() {
    divan::main();
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no tokio runtime: {e}"))
}

fn batch<F: FnMut()>(bencher: Bencher<'_, '_>, mut f: F) {
    bencher.counter(ItemsCount::new(BATCH)).bench_local(&mut f);
}

mod rate_limiter {
    use super::*;

    fn start(rt: &Runtime) -> RateLimiter {
        // A limit no key reaches: every consume takes the admitting path.
        let config = RateLimiterConfig::new(u32::MAX, Duration::from_secs(60));
        rt.block_on(RateLimiter::start(config))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `consume` round trips, cycling over `keys` distinct keys (all created beforehand).
    #[divan::bench(args = [1, 100_000])]
    fn consume(bencher: Bencher<'_, '_>, keys: usize) {
        let rt = runtime();
        let limiter = start(&rt);
        let names: Vec<String> = (0..keys).map(|i| format!("user:{i}")).collect();
        rt.block_on(async {
            for name in &names {
                let _ = limiter.consume(name.as_str()).await;
            }
        });
        let mut next = 0;
        batch(bencher, || {
            rt.block_on(async {
                for _ in 0..BATCH {
                    let key = names[next % keys].clone();
                    next += 1;
                    black_box(limiter.consume(key).await.is_ok());
                }
            })
        });
    }

    /// The floor: a call round trip to the same server with a trivial handler.
    #[divan::bench]
    fn noex_call_floor(bencher: Bencher<'_, '_>) {
        let rt = runtime();
        let limiter = start(&rt);
        batch(bencher, || {
            rt.block_on(async {
                for _ in 0..BATCH {
                    black_box(limiter.stats().await.is_ok());
                }
            })
        });
    }
}

mod circuit_breaker {
    use super::*;

    /// The floor: awaiting a ready future directly.
    #[divan::bench]
    fn direct_await(bencher: Bencher<'_, '_>) {
        let rt = runtime();
        batch(bencher, || {
            rt.block_on(async {
                for i in 0..BATCH {
                    black_box(ready(Ok::<usize, ()>(black_box(i))).await.is_ok());
                }
            })
        });
    }

    /// 1000 `execute`s of a ready future.
    fn execute_batch(bencher: Bencher<'_, '_>, rt: &Runtime, breaker: &CircuitBreaker) {
        batch(bencher, || {
            rt.block_on(async {
                for i in 0..BATCH {
                    let call = ready(Ok::<usize, ()>(black_box(i)));
                    black_box(breaker.execute(call).await.is_ok());
                }
            })
        });
    }

    /// `execute` on a ready future while closed: the lock-free path.
    #[divan::bench]
    fn execute_closed(bencher: Bencher<'_, '_>) {
        let rt = runtime();
        let breaker = rt
            .block_on(CircuitBreaker::start(CircuitBreakerConfig::new()))
            .unwrap_or_else(|e| panic!("{e}"));
        execute_batch(bencher, &rt, &breaker);
    }

    /// `execute` while half-open: an admission call and an outcome call to the server
    /// each time, what every call would cost without the closed-state fast path.
    #[divan::bench]
    fn execute_half_open(bencher: Bencher<'_, '_>) {
        let rt = runtime();
        let config = CircuitBreakerConfig::new()
            .failure_threshold(1)
            .success_threshold(u32::MAX)
            .reset_timeout(Duration::from_nanos(1));
        let breaker = rt
            .block_on(async {
                let breaker = CircuitBreaker::start(config).await?;
                let _ = breaker.execute(ready(Err::<(), ()>(()))).await;
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok::<_, noex_core::StartError>(breaker)
            })
            .unwrap_or_else(|e| panic!("{e}"));
        execute_batch(bencher, &rt, &breaker);
    }
}

mod worker_pool {
    use super::*;

    /// Submit 1000 trivial jobs, then await all their results.
    #[divan::bench(args = [1, 2, 4])]
    fn throughput(bencher: Bencher<'_, '_>, workers: usize) {
        let rt = runtime();
        let config = WorkerPoolConfig::new(workers).queue_capacity(BATCH);
        let pool = rt
            .block_on(WorkerPool::start(config, |n: usize| async move { n * 2 }))
            .unwrap_or_else(|e| panic!("{e}"));
        batch(bencher, || {
            rt.block_on(async {
                let mut handles = Vec::with_capacity(BATCH);
                for i in 0..BATCH {
                    if let Ok(handle) = pool.submit(i).await {
                        handles.push(handle);
                    }
                }
                for handle in handles {
                    black_box(handle.await.is_ok());
                }
            })
        });
    }
}
