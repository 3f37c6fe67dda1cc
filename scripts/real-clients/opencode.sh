# opencode (npm opencode-ai): the global ~/.config/opencode/opencode.jsonc, hand-written with
# comments. `opencode mcp list` connects to every server, remote or local.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client opencode opencode "inline proxy inline proxy" opencode-ai@1.18.33

opencode_files() { echo "$XDG_CONFIG_HOME/opencode/opencode.jsonc"; }

opencode_prepare() {
  mkdir -p "$XDG_CONFIG_HOME/opencode"
  sed "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$ROOT/fixtures/opencode/real-06-commented/before.jsonc" \
    >"$XDG_CONFIG_HOME/opencode/opencode.jsonc"
}

opencode_check() {
  if [ "$1" = proxy ]; then
    check "opencode's entry is a local server running figma-auth proxy" "\"type\": \"local\"" "$(cat "$XDG_CONFIG_HOME/opencode/opencode.jsonc")"
    check_no_token opencode
  fi
  reset_log
  check "opencode mcp list connects ($1 mode)" "connected" "$(in_client opencode mcp list)"
  check_served opencode "$1"
}
