#!/usr/bin/python3
"""Where the instructions of one operation go, from a callgrind profile.

    callgrind_share.py CALLGRIND_OUT MAIN_BINARY OPS [--label NAME] [--top K]

Reads a callgrind output file (recorded with --toggle-collect on the function that runs one
operation), and splits the collected instructions between the code of MAIN_BINARY (ddbkit,
linked statically, plus the benchmark's own few lines), counted exclusively, and each library it
calls, counted inclusively: a call from MAIN_BINARY into jansson counts everything jansson does
for it, malloc included. Every figure is divided by OPS.

With --top K it also prints the K largest calls (caller -> callee) as "#" comment lines.

Prints "cg label=NAME part=PART instr_per_op=N share=F" lines; PART is one of main, jansson,
libcurl, openssl, libc, zlib, other, total. Callgrind counts user-space instructions only: the
kernel's share of CPU time (system calls, TCP) is not in these figures.
"""

import re
import sys
from collections import defaultdict


def library_of(obj):
    base = obj.rsplit("/", 1)[-1]
    for prefix, name in (("libjansson", "jansson"), ("libcurl", "libcurl"),
                         ("libcrypto", "openssl"), ("libssl", "openssl"), ("libc.so", "libc"),
                         ("libz.so", "zlib")):
        if base.startswith(prefix):
            return name
    return "other"


def parse(path, main_binary):
    names = {"ob": {}, "fn": {}}
    cur_ob = cur_fn = None
    call_ob = None  # set by cob= for the next call only
    callee_ob = None  # the object of the call whose cost line comes next
    callee_fn = None
    self_cost = defaultdict(int)  # (ob, fn) -> exclusive Ir
    edges = []  # (caller ob, caller fn, callee ob, callee fn, inclusive Ir)
    total = 0
    ref = re.compile(r"^\((\d+)\)(?: (.*))?$")

    def resolve(kind, value):
        m = ref.match(value)
        if not m:
            return value
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), value)

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line[0] == "#":
                continue
            if line[0].isdigit() or line[0] in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if callee_ob is not None:
                    edges.append((cur_ob, cur_fn, callee_ob, callee_fn, cost))
                    callee_ob = None
                else:
                    self_cost[(cur_ob, cur_fn)] += cost
                    total += cost
                continue
            key, _, value = line.partition("=")
            if key == "ob":
                cur_ob = resolve("ob", value)
            elif key == "fn":
                cur_fn = resolve("fn", value)
            elif key == "cob":
                call_ob = resolve("ob", value)
            elif key == "cfn":
                callee_fn = resolve("fn", value)
            elif key == "calls":
                # A call without cob= stays in the caller's object.
                callee_ob = call_ob if call_ob is not None else cur_ob
                call_ob = None

    is_main = lambda ob: ob is not None and ob.endswith(main_binary)  # noqa: E731
    parts = defaultdict(int)
    detail = defaultdict(int)  # (part, "caller -> callee") -> Ir
    for (ob, fn), cost in self_cost.items():
        if is_main(ob):
            parts["main"] += cost
            detail[("main", fn)] += cost
    for caller, caller_fn, callee, fn, cost in edges:
        # The program's entry calls __libc_start_main, which runs everything: not libc's share.
        if caller_fn and ("(below main)" in caller_fn or caller_fn.startswith("_start")):
            continue
        if is_main(caller) and not is_main(callee):
            parts[library_of(callee)] += cost
            detail[(library_of(callee), f"{short_fn(caller_fn)} -> {short_fn(fn)}")] += cost
    return parts, total, detail


def short_fn(name):
    return (name or "?").rsplit(":", 1)[-1]


def main():
    args = sys.argv[1:]
    label = "ddbkit"
    top = 0
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    if "--label" in args:
        i = args.index("--label")
        label = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, main_binary, ops = args[0], args[1].rsplit("/", 1)[-1], int(args[2])
    parts, total, detail = parse(path, main_binary)
    if total == 0 or ops <= 0:
        print(f"callgrind_share: no instructions collected in {path}", file=sys.stderr)
        return 1
    accounted = sum(parts.values())
    # Callbacks (libcurl calling back into ddbkit) are counted twice; clamp "other" at zero.
    parts["other"] += max(0, total - accounted)
    for part in ("main", "jansson", "libcurl", "openssl", "libc", "zlib", "other"):
        print(f"cg label={label} part={part} instr_per_op={parts[part] / ops:.0f} "
              f"share={parts[part] / total:.4f}")
    print(f"cg label={label} part=total instr_per_op={total / ops:.0f} share=1.0000")
    if top:
        print(f"# the {top} largest calls out of {main_binary} and its own largest functions, "
              f"instructions per operation (inclusive)")
        for (part, what), cost in sorted(detail.items(), key=lambda kv: -kv[1])[:top]:
            print(f"#   {cost / ops:9.0f}  {part:8}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
