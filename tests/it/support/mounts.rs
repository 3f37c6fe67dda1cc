//! Mounts made by tests (as root): a tiny tmpfs to fill up, a read-only directory whose file
//! stays writable in place; unmounted on drop, also when the test fails.

use super::{is_root, write};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A mount made by a test, unmounted on drop (also when the test fails).
pub struct Mount {
    target: PathBuf,
}

impl Mount {
    fn run(args: &[&str]) -> Result<(), String> {
        let o = Command::new("mount")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "mount {args:?} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    }

    /// A tmpfs of `size` (e.g. `64k`) on `dir`, writable.
    pub fn tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
        fs::create_dir_all(dir).unwrap();
        let d = dir.to_str().unwrap();
        Self::run(&[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0755"),
            "tmpfs",
            d,
        ])?;
        Ok(Mount {
            target: dir.to_path_buf(),
        })
    }

    /// `src` bind-mounted on `dst` (an existing file or directory).
    pub fn bind(src: &Path, dst: &Path) -> Result<Mount, String> {
        Self::run(&["--bind", src.to_str().unwrap(), dst.to_str().unwrap()])?;
        Ok(Mount {
            target: dst.to_path_buf(),
        })
    }

    /// Makes the mount read-only.
    pub fn read_only(&self) -> Result<(), String> {
        Self::run(&["-o", "remount,ro", self.target.to_str().unwrap()])
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let t = self.target.to_str().unwrap();
        let ok = Command::new("umount")
            .arg(t)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").args(["-l", t]).status();
        }
    }
}

/// Fills the file system holding `dir` with a file until it is full; returns the file.
pub fn fill_up(dir: &Path) -> PathBuf {
    use std::io::Write;
    let p = dir.join("zz-filler");
    let mut f = fs::File::create(&p).unwrap();
    let chunk = vec![0u8; 1024];
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling {}: {e}", p.display()),
        }
    }
    // A write of a few more bytes must fail now.
    let err = f.write_all(&chunk).and_then(|()| f.sync_all()).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(28), "{err}");
    p
}

/// Makes `dir` not writable for figma-auth while the file `file` in it stays writable (so a
/// write in place would succeed): as root, a read-only tmpfs on `dir` with the file bind-mounted
/// from a writable place; otherwise mode 0555. Panics with a clear message when neither works.
pub struct ReadOnlyDir {
    _mounts: Vec<Mount>,
    dir: PathBuf,
    pub chmodded: bool,
}

impl ReadOnlyDir {
    pub fn with_file(dir: &Path, file_name: &str, content: &[u8], outside: &Path) -> ReadOnlyDir {
        let file = dir.join(file_name);
        let made = if is_root() {
            let setup = || -> Result<Vec<Mount>, String> {
                let fs_mount = Mount::tmpfs(dir, "64k")?;
                fs::write(&file, b"placeholder").map_err(|e| e.to_string())?;
                write(outside, content);
                let file_mount = Mount::bind(outside, &file)?;
                fs_mount.read_only()?;
                // Unmount the file first, then the directory.
                Ok(vec![file_mount, fs_mount])
            };
            match setup() {
                Ok(m) => ReadOnlyDir {
                    _mounts: m,
                    dir: dir.to_path_buf(),
                    chmodded: false,
                },
                Err(e) => panic!(
                    "running as root, but cannot make {} read-only with a tmpfs mount ({e}); \
                     this test needs either a non-root user (chmod 0555) or CAP_SYS_ADMIN",
                    dir.display()
                ),
            }
        } else {
            write(&file, content);
            fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
            ReadOnlyDir {
                _mounts: Vec::new(),
                dir: dir.to_path_buf(),
                chmodded: true,
            }
        };
        // The directory really refuses new files, and the file itself is writable.
        let probe = dir.join(".probe");
        if fs::write(&probe, b"x").is_ok() {
            let _ = fs::remove_file(&probe);
            panic!(
                "could not make {} non-writable (neither a read-only mount nor mode 0555 stops this user)",
                dir.display()
            );
        }
        fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap_or_else(|e| panic!("{} should stay writable in place: {e}", file.display()));
        made
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.chmodded {
            let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o755));
        }
    }
}
