//! The clients figma-auth configures, one entry each: every fact figma-auth knows about a client
//! is here (its files, dialect, entry, modes, lock, precedence, reload hint, detection).
//! One file however many clients come: the entries side by side are the table, and a new client
//! is written by comparing it with its neighbours.

use super::{
    opencode, AuthSyntax, Client, ClientLock, Detect, EntryShape, Layout, Loc, Member, Mode,
    Precedence, Ref, Scope, StdioMember, StdioShape, Value,
};
use crate::edit::Syntax;

/// Every supported client, in the order `status` lists them.
pub(crate) static CLIENTS: &[&Client] = &[
    &OPENCODE,
    &CLAUDE,
    &CURSOR,
    &CODEX,
    &GEMINI,
    &VSCODE,
    &WINDSURF,
    &ZED,
    &CONTINUE,
    &GOOSE,
    &COPILOT,
    &QWEN,
    &CRUSH,
    &ANTIGRAVITY,
    &CLAUDE_DESKTOP,
    &CLINE,
    &KILO,
    &AUGGIE,
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
/// `"type": "stdio"`, `command`, `args` (Claude Code, VS Code).
const TYPED_STDIO: StdioShape = StdioShape {
    template: &[
        StdioMember::Fixed("type", Value::Str("stdio")),
        StdioMember::Command,
        StdioMember::Args,
    ],
    command_key: "command",
    args_key: "args",
};
/// opencode: `"type": "local"` and the whole command line in one `command` array.
const OPENCODE_LOCAL: StdioShape = StdioShape {
    template: &[
        StdioMember::Fixed("type", Value::Str("local")),
        StdioMember::Command,
    ],
    command_key: "command",
    args_key: "",
};

/// What an entry does not say: no file to create besides the first candidate, no second layout,
/// inline only, no lock of the client's own, the highest scope wins. (`id`, `name`,
/// `reload_hint`, `detect` and `files` are always given: a test checks them.)
const COMMON: Client = Client {
    id: "",
    aliases: &[],
    name: "",
    reload_hint: "",
    detect: &[],
    files: &[],
    create_in: &[],
    state_files: &[],
    syntax: Syntax::StrictJson,
    strict_why: None,
    entry: EntryShape::MCP_SERVERS,
    layout: None,
    auth: AuthSyntax::INLINE,
    lock: ClientLock::None,
    precedence: Precedence::SCOPES,
    scope_modes: &[],
};
const REMOTE: Member = Member::Fixed("type", Value::Str("remote"));

/// opencode's V1 entry, `mcp.<name>` (without `oauth: false` opencode starts its own OAuth flow
/// on a 401), also Kilo Code's.
const OPENCODE_ENTRY: EntryShape = EntryShape {
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
    stdio: Some(OPENCODE_LOCAL),
    ..EntryShape::MCP_SERVERS
};

/// opencode's `{file:…}` and `{env:…}`, also Kilo Code's.
const OPENCODE_REFS: AuthSyntax = AuthSyntax {
    helper: None,
    file: Some(Ref::Header {
        before: "{file:",
        after: "}",
    }),
    env: Some(Ref::Header {
        before: "{env:",
        after: "}",
    }),
};

pub(crate) static OPENCODE: Client = Client {
    id: "opencode",
    name: "opencode",
    reload_hint: "restart opencode",
    detect: &[
        Detect::Dir(Loc::XdgConfig("opencode")),
        Detect::AnyFile(Scope::Project),
        Detect::Binary("opencode"),
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
        new_file: &[("$schema", Value::Str(opencode::SCHEMA))],
        ..OPENCODE_ENTRY
    },
    // V2: `mcp.servers.<name>`.
    layout: Some(Layout {
        shape: EntryShape {
            container: &["mcp", "servers"],
            template: &[REMOTE, Member::Url, Member::Headers],
            required: &[("type", Value::Str("remote"))],
            new_file: &[("$schema", Value::Str(opencode::SCHEMA))],
            stdio: Some(OPENCODE_LOCAL),
            ..EntryShape::MCP_SERVERS
        },
        applies: opencode::is_v2,
    }),
    auth: OPENCODE_REFS,
    precedence: Precedence::DeepMerge,
    ..COMMON
};

const CLAUDE_JSON: Loc = Loc::Var {
    var: "CLAUDE_CONFIG_DIR",
    rel: ".claude.json",
    otherwise: &Loc::Home(".claude.json"),
};

pub(crate) static CLAUDE: Client = Client {
    id: "claude",
    name: "Claude Code",
    reload_hint: "run /mcp in Claude Code to reconnect (or restart it)",
    detect: &[
        Detect::Exists(CLAUDE_JSON),
        Detect::Dir(Loc::Home(".claude")),
        Detect::Binary("claude"),
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
        stdio: Some(TYPED_STDIO),
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

pub(crate) static CURSOR: Client = Client {
    id: "cursor",
    name: "Cursor",
    reload_hint: "reload the Cursor window (Developer: Reload Window)",
    detect: &[Detect::Dir(Loc::Home(".cursor")), Detect::Binary("cursor")],
    files: &[
        (Scope::User, Loc::Home(".cursor/mcp.json")),
        (Scope::Project, Loc::Project(".cursor/mcp.json")),
    ],
    syntax: Syntax::StrictJson,
    strict_why: Some("this file must be plain JSON (Cursor rejects it); remove it and retry"),
    entry: EntryShape {
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
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

pub(crate) static CODEX: Client = Client {
    id: "codex",
    name: "Codex CLI",
    reload_hint: "restart Codex (project files load only in trusted projects)",
    detect: &[Detect::Dir(CODEX_HOME), Detect::Binary("codex")],
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
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        helper: Some(Ref::Key("http_headers_helper")),
        file: None,
        env: Some(Ref::Key("bearer_token_env_var")),
    },
    ..COMMON
};

pub(crate) static GEMINI: Client = Client {
    id: "gemini",
    name: "Gemini CLI",
    reload_hint: "restart Gemini CLI (project servers load only in trusted folders)",
    detect: &[Detect::Dir(Loc::Home(".gemini")), Detect::Binary("gemini")],
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
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        env: Some(DOLLAR_BRACE),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub(crate) static VSCODE: Client = Client {
    id: "vscode",
    name: "VS Code",
    reload_hint: "restart the server from the MCP view in VS Code (or reload the window)",
    detect: &[
        Detect::Dir(Loc::AppDir("Code/User")),
        Detect::Binary("code"),
    ],
    files: &[
        (Scope::User, Loc::AppDir("Code/User/mcp.json")),
        (Scope::Project, Loc::Project(".vscode/mcp.json")),
    ],
    syntax: Syntax::Jsonc,
    entry: EntryShape {
        container: &["servers"],
        template: &[HTTP, Member::Url, Member::Headers],
        required: &[("type", Value::Str("http"))],
        stdio: Some(TYPED_STDIO),
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        env: Some(DOLLAR_ENV),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub(crate) static WINDSURF: Client = Client {
    id: "windsurf",
    name: "Windsurf",
    reload_hint: "refresh the MCP servers in Windsurf's Cascade panel (or restart Windsurf)",
    detect: &[
        Detect::Dir(Loc::Home(".codeium/windsurf")),
        Detect::Binary("windsurf"),
    ],
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
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    auth: AuthSyntax {
        env: Some(DOLLAR_ENV),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub(crate) static ZED: Client = Client {
    id: "zed",
    name: "Zed",
    reload_hint: "Zed reloads settings.json on save; restart the context server from the Agent panel if needed",
    detect: &[
        Detect::Dir(Loc::XdgConfig("zed")),
        Detect::Dir(Loc::MacAppSupport("Zed")),
        // Linux distributions package Zed as `zeditor`.
        Detect::Binary("zed"),
        Detect::Binary("zeditor"),
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
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    // Zed documents no substitution.
    auth: AuthSyntax::INLINE,
    ..COMMON
};

const CONTINUE_DIR: Loc = Loc::Var {
    var: "CONTINUE_GLOBAL_DIR",
    rel: "",
    otherwise: &Loc::Home(".continue"),
};

pub(crate) static CONTINUE: Client = Client {
    id: "continue",
    name: "Continue",
    reload_hint: "cn reads config.yaml at start (start a new session); the Continue IDE extension \
                  reloads it when the file changes",
    detect: &[Detect::Dir(CONTINUE_DIR), Detect::Binary("cn")],
    // `cn` reads only the user file; the IDE extension also reads the workspace's block files
    // (`.continue/mcpServers/*.yaml`, each a document with its own `mcpServers` list).
    files: &[
        (
            Scope::User,
            Loc::Var {
                var: "CONTINUE_GLOBAL_DIR",
                rel: "config.yaml",
                otherwise: &Loc::Home(".continue/config.yaml"),
            },
        ),
        (
            Scope::Project,
            Loc::Project(".continue/mcpServers/figma.yaml"),
        ),
    ],
    syntax: Syntax::Yaml,
    // A list item named `name`; without `type` Continue tries Streamable HTTP, then SSE.
    entry: EntryShape {
        template: &[
            Member::Fixed("type", Value::Str("streamable-http")),
            Member::Url,
            Member::Headers,
        ],
        // What Continue requires of a config or block file.
        new_file: &[
            ("name", Value::Str("figma-auth")),
            ("version", Value::Str("0.0.1")),
            ("schema", Value::Str("v1")),
        ],
        // `apiKey: <token>` is sent as `Authorization: Bearer <token>` and overrides the header.
        credential_keys: &["apiKey"],
        list_key: Some("name"),
        headers_parent: &["requestOptions"],
        stdio: Some(StdioShape {
            command_key: "command",
            args_key: "args",
            template: &[StdioMember::Command, StdioMember::Args],
        }),
        ..EntryShape::MCP_SERVERS
    },
    // `${{ secrets.NAME }}`: from the environment or `~/.continue/.env`.
    auth: AuthSyntax {
        env: Some(Ref::Header {
            before: "${{ secrets.",
            after: " }}",
        }),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

pub(crate) static GOOSE: Client = Client {
    id: "goose",
    name: "Goose",
    reload_hint: "start a new Goose session (Goose reads its extensions when a session starts)",
    // `$GOOSE_PATH_ROOT/config/`, else the XDG config directory (on macOS too).
    detect: &[
        Detect::Dir(Loc::Var {
            var: "GOOSE_PATH_ROOT",
            rel: "config",
            otherwise: &Loc::XdgConfig("goose"),
        }),
        Detect::Binary("goose"),
    ],
    files: &[(
        Scope::User,
        Loc::Var {
            var: "GOOSE_PATH_ROOT",
            rel: "config/config.yaml",
            otherwise: &Loc::XdgConfig("goose/config.yaml"),
        },
    )],
    syntax: Syntax::Yaml,
    // `extensions.<key>`: `enabled`, `type` and `name` are required by Goose's types, and
    // `description` has no default for a remote extension.
    entry: EntryShape {
        container: &["extensions"],
        url_keys: &["uri"],
        template: &[
            Member::Fixed("enabled", Value::Bool(true)),
            Member::Fixed("type", Value::Str("streamable_http")),
            Member::Fixed("name", Value::Name),
            Member::Fixed("description", Value::Str("")),
            Member::Url,
            Member::Headers,
            Member::Fixed("timeout", Value::Int(300)),
        ],
        required: &[
            ("enabled", Value::Bool(true)),
            ("type", Value::Str("streamable_http")),
            ("name", Value::Name),
            ("description", Value::Str("")),
        ],
        // Goose substitutes only the variables listed in `env_keys`.
        header_vars: Some("env_keys"),
        stdio: Some(StdioShape {
            command_key: "cmd",
            args_key: "args",
            template: &[
                StdioMember::Fixed("enabled", Value::Bool(true)),
                StdioMember::Fixed("type", Value::Str("stdio")),
                StdioMember::Fixed("name", Value::Name),
                StdioMember::Fixed("description", Value::Str("")),
                StdioMember::Command,
                StdioMember::Args,
                StdioMember::Fixed("timeout", Value::Int(300)),
            ],
        }),
        ..EntryShape::MCP_SERVERS
    },
    // `${VAR}` in a header, resolved from the variables named in `env_keys`.
    auth: AuthSyntax {
        env: Some(DOLLAR_BRACE),
        ..AuthSyntax::INLINE
    },
    ..COMMON
};

const COPILOT_HOME: Loc = Loc::Var {
    var: "COPILOT_HOME",
    rel: "",
    otherwise: &Loc::Home(".copilot"),
};

pub(crate) static COPILOT: Client = Client {
    id: "copilot",
    name: "Copilot CLI",
    reload_hint: "restart Copilot CLI, or run /mcp reload in it (project files load only in \
                  trusted folders)",
    detect: &[Detect::Dir(COPILOT_HOME), Detect::Binary("copilot")],
    // `$COPILOT_HOME/mcp-config.json` (not `$COPILOT_HOME/.copilot/`). In the project, a
    // `.mcp.json` hides `.github/mcp.json` entirely: only the first that exists is read.
    files: &[
        (
            Scope::User,
            Loc::Var {
                var: "COPILOT_HOME",
                rel: "mcp-config.json",
                otherwise: &Loc::Home(".copilot/mcp-config.json"),
            },
        ),
        (
            Scope::Project,
            Loc::FirstExisting(&[Loc::Project(".mcp.json"), Loc::Project(".github/mcp.json")]),
        ),
    ],
    // Comments and trailing commas are read (`copilot mcp add` rewrites the file as plain JSON).
    syntax: Syntax::Jsonc,
    // What `copilot mcp add --transport http` writes, less its `tools: ["*"]` (the default);
    // a local server as `copilot mcp add -- <command>` writes it (`type: "local"`).
    entry: EntryShape {
        template: &[HTTP, Member::Url, Member::Headers],
        stdio: Some(StdioShape {
            template: &[
                StdioMember::Fixed("type", Value::Str("local")),
                StdioMember::Command,
                StdioMember::Args,
            ],
            command_key: "command",
            args_key: "args",
        }),
        ..EntryShape::MCP_SERVERS
    },
    // `$VAR`, `${VAR}` and `${VAR:-default}` are expanded in headers; no helper.
    auth: AuthSyntax {
        env: Some(DOLLAR_BRACE),
        ..AuthSyntax::INLINE
    },
    // Copilot CLI reads and rewrites its user file under a `flock` on this file (and gives up
    // after a few seconds when another process holds it).
    lock: ClientLock::Flock(".mcp-writer.lock"),
    ..COMMON
};

const QWEN_HOME: Loc = Loc::Var {
    var: "QWEN_HOME",
    rel: "",
    otherwise: &Loc::Home(".qwen"),
};

pub(crate) static QWEN: Client = Client {
    id: "qwen",
    name: "Qwen Code",
    reload_hint: "restart Qwen Code, or run `qwen mcp reconnect --all` (a project server needs \
                  `qwen mcp approve` again after every change: prefer the user scope)",
    detect: &[Detect::Dir(QWEN_HOME), Detect::Binary("qwen")],
    // The project file is read in the cwd only; its entry replaces the user one.
    files: &[
        (
            Scope::User,
            Loc::Var {
                var: "QWEN_HOME",
                rel: "settings.json",
                otherwise: &Loc::Home(".qwen/settings.json"),
            },
        ),
        (Scope::Project, Loc::Cwd(".qwen/settings.json")),
    ],
    // A Gemini CLI fork: comments are stripped, a trailing comma fails the load.
    syntax: Syntax::JsoncNoTrailingCommas,
    strict_why: Some("Qwen Code fails to load settings with a trailing comma; remove it and retry"),
    // Streamable HTTP is `httpUrl` only: a `url` entry is SSE, even with `type: "http"`.
    entry: EntryShape {
        url_keys: &["httpUrl"],
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    // `$VAR` and `${VAR}` are expanded (no `${VAR:-default}`); no helper.
    auth: AuthSyntax {
        env: Some(DOLLAR_BRACE),
        ..AuthSyntax::INLINE
    },
    // The approval of a project server is bound to a hash of its config with the variables
    // resolved: a new token, inline or in the variable, makes it wait for approval again.
    scope_modes: &[(
        Scope::Project,
        &[Mode::Proxy],
        "Qwen Code asks again for approval of a project server (`qwen mcp approve`) whenever \
         its token changes, which is every refresh",
    )],
    ..COMMON
};

/// `$CRUSH_GLOBAL_CONFIG`, else `$XDG_CONFIG_HOME/crush` (also on macOS).
const CRUSH_CONFIG_DIR: Loc = Loc::Var {
    var: "CRUSH_GLOBAL_CONFIG",
    rel: "",
    otherwise: &Loc::XdgConfig("crush"),
};
/// `$CRUSH_GLOBAL_DATA`, else `$XDG_DATA_HOME/crush` (default `~/.local/share/crush`).
const CRUSH_DATA_DIR: Loc = Loc::Var {
    var: "CRUSH_GLOBAL_DATA",
    rel: "",
    otherwise: &Loc::Var {
        var: "XDG_DATA_HOME",
        rel: "crush",
        otherwise: &Loc::Home(".local/share/crush"),
    },
};
/// The `crush.json` Crush writes itself (its own state, read after the user's file).
const CRUSH_DATA: Loc = Loc::Var {
    var: "CRUSH_GLOBAL_DATA",
    rel: "crush.json",
    otherwise: &Loc::Var {
        var: "XDG_DATA_HOME",
        rel: "crush/crush.json",
        otherwise: &Loc::Home(".local/share/crush/crush.json"),
    },
};
/// The workspace's data file (`options.data_directory`, default `.crush`), read last.
const CRUSH_WORKSPACE: Loc = Loc::Cwd(".crush/crush.json");

pub(crate) static CRUSH: Client = Client {
    id: "crush",
    name: "Crush",
    reload_hint: "restart Crush",
    detect: &[
        Detect::Dir(CRUSH_CONFIG_DIR),
        Detect::Dir(CRUSH_DATA_DIR),
        Detect::Binary("crush"),
    ],
    // Every file is deep-merged, later files winning: the user's, Crush's own data file, then
    // from the git root down to the cwd each directory's `crush.json` and `.crush.json`, then
    // the workspace data file.
    files: &[
        (
            Scope::User,
            Loc::Var {
                var: "CRUSH_GLOBAL_CONFIG",
                rel: "crush.json",
                otherwise: &Loc::XdgConfig("crush/crush.json"),
            },
        ),
        (Scope::User, CRUSH_DATA),
        (Scope::Project, Loc::EachDir(&["crush.json", ".crush.json"])),
        (Scope::Project, CRUSH_WORKSPACE),
    ],
    state_files: &[CRUSH_DATA, CRUSH_WORKSPACE],
    syntax: Syntax::StrictJson,
    strict_why: Some(
        "this file must be plain JSON (Crush refuses to start on a comment or trailing comma); \
         remove it and retry",
    ),
    // Without `type` an entry is a stdio server.
    entry: EntryShape {
        container: &["mcp"],
        template: &[HTTP, Member::Url, Member::Headers],
        required: &[("type", Value::Str("http"))],
        stdio: Some(TYPED_STDIO),
        ..EntryShape::MCP_SERVERS
    },
    // Headers go through a shell-like expander: `${VAR}`, and `$(command)` run at each connect.
    auth: AuthSyntax {
        helper: Some(Ref::Header {
            before: "$(",
            after: ")",
        }),
        file: None,
        env: Some(DOLLAR_BRACE),
    },
    precedence: Precedence::DeepMerge,
    ..COMMON
};

pub(crate) static ANTIGRAVITY: Client = Client {
    id: "antigravity",
    name: "Antigravity",
    reload_hint: "refresh the servers in Antigravity's MCP panel (Manage MCP Servers), or restart \
                  it",
    detect: &[
        Detect::Dir(Loc::Home(".gemini/antigravity")),
        Detect::Binary("antigravity"),
    ],
    // Global only (no project file).
    files: &[(
        Scope::User,
        Loc::Home(".gemini/antigravity/mcp_config.json"),
    )],
    // Its tolerance of comments is undocumented: nothing non-standard is written, and a file
    // that already has some is refused.
    syntax: Syntax::StrictJson,
    strict_why: Some(
        "this file must be plain JSON (Antigravity documents no comments or trailing commas); \
         remove it and retry",
    ),
    // `serverUrl`, not `url`: an entry under `url` is not one Antigravity connects to.
    entry: EntryShape {
        url_keys: &["serverUrl"],
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    // Antigravity documents no substitution.
    auth: AuthSyntax::INLINE,
    ..COMMON
};

/// Claude Desktop starts only local (stdio) servers from its file (remote ones are added in its
/// Settings → Connectors, which Figma's registration refuses): proxy mode only.
pub(crate) static CLAUDE_DESKTOP: Client = Client {
    id: "claude-desktop",
    aliases: &["claudedesktop"],
    name: "Claude Desktop",
    reload_hint: "quit Claude Desktop and start it again",
    detect: &[Detect::Dir(Loc::AppDir("Claude"))],
    // macOS ~/Library/Application Support/Claude, Windows %APPDATA%\Claude, Linux
    // ~/.config/Claude.
    files: &[(
        Scope::User,
        Loc::AppDir("Claude/claude_desktop_config.json"),
    )],
    syntax: Syntax::StrictJson,
    strict_why: Some(
        "this file must be plain JSON (Claude Desktop disables every server of a file it cannot \
         parse); remove it and retry",
    ),
    entry: EntryShape {
        url_keys: &[],
        template: &[],
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    ..COMMON
};

/// Where the Cline CLI and the Cline extension (4.0 and later) keep their MCP servers:
/// `$CLINE_MCP_SETTINGS_PATH`, else `$CLINE_DATA_DIR/settings/`, else
/// `$CLINE_DIR/data/settings/`, else `~/.cline/data/settings/`.
const CLINE_SETTINGS: Loc = Loc::Var {
    var: "CLINE_MCP_SETTINGS_PATH",
    rel: "",
    otherwise: &Loc::Var {
        var: "CLINE_DATA_DIR",
        rel: "settings/cline_mcp_settings.json",
        otherwise: &Loc::Var {
            var: "CLINE_DIR",
            rel: "data/settings/cline_mcp_settings.json",
            otherwise: &Loc::Home(".cline/data/settings/cline_mcp_settings.json"),
        },
    },
};
/// The file of the Cline extension before 4.0, in VS Code's storage (4.0 moves its servers into
/// [`CLINE_SETTINGS`] once and no longer reads it).
const CLINE_EXTENSION: Loc =
    Loc::AppDir("Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json");

pub(crate) static CLINE: Client = Client {
    id: "cline",
    name: "Cline",
    reload_hint: "the Cline extension reloads the file on its own; the Cline CLI reads it at the start of each session",
    detect: &[
        Detect::Dir(Loc::Var {
            var: "CLINE_DIR",
            rel: "",
            otherwise: &Loc::Home(".cline"),
        }),
        Detect::Dir(Loc::AppDir("Code/User/globalStorage/saoudrizwan.claude-dev")),
        Detect::Binary("cline"),
    ],
    // The old extension file first: where both exist, the shared one is the one read.
    files: &[(Scope::User, CLINE_EXTENSION), (Scope::User, CLINE_SETTINGS)],
    create_in: &[(Scope::User, CLINE_SETTINGS)],
    syntax: Syntax::StrictJson,
    strict_why: Some(
        "this file must be plain JSON (Cline skips every MCP server of a settings file with a \
         comment or a trailing comma); remove it and retry",
    ),
    // A `url` entry without `type` is SSE to Cline. `cline mcp add` nests the entry in a
    // `transport` object; both Cline and its extension read the flat entry written here too.
    entry: EntryShape {
        body_key: Some("transport"),
        template: &[STREAMABLE_HTTP, Member::Url, Member::Headers],
        required: &[("type", Value::Str("streamableHttp"))],
        stdio: Some(StdioShape::COMMAND_ARGS),
        ..EntryShape::MCP_SERVERS
    },
    // The CLI sends `${env:VAR}` as it is (only the extension expands it): inline only.
    auth: AuthSyntax::INLINE,
    lock: ClientLock::OwnedDir,
    ..COMMON
};
const STREAMABLE_HTTP: Member = Member::Fixed("type", Value::Str("streamableHttp"));

/// The `$schema` of a new Kilo file.
pub(crate) const KILO_SCHEMA: &str = "https://app.kilo.ai/config.json";

/// Kilo Code: the Kilo CLI, which the Kilo Code extension runs (`kilo serve`); a fork of
/// opencode with its own file names, whose entries replace each other instead of merging.
pub(crate) static KILO: Client = Client {
    id: "kilo",
    aliases: &["kilocode", "kilo-code"],
    name: "Kilo Code",
    reload_hint: "restart Kilo (in VS Code, reload the window: the extension restarts kilo serve)",
    detect: &[
        Detect::Dir(Loc::XdgConfig("kilo")),
        Detect::Binary("kilo"),
        Detect::Binary("kilocode"),
    ],
    files: &[
        (Scope::User, Loc::XdgConfig("kilo/config.json")),
        (Scope::User, Loc::XdgConfig("kilo/kilo.json")),
        (Scope::User, Loc::XdgConfig("kilo/kilo.jsonc")),
        (Scope::User, Loc::XdgConfig("kilo/opencode.json")),
        (Scope::User, Loc::XdgConfig("kilo/opencode.jsonc")),
        (Scope::User, Loc::VarFile("KILO_CONFIG")),
        // Git root down to the cwd: every kilo.json(c), then every opencode.json(c), then each
        // directory's .kilocode/ and .kilo/ files.
        (Scope::Project, Loc::EachDir(&["kilo.json", "kilo.jsonc"])),
        (
            Scope::Project,
            Loc::EachDir(&["opencode.json", "opencode.jsonc"]),
        ),
        (
            Scope::Project,
            Loc::EachDir(&[
                ".kilocode/kilo.jsonc",
                ".kilocode/kilo.json",
                ".kilo/kilo.jsonc",
                ".kilo/kilo.json",
            ]),
        ),
    ],
    // Where Kilo itself creates them.
    create_in: &[
        (Scope::User, Loc::XdgConfig("kilo/kilo.jsonc")),
        (Scope::Project, Loc::Project(".kilo/kilo.jsonc")),
    ],
    syntax: Syntax::Jsonc,
    // opencode's entry: without `oauth: false` a 401 starts Kilo's own OAuth registration too.
    entry: EntryShape {
        new_file: &[("$schema", Value::Str(KILO_SCHEMA))],
        ..OPENCODE_ENTRY
    },
    auth: OPENCODE_REFS,
    ..COMMON
};

/// Auggie, Augment's CLI.
pub(crate) static AUGGIE: Client = Client {
    id: "auggie",
    aliases: &["augment"],
    name: "Auggie",
    reload_hint: "restart Auggie (it reads its settings at start)",
    detect: &[Detect::Dir(Loc::Home(".augment")), Detect::Binary("auggie")],
    // The workspace is the git root (else the cwd); a server in settings.local.json replaces
    // the one in settings.json, which replaces the user's.
    files: &[
        (Scope::User, Loc::Home(".augment/settings.json")),
        (Scope::Project, Loc::Project(".augment/settings.json")),
        (Scope::Local, Loc::Project(".augment/settings.local.json")),
    ],
    syntax: Syntax::Jsonc,
    // One entry Auggie's schema refuses (a `type` other than `http`, `sse` or `stdio`) makes it
    // ignore every server of the file: the entry names its type.
    entry: EntryShape {
        template: &[HTTP, Member::Url, Member::Headers],
        required: &[("type", Value::Str("http"))],
        stdio: Some(TYPED_STDIO),
        ..EntryShape::MCP_SERVERS
    },
    // Auggie sends `${VAR}` in a header as it is: inline only.
    auth: AuthSyntax::INLINE,
    ..COMMON
};
