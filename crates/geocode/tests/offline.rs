//! The offline provider over the demo city, through the trait the server uses.

use daojia_domain::geo::{LatLng, haversine_m};
use daojia_geocode::offline::{ADDRESS_RADIUS_M, OfflineGeocoder};
use daojia_geocode::{Geocoder, PlaceLevel};

const SEED: u64 = 20261125;

#[tokio::test]
async fn every_street_of_the_demo_city_resolves_inside_its_district() {
    let city = daojia_demo::city(SEED);
    let g = OfflineGeocoder::from_city(&city);
    assert!(g.is_offline());
    let mut streets = 0;
    for area in &city.areas {
        // The streets customers live on, as their addresses name them.
        let names: std::collections::BTreeSet<String> = city
            .customers
            .iter()
            .flat_map(|c| &c.addresses)
            .filter(|a| a.area_code == area.code)
            .filter_map(|a| {
                let rest = a.address.strip_prefix("上海市")?.strip_prefix(area.name)?;
                Some(rest.split(|c: char| c.is_ascii_digit()).next()?.to_string())
            })
            .collect();
        for street in names {
            streets += 1;
            let found = g.geocode(&street, Some("上海")).await.unwrap();
            let p = found
                .iter()
                .find(|p| p.district.as_deref() == Some(area.name))
                .unwrap_or_else(|| panic!("{street}: {found:?}"));
            assert_eq!(p.level, PlaceLevel::Street);
            assert!(area.polygon.contains(p.location), "{street} {p:?}");
            // And the point names the street again.
            let back = g.reverse(p.location).await.unwrap().unwrap();
            assert_eq!(back.district.as_deref(), Some(area.name), "{street}");
            assert_eq!(back.street.as_deref(), Some(street.as_str()), "{street}");
        }
    }
    assert!(streets >= 40, "{streets} streets");
}

#[tokio::test]
async fn a_customer_address_resolves_to_its_saved_point() {
    let city = daojia_demo::city(SEED);
    let g = OfflineGeocoder::from_city(&city);
    let a = &city.customers[7].addresses[0];
    // Typed as a customer would, without the compound.
    let typed = a.address.split(' ').next().unwrap();
    let found = g.geocode(typed, None).await.unwrap();
    assert_eq!(found[0].level, PlaceLevel::Address, "{typed}: {found:?}");
    assert_eq!(found[0].location, a.at);
    // A pin dropped a few metres off still names the house.
    let near = LatLng::new(a.at.lat + 0.0002, a.at.lng);
    assert!(haversine_m(near, a.at) < ADDRESS_RADIUS_M);
    let back = g.reverse(near).await.unwrap().unwrap();
    assert_eq!(back.level, PlaceLevel::Address);
    assert!(
        typed.starts_with(&back.formatted) || back.formatted == typed,
        "{back:?}"
    );
}

#[tokio::test]
async fn nonsense_and_other_cities_return_nothing() {
    let g = OfflineGeocoder::demo(SEED);
    for q in ["asdfghjkl", "火星第一大街", "12345", "!!!"] {
        assert!(g.geocode(q, None).await.unwrap().is_empty(), "{q}");
    }
    assert!(g.geocode("徐汇区", Some("北京")).await.unwrap().is_empty());
    // Beijing, and the sea off Shanghai: no district there.
    assert!(
        g.reverse(LatLng::new(39.9087, 116.3975))
            .await
            .unwrap()
            .is_none()
    );
    assert!(g.reverse(LatLng::new(31.0, 123.0)).await.unwrap().is_none());
    assert!(g.reverse(LatLng::new(95.0, 121.0)).await.is_err());
}
