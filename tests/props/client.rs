//! The files the editor tests run against: a [`ConfigFile`] of a client in the table, or one of
//! the two YAML clients (Continue, Goose), whose entry shapes are described here until the
//! client table holds them. Shared by the fixture walker, the property tests and the fuzz
//! targets (through `#[path]`).

#![allow(dead_code)]

use figma_auth::edit::{
    self, Auth, EditError, EditOutcome, EntrySpec, EntryState, Field, HeaderChange, HeaderValue,
    Inspection, Scalar, SecretHeader, Stdio, StdioField, StdioSpec, Syntax,
};
use figma_auth::targets::{self, AuthContext, ConfigFile, Mode, Server};

pub trait Client {
    /// The client's `--target` name.
    fn id(&self) -> &str;
    fn syntax(&self) -> Syntax;
    fn spec(&self, text: Option<&str>, server: &Server) -> Result<EntrySpec, EditError>;
    fn modes(&self) -> Vec<Mode>;
    fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Auth, String>;
    fn mode_of(&self, entry: &EntryState) -> Option<Mode>;
    /// The file name extension of its config files.
    fn extension(&self) -> String;
    /// It can hold a local (stdio) entry.
    fn has_stdio(&self) -> bool {
        false
    }

    fn inspect(&self, text: Option<&str>, server: &Server) -> Result<Inspection, EditError> {
        edit::inspect(text, self.syntax(), &self.spec(text, server)?)
    }
    fn apply(
        &self,
        text: Option<&str>,
        server: &Server,
        change: &HeaderChange,
    ) -> Result<EditOutcome, EditError> {
        edit::apply(text, self.syntax(), &self.spec(text, server)?, change)
    }
    fn apply_auth(
        &self,
        text: Option<&str>,
        server: &Server,
        auth: &Auth,
    ) -> Result<EditOutcome, EditError> {
        edit::apply_auth(text, self.syntax(), &self.spec(text, server)?, auth)
    }
    fn apply_stdio(
        &self,
        text: Option<&str>,
        server: &Server,
        stdio: &Stdio,
    ) -> Result<EditOutcome, EditError> {
        edit::apply_stdio(text, self.syntax(), &self.spec(text, server)?, stdio)
    }
}

impl Client for ConfigFile {
    fn id(&self) -> &str {
        self.target
    }
    fn syntax(&self) -> Syntax {
        self.syntax
    }
    fn spec(&self, text: Option<&str>, server: &Server) -> Result<EntrySpec, EditError> {
        ConfigFile::spec(self, text, server)
    }
    fn modes(&self) -> Vec<Mode> {
        targets::by_id(self.target).unwrap().modes().to_vec()
    }
    fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Auth, String> {
        ConfigFile::auth(self, mode, ctx).map_err(|e| e.to_string())
    }
    fn mode_of(&self, entry: &EntryState) -> Option<Mode> {
        ConfigFile::mode_of(self, entry)
    }
    fn extension(&self) -> String {
        self.path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The proxy entry the tests write.
pub fn proxy_stdio() -> Stdio {
    Stdio {
        command: "/home/user/.local/bin/figma-auth".into(),
        args: vec!["proxy".into(), "--profile".into(), "default".into()],
    }
}

/// Continue (`~/.continue/config.yaml`) or Goose (`~/.config/goose/config.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yaml {
    Continue,
    Goose,
}

impl Yaml {
    pub fn by_id(id: &str) -> Option<Yaml> {
        match id {
            "continue" => Some(Yaml::Continue),
            "goose" => Some(Yaml::Goose),
            _ => None,
        }
    }

    fn env_reference(self, var: &str) -> String {
        match self {
            Yaml::Continue => format!("Bearer ${{{{ secrets.{var} }}}}"),
            Yaml::Goose => format!("Bearer ${{{var}}}"),
        }
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

impl Client for Yaml {
    fn id(&self) -> &str {
        match self {
            Yaml::Continue => "continue",
            Yaml::Goose => "goose",
        }
    }
    fn syntax(&self) -> Syntax {
        Syntax::Yaml
    }
    fn spec(&self, _text: Option<&str>, server: &Server) -> Result<EntrySpec, EditError> {
        let base = EntrySpec {
            name: server.name.clone(),
            url: server.url.clone(),
            force: server.force,
            by_url: !server.recorded,
            headers_key: s("headers"),
            ..EntrySpec::default()
        };
        let fixed = |k: &str, v: Scalar| Field::Value(s(k), v);
        Ok(match self {
            // A list item identified by `name`; `type` is optional (without it Continue tries
            // Streamable HTTP, then SSE); `apiKey` overrides the header.
            Yaml::Continue => EntrySpec {
                container: vec![s("mcpServers")],
                url_keys: vec![s("url")],
                template: vec![
                    fixed("type", Scalar::str("streamable-http")),
                    Field::Url,
                    Field::Headers,
                ],
                auth_alternatives: vec![s("apiKey")],
                new_file_members: vec![
                    (s("name"), Scalar::str("figma-auth")),
                    (s("version"), Scalar::str("0.0.1")),
                    (s("schema"), Scalar::str("v1")),
                ],
                list_key: Some(s("name")),
                headers_parent: vec![s("requestOptions")],
                stdio: Some(StdioSpec {
                    command_key: s("command"),
                    args_key: s("args"),
                    template: vec![StdioField::Command, StdioField::Args],
                }),
                ..base
            },
            // `extensions.<key>`: `enabled`, `type` and `name` are required by Goose's serde
            // types, and `description` has no default in the remote variant.
            Yaml::Goose => EntrySpec {
                container: vec![s("extensions")],
                url_keys: vec![s("uri")],
                template: vec![
                    fixed("enabled", Scalar::Bool(true)),
                    fixed("type", Scalar::str("streamable_http")),
                    fixed("name", Scalar::str(&server.name)),
                    fixed("description", Scalar::str("")),
                    Field::Url,
                    Field::Headers,
                    fixed("timeout", Scalar::Int(300)),
                ],
                required: vec![
                    (s("enabled"), Scalar::Bool(true)),
                    (s("type"), Scalar::str("streamable_http")),
                    (s("name"), Scalar::str(&server.name)),
                    (s("description"), Scalar::str("")),
                ],
                header_vars: Some(s("env_keys")),
                stdio: Some(StdioSpec {
                    command_key: s("cmd"),
                    args_key: s("args"),
                    template: vec![
                        StdioField::Value(s("enabled"), Scalar::Bool(true)),
                        StdioField::Value(s("type"), Scalar::str("stdio")),
                        StdioField::Value(s("name"), Scalar::str(&server.name)),
                        StdioField::Value(s("description"), Scalar::str("")),
                        StdioField::Command,
                        StdioField::Args,
                        StdioField::Value(s("timeout"), Scalar::Int(300)),
                    ],
                }),
                ..base
            },
        })
    }
    fn modes(&self) -> Vec<Mode> {
        vec![Mode::Inline, Mode::Env]
    }
    fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Auth, String> {
        match mode {
            Mode::Inline => Ok(Auth {
                header: Some(HeaderValue::Token(SecretHeader::bearer(
                    ctx.token.ok_or("no token")?,
                ))),
                field: None,
            }),
            Mode::Env => Ok(Auth {
                header: Some(HeaderValue::Reference(self.env_reference(ctx.env_var))),
                field: None,
            }),
            m => Err(format!("{} does not support --mode {m}", self.id())),
        }
    }
    fn mode_of(&self, entry: &EntryState) -> Option<Mode> {
        if entry.stdio.is_some() && entry.url.is_none() {
            return None;
        }
        if !entry.other_auth.is_empty() {
            return None;
        }
        if entry.authorization_is_reference() {
            return Some(Mode::Env);
        }
        entry.authorization.as_ref().map(|_| Mode::Inline)
    }
    fn extension(&self) -> String {
        s("yaml")
    }
    fn has_stdio(&self) -> bool {
        true
    }
}
