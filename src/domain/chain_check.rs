//! Checking an audit chain, fed entry by entry in order (from the store or from an archive): every
//! entry's hash and link, and, given the verifying keys, the signatures over it. A signature at entry
//! `s` covers the entries after the previous good signature up to `s` when it verifies with a known
//! key, the hash it signed is the chain's at `s` and the anchor it names is the chain's. The report
//! names the first entry nothing covers and says why in words. No I/O.

use std::sync::Arc;

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use super::{
    AuditEntry,
    signing::{ChainSignature, Keyring, SignatureKind, SignatureProblem},
};

/// The outcome of a chain verification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainReport {
    /// True when every entry's hash and link hold (and, with keys, every signature and its coverage).
    pub valid: bool,
    /// How many entries were checked.
    pub entries_checked: u64,
    /// Sequence of the first broken (or uncovered) entry.
    pub first_broken_sequence: Option<i64>,
    /// Why that entry is broken.
    pub reason: Option<String>,
    /// Whether signatures were required (a verifying key was given); false: the hash chain only.
    pub signatures_required: bool,
    /// How many signatures were checked.
    pub signatures_checked: u64,
    /// Entries written before signing was turned on, which no signature of their own covers.
    pub unsigned_entries: u64,
}

/// One line of an exported archive (JSON lines): an entry as it is exported (`sequence`, `record`,
/// `prev_hash`, `hash`), or a signature, `{"signature": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ArchiveLine {
    /// A signature over the entries before it.
    Signature {
        /// The signature.
        signature: ChainSignature,
    },
    /// An entry.
    Entry(AuditEntry),
}

/// What ends the chain being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainEnd<'a> {
    /// The store's head row: the newest entry and its hash; a commit signature must cover it.
    Head {
        /// Sequence of the newest entry.
        last_sequence: i64,
        /// Its hash.
        last_hash: &'a str,
    },
    /// An exported archive: its last entry, which its export signature must cover.
    Archive,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    sequence: i64,
    reason: String,
}

/// Checks a chain fed in order: [`entry`](Self::entry) for each entry, each followed by the
/// [`signature`](Self::signature)s made at its sequence; signatures of purged entries first and those
/// past the last entry last. Then [`finish`](Self::finish).
#[derive(Debug)]
pub struct ChainVerifier {
    keyring: Option<Arc<Keyring>>,
    strict: bool,
    /// The anchor (sequence, hash); for an archive, taken from its first entry.
    anchor: Option<(i64, String)>,
    expected: Option<(i64, String)>,
    checked: u64,
    chain_break: Option<Finding>,
    last_entry: Option<(i64, String)>,
    signatures_checked: u64,
    finding: Option<Finding>,
    covered_to: i64,
    group_end: Option<i64>,
    unsigned: u64,
    newest_commit: Option<ChainSignature>,
    newest_export: Option<ChainSignature>,
    beyond: Vec<ChainSignature>,
}

fn when(signature: &ChainSignature) -> String {
    signature.signed_at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn entries(from: i64, to: i64) -> String {
    if from == to { format!("entry {from}") } else { format!("entries {from} to {to}") }
}

/// `entries(from, to)` with the verb that agrees: `singular` for one entry, `plural` for more.
fn entries_verb(from: i64, to: i64, singular: &str, plural: &str) -> String {
    format!("{} {}", entries(from, to), if from == to { singular } else { plural })
}

impl ChainVerifier {
    /// A check of the chain that starts after `anchor` (sequence and hash), or, when `None`, after the
    /// entry the first one links to (an archive). Without a keyring only hashes and links are checked.
    /// `strict` counts entries written before signing was turned on as broken.
    pub fn new(anchor: Option<(i64, String)>, keyring: Option<Arc<Keyring>>, strict: bool) -> Self {
        let covered_to = anchor.as_ref().map_or(0, |(s, _)| *s);
        ChainVerifier {
            keyring,
            strict,
            expected: anchor.as_ref().map(|(s, h)| (s + 1, h.clone())),
            anchor,
            checked: 0,
            chain_break: None,
            last_entry: None,
            signatures_checked: 0,
            finding: None,
            covered_to,
            group_end: None,
            unsigned: 0,
            newest_commit: None,
            newest_export: None,
            beyond: Vec::new(),
        }
    }

    /// Whether the hash chain is broken already (nothing fed after this matters).
    pub fn chain_broken(&self) -> bool {
        self.chain_break.is_some()
    }

    fn anchor_sequence(&self) -> i64 {
        self.anchor.as_ref().map_or(0, |(s, _)| *s)
    }

    fn found(&mut self, sequence: i64, reason: String) {
        if self.finding.as_ref().is_none_or(|f| sequence < f.sequence) {
            self.finding = Some(Finding { sequence, reason });
        }
    }

    /// The next entry of the chain.
    pub fn entry(&mut self, entry: &AuditEntry) {
        if self.chain_break.is_some() {
            return;
        }
        if !self.beyond.is_empty() {
            let reason = format!("the signature of entry {} comes before that entry", self.beyond[0].head.sequence);
            self.chain_break = Some(Finding { sequence: entry.sequence, reason });
            return;
        }
        let (expected_sequence, expected_prev) = match self.expected.take() {
            Some(expected) => expected,
            None => {
                self.anchor = Some((entry.sequence - 1, entry.prev_hash.clone()));
                self.covered_to = entry.sequence - 1;
                (entry.sequence, entry.prev_hash.clone())
            }
        };
        if entry.sequence < expected_sequence {
            let reason =
                format!("entry {} comes again, or out of order, after entry {}", entry.sequence, expected_sequence - 1);
            self.chain_break = Some(Finding { sequence: entry.sequence, reason });
            return;
        }
        if entry.sequence != expected_sequence {
            let reason = format!("entries {expected_sequence} to {} are missing", entry.sequence - 1);
            self.chain_break = Some(Finding { sequence: expected_sequence, reason });
            return;
        }
        self.checked += 1;
        let broken = if entry.prev_hash != expected_prev {
            Some(format!("entry {} does not link to the entry before it", entry.sequence))
        } else {
            entry.hash_mismatch()
        };
        if let Some(reason) = broken {
            self.chain_break = Some(Finding { sequence: entry.sequence, reason });
            return;
        }
        self.expected = Some((entry.sequence + 1, entry.hash.clone()));
        self.last_entry = Some((entry.sequence, entry.hash.clone()));
    }

    /// A signature, after the entry at its sequence (or, past the last entry, at the end).
    pub fn signature(&mut self, signature: &ChainSignature) {
        let Some(keyring) = self.keyring.clone() else { return };
        if self.chain_break.is_some() {
            return;
        }
        self.signatures_checked += 1;
        let anchor = self.anchor_sequence();
        if self.anchor.is_some() && signature.head.sequence <= anchor {
            // It covered entries purged since: only whether it verifies can be checked.
            if let Err(problem) = keyring.verify(signature) {
                self.found(anchor + 1, problem_text(signature, &problem));
            }
            return;
        }
        let Some((last, last_hash)) = self.last_entry.clone().filter(|(last, _)| signature.head.sequence <= *last)
        else {
            self.beyond.push(signature.clone());
            return;
        };
        let start = self.covered_to + 1;
        if signature.head.sequence < last {
            self.found(start, format!("the signature of entry {} is out of order", signature.head.sequence));
            return;
        }
        if let Err(problem) = keyring.verify(signature) {
            self.found(start, problem_text(signature, &problem));
            return;
        }
        if signature.head.head_hash != last_hash {
            let reason = format!(
                "the chain was rewritten: the signature of entry {last} (made {} with key {}) vouches for another \
                 hash than the chain's, so {} covered by no valid signature",
                when(signature),
                signature.key_id,
                entries_verb(start, last, "is", "are")
            );
            self.found(start, reason);
            return;
        }
        let anchor_hash = self.anchor.as_ref().map(|(_, h)| h.clone()).unwrap_or_default();
        if signature.head.anchor_sequence > anchor
            || (signature.head.anchor_sequence == anchor && signature.head.anchor_hash != anchor_hash)
        {
            let reason = format!(
                "the chain was re-anchored: it starts after entry {anchor}, but the signature of entry {last} says \
                 it started after entry {}",
                signature.head.anchor_sequence
            );
            self.found(anchor + 1, reason);
            return;
        }
        match signature.head.kind {
            SignatureKind::Commit => {
                self.count_group(signature);
                self.newest_commit = Some(signature.clone());
            }
            SignatureKind::Export => self.newest_export = Some(signature.clone()),
        }
        self.covered_to = last;
    }

    /// The commit group a good signature covers: entries before the first group were written before
    /// signing was turned on; a gap between two groups is entries no signature covers.
    fn count_group(&mut self, signature: &ChainSignature) {
        let anchor = self.anchor_sequence();
        let group_start = signature.head.first_sequence.max(anchor + 1);
        match self.group_end {
            None if group_start > anchor + 1 => {
                self.unsigned += (group_start - anchor - 1) as u64;
                if self.strict {
                    let reason = format!(
                        "{} written before signing was turned on: no signature of their own covers them",
                        entries(anchor + 1, group_start - 1)
                    );
                    self.found(anchor + 1, reason + " (strict)");
                }
            }
            Some(end) if group_start > end + 1 => {
                let reason = format!(
                    "{} covered by no signature: written without the signing key, or its signatures were \
                     removed",
                    entries_verb(end + 1, group_start - 1, "is", "are")
                );
                self.found(end + 1, reason);
            }
            _ => {}
        }
        self.group_end = Some(self.group_end.map_or(signature.head.sequence, |end| end.max(signature.head.sequence)));
    }
}

fn problem_text(signature: &ChainSignature, problem: &SignatureProblem) -> String {
    match problem {
        SignatureProblem::UnknownKey => format!(
            "the signature of entry {} was made with key {}, which is none of the verifying keys",
            signature.head.sequence, signature.key_id
        ),
        SignatureProblem::Invalid => format!(
            "the signature of entry {} does not verify with key {}: the signature or what it signs was altered",
            signature.head.sequence, signature.key_id
        ),
    }
}

#[path = "chain_check_end.rs"]
mod end;
#[cfg(test)]
#[path = "chain_check_tests.rs"]
mod tests;
