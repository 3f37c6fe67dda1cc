//! Local (stdio) entries, proxy mode's shape: which command line is our proxy
//! ([`Stdio::is_proxy_for`]), the members a client's stdio entry holds ([`StdioSpec::members`]),
//! and which members a switch between a URL entry and a stdio entry removes and sets
//! ([`Switch`]).

use super::{EntrySpec, Scalar};

/// A local (stdio) server entry: the command the client starts (proxy mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stdio {
    pub command: String,
    pub args: Vec<String>,
}

impl Stdio {
    /// It runs figma-auth's proxy, for any URL.
    fn runs_proxy(&self) -> bool {
        is_figma_auth(&self.command) && self.args.iter().any(|a| a == "proxy")
    }
}

/// How a client writes a local server entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdioSpec {
    /// The key of the command (`command`, Goose `cmd`).
    pub command_key: String,
    /// The key of the argument list (`args`); empty: the command key holds the whole command
    /// line as one array (opencode).
    pub args_key: String,
    /// Members of a new local entry, in order. Fixed members are also set on an entry switched
    /// from the remote shape; the remote shape's own members (URL, headers, credentials fields,
    /// fixed members of [`EntrySpec::template`] not listed here) are removed.
    pub template: Vec<StdioField>,
}

/// One member of a local entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdioField {
    Command,
    Args,
    Value(String, Scalar),
}

/// A value of a stdio entry member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<String>),
}

impl From<&Scalar> for Lit {
    fn from(s: &Scalar) -> Self {
        match s {
            Scalar::Str(v) => Lit::Str(v.clone()),
            Scalar::Bool(b) => Lit::Bool(*b),
            Scalar::Int(i) => Lit::Int(*i),
        }
    }
}

/// `command` is figma-auth: its file name (any directory, any case, `.exe` allowed) is
/// `figma-auth` or the name of the running program, so that a renamed binary (`fa`) recognises
/// the entries it writes.
fn is_figma_auth(command: &str) -> bool {
    static SELF_NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let own = SELF_NAME.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        Some(program_name(exe.file_name()?.to_str()?))
    });
    let name = program_name(command);
    name == "figma-auth" || own.as_deref() == Some(name.as_str())
}

/// The file name of a command, lower case, without `.exe`.
fn program_name(command: &str) -> String {
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    base.strip_suffix(".exe").unwrap_or(&base).to_string()
}

/// Members only a stdio entry has: they go when it becomes a URL entry.
const STDIO_ONLY: &[&str] = &["env", "environment", "cwd"];

impl Stdio {
    /// `command` then `args`.
    pub fn argv(&self) -> Vec<String> {
        std::iter::once(self.command.clone())
            .chain(self.args.iter().cloned())
            .collect()
    }

    /// The program first, then its arguments; `None` for an empty command line.
    pub fn from_argv(argv: &[String]) -> Option<Stdio> {
        let (command, args) = argv.split_first()?;
        Some(Stdio {
            command: command.clone(),
            args: args.to_vec(),
        })
    }

    /// It runs figma-auth's proxy for `url`: the program is figma-auth ([`is_figma_auth`]),
    /// `proxy` is one of its arguments, and its `--mcp-url` (default
    /// [`crate::oauth::DEFAULT_MCP_URL`]) is `url`.
    pub fn is_proxy_for(&self, url: &str) -> bool {
        if !self.runs_proxy() {
            return false;
        }
        let mut proxied = crate::oauth::DEFAULT_MCP_URL.to_string();
        let mut it = self.args.iter();
        while let Some(a) = it.next() {
            if a == "--mcp-url" {
                if let Some(v) = it.next() {
                    proxied = v.clone();
                }
            } else if let Some(v) = a.strip_prefix("--mcp-url=") {
                proxied = v.to_string();
            }
        }
        let norm = |u: &str| u.trim().trim_end_matches('/').to_string();
        norm(&proxied) == norm(url)
    }
}

impl StdioSpec {
    /// The command key holds the whole command line as one array (opencode).
    pub fn whole_line(&self) -> bool {
        self.args_key.is_empty()
    }

    /// The members a stdio entry running `stdio` must hold, in template order.
    pub fn members(&self, stdio: &Stdio) -> Vec<(String, Lit)> {
        self.template
            .iter()
            .filter_map(|f| match f {
                StdioField::Value(k, v) => Some((k.clone(), Lit::from(v))),
                StdioField::Command if self.whole_line() => {
                    Some((self.command_key.clone(), Lit::List(stdio.argv())))
                }
                StdioField::Command => {
                    Some((self.command_key.clone(), Lit::Str(stdio.command.clone())))
                }
                StdioField::Args if self.whole_line() => None,
                StdioField::Args => Some((self.args_key.clone(), Lit::List(stdio.args.clone()))),
            })
            .collect()
    }

    /// The command line an entry's command and args members say, when they are strings
    /// (`args`: `None` absent, `Some(None)` not a list of strings).
    pub fn stdio_of(&self, command: Option<Lit>, args: Option<Option<Lit>>) -> Option<Stdio> {
        match command? {
            Lit::List(v) if self.whole_line() => Stdio::from_argv(&v),
            Lit::Str(c) if !self.whole_line() => {
                let args = match args {
                    None => Vec::new(),
                    Some(Some(Lit::List(a))) => a,
                    Some(_) => return None,
                };
                Some(Stdio { command: c, args })
            }
            _ => None,
        }
    }
}

/// What a switch between a URL entry and a stdio entry does to our entry: the members to
/// remove (those of the other form), and those to set, in order.
pub(crate) struct Switch {
    pub remove: Vec<String>,
    pub set: Vec<(String, Lit)>,
}

impl EntrySpec {
    /// Keys of a URL entry: they go when the entry becomes a stdio entry.
    fn url_form_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = self.url_keys.clone();
        out.push(self.headers_key.clone());
        out.extend(self.auth_alternatives.iter().cloned());
        out.extend(self.required.iter().map(|(k, _)| k.clone()));
        out.push("type".into());
        // A nested entry's body holds its URL form (Cline's `transport`).
        out.extend(self.body_key.clone());
        out
    }

    /// Keys of a stdio entry: they go when the entry becomes a URL entry.
    fn stdio_form_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = STDIO_ONLY.iter().map(|s| s.to_string()).collect();
        out.push("type".into());
        if let Some(s) = &self.stdio {
            out.push(s.command_key.clone());
            if !s.whole_line() {
                out.push(s.args_key.clone());
            }
            out.extend(s.template.iter().filter_map(|f| match f {
                StdioField::Value(k, _) => Some(k.clone()),
                _ => None,
            }));
        }
        out
    }

    /// The switch of an entry to a stdio entry running `stdio`. `None`: no stdio shape.
    pub(crate) fn to_stdio(&self, stdio: &Stdio) -> Option<Switch> {
        let s = self.stdio.as_ref()?;
        let set = s.members(stdio);
        let mut remove = self.url_form_keys();
        remove.retain(|k| !set.iter().any(|(s, _)| s == k));
        dedup(&mut remove);
        Some(Switch { remove, set })
    }

    /// The first step of a switch of a stdio entry to a URL entry: the stdio members go and
    /// the URL comes (the second step is the ordinary edit of a URL entry).
    pub(crate) fn to_url(&self) -> Switch {
        // The URL form's own `type`, when it has one, comes back in the second step as a
        // required member.
        let mut remove = self.stdio_form_keys();
        dedup(&mut remove);
        Switch {
            remove,
            set: vec![(self.url_key().to_string(), Lit::Str(self.url.clone()))],
        }
    }

    /// The stdio template members an entry lacks or holds another value of (`get`: the value
    /// of a member, `None` when absent or not a plain value).
    pub(crate) fn stdio_mismatch(&self, get: impl Fn(&str) -> Option<Lit>) -> Vec<String> {
        let Some(s) = &self.stdio else {
            return Vec::new();
        };
        s.template
            .iter()
            .filter_map(|f| match f {
                StdioField::Value(k, v) => (get(k) != Some(Lit::from(v))).then(|| k.clone()),
                _ => None,
            })
            .collect()
    }
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|k| seen.insert(k.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &[&str]) -> Stdio {
        Stdio::from_argv(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn our_proxy_is_figma_auth_running_proxy_for_the_url() {
        let url = crate::oauth::DEFAULT_MCP_URL;
        let yes = |s: &[&str], u: &str| line(s).is_proxy_for(u);
        assert!(yes(
            &["/usr/local/bin/figma-auth", "proxy", "--profile", "default"],
            url
        ));
        assert!(yes(&[r"C:\bin\figma-auth.exe", "proxy"], url));
        assert!(yes(
            &["figma-auth", "--profile", "w", "proxy"],
            &format!("{url}/")
        ));
        assert!(!yes(&["/bin/figma-auth", "header"], url));
        assert!(!yes(&["npx", "mcp-remote", "proxy"], url));
        assert!(!yes(
            &["figma-auth", "proxy", "--mcp-url", "http://127.0.0.1:9/mcp"],
            url
        ));
        assert!(yes(
            &["figma-auth", "proxy", "--mcp-url=http://127.0.0.1:9/mcp"],
            "http://127.0.0.1:9/mcp"
        ));
        assert_eq!(Stdio::from_argv(&[]), None);
    }

    #[test]
    fn a_renamed_binary_recognises_the_proxy_entries_it_writes() {
        let url = crate::oauth::DEFAULT_MCP_URL;
        let exe = std::env::current_exe().unwrap();
        let own = exe.file_name().unwrap().to_str().unwrap();
        assert_ne!(program_name(own), "figma-auth");
        assert!(line(&[&format!("/opt/x/{own}"), "proxy"]).is_proxy_for(url));
        assert!(line(&[&own.to_ascii_uppercase(), "proxy"]).runs_proxy());
        assert!(!line(&["/opt/x/fa", "proxy"]).runs_proxy());
        assert!(!line(&[&format!("/opt/x/{own}"), "header"]).runs_proxy());
    }

    #[test]
    fn the_command_line_from_command_and_args() {
        let split = StdioSpec {
            template: vec![StdioField::Command, StdioField::Args],
            command_key: "command".into(),
            args_key: "args".into(),
        };
        let one = StdioSpec {
            args_key: String::new(),
            ..split.clone()
        };
        let want = line(&["/b/figma-auth", "proxy"]);
        let args = |a: &[&str]| Some(Some(Lit::List(a.iter().map(|x| x.to_string()).collect())));
        assert_eq!(
            split.stdio_of(Some(Lit::Str("/b/figma-auth".into())), args(&["proxy"])),
            Some(want.clone())
        );
        assert_eq!(
            split.stdio_of(Some(Lit::Str("/b/figma-auth".into())), Some(None)),
            None
        );
        assert_eq!(
            one.stdio_of(Some(Lit::List(want.argv())), None),
            Some(want.clone())
        );
        assert_eq!(one.stdio_of(Some(Lit::Str("x".into())), None), None);
        assert_eq!(
            one.members(&want),
            [("command".to_string(), Lit::List(want.argv()))]
        );
    }
}
