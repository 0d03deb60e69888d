//! How figures are written in the report: rates with thousands separators, latencies in µs or ms,
//! ratios with enough digits to read a small one.

/// `12345.6` as `12,346`.
pub fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_owned();
    }
    let rounded = value.round().abs() as u64;
    let digits = rounded.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 && rounded > 0 { format!("-{out}") } else { out }
}

/// A rate, with one decimal below 100.
pub fn rate(per_sec: f64) -> String {
    if per_sec < 100.0 { format!("{per_sec:.1}") } else { thousands(per_sec) }
}

/// A latency in microseconds as `85 µs`, `1.25 ms` or `3.2 s`.
pub fn latency(us: f64) -> String {
    if !us.is_finite() {
        "-".to_owned()
    } else if us < 1_000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        let ms = us / 1_000.0;
        if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.1} ms") }
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

/// A ratio as `0.042x`, `3.1x` or `260x`.
pub fn ratio(value: f64) -> String {
    if !value.is_finite() {
        "-".to_owned()
    } else if value >= 100.0 {
        format!("{value:.0}x")
    } else if value >= 10.0 {
        format!("{value:.1}x")
    } else if value >= 0.1 {
        format!("{value:.2}x")
    } else {
        format!("{value:.3}x")
    }
}

/// Mebibytes with one decimal.
pub fn mib(value: f64) -> String {
    format!("{value:.1} MiB")
}

/// `a / b`, or NaN when `b` is zero (shown as `-`).
pub fn divide(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_a_person_writes_them() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1500.0), "-1,500");
        assert_eq!(rate(42.26), "42.3");
        assert_eq!(rate(55123.0), "55,123");
        assert_eq!(latency(170.4), "170 µs");
        assert_eq!(latency(1_250.0), "1.25 ms");
        assert_eq!(latency(44_000.0), "44.0 ms");
        assert_eq!(latency(3_200_000.0), "3.20 s");
        assert_eq!(ratio(0.0412), "0.041x");
        assert_eq!(ratio(0.5), "0.50x");
        assert_eq!(ratio(26.04), "26.0x");
        assert_eq!(ratio(260.0), "260x");
        assert_eq!(ratio(divide(1.0, 0.0)), "-");
    }
}
