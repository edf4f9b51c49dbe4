#!/usr/bin/python3
"""Fails when a generated .c or .h file has a line over the house limit (100 columns), naming the
file, the line and its length, for every model given.

usage: check_line_limit.py DDBKIT MODEL...  (each model is generated into a fresh directory)"""
import os
import subprocess
import sys
import tempfile

LIMIT = 100
ddbkit, models = sys.argv[1], sys.argv[2:]
if not models:
    sys.exit("check_line_limit.py: no models given")
bad = files = 0
with tempfile.TemporaryDirectory() as tmp:
    for i, model in enumerate(models):
        out = os.path.join(tmp, str(i))
        r = subprocess.run([ddbkit, "generate", "--quiet", model, "-o", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{model}: ddbkit generate failed ({r.returncode}):\n{r.stderr}")
            bad += 1
            continue
        for name in sorted(os.listdir(out)):
            if not name.endswith((".c", ".h")):
                continue
            files += 1
            with open(os.path.join(out, name), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    width = len(line.rstrip("\n"))
                    if width > LIMIT:
                        print(f"{model}: {name}:{n}: {width} columns: {line.strip()[:60]}...")
                        bad += 1
print(f"{len(models)} models, {files} C files, {bad} problems")
sys.exit(1 if bad else 0)
