//! Settings the use cases read, as plain values: the server fills them from its
//! configuration, tests and the simulator set them directly.

/// The use cases' settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How far from home a worker is sent, metres (straight line).
    pub reach_m: f64,
    /// Whether a new order is marked paid on placement (the demo, never a real business).
    pub demo_autopay: bool,
    /// Automatic dispatch.
    pub dispatch: crate::dispatch::DispatchSettings,
    /// The visit at the door: the check-in fence and the door check code.
    pub visit: VisitSettings,
    /// Reviews: windows, lengths, the rating's prior.
    pub reviews: daojia_domain::review::ReviewRules,
    /// Location tracks: batches, plausibility, downsampling, retention.
    pub tracks: daojia_domain::track::TrackRules,
    /// Finance: the dispute window, withdrawal limits and fee.
    pub finance: crate::finance::FinanceSettings,
    /// The wallet's top-up limits.
    pub wallet: daojia_domain::wallet::Limits,
    /// Worker deposits: the tiers, the hold before a refund, the lodging limits.
    pub deposit: daojia_domain::deposit::DepositRules,
    /// Notifications: which kinds go by SMS, push on or off, retries, reminders.
    pub notifications: daojia_domain::notification::NotifyRules,
    /// The job card: who the map apps' links name as the caller, how long a privacy
    /// number stays bound.
    pub job_card: JobCardSettings,
    /// How old a node's copy of a day may be and still refuse a placement on the way in
    /// (zero: every attempt reads the day; [`daojia_store::repo::recent_days`]).
    pub recent_day: std::time::Duration,
}

/// The worker's job card (issue 11): navigation links and calls to the customer.
#[derive(Debug, Clone)]
pub struct JobCardSettings {
    /// The app's name (and Tencent's key) in the map apps' links.
    pub navigation: daojia_domain::navigation::Caller,
    /// Minutes a number bound for a call stays valid.
    pub call_ttl_min: u32,
}

impl Default for JobCardSettings {
    fn default() -> Self {
        JobCardSettings {
            navigation: Default::default(),
            call_ttl_min: 30,
        }
    }
}

/// The visit's rules (issue 11): where and when a check-in needs no reason, and how door
/// check codes are made and how many entries each allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct VisitSettings {
    /// The check-in fence.
    pub check_in: daojia_domain::visit::CheckInRules,
    /// The door check code.
    pub door: daojia_domain::visit::door::DoorRules,
    /// How far the device's time of a step sent later (offline) may be from the server's.
    pub device_time: daojia_domain::visit::device_time::DeviceTimeRules,
    /// Finishing the service needs a complete service record (every checklist step
    /// ticked, an after photo) when an item of the order has a checklist.
    pub require_record: bool,
    /// When a worker at the door may declare the customer not home, and the calls needed.
    pub no_show: daojia_domain::visit::no_show::NoShowRules,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            reach_m: 15_000.0,
            demo_autopay: false,
            dispatch: Default::default(),
            visit: Default::default(),
            reviews: Default::default(),
            tracks: Default::default(),
            finance: Default::default(),
            wallet: Default::default(),
            deposit: Default::default(),
            notifications: Default::default(),
            job_card: Default::default(),
            recent_day: daojia_store::repo::recent_days::LIFETIME,
        }
    }
}
