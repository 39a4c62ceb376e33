//! The demo's booked days (today and tomorrow): candidate bookings, deterministic from the
//! seed and the date. The loader places them one after another through slot search, so
//! only those some worker can still take are booked; the rest are turned away as a
//! customer would be.

use crate::City;
use crate::history::{day_rng, weighted_item};
use chrono::NaiveDate;

/// A booking a customer would like to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// Index into [`City::customers`] (never the first customer: the sample customer's
    /// account starts without open orders, so it can be deleted on the privacy page).
    pub customer: usize,
    /// Index into that customer's addresses.
    pub address: usize,
    /// Index into [`City::items`].
    pub item: usize,
    /// The window's start, minutes after local midnight (on the half hour).
    pub start_minute: i32,
    /// A number in `0..100` the loader decides the booking's progress with (assigned or
    /// waiting, offered or given…), so that the same date always looks the same.
    pub roll: u8,
}

/// `count` candidate bookings for `date`, in the order they are tried.
pub fn bookings(city: &City, date: NaiveDate, count: usize) -> Vec<Booking> {
    let mut rng = day_rng(city.seed, date, 2);
    (0..count)
        .map(|_| {
            let customer = 1 + rng.below(city.customers.len() as u64 - 1) as usize;
            let address = rng.below(city.customers[customer].addresses.len() as u64) as usize;
            let item = weighted_item(&mut rng, &city.items);
            // 08:00 to 20:00, busier in the morning and the early afternoon.
            let half_hours = if rng.below(3) == 0 { 25 } else { 14 };
            let start_minute = 8 * 60 + 30 * rng.below(half_hours) as i32;
            Booking {
                customer,
                address,
                item,
                start_minute,
                roll: rng.below(100) as u8,
            }
        })
        .collect()
}

/// Most orders needing two trades booked on one day.
pub const TWO_TRADES_PER_DAY: usize = 3;

/// Candidate orders needing two trades for `date` (a home cleaning with an appliance
/// repair: nobody in the demo city does both, so each is booked as two visits), at most
/// [`TWO_TRADES_PER_DAY`], in the order they are tried: the booking (its `item` the
/// cleaning, its window between 09:00 and 16:00) and the index of the repair item.
pub fn two_trades(city: &City, date: NaiveDate) -> Vec<(Booking, usize)> {
    let mut rng = day_rng(city.seed, date, 3);
    // Appliance cleaning is left out: some repairers do it too.
    let of = |category: &str| -> Vec<usize> {
        (0..city.items.len())
            .filter(|&i| city.items[i].category == category)
            .filter(|&i| !city.items[i].skills.contains(&"appliance_cleaning"))
            .collect()
    };
    let (cleaning, repair) = (of("cleaning"), of("appliance_repair"));
    if cleaning.is_empty() || repair.is_empty() {
        return vec![];
    }
    (0..TWO_TRADES_PER_DAY)
        .map(|_| {
            let customer = 1 + rng.below(city.customers.len() as u64 - 1) as usize;
            let address = rng.below(city.customers[customer].addresses.len() as u64) as usize;
            let item = cleaning[rng.below(cleaning.len() as u64) as usize];
            let second = repair[rng.below(repair.len() as u64) as usize];
            let start_minute = 9 * 60 + 30 * rng.below(15) as i32;
            let booking = Booking {
                customer,
                address,
                item,
                start_minute,
                roll: rng.below(100) as u8,
            };
            (booking, second)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_two_trade_bookings_a_day_always_the_same() {
        let city = crate::city(3);
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let a = two_trades(&city, d);
        assert_eq!(a, two_trades(&city, d));
        assert!(!a.is_empty() && a.len() <= TWO_TRADES_PER_DAY);
        for (b, second) in &a {
            assert_ne!(b.customer, 0);
            let (one, two) = (&city.items[b.item], &city.items[*second]);
            assert!(!city.workers.iter().any(|w| {
                one.skills
                    .iter()
                    .chain(&two.skills)
                    .all(|s| w.skills.contains(s))
            }));
        }
    }

    #[test]
    fn bookings_are_deterministic_per_date_and_leave_the_sample_customer_alone() {
        let city = crate::city(3);
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let a = bookings(&city, d, 300);
        assert_eq!(a, bookings(&city, d, 300));
        assert_ne!(a, bookings(&city, d.succ_opt().unwrap(), 300));
        for b in &a {
            assert!(b.customer >= 1 && b.customer < city.customers.len());
            assert!(b.address < city.customers[b.customer].addresses.len());
            assert!((8 * 60..=20 * 60).contains(&b.start_minute) && b.start_minute % 30 == 0);
            assert!(b.roll < 100);
        }
    }
}
