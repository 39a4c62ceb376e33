//! Files in an S3-compatible object store (`[storage] kind = "s3"`): one object per key
//! under the configured prefix, written with `PUT`, read with `GET`, removed with `DELETE`,
//! every request signed with Signature Version 4 ([`super::sigv4`]). Path-style
//! (`endpoint/bucket/key`, what MinIO and most private stores expect) or virtual-host style
//! (`bucket.endpoint/key`) by configuration. The secret key is kept in a `Secret` and is
//! in no log line or error: errors name the status and the store's error code.

use super::FileStore;
use super::sigv4::{self, Credentials};
use crate::config::S3Config;
use sha2::{Digest, Sha256};
use std::io;
use std::time::Duration;
use uuid::Uuid;

/// An S3-compatible bucket.
pub struct S3Files {
    http: reqwest::Client,
    /// Scheme and authority of the requests (`https://bucket.host` or `https://host`).
    base: String,
    /// The `host` header signed (authority as sent).
    host: String,
    /// `/bucket` for path-style, empty for virtual-host style.
    bucket_path: String,
    prefix: String,
    region: String,
    creds: Credentials,
}

impl std::fmt::Debug for S3Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Files")
            .field("base", &self.base)
            .field("bucket_path", &self.bucket_path)
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Why an S3 store cannot be made from its settings (validation catches these first).
#[derive(Debug, thiserror::Error)]
#[error("storage.s3.{0}")]
pub struct S3SetupError(pub String);

impl S3Files {
    /// A store for `c` (validated settings).
    pub fn new(c: &S3Config) -> Result<S3Files, S3SetupError> {
        let endpoint = c
            .endpoint
            .as_deref()
            .ok_or_else(|| S3SetupError("endpoint: not set".into()))?;
        let bucket = c
            .bucket
            .as_deref()
            .ok_or_else(|| S3SetupError("bucket: not set".into()))?;
        let url =
            reqwest::Url::parse(endpoint).map_err(|e| S3SetupError(format!("endpoint: {e}")))?;
        let host = url
            .host_str()
            .ok_or_else(|| S3SetupError("endpoint: no host".into()))?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let (host, bucket_path) = if c.path_style {
            (authority, format!("/{}", sigv4::uri_encode(bucket, false)))
        } else {
            (format!("{bucket}.{authority}"), String::new())
        };
        let creds = Credentials {
            access_key_id: c
                .access_key_id
                .clone()
                .ok_or_else(|| S3SetupError("access_key_id: not set".into()))?,
            secret_access_key: c
                .secret_access_key
                .clone()
                .ok_or_else(|| S3SetupError("secret_access_key: not set".into()))?,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(c.timeout_secs))
            .build()
            .map_err(|e| S3SetupError(format!("client: {e}")))?;
        Ok(S3Files {
            http,
            base: format!("{}://{host}", url.scheme()),
            host,
            bucket_path,
            prefix: c.prefix.clone(),
            region: c.region.clone(),
            creds,
        })
    }

    /// The object's path as sent and signed.
    fn path(&self, key: Uuid) -> String {
        format!(
            "{}/{}",
            self.bucket_path,
            sigv4::encode_path(&format!("{}{}", self.prefix, key.simple()))
        )
    }

    async fn send(
        &self,
        method: reqwest::Method,
        key: Uuid,
        body: Option<&[u8]>,
    ) -> io::Result<reqwest::Response> {
        let path = self.path(key);
        let payload = match body {
            Some(b) => hex::encode(Sha256::digest(b)),
            None => sigv4::EMPTY_SHA256.to_string(),
        };
        let signed = sigv4::sign(
            &sigv4::Request {
                method: method.as_str(),
                path: &path,
                query: &[],
                headers: &[("host", &self.host), ("x-amz-content-sha256", &payload)],
                payload_sha256: &payload,
            },
            &self.creds,
            sigv4::Scope {
                region: &self.region,
                service: "s3",
                // The store's clock, not the application's (tests may run it elsewhere):
                // S3 refuses a request more than 15 minutes off.
                at: chrono::Utc::now(),
            },
        );
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-amz-content-sha256", &payload)
            .header("x-amz-date", &signed.amz_date)
            .header("authorization", &signed.authorization);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/octet-stream")
                .body(b.to_vec());
        }
        req.send()
            .await
            .map_err(|e| io::Error::other(format!("object store: {}", e.without_url())))
    }
}

/// An error for a refused request: the status and the store's `<Code>` (never the
/// request's headers).
async fn refused(what: &str, r: reqwest::Response) -> io::Error {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    let code = body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(c, _)| c.to_string())
        .unwrap_or_default();
    let kind = if status == reqwest::StatusCode::FORBIDDEN {
        io::ErrorKind::PermissionDenied
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, format!("object store {what}: {status} {code}"))
}

#[async_trait::async_trait]
impl FileStore for S3Files {
    async fn put(&self, key: Uuid, bytes: &[u8]) -> io::Result<()> {
        let r = self.send(reqwest::Method::PUT, key, Some(bytes)).await?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(refused("put", r).await)
        }
    }

    async fn get(&self, key: Uuid) -> io::Result<Option<Vec<u8>>> {
        let r = self.send(reqwest::Method::GET, key, None).await?;
        match r.status() {
            s if s.is_success() => r
                .bytes()
                .await
                .map(|b| Some(b.to_vec()))
                .map_err(|e| io::Error::other(format!("object store get: {}", e.without_url()))),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            _ => Err(refused("get", r).await),
        }
    }

    async fn delete(&self, key: Uuid) -> io::Result<()> {
        let r = self.send(reqwest::Method::DELETE, key, None).await?;
        match r.status() {
            s if s.is_success() => Ok(()),
            reqwest::StatusCode::NOT_FOUND => Ok(()),
            _ => Err(refused("delete", r).await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use daojia_domain::secret::Secret;

    fn config(path_style: bool) -> S3Config {
        S3Config {
            endpoint: Some("https://objects.example.test:9443".into()),
            bucket: Some("photos".into()),
            path_style,
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(Secret::new("top-secret-value".into())),
            ..S3Config::default()
        }
    }

    #[test]
    fn path_style_and_virtual_host_style_address_the_object() {
        let k = Uuid::nil();
        let p = S3Files::new(&config(true)).unwrap();
        assert_eq!(p.base, "https://objects.example.test:9443");
        assert_eq!(p.host, "objects.example.test:9443");
        assert_eq!(
            p.path(k),
            "/photos/uploads/00000000000000000000000000000000"
        );
        let v = S3Files::new(&config(false)).unwrap();
        assert_eq!(v.base, "https://photos.objects.example.test:9443");
        assert_eq!(v.host, "photos.objects.example.test:9443");
        assert_eq!(v.path(k), "/uploads/00000000000000000000000000000000");
        assert!(!format!("{v:?}").contains("top-secret-value"));
    }
}
