#!/bin/sh
# Builds and runs each test program; the first failure stops the run.
set -e
cd "$(dirname "$0")"
for t in tests/test_*.c; do
    cc -std=c11 -Wall -I. -o "${t%.c}" "$t" shout.c
    "./${t%.c}"
    echo "ok - ${t%.c}"
done
