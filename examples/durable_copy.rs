//! The baseline of `bench/claude-json.sh`: what a durable atomic replacement of a file costs
//! without reading it. It replaces FILE by a copy of itself the way any safe writer must: copy
//! to a new file in the same directory (the kernel copies: `copy_file_range`, as GNU `cp` does),
//! fsync that file, rename it over FILE, fsync the directory. One process, like the command it
//! is compared with.
//!
//! Usage: durable_copy FILE

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: durable_copy FILE");
        std::process::exit(2);
    }
    let target = Path::new(&args[1]);
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .expect("FILE names a file")
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.durable-copy.{}", std::process::id()));

    let mut src = File::open(target)?;
    let mut out = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    io::copy(&mut src, &mut out)?;
    out.sync_all()?;
    drop(out);
    fs::rename(&tmp, target)?;
    File::open(dir)?.sync_all()?;
    Ok(())
}
