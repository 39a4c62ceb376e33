//! WeChat Pay's platform certificates (平台证书) kept current: the scheduled job downloads
//! the list (`GET /v3/certificates`, verified and decrypted by the channel), keeps every
//! certificate in the database (`wechat_platform_certificate`) so that all nodes verify
//! with the same set, and has the channel trust those in force at once, without a restart.
//! An old certificate stays trusted beside its successor until it expires (WeChat lists
//! both during a rotation). Each node loads the kept set on start and every few minutes,
//! so a certificate one node downloaded is soon every node's; a callback naming a serial
//! this node does not trust loads the set at once and, when that does not know it either,
//! asks for a download now (the callback is refused meanwhile; WeChat sends it again).
//!
//! Merchants on WeChat Pay's platform public key (`PUB_KEY_ID_…`) have nothing to
//! download: the job does nothing for them.
//!
//! Watched by metrics (`wechat_platform_certificate_expiry_timestamp_seconds`, the end of
//! the longest-lasting certificate in force; `wechat_platform_certificates_seen_timestamp_seconds`,
//! the last download that listed one; `wechat_platform_certificate_refreshes_total` by
//! outcome) and by `payment.alert` events when a download has not succeeded for
//! [`PaySettings::certificate_warning`](super::PaySettings) or when the certificate that
//! lasts longest has less than that left.

use super::{alert, payments};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_pay::channel::PlatformCertificates;
use daojia_pay::wechat::certificates::PlatformCertificate;
use daojia_store::repo::jobs;
use daojia_store::repo::platform_certificates::{self as repo, NewCertificate};
use std::sync::Arc;

/// The job kind of the download.
pub const REFRESH_JOB: &str = "payment.certificates_refresh";

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// Certificates the list held.
    pub listed: usize,
    /// Of them, first seen now.
    pub new: usize,
    /// The serials trusted after it (configured keys included).
    pub trusted: Vec<String>,
}

/// The channel whose certificates are kept, when there is one in certificate mode.
fn channel(app: &App) -> Option<Arc<dyn PlatformCertificates>> {
    let c = app.payments.as_ref()?.certificates.clone()?;
    (!c.public_key_mode()).then_some(c)
}

/// Downloads the platform certificates, keeps them, and trusts those in force. `None`
/// when there is nothing to do (no WeChat Pay, or the platform public key mode). A failed
/// download is `Err` (the queue tries again) and, when none has succeeded for the warning
/// period, alerted.
pub async fn refresh(app: &App, now: DateTime<Utc>) -> Result<Option<Refreshed>> {
    let Some(c) = channel(app) else {
        return Ok(None);
    };
    let list = match c.download_certificates(now).await {
        Ok(list) => list,
        Err(e) => {
            metrics::counter!("wechat_platform_certificate_refreshes_total", "outcome" => "failed")
                .increment(1);
            let warning = payments(app)?.settings.certificate_warning;
            let last = repo::all(app.store.db())
                .await?
                .into_iter()
                .map(|r| r.last_seen_at)
                .max();
            if last.is_none_or(|t| now - t >= warning) {
                let detail = serde_json::json!({
                    "error": e.to_string(),
                    "last_download": last,
                });
                alert(app, "platform_certificates_stale", None, detail, now).await?;
            }
            return Err(Error::Unavailable {
                code: "certificates_unavailable",
                message: format!("WeChat Pay's platform certificates could not be downloaded: {e}"),
                retry_after_secs: 60,
            });
        }
    };
    let mut new = 0;
    let tx = daojia_store::begin(app.store.db()).await?;
    for cert in &list {
        let kept = NewCertificate {
            serial_no: &cert.serial_no,
            effective_at: cert.effective_time.with_timezone(&Utc),
            expire_at: cert.expire_time.with_timezone(&Utc),
            certificate_pem: &cert.pem,
        };
        if repo::upsert(&tx, &kept, now).await? {
            new += 1;
            tracing::info!(serial = %cert.serial_no, effective = %cert.effective_time, expire = %cert.expire_time, "new WeChat Pay platform certificate");
        }
    }
    tx.commit().await?;
    metrics::counter!("wechat_platform_certificate_refreshes_total", "outcome" => "ok")
        .increment(1);
    let trusted = load(app, now).await?;
    let longest = list
        .iter()
        .filter(|c| c.effective_time <= now && now < c.expire_time)
        .map(|c| c.expire_time.with_timezone(&Utc))
        .max();
    let warning = payments(app)?.settings.certificate_warning;
    if longest.is_none_or(|end| end - now < warning) {
        let detail = serde_json::json!({ "expires_at": longest, "listed": list.len() });
        alert(app, "platform_certificate_expiring", None, detail, now).await?;
    }
    Ok(Some(Refreshed {
        listed: list.len(),
        new,
        trusted,
    }))
}

/// Has the channel trust the kept certificates in force at `now` (and the configured
/// keys); returns the serials trusted. Nothing to do without a channel in certificate mode.
pub async fn load(app: &App, now: DateTime<Utc>) -> Result<Vec<String>> {
    let Some(c) = channel(app) else {
        return Ok(Vec::new());
    };
    let rows = repo::all(app.store.db()).await?;
    let mut certs = Vec::with_capacity(rows.len());
    for r in &rows {
        match PlatformCertificate::from_stored(
            &r.serial_no,
            r.effective_at.fixed_offset(),
            r.expire_at.fixed_offset(),
            &r.certificate_pem,
        ) {
            Ok(cert) => certs.push(cert),
            Err(e) => {
                tracing::warn!(serial = %r.serial_no, error = %e, "a kept platform certificate does not read")
            }
        }
    }
    if let Some(seen) = rows.iter().map(|r| r.last_seen_at).max() {
        metrics::gauge!("wechat_platform_certificates_seen_timestamp_seconds")
            .set(seen.timestamp() as f64);
    }
    if let Some(end) = certs
        .iter()
        .filter(|c| c.effective_time <= now && now < c.expire_time)
        .map(|c| c.expire_time.timestamp())
        .max()
    {
        metrics::gauge!("wechat_platform_certificate_expiry_timestamp_seconds").set(end as f64);
    }
    Ok(c.trust_certificates(&certs, now))
}

/// A callback named a serial this node does not trust: load the kept set (another node
/// may have downloaded it) and ask for a download now (once a minute across nodes).
/// Returns whether the load made the serial trusted.
pub(crate) async fn on_unknown_serial(app: &App, serial: &str, now: DateTime<Utc>) -> Result<bool> {
    if channel(app).is_none() {
        return Ok(false);
    }
    let trusted = load(app, now).await?;
    if trusted.iter().any(|s| s.eq_ignore_ascii_case(serial)) {
        return Ok(true);
    }
    tracing::warn!(
        serial,
        "a WeChat Pay callback names an unknown platform certificate; downloading the list"
    );
    jobs::enqueue(app.store.db(), refresh_job(now, "unknown"), now).await?;
    Ok(false)
}

/// The download job at `now`, once per minute across nodes for `why` (`start`,
/// `unknown`), or the scheduled one of its period (see [`scheduled_job`]).
pub fn refresh_job(now: DateTime<Utc>, why: &str) -> jobs::NewJob {
    jobs::NewJob {
        kind: REFRESH_JOB.into(),
        payload: serde_json::json!({ "why": why }),
        run_at: now,
        dedupe_key: Some(format!(
            "{REFRESH_JOB}:{why}:{}",
            now.format("%Y-%m-%dT%H:%M")
        )),
        max_attempts: 5,
    }
}

/// The scheduled download of the period of length `every` that `now` is in, once per
/// period across nodes.
pub fn scheduled_job(now: DateTime<Utc>, every: chrono::Duration) -> jobs::NewJob {
    let every = every.num_seconds().max(60);
    let start = now.timestamp() - now.timestamp().rem_euclid(every);
    let start = DateTime::from_timestamp(start, 0).unwrap_or(now);
    jobs::NewJob {
        kind: REFRESH_JOB.into(),
        payload: serde_json::json!({ "why": "scheduled" }),
        run_at: start,
        dedupe_key: Some(format!("{REFRESH_JOB}:{}", start.format("%Y-%m-%dT%H:%M"))),
        max_attempts: 5,
    }
}

/// True when this node keeps platform certificates (WeChat Pay in certificate mode).
pub fn kept(app: &App) -> bool {
    channel(app).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_scheduled_download_runs_once_per_period() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).unwrap();
        let key = |t| {
            scheduled_job(t, chrono::Duration::hours(12))
                .dedupe_key
                .unwrap()
        };
        assert_eq!(
            key(at(3, 7)),
            "payment.certificates_refresh:2026-12-06T00:00"
        );
        assert_eq!(key(at(11, 59)), key(at(0, 0)));
        assert_eq!(
            key(at(12, 0)),
            "payment.certificates_refresh:2026-12-06T12:00"
        );
        assert_ne!(
            refresh_job(at(3, 7), "unknown").dedupe_key,
            refresh_job(at(3, 8), "unknown").dedupe_key
        );
    }
}
