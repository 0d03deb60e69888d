//! The end of a chain check: the head's (or the archive's) last entry, what the newest signatures
//! must say about it and about the anchor, and the report.

use super::{ChainEnd, ChainReport, ChainVerifier, Finding, entries, entries_verb, problem_text, when};
use crate::domain::signing::SignatureKind;

impl ChainVerifier {
    /// The report, for a chain that ends as `end` says.
    pub fn finish(mut self, end: ChainEnd<'_>) -> ChainReport {
        if self.chain_break.is_none()
            && let ChainEnd::Head { last_sequence, last_hash } = end
        {
            let (next, prev) = self.expected.clone().unwrap_or((1, String::new()));
            if next <= last_sequence {
                let reason = format!("entries {next} to {last_sequence} are missing");
                self.chain_break = Some(Finding { sequence: next, reason });
            } else if prev != last_hash {
                let reason = format!("entry {last_sequence} does not match the hash recorded for the newest entry");
                self.chain_break = Some(Finding { sequence: last_sequence, reason });
            }
        }
        if self.chain_break.is_none() && self.keyring.is_some() {
            self.check_end(end);
        }
        let finding = match (self.chain_break.take(), self.finding.take()) {
            (Some(a), Some(b)) if b.sequence < a.sequence => Some(b),
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
        ChainReport {
            valid: finding.is_none(),
            entries_checked: self.checked,
            first_broken_sequence: finding.as_ref().map(|f| f.sequence),
            reason: finding.map(|f| f.reason),
            signatures_required: self.keyring.is_some(),
            signatures_checked: self.signatures_checked,
            unsigned_entries: self.unsigned,
        }
    }

    /// What the newest signatures must say about the end of the chain and its anchor.
    fn check_end(&mut self, end: ChainEnd<'_>) {
        let anchor = self.anchor_sequence();
        let last = self.last_entry.as_ref().map_or(anchor, |(s, _)| *s);
        let beyond = std::mem::take(&mut self.beyond);
        if let Some(keyring) = self.keyring.clone() {
            for signature in &beyond {
                if let Err(problem) = keyring.verify(signature) {
                    self.found(last + 1, problem_text(signature, &problem));
                }
            }
        }
        if let Some(far) = beyond.iter().max_by_key(|s| s.head.sequence) {
            let reason = format!(
                "the chain was truncated: it ends at entry {last}, but entry {} was signed ({} with key {}), so {} \
                 removed",
                far.head.sequence,
                when(far),
                far.key_id,
                entries_verb(last + 1, far.head.sequence, "was", "were")
            );
            self.found(last + 1, reason);
        }
        let (newest, what) = match end {
            ChainEnd::Head { .. } => (self.newest_commit.clone(), "the newest signature"),
            ChainEnd::Archive => (self.newest_export.clone(), "the archive's export signature"),
        };
        let Some(newest) = newest else {
            if last == anchor {
                return;
            }
            match end {
                ChainEnd::Head { .. } => {
                    self.unsigned = self.checked;
                    if self.strict {
                        let reason = format!(
                            "{} written before signing was turned on: no signature covers them (strict)",
                            entries(anchor + 1, last)
                        );
                        self.found(anchor + 1, reason);
                    }
                }
                // A truncation names the missing end already.
                ChainEnd::Archive if beyond.iter().any(|s| s.head.kind == SignatureKind::Export) => {}
                ChainEnd::Archive => {
                    let reason = "the archive has no export signature at its end: it may have been cut short (or \
                                  was exported without the signing key)";
                    self.found(self.covered_to + 1, reason.to_owned());
                }
            }
            return;
        };
        if newest.head.sequence < last {
            let reason = format!(
                "{} after {what} (entry {}): no signature covers {}",
                entries_verb(newest.head.sequence + 1, last, "comes", "come"),
                newest.head.sequence,
                if newest.head.sequence + 1 == last { "it" } else { "them" }
            );
            self.found(newest.head.sequence + 1, reason);
        }
        if newest.head.anchor_sequence < anchor {
            let reason = format!(
                "the chain was re-anchored: it starts after entry {anchor}, but {what} (entry {}) was made when it \
                 started after entry {}, so {} removed without a signed purge",
                newest.head.sequence,
                newest.head.anchor_sequence,
                entries_verb(newest.head.anchor_sequence + 1, anchor, "was", "were")
            );
            self.found(newest.head.anchor_sequence + 1, reason);
        }
    }
}
