//! The `limits` table of the settings: every bound on what a caller controls (the sizes of a
//! ticket's lists and maps, the request id, a rules document and its regexes), with its default and
//! the range an operator may set it in. docs/limits.md lists each one with the answer a caller gets
//! past it.

use serde::{Deserialize, Serialize};

use crate::{
    config::Settings,
    domain::{FieldLimits, TicketLimits},
    triage::RulesLimits,
};

/// Every `limits.*` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Most tags on one ticket.
    pub max_tags: usize,
    /// Longest tag, in characters.
    pub max_tag_chars: usize,
    /// Most metadata entries on one ticket.
    pub max_metadata_entries: usize,
    /// Longest metadata key, in characters.
    pub max_metadata_key_chars: usize,
    /// Longest metadata value, in characters.
    pub max_metadata_value_chars: usize,
    /// Longest TriageTicket `request_id`, in characters.
    pub max_request_id_chars: usize,
    /// Largest rules document (a rules file, or the text of CheckRules, TestRules, BacktestRules), in bytes.
    pub max_rules_document_bytes: usize,
    /// Most rules in one document.
    pub max_rules: usize,
    /// Deepest nesting of `all` / `any` / `not` condition groups.
    pub max_rules_depth: usize,
    /// Largest compiled program of one regex (`matches`), in bytes.
    pub max_regex_bytes: usize,
    /// Largest lazy-DFA cache one regex grows while matching, in bytes.
    pub max_regex_dfa_bytes: usize,
    /// Most memory the regexes of one rules document take compiled, all together, in bytes.
    pub max_rules_regex_bytes: usize,
    /// Most stored tickets one backtest (BacktestRules) may replay.
    pub max_backtest_tickets: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let fields = FieldLimits::default();
        let rules = RulesLimits::default();
        LimitSettings {
            max_tags: fields.max_tags,
            max_tag_chars: fields.max_tag_chars,
            max_metadata_entries: fields.max_metadata_entries,
            max_metadata_key_chars: fields.max_metadata_key_chars,
            max_metadata_value_chars: fields.max_metadata_value_chars,
            max_request_id_chars: fields.max_request_id_chars,
            max_rules_document_bytes: rules.max_document_bytes,
            max_rules: rules.max_rules,
            max_rules_depth: rules.max_depth,
            max_regex_bytes: rules.max_regex_bytes,
            max_regex_dfa_bytes: rules.max_regex_dfa_bytes,
            max_rules_regex_bytes: rules.max_regex_total_bytes,
            max_backtest_tickets: 100_000,
        }
    }
}

impl LimitSettings {
    /// Each setting with its value and the range it may be set in (0 is never allowed: a limit of
    /// nothing would refuse every call; the upper bounds keep one call's cost within what a server
    /// can afford).
    fn bounds(&self) -> [(&'static str, usize, usize); 13] {
        const MIB: usize = 1024 * 1024;
        [
            ("limits.max_tags", self.max_tags, 10_000),
            ("limits.max_tag_chars", self.max_tag_chars, 10_000),
            ("limits.max_metadata_entries", self.max_metadata_entries, 10_000),
            ("limits.max_metadata_key_chars", self.max_metadata_key_chars, 10_000),
            ("limits.max_metadata_value_chars", self.max_metadata_value_chars, 1_000_000),
            ("limits.max_request_id_chars", self.max_request_id_chars, 10_000),
            ("limits.max_rules_document_bytes", self.max_rules_document_bytes, 64 * MIB),
            ("limits.max_rules", self.max_rules, 100_000),
            // Conditions are checked and evaluated recursively: deeper would risk a thread's stack.
            ("limits.max_rules_depth", self.max_rules_depth, 128),
            ("limits.max_regex_bytes", self.max_regex_bytes, 256 * MIB),
            ("limits.max_regex_dfa_bytes", self.max_regex_dfa_bytes, 256 * MIB),
            ("limits.max_rules_regex_bytes", self.max_rules_regex_bytes, 4096 * MIB),
            ("limits.max_backtest_tickets", self.max_backtest_tickets as usize, 10_000_000),
        ]
    }

    /// The first setting out of its range, with why: `("limits.max_tags", "must be between 1 and
    /// 10000, got 0")`.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        self.bounds()
            .into_iter()
            .find(|(_, value, max)| *value == 0 || value > max)
            .map(|(key, value, max)| (key, format!("must be between 1 and {max}, got {value}")))
    }

    /// The limits one rules document is checked against.
    pub fn rules(&self) -> RulesLimits {
        RulesLimits {
            max_document_bytes: self.max_rules_document_bytes,
            max_rules: self.max_rules,
            max_depth: self.max_rules_depth,
            max_regex_bytes: self.max_regex_bytes,
            max_regex_dfa_bytes: self.max_regex_dfa_bytes,
            max_regex_total_bytes: self.max_rules_regex_bytes,
        }
    }

    /// The limits tickets are validated against.
    pub fn fields(&self) -> FieldLimits {
        FieldLimits {
            max_tags: self.max_tags,
            max_tag_chars: self.max_tag_chars,
            max_metadata_entries: self.max_metadata_entries,
            max_metadata_key_chars: self.max_metadata_key_chars,
            max_metadata_value_chars: self.max_metadata_value_chars,
            max_request_id_chars: self.max_request_id_chars,
        }
    }
}

impl Settings {
    /// What tickets are validated against: the top-level text settings and the `limits` table.
    pub fn ticket_limits(&self) -> TicketLimits {
        TicketLimits { ticket: self.triage_settings().limits, fields: self.limits.fields() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_of_nothing_or_past_its_range_is_refused_naming_it() {
        assert_eq!(LimitSettings::default().problem(), None);
        let zero = LimitSettings { max_tags: 0, ..LimitSettings::default() };
        assert_eq!(zero.problem(), Some(("limits.max_tags", "must be between 1 and 10000, got 0".to_owned())));
        let absurd = LimitSettings { max_metadata_value_chars: usize::MAX, ..LimitSettings::default() };
        assert_eq!(absurd.problem().map(|(key, _)| key), Some("limits.max_metadata_value_chars"));
    }
}
