#!/usr/bin/env python3
"""Summarise the raw results of tests/bench/dav.sh (Python 3 stdlib only).

    dav_report.py throughput RAW.tsv MD_OUT "SERVERS" "ROW_IDS"
    dav_report.py cpu RAW.tsv MD_OUT "SERVERS" "ROW_IDS"
    dav_report.py client RAW.tsv MD_OUT "SERVERS" "ROW_IDS"
    dav_report.py paired RAW.tsv MD_OUT "SERVERS" "ROW_IDS"
    dav_report.py memory MEM.tsv MD_OUT

RAW.tsv columns (tab separated, one line per wrk run):
    server row round req_per_s errors responses codes cpu_us client_busy
  errors = responses with an unexpected status + wrk socket errors;
  codes = unexpected statuses as STATUS:COUNT,... or "-";
  cpu_us = server CPU (user+system, the server's process tree) per completed
  request in microseconds, or "-"; client_busy = % of the run wrk's core was busy,
  or "-" (files without these columns are read too).
MEM.tsv columns (one line per server):
    server status responses body_bytes seconds rss_before_kib rss_peak_kib hwm_kib

Prints a plain-text table on stdout and appends a Markdown table to MD_OUT.
"""

import math
import statistics
import sys

TITLES = {
    "propfind1": "PROPFIND Depth 1, 1,000 members",
    "propfind1all": "PROPFIND Depth 1 allprop, 1,000 members",
    "propfind0": "PROPFIND Depth 0, file",
    "propfind0all": "PROPFIND Depth 0 allprop, file",
    "putnew": "PUT 4 KiB new",
    "putover": "PUT 4 KiB overwrite",
    "get": "GET 1 KiB",
    "move": "MOVE file",
}
# Measured by the issue's author on this machine (16 connections), for reference.
ISSUE = {
    "propfind1all": "nginx 318, lighttpd 52, Apache 32",
    "propfind0all": "nginx 25,600",
    "putnew": "about 2,100 for all",
    "get": "lighttpd 48,900",
}
PEERS = ("apache", "lighttpd", "nginx")
MEM_TARGET_MIB = 64


def fmt(v):
    return "-" if v is None else "{:,.0f}".format(v)


def emit(md_out, head, table, notes):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
    for r in [head] + table:
        print("  ".join(str(x).rjust(w) for x, w in zip(r, widths)))
    with open(md_out, "a") as f:
        f.write("| " + " | ".join(head) + " |\n")
        f.write("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|\n")
        for r in table:
            f.write("| " + " | ".join(str(x) for x in r) + " |\n")
        f.write("\n")
        for n in notes:
            f.write(n + "\n")
        if notes:
            f.write("\n")


def fmt_us(v):
    if v is None:
        return "-"
    return "{:,.1f}".format(v) if v < 100 else "{:,.0f}".format(v)


def tsv_rows(path):
    """The lines of a tab-separated file, each split into its fields."""
    with open(path) as lines:
        return [line.rstrip("\n").split("\t") for line in lines]


def load(raw):
    """{row: {server: {"rps": [...], "cpu": [...], "err": N, "codes": {...}}}}"""
    data = {}
    for f in tsv_rows(raw):
        while 7 <= len(f) < 9:
            f.append("-")
        if len(f) != 9:
            continue
        server, row, _round, rps, errs, _total, codes, cpu_us, client_busy = f
        d = data.setdefault(row, {}).setdefault(
            server, {"rps": [], "cpu": [], "client": [], "err": 0, "codes": {}})
        d["rps"].append(float(rps))
        if cpu_us != "-":
            d["cpu"].append(float(cpu_us))
        if client_busy != "-":
            d["client"].append(float(client_busy))
        d["err"] += int(errs)
        if codes != "-":
            for c in codes.split(","):
                k, v = c.split(":")
                d["codes"][k] = d["codes"].get(k, 0) + int(v)
    return data


def codes_of(d):
    """The unexpected statuses of a server's runs on a row, as "CODE xCOUNT ..."."""
    return " ".join("%s x%d" % kv for kv in sorted(d["codes"].items()))


def server_cells(data, row, servers, field, show):
    """One cell per server: the median over the rounds of `field` ("rps" or "cpu"), shown
    with `show`, flagged with the errors of its runs. Returns (cells, medians, errors)."""
    cells, med, err = [], {}, {}
    for s in servers:
        d = data.get(row, {}).get(s)
        if d is None or not d[field]:
            cells.append("-")
            continue
        med[s] = statistics.median(d[field])
        err[s] = d["err"]
        cell = show(med[s])
        if d["err"]:
            codes = codes_of(d)
            cell += " **! %d err**" % d["err"] + (" (%s)" % codes if codes else "")
        cells.append(cell)
    return cells, med, err


def best_peer(med, err, peers, pick):
    """(median, peer) of the row's best peer: pick (max or min) over the peers without
    errors; None when there is none."""
    valid = [(med[p], p) for p in peers if p in med and err[p] == 0]
    return pick(valid) if valid else None


def best_peer_cells(med, err, peers, pick, show, ratio):
    """The "best peer" and ratio cells of a row: pick (max or min) of the medians of the peers
    without errors, and ratio(best, quire-fs) (None: no ratio). A peer with errors cannot be
    the best peer; Quire-fs with errors gets no ratio."""
    found = best_peer(med, err, peers, pick)
    if not found:
        # no figure at all: an older raw file, or no request completed
        return ["- (every peer had errors)" if any(p in med for p in peers) else "-", "-"]
    best_v, best = found
    cells = ["%s %s" % (best, show(best_v))]
    if "quire-fs" not in med:
        cells.append("-")
    elif err["quire-fs"]:
        cells.append("n/a (errors)")
    else:
        q = ratio(best_v, med["quire-fs"])
        cells.append("%.2f" % q if q is not None else "-")
    return cells


def table_start(raw, servers, ratio_head):
    """(data, peers, whether Quire-fs and peers are there to compare, the head row)."""
    data = load(raw)
    peers = [s for s in servers if s in PEERS]
    compare = "quire-fs" in servers and bool(peers)
    head = ["row"] + servers + (["best peer", ratio_head] if compare else [])
    return data, peers, compare, head


def throughput(raw, md_out, servers, row_ids):
    data, peers, compare, head = table_start(raw, servers, "quire-fs / best peer")
    head += ["issue author (16 conns)"]

    table, flagged = [], []
    for row in row_ids:
        cells, med, err = server_cells(data, row, servers, "rps", fmt)
        r = [TITLES.get(row, row)] + cells
        for s in servers:
            if err.get(s):
                codes = codes_of(data[row][s])
                flagged.append("%s / %s: %d errors%s" % (TITLES.get(row, row), s, err[s],
                                                         (" (unexpected statuses: %s)" % codes) if codes else ""))
        if compare:
            r += best_peer_cells(med, err, peers, max, fmt,
                                 lambda best, q: q / best if best else None)
        r.append(ISSUE.get(row, ""))
        table.append(r)

    notes = []
    if flagged:
        notes.append("**Rows with errors** (responses with an unexpected status or socket errors, all rounds; "
                     "a peer with errors cannot be the best peer, Quire-fs with errors gets no ratio):")
        notes.append("")
        notes += ["- " + x for x in flagged]
    else:
        notes.append("Every response of every run had the expected status (PROPFIND 207, PUT new 201, "
                     "PUT overwrite 200/204, GET 200, MOVE 201, or 204 from nginx).")
    emit(md_out, head, table, notes)


def cpu(raw, md_out, servers, row_ids):
    """Server CPU per request: the same rows and servers as throughput(); lower is
    better, so the best peer is the one with the least CPU per request and the
    ratio is best peer / quire-fs (above 1: Quire-fs uses less CPU per request)."""
    data, peers, compare, head = table_start(raw, servers, "best peer / quire-fs")

    table, flagged = [], False
    for row in row_ids:
        cells, med, err = server_cells(data, row, servers, "cpu", fmt_us)
        r = [TITLES.get(row, row)] + cells
        flagged = flagged or any(err.values())
        if compare:
            r += best_peer_cells(med, err, peers, min, fmt_us,
                                 lambda best, q: best / q if q else None)
        table.append(r)

    notes = []
    if compare:
        notes.append("best peer / quire-fs = the peer with the least CPU per request (without errors) "
                     "divided by Quire-fs: above 1, Quire-fs uses less CPU per request.")
    if flagged:
        notes.append("Cells with errors are flagged as in the throughput table (such a peer cannot be "
                     "the best peer, Quire-fs with errors gets no ratio).")
    emit(md_out, head, table, notes)


def client(raw, md_out, servers, row_ids):
    """How busy wrk's core was (% of each run, median of the rounds), per row and server."""
    data = load(raw)
    head = ["row"] + [s + " wrk core %" for s in servers]
    table = []
    for row in row_ids:
        r = [TITLES.get(row, row)]
        for s in servers:
            d = data.get(row, {}).get(s)
            r.append("%.0f" % statistics.median(d["client"]) if d and d["client"] else "-")
        table.append(r)
    emit(md_out, head, table, [])


def load_rounds(raw):
    """{row: {server: {round: req_per_s}}}"""
    rounds = {}
    for f in tsv_rows(raw):
        if len(f) < 4:
            continue
        rounds.setdefault(f[1], {}).setdefault(f[0], {})[f[2]] = float(f[3])
    return rounds


def median_interval(values, level=0.95):
    """A distribution-free interval for the median of `values`, from the sign test: the k-th
    lowest and the k-th highest value, k the largest for which the chance that the median lies
    outside is at most 1 - level (each value is above the median with probability 1/2, so the
    count below it is Binomial(n, 1/2)). Returns (low, high, coverage), or None when there are
    too few values for that level (fewer than 6 for 95%)."""
    xs = sorted(values)
    n = len(xs)
    tail = 0.0  # P(Binomial(n, 1/2) <= k - 1)
    found = None
    for k in range(1, n // 2 + 1):
        tail += math.comb(n, k - 1) / 2 ** n
        if 2 * tail > 1 - level:
            break
        found = (xs[k - 1], xs[n - k], 1 - 2 * tail)
    return found


def verdict(interval):
    """Quire-fs against the best peer from the interval of the median round ratio: "ahead" or
    "behind" when the whole interval is above or below 1, "level" when it holds 1."""
    if interval is None:
        return "too few rounds (6 or more for a 95% interval)"
    low, high, _ = interval
    if low > 1:
        return "ahead"
    if high < 1:
        return "behind"
    return "level (the interval holds 1)"


def paired(raw, md_out, servers, row_ids):
    """Quire-fs against the row's best peer round by round. The servers of a round run one
    right after the other, so a slow spell of the machine, which moves a whole round, mostly
    cancels out of the ratio of that round (the ratio of medians in the throughput table
    compares figures measured minutes apart). Per row: the median of the rounds' ratios,
    the lowest and the highest, in how many rounds Quire-fs was ahead, a 95% interval of
    the median ratio and what it says (median_interval, verdict)."""
    data = load(raw)
    rounds = load_rounds(raw)
    peers = [s for s in servers if s in PEERS]
    if "quire-fs" not in servers or not peers:
        return
    head = ["row", "best peer", "rounds", "median of round ratios", "lowest", "highest",
            "rounds quire-fs ahead", "95% interval of the median", "verdict"]
    table = []
    for row in row_ids:
        _, med, err = server_cells(data, row, servers, "rps", fmt)
        found = best_peer(med, err, peers, max)
        if not found or "quire-fs" not in med:
            continue
        best = found[1]
        q, b = rounds[row]["quire-fs"], rounds[row][best]
        ratios = [q[r] / b[r] for r in sorted(q) if r in b and b[r] > 0]
        if not ratios:
            continue
        ahead = sum(1 for x in ratios if x > 1)
        interval = median_interval(ratios)
        table.append([TITLES.get(row, row), best, len(ratios), "%.2f" % statistics.median(ratios),
                      "%.2f" % min(ratios), "%.2f" % max(ratios), "%d of %d" % (ahead, len(ratios)),
                      "%.2f-%.2f (%.1f%%)" % (interval[0], interval[1], 100 * interval[2])
                      if interval else "-", verdict(interval)])
    emit(md_out, head, table,
         ["Round ratio = Quire-fs requests/s / the best peer's in the same round (they ran "
          "back to back); best peer as in the throughput table. The interval holds the median "
          "round ratio with at least 95% confidence (the sign test's order statistics, no "
          "assumption about the spread; its exact coverage in brackets): a row is ahead or "
          "behind only when the whole interval is above or below 1."])


def memory(raw, md_out):
    head = ["server", "status", "responses", "body MiB", "seconds", "RSS before MiB",
            "peak RSS MiB", "VmHWM MiB", "target < %d MiB" % MEM_TARGET_MIB]
    table = []
    for f in tsv_rows(raw):
        if len(f) != 8:
            continue
        server, status, n, body, secs, before, peak, hwm = f
        peak_mib = max(int(peak), int(hwm)) / 1024
        ok = status == "207" and int(n) == 100101
        target = ("yes" if peak_mib < MEM_TARGET_MIB else "NO") if server.startswith("quire") else ""
        if not ok:
            target = "invalid answer" if server.startswith("quire") else "(invalid answer)"
        table.append([server, status, "{:,}".format(int(n)), "%.1f" % (int(body) / 1048576), secs,
                      "%.1f" % (int(before) / 1024), "%.1f" % (int(peak) / 1024),
                      "%.1f" % (int(hwm) / 1024), target])
    emit(md_out, head, table, ["Target: peak RSS (max of sampled VmRSS and VmHWM) under %d MiB; "
                               "a valid answer is 207 with 100,101 responses." % MEM_TARGET_MIB])


if __name__ == "__main__":
    if sys.argv[1] == "throughput":
        throughput(sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split())
    elif sys.argv[1] == "cpu":
        cpu(sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split())
    elif sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split())
    elif sys.argv[1] == "paired":
        paired(sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split())
    elif sys.argv[1] == "memory":
        memory(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: see the docstring")
