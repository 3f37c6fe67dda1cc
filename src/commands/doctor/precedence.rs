//! Which file's entry each client uses ([`crate::clients::Precedence`], the rule `status` uses
//! too): the entry in use must be a good one, and one that overrides a good or managed entry is a
//! problem.

use super::configs::{auth_of, is_good, Auth, Held, TargetCtx};
use super::{Check, Level};
use crate::clients::{self, ConfigFile, Precedence};
use crate::edit::Inspection;

/// One client's surveyed files, as the precedence checks read them.
pub(super) struct Files<'a> {
    pub(super) files: &'a [ConfigFile],
    /// What each holds (`None`: unreadable).
    pub(super) states: Vec<Option<&'a Inspection>>,
    pub(super) held: &'a [Held],
    /// This profile manages the entry.
    pub(super) managed: &'a [bool],
}

impl TargetCtx<'_> {
    /// Clients that take one entry by precedence (local > project > user; within a scope, the
    /// last file; the client's [`clients::Precedence`], which `status` uses too): the entry in
    /// use must be a good one.
    /// The checks of the entry the client uses, by its precedence rule.
    pub(super) fn entry_in_use(&self, f: &Files<'_>, out: &mut Vec<Check>) {
        match self.target.precedence {
            Precedence::DeepMerge => self.merged(f, out),
            Precedence::LastWins(_) => self.last_wins(f, out),
        }
    }

    fn last_wins(&self, f: &Files<'_>, out: &mut Vec<Check>) {
        let Some(w) = self.target.precedence.winner(f.files, &f.states, self.name) else {
            return;
        };
        let named = |i: usize| {
            matches!(&f.held[i], Held::Entry(e) if e.name == self.name)
                || matches!(f.held[i], Held::OtherUrl(_))
        };
        let entries = (0..f.files.len()).filter(|&i| named(i)).count();
        if is_good(&f.held[w], self.want) {
            if entries > 1 {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Info,
                        format!(
                            "{} uses the entry of {}",
                            self.target.name,
                            f.files[w].describe(&self.ctx.env)
                        ),
                    )
                    .at(&f.files[w].path),
                );
            }
            return;
        }
        let shadowed = (0..f.files.len())
            .find(|&i| i != w && named(i) && (f.managed[i] || is_good(&f.held[i], self.want)));
        self.override_problem(f, w, shadowed, out);
    }

    /// A client that deep-merges every file (opencode): the last file setting `url`, the
    /// Authorization header or `enabled` wins, field by field.
    fn merged(&self, f: &Files<'_>, out: &mut Vec<Check>) {
        let eff = clients::opencode::effective(&f.states, self.name);
        let describe = |i: usize| f.files[i].describe(&self.ctx.env);
        if let Some((i, url)) = &eff.url
            && url.trim_end_matches('/') != self.url.trim_end_matches('/')
        {
            out.push(
                Check::new(
                    Self::AREA,
                    Level::Problem,
                    format!(
                        "{} connects `{}` to {url}, set in {}, which overrides the other files",
                        self.target.name,
                        self.name,
                        describe(*i)
                    ),
                )
                .at(&f.files[*i].path)
                .then_run(
                    "remove that `url` (or the whole entry), or take the entry over",
                    self.setup_cmd(&f.files[*i], true),
                ),
            );
        }
        if let Some((i, en)) = eff.enabled
            && !en
        {
            out.push(
                Check::new(
                    Self::AREA,
                    Level::Problem,
                    format!(
                        "{} disables `{}`: {} sets it disabled, which overrides the other files",
                        self.target.name,
                        self.name,
                        describe(i)
                    ),
                )
                .at(&f.files[i].path)
                .then_run(
                    "remove `enabled: false` / `disabled: true` there",
                    format!("figma-auth doctor{}", self.ctx.flags()),
                ),
            );
        }
        let auth_winner = eff.authorization.as_ref().map(|(i, _)| *i);
        let Some(w) = auth_winner else { return };
        let good = match &f.held[w] {
            Held::Entry(e) => matches!(
                auth_of(e, self.want),
                Auth::Current | Auth::Indirect(_) | Auth::Reference(_)
            ),
            _ => false,
        };
        let others = (0..f.files.len())
            .filter(|i| matches!(f.held[*i], Held::Entry(_)))
            .count();
        if good {
            if others > 1 {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Info,
                        format!(
                            "{} uses the Authorization header of {}",
                            self.target.name,
                            describe(w)
                        ),
                    )
                    .at(&f.files[w].path),
                );
            }
            return;
        }
        let shadowed = (0..f.files.len()).find(|i| {
            *i != w
                && (f.managed[*i]
                    || matches!(&f.held[*i], Held::Entry(e) if auth_of(e, self.want) == Auth::Current))
        });
        self.override_problem(f, w, shadowed, out);
    }

    /// The file in use (`w`) is not a good one, and it hides `shadowed` (managed or good).
    fn override_problem(
        &self,
        f: &Files<'_>,
        w: usize,
        shadowed: Option<usize>,
        out: &mut Vec<Check>,
    ) {
        let Some(s) = shadowed else { return };
        let msg = format!(
            "{} uses the `{}` entry of {}, which overrides {}",
            self.target.name,
            self.name,
            f.files[w].describe(&self.ctx.env),
            f.files[s].describe(&self.ctx.env)
        );
        let check = Check::new(Self::AREA, Level::Problem, msg).at(&f.files[w].path);
        out.push(match &f.held[w] {
            Held::OtherUrl(_) => check.then_run(
                "remove that entry, or take it over",
                self.setup_cmd(&f.files[w], true),
            ),
            Held::Entry(e) if e.is_disabled() => check.then_run(
                "enable it or remove it",
                format!("figma-auth doctor{}", self.ctx.flags()),
            ),
            Held::Entry(_) if f.managed[w] => check.run(self.refresh_cmd()),
            // Not ours: `refresh` leaves it alone; adopting it lets figma-auth keep it current.
            Held::Entry(_) => check.then_run(
                "remove that entry, or adopt it",
                self.setup_cmd(&f.files[w], false),
            ),
            _ => check.then_run(
                "correct or remove it",
                format!("figma-auth doctor{}", self.ctx.flags()),
            ),
        });
    }
}
