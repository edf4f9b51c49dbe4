#!/usr/bin/python3
"""Fails when generated code drops a parameter: a `(void)<param>;` of a model parameter or the
text "accepted and ignored", in any file generated for any model given.

usage: check_no_ignored.py DDBKIT MODEL...  (each model is generated into a fresh directory)"""
import os
import re
import subprocess
import sys
import tempfile

VOID = re.compile(r"\(void\)\s*([A-Za-z_][A-Za-z0-9_]*)\s*;\s*/\*\s*(accepted and ignored|names no key field)")
ddbkit, models = sys.argv[1], sys.argv[2:]
if not models:
    sys.exit("check_no_ignored.py: no models given")
bad = seen = 0
with tempfile.TemporaryDirectory() as tmp:
    for i, model in enumerate(models):
        out = os.path.join(tmp, str(i))
        os.mkdir(out)
        r = subprocess.run([ddbkit, "generate", "--quiet", model, "-o", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{model}: ddbkit generate failed ({r.returncode}):\n{r.stderr}")
            bad += 1
            continue
        for f in sorted(os.listdir(out)):
            seen += 1
            with open(os.path.join(out, f), encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    if "accepted and ignored" in line or VOID.search(line):
                        print(f"{model} -> {f}:{n}: {line.strip()}")
                        bad += 1
print(f"{len(models)} models, {seen} files, {bad} dropped parameters or failures")
sys.exit(1 if bad or not seen else 0)
