//! Points in time on the command line: an age such as `30d`, `12h` or `2w` (that long before now),
//! an RFC 3339 time, or a date (its midnight, UTC).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// `value` as a time: `now` minus an age (`90d`, `12h`, `1w 2d`), an RFC 3339 time, or a
/// `YYYY-MM-DD` date (midnight UTC at its start).
pub fn parse_when(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    let age = humantime::parse_duration(value).map_err(|e| {
        format!(
            "{value:?} is neither an age such as 30d, 12h or 2w, nor a date such as 2026-11-01, nor an RFC 3339 \
             time such as 2026-11-27T09:30:00Z ({e})"
        )
    })?;
    TimeDelta::from_std(age)
        .ok()
        .and_then(|age| now.checked_sub_signed(age))
        .ok_or_else(|| format!("{value:?} reaches back too far"))
}

/// `value` as an age (`90d`, `12h`, `1w 2d`).
pub fn parse_age(value: &str) -> Result<TimeDelta, String> {
    let age = humantime::parse_duration(value.trim())
        .map_err(|e| format!("{value:?} is not an age such as 90d, 12h or 2w ({e})"))?;
    TimeDelta::from_std(age).map_err(|_| format!("{value:?} is too long"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ages_and_times_are_read() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().expect("valid");
        assert_eq!(parse_when("30d", now), Ok(now - TimeDelta::days(30)));
        assert_eq!(parse_when(" 12h ", now), Ok(now - TimeDelta::hours(12)));
        assert_eq!(parse_when("1w 2d", now), Ok(now - TimeDelta::days(9)));
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).single().expect("valid");
        assert_eq!(parse_when("2026-11-01T09:00:00+01:00", now), Ok(t));
        let midnight = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().expect("valid");
        assert_eq!(parse_when("2026-11-01", now), Ok(midnight));
        assert!(parse_when("2026-13-01", now).is_err());
        assert!(parse_when("yesterday", now).unwrap_err().contains("neither an age"));
        assert!(parse_when("100000000000d", now).is_err());
    }
}
