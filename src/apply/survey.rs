//! The one survey of the configs that `status`, `doctor` and `setup` share: each client's files,
//! what each holds for our server, who manages that entry, and which file the client uses (its
//! [`crate::clients::Precedence`]).

use super::records::{record_mode, recorded_file, Owner, Owners};
use super::write::snapshot_text;
use super::Configs;
use crate::clients::{self, Client, ConfigFile, Mode, Server, DEFAULT_NAME};
use crate::edit::{Inspection, SecretHeader};
use crate::store::ProfileData;

/// One existing config file of a client, as the survey found it.
#[derive(Debug)]
pub struct Surveyed {
    pub file: ConfigFile,
    /// The entry looked for.
    pub server: Server,
    /// What the file holds for it; the error names the file, line and column.
    pub inspection: Result<Inspection, String>,
    /// Who manages the entry found; for a file without it, [`Owner::This`] when this profile
    /// recorded an entry there (which is gone).
    pub owner: Owner,
    /// The mode it was configured in (`inline` for an entry this profile did not set up).
    pub mode: Mode,
    /// The client takes the server of this entry's name from this file.
    pub in_use: bool,
}

/// Which entry the survey looks for in each file.
#[derive(Debug, Clone, Copy)]
pub enum LookFor<'a> {
    /// This profile's recorded entry (by its name only), else the default `figma` entry (by
    /// name, else by URL); the files this profile recorded are surveyed too (`status`,
    /// `doctor`).
    Managed,
    /// This entry (`setup`'s), in the existing files only.
    Entry(&'a Server),
}

impl Configs<'_> {
    /// The survey of `clients` against `data` (this profile's records and token).
    pub fn survey(
        &self,
        clients: &[&'static Client],
        data: &ProfileData,
        look_for: LookFor<'_>,
    ) -> Vec<(&'static Client, Vec<Surveyed>)> {
        let owners = Owners::load(self, &data.configs);
        let mut out = Vec::new();
        for &client in clients {
            let mut files = client.existing_files(self.env);
            if let LookFor::Managed = look_for {
                for m in data.configs.iter().filter(|c| c.target == client.id) {
                    if let Some(f) = recorded_file(m)
                        && f.exists()
                        && !files.iter().any(|g| g.key() == f.key())
                    {
                        files.push(f);
                    }
                }
            }
            if files.is_empty() {
                continue;
            }
            let mut surveyed: Vec<Surveyed> = files
                .into_iter()
                .map(|file| {
                    let record = owners.record(&file);
                    let server = match (look_for, record) {
                        (LookFor::Entry(s), _) => s.clone(),
                        (LookFor::Managed, Some(r)) => self.recorded_server(r),
                        (LookFor::Managed, None) => self.server(DEFAULT_NAME, false),
                    };
                    let inspection = inspect_file(&file, &server);
                    let owner = match inspection.as_ref().ok().and_then(|i| i.entry()) {
                        Some(e) => owners.of(&file, &e.name),
                        None if record.is_some() => Owner::This,
                        None => Owner::Nobody,
                    };
                    let mode = match (&owner, record) {
                        (Owner::This, Some(r)) => record_mode(r),
                        _ => Mode::Inline,
                    };
                    Surveyed {
                        file,
                        server,
                        inspection,
                        owner,
                        mode,
                        in_use: false,
                    }
                })
                .collect();
            let files: Vec<ConfigFile> = surveyed.iter().map(|s| s.file.clone()).collect();
            let states: Vec<Option<&Inspection>> = surveyed
                .iter()
                .map(|s| s.inspection.as_ref().ok())
                .collect();
            let used = client.precedence.in_use(&files, &states);
            for (s, used) in surveyed.iter_mut().zip(used) {
                s.in_use = used;
            }
            out.push((client, surveyed));
        }
        out
    }

    /// The survey `status` and `doctor` render: every client, this profile's entries.
    pub fn survey_managed(&self, data: &ProfileData) -> Vec<(&'static Client, Vec<Surveyed>)> {
        self.survey(clients::all(), data, LookFor::Managed)
    }
}

/// Reads one file (no lock) and says what it holds for our server; the error names the file,
/// line and column.
pub(crate) fn inspect_file(file: &ConfigFile, server: &Server) -> Result<Inspection, String> {
    let snap = crate::fs::read_snapshot(&file.real).map_err(|e| crate::error::chain(&e))?;
    let text = snapshot_text(&snap, &file.real).map_err(|e| crate::error::chain(&e))?;
    file.inspect(text, server)
        .map_err(|e| format!("{}: {e}", file.path.display()))
}

/// What a file holds for our server, judged against the header this profile would put there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Holding {
    /// The file has no entry for our server.
    NoEntry,
    /// The entry holds the current token.
    Current,
    /// The entry holds another (older) token, or lacks a required field.
    Stale,
    /// The entry holds the stored token (or an older one), and the stored token has expired.
    Expired,
    /// The entry has no Authorization header and no other credentials.
    NoToken,
    /// An entry with our name points at another URL (e.g. Figma's desktop server).
    OtherUrl(Option<String>),
    /// The entry takes its credentials from elsewhere (described: `headersHelper`, a
    /// `Bearer {env:…}` reference, …); no static header is needed.
    Indirect(String),
    /// The file cannot be read or parsed; the message names the line and column.
    Unreadable(String),
}

impl Holding {
    /// The kebab-case identifier (`status --json`'s `state`).
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Holding::NoEntry => "no-entry",
            Holding::Current => "current",
            Holding::Stale => "stale",
            Holding::Expired => "expired",
            Holding::NoToken => "no-token",
            Holding::OtherUrl(_) => "other-url",
            Holding::Indirect(_) => "indirect",
            Holding::Unreadable(_) => "unreadable",
        }
    }
}

/// Judges an inspection against the header this profile would put in the file; `expired`: that
/// header's token has expired (a config holding it, or an older one, no longer works).
pub(crate) fn judge(
    inspection: &Result<Inspection, String>,
    want: Option<&SecretHeader>,
    expired: bool,
) -> Holding {
    match inspection {
        Err(e) => Holding::Unreadable(e.clone()),
        Ok(Inspection::Missing) => Holding::NoEntry,
        Ok(Inspection::Conflict(e)) => Holding::OtherUrl(e.url.clone()),
        Ok(Inspection::Found(e)) if e.is_indirect() => {
            Holding::Indirect(super::plan::indirect_source(e))
        }
        Ok(Inspection::Found(e)) => {
            let Some(have) = &e.authorization else {
                return Holding::NoToken;
            };
            if want.is_some() && expired {
                return Holding::Expired;
            }
            let current = want.is_some_and(|w| have.expose() == w.expose());
            if current && e.missing_required.is_empty() {
                Holding::Current
            } else {
                Holding::Stale
            }
        }
    }
}
