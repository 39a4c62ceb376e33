//! The publisher: the outbox consumer that sends every event to the broker's exchange and
//! returns only when the broker has confirmed it (so the relay records its position after
//! the confirm, never before). It takes the relay's batches: every event of a batch in
//! flight at once, then the confirms in order, and one position record per batch.

use super::{BrokerOptions, connect, declare, message, redacted};
use crate::App;
use crate::outbox::{Consumer, Event, HandleError};
use daojia_store::repo::outbox;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{Channel, Connection, PublisherConfirm};
use std::sync::Arc;
use tokio::sync::Mutex;

/// The publisher's name (its progress row in `outbox_consumer`).
pub const NAME: &str = "amqp.publish";

/// How long the relay waits at most between attempts while the broker is away.
const RETRY_CAP: std::time::Duration = std::time::Duration::from_secs(10);

/// How long one publish may wait for its confirm before the link is counted lost.
const CONFIRM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Publishes outbox events to the exchange, one confirmed message per event.
pub struct Publisher {
    app: App,
    opts: BrokerOptions,
    /// The consumers fed from the broker: their queues are declared before anything is
    /// published, and a new publisher starts where the slowest of them stood in the relay.
    fed: Vec<Arc<dyn Consumer>>,
    link: Mutex<Option<Link>>,
}

struct Link {
    // Kept open while the channel is used.
    _connection: Connection,
    channel: Channel,
}

impl Publisher {
    /// A publisher over `app`'s outbox to the broker of `opts`, declaring the queues of
    /// `fed`.
    pub fn new(app: App, opts: BrokerOptions, fed: Vec<Arc<dyn Consumer>>) -> Publisher {
        Publisher {
            app,
            opts,
            fed,
            link: Mutex::new(None),
        }
    }

    async fn open(&self) -> Result<Link, lapin::Error> {
        let connection = connect(&self.opts.url).await?;
        let channel = connection.create_channel().await?;
        declare(&channel, &self.opts, &self.fed).await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        tracing::info!(broker = %redacted(&self.opts.url), exchange = %self.opts.exchange, "outbox publisher connected to the broker");
        metrics::gauge!("amqp_publisher_connected").set(1.0);
        Ok(Link {
            _connection: connection,
            channel,
        })
    }

    /// The channel, opened (again) when there is none or it broke.
    async fn ensure<'a>(&self, link: &'a mut Option<Link>) -> Result<&'a Channel, HandleError> {
        if link
            .as_ref()
            .is_none_or(|l| !l.channel.status().connected())
        {
            *link = None;
            metrics::gauge!("amqp_publisher_connected").set(0.0);
            *link = Some(self.open().await.inspect_err(|e| {
                tracing::warn!(broker = %redacted(&self.opts.url), error = %e, "cannot reach the broker; the outbox holds the events");
            })?);
        }
        Ok(&link.as_ref().expect("just opened").channel)
    }

    /// Sends `event`; the confirm resolves when the broker has it.
    async fn send(
        &self,
        channel: &Channel,
        event: &Event,
    ) -> Result<PublisherConfirm, HandleError> {
        let (body, props) = message(event);
        Ok(channel
            .basic_publish(
                self.opts.exchange.as_str().into(),
                event.topic.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                props,
            )
            .await?)
    }

    /// Publishes `events` in order, all in flight at once, then waits for each confirm;
    /// on a failure, how many were confirmed before it (the rest is published again).
    async fn publish(&self, events: &[Event]) -> Result<(), (usize, HandleError)> {
        let mut link = self.link.lock().await;
        let outcome = self.publish_on(&mut link, events).await;
        if outcome.is_err() {
            // A fresh link next time: a channel that lost a message is not trusted.
            *link = None;
            metrics::gauge!("amqp_publisher_connected").set(0.0);
            metrics::counter!("amqp_publish_failures_total").increment(1);
        }
        outcome
    }

    async fn publish_on(
        &self,
        link: &mut Option<Link>,
        events: &[Event],
    ) -> Result<(), (usize, HandleError)> {
        let channel = self.ensure(link).await.map_err(|e| (0, e))?;
        let mut confirms = Vec::with_capacity(events.len());
        let mut unsent = None;
        for e in events {
            match self.send(channel, e).await {
                Ok(c) => confirms.push(c),
                Err(e) => {
                    unsent = Some(e);
                    break;
                }
            }
        }
        let sent = confirms.len();
        for (i, confirm) in confirms.into_iter().enumerate() {
            let refused: Option<HandleError> = match tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
                .await
            {
                Err(_) => Some("the broker did not confirm the message in time".into()),
                Ok(Err(e)) => Some(e.into()),
                Ok(Ok(c)) if c.is_nack() => Some("the broker refused the message (nack)".into()),
                Ok(Ok(_)) => None,
            };
            if let Some(e) = refused {
                return Err((i, e));
            }
            metrics::counter!("amqp_published_total").increment(1);
        }
        // Everything sent was confirmed; the first unsent event is where it failed.
        match unsent {
            None => Ok(()),
            Some(e) => Err((sent, e)),
        }
    }
}

#[async_trait::async_trait]
impl Consumer for Publisher {
    fn name(&self) -> &'static str {
        NAME
    }

    fn retry_cap(&self) -> std::time::Duration {
        RETRY_CAP
    }

    async fn start_after(&self) -> Result<Option<i64>, HandleError> {
        // Where the consumers that move to the broker stood in the relay: none of their
        // events is lost in the move (the first events may reach them twice, harmlessly).
        let rows = outbox::consumers(self.app.store.db()).await?;
        Ok(rows
            .iter()
            .filter(|r| self.fed.iter().any(|c| c.name() == r.name))
            .map(|r| r.position)
            .min())
    }

    fn batches(&self) -> bool {
        true
    }

    async fn handle_batch(&self, events: &[Event]) -> Result<(), (usize, HandleError)> {
        if events.is_empty() {
            return Ok(());
        }
        self.publish(events).await
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        self.publish(std::slice::from_ref(event))
            .await
            .map_err(|(_, e)| e)
    }
}
