#!/usr/bin/env bash
# Checks figma-auth's config edits against the real MCP clients: installs Claude Code, Codex CLI,
# Gemini CLI and opencode from npm (or uses CLIENTS_DIR), runs `figma-auth setup --write` for each
# in a scratch HOME with the MCP URL pointed at a local stand-in MCP server, and asks each client
# what it loaded; opencode and Gemini CLI also connect to the stand-in, which records the bearer
# token it receives. Not part of `cargo test` (it needs npm and several hundred MB of clients).
#
# Usage: scripts/check-real-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CLIENTS_DIR=${CLIENTS_DIR:-$(mktemp -d)}
if [ ! -x "$CLIENTS_DIR/node_modules/.bin/claude" ]; then
  npm install --silent --prefix "$CLIENTS_DIR" @anthropic-ai/claude-code@2.1.197 @openai/codex@0.171.0 \
    @google/gemini-cli@0.61.0 opencode-ai@1.18.33
fi
BINS=$CLIENTS_DIR/node_modules/.bin
cargo build --quiet --bin figma-auth
FA=$ROOT/target/debug/figma-auth

WORK=$(mktemp -d)
trap 'kill $MCP_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_STATE_HOME=$WORK/home/.local/state
export XDG_DATA_HOME=$WORK/home/.local/share XDG_CACHE_HOME=$WORK/home/.cache NO_COLOR=1 TERM=dumb
mkdir -p "$HOME/project/.git"
cd "$HOME/project"

# A stand-in MCP server: answers `initialize` and `tools/list`, logs the Authorization header.
cat > "$WORK/mcp.py" <<'PY'
import http.server, json, sys
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        log.write((self.headers.get("Authorization") or "-") + "\n"); log.flush()
        if isinstance(body, dict) and "id" in body:
            result = {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                      "serverInfo": {"name": "stand-in", "version": "1"}}
            if body.get("method") == "tools/list":
                result = {"tools": []}
            data = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": result}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
        else:
            self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        self.send_response(405); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$WORK/mcp.py" "$PORT" "$WORK/auth.log" & MCP_PID=$!
export FIGMA_MCP_URL=http://127.0.0.1:$PORT/mcp

# A stored login with a fake, fresh token (no Figma needed).
TOKEN=figu_CHECK_REAL_CLIENTS_$RANDOM$RANDOM
mkdir -p "$XDG_CONFIG_HOME/figma-auth/credentials"
chmod 700 "$XDG_CONFIG_HOME/figma-auth" "$XDG_CONFIG_HOME/figma-auth/credentials"
(umask 077; cat >"$XDG_CONFIG_HOME/figma-auth/credentials/default.json" <<JSON
{"version": 1, "token": {"access_token": "$TOKEN", "token_type": "Bearer",
 "expires_at": "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)", "obtained_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "auth_server": "https://api.figma.com", "token_endpoint": "https://api.figma.com/v1/oauth/token",
 "resource": "$FIGMA_MCP_URL", "client_id": "check"}}
JSON
)

# Hand-written configs with comments, as users have them.
mkdir -p "$XDG_CONFIG_HOME/opencode" "$HOME/.codex" "$HOME/.gemini"
cp "$ROOT/fixtures/opencode/real-06-commented/before.jsonc" "$XDG_CONFIG_HOME/opencode/opencode.jsonc"
sed -i "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$XDG_CONFIG_HOME/opencode/opencode.jsonc"
cp "$ROOT/fixtures/codex/real-03-commented/before.toml" "$HOME/.codex/config.toml"
sed -i "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#; s#/home/user/project#$HOME/project#" "$HOME/.codex/config.toml"
cp "$ROOT/fixtures/gemini/real-03-commented/before.json" "$HOME/.gemini/settings.json"
sed -i "s#https://mcp.figma.com/mcp#$FIGMA_MCP_URL#" "$HOME/.gemini/settings.json"
# Gemini CLI loads MCP servers only in trusted folders.
printf '{\n  "%s": "TRUST_FOLDER"\n}\n' "$HOME/project" > "$HOME/.gemini/trustedFolders.json"
printf '{\n  "numStartups": 1\n}' > "$HOME/.claude.json"; chmod 600 "$HOME/.claude.json"

fail=0
check() { if grep -q -- "$2" <<<"$3"; then echo "ok   $1"; else echo "FAIL $1"; echo "$3" | sed 's/^/     /'; fail=1; fi; }

for t in opencode claude codex gemini; do
  "$FA" setup --target "$t" --write >/dev/null 2>"$WORK/err" || { echo "FAIL setup $t"; cat "$WORK/err"; fail=1; }
done

out=$(timeout 120 "$BINS/claude" mcp get figma 2>&1 || true)
check "claude mcp get figma shows the header" "Authorization: Bearer $TOKEN" "$out"

out=$(timeout 120 "$BINS/codex" mcp get figma --json 2>&1 || true)
check "codex mcp get figma --json shows the header" "Bearer $TOKEN" "$out"

: > "$WORK/auth.log"
out=$(timeout 180 "$BINS/gemini" mcp list 2>&1 || true)
check "gemini mcp list connects" "Connected" "$out"
check "gemini sent the token" "Bearer $TOKEN" "$(cat "$WORK/auth.log")"

: > "$WORK/auth.log"
out=$(timeout 180 "$BINS/opencode" mcp list 2>&1 || true)
check "opencode mcp list connects" "connected" "$out"
check "opencode sent the token" "Bearer $TOKEN" "$(cat "$WORK/auth.log")"

# Helper mode: Claude Code runs `figma-auth header --json` and sends what it prints.
"$FA" setup --target claude --mode helper --write >/dev/null 2>"$WORK/err" || { echo "FAIL setup helper"; cat "$WORK/err"; fail=1; }
check "helper mode leaves no token in ~/.claude.json" "headersHelper" "$(cat "$HOME/.claude.json")"
: > "$WORK/auth.log"
out=$(timeout 180 "$BINS/claude" mcp list 2>&1 || true)
check "claude mcp list connects through the helper" "Connected" "$out"
check "claude sent the helper's token" "Bearer $TOKEN" "$(cat "$WORK/auth.log")"

# A refresh with nothing to do changes nothing.
before=$(sha256sum "$XDG_CONFIG_HOME/opencode/opencode.jsonc" "$HOME/.claude.json" "$HOME/.codex/config.toml" "$HOME/.gemini/settings.json")
"$FA" refresh --write >/dev/null 2>&1
after=$(sha256sum "$XDG_CONFIG_HOME/opencode/opencode.jsonc" "$HOME/.claude.json" "$HOME/.codex/config.toml" "$HOME/.gemini/settings.json")
check "refresh --write changes nothing when current" "$before" "$after"
exit $fail
