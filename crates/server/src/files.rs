//! Where uploaded files live: a [`FileStore`] (a local directory by default; an object store
//! such as S3 or OSS fits behind the same trait when API nodes are many), and the checks a
//! photo passes on the way in: a real JPEG, PNG or WebP by its bytes (never by the name or
//! the declared type), a size limit, sane dimensions, and no metadata: phones put the GPS
//! position of the customer's home in EXIF, XMP and text chunks, which [`strip`] removes
//! from all three formats.

mod s3;
pub mod sigv4;
mod strip;

pub use s3::{S3Files, S3SetupError};

use std::io;
use std::path::PathBuf;
use uuid::Uuid;

/// Bytes by key.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing nothing: keys are new ids.
    async fn put(&self, key: Uuid, bytes: &[u8]) -> io::Result<()>;
    /// The bytes under `key`, if any.
    async fn get(&self, key: Uuid) -> io::Result<Option<Vec<u8>>>;
    /// Removes the bytes under `key`; a missing file is not an error (erasure and
    /// retention may run twice).
    async fn delete(&self, key: Uuid) -> io::Result<()>;
}

/// Files in a local directory, two levels of fan-out by id.
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    /// A store under `root` (created on first write).
    pub fn new(root: PathBuf) -> LocalFiles {
        LocalFiles { root }
    }

    fn path(&self, key: Uuid) -> PathBuf {
        let s = key.simple().to_string();
        self.root.join(&s[s.len() - 2..]).join(s)
    }
}

#[async_trait::async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, key: Uuid, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key);
        let dir = path.parent().expect("a file has a folder").to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        // Written whole, then renamed: a crash never leaves half a photo under the key.
        let tmp = dir.join(format!(".{}.part", key.simple()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }

    async fn get(&self, key: Uuid) -> io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete(&self, key: Uuid) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The store the configuration names: a folder (`booking.uploads_dir`) or an
/// S3-compatible bucket (`[storage] kind = "s3"`).
pub fn from_config(
    config: &crate::config::Config,
) -> Result<std::sync::Arc<dyn FileStore>, S3SetupError> {
    Ok(match config.storage.kind.as_str() {
        "s3" => std::sync::Arc::new(S3Files::new(&config.storage.s3)?),
        _ => std::sync::Arc::new(LocalFiles::new(
            config
                .booking
                .uploads_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(".daojia/uploads")),
        )),
    })
}

/// A checked photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: &'static str,
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// The bytes to keep: the picture without its metadata.
    pub bytes: Vec<u8>,
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not a JPEG, PNG or WebP image.
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    /// The image's header is broken.
    #[error("the image is damaged: {0}")]
    Damaged(String),
    /// Too small or too large in pixels.
    #[error("the image must be between 16 and 12000 pixels on each side (it is {0}×{1})")]
    Dimensions(u32, u32),
}

/// Checks `bytes` and returns what to keep.
pub fn check_photo(bytes: &[u8]) -> Result<Photo, PhotoError> {
    let content_type = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => "image/jpeg",
        Ok(imagesize::ImageType::Png) => "image/png",
        Ok(imagesize::ImageType::Webp) => "image/webp",
        _ => return Err(PhotoError::NotAnImage),
    };
    let size = imagesize::blob_size(bytes).map_err(|e| PhotoError::Damaged(e.to_string()))?;
    let (w, h) = (size.width as u32, size.height as u32);
    if !(16..=12_000).contains(&w) || !(16..=12_000).contains(&h) {
        return Err(PhotoError::Dimensions(w, h));
    }
    let bytes = match content_type {
        "image/jpeg" => strip::jpeg(bytes)?,
        "image/png" => strip::png(bytes)?,
        _ => strip::webp(bytes)?,
    };
    // What is kept must still be the same picture to a reader.
    match imagesize::blob_size(&bytes) {
        Ok(s) if (s.width as u32, s.height as u32) == (w, h) => {}
        _ => {
            return Err(PhotoError::Damaged(
                "the image does not hold together".into(),
            ));
        }
    }
    Ok(Photo {
        content_type,
        width: w,
        height: h,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16×16 baseline JPEG with an EXIF (APP1) segment holding a "GPS" marker string.
    pub(crate) fn jpeg_with_exif() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        // APP0 JFIF.
        b.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        // APP1 EXIF with a recognisable payload.
        let payload = b"Exif\0\0GPS 31.2304N 121.4737E";
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(payload);
        // SOF0: 8-bit, 16×16, one component.
        b.extend_from_slice(&[
            0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
        ]);
        // SOS and a little data, then EOI.
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        b.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_keeps_its_picture() {
        let src = jpeg_with_exif();
        let p = check_photo(&src).unwrap();
        assert_eq!((p.content_type, p.width, p.height), ("image/jpeg", 16, 16));
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(find(&src, b"GPS"));
        assert!(!find(&p.bytes, b"GPS"), "the position is gone");
        assert!(
            p.bytes.ends_with(&[0x12, 0x34, 0x56, 0xFF, 0xD9]),
            "the scan is kept"
        );
        assert_eq!(src.len() - p.bytes.len(), 4 + 28);
    }

    #[test]
    fn other_files_are_refused_by_their_bytes() {
        assert_eq!(check_photo(b"%PDF-1.7 hello"), Err(PhotoError::NotAnImage));
        assert_eq!(
            check_photo(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(check_photo(&[]), Err(PhotoError::NotAnImage));
        // A PNG header claiming 1×1 pixels.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1u32.to_be_bytes());
        png.extend_from_slice(&1u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0]);
        assert_eq!(check_photo(&png), Err(PhotoError::Dimensions(1, 1)));
        // A truncated JPEG.
        let j = jpeg_with_exif();
        assert!(check_photo(&j[..30]).is_err());
    }

    const JPEG: &[u8] = include_bytes!("../tests/fixtures/gps.jpg");
    const PNG: &[u8] = include_bytes!("../tests/fixtures/gps.png");
    const WEBP: &[u8] = include_bytes!("../tests/fixtures/gps.webp");

    fn find(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// PNG chunk types in order.
    fn png_chunks(b: &[u8]) -> Vec<String> {
        let mut i = 8;
        let mut out = vec![];
        while i + 8 <= b.len() {
            let len = u32::from_be_bytes(b[i..i + 4].try_into().unwrap()) as usize;
            out.push(String::from_utf8_lossy(&b[i + 4..i + 8]).into_owned());
            i += 12 + len;
        }
        out
    }

    /// WebP chunk FourCCs in order.
    fn webp_chunks(b: &[u8]) -> Vec<String> {
        let mut i = 12;
        let mut out = vec![];
        while i + 8 <= b.len() {
            let len = u32::from_le_bytes(b[i + 4..i + 8].try_into().unwrap()) as usize;
            out.push(String::from_utf8_lossy(&b[i..i + 4]).into_owned());
            i += 8 + len + (len & 1);
        }
        out
    }

    #[test]
    fn photos_with_a_gps_position_keep_their_picture_and_lose_every_trace_of_it() {
        for (src, kind) in [
            (JPEG, "image/jpeg"),
            (PNG, "image/png"),
            (WEBP, "image/webp"),
        ] {
            assert!(
                find(src, b"DAOJIA-SECRET"),
                "{kind}: the fixture carries metadata"
            );
            let p = check_photo(src).unwrap();
            assert_eq!((p.content_type, p.width, p.height), (kind, 32, 24));
            for needle in [
                &b"DAOJIA-SECRET"[..],
                b"Exif",
                b"xmpmeta",
                b"adobe",
                b"8BIM",
            ] {
                assert!(!find(&p.bytes, needle), "{kind} keeps {needle:?}");
            }
            // Stripping what is stripped changes nothing: the output is well formed.
            assert_eq!(check_photo(&p.bytes).unwrap().bytes, p.bytes, "{kind}");
        }
        assert_eq!(png_chunks(PNG)[0], "IHDR");
        assert!(png_chunks(PNG).iter().any(|c| c == "eXIf"));
        assert_eq!(
            png_chunks(&check_photo(PNG).unwrap().bytes),
            ["IHDR", "IDAT", "IEND"]
        );
        assert_eq!(webp_chunks(WEBP), ["VP8X", "VP8 ", "EXIF", "XMP "]);
        let w = check_photo(WEBP).unwrap().bytes;
        assert_eq!(webp_chunks(&w), ["VP8X", "VP8 "]);
        assert_eq!(
            w[20] & 0x0C,
            0,
            "the VP8X flags no longer announce EXIF or XMP"
        );
        assert_ne!(WEBP[20] & 0x0C, 0);
        assert_eq!(
            u32::from_le_bytes(w[4..8].try_into().unwrap()) as usize,
            w.len() - 8,
            "the RIFF size is the new length"
        );
    }

    #[test]
    fn a_jpeg_keeps_only_the_segments_that_draw_the_picture() {
        let p = check_photo(JPEG).unwrap().bytes;
        let mut markers = vec![];
        let mut i = 2;
        while p[i + 1] != 0xDA {
            markers.push(p[i + 1]);
            i += 2 + usize::from(u16::from_be_bytes([p[i + 2], p[i + 3]]));
        }
        assert!(
            markers
                .iter()
                .all(|m| !matches!(m, 0xE1..=0xED | 0xEF | 0xFE)),
            "{markers:x?}"
        );
        assert!(
            markers.contains(&0xDB) && markers.contains(&0xC0),
            "{markers:x?}"
        );
        // Anything after the end of the image (an extra picture with its own EXIF) goes.
        let mut trailing = JPEG.to_vec();
        trailing.extend_from_slice(b"\xFF\xD8\xFF\xE1\x00\x10Exif\x00\x00GPS data");
        assert_eq!(check_photo(&trailing).unwrap().bytes, p);
    }

    #[test]
    fn broken_containers_are_refused_rather_than_passed_through() {
        let mut png = PNG.to_vec();
        let last = png.len() - 20;
        png[last] ^= 0x55;
        assert!(matches!(check_photo(&png), Err(PhotoError::Damaged(_))));
        let mut webp = WEBP.to_vec();
        webp[4..8].copy_from_slice(&(u32::MAX - 1).to_le_bytes());
        assert!(matches!(check_photo(&webp), Err(PhotoError::Damaged(_))));
        let truncated = &WEBP[..WEBP.len() - 40];
        assert!(matches!(
            check_photo(truncated),
            Err(PhotoError::Damaged(_))
        ));
        let no_end = &JPEG[..JPEG.len() - 2];
        assert!(matches!(check_photo(no_end), Err(PhotoError::Damaged(_))));
    }

    #[tokio::test]
    async fn files_round_trip_in_a_folder() {
        let dir = std::env::temp_dir().join(format!("daojia-files-{}", Uuid::now_v7().simple()));
        let fs = LocalFiles::new(dir.clone());
        let k = Uuid::now_v7();
        assert_eq!(fs.get(k).await.unwrap(), None);
        fs.put(k, b"abc").await.unwrap();
        assert_eq!(fs.get(k).await.unwrap().as_deref(), Some(&b"abc"[..]));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
