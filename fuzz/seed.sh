#!/bin/sh
# Seeds each target's corpus with the edit fixtures of its dialect: one input per fixture file
# and selector byte (the first byte picks the client file and the edit; see `fuzz_one` in src/edit/oracle/mod.rs).
set -eu
cd "$(dirname "$0")"
seed() { # target, fixture files...
  t=$1; shift
  mkdir -p "corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    for sel in 0 1 2 3 4 5 6 7 8 9 10 11; do
      name=$(echo "$f" | tr '/' '_')
      { printf "\\$(printf '%03o' "$sel")"; cat "$f"; } > "corpus/$t/$sel-$name"
    done
  done
}
seed fuzz_json_strict ../fixtures/claude/*/[ab]*.json ../fixtures/cursor/*/[ab]*.json ../fixtures/windsurf/*/[ab]*.json
seed fuzz_jsonc ../fixtures/opencode/*/[ab]*.json* ../fixtures/vscode/*/[ab]*.json ../fixtures/zed/*/[ab]*.json
seed fuzz_jsonc_no_trailing ../fixtures/gemini/*/[ab]*.json
seed fuzz_toml ../fixtures/codex/*/[ab]*.toml
seed fuzz_yaml ../fixtures/continue/*/[ab]*.yaml ../fixtures/goose/*/[ab]*.yaml
