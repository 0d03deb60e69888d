//! Who may call what: principals (bearer tokens by their SHA-256, mTLS client names, JWTs from an
//! identity provider), the scope each method needs, and new tokens. Nothing here does network I/O;
//! the gRPC layer (`grpc::auth`) reads the credentials off each call and asks the [`Authenticator`].

mod authenticator;
pub mod certificate;
pub mod jwt;
pub mod principals;
pub mod scope;
pub mod token;

pub use authenticator::{ANONYMOUS, AuthError, Authenticator, Credentials, Principal, Refusal};
pub use principals::{Principals, PrincipalsError, token_digest};
pub use scope::{Access, METHOD_SCOPES, Scope, Scopes, access};
pub use token::new_token;
