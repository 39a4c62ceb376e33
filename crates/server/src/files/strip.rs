//! Metadata stripping by rewriting an image's container, chunk by chunk: what a picture
//! needs to render is kept byte for byte, everything that describes where, when and with
//! what it was taken is dropped. No pixel is decoded or re-encoded, so quality is untouched
//! and no image codec is needed; each container is checked as it is walked (lengths,
//! PNG CRCs, the RIFF size), and a file that does not hold together is refused.
//!
//! - JPEG: keeps the JFIF header (APP0), ICC profiles (APP2 `ICC_PROFILE`), Adobe's colour
//!   transform (APP14) and every non-APP segment; drops EXIF and XMP (APP1), MPF and
//!   FlashPix (other APP2), IPTC (APP13), every other APPn, comments, and anything after
//!   the end-of-image marker (where phones put extra pictures with their own EXIF).
//! - PNG: keeps the critical chunks and the ancillary ones that change how pixels look
//!   (`tRNS`, `gAMA`, `cHRM`, `sRGB`, `iCCP`, `sBIT`, `cICP`, `mDCV`, `cLLI`, `bKGD`,
//!   `pHYs`); drops `eXIf`, `tEXt`, `zTXt`, `iTXt`, `tIME`, animation and private chunks.
//! - WebP: keeps `VP8 `, `VP8L`, `VP8X`, `ALPH`, `ANIM`, `ANMF`, `ICCP`; drops `EXIF`,
//!   `XMP ` and unknown chunks, clears their flags in `VP8X` and fixes the RIFF size.

use super::PhotoError;

fn damaged(m: &str) -> PhotoError {
    PhotoError::Damaged(m.to_string())
}

/// A JPEG without metadata segments.
pub(super) fn jpeg(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return Err(damaged("no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        // Markers may be padded with extra 0xFF bytes.
        while i + 1 < b.len() && b[i] == 0xFF && b[i + 1] == 0xFF {
            i += 1;
        }
        if i + 2 > b.len() {
            return Err(damaged("the image ends before its end marker"));
        }
        if b[i] != 0xFF {
            return Err(damaged("a segment does not start with a marker"));
        }
        let marker = b[i + 1];
        if marker == 0xD9 {
            out.extend_from_slice(&b[i..i + 2]);
            return Ok(out);
        }
        // Markers without a length: restart markers and TEM.
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            out.extend_from_slice(&b[i..i + 2]);
            i += 2;
            continue;
        }
        if i + 4 > b.len() {
            return Err(damaged("the header ends early"));
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        let end = i + 2 + len;
        if len < 2 || end > b.len() {
            return Err(damaged("a segment runs past the end"));
        }
        let payload = &b[i + 4..end];
        let keep = match marker {
            0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if marker == 0xDA {
            // Entropy-coded data follows a scan header, up to the next marker that is not
            // a stuffed byte (FF 00) or a restart marker.
            let start = i;
            while i + 1 < b.len() {
                if b[i] == 0xFF && b[i + 1] != 0x00 && !(0xD0..=0xD7).contains(&b[i + 1]) {
                    break;
                }
                i += 1;
            }
            if i + 1 >= b.len() {
                return Err(damaged("the image data has no end marker"));
            }
            out.extend_from_slice(&b[start..i]);
        }
    }
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
/// Ancillary PNG chunks that affect how the picture looks.
const PNG_KEEP: [&[u8; 4]; 11] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP", b"mDCV", b"cLLI", b"bKGD",
    b"pHYs",
];

/// A PNG without metadata chunks.
pub(super) fn png(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if !b.starts_with(PNG_SIGNATURE) {
        return Err(damaged("no PNG signature"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        if i + 12 > b.len() {
            return Err(damaged("the image ends before its IEND chunk"));
        }
        let len = u32::from_be_bytes(b[i..i + 4].try_into().expect("four bytes")) as usize;
        if len > 0x7FFF_FFFF || i + 12 + len > b.len() {
            return Err(damaged("a chunk runs past the end"));
        }
        let kind: [u8; 4] = b[i + 4..i + 8].try_into().expect("four bytes");
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(damaged("a chunk has no valid type"));
        }
        let body = &b[i + 4..i + 8 + len];
        let crc = u32::from_be_bytes(b[i + 8 + len..i + 12 + len].try_into().expect("four"));
        if crc32fast::hash(body) != crc {
            return Err(damaged(&format!(
                "the {} chunk fails its checksum",
                String::from_utf8_lossy(&kind)
            )));
        }
        if first && &kind != b"IHDR" {
            return Err(damaged("the first chunk is not IHDR"));
        }
        first = false;
        // Critical chunks (upper-case first letter) are the picture; an unknown one is a
        // file no viewer can show.
        let critical = kind[0].is_ascii_uppercase();
        if critical && !matches!(&kind, b"IHDR" | b"PLTE" | b"IDAT" | b"IEND") {
            return Err(damaged(&format!(
                "unknown critical chunk {}",
                String::from_utf8_lossy(&kind)
            )));
        }
        if critical || PNG_KEEP.contains(&&kind) {
            out.extend_from_slice(&b[i..i + 12 + len]);
        }
        i += 12 + len;
        if &kind == b"IEND" {
            // Anything after IEND is not part of the picture.
            return Ok(out);
        }
    }
}

/// WebP chunks that make up the picture.
const WEBP_KEEP: [&[u8; 4]; 7] = [
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
/// `VP8X` flags of the chunks dropped here.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

/// A WebP without metadata chunks.
pub(super) fn webp(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if b.len() < 12 || &b[..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return Err(damaged("no RIFF WEBP header"));
    }
    let riff = u32::from_le_bytes(b[4..8].try_into().expect("four bytes")) as usize;
    if riff < 4 || riff % 2 == 1 || 8 + riff > b.len() {
        return Err(damaged("the RIFF size does not match the file"));
    }
    let end = 8 + riff;
    let mut chunks = Vec::with_capacity(b.len());
    let mut i = 12;
    let mut image = false;
    while i < end {
        if i + 8 > end {
            return Err(damaged("a chunk header runs past the end"));
        }
        let kind: [u8; 4] = b[i..i + 4].try_into().expect("four bytes");
        let len = u32::from_le_bytes(b[i + 4..i + 8].try_into().expect("four bytes")) as usize;
        let padded = len + (len & 1);
        if i + 8 + padded > end {
            return Err(damaged("a chunk runs past the end"));
        }
        if WEBP_KEEP.contains(&&kind) {
            let at = chunks.len();
            chunks.extend_from_slice(&b[i..i + 8 + padded]);
            if &kind == b"VP8X" {
                if len < 10 {
                    return Err(damaged("the VP8X chunk is too short"));
                }
                chunks[at + 8] &= !(VP8X_EXIF | VP8X_XMP);
            }
            image |= matches!(&kind, b"VP8 " | b"VP8L" | b"ANMF");
        }
        i += 8 + padded;
    }
    if !image {
        return Err(damaged("the file holds no picture"));
    }
    let mut out = Vec::with_capacity(12 + chunks.len());
    out.extend_from_slice(b"RIFF");
    let size = u32::try_from(4 + chunks.len()).expect("smaller than the input");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Ok(out)
}
