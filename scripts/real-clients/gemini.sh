# Gemini CLI (npm @google/gemini-cli): ~/.gemini/settings.json, hand-written with comments.
# `gemini mcp list` connects to every server, in a trusted folder only.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client gemini gemini "inline proxy inline proxy" @google/gemini-cli@0.61.0

gemini_files() { echo "$HOME/.gemini/settings.json"; }

gemini_prepare() {
  mkdir -p "$HOME/.gemini"
  sed "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$ROOT/fixtures/gemini/real-03-commented/before.json" \
    >"$HOME/.gemini/settings.json"
  # Gemini CLI loads MCP servers only in trusted folders.
  printf '{\n  "%s": "TRUST_FOLDER"\n}\n' "$PROJECT" >"$HOME/.gemini/trustedFolders.json"
}

gemini_check() {
  if [ "$1" = proxy ]; then
    check "gemini mcp list shows the proxy" "$FA proxy --profile default" "$(in_client gemini mcp list)"
    check_no_token gemini
  fi
  reset_log
  check "gemini mcp list connects ($1 mode)" "Connected" "$(in_client gemini mcp list)"
  check_served gemini "$1"
}
