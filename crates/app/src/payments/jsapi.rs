//! Paying inside WeChat (JSAPI) needs the payer's openid under the paying app. The customer
//! app gets it through WeChat's silent web authorisation (`snsapi_base`): it asks for the
//! authorisation URL here, which carries a fresh `state` bound to the customer's log-in
//! session; WeChat sends the browser back with a one-time `code` and that `state`; the app
//! posts both, the state is checked and spent (a code brought back by another session,
//! late, or a second time is refused: the authorisation cannot be forged or replayed), and
//! the code is exchanged for the openid, kept encrypted per customer and app. A JSAPI
//! payment is then opened with it (see `intents`), or refused with `openid_required` while
//! none is bound.

use super::payments;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_pay::channel::OpenidForCode;
use daojia_store::repo::customer_wechat::{self as repo, StateCheck};
use std::sync::Arc;
use uuid::Uuid;

/// JSAPI as this node uses it.
pub struct Jsapi {
    /// The official account the payer pays in (`pay.wechat.appid`).
    pub appid: String,
    /// Exchanges the web authorisation code for the openid.
    pub oauth: Arc<dyn OpenidForCode>,
    /// The base of WeChat's authorisation page (`https://open.weixin.qq.com`, or the
    /// simulator's), under which `/connect/oauth2/authorize` is.
    pub authorize_base: String,
    /// With the simulator: its stand-in for `WeixinJSBridge`'s cashier, which takes the
    /// bridge's parameters as a query (outside a real WeChat the page goes there).
    pub cashier_url: Option<String>,
}

/// Where to send the browser to authorise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// WeChat's authorisation page with the app, `redirect_uri`, `snsapi_base` and `state`.
    pub url: String,
    /// The state it carries (good once, for this session, ten minutes).
    pub state: String,
    /// The app.
    pub app_id: String,
}

/// Whether the customer can pay inside WeChat, and is ready to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// This server opens JSAPI payments.
    pub available: bool,
    /// An openid under the paying app is kept for the customer.
    pub bound: bool,
    /// When it was bound.
    pub bound_at: Option<DateTime<Utc>>,
    /// The paying app, when available.
    pub app_id: Option<String>,
}

/// The JSAPI configuration, or a conflict saying this server does not pay inside WeChat.
pub(crate) fn configured(app: &App) -> Result<&Jsapi> {
    payments(app)?.jsapi.as_ref().ok_or_else(|| {
        Error::conflict(
            "channel_unavailable",
            "paying inside WeChat (JSAPI) is not configured on this server",
        )
    })
}

/// Starts a web authorisation for `customer` in session `session`: a new state, recorded,
/// and the URL that returns the browser to `redirect_uri` with a code.
pub async fn authorize(
    app: &App,
    customer: Uuid,
    session: Uuid,
    redirect_uri: &str,
    now: DateTime<Utc>,
) -> Result<Authorization> {
    let j = configured(app)?;
    let redirect_uri = redirect_uri.trim();
    if redirect_uri.len() > 512
        || !(redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://"))
        || redirect_uri.contains('#')
    {
        return Err(Error::field(
            "redirect_uri",
            "invalid",
            "an absolute http(s) URL without a fragment, at most 512 characters",
        ));
    }
    let state = Uuid::new_v4().simple().to_string();
    let url =
        daojia_pay::wechat::oauth::authorize_url(&j.authorize_base, &j.appid, redirect_uri, &state)
            .map_err(|e| Error::field("redirect_uri", "invalid", e.to_string()))?;
    repo::issue_state(app.store.db(), &state, customer, session, &j.appid, now).await?;
    Ok(Authorization {
        url,
        state,
        app_id: j.appid.clone(),
    })
}

/// Takes back an authorisation: `state` must be one issued to `customer` in `session`,
/// unspent and recent; `code` is then exchanged for the openid, which is kept.
pub async fn bind(
    app: &App,
    customer: Uuid,
    session: Uuid,
    code: &str,
    state: &str,
    now: DateTime<Utc>,
) -> Result<Binding> {
    let j = configured(app)?;
    let (code, state) = (code.trim(), state.trim());
    if code.is_empty() || code.len() > 128 {
        return Err(Error::field("code", "invalid", "1 to 128 characters"));
    }
    if state.is_empty() || state.len() > 128 {
        return Err(Error::field("state", "invalid", "1 to 128 characters"));
    }
    match repo::take_state(app.store.db(), state, customer, session, now).await? {
        StateCheck::Good(appid) if appid == j.appid => {}
        StateCheck::Good(_) | StateCheck::Unknown => {
            return Err(Error::field(
                "state",
                "state_mismatch",
                "this authorisation was not started here (another session or app): start again",
            ));
        }
        StateCheck::Expired => {
            return Err(Error::field(
                "state",
                "state_expired",
                "this authorisation took too long: start again",
            ));
        }
        StateCheck::Used => {
            return Err(Error::field(
                "state",
                "state_used",
                "this authorisation was already taken back: start again",
            ));
        }
    }
    let openid = j.oauth.openid_for_code(code).await.map_err(|e| match e {
        daojia_pay::Error::Channel { .. } => Error::field(
            "code",
            "invalid_code",
            "WeChat does not know this code (used, expired or from another app)",
        ),
        other => {
            tracing::warn!(error = %other, "WeChat did not exchange a payer's code");
            Error::Unavailable {
                code: "wechat_unavailable",
                message: "WeChat could not be asked for the payer's openid; try again".into(),
                retry_after_secs: 5,
            }
        }
    })?;
    repo::bind(&app.store, customer, &j.appid, &openid, now).await?;
    binding(app, customer).await
}

/// Whether `customer` can pay inside WeChat now.
pub async fn binding(app: &App, customer: Uuid) -> Result<Binding> {
    let Some(j) = app.payments.as_ref().and_then(|p| p.jsapi.as_ref()) else {
        return Ok(Binding {
            available: false,
            bound: false,
            bound_at: None,
            app_id: None,
        });
    };
    let row = repo::get(app.store.db(), customer, &j.appid).await?;
    Ok(Binding {
        available: true,
        bound: row.is_some(),
        bound_at: row.map(|r| r.bound_at),
        app_id: Some(j.appid.clone()),
    })
}

/// The openid `customer` pays with inside WeChat, or 409 `openid_required` (on `channel`)
/// while none is bound: the app authorises first.
pub(crate) async fn payer_openid(app: &App, customer: Uuid) -> Result<String> {
    let j = configured(app)?;
    repo::openid(&app.store, customer, &j.appid)
        .await?
        .ok_or_else(|| Error::ConflictAt {
            code: "openid_required",
            field: "channel".into(),
            message: "paying inside WeChat needs your WeChat authorisation first: \
                      POST /api/v1/customer/wechat/authorize, then PUT /api/v1/customer/wechat \
                      with the code and state WeChat returns"
                .into(),
        })
}

/// Forgets `customer`'s openid after WeChat refused a payment for it (the app's users
/// changed, or it was bound under other keys): the next payment authorises again.
pub(crate) async fn forget(app: &App, customer: Uuid) -> Result<()> {
    let j = configured(app)?;
    repo::unbind(app.store.db(), customer, &j.appid).await?;
    Ok(())
}
