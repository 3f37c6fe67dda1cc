//! What happened to each file ([`Verdict`]), the batch of them ([`Batch`]), and how both are
//! reported: one line per file on stdout (after its diff), the JSON of `--json`, the reload
//! hints, and the error a batch with failures ends in.

use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::clients::{self, ConfigFile};
use crate::error::Error;
use crate::paths::Env;

/// What a change does to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Update,
    /// The file does not exist yet.
    Create,
    /// An entry nobody managed becomes this profile's.
    Adopt,
    /// Our header goes (logout).
    Remove,
}

/// What happened to one file (or, in a preview, would): the line `figma-auth` prints for it and
/// its part of the `--json` output. `detail` is the text after the file's description, with its
/// separator (`: …`, ` (…)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No entry of ours and none to create: nothing to say.
    NoEntry,
    /// The entry this profile recorded is no longer in the file.
    Gone { detail: String },
    /// Already as wanted.
    Current { detail: String },
    /// The file would change (a preview): the masked diff, and what else the write would do.
    Pending {
        action: Action,
        detail: String,
        diff: String,
        notes: Vec<String>,
    },
    /// The file was written.
    Written {
        action: Action,
        detail: String,
        notes: Vec<String>,
    },
    /// Left alone: another profile's entry, an entry of our name pointing elsewhere, a recorded
    /// entry without a header.
    Skipped { detail: String },
    /// Left alone: the entry gets its credentials another way, which figma-auth did not set up.
    Indirect { detail: String },
    /// Not written on purpose (a token for a file git tracks).
    Refused { detail: String },
    /// Reading, planning or writing failed; `busy`: another program held or kept changing it.
    Failed { detail: String, busy: bool },
}

impl Verdict {
    /// The tag of the text line (`would update`); its kebab-case form is the JSON `result`.
    pub fn tag(&self) -> &'static str {
        match self {
            Verdict::NoEntry => "",
            Verdict::Gone { .. } => "no entry",
            Verdict::Current { .. } => "current",
            Verdict::Pending { action, .. } => match action {
                Action::Update => "would update",
                Action::Create => "would create",
                Action::Adopt => "would adopt",
                Action::Remove => "would remove",
            },
            Verdict::Written { action, .. } => match action {
                Action::Update | Action::Create => "updated",
                Action::Adopt => "adopted",
                Action::Remove => "removed",
            },
            Verdict::Skipped { .. } => "skipped",
            Verdict::Indirect { .. } => "indirect",
            Verdict::Refused { .. } => "refused",
            Verdict::Failed { .. } => "error",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Verdict::NoEntry => "",
            Verdict::Gone { detail }
            | Verdict::Current { detail }
            | Verdict::Pending { detail, .. }
            | Verdict::Written { detail, .. }
            | Verdict::Skipped { detail }
            | Verdict::Indirect { detail }
            | Verdict::Refused { detail }
            | Verdict::Failed { detail, .. } => detail,
        }
    }

    /// Lines about what the write does or did besides the content (a mode tightened, a hard
    /// link broken).
    pub fn notes(&self) -> &[String] {
        match self {
            Verdict::Pending { notes, .. } | Verdict::Written { notes, .. } => notes,
            _ => &[],
        }
    }

    /// The masked diff of a preview.
    pub fn diff(&self) -> &str {
        match self {
            Verdict::Pending { diff, .. } => diff,
            _ => "",
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(self, Verdict::Pending { .. })
    }

    pub fn is_written(&self) -> bool {
        matches!(self, Verdict::Written { .. })
    }

    pub fn is_current(&self) -> bool {
        matches!(self, Verdict::Current { .. })
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Verdict::Refused { .. } | Verdict::Failed { .. })
    }

    /// Holds what was wanted now: written, or already current.
    pub fn holds(&self) -> bool {
        self.is_written() || self.is_current()
    }

    fn busy(&self) -> bool {
        matches!(self, Verdict::Failed { busy: true, .. })
    }

    /// The text after the tag and before the file (`the Authorization header from `).
    fn prefix(&self) -> &'static str {
        match self {
            Verdict::Pending {
                action: Action::Remove,
                ..
            }
            | Verdict::Written {
                action: Action::Remove,
                ..
            } => "the Authorization header from ",
            _ => "",
        }
    }

    /// The line of `file`: `updated      ~/.cursor/mcp.json (Cursor, user scope)`, then the
    /// notes, indented under it. Empty for [`Verdict::NoEntry`].
    pub fn line(&self, env: &Env, file: &ConfigFile) -> String {
        let tag = self.tag();
        if tag.is_empty() {
            return String::new();
        }
        let mut out = format!(
            "{tag:<13}{}{}{}\n",
            self.prefix(),
            file.describe(env),
            self.detail()
        );
        for note in self.notes() {
            out.push_str(&format!("{:<13}{note}\n", ""));
        }
        out
    }
}

/// `{"result": "would-update", "detail": "…", "notes": […], "diff": "…"}`.
impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("result", &self.tag().replace(' ', "-"))?;
        m.serialize_entry("detail", self.detail().trim_start_matches(": ").trim())?;
        m.serialize_entry("notes", self.notes())?;
        m.serialize_entry("diff", self.diff())?;
        m.end()
    }
}

/// What a batch did, file by file (in the order of its jobs).
#[derive(Debug, Default)]
pub struct Batch {
    pub results: Vec<(ConfigFile, Verdict)>,
}

impl Batch {
    pub fn count(&self, pred: impl Fn(&Verdict) -> bool) -> usize {
        self.results.iter().filter(|(_, v)| pred(v)).count()
    }

    /// How many distinct files have a verdict matching `pred` (Claude's user and local scope in
    /// `~/.claude.json` are one file).
    pub fn files(&self, pred: impl Fn(&Verdict) -> bool) -> usize {
        let mut seen: Vec<&std::path::Path> = Vec::new();
        for (f, _) in self.results.iter().filter(|(_, v)| pred(v)) {
            if !seen.contains(&f.real.as_path()) {
                seen.push(&f.real);
            }
        }
        seen.len()
    }

    pub fn failed(&self) -> usize {
        self.count(Verdict::is_failed)
    }

    /// The error to return when files failed (`None` when all went well).
    pub fn error(&self, hint: Option<String>) -> Option<Error> {
        // Nothing to fix when another program was only holding or writing the files.
        let busy = self.results.iter().all(|(_, v)| !v.is_failed() || v.busy());
        let hint = if busy {
            Some(
                "another program is writing these files; run the same command again in a moment"
                    .into(),
            )
        } else {
            hint
        };
        (self.failed() > 0).then(|| Error::ConfigsFailed {
            failed: self.files(Verdict::is_failed),
            total: self.files(|_| true),
            busy,
            hint,
        })
    }

    /// Clients whose files were written, each once.
    pub fn written_clients(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (f, v) in &self.results {
            if v.is_written() && !out.contains(&f.client.id) {
                out.push(f.client.id);
            }
        }
        out
    }

    /// The diff and the line of every file whose verdict passes `show`.
    pub fn print(&self, env: &Env, out: &mut dyn Write, show: impl Fn(&Verdict) -> bool) {
        for (file, verdict) in &self.results {
            if show(verdict) {
                let _ = out.write_all(verdict.diff().as_bytes());
                let _ = out.write_all(verdict.line(env, file).as_bytes());
            }
        }
        let _ = out.flush();
    }

    /// Every file's diff and line.
    pub fn print_all(&self, env: &Env, out: &mut dyn Write) {
        self.print(env, out, |_| true);
    }

    /// The line of every file that failed (a quiet batch's problems).
    pub fn print_failures(&self, env: &Env, out: &mut dyn Write) {
        self.print(env, out, Verdict::is_failed);
    }

    /// The per-file part of `--json` output: every file that was reported on.
    pub fn json(&self, env: &Env) -> serde_json::Value {
        let files: Vec<serde_json::Value> = self
            .results
            .iter()
            .filter(|(_, v)| !v.tag().is_empty())
            .map(|(f, v)| {
                let mut j = serde_json::to_value(v).expect("a verdict serialises");
                j["client"] = f.client.id.into();
                j["scope"] = f.scope.as_str().into();
                j["path"] = f.path.display().to_string().into();
                j["shown_as"] = env.display(&f.path).into();
                j["project"] = f.project.clone().into();
                j
            })
            .collect();
        serde_json::json!({
            "files": files,
            "reload": self.written_clients(),
        })
    }
}

/// What the clients whose files were written must do to pick up the change (for stderr; empty
/// when nothing was written).
pub(crate) fn reload_hints(written: &[&'static str]) -> String {
    if written.is_empty() {
        return String::new();
    }
    let mut out =
        "Running clients keep the old token until they reload their config:\n".to_string();
    for c in written.iter().filter_map(|id| clients::by_id(id)) {
        out.push_str(&format!("  {}: {}\n", c.name, c.reload_hint));
    }
    out
}
