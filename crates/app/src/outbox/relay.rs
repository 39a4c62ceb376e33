//! The relay: delivers outbox events to in-process consumers, in position order, after
//! they commit (woken by the use cases) and on a timer (events written by other nodes).
//!
//! - **Progress** per consumer in `outbox_consumer`, so a restart goes on where it stopped.
//! - **One deliverer per consumer.** A relay delivers to a consumer only while it holds the
//!   consumer's lease (taken with one conditional update, the same on SQLite, PostgreSQL
//!   and MariaDB) and records progress only while it still holds it; every node runs a
//!   relay and one of them delivers to each consumer.
//! - **Fast takeover.** The lease is short ([`RelayOptions::lease`], 5 s), so the consumers
//!   of a node that dies are taken over within seconds. A delivery that runs longer keeps
//!   its lease by renewing it every third of the lease while it runs; when it can no
//!   longer be sure of holding it (another relay has it, or no renewal got through before
//!   it would run out) the delivery is stopped, before the lease ends, so that two relays
//!   never hand events to one consumer at the same time. Consumers already take events at
//!   least once: what a stopped delivery did not record is delivered again.
//! - **Failures** are retried with back-off for that consumer alone; the others go on.
//! - **Holes.** Positions are handed out at insert, not at commit: an event may be visible
//!   while one with a lower position is still being written, and a rolled-back
//!   transition leaves a hole for ever. The relay stops before a hole until it has been
//!   open for [`RelayOptions::grace`] (longer than any transaction runs), then passes it.

use super::{Consumer, Event};
use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_store::repo::outbox;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::watch;
use tracing::Instrument;

/// How a relay runs.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// This relay's name in leases (unique per process).
    pub owner: String,
    /// How long a consumer's lease lasts without renewal: how soon another relay takes
    /// over from one that died. Nodes' clocks must agree to well within it.
    pub lease: Duration,
    /// Events read per consumer and round.
    pub batch: u64,
    /// How long a hole in the positions is waited for before it is passed over.
    pub grace: std::time::Duration,
    /// Pause between rounds when nothing woke the relay.
    pub poll: std::time::Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            owner: format!("relay-{}", uuid::Uuid::now_v7().simple()),
            lease: Duration::seconds(5),
            batch: 100,
            grace: std::time::Duration::from_secs(60),
            poll: std::time::Duration::from_secs(1),
        }
    }
}

/// Delivers outbox events to its consumers.
pub struct Relay {
    app: App,
    consumers: Vec<Arc<dyn Consumer>>,
    opts: RelayOptions,
    /// Per consumer: the first missing position and when this relay first saw it missing.
    holes: Mutex<HashMap<&'static str, (i64, Instant)>>,
}

impl Relay {
    /// A relay over `app`'s database with no consumers yet.
    pub fn new(app: App, opts: RelayOptions) -> Relay {
        Relay {
            app,
            consumers: vec![],
            opts,
            holes: Mutex::default(),
        }
    }

    /// Adds a consumer.
    pub fn with(mut self, consumer: Arc<dyn Consumer>) -> Relay {
        self.consumers.push(consumer);
        self
    }

    /// Registers the consumers in the database (a new one starts after the latest event).
    pub async fn register(&self, now: DateTime<Utc>) -> Result<()> {
        for c in &self.consumers {
            let from = c
                .start_after()
                .await
                .map_err(|e| crate::Error::Internal(format!("{}: {e}", c.name())))?;
            outbox::register_from(self.app.store.db(), c.name(), from, now).await?;
        }
        Ok(())
    }

    /// One round: delivers what it can to each consumer whose lease it holds or can take;
    /// returns how many events were handed to consumers.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut delivered = 0;
        // Consumers are served one after another: each lease is dated when it is taken,
        // not when the round began.
        let began = Instant::now();
        // Reads never make a SQLite writer wait or fail; a lease is a write, so it is
        // taken only for a consumer with something to deliver.
        let db = self.app.store.db();
        let last = outbox::last_position(db).await?;
        let progress = outbox::consumers(db).await?;
        for c in &self.consumers {
            let name = c.name();
            if progress
                .iter()
                .any(|p| p.name == name && p.position >= last)
            {
                continue;
            }
            delivered += self.deliver(c.as_ref(), now, began).await?;
        }
        Ok(delivered)
    }

    /// Takes the lease on `c` and delivers to it while keeping the lease. `now` is the
    /// round's time, read at `began`.
    async fn deliver(&self, c: &dyn Consumer, now: DateTime<Utc>, began: Instant) -> Result<usize> {
        let db = self.app.store.db();
        let name = c.name();
        let owner = self.opts.owner.as_str();
        let asked = Instant::now();
        let now = later(now, began, asked);
        let Some(progress) = outbox::claim(db, name, owner, self.opts.lease, now).await? else {
            return Ok(0);
        };
        if progress.retry_at.is_some_and(|t| t > now) {
            return Ok(0);
        }
        let delivery = async {
            if c.batches() {
                self.deliver_batch(c, progress, now).await
            } else {
                self.deliver_each(c, progress, now).await
            }
        };
        tokio::select! {
            biased;
            r = delivery => r,
            why = self.keep(name, now, asked) => {
                tracing::warn!(consumer = name, why, "outbox: delivery stopped, the lease may be lost; another relay goes on from the recorded position");
                Ok(0)
            }
        }
    }

    /// Renews the lease on consumer `name`, taken at `taken` (the round's `now` then),
    /// every third of the lease; returns (why) when the delivery must stop: another relay
    /// holds the lease, or no renewal got through and it is about to run out.
    async fn keep(&self, name: &'static str, now: DateTime<Utc>, taken: Instant) -> &'static str {
        let lease = self.opts.lease.to_std().unwrap_or_default();
        // Stop a sixth of the lease before it ends by this node's clock: other nodes read
        // it by theirs.
        let margin = lease / 6;
        let mut valid_until = taken + lease;
        loop {
            let next = (Instant::now() + lease / 3).min(valid_until - margin);
            tokio::time::sleep_until(next.into()).await;
            let asked = Instant::now();
            if asked + margin >= valid_until {
                return "the lease could not be renewed in time";
            }
            let until = later(now, taken, asked) + self.opts.lease;
            match outbox::renew(self.app.store.db(), name, &self.opts.owner, until).await {
                Ok(true) => valid_until = asked + lease,
                Ok(false) => return "another relay holds the lease",
                Err(e) => {
                    tracing::warn!(consumer = name, error = %e, "outbox: cannot renew the lease");
                }
            }
        }
    }

    /// Hands the events after `progress` to `c` one at a time, recording each.
    async fn deliver_each(
        &self,
        c: &dyn Consumer,
        progress: daojia_store::entity::outbox_consumer::Model,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let db = self.app.store.db();
        let (name, owner) = (c.name(), self.opts.owner.as_str());
        let mut handed = 0;
        // `done`: everything up to here is handled or not wanted; `recorded`: in the database.
        let (mut done, mut recorded) = (progress.position, progress.position);
        for row in outbox::after(db, progress.position, self.opts.batch).await? {
            if row.position != done + 1 && !self.hole_passed(name, done + 1) {
                break;
            }
            let event = Event::from_row(row);
            if c.wants(&event.topic) {
                handed += 1;
                let span = tracing::info_span!(
                    "outbox.deliver",
                    consumer = name,
                    topic = %event.topic,
                    event = %event.id,
                );
                if let Err(e) = c.handle(&event).instrument(span).await {
                    if done > recorded {
                        outbox::advance(db, name, owner, done, now).await?;
                    }
                    self.failed(c, &progress, &event, &e, now).await?;
                    return Ok(handed);
                }
                if !outbox::advance(db, name, owner, event.position, now).await? {
                    // Another relay took the consumer over; it goes on from its record.
                    return Ok(handed);
                }
                recorded = event.position;
            }
            done = event.position;
        }
        if done > recorded {
            outbox::advance(db, name, owner, done, now).await?;
        }
        Ok(handed)
    }

    /// [`Relay::deliver_each`] for a consumer that takes events in batches: the events after its
    /// position (up to a hole) in one call, its position recorded once after it (or up to
    /// the first event it could not handle).
    async fn deliver_batch(
        &self,
        c: &dyn Consumer,
        progress: daojia_store::entity::outbox_consumer::Model,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let db = self.app.store.db();
        let (name, owner) = (c.name(), self.opts.owner.as_str());
        let (mut events, mut done) = (vec![], progress.position);
        for row in outbox::after(db, progress.position, self.opts.batch).await? {
            if row.position != done + 1 && !self.hole_passed(name, done + 1) {
                break;
            }
            done = row.position;
            let event = Event::from_row(row);
            if c.wants(&event.topic) {
                events.push(event);
            }
        }
        let span = tracing::info_span!("outbox.deliver", consumer = name, events = events.len());
        match c.handle_batch(&events).instrument(span).await {
            Ok(()) if done > progress.position => {
                outbox::advance(db, name, owner, done, now).await?;
            }
            Ok(()) => {}
            Err((handled, e)) => {
                let failed = &events[handled.min(events.len().saturating_sub(1))];
                if failed.position - 1 > progress.position {
                    outbox::advance(db, name, owner, failed.position - 1, now).await?;
                }
                self.failed(c, &progress, failed, &e, now).await?;
            }
        }
        Ok(events.len())
    }

    /// Records a failed attempt at `event` and when to try again: back-off doubling from 1
    /// s up to the consumer's cap.
    async fn failed(
        &self,
        c: &dyn Consumer,
        progress: &daojia_store::entity::outbox_consumer::Model,
        event: &Event,
        e: &super::HandleError,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let attempts = progress.attempts.clamp(0, 8) as u32;
        let cap = c.retry_cap().as_secs().max(1) as i64;
        let backoff = Duration::seconds(2i64.pow(attempts).min(cap));
        tracing::warn!(consumer = c.name(), event = %event.id, topic = %event.topic, error = %e, attempt = attempts + 1, "outbox consumer failed; retrying later");
        let db = self.app.store.db();
        outbox::failed(
            db,
            c.name(),
            &self.opts.owner,
            &e.to_string(),
            now + backoff,
            now,
        )
        .await?;
        Ok(())
    }

    /// Whether the hole starting at `missing` has been open long enough to pass.
    fn hole_passed(&self, consumer: &'static str, missing: i64) -> bool {
        let mut holes = self.holes.lock().unwrap_or_else(|p| p.into_inner());
        match holes.get(consumer) {
            Some((m, since)) if *m == missing => {
                if since.elapsed() >= self.opts.grace {
                    holes.remove(consumer);
                    tracing::info!(
                        consumer,
                        position = missing,
                        "outbox: passing a hole (a transaction that rolled back)"
                    );
                    true
                } else {
                    false
                }
            }
            _ => {
                holes.insert(consumer, (missing, Instant::now()));
                self.opts.grace.is_zero()
            }
        }
    }

    /// Gives every lease back (on shutdown), so another node takes over at once.
    pub async fn release(&self) {
        for c in &self.consumers {
            if let Err(e) = outbox::release(self.app.store.db(), c.name(), &self.opts.owner).await {
                tracing::warn!(consumer = c.name(), error = %e, "cannot release the outbox lease");
            }
        }
    }

    /// Runs rounds until `stop` turns true: after every commit that wrote events (in this
    /// process) and at least every [`RelayOptions::poll`].
    pub async fn run(
        self,
        clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
        mut stop: watch::Receiver<bool>,
    ) {
        let woken = self.app.outbox_written.clone();
        let mut registered = false;
        loop {
            if !registered {
                match self.register(clock()).await {
                    Ok(()) => registered = true,
                    Err(e) => tracing::warn!(error = %e, "cannot register outbox consumers"),
                }
            }
            let handed = if registered {
                match self.tick(clock()).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox relay: database unavailable");
                        0
                    }
                }
            } else {
                0
            };
            if handed == 0 {
                tokio::select! {
                    _ = woken.notified() => {}
                    _ = tokio::time::sleep(self.opts.poll) => {}
                    _ = stop.changed() => {}
                }
            }
            if *stop.borrow() {
                break;
            }
        }
        self.release().await;
    }
}

/// The time `at`, on the clock that read `now` at `then`.
fn later(now: DateTime<Utc>, then: Instant, at: Instant) -> DateTime<Utc> {
    now + Duration::from_std(at.saturating_duration_since(then)).unwrap_or_default()
}
