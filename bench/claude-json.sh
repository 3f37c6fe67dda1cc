#!/usr/bin/env bash
# Benchmark: `figma-auth refresh --write --target claude` replacing a stale token in a large
# ~/.claude.json, side by side with
#   - `durable copy`: what a durable atomic replacement of the same file costs without reading
#     it (examples/durable_copy.rs: copy to a new file in the same directory with the kernel's
#     copy_file_range, fsync it, rename it over ~/.claude.json, fsync the directory) — the floor
#     for any writer that keeps the file safe;
#   - `cp`: a plain copy of the file to a new file beside it (not durable, not atomic);
#   - `jq` doing the same edit (not atomic, reformats), with BENCH_JQ=1 (about 3 s a run).
# The commands run interleaved, in a rotating order, ROUNDS times: each round runs every command
# once, so a change in the machine's load hits every column alike. Before every run (untimed) the
# stale file is restored and flushed to disk (`sync FILE DIR`). Reports the median wall time of
# each command, the median over the rounds of figma-auth's time divided by the other commands'
# times in the same round, the median CPU time (user + system, all threads, from bash's `time`),
# the peak RSS (GNU time's %M, in separate untimed runs) and the load average before and after.
# On a machine whose cores are busy with other work, a command's wall time follows its CPU time
# (the other processes get the cores meanwhile): compare the CPU column too.
#
# Usage: bench/claude-json.sh [SIZE_MB=50] [ROUNDS=21]
# Needs: cargo, GNU time (/usr/bin/time), jq with BENCH_JQ=1. Installs time and jq with apt-get
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-50}
ROUNDS=${2:-21}
JQ=${BENCH_JQ:-0}

for tool in /usr/bin/time jq; do
  [ "$tool" = jq ] && [ "$JQ" != 1 ] && continue
  if ! command -v "$tool" >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq jq time >/dev/null
  fi
done

cargo build --release --quiet --bin figma-auth --example gen_claude_json --example durable_copy
BIN=$PWD/target/release/figma-auth
GEN=$PWD/target/release/examples/gen_claude_json
DURABLE=$PWD/target/release/examples/durable_copy

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_STATE_HOME=$WORK/home/.local/state
mkdir -p "$HOME"
cd "$HOME"
CLAUDE=$HOME/.claude.json

OLD=figu_BENCH_STALE_TOKEN_0000
NEW=figu_BENCH_FRESH_TOKEN_1111
"$GEN" "$WORK/master.json" "$SIZE_MB" "$OLD" 2>/dev/null
SIZE=$(stat -c %s "$WORK/master.json")

# A stored login whose access token is valid for a day (so `refresh` makes no network request),
# and the record of the configured entry that `refresh --write` updates.
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
    { "target": "claude", "scope": "user", "path": "$CLAUDE", "server_name": "figma", "mode": "inline" }
  ]
}
JSON
)

LABELS=(figma-auth "durable copy" cp)
[ "$JQ" = 1 ] && LABELS+=(jq)
command_of() {
  case $1 in
    figma-auth) echo "$BIN refresh --write --target claude" ;;
    "durable copy") echo "$DURABLE $CLAUDE" ;;
    cp) echo "cp $CLAUDE $CLAUDE.cp" ;;
    jq) echo "jq-edit" ;;
  esac
}
jq-edit() {
  jq ".mcpServers.figma.headers.Authorization = \"Bearer $NEW\"" "$CLAUDE" >"$WORK/jq.json"
  mv "$WORK/jq.json" "$CLAUDE"
}

prepare() {
  rm -f "$CLAUDE.cp" "$WORK/jq.json"
  cp "$WORK/master.json" "$CLAUDE"
  chmod 600 "$CLAUDE"
  sync "$CLAUDE" "$HOME"
}

# The first figma-auth run backs the original up (once per file, as for a user); it is a warm-up.
prepare
$BIN refresh --write --target claude >/dev/null 2>&1
grep -q "Bearer $NEW" "$CLAUDE" || { echo "figma-auth did not write the new token"; exit 1; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A TIMES CPU
TIMEFORMAT='%3R %3U %3S'
for round in $(seq "$ROUNDS"); do
  n=${#LABELS[@]}
  for k in $(seq 0 $((n - 1))); do
    label=${LABELS[$(((k + round) % n))]}
    prepare
    read -ra cmd <<<"$(command_of "$label")"
    { time "${cmd[@]}" >/dev/null 2>"$WORK/err"; } 2>"$WORK/time" || { cat "$WORK/err"; exit 1; }
    read -r real user sys <"$WORK/time"
    TIMES[$label]+="$(awk -v r="$real" 'BEGIN { printf "%.1f", r * 1000 }') "
    CPU[$label]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", (u + s) * 1000 }') "
    if [ "$label" = figma-auth ]; then
      grep -q "Bearer $NEW" "$CLAUDE" || { echo "figma-auth did not write the new token"; exit 1; }
    fi
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A RSS
for label in "${LABELS[@]}"; do
  peak=0
  for _ in 1 2 3; do
    prepare
    read -ra cmd <<<"$(command_of "$label")"
    if [ "$label" = jq ]; then
      /usr/bin/time -f %M -o "$WORK/rss" jq ".mcpServers.figma" "$CLAUDE" >/dev/null
    else
      /usr/bin/time -f %M -o "$WORK/rss" "${cmd[@]}" >/dev/null 2>&1
    fi
    r=$(cat "$WORK/rss")
    [ "$r" -gt "$peak" ] && peak=$r
  done
  RSS[$label]=$peak
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# ratios A B: the median over the rounds of A's time / B's time in the same round.
ratios() {
  paste <(tr ' ' '\n' <<<"${TIMES[$1]}" | grep .) <(tr ' ' '\n' <<<"${TIMES[$2]}" | grep .) |
    awk '{ printf "%.4f\n", $1 / $2 }' | median
}

printf '\nfile: %s MB (%d bytes), %d interleaved rounds; load average before %s, after %s\n\n' \
  "$SIZE_MB" "$SIZE" "$ROUNDS" "$LOAD_BEFORE" "$LOAD_AFTER"
printf '| command | median ms | min–max ms | figma-auth ÷ this (median of rounds) | median CPU ms | peak RSS MB | RSS / file size |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for label in "${LABELS[@]}"; do
  med=$(median <<<"${TIMES[$label]}")
  cpu=$(median <<<"${CPU[$label]}")
  range=$(tr ' ' '\n' <<<"${TIMES[$label]}" | grep . | sort -n | sed -n '1p;$p' | paste -sd' ')
  ratio=$(ratios figma-auth "$label")
  awk -v l="$label" -v ms="$med" -v r="$range" -v q="$ratio" -v cpu="$cpu" -v rss="${RSS[$label]}" -v size="$SIZE" \
    'BEGIN { split(r, m, " "); q = (l == "figma-auth") ? "—" : sprintf("%.2f", q)
      printf "| %s | %.1f | %.1f–%.1f | %s | %.1f | %.1f | %.2f |\n", l, ms, m[1], m[2], q, cpu, rss / 1024, rss * 1024 / size }'
done
