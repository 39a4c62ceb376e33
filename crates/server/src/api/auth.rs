//! Log-in: one-time codes for customers and workers, passwords for staff, refresh-token
//! rotation and log-out.

use crate::http::auth::{Authenticated, ClientInfo};
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::token::Claims;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Duration;
use daojia_domain::access::Audience;
use daojia_domain::phone::Phone;
use daojia_notify::sms::login_code_message;
use daojia_store::repo::{accounts, login_guard, otp, sessions, sms};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who a one-time code is for.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OtpAudience {
    /// The customer app.
    Customer,
    /// The worker app.
    Worker,
}

impl From<OtpAudience> for Audience {
    fn from(a: OtpAudience) -> Audience {
        match a {
            OtpAudience::Customer => Audience::Customer,
            OtpAudience::Worker => Audience::Worker,
        }
    }
}

/// Ask for a log-in code by SMS.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpRequest {
    /// Mainland mobile number, e.g. `13800138000`.
    pub phone: String,
    /// Which app logs in.
    pub audience: OtpAudience,
}

/// A code was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct OtpSent {
    /// Seconds the code stays valid.
    pub expires_in: i64,
    /// Seconds before another code may be requested.
    pub resend_after: i64,
    /// The code itself, only when the server runs the offline SMS provider with
    /// `sms.expose_dev_code` (the demo). Never present with a real provider.
    pub dev_code: Option<String>,
}

/// Log in with a code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpVerify {
    /// The number the code was sent to.
    pub phone: String,
    /// The six-digit code.
    pub code: String,
    /// Which app logs in.
    pub audience: OtpAudience,
}

/// Staff log-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    /// Username or phone number.
    pub login: String,
    /// Password.
    pub password: String,
}

/// Exchange a refresh token for a new pair.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last pair (each is good for one use).
    pub refresh_token: String,
}

/// Tokens for an authenticated session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer ...`.
    pub access_token: String,
    /// Use once at `/api/v1/public/auth/refresh`; the response carries the next one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Seconds until the session ends unless refreshed.
    pub refresh_expires_in: i64,
    /// The session id (see the sessions list).
    pub session_id: String,
}

fn parse_phone(field: &str, raw: &str) -> Result<Phone, ApiError> {
    Phone::parse(raw).map_err(|e| ApiError::field(field, "invalid", e.to_string()))
}

fn issue(
    state: &AppState,
    session: &daojia_store::entity::auth_session::Model,
    refresh: String,
) -> TokenPair {
    let now = state.now();
    let ttl = state.config.auth.access_ttl_secs;
    let aud: Audience = session.audience.parse().unwrap_or(Audience::Customer);
    let claims = Claims {
        sid: session.id,
        sub: session.subject_id,
        aud,
        iat: now.timestamp(),
        exp: now.timestamp() + ttl,
    };
    TokenPair {
        access_token: state.tokens.sign(&claims),
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: ttl,
        refresh_expires_in: (session.expires_at - now).num_seconds().max(0),
        session_id: session.id.to_string(),
    }
}

async fn open_session(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
    client: &ClientInfo,
) -> ApiResult<TokenPair> {
    let new = sessions::NewSession {
        audience,
        subject_id: subject,
        user_agent: client.user_agent.clone(),
        ip: client.ip.clone(),
        ttl: Duration::days(state.config.auth.refresh_ttl_days),
    };
    let (session, refresh) = sessions::open(state.store.db(), new, state.now()).await?;
    Ok(issue(state, &session, refresh))
}

/// Send a log-in code.
///
/// Limits: one code per phone per `auth.otp_resend_secs`, `auth.otp_per_phone_per_hour` per
/// phone and `auth.otp_per_ip_per_hour` per client address; over a limit the answer is 429
/// with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/public/auth/otp", tag = "auth", request_body = OtpRequest,
    responses((status = 200, body = OtpSent), (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn send_otp(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<OtpRequest>,
) -> ApiResult<axum::Json<OtpSent>> {
    let phone = parse_phone("phone", &req.phone)?;
    let cfg = &state.config.auth;
    let now = state.now();
    let db = state.store.db();
    let idx = accounts::phone_index(&state.store, &phone);
    let audience: Audience = req.audience.into();
    let code = state.codes.next_code();
    let limits = otp::SendLimits {
        resend_secs: cfg.otp_resend_secs,
        per_phone_per_hour: cfg.otp_per_phone_per_hour,
        per_ip_per_hour: cfg.otp_per_ip_per_hour,
    };
    let new = otp::NewCode {
        phone_index: &idx,
        audience: audience.as_str(),
        code_hash: &state.tokens.code_hash(&idx, &code),
        ip: client.ip.as_deref(),
        expires_at: now + Duration::seconds(cfg.otp_ttl_secs),
    };
    match otp::create_limited(db, new, limits, now).await? {
        Ok(_) => {}
        Err(otp::SendRefused::TooSoon(wait)) => {
            return Err(ApiError::too_many(
                "a code was sent to this phone moments ago; wait before asking again",
                wait as u64,
            ));
        }
        Err(otp::SendRefused::PhoneHourly) => {
            return Err(ApiError::too_many(
                "too many codes for this phone in the last hour",
                3600,
            ));
        }
        Err(otp::SendRefused::IpHourly) => {
            return Err(ApiError::too_many(
                "too many codes requested from this address in the last hour",
                3600,
            ));
        }
    }
    let msg = login_code_message(phone.clone(), &code, cfg.otp_ttl_secs / 60);
    let result = state.sms.send(&msg).await;
    let (status, id, error) = match &result {
        Ok(r) => ("sent", Some(r.provider_message_id.clone()), None),
        Err(e) => ("failed", None, Some(e.to_string())),
    };
    let entry = sms::OutboxEntry {
        phone: &phone,
        template: &msg.template,
        content: &msg.redacted_text(),
        params: msg.public_params(),
        provider: daojia_notify::sms::sent_by(&result),
        status,
        provider_message_id: id,
        error,
    };
    sms::record(&state.store, entry, now).await?;
    if let Err(e) = result {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "sms_unavailable",
            format!("the code could not be sent: {}", e.kind.describe()),
        ));
    }
    let dev_code = (state.sms.is_offline() && state.config.sms.expose_dev_code).then_some(code);
    Ok(axum::Json(OtpSent {
        expires_in: cfg.otp_ttl_secs,
        resend_after: cfg.otp_resend_secs,
        dev_code,
    }))
}

/// Log in with a code. Customers are registered on first log-in; workers must be enrolled.
// Limits (429 with `Retry-After`, documented with the common errors): per client address
// (`auth.otp_verify_per_ip_per_minute`) and over all clients (`..._global_per_minute`).
#[utoipa::path(post, path = "/api/v1/public/auth/otp/verify", tag = "auth", request_body = OtpVerify,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn verify_otp(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<OtpVerify>,
) -> ApiResult<axum::Json<TokenPair>> {
    let limits = &state.limits;
    let msg = "too many code checks from this address; wait and try again";
    crate::ratelimit::per_ip(&state, &limits.otp_verify_per_ip, client.ip.as_deref(), msg).await?;
    let msg = "too many log-in attempts right now; wait and try again";
    crate::ratelimit::enforce(&state, &limits.otp_verify_global, "all", msg).await?;
    let phone = parse_phone("phone", &req.phone)?;
    let code = req.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(vec![FieldError::new(
            "code",
            "invalid",
            "expected the six digits from the SMS",
        )]));
    }
    let audience: Audience = req.audience.into();
    let now = state.now();
    let db = state.store.db();
    let idx = accounts::phone_index(&state.store, &phone);
    let wrong = || {
        ApiError::unauthorized(
            "code_invalid",
            "the code is wrong or has expired; ask for a new one",
        )
    };
    let Some(current) = otp::current(db, &idx, audience.as_str(), now).await? else {
        return Err(wrong());
    };
    // Reserve the attempt before comparing, so parallel guesses cannot all get past the
    // limit: at most `otp_max_attempts` comparisons per code.
    if !otp::reserve_attempt(db, current.id, state.config.auth.otp_max_attempts).await? {
        return Err(ApiError::unauthorized(
            "code_locked",
            "too many wrong attempts for this code; ask for a new one",
        ));
    }
    let expected = current.code_hash.as_bytes();
    let given = state.tokens.code_hash(&idx, code);
    if !bool::from(expected.ct_eq(given.as_bytes())) {
        return Err(wrong());
    }
    if !otp::consume(db, current.id, now).await? {
        return Err(wrong());
    }
    let subject = match audience {
        Audience::Customer => {
            accounts::customer_for_login(&state.store, &phone, now)
                .await?
                .id
        }
        _ => match accounts::worker_by_phone(&state.store, &phone).await? {
            Some(w) if w.active => w.id,
            Some(_) => {
                return Err(ApiError::forbidden(
                    "account_disabled",
                    "this worker account is not active",
                ));
            }
            None => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "worker_not_found",
                    "no worker is enrolled with this phone; ask operations to add you",
                ));
            }
        },
    };
    Ok(axum::Json(
        open_session(&state, audience, subject, &client).await?,
    ))
}

/// Staff log-in with username (or phone) and password. Limited per client address, and per
/// account: after `auth.staff_lockout_after` consecutive wrong passwords the account is
/// locked (429 `account_locked` with `Retry-After`), each lockout twice as long as the last
/// up to `auth.staff_lockout_max_secs`; a right password resets the count, and a super
/// admin can unlock. Unknown names get the same answers.
#[utoipa::path(post, path = "/api/v1/public/auth/staff/login", tag = "auth", request_body = StaffLogin,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn staff_login(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<StaffLogin>,
) -> ApiResult<axum::Json<TokenPair>> {
    let limits = &state.limits;
    let msg = "too many log-in attempts; wait and try again";
    crate::ratelimit::per_ip(&state, &limits.password_per_ip, client.ip.as_deref(), msg).await?;
    let mut errors = vec![];
    if req.login.trim().is_empty() {
        errors.push(FieldError::new(
            "login",
            "required",
            "enter your username or phone",
        ));
    }
    if req.password.is_empty() {
        errors.push(FieldError::new(
            "password",
            "required",
            "enter your password",
        ));
    }
    if req.password.len() > 1024 {
        errors.push(FieldError::new(
            "password",
            "too_long",
            "at most 1024 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = state.now();
    let staff = accounts::staff_for_login(&state.store, &req.login).await?;
    // The attempt is reserved in the database before the password is verified. Names that
    // match no account are guarded the same way (by a blind index of the name), so the
    // answers and delays do not tell which usernames exist.
    let subject = match &staff {
        Some(s) => login_guard::staff_subject(s.id),
        None => login_guard::name_subject(
            &state
                .store
                .vault()
                .blind_index("staff_login", &req.login.trim().to_lowercase()),
        ),
    };
    let policy = staff_lockout_policy(&state);
    let db = state.store.db();
    let locks_until = match login_guard::reserve(
        db,
        &subject,
        staff.as_ref().map(|s| s.id),
        policy,
        now,
    )
    .await?
    {
        login_guard::Reservation::Locked { until } => return Err(account_locked(now, until)),
        login_guard::Reservation::Granted { locks_until } => locks_until,
    };
    // Verify against a fixed hash when the account does not exist, so timing does not tell
    // which usernames exist.
    let hash = staff
        .as_ref()
        .map(|s| s.password_hash.clone())
        .unwrap_or_else(|| crate::password::DUMMY_HASH.to_string());
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || crate::password::verify(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    if ok && staff.is_some() {
        login_guard::succeeded(db, &subject, now).await?;
    } else if let (Some(until), Some(s)) = (locks_until, &staff) {
        let entry = daojia_store::repo::audit::AuditEntry {
            actor_type: "system".into(),
            actor_id: None,
            actor_name: None,
            action: "staff.lock".into(),
            target_type: "staff".into(),
            target_id: Some(s.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "locked_until": until,
                "reason": "consecutive wrong passwords",
                "failures": policy.max_failures,
            })),
            request_id: client.request_id.clone(),
            ip: client.ip.clone(),
        };
        daojia_store::repo::audit::record(&state.store, db, entry, now).await?;
        tracing::warn!(staff_id = %s.id, %until, "staff account locked after wrong passwords");
    }
    match staff {
        Some(s) if ok && s.active => Ok(axum::Json(
            open_session(&state, Audience::Staff, s.id, &client).await?,
        )),
        Some(s) if ok && !s.active => Err(ApiError::forbidden(
            "account_disabled",
            "this staff account is not active",
        )),
        _ => Err(ApiError::unauthorized(
            "credentials_invalid",
            "wrong username or password",
        )),
    }
}

/// The staff lockout rules from configuration.
pub(crate) fn staff_lockout_policy(state: &AppState) -> login_guard::Policy {
    let cfg = &state.config.auth;
    login_guard::Policy {
        max_failures: cfg.staff_lockout_after,
        base: Duration::seconds(cfg.staff_lockout_secs),
        cap: Duration::seconds(cfg.staff_lockout_max_secs),
    }
}

fn account_locked(
    now: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "account_locked",
        "too many wrong passwords; log-in is locked for a while (an administrator can unlock it)",
    );
    // Rounded up: stored times may have lost their sub-microsecond part.
    let millis = (until - now).num_milliseconds();
    e.retry_after = Some(((millis + 999) / 1000).max(1) as u64);
    e
}

/// Rotate tokens: spends the refresh token and returns a new pair. Presenting a spent
/// refresh token again revokes the whole session (it was copied).
#[utoipa::path(post, path = "/api/v1/public/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::http::error::Problem)))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<axum::Json<TokenPair>> {
    use sessions::RefreshError as E;
    match sessions::rotate(state.store.db(), req.refresh_token.trim(), state.now()).await {
        Ok((session, next)) => Ok(axum::Json(issue(&state, &session, next))),
        Err(E::Unknown) => Err(ApiError::unauthorized(
            "refresh_invalid",
            "unknown refresh token; log in again",
        )),
        Err(E::Reused) => {
            tracing::warn!("refresh token reuse detected; session revoked");
            Err(ApiError::unauthorized(
                "refresh_reused",
                "this refresh token was already used; the session has been ended for safety",
            ))
        }
        Err(E::Revoked) => Err(ApiError::unauthorized(
            "session_revoked",
            "this session has ended; log in again",
        )),
        Err(E::Expired) => Err(ApiError::unauthorized(
            "session_expired",
            "this session has expired; log in again",
        )),
        Err(E::Db(e)) => Err(e.into()),
    }
}

/// Log out: ends the session of the access token.
#[utoipa::path(post, path = "/api/v1/public/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::http::error::Problem)))]
pub async fn logout(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
) -> ApiResult<StatusCode> {
    sessions::revoke(state.store.db(), claims.sid, "logout", state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
