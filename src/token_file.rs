//! The token file: a profile's bare access token in `<config dir>/tokens/<profile>.token` (0600, no
//! newline), for clients that read a header value from a file (opencode's `{file:…}`).

use crate::fs::FsError;
use crate::secret::AccessToken;
use crate::store::Store;
use std::path::PathBuf;

/// What [`sync`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Synced {
    /// There is no token file and none was asked for: nothing done.
    Absent,
    /// The file already held the token: not written (its mtime is unchanged).
    Unchanged,
    /// The file held another token and was replaced.
    Updated(PathBuf),
    /// The file did not exist and was created.
    Created(PathBuf),
}

/// Makes `profile`'s token file hold `token`: rewritten atomically when it exists and differs,
/// created (with its private directory) only when `create` is set. A mode looser than 0600 is
/// tightened. Under the profile's store lock when called from a refresh or a login, so writers
/// never race.
///
/// The config is written once and only this file changes. It is created only on request (`create`);
/// every later refresh rewrites it atomically, and only when its content differs.
pub(crate) fn sync(
    store: &Store,
    profile: &str,
    token: &AccessToken,
    create: bool,
) -> Result<Synced, FsError> {
    let path = store.token_file_path(profile);
    if let Err(reason) = crate::store::validate_profile(profile) {
        return Err(FsError::io(
            "refusing a token file for an invalid profile name",
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, reason),
        ));
    }
    // Through the snapshot reader: a FIFO or a device at the path is refused, not opened.
    let current = crate::fs::read_snapshot(&path)?.bytes.map(|b| b.to_vec());
    match current {
        None if !create => Ok(Synced::Absent),
        Some(bytes) if bytes == token.expose().as_bytes() => {
            tighten(&path)?;
            Ok(Synced::Unchanged)
        }
        existing => {
            crate::fs::create_private_dir(store.base_dir())?;
            crate::fs::create_private_dir(&store.tokens_dir())?;
            // A killed run may have left a temp file holding a token beside it.
            crate::fs::remove_stale_temps(&path);
            tighten(&path)?;
            crate::fs::write_atomic(&path, token.expose().as_bytes(), 0o600)?;
            Ok(if existing.is_some() {
                Synced::Updated(path)
            } else {
                Synced::Created(path)
            })
        }
    }
}

/// Sets an existing token file readable by the user only (the atomic replace keeps the mode it
/// finds, so a loosened file is tightened before it is rewritten).
fn tighten(path: &std::path::Path) -> Result<(), FsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.is_file()
            && m.permissions().mode() & 0o077 != 0
        {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| FsError::io("cannot set the mode of", path, e))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "figu_TOKEN_FILE_CANARY_1111111111";
    const T2: &str = "figu_TOKEN_FILE_CANARY_2222222222";

    #[cfg(unix)]
    fn mode(p: &std::path::Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn absent_stays_absent_unless_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("figma-auth"));
        let t = AccessToken::new(T1);
        assert_eq!(sync(&store, "default", &t, false).unwrap(), Synced::Absent);
        assert!(!store.tokens_dir().exists());
        let path = store.token_file_path("default");
        assert_eq!(
            sync(&store, "default", &t, true).unwrap(),
            Synced::Created(path.clone())
        );
        assert_eq!(std::fs::read(&path).unwrap(), T1.as_bytes(), "no newline");
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&store.tokens_dir()), 0o700);
            assert_eq!(mode(store.base_dir()), 0o700);
        }
        assert!(path.ends_with("figma-auth/tokens/default.token"));
    }

    #[test]
    fn rewritten_only_when_different() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("figma-auth"));
        let path = store.token_file_path("p");
        sync(&store, "p", &AccessToken::new(T1), true).unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(
            sync(&store, "p", &AccessToken::new(T1), false).unwrap(),
            Synced::Unchanged
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
        assert_eq!(
            sync(&store, "p", &AccessToken::new(T2), false).unwrap(),
            Synced::Updated(path.clone())
        );
        assert_eq!(std::fs::read(&path).unwrap(), T2.as_bytes());
        let names: Vec<_> = std::fs::read_dir(store.tokens_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_loosened_file_is_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("figma-auth"));
        let path = store.token_file_path("p");
        sync(&store, "p", &AccessToken::new(T1), true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        sync(&store, "p", &AccessToken::new(T1), false).unwrap();
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        sync(&store, "p", &AccessToken::new(T2), false).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn errors_name_the_path_and_never_the_token() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("figma-auth"));
        // A directory where the file should be: cannot be replaced.
        std::fs::create_dir_all(store.token_file_path("p")).unwrap();
        let e = sync(&store, "p", &AccessToken::new(T1), true).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(text.contains("p.token"), "{text}");
        assert!(!text.contains(T1), "{text}");
        assert!(sync(&store, "../x", &AccessToken::new(T1), true).is_err());
    }
}
