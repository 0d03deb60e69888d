//! A table of text cells, written aligned for the terminal or as Markdown for the docs.

/// Headers and rows of cells; the first column is left-aligned, the others right-aligned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headers and no rows.
    pub fn new(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Aligned columns separated by two spaces, a rule under the headers.
    pub fn to_text(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = width - cell.chars().count().min(*width);
                if i > 0 {
                    out.push_str("  ");
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(pad));
                }
            }
            out.trim_end().to_owned()
        };
        let mut text = line(&self.headers);
        text.push('\n');
        text.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1)));
        text.push('\n');
        for row in &self.rows {
            text.push_str(&line(row));
            text.push('\n');
        }
        text
    }

    /// A GitHub Markdown table.
    pub fn to_markdown(&self) -> String {
        let escape = |cell: &str| cell.replace('|', "\\|");
        let mut text = format!("| {} |\n", self.headers.iter().map(|h| escape(h)).collect::<Vec<_>>().join(" | "));
        let rule: Vec<&str> = (0..self.headers.len()).map(|i| if i == 0 { "---" } else { "---:" }).collect();
        text.push_str(&format!("|{}|\n", rule.join("|")));
        for row in &self.rows {
            text.push_str(&format!("| {} |\n", row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | ")));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(&["scenario", "calls/s"]);
        table.row(vec!["Health/Check".into(), "55,000".into()]);
        table.row(vec!["GetStats".into(), "900".into()]);
        table
    }

    #[test]
    fn text_columns_line_up() {
        assert_eq!(
            sample().to_text(),
            "scenario      calls/s\n---------------------\nHealth/Check   55,000\nGetStats          900\n"
        );
    }

    #[test]
    fn markdown_right_aligns_figures_and_escapes_bars() {
        let mut table = sample();
        table.row(vec!["a|b".into(), "1".into()]);
        assert_eq!(
            table.to_markdown(),
            "| scenario | calls/s |\n|---|---:|\n| Health/Check | 55,000 |\n| GetStats | 900 |\n| a\\|b | 1 |\n"
        );
    }
}
