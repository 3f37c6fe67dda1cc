# Codex CLI (npm @openai/codex): ~/.codex/config.toml, hand-written with comments.
# `codex mcp get --json` shows the entry it loaded; `codex mcp list` does not connect, but
# `codex exec` does, with a stand-in model that is offered the servers' tools.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client codex codex "inline proxy inline proxy" @openai/codex@0.171.0

codex_files() { echo "$HOME/.codex/config.toml"; }

codex_prepare() {
  mkdir -p "$HOME/.codex"
  sed "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#; s#/home/user/project#$PROJECT#" \
    "$ROOT/fixtures/codex/real-03-commented/before.toml" >"$HOME/.codex/config.toml"
}

codex_check() {
  case $1 in
    inline)
      check "codex mcp get figma --json shows the header" "Bearer $TOKEN" "$(in_client codex mcp get figma --json)"
      ;;
    proxy)
      check "codex mcp get figma --json shows the proxy" "\"command\": \"$FA\"" "$(in_client codex mcp get figma --json)"
      check_no_token codex
      ;;
  esac
  reset_log
  local out
  out=$(FAKE_KEY=check in_client codex exec --skip-git-repo-check -c 'model="fake-model"' \
    -c 'model_provider="fake"' \
    -c "model_providers.fake={name=\"fake\", base_url=\"$LLM_URL/v1\", wire_api=\"responses\", env_key=\"FAKE_KEY\"}" \
    "say hi" </dev/null)
  check "codex exec runs a session ($1 mode)" "ok" "$out"
  check "codex offered the figma server's tools to the model ($1 mode)" "mcp__figma" "$(cat "$WORK/llm.log")"
  check_served codex "$1"
}
