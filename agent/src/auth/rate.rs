//! Per-principal rate limit of actions: a token bucket per caller, holding
//! `per_minute` actions and refilling at that pace. Pure: time is passed in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Callers remembered at most; beyond it, callers whose bucket is full again
/// are forgotten (they are indistinguishable from new ones).
const MAX_CALLERS: usize = 10_000;

pub(crate) struct RateLimiter {
    per_minute: u32,
    buckets: HashMap<String, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_minute` 0 means no limit.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: HashMap::new(),
        }
    }

    /// Takes one action for `caller` at `now`; when none is left, how long
    /// until the next one is.
    pub fn take(&mut self, caller: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        if self.buckets.len() >= MAX_CALLERS && !self.buckets.contains_key(caller) {
            self.buckets
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity);
        }
        let bucket = self.buckets.entry(caller.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_pace() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(6);
        for _ in 0..6 {
            assert_eq!(limiter.take("ann", start), Ok(()));
        }
        let wait = limiter.take("ann", start).unwrap_err();
        assert_eq!(wait.as_secs(), 10, "{wait:?}");
        assert_eq!(limiter.take("bob", start), Ok(()), "callers are apart");
        assert!(limiter.take("ann", start + Duration::from_secs(9)).is_err());
        assert_eq!(limiter.take("ann", start + Duration::from_secs(10)), Ok(()));
        assert!(limiter.take("ann", start + Duration::from_secs(10)).is_err());
        let later = start + Duration::from_secs(600);
        for _ in 0..6 {
            assert_eq!(limiter.take("ann", later), Ok(()), "the bucket holds at most 6");
        }
        assert!(limiter.take("ann", later).is_err());
    }

    #[test]
    fn zero_means_no_limit_and_memory_is_bounded() {
        let now = Instant::now();
        let mut open = RateLimiter::new(0);
        assert!((0..1000).all(|_| open.take("ann", now).is_ok()));
        let mut limiter = RateLimiter::new(60);
        for i in 0..MAX_CALLERS + 5 {
            let _ = limiter.take(&format!("c{i}"), now + Duration::from_secs(i as u64));
        }
        assert!(limiter.buckets.len() <= MAX_CALLERS, "{}", limiter.buckets.len());
    }
}
