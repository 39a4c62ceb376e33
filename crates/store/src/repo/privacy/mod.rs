//! Personal-information rights (个人信息保护法): consent records, the export of everything
//! an account holds, and erasure at the holder's request.
//!
//! Every read and every erasure of a personal column for export or deletion goes through
//! this module (see [`columns`]), so that a column that changes form (a name that becomes
//! encrypted, say) is changed here once. Orders and money records outlive an erasure, as
//! the bookkeeping law requires, but afterwards no longer identify the person: their
//! contact, address and free text are overwritten, the account's phone, index and nickname
//! are replaced, and everything that only served the person (addresses, sessions, log-in
//! codes, messages, photos) is deleted.

use crate::Store;
use crate::entity::{account_erasure, consent, customer, service_order, worker};
use crate::pii::VaultError;
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use daojia_domain::order::OrderState;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// The documents an account consents to.
pub mod document {
    /// The privacy policy (隐私政策).
    pub const PRIVACY: &str = "privacy";
    /// The terms of service (用户协议).
    pub const TERMS: &str = "terms";
    /// Both, in the order the apps show them.
    pub const ALL: [&str; 2] = [PRIVACY, TERMS];
}

/// What went wrong in an export or an erasure.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// The database.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A stored value could not be decrypted (a missing key): nothing is erased then.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Why an account cannot be erased yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Orders that are not finished (their numbers).
    OpenOrders(Vec<String>),
    /// Finished orders whose money is not settled: a balance due, or a refund not made
    /// (their numbers).
    MoneyOwed(Vec<String>),
}

/// Records that `subject` accepted `version` of `document` (`privacy` or `terms`).
pub async fn record_consent(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
    document: &str,
    version: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<consent::Model, DbErr> {
    consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_id: Set(subject),
        audience: Set(audience.as_str().into()),
        document: Set(document.into()),
        version: Set(version.into()),
        accepted_at: Set(now),
        ip: Set(ip.map(str::to_string)),
    }
    .insert(db)
    .await
}

/// Every consent of an account, oldest first.
pub async fn consents(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
) -> Result<Vec<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::SubjectId.eq(subject))
        .filter(consent::Column::Audience.eq(audience.as_str()))
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await
}

/// The consent in force for `document` (the newest), if any.
pub async fn accepted(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
    document: &str,
) -> Result<Option<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::SubjectId.eq(subject))
        .filter(consent::Column::Audience.eq(audience.as_str()))
        .filter(consent::Column::Document.eq(document))
        .order_by_desc(consent::Column::Id)
        .one(db)
        .await
}

/// Whether the account was erased.
pub async fn is_erased(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
) -> Result<bool, DbErr> {
    Ok(account_erasure::Entity::find()
        .filter(account_erasure::Column::Audience.eq(audience.as_str()))
        .filter(account_erasure::Column::SubjectId.eq(subject))
        .one(db)
        .await?
        .is_some())
}

/// The personal columns this module reads and overwrites (names, nickname, notes), through
/// the store's own sealing functions, so encryption is decided in one place.
pub mod columns {
    use super::*;

    /// A customer's nickname as shown to them.
    pub fn customer_nickname(store: &Store, c: &customer::Model) -> Result<String, VaultError> {
        crate::repo::accounts::customer_nickname(store, c)
    }

    /// A worker's name.
    pub fn worker_name(store: &Store, w: &worker::Model) -> Result<String, VaultError> {
        crate::repo::accounts::worker_name(store, w)
    }

    /// An order's notes (may hold a door code).
    pub fn order_notes(store: &Store, o: &service_order::Model) -> Result<String, VaultError> {
        crate::repo::orders::notes(store, o)
    }

    /// The nickname of an erased customer.
    pub const ERASED_NICKNAME: &str = "已注销用户";
    /// The name of an erased worker.
    pub const ERASED_WORKER_NAME: &str = "已注销师傅";

    /// Overwrites a customer's nickname.
    pub fn erase_customer_nickname(store: &Store, a: &mut customer::ActiveModel) {
        a.nickname_enc = Set(crate::repo::accounts::seal_customer_nickname(
            store,
            ERASED_NICKNAME,
        ));
    }

    /// Overwrites a worker's name.
    pub fn erase_worker_name(store: &Store, a: &mut worker::ActiveModel) {
        a.name_enc = Set(crate::repo::accounts::seal_worker_name(
            store,
            ERASED_WORKER_NAME,
        ));
    }

    /// Overwrites an order's notes.
    pub fn erase_order_notes(store: &Store, a: &mut service_order::ActiveModel) {
        a.notes_enc = Set(crate::repo::orders::seal_notes(store, ""));
    }
}

/// The orders that stop an erasure, if any: unfinished ones first, then finished ones
/// whose money is not settled (a completed order not paid in full; a cancelled one where
/// what was paid, less what was refunded, is not the fee kept).
pub fn refusal(orders: &[service_order::Model]) -> Option<Refusal> {
    let open: Vec<String> = orders
        .iter()
        .filter(|o| {
            o.state
                .parse::<OrderState>()
                .map_or(true, |s| !s.is_terminal())
        })
        .map(|o| o.order_no.clone())
        .collect();
    if !open.is_empty() {
        return Some(Refusal::OpenOrders(open));
    }
    let owed: Vec<String> = orders
        .iter()
        .filter(|o| match o.state.parse::<OrderState>() {
            Ok(OrderState::Completed) => o.paid_fen < o.total_fen,
            Ok(OrderState::Cancelled) => o.paid_fen - o.refunded_fen != o.fee_fen,
            _ => false,
        })
        .map(|o| o.order_no.clone())
        .collect();
    (!owed.is_empty()).then_some(Refusal::MoneyOwed(owed))
}

fn open(store: &Store, context: &str, enc: &str) -> Result<String, VaultError> {
    store.vault().decrypt(context, enc)
}

mod erase;
mod export;

pub use erase::{Erased, erase_customer, erase_worker};
pub use export::{export_customer, export_worker};

#[cfg(test)]
mod tests {
    use super::erase::redact_detail;
    use super::*;
    use serde_json::{Value, json};

    fn order(
        no: &str,
        state: &str,
        total: i64,
        paid: i64,
        refunded: i64,
        fee: i64,
    ) -> service_order::Model {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        service_order::Model {
            id: Uuid::now_v7(),
            order_no: no.into(),
            customer_id: Uuid::nil(),
            state: state.into(),
            worker_id: None,
            area_code: None,
            address_id: None,
            contact_name_enc: String::new(),
            contact_phone_enc: String::new(),
            address_enc: String::new(),
            house_number_enc: String::new(),
            lat: 0.0,
            lng: 0.0,
            window_start: t,
            window_end: t,
            payment_mode: "full".into(),
            deposit_fen: 0,
            total_fen: total,
            paid_fen: paid,
            refunded_fen: refunded,
            fee_fen: fee,
            policy: "{}".into(),
            customer_reschedules: 0,
            notes_enc: String::new(),
            completed_at: None,
            duration_min: 60,
            skills: None,
            rework_of: None,
            bundle_id: None,
            version: 1,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn finished_and_settled_orders_do_not_stop_an_erasure() {
        let orders = [
            order("A", "completed", 100, 100, 30, 0),
            order("B", "cancelled", 100, 100, 80, 20),
            order("C", "cancelled", 100, 0, 0, 0),
        ];
        assert_eq!(refusal(&orders), None);
    }

    #[test]
    fn an_unfinished_order_stops_an_erasure_before_money_is_looked_at() {
        let orders = [
            order("A", "completed", 100, 50, 0, 0),
            order("B", "pending_settlement", 100, 100, 0, 0),
        ];
        assert_eq!(
            refusal(&orders),
            Some(Refusal::OpenOrders(vec!["B".into()]))
        );
    }

    #[test]
    fn a_balance_due_or_a_refund_not_made_stops_an_erasure() {
        let orders = [
            order("A", "completed", 100, 50, 0, 0),
            order("B", "cancelled", 100, 100, 0, 20),
            order("C", "cancelled", 100, 100, 80, 20),
        ];
        assert_eq!(
            refusal(&orders),
            Some(Refusal::MoneyOwed(vec!["A".into(), "B".into()]))
        );
    }

    #[test]
    fn free_text_in_event_details_is_blanked_and_the_rest_kept() {
        let d = r#"{"cancel":{"reason":"门禁 1201# 家里有人"},"fee_fen":20}"#;
        let out: Value = serde_json::from_str(&redact_detail(d).unwrap()).unwrap();
        assert_eq!(out, json!({"cancel": {"reason": ""}, "fee_fen": 20}));
        assert_eq!(redact_detail(r#"{"total_fen":1}"#), None);
    }
}
