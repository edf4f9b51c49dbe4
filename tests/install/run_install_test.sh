#!/usr/bin/env bash
# make install from a clean copy of the source tree into an empty prefix, then two out-of-tree
# consumers against it: one built with pkg-config (ddbkit-dal, which requires ddbkit), one with
# find_package(ddbkit), which also generates a model's layer with ddbkit_generate(). All must
# build with -Werror and run.
#
#   run_install_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work/clone" "$work/prefix"
work=$(cd "$work" && pwd)
prefix=$work/prefix

# A clean copy: what git tracks, or would track (new files not yet committed), and no build.
(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$src" && xargs -0 -I{} sh -c 'test -f "$1" && printf "%s\0" "$1"' _ {}) |
    tar -C "$src" --null -T - -cf - | tar -C "$work/clone" -xf -

echo "install: make install PREFIX=$prefix from a clean copy"
make -C "$work/clone" install PREFIX="$prefix" BUILD="$work/clone/build" >"$work/install.log" 2>&1 ||
    { tail -n 40 "$work/install.log"; echo "install: make install failed" >&2; exit 1; }
for f in bin/ddbkit include/ddb/ddb.h include/ddb/dal.h include/ddb/testkit/conformance.h \
    lib/pkgconfig/ddbkit.pc lib/pkgconfig/ddbkit-dal.pc lib/pkgconfig/ddbkit-testkit.pc \
    lib/cmake/ddbkit/ddbkitConfig.cmake lib/libddbkit.so lib/libddbkit-dal.so lib/libddbkit-testkit.so; do
    [ -e "$prefix/$f" ] || { echo "install: $f is missing from the prefix" >&2; exit 1; }
done
# Nothing of the tests: no test programs, no DynamoDB Local fetched.
if find "$work/clone" -name 'unit_test_*' -o -name 'integration_test_*' | grep -q .; then
    echo "install: make install built tests" >&2
    exit 1
fi
[ ! -e "$work/clone/.cache/dynamodb-local" ] || { echo "install: make install fetched DynamoDB Local" >&2; exit 1; }
# libddbkit-sql is built when a driver's development package is there.
if pkg-config --exists sqlite3 || pkg-config --exists libmariadb; then
    for f in lib/libddbkit-sql.so lib/pkgconfig/ddbkit-sql.pc include/ddb/sql/sqldb.h; do
        [ -e "$prefix/$f" ] || { echo "install: $f is missing from the prefix" >&2; exit 1; }
    done
fi
"$prefix/bin/ddbkit" --version

consumer=$(dirname "${BASH_SOURCE[0]}")/consumer
export LD_LIBRARY_PATH=$prefix/lib
echo "install: consumer with pkg-config"
flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs ddbkit-dal)
cc -std=c11 -Wall -Wextra -pedantic -Werror "$consumer/consumer.c" -o "$work/consumer-pc" $flags
"$work/consumer-pc" | grep -q '"TableName":"users"' || { echo "install: pkg-config consumer failed" >&2; exit 1; }

echo "install: consumer with find_package(ddbkit) and ddbkit_generate()"
# A copy of the consumer, so that the model can change below.
cp -r "$consumer" "$work/consumer-src"
cmake -S "$work/consumer-src" -B "$work/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer-cmake" >"$work/consumer-build.log" 2>&1 ||
    { cat "$work/consumer-build.log"; echo "install: CMake consumer did not build" >&2; exit 1; }
"$work/consumer-cmake/consumer" | grep -q '"TableName":"users"' ||
    { echo "install: CMake consumer failed" >&2; exit 1; }
# ddbkit_generate() ran the installed ddbkit on notes.json at build time.
notes_h=$work/consumer-cmake/ddbkit/notes/notes.h
[ -f "$notes_h" ] || { echo "install: ddbkit_generate wrote no $notes_h" >&2; exit 1; }
out=$("$work/consumer-cmake/notes_consumer") || { echo "install: notes_consumer failed" >&2; exit 1; }
if ! grep -q '"TableName":"notes"' <<<"$out" || ! grep -q '"n1"' <<<"$out"; then
    echo "install: notes_consumer printed: $out" >&2
    exit 1
fi
# ddbkit_generate(... SQL): the relational implementation, over SQLite.
out=$("$work/consumer-cmake/notes_sql_consumer") ||
    { echo "install: notes_sql_consumer failed" >&2; exit 1; }
[ "$out" = "hello from SQL" ] || { echo "install: notes_sql_consumer printed: $out" >&2; exit 1; }
# A change of the model generates again on the next build, and only then.
grep -q 'A note by ID' "$notes_h" || { echo "install: notes.h lacks the model's description" >&2; exit 1; }
sed -i 's/"A note by ID"/"A note, by its ID"/' "$work/consumer-src/notes.json"
cmake --build "$work/consumer-cmake" >"$work/consumer-build.log" 2>&1 ||
    { cat "$work/consumer-build.log"; echo "install: CMake consumer did not rebuild" >&2; exit 1; }
grep -q 'A note, by its ID' "$notes_h" ||
    { echo "install: a model change did not regenerate notes.h" >&2; exit 1; }
echo "install: both consumers built and ran against $prefix"
rm -rf "$work"
