#!/usr/bin/python3
"""Print the tables of the generated-code benchmarks from the lines their programs wrote.

    report_generated.py RESULTS_FILE

RESULTS_FILE holds the output of bench_generated ("genop", "gencheck", "genplan" lines), the
instruction counts scripts/bench takes from callgrind ("gencg" lines) and the output of
gen_timing.py ("gentime" lines); other lines are ignored. Any part may be missing.

Targets (issue 4, "Performance"):
  - a generated get, put and query call costs at most 1.1x the equivalent hand-written libddbkit
    calls in client CPU, measured in the same run: the median over the rounds of
    (generated CPU per call / hand-written CPU per call), each round timing both variants back to
    back;
  - generating all the valid fixtures takes under a second in total: the sum over the fixtures of
    the median wall time of `ddbkit generate` (and the slowest whole pass, for the worst case).
"""

import sys
from collections import defaultdict

TARGET_RATIO = 1.10
TARGET_GEN_S = 1.0
OPS = (("get", "get     repo->order__get  vs ddb_get_item + decoding"),
       ("put", "put     repo->order__create  vs item building + ddb_put_item"),
       ("query", "query   repo->order__customer_orders  vs ddb_query + decoding"))


def fields(line):
    out = {}
    for token in line.split()[1:]:
        key, _, value = token.partition("=")
        out[key] = value
    return out


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return float("nan")
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def quartiles(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 4], xs[(3 * n) // 4] if n > 1 else xs[0]


def report_ops(rounds, checks, plan, cg):
    print("Generated code vs hand-written libddbkit calls: client CPU per call")
    print("  model: bench/models/bench.json, generated at build time; one client, one DynamoDB "
          "Local")
    if plan:
        print(f"  plan: {plan.get('rounds')} rounds; in each, {plan.get('n')} calls of each "
              f"variant per operation, interleaved in blocks of {plan.get('block')} (the order "
              f"swapped every block); {plan.get('warmup')} warm-up calls of each first; the "
              f"query page has {plan.get('query_items')} items")
    print("  CPU: CLOCK_PROCESS_CPUTIME_ID (user + system, all threads), summed over a variant's "
          "blocks")
    if checks:
        print("  same request body / same decoded values, checked on one traced call of each: " +
              ", ".join(f"{op} {c['request_identical']}/{c['decoded_equal']}"
                        for op, c in checks.items()))
    print()
    header = (f"  {'operation':<62} {'gen us/op':>9} {'hand us/op':>10} {'ratio':>6} "
              f"{'(IQR)':>13} {'all calls':>9} {'target':>7}  verdict")
    print(header)
    print("  " + "-" * (len(header) - 2))
    verdicts = []
    for op, label in OPS:
        per = rounds.get(op)
        if not per:
            print(f"  {label:<62} (not measured)")
            continue
        ratios, gen_cpu, hand_cpu, gen_sum, hand_sum = [], [], [], 0.0, 0.0
        for r in sorted(per):
            g, h = per[r].get("generated"), per[r].get("hand")
            if not g or not h:
                continue
            gc, hc = float(g["cpu_us_per_op"]), float(h["cpu_us_per_op"])
            ratios.append(gc / hc)
            gen_cpu.append(gc)
            hand_cpu.append(hc)
            gen_sum += gc * int(g["n"])
            hand_sum += hc * int(h["n"])
        m = median(ratios)
        q1, q3 = quartiles(ratios)
        verdict = "met" if m <= TARGET_RATIO else "MISSED"
        verdicts.append(verdict)
        print(f"  {label:<62} {median(gen_cpu):>9.1f} {median(hand_cpu):>10.1f} {m:>6.3f} "
              f"{f'{q1:.3f}-{q3:.3f}':>13} {gen_sum / hand_sum:>9.3f} {'<= ' + str(TARGET_RATIO):>7}"
              f"  {verdict}")
    print("  (us/op: median of the rounds; ratio: median of the per-round ratios generated/hand, "
          "IQR its quartiles; all calls: total CPU over total CPU)")
    wall = []
    for op, _ in OPS:
        per = rounds.get(op, {})
        g = [float(v["generated"]["wall_us_per_op"]) for v in per.values() if "generated" in v]
        h = [float(v["hand"]["wall_us_per_op"]) for v in per.values() if "hand" in v]
        if g and h:
            wall.append(f"{op} {median(g):.0f} vs {median(h):.0f}")
    if wall:
        print("  wall us/op for scale (mostly DynamoDB Local, which shares the CPUs): " +
              ", ".join(wall))
    if cg:
        calls = next(iter(next(iter(cg.values())).values()))["calls"]
        print(f"  callgrind, user-space instructions per call ({calls} calls of each; steadier than "
              f"CPU time, but without the kernel's share):")
        for op, label in OPS:
            g, h = cg.get(op, {}).get("generated"), cg.get(op, {}).get("hand")
            if g and h:
                gi, hi = float(g["instr_per_op"]), float(h["instr_per_op"])
                print(f"    {op:<6} generated {gi:>9.0f}  hand-written {hi:>9.0f}  ratio {gi / hi:.3f}"
                      f"  ({gi - hi:+.0f} instructions)")
    print()


def report_gen(times):
    print("ddbkit generate over the shared valid fixtures (with their usage data where present)")
    passes = defaultdict(float)
    passes_all = defaultdict(float)
    per_app = defaultdict(lambda: {"wall": [], "cpu": [], "bytes": 0, "usage": "", "rej": []})
    for t in times:
        wall, cpu = float(t["wall_ms"]), float(t["cpu_ms"])
        passes_all[t["pass"]] += wall
        if t["usage"] == "rejected-attempt":
            per_app[t["app"]]["rej"].append(wall)
            continue
        a = per_app[t["app"]]
        a["wall"].append(wall)
        a["cpu"].append(cpu)
        a["bytes"] = int(t["bytes"])
        a["usage"] = t["usage"]
        passes[t["pass"]] += wall
    header = f"  {'fixture':<22} {'usage data':<34} {'wall ms':>8} {'CPU ms':>7} {'output':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    usage_text = {"yes": "yes", "no": "none",
                  "rejected": "rejected (errors), model alone"}
    total = 0.0
    for app in sorted(per_app):
        a = per_app[app]
        w = median(a["wall"])
        total += w
        print(f"  {app:<22} {usage_text.get(a['usage'], a['usage']):<34} {w:>8.2f} "
              f"{median(a['cpu']):>7.2f} {a['bytes']:>8}B")
    rejected = sum(median(a["rej"]) for a in per_app.values() if a["rej"])
    worst = max(passes.values()) if passes else 0.0
    worst_all = max(passes_all.values()) if passes_all else 0.0
    verdict = "met" if max(total, worst_all) < TARGET_GEN_S * 1e3 else "MISSED"
    print(f"  total: {total:.1f} ms (sum of the medians of {len(passes)} passes; slowest pass "
          f"{worst:.1f} ms, {worst_all:.1f} ms with the rejected usage attempts "
          f"{'(' + f'{rejected:.1f} ms' + ')' if rejected else ''}) "
          f"vs a budget of {TARGET_GEN_S * 1e3:.0f} ms: {verdict}")
    print("  (wall: the whole command, process start to exit; CPU: the child's user + system)")
    print()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rounds = defaultdict(lambda: defaultdict(dict))  # op -> round -> variant -> fields
    checks, plan, times, load = {}, {}, [], {}
    cg = defaultdict(dict)  # op -> variant -> fields
    with open(sys.argv[1]) as f:
        for line in f:
            kind = line.split(" ", 1)[0]
            if kind == "genop":
                r = fields(line)
                rounds[r["op"]][int(r["round"])][r["variant"]] = r
            elif kind == "gencheck":
                r = fields(line)
                checks[r["op"]] = r
            elif kind == "genplan":
                plan = fields(line)
            elif kind == "genload":
                load.update(fields(line))
            elif kind == "gencg":
                r = fields(line)
                cg[r["op"]][r["variant"]] = r
            elif kind == "gentime":
                times.append(fields(line))
    print()
    if load:
        print(f"Load: 1-minute load average {load.get('start', '?')} at the start of this part, "
              f"{load.get('end', '?')} at the end, on {load.get('cpus', '?')} CPUs (other work "
              f"makes wall times noisy; the paired CPU ratios much less so)")
        print()
    if rounds:
        report_ops(rounds, checks, plan, cg)
    if times:
        report_gen(times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
