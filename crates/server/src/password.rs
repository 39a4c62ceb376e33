//! Staff passwords: argon2id with the library's recommended parameters.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// A valid argon2id hash of a random password, used to spend the same time verifying when
/// a login name does not exist.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Q0JHsbkSH2FBmJgg1W7tGn5xY2v5UGQDn0v1UQh7a8";

/// Hashes a password.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// True when `password` matches `hash`.
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Why a new password is refused.
pub fn check_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 8 {
        return Err("at least 8 characters");
    }
    if password.len() > 1024 {
        return Err("at most 1024 characters");
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err("not only digits");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_another_does_not() {
        let h = hash("daojia-demo");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("daojia-demo", &h));
        assert!(!verify("daojia-demo!", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify("anything", DUMMY_HASH));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("12345678").is_err());
        assert!(check_strength("daojia-demo").is_ok());
    }
}
