//! Verification of what Alipay sends us, with the Alipay public key (支付宝公钥).
//!
//! - An asynchronous notification: every field but `sign` and `sign_type`, non-empty,
//!   sorted, `k=v&…` (values decoded from the form), and `app_id` must be ours.
//! - A synchronous reply: `{"<method_with_underscores>_response": {...}, "sign": "..."}`,
//!   where the signature covers the member's raw JSON text exactly as sent. Re-serialising
//!   would change escapes and spacing, so the member is cut out of the text.

use super::sign::{Params, sign_content};
use crate::error::{Error, Result};
use crate::keys::PublicKey;

/// Verifies a notification's fields (already form-decoded) and that it is for `app_id`.
pub fn verify_notification(alipay_key: &PublicKey, params: &Params, app_id: &str) -> Result<()> {
    let sign = params
        .get("sign")
        .filter(|s| !s.is_empty())
        .ok_or(Error::Missing("sign"))?;
    alipay_key.verify_sha256(
        sign_content(params, &["sign", "sign_type"]).as_bytes(),
        sign,
    )?;
    let got = params.get("app_id").map(String::as_str).unwrap_or("");
    if got != app_id {
        return Err(Error::Mismatch {
            field: "app_id",
            expected: app_id.into(),
            got: got.into(),
        });
    }
    Ok(())
}

/// The member name of `method`'s reply: `alipay.trade.query` → `alipay_trade_query_response`.
pub fn response_member(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// Verifies a synchronous reply to `method` and returns the raw JSON of its reply member
/// (or of `error_response`, which Alipay sends for gateway-level errors).
pub fn verify_response<'a>(alipay_key: &PublicKey, method: &str, body: &'a str) -> Result<&'a str> {
    let members = top_level_members(body)?;
    let want = response_member(method);
    let content = members
        .iter()
        .find(|(k, _)| *k == want)
        .or_else(|| members.iter().find(|(k, _)| *k == "error_response"))
        .map(|(_, v)| *v)
        .ok_or(Error::Missing("the reply member in Alipay's response"))?;
    let sign_raw = members
        .iter()
        .find(|(k, _)| *k == "sign")
        .map(|(_, v)| *v)
        .ok_or(Error::Missing("sign in Alipay's response"))?;
    let sign: String = serde_json::from_str(sign_raw)?;
    alipay_key.verify_sha256(content.as_bytes(), &sign)?;
    Ok(content)
}

/// The raw key and value text of each member of the top-level JSON object in `text`.
/// Keys are returned as written between their quotes (Alipay's keys need no escapes).
pub fn top_level_members(text: &str) -> Result<Vec<(&str, &str)>> {
    let bad = |why: &str| Error::invalid("Alipay response", why.to_owned());
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(bad("not a JSON object"));
    }
    i = skip_ws(b, i + 1);
    let mut out = Vec::new();
    if b.get(i) == Some(&b'}') {
        return Ok(out);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(bad("expected a member name"));
        }
        let key_end = skip_string(b, i).ok_or_else(|| bad("unterminated string"))?;
        let key = &text[i + 1..key_end - 1];
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(bad("expected `:`"));
        }
        let start = skip_ws(b, i + 1);
        let end = skip_value(b, start).ok_or_else(|| bad("malformed value"))?;
        out.push((key, &text[start..end]));
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Ok(out),
            _ => return Err(bad("expected `,` or `}`")),
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// From an opening quote at `i`, the index just past the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// From the start of a value at `i`, the index just past it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_cut_out_verbatim_with_nesting_and_escapes() {
        let text =
            r#" { "a_response" : {"x":"}\"{","y":[1,{"z":null}]} , "sign":"s\/1", "n": -1.5e3 } "#;
        let m = top_level_members(text).unwrap();
        assert_eq!(
            m,
            vec![
                ("a_response", r#"{"x":"}\"{","y":[1,{"z":null}]}"#),
                ("sign", r#""s\/1""#),
                ("n", "-1.5e3"),
            ]
        );
    }

    #[test]
    fn malformed_replies_are_errors() {
        for bad in [
            "",
            "[]",
            "{\"a\":",
            "{\"a\" 1}",
            "{\"a\":{\"b\":1}",
            "{\"a\":1,}",
        ] {
            assert!(top_level_members(bad).is_err(), "{bad}");
        }
        assert!(top_level_members("{}").unwrap().is_empty());
    }

    #[test]
    fn method_names_map_to_their_reply_member() {
        assert_eq!(
            response_member("alipay.trade.fastpay.refund.query"),
            "alipay_trade_fastpay_refund_query_response"
        );
    }
}
