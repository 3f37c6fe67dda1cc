//! The client registration of a login: each redirect URI shape in turn, with or without a
//! personal access token, found out from the server's answers rather than guessed.

use super::{cancelled, save_registration, Context};
use crate::cli::LoginArgs;
use crate::error::Error;
use crate::oauth::callback::Listener;
use crate::oauth::{self, discovery, registration, OAuthError, PatSource, PatTrial, RefusalKind};
use crate::secret::Pat;
use crate::store::ClientRecord;
use crate::time::Timestamp;

/// Registers a client, trying each redirect URI path in turn while the server answers
/// `invalid_redirect_uri`; stores the registration that worked. Returns its path and record.
#[allow(clippy::too_many_arguments)]
pub(super) fn register_client(
    ctx: &Context,
    http: &oauth::http::Http,
    meta: &discovery::Metadata,
    args: &LoginArgs,
    listener: &Listener,
    paths: &[String],
    pat: &mut PatState,
    now: Timestamp,
) -> Result<(String, ClientRecord), Error> {
    let mut refused: Vec<String> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let uri = listener.redirect_uri_for(path);
        match register_at(ctx, http, meta, &args.client_name, &uri, pat).map_err(unbox) {
            Ok(reg) => {
                let record = ClientRecord {
                    auth_server: meta.issuer.clone(),
                    registration_endpoint: meta.registration_endpoint.to_string(),
                    client_id: reg.client_id,
                    client_secret: reg.client_secret,
                    client_name: args.client_name.clone(),
                    redirect_uri: uri,
                    registered_at: now,
                    client_id_issued_at: reg.client_id_issued_at,
                    client_secret_expires_at: reg.client_secret_expires_at,
                    token_endpoint_auth_method: reg.token_endpoint_auth_method,
                };
                save_registration(ctx, &record)?;
                return Ok((path.clone(), record));
            }
            Err(Err(OAuthError::RegistrationRefused(r)))
                if r.kind == RefusalKind::InvalidRedirectUri && i + 1 < paths.len() =>
            {
                ctx.ui.line(format_args!(
                    "The authorization server does not accept the redirect URI {uri}; registering {} instead.",
                    listener.redirect_uri_for(&paths[i + 1])
                ));
                refused.push(uri);
            }
            Err(Err(mut e)) => {
                if let OAuthError::RegistrationRefused(r) = &mut e {
                    r.explicit_path.clone_from(&args.callback_path);
                    r.refused_uris = refused;
                }
                return Err(e.into());
            }
            Err(Ok(other)) => return Err(other),
        }
    }
    unreachable!("at least one callback path is tried")
}

/// An OAuth error out of its box (`Err`), or any other error (`Ok`).
fn unbox(e: Error) -> Result<Error, OAuthError> {
    match e {
        Error::OAuth(o) => Err(*o),
        other => Ok(other),
    }
}

/// A refusal by Figma's gate (the allow-list, or the token): 401 or 403.
fn gate_refusal(e: &OAuthError) -> Option<u16> {
    match e {
        OAuthError::RegistrationRefused(r)
            if matches!(r.kind, RefusalKind::Forbidden | RefusalKind::Unauthorized) =>
        {
            Some(r.status)
        }
        _ => None,
    }
}

/// Registers at one redirect URI, with the personal access token when there is one. What the
/// server refused is found out rather than guessed: a refusal with the token is tried once more
/// without it (success: the token was the problem, and is not needed); a refusal without one makes
/// a terminal user be asked once for a token, and the registration is tried again with it.
fn register_at(
    ctx: &Context,
    http: &oauth::http::Http,
    meta: &discovery::Metadata,
    client_name: &str,
    uri: &str,
    pat: &mut PatState,
) -> Result<registration::Registered, Error> {
    let attempt = |p: Option<(&Pat, PatSource)>| {
        registration::register(
            http,
            &meta.registration_endpoint,
            &registration::Request {
                client_name,
                redirect_uri: uri,
                pat: p,
            },
        )
    };
    if let Some((value, source)) = pat.value.take() {
        let with = attempt(Some((&value, source)));
        let Some(status) = with.as_ref().err().and_then(gate_refusal) else {
            pat.value = Some((value, source));
            return Ok(with?);
        };
        let with = with.unwrap_err();
        return match attempt(None) {
            Ok(reg) => {
                ctx.ui.warning(format_args!(
                    "the authorization server rejected the personal access token (HTTP {status}); figma-auth registered without it, which works."
                ));
                Ok(reg)
            }
            Err(without) => match gate_refusal(&without) {
                Some(without_status) => Err(with_pat_trial(
                    with,
                    PatTrial::SentAndWithout {
                        source,
                        without: without_status,
                    },
                )
                .into()),
                None => Err(without.into()),
            },
        };
    }
    let first = attempt(None);
    let Some(status) = first.as_ref().err().and_then(gate_refusal) else {
        return Ok(first?);
    };
    let first = first.unwrap_err();
    if !pat.can_ask() {
        let asked = pat.asked;
        return Err(with_pat_trial(first, PatTrial::None { asked }).into());
    }
    match pat.ask(ctx, client_name, status, &first)? {
        None => Err(with_pat_trial(first, PatTrial::None { asked: true }).into()),
        Some(value) => match attempt(Some((&value, PatSource::Prompt))) {
            Err(e) if gate_refusal(&e).is_some() => Err(with_pat_trial(
                e,
                PatTrial::SentAndWithout {
                    source: PatSource::Prompt,
                    without: status,
                },
            )
            .into()),
            other => Ok(other?),
        },
    }
}

fn with_pat_trial(mut e: OAuthError, trial: PatTrial) -> OAuthError {
    if let OAuthError::RegistrationRefused(r) = &mut e {
        r.pat = trial;
    }
    e
}

/// The personal access token of this login: from `--pat-stdin`, `FIGMA_PERSONAL_ACCESS_TOKEN`, or
/// (only after a refusal, once) the hidden prompt.
pub(super) struct PatState {
    value: Option<(Pat, PatSource)>,
    /// A terminal user can be asked (stdin and stderr are terminals; not with `--pat-stdin`).
    can_prompt: bool,
    asked: bool,
}

impl PatState {
    pub(super) fn new(ctx: &Context, args: &LoginArgs) -> Result<Self, Error> {
        let can_prompt = !args.pat_stdin && ctx.ui.interactive();
        if args.pat_stdin {
            // Through the one stdin reader of the run; hidden on a terminal.
            let v = if ctx.ui.stdin_tty {
                ctx.ui.read_hidden("Personal access token (hidden): ")
            } else {
                ctx.ui.read_line()
            }
            .map_err(|_| cancelled())?
            .unwrap_or_default();
            let v = v.trim();
            if v.is_empty() {
                return Err(Error::Usage(
                    "--pat-stdin: stdin holds no personal access token (pipe it in, e.g. `figma-auth login --pat-stdin < token-file`)".to_string(),
                ));
            }
            return Ok(Self {
                value: Some((valid_pat(v)?, PatSource::Stdin)),
                can_prompt,
                asked: false,
            });
        }
        let value = match crate::secret::pat_from_env() {
            Some(v) if !v.trim().is_empty() => Some((valid_pat(v.trim())?, PatSource::Env)),
            _ => None,
        };
        Ok(Self {
            value,
            can_prompt,
            asked: false,
        })
    }

    fn can_ask(&self) -> bool {
        self.can_prompt && !self.asked
    }

    /// Asks once, after the server refused a registration without a token.
    fn ask(
        &mut self,
        ctx: &Context,
        client_name: &str,
        status: u16,
        refusal: &OAuthError,
    ) -> Result<Option<Pat>, Error> {
        self.asked = true;
        let said = match refusal {
            OAuthError::RegistrationRefused(r) if !r.detail.is_empty() => {
                format!(": {}", r.detail)
            }
            _ => String::new(),
        };
        ctx.ui.line(format_args!(
            "The authorization server refused to register the client name {client_name:?} without a personal access token (HTTP {status}{said})."
        ));
        ctx.ui.line(format_args!(
            "A Figma personal access token is optional, but may get the registration accepted. It is sent once, \
             to the registration endpoint, and never stored. Create one in Figma under Settings → Security → \
             Personal access tokens."
        ));
        let v = ctx
            .ui
            .read_hidden("Personal access token (hidden; press Enter to skip): ")
            .map_err(|_| cancelled())?
            .unwrap_or_default();
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        match valid_pat(v) {
            Ok(p) => Ok(Some(p)),
            Err(e) => {
                ctx.ui.warning(e);
                Ok(None)
            }
        }
    }
}

fn valid_pat(v: &str) -> Result<Pat, Error> {
    if v.len() <= 4096 && v.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(Pat::new(v))
    } else {
        Err(Error::Usage(
            "the personal access token contains spaces or characters other than printable ASCII; paste it again".to_string(),
        ))
    }
}
