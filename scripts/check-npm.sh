#!/usr/bin/env bash
# Checks figma-auth's npm packages as users get them: packs the launcher and this platform's
# package (scripts/npm-pack.sh), installs them from the tarballs into empty temp directories with
# npm, pnpm and bun — offline: nothing comes from a registry — and checks that
#   - `figma-auth --version` and `npx figma-auth --help` (pnpm exec, bunx) run through the launcher;
#   - the program that runs is the native binary inside the platform package (the helper command
#     that `setup` writes names it), and its exit status comes back through the launcher;
#   - the package manager installs only the package of this platform: packages of every other
#     target (tiny stand-ins, packed with the real os/cpu/libc fields) are left out;
#   - without the platform package (`--omit=optional`), and on an unsupported platform
#     (simulated), the launcher says what is wrong and how else to install figma-auth.
# Not part of `cargo test`; `.ci/run` runs it with the debug binary.
#
# Usage: scripts/check-npm.sh
#   MANAGERS="npm pnpm bun"  the package managers to check (default: all three). pnpm and bun are
#                            installed from the npm registry into a temp dir first (pinned), the
#                            only download the check makes.
#   BINARY=PATH              package this binary instead of building the release binary
#   NODES="node /path/node"  run the launcher under each of these Node.js binaries (default: node)
#   KEEP_WORK=1              keep the temp directory (tarballs, projects) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MANAGERS=${MANAGERS:-npm pnpm bun}
NODES=${NODES:-node}
PNPM_VERSION=12.4.2
BUN_VERSION=1.4.4

WORK=$(mktemp -d)
trap '[ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"' EXIT
# Keep every package manager away from the user's caches, settings and registry credentials.
export npm_config_cache=$WORK/npm-cache npm_config_userconfig=$WORK/npmrc npm_config_update_notifier=false
export npm_config_fund=false npm_config_audit=false npm_config_loglevel=error
export BUN_INSTALL_CACHE_DIR=$WORK/bun-cache XDG_DATA_HOME=$WORK/xdg-data XDG_CACHE_HOME=$WORK/xdg-cache
export NO_COLOR=1 TERM=dumb
: >"$WORK/npmrc"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

HOST=$(rustc -vV | sed -n 's/^host: //p')
VERSION=$(node -p 'require("./npm/figma-auth/package.json").version')
node scripts/npm-packages.js version --check
PLATFORM_PKG=$(node scripts/npm-packages.js package-of "$HOST")
EXE=figma-auth
case "$HOST" in *windows*) EXE=figma-auth.exe ;; esac

echo "== pack ($HOST)"
TGZ=$WORK/tarballs
{ read -r PLATFORM_TGZ; read -r LAUNCHER_TGZ; } < <(TARGET=$HOST scripts/npm-pack.sh "$TGZ")
[ -f "$PLATFORM_TGZ" ] && [ -f "$LAUNCHER_TGZ" ] || fail "npm-pack.sh wrote no tarballs"
tar -xzOf "$PLATFORM_TGZ" package/bin/$EXE >"$WORK/packed-binary"
if tar -tzvf "$LAUNCHER_TGZ" | grep -Eq 'install|\.node$'; then
  tar -tzvf "$LAUNCHER_TGZ"
  fail "the launcher package holds more than the launcher"
fi
node -e 'const s = require(process.argv[1]).scripts || {};
  for (const k of ["preinstall", "install", "postinstall"]) if (s[k]) { console.error(k); process.exit(1); }' \
  "$ROOT/npm/figma-auth/package.json" || fail "the launcher has an install script"
pass "packed $(basename "$LAUNCHER_TGZ") and $(basename "$PLATFORM_TGZ") (no install scripts)"

# Stand-ins for the other platforms' packages: the real manifests (os, cpu, libc) around a script
# that fails loudly, so a package manager that wrongly installs one is caught.
printf '#!/bin/sh\necho "wrong platform package ran: $0" >&2\nexit 99\n' >"$WORK/wrong-binary"
OTHERS=()
mkdir -p "$WORK/others"
for target in $(node scripts/npm-packages.js targets); do
  [ "$target" = "$HOST" ] && continue
  dir=$(node scripts/npm-packages.js platform "$target" "$WORK/wrong-binary" "$WORK/others-stage")
  (cd "$dir" && npm pack --silent --pack-destination "$WORK/others" >/dev/null) || fail "npm pack of a stand-in failed"
  OTHERS+=("$(node scripts/npm-packages.js package-of "$target")")
done

# A project depending on figma-auth from its tarball; `overrides` stand in for the registry and
# point every platform package, the real one included, at its tarball.
make_project() { # dir manager
  mkdir -p "$1"
  node - "$1" "$2" "$LAUNCHER_TGZ" "$PLATFORM_PKG" "$PLATFORM_TGZ" "$WORK/others" "$VERSION" "${OTHERS[@]}" <<'JS'
const fs = require("fs");
const path = require("path");
const [dir, manager, launcher, hostPkg, hostTgz, othersDir, version, ...others] = process.argv.slice(2);
const overrides = { [hostPkg]: `file:${hostTgz}` };
for (const name of others) {
  overrides[name] = `file:${path.join(othersDir, `${name.slice(1).replace("/", "-")}-${version}.tgz`)}`;
}
const manifest = { name: "check", private: true, dependencies: { "figma-auth": `file:${launcher}` } };
if (manager === "pnpm") {
  // pnpm reads overrides from its workspace file; JSON is valid YAML.
  fs.writeFileSync(path.join(dir, "pnpm-workspace.yaml"), `${JSON.stringify({ overrides }, null, 2)}\n`);
} else {
  manifest.overrides = overrides;
}
fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
JS
}

# Only this platform's package may be in node_modules. bun takes `os`, `cpu` and `libc` from the
# registry's metadata only and installs a tarball dependency whatever its fields say, so with
# tarballs it gets every stand-in: then the check is that the launcher still picks this
# platform's binary among them (check_runs), and the filtering itself is npm's and pnpm's to show.
check_only_host_package() { # node_modules dir, manager
  local name found extra=""
  for name in "${OTHERS[@]}"; do
    found=$(find "$1" -path "*/$name/package.json" 2>/dev/null | head -n 1)
    [ -z "$found" ] && continue
    [ "$2" = bun ] && { extra="$extra $name"; continue; }
    fail "$2 installed $name, which does not fit this platform ($found)"
  done
  find "$1" -path "*/$PLATFORM_PKG/package.json" | grep -q . || fail "$2 did not install $PLATFORM_PKG"
  if [ -n "$extra" ]; then
    echo "note: $2 installed the tarballs of other platforms too (it reads os/cpu/libc from a registry only):$extra"
  else
    pass "$2 installed $PLATFORM_PKG and none of the ${#OTHERS[@]} other platform packages"
  fi
}

# Runs `figma-auth` through launcher command "$@" and checks what ran.
check_runs() { # label, command...
  local label=$1 out home helper
  shift
  out=$("$@" --version) || fail "$label: figma-auth --version failed"
  [ "$out" = "figma-auth $VERSION" ] || fail "$label: --version printed '$out'"
  home=$WORK/home-$RANDOM
  mkdir -p "$home"
  out=$(HOME=$home XDG_CONFIG_HOME=$home/.config XDG_STATE_HOME=$home/.local/state "$@" status 2>&1) || true
  echo "$out" | grep -q "Logged in: *no" || fail "$label: status on an empty HOME printed: $out"
  # The helper command written into a config names the running binary by absolute path.
  helper=$(HOME=$home XDG_CONFIG_HOME=$home/.config "$@" setup --mode helper --target claude --dry-run 2>&1 |
    sed -n 's/.*"headersHelper": "\(.*\) header --json".*/\1/p')
  [ -n "$helper" ] || fail "$label: setup --dry-run showed no helper command"
  case "$helper" in */"$PLATFORM_PKG"/bin/"$EXE") ;; *) fail "$label: the binary that ran is $helper, not the platform package's" ;; esac
  cmp -s "$helper" "$WORK/packed-binary" || fail "$label: $helper is not the packed binary"
  # Exit codes come back through the launcher: `token` without a login exits 3.
  set +e
  HOME=$home XDG_CONFIG_HOME=$home/.config "$@" token >/dev/null 2>&1
  local code=$?
  set -e
  [ $code -eq 3 ] || fail "$label: token without a login exited $code through the launcher, not 3"
  pass "$label: --version, status, exit status 3, and the native binary ran ($helper)"
}

for manager in $MANAGERS; do
  echo "== $manager"
  case "$manager" in
    npm) PM=(npm) ;;
    pnpm | bun)
      if [ ! -x "$WORK/pm/node_modules/.bin/$manager" ]; then
        npm install --silent --prefix "$WORK/pm" "pnpm@$PNPM_VERSION" "bun@$BUN_VERSION" >/dev/null ||
          fail "cannot install pnpm and bun from the npm registry"
      fi
      PM=("$WORK/pm/node_modules/.bin/$manager")
      ;;
    *) fail "unknown package manager $manager (npm, pnpm or bun)" ;;
  esac
  echo "$manager $("${PM[@]}" --version)"
  proj=$WORK/project-$manager
  make_project "$proj" "$manager"
  case "$manager" in
    npm)
      (cd "$proj" && npm install --offline >/dev/null) || fail "npm install from the tarballs failed"
      X=(npx --offline figma-auth)
      ;;
    pnpm)
      (cd "$proj" && "${PM[@]}" install --offline --store-dir "$WORK/pnpm-store" >/dev/null) ||
        fail "pnpm install from the tarballs failed"
      X=("${PM[@]}" exec figma-auth)
      ;;
    bun)
      # bun has no offline switch: a registry on a closed port makes any fetch fail at once.
      (cd "$proj" && "${PM[@]}" install --registry http://127.0.0.1:9/ >/dev/null 2>&1) ||
        fail "bun install from the tarballs failed"
      X=("$WORK/pm/node_modules/.bin/bunx" figma-auth)
      ;;
  esac
  check_only_host_package "$proj/node_modules" "$manager"
  (cd "$proj" && "${X[@]}" --help) | grep -q "^Usage: figma-auth" || fail "$manager: '${X[*]} --help' printed no usage"
  pass "$manager: ${X[*]} --help"
  for n in $NODES; do
    check_runs "$manager project, $("$n" --version)" "$n" "$proj/node_modules/figma-auth/bin/figma-auth"
  done
  check_runs "$manager project, node_modules/.bin" "$proj/node_modules/.bin/figma-auth"
  if [ "$manager" = bun ]; then
    check_runs "bun project, the bun runtime" "${PM[@]}" --bun "$proj/node_modules/figma-auth/bin/figma-auth"
  fi

  if [ "$manager" = npm ]; then
    # The way most users install it: globally, into an empty prefix.
    prefix=$WORK/npm-global
    npm install --global --offline --prefix "$prefix" "$LAUNCHER_TGZ" "$PLATFORM_TGZ" >/dev/null ||
      fail "npm install --global from the tarballs failed"
    bin=$prefix/bin/figma-auth
    [ -e "$bin" ] || bin=$prefix/figma-auth
    check_runs "npm install --global" "$bin"
    # And without installing: npx with both tarballs.
    out=$(cd "$WORK" && npx --yes --offline --package "$LAUNCHER_TGZ" --package "$PLATFORM_TGZ" figma-auth --help) ||
      fail "npx --package from the tarballs failed"
    echo "$out" | grep -q "^Usage: figma-auth" || fail "npx --package printed no usage"
    pass "npx --package <tarballs> figma-auth --help"

    # Optional dependencies left out: the launcher says which package is missing and what to do.
    omit=$WORK/project-npm-omit
    make_project "$omit" npm
    (cd "$omit" && npm install --offline --omit=optional >/dev/null) || fail "npm install --omit=optional failed"
    set +e
    out=$(cd "$omit" && npx --offline figma-auth --version 2>&1)
    code=$?
    set -e
    [ $code -eq 1 ] || fail "without the platform package the launcher exited $code, not 1: $out"
    echo "$out" | grep -q "the package $PLATFORM_PKG is not installed" || fail "missing-package message: $out"
    echo "$out" | grep -q -- "--include=optional" || fail "missing-package message has no fix: $out"
    pass "npm --omit=optional: the launcher names the missing package and the fix"
  fi
done

case "$HOST" in
  *-linux-gnu)
    if echo " $MANAGERS " | grep -q " npm "; then
      echo "== a glibc older than the glibc build needs (simulated)"
      # Node.js reports glibc 2.17 to the launcher; the platform package recorded what it needs.
      cat >"$WORK/glibc-2.17.js" <<'JS'
const real = process.report.getReport.bind(process.report);
process.report.getReport = (...a) => { const r = real(...a); r.header.glibcVersionRuntime = "2.17"; return r; };
JS
      needs=$(node -p 'require(process.argv[1]).figmaAuth.minGlibc' "$WORK/project-npm/node_modules/$PLATFORM_PKG/package.json")
      set +e
      out=$(node --require "$WORK/glibc-2.17.js" "$WORK/project-npm/node_modules/figma-auth/bin/figma-auth" --version 2>&1)
      code=$?
      set -e
      [ $code -eq 1 ] || fail "on an old glibc the launcher exited $code, not 1: $out"
      echo "$out" | grep -qF "needs glibc $needs or newer, and this system has glibc 2.17" || fail "old-glibc message: $out"
      echo "$out" | grep -qF -- "--libc=musl" || fail "the old-glibc message has no fix: $out"
      pass "glibc 2.17: the launcher says the glibc build needs $needs and how to get the static build"
      # The fix it names: npm installs the musl package instead, and the launcher runs it (here
      # the musl package is a stand-in, which exits 99 and names itself).
      musl=$WORK/project-npm-musl
      make_project "$musl" npm
      (cd "$musl" && npm install --offline --libc=musl >/dev/null) || fail "npm install --libc=musl failed"
      musl_pkg=${PLATFORM_PKG%-gnu}-musl
      find "$musl/node_modules" -path "*/$musl_pkg/package.json" | grep -q . || fail "--libc=musl did not install $musl_pkg"
      if find "$musl/node_modules" -path "*/$PLATFORM_PKG/package.json" | grep -q .; then
        fail "--libc=musl installed $PLATFORM_PKG too"
      fi
      set +e
      out=$(node --require "$WORK/glibc-2.17.js" "$musl/node_modules/figma-auth/bin/figma-auth" --version 2>&1)
      code=$?
      set -e
      [ $code -eq 99 ] && echo "$out" | grep -qF "$musl_pkg/bin/figma-auth" ||
        fail "with only the static build installed, the launcher did not run it (exit $code): $out"
      pass "npm install --libc=musl: only $musl_pkg, and the launcher runs it on glibc"
    fi
    ;;
esac

echo "== unsupported platform (simulated)"
# Node.js reports another OS and CPU to the launcher; nothing else changes.
cat >"$WORK/freebsd-riscv64.js" <<'JS'
Object.defineProperty(process, "platform", { value: "freebsd" });
Object.defineProperty(process, "arch", { value: "riscv64" });
JS
set +e
out=$(node --require "$WORK/freebsd-riscv64.js" "$ROOT/npm/figma-auth/bin/figma-auth" --version 2>&1)
code=$?
set -e
echo "$out"
[ $code -eq 1 ] || fail "on an unsupported platform the launcher exited $code, not 1"
for want in "no prebuilt binary for this platform (freebsd-riscv64)" "linux-x64 (glibc)" "darwin-arm64" \
  "win32-x64" "brew install" "installer.sh" "cargo binstall figma-auth" "cargo install figma-auth" \
  "FIGMA_AUTH_BINARY"; do
  echo "$out" | grep -qF "$want" || fail "the unsupported-platform message lacks '$want'"
done
pass "unsupported platform: exit 1, the platforms that exist and the other install methods"

echo "all npm checks passed"
