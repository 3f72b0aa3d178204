#!/usr/bin/env bash
# WebDAV benchmark: Quire (fs, sqlite and git stores) against Apache httpd
# (mod_dav + mod_dav_fs), lighttpd (mod_webdav) and nginx (dav_methods +
# libnginx-mod-http-dav-ext for PROPFIND) on the same machine.
#
#   bash tests/bench/dav.sh [QUIRE_BINARY]        # default build/release/server/quire
#
#   # without Quire (peers only), short runs, while developing:
#   SERVERS="apache lighttpd nginx" DURATION=3 ROUNDS=1 bash tests/bench/dav.sh
#
# Every server listens on 127.0.0.1 on a free ephemeral port, with one worker,
# pinned to core 0 (taskset); wrk -t1 runs on core 1.  Each server gets its own
# copy of the same content:
#   /file1k.bin            1 KiB       GET and PROPFIND Depth 0
#   /coll/                 1,000 members of 100 B (PROPFIND Depth 1)
#   /over.bin              4 KiB       PUT overwrite target
#   /put/                  empty       PUT new: /put/r<run>/n<thread>-<counter>
#   /mv/r<run>/m<i>.a      MOVE_SLOTS files per run, moved back and forth (ping-pong)
# fs-backed servers (Apache, lighttpd, nginx, Quire fs) get the files copied
# into their directory; Quire's sqlite and git stores are seeded through their
# own DAV interface (MKCOL + PUT with curl).  Before measuring, every server
# must return the 1 KiB file byte for byte and list 1,001 responses for
# PROPFIND Depth 1 on /coll/ (otherwise the script stops).
#
# Rows, 16 connections each (wrk with tests/bench/dav.lua):
#   PROPFIND Depth 1 on /coll/ (prop list getetag, getcontentlength,
#   getlastmodified, resourcetype; the same body for all servers), the same
#   with <allprop/> (dead properties too: Apache and lighttpd then look up
#   their property databases per member; the issue's reference numbers match
#   these rows), PROPFIND Depth 0 on /file1k.bin (prop list, and allprop),
#   PUT 4 KiB new, PUT 4 KiB overwrite, GET 1 KiB, MOVE.
#   nginx's dav-ext module does not know getetag and leaves it out of its
#   answer (not even a 404 propstat): with the prop list it does one property
#   less than the others.
# For each row the servers run interleaved (A B C, then C B A, A B C, ...) for
# ROUNDS rounds; the table shows the median requests/s, the responses with an
# unexpected status (dav.lua's response() counts them; for GET, where a Lua call
# per response capped wrk near 95,000/s, wrk's own count of statuses outside
# 2xx/3xx; wrk's socket errors are added), and Quire-fs / best peer.  A cell with errors is flagged "!" and a
# peer with errors in a row cannot be that row's best peer; a Quire-fs cell
# with errors gets no ratio.  A server that answers 4xx fast does not win.
#
# A second table, same rows and servers: server CPU per request (µs,
# user+system, median of the rounds; lower is better).  utime + stime (fields
# 14 and 15 of /proc/PID/stat) of the server's process and all its descendants
# (nginx master + worker, Apache's parent + child with its threads, lighttpd,
# Quire) are read right before and right after each wrk run; the difference
# divided by the requests wrk completed ("N requests in" line) is that run's
# figure.  Why: wrk has one core too, and on the cheapest rows (GET 1 KiB) it
# saturates before the fast servers do, so they tie in requests/s; CPU per
# request still shows which server does less work per request.  Its ratio
# column is best peer / Quire-fs (the peer with the least CPU per request):
# above 1, Quire-fs uses less CPU per request.  The requests/s table stays the
# primary result.
# A third table: how busy wrk's core was during each run (% from /proc/stat,
# median of the rounds); near 100%, the client sets the pace.
#
# MOVE: a ping-pong per slot (m<i>.a -> m<i>.b, later back), see dav.lua.  Every
# server can do it, it needs only MOVE_SLOTS files per run whatever the rate
# (pre-creating one file per request would mean seeding tens of thousands of
# files through the git store's one-commit-per-PUT), and each request is a
# rename of an existing file to a new name in the same collection (201).
# A slot comes back MOVE_SLOTS (1024) requests later; only a request that
# stays in flight while 1,024 others complete can be overtaken by the next
# MOVE of its slot, which then answers 404 (counted as errors, so it shows).
# With 256 slots this happened to Apache (64 threads on one core) about twice
# in 9,000 requests.
#
# Memory row (Quire fs, and any server in MEM_SERVERS): a fresh server on a
# store of 100 folders x 1,000 files (100,000 members, written straight into
# the store's directory), one PROPFIND Depth: infinity on / with curl, and
# /proc/PID/status sampled every 20 ms meanwhile: peak VmRSS (summed over the
# server's processes) and VmHWM, in MiB.  The issue's target is under 64 MiB.
# (Apache needs DavDepthInfinity On and lighttpd webdav.opts
# "propfind-depth-infinity", both set in their configs here; nginx's dav-ext
# module does not do Depth: infinity, so it is not offered.)
#
# Environment knobs:
#   SERVERS      default "quire-fs quire-sqlite quire-git apache lighttpd nginx";
#                Quire servers are skipped (with a warning) when `quire serve --help`
#                does not mention --webdav
#   DURATION     seconds per wrk run (default 5)
#   ROUNDS       interleaved rounds per row (default 3)
#   ONLY_ROWS    e.g. "get propfind1" (ids: propfind1 propfind1all propfind0
#                propfind0all putnew putover get move)
#   MEM          1 (default): run the memory row; 0: skip it
#   MEM_SERVERS  servers for the memory row (default: quire-fs when Quire runs)
#   MEM_TIMEOUT  seconds allowed for the Depth: infinity PROPFIND (default 300)
#   MOVE_SLOTS   files per MOVE run (default 1024; see MOVE above)
#   QUIRE_DURABLE  the webdav mount's `durable` (default false: no fsync per
#                write, like Apache, lighttpd and nginx, which never fsync;
#                true measures Quire's default, crash- and power-loss-safe)
#   OUT_DIR      default build/bench; results go to OUT_DIR/dav-YYYYmmdd-HHMM.*
#   DATA_PARENT  where the servers' data and configuration go (default /tmp). The
#                write rows depend on the file system as much as on the servers:
#                DATA_FS=dir DATA_PARENT=/dev/shm (tmpfs) measures the servers' own
#                costs without, e.g., ext4's inode allocation
#   DATA_FS      "fresh" (default): the data go to a new ext4 file system (a sparse
#                image under DATA_PARENT, loop-mounted for this run and removed after
#                it), so that every run starts from the same empty file system;
#                "dir": straight into DATA_PARENT.  Why: on a file system without a
#                journal (Debian's root here) ext4 skips inodes deleted in the last
#                minutes when it allocates one; after a previous run's data were
#                removed, PUT new measured 1,600-12,000 req/s for the same binary
#                (perf: recently_deleted, find_inode_bit).  Falls back to "dir" with a
#                warning when the image cannot be mounted.
#   WRK_TIMEOUT  wrk's per-request timeout (default 30s)
#   DROP_CACHES  1 (default): before each run of a write row, after `sync`, drop the
#                page cache, dentries and inodes (as root), so that every server's run
#                starts from the same memory state; 0: only sync
#
# Needs root (apt-get install of missing packages; Apache and nginx workers run
# as www-data) and 2 cores.  Everything runs in a temporary directory and is
# stopped and removed on exit, also on errors and Ctrl-C.  Every wrk run lasts
# DURATION s; every curl call and server start has a timeout.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
QUIRE=${1:-$ROOT/build/release/server/quire}
[[ $QUIRE == /* ]] || QUIRE=$PWD/$QUIRE
SERVERS=${SERVERS:-quire-fs quire-sqlite quire-git apache lighttpd nginx}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
ALL_ROWS="propfind1 propfind1all propfind0 propfind0all putnew putover get move"
ROW_IDS=${ONLY_ROWS:-$ALL_ROWS}
MEM=${MEM:-1}
MEM_TIMEOUT=${MEM_TIMEOUT:-300}
MOVE_SLOTS=${MOVE_SLOTS:-1024}
QUIRE_DURABLE=${QUIRE_DURABLE:-false}
OUT_DIR=${OUT_DIR:-$ROOT/build/bench}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
DROP_CACHES=${DROP_CACHES:-1}
CONNS=16
SERVER_CPU=0
CLIENT_CPU=1
COLL_MEMBERS=1000

declare -A ROW_TITLE=(
  [propfind1]="PROPFIND Depth 1, 1,000 members"
  [propfind1all]="PROPFIND Depth 1 allprop, 1,000 members"
  [propfind0]="PROPFIND Depth 0, file"
  [propfind0all]="PROPFIND Depth 0 allprop, file"
  [putnew]="PUT 4 KiB new"
  [putover]="PUT 4 KiB overwrite"
  [get]="GET 1 KiB"
  [move]="MOVE file"
)

log() { printf '[dav.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has_server() { [[ " $SERVERS " == *" $1 "* ]]; }
is_quire() { [[ $1 == quire-* ]]; }

for s in $SERVERS; do
  case $s in quire-fs|quire-sqlite|quire-git|apache|lighttpd|nginx) ;; *) die "unknown server '$s' in SERVERS" ;; esac
done
for r in $ROW_IDS; do
  [[ -n ${ROW_TITLE[$r]:-} ]] || die "unknown row '$r' in ONLY_ROWS (want some of: $ALL_ROWS)"
done
[[ $(nproc) -ge 2 ]] || die "needs at least 2 cores (servers on core $SERVER_CPU, wrk on core $CLIENT_CPU)"
# /proc/PID/stat counts CPU time in clock ticks (usually 100 per second).
# tree_rss_kib, tree_hwm_kib, tree_cpu_ticks, cpu_us_per_req, cpu_table_intro
source "$BENCH_DIR/server_tree.sh"
CLK_TCK=$(getconf CLK_TCK)
[[ $CLK_TCK =~ ^[0-9]+$ && $CLK_TCK -gt 0 ]] || die "getconf CLK_TCK gave '$CLK_TCK'"

# --- tools -------------------------------------------------------------------
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v taskset >/dev/null || need_pkgs+=(util-linux)
command -v python3 >/dev/null || need_pkgs+=(python3)
command -v mkfs.ext4 >/dev/null || need_pkgs+=(e2fsprogs)
if has_server apache || [[ " ${MEM_SERVERS:-} " == *" apache "* ]]; then
  [[ -x /usr/sbin/apache2 && -e /usr/lib/apache2/modules/mod_dav_fs.so ]] || need_pkgs+=(apache2)
fi
if has_server lighttpd || [[ " ${MEM_SERVERS:-} " == *" lighttpd "* ]]; then
  command -v lighttpd >/dev/null || need_pkgs+=(lighttpd)
  [[ -e /usr/lib/lighttpd/mod_webdav.so ]] || need_pkgs+=(lighttpd-mod-webdav)
fi
if has_server nginx; then
  command -v nginx >/dev/null || need_pkgs+=(nginx)
  [[ -e /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ]] || need_pkgs+=(libnginx-mod-http-dav-ext)
fi
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >&2; }
fi

# The packages may have started system instances; the benchmark runs its own.
for svc in apache2 nginx lighttpd; do
  service "$svc" stop >/dev/null 2>&1 || true
done

# --- Quire: present, and with a WebDAV handler? ---------------------------------
QUIRE_OK=0
if [[ " $SERVERS ${MEM_SERVERS:-} " == *" quire-"* ]]; then
  if [[ ! -x $QUIRE ]]; then
    log "$QUIRE missing; building it"
    (cd "$ROOT" && cmake --preset release && cmake --build --preset release --target quire) >&2
    [[ -x $QUIRE ]] || die "no Quire binary at $QUIRE"
  fi
  # (captured first: with pipefail, `quire ... | grep -q` could fail on SIGPIPE)
  quire_help=$(timeout 10 "$QUIRE" serve --help 2>&1 || true)
  if [[ $quire_help == *--webdav* ]]; then
    QUIRE_OK=1
  else
    log "warning: '$QUIRE serve --help' does not mention --webdav: Quire has no WebDAV handler yet; skipping Quire"
    keep=""
    for s in $SERVERS; do is_quire "$s" || keep+="$s "; done
    SERVERS=${keep% }
  fi
fi
[[ -n $SERVERS ]] || die "no server left to measure"
if [[ -z ${MEM_SERVERS+x} ]]; then
  MEM_SERVERS=""
  ((QUIRE_OK)) && MEM_SERVERS="quire-fs"
fi
if ((!QUIRE_OK)); then
  keep=""
  for s in $MEM_SERVERS; do is_quire "$s" || keep+="$s "; done
  MEM_SERVERS=${keep% }
fi
for s in $MEM_SERVERS; do
  case $s in quire-fs|quire-sqlite|quire-git|apache|lighttpd) ;; *) die "MEM_SERVERS: '$s' cannot do PROPFIND Depth: infinity here" ;; esac
done

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# --- work dir ----------------------------------------------------------------
OUTER=$(mktemp -d "${DATA_PARENT:-/tmp}/quire-davbench.XXXXXX")
WORK=$OUTER

declare -A PID PORT
cleanup() {
  local rc=$? s
  trap - EXIT INT TERM
  for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
  for s in "${!PID[@]}"; do
    # nginx and Apache stop their workers on SIGTERM; give them 10 s.
    timeout 10 tail --pid="${PID[$s]}" -f /dev/null 2>/dev/null || kill -9 "${PID[$s]}" 2>/dev/null || true
  done
  [[ -n ${MEMCURL:-} ]] && kill "$MEMCURL" 2>/dev/null
  if mountpoint -q "$OUTER/fs" 2>/dev/null; then
    umount "$OUTER/fs" 2>/dev/null || umount -l "$OUTER/fs" 2>/dev/null || true
  fi
  rm -rf "$OUTER"
  exit "$rc"
}
# Set before the image is mounted: an error or Ctrl-C from here on unmounts and removes it.
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA_FS_NOTE=
if [[ ${DATA_FS:-fresh} == fresh ]]; then
  # Sparse: only what the run writes takes space.  2M inodes: a full run creates about
  # one million files.  noinit_itable: no background zeroing of inode tables (I/O that
  # would land in the measurements); the file system is thrown away after the run.
  if truncate -s 16G "$OUTER/data.img" &&
    mkfs.ext4 -q -F -N 2000000 -m 0 "$OUTER/data.img" &&
    mkdir -p "$OUTER/fs" && mount -o loop,noinit_itable "$OUTER/data.img" "$OUTER/fs"; then
    WORK=$OUTER/fs
    DATA_FS_NOTE=", a new ext4 image mounted for this run"
  else
    log "warning: could not mount a fresh ext4 image; the data go to $OUTER (DATA_FS=dir)"
    rm -f "$OUTER/data.img"
  fi
fi
chmod 755 "$OUTER" "$WORK"   # Apache's and nginx's workers run as www-data
mkdir -p "$OUT_DIR"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- content template ----------------------------------------------------------
# The same bytes for every server.  Run directories: r0 is the check/warm-up, r1..ROUNDS measured.
TEMPLATE=$WORK/template
mkdir -p "$TEMPLATE/coll" "$TEMPLATE/put" "$TEMPLATE/mv"
head -c 1024 /dev/urandom >"$TEMPLATE/file1k.bin"
head -c 4096 /dev/urandom >"$TEMPLATE/over.bin"
python3 - "$TEMPLATE" "$COLL_MEMBERS" "$ROUNDS" "$MOVE_SLOTS" <<'EOF'
import os, sys
root, members, rounds, slots = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
line = b"member of the PROPFIND Depth 1 collection, 100 bytes long ..........................................\n"[:100]
for i in range(members):
    with open(os.path.join(root, "coll", "m%04d.txt" % i), "wb") as f:
        f.write(line)
for r in range(rounds + 1):
    d = os.path.join(root, "mv", "r%d" % r)
    os.makedirs(d)
    for i in range(slots if r > 0 else 1):     # r0: only m0.a, for check_server's MOVE
        with open(os.path.join(d, "m%d.a" % i), "wb") as f:
            f.write(b"x" * 1024)
EOF

# --- server configurations ------------------------------------------------------

# Apache: mpm_event with ONE child process (ServerLimit 1, StartServers 1).  Apache
# has no "one worker process that multiplexes connections" mode for requests:
# a request in progress holds a thread.  To match the other servers' one worker
# on one core, the whole server (parent + its single child) is pinned to core 0
# like the others, and the child gets ThreadsPerChild = 4 x the benchmark's
# connections (64), so no connection ever waits for a free thread (fewer
# threads would measure queueing, not DAV).  Why more threads than
# connections: when every worker thread of mpm_event is busy, its listener
# closes idle keep-alive connections (wrk then counts read errors); with 16
# threads for 16 connections that happened in every run.  The threads share
# that one core, so Apache gets no more CPU than the single-threaded servers.
# Keep-alive connections idle between requests are handed to the event thread
# (mpm_event), as nginx and lighttpd keep them in their event loop.
write_apache_conf() {
  local port=$1 dir=$2 root=$3
  mkdir -p "$dir/run" "$dir/lock"
  chown www-data:www-data "$dir/lock"
  cat >"$dir/apache.conf" <<EOF
ServerRoot "$dir"
DefaultRuntimeDir "$dir/run"
PidFile "$dir/run/httpd.pid"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
ListenBacklog 4096
User www-data
Group www-data
ErrorLog "$dir/error.log"
LogLevel warn
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dav_module /usr/lib/apache2/modules/mod_dav.so
LoadModule dav_fs_module /usr/lib/apache2/modules/mod_dav_fs.so
ServerLimit 1
StartServers 1
ThreadLimit $((4 * CONNS))
ThreadsPerChild $((4 * CONNS))
MaxRequestWorkers $((4 * CONNS))
MinSpareThreads 1
MaxSpareThreads $((4 * CONNS))
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 300
Timeout 60
EnableSendfile On
DavLockDB "$dir/lock/DavLock"
DocumentRoot "$root"
<Directory />
    Require all denied
    AllowOverride None
</Directory>
<Directory "$root">
    Dav On
    DavDepthInfinity On
    Options None
    Require all granted
</Directory>
EOF
  echo "$dir/apache.conf"
}

# lighttpd: one process (server.max-worker = 0), mod_webdav with its SQLite
# database (properties and locks; live properties come from stat()).
# Depth: infinity is refused (403) unless enabled; only the memory row uses it.
write_lighttpd_conf() {
  local port=$1 dir=$2 root=$3
  cat >"$dir/lighttpd.conf" <<EOF
server.modules = ( "mod_webdav" )
server.document-root = "$root"
server.bind = "127.0.0.1"
server.port = $port
server.use-ipv6 = "disable"
server.errorlog = "$dir/error.log"
server.max-worker = 0
server.max-fds = 4096
server.max-connections = 1024
server.listen-backlog = 4096
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 300
server.max-read-idle = 300
server.max-write-idle = 360
server.upload-dirs = ( "$dir/upload" )
webdav.activate = "enable"
webdav.is-readonly = "disable"
webdav.sqlite-db-name = "$dir/webdav.db"
webdav.opts = ( "propfind-depth-infinity" => "enable" )
mimetype.assign = ( ".bin" => "application/octet-stream", ".txt" => "text/plain" )
EOF
  mkdir -p "$dir/upload"
  echo "$dir/lighttpd.conf"
}

# nginx: worker_processes 1; dav_methods for PUT/DELETE/MKCOL/COPY/MOVE and the
# dav-ext module (Debian libnginx-mod-http-dav-ext) for PROPFIND and OPTIONS.
write_nginx_conf() {
  local port=$1 dir=$2 root=$3
  mkdir -p "$dir/body"
  cat >"$dir/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
daemon off;
master_process on;
worker_processes 1;
user www-data www-data;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    default_type application/octet-stream;
    types { }
    client_body_temp_path $dir/body;
    client_max_body_size 0;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port backlog=4096;
        root $root;
        location / {
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            dav_access user:rw group:rw all:r;
            create_full_put_path on;
        }
    }
}
EOF
  echo "$dir/nginx.conf"
}

# Quire: a configuration file with one WebDAV mount on the store.
write_quire_conf() {
  local port=$1 dir=$2 store=$3
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
durable = $QUIRE_DURABLE
EOF
  echo "$dir/quire.toml"
}

# start_server NAME KEY DATA_ROOT: starts server NAME pinned to core 0 serving
# DATA_ROOT (for Quire sqlite/git: the store file/repository), records it under
# KEY in PID/PORT and waits until it answers.
start_server() {
  local name=$1 key=$2 root=$3 port dir conf
  port=$(free_port)
  dir=$WORK/srv-$key
  mkdir -p "$dir"
  case $name in
    apache)
      chown -R www-data:www-data "$root"
      conf=$(write_apache_conf "$port" "$dir" "$root")
      taskset -c "$SERVER_CPU" /usr/sbin/apache2 -f "$conf" -DFOREGROUND >"$dir/out.log" 2>&1 &
      ;;
    lighttpd)
      conf=$(write_lighttpd_conf "$port" "$dir" "$root")
      taskset -c "$SERVER_CPU" lighttpd -D -f "$conf" >"$dir/out.log" 2>&1 &
      ;;
    nginx)
      chown -R www-data:www-data "$root"
      conf=$(write_nginx_conf "$port" "$dir" "$root")
      taskset -c "$SERVER_CPU" nginx -c "$conf" -p "$dir" -e "$dir/error.log" >"$dir/out.log" 2>&1 &
      ;;
    quire-fs) conf=$(write_quire_conf "$port" "$dir" "fs:$root") ;;
    quire-sqlite) conf=$(write_quire_conf "$port" "$dir" "sqlite:$root") ;;
    quire-git) conf=$(write_quire_conf "$port" "$dir" "git:$root") ;;
  esac
  if is_quire "$name"; then
    taskset -c "$SERVER_CPU" "$QUIRE" run --config "$conf" >"$dir/out.log" 2>&1 &
  fi
  PID[$key]=$!
  PORT[$key]=$port
  local deadline=$((SECONDS + 20))
  until curl -s -o /dev/null --max-time 1 -X OPTIONS "http://127.0.0.1:$port/"; do
    if ! kill -0 "${PID[$key]}" 2>/dev/null; then
      cat "$dir/out.log" "$dir/error.log" 2>/dev/null >&2 || true
      die "$name exited during startup"
    fi
    ((SECONDS < deadline)) || die "$name did not answer on port $port within 20 s"
    sleep 0.1
  done
  log "$name: pid ${PID[$key]}, port $port"
}

stop_server() {
  local key=$1
  [[ -n ${PID[$key]:-} ]] || return 0
  kill "${PID[$key]}" 2>/dev/null || true
  timeout 15 tail --pid="${PID[$key]}" -f /dev/null 2>/dev/null || kill -9 "${PID[$key]}" 2>/dev/null || true
  wait "${PID[$key]}" 2>/dev/null || true
  unset "PID[$key]"
  # Keep the server's own output and error log next to the results.
  { echo "### $key"; cat "$WORK/srv-$key/out.log" "$WORK/srv-$key/error.log" 2>/dev/null; } >>"$OUT_BASE.servers.log" || true
}

url() { echo "http://127.0.0.1:${PORT[$1]}$2"; }

# seed_http KEY: the template through the server's own DAV interface (MKCOL + PUT).
seed_http() {
  local key=$1 cfg=$WORK/seed-$1.curl codes bad
  local cols=(/coll/ /put/ /mv/)
  for ((r = 0; r <= ROUNDS; r++)); do cols+=("/mv/r$r/"); done
  : >"$cfg"
  for c in "${cols[@]}"; do
    printf 'url = "%s"\nrequest = "MKCOL"\noutput = "/dev/null"\nnext\n' "$(url "$key" "$c")" >>"$cfg"
  done
  (cd "$TEMPLATE" && find . -type f | sed 's|^\./||' | sort) | while read -r f; do
    printf 'url = "%s"\nupload-file = "%s"\noutput = "/dev/null"\nnext\n' "$(url "$key" "/$f")" "$TEMPLATE/$f"
  done >>"$cfg"
  sed -i '$d' "$cfg"     # no "next" after the last URL (curl: "no URL specified")
  codes=$(curl -s --max-time 1200 -K "$cfg" -w '%{http_code}\n') || die "$key: seeding with curl failed"
  bad=$(grep -cv '^201$' <<<"$codes" || true)
  ((bad == 0)) || die "$key: seeding: $bad requests did not answer 201 ($(sort <<<"$codes" | uniq -c | tr '\n' ' '))"
  log "$key: seeded $(wc -l <<<"$codes") resources through MKCOL/PUT"
}

# The PROPFIND body of the checks and the memory row, the same as dav.lua's prop list.
PROPBODY='<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontentlength/><D:getlastmodified/><D:resourcetype/></D:prop></D:propfind>'

# Count <x:response> elements in a multistatus body (any namespace prefix).
count_responses() { { grep -oE '<([A-Za-z0-9_]+:)?response[ >]' "$1" 2>/dev/null || true; } | wc -l; }

# check_server KEY: the content is there and the DAV methods answer as expected.
check_server() {
  local key=$1 body=$WORK/check.body code n
  code=$(curl -s -o "$body" -w '%{http_code}' --max-time 30 "$(url "$key" /file1k.bin)") || die "$key: GET failed"
  [[ $code == 200 ]] || die "$key: GET /file1k.bin returned $code"
  cmp -s "$body" "$TEMPLATE/file1k.bin" || die "$key: GET /file1k.bin: body differs"
  code=$(curl -s -o "$body" -w '%{http_code}' --max-time 60 -X PROPFIND -H 'Depth: 1' \
    -H 'Content-Type: application/xml; charset="utf-8"' --data-binary "$PROPBODY" "$(url "$key" /coll/)") ||
    die "$key: PROPFIND failed"
  n=$(count_responses "$body")
  [[ $code == 207 && $n == $((COLL_MEMBERS + 1)) ]] ||
    die "$key: PROPFIND Depth 1 /coll/: status $code, $n responses (want 207, $((COLL_MEMBERS + 1)))"
  grep -q 'getcontentlength' "$body" || die "$key: PROPFIND Depth 1: no getcontentlength in the answer"
  code=$(curl -s -o "$body" -w '%{http_code}' --max-time 30 -X PROPFIND -H 'Depth: 0' \
    -H 'Content-Type: application/xml; charset="utf-8"' --data-binary "$PROPBODY" "$(url "$key" /file1k.bin)")
  n=$(count_responses "$body")
  [[ $code == 207 && $n == 1 ]] && grep -q '>1024<' "$body" ||
    die "$key: PROPFIND Depth 0 /file1k.bin: status $code, $n responses, or no getcontentlength 1024"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X MOVE \
    -H "Destination: $(url "$key" /mv/r0/m0.b)" "$(url "$key" /mv/r0/m0.a)")
  # 201 (RFC 4918: new destination); nginx answers 204 for every successful MOVE.
  [[ $code == 201 || $code == 204 ]] || die "$key: MOVE /mv/r0/m0.a -> m0.b returned $code (want 201)"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$(url "$key" /mv/r0/m0.b)")
  [[ $code == 200 ]] || die "$key: after MOVE, GET /mv/r0/m0.b returned $code"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$(url "$key" /mv/r0/m0.a)")
  [[ $code == 404 ]] || die "$key: after MOVE, GET /mv/r0/m0.a returned $code (want 404)"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -T "$TEMPLATE/over.bin" "$(url "$key" /put/check.bin)")
  [[ $code == 201 ]] || die "$key: PUT new /put/check.bin returned $code (want 201)"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -T "$TEMPLATE/over.bin" "$(url "$key" /put/check.bin)")
  [[ $code == 204 || $code == 200 ]] || die "$key: PUT overwrite /put/check.bin returned $code (want 204 or 200)"
  rm -f "$body"
  log "$key: GET, PROPFIND Depth 1 ($COLL_MEMBERS members) and 0, MOVE, PUT new and overwrite answer as expected"
}

# row_args ROW ROUND -> wrk script arguments after BASE
row_args() {
  case $1 in
    propfind1) echo "propfind1 /coll/" ;;
    propfind1all) echo "propfind1all /coll/" ;;
    propfind0) echo "propfind0 /file1k.bin" ;;
    propfind0all) echo "propfind0all /file1k.bin" ;;
    get) echo "get /file1k.bin" ;;
    putover) echo "putover /over.bin" ;;
    putnew) echo "putnew /put/r$2" ;;
    move) echo "move /mv/r$2 $MOVE_SLOTS" ;;
  esac
}

# run_wrk KEY ROW ROUND -> appends one line to $RAW
run_wrk() {
  local key=$1 row=$2 round=$3 out rps sockerr total bad codes args ticks0 ticks1 reqs cpu_us
  local client0 client1 client_busy
  read -r -a args <<<"$(row_args "$row" "$round")"
  if [[ $row == putnew ]]; then
    # a fresh collection per run, so that every name is new
    local c
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X MKCOL "$(url "$key" "/put/r$round/")")
    [[ $c == 201 ]] || die "$key: MKCOL /put/r$round/ returned $c"
  fi
  # GET: wrk counts statuses itself (see dav.lua: a Lua check of every response capped the
  # client below the servers).
  local status_only=0
  [[ $row == get ]] && status_only=1
  # Writes leave dirty pages (tens of thousands of new files per PUT run): flushed here, so
  # that one server's writeback does not run during the next server's measurement. Then the
  # clean page cache, dentries and inodes are dropped (DROP_CACHES=1, root only): without
  # it the same server's CPU per new PUT drifted from 101 to 157 µs over five runs as the
  # caches grew into memory the VM had never touched (perf: the 4 KiB copy into a new page
  # cache page took 9% of a PUT); with it, 114, 111 and 108 µs (session 16).
  case $row in
    putnew | putover | move)
      sync
      if [[ $DROP_CACHES == 1 && -w /proc/sys/vm/drop_caches ]]; then
        echo 3 >/proc/sys/vm/drop_caches
      fi
      ;;
  esac
  # The server's CPU time (all its processes) right before and right after wrk: the
  # difference over the requests wrk completed is the CPU per request.
  # And how busy wrk's core was (near 100%: the client sets the pace).
  ticks0=$(tree_cpu_ticks "${PID[$key]}")
  client0=$(core_ticks "$CLIENT_CPU")
  out=$(DAV_LUA_STATUS_ONLY=$status_only taskset -c "$CLIENT_CPU" timeout $((DURATION + 60)) \
    wrk -t1 "-c$CONNS" "-d${DURATION}s" \
    --timeout "$WRK_TIMEOUT" -s "$BENCH_DIR/dav.lua" "$(url "$key" /)" -- \
    "${args[0]}" "$(url "$key" '')" "${args[@]:1}" 2>&1) || die "wrk failed against $key: $out"
  client1=$(core_ticks "$CLIENT_CPU")
  ticks1=$(tree_cpu_ticks "${PID[$key]}")
  client_busy=$(busy_percent "$client0" "$client1")
  printf '### %s %s round %s\n%s\n' "$key" "$row" "$round" "$out" >>"$OUT_BASE.wrk.log"
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  [[ -n $rps ]] || die "could not parse wrk output: $out"
  reqs=$(awk '/ requests in / {print $1; exit}' <<<"$out")
  [[ $reqs =~ ^[0-9]+$ ]] || die "could not parse wrk's request count: $out"
  cpu_us=$(cpu_us_per_req "$ticks0" "$ticks1" "$reqs")
  sockerr=$(awk '/Socket errors:/ {gsub(/,/, ""); e += $4 + $6 + $8 + $10} END {print e + 0}' <<<"$out")
  total=$(sed -n 's/^DAVCHECK total=\([0-9]*\).*/\1/p' <<<"$out")
  bad=$(sed -n 's/^DAVCHECK .* bad=\([0-9]*\).*/\1/p' <<<"$out")
  codes=$(sed -n 's/^DAVCHECK .* codes=\(.*\)$/\1/p' <<<"$out")
  [[ -n $total && -n $bad ]] || die "no DAVCHECK line in wrk output: $out"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$row" "$round" "$rps" "$((bad + sockerr))" "$total" "${codes:--}" \
    "$cpu_us" "$client_busy" >>"$RAW"
  printf '  %-13s %-10s round %s: %10s req/s %9s µs/req server CPU  wrk core %s%%  bad status %s (%s), socket errors %s\n' \
    "$key" "$row" "$round" "$rps" "$cpu_us" "$client_busy" "$bad" "${codes:--}" "$sockerr"
}



STAMP=$(date +%Y%m%d-%H%M)
OUT_BASE=$OUT_DIR/dav-$STAMP
RAW=$OUT_BASE.tsv
MEM_RAW=$OUT_BASE.mem.tsv
MD=$OUT_BASE.md
: >"$RAW"
: >"$MEM_RAW"
: >"$OUT_BASE.wrk.log"
: >"$OUT_BASE.servers.log"

versions() {
  local v=()
  has_server apache && v+=("$(/usr/sbin/apache2 -v 2>/dev/null | sed -n 's/^Server version: //p')")
  has_server lighttpd && v+=("$(lighttpd -v 2>&1 | cut -d' ' -f1)")
  has_server nginx && v+=("$(nginx -v 2>&1 | sed 's/.*: //') + dav-ext $(dpkg-query -W -f '${Version}' libnginx-mod-http-dav-ext 2>/dev/null)")
  v+=("$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)")
  local out="" x
  for x in "${v[@]}"; do out+="${out:+; }$x"; done
  echo "$out"
}
{
  echo "# WebDAV benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -r)"
  echo "- servers: $SERVERS; $(versions)"
  quire_commit=$(git -C "$ROOT" log -1 --format='%h %s' 2>/dev/null | cut -c1-80 || true)
  ((QUIRE_OK)) && echo "- Quire: $QUIRE (checkout: ${quire_commit:-?}), webdav mounts with durable = $QUIRE_DURABLE"
  echo "- Data and configuration under $WORK ($(stat -f -c %T "$WORK") file system$DATA_FS_NOTE)"
  echo "- servers on core $SERVER_CPU, \`wrk -t1 -c$CONNS\` on core $CLIENT_CPU; one worker per server (Apache: one mpm_event child with $((4 * CONNS)) threads)"
  echo "- DURATION=${DURATION}s per run, ROUNDS=$ROUNDS (interleaved), median per server and row"
  echo "- PROPFIND body: prop getetag, getcontentlength, getlastmodified, resourcetype (nginx dav-ext leaves getetag out), or \`<allprop/>\` where the row says so"
  echo
} >"$MD"

# --- throughput --------------------------------------------------------------
log "results: $MD (raw: $RAW, wrk output: $OUT_BASE.wrk.log)"
for s in $SERVERS; do
  case $s in
    quire-sqlite) root=$WORK/data-$s/store.db; mkdir -p "$WORK/data-$s" ;;
    quire-git) root=$WORK/data-$s/repo.git; mkdir -p "$WORK/data-$s" ;;
    *) root=$WORK/data-$s; cp -a "$TEMPLATE" "$root" ;;
  esac
  start_server "$s" "$s" "$root"
  case $s in quire-sqlite|quire-git) seed_http "$s" ;; esac
  check_server "$s"
done
# Short warm-up of each server (page cache, allocator) before measuring.
for s in $SERVERS; do
  taskset -c "$CLIENT_CPU" timeout 30 wrk -t1 "-c$CONNS" -d1s -s "$BENCH_DIR/dav.lua" "$(url "$s" /)" -- \
    propfind1 "$(url "$s" '')" /coll/ >/dev/null 2>&1 || true
done
for row in $ROW_IDS; do
  echo "== ${ROW_TITLE[$row]}, $CONNS connections"
  for ((r = 1; r <= ROUNDS; r++)); do
    # Even rounds take the servers in reverse order (A B C, C B A, ...): a run pays for some
    # of the file system's leftovers of the run before it (ext4 writes back the journal's
    # metadata when it needs the space), and a fixed order would always bill the same server
    # for the same neighbour; the first write round would also always fall to the first.
    order=$SERVERS
    if ((r % 2 == 0)); then
      order=$(tr ' ' '\n' <<<"$SERVERS" | tac | tr '\n' ' ')
    fi
    for s in $order; do
      run_wrk "$s" "$row" "$r"
    done
  done
done
for s in $SERVERS; do stop_server "$s"; done

echo
echo "## Throughput (requests/s, median of $ROUNDS interleaved rounds, ${DURATION}s each, $CONNS connections)" >>"$MD"
echo >>"$MD"
python3 "$BENCH_DIR/dav_report.py" throughput "$RAW" "$MD" "$SERVERS" "$ROW_IDS"

echo
echo "Server CPU per request (µs, user+system of the server's processes, median of rounds; lower is better):"
cpu_table_intro "GET 1 KiB" >>"$MD"
python3 "$BENCH_DIR/dav_report.py" cpu "$RAW" "$MD" "$SERVERS" "$ROW_IDS"
echo
echo "wrk's core, % busy during the runs (median of rounds): near 100, the client sets the pace:"
client_table_intro >>"$MD"
python3 "$BENCH_DIR/dav_report.py" client "$RAW" "$MD" "$SERVERS" "$ROW_IDS"
echo
echo "Quire-fs against the best peer, round by round (requests/s ratio of servers run back to back):"
{
  echo
  echo "Quire-fs against each row's best peer round by round (the ratio of their requests/s in one round):"
  echo
} >>"$MD"
python3 "$BENCH_DIR/dav_report.py" paired "$RAW" "$MD" "$SERVERS" "$ROW_IDS"

# --- memory: PROPFIND Depth infinity over 100,000 members ----------------------
if [[ $MEM == 1 && -n $MEM_SERVERS ]]; then
  echo
  echo "== Memory: PROPFIND Depth: infinity over 100,000 members"
  MEMTREE=$WORK/memtree
  python3 - "$MEMTREE" <<'EOF'
import os, sys
root = sys.argv[1]
os.makedirs(root)
for d in range(100):
    dd = os.path.join(root, "d%02d" % d)
    os.mkdir(dd)
    for i in range(1000):
        with open(os.path.join(dd, "f%04d.txt" % i), "wb") as f:
            f.write(b"%d/%d\n" % (d, i))
EOF
  for s in $MEM_SERVERS; do
    key=mem-$s
    case $s in
      quire-sqlite|quire-git)
        # These stores cannot be written behind the server's back: 100,000 PUTs.
        log "warning: $s memory row seeds 100,000 resources through PUT; this takes long"
        mkdir -p "$WORK/data-$key"
        root=$WORK/data-$key/store${s#quire-}
        ;;
      *) root=$WORK/data-$key; cp -a "$MEMTREE" "$root" ;;
    esac
    start_server "$s" "$key" "$root"
    if [[ $s == quire-sqlite || $s == quire-git ]]; then
      cfg=$WORK/seedmem.curl
      : >"$cfg"
      for ((d = 0; d < 100; d++)); do
        printf 'url = "%s"\nrequest = "MKCOL"\noutput = "/dev/null"\nnext\n' "$(url "$key" "/$(printf d%02d $d)/")" >>"$cfg"
      done
      (cd "$MEMTREE" && find . -type f | sed 's|^\./||' | sort) | while read -r f; do
        printf 'url = "%s"\nupload-file = "%s"\noutput = "/dev/null"\nnext\n' "$(url "$key" "/$f")" "$MEMTREE/$f"
      done >>"$cfg"
      sed -i '$d' "$cfg"
      codes=$(curl -s --max-time 7200 -K "$cfg" -w '%{http_code}\n') || die "$key: seeding failed"
      bad=$(grep -cv '^201$' <<<"$codes" || true)
      ((bad == 0)) || die "$key: seeding: $bad requests did not answer 201"
    fi
    curl -s -o /dev/null --max-time 10 "$(url "$key" /d00/f0000.txt)" || true
    sleep 1
    base_rss=$(tree_rss_kib "${PID[$key]}")
    body=$WORK/mem.body
    start=$(date +%s.%N)
    curl -s -o "$body" -w '%{http_code}' --max-time "$MEM_TIMEOUT" -X PROPFIND -H 'Depth: infinity' \
      -H 'Content-Type: application/xml; charset="utf-8"' --data-binary "$PROPBODY" "$(url "$key" /)" \
      >"$WORK/mem.code" 2>/dev/null &
    MEMCURL=$!
    peak=$base_rss
    while kill -0 "$MEMCURL" 2>/dev/null; do
      rss_now=$(tree_rss_kib "${PID[$key]}")
      ((rss_now > peak)) && peak=$rss_now
      sleep 0.02
    done
    wait "$MEMCURL" || true
    MEMCURL=
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    hwm=$(tree_hwm_kib "${PID[$key]}")
    code=$(cat "$WORK/mem.code" 2>/dev/null || echo 000)
    n=$(count_responses "$body")
    bytes=$(stat -c %s "$body" 2>/dev/null || echo 0)
    printf '  %-13s status %s, %s responses, %s MiB body in %s s: RSS before %s KiB, peak %s KiB, VmHWM %s KiB\n' \
      "$s" "$code" "$n" "$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')" "$secs" "$base_rss" "$peak" "$hwm"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$code" "$n" "$bytes" "$secs" "$base_rss" "$peak" "$hwm" >>"$MEM_RAW"
    rm -f "$body"
    stop_server "$key"
    rm -rf "$root"
  done
  {
    echo "## Memory: PROPFIND Depth: infinity over 100,000 members"
    echo
    echo "100 folders x 1,000 files (100,101 responses expected), one request with curl; RSS sampled"
    echo "every 20 ms from /proc/PID/status (summed over the server's processes), VmHWM read at the end."
    echo
  } >>"$MD"
  python3 "$BENCH_DIR/dav_report.py" memory "$MEM_RAW" "$MD"
fi

echo
echo "Markdown results: $MD"
