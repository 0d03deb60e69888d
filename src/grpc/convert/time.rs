//! Protobuf timestamps and times, both ways; a timestamp out of range is refused with why.

use chrono::{DateTime, Utc};
use prost_types::Timestamp;

/// A protobuf timestamp for a time.
pub fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp { seconds: at.timestamp(), nanos: at.timestamp_subsec_nanos() as i32 }
}

/// The time of a protobuf timestamp, or why it is not one.
pub fn from_timestamp(ts: &Timestamp) -> Result<DateTime<Utc>, String> {
    if !(0..1_000_000_000).contains(&ts.nanos) {
        return Err(format!("nanos must be in 0..999999999, got {}", ts.nanos));
    }
    DateTime::from_timestamp(ts.seconds, ts.nanos as u32)
        .ok_or_else(|| format!("{} seconds is out of range", ts.seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_bad_ones_are_refused() {
        let at = DateTime::from_timestamp(1_795_000_000, 123_456_000).expect("valid");
        assert_eq!(from_timestamp(&timestamp(at)), Ok(at));
        assert!(from_timestamp(&Timestamp { seconds: 0, nanos: -1 }).is_err());
        assert!(from_timestamp(&Timestamp { seconds: i64::MAX, nanos: 0 }).is_err());
    }
}
