#!/usr/bin/env bash
# Benchmark: `figma-auth refresh --write --target claude` replacing a stale token in a large
# ~/.claude.json, side by side with `cp` of the same file and `jq` doing the same edit.
# Reports median wall time, the ratio to cp, and peak RSS (GNU time's %M).
#
# Usage: bench/claude-json.sh [SIZE_MB=50] [RUNS=11]
# Needs: cargo, jq, GNU time (/usr/bin/time). Installs jq and time with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-50}
RUNS=${2:-11}

for tool in jq /usr/bin/time; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq jq time >/dev/null
  fi
done

cargo build --release --quiet --bin figma-auth --example gen_claude_json
BIN=$PWD/target/release/figma-auth
GEN=$PWD/target/release/examples/gen_claude_json

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_STATE_HOME=$WORK/home/.local/state
mkdir -p "$HOME"
cd "$HOME"

OLD=figu_BENCH_STALE_TOKEN_0000
NEW=figu_BENCH_FRESH_TOKEN_1111
"$GEN" "$WORK/master.json" "$SIZE_MB" "$OLD" 2>/dev/null
SIZE=$(stat -c %s "$WORK/master.json")

# A stored login whose access token is valid for a day, so `refresh` makes no network request,
# and the record of the `figma` entry of ~/.claude.json (refresh updates only managed entries).
mkdir -p "$XDG_CONFIG_HOME/figma-auth/credentials"
chmod 700 "$XDG_CONFIG_HOME/figma-auth" "$XDG_CONFIG_HOME/figma-auth/credentials"
(umask 077; cat >"$XDG_CONFIG_HOME/figma-auth/credentials/default.json" <<JSON
{
  "version": 1,
  "token": {
    "access_token": "$NEW",
    "token_type": "Bearer",
    "expires_at": "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)",
    "obtained_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
    "auth_server": "https://api.figma.com",
    "token_endpoint": "https://api.figma.com/v1/oauth/token",
    "client_id": "bench"
  },
  "configs": [
    {"target": "claude", "scope": "user", "path": "$HOME/.claude.json", "server_name": "figma", "mode": "inline"}
  ]
}
JSON
)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run LABEL CMD...: times RUNS runs (the stale file restored before each, untimed)
declare -A MS RSS
run() {
  local label=$1; shift
  local times=() rss=()
  for _ in $(seq "$RUNS"); do
    cp "$WORK/master.json" "$HOME/.claude.json"
    chmod 600 "$HOME/.claude.json"
    sync
    local t0=$EPOCHREALTIME
    /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
    local t1=$EPOCHREALTIME
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)*1000}')")
    rss+=("$(cat "$WORK/rss")")
  done
  MS[$label]=$(printf '%s\n' "${times[@]}" | median)
  RSS[$label]=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
}

run cp cp "$WORK/master.json" "$WORK/copy.json"
# The durable floor: a copy that is on disk when it returns (figma-auth fsyncs before renaming).
run cp+fsync sh -c "cp '$WORK/master.json' '$WORK/copy.json' && sync '$WORK/copy.json'"
run jq bash -c "jq '.mcpServers.figma.headers.Authorization = \"Bearer $NEW\"' '$HOME/.claude.json' > '$WORK/jq.json' && mv '$WORK/jq.json' '$HOME/.claude.json'"
run figma-auth "$BIN" refresh --write --target claude

grep -q "Bearer $NEW" "$HOME/.claude.json" || { echo "figma-auth did not write the new token"; exit 1; }

printf '\nfile: %s MB (%d bytes), %d runs each, median wall time\n\n' "$SIZE_MB" "$SIZE" "$RUNS"
printf '| command | median ms | x cp | peak RSS MB | RSS / file size |\n|---|---:|---:|---:|---:|\n'
for label in cp cp+fsync figma-auth jq; do
  awk -v l="$label" -v ms="${MS[$label]}" -v cp="${MS[cp]}" -v rss="${RSS[$label]}" -v size="$SIZE" \
    'BEGIN { printf "| %s | %.1f | %.2f | %.1f | %.2f |\n", l, ms, ms/cp, rss/1024, rss*1024/size }'
done
