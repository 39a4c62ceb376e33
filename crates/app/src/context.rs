//! What every use case may reach: the store, the providers it needs and the settings the
//! server fills from its configuration. Cheap to clone; the server, the job runner, the CLI
//! and the simulator each build one.

use daojia_domain::travel::TravelTime;
use daojia_store::Store;
use std::sync::Arc;

/// The application's dependencies.
#[derive(Clone)]
pub struct App {
    /// Database and vault.
    pub store: Store,
    /// Travel times for slots, dispatch and planning.
    pub travel: Arc<dyn TravelTime>,
    /// Settings of the use cases.
    pub settings: crate::settings::Settings,
    /// Wakes the outbox relay after a commit that wrote events.
    pub outbox_written: Arc<tokio::sync::Notify>,
    /// Live worker positions (in process or Redis), when the node keeps them; dispatch
    /// falls back to the last job's place and the home base.
    pub positions: Option<daojia_shared::WorkerPositions>,
    /// Slow statistics kept for a while by this node (see [`Memo`]).
    pub(crate) memo: Arc<Memo>,
    /// Day plans built for slot search and bookings, used again while their inputs are
    /// unchanged ([`daojia_store::repo::slots::DayPlans`]).
    pub day_plans: Arc<daojia_store::repo::slots::DayPlans>,
    /// Recent plans of days, answering placements refused on the way in
    /// ([`daojia_store::repo::recent_days`]).
    pub recent_days: Arc<daojia_store::repo::recent_days::RecentDays>,
    /// The payment channels, when online payment is configured.
    pub payments: Option<Arc<crate::payments::Payments>>,
    /// WeChat Pay's transfers to a balance, when configured: workers' withdrawals to
    /// WeChat ([`crate::finance::transfers`]).
    pub transfers: Option<Arc<crate::finance::transfers::Transfers>>,
    /// This node's cached copy of the public catalog ([`crate::catalog::public`]).
    pub public_catalog: Arc<crate::catalog::public::Cache>,
    /// The configured push channels (Web Push, JPush, Getui; none by default).
    pub push: Arc<crate::push::PushChannels>,
    /// The privacy-number provider the worker calls the customer through
    /// ([`crate::visits::calls`]; by default the log provider, which bridges nothing).
    pub privacy_numbers: Arc<dyn crate::visits::calls::PrivacyNumbers>,
}

/// Statistics that change slowly and are costly to compute, kept by one node for a short
/// time instead of being computed for every decision. Not a source of truth: a node that
/// starts, or whose copy is older than its lifetime, computes them again from the store.
#[derive(Default)]
pub(crate) struct Memo {
    /// Workers' on-time rates over the last 90 days, with the time they were computed at.
    pub on_time: std::sync::Mutex<Option<(chrono::DateTime<chrono::Utc>, Rates)>>,
}

/// A rate per worker.
pub(crate) type Rates = Arc<std::collections::HashMap<uuid::Uuid, f64>>;

impl App {
    /// An application over `store` with `travel` times and default settings.
    pub fn new(store: Store, travel: Arc<dyn TravelTime>) -> App {
        App {
            store,
            travel,
            settings: Default::default(),
            outbox_written: Default::default(),
            positions: None,
            memo: Default::default(),
            day_plans: Default::default(),
            recent_days: Default::default(),
            payments: None,
            transfers: None,
            public_catalog: Arc::new(crate::catalog::public::cache(
                crate::catalog::public::DEFAULT_TTL,
            )),
            push: Default::default(),
            privacy_numbers: Arc::new(crate::visits::calls::LogNumbers),
        }
    }

    /// The same application with `settings`.
    pub fn with_settings(mut self, settings: crate::settings::Settings) -> App {
        self.settings = settings;
        self
    }

    /// The same application reading and feeding `positions` (the node's shared worker
    /// positions).
    pub fn with_positions(mut self, positions: daojia_shared::WorkerPositions) -> App {
        self.positions = Some(positions);
        self
    }

    /// The same application pushing through `push`.
    pub fn with_push(mut self, push: Arc<crate::push::PushChannels>) -> App {
        self.push = push;
        self
    }

    /// The same application calling customers through `numbers`.
    pub fn with_privacy_numbers(
        mut self,
        numbers: Arc<dyn crate::visits::calls::PrivacyNumbers>,
    ) -> App {
        self.privacy_numbers = numbers;
        self
    }

    /// The same application taking online payments through `payments`.
    pub fn with_payments(mut self, payments: Arc<crate::payments::Payments>) -> App {
        self.payments = Some(payments);
        self
    }

    /// The same application paying withdrawals out to WeChat through `transfers`.
    pub fn with_transfers(mut self, transfers: Arc<crate::finance::transfers::Transfers>) -> App {
        self.transfers = Some(transfers);
        self
    }

    /// The same application reading the public catalog through `cache` (the server's,
    /// with its lifetime and the hub that tells the other nodes of changes).
    pub fn with_public_catalog(mut self, cache: Arc<crate::catalog::public::Cache>) -> App {
        self.public_catalog = cache;
        self
    }

    /// Tells the relay that a committed transaction wrote outbox events (it also polls, so a
    /// missed call only delays delivery).
    pub fn wake_relay(&self) {
        // A committed write may have freed room in a day: no refusal from an older copy.
        self.recent_days.forget_all();
        self.outbox_written.notify_one();
    }
}
