#!/usr/bin/env bash
# Checks figma-auth's config edits against the real MCP clients: installs them from npm (or uses
# CLIENTS_DIR), and for each client runs `figma-auth setup --target <client> --mode <mode> --write`
# in a scratch HOME, mode after mode, with the MCP URL pointed at a local stand-in MCP server that
# accepts only the stored token; after each setup the client itself is asked what it loaded, and
# where it can connect without a network (its list command, or a session with a stand-in model),
# whether it reaches the stand-in with the token. Not part of `cargo test` (it needs npm and
# several hundred MB of clients).
#
# Usage: scripts/check-real-clients.sh [CLIENT...]   (default: every client)
#   CLIENTS_DIR=DIR   an npm prefix holding the clients (what is missing is installed there)
#
# Each client is one file, scripts/real-clients/<client>.sh, sourced here. It calls
#   client ID BIN "MODE..." NPM_PACKAGE...
# (the command it runs, the modes it is checked in, in order, and what npm installs), and defines
#   ID_prepare          writes the client's config as a user has it (before any setup)
#   ID_files            prints the client's config files in the scratch HOME, one per line
#   ID_check MODE       runs after `setup --mode MODE` and checks what the client does with it
# with the helpers below: check, check_not, reset_log, served, check_served, check_no_token,
# in_client, and the variables HOME, PROJECT, TOKEN, FIGMA_MCP_URL, BINS, FA, WORK, LLM_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# --- The registry the client files fill ---------------------------------------------------------
ALL_CLIENTS=()
declare -A CLIENT_BIN=() CLIENT_MODES=() CLIENT_PACKAGES=()

# client ID BIN "MODE..." NPM_PACKAGE...
client() {
  local id=$1 bin=$2 modes=$3
  shift 3
  ALL_CLIENTS+=("$id")
  CLIENT_BIN[$id]=$bin
  CLIENT_MODES[$id]=$modes
  CLIENT_PACKAGES[$id]="$*"
}

for f in "$ROOT"/scripts/real-clients/*.sh; do
  # shellcheck source=/dev/null
  source "$f"
done

SELECTED=("$@")
[ ${#SELECTED[@]} -gt 0 ] || SELECTED=("${ALL_CLIENTS[@]}")
for id in "${SELECTED[@]}"; do
  [ -n "${CLIENT_BIN[$id]:-}" ] || { echo "unknown client $id; known: ${ALL_CLIENTS[*]}" >&2; exit 2; }
done

# --- The clients and figma-auth -----------------------------------------------------------------
CLIENTS_DIR=${CLIENTS_DIR:-$(mktemp -d)}
BINS=$CLIENTS_DIR/node_modules/.bin
missing=()
for id in "${SELECTED[@]}"; do
  # shellcheck disable=SC2206 # a space-separated list of package specs
  [ -x "$BINS/${CLIENT_BIN[$id]}" ] || missing+=(${CLIENT_PACKAGES[$id]})
done
if [ ${#missing[@]} -gt 0 ]; then
  npm install --silent --prefix "$CLIENTS_DIR" "${missing[@]}"
fi
cargo build --quiet --bin figma-auth
FA=$ROOT/target/debug/figma-auth

# --- A scratch HOME -----------------------------------------------------------------------------
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_STATE_HOME=$WORK/home/.local/state
export XDG_DATA_HOME=$WORK/home/.local/share XDG_CACHE_HOME=$WORK/home/.cache NO_COLOR=1 TERM=dumb
PROJECT=$HOME/project
mkdir -p "$PROJECT/.git"
cd "$PROJECT"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A stored login with a fake, fresh token (no Figma needed).
TOKEN=figu_CHECK_REAL_CLIENTS_$RANDOM$RANDOM

# A stand-in MCP server (Streamable HTTP, JSON answers): `initialize`, `tools/list` with one tool,
# `ping`, the empty lists; 401 for any other token than the stored one; 405 on GET. It logs one
# line per request: the method, the Authorization header and the User-Agent.
cat > "$WORK/mcp.py" <<'PY'
import http.server, json, sys
token, log = sys.argv[2], open(sys.argv[3], "a")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, body=None, ctype="application/json"):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        if body is not None: self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"
        try: body = json.loads(raw)
        except ValueError: body = {}
        method = body.get("method", "-") if isinstance(body, dict) else "batch"
        auth = self.headers.get("Authorization") or "-"
        log.write("POST %s auth=%s ua=%s\n" % (method, auth, self.headers.get("User-Agent"))); log.flush()
        if auth != "Bearer " + token:
            self.send_response(401); self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
            self.send_header("Content-Length", "0"); self.end_headers(); return
        if not (isinstance(body, dict) and "id" in body and "method" in body):
            return self.reply(202)
        results = {
            "initialize": {"protocolVersion": (body.get("params") or {}).get("protocolVersion", "2025-06-18"),
                           "capabilities": {"tools": {}}, "serverInfo": {"name": "stand-in", "version": "1"}},
            "tools/list": {"tools": [{"name": "whoami", "description": "stand-in tool",
                                      "inputSchema": {"type": "object", "properties": {}}}]},
            "ping": {}, "prompts/list": {"prompts": []}, "resources/list": {"resources": []},
            "resources/templates/list": {"resourceTemplates": []},
        }
        if method in results:
            self.reply(200, {"jsonrpc": "2.0", "id": body["id"], "result": results[method]})
        else:
            self.reply(200, {"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32601, "message": "Method not found"}})
    def do_GET(self): self.reply(405)
    def do_DELETE(self): self.reply(200)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
MCP_PORT=$(free_port)
python3 "$WORK/mcp.py" "$MCP_PORT" "$TOKEN" "$WORK/mcp.log" & PIDS+=($!)
export FIGMA_MCP_URL=http://127.0.0.1:$MCP_PORT/mcp

# A stand-in model (OpenAI responses and chat completions, Anthropic messages) for clients that
# connect their MCP servers only in a session: it answers "ok" and logs the tools it was offered.
cat > "$WORK/llm.py" <<'PY'
import http.server, json, sys, time
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def send(self, obj, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(200); self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        self.send({"object": "list", "data": [{"id": "fake-model", "object": "model", "created": 0, "owned_by": "x"}]})
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        tools = [t.get("name") or (t.get("function") or {}).get("name") for t in body.get("tools") or []]
        log.write("POST %s tools=%s\n" % (self.path, tools)); log.flush()
        sse = lambda evs: "".join("event: %s\ndata: %s\n\n" % (e, json.dumps(d)) for e, d in evs).encode()
        if self.path.endswith("/responses"):
            item = {"type": "message", "id": "m1", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": "ok", "annotations": []}]}
            resp = {"id": "r1", "object": "response", "created_at": int(time.time()), "status": "completed",
                    "model": body.get("model"), "output": [item],
                    "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}}
            if not body.get("stream"): return self.send(resp)
            return self.send(sse([("response.created", {"type": "response.created", "response": dict(resp, status="in_progress", output=[])}),
                                  ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
                                  ("response.completed", {"type": "response.completed", "response": resp})]), "text/event-stream")
        if self.path.endswith("/messages"):
            return self.send({"id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model"),
                              "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
                              "usage": {"input_tokens": 1, "output_tokens": 1}})
        msg = {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        if not body.get("stream"):
            return self.send({"id": "c1", "object": "chat.completion", "created": 0, "model": body.get("model"), "choices": [msg],
                              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body.get("model"),
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}
        self.send(("data: %s\n\ndata: [DONE]\n\n" % json.dumps(chunk)).encode(), "text/event-stream")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
LLM_PORT=$(free_port)
python3 "$WORK/llm.py" "$LLM_PORT" "$WORK/llm.log" & PIDS+=($!)
# shellcheck disable=SC2034 # used by the client files
LLM_URL=http://127.0.0.1:$LLM_PORT

mkdir -p "$XDG_CONFIG_HOME/figma-auth/credentials"
chmod 700 "$XDG_CONFIG_HOME/figma-auth" "$XDG_CONFIG_HOME/figma-auth/credentials"
(umask 077; cat >"$XDG_CONFIG_HOME/figma-auth/credentials/default.json" <<JSON
{"version": 1, "token": {"access_token": "$TOKEN", "token_type": "Bearer",
 "expires_at": "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)", "obtained_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "auth_server": "https://api.figma.com", "token_endpoint": "https://api.figma.com/v1/oauth/token",
 "resource": "$FIGMA_MCP_URL", "client_id": "check"}}
JSON
)

# --- The helpers the client files use -----------------------------------------------------------
fail=0
# check NAME PATTERN TEXT: TEXT contains PATTERN.
check() {
  if grep -q -- "$2" <<<"$3"; then echo "ok   $1"; else echo "FAIL $1"; sed 's/^/     /' <<<"$3"; fail=1; fi
}
# check_not NAME PATTERN TEXT: TEXT does not contain PATTERN.
check_not() {
  if grep -q -- "$2" <<<"$3"; then echo "FAIL $1"; sed 's/^/     /' <<<"$3"; fail=1; else echo "ok   $1"; fi
}
# reset_log: forget what the stand-in MCP server and model saw so far.
reset_log() { : >"$WORK/mcp.log"; : >"$WORK/llm.log"; }
# served: what the stand-in MCP server saw since reset_log.
served() { cat "$WORK/mcp.log"; }
# check_served WHO MODE: the stand-in got the stored token (through figma-auth's proxy in proxy
# mode) and refused nothing.
check_served() {
  local log
  log=$(served)
  check "$1 sent the stored token ($2 mode)" "auth=Bearer $TOKEN" "$log"
  check_not "$1 sent no other token ($2 mode)" "auth=" "$(grep -v -- "auth=Bearer $TOKEN ua=" <<<"$log" || true)"
  if [ "$2" = proxy ]; then
    check "$1 reached the server through figma-auth proxy" "ua=figma-auth/" "$log"
  fi
}
# check_no_token ID: none of the client's config files holds the token.
check_no_token() {
  local files=()
  while IFS= read -r f; do [ -e "$f" ] && files+=("$f"); done < <("${1}_files")
  if [ ${#files[@]} -gt 0 ] && grep -l -- "$TOKEN" "${files[@]}" >/dev/null; then
    echo "FAIL no $1 config holds the token"; grep -l -- "$TOKEN" "${files[@]}" | sed 's/^/     holds it: /'; fail=1
  else
    echo "ok   no $1 config holds the token"
  fi
}
# in_client ID ARGS...: runs the client's command (3 minutes at most), stdout and stderr together.
in_client() {
  local id=$1
  shift
  timeout 180 "$BINS/${CLIENT_BIN[$id]}" "$@" 2>&1 || true
}

# --- The run ------------------------------------------------------------------------------------
for id in "${SELECTED[@]}"; do
  "${id}_prepare"
done
for id in "${SELECTED[@]}"; do
  echo "== $id"
  for mode in ${CLIENT_MODES[$id]}; do
    if ! "$FA" setup --target "$id" --mode "$mode" --write >"$WORK/out" 2>&1; then
      echo "FAIL setup --target $id --mode $mode"; sed 's/^/     /' "$WORK/out"; fail=1
      continue
    fi
    "${id}_check" "$mode"
  done
done

# A refresh with nothing to do changes nothing.
echo "== refresh"
files=()
for id in "${SELECTED[@]}"; do
  while IFS= read -r f; do [ -e "$f" ] && files+=("$f"); done < <("${id}_files")
done
before=$(sha256sum "${files[@]}")
"$FA" refresh --write >/dev/null 2>&1
after=$(sha256sum "${files[@]}")
check "refresh --write changes nothing when current" "$before" "$after"
exit $fail
