#!/usr/bin/env python3
"""A delay line between two network namespaces, for kernels without netem.

Opens two TUN devices (layer 3, no packet-information header), moves one
into each namespace and brings it up there (a moved TUN device keeps its
open file descriptor), then forwards every IP packet read from one device
to the other after a fixed one-way delay, dropping a random share of them.
Each direction has its own thread and a first-in first-out queue: every
packet waits the same delay, so the order within a direction is kept.

The caller gives the devices their addresses and routes once "ready" is
printed. SIGTERM or SIGINT stops the line; the devices disappear with it
(they are not persistent). SIGUSR1, and the exit, write the counters since
the last SIGUSR1 (or the start) to stderr and, with --stats, to a JSON file
(replaced whole), with the wall and CPU seconds of the line in that time:
  read       packets read from the sending side
  lost       of those, dropped on purpose (the loss)
  forwarded  written to the receiving side
  errors     writes the receiving side refused
  late_p50_ms, late_p99_ms, late_max_ms  how long after its due time a
             packet went out (the percentiles to 0.1 ms, rounded up)
  queue_max  the most packets waiting in the line at once

With --drops, every dropped packet is one line of a file (time in UTC,
direction, protocol and TCP flags, source, destination, payload bytes):
what a lost finding lost can be traced in the scanner's audit trail.

  python3 bench/delay-line.py --ns-a ssc-scan --ns-b ssc-lab \\
      --dev-a ssc-ts --dev-b ssc-tl --delay-ms 10 --loss 2
"""

import argparse
import collections
import fcntl
import json
import os
import random
import select
import signal
import struct
import subprocess
import sys
import threading
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
# More than any burst the scanner sends: the kernel drops what does not fit
# in a TUN device's queue before this process reads it.
TX_QUEUE = 20000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def describe(now, direction, packet):
    """One line for a dropped packet: when (UTC, as the scanner's audit
    trail writes it), which way, and its IPv4 and TCP or UDP header
    (addresses, ports, TCP flags, payload length)."""
    when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return f"{when}\t{direction}\tnot IPv4\t{len(packet)}\n"
    ihl = (packet[0] & 15) * 4
    proto = packet[9]
    src = ".".join(map(str, packet[12:16]))
    dst = ".".join(map(str, packet[16:20]))
    rest = packet[ihl:]
    if proto in (6, 17) and len(rest) >= 8:
        sport, dport = struct.unpack("!HH", rest[:4])
        src, dst = f"{src}:{sport}", f"{dst}:{dport}"
    kind, length = {1: "icmp", 6: "tcp", 17: "udp"}.get(proto, str(proto)), len(rest)
    if proto == 6 and len(rest) >= 20:
        flags = "".join(f for bit, f in zip(range(5, -1, -1), "UAPRSF") if rest[13] >> bit & 1)
        kind, length = f"tcp {flags}", len(rest) - (rest[12] >> 4) * 4
    elif proto == 17:
        length = len(rest) - 8
    return f"{when}\t{direction}\t{kind}\t{src}\t{dst}\t{length}\n"


def ip(*args):
    subprocess.run(["ip", *args], check=True)


class Direction:
    def __init__(self, name, src, dst, delay, loss, seed, drops):
        self.name, self.src, self.dst, self.drops = name, src, dst, drops
        self.delay, self.loss = delay, loss
        self.rng = random.Random(seed)
        self.read = self.lost = self.forwarded = self.errors = 0
        self.queue_max = 0
        # How late packets went out: 0.1 ms buckets up to 100 ms.
        self.late = [0] * 1001
        self.late_max = 0.0

    def run(self, stop):
        queue = collections.deque()
        os.set_blocking(self.src, False)
        poll = select.poll()
        poll.register(self.src, select.POLLIN)
        late = self.late
        while not stop.is_set():
            now = time.monotonic()
            while queue and queue[0][0] <= now:
                due, packet = queue.popleft()
                try:
                    os.write(self.dst, packet)
                    self.forwarded += 1
                except OSError:
                    self.errors += 1
                behind = now - due
                late[min(int(behind * 10000), 1000)] += 1
                if behind > self.late_max:
                    self.late_max = behind
                now = time.monotonic()
            wait_ms = (queue[0][0] - now) * 1000 if queue else 100
            if not poll.poll(max(wait_ms, 0)):
                continue
            while True:
                try:
                    packet = os.read(self.src, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                self.read += 1
                if self.loss and self.rng.random() < self.loss:
                    self.lost += 1
                    if self.drops:
                        self.drops.write(describe(time.time(), self.name, packet))
                    continue
                queue.append((time.monotonic() + self.delay, packet))
            if len(queue) > self.queue_max:
                self.queue_max = len(queue)

    def counters(self):
        return [self.read, self.lost, self.forwarded, self.errors, list(self.late)]

    def interval(self, before):
        """The counters since `before` (a `counters()`), with the longest
        queue and the latest packet since the last interval."""
        now = self.counters()
        read, lost, forwarded, errors = (now[i] - before[i] for i in range(4))
        late = [a - b for a, b in zip(now[4], before[4])]
        queue_max, late_max = self.queue_max, self.late_max
        self.queue_max, self.late_max = 0, 0.0

        def pick(q):
            total, seen = sum(late), 0
            for bucket, n in enumerate(late):
                seen += n
                if total and seen >= q * total:
                    return round((bucket + 1) / 10, 1)
            return 0

        summary = {
            "direction": self.name,
            "read": read,
            "lost": lost,
            "forwarded": forwarded,
            "errors": errors,
            "lost_percent": round(100 * lost / read, 3) if read else 0,
            "late_p50_ms": pick(0.5),
            "late_p99_ms": pick(0.99),
            "late_max_ms": round(late_max * 1000, 1),
            "queue_max": queue_max,
        }
        return summary, now


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ns-a", required=True, help="namespace of the first device")
    p.add_argument("--ns-b", required=True, help="namespace of the second device")
    p.add_argument("--dev-a", default="dl-a")
    p.add_argument("--dev-b", default="dl-b")
    p.add_argument("--delay-ms", type=float, default=10.0, help="one-way delay, each direction")
    p.add_argument("--loss", type=float, default=0.0, help="percent of packets dropped, each direction")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--stats", help="write the counters here as JSON (SIGUSR1, exit)")
    p.add_argument("--drops", help="write one line per dropped packet here (time, direction, header)")
    a = p.parse_args()
    if not 0 <= a.loss < 100 or a.delay_ms < 0:
        p.error("--loss is a percentage below 100 and --delay-ms is not negative")

    fds = {}
    for dev, ns in ((a.dev_a, a.ns_a), (a.dev_b, a.ns_b)):
        fds[dev] = open_tun(dev)
        ip("link", "set", dev, "netns", ns)
        ip("-n", ns, "link", "set", dev, "txqueuelen", str(TX_QUEUE), "up")

    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    delay, loss = a.delay_ms / 1000, a.loss / 100
    drops = open(a.drops, "w", buffering=1) if a.drops else None
    lines = [
        Direction(f"{a.ns_a}->{a.ns_b}", fds[a.dev_a], fds[a.dev_b], delay, loss, seed, drops),
        Direction(f"{a.ns_b}->{a.ns_a}", fds[a.dev_b], fds[a.dev_a], delay, loss, seed + 1, drops),
    ]
    stop, report = threading.Event(), threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: report.set())
    threads = [threading.Thread(target=d.run, args=(stop,), daemon=True) for d in lines]
    for t in threads:
        t.start()
    print("ready", flush=True)
    since = [d.counters() for d in lines]
    clock = (time.monotonic(), time.process_time())

    def write():
        nonlocal since, clock
        parts = [d.interval(b) for d, b in zip(lines, since)]
        since = [now for _, now in parts]
        now = (time.monotonic(), time.process_time())
        result = {
            "delay_ms": a.delay_ms,
            "loss_percent": a.loss,
            "seed": seed,
            "seconds": round(now[0] - clock[0], 1),
            "cpu_seconds": round(now[1] - clock[1], 2),
            "directions": [summary for summary, _ in parts],
        }
        clock = now
        print(json.dumps(result), file=sys.stderr, flush=True)
        if a.stats:
            with open(a.stats + ".part", "w") as f:
                json.dump(result, f, indent=1)
            os.replace(a.stats + ".part", a.stats)

    while not stop.is_set():
        stop.wait(0.2)
        if report.is_set():
            report.clear()
            write()
    for t in threads:
        t.join(1)
    write()


if __name__ == "__main__":
    main()
