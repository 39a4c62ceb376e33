//! Per-account guard of password log-ins, in the database so it holds across nodes.
//!
//! An attempt is reserved before the password is verified: a compare-and-set on the
//! account's row counts it, and the reservation that reaches the limit also sets the
//! lockout, so however many attempts run in parallel, at most `max_failures` passwords are
//! evaluated per lockout period. A success resets the row; each lockout lasts twice the
//! previous one, up to a cap. Names that match no account have rows of their own (keyed by
//! a blind index of the name), so they get the same answers and delays.

use crate::entity::login_guard;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

/// The lockout rules.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Consecutive failures that lock the account.
    pub max_failures: i32,
    /// The first lockout.
    pub base: Duration,
    /// The longest lockout.
    pub cap: Duration,
}

impl Policy {
    /// How long the lockout after `previous` lockouts lasts: doubling, capped.
    pub fn delay(&self, previous: i32) -> Duration {
        let factor = 1i64 << previous.clamp(0, 30);
        let secs = self.base.num_seconds().saturating_mul(factor);
        Duration::seconds(secs.min(self.cap.num_seconds()))
    }
}

/// The subject of a staff account.
pub fn staff_subject(id: Uuid) -> String {
    format!("staff:{id}")
}

/// The subject of a log-in name that matches no account (`index` is a blind index).
pub fn name_subject(index: &str) -> String {
    format!("name:{index}")
}

/// The answer to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Evaluate the password. `locks_until` is set when this attempt was the last one
    /// allowed: the account is locked until then unless the password is right.
    Granted {
        /// The lockout this attempt set.
        locks_until: Option<DateTime<Utc>>,
    },
    /// Locked: do not evaluate anything.
    Locked {
        /// Until when.
        until: DateTime<Utc>,
    },
}

/// Reserves one attempt for `subject`.
pub async fn reserve(
    db: &impl ConnectionTrait,
    subject: &str,
    staff_id: Option<Uuid>,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<Reservation, DbErr> {
    let mut tries = 0;
    loop {
        tries += 1;
        match reserve_once(db, subject, staff_id, policy, now).await {
            Err(e) if tries < 8 && crate::is_retryable(&e) => continue,
            other => return other,
        }
    }
}

async fn reserve_once(
    db: &impl ConnectionTrait,
    subject: &str,
    staff_id: Option<Uuid>,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<Reservation, DbErr> {
    login_guard::Entity::insert(login_guard::ActiveModel {
        subject: Set(subject.to_string()),
        staff_id: Set(staff_id),
        failures: Set(0),
        lockouts: Set(0),
        locked_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([login_guard::Column::Subject])
    .exec_without_returning(db)
    .await?;
    // Each round one contender wins the compare-and-set, so this ends; the bound is a
    // safety net, and losing it reads as a short lockout rather than an evaluation.
    for _ in 0..200 {
        let Some(row) = login_guard::Entity::find_by_id(subject.to_string())
            .one(db)
            .await?
        else {
            return Err(DbErr::RecordNotFound(format!("login_guard {subject}")));
        };
        if let Some(until) = row.locked_until
            && until > now
        {
            return Ok(Reservation::Locked { until });
        }
        // A lockout that has run out starts a new count.
        let used = if row.failures >= policy.max_failures {
            0
        } else {
            row.failures
        };
        let failures = used + 1;
        let (lockouts, locks_until) = if failures >= policy.max_failures {
            (row.lockouts + 1, Some(now + policy.delay(row.lockouts)))
        } else {
            (row.lockouts, None)
        };
        let res = login_guard::Entity::update_many()
            .col_expr(login_guard::Column::Failures, Expr::value(failures))
            .col_expr(login_guard::Column::Lockouts, Expr::value(lockouts))
            .col_expr(
                login_guard::Column::LockedUntil,
                Expr::value(locks_until.or(row.locked_until)),
            )
            .col_expr(login_guard::Column::UpdatedAt, Expr::value(now))
            .filter(login_guard::Column::Subject.eq(subject))
            .filter(login_guard::Column::Failures.eq(row.failures))
            .filter(login_guard::Column::Lockouts.eq(row.lockouts))
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            return Ok(Reservation::Granted { locks_until });
        }
    }
    Ok(Reservation::Locked {
        until: now + Duration::seconds(1),
    })
}

/// A right password: the count and the lockouts start again.
pub async fn succeeded(
    db: &impl ConnectionTrait,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    reset(db, login_guard::Column::Subject.eq(subject), now).await
}

async fn reset(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_guard::Entity::update_many()
        .col_expr(login_guard::Column::Failures, Expr::value(0))
        .col_expr(login_guard::Column::Lockouts, Expr::value(0))
        .col_expr(
            login_guard::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(login_guard::Column::UpdatedAt, Expr::value(now))
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}

/// The guard of a staff account, if it has one.
pub async fn of_staff(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
) -> Result<Option<login_guard::Model>, DbErr> {
    login_guard::Entity::find_by_id(staff_subject(staff_id))
        .one(db)
        .await
}

/// Staff accounts among `ids` that are locked at `now`, with the end of the lockout.
pub async fn locked_staff(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<Uuid, DateTime<Utc>>, DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let subjects: Vec<String> = ids.iter().map(|id| staff_subject(*id)).collect();
    Ok(login_guard::Entity::find()
        .filter(login_guard::Column::Subject.is_in(subjects))
        .filter(login_guard::Column::LockedUntil.gt(now))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|g| Some((g.staff_id?, g.locked_until?)))
        .collect())
}

/// Lifts a staff account's lockout and forgets its failures (a super admin's decision).
pub async fn unlock_staff(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    reset(
        db,
        login_guard::Column::Subject.eq(staff_subject(staff_id)),
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_up_to_the_cap() {
        let p = Policy {
            max_failures: 5,
            base: Duration::minutes(1),
            cap: Duration::hours(1),
        };
        let mins: Vec<i64> = (0..9).map(|n| p.delay(n).num_minutes()).collect();
        assert_eq!(mins, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(p.delay(10_000).num_minutes(), 60);
    }
}
