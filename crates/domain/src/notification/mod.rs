//! Notifications (消息通知): what a person is told about, by which channels, and when. Pure
//! rules over plain data: the kinds and their channels, a recipient's preferences (opt-outs
//! per kind and channel, quiet hours), the delivery plan they make, and the back-off
//! between attempts. The application layer (`daojia_app::notifications`) stores and sends.

pub mod template;

use chrono::{Duration, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::str::FromStr;

/// Who a notification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// A customer (H5 app).
    Customer,
    /// A worker (PWA).
    Worker,
}

impl Audience {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Customer => "customer",
            Audience::Worker => "worker",
        }
    }
}

impl FromStr for Audience {
    type Err = Unknown;
    fn from_str(s: &str) -> Result<Self, Unknown> {
        match s {
            "customer" => Ok(Audience::Customer),
            "worker" => Ok(Audience::Worker),
            _ => Err(Unknown(s.into())),
        }
    }
}

/// A name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name `{0}`")]
pub struct Unknown(pub String);

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $aud:ident;)*) => {
        /// What happened, as the recipient is told (one template each).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind { $($(#[$doc])* $variant),* }

        impl Kind {
            /// Every kind, in a stable order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The stored name (`departed`).
            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            /// Who receives this kind.
            pub fn audience(self) -> Audience {
                match self { $(Kind::$variant => Audience::$aud),* }
            }
        }

        impl FromStr for Kind {
            type Err = Unknown;
            fn from_str(s: &str) -> Result<Self, Unknown> {
                match s { $($name => Ok(Kind::$variant),)* _ => Err(Unknown(s.into())) }
            }
        }
    };
}

kinds! {
    /// An order offered to the worker (派单邀请), or given to them.
    Offer = "offer", Worker;
    /// A worker took the customer's order.
    Accepted = "accepted", Customer;
    /// The worker set off, with an ETA.
    Departed = "departed", Customer;
    /// The worker checked in at the door.
    Arrived = "arrived", Customer;
    /// The service is done and the order completed.
    Completed = "completed", Customer;
    /// Money is owed: the order waits for payment.
    PaymentDue = "payment_due", Customer;
    /// Money goes back to the customer.
    Refund = "refund", Customer;
    /// Asks the customer to review a completed order.
    ReviewRequest = "review_request", Customer;
    /// The customer's visit is tomorrow.
    VisitTomorrow = "visit_tomorrow", Customer;
    /// A visit starts soon (the customer's, or the worker's next job).
    StartingSoon = "starting_soon", Customer;
    /// The worker's next job starts soon.
    JobSoon = "job_soon", Worker;
}

/// How a notification reaches the recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The app's message list (消息中心): always written, whatever the preferences.
    Inbox,
    /// A text message to the phone.
    Sms,
    /// A push to the recipient's browsers and app installs (Web Push, JPush, Getui).
    Push,
}

impl Channel {
    /// Every channel.
    pub const ALL: &'static [Channel] = &[Channel::Inbox, Channel::Sms, Channel::Push];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => "inbox",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    /// Whether quiet hours hold it back (the inbox is silent; SMS and push are not).
    pub fn is_loud(self) -> bool {
        !matches!(self, Channel::Inbox)
    }
}

impl FromStr for Channel {
    type Err = Unknown;
    fn from_str(s: &str) -> Result<Self, Unknown> {
        match s {
            "inbox" => Ok(Channel::Inbox),
            "sms" => Ok(Channel::Sms),
            "push" => Ok(Channel::Push),
            _ => Err(Unknown(s.into())),
        }
    }
}

/// The platform's notification settings (`[notifications]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyRules {
    /// The kinds that also go by text message (default: departed, arrived, payment_due).
    /// A text costs money and the worker's offer already has its own; push covers the rest.
    pub sms_kinds: Vec<Kind>,
    /// Whether push is sent at all (default true; a node without push channels skips it).
    pub push: bool,
    /// Attempts per channel before a delivery is given up (default 6).
    pub max_attempts: u32,
    /// The first retry's delay in seconds; each next one doubles (default 30).
    pub backoff_secs: u32,
    /// The longest delay between attempts in seconds (default 3600).
    pub backoff_cap_secs: u32,
    /// Local hour from which the customer is reminded of tomorrow's visit (default 19).
    pub tomorrow_hour: u32,
    /// Minutes before the window opens when "starting soon" is sent (default 120).
    pub soon_minutes: u32,
}

impl Default for NotifyRules {
    fn default() -> Self {
        NotifyRules {
            sms_kinds: vec![Kind::Departed, Kind::Arrived, Kind::PaymentDue],
            push: true,
            max_attempts: 6,
            backoff_secs: 30,
            backoff_cap_secs: 3600,
            tomorrow_hour: 19,
            soon_minutes: 120,
        }
    }
}

impl NotifyRules {
    /// Refuses values out of range, naming the setting.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(1..=20).contains(&self.max_attempts) {
            return Err(("max_attempts", "expected 1 to 20"));
        }
        if self.backoff_secs == 0 || self.backoff_secs > 86_400 {
            return Err(("backoff_secs", "expected 1 to 86400 seconds"));
        }
        if self.backoff_cap_secs < self.backoff_secs || self.backoff_cap_secs > 86_400 {
            return Err(("backoff_cap_secs", "expected backoff_secs to 86400 seconds"));
        }
        if self.tomorrow_hour > 23 {
            return Err(("tomorrow_hour", "expected an hour, 0 to 23"));
        }
        if !(5..=24 * 60).contains(&self.soon_minutes) {
            return Err(("soon_minutes", "expected 5 to 1440 minutes"));
        }
        Ok(())
    }

    /// The channels a notification of `kind` may go by, before the recipient's preferences.
    pub fn channels(&self, kind: Kind) -> Vec<Channel> {
        let mut c = vec![Channel::Inbox];
        if self.sms_kinds.contains(&kind) {
            c.push(Channel::Sms);
        }
        if self.push {
            c.push(Channel::Push);
        }
        c
    }

    /// How long to wait after failed attempt number `attempt` (1-based): `backoff_secs`
    /// doubled for each attempt before, capped at `backoff_cap_secs`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(30);
        let secs = u64::from(self.backoff_secs).saturating_mul(1u64 << shift);
        Duration::seconds(secs.min(u64::from(self.backoff_cap_secs)) as i64)
    }
}

/// Quiet hours (免打扰) in the recipient's local time: from `start` up to `end`, across
/// midnight when `end` is earlier than `start`. Equal times mean none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// When they begin (local).
    pub start: NaiveTime,
    /// When they end (local).
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether local time `t` is inside them.
    pub fn contains(&self, t: NaiveTime) -> bool {
        let t = t.with_nanosecond(0).unwrap_or(t);
        if self.start == self.end {
            false
        } else if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// When a loud message written at local `now` may go: `now` outside quiet hours, else
    /// the moment they end.
    pub fn release(&self, now: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(now.time()) {
            return now;
        }
        let end_today = now.date().and_time(self.end);
        if end_today > now {
            end_today
        } else {
            end_today + Duration::days(1)
        }
    }
}

/// A recipient's preferences. The default: everything on, no quiet hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// (kind, channel) pairs the recipient turned off. The inbox cannot be turned off.
    pub off: BTreeSet<(Kind, Channel)>,
    /// Quiet hours, local.
    pub quiet: Option<QuietHours>,
}

/// Why a preference change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceError {
    /// The inbox keeps every notification; it cannot be turned off.
    #[error("the inbox cannot be turned off")]
    InboxAlwaysOn,
    /// A kind of the other audience.
    #[error("`{0}` is not a notification for this account")]
    OtherAudience(&'static str),
}

impl Preferences {
    /// Checks an opt-out list for `audience`.
    pub fn check(&self, audience: Audience) -> Result<(), PreferenceError> {
        for (k, c) in &self.off {
            if *c == Channel::Inbox {
                return Err(PreferenceError::InboxAlwaysOn);
            }
            if k.audience() != audience {
                return Err(PreferenceError::OtherAudience(k.as_str()));
            }
        }
        Ok(())
    }

    /// Whether `kind` may go by `channel` (the inbox always may).
    pub fn allows(&self, kind: Kind, channel: Channel) -> bool {
        channel == Channel::Inbox || !self.off.contains(&(kind, channel))
    }
}

/// One channel of a notification and what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send at this local time (now, or when quiet hours end).
    Send(NaiveDateTime),
    /// Recorded, not sent: the recipient turned this kind off on this channel.
    OptedOut,
}

/// The delivery plan of a notification of `kind` written at local time `now`: each channel
/// the rules allow, sent now or after the recipient's quiet hours, or skipped when the
/// recipient opted out of it.
pub fn plan(
    rules: &NotifyRules,
    prefs: &Preferences,
    kind: Kind,
    now: NaiveDateTime,
) -> Vec<(Channel, Step)> {
    rules
        .channels(kind)
        .into_iter()
        .map(|c| {
            let step = if !prefs.allows(kind, c) {
                Step::OptedOut
            } else if c.is_loud() {
                Step::Send(prefs.quiet.map_or(now, |q| q.release(now)))
            } else {
                Step::Send(now)
            };
            (c, step)
        })
        .collect()
}

#[cfg(test)]
mod tests;
