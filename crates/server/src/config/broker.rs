//! `[broker]`: RabbitMQ for the outbox's events (`AMQP_URL`). Without a URL the database
//! relay delivers to every consumer in this process, as before; with one, every event is
//! also published to a topic exchange, and the consumers named in `consumers` are fed from
//! their durable queues instead of by the relay (docs/operations.md, "Message broker").

use serde::{Deserialize, Serialize};

/// Broker settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerConfig {
    /// `amqp://user:password@host:5672/vhost` or `amqps://...` (`AMQP_URL` or
    /// `DAOJIA_AMQP_URL`). Printed masked.
    pub amqp_url: Option<String>,
    /// The durable topic exchange events are published to (`DAOJIA_AMQP_EXCHANGE`).
    pub exchange: String,
    /// Prefix of the consumers' queue names (`DAOJIA_AMQP_QUEUE_PREFIX`).
    pub queue_prefix: String,
    /// Messages each consumer may hold unacknowledged.
    pub prefetch: u16,
    /// The consumers fed from the broker instead of the database relay.
    pub consumers: Vec<String>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            amqp_url: None,
            exchange: "daojia.events".into(),
            queue_prefix: "daojia.".into(),
            prefetch: 16,
            consumers: vec![daojia_app::outbox::worker_sms::NAME.into()],
        }
    }
}

/// The consumers that can be fed from the broker.
pub const MOVABLE: &[&str] = &[daojia_app::outbox::worker_sms::NAME];

impl BrokerConfig {
    /// The back end's options, when a URL is configured.
    pub fn options(&self) -> Option<daojia_app::outbox::broker::BrokerOptions> {
        self.amqp_url
            .as_ref()
            .map(|url| daojia_app::outbox::broker::BrokerOptions {
                url: url.clone(),
                exchange: self.exchange.clone(),
                queue_prefix: self.queue_prefix.clone(),
                prefetch: self.prefetch,
            })
    }

    /// Whether consumer `name` is fed from the broker.
    pub fn feeds(&self, name: &str) -> bool {
        self.amqp_url.is_some() && self.consumers.iter().any(|c| c == name)
    }

    pub(super) fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("DAOJIA_AMQP_URL").or_else(|| get("AMQP_URL")) {
            self.amqp_url = Some(v);
        }
        if let Some(v) = get("DAOJIA_AMQP_EXCHANGE") {
            self.exchange = v;
        }
        if let Some(v) = get("DAOJIA_AMQP_QUEUE_PREFIX") {
            self.queue_prefix = v;
        }
    }

    /// The first problem, as (setting, what is expected).
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(url) = &self.amqp_url
            && !(url.starts_with("amqp://") || url.starts_with("amqps://"))
        {
            return Some((
                "broker.amqp_url",
                "expected amqp://user:password@host:5672/vhost (or amqps://)".into(),
            ));
        }
        let name_ok = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        };
        if !name_ok(&self.exchange, 200) {
            return Some((
                "broker.exchange",
                "1 to 200 letters, digits, `.`, `-`, `_` or `:` (e.g. daojia.events)".into(),
            ));
        }
        if !self.queue_prefix.is_empty() && !name_ok(&self.queue_prefix, 100) {
            return Some((
                "broker.queue_prefix",
                "at most 100 letters, digits, `.`, `-`, `_` or `:` (e.g. daojia.)".into(),
            ));
        }
        if self.prefetch == 0 {
            return Some(("broker.prefetch", "must be at least 1".into()));
        }
        if let Some(c) = self
            .consumers
            .iter()
            .find(|c| !MOVABLE.contains(&c.as_str()))
        {
            return Some((
                "broker.consumers",
                format!(
                    "`{c}` cannot be fed from the broker; known: {}",
                    MOVABLE.join(", ")
                ),
            ));
        }
        None
    }
}
