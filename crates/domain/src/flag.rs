//! Feature flags for gradual release (灰度发布): a flag is on for a caller when it is enabled,
//! the caller's area and role are among the flag's (an empty list means every one), and
//! the caller falls in the flag's percentage. The percentage is decided by a stable bucket
//! of the flag's key and the caller's id, so a customer keeps what they saw from one
//! request to the next and from one node to another, raising the percentage only adds
//! callers, and each flag draws its own callers (10 % of one flag is not the same 10 % as
//! another's).

use uuid::Uuid;

/// The most characters in a key.
pub const KEY_MAX: usize = 64;

/// A flag as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Its key, e.g. `booking.new_checkout`.
    pub key: String,
    /// Off overrides everything else.
    pub enabled: bool,
    /// Share of the matching callers who get it, 0 to 100.
    pub percent: u8,
    /// Service-area codes it is limited to (empty: every area).
    pub areas: Vec<String>,
    /// Audiences (`customer`, `worker`, `staff`, `anonymous`) or staff roles
    /// (`dispatcher`, …) it is limited to (empty: everyone).
    pub roles: Vec<String>,
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// A stable id: the account, or the device's id for a caller not logged in.
    pub id: Uuid,
    /// `customer`, `worker`, `staff` or `anonymous`.
    pub audience: &'a str,
    /// A staff member's role.
    pub role: Option<&'a str>,
    /// The service area the caller is in or looking at.
    pub area: Option<&'a str>,
}

/// The audiences a flag may name besides staff roles.
pub const AUDIENCES: &[&str] = &["customer", "worker", "staff", "anonymous"];

/// What is wrong with a flag, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

/// The caller's bucket for `key`: 0 to 99, the same on every node and every release
/// (FNV-1a over the key, a separator and the id's bytes; not a secret, only a spread).
pub fn bucket(key: &str, id: Uuid) -> u8 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key
        .bytes()
        .chain([0u8])
        .chain(id.as_bytes().iter().copied())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Mix the high bits down before the modulo (FNV's low bits are the weakest).
    h ^= h >> 32;
    (h % 100) as u8
}

impl Flag {
    /// Whether the flag is on for `caller`.
    pub fn on_for(&self, caller: &Caller) -> bool {
        if !self.enabled || self.percent == 0 {
            return false;
        }
        if !self.areas.is_empty()
            && !caller
                .area
                .is_some_and(|a| self.areas.iter().any(|x| x == a))
        {
            return false;
        }
        if !self.roles.is_empty()
            && !self
                .roles
                .iter()
                .any(|r| r == caller.audience || caller.role == Some(r.as_str()))
        {
            return false;
        }
        bucket(&self.key, caller.id) < self.percent
    }

    /// Checks the key, the percentage and the role names (`roles` known to the caller:
    /// the audiences and the staff roles).
    pub fn check(&self, staff_roles: &[&str]) -> Result<(), Vec<Invalid>> {
        let mut out = vec![];
        let key_ok = !self.key.is_empty()
            && self.key.len() <= KEY_MAX
            && self
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && self.key.as_bytes()[0].is_ascii_lowercase();
        if !key_ok {
            out.push(Invalid {
                field: "key",
                message: format!(
                    "1 to {KEY_MAX} characters: lower-case letters, digits, `.`, `_` or `-`, starting with a letter"
                ),
            });
        }
        if self.percent > 100 {
            out.push(Invalid {
                field: "percent",
                message: "0 to 100".into(),
            });
        }
        for (i, r) in self.roles.iter().enumerate() {
            if !AUDIENCES.contains(&r.as_str()) && !staff_roles.contains(&r.as_str()) {
                out.push(Invalid {
                    field: "roles",
                    message: format!(
                        "roles[{i}]: `{r}` is not an audience ({}) or a staff role",
                        AUDIENCES.join(", ")
                    ),
                });
            }
        }
        for (i, a) in self.areas.iter().enumerate() {
            if a.trim().is_empty() || a.len() > 64 {
                out.push(Invalid {
                    field: "areas",
                    message: format!("areas[{i}]: an area code of 1 to 64 characters"),
                });
            }
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn flag(percent: u8) -> Flag {
        Flag {
            key: "booking.new_checkout".into(),
            enabled: true,
            percent,
            areas: vec![],
            roles: vec![],
        }
    }

    fn caller(id: Uuid) -> Caller<'static> {
        Caller {
            id,
            audience: "customer",
            role: None,
            area: Some("sh-pudong"),
        }
    }

    #[test]
    fn off_none_and_all() {
        let id = Uuid::from_u128(7);
        assert!(!flag(0).on_for(&caller(id)));
        assert!(flag(100).on_for(&caller(id)));
        let mut f = flag(100);
        f.enabled = false;
        assert!(!f.on_for(&caller(id)));
    }

    #[test]
    fn areas_and_roles_limit_it() {
        let id = Uuid::from_u128(9);
        let mut f = flag(100);
        f.areas = vec!["sh-xuhui".into()];
        assert!(!f.on_for(&caller(id)));
        f.areas.push("sh-pudong".into());
        assert!(f.on_for(&caller(id)));
        assert!(
            !f.on_for(&Caller {
                area: None,
                ..caller(id)
            }),
            "a caller in no area is outside an area-limited flag"
        );
        f.roles = vec!["dispatcher".into()];
        assert!(!f.on_for(&caller(id)));
        let staff = Caller {
            audience: "staff",
            role: Some("dispatcher"),
            ..caller(id)
        };
        assert!(f.on_for(&staff));
        f.roles = vec!["staff".into()];
        assert!(f.on_for(&staff), "an audience names every role in it");
    }

    #[test]
    fn the_share_is_close_to_the_percentage_and_flags_draw_differently() {
        let ids: Vec<Uuid> = (0..20_000u128)
            .map(|i| Uuid::from_u128(i * 7919 + 1))
            .collect();
        let on = |f: &Flag| ids.iter().filter(|id| f.on_for(&caller(**id))).count();
        let n = on(&flag(10)) as f64 / ids.len() as f64;
        assert!((0.085..0.115).contains(&n), "{n}");
        let other = Flag {
            key: "worker.new_route_view".into(),
            ..flag(10)
        };
        let both = ids
            .iter()
            .filter(|id| flag(10).on_for(&caller(**id)) && other.on_for(&caller(**id)))
            .count() as f64
            / ids.len() as f64;
        assert!(
            both < 0.03,
            "two flags at 10 % share {both} of callers, not the same 10 %"
        );
    }

    #[test]
    fn bad_flags_are_named_by_field() {
        let mut f = flag(101);
        f.key = "Bad Key".into();
        f.roles = vec!["boss".into()];
        let e = f.check(&["dispatcher"]).unwrap_err();
        let fields: Vec<_> = e.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["key", "percent", "roles"]);
        assert!(flag(50).check(&[]).is_ok());
    }

    proptest! {
        /// Raising the percentage only adds callers; the same caller gets the same answer.
        #[test]
        fn raising_the_percentage_only_adds(id in any::<u128>(), a in 0u8..=100, b in 0u8..=100) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let c = caller(Uuid::from_u128(id));
            if flag(lo).on_for(&c) {
                prop_assert!(flag(hi).on_for(&c));
            }
            prop_assert_eq!(flag(lo).on_for(&c), flag(lo).on_for(&c));
            prop_assert!(bucket("k", Uuid::from_u128(id)) < 100);
        }
    }
}
