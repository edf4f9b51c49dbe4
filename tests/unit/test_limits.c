/*
 * The limit checks and the item-size formula, against sizes computed by hand. Every expected
 * size here was also measured on DynamoDB Local 1.25.1 (tests/integration/test_limits.c checks
 * the boundaries there): the largest filler string an item can still take gives the size of the
 * other attribute.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api/limits_internal.h"
#include "core/value_json.h"
#include "ddb/api/limits.h"
#include "support/items.h"
#include "test.h"

static size_t vsize(const char *json)
{
    ddb_value *v = harness_valuef("%s", json);
    size_t size = 0;
    CHECK_INT(ddb_value_size(&size, v, NULL), 0);
    /* The wire-JSON walker the request check uses must agree with the ddb_value one. */
    json_t *j = NULL;
    CHECK_INT(ddb_json__from_value(&j, v, NULL), 0);
    CHECK_INT(ddb_limits__json_value_size(j), size);
    json_decref(j);
    ddb_value_free(v);
    return size;
}

static size_t isize(const char *json)
{
    ddb_value *v = harness_itemf("%s", json);
    size_t size = 0;
    CHECK_INT(ddb_item_size(&size, v, NULL), 0);
    json_t *j = NULL;
    CHECK_INT(ddb_json__from_item(&j, v, NULL), 0);
    CHECK_INT(ddb_limits__json_item_size(j), size);
    json_decref(j);
    ddb_value_free(v);
    return size;
}

static size_t nsize(const char *num)
{
    return ddb_limits__number_size(num, strlen(num));
}

/* A string of n copies of c; caller frees. */
static char *filler(size_t n, char c)
{
    char *s = malloc(n + 1);
    if (!s)
        exit(1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* An item {"pk": S "a", "d": S <n x's>}: 2+1 + 1+n bytes. */
static ddb_value *item_with_filler(size_t n)
{
    char *f = filler(n, 'x');
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"a\"},\"d\":{\"S\":\"%s\"}}", f);
    free(f);
    return item;
}

TEST(number_sizes)
{
    /* Base-100 digit pairs aligned on the decimal point, plus the exponent byte, plus one byte
     * when negative; all measured on DynamoDB Local. */
    static const struct {
        const char *num;
        size_t size;
    } cases[] = {
        {"0", 1},
        {"-0", 1},
        {"0.0", 1},
        {"0.000e5", 1},
        {"1", 2},
        {"9", 2},
        {"10", 2},
        {"12", 2},
        {"99", 2},
        {"100", 2},
        {"1000", 2},
        {"10000", 2},
        {"123", 3},
        {"101", 3},
        {"1001", 3},
        {"1234", 3},
        {"12345", 4},
        {"10001", 4},
        {"100001", 4},
        {"123456", 4},
        {"1234567", 5},
        {"0.1", 2},
        {"0.01", 2},
        {"0.001", 2},
        {"0.0005", 2},
        {"0.5", 2},
        {"0.12", 2},
        {"0.123", 3},
        {"1.0", 2},
        {"1.00", 2},
        {"1.5", 3},
        {"-1", 3},
        {"-1.5", 4},
        {"123.456", 5},
        {"1e10", 2},
        {"1E100", 2},
        {"12e100", 2},
        {"1.2345e-100", 4},
        {"5e-130", 2},
        {"+7", 2},
        {"100000000000", 2},
        {"10000000000000000000000000000000000000", 2},
        {"99999999999999999999999999999999999999", 20},
        {"-99999999999999999999999999999999999999", 21},
        {"0.00000000000000000000000000000000000001", 2},
        {"9.9999999999999999999999999999999999999E+125", 20},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        size_t got = nsize(cases[i].num);
        if (got != cases[i].size)
            fprintf(stderr, "number %s: size %zu, expected %zu\n", cases[i].num, got,
                    cases[i].size);
        CHECK_INT(got, cases[i].size);
    }
    /* The common reading ceil(digits / 2) + 1 is wrong for these: alignment and sign count. */
    CHECK_INT(nsize("1.5"), 3);
    CHECK_INT(nsize("-1"), 3);
    /* Not a number: counted as its text (the service rejects it anyway). */
    CHECK_INT(nsize("abc"), 4);
    CHECK_INT(nsize("1e"), 3);
}

TEST(scalar_sizes)
{
    CHECK_INT(vsize("{\"S\":\"\"}"), 0);
    CHECK_INT(vsize("{\"S\":\"abc\"}"), 3);
    CHECK_INT(vsize("{\"S\":\"h\\u00e9llo\"}"), 6);    /* é is 2 bytes */
    CHECK_INT(vsize("{\"S\":\"\\u20ac\"}"), 3);        /* € is 3 */
    CHECK_INT(vsize("{\"S\":\"\\ud83d\\ude00\"}"), 4); /* an emoji is 4 */
    CHECK_INT(vsize("{\"B\":\"\"}"), 0);
    CHECK_INT(vsize("{\"B\":\"eA==\"}"), 1); /* raw bytes, not base64 */
    CHECK_INT(vsize("{\"B\":\"eHk=\"}"), 2);
    CHECK_INT(vsize("{\"B\":\"eHl6\"}"), 3);
    CHECK_INT(vsize("{\"N\":\"123\"}"), 3);
    CHECK_INT(vsize("{\"BOOL\":true}"), 1);
    CHECK_INT(vsize("{\"BOOL\":false}"), 1);
    CHECK_INT(vsize("{\"NULL\":true}"), 1);
}

TEST(container_and_set_sizes)
{
    CHECK_INT(vsize("{\"L\":[]}"), 3);
    CHECK_INT(vsize("{\"M\":{}}"), 3);
    CHECK_INT(vsize("{\"L\":[{\"S\":\"a\"}]}"), 5);                /* 3 + 1 + 1 */
    CHECK_INT(vsize("{\"L\":[{\"S\":\"a\"},{\"S\":\"bb\"}]}"), 8); /* 3 + 2 + 3 */
    CHECK_INT(vsize("{\"L\":[{\"NULL\":true}]}"), 5);
    CHECK_INT(vsize("{\"L\":[{\"N\":\"1\"}]}"), 6);
    CHECK_INT(vsize("{\"M\":{\"x\":{\"S\":\"a\"}}}"), 6); /* 3 + 1 + 1 + 1 */
    CHECK_INT(vsize("{\"M\":{\"xy\":{\"S\":\"a\"},\"z\":{\"BOOL\":true}}}"), 10);
    CHECK_INT(vsize("{\"M\":{\"x\":{\"S\":\"\"}}}"), 5);
    CHECK_INT(vsize("{\"L\":[{\"L\":[]}]}"), 7);
    CHECK_INT(vsize("{\"M\":{\"a\":{\"M\":{}}}}"), 8);
    CHECK_INT(vsize("{\"L\":[{\"L\":[{\"S\":\"a\"}]}]}"), 9);
    CHECK_INT(vsize("{\"SS\":[\"a\"]}"), 1);
    CHECK_INT(vsize("{\"SS\":[\"a\",\"bb\"]}"), 3);
    CHECK_INT(vsize("{\"SS\":[\"abc\",\"de\",\"f\"]}"), 6);
    CHECK_INT(vsize("{\"NS\":[\"1\"]}"), 2);
    CHECK_INT(vsize("{\"NS\":[\"1\",\"123\"]}"), 5);
    CHECK_INT(vsize("{\"NS\":[\"-1\",\"0\"]}"), 4);
    CHECK_INT(vsize("{\"BS\":[\"eA==\"]}"), 1);
    CHECK_INT(vsize("{\"BS\":[\"eA==\",\"eHk=\"]}"), 3);
    /* Nested: M { l: L [ M { n: N 12345, s: SS [ab] }, BOOL ] }
     *   inner M = 3 + (1+1+4) + (1+1+2) = 13; L = 3 + (1+13) + (1+1) = 19; outer = 3 + 1+1+19 */
    CHECK_INT(
        vsize("{\"M\":{\"l\":{\"L\":[{\"M\":{\"n\":{\"N\":\"12345\"},\"s\":{\"SS\":[\"ab\"]}}},"
              "{\"BOOL\":true}]}}}"),
        24);
}

TEST(item_sizes)
{
    CHECK_INT(isize("{}"), 0);
    CHECK_INT(isize("{\"pk\":{\"S\":\"a\"}}"), 3);
    CHECK_INT(isize("{\"pk\":{\"S\":\"a\"},\"\\u00e9\":{\"S\":\"xy\"}}"), 3 + 2 + 2);
    CHECK_INT(isize("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"-1.5\"},\"ok\":{\"BOOL\":true}}"),
              3 + 1 + 4 + 2 + 1);
    CHECK_INT(isize("{\"pk\":{\"S\":\"user#1\"},\"tags\":{\"SS\":[\"a\",\"bc\"]},"
                    "\"addr\":{\"M\":{\"zip\":{\"S\":\"12345\"},\"n\":{\"N\":\"7\"}}}}"),
              (2 + 6) + (4 + 3) + (4 + 3 + (1 + 3 + 5) + (1 + 1 + 2)));

    ddb_value *item = item_with_filler(409596);
    size_t size = 0;
    CHECK_INT(ddb_item_size(&size, item, NULL), 0);
    CHECK_INT(size, DDB_LIMIT_ITEM_SIZE);
    ddb_value_free(item);

    /* Misuse: not a map, NULL; *out untouched. */
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *s = harness_valuef("{\"S\":\"x\"}");
    size = 77;
    CHECK_INT(ddb_item_size(&size, s, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "not M");
    CHECK_INT(size, 77);
    CHECK_INT(ddb_item_size(&size, NULL, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_size(&size, NULL, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(size, 77);
    ddb_value_free(s);
}

TEST(check_item_size_boundary)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *at = item_with_filler(409596);
    ddb_value *over = item_with_filler(409597);
    CHECK_INT(ddb_limits_check_item(at, &err), 0);
    CHECK_INT(ddb_limits_check_item(over, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message,
              "item size 409601 bytes exceeds 409600 (largest attribute \"d\": 409598 bytes)");
    ddb_value_free(at);
    ddb_value_free(over);
    ddb_error_clear(&err);
}

/* {"pk":"a","n": k nested maps around S "x"} */
static ddb_value *nested_item(int k, bool list)
{
    ddb_value *v = harness_valuef("{\"S\":\"x\"}");
    for (int i = 0; i < k; i++) {
        ddb_value *c = NULL;
        if (list) {
            CHECK_INT(ddb_value_new_l(&c, NULL), 0);
            CHECK_INT(ddb_value_l_append_take(c, v, NULL), 0);
        } else {
            CHECK_INT(ddb_value_new_m(&c, NULL), 0);
            CHECK_INT(ddb_value_m_set_take(c, "a", v, NULL), 0);
        }
        v = c;
    }
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"a\"}}");
    CHECK_INT(ddb_value_m_set_take(item, "n", v, NULL), 0);
    return item;
}

TEST(check_item_nesting)
{
    ddb_error err = DDB_ERROR_INIT;
    for (int list = 0; list < 2; list++) {
        ddb_value *ok = nested_item(31, list);
        ddb_value *deep = nested_item(32, list);
        CHECK_INT(ddb_limits_check_item(ok, &err), 0);
        CHECK_INT(ddb_limits_check_item(deep, &err), DDB_ERR_LIMIT);
        CHECK_CONTAINS(err.message, "attribute \"n\" nesting depth 33 exceeds 32");
        /* The JSON walker agrees. */
        json_t *j = NULL;
        CHECK_INT(ddb_json__from_item(&j, ok, NULL), 0);
        CHECK_INT(ddb_limits__check_json_item(j, "X", &err), 0);
        json_decref(j);
        ddb_value_free(ok);
        ddb_value_free(deep);
    }
    ddb_value *much = nested_item(200, false);
    CHECK_INT(ddb_limits_check_item(much, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "attribute \"n\" nesting depth 201 exceeds 32");
    ddb_value_free(much);
    much = nested_item(1200, true);
    CHECK_INT(ddb_limits_check_item(much, &err), DDB_ERR_LIMIT); /* the walk stops at 1000 */
    CHECK_CONTAINS(err.message, "attribute \"n\" nesting depth at least 1001 exceeds 32");
    ddb_value_free(much);
    ddb_error_clear(&err);
}

TEST(check_key)
{
    ddb_error err = DDB_ERROR_INIT;
    char *p2048 = filler(2048, 'p'), *p2049 = filler(2049, 'p');
    char *s1024 = filler(1024, 's'), *s1025 = filler(1025, 's');
    ddb_value *k = harness_itemf(
        "{\"pk\":{\"S\":\"%s\"},\"sk\":{\"S\":\"%s\"},\"x\":{\"BOOL\":true}}", p2048, s1024);
    CHECK_INT(ddb_limits_check_key(k, "pk", "sk", &err), 0);
    ddb_value_free(k);

    k = harness_itemf("{\"pk\":{\"S\":\"%s\"}}", p2049);
    CHECK_INT(ddb_limits_check_key(k, "pk", NULL, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "partition key \"pk\" size 2049 bytes exceeds 2048");
    ddb_value_free(k);

    k = harness_itemf("{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"%s\"}}", s1025);
    CHECK_INT(ddb_limits_check_key(k, "pk", "sk", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "sort key \"sk\" size 1025 bytes exceeds 1024");
    ddb_value_free(k);

    /* Multi-byte characters count as their UTF-8 bytes: 683 x "€" = 2049 bytes. */
    char euros[683 * 3 + 1];
    for (int i = 0; i < 683; i++)
        memcpy(euros + 3 * i, "\xe2\x82\xac", 3);
    euros[683 * 3] = '\0';
    ddb_value *ek = NULL, *es = NULL;
    CHECK_INT(ddb_value_new_m(&ek, NULL), 0);
    CHECK_INT(ddb_value_new_s(&es, euros, NULL), 0);
    CHECK_INT(ddb_value_m_set_take(ek, "pk", es, NULL), 0);
    CHECK_INT(ddb_limits_check_key(ek, "pk", NULL, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "partition key \"pk\" size 2049 bytes exceeds 2048");
    ddb_value_free(ek);

    k = harness_itemf("{\"pk\":{\"S\":\"\"}}");
    CHECK_INT(ddb_limits_check_key(k, "pk", NULL, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "partition key \"pk\" is an empty string; key values must not be empty");
    ddb_value_free(k);

    k = harness_itemf("{\"pk\":{\"B\":\"eA==\"},\"sk\":{\"B\":\"\"}}");
    CHECK_INT(ddb_limits_check_key(k, "pk", "sk", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "sort key \"sk\" is an empty binary; key values must not be empty");
    ddb_value_free(k);

    k = harness_itemf("{\"pk\":{\"BOOL\":true}}");
    CHECK_INT(ddb_limits_check_key(k, "pk", NULL, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "partition key \"pk\" has type BOOL; key attributes are S, N or B");
    CHECK_INT(ddb_limits_check_key(k, "id", NULL, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "partition key \"id\" is missing from the key");
    CHECK_INT(ddb_limits_check_key(k, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_value_free(k);

    k = harness_itemf("{\"pk\":{\"N\":\"-99999999999999999999999999999999999999\"}}");
    CHECK_INT(ddb_limits_check_key(k, "pk", NULL, &err), 0);
    ddb_value_free(k);

    free(p2048);
    free(p2049);
    free(s1024);
    free(s1025);
    ddb_error_clear(&err);
}

TEST(names)
{
    ddb_error err = DDB_ERROR_INIT;
    char *n255 = filler(255, 'a'), *n256 = filler(256, 'a');
    CHECK_INT(ddb_limits_check_table_name("abc", &err), 0);
    CHECK_INT(ddb_limits_check_table_name("My_Table-1.v2", &err), 0);
    CHECK_INT(ddb_limits_check_table_name(n255, &err), 0);
    CHECK_INT(ddb_limits_check_table_name(n256, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "is 256 characters; it must be 3 to 255");
    CHECK_INT(ddb_limits_check_table_name("ab", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "table name \"ab\" is 2 characters; it must be 3 to 255");
    CHECK_INT(ddb_limits_check_table_name("", &err), DDB_ERR_LIMIT);
    CHECK_INT(ddb_limits_check_table_name("a b", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "table name \"a b\" has 0x20 at offset 1; only a-z, A-Z, 0-9, '_', "
                           "'-' and '.' are allowed");
    CHECK_INT(ddb_limits_check_table_name("users$", &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "has '$' at offset 5");
    CHECK_INT(ddb_limits_check_table_name(NULL, &err), DDB_ERR_LIMIT);

    CHECK_INT(
        ddb_limits_check_table_name("arn:aws:dynamodb:us-east-1:123456789012:table/Users", &err),
        0);
    CHECK_INT(ddb_limits_check_table_name("arn:aws:dynamodb:us-east-1:123456789012:table/U", &err),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "is 1 characters");
    CHECK_INT(ddb_limits_check_table_name("arn:aws:s3:::bucket", &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "has no \":table/<name>\"");

    CHECK_INT(ddb_limits_check_index_name("gsi1", &err), 0);
    CHECK_INT(ddb_limits_check_index_name("g1", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "index name \"g1\" is 2 characters; it must be 3 to 255");
    CHECK_INT(ddb_limits_check_index_name("arn:aws:dynamodb:r:1:table/abc", &err), DDB_ERR_LIMIT);
    free(n255);
    free(n256);
    ddb_error_clear(&err);
}

TEST(expressions)
{
    ddb_error err = DDB_ERROR_INIT;
    char *e4096 = filler(4096, ' '), *e4097 = filler(4097, ' ');
    CHECK_INT(ddb_limits_check_expression("ConditionExpression", e4096, &err), 0);
    CHECK_INT(ddb_limits_check_expression("ConditionExpression", e4097, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "ConditionExpression size 4097 bytes exceeds 4096");
    CHECK_INT(ddb_limits_check_expression(NULL, e4097, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "expression size 4097 bytes exceeds 4096");
    CHECK_INT(ddb_limits_check_expression(NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    free(e4096);
    free(e4097);
    ddb_error_clear(&err);
}

/* ---- the request check ------------------------------------------------------------------- */

static int check_req(const char *op, ddb_error *err, const char *fmt, ...) HARNESS_PRINTF(3, 4);

static int check_req(const char *op, ddb_error *err, const char *fmt, ...)
{
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!text)
        exit(1);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    json_error_t jerr;
    json_t *req = json_loads(text, 0, &jerr);
    if (!req) {
        fprintf(stderr, "bad test JSON: %s\n", jerr.text);
        exit(1);
    }
    int rc = ddb_limits__check_request(op, req, err);
    json_decref(req);
    free(text);
    return rc;
}

TEST(request_items_keys_and_names)
{
    ddb_error err = DDB_ERROR_INIT;
    char *f = filler(409597, 'x');
    CHECK_INT(check_req("PutItem", &err,
                        "{\"TableName\":\"tab\",\"Item\":{\"pk\":{\"S\":\"a\"},"
                        "\"d\":{\"S\":\"%s\"}}}",
                        f),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "PutItem Item: item size 409601 bytes exceeds 409600 (largest "
                           "attribute \"d\": 409598 bytes)");
    f[409596] = '\0';
    CHECK_INT(check_req("PutItem", &err,
                        "{\"TableName\":\"tab\",\"Item\":{\"pk\":{\"S\":\"a\"},"
                        "\"d\":{\"S\":\"%s\"}}}",
                        f),
              0);
    free(f);

    CHECK_INT(check_req("GetItem", &err, "{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"a\"}}}"),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "GetItem: table name \"t\" is 1 characters; it must be 3 to 255");
    CHECK_INT(
        check_req("DeleteItem", &err, "{\"TableName\":\"tab\",\"Key\":{\"pk\":{\"S\":\"\"}}}"),
        DDB_ERR_LIMIT);
    CHECK_STR(err.message, "DeleteItem Key: key attribute \"pk\" is an empty string; key values "
                           "must not be empty");
    CHECK_INT(check_req("Query", &err, "{\"TableName\":\"tab\",\"IndexName\":\"ix\"}"),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "Query: index name \"ix\" is 2 characters; it must be 3 to 255");

    /* Two key attributes: both above 1024 cannot be right, one of them is the sort key. */
    char *a = filler(1500, 'a'), *b = filler(1025, 'b'), *c = filler(1024, 'c');
    CHECK_INT(check_req("GetItem", &err,
                        "{\"TableName\":\"tab\",\"Key\":{\"pk\":{\"S\":\"%s\"},"
                        "\"sk\":{\"S\":\"%s\"}}}",
                        a, b),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "GetItem Key: sort key size exceeds 1024: key attributes \"pk\" (1500 "
                           "bytes) and \"sk\" (1025 bytes) are both larger, and one of them is "
                           "the sort key");
    CHECK_INT(check_req("GetItem", &err,
                        "{\"TableName\":\"tab\",\"Key\":{\"pk\":{\"S\":\"%s\"},"
                        "\"sk\":{\"S\":\"%s\"}}}",
                        a, c),
              0);
    free(a);
    free(b);
    free(c);

    char *e = filler(4097, ' ');
    memcpy(e, "pk = :p", 7);
    CHECK_INT(
        check_req("Query", &err, "{\"TableName\":\"tab\",\"KeyConditionExpression\":\"%s\"}", e),
        DDB_ERR_LIMIT);
    CHECK_STR(err.message, "Query: KeyConditionExpression size 4097 bytes exceeds 4096");
    e[4096] = '\0';
    CHECK_INT(
        check_req("Query", &err, "{\"TableName\":\"tab\",\"KeyConditionExpression\":\"%s\"}", e),
        0);
    free(e);

    CHECK_INT(check_req("CreateTable", &err,
                        "{\"TableName\":\"tab\",\"GlobalSecondaryIndexes\":"
                        "[{\"IndexName\":\"gsi1\"},{\"IndexName\":\"g!\"}]}"),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "CreateTable GlobalSecondaryIndexes[1].IndexName: index name");
    CHECK_INT(check_req("UpdateTable", &err,
                        "{\"TableName\":\"tab\",\"GlobalSecondaryIndexUpdates\":"
                        "[{\"Delete\":{\"IndexName\":\"zz\"}}]}"),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "GlobalSecondaryIndexUpdates[0].Delete: index name \"zz\"");
    /* An unknown operation still gets the generic checks; a non-object passes. */
    CHECK_INT(check_req("DescribeTable", &err, "{\"TableName\":\"no way\"}"), DDB_ERR_LIMIT);
    CHECK_INT(check_req("ListTables", &err, "{}"), 0);
    ddb_error_clear(&err);
}

/* A JSON list of n write requests (puts of pk "k<i>"); caller frees. */
static char *puts_json(int n)
{
    size_t cap = (size_t)n * 64 + 8, len = 0;
    char *s = malloc(cap);
    if (!s)
        exit(1);
    s[len++] = '[';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "%s{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"k%d\"}}}}",
                                i ? "," : "", i);
    s[len++] = ']';
    s[len] = '\0';
    return s;
}

TEST(request_batch_counts)
{
    ddb_error err = DDB_ERROR_INIT;
    char *p25 = puts_json(25), *p13 = puts_json(13);
    CHECK_INT(check_req("BatchWriteItem", &err, "{\"RequestItems\":{\"tab\":%s}}", p25), 0);
    CHECK_INT(
        check_req("BatchWriteItem", &err, "{\"RequestItems\":{\"tab\":%s,\"tab2\":%s}}", p13, p13),
        DDB_ERR_LIMIT);
    CHECK_STR(err.message, "BatchWriteItem write request count 26 exceeds 25");
    CHECK_INT(check_req("BatchWriteItem", &err, "{\"RequestItems\":{\"t!b\":%s}}", p13),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "BatchWriteItem RequestItems[\"t!b\"]: table name");
    CHECK_INT(check_req("BatchWriteItem", &err,
                        "{\"RequestItems\":{\"tab\":[{\"DeleteRequest\":"
                        "{\"Key\":{\"pk\":{\"S\":\"\"}}}}]}}"),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "BatchWriteItem RequestItems[\"tab\"][0].DeleteRequest.Key: key "
                                "attribute \"pk\" is an empty string");
    free(p25);
    free(p13);

    /* BatchGetItem: 100 keys over all tables. */
    char keys[101 * 40];
    size_t len = 0;
    for (int i = 0; i < 101; i++)
        len += (size_t)snprintf(keys + len, sizeof(keys) - len, "%s{\"pk\":{\"S\":\"k%d\"}}",
                                i ? "," : "", i);
    CHECK_INT(check_req("BatchGetItem", &err, "{\"RequestItems\":{\"tab\":{\"Keys\":[%s]}}}", keys),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "BatchGetItem key count 101 exceeds 100");
    keys[strlen(keys) - strlen(",{\"pk\":{\"S\":\"k100\"}}")] = '\0';
    CHECK_INT(check_req("BatchGetItem", &err, "{\"RequestItems\":{\"tab\":{\"Keys\":[%s]}}}", keys),
              0);
    CHECK_INT(check_req("BatchGetItem", &err,
                        "{\"RequestItems\":{\"tab\":{\"Keys\":"
                        "[{\"pk\":{\"S\":\"a\"}}],\"ProjectionExpression\":\"%4097s\"}}}",
                        "x"),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "RequestItems[\"tab\"]: ProjectionExpression size 4097 bytes");

    /* Transactions: 100 actions. */
    char *acts = malloc(101 * 80);
    REQUIRE(acts);
    len = 0;
    for (int i = 0; i < 101; i++)
        len += (size_t)snprintf(
            acts + len, 101 * 80 - len,
            "%s{\"Put\":{\"TableName\":\"tab\",\"Item\":{\"pk\":{\"S\":\"t%d\"}}}}", i ? "," : "",
            i);
    CHECK_INT(check_req("TransactWriteItems", &err, "{\"TransactItems\":[%s]}", acts),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactWriteItems action count 101 exceeds 100");
    free(acts);
    CHECK_INT(check_req("TransactGetItems", &err,
                        "{\"TransactItems\":[{\"Get\":{\"TableName\":"
                        "\"tab\",\"Key\":{\"pk\":{\"BOOL\":true}}}}]}"),
              DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactGetItems TransactItems[0].Get.Key: key attribute \"pk\" has "
                           "type BOOL; key attributes are S, N or B");
    CHECK_INT(
        check_req("TransactWriteItems", &err,
                  "{\"TransactItems\":[{\"Update\":{\"TableName\":"
                  "\"tab\",\"Key\":{\"pk\":{\"S\":\"a\"}},\"UpdateExpression\":\"%4097s\"}}]}",
                  "x"),
        DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactWriteItems TransactItems[0].Update: UpdateExpression size "
                           "4097 bytes exceeds 4096");
    ddb_error_clear(&err);
}

static size_t action_size(const char *json)
{
    json_t *a = json_loads(json, 0, NULL);
    if (!a)
        exit(1);
    size_t s = ddb_limits__transact_action_size(a);
    json_decref(a);
    return s;
}

TEST(transaction_payload_formula)
{
    /* Each figure is what DynamoDB Local 1.25.1 reports as "Payload Size" over its 4 MB limit. */
    CHECK_INT(action_size("{\"Delete\":{\"TableName\":\"tab1\",\"Key\":{\"pk\":{\"S\":\"qq\"}}}}"),
              4);
    CHECK_INT(
        action_size("{\"ConditionCheck\":{\"TableName\":\"tab1\",\"Key\":{\"pk\":{\"S\":\"qq\"}},"
                    "\"ConditionExpression\":\"attribute_not_exists(pk)\"}}"),
        28);
    CHECK_INT(
        action_size("{\"ConditionCheck\":{\"TableName\":\"tab1\",\"Key\":{\"pk\":{\"S\":\"qq\"}},"
                    "\"ConditionExpression\":\"attribute_not_exists(#n)\","
                    "\"ExpressionAttributeNames\":{\"#n\":\"pk\"}}}"),
        30);
    CHECK_INT(
        action_size("{\"ConditionCheck\":{\"TableName\":\"tab1\",\"Key\":{\"pk\":{\"S\":\"qq\"}},"
                    "\"ConditionExpression\":\"pk <> :v\",\"ExpressionAttributeValues\":"
                    "{\":v\":{\"M\":{\"ab\":{\"S\":\"x\"}}}}}}"),
        19);
    CHECK_INT(action_size("{\"Delete\":{\"TableName\":\"tab2\",\"Key\":{\"pk\":{\"S\":\"qq\"},"
                          "\"sk\":{\"S\":\"r\"}}}}"),
              7);
    CHECK_INT(action_size("{\"Put\":{\"TableName\":\"tab2\",\"Item\":{\"pk\":{\"S\":\"qq\"},"
                          "\"sk\":{\"S\":\"r\"}},\"ConditionExpression\":\"pk <> :v\","
                          "\"ExpressionAttributeValues\":{\":v\":{\"S\":\"abc\"}}}}"),
              18);
    CHECK_INT(
        action_size("{\"Update\":{\"TableName\":\"tab1\",\"Key\":{\"pk\":{\"S\":\"qq\"}},"
                    "\"UpdateExpression\":\"SET #a = :w\",\"ConditionExpression\":\"pk <> :v\","
                    "\"ExpressionAttributeValues\":{\":v\":{\"S\":\"abc\"},\":w\":{\"L\":"
                    "[{\"S\":\"a\"}]}},\"ExpressionAttributeNames\":{\"#a\":\"abcdef\"}}}"),
        37);
}

TEST(transaction_payload_limit)
{
    /* Ten items of 409599 bytes and one of 98314: exactly 4194304, then one byte more. */
    ddb_error err = DDB_ERROR_INIT;
    char *big = filler(409594, 'x'), *last = filler(98310, 'x');
    size_t cap = 11 * 409700, len = 0;
    char *acts = malloc(cap);
    REQUIRE(acts);
    for (int i = 0; i < 10; i++)
        len += (size_t)snprintf(acts + len, cap - len,
                                "{\"Put\":{\"TableName\":\"tab1\",\"Item\":{\"pk\":{\"S\":\"b%d\"},"
                                "\"d\":{\"S\":\"%s\"}}}},",
                                i, big);
    snprintf(acts + len, cap - len,
             "{\"Put\":{\"TableName\":\"tab1\",\"Item\":{\"pk\":{\"S\":"
             "\"zz\"},\"d\":{\"S\":\"%s\"}}}}",
             last);
    CHECK_INT(check_req("TransactWriteItems", &err, "{\"TransactItems\":[%s]}", acts),
              DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "TransactWriteItems payload size 4194305 bytes exceeds 4194304");
    last[98309] = '\0';
    snprintf(acts + len, cap - len,
             "{\"Put\":{\"TableName\":\"tab1\",\"Item\":{\"pk\":{\"S\":"
             "\"zz\"},\"d\":{\"S\":\"%s\"}}}}",
             last);
    CHECK_INT(check_req("TransactWriteItems", &err, "{\"TransactItems\":[%s]}", acts), 0);
    free(acts);
    free(big);
    free(last);
    ddb_error_clear(&err);
}

TEST(request_body_size)
{
    /* 25 items of 409590 control characters: each is 6 bytes on the wire ("\u0001"). */
    ddb_error err = DDB_ERROR_INIT;
    json_t *list = json_array();
    char *ctl = filler(409590, '\x01');
    for (int i = 0; i < 25; i++) {
        char pk[8];
        snprintf(pk, sizeof(pk), "w%02d", i);
        json_array_append_new(list, json_pack("{s:{s:{s:{s:s},s:{s:s}}}}", "PutRequest", "Item",
                                              "pk", "S", pk, "d", "S", ctl));
    }
    json_t *req = json_pack("{s:{s:o}}", "RequestItems", "tab1", list);
    REQUIRE(req);
    CHECK_INT(ddb_limits__check_request("BatchWriteItem", req, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "BatchWriteItem request size 61439927");
    CHECK_CONTAINS(err.message, "bytes exceeds 16777216");
    json_decref(req);
    free(ctl);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(number_sizes), CASE(scalar_sizes), CASE(container_and_set_sizes), CASE(item_sizes),
          CASE(check_item_size_boundary), CASE(check_item_nesting), CASE(check_key), CASE(names),
          CASE(expressions), CASE(request_items_keys_and_names), CASE(request_batch_counts),
          CASE(transaction_payload_formula), CASE(transaction_payload_limit),
          CASE(request_body_size))
