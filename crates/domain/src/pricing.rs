//! Prices and durations of service items: the base, the customer's option choices, the
//! service area's adjustment and the quantity. The server computes every price with this;
//! a price sent by a client is never trusted.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// One choice of an option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionChoice {
    /// Code, unique within the option.
    pub code: String,
    /// 中文 label.
    pub name: String,
    /// English label.
    pub name_en: String,
    /// Added to the unit price, 分 (may be negative).
    pub price_delta_fen: i64,
    /// Added to the unit duration, minutes (may be negative).
    pub duration_delta_min: i32,
}

/// An option of an item; the first choice is the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOption {
    /// Code, unique within the item.
    pub code: String,
    /// 中文 label.
    pub name: String,
    /// English label.
    pub name_en: String,
    /// The choices (at least one).
    pub choices: Vec<OptionChoice>,
}

/// A service area's adjustment of an item's price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AreaPrice {
    /// Replaces the item's base price in the area.
    pub base_price: Option<Money>,
    /// Percent added (or, negative, taken off) after the options, e.g. 10 for +10%.
    pub markup_percent: i32,
}

/// The customer's choice for one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Option code.
    pub option: String,
    /// Choice code.
    pub choice: String,
}

/// A computed price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Price of one unit with the options.
    pub unit_price: Money,
    /// Units.
    pub quantity: u32,
    /// `unit_price × quantity`.
    pub total: Money,
    /// Working time for all units, minutes.
    pub duration_min: u32,
    /// Every option with the choice that applies (defaults filled in), in the item's order.
    pub selections: Vec<Selection>,
}

/// Why a price cannot be computed; `field` points into the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PricingError {
    /// Where, e.g. `options[1].choice`.
    pub field: String,
    /// Stable code: `unknown_option`, `unknown_choice`, `duplicate_option`, `quantity`, `price`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Most units of one item in one order.
pub const MAX_QUANTITY: u32 = 20;
/// The shortest visit the platform books, minutes.
pub const MIN_DURATION_MIN: i64 = 15;

/// Prices `quantity` units of an item with base price and duration, its options, the
/// area's adjustment and the customer's selections.
pub fn quote(
    base_price: Money,
    base_duration_min: u32,
    options: &[ItemOption],
    area: Option<&AreaPrice>,
    selections: &[Selection],
    quantity: u32,
) -> Result<Quote, PricingError> {
    let err = |field: String, code, message: String| {
        Err(PricingError {
            field,
            code,
            message,
        })
    };
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return err(
            "quantity".into(),
            "quantity",
            format!("between 1 and {MAX_QUANTITY}"),
        );
    }
    for (i, s) in selections.iter().enumerate() {
        let Some(opt) = options.iter().find(|o| o.code == s.option) else {
            return err(
                format!("options[{i}].option"),
                "unknown_option",
                format!("the item has no option `{}`", s.option),
            );
        };
        if !opt.choices.iter().any(|c| c.code == s.choice) {
            return err(
                format!("options[{i}].choice"),
                "unknown_choice",
                format!("option `{}` has no choice `{}`", s.option, s.choice),
            );
        }
        if selections[..i].iter().any(|p| p.option == s.option) {
            return err(
                format!("options[{i}].option"),
                "duplicate_option",
                format!("option `{}` is chosen twice", s.option),
            );
        }
    }
    let too_large = || PricingError {
        field: "options".into(),
        code: "price",
        message: "these choices give a price too large to charge; the item is misconfigured".into(),
    };
    let mut price = area
        .and_then(|a| a.base_price)
        .unwrap_or(base_price)
        .as_fen();
    let mut duration = i64::from(base_duration_min);
    let mut chosen = Vec::with_capacity(options.len());
    for opt in options {
        let choice = match selections.iter().find(|s| s.option == opt.code) {
            Some(s) => opt.choices.iter().find(|c| c.code == s.choice),
            None => opt.choices.first(),
        };
        let Some(choice) = choice else { continue };
        // Stored items passed the catalog's range checks, but a quote must not trust that.
        price = price
            .checked_add(choice.price_delta_fen)
            .ok_or_else(too_large)?;
        duration = duration
            .checked_add(i64::from(choice.duration_delta_min))
            .ok_or_else(too_large)?;
        chosen.push(Selection {
            option: opt.code.clone(),
            choice: choice.code.clone(),
        });
    }
    if let Some(a) = area {
        // Round half up to the fen.
        price = price
            .checked_mul(100 + i64::from(a.markup_percent))
            .and_then(|p| p.checked_add(50))
            .ok_or_else(too_large)?
            .div_euclid(100);
    }
    if price <= 0 {
        return err(
            "options".into(),
            "price",
            "these choices give no positive price; the item is misconfigured".into(),
        );
    }
    let unit_price = Money::fen(price);
    let total = unit_price
        .checked_mul(i64::from(quantity))
        .ok_or_else(|| PricingError {
            field: "quantity".into(),
            code: "quantity",
            message: "the total is too large".into(),
        })?;
    let per_unit = duration.max(MIN_DURATION_MIN);
    let duration_min = per_unit
        .checked_mul(i64::from(quantity))
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| PricingError {
            field: "options".into(),
            code: "duration",
            message: "these choices give a visit too long to book".into(),
        })?;
    Ok(Quote {
        unit_price,
        quantity,
        total,
        duration_min,
        selections: chosen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn choice(code: &str, price: i64, minutes: i32) -> OptionChoice {
        OptionChoice {
            code: code.into(),
            name: code.into(),
            name_en: code.into(),
            price_delta_fen: price,
            duration_delta_min: minutes,
        }
    }

    fn options() -> Vec<ItemOption> {
        vec![
            ItemOption {
                code: "area".into(),
                name: "面积".into(),
                name_en: "Area".into(),
                choices: vec![choice("lt60", 0, 0), choice("60_90", 10_000, 60)],
            },
            ItemOption {
                code: "type".into(),
                name: "类型".into(),
                name_en: "Type".into(),
                choices: vec![choice("wall", 0, 0), choice("floor", 4_000, 30)],
            },
        ]
    }

    fn sel(option: &str, choice: &str) -> Selection {
        Selection {
            option: option.into(),
            choice: choice.into(),
        }
    }

    #[test]
    fn options_add_to_price_and_duration_and_defaults_fill_in() {
        let q = quote(
            Money::fen(39_900),
            240,
            &options(),
            None,
            &[sel("area", "60_90")],
            1,
        )
        .unwrap();
        assert_eq!(
            (q.unit_price, q.total, q.duration_min),
            (Money::fen(49_900), Money::fen(49_900), 300)
        );
        assert_eq!(
            q.selections,
            vec![sel("area", "60_90"), sel("type", "wall")]
        );
        let q = quote(
            Money::fen(8_900),
            60,
            &options(),
            None,
            &[sel("type", "floor")],
            3,
        )
        .unwrap();
        assert_eq!(
            (q.unit_price, q.total, q.duration_min),
            (Money::fen(12_900), Money::fen(38_700), 270)
        );
    }

    #[test]
    fn the_area_can_replace_the_base_and_mark_up() {
        let area = AreaPrice {
            base_price: Some(Money::fen(45_000)),
            markup_percent: 10,
        };
        let q = quote(Money::fen(39_900), 240, &options(), Some(&area), &[], 1).unwrap();
        assert_eq!(q.unit_price, Money::fen(49_500));
        let discount = AreaPrice {
            base_price: None,
            markup_percent: -15,
        };
        let q = quote(Money::fen(15_900), 180, &[], Some(&discount), &[], 1).unwrap();
        assert_eq!(q.unit_price, Money::fen(13_515));
    }

    #[test]
    fn bad_selections_name_the_field() {
        let e = quote(
            Money::fen(100),
            60,
            &options(),
            None,
            &[sel("colour", "red")],
            1,
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("options[0].option", "unknown_option")
        );
        let e = quote(
            Money::fen(100),
            60,
            &options(),
            None,
            &[sel("area", "lt60"), sel("type", "ceiling")],
            1,
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("options[1].choice", "unknown_choice")
        );
        let e = quote(
            Money::fen(100),
            60,
            &options(),
            None,
            &[sel("area", "lt60"), sel("area", "60_90")],
            1,
        )
        .unwrap_err();
        assert_eq!(e.code, "duplicate_option");
        let e = quote(Money::fen(100), 60, &options(), None, &[], 0).unwrap_err();
        assert_eq!(e.field, "quantity");
        let e = quote(Money::fen(-5_000), 60, &options(), None, &[], 1).unwrap_err();
        assert_eq!(e.code, "price");
    }

    #[test]
    fn option_json_is_what_the_catalog_stores() {
        let json = r#"[{"code":"hours","name":"服务时长","name_en":"Hours","choices":[{"code":"3h","name":"3小时","name_en":"3 hours","price_delta_fen":0,"duration_delta_min":0}]}]"#;
        let opts: Vec<ItemOption> = serde_json::from_str(json).unwrap();
        assert_eq!(opts[0].choices[0].code, "3h");
    }

    proptest! {
        #[test]
        fn total_is_unit_times_quantity_and_never_negative(
            base in 1i64..1_000_000, delta in -500i64..500_000, markup in -50i32..100, qty in 1u32..=MAX_QUANTITY, pick in any::<bool>(),
        ) {
            let opts = vec![ItemOption { code: "o".into(), name: "o".into(), name_en: "o".into(), choices: vec![choice("a", 0, 0), choice("b", delta, -30)] }];
            let s = if pick { vec![sel("o", "b")] } else { vec![] };
            let area = AreaPrice { base_price: None, markup_percent: markup };
            if let Ok(q) = quote(Money::fen(base), 60, &opts, Some(&area), &s, qty) {
                prop_assert!(q.unit_price > Money::ZERO);
                prop_assert_eq!(q.total, Money::fen(q.unit_price.as_fen() * i64::from(qty)));
                prop_assert!(q.duration_min >= 15 * qty);
            }
        }

        #[test]
        fn extreme_prices_deltas_and_markups_are_refused_never_wrapped(
            base in prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(i64::MAX / 2), any::<i64>()],
            delta in prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>()],
            minutes in prop_oneof![Just(i32::MIN), Just(i32::MAX), any::<i32>()],
            markup in prop_oneof![Just(i32::MIN), Just(i32::MAX), any::<i32>()],
            qty in 1u32..=MAX_QUANTITY,
        ) {
            let opts = vec![ItemOption { code: "o".into(), name: "o".into(), name_en: "o".into(), choices: vec![choice("a", delta, minutes)] }];
            let area = AreaPrice { base_price: None, markup_percent: markup };
            if let Ok(q) = quote(Money::fen(base), u32::MAX, &opts, Some(&area), &[], qty) {
                let exact = (i128::from(base) + i128::from(delta)) * (100 + i128::from(markup));
                prop_assert!(q.unit_price > Money::ZERO);
                prop_assert_eq!(i128::from(q.unit_price.as_fen()), (exact + 50).div_euclid(100));
                prop_assert_eq!(i128::from(q.total.as_fen()), i128::from(q.unit_price.as_fen()) * i128::from(qty));
            }
        }
    }
}
