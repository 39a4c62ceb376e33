//! Ids for the demo's rows: UUID v7 carrying the row's own (past) time, so lists sorted by
//! id show the history in the order it happened, with the rest of the bits drawn from the
//! seed, so that the same seed gives the same ids.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A deterministic source of time-ordered ids.
pub(super) struct IdGen(u64);

impl IdGen {
    /// Ids drawn from `seed`.
    pub fn new(seed: u64) -> IdGen {
        IdGen(seed)
    }

    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A new id for a row written at `at`.
    pub fn at(&mut self, at: DateTime<Utc>) -> Uuid {
        let (a, b) = (self.next().to_le_bytes(), self.next().to_le_bytes());
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&a);
        bytes[8..].copy_from_slice(&b[..2]);
        let millis = at.timestamp_millis().max(0) as u64;
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_time_and_repeat_for_a_seed() {
        let t = DateTime::parse_from_rfc3339("2026-09-03T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (mut a, mut b) = (IdGen::new(1), IdGen::new(1));
        let x = a.at(t);
        assert_eq!(x, b.at(t));
        assert_ne!(x, a.at(t));
        assert_eq!(x.get_version_num(), 7);
        let later = a.at(t + chrono::Duration::seconds(1));
        assert!(later > x, "sorted by time");
        let (secs, _) = x.get_timestamp().unwrap().to_unix();
        assert_eq!(secs as i64, t.timestamp());
    }
}
