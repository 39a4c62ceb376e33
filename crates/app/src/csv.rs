//! CSV files finance downloads and opens in a spreadsheet: UTF-8 with a byte-order mark
//! (so Excel reads Chinese), CRLF line ends, quoted fields where needed, amounts in yuan,
//! and text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at its
//! start) made inert with a leading apostrophe, so a name typed by a customer cannot
//! become a formula on finance's machine.

/// One field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text, escaped and made inert.
    Text(String),
    /// A count.
    Int(i64),
    /// An amount in fen, written in yuan (`-12.34`).
    Yuan(i64),
}

impl Cell {
    /// A text field.
    pub fn text(s: impl AsRef<str>) -> Cell {
        Cell::Text(s.as_ref().to_string())
    }

    fn write(&self, out: &mut String) {
        match self {
            Cell::Int(n) => out.push_str(&n.to_string()),
            Cell::Yuan(f) => {
                let sign = if *f < 0 { "-" } else { "" };
                let a = f.unsigned_abs();
                out.push_str(&format!("{sign}{}.{:02}", a / 100, a % 100));
            }
            Cell::Text(s) => {
                let inert = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{s}")
                } else {
                    s.clone()
                };
                if inert.contains([',', '"', '\n', '\r']) {
                    out.push('"');
                    out.push_str(&inert.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(&inert);
                }
            }
        }
    }
}

/// A CSV file being written.
#[derive(Debug, Clone)]
pub struct Csv {
    out: String,
}

impl Csv {
    /// A file with its header line.
    pub fn new(header: &[&str]) -> Csv {
        let mut csv = Csv {
            out: String::from("\u{feff}"),
        };
        csv.row(header.iter().map(Cell::text).collect());
        csv
    }

    /// Appends a line.
    pub fn row(&mut self, cells: Vec<Cell>) {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            c.write(&mut self.out);
        }
        self.out.push_str("\r\n");
    }

    /// The file's text.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_inert_and_in_yuan() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(vec![Cell::text("x,\"y\""), Cell::Yuan(-1205)]);
        c.row(vec![Cell::text("=HYPERLINK(\"e\")"), Cell::Yuan(7)]);
        c.row(vec![Cell::text("-1"), Cell::Int(-3)]);
        assert_eq!(
            c.finish(),
            "\u{feff}a,b\r\n\"x,\"\"y\"\"\",-12.05\r\n\"'=HYPERLINK(\"\"e\"\")\",0.07\r\n'-1,-3\r\n"
        );
    }
}
