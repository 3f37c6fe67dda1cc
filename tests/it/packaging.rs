//! Packaging: the npm packages, the release targets, the `cargo binstall` metadata and the crate
//! agree with each other, and the README's first install command needs no Rust toolchain.
//! (`scripts/check-npm.sh` installs and runs the npm packages; `.ci/run` checks the crate package
//! with `cargo publish --dry-run`.)

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn platforms() -> Vec<Value> {
    json("npm/figma-auth/platforms.json")["packages"]
        .as_array()
        .expect("platforms.json: a packages array")
        .clone()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn npm_packages_follow_the_crate_version() {
    let version = env!("CARGO_PKG_VERSION");
    let manifest = json("npm/figma-auth/package.json");
    assert_eq!(
        manifest["version"], version,
        "npm/figma-auth/package.json drifted from Cargo.toml: run scripts/npm-version.sh"
    );
    let optional = manifest["optionalDependencies"]
        .as_object()
        .expect("the launcher's optionalDependencies");
    let platforms = platforms();
    let want: BTreeSet<&str> = platforms.iter().map(|p| str_of(p, "name")).collect();
    let have: BTreeSet<&str> = optional.keys().map(String::as_str).collect();
    assert_eq!(
        have, want,
        "optionalDependencies are not the packages of platforms.json: run scripts/npm-version.sh"
    );
    for (name, v) in optional {
        assert_eq!(
            v, version,
            "{name} drifted from Cargo.toml: run scripts/npm-version.sh"
        );
    }
}

#[test]
fn npm_launcher_runs_nothing_at_install_and_downloads_nothing() {
    let manifest = json("npm/figma-auth/package.json");
    for hook in ["preinstall", "install", "postinstall", "prepare"] {
        assert!(
            manifest["scripts"][hook].is_null(),
            "the launcher has a {hook} script: pnpm and bun block them, and the binary comes from an optional dependency"
        );
    }
    assert_eq!(manifest["bin"]["figma-auth"], "bin/figma-auth");
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for needed in ["bin/figma-auth", "platforms.json"] {
        assert!(
            files.contains(&needed),
            "the launcher package leaves out {needed}"
        );
    }
    let launcher = read("npm/figma-auth/bin/figma-auth");
    assert!(launcher.starts_with("#!/usr/bin/env node\n"));
    for network in [
        "require(\"https\")",
        "require(\"http\")",
        "fetch(",
        "require(\"net\")",
    ] {
        assert!(
            !launcher.contains(network),
            "the launcher uses {network}: it must only run the installed binary"
        );
    }
}

/// The npm platform of a Rust target: (os, cpu, libc, package name).
fn npm_platform(target: &str) -> (&'static str, &'static str, Option<&'static str>, String) {
    let cpu = match target.split('-').next().unwrap() {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => panic!("no npm cpu for {other}"),
    };
    let (os, libc, suffix) = if target.ends_with("-linux-gnu") {
        ("linux", Some("glibc"), "-gnu")
    } else if target.ends_with("-linux-musl") {
        ("linux", Some("musl"), "-musl")
    } else if target.ends_with("-apple-darwin") {
        ("darwin", None, "")
    } else if target.contains("-windows-") {
        ("win32", None, "")
    } else {
        panic!("no npm platform for {target}")
    };
    (os, cpu, libc, format!("@figma-auth/{os}-{cpu}{suffix}"))
}

#[test]
fn npm_platforms_are_the_release_targets() {
    let dist: toml::Table = read("dist-workspace.toml")
        .parse()
        .expect("dist-workspace.toml");
    let targets: BTreeSet<&str> = dist["dist"]["targets"]
        .as_array()
        .expect("dist.targets")
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let platforms = platforms();
    let npm_targets: BTreeSet<&str> = platforms.iter().map(|p| str_of(p, "target")).collect();
    assert_eq!(
        npm_targets, targets,
        "npm/figma-auth/platforms.json and dist-workspace.toml name different targets"
    );
    assert_eq!(
        platforms.len(),
        targets.len(),
        "a target twice in platforms.json"
    );
    for p in &platforms {
        let target = str_of(p, "target");
        let (os, cpu, libc, name) = npm_platform(target);
        assert_eq!(str_of(p, "os"), os, "{target}");
        assert_eq!(str_of(p, "cpu"), cpu, "{target}");
        assert_eq!(p["libc"].as_str(), libc, "{target}");
        assert_eq!(str_of(p, "name"), name, "{target}");
    }
}

#[test]
fn binstall_metadata_names_the_release_archives() {
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml");
    let binstall = &manifest["package"]["metadata"]["binstall"];
    // dist names each archive <name>-<target>.tar.xz (a .zip on Windows) and publishes it under
    // the tag v<version>; unix archives hold a <name>-<target>/ directory, zips are flat.
    assert_eq!(
        binstall["pkg-url"].as_str(),
        Some("{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }")
    );
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("txz"));
    assert_eq!(
        binstall["bin-dir"].as_str(),
        Some("{ name }-{ target }/{ bin }{ binary-ext }")
    );
    let windows = &binstall["overrides"]["x86_64-pc-windows-msvc"];
    assert_eq!(windows["pkg-fmt"].as_str(), Some("zip"));
    assert_eq!(windows["bin-dir"].as_str(), Some("{ bin }{ binary-ext }"));
    let dist: toml::Table = read("dist-workspace.toml").parse().unwrap();
    for (key, default) in [("unix-archive", ".tar.xz"), ("windows-archive", ".zip")] {
        if let Some(v) = dist["dist"].get(key) {
            assert_eq!(
                v.as_str(),
                Some(default),
                "dist's {key} changed: update the binstall metadata"
            );
        }
    }
    let repository = manifest["package"]["repository"].as_str().unwrap();
    assert!(repository.starts_with("https://github.com/"));
}

#[test]
fn readme_first_install_command_needs_no_rust_toolchain() {
    let readme = read("README.md");
    let install = readme
        .split("\n## ")
        .find(|s| s.starts_with("Install"))
        .expect("README: an Install section");
    let block = install
        .split("```")
        .nth(1)
        .expect("README: a code block under Install");
    let commands: Vec<&str> = block
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let first = commands.first().expect("an install command");
    assert!(
        first.starts_with("npx ") || first.starts_with("npm "),
        "the first install command must need no Rust toolchain: {first}"
    );
    // The order of the methods: npm, Homebrew, the shell installer, cargo binstall, cargo install.
    let order = [
        "npm install -g figma-auth",
        "brew install",
        "installer.sh",
        "cargo binstall figma-auth",
        "cargo install figma-auth",
    ];
    let mut at = 0;
    for method in order {
        let found = install[at..].find(method).unwrap_or_else(|| {
            panic!("README's Install section: '{method}' missing or out of order")
        });
        at += found;
    }
}
