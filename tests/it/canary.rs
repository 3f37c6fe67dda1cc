//! The leak canary (security checklist case 28): canary values for the access token,
//! the refresh token, the client secret, the personal access token and an old token in a client
//! config, then every command and flag combination — successes, each failure mode (the mock
//! quoting every secret it received in its error answers), forced panics and `--help`s — with
//! the assertion that no canary appears in stdout or stderr (except the access token that
//! `token`, `header` and `env` print on purpose, once, on stdout), in any file left in the temp
//! dirs other than the store, the token file and the planted client configs, or in the argv and
//! environment of a child process (the fake `$BROWSER` records both into files that the scan
//! covers).
//!
//! To cover a new command, add a row to [`CASES`] (argv, how to prepare the store and the mock,
//! the accepted exit codes); add a [`Prep`] variant when a new starting state is needed.

use crate::support::mock::MockConfig;
use crate::support::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const CANARY_AT: &str = "figu_CANARY_ACCESS_8f3a1c9e2b";
pub const CANARY_RT: &str = "figr_CANARY_REFRESH_5d2e8a7c1f9b3e40";
pub const CANARY_CS: &str = "CANARY_CLIENT_SECRET_7a4c2e9f1b8d6e30";
pub const CANARY_PAT: &str = "figd_CANARY_PAT_3b9e7c1a5f2d8e60";
/// An old access token left in a client config.
pub const CANARY_OLD: &str = "figu_CANARY_OLD_1e6b9d3a7c2f";
/// A stand-in for a program figma-auth may run (crontab, systemctl, launchctl, git): records
/// its argv and environment beside the temp HOME, then fails like a missing crontab.
const FAKE_CHILD: &str = r#"#!/bin/sh
D="$(dirname "$0")/../fakestate"
mkdir -p "$D"
printf '%s\n' "$0 $*" >> "$D/argv"
env >> "$D/env"
echo "no crontab for tester" >&2
exit 1
"#;

/// Every canary contains this: a partial leak (a prefix, a cut) shows too.
const MARK: &str = "CANARY";
const ALL: [&str; 5] = [CANARY_AT, CANARY_RT, CANARY_CS, CANARY_PAT, CANARY_OLD];

/// The starting state of one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prep {
    /// The canary tokens, valid for an hour.
    Fresh,
    /// The canary access token expires in a minute: a refresh redeems the canary refresh token
    /// with the canary client secret.
    Due,
    /// The canary access token has expired (the refresh token is held).
    Expired,
    /// Expired, and the token endpoint answers `invalid_grant`, quoting what it received.
    InvalidGrant,
    /// Expired, and the token endpoint answers 503, quoting what it received.
    ServerDown,
    /// Expires in a minute, and the token endpoint answers 503: the still-valid token is served
    /// with a warning.
    DueServerDown,
    /// Expired, and the stored token endpoint is a closed port.
    Unreachable,
    /// Expired, and another process holds the store lock.
    Busy,
    /// The store file is cut off in the middle of the canary access token.
    Corrupt,
    /// The store claims a newer format; canaries inside.
    TooNew,
    /// No store (logged out); the token file still holds the canary.
    NoStore,
    /// Fresh; the MCP server answers 401 quoting the bearer token.
    Mcp401,
    /// Fresh; the MCP server answers 429.
    Mcp429,
    /// Registration answers 403 quoting the personal access token.
    RegisterForbidden,
}

/// One command line to run.
pub struct Case {
    pub args: &'static [&'static str],
    pub prep: Prep,
    /// The exit codes accepted.
    pub codes: &'static [i32],
    /// Extra environment for this run.
    pub vars: &'static [(&'static str, &'static str)],
    /// Text stderr must contain (e.g. the crash message).
    pub stderr_has: Option<&'static str>,
}

const fn case(args: &'static [&'static str], prep: Prep, codes: &'static [i32]) -> Case {
    Case {
        args,
        prep,
        codes,
        vars: &[],
        stderr_has: None,
    }
}

const fn panics(args: &'static [&'static str], fault: &'static str) -> Case {
    Case {
        args,
        prep: Prep::Fresh,
        codes: &[101],
        vars: fault_var(fault),
        stderr_has: Some("figma-auth crashed"),
    }
}

const fn fault_var(fault: &'static str) -> &'static [(&'static str, &'static str)] {
    match fault.as_bytes() {
        b"token:panic" => &[("FIGMA_AUTH_FAULT", "token:panic")],
        b"header:panic" => &[("FIGMA_AUTH_FAULT", "header:panic")],
        b"env:panic" => &[("FIGMA_AUTH_FAULT", "env:panic")],
        b"doctor:panic" => &[("FIGMA_AUTH_FAULT", "doctor:panic")],
        _ => &[],
    }
}

const BUSY: &[(&str, &str)] = &[("FIGMA_AUTH_LOCK_TIMEOUT", "200ms")];

use Prep::*;

/// Every command and flag combination, with the exit codes each may end with.
pub const CASES: &[Case] = &[
    // status
    // The planted unreadable Windsurf config needs action: exit 1.
    case(&["status"], Fresh, &[1]),
    case(&["status", "--json"], Fresh, &[1]),
    case(&["status"], Expired, &[1]),
    case(&["status", "--json"], NoStore, &[3]),
    case(&["status"], Corrupt, &[1]),
    case(&["status", "--json"], TooNew, &[1]),
    case(&["--profile", "other", "status"], Fresh, &[3]),
    // refresh (the token step succeeds; the config preview then fails on the malformed file)
    case(&["refresh"], Fresh, &[1]),
    case(&["refresh"], Due, &[1]),
    case(&["refresh", "--force"], Fresh, &[1]),
    case(&["refresh", "--min-valid", "2h"], Fresh, &[1]),
    case(&["refresh", "--target", "cursor", "--force"], Fresh, &[0]),
    case(&["refresh", "--force"], InvalidGrant, &[3]),
    case(&["refresh"], ServerDown, &[4]),
    case(&["refresh"], Unreachable, &[4]),
    Case {
        vars: BUSY,
        ..case(&["refresh", "--force"], Busy, &[5])
    },
    case(&["refresh"], Corrupt, &[1]),
    case(&["refresh"], TooNew, &[1]),
    case(&["refresh"], NoStore, &[3]),
    // token, header, env: the access token on stdout, on purpose
    case(&["token"], Fresh, &[0]),
    case(&["token"], Due, &[0]),
    case(&["token"], DueServerDown, &[0]),
    case(&["token"], InvalidGrant, &[3]),
    case(&["token"], ServerDown, &[4]),
    Case {
        vars: BUSY,
        ..case(&["token"], Busy, &[5])
    },
    case(&["token"], Corrupt, &[1]),
    case(&["header"], Fresh, &[0]),
    case(&["header", "--json"], Fresh, &[0]),
    case(&["header", "--json"], Due, &[0]),
    case(&["header", "--json"], DueServerDown, &[0]),
    case(&["header", "--json"], InvalidGrant, &[3]),
    case(&["header"], ServerDown, &[4]),
    case(&["header"], Unreachable, &[4]),
    Case {
        vars: BUSY,
        ..case(&["header", "--json"], Busy, &[5])
    },
    case(&["header"], Corrupt, &[1]),
    case(&["header"], TooNew, &[1]),
    case(&["header"], NoStore, &[3]),
    case(&["env"], Fresh, &[0]),
    case(&["env", "--shell", "fish"], Due, &[0]),
    case(
        &["env", "--shell", "powershell", "--var", "FIGMA_X"],
        Fresh,
        &[0],
    ),
    case(&["env"], InvalidGrant, &[3]),
    case(&["env"], DueServerDown, &[0]),
    case(&["env"], NoStore, &[3]),
    // doctor (the planted configs always hold problems: exit 1)
    case(&["doctor"], Fresh, &[1]),
    case(&["doctor", "--json"], Fresh, &[1]),
    case(&["doctor"], Expired, &[1]),
    case(&["doctor"], Corrupt, &[1]),
    case(&["doctor", "--json"], TooNew, &[1]),
    case(&["doctor"], NoStore, &[1]),
    case(&["doctor", "--online"], Fresh, &[1]),
    case(&["doctor", "--online", "--json"], Mcp401, &[1]),
    case(&["doctor", "--online"], Mcp429, &[1]),
    case(&["doctor", "--online"], Unreachable, &[1]),
    // schedule (reads the scheduler state only)
    case(&["schedule", "status"], Fresh, &[1]),
    case(&["schedule", "install"], Fresh, &[0, 1]),
    // logout (forgets the tokens; the preview of the config cleanup then fails on the
    // malformed file)
    case(&["logout"], Fresh, &[1]),
    case(&["logout", "--all"], Fresh, &[1]),
    case(&["logout", "--all"], Corrupt, &[0, 1]),
    case(&["logout", "--target", "cursor"], Fresh, &[0]),
    // forced panics with the access token in the panic message
    panics(&["token"], "token:panic"),
    panics(&["header", "--json"], "header:panic"),
    panics(&["env"], "env:panic"),
    panics(&["doctor"], "doctor:panic"),
    // usage errors, help, generated text
    case(&["refresh", "--bogus"], Fresh, &[2]),
    case(&["env", "--var", "1X"], Fresh, &[2]),
    case(&["header", "--min-valid", "soon"], Fresh, &[2]),
    case(&["--help"], Fresh, &[0]),
    case(&["--version"], Fresh, &[0]),
    case(&["setup", "--help"], Fresh, &[0]),
    case(&["login", "--help"], Fresh, &[0]),
    case(&["status", "--help"], Fresh, &[0]),
    case(&["refresh", "--help"], Fresh, &[0]),
    case(&["token", "--help"], Fresh, &[0]),
    case(&["logout", "--help"], Fresh, &[0]),
    case(&["header", "--help"], Fresh, &[0]),
    case(&["env", "--help"], Fresh, &[0]),
    case(&["doctor", "--help"], Fresh, &[0]),
    case(&["completions", "--help"], Fresh, &[0]),
    case(&["man", "--help"], Fresh, &[0]),
    case(&["schedule", "--help"], Fresh, &[0]),
    case(&["completions", "zsh"], Fresh, &[0]),
    case(&["man"], Fresh, &[0]),
    // config patching: masked diffs, writes, JSON, modes (the old token is in ~/.claude.json)
    case(&["refresh", "--target", "claude"], Fresh, &[0]),
    case(&["refresh", "--target", "claude", "--json"], Fresh, &[0]),
    case(&["setup", "--target", "claude", "--dry-run"], Fresh, &[0]),
    case(&["setup", "--target", "claude", "--json"], Fresh, &[0]),
    case(
        &["setup", "--target", "claude", "--scope", "local"],
        Fresh,
        &[0],
    ),
    case(
        &["refresh", "--write", "--target", "claude", "--force"],
        Fresh,
        &[0],
    ),
    case(
        &["refresh", "--write", "--target", "claude", "--json"],
        Due,
        &[0],
    ),
    case(&["setup", "--target", "claude", "--write"], Fresh, &[0]),
    case(
        &["setup", "--target", "cursor", "--mode", "env", "--write"],
        Fresh,
        &[0],
    ),
    case(
        &["setup", "--target", "opencode", "--mode", "file", "--write"],
        Fresh,
        &[0],
    ),
    case(
        &["setup", "--target", "claude", "--mode", "helper", "--write"],
        Fresh,
        &[0],
    ),
    case(
        &[
            "setup", "--target", "claude", "--mode", "inline", "--write", "--json",
        ],
        Fresh,
        &[0],
    ),
    case(
        &["setup", "--target", "zed", "--mode", "helper"],
        Fresh,
        &[2],
    ),
    case(&["setup", "--target", "windsurf", "--write"], Fresh, &[1]),
    case(&["logout", "--write", "--target", "claude"], Fresh, &[0]),
];

/// A logged-in environment whose store, mock server and files can be reset to hold the canaries.
pub struct Canary {
    pub env: TestEnv,
    /// The store as the first login left it (the structure every case starts from).
    template: serde_json::Value,
    client_id: String,
    /// Files allowed to hold a canary.
    intended: Vec<PathBuf>,
    project: PathBuf,
}

impl Canary {
    pub fn new() -> Self {
        let mut env = TestEnv::with_config(MockConfig {
            pat: Some(CANARY_PAT.to_string()),
            ..MockConfig::default()
        });
        env.set_var("FIGMA_PERSONAL_ACCESS_TOKEN", Some(CANARY_PAT));
        let mcp = format!("{}/mcp", env.server.url());
        env.set_var("FIGMA_MCP_URL", Some(&mcp));
        // Fake schedulers on PATH record their argv and environment (scanned like every file).
        let bin = env.path("fakebin");
        for name in ["crontab", "systemctl", "launchctl", "git"] {
            write_exec(&bin.join(name), FAKE_CHILD);
        }
        env.set_var("PATH", Some(&format!("{}:/usr/bin:/bin", bin.display())));
        let out = env.login();
        assert_clean(&out, false);
        let mut template = env.store("default").unwrap();
        let client_id = template["client"]["client_id"]
            .as_str()
            .unwrap()
            .to_string();
        let project = env.path("home/project");
        std::fs::create_dir_all(project.join(".git")).unwrap();
        let home = env.path("home");
        // Client configs: the current token, an old one, and a malformed file cut inside a token.
        let cursor = home.join(".cursor/mcp.json");
        let claude = home.join(".claude.json");
        let windsurf = home.join(".codeium/windsurf/mcp_config.json");
        let entry = |token: &str| {
            format!(
                "{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"{mcp}\", \"headers\": {{\"Authorization\": \"Bearer {token}\"}}}}}}}}\n"
            )
        };
        write_private(&cursor, entry(CANARY_AT).as_bytes());
        write_private(&claude, entry(CANARY_OLD).as_bytes());
        let cut = entry(CANARY_AT);
        let cut = &cut[..cut.find(CANARY_AT).unwrap() + 12];
        write_private(&windsurf, cut.as_bytes());
        // All three set up for this profile earlier, so that refresh and logout work on them.
        template["configs"] = serde_json::json!([
            {"target": "cursor", "scope": "user", "path": cursor, "server_name": "figma"},
            {"target": "claude", "scope": "user", "path": claude, "server_name": "figma"},
            {"target": "windsurf", "scope": "user", "path": windsurf, "server_name": "figma"},
        ]);
        let intended = vec![
            env.store_path("default"),
            env.path("config/figma-auth/tokens/default.token"),
            cursor,
            claude,
            windsurf,
        ];
        Canary {
            env,
            template,
            client_id,
            intended,
            project,
        }
    }

    /// Puts the canaries in the store, the token file and the mock, in the state `prep` asks.
    pub fn seed(&mut self, prep: Prep) -> Option<std::fs::File> {
        let env = &self.env;
        env.server.set(|b| *b = Default::default());
        env.server.with_state(|s| {
            s.adopt(&self.client_id, CANARY_CS, CANARY_AT, CANARY_RT);
        });
        let mut v = self.template.clone();
        v["token"]["access_token"] = CANARY_AT.into();
        v["token"]["refresh_token"] = CANARY_RT.into();
        v["client"]["client_secret"] = CANARY_CS.into();
        let now = figma_auth::time::Timestamp::now();
        let expires = match prep {
            Due | DueServerDown => now.plus(Duration::from_secs(60)).rfc3339(),
            Expired | InvalidGrant | ServerDown | Unreachable | Busy => {
                "2000-01-01T00:00:00Z".to_string()
            }
            _ => now.plus(Duration::from_secs(3600)).rfc3339(),
        };
        v["token"]["expires_at"] = expires.into();
        if prep == Unreachable {
            v["token"]["token_endpoint"] =
                format!("http://127.0.0.1:{}/v1/oauth/token", free_port()).into();
            let dead = format!("http://127.0.0.1:{}/mcp", free_port());
            v["token"]["resource"] = dead.clone().into();
        }
        if prep == TooNew {
            v["version"] = 99.into();
        }
        let store = env.store_path("default");
        std::fs::create_dir_all(store.parent().unwrap()).unwrap();
        let text = serde_json::to_string_pretty(&v).unwrap();
        match prep {
            NoStore => {
                let _ = std::fs::remove_file(&store);
            }
            Corrupt => {
                let cut = text.find(CANARY_AT).unwrap() + 10;
                write_private(&store, &text.as_bytes()[..cut]);
            }
            _ => write_private(&store, text.as_bytes()),
        }
        let token_file = env.path("config/figma-auth/tokens/default.token");
        write_private(&token_file, CANARY_AT.as_bytes());
        env.server.set(|b| {
            b.echo_secrets = true;
            match prep {
                InvalidGrant => b.refresh_invalid_grant = true,
                ServerDown | DueServerDown => b.token_status = Some(503),
                Mcp401 => b.mcp_status = Some(401),
                Mcp429 => b.mcp_status = Some(429),
                RegisterForbidden => b.register_forbidden = true,
                _ => {}
            }
        });
        (prep == Busy).then(|| env.hold_store_lock("default"))
    }

    /// Runs one case and checks every channel.
    pub fn run(&mut self, case: &Case) -> Out {
        let held = self.seed(case.prep);
        for (k, v) in case.vars {
            self.env.set_var(k, Some(v));
        }
        if case.prep == Unreachable && case.args.contains(&"--online") {
            // Point --mcp-url at the (dead) resource the tokens were issued for.
            let res = self.env.store("default").unwrap()["token"]["resource"]
                .as_str()
                .unwrap()
                .to_string();
            self.env.set_var("FIGMA_MCP_URL", Some(&res));
        }
        let out = self.env.run_in(&self.project, case.args);
        drop(held);
        for (k, _) in case.vars {
            self.env.vars.remove(*k);
        }
        let mcp = format!("{}/mcp", self.env.server.url());
        self.env.set_var("FIGMA_MCP_URL", Some(&mcp));
        assert!(
            case.codes.contains(&out.code),
            "{:?} ({:?}): exit {} not in {:?}\n{out:?}",
            case.args,
            case.prep,
            out.code,
            case.codes
        );
        if let Some(s) = case.stderr_has {
            assert!(out.stderr.contains(s), "{:?}: {out:?}", case.args);
        }
        assert_clean(&out, prints_token(case.args));
        self.assert_files_clean(case.args);
        out
    }

    fn is_backup(&self, p: &Path) -> bool {
        p.starts_with(self.env.path("state/figma-auth/backups"))
    }

    /// No file in the temp dirs holds a canary, except the store, the token file, the planted
    /// configs (and the configs a case creates) and the private backups.
    pub fn assert_files_clean(&self, args: &[&str]) {
        let mut stack = vec![self.env.dir.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                let t = e.file_type().unwrap();
                if t.is_dir() {
                    stack.push(p);
                } else if t.is_file() && self.is_backup(&p) {
                    // Backups of changed configs hold the old token on purpose: private only.
                    use std::os::unix::fs::PermissionsExt;
                    let mode = e.metadata().unwrap().permissions().mode() & 0o777;
                    assert_eq!(mode, 0o600, "{args:?}: backup {} is {mode:o}", p.display());
                } else if t.is_file() && !self.intended.contains(&p) {
                    let bytes = std::fs::read(&p).unwrap_or_default();
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(
                        !text.contains(MARK),
                        "{args:?}: a canary in the leftover file {}:\n{text}",
                        p.display()
                    );
                }
            }
        }
    }
}

fn write_private(p: &Path, bytes: &[u8]) {
    write(p, bytes);
    chmod(p, 0o600);
}

/// No canary in stderr; on stdout only the access token, once, when the command prints it on
/// purpose and succeeded.
pub fn assert_clean(out: &Out, prints_token: bool) {
    for c in ALL {
        assert!(!out.stderr.contains(c), "{c} on stderr: {out:?}");
    }
    assert!(
        !out.stderr.contains(MARK),
        "part of a canary on stderr: {out:?}"
    );
    let allowed = if prints_token && out.code == 0 {
        out.stdout.matches(CANARY_AT).count()
    } else {
        0
    };
    assert!(allowed <= 1, "{out:?}");
    assert_eq!(
        out.stdout.matches(MARK).count(),
        allowed,
        "a canary on stdout: {out:?}"
    );
}

#[test]
fn no_canary_leaks_from_any_command() {
    let mut c = Canary::new();
    let mut printed_canary = 0;
    for case in CASES {
        let out = c.run(case);
        if out.stdout.contains(CANARY_AT) {
            printed_canary += 1;
        }
    }
    // Child processes ran (schedulers asked by doctor and schedule), and were scanned.
    let argv = std::fs::read_to_string(c.env.path("fakestate/argv")).unwrap();
    assert!(argv.contains("crontab"), "{argv}");
    // The check above is not vacuous: the commands that print the token did print the canary.
    assert!(printed_canary >= 5, "{printed_canary}");
    // And the canaries did reach the server where they belong.
    let reqs = c.env.server.token_requests();
    assert!(reqs.iter().any(
        |r| r.get("refresh_token").map(String::as_str) == Some(CANARY_RT)
            && r.get("client_secret").map(String::as_str) == Some(CANARY_CS)
    ));
}

#[test]
fn no_canary_leaks_from_login() {
    let mut c = Canary::new();
    // A new registration sends the canary PAT; the browser gets neither it nor any token.
    c.seed(Fresh);
    let out = c
        .env
        .login_with(&["login", "--port", "0", "--reregister", "--timeout", "90s"]);
    assert_clean(&out, false);
    c.assert_files_clean(&["login"]);
    let env_file = std::fs::read_to_string(c.env.path("browser/env")).unwrap();
    assert!(
        env_file.contains("FAKE_BROWSER_DIR"),
        "the browser's env was recorded"
    );
    assert!(!env_file.contains(MARK));

    // Registration refused with the PAT quoted back.
    c.seed(RegisterForbidden);
    let out = c
        .env
        .run(&["login", "--port", "0", "--reregister", "--timeout", "5s"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("403"), "{out:?}");
    assert_clean(&out, false);
    c.assert_files_clean(&["login (refused)"]);

    // A panic right after the code exchange, with the new access token in its message.
    c.seed(Fresh);
    c.env.set_var("FIGMA_AUTH_FAULT", Some("login:panic"));
    let run =
        c.env
            .spawn_closed_stdin(&["login", "--port", "0", "--reregister", "--timeout", "90s"]);
    let url = c.env.browser_url();
    follow(&url);
    let out = run.finish();
    assert_eq!(out.code, 101, "{out:?}");
    assert!(out.stderr.contains("figma-auth crashed"), "{out:?}");
    c.env.assert_no_leak(&out, false);
    assert_clean(&out, false);
    c.assert_files_clean(&["login (panic)"]);
}

#[test]
fn panic_messages_are_shown_only_on_request() {
    let mut c = Canary::new();
    c.seed(Fresh);
    c.env.set_var("FIGMA_AUTH_FAULT", Some("token:panic"));
    let out = c.env.command(&["token"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101));
    assert!(stderr.contains("src/commands/token.rs"), "{stderr}");
    assert!(stderr.contains("FIGMA_AUTH_PANIC_DETAILS=1"), "{stderr}");
    assert!(!stderr.contains(MARK), "{stderr}");
    assert!(out.stdout.is_empty());
    // The hook hides a message that really holds the secret.
    c.env.set_var("FIGMA_AUTH_PANIC_DETAILS", Some("1"));
    let out = c.env.command(&["token"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("injected panic at token"), "{stderr}");
    assert!(stderr.contains(CANARY_AT), "{stderr}");
}
