//! The clients figma-auth configures, one entry each: every fact figma-auth knows about a client
//! is here (its files, dialect, entry, modes, lock, precedence, reload hint, detection).

use super::{
    opencode, AuthSyntax, Client, ClientLock, Detect, EntryShape, Layout, Loc, Member, Precedence,
    Ref, Scope, Value,
};
use crate::edit::Syntax;

/// Every supported client, in the order `status` lists them.
pub static CLIENTS: &[&Client] = &[
    &OPENCODE, &CLAUDE, &CURSOR, &CODEX, &GEMINI, &VSCODE, &WINDSURF, &ZED,
];

/// `${VAR}`.
const DOLLAR_BRACE: Ref = Ref::Header {
    before: "${",
    after: "}",
};
/// `${env:VAR}`.
const DOLLAR_ENV: Ref = Ref::Header {
    before: "${env:",
    after: "}",
};
const HTTP: Member = Member::Fixed("type", Value::Str("http"));

/// What an entry does not say: no file to create besides the first candidate, no second layout,
/// inline only, no lock of the client's own, the highest scope wins. (`id`, `name`,
/// `reload_hint`, `detect` and `files` are always given: a test checks them.)
const COMMON: Client = Client {
    id: "",
    name: "",
    reload_hint: "",
    detect: &[],
    files: &[],
    create_in: &[],
    syntax: Syntax::StrictJson,
    strict_why: None,
    entry: EntryShape::MCP_SERVERS,
    layout: None,
    auth: AuthSyntax::INLINE,
    lock: ClientLock::None,
    precedence: Precedence::SCOPES,
};
const REMOTE: Member = Member::Fixed("type", Value::Str("remote"));

pub static OPENCODE: Client = Client {
    id: "opencode",
    name: "opencode",
    reload_hint: "restart opencode",
    detect: &[
        Detect::Dir(Loc::XdgConfig("opencode")),
        Detect::AnyFile(Scope::Project),
    ],
    files: &[
        (Scope::User, Loc::XdgConfig("opencode/config.json")),
        (Scope::User, Loc::XdgConfig("opencode/opencode.json")),
        (Scope::User, Loc::XdgConfig("opencode/opencode.jsonc")),
        (Scope::User, Loc::VarFile("OPENCODE_CONFIG")),
        // Git root down to the cwd: every opencode.json, then every opencode.jsonc, then each
        // directory's .opencode/ files.
        (Scope::Project, Loc::EachDir(&["opencode.json"])),
        (Scope::Project, Loc::EachDir(&["opencode.jsonc"])),
        (
            Scope::Project,
            Loc::EachDir(&[".opencode/opencode.json", ".opencode/opencode.jsonc"]),
        ),
    ],
    // opencode itself creates and writes the global `opencode.jsonc`.
    create_in: &[
        (Scope::User, Loc::XdgConfig("opencode/opencode.jsonc")),
        (Scope::Project, Loc::Project("opencode.json")),
    ],
    syntax: Syntax::Jsonc,
    // V1: `mcp.<name>`.
    entry: EntryShape {
        container: &["mcp"],
        template: &[
            REMOTE,
            Member::Url,
            Member::Fixed("enabled", Value::Bool(true)),
            Member::Fixed("oauth", Value::Bool(false)),
            Member::Headers,
        ],
        required: &[
            ("type", Value::Str("remote")),
            ("oauth", Value::Bool(false)),
        ],
        new_file: &[("$schema", Value::Str(opencode::SCHEMA))],
        ..EntryShape::MCP_SERVERS
    },
    // V2: `mcp.servers.<name>`.
    layout: Some(Layout {
        shape: EntryShape {
            container: &["mcp", "servers"],
            template: &[REMOTE, Member::Url, Member::Headers],
            required: &[("type", Value::Str("remote"))],
            new_file: &[("$schema", Value::Str(opencode::SCHEMA))],
            ..EntryShape::MCP_SERVERS
        },
        applies: opencode::is_v2,
    }),
    auth: AuthSyntax {
        helper: None,
        file: Some(Ref::Header {
            before: "{file:",
            after: "}",
        }),
        env: Some(Ref::Header {
            before: "{env:",
            after: "}",
        }),
    },
    precedence: Precedence::DeepMerge,
    ..COMMON
};

const CLAUDE_JSON: Loc = Loc::Var {
    var: "CLAUDE_CONFIG_DIR",
    rel: ".claude.json",
    otherwise: &Loc::Home(".claude.json"),
};

pub static CLAUDE: Client = Client {
    id: "claude",
    name: "Claude Code",
    reload_hint: "run /mcp in Claude Code to reconnect (or restart it)",
    detect: &[
        Detect::Exists(CLAUDE_JSON),
        Detect::Dir(Loc::Home(".claude")),
    ],
    // Local scope: `projects["<project dir>"].mcpServers` of ~/.claude.json.
    files: &[
        (Scope::User, CLAUDE_JSON),
        (Scope::Local, CLAUDE_JSON),
        (Scope::Project, Loc::Project(".mcp.json")),
    ],
    syntax: Syntax::StrictJson,
    strict_why: Some(
        "this file must be plain JSON (Claude Code discards a ~/.claude.json that has a \
         comment and skips such a .mcp.json); remove it and retry",
    ),
    entry: EntryShape {
        local_prefix: &["projects"],
        template: &[HTTP, Member::Url, Member::Headers],
        required: &[("type", Value::Str("http"))],
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        helper: Some(Ref::Key("headersHelper")),
        file: None,
        env: Some(DOLLAR_BRACE),
    },
    lock: ClientLock::LockDir,
    ..COMMON
};

pub static CURSOR: Client = Client {
    id: "cursor",
    name: "Cursor",
    reload_hint: "reload the Cursor window (Developer: Reload Window)",
    detect: &[Detect::Dir(Loc::Home(".cursor"))],
    files: &[
        (Scope::User, Loc::Home(".cursor/mcp.json")),
        (Scope::Project, Loc::Project(".cursor/mcp.json")),
    ],
    syntax: Syntax::StrictJson,
    strict_why: Some("this file must be plain JSON (Cursor rejects it); remove it and retry"),
    auth: AuthSyntax {
        env: Some(DOLLAR_ENV),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

const CODEX_HOME: Loc = Loc::Var {
    var: "CODEX_HOME",
    rel: "",
    otherwise: &Loc::Home(".codex"),
};

pub static CODEX: Client = Client {
    id: "codex",
    name: "Codex CLI",
    reload_hint: "restart Codex (project files load only in trusted projects)",
    detect: &[Detect::Dir(CODEX_HOME)],
    // Project files from the git root down to the cwd (trusted projects only).
    files: &[
        (
            Scope::User,
            Loc::Var {
                var: "CODEX_HOME",
                rel: "config.toml",
                otherwise: &Loc::Home(".codex/config.toml"),
            },
        ),
        (Scope::Project, Loc::EachDir(&[".codex/config.toml"])),
    ],
    create_in: &[(Scope::Project, Loc::Project(".codex/config.toml"))],
    syntax: Syntax::Toml,
    entry: EntryShape {
        container: &["mcp_servers"],
        headers_key: "http_headers",
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        helper: Some(Ref::Key("http_headers_helper")),
        file: None,
        env: Some(Ref::Key("bearer_token_env_var")),
    },
    ..COMMON
};

pub static GEMINI: Client = Client {
    id: "gemini",
    name: "Gemini CLI",
    reload_hint: "restart Gemini CLI (project servers load only in trusted folders)",
    detect: &[Detect::Dir(Loc::Home(".gemini"))],
    // The project file is read in the cwd only; its entry replaces the user one.
    files: &[
        (Scope::User, Loc::Home(".gemini/settings.json")),
        (Scope::Project, Loc::Cwd(".gemini/settings.json")),
    ],
    syntax: Syntax::JsoncNoTrailingCommas,
    strict_why: Some(
        "Gemini CLI fails to load settings with a trailing comma; remove it and retry",
    ),
    // `gemini mcp add -t http` writes `url` + `type: "http"`; both forms are ours.
    entry: EntryShape {
        url_keys: &["httpUrl", "url"],
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        env: Some(DOLLAR_BRACE),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub static VSCODE: Client = Client {
    id: "vscode",
    name: "VS Code",
    reload_hint: "restart the server from the MCP view in VS Code (or reload the window)",
    detect: &[Detect::Dir(Loc::AppDir("Code/User"))],
    files: &[
        (Scope::User, Loc::AppDir("Code/User/mcp.json")),
        (Scope::Project, Loc::Project(".vscode/mcp.json")),
    ],
    syntax: Syntax::Jsonc,
    entry: EntryShape {
        container: &["servers"],
        template: &[HTTP, Member::Url, Member::Headers],
        required: &[("type", Value::Str("http"))],
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        env: Some(DOLLAR_ENV),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub static WINDSURF: Client = Client {
    id: "windsurf",
    name: "Windsurf",
    reload_hint: "refresh the MCP servers in Windsurf's Cascade panel (or restart Windsurf)",
    detect: &[Detect::Dir(Loc::Home(".codeium/windsurf"))],
    files: &[(Scope::User, Loc::Home(".codeium/windsurf/mcp_config.json"))],
    // Its tolerance of comments is undocumented: nothing non-standard is written, and a file
    // that already has some is refused.
    syntax: Syntax::StrictJson,
    strict_why: Some(
        "this file must be plain JSON (Windsurf documents no comments or trailing commas); \
         remove it and retry",
    ),
    entry: EntryShape {
        url_keys: &["serverUrl", "url"],
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        env: Some(DOLLAR_ENV),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub static ZED: Client = Client {
    id: "zed",
    name: "Zed",
    reload_hint: "Zed reloads settings.json on save; restart the context server from the Agent panel if needed",
    detect: &[
        Detect::Dir(Loc::XdgConfig("zed")),
        Detect::Dir(Loc::MacAppSupport("Zed")),
    ],
    // Both macOS locations (Zed reads the one that exists).
    files: &[
        (Scope::User, Loc::XdgConfig("zed/settings.json")),
        (Scope::User, Loc::MacAppSupport("Zed/settings.json")),
        (Scope::Project, Loc::Project(".zed/settings.json")),
    ],
    syntax: Syntax::Jsonc,
    entry: EntryShape {
        container: &["context_servers"],
        ..EntryShape::MCP_SERVERS
    },
    // Zed documents no substitution.
    auth: AuthSyntax::INLINE,
    ..COMMON
};
