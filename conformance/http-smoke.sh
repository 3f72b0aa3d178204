#!/usr/bin/env bash
# Starts `quire serve` on a temporary folder and checks, with curl as the client, what a user
# sees: a file, HEAD, ranges, revalidation, keep-alive reuse, a listing, errors, a clean stop.
# Usage: conformance/http-smoke.sh [QUIRE_BINARY]
set -euo pipefail
quire=${1:-build/release/server/quire}
work=$(mktemp -d)
log="$work/quire.log"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www/sub"
printf 'hello, quire\n' > "$work/www/hello.txt"
head -c 200000 /dev/urandom > "$work/www/big.bin"
printf '<p>sub</p>' > "$work/www/sub/index.html"

"$quire" serve "$work/www" --listen 127.0.0.1:0 --workers 2 > "$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -qs "serving on" "$log" && break # -s: the log may not exist yet
  sleep 0.1
done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -1)
[ -n "$url" ] || { echo "quire did not start:"; cat "$log"; exit 1; }

pass=0
fail=0
check() { # name, expected, actual
  if [ "$2" = "$3" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $1: expected [$2], got [$3]"
  fi
}

c() { curl -s --max-time 10 "$@"; }
check "get body" "hello, quire" "$(c "${url}hello.txt")"
check "get status" "200" "$(c -o /dev/null -w '%{http_code}' "${url}hello.txt")"
check "head length" "13" "$(c -I "${url}hello.txt" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-length"{print $2}')"
check "range" "hello" "$(c -r 0-4 "${url}hello.txt")"
check "range status" "206" "$(c -r 0-4 -o /dev/null -w '%{http_code}' "${url}hello.txt")"
check "big file" "$(sha256sum < "$work/www/big.bin")" "$(c "${url}big.bin" | sha256sum)"
etag=$(c -I "${url}hello.txt" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "if-none-match" "304" "$(c -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "${url}hello.txt")"
check "keep-alive reuse" "1 0" "$(c -o /dev/null -o /dev/null -w '%{num_connects} ' "${url}hello.txt" "${url}big.bin" | xargs)"
check "dir redirect" "301" "$(c -o /dev/null -w '%{http_code}' "${url}sub")"
check "index" "<p>sub</p>" "$(c "${url}sub/")"
check "listing" "1" "$(c "$url" | grep -c 'href="./hello.txt"')"
check "not found" "404" "$(c -o /dev/null -w '%{http_code}' "${url}nope")"
check "traversal" "400" "$(c --path-as-is -o /dev/null -w '%{http_code}' "${url}../etc/passwd")"
check "method" "405" "$(c -X PUT -o /dev/null -w '%{http_code}' "${url}hello.txt")"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
check "clean stop on SIGTERM" "0" "$status"

echo "http-smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
