#!/usr/bin/env bash
# Builds the release binary for this machine (cargo's `dist` profile, as the release archives
# are built), then the npm package of this platform
# (@figma-auth/<os>-<cpu>[-<libc>]) and the launcher package `figma-auth`, and writes both
# tarballs into OUTDIR (as `npm pack` names them). Prints the two tarball paths.
#
# Usage: scripts/npm-pack.sh OUTDIR
#   TARGET=<rust target>  build for that target instead of the host (its toolchain must be set up)
#   BINARY=<path>         package this binary instead of building one (TARGET names its platform)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/npm-pack.sh OUTDIR" >&2; exit 2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: scripts/npm-pack.sh needs node and npm on PATH" >&2
  exit 1
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
HOST=$(rustc -vV | sed -n 's/^host: //p')
TARGET=${TARGET:-$HOST}
if [ -z "${BINARY:-}" ]; then
  if [ "$TARGET" = "$HOST" ]; then
    cargo build --profile dist --locked --bin figma-auth >&2
    BINARY=target/dist/figma-auth
  else
    cargo build --profile dist --locked --bin figma-auth --target "$TARGET" >&2
    BINARY=target/$TARGET/dist/figma-auth
  fi
  case "$TARGET" in *windows*) BINARY=$BINARY.exe ;; esac
fi
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
PLATFORM_DIR=$(node scripts/npm-packages.js platform "$TARGET" "$BINARY" "$STAGE")
LAUNCHER_DIR=$(node scripts/npm-packages.js launcher "$STAGE")
for dir in "$PLATFORM_DIR" "$LAUNCHER_DIR"; do
  name=$(cd "$dir" && npm pack --silent --pack-destination "$OUT" | tail -n 1)
  echo "$OUT/$name"
done
