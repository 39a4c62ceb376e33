//! Two providers, one standing in for the other: a message the primary cannot send because
//! of the primary itself (unreachable, a server error, no answer in time, its quota or
//! credentials) goes out through the secondary. A message refused for what it is (a bad
//! number, a template the vendor does not have) is not sent twice. The receipt names the
//! provider that sent it.

use crate::sms::{SmsError, SmsMessage, SmsProvider, SmsReceipt};
use async_trait::async_trait;
use std::sync::Arc;

/// A primary provider with a secondary for its outages.
pub struct Failover {
    primary: Arc<dyn SmsProvider>,
    secondary: Arc<dyn SmsProvider>,
}

impl Failover {
    /// `primary` first; `secondary` when the primary's failure [fails
    /// over](crate::sms::SmsErrorKind::fails_over).
    pub fn new(primary: Arc<dyn SmsProvider>, secondary: Arc<dyn SmsProvider>) -> Failover {
        Failover { primary, secondary }
    }
}

#[async_trait]
impl SmsProvider for Failover {
    fn name(&self) -> &'static str {
        self.primary.name()
    }

    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let first = match self.primary.send(msg).await {
            Ok(r) => return Ok(r),
            Err(e) if e.kind.fails_over() => e,
            Err(e) => return Err(e),
        };
        tracing::warn!(
            primary = first.provider,
            secondary = self.secondary.name(),
            template = %msg.template,
            error = %first,
            "sms: failing over"
        );
        self.secondary.send(msg).await.map_err(|second| {
            let detail = format!("{}; before that {first}", second.detail);
            SmsError { detail, ..second }
        })
    }
}
