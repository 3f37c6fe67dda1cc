//! Which file's entry a client uses when several of its files hold one ([`Precedence`], one rule
//! per client in the table).

use super::{opencode, ConfigFile, Scope};
use crate::edit::Inspection;

/// How a client picks the entry it uses among its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// The entry of the highest scope wins (the scopes listed lowest first), and within a scope
    /// the last file in load order. Entries are not merged.
    LastWins(&'static [Scope]),
    /// Every file is deep-merged field by field, the last file setting a field winning
    /// (opencode): the file that supplies the Authorization header is the one in use, else the
    /// one that supplies the URL.
    DeepMerge,
}

impl Precedence {
    /// Local over project over user.
    pub const SCOPES: Precedence =
        Precedence::LastWins(&[Scope::User, Scope::Project, Scope::Local]);

    /// The file the client takes the entry named `name` from, among `files` (in the client's
    /// load order, user scope first) and what each holds (`None`: unreadable). An entry of that
    /// name pointing at another URL counts: the client uses it.
    pub fn winner(
        &self,
        files: &[ConfigFile],
        inspections: &[Option<&Inspection>],
        name: &str,
    ) -> Option<usize> {
        match self {
            Precedence::DeepMerge => {
                let eff = opencode::effective(inspections, name);
                eff.authorization
                    .map(|(i, _)| i)
                    .or(eff.url.map(|(i, _)| i))
                    .or(eff.command)
            }
            Precedence::LastWins(order) => {
                let rank = |s: Scope| order.iter().position(|o| *o == s);
                (0..files.len())
                    .filter(|&i| {
                        inspections[i]
                            .and_then(Inspection::entry)
                            .is_some_and(|e| e.name == name)
                    })
                    .max_by_key(|&i| (rank(files[i].scope), i))
            }
        }
    }

    /// For each file, whether its entry is the one the client uses ([`Precedence::winner`]
    /// among the entries of the same name: entries of different names are different servers).
    pub fn in_use(&self, files: &[ConfigFile], inspections: &[Option<&Inspection>]) -> Vec<bool> {
        let mut out = vec![false; files.len()];
        let mut names: Vec<&str> = Vec::new();
        for e in inspections
            .iter()
            .filter_map(|i| i.and_then(Inspection::entry))
        {
            if !names.contains(&e.name.as_str()) {
                names.push(&e.name);
            }
        }
        for name in names {
            if let Some(w) = self.winner(files, inspections, name) {
                out[w] = true;
            }
        }
        out
    }
}
