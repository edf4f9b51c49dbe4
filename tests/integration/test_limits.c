/*
 * Each limit check against DynamoDB Local itself. For every rule, the same request JSON goes
 *   1. through the request check (ddb_limits__check_request): DDB_ERR_LIMIT naming the part and
 *      the figure;
 *   2. through the client's call path (ddb_client__call, which every operation function uses and
 *      which runs the check before sending): the same error, nothing sent;
 *   3. straight to DynamoDB Local with libcurl (support/raw.h): a ValidationException (or HTTP 413
 *      for the 16 MB request size, which DynamoDB Local refuses before parsing).
 * And the value exactly at the limit passes the check and is accepted by DynamoDB Local.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_call.h"
#include "api/limits_internal.h"
#include "core/value_json.h"
#include "ddb/api/limits.h"
#include "support/items.h"
#include "support/raw.h"
#include "test.h"
#include "wire/client_internal.h"

static char *filler(size_t n, char c)
{
    char *s = malloc(n + 1);
    if (!s)
        exit(1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* The three views of a request that breaks a limit; fragment must be in the message. */
static void both_reject(ddb_client *c, const char *op, json_t *req, const char *fragment,
                        long want_status, const char *want_type)
{
    ddb_error check = DDB_ERROR_INIT, call = DDB_ERROR_INIT;
    json_t *resp = NULL;
    CHECK_INT(ddb_limits__check_request(op, req, &check), DDB_ERR_LIMIT);
    CHECK_CONTAINS(check.message, fragment);
    CHECK_INT(ddb_api__call(c, op, NULL, req, &resp, &call), DDB_ERR_LIMIT);
    CHECK_STR(call.message, check.message);
    CHECK(resp == NULL);
    raw_result r;
    raw_call(op, req, &r);
    if (r.status != want_status || (want_type && strcmp(r.type, want_type) != 0))
        fprintf(stderr, "  %s: DynamoDB Local said %ld %s: %s\n", op, r.status, r.type, r.message);
    CHECK_INT(r.status, want_status);
    if (want_type)
        CHECK_STR(r.type, want_type);
    ddb_error_clear(&check);
    ddb_error_clear(&call);
    json_decref(req);
}

/* A request at the limit: the check passes and DynamoDB Local accepts it (HTTP 200). */
static void both_accept(const char *op, json_t *req)
{
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_limits__check_request(op, req, &err), 0);
    if (err.code)
        fprintf(stderr, "  %s: check said %s\n", op, err.message);
    raw_result r;
    raw_call(op, req, &r);
    if (r.status != 200)
        fprintf(stderr, "  %s: DynamoDB Local said %ld %s: %s\n", op, r.status, r.type, r.message);
    CHECK_INT(r.status, 200);
    ddb_error_clear(&err);
    json_decref(req);
}

static json_t *jitem(const ddb_value *item)
{
    json_t *j = NULL;
    if (ddb_json__from_item(&j, item, NULL) != 0)
        exit(1);
    return j;
}

static json_t *put_req(const char *table, const ddb_value *item)
{
    return json_pack("{s:s,s:o}", "TableName", table, "Item", jitem(item));
}

static char *new_table(ddb_client *c, const char *pk_type, const char *sk_type)
{
    char *t = harness_table_name("lim");
    if (harness_create_table(c, t, "pk", pk_type, sk_type ? "sk" : NULL, sk_type) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

/* ---- item size: every rule of the formula at the 409600-byte boundary ---------------------- */

/*
 * Item {pk: "a", v: <value>, d: <filler>} sized to exactly `total` bytes by the formula, with the
 * filler string making up the difference. Returns NULL when the value alone is too big.
 */
static ddb_value *sized_item(const char *value_json, size_t total)
{
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"a\"},\"v\":%s}", value_json);
    size_t size = 0;
    CHECK_INT(ddb_item_size(&size, item, NULL), 0);
    size_t fill = total - size - 1; /* "d" */
    char *f = filler(fill, 'x');
    ddb_value *s = NULL;
    CHECK_INT(ddb_value_new_s(&s, f, NULL), 0);
    CHECK_INT(ddb_value_m_set_take(item, "d", s, NULL), 0);
    free(f);
    CHECK_INT(ddb_item_size(&size, item, NULL), 0);
    CHECK_INT(size, total);
    return item;
}

TEST(item_size_formula_at_the_boundary)
{
    static const char *const values[] = {
        "{\"S\":\"plain ascii\"}",
        "{\"S\":\"h\\u00e9 \\u20ac \\ud83d\\ude00\"}", /* 2-, 3- and 4-byte UTF-8 */
        "{\"B\":\"AAECAwQFBgcICQ==\"}",                /* 10 raw bytes */
        "{\"N\":\"0\"}",
        "{\"N\":\"1\"}",
        "{\"N\":\"-1\"}",
        "{\"N\":\"1.5\"}",
        "{\"N\":\"-1.5\"}",
        "{\"N\":\"100\"}",
        "{\"N\":\"101\"}",
        "{\"N\":\"12345\"}",
        "{\"N\":\"0.123\"}",
        "{\"N\":\"123.456\"}",
        "{\"N\":\"1.2345e-100\"}",
        "{\"N\":\"99999999999999999999999999999999999999\"}",
        "{\"N\":\"-99999999999999999999999999999999999999\"}",
        "{\"BOOL\":false}",
        "{\"NULL\":true}",
        "{\"L\":[]}",
        "{\"M\":{}}",
        "{\"L\":[{\"S\":\"a\"},{\"N\":\"-12.5\"},{\"NULL\":true}]}",
        "{\"M\":{\"x\\u00e9\":{\"S\":\"a\"},\"z\":{\"L\":[{\"M\":{\"q\":{\"BOOL\":true}}}]}}}",
        "{\"SS\":[\"abc\",\"de\",\"\\u20ac\"]}",
        "{\"NS\":[\"1\",\"-123\",\"0.5\"]}",
        "{\"BS\":[\"AA==\",\"AAE=\",\"AAEC\"]}",
    };
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL);
    REQUIRE(t);
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
        fprintf(stderr, "value %s\n", values[i]);
        ddb_value *at = sized_item(values[i], DDB_LIMIT_ITEM_SIZE);
        ddb_value *over = sized_item(values[i], DDB_LIMIT_ITEM_SIZE + 1);
        both_accept("PutItem", put_req(t, at));
        both_reject(c, "PutItem", put_req(t, over),
                    "PutItem Item: item size 409601 bytes exceeds 409600", 400,
                    "ValidationException");
        /* The public function agrees. */
        CHECK_INT(ddb_limits_check_item(at, NULL), 0);
        CHECK_INT(ddb_limits_check_item(over, NULL), DDB_ERR_LIMIT);
        ddb_value_free(at);
        ddb_value_free(over);
    }
    /* A multi-byte attribute name counts its UTF-8 bytes. */
    char *f = filler(409595, 'x');
    ddb_value *at = harness_itemf("{\"pk\":{\"S\":\"a\"},\"\\u00e9\":{\"S\":\"%s\"}}", f);
    both_accept("PutItem", put_req(t, at));
    ddb_value_free(at);
    free(f);
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_client_free(c);
}

TEST(item_size_through_put_item)
{
    /* The operation function itself refuses before sending. */
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL);
    REQUIRE(t);
    ddb_value *over = sized_item("{\"N\":\"-1.5\"}", DDB_LIMIT_ITEM_SIZE + 1);
    ddb_value *at = sized_item("{\"N\":\"-1.5\"}", DDB_LIMIT_ITEM_SIZE);
    ddb_put_item_input in = {.table_name = t, .item = over};
    ddb_put_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_put_item(&out, c, &in, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "PutItem Item: item size 409601 bytes exceeds 409600 (largest "
                                "attribute \"d\": 409593 bytes)");
    CHECK(out == NULL);
    in.item = at;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&out, c, &in, &err), &err), 0);
    ddb_put_item_output_free(out);
    ddb_value_free(over);
    ddb_value_free(at);
    ddb_error_clear(&err);
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_client_free(c);
}

/* ---- keys ---------------------------------------------------------------------------------- */

static json_t *get_req(const char *table, json_t *key)
{
    return json_pack("{s:s,s:o}", "TableName", table, "Key", key);
}

static json_t *s_key(const char *pk, const char *sk)
{
    if (sk)
        return json_pack("{s:{s:s},s:{s:s}}", "pk", "S", pk, "sk", "S", sk);
    return json_pack("{s:{s:s}}", "pk", "S", pk);
}

TEST(key_sizes_and_empty_keys)
{
    ddb_client *c = harness_client(NULL);
    char *hs = new_table(c, "S", NULL), *hr = new_table(c, "S", "S"), *bb = new_table(c, "B", "B");
    REQUIRE(hs && hr && bb);
    char *p2048 = filler(2048, 'p'), *p2049 = filler(2049, 'p');
    char *s1024 = filler(1024, 's'), *s1025 = filler(1025, 's'), *s1500 = filler(1500, 's');

    /* Partition key: 2048 bytes, by GetItem and by PutItem. */
    both_accept("GetItem", get_req(hs, s_key(p2048, NULL)));
    both_reject(c, "GetItem", get_req(hs, s_key(p2049, NULL)),
                "GetItem Key: key attribute \"pk\" size 2049 bytes exceeds 2048", 400,
                "ValidationException");
    both_accept("PutItem", json_pack("{s:s,s:o}", "TableName", hs, "Item", s_key(p2048, NULL)));
    both_accept("DeleteItem", get_req(hs, s_key(p2048, NULL)));

    /* Sort key: 1024 bytes. With both attributes above 1024 the request check knows one of them
     * is the sort key; with the schema (ddb_limits_check_key) it knows which. */
    both_accept("GetItem", get_req(hr, s_key(s1500, s1024)));
    both_reject(c, "GetItem", get_req(hr, s_key(s1500, s1025)),
                "sort key size exceeds 1024: key attributes \"pk\" (1500 bytes) and \"sk\" (1025 "
                "bytes) are both larger",
                400, "ValidationException");
    json_t *k = s_key("a", s1025);
    raw_result r;
    json_t *req = get_req(hr, k);
    raw_call("GetItem", req, &r);
    CHECK_INT(r.status, 400);
    CHECK_STR(r.type, "ValidationException");
    CHECK_CONTAINS(r.message, "range primary key values must be under 1024 bytes");
    ddb_value *kv = NULL;
    CHECK_INT(ddb_json__to_item(&kv, k, "key", NULL), 0);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_limits_check_key(kv, "pk", "sk", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "sort key \"sk\" size 1025 bytes exceeds 1024");
    ddb_value_free(kv);
    json_decref(req);

    /* Binary keys count raw bytes: 2048 and 1024 bytes are 2732 and 1368 base64 characters. */
    unsigned char raw[2049];
    memset(raw, 0xAB, sizeof(raw));
    ddb_value *bk = NULL, *bp = NULL, *bs = NULL;
    CHECK_INT(ddb_value_new_m(&bk, NULL), 0);
    CHECK_INT(ddb_value_new_b(&bp, raw, 2048, NULL), 0);
    CHECK_INT(ddb_value_new_b(&bs, raw, 1024, NULL), 0);
    CHECK_INT(ddb_value_m_set_take(bk, "pk", bp, NULL), 0);
    CHECK_INT(ddb_value_m_set_take(bk, "sk", bs, NULL), 0);
    CHECK_INT(ddb_limits_check_key(bk, "pk", "sk", &err), 0);
    both_accept("GetItem", get_req(bb, jitem(bk)));
    CHECK_INT(ddb_value_new_b(&bp, raw, 2049, NULL), 0);
    CHECK_INT(ddb_value_m_set_take(bk, "pk", bp, NULL), 0);
    CHECK_INT(ddb_limits_check_key(bk, "pk", "sk", &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "partition key \"pk\" size 2049 bytes exceeds 2048");
    both_reject(c, "GetItem", get_req(bb, jitem(bk)),
                "key attribute \"pk\" size 2049 bytes exceeds 2048", 400, "ValidationException");
    ddb_value_free(bk);

    /* Empty key values: S and B, partition and sort key, in every place a key goes. */
    both_reject(c, "GetItem", get_req(hs, s_key("", NULL)),
                "GetItem Key: key attribute \"pk\" is an empty string", 400, "ValidationException");
    both_reject(c, "DeleteItem", get_req(hr, s_key("a", "")),
                "DeleteItem Key: key attribute \"sk\" is an empty string", 400,
                "ValidationException");
    both_reject(c, "GetItem",
                get_req(bb, json_pack("{s:{s:s},s:{s:s}}", "pk", "B", "", "sk", "B", "AA==")),
                "key attribute \"pk\" is an empty binary", 400, "ValidationException");
    both_reject(c, "BatchGetItem",
                json_pack("{s:{s:{s:[o]}}}", "RequestItems", hs, "Keys", s_key("", NULL)),
                "BatchGetItem RequestItems[\"", 400, "ValidationException");
    both_reject(c, "TransactWriteItems",
                json_pack("{s:[{s:{s:s,s:o}}]}", "TransactItems", "Delete", "TableName", hs, "Key",
                          s_key("", NULL)),
                "TransactWriteItems TransactItems[0].Delete.Key: key attribute \"pk\" is an empty "
                "string",
                400, "ValidationException");

    free(p2048);
    free(p2049);
    free(s1024);
    free(s1025);
    free(s1500);
    ddb_error_clear(&err);
    CHECK(harness_delete_table(c, hs) == 0);
    CHECK(harness_delete_table(c, hr) == 0);
    CHECK(harness_delete_table(c, bb) == 0);
    free(hs);
    free(hr);
    free(bb);
    ddb_client_free(c);
}

/* ---- nesting, expressions, names ----------------------------------------------------------- */

static json_t *nested(int k)
{
    json_t *v = json_pack("{s:s}", "S", "x");
    for (int i = 0; i < k; i++)
        v = json_pack("{s:{s:o}}", "M", "a", v);
    return v;
}

TEST(nesting_depth)
{
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL);
    REQUIRE(t);
    /* 31 maps inside an attribute: the item is level 1, so 32 levels in all. */
    both_accept("PutItem", json_pack("{s:s,s:{s:{s:s},s:o}}", "TableName", t, "Item", "pk", "S",
                                     "a", "n", nested(31)));
    both_reject(
        c, "PutItem",
        json_pack("{s:s,s:{s:{s:s},s:o}}", "TableName", t, "Item", "pk", "S", "a", "n", nested(32)),
        "PutItem Item: attribute \"n\" nesting depth 33 exceeds 32", 400, "ValidationException");
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_client_free(c);
}

/* An expression of exactly n bytes: `text` padded with spaces. */
static char *expr_of(const char *text, size_t n)
{
    char *e = filler(n, ' ');
    memcpy(e, text, strlen(text));
    return e;
}

TEST(expression_sizes)
{
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL);
    REQUIRE(t);
    for (size_t n = 4096; n <= 4097; n++) {
        char *cond = expr_of("attribute_not_exists(zz)", n);
        char *upd = expr_of("SET zz = :v", n);
        char *proj = expr_of("pk", n);
        char *kce = expr_of("pk = :p", n);
        char *filt = expr_of("attribute_exists(pk)", n);
        json_t *reqs[] = {
            json_pack("{s:s,s:{s:{s:s}},s:s}", "TableName", t, "Item", "pk", "S", "c",
                      "ConditionExpression", cond),
            json_pack("{s:s,s:{s:{s:s}},s:s,s:{s:{s:s}}}", "TableName", t, "Key", "pk", "S", "c",
                      "UpdateExpression", upd, "ExpressionAttributeValues", ":v", "S", "q"),
            json_pack("{s:s,s:{s:{s:s}},s:s}", "TableName", t, "Key", "pk", "S", "c",
                      "ProjectionExpression", proj),
            json_pack("{s:s,s:s,s:{s:{s:s}}}", "TableName", t, "KeyConditionExpression", kce,
                      "ExpressionAttributeValues", ":p", "S", "c"),
            json_pack("{s:s,s:s}", "TableName", t, "FilterExpression", filt),
        };
        static const char *const ops[] = {"PutItem", "UpdateItem", "GetItem", "Query", "Scan"};
        static const char *const names[] = {"ConditionExpression", "UpdateExpression",
                                            "ProjectionExpression", "KeyConditionExpression",
                                            "FilterExpression"};
        for (size_t i = 0; i < 5; i++) {
            if (n == 4096) {
                /* The PutItem condition fails once the item exists: not a validation error. */
                if (i == 0) {
                    ddb_error err = DDB_ERROR_INIT;
                    CHECK_INT(ddb_limits__check_request(ops[i], reqs[i], &err), 0);
                    raw_result r;
                    raw_call(ops[i], reqs[i], &r);
                    CHECK(r.status == 200 ||
                          strcmp(r.type, "ConditionalCheckFailedException") == 0);
                    json_decref(reqs[i]);
                } else {
                    both_accept(ops[i], reqs[i]);
                }
            } else {
                char want[128];
                snprintf(want, sizeof(want), "%s: %s size 4097 bytes exceeds 4096", ops[i],
                         names[i]);
                both_reject(c, ops[i], reqs[i], want, 400, "ValidationException");
            }
        }
        free(cond);
        free(upd);
        free(proj);
        free(kce);
        free(filt);
    }
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_client_free(c);
}

TEST(table_and_index_names)
{
    ddb_client *c = harness_client(NULL);
    json_t *k = s_key("a", NULL);
    both_reject(c, "GetItem", get_req("ab", json_incref(k)),
                "GetItem: table name \"ab\" is 2 characters; it must be 3 to 255", 400,
                "ValidationException");
    both_reject(c, "GetItem", get_req("tab le", json_incref(k)),
                "GetItem: table name \"tab le\" has 0x20 at offset 3", 400, "ValidationException");
    char *n256 = filler(256, 'n');
    both_reject(c, "GetItem", get_req(n256, json_incref(k)), "is 256 characters", 400,
                "ValidationException");
    /* 255 characters passes both: the service then looks for the table. */
    n256[255] = '\0';
    ddb_error err = DDB_ERROR_INIT;
    json_t *req = get_req(n256, json_incref(k));
    CHECK_INT(ddb_limits__check_request("GetItem", req, &err), 0);
    raw_result r;
    raw_call("GetItem", req, &r);
    CHECK_STR(r.type, "ResourceNotFoundException");
    json_decref(req);
    free(n256);
    json_decref(k);

    /* Index names, where DynamoDB Local validates them: CreateTable. */
    char *t = harness_table_name("limix");
    const char *fmt = "{s:s,s:[{s:s,s:s}],s:[{s:s,s:s}],s:s,s:[{s:s,s:[{s:s,s:s}],s:{s:s}}]}";
#define CREATE_REQ(ix)                                                                             \
    json_pack(fmt, "TableName", t, "AttributeDefinitions", "AttributeName", "pk", "AttributeType", \
              "S", "KeySchema", "AttributeName", "pk", "KeyType", "HASH", "BillingMode",           \
              "PAY_PER_REQUEST", "GlobalSecondaryIndexes", "IndexName", ix, "KeySchema",           \
              "AttributeName", "pk", "KeyType", "HASH", "Projection", "ProjectionType", "ALL")
    both_reject(c, "CreateTable", CREATE_REQ("gs"),
                "CreateTable GlobalSecondaryIndexes[0].IndexName: index name \"gs\" is 2 "
                "characters",
                400, "ValidationException");
    both_reject(c, "CreateTable", CREATE_REQ("gs#1"), "index name \"gs#1\" has '#' at offset 2",
                400, "ValidationException");
    both_accept("CreateTable", CREATE_REQ("gsi"));
#undef CREATE_REQ
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_error_clear(&err);
    ddb_client_free(c);
}

/* ---- batches and transactions -------------------------------------------------------------- */

static json_t *write_requests(int n, const char *prefix)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        char pk[32];
        snprintf(pk, sizeof(pk), "%s%d", prefix, i);
        json_array_append_new(list,
                              json_pack("{s:{s:{s:{s:s}}}}", "PutRequest", "Item", "pk", "S", pk));
    }
    return list;
}

static json_t *keys(int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        char pk[32];
        snprintf(pk, sizeof(pk), "k%d", i);
        json_array_append_new(list, s_key(pk, NULL));
    }
    return list;
}

static json_t *actions(const char *table, int n, bool get)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        char pk[32];
        snprintf(pk, sizeof(pk), "t%d", i);
        if (get)
            json_array_append_new(list, json_pack("{s:{s:s,s:o}}", "Get", "TableName", table, "Key",
                                                  s_key(pk, NULL)));
        else
            json_array_append_new(list, json_pack("{s:{s:s,s:{s:{s:s}}}}", "Put", "TableName",
                                                  table, "Item", "pk", "S", pk));
    }
    return list;
}

TEST(batch_and_transaction_counts)
{
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL), *t2 = new_table(c, "S", NULL);
    REQUIRE(t && t2);
    both_accept("BatchWriteItem",
                json_pack("{s:{s:o}}", "RequestItems", t, write_requests(25, "k")));
    both_reject(c, "BatchWriteItem",
                json_pack("{s:{s:o}}", "RequestItems", t, write_requests(26, "k")),
                "BatchWriteItem write request count 26 exceeds 25", 400, "ValidationException");
    /* The 25 count over all tables of the request. */
    both_reject(c, "BatchWriteItem",
                json_pack("{s:{s:o,s:o}}", "RequestItems", t, write_requests(13, "a"), t2,
                          write_requests(13, "b")),
                "BatchWriteItem write request count 26 exceeds 25", 400, "ValidationException");

    both_accept("BatchGetItem", json_pack("{s:{s:{s:o}}}", "RequestItems", t, "Keys", keys(100)));
    both_reject(c, "BatchGetItem", json_pack("{s:{s:{s:o}}}", "RequestItems", t, "Keys", keys(101)),
                "BatchGetItem key count 101 exceeds 100", 400, "ValidationException");

    both_accept("TransactWriteItems", json_pack("{s:o}", "TransactItems", actions(t, 100, false)));
    both_reject(c, "TransactWriteItems",
                json_pack("{s:o}", "TransactItems", actions(t, 101, false)),
                "TransactWriteItems action count 101 exceeds 100", 400, "ValidationException");
    both_accept("TransactGetItems", json_pack("{s:o}", "TransactItems", actions(t, 100, true)));
    both_reject(c, "TransactGetItems", json_pack("{s:o}", "TransactItems", actions(t, 101, true)),
                "TransactGetItems action count 101 exceeds 100", 400, "ValidationException");

    CHECK(harness_delete_table(c, t) == 0);
    CHECK(harness_delete_table(c, t2) == 0);
    free(t);
    free(t2);
    ddb_client_free(c);
}

TEST(transaction_payload_4mb)
{
    /* Ten items of 409599 bytes (40-odd bytes short of the item limit each) and one that
     * makes the total exactly 4194304, then one byte more, then a Delete that adds its key. */
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL);
    REQUIRE(t);
    char *big = filler(409594, 'x');
    for (int extra = 0; extra <= 2; extra++) {
        json_t *acts = json_array();
        for (int i = 0; i < 10; i++) {
            char pk[8];
            snprintf(pk, sizeof(pk), "b%d", i);
            json_array_append_new(acts,
                                  json_pack("{s:{s:s,s:{s:{s:s},s:{s:s}}}}", "Put", "TableName", t,
                                            "Item", "pk", "S", pk, "d", "S", big));
        }
        char *last = filler(extra == 1 ? 98310 : 98309, 'y');
        json_array_append_new(acts, json_pack("{s:{s:s,s:{s:{s:s},s:{s:s}}}}", "Put", "TableName",
                                              t, "Item", "pk", "S", "zz", "d", "S", last));
        if (extra == 2) /* a Delete adds its key: "pk" + "qq" = 4 bytes */
            json_array_append_new(acts, json_pack("{s:{s:s,s:o}}", "Delete", "TableName", t, "Key",
                                                  s_key("qq", NULL)));
        free(last);
        json_t *req = json_pack("{s:o}", "TransactItems", acts);
        if (extra == 0) {
            both_accept("TransactWriteItems", req);
        } else {
            char want[128];
            snprintf(want, sizeof(want), "TransactWriteItems payload size %d bytes exceeds 4194304",
                     extra == 1 ? 4194305 : 4194308);
            raw_result r;
            raw_call("TransactWriteItems", req, &r);
            /* DynamoDB Local names the same figure. */
            char local[64];
            snprintf(local, sizeof(local), "Payload Size: %d", extra == 1 ? 4194305 : 4194308);
            CHECK_CONTAINS(r.message, local);
            both_reject(c, "TransactWriteItems", req, want, 400, "ValidationException");
        }
    }
    free(big);
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_client_free(c);
}

/* A BatchWriteItem whose compact JSON is exactly `size` bytes: 25 items of control characters
 * (6 bytes each on the wire, 1 byte of item size), the last padded with plain characters. */
static json_t *batch_of_wire_size(const char *table, size_t size)
{
    char *ctl = filler(115000, '\x01');
    json_t *list = json_array();
    for (int i = 0; i < 25; i++) {
        char pk[8];
        snprintf(pk, sizeof(pk), "w%02d", i);
        json_array_append_new(list, json_pack("{s:{s:{s:{s:s},s:{s:s}}}}", "PutRequest", "Item",
                                              "pk", "S", pk, "d", "S", i < 24 ? ctl : ""));
    }
    json_t *req = json_pack("{s:{s:o}}", "RequestItems", table, list);
    size_t now = ddb_limits__json_wire_size(req);
    if (now > size)
        exit(1);
    /* Fill the last item with 6-byte characters, then plain ones for the rest. */
    size_t rest = size - now, n6 = rest / 6, n1 = rest % 6;
    if (n6 + n1 > 400000)
        exit(1);
    char *pad = malloc(n6 + n1 + 1);
    if (!pad)
        exit(1);
    memset(pad, '\x02', n6);
    memset(pad + n6, 'z', n1);
    pad[n6 + n1] = '\0';
    json_t *last = json_object_get(
        json_object_get(json_object_get(json_array_get(list, 24), "PutRequest"), "Item"), "d");
    json_object_set_new(last, "S", json_string(pad));
    free(pad);
    free(ctl);
    if (ddb_limits__json_wire_size(req) != size)
        exit(1);
    return req;
}

TEST(request_size_16mb)
{
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "S", NULL);
    REQUIRE(t);
    both_accept("BatchWriteItem", batch_of_wire_size(t, DDB_LIMIT_REQUEST_SIZE));
    /* DynamoDB Local refuses a larger body before reading it: HTTP 413, no error type. */
    both_reject(c, "BatchWriteItem", batch_of_wire_size(t, DDB_LIMIT_REQUEST_SIZE + 1),
                "BatchWriteItem request size 16777217 bytes exceeds 16777216", 413, NULL);
    CHECK(harness_delete_table(c, t) == 0);
    free(t);
    ddb_client_free(c);
}

TEST_MAIN(CASE(item_size_formula_at_the_boundary), CASE(item_size_through_put_item),
          CASE(key_sizes_and_empty_keys), CASE(nesting_depth), CASE(expression_sizes),
          CASE(table_and_index_names), CASE(batch_and_transaction_counts),
          CASE(transaction_payload_4mb), CASE(request_size_16mb))
