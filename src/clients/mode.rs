//! How the token reaches a client ([`Mode`]) and how each client writes each mode
//! ([`AuthSyntax`], data): the entry a mode needs ([`Client::auth`]) and the mode an entry is in
//! ([`Client::mode_of`]). A client's modes are exactly what its [`AuthSyntax`] describes.

use std::fmt;
use std::path::Path;

use super::Client;
use crate::edit::{Desired, EntryState, HeaderValue, SecretHeader};
use crate::secret::AccessToken;

/// How the token reaches the client (`--mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// `Authorization: Bearer <token>` written into the config file; `refresh` rewrites it.
    Inline,
    /// The client runs a command for the credentials: one that prints the header (Claude
    /// `headersHelper`, Codex `http_headers_helper`), or one whose output the header embeds
    /// (Crush's `Bearer $(figma-auth token)`); no token in the file, which is written once.
    Helper,
    /// The header refers to a token file the client reads (opencode `{file:…}`); `refresh`
    /// keeps the token file current, the config is written once.
    File,
    /// The header refers to an environment variable in the client's own syntax (Codex:
    /// `bearer_token_env_var`); the config is written once.
    Env,
    /// The client starts `figma-auth proxy` as a local (stdio) server, which holds the token
    /// and keeps it fresh: nothing secret in the file, nothing to refresh, no restart.
    Proxy,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Inline,
        Mode::Helper,
        Mode::File,
        Mode::Env,
        Mode::Proxy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Inline => "inline",
            Mode::Helper => "helper",
            Mode::File => "file",
            Mode::Env => "env",
            Mode::Proxy => "proxy",
        }
    }

    /// `inline`, `helper`, `file`, `env` or `proxy` (as `--mode` takes it); the error lists
    /// them.
    pub fn parse(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| format!("unknown mode `{s}`; choose from: {}", list(&Mode::ALL)))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::parse(s)
    }
}

/// The default variable of [`Mode::Env`].
pub(crate) const DEFAULT_ENV_VAR: &str = "FIGMA_TOKEN";

/// Where a mode puts what the client reads: an entry key, or a reference in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// A key of the entry holds it (`headersHelper = <command>`, `bearer_token_env_var = <VAR>`).
    Key(&'static str),
    /// The Authorization header is `Bearer <before><it><after>` (`${env:VAR}`, `{file:PATH}`).
    Header {
        before: &'static str,
        after: &'static str,
    },
}

/// How a client writes each mode besides [`Mode::Inline`] (which every client has); `None`:
/// the client has no such mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSyntax {
    /// [`Mode::Helper`]: where the command goes.
    pub helper: Option<Ref>,
    /// [`Mode::File`]: how the header names the token file.
    pub file: Option<Ref>,
    /// [`Mode::Env`]: where the variable is named.
    pub env: Option<Ref>,
}

impl AuthSyntax {
    /// Inline only.
    pub const INLINE: AuthSyntax = AuthSyntax {
        helper: None,
        file: None,
        env: None,
    };

    fn of(&self, mode: Mode) -> Option<Ref> {
        match mode {
            Mode::Inline | Mode::Proxy => None,
            Mode::Helper => self.helper,
            Mode::File => self.file,
            Mode::Env => self.env,
        }
    }

    /// The modes this describes, [`Mode::Inline`] first.
    pub fn modes(&self) -> Vec<Mode> {
        Mode::ALL
            .into_iter()
            .filter(|m| *m == Mode::Inline || self.of(*m).is_some())
            .collect()
    }

    /// The entry keys that give the client its credentials instead of a header: an entry
    /// holding one is left alone by a refresh, and an explicit mode removes the others.
    pub fn keys(&self) -> Vec<&'static str> {
        [self.env, self.helper, self.file]
            .into_iter()
            .filter_map(|r| match r {
                Some(Ref::Key(k)) => Some(k),
                _ => None,
            })
            .collect()
    }
}

/// What a mode needs to say what to write: each mode reads only its own field.
#[derive(Debug, Clone, Copy)]
pub struct AuthContext<'a> {
    /// [`Mode::Inline`]: the access token (already validated).
    pub token: Option<&'a AccessToken>,
    /// [`Mode::Helper`] in a key ([`Ref::Key`]): the command line the client runs through a
    /// shell, already quoted, printing the header (e.g. `'/abs/path/figma-auth' header --json
    /// --profile default`).
    pub helper_command: Option<&'a str>,
    /// [`Mode::Helper`] in the header ([`Ref::Header`]): the command line whose output the
    /// header embeds, printing the bare token (e.g. `'/abs/path/figma-auth' token`).
    pub token_command: Option<&'a str>,
    /// [`Mode::File`]: the absolute path of the token file.
    pub token_file: Option<&'a Path>,
    /// [`Mode::Env`]: the variable's name (default [`DEFAULT_ENV_VAR`]).
    pub env_var: &'a str,
    /// [`Mode::Proxy`]: the command line the client starts, the program first (e.g.
    /// `/abs/path/figma-auth proxy --profile default`), not quoted.
    pub proxy_command: Option<&'a [String]>,
}

impl Default for AuthContext<'_> {
    fn default() -> Self {
        Self {
            token: None,
            helper_command: None,
            token_command: None,
            token_file: None,
            env_var: DEFAULT_ENV_VAR,
            proxy_command: None,
        }
    }
}

/// Why a mode cannot be used. Messages hold no token (a path or variable name is not echoed
/// either; the caller knows them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    #[error(
        "{client} does not support --mode {mode}; its modes: {}",
        list(supported)
    )]
    Unsupported {
        client: &'static str,
        mode: Mode,
        supported: Vec<Mode>,
    },
    #[error(
        "{client} starts only local (stdio) servers, so figma-auth serves it through its proxy: \
         use --mode proxy (not --mode {mode})"
    )]
    ProxyOnly { client: &'static str, mode: Mode },
    #[error("--mode {mode} needs {what} (internal: the caller did not supply it)")]
    Missing { mode: Mode, what: &'static str },
    #[error("--mode {mode}: {what} {why}")]
    Invalid {
        mode: Mode,
        what: &'static str,
        why: &'static str,
    },
}

fn list(modes: &[Mode]) -> String {
    modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn valid_var(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Client {
    /// How the token can be delivered to this client, the default first: [`Mode::Inline`] and
    /// its [`AuthSyntax`] modes when it takes a URL, [`Mode::Proxy`] when it can start a local
    /// (stdio) server.
    pub fn modes(&self) -> Vec<Mode> {
        let mut out = if self.remote() {
            self.auth.modes()
        } else {
            Vec::new()
        };
        if self.entry.stdio.is_some() {
            out.push(Mode::Proxy);
        }
        out
    }

    /// The client takes a remote (URL) server in this file; `false`: local servers only.
    pub fn remote(&self) -> bool {
        !self.entry.url_keys.is_empty()
    }

    /// The mode `setup` uses when none is asked for.
    pub fn default_mode(&self) -> Mode {
        self.modes().first().copied().unwrap_or(Mode::Inline)
    }

    /// Checks that the client supports `mode` (for `setup` before any file is read).
    pub fn check_mode(&self, mode: Mode) -> Result<(), ModeError> {
        if self.modes().contains(&mode) {
            Ok(())
        } else if self.modes() == [Mode::Proxy] {
            Err(ModeError::ProxyOnly {
                client: self.name,
                mode,
            })
        } else {
            Err(ModeError::Unsupported {
                client: self.name,
                mode,
                supported: self.modes(),
            })
        }
    }

    /// What our entry must carry in `mode`: exactly this header (or none) and this credentials
    /// key (or none), every other mechanism removed.
    pub fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Desired, ModeError> {
        self.check_mode(mode)?;
        let missing = |what| ModeError::Missing { mode, what };
        let invalid = |what, why| ModeError::Invalid { mode, what, why };
        // What the mode writes (a command, a path, a variable name), and where it goes.
        let (value, place) = match mode {
            Mode::Proxy => {
                let argv = ctx
                    .proxy_command
                    .ok_or_else(|| missing("the proxy's command line"))?;
                let Some(program) = argv.first() else {
                    return Err(invalid("the proxy's command line", "is empty"));
                };
                if !std::path::Path::new(program).is_absolute() {
                    return Err(invalid("the proxy's program", "is not an absolute path"));
                }
                if argv.iter().any(|a| a.chars().any(char::is_control)) {
                    return Err(invalid(
                        "the proxy's command line",
                        "contains a control character",
                    ));
                }
                let stdio = crate::edit::Stdio::from_argv(argv)
                    .ok_or_else(|| invalid("the proxy's command line", "is empty"))?;
                return Ok(Desired::stdio(stdio));
            }
            Mode::Inline => {
                let token = ctx.token.ok_or_else(|| missing("a token"))?;
                return Ok(Desired::exactly(
                    Some(HeaderValue::Token(SecretHeader::bearer(token))),
                    None,
                ));
            }
            Mode::Helper => {
                // A command in the header must print the token; one in a key, the header.
                let cmd = match self.auth.helper {
                    Some(Ref::Header { .. }) => ctx
                        .token_command
                        .ok_or_else(|| missing("a token command"))?,
                    _ => ctx
                        .helper_command
                        .ok_or_else(|| missing("a helper command"))?,
                };
                if cmd.trim().is_empty() {
                    return Err(invalid("the helper command", "is empty"));
                }
                if cmd.chars().any(char::is_control) {
                    return Err(invalid(
                        "the helper command",
                        "contains a control character",
                    ));
                }
                // A substitution in the header ends at its closing delimiter, found by counting
                // brackets without regard to quotes (Crush's `$(…)`): the command holds none.
                if let Some(Ref::Header { before, after }) = self.auth.helper {
                    let opening = before.chars().last();
                    if cmd.contains(after) || opening.is_some_and(|c| cmd.contains(c)) {
                        return Err(invalid(
                            "the helper command",
                            "contains a bracket, which would end the client's command \
                             substitution early (install figma-auth in a directory without \
                             brackets in its path)",
                        ));
                    }
                }
                (cmd.to_string(), self.auth.helper)
            }
            Mode::File => {
                let path = ctx.token_file.ok_or_else(|| missing("a token file"))?;
                if !path.is_absolute() {
                    return Err(invalid("the token file path", "is not absolute"));
                }
                let Some(p) = path.to_str() else {
                    return Err(invalid("the token file path", "is not valid UTF-8"));
                };
                if p.contains('}') || p.chars().any(char::is_control) {
                    return Err(invalid(
                        "the token file path",
                        "contains `}` or a control character, which the client cannot read",
                    ));
                }
                (p.to_string(), self.auth.file)
            }
            Mode::Env => {
                if !valid_var(ctx.env_var) {
                    return Err(invalid(
                        "the variable name",
                        "must be letters, digits and `_`, not starting with a digit",
                    ));
                }
                (ctx.env_var.to_string(), self.auth.env)
            }
        };
        Ok(match place.ok_or_else(|| missing("a key"))? {
            Ref::Key(key) => Desired::exactly(None, Some((key.to_string(), value))),
            Ref::Header { before, after } => Desired::exactly(
                Some(HeaderValue::Reference(format!(
                    "Bearer {before}{value}{after}"
                ))),
                None,
            ),
        })
    }

    /// The program an entry's helper command runs (the first word of `headersHelper`, or of the
    /// command substituted in the header, as an absolute path), when the entry has one; `None`
    /// for a client without helper mode.
    pub fn helper_program(&self, entry: &EntryState) -> Option<std::path::PathBuf> {
        let cmd = match self.auth.helper? {
            Ref::Key(key) => entry.auth_field(key)?,
            // `Bearer $(<command>)`: the command between the client's delimiters.
            Ref::Header { before, after } => {
                let r = entry.authorization_reference()?;
                let rest = &r[r.find(before)? + before.len()..];
                &rest[..rest.rfind(after)?]
            }
        };
        crate::binary::helper_program(cmd).filter(|p| p.is_absolute())
    }

    /// An entry whose helper command runs a program that cannot run (figma-auth moved or was
    /// uninstalled): that program and why. `setup` rewrites such an entry to this binary.
    pub fn broken_helper(&self, entry: &EntryState) -> Option<(std::path::PathBuf, &'static str)> {
        let p = self.helper_program(entry)?;
        let why = crate::binary::unusable(&p)?;
        Some((p, why))
    }

    /// The mode an entry is in now, judged from what it holds: a credentials key first (it
    /// overrides a static header), then the header — a reference in one of the client's
    /// syntaxes, any other reference (a variable), or a token. `None`: no credentials at all.
    pub fn mode_of(&self, entry: &EntryState) -> Option<Mode> {
        if entry.is_stdio() {
            return Some(Mode::Proxy);
        }
        let holds = |m: Mode| match self.auth.of(m) {
            Some(Ref::Key(k)) => entry.other_auth.iter().any(|o| o == k),
            Some(Ref::Header { before, .. }) => entry
                .authorization_reference()
                .is_some_and(|r| r.contains(before)),
            None => false,
        };
        let keyed = |m: Mode| matches!(self.auth.of(m), Some(Ref::Key(_))) && holds(m);
        if let Some(m) = [Mode::Helper, Mode::Env, Mode::File]
            .into_iter()
            .find(|m| keyed(*m))
        {
            return Some(m);
        }
        if entry.authorization_reference().is_some() {
            return Some(
                [Mode::File, Mode::Helper]
                    .into_iter()
                    .find(|m| holds(*m))
                    .unwrap_or(Mode::Env),
            );
        }
        entry.authorization.as_ref().map(|_| Mode::Inline)
    }
}
