#!/usr/bin/env python3
"""Open N keep-alive connections to an HTTP server and hold them idle.

Used by tests/bench/static.sh to measure server memory per idle keep-alive
connection.  Python 3 standard library only.

Each connection is opened, sends one small GET (HTTP/1.1, keep-alive) and
reads the complete response, so the server has fully processed a request on
it and it is now an idle keep-alive connection.  When every connection is
done (or the setup phase times out) the script prints one line

    READY ok=<n> failed=<n> seconds=<t>

on stdout and then holds the connections open.  On SIGUSR1 (or when the
total time budget runs out) it checks how many connections the server still
holds open (a closed connection reads EOF), prints

    ALIVE alive=<n> closed=<n>

closes everything and exits.  The script never runs longer than --max-time
seconds in total.
"""

import argparse
import errno
import os
import resource
import selectors
import signal
import socket
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/100b.bin")
    p.add_argument("-n", "--conns", type=int, default=10000)
    p.add_argument("--inflight", type=int, default=256,
                   help="max connections being set up at the same time")
    p.add_argument("--setup-time", type=float, default=60.0,
                   help="seconds allowed for opening and using all connections")
    p.add_argument("--max-time", type=float, default=120.0,
                   help="total time budget; the script exits by itself after it")
    return p.parse_args()


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Conn:
    __slots__ = ("sock", "state", "buf", "need")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connect"   # connect -> send -> recv -> idle
        self.buf = b""
        self.need = None         # total bytes of the response once known


def response_complete(c):
    """True when c.buf holds one whole response (Content-Length framed)."""
    if c.need is None:
        end = c.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = c.buf[:end].decode("latin-1").split("\r\n")
        length = None
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise ValueError("response without Content-Length: %r" % head[0])
        if not head[0].startswith("HTTP/1.1 200"):
            raise ValueError("unexpected status: %r" % head[0])
        c.need = end + 4 + length
    return len(c.buf) >= c.need


def main():
    args = parse_args()
    start = time.monotonic()
    deadline_total = start + args.max_time
    deadline_setup = start + min(args.setup_time, args.max_time)

    limit = raise_nofile(args.conns + 64)
    if limit < args.conns + 16:
        print("idle_conns: RLIMIT_NOFILE %d is too low for %d connections"
              % (limit, args.conns), file=sys.stderr)
        return 2

    request = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: idle_conns\r\n"
               "Connection: keep-alive\r\n\r\n" % (args.path, args.host, args.port)).encode()

    sel = selectors.DefaultSelector()
    idle = []
    failed = 0
    opened = 0
    active = 0

    def fail(c, why):
        nonlocal failed, active
        failed += 1
        active -= 1
        if failed <= 5:
            print("idle_conns: connection failed: %s" % why, file=sys.stderr)
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    while len(idle) + failed < args.conns and time.monotonic() < deadline_setup:
        while opened < args.conns and active < args.inflight:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((args.host, args.port))
            opened += 1
            active += 1
            c = Conn(s)
            if err not in (0, errno.EINPROGRESS):
                fail(c, os.strerror(err))
                continue
            sel.register(s, selectors.EVENT_WRITE, c)
        for key, _ in sel.select(timeout=0.5):
            c = key.data
            try:
                if c.state == "connect":
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        fail(c, os.strerror(err))
                        continue
                    c.state = "send"
                if c.state == "send":
                    c.sock.sendall(request)   # tiny; fits in an empty send buffer
                    c.state = "recv"
                    sel.modify(c.sock, selectors.EVENT_READ, c)
                    continue
                data = c.sock.recv(65536)
                if not data:
                    fail(c, "closed by server before the response was complete")
                    continue
                c.buf += data
                if response_complete(c):
                    if len(c.buf) != c.need:
                        raise ValueError("extra bytes after the response")
                    sel.unregister(c.sock)
                    c.buf = b""
                    c.state = "idle"
                    active -= 1
                    idle.append(c)
            except (OSError, ValueError) as e:
                fail(c, str(e))

    # Whatever is still being set up when the setup time ran out counts as failed.
    for key in list(sel.get_map().values()):
        fail(key.data, "setup timed out")
    sel.close()

    print("READY ok=%d failed=%d seconds=%.1f"
          % (len(idle), failed, time.monotonic() - start), flush=True)

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGUSR1, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop and time.monotonic() < deadline_total:
        time.sleep(0.2)

    alive = closed = 0
    for c in idle:
        try:
            data = c.sock.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK)
            if data:
                alive += 1       # unexpected data, but still open
            else:
                closed += 1
        except BlockingIOError:
            alive += 1
        except OSError:
            closed += 1
    for c in idle:
        c.sock.close()
    print("ALIVE alive=%d closed=%d" % (alive, closed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
