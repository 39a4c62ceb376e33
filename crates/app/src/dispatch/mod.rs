//! Automatic dispatch (自动派单): when an order is ready for a worker, rank the feasible
//! workers with the engine (`daojia_dispatch::matching`), store the decision with its
//! explanation, and offer the order to the best one with a deadline; a rejection or a
//! timeout offers it to the next; after [`DispatchSettings::max_offers`] offers, or when
//! nobody can take it, the order goes to the grab pool (抢单池) and/or the exceptions
//! queue.
//!
//! - [`load`]: the pool of worker snapshots and the order's request, from the store.
//! - [`auto`]: one dispatch step, the offer timer, the horizon timer and the start sweep.
//! - [`consumer`]: the outbox consumer that runs a step when an order event leaves the
//!   order waiting for a worker.
//! - [`answer`]: the worker's open offers, accept and reject.
//! - [`grab`]: the grab pool as a worker sees it, and claims (first valid claim wins).
//! - [`console`]: decisions and offers of an order for the console.

pub mod answer;
pub mod auto;
pub mod console;
pub mod consumer;
pub mod grab;
pub mod load;

use daojia_dispatch::matching::{Settings, Weights};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether orders of an area are dispatched automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Staff assign (the board, the order page, committed plans); nothing happens by itself.
    #[default]
    Manual,
    /// The engine offers each ready order to the best worker.
    Auto,
}

/// Which policy chooses the worker in automatic dispatch (`dispatch.policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyChoice {
    /// The engine: full feasibility of the worker's day (travel from the previous job and
    /// on to the next) and the weighted score with the insertion cost.
    #[default]
    Engine,
    /// The classic dispatcher's rule ([`daojia_dispatch::matching::NearestFree`]): the
    /// nearest qualified worker free by the booked times; a baseline to measure the
    /// engine against (the day simulator), not for production.
    Nearest,
}

impl PolicyChoice {
    /// The name stored with decisions and printed by the simulator.
    pub fn name(self) -> &'static str {
        match self {
            PolicyChoice::Engine => "engine",
            PolicyChoice::Nearest => "nearest",
        }
    }
}

/// One area's overrides (`[dispatch.areas.<area code>]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AreaDispatch {
    /// The area's mode (the global one when absent).
    pub mode: Option<Mode>,
    /// The area's score weights (`[dispatch.areas.<code>.weights]`; a weight left out
    /// takes the engine's default).
    pub weights: Option<Weights>,
}

/// Dispatch settings (`[dispatch]` in the server's configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchSettings {
    /// `manual` or `auto`; an area may override it. Unset: manual, except in the demo.
    pub mode: Option<Mode>,
    /// Who chooses the worker: `engine` (default) or `nearest` (the classic baseline).
    pub policy: PolicyChoice,
    /// How long a worker has to answer an offer, seconds (long enough for a text message
    /// to reach a locked phone).
    pub offer_timeout_secs: i64,
    /// Offers made for one order before it goes to the grab pool / exceptions queue.
    pub max_offers: u32,
    /// Orders whose window starts within this many hours are dispatched at once; later
    /// ones by a timer when they come within it.
    pub horizon_hours: i64,
    /// Whether an order nobody took goes to the grab pool.
    pub grab_pool: bool,
    /// Whether an order nobody took raises an alarm in the exceptions queue.
    pub exceptions: bool,
    /// How near a worker must be to see an order in the grab pool, km.
    pub grab_radius_km: f64,
    /// Per-area overrides, by area code.
    pub areas: BTreeMap<String, AreaDispatch>,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            mode: None,
            policy: PolicyChoice::Engine,
            offer_timeout_secs: 120,
            max_offers: 3,
            horizon_hours: 48,
            grab_pool: true,
            exceptions: true,
            grab_radius_km: 5.0,
            areas: BTreeMap::new(),
        }
    }
}

impl DispatchSettings {
    /// The mode of area `code`.
    pub fn mode_of(&self, code: &str) -> Mode {
        self.areas
            .get(code)
            .and_then(|a| a.mode)
            .or(self.mode)
            .unwrap_or_default()
    }

    /// Whether any area may be dispatched automatically.
    pub fn any_auto(&self) -> bool {
        self.mode == Some(Mode::Auto) || self.areas.values().any(|a| a.mode == Some(Mode::Auto))
    }

    /// The engine's settings for area `code`, with the booking reach `reach_m`.
    pub fn engine(&self, code: &str, reach_m: f64) -> Settings {
        let weights = self
            .areas
            .get(code)
            .and_then(|a| a.weights)
            .unwrap_or_default();
        Settings {
            weights,
            reach_m,
            grab_radius_m: self.grab_radius_km * 1000.0,
            ..Settings::default()
        }
    }

    /// Checks the values; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.offer_timeout_secs < 10 {
            return Err("dispatch.offer_timeout_secs: at least 10".into());
        }
        if self.max_offers == 0 {
            return Err("dispatch.max_offers: at least 1".into());
        }
        if self.horizon_hours < 1 {
            return Err("dispatch.horizon_hours: at least 1".into());
        }
        if !(self.grab_radius_km > 0.0 && self.grab_radius_km <= 100.0) {
            return Err("dispatch.grab_radius_km: between 0 and 100".into());
        }
        for (code, a) in &self.areas {
            if let Some(w) = a.weights {
                let all = [
                    w.travel,
                    w.insertion,
                    w.rating,
                    w.on_time,
                    w.load,
                    w.earnings,
                    w.credit,
                    w.preferred,
                    w.previous,
                ];
                if all.iter().any(|x| !x.is_finite() || *x < 0.0) {
                    return Err(format!(
                        "dispatch.areas.{code}.weights: every weight is a number ≥ 0"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The policy `choice` with the area's engine `settings`.
pub fn policy_of(
    choice: PolicyChoice,
    settings: Settings,
) -> Box<dyn daojia_dispatch::matching::Policy + Send + Sync> {
    match choice {
        PolicyChoice::Engine => Box::new(daojia_dispatch::matching::Engine { settings }),
        PolicyChoice::Nearest => Box::new(daojia_dispatch::matching::NearestFree { settings }),
    }
}
