#!/usr/bin/python3
"""Checks the CloudFormation template that `ddbkit infra` writes for one model.

    check_infra.py DDBKIT MODEL WORKDIR [--billing provisioned] [--api API_MODEL_JSON]

It runs `ddbkit generate` and `ddbkit infra` (JSON and YAML) and checks, against oracles that do
not share ddbkit's code:

- every resource type, property and nested property exists in the CloudFormation resource
  specification (npm @aws-cdk/aws-service-spec, installed by scripts/bootstrap) with the right
  type, required properties are there, and every Ref, Fn::GetAtt and ${} names something real;
- each table's resource holds the generated NS__create_table_json (parsed from NS.c) unchanged,
  plus point-in-time recovery, deletion protection, SSE and the model's TTL;
- the alarms are AWS's recommended ones, with their statistic, period, datapoints and missing-data
  treatment, on metrics that the specification lists for AWS/DynamoDB;
- the IAM policy grants exactly the actions the model's access patterns need (derived here from
  the model file), on exactly the tables and indexes they use, and every action is a DynamoDB
  operation of the API model (or the per-item action of a TransactWriteItem member);
- the dashboard body is JSON over DynamoDB metrics of the template's tables;
- the YAML template is the JSON one.

The specification is required under CI=true; elsewhere a missing one skips (exit 77) loudly.
"""
import argparse
import copy
import gzip
import json
import math
import os
import re
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# AWS's recommended DynamoDB alarms (CloudWatch User Guide, "Recommended alarms", Amazon DynamoDB):
# metric -> (statistic, period s, datapoints to alarm, evaluation periods, fixed threshold or None)
RECOMMENDED = {
    "ReadThrottleEvents": ("Sum", 60, 5, 5, None),
    "WriteThrottleEvents": ("Sum", 60, 5, 5, None),
    "SystemErrors": ("Sum", 60, 15, 15, None),
    "SuccessfulRequestLatency": ("Average", 60, 10, 10, None),
    "UserErrors": ("Sum", 60, 10, 10, None),
    "AccountProvisionedReadCapacityUtilization": ("Maximum", 300, 2, 2, 80),
    "AccountProvisionedWriteCapacityUtilization": ("Maximum", 300, 2, 2, 80),
}
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId",
          "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs"}
RESOURCE_KEYS = {"Type", "Properties", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy",
                 "Condition", "Metadata"}
TOP_KEYS = {"AWSTemplateFormatVersion", "Description", "Parameters", "Resources", "Outputs"}


class Failed(Exception):
    pass


def fail(msg):
    raise Failed(msg)


# ---- the oracles ------------------------------------------------------------------------------

def find_spec():
    cands = [os.environ.get("DDB_AWS_SERVICE_SPEC", "")]
    cache = os.environ.get("DDB_CACHE_DIR") or os.path.join(ROOT, ".cache")
    cands.append(os.path.join(cache, "aws-service-spec", "db.json.gz"))
    cands.append(os.path.join(ROOT, ".cache", "aws-service-spec", "db.json.gz"))
    for c in cands:
        if c and os.path.isfile(c):
            return c
    return None


class Spec:
    def __init__(self, path):
        db = json.load(gzip.open(path))["schema"]
        self.resources = {e["cloudFormationType"]: e for e in db["resource"]["entities"]}
        self.types = {e["$id"]: e for e in db["typeDefinition"]["entities"]}
        self.ddb_metrics = {m["name"] for m in db["metric"]["entities"]
                            if m.get("namespace") == "AWS/DynamoDB"}


def api_operations(api_path):
    if api_path and os.path.isfile(api_path):
        model = json.load(open(api_path))
    else:
        try:
            import botocore.loaders
        except ImportError:
            return None
        model = botocore.loaders.Loader().load_service_model("dynamodb", "service-2")
    ops = set(model["operations"])
    # IAM authorises each member of a TransactWriteItems on its own: a Put as PutItem, a
    # ConditionCheck as ConditionCheckItem. The member names come from the API model too.
    members = model["shapes"]["TransactWriteItem"]["members"]
    return ops | {m + "Item" for m in members}


# ---- CloudFormation types ---------------------------------------------------------------------

INTRINSICS = {"Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::If"}


class Template:
    def __init__(self, doc, spec):
        self.doc, self.spec = doc, spec
        self.params = set(doc.get("Parameters", {}))
        self.res = doc.get("Resources", {})

    def check_name(self, name, path):
        if name in self.params or name in self.res or name in PSEUDO:
            return
        if "." in name:
            r, attr = name.split(".", 1)
            if r in self.res:
                attrs = self.spec.resources[self.res[r]["Type"]].get("attributes", {})
                if attr in attrs:
                    return
                fail(f"{path}: {r} ({self.res[r]['Type']}) has no attribute {attr}")
        fail(f"{path}: '{name}' is neither a parameter, a resource nor a pseudo parameter")

    def intrinsic(self, v, path):
        if not (isinstance(v, dict) and len(v) == 1 and next(iter(v)) in INTRINSICS):
            return False
        fn, arg = next(iter(v.items()))
        if fn == "Ref":
            if not isinstance(arg, str):
                fail(f"{path}: Ref takes a name")
            self.check_name(arg, path)
        elif fn == "Fn::Sub":
            if not isinstance(arg, str):
                fail(f"{path}: Fn::Sub here takes a string")
            for name in re.findall(r"\$\{([^!}][^}]*)\}", arg):
                self.check_name(name, path)
        elif fn == "Fn::GetAtt":
            if not (isinstance(arg, list) and len(arg) == 2):
                fail(f"{path}: Fn::GetAtt takes [resource, attribute]")
            self.check_name(arg[0] + "." + arg[1], path)
        return True

    def value(self, v, t, path):
        if self.intrinsic(v, path):
            return
        kind = t["type"]
        if kind == "union":
            errors = []
            for alt in t["types"]:
                try:
                    self.value(v, alt, path)
                    return
                except Failed as e:
                    errors.append(str(e))
            fail(f"{path}: matches none of the union's types: {errors}")
        if kind in ("string", "date-time"):
            ok = isinstance(v, str)
        elif kind == "number":
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        elif kind == "integer":
            ok = isinstance(v, int) and not isinstance(v, bool)
        elif kind == "boolean":
            ok = isinstance(v, bool)
        elif kind == "json":
            ok = isinstance(v, dict)
        elif kind == "tag":
            ok = isinstance(v, dict) and set(v) == {"Key", "Value"}
        elif kind == "array":
            if not isinstance(v, list):
                fail(f"{path}: must be a list, not {type(v).__name__}")
            for i, e in enumerate(v):
                self.value(e, t["element"], f"{path}[{i}]")
            return
        elif kind == "map":
            if not isinstance(v, dict):
                fail(f"{path}: must be a map")
            for k, e in v.items():
                self.value(e, t["element"], f"{path}.{k}")
            return
        elif kind == "ref":
            self.props(v, self.spec.types[t["reference"]["$ref"]], path)
            return
        else:
            fail(f"{path}: the specification's type {kind} is unknown to this checker")
        if not ok:
            fail(f"{path}: {json.dumps(v)[:80]} is not of type {kind}")

    def props(self, v, definition, path):
        if not isinstance(v, dict):
            fail(f"{path}: must be an object ({definition.get('name')})")
        known = definition.get("properties", {})
        for k, pv in v.items():
            if k not in known:
                fail(f"{path}: property {k} does not exist in {definition.get('name')}; "
                     f"known: {sorted(known)}")
            self.value(pv, known[k]["type"], f"{path}.{k}")
        for k, p in known.items():
            if p.get("required") and k not in v:
                fail(f"{path}: required property {k} is missing")

    def check(self):
        for k in self.doc:
            if k not in TOP_KEYS:
                fail(f"$: unknown template section {k}")
        for name, p in self.doc.get("Parameters", {}).items():
            if p.get("Type") not in ("String", "Number"):
                fail(f"Parameters.{name}: type {p.get('Type')}")
        if not self.res:
            fail("$: no Resources")
        if len(self.res) > 500:
            fail(f"$: {len(self.res)} resources; CloudFormation allows 500")
        for name, r in self.res.items():
            path = f"Resources.{name}"
            if not re.fullmatch(r"[A-Za-z0-9]{1,255}", name):
                fail(f"{path}: logical ID is not alphanumeric")
            for k in r:
                if k not in RESOURCE_KEYS:
                    fail(f"{path}: unknown resource attribute {k}")
            if r.get("Type") not in self.spec.resources:
                fail(f"{path}: type {r.get('Type')} is not in the specification")
            for d in r.get("DependsOn", []):
                if d not in self.res:
                    fail(f"{path}.DependsOn: no resource {d}")
            self.props(r.get("Properties", {}), self.spec.resources[r["Type"]],
                       path + ".Properties")
        for name, o in self.doc.get("Outputs", {}).items():
            self.intrinsic(o["Value"], f"Outputs.{name}.Value")

    def of_type(self, t):
        return {k: r for k, r in self.res.items() if r["Type"] == t}


# ---- the model, read here on its own ----------------------------------------------------------

def entities_of(table):
    ents = table.get("entities", {})
    return list(ents.values()) if isinstance(ents, dict) else list(ents)


def ext(node):
    return node.get("x-ddbkit", {}) if isinstance(node, dict) else {}


def id_strategy(entity):
    """x-ddbkit.id_strategy: a kind, or {"kind": ...}."""
    s = ext(entity).get("id_strategy")
    return s.get("kind") if isinstance(s, dict) else s


PATTERN_ACTION = {"GetItem": "GetItem", "PutItem": "PutItem", "DeleteItem": "DeleteItem",
                  "UpdateItem": "UpdateItem", "Query": "Query", "Scan": "Scan",
                  "BatchGetItem": "BatchGetItem", "BatchWriteItem": "BatchWriteItem"}
TX_ACTION = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
             "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
CRUD = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}


def expected_grants(model, counter_table):
    """{(table, index or None): set of actions} that the data-access layer needs."""
    grants = {}
    for t in model["tables"]:
        name = t["table_config"]["table_name"]
        for e in entities_of(t):
            grants.setdefault((name, None), set()).update(CRUD)
            if id_strategy(e) in ("counter", "source"):
                grants.setdefault((counter_table, None), set()).add("UpdateItem")
            for ap in e.get("access_patterns", []):
                act = PATTERN_ACTION[ap["operation"]]
                idx = ap.get("index_name") if act in ("Query", "Scan") else None
                grants.setdefault((name, idx), set()).add(act)
    for tx in model.get("cross_table_access_patterns", []):
        for ent in tx.get("entities_involved", []):
            grants.setdefault((ent["table"], None), set()).add(TX_ACTION[ent["action"]])
    return grants


def read_units(ap, index):
    return 1.0 if not index and ap.get("consistent_read") is True else 0.5


def cap(units):
    return max(1, math.ceil(units * 100 / 70 - 1e-9))


# ---- the generated CreateTable JSON -----------------------------------------------------------

def c_unescape(lit):
    out, i = bytearray(), 0
    while i < len(lit):
        c = lit[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = lit[i + 1]
        if n in "01234567":
            m = re.match(r"[0-7]{1,3}", lit[i + 1:]).group(0)
            out.append(int(m, 8))
            i += 1 + len(m)
        else:
            out += {"n": b"\n", "t": b"\t", "\\": b"\\", '"': b'"'}[n]
            i += 2
    return out.decode("utf-8")


def create_table_jsons(c_source):
    found = {}
    decl = r"const char (\w+)__create_table_json\[\] =\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+);"
    for m in re.finditer(decl, c_source):
        text = "".join(c_unescape(p) for p in re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(2)))
        doc = json.loads(text)
        found[doc["TableName"]] = doc
    return found


# ---- the checks -------------------------------------------------------------------------------

def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def check_tables(tpl, model, creates, counter_table, provisioned):
    tables = {r["Properties"]["TableName"]: (k, r)
              for k, r in tpl.of_type("AWS::DynamoDB::Table").items()}
    want = set(creates) | ({counter_table} if counter_table else set())
    if set(tables) != want:
        fail(f"tables {sorted(tables)}; the model's are {sorted(want)}")
    for t in model["tables"]:
        name = t["table_config"]["table_name"]
        _, r = tables[name]
        p = r["Properties"]
        got = {k: copy.deepcopy(p[k]) for k in creates[name] if k in p}
        for g in got.get("GlobalSecondaryIndexes", []):
            g.pop("ProvisionedThroughput", None)
        if provisioned:
            if p.get("BillingMode") != "PROVISIONED" or "ProvisionedThroughput" not in p:
                fail(f"{name}: not provisioned")
            got["BillingMode"] = creates[name]["BillingMode"]
        if got != creates[name]:
            fail(f"{name}: the template's table differs from NS__create_table_json:\n"
                 f"  template {json.dumps(got, sort_keys=True)}\n"
                 f"  create   {json.dumps(creates[name], sort_keys=True)}")
        ttl = next((ext(e)["ttl_field"] for e in entities_of(t) if ext(e).get("ttl_field")), None)
        want_ttl = {"AttributeName": ttl, "Enabled": True} if ttl else None
        if p.get("TimeToLiveSpecification") != want_ttl:
            fail(f"{name}: TimeToLiveSpecification {p.get('TimeToLiveSpecification')}, "
                 f"want {want_ttl}")
    for name, (k, r) in tables.items():
        p = r["Properties"]
        if p.get("PointInTimeRecoverySpecification") != {"PointInTimeRecoveryEnabled": True}:
            fail(f"{name}: point-in-time recovery is not on")
        if p.get("DeletionProtectionEnabled") is not True:
            fail(f"{name}: deletion protection is not on")
        if p.get("SSESpecification", {}).get("SSEEnabled") is not True:
            fail(f"{name}: SSE is not on")
        if r.get("DeletionPolicy") != "Retain":
            fail(f"{name}: DeletionPolicy is not Retain")
    return {name: k for name, (k, _) in tables.items()}


def check_alarms(tpl, spec, model, logical, provisioned, policy_actions):
    alarms = tpl.of_type("AWS::CloudWatch::Alarm")
    seen = {}
    for k, r in alarms.items():
        p = r["Properties"]
        m = p["MetricName"]
        if p["Namespace"] != "AWS/DynamoDB" or m not in spec.ddb_metrics:
            fail(f"{k}: metric {p['Namespace']}/{m} is not a DynamoDB metric of the specification")
        if m not in RECOMMENDED:
            fail(f"{k}: {m} is not one of AWS's recommended DynamoDB alarms")
        stat, period, points, evals, fixed = RECOMMENDED[m]
        got = (p["Statistic"], p["Period"], p["DatapointsToAlarm"], p["EvaluationPeriods"])
        if got != (stat, period, points, evals):
            fail(f"{k}: {m} has (statistic, period, datapoints, evaluation periods) {got}; AWS "
                 f"recommends {(stat, period, points, evals)}")
        if fixed is not None and p["Threshold"] != fixed:
            fail(f"{k}: threshold {p['Threshold']}, AWS recommends {fixed}")
        if fixed is None and not (isinstance(p["Threshold"], dict) and "Ref" in p["Threshold"]):
            fail(f"{k}: a threshold that depends on the workload must be a parameter")
        if (p["ComparisonOperator"], p["TreatMissingData"]) != ("GreaterThanThreshold",
                                                                "notBreaching"):
            fail(f"{k}: comparison {p['ComparisonOperator']}, missing data {p['TreatMissingData']}")
        if p["AlarmActions"] != [{"Ref": "AlarmTopicArn"}]:
            fail(f"{k}: does not notify the AlarmTopicArn parameter")
        dims = {d["Name"]: d["Value"] for d in p.get("Dimensions", [])}
        table = dims.get("TableName", {}).get("Ref") if dims else None
        key = (m, table, dims.get("GlobalSecondaryIndexName"), dims.get("Operation"))
        if key in seen:
            fail(f"{k}: the same alarm as {seen[key]}")
        seen[key] = k
    def need(*key):
        if key not in seen:
            fail(f"no alarm {key}")
    need("UserErrors", None, None, None)
    for t in model["tables"]:
        lid = logical[t["table_config"]["table_name"]]
        for m in ("ReadThrottleEvents", "WriteThrottleEvents", "SystemErrors"):
            need(m, lid, None, None)
        for g in t.get("gsi_list", []):
            need("ReadThrottleEvents", lid, g["name"], None)
            need("WriteThrottleEvents", lid, g["name"], None)
    for (table, _), actions in policy_actions.items():
        for a in actions:
            op = "TransactWriteItems" if a == "ConditionCheckItem" else a
            need("SuccessfulRequestLatency", logical[table], None, op)
    acct = {m for (m, *_rest) in seen if m.startswith("Account")}
    if provisioned != bool(acct):
        fail(f"account capacity alarms {sorted(acct)} with provisioned={provisioned}")
    return len(alarms)


ARN = re.compile(r"arn:\$\{AWS::Partition\}:dynamodb:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                 r"table/([A-Za-z0-9_.-]+)(?:/index/([A-Za-z0-9_.-]+))?")


def check_policy(tpl, ops, model, counter_table):
    pols = tpl.of_type("AWS::IAM::ManagedPolicy")
    if len(pols) != 1:
        fail(f"{len(pols)} managed policies; want 1")
    doc = next(iter(pols.values()))["Properties"]["PolicyDocument"]
    if doc.get("Version") != "2012-10-17":
        fail("policy Version is not 2012-10-17")
    got = {}
    for s in doc["Statement"]:
        if s["Effect"] != "Allow" or set(s) != {"Sid", "Effect", "Action", "Resource"}:
            fail(f"statement {s.get('Sid')}: {sorted(s)}")
        for a in s["Action"]:
            if not a.startswith("dynamodb:") or a[9:] not in ops:
                fail(f"statement {s['Sid']}: {a} is not a DynamoDB operation of the API model")
        for res in s["Resource"]:
            m = ARN.fullmatch(res.get("Fn::Sub", "")) if isinstance(res, dict) else None
            if not m:
                fail(f"statement {s['Sid']}: resource {res} is not one table or index ARN")
            key = (m.group(1), m.group(2))
            got.setdefault(key, set()).update(a[9:] for a in s["Action"])
    want = expected_grants(model, counter_table)
    if got != want:
        extra = {k: sorted(v - want.get(k, set())) for k, v in got.items()
                 if v - want.get(k, set())}
        missing = {k: sorted(v - got.get(k, set())) for k, v in want.items()
                   if v - got.get(k, set())}
        fail(f"policy is not least privilege: more than needed {extra}; missing {missing}")
    return got


def check_dashboard(tpl, spec, tables):
    dash = tpl.of_type("AWS::CloudWatch::Dashboard")
    if len(dash) != 1:
        fail(f"{len(dash)} dashboards; want 1")
    body = next(iter(dash.values()))["Properties"]["DashboardBody"]["Fn::Sub"]
    doc = json.loads(body.replace("${AWS::Region}", "us-east-1"))
    seen = set()
    for w in doc["widgets"]:
        for line in w["properties"]["metrics"]:
            ns, metric, dim, table = line[:4]
            if ns != "AWS/DynamoDB" or metric not in spec.ddb_metrics or dim != "TableName":
                fail(f"dashboard: {line}")
            if table not in tables:
                fail(f"dashboard: table {table} is not in the template")
            seen.add(table)
    if seen != set(tables):
        fail(f"dashboard shows {sorted(seen)}, not every table {sorted(tables)}")


def check_capacity(tpl, model, logical):
    for t in model["tables"]:
        name = t["table_config"]["table_name"]
        p = tpl.res[logical[name]]["Properties"]
        reads, writes, gsi_reads = 0.0, 0.0, {g["name"]: 0.0 for g in t.get("gsi_list", [])}
        for e in entities_of(t):
            for ap in e.get("access_patterns", []):
                rps = ext(ap)["rps"]
                op, idx = ap["operation"], ap.get("index_name")
                if op in ("Query", "Scan") and idx:
                    gsi_reads[idx] += rps * read_units(ap, True)
                elif op in ("GetItem", "BatchGetItem", "Query", "Scan"):
                    reads += rps * read_units(ap, False)
                else:
                    writes += rps
        want = {"ReadCapacityUnits": cap(reads), "WriteCapacityUnits": cap(writes)}
        if p["ProvisionedThroughput"] != want:
            fail(f"{name}: ProvisionedThroughput {p['ProvisionedThroughput']}, want {want}")
        for g in p.get("GlobalSecondaryIndexes", []):
            w = {"ReadCapacityUnits": cap(gsi_reads[g["IndexName"]]),
                 "WriteCapacityUnits": cap(writes)}
            if g["ProvisionedThroughput"] != w:
                fail(f"{name} index {g['IndexName']}: {g['ProvisionedThroughput']}, want {w}")
        targets = [r["Properties"]
                   for r in tpl.of_type("AWS::ApplicationAutoScaling::ScalableTarget").values()]
        for rid, units in [(f"table/{name}", p["ProvisionedThroughput"])] + [
                (f"table/{name}/index/{g['IndexName']}", g["ProvisionedThroughput"])
                for g in p.get("GlobalSecondaryIndexes", [])]:
            for what in ("Read", "Write"):
                kind = "index" if "/index/" in rid else "table"
                hits = [tp for tp in targets if tp["ResourceId"]["Fn::Sub"] == rid and
                        tp["ScalableDimension"] == f"dynamodb:{kind}:{what}CapacityUnits"]
                if len(hits) != 1:
                    fail(f"{rid}: {len(hits)} {what} scalable targets")
                u = units[f"{what}CapacityUnits"]
                if not hits[0]["MinCapacity"] <= u <= hits[0]["MaxCapacity"]:
                    fail(f"{rid} {what}: {u} outside [{hits[0]['MinCapacity']}, "
                         f"{hits[0]['MaxCapacity']}]")
    pols = tpl.of_type("AWS::ApplicationAutoScaling::ScalingPolicy")
    if len(pols) != len(tpl.of_type("AWS::ApplicationAutoScaling::ScalableTarget")):
        fail("not one scaling policy per scalable target")


def check_on_local(tpl, ddbkit, model_path):
    """Creates the template's tables on the run's DynamoDB Local from their CloudFormation
    properties (the CreateTable shapes), then `ddbkit tables create` must find each one the
    model's ("exists"): DynamoDB Local and AWS get the same tables."""
    import random
    import string
    # the test environment sets AWS_PROFILE="" to keep real settings out; botocore reads that
    # as a profile named ""
    if not os.environ.get("AWS_PROFILE"):
        os.environ.pop("AWS_PROFILE", None)
    import boto3
    state = os.environ.get("DDB_TEST_LOCAL_STATE", "")
    endpoint = open(os.path.join(state, "endpoint")).read().strip()
    env = dict(os.environ, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="AKIDTABLESTEST",
               AWS_SECRET_ACCESS_KEY="tables-test-secret", AWS_EC2_METADATA_DISABLED="true",
               AWS_ENDPOINT_URL_DYNAMODB=endpoint)
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_ENDPOINT_URL", None)
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDTABLESTEST",
                       aws_secret_access_key="tables-test-secret")
    prefix = "infra" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8)) + "_"
    shapes = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes",
              "ProvisionedThroughput")
    names = []
    try:
        for r in tpl.of_type("AWS::DynamoDB::Table").values():
            p = r["Properties"]
            req = {k: p[k] for k in shapes if k in p}
            req["TableName"] = prefix + p["TableName"]
            ddb.create_table(**req)
            names.append(req["TableName"])
            ddb.get_waiter("table_exists").wait(TableName=req["TableName"])
            ttl = p.get("TimeToLiveSpecification")
            if ttl:
                ddb.update_time_to_live(TableName=req["TableName"], TimeToLiveSpecification={
                    "AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]})
        out = subprocess.run([ddbkit, "tables", "create", model_path, "--prefix", prefix],
                             capture_output=True, text=True, env=env)
        lines = out.stdout.split("\n")[:-1]
        if out.returncode != 0 or len(lines) != len(names) or \
                not all(line.startswith("exists ") for line in lines):
            fail(f"ddbkit tables create over the template's tables: exit {out.returncode}\n"
                 f"{out.stdout}{out.stderr}")
    finally:
        for n in names:
            ddb.delete_table(TableName=n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ddbkit")
    ap.add_argument("model")
    ap.add_argument("work")
    ap.add_argument("--billing", default="on-demand")
    ap.add_argument("--api", default="")
    ap.add_argument("--local", action="store_true",
                    help="also create the tables on the run's DynamoDB Local (fixture)")
    a = ap.parse_args()
    ci = os.environ.get("CI") == "true"

    spec_path = find_spec()
    if not spec_path:
        msg = ("the CloudFormation specification (npm @aws-cdk/aws-service-spec) is not installed; "
               "run scripts/bootstrap")
        if ci:
            print(f"FAIL: {msg}", file=sys.stderr)
            return 1
        print(f"SKIPPED (not checked!): {msg}", file=sys.stderr)
        return SKIP
    ops = api_operations(a.api)
    if ops is None:
        msg = "no DynamoDB API model: neither ../shared/api nor python3-botocore"
        print(("FAIL: " if ci else "SKIPPED (not checked!): ") + msg, file=sys.stderr)
        return 1 if ci else SKIP
    spec = Spec(spec_path)
    model = json.load(open(a.model))
    provisioned = a.billing == "provisioned"

    gen = os.path.join(a.work, "gen")
    run([a.ddbkit, "generate", "--quiet", a.model, "-o", gen])
    ns = next(f[:-2] for f in sorted(os.listdir(gen))
              if f.endswith(".c") and os.path.exists(os.path.join(gen, f[:-2] + ".h"))
              and "create_table_json" in open(os.path.join(gen, f)).read())
    creates = create_table_jsons(open(os.path.join(gen, ns + ".c")).read())

    docs = {}
    for fmt in ("json", "yaml"):
        out = os.path.join(a.work, fmt)
        run([a.ddbkit, "infra", a.model, "-o", out, "--format", fmt, "--billing", a.billing])
        path = os.path.join(out, f"{ns}.template.{fmt}")
        text = open(path).read()
        if fmt == "json":
            docs[fmt] = json.loads(text)
        else:
            import yaml
            docs[fmt] = yaml.safe_load(text)
        docs[fmt + "_size"] = len(text.encode())
    if docs["json"] != docs["yaml"]:
        fail("the YAML template is not the JSON one")

    tpl = Template(docs["json"], spec)
    tpl.check()
    uses_counter = any(id_strategy(e) in ("counter", "source")
                       for t in model["tables"] for e in entities_of(t))
    counter = (ext(model).get("counter_table") or ns + "_counters") if uses_counter else None
    logical = check_tables(tpl, model, creates, counter, provisioned)
    grants = check_policy(tpl, ops, model, counter)
    n_alarms = check_alarms(tpl, spec, model, logical, provisioned, grants)
    check_dashboard(tpl, spec, set(logical))
    if provisioned:
        check_capacity(tpl, model, logical)
    if a.local:
        check_on_local(tpl, a.ddbkit, a.model)
    print(f"{os.path.basename(a.model)}: {len(tpl.res)} resources ({len(logical)} tables, "
          f"{n_alarms} alarms, {sum(len(v) for v in grants.values())} grants on {len(grants)} "
          f"tables and indexes); JSON {docs['json_size']} bytes, YAML {docs['yaml_size']} bytes")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
