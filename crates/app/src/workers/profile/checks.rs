//! The checks of a profile's fields as staff enter them: ID number, name, gender, home
//! base, tools, daily limit, skills, area, partner and uploaded documents.

use super::SkillLevel;
use crate::workers::{Scope, code, text};
use crate::{Error, Result};
use daojia_domain::worker::LEVELS;
use daojia_store::entity::{partner, service_area, staff, upload};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

const GENDERS: [&str; 3] = ["male", "female", "unspecified"];

/// Checks an 18-character resident ID number: 17 digits and a check character (digit or
/// X) that matches the ISO 7064 MOD 11-2 checksum.
pub fn valid_id_number(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

/// `110101********1234`-style masking of an ID number.
pub fn mask_id_number(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    if chars.len() < 10 {
        return "***".into();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}********{tail}")
}

pub(super) fn id_number_input(v: &str) -> Result<String> {
    let v = v.trim().to_ascii_uppercase();
    if !valid_id_number(&v) {
        return Err(Error::field(
            "id_number",
            "bad_id_number",
            "an 18-character resident ID number whose last character checks",
        ));
    }
    Ok(v)
}

pub(super) fn name_input(v: &str) -> Result<String> {
    Ok(text("name", Some(v), true, 32)?.unwrap_or_default())
}

pub(super) fn gender_input(v: &str) -> Result<String> {
    if GENDERS.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(Error::field(
            "gender",
            "bad_gender",
            "male, female or unspecified",
        ))
    }
}

pub(super) fn home_input(lat: f64, lng: f64) -> Result<()> {
    let valid = lat.is_finite()
        && lng.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lng);
    if !valid {
        return Err(Error::field(
            "home",
            "bad_position",
            "latitude -90..90 and longitude -180..180 (WGS-84)",
        ));
    }
    Ok(())
}

pub(super) fn tools_input(tools: &[String]) -> Result<String> {
    if tools.len() > 30 {
        return Err(Error::field("tools", "too_many", "at most 30 tools"));
    }
    let mut out: Vec<String> = vec![];
    for (i, t) in tools.iter().enumerate() {
        let t = text(&format!("tools[{i}]"), Some(t), true, 32)?.unwrap_or_default();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(json!(out).to_string())
}

pub(super) fn limit_input(v: Option<i32>) -> Result<Option<i32>> {
    match v {
        Some(n) if !(1..=30).contains(&n) => Err(Error::field(
            "daily_job_limit",
            "out_of_range",
            "1 to 30 jobs a day, or none",
        )),
        v => Ok(v),
    }
}

/// Checks skill codes and levels; no skill twice.
pub fn skills_input(skills: &[SkillLevel]) -> Result<Vec<SkillLevel>> {
    if skills.len() > 20 {
        return Err(Error::field("skills", "too_many", "at most 20 skills"));
    }
    let mut out: Vec<SkillLevel> = vec![];
    for (i, s) in skills.iter().enumerate() {
        let skill = code(&format!("skills[{i}].skill"), &s.skill)?;
        if !LEVELS.contains(&s.level) {
            return Err(Error::field(
                format!("skills[{i}].level"),
                "bad_level",
                "a level from 1 (beginner) to 5 (expert)",
            ));
        }
        if out.iter().any(|o| o.skill == skill) {
            return Err(Error::field(
                format!("skills[{i}].skill"),
                "duplicate",
                "each skill once",
            ));
        }
        out.push(SkillLevel {
            skill,
            level: s.level,
        });
    }
    Ok(out)
}

pub(super) async fn area_input(db: &impl ConnectionTrait, code: &str) -> Result<String> {
    service_area::Entity::find()
        .filter(service_area::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|a| a.code)
        .ok_or_else(|| Error::field("area_code", "unknown_area", "no service area has this code"))
}

pub(super) async fn partner_input(db: &impl ConnectionTrait, id: Uuid) -> Result<Uuid> {
    match partner::Entity::find_by_id(id).one(db).await? {
        Some(p) if p.active => Ok(p.id),
        _ => Err(Error::field(
            "partner_id",
            "unknown_partner",
            "no active partner has this id",
        )),
    }
}

/// Checks that `id` is an uploaded image (uploaded by staff or by `worker`). A partner's
/// staff (`scope`) may use only what their own partner's staff uploaded, so they cannot
/// attach, and then read, a document of another partner or of the platform.
pub(crate) async fn upload_input(
    db: &impl ConnectionTrait,
    field: &str,
    id: Uuid,
    worker: Option<Uuid>,
    scope: Scope,
) -> Result<Uuid> {
    let ok = match upload::Entity::find_by_id(id).one(db).await? {
        Some(u) if u.owner_type == "worker" && Some(u.owner_id) == worker => true,
        Some(u) => staff_upload_in_scope(db, scope, &u).await?,
        None => false,
    };
    if ok {
        Ok(id)
    } else {
        Err(Error::field(
            field,
            "unknown_upload",
            "upload the file first",
        ))
    }
}

/// Whether `u` was uploaded by staff that `scope` covers: any staff for the platform, a
/// staff member of the same partner for a partner's staff.
pub async fn staff_upload_in_scope(
    db: &impl ConnectionTrait,
    scope: Scope,
    u: &upload::Model,
) -> Result<bool> {
    if u.owner_type != "staff" {
        return Ok(false);
    }
    Ok(match scope {
        Scope::All => true,
        Scope::Partner(None) => false,
        Scope::Partner(Some(p)) => staff::Entity::find_by_id(u.owner_id)
            .one(db)
            .await?
            .is_some_and(|s| s.partner_id == Some(p)),
    })
}
