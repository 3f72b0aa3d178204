#!/usr/bin/env bash
# davfs2 (Debian package `davfs2`: WebDAV mounted as a Linux file system through FUSE)
# against Quire's WebDAV handler, once per store backend.
#
#   bash conformance/davfs2.sh [QUIRE_BINARY]      # default build/release/server/quire
#
# For each backend (fs, sqlite, git) it starts `quire run --config FILE` with one WebDAV
# mount on "/" on a temporary store, on 127.0.0.1 on a free ephemeral port, mounts it with
# mount.davfs, and works through the mount with ordinary file commands. Every step is
# checked against the server with curl, not through davfs2:
#
#   put        cp a 200 KiB file in           GET returns the same bytes
#   mkdir      mkdir docs                     PROPFIND Depth 0 on /docs/: a collection
#   write      echo first > docs/note.txt     GET: "first"
#   overwrite  echo second > docs/note.txt    GET: "second" (davfs2 LOCKs, PUTs with the
#                                             token in If, UNLOCKs)
#   rename     mv docs/note.txt docs/renamed.txt   GET of the new name; the old one 404
#   list       ls docs                        readdir through davfs2 shows renamed.txt only
#   copy       cp up.bin docs/copy.bin        GET: the same bytes
#   delete     rm up.bin                      GET: 404
#   rmdir      mkdir empty; rmdir empty       PROPFIND: 404
#   unmount    umount                         exits 0 (davfs2 uploads what is left first);
#                                             no lock left on docs/renamed.txt
#   remount    mount again with an empty cache: `ls -R` lists docs/, copy.bin and
#              renamed.txt, and copy.bin reads back the same bytes (fetched with GET)
#
# and for git, `git log` of the repository must hold a commit for each change (at least 7).
#
# davfs2's buffer size is set to 64 KiB in its configuration: Linux 6.16 and later refuse
# davfs2's default size for directory reads (every `ls` fails with EINVAL, against any
# server; github.com/alisarctl/davfs2 issue 22).
#
# Needs root, /dev/fuse and the davfs2 package (installed with apt-get when missing).
# Output: one line per step, "ok   STEP" or "FAIL STEP: why", per backend "BACKEND: N
# passed, M failed", and a total line; exit status 1 on any failure. Bounded in time: every
# mount and file command runs under `timeout`, curl has --max-time, and the trap unmounts
# and stops the server on exit.
set -euo pipefail

QUIRE=${1:-build/release/server/quire}
[[ $QUIRE == /* ]] || QUIRE=$PWD/$QUIRE
STEP_TIMEOUT=${STEP_TIMEOUT:-30}

need=()
command -v mount.davfs >/dev/null || need+=(davfs2)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
command -v git >/dev/null || need+=(git)
if ((${#need[@]})); then
  echo "davfs2.sh: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2; }
fi
[[ -x $QUIRE ]] || { echo "davfs2.sh: no Quire binary at $QUIRE" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "davfs2.sh: mount.davfs needs root" >&2; exit 1; }
[[ -c /dev/fuse ]] || { echo "davfs2.sh: no /dev/fuse: davfs2 cannot mount here" >&2; exit 1; }

W=$(mktemp -d /tmp/quire-davfs2.XXXXXX)
chmod 755 "$W" # mount.davfs works as the user davfs2 (its cache directory, below)
SPID=""
MNT=$W/mnt
mkdir -p "$MNT"
# free_port, wait_up, start_quire BACKEND, stop_server, ok, bad
source "$(dirname "${BASH_SOURCE[0]}")/lib/quire_share.sh"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  mountpoint -q "$MNT" 2>/dev/null && { timeout 30 umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; }
  stop_server
  rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_share CACHE_DIR: mounts $BASE on $MNT with its own configuration and cache (an empty
# user name and password answer davfs2's questions: the share has no authentication).
mount_share() {
  local conf=$W/davfs2.conf
  mkdir -p "$1"
  chown root:davfs2 "$1"
  chmod 775 "$1"
  cat >"$conf" <<EOF
buf_size 64
cache_dir $1
delay_upload 0
use_locks 1
EOF
  printf '\n\n' | timeout "$STEP_TIMEOUT" mount -t davfs -o "conf=$conf" "$BASE" "$MNT" \
    >"$W/mount.log" 2>&1
}


# http METHOD PATH [curl args...]: prints the status; the body goes to $W/body.
http() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$W/body" -w '%{http_code}' --max-time 10 -X "$method" "$@" "$BASE${path#/}"
}

# eventually STEP WHY CMD...: CMD must succeed within 15 s (davfs2 uploads after close).
eventually() {
  local step=$1 why=$2 deadline=$((SECONDS + 15))
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || { bad "$step" "$why"; return 0; }
    sleep 0.2
  done
  ok "$step"
}

get_is_file() { [[ $(http GET "$1") == 200 ]] && cmp -s "$W/body" "$2"; }
get_is_text() { [[ $(http GET "$1") == 200 ]] && [[ $(cat "$W/body") == "$2" ]]; }
is_gone() { [[ $(http GET "$1") == 404 ]]; }
is_collection() {
  [[ $(http PROPFIND "$1" -H 'Depth: 0') == 207 ]] && grep -q 'collection' "$W/body"
}
is_gone_collection() { [[ $(http PROPFIND "$1" -H 'Depth: 0') == 404 ]]; }
renamed() { get_is_text /docs/renamed.txt second && is_gone /docs/note.txt; }
# fs CMD...: a file command on the mount, bounded in time.
fs() { timeout "$STEP_TIMEOUT" "$@"; }

run_backend() {
  local backend=$1
  PASS=0
  FAIL=0
  echo "== quire-$backend"
  start_quire "$backend"
  head -c 204800 /dev/urandom >"$W/up.bin"
  if ! mount_share "$W/cache-$backend"; then
    bad mount "mount.davfs failed: $(tr '\n' ' ' <"$W/mount.log")"
    stop_server
    return
  fi
  ok mount

  if fs cp "$W/up.bin" "$MNT/up.bin"; then
    eventually put "GET /up.bin does not return the file" get_is_file /up.bin "$W/up.bin"
  else bad put "cp failed"; fi

  if fs mkdir "$MNT/docs"; then
    eventually mkdir "/docs/ is not a collection" is_collection /docs/
  else bad mkdir "mkdir failed"; fi

  if fs sh -c "echo first >'$MNT/docs/note.txt'"; then
    eventually write "GET /docs/note.txt is not 'first'" get_is_text /docs/note.txt first
  else bad write "echo failed"; fi

  if fs sh -c "echo second >'$MNT/docs/note.txt'"; then
    eventually overwrite "GET /docs/note.txt is not 'second'" get_is_text /docs/note.txt second
  else bad overwrite "echo failed"; fi

  if fs mv "$MNT/docs/note.txt" "$MNT/docs/renamed.txt"; then
    eventually rename "/docs/renamed.txt is not 'second' or /docs/note.txt is still there" \
      renamed
  else bad rename "mv failed"; fi

  local listing
  if listing=$(fs ls -A "$MNT/docs" 2>&1) && [[ $listing == renamed.txt ]]; then
    ok list
  else bad list "ls docs printed '$listing'"; fi

  if fs cp "$MNT/up.bin" "$MNT/docs/copy.bin"; then
    eventually copy "GET /docs/copy.bin does not return the file" \
      get_is_file /docs/copy.bin "$W/up.bin"
  else bad copy "cp failed"; fi

  if fs rm "$MNT/up.bin"; then
    eventually delete "GET /up.bin is not 404" is_gone /up.bin
  else bad delete "rm failed"; fi

  if fs mkdir "$MNT/empty" && fs rmdir "$MNT/empty"; then
    eventually rmdir "/empty/ is still there" is_gone_collection /empty/
  else bad rmdir "mkdir or rmdir failed"; fi

  if fs umount "$MNT" >>"$W/mount.log" 2>&1; then
    local locks
    locks=$(http PROPFIND /docs/renamed.txt -H 'Depth: 0' \
      --data '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><lockdiscovery/></prop></propfind>')
    if [[ $locks == 207 ]] && ! grep -q 'activelock' "$W/body"; then
      ok unmount
    else bad unmount "PROPFIND lockdiscovery: $locks, a lock is left"; fi
  else bad unmount "umount failed"; fi

  if mount_share "$W/cache-$backend-2"; then
    listing=$(fs ls -R "$MNT" 2>&1 | tr '\n' ' ' || true)
    if [[ $listing == *copy.bin* && $listing == *renamed.txt* && $listing != *up.bin* ]] &&
      fs cmp -s "$MNT/docs/copy.bin" "$W/up.bin"; then
      ok remount
    else bad remount "ls -R printed '$listing' or copy.bin differs"; fi
    fs umount "$MNT" >>"$W/mount.log" 2>&1 || bad remount "second umount failed"
  else bad remount "mount.davfs failed: $(tr '\n' ' ' <"$W/mount.log")"; fi

  if [[ -n $REPO ]]; then
    local commits
    commits=$(git -C "$REPO" log --format='%an %s' 2>/dev/null | tee "$W/gitlog" | wc -l)
    if ((commits >= 7)); then
      ok "git-log ($commits commits)"
    else bad git-log "$commits commits: $(tr '\n' ';' <"$W/gitlog")"; fi
  fi
  stop_server
}

TOTAL_PASS=0
TOTAL_FAIL=0
for backend in fs sqlite git; do
  run_backend "$backend"
  echo "quire-$backend: $PASS passed, $FAIL failed"
  TOTAL_PASS=$((TOTAL_PASS + PASS))
  TOTAL_FAIL=$((TOTAL_FAIL + FAIL))
done
echo "davfs2: $TOTAL_PASS passed, $TOTAL_FAIL failed"
((TOTAL_FAIL == 0))
