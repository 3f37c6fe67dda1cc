# Cline CLI (npm cline): ~/.cline/data/settings/cline_mcp_settings.json, the file the CLI and the
# Cline extension (4.0 and later) share, with the entry Cline's own `cline mcp add` writes (nested
# in `transport`). Cline has no list command; a session (`cline "say hi"`) with a stand-in model
# connects to the servers and offers their tools to the model. A session leaves Cline's hub
# daemon running in the background: it is stopped by its process id. In proxy mode the entry
# `cline mcp add` nested in `transport` becomes a flat `command` + `args` entry.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client cline cline "inline proxy inline proxy" cline@3.0.65

cline_files() { echo "$HOME/.cline/data/settings/cline_mcp_settings.json"; }

cline_prepare() {
  # Cline writes the entry itself, with a stale token; the stand-in model is its provider.
  in_client cline mcp add --transport http --header "Authorization: Bearer figu_CHECK_STALE" --yes \
    figma "$FIGMA_MCP_URL" >/dev/null
  in_client cline auth -p openai -k check -m fake-model -b "$LLM_URL/v1" >/dev/null
}

# Stops the hub daemons the sessions of this scratch HOME left behind (their command line names
# the scratch project).
cline_stop_daemons() {
  local pid
  for pid in $(pgrep -f -- "--cline-hub-daemon.*$PROJECT" || true); do
    kill "$pid" 2>/dev/null || true
  done
}

# cline_session MODE WHAT: a session connects with the stored token.
cline_session() {
  reset_log
  local out
  out=$(in_client cline "say hi")
  cline_stop_daemons
  check "cline runs a session ($1 mode, $2)" "ok" "$out"
  check "cline offered the figma server's tools to the model ($1 mode, $2)" "figma__whoami" "$(cat "$WORK/llm.log")"
  check_served cline "$1"
}

# The mode checked before this one.
CLINE_LAST=

cline_check() {
  local last=$CLINE_LAST
  CLINE_LAST=$1
  if [ "$1" = proxy ]; then
    # The first switch turns the nested entry `cline mcp add` wrote into a local server.
    check "cline's entry runs figma-auth proxy" '"proxy"' "$(cat "$(cline_files)")"
    check_not "cline's entry keeps no transport (proxy mode)" '"transport"' "$(cat "$(cline_files)")"
    check_no_token cline
    cline_session "$1" "a local server"
    return
  fi
  if [ -z "$last" ]; then
    check "cline keeps its nested entry ($1 mode)" '"transport"' "$(cat "$(cline_files)")"
    cline_session "$1" "the entry cline mcp add wrote"
    return
  fi
  check "the entry is flat again ($1 mode after $last)" '"type": "streamableHttp"' "$(cat "$(cline_files)")"
  cline_session "$1" "back from $last"
  if [ "$last" = proxy ] && [ ! -e "$WORK/cline-new-file" ]; then
    : >"$WORK/cline-new-file"
    # The entry setup creates in a new file (flat, as the extension documents it).
    rm "$(cline_files)"
    # shellcheck disable=SC2034 # check-real-clients.sh's verdict
    "$FA" setup --target cline --write >/dev/null 2>&1 || { echo "FAIL setup --target cline (new file)"; fail=1; }
    check "setup creates a flat streamableHttp entry" '"type": "streamableHttp"' "$(cat "$(cline_files)")"
    cline_session "$1" "the entry setup created"
  fi
}
