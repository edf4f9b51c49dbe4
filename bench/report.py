#!/usr/bin/python3
"""Print the benchmark table from the lines the benchmark programs wrote.

    report.py RESULTS_FILE

RESULTS_FILE holds the output of ddbkit_bench, raw_http, boto3_bench.py and callgrind_share.py
("result ...", "json ...", "cg ..." lines, other lines ignored) plus "meta key=value" lines from
scripts/bench. Results of several rounds of one client and operation are added up: ops/s is all
operations over all measured wall time, CPU per op is all CPU time over all operations.
"""

import sys
from collections import defaultdict

TARGET_THROUGHPUT = 0.9  # ddbkit ops/s / raw-HTTP ops/s
TARGET_CPU = 50.0  # boto3 CPU per GetItem / ddbkit CPU per GetItem
OPS = ("GetItem", "PutItem")
CLIENTS = (("ddbkit", "ddbkit (ddb_get_item / ddb_put_item)"),
           ("raw_http", "raw-HTTP reference (libcurl, fixed bytes)"),
           ("boto3", "boto3 low-level client"))


def fields(line):
    out = {}
    for token in line.split()[1:]:
        key, _, value = token.partition("=")
        out[key] = value
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    meta = {}
    runs = defaultdict(list)  # (client, op) -> [fields]
    json_stages = {}
    cg = defaultdict(dict)  # label -> part -> (instr_per_op, share)
    cg_detail = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.rstrip("\n")
            kind = line.split(" ", 1)[0]
            if kind == "meta":
                key, _, value = line[5:].partition("=")
                meta[key] = value
            elif kind == "result":
                r = fields(line)
                runs[(r["client"], r["op"])].append(r)
            elif kind == "json":
                r = fields(line)
                json_stages[r["stage"]] = float(r["us_per_op"])
            elif kind == "cg":
                r = fields(line)
                cg[r["label"]][r["part"]] = (float(r["instr_per_op"]), float(r["share"]))
            elif line.startswith("#   ") and cg:
                cg_detail[list(cg)[-1]].append(line[4:])

    def total(client, op):
        rs = runs.get((client, op))
        if not rs:
            return None
        n = sum(int(r["n"]) for r in rs)
        wall = sum(float(r["wall_s"]) for r in rs)
        per_op = lambda key: sum(float(r[key]) * int(r["n"]) for r in rs) / n  # noqa: E731
        rates = [float(r["ops_per_s"]) for r in rs]
        return {"n": n, "ops_per_s": n / wall, "cpu": per_op("cpu_us_per_op"),
                "user": per_op("user_us_per_op"), "sys": per_op("sys_us_per_op"),
                "min": min(rates), "max": max(rates), "rounds": len(rs)}

    print()
    print("ddbkit benchmark: serial GetItem and PutItem against one DynamoDB Local")
    for key in ("endpoint", "dynamodb_local", "machine", "load", "libraries", "plan"):
        if key in meta:
            print(f"  {key.replace('_', ' ')}: {meta[key]}")
    print()
    header = (f"  {'client':<44} {'operation':<9} {'ops':>6} {'ops/s':>8} {'(rounds min-max)':>18} "
              f"{'CPU us/op':>10} {'user':>7} {'sys':>7}")
    print(header)
    print("  " + "-" * (len(header) - 2))
    t = {}
    for op in OPS:
        for client, label in CLIENTS:
            r = total(client, op)
            t[(client, op)] = r
            if not r:
                print(f"  {label:<44} {op:<9} {'(not measured)':>10}")
                continue
            spread = f"{r['min']:.0f}-{r['max']:.0f}"
            print(f"  {label:<44} {op:<9} {r['n']:>6} {r['ops_per_s']:>8.0f} {spread:>18} "
                  f"{r['cpu']:>10.1f} {r['user']:>7.1f} {r['sys']:>7.1f}")
    print()

    print("Targets")
    for op in OPS:
        d, raw = t.get(("ddbkit", op)), t.get(("raw_http", op))
        if d and raw:
            ratio = d["ops_per_s"] / raw["ops_per_s"]
            # Each round runs the clients back to back: a round's pair saw the same server state.
            pairs = sorted(float(a["ops_per_s"]) / float(b["ops_per_s"])
                           for a, b in zip(runs[("ddbkit", op)], runs[("raw_http", op)]))
            median = pairs[len(pairs) // 2] if len(pairs) % 2 else \
                (pairs[len(pairs) // 2 - 1] + pairs[len(pairs) // 2]) / 2
            verdict = "met" if min(ratio, median) >= TARGET_THROUGHPUT else \
                "MISSED" if max(ratio, median) < TARGET_THROUGHPUT else "borderline"
            print(f"  {op}: ddbkit ops/s / raw-HTTP ops/s = {ratio:.2f} overall, {median:.2f} "
                  f"median of the rounds (target >= {TARGET_THROUGHPUT}): {verdict}")
            print(f"    ddbkit spends {d['cpu'] - raw['cpu']:+.1f} us CPU per {op} over the "
                  f"raw-HTTP reference ({d['cpu']:.1f} vs {raw['cpu']:.1f})")
    d, b, raw = t.get(("ddbkit", "GetItem")), t.get(("boto3", "GetItem")), t.get(("raw_http",
                                                                                    "GetItem"))
    if d and b:
        ratio = b["cpu"] / d["cpu"]
        verdict = "met" if ratio >= TARGET_CPU else "MISSED"
        print(f"  GetItem: boto3 CPU/op / ddbkit CPU/op = {b['cpu']:.0f} / {d['cpu']:.1f} = "
              f"{ratio:.1f} (target >= {TARGET_CPU:.0f}): {verdict}")
        if raw:
            print(f"    for scale: boto3 / raw-HTTP reference = {b['cpu'] / raw['cpu']:.1f}; the "
                  f"reference's own {raw['cpu']:.1f} us/op is the floor for any libcurl client")
    print()

    if json_stages and d:
        print("JSON share of one GetItem, timed in a hot loop on the captured bodies (the runtime's "
              "fast paths, json_fast.c, building and reading jansson trees)")
        dumps, loadb = json_stages.get("json_dumps", 0.0), json_stages.get("json_loadb", 0.0)
        j_dumps = json_stages.get("jansson_dumps")
        j_loadb = json_stages.get("jansson_loadb")
        enc, dec = json_stages.get("encode_tree", 0.0), json_stages.get("decode_tree", 0.0)
        alone = (lambda v, name: f"   (jansson's {name} alone: {v:.2f} us)" if v is not None
                 else "")
        print(f"  request tree -> body (ddb_json__dumps)         {dumps:7.2f} us"
              f"{alone(j_dumps, 'json_dumps')}")
        print(f"  body -> tree + decref (ddb_json__loadb)        {loadb:7.2f} us"
              f"{alone(j_loadb, 'json_loadb')}")
        print(f"  body <-> tree total                            {dumps + loadb:7.2f} us = "
              f"{(dumps + loadb) / d['cpu']:.1%} of ddbkit's {d['cpu']:.1f} us CPU per GetItem")
        print(f"  with ddbkit's codec around it (input -> tree {enc:.2f} us, tree -> ddb_value "
              f"{dec:.2f} us)")
        codec = dumps + loadb + enc + dec
        print(f"  whole JSON codec                               {codec:7.2f} us "
              f"= {codec / d['cpu']:.1%}")
        print("  (a hot loop with warm caches: a lower bound for the cost inside a real call)")
        print()

    if cg:
        print("Callgrind: user-space instructions per GetItem (the kernel's share of CPU is not "
              "counted)")
        parts = ("main", "jansson", "libcurl", "openssl", "libc", "zlib", "other", "total")
        names = {"main": "ddbkit's own code", "jansson": "jansson (JSON)",
                 "libcurl": "libcurl (HTTP)",
                 "openssl": "OpenSSL (SigV4 HMAC/SHA-256, RAND_bytes)",
                 "libc": "libc called directly (malloc, snprintf...)", "zlib": "zlib (CRC32)",
                 "other": "other", "total": "total"}
        labels = list(cg)
        print(f"  {'':<44}" + "".join(f"{lb:>18}" for lb in labels))
        for part in parts:
            row = f"  {names[part]:<44}"
            for lb in labels:
                instr, share = cg[lb].get(part, (0.0, 0.0))
                row += f"{instr:>10.0f} {share:>6.1%}"
            print(row)
        for lb in labels:
            if cg_detail[lb]:
                print(f"  largest calls out of {lb}'s code, instructions per GetItem:")
                for detail in cg_detail[lb]:
                    print(f"    {detail}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
