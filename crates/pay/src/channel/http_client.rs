//! The production [`Transport`]: reqwest with rustls and a timeout.

use super::{HttpRequest, HttpResponse, Transport};
use crate::error::{Error, Result};
use crate::http::Method;
use async_trait::async_trait;
use std::time::Duration;

/// Sends channel calls over HTTPS.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A client whose calls give up after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport(format!("HTTP client: {e}")))?;
        Ok(ReqwestTransport { client })
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let mut r = match request.method {
            Method::Get => self.client.get(&request.url),
            Method::Post => self.client.post(&request.url).body(request.body),
        };
        for (k, v) in &request.headers {
            r = r.header(k.as_str(), v.as_str());
        }
        // Query strings carry merchant ids and bill tokens: keep URLs out of the message.
        let res = r
            .send()
            .await
            .map_err(|e| Error::Transport(e.without_url().to_string()))?;
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = res
            .bytes()
            .await
            .map_err(|e| Error::Transport(e.without_url().to_string()))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}
