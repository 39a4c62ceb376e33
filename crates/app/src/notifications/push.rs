//! Push as one more channel of a notification. The channels themselves (Web Push, JPush,
//! Getui) implement `daojia_notify::push::PushChannel`; the subscriptions (a browser's
//! Push API subscription, an app install's registration id) are kept elsewhere and reached
//! through [`PushSubscriptions`], the one seam between the two. [`push_all`] sends one
//! message to every subscription of a person by the channel of its kind and sorts the
//! answers: accepted, gone (the subscription is deleted), worth retrying, or refused for
//! good.

use daojia_domain::notification::Audience;
use daojia_notify::push::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use std::sync::Arc;
use uuid::Uuid;

/// One stored subscription of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id, for deleting it once the push service says it is gone.
    pub id: Uuid,
    /// Where to push.
    pub target: PushTarget,
}

/// Why the subscriptions could not be read or changed.
pub type SubscriptionError = Box<dyn std::error::Error + Send + Sync>;

/// Where a person's push subscriptions are kept.
#[async_trait::async_trait]
pub trait PushSubscriptions: Send + Sync {
    /// The subscriptions of `recipient`.
    async fn of(
        &self,
        audience: Audience,
        recipient: Uuid,
    ) -> Result<Vec<Subscription>, SubscriptionError>;

    /// Deletes subscription `id` (its push service said it is gone).
    async fn remove(&self, id: Uuid) -> Result<(), SubscriptionError>;
}

/// A node that keeps no push subscriptions: every push delivery is skipped as having
/// nowhere to go.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSubscriptions;

#[async_trait::async_trait]
impl PushSubscriptions for NoSubscriptions {
    async fn of(&self, _: Audience, _: Uuid) -> Result<Vec<Subscription>, SubscriptionError> {
        Ok(vec![])
    }

    async fn remove(&self, _: Uuid) -> Result<(), SubscriptionError> {
        Ok(())
    }
}

/// What pushing to every subscription of a person gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Subscriptions tried.
    pub tried: usize,
    /// Accepted by their push service.
    pub accepted: usize,
    /// Gone (and deleted).
    pub gone: Vec<Uuid>,
    /// Failures worth trying again, `channel: why`.
    pub retryable: Vec<String>,
    /// Failures that will not succeed as they are.
    pub permanent: Vec<String>,
}

/// What the delivery records from a [`PushReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushVerdict {
    /// At least one device got it (other failures noted).
    Sent(Option<String>),
    /// Nowhere to push (no subscription left).
    Nowhere,
    /// Nothing accepted, some worth retrying.
    Retry(String),
    /// Nothing accepted, nothing worth retrying.
    Failed(String),
}

impl PushReport {
    /// The delivery's outcome: sent when any device got it; else a retry when any failure
    /// may pass later; else failed, or nowhere when every subscription was gone.
    pub fn verdict(&self) -> PushVerdict {
        let errors = || {
            self.retryable
                .iter()
                .chain(&self.permanent)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        };
        if self.accepted > 0 {
            let e = errors();
            PushVerdict::Sent((!e.is_empty()).then_some(e))
        } else if !self.retryable.is_empty() {
            PushVerdict::Retry(errors())
        } else if !self.permanent.is_empty() {
            PushVerdict::Failed(errors())
        } else {
            PushVerdict::Nowhere
        }
    }
}

fn kind_of(t: &PushTarget) -> &'static str {
    match t {
        PushTarget::WebPush { .. } => "webpush",
        PushTarget::Jpush { .. } => "jpush",
        PushTarget::Getui { .. } => "getui",
        PushTarget::Wechat { .. } => "wechat",
    }
}

/// Pushes `msg` to each of `subs` by the channel among `channels` whose code is the
/// target's kind; deletes through `store` the subscriptions found gone.
pub async fn push_all(
    subs: &[Subscription],
    channels: &[Arc<dyn PushChannel>],
    store: &dyn PushSubscriptions,
    msg: &PushMessage,
) -> PushReport {
    let mut r = PushReport {
        tried: subs.len(),
        ..Default::default()
    };
    for s in subs {
        let kind = kind_of(&s.target);
        let Some(ch) = channels.iter().find(|c| c.code() == kind) else {
            r.permanent
                .push(format!("{kind}: no such channel configured"));
            continue;
        };
        match ch.send(&s.target, msg).await {
            Ok(PushOutcome::Accepted(_)) => r.accepted += 1,
            Ok(PushOutcome::Gone) => {
                if let Err(e) = store.remove(s.id).await {
                    tracing::warn!(subscription = %s.id, error = %e, "gone push subscription not deleted");
                }
                r.gone.push(s.id);
            }
            Err(PushError::Retryable(e)) => r.retryable.push(format!("{kind}: {e}")),
            Err(PushError::Permanent(e)) => r.permanent.push(format!("{kind}: {e}")),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A channel answering from a script, one answer per target's id (JPush ids here).
    struct Scripted(&'static str);

    #[async_trait::async_trait]
    impl PushChannel for Scripted {
        fn code(&self) -> &'static str {
            self.0
        }
        async fn send(&self, to: &PushTarget, _: &PushMessage) -> Result<PushOutcome, PushError> {
            let PushTarget::Jpush { registration_id } = to else {
                return Err(PushError::Permanent("not a JPush target".into()));
            };
            match registration_id.as_str() {
                "ok" => Ok(PushOutcome::Accepted(Some("m1".into()))),
                "gone" => Ok(PushOutcome::Gone),
                "busy" => Err(PushError::Retryable("429".into())),
                _ => Err(PushError::Permanent("400".into())),
            }
        }
    }

    #[derive(Default)]
    struct Kept(Mutex<Vec<Uuid>>);

    #[async_trait::async_trait]
    impl PushSubscriptions for Kept {
        async fn of(&self, _: Audience, _: Uuid) -> Result<Vec<Subscription>, SubscriptionError> {
            Ok(vec![])
        }
        async fn remove(&self, id: Uuid) -> Result<(), SubscriptionError> {
            self.0.lock().unwrap().push(id);
            Ok(())
        }
    }

    fn sub(id: &str) -> Subscription {
        Subscription {
            id: Uuid::now_v7(),
            target: PushTarget::Jpush {
                registration_id: id.into(),
            },
        }
    }

    fn msg() -> PushMessage {
        PushMessage {
            title: "师傅已出发".into(),
            body: "预计 12 分钟后到达".into(),
            url: Some("/orders/1".into()),
            tag: None,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn gone_subscriptions_are_deleted_and_one_success_makes_it_sent() {
        let ch: Vec<Arc<dyn PushChannel>> = vec![Arc::new(Scripted("jpush"))];
        let kept = Kept::default();
        let subs = [sub("ok"), sub("gone"), sub("busy")];
        let r = push_all(&subs, &ch, &kept, &msg()).await;
        assert_eq!((r.tried, r.accepted), (3, 1));
        assert_eq!(r.gone, vec![subs[1].id]);
        assert_eq!(*kept.0.lock().unwrap(), vec![subs[1].id]);
        assert_eq!(r.verdict(), PushVerdict::Sent(Some("jpush: 429".into())));
    }

    #[tokio::test]
    async fn nothing_accepted_retries_when_any_failure_may_pass_and_fails_otherwise() {
        let ch: Vec<Arc<dyn PushChannel>> = vec![Arc::new(Scripted("jpush"))];
        let kept = Kept::default();
        let r = push_all(&[sub("busy"), sub("bad")], &ch, &kept, &msg()).await;
        assert!(
            matches!(r.verdict(), PushVerdict::Retry(e) if e.contains("429") && e.contains("400"))
        );
        let r = push_all(&[sub("bad")], &ch, &kept, &msg()).await;
        assert_eq!(r.verdict(), PushVerdict::Failed("jpush: 400".into()));
        let r = push_all(&[sub("gone")], &ch, &kept, &msg()).await;
        assert_eq!(r.verdict(), PushVerdict::Nowhere);
        // A target whose channel this node lacks is refused for good, not retried.
        let web = Subscription {
            id: Uuid::now_v7(),
            target: PushTarget::Getui { cid: "c".into() },
        };
        let r = push_all(&[web], &ch, &kept, &msg()).await;
        assert_eq!(
            r.verdict(),
            PushVerdict::Failed("getui: no such channel configured".into())
        );
    }
}
