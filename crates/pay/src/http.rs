//! A request as the protocol layer hands it to a transport: method, path with query, body.
//! Percent-encoding for the few places (query values, Alipay page URLs) that need it.

/// HTTP method of a channel call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET (queries, bills).
    Get,
    /// POST (orders, close, refunds, every Alipay call).
    Post,
}

impl Method {
    /// The method as it appears on the wire and in WeChat's signed string.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A channel call, built but not yet sent. For WeChat Pay the `path` (with its query) and
/// `body` are exactly what the request signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// GET or POST.
    pub method: Method,
    /// Path and query, e.g. `/v3/pay/transactions/out-trade-no/X?mchid=1`.
    pub path: String,
    /// The body text (empty for GET).
    pub body: String,
}

/// Percent-encodes every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space). `None` when an escape
/// is malformed or the result is not UTF-8.
pub fn form_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = value.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_chinese_and_reserved_characters() {
        let s = "到家 a&b=c/d?e+f~g";
        let enc = percent_encode(s);
        assert!(
            enc.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~%".contains(c))
        );
        assert_eq!(form_decode(&enc).as_deref(), Some(s));
        assert_eq!(form_decode("a+b%2").as_deref(), None);
        assert_eq!(form_decode("a+b").as_deref(), Some("a b"));
    }
}
