//! Argon2id password hashing, run off the async executor.

use std::sync::OnceLock;

use anyhow::anyhow;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher(memory_kib: u32) -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(memory_kib, 2, 1, None).map_err(|e| anyhow!("argon2 params: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string (`$argon2id$…`).
pub async fn hash(password: String, memory_kib: u32) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let h = hasher(memory_kib)?.hash_password(password.as_bytes()).map_err(|e| anyhow!("argon2 hash: {e}"))?;
        Ok(h.to_string())
    })
    .await?
}

/// Checks a password against a stored hash; with no stored hash (unknown
/// phone) a dummy hash is checked so both cases take the same time.
pub async fn verify(password: String, stored: Option<String>, memory_kib: u32) -> anyhow::Result<bool> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match stored {
            Some(s) => (s, true),
            None => {
                let dummy = match DUMMY.get() {
                    Some(d) => d.clone(),
                    None => {
                        let d = hasher(memory_kib)?
                            .hash_password(b"microwish-dummy-password")
                            .map_err(|e| anyhow!("argon2 hash: {e}"))?
                            .to_string();
                        DUMMY.get_or_init(|| d).clone()
                    }
                };
                (dummy, false)
            }
        };
        // Parameters come from the stored hash, so older hashes keep verifying.
        let ok = Argon2::default().verify_password(password.as_bytes(), stored.as_str()).is_ok();
        Ok(ok && real)
    })
    .await?
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = super::hash("correct horse".into(), 1024).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse".into(), Some(h.clone()), 1024).await.unwrap());
        assert!(!super::verify("wrong horse".into(), Some(h), 1024).await.unwrap());
        assert!(!super::verify("correct horse".into(), None, 1024).await.unwrap());
    }
}
