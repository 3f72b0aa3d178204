#!/usr/bin/env bash
# Runs every litmus suite (basic, copymove, props, locks, http; Debian's litmus package)
# against `quire serve --webdav` on each storage backend in turn: fs, sqlite, git, and fs
# again as a mount with `durable = false` (fs-quick: puts and moves through the quick
# journal, storage/fs/journal.hpp). Passes only when all 104 tests pass with no warning on
# every backend.
# Usage: conformance/litmus.sh [QUIRE_BINARY]
set -euo pipefail
quire=${1:-build/release/server/quire}
if ! command -v litmus >/dev/null; then
  apt-get install -y litmus >/dev/null
fi
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start() { # backend, store spec
  local log="$work/$1.log"
  mkdir -p "$work/$1"
  if [ "$1" = fs-quick ]; then
    printf '[server]\nworkers = 2\n[[listen]]\naddress = "127.0.0.1:0"\n[[mount]]\npath = "/"\nhandler = "webdav"\nstore = "fs:%s"\ndurable = false\n' \
      "$work/$1" > "$work/$1.toml"
    "$quire" run --config "$work/$1.toml" > "$log" 2>&1 &
  else
    "$quire" serve "$work/$1" --webdav ${2:+--store "$2"} --listen 127.0.0.1:0 --workers 2 \
      > "$log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 100); do
    grep -qs "serving on" "$log" && break  # -s: the log may not exist yet
    sleep 0.1
  done
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -1)
  [ -n "$url" ] || { echo "quire did not start:"; cat "$log"; exit 1; }
}

failed=0
for backend in fs sqlite git fs-quick; do
  case $backend in
    fs | fs-quick) spec="" ;;
    sqlite) spec="sqlite:$work/share.db" ;;
    git) spec="git:$work/share.git" ;;
  esac
  start "$backend" "$spec"
  out="$work/litmus-$backend.txt"
  # litmus exits non-zero on failures; the summary lines are what is checked.
  (cd "$work" && timeout 300 litmus "$url" > "$out" 2>&1) || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  passed=$(sed -n 's/.*of \([0-9]*\) tests run: \([0-9]*\) passed.*/\2/p' "$out" |
    awk '{s += $1} END {print s + 0}')
  run=$(sed -n 's/.*of \([0-9]*\) tests run.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
  warnings=$(grep -c "WARNING" "$out" || true)
  echo "litmus on $backend: $passed of $run passed, $warnings warning(s)"
  if [ "$passed" -ne 104 ] || [ "$run" -ne 104 ] || [ "$warnings" -ne 0 ]; then
    failed=1
    grep -E "FAIL|WARNING" "$out" | head -20 || true
  fi
done
exit $failed
