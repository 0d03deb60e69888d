//! Points in time on the command line: an age such as `30d`, `12h` or `2w` (that long before now),
//! or an RFC 3339 time.

use chrono::{DateTime, TimeDelta, Utc};

/// `value` as a time: `now` minus an age (`90d`, `12h`, `1w 2d`), or an RFC 3339 time.
pub fn parse_when(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let age = humantime::parse_duration(value).map_err(|e| {
        format!(
            "{value:?} is neither an age such as 30d, 12h or 2w nor an RFC 3339 time such as 2026-11-27T09:30:00Z ({e})"
        )
    })?;
    TimeDelta::from_std(age)
        .ok()
        .and_then(|age| now.checked_sub_signed(age))
        .ok_or_else(|| format!("{value:?} reaches back too far"))
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
        assert!(parse_when("yesterday", now).unwrap_err().contains("neither an age"));
        assert!(parse_when("100000000000d", now).is_err());
    }
}
