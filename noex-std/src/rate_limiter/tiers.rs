//! [`TieredRateLimiter`]: several named limits (read, write, admin), one limiter each.

use std::collections::HashMap;
use std::sync::Arc;

use noex_core::{StartError, StopError};

use super::{RateLimitError, RateLimitStatus, RateLimiter, RateLimiterConfig};

/// Named tiers of limits, each its own [`RateLimiter`] server, so tiers never wait for
/// one another. Keys are counted per tier: `"user:1"` has a read budget and a separate
/// write budget.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use noex_std::rate_limiter::{RateLimiterConfig, TieredRateLimiter};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let minute = Duration::from_secs(60);
/// let limits = TieredRateLimiter::builder()
///     .tier("read", RateLimiterConfig::new(1000, minute))
///     .tier("write", RateLimiterConfig::new(100, minute))
///     .tier("admin", RateLimiterConfig::new(10, minute))
///     .start()
///     .await?;
/// assert_eq!(limits.consume("admin", "user:1").await?.remaining, 9);
/// assert_eq!(limits.consume("read", "user:1").await?.remaining, 999);
/// assert!(limits.consume("billing", "user:1").await.is_err()); // no such tier
/// limits.stop().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TieredRateLimiter {
    tiers: Arc<HashMap<String, RateLimiter>>,
}

/// Builds a [`TieredRateLimiter`]; see [`TieredRateLimiter::builder`].
#[derive(Clone, Debug, Default)]
pub struct TieredRateLimiterBuilder {
    tiers: Vec<(String, RateLimiterConfig)>,
}

impl TieredRateLimiterBuilder {
    /// Adds a tier.
    pub fn tier(mut self, name: impl Into<String>, config: RateLimiterConfig) -> Self {
        self.tiers.push((name.into(), config));
        self
    }

    /// Validates every tier, then starts one limiter per tier.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidOptions`] for no tiers, an empty or duplicate name, or an
    /// invalid tier configuration (named in the text); a limiter's start error. Limiters
    /// already started are stopped again.
    pub async fn start(self) -> Result<TieredRateLimiter, StartError> {
        if self.tiers.is_empty() {
            return Err(StartError::InvalidOptions(
                "tiered rate limiter: no tiers; add at least one with .tier(name, config)".into(),
            ));
        }
        for (i, (name, config)) in self.tiers.iter().enumerate() {
            if name.is_empty() {
                return Err(StartError::InvalidOptions(
                    "tiered rate limiter: a tier name is empty; name every tier".into(),
                ));
            }
            if self.tiers[..i].iter().any(|(other, _)| other == name) {
                return Err(StartError::InvalidOptions(format!(
                    "tiered rate limiter: tier {name:?} is added twice; give each tier one config"
                )));
            }
            if let Err(StartError::InvalidOptions(text)) = config.validate() {
                return Err(StartError::InvalidOptions(format!("tier {name:?}: {text}")));
            }
        }
        let mut tiers = HashMap::with_capacity(self.tiers.len());
        for (name, config) in self.tiers {
            match RateLimiter::start(config).await {
                Ok(limiter) => {
                    tiers.insert(name, limiter);
                }
                Err(e) => {
                    stop_all(tiers.values()).await;
                    return Err(e);
                }
            }
        }
        Ok(TieredRateLimiter {
            tiers: Arc::new(tiers),
        })
    }
}

async fn stop_all<'a>(limiters: impl Iterator<Item = &'a RateLimiter>) {
    for limiter in limiters {
        let _ = limiter.stop().await;
    }
}

impl TieredRateLimiter {
    /// A builder with no tiers yet.
    pub fn builder() -> TieredRateLimiterBuilder {
        TieredRateLimiterBuilder::default()
    }

    /// The limiter of one tier.
    pub fn tier(&self, name: &str) -> Option<&RateLimiter> {
        self.tiers.get(name)
    }

    /// The tier names, in no particular order.
    pub fn tier_names(&self) -> impl Iterator<Item = &str> {
        self.tiers.keys().map(String::as_str)
    }

    fn get(&self, tier: &str) -> Result<&RateLimiter, RateLimitError> {
        self.tiers
            .get(tier)
            .ok_or_else(|| RateLimitError::UnknownTier(tier.to_string()))
    }

    /// [`RateLimiter::check`] in `tier`.
    ///
    /// # Errors
    ///
    /// [`RateLimitError::UnknownTier`], or [`RateLimitError::Call`].
    pub async fn check(
        &self,
        tier: &str,
        key: impl Into<String>,
    ) -> Result<RateLimitStatus, RateLimitError> {
        Ok(self.get(tier)?.check(key).await?)
    }

    /// [`RateLimiter::consume`] in `tier`.
    ///
    /// # Errors
    ///
    /// [`RateLimitError::UnknownTier`], or as [`RateLimiter::consume`].
    pub async fn consume(
        &self,
        tier: &str,
        key: impl Into<String>,
    ) -> Result<RateLimitStatus, RateLimitError> {
        self.get(tier)?.consume(key).await
    }

    /// [`RateLimiter::reset`] in `tier`.
    ///
    /// # Errors
    ///
    /// [`RateLimitError::UnknownTier`], or [`RateLimitError::Call`].
    pub async fn reset(&self, tier: &str, key: impl Into<String>) -> Result<bool, RateLimitError> {
        Ok(self.get(tier)?.reset(key).await?)
    }

    /// Stops every tier's limiter; returns the errors of those already stopped.
    pub async fn stop(&self) -> Vec<StopError> {
        let mut errors = Vec::new();
        for limiter in self.tiers.values() {
            if let Err(e) = limiter.stop().await {
                errors.push(e);
            }
        }
        errors
    }
}
