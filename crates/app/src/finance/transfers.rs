//! Withdrawals paid to the worker's WeChat balance (商家转账, user-confirmation mode): the
//! payee binding (the worker's web authorisation code exchanged for the openid under the
//! paying app), sending the transfer bill on approval, the payee's confirmation data, the
//! verified `MCHTRANSFER.BILL.FINISHED` callback, and the scheduled query that finds the
//! outcome of a bill whose callback was lost.
//!
//! The bill's number is the withdrawal's (`out_bill_no`), and its content (payee, the
//! payee's real name from 0.3 yuan on, amount less fee, remark, scene) is fixed when the
//! worker asks, so sending again after a crash
//! or a timeout answers the same bill: nothing is paid twice. The withdrawal stays
//! `approved` while WeChat waits for the payee; `SUCCESS` makes it `paid` (WeChat's bill
//! number as its reference), `FAIL` or `CANCELLED` makes it `failed` and the amount goes
//! back to the worker's withdrawable balance. A callback is verified (signature,
//! decryption, merchant) before it has any effect, and the same outcome twice changes
//! nothing.

use super::payout::Sent;
use super::withdrawals::{WithdrawalView, step};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::money::Money;
use daojia_domain::withdrawal::State;
use daojia_pay::channel::{OpenidForCode, Transfer};
use daojia_pay::wechat::transfer::{
    NAME_ALLOWED_FROM, NAME_REQUIRED_FROM, PayeeName, ReportInfo, TransferOrder, TransferState,
};
use daojia_store::entity::withdrawal;
use daojia_store::repo::payees::{self, PAYEE_NAME, PAYEE_OPENID};
use daojia_store::repo::withdrawals::{self as repo, Decision};
use serde::Serialize;
use std::sync::Arc;
use uuid::Uuid;

/// The job kind of the scheduled query of transfers whose outcome has not come.
pub const QUERY_JOB: &str = "withdrawal.transfer_query";

/// How long after its last news a waiting transfer is queried (its callback normally comes
/// within seconds of the payee's confirmation).
pub const QUIET_FOR: Duration = Duration::minutes(2);

/// WeChat Pay's transfers as this node uses them.
pub struct Transfers {
    /// The channel (WeChat Pay, or the simulator).
    pub channel: Arc<dyn Transfer>,
    /// Exchanges the worker app's web authorisation code for the openid.
    pub oauth: Arc<dyn OpenidForCode>,
    /// The transfer scene granted to the merchant (e.g. `1005` 佣金报酬).
    pub scene_id: String,
    /// The scene's report (报备信息), e.g. 岗位类型 / 家政服务人员.
    pub report: Vec<ReportInfo>,
    /// What the payee is told the money is (用户收款感知), e.g. `劳务报酬`.
    pub perception: Option<String>,
    /// Shown to the payee (at most 32 characters).
    pub remark: String,
    /// WeChat's web authorisation page (`…/connect/oauth2/authorize`, or the simulator's),
    /// where the worker app sends the browser to get the payee's code.
    pub authorize_url: String,
    /// Where the simulator's confirmation entry is (`…/wechat/transfer/confirm`), when the
    /// channel is the simulator: the worker app opens it outside WeChat.
    pub confirm_page: Option<String>,
}

/// Where a worker's WeChat payouts go, as the worker app shows it (never the openid).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayeeView {
    /// Whether a WeChat payee is bound under the paying app.
    pub wechat_bound: bool,
    /// When it was bound.
    pub wechat_bound_at: Option<DateTime<Utc>>,
    /// Whether this server pays withdrawals to WeChat at all.
    pub wechat_available: bool,
    /// Where to send the browser for the payee's code (`appid`, `redirect_uri`,
    /// `response_type=code`, `scope=snsapi_base`, `state` to add), when available.
    pub wechat_authorize_url: Option<String>,
    /// The app the code must be for (`appid` of the authorisation), when available.
    pub wechat_app_id: Option<String>,
    /// The channels a withdrawal may be asked through now (`bank`, `wechat`).
    pub channels: Vec<String>,
}

/// What the payee's WeChat needs to confirm a waiting transfer
/// (`WeixinJSBridge.invoke('requestMerchantTransfer', {mchId, appId, package})`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferConfirm {
    /// The merchant id.
    #[serde(rename = "mchId")]
    pub mch_id: String,
    /// The app id.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// WeChat's `package_info` of the bill.
    pub package: String,
    /// Outside WeChat (the demo's simulator): the page where the payee confirms.
    pub page_url: Option<String>,
}

fn configured(app: &App) -> Result<&Arc<Transfers>> {
    app.transfers.as_ref().ok_or_else(|| {
        Error::field(
            "channel",
            "channel_unavailable",
            "withdrawals to WeChat are not configured on this server; use bank",
        )
    })
}

fn appid(t: &Transfers) -> Result<String> {
    t.channel
        .transfer_ids()
        .map(|(_, appid)| appid)
        .map_err(Error::internal)
}

/// `worker`'s payee openid under the paying app, decrypted (`None` when unbound).
pub(crate) async fn payee(app: &App, t: &Transfers, worker: Uuid) -> Result<Option<String>> {
    Ok(payees::openid(&app.store, worker, &appid(t)?).await?)
}

/// Where `worker`'s payouts may go.
pub async fn payee_view(app: &App, worker: Uuid) -> Result<PayeeView> {
    let bound = match &app.transfers {
        Some(t) => payees::get(app.store.db(), worker)
            .await?
            .filter(|p| appid(t).is_ok_and(|a| a == p.wechat_appid)),
        None => None,
    };
    Ok(PayeeView {
        wechat_bound: bound.is_some(),
        wechat_bound_at: bound.map(|b| b.bound_at),
        wechat_available: app.transfers.is_some(),
        wechat_authorize_url: app.transfers.as_ref().map(|t| t.authorize_url.clone()),
        wechat_app_id: app.transfers.as_ref().and_then(|t| appid(t).ok()),
        channels: super::payout::offered(app, worker)
            .await?
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// Binds `worker`'s WeChat payee: the one-time `code` of WeChat's web authorisation
/// (`snsapi_base`, under the paying app) is exchanged for the openid, kept encrypted.
pub async fn bind(app: &App, worker: Uuid, code: &str, now: DateTime<Utc>) -> Result<PayeeView> {
    let t = app.transfers.as_ref().ok_or_else(|| {
        Error::field(
            "code",
            "not_configured",
            "withdrawals to WeChat are not configured on this server",
        )
    })?;
    let code = code.trim();
    if code.is_empty() || code.len() > 128 {
        return Err(Error::field("code", "invalid", "1 to 128 characters"));
    }
    let openid = t.oauth.openid_for_code(code).await.map_err(|e| match e {
        daojia_pay::Error::Channel { .. } => Error::field(
            "code",
            "invalid_code",
            "WeChat does not know this code (used, expired or from another app)",
        ),
        other => {
            tracing::warn!(error = %other, "WeChat did not exchange a payee code");
            Error::Unavailable {
                code: "wechat_unavailable",
                message: "WeChat could not be asked for the payee's openid; try again".into(),
                retry_after_secs: 5,
            }
        }
    })?;
    payees::bind(&app.store, worker, &appid(t)?, &openid, now).await?;
    payee_view(app, worker).await
}

/// Checks a request for a WeChat withdrawal of `amount_fen` (less `fee`) by `worker` and
/// gives the payee to send it to: the openid, and from 0.3 yuan on the worker's real name
/// as their profile has it (WeChat checks it against the account that confirms; it
/// requires it from 2,000 yuan).
pub(crate) async fn payee_for_request(
    app: &App,
    worker: Uuid,
    amount_fen: i64,
) -> Result<(String, Option<String>)> {
    let t = configured(app)?;
    let Some(openid) = payee(app, t, worker).await? else {
        return Err(Error::field(
            "channel",
            "payee_unbound",
            "bind your WeChat account first (提现到微信需先绑定微信)",
        ));
    };
    if Money::fen(amount_fen) < NAME_ALLOWED_FROM {
        return Ok((openid, None));
    }
    let row = {
        use sea_orm::EntityTrait;
        daojia_store::entity::worker::Entity::find_by_id(worker)
            .one(app.store.db())
            .await?
            .ok_or(Error::NotFound("worker"))?
    };
    let name =
        daojia_store::repo::accounts::worker_name(&app.store, &row).map_err(Error::internal)?;
    let name = name.trim();
    if name.is_empty() {
        if Money::fen(amount_fen) >= NAME_REQUIRED_FROM {
            return Err(Error::field(
                "amount",
                "payee_name_missing",
                "WeChat transfers of 2,000 yuan or more need your real name: have it entered \
                 in your profile, ask for less, or use bank",
            ));
        }
        return Ok((openid, None));
    }
    Ok((openid, Some(name.to_owned())))
}

/// Sends approved withdrawal `w`'s transfer bill (idempotent by its number) and records
/// WeChat's answer. A clear refusal fails the withdrawal unless a bill under its number
/// exists after all; an unreachable channel is `Err` (sent again by the query job).
pub(crate) async fn send(
    app: &App,
    t: &Transfers,
    w: &withdrawal::Model,
    now: DateTime<Utc>,
) -> std::result::Result<Sent, String> {
    let Some(enc) = &w.payee_enc else {
        return Ok(Sent::Failed(
            "no WeChat payee recorded on the withdrawal".into(),
        ));
    };
    let openid = app
        .store
        .vault()
        .decrypt(PAYEE_OPENID, enc)
        .map_err(|e| e.to_string())?;
    let transfer_amount = Money::fen(w.amount_fen - w.fee_fen);
    // The name as it was when the worker asked, so that every attempt is the same bill;
    // WeChat takes none below 0.3 yuan (a fee may have brought the amount under it).
    let user_name = match &w.payee_name_enc {
        Some(enc) if transfer_amount >= NAME_ALLOWED_FROM => Some(PayeeName::new(
            app.store
                .vault()
                .decrypt(PAYEE_NAME, enc)
                .map_err(|e| e.to_string())?,
        )),
        _ => None,
    };
    let order = TransferOrder {
        out_bill_no: w.withdrawal_no.clone(),
        transfer_scene_id: t.scene_id.clone(),
        openid,
        user_name,
        transfer_amount,
        transfer_remark: t.remark.clone(),
        notify_url: None,
        user_recv_perception: t.perception.clone(),
        transfer_scene_report_infos: t.report.clone(),
    };
    match t.channel.create_transfer(&order, now).await {
        Ok(c) => {
            repo::record_transfer(
                app.store.db(),
                w.id,
                &c.transfer_bill_no,
                c.package_info.as_deref(),
                c.state.as_str(),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(outcome(
                c.state,
                &c.transfer_bill_no,
                c.fail_reason.as_deref(),
            ))
        }
        Err(e @ (daojia_pay::Error::Channel { .. } | daojia_pay::Error::Invalid { .. })) => {
            // A refusal; unless WeChat holds a bill under this number after all, nothing
            // was or will be paid, and the amount goes back.
            match t.channel.query_transfer(&w.withdrawal_no, now).await {
                Ok(None) => Ok(Sent::Failed(format!("WeChat refused the transfer: {e}"))),
                Ok(Some(b)) => Ok(outcome(
                    b.state,
                    &b.transfer_bill_no,
                    b.fail_reason.as_deref(),
                )),
                Err(q) => Err(format!("{e}; and the query failed: {q}")),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

fn outcome(state: TransferState, bill_no: &str, reason: Option<&str>) -> Sent {
    match state {
        TransferState::Success => Sent::Paid(bill_no.to_owned()),
        TransferState::Fail => Sent::Failed(format!(
            "WeChat transfer failed: {}",
            reason.unwrap_or("FAIL")
        )),
        TransferState::Cancelled => Sent::Failed("WeChat transfer cancelled".into()),
        _ => Sent::Pending,
    }
}

/// Applies a final bill state to withdrawal `w` (from a verified callback or a query):
/// nothing when it is no longer approved.
async fn finish(
    app: &App,
    w: &withdrawal::Model,
    state: TransferState,
    bill_no: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<withdrawal::Model> {
    let decision = match outcome(state, bill_no, reason) {
        Sent::Paid(r) => Decision::Paid(r),
        Sent::Failed(r) => Decision::Fail(r),
        Sent::Pending => return Ok(w.clone()),
    };
    if w.state != State::Approved.code() {
        let same = matches!(
            (&decision, w.state.as_str()),
            (Decision::Paid(_), "paid") | (Decision::Fail(_), "failed")
        );
        if !same {
            tracing::warn!(withdrawal = %w.withdrawal_no, state = %w.state, bill = state.as_str(),
                "a transfer's outcome disagrees with its withdrawal");
        }
        return Ok(w.clone());
    }
    repo::record_transfer(app.store.db(), w.id, bill_no, None, state.as_str(), now).await?;
    step(app, w.id, decision, None, now).await
}

/// Applies WeChat's transfer callback (headers and raw body as received): verified first
/// (a forged, tampered or foreign callback is refused and changes nothing), then the
/// withdrawal numbered by the bill becomes paid or failed; the same callback again changes
/// nothing.
pub async fn apply_notification(
    app: &App,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> Result<WithdrawalView> {
    let t = app
        .transfers
        .as_ref()
        .ok_or(Error::NotFound("WeChat transfers"))?;
    let mut verified = t.channel.verify_transfer_notification(headers, body, now);
    // A platform certificate this node does not trust yet: see `payments::certificates`.
    if let Err(daojia_pay::Error::UnknownSerial(serial)) = &verified
        && crate::payments::certificates::on_unknown_serial(app, serial, now).await?
    {
        verified = t.channel.verify_transfer_notification(headers, body, now);
    }
    let n = verified.map_err(|e| {
        tracing::warn!(error = %e, "transfer callback refused");
        Error::Forbidden {
            code: "notification_refused",
            message: format!("the transfer callback does not verify: {e}"),
        }
    })?;
    let bill = n.bill;
    let w = repo::by_no(app.store.db(), &bill.out_bill_no)
        .await?
        .ok_or(Error::NotFound("withdrawal"))?;
    if w.channel != "wechat" || bill.transfer_amount != Money::fen(w.amount_fen - w.fee_fen) {
        tracing::warn!(withdrawal = %w.withdrawal_no, "a transfer callback does not match its withdrawal");
        return Err(Error::conflict(
            "transfer_mismatch",
            "the callback's bill does not match the withdrawal",
        ));
    }
    let after = finish(
        app,
        &w,
        bill.state,
        &bill.transfer_bill_no,
        bill.fail_reason.as_deref(),
        now,
    )
    .await?;
    Ok(after.into())
}

/// What the payee's WeChat needs to confirm withdrawal `id` of `worker`, while its bill
/// waits for them.
pub async fn confirm_data(app: &App, worker: Uuid, id: Uuid) -> Result<TransferConfirm> {
    let w = repo::get(app.store.db(), id)
        .await?
        .filter(|w| w.worker_id == worker)
        .ok_or(Error::NotFound("withdrawal"))?;
    let t = app
        .transfers
        .as_ref()
        .ok_or(Error::NotFound("WeChat transfers"))?;
    let waiting = w.state == State::Approved.code()
        && w.transfer_state.as_deref() == Some(TransferState::WaitUserConfirm.as_str());
    let (Some(package), true) = (w.package_info.clone(), waiting) else {
        return Err(Error::conflict(
            "transfer_not_waiting",
            "this withdrawal is not waiting for the payee's confirmation",
        ));
    };
    let (mch_id, app_id) = t.channel.transfer_ids().map_err(Error::internal)?;
    let page_url = t.confirm_page.as_ref().map(|base| {
        let q = daojia_pay::http::percent_encode;
        format!(
            "{base}?mchId={}&appId={}&package={}",
            q(&mch_id),
            q(&app_id),
            q(&package)
        )
    });
    Ok(TransferConfirm {
        mch_id,
        app_id,
        package,
        page_url,
    })
}

/// What one run of the query job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QueryRun {
    /// Transfers asked about.
    pub queried: usize,
    /// Withdrawals it finished (paid or failed).
    pub finished: usize,
    /// Bills WeChat did not hold, sent again.
    pub resent: usize,
    /// Transfers WeChat could not be asked about (asked again next run).
    pub errors: usize,
}

/// Asks WeChat about approved WeChat withdrawals with no news for [`QUIET_FOR`]: a final
/// bill finishes its withdrawal (a lost callback never strands the money); a bill WeChat
/// does not hold (the send was cut off) is sent again, under the same number.
pub async fn query_waiting(app: &App, now: DateTime<Utc>) -> Result<QueryRun> {
    let Some(t) = app.transfers.clone() else {
        return Ok(QueryRun::default());
    };
    let mut run = QueryRun::default();
    let list = repo::approved_before(app.store.db(), "wechat", now - QUIET_FOR, 200).await?;
    for w in list {
        run.queried += 1;
        match t.channel.query_transfer(&w.withdrawal_no, now).await {
            Ok(Some(b)) if b.state.is_final() => {
                let after = finish(
                    app,
                    &w,
                    b.state,
                    &b.transfer_bill_no,
                    b.fail_reason.as_deref(),
                    now,
                )
                .await?;
                if after.state != w.state {
                    run.finished += 1;
                }
            }
            Ok(Some(b)) => {
                // Still under way: note it (and keep the package while the payee may use it).
                let package = (b.state == TransferState::WaitUserConfirm)
                    .then_some(w.package_info.as_deref())
                    .flatten();
                repo::record_transfer(
                    app.store.db(),
                    w.id,
                    &b.transfer_bill_no,
                    package,
                    b.state.as_str(),
                    now,
                )
                .await?;
            }
            Ok(None) => {
                run.resent += 1;
                match send(app, &t, &w, now).await {
                    Ok(Sent::Pending) => {}
                    Ok(Sent::Paid(r)) => {
                        step(app, w.id, Decision::Paid(r), None, now).await?;
                        run.finished += 1;
                    }
                    Ok(Sent::Failed(r)) => {
                        step(app, w.id, Decision::Fail(r), None, now).await?;
                        run.finished += 1;
                    }
                    Err(e) => {
                        tracing::warn!(withdrawal = %w.withdrawal_no, error = %e, "transfer not sent again");
                        run.errors += 1;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(withdrawal = %w.withdrawal_no, error = %e, "transfer query failed");
                run.errors += 1;
            }
        }
    }
    Ok(run)
}
