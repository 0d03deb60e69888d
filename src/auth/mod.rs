//! Who may call what: principals (bearer tokens by their SHA-256, mTLS client names, JWTs from an
//! identity provider), the scope each method needs, and the safe defaults when nothing is configured.

mod principal;

pub use principal::Principal;
