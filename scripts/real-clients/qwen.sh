# Qwen Code (npm @qwen-code/qwen-code): ~/.qwen/settings.json, hand-written with comments (which
# Qwen Code reads; a trailing comma it does not). `qwen mcp list` connects to every server of the
# user file (a project file's servers wait for `qwen mcp approve`).
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client qwen qwen "inline env proxy inline proxy" @qwen-code/qwen-code@0.24.4

qwen_files() { echo "$HOME/.qwen/settings.json"; }

qwen_prepare() {
  mkdir -p "$HOME/.qwen"
  sed "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$ROOT/fixtures/qwen/real-05-hand-written/before.json" \
    >"$HOME/.qwen/settings.json"
}

qwen_check() {
  local out
  reset_log
  case $1 in
    inline)
      out=$(in_client qwen mcp list)
      ;;
    env)
      check "env mode writes the reference" 'Bearer ${FIGMA_TOKEN}' "$(cat "$HOME/.qwen/settings.json")"
      check_no_token qwen
      out=$(FIGMA_TOKEN=$TOKEN in_client qwen mcp list)
      ;;
    proxy)
      # Qwen Code starts `figma-auth proxy`, which sends the stored token.
      check_no_token qwen
      out=$(in_client qwen mcp list)
      check "qwen mcp list shows the proxy" "$FA proxy --profile default" "$out"
      ;;
  esac
  check "qwen mcp list connects ($1 mode)" "figma.*Connected" "$out"
  check_served qwen "$1"
}
