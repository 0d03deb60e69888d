//! Latency samples of one measurement: an HDR histogram in nanoseconds, summarised as the mean, p50,
//! p99, p999 and the maximum in microseconds.

use hdrhistogram::Histogram;
use serde::Serialize;

/// Longest latency the histogram records exactly (longer ones are recorded as this): 10 minutes.
const LONGEST_NS: u64 = 600_000_000_000;

/// Latencies recorded by one worker, merged into one at the end of a measurement.
#[derive(Debug, Clone)]
pub struct Latencies(Histogram<u64>);

impl Latencies {
    /// An empty record, 3 significant digits from 1 ns to 10 minutes.
    pub fn new() -> Latencies {
        // Constant bounds that hdrhistogram accepts (low >= 1, high >= 2 * low, sigfig <= 5): this cannot fail.
        Latencies(Histogram::new_with_bounds(1, LONGEST_NS, 3).expect("1 ns to 10 min at 3 digits are valid bounds"))
    }

    /// Records one call's latency.
    pub fn record(&mut self, elapsed: std::time::Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX).clamp(1, LONGEST_NS);
        self.0.saturating_record(ns);
    }

    /// Adds another worker's record to this one.
    pub fn merge(&mut self, other: &Latencies) {
        // Both have the same bounds, so adding cannot fail; a failure would only lose samples.
        let _ = self.0.add(&other.0);
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The summary in microseconds (zeros when nothing was recorded).
    pub fn summary(&self) -> LatencySummary {
        if self.0.is_empty() {
            return LatencySummary::default();
        }
        let us = |ns: u64| ns as f64 / 1_000.0;
        LatencySummary {
            mean_us: self.0.mean() / 1_000.0,
            p50_us: us(self.0.value_at_quantile(0.50)),
            p99_us: us(self.0.value_at_quantile(0.99)),
            p999_us: us(self.0.value_at_quantile(0.999)),
            max_us: us(self.0.max()),
        }
    }
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies::new()
    }
}

/// A latency distribution in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// The mean.
    pub mean_us: f64,
    /// The median.
    pub p50_us: f64,
    /// The 99th percentile.
    pub p99_us: f64,
    /// The 99.9th percentile.
    pub p999_us: f64,
    /// The longest call.
    pub max_us: f64,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut a = Latencies::new();
        let mut b = Latencies::new();
        // 1..=1000 µs, split over two workers.
        for us in 1..=1000u64 {
            let target = if us % 2 == 0 { &mut a } else { &mut b };
            target.record(Duration::from_micros(us));
        }
        a.merge(&b);
        assert_eq!(a.count(), 1000);
        let s = a.summary();
        let near = |got: f64, want: f64| (got - want).abs() <= want * 0.002 + 0.01;
        assert!(near(s.p50_us, 500.0), "{s:?}");
        assert!(near(s.p99_us, 990.0), "{s:?}");
        assert!(near(s.p999_us, 999.0), "{s:?}");
        assert!(near(s.max_us, 1000.0), "{s:?}");
        assert!(near(s.mean_us, 500.5), "{s:?}");
    }

    #[test]
    fn nothing_recorded_is_all_zeros() {
        assert_eq!(Latencies::new().summary(), LatencySummary::default());
    }
}
