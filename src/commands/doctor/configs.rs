//! Every MCP client config the survey finds: parsable, entry present, who manages it, current
//! or stale, safe to hold a token; the entry each client uses is checked in [`super::precedence`]
//! and the credentials of indirect entries in [`super::credentials`].

use super::credentials::reference_text;
use super::precedence::Files;
use super::proxy::Probes;
use super::{shell_path, Check, Context, Level};
use crate::apply::{self, Owner};
use crate::clients::{self, Client, ConfigFile, Mode};
use crate::edit::{EntryState, Inspection, SecretHeader};
use crate::store::{ProfileData, TokenRecord};

/// What one config file holds for our server.
pub(super) enum Held {
    Unreadable(String),
    Missing,
    /// An entry with our name pointing elsewhere.
    OtherUrl(Option<String>),
    Entry(Box<EntryState>),
}

/// How an entry gets its Authorization.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Auth {
    /// The current token.
    Current,
    /// Another (old) token.
    Stale,
    /// No Authorization header.
    Absent,
    /// From another key (`headersHelper`, `bearer_token_env_var`, …).
    Indirect(Vec<String>),
    /// `{file:…}`, `${VAR}`, `{env:VAR}`, …: the reference text.
    Reference(String),
    /// Proxy mode: the client starts this command line, which holds the token.
    Proxy(Vec<String>),
}

pub(super) fn auth_of(e: &EntryState, want: Option<&SecretHeader>) -> Auth {
    if let (true, Some(s)) = (e.is_stdio(), &e.stdio) {
        return Auth::Proxy(s.argv());
    }
    if !e.other_auth.is_empty() {
        return Auth::Indirect(e.other_auth.clone());
    }
    let Some(a) = &e.authorization else {
        return Auth::Absent;
    };
    if e.authorization_is_reference() {
        return Auth::Reference(reference_text(a.expose()));
    }
    match want {
        Some(w) if w.expose() == a.expose() && e.missing_required.is_empty() => Auth::Current,
        _ => Auth::Stale,
    }
}

pub(super) fn is_good(h: &Held, want: Option<&SecretHeader>) -> bool {
    match h {
        Held::Entry(e) => {
            !e.is_disabled()
                && matches!(
                    auth_of(e, want),
                    Auth::Current | Auth::Indirect(_) | Auth::Reference(_) | Auth::Proxy(_)
                )
        }
        _ => false,
    }
}

/// Checks every config file; returns how many hold the token inline (they need a schedule).
/// `online`: a proxy-mode entry's command line is also run with `--check`.
pub(super) fn check(
    ctx: &Context,
    data: &ProfileData,
    online: bool,
    out: &mut Vec<Check>,
) -> usize {
    const AREA: &str = "configs";
    let before = out.len();
    let mut inline = 0;
    let want = data
        .token
        .as_ref()
        .map(|t: &TokenRecord| SecretHeader::bearer(&t.access_token));
    let probes = Probes::default();
    for (target, surveyed) in ctx.configs().survey_managed(data) {
        // The entry this profile manages in this client (else the default name).
        let name = surveyed
            .iter()
            .find(|s| s.owner == Owner::This)
            .map(|s| s.server.name.clone())
            .unwrap_or_else(|| clients::DEFAULT_NAME.to_string());
        let url = ctx.mcp_url();
        let files: Vec<ConfigFile> = surveyed.iter().map(|s| s.file.clone()).collect();
        let inspections: Vec<Result<Inspection, String>> =
            surveyed.iter().map(|s| s.inspection.clone()).collect();
        let held: Vec<Held> = inspections
            .iter()
            .map(|i| match i {
                Err(e) => Held::Unreadable(e.clone()),
                Ok(Inspection::Missing) => Held::Missing,
                Ok(Inspection::Conflict(e)) => Held::OtherUrl(e.url.clone()),
                Ok(Inspection::Found(e)) => Held::Entry(Box::new(e.clone())),
            })
            .collect();
        let managed: Vec<bool> = surveyed.iter().map(|s| s.owner == Owner::This).collect();
        let ctx_t = TargetCtx {
            ctx,
            target,
            name: &name,
            url: &url,
            want: want.as_ref(),
            online,
            probes: &probes,
        };
        for (i, s) in surveyed.iter().enumerate() {
            let holds_token = ctx_t.file_checks(&s.file, &held[i], &s.owner, s.mode, out);
            if holds_token > 0 {
                let keep_mode = data
                    .configs
                    .iter()
                    .any(|r| r.keep_mode && apply::is_record_of(r, &s.file));
                ctx_t.permission_checks(&s.file, keep_mode, out);
            }
            inline += holds_token;
        }
        let files = Files {
            files: &files,
            states: inspections.iter().map(|i| i.as_ref().ok()).collect(),
            held: &held,
            managed: &managed,
        };
        ctx_t.entry_in_use(&files, out);
    }
    if out.len() == before {
        out.push(
            Check::new(
                AREA,
                Level::Info,
                "no MCP client config holds the figma server",
            )
            .run(format!("figma-auth setup --target <client>{}", ctx.flags())),
        );
    }
    inline
}

/// What the config checks of one client share.
pub(super) struct TargetCtx<'a> {
    pub(super) ctx: &'a Context,
    pub(super) target: &'static Client,
    pub(super) name: &'a str,
    pub(super) url: &'a str,
    pub(super) want: Option<&'a SecretHeader>,
    /// Run proxy-mode command lines with `--check`.
    pub(super) online: bool,
    /// Each command line is run once per doctor run (several files may name it).
    pub(super) probes: &'a Probes,
}

impl TargetCtx<'_> {
    pub(super) const AREA: &'static str = "configs";

    pub(super) fn refresh_cmd(&self) -> String {
        format!(
            "figma-auth refresh --write --target {}{}",
            self.target.id,
            self.ctx.flags()
        )
    }

    pub(super) fn setup_cmd(&self, f: &ConfigFile, force: bool) -> String {
        format!(
            "figma-auth setup --target {} --scope {}{}{} --write",
            self.target.id,
            f.scope.as_str(),
            if force { " --force" } else { "" },
            self.ctx.flags()
        )
    }

    /// The line of one file; returns 1 when it holds a token inline.
    fn file_checks(
        &self,
        f: &ConfigFile,
        h: &Held,
        owner: &Owner,
        mode: Mode,
        out: &mut Vec<Check>,
    ) -> usize {
        let what = f.describe(&self.ctx.env);
        let name = self.name;
        let managed = *owner == Owner::This;
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        if let (Held::Entry(e), false) = (h, managed) {
            // Someone else's entry: reported, never judged against (or fixed with) our token.
            let setup = self.setup_cmd(f, false);
            let holds_ours = matches!((&e.authorization, self.want), (Some(a), Some(w)) if a.expose() == w.expose());
            out.push(match owner {
                Owner::Other(p) => c(
                    Level::Info,
                    format!("{what}: the `{}` entry is managed by profile {p}, not by this profile", e.name),
                ),
                _ if holds_ours => c(
                    Level::Warning,
                    format!(
                        "{what}: the `{}` entry holds this profile's token but is not managed by this profile, so `refresh --write` leaves it alone and it stops working when the token expires",
                        e.name
                    ),
                )
                .then_run("to have figma-auth keep it current, adopt it", setup),
                _ => c(
                    Level::Info,
                    format!(
                        "{what}: the `{}` entry is not managed by this profile (figma-auth leaves it alone; `{setup}` adopts it)",
                        e.name
                    ),
                ),
            });
            // Whether it can work at all (a helper that exists, a variable that is set) is
            // still worth knowing; its token is not ours to judge.
            match auth_of(e, self.want) {
                Auth::Indirect(keys) => self.indirect_checks(&what, f, e, &keys, mode, out),
                Auth::Reference(r) => self.reference_checks(&what, f, e, &r, out),
                Auth::Proxy(argv) => self.proxy_checks(&what, f, &argv, out),
                _ => {}
            }
            return 0;
        }
        match h {
            Held::Unreadable(e) => out.push(
                c(Level::Problem, format!("{what} cannot be read: {e}")).then_run(
                    "correct the file at the position given",
                    format!("figma-auth doctor{}", self.ctx.flags()),
                ),
            ),
            Held::Missing if managed => out.push(
                c(
                    Level::Problem,
                    format!("{what}: the `{name}` entry figma-auth set up is gone"),
                )
                .run(self.setup_cmd(f, false)),
            ),
            Held::Missing => out.push(c(Level::Info, format!("{what}: no `{name}` entry"))),
            Held::OtherUrl(u) => out.push(
                c(
                    Level::Warning,
                    format!(
                        "{what}: the `{name}` entry points at {}, not {}",
                        u.as_deref().unwrap_or("no URL"),
                        self.url
                    ),
                )
                .then_run(
                    "if it should be Figma's remote server, take it over",
                    self.setup_cmd(f, true),
                ),
            ),
            Held::Entry(e) => {
                if e.is_disabled() {
                    out.push(
                        c(
                            Level::Warning,
                            format!(
                                "{what}: the `{}` entry (line {}) is disabled",
                                e.name, e.line
                            ),
                        )
                        .then_run(
                            "enable it in the file if you want to use it",
                            format!("figma-auth doctor{}", self.ctx.flags()),
                        ),
                    );
                }
                match auth_of(e, self.want) {
                    Auth::Current => {
                        out.push(c(Level::Ok, format!("{what}: current token")));
                        return 1;
                    }
                    Auth::Stale if self.want.is_none() => {
                        out.push(
                            c(
                                Level::Problem,
                                format!("{what}: holds a token, but the profile is not logged in"),
                            )
                            .run(format!("figma-auth login{}", self.ctx.flags())),
                        );
                        return 1;
                    }
                    Auth::Stale if !e.missing_required.is_empty() => {
                        out.push(
                            c(
                                Level::Problem,
                                format!(
                                    "{what}: the entry lacks `{}`",
                                    e.missing_required.join("`, `")
                                ),
                            )
                            .run(self.refresh_cmd()),
                        );
                        return 1;
                    }
                    Auth::Stale => {
                        out.push(
                            c(
                                Level::Problem,
                                format!("{what}: holds an old token (not the one in the credential store)"),
                            )
                            .run(self.refresh_cmd()),
                        );
                        return 1;
                    }
                    Auth::Absent => out.push(
                        c(
                            Level::Problem,
                            format!("{what}: the entry has no Authorization header"),
                        )
                        .run(self.refresh_cmd()),
                    ),
                    Auth::Indirect(keys) => self.indirect_checks(&what, f, e, &keys, mode, out),
                    Auth::Reference(r) => self.reference_checks(&what, f, e, &r, out),
                    Auth::Proxy(argv) => self.proxy_checks(&what, f, &argv, out),
                }
            }
        }
        0
    }

    /// A file holding the token inline: other users must not be able to read it, and
    /// figma-auth must be able to update it (the write path's own check, so doctor reports
    /// exactly what a refresh would refuse or change).
    fn permission_checks(&self, f: &ConfigFile, keep_mode: bool, out: &mut Vec<Check>) {
        use crate::fs::{FsError, ModeRule, WriteOptions};
        let what = f.describe(&self.ctx.env);
        let Ok(real) = crate::fs::resolve_symlinks(&f.path) else {
            return;
        };
        let Ok(meta) = std::fs::metadata(&real) else {
            return;
        };
        let rule = if keep_mode {
            ModeRule::KeepLoose
        } else {
            ModeRule::Private
        };
        let opts = WriteOptions::new(apply::NEW_FILE_MODE)
            .guarded()
            .with_mode_rule(rule);
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let path = shell_path(self.ctx, &real);
        match crate::fs::check_target(&real, Some(&meta), &opts) {
            Ok(effects) => {
                if let Some((from, _)) = effects.tightened {
                    out.push(
                        c(
                            Level::Problem,
                            format!(
                                "{what}: holds your token and other users can read it (mode {from:04o})"
                            ),
                        )
                        .run(format!("chmod 600 {path}")),
                    );
                }
                if let Some(mode) = effects.kept_loose {
                    out.push(c(
                        Level::Warning,
                        format!(
                            "{what}: holds your token and other users can read it (mode {mode:04o}, kept as `setup --keep-mode` asked)"
                        ),
                    ));
                }
            }
            Err(e) => {
                let check = c(
                    Level::Problem,
                    format!(
                        "{what}: figma-auth cannot update it: {}",
                        crate::error::chain(&e)
                    ),
                );
                out.push(match &e {
                    FsError::ReadOnly { .. } => check.run(format!("chmod u+w {path}")),
                    FsError::SharedDir { dir, .. } => check.then_run(
                        "if the directory need not be shared",
                        format!("chmod go-w {}", shell_path(self.ctx, dir)),
                    ),
                    FsError::NotOwned { path: p, .. } => check.then_run(
                        "run figma-auth as the owner, or make it yours",
                        format!("sudo chown \"$(id -un)\" {}", shell_path(self.ctx, p)),
                    ),
                    _ => check,
                });
            }
        }
    }
}
