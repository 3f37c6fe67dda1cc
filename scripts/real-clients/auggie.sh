# Auggie (npm @augmentcode/auggie): ~/.augment/settings.json with the entry Auggie's own
# `auggie mcp add` writes. `auggie mcp list --json` shows the server it loaded (without its
# headers) and does not connect; a `--print` session with a stand-in Augment tenant connects to
# every server (in proxy mode it starts figma-auth proxy as a stdio server).
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client auggie auggie "inline proxy inline proxy" @augmentcode/auggie@0.36.0

auggie_files() { echo "$HOME/.augment/settings.json"; }

auggie_prepare() {
  in_client auggie mcp add figma --transport http --url "$FIGMA_MCP_URL" \
    --header "Authorization: Bearer figu_CHECK_STALE" >/dev/null
}

auggie_check() {
  if [ "$1" = proxy ]; then
    check "auggie mcp list shows the figma server as a stdio server running the proxy" 'figma-auth proxy' "$(in_client auggie mcp list --json)"
    check_no_token auggie
  else
    check "auggie mcp list shows the figma server ($1 mode)" "$FIGMA_MCP_URL" "$(in_client auggie mcp list --json)"
  fi
  reset_log
  local out
  out=$(AUGMENT_SESSION_AUTH="{\"accessToken\":\"check\",\"tenantURL\":\"$LLM_URL/\",\"scopes\":[\"read\",\"write\"]}" \
    in_client auggie --print "say hi")
  # It prints `✅ <name>` for each server it connected to.
  check "auggie connects to the figma server ($1 mode)" "✅ figma" "$out"
  check_served auggie "$1"
}
