#!/usr/bin/python3
"""Arrows run one way in src/: check the includes and the links of every file.

    check_layers.py --source DIR --lib LIB.a [--lib LIB.a ...]

Two views of the same rule, both from the code as it is:

- includes: a file in src/<layer>/ (or a public header in include/ddb/<layer>/) includes
  nothing of a higher layer, private ("api/x.h") or public ("ddb/dal/x.h");
- links: in the static libraries, the object of a file refers only to symbols defined by files
  of its own layer or below, and no set of files refers to each other in a circle (the "calls"
  that headers do not show: a circle through two .c files that declare each other's functions).

The layers, lowest first: the runtime's core, wire, api, dal, testkit, with the relational
drivers (sql) beside them on core, and the generated relational repositories' runtime (sqlrepo)
on dal and sql; the generator's model, plan, validate, emit; `ddbkit migrate`'s logic (migrate),
which may use the generator's model loader and the runtime's core; the command line.
The generator and the runtime share nothing; only the command line, on top of both, uses both,
and the runtime only through its public headers (ddb/...). Prints one
line per violation and exits 1 if there is any.
"""
import argparse
import os
import re
import subprocess
import sys

RUNTIME = ["core", "wire", "api", "dal", "testkit", "sql", "sqlrepo"]
GENERATOR = ["gen/model", "gen/plan", "gen/validate", "gen/emit", "migrate", "cli"]
# What each layer may use besides itself. The runtime is a stack, except that the relational
# drivers (sql) sit beside it on core alone.
MAY_USE = {
    "core": [],
    "wire": ["core"],
    "api": ["wire", "core"],
    "dal": ["api", "wire", "core"],
    "testkit": ["dal", "api", "wire", "core"],
    "sql": ["core"],
    "sqlrepo": ["dal", "sql", "api", "wire", "core"],
    "gen/model": [],
    "gen/plan": ["gen/model"],
    "gen/validate": ["gen/plan", "gen/model"],
    "gen/emit": ["gen/validate", "gen/plan", "gen/model"],
    "migrate": ["gen/model", "core"],
    "cli": ["migrate", "gen/emit", "gen/validate", "gen/plan", "gen/model", "dal", "api", "wire",
            "core"],
}
# Layers that may use another only through its public headers ("ddb/<layer>/x.h", ddb/ddb.h).
PUBLIC_ONLY = {"cli": RUNTIME, "migrate": RUNTIME}
# The umbrella headers stand for the highest layer they include.
UMBRELLAS = {"ddb/ddb.h": "api", "ddb/dal.h": "dal"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path, src):
    rel = os.path.relpath(path, src)
    for layer in GENERATOR + RUNTIME:
        if rel.startswith(layer + "/"):
            return layer
    return None


def included_layer(name):
    if name in UMBRELLAS:
        return UMBRELLAS[name]
    parts = name.split("/")
    if parts[0] == "ddb" and len(parts) == 3 and parts[1] in RUNTIME:
        return parts[1]
    if parts[0] in RUNTIME and len(parts) == 2:
        return parts[0]
    if parts[0] in ("model", "plan", "validate", "emit") and len(parts) == 2:
        return "gen/" + parts[0]
    if parts[0] == "migrate" and len(parts) == 2:
        return "migrate"
    return None


def allowed(frm, to):
    return to == frm or to in MAY_USE[frm]


def check_includes(root, problems):
    src = os.path.join(root, "src")
    files = []
    for base in (src, os.path.join(root, "include", "ddb")):
        for dirpath, _, names in os.walk(base):
            files += [os.path.join(dirpath, n) for n in names if n.endswith((".c", ".h"))]
    for path in sorted(files):
        rel = os.path.relpath(path, root)
        if rel.startswith("include/"):
            parts = rel.split("/")
            own = parts[2] if len(parts) == 4 and parts[2] in RUNTIME else UMBRELLAS.get(
                "/".join(parts[1:]))
        else:
            own = layer_of(path, src)
        if own is None:
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for name in INCLUDE.findall(text):
            to = included_layer(name)
            if to and not allowed(own, to):
                problems.append(f"{rel}: includes \"{name}\" ({to}) from below it ({own})")
            elif to in PUBLIC_ONLY.get(own, []) and not name.startswith("ddb/"):
                problems.append(f"{rel}: includes the private \"{name}\" of {to}; use its "
                                "public header (ddb/...)")


def symbols(lib):
    """{object: (defined, referenced)} of a static library, by `nm`."""
    out = subprocess.run(["nm", "-A", "--format=posix", lib], capture_output=True, text=True,
                         check=True).stdout
    objs = {}
    for line in out.splitlines():
        m = re.match(r"^[^:]+\[([^\]]+)\]: (\S+) (\S)", line) or re.match(
            r"^[^:]+:([^:]+): (\S+) (\S)", line)
        if not m:
            continue
        obj, sym, kind = m.groups()
        d, r = objs.setdefault(obj, (set(), set()))
        if kind == "U":
            r.add(sym)
        elif kind in "TDBRVWGS":
            d.add(sym)
    return objs


def check_links(root, libs, problems):
    src = os.path.join(root, "src")
    where = {}  # object name ("value.c.o") -> (layer, source path)
    for dirpath, _, names in os.walk(src):
        for n in names:
            if n.endswith(".c"):
                layer = layer_of(os.path.join(dirpath, n), src)
                if layer:
                    if n + ".o" in where:
                        problems.append(f"two sources named {n}: the check needs unique names")
                    where[n + ".o"] = (layer, os.path.relpath(os.path.join(dirpath, n), root))
    objs = {}
    for lib in libs:
        for obj, syms in symbols(lib).items():
            if obj in where:
                objs[obj] = syms
    if not objs:
        problems.append("no object of src/ found in " + ", ".join(libs))
        return
    owner = {}
    for obj, (defined, _) in objs.items():
        for s in defined:
            owner.setdefault(s, obj)
    edges = {obj: set() for obj in objs}
    for obj, (_, referenced) in objs.items():
        for s in sorted(referenced):
            to = owner.get(s)
            if not to or to == obj:
                continue
            edges[obj].add(to)
            fl, tl = where[obj][0], where[to][0]
            if not allowed(fl, tl):
                problems.append(f"{where[obj][1]}: uses {s} of {where[to][1]} ({tl}) from below "
                                f"it ({fl})")
    # Circles: Tarjan's strongly connected components.
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(where[c][1] for c in comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in comps:
        problems.append("circle: " + " <-> ".join(comp))
    return len(objs), sum(len(e) for e in edges.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True, help="the source tree's root")
    ap.add_argument("--lib", action="append", default=[], help="a static library to read")
    args = ap.parse_args()
    problems = []
    check_includes(args.source, problems)
    counted = check_links(args.source, args.lib, problems)
    for p in problems:
        print("layers: " + p)
    if problems:
        print(f"layers: {len(problems)} problem(s)")
        return 1
    print(f"layers: includes and links run one way; {counted[0]} files, {counted[1]} arrows, "
          "no circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
