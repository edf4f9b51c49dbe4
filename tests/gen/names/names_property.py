#!/usr/bin/python3
"""gen.names.property: every name a model may use gives compiling C.

The names are every C keyword the generator maps, every identifier in the code generated for a base
model (so the list follows the emitters), and derived-member shapes. They become parameter,
pattern, field, entity and GSI names of a few models, which are generated and compiled with
-std=c11 -Wall -Wextra -Werror -pedantic. Models whose names differ only in case or punctuation
must be refused with a rename hint. Deterministic (seed 10); the failure names the name.
usage: names_property.py DDBKIT CC INCLUDE_DIR BASE_MODEL WORK_DIR
"""
import json, os, random, re, subprocess, sys

ddbkit, cc, include, base, work = sys.argv[1:6]
KEYWORDS = """auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while alignas alignof bool constexpr false nullptr static_assert
thread_local true typeof typeof_unqual noreturn errno assert linux unix complex imaginary""".split()
failures = []


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def generate(model, name, expect_ok=True):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        json.dump(model, f, indent=1)
    r = run([ddbkit, "generate", "--quiet", path, "-o", d])
    return r, d


def compile_dir(d):
    for f in sorted(os.listdir(d)):
        if f.endswith(".c"):
            r = run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", include,
                     "-I", d, "-c", os.path.join(d, f), "-o", os.devnull])
            if r.returncode:
                return f + ": " + "\n".join(r.stderr.splitlines()[:6])
    return None


# Identifiers of the code generated for the base model, cut at the scope separator "__".
r, d = generate(json.load(open(base)), "base")
if r.returncode:
    sys.exit("base model does not generate: " + r.stderr)
words = set()
for f in os.listdir(d):
    if f.endswith((".c", ".h")):
        for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", open(os.path.join(d, f)).read()):
            for part in tok.split("__"):
                part = part.strip("_").lower()
                if part and not part[0].isdigit():
                    words.add(part)
shapes = []
for w in ["x", "tags", "email"]:
    shapes += ["has_" + w, "n_" + w, w + "__page", w + "_", "ddb_" + w]
names = sorted(set(KEYWORDS) | words | set(shapes))
names = [n for n in names if re.sub(r"[^A-Za-z0-9]", "", n)]
random.Random(10).shuffle(names)
print(f"{len(names)} names ({len(words)} from the generated code)")


def base_entity(fields, patterns, gsi=None):
    e = {"entity_type": "THING", "pk_template": "THING#{thing_id}", "sk_template": "THING",
         "fields": [{"name": "thing_id", "type": "string", "required": True}] + fields,
         "access_patterns": patterns}
    if gsi:
        e["gsi_mappings"] = [{"name": gsi, "pk_template": "G#{thing_id}", "sk_template": "G"}]
    return e


def table(entities, gsi=None):
    t = {"table_config": {"table_name": "Things", "partition_key": "pk", "sort_key": "sk"},
         "entities": entities}
    if gsi:
        t["gsi_list"] = [{"name": gsi, "partition_key": "gpk", "sort_key": "gsk"}]
    return t


def check(model, label, batch):
    r, d = generate(model, label)
    if r.returncode:
        failures.append(f"{label}: generate refused one of {batch[:5]}...: {r.stdout}{r.stderr}")
        return False
    err = compile_dir(d)
    if err:
        failures.append(f"{label}: does not compile (names {batch}): {err}")
        return False
    return True


def bisect(make, batch, label):
    """Checks a batch; on failure narrows it down to the names that fail alone."""
    if check(make(batch), label, batch):
        return
    failures.pop()
    if len(batch) == 1:
        r, d = generate(make(batch), label)
        failures.append(f"name '{batch[0]}' as {label.split('-')[0]}: "
                        + (r.stdout + r.stderr if r.returncode else compile_dir(d)).strip())
        return
    half = len(batch) // 2
    bisect(make, batch[:half], label)
    bisect(make, batch[half:], label)


BATCH = 400
pid = iter(range(1, 1 << 30))


def params_model(batch):
    pats = [{"pattern_id": next(pid), "name": "by_thing", "description": "d", "operation": "Query",
             "parameters": [{"name": "thing_id", "type": "string"}]
             + [{"name": n, "type": "string"} for n in batch if n != "thing_id"],
             "return_type": "entity_list"}]
    return {"tables": [table({"Thing": base_entity([], pats)})]}


def patterns_model(batch):
    pats = [{"pattern_id": next(pid), "name": n, "description": "d", "operation": "GetItem",
             "parameters": [{"name": "thing_id", "type": "string"}],
             "return_type": "single_entity"} for n in batch]
    return {"tables": [table({"Thing": base_entity([], pats)})]}


def fields_model(batch):
    fields = []
    for i, n in enumerate(batch):
        if n == "thing_id":
            continue
        # a field named like the table's key attribute holds that attribute's value: a string
        t = "string" if n in ("pk", "sk") else ["string", "integer", "array", "boolean"][i % 4]
        f = {"name": n, "type": t, "required": False}
        if t == "array":
            f["item_type"] = "string"
        fields.append(f)
    return {"tables": [table({"Thing": base_entity(fields, [])})]}


def entities_model(batch):
    ents = {n: base_entity([], []) for n in batch}
    for i, n in enumerate(batch):
        ents[n]["entity_type"] = f"T{i}"
        ents[n]["pk_template"] = f"T{i}#{{thing_id}}"
    return {"tables": [table(ents)]}


def gsi_model(batch):
    return {"tables": [table({"Thing": base_entity([], [], gsi=n)}, gsi=n) for n in batch[:1]]}


for kind, make in [("parameter", params_model), ("pattern", patterns_model),
                   ("field", fields_model), ("entity", entities_model)]:
    for i in range(0, len(names), BATCH):
        bisect(make, names[i:i + BATCH], f"{kind}-{i // BATCH}")

# Fields named like the generated companions of other fields (has_<x> of an optional x, n_<x> of
# an array x), beside those fields.
companions = []
for w in ["x", "tags", "has_x"]:
    companions += [{"name": w, "type": "integer", "required": False},
                   {"name": "has_" + w, "type": "boolean", "required": False},
                   {"name": "list_" + w, "type": "array", "item_type": "string", "required": False},
                   {"name": "n_list_" + w, "type": "integer", "required": True}]
check({"tables": [table({"Thing": base_entity(companions, [])})]}, "companions",
      [f["name"] for f in companions])

# Names that differ only in case or punctuation: refused, with a hint naming the c_name to set.
for a, b in [("userId", "user_id"), ("Key", "key"), ("user-id", "user_id")]:
    m = fields_model([a, b])
    r, _ = generate(m, "clash")
    out = r.stdout + r.stderr
    if r.returncode == 0 or "both map to the C name" not in out or '"c_name"' not in out \
            or "fields[" not in out:
        failures.append(f"fields '{a}' and '{b}' were not refused with a rename hint: {out}")

for f in failures:
    print("FAIL:", f)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
