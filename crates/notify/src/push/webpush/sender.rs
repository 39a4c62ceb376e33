//! The Web Push channel: signs and encrypts a message for a browser's subscription and
//! POSTs it to the push service.

use super::{
    SendOptions, Subscription, VapidKey, WebPushError, build_request, check_endpoint, err, outcome,
    payload,
};
use crate::push::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use async_trait::async_trait;
use std::time::Duration;

/// The Web Push channel.
pub struct WebPush {
    client: reqwest::Client,
    vapid: VapidKey,
    opts: SendOptions,
    allow_http: bool,
}

impl WebPush {
    /// A channel signing with `vapid`. `allow_http` lets it push to `http://` endpoints
    /// (the local push service); a real push service is always `https://`.
    pub fn new(
        vapid: VapidKey,
        opts: SendOptions,
        timeout: Duration,
        allow_http: bool,
    ) -> Result<WebPush, WebPushError> {
        if !(opts.subject.starts_with("mailto:") || opts.subject.starts_with("https://")) {
            return Err(err(format!(
                "the VAPID subject `{}` must be a mailto: or https: URL",
                opts.subject
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| err(format!("HTTP client: {e}")))?;
        Ok(WebPush {
            client,
            vapid,
            opts,
            allow_http,
        })
    }

    /// The VAPID public key browsers subscribe with.
    pub fn public_key(&self) -> String {
        self.vapid.public_base64url()
    }

    /// Checks an endpoint as [`WebPush::send`] would accept it: `https://` (or `http://`
    /// when allowed), with a host.
    pub fn check_endpoint(&self, endpoint: &str) -> Result<(), WebPushError> {
        check_endpoint(endpoint, self.allow_http)
    }
}

#[async_trait]
impl PushChannel for WebPush {
    fn code(&self) -> &'static str {
        "webpush"
    }

    async fn send(&self, to: &PushTarget, msg: &PushMessage) -> Result<PushOutcome, PushError> {
        let PushTarget::WebPush {
            endpoint,
            p256dh,
            auth,
        } = to
        else {
            return Err(PushError::Permanent(
                "webpush takes a Web Push subscription".into(),
            ));
        };
        check_endpoint(endpoint, self.allow_http).map_err(|e| PushError::Permanent(e.0))?;
        let req = build_request(
            &self.vapid,
            &self.opts,
            Subscription {
                endpoint,
                p256dh,
                auth,
            },
            &payload(msg),
            msg.tag.as_deref(),
            chrono::Utc::now().timestamp(),
        )
        .map_err(|e| PushError::Permanent(e.0))?;
        let mut r = self.client.post(&req.endpoint);
        for (k, v) in &req.headers {
            r = r.header(k.as_str(), v.as_str());
        }
        let res = r
            .body(req.body)
            .send()
            .await
            .map_err(|e| PushError::Retryable(format!("push service unreachable: {e}")))?;
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.bytes().await.unwrap_or_default();
        outcome(status, location, &body)
    }
}
