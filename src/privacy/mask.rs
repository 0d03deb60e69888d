//! E-mail addresses in logs and lookups: the masked form a log line may carry (`a***@example.com`)
//! and the normalised form exact-match lookups compare.

use std::fmt;

/// `address` masked for a log line: its first character, `***`, then `@` and the domain
/// (`ana@example.com` is `a***@example.com`). Something without an `@` is all masked.
pub fn mask_email(address: &str) -> String {
    let address = address.trim();
    match address.rsplit_once('@') {
        Some((local, domain)) => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        None => "***".to_owned(),
    }
}

/// `address` as requester lookups compare it: surrounding white space removed and ASCII letters in
/// lower case (`Ana@Example.COM` and `ana@example.com` are one requester); other characters as given.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_ascii_lowercase()
}

/// Displays an address masked, for tracing fields: `requester = %Masked(&ticket.requester_email)`.
#[derive(Clone, Copy)]
pub struct Masked<'a>(pub &'a str);

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_email(self.0))
    }
}

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", mask_email(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_to_their_first_letter_and_domain() {
        assert_eq!(mask_email("ana@example.com"), "a***@example.com");
        assert_eq!(mask_email(" Zoë.Long+tag@mail.example.org "), "Z***@mail.example.org");
        assert_eq!(mask_email("@example.com"), "***@example.com");
        assert_eq!(mask_email("no-at-sign"), "***");
        assert_eq!(Masked("bob@example.com").to_string(), "b***@example.com");
        assert_eq!(format!("{:?}", Masked("bob@example.com")), "\"b***@example.com\"");
    }

    #[test]
    fn normalising_trims_and_lowers_ascii_letters() {
        assert_eq!(normalize_email("  Ana@Example.COM\n"), "ana@example.com");
        assert_eq!(normalize_email("ÉLise@example.com"), "Élise@example.com");
    }
}
