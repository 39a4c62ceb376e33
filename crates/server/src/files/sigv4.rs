//! AWS Signature Version 4 for requests with an `Authorization` header, as S3 and the
//! S3-compatible object stores (MinIO, Ceph, OSS and COS in their S3 modes) check it:
//! a canonical request, the string to sign over its hash, a key derived from the secret
//! for the day, region and service, and the HMAC of the one with the other. Pure: the
//! time is passed in, nothing is sent, and the secret appears in no output.

use chrono::{DateTime, Utc};
use daojia_domain::secret::Secret;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The hash of an empty payload (a GET or a DELETE).
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// An access key.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The access key id (sent in clear in every request).
    pub access_key_id: String,
    /// The secret access key (never sent, never printed).
    pub secret_access_key: Secret<String>,
}

/// One request to sign.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `GET`, `PUT`, `DELETE`…
    pub method: &'a str,
    /// The path as sent, already percent-encoded (see [`encode_path`]).
    pub path: &'a str,
    /// Query parameters, not encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers to sign (name, value); must include `host`, and for S3
    /// `x-amz-content-sha256`. `x-amz-date` is added by [`sign`].
    pub headers: &'a [(&'a str, &'a str)],
    /// The payload's SHA-256 in hex (or `UNSIGNED-PAYLOAD`).
    pub payload_sha256: &'a str,
}

/// Where and when a request is signed.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// e.g. `us-east-1`.
    pub region: &'a str,
    /// e.g. `s3`.
    pub service: &'a str,
    /// The request's time (sent as `x-amz-date`).
    pub at: DateTime<Utc>,
}

/// The result: the headers to add to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `x-amz-date`: `YYYYMMDDTHHMMSSZ`.
    pub amz_date: String,
    /// The `Authorization` header.
    pub authorization: String,
    /// The signature alone (hex), for tests and logs of mismatches.
    pub signature: String,
}

/// RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` is
/// encoded, with upper-case hex; `/` is kept when `keep_slash`.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A path as sent and signed for S3 (each segment encoded once, slashes kept).
pub fn encode_path(path: &str) -> String {
    uri_encode(path, true)
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(data);
    m.finalize().into_bytes().into()
}

fn trim_value(v: &str) -> String {
    // Leading and trailing spaces go, runs of spaces inside become one.
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request and the signed headers' list.
pub fn canonical_request(req: &Request<'_>, amz_date: &str) -> (String, String) {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), trim_value(v)))
        .collect();
    if !headers.iter().any(|(k, _)| k == "x-amz-date") {
        headers.push(("x-amz-date".into(), amz_date.into()));
    }
    headers.sort();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical = format!(
        "{}\n{}\n{}\n",
        req.method,
        if req.path.is_empty() { "/" } else { req.path },
        query.join("&")
    );
    for (k, v) in &headers {
        canonical.push_str(&format!("{k}:{v}\n"));
    }
    canonical.push_str(&format!("\n{signed}\n{}", req.payload_sha256));
    (canonical, signed)
}

/// The key of a day, region and service.
pub fn signing_key(secret: &Secret<String>, day: &str, region: &str, service: &str) -> [u8; 32] {
    let k = hmac(
        format!("AWS4{}", secret.expose()).as_bytes(),
        day.as_bytes(),
    );
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    hmac(&k, b"aws4_request")
}

/// The string to sign over a canonical request.
pub fn string_to_sign(canonical: &str, amz_date: &str, credential_scope: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{credential_scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// Signs `req` with `creds` for `scope`.
pub fn sign(req: &Request<'_>, creds: &Credentials, scope: Scope<'_>) -> Signed {
    let amz_date = scope.at.format("%Y%m%dT%H%M%SZ").to_string();
    let day = &amz_date[..8];
    let credential_scope = format!("{day}/{}/{}/aws4_request", scope.region, scope.service);
    let (canonical, signed_headers) = canonical_request(req, &amz_date);
    let to_sign = string_to_sign(&canonical, &amz_date, &credential_scope);
    let key = signing_key(&creds.secret_access_key, day, scope.region, scope.service);
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    Signed {
        authorization: format!(
            "AWS4-HMAC-SHA256 Credential={}/{credential_scope},SignedHeaders={signed_headers},Signature={signature}",
            creds.access_key_id
        ),
        amz_date,
        signature,
    }
}

#[cfg(test)]
mod tests {
    //! The vectors are the ones AWS publishes: the S3 API reference's worked example
    //! "GET Object" (Signature Version 4, header authentication), the Signature Version 4
    //! test suite's `get-vanilla` and `post-vanilla`, and the general reference's example
    //! of deriving a signing key.
    use super::*;
    use chrono::TimeZone;

    fn creds(id: &str, secret: &str) -> Credentials {
        Credentials {
            access_key_id: id.into(),
            secret_access_key: Secret::new(secret.into()),
        }
    }

    #[test]
    fn the_s3_get_object_example_gives_the_published_signature() {
        let req = Request {
            method: "GET",
            path: "/test.txt",
            query: &[],
            headers: &[
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY_SHA256),
            ],
            payload_sha256: EMPTY_SHA256,
        };
        let at = Utc.with_ymd_and_hms(2013, 5, 24, 0, 0, 0).unwrap();
        let (canonical, signed) = canonical_request(&req, "20130524T000000Z");
        assert_eq!(
            canonical,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(signed, "host;range;x-amz-content-sha256;x-amz-date");
        assert_eq!(
            string_to_sign(
                &canonical,
                "20130524T000000Z",
                "20130524/us-east-1/s3/aws4_request"
            ),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        let s = sign(
            &req,
            &creds(
                "AKIAIOSFODNN7EXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            Scope {
                region: "us-east-1",
                service: "s3",
                at,
            },
        );
        assert_eq!(
            s.signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        assert_eq!(
            s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        assert_eq!(s.amz_date, "20130524T000000Z");
    }

    fn suite(method: &str) -> Signed {
        let req = Request {
            method,
            path: "/",
            query: &[],
            headers: &[("Host", "example.amazonaws.com")],
            payload_sha256: EMPTY_SHA256,
        };
        sign(
            &req,
            &creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            Scope {
                region: "us-east-1",
                service: "service",
                at: Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap(),
            },
        )
    }

    #[test]
    fn the_test_suites_vanilla_requests_give_the_published_signatures() {
        assert_eq!(
            suite("GET").signature,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            suite("POST").signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
    }

    #[test]
    fn the_signing_key_example_gives_the_published_key() {
        let k = signing_key(
            &Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into()),
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(k),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn query_and_path_are_encoded_the_sigv4_way() {
        assert_eq!(encode_path("/a b/c+d~e"), "/a%20b/c%2Bd~e");
        assert_eq!(uri_encode("x/y=z", false), "x%2Fy%3Dz");
        let req = Request {
            method: "GET",
            path: "/",
            query: &[("prefix", "a b"), ("list-type", "2")],
            headers: &[("host", "h"), ("x-amz-meta-x", "  a   b ")],
            payload_sha256: "UNSIGNED-PAYLOAD",
        };
        let (c, _) = canonical_request(&req, "20250101T000000Z");
        assert!(
            c.starts_with("GET\n/\nlist-type=2&prefix=a%20b\nhost:h\n"),
            "{c}"
        );
        assert!(c.contains("x-amz-meta-x:a b\n"), "{c}");
    }

    #[test]
    fn the_secret_is_in_no_output() {
        let s = suite("GET");
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        assert!(!format!("{s:?}").contains(secret));
        let c = creds("AKIDEXAMPLE", secret);
        assert!(!format!("{c:?}").contains(secret));
    }
}
