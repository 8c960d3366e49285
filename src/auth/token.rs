//! HS256 access tokens (short-lived JWTs) and opaque refresh tokens.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const ISSUER: &str = "microwish";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
}

/// Signing and verification keys for access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        // The algorithm is pinned: a token claiming `none` or RS256 is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues an access token for `user`.
    pub fn issue(&self, user: Uuid) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims { sub: user, iat: now, exp: now + self.ttl.as_secs() as i64, iss: ISSUER.to_owned() };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// The user of a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Option<Uuid> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok().map(|d| d.claims.sub)
    }
}

/// A fresh random secret (for the JWT key or a refresh token), base64url.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Refresh tokens are stored only as their SHA-256.
pub fn refresh_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60))
    }

    #[test]
    fn a_token_names_its_user() {
        let user = Uuid::now_v7();
        let t = keys().issue(user).unwrap();
        assert_eq!(keys().verify(&t), Some(user));
    }

    #[test]
    fn tampered_foreign_and_unsigned_tokens_are_refused() {
        let t = keys().issue(Uuid::now_v7()).unwrap();
        let other = JwtKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        assert_eq!(other.verify(&t), None);
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD
            .encode(format!(r#"{{"sub":"{}","exp":9999999999,"iat":0,"iss":"microwish"}}"#, Uuid::now_v7()));
        assert_eq!(keys().verify(&parts.join(".")), None);
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(keys().verify(&format!("{none_header}.{}.", parts[1])), None);
    }

    #[test]
    fn expired_tokens_are_refused() {
        let k = keys();
        let claims = Claims { sub: Uuid::now_v7(), iat: 0, exp: 1000, iss: ISSUER.into() };
        let t = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &k.encoding).unwrap();
        assert_eq!(k.verify(&t), None);
    }

    #[test]
    fn refresh_hashes_are_stable_hex() {
        assert_eq!(refresh_hash("a").len(), 64);
        assert_eq!(refresh_hash("a"), refresh_hash("a"));
        assert_ne!(random_secret(32), random_secret(32));
    }
}
