//! Ticket identifiers: the `TKT-YYYYMMDD-XXXXXXXX` pattern, parsing and generation.

use std::{fmt, str::FromStr, sync::LazyLock};

use chrono::NaiveDate;
use rand::Rng;
use regex::Regex;

static PATTERN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^TKT-(\d{8})-([A-Z0-9]{8})$").expect("the ticket id pattern compiles"));

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A valid ticket identifier such as `TKT-20261127-7K3QX9AB`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketId(String);

/// Why a string is not a ticket identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must match TKT-YYYYMMDD-XXXXXXXX (a real date, then 8 upper-case letters or digits)")]
pub struct InvalidTicketId;

impl TicketId {
    /// A fresh identifier for a ticket created on `date`, with 8 random characters.
    pub fn generate(date: NaiveDate, rng: &mut impl Rng) -> Self {
        let suffix: String = (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
        TicketId(format!("TKT-{}-{suffix}", date.format("%Y%m%d")))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TicketId {
    type Err = InvalidTicketId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let caps = PATTERN.captures(s).ok_or(InvalidTicketId)?;
        NaiveDate::parse_from_str(&caps[1], "%Y%m%d").map_err(|_| InvalidTicketId)?;
        Ok(TicketId(s.to_owned()))
    }
}

impl TryFrom<String> for TicketId {
    type Error = InvalidTicketId;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TicketId> for String {
    fn from(id: TicketId) -> String {
        id.0
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_match_the_pattern_and_carry_the_date() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date");
        let id = TicketId::generate(date, &mut rand::rng());
        assert!(id.as_str().starts_with("TKT-20261127-"));
        assert_eq!(id.as_str().parse::<TicketId>(), Ok(id.clone()));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in
            ["", "TKT-2026112-ABCDEFGH", "TKT-20261127-abcdefgh", "TKT-20261340-ABCDEFGH", "XYZ-20261127-ABCDEFGH"]
        {
            assert_eq!(bad.parse::<TicketId>(), Err(InvalidTicketId), "{bad}");
        }
    }
}
