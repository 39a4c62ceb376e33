//! WeChat Pay's platform certificates kept current, on every backend, against the pay
//! simulator in process (certificate mode, as the demo runs it): the refresh keeps the
//! downloaded certificates in the database and the channel verifies with them at once;
//! after the simulator rotates its certificate, a callback signed by the new one is refused
//! and asks for a download, and once the download ran the same callback is applied; the old
//! certificate stays trusted beside the new one until it expires.

use crate::common;

use axum::http::StatusCode;
use chrono::Duration;
use common::pay::*;
use common::*;
use daojia_app::payments::certificates::{self, REFRESH_JOB};
use daojia_pay::sim::Delivery;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn serial(cb: &daojia_pay::sim::Callback) -> String {
    cb.headers
        .iter()
        .find(|(k, _)| k == "Wechatpay-Serial")
        .map(|(_, v)| v.clone())
        .unwrap()
}

async fn kept(app: &TestApp) -> Vec<String> {
    daojia_store::repo::platform_certificates::all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.serial_no)
        .collect()
}

#[tokio::test]
async fn a_rotated_platform_certificate_is_trusted_after_the_refresh_and_the_callback_it_signed_applies()
 {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().unwrap();
        let now = app.state.now();
        let first = sim.platform_certificates().pop().unwrap().serial_no;
        assert!(
            certificates::kept(&app.state.app),
            "{b:?}: certificate mode"
        );

        // The first download keeps the simulator's certificate.
        let r = certificates::refresh(&app.state.app, now)
            .await
            .unwrap()
            .expect("certificate mode: something to do");
        assert_eq!((r.listed, r.new), (1, 1), "{b:?}");
        assert_eq!(r.trusted, vec![first.clone()]);
        assert_eq!(kept(&app).await, vec![first.clone()]);
        // Again: nothing new.
        let r = certificates::refresh(&app.state.app, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.listed, r.new), (1, 0));

        // A payment opened now, then WeChat rotates its certificate before it is paid.
        let c = customer(&app).await;
        let (order, _) = order(&app, &c, 1).await;
        let (status, intent) = pay_with(&app, &c, &order, "wechat_native").await;
        assert_eq!(status, StatusCode::CREATED, "{b:?}: {intent}");
        let no = intent["intent_no"].as_str().unwrap().to_string();
        let second = sim.issue_platform_certificate(chrono::Utc::now(), Duration::hours(4));
        sim.pay(&no, Delivery::Once, chrono::Utc::now()).unwrap();
        let cb = sim.take_callbacks().pop().unwrap();
        assert_eq!(serial(&cb), second);

        // Signed by a certificate this node does not know: refused, and a download asked for.
        let (status, text) = deliver(&app, &cb, &cb.body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b:?}: {text}");
        let asked = daojia_store::entity::job::Entity::find()
            .filter(daojia_store::entity::job::Column::Kind.eq(REFRESH_JOB))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(asked.len(), 1, "{b:?}: one download asked for");
        let intent_now = app
            .get(&format!("/api/v1/customer/orders/{order}"), Some(&c.token))
            .await;
        assert_eq!(intent_now.body["state"], "pending_payment");

        // The download runs (as the job): both certificates kept and trusted.
        let ran = daojia_app::jobs::run_one(&app.state.app, &asked[0], app.state.now())
            .await
            .unwrap();
        assert!(matches!(ran, daojia_app::jobs::Ran::Done));
        let mut both = vec![first.clone(), second.clone()];
        both.sort();
        let mut stored = kept(&app).await;
        stored.sort();
        assert_eq!(stored, both, "{b:?}");

        // WeChat sends the callback again: now it verifies and the order is paid.
        let (status, text) = deliver(&app, &cb, &cb.body).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{b:?}: {text}");
        let paid = app
            .get(&format!("/api/v1/customer/orders/{order}"), Some(&c.token))
            .await;
        assert_ne!(
            paid.body["state"], "pending_payment",
            "{b:?}: {}",
            paid.text
        );

        // The old certificate stays trusted until it expires, then only the new one is.
        let trusted = certificates::load(&app.state.app, app.state.now())
            .await
            .unwrap();
        assert_eq!(trusted.len(), 2, "{b:?}: {trusted:?}");
        let after_old = sim.platform_certificates()[0].expire + Duration::minutes(1);
        let trusted = certificates::load(&app.state.app, after_old).await.unwrap();
        assert_eq!(trusted, vec![second.clone()], "{b:?}");
    }
}
