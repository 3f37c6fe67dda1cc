use super::*;
use std::fs;

fn guard(dir: &Path, lock: ClientLock) -> Guard {
    Guard {
        lock,
        flock: match lock {
            ClientLock::Flock(name) => Some(dir.join(name)),
            _ => None,
        },
        backup_dir: Some(dir.join("backups")),
        lock_wait: Duration::from_millis(200),
        mode_rule: ModeRule::Keep,
    }
}

fn replace_ab(text: Option<&str>) -> Result<(Edit, ()), ApplyError> {
    let t = text.unwrap_or("");
    Ok((
        match t.find("OLD") {
            Some(i) => Edit::Splice {
                range: i..i + 3,
                replacement: "NEW".into(),
                notes: vec![],
            },
            None => Edit::Unchanged,
        },
        (),
    ))
}

#[test]
fn splice_keeps_the_rest_and_backs_up_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, "{\"a\": \"OLD\", \"b\": OLD }\r\n").unwrap();
    let ((), wrote) = write_locked(
        &p,
        &guard(dir.path(), ClientLock::LockDir),
        |_| true,
        replace_ab,
    )
    .unwrap();
    let Some(Wrote {
        backup: Some(b), ..
    }) = wrote
    else {
        panic!("{wrote:?}")
    };
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        "{\"a\": \"NEW\", \"b\": OLD }\r\n"
    );
    assert_eq!(
        fs::read_to_string(&b).unwrap(),
        "{\"a\": \"OLD\", \"b\": OLD }\r\n"
    );
    // second change: the backup keeps the original
    write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        replace_ab,
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(&b).unwrap(),
        "{\"a\": \"OLD\", \"b\": OLD }\r\n"
    );
    assert!(!dir.path().join("c.json.lock").exists());
}

#[test]
fn large_files_are_mapped_and_spliced_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".claude.json");
    let filler = "x".repeat(crate::fs::MAP_MIN as usize + 1000);
    let before = format!("{{\"a\": \"{filler}\", \"t\": \"OLD\", \"ü\": 1}}");
    fs::write(&p, &before).unwrap();
    let (snap, _) = crate::fs::read_snapshot_with_handle(&p).unwrap();
    assert!(matches!(snap.bytes, Some(crate::fs::Contents::Mapped(_))));
    drop(snap);
    write_locked(
        &p,
        &guard(dir.path(), ClientLock::LockDir),
        |_| true,
        replace_ab,
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        before.replace("OLD", "NEW")
    );
}

#[test]
fn unchanged_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, "current").unwrap();
    let before = fs::metadata(&p).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let ((), wrote) = write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        replace_ab,
    )
    .unwrap();
    assert_eq!(wrote, None);
    assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
    assert!(!dir.path().join("backups").exists());
}

#[test]
fn held_client_lock_means_busy_and_no_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".claude.json");
    fs::write(&p, "OLD").unwrap();
    let _held = DirLock::acquire(&p, Duration::from_secs(1)).unwrap();
    let err = write_locked(
        &p,
        &guard(dir.path(), ClientLock::LockDir),
        |_| true,
        replace_ab,
    )
    .unwrap_err();
    assert!(err.is_busy(), "{err}");
    assert_eq!(fs::read_to_string(&p).unwrap(), "OLD");
}

#[test]
fn a_write_between_read_and_rename_is_replanned() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, "x OLD").unwrap();
    let mut calls = 0;
    let (n, wrote) = write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        |text| {
            calls += 1;
            if calls == 1 {
                // another program writes while we plan
                fs::write(&p, "another program's OLD value").unwrap();
            }
            replace_ab(text).map(|(e, ())| (e, calls))
        },
    )
    .unwrap();
    assert!(wrote.is_some());
    // The decision returned is the last attempt's.
    assert_eq!((calls, n), (2, 2));
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        "another program's NEW value"
    );
}

#[test]
fn non_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, b"{\"a\": \"\xff OLD\"}").unwrap();
    let err = write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        replace_ab,
    )
    .unwrap_err();
    assert!(
        matches!(err, ApplyError::NotUtf8 { offset: 7, .. }),
        "{err}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"{\"a\": \"\xff OLD\"}");
}

thread_local! {
    /// Splices this test thread wrote from a prefetched copy.
    pub(super) static PREFETCHED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn prefetched() -> usize {
    PREFETCHED.with(|n| n.get())
}

/// Every file in `dir` but the backups: a file and no temp file beside it.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "backups")
        .collect();
    v.sort();
    v
}

/// A file larger than [`PREFETCH_MIN`] with `marker` after `before_marker` bytes.
fn large(dir: &Path, before_marker: usize, marker: &str) -> (PathBuf, String) {
    let p = dir.join(".claude.json");
    let head = "h".repeat(before_marker);
    let tail = "t".repeat(PREFETCH_MIN as usize + 1000 - before_marker);
    let text = format!("{{\"a\": \"{head}\", \"m\": \"{marker}\", \"z\": \"{tail}\"}}\n");
    fs::write(&p, &text).unwrap();
    (p, text)
}

#[test]
fn large_files_are_spliced_through_the_prefetched_copy_whatever_the_lengths() {
    let min = PREFETCH_MIN as usize;
    for (at, from, to) in [
        (10, "OLD", "NEW"),
        (min, "OLD", "NEW"),
        (10, "OLD", "a longer value"),
        (min / 2, "a longer value", "S"),
        (min, "OLD", ""),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (p, before) = large(dir.path(), at, from);
        let mut plans = 0;
        let before_count = prefetched();
        let ((), wrote) = write_locked(
            &p,
            &guard(dir.path(), ClientLock::LockDir),
            |_| true,
            |text| {
                plans += 1;
                let i = text.unwrap().find(&format!("\"{from}\"")).unwrap() + 1;
                let edit = Edit::Splice {
                    range: i..i + from.len(),
                    replacement: to.into(),
                    notes: vec![],
                };
                Ok((edit, ()))
            },
        )
        .unwrap();
        assert!(wrote.is_some(), "{at} {from} → {to}");
        assert_eq!(plans, 1);
        assert_eq!(prefetched(), before_count + 1, "not prefetched");
        let want = before.replacen(&format!("\"{from}\""), &format!("\"{to}\""), 1);
        assert!(
            fs::read_to_string(&p).unwrap() == want,
            "{at} {from} → {to}"
        );
        assert_eq!(names_in(dir.path()), [".claude.json"], "{at} {from} → {to}");
    }
}

#[test]
fn an_unused_prefetch_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (p, before) = large(dir.path(), 100, "OLD");
    let mtime = fs::metadata(&p).unwrap().modified().unwrap();
    // Nothing to change, then a plan that fails (an invalid file): no temp file, no write.
    let ((), wrote) = write_locked(
        &p,
        &guard(dir.path(), ClientLock::LockDir),
        |_| true,
        |_| Ok((Edit::Unchanged, ())),
    )
    .unwrap();
    assert_eq!(wrote, None);
    let err = write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        |_| -> Result<(Edit, ()), ApplyError> {
            Err(ApplyError::Edit {
                path: p.clone(),
                error: EditError::Syntax {
                    line: 1,
                    column: 2,
                    message: "invalid".into(),
                },
            })
        },
    )
    .unwrap_err();
    assert!(matches!(err, ApplyError::Edit { .. }), "{err}");
    assert_eq!(names_in(dir.path()), [".claude.json"]);
    assert_eq!(fs::read_to_string(&p).unwrap(), before);
    assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), mtime);
    assert_eq!(prefetched(), 0);
    // A rewrite is written the usual way.
    let rewrite = Edit::Rewrite {
        text: "{}\n".into(),
        notes: vec![],
    };
    write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        |_| Ok((rewrite.clone(), ())),
    )
    .unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap(), "{}\n");
    assert_eq!(names_in(dir.path()), [".claude.json"]);
    assert_eq!(prefetched(), 0);
}

#[test]
fn a_write_between_read_and_rename_of_a_large_file_is_replanned() {
    let dir = tempfile::tempdir().unwrap();
    let (p, before) = large(dir.path(), 100, "OLD");
    let theirs = format!("{before}\n");
    let mut calls = 0;
    let ((), wrote) = write_locked(
        &p,
        &guard(dir.path(), ClientLock::None),
        |_| true,
        |text| {
            calls += 1;
            if calls == 1 {
                // another program writes while we plan
                fs::write(&p, &theirs).unwrap();
            }
            replace_ab(text)
        },
    )
    .unwrap();
    assert!(wrote.is_some());
    assert_eq!(calls, 2);
    assert_eq!(prefetched(), 1, "the second attempt is prefetched too");
    assert!(fs::read_to_string(&p).unwrap() == theirs.replace("OLD", "NEW"));
    assert_eq!(names_in(dir.path()), [".claude.json"]);
}

#[test]
fn a_held_flock_beside_the_file_means_busy_and_no_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mcp-config.json");
    fs::write(&p, "OLD").unwrap();
    let lock = ClientLock::Flock(".mcp-writer.lock");
    let held =
        crate::fs::lock_file(&dir.path().join(".mcp-writer.lock"), Duration::from_secs(1)).unwrap();
    let err = write_locked(&p, &guard(dir.path(), lock), |_| true, replace_ab).unwrap_err();
    assert!(err.is_busy(), "{err}");
    assert_eq!(fs::read_to_string(&p).unwrap(), "OLD");
    drop(held);
    write_locked(&p, &guard(dir.path(), lock), |_| true, replace_ab).unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap(), "NEW");
    // A client that never ran has no directory, and no lock to take.
    let missing = dir.path().join("never-ran");
    let g = Guard {
        flock: Some(missing.join(".mcp-writer.lock")),
        ..guard(dir.path(), lock)
    };
    let other = dir.path().join("other.json");
    fs::write(&other, "OLD").unwrap();
    write_locked(&other, &g, |_| true, replace_ab).unwrap();
    assert!(!missing.exists());
}
