#!/usr/bin/env bash
# A scripted cadaver session (the command-line WebDAV client, Debian package
# `cadaver`) against Quire's WebDAV handler, once per store backend.
#
#   bash conformance/cadaver.sh [QUIRE_BINARY]     # default build/release/server/quire
#   bash conformance/cadaver.sh --peer-apache      # development: the same session against an
#                                                  # Apache httpd mod_dav the script starts
#   DAV_URL=http://127.0.0.1:PORT/ bash conformance/cadaver.sh
#                                                  # development: against a server already running
#
# For each backend (fs, sqlite, git) it starts `quire run --config FILE` with one
# WebDAV mount on "/" on a temporary store (fs: a folder, sqlite: a file, git: a
# bare repository that Quire creates), on 127.0.0.1 on a free ephemeral port,
# and drives ONE cadaver session through a FIFO, one command at a time, waiting
# for cadaver's next prompt before the next command.  Every step is checked
# twice: cadaver must report success (its "succeeded." / "Value of ... is:"
# lines), and curl checks the server's state where that means something:
#
#   put       put up.bin               GET returns the same bytes
#   get       get up.bin back.bin      the downloaded file has the same bytes
#   mkcol     mkcol coll               PROPFIND Depth 0 on /coll/: 207, a collection
#   copy      copy up.bin coll/copy.bin        GET of the copy: same bytes; source still there
#   move      move coll/copy.bin coll/moved.bin  GET of the new name: same bytes; old name 404
#   lock      lock up.bin              PUT without the lock token: 423; lockdiscovery shows it
#   unlock    unlock up.bin            PUT without a token works again (same bytes)
#   propset   propset up.bin color deep-blue   PROPFIND of the property returns the value
#   propget   propget up.bin color     cadaver prints "Value of color is: deep-blue"
#   delete    delete coll/moved.bin    GET: 404
#   rmcol     rmcol coll               PROPFIND: 404
#
# and for git, after the session, `git -C REPO log --format='%an %s'` must have
# at least one commit per change made (put, mkcol, copy, move, the PUT after
# unlock, propset, delete, rmcol: 8); the log is printed.
#
# Output: one line per step, "ok   STEP" or "FAIL STEP: why", then per backend
# "BACKEND: N passed, M failed", and a total line; exit status 1 on any failure.
# When QUIRE's `serve --help` does not mention --webdav (no WebDAV handler in
# that build yet) the Quire sessions are skipped with a message and exit 0.
#
# Bounded in time: every cadaver command waits at most STEP_TIMEOUT (20) s,
# every cadaver process is killed after SESSION_TIMEOUT (180) s, every curl
# call has --max-time, and servers are stopped by a trap on exit.
# Installs cadaver (and curl, python3) with apt-get when missing (needs root);
# --peer-apache also needs apache2.
set -euo pipefail

STEP_TIMEOUT=${STEP_TIMEOUT:-20}
SESSION_TIMEOUT=${SESSION_TIMEOUT:-180}
MODE=quire
QUIRE=build/release/server/quire
case ${1:-} in
  --peer-apache) MODE=apache ;;
  "") ;;
  *) QUIRE=$1 ;;
esac
[[ -n ${DAV_URL:-} ]] && MODE=url
[[ $QUIRE == /* ]] || QUIRE=$PWD/$QUIRE

need=()
command -v cadaver >/dev/null || need+=(cadaver)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
command -v stdbuf >/dev/null || need+=(coreutils)
if [[ $MODE == apache ]]; then
  [[ -x /usr/sbin/apache2 && -e /usr/lib/apache2/modules/mod_dav_fs.so ]] || need+=(apache2)
fi
if [[ $MODE == quire ]]; then command -v git >/dev/null || need+=(git); fi
if ((${#need[@]})); then
  echo "cadaver.sh: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2; }
fi

if [[ $MODE == quire ]]; then
  [[ -x $QUIRE ]] || { echo "cadaver.sh: no Quire binary at $QUIRE" >&2; exit 1; }
  quire_help=$(timeout 10 "$QUIRE" serve --help 2>&1 || true)
  if [[ $quire_help != *--webdav* ]]; then
    echo "cadaver: skipped: $QUIRE has no WebDAV handler ('quire serve --help' does not mention --webdav)"
    exit 0
  fi
fi

W=$(mktemp -d /tmp/quire-cadaver.XXXXXX)
chmod 755 "$W"
SPID=""        # server
CPID=""        # cadaver
# free_port, wait_up, start_quire BACKEND, stop_server, ok, bad
source "$(dirname "${BASH_SOURCE[0]}")/lib/quire_share.sh"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  exec 3>&- 2>/dev/null || true
  [[ -n $CPID ]] && kill "$CPID" 2>/dev/null
  stop_server
  rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Development only: Apache httpd with mod_dav + mod_dav_fs on its own minimal configuration.
start_apache() {
  local dir=$W/apache port
  port=$(free_port)
  mkdir -p "$dir/root" "$dir/run" "$dir/lock"
  chown www-data:www-data "$dir/root" "$dir/lock"
  cat >"$dir/apache.conf" <<EOF
ServerRoot "$dir"
DefaultRuntimeDir "$dir/run"
PidFile "$dir/run/httpd.pid"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
User www-data
Group www-data
ErrorLog "$dir/error.log"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dav_module /usr/lib/apache2/modules/mod_dav.so
LoadModule dav_fs_module /usr/lib/apache2/modules/mod_dav_fs.so
StartServers 1
ServerLimit 1
DavLockDB "$dir/lock/DavLock"
DocumentRoot "$dir/root"
<Directory "$dir/root">
    Dav On
    Require all granted
</Directory>
EOF
  /usr/sbin/apache2 -f "$dir/apache.conf" -DFOREGROUND >"$dir/server.log" 2>&1 &
  SPID=$!
  BASE="http://127.0.0.1:$port/"
  REPO=""
  wait_up "$BASE" "$dir/error.log"
}


# --- one cadaver session, fed one command at a time ---------------------------
OUT=""
prompts() { grep -c '^dav:' "$OUT" 2>/dev/null || true; }

session_start() { # URL
  local s=$W/session
  rm -rf "$s"
  mkdir -p "$s/home" "$s/local"
  OUT=$s/out
  : >"$OUT"
  mkfifo "$s/in"
  # HOME without .netrc or .cadaverrc: an anonymous session with default settings.
  # stdbuf: cadaver writes to a file here, unbuffered so that each prompt shows at once.
  (cd "$s/local" && HOME=$s/home exec timeout "$SESSION_TIMEOUT" stdbuf -o0 -e0 cadaver "$1" <"$s/in" >"$OUT" 2>&1) &
  CPID=$!
  exec 3>"$s/in"
  LOCAL=$s/local
  wait_prompts 1
}

# wait_prompts N: until cadaver has printed N prompts (it prints one when it is
# ready for the next command), STEP_TIMEOUT s at most, or until it exits (1).
# Returns 2 at once when cadaver asks a question instead (a lock token it does
# not know, a user name or password): the caller answers with an empty line.
wait_prompts() {
  local deadline=$((SECONDS + STEP_TIMEOUT))
  while (($(prompts) < $1)); do
    kill -0 "$CPID" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    if tail -c 100 "$OUT" | tail -n 1 | grep -qE '(Enter locktoken|Username|Password|\?|\[y/n\]) *:? *$'; then
      return 2
    fi
    sleep 0.05
  done
}

# cad COMMAND: sends one command; sets REPLY to what cadaver printed for it.
cad() {
  local before off
  before=$(prompts)
  off=$(stat -c %s "$OUT")
  printf '%s\n' "$1" >&3 || true
  local rc=0
  wait_prompts $((before + 1)) || rc=$?
  if ((rc == 2)); then
    printf '\n' >&3 || true     # answer cadaver's question with nothing, to get its prompt back
    wait_prompts $((before + 1)) || true
    REPLY="$(tail -c +$((off + 1)) "$OUT") [cadaver asked a question; answered with an empty line]"
  elif ((rc != 0)); then
    REPLY="$(tail -c +$((off + 1)) "$OUT") [no prompt after ${STEP_TIMEOUT}s or cadaver exited]"
  else
    REPLY=$(tail -c +$((off + 1)) "$OUT")
  fi
}

session_end() {
  printf 'quit\n' >&3 2>/dev/null || true
  exec 3>&-
  timeout 10 tail --pid="$CPID" -f /dev/null 2>/dev/null || kill "$CPID" 2>/dev/null || true
  wait "$CPID" 2>/dev/null || true
  CPID=""
}

# --- checks ------------------------------------------------------------------
# check STEP WHY CONDITION...: ok when the command succeeds
check() {
  local step=$1 why=$2
  shift 2
  if "$@"; then ok "$step"; else bad "$step" "$why"; fi
}
oneline() { tr '\r\n' '  ' <<<"$1" | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-300; }

c() { curl -s --max-time 10 "$@"; }
status() { c -o /dev/null -w '%{http_code}' "$@" || echo 000; }
same_bytes() { # URL FILE
  c -o "$W/fetched" "$1" && cmp -s "$W/fetched" "$2"
}
propfind() { # URL DEPTH BODY -> body on stdout
  c -X PROPFIND -H "Depth: $2" -H 'Content-Type: application/xml; charset="utf-8"' --data-binary "$3" "$1" || true
}
CADAVER_NS="http://webdav.org/cadaver/custom-properties/"

# run_session NAME: the whole session against $BASE; git log check when $REPO is set.
run_session() {
  local name=$1 r reply pf
  PASS=0
  FAIL=0
  echo "== cadaver against $name ($BASE)"
  session_start "$BASE" || { bad "start" "cadaver gave no prompt: $(oneline "$(cat "$OUT")")"; }
  head -c 20000 /dev/urandom >"$LOCAL/up.bin"
  printf 'cadaver conformance\n' >>"$LOCAL/up.bin"

  cad "put up.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    check put "GET ${BASE}up.bin does not return the uploaded bytes" same_bytes "${BASE}up.bin" "$LOCAL/up.bin"
  else bad put "cadaver: $(oneline "$reply")"; fi

  cad "get up.bin back.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    check get "back.bin differs from up.bin" cmp -s "$LOCAL/back.bin" "$LOCAL/up.bin"
  else bad get "cadaver: $(oneline "$reply")"; fi

  cad "mkcol coll"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    pf=$(propfind "${BASE}coll/" 0 '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>')
    check mkcol "PROPFIND ${BASE}coll/ shows no collection: $(oneline "$pf")" grep -q 'collection' <<<"$pf"
  else bad mkcol "cadaver: $(oneline "$reply")"; fi

  cad "copy up.bin coll/copy.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    if ! same_bytes "${BASE}coll/copy.bin" "$LOCAL/up.bin"; then bad copy "GET coll/copy.bin: not the same bytes"
    elif ! same_bytes "${BASE}up.bin" "$LOCAL/up.bin"; then bad copy "the source changed or went away"
    else ok copy; fi
  else bad copy "cadaver: $(oneline "$reply")"; fi

  cad "move coll/copy.bin coll/moved.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    r=$(status "${BASE}coll/copy.bin")
    if ! same_bytes "${BASE}coll/moved.bin" "$LOCAL/up.bin"; then bad move "GET coll/moved.bin: not the same bytes"
    elif [[ $r != 404 ]]; then bad move "GET coll/copy.bin (the old name) returned $r, want 404"
    else ok move; fi
  else bad move "cadaver: $(oneline "$reply")"; fi

  cad "lock up.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    r=$(status -T "$LOCAL/up.bin" "${BASE}up.bin")
    pf=$(propfind "${BASE}up.bin" 0 '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>')
    if [[ $r != 423 ]]; then bad lock "PUT without the lock token returned $r, want 423"
    elif ! grep -q 'locktoken' <<<"$pf"; then bad lock "lockdiscovery shows no lock: $(oneline "$pf")"
    else ok lock; fi
  else bad lock "cadaver: $(oneline "$reply")"; fi

  cad "unlock up.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    r=$(status -T "$LOCAL/up.bin" "${BASE}up.bin")
    check unlock "PUT after UNLOCK returned $r, want 200 or 204" [ "$r" = 204 -o "$r" = 200 ]
  else bad unlock "cadaver: $(oneline "$reply")"; fi

  cad "propset up.bin color deep-blue"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    pf=$(propfind "${BASE}up.bin" 0 "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><C:color xmlns:C=\"$CADAVER_NS\"/></D:prop></D:propfind>")
    check propset "PROPFIND does not return the value: $(oneline "$pf")" grep -q '>deep-blue<' <<<"$pf"
  else bad propset "cadaver: $(oneline "$reply")"; fi

  cad "propget up.bin color"; reply=$REPLY
  check propget "cadaver: $(oneline "$reply")" grep -q 'Value of color is: deep-blue' <<<"$reply"

  cad "delete coll/moved.bin"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    r=$(status "${BASE}coll/moved.bin")
    check delete "GET after DELETE returned $r, want 404" [ "$r" = 404 ]
  else bad delete "cadaver: $(oneline "$reply")"; fi

  cad "rmcol coll"; reply=$REPLY
  if [[ $reply == *succeeded* ]]; then
    r=$(status -X PROPFIND -H 'Depth: 0' "${BASE}coll/")
    check rmcol "PROPFIND after rmcol returned $r, want 404" [ "$r" = 404 ]
  else bad rmcol "cadaver: $(oneline "$reply")"; fi

  session_end

  if [[ -n $REPO ]]; then
    local log n changes=8
    if log=$(timeout 30 git -C "$REPO" log --format='%an %s' 2>&1); then
      n=$(grep -c . <<<"$log" || true)
    else
      n=0
      log="(git log failed: $log)"
    fi
    echo "   git log of $REPO ($n commits):"
    sed 's/^/     /' <<<"$log"
    check "git log" "$n commits, want at least one per change ($changes)" [ "$n" -ge "$changes" ]
  fi
  echo "$name: $PASS passed, $FAIL failed"
  TOTAL_PASS=$((TOTAL_PASS + PASS))
  TOTAL_FAIL=$((TOTAL_FAIL + FAIL))
}

TOTAL_PASS=0
TOTAL_FAIL=0
case $MODE in
  quire)
    for backend in fs sqlite git; do
      if start_quire "$backend"; then
        run_session "quire-$backend"
      else
        echo "FAIL start: quire ($backend) did not start"
        echo "quire-$backend: 0 passed, 1 failed"
        TOTAL_FAIL=$((TOTAL_FAIL + 1))
      fi
      stop_server
    done
    ;;
  apache)
    start_apache
    run_session apache
    stop_server
    ;;
  url)
    BASE=${DAV_URL%/}/
    REPO=${DAV_GIT_REPO:-}
    run_session "$BASE"
    ;;
esac
echo "cadaver: $TOTAL_PASS passed, $TOTAL_FAIL failed"
[[ $TOTAL_FAIL -eq 0 ]]
