//! Safety at the door in the demo city (issue 11), so that the console's pages have
//! something to show: one order of the history whose customer was not home (the worker's
//! evidence recorded as the worker app records it, the fee kept), and one open SOS on a
//! visit under way today.

use super::DemoError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_store::entity::service_order;
use daojia_store::repo::{meta, records, uploads, visits};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `app_meta` key recording the demo's SOS.
pub const SOS_KEY: &str = "demo_sos";

/// A history visit turned into a customer not home.
#[derive(Debug, Clone, Copy)]
pub(super) struct NoShowPlan {
    /// The order.
    pub order: Uuid,
    /// Its worker.
    pub worker: Uuid,
    /// When the worker recorded it.
    pub at: DateTime<Utc>,
    /// The address.
    pub address: LatLng,
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A small PNG of one colour (a stand-in for a photo at the door): deflate's stored
/// blocks, so it needs no compressor.
pub(super) fn photo(rgb: [u8; 3]) -> Vec<u8> {
    const SIDE: u32 = 48;
    // Each row: filter 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(SIDE as usize * 3))
        .collect();
    let raw = row.repeat(SIDE as usize);
    // zlib: header, one stored block (the raw rows fit in one), Adler-32.
    let mut z = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    z.extend_from_slice(&len.to_le_bytes());
    z.extend_from_slice(&(!len).to_le_bytes());
    z.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for x in &raw {
        a = (a + u32::from(*x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = vec![];
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Records the worker's evidence of the history's customer not home in `tx` (the
/// history's transaction, after its orders were written): the photo, the `visit_no_show`
/// row with the fee and refund the cancellation booked, and its service record entry.
pub(super) async fn no_show_evidence(
    state: &AppState,
    tx: &DatabaseTransaction,
    plan: NoShowPlan,
) -> Result<(), DemoError> {
    let e = |e: sea_orm::DbErr| DemoError::Data(format!("no-show: {e}"));
    let Some(order) = daojia_store::repo::orders::get(tx, plan.order)
        .await
        .map_err(e)?
    else {
        return Ok(());
    };
    let bytes = photo([0x9a, 0x8c, 0x7a]);
    let photo_id = Uuid::now_v7();
    state
        .files
        .put(photo_id, &bytes)
        .await
        .map_err(|e| DemoError::Data(format!("no-show photo: {e}")))?;
    let upload = uploads::insert(
        tx,
        uploads::NewUpload {
            id: photo_id,
            owner_type: "worker",
            owner_id: plan.worker,
            purpose: daojia_app::visits::NO_SHOW_PURPOSE.into(),
            content_type: "image/png".into(),
            size_bytes: bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            width: 48,
            height: 48,
        },
        plan.at,
    )
    .await
    .map_err(e)?;
    // At the door: a few metres from the address.
    let position = LatLng::new(plan.address.lat + 0.00008, plan.address.lng);
    let row = visits::insert_no_show(
        &state.store,
        tx,
        &order,
        &visits::NewNoShow {
            worker_id: plan.worker,
            position,
            accuracy_m: Some(12.0),
            distance_m: 9,
            call_attempts: 3,
            photo_upload_id: photo_id,
            note: Some("敲门、按门铃均无人应答，电话未接".into()),
            reason: daojia_app::visits::NO_SHOW_REASON.into(),
            device_at: None,
        },
        order.fee_fen,
        order.refunded_fen,
        plan.at,
    )
    .await
    .map_err(e)?;
    let content = records::of_no_show(&row, (position.lat, position.lng), Some(&upload));
    records::append(tx, plan.order, content, plan.at)
        .await
        .map_err(e)?;
    Ok(())
}

/// Once: an open SOS raised by the worker of a visit under way today (the latest to
/// start), near the address.
pub(super) async fn sos(state: &AppState, now: DateTime<Utc>) -> Result<(), DemoError> {
    let db = state.store.db();
    if meta::get(db, SOS_KEY).await?.is_some() {
        return Ok(());
    }
    let under_way = service_order::Entity::find()
        .filter(service_order::Column::State.is_in([
            OrderState::InService.as_str(),
            OrderState::Arrived.as_str(),
            OrderState::EnRoute.as_str(),
        ]))
        .filter(service_order::Column::WorkerId.is_not_null())
        .order_by_desc(service_order::Column::WindowStart)
        .one(db)
        .await?;
    let Some(o) = under_way else {
        return Ok(());
    };
    let Some(worker) = o.worker_id else {
        return Ok(());
    };
    let input = daojia_app::safety::SosInput {
        lat: Some(o.lat + 0.0003),
        lng: Some(o.lng - 0.0002),
        accuracy_m: Some(20.0),
        note: Some("客户家的狗很凶，无法进门，请协助联系客户".into()),
    };
    daojia_app::safety::raise(
        &state.app,
        daojia_app::safety::Raiser::Worker(worker),
        o.id,
        &input,
        now,
    )
    .await
    .map_err(|e| DemoError::Data(format!("demo SOS: {e}")))?;
    meta::set(db, SOS_KEY, &o.id.to_string(), now).await?;
    Ok(())
}
