//! `[storage]`: where uploaded photos are kept. `kind = "local"` (the default): a folder
//! (`booking.uploads_dir`); `kind = "s3"`: a bucket of an S3-compatible object store
//! (`[storage.s3]`), which every API node shares (docs/operations.md, "File storage").

use daojia_domain::secret::Secret;
use serde::{Deserialize, Serialize};

/// Where files live.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `local` or `s3` (`DAOJIA_STORAGE_KIND`).
    pub kind: String,
    /// The object store, for `kind = "s3"`.
    pub s3: S3Config,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            kind: "local".into(),
            s3: S3Config::default(),
        }
    }
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// The store's base URL, e.g. `https://s3.cn-north-1.example.com` or
    /// `http://127.0.0.1:9000` (`DAOJIA_S3_ENDPOINT`).
    pub endpoint: Option<String>,
    /// The signing region (`DAOJIA_S3_REGION`; default `us-east-1`, which most private
    /// stores accept).
    pub region: String,
    /// The bucket (`DAOJIA_S3_BUCKET`); it must exist.
    pub bucket: Option<String>,
    /// `endpoint/bucket/key` when true (MinIO and most private stores), else
    /// `bucket.endpoint/key` (`DAOJIA_S3_PATH_STYLE`).
    pub path_style: bool,
    /// The access key id (`DAOJIA_S3_ACCESS_KEY_ID` or `AWS_ACCESS_KEY_ID`).
    pub access_key_id: Option<String>,
    /// The secret access key (`DAOJIA_S3_SECRET_ACCESS_KEY` or `AWS_SECRET_ACCESS_KEY`);
    /// never logged, shown masked.
    pub secret_access_key: Option<Secret<String>>,
    /// Put before every object's name, e.g. `uploads/`.
    pub prefix: String,
    /// Longest wait for one request, seconds.
    pub timeout_secs: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            endpoint: None,
            region: "us-east-1".into(),
            bucket: None,
            path_style: true,
            access_key_id: None,
            secret_access_key: None,
            prefix: "uploads/".into(),
            timeout_secs: 30,
        }
    }
}

impl StorageConfig {
    pub(super) fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("DAOJIA_STORAGE_KIND") {
            self.kind = v;
        }
        let s3 = &mut self.s3;
        if let Some(v) = get("DAOJIA_S3_ENDPOINT") {
            s3.endpoint = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("DAOJIA_S3_REGION") {
            s3.region = v;
        }
        if let Some(v) = get("DAOJIA_S3_BUCKET") {
            s3.bucket = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("DAOJIA_S3_PATH_STYLE") {
            s3.path_style = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("DAOJIA_S3_PREFIX") {
            s3.prefix = v;
        }
        if let Some(v) = get("DAOJIA_S3_ACCESS_KEY_ID").or_else(|| get("AWS_ACCESS_KEY_ID")) {
            s3.access_key_id = Some(v);
        }
        if let Some(v) = get("DAOJIA_S3_SECRET_ACCESS_KEY").or_else(|| get("AWS_SECRET_ACCESS_KEY"))
        {
            s3.secret_access_key = Some(Secret::new(v));
        }
    }

    /// The first problem, as (setting, what is expected).
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
        match self.kind.as_str() {
            "local" => return None,
            "s3" => {}
            other => {
                return Some((
                    "storage.kind",
                    format!("`{other}` is not a storage kind: local or s3"),
                ));
            }
        }
        let s3 = &self.s3;
        let Some(url) = s3.endpoint.as_deref() else {
            return Some((
                "storage.s3.endpoint",
                "not set: the object store's base URL, e.g. http://127.0.0.1:9000".into(),
            ));
        };
        let ok = (url.starts_with("http://") || url.starts_with("https://"))
            && url.parse::<axum::http::Uri>().is_ok_and(|u| {
                u.host().is_some_and(|h| !h.is_empty())
                    && u.query().is_none()
                    && matches!(u.path(), "" | "/")
            });
        if !ok {
            return Some((
                "storage.s3.endpoint",
                format!("`{url}` is not a base URL such as https://s3.example.com (no path)"),
            ));
        }
        let bucket_ok = s3.bucket.as_deref().is_some_and(|b| {
            (3..=63).contains(&b.len())
                && b.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
                && !b.starts_with(['-', '.'])
                && !b.ends_with(['-', '.'])
        });
        if !bucket_ok {
            return Some((
                "storage.s3.bucket",
                "a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens".into(),
            ));
        }
        if s3.region.is_empty()
            || s3.region.len() > 64
            || !s3
                .region
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            return Some((
                "storage.s3.region",
                "a region such as us-east-1 or cn-north-1".into(),
            ));
        }
        if s3.access_key_id.as_deref().is_none_or(str::is_empty) {
            return Some((
                "storage.s3.access_key_id",
                "not set (DAOJIA_S3_ACCESS_KEY_ID)".into(),
            ));
        }
        if s3
            .secret_access_key
            .as_ref()
            .is_none_or(|s| s.expose().is_empty())
        {
            return Some((
                "storage.s3.secret_access_key",
                "not set (DAOJIA_S3_SECRET_ACCESS_KEY)".into(),
            ));
        }
        if s3.prefix.starts_with('/') || s3.prefix.len() > 200 {
            return Some((
                "storage.s3.prefix",
                "at most 200 characters, not starting with /".into(),
            ));
        }
        if !(1..=300).contains(&s3.timeout_secs) {
            return Some(("storage.s3.timeout_secs", "1 to 300 seconds".into()));
        }
        None
    }
}
