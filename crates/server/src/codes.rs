//! Where log-in codes come from: a CSPRNG in production, a known sequence in tests (the
//! seam lets a test prove that a code it knows is stored and logged nowhere).

/// Draws six-digit log-in codes.
pub trait CodeSource: Send + Sync + 'static {
    /// A new code: exactly six ASCII digits.
    fn next_code(&self) -> String;
}

/// Uniform codes from the thread's cryptographically secure generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomCodes;

impl CodeSource for RandomCodes {
    fn next_code(&self) -> String {
        use rand::Rng;
        format!("{:06}", rand::rng().random_range(0..1_000_000u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> =
            (0..50).map(|_| RandomCodes.next_code()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(codes.len() > 40);
    }
}
