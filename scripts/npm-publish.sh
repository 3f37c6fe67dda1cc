#!/usr/bin/env bash
# Publishes a release's npm packages from dist's archives in DISTDIR: for every target of
# npm/figma-auth/platforms.json, the archive is checked against its .sha256, its binary becomes
# that target's package, and the package is published; the launcher `figma-auth` goes last, so it
# never names a platform package that is not there yet. A package whose version is already on the
# registry is skipped, so a failed run can be run again. The release workflow runs this
# (publish-npm.yml); `npm publish` takes the credentials from the environment.
#
# Usage: scripts/npm-publish.sh DISTDIR
#   NPM_DIST_TAG=TAG  the dist-tag to publish under (default: latest)
#   DRY_RUN=1         `npm publish --dry-run`, without provenance; a target without an archive
#                     is skipped instead of failing the run
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/npm-publish.sh DISTDIR" >&2; exit 2; }
fail() { echo "error: $*" >&2; exit 1; }
DIST=$(cd "$1" && pwd)
TAG=${NPM_DIST_TAG:-latest}
DRY_RUN=${DRY_RUN:-}
node scripts/npm-packages.js version --check
VERSION=$(node -p 'require("./npm/figma-auth/package.json").version')

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

publish() { # staged package dir
  local name
  name=$(node -p 'require(process.argv[1]).name' "$1/package.json")
  if npm view "$name@$VERSION" version >/dev/null 2>&1; then
    echo "$name@$VERSION is already published: skipped"
    return
  fi
  if [ -n "$DRY_RUN" ]; then
    (cd "$1" && npm publish --dry-run --provenance=false --access public --tag "$TAG")
  else
    (cd "$1" && npm publish --access public --tag "$TAG")
  fi
  echo "published $name@$VERSION (tag $TAG)${DRY_RUN:+ (dry run)}"
}

for target in $(node scripts/npm-packages.js targets); do
  case "$target" in
    *windows*) archive=$DIST/figma-auth-$target.zip exe=figma-auth.exe ;;
    *) archive=$DIST/figma-auth-$target.tar.xz exe=figma-auth ;;
  esac
  if [ ! -f "$archive" ]; then
    [ -n "$DRY_RUN" ] || fail "no archive for $target in $DIST ($(basename "$archive"))"
    echo "no archive for $target: skipped (dry run)"
    continue
  fi
  (cd "$DIST" && sha256sum --quiet -c "$(basename "$archive").sha256") || fail "$archive does not match its .sha256"
  unpacked=$STAGE/unpacked-$target
  mkdir -p "$unpacked"
  case "$archive" in
    *.zip) unzip -q "$archive" -d "$unpacked" && bin=$unpacked/$exe ;;
    *) tar -xJf "$archive" -C "$unpacked" && bin=$unpacked/figma-auth-$target/$exe ;;
  esac
  [ -f "$bin" ] || fail "$archive holds no $exe"
  publish "$(node scripts/npm-packages.js platform "$target" "$bin" "$STAGE/packages")"
done
publish "$(node scripts/npm-packages.js launcher "$STAGE/packages")"
