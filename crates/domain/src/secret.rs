//! Personal information as typed secrets.
//!
//! A `Secret<T>` prints as `***` in `Debug` and `Display`, so a phone number or an address
//! that ends up in a log line or an error message is masked by construction. Reading the
//! value is a visible call (`expose`), easy to find in review.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A value that must not be printed or logged as it is.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The wrapped value. Every call site is a place where personal data leaves its box.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

/// Secrets deserialize from their plain value (they arrive in requests) but serialize only
/// masked: sending one out requires exposing it on purpose.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Secret)
    }
}

impl<T> Serialize for Secret<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// Masks a free text (an address, a name) for display to someone who may see that it
/// exists but not what it is: keeps the first character and the length class.
pub fn mask_text(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => format!("{first}***"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let s = Secret::new("13800138000".to_string());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        assert_eq!(s.expose(), "13800138000");
    }

    #[test]
    fn masked_text_keeps_only_the_first_character() {
        assert_eq!(mask_text("上海市徐汇区"), "上***");
        assert_eq!(mask_text(""), "");
    }
}
