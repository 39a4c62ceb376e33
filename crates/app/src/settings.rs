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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            reach_m: 15_000.0,
            demo_autopay: false,
            dispatch: Default::default(),
        }
    }
}
