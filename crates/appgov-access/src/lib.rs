//! Who may do what in appgov — pure rules, no I/O.
//!
//! - [`roles`]: the six account roles, the actions each allows, and how a
//!   grant scoped to an org subtree applies to an app or a record;
//! - [`account`]: user accounts and API tokens as audited records;
//! - [`password`]: the password policy and argon2id hashing;
//! - [`secret`]: random session ids, CSRF tokens and API tokens, stored
//!   only as SHA-256 digests;
//! - [`throttle`]: when repeated failed logins lock an account or an
//!   address out.
//!
//! The web server enforces these; the tests of this crate pin them (the
//! authorization matrix is a table here, so the matrix test in the server
//! checks the server against it, not against itself).

pub mod account;
pub mod password;
pub mod roles;
pub mod secret;
pub mod throttle;

pub use account::{AccountSource, ApiToken, UserAccount};
pub use roles::{AccountRole, Action, Grant, OrgTree, Principal, TokenScope};
