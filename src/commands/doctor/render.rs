//! The text form of a doctor report: one section per area, one line per finding.

use super::{Level, Report};

/// The text form: one section per area, one line per finding; problem and warning lines end
/// with their fix. The level tags are coloured when `color`.
pub(crate) fn render_styled(r: &Report, color: bool) -> String {
    let mut out = format!("figma-auth doctor (profile {})\n", r.profile);
    let mut area = "";
    for c in &r.checks {
        if c.area != area {
            area = c.area;
            out.push_str(&format!("\n{}:\n", section_title(area)));
        }
        let tag = c.level.tag();
        let pad = " ".repeat(8usize.saturating_sub(tag.len()));
        let mut line = if color {
            let style = c.level.style();
            format!("  {style}{tag}{style:#}{pad} {}", c.message)
        } else {
            format!("  {tag}{pad} {}", c.message)
        };
        if let Some(fix) = &c.fix {
            line.push_str(if c.level >= Level::Warning {
                "; fix: "
            } else {
                "; "
            });
            line.push_str(fix);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    let temporary = r.checks.iter().any(|c| c.temporary);
    out.push_str(&match (r.problems, r.warnings) {
        (0, 0) => "No problem found.".to_string(),
        (0, w) => format!("No problem found; {w} warning{}.", plural(w)),
        (p, 0) => format!("{p} problem{} found.", plural(p)),
        (p, w) => format!(
            "{p} problem{} and {w} warning{} found.",
            plural(p),
            plural(w)
        ),
    });
    if temporary && r.problems == 0 {
        out.push_str(" The MCP server could not be checked right now: try again later.");
    }
    out.push('\n');
    out
}

fn section_title(area: &str) -> &'static str {
    match area {
        "store" => "Credential store",
        "login" => "Login",
        "token file" => "Token file",
        "configs" => "MCP client configs",
        "schedule" => "Automatic refresh",
        "server" => "MCP server",
        _ => "Other",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::super::Check;
    use super::*;

    #[test]
    fn problem_lines_end_with_their_fix() {
        let r = Report {
            profile: "default".into(),
            healthy: false,
            problems: 1,
            warnings: 0,
            exit_code: 1,
            checks: vec![
                Check::new("login", Level::Ok, "refresh token held"),
                Check::new("login", Level::Problem, "the access token expired")
                    .run("figma-auth refresh --write"),
            ],
        };
        let text = render_styled(&r, false);
        assert!(
            text.contains("Login:\n  ok       refresh token held\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  PROBLEM  the access token expired; fix: run `figma-auth refresh --write`\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("1 problem found.\n"), "{text}");
    }
}
