//! Online payments of orders: a payment intent per attempt to collect what an order owes
//! through WeChat Pay or Alipay, the channels' verified notifications applied once each,
//! the scheduled query that finds the outcome of a payment whose notification was lost, and
//! refunds through the channel the money came from.
//!
//! The channels are reached only through `daojia_pay`'s capability traits
//! ([`Channel`]), so the simulator stands in for the vendors in the demo and in tests. An
//! intent's success and the order's payment are one transaction: the order is marked paid
//! through its state machine (`RecordPayment` with the channel as method) exactly when
//! the intent becomes `succeeded`, never twice. What the order cannot take (it was
//! cancelled meanwhile, or another intent paid first) is refunded at once and alerted.
//! Rejected notifications (bad signature, wrong merchant, another amount) change nothing
//! and are alerted through the audit log and the outbox (`payment.alert`).

pub mod apply;
pub mod certificates;
pub mod consumer;
pub mod intents;
pub mod jsapi;
pub mod purpose;
pub mod recover;
pub mod refunds;
pub mod sharing;

use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::payment::{PayChannel, Provider};
use daojia_pay::channel::Channel;
use daojia_store::repo::audit::{self, AuditEntry};
use daojia_store::repo::outbox;
use std::sync::Arc;
use uuid::Uuid;

pub use apply::{Applied, apply_notification};
pub use intents::{Created, IntentView, create_intent, intents_of};
pub use recover::{QUERY_JOB, REFUND_JOB};

/// The payment channels this node talks to, and how long things take.
pub struct Payments {
    /// WeChat Pay, when configured.
    pub wechat: Option<Arc<dyn Channel>>,
    /// Alipay, when configured.
    pub alipay: Option<Arc<dyn Channel>>,
    /// Paying inside WeChat (JSAPI), when WeChat Pay and the app's secret are configured.
    pub jsapi: Option<jsapi::Jsapi>,
    /// Profit sharing at WeChat (分账, service-provider mode), when configured: WeChat
    /// payments of orders are then opened to be shared, and settlement shares them.
    pub sharing: Option<Arc<sharing::Sharing>>,
    /// WeChat Pay's platform certificates, kept current by
    /// [`certificates::refresh`] (the WeChat channel itself, when configured).
    pub certificates: Option<Arc<dyn daojia_pay::channel::PlatformCertificates>>,
    /// Timings.
    pub settings: PaySettings,
}

/// Timings and addresses of online payment.
#[derive(Debug, Clone)]
pub struct PaySettings {
    /// How long a new intent stays payable.
    pub intent_lifetime: Duration,
    /// When the first scheduled query of an unconfirmed intent runs, after its creation;
    /// later ones back off (doubling) until the intent expires.
    pub first_query_after: Duration,
    /// Where the payer's browser returns after an H5 payment (`{order}` and `{payment}` are
    /// replaced by the order's and the intent's ids).
    pub return_url: Option<String>,
    /// Where the payer's browser returns after an H5 top-up of the wallet (`{top_up}` is
    /// replaced by the top-up's id).
    pub wallet_return_url: Option<String>,
    /// Where the worker's browser returns after paying a deposit lodging on the channel's
    /// page (`{lodging}` is replaced by the lodging's id).
    pub deposit_return_url: Option<String>,
    /// How often WeChat Pay's platform certificates are downloaded (certificate mode).
    pub certificate_refresh: Duration,
    /// Alert when the platform certificate that lasts longest has less than this left, or
    /// when no download succeeded for this long.
    pub certificate_warning: Duration,
}

impl Default for PaySettings {
    fn default() -> Self {
        PaySettings {
            intent_lifetime: Duration::minutes(15),
            first_query_after: Duration::seconds(60),
            return_url: None,
            wallet_return_url: None,
            deposit_return_url: None,
            certificate_refresh: Duration::hours(12),
            certificate_warning: Duration::days(7),
        }
    }
}

impl Payments {
    /// The codes of the channels a payment can be opened through on this node (every
    /// channel of each configured provider; JSAPI when it is configured too), in
    /// [`PayChannel::ALL`]'s order.
    pub fn channels(&self) -> Vec<&'static str> {
        PayChannel::ALL
            .into_iter()
            .filter(|c| self.channel(c.provider()).is_ok())
            .filter(|c| !c.needs_openid() || self.jsapi.is_some())
            .map(PayChannel::code)
            .collect()
    }

    /// The channel of `provider`, or a conflict saying it is not configured.
    pub fn channel(&self, provider: Provider) -> Result<&Arc<dyn Channel>> {
        match provider {
            Provider::Wechat => self.wechat.as_ref(),
            Provider::Alipay => self.alipay.as_ref(),
        }
        .ok_or_else(|| {
            Error::conflict(
                "channel_unavailable",
                format!("{} is not configured on this server", provider.code()),
            )
        })
    }
}

/// The payments of `app`, or a conflict when the node has none configured.
pub(crate) fn payments(app: &App) -> Result<&Arc<Payments>> {
    app.payments.as_ref().ok_or_else(|| {
        Error::conflict(
            "payments_unavailable",
            "online payment is not configured on this server",
        )
    })
}

/// A new number for an intent or a refund: `prefix`, the UTC time to the second and random
/// digits; 32 characters at most (WeChat's limit for `out_trade_no`).
pub(crate) fn new_number(prefix: char, now: DateTime<Utc>) -> String {
    let random = Uuid::new_v4().as_u128() % 10u128.pow(16);
    format!("{prefix}{}{random:016}", now.format("%Y%m%d%H%M%S"))
}

/// Records an alert about money in its own transaction (the change it is about was refused,
/// so there is no other transaction to join): an audit entry and a `payment.alert` outbox
/// event, for operations to see and act on.
pub(crate) async fn alert(
    app: &App,
    kind: &str,
    subject: Option<Uuid>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    tracing::warn!(kind, %detail, "payment alert");
    let tx = daojia_store::begin(app.store.db()).await?;
    write_alert(app, &tx, kind, subject, detail, now).await?;
    tx.commit().await?;
    app.wake_relay();
    Ok(())
}

/// [`alert`] inside the caller's transaction.
pub(crate) async fn write_alert(
    app: &App,
    db: &impl sea_orm::ConnectionTrait,
    kind: &str,
    subject: Option<Uuid>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    audit::record(
        &app.store,
        db,
        AuditEntry {
            actor_type: "system".into(),
            action: format!("payment.{kind}"),
            target_type: "payment_intent".into(),
            target_id: subject.map(|s| s.to_string()),
            after: Some(detail.clone()),
            ..Default::default()
        },
        now,
    )
    .await?;
    outbox::append(
        db,
        "payment.alert",
        subject.unwrap_or_else(Uuid::nil),
        &serde_json::json!({ "kind": kind, "detail": detail }),
        now,
    )
    .await?;
    Ok(())
}
