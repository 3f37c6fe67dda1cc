//! Local (stdio) entries, proxy mode's shape: what a client's stdio entry looks like
//! ([`StdioSpec`]), which command line is our proxy ([`is_our_proxy`]), and which members a
//! switch between a URL entry and a stdio entry removes and sets ([`Switch`]).

use super::{EntrySpec, Scalar};

/// A value of a stdio entry member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

impl From<&Scalar> for Lit {
    fn from(s: &Scalar) -> Self {
        match s {
            Scalar::Str(v) => Lit::Str(v.clone()),
            Scalar::Bool(b) => Lit::Bool(*b),
        }
    }
}

/// One member of a new stdio entry, in the order a new entry lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdioField {
    /// A fixed member (`"type": "stdio"`, opencode's `"type": "local"`).
    Value(String, Scalar),
    /// The program ([`StdioSpec::command_key`]); the whole command line when the client has no
    /// args key.
    Command,
    /// The arguments ([`StdioSpec::args_key`]).
    Args,
}

/// How a client writes a local (stdio) server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdioSpec {
    /// Members of a new entry, in order.
    pub template: Vec<StdioField>,
    /// The key of the program (`command`).
    pub command_key: String,
    /// The key of the arguments (`args`); `None`: the command key holds the whole command line
    /// as one array (opencode).
    pub args_key: Option<String>,
}

/// Members only a stdio entry has: they go when it becomes a URL entry.
const STDIO_ONLY: &[&str] = &["env", "environment", "cwd"];

impl StdioSpec {
    /// The members a stdio entry running `argv` must hold, in template order.
    pub fn members(&self, argv: &[String]) -> Vec<(String, Lit)> {
        self.template
            .iter()
            .filter_map(|f| match (f, &self.args_key) {
                (StdioField::Value(k, v), _) => Some((k.clone(), Lit::from(v))),
                (StdioField::Command, None) => {
                    Some((self.command_key.clone(), Lit::List(argv.to_vec())))
                }
                (StdioField::Command, Some(_)) => Some((
                    self.command_key.clone(),
                    Lit::Str(argv.first().cloned().unwrap_or_default()),
                )),
                (StdioField::Args, Some(a)) => {
                    Some((a.clone(), Lit::List(argv.iter().skip(1).cloned().collect())))
                }
                (StdioField::Args, None) => None,
            })
            .collect()
    }

    /// The command line an entry's command and args members say, when they are strings.
    pub fn argv(&self, command: Option<Lit>, args: Option<Option<Lit>>) -> Option<Vec<String>> {
        match (command?, &self.args_key) {
            (Lit::List(v), None) if !v.is_empty() => Some(v),
            (Lit::Str(c), Some(_)) => {
                let mut out = vec![c];
                match args {
                    None => {}
                    Some(Some(Lit::List(a))) => out.extend(a),
                    Some(_) => return None,
                }
                Some(out)
            }
            _ => None,
        }
    }
}

/// The command line runs figma-auth's proxy for `url`: the program is `figma-auth` (any
/// directory, `.exe` allowed), `proxy` is one of its arguments, and its `--mcp-url` (default
/// [`crate::oauth::DEFAULT_MCP_URL`]) is `url`.
pub fn is_our_proxy(argv: &[String], url: &str) -> bool {
    let Some(program) = argv.first() else {
        return false;
    };
    let base = program
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(program)
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    if base != "figma-auth" || !argv.iter().skip(1).any(|a| a == "proxy") {
        return false;
    }
    let mut proxied = crate::oauth::DEFAULT_MCP_URL.to_string();
    let mut it = argv.iter().skip(1);
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
        out
    }

    /// Keys of a stdio entry: they go when the entry becomes a URL entry.
    fn stdio_form_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = STDIO_ONLY.iter().map(|s| s.to_string()).collect();
        out.push("type".into());
        if let Some(s) = &self.stdio {
            out.push(s.command_key.clone());
            out.extend(s.args_key.iter().cloned());
            out.extend(s.template.iter().filter_map(|f| match f {
                StdioField::Value(k, _) => Some(k.clone()),
                _ => None,
            }));
        }
        out
    }

    /// Every member a switch between the two forms may add, change or remove (the oracle).
    #[cfg(feature = "testing")]
    pub(crate) fn switch_keys(&self) -> Vec<String> {
        let mut out = self.url_form_keys();
        out.extend(self.stdio_form_keys());
        dedup(&mut out);
        out
    }

    /// The switch of an entry to a stdio entry running `argv`. `None`: no stdio shape.
    pub(crate) fn to_stdio(&self, argv: &[String]) -> Option<Switch> {
        let s = self.stdio.as_ref()?;
        let set = s.members(argv);
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

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn our_proxy_is_figma_auth_running_proxy_for_the_url() {
        let url = crate::oauth::DEFAULT_MCP_URL;
        assert!(is_our_proxy(
            &argv(&["/usr/local/bin/figma-auth", "proxy", "--profile", "default"]),
            url
        ));
        assert!(is_our_proxy(
            &argv(&[r"C:\bin\figma-auth.exe", "proxy"]),
            url
        ));
        assert!(is_our_proxy(
            &argv(&["figma-auth", "--profile", "w", "proxy"]),
            &format!("{url}/")
        ));
        assert!(!is_our_proxy(&argv(&["/bin/figma-auth", "header"]), url));
        assert!(!is_our_proxy(&argv(&["npx", "mcp-remote", "proxy"]), url));
        assert!(!is_our_proxy(
            &argv(&["figma-auth", "proxy", "--mcp-url", "http://127.0.0.1:9/mcp"]),
            url
        ));
        assert!(is_our_proxy(
            &argv(&["figma-auth", "proxy", "--mcp-url=http://127.0.0.1:9/mcp"]),
            "http://127.0.0.1:9/mcp"
        ));
        assert!(!is_our_proxy(&[], url));
    }

    #[test]
    fn argv_from_command_and_args() {
        let split = StdioSpec {
            template: vec![StdioField::Command, StdioField::Args],
            command_key: "command".into(),
            args_key: Some("args".into()),
        };
        let one = StdioSpec {
            args_key: None,
            ..split.clone()
        };
        let line = argv(&["/b/figma-auth", "proxy"]);
        assert_eq!(
            split.argv(
                Some(Lit::Str("/b/figma-auth".into())),
                Some(Some(Lit::List(argv(&["proxy"]))))
            ),
            Some(line.clone())
        );
        assert_eq!(
            split.argv(Some(Lit::Str("/b/figma-auth".into())), Some(None)),
            None
        );
        assert_eq!(one.argv(Some(Lit::List(line.clone())), None), Some(line));
        assert_eq!(one.argv(Some(Lit::Str("x".into())), None), None);
    }
}
