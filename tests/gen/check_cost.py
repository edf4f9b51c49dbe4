#!/usr/bin/python3
"""gen.cost.report: `ddbkit cost --json` on a model, checked against the rules on its own.

usage: check_cost.py DDBKIT MODEL PRICES [--usage-data F] [--rps F] [--items F]
           [--expect PATTERN=READ/WRITE ...]

Checks that every access pattern of the model is listed (a pattern without a rate with 0 and a
note), that each pattern's monthly on-demand cost is its units times its rate times the prices,
that each table's and GSI's provisioned capacity is ceil(units / 70%) (at least 1) priced for 730
hours, that the roll-ups add up, and the read/write units per request given with --expect.
"""
import argparse
import json
import math
import subprocess
import sys

SECONDS = 730 * 3600


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ddbkit")
    ap.add_argument("model")
    ap.add_argument("prices")
    ap.add_argument("--usage-data")
    ap.add_argument("--rps")
    ap.add_argument("--items")
    ap.add_argument("--expect", action="append", default=[])
    a = ap.parse_args()
    cmd = [a.ddbkit, "cost", a.model, "--json", "--prices", a.prices]
    for opt in ("usage_data", "rps", "items"):
        if getattr(a, opt):
            cmd += ["--" + opt.replace("_", "-"), getattr(a, opt)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {out.returncode}: {out.stderr}")
    report = json.loads(out.stdout)
    with open(a.prices) as f:
        prices = json.load(f)
    with open(a.model) as f:
        model = json.load(f)
    od, prov = prices["on_demand"], prices["provisioned"]
    failures = []

    def fail(msg):
        failures.append(msg)

    listed = {p["name"] for p in report["patterns"]}
    for t in model["tables"]:
        for ename, e in t["entities"].items():
            for p in e.get("access_patterns", []):
                if p["name"] not in listed:
                    fail(f"pattern {ename}.{p['name']} is not in the report")
    for p in report["patterns"]:
        per_request = (p["read_units"] * od["read_request_units_per_million"]
                       + p["write_units"] * od["write_request_units_per_million"])
        want = p["rps"] * SECONDS / 1e6 * per_request
        if not close(p["on_demand_month"], want):
            fail(f"{p['name']}: on-demand {p['on_demand_month']}, expected {want}")
        if p["rps_source"] == "none" and (p["rps"] != 0 or "note" not in p):
            fail(f"{p['name']}: a pattern without a rate needs rps 0 and a note")
        if not close(sum(t["read_units"] for t in p["targets"]), p["read_units"]) or \
           not close(sum(t["write_units"] for t in p["targets"]), p["write_units"]):
            fail(f"{p['name']}: its targets do not add up to its units")
    for e in a.expect:
        name, units = e.split("=")
        read, write = (float(x) for x in units.split("/"))
        got = [p for p in report["patterns"] if f"{p['entity']}.{p['name']}" == name]
        if not got:
            fail(f"--expect {name}: no such pattern in the report")
        elif not close(got[0]["read_units"], read) or not close(got[0]["write_units"], write):
            fail(f"{name}: {got[0]['read_units']}/{got[0]['write_units']} units per request, "
                 f"expected {read}/{write}")
    total_od = total_prov = 0.0
    for t in report["tables"]:
        t_od = t_prov = 0.0
        for part in [t] + [g for g in report["gsis"] if g["table"] == t["table"]]:
            r, w = part["read_units_per_second"], part["write_units_per_second"]
            rcu = max(1, math.ceil(r * 100 / 70 - 1e-9))
            wcu = max(1, math.ceil(w * 100 / 70 - 1e-9))
            if (part["rcu"], part["wcu"]) != (rcu, wcu):
                fail(f"{part['table']} {part.get('index', '')}: capacity "
                     f"{part['rcu']}/{part['wcu']}, expected {rcu}/{wcu}")
            t_od += SECONDS / 1e6 * (r * od["read_request_units_per_million"]
                                     + w * od["write_request_units_per_million"])
            t_prov += 730 * (rcu * prov["rcu_hour"] + wcu * prov["wcu_hour"])
            part_prov = 730 * (rcu * prov["rcu_hour"] + wcu * prov["wcu_hour"])
            if "index" in part and not close(part["provisioned_month"], part_prov):
                fail(f"{part['table']}.{part['index']}: provisioned cost wrong")
        if not close(t["on_demand_month"], t_od) or not close(t["provisioned_month"], t_prov):
            fail(f"{t['table']}: its roll-up is {t['on_demand_month']}/{t['provisioned_month']}, "
                 f"expected {t_od}/{t_prov}")
        total_od += t_od
        total_prov += t_prov
    # the per-pattern loads are what the tables carry
    by_pattern = sum(p["on_demand_month"] for p in report["patterns"])
    if not close(by_pattern, total_od):
        fail(f"the patterns cost {by_pattern} on-demand, the tables {total_od}")
    total = report["total"]
    if not close(total["on_demand_month"], total_od) or \
       not close(total["provisioned_month"], total_prov):
        fail("the totals are not the sum of the tables")
    if a.items and "storage_month" not in total:
        fail("--items given, but no storage cost")
    for msg in failures:
        print("FAIL:", msg, file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"{report['model']}: {len(report['patterns'])} patterns, on-demand "
          f"{total['on_demand_month']:.2f}, provisioned {total['provisioned_month']:.2f} USD "
          "a month")


if __name__ == "__main__":
    main()
