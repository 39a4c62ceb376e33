//! The message encryption of RFC 8291: the `aes128gcm` content coding of RFC 8188, keyed by
//! ECDH on P-256 and HKDF-SHA-256 (the steps are in the module's documentation above).

use super::{WebPushError, err};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// The record size we write (RFC 8291 section 4 uses 4096).
pub const RECORD_SIZE: u32 = 4096;
/// The header of an `aes128gcm` body with a P-256 key id: salt, rs, idlen, key.
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// The largest plaintext one push carries: push services take 4096 bytes of body, of which
/// the header takes 86, the padding delimiter 1 and the tag 16.
pub const MAX_PLAINTEXT: usize = 4096 - HEADER_LEN - 1 - 16;

/// A P-256 public key from its uncompressed SEC1 form (65 bytes, `0x04 ‖ x ‖ y`).
pub fn public_key(bytes: &[u8]) -> Result<PublicKey, WebPushError> {
    if bytes.len() != 65 || bytes[0] != 4 {
        return Err(err(format!(
            "a P-256 public key is 65 bytes starting with 0x04 (got {} bytes)",
            bytes.len()
        )));
    }
    PublicKey::from_sec1_bytes(bytes).map_err(|_| err("not a point on P-256"))
}

/// The uncompressed SEC1 form of a public key.
pub fn public_bytes(key: &PublicKey) -> [u8; 65] {
    let point = key.to_encoded_point(false);
    let mut out = [0u8; 65];
    out.copy_from_slice(point.as_bytes());
    out
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out)
        .expect("HKDF-SHA-256 gives up to 8160 bytes");
}

/// The content-encryption key and nonce of RFC 8291 section 3.4 (and RFC 8188 section 2.2).
fn derive(
    ecdh: &[u8],
    auth: &[u8],
    ua_public: &[u8; 65],
    as_public: &[u8; 65],
    salt: &[u8],
) -> ([u8; 16], [u8; 12]) {
    let mut info = Vec::with_capacity(14 + 130);
    info.extend_from_slice(b"WebPush: info\0");
    info.extend_from_slice(ua_public);
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    hkdf(auth, ecdh, &info, &mut ikm);
    let mut cek = [0u8; 16];
    hkdf(salt, &ikm, b"Content-Encoding: aes128gcm\0", &mut cek);
    let mut nonce = [0u8; 12];
    hkdf(salt, &ikm, b"Content-Encoding: nonce\0", &mut nonce);
    (cek, nonce)
}

fn ecdh(secret: &SecretKey, public: &PublicKey) -> [u8; 32] {
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
    let mut out = [0u8; 32];
    out.copy_from_slice(shared.raw_secret_bytes());
    out
}

fn auth_secret(auth: &[u8]) -> Result<(), WebPushError> {
    if auth.len() != 16 {
        return Err(err(format!(
            "the authentication secret is 16 bytes (got {})",
            auth.len()
        )));
    }
    Ok(())
}

/// Encrypts `plaintext` for a subscription (`p256dh`, `auth`, both decoded) with a fresh key
/// pair and salt.
pub fn encrypt(plaintext: &[u8], p256dh: &[u8], auth: &[u8]) -> Result<Vec<u8>, WebPushError> {
    let as_secret = SecretKey::random(&mut OsRng);
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    encrypt_with(plaintext, p256dh, auth, &as_secret, &salt)
}

/// Encrypts with the given sender key and salt (the deterministic core of [`encrypt`], which
/// the RFC's example and the independent vectors check byte for byte).
pub fn encrypt_with(
    plaintext: &[u8],
    p256dh: &[u8],
    auth: &[u8],
    as_secret: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, WebPushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(err(format!(
            "the payload is {} bytes; a push carries at most {MAX_PLAINTEXT}",
            plaintext.len()
        )));
    }
    auth_secret(auth)?;
    let ua = public_key(p256dh)?;
    let ua_public = public_bytes(&ua);
    let as_public = public_bytes(&as_secret.public_key());
    let (cek, nonce) = derive(&ecdh(as_secret, &ua), auth, &ua_public, &as_public, salt);
    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    record.push(2); // the last (and only) record's padding delimiter
    let sealed = Aes128Gcm::new_from_slice(&cek)
        .expect("a 16-byte key")
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| err("AES-GCM refused to encrypt"))?;
    let mut body = Vec::with_capacity(HEADER_LEN + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// Decrypts an `aes128gcm` push body with the subscription's private key and authentication
/// secret, as the browser does (RFC 8188 records, any record size, padding removed).
pub fn decrypt(body: &[u8], ua_secret: &SecretKey, auth: &[u8]) -> Result<Vec<u8>, WebPushError> {
    auth_secret(auth)?;
    if body.len() < 21 {
        return Err(err("the body is shorter than an aes128gcm header"));
    }
    let salt = &body[..16];
    let rs = u32::from_be_bytes([body[16], body[17], body[18], body[19]]) as usize;
    let idlen = body[20] as usize;
    if rs < 18 {
        return Err(err(format!("record size {rs} is below the minimum of 18")));
    }
    if body.len() < 21 + idlen {
        return Err(err("the body ends inside the key id"));
    }
    let as_key = public_key(&body[21..21 + idlen])
        .map_err(|e| err(format!("the key id is not the sender's key: {e}")))?;
    let ua_public = public_bytes(&ua_secret.public_key());
    let (cek, nonce) = derive(
        &ecdh(ua_secret, &as_key),
        auth,
        &ua_public,
        &public_bytes(&as_key),
        salt,
    );
    let cipher = Aes128Gcm::new_from_slice(&cek).expect("a 16-byte key");
    let records: Vec<&[u8]> = body[21 + idlen..].chunks(rs).collect();
    if records.is_empty() {
        return Err(err("the body has no record"));
    }
    let mut out = Vec::new();
    for (seq, record) in records.iter().enumerate() {
        let mut n = nonce;
        for (i, b) in (seq as u64).to_be_bytes().iter().enumerate() {
            n[4 + i] ^= b;
        }
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&n),
                Payload {
                    msg: record,
                    aad: b"",
                },
            )
            .map_err(|_| {
                err(format!(
                    "record {seq} does not decrypt (wrong key or altered)"
                ))
            })?;
        let last = seq + 1 == records.len();
        let end = plain
            .iter()
            .rposition(|&b| b != 0)
            .ok_or_else(|| err(format!("record {seq} has no padding delimiter")))?;
        match (plain[end], last) {
            (2, true) | (1, false) => out.extend_from_slice(&plain[..end]),
            (d, _) => {
                return Err(err(format!(
                    "record {seq} ends with delimiter {d}, expected {}",
                    if last { 2 } else { 1 }
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::webpush::{b64_decode, b64_encode};

    // RFC 8291 section 5 (and appendix A): every value below is the RFC's.
    const PLAINTEXT: &str = "When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const MESSAGE: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    fn secret(b: &str) -> SecretKey {
        SecretKey::from_slice(&b64_decode(b).unwrap()).unwrap()
    }

    #[test]
    fn decrypts_the_rfc_8291_example() {
        let plain = decrypt(
            &b64_decode(MESSAGE).unwrap(),
            &secret(UA_PRIVATE),
            &b64_decode(AUTH).unwrap(),
        )
        .unwrap();
        assert_eq!(plain, PLAINTEXT.as_bytes());
    }

    #[test]
    fn encrypts_the_rfc_8291_example_byte_for_byte() {
        let as_key = secret(AS_PRIVATE);
        assert_eq!(b64_encode(&public_bytes(&as_key.public_key())), AS_PUBLIC);
        assert_eq!(
            b64_encode(&public_bytes(&secret(UA_PRIVATE).public_key())),
            UA_PUBLIC
        );
        let salt: [u8; 16] = b64_decode(SALT).unwrap().try_into().unwrap();
        let body = encrypt_with(
            PLAINTEXT.as_bytes(),
            &b64_decode(UA_PUBLIC).unwrap(),
            &b64_decode(AUTH).unwrap(),
            &as_key,
            &salt,
        )
        .unwrap();
        assert_eq!(b64_encode(&body), MESSAGE);
    }

    #[test]
    fn an_altered_body_or_the_wrong_secret_does_not_decrypt() {
        let mut body = b64_decode(MESSAGE).unwrap();
        let last = body.len() - 1;
        body[last] ^= 1;
        assert!(decrypt(&body, &secret(UA_PRIVATE), &b64_decode(AUTH).unwrap()).is_err());
        let body = b64_decode(MESSAGE).unwrap();
        assert!(decrypt(&body, &secret(UA_PRIVATE), &[7u8; 16]).is_err());
        assert!(decrypt(&body, &secret(AS_PRIVATE), &b64_decode(AUTH).unwrap()).is_err());
        assert!(decrypt(&body[..50], &secret(UA_PRIVATE), &b64_decode(AUTH).unwrap()).is_err());
    }

    #[test]
    fn round_trip_with_fresh_keys_and_the_size_limit() {
        let ua = SecretKey::random(&mut OsRng);
        let auth = [9u8; 16];
        let ua_pub = public_bytes(&ua.public_key());
        let text = vec![b'x'; MAX_PLAINTEXT];
        let body = encrypt(&text, &ua_pub, &auth).unwrap();
        assert_eq!(body.len(), 4096);
        assert_eq!(decrypt(&body, &ua, &auth).unwrap(), text);
        let too_big = vec![b'x'; MAX_PLAINTEXT + 1];
        assert!(encrypt(&too_big, &ua_pub, &auth).is_err());
        assert!(encrypt(b"hi", &ua_pub[..64], &auth).is_err());
        assert!(encrypt(b"hi", &ua_pub, &auth[..15]).is_err());
    }
}
