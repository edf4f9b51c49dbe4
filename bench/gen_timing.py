#!/usr/bin/python3
"""Time `ddbkit generate` over every valid model fixture, with its usage data where there is one.

    gen_timing.py DDBKIT FIXTURES_DIR [--repeat R]

FIXTURES_DIR is the shared mcp-schemas folder: each valid/<app>/*.json is generated into a
temporary folder, with --usage-data usage/<app>/*.json when that file exists. Each fixture is
generated R times (default 5), one whole pass over all fixtures after another, so that a slow
moment of the machine hits one pass rather than one fixture. Wall time is the whole command
(process start, loading, validation, writing the files), as a build runs it; CPU is the child's
user + system time.

Output, one line per fixture and pass:
  gentime app=<app> pass=<i> usage=yes|no wall_ms=... cpu_ms=... bytes=<size of the output>
usage= is "rejected" when the generator refuses the fixture's usage data (exit status 1: the
usage file has errors, as ecommerce_app's does on purpose): that attempt is reported as a line of
its own with usage=rejected-attempt, and the fixture is then generated from the model alone, which
is the run that writes the output. Any other failure stops the script (exit 1), naming the fixture.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time


def fixtures(root):
    out = []
    for model in sorted(glob.glob(os.path.join(root, "valid", "*", "*.json"))):
        app = os.path.basename(os.path.dirname(model))
        usage = sorted(glob.glob(os.path.join(root, "usage", app, "*.json")))
        out.append((app, model, usage[0] if usage else None))
    return out


def run_once(ddbkit, model, usage, out_dir, allowed=(0,)):
    cmd = [ddbkit, "generate", model, "-o", out_dir]
    if usage:
        cmd += ["--usage-data", usage]
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        # wait4 gives the child's own rusage, in microseconds (os.times() counts in ticks).
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read()
    cpu = ru.ru_utime + ru.ru_stime
    if proc.returncode not in allowed:
        sys.stderr.write(f"gen_timing.py: {' '.join(cmd)} exited with {proc.returncode}:\n"
                         f"{stderr.decode(errors='replace')}")
        sys.exit(1)
    if proc.returncode != 0:
        return None, wall, cpu, 0
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    return proc.returncode, wall, cpu, size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ddbkit")
    ap.add_argument("fixtures_dir")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    found = fixtures(a.fixtures_dir)
    if not found:
        sys.stderr.write(f"gen_timing.py: no valid/*/*.json in {a.fixtures_dir}\n")
        return 1
    with tempfile.TemporaryDirectory(prefix="ddbkit-gen-timing.") as tmp:
        for p in range(a.repeat):
            for app, model, usage in found:
                out_dir = os.path.join(tmp, app)
                os.makedirs(out_dir, exist_ok=True)
                state = "yes" if usage else "no"
                rc, wall, cpu, size = run_once(a.ddbkit, model, usage, out_dir,
                                               allowed=(0, 1) if usage else (0,))
                if rc is None:  # the usage data was rejected: time that, then the model alone
                    print(f"gentime app={app} pass={p} usage=rejected-attempt "
                          f"wall_ms={wall * 1e3:.3f} cpu_ms={cpu * 1e3:.3f} bytes=0", flush=True)
                    state = "rejected"
                    _, wall, cpu, size = run_once(a.ddbkit, model, None, out_dir)
                print(f"gentime app={app} pass={p} usage={state} "
                      f"wall_ms={wall * 1e3:.3f} cpu_ms={cpu * 1e3:.3f} bytes={size}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
