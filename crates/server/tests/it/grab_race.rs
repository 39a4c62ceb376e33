//! The grab pool under contention: 50 workers claim the same order at once, on every
//! database the run tests. Exactly one wins, the order is assigned once with one order
//! event, and every other claimant is told the order is taken.

use crate::common;

use chrono::Duration;
use common::{TestApp, at, backends, grab};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_claims_make_one_winner() {
    for b in backends() {
        let app = TestApp::with_config(b, grab::config()).await;
        let city = grab::city(&app, 50).await;
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let id = grab::pooled_order(&app, &city, at(date, 10), "race").await;
        let a = app.state.app.clone();
        let now = app.state.now();
        let eligible: Vec<Uuid> = grab::eligible(&app, id)
            .await
            .into_iter()
            .take(50)
            .collect();
        assert_eq!(eligible.len(), 50, "{b:?}: {} eligible", eligible.len());
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(eligible.len()));
        let tasks: Vec<_> = eligible
            .iter()
            .map(|w| {
                let (a, w, barrier) = (a.clone(), *w, barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    (w, daojia_app::dispatch::grab::claim(&a, w, id, now).await)
                })
            })
            .collect();
        let mut winners = vec![];
        let mut taken = 0;
        for t in tasks {
            let (w, r) = t.await.unwrap();
            match r {
                Ok(o) => {
                    assert_eq!(o.worker.map(|x| x.0), Some(w));
                    winners.push(w);
                }
                // Every loser is told the order is taken.
                Err(daojia_app::Error::Conflict { code, .. }) => {
                    assert_eq!(code, "order_taken", "{b:?}: {w}");
                    taken += 1;
                }
                Err(e) => panic!("{b:?}: {w}: {e}"),
            }
        }
        assert_eq!(winners.len(), 1, "{b:?}: {winners:?}");
        assert!(eligible.contains(&winners[0]));
        assert_eq!(
            taken,
            eligible.len() - 1,
            "{b:?}: every other eligible worker was told"
        );
        grab::assert_claimed_once(&app, id, winners[0]).await;
    }
}
