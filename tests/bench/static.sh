#!/usr/bin/env bash
# Static-file benchmark: Quire against nginx and lighttpd on the same machine.
#
#   bash tests/bench/static.sh [QUIRE_BINARY]
#
# Serves the same four files (100 B, 4 KiB, 1 MiB, 64 MiB) from every server,
# each with one worker process pinned to core 0, and drives them with wrk pinned
# to core 1.  For every row (file size x keep-alive/close x 16/256 connections)
# the servers are run interleaved (A B C A B C ...) for ROUNDS rounds; the
# median requests/s and MiB/s per server are printed, with Quire's ratio to each
# peer.  A second table, same rows and servers, gives the server CPU per request
# (µs, user+system, median of the rounds; lower is better): utime + stime
# (fields 14 and 15 of /proc/PID/stat) of the server's process and all its
# descendants (nginx master + worker) read right before and right after each wrk
# run, divided by the requests wrk completed ("N requests in" line).  Why: wrk
# has one core too and saturates it first on the cheapest rows (small files,
# keep-alive), where the servers then tie in requests/s; CPU per request still
# shows which server does less work per request.  Its ratio columns are
# peer/quire (above 1: Quire uses less CPU per request).  For 1MiB and 64MiB the
# request count is coarse (responses in flight at the end are not counted, but
# their CPU is), as for requests/s there.  A third table gives how busy wrk's
# core was during each run (% of the run from /proc/stat, median of the rounds):
# near 100%, the client sets the pace and the requests/s cannot separate servers.
# Then it measures memory per idle keep-alive connection (RSS with
# IDLE_CONNS idle connections minus idle RSS, divided by the connections).
# See docs/performance.md.
#
# Environment knobs:
#   SERVERS     servers to compare (default "quire nginx lighttpd"; e.g.
#               SERVERS="nginx lighttpd" runs without Quire)
#   DURATION    seconds per wrk run (default 10)
#   ROUNDS      interleaved rounds per row (default 3)
#   QUICK=1     validation mode: 1-second runs, 1 round, 4 rows
#   PHASES      "throughput idle" (default), or just one of them
#   IDLE_CONNS  idle keep-alive connections for the memory test (default 10000)
#   ONLY_ROWS   run only these rows, e.g. "100B keep-alive 256;64MiB close 16"
#   OUT_DIR     where results go (default build/bench in the repository)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_DIR="$ROOT/tests/bench"
QUIRE=${1:-$ROOT/build/release/server/quire}
SERVERS=${SERVERS:-quire nginx lighttpd}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
QUICK=${QUICK:-0}
PHASES=${PHASES:-throughput idle}
IDLE_CONNS=${IDLE_CONNS:-10000}
OUT_DIR=${OUT_DIR:-$ROOT/build/bench}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
SERVER_CPU=0
CLIENT_CPU=1

SIZES=(100B 4KiB 1MiB 64MiB)
declare -A SIZE_BYTES=([100B]=100 [4KiB]=4096 [1MiB]=1048576 [64MiB]=67108864)
declare -A SIZE_FILE=([100B]=100b.bin [4KiB]=4k.bin [1MiB]=1m.bin [64MiB]=64m.bin)

# Rows: "size mode conns".  64 MiB x 256 connections x Connection: close is
# skipped: every request then takes longer than the whole run (256 x 64 MiB at
# ~1.3 GiB/s is ~12 s), and close vs keep-alive makes no difference at 64 MiB;
# 64 MiB x 256 x keep-alive is kept and its MiB/s is meaningful because wrk
# counts every byte read, not only completed responses.
ROWS=()
if [[ $QUICK == 1 ]]; then
  DURATION=1
  ROUNDS=1
  ROWS=("100B keep-alive 256" "4KiB keep-alive 256" "100B close 256" "64MiB keep-alive 16")
fi
if [[ -n ${ONLY_ROWS:-} ]]; then
  IFS=';' read -r -a ROWS <<<"$ONLY_ROWS"
elif [[ $QUICK != 1 ]]; then
  for size in "${SIZES[@]}"; do
    for mode in keep-alive close; do
      for conns in 16 256; do
        [[ $size == 64MiB && $mode == close && $conns == 256 ]] && continue
        ROWS+=("$size $mode $conns")
      done
    done
  done
fi

log() { printf '[static.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

has_server() { [[ " $SERVERS " == *" $1 "* ]]; }

for s in $SERVERS; do
  case $s in quire|nginx|lighttpd) ;; *) die "unknown server '$s' in SERVERS" ;; esac
done
[[ $(nproc) -ge 2 ]] || die "needs at least 2 cores (server on core $SERVER_CPU, wrk on core $CLIENT_CPU)"
# /proc/PID/stat counts CPU time in clock ticks (usually 100 per second).
# tree_rss_kib, tree_hwm_kib, tree_cpu_ticks, cpu_us_per_req, cpu_table_intro, core_ticks,
# busy_percent
source "$BENCH_DIR/server_tree.sh"
CLK_TCK=$(getconf CLK_TCK)
[[ $CLK_TCK =~ ^[0-9]+$ && $CLK_TCK -gt 0 ]] || die "getconf CLK_TCK gave '$CLK_TCK'"

# --- tools -------------------------------------------------------------------
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
has_server nginx && { command -v nginx >/dev/null || need_pkgs+=(nginx); }
has_server lighttpd && { command -v lighttpd >/dev/null || need_pkgs+=(lighttpd); }
command -v curl >/dev/null || need_pkgs+=(curl)
command -v taskset >/dev/null || need_pkgs+=(util-linux)
command -v python3 >/dev/null || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >&2; }
fi

# The packages may have started system instances; the benchmark runs its own.
for svc in nginx lighttpd; do
  service "$svc" stop >/dev/null 2>&1 || true
done
for pidfile in /run/nginx.pid /run/lighttpd.pid; do
  if [[ -s $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
done

if has_server quire && [[ ! -x $QUIRE ]]; then
  log "$QUIRE missing; building it"
  (cd "$ROOT" && cmake --preset release && cmake --build --preset release --target quire) >&2
  [[ -x $QUIRE ]] || die "no Quire binary at $QUIRE"
fi

# --- limits --------------------------------------------------------------------
# Servers and the idle-connection client inherit this limit.  Without
# CAP_SYS_RESOURCE the hard limit cannot be raised, so use what is allowed.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
[[ $NOFILE == unlimited ]] && NOFILE=65536
((NOFILE > 65536)) && NOFILE=65536
MAX_FDS=$((NOFILE < 40000 ? NOFILE : 40000))
if ((NOFILE < IDLE_CONNS + 100)); then
  log "warning: open-files limit $NOFILE is low for $IDLE_CONNS idle connections"
fi

# --- work dir, document root ---------------------------------------------------
WORK=$(mktemp -d /tmp/quire-bench.XXXXXX)
chmod 755 "$WORK"            # nginx workers run as an unprivileged user
DOCROOT=$WORK/www
mkdir -p "$DOCROOT" "$OUT_DIR"
for size in "${SIZES[@]}"; do
  head -c "${SIZE_BYTES[$size]}" /dev/urandom >"$DOCROOT/${SIZE_FILE[$size]}"
done
chmod 755 "$DOCROOT"
chmod 644 "$DOCROOT"/*

declare -A PID PORT
cleanup() {
  local rc=$? s
  trap - EXIT INT TERM
  for s in "${!PID[@]}"; do
    kill "${PID[$s]}" 2>/dev/null || true
  done
  for s in "${!PID[@]}"; do
    wait "${PID[$s]}" 2>/dev/null || true
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_nginx_conf() {
  local port=$1 dir=$WORK/nginx
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $MAX_FDS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 20000;
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
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port backlog=4096;
        root $DOCROOT;
    }
}
EOF
  echo "$dir/nginx.conf"
}

write_lighttpd_conf() {
  local port=$1 dir=$WORK/lighttpd
  mkdir -p "$dir"
  cat >"$dir/lighttpd.conf" <<EOF
server.document-root = "$DOCROOT"
server.bind = "127.0.0.1"
server.port = $port
server.use-ipv6 = "disable"
server.errorlog = "$dir/error.log"
server.network-backend = "sendfile"
server.max-worker = 0
server.max-fds = $MAX_FDS
server.max-connections = 20000
server.listen-backlog = 4096
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 300
server.max-read-idle = 300
server.max-write-idle = 360
mimetype.assign = ( ".bin" => "application/octet-stream" )
EOF
  echo "$dir/lighttpd.conf"
}

# start_server NAME: starts it pinned to $SERVER_CPU, sets PID[NAME] PORT[NAME].
start_server() {
  local name=$1 port conf
  port=$(free_port)
  case $name in
    quire)
      taskset -c "$SERVER_CPU" "$QUIRE" serve "$DOCROOT" --listen "127.0.0.1:$port" --workers 1 \
        >"$WORK/quire.log" 2>&1 &
      ;;
    nginx)
      conf=$(write_nginx_conf "$port")
      taskset -c "$SERVER_CPU" nginx -c "$conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" \
        >"$WORK/nginx.log" 2>&1 &
      ;;
    lighttpd)
      conf=$(write_lighttpd_conf "$port")
      taskset -c "$SERVER_CPU" lighttpd -D -f "$conf" >"$WORK/lighttpd.log" 2>&1 &
      ;;
  esac
  PID[$name]=$!
  PORT[$name]=$port
  local deadline=$((SECONDS + 15))
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/${SIZE_FILE[100B]}"; do
    if ! kill -0 "${PID[$name]}" 2>/dev/null; then
      cat "$WORK/$name.log" "$WORK/$name/error.log" 2>/dev/null >&2 || true
      die "$name exited during startup"
    fi
    ((SECONDS < deadline)) || die "$name did not answer on port $port within 15 s"
    sleep 0.1
  done
  log "$name: pid ${PID[$name]}, port $port"
}

stop_server() {
  local name=$1
  [[ -n ${PID[$name]:-} ]] || return 0
  kill "${PID[$name]}" 2>/dev/null || true
  wait "${PID[$name]}" 2>/dev/null || true
  unset "PID[$name]"
  # Keep the server's own output and error log next to the results.
  cat "$WORK/$name.log" "$WORK/$name/error.log" >>"$OUT_BASE.$name.log" 2>/dev/null || true
}

# Every file must come back with 200, the right Content-Length and the right bytes.
check_server() {
  local name=$1 size file got code len
  for size in "${SIZES[@]}"; do
    file=${SIZE_FILE[$size]}
    got=$WORK/check.body
    code=$(curl -s -o "$got" -D "$WORK/check.head" -w '%{http_code}' --max-time 30 \
      "http://127.0.0.1:${PORT[$name]}/$file") || die "$name: request for /$file failed"
    len=$(tr -d '\r' <"$WORK/check.head" | awk -F': *' 'tolower($1)=="content-length"{print $2}')
    [[ $code == 200 ]] || die "$name: /$file returned HTTP $code"
    [[ $len == "${SIZE_BYTES[$size]}" ]] ||
      die "$name: /$file Content-Length '$len', expected ${SIZE_BYTES[$size]}"
    cmp -s "$got" "$DOCROOT/$file" || die "$name: /$file body differs from the file"
  done
  rm -f "$WORK/check.body" "$WORK/check.head"
  log "$name: all files return 200 with the right Content-Length and body"
}

# wrk's Transfer/sec uses binary units; convert to MiB/s.
to_mib() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "B") ? 1/1048576 : (u == "KB") ? 1/1024 : (u == "MB") ? 1 : (u == "GB") ? 1024 : (u == "TB") ? 1048576 : -1
    if (f < 0) { print "nan"; exit 1 }
    printf "%.2f", n * f }'
}

# run_wrk NAME SIZE MODE CONNS ROUND -> appends one line to $RAW
run_wrk() {
  local name=$1 size=$2 mode=$3 conns=$4 round=$5 out rps tps errs ticks0 ticks1 reqs cpu_us
  local client0 client1 client_busy
  local args=(-t1 "-c$conns" "-d${DURATION}s" --timeout "$WRK_TIMEOUT")
  [[ $mode == close ]] && args+=(-H "Connection: close")
  # The server's CPU time (all its processes) right before and right after wrk: the
  # difference over the requests wrk completed is the CPU per request.
  # And how busy wrk's core was: near 100%, the client sets the pace and the servers' rates
  # can only tie (their CPU per request still compares them).
  ticks0=$(tree_cpu_ticks "${PID[$name]}")
  client0=$(core_ticks "$CLIENT_CPU")
  out=$(taskset -c "$CLIENT_CPU" wrk "${args[@]}" "http://127.0.0.1:${PORT[$name]}/${SIZE_FILE[$size]}" 2>&1) ||
    die "wrk failed against $name: $out"
  client1=$(core_ticks "$CLIENT_CPU")
  ticks1=$(tree_cpu_ticks "${PID[$name]}")
  client_busy=$(busy_percent "$client0" "$client1")
  printf '### %s %s %s c=%s round %s\n%s\n' "$name" "$size" "$mode" "$conns" "$round" "$out" >>"$OUT_BASE.wrk.log"
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  tps=$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")
  [[ -n $rps && -n $tps ]] || die "could not parse wrk output: $out"
  reqs=$(awk '/ requests in / {print $1; exit}' <<<"$out")
  [[ $reqs =~ ^[0-9]+$ ]] || die "could not parse wrk's request count: $out"
  cpu_us=$(cpu_us_per_req "$ticks0" "$ticks1" "$reqs")
  errs=$(awk '/Socket errors:/ {gsub(/,/, ""); e += $4 + $6 + $8 + $10}
              /Non-2xx or 3xx responses:/ {e += $NF}
              END {print e + 0}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$size" "$mode" "$conns" "$round" \
    "$rps" "$(to_mib "$tps")" "$errs" "$cpu_us" "$client_busy" >>"$RAW"
  printf '  %-8s %-5s %-10s c=%-3s round %s: %12s req/s %10s MiB/s %9s µs/req server CPU  wrk core %s%%  errors %s\n' \
    "$name" "$size" "$mode" "$conns" "$round" "$rps" "$(to_mib "$tps")" "$cpu_us" "$client_busy" "$errs"
}



STAMP=$(date +%Y%m%d-%H%M)
OUT_BASE=$OUT_DIR/static-$STAMP
RAW=$OUT_BASE.tsv
IDLE_RAW=$OUT_BASE.idle.tsv
MD=$OUT_BASE.md
: >"$RAW"
: >"$IDLE_RAW"
: >"$OUT_BASE.wrk.log"

{
  echo "# Static-file benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -r)"
  echo "- servers: $SERVERS; $(nginx -v 2>&1 | sed 's/.*: //') ; $(lighttpd -v 2>&1 | cut -d' ' -f1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "- server on core $SERVER_CPU, \`wrk -t1\` on core $CLIENT_CPU; one worker process per server"
  echo "- DURATION=${DURATION}s per run, ROUNDS=$ROUNDS (interleaved), QUICK=$QUICK, median per server and row"
  echo
} >"$MD"

if [[ " $PHASES " == *" throughput "* ]]; then
  log "results: $MD (raw: $RAW, wrk output: $OUT_BASE.wrk.log)"
  for s in $SERVERS; do
    start_server "$s"
    check_server "$s"
  done
  # Short warm-up of each server (page cache, allocator) before measuring.
  for s in $SERVERS; do
    taskset -c "$CLIENT_CPU" wrk -t1 -c16 -d1s "http://127.0.0.1:${PORT[$s]}/${SIZE_FILE[4KiB]}" >/dev/null 2>&1 || true
  done
  for row in "${ROWS[@]}"; do
    read -r size mode conns <<<"$row"
    [[ -n ${SIZE_FILE[$size]:-} && ($mode == keep-alive || $mode == close) && $conns =~ ^[0-9]+$ ]] ||
      die "bad row '$row' (want: 100B|4KiB|1MiB|64MiB keep-alive|close CONNS)"
    echo "== $size, $mode, $conns connections"
    for ((r = 1; r <= ROUNDS; r++)); do
      for s in $SERVERS; do
        run_wrk "$s" "$size" "$mode" "$conns" "$r"
      done
    done
  done
  for s in $SERVERS; do stop_server "$s"; done
  echo
  echo "Medians over $ROUNDS round(s) of ${DURATION}s (requests/s, MiB/s of response bytes incl. headers):"
  echo "## Throughput (median of $ROUNDS interleaved rounds, ${DURATION}s each)" >>"$MD"
  echo >>"$MD"
  python3 "$BENCH_DIR/static_report.py" throughput "$RAW" "$MD" "$SERVERS"
  if has_server quire; then
    echo "quire/peer is the ratio of the medians: requests/s for 100B and 4KiB, MiB/s for 1MiB and 64MiB." >>"$MD"
    echo >>"$MD"
  fi
  echo
  echo "Server CPU per request (µs, user+system of the server's processes, median of rounds; lower is better):"
  cpu_table_intro "small files, keep-alive" >>"$MD"
  python3 "$BENCH_DIR/static_report.py" cpu "$RAW" "$MD" "$SERVERS"
  echo
  echo "wrk's core, % busy during the runs (median of rounds): near 100, the client sets the pace:"
  client_table_intro >>"$MD"
  python3 "$BENCH_DIR/static_report.py" client "$RAW" "$MD" "$SERVERS"
fi

if [[ " $PHASES " == *" idle "* ]]; then
  echo
  echo "== Memory per idle keep-alive connection ($IDLE_CONNS connections)"
  for s in $SERVERS; do
    start_server "$s"       # fresh instance, not inflated by the throughput runs
    curl -s -o /dev/null "http://127.0.0.1:${PORT[$s]}/${SIZE_FILE[100B]}"   # warm-up request
    sleep 1
    idle_rss=$(tree_rss_kib "${PID[$s]}")
    client_out=$WORK/idle-$s.out
    taskset -c "$CLIENT_CPU" python3 "$BENCH_DIR/idle_conns.py" --port "${PORT[$s]}" \
      --path "/${SIZE_FILE[100B]}" -n "$IDLE_CONNS" --setup-time 60 --max-time 120 \
      >"$client_out" 2>"$WORK/idle-$s.err" &
    client=$!
    deadline=$((SECONDS + 90))
    until grep -q '^READY' "$client_out" 2>/dev/null; do
      kill -0 "$client" 2>/dev/null || { cat "$WORK/idle-$s.err" >&2; die "idle client exited early against $s"; }
      ((SECONDS < deadline)) || { kill "$client" 2>/dev/null || true; die "idle client did not get ready against $s"; }
      sleep 0.2
    done
    sleep 2                 # let the server settle with all connections idle
    loaded_rss=$(tree_rss_kib "${PID[$s]}")
    kill -USR1 "$client" 2>/dev/null || true
    wait "$client" || true
    held=$(sed -n 's/^READY ok=\([0-9]*\).*/\1/p' "$client_out")
    alive=$(sed -n 's/^ALIVE alive=\([0-9]*\).*/\1/p' "$client_out")
    if [[ -s $WORK/idle-$s.err ]]; then sed "s/^/  [$s client] /" "$WORK/idle-$s.err" | head -5 >&2; fi
    if ((held > 0)); then
      per=$(awk -v a="$idle_rss" -v b="$loaded_rss" -v n="$held" 'BEGIN {printf "%.2f", (b - a) / n}')
    else
      per=-
    fi
    printf '  %-8s idle %8s KiB, with %s idle conns %8s KiB (%s still open at the end): %s KiB/conn\n' \
      "$s" "$idle_rss" "$held" "$loaded_rss" "${alive:-?}" "$per"
    ((held == IDLE_CONNS)) || log "warning: $s: only $held of $IDLE_CONNS connections were established and answered"
    [[ ${alive:-0} == "$held" ]] || log "warning: $s: the server closed some idle connections during the measurement"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$idle_rss" "$loaded_rss" "$held" "${alive:-?}" "$per" >>"$IDLE_RAW"
    stop_server "$s"
  done
  echo
  {
    echo "## Memory per idle keep-alive connection"
    echo
    echo "VmRSS summed over the server's processes (for nginx master + worker), after one"
    echo "warm-up request, and again with $IDLE_CONNS idle keep-alive connections that each"
    echo "served one GET of the 100 B file; KiB/conn = (difference) / connections held."
    echo
  } >>"$MD"
  python3 "$BENCH_DIR/static_report.py" idle "$IDLE_RAW" "$MD" "$SERVERS"
fi

echo
echo "Markdown results: $MD"
