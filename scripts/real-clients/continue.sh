# Continue CLI (npm @continuedev/cli, binary `cn`): ~/.continue/config.yaml, hand-written with
# comments and a stand-in model. `cn` has no MCP listing command; `cn -p` runs one headless
# session, connects every MCP server first and fails the run when one of them fails to load.
# Env mode: `${{ secrets.FIGMA_TOKEN }}`, which cn resolves from the environment.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client continue cn "inline env" @continuedev/cli@1.5.47

continue_files() { echo "$HOME/.continue/config.yaml"; }

continue_prepare() {
  mkdir -p "$HOME/.continue"
  cat >"$HOME/.continue/config.yaml" <<YAML
# Continue config (hand-written)
name: Local config
version: 1.0.0
schema: v1

models:
  - name: fake   # a loopback stand-in model
    provider: openai
    model: fake-model
    apiBase: $LLM_URL/v1
    apiKey: check

# MCP servers: figma-auth adds its entry below
mcpServers: []
YAML
}

continue_check() {
  local out
  check "the model and its comment are kept ($1 mode)" "a loopback stand-in model" \
    "$(cat "$HOME/.continue/config.yaml")"
  if [ "$1" = env ]; then
    check_no_token continue
  fi
  reset_log
  if [ "$1" = env ]; then
    out=$(FIGMA_TOKEN=$TOKEN in_client continue -p "say hi" </dev/null)
  else
    out=$(in_client continue -p "say hi" </dev/null)
  fi
  check "cn -p runs a session with the figma server loaded ($1 mode)" "^ok$" "$out"
  check_not "cn -p loaded every MCP server ($1 mode)" "failed to load" "$out"
  check "cn offered the figma server's tools to the model ($1 mode)" "whoami" "$(cat "$WORK/llm.log")"
  check_served continue "$1"
}
