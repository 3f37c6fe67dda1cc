//! The plan step: the rules that refuse a job before any file is read (another profile's entry,
//! a token for a file git tracks), the pure decision for one file's text ([`plan_text`]), and
//! the [`Verdict`] each decision ends in, previewed or written.

use super::git::{self, Tracking};
use super::write::{ApplyError, Wrote};
use super::{Action, Claim, Configs, Job, Options, Verdict};
use crate::clients::{ConfigFile, Mode, Scope, Server};
use crate::edit::{Desired, Edit, EditError, EntryState, Note};
use crate::fs::WriteEffects;

/// What planning one job's text gave.
#[derive(Debug, Clone)]
pub(super) enum Step {
    /// No entry of ours, and none is to be created here.
    NoEntry,
    /// Already what we want.
    Current,
    /// An entry with our name points elsewhere (its URL) and `--force` was not given.
    Conflict(Option<String>),
    /// The entry takes its credentials from elsewhere (described); left alone.
    Indirect(String),
    /// A recorded entry without an Authorization header: an update never adds one (only
    /// `setup` does).
    NoHeader,
    /// The file must change.
    Change(Box<Edit>),
}

/// The pure decision for one file's text: edit when the entry is ours, or create it when
/// `create` (setup's chosen file). Without `create`, a file without our entry is left alone.
pub(super) fn plan_text(
    file: &ConfigFile,
    text: Option<&str>,
    server: &Server,
    desired: &Desired,
    create: bool,
) -> Result<Step, EditError> {
    let removing = desired.is_removal();
    let update_only = !create || removing;
    if update_only && !text.is_some_and(|t| may_hold_entry(file, t, server)) {
        return Ok(Step::NoEntry);
    }
    if let Some(t) = text
        && file.syntax().is_json()
        && t.trim_start_matches('\u{feff}').trim().is_empty()
    {
        // An existing empty file is not JSON: Claude Code (for one) leaves it so when it
        // crashes mid-write, and offers its own backup. Never build on it silently.
        return Err(EditError::Syntax {
            line: 1,
            column: 1,
            message: "the file is empty, which is not valid JSON (a client that crashed \
                          while writing it can leave it so); restore it from the client's backup, \
                          or delete it to let figma-auth create it"
                .into(),
        });
    }
    Ok(match file.apply(text, server, desired)? {
        Edit::Unchanged if removing => Step::NoEntry,
        Edit::Unchanged => Step::Current,
        Edit::Conflict(e) => Step::Conflict(e.url),
        Edit::Indirect(e) => Step::Indirect(indirect_source(&e)),
        e if update_only && e.notes().iter().any(creates) => Step::NoEntry,
        // An entry without a header is someone's own arrangement (Claude Code's OAuth entry, a
        // header removed on purpose): an update leaves it so.
        e if update_only && server.recorded && e.notes().contains(&Note::AddedHeader) => {
            Step::NoHeader
        }
        e => Step::Change(Box::new(e)),
    })
}

/// Where an entry left alone takes its credentials from, for messages (never a secret: a key
/// name or a reference such as `Bearer {env:FIGMA_TOKEN}`).
pub(super) fn indirect_source(e: &EntryState) -> String {
    if let (true, Some(s)) = (e.is_stdio(), &e.stdio) {
        return format!(
            "the proxy it starts (`{}`)",
            crate::shell_quote::sh_join(&s.argv())
        );
    }
    if !e.other_auth.is_empty() {
        format!("`{}`", e.other_auth.join("`, `"))
    } else {
        match e.authorization_reference() {
            Some(r) => format!("the reference `{r}`"),
            None => "another mechanism".to_string(),
        }
    }
}

fn creates(note: &Note) -> bool {
    matches!(
        note,
        Note::CreatedDocument | Note::CreatedContainer(_) | Note::CreatedEntry(_)
    )
}

/// A cheap pre-filter (a substring search, gigabytes per second): can `text` hold our entry at
/// all? It must mention the server name or URL, and for a local scope the project key. Saves
/// parsing a large `~/.claude.json` that has no entry for us.
fn may_hold_entry(file: &ConfigFile, text: &str, server: &Server) -> bool {
    let has = |needle: &str| contains(text.as_bytes(), needle.as_bytes());
    if let Some(key) = &file.project {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        if !has(&quoted) {
            return false;
        }
    }
    let url = server.url.trim_end_matches('/');
    // A proxy entry under another name names the binary instead of the URL.
    has(&server.name) || (!url.is_empty() && has(url)) || has("figma-auth")
}

/// Whether `hay` contains `needle`, looking at its last MiB first: in a heavy `~/.claude.json`
/// our entry comes after the large `projects` map or before it, so a match is found at once
/// either way; only a miss reads everything.
pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let tail = hay.len().saturating_sub(1 << 20);
    memchr::memmem::find(&hay[tail..], needle).is_some()
        || memchr::memmem::find(hay, needle).is_some()
}

/// Whether `hay` holds `needle` in its first or last MiB: a cheap guess, never a full scan (a
/// heavy `~/.claude.json` keeps its `mcpServers` before or after the large `projects` map).
pub(super) fn near_the_ends(hay: &[u8], needle: &[u8]) -> bool {
    const END: usize = 1 << 20;
    let head = &hay[..hay.len().min(END + needle.len())];
    let tail = &hay[hay.len().saturating_sub(END + needle.len())..];
    memchr::memmem::find(head, needle).is_some() || memchr::memmem::find(tail, needle).is_some()
}

/// The rules that settle a job before any file is read: another profile's entry is left alone,
/// and a token is not written into a project file git tracks (or may track: git could not be
/// asked) unless `--allow-tracked`.
pub(super) fn refusal(configs: &Configs, job: &Job, opts: &Options) -> Option<Verdict> {
    if let Claim::Foreign(p) = &job.claim {
        return Some(Verdict::Skipped {
            detail: format!(
                ": the `{}` entry is managed by profile {p}; left alone (--force moves it to profile {}; --server-name adds another entry)",
                job.server.name, configs.profile
            ),
        });
    }
    let file = &job.file;
    if opts.allow_tracked
        || job.desired(opts).token().is_none()
        || file.scope != Scope::Project
        || !file.exists()
    {
        return None;
    }
    let instead = match file.client.modes().into_iter().find(|m| *m != Mode::Inline) {
        Some(m) => format!(
            "keep the token out of it with `figma-auth setup --mode {m}`, or pass --allow-tracked to write it anyway"
        ),
        None => "configure the user scope instead, or pass --allow-tracked to write it anyway"
            .to_string(),
    };
    let detail = match git::tracking(&file.path) {
        Tracking::Outside | Tracking::Untracked => return None,
        Tracking::Tracked => {
            format!(": git tracks this file, and it would hold your token; {instead}")
        }
        Tracking::Unknown { work_tree, reason } => format!(
            ": the file is in the git work tree {}, and git cannot tell whether it tracks it \
             ({reason}); it would hold your token, so figma-auth treats it as tracked — {instead}",
            work_tree.display()
        ),
    };
    // A file that already holds what we want needs no write: it is current, not refused (else
    // every scheduled refresh reports the same refusal for a file written with --allow-tracked).
    // The verdict is settled here, so nothing is written even if the file changes meanwhile.
    if let Some(settled) = settled_without_write(configs, job, opts) {
        return Some(settled);
    }
    Some(Verdict::Refused { detail })
}

/// The verdict of a job whose file needs no change (current, left alone, no entry); `None` when
/// it must change or cannot be read.
fn settled_without_write(configs: &Configs, job: &Job, opts: &Options) -> Option<Verdict> {
    let snap = crate::fs::read_snapshot(&job.file.real).ok()?;
    let text = super::write::snapshot_text(&snap, &job.file.real).ok()?;
    match plan_text(&job.file, text, &job.server, job.desired(opts), job.create).ok()? {
        Step::Change(_) => None,
        step => Some(verdict(
            configs,
            job,
            opts,
            step,
            Done::Preview {
                diff: String::new(),
                effects: WriteEffects::default(),
            },
        )),
    }
}

/// How a planned change ended: previewed (its masked diff and what the write would do), or in
/// the write step (written, or `None`: the file was already as wanted under the lock).
pub(super) enum Done<'a> {
    Preview { diff: String, effects: WriteEffects },
    Write(&'a Option<Wrote>),
}

/// A failure of reading, planning or writing one file.
pub(super) fn failed(e: &ApplyError) -> Verdict {
    Verdict::Failed {
        detail: format!(": {}", crate::error::chain(e)),
        busy: e.is_busy(),
    }
}

/// The verdict a planned step ends in.
pub(super) fn verdict(
    configs: &Configs,
    job: &Job,
    opts: &Options,
    step: Step,
    done: Done<'_>,
) -> Verdict {
    let profile = configs.profile;
    let name = &job.server.name;
    let setup = format!(
        "`figma-auth setup --target {} --scope {}`",
        job.file.client.id,
        job.file.scope.as_str()
    );
    match step {
        Step::NoEntry if opts.report_missing => Verdict::Gone {
            detail: format!(": the `{name}` entry figma-auth set up is gone; {setup} adds it again"),
        },
        Step::NoEntry => Verdict::NoEntry,
        Step::Current => current(job, profile),
        Step::Conflict(url) => Verdict::Skipped {
            detail: format!(
                ": an entry named `{name}` points at {} (not {}); left alone — pass --force to take it over, or --server-name to use another name",
                url.as_deref().unwrap_or("no URL"),
                job.server.url
            ),
        },
        Step::Indirect(source) if job.mode != Mode::Inline => Verdict::Current {
            detail: format!(
                " ({} mode: the client reads the token through {source})",
                job.mode.as_str()
            ),
        },
        Step::Indirect(source) => Verdict::Indirect {
            detail: format!(": the entry gets its credentials from {source}; left alone"),
        },
        Step::NoHeader => Verdict::Skipped {
            detail: format!(
                ": the `{name}` entry has no Authorization header, and figma-auth adds one only when you run {setup}"
            ),
        },
        Step::Change(_) => {
            let detail = match &job.claim {
                Claim::Adopt => format!(
                    ": the existing `{name}` entry, managed by profile {profile} from now on"
                ),
                Claim::TakeOver(p) => {
                    format!(": the `{name}` entry moves from profile {p} to profile {profile}")
                }
                Claim::Own | Claim::Foreign(_) => String::new(),
            };
            let action = match &job.claim {
                _ if job.desired(opts).is_removal() => Action::Remove,
                Claim::Adopt => Action::Adopt,
                _ if !job.file.exists() => Action::Create,
                _ => Action::Update,
            };
            match done {
                Done::Preview { diff, effects } => Verdict::Pending {
                    action,
                    detail,
                    diff,
                    notes: effects.notes(false),
                },
                Done::Write(Some(w)) => Verdict::Written {
                    action,
                    detail: match &w.backup {
                        Some(b) => format!(
                            "{detail} (original saved as {})",
                            configs.env.display(b)
                        ),
                        None => detail,
                    },
                    notes: w.effects.notes(true),
                },
                Done::Write(None) => current(job, profile),
            }
        }
    }
}

/// A file already as wanted; an entry setup adopts without changing it says so.
fn current(job: &Job, profile: &str) -> Verdict {
    let detail = match &job.claim {
        Claim::Adopt => format!(" (now managed by profile {profile})"),
        Claim::TakeOver(p) => format!(" (moves from profile {p} to profile {profile})"),
        _ => String::new(),
    };
    Verdict::Current { detail }
}
