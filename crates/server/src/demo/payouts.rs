//! The demo's WeChat withdrawal (提现到微信零钱), when the pay simulator runs in this
//! process: a worker with a settled balance binds their WeChat payee through the
//! simulator's silent authorisation, asks for half of it to WeChat, the demo's finance
//! staff member approves, the worker confirms on the simulator's page and WeChat's
//! verified callback marks it paid. So a newcomer sees the whole flow in 提现审核 and the
//! worker's 我的收入 on first start. Each step is the use case the HTTP routes call; the
//! simulator plays WeChat and the payee. Runs once: nothing when a WeChat withdrawal
//! exists.

use chrono::{DateTime, Utc};
use daojia_app::finance::transfers;
use daojia_app::finance::withdrawals::{self, Decide, WithdrawalView};
use daojia_app::workers::{Actor, Scope};
use daojia_domain::phone::Phone;
use daojia_pay::http::Method;
use daojia_pay::sim::{Delivery, Simulator};
use daojia_store::entity::{staff, withdrawal, worker};
use daojia_store::repo::{accounts, earnings};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

/// A one-time code of the simulator's silent web authorisation (`snsapi_base`), as WeChat
/// hands it to the worker app after the redirect.
fn authorisation_code(sim: &Simulator, now: DateTime<Utc>) -> Result<String, String> {
    let path = format!(
        "{}?appid={}&redirect_uri=http%3A%2F%2F127.0.0.1%2Fworker%2Fearnings\
         &response_type=code&scope=snsapi_base&state=demo",
        daojia_pay::sim::AUTHORIZE_PATH,
        sim.config().wechat_appid
    );
    let r = sim.handle(Method::Get, &path, &[], "", now);
    let location = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone())
        .ok_or_else(|| format!("the simulator's authorisation answered {}", r.status))?;
    location
        .split_once("code=")
        .and_then(|(_, rest)| rest.split('&').next())
        .map(str::to_owned)
        .ok_or_else(|| format!("no code in {location}"))
}

/// Seeds the WeChat withdrawal at `now` (see the module), leaving out the worker whose
/// phone the banner offers (`sample`: the browser walk binds that one itself). `None`
/// when it did nothing.
pub async fn seed(
    state: &crate::state::AppState,
    sample: &Phone,
    now: DateTime<Utc>,
) -> Result<Option<WithdrawalView>, String> {
    let app = &state.app;
    let (Some(sim), Some(_)) = (state.paysim.as_deref(), app.transfers.as_ref()) else {
        return Ok(None);
    };
    let db = state.store.db();
    let e = |e: sea_orm::DbErr| e.to_string();
    let any = withdrawal::Entity::find()
        .filter(withdrawal::Column::Channel.eq("wechat"))
        .count(db)
        .await
        .map_err(e)?;
    if any > 0 {
        return Ok(None);
    }
    let Some(by) = staff::Entity::find()
        .filter(staff::Column::Role.eq("finance"))
        .one(db)
        .await
        .map_err(e)?
    else {
        return Ok(None);
    };
    let skip = accounts::worker_by_phone(&state.store, sample)
        .await
        .map_err(e)?
        .map(|w| w.id);
    let asked: Vec<_> = withdrawal::Entity::find()
        .all(db)
        .await
        .map_err(e)?
        .into_iter()
        .map(|w| w.worker_id)
        .collect();
    let min = app.settings.finance.withdrawals.min.as_fen();
    let mut chosen = None;
    for w in worker::Entity::find()
        .filter(worker::Column::Status.eq("active"))
        .order_by_asc(worker::Column::CreatedAt)
        .order_by_asc(worker::Column::Id)
        .all(db)
        .await
        .map_err(e)?
    {
        if Some(w.id) == skip || asked.contains(&w.id) {
            continue;
        }
        let have = earnings::withdrawable(db, w.id).await.map_err(e)?.as_fen();
        // Half of it, in whole yuan.
        let half = have / 2 / 100 * 100;
        if half >= min.max(100) {
            chosen = Some((w.id, half));
            break;
        }
    }
    let Some((worker, amount)) = chosen else {
        return Ok(None);
    };
    let fail = |what: &str, err: daojia_app::Error| format!("{what}: {err}");
    // The payee's own steps on WeChat's pages happen at the wall clock, as the channels'
    // calls to the simulator do.
    let code = authorisation_code(sim, Utc::now())?;
    transfers::bind(app, worker, &code, now)
        .await
        .map_err(|x| fail("binding the payee", x))?;
    let asked = withdrawals::request(app, worker, amount, "wechat", now)
        .await
        .map_err(|x| fail("asking", x))?;
    let finance = Actor {
        staff_id: by.id,
        name: by.username.clone(),
        scope: Scope::All,
        sees_pii: false,
        request_id: None,
        ip: None,
    };
    let approved = withdrawals::decide(app, &finance, asked.id, Decide::Approve, now)
        .await
        .map_err(|x| fail("approving", x))?;
    if approved.state != "approved" {
        return Err(format!("the approved transfer is {}", approved.state));
    }
    // The payee confirms on WeChat's page; WeChat's callback (also queued for the
    // server's own delivery, where it changes nothing) marks the withdrawal paid.
    sim.confirm_transfer(&approved.withdrawal_no, Delivery::Once, Utc::now())
        .map_err(|x| format!("confirming: {x}"))?;
    let callback = sim
        .callbacks_of(&approved.withdrawal_no)
        .pop()
        .ok_or("the simulator sent no callback")?;
    let paid = transfers::apply_notification(app, &callback.headers, &callback.body, now)
        .await
        .map_err(|x| fail("the callback", x))?;
    Ok(Some(paid))
}
