#!/usr/bin/python3
"""A SigV4-checking HTTP proxy in front of DynamoDB Local.

DynamoDB Local checks only the shape of the Authorization header, so without this a client that
signs wrongly passes every integration test. The proxy recomputes each request's signature with
botocore's signer (an implementation independent of ddbkit's) and refuses a request whose
signature does not match, the way DynamoDB does: HTTP 403 and InvalidSignatureException. It
also appends every refusal to a log; scripts/dynamodb-local stop fails when that log is not
empty, so a test that tolerates errors cannot hide one.

A verified request is forwarded without its X-Amz-Security-Token (DynamoDB Local refuses header
blocks near 8 KB, and a long session token is exactly what should be verified), and the answer
is relayed. Keep-alive and concurrent connections are served, one thread per connection.

Keys: --keys FILE, lines "ACCESS_KEY_ID SECRET [expect-mismatch]". An access key may be listed
with several secrets (tests reuse ids); a signature matching any of them is accepted. A key
marked expect-mismatch belongs to a test that sends bad signatures on purpose: its refusals go
to sigv4-expected.log instead of the failure log.

Nothing secret is written anywhere: logs carry the access key id, the operation, the reason and
the canonical request with the token's value replaced by its length.

Run by scripts/dynamodb-local start --verify-sigv4 KEYS; it writes proxy-endpoint in the state
dir once it listens.
"""

import argparse
import datetime
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

MAX_SKEW_SECONDS = 15 * 60  # DynamoDB's limit, after which it answers "Signature expired"
BODY_CAP = 64 * 1024 * 1024  # DynamoDB's requests are at most 16 MB; refuse anything absurd
# Headers SigV4 requires to be signed for DynamoDB; x-amz-* headers are checked separately.
REQUIRED_SIGNED = ("host", "x-amz-date", "content-type", "x-amz-target")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "te", "upgrade",
              "proxy-connection"}
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 +Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request, *"
    r"SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})$")


class Refusal(Exception):
    def __init__(self, aws_type, reason, detail=""):
        super().__init__(reason)
        self.aws_type = aws_type
        self.reason = reason
        self.detail = detail
        self.akid = "-"  # not known yet when the Authorization header itself is refused
        self.expect = False


class Keys:
    """access key id -> ([secrets], expect_mismatch, session token or None)

    A line is "ACCESS_KEY_ID SECRET [expect-mismatch] [session-token=TOKEN]". A key listed with
    a session token is temporary, as STS issues them: a request signed with it must carry
    exactly that token, as real DynamoDB requires."""

    def __init__(self, path):
        self.keys = {}
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                flags = parts[2:]
                bad = [f for f in flags
                       if f != "expect-mismatch" and not f.startswith("session-token=")]
                if len(parts) < 2 or bad:
                    sys.exit(f"sigv4_verify_proxy: {path}:{n}: expected 'ACCESS_KEY_ID SECRET "
                             "[expect-mismatch] [session-token=TOKEN]'")
                secrets, expect, token = self.keys.setdefault(parts[0], ([], False, None))
                secrets.append(parts[1])
                for f in flags:
                    if f.startswith("session-token="):
                        token = f[len("session-token="):]
                self.keys[parts[0]] = (secrets, expect or "expect-mismatch" in flags, token)

    def get(self, akid):
        return self.keys.get(akid)


def canonical_for_log(canonical, token):
    if token:
        canonical = canonical.replace(token, f"<session token, {len(token)} characters>")
    return canonical


def expected_signature(method, raw_target, headers, signed, body, akid, secret, token, date,
                       region, service):
    """botocore's canonical request and signature for what was received."""
    request = AWSRequest(method=method, url="http://" + headers_first(headers, "host") + raw_target,
                         data=body)
    h = HTTPHeaders()
    for name in signed:  # only the headers the client said it signed, each value as received
        for value in headers_all(headers, name):
            h[name] = value
    request.headers = h
    request.context["timestamp"] = date
    auth = SigV4Auth(Credentials(akid, secret, token), service, region)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    return canonical, signature


def headers_all(headers, name):
    return [v for k, v in headers if k.lower() == name]


def headers_first(headers, name):
    values = headers_all(headers, name)
    return values[0] if values else ""


def verify(keys, method, raw_target, headers, body):
    """Returns (akid, expect_mismatch) or raises Refusal."""
    auth_values = headers_all(headers, "authorization")
    if len(auth_values) != 1:
        raise Refusal("MissingAuthenticationTokenException",
                      f"{len(auth_values)} Authorization headers, expected 1")
    m = AUTH_RE.match(auth_values[0].strip())
    if not m:
        raise Refusal("IncompleteSignatureException",
                      "Authorization is not 'AWS4-HMAC-SHA256 Credential=.../aws4_request, "
                      "SignedHeaders=..., Signature=<64 hex>'")
    akid, scope_date, region, service, signed_list, signature = m.groups()
    entry = keys.get(akid)
    if entry is None:
        raise Refusal("UnrecognizedClientException",
                      f"access key {akid} is not in the proxy's key file (add it to "
                      "tests/support/sigv4_test_keys)")
    secrets, expect, required_token = entry
    try:
        if service != "dynamodb":
            raise Refusal("InvalidSignatureException",
                          f"credential scope service '{service}', expected 'dynamodb'")
        signed = signed_list.split(";")
        if signed != sorted(set(signed)) or any(s != s.lower() for s in signed):
            raise Refusal("InvalidSignatureException",
                          f"SignedHeaders '{signed_list}' is not sorted, unique and lowercase")
        sent = {k.lower() for k, _ in headers}
        for name in REQUIRED_SIGNED:
            if name not in signed:
                raise Refusal("InvalidSignatureException", f"header {name} is not signed")
        for name in sorted(sent):
            if name.startswith("x-amz-") and name not in signed:
                raise Refusal("InvalidSignatureException",
                              f"header {name} is sent but not signed")
        for name in signed:
            if name not in sent:
                raise Refusal("InvalidSignatureException",
                              f"signed header {name} was not sent")
        dates = headers_all(headers, "x-amz-date")
        if len(dates) != 1 or not re.fullmatch(r"\d{8}T\d{6}Z", dates[0].strip()):
            raise Refusal("IncompleteSignatureException", "X-Amz-Date is missing or malformed")
        date = dates[0].strip()
        if date[:8] != scope_date:
            raise Refusal("InvalidSignatureException",
                          f"credential scope date {scope_date} is not X-Amz-Date's {date[:8]}")
        when = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        if abs(time.time() - when) > MAX_SKEW_SECONDS:
            raise Refusal("InvalidSignatureException",
                          f"Signature expired: X-Amz-Date {date} is more than 15 minutes "
                          "from the proxy's clock")
        tokens = headers_all(headers, "x-amz-security-token")
        if len(tokens) > 1:
            raise Refusal("InvalidSignatureException", f"{len(tokens)} X-Amz-Security-Token headers")
        token = tokens[0] if tokens else None
        if required_token is not None and token != required_token:
            raise Refusal("UnrecognizedClientException",
                          f"access key {akid} is temporary: the request must carry its session "
                          "token, " + ("which is missing" if token is None else
                                       f"not another one ({len(token)} characters)"))
        canonical = None
        for secret in secrets:
            canonical, expected = expected_signature(method, raw_target, headers, signed, body,
                                                     akid, secret, token, date, region, service)
            if expected == signature:
                return akid, expect
        raise Refusal("InvalidSignatureException",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method.",
                      "botocore's canonical request (first known secret):\n" +
                      canonical_for_log(canonical, token))
    except Refusal as r:
        r.akid, r.expect = akid, expect
        raise


class Upstream:
    """A small pool of keep-alive connections to DynamoDB Local."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.idle = []
        self.lock = threading.Lock()

    def request(self, method, target, headers, body):
        for attempt in (0, 1):
            conn, reused = None, False
            with self.lock:
                if self.idle and attempt == 0:
                    conn, reused = self.idle.pop(), True
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            try:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                conn.close()
                # A pooled connection the server closed while idle: try once on a fresh one.
                if reused:
                    continue
                raise
            if resp.will_close:
                conn.close()
            else:
                with self.lock:
                    self.idle.append(conn)
            return resp.status, resp.reason, resp.getheaders(), data
        raise ConnectionError("unreachable")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server_version = "sigv4-verify-proxy"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet: the suite's output is the tests'
        pass

    def _send(self, status, reason, headers, body):
        self.send_response(status, reason)
        for k, v in headers:
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        srv = self.server
        headers = list(self.headers.items())
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return self._send(411, "Length Required", [], b"")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > BODY_CAP:
            self.close_connection = True
            return self._send(413, "Payload Too Large", [], b"")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            self.close_connection = True
            return
        operation = headers_first(headers, "x-amz-target") or "?"
        try:
            verify(srv.keys, self.command, self.path, headers, body)
        except Refusal as r:
            srv.record(r, operation, self.command, self.path)
            payload = json.dumps({"__type": "com.amazon.coral.service#" + r.aws_type,
                                  "message": r.reason}).encode()
            return self._send(400 if r.aws_type == "IncompleteSignatureException" else 403,
                              None, [("Content-Type", "application/x-amz-json-1.0"),
                                     ("x-amzn-RequestId", "sigv4-verify-proxy")], payload)
        forward = [(k, v) for k, v in headers
                   if k.lower() not in HOP_BY_HOP and k.lower() != "x-amz-security-token"]
        try:
            status, reason, rheaders, data = srv.upstream.request(
                self.command, self.path, forward, body)
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            self.close_connection = True
            srv.note(f"upstream error for {operation}: {e}")
            return self._send(502, "Bad Gateway", [], b"")
        self._send(status, reason, rheaders, data)

    do_POST = do_GET = do_PUT = do_DELETE = _handle


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, args):
        super().__init__(("127.0.0.1", args.port), Handler)
        self.keys = Keys(args.keys)
        up = re.fullmatch(r"http://(127\.0\.0\.1|localhost):(\d+)/?", args.upstream)
        if not up:
            sys.exit(f"sigv4_verify_proxy: --upstream {args.upstream} is not "
                     "http://127.0.0.1:<port>; the proxy only works on loopback")
        self.upstream = Upstream(up.group(1), int(up.group(2)))
        self.state = args.state_dir
        self.log_lock = threading.Lock()
        self.failures = os.path.join(self.state, "sigv4-mismatches.log")
        self.expected = os.path.join(self.state, "sigv4-expected.log")
        self.notes = os.path.join(self.state, "sigv4-proxy.log")
        for path in (self.failures, self.expected, self.notes):
            open(path, "w").close()

    def _append(self, path, text):
        with self.log_lock, open(path, "a", encoding="utf-8") as f:
            f.write(text)

    def record(self, refusal, operation, method, target):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        text = (f"{stamp} {refusal.aws_type} {method} {target} {operation} "
                f"key={refusal.akid}: {refusal.reason}\n")
        if refusal.detail:
            text += "".join("    " + line + "\n" for line in refusal.detail.split("\n"))
        self._append(self.expected if refusal.expect else self.failures, text)

    def note(self, text):
        self._append(self.notes, text + "\n")


def watch_upstream(pid):
    """Exit when DynamoDB Local does, so an interrupted run leaves no proxy behind."""
    while True:
        time.sleep(2)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--upstream", required=True, help="DynamoDB Local, http://127.0.0.1:PORT")
    p.add_argument("--keys", required=True, help="file of 'ACCESS_KEY_ID SECRET' lines")
    p.add_argument("--state-dir", required=True, help="where logs and proxy-endpoint go")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--upstream-pid", type=int, default=0, help="exit when this process exits")
    args = p.parse_args()
    server = Server(args)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if args.upstream_pid:
        threading.Thread(target=watch_upstream, args=(args.upstream_pid,), daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    tmp = os.path.join(args.state_dir, "proxy-endpoint.tmp")
    with open(tmp, "w") as f:
        f.write(endpoint + "\n")
    os.replace(tmp, os.path.join(args.state_dir, "proxy-endpoint"))
    server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    main()
