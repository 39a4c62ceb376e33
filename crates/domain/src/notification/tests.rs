use super::template::{Locale, Vars, render, vars, yuan};
use super::*;
use chrono::NaiveDate;

fn at(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 6)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn all_vars(kind: Kind) -> Vars {
    vars(kind)
        .into_iter()
        .map(|v| (v.clone(), format!("<{v}>")))
        .collect()
}

#[test]
fn every_kind_renders_in_both_languages_with_its_variables() {
    for &k in Kind::ALL {
        let v = all_vars(k);
        for l in [Locale::ZhCn, Locale::En] {
            let r = render(k, l, &v).unwrap();
            assert!(!r.title.is_empty() && !r.body.is_empty(), "{k:?}");
            assert!(!r.body.contains('{'), "{k:?} {l:?}: {}", r.body);
            // The English text uses no variable the Chinese one does not name (an SMS
            // vendor's template is built from the Chinese one's list).
            assert!(r.body.contains("<order_no>"), "{k:?} {l:?}");
        }
        assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
    }
}

#[test]
fn a_missing_variable_is_an_error_not_a_gap() {
    let mut v = all_vars(Kind::Departed);
    v.remove("eta_min");
    let e = render(Kind::Departed, Locale::ZhCn, &v).unwrap_err();
    assert_eq!(e.var, "eta_min");
    assert_eq!(e.kind, "departed");
}

#[test]
fn the_departed_text_carries_the_eta() {
    let v: Vars = [
        ("worker", "王"),
        ("eta_min", "12"),
        ("order_no", "DJ20261206001"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let r = render(Kind::Departed, Locale::ZhCn, &v).unwrap();
    assert_eq!(r.title, "师傅已出发");
    assert_eq!(
        r.body,
        "王师傅已出发，预计 12 分钟后到达，订单号 DJ20261206001。"
    );
    let en = render(Kind::Departed, Locale::En, &v).unwrap();
    assert!(en.body.contains("about 12 min"), "{}", en.body);
    assert_eq!(vars(Kind::Departed), ["worker", "eta_min", "order_no"]);
}

#[test]
fn amounts_show_in_yuan_with_two_decimals() {
    assert_eq!(yuan(12850), "¥128.50");
    assert_eq!(yuan(5), "¥0.05");
    assert_eq!(yuan(-100), "-¥1.00");
    assert_eq!(Locale::from_tag("en-US"), Locale::En);
    assert_eq!(Locale::from_tag("zh-CN"), Locale::ZhCn);
    assert_eq!(Locale::from_tag(""), Locale::ZhCn);
}

#[test]
fn quiet_hours_across_midnight_hold_loud_channels_until_they_end() {
    let q = QuietHours {
        start: t(22, 0),
        end: t(8, 0),
    };
    assert!(q.contains(t(22, 0)) && q.contains(t(23, 59)) && q.contains(t(7, 59)));
    assert!(!q.contains(t(8, 0)) && !q.contains(t(12, 0)) && !q.contains(t(21, 59)));
    // Late evening: held until tomorrow 08:00.
    assert_eq!(q.release(at(23, 30)), at(8, 0) + Duration::days(1));
    // Early morning: held until 08:00 today.
    assert_eq!(q.release(at(6, 15)), at(8, 0));
    // Daytime: now.
    assert_eq!(q.release(at(9, 0)), at(9, 0));
}

#[test]
fn quiet_hours_within_a_day_and_empty_ones() {
    let q = QuietHours {
        start: t(12, 0),
        end: t(14, 0),
    };
    assert!(q.contains(t(13, 0)) && !q.contains(t(14, 0)) && !q.contains(t(11, 0)));
    assert_eq!(q.release(at(12, 30)), at(14, 0));
    let none = QuietHours {
        start: t(9, 0),
        end: t(9, 0),
    };
    assert!(!none.contains(t(9, 0)));
    assert_eq!(none.release(at(9, 0)), at(9, 0));
}

#[test]
fn the_plan_keeps_the_inbox_holds_loud_channels_and_skips_opt_outs() {
    let rules = NotifyRules::default();
    let mut prefs = Preferences {
        quiet: Some(QuietHours {
            start: t(22, 0),
            end: t(8, 0),
        }),
        ..Default::default()
    };
    prefs.off.insert((Kind::Departed, Channel::Push));
    let p = plan(&rules, &prefs, Kind::Departed, at(23, 0));
    let tomorrow8 = at(8, 0) + Duration::days(1);
    assert_eq!(
        p,
        vec![
            (Channel::Inbox, Step::Send(at(23, 0))),
            (Channel::Sms, Step::Send(tomorrow8)),
            (Channel::Push, Step::OptedOut),
        ]
    );
    // A kind that does not go by SMS: inbox and push only.
    let p = plan(&rules, &Preferences::default(), Kind::Completed, at(10, 0));
    assert_eq!(
        p,
        vec![
            (Channel::Inbox, Step::Send(at(10, 0))),
            (Channel::Push, Step::Send(at(10, 0))),
        ]
    );
}

#[test]
fn the_inbox_cannot_be_turned_off_nor_another_audiences_kind() {
    let mut p = Preferences::default();
    p.off.insert((Kind::Departed, Channel::Inbox));
    assert_eq!(
        p.check(Audience::Customer),
        Err(PreferenceError::InboxAlwaysOn)
    );
    let mut p = Preferences::default();
    p.off.insert((Kind::Offer, Channel::Sms));
    assert_eq!(
        p.check(Audience::Customer),
        Err(PreferenceError::OtherAudience("offer"))
    );
    assert_eq!(p.check(Audience::Worker), Ok(()));
    assert!(p.allows(Kind::Offer, Channel::Inbox) && !p.allows(Kind::Offer, Channel::Sms));
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let r = NotifyRules::default();
    let secs: Vec<i64> = (1..=9).map(|a| r.backoff(a).num_seconds()).collect();
    assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    assert_eq!(r.backoff(200).num_seconds(), 3600);
    assert!(r.validate().is_ok());
    let bad = NotifyRules {
        backoff_cap_secs: 10,
        ..Default::default()
    };
    assert_eq!(bad.validate().unwrap_err().0, "backoff_cap_secs");
}
