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
use daojia_store::repo::{accounts, otp, sessions, sms};
use rand::Rng;
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
    if let Some(last) = otp::last_sent(db, &idx).await? {
        let wait = cfg.otp_resend_secs - (now - last).num_seconds();
        if wait > 0 {
            return Err(ApiError::too_many(
                "a code was sent to this phone moments ago; wait before asking again",
                wait as u64,
            ));
        }
    }
    let hour_ago = now - Duration::hours(1);
    if otp::sent_to_phone_since(db, &idx, hour_ago).await? >= cfg.otp_per_phone_per_hour {
        return Err(ApiError::too_many(
            "too many codes for this phone in the last hour",
            3600,
        ));
    }
    if let Some(ip) = &client.ip
        && otp::sent_from_ip_since(db, ip, hour_ago).await? >= cfg.otp_per_ip_per_hour
    {
        return Err(ApiError::too_many(
            "too many codes requested from this address in the last hour",
            3600,
        ));
    }
    let audience: Audience = req.audience.into();
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let expires_at = now + Duration::seconds(cfg.otp_ttl_secs);
    otp::insert(
        db,
        &idx,
        audience.as_str(),
        &state.tokens.code_hash(&idx, &code),
        client.ip.as_deref(),
        now,
        expires_at,
    )
    .await?;
    let msg = login_code_message(phone.clone(), &code, cfg.otp_ttl_secs / 60);
    let result = state.sms.send(&msg).await;
    let (status, id, error) = match &result {
        Ok(r) => ("sent", Some(r.provider_message_id.clone()), None),
        Err(e) => ("failed", None, Some(e.to_string())),
    };
    let entry = sms::OutboxEntry {
        phone: &phone,
        template: &msg.template,
        content: &msg.text,
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
    if current.attempts >= state.config.auth.otp_max_attempts {
        return Err(ApiError::unauthorized(
            "code_locked",
            "too many wrong attempts for this code; ask for a new one",
        ));
    }
    let expected = current.code_hash.as_bytes();
    let given = state.tokens.code_hash(&idx, code);
    if !bool::from(expected.ct_eq(given.as_bytes())) {
        otp::count_attempt(db, current.id).await?;
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

/// Staff log-in with username (or phone) and password. Limited per client address.
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
    let staff = accounts::staff_for_login(&state.store, &req.login).await?;
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
