#!/usr/bin/env python3
"""Summarise the raw results of tests/bench/static.sh (Python 3 stdlib only).

    static_report.py throughput RAW.tsv MD_OUT "quire nginx lighttpd"
    static_report.py cpu RAW.tsv MD_OUT "quire nginx lighttpd"
    static_report.py client RAW.tsv MD_OUT "quire nginx lighttpd"
    static_report.py idle IDLE.tsv MD_OUT "quire nginx lighttpd"

RAW.tsv columns (tab separated, one line per wrk run):
    server size mode conns round req_per_s mib_per_s errors cpu_us client_busy
  cpu_us = server CPU (user+system, the server's process tree) per completed
  request in microseconds, or "-"; client_busy = % of the run wrk's core was busy,
  or "-" (files without these columns are read too).
IDLE.tsv columns (one line per server):
    server idle_rss_kib loaded_rss_kib conns_held conns_alive kib_per_conn

Prints a plain-text table on stdout and appends a Markdown table to MD_OUT.
"""

import statistics
import sys

SIZE_ORDER = ["100B", "4KiB", "1MiB", "64MiB"]
MODE_ORDER = ["keep-alive", "close"]
# Rows whose ratio/target is computed from MiB/s instead of requests/s: with
# large files a run ends with responses in flight, which wrk counts in bytes
# read but not in requests, so requests/s is coarse there.  For small files
# requests/s is used because header sizes differ between servers.
BYTES_BASED = ("1MiB", "64MiB")


def targets(size, mode, conns):
    """The project's target for a row: which peer(s) Quire must at least match."""
    if mode == "keep-alive" and size in ("100B", "4KiB"):
        return "lighttpd", ">= lighttpd"
    if mode == "close" and size in ("100B", "4KiB"):
        return "lighttpd", ">= lighttpd"
    if size == "64MiB":
        return "best", ">= best peer"
    return None, ""


def fmt_num(v, digits=0):
    if v is None:
        return "-"
    return ("{:,.%df}" % digits).format(v)


def fmt_us(v):
    if v is None:
        return "-"
    return fmt_num(v, 1) if v < 100 else fmt_num(v)


def load(raw):
    """({(size, mode, conns): {server: {"rps": [...], "mib": [...], "cpu": [...], "err": N}}},
    the keys in table order)"""
    rows = {}
    for line in open(raw):
        f = line.rstrip("\n").split("\t")
        while 8 <= len(f) < 10:
            f.append("-")
        if len(f) != 10:
            continue
        server, size, mode, conns, _round, rps, mibps, errs, cpu_us, client_busy = f
        key = (size, mode, int(conns))
        d = rows.setdefault(key, {}).setdefault(
            server, {"rps": [], "mib": [], "cpu": [], "client": [], "err": 0})
        d["rps"].append(float(rps))
        d["mib"].append(float(mibps))
        if cpu_us != "-":
            d["cpu"].append(float(cpu_us))
        if client_busy != "-":
            d["client"].append(float(client_busy))
        d["err"] += int(errs)
    keys = sorted(rows, key=lambda k: (SIZE_ORDER.index(k[0]) if k[0] in SIZE_ORDER else 99,
                                       MODE_ORDER.index(k[1]), k[2]))
    return rows, keys


def emit(head, table, md_out, flagged, legend=None, md_legend=None):
    """Prints the table as plain text and appends it to MD_OUT as Markdown (the first two
    columns left-aligned), with the error flag's legend and the ratio legend."""
    widths = [max(len(head[i]), *(len(r[i]) for r in table)) if table else len(head[i])
              for i in range(len(head))]
    print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    if flagged:
        print("! = wrk reported socket errors or non-2xx/3xx responses in this row")
    if legend:
        print(legend)

    with open(md_out, "a") as out:
        out.write("| " + " | ".join(head) + " |\n")
        out.write("|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|\n")
        for r in table:
            out.write("| " + " | ".join(r) + " |\n")
        out.write("\n")
        if flagged:
            out.write("`!` = wrk reported socket errors or non-2xx/3xx responses in this row.\n\n")
        if md_legend:
            out.write(md_legend)


def throughput(raw, md_out, servers):
    rows, keys = load(raw)
    peers = [s for s in servers if s != "quire"]
    have_quire = "quire" in servers

    head = ["size", "mode", "conns"]
    for s in servers:
        head += [s + " req/s", s + " MiB/s", s + " err"]
    if have_quire:
        head += ["quire/" + p for p in peers]
        head += ["target", "met"]

    table = []
    flagged = False
    for key in keys:
        size, mode, conns = key
        r = [size, mode, str(conns)]
        med = {}   # the median the ratios and targets are based on
        for s in servers:
            d = rows[key].get(s)
            if d is None:
                r += ["-", "-", "-"]
                continue
            rps, mib = statistics.median(d["rps"]), statistics.median(d["mib"])
            med[s] = mib if size in BYTES_BASED else rps
            r += [fmt_num(rps), fmt_num(mib, 1),
                  str(d["err"]) + (" !" if d["err"] else "")]
            flagged = flagged or d["err"] > 0
        if have_quire:
            for p in peers:
                if "quire" in med and med.get(p):
                    r.append("%.2f" % (med["quire"] / med[p]))
                else:
                    r.append("-")
            which, label = targets(size, mode, conns)
            met = ""
            if which and "quire" in med:
                if which == "best":
                    ref = max([med[p] for p in peers if p in med] or [0])
                else:
                    ref = med.get(which, 0)
                met = "yes" if med["quire"] >= ref else "NO"
            r += [label, met]
        table.append(r)

    emit(head, table, md_out, flagged,
         "quire/peer = ratio of medians: requests/s for 100B and 4KiB, MiB/s for 1MiB and 64MiB"
         if have_quire else None)


def cpu(raw, md_out, servers):
    """Server CPU per request: the same rows and servers as throughput(); lower is
    better, so the ratio columns are peer/quire (above 1: Quire uses less CPU)."""
    rows, keys = load(raw)
    peers = [s for s in servers if s != "quire"]
    have_quire = "quire" in servers

    head = ["size", "mode", "conns"] + [s + " µs/req" for s in servers]
    if have_quire:
        head += [p + "/quire" for p in peers]

    table = []
    flagged = False
    for key in keys:
        size, mode, conns = key
        r = [size, mode, str(conns)]
        med = {}
        for s in servers:
            d = rows[key].get(s)
            if d is None or not d["cpu"]:
                r.append("-")
                continue
            med[s] = statistics.median(d["cpu"])
            r.append(fmt_us(med[s]) + (" !" if d["err"] else ""))
            flagged = flagged or d["err"] > 0
        if have_quire:
            for p in peers:
                if med.get("quire") and p in med:
                    r.append("%.2f" % (med[p] / med["quire"]))
                else:
                    r.append("-")
        table.append(r)

    emit(head, table, md_out, flagged,
         "peer/quire = ratio of the medians of CPU per request (above 1: quire uses less CPU)"
         if have_quire else None,
         ("peer/quire is the ratio of the medians of CPU per request: above 1, Quire uses less "
          "CPU per request than that peer.  For 1MiB and 64MiB the request count is coarse "
          "(responses still in flight at the end are not counted, their CPU is); "
          "\"-\" = no request completed.\n\n") if have_quire else None)


def idle(raw, md_out, servers):
    head = ["server", "idle RSS KiB", "RSS with conns KiB", "conns held",
            "still open after", "KiB/conn", "target"]
    table = []
    for line in open(raw):
        f = line.rstrip("\n").split("\t")
        if len(f) != 6:
            continue
        server, idle_kib, loaded_kib, held, alive, per = f
        target = ""
        if server == "quire" and per not in ("", "-"):
            target = "<= 2 KiB: " + ("yes" if float(per) <= 2.0 else "NO")
        table.append([server, idle_kib, loaded_kib, held, alive, per, target])
    widths = [max(len(head[i]), *(len(r[i]) for r in table)) if table else len(head[i])
              for i in range(len(head))]
    print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    with open(md_out, "a") as out:
        out.write("| " + " | ".join(head) + " |\n")
        out.write("|---|" + "|".join("---:" for _ in head[1:]) + "|\n")
        for r in table:
            out.write("| " + " | ".join(r) + " |\n")
        out.write("\n")


def client(raw, md_out, servers):
    """How busy wrk's core was (% of each run, median of the rounds), per row and server."""
    rows, keys = load(raw)
    head = ["size", "mode", "conns"] + [s + " wrk core %" for s in servers]
    table = []
    for key in keys:
        size, mode, conns = key
        r = [size, mode, str(conns)]
        for s in servers:
            d = rows[key].get(s)
            r.append("%.0f" % statistics.median(d["client"]) if d and d["client"] else "-")
        table.append(r)
    emit(head, table, md_out, False)


def main():
    modes = {"throughput": throughput, "cpu": cpu, "client": client, "idle": idle}
    if len(sys.argv) != 5 or sys.argv[1] not in modes:
        print(__doc__, file=sys.stderr)
        return 2
    servers = sys.argv[4].split()
    modes[sys.argv[1]](sys.argv[2], sys.argv[3], servers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
