//! The chain check on chains built in memory: intact, rewritten, truncated, re-anchored, partly
//! unsigned, and archives with and without their export signature.

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::{
    AuditAction, AuditRecord,
    audit::GENESIS_HASH,
    signing::{ChainSigner, SignedHead},
};

fn signer() -> ChainSigner {
    ChainSigner::from_seed(&[3; 32])
}

/// Entries 1..=n after the genesis hash, the `n`-th with `actor`.
fn chain(n: i64, altered: Option<(i64, &str)>) -> Vec<AuditEntry> {
    let mut prev = GENESIS_HASH.to_owned();
    (1..=n)
        .map(|sequence| {
            let actor = altered.filter(|(s, _)| *s == sequence).map_or("svc", |(_, a)| a);
            let at = Utc.timestamp_opt(1_700_000_000 + sequence, 0).single().expect("time");
            let record = AuditRecord::new(AuditAction::TicketCreated, &actor.into(), at, serde_json::json!({}));
            let hash = record.chain_hash(sequence, &prev);
            let entry = AuditEntry { sequence, record, prev_hash: prev.clone(), hash: hash.clone() };
            prev = hash;
            entry
        })
        .collect()
}

/// A commit signature at each entry (one entry per commit group), anchored at `anchor`.
fn sign_each(signer: &ChainSigner, entries: &[AuditEntry], anchor: (i64, &str)) -> Vec<ChainSignature> {
    entries.iter().map(|e| sign(signer, SignatureKind::Commit, e, e.sequence, anchor)).collect()
}

fn sign(
    signer: &ChainSigner,
    kind: SignatureKind,
    at: &AuditEntry,
    first_sequence: i64,
    anchor: (i64, &str),
) -> ChainSignature {
    let head = SignedHead {
        kind,
        sequence: at.sequence,
        head_hash: at.hash.clone(),
        first_sequence,
        anchor_sequence: anchor.0,
        anchor_hash: anchor.1.to_owned(),
    };
    signer.sign(head, Utc::now())
}

/// Feeds entries, each followed by the signatures at its sequence, then the rest of the signatures.
fn check(
    anchor: Option<(i64, String)>,
    keyring: Option<&Keyring>,
    strict: bool,
    entries: &[AuditEntry],
    signatures: &[ChainSignature],
    end: ChainEnd<'_>,
) -> ChainReport {
    let mut verifier = ChainVerifier::new(anchor, keyring.cloned().map(Arc::new), strict);
    for entry in entries {
        verifier.entry(entry);
        for signature in signatures.iter().filter(|s| s.head.sequence == entry.sequence) {
            verifier.signature(signature);
        }
    }
    let last = entries.last().map_or(0, |e| e.sequence);
    for signature in signatures.iter().filter(|s| s.head.sequence > last) {
        verifier.signature(signature);
    }
    verifier.finish(end)
}

fn genesis() -> Option<(i64, String)> {
    Some((0, GENESIS_HASH.to_owned()))
}

fn head(entries: &[AuditEntry]) -> ChainEnd<'_> {
    let last = entries.last().expect("entries");
    ChainEnd::Head { last_sequence: last.sequence, last_hash: &last.hash }
}

#[test]
fn an_intact_signed_chain_verifies_and_without_keys_only_hashes_count() {
    let signer = signer();
    let entries = chain(5, None);
    let signatures = sign_each(&signer, &entries, (0, GENESIS_HASH));
    let report = check(genesis(), Some(signer.keyring()), true, &entries, &signatures, head(&entries));
    assert_eq!(
        report,
        ChainReport {
            valid: true,
            entries_checked: 5,
            signatures_required: true,
            signatures_checked: 5,
            ..Default::default()
        }
    );
    let report = check(genesis(), None, false, &entries, &[], head(&entries));
    assert!(report.valid && !report.signatures_required && report.signatures_checked == 0, "{report:?}");
}

#[test]
fn a_rewritten_and_rehashed_chain_is_named_at_the_first_rewritten_entry() {
    let signer = signer();
    let signatures = sign_each(&signer, &chain(6, None), (0, GENESIS_HASH));
    let rewritten = chain(6, Some((3, "mallory")));
    let report = check(genesis(), Some(signer.keyring()), false, &rewritten, &signatures, head(&rewritten));
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(3)));
    let reason = report.reason.expect("a reason");
    assert!(reason.starts_with("the chain was rewritten: the signature of entry 3"), "{reason}");
    assert!(check(genesis(), None, false, &rewritten, &[], head(&rewritten)).valid, "hashes alone cannot tell");
}

#[test]
fn a_truncated_chain_names_the_first_removed_entry() {
    let signer = signer();
    let entries = chain(10, None);
    let signatures = sign_each(&signer, &entries, (0, GENESIS_HASH));
    let kept = &entries[..7];
    let report = check(genesis(), Some(signer.keyring()), false, kept, &signatures, head(kept));
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(8)));
    let reason = report.reason.expect("a reason");
    assert!(reason.starts_with("the chain was truncated: it ends at entry 7, but entry 10 was signed"), "{reason}");
    assert!(reason.ends_with("so entries 8 to 10 were removed"), "{reason}");
}

#[test]
fn a_moved_anchor_names_the_entries_removed_without_a_signed_purge() {
    let signer = signer();
    let entries = chain(10, None);
    let signatures = sign_each(&signer, &entries, (0, GENESIS_HASH));
    let anchor = Some((3, entries[2].hash.clone()));
    let report = check(anchor, Some(signer.keyring()), false, &entries[3..], &signatures, head(&entries));
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(1)));
    let reason = report.reason.expect("a reason");
    assert!(
        reason.starts_with("the chain was re-anchored: it starts after entry 3, but the newest signature"),
        "{reason}"
    );
    assert!(reason.ends_with("so entries 1 to 3 were removed without a signed purge"), "{reason}");

    // A signed purge: the newest signature names the new anchor.
    let mut signatures = signatures;
    let purged = sign(&signer, SignatureKind::Commit, &entries[9], 10, (3, &entries[2].hash));
    signatures.push(purged);
    let anchor = Some((3, entries[2].hash.clone()));
    let report = check(anchor, Some(signer.keyring()), false, &entries[3..], &signatures, head(&entries));
    assert!(report.valid, "{report:?}");
}

#[test]
fn entries_from_before_signing_are_counted_and_strictness_breaks_them_but_gaps_always_break() {
    let signer = signer();
    let entries = chain(8, None);
    let signatures: Vec<_> =
        entries[3..].iter().map(|e| sign(&signer, SignatureKind::Commit, e, e.sequence, (0, GENESIS_HASH))).collect();
    let report = check(genesis(), Some(signer.keyring()), false, &entries, &signatures, head(&entries));
    assert!(report.valid, "{report:?}");
    assert_eq!((report.unsigned_entries, report.signatures_checked), (3, 5));
    let strict = check(genesis(), Some(signer.keyring()), true, &entries, &signatures, head(&entries));
    assert_eq!((strict.valid, strict.first_broken_sequence), (false, Some(1)));
    assert!(strict.reason.as_deref().is_some_and(|r| r.starts_with("entries 1 to 3 written before signing")));

    let unsigned = check(genesis(), Some(signer.keyring()), false, &entries, &[], head(&entries));
    assert!(unsigned.valid && unsigned.unsigned_entries == 8, "{unsigned:?}");

    let gap: Vec<_> = signatures.iter().filter(|s| s.head.sequence != 5 && s.head.sequence != 6).cloned().collect();
    let report = check(genesis(), Some(signer.keyring()), false, &entries, &gap, head(&entries));
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(5)));
    assert!(
        report.reason.as_deref().is_some_and(
            |r| r.starts_with("entries 5 to 6 are covered by no signature: written without the signing key")
        )
    );

    let tail: Vec<_> = signatures.iter().filter(|s| s.head.sequence < 7).cloned().collect();
    let report = check(genesis(), Some(signer.keyring()), false, &entries, &tail, head(&entries));
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(7)));
    assert_eq!(
        report.reason.as_deref(),
        Some("entries 7 to 8 come after the newest signature (entry 6): no signature covers them")
    );
}

#[test]
fn a_signature_of_an_unknown_key_or_altered_bytes_is_refused() {
    let signer = signer();
    let entries = chain(3, None);
    let mut signatures = sign_each(&signer, &entries, (0, GENESIS_HASH));
    let other = ChainSigner::from_seed(&[4; 32]);
    let report = check(genesis(), Some(other.keyring()), false, &entries, &signatures, head(&entries));
    assert_eq!(report.first_broken_sequence, Some(1));
    assert!(report.reason.as_deref().is_some_and(|r| r.contains("which is none of the verifying keys")));
    signatures[1].signed_at += chrono::Duration::seconds(1);
    let report = check(genesis(), Some(signer.keyring()), false, &entries, &signatures, head(&entries));
    assert_eq!(report.first_broken_sequence, Some(2));
    assert!(report.reason.as_deref().is_some_and(|r| r.contains("does not verify with key")));
}

#[test]
fn an_archive_needs_its_export_signature_at_its_end_and_its_start() {
    let signer = signer();
    let entries = chain(6, None);
    let mut lines = sign_each(&signer, &entries[..4], (0, GENESIS_HASH));
    // The export stops inside a commit group (5 and 6 were one commit, signed at 6).
    lines.push(sign(&signer, SignatureKind::Export, &entries[4], 1, (0, GENESIS_HASH)));
    let archive = &entries[..5];
    let report = check(None, Some(signer.keyring()), false, archive, &lines, ChainEnd::Archive);
    assert!(report.valid, "{report:?}");

    let cut = &entries[..3];
    let report = check(None, Some(signer.keyring()), false, cut, &lines[..3], ChainEnd::Archive);
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(4)));
    assert!(report.reason.as_deref().is_some_and(|r| r.starts_with("the archive has no export signature")));
    let report = check(None, Some(signer.keyring()), false, cut, &lines, ChainEnd::Archive);
    assert_eq!(report.first_broken_sequence, Some(4));
    assert!(report.reason.as_deref().is_some_and(|r| r.starts_with("the chain was truncated: it ends at entry 3")));

    let report = check(None, Some(signer.keyring()), false, &entries[2..5], &lines[2..], ChainEnd::Archive);
    assert_eq!((report.valid, report.first_broken_sequence), (false, Some(1)));
    assert!(
        report.reason.as_deref().is_some_and(|r| r.starts_with("the chain was re-anchored: it starts after entry 2"))
    );
}

#[test]
fn without_keys_the_hash_chain_messages_are_unchanged() {
    let entries = chain(4, None);
    let mut gapped = entries.clone();
    gapped.remove(1);
    let report = check(genesis(), None, false, &gapped, &[], head(&entries));
    assert_eq!(report.reason.as_deref(), Some("entries 2 to 2 are missing"));
    let report = check(genesis(), None, false, &entries[..3], &[], head(&entries));
    assert_eq!((report.first_broken_sequence, report.reason.as_deref()), (Some(4), Some("entries 4 to 4 are missing")));
    let twice: Vec<_> = entries.iter().chain(&entries[3..]).cloned().collect();
    let report = check(genesis(), None, false, &twice, &[], head(&entries));
    assert_eq!(report.reason.as_deref(), Some("entry 4 comes again, or out of order, after entry 4"));
    let mut mixed = entries.clone();
    mixed[1].record.actor = "mallory".into();
    let report = check(genesis(), None, false, &mixed, &[], head(&entries));
    assert_eq!(report.first_broken_sequence, Some(2));
}
