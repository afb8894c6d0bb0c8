//! The per-key sliding window: a short run of `(last, count)` entries in arrival order.
//!
//! Times are nanoseconds since the limiter's epoch, so the algorithm is plain integer
//! arithmetic and can be tested without a clock.
//!
//! # The invariant
//!
//! An entry groups requests admitted within less than `granularity` of the entry's first
//! request, and remembers only their count and the time of the *last* of them. The whole
//! entry stays counted until `last + window`. So each request stays counted for at least
//! `window` (never less: the limit can never be exceeded) and for less than
//! `window + granularity` (the price of grouping). With `granularity == 0` every entry
//! holds requests of one instant only and the window is the exact sliding log.
//!
//! # Why the number of entries is bounded
//!
//! A new entry starts only when the newest one began at least `granularity` ago, so the
//! first requests of the entries are at least `granularity` apart. A live entry has
//! `last > now - window`, hence `first > now - window - granularity`. Points spaced by
//! `g` within a half-open interval of length `window + g` number at most
//! `ceil((window + g) / g)`, which is at most `slots` when `g = ceil(window / (slots - 1))`.
//! With `granularity == 0` (used when `limit <= slots`), each entry counts at least one
//! live request, so there are at most `limit <= slots` of them.

use std::collections::VecDeque;
use std::time::Duration;

/// The limit of one limiter, shared by all its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    /// Requests admitted per window.
    pub(crate) limit: u32,
    /// The window, in nanoseconds.
    pub(crate) window: u64,
    /// How far apart requests may be and still share an entry; 0 = exact.
    pub(crate) granularity: u64,
}

impl Params {
    /// Parameters for `limit` requests per `window` with at most `slots` entries per key
    /// (`slots >= 2`, `limit >= 1`, `window > 0`: the config checks these).
    pub(crate) fn new(limit: u32, window: Duration, slots: u32) -> Params {
        let window = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
        let granularity = if limit <= slots {
            0
        } else {
            window.div_ceil(u64::from(slots.max(2) - 1))
        };
        Params {
            limit,
            window,
            granularity,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// When the last request of the entry was admitted.
    last: u64,
    /// How many requests the entry holds.
    count: u32,
}

/// What a key's window looks like at one instant, for a request of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Whether the `n` requests were (or would be) admitted.
    pub(crate) allowed: bool,
    /// Requests counted in the window (including the admitted ones).
    pub(crate) current: u32,
    /// Nanoseconds until `n` more requests (1 after an admitted consume) could be admitted.
    pub(crate) retry_after: u64,
    /// Nanoseconds until no request is counted any more.
    pub(crate) reset_after: u64,
}

impl Usage {
    /// The usage of a key that has no window (nothing counted).
    pub(crate) fn empty(params: &Params, n: u32) -> Usage {
        Usage {
            allowed: n <= params.limit,
            current: 0,
            retry_after: 0,
            reset_after: 0,
        }
    }
}

/// One key's window.
#[derive(Debug, Default)]
pub(crate) struct Window {
    entries: VecDeque<Entry>,
    /// When the first request of the newest entry was admitted.
    newest_first: u64,
    /// The sum of the entries' counts.
    total: u32,
}

impl Window {
    /// Drops the entries that no longer count at `now`.
    fn expire(&mut self, params: &Params, now: u64) {
        while let Some(front) = self.entries.front() {
            if front.last.saturating_add(params.window) > now {
                break;
            }
            self.total -= front.count;
            self.entries.pop_front();
        }
    }

    /// The entries still counted at `now` (those with `last + window > now`), oldest first.
    fn live(&self, params: &Params, now: u64) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .skip_while(move |e| e.last.saturating_add(params.window) <= now)
    }

    /// Nanoseconds from `now` until `n` requests fit, given the live entries (0 if they
    /// fit now). `n <= limit`.
    fn wait_for(&self, params: &Params, now: u64, n: u32) -> u64 {
        let counted: u64 = self.live(params, now).map(|e| u64::from(e.count)).sum();
        let excess = (counted + u64::from(n)).saturating_sub(u64::from(params.limit));
        if excess == 0 {
            return 0;
        }
        let mut freed = 0u64;
        for entry in self.live(params, now) {
            freed += u64::from(entry.count);
            if freed >= excess {
                return entry.last.saturating_add(params.window) - now;
            }
        }
        // Unreachable while n <= limit: expiring every entry frees `counted >= excess`.
        0
    }

    /// The usage at `now` for a request of `n`, without recording anything.
    pub(crate) fn check(&self, params: &Params, now: u64, n: u32) -> Usage {
        let current: u32 = self.live(params, now).map(|e| e.count).sum();
        let retry_after = self.wait_for(params, now, n);
        Usage {
            allowed: retry_after == 0,
            current,
            retry_after,
            reset_after: self.reset_after(params, now),
        }
    }

    /// Admits and records `n` requests at `now` if they fit (`n <= limit`); otherwise
    /// records nothing. Returns the usage either way (`allowed` tells which).
    pub(crate) fn consume(&mut self, params: &Params, now: u64, n: u32) -> Usage {
        self.expire(params, now);
        if u64::from(self.total) + u64::from(n) > u64::from(params.limit) {
            return self.check(params, now, n);
        }
        if n > 0 {
            match self.entries.back_mut() {
                Some(back)
                    if back.last == now
                        || now.saturating_sub(self.newest_first) < params.granularity =>
                {
                    back.last = now;
                    back.count += n;
                }
                _ => {
                    self.entries.push_back(Entry {
                        last: now,
                        count: n,
                    });
                    self.newest_first = now;
                }
            }
            self.total += n;
        }
        Usage {
            allowed: true,
            current: self.total,
            retry_after: self.wait_for(params, now, 1),
            reset_after: self.reset_after(params, now),
        }
    }

    /// Nanoseconds from `now` until nothing is counted.
    fn reset_after(&self, params: &Params, now: u64) -> u64 {
        self.entries.back().map_or(0, |b| {
            b.last.saturating_add(params.window).saturating_sub(now)
        })
    }

    /// When the last counted request stops counting (0 for an empty window): the key can
    /// be forgotten from then on without changing any decision.
    pub(crate) fn expires_at(&self, params: &Params) -> u64 {
        self.entries
            .back()
            .map_or(0, |b| b.last.saturating_add(params.window))
    }

    /// How many entries the window holds (at most `slots`).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
