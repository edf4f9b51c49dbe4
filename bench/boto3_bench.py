#!/usr/bin/python3
"""boto3 in the benchmark: serial GetItem and PutItem with a low-level client.

    /usr/bin/python3 -I bench/boto3_bench.py --endpoint URL --dir DIR [-n N] [--warmup W]

It sends what ddbkit sent (DIR/GetItem.request.json and DIR/PutItem.request.json, saved by
ddbkit_bench --setup-only), turned into boto3 parameters: the wire JSON with B and BS values
decoded from base64, since botocore takes bytes and encodes them itself.

Output per operation: "result client=boto3 op=GetItem n=... wall_s=... ops_per_s=...
cpu_us_per_op=...", the CPU time being time.process_time() (user+sys of this process) over the
measured loop.
"""

import argparse
import base64
import json
import os
import sys
import time

# The machine's AWS settings must not change what is measured.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

# DynamoDB Local keeps a database per access key id: the one ddbkit_bench used.
ACCESS_KEY_ID = "AKIDBENCH"
SECRET_ACCESS_KEY = "bench-secret"


def to_params(value):
    """Wire JSON to botocore parameters: binary as bytes, recursively."""
    if isinstance(value, dict):
        if len(value) == 1:
            (kind, inner), = value.items()
            if kind == "B":
                return {"B": base64.b64decode(inner)}
            if kind == "BS":
                return {"BS": [base64.b64decode(m) for m in inner]}
        return {k: to_params(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_params(v) for v in value]
    return value


def measure(op, call, params, n, warmup):
    for _ in range(warmup):
        call(**params)
    t0, w0, c0 = os.times(), time.perf_counter(), time.process_time()
    for _ in range(n):
        call(**params)
    wall, cpu, t1 = time.perf_counter() - w0, time.process_time() - c0, os.times()
    user, system = t1.user - t0.user, t1.system - t0.system  # the split, at 10 ms resolution
    print(f"result client=boto3 op={op} n={n} wall_s={wall:.4f} ops_per_s={n / wall:.1f} "
          f"cpu_us_per_op={cpu * 1e6 / n:.2f} user_us_per_op={user * 1e6 / n:.2f} "
          f"sys_us_per_op={system * 1e6 / n:.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()

    import boto3

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID,
                                    aws_secret_access_key=SECRET_ACCESS_KEY,
                                    region_name="us-east-1")
    client = session.client("dynamodb", endpoint_url=args.endpoint)
    with open(os.path.join(args.dir, "GetItem.request.json")) as f:
        get = to_params(json.load(f))
    with open(os.path.join(args.dir, "PutItem.request.json")) as f:
        put = to_params(json.load(f))
    if "Item" not in client.get_item(**get):
        print("boto3_bench: GetItem found no item; run ddbkit_bench --setup-only first",
              file=sys.stderr)
        return 1
    measure("GetItem", client.get_item, get, args.n, args.warmup)
    measure("PutItem", client.put_item, put, args.n, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
