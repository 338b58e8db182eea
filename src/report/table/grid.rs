//! Drawing columns of cells: as a table fitted to a width (comfy-table draws it, this file decides
//! every column's width), or as one block of `Label  value` lines per row when no table fits.
//!
//! A caller offers its columns in a few *shapes*, from the roomiest to the most compact (fewer
//! columns, values stacked in two lines, a low-priority column left out). [`fit()`] picks the first
//! shape in which every value is shown whole; failing that, the first compact shape in which the
//! columns narrow to their soft widths, then to their hard widths, eliding values in the middle;
//! failing that, blocks. Without a width (not a terminal) the roomiest shape is drawn unfitted, so
//! `grep` sees whole rows.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};

use crate::report::fit::{self, Give, Need, Pass};

/// One cell: its lines, escaped already, and its colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The lines of the cell.
    pub lines: Vec<String>,
    /// The colour of every line, when colour is on.
    pub color: Option<Color>,
}

impl Text {
    /// A cell of one or more lines (split at `\n`), uncoloured.
    pub fn new(text: &str) -> Self {
        Text {
            lines: text.split('\n').map(str::to_owned).collect(),
            color: None,
        }
    }

    /// The same cell in `color`.
    #[must_use]
    pub fn color(mut self, color: Color) -> Self {
        self.color = Some(color);
        self
    }
}

/// One column: its header (lines split at `\n`), its label in blocks, how it may narrow, and a
/// cell per row.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header, one or more lines.
    pub header: &'static str,
    /// The label of its lines in a block.
    pub label: &'static str,
    /// How it may be narrowed.
    pub give: Give,
    /// Which narrowable column gives first: lower gives earlier.
    pub rank: u8,
    /// A value too wide loses its start rather than its middle (a path: its file name and line
    /// are at the end).
    pub keep_end: bool,
    /// One cell per row.
    pub cells: Vec<Text>,
}

impl Column {
    /// `line` cut to `max` columns as this column cuts its values.
    fn elide(&self, line: &str, max: usize) -> String {
        if self.keep_end {
            fit::elide_start(line, max)
        } else {
            fit::elide(line, max)
        }
    }

    /// What fitting needs to know about this column.
    fn need(&self) -> Need {
        let header = self.header.split('\n').map(fit::width).max().unwrap_or(0);
        let values = self
            .cells
            .iter()
            .flat_map(|c| &c.lines)
            .map(|l| fit::width(l))
            .max()
            .unwrap_or(0);
        Need {
            natural: header.max(values),
            give: self.give,
            header,
        }
    }
}

/// The borders and padding a table of `n` columns adds to its cells' widths: `│ ` before each
/// column, ` ` after it, and the closing `│`.
pub fn chrome(n: usize) -> usize {
    3 * n + 1
}

/// What [`fit()`] chose: a shape's index and its column widths, or blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fitted {
    /// Shape `shape` with these column widths.
    Table {
        /// Its index among the shapes offered.
        shape: usize,
        /// One width per column.
        widths: Vec<usize>,
    },
    /// No table fits: one block per row.
    Blocks,
}

/// Picks a shape and its widths for `width` columns: `shapes` are the columns of each shape, from
/// the roomiest; `narrowable` the indexes of those that may be narrowed, from the first choice.
pub fn fit(shapes: &[Vec<Column>], narrowable: &[usize], width: usize) -> Fitted {
    let attempt = |index: usize, pass: Pass| {
        let columns = &shapes[index];
        let needs: Vec<Need> = columns.iter().map(Column::need).collect();
        let mut order: Vec<usize> = (0..columns.len())
            .filter(|&i| matches!(columns[i].give, Give::Down { .. }))
            .collect();
        order.sort_by_key(|&i| columns[i].rank);
        let available = width.checked_sub(chrome(columns.len()))?;
        fit::widths(&needs, &order, available, pass).map(|widths| Fitted::Table {
            shape: index,
            widths,
        })
    };
    (0..shapes.len())
        .find_map(|i| attempt(i, Pass::Whole))
        .or_else(|| narrowable.iter().find_map(|&i| attempt(i, Pass::Soft)))
        .or_else(|| narrowable.iter().find_map(|&i| attempt(i, Pass::Hard)))
        .unwrap_or(Fitted::Blocks)
}

/// Writes `columns` as a table, each value elided to its column's width when `widths` are given,
/// coloured when `color` is on.
pub fn write_table(
    columns: &[Column],
    widths: Option<&[usize]>,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    // The widths are decided here; comfy-table draws what it is given.
    table.set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(columns.iter().map(|c| c.header));
    let rows = columns.first().map_or(0, |c| c.cells.len());
    for row in 0..rows {
        table.add_row(columns.iter().enumerate().map(|(i, column)| {
            let text = &column.cells[row];
            let lines: Vec<String> = match widths {
                Some(widths) => text
                    .lines
                    .iter()
                    .map(|l| column.elide(l, widths[i]))
                    .collect(),
                None => text.lines.clone(),
            };
            let cell = Cell::new(lines.join("\n"));
            match (color, text.color) {
                (true, Some(c)) => cell.fg(c),
                _ => cell,
            }
        }));
    }
    writeln!(out, "{table}")
}

/// Writes one block per row, like `kubectl describe`: a title line (`title` and the row's number
/// of the total), then each column's `Label  value` lines. A value too wide for the space after
/// the labels goes on the lines below its label, indented, elided to `width` when still too wide.
pub fn write_blocks(
    title: &str,
    columns: &[Column],
    width: usize,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    const INDENT: usize = 2;
    const BELOW: usize = 4;
    let label_width = columns
        .iter()
        .map(|c| fit::width(c.label))
        .max()
        .unwrap_or(0)
        + 2;
    let value_width = width.saturating_sub(INDENT + label_width);
    let rows = columns.first().map_or(0, |c| c.cells.len());
    for row in 0..rows {
        if row > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{title} {} of {rows}", row + 1)?;
        for column in columns {
            let text = &column.cells[row];
            let paint = |line: &str| match (color, text.color) {
                (true, Some(c)) => paint(line, c),
                _ => line.to_owned(),
            };
            let label = format!("{}:", column.label);
            let fits = text.lines.iter().all(|l| fit::width(l) <= value_width);
            if fits {
                for (n, line) in text.lines.iter().enumerate() {
                    let label = if n == 0 { label.as_str() } else { "" };
                    let pad = " ".repeat(INDENT);
                    writeln!(
                        out,
                        "{pad}{label:<label_width$}{}",
                        paint(line),
                        label_width = label_width
                    )?;
                }
            } else {
                writeln!(out, "{}{label}", " ".repeat(INDENT))?;
                let max = width.saturating_sub(BELOW).max(1);
                for line in &text.lines {
                    writeln!(
                        out,
                        "{}{}",
                        " ".repeat(BELOW),
                        paint(&column.elide(line, max))
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// `text` in the foreground `color`, then the colour reset: the escape sequences comfy-table
/// writes for its cells, so a colour looks the same in a table and in a block.
fn paint(text: &str, color: Color) -> String {
    use crossterm::style::{self, ResetColor, SetForegroundColor};
    let color = match color {
        Color::Red => style::Color::Red,
        Color::Green => style::Color::Green,
        Color::Yellow => style::Color::Yellow,
        _ => style::Color::Reset,
    };
    format!("{}{text}{}", SetForegroundColor(color), ResetColor)
}

/// Turns colour on for this process's ANSI sequences, whatever `NO_COLOR` says: the terminal
/// library under comfy-table reads `NO_COLOR` itself and would otherwise write only the resets.
/// Called only once the run has decided to colour (`--color always` wins over `NO_COLOR`).
pub fn force_color() {
    crossterm::style::force_color_output(true);
}
