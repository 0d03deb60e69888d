//! The caller a request was authenticated as.

/// An authenticated caller: the name the audit log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The principal's name (from the principals file, a client certificate or a JWT's `sub`).
    pub name: String,
}
