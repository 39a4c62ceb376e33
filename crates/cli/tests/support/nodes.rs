//! `daojia serve` processes for the multi-node tests (two_nodes.rs, deploy_layout.rs): start,
//! wait for readiness, configuration over the test's database and Redis.

#![allow(dead_code)] // each test crate uses part of it

use daojia_server::config::Secrets;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};
use uuid::Uuid;

/// A `daojia serve` process on a port of its own.
pub struct Node {
    /// Its name in messages and log files.
    pub name: &'static str,
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its log file.
    pub log: PathBuf,
}

impl Node {
    /// Starts `daojia serve` with `dir`'s `daojia.toml` and waits until it is ready.
    pub async fn start(dir: &Path, name: &'static str) -> Node {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join(format!("node-{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_daojia"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .arg("serve")
            .arg("--config")
            .arg(dir.join("daojia.toml"))
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("start daojia");
        let mut node = Node {
            name,
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let url = format!("{}/readyz", node.base);
        wait_ready(
            &url,
            &mut node.child,
            &node.log,
            StdDuration::from_secs(120),
        )
        .await;
        node
    }

    /// What it has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `host:port` of a service URL (`scheme://[user[:password]@]host[:port][/...]`).
fn host_port(url: &str, default_port: u16) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:{default_port}")
    }
}

/// Waits until `url` answers 2xx; panics with the log when `child` exits or `limit` passes.
pub async fn wait_ready(url: &str, child: &mut Child, log: &Path, limit: StdDuration) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let text = || std::fs::read_to_string(log).unwrap_or_default();
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{} exited with {status}: {}", log.display(), text());
        }
        assert!(
            started.elapsed() < limit,
            "{url} did not come up: {}",
            text()
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

/// An app over a fresh database on `backend` and a Redis prefix of its own, configured for
/// the grab city (automatic dispatch), opened with the keys the nodes get too.
pub async fn shared_app(
    backend: daojia_store::testing::Backend,
) -> (
    crate::common::TestApp,
    daojia_shared::testing::TestRedis,
    daojia_server::config::Config,
) {
    let redis = daojia_shared::testing::TestRedis::new();
    let db = daojia_store::testing::TestDb::new(backend).await;
    let mut cfg = crate::common::grab::config();
    cfg.database.url = db.url.clone();
    cfg.redis.url = Some(redis.url.clone());
    cfg.redis.prefix = redis.prefix.clone();
    let store = daojia_server::open_store(&cfg).await.unwrap();
    let app = crate::common::TestApp::over(db, store, cfg.clone(), Default::default()).await;
    (app, redis, cfg)
}

/// Why the services this test needs cannot be reached, if they cannot.
pub fn unreachable() -> Option<String> {
    use std::net::ToSocketAddrs;
    let pg = std::env::var("DAOJIA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let redis = daojia_shared::testing::redis_url();
    for (what, addr) in [
        ("PostgreSQL", host_port(&pg, 5432)),
        ("Redis", host_port(&redis, 6379)),
    ] {
        let reached = addr
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .is_some_and(|a| {
                std::net::TcpStream::connect_timeout(&a, StdDuration::from_secs(2)).is_ok()
            });
        if !reached {
            return Some(format!("{what} is not reachable at {addr}"));
        }
    }
    None
}

/// The nodes' configuration: the in-process app's database, Redis, keys and dispatch, and
/// `extra` TOML appended (tables of its own).
pub fn write_config(dir: &Path, cfg: &daojia_server::config::Config, extra: &str) {
    let secrets = Secrets {
        token_secret: cfg.auth.token_secret.clone().unwrap(),
        pii_keys: cfg.pii.keys.clone(),
        pii_index_key: cfg.pii.index_key.clone().unwrap(),
    };
    secrets.write(&dir.join("secrets.toml")).unwrap();
    let text = format!(
        r#"secrets_file = "{secrets}"

[database]
url = "{db}"
max_connections = 10

[redis]
url = "{redis}"
prefix = "{prefix}"

[dispatch]
mode = "auto"
grab_radius_km = {radius}

[booking]
uploads_dir = "{uploads}"

[log]
level = "warn"
"#,
        secrets = dir.join("secrets.toml").display(),
        db = cfg.database.url,
        redis = cfg.redis.url.as_deref().unwrap(),
        prefix = cfg.redis.prefix,
        radius = cfg.dispatch.grab_radius_km,
        uploads = dir.join("uploads").display(),
    );
    std::fs::write(dir.join("daojia.toml"), text + extra).unwrap();
}

/// The grab pool's distance to order `id` as the worker of `token` sees it on `node`.
pub async fn grab_distance(http: &reqwest::Client, node: &Node, token: &str, id: Uuid) -> f64 {
    let r = http
        .get(format!("{}/api/v1/worker/grab-pool", node.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "node {}", node.name);
    let list: Value = r.json().await.unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["order_id"] == json!(id))
        .unwrap_or_else(|| panic!("order {id} in node {}'s grab pool: {list}", node.name))
        ["distance_m"]
        .as_f64()
        .unwrap()
}

impl Node {
    /// Sends SIGTERM (a graceful stop: drain, then finish in-flight requests).
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -TERM {pid}");
    }
}
