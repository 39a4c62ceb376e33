//! The demo's invoices (发票): on the latest completed orders of the history, one request
//! waiting for finance (a person's), one issued with its PDF (a company's), one rejected
//! with its reason, so a newcomer sees the console's 发票 page and the H5 order page with
//! each state. Runs once: nothing when an invoice exists.

use chrono::{DateTime, Utc};
use daojia_store::entity::{invoice, service_order};
use daojia_store::repo::invoices::{self, Decision, NewInvoice};
use daojia_store::repo::uploads;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A one-page PDF showing `lines` (ASCII), with a correct cross-reference table.
pub fn pdf(lines: &[String]) -> Vec<u8> {
    let mut text = String::from("BT /F1 14 Tf 60 780 Td 18 TL\n");
    for l in lines {
        let l: String = l
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        text.push_str(&format!("({l}) Tj T*\n"));
    }
    text.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Seeds the demo's invoices at `now` (see the module); returns how many.
pub async fn seed(state: &crate::state::AppState, now: DateTime<Utc>) -> Result<usize, String> {
    let store = &state.store;
    let db = store.db();
    let e = |e: sea_orm::DbErr| e.to_string();
    if invoice::Entity::find().count(db).await.map_err(e)? > 0 {
        return Ok(0);
    }
    let done = service_order::Entity::find()
        .filter(service_order::Column::State.eq("completed"))
        .filter(service_order::Column::CompletedAt.lte(now))
        .order_by_desc(service_order::Column::CompletedAt)
        .limit(20)
        .all(db)
        .await
        .map_err(e)?;
    let done: Vec<_> = done
        .into_iter()
        .filter(|o| o.paid_fen > o.refunded_fen)
        .take(3)
        .collect();
    // Finance's decisions are by the demo's finance staff member when there is one.
    let by = daojia_store::entity::staff::Entity::find()
        .filter(daojia_store::entity::staff::Column::Role.eq("finance"))
        .one(db)
        .await
        .map_err(e)?
        .map_or(Uuid::nil(), |s| s.id);
    let mut n = 0;
    for (i, o) in done.iter().enumerate() {
        let (kind, title, tax_id) = if i == 0 {
            ("personal", "王小明".to_string(), None)
        } else {
            (
                "company",
                "深圳市到家示范科技有限公司".to_string(),
                Some("9144030071526726XG".to_string()),
            )
        };
        let tx = daojia_store::begin(db).await.map_err(e)?;
        let made = invoices::insert(
            store,
            &tx,
            NewInvoice {
                order_id: o.id,
                customer_id: o.customer_id,
                title_type: kind,
                title,
                tax_id,
                email: Some("invoice@example.com".into()),
                amount_fen: o.paid_fen - o.refunded_fen,
            },
            now,
        )
        .await
        .map_err(e)?;
        let Some(m) = made else {
            tx.rollback().await.map_err(e)?;
            continue;
        };
        match i {
            1 => {
                let no = format!("2644200000{:010}", 1_000_000 + n);
                let bytes = pdf(&[
                    "Daojia demo invoice (not a real fapiao)".into(),
                    format!("Order {}", o.order_no),
                    format!("Invoice no. {no}"),
                    format!(
                        "Amount CNY {}.{:02}",
                        m.amount_fen / 100,
                        m.amount_fen % 100
                    ),
                ]);
                let upload_id = Uuid::now_v7();
                state
                    .files
                    .put(upload_id, &bytes)
                    .await
                    .map_err(|e| e.to_string())?;
                uploads::insert(
                    &tx,
                    uploads::NewUpload {
                        id: upload_id,
                        owner_type: "staff",
                        owner_id: by,
                        purpose: "invoice".into(),
                        content_type: "application/pdf".into(),
                        size_bytes: bytes.len() as i64,
                        sha256: hex::encode(Sha256::digest(&bytes)),
                        width: 0,
                        height: 0,
                    },
                    now,
                )
                .await
                .map_err(e)?;
                invoices::decide(
                    &tx,
                    m.id,
                    Decision::Issue {
                        upload_id,
                        invoice_no: no,
                    },
                    by,
                    now,
                )
                .await
                .map_err(e)?;
            }
            2 => {
                invoices::decide(
                    &tx,
                    m.id,
                    Decision::Reject("税号与单位名称不一致，请核对后重新申请".into()),
                    by,
                    now,
                )
                .await
                .map_err(e)?;
            }
            _ => {}
        }
        tx.commit().await.map_err(e)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_pdf_is_a_pdf_with_a_true_cross_reference() {
        let b = super::pdf(&["Order (1)".into()]);
        assert!(crate::api::invoices::is_pdf(&b));
        let s = String::from_utf8(b.clone()).unwrap();
        let start: usize = s
            .split("startxref\n")
            .nth(1)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(s[start..].starts_with("xref\n"));
        // Each object's offset points at its header.
        for (i, line) in s[start..].lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(s[off..].starts_with(&format!("{} 0 obj", i + 1)), "{i}");
        }
        assert!(s.contains("(Order \\(1\\)) Tj"));
    }
}
