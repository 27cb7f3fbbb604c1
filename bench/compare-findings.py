#!/usr/bin/env python3
"""Compares the scans of bench/lossy-findings.sh: open endpoints and
findings of every run against the runs of the first condition (the clean
wire).

  compare-findings.py WORK CONDITION...

Reads WORK/CONDITION.N.json (the JSON report), WORK/CONDITION.N.wire
(seconds, then the wire's cells) and WORK/CONDITION.N.audit (the audit
trail). Prints a Markdown table, one row a run, and what each lossy run
missed: an endpoint or finding every clean run has, or found: one no clean
run has. A finding is (address, transport/port, rule).
"""

import collections
import glob
import json
import os
import sys


def load(path):
    d = json.load(open(path))
    endpoints = set()
    for a in d["assets"]:
        for o in a["observations"]:
            e = o["endpoint"]
            endpoints.add((e["addr"], f'{e["transport"]}/{e["port"]}'))
    findings = set()
    for f in d["findings"]:
        e = f["endpoint"]
        findings.add((e["addr"], f'{e["transport"]}/{e["port"]}', f["check_id"]))
    return d, endpoints, findings


def udp_copies(audit):
    """UDP requests of the audit trail: lines per (address, port, probe)
    and how many ended in a reply."""
    sent = collections.Counter()
    for line in open(audit):
        a = json.loads(line)
        if a.get("transport") == "udp":
            sent[a["outcome"]] += 1
    return sent


def main():
    work, names = sys.argv[1], sys.argv[2:]
    runs = {}
    for name in names:
        paths = sorted(glob.glob(os.path.join(work, f"{name}.*.json")),
                       key=lambda p: int(p.rsplit(".", 2)[1]))
        runs[name] = [(p, *load(p)) for p in paths]
    ref = runs[names[0]]
    ref_ep_all = set.intersection(*(r[2] for r in ref))
    ref_ep_any = set.union(*(r[2] for r in ref))
    ref_f_all = set.intersection(*(r[3] for r in ref))
    ref_f_any = set.union(*(r[3] for r in ref))
    print()
    print(f"Reference ({names[0]}, {len(ref)} runs): {len(ref_ep_all)} open endpoints in every run "
          f"({len(ref_ep_any)} in any), {len(ref_f_all)} findings in every run ({len(ref_f_any)} in any).")
    print()
    print("| wire | run | seconds | open endpoints (tcp + udp) | missed | more | findings | missed | more "
          "| datagrams | UDP replies | wire: packets | lost % | late p99 ms | line CPU s | kernel drops |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    missed_f = collections.Counter()
    missed_ep = collections.Counter()
    extra_f = collections.Counter()
    for name in names:
        for path, d, eps, fs in runs[name]:
            n = path.rsplit(".", 2)[1]
            wire = open(path[: -len(".json")] + ".wire").read().split(" ", 1)
            tcp = sum(1 for _, t in eps if t.startswith("tcp"))
            udp = len(eps) - tcp
            net = d["stats"]["net"]
            replies = udp_copies(path[: -len(".json")] + ".audit")
            print(f"| {name} | {n} | {wire[0]} | {len(eps)} ({tcp} + {udp}) | {len(ref_ep_all - eps)} | {len(eps - ref_ep_any)} "
                  f"| {len(fs)} | {len(ref_f_all - fs)} | {len(fs - ref_f_any)} | {net['datagrams']} | {replies['sent']} {wire[1].strip()}")
            if name != names[0]:
                missed_f.update(ref_f_all - fs)
                missed_ep.update(ref_ep_all - eps)
                extra_f.update(fs - ref_f_any)
    others = sum(len(runs[n]) for n in names[1:])
    if missed_ep:
        print()
        print(f"Open endpoints missed (in how many of the {others} other runs):")
        for (addr, port), c in sorted(missed_ep.items()):
            print(f"- {addr} {port}: {c}")
    if missed_f:
        print()
        print(f"Findings missed (in how many of the {others} other runs):")
        for (addr, port, rule), c in sorted(missed_f.items()):
            print(f"- {addr} {port} {rule}: {c}")
    if extra_f:
        print()
        print("Findings no reference run had:")
        for (addr, port, rule), c in sorted(extra_f.items()):
            print(f"- {addr} {port} {rule}: {c}")
    flaky = ref_f_any - ref_f_all
    if flaky:
        print()
        print("Findings in some reference runs only:")
        for addr, port, rule in sorted(flaky):
            print(f"- {addr} {port} {rule}")


if __name__ == "__main__":
    main()
