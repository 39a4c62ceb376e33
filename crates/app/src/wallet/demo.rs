//! The demo's wallets: a few customers of the demo city (the sample customer first)
//! topped up a few days ago through WeChat Pay or Alipay, each a real top-up intent that
//! succeeded and was credited through [`crate::payments::purpose::credit`] — the same entry
//! and kept balance as a channel's callback — so the H5 app's 我的余额 and the console show money
//! and `daojia ledger check` passes. Runs once: nothing when any top-up exists.

use crate::payments::purpose::{Purpose, seed_succeeded};
use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::payment::PayChannel;
use daojia_domain::wallet::PURPOSE_TOP_UP;
use daojia_store::entity::{customer, payment_intent};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

/// The top-ups seeded: (customer's position among the first customers, fen, channel,
/// days ago).
const TOP_UPS: [(usize, i64, PayChannel, i64); 6] = [
    (0, 50_000, PayChannel::WechatH5, 6),
    (0, 20_000, PayChannel::AlipayWap, 3),
    (1, 30_000, PayChannel::WechatH5, 5),
    (2, 100_000, PayChannel::AlipayWap, 4),
    (3, 10_000, PayChannel::WechatNative, 7),
    (4, 50_000, PayChannel::WechatH5, 3),
];

/// Seeds the demo's wallets at `now`; returns how many top-ups were made.
pub async fn seed(app: &App, now: DateTime<Utc>) -> Result<usize> {
    let db = app.store.db();
    let any = payment_intent::Entity::find()
        .filter(payment_intent::Column::Purpose.eq(PURPOSE_TOP_UP))
        .count(db)
        .await?;
    if any > 0 {
        return Ok(0);
    }
    let customers: Vec<uuid::Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .order_by_asc(customer::Column::CreatedAt)
        .order_by_asc(customer::Column::Id)
        .limit(5)
        .into_tuple()
        .all(db)
        .await?;
    let mut made = 0;
    for (i, (who, fen, channel, days)) in TOP_UPS.into_iter().enumerate() {
        let Some(&customer_id) = customers.get(who) else {
            continue;
        };
        let at = now - Duration::days(days) + Duration::minutes(i as i64 * 7);
        seed_succeeded(app, Purpose::TopUp, customer_id, fen, channel, at).await?;
        made += 1;
    }
    Ok(made)
}
