//! Unified diffs for previews, every secret masked ([`mask`]); only the region that differs is
//! handed to the diff algorithm (common prefix and suffix skipped in linear time), so a one-line
//! change in a 50 MB file previews instantly.

mod mask;

use crate::edit::Edit;
use crate::secret::mask;
use similar::{DiffOp, TextDiff};

/// Colours for a terminal, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Never,
    Always,
}

impl Color {
    /// Colours when `on` (e.g. [`crate::ui::Ui::out_color`]).
    pub fn when(on: bool) -> Color {
        if on {
            Color::Always
        } else {
            Color::Never
        }
    }

    fn paint(self, style: anstyle::Style, text: &str) -> String {
        match self {
            Color::Never => text.to_string(),
            Color::Always => format!("{style}{text}{style:#}"),
        }
    }
}

const HEADER: anstyle::Style = anstyle::Style::new().bold();
const HUNK: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Cyan)));
const REMOVED: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Red)));
const ADDED: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Green)));

/// Options for [`unified_diff`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct DiffOptions<'a> {
    /// Values to mask wherever they appear (old and new tokens); header values and
    /// token-shaped text are masked too.
    pub secrets: &'a [&'a str],
    /// Show secrets in clear (`--show-secrets`).
    pub show_secrets: bool,
    pub color: Color,
    pub context: usize,
}

/// The masked diff of an [`Edit`] of `original` (`None`: a file that does not exist yet),
/// labelled with `label` (a display path); empty when nothing changes.
pub(crate) fn edit_diff(
    label: &str,
    original: Option<&str>,
    edit: &Edit,
    opts: &DiffOptions,
) -> String {
    match edit.materialize(original) {
        Some(new) => unified_diff(label, original, &new, opts),
        None => String::new(),
    }
}

/// A unified diff of `old` → `new` labelled with `label` (a path), masked. `old` is `None` for a
/// file that does not exist yet. Returns an empty string when the texts are equal.
pub(crate) fn unified_diff(
    label: &str,
    old: Option<&str>,
    new: &str,
    opts: &DiffOptions,
) -> String {
    let old_text = old.unwrap_or("");
    if old.is_some() && old_text == new {
        return String::new();
    }
    let old_lines: Vec<&str> = split_lines(old_text);
    let new_lines: Vec<&str> = split_lines(new);

    // Skip the common prefix and suffix (minus context) before diffing.
    let prefix = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old_lines.len().min(new_lines.len()) - prefix;
    let suffix = old_lines
        .iter()
        .rev()
        .zip(new_lines.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let start = prefix.saturating_sub(opts.context);
    let old_window = &old_lines[start..old_lines.len() - suffix.saturating_sub(opts.context)];
    let new_window = &new_lines[start..new_lines.len() - suffix.saturating_sub(opts.context)];

    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_slices(old_window, new_window);

    // What each line shows: masked with what the lines before the window say is open there.
    let prelude = &old_lines[start.saturating_sub(mask::LOOKBACK)..start];
    let old_shown = shown_lines(prelude, old_window, opts);
    let new_shown = shown_lines(prelude, new_window, opts);

    let mut out = String::new();
    // git's prefixes; an absolute path keeps one slash after them, as `git diff --no-index`
    // prints it (`a/tmp/x.json`, not `a//tmp/x.json`).
    let rel = label.strip_prefix('/').unwrap_or(label);
    let (from, to) = if old.is_some() {
        (format!("a/{rel}"), format!("b/{rel}"))
    } else {
        ("/dev/null".to_string(), format!("b/{rel}"))
    };
    out.push_str(&opts.color.paint(HEADER, &format!("--- {from}")));
    out.push('\n');
    out.push_str(&opts.color.paint(HEADER, &format!("+++ {to}")));
    out.push('\n');

    for group in diff.grouped_ops(opts.context) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_start = first.old_range().start;
        let old_end = last.old_range().end;
        let new_start = first.new_range().start;
        let new_end = last.new_range().end;
        let header = format!(
            "@@ -{} +{} @@",
            hunk_range(start + old_start, old_end - old_start),
            hunk_range(start + new_start, new_end - new_start)
        );
        out.push_str(&opts.color.paint(HUNK, &header));
        out.push('\n');
        for op in &group {
            match *op {
                DiffOp::Equal { old_index, len, .. } => {
                    for line in &old_shown[old_index..old_index + len] {
                        push_line(&mut out, ' ', line, opts);
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for line in &old_shown[old_index..old_index + old_len] {
                        push_line(&mut out, '-', line, opts);
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for line in &new_shown[new_index..new_index + new_len] {
                        push_line(&mut out, '+', line, opts);
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    for line in &old_shown[old_index..old_index + old_len] {
                        push_line(&mut out, '-', line, opts);
                    }
                    for line in &new_shown[new_index..new_index + new_len] {
                        push_line(&mut out, '+', line, opts);
                    }
                }
            }
        }
    }
    out
}

fn hunk_range(start0: usize, len: usize) -> String {
    // Unified diff ranges are 1-based; an empty range names the line before it.
    let start = if len == 0 { start0 } else { start0 + 1 };
    if len == 1 {
        format!("{start}")
    } else {
        format!("{start},{len}")
    }
}

/// Splits into lines, each keeping its terminator (so CRLF and a missing final newline show).
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// A line as shown: its text without the terminator, and whether it had a newline.
struct Shown {
    text: String,
    newline: bool,
}

/// The lines of a window as shown, masked (unless `--show-secrets`) with the structure the
/// `prelude` lines leave open.
fn shown_lines(prelude: &[&str], window: &[&str], opts: &DiffOptions) -> Vec<Shown> {
    let body = |line: &str| -> (String, bool) {
        let (b, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        (b.strip_suffix('\r').unwrap_or(b).to_string(), newline)
    };
    if opts.show_secrets {
        return window
            .iter()
            .map(|l| {
                let (text, newline) = body(l);
                Shown { text, newline }
            })
            .collect();
    }
    let before: Vec<String> = prelude.iter().map(|l| body(l).0).collect();
    let before: Vec<&str> = before.iter().map(String::as_str).collect();
    let mut tracker = mask::Tracker::prime(&before);
    window
        .iter()
        .map(|l| {
            let (b, newline) = body(l);
            Shown {
                text: tracker.line(&b, opts.secrets, true),
                newline,
            }
        })
        .collect()
}

fn push_line(out: &mut String, sign: char, line: &Shown, opts: &DiffOptions) {
    let shown = &line.text;
    let had_newline = line.newline;
    let text = format!("{sign}{shown}");
    let painted = match sign {
        '-' => opts.color.paint(REMOVED, &text),
        '+' => opts.color.paint(ADDED, &text),
        _ => text,
    };
    out.push_str(&painted);
    out.push('\n');
    if !had_newline {
        out.push_str("\\ No newline at end of file\n");
    }
}

/// Replaces the credential after every `Bearer ` (any case) with its mask, leaving references
/// such as `{env:FIGMA_TOKEN}`, `${FIGMA_TOKEN}` or `{file:…}` visible.
pub(crate) fn mask_bearer_values(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut out = String::with_capacity(line.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("bearer ") {
        let value_start = pos + found + "bearer ".len();
        out.push_str(&line[pos..value_start]);
        let rest = &line[value_start..];
        let len = rest
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '='))
            })
            .unwrap_or(rest.len());
        let value = &rest[..len];
        if value.is_empty() {
            // `Bearer {env:X}` and friends: not a credential.
        } else if rest[len..].starts_with('…') {
            // Already masked (`figu_…abcd`).
            out.push_str(value);
        } else {
            out.push_str(&mask(value));
        }
        pos = value_start + len;
    }
    out.push_str(&line[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "figu_OLD_SECRET_TOKEN_abcd1234";
    const NEW: &str = "figu_NEW_SECRET_TOKEN_wxyz9876";

    fn opts<'a>(secrets: &'a [&'a str]) -> DiffOptions<'a> {
        DiffOptions {
            secrets,
            show_secrets: false,
            color: Color::Never,
            context: 3,
        }
    }

    #[test]
    fn diff_masks_old_and_new_tokens() {
        let old = format!("{{\n  \"a\": 1,\n  \"Authorization\": \"Bearer {OLD}\"\n}}\n");
        let new = format!("{{\n  \"a\": 1,\n  \"Authorization\": \"Bearer {NEW}\"\n}}\n");
        let d = unified_diff("x.json", Some(&old), &new, &opts(&[OLD, NEW]));
        assert!(!d.contains("OLD_SECRET"), "{d}");
        assert!(!d.contains("NEW_SECRET"), "{d}");
        assert!(
            d.contains("-  \"Authorization\": \"Bearer figu_…1234\""),
            "{d}"
        );
        assert!(
            d.contains("+  \"Authorization\": \"Bearer figu_…9876\""),
            "{d}"
        );
        assert!(
            d.starts_with("--- a/x.json\n+++ b/x.json\n@@ -1,4 +1,4 @@\n"),
            "{d}"
        );
    }

    #[test]
    fn show_secrets_unmasks() {
        let d = unified_diff(
            "x",
            Some(&format!("Bearer {OLD}\n")),
            &format!("Bearer {NEW}\n"),
            &DiffOptions {
                show_secrets: true,
                ..opts(&[OLD, NEW])
            },
        );
        assert!(d.contains(OLD) && d.contains(NEW));
    }

    #[test]
    fn unknown_bearer_values_in_context_are_masked_too() {
        let other = "sk_live_SOMEONE_ELSES_KEY_123456";
        let old = format!("a\nb: Bearer {other}\nc\n");
        let new = format!("a\nb: Bearer {other}\nC\n");
        let d = unified_diff("x", Some(&old), &new, &opts(&[]));
        assert!(!d.contains("SOMEONE"), "{d}");
        assert!(d.contains("Bearer sk_…3456"), "{d}");
    }

    #[test]
    fn references_are_not_masked() {
        assert_eq!(
            mask_bearer_values("\"Bearer {env:FIGMA_TOKEN}\""),
            "\"Bearer {env:FIGMA_TOKEN}\""
        );
        assert_eq!(mask_bearer_values("Bearer ${FIGMA}"), "Bearer ${FIGMA}");
    }

    #[test]
    fn line_numbers_are_right_far_into_a_file() {
        let mut old = String::new();
        for i in 0..1000 {
            old.push_str(&format!("line {i}\n"));
        }
        let new = old.replace("line 500\n", "line five hundred\n");
        let d = unified_diff("big", Some(&old), &new, &opts(&[]));
        assert!(d.contains("@@ -498,7 +498,7 @@"), "{d}");
        assert!(d.contains("-line 500\n+line five hundred\n"), "{d}");
        assert_eq!(d.lines().count(), 3 + 7 + 1);
    }

    #[test]
    fn new_files_and_missing_final_newlines_are_shown() {
        let d = unified_diff("n.json", None, "{}", &opts(&[]));
        assert!(
            d.starts_with("--- /dev/null\n+++ b/n.json\n@@ -0,0 +1 @@\n+{}\n"),
            "{d}"
        );
        assert!(d.ends_with("\\ No newline at end of file\n"), "{d}");
    }

    #[test]
    fn an_absolute_path_gets_the_prefixes_without_a_double_slash() {
        let d = unified_diff("/srv/x.json", Some("{}\n"), "{ }\n", &opts(&[]));
        assert!(d.starts_with("--- a/srv/x.json\n+++ b/srv/x.json\n"), "{d}");
        let d = unified_diff("~/x.json", None, "{}\n", &opts(&[]));
        assert!(d.starts_with("--- /dev/null\n+++ b/~/x.json\n"), "{d}");
    }

    #[test]
    fn edit_previews_mask_and_materialize_splices() {
        let old = "{\"h\": \"Bearer figu_OLD_TOKEN_VALUE_1111\"}\n";
        let start = old.find("figu_").unwrap();
        let edit = Edit::Splice {
            range: start..start + "figu_OLD_TOKEN_VALUE_1111".len(),
            replacement: "figu_NEW_TOKEN_VALUE_2222".into(),
            notes: vec![],
        };
        let p = edit_diff("x.json", Some(old), &edit, &opts(&[]));
        assert!(p.contains("-{\"h\": \"Bearer figu_…1111\"}"), "{p}");
        assert!(p.contains("+{\"h\": \"Bearer figu_…2222\"}"), "{p}");
        assert!(!p.contains("OLD_TOKEN") && !p.contains("NEW_TOKEN"));
        assert_eq!(
            edit_diff("x.json", Some(old), &Edit::Unchanged, &opts(&[])),
            ""
        );
    }

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff("x", Some("a\n"), "a\n", &opts(&[])), "");
    }
}
