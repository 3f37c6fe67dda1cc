#!/usr/bin/env bash
# Benchmark: the latency `figma-auth proxy` adds to an MCP request, and its memory over a long
# session. The same tools/call goes, alternately, straight to a stand-in MCP server over one
# kept-alive HTTP/1.1 connection and through a real `figma-auth proxy` process (stdin/stdout,
# the proxy keeping its own connection alive), REQUESTS times each way, after a warm-up.
# Reports the median and p99 of both and the difference (what the proxy adds), and the proxy's
# RSS after every 1,000 requests with its peak (VmHWM). The load average is printed first:
# the numbers mean little on a busy machine.
#
# Usage: bench/proxy.sh [REQUESTS=10000] [RESULT_BYTES=200 16384]
# Needs: cargo. Linux (/proc).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-10000}
shift || true
SIZES=("${@:-200}")
[ $# -eq 0 ] && SIZES=(200 16384)

cargo build --release --quiet --bin figma-auth --example proxy_bench
for size in "${SIZES[@]}"; do
  printf '\nload average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  ./target/release/examples/proxy_bench ./target/release/figma-auth "$REQUESTS" "$size"
done
