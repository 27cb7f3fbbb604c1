#!/usr/bin/env python3
"""Puts one benchmark section into bench/RESULTS.md.

    record-section.py RESULTS.md "## Heading prefix" < section.md

The section read from stdin starts with its own "## " heading. Every section
of the file whose heading starts with the prefix is removed and the new one
takes the place of the first of them (at the end when there was none), so a
rerun replaces its numbers instead of piling up copies.
"""
import sys

path, prefix = sys.argv[1], sys.argv[2]
new = sys.stdin.read().strip("\n") + "\n"
text = open(path, encoding="utf-8").read()
head, *rest = text.split("\n## ")
sections = ["## " + s for s in rest]
kept, at = [], None
for s in sections:
    if s.startswith(prefix):
        if at is None:
            at = len(kept)
        continue
    kept.append(s.strip("\n") + "\n")
if at is None:
    kept.append(new)
else:
    kept.insert(at, new)
out = head.strip("\n") + "\n\n" + "\n".join(kept)
open(path, "w", encoding="utf-8").write(out)
