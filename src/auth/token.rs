//! New bearer tokens: 256 bits from the operating system's generator, in a form that is easy to
//! spot in a leaked log or commit (`hdk_` and 43 base64url characters).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{TryRngCore, rngs::OsRng};

/// The prefix of every token the service issues.
pub const TOKEN_PREFIX: &str = "hdk_";

/// A fresh token, or why the operating system could not give random bytes.
pub fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| format!("the operating system's random generator failed: {e}"))?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_differ() {
        let (a, b) = (new_token().expect("token"), new_token().expect("token"));
        assert_ne!(a, b);
        let body = a.strip_prefix(TOKEN_PREFIX).expect("prefix");
        assert_eq!(URL_SAFE_NO_PAD.decode(body).expect("base64url").len(), 32);
        assert!(!a.contains('.'), "never mistaken for a JWT");
    }
}
