//! The types of a subscribe message's template fields, and how a value is fitted to one.

use std::collections::BTreeMap;

/// The rules of a field's type, by its key's prefix: at most how many characters, and
/// which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `thing`: up to 20 characters of any kind.
    Thing,
    /// `number`: up to 32 digits, with a decimal point.
    Number,
    /// `letter`: up to 32 letters.
    Letter,
    /// `symbol`: up to 5 symbols.
    Symbol,
    /// `character_string`: up to 32 digits, letters and symbols.
    CharacterString,
    /// `time`: a 24-hour time, with a date before it when wanted (`2019年10月1日 15:01`).
    Time,
    /// `date`: a date, with a time after it when wanted.
    Date,
    /// `amount`: a currency sign and up to 10 digits, with decimals, `元` at the end allowed.
    Amount,
    /// `phone_number`: up to 17 digits and symbols.
    PhoneNumber,
    /// `car_number`: up to 8 characters.
    CarNumber,
    /// `name`: up to 10 Chinese characters, or 20 letters.
    Name,
    /// `phrase`: up to 5 Chinese characters.
    Phrase,
}

impl FieldType {
    /// The type of field `key` (`thing1` → `Thing`); None for a prefix WeChat does not have.
    pub fn of(key: &str) -> Option<FieldType> {
        let prefix = key.trim_end_matches(|c: char| c.is_ascii_digit());
        Some(match prefix {
            "thing" => FieldType::Thing,
            "number" => FieldType::Number,
            "letter" => FieldType::Letter,
            "symbol" => FieldType::Symbol,
            "character_string" => FieldType::CharacterString,
            "time" => FieldType::Time,
            "date" => FieldType::Date,
            "amount" => FieldType::Amount,
            "phone_number" => FieldType::PhoneNumber,
            "car_number" => FieldType::CarNumber,
            "name" => FieldType::Name,
            "phrase" => FieldType::Phrase,
            _ => return None,
        })
    }

    /// At most how many characters.
    pub fn max_chars(self) -> usize {
        match self {
            FieldType::Thing | FieldType::Name => 20,
            FieldType::Number | FieldType::Letter | FieldType::CharacterString => 32,
            FieldType::Symbol | FieldType::Phrase => 5,
            FieldType::PhoneNumber => 17,
            FieldType::CarNumber => 8,
            FieldType::Amount => 14,
            FieldType::Time | FieldType::Date => 32,
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Shapes `value` to the rules of field `key`: characters a type does not take are dropped
/// (a `character_string` keeps ASCII letters, digits and symbols; a `number` digits and
/// one point), and a value too long is cut (a `thing` to 17 characters and `...`, others
/// plainly). Answers None when nothing valid is left, or the key is not a WeChat type.
pub fn fit(key: &str, value: &str) -> Option<String> {
    let t = FieldType::of(key)?;
    let value = value.trim();
    let kept: String = match t {
        FieldType::Number => {
            let mut point = false;
            value
                .chars()
                .filter(|c| {
                    if *c == '.' && !point {
                        point = true;
                        true
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .collect()
        }
        FieldType::Letter => value.chars().filter(char::is_ascii_alphabetic).collect(),
        FieldType::Symbol => value.chars().filter(char::is_ascii_punctuation).collect(),
        FieldType::CharacterString => value.chars().filter(|c| c.is_ascii_graphic()).collect(),
        FieldType::PhoneNumber => value
            .chars()
            .filter(|c| c.is_ascii_digit() || "+-()*".contains(*c))
            .collect(),
        FieldType::Phrase => value.chars().filter(|c| is_cjk(*c)).collect(),
        _ => value.chars().filter(|c| !c.is_control()).collect(),
    };
    if kept.is_empty() {
        return None;
    }
    let max = match t {
        // Ten Chinese characters, or twenty letters; mixed counts as Chinese.
        FieldType::Name if kept.chars().any(is_cjk) => 10,
        _ => t.max_chars(),
    };
    let n = kept.chars().count();
    if n <= max {
        return Some(kept);
    }
    Some(match t {
        FieldType::Thing => {
            let mut s: String = kept.chars().take(max - 3).collect();
            s.push_str("...");
            s
        }
        _ => kept.chars().take(max).collect(),
    })
}

/// `pattern` with `{name}` replaced by the variable's value; a variable not given leaves
/// nothing.
pub fn fill(pattern: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        if let Some(v) = vars.get(&after[..close]) {
            out.push_str(v);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::wechat::test_support::vars;

    #[test]
    fn values_are_fitted_to_their_field_types() {
        assert_eq!(
            fit("thing1", "日常保洁 2 小时").as_deref(),
            Some("日常保洁 2 小时")
        );
        let long = "深度保洁（厨房 + 卫生间 + 阳台，含玻璃与油烟机）";
        let t = fit("thing2", long).unwrap();
        assert_eq!(t.chars().count(), 20);
        assert!(t.ends_with("..."));
        assert_eq!(
            fit("character_string3", "DJ 2026-1206-0001 号").as_deref(),
            Some("DJ2026-1206-0001")
        );
        assert_eq!(fit("number4", "约 12.5 分钟").as_deref(), Some("12.5"));
        assert_eq!(fit("amount5", "¥128.50").as_deref(), Some("¥128.50"));
        assert_eq!(fit("phrase6", "已出发 ok").as_deref(), Some("已出发"));
        assert_eq!(fit("phrase6", "on the way"), None);
        assert_eq!(
            fit("name7", "欧阳娜娜娜娜娜娜娜娜娜")
                .unwrap()
                .chars()
                .count(),
            10
        );
        assert_eq!(
            fit("name7", "Alexandra Montgomery-Smythe").unwrap().len(),
            20
        );
        assert_eq!(fit("thing1", "   "), None);
        assert_eq!(fit("colour1", "red"), None);
        assert_eq!(
            FieldType::of("character_string12"),
            Some(FieldType::CharacterString)
        );
    }

    #[test]
    fn patterns_fill_from_the_variables() {
        let v = vars(&[("worker", "李"), ("eta_min", "15")]);
        assert_eq!(
            fill("{worker}师傅，约{eta_min}分钟", &v),
            "李师傅，约15分钟"
        );
        assert_eq!(fill("{missing}x{", &v), "x{");
    }
}
