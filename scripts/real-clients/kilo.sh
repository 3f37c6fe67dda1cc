# Kilo Code (npm @kilocode/cli; the Kilo Code extension runs this CLI): the global
# ~/.config/kilo/kilo.jsonc, hand-written with comments and trailing commas, as Kilo's first run
# leaves it. `kilo mcp list` connects to every server; in env mode FIGMA_TOKEN comes from
# `figma-auth env`, in file mode Kilo reads the token file figma-auth keeps, in proxy mode it
# starts figma-auth proxy as a local server.
# shellcheck shell=bash disable=SC2154 # the variables come from check-real-clients.sh
client kilo kilo "inline file env proxy inline proxy" @kilocode/cli@7.7.7

kilo_files() { echo "$XDG_CONFIG_HOME/kilo/kilo.jsonc"; }

kilo_prepare() {
  mkdir -p "$XDG_CONFIG_HOME/kilo"
  sed "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$ROOT/fixtures/kilo/real-06-first-run-migration/before.jsonc" \
    >"$(kilo_files)"
}

kilo_check() {
  if [ "$1" != inline ]; then
    check_no_token kilo
  fi
  if [ "$1" = proxy ]; then
    check "kilo's entry is a local server running figma-auth proxy" '"type": "local"' "$(cat "$(kilo_files)")"
  fi
  reset_log
  local out
  if [ "$1" = env ]; then
    out=$(eval "$("$FA" env)" && in_client kilo mcp list)
  else
    out=$(in_client kilo mcp list)
  fi
  check "kilo mcp list connects ($1 mode)" "connected" "$out"
  check_served kilo "$1"
}
