#!/usr/bin/env python3
"""What a lab's wire really does, measured from the scanner's side.

  rtt ADDR PORT [N]    N TCP connects (50 at a time) to a closed port of a
                       live address: each refusal takes one round trip; a
                       connect that needed a retransmitted SYN (its SYN or
                       the refusal was lost) takes a second or more. Prints
                       the round trip (min, median, 90th percentile) of the
                       quick ones and the share that was retransmitted.
  flood ADDR PORT [N [RATE]]
                       N small UDP datagrams, RATE a second (as fast as one
                       socket sends them without RATE): the send rate, for
                       the delay line's throughput.

Prints one JSON line.
"""

import asyncio
import json
import socket
import sys
import time


async def one(addr, port, gate):
    async with gate:
        t0 = time.monotonic()
        try:
            _, w = await asyncio.wait_for(asyncio.open_connection(addr, port), 10)
            w.close()
            return ("open", time.monotonic() - t0)
        except ConnectionRefusedError:
            return ("refused", time.monotonic() - t0)
        except (asyncio.TimeoutError, OSError):
            return ("timeout", time.monotonic() - t0)


async def rtt(addr, port, n):
    gate = asyncio.Semaphore(50)
    results = await asyncio.gather(*(one(addr, port, gate) for _ in range(n)))
    quick = sorted(t for kind, t in results if kind != "timeout" and t < 0.9)
    slow = sum(1 for kind, t in results if kind == "timeout" or t >= 0.9)
    ms = lambda q: round(quick[min(len(quick) - 1, int(q * len(quick)))] * 1000, 1)
    return {
        "connects": n,
        "rtt_min_ms": ms(0),
        "rtt_median_ms": ms(0.5),
        "rtt_p90_ms": ms(0.9),
        "retransmitted": slow,
        "retransmitted_percent": round(100 * slow / n, 2),
        "timeouts": sum(1 for kind, _ in results if kind == "timeout"),
    }


def flood(addr, port, n, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    payload = b"x" * 32
    t0 = time.monotonic()
    sent = 0
    for i in range(n):
        if rate and i % 100 == 0:
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        try:
            s.send(payload)
            sent += 1
        except OSError:
            pass
    took = time.monotonic() - t0
    return {"datagrams": sent, "seconds": round(took, 2), "per_second": round(sent / took)}


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    out = asyncio.run(rtt(addr, port, n)) if mode == "rtt" else flood(addr, port, n, rate)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
