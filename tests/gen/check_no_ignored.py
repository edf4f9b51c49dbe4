#!/usr/bin/python3
"""Fails when generated code drops a parameter: a `(void)<param>;` of a model parameter, the
text "accepted and ignored", or a member "Not generated" because a parameter has no meaning, in
any file of any directory given (the generated outputs)."""
import os
import re
import sys

VOID = re.compile(r"\(void\)\s*([A-Za-z_][A-Za-z0-9_]*)\s*;\s*/\*\s*(accepted and ignored|names no key field)")
NOMEANING = re.compile(r"Not generated: parameter \S+ has no meaning")
bad = 0
seen = 0
for root in sys.argv[1:]:
    for d, _, files in os.walk(root):
        for f in files:
            path = os.path.join(d, f)
            seen += 1
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    if ("accepted and ignored" in line or VOID.search(line) or
                            NOMEANING.search(line)):
                        print(f"{path}:{n}: {line.strip()}")
                        bad += 1
if seen == 0:
    print("no generated files found under " + " ".join(sys.argv[1:]))
    sys.exit(1)
print(f"{seen} files, {bad} dropped parameters")
sys.exit(1 if bad else 0)
