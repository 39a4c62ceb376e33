//! Invoices (发票): what a customer asks for a completed order (the title, and for a
//! company its unified social credit code), the states of a request, and the check of a
//! unified social credit code (统一社会信用代码, GB 32100-2015). The amount is never typed:
//! it is what the customer paid for the order net of refunds.

use std::fmt;

/// Whose name the invoice bears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleKind {
    /// A person (个人): the name only.
    Personal,
    /// A company or organisation (单位): the name and its unified social credit code.
    Company,
}

impl TitleKind {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            TitleKind::Personal => "personal",
            TitleKind::Company => "company",
        }
    }

    /// The kind of a code.
    pub fn parse(s: &str) -> Option<TitleKind> {
        match s {
            "personal" => Some(TitleKind::Personal),
            "company" => Some(TitleKind::Company),
            _ => None,
        }
    }
}

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Asked for; finance has not acted.
    Requested,
    /// Issued: the file is uploaded.
    Issued,
    /// Refused, with a reason.
    Rejected,
    /// Issued, then reversed by a red-letter invoice (红冲): the order may be invoiced again.
    Reversed,
}

impl State {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Issued => "issued",
            State::Rejected => "rejected",
            State::Reversed => "reversed",
        }
    }

    /// The state of a code.
    pub fn parse(s: &str) -> Option<State> {
        match s {
            "requested" => Some(State::Requested),
            "issued" => Some(State::Issued),
            "rejected" => Some(State::Rejected),
            "reversed" => Some(State::Reversed),
            _ => None,
        }
    }

    /// Whether a request in this state blocks a new one for the same order (one open at a
    /// time; an issued invoice stands until it is reversed).
    pub fn is_open(self) -> bool {
        matches!(self, State::Requested | State::Issued)
    }
}

/// The characters of a unified social credit code (no I, O, S, V, Z), in the order of
/// their values.
const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weights of the first 17 characters (3^i mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a unified social credit code is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadCode {
    /// Not 18 characters.
    #[error("a unified social credit code has 18 characters")]
    Length,
    /// A character the code does not use (I, O, S, V, Z, lower-case are not).
    #[error("`{0}` is not a character of a unified social credit code")]
    Char(char),
    /// The administrative division (characters 3 to 8) is not six digits.
    #[error("characters 3 to 8 are the administrative division code: six digits")]
    Division,
    /// The last character is not the check character of the first 17.
    #[error("the check character does not match (a typing error?)")]
    Check,
}

/// The check character of the first 17 characters of a code (each of [`CHARS`]).
fn check_char(first17: &[u32]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let c = (31 - sum % 31) % 31;
    CHARS.as_bytes()[c as usize] as char
}

/// A unified social credit code, checked: 18 characters of the code's set, characters 3
/// to 8 digits, and the last the check character of the first 17 (GB 32100-2015). Spaces
/// around are trimmed; lower-case letters are taken as upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

impl CreditCode {
    /// Checks `s`.
    pub fn parse(s: &str) -> Result<CreditCode, BadCode> {
        let s = s.trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(BadCode::Length);
        }
        let mut values = Vec::with_capacity(18);
        for c in &chars {
            let v = CHARS.find(*c).ok_or(BadCode::Char(*c))?;
            values.push(v as u32);
        }
        if !chars[2..8].iter().all(char::is_ascii_digit) {
            return Err(BadCode::Division);
        }
        if check_char(&values[..17]) != chars[17] {
            return Err(BadCode::Check);
        }
        Ok(CreditCode(s))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a title is refused (the field and what is wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTitle {
    /// `title_type`, `title`, `tax_id` or `email`.
    pub field: &'static str,
    /// A stable code.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

/// A checked invoice title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    /// Personal or company.
    pub kind: TitleKind,
    /// The name on the invoice, 2 to 100 characters.
    pub name: String,
    /// A company's code; none for a person.
    pub tax_id: Option<CreditCode>,
    /// Where to send it, if given.
    pub email: Option<String>,
}

impl Title {
    /// Checks what a customer typed: the kind, a name of 2 to 100 characters, a company's
    /// valid unified social credit code (a person gives none), an email that looks like
    /// one (optional, at most 100 characters).
    pub fn new(
        kind: &str,
        name: &str,
        tax_id: Option<&str>,
        email: Option<&str>,
    ) -> Result<Title, BadTitle> {
        let bad = |field, code, message: &str| BadTitle {
            field,
            code,
            message: message.to_string(),
        };
        let kind = TitleKind::parse(kind)
            .ok_or_else(|| bad("title_type", "invalid", "personal or company"))?;
        let name = name.trim();
        let n = name.chars().count();
        if !(2..=100).contains(&n) || name.chars().any(char::is_control) {
            return Err(bad("title", "invalid", "2 to 100 characters"));
        }
        let tax_id = tax_id.map(str::trim).filter(|t| !t.is_empty());
        let tax_id = match (kind, tax_id) {
            (TitleKind::Company, None) => {
                return Err(bad(
                    "tax_id",
                    "required",
                    "a company's invoice needs its unified social credit code",
                ));
            }
            (TitleKind::Company, Some(t)) => Some(CreditCode::parse(t).map_err(|e| BadTitle {
                field: "tax_id",
                code: "invalid",
                message: e.to_string(),
            })?),
            (TitleKind::Personal, Some(_)) => {
                return Err(bad(
                    "tax_id",
                    "not_allowed",
                    "a personal invoice has no tax id",
                ));
            }
            (TitleKind::Personal, None) => None,
        };
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            let ok = e.chars().count() <= 100
                && !e.chars().any(|c| c.is_whitespace() || c.is_control())
                && e.split_once('@').is_some_and(|(user, host)| {
                    !user.is_empty()
                        && host.contains('.')
                        && !host.starts_with('.')
                        && !host.ends_with('.')
                        && !host.contains('@')
                });
            if !ok {
                return Err(bad(
                    "email",
                    "invalid",
                    "an email address such as name@example.com",
                ));
            }
        }
        Ok(Title {
            kind,
            name: name.to_string(),
            tax_id,
            email: email.map(str::to_string),
        })
    }
}

/// Whether an issued invoice must be reversed by a red-letter invoice (红冲): the order
/// now nets less than the invoice's amount (a refund came after it was issued).
pub fn needs_red_letter(state: State, invoiced_fen: i64, net_paid_fen: i64) -> bool {
    state == State::Issued && net_paid_fen < invoiced_fen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_checked_by_their_check_character() {
        for good in [
            "91440300708461136T",
            "9144030071526726XG",
            "91350100M000100Y43",
            " 9144030071526726xg ",
        ] {
            assert!(CreditCode::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            CreditCode::parse("9144030071526726xg").unwrap().as_str(),
            "9144030071526726XG"
        );
        // One character changed: the check fails.
        assert_eq!(CreditCode::parse("91440300708461137T"), Err(BadCode::Check));
        assert_eq!(CreditCode::parse("9144030071526726XH"), Err(BadCode::Check));
        assert_eq!(CreditCode::parse("91440300708461136"), Err(BadCode::Length));
        assert_eq!(
            CreditCode::parse("91440300708461136TT"),
            Err(BadCode::Length)
        );
        assert_eq!(
            CreditCode::parse("91440300708461136I"),
            Err(BadCode::Char('I'))
        );
        assert_eq!(
            CreditCode::parse("9144A30071526726XG"),
            Err(BadCode::Division)
        );
    }

    #[test]
    fn every_single_character_error_is_caught() {
        // A code's check character catches any one character replaced by another.
        let good: Vec<char> = "91440300708461136T".chars().collect();
        for i in 0..17 {
            for c in CHARS.chars() {
                if c == good[i] {
                    continue;
                }
                let mut s = good.clone();
                s[i] = c;
                let s: String = s.into_iter().collect();
                assert!(CreditCode::parse(&s).is_err(), "{s}");
            }
        }
    }

    #[test]
    fn titles() {
        let t = Title::new(
            "company",
            " 腾讯科技（深圳）有限公司 ",
            Some("9144030071526726XG"),
            None,
        )
        .unwrap();
        assert_eq!(t.name, "腾讯科技（深圳）有限公司");
        assert_eq!(t.tax_id.unwrap().as_str(), "9144030071526726XG");
        let t = Title::new("personal", "张三", None, Some("zs@example.com")).unwrap();
        assert_eq!(t.kind, TitleKind::Personal);
        assert_eq!(t.email.as_deref(), Some("zs@example.com"));
        let field = |r: Result<Title, BadTitle>| r.unwrap_err().field;
        assert_eq!(field(Title::new("company", "某公司", None, None)), "tax_id");
        assert_eq!(
            field(Title::new(
                "company",
                "某公司",
                Some("91440300708461137T"),
                None
            )),
            "tax_id"
        );
        assert_eq!(
            field(Title::new(
                "personal",
                "张三",
                Some("9144030071526726XG"),
                None
            )),
            "tax_id"
        );
        assert_eq!(field(Title::new("personal", "张", None, None)), "title");
        assert_eq!(
            field(Title::new("person", "张三", None, None)),
            "title_type"
        );
        for bad in [
            "zs",
            "zs@",
            "@example.com",
            "zs@example",
            "z s@example.com",
            "zs@.com",
        ] {
            assert_eq!(
                field(Title::new("personal", "张三", None, Some(bad))),
                "email",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_refund_after_issue_wants_a_red_letter_invoice() {
        assert!(needs_red_letter(State::Issued, 10000, 8000));
        assert!(!needs_red_letter(State::Issued, 10000, 10000));
        assert!(!needs_red_letter(State::Requested, 10000, 8000));
        assert!(!needs_red_letter(State::Rejected, 10000, 0));
    }
}
