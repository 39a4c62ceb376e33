//! Partners (服务商/门店): companies whose workers serve through the platform. Only staff
//! who see every worker create partners and attach staff to them.

use super::{Actor, Scope, code, settle, text};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_store::entity::{partner, staff};
use daojia_store::is_unique_violation;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, QueryOrder};
use serde_json::json;
use uuid::Uuid;

fn platform_only(actor: &Actor) -> Result<()> {
    if actor.scope != Scope::All {
        return Err(Error::Forbidden {
            code: "platform_only",
            message: "only platform staff manage partners".into(),
        });
    }
    Ok(())
}

/// Creates a partner.
pub async fn create(
    app: &App,
    actor: &Actor,
    code_text: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<partner::Model> {
    platform_only(actor)?;
    let code = code("code", code_text)?;
    let name = text("name", Some(name), true, 64)?.unwrap_or_default();
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let row = partner::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(code),
            name: Set(name),
            active: Set(true),
            created_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::conflict("code_taken", "a partner with this code exists")
            } else {
                e.into()
            }
        })?;
        actor
            .audit(
                app,
                &txn,
                "partner.create",
                row.id,
                (None, Some(json!({"code": row.code, "name": row.name}))),
                now,
            )
            .await?;
        Ok::<_, Error>(row)
    }
    .await;
    settle(txn, r).await
}

/// Every partner, by code.
pub async fn list(app: &App) -> Result<Vec<partner::Model>> {
    Ok(partner::Entity::find()
        .order_by_asc(partner::Column::Code)
        .all(app.store.db())
        .await?)
}

/// Attaches a staff member to a partner (or detaches them with `None`): they then see only
/// that partner's workers.
pub async fn set_staff_partner(
    app: &App,
    actor: &Actor,
    staff_id: Uuid,
    partner_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<staff::Model> {
    platform_only(actor)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let Some(s) = staff::Entity::find_by_id(staff_id).one(&txn).await? else {
            return Err(Error::NotFound("staff"));
        };
        if let Some(p) = partner_id
            && partner::Entity::find_by_id(p).one(&txn).await?.is_none()
        {
            return Err(Error::field(
                "partner_id",
                "unknown_partner",
                "no partner has this id",
            ));
        }
        let before = s.partner_id;
        let mut a = s.into_active_model();
        a.partner_id = Set(partner_id);
        a.updated_at = Set(now);
        let after = a.update(&txn).await?;
        actor
            .audit(
                app,
                &txn,
                "staff.partner",
                staff_id,
                (
                    Some(json!({"partner_id": before})),
                    Some(json!({"partner_id": partner_id})),
                ),
                now,
            )
            .await?;
        Ok::<_, Error>(after)
    }
    .await;
    settle(txn, r).await
}
