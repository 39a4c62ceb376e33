//! The demo city of seed 8 with automatic dispatch, for the tests of offers and visits:
//! every active worker online and taking orders, the outbox relay registered (tests drive
//! it tick by tick), and the demo's sample customer logged in with their first address.

use super::{DemoCustomer, TestApp, test_config};
use daojia_app::dispatch::Mode;
use daojia_app::outbox::relay::Relay;
use daojia_server::config::Config;
use daojia_store::entity::worker;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The city and who books in it.
pub struct City {
    /// The server.
    pub app: TestApp,
    /// The outbox relay, ticked by the test.
    pub relay: Relay,
    /// The sample customer's access token.
    pub customer: String,
    /// Their id.
    pub customer_id: Uuid,
    /// Their first address.
    pub address: Uuid,
    /// The demo's seed.
    pub seed: u64,
}

/// Automatic dispatch offering each order to at most `max_offers` workers for two minutes
/// each before the grab pool (any worker within 50 km).
pub fn auto_config(max_offers: u32) -> Config {
    let mut cfg = test_config();
    cfg.dispatch.mode = Some(Mode::Auto);
    cfg.dispatch.max_offers = max_offers;
    cfg.dispatch.offer_timeout_secs = 120;
    cfg.dispatch.grab_radius_km = 50.0;
    cfg
}

/// The city on `backend` with [`auto_config`].
pub async fn auto_city(backend: daojia_store::testing::Backend, max_offers: u32) -> City {
    let app = TestApp::with_config(backend, auto_config(max_offers)).await;
    let relay = daojia_server::relay(&app.state);
    relay.register(app.state.now()).await.unwrap();
    let DemoCustomer {
        loaded,
        token: customer,
        id: customer_id,
        address,
        ..
    } = app.demo_customer(8).await;
    // Everyone active is online and taking orders.
    worker::Entity::update_many()
        .col_expr(worker::Column::Online, Expr::value(true))
        .col_expr(worker::Column::Accepting, Expr::value(true))
        .filter(worker::Column::Status.eq("active"))
        .exec(app.state.store.db())
        .await
        .unwrap();
    daojia_store::repo::versions::bump(app.state.store.db(), daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    City {
        app,
        relay,
        customer,
        customer_id,
        address,
        seed: loaded.seed,
    }
}
