#!/usr/bin/python3
"""Only the public API is exported: check the dynamic symbols of the shared libraries.

    check_exports.py --include DIR --lib NAME=LIB.so [--lib NAME=LIB.so ...]

Fails on any exported function whose name is an internal one (ddb_x__y, or without the ddb_
prefix), on a function that two libraries export, and on a DDB_API declaration of the public
headers that no library exports. Prints the count per library.
"""
import argparse
import os
import re
import subprocess
import sys

DECL = re.compile(r"DDB_API\s+[^;{]*?\b(ddb_\w+)\s*\(", re.S)


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", "--format=posix", lib],
                         capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in "TW":
            names.add(parts[0])
    # The loader's own markers are not API.
    return {n for n in names if n not in ("_init", "_fini")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--include", required=True)
    ap.add_argument("--lib", action="append", default=[])
    args = ap.parse_args()
    problems = []
    owner = {}
    for spec in args.lib:
        name, path = spec.split("=", 1)
        syms = exported(path)
        bad = sorted(s for s in syms if "__" in s or not s.startswith("ddb_"))
        for s in bad:
            problems.append(f"{name} exports {s}, which is not public API")
        for s in syms:
            if s in owner:
                problems.append(f"{s} is exported by both {owner[s]} and {name}")
            owner[s] = name
        print(f"exports: {name}: {len(syms)} functions, {len(bad)} internal")
    declared = set()
    for dirpath, _, names in os.walk(args.include):
        for n in names:
            if n.endswith(".h"):
                with open(os.path.join(dirpath, n), encoding="utf-8") as f:
                    declared.update(DECL.findall(f.read()))
    for s in sorted(declared - set(owner)):
        problems.append(f"{s} is declared DDB_API but no library exports it")
    for p in problems:
        print("exports: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
