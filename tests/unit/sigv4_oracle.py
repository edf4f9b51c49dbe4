#!/usr/bin/python3
"""ddbkit's SigV4 signer against botocore's, request by request.

    sigv4_oracle.py --oracle build/tests/sigv4_oracle --batch N [--cases 100]

Generates --cases requests from a seed fixed by the batch number (odd header whitespace, mixed
case and duplicate names, empty values, query strings with reserved and non-ASCII characters
written raw or percent-encoded, non-ASCII bodies, short and long session tokens, several dates,
regions and services), has the C program sign them with ddbkit, and recomputes the canonical
request, string to sign and Authorization with botocore.auth.SigV4Auth. Any difference fails.

This needs nothing outside the repository but Debian's python3-botocore, so a bare clone has an
independent check of the signer even without the official vectors in ../shared/testdata/sigv4.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

# Characters Python's str.split() treats as whitespace but SigV4 (and ddbkit) do not are left out
# of header values: the two would disagree by design, not by bug.
WORDS = ["alpha", "Beta", "x", "42", "a=b", "k:v", "semi;colon", "comma,sep", "q\"uote",
         "caf\u00e9", "\u65e5\u672c", "\U0001d11e", "stra\u00dfe", "/path?x=1", "+plus", "%41"]
SPACES = [" ", "  ", "\t", " \t ", "   "]
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$&*+^`|~"
# Query text: reserved, unreserved and non-ASCII characters, written raw or encoded.
QUERY_CHARS = (list("abcXYZ019-_.~") + list("!$'()*+,;:@/?[] ") +
               ["\u00e9", "\u00fc", "\u65e5", "\U0001f600", "&", "=", "%", "#"])
BODY_PIECES = ["{", "}", "\"k\":", "\"\u00e9t\u00e9\"", "\u65e5\u672c\u8a9e", "\U0001f600",
               "\\u0000", " ", "\n", "12345", "[1,2]", "\u0000"]
REGIONS = ["us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1", "us-gov-west-1",
           "me-central-1"]
SERVICES = ["dynamodb", "dynamodb", "dynamodb", "sts", "iam"]
TIMES = [0, 951782400, 1440938160, 1582934399, 1703980800, 2147483647, 2147483648, 4102444799,
         253402300799]  # 1970, leap day 2000, the vector suite's, 2020 leap, 2023-12-31,
#                         32-bit limit and one past, 2099-12-31, 9999-12-31


def header_value(rng):
    kind = rng.random()
    if kind < 0.12:
        return ""
    if kind < 0.2:
        return rng.choice(SPACES)
    parts = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
    text = rng.choice(["", " ", "  ", "\t"])
    for i, p in enumerate(parts):
        if i:
            text += rng.choice(SPACES + [" \r\n "])  # obs-fold: a line break, then whitespace
        text += p
    return text + rng.choice(["", " ", "\t ", "   "])


def header_name(rng):
    while True:
        name = "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 12)))
        if name.lower() not in ("authorization", "x-amz-date", "x-amz-security-token", "host",
                                "expect", "user-agent", "x-amzn-trace-id"):
            return name


def mixed_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def encode_char(rng, ch):
    """A query character as a client might write it: raw when that is unambiguous, else %XX."""
    must = ch in "&=%# " or ord(ch) < 0x21
    if not must and rng.random() < 0.6:
        return ch
    hexdigits = "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
    return hexdigits.lower() if rng.random() < 0.3 else hexdigits


def query(rng):
    """(raw query for ddbkit, decoded (key, value) pairs for botocore)."""
    if rng.random() < 0.25:
        return "", []
    pairs, raw = [], []
    for _ in range(rng.randint(1, 6)):
        key = "".join(rng.choice(QUERY_CHARS) for _ in range(rng.randint(1, 6)))
        value = "".join(rng.choice(QUERY_CHARS) for _ in range(rng.randint(0, 8)))
        if pairs and rng.random() < 0.15:
            key = pairs[-1][0]  # a repeated parameter, sorted by value
        pairs.append((key, value))
        ek = "".join(encode_char(rng, c) for c in key)
        ev = "".join(encode_char(rng, c) for c in value)
        raw.append(ek if (value == "" and rng.random() < 0.5) else f"{ek}={ev}")
    return "&".join(raw), pairs


def path(rng):
    if rng.random() < 0.5:
        return "/"
    segs = []
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.1:
            segs.append(".")
        elif r < 0.2:
            segs.append("..")
        elif r < 0.3:
            segs.append("")  # a repeated slash
        else:
            segs.append("".join(rng.choice(list("abcXYZ09-_.~") + ["%20", "%2F", "\u00e9", "@",
                                                                   ":", "$", "+"])
                                for _ in range(rng.randint(1, 6))))
    return "/" + "/".join(segs) + ("/" if rng.random() < 0.3 else "")


def token(rng):
    r = rng.random()
    if r < 0.4:
        return None
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    n = rng.choice([16, 356, 600, 1200, 8000]) if r < 0.95 else 64000
    return "".join(rng.choice(alphabet) for _ in range(n - 2)) + "=="


def make_case(rng, i):
    host = rng.choice(["dynamodb.us-east-1.amazonaws.com", "127.0.0.1:8000", "localhost:12345",
                       "Example.COM", "[::1]:8000"])
    headers = [[rng.choice(["host", "Host", "HOST"]), host]]
    names = [header_name(rng) for _ in range(rng.randint(0, 6))]
    for name in names:
        headers.append([name, header_value(rng)])
        if rng.random() < 0.3:  # the same name again, in another case
            headers.append([mixed_case(rng, name), header_value(rng)])
    if rng.random() < 0.7:
        headers.append(["Content-Type", "application/x-amz-json-1.0"])
        headers.append(["X-Amz-Target", "DynamoDB_20120810." +
                        rng.choice(["PutItem", "Query", "ListTables"])])
    rng.shuffle(headers)
    raw_query, pairs = query(rng)
    body = "".join(rng.choice(BODY_PIECES) for _ in range(rng.randint(0, 40))).encode("utf-8")
    secret = "".join(rng.choice(NAME_CHARS + "/+=") for _ in range(rng.choice([1, 40, 100])))
    akid = "AKID" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                            for _ in range(rng.randint(0, 16)))
    when = rng.choice(TIMES) if rng.random() < 0.5 else rng.randint(0, 4102444799)
    return {
        "id": i,
        "method": rng.choice(["POST", "POST", "GET", "PUT", "DELETE"]),
        "path": path(rng),
        "query": raw_query,
        "query_pairs": pairs,
        "headers": headers,
        "body_hex": body.hex(),
        "access_key_id": akid,
        "secret_access_key": secret,
        "session_token": token(rng),
        "region": rng.choice(REGIONS),
        "service": rng.choice(SERVICES),
        "time": when,
    }


def botocore_sign(case):
    amz_date = datetime.datetime.fromtimestamp(case["time"], datetime.timezone.utc).strftime(
        "%Y%m%dT%H%M%SZ")
    host = next(v for n, v in case["headers"] if n.lower() == "host")
    request = AWSRequest(method=case["method"], url="http://placeholder" + case["path"],
                         data=bytes.fromhex(case["body_hex"]),
                         params=[tuple(p) for p in case["query_pairs"]])
    h = HTTPHeaders()
    for name, value in case["headers"]:
        h[name] = value if name.lower() != "host" else host
    h["X-Amz-Date"] = amz_date
    if case["session_token"]:
        h["X-Amz-Security-Token"] = case["session_token"]
    request.headers = h
    request.context["timestamp"] = amz_date
    auth = SigV4Auth(Credentials(case["access_key_id"], case["secret_access_key"],
                                 case["session_token"]), case["service"], case["region"])
    canonical = auth.canonical_request(request)
    sts = auth.string_to_sign(request, canonical)
    signature = auth.signature(sts, request)
    scope = auth.credential_scope(request)
    authorization = (f"AWS4-HMAC-SHA256 Credential={case['access_key_id']}/{scope}, "
                     f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(request))}, "
                     f"Signature={signature}")
    return {"canonical_request": canonical, "string_to_sign": sts, "authorization": authorization}


def shorten(text, limit=600):
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--oracle", required=True, help="the sigv4_oracle program")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--cases", type=int, default=100)
    args = p.parse_args()

    rng = random.Random(f"ddbkit-sigv4-oracle-{args.batch}")
    cases = [make_case(rng, i) for i in range(args.cases)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump([{k: v for k, v in c.items() if k != "query_pairs"} for c in cases], f)
        cases_path = f.name
    try:
        run = subprocess.run([args.oracle, cases_path], capture_output=True, check=False)
    finally:
        os.unlink(cases_path)
    if run.returncode != 0:
        sys.stderr.write(run.stderr.decode("utf-8", "replace"))
        print(f"sigv4_oracle: {args.oracle} exited {run.returncode}")
        return 1
    got = {}
    for line in run.stdout.decode("utf-8").splitlines():
        r = json.loads(line)
        got[r["id"]] = r

    failures = 0
    with_token = sum(1 for c in cases if c["session_token"])
    for case in cases:
        mine = got.get(case["id"])
        want = botocore_sign(case)
        problems = []
        if mine is None:
            problems.append("no result from ddbkit")
        elif "error" in mine:
            problems.append(f"ddbkit refused the request: {mine['error']}")
        else:
            for field in ("canonical_request", "string_to_sign", "authorization"):
                if mine[field] != want[field]:
                    problems.append(f"{field} differs\n--- botocore:\n{shorten(want[field])}\n"
                                    f"--- ddbkit:\n{shorten(mine[field])}")
        if problems:
            failures += 1
            if failures <= 5:
                shown = {k: (shorten(v, 80) if isinstance(v, str) else v)
                         for k, v in case.items() if k not in ("secret_access_key",)}
                print(f"case {case['id']} of batch {args.batch}: {json.dumps(shown)}")
                for pr in problems:
                    print("  " + pr.replace("\n", "\n  "))
    print(f"batch {args.batch}: {len(cases) - failures}/{len(cases)} requests signed as botocore "
          f"signs them ({with_token} with a session token)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
