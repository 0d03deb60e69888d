//! The tokenizer: lower-cased words by the Unicode word-boundary rules (UAX #29). ASCII text,
//! most tickets, takes a byte scanner that applies the same rules several times faster; the
//! tests check it against `unicode-segmentation` on arbitrary ASCII.

use unicode_segmentation::UnicodeSegmentation;

/// Calls `each` with every lower-cased word of `text`, in order. `scratch` holds the lower-cased
/// text (cleared first).
pub fn for_each_word(text: &str, scratch: &mut String, mut each: impl FnMut(&str)) {
    scratch.clear();
    if !text.is_ascii() {
        scratch.push_str(&text.to_lowercase());
        scratch.unicode_words().for_each(each);
        return;
    }
    scratch.push_str(text);
    scratch.make_ascii_lowercase();
    let bytes = scratch.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut alphanumeric = false;
        loop {
            while i < bytes.len() && is_word_byte(bytes[i]) {
                alphanumeric |= bytes[i] != b'_';
                i += 1;
            }
            // A single separator between two letters (WB6/7) or two digits (WB11/12) keeps the word.
            let (Some(&middle), Some(&next)) = (bytes.get(i), bytes.get(i + 1)) else { break };
            let last = bytes[i - 1];
            let letters =
                last.is_ascii_alphabetic() && next.is_ascii_alphabetic() && matches!(middle, b'.' | b':' | b'\'');
            let digits = last.is_ascii_digit() && next.is_ascii_digit() && matches!(middle, b'.' | b',' | b';' | b'\'');
            if !(letters || digits) {
                break;
            }
            i += 1;
        }
        if alphanumeric {
            each(&scratch[start..i]);
        }
    }
}

/// Letters, digits and the underscore (which joins them, WB13a/b) make up ASCII words.
fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[usize::from(b)]
}

const WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// The words of `text` as the features see them.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, &mut String::new(), |w| out.push(w.to_owned()));
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn reference(text: &str) -> Vec<String> {
        text.to_lowercase().unicode_words().map(str::to_owned).collect()
    }

    #[test]
    fn words_are_lower_case_unicode_words() {
        assert_eq!(
            words("Can't LOG-IN to the Café's Wi-Fi!!"),
            ["can't", "log", "in", "to", "the", "café's", "wi", "fi"]
        );
        assert_eq!(words("Größe ÜBER 2.5 GB; <name> says hi"), ["größe", "über", "2.5", "gb", "name", "says", "hi"]);
        assert_eq!(
            words("Error 0x1F at 10:30, v2.1.3; see e.g. docs.example.com or __init__ _ 1,000.5"),
            [
                "error",
                "0x1f",
                "at",
                "10",
                "30",
                "v2.1.3",
                "see",
                "e.g",
                "docs.example.com",
                "or",
                "__init__",
                "1,000.5"
            ]
        );
        assert!(words("  -- !! ").is_empty());
    }

    #[test]
    fn the_ascii_scanner_agrees_with_unicode_segmentation_on_examples() {
        for text in ["a:b", "a::b", "1'2", "a'1", "1.a", "x_1.2", "_a_", "a._b", "a.'b", "'quoted' words.", "end."] {
            assert_eq!(words(text), reference(text), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn the_ascii_scanner_agrees_with_unicode_segmentation(text in "[a-zA-Z0-9_ .,;:'\"!?()\\n\\t-]{0,40}") {
            prop_assert_eq!(words(&text), reference(&text));
        }
    }
}
