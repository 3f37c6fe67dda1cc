# GitHub Copilot CLI (npm @github/copilot): ~/.copilot/mcp-config.json, hand-written with
# comments and trailing commas (JSONC, which Copilot reads). `copilot mcp get --json
# --show-secrets` shows the entry it loaded; `copilot mcp list` does not connect, but a prompt
# run (`-p`) does, offline, with a stand-in model (BYOK) that is offered the servers' tools.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client copilot copilot "inline env proxy inline proxy" @github/copilot@1.0.102

copilot_files() { echo "$HOME/.copilot/mcp-config.json"; }

copilot_prepare() {
  mkdir -p "$HOME/.copilot"
  sed "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$ROOT/fixtures/copilot/real-03-hand-written/before.json" \
    >"$HOME/.copilot/mcp-config.json"
}

# copilot_session: one prompt, offline, against the stand-in model.
copilot_session() {
  COPILOT_AUTO_UPDATE=false COPILOT_OFFLINE=true COPILOT_PROVIDER_BASE_URL=$LLM_URL/v1 \
    COPILOT_MODEL=fake-model COPILOT_PROVIDER_API_KEY=check \
    in_client copilot -p "say hi" --allow-all-tools --no-auto-update </dev/null
}

copilot_check() {
  local out
  case $1 in
    inline)
      check "copilot mcp get figma shows the header" "Bearer $TOKEN" \
        "$(in_client copilot mcp get figma --json --show-secrets)"
      reset_log
      out=$(copilot_session)
      ;;
    env)
      check "env mode writes the reference" 'Bearer ${FIGMA_TOKEN}' "$(cat "$HOME/.copilot/mcp-config.json")"
      check_no_token copilot
      reset_log
      out=$(FIGMA_TOKEN=$TOKEN copilot_session)
      ;;
    proxy)
      # Copilot CLI starts `figma-auth proxy`, which sends the stored token.
      local got
      got=$(in_client copilot mcp get figma --json)
      check "copilot mcp get figma shows a local server" '"type": "local"' "$got"
      check "copilot mcp get figma runs this figma-auth" "\"command\": \"$FA\"" "$got"
      check "copilot mcp get figma runs its proxy for the profile" '"proxy"' "$got"
      check_no_token copilot
      reset_log
      out=$(copilot_session)
      ;;
  esac
  check "copilot -p runs a session ($1 mode)" "ok" "$out"
  check "copilot offered the figma server's tools to the model ($1 mode)" "figma-whoami" "$(cat "$WORK/llm.log")"
  check_served copilot "$1"
}
