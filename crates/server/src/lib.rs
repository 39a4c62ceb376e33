//! The Daojia HTTP application: API, auth, web apps, operator endpoints.
//!
//! [`build`] opens the store and assembles the state; [`app`] is the router (tests drive it
//! in process); [`serve`] listens until a shutdown signal.

pub mod api;
pub mod codes;
pub mod config;
pub mod demo;
pub mod files;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod ops;
pub mod password;
pub mod pay;
pub mod privacy;
pub mod ratelimit;
pub mod realtime;
pub mod state;
pub mod token;
pub mod web;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get};
use base64::Engine;
use config::Config;
use daojia_notify::sms::SmsProvider;
use daojia_store::pii::{DataKey, Vault};
use daojia_store::{PoolOptions, Store};
use metrics_exporter_prometheus::PrometheusHandle;
use state::{AppState, Clock, Inner};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

/// Builds the vault from configuration.
pub fn vault(cfg: &Config) -> anyhow::Result<Vault> {
    let keys = cfg
        .pii
        .keys
        .iter()
        .map(|k| DataKey::parse(k))
        .collect::<Result<Vec<_>, _>>()
        .context("pii.keys")?;
    Vault::new(keys, cfg.pii.index_key.as_deref().unwrap_or_default()).context("pii.index_key")
}

/// Opens the store (without migrating).
pub async fn open_store(cfg: &Config) -> anyhow::Result<Store> {
    let pool = PoolOptions {
        max_connections: cfg.database.max_connections,
        ping_idle_after: match cfg.database.ping_idle_after_secs {
            0 => None,
            s => Some(std::time::Duration::from_secs(s)),
        },
        hold_per_request: cfg.database.hold_per_request,
        ..PoolOptions::default()
    };
    Ok(Store::open(&cfg.database.url, vault(cfg)?, &pool).await?)
}

/// Options for [`build`] that tests and the demo change.
pub struct BuildOptions {
    /// Serving the demo city.
    pub demo: bool,
    /// Prometheus handle, when a recorder is installed.
    pub metrics: Option<PrometheusHandle>,
    /// The clock (system time unless a test moves it).
    pub clock: Clock,
    /// SMS provider (from configuration unless a test substitutes one).
    pub sms: Option<Arc<dyn SmsProvider>>,
    /// Geocoding provider (from configuration unless a test substitutes one).
    pub geocoder: Option<Arc<dyn daojia_geocode::Geocoder>>,
    /// Shared state from [`connect_shared`]; required when `redis.url` is set, otherwise
    /// kept in this process.
    pub shared: Option<daojia_shared::Shared>,
    /// Source of log-in codes (a CSPRNG unless a test injects known codes).
    pub codes: Option<Arc<dyn codes::CodeSource>>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            demo: false,
            metrics: None,
            clock: Arc::new(chrono::Utc::now),
            sms: None,
            geocoder: None,
            shared: None,
            codes: None,
        }
    }
}

/// The shared state `config` asks for: in Redis when `redis.url` is set (failing when it
/// does not answer now), in this process otherwise.
pub async fn connect_shared(config: &Config) -> anyhow::Result<daojia_shared::Shared> {
    match &config.redis.url {
        None => Ok(daojia_shared::Shared::in_process(Default::default())),
        Some(url) => daojia_shared::Shared::redis(url, &config.redis.prefix, Default::default())
            .await
            .with_context(|| {
                format!(
                    "redis.url: cannot use Redis at {}; start it, fix the URL, or unset REDIS_URL to keep state in this process",
                    daojia_store::redact_url(url)
                )
            }),
    }
}

/// The access-token signer under `auth.token_secret`: the one the nodes verify with, also
/// used by `daojia admin bench-tokens` to mint sessions for load tests.
pub fn token_signer(config: &Config) -> anyhow::Result<token::TokenSigner> {
    let secret = config
        .auth
        .token_secret
        .as_deref()
        .context("auth.token_secret is not set")?;
    let key = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(secret.trim().trim_end_matches('='))
        .context("auth.token_secret is not base64")?;
    Ok(token::TokenSigner::new(key))
}

/// Assembles the state over an opened store.
pub fn build(config: Config, store: Store, opts: BuildOptions) -> anyhow::Result<AppState> {
    let tokens = token_signer(&config)?;
    let sms: Arc<dyn SmsProvider> = match opts.sms {
        Some(s) => s,
        None => state::sms(&config)?,
    };
    let geocoder = match opts.geocoder {
        Some(g) => g,
        None => state::geocoder(&config)?,
    };
    let shared = match opts.shared {
        Some(s) => s,
        None if config.redis.url.is_none() => daojia_shared::Shared::in_process(Default::default()),
        None => anyhow::bail!(
            "redis.url is set: connect with `connect_shared` and pass the state in BuildOptions::shared"
        ),
    };
    let trusted_proxies = http::client_ip::TrustedProxies::parse(&config.auth.trusted_proxies)
        .context("auth.trusted_proxies")?;
    let travel: Arc<dyn daojia_domain::travel::TravelTime> = Arc::new(config.travel.clone());
    let pay::Wired {
        payments,
        sim: paysim,
        transfers,
    } = pay::from_config(&config.pay, &config.server.addr).context("pay")?;
    let public_catalog = daojia_app::catalog::public::cache(std::time::Duration::from_millis(
        config.cache.public_ttl_ms,
    ))
    .over(shared.hub().clone());
    let push = Arc::new(
        config
            .push
            .channels(config.auth.token_secret.as_deref())
            .context("push")?,
    );
    let notify = state::notify_channels(sms.clone(), &push, &store);
    let files = files::from_config(&config).context("storage")?;
    let mut app = daojia_app::App::new(store.clone(), travel.clone())
        .with_push(push)
        .with_positions(shared.positions().clone())
        .with_public_catalog(Arc::new(public_catalog))
        .with_settings(daojia_app::settings::Settings {
            reach_m: config.booking.reach_km * 1000.0,
            demo_autopay: config.booking.demo_autopay.unwrap_or(opts.demo),
            dispatch: {
                // The demo's city dispatches itself unless the configuration says otherwise.
                let mut d = config.dispatch.clone();
                if opts.demo && d.mode.is_none() {
                    d.mode = Some(daojia_app::dispatch::Mode::Auto);
                }
                d
            },
            visit: daojia_app::settings::VisitSettings {
                check_in: config.visit.check_in,
                door: config.visit.door,
                device_time: config.visit.device_time,
                require_record: config.visit.record.require_complete,
                no_show: config.visit.no_show,
            },
            reviews: config.reviews,
            tracks: config.tracks,
            finance: config.finance.settings(),
            wallet: config.wallet.limits(),
            deposit: {
                // The demo's city gates orders by its own tiers unless the configuration
                // names some.
                let mut d = config.deposit.clone();
                if opts.demo && d.tiers.is_empty() {
                    d.tiers = daojia_app::deposits::demo::tiers().tiers;
                }
                d
            },
            notifications: config.notifications.clone(),
            job_card: daojia_app::settings::JobCardSettings {
                navigation: config.visit.navigation.caller(),
                call_ttl_min: config.visit.calls.ttl_min,
            },
            recent_day: std::time::Duration::from_millis(config.booking.recent_day_ms),
        })
        .with_privacy_numbers(match config.visit.calls.provider {
            config::PrivacyNumberKind::Log => Arc::new(daojia_app::visits::calls::LogNumbers),
        });
    Ok(AppState(Arc::new(Inner {
        draining: std::sync::atomic::AtomicBool::new(false),
        sessions: Default::default(),
        geocoder,
        shared,
        limits: ratelimit::Limits::from_config(&config),
        trusted_proxies,
        notify,
        store,
        sms,
        codes: opts.codes.unwrap_or_else(|| Arc::new(codes::RandomCodes)),
        tokens,
        clock: opts.clock,
        metrics: opts.metrics,
        demo: opts.demo,
        travel,
        plans: Arc::new(daojia_app::planning::Solver::default()),
        paysim,
        app: {
            if let Some(p) = payments {
                app = app.with_payments(p);
            }
            if let Some(t) = transfers {
                app = app.with_transfers(t);
            }
            app
        },
        files,
        config,
    })))
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let v1 = api::routes(&state).fallback(http::api_not_found);
    let router = Router::new()
        .nest("/api/v1", v1)
        .route("/api/openapi.json", get(ops::openapi))
        .route("/api/docs", get(web::serve))
        .route("/api/docs/", get(web::serve))
        .route("/api/docs/{*rest}", get(web::serve))
        .route("/api/{*rest}", any(http::api_not_found))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics));
    let router = match &state.paysim {
        Some(sim) => router.nest_service("/paysim", pay::routes(sim.clone())),
        None => router,
    };
    router
        .fallback(web::serve)
        .layer(from_fn_with_state(
            state.clone(),
            http::etag::catalog_writes,
        ))
        .layer(DefaultBodyLimit::max(state.config.server.body_limit_bytes))
        .layer(from_fn_with_state(state.clone(), http::timeout))
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(from_fn(http::problem_bodies))
        .layer(from_fn(http::security_headers))
        .layer(CompressionLayer::new())
        .layer(from_fn(http::request_context))
        .with_state(state)
}

/// Serves `app` on `addr` until SIGINT or SIGTERM, then drains in-flight requests.
pub async fn serve(state: AppState, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(%addr, "listening");
    let router = app(state.clone());
    // Catalog writes on the other nodes drop this node's copy of the public catalog.
    let _follow = state.app.public_catalog.follow();
    // Plans that were solving on a node that stopped (this one, before a restart) are
    // marked interrupted rather than left solving for ever.
    match daojia_app::planning::sweep(&state.app, state.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            plans = n,
            "route plans left solving by a stopped node marked interrupted"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot check for interrupted route plans"),
    }
    // The durable job queue (order timers, reminders, alarms, retention) runs beside the
    // API on every node; jobs are claimed, so nodes never run one twice.
    let (stop_jobs, stop) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(jobs::run(state.clone(), stop.clone()));
    // The outbox relay runs beside it on every node; each consumer is delivered to by one
    // node at a time (by lease).
    let relay = tokio::spawn(relay(&state).run(clock(&state), stop.clone()));
    // With a broker, the consumers moved to it are fed from their queues on every node
    // (one active consumer per queue at a time).
    let feed = broker_feed(&state).map(|f| tokio::spawn(f.run(stop)));
    // Orders left waiting for a worker while no node dispatched them (paid before the
    // consumer was registered, the demo's booked days) are dispatched now, off the start.
    if state.app.settings.dispatch.any_auto() {
        let s = state.clone();
        tokio::spawn(async move {
            match daojia_app::dispatch::auto::sweep(&s.app, s.now()).await {
                Ok(n) => tracing::info!(offered = n, "dispatch sweep on start"),
                Err(e) => tracing::warn!(error = %e, "dispatch sweep on start failed"),
            }
        });
    }
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Out of the balancer first: /readyz fails while requests are still served.
        state
            .draining
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let drain = state.config.server.drain_secs;
        if drain > 0 {
            tracing::info!(
                seconds = drain,
                "draining: /readyz answers 503 before closing"
            );
            tokio::time::sleep(std::time::Duration::from_secs(drain)).await;
        }
        // Realtime connections would hold the drain open: close them now.
        state.shared.hub().close();
    })
    .await;
    let _ = stop_jobs.send(true);
    if let Err(e) = runner.await {
        tracing::error!(error = %e, "the job runner stopped abnormally");
    }
    if let Err(e) = relay.await {
        tracing::error!(error = %e, "the outbox relay stopped abnormally");
    }
    if let Some(feed) = feed
        && let Err(e) = feed.await
    {
        tracing::error!(error = %e, "the broker feed stopped abnormally");
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// The outbox relay of this node with its consumers: the worker's SMS about an order
/// offered or assigned to them, the realtime feed of order changes, the refunds order
/// transitions booked, automatic dispatch, and the notifications of order events; with a
/// broker, the publisher too, and the consumers fed from the broker are left to
/// [`broker_feed`]. A hole in the outbox
/// positions is waited for longer than a request (and so its transaction) can last.
pub fn relay(state: &AppState) -> daojia_app::outbox::relay::Relay {
    use daojia_app::outbox::relay::{Relay, RelayOptions};
    let opts = RelayOptions {
        // Host and process id: which node delivers to a consumer (`outbox_consumer`).
        owner: format!(
            "{}-{}-{}",
            jobs::hostname(),
            std::process::id(),
            uuid::Uuid::now_v7().simple()
        ),
        grace: std::time::Duration::from_secs(state.config.server.request_timeout_secs + 30),
        ..RelayOptions::default()
    };
    let (fed, relayed) = consumers(state);
    let mut relay = Relay::new(state.app.clone(), opts);
    for c in relayed {
        relay = relay.with(c);
    }
    if let Some(opts) = state.config.broker.options() {
        relay = relay.with(Arc::new(
            daojia_app::outbox::broker::publish::Publisher::new(state.app.clone(), opts, fed),
        ));
    }
    relay
}

/// The feed of the consumers moved to the broker (`[broker] consumers`), when one is
/// configured.
pub fn broker_feed(state: &AppState) -> Option<daojia_app::outbox::broker::feed::BrokerFeed> {
    let opts = state.config.broker.options()?;
    let (fed, _) = consumers(state);
    Some(daojia_app::outbox::broker::feed::BrokerFeed::new(opts, fed))
}

/// Every outbox consumer of this node, split into (fed from the broker, delivered by the
/// relay).
type Consumers = Vec<Arc<dyn daojia_app::outbox::Consumer>>;
fn consumers(state: &AppState) -> (Consumers, Consumers) {
    let all: Consumers = vec![
        Arc::new(daojia_app::outbox::worker_sms::WorkerSms::new(
            state.app.clone(),
            state.sms.clone(),
            clock(state),
        )),
        Arc::new(realtime::feed::OrderFeed::new(state.clone())),
        Arc::new(daojia_app::payments::consumer::RefundsConsumer::new(
            state.app.clone(),
            clock(state),
        )),
        Arc::new(daojia_app::dispatch::consumer::AutoDispatch::new(
            state.app.clone(),
            clock(state),
        )),
        Arc::new(daojia_app::notifications::consumer::Notifications::new(
            state.app.clone(),
            clock(state),
        )),
    ];
    all.into_iter()
        .partition(|c| state.config.broker.feeds(c.name()))
}

/// The state's clock, for the application layer's long-running parts.
fn clock(state: &AppState) -> Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync> {
    let s = state.clone();
    Arc::new(move || s.now())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
