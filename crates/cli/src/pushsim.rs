//! `daojia pushsim`: the local push service (`daojia_notify::push::sim`) as a server of its
//! own. It stands in for a browser vendor's Web Push service: `POST /subscribe` with the
//! server's VAPID public key makes a subscription (keys kept here, as a browser keeps
//! them); registering that subscription with Daojia (`kind = "webpush"`) makes every push
//! land here, where the VAPID signature is checked, the body decrypted and listed at
//! `GET /messages`. The Daojia server must allow `http://` endpoints for it
//! (`[push] allow_http_endpoints = true`).
//!
//! Under `/wechat` it also serves a stand-in for WeChat's server API
//! (`daojia_notify::push::wechat_sim`): point `[push.wechat] endpoint` at `{base}/wechat`
//! with the same AppID and AppSecret.

use anyhow::Context;
use clap::Args;
use daojia_notify::push::{sim, wechat_sim};
use std::sync::Arc;

/// Options of `daojia pushsim`.
#[derive(Args)]
pub struct PushsimArgs {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:8091")]
    addr: String,
    /// The AppID the simulated WeChat API accepts.
    #[arg(long, default_value = "wx-sim-app")]
    wechat_app_id: String,
    /// The AppSecret the simulated WeChat API accepts (a fake one: this is a simulator).
    #[arg(long, default_value = "wechat-sim-secret")]
    wechat_app_secret: String,
}

/// Runs the push service until interrupted.
pub async fn run(args: PushsimArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let base = format!("http://{}", listener.local_addr()?);
    let svc = Arc::new(sim::PushSim::new(&base));
    println!("local push service on {base}");
    println!(
        "  POST {base}/subscribe {{\"application_server_key\": \"<VAPID public key>\"}} -> a subscription"
    );
    println!("  GET  {base}/messages  (what arrived, decrypted)");
    println!("  POST {base}/subscriptions/<id>/gone  (pushes to it answer 410 from now on)");
    println!("the Daojia server needs [push] allow_http_endpoints = true to push here");
    println!(
        "  WeChat subscribe messages: [push.wechat] endpoint = \"{base}/wechat\", app_id = \"{}\"",
        args.wechat_app_id
    );
    println!("  POST {base}/wechat/sim/code {{\"openid\"}} -> the code an app would send");
    println!(
        "  POST {base}/wechat/sim/grant {{\"openid\", \"template_id\", \"count\"}}  (the person accepts a template)"
    );
    println!("  GET  {base}/wechat/sim/messages  (what WeChat accepted)");
    let wechat = Arc::new(wechat_sim::WechatSim::new(
        &args.wechat_app_id,
        &args.wechat_app_secret,
        7200,
    ));
    let app = sim::router(svc).nest("/wechat", wechat_sim::router(wechat));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
