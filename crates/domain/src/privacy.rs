//! What staff may see of a person: the masking of contact details, and the rule that decides
//! how much of an order's contact details a staff role sees.
//!
//! Decrypted contact details (names, addresses, house numbers, order notes) need the
//! `pii.read` permission. Dispatchers route workers to the door, so they also see the
//! address and house number of an order that is still open (not completed, in after-sales
//! or cancelled); everything else they see masked, and so does every other role without
//! `pii.read`. Phone numbers are masked for every staff role (`138****8000`).

use crate::access::{Permission, Role};
use crate::order::OrderState;

/// How much of an order's contact details a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// Name, address, house number and notes in clear (phone still masked).
    Full,
    /// The address and house number in clear (to route a worker); name and notes masked.
    Address,
    /// Everything masked.
    Masked,
}

impl Disclosure {
    /// True when the address and house number may be shown.
    pub fn shows_address(self) -> bool {
        matches!(self, Disclosure::Full | Disclosure::Address)
    }

    /// True when the contact name and the notes may be shown.
    pub fn shows_contact(self) -> bool {
        self == Disclosure::Full
    }
}

/// What a staff member with `role` sees of the contact details of an order in `state`.
pub fn order_disclosure(role: Role, state: OrderState) -> Disclosure {
    if role.allows(Permission::PiiRead) {
        Disclosure::Full
    } else if role.allows(Permission::DispatchWrite) && is_being_served(state) {
        Disclosure::Address
    } else {
        Disclosure::Masked
    }
}

/// What a staff member with `role` sees of people's names outside an order (customer
/// nicknames, saved addresses).
pub fn person_disclosure(role: Role) -> Disclosure {
    if role.allows(Permission::PiiRead) {
        Disclosure::Full
    } else {
        Disclosure::Masked
    }
}

/// True while a worker may still have to go to the order's address.
fn is_being_served(state: OrderState) -> bool {
    !matches!(
        state,
        OrderState::Completed | OrderState::AfterSales | OrderState::Cancelled
    )
}

/// A name with all but its first character starred: `王小明` → `王**`, `张` → `张*`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

/// An address cut after its street (or, without one, its district or city):
/// `上海市徐汇区漕溪北路 595 号` → `上海市徐汇区漕溪北路***`. Anything that cannot be cut
/// at a known boundary is hidden whole.
pub fn mask_address(address: &str) -> String {
    let text = address.trim();
    // The district (区/县) ends the administrative part; the street follows it.
    let district_end = end_after(text, 0, &['区', '县']);
    let street_end = district_end.and_then(|d| end_after(text, d, &['路', '街', '巷', '弄', '道']));
    let cut = street_end
        .or(district_end)
        .or_else(|| end_after(text, 0, &['市']));
    match cut {
        Some(end) if end < text.len() => format!("{}***", &text[..end]),
        _ => "***".to_string(),
    }
}

/// Byte offset just past the first of `marks` at or after `from`.
fn end_after(text: &str, from: usize, marks: &[char]) -> Option<usize> {
    text[from..]
        .char_indices()
        .find(|(_, c)| marks.contains(c))
        .map(|(i, c)| from + i + c.len_utf8())
}

/// A house number (building, floor, door), hidden whole.
pub fn mask_house_number(house_number: &str) -> String {
    if house_number.trim().is_empty() {
        String::new()
    } else {
        "***".to_string()
    }
}

/// Order notes, hidden whole (they carry door codes such as `门禁 1201#`).
pub fn mask_notes(notes: &str) -> String {
    if notes.trim().is_empty() {
        String::new()
    } else {
        "[hidden]".to_string()
    }
}

/// A coordinate rounded to 0.01° (about a kilometre), for viewers who may not see the
/// address it belongs to.
pub fn coarse_coordinate(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_only_its_first_character() {
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("张"), "张*");
        assert_eq!(mask_name("Alice"), "A****");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn an_address_is_cut_after_its_street() {
        assert_eq!(
            mask_address("上海市徐汇区漕溪北路 595 号"),
            "上海市徐汇区漕溪北路***"
        );
        assert_eq!(
            mask_address("上海市浦东新区 金桥 12 号"),
            "上海市浦东新区***"
        );
        assert_eq!(mask_address("北京市 某处 3 号"), "北京市***");
        assert_eq!(mask_address("Somewhere 12"), "***");
        assert_eq!(mask_address("上海市徐汇区"), "***");
    }

    #[test]
    fn house_numbers_and_notes_are_hidden_whole() {
        assert_eq!(mask_house_number("3号楼 1202室"), "***");
        assert_eq!(mask_notes("门禁 1201#"), "[hidden]");
        assert_eq!(mask_notes(""), "");
    }

    #[test]
    fn only_pii_holders_see_contacts_and_dispatchers_see_open_addresses() {
        use OrderState::*;
        for role in Role::ALL {
            for state in OrderState::ALL {
                let d = order_disclosure(*role, *state);
                let expected = match role {
                    Role::SuperAdmin | Role::CustomerService => Disclosure::Full,
                    Role::Dispatcher | Role::Partner
                        if !matches!(state, Completed | AfterSales | Cancelled) =>
                    {
                        Disclosure::Address
                    }
                    _ => Disclosure::Masked,
                };
                assert_eq!(d, expected, "{role} on {state:?}");
            }
        }
    }
}
