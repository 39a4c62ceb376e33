//! Mainland China mobile phone numbers: the log-in identity of customers and workers.

use crate::secret::Secret;
use std::fmt;

/// A validated mainland mobile number (11 digits, `1[3-9]xxxxxxxxx`), kept secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(Secret<String>);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not 11 digits starting with 1 and a second digit 3–9.
    #[error("expected an 11-digit mainland mobile number such as 13800138000")]
    Invalid,
}

impl Phone {
    /// Parses a number, accepting an optional `+86`/`86` prefix and spaces or dashes.
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let digits: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .or_else(|| {
                if digits.len() == 13 {
                    digits.strip_prefix("86")
                } else {
                    None
                }
            })
            .unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid {
            Ok(Phone(Secret::new(digits.to_string())))
        } else {
            Err(PhoneError::Invalid)
        }
    }

    /// The full number. Use only to send a message or to encrypt it for storage.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The number as shown to people who may know of it: `138****8000`.
    pub fn masked(&self) -> String {
        mask_phone(self.0.expose())
    }
}

/// Masks a phone number's middle digits: `13800138000` → `138****8000`.
pub fn mask_phone(digits: &str) -> String {
    if digits.len() == 11 && digits.is_ascii() {
        format!("{}****{}", &digits[..3], &digits[7..])
    } else {
        "****".to_string()
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_with_country_code_and_spaces_is_normalised() {
        assert_eq!(
            Phone::parse("+86 138-0013-8000").unwrap().expose(),
            "13800138000"
        );
        assert_eq!(
            Phone::parse("8613800138000").unwrap().expose(),
            "13800138000"
        );
    }

    #[test]
    fn numbers_that_are_not_mainland_mobiles_are_refused() {
        for bad in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "1380013800a",
            "+1 415 555 0100",
        ] {
            assert_eq!(Phone::parse(bad), Err(PhoneError::Invalid), "{bad}");
        }
    }

    #[test]
    fn a_phone_prints_masked() {
        let p = Phone::parse("13800138000").unwrap();
        assert_eq!(format!("{p:?} {p}"), "Phone(138****8000) 138****8000");
    }
}
