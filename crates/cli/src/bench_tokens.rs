//! `daojia admin bench-tokens`: sessions for a load test, minted straight in the database.
//!
//! A load generator needs hundreds of logged-in customers and a few staff, but log-in is
//! deliberately slow and limited (one-time codes by SMS with per-phone and per-address
//! limits, argon2 passwords with lockouts). Rather than loosening those limits for a
//! benchmark, an operator with database access and the token secret opens the sessions
//! here, exactly as a log-in would (a session row, an access token signed with the nodes'
//! key), and hands the file to `daojia-load`. Nothing here is reachable over HTTP.

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use daojia_app::customers::addresses::{self, AddressFields};
use daojia_domain::access::{Audience, Role};
use daojia_domain::geo::LatLng;
use daojia_domain::phone::Phone;
use daojia_domain::worker::WorkerStatus;
use daojia_server::config::Config;
use daojia_server::token::{Claims, TokenSigner};
use daojia_store::Store;
use daojia_store::entity::{customer_address, worker};
use daojia_store::repo::{accounts, audit, sessions};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

/// First digits of the bench customers' phones (`1999` and seven digits: a valid mainland
/// number that the demo city does not hand out).
const CUSTOMER_PHONE_PREFIX: &str = "1999";
/// Log-in names of the bench staff (`bench-staff-1`, ...).
const STAFF_PREFIX: &str = "bench-staff-";

/// How many of each to mint, and for how long.
pub struct BenchTokens<'a> {
    /// Customers (created on first use with an address in a service area, then reused).
    pub customers: usize,
    /// Staff (dispatchers; created on first use, their password replaced on every run).
    pub staff: usize,
    /// Existing active workers (never created: the location scenario reports their
    /// positions, so they are the city's own).
    pub workers: usize,
    /// Where to write the JSON.
    pub out: &'a Path,
}

/// Creates or reuses the accounts, opens a session for each and writes the tokens.
pub async fn run(cfg: &Config, args: BenchTokens<'_>) -> anyhow::Result<()> {
    if args.customers > 9_999_999 {
        bail!("--customers: at most 9999999");
    }
    let store = daojia_server::open_store(cfg).await?;
    let pending = store.pending_migrations().await?;
    if !pending.is_empty() {
        bail!(
            "the database has {} pending migration(s): run `daojia migrate` first",
            pending.len()
        );
    }
    let signer = daojia_server::token_signer(cfg)?;
    let travel: Arc<dyn daojia_domain::travel::TravelTime> = Arc::new(cfg.travel.clone());
    let app = daojia_app::App::new(store.clone(), travel);
    let now = Utc::now();
    let mint = Mint {
        store: &store,
        signer: &signer,
        cfg,
        now,
    };

    let pins = pins(&store).await?;
    if args.customers > 0 && pins.is_empty() {
        bail!(
            "no saved address lies in a service area: load the demo city (`daojia demo`) or add areas and customers first"
        );
    }
    let mut customers = vec![];
    for i in 0..args.customers {
        let phone = Phone::parse(&format!("{CUSTOMER_PHONE_PREFIX}{:07}", i + 1))
            .expect("the bench phones are valid mainland numbers");
        let c = accounts::customer_for_login(&store, &phone, now).await?;
        let saved = accounts::addresses(store.db(), c.id).await?;
        let address = match saved.into_iter().find(|a| a.area_code.is_some()) {
            Some(a) => a,
            None => {
                let at = pins[i % pins.len()];
                let fields = AddressFields {
                    label: Some("压测".into()),
                    contact_name: format!("压测客户{}", i + 1),
                    contact_phone: phone.expose().to_string(),
                    address: format!("压测地址 {}", i + 1),
                    house_number: String::new(),
                    at,
                    is_default: true,
                };
                addresses::add(&app, c.id, fields, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("address of bench customer {}: {e}", i + 1))?
            }
        };
        let token = mint.session(Audience::Customer, c.id).await?;
        customers.push(json!({
            "id": c.id,
            "phone": phone.expose(),
            "access_token": token,
            "address_id": address.id,
            "area_code": address.area_code,
        }));
    }

    let mut staff = vec![];
    for i in 0..args.staff {
        let username = format!("{STAFF_PREFIX}{}", i + 1);
        let password = format!("bench-{}", Uuid::new_v4().simple());
        let hash = daojia_server::password::hash(&password);
        let row = match accounts::staff_for_login(&store, &username).await? {
            Some(existing) => {
                let change = accounts::StaffChange {
                    password_hash: Some(hash),
                    active: Some(true),
                    ..Default::default()
                };
                accounts::update_staff(&store, store.db(), existing, change, now).await?
            }
            None => {
                let new = accounts::NewStaff {
                    username: username.clone(),
                    name: format!("压测调度{}", i + 1),
                    phone: None,
                    password_hash: hash,
                    role: Role::Dispatcher,
                };
                accounts::create_staff(&store, store.db(), new, now)
                    .await
                    .with_context(|| format!("cannot create staff {username}"))?
            }
        };
        let token = mint.session(Audience::Staff, row.id).await?;
        staff.push(json!({
            "id": row.id,
            "username": row.username,
            "password": password,
            "access_token": token,
        }));
    }

    let mut workers = vec![];
    for w in active_workers(&store, args.workers).await? {
        let token = mint.session(Audience::Worker, w.id).await?;
        workers.push(json!({
            "id": w.id,
            "code": w.code,
            "access_token": token,
        }));
    }

    let entry = audit::AuditEntry {
        actor_type: "cli".into(),
        action: "bench.tokens".into(),
        target_type: "session".into(),
        after: Some(json!({
            "customers": customers.len(), "staff": staff.len(), "workers": workers.len(),
        })),
        ..Default::default()
    };
    audit::record(&store, store.db(), entry, now).await?;
    let doc = json!({
        "created_at": now,
        "expires_at": mint.expires_at(),
        "customers": customers,
        "staff": staff,
        "workers": workers,
    });
    write_private(args.out, &doc)?;
    println!(
        "wrote {} customer, {} staff and {} worker session(s) to {} (access tokens valid until {})",
        args.customers,
        args.staff,
        workers.len(),
        args.out.display(),
        mint.expires_at()
    );
    Ok(())
}

/// Opens sessions and signs their access tokens, as a log-in does.
struct Mint<'a> {
    store: &'a Store,
    signer: &'a TokenSigner,
    cfg: &'a Config,
    now: DateTime<Utc>,
}

impl Mint<'_> {
    fn expires_at(&self) -> DateTime<Utc> {
        self.now + Duration::seconds(self.cfg.auth.access_ttl_secs)
    }

    async fn session(&self, audience: Audience, subject: Uuid) -> anyhow::Result<String> {
        let new = sessions::NewSession {
            audience,
            subject_id: subject,
            user_agent: Some("daojia admin bench-tokens".into()),
            ip: None,
            ttl: Duration::days(self.cfg.auth.refresh_ttl_days),
        };
        let (session, _refresh) = sessions::open(self.store.db(), new, self.now).await?;
        Ok(self.signer.sign(&Claims {
            sid: session.id,
            sub: subject,
            aud: audience,
            iat: self.now.timestamp(),
            exp: self.expires_at().timestamp(),
        }))
    }
}

/// The first `n` workers who work now (active, not suspended or departed), by code.
async fn active_workers(store: &Store, n: usize) -> anyhow::Result<Vec<worker::Model>> {
    if n == 0 {
        return Ok(vec![]);
    }
    let rows = worker::Entity::find()
        .filter(worker::Column::Active.eq(true))
        .order_by_asc(worker::Column::Code)
        .all(store.db())
        .await?;
    Ok(rows
        .into_iter()
        .filter(|w| {
            w.status
                .parse::<WorkerStatus>()
                .is_ok_and(WorkerStatus::works)
        })
        .take(n)
        .collect())
}

/// Pins of saved addresses inside service areas, where the bench customers live.
async fn pins(store: &Store) -> anyhow::Result<Vec<LatLng>> {
    let rows = customer_address::Entity::find()
        .filter(customer_address::Column::AreaCode.is_not_null())
        .limit(500)
        .all(store.db())
        .await?;
    Ok(rows
        .into_iter()
        .map(|a| LatLng::new(a.lat, a.lng))
        .collect())
}

/// Writes `doc` readable by its owner only: it holds live tokens and passwords.
fn write_private(path: &Path, doc: &Value) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(serde_json::to_string_pretty(doc)?.as_bytes())?;
    f.write_all(b"\n")?;
    Ok(())
}
