//! Counters of data that nodes cache (`data_version`): a node keeps what it read with the
//! counter it read first, and uses it while the database's counter is unchanged. Every
//! write bumps the counter in its own transaction, so a node never uses rows older than
//! a committed change, and every node (the database is shared) sees the change at once.
//!
//! - **`staff`** counts writes to `worker`, `worker_skill`, `worker_shift`,
//!   `worker_shift_exception` and `worker_certificate`. Writes through an `ActiveModel`
//!   (`insert`, `update`, `save`, `delete`) bump it in the entities' hooks; the few bulk
//!   writes (`update_many`, `delete_many`, `insert_many`) call [`bump`] themselves.
//! - **`catalog`** counts writes to what a placement prices and checks: `service_area`,
//!   `service_item`, `area_item_price`, `area_item_off` and `item_certificate` (entity hooks,
//!   and [`bump`] after their bulk writes); read by [`crate::repo::catalog_rows`].
//! - **`sessions`** counts revocations: a session revoked (log-out, ended by its owner, a
//!   refresh token reused) or deleted (an account erased, housekeeping) bumps it in the
//!   same transaction. A new log-in does not. Read by [`crate::repo::sessions::LiveSessions`],
//!   each node's copy of the sessions it found live.
//! - A row edited by hand in SQL bumps nothing: caches also expire after
//!   [`crate::repo::pool_rows::KEPT`], and `UPDATE data_version SET version = version + 1`
//!   makes every node read again at once (docs/operations.md).

use crate::entity::data_version;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Workers with their skills, shifts, shift exceptions and certificates.
pub const STAFF: &str = "staff";
/// Areas, items, area prices, items not offered and items' certificate requirements.
pub const CATALOG: &str = "catalog";
/// Feature flags (`feature_flag`).
pub const FLAGS: &str = "flags";
/// Revoked or deleted sessions (`auth_session`).
pub const SESSIONS: &str = "sessions";

/// A counter as read: its database's epoch and its value (`None` when it does not exist,
/// and nothing may be cached).
pub type Read = Option<(Uuid, i64)>;

/// The counters an authenticated request reads once, in one statement, with its session
/// check: the session check uses `sessions`, and a placement the other two (so it reads no
/// counter again).
#[derive(Clone, Copy, Debug)]
pub struct RequestCounters {
    /// `sessions`.
    pub sessions: Read,
    /// `staff`.
    pub staff: Read,
    /// `catalog`.
    pub catalog: Read,
}

/// Reads [`RequestCounters`] in one statement.
pub async fn read_for_request(db: &impl ConnectionTrait) -> Result<RequestCounters, DbErr> {
    let [sessions, staff, catalog] = read_many(db, [SESSIONS, STAFF, CATALOG]).await?;
    Ok(RequestCounters {
        sessions,
        staff,
        catalog,
    })
}

/// Makes the counter `name` if it does not exist.
pub async fn open(db: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    if read(db, name).await?.is_some() {
        return Ok(());
    }
    data_version::Entity::insert(data_version::ActiveModel {
        name: Set(name.to_string()),
        epoch: Set(Uuid::new_v4()),
        version: Set(0),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Counts a write to `name`'s data: call it in the write's transaction.
pub async fn bump(db: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    data_version::Entity::update_many()
        .col_expr(
            data_version::Column::Version,
            Expr::col(data_version::Column::Version).add(1),
        )
        .filter(data_version::Column::Name.eq(name))
        .exec(db)
        .await?;
    Ok(())
}

/// The counter `name`: its database's epoch and its value (`None` when it does not
/// exist, and nothing may be cached).
pub async fn read(db: &impl ConnectionTrait, name: &str) -> Result<Option<(Uuid, i64)>, DbErr> {
    Ok(data_version::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .map(|r| (r.epoch, r.version)))
}

/// The counters `names` in one statement (one snapshot): for each, its epoch and value, or
/// `None` when it does not exist.
pub async fn read_many<const N: usize>(
    db: &impl ConnectionTrait,
    names: [&str; N],
) -> Result<[Option<(Uuid, i64)>; N], DbErr> {
    let rows = data_version::Entity::find()
        .filter(data_version::Column::Name.is_in(names))
        .all(db)
        .await?;
    Ok(names.map(|n| {
        rows.iter()
            .find(|r| r.name == n)
            .map(|r| (r.epoch, r.version))
    }))
}
