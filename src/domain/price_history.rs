//! A bounded ring of recent prices sampled once per second, for sparklines.
//! Keeping the last price of each second bounds memory whatever the tick rate.

#[derive(Debug, Clone)]
pub struct PriceHistory {
    capacity: usize,
    /// Second (Unix) of the newest sample.
    newest_second: Option<i64>,
    /// Oldest first. A Vec rather than a ring so views can borrow one slice;
    /// shifting 60 floats once a second is cheaper than it sounds.
    prices: Vec<f64>,
}

impl PriceHistory {
    pub fn new(capacity: usize) -> Self {
        PriceHistory {
            capacity: capacity.max(1),
            newest_second: None,
            prices: Vec::with_capacity(capacity.max(1)),
        }
    }

    /// Records `price` at `ts_ms`: it replaces the sample of the same second,
    /// or starts a new one. Older timestamps than the newest are folded into it.
    pub fn record(&mut self, ts_ms: i64, price: f64) {
        let second = ts_ms.div_euclid(1000);
        match self.newest_second {
            Some(newest) if second <= newest => {
                if let Some(last) = self.prices.last_mut() {
                    *last = price;
                }
            }
            _ => {
                if self.prices.len() == self.capacity {
                    self.prices.remove(0);
                }
                self.prices.push(price);
                self.newest_second = Some(second);
            }
        }
    }

    /// Samples oldest first, as one contiguous slice.
    pub fn as_slice(&self) -> &[f64] {
        &self.prices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_last_price_of_each_second() {
        let mut h = PriceHistory::new(10);
        h.record(1_000, 1.0);
        h.record(1_500, 2.0);
        h.record(2_100, 3.0);
        assert_eq!(h.as_slice(), &[2.0, 3.0]);
    }

    #[test]
    fn drops_oldest_beyond_capacity() {
        let mut h = PriceHistory::new(3);
        for s in 0..5 {
            h.record(s * 1000, s as f64);
        }
        assert_eq!(h.as_slice(), &[2.0, 3.0, 4.0]);
    }

    #[test]
    fn late_sample_updates_newest_instead_of_reordering() {
        let mut h = PriceHistory::new(3);
        h.record(5_000, 1.0);
        h.record(4_000, 2.0);
        assert_eq!(h.as_slice(), &[2.0]);
    }
}
