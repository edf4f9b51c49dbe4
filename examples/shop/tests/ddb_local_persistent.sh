#!/usr/bin/env bash
# A private DynamoDB Local that keeps its tables on disk, for the migration test that stops
# DynamoDB in the middle of phase 2 and brings it back.
#
#   ddb_local_persistent.sh start --state-dir DIR [--port PORT]   start; wait until ListTables answers
#   ddb_local_persistent.sh stop  --state-dir DIR                  stop the instance recorded in DIR
#
# Why not scripts/dynamodb-local: it runs -inMemory, so a restarted instance comes back empty and
# the test could only show that a backfill copies everything again. An outage of the real service
# loses no data, so this instance runs with -dbPath DIR/db, and a restart with --port PORT comes
# back on the same endpoint (the client under test keeps the one it was created with) with every
# table it had.
#
# DIR records `port`, `pid` and `endpoint`, like scripts/dynamodb-local. `stop` only signals the
# process recorded there after checking that its command line carries DIR as a marker, so the
# shared CTest fixture's instance is never touched.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cache="${DDB_CACHE_DIR:-$root/.cache}"
emu="$cache/dynamodb-local"

cmd=${1:-}
shift || true
state=
want_port=
while [ $# -gt 0 ]; do
    case "$1" in
    --state-dir) state=$2; shift 2 ;;
    --port) want_port=$2; shift 2 ;;
    *) echo "ddb_local_persistent: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
die() { echo "ddb_local_persistent: $*" >&2; exit 1; }
[ -n "$state" ] || die "--state-dir is required (never share an instance)"
mkdir -p "$state"
state=$(cd "$state" && pwd)

ours() {
    local pid=$1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Dddbkit.persistent=$state "
}

answers() {
    local code
    code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$1/" \
        -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
        -d '{}' 2>/dev/null || true)
    [ "$code" = 200 ]
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    command -v java >/dev/null || die "java not found; run scripts/bootstrap"
    [ -f "$emu/DynamoDBLocal.jar" ] || die "DynamoDB Local is not installed in $emu; run scripts/bootstrap"
    if [ -f "$state/pid" ] && ours "$(cat "$state/pid")"; then
        die "already running at $(cat "$state/endpoint")"
    fi
    mkdir -p "$state/db"
    # A fresh port may be taken between choosing and binding: try a few. A requested port (a
    # restart) was ours a moment ago; retry it while the old socket is released.
    for attempt in 1 2 3 4 5; do
        port=${want_port:-$(free_port)}
        (cd "$state" && exec java "-Dddbkit.persistent=$state" \
            -Djava.library.path="$emu/DynamoDBLocal_lib" -jar "$emu/DynamoDBLocal.jar" \
            -dbPath "$state/db" -sharedDb -port "$port" -disableTelemetry \
            >>"$state/log" 2>&1 </dev/null) &
        pid=$!
        for _ in $(seq 1 300); do
            if answers "$port"; then
                echo "$port" >"$state/port"
                echo "$pid" >"$state/pid"
                echo "http://127.0.0.1:$port" >"$state/endpoint"
                echo "ddb_local_persistent: started at http://127.0.0.1:$port (pid $pid)" >&2
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        echo "ddb_local_persistent: attempt $attempt on port $port failed" >&2
        sleep 0.5
    done
    tail -n 30 "$state/log" >&2 || true
    die "could not start DynamoDB Local in $state"
}

stop() {
    [ -f "$state/pid" ] || { echo "ddb_local_persistent: not running in $state" >&2; return 0; }
    pid=$(cat "$state/pid")
    if ours "$pid"; then
        kill "$pid"
        for _ in $(seq 1 50); do
            ours "$pid" || break
            sleep 0.1
        done
        if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
        echo "ddb_local_persistent: stopped pid $pid" >&2
    else
        echo "ddb_local_persistent: pid $pid is not the instance of $state; leaving it alone" >&2
    fi
    rm -f "$state/pid" "$state/endpoint"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop --state-dir DIR [--port PORT]" >&2; exit 2 ;;
esac
