//! The backup of a config file's original bytes, made the first time figma-auth changes it.

use std::path::{Path, PathBuf};

use super::fault::fault_point;
use super::{create_private_dir, remove_stale_temps, write_atomic, FsError};

/// Keeps a copy of `file`'s current bytes under `backup_dir` the first time figma-auth changes
/// it (later changes keep the first backup: it is the user's original). The copy is 0600.
/// Returns the backup's path, or `None` when a backup already existed or the file is new.
pub(crate) fn backup_once(
    file: &Path,
    bytes: &[u8],
    backup_dir: &Path,
) -> Result<Option<PathBuf>, FsError> {
    create_private_dir(backup_dir)?;
    let name = backup_name(file);
    let dest = backup_dir.join(name);
    // A run killed while writing a backup left a temp copy (which may hold a token).
    remove_stale_temps(&dest);
    if dest.exists() {
        return Ok(None);
    }
    fault_point("backup", file).map_err(|e| FsError::io("cannot back up", file, e))?;
    write_atomic(&dest, bytes, 0o600)?;
    Ok(Some(dest))
}

/// A flat, reversible-enough file name for a backup of `file`: its path with separators replaced.
fn backup_name(file: &Path) -> String {
    let s = file.to_string_lossy();
    let mut out = String::with_capacity(s.len() + 5);
    for c in s.trim_start_matches('/').chars() {
        match c {
            '/' | '\\' => out.push_str("%2F"),
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out.push_str(".orig");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::atomic::TEMP_MARK;
    use std::fs;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[cfg(unix)]
    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    #[test]
    fn private_dir_is_0700_and_backup_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("a/b");
        create_private_dir(&store).unwrap();
        assert_eq!(mode_of(&store), 0o700);
        let f = Path::new("/home/u/.claude.json");
        let first = backup_once(f, b"original", &store).unwrap().unwrap();
        assert_eq!(mode_of(&first), 0o600);
        assert!(backup_once(f, b"second", &store).unwrap().is_none());
        assert_eq!(fs::read(first).unwrap(), b"original");
    }

    #[test]
    fn a_killed_backup_leaves_no_temp_after_the_next_backup() {
        let dir = tempfile::tempdir().unwrap();
        let f = Path::new("/home/u/.cursor/mcp.json");
        let dest = dir.path().join(backup_name(f));
        // pid 0 never names a live process in /proc
        let stale = dir
            .path()
            .join(format!(".{}{TEMP_MARK}0.abc", backup_name(f)));
        fs::write(&stale, "Bearer figu_half_written").unwrap();
        backup_once(f, b"original", dir.path()).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"original");
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
    }
}
