/*
 * The capacity-unit rules of src/gen/cost/units.c: AWS's worked examples, and the item size
 * against the runtime's ddb_item_size on the same items (the generator may not include the
 * runtime; this test links both).
 */
#include <jansson.h>
#include <math.h>

#include "../test.h"
#include "cost/units.h"
#include "ddb/api/limits.h"
#include "ddb/core/value.h"

#define KB 1024

static void check_units(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-9) {
        fprintf(stderr, "%s: %g units, expected %g\n", what, got, want);
        test_failures++;
    }
}

/* AWS's read examples (Developer Guide, "DynamoDB read and write operations"; the pricing
 * pages): an 8 KB item takes 2 units strongly consistent, 1 eventually consistent, 4 in a
 * transaction; 3,500 bytes round up to 4 KB; 10 KB to 12 KB. */
TEST(read_examples)
{
    check_units(ddbgen_units_read(8 * KB, DDBGEN_READ_STRONG), 2, "8 KB strong");
    check_units(ddbgen_units_read(8 * KB, DDBGEN_READ_EVENTUAL), 1, "8 KB eventual");
    check_units(ddbgen_units_read(8 * KB, DDBGEN_READ_TRANSACTIONAL), 4, "8 KB transactional");
    check_units(ddbgen_units_read(3500, DDBGEN_READ_STRONG), 1, "3,500 bytes strong");
    check_units(ddbgen_units_read(3500, DDBGEN_READ_EVENTUAL), 0.5, "3,500 bytes eventual");
    check_units(ddbgen_units_read(3500, DDBGEN_READ_TRANSACTIONAL), 2, "3,500 bytes tx");
    check_units(ddbgen_units_read(10 * KB, DDBGEN_READ_STRONG), 3, "10 KB strong");
    check_units(ddbgen_units_read(4 * KB, DDBGEN_READ_STRONG), 1, "4 KB exactly");
    check_units(ddbgen_units_read(4 * KB + 1, DDBGEN_READ_STRONG), 2, "4 KB + 1 byte");
    /* BatchGetItem rounds each item: 1.5 KB + 6.5 KB reads as 4 KB + 8 KB = 3 units */
    check_units(ddbgen_units_read(1536, DDBGEN_READ_STRONG) +
                    ddbgen_units_read(6656, DDBGEN_READ_STRONG),
                3, "batch of 1.5 KB and 6.5 KB");
    /* a read that finds nothing still takes the minimum */
    check_units(ddbgen_units_read(0, DDBGEN_READ_EVENTUAL), 0.5, "missing item");
}

/* AWS's write examples: 1 KB 1 unit, 3 KB 3 units, 3 KB in a transaction 6; 3.5 KB rounds to 4
 * KB: 4 units, 8 in a transaction; 500 bytes 1. */
TEST(write_examples)
{
    check_units(ddbgen_units_write(1 * KB, false), 1, "1 KB");
    check_units(ddbgen_units_write(3 * KB, false), 3, "3 KB");
    check_units(ddbgen_units_write(3 * KB, true), 6, "3 KB transactional");
    check_units(ddbgen_units_write(3584, false), 4, "3.5 KB");
    check_units(ddbgen_units_write(3584, true), 8, "3.5 KB transactional");
    check_units(ddbgen_units_write(500, false), 1, "500 bytes");
    check_units(ddbgen_units_write(1 * KB + 1, false), 2, "1 KB + 1 byte");
}

TEST(capacity_and_storage)
{
    CHECK_INT(ddbgen_units_capacity(0), 1);
    CHECK_INT(ddbgen_units_capacity(7), 10);
    CHECK_INT(ddbgen_units_capacity(7.1), 11);
    CHECK_INT(ddbgen_units_capacity(70), 100);
    CHECK_INT(ddbgen_units_storage_bytes(412), 512);
}

/* The examples of limits.h: "1", "10", "100", "0.1", "1e100" 2 bytes; "123", "1.5" and "-1" 3;
 * "12345" 4; 38 nines 20; zero 1. */
TEST(number_size)
{
    static const struct {
        const char *n;
        size_t size;
    } cases[] = {
        {"1", 2},     {"10", 2},
        {"100", 2},   {"0.1", 2},
        {"1e100", 2}, {"123", 3},
        {"1.5", 3},   {"-1", 3},
        {"12345", 4}, {"99999999999999999999999999999999999999", 20},
        {"0", 1},     {"-0.0", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = ddbgen_units_number_size(cases[i].n, strlen(cases[i].n));
        if (got != cases[i].size) {
            fprintf(stderr, "number %s: %zu bytes, expected %zu\n", cases[i].n, got, cases[i].size);
            test_failures++;
        }
    }
}

/* A plain JSON value as the wire's AttributeValue JSON. */
static json_t *wire(const json_t *v)
{
    json_t *out, *m;
    const char *key;
    size_t i;
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_pack("{s:O}", "S", v);
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_pack("{s:s}", "N", num);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        return json_pack("{s:s}", "N", num);
    case JSON_TRUE:
    case JSON_FALSE:
        return json_pack("{s:b}", "BOOL", json_is_true(v));
    case JSON_NULL:
        return json_pack("{s:b}", "NULL", 1);
    case JSON_ARRAY:
        out = json_array();
        json_array_foreach(v, i, m)
            json_array_append_new(out, wire(m));
        return json_pack("{s:o}", "L", out);
    case JSON_OBJECT:
        out = json_object();
        json_object_foreach((json_t *)v, key, m)
            json_object_set_new(out, key, wire(m));
        return json_pack("{s:o}", "M", out);
    }
    return NULL;
}

/* The same items sized by both: the generator's rules must agree with the runtime's. */
TEST(item_size_agrees_with_runtime)
{
    static const char *const items[] = {
        "{\"pk\": \"USER#1\", \"sk\": \"PROFILE\", \"user_id\": 1, \"_version\": 1}",
        "{\"name\": \"caf\\u00e9 \\u2603\", \"price\": 12.5, \"n\": -12345, \"ok\": true}",
        "{\"tags\": [\"a\", \"bb\", 3, null], \"doc\": {\"x\": {\"y\": [1, 2.25]}, \"z\": false}}",
        "{\"big\": 123456789012345, \"small\": 0.001, \"zero\": 0, \"e\": \"\"}",
        "{\"list\": [], \"map\": {}}",
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        json_t *item = json_loads(items[i], 0, NULL), *w = NULL;
        ddb_value *v = NULL;
        char *text = NULL;
        size_t size = 0;
        REQUIRE(item);
        w = wire(item);
        text = json_dumps(json_object_get(w, "M"), JSON_COMPACT);
        REQUIRE(text);
        REQUIRE(ddb_item_from_json(&v, text, strlen(text), NULL) == 0);
        REQUIRE(ddb_item_size(&size, v, NULL) == 0);
        if (size != ddbgen_units_item_size(item)) {
            fprintf(stderr, "item %zu: runtime %zu bytes, generator %zu\n", i, size,
                    ddbgen_units_item_size(item));
            test_failures++;
        }
        ddb_value_free(v);
        free(text);
        json_decref(w);
        json_decref(item);
    }
}

TEST_MAIN(CASE(read_examples), CASE(write_examples), CASE(capacity_and_storage), CASE(number_size),
          CASE(item_size_agrees_with_runtime))
