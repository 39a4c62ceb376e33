//! The processes of the payments kill test: `daojia paysim` (the channels, which outlive
//! every kill of the server) and `daojia demo` on a fixed port (so that the notification
//! URLs the channels were given stay true across restarts), and the demo's customers
//! logged in.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A child process with its log, killed when dropped.
pub struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(dir: &Path, log: &str, args: &[&str]) -> Proc {
        let log = dir.join(log);
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_daojia"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(args)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("start daojia");
        Proc { child, log }
    }

    /// Waits until `url` answers 2xx; panics with the log if the process exits first.
    async fn wait_for(&mut self, url: &str) {
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = http.get(url).send().await
                && r.status().is_success()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited with {status}: {}",
                    self.log.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{url} did not come up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no drain, no shutdown hook.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `daojia paysim` for a server at `server_port`; returns it, its base URL and the
/// `[pay]` fragment it wrote.
pub async fn paysim(dir: &Path, server_port: u16) -> (Proc, String, String) {
    let port = free_port();
    let out = dir.join("paysim");
    let addr = format!("127.0.0.1:{port}");
    let notify = format!("http://127.0.0.1:{server_port}");
    let mut p = Proc::spawn(
        dir,
        "paysim.log",
        &[
            "paysim",
            "--addr",
            &addr,
            "--out",
            out.to_str().unwrap(),
            "--notify-base-url",
            &notify,
        ],
    );
    let base = format!("http://{addr}");
    p.wait_for(&format!("{base}/admin/trades")).await;
    let fragment = std::fs::read_to_string(out.join("pay.toml")).unwrap();
    (p, base, fragment)
}

/// Writes `daojia.toml`: the demo city of `seed` without history or auto-payment, on
/// database `url`, paying through the simulator's `fragment` with intents payable for two
/// minutes (a second click within the last minute opens a new one) and first queried a
/// second after they open.
pub fn config(dir: &Path, url: &str, seed: u64, fragment: &str) {
    let pay = fragment.replacen(
        "[pay]\n",
        "[pay]\nintent_minutes = 2\nfirst_query_secs = 1\n",
        1,
    );
    assert_ne!(pay, fragment, "the fragment has a [pay] table");
    let text = format!(
        r#"secrets_file = "{secrets}"

[server]
request_timeout_secs = 5

[database]
url = "{url}"

[demo]
seed = {seed}
history_days = 0
booked_per_day = 0

[booking]
uploads_dir = "{uploads}"
demo_autopay = false

[log]
level = "warn"

{pay}"#,
        secrets = dir.join("secrets.toml").display(),
        uploads = dir.join("uploads").display(),
    );
    std::fs::write(dir.join("daojia.toml"), text).unwrap();
}

/// Starts `daojia demo` on `port` (life `round`) and waits until it is healthy.
pub async fn server(dir: &Path, port: u16, round: usize) -> Proc {
    let config = dir.join("daojia.toml");
    let addr = format!("127.0.0.1:{port}");
    let mut p = Proc::spawn(
        dir,
        &format!("server-{round}.log"),
        &[
            "demo",
            "--config",
            config.to_str().unwrap(),
            "--addr",
            &addr,
        ],
    );
    p.wait_for(&format!("http://{addr}/healthz")).await;
    p
}

/// A customer of the demo city, logged in.
pub struct Customer {
    pub token: String,
    pub address: Value,
}

/// Logs in the demo customer of `phone` (the demo shows the one-time code).
pub async fn login(base: &str, phone: &str) -> Customer {
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).json(&body).send();
    let sent: Value = post(
        "/api/v1/public/auth/otp",
        json!({"phone": phone, "audience": "customer"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let code = sent["dev_code"]
        .as_str()
        .unwrap_or_else(|| panic!("the demo shows the code: {sent}"));
    let tokens: Value = post(
        "/api/v1/public/auth/otp/verify",
        json!({"phone": phone, "code": code, "audience": "customer"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_string();
    let get = |path: &str| http.get(format!("{base}{path}")).bearer_auth(&token).send();
    let addresses: Value = get("/api/v1/customer/addresses")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Customer {
        address: addresses[0]["id"].clone(),
        token,
    }
}

/// A fresh directory for one run.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("daojia-paykill-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
