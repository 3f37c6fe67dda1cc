//! The replacement of a large file by a splice of itself, started before the splice is known:
//! while the caller validates and plans the new content (tens of ms for a heavy
//! `~/.claude.json`), a second thread creates the temp file, has the kernel copy the current
//! bytes into it and writes them to disk. The splice then rewrites only the bytes from the
//! changed span on, and the commit does what every atomic write does (the `write` fault point,
//! fsync, the stamp re-check, rename, directory fsync). Nothing is renamed unless the caller
//! commits; a prefetch that is not used is removed.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::atomic::{copy_range, AtomicWrite, WriteOptions};
use super::guard::WriteEffects;
use super::FsError;

/// How much is copied between two looks at the stop flag.
const CHUNK: u64 = 8 << 20;

/// A temp file that holds a copy of the whole current file, on its way to disk.
pub(crate) struct Prefetch {
    write: AtomicWrite,
    len: u64,
}

impl std::fmt::Debug for Prefetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prefetch({} bytes)", self.len)
    }
}

/// Starts the replacement of `path` with `opts` ([`AtomicWrite::begin`]: the same checks, mode
/// and owner) and copies the `len` bytes of `src` (the open file that was read) into the temp
/// file, then writes them to disk (`fdatasync`; the commit's fsync still follows). Returns
/// `None` when `stop` was set meanwhile, or on any error: the temp file is then removed and the
/// caller writes the usual way, which reports the error if there is one.
pub(crate) fn prefetch(
    path: &Path,
    src: &File,
    len: u64,
    opts: &WriteOptions,
    stop: &AtomicBool,
) -> Option<Prefetch> {
    if stop.load(Ordering::Relaxed) {
        return None;
    }
    let mut write = AtomicWrite::begin(path, opts).ok()?;
    let out = write.file();
    let mut done = 0;
    while done < len {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let n = CHUNK.min(len - done);
        copy_range(src, done, n, out).ok()?;
        done += n;
    }
    if stop.load(Ordering::Relaxed) {
        return None;
    }
    out.sync_data().ok()?;
    Some(Prefetch { write, len })
}

impl Prefetch {
    /// Replaces the file with `src` (the `len` bytes the prefetch copied) whose `range` is
    /// replaced by `replacement`. A replacement as long as the range is written in place; a
    /// longer or shorter one truncates the copy at the range and copies the rest again.
    pub(crate) fn splice(
        mut self,
        src: &File,
        range: Range<u64>,
        replacement: &[u8],
    ) -> Result<WriteEffects, FsError> {
        let len = self.len;
        if range.start > range.end || range.end > len {
            return Err(FsError::io(
                "cannot write the new content of",
                self.write.target(),
                io::Error::other("the span to replace is outside the file"),
            ));
        }
        self.write.fill(|out| {
            if replacement.len() as u64 == range.end - range.start {
                out.seek(SeekFrom::Start(range.start))?;
                out.write_all(replacement)
            } else {
                out.set_len(range.start)?;
                out.seek(SeekFrom::Start(range.start))?;
                out.write_all(replacement)?;
                copy_range(src, range.end, len - range.end, out)
            }
        })?;
        self.write.commit()
    }
}
