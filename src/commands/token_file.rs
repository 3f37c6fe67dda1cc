//! The command-level side of [`crate::token_file`]: keep the profile's token file current after a
//! refresh or a login ([`after_save`], which never fails the command: a failure is a warning
//! naming the file and the fix), and create it on request ([`create_token_file`], for `setup`'s
//! file mode).

use super::Context;
use crate::error::Error;
use crate::store::TokenRecord;
pub use crate::token_file::Synced;

/// Rewrites the token file when it exists and holds another token. Call with the store lock
/// held, after the token was saved.
pub fn sync_token_file(ctx: &Context, token: &TokenRecord) -> Result<Synced, Error> {
    crate::token_file::sync(&ctx.store, ctx.profile(), &token.access_token, false)
        .map_err(|e| Error::Apply(e.into()))
}

/// Creates the token file (or brings it up to date): what a config in file mode points at.
pub fn create_token_file(ctx: &Context, token: &TokenRecord) -> Result<Synced, Error> {
    crate::token_file::sync(&ctx.store, ctx.profile(), &token.access_token, true)
        .map_err(|e| Error::Apply(e.into()))
}

/// [`sync_token_file`] after a token was saved: the token itself is safe in the store, so a
/// failure here only warns (clients reading the file keep the old token until it is fixed).
pub fn after_save(ctx: &Context, token: &TokenRecord) {
    if let Err(e) = sync_token_file(ctx, token) {
        crate::ui::warning(format_args!(
            "could not update the token file ({}); clients reading it keep the old token until `figma-auth refresh --force{}` succeeds",
            crate::error::chain(&e),
            ctx.flags()
        ));
    }
}
