//! The apps' message list (消息中心) and notification settings, for customers and workers
//! alike: a page of one's notifications in the app's language, the unread count, marking
//! one or all read, and reading and saving one's preferences.

use super::preferences;
use crate::error::FieldIssue;
use crate::{App, Error, Result};
use chrono::{DateTime, NaiveTime, Utc};
use daojia_domain::notification::template::{self, Locale, Vars};
use daojia_domain::notification::{
    Audience, Channel, Kind, PreferenceError, Preferences, QuietHours,
};
use daojia_store::entity::{notification, notification_preference};
use daojia_store::repo::notifications as repo;
use daojia_store::repo::{Page, PageRequest};
use uuid::Uuid;

/// A notification as its recipient reads it.
#[derive(Debug, Clone)]
pub struct InboxItem {
    /// Id.
    pub id: Uuid,
    /// Kind.
    pub kind: String,
    /// Title in the asked language.
    pub title: String,
    /// Text in the asked language.
    pub body: String,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    /// Where a tap leads.
    pub url: Option<String>,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Read, if it was.
    pub read_at: Option<DateTime<Utc>>,
}

/// A row in `locale`: rendered again from its variables, or as stored (Chinese) when its
/// kind or variables no longer fit a template.
pub fn item(row: notification::Model, locale: Locale) -> InboxItem {
    let vars: Vars = serde_json::from_str(&row.vars).unwrap_or_default();
    let rendered = match (locale, row.kind.parse::<Kind>()) {
        (Locale::En, Ok(k)) => template::render(k, locale, &vars).ok(),
        _ => None,
    };
    let (title, body) = match rendered {
        Some(r) => (r.title, r.body),
        None => (row.title, row.body),
    };
    InboxItem {
        id: row.id,
        kind: row.kind,
        title,
        body,
        order_id: row.order_id,
        url: row.url,
        created_at: row.created_at,
        read_at: row.read_at,
    }
}

/// A page of the recipient's notifications, newest first.
pub async fn list(
    app: &App,
    audience: Audience,
    me: Uuid,
    unread_only: bool,
    locale: Locale,
    page: PageRequest,
) -> Result<Page<InboxItem>> {
    let p = repo::list(app.store.db(), audience.as_str(), me, unread_only, page).await?;
    Ok(Page {
        items: p.items.into_iter().map(|r| item(r, locale)).collect(),
        next_cursor: p.next_cursor,
    })
}

/// How many are unread.
pub async fn unread(app: &App, audience: Audience, me: Uuid) -> Result<u64> {
    Ok(repo::unread(app.store.db(), audience.as_str(), me).await?)
}

/// Marks one read (again: no change); another person's is not found.
pub async fn mark_read(
    app: &App,
    audience: Audience,
    me: Uuid,
    id: Uuid,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<InboxItem> {
    repo::mark_read(app.store.db(), audience.as_str(), me, id, now)
        .await?
        .map(|r| item(r, locale))
        .ok_or(Error::NotFound("notification"))
}

/// Marks all read; how many were unread.
pub async fn mark_all_read(
    app: &App,
    audience: Audience,
    me: Uuid,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(repo::mark_all_read(app.store.db(), audience.as_str(), me, now).await?)
}

/// Preferences as the apps send and show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreferenceInput {
    /// `kind:channel` pairs turned off (`departed:sms`).
    pub off: Vec<String>,
    /// Quiet hours' start, `HH:MM` local.
    pub quiet_start: Option<String>,
    /// Their end.
    pub quiet_end: Option<String>,
}

/// The kinds a person of `audience` receives, and the channels each may go by.
pub fn choices(app: &App, audience: Audience) -> Vec<(Kind, Vec<Channel>)> {
    Kind::ALL
        .iter()
        .filter(|k| k.audience() == audience)
        .map(|&k| (k, app.settings.notifications.channels(k)))
        .collect()
}

/// A person's preferences as the apps show them.
pub async fn get_preferences(app: &App, audience: Audience, me: Uuid) -> Result<PreferenceInput> {
    Ok(shown(&preferences(app, audience, me).await?))
}

fn shown(p: &Preferences) -> PreferenceInput {
    PreferenceInput {
        off: p
            .off
            .iter()
            .map(|(k, c)| format!("{}:{}", k.as_str(), c.as_str()))
            .collect(),
        quiet_start: p.quiet.map(|q| q.start.format("%H:%M").to_string()),
        quiet_end: p.quiet.map(|q| q.end.format("%H:%M").to_string()),
    }
}

fn parse(audience: Audience, input: &PreferenceInput) -> Result<Preferences> {
    let mut issues = vec![];
    let mut p = Preferences::default();
    for (i, pair) in input.off.iter().enumerate() {
        let field = format!("off[{i}]");
        let Some((k, c)) = pair.split_once(':') else {
            issues.push(FieldIssue::new(
                field,
                "invalid",
                "expected `kind:channel`, e.g. `departed:sms`",
            ));
            continue;
        };
        match (k.parse::<Kind>(), c.parse::<Channel>()) {
            (Ok(k), Ok(c)) => {
                p.off.insert((k, c));
            }
            (Err(_), _) => issues.push(FieldIssue::new(
                field,
                "unknown_kind",
                format!("no notification kind `{k}`"),
            )),
            (_, Err(_)) => issues.push(FieldIssue::new(
                field,
                "unknown_channel",
                format!("no channel `{c}` (expected sms or push)"),
            )),
        }
    }
    let time = |field: &str, v: &Option<String>, issues: &mut Vec<FieldIssue>| {
        let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        match NaiveTime::parse_from_str(s, "%H:%M") {
            Ok(t) => Some(t),
            Err(_) => {
                issues.push(FieldIssue::new(
                    field,
                    "invalid",
                    "expected a local time `HH:MM`",
                ));
                None
            }
        }
    };
    let start = time("quiet_start", &input.quiet_start, &mut issues);
    let end = time("quiet_end", &input.quiet_end, &mut issues);
    match (start, end) {
        (Some(start), Some(end)) => p.quiet = Some(QuietHours { start, end }),
        (None, None) => {}
        (Some(_), None)
            if input
                .quiet_end
                .as_deref()
                .is_none_or(|s| s.trim().is_empty()) =>
        {
            issues.push(FieldIssue::new(
                "quiet_end",
                "required",
                "quiet hours need an end",
            ));
        }
        (None, Some(_))
            if input
                .quiet_start
                .as_deref()
                .is_none_or(|s| s.trim().is_empty()) =>
        {
            issues.push(FieldIssue::new(
                "quiet_start",
                "required",
                "quiet hours need a start",
            ));
        }
        _ => {}
    }
    Error::check(issues)?;
    match p.check(audience) {
        Ok(()) => Ok(p),
        Err(e @ PreferenceError::InboxAlwaysOn) => {
            Err(Error::field("off", "inbox_always_on", e.to_string()))
        }
        Err(e @ PreferenceError::OtherAudience(_)) => {
            Err(Error::field("off", "unknown_kind", e.to_string()))
        }
    }
}

/// Saves a person's preferences (replacing them); what they are now.
pub async fn set_preferences(
    app: &App,
    audience: Audience,
    me: Uuid,
    input: &PreferenceInput,
    now: DateTime<Utc>,
) -> Result<PreferenceInput> {
    let p = parse(audience, input)?;
    let s = shown(&p);
    repo::save_preferences(
        app.store.db(),
        notification_preference::Model {
            audience: audience.as_str().into(),
            recipient_id: me,
            opt_outs: serde_json::to_string(&s.off).map_err(|e| Error::Internal(e.to_string()))?,
            quiet_start: s.quiet_start.clone(),
            quiet_end: s.quiet_end.clone(),
            updated_at: now,
        },
    )
    .await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(off: &[&str], q: (Option<&str>, Option<&str>)) -> PreferenceInput {
        PreferenceInput {
            off: off.iter().map(|s| s.to_string()).collect(),
            quiet_start: q.0.map(String::from),
            quiet_end: q.1.map(String::from),
        }
    }

    #[test]
    fn preferences_are_checked_field_by_field() {
        let ok = parse(
            Audience::Customer,
            &input(&["departed:sms"], (Some("22:00"), Some("08:00"))),
        )
        .unwrap();
        assert!(!ok.allows(Kind::Departed, Channel::Sms));
        assert_eq!(shown(&ok).quiet_start.as_deref(), Some("22:00"));
        let Err(Error::Invalid(issues)) = parse(
            Audience::Customer,
            &input(
                &["nope", "bogus:sms", "departed:fax"],
                (Some("25:00"), Some("08:00")),
            ),
        ) else {
            panic!("accepted");
        };
        let fields: Vec<(&str, &str)> = issues.iter().map(|i| (i.field.as_str(), i.code)).collect();
        assert_eq!(
            fields,
            [
                ("off[0]", "invalid"),
                ("off[1]", "unknown_kind"),
                ("off[2]", "unknown_channel"),
                ("quiet_start", "invalid")
            ]
        );
        let Err(Error::Invalid(issues)) =
            parse(Audience::Worker, &input(&[], (Some("22:00"), None)))
        else {
            panic!("accepted");
        };
        assert_eq!(issues[0].field, "quiet_end");
        assert!(matches!(
            parse(Audience::Customer, &input(&["arrived:inbox"], (None, None))),
            Err(Error::Field {
                code: "inbox_always_on",
                ..
            })
        ));
        assert!(matches!(
            parse(Audience::Customer, &input(&["offer:push"], (None, None))),
            Err(Error::Field {
                code: "unknown_kind",
                ..
            })
        ));
    }
}
