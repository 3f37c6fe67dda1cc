//! The entries a profile manages: the records `setup` keeps in the store (client, scope, file,
//! entry name, mode), the jobs of `refresh`, `logout` and `login` (exactly those entries), and who
//! manages an entry (this profile, another one, nobody). Files are matched by their real path.

use super::{Configs, Job};
use crate::clients::{self, Client, ConfigFile, Mode, Scope, Server};
use crate::error::Error;
use crate::store::{ManagedConfig, ProfileData};

impl Configs<'_> {
    /// The server entry `setup` configures: found by name, else by URL (an existing entry of
    /// another name is adopted).
    pub fn server(&self, name: &str, force: bool) -> Server {
        Server {
            name: name.to_string(),
            url: self.mcp_url.clone(),
            force,
            recorded: false,
        }
    }

    /// The entry a record names: found by that name only, never another entry with the same URL.
    pub fn recorded_server(&self, r: &ManagedConfig) -> Server {
        Server {
            recorded: true,
            ..self.server(&r.server_name, false)
        }
    }

    /// The jobs of `refresh`, `logout` and `login`: exactly the entries this profile recorded
    /// (the file, client, scope and entry name `setup` configured), restricted to `clients` when
    /// given and to `server_name` when given; each in the mode it was configured in. Nothing
    /// else is touched: an entry of another profile, or one nobody set up, is not a job.
    pub fn managed_jobs(
        &self,
        clients: Option<&[&'static Client]>,
        server_name: Option<&str>,
        recorded: &[ManagedConfig],
    ) -> Vec<Job> {
        let mut jobs: Vec<Job> = Vec::new();
        for m in recorded {
            if clients.is_some_and(|cs| !cs.iter().any(|c| c.id == m.target))
                || server_name.is_some_and(|n| n != m.server_name)
            {
                continue;
            }
            let Some(file) = recorded_file(m) else {
                continue;
            };
            if !file.exists()
                || jobs
                    .iter()
                    .any(|j| j.file.key() == file.key() && j.server.name == m.server_name)
            {
                continue;
            }
            jobs.push(Job {
                server: self.recorded_server(m),
                mode: record_mode(m),
                // `setup --keep-mode`: its later refreshes keep the file's mode too.
                keep_mode: m.keep_mode,
                ..Job::new(file, Server::default())
            });
        }
        jobs
    }

    /// Adds (or replaces) records of configured entries in the profile's store: one record per
    /// client, file and project.
    pub fn remember(&self, records: &[ManagedConfig]) -> Result<(), Error> {
        if records.is_empty() {
            return Ok(());
        }
        let lock = self.lock()?;
        let mut data = lock.load()?.unwrap_or_default();
        let before = data.configs.clone();
        for r in records {
            data.configs.retain(|c| !same_place(c, r));
            data.configs.push(r.clone());
        }
        // Already recorded (a repeated setup): the store is not rewritten.
        let unchanged =
            data.configs.len() == before.len() && data.configs.iter().all(|c| before.contains(c));
        if !unchanged {
            lock.save(&data)?;
        }
        Ok(())
    }

    /// `setup --force` on an entry another profile manages: that profile forgets it (under its
    /// own lock), so only one profile ever refreshes an entry.
    pub fn release(&self, profile: &str, file: &ConfigFile, entry: &str) -> Result<(), Error> {
        let lock = self.store.lock(profile, self.lock_timeout)?;
        let Some(mut data) = lock.load()? else {
            return Ok(());
        };
        let before = data.configs.len();
        data.configs
            .retain(|c| !(is_record_of(c, file) && c.server_name == entry));
        if data.configs.len() != before {
            lock.save(&data)?;
        }
        Ok(())
    }
}

/// The mode a record was configured in (`inline` for a record written before modes existed,
/// or by a newer figma-auth with a mode this one does not know).
pub(crate) fn record_mode(r: &ManagedConfig) -> Mode {
    Mode::parse(&r.mode).unwrap_or(Mode::Inline)
}

/// The [`ConfigFile`] a record names.
pub(crate) fn recorded_file(m: &ManagedConfig) -> Option<ConfigFile> {
    let client = clients::by_id(&m.target)?;
    let scope = Scope::parse(&m.scope)?;
    if !client.scopes().contains(&scope) {
        return None;
    }
    let project = m.project.clone().filter(|_| scope == Scope::Local);
    Some(ConfigFile::new(client, scope, m.path.clone(), project))
}

/// Whether record `r` is about `file`: the same client, the same real file (however either path
/// reaches it) and the same project.
pub(crate) fn is_record_of(r: &ManagedConfig, file: &ConfigFile) -> bool {
    r.target == file.client.id
        && r.project == file.project
        && crate::paths::real_path(&r.path) == file.real
}

fn same_place(a: &ManagedConfig, b: &ManagedConfig) -> bool {
    a.target == b.target
        && a.project == b.project
        && (a.path == b.path
            || crate::paths::real_path(&a.path) == crate::paths::real_path(&b.path))
}

/// The record of an entry configured in `file`.
pub(crate) fn record(
    file: &ConfigFile,
    server_name: &str,
    mode: Mode,
    keep_mode: bool,
) -> ManagedConfig {
    ManagedConfig {
        target: file.client.id.to_string(),
        scope: file.scope.as_str().to_string(),
        path: file.path.clone(),
        project: file.project.clone(),
        server_name: server_name.to_string(),
        mode: mode.as_str().to_string(),
        keep_mode,
    }
}

/// Drops the records of `files` from `data` (after `logout` removed our header from them);
/// `true` when something was dropped. The caller holds the lock and saves.
pub(crate) fn forget(data: &mut ProfileData, files: &[&ConfigFile]) -> bool {
    let before = data.configs.len();
    data.configs
        .retain(|c| !files.iter().any(|f| is_record_of(c, f)));
    data.configs.len() != before
}

/// Who manages an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This profile recorded it.
    This,
    /// Another profile recorded it (its name).
    Other(String),
    /// No profile did: someone's own entry (Claude Code's OAuth entry, a team's project file, a
    /// header pasted by hand).
    Nobody,
}

/// The records of this profile and of every other profile in the store (read without their
/// locks; an unreadable profile is skipped).
#[derive(Debug, Default)]
pub(crate) struct Owners {
    this: Vec<ManagedConfig>,
    others: Vec<(String, Vec<ManagedConfig>)>,
}

impl Owners {
    pub(crate) fn load(configs: &Configs, this: &[ManagedConfig]) -> Self {
        let others = configs
            .store
            .profiles()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p != configs.profile)
            .filter_map(|p| {
                let records = configs.store.load(&p).ok().flatten()?.configs;
                (!records.is_empty()).then_some((p, records))
            })
            .collect();
        Owners {
            this: this.to_vec(),
            others,
        }
    }

    /// This profile's record of `file`, if any.
    pub(crate) fn record(&self, file: &ConfigFile) -> Option<&ManagedConfig> {
        self.this.iter().find(|r| is_record_of(r, file))
    }

    /// Who manages the entry named `entry` in `file`.
    pub(crate) fn of(&self, file: &ConfigFile, entry: &str) -> Owner {
        let holds = |r: &ManagedConfig| is_record_of(r, file) && r.server_name == entry;
        if self.this.iter().any(holds) {
            return Owner::This;
        }
        match self.others.iter().find(|(_, rs)| rs.iter().any(holds)) {
            Some((p, _)) => Owner::Other(p.clone()),
            None => Owner::Nobody,
        }
    }
}
