#!/usr/bin/env python3
"""Prints the open ports of an nmap grepable (-oG) file, one addr:port a line, sorted."""
import re
import sys

found = []
for line in open(sys.argv[1]):
    m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
    if not m:
        continue
    for p in m.group(2).split(","):
        f = p.strip().split("/")
        if len(f) > 1 and f[1] == "open":
            found.append(f"{m.group(1)}:{f[0]}")
for f in sorted(found):
    print(f)
