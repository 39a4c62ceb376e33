//! What every use case may reach: the store and the providers it needs. Cheap to clone;
//! the server, the job runner, the CLI and the simulator each build one.

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
}

impl App {
    /// An application over `store` with `travel` times.
    pub fn new(store: Store, travel: Arc<dyn TravelTime>) -> App {
        App { store, travel }
    }
}
