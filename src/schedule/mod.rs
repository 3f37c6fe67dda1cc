//! `figma-auth schedule install|status|remove`: keeps `figma-auth refresh --write --log` running
//! periodically through a systemd user timer, a macOS LaunchAgent, or a crontab line, previewing
//! every change first. The scheduled command needs no PATH and no TTY: an absolute binary path,
//! `HOME` (and figma-auth's location variables) set explicitly, and the profile; it carries no
//! secret. `refresh --log` appends one line per run through [`append_run_log`].
//!
//! Backend choice (`--backend` overrides): macOS → launchd; elsewhere a systemd user manager that
//! answers `systemctl --user show-environment` → systemd; else `crontab` on PATH → cron. Cron
//! output goes to /dev/null (the log line carries the result; no cron mail). External programs
//! are looked up on [`ScheduleContext::search_path`] and run without a shell.

mod cron;
mod exec;
mod launchd;
pub mod log;
pub mod quote;
mod systemd;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::apply::preview::{unified_diff, Color, DiffOptions};
use crate::fs::FsError;
use crate::paths::Env;

pub use exec::{find_program, Call};
pub use log::{append_run_log, format_run_log_line, last_run, RunLogEntry};

use exec::Runner;
use quote::sh_quote;

/// The interval used when `--every` is not given.
pub const DEFAULT_INTERVAL: &str = "30m";
/// The shortest interval accepted.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);
/// The longest interval accepted (a token must not expire between two runs).
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// Exit code: done, or the schedule is installed and healthy.
pub const EXIT_OK: u8 = 0;
/// Exit code of `schedule status`: no schedule, or something is off (each problem printed with
/// its fix).
pub const EXIT_PROBLEM: u8 = 1;

/// A failure of a schedule command, naming the file or command and the next step.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("invalid interval {value:?}: {reason}")]
    Interval { value: String, reason: String },
    #[error(
        "profile name {0:?} cannot be scheduled: use letters, digits, '.', '_' and '-' \
         (at most 64, starting with a letter or digit)"
    )]
    Profile(String),
    #[error("{what} {value:?} cannot go into a schedule: {reason}")]
    Unwritable {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "the figma-auth binary {0} is not an executable file; install figma-auth somewhere \
         permanent and run `schedule install` from there"
    )]
    Binary(PathBuf),
    #[error(
        "no scheduler found: no systemd user manager answers `systemctl --user \
         show-environment` and `crontab` is not on PATH; install cron (e.g. `apt install cron`) \
         or choose one with --backend systemd|launchd|cron"
    )]
    NoScheduler,
    #[error(
        "`{program}` was not found on PATH; install it, or choose another scheduler with --backend"
    )]
    ProgramNotFound { program: String },
    #[error("cannot run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },
    #[error("`{command}` did not finish within {}; is the service manager responsive?", humantime::format_duration(*.after))]
    Timeout { command: String, after: Duration },
    #[error("`{command}` failed ({}){}", exit_text(*.code), stderr_text(.stderr))]
    CommandFailed {
        command: String,
        code: Option<i32>,
        stderr: String,
    },
    #[error(
        "the crontab changed while figma-auth was planning its edit (another program wrote it); \
         run the command again"
    )]
    CrontabChanged,
    #[error("{0} changed while figma-auth was planning its edit; run the command again")]
    FileChanged(PathBuf),
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("cannot write the output")]
    Output(#[from] io::Error),
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit status {c}"),
        None => "killed by a signal".to_string(),
    }
}

fn stderr_text(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Parses `--every`: a humantime duration (`30m`, `1h`, `90min`) between [`MIN_INTERVAL`] and
/// [`MAX_INTERVAL`], in whole seconds.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d =
        humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (examples: 15m, 30m, 1h)"))?;
    check_interval(d)?;
    Ok(Duration::from_secs(d.as_secs()))
}

fn check_interval(d: Duration) -> Result<(), String> {
    if d < MIN_INTERVAL {
        return Err("the shortest interval is 1m".to_string());
    }
    if d > MAX_INTERVAL {
        return Err("the longest interval is 24h".to_string());
    }
    Ok(())
}

fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Where the periodic refresh is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Backend {
    /// A systemd user timer (`~/.config/systemd/user/figma-auth-refresh-<profile>.timer`).
    Systemd,
    /// A LaunchAgent (`~/Library/LaunchAgents/figma-auth.refresh.<profile>.plist`), macOS.
    Launchd,
    /// A line in the user's crontab, marked with the profile.
    Cron,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Systemd, Backend::Launchd, Backend::Cron];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Systemd => "systemd user timer",
            Backend::Launchd => "launchd LaunchAgent",
            Backend::Cron => "crontab",
        }
    }
}

/// The operating system, deciding the default backend (a field so tests can pick one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    MacOs,
    Linux,
    Other,
}

impl Os {
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(target_os = "linux") {
            Os::Linux
        } else {
            Os::Other
        }
    }
}

/// `figma-auth schedule …`, to mount in the CLI as `Schedule(ScheduleArgs)`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

/// The schedule subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Run `figma-auth refresh --write --log` periodically (systemd timer, LaunchAgent or cron).
    /// Shows the change first; applies it with --write.
    Install(InstallArgs),
    /// Show where the schedule lives, its interval and command, and the last logged run.
    Status(StatusArgs),
    /// Remove the schedule (only figma-auth's own timer, agent or crontab line). Shows the change
    /// first; applies it with --write.
    Remove(RemoveArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct InstallArgs {
    /// How often to run the refresh (1m to 24h; cron rounds down to a step it can express).
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_INTERVAL, value_parser = parse_interval)]
    pub every: Duration,
    /// Apply the change (without it, only the preview is shown).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,
    /// Show the change and exit without asking.
    #[arg(long)]
    pub dry_run: bool,
    /// Use this scheduler instead of the detected one.
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Only look at this scheduler.
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RemoveArgs {
    /// Apply the change (without it, only the preview is shown).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,
    /// Show the change and exit without asking.
    #[arg(long)]
    pub dry_run: bool,
    /// Only remove from this scheduler (default: every scheduler holding one).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
}

/// Asks a yes/no question on the terminal; `None` when there is no terminal to ask on.
pub type Confirm = Box<dyn Fn(&str) -> bool>;

/// Everything a schedule command needs from the outside world.
pub struct ScheduleContext {
    /// HOME, XDG directories and the client location variables; `HOME` and the captured
    /// variables are passed to the scheduled command so it finds the same files as this run.
    pub env: Env,
    pub profile: String,
    /// `--auth-server` when not the default (passed on to the scheduled refresh).
    pub auth_server: Option<String>,
    /// `--mcp-url` when not the default (passed on to the scheduled refresh).
    pub mcp_url: Option<String>,
    /// The absolute path of the figma-auth binary to schedule.
    pub exe: PathBuf,
    /// The PATH on which `systemctl`, `launchctl`, `crontab` and `id` are looked up (also the
    /// PATH they run with).
    pub search_path: Option<OsString>,
    pub os: Os,
    /// The user id for `launchctl … gui/<uid>`; `None` asks `id -u`.
    pub uid: Option<u32>,
    pub now: SystemTime,
    pub color: Color,
    /// Asks once before applying when neither --write nor --dry-run was given.
    pub confirm: Option<Confirm>,
    /// The longest an external program may run.
    pub timeout: Duration,
    /// The lifetime of the profile's access token as the server issued it; `--every` may be at
    /// most half of it.
    pub token_lifetime: Option<Duration>,
}

impl ScheduleContext {
    /// A context with the process's PATH and OS, no prompt, no colour.
    pub fn new(env: Env, profile: impl Into<String>, exe: PathBuf) -> Self {
        ScheduleContext {
            env,
            profile: profile.into(),
            auth_server: None,
            mcp_url: None,
            exe,
            search_path: std::env::var_os("PATH"),
            os: Os::current(),
            uid: None,
            now: SystemTime::now(),
            color: Color::Never,
            confirm: None,
            timeout: Duration::from_secs(30),
            token_lifetime: None,
        }
    }

    /// The context of this process: its environment and its own binary (the caller sets
    /// [`ScheduleContext::confirm`] from its terminal). The binary path is not canonicalized, so a stable symlink
    /// (`/opt/homebrew/bin/figma-auth`) is scheduled rather than a versioned target that an
    /// upgrade removes.
    pub fn from_process(profile: impl Into<String>) -> Result<Self, String> {
        let env = Env::from_process()?;
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the path of the figma-auth binary: {e}"))?;
        // Linux reports a binary replaced while running as "<path> (deleted)".
        let exe = match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
            Some(stripped) => PathBuf::from(stripped),
            None => exe,
        };
        Ok(Self::new(env, profile, exe))
    }

    fn runner(&self) -> Runner {
        Runner {
            search_path: self.search_path.clone(),
            timeout: self.timeout,
        }
    }

    fn state_dir(&self) -> PathBuf {
        self.env.app_state_dir()
    }

    /// `figma-auth <sub>` with `--profile` when it is not the default one.
    fn self_command(&self, sub: &str) -> String {
        if self.profile == "default" {
            format!("figma-auth {sub}")
        } else {
            format!("figma-auth {sub} --profile {}", sh_quote(&self.profile))
        }
    }
}

/// The command a schedule runs: environment assignments and argv (no shell, no PATH).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduledCommand {
    pub env: Vec<(String, String)>,
    pub argv: Vec<String>,
}

impl ScheduledCommand {
    /// As a shell line, for display.
    pub fn display(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", sh_quote(v)))
            .collect();
        words.extend(self.argv.iter().map(|a| sh_quote(a)));
        words.join(" ")
    }

    /// The binary it runs.
    pub fn program(&self) -> Option<&Path> {
        self.argv.first().map(Path::new)
    }
}

fn validate_profile(profile: &str) -> Result<(), ScheduleError> {
    let ok = !profile.is_empty()
        && profile.len() <= 64
        && profile.as_bytes()[0].is_ascii_alphanumeric()
        && profile
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ScheduleError::Profile(profile.to_string()))
    }
}

fn check_writable(what: &'static str, value: &str) -> Result<(), ScheduleError> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(ScheduleError::Unwritable {
            what,
            value: value.to_string(),
            reason: "it contains a line break or NUL",
        });
    }
    Ok(())
}

fn check_url(what: &'static str, url: &str) -> Result<(), ScheduleError> {
    check_writable(what, url)?;
    let authority = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains('@') {
        return Err(ScheduleError::Unwritable {
            what,
            value: "(redacted)".to_string(),
            reason:
                "it carries credentials (user:password@), which would be visible in the schedule",
        });
    }
    Ok(())
}

/// The command the schedule runs for `ctx`:
/// `<exe> refresh --write --profile <p> --log [--auth-server U] [--mcp-url U]`, with `HOME` and
/// the location variables figma-auth honours (XDG dirs, client config overrides) set explicitly.
/// It carries no secret: the refresh reads the credential store itself.
pub fn scheduled_command(ctx: &ScheduleContext) -> Result<ScheduledCommand, ScheduleError> {
    validate_profile(&ctx.profile)?;
    if !ctx.exe.is_absolute() || !exec::is_executable(&ctx.exe) {
        return Err(ScheduleError::Binary(ctx.exe.clone()));
    }
    let exe = ctx.exe.to_string_lossy().into_owned();
    check_writable("the binary path", &exe)?;
    let home = ctx.env.home.to_string_lossy().into_owned();
    check_writable("HOME", &home)?;
    let mut env = vec![("HOME".to_string(), home)];
    for (k, v) in &ctx.env.vars {
        check_writable("an environment variable", v)?;
        env.push((k.clone(), v.clone()));
    }
    let mut argv = vec![
        exe,
        "refresh".to_string(),
        "--write".to_string(),
        "--profile".to_string(),
        ctx.profile.clone(),
        "--log".to_string(),
    ];
    if let Some(url) = &ctx.auth_server {
        check_url("--auth-server", url)?;
        argv.extend(["--auth-server".to_string(), url.clone()]);
    }
    if let Some(url) = &ctx.mcp_url {
        check_url("--mcp-url", url)?;
        argv.extend(["--mcp-url".to_string(), url.clone()]);
    }
    Ok(ScheduledCommand { env, argv })
}

// ---------------------------------------------------------------------------------------------
// Plans: the ordered steps of a change, previewed then applied.

/// One step of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Create or replace a file (0644).
    Write {
        path: PathBuf,
        old: Option<String>,
        new: String,
    },
    /// Delete a file.
    Delete { path: PathBuf, old: String },
    /// Replace the user's crontab (`crontab -` with the new table on stdin).
    Crontab { old: String, new: String },
    /// Run a program.
    Run(Call),
}

/// A planned change: its steps in order and notes for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub notes: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    fn extend(&mut self, other: Plan) {
        self.steps.extend(other.steps);
        self.notes.extend(other.notes);
    }

    /// The preview: each step in order, files and the crontab as diffs.
    pub fn render(&self, ctx: &ScheduleContext) -> String {
        let opts = DiffOptions {
            secrets: &[],
            show_secrets: false,
            color: ctx.color,
            context: 3,
        };
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match step {
                Step::Write { path, old, new } => {
                    let shown = ctx.env.display(path);
                    let what = if old.is_some() { "update" } else { "create" };
                    out.push_str(&format!("{n}. {what} {shown}\n"));
                    out.push_str(&unified_diff(&shown, old.as_deref(), new, &opts));
                }
                Step::Delete { path, old } => {
                    let shown = ctx.env.display(path);
                    out.push_str(&format!("{n}. delete {shown}\n"));
                    out.push_str(&unified_diff(&shown, Some(old), "", &opts));
                }
                Step::Crontab { old, new } => {
                    out.push_str(&format!(
                        "{n}. replace the crontab: crontab - (new table on stdin)\n"
                    ));
                    out.push_str(&unified_diff("crontab", Some(old), new, &opts));
                }
                Step::Run(call) => out.push_str(&format!("{n}. run: {}\n", call.display())),
            }
        }
        out
    }
}

fn read_opt(path: &Path) -> Result<Option<String>, ScheduleError> {
    let snap = crate::fs::read_snapshot(path)?;
    Ok(snap.bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

fn apply(plan: &Plan, ctx: &ScheduleContext) -> Result<(), ScheduleError> {
    let runner = ctx.runner();
    for step in &plan.steps {
        match step {
            Step::Write { path, old, new } => {
                if read_opt(path)? != *old {
                    return Err(ScheduleError::FileChanged(path.clone()));
                }
                if let Some(dir) = path.parent() {
                    crate::fs::create_dirs(dir, unit_dir_mode(dir))?;
                }
                // Guarded: the scheduler runs what the unit says, so it must be the user's
                // own file in the user's own directory.
                crate::fs::write_atomic_with(
                    path,
                    &crate::fs::WriteOptions::new(0o644).guarded(),
                    |f| std::io::Write::write_all(f, new.as_bytes()),
                )?;
            }
            Step::Delete { path, .. } => match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FsError::io("cannot delete", path, e).into()),
            },
            Step::Crontab { old, new } => {
                if read_crontab(&runner)? != *old {
                    return Err(ScheduleError::CrontabChanged);
                }
                runner.run_checked(&Call::new("crontab", &["-"]).with_stdin(new.clone()))?;
            }
            Step::Run(call) => {
                runner.run_checked(call)?;
            }
        }
    }
    Ok(())
}

/// The mode of a directory created for a scheduler unit, whatever the umask: 0700, except
/// `~/Library/LaunchAgents`, which macOS itself creates 0755.
fn unit_dir_mode(dir: &Path) -> u32 {
    if dir.file_name().is_some_and(|n| n == "LaunchAgents") {
        0o755
    } else {
        0o700
    }
}

fn write_step(path: PathBuf, new: String) -> Result<Option<Step>, ScheduleError> {
    let old = read_opt(&path)?;
    Ok((old.as_deref() != Some(new.as_str())).then_some(Step::Write { path, old, new }))
}

// ---------------------------------------------------------------------------------------------
// Backends: probing, install plans, remove plans.

/// `crontab -l`; "no crontab for <user>" is an empty table.
fn read_crontab(runner: &Runner) -> Result<String, ScheduleError> {
    let call = Call::new("crontab", &["-l"]);
    let out = runner.run(&call)?;
    if out.success() {
        Ok(out.stdout)
    } else if cron::is_no_crontab(&out.stderr) {
        Ok(String::new())
    } else {
        Err(ScheduleError::CommandFailed {
            command: call.display(),
            code: out.code,
            stderr: out.stderr.trim().to_string(),
        })
    }
}

/// True when a systemd user manager answers (`systemctl --user show-environment` exits 0).
/// `is-system-running` is not used: it fails on the common "degraded" state.
pub fn systemd_usable(ctx: &ScheduleContext) -> bool {
    let runner = ctx.runner();
    runner.find("systemctl").is_some()
        && runner
            .run(&Call::new("systemctl", &["--user", "show-environment"]))
            .map(|o| o.success())
            .unwrap_or(false)
}

/// The backend `install` uses when none is forced.
pub fn detect_backend(ctx: &ScheduleContext) -> Result<Backend, ScheduleError> {
    if ctx.os == Os::MacOs {
        return Ok(Backend::Launchd);
    }
    if systemd_usable(ctx) {
        return Ok(Backend::Systemd);
    }
    if ctx.runner().find("crontab").is_some() {
        return Ok(Backend::Cron);
    }
    Err(ScheduleError::NoScheduler)
}

struct SystemdFiles {
    service: PathBuf,
    timer: PathBuf,
    timer_name: String,
}

fn systemd_files(ctx: &ScheduleContext) -> SystemdFiles {
    let base = systemd::unit_base(&ctx.profile);
    let dir = systemd::unit_dir(&ctx.env.xdg_config_home);
    SystemdFiles {
        service: dir.join(format!("{base}.service")),
        timer: dir.join(format!("{base}.timer")),
        timer_name: format!("{base}.timer"),
    }
}

fn systemctl_says(
    runner: &Runner,
    verb: &str,
    unit: &str,
    want: &str,
) -> Result<bool, ScheduleError> {
    let out = runner.run(&Call::new("systemctl", &["--user", verb, unit]))?;
    Ok(out.success() && out.stdout.trim() == want)
}

fn launchd_uid(ctx: &ScheduleContext) -> Result<u32, ScheduleError> {
    if let Some(uid) = ctx.uid {
        return Ok(uid);
    }
    let call = Call::new("id", &["-u"]);
    let out = ctx.runner().run_checked(&call)?;
    out.stdout
        .trim()
        .parse()
        .map_err(|_| ScheduleError::CommandFailed {
            command: call.display(),
            code: out.code,
            stderr: format!("unexpected output {:?}", out.stdout.trim()),
        })
}

/// Whether systemd keeps the user's manager (and so the timer) running after they log out:
/// `loginctl show-user UID --property=Linger`.
fn lingering(ctx: &ScheduleContext) -> Option<bool> {
    let runner = ctx.runner();
    runner.find("loginctl")?;
    let uid = launchd_uid(ctx).ok()?.to_string();
    let out = runner
        .run(&Call::new(
            "loginctl",
            &["show-user", &uid, "--property=Linger"],
        ))
        .ok()?;
    if !out.success() {
        return None;
    }
    match out.stdout.trim().trim_start_matches("Linger=") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// What the preview of a systemd user timer says about lingering.
fn linger_note(ctx: &ScheduleContext) -> String {
    match lingering(ctx) {
        Some(true) => {
            "lingering is on for your user, so the timer also runs while you are logged out"
                .to_string()
        }
        Some(false) => "lingering is off for your user, so the timer runs only while you are \
                        logged in; `loginctl enable-linger` keeps it running after you log out"
            .to_string(),
        None => "could not tell whether lingering is on (`loginctl show-user $USER \
                 --property=Linger`); without it the timer runs only while you are logged in, \
                 and `loginctl enable-linger` turns it on"
            .to_string(),
    }
}

fn launchd_loaded(ctx: &ScheduleContext, domain: &str) -> Result<bool, ScheduleError> {
    let target = format!("{domain}/{}", launchd::label(&ctx.profile));
    Ok(ctx
        .runner()
        .run(&Call::new("launchctl", &["print", &target]))?
        .success())
}

fn plan_install(
    backend: Backend,
    ctx: &ScheduleContext,
    cmd: &ScheduledCommand,
    interval: Duration,
) -> Result<(Plan, Duration), ScheduleError> {
    let runner = ctx.runner();
    let mut plan = Plan::default();
    let mut effective = interval;
    match backend {
        Backend::Systemd => {
            let files = systemd_files(ctx);
            let writes: Vec<Step> = [
                write_step(files.service.clone(), systemd::service(&ctx.profile, cmd))?,
                write_step(files.timer.clone(), systemd::timer(&ctx.profile, interval))?,
            ]
            .into_iter()
            .flatten()
            .collect();
            let changed = !writes.is_empty();
            plan.steps.extend(writes);
            let enabled = systemctl_says(&runner, "is-enabled", &files.timer_name, "enabled")?;
            let active = systemctl_says(&runner, "is-active", &files.timer_name, "active")?;
            let unit = files.timer_name.as_str();
            if changed {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "daemon-reload"],
                )));
            }
            if !enabled || !active {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "enable", "--now", unit],
                )));
            }
            if changed && active {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "restart", unit],
                )));
            }
            plan.notes.push(linger_note(ctx));
        }
        Backend::Launchd => {
            let path = launchd::plist_path(&ctx.env.home, &ctx.profile);
            let write = write_step(path.clone(), launchd::plist(&ctx.profile, cmd, interval))?;
            let changed = write.is_some();
            plan.steps.extend(write);
            let domain = format!("gui/{}", launchd_uid(ctx)?);
            let loaded = launchd_loaded(ctx, &domain)?;
            let target = format!("{domain}/{}", launchd::label(&ctx.profile));
            if changed && loaded {
                plan.steps
                    .push(Step::Run(Call::new("launchctl", &["bootout", &target])));
            }
            if changed || !loaded {
                let p = path.to_string_lossy();
                plan.steps.push(Step::Run(Call::new(
                    "launchctl",
                    &["bootstrap", &domain, &p],
                )));
            }
        }
        Backend::Cron => {
            let old = read_crontab(&runner)?;
            let (fields, got) = cron::schedule_fields(interval);
            if got != interval {
                plan.notes.push(format!(
                    "cron cannot run every {} evenly; using every {} instead",
                    fmt_duration(interval),
                    fmt_duration(got)
                ));
            }
            effective = got;
            let line = cron::line(&fields, cmd, &ctx.profile);
            let new = cron::upsert(&old, &ctx.profile, Some(&line));
            if new != old {
                plan.steps.push(Step::Crontab { old, new });
            }
        }
    }
    Ok((plan, effective))
}

fn plan_remove(backend: Backend, ctx: &ScheduleContext) -> Result<Plan, ScheduleError> {
    let runner = ctx.runner();
    let mut plan = Plan::default();
    match backend {
        Backend::Systemd => {
            let files = systemd_files(ctx);
            let service = read_opt(&files.service)?;
            let timer = read_opt(&files.timer)?;
            if service.is_none() && timer.is_none() {
                return Ok(plan);
            }
            let usable = systemd_usable(ctx);
            if usable {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "disable", "--now", &files.timer_name],
                )));
            } else {
                plan.notes.push(
                    "systemd does not answer: the unit files are deleted without stopping the timer"
                        .to_string(),
                );
            }
            if let Some(old) = timer {
                plan.steps.push(Step::Delete {
                    path: files.timer,
                    old,
                });
            }
            if let Some(old) = service {
                plan.steps.push(Step::Delete {
                    path: files.service,
                    old,
                });
            }
            if usable {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "daemon-reload"],
                )));
            }
        }
        Backend::Launchd => {
            let path = launchd::plist_path(&ctx.env.home, &ctx.profile);
            let Some(old) = read_opt(&path)? else {
                return Ok(plan);
            };
            if runner.find("launchctl").is_some() {
                let domain = format!("gui/{}", launchd_uid(ctx)?);
                if launchd_loaded(ctx, &domain)? {
                    let target = format!("{domain}/{}", launchd::label(&ctx.profile));
                    plan.steps
                        .push(Step::Run(Call::new("launchctl", &["bootout", &target])));
                }
            }
            plan.steps.push(Step::Delete { path, old });
        }
        Backend::Cron => {
            if runner.find("crontab").is_none() {
                return Ok(plan);
            }
            let old = read_crontab(&runner)?;
            let new = cron::upsert(&old, &ctx.profile, None);
            if new != old {
                plan.steps.push(Step::Crontab { old, new });
            }
        }
    }
    Ok(plan)
}

/// A schedule found in one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub backend: Backend,
    /// The unit, plist or "crontab", for display.
    pub location: String,
    pub interval: Option<Duration>,
    pub command: ScheduledCommand,
    /// Whether the scheduler has it running (systemd timer active, launchd job loaded); `None`
    /// when that cannot be asked (cron, or the service manager does not answer).
    pub running: Option<bool>,
    /// When its file was last written (units, plist).
    pub written: Option<SystemTime>,
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The schedule `backend` holds for the profile, if any.
pub fn inspect(
    backend: Backend,
    ctx: &ScheduleContext,
) -> Result<Option<Installed>, ScheduleError> {
    let runner = ctx.runner();
    Ok(match backend {
        Backend::Systemd => {
            let files = systemd_files(ctx);
            let service = read_opt(&files.service)?;
            let timer = read_opt(&files.timer)?;
            if service.is_none() && timer.is_none() {
                return Ok(None);
            }
            let running = if systemd_usable(ctx) {
                Some(systemctl_says(
                    &runner,
                    "is-active",
                    &files.timer_name,
                    "active",
                )?)
            } else {
                None
            };
            Some(Installed {
                backend,
                location: ctx.env.display(&files.timer),
                interval: timer.as_deref().and_then(systemd::parse_timer),
                command: service
                    .as_deref()
                    .map(systemd::parse_service)
                    .unwrap_or_default(),
                running,
                written: mtime(&files.timer).or_else(|| mtime(&files.service)),
            })
        }
        Backend::Launchd => {
            let path = launchd::plist_path(&ctx.env.home, &ctx.profile);
            let Some(text) = read_opt(&path)? else {
                return Ok(None);
            };
            let (command, interval) = launchd::parse(&text);
            let running = if runner.find("launchctl").is_some() {
                let domain = format!("gui/{}", launchd_uid(ctx)?);
                Some(launchd_loaded(ctx, &domain)?)
            } else {
                None
            };
            Some(Installed {
                backend,
                location: ctx.env.display(&path),
                interval,
                command,
                running,
                written: mtime(&path),
            })
        }
        Backend::Cron => {
            if runner.find("crontab").is_none() {
                return Ok(None);
            }
            let table = read_crontab(&runner)?;
            cron::find(&table, &ctx.profile).map(|(interval, command, _)| Installed {
                backend,
                location: "crontab".to_string(),
                interval,
                command,
                running: None,
                written: None,
            })
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Commands.

/// Runs `figma-auth schedule …`, writing the report to `out`; returns the exit code.
pub fn run(
    args: &ScheduleArgs,
    ctx: &ScheduleContext,
    out: &mut dyn Write,
) -> Result<u8, ScheduleError> {
    run_command(&args.command, ctx, out)
}

/// Like [`run`], for the subcommand itself.
pub fn run_command(
    cmd: &ScheduleCommand,
    ctx: &ScheduleContext,
    out: &mut dyn Write,
) -> Result<u8, ScheduleError> {
    match cmd {
        ScheduleCommand::Install(a) => install(a, ctx, out),
        ScheduleCommand::Status(a) => status(a, ctx, out),
        ScheduleCommand::Remove(a) => remove(a, ctx, out),
    }
}

/// Prints the plan and decides whether to apply it: --write yes; --dry-run no; a terminal asks
/// once; otherwise no, with the command to re-run.
fn confirm_apply(
    plan: &Plan,
    ctx: &ScheduleContext,
    write: bool,
    dry_run: bool,
    rerun: &str,
    out: &mut dyn Write,
) -> Result<bool, ScheduleError> {
    write!(out, "{}", plan.render(ctx))?;
    out.flush()?;
    if write {
        return Ok(true);
    }
    if dry_run {
        writeln!(out, "Dry run: nothing was changed.")?;
        return Ok(false);
    }
    if let Some(confirm) = &ctx.confirm {
        if confirm("Apply these changes?") {
            return Ok(true);
        }
        writeln!(out, "Nothing was changed.")?;
        return Ok(false);
    }
    writeln!(
        out,
        "Preview only: nothing was changed. Re-run with --write to apply: {rerun}"
    )?;
    Ok(false)
}

fn others(backend: Backend) -> impl Iterator<Item = Backend> {
    Backend::ALL.into_iter().filter(move |b| *b != backend)
}

/// A schedule install, planned and not applied yet (`schedule install`, and `setup` which
/// shows it in its own confirmation).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub backend: Backend,
    /// The interval the backend runs at (cron may round `--every` down).
    pub every: Duration,
    pub command: ScheduledCommand,
    pub plan: Plan,
}

impl Prepared {
    /// `every 30m with the systemd user timer`.
    pub fn headline(&self) -> String {
        format!(
            "every {} with the {}",
            fmt_duration(self.every),
            self.backend.name()
        )
    }

    /// The steps as one line each (files and commands, no diffs), then the notes.
    pub fn summary(&self, ctx: &ScheduleContext) -> String {
        let mut out = String::new();
        for (i, step) in self.plan.steps.iter().enumerate() {
            let what = match step {
                Step::Write { path, old, .. } => format!(
                    "{} {}",
                    if old.is_some() { "update" } else { "create" },
                    ctx.env.display(path)
                ),
                Step::Delete { path, .. } => format!("delete {}", ctx.env.display(path)),
                Step::Crontab { .. } => {
                    format!(
                        "update the crontab (the line marked profile={})",
                        ctx.profile
                    )
                }
                Step::Run(call) => format!("run: {}", call.display()),
            };
            out.push_str(&format!("  {}. {what}\n", i + 1));
        }
        out.push_str(&format!("  it runs: {}\n", self.command.display()));
        for note in &self.plan.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}

/// Plans `schedule install --every every [--backend backend]` for `ctx` (including removing a
/// schedule of the profile from another backend), without changing anything.
pub fn prepare_install(
    ctx: &ScheduleContext,
    every: Duration,
    backend: Option<Backend>,
) -> Result<Prepared, ScheduleError> {
    let invalid = |reason: String| ScheduleError::Interval {
        value: fmt_duration(every),
        reason,
    };
    check_interval(every).map_err(invalid)?;
    if let Some(lifetime) = ctx.token_lifetime {
        if every > lifetime / 2 {
            return Err(invalid(format!(
                "it is longer than half the access token's lifetime ({}), so a token could expire \
                 between two runs; use --every {} or less",
                fmt_duration(lifetime),
                fmt_duration(lifetime / 2)
            )));
        }
    }
    let command = scheduled_command(ctx)?;
    let backend = match backend {
        Some(b) => b,
        None => detect_backend(ctx)?,
    };
    let (mut plan, effective) = plan_install(backend, ctx, &command, every)?;
    // A schedule for this profile in another backend would run twice: remove it.
    for other in others(backend) {
        match plan_remove(other, ctx) {
            Ok(p) => {
                if !p.is_empty() {
                    plan.notes.push(format!(
                        "a schedule for this profile in the {} is removed (it would run twice)",
                        other.name()
                    ));
                }
                plan.extend(p);
            }
            Err(e) => plan.notes.push(format!(
                "could not check the {} for an older schedule: {}",
                other.name(),
                crate::error::chain(&e)
            )),
        }
    }
    Ok(Prepared {
        backend,
        every: effective,
        command,
        plan,
    })
}

/// Applies a [`prepare_install`] plan.
pub fn apply_install(prepared: &Prepared, ctx: &ScheduleContext) -> Result<(), ScheduleError> {
    apply(&prepared.plan, ctx)
}

fn install(
    args: &InstallArgs,
    ctx: &ScheduleContext,
    out: &mut dyn Write,
) -> Result<u8, ScheduleError> {
    let prepared = prepare_install(ctx, args.every, args.backend)?;
    let (backend, effective, cmd, plan) = (
        prepared.backend,
        prepared.every,
        &prepared.command,
        &prepared.plan,
    );
    writeln!(
        out,
        "Schedule for profile {:?}: every {} with the {}.",
        ctx.profile,
        fmt_duration(effective),
        backend.name()
    )?;
    writeln!(out, "Command: {}", cmd.display())?;
    for note in &plan.notes {
        writeln!(out, "note: {note}")?;
    }
    if plan.is_empty() {
        writeln!(out, "Already installed; nothing to change.")?;
        return Ok(EXIT_OK);
    }
    let mut rerun = format!(
        "figma-auth schedule install --write --every {}",
        fmt_duration(args.every)
    );
    if let Some(b) = args.backend {
        rerun.push_str(&format!(" --backend {}", backend_arg(b)));
    }
    if ctx.profile != "default" {
        rerun.push_str(&format!(" --profile {}", sh_quote(&ctx.profile)));
    }
    if !confirm_apply(plan, ctx, args.write, args.dry_run, &rerun, out)? {
        return Ok(EXIT_OK);
    }
    apply(plan, ctx)?;
    writeln!(
        out,
        "Installed. Each run appends a line to {}; check it with `{}`.",
        ctx.env.display(&log::log_path(&ctx.state_dir())),
        ctx.self_command("schedule status")
    )?;
    let exe = ctx.exe.to_string_lossy();
    if exe.contains("/target/debug/")
        || exe.contains("/target/release/")
        || exe.starts_with("/tmp/")
    {
        writeln!(
            out,
            "warning: {exe} looks like a build or temporary directory; the schedule stops working \
             if it is removed. Install figma-auth (e.g. `cargo install`) and run this again from there."
        )?;
    }
    Ok(EXIT_OK)
}

fn backend_arg(b: Backend) -> &'static str {
    match b {
        Backend::Systemd => "systemd",
        Backend::Launchd => "launchd",
        Backend::Cron => "cron",
    }
}

fn remove(
    args: &RemoveArgs,
    ctx: &ScheduleContext,
    out: &mut dyn Write,
) -> Result<u8, ScheduleError> {
    validate_profile(&ctx.profile)?;
    let mut plan = Plan::default();
    let backends: Vec<Backend> = match args.backend {
        Some(b) => vec![b],
        None => Backend::ALL.to_vec(),
    };
    for b in backends {
        plan.extend(plan_remove(b, ctx)?);
    }
    for note in &plan.notes {
        writeln!(out, "note: {note}")?;
    }
    if plan.is_empty() {
        writeln!(
            out,
            "No figma-auth schedule for profile {:?}; nothing to remove.",
            ctx.profile
        )?;
        return Ok(EXIT_OK);
    }
    let mut rerun = "figma-auth schedule remove --write".to_string();
    if let Some(b) = args.backend {
        rerun.push_str(&format!(" --backend {}", backend_arg(b)));
    }
    if ctx.profile != "default" {
        rerun.push_str(&format!(" --profile {}", sh_quote(&ctx.profile)));
    }
    if !confirm_apply(&plan, ctx, args.write, args.dry_run, &rerun, out)? {
        return Ok(EXIT_OK);
    }
    apply(&plan, ctx)?;
    writeln!(out, "Removed the schedule for profile {:?}.", ctx.profile)?;
    Ok(EXIT_OK)
}

/// Something off with the schedule, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub fix: String,
}

/// What `schedule status` found (also for `doctor`).
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub installed: Vec<Installed>,
    pub last_run: Option<RunLogEntry>,
    pub log_path: PathBuf,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

/// Looks for the profile's schedule in `backend` (or every backend) and checks it.
pub fn status_report(
    ctx: &ScheduleContext,
    backend: Option<Backend>,
) -> Result<StatusReport, ScheduleError> {
    validate_profile(&ctx.profile)?;
    let mut report = StatusReport {
        installed: Vec::new(),
        last_run: None,
        log_path: log::log_path(&ctx.state_dir()),
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let reinstall = ctx.self_command("schedule install --write");
    for b in backend
        .map(|b| vec![b])
        .unwrap_or_else(|| Backend::ALL.to_vec())
    {
        match inspect(b, ctx) {
            Ok(Some(found)) => report.installed.push(found),
            Ok(None) => {}
            Err(e) => report.notes.push(format!(
                "could not check the {}: {}",
                b.name(),
                crate::error::chain(&e)
            )),
        }
    }
    report.last_run = match log::last_run(&ctx.state_dir(), &ctx.profile) {
        Ok(entry) => entry,
        Err(e) => {
            report.notes.push(format!("cannot read the run log: {e}"));
            None
        }
    };
    if report.installed.is_empty() {
        report.problems.push(Problem {
            message: format!("no schedule for profile {:?}", ctx.profile),
            fix: reinstall,
        });
        return Ok(report);
    }
    if report.installed.len() > 1 {
        report.problems.push(Problem {
            message: "the profile is scheduled more than once, so refreshes run twice".to_string(),
            fix: reinstall.clone(),
        });
    }
    let expected = scheduled_command(ctx).ok();
    for found in &report.installed {
        match found.command.program() {
            Some(p) if exec::is_executable(p) => {}
            Some(p) => report.problems.push(Problem {
                message: format!(
                    "the scheduled binary {} no longer exists or is not executable",
                    p.display()
                ),
                fix: reinstall.clone(),
            }),
            None => report.problems.push(Problem {
                message: format!(
                    "the {} entry at {} has no command",
                    found.backend.name(),
                    found.location
                ),
                fix: reinstall.clone(),
            }),
        }
        if found.running == Some(false) {
            let message = match found.backend {
                Backend::Systemd => "the systemd timer is installed but not active",
                _ => "the LaunchAgent is installed but not loaded",
            };
            report.problems.push(Problem {
                message: message.to_string(),
                fix: reinstall.clone(),
            });
        }
        if let Some(expected) = &expected {
            if *expected != found.command {
                report.notes.push(format!(
                    "the {} runs a different command than `schedule install` would write now \
                     ({}); `{reinstall}` updates it",
                    found.backend.name(),
                    expected.display()
                ));
            }
        }
    }
    if let Some(last) = &report.last_run {
        if last.exit_code != 0 {
            report.problems.push(Problem {
                message: format!(
                    "the last scheduled run failed (exit {}): {}",
                    last.exit_code, last.summary
                ),
                fix: format!(
                    "{} (shows the full error)",
                    ctx.self_command("refresh --write")
                ),
            });
        }
    }
    // No run logged for three intervals (plus slack) since the later of the last run and the
    // install: the scheduler is not running it.
    let primary = &report.installed[0];
    if let Some(interval) = primary.interval {
        let since = match (report.last_run.as_ref().and_then(|r| r.at), primary.written) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(since) = since {
            let quiet = ctx.now.duration_since(since).unwrap_or_default();
            if quiet > interval * 3 + Duration::from_secs(300) {
                let check = match primary.backend {
                    Backend::Systemd => {
                        format!("systemctl --user status {}", systemd_files(ctx).timer_name)
                    }
                    Backend::Launchd => format!(
                        "launchctl print gui/$(id -u)/{}",
                        launchd::label(&ctx.profile)
                    ),
                    Backend::Cron => {
                        "systemctl status cron (is the cron daemon running?)".to_string()
                    }
                };
                report.problems.push(Problem {
                    message: format!(
                        "no run logged for {} although it should run every {}",
                        fmt_duration(quiet),
                        fmt_duration(interval)
                    ),
                    fix: check,
                });
            }
        }
    }
    Ok(report)
}

fn status(
    args: &StatusArgs,
    ctx: &ScheduleContext,
    out: &mut dyn Write,
) -> Result<u8, ScheduleError> {
    let report = status_report(ctx, args.backend)?;
    writeln!(out, "Profile: {}", ctx.profile)?;
    for found in &report.installed {
        let running = match found.running {
            Some(true) => ", active",
            Some(false) => ", NOT active",
            None => "",
        };
        writeln!(
            out,
            "Scheduler: {} ({}{running})",
            found.backend.name(),
            found.location
        )?;
        match found.interval {
            Some(i) => writeln!(out, "Interval: every {}", fmt_duration(i))?,
            None => writeln!(out, "Interval: unknown (not written by figma-auth?)")?,
        }
        writeln!(out, "Command: {}", found.command.display())?;
    }
    let log_shown = ctx.env.display(&report.log_path);
    match &report.last_run {
        Some(last) => {
            let ago = last
                .at
                .and_then(|at| ctx.now.duration_since(at).ok())
                .map(|d| {
                    format!(
                        " ({} ago)",
                        fmt_duration(Duration::from_secs(d.as_secs() / 60 * 60))
                    )
                })
                .unwrap_or_default();
            let result = if last.exit_code == 0 { "ok" } else { "FAILED" };
            writeln!(
                out,
                "Last run: {}{ago}, {result} (exit {}): {}",
                last.when, last.exit_code, last.summary
            )?;
        }
        None if !report.installed.is_empty() => {
            writeln!(out, "Last run: none logged yet in {log_shown}")?
        }
        None => {}
    }
    for note in &report.notes {
        writeln!(out, "note: {note}")?;
    }
    for p in &report.problems {
        writeln!(out, "problem: {}\n  fix: {}", p.message, p.fix)?;
    }
    Ok(if report.problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_PROBLEM
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_bounded() {
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_interval("1h 30min"), Ok(Duration::from_secs(5400)));
        assert!(parse_interval("59s").is_err());
        assert!(parse_interval("25h").is_err());
        assert!(parse_interval("soon").is_err());
    }

    #[test]
    fn profile_names_are_checked() {
        for ok in ["default", "work", "a.b_c-1"] {
            assert!(validate_profile(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", "a b", "a/b", "a%b", &"x".repeat(65)] {
            assert!(validate_profile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_with_credentials_are_refused() {
        assert!(check_url("--mcp-url", "https://mcp.figma.com/mcp").is_ok());
        let err = check_url("--mcp-url", "https://u:hunter2@mcp.figma.com/mcp").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
