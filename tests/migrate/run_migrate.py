#!/usr/bin/python3
"""One case of `ddbkit migrate` on a copy of a fixture codebase (tests/migrate/codebases/).

    run_migrate.py --ddbkit EXE --codebases DIR --models DIR --work DIR CASE

Each case copies the codebases it needs into WORK/CASE (never writing into the source tree),
runs ddbkit there and asserts the exit status, the report, the JSON and the state. A case that
cannot run here (no git) exits 77 with a loud message; CTest counts that as a failure in CI.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys

ARGS = None
STEPS = ["discover", "env", "baseline", "analyze", "draft-model", "generate", "phase-1",
         "phase-2", "phase-3", "phase-4", "phase-5", "prodcheck", "report"]


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def ddbkit(*args, rc=0, env=None):
    """Runs ddbkit with an argument list (no shell); checks the exit status."""
    run_env = dict(os.environ)
    run_env.update(env or {})
    p = subprocess.run([ARGS.ddbkit, *args], capture_output=True, text=True, env=run_env,
                       timeout=300)
    if rc is not None and p.returncode != rc:
        raise Failed(f"ddbkit {' '.join(args)}: exit {p.returncode}, expected {rc}\n"
                     f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def one_line_error(p, pattern):
    """stderr is exactly one line, and it matches pattern."""
    check(p.stdout == "", f"stdout should be empty on an error: {p.stdout!r}")
    check(p.stderr.count("\n") == 1, f"the error should be one line: {p.stderr!r}")
    check(re.search(pattern, p.stderr), f"stderr {p.stderr!r} does not match {pattern!r}")


def copy(fixture, name=None):
    dest = os.path.join(ARGS.case_dir, name or fixture)
    shutil.copytree(os.path.join(ARGS.codebases, fixture), dest, symlinks=True)
    return dest


def model(name="store.json"):
    return os.path.join(ARGS.models, "gen-models", name)


def state(cb):
    with open(os.path.join(cb, ".ddbkit", "migration.json"), encoding="utf-8") as f:
        return json.load(f)


def step(cb, name):
    return next(s for s in state(cb)["steps"] if s["name"] == name)


def report(cb):
    with open(os.path.join(cb, "MIGRATION.md"), encoding="utf-8") as f:
        return f.read()


def discover_json(cb):
    return json.loads(ddbkit("migrate", "discover", "--codebase", cb, "--json").stdout)


# ---- init -------------------------------------------------------------------------------------

def case_init_writes_state():
    cb = copy("make")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    check("steps: 0 done, 0 stale, 13 pending" in p.stdout, f"init's report: {p.stdout}")
    check("next: ddbkit migrate discover" in p.stdout, f"init's report: {p.stdout}")
    s = state(cb)
    check(s["format"] == 1, "format 1")
    check([x["name"] for x in s["steps"]] == STEPS, f"the steps: {[x['name'] for x in s['steps']]}")
    check(all(x["status"] == "pending" for x in s["steps"]), "every step pending")
    check(s["model"]["path"] == os.path.realpath(model()), f"model path {s['model']['path']}")
    check(re.fullmatch(r"[0-9a-f]{64}", s["model"]["sha256"]), "the model's SHA-256")
    md = report(cb)
    for i, name in enumerate(STEPS, 1):
        check(f"\n## {i}. {name}: " in md, f"MIGRATION.md has no section for {name}")
        check(re.search(rf"\| {i} \| {re.escape(name)}( \(optional\))? \| pending \|", md),
              f"MIGRATION.md's table has no pending row for {name}")
    check("- [ ] the number of tests is at least 1" in md, "discover's checks, unticked")
    check("only ddbkit marks a step done" in md, "the note on who writes the file")
    # --json prints the state itself
    j = json.loads(ddbkit("migrate", "init", "--codebase", cb, "--model", model(),
                          "--json").stdout)
    check([x["name"] for x in j["steps"]] == STEPS, "--json prints the state")
    # a model inside the codebase is recorded relative to it, so the record moves with a clone
    shutil.copy(model(), os.path.join(cb, "model.json"))
    cb2 = copy("script")
    shutil.copy(model(), os.path.join(cb2, "model.json"))
    ddbkit("migrate", "init", "--codebase", cb2, "--model", os.path.join(cb2, "model.json"))
    check(state(cb2)["model"]["path"] == "model.json", "a model in the codebase is relative")


def case_init_rerun_keeps_progress():
    cb = copy("make")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    ddbkit("migrate", "discover", "--codebase", cb)
    before = step(cb, "discover")
    check(before["status"] == "done", "discover done")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    check("steps: 1 done, 0 stale, 12 pending" in p.stdout, f"init again: {p.stdout}")
    check(step(cb, "discover") == before, "init again keeps the recorded step as it was")


def case_init_other_model_refused():
    cb = copy("make")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    ddbkit("migrate", "discover", "--codebase", cb)
    path = os.path.join(cb, ".ddbkit", "migration.json")
    with open(path, "rb") as f:
        before = f.read()
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model("patterns.json"), rc=1)
    one_line_error(p, r"^ddbkit migrate init: the migration of .* is recorded for the model "
                      r".*store\.json, not .*patterns\.json; give --force to switch models\n$")
    with open(path, "rb") as f:
        check(f.read() == before, "a refused init leaves the state untouched")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model("patterns.json"), "--force")
    s = state(cb)
    check(s["model"]["path"].endswith("patterns.json"), "--force records the new model")
    check(step(cb, "discover")["status"] == "done", "discover does not depend on the model")


def case_init_invalid_model():
    cb = copy("make")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model",
               os.path.join(ARGS.models, "models", "keys.json"), rc=1)
    check(re.search(r"^error: ", p.stderr, re.M), f"the model's errors: {p.stderr}")
    check(re.search(r"ddbkit migrate init: --model .*keys\.json: ", p.stderr), p.stderr)
    check(not os.path.exists(os.path.join(cb, "MIGRATION.md")), "nothing written")
    check(not os.path.exists(os.path.join(cb, ".ddbkit")), "no state written")


def case_init_missing_model():
    cb = copy("make")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", os.path.join(cb, "nope.json"),
               rc=2)
    one_line_error(p, r"^ddbkit migrate init: --model .*nope\.json: No such file or directory\n$")
    p = ddbkit("migrate", "init", "--codebase", cb, rc=2)
    one_line_error(p, r"^ddbkit migrate init: no model given \(--model FILE; see ddbkit "
                      r"migrate init --help\)\n$")
    check(not os.path.exists(os.path.join(cb, "MIGRATION.md")), "nothing written")


def case_bad_codebase():
    missing = os.path.join(ARGS.case_dir, "no-such-folder")
    p = ddbkit("migrate", "init", "--codebase", missing, "--model", model(), rc=2)
    one_line_error(p, r"^ddbkit migrate init: --codebase .*no-such-folder: No such file or "
                      r"directory\n$")
    p = ddbkit("migrate", "discover", "--codebase", missing, rc=2)
    one_line_error(p, r"^ddbkit migrate discover: --codebase .*no-such-folder: No such file or "
                      r"directory\n$")
    p = ddbkit("migrate", "init", "--codebase", model(), "--model", model(), rc=2)
    one_line_error(p, r"^ddbkit migrate init: --codebase .*store\.json is not a folder\n$")
    p = ddbkit("migrate", "discover", rc=2)
    one_line_error(p, r"^ddbkit migrate discover: no codebase given \(--codebase DIR; ")
    cb = copy("make")
    p = ddbkit("migrate", "discover", "--codebase", cb, rc=2)
    one_line_error(p, r"^ddbkit migrate discover: .* has no migration state "
                      r"\(\.ddbkit/migration\.json\); run ddbkit migrate init first\n$")
    # a state that is not ddbkit's is named, with the JSON path of what is wrong
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    path = os.path.join(cb, ".ddbkit", "migration.json")
    s = state(cb)
    s["steps"][0]["status"] = "finished"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(s, f)
    p = ddbkit("migrate", "discover", "--codebase", cb, rc=1)
    one_line_error(p, r"migration\.json: \$\.steps\[0\]\.status is not pending, done or stale\n$")
    s["steps"][0]["status"] = "done"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(s, f)
    p = ddbkit("migrate", "discover", "--codebase", cb, rc=1)
    one_line_error(p, r"migration\.json: \$\.steps\[0\]\.inputs is missing\n$")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model(), rc=1)
    one_line_error(p, r"migration\.json: \$\.steps\[0\]\.inputs is missing\n$")


def case_unknown_subcommand():
    p = ddbkit("migrate", "frob", "--codebase", ARGS.case_dir, rc=2)
    one_line_error(p, r"^ddbkit migrate: unknown subcommand 'frob'; use init or discover\n$")
    p = ddbkit("migrate", rc=2)
    one_line_error(p, r"^ddbkit migrate: no subcommand given \(see ddbkit migrate --help\)\n$")
    p = ddbkit("migrate", "discover", "--codebase", ARGS.case_dir, "--frob", rc=2)
    one_line_error(p, r"^ddbkit migrate discover: unknown option '--frob'")
    p = ddbkit("migrate", "--help")
    check(re.search(r"^  init +--codebase DIR --model FILE", p.stdout, re.M) and
          re.search(r"^  discover +--codebase DIR", p.stdout, re.M), p.stdout)
    # each subcommand's help lists its options, and each listed option is accepted (the parser
    # and the help share one table)
    for sub, options in (("init", ["--codebase DIR", "--model FILE", "--force", "--json"]),
                         ("discover", ["--codebase DIR", "--json"])):
        p = ddbkit("migrate", sub, "--help")
        check(p.stdout.startswith(f"usage: ddbkit migrate {sub} --codebase DIR"), p.stdout)
        for o in options:
            check(f"  {o} " in p.stdout, f"migrate {sub} --help lists {o}: {p.stdout}")
    p = ddbkit("--help")
    check(re.search(r"^  migrate +lead", p.stdout, re.M), p.stdout)


# ---- discover ---------------------------------------------------------------------------------

def discovered(fixture, framework, command, tests, c_standard, names, name=None):
    cb = copy(fixture, name)
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    j = discover_json(cb)
    for key, want in (("framework", framework), ("command", command), ("tests", tests),
                      ("c_standard", c_standard), ("test_names", names)):
        check(j[key] == want, f"{fixture}: {key} is {j[key]!r}, expected {want!r}")
    s = step(cb, "discover")
    check(s["status"] == "done", f"{fixture}: discover recorded done")
    check(s["figures"] == {"framework": framework, "command": command, "tests": tests,
                           "c_standard": c_standard, "count_basis": j["count_basis"]},
          f"{fixture}: the recorded figures {s['figures']}")
    check(s["commit"] == "none", f"{fixture}: a copy that is no git repository: {s['commit']}")
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s["done_at"]), s["done_at"])
    check(set(s["inputs"]) == {"sources", "tests", "build"}, f"inputs {s['inputs']}")
    md = report(cb)
    check(re.search(r"\| 1 \| discover \| done \| \d{4}-", md), "MIGRATION.md: discover done")
    check("- [x] the number of tests is at least 1" in md, "MIGRATION.md: checks ticked")
    check(f"- tests: {tests}\n" in md, "MIGRATION.md: the figures")
    # the text report says the same
    p = ddbkit("migrate", "discover", "--codebase", cb)
    check(re.search(rf"^  framework   {framework}\b", p.stdout, re.M), p.stdout)
    check(re.search(rf"^  tests       {tests} \(", p.stdout, re.M), p.stdout)
    check(re.search(rf"^  C standard  {re.escape(c_standard)} \(", p.stdout, re.M), p.stdout)
    check(f"  command     {command}\n" in p.stdout, p.stdout)
    return cb, j


def case_discover_ctest():
    cb, j = discovered("cmake", "ctest",
                       "cmake -S . -B .ddbkit/build && cmake --build .ddbkit/build && "
                       "ctest --test-dir .ddbkit/build", 3, "c99",
                       ["calc.add", "calc.sub", "calc.mul"])
    check(j["count_basis"] == "ctest --show-only=json-v1", j["count_basis"])
    check(os.path.exists(os.path.join(cb, ".ddbkit", "build", "CMakeCache.txt")),
          "the private build folder is under .ddbkit/")
    # the codebase's own tree holds nothing new but .ddbkit/ and MIGRATION.md
    check(sorted(os.listdir(cb)) == sorted(os.listdir(os.path.join(ARGS.codebases, "cmake")) +
                                           [".ddbkit", "MIGRATION.md"]), os.listdir(cb))


def case_discover_make():
    cb, j = discovered("make", "make", "make check", 2, "c99",
                       ["tests/test_add", "tests/test_sub"])
    check(j["count_basis"] == "TESTS in Makefile", j["count_basis"])
    check(not os.path.exists(os.path.join(cb, "str.o")), "discover builds nothing")


def case_discover_autotools():
    _, j = discovered("autotools", "autotools", "autoreconf -fi && ./configure && make check", 2,
                      "gnu11", ["tests/test_inc", "tests/test_reset"])
    check(j["count_basis"] == "TESTS in Makefile.am", j["count_basis"])


def case_discover_script():
    _, j = discovered("script", "script", "./run_tests.sh", 2, "c11", ["test_loud", "test_upper"])
    check("run_tests.sh" in j["count_basis"], j["count_basis"])


def case_discover_meson():
    # meson introspect --tests where meson is installed; else the test() calls, with a note
    _, j = discovered("meson", "meson", "meson setup .ddbkit/meson-build && meson test -C "
                      ".ddbkit/meson-build", 2, "c99", ["hello", "bye"])
    if not shutil.which("meson"):
        check(any("meson is not installed" in n for n in j["notes"]), f"notes {j['notes']}")


def case_discover_no_tests():
    cb = copy("empty")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    p = ddbkit("migrate", "discover", "--codebase", cb, rc=1)
    one_line_error(p, r"^ddbkit migrate discover: no tests found in .*empty: looked for CTest "
                      r"tests \(CMakeLists\.txt\), meson\.build, configure\.ac with a "
                      r"Makefile\.am defining TESTS, a Makefile with a check or test target, "
                      r"and a run_tests\.sh, .*check\.sh script\n$")
    check(step(cb, "discover")["status"] == "pending", "a failed discover marks nothing")


def case_discover_unknown_standard():
    cb = copy("script")
    with open(os.path.join(cb, "run_tests.sh"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(cb, "run_tests.sh"), "w", encoding="utf-8") as f:
        f.write(text.replace("-std=c11 ", ""))
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    j = discover_json(cb)
    check(j["c_standard"] == "unknown", f"c_standard {j['c_standard']}")


def case_stale_after_edit():
    cb = copy("make")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    ddbkit("migrate", "discover", "--codebase", cb)
    # a file no step reads changes nothing
    with open(os.path.join(cb, "NOTES.txt"), "w", encoding="utf-8") as f:
        f.write("notes\n")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    check("steps: 1 done, 0 stale" in p.stdout, p.stdout)
    with open(os.path.join(cb, "tests", "test_add.c"), "a", encoding="utf-8") as f:
        f.write("/* edited */\n")
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    check("steps: 0 done, 1 stale, 12 pending" in p.stdout, p.stdout)
    check("  stale: discover (changed: tests); run it again\n" in p.stdout, p.stdout)
    s = step(cb, "discover")
    check(s["status"] == "stale" and s["stale_inputs"] == ["tests"], f"the state: {s}")
    md = report(cb)
    check(re.search(r"\| 1 \| discover \| stale \|", md), "MIGRATION.md: discover stale")
    check("Stale: changed since the step was done: tests. Run the step again." in md, md)
    # a C source and a build file are inputs too
    with open(os.path.join(cb, "str.c"), "a", encoding="utf-8") as f:
        f.write("/* edited */\n")
    with open(os.path.join(cb, "Makefile"), "a", encoding="utf-8") as f:
        f.write("# edited\n")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    check(step(cb, "discover")["stale_inputs"] == ["sources", "tests", "build"],
          str(step(cb, "discover")))
    # running the step again makes it done
    ddbkit("migrate", "discover", "--codebase", cb)
    s = step(cb, "discover")
    check(s["status"] == "done" and "stale_inputs" not in s, f"discover again: {s}")


def case_git_commit():
    if not shutil.which("git"):
        print("SKIPPED: git is not installed; the commit of a git codebase is not checked",
              file=sys.stderr)
        sys.exit(77)
    cb = copy("script")
    git = ["git", "-C", cb, "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(git + cmd, check=True, capture_output=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    ddbkit("migrate", "discover", "--codebase", cb)
    check(step(cb, "discover")["commit"] == head, f"commit {step(cb, 'discover')['commit']}")
    check(f"commit `{head}`" in report(cb), "MIGRATION.md names the commit")


def case_path_with_quotes():
    # Spaces, quotes, a dollar and a semicolon: any shell string built from it would break or
    # run something; an argument vector does not.
    name = "odd dir 'q' \"dq\" $(touch PWNED); x"
    cb, j = discovered("make", "make", "make check", 2, "c99",
                       ["tests/test_add", "tests/test_sub"], name=name)
    check(not os.path.exists(os.path.join(ARGS.case_dir, "PWNED")), "nothing was injected")
    check(not os.path.exists("PWNED"), "nothing was injected")
    cb2, _ = discovered("cmake", "ctest",
                        "cmake -S . -B .ddbkit/build && cmake --build .ddbkit/build && "
                        "ctest --test-dir .ddbkit/build", 3, "c99",
                        ["calc.add", "calc.sub", "calc.mul"], name="cmake with spaces")
    check(os.path.isdir(cb2), cb2)


def case_kill_mid_write():
    cb = copy("make")
    ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    ddbkit("migrate", "discover", "--codebase", cb)
    path = os.path.join(cb, ".ddbkit", "migration.json")
    with open(path, "rb") as f:
        before = f.read()
    with open(os.path.join(cb, "tests", "test_add.c"), "a", encoding="utf-8") as f:
        f.write("/* edited */\n")
    # SIGKILL between the complete temporary file and the rename (the hook in
    # ddbmig__write_atomic): the previous state must survive whole.
    p = ddbkit("migrate", "discover", "--codebase", cb, rc=None,
               env={"DDBKIT_MIGRATE_TEST_KILL": "before-rename"})
    check(p.returncode == -signal.SIGKILL, f"killed: exit {p.returncode}")
    with open(path, "rb") as f:
        check(f.read() == before, "the state after the kill is the one before it")
    leftovers = [n for n in os.listdir(os.path.join(cb, ".ddbkit")) if ".tmp." in n]
    check(leftovers, "the kill left its temporary file (the test kills where it should)")
    # the next run works and sweeps the leftovers
    p = ddbkit("migrate", "init", "--codebase", cb, "--model", model())
    check("stale: discover (changed: tests)" in p.stdout, p.stdout)
    leftovers = [n for n in os.listdir(os.path.join(cb, ".ddbkit")) + os.listdir(cb)
                 if ".tmp." in n]
    check(not leftovers, f"temporary files left: {leftovers}")


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ddbkit", required=True)
    ap.add_argument("--codebases", required=True)
    ap.add_argument("--models", required=True, help="tests/gen")
    ap.add_argument("--work", required=True)
    ap.add_argument("case")
    ARGS = ap.parse_args()
    fn = globals().get("case_" + ARGS.case)
    if not fn:
        print(f"run_migrate.py: no case '{ARGS.case}'", file=sys.stderr)
        return 2
    ARGS.case_dir = os.path.join(ARGS.work, ARGS.case)
    shutil.rmtree(ARGS.case_dir, ignore_errors=True)
    os.makedirs(ARGS.case_dir)
    try:
        fn()
    except Failed as e:
        print(f"FAILED migrate.{ARGS.case}: {e}", file=sys.stderr)
        return 1
    print(f"ok migrate.{ARGS.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
