use std::time::Duration;

use crate::test_support::{assert_invalid, settle};
use proptest::prelude::*;
use tokio::time::advance;

use super::window::{Params, Window};
use super::{RateLimitError, RateLimiter, RateLimiterConfig, TieredRateLimiter};

const SECOND: Duration = Duration::from_secs(1);
const MS: Duration = Duration::from_millis(1);

async fn limiter(max: u32, window: Duration) -> RateLimiter {
    RateLimiter::start(RateLimiterConfig::new(max, window))
        .await
        .unwrap()
}

fn exceeded(result: Result<super::RateLimitStatus, RateLimitError>) -> super::RateLimitStatus {
    match result {
        Err(RateLimitError::Exceeded(status)) => status,
        other => panic!("expected Exceeded, got {other:?}"),
    }
}

// ---- window edges -------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_request_counts_until_exactly_one_window_later() {
    let limiter = limiter(2, SECOND).await;
    limiter.consume("k").await.unwrap();
    limiter.consume("k").await.unwrap();
    let status = exceeded(limiter.consume("k").await);
    assert_eq!(status.retry_after, SECOND);
    assert_eq!((status.current, status.remaining), (2, 0));

    advance(SECOND - Duration::from_nanos(1)).await;
    let status = exceeded(limiter.consume("k").await);
    assert_eq!(status.retry_after, Duration::from_nanos(1));

    advance(Duration::from_nanos(1)).await; // exactly at the boundary: both expired
    let status = limiter.consume("k").await.unwrap();
    assert_eq!((status.current, status.remaining), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn the_window_slides_request_by_request() {
    let limiter = limiter(2, SECOND).await;
    limiter.consume("k").await.unwrap(); // t = 0
    advance(500 * MS).await;
    limiter.consume("k").await.unwrap(); // t = 500 ms
    advance(500 * MS).await; // t = 1 s: the first expired, the second has 500 ms left
    let status = limiter.consume("k").await.unwrap();
    assert_eq!(status.current, 2);
    assert_eq!(status.retry_after, 500 * MS);
    assert_eq!(status.reset_after, SECOND);
    assert_eq!(exceeded(limiter.consume("k").await).retry_after, 500 * MS);
}

#[tokio::test(start_paused = true)]
async fn no_boundary_burst_as_with_fixed_windows() {
    // A fixed window would admit 10 at 0.9 s and 10 more at 1.1 s.
    let limiter = limiter(10, SECOND).await;
    advance(900 * MS).await;
    for _ in 0..10 {
        limiter.consume("k").await.unwrap();
    }
    advance(200 * MS).await;
    let status = exceeded(limiter.consume("k").await);
    assert_eq!(status.retry_after, 800 * MS);
}

// ---- what check, status and rejections do not do ----------------------------------------

#[tokio::test(start_paused = true)]
async fn check_and_status_record_nothing_and_create_no_key() {
    let limiter = limiter(3, SECOND).await;
    for _ in 0..10 {
        assert!(limiter.check("new").await.unwrap().allowed);
        assert_eq!(limiter.status("new").await.unwrap().current, 0);
    }
    assert_eq!(limiter.stats().await.unwrap().keys, 0);
    for remaining in [2, 1, 0] {
        assert_eq!(limiter.consume("new").await.unwrap().remaining, remaining);
    }
    let status = limiter.check("new").await.unwrap();
    assert!(!status.allowed);
    assert_eq!(status.current, 3);
    assert_eq!(limiter.stats().await.unwrap().admitted, 3);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_consume_is_not_recorded() {
    let limiter = limiter(1, SECOND).await;
    limiter.consume("k").await.unwrap(); // t = 0
    advance(500 * MS).await;
    for _ in 0..5 {
        exceeded(limiter.consume("k").await); // t = 500 ms: refused, not recorded
    }
    advance(500 * MS).await; // t = 1 s: only the admitted request had to expire
    limiter.consume("k").await.unwrap();
    assert_eq!(limiter.stats().await.unwrap().rejected, 5);
}

#[tokio::test(start_paused = true)]
async fn consume_n_is_all_or_nothing() {
    let limiter = limiter(5, SECOND).await;
    assert_eq!(limiter.consume_n("k", 3).await.unwrap().remaining, 2);
    let status = exceeded(limiter.consume_n("k", 3).await);
    assert_eq!((status.current, status.remaining), (3, 2));
    assert!(limiter.check_n("k", 2).await.unwrap().allowed);
    assert!(!limiter.check_n("k", 3).await.unwrap().allowed);
    assert_eq!(limiter.consume_n("k", 2).await.unwrap().remaining, 0);
    assert_eq!(
        limiter.consume_n("k", 6).await,
        Err(RateLimitError::TooLarge {
            requested: 6,
            limit: 5
        })
    );
    // n = 0 admits nothing and creates no key.
    assert!(limiter.consume_n("other", 0).await.unwrap().allowed);
    assert_eq!(limiter.stats().await.unwrap().keys, 1);
}

#[tokio::test(start_paused = true)]
async fn reset_forgets_a_key() {
    let limiter = limiter(1, SECOND).await;
    limiter.consume("k").await.unwrap();
    exceeded(limiter.consume("k").await);
    assert!(limiter.reset("k").await.unwrap());
    assert!(!limiter.reset("k").await.unwrap());
    limiter.consume("k").await.unwrap();
    exceeded(limiter.consume("k").await);
    assert_eq!(limiter.stats().await.unwrap().keys, 1);
}

// ---- large limits: bounded state, bounded conservatism --------------------------------

#[tokio::test(start_paused = true)]
async fn a_large_limit_is_conservative_by_less_than_one_granule() {
    // 1000 per second with 32 slots: granules of ceil(1 s / 31).
    let granule = Duration::from_nanos(1_000_000_000u64.div_ceil(31));
    let limiter = limiter(1000, SECOND).await;
    for _ in 0..1000 {
        limiter.consume("k").await.unwrap();
        advance(MS).await;
    }
    // t = 1 s: an exact log would admit (the request of t = 0 expired); the first
    // granule's last request (t = 32 ms) still counts it.
    let status = exceeded(limiter.consume("k").await);
    assert!(status.retry_after > Duration::ZERO && status.retry_after < granule);
    advance(status.retry_after).await;
    limiter.consume("k").await.unwrap();
}

#[test]
fn a_key_never_holds_more_than_slots_entries() {
    let params = Params::new(1_000_000, SECOND, 8);
    let mut window = Window::default();
    let mut now = 0;
    for i in 0..200_000u64 {
        now += 7_919 + (i % 13) * 101; // irregular arrivals, ~ 8.5 µs apart
        window.consume(&params, now, 1);
        assert!(window.len() <= 8, "{} entries at {now}", window.len());
    }
}

// ---- the no-burst property over random arrival times ----------------------------------

/// `(time, n)` pairs.
type Requests = Vec<(u64, u32)>;

/// Admitted and rejected requests of one random run.
fn run(params: &Params, arrivals: &[(u64, u32)]) -> (Requests, Requests) {
    let mut window = Window::default();
    let (mut admitted, mut rejected) = (Vec::new(), Vec::new());
    let mut now = 0;
    for &(gap, n) in arrivals {
        now += gap;
        let usage = window.consume(params, now, n);
        if usage.allowed {
            admitted.push((now, n));
        } else {
            rejected.push((now, n));
        }
    }
    (admitted, rejected)
}

fn weight_in(admitted: &[(u64, u32)], from: u64, to_exclusive: u64) -> u64 {
    admitted
        .iter()
        .filter(|(t, _)| *t >= from && *t < to_exclusive)
        .map(|(_, n)| u64::from(*n))
        .sum()
}

fn arrivals() -> impl Strategy<Value = Vec<(u64, u32)>> {
    prop::collection::vec((prop_oneof![Just(0u64), 0u64..40], 1u32..4), 1..300)
}

/// A limit (3..40 per window of 1..120 ns, 2..10 slots) and random arrivals.
fn scenario() -> impl Strategy<Value = (Params, Vec<(u64, u32)>)> {
    (3u32..40, 1u64..120, 2u32..10, arrivals()).prop_map(|(limit, window, slots, arrivals)| {
        (
            Params::new(limit, Duration::from_nanos(window), slots),
            arrivals,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// At no instant does a key have more than `limit` admitted within any
    /// window-length interval [t, t + window).
    #[test]
    fn never_more_than_the_limit_in_any_window((params, arrivals) in scenario()) {
        let (limit, window) = (params.limit, params.window);
        let (admitted, _) = run(&params, &arrivals);
        for &(t, _) in &admitted {
            let in_window = weight_in(&admitted, t, t + window);
            prop_assert!(in_window <= u64::from(limit), "{in_window} admitted in [{t}, {}) with limit {limit}", t + window);
        }
    }

    /// A request is refused only if more than `limit - n` requests were admitted within
    /// the last `window + granularity`: the price of small state is bounded.
    #[test]
    fn rejections_are_justified_within_one_granule((params, arrivals) in scenario()) {
        let (limit, window) = (params.limit, params.window);
        let (admitted, rejected) = run(&params, &arrivals);
        for &(t, n) in &rejected {
            let from = (t + 1).saturating_sub(window + params.granularity);
            let recent = weight_in(&admitted, from, t + 1);
            prop_assert!(recent + u64::from(n) > u64::from(limit),
                "refused {n} at {t} with only {recent} admitted since {from}");
        }
    }

    /// With `limit <= slots`, decisions are those of the exact sliding log.
    #[test]
    fn small_limits_are_the_exact_sliding_log(
        limit in 1u32..10,
        window in 1u64..120,
        arrivals in arrivals(),
    ) {
        let params = Params::new(limit, Duration::from_nanos(window), 10);
        prop_assert_eq!(params.granularity, 0);
        let mut ours = Window::default();
        let mut log: Vec<(u64, u32)> = Vec::new();
        let mut now = 0;
        for &(gap, n) in &arrivals {
            now += gap;
            let n = n.min(limit);
            let counted: u64 = log.iter().filter(|(t, _)| t + window > now).map(|(_, n)| u64::from(*n)).sum();
            let exact = counted + u64::from(n) <= u64::from(limit);
            if exact {
                log.push((now, n));
            }
            prop_assert_eq!(ours.consume(&params, now, n).allowed, exact, "at {}", now);
        }
    }
}

/// The same property through the server, on the paused clock.
#[test]
fn the_server_never_admits_a_burst() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(16));
    let strategy = prop::collection::vec(0u64..400, 1..150);
    let result = runner.run(&strategy, |gaps_ms| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let admitted = rt.block_on(async {
            let window = SECOND;
            let limiter = RateLimiter::start(RateLimiterConfig::new(40, window).slots(4))
                .await
                .unwrap();
            let start = tokio::time::Instant::now();
            let mut admitted = Vec::new();
            for gap in gaps_ms {
                advance(Duration::from_millis(gap / 8)).await;
                if limiter.consume("k").await.is_ok() {
                    admitted.push(start.elapsed());
                }
            }
            admitted
        });
        for (i, t) in admitted.iter().enumerate() {
            let within = admitted[i..]
                .iter()
                .take_while(|u| **u < *t + SECOND)
                .count();
            prop_assert!(within <= 40, "{within} admitted within a second of {t:?}");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---- eviction -------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn idle_keys_are_evicted() {
    let config = RateLimiterConfig::new(5, SECOND).sweep_interval(SECOND);
    let limiter = RateLimiter::start(config).await.unwrap();
    for i in 0..20_000 {
        limiter.consume(format!("user:{i}")).await.unwrap();
    }
    assert_eq!(limiter.stats().await.unwrap().keys, 20_000);
    // At t = 1 s every key's request has expired; the sweep there (10 000 a step)
    // continues at once until the backlog is gone.
    advance(SECOND).await;
    settle().await;
    let stats = limiter.stats().await.unwrap();
    assert_eq!((stats.keys, stats.evicted), (0, 20_000));
}

#[tokio::test(start_paused = true)]
async fn memory_stays_bounded_under_a_stream_of_new_keys() {
    let config = RateLimiterConfig::new(5, SECOND).sweep_interval(SECOND / 2);
    let limiter = RateLimiter::start(config).await.unwrap();
    let mut most = 0;
    // 100 new keys every 10 ms for 10 s: 100 000 distinct keys in all.
    for round in 0..1_000 {
        for i in 0..100 {
            limiter.consume(format!("{round}:{i}")).await.unwrap();
        }
        advance(10 * MS).await;
        most = most.max(limiter.stats().await.unwrap().keys);
    }
    // Keys live at most 2 windows + a sweep interval: 2.5 s of arrivals = 25 000.
    assert!(most <= 25_000, "{most} keys held at once");
    assert!(limiter.stats().await.unwrap().evicted >= 75_000);
}

#[tokio::test(start_paused = true)]
async fn sweeps_never_forget_a_key_that_still_counts() {
    let config = RateLimiterConfig::new(3, 10 * SECOND).sweep_interval(SECOND / 4);
    let limiter = RateLimiter::start(config).await.unwrap();
    for _ in 0..3 {
        limiter.consume("busy").await.unwrap();
        advance(4 * SECOND).await; // t = 4, 8, 12 s: sweeps run in between
    }
    // The requests of t = 4 and 8 s still count at t = 12 s.
    let status = limiter.status("busy").await.unwrap();
    assert_eq!(status.current, 2);
    assert_eq!(limiter.stats().await.unwrap().evicted, 0);
}

// ---- configuration ----------------------------------------------------------------------

#[tokio::test]
async fn invalid_configurations_say_what_to_fix() {
    let cases = [
        (RateLimiterConfig::new(0, SECOND), "max_requests is 0"),
        (RateLimiterConfig::new(1, Duration::ZERO), "window is 0"),
        (RateLimiterConfig::new(1, SECOND).slots(1), "slots is 1"),
        (
            RateLimiterConfig::new(1, SECOND).sweep_interval(Duration::ZERO),
            "sweep_interval is 0",
        ),
    ];
    for (config, expected) in cases {
        assert_invalid(RateLimiter::start(config).await, expected);
    }
}

// ---- tiers --------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn tiers_are_independent_budgets() {
    let tiers = TieredRateLimiter::builder()
        .tier("read", RateLimiterConfig::new(3, SECOND))
        .tier("write", RateLimiterConfig::new(1, SECOND))
        .start()
        .await
        .unwrap();
    tiers.consume("write", "u").await.unwrap();
    exceeded(tiers.consume("write", "u").await);
    for remaining in [2, 1, 0] {
        assert_eq!(
            tiers.consume("read", "u").await.unwrap().remaining,
            remaining
        );
    }
    assert_eq!(
        tiers.check("admin", "u").await,
        Err(RateLimitError::UnknownTier("admin".into()))
    );
    let mut names: Vec<_> = tiers.tier_names().collect();
    names.sort_unstable();
    assert_eq!(names, ["read", "write"]);
    assert!(tiers.stop().await.is_empty());
}

#[tokio::test]
async fn invalid_tiers_fail_the_start() {
    let twice = TieredRateLimiter::builder()
        .tier("read", RateLimiterConfig::new(3, SECOND))
        .tier("read", RateLimiterConfig::new(3, SECOND))
        .start()
        .await;
    assert_invalid(twice, "added twice");
    let zero = TieredRateLimiter::builder()
        .tier("admin", RateLimiterConfig::new(0, SECOND))
        .start()
        .await;
    assert_invalid(zero, "tier \"admin\": rate limiter: max_requests is 0");
    let none = TieredRateLimiter::builder().start().await;
    assert_invalid(none, "no tiers");
}
