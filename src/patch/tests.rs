use super::*;
use std::fs;

fn opts(dir: &Path, lock: ClientLock) -> ApplyOptions {
    ApplyOptions {
        lock,
        new_file_mode: 0o600,
        backup_dir: Some(dir.join("backups")),
        lock_wait: Duration::from_millis(200),
        mode_rule: ModeRule::Keep,
    }
}

fn replace_ab(text: Option<&str>) -> Result<Outcome, PatchError> {
    let t = text.unwrap_or("");
    Ok(match t.find("OLD") {
        Some(i) => Outcome::Splice {
            range: i..i + 3,
            replacement: "NEW".into(),
        },
        None => Outcome::Unchanged,
    })
}

#[test]
fn splice_keeps_the_rest_and_backs_up_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, "{\"a\": \"OLD\", \"b\": OLD }\r\n").unwrap();
    let r = apply(
        &p,
        &opts(dir.path(), ClientLock::LockDir),
        |_| true,
        replace_ab,
    )
    .unwrap();
    let Applied::Written {
        backup: Some(b), ..
    } = r
    else {
        panic!("{r:?}")
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
    apply(
        &p,
        &opts(dir.path(), ClientLock::None),
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
    apply(
        &p,
        &opts(dir.path(), ClientLock::LockDir),
        |_| true,
        replace_ab,
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        before.replace("OLD", "NEW")
    );
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

/// A file larger than [`PREFETCH_MIN`] whose marker `at` is found by `plan`.
fn large(dir: &Path, before_marker: usize, marker: &str) -> (PathBuf, String) {
    let p = dir.join(".claude.json");
    let head = "h".repeat(before_marker);
    let tail = "t".repeat(PREFETCH_MIN + 1000 - before_marker);
    let text = format!("{{\"a\": \"{head}\", \"m\": \"{marker}\", \"z\": \"{tail}\"}}\n");
    fs::write(&p, &text).unwrap();
    (p, text)
}

#[test]
fn large_files_are_spliced_through_the_prefetched_copy_whatever_the_lengths() {
    for (at, from, to) in [
        (10, "OLD", "NEW"),
        (PREFETCH_MIN, "OLD", "NEW"),
        (10, "OLD", "a longer value"),
        (PREFETCH_MIN / 2, "a longer value", "S"),
        (PREFETCH_MIN, "OLD", ""),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (p, before) = large(dir.path(), at, from);
        let plans = std::cell::Cell::new(0);
        let before_count = prefetched();
        let r = apply(
            &p,
            &opts(dir.path(), ClientLock::LockDir),
            |_| true,
            |text| {
                plans.set(plans.get() + 1);
                let i = text.unwrap().find(&format!("\"{from}\"")).unwrap() + 1;
                Ok(Outcome::Splice {
                    range: i..i + from.len(),
                    replacement: to.into(),
                })
            },
        )
        .unwrap();
        assert!(matches!(r, Applied::Written { .. }), "{r:?}");
        assert_eq!(plans.get(), 1);
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
    let r = apply(
        &p,
        &opts(dir.path(), ClientLock::LockDir),
        |_| true,
        |_| Ok(Outcome::Unchanged),
    )
    .unwrap();
    assert_eq!(r, Applied::AlreadyCurrent);
    let err = apply(
        &p,
        &opts(dir.path(), ClientLock::None),
        |_| true,
        |_| {
            Err(PatchError::Edit {
                path: p.clone(),
                message: "line 1, column 2: invalid".into(),
            })
        },
    )
    .unwrap_err();
    assert!(matches!(err, PatchError::Edit { .. }), "{err}");
    assert_eq!(names_in(dir.path()), [".claude.json"]);
    assert_eq!(fs::read_to_string(&p).unwrap(), before);
    assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), mtime);
    // A rewrite is written the usual way.
    apply(
        &p,
        &opts(dir.path(), ClientLock::None),
        |_| true,
        |_| Ok(Outcome::Rewrite("{}\n".into())),
    )
    .unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap(), "{}\n");
    assert_eq!(names_in(dir.path()), [".claude.json"]);
}

#[test]
fn a_write_between_read_and_rename_of_a_large_file_is_replanned() {
    let dir = tempfile::tempdir().unwrap();
    let (p, before) = large(dir.path(), 100, "OLD");
    let (r, calls) = apply_with_a_foreign_write(dir.path(), &p, &format!("{before}\n"));
    assert!(matches!(r, Applied::Written { .. }));
    assert_eq!(calls, 2);
    assert_eq!(prefetched(), 1, "the second attempt is prefetched too");
    assert!(fs::read_to_string(&p).unwrap() == format!("{}\n", before.replace("OLD", "NEW")));
    assert_eq!(names_in(dir.path()), [".claude.json"]);
}

#[test]
fn unchanged_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, "current").unwrap();
    let before = fs::metadata(&p).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let r = apply(
        &p,
        &opts(dir.path(), ClientLock::None),
        |_| true,
        replace_ab,
    )
    .unwrap();
    assert_eq!(r, Applied::AlreadyCurrent);
    assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
    assert!(!dir.path().join("backups").exists());
}

#[test]
fn held_client_lock_means_busy_and_no_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".claude.json");
    fs::write(&p, "OLD").unwrap();
    let _held = DirLock::acquire(&p, Duration::from_secs(1)).unwrap();
    let err = apply(
        &p,
        &opts(dir.path(), ClientLock::LockDir),
        |_| true,
        replace_ab,
    )
    .unwrap_err();
    assert!(err.is_busy(), "{err}");
    assert_eq!(fs::read_to_string(&p).unwrap(), "OLD");
}

/// Applies [`replace_ab`] to `p` while another program writes `theirs` into it during the
/// first plan: returns what was applied and how many times the change was planned.
fn apply_with_a_foreign_write(dir: &Path, p: &Path, theirs: &str) -> (Applied, usize) {
    let calls = std::cell::Cell::new(0);
    let r = apply(
        p,
        &opts(dir, ClientLock::None),
        |_| true,
        |text| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                // another program writes while we plan
                fs::write(p, theirs).unwrap();
            }
            replace_ab(text)
        },
    )
    .unwrap();
    (r, calls.get())
}

#[test]
fn a_write_between_read_and_rename_is_replanned() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    fs::write(&p, "x OLD").unwrap();
    let (r, calls) = apply_with_a_foreign_write(dir.path(), &p, "another program's OLD value");
    assert!(matches!(r, Applied::Written { .. }));
    assert_eq!(calls, 2);
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
    let err = apply(
        &p,
        &opts(dir.path(), ClientLock::None),
        |_| true,
        replace_ab,
    )
    .unwrap_err();
    assert!(
        matches!(err, PatchError::NotUtf8 { offset: 7, .. }),
        "{err}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"{\"a\": \"\xff OLD\"}");
}

#[test]
fn preview_masks_and_materializes_splices() {
    let old = "{\"h\": \"Bearer figu_OLD_TOKEN_VALUE_1111\"}\n";
    let start = old.find("figu_").unwrap();
    let outcome = Outcome::Splice {
        range: start..start + "figu_OLD_TOKEN_VALUE_1111".len(),
        replacement: "figu_NEW_TOKEN_VALUE_2222".into(),
    };
    let p = preview("x.json", Some(old), &outcome, &[], false, Color::Never);
    assert!(p.contains("-{\"h\": \"Bearer figu_…1111\"}"), "{p}");
    assert!(p.contains("+{\"h\": \"Bearer figu_…2222\"}"), "{p}");
    assert!(!p.contains("OLD_TOKEN") && !p.contains("NEW_TOKEN"));
}
