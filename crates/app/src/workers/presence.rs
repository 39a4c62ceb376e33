//! Presence (在线/接单): the worker app's switches. Online means the app is open and the
//! worker can be reached; accepting (接单) means they take new orders now, and rest (休息)
//! means they do not. A worker offline is not accepting. The positions index follows
//! the change ([`super::positions::presence_changed`]).

use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::worker::WorkerStatus;
use daojia_store::entity::worker;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use uuid::Uuid;

/// Sets a worker's presence; only a worker who works may go online.
pub async fn set(
    app: &App,
    worker_id: Uuid,
    online: bool,
    accepting: bool,
    now: DateTime<Utc>,
) -> Result<worker::Model> {
    let Some(w) = worker::Entity::find_by_id(worker_id)
        .one(app.store.db())
        .await?
    else {
        return Err(Error::NotFound("worker"));
    };
    let works = w
        .status
        .parse::<WorkerStatus>()
        .is_ok_and(WorkerStatus::works);
    if online && !works {
        return Err(Error::conflict(
            "not_active",
            "only an active worker can go online",
        ));
    }
    if accepting && !online {
        return Err(Error::field(
            "accepting",
            "offline",
            "go online to take orders",
        ));
    }
    let mut a = w.into_active_model();
    a.online = Set(online);
    a.accepting = Set(accepting);
    a.presence_at = Set(Some(now));
    a.updated_at = Set(now);
    let w = a.update(app.store.db()).await?;
    super::positions::presence_changed(app, &w, now).await;
    Ok(w)
}
