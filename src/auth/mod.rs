//! Authentication: password hashing, access tokens, refresh tokens, and the
//! extractors that turn a bearer token into a caller.

pub mod password;
pub mod token;

mod extract;
pub use extract::{AuthUser, MaybeUser};
