# Claude Code (npm @anthropic-ai/claude-code): ~/.claude.json, as Claude Code writes it.
# `claude mcp get` shows the entry it loaded; `claude mcp list` connects to every server.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client claude claude "inline helper proxy inline proxy" @anthropic-ai/claude-code@2.1.197

claude_files() { echo "$HOME/.claude.json"; }

claude_prepare() {
  printf '{\n  "numStartups": 1\n}' >"$HOME/.claude.json"
  chmod 600 "$HOME/.claude.json"
}

claude_check() {
  case $1 in
    inline)
      check "claude mcp get figma shows the header" "Authorization: Bearer $TOKEN" "$(in_client claude mcp get figma)"
      ;;
    helper)
      # Claude Code runs `figma-auth header --json` and sends what it prints.
      check "helper mode writes headersHelper" "headersHelper" "$(cat "$HOME/.claude.json")"
      check_no_token claude
      ;;
    proxy)
      # Claude Code starts `figma-auth proxy`, which sends the stored token.
      local got
      got=$(in_client claude mcp get figma)
      check "claude mcp get figma shows the proxy" "Type: stdio" "$got"
      check "claude mcp get figma runs this figma-auth" "Command: $FA$" "$got"
      check "claude mcp get figma runs its proxy for the profile" "Args: proxy --profile default" "$got"
      check_no_token claude
      ;;
  esac
  reset_log
  check "claude mcp list connects ($1 mode)" "Connected" "$(in_client claude mcp list)"
  check_served claude "$1"
}
