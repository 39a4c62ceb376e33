//! A worker's profile: onboarding from the console, edits, status changes, skills with
//! levels, the list and the detail.

mod checks;

pub(crate) use checks::upload_input;
use checks::{
    area_input, gender_input, home_input, id_number_input, limit_input, name_input, partner_input,
    tools_input,
};
pub use checks::{mask_id_number, skills_input, staff_upload_in_scope, valid_id_number};

use super::{Actor, Scope, settle, text, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::phone::Phone;
use daojia_domain::worker::WorkerStatus;
use daojia_store::entity::{worker, worker_skill};
use daojia_store::is_unique_violation;
use daojia_store::repo::{Page, PageRequest, accounts, page_from, workers as repo};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

/// One skill and its level (1 to 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillLevel {
    /// Skill code.
    pub skill: String,
    /// Level.
    pub level: i16,
}

/// What staff enter to enrol a worker.
#[derive(Debug, Clone, Default)]
pub struct NewWorker {
    /// Mobile number (their log-in).
    pub phone: String,
    /// Real name.
    pub name: String,
    /// `male`, `female` or `unspecified`.
    pub gender: String,
    /// ID number (身份证号), stored encrypted.
    pub id_number: Option<String>,
    /// Home service area.
    pub area_code: Option<String>,
    /// Home base latitude (WGS-84).
    pub home_lat: f64,
    /// Home base longitude.
    pub home_lng: f64,
    /// Years in the trade.
    pub years_experience: i32,
    /// Skills with levels.
    pub skills: Vec<SkillLevel>,
    /// Tools they bring.
    pub tools: Vec<String>,
    /// Their partner (forced to the actor's for a partner's staff).
    pub partner_id: Option<Uuid>,
    /// Most jobs a day (none: no limit).
    pub daily_job_limit: Option<i32>,
    /// Their photo (an upload).
    pub photo_upload_id: Option<Uuid>,
}

/// Changes to a profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    /// Real name.
    pub name: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// ID number.
    pub id_number: Option<String>,
    /// Home area.
    pub area_code: Option<String>,
    /// Home base (latitude, longitude).
    pub home: Option<(f64, f64)>,
    /// Years in the trade.
    pub years_experience: Option<i32>,
    /// Tools.
    pub tools: Option<Vec<String>>,
    /// Daily job limit (`Some(None)` removes it).
    pub daily_job_limit: Option<Option<i32>>,
    /// Photo.
    pub photo_upload_id: Option<Uuid>,
    /// Partner (`Some(None)` takes the worker out of their partner); only for staff who see
    /// every worker.
    pub partner_id: Option<Option<Uuid>>,
}

/// How a list is filtered.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<WorkerStatus>,
    /// Only this partner's workers.
    pub partner_id: Option<Uuid>,
    /// Only this area's.
    pub area_code: Option<String>,
}

/// A worker with everything the detail page shows.
#[derive(Debug, Clone)]
pub struct WorkerDetail {
    /// The row.
    pub worker: worker::Model,
    /// Name, decrypted.
    pub name: String,
    /// ID number, decrypted when the actor may see it, masked otherwise.
    pub id_number: Option<String>,
    /// Skills with levels.
    pub skills: Vec<SkillLevel>,
}

/// The profile as the audit log keeps it: no name, phone or ID number.
pub(crate) fn audit_json(w: &worker::Model) -> serde_json::Value {
    json!({
        "code": w.code,
        "status": w.status,
        "area_code": w.area_code,
        "skills": serde_json::from_str::<serde_json::Value>(&w.skills).unwrap_or_default(),
        "tools": w.tools.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()),
        "partner_id": w.partner_id,
        "daily_job_limit": w.daily_job_limit,
        "photo_upload_id": w.photo_upload_id,
        "id_number": w.id_number_enc.as_ref().map(|_| "***"),
    })
}

/// Replaces the skill rows of `worker_id`; returns the JSON list of codes that slot search
/// reads (`worker.skills`), which the caller writes in the same transaction.
async fn write_skills(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
    skills: &[SkillLevel],
) -> Result<String> {
    worker_skill::Entity::delete_many()
        .filter(worker_skill::Column::WorkerId.eq(worker_id))
        .exec(db)
        .await?;
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF).await?;
    for s in skills {
        worker_skill::ActiveModel {
            id: Set(Uuid::now_v7()),
            worker_id: Set(worker_id),
            skill: Set(s.skill.clone()),
            level: Set(s.level),
        }
        .insert(db)
        .await?;
    }
    let codes: Vec<&str> = skills.iter().map(|s| s.skill.as_str()).collect();
    Ok(json!(codes).to_string())
}

/// Enrols a worker (status `onboarding`: no orders until staff activate them).
pub async fn onboard(
    app: &App,
    actor: &Actor,
    new: NewWorker,
    now: DateTime<Utc>,
) -> Result<worker::Model> {
    let store = &app.store;
    let phone =
        Phone::parse(&new.phone).map_err(|e| Error::field("phone", "bad_phone", e.to_string()))?;
    let name = name_input(&new.name)?;
    let gender = gender_input(&new.gender)?;
    let id_number = new.id_number.as_deref().map(id_number_input).transpose()?;
    home_input(new.home_lat, new.home_lng)?;
    if !(0..=60).contains(&new.years_experience) {
        return Err(Error::field(
            "years_experience",
            "out_of_range",
            "0 to 60 years",
        ));
    }
    let skills = skills_input(&new.skills)?;
    let tools = tools_input(&new.tools)?;
    let limit = limit_input(new.daily_job_limit)?;
    let txn = daojia_store::begin(store.db()).await?;
    let r = async {
        let area = match &new.area_code {
            Some(c) => Some(area_input(&txn, c).await?),
            None => None,
        };
        let partner_id = match actor.scope {
            Scope::Partner(None) => {
                return Err(Error::Forbidden {
                    code: "no_partner",
                    message: "your account belongs to no partner; ask an administrator".into(),
                });
            }
            Scope::Partner(Some(p)) => Some(p),
            Scope::All => match new.partner_id {
                Some(p) => Some(partner_input(&txn, p).await?),
                None => None,
            },
        };
        let photo = match new.photo_upload_id {
            Some(id) => Some(upload_input(&txn, "photo_upload_id", id, None, actor.scope).await?),
            None => None,
        };
        if accounts::worker_by_phone(store, &phone).await?.is_some() {
            return Err(Error::conflict(
                "phone_taken",
                "a worker with this phone exists",
            ));
        }
        let id = Uuid::now_v7();
        let codes: Vec<&str> = skills.iter().map(|s| s.skill.as_str()).collect();
        let row = worker::ActiveModel {
            id: Set(id),
            code: Set(format!("W{}", &id.simple().to_string()[20..]).to_uppercase()),
            phone_enc: Set(store
                .vault()
                .encrypt(accounts::WORKER_PHONE, phone.expose())),
            phone_index: Set(accounts::phone_index(store, &phone)),
            name_enc: Set(accounts::seal_worker_name(store, &name)),
            gender: Set(gender),
            skills: Set(json!(codes).to_string()),
            rating_tenths: Set(0),
            years_experience: Set(new.years_experience),
            home_lat: Set(new.home_lat),
            home_lng: Set(new.home_lng),
            area_code: Set(area),
            active: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            status: Set(WorkerStatus::Onboarding.as_str().into()),
            id_number_enc: Set(id_number.map(|n| repo::seal_id_number(store, &n))),
            photo_upload_id: Set(photo),
            tools: Set(Some(tools)),
            partner_id: Set(partner_id),
            online: Set(false),
            accepting: Set(false),
            presence_at: Set(None),
            daily_job_limit: Set(limit),
            credit_score: Set(100),
            grab_suspended_until: Set(None),
        };
        // The worker row first: the skill rows refer to it.
        let created = row.insert(&txn).await.map_err(|e| {
            if is_unique_violation(&e) {
                Error::conflict("phone_taken", "a worker with this phone exists")
            } else {
                e.into()
            }
        })?;
        write_skills(&txn, id, &skills).await?;
        actor
            .audit(
                app,
                &txn,
                "worker.create",
                id,
                (None, Some(audit_json(&created))),
                now,
            )
            .await?;
        Ok::<_, Error>(created)
    }
    .await;
    settle(txn, r).await
}

/// Changes a profile.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    change: ProfileChange,
    now: DateTime<Utc>,
) -> Result<worker::Model> {
    let store = &app.store;
    let txn = daojia_store::begin(store.db()).await?;
    let r = async {
        let before = visible(&txn, actor.scope, id).await?;
        let mut a = before.clone().into_active_model();
        if let Some(n) = &change.name {
            a.name_enc = Set(accounts::seal_worker_name(store, &name_input(n)?));
        }
        if let Some(g) = &change.gender {
            a.gender = Set(gender_input(g)?);
        }
        if let Some(n) = &change.id_number {
            a.id_number_enc = Set(Some(repo::seal_id_number(store, &id_number_input(n)?)));
        }
        if let Some(c) = &change.area_code {
            a.area_code = Set(Some(area_input(&txn, c).await?));
        }
        if let Some((lat, lng)) = change.home {
            home_input(lat, lng)?;
            a.home_lat = Set(lat);
            a.home_lng = Set(lng);
        }
        if let Some(y) = change.years_experience {
            if !(0..=60).contains(&y) {
                return Err(Error::field(
                    "years_experience",
                    "out_of_range",
                    "0 to 60 years",
                ));
            }
            a.years_experience = Set(y);
        }
        if let Some(t) = &change.tools {
            a.tools = Set(Some(tools_input(t)?));
        }
        if let Some(l) = change.daily_job_limit {
            a.daily_job_limit = Set(limit_input(l)?);
        }
        if let Some(p) = change.photo_upload_id {
            a.photo_upload_id = Set(Some(
                upload_input(&txn, "photo_upload_id", p, Some(id), actor.scope).await?,
            ));
        }
        if let Some(p) = change.partner_id {
            if actor.scope != Scope::All {
                return Err(Error::Forbidden {
                    code: "partner_fixed",
                    message: "a partner's staff cannot move workers between partners".into(),
                });
            }
            a.partner_id = Set(match p {
                Some(p) => Some(partner_input(&txn, p).await?),
                None => None,
            });
        }
        a.updated_at = Set(now);
        let after = a.update(&txn).await?;
        actor
            .audit(
                app,
                &txn,
                "worker.update",
                id,
                (Some(audit_json(&before)), Some(audit_json(&after))),
                now,
            )
            .await?;
        Ok::<_, Error>(after)
    }
    .await;
    settle(txn, r).await
}

/// Moves a worker to `status` (activating after onboarding, suspending, leaving). A
/// worker who stops working goes offline (in the positions index too).
pub async fn set_status(
    app: &App,
    actor: &Actor,
    id: Uuid,
    status: WorkerStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<worker::Model> {
    let reason = text("reason", reason, !status.works(), 500)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let before = visible(&txn, actor.scope, id).await?;
        let current: WorkerStatus = before.status.parse().map_err(Error::internal)?;
        if !current.may_become(status) {
            return Err(Error::conflict(
                "status_not_allowed",
                format!("a worker who is {current} cannot become {status}"),
            ));
        }
        let mut a = before.clone().into_active_model();
        a.status = Set(status.as_str().into());
        a.active = Set(status.works());
        if !status.works() {
            a.online = Set(false);
            a.accepting = Set(false);
            a.presence_at = Set(Some(now));
        }
        a.updated_at = Set(now);
        let after = a.update(&txn).await?;
        let mut after_json = audit_json(&after);
        after_json["reason"] = json!(reason);
        // One who leaves has the deposit held, then refunded by the deposit job.
        if status == WorkerStatus::Left
            && crate::deposits::refunds::hold_in(app, &txn, id, now).await?
        {
            after_json["deposit_held"] = json!(true);
        }
        actor
            .audit(
                app,
                &txn,
                "worker.status",
                id,
                (Some(audit_json(&before)), Some(after_json)),
                now,
            )
            .await?;
        Ok::<_, Error>(after)
    }
    .await;
    let w = settle(txn, r).await?;
    // One who stops working is offline in the positions index too.
    super::positions::presence_changed(app, &w, now).await;
    Ok(w)
}

/// Replaces a worker's skills and levels.
pub async fn set_skills(
    app: &App,
    actor: &Actor,
    id: Uuid,
    skills: &[SkillLevel],
    now: DateTime<Utc>,
) -> Result<Vec<SkillLevel>> {
    let skills = skills_input(skills)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let before = visible(&txn, actor.scope, id).await?;
        let old = repo::skills(&txn, id).await?;
        let mut a = before.clone().into_active_model();
        a.skills = Set(write_skills(&txn, id, &skills).await?);
        a.updated_at = Set(now);
        a.update(&txn).await?;
        let as_json = |s: Vec<(String, i16)>| {
            json!(
                s.into_iter()
                    .map(|(skill, level)| json!({"skill": skill, "level": level}))
                    .collect::<Vec<_>>()
            )
        };
        actor
            .audit(
                app,
                &txn,
                "worker.skills",
                id,
                (
                    Some(as_json(
                        old.into_iter().map(|s| (s.skill, s.level)).collect(),
                    )),
                    Some(as_json(
                        skills.iter().map(|s| (s.skill.clone(), s.level)).collect(),
                    )),
                ),
                now,
            )
            .await?;
        Ok::<_, Error>(skills)
    }
    .await;
    settle(txn, r).await
}

/// Workers the actor sees, newest first.
pub async fn list(
    app: &App,
    scope: Scope,
    filter: &ListFilter,
    page: PageRequest,
) -> Result<Page<worker::Model>> {
    let mut q = scope
        .filter(worker::Entity::find())
        .order_by_desc(worker::Column::Id)
        .limit(page.limit + 1);
    if let Some(s) = filter.status {
        q = q.filter(worker::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = filter.partner_id {
        q = q.filter(worker::Column::PartnerId.eq(p));
    }
    if let Some(a) = &filter.area_code {
        q = q.filter(worker::Column::AreaCode.eq(a.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(worker::Column::Id.lt(after));
    }
    Ok(page_from(q.all(app.store.db()).await?, page.limit, |w| {
        w.id
    }))
}

/// Skills with levels of a worker: the rows, or for a worker enrolled before levels
/// existed, the JSON list at level 3.
pub async fn skills_of(app: &App, w: &worker::Model) -> Result<Vec<SkillLevel>> {
    let rows = repo::skills(app.store.db(), w.id).await?;
    if !rows.is_empty() {
        return Ok(rows
            .into_iter()
            .map(|s| SkillLevel {
                skill: s.skill,
                level: s.level,
            })
            .collect());
    }
    let codes: Vec<String> = serde_json::from_str(&w.skills).unwrap_or_default();
    Ok(codes
        .into_iter()
        .map(|skill| SkillLevel { skill, level: 3 })
        .collect())
}

/// One worker with name, ID number (masked unless the actor may see personal data) and
/// skills.
pub async fn detail(app: &App, actor: &Actor, id: Uuid) -> Result<WorkerDetail> {
    let w = visible(app.store.db(), actor.scope, id).await?;
    let name = accounts::worker_name(&app.store, &w).map_err(Error::internal)?;
    let id_number = repo::id_number(&app.store, &w)
        .transpose()
        .map_err(Error::internal)?
        .map(|n| {
            if actor.sees_pii {
                n
            } else {
                mask_id_number(&n)
            }
        });
    let skills = skills_of(app, &w).await?;
    Ok(WorkerDetail {
        worker: w,
        name,
        id_number,
        skills,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_is_checked_by_its_last_character() {
        assert!(valid_id_number("11010519491231002X"));
        assert!(valid_id_number(
            "11010519491231002x".to_ascii_uppercase().as_str()
        ));
        assert!(!valid_id_number("110105194912310021"));
        assert!(!valid_id_number("1101051949123100"));
        assert!(!valid_id_number("11010519491231002Ｘ"));
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    }

    #[test]
    fn skills_need_known_levels_and_no_repeats() {
        let s = |skill: &str, level| SkillLevel {
            skill: skill.into(),
            level,
        };
        assert!(skills_input(&[s("cleaning", 3), s("repair", 5)]).is_ok());
        assert!(matches!(
            skills_input(&[s("cleaning", 6)]),
            Err(Error::Field {
                code: "bad_level",
                ..
            })
        ));
        assert!(matches!(
            skills_input(&[s("cleaning", 1), s("cleaning", 2)]),
            Err(Error::Field {
                code: "duplicate",
                ..
            })
        ));
        assert!(matches!(
            skills_input(&[s("Cleaning!", 1)]),
            Err(Error::Field {
                code: "bad_code",
                ..
            })
        ));
    }
}
