//! Files of a test's world: writing configs and fake programs, reading them back, the client
//! configs the tests start from, and the tree walks that prove nothing else was written.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// The token a config holds before figma-auth touches it (the fixtures' old tokens all start
/// with `figu_FIXTURE_OLD_TOKEN` too).
pub const OLD: &str = "figu_FIXTURE_OLD_TOKEN_0000";

/// SIGABRT, the signal of the `abort` fault.
pub const SIGABRT: i32 = 6;

/// Writes `content` to `path`, creating its directories (with the test process's umask).
pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// Writes an executable script (mode 0755) without the test process ever holding a file
/// descriptor open for writing on it: `sh` writes it. Were the test process to write it, a
/// `fork` by another test thread between the write and the `close` would keep a copy of that
/// descriptor open in the child until the child's `exec`, and running the script in that window
/// fails with ETXTBSY ("Text file busy").
pub fn write_exec(path: &Path, text: &str) {
    use std::io::Write;
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut child = Command::new("/bin/sh")
        .args([
            "-c",
            "cat > \"$1.new\" && chmod 755 \"$1.new\" && mv -f \"$1.new\" \"$1\"",
            "sh",
        ])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .expect("run sh to write a script");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "cannot write {}", path.display());
}

/// The bytes of `fixtures/<rel>`.
/// Installs a copy of the binary under test at `dest`, as an install would (`cp`: a file of its
/// own, whose mode a test may change, and never a write handle in this process, which a
/// concurrent fork could keep open: ETXTBSY).
pub fn install_binary(dest: &Path) {
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let ok = Command::new("cp")
        .arg(super::BIN)
        .arg(dest)
        .status()
        .expect("run cp")
        .success();
    assert!(ok, "cp {} {}", super::BIN, dest.display());
}

pub fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `path` as text.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` parsed as JSON.
pub fn json_of(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The permission bits of the file `p` points to.
pub fn file_mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The mode bits (setuid, setgid and sticky included) of `p` itself, a link not followed.
pub fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

pub fn chmod(p: &Path, m: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
}

pub fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

/// True when the tests run as root (CI does): permissions do not stop root, mounts do.
pub fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(1) == 0
}

/// A Cursor user config (strict JSON) whose figma entry holds `token`.
pub fn cursor_json(token: &str) -> String {
    format!(
        "{{\n  \"mcpServers\": {{\n    \"other\": {{\n      \"url\": \"https://example.com/mcp\"\n    }},\n    \"figma\": {{\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        \"Authorization\": \"Bearer {token}\"\n      }}\n    }}\n  }}\n}}\n"
    )
}

/// `~/.claude.json` with `n` projects and a user-scope figma entry holding `token`.
pub fn claude_json(n: usize, token: &str) -> String {
    let mut s = String::from("{\n  \"numStartups\": 3,\n  \"projects\": {\n");
    for i in 0..n {
        s.push_str(&format!(
            "    \"/home/user/p{i}\": {{\n      \"allowedTools\": [],\n      \"lastCost\": 0.10{i}\n    }}{}\n",
            if i + 1 < n { "," } else { "" }
        ));
    }
    s.push_str(&claude_servers(token));
    s.push('\n');
    s
}

/// `~/.claude.json` with `n` projects that each hold a history entry (escaped quotes, non-ASCII
/// text), a user-scope figma entry holding `token`, and no final newline.
pub fn claude_json_with_history(n: usize, token: &str) -> String {
    let mut s = String::from("{\n  \"numStartups\": 3,\n  \"projects\": {\n");
    for i in 0..n {
        s.push_str(&format!(
            "    \"/home/user/p{i}\": {{\n      \"allowedTools\": [],\n      \"history\": [\n        {{\n          \"display\": \"step \\\"{i}\\\" ünï\",\n          \"pastedContents\": {{}}\n        }}\n      ],\n      \"lastCost\": 0.10{i}\n    }}{}\n",
            if i + 1 < n { "," } else { "" }
        ));
    }
    s.push_str(&claude_servers(token));
    s
}

fn claude_servers(token: &str) -> String {
    format!(
        "  }},\n  \"mcpServers\": {{\n    \"figma\": {{\n      \"type\": \"http\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        \"Authorization\": \"Bearer {token}\"\n      }}\n    }}\n  }}\n}}"
    )
}

/// The temp files figma-auth writes beside `target` (`.<name>.figma-auth-tmp.*`).
pub fn temps_of(target: &Path) -> Vec<PathBuf> {
    let prefix = format!(
        ".{}.figma-auth-tmp.",
        target.file_name().unwrap().to_string_lossy()
    );
    let mut out: Vec<PathBuf> = fs::read_dir(target.parent().unwrap())
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// True for the name of a temp file of figma-auth's atomic writes.
pub fn is_temp(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().contains(".figma-auth-tmp."))
}

/// Every temp file of figma-auth under `dir`, recursively.
pub fn all_temps(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|(p, _)| is_temp(p))
        .map(|(p, _)| p)
        .collect();
    out.sort();
    out
}

/// Every file under `dir` with its bytes (links and special files with none), to prove nothing
/// was written anywhere.
pub fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = walk(dir)
        .into_iter()
        .filter(|(_, m)| !m.is_dir())
        .map(|(p, m)| {
            let bytes = if m.is_file() {
                fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            } else {
                Vec::new()
            };
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

/// Every entry under `dir` (not `dir` itself), links not followed, with its metadata; a
/// directory that cannot be read is listed but not entered.
pub fn walk(dir: &Path) -> Vec<(PathBuf, fs::Metadata)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let Ok(m) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if m.is_dir() {
                stack.push(e.path());
            }
            out.push((e.path(), m));
        }
    }
    out
}
