//! Property tests: signatures verify after signing and fail after any flipped byte;
//! AES-256-GCM decrypts what it encrypted and refuses any flipped byte.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::DateTime;
use daojia_pay::alipay::sign::{Params, sign_content, sign_params};
use daojia_pay::wechat::aead::{ApiV3Key, decrypt, encrypt};
use daojia_pay::wechat::verify::{PlatformKeys, SignatureHeaders, sign_as_platform, verify};
use daojia_pay::{Error, PrivateKey, PublicKey};
use proptest::prelude::*;
use std::sync::LazyLock;

static PLATFORM: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::from_pem(include_str!("../keys/test-wechat-platform.key.pem")).unwrap()
});
static ALIPAY_APP: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::from_pem(include_str!("../keys/test-alipay-app.key.pem")).unwrap()
});

fn flip(bytes: &mut [u8], at: usize, bit: u8) {
    let i = at % bytes.len();
    bytes[i] ^= 1 << (bit % 8);
}

proptest! {
    // RSA signing is slow in a debug build: fewer cases, still every run a fresh draw.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn wechat_messages_verify_after_signing_and_not_after_any_flipped_byte(
        body in "\\PC{0,200}",
        nonce in "[A-Z0-9]{32}",
        ts in 1_600_000_000i64..2_000_000_000,
        at in any::<usize>(),
        bit in any::<u8>(),
    ) {
        let mut keys = PlatformKeys::new();
        keys.insert("SERIAL", PLATFORM.public_key());
        let signature = sign_as_platform(&PLATFORM, ts, &nonce, &body).unwrap();
        let ts_text = ts.to_string();
        let headers = SignatureHeaders { timestamp: &ts_text, nonce: &nonce, signature: &signature, serial: "serial" };
        let now = DateTime::from_timestamp(ts, 0).unwrap();
        verify(&keys, &headers, &body, now).unwrap();

        // A flipped bit in the body (kept when it is still UTF-8 text, as a body must be).
        if !body.is_empty() {
            let mut b = body.clone().into_bytes();
            flip(&mut b, at, bit);
            if let Ok(tampered) = String::from_utf8(b) {
                prop_assert!(matches!(verify(&keys, &headers, &tampered, now), Err(Error::BadSignature)));
            }
        }
        // A flipped bit in the signature.
        let mut sig = B64.decode(&signature).unwrap();
        flip(&mut sig, at, bit);
        let sig = B64.encode(sig);
        let h = SignatureHeaders { signature: &sig, ..headers };
        prop_assert!(matches!(verify(&keys, &h, &body, now), Err(Error::BadSignature)));
    }

    #[test]
    fn alipay_parameters_verify_after_signing_and_not_after_any_changed_value(
        params in prop::collection::btree_map("[a-z_]{1,12}", "\\PC{1,40}", 1..8),
        which in any::<usize>(),
    ) {
        let mut params: Params = params;
        params.remove("sign");
        sign_params(&ALIPAY_APP, &mut params).unwrap();
        let public: PublicKey = ALIPAY_APP.public_key();
        let sign = params["sign"].clone();
        public.verify_sha256(sign_content(&params, &["sign"]).as_bytes(), &sign).unwrap();

        let keys: Vec<String> = params.keys().filter(|k| *k != "sign").cloned().collect();
        let key = &keys[which % keys.len()];
        let mut tampered = params.clone();
        tampered.get_mut(key).unwrap().push('x');
        prop_assert!(matches!(
            public.verify_sha256(sign_content(&tampered, &["sign"]).as_bytes(), &sign),
            Err(Error::BadSignature)
        ));
    }
}

proptest! {
    #[test]
    fn resources_decrypt_to_what_was_encrypted_and_refuse_any_flipped_byte(
        key in "[A-Za-z0-9]{32}",
        nonce in "[A-Za-z0-9]{12}",
        aad in "\\PC{0,20}",
        plaintext in "\\PC{0,300}",
        at in any::<usize>(),
        bit in any::<u8>(),
    ) {
        let key = ApiV3Key::new(&key).unwrap();
        let ct = encrypt(&key, &nonce, &aad, &plaintext).unwrap();
        prop_assert_eq!(decrypt(&key, &nonce, &aad, &ct).unwrap(), plaintext);

        let mut raw = B64.decode(&ct).unwrap();
        flip(&mut raw, at, bit);
        prop_assert!(matches!(decrypt(&key, &nonce, &aad, &B64.encode(raw)), Err(Error::Decrypt)));

        let mut n = nonce.clone().into_bytes();
        flip(&mut n, at, bit);
        if let Ok(n) = String::from_utf8(n)
            && n.len() == 12
        {
            prop_assert!(matches!(decrypt(&key, &n, &aad, &ct), Err(Error::Decrypt)));
        }
    }
}
