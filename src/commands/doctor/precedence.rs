//! Which file's entry each client uses ([`crate::clients::Precedence`], the rule `status` uses
//! too): the entry in use must be a good one, and one that overrides a good or managed entry is a
//! problem.

use super::configs::{auth_of, is_good, Auth, Held, TargetCtx};
use super::{Check, Level};
use crate::clients::{self, ConfigFile};
use crate::edit::Inspection;

impl TargetCtx<'_> {
    /// Clients that take one entry by precedence (local > project > user; within a scope, the
    /// last file; the client's [`clients::Precedence`], which `status` uses too): the entry in
    /// use must be a good one.
    pub(super) fn precedence(
        &self,
        files: &[ConfigFile],
        inspections: &[Result<Inspection, String>],
        held: &[Held],
        managed: &[bool],
        out: &mut Vec<Check>,
    ) {
        let states: Vec<Option<&Inspection>> =
            inspections.iter().map(|i| i.as_ref().ok()).collect();
        let Some(w) = self.target.precedence.winner(files, &states, self.name) else {
            return;
        };
        let named = |i: usize| {
            matches!(&held[i], Held::Entry(e) if e.name == self.name)
                || matches!(held[i], Held::OtherUrl(_))
        };
        let entries = (0..files.len()).filter(|&i| named(i)).count();
        if is_good(&held[w], self.want) {
            if entries > 1 {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Info,
                        format!(
                            "{} uses the entry of {}",
                            self.target.name,
                            files[w].describe(&self.ctx.env)
                        ),
                    )
                    .at(&files[w].path),
                );
            }
            return;
        }
        let shadowed = (0..files.len())
            .find(|&i| i != w && named(i) && (managed[i] || is_good(&held[i], self.want)));
        self.override_problem(files, held, managed, w, shadowed, out);
    }

    /// A client that deep-merges every file (opencode): the last file setting `url`, the
    /// Authorization header or `enabled` wins, field by field.
    pub(super) fn merged(
        &self,
        files: &[ConfigFile],
        inspections: &[Result<Inspection, String>],
        held: &[Held],
        managed: &[bool],
        out: &mut Vec<Check>,
    ) {
        let states: Vec<Option<&Inspection>> =
            inspections.iter().map(|i| i.as_ref().ok()).collect();
        let eff = clients::opencode::effective(&states, self.name);
        let describe = |i: usize| files[i].describe(&self.ctx.env);
        if let Some((i, url)) = &eff.url {
            if url.trim_end_matches('/') != self.url.trim_end_matches('/') {
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
                    .at(&files[*i].path)
                    .then_run(
                        "remove that `url` (or the whole entry), or take the entry over",
                        self.setup_cmd(&files[*i], true),
                    ),
                );
            }
        }
        if let Some((i, en)) = eff.enabled {
            if !en {
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
                    .at(&files[i].path)
                    .then_run(
                        "remove `enabled: false` / `disabled: true` there",
                        format!("figma-auth doctor{}", self.ctx.flags()),
                    ),
                );
            }
        }
        let auth_winner = eff.authorization.as_ref().map(|(i, _)| *i);
        let Some(w) = auth_winner else { return };
        let good = match &held[w] {
            Held::Entry(e) => matches!(
                auth_of(e, self.want),
                Auth::Current | Auth::Indirect(_) | Auth::Reference(_)
            ),
            _ => false,
        };
        let others = (0..files.len())
            .filter(|i| matches!(held[*i], Held::Entry(_)))
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
                    .at(&files[w].path),
                );
            }
            return;
        }
        let shadowed = (0..files.len()).find(|i| {
            *i != w
                && (managed[*i]
                    || matches!(&held[*i], Held::Entry(e) if auth_of(e, self.want) == Auth::Current))
        });
        self.override_problem(files, held, managed, w, shadowed, out);
    }

    /// The file in use (`w`) is not a good one, and it hides `shadowed` (managed or good).
    pub(super) fn override_problem(
        &self,
        files: &[ConfigFile],
        held: &[Held],
        managed: &[bool],
        w: usize,
        shadowed: Option<usize>,
        out: &mut Vec<Check>,
    ) {
        let Some(s) = shadowed else { return };
        let msg = format!(
            "{} uses the `{}` entry of {}, which overrides {}",
            self.target.name,
            self.name,
            files[w].describe(&self.ctx.env),
            files[s].describe(&self.ctx.env)
        );
        let check = Check::new(Self::AREA, Level::Problem, msg).at(&files[w].path);
        out.push(match &held[w] {
            Held::OtherUrl(_) => check.then_run(
                "remove that entry, or take it over",
                self.setup_cmd(&files[w], true),
            ),
            Held::Entry(e) if e.is_disabled() => check.then_run(
                "enable it or remove it",
                format!("figma-auth doctor{}", self.ctx.flags()),
            ),
            Held::Entry(_) if managed[w] => check.run(self.refresh_cmd()),
            // Not ours: `refresh` leaves it alone; adopting it lets figma-auth keep it current.
            Held::Entry(_) => check.then_run(
                "remove that entry, or adopt it",
                self.setup_cmd(&files[w], false),
            ),
            _ => check.then_run(
                "correct or remove it",
                format!("figma-auth doctor{}", self.ctx.flags()),
            ),
        });
    }
}
