//! `setup --mode`: which mode each client gets, and the entry each mode writes.

use super::Context;
use crate::apply::{self, Job};
use crate::cli::SetupArgs;
use crate::clients::{self, AuthContext, Client, Mode};
use crate::error::Error;
use crate::secret::AccessToken;

/// The token file of file mode, written from the stored token.
pub(super) fn create_token_file(ctx: &Context) -> Result<(), Error> {
    let record = ctx
        .store
        .load(ctx.profile())?
        .and_then(|d| d.token)
        .ok_or_else(|| crate::session::login_required(ctx, "no tokens are stored"))?;
    crate::session::create_token_file(ctx, &record)?;
    Ok(())
}

/// The client was named with `--target` (not found by detection, nor by `all`).
pub(super) fn named(args: &SetupArgs, id: &str) -> bool {
    args.configs
        .targets
        .iter()
        .flat_map(|n| n.split(','))
        .any(|n| n.trim() == id)
}

/// The mode of each client for `--mode mode`: the mode itself where the client has it. A client
/// named with `--target` that lacks it is a usage error; with no client named (every detected
/// one, or `all`), the others get the best mode they have ([`FALLBACK`]).
pub(super) fn modes_for(
    args: &SetupArgs,
    mode: Mode,
    targets: &[&'static Client],
) -> Result<Vec<(&'static str, Mode)>, Error> {
    let named = |id: &str| named(args, id);
    let mut out = Vec::new();
    for t in targets {
        let m = if t.modes().contains(&mode) {
            mode
        } else if named(t.id) {
            return Err(Error::Usage(
                t.check_mode(mode)
                    .expect_err("the mode is missing")
                    .to_string(),
            ));
        } else {
            FALLBACK
                .iter()
                .copied()
                .find(|m| t.modes().contains(m))
                .unwrap_or(t.default_mode())
        };
        out.push((t.id, m));
    }
    Ok(out)
}

/// The modes a client without the requested one gets, best first: no token in the file and
/// always fresh (helper), no token in the file (file), else the token inline (kept fresh by
/// `refresh --write`). Env mode is used only when asked for: it needs the variable exported
/// where the client starts.
const FALLBACK: [Mode; 3] = [Mode::Helper, Mode::File, Mode::Inline];

/// One line saying which client got which mode, when not all got the requested one.
pub(super) fn say_modes(ctx: &Context, args: &SetupArgs, modes: &[(&'static str, Mode)]) {
    let Some(asked) = args.mode else { return };
    if modes.iter().all(|(_, m)| *m == asked) {
        return;
    }
    let name = |id: &str| clients::by_id(id).map_or("?", |t| t.name);
    let mut groups: Vec<(Mode, Vec<&str>)> = Vec::new();
    for (id, m) in modes {
        match groups.iter_mut().find(|(g, _)| g == m) {
            Some((_, names)) => names.push(name(id)),
            None => groups.push((*m, vec![name(id)])),
        }
    }
    groups.sort_by_key(|(m, _)| *m != asked);
    let parts: Vec<String> = groups
        .iter()
        .map(|(m, names)| {
            let why = if *m == asked {
                String::new()
            } else {
                format!(" (no {asked} mode)")
            };
            format!("{m} for {}{why}", names.join(", "))
        })
        .collect();
    ctx.ui.line(format_args!("Modes: {}.", parts.join("; ")));
}

/// Gives every job the credentials mechanism of its client's mode (an explicit `--mode`:
/// entries in another mode are switched).
pub(super) fn with_mode(
    ctx: &Context,
    args: &SetupArgs,
    modes: &[(&'static str, Mode)],
    token: &AccessToken,
    jobs: &mut [Job],
) -> Result<(), Error> {
    // Only helper mode names this binary (and refuses one run from an `npx` cache).
    let (helper_command, token_command) = match modes.iter().any(|(_, m)| *m == Mode::Helper) {
        true => (
            Some(helper_command(ctx, "header --json")?),
            Some(helper_command(ctx, "token")?),
        ),
        false => (None, None),
    };
    // Proxy mode names it too, as the program the client starts.
    let proxy_command = match modes.iter().any(|(_, m)| *m == Mode::Proxy) {
        true => Some(proxy_command(ctx)?),
        false => None,
    };
    let token_file = ctx.store.token_file_path(ctx.profile());
    let actx = AuthContext {
        token: Some(token),
        helper_command: helper_command.as_deref(),
        token_command: token_command.as_deref(),
        token_file: Some(&token_file),
        env_var: &args.env_var,
        proxy_command: proxy_command.as_deref(),
    };
    let usage = |e: clients::ModeError| Error::Usage(e.to_string());
    if args.mode.is_some() {
        return apply::with_modes(jobs, modes, &actx).map_err(usage);
    }
    // No mode asked for: only the clients without inline mode get theirs; the others keep the
    // default update.
    for job in jobs.iter_mut() {
        let own = modes
            .iter()
            .find(|(id, m)| *id == job.file.client.id && *m != Mode::Inline);
        if let Some((_, m)) = own {
            job.desired = Some(job.file.auth(*m, &actx).map_err(usage)?);
            job.mode = *m;
        }
    }
    Ok(())
}

/// The command line a client starts in proxy mode: this binary's absolute path, `proxy`, the
/// profile, and the authorization server and MCP URL when they are not Figma's (the client
/// starts it with its own environment, which may lack this shell's variables).
pub(super) fn proxy_command(ctx: &Context) -> Result<Vec<String>, Error> {
    let mut argv = vec![
        ctx.exe()?.to_string_lossy().into_owned(),
        "proxy".to_string(),
        "--profile".to_string(),
        ctx.profile().to_string(),
    ];
    if let Some(url) = ctx.explicit_auth_server() {
        argv.extend(["--auth-server".to_string(), url]);
    }
    if let Some(url) = ctx.explicit_mcp_url() {
        argv.extend(["--mcp-url".to_string(), url]);
    }
    Ok(argv)
}

/// Without `--mode`: an entry in helper mode whose command runs a binary that is gone (moved,
/// uninstalled, an upgrade elsewhere) is rewritten to run this one, its mode kept; every other
/// entry keeps its mechanism.
pub(super) fn repair_helpers(ctx: &Context, jobs: &mut [Job]) -> Result<(), Error> {
    let mut commands: Option<(String, String)> = None;
    for job in jobs.iter_mut().filter(|j| j.desired.is_none()) {
        let Ok(crate::edit::Inspection::Found(entry)) = apply::inspect_file(&job.file, &job.server)
        else {
            continue;
        };
        if job.file.client.broken_helper(&entry).is_none() {
            continue;
        }
        let (header, token) = match &commands {
            Some(c) => c,
            None => commands.insert((
                helper_command(ctx, "header --json")?,
                helper_command(ctx, "token")?,
            )),
        };
        let actx = AuthContext {
            helper_command: Some(header),
            token_command: Some(token),
            ..AuthContext::default()
        };
        job.desired = Some(
            job.file
                .auth(Mode::Helper, &actx)
                .map_err(|e| Error::Usage(e.to_string()))?,
        );
        job.mode = Mode::Helper;
    }
    Ok(())
}

/// A command a client runs in helper mode: this binary's absolute path ([`Context::exe`]),
/// shell-quoted (clients run it through a shell), the subcommand (`header --json` for a client
/// that takes the header, `token` for one that embeds the output in its header), and the
/// profile when it is not the default.
fn helper_command(ctx: &Context, subcommand: &str) -> Result<String, Error> {
    let exe = ctx.exe()?;
    Ok(format!(
        "{} {subcommand}{}",
        crate::shell_quote::sh_quote(&exe.to_string_lossy()),
        ctx.flags()
    ))
}
