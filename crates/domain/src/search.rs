//! Catalog search the way Chinese customers type: characters (保洁), full pinyin (baojie),
//! pinyin initials (bj), a mix (baoj), or English. Heteronyms count every reading, so 长宁
//! is found by both `cn` and `zn`. Pure ranking over small documents; the catalog is small
//! enough to search in memory.

use pinyin::ToPinyinMulti;

/// A searchable document.
#[derive(Debug, Clone)]
pub struct Doc {
    name: String,
    readings: Vec<Vec<String>>,
    english: String,
    extra: String,
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Doc {
    /// Indexes a name (matched best), its English name, and other text (description,
    /// category names) matched last.
    pub fn new(name: &str, name_en: &str, extra: &[&str]) -> Doc {
        let name = normalise(name);
        let readings = name
            .chars()
            .zip(name.as_str().to_pinyin_multi())
            .map(|(c, multi)| match multi {
                Some(m) => {
                    let mut v: Vec<String> = m.into_iter().map(|p| p.plain().to_string()).collect();
                    v.dedup();
                    v
                }
                None => vec![c.to_string()],
            })
            .collect();
        Doc {
            name,
            readings,
            english: name_en.to_lowercase(),
            extra: normalise(&extra.join(" ")),
        }
    }

    /// How well `query` matches: `None` for no match, higher is better.
    pub fn score(&self, query: &str) -> Option<u32> {
        let q = normalise(query);
        if q.is_empty() {
            return Some(1);
        }
        if self.name == q {
            return Some(100);
        }
        if self.name.starts_with(&q) {
            return Some(90);
        }
        if self.name.contains(&q) {
            return Some(80);
        }
        if q.is_ascii() {
            match pinyin_match(&self.readings, &q) {
                Some(0) => return Some(70),
                Some(_) => return Some(60),
                None => {}
            }
            // English: a word, or a phrase, starting at a word boundary.
            let phrase = query
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            let at_word = self.english.match_indices(&phrase).any(|(i, _)| {
                i == 0
                    || !self.english[..i]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric)
            });
            if at_word {
                return Some(50);
            }
        }
        if self.english.contains(&q) || self.extra.contains(&q) {
            return Some(30);
        }
        None
    }
}

/// The first character index from which `q` reads as the pinyin of the following
/// characters (full syllables, initials, or a partly typed last syllable).
fn pinyin_match(readings: &[Vec<String>], q: &str) -> Option<usize> {
    (0..readings.len()).find(|&start| consume(readings, start, q))
}

fn consume(readings: &[Vec<String>], i: usize, rest: &str) -> bool {
    if rest.is_empty() {
        return true;
    }
    let Some(options) = readings.get(i) else {
        return false;
    };
    options.iter().any(|r| {
        (rest.starts_with(r.as_str()) && consume(readings, i + 1, &rest[r.len()..]))
            || (r.starts_with(rest) && r.is_ascii())
            || (r.is_ascii()
                && rest.as_bytes()[0] == r.as_bytes()[0]
                && r.len() > 1
                && consume(readings, i + 1, &rest[1..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_pinyin_initials_and_english_all_find_it() {
        let d = Doc::new("深度保洁", "Deep cleaning", &["全屋深度清洁", "家庭保洁"]);
        assert_eq!(d.score("深度保洁"), Some(100));
        assert_eq!(d.score("深度"), Some(90));
        assert_eq!(d.score("保洁"), Some(80));
        assert_eq!(d.score("sdbj"), Some(70));
        assert_eq!(d.score("bj"), Some(60));
        assert_eq!(d.score("baojie"), Some(60));
        assert_eq!(d.score("baoj"), Some(60));
        assert_eq!(d.score("shendubao"), Some(70));
        assert_eq!(d.score("Deep"), Some(50));
        assert_eq!(d.score("clean"), Some(50));
        assert_eq!(d.score("Deep  Clean"), Some(50));
        assert_eq!(d.score("eep"), Some(30), "inside a word ranks low");
        assert_eq!(d.score("全屋"), Some(30));
        assert_eq!(d.score("xc"), None);
        assert_eq!(d.score("  "), Some(1));
    }

    #[test]
    fn heteronyms_match_every_reading() {
        let d = Doc::new("长宁区", "Changning", &[]);
        assert_eq!(d.score("cn"), Some(70));
        assert_eq!(d.score("changning"), Some(70));
        assert_eq!(d.score("zn"), Some(70), "长 also reads zhang");
    }

    #[test]
    fn mixed_text_and_digits() {
        let d = Doc::new("4S店级保养", "Car service", &[]);
        assert_eq!(d.score("4s"), Some(90));
        assert_eq!(d.score("4sdjby"), Some(70));
        assert_eq!(d.score("by"), Some(60));
    }
}
