//! Limits on what a caller sends with a ticket: how many tags and metadata entries it carries, how
//! long they and the request id may be, and the one wording every over-limit refusal uses, naming
//! the limit's setting and its value.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::validation::{Limits, ValidationErrors};

/// The sizes of a ticket's lists and maps, and of the request id (the `limits` table of the
/// settings; see docs/limits.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldLimits {
    /// Most tags on one ticket (`limits.max_tags`).
    pub max_tags: usize,
    /// Longest tag, in characters (`limits.max_tag_chars`).
    pub max_tag_chars: usize,
    /// Most metadata entries on one ticket (`limits.max_metadata_entries`).
    pub max_metadata_entries: usize,
    /// Longest metadata key, in characters (`limits.max_metadata_key_chars`).
    pub max_metadata_key_chars: usize,
    /// Longest metadata value, in characters (`limits.max_metadata_value_chars`).
    pub max_metadata_value_chars: usize,
    /// Longest `request_id`, in characters (`limits.max_request_id_chars`).
    pub max_request_id_chars: usize,
}

impl Default for FieldLimits {
    fn default() -> Self {
        FieldLimits {
            max_tags: 50,
            max_tag_chars: 100,
            max_metadata_entries: 50,
            max_metadata_key_chars: 100,
            max_metadata_value_chars: 1_000,
            max_request_id_chars: 128,
        }
    }
}

/// Everything a ticket is validated against: the top-level settings (`max_ticket_title_length`,
/// `max_ticket_description_length`, `default_priority`) and the `limits` table's field limits.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TicketLimits {
    /// Text lengths and the default priority.
    pub ticket: Limits,
    /// Tags, metadata and the request id.
    pub fields: FieldLimits,
}

impl From<Limits> for TicketLimits {
    fn from(ticket: Limits) -> Self {
        TicketLimits { ticket, fields: FieldLimits::default() }
    }
}

/// How every over-limit value is refused: `80000 tags; at most 50 are allowed (limits.max_tags)`.
pub fn over_limit(got: impl fmt::Display, unit: &str, max: impl fmt::Display, setting: &str) -> String {
    format!("{got} {unit}; at most {max} are allowed ({setting})")
}

/// Why a text that holds a NUL character is refused (PostgreSQL cannot store one, so no store does).
pub const NUL_REFUSED: &str = "must not contain NUL (U+0000) characters";

/// Whether `text` holds a NUL character.
pub fn has_nul(text: &str) -> bool {
    text.as_bytes().contains(&0)
}

/// Checks a TriageTicket `request_id` (already trimmed): at most `limits.max_request_id_chars`
/// characters, no NUL.
pub fn check_request_id(request_id: &str, limits: &FieldLimits) -> Result<(), ValidationErrors> {
    let chars = request_id.chars().count();
    if chars > limits.max_request_id_chars {
        let message = over_limit(chars, "characters", limits.max_request_id_chars, "limits.max_request_id_chars");
        return Err(ValidationErrors::single("request_id", message));
    }
    if has_nul(request_id) {
        return Err(ValidationErrors::single("request_id", NUL_REFUSED));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_setting_and_its_value() {
        assert_eq!(
            over_limit(80_000, "tags", 50, "limits.max_tags"),
            "80000 tags; at most 50 are allowed (limits.max_tags)"
        );
        assert!(has_nul("a\0b") && !has_nul("ab"));
        let limits = FieldLimits::default();
        let long = check_request_id(&"r".repeat(129), &limits).unwrap_err();
        assert_eq!(
            long.violations[0].description,
            "129 characters; at most 128 are allowed (limits.max_request_id_chars)"
        );
        assert_eq!(check_request_id("retry-1", &limits), Ok(()));
        assert_eq!(
            check_request_id("a\0", &limits).map_err(|e| e.violations[0].field.clone()),
            Err("request_id".into())
        );
    }
}
