//! The jobs of `setup`: each file that holds our entry, and where none of the chosen scope does,
//! the file to create it in; who manages an existing entry decides its [`Claim`]. After the
//! write, the entries that now hold our configuration are recorded.

use super::survey::LookFor;
use super::{Batch, Claim, Configs, Job, Owner};
use crate::clients::{AuthContext, Client, Mode, ModeError, Scope, Server};
use crate::edit::Inspection;
use crate::error::Error;

impl Configs<'_> {
    /// The jobs of `setup --scope scope` for `clients` and the entry `server`: each existing
    /// file holding the entry (found by name, else by URL), and where none of the scope's
    /// files does, the last existing file of that scope (the one the client reads last), else
    /// the client's default file, to create it in. An existing entry nobody manages is adopted,
    /// one another profile manages is left alone (or taken over with `--force`).
    pub fn setup_jobs(
        &self,
        clients: &[&'static Client],
        scope: Scope,
        server: &Server,
    ) -> Vec<Job> {
        let data = self
            .store
            .load(self.profile)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut surveyed = self.survey(clients, &data, LookFor::Entry(server));
        let mut jobs: Vec<Job> = Vec::new();
        for &client in clients {
            let files = surveyed
                .iter_mut()
                .find(|(c, _)| c.id == client.id)
                .map(|(_, files)| std::mem::take(files))
                .unwrap_or_default();
            let mut holds_in_scope = false;
            for s in files {
                let entry = match &s.inspection {
                    Ok(Inspection::Missing) => continue,
                    Ok(i) => i.entry().map(|e| e.name.clone()),
                    Err(_) => None,
                };
                if matches!((&s.owner, &entry), (Owner::Other(_), Some(n)) if *n != server.name) {
                    // Another profile's entry, found by its URL under another name: a different
                    // server of the client. This profile gets its own entry beside it.
                    continue;
                }
                if s.file.scope == scope && s.inspection.is_ok() {
                    holds_in_scope = true;
                }
                let mut job = Job::new(s.file, server.clone());
                if let Some(name) = entry {
                    job.claim = match s.owner {
                        Owner::This => Claim::Own,
                        Owner::Nobody => Claim::Adopt,
                        Owner::Other(p) if server.force => Claim::TakeOver(p),
                        Owner::Other(p) => Claim::Foreign(p),
                    };
                    // The existing entry itself, by its name (an adopted entry may have another).
                    job.server = Server {
                        name,
                        ..server.clone()
                    };
                }
                push(&mut jobs, job);
            }
            if !holds_in_scope {
                push_new(&mut jobs, self, client, scope, server);
            }
        }
        jobs
    }

    /// Records every entry that now holds our configuration (for later unattended refreshes),
    /// and releases the entries taken over from another profile.
    pub fn record_setup(&self, jobs: &[Job], batch: &Batch) -> Result<(), Error> {
        let mut records = Vec::new();
        for (job, (file, verdict)) in jobs.iter().zip(&batch.results) {
            if !verdict.holds() {
                continue;
            }
            if let Claim::TakeOver(p) = &job.claim {
                self.release(p, file, &job.server.name)?;
            }
            records.push(super::record(
                file,
                &job.server.name,
                job.mode,
                job.keep_mode,
            ));
        }
        self.remember(&records)
    }
}

/// The job creating the entry in `client`'s file of `scope`: the last existing file of the
/// scope (not one where the client keeps its own state), else the client's default.
fn push_new(
    jobs: &mut Vec<Job>,
    configs: &Configs,
    client: &'static Client,
    scope: Scope,
    server: &Server,
) {
    let in_scope = client.files(configs.env, scope);
    let target = in_scope
        .iter()
        .rev()
        .find(|f| f.exists() && !client.is_state_file(configs.env, f))
        .cloned()
        .or_else(|| client.default_file(configs.env, scope));
    if let Some(f) = target {
        // A new entry of our name: found by that name only, never another profile's entry that
        // shares the URL.
        let mut job = Job::new(
            f,
            Server {
                recorded: true,
                ..server.clone()
            },
        );
        job.create = true;
        push(jobs, job);
    }
}

/// Adds a job, once per file (a file reached as two scopes is one file).
fn push(jobs: &mut Vec<Job>, job: Job) {
    match jobs.iter_mut().find(|j| j.file.key() == job.file.key()) {
        Some(j) => j.create |= job.create,
        None => jobs.push(job),
    }
}

/// Gives every job the credentials mechanism of its client's mode (an explicit `--mode`:
/// entries in another mode are switched).
pub(crate) fn with_modes(
    jobs: &mut [Job],
    modes: &[(&'static str, Mode)],
    ctx: &AuthContext<'_>,
) -> Result<(), ModeError> {
    for job in jobs.iter_mut() {
        let mode = modes
            .iter()
            .find(|(id, _)| *id == job.file.client.id)
            .map_or(Mode::Inline, |(_, m)| *m);
        job.desired = Some(job.file.auth(mode, ctx)?);
        job.mode = mode;
    }
    Ok(())
}
