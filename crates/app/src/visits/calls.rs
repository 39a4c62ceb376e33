//! Calls between the worker and the customer through a privacy number (隐私号/虚拟号): the
//! worker never sees the customer's phone, only a number a provider binds to the two of
//! them for a while. [`PrivacyNumbers`] is the provider's seam; [`LogNumbers`] (the
//! default, `[visit.calls] provider = "log"`) bridges nothing: it answers the customer's
//! number masked, not to be dialled, and logs the request. A real provider (a carrier's
//! AXB binding) implements the same trait.
//!
//! Every request is recorded whatever the provider: an outbox event `visit.call` with the
//! order, the worker, the provider and the times, never a phone number.

use super::worker_order;
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::TransitionError;
use daojia_domain::phone::Phone;
use daojia_store::entity::worker;
use daojia_store::repo::accounts::{WORKER_PHONE, address_context as ctx};
use daojia_store::repo::{orders, outbox};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// The outbox topic of a call request.
pub const TOPIC: &str = "visit.call";

/// What a provider is asked to bind.
#[derive(Debug, Clone)]
pub struct BindRequest<'a> {
    /// The order the call is about.
    pub order_id: Uuid,
    /// The worker's own phone (the A side).
    pub worker_phone: &'a Phone,
    /// The customer's contact phone (the B side).
    pub customer_phone: &'a Phone,
    /// How long the binding should last.
    pub ttl: Duration,
    /// The time of the request.
    pub now: DateTime<Utc>,
}

/// A number to call the customer through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// What the app shows (and dials, when `dialable`).
    pub number: String,
    /// Whether calling `number` reaches the customer; false for a masked number shown only.
    pub dialable: bool,
    /// Until when the binding holds.
    pub expires_at: DateTime<Utc>,
}

/// Why a provider gave no number.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// A privacy-number provider: binds a worker's phone and a customer's to a number for a
/// while, so that each calls the other without learning their number.
#[async_trait::async_trait]
pub trait PrivacyNumbers: Send + Sync {
    /// The provider's kind as configured (`log`).
    fn kind(&self) -> &'static str;
    /// A number the worker may call the customer through.
    async fn bind(&self, req: BindRequest<'_>) -> Result<Binding, ProviderError>;
}

/// The default provider: no bridging. It answers the customer's number masked
/// (`138****5678`), to show and not to dial, and logs the request without any number.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNumbers;

#[async_trait::async_trait]
impl PrivacyNumbers for LogNumbers {
    fn kind(&self) -> &'static str {
        "log"
    }

    async fn bind(&self, req: BindRequest<'_>) -> Result<Binding, ProviderError> {
        tracing::info!(order_id = %req.order_id, ttl_s = req.ttl.num_seconds(), "privacy number requested (log provider: no bridging)");
        Ok(Binding {
            number: req.customer_phone.masked(),
            dialable: false,
            expires_at: req.now + req.ttl,
        })
    }
}

/// A call the worker may make.
#[derive(Debug, Clone)]
pub struct Call {
    /// The order.
    pub order_id: Uuid,
    /// The provider's kind.
    pub provider: &'static str,
    /// The number and how long it holds.
    pub binding: Binding,
}

/// The states in which the worker may call the customer: from accepting the job to the
/// end of the service.
pub const CALLABLE: [OrderState; 4] = [
    OrderState::Accepted,
    OrderState::EnRoute,
    OrderState::Arrived,
    OrderState::InService,
];

fn phone(plain: Result<String, daojia_store::pii::VaultError>, whose: &str) -> Result<Phone> {
    let plain = plain.map_err(|e| Error::internal(format!("{whose} phone: {e}")))?;
    Phone::parse(&plain).map_err(|_| {
        Error::conflict(
            "no_phone",
            format!("the {whose} phone on record is not a mobile number; ask customer service"),
        )
    })
}

/// Worker `worker` asks for a number to call the customer of order `id` (theirs; anyone
/// else's is "not found"), while the job is accepted, on the way, at the door or in
/// service (otherwise the state machine's refusal). The request is recorded.
pub async fn call(app: &App, worker_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Call> {
    let row = worker_order(app, worker_id, id).await?;
    let state = orders::to_domain(&row)?.state;
    if !CALLABLE.contains(&state) {
        return Err(TransitionError::InvalidState {
            action: "call",
            state,
        }
        .into());
    }
    let v = app.store.vault();
    let w = worker::Entity::find_by_id(worker_id)
        .one(app.store.db())
        .await?
        .ok_or(Error::NotFound("worker"))?;
    let worker_phone = phone(v.decrypt(WORKER_PHONE, &w.phone_enc), "worker's")?;
    let customer_phone = phone(
        v.decrypt(ctx::CONTACT_PHONE, &row.contact_phone_enc),
        "customer's",
    )?;
    let provider = app.privacy_numbers.kind();
    let ttl = Duration::minutes(i64::from(app.settings.job_card.call_ttl_min.max(1)));
    let binding = app
        .privacy_numbers
        .bind(BindRequest {
            order_id: id,
            worker_phone: &worker_phone,
            customer_phone: &customer_phone,
            ttl,
            now,
        })
        .await
        .map_err(|e| Error::Unavailable {
            code: "privacy_number_unavailable",
            message: format!("no number to call through now ({e}); try again shortly"),
            retry_after_secs: 30,
        })?;
    let payload = serde_json::json!({
        "order_id": id,
        "worker_id": worker_id,
        "provider": provider,
        "state": state.as_str(),
        "dialable": binding.dialable,
        "expires_at": binding.expires_at,
    });
    outbox::append(app.store.db(), TOPIC, id, &payload, now).await?;
    app.wake_relay();
    Ok(Call {
        order_id: id,
        provider,
        binding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_log_provider_shows_the_customers_number_masked_and_not_to_dial() {
        let w = Phone::parse("13900001111").unwrap();
        let c = Phone::parse("13812345678").unwrap();
        let now = DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = LogNumbers
            .bind(BindRequest {
                order_id: Uuid::nil(),
                worker_phone: &w,
                customer_phone: &c,
                ttl: Duration::minutes(30),
                now,
            })
            .await
            .unwrap();
        assert_eq!(b.number, "138****5678");
        assert!(!b.dialable);
        assert_eq!(b.expires_at, now + Duration::minutes(30));
    }
}
