#!/usr/bin/env bash
# The shop command end to end on a fresh SQLite file: outputs and exit statuses.
#   cli_test.sh <path to shop>
set -u
shop=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export SHOP_BACKEND=sqlite SHOP_SQLITE_PATH="$dir/shop.db"
failures=0

# expect <exit status> <stdout regex or ""> <args...>
expect() {
    local want=$1 regex=$2
    shift 2
    local out rc
    out=$("$shop" "$@" 2>"$dir/err")
    rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: shop $*: exit $rc, expected $want; stderr: $(cat "$dir/err")"
        failures=$((failures + 1))
    elif [ -n "$regex" ] && ! grep -Eq -- "$regex" <<<"$out"; then
        echo "FAIL: shop $*: output does not match /$regex/:"
        echo "$out"
        failures=$((failures + 1))
    fi
}

expect 2 "" 
expect 0 "checkout USER_ID" help
expect 2 "" frobnicate
[ ! -e "$SHOP_SQLITE_PATH" ] || { echo "FAIL: an unknown command created the database"; failures=$((failures + 1)); }
expect 0 "^1$" register alice alice@example.com "Alice Liddell"
expect 0 "^2$" register bob bob@example.com "Bob Seller"
expect 1 "" register alice other@example.com "Alice Again"
grep -q "username" "$dir/err" || { echo "FAIL: duplicate username message: $(cat "$dir/err")"; failures=$((failures + 1)); }
expect 0 "" become-seller 2
expect 0 "^1$" add-category Books
expect 0 "^2$" add-category "Science Fiction" 1
expect 0 "^Books > Science Fiction$" path 2
expect 0 "^1$" add-product 2 2 Dune 1299 3 Paperback
expect 1 "" add-product 1 2 Nope 100 1
expect 2 "" cart-add alice 1
expect 0 "" cart-add 1 1 2
expect 0 "total	2 items	25.98" cart 1
expect 0 "pending	25.98" checkout 1
expect 0 "stock 1" browse 2
expect 0 "^1	user 1	pending" orders 1
expect 0 "2 x 12.99" order 1
expect 0 "" cancel 1 1
expect 0 "stock 3" browse 2
expect 0 "cancelled" orders-by-status cancelled
expect 1 "" cancel 1 1
expect 1 "" set-phase 3
expect 0 "^4$" shell <<<'register carol carol@example.com "Carol C"
register dave dave@example.com Dave'
[ "$failures" = 0 ] && echo "cli: all checks passed"
exit $(( failures > 0 ))
