#!/usr/bin/env bash
# Builds this machine's release archive with dist, exactly as the release workflow builds each
# target's, and runs the binary from it: checks the archive against its .sha256, unpacks it into
# an empty directory, and runs `figma-auth --version` and `figma-auth status` with HOME and the XDG
# directories in a temp dir. Then builds the global artifacts (the shell and PowerShell
# installers, the Homebrew formula, the checksums) as the release does, serves the archive on
# 127.0.0.1 where the shell installer looks for the release, and installs with it into an empty
# HOME. Also checks that release.yml is what `dist generate` makes from dist-workspace.toml (the
# release's plan job fails otherwise). Not part of `cargo test`.
#
# Usage: scripts/dist-local.sh
#   Needs dist (cargo-dist) on PATH: `cargo install cargo-dist --locked` (the version in
#   dist-workspace.toml). TARGET=<rust target> builds another target (its toolchain must be set up).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "FAIL: $*" >&2; exit 1; }
sha256_check() { # file.sha256, in its directory
  if command -v sha256sum >/dev/null; then sha256sum -c "$1"; else shasum -a 256 -c "$1"; fi
}

command -v dist >/dev/null || fail "dist is not on PATH: cargo install cargo-dist --locked --version $(sed -n 's/^cargo-dist-version = "\(.*\)"/\1/p' dist-workspace.toml)"
want=$(sed -n 's/^cargo-dist-version = "\(.*\)"/\1/p' dist-workspace.toml)
have=$(dist --version | awk '{print $2}')
[ "$have" = "$want" ] || echo "warning: dist $have here, dist-workspace.toml asks for $want" >&2

HOST=$(rustc -vV | sed -n 's/^host: //p')
TARGET=${TARGET:-$HOST}
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

echo "== dist generate --check"
dist generate --check || fail "release.yml is out of date: run 'dist generate' and commit it"

echo "== dist plan"
mkdir -p target
dist plan --output-format=json >target/dist-plan.json
node -e 'const m = require(process.argv[1]);
  const targets = new Set(m.releases.flatMap((r) => r.artifacts).map((a) => m.artifacts[a]).filter((a) => a && a.kind === "executable-zip").flatMap((a) => a.target_triples));
  console.log(`${targets.size} archives: ${[...targets].sort().join(", ")}`);
  const kinds = new Set(Object.values(m.artifacts).map((a) => a.kind));
  for (const k of ["executable-zip", "installer", "checksum"]) if (![...kinds].some((x) => x.startsWith(k))) { console.error(`no ${k} artifact`); process.exit(1); }
  console.log(`artifact kinds: ${[...kinds].sort().join(", ")}`);' "$PWD/target/dist-plan.json"

echo "== dist build ($TARGET)"
rm -rf target/distrib
dist build --artifacts=local --target "$TARGET" --output-format=json >target/dist-build.json
ls -l target/distrib

case "$TARGET" in
  *windows*) ARCHIVE=target/distrib/figma-auth-$TARGET.zip ;;
  *) ARCHIVE=target/distrib/figma-auth-$TARGET.tar.xz ;;
esac
[ -f "$ARCHIVE" ] || fail "dist made no $ARCHIVE"
[ -f "$ARCHIVE.sha256" ] || fail "dist made no $ARCHIVE.sha256"
(cd target/distrib && sha256_check "$(basename "$ARCHIVE").sha256") || fail "the checksum of $ARCHIVE does not match"
# The release workflow keeps each build's manifest beside the archives for the global build.
cp target/dist-build.json "target/distrib/$TARGET-dist-manifest.json"

WORK=$(mktemp -d)
SERVER_PID=
trap '[ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
case "$ARCHIVE" in
  *.zip) unzip -q "$ARCHIVE" -d "$WORK/unpacked"; BIN=$WORK/unpacked/figma-auth.exe ;;
  *) mkdir "$WORK/unpacked"; tar -xJf "$ARCHIVE" -C "$WORK/unpacked"; BIN=$WORK/unpacked/figma-auth-$TARGET/figma-auth ;;
esac
echo "archive contents:"
(cd "$WORK/unpacked" && find . -type f | sort | sed 's/^/  /')
[ -x "$BIN" ] || fail "no executable figma-auth in $ARCHIVE"
for doc in README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
  [ -f "$(dirname "$BIN")/$doc" ] || fail "$ARCHIVE lacks $doc"
done

out=$("$BIN" --version)
[ "$out" = "figma-auth $VERSION" ] || fail "--version printed '$out'"
echo "ok: $out"
home=$WORK/home
mkdir -p "$home"
set +e
out=$(env -i PATH=/usr/bin:/bin HOME="$home" NO_COLOR=1 "$BIN" status 2>&1)
code=$?
set -e
echo "$out" | sed 's/^/  /'
echo "$out" | grep -q "Logged in: *no" || fail "status on an empty HOME did not say 'Logged in: no'"
echo "ok: status on an empty HOME (exit $code)"
if [ "$TARGET" = "$HOST" ] && command -v ldd >/dev/null; then
  echo "linked libraries:"
  ldd "$BIN" | sed 's/^/  /' || true
fi

echo "== dist build --artifacts=global"
dist build --artifacts=global --output-format=json >target/dist-global.json
for f in figma-auth-installer.sh figma-auth-installer.ps1 figma-auth.rb sha256.sum; do
  [ -f "target/distrib/$f" ] || fail "dist made no $f"
done
case "$TARGET" in # Homebrew's formula takes the macOS and the Linux glibc builds
  *-apple-darwin | *-linux-gnu)
    grep -q "$(basename "$ARCHIVE")" target/distrib/figma-auth.rb || fail "the Homebrew formula does not name $ARCHIVE"
    ;;
esac
echo "ok: installers, Homebrew formula and sha256.sum"

case "$TARGET" in
  *windows*) echo "the shell installer is not checked for a Windows target" ;;
  "$HOST")
    echo "== the shell installer, from a release served on 127.0.0.1"
    release=$WORK/srv/figma-auth/figma-auth/releases/download/v$VERSION
    mkdir -p "$release"
    find target/distrib -maxdepth 1 -type f -exec cp {} "$release/" \;
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/srv" >"$WORK/http.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 50); do grep -q Serving "$WORK/http.log" 2>/dev/null && break; sleep 0.1; done
    ihome=$WORK/installer-home
    mkdir -p "$ihome"
    out=$(env -i PATH=/usr/bin:/bin HOME="$ihome" FIGMA_AUTH_INSTALLER_GITHUB_BASE_URL="http://127.0.0.1:$port" \
      sh target/distrib/figma-auth-installer.sh 2>&1) || { echo "$out"; fail "the shell installer failed"; }
    echo "$out" | sed 's/^/  /'
    echo "$out" | grep -q "no checksums to verify" && fail "the shell installer verified no checksum"
    installed=$ihome/.local/bin/figma-auth
    out=$("$installed" --version) || fail "the installed $installed does not run"
    [ "$out" = "figma-auth $VERSION" ] || fail "the installed binary printed '$out'"
    echo "ok: the shell installer verified the checksum and installed $out into ~/.local/bin"
    # A release archive changed after the installer was made is refused.
    printf 'x' >>"$release/$(basename "$ARCHIVE")"
    mkdir -p "$WORK/tampered-home"
    if env -i PATH=/usr/bin:/bin HOME="$WORK/tampered-home" FIGMA_AUTH_INSTALLER_GITHUB_BASE_URL="http://127.0.0.1:$port" \
      sh target/distrib/figma-auth-installer.sh >"$WORK/tampered.log" 2>&1; then
      cat "$WORK/tampered.log"
      fail "the shell installer installed an archive that does not match its checksum"
    fi
    [ ! -e "$WORK/tampered-home/.local/bin/figma-auth" ] || fail "a tampered archive was installed"
    echo "ok: the shell installer refuses an archive that does not match its checksum: $(grep -i checksum "$WORK/tampered.log" | head -n 1)"
    ;;
  *) echo "the shell installer is not checked: on this machine it installs the $HOST archive, not this one" ;;
esac
echo "dist-local: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)) builds and runs"
