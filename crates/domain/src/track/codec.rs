//! The compact form of a visit's track: the polyline algorithm (as map vendors use it) over
//! three values per point, the time in seconds and the latitude and longitude in 1e-5
//! degrees (about a metre), each as the zig-zag difference from the point before in 5-bit
//! groups written as printable ASCII. A point costs 6 to 10 characters where a row would
//! cost a hundred bytes; the text goes in an ordinary text column on every database.
//!
//! The text starts with a version character (`1`), outside the alphabet of the groups.

use chrono::{DateTime, Utc};

/// The version of the form written now.
const VERSION: char = '1';

/// Steps per degree.
const SCALE: f64 = 1e5;

/// One point of a track: when (whole seconds) and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    /// Seconds since 1970 (UTC).
    pub t: i64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
}

impl TrackPoint {
    /// The point's time.
    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.t, 0).unwrap_or_default()
    }
}

/// Why a stored track could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a form this version writes.
    #[error("unknown track version")]
    Version,
    /// A character outside the alphabet, or a value cut short.
    #[error("corrupt track at character {0}")]
    Corrupt(usize),
}

fn put(out: &mut String, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x20 {
        out.push(char::from((0x20 | (z & 0x1f)) as u8 + 63));
        z >>= 5;
    }
    out.push(char::from(z as u8 + 63));
}

fn steps(deg: f64) -> i64 {
    (deg * SCALE).round() as i64
}

/// Encodes points in their order.
pub fn encode(points: &[TrackPoint]) -> String {
    let mut out = String::with_capacity(1 + points.len() * 10);
    out.push(VERSION);
    let (mut t, mut la, mut lo) = (0i64, 0i64, 0i64);
    for p in points {
        let (nla, nlo) = (steps(p.lat), steps(p.lng));
        put(&mut out, p.t - t);
        put(&mut out, nla - la);
        put(&mut out, nlo - lo);
        (t, la, lo) = (p.t, nla, nlo);
    }
    out
}

/// Decodes what [`encode`] wrote; coordinates come back to within 0.5e-5 degrees.
pub fn decode(s: &str) -> Result<Vec<TrackPoint>, DecodeError> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&(VERSION as u8)) {
        return Err(DecodeError::Version);
    }
    let mut i = 1;
    let next = |i: &mut usize| -> Result<Option<i64>, DecodeError> {
        if *i == bytes.len() {
            return Ok(None);
        }
        let (mut z, mut shift) = (0u64, 0u32);
        loop {
            let Some(&c) = bytes.get(*i) else {
                return Err(DecodeError::Corrupt(*i));
            };
            if !(63..=126).contains(&c) || shift > 60 {
                return Err(DecodeError::Corrupt(*i));
            }
            *i += 1;
            let g = u64::from(c - 63);
            z |= (g & 0x1f) << shift;
            shift += 5;
            if g < 0x20 {
                break;
            }
        }
        Ok(Some(((z >> 1) as i64) ^ -((z & 1) as i64)))
    };
    let mut out = vec![];
    let (mut t, mut la, mut lo) = (0i64, 0i64, 0i64);
    while let Some(dt) = next(&mut i)? {
        let at = i;
        let (Some(dla), Some(dlo)) = (next(&mut i)?, next(&mut i)?) else {
            return Err(DecodeError::Corrupt(at));
        };
        t = t.wrapping_add(dt);
        la = la.wrapping_add(dla);
        lo = lo.wrapping_add(dlo);
        out.push(TrackPoint {
            t,
            lat: la as f64 / SCALE,
            lng: lo as f64 / SCALE,
        });
    }
    Ok(out)
}
