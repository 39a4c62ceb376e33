//! Push: the recipients' stored subscriptions and the channels that reach them.
//!
//! Customers and workers register where they can be pushed to ([`subscribe`]): a browser's
//! Web Push subscription (`pushManager.subscribe` with [`PushChannels::vapid_public_key`])
//! or an app install's JPush registration id / Getui client id, or a WeChat user's openid
//! for subscribe messages (exchanged here from the one-time code the app got from WeChat,
//! never taken from the client). The notification service
//! asks for a recipient's [`routes`] (each stored subscription with the configured channel
//! of its kind), sends through each, and hands every result to [`record`]: a push service's
//! "gone" deletes the subscription, an acceptance stamps `last_success_at`, a failure is
//! counted. [`push_to`] does the three for one message.

use crate::context::App;
use crate::error::{Error, Result};
use daojia_notify::push::getui::Getui;
use daojia_notify::push::jpush::Jpush;
use daojia_notify::push::webpush::{self, WebPush};
use daojia_notify::push::wechat::{CodeError, Wechat};
use daojia_notify::push::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use daojia_store::entity::push_subscription::Model;
use daojia_store::repo::push_subscriptions::{self as repo, Target};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// The configured push channels; each is absent when not configured.
#[derive(Default, Clone)]
pub struct PushChannels {
    /// Web Push with the server's VAPID key.
    pub webpush: Option<Arc<WebPush>>,
    /// JPush (极光).
    pub jpush: Option<Arc<Jpush>>,
    /// Getui (个推).
    pub getui: Option<Arc<Getui>>,
    /// WeChat subscribe messages (订阅消息).
    pub wechat: Option<Arc<Wechat>>,
}

impl PushChannels {
    /// No channel: nothing is pushed, subscribing is refused.
    pub fn none() -> PushChannels {
        PushChannels::default()
    }

    /// The channel for a kind (`webpush`, `jpush`, `getui`, `wechat`), when configured.
    pub fn channel(&self, kind: &str) -> Option<&dyn PushChannel> {
        match kind {
            "webpush" => self.webpush.as_deref().map(|c| c as &dyn PushChannel),
            "jpush" => self.jpush.as_deref().map(|c| c as &dyn PushChannel),
            "getui" => self.getui.as_deref().map(|c| c as &dyn PushChannel),
            "wechat" => self.wechat.as_deref().map(|c| c as &dyn PushChannel),
            _ => None,
        }
    }

    /// The VAPID public key browsers subscribe with (base64url), when Web Push is on.
    pub fn vapid_public_key(&self) -> Option<String> {
        self.webpush.as_ref().map(|w| w.public_key())
    }

    /// The kinds configured, for the apps (`["webpush"]`).
    pub fn kinds(&self) -> Vec<&'static str> {
        ["webpush", "jpush", "getui", "wechat"]
            .into_iter()
            .filter(|k| self.channel(k).is_some())
            .collect()
    }
}

/// Who is pushed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A customer, by id.
    Customer(Uuid),
    /// A worker, by id.
    Worker(Uuid),
}

impl Recipient {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Recipient::Customer(id) => ("customer", id),
            Recipient::Worker(id) => ("worker", id),
        }
    }
}

/// A subscription to register or remove, as the apps send it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    /// `webpush`, `jpush`, `getui` or `wechat`.
    #[schema(example = "webpush")]
    pub kind: String,
    /// Web Push: the subscription's endpoint (`PushSubscription.endpoint`).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Web Push: `keys.p256dh` (base64url).
    #[serde(default)]
    pub p256dh: Option<String>,
    /// Web Push: `keys.auth` (base64url).
    #[serde(default)]
    pub auth: Option<String>,
    /// JPush registration id or Getui client id.
    #[serde(default)]
    pub device_id: Option<String>,
    /// WeChat: the one-time code from `wx.login` (mini program) or from web authorisation
    /// (`snsapi_base`, official account); the server exchanges it for the openid.
    #[serde(default)]
    pub code: Option<String>,
}

/// A stored subscription as its owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    /// Its id.
    pub id: Uuid,
    /// `webpush`, `jpush`, `getui` or `wechat`.
    pub kind: String,
    /// Web Push: the push service's host (not the whole endpoint, which is a credential).
    pub push_service: Option<String>,
    /// The browser or app that registered it.
    pub user_agent: Option<String>,
    /// Registered.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The last push the service accepted.
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Failed pushes since the last success.
    pub failures: i32,
}

impl From<&Model> for SubscriptionView {
    fn from(m: &Model) -> Self {
        SubscriptionView {
            id: m.id,
            kind: m.kind.clone(),
            push_service: m
                .endpoint
                .as_deref()
                .and_then(|e| webpush::origin(e).ok())
                .map(|o| o.split("://").nth(1).unwrap_or_default().to_string()),
            user_agent: m.user_agent.clone(),
            created_at: m.created_at,
            last_success_at: m.last_success_at,
            failures: m.failures,
        }
    }
}

fn required(v: &Option<String>, field: &str, max: usize) -> Result<String> {
    let s = v.as_deref().map(str::trim).unwrap_or_default();
    if s.is_empty() {
        return Err(Error::field(
            field,
            "required",
            format!("{field} is required for this kind"),
        ));
    }
    if s.len() > max {
        return Err(Error::field(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    Ok(s.to_string())
}

/// Checks an input against the configured channels: the kind is configured, and its
/// fields are well formed (a Web Push endpoint the channel would push to, a P-256 public
/// key, a 16-byte secret).
pub fn target_of(channels: &PushChannels, input: &SubscriptionInput) -> Result<Target> {
    let kind = input.kind.trim();
    match kind {
        "webpush" => {
            let Some(wp) = &channels.webpush else {
                return Err(Error::field(
                    "kind",
                    "not_configured",
                    "Web Push is not configured on this server",
                ));
            };
            let endpoint = required(&input.endpoint, "endpoint", 1024)?;
            wp.check_endpoint(&endpoint)
                .map_err(|e| Error::field("endpoint", "invalid_endpoint", e.0))?;
            let p256dh = required(&input.p256dh, "p256dh", 128)?;
            webpush::b64_decode(&p256dh)
                .and_then(|b| webpush::public_key(&b))
                .map_err(|e| Error::field("p256dh", "invalid_key", e.0))?;
            let auth = required(&input.auth, "auth", 64)?;
            if webpush::b64_decode(&auth).map(|b| b.len()) != Ok(16) {
                return Err(Error::field(
                    "auth",
                    "invalid_key",
                    "auth is 16 bytes, base64url",
                ));
            }
            Ok(Target::WebPush {
                endpoint,
                p256dh,
                auth,
            })
        }
        "jpush" | "getui" => {
            if channels.channel(kind).is_none() {
                return Err(Error::field(
                    "kind",
                    "not_configured",
                    format!("{kind} is not configured on this server"),
                ));
            }
            let device_id = required(&input.device_id, "device_id", 200)?;
            if !device_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(Error::field(
                    "device_id",
                    "invalid_device_id",
                    "letters, digits, - and _ only",
                ));
            }
            Ok(Target::Device {
                kind: kind.to_string(),
                device_id,
            })
        }
        "wechat" => Err(Error::field(
            "code",
            "code_required",
            "a WeChat subscription is registered with the code from WeChat",
        )),
        _ => Err(Error::field(
            "kind",
            "unknown_kind",
            "kind is webpush, jpush, getui or wechat",
        )),
    }
}

/// A WeChat subscription's target: the openid WeChat gives for the app's one-time code.
async fn wechat_target(channels: &PushChannels, input: &SubscriptionInput) -> Result<Target> {
    let Some(wechat) = &channels.wechat else {
        return Err(Error::field(
            "kind",
            "not_configured",
            "WeChat subscribe messages are not configured on this server",
        ));
    };
    let code = required(&input.code, "code", 128)?;
    let openid = wechat.openid_for_code(&code).await.map_err(|e| match e {
        CodeError::Invalid(_) => Error::field(
            "code",
            "invalid_code",
            "WeChat does not know this code (used, expired or from another app)",
        ),
        CodeError::Unavailable(why) => {
            tracing::warn!(%why, "WeChat did not exchange a subscription code");
            Error::Unavailable {
                code: "wechat_unavailable",
                message: "WeChat could not be asked for the person's openid; try again".into(),
                retry_after_secs: 5,
            }
        }
    })?;
    Ok(Target::Device {
        kind: "wechat".into(),
        device_id: openid,
    })
}

/// Registers (or refreshes) a subscription of `who`.
pub async fn subscribe(
    app: &App,
    who: Recipient,
    input: &SubscriptionInput,
    user_agent: Option<&str>,
) -> Result<SubscriptionView> {
    let target = if input.kind.trim() == "wechat" {
        wechat_target(&app.push, input).await?
    } else {
        target_of(&app.push, input)?
    };
    let (kind, id) = who.parts();
    let row = repo::upsert(
        app.store.db(),
        kind,
        id,
        &target,
        user_agent,
        chrono::Utc::now(),
    )
    .await?;
    Ok(SubscriptionView::from(&row))
}

/// Removes a subscription of `who` by id (the user turned notifications off). NotFound
/// when `who` has no such subscription.
pub async fn unsubscribe(app: &App, who: Recipient, id: Uuid) -> Result<()> {
    let (kind, owner) = who.parts();
    if repo::remove_for(app.store.db(), kind, owner, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound("push subscription"))
    }
}

/// `who`'s subscriptions.
pub async fn list(app: &App, who: Recipient) -> Result<Vec<SubscriptionView>> {
    let (kind, id) = who.parts();
    Ok(repo::list_for(app.store.db(), kind, id)
        .await?
        .iter()
        .map(SubscriptionView::from)
        .collect())
}

/// One place to push to: a stored subscription, its target, and the channel of its kind.
pub struct Route<'a> {
    /// The subscription (for [`record`]).
    pub subscription: Uuid,
    /// Where to push.
    pub target: PushTarget,
    /// The channel that pushes there.
    pub channel: &'a dyn PushChannel,
}

/// Where `who` can be pushed to now: each stored subscription whose kind has a configured
/// channel, oldest first (subscriptions of a kind no longer configured are skipped and
/// kept).
pub async fn routes<'a>(
    app: &App,
    channels: &'a PushChannels,
    who: Recipient,
) -> Result<Vec<Route<'a>>> {
    let (kind, id) = who.parts();
    let rows = repo::list_for(app.store.db(), kind, id).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some(Route {
                subscription: row.id,
                target: push_target(row)?,
                channel: channels.channel(&row.kind)?,
            })
        })
        .collect())
}

/// Where a stored subscription is pushed to; `None` for a row that names no target.
fn push_target(row: &Model) -> Option<PushTarget> {
    Some(match Target::of(row)? {
        Target::WebPush {
            endpoint,
            p256dh,
            auth,
        } => PushTarget::WebPush {
            endpoint,
            p256dh,
            auth,
        },
        Target::Device { kind, device_id } if kind == "jpush" => PushTarget::Jpush {
            registration_id: device_id,
        },
        Target::Device { kind, device_id } if kind == "wechat" => {
            PushTarget::Wechat { openid: device_id }
        }
        Target::Device { device_id, .. } => PushTarget::Getui { cid: device_id },
    })
}

impl PushChannels {
    /// Every configured channel, for the notification service (which picks one by the
    /// target's kind, [`PushChannel::code`]).
    pub fn all(&self) -> Vec<Arc<dyn PushChannel>> {
        let mut out: Vec<Arc<dyn PushChannel>> = Vec::new();
        if let Some(c) = &self.webpush {
            out.push(c.clone());
        }
        if let Some(c) = &self.jpush {
            out.push(c.clone());
        }
        if let Some(c) = &self.getui {
            out.push(c.clone());
        }
        if let Some(c) = &self.wechat {
            out.push(c.clone());
        }
        out
    }
}

/// The subscriptions customers and workers registered (`push_subscription`), as the
/// notification service reads them: a push service's "gone" deletes the row.
pub struct StoredSubscriptions {
    store: daojia_store::Store,
}

impl StoredSubscriptions {
    /// Over `store`.
    pub fn new(store: daojia_store::Store) -> StoredSubscriptions {
        StoredSubscriptions { store }
    }
}

#[async_trait::async_trait]
impl crate::notifications::push::PushSubscriptions for StoredSubscriptions {
    async fn of(
        &self,
        audience: daojia_domain::notification::Audience,
        recipient: Uuid,
    ) -> std::result::Result<
        Vec<crate::notifications::push::Subscription>,
        crate::notifications::push::SubscriptionError,
    > {
        let rows = repo::list_for(self.store.db(), audience.as_str(), recipient).await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                Some(crate::notifications::push::Subscription {
                    id: row.id,
                    target: push_target(row)?,
                })
            })
            .collect())
    }

    async fn remove(
        &self,
        id: Uuid,
    ) -> std::result::Result<(), crate::notifications::push::SubscriptionError> {
        repo::delete(self.store.db(), id).await?;
        Ok(())
    }
}

/// What became of one push, for the caller's record of the send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Accepted; the subscription's `last_success_at` is now.
    Accepted(Option<String>),
    /// The subscription is gone and was deleted.
    Deleted,
    /// It failed; retry later when `retryable`.
    Failed {
        /// Worth another try.
        retryable: bool,
        /// Why.
        reason: String,
    },
}

/// Records the result of a push to `subscription`: gone → the subscription is deleted;
/// accepted → `last_success_at`, failures reset; failed → one more failure with its reason.
pub async fn record(
    app: &App,
    subscription: Uuid,
    result: &std::result::Result<PushOutcome, PushError>,
) -> Result<Recorded> {
    let db = app.store.db();
    Ok(match result {
        Ok(PushOutcome::Accepted(id)) => {
            repo::record_success(db, subscription, chrono::Utc::now()).await?;
            Recorded::Accepted(id.clone())
        }
        Ok(PushOutcome::Gone) => {
            repo::delete(db, subscription).await?;
            Recorded::Deleted
        }
        Err(e) => {
            let (retryable, reason) = match e {
                PushError::Retryable(r) => (true, r.clone()),
                PushError::Permanent(r) => (false, r.clone()),
            };
            repo::record_failure(db, subscription, &reason).await?;
            Recorded::Failed { retryable, reason }
        }
    })
}

/// Pushes `msg` to every subscription of `who` through the app's channels and records each
/// result; answers them in route order, with the channel's code.
pub async fn push_to(
    app: &App,
    who: Recipient,
    msg: &PushMessage,
) -> Result<Vec<(&'static str, Recorded)>> {
    let channels = app.push.clone();
    let mut out = Vec::new();
    for r in routes(app, &channels, who).await? {
        let result = r.channel.send(&r.target, msg).await;
        out.push((
            r.channel.code(),
            record(app, r.subscription, &result).await?,
        ));
    }
    Ok(out)
}
