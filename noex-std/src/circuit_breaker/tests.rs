use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::test_support::{assert_invalid, settle};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, advance, sleep};

use super::{
    CircuitBreaker, CircuitBreakerConfig, CircuitBreakerError, CircuitEvent, CircuitState,
};

const MS: Duration = Duration::from_millis(1);
const RESET: Duration = Duration::from_secs(10);

type Outcome = Result<u32, CircuitBreakerError<String>>;

async fn breaker(config: CircuitBreakerConfig) -> CircuitBreaker {
    CircuitBreaker::start(config.reset_timeout(RESET))
        .await
        .unwrap()
}

async fn ok(b: &CircuitBreaker) -> Outcome {
    b.execute(async { Ok::<u32, String>(1) }).await
}

async fn fail(b: &CircuitBreaker) -> Outcome {
    b.execute(async { Err::<u32, String>("down".into()) }).await
}

/// A call that takes `d` (on the tokio clock) and then returns `result`.
async fn slow(b: &CircuitBreaker, d: Duration, result: Result<u32, String>) -> Outcome {
    b.execute(async move {
        sleep(d).await;
        result
    })
    .await
}

async fn open_it(b: &CircuitBreaker, threshold: u32) {
    for _ in 0..threshold {
        assert!(matches!(fail(b).await, Err(CircuitBreakerError::Failed(_))));
    }
    assert_eq!(b.state(), CircuitState::Open);
}

async fn half_open_it(b: &CircuitBreaker, threshold: u32) {
    open_it(b, threshold).await;
    advance(RESET).await;
    settle().await;
    assert_eq!(b.state(), CircuitState::HalfOpen);
}

fn events(
    rx: &mut tokio::sync::broadcast::Receiver<CircuitEvent>,
) -> Vec<(CircuitState, CircuitState)> {
    std::iter::from_fn(|| rx.try_recv().ok())
        .map(|e| (e.from, e.to))
        .collect()
}

// ---- transitions in every direction ---------------------------------------------------

#[tokio::test(start_paused = true)]
async fn closed_to_open_after_consecutive_failures_only() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(3)).await;
    assert_eq!(ok(&b).await, Ok(1));
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    ok(&b).await.unwrap(); // a success resets the count
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(b.metrics().closed_failures, 2);
    fail(&b).await.unwrap_err(); // the third in a row: open before execute returns
    assert_eq!(b.state(), CircuitState::Open);
}

#[tokio::test(start_paused = true)]
async fn open_rejects_without_polling_the_call() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    open_it(&b, 1).await;
    let polled = Arc::new(AtomicU32::new(0));
    advance(4 * Duration::from_secs(1)).await;
    let p = polled.clone();
    let result = b
        .execute(async move {
            p.fetch_add(1, Ordering::SeqCst);
            Ok::<u32, String>(1)
        })
        .await;
    assert_eq!(
        result,
        Err(CircuitBreakerError::Open {
            retry_after: Duration::from_secs(6)
        })
    );
    assert_eq!(polled.load(Ordering::SeqCst), 0);
    assert_eq!(b.metrics().rejections, 1);
}

#[tokio::test(start_paused = true)]
async fn open_to_half_open_when_the_reset_timeout_ends() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    let mut rx = b.subscribe();
    open_it(&b, 1).await;
    advance(RESET - MS).await;
    settle().await;
    assert_eq!(b.state(), CircuitState::Open);
    advance(MS).await;
    settle().await;
    assert_eq!(b.state(), CircuitState::HalfOpen);
    assert_eq!(
        events(&mut rx),
        [
            (CircuitState::Closed, CircuitState::Open),
            (CircuitState::Open, CircuitState::HalfOpen)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn half_open_to_closed_after_enough_probe_successes() {
    let config = CircuitBreakerConfig::new()
        .failure_threshold(1)
        .success_threshold(2);
    let b = breaker(config).await;
    half_open_it(&b, 1).await;
    let mut rx = b.subscribe();
    ok(&b).await.unwrap();
    assert_eq!(b.state(), CircuitState::HalfOpen);
    ok(&b).await.unwrap();
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(
        events(&mut rx),
        [(CircuitState::HalfOpen, CircuitState::Closed)]
    );
    assert_eq!(b.metrics().closed_failures, 0);
}

#[tokio::test(start_paused = true)]
async fn half_open_to_open_on_a_probe_failure() {
    let b = breaker(
        CircuitBreakerConfig::new()
            .failure_threshold(1)
            .success_threshold(3),
    )
    .await;
    half_open_it(&b, 1).await;
    ok(&b).await.unwrap();
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), CircuitState::Open);
    assert_eq!(
        ok(&b).await,
        Err(CircuitBreakerError::Open { retry_after: RESET })
    );
}

#[tokio::test(start_paused = true)]
async fn a_late_call_after_the_deadline_half_opens_without_the_timer() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    open_it(&b, 1).await;
    advance(RESET).await; // the timer message may not have been handled yet
    assert_eq!(ok(&b).await, Ok(1)); // admitted as a probe, which closes the circuit
    assert_eq!(b.state(), CircuitState::Closed);
}

#[tokio::test(start_paused = true)]
async fn reset_closes_from_open_and_from_half_open() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    open_it(&b, 1).await;
    b.reset().await.unwrap();
    assert_eq!(b.state(), CircuitState::Closed);
    half_open_it(&b, 1).await;
    b.reset().await.unwrap();
    assert_eq!(b.state(), CircuitState::Closed);
    // The cancelled open timer of the first cycle does not half-open the closed circuit.
    advance(RESET).await;
    settle().await;
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(b.metrics().transitions, 5);
}

// ---- concurrency --------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn concurrent_calls_run_in_the_callers_tasks() {
    let b = breaker(CircuitBreakerConfig::new()).await;
    let start = Instant::now();
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let b = b.clone();
            tokio::spawn(async move { slow(&b, 50 * MS, Ok(i)).await })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(call.await.unwrap(), Ok(i as u32));
    }
    let elapsed = start.elapsed();
    assert!(elapsed >= 50 * MS && elapsed < 55 * MS, "took {elapsed:?}");
    assert_eq!(b.metrics().successes, 100);
}

#[tokio::test(start_paused = true)]
async fn exactly_max_probes_are_admitted_in_half_open() {
    let config = CircuitBreakerConfig::new()
        .failure_threshold(1)
        .half_open_max_calls(3)
        .success_threshold(10);
    let b = breaker(config).await;
    half_open_it(&b, 1).await;
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let b = b.clone();
            tokio::spawn(async move { slow(&b, 100 * MS, Ok(7)).await })
        })
        .collect();
    let mut admitted = 0;
    let mut full = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(7) => admitted += 1,
            Err(CircuitBreakerError::HalfOpenFull) => full += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((admitted, full), (3, 47));
    // The three finished: three more may probe.
    assert_eq!(ok(&b).await, Ok(1));
    assert_eq!(b.state(), CircuitState::HalfOpen);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_probe_returns_its_permit() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    half_open_it(&b, 1).await;
    let stuck = {
        let b = b.clone();
        tokio::spawn(async move { b.execute(pending::<Result<u32, String>>()).await })
    };
    settle().await;
    assert_eq!(ok(&b).await, Err(CircuitBreakerError::HalfOpenFull));
    stuck.abort(); // the caller gives up mid-call
    let _ = stuck.await;
    assert_eq!(ok(&b).await, Ok(1)); // the slot was freed; this probe closes the circuit
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(b.metrics().abandoned, 1);
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_call_is_dropped_and_counted_as_a_failure() {
    let config = CircuitBreakerConfig::new()
        .failure_threshold(1)
        .call_timeout(100 * MS);
    let b = breaker(config).await;
    let start = Instant::now();
    let result = slow(&b, Duration::from_secs(60), Ok(1)).await;
    assert_eq!(result, Err(CircuitBreakerError::Timeout(100 * MS)));
    assert_eq!(start.elapsed(), 100 * MS);
    assert_eq!(b.state(), CircuitState::Open);
    let m = b.metrics();
    assert_eq!((m.timeouts, m.failures), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_call_counts_as_a_failure() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    let task = {
        let b = b.clone();
        tokio::spawn(async move {
            b.execute(async {
                if true {
                    panic!("boom");
                }
                Ok::<u32, String>(1)
            })
            .await
        })
    };
    assert!(task.await.unwrap_err().is_panic());
    settle().await; // the trip was cast from the destructor
    assert_eq!(b.state(), CircuitState::Open);
}

// ---- generations: late results of an earlier cycle change nothing ---------------------

#[tokio::test(start_paused = true)]
async fn a_probe_that_outlives_a_reset_cannot_reopen() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    half_open_it(&b, 1).await;
    let probe = {
        let b = b.clone();
        tokio::spawn(async move { slow(&b, Duration::from_secs(1), Err("late".into())).await })
    };
    settle().await;
    b.reset().await.unwrap();
    assert!(matches!(
        probe.await.unwrap(),
        Err(CircuitBreakerError::Failed(_))
    ));
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(b.metrics().closed_failures, 0);
}

#[tokio::test(start_paused = true)]
async fn a_closed_call_that_ends_in_half_open_cannot_close() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(1)).await;
    let late = {
        let b = b.clone();
        tokio::spawn(async move { slow(&b, RESET + Duration::from_secs(1), Ok(1)).await })
    };
    settle().await; // admitted while closed
    half_open_it(&b, 1).await;
    assert_eq!(late.await.unwrap(), Ok(1));
    // Had it counted as a probe success, the circuit would be closed.
    assert_eq!(b.state(), CircuitState::HalfOpen);
}

#[tokio::test(start_paused = true)]
async fn a_closed_failure_that_ends_after_a_reset_does_not_count() {
    let b = breaker(CircuitBreakerConfig::new().failure_threshold(2)).await;
    let late = {
        let b = b.clone();
        tokio::spawn(async move { slow(&b, Duration::from_secs(1), Err("late".into())).await })
    };
    settle().await;
    b.reset().await.unwrap();
    late.await.unwrap().unwrap_err();
    fail(&b).await.unwrap_err();
    // Only one failure of the new generation: still closed.
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(b.metrics().closed_failures, 1);
}

// ---- what counts as a failure -------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum ApiError {
    NotFound,
    Unavailable,
}

#[tokio::test(start_paused = true)]
async fn the_predicate_decides_which_errors_count() {
    let config = CircuitBreakerConfig::new()
        .failure_threshold(2)
        .is_failure(|e: &ApiError| *e == ApiError::Unavailable);
    let b = breaker(config).await;
    for _ in 0..5 {
        let r = b.execute(async { Err::<(), _>(ApiError::NotFound) }).await;
        assert_eq!(r.unwrap_err().into_inner(), Some(ApiError::NotFound));
    }
    assert_eq!(b.state(), CircuitState::Closed);
    for _ in 0..2 {
        let _ = b
            .execute(async { Err::<(), _>(ApiError::Unavailable) })
            .await;
    }
    assert_eq!(b.state(), CircuitState::Open);
    let m = b.metrics();
    assert_eq!((m.successes, m.failures), (5, 2));
}

#[tokio::test(start_paused = true)]
async fn rate_mode_opens_on_the_failure_rate_of_the_last_calls() {
    let b = breaker(CircuitBreakerConfig::new().failure_rate(0.5, 10, 5)).await;
    for _ in 0..4 {
        fail(&b).await.unwrap_err(); // 4 of 4 failed, but fewer than min_calls
    }
    assert_eq!(b.state(), CircuitState::Closed);
    b.reset().await.unwrap();
    // Alternating: 2/5 = 40 % after five calls, then 3/6 = 50 % opens.
    for i in 0..5 {
        let _ = if i % 2 == 0 {
            ok(&b).await
        } else {
            fail(&b).await
        };
    }
    assert_eq!(b.state(), CircuitState::Closed);
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), CircuitState::Open);
}

#[tokio::test(start_paused = true)]
async fn rate_mode_forgets_calls_older_than_the_window() {
    let b = breaker(CircuitBreakerConfig::new().failure_rate(0.5, 4, 4)).await;
    fail(&b).await.unwrap_err();
    for _ in 0..4 {
        ok(&b).await.unwrap(); // the failure slides out of the window of 4
    }
    fail(&b).await.unwrap_err(); // 1 of the last 4
    assert_eq!(b.state(), CircuitState::Closed);
    // 2 of the last 4 = 50 % opens; counted over all 7 calls it would be 3/7 < 50 %.
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), CircuitState::Open);
}

// ---- lifecycle and configuration ----------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_stopped_or_killed_breaker_makes_no_calls() {
    let b = breaker(CircuitBreakerConfig::new()).await;
    let mut rx = b.subscribe();
    b.stop().await.unwrap();
    assert!(matches!(
        ok(&b).await,
        Err(CircuitBreakerError::Unavailable(_))
    ));
    // Subscriptions end with the server, though handles remain.
    assert_eq!(rx.recv().await, Err(RecvError::Closed));
    assert_eq!(b.subscribe().recv().await, Err(RecvError::Closed));

    let b = breaker(CircuitBreakerConfig::new()).await;
    b.server.kill().await; // no terminate: the state is dropped all the same
    assert!(matches!(
        ok(&b).await,
        Err(CircuitBreakerError::Unavailable(_))
    ));
}

#[tokio::test]
async fn invalid_configurations_say_what_to_fix() {
    let cases = [
        (
            CircuitBreakerConfig::new().failure_threshold(0),
            "failure_threshold is 0",
        ),
        (
            CircuitBreakerConfig::new().success_threshold(0),
            "success_threshold is 0",
        ),
        (
            CircuitBreakerConfig::new().reset_timeout(Duration::ZERO),
            "reset_timeout is 0",
        ),
        (
            CircuitBreakerConfig::new().half_open_max_calls(0),
            "half_open_max_calls is 0",
        ),
        (
            CircuitBreakerConfig::new().call_timeout(Duration::ZERO),
            "call_timeout is 0",
        ),
        (
            CircuitBreakerConfig::new().failure_rate(0.0, 10, 5),
            "threshold is 0",
        ),
        (
            CircuitBreakerConfig::new().failure_rate(1.5, 10, 5),
            "threshold is 1.5",
        ),
        (
            CircuitBreakerConfig::new().failure_rate(0.5, 0, 0),
            "window is 0",
        ),
        (
            CircuitBreakerConfig::new().failure_rate(0.5, 10, 11),
            "min_calls is 11",
        ),
    ];
    for (config, expected) in cases {
        assert_invalid(CircuitBreaker::start(config).await, expected);
    }
}
