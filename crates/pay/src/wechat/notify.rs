//! Payment, refund and transfer callbacks: the envelope WeChat posts, its encrypted
//! resource, and the answers it expects. Verify the signature ([`super::verify::verify`]) on
//! the raw body first; only then parse and decrypt.

use super::aead::{self, ApiV3Key};
use super::profitsharing::{self, SharingNotice};
use super::refund::RefundNotice;
use super::transactions::Transaction;
use super::transfer::{self, TransferNotice};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The only algorithm WeChat Pay v3 uses for resources.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// An encrypted callback resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// base64 of ciphertext‖tag.
    pub ciphertext: String,
    /// The AAD (`transaction`, `refund`...); may be empty.
    #[serde(default)]
    pub associated_data: String,
    /// What the plaintext is: `transaction`, `refund` or `mch_payment`.
    pub original_type: String,
    /// 12-byte nonce.
    pub nonce: String,
}

impl Resource {
    /// Decrypts to the plaintext JSON.
    pub fn decrypt(&self, key: &ApiV3Key) -> Result<String> {
        if self.algorithm != ALGORITHM {
            return Err(Error::invalid(
                "resource algorithm",
                format!("`{}` is not {ALGORITHM}", self.algorithm),
            ));
        }
        aead::decrypt(key, &self.nonce, &self.associated_data, &self.ciphertext)
    }

    /// Encrypts `plaintext` into a resource (the channel simulator's side).
    pub fn encrypt(
        key: &ApiV3Key,
        original_type: &str,
        associated_data: &str,
        nonce: &str,
        plaintext: &str,
    ) -> Result<Self> {
        Ok(Resource {
            algorithm: ALGORITHM.into(),
            ciphertext: aead::encrypt(key, nonce, associated_data, plaintext)?,
            associated_data: associated_data.into(),
            original_type: original_type.into(),
            nonce: nonce.into(),
        })
    }
}

/// The body of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// WeChat's notification id (the same for redeliveries).
    pub id: String,
    /// When WeChat created it (RFC 3339).
    pub create_time: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`,
    /// `MCHTRANSFER.BILL.FINISHED`, `PROFITSHARING.SUCCESS`, `PROFITSHARING.RETURN`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// The encrypted payload.
    pub resource: Resource,
    /// A short human summary.
    #[serde(default)]
    pub summary: String,
}

impl Notification {
    /// Parses a (verified) callback body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }

    /// Decrypts a payment callback's transaction.
    pub fn transaction(&self, key: &ApiV3Key) -> Result<Transaction> {
        self.expect_type("transaction")?;
        Ok(serde_json::from_str(&self.resource.decrypt(key)?)?)
    }

    /// Decrypts a refund callback's refund.
    pub fn refund(&self, key: &ApiV3Key) -> Result<RefundNotice> {
        self.expect_type("refund")?;
        Ok(serde_json::from_str(&self.resource.decrypt(key)?)?)
    }

    /// Decrypts a transfer callback's bill (`MCHTRANSFER.BILL.FINISHED`, resource
    /// `mch_payment`).
    pub fn transfer(&self, key: &ApiV3Key) -> Result<TransferNotice> {
        if self.event_type != transfer::EVENT_FINISHED {
            return Err(Error::Mismatch {
                field: "event_type",
                expected: transfer::EVENT_FINISHED.into(),
                got: self.event_type.clone(),
            });
        }
        self.expect_type(transfer::ORIGINAL_TYPE)?;
        Ok(serde_json::from_str(&self.resource.decrypt(key)?)?)
    }

    /// Decrypts a profit-sharing callback's movement (`PROFITSHARING.SUCCESS` or
    /// `PROFITSHARING.RETURN`, resource `profitsharing`).
    pub fn profit_sharing(&self, key: &ApiV3Key) -> Result<SharingNotice> {
        if !self.event_type.starts_with("PROFITSHARING.") {
            return Err(Error::Mismatch {
                field: "event_type",
                expected: profitsharing::EVENT_SUCCESS.into(),
                got: self.event_type.clone(),
            });
        }
        self.expect_type(profitsharing::ORIGINAL_TYPE)?;
        Ok(serde_json::from_str(&self.resource.decrypt(key)?)?)
    }

    fn expect_type(&self, want: &'static str) -> Result<()> {
        if self.resource.original_type != want {
            return Err(Error::Mismatch {
                field: "resource original_type",
                expected: want.into(),
                got: self.resource.original_type.clone(),
            });
        }
        Ok(())
    }
}

/// The body of a failure answer (with a 4xx/5xx status, WeChat redelivers); success is
/// an empty 200 or 204.
pub fn failure_answer(message: &str) -> String {
    serde_json::json!({ "code": "FAIL", "message": message }).to_string()
}
