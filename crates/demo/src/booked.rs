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

#[cfg(test)]
mod tests {
    use super::*;

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
