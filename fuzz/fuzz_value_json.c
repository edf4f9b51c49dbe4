/*
 * Fuzz target: ddb_value_from_json and ddb_item_from_json, the wire-JSON parsers every item in a
 * response goes through.
 *
 * The input is parsed both as one AttributeValue ({"S":"x"}) and as an item ({"a":{"S":"x"}}).
 * Whatever parses must write back out, parse again to an equal value, and copy to an equal value;
 * whatever fails must leave *out untouched and say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/core/value.h"
#include "fuzz.h"

typedef int (*from_json_fn)(ddb_value **out, const char *json, size_t len, ddb_error *err);
typedef int (*to_json_fn)(char **out, const ddb_value *v, ddb_error *err);

static void round_trip(const char *json, size_t len, from_json_fn from, to_json_fn to)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *sentinel = (ddb_value *)&err, *v = sentinel, *back = NULL, *copy = NULL;
    char *text = NULL;
    int rc = from(&v, json, len, &err);

    if (rc != 0) {
        fuzz_check_error(&err, rc);
        FUZZ_CHECK(v == sentinel);
        ddb_error_clear(&err);
        return;
    }
    FUZZ_CHECK(v != sentinel && v != NULL);
    FUZZ_CHECK(ddb_value_equal(v, v));

    rc = to(&text, v, &err);
    FUZZ_CHECK(rc == 0 || rc == DDB_ERR_NOMEM);
    if (rc == 0) {
        rc = from(&back, text, strlen(text), &err);
        FUZZ_CHECK(rc == 0 || rc == DDB_ERR_NOMEM);
        if (rc == 0)
            FUZZ_CHECK(ddb_value_equal(v, back));
    }
    rc = ddb_value_copy(&copy, v, &err);
    FUZZ_CHECK(rc == 0 || rc == DDB_ERR_NOMEM);
    if (rc == 0)
        FUZZ_CHECK(ddb_value_equal(v, copy) && ddb_value_equal(copy, v));

    free(text);
    ddb_value_free(back);
    ddb_value_free(copy);
    ddb_value_free(v);
    ddb_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly `size` bytes, no NUL after them: the parsers take a length. */
    char *json = fuzz_copy(data, size, 0);
    if (!json)
        return 0;
    round_trip(json, size, ddb_value_from_json, ddb_value_to_json);
    round_trip(json, size, ddb_item_from_json, ddb_item_to_json);
    free(json);
    return 0;
}
