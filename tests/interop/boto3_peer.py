#!/usr/bin/python3
"""The boto3 side of tests/interop/test_interop.c.

Run with Debian's interpreter (/usr/bin/python3, which has python3-boto3):

    boto3_peer.py --endpoint URL --table NAME verify   check the items ddbkit wrote
    boto3_peer.py --endpoint URL --table NAME write    write the items ddbkit then reads
    boto3_peer.py --endpoint URL --table NAME verify-nul / write-nul
                                                       the same for strings holding U+0000

The expected values here are written independently of the C test, as plain Python values (numbers
as Decimal, binary as bytes, sets as set). `verify` reads through boto3.resource, whose
TypeDeserializer turns the wire form into those Python types, and compares: numbers by value
(Decimal equality), everything else by type and value. It then reads the raw wire form through
the low-level client and checks the number strings DynamoDB sends back, which are normalized.

Output: one line per difference, "MISMATCH <item>.<path>: ...", then a summary line.
Exit status: 0 all equal, 1 a difference, 2 the peer could not run (usage, import, connection).

Nothing from the machine's AWS configuration is used: config and credentials files point at an
empty file and the credentials, region and endpoint are passed explicitly. DynamoDB Local keeps
one database per access key id and region, so the access key must be the one ddbkit's test
client uses (AKIDLOCALTEST, see tests/support/harness.c) or the peer would see other tables.
"""

import argparse
import os
import sys
from decimal import Decimal

# Before boto3 is imported: the machine's AWS settings must not leak in.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

ACCESS_KEY_ID = "AKIDLOCALTEST"
SECRET_ACCESS_KEY = "local-test-secret"
REGION = "us-east-1"

ALL_BYTES = bytes(range(256))
ALL_BYTES_REVERSED = bytes(range(255, -1, -1))

# 130 zeros after the point would be unreadable inline.
TINY_PLAIN = "0." + "0" * 129 + "1"
MAX_PLAIN = "9" * 38 + "0" * 88

# ---- what ddbkit writes (must match tests/interop/test_interop.c, written separately) ---------

DDBKIT_ITEMS = {
    "ddbkit#types": {
        "pk": "ddbkit#types",
        "s": 'h\u00e9llo w\u00f6rld \u2713 \U0001f389 "q" \\ \n\t\x01 /',
        "s_empty": "",
        "n": Decimal("42"),
        "b": ALL_BYTES,
        "b_empty": b"",
        "bool_true": True,
        "bool_false": False,
        "null": None,
        "m": {"a": "x", "n": Decimal("1")},
        "l": ["x", Decimal("2"), True, None],
        "ss": {"a", "b", "\u00fc"},
        "ns": {Decimal("1"), Decimal("2.5"), Decimal("-3")},
        "bs": {b"\x00", b"\xff\xfe", b"abc", ALL_BYTES},
    },
    "ddbkit#nested": {
        "pk": "ddbkit#nested",
        "profile": {
            "name": "Ada",
            "tags": {"x", "y"},
            "address": {
                "lines": ["1 Main St", "Apt 2"],
                "geo": {"lat": Decimal("51.5074"), "lon": Decimal("-0.1278")},
            },
        },
        "matrix": [
            [Decimal("1"), Decimal("2")],
            [Decimal("3"), ["deep", {"k": [True, None, b"\x00\xff"]}]],
        ],
        "list_of_maps": [
            {"id": Decimal("1"), "ok": True},
            {"id": Decimal("2"), "ok": False, "ns": {Decimal("1"), Decimal("2")}},
        ],
        "empty_m": {},
        "empty_l": [],
        "level1": {"level2": {"level3": {"level4": {"level5": "bottom"}}}},
    },
    "ddbkit#numbers": {
        "pk": "ddbkit#numbers",
        "zero": Decimal("0"),
        "neg_zero": Decimal("-0.0"),  # Decimal('-0.0') == Decimal('0')
        "tiny": Decimal("1E-130"),
        "neg_tiny": Decimal("-1E-130"),
        "digits38": Decimal("12345678901234567890123456789012345678"),
        "max": Decimal("9.9999999999999999999999999999999999999E+125"),
        "neg_max": Decimal("-9.9999999999999999999999999999999999999E+125"),
        "trailing": Decimal("1.500"),
        "hundred": Decimal("100"),
        "neg": Decimal("-42"),
        "neg_frac": Decimal("-0.000001"),
        "exp": Decimal("1.5E+3"),
        "i64_max": Decimal("9223372036854775807"),
        "i64_min": Decimal("-9223372036854775808"),
        "u64_max": Decimal("18446744073709551615"),
        "ns_forms": {Decimal("1.5"), Decimal("100"), Decimal("-7")},
    },
}

# The number strings on the wire after DynamoDB stored them: (attribute, as ddbkit sent it, as
# DynamoDB returns it). DynamoDB normalizes: no sign on zero, no trailing fraction zeros, no
# exponent (always plain notation, however long). Integers keep their zeros ("100").
DDBKIT_NUMBER_FORMS = [
    ("zero", "0", "0"),
    ("neg_zero", "-0.0", "0"),
    ("tiny", "1e-130", TINY_PLAIN),
    ("neg_tiny", "-1E-130", "-" + TINY_PLAIN),
    ("digits38", "12345678901234567890123456789012345678",
     "12345678901234567890123456789012345678"),
    ("max", "9.9999999999999999999999999999999999999E+125", MAX_PLAIN),
    ("neg_max", "-9.9999999999999999999999999999999999999E+125", "-" + MAX_PLAIN),
    ("trailing", "1.500", "1.5"),
    ("hundred", "100", "100"),
    ("neg", "-42", "-42"),
    ("neg_frac", "-0.000001", "-0.000001"),
    ("exp", "1.5E+3", "1500"),
]
# A number set comes back normalized too (and in no promised order).
DDBKIT_NS_FORMS = ("ns_forms", ["1.500", "1E+2", "-7"], {"1.5", "100", "-7"})

# ---- what boto3 writes (test_interop.c holds its own copy, built in C) -------------------------

BOTO3_ITEMS = {
    "boto3#types": {
        "pk": "boto3#types",
        "s": 'boto3 \u00fcn\u00efc\u00f6d\u00e9 \u2713 \U0001f40d "q" \\ \n\t\x7f /',
        "s_empty": "",
        "n": Decimal("3.14159"),
        "n_int": 7,  # a Python int is serialized as N too
        "b": ALL_BYTES_REVERSED,
        "b_empty": b"",
        "bool_true": True,
        "bool_false": False,
        "null": None,
        "m": {"k": "v", "n": Decimal("-1")},
        "l": ["a", Decimal("1"), False, None, b"\x01"],
        "ss": {"x", "y", "\u00fc"},
        "ns": {Decimal("1E-130"), Decimal("-2.5"), Decimal("100")},
        "bs": {b"\x00\x01", b"\xff", ALL_BYTES},
    },
    "boto3#nested": {
        "pk": "boto3#nested",
        "order": {
            "id": "o-1",
            "lines": [
                {"sku": "A", "qty": Decimal("2"), "price": Decimal("9.99")},
                {"sku": "B", "qty": Decimal("1"), "price": Decimal("0.5"),
                 "attrs": {"colours": {"red", "blue"}, "sizes": {Decimal("38"), Decimal("40")}}},
            ],
            "shipping": {"address": {"city": "Z\u00fcrich", "zip": "8001"}, "express": True},
        },
        "grid": [[[Decimal("1")], []], [{}], [None, [b"\x7f", "x"]]],
        "a": {"b": {"c": {"d": {"e": {"f": Decimal("6")}}}}},
    },
    "boto3#numbers": {
        "pk": "boto3#numbers",
        "tiny": Decimal("1E-130"),
        "neg_tiny": Decimal("-1E-130"),
        "neg_zero": Decimal("-0"),
        "zero_frac": Decimal("0.000"),
        "digits38": Decimal("12345678901234567890123456789012345678"),
        "max": Decimal("9.9999999999999999999999999999999999999E+125"),
        "neg_max": Decimal("-9.9999999999999999999999999999999999999E+125"),
        "trailing": Decimal("1.500"),
        "hundred": Decimal("1E+2"),
        "neg": Decimal("-42.0"),
        "frac": Decimal("0.1"),
        "big_int": 12345678901234567890,
    },
}

NUL_ITEMS = {
    "ddbkit#nul": {"pk": "ddbkit#nul", "s": "a\x00b"},
    "boto3#nul": {"pk": "boto3#nul", "s": "c\x00d"},
}


class Peer:
    def __init__(self, endpoint, table):
        import boto3  # imported here so that a missing boto3 is reported as exit status 2

        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID,
                                        aws_secret_access_key=SECRET_ACCESS_KEY,
                                        region_name=REGION)
        self.resource = session.resource("dynamodb", endpoint_url=endpoint)
        # Not resource.meta.client: that one has the resource's (de)serialization hooked in.
        self.client = session.client("dynamodb", endpoint_url=endpoint)
        self.table = self.resource.Table(table)
        self.table_name = table
        self.failures = 0

    def fail(self, where, text):
        self.failures += 1
        print(f"MISMATCH {where}: {text}")

    # -- comparison ----------------------------------------------------------------------------

    def compare(self, path, got, want):
        from boto3.dynamodb.types import Binary

        if isinstance(got, Binary):
            got = got.value
        if isinstance(want, dict):
            if not isinstance(got, dict):
                return self.fail(path, f"got {type_of(got)} {short(got)}, expected a map (M)")
            for name in want:
                if name not in got:
                    self.fail(f"{path}.{name}", f"missing; expected {short(want[name])}")
                else:
                    self.compare(f"{path}.{name}", got[name], want[name])
            for name in got:
                if name not in want:
                    self.fail(f"{path}.{name}", f"unexpected attribute {short(got[name])}")
        elif isinstance(want, list):
            if not isinstance(got, list):
                return self.fail(path, f"got {type_of(got)} {short(got)}, expected a list (L)")
            if len(got) != len(want):
                return self.fail(path, f"list of {len(got)} elements, expected {len(want)}: "
                                 f"got {short(got)}, expected {short(want)}")
            for i, (g, w) in enumerate(zip(got, want)):
                self.compare(f"{path}[{i}]", g, w)
        elif isinstance(want, (set, frozenset)):
            if not isinstance(got, (set, frozenset)):
                return self.fail(path, f"got {type_of(got)} {short(got)}, expected a set")
            got_n = {m.value if isinstance(m, Binary) else m for m in got}
            kinds = {type_of(m) for m in got_n} | {type_of(m) for m in want}
            if len(kinds) > 1:
                return self.fail(path, f"set member types {sorted(kinds)} differ")
            missing, extra = want - got_n, got_n - want
            if missing or extra:
                self.fail(path, f"set differs: missing {short(missing)}, unexpected {short(extra)}")
        elif isinstance(want, bool) or want is None or isinstance(want, str):
            # bool before numbers: True == Decimal(1) in Python, so compare the types first.
            if type(got) is not type(want) or got != want:
                self.fail(path, f"got {type_of(got)} {short(got)}, expected {type_of(want)} "
                          f"{short(want)}")
        elif isinstance(want, (Decimal, int)):
            # Numbers by value: Decimal("1.500") == Decimal("1.5").
            if not isinstance(got, Decimal) or got != Decimal(want):
                self.fail(path, f"got {type_of(got)} {short(got)}, expected number {want}")
        elif isinstance(want, bytes):
            if not isinstance(got, bytes):
                return self.fail(path, f"got {type_of(got)} {short(got)}, expected binary (B)")
            if got != want:
                at = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                          min(len(got), len(want)))
                self.fail(path, f"binary of {len(got)} bytes, expected {len(want)}; first "
                          f"difference at byte {at}")
        else:
            raise TypeError(f"{path}: no comparison for expected value of type {type(want)}")

    def read_typed(self, key):
        """The item as Python values, through boto3.resource (its TypeDeserializer turns N into
        Decimal, B into Binary, sets into set)."""
        import decimal

        try:
            return self.table.get_item(Key={"pk": key}, ConsistentRead=True).get("Item")
        except decimal.Rounded:
            pass
        # boto3's TypeDeserializer raises decimal.Rounded for a valid number whose plain form
        # has more than 38 digits, counting trailing zeros (boto/boto3#2500, #4693). DynamoDB
        # returns 9.99...9E+125 as 38 nines and 88 zeros, so boto3.resource cannot read such an
        # item at all. Read it raw and deserialize N with Decimal(value), which is the fix
        # proposed upstream (boto/boto3#4699); every other type goes through boto3 unchanged.
        from boto3.dynamodb.types import TypeDeserializer

        class Deserializer(TypeDeserializer):
            def _deserialize_n(self, value):
                return Decimal(value)

        print(f"note: {key}: boto3.resource cannot deserialize this item (decimal.Rounded, "
              f"boto/boto3#2500); comparing through TypeDeserializer with N as Decimal(value)")
        raw = self.read_raw(key)
        if raw is None:
            return None
        d = Deserializer()
        return {name: d.deserialize(value) for name, value in raw.items()}

    def read_raw(self, key):
        resp = self.client.get_item(TableName=self.table_name, Key={"pk": {"S": key}},
                                    ConsistentRead=True)
        return resp.get("Item")

    def verify_items(self, items):
        for key, want in items.items():
            got = self.read_typed(key)
            if got is None:
                self.fail(key, "item not found")
                continue
            self.compare(key, got, want)

    # -- commands ------------------------------------------------------------------------------

    def verify(self):
        self.verify_items(DDBKIT_ITEMS)
        raw = self.read_raw("ddbkit#numbers") or {}
        for name, sent, normalized in DDBKIT_NUMBER_FORMS:
            wire = raw.get(name, {}).get("N")
            if wire != normalized:
                self.fail(f"ddbkit#numbers.{name}", f"wire form {wire!r}, expected the "
                          f"normalized {normalized!r} (ddbkit sent {sent!r})")
            elif wire != sent:
                print(f"note: ddbkit#numbers.{name}: sent {sent}, DynamoDB returned {wire}")
        name, sent_set, normalized_set = DDBKIT_NS_FORMS
        wire_set = set(raw.get(name, {}).get("NS", []))
        if wire_set != normalized_set:
            self.fail(f"ddbkit#numbers.{name}", f"wire form {sorted(wire_set)}, expected the "
                      f"normalized {sorted(normalized_set)} (ddbkit sent {sent_set})")
        else:
            print(f"note: ddbkit#numbers.{name}: sent {sent_set}, DynamoDB returned "
                  f"{sorted(wire_set)}")

    def write_items(self, items):
        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        for key, item in items.items():
            wire = {name: serializer.serialize(value) for name, value in item.items()}
            self.client.put_item(TableName=self.table_name, Item=wire)

    def write(self):
        self.write_items(BOTO3_ITEMS)

    def verify_nul(self):
        self.verify_items({"ddbkit#nul": NUL_ITEMS["ddbkit#nul"]})

    def write_nul(self):
        self.write_items({"boto3#nul": NUL_ITEMS["boto3#nul"]})


def type_of(v):
    from boto3.dynamodb.types import Binary

    if isinstance(v, bool):
        return "BOOL"
    if v is None:
        return "NULL"
    if isinstance(v, (Decimal, int)):
        return "N"
    if isinstance(v, str):
        return "S"
    if isinstance(v, (bytes, Binary)):
        return "B"
    if isinstance(v, dict):
        return "M"
    if isinstance(v, list):
        return "L"
    if isinstance(v, (set, frozenset)):
        return "set"
    return type(v).__name__


def short(v, limit=120):
    text = repr(sorted(v, key=repr) if isinstance(v, (set, frozenset)) else v)
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("command", choices=["verify", "write", "verify-nul", "write-nul"])
    args = parser.parse_args()
    try:
        peer = Peer(args.endpoint, args.table)
        getattr(peer, args.command.replace("-", "_"))()
    except Exception as e:  # the peer itself failed: not a comparison result
        print(f"boto3_peer: {args.command} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    if peer.failures:
        print(f"boto3_peer: {args.command}: {peer.failures} difference(s)")
        return 1
    print(f"boto3_peer: {args.command}: all equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
