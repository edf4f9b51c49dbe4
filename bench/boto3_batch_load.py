#!/usr/bin/python3
"""boto3 in the batch-load benchmark: N items into a fresh table with Table.batch_writer().

    /usr/bin/python3 -I bench/boto3_batch_load.py --endpoint URL [-n 100000] [--item-bytes 200]
                                                   [--table NAME]

The same items as bench_batch_load (item i: pk "item#%08d", n i, payload sized so that the item is
--item-bytes by DynamoDB's size formula), built before the clock starts. batch_writer() sends
BatchWriteItem calls of 25 items one at a time and resends UnprocessedItems. Afterwards the table
is counted (Scan, Select=COUNT), which must give exactly N, and deleted.

Output: "result client=boto3 writer=batch_writer op=BatchLoad n=... in_flight=1 item_bytes=...
wall_s=... items_per_s=... cpu_s=..." (CPU: time.process_time() over the load).
"""

import argparse
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

ACCESS_KEY_ID = "AKIDBENCH"
SECRET_ACCESS_KEY = "bench-secret"


def number_bytes(v):
    """DynamoDB's size of a number: (significant digits + 1) // 2 + 1 bytes."""
    return (len(str(v)) + 1) // 2 + 1


def make_item(i, item_bytes):
    pk = "item#%08d" % i
    fixed = 2 + len(pk) + 1 + number_bytes(i) + 7  # "pk", "n", "payload"
    return {"pk": pk, "n": i, "payload": "x" * max(1, item_bytes - fixed)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("-n", type=int, default=100000)
    parser.add_argument("--item-bytes", type=int, default=200)
    parser.add_argument("--table", default="boto3_batch_load")
    args = parser.parse_args()

    import boto3

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID,
                                    aws_secret_access_key=SECRET_ACCESS_KEY,
                                    region_name="us-east-1")
    client = session.client("dynamodb", endpoint_url=args.endpoint)
    resource = session.resource("dynamodb", endpoint_url=args.endpoint)
    try:  # left over from an interrupted run
        client.delete_table(TableName=args.table)
        client.get_waiter("table_not_exists").wait(TableName=args.table)
    except client.exceptions.ResourceNotFoundException:
        pass
    client.create_table(TableName=args.table, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    client.get_waiter("table_exists").wait(TableName=args.table)
    table = resource.Table(args.table)

    items = [make_item(i, args.item_bytes) for i in range(args.n)]
    w0, c0 = time.perf_counter(), time.process_time()
    with table.batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0

    counted = 0
    for page in client.get_paginator("scan").paginate(TableName=args.table, Select="COUNT"):
        counted += page["Count"]
    if counted != args.n:
        print(f"boto3_batch_load: the table holds {counted} items, expected {args.n}",
              file=sys.stderr)
        return 1
    print(f"result client=boto3 writer=batch_writer op=BatchLoad n={args.n} in_flight=1 "
          f"item_bytes={args.item_bytes} wall_s={wall:.3f} items_per_s={args.n / wall:.1f} "
          f"cpu_s={cpu:.3f}", flush=True)
    client.delete_table(TableName=args.table)
    client.get_waiter("table_not_exists").wait(TableName=args.table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
