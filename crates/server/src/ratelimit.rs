//! The API's rate limits, from configuration, counted in the shared state (this process, or
//! Redis when configured, so that every node counts against one allowance). Limits that
//! must never be exceeded (codes sent, wrong guesses per code) are counted in the database;
//! these bound how fast a client, or all clients together, may try.

use crate::config::Config;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use daojia_shared::{Limit, Quota};

/// The limits, one per thing counted.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Staff password log-ins per client address.
    pub password_per_ip: Limit,
    /// Address lookups per client address.
    pub geocode_per_ip: Limit,
    /// Log-in code verifications per client address.
    pub otp_verify_per_ip: Limit,
    /// Log-in code verifications over all clients.
    pub otp_verify_global: Limit,
    /// Position reports per worker.
    pub position_per_worker: Limit,
    /// Privacy-number call requests per worker and order.
    pub call_per_order: Limit,
}

impl Limits {
    /// The limits `config` sets.
    pub fn from_config(config: &Config) -> Limits {
        let a = &config.auth;
        Limits {
            password_per_ip: Limit::new(
                "password_ip",
                Quota::per_minute(a.password_attempts_per_minute),
            ),
            geocode_per_ip: Limit::new(
                "geocode_ip",
                Quota::per_minute(config.geocoding.per_ip_per_minute),
            ),
            otp_verify_per_ip: Limit::new(
                "otp_verify_ip",
                Quota::per_minute(a.otp_verify_per_ip_per_minute),
            ),
            otp_verify_global: Limit::new(
                "otp_verify_all",
                Quota::per_minute(a.otp_verify_global_per_minute),
            ),
            position_per_worker: Limit::new(
                "position_worker",
                Quota::per_minute(config.workers.position_reports_per_minute),
            ),
            call_per_order: Limit::new("call_order", calls_quota(config)),
        }
    }
}

/// `[visit.calls] per_order_per_hour` an hour, all of which may come at once.
fn calls_quota(config: &Config) -> Quota {
    let n = config.visit.calls.per_order_per_hour.max(1);
    Quota::new(n, std::time::Duration::from_secs(3600), n).expect("a count of at least one")
}

/// Counts one request of `key` against `limit`; over it, 429 with `Retry-After` and
/// `message`.
pub async fn enforce(state: &AppState, limit: &Limit, key: &str, message: &str) -> ApiResult<()> {
    match state.shared.check(limit, key).await.retry_after_secs() {
        None => Ok(()),
        Some(wait) => Err(ApiError::too_many(message, wait)),
    }
}

/// Counts one request from the client address `ip` against `limit`.
pub async fn per_ip(
    state: &AppState,
    limit: &Limit,
    ip: Option<&str>,
    message: &str,
) -> ApiResult<()> {
    enforce(state, limit, ip.unwrap_or("unknown"), message).await
}
