//! The demo's wallets: a few customers of the demo city (the sample customer first)
//! topped up a few days ago through WeChat Pay or Alipay, each a real top-up intent that
//! succeeded and was credited through [`super::credit_top_up`] — the same entry and kept
//! balance as a channel's callback — so the H5 app's 我的余额 and the console show money
//! and `daojia ledger check` passes. Runs once: nothing when any top-up exists.

use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::payment::{IntentState, PayChannel};
use daojia_domain::wallet::PURPOSE_TOP_UP;
use daojia_store::entity::{customer, payment_intent};
use daojia_store::repo::payments::{self as repo, IntentUpdate, NewIntent};
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
        let tx = daojia_store::begin(db).await?;
        let row = repo::insert_intent(
            &tx,
            NewIntent {
                intent_no: crate::payments::new_number('T', at),
                order_id: None,
                purpose: PURPOSE_TOP_UP,
                customer_id,
                channel: channel.code().into(),
                provider: channel.provider().code().into(),
                amount_fen: fen,
                expires_at: at + Duration::minutes(15),
                profit_sharing: false,
            },
            at,
        )
        .await?;
        let trade = format!("DEMO{}", row.intent_no);
        repo::set_intent_state(
            &tx,
            row.id,
            &[IntentState::Created.code()],
            IntentState::Succeeded.code(),
            IntentUpdate {
                channel_trade_no: Some(&trade),
                ..Default::default()
            },
            at,
        )
        .await?;
        super::credit_top_up(&tx, &row, channel.provider(), at)
            .await
            .map_err(|e| crate::Error::internal(e.to_string()))?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
}
