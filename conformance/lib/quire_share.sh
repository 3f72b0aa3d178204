# Shared by the conformance suites that drive a real client against Quire (cadaver.sh,
# davfs2.sh): a free port, a Quire with one WebDAV mount on "/" per store backend, stopping
# it. Sourced, not run (the test command runs conformance/*.sh, not this folder).
# Expects W (a work folder) and QUIRE (the binary); uses and sets SPID, BASE and REPO.
# Steps report with `ok STEP` and `bad STEP WHY`, counted in PASS and FAIL.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_up URL LOG: until the server answers OPTIONS (20 s at most).
wait_up() {
  local deadline=$((SECONDS + 20))
  until curl -s -o /dev/null --max-time 1 -X OPTIONS "$1"; do
    if ! kill -0 "$SPID" 2>/dev/null; then
      echo "server exited during startup:" >&2
      cat "$2" >&2 || true
      return 1
    fi
    ((SECONDS < deadline)) || { echo "server did not answer within 20 s" >&2; return 1; }
    sleep 0.1
  done
}

start_quire() { # BACKEND -> sets SPID, BASE, REPO
  local backend=$1 port store dir=$W/$1
  mkdir -p "$dir"
  port=$(free_port)
  REPO=""
  case $backend in
    fs) mkdir -p "$dir/root"; store="fs:$dir/root" ;;
    sqlite) store="sqlite:$dir/store.db" ;;
    git) REPO=$dir/repo.git; store="git:$REPO" ;;
  esac
  cat >"$dir/quire.toml" <<EOF
[server]
workers = 1

[log]
access = "off"
error = "-"
level = "warn"

[[listen]]
address = "127.0.0.1:$port"

[[mount]]
path = "/"
handler = "webdav"
store = "$store"
EOF
  "$QUIRE" run --config "$dir/quire.toml" >"$dir/server.log" 2>&1 &
  SPID=$!
  BASE="http://127.0.0.1:$port/"
  wait_up "$BASE" "$dir/server.log"
}

stop_server() {
  [[ -n $SPID ]] || return 0
  kill "$SPID" 2>/dev/null || true
  timeout 10 tail --pid="$SPID" -f /dev/null 2>/dev/null || kill -9 "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
}

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$1"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }
