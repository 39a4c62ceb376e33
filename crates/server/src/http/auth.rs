//! Authentication and authorisation as extractors: a handler that takes `CurrentCustomer`,
//! `CurrentWorker`, `CurrentStaff` or `Can<perm::X>` cannot run for anyone else, so no
//! handler can forget to check.

use super::error::ApiError;
use crate::state::AppState;
use crate::token::{Claims, TokenError};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::{header, request::Parts};
use daojia_domain::access::{Audience, Permission, Role};
use daojia_store::entity::staff;
use daojia_store::repo::{accounts, versions};
use std::marker::PhantomData;
use uuid::Uuid;

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A verified token whose session is live, for any audience.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Claims);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(a) = parts.extensions.get::<Authenticated>() {
            return Ok(a.clone());
        }
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized(
                "unauthenticated",
                "log in and send `Authorization: Bearer <access token>`",
            )
        })?;
        let now = state.now();
        let claims = state
            .tokens
            .verify(token, now.timestamp())
            .map_err(|e| match e {
                TokenError::Expired => ApiError::unauthorized(
                    "token_expired",
                    "the access token has expired; refresh it",
                ),
                TokenError::Invalid => ApiError::unauthorized(
                    "token_invalid",
                    "the access token is not valid; log in again",
                ),
            })?;
        // The counters in one statement: `sessions` for the session check (this node's copy
        // of the live sessions while it stands: a revocation on any node bumps it), the
        // others left for a placement, which then reads no counter again.
        let db = state.store.db();
        let counters = versions::read_for_request(db).await?;
        if !state
            .sessions
            .live(db, counters.sessions, claims.sid, now)
            .await?
        {
            return Err(ApiError::unauthorized(
                "session_revoked",
                "this session has ended; log in again",
            ));
        }
        let a = Authenticated(claims);
        parts.extensions.insert(a.clone());
        parts.extensions.insert(counters);
        Ok(a)
    }
}

impl OptionalFromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if bearer(parts).is_none() {
            return Ok(None);
        }
        <Authenticated as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

async fn for_audience(
    parts: &mut Parts,
    state: &AppState,
    audience: Audience,
) -> Result<Claims, ApiError> {
    let Authenticated(claims) =
        <Authenticated as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    if claims.aud != audience {
        return Err(ApiError::forbidden(
            "wrong_audience",
            format!(
                "this endpoint is for {} accounts; the token is for a {} account",
                audience.as_str(),
                claims.aud.as_str()
            ),
        ));
    }
    Ok(claims)
}

/// The logged-in customer.
#[derive(Debug, Clone)]
pub struct CurrentCustomer {
    /// Customer id.
    pub id: Uuid,
    /// Session id.
    pub session_id: Uuid,
}

impl FromRequestParts<AppState> for CurrentCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let c = for_audience(parts, state, Audience::Customer).await?;
        Ok(CurrentCustomer {
            id: c.sub,
            session_id: c.sid,
        })
    }
}

/// The logged-in worker (must still be active).
#[derive(Debug, Clone)]
pub struct CurrentWorker {
    /// Worker id.
    pub id: Uuid,
    /// Session id.
    pub session_id: Uuid,
}

impl FromRequestParts<AppState> for CurrentWorker {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let c = for_audience(parts, state, Audience::Worker).await?;
        match accounts::worker(state.store.db(), c.sub).await? {
            Some(w) if w.active => Ok(CurrentWorker {
                id: c.sub,
                session_id: c.sid,
            }),
            _ => Err(ApiError::forbidden(
                "account_disabled",
                "this worker account is not active",
            )),
        }
    }
}

/// The logged-in staff member, with the role they hold now (a role change applies to the
/// next request, not the next log-in).
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    /// The staff row.
    pub staff: staff::Model,
    /// Their role.
    pub role: Role,
    /// Their display name, decrypted (for the audit log and `/admin/me`).
    pub name: String,
    /// Session id.
    pub session_id: Uuid,
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(s) = parts.extensions.get::<CurrentStaff>() {
            return Ok(s.clone());
        }
        let c = for_audience(parts, state, Audience::Staff).await?;
        let staff = match accounts::staff(state.store.db(), c.sub).await? {
            Some(s) if s.active => s,
            _ => {
                return Err(ApiError::forbidden(
                    "account_disabled",
                    "this staff account is not active",
                ));
            }
        };
        let role = staff
            .role
            .parse::<Role>()
            .map_err(|e| ApiError::internal(format!("staff {} has {e}", staff.id)))?;
        let name = accounts::staff_name(&state.store, &staff)
            .map_err(|e| ApiError::internal(format!("staff {} name: {e}", staff.id)))?;
        let s = CurrentStaff {
            staff,
            role,
            name,
            session_id: c.sid,
        };
        parts.extensions.insert(s.clone());
        Ok(s)
    }
}

/// A compile-time permission, for [`Can`].
pub trait RequiredPermission: Send + Sync + 'static {
    /// The permission.
    const PERMISSION: Permission;
}

/// Marker types, one per permission.
pub mod perm {
    use super::RequiredPermission;
    use daojia_domain::access::Permission;

    macro_rules! markers {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("Requires `", stringify!($name), "`.")]
            pub struct $name;
            impl RequiredPermission for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }

    markers!(
        OverviewRead,
        StaffRead,
        StaffWrite,
        AuditRead,
        SmsRead,
        CustomerRead,
        WorkerRead,
        WorkerWrite,
        OrderRead,
        OrderWrite,
        DispatchRead,
        DispatchWrite,
        FinanceRead,
        FinanceWrite,
        FinanceReopen,
        AfterSalesWrite,
        CatalogRead,
        CatalogWrite,
        MarketingWrite,
        SettingsWrite
    );
}

/// A staff member holding permission `P`.
pub struct Can<P: RequiredPermission> {
    /// The staff member.
    pub staff: CurrentStaff,
    _p: PhantomData<P>,
}

impl<P: RequiredPermission> FromRequestParts<AppState> for Can<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff =
            <CurrentStaff as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if !staff.role.allows(P::PERMISSION) {
            return Err(ApiError::forbidden(
                "permission_denied",
                format!(
                    "your role `{}` lacks the permission `{}`",
                    staff.role,
                    P::PERMISSION
                ),
            ));
        }
        Ok(Can {
            staff,
            _p: PhantomData,
        })
    }
}

/// The client's address and user agent, for sessions, rate limits and the audit log.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// Client address: the socket peer, or behind a trusted proxy the right-most
    /// `X-Forwarded-For` entry that is not a trusted proxy (see [`super::client_ip`]).
    pub ip: Option<String>,
    /// User-Agent, truncated to 255 characters.
    pub user_agent: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        // A header line that is not text is garbage: it stops the walk like a bad entry.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{fffd}"));
        let ip = peer.map(|p| state.trusted_proxies.client_ip(p, forwarded).to_string());
        Ok(ClientInfo {
            ip,
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(255).collect()),
            request_id: super::error::current_request_id(),
        })
    }
}
