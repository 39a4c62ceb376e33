//! Push channels: Web Push (VAPID), JPush (极光) and Getui (个推). Each sends one rendered
//! message to one stored subscription of a recipient (a browser's, or an app install's).
//! The notification service (`daojia_app`) picks the channel by the target's kind.
//!
//! [`webpush`] implements RFC 8291/8292 and [`sim`] is a local push service that checks and
//! decrypts what it receives (`daojia pushsim`); [`jpush`] and [`getui`] are the vendors'
//! REST APIs; [`wechat`] sends WeChat subscribe messages (订阅消息) and [`wechat_sim`] is a
//! local stand-in for WeChat's server API.

pub mod getui;
pub mod jpush;
pub mod sim;
pub mod webpush;
pub mod wechat;
pub mod wechat_sim;

/// A message to push, already rendered from its template.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushMessage {
    /// The notification's title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// Where a tap leads: a path inside the app (`/orders/…`).
    pub url: Option<String>,
    /// Replaces an earlier notification with the same tag on the device.
    pub tag: Option<String>,
    /// The notification's kind (`departed`), for channels that send a template per kind
    /// (WeChat subscribe messages).
    #[serde(default)]
    pub kind: Option<String>,
    /// The variables the message was rendered from, for the same channels.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, String>,
}

/// Where to push: one stored subscription.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushTarget {
    /// A browser's Push API subscription.
    WebPush {
        /// The push service's endpoint URL.
        endpoint: String,
        /// The browser's P-256 public key (base64url, uncompressed point).
        p256dh: String,
        /// The authentication secret (base64url, 16 bytes).
        auth: String,
    },
    /// An app install registered with JPush.
    Jpush {
        /// Its registration id.
        registration_id: String,
    },
    /// An app install registered with Getui.
    Getui {
        /// Its client id.
        cid: String,
    },
    /// A WeChat user of the configured mini program or official account.
    Wechat {
        /// Their openid (got from a one-time code, never from the client).
        openid: String,
    },
}

/// What the push service said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Accepted, with the service's message id when it gives one.
    Accepted(Option<String>),
    /// The subscription is gone (expired or unsubscribed): delete it, do not retry.
    Gone,
}

/// A push that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Worth trying again later (network, 429, 5xx).
    #[error("retryable: {0}")]
    Retryable(String),
    /// Will never succeed as it is (bad request, bad credentials, a target of another kind).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// One push channel.
#[async_trait::async_trait]
pub trait PushChannel: Send + Sync {
    /// `webpush`, `jpush`, `getui` or `wechat`: the kind of target it takes.
    fn code(&self) -> &'static str;
    /// Pushes `msg` to `to` (a target of this channel's kind).
    async fn send(&self, to: &PushTarget, msg: &PushMessage) -> Result<PushOutcome, PushError>;
}
