# Sourced by dav.sh and static.sh: what a server uses, summed or maxed over its process and
# all its descendants (nginx master + worker, Apache's parent + children). Each function
# walks the tree anew, so a worker started late is counted.
#
# The caller sets CLK_TCK (getconf CLK_TCK) before calling cpu_us_per_req.

# server_tree PID -> PID and its descendants, one per line.
server_tree() {
  local p kids k queue=("$1")
  while ((${#queue[@]})); do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    echo "$p"
    kids=$(ps -o pid= --ppid "$p" 2>/dev/null || true)
    for k in $kids; do queue+=("$k"); done
  done
}

# Sum of VmRSS (KiB) of PID and its descendants.
tree_rss_kib() {
  local total=0 p rss
  for p in $(server_tree "$1"); do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${rss:-0}))
  done
  echo "$total"
}

# Largest VmHWM (KiB) among PID and its descendants.
tree_hwm_kib() {
  local max=0 p v
  for p in $(server_tree "$1"); do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
    ((${v:-0} > max)) && max=$v
  done
  echo "$max"
}

# Sum of utime + stime (fields 14 and 15 of /proc/PID/stat, clock ticks) of PID and its
# descendants: the server's CPU time whichever of its processes spent it. A process's
# fields include all its threads, also those that ended. A process that exits between two
# readings loses its ticks (they go to its parent's cutime/cstime, not read here); the
# servers benchmarked keep their processes for the whole run.
tree_cpu_ticks() {
  local total=0 p stat f
  for p in $(server_tree "$1"); do
    stat=
    { read -r stat <"/proc/$p/stat"; } 2>/dev/null || true
    if [[ -n $stat ]]; then
      # Field 2 (comm) is in parentheses and may hold spaces: split after the last ")",
      # so f[0] is field 3 and fields 14, 15 are f[11], f[12].
      read -r -a f <<<"${stat##*)}"
      total=$((total + f[11] + f[12]))
    fi
  done
  echo "$total"
}

# cpu_us_per_req TICKS_BEFORE TICKS_AFTER REQUESTS -> microseconds per request, or "-" when
# no request completed.
cpu_us_per_req() {
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$CLK_TCK" \
    'BEGIN { if (n > 0) printf "%.2f", (b - a) * 1e6 / hz / n; else print "-" }'
}

# core_ticks CPU -> "busy total": jiffies of one core from /proc/stat, user to steal (guest
# time is counted in user already); busy = all but idle and iowait.
core_ticks() {
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# busy_percent BEFORE AFTER -> % of the time between two core_ticks readings the core was
# busy, or "-".
busy_percent() {
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]
    if (t > 0) printf "%.0f", 100 * (y[1] - x[1]) / t; else print "-" }'
}

# client_table_intro -> the Markdown heading and method of the client-core table.
client_table_intro() {
  echo "## Client core use (% busy, median of rounds)"
  echo
  echo "How busy wrk's core was during each run (/proc/stat).  Near 100%, wrk cannot send faster:"
  echo "servers that all keep up tie in requests/s whatever their own cost, and the CPU table above"
  echo "compares them."
  echo
}

# cpu_table_intro ROWS -> the Markdown heading and method of the CPU table (for the report);
# ROWS names the rows where wrk's core saturates first.
cpu_table_intro() {
  echo "## Server CPU per request (µs, user+system, median of rounds; lower is better)"
  echo
  echo "utime + stime of the server's process and its descendants (/proc/PID/stat), read right before"
  echo "and right after each wrk run, divided by the requests wrk completed.  Independent of the client:"
  echo "where wrk's core saturates first ($1), the servers tie in requests/s but not here."
  echo
}
