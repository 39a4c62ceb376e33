//! Synthetic people for the day simulator, drawn from a seed on the demo city's map:
//! any number of workers in the demo's trades (skills, weekly shifts, home bases spread
//! over the districts by their weights) and customers with one address each, most of them
//! clustered around a few busy spots per district and the rest spread evenly.

use crate::history::category_weight;
use crate::places;
use crate::rng::Rng;
use crate::{Address, Area, City, Customer, Worker};
use daojia_domain::geo::LatLng;
use std::collections::BTreeSet;

/// Busy spots per district that clustered customers gather around.
pub const HOTSPOTS_PER_AREA: usize = 3;

/// How far clustered customers spread around their spot, metres (one standard deviation).
pub const HOTSPOT_SIGMA_M: f64 = 900.0;

/// `n` workers in the demo's trades and proportions, homes spread over `city`'s districts,
/// all the platform's own (no partner).
pub fn workers(city: &City, seed: u64, n: usize) -> Vec<Worker> {
    let mut rng = Rng::new(seed ^ 0x5157_0001);
    let mut phones = BTreeSet::new();
    let mut out = crate::workers_scaled(&mut rng, &city.areas, &mut phones, n);
    for w in &mut out {
        w.partner = None;
    }
    out
}

/// A point `sigma_m` (one standard deviation, each axis) around `c`.
fn around(rng: &mut Rng, c: LatLng, sigma_m: f64) -> LatLng {
    // Box–Muller: two independent normal draws.
    let (u1, u2) = (rng.unit().max(1e-12), rng.unit());
    let r = (-2.0 * u1.ln()).sqrt() * sigma_m;
    let (dy, dx) = (
        r * (std::f64::consts::TAU * u2).sin(),
        r * (std::f64::consts::TAU * u2).cos(),
    );
    let lat = c.lat + dy / 111_320.0;
    let lng = c.lng + dx / (111_320.0 * c.lat.to_radians().cos());
    LatLng::new((lat * 1e6).round() / 1e6, (lng * 1e6).round() / 1e6)
}

/// `n` customers with one address each; a share `clustered` (0–1) of them live around
/// [`HOTSPOTS_PER_AREA`] spots per district (drawn from the seed), the others anywhere in
/// a district drawn by its weight.
pub fn customers(city: &City, seed: u64, n: usize, clustered: f64) -> Vec<Customer> {
    let mut rng = Rng::new(seed ^ 0x5157_0002);
    let mut phones = BTreeSet::new();
    let spots: Vec<(LatLng, &Area)> = city
        .areas
        .iter()
        .flat_map(|a| {
            (0..HOTSPOTS_PER_AREA)
                .map(|_| (crate::point_in(&mut rng, a), a))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let female = rng.below(100) < 62;
        let full = crate::name(&mut rng, female);
        let surname: String = full.chars().take(1).collect();
        let nickname = format!("{surname}{}", if female { "女士" } else { "先生" });
        let phone = crate::phone(&mut rng, &mut phones);
        let (at, area) = if rng.unit() < clustered {
            // A spot of a district drawn by weight; redrawn until inside some district.
            let area = crate::weighted_area(&mut rng, &city.areas);
            let k = rng.below(HOTSPOTS_PER_AREA as u64) as usize;
            let (c, _) = spots
                .iter()
                .filter(|(_, a)| a.code == area.code)
                .nth(k)
                .copied()
                .expect("every district has its spots");
            loop {
                let p = around(&mut rng, c, HOTSPOT_SIGMA_M);
                if let Some(a) = city.area_at(p) {
                    break (p, a);
                }
            }
        } else {
            let area = crate::weighted_area(&mut rng, &city.areas);
            (crate::point_in(&mut rng, area), area)
        };
        let spec = places::AREAS
            .iter()
            .find(|s| s.code == area.code)
            .expect("every area has a spec");
        let street = rng.pick(spec.streets);
        let compound = rng.pick(&places::COMPOUNDS);
        let address = Address {
            label: "家",
            contact_name: full.clone(),
            contact_phone: phone.clone(),
            address: format!(
                "上海市{}{street}{}号 {compound}",
                spec.name,
                1 + rng.below(1200)
            ),
            house_number: format!("{}号楼{}室", 1 + rng.below(30), 101 + rng.below(2800)),
            at,
            area_code: area.code,
            is_default: true,
        };
        out.push(Customer {
            phone,
            nickname,
            addresses: vec![address],
        });
    }
    out
}

/// The demo's popularity of each category (relative weights), the simulator's default
/// service mix.
pub fn default_mix(city: &City) -> Vec<(&'static str, u64)> {
    city.categories
        .iter()
        .map(|c| (c.code, category_weight(c.code)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_people_are_deterministic_and_inside_the_city() {
        let city = crate::city(1);
        let w = workers(&city, 7, 150);
        assert_eq!(w.len(), 150);
        assert_eq!(
            w.iter().map(|x| &x.phone).collect::<Vec<_>>(),
            workers(&city, 7, 150)
                .iter()
                .map(|x| &x.phone)
                .collect::<Vec<_>>()
        );
        assert!(
            w.iter()
                .all(|x| city.area_at(x.home).is_some() && !x.skills.is_empty())
        );
        let c = customers(&city, 7, 300, 0.7);
        assert_eq!(c.len(), 300);
        let phones: BTreeSet<&String> = c.iter().map(|x| &x.phone).collect();
        assert_eq!(phones.len(), 300);
        assert!(c.iter().all(|x| city.area_at(x.addresses[0].at).is_some()));
        // The demo's own forty are unchanged by the scaling.
        assert_eq!(crate::city(1).workers.len(), crate::WORKERS);
    }
}
