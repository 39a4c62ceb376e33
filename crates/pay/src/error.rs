//! The one error type of the protocol layer. Each way a message can be refused is its own
//! variant, so the application layer can tell a forged callback (alert) from a replay (drop)
//! from a key we have not fetched yet (refresh the platform certificates).

/// Result of a protocol step.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a protocol step failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key or certificate could not be read.
    #[error("cannot read {what}: {reason}")]
    Key {
        /// Which kind of key was expected.
        what: &'static str,
        /// What the parser said.
        reason: String,
    },
    /// Signing failed (the key is unusable for SHA256withRSA).
    #[error("signing failed: {0}")]
    Sign(String),
    /// The signature does not match the message: forged or tampered.
    #[error("signature does not verify (forged or tampered message, or the wrong public key)")]
    BadSignature,
    /// The `Wechatpay-Serial` names a platform certificate or public key we do not hold.
    #[error(
        "unknown platform key serial `{0}`: refresh the WeChat Pay platform certificates or configure the platform public key"
    )]
    UnknownSerial(String),
    /// The signed timestamp is too far from now: a replay, or a badly wrong clock.
    #[error(
        "signed timestamp {timestamp} is {skew_secs} s from now (more than {max_secs} s): replay or clock skew"
    )]
    StaleTimestamp {
        /// The timestamp the message carried (Unix seconds).
        timestamp: i64,
        /// Its distance from now, in seconds.
        skew_secs: i64,
        /// The largest distance accepted.
        max_secs: i64,
    },
    /// A header or field the protocol requires is absent or empty.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A value is present but malformed.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which value.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// AEAD decryption failed: wrong APIv3 key, or the ciphertext, nonce or associated data
    /// were altered.
    #[error("cannot decrypt the callback resource (wrong APIv3 key or tampered ciphertext)")]
    Decrypt,
    /// The message is for another merchant or application.
    #[error("{field} mismatch: expected `{expected}`, got `{got}`")]
    Mismatch {
        /// Which identifier.
        field: &'static str,
        /// Ours.
        expected: String,
        /// The message's.
        got: String,
    },
    /// The channel answered with a business error.
    #[error("channel error {code}: {message}")]
    Channel {
        /// The channel's code (`ORDER_NOT_EXIST`, `ACQ.TRADE_NOT_EXIST`...).
        code: String,
        /// The channel's message.
        message: String,
    },
    /// The channel could not be reached, or its reply could not be read.
    #[error("transport: {0}")]
    Transport(String),
    /// The channel has no such capability (e.g. JSAPI payment with Alipay).
    #[error("not supported by this channel: {0}")]
    Unsupported(&'static str),
    /// A body is not the JSON we expect.
    #[error("unexpected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
