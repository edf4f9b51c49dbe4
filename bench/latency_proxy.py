#!/usr/bin/python3
"""A loopback proxy that holds each request for D ms before forwarding it to DynamoDB Local.

    /usr/bin/python3 -I bench/latency_proxy.py --upstream http://127.0.0.1:PORT --delay-ms D

It stands in for the network between a client and a DynamoDB region, so that the batch-load
benchmark can compare clients where waiting dominates, as it does against the real service. Both
ddbkit and boto3 are measured through it. Prints its endpoint ("http://127.0.0.1:PORT") on
stdout, then serves until SIGTERM or SIGINT.

HTTP/1.1 with keep-alive: each client connection gets its own upstream connection, and requests
on different connections wait in parallel. Only what DynamoDB's JSON protocol uses is supported:
bodies with Content-Length (no chunked encoding).
"""

import argparse
import asyncio
import signal
import sys
from urllib.parse import urlsplit


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


async def read_message(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    return head + await reader.readexactly(content_length(head))


async def serve(reader, writer, upstream, delay):
    up_reader = up_writer = None
    try:
        up_reader, up_writer = await asyncio.open_connection(*upstream)
        while True:
            request = await read_message(reader)
            await asyncio.sleep(delay)
            up_writer.write(request)
            await up_writer.drain()
            writer.write(await read_message(up_reader))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # either side closed the connection
    finally:
        for w in (writer, up_writer):
            if w is not None:
                w.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args()
    url = urlsplit(args.upstream)
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        print("latency_proxy: the upstream must be http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    upstream, delay = (url.hostname, url.port), args.delay_ms / 1000.0

    server = await asyncio.start_server(lambda r, w: serve(r, w, upstream, delay), "127.0.0.1", 0)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
