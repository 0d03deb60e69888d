//! Near-duplicate text detection, without I/O: a ticket's text becomes a MinHash signature of its
//! word pairs, and locality-sensitive band keys that let the store find similar tickets by index.
//!
//! - Text: title and description, lower-case words (see [`TicketText`]), common stop words dropped.
//! - Shingles: every run of [`SHINGLE_WORDS`] consecutive words (single words for shorter texts).
//!   Pairs keep word order but forgive edits: one changed word removes two shingles, not three.
//! - Signature: [`SIGNATURE_LEN`] slots, each the minimum of one hash function over the shingles.
//!   The share of equal slots estimates the Jaccard similarity of the shingle sets (standard
//!   deviation about 0.035 at 0.8).
//! - Bands: the first 64 slots cut into [`BANDS`] bands of [`ROWS`] slots, each hashed with its band
//!   number into one key. Two texts of Jaccard similarity `s` share at least one key with
//!   probability `1 - (1 - s^4)^16`: 0.9998 at 0.8, 0.988 at 0.7, 0.89 at 0.6, 0.64 at 0.5, 0.12
//!   at 0.3, 0.025 at 0.2 and 0.0016 at 0.1, so likely duplicates are found and unrelated tickets
//!   seldom become candidates. Every key is one row in the store's band index, written at random
//!   places in it: 32 bands would find more pairs below 0.7 but double the cost of storing a ticket.
//!
//! Every hash is a fixed function of the text (FNV-1a and the SplitMix64 mixer with fixed seeds):
//! fingerprints stored by one process or version compare with those of another. Changing any
//! constant here changes every key, so stored fingerprints would have to be rebuilt.

use super::text::TicketText;

/// Slots in a signature.
pub const SIGNATURE_LEN: usize = 128;
/// Band keys per fingerprint.
pub const BANDS: usize = 16;
/// Signature slots per band.
pub const ROWS: usize = 4;
/// Words per shingle.
pub const SHINGLE_WORDS: usize = 2;

/// Words too common to say anything about what a ticket is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by",
    "can", "could", "dear", "did", "do", "does", "for", "from", "had", "has", "have", "he", "hello", "her", "hi",
    "his", "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "just", "me", "my", "of", "on", "or",
    "our", "please", "regards", "she", "so", "some", "than", "thank", "thanks", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "to", "too", "us", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "will", "with", "would", "you", "your",
];

/// The fingerprint of a ticket's text: its MinHash signature and its band keys. Both are empty for
/// a text without words, which is similar to nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// [`SIGNATURE_LEN`] slot values.
    pub signature: Vec<u32>,
    /// [`BANDS`] keys, one per band, each mixed with its band number.
    pub bands: Vec<i64>,
}

impl Fingerprint {
    /// True for a text without words.
    pub fn is_empty(&self) -> bool {
        self.signature.is_empty()
    }
}

/// The fingerprint of a ticket's title and description.
pub fn fingerprint(title: &str, description: &str) -> Fingerprint {
    fingerprint_of(&TicketText::new(title, description))
}

/// The fingerprint of a ticket's text, read once for the triage too.
pub fn fingerprint_of(text: &TicketText) -> Fingerprint {
    let shingles = shingles(&meaningful(text));
    if shingles.is_empty() {
        return Fingerprint::default();
    }
    let signature: Vec<u32> = SEEDS
        .iter()
        .map(|&seed| shingles.iter().map(|&s| (mix64(s ^ seed) >> 32) as u32).min().unwrap_or(u32::MAX))
        .collect();
    let bands = band_keys(&signature);
    Fingerprint { signature, bands }
}

/// The band keys of a signature (none for a signature too short to fill every band).
pub fn band_keys(signature: &[u32]) -> Vec<i64> {
    match signature.get(..BANDS * ROWS) {
        Some(slots) => slots.chunks(ROWS).enumerate().map(|(band, rows)| band_key(band, rows)).collect(),
        None => Vec::new(),
    }
}

/// Estimated Jaccard similarity of the texts behind two signatures: the share of equal slots, in
/// [0, 1]. Signatures of different lengths (or empty ones) are not comparable: 0.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

/// A signature as bytes (four little-endian bytes a slot), as the store keeps it.
pub fn signature_to_bytes(signature: &[u32]) -> Vec<u8> {
    signature.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The signature [`signature_to_bytes`] wrote; `None` when the length is not a whole number of slots.
pub fn signature_from_bytes(bytes: &[u8]) -> Option<Vec<u32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// The words of the title and description that say something: lower-case, stop words dropped.
fn meaningful(text: &TicketText) -> Vec<&str> {
    text.words().filter(|w| STOP_WORDS.binary_search(w).is_err()).collect()
}

/// [`meaningful`] of a title and description, owned.
#[cfg(test)]
fn words(title: &str, description: &str) -> Vec<String> {
    meaningful(&TicketText::new(title, description)).into_iter().map(str::to_owned).collect()
}

/// Hashes of the distinct shingles: runs of [`SHINGLE_WORDS`] words, or single words when the text
/// is shorter than one run.
fn shingles<W: AsRef<str>>(words: &[W]) -> Vec<u64> {
    let size = if words.len() < SHINGLE_WORDS { 1 } else { SHINGLE_WORDS };
    let mut hashes: Vec<u64> = words.windows(size).map(|run| fnv1a(run.iter().map(AsRef::as_ref))).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// FNV-1a (64 bits) of the words, each followed by a separator byte no word contains.
fn fnv1a<'a>(words: impl Iterator<Item = &'a str>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for word in words {
        for &byte in word.as_bytes().iter().chain(&[0x1f]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }
    hash
}

/// SplitMix64's finaliser: a bijective mixer whose every output bit depends on every input bit.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Seeds the signature's hash functions and the band keys start from.
const SIGNATURE_SEED: u64 = 0x6865_6c70_6465_736b; // "helpdesk"
const BAND_SEED: u64 = 0x6475_706c_6963_6174; // "duplicat"

/// One seed per signature slot: the SplitMix64 sequence from [`SIGNATURE_SEED`].
const SEEDS: [u64; SIGNATURE_LEN] = {
    let mut seeds = [0u64; SIGNATURE_LEN];
    let mut i = 0;
    while i < SIGNATURE_LEN {
        seeds[i] = mix64(SIGNATURE_SEED.wrapping_add((i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        i += 1;
    }
    seeds
};

/// The key of band `band` holding the slot values `rows`.
fn band_key(band: usize, rows: &[u32]) -> i64 {
    let start = mix64(BAND_SEED ^ band as u64);
    rows.iter().fold(start, |key, &v| mix64(key ^ u64::from(v))) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    const VPN_TITLE: &str = "VPN down in the Berlin office";
    const VPN: &str = "Since 9am nobody in the Berlin office can connect to the VPN. The client shows error 809 \
                       and times out after a minute. We have a customer demo at noon and need remote access to the \
                       staging servers, please help.";

    fn similar(a: (&str, &str), b: (&str, &str)) -> f64 {
        similarity(&fingerprint(a.0, a.1).signature, &fingerprint(b.0, b.1).signature)
    }

    /// Exact Jaccard similarity of the shingle sets, to check the estimate against.
    fn jaccard(a: (&str, &str), b: (&str, &str)) -> f64 {
        let (a, b) = (shingles(&words(a.0, a.1)), shingles(&words(b.0, b.1)));
        let common = a.iter().filter(|s| b.binary_search(s).is_ok()).count();
        common as f64 / (a.len() + b.len() - common) as f64
    }

    #[test]
    fn identical_texts_are_fully_similar_and_share_every_band() {
        let (a, b) = (fingerprint(VPN_TITLE, VPN), fingerprint(VPN_TITLE, VPN));
        assert_eq!((a.signature.len(), a.bands.len()), (SIGNATURE_LEN, BANDS));
        assert_eq!(similarity(&a.signature, &b.signature), 1.0);
        assert_eq!(a, b);
        assert_eq!(similar((VPN_TITLE, VPN), ("vpn DOWN in the berlin office!", &VPN.to_uppercase())), 1.0);
    }

    #[test]
    fn a_reworded_copy_is_similar() {
        let copy = VPN.replace("customer demo", "board meeting").replace("a minute", "one minute");
        let s = similar((VPN_TITLE, VPN), ("VPN down in Berlin office", &copy));
        assert!(s >= 0.7, "{s}");
        let exact = jaccard((VPN_TITLE, VPN), ("VPN down in Berlin office", &copy));
        assert!((s - exact).abs() < 0.12, "estimate {s}, exact {exact}");
        let shared = fingerprint(VPN_TITLE, VPN)
            .bands
            .iter()
            .zip(&fingerprint("VPN down in Berlin office", &copy).bands)
            .filter(|(a, b)| a == b)
            .count();
        assert!(shared > 0);
    }

    #[test]
    fn unrelated_tickets_are_not_similar() {
        let pairs = [
            (
                ("Refund for double charge", "We were charged twice on invoice 2026-118 for the same subscription."),
                ("Printer on floor 3", "It prints blank pages since this morning, the toner is new."),
            ),
            (
                (VPN_TITLE, VPN),
                ("Cannot log in to the portal", "My password reset e-mail never arrives, I tried three times."),
            ),
            (
                (VPN_TITLE, VPN),
                ("VPN slow in Paris", "The VPN is slow for everyone in the Paris office since the upgrade."),
            ),
        ];
        for (a, b) in pairs {
            let s = similar(a, b);
            assert!(s < 0.2, "{a:?} / {b:?}: {s}");
            let (fa, fb) = (fingerprint(a.0, a.1), fingerprint(b.0, b.1));
            assert!(fa.bands.iter().zip(&fb.bands).all(|(x, y)| x != y), "{a:?} / {b:?} share a band");
        }
    }

    #[test]
    fn fingerprints_are_fixed_functions_of_the_text() {
        let f = fingerprint("Printer on floor 3", "It prints blank pages.");
        assert_eq!(f.bands[0], FIXED_BAND_0, "the hashing changed: stored fingerprints no longer match");
        assert_eq!(f.signature[0], FIXED_SLOT_0);
        assert_eq!(fingerprint("Printer on floor 3", "It prints blank pages."), f);
        let bands: std::collections::HashSet<i64> = f.bands.iter().copied().collect();
        assert_eq!(bands.len(), BANDS, "band numbers are mixed into the keys");
        assert_eq!(band_keys(&f.signature), f.bands);
        assert!(band_keys(&f.signature[..BANDS * ROWS - 1]).is_empty());
    }

    const FIXED_BAND_0: i64 = -2_413_314_223_541_439_917;
    const FIXED_SLOT_0: u32 = 81_612_842;

    #[test]
    fn texts_without_words_are_similar_to_nothing() {
        for (title, description) in [("", ""), ("", "?!"), ("the", "to and of")] {
            let f = fingerprint(title, description);
            assert!(f.is_empty() && f.bands.is_empty(), "{title:?} {description:?}");
            assert_eq!(similarity(&f.signature, &f.signature), 0.0);
        }
        let short = fingerprint("Help", "");
        assert_eq!(short.signature.len(), SIGNATURE_LEN, "a single word is still a text");
        assert_eq!(similarity(&short.signature, &fingerprint("help!", "").signature), 1.0);
        assert_eq!(similarity(&short.signature, &short.signature[1..]), 0.0);
    }

    #[test]
    fn signatures_round_trip_through_bytes() {
        let f = fingerprint(VPN_TITLE, VPN);
        let bytes = signature_to_bytes(&f.signature);
        assert_eq!(bytes.len(), SIGNATURE_LEN * 4);
        assert_eq!(signature_from_bytes(&bytes), Some(f.signature));
        assert_eq!(signature_from_bytes(&bytes[1..]), None);
        assert_eq!(signature_from_bytes(&[]), Some(Vec::new()));
    }

    #[test]
    fn stop_words_are_sorted_for_the_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(words("Hi, the VPN is DOWN", "Please help"), ["vpn", "down", "help"]);
    }

    #[test]
    fn long_texts_do_not_panic() {
        let f = fingerprint(&"\u{202E}é\u{0301}!".repeat(10_000), &"outage ".repeat(20_000));
        assert_eq!(f.signature.len(), SIGNATURE_LEN);
    }
}
