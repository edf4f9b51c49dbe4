/*
 * The transaction builder against DynamoDB Local: its limits next to what DynamoDB Local says for
 * the same transaction, every action kind, reads, the idempotency token (generated per call,
 * reused when given, and resent unchanged when an answer is lost), and which cancellations are
 * retried.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/value_json.h"
#include "ddb/api/limits.h"
#include "ddb/api/txn.h"
#include "support/fault_proxy.h"
#include "support/items.h"
#include "support/raw.h"
#include "test.h"

static char *new_table(ddb_client *c, const char *prefix)
{
    char *t = harness_table_name(prefix);
    if (harness_create_table(c, t, "pk", "S", NULL, NULL) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

static void drop(ddb_client *c, char *table)
{
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
}

static ddb_value *key_of(const char *pk)
{
    return harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
}

static ddb_value *fetch(ddb_client *c, const char *table, const char *pk)
{
    ddb_value *k = key_of(pk);
    ddb_get_item_input in = {
        .table_name = table, .key = k, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    if (harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err) == 0) {
        item = out->item;
        out->item = NULL;
    }
    ddb_get_item_output_free(out);
    ddb_value_free(k);
    return item;
}

static int put_item(ddb_txn *t, const char *table, const ddb_value *item, ddb_error *err)
{
    ddb_put p = {.table_name = table, .item = item};
    return ddb_txn_put(t, &p, err);
}

/* Send the builder's actions plus `extra` (may be NULL) straight to DynamoDB Local. */
static long raw_transact(const ddb_txn *t, const char *op, json_t *actions, raw_result *r)
{
    (void)t;
    json_t *req = json_pack("{s:o}", "TransactItems", actions);
    long status = raw_call(op, req, r);
    json_decref(req);
    return status;
}

static json_t *put_json(const char *table, const char *pk, size_t filler)
{
    char *f = malloc(filler + 1);
    if (!f)
        exit(1);
    memset(f, 'x', filler);
    f[filler] = '\0';
    json_t *j = json_pack("{s:{s:s,s:{s:{s:s},s:{s:s}}}}", "Put", "TableName", table, "Item", "pk",
                          "S", pk, "d", "S", f);
    free(f);
    return j;
}

TEST(builder_action_count_limit_matches_the_service)
{
    ddb_client *c = harness_client(NULL);
    char *tab = new_table(c, "txn");
    REQUIRE(tab);
    ddb_txn *t = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_txn_new(&t, &err) == 0);
    json_t *same = json_array();
    for (int i = 0; i < 101; i++) {
        char pk[16];
        snprintf(pk, sizeof(pk), "a%d", i);
        ddb_value *item = key_of(pk);
        int rc = put_item(t, tab, item, &err);
        CHECK_INT(rc, i < 100 ? 0 : DDB_ERR_LIMIT);
        json_array_append_new(same, json_pack("{s:{s:s,s:{s:{s:s}}}}", "Put", "TableName", tab,
                                              "Item", "pk", "S", pk));
        ddb_value_free(item);
    }
    CHECK_STR(err.message, "transaction action count 101 exceeds 100");
    CHECK_INT(ddb_txn_count(t), 100); /* the refused action left it as it was */
    raw_result r;
    CHECK_INT(raw_transact(t, "TransactWriteItems", same, &r), 400);
    CHECK_STR(r.type, "ValidationException");

    CHECK_INT(harness_report("write", ddb_txn_write(NULL, c, t, NULL, &err), &err), 0);
    CHECK_INT(ddb_txn_attempts(t), 1);
    ddb_value *got = fetch(c, tab, "a99");
    CHECK(got != NULL);
    ddb_value_free(got);
    ddb_txn_free(t);
    ddb_error_clear(&err);
    drop(c, tab);
    ddb_client_free(c);
}

TEST(builder_payload_limit_matches_the_service)
{
    /* Ten items of 409599 bytes and one that brings the payload to exactly 4 MB; one byte more
     * is refused by the builder and by DynamoDB Local alike. */
    ddb_client *c = harness_client(NULL);
    char *tab = new_table(c, "txn4mb");
    REQUIRE(tab);
    for (int over = 0; over < 2; over++) {
        ddb_txn *t = NULL;
        ddb_error err = DDB_ERROR_INIT;
        REQUIRE(ddb_txn_new(&t, &err) == 0);
        json_t *actions = json_array();
        int rc = 0;
        for (int i = 0; i <= 10; i++) {
            char pk[8];
            snprintf(pk, sizeof(pk), i < 10 ? "b%d" : "zz", i);
            json_t *a = put_json(tab, pk, i < 10 ? 409594 : 98309 + (size_t)over);
            ddb_value *item = NULL;
            CHECK_INT(ddb_json__to_item(&item, json_object_get(json_object_get(a, "Put"), "Item"),
                                        "item", NULL),
                      0);
            rc = put_item(t, tab, item, &err);
            ddb_value_free(item);
            json_array_append_new(actions, a);
        }
        raw_result r;
        if (over) {
            CHECK_INT(rc, DDB_ERR_LIMIT);
            CHECK_STR(err.message, "transaction payload size 4194305 bytes exceeds 4194304 "
                                   "(TransactItems[10] adds 98315)");
            CHECK_INT(ddb_txn_payload_size(t), 4194304 - 98314);
            CHECK_INT(raw_transact(t, "TransactWriteItems", actions, &r), 400);
            CHECK_CONTAINS(r.message, "Payload Size: 4194305");
        } else {
            CHECK_INT(rc, 0);
            CHECK_INT(ddb_txn_payload_size(t), DDB_LIMIT_TRANSACTION_SIZE);
            json_decref(actions);
            CHECK_INT(harness_report("write", ddb_txn_write(NULL, c, t, NULL, &err), &err), 0);
        }
        ddb_txn_free(t);
        ddb_error_clear(&err);
    }
    drop(c, tab);
    ddb_client_free(c);
}

TEST(builder_checks_each_action)
{
    ddb_client *c = harness_client(NULL);
    char *tab = new_table(c, "txnchk");
    REQUIRE(tab);
    ddb_txn *t = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_txn_new(&t, &err) == 0);
    ddb_value *k1 = key_of("k1"), *empty = key_of("");
    ddb_delete del = {.key = k1, .table_name = tab};
    CHECK_INT(ddb_txn_delete(t, &del, &err), 0);

    /* An empty key, by index. */
    ddb_delete bad = {.key = empty, .table_name = tab};
    CHECK_INT(ddb_txn_delete(t, &bad, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactItems[1].Delete.Key: key attribute \"pk\" is an empty string; "
                           "key values must not be empty");
    /* A missing required member, named where it would be. */
    ddb_put noname = {.item = k1};
    CHECK_INT(ddb_txn_put(t, &noname, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "TransactItems[1].Put.TableName is required");
    /* A bad table name; an expression too long. */
    ddb_value *k2 = key_of("k2");
    ddb_update upd = {.key = k2, .table_name = "t", .update_expression = "SET a = :a"};
    CHECK_INT(ddb_txn_update(t, &upd, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactItems[1].Update: table name \"t\" is 1 characters; it must be "
                           "3 to 255");
    upd.table_name = tab;
    char *longexpr = malloc(4098);
    REQUIRE(longexpr);
    memset(longexpr, ' ', 4097);
    longexpr[4097] = '\0';
    memcpy(longexpr, "attribute_exists(pk)", 20);
    ddb_condition_check cc = {.key = upd.key, .table_name = tab, .condition_expression = longexpr};
    CHECK_INT(ddb_txn_condition_check(t, &cc, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactItems[1].ConditionCheck: ConditionExpression size 4097 bytes "
                           "exceeds 4096");
    free(longexpr);

    /* Two actions on one item: DynamoDB refuses it, and so does the builder. */
    ddb_value *v = harness_itemf("{\":a\":{\"N\":\"1\"}}");
    ddb_update same = {.key = k1,
                       .table_name = tab,
                       .update_expression = "SET a = :a",
                       .expression_attribute_values = v};
    CHECK_INT(ddb_txn_update(t, &same, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "TransactItems[1] (Update) acts on the same item as TransactItems[0] "
                           "(Delete); a transaction may act on an item once");
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k1\"},\"x\":{\"N\":\"5\"}}");
    CHECK_INT(put_item(t, tab, item, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "TransactItems[1] (Put) acts on the same item as TransactItems[0]");
    raw_result r;
    json_t *dup = json_pack("[{s:{s:s,s:{s:{s:s}}}},{s:{s:s,s:{s:{s:s},s:{s:s}}}}]", "Delete",
                            "TableName", tab, "Key", "pk", "S", "k1", "Put", "TableName", tab,
                            "Item", "pk", "S", "k1", "x", "N", "5");
    CHECK_INT(raw_transact(t, "TransactWriteItems", dup, &r), 400);
    CHECK_CONTAINS(r.message, "multiple operations on one item");
    CHECK_INT(ddb_txn_count(t), 1);

    /* A get does not join a write transaction, nor a write a read one. */
    ddb_get g = {.key = k1, .table_name = tab};
    CHECK_INT(ddb_txn_get(t, &g, &err), DDB_ERR_INVALID_ARG);
    ddb_txn *rt = NULL;
    REQUIRE(ddb_txn_new(&rt, &err) == 0);
    CHECK_INT(ddb_txn_get(rt, &g, &err), 0);
    CHECK_INT(ddb_txn_delete(rt, &del, &err), DDB_ERR_INVALID_ARG);
    ddb_transact_write_items_output *wo = NULL;
    CHECK_INT(ddb_txn_write(&wo, c, rt, NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_transact_get_items_output *go = NULL;
    CHECK_INT(ddb_txn_read(&go, c, t, NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_txn *none = NULL;
    REQUIRE(ddb_txn_new(&none, &err) == 0);
    CHECK_INT(ddb_txn_write(NULL, c, none, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "ddb_txn_write: the transaction has no actions");
    ddb_txn_options bad_opts = DDB_TXN_OPTIONS_INIT;
    bad_opts.client_request_token = "0123456789012345678901234567890123456";
    CHECK_INT(ddb_txn_write(NULL, c, t, &bad_opts, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "client_request_token is 37 characters");

    ddb_txn_free(none);
    ddb_txn_free(rt);
    ddb_txn_free(t);
    ddb_txn_free(NULL);
    ddb_value_free(k1);
    ddb_value_free(empty);
    ddb_value_free(k2);
    ddb_value_free(v);
    ddb_value_free(item);
    ddb_error_clear(&err);
    drop(c, tab);
    ddb_client_free(c);
}

TEST(every_action_kind_then_read)
{
    ddb_client *c = harness_client(NULL);
    char *tab = new_table(c, "txnall");
    REQUIRE(tab);
    REQUIRE(harness_putf(c, tab, "{\"pk\":{\"S\":\"stock\"},\"n\":{\"N\":\"10\"}}") == 0);
    REQUIRE(harness_putf(c, tab, "{\"pk\":{\"S\":\"old\"}}") == 0);
    REQUIRE(harness_putf(c, tab, "{\"pk\":{\"S\":\"customer\"},\"ok\":{\"BOOL\":true}}") == 0);
    ddb_txn *t = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_txn_new(&t, &err) == 0);
    ddb_value *order = harness_itemf("{\"pk\":{\"S\":\"order1\"},\"qty\":{\"N\":\"2\"}}");
    ddb_value *stock = key_of("stock"), *old = key_of("old"), *cust = key_of("customer");
    ddb_value *vals = harness_itemf("{\":q\":{\"N\":\"2\"}}");
    ddb_string_map_entry names[] = {{"#n", "n"}};
    ddb_put put = {
        .table_name = tab, .item = order, .condition_expression = "attribute_not_exists(pk)"};
    ddb_update upd = {.key = stock,
                      .table_name = tab,
                      .update_expression = "SET #n = #n - :q",
                      .condition_expression = "#n >= :q",
                      .n_expression_attribute_names = 1,
                      .expression_attribute_names = names,
                      .expression_attribute_values = vals};
    ddb_delete del = {.key = old, .table_name = tab};
    ddb_condition_check cc = {.key = cust,
                              .table_name = tab,
                              .condition_expression = "ok = :t",
                              .expression_attribute_values = NULL};
    ddb_value *tv = harness_itemf("{\":t\":{\"BOOL\":true}}");
    cc.expression_attribute_values = tv;
    CHECK_INT(ddb_txn_put(t, &put, &err), 0);
    CHECK_INT(ddb_txn_update(t, &upd, &err), 0);
    CHECK_INT(ddb_txn_delete(t, &del, &err), 0);
    CHECK_INT(ddb_txn_condition_check(t, &cc, &err), 0);
    /* The payload as DynamoDB counts it: the item (8 + 5) and its condition (24); the key
     * (2 + 5), "SET #n = #n - :q" (16), "#n >= :q" (8), the value (2) and the name "n" (1); a
     * key (2 + 3); a key (2 + 8), "ok = :t" (7) and the value (1). */
    CHECK_INT(ddb_txn_payload_size(t), (13 + 24) + (7 + 16 + 8 + 2 + 1) + 5 + (10 + 7 + 1));
    ddb_transact_write_items_output *out = NULL;
    ddb_txn_options opts = DDB_TXN_OPTIONS_INIT;
    opts.return_consumed_capacity = "TOTAL";
    CHECK_INT(harness_report("write", ddb_txn_write(&out, c, t, &opts, &err), &err), 0);
    CHECK(out && out->n_consumed_capacity == 1);
    ddb_transact_write_items_output_free(out);

    ddb_txn *rt = NULL;
    REQUIRE(ddb_txn_new(&rt, &err) == 0);
    ddb_get g1 = {.key = stock, .table_name = tab}, g2 = {.key = old, .table_name = tab};
    ddb_value *ok = key_of("order1");
    ddb_get g3 = {.key = ok, .table_name = tab, .projection_expression = "qty"};
    CHECK_INT(ddb_txn_get(rt, &g1, &err), 0);
    CHECK_INT(ddb_txn_get(rt, &g2, &err), 0);
    CHECK_INT(ddb_txn_get(rt, &g3, &err), 0);
    CHECK_INT(ddb_txn_get(rt, &g1, &err), DDB_ERR_LIMIT); /* the same item twice */
    ddb_transact_get_items_output *res = NULL;
    CHECK_INT(harness_report("read", ddb_txn_read(&res, c, rt, NULL, &err), &err), 0);
    REQUIRE(res && res->n_responses == 3);
    CHECK(harness_attr_is_n(res->responses[0].item, "n", 8));
    CHECK(res->responses[1].item == NULL); /* deleted */
    CHECK(harness_attr_is_n(res->responses[2].item, "qty", 2));
    CHECK(ddb_value_m_get(res->responses[2].item, "pk") == NULL);
    ddb_transact_get_items_output_free(res);
    CHECK(ddb_txn_token(rt) == NULL); /* reads carry no token */

    ddb_txn_free(t);
    ddb_txn_free(rt);
    ddb_value_free(order);
    ddb_value_free(stock);
    ddb_value_free(old);
    ddb_value_free(cust);
    ddb_value_free(vals);
    ddb_value_free(tv);
    ddb_value_free(ok);
    ddb_error_clear(&err);
    drop(c, tab);
    ddb_client_free(c);
}

static bool is_uuid4(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* The ClientRequestToken of every TransactWriteItems body the client sends. */
typedef struct tokens {
    char seen[8][40];
    int n;
} tokens;

static void on_trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    tokens *t = ctx;
    if (kind != DDB_TRACE_REQUEST_BODY)
        return;
    json_t *doc = json_loadb(data, len, 0, NULL);
    const char *tok = json_string_value(json_object_get(doc, "ClientRequestToken"));
    if (tok && t->n < 8)
        snprintf(t->seen[t->n++], sizeof(t->seen[0]), "%s", tok);
    json_decref(doc);
}

static ddb_txn *counter_txn(const char *tab, const char *by)
{
    ddb_txn *t = NULL;
    if (ddb_txn_new(&t, NULL) != 0)
        exit(1);
    ddb_value *k = key_of("counter"), *v = harness_itemf("{\":one\":{\"N\":\"%s\"}}", by);
    ddb_update u = {.key = k,
                    .table_name = tab,
                    .update_expression = "ADD n :one",
                    .expression_attribute_values = v};
    if (ddb_txn_update(t, &u, NULL) != 0)
        exit(1);
    ddb_value_free(k);
    ddb_value_free(v);
    return t;
}

TEST(idempotency_token)
{
    tokens seen = {0};
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.trace = on_trace;
    o.trace_ctx = &seen;
    ddb_client *c = harness_client(&o);
    char *tab = new_table(c, "txnidem");
    REQUIRE(tab);
    ddb_error err = DDB_ERROR_INIT;

    /* Generated: a UUIDv4 per call, the one the request carried. */
    ddb_txn *t = counter_txn(tab, "1");
    CHECK(ddb_txn_token(t) == NULL);
    CHECK_INT(ddb_txn_write(NULL, c, t, NULL, &err), 0);
    char first[40];
    snprintf(first, sizeof(first), "%s", ddb_txn_token(t));
    CHECK(is_uuid4(first));
    CHECK_INT(seen.n, 1);
    CHECK_STR(seen.seen[0], first);
    CHECK_INT(ddb_txn_write(NULL, c, t, NULL, &err), 0);
    CHECK(is_uuid4(ddb_txn_token(t)));
    CHECK(strcmp(ddb_txn_token(t), first) != 0); /* a new call, a new token */
    ddb_value *got = fetch(c, tab, "counter");
    CHECK(harness_attr_is_n(got, "n", 2)); /* two calls, two increments */
    ddb_value_free(got);

    /* Given: the same token twice is one write. DynamoDB answers the repeat with the first
     * call's result and does not apply it again. */
    ddb_txn_options opts = DDB_TXN_OPTIONS_INIT;
    char token[40]; /* a token lives ten minutes across the whole service: unique per run */
    snprintf(token, sizeof(token), "t-%08lx-%016llx", (unsigned long)getpid(),
             (unsigned long long)(harness_now_ms() * 1000.0));
    opts.client_request_token = token;
    CHECK_INT(ddb_txn_write(NULL, c, t, &opts, &err), 0);
    CHECK_INT(ddb_txn_write(NULL, c, t, &opts, &err), 0);
    CHECK_STR(ddb_txn_token(t), token);
    got = fetch(c, tab, "counter");
    CHECK(harness_attr_is_n(got, "n", 3));
    ddb_value_free(got);
    /* The same token for a different transaction is refused. */
    ddb_txn *other = counter_txn(tab, "5");
    CHECK_INT(ddb_txn_write(NULL, c, other, &opts, &err), DDB_ERR_SERVICE);
    CHECK_STR(err.aws_type, "IdempotentParameterMismatchException");
    got = fetch(c, tab, "counter");
    CHECK(harness_attr_is_n(got, "n", 3));
    ddb_value_free(got);

    ddb_txn_free(t);
    ddb_txn_free(other);
    ddb_error_clear(&err);
    drop(c, tab);
    ddb_client_free(c);
}

TEST(lost_answer_resent_with_the_same_token_applies_once)
{
    /* The proxy forwards the first TransactWriteItems to DynamoDB Local, which applies it, then
     * drops the connection instead of answering. The client sends the same request again, with
     * the same token, and DynamoDB Local answers with the first result: one increment. */
    ddb_client *direct = harness_client(NULL);
    char *tab = new_table(direct, "txnlost");
    REQUIRE(tab);
    fault_proxy *p = fault_proxy_start(harness_endpoint());
    tokens seen = {0};
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.endpoint = fault_proxy_endpoint(p);
    o.region = "us-east-1";
    o.access_key_id = "AKIDLOCALTEST";
    o.secret_access_key = "local-test-secret";
    o.trace = on_trace;
    o.trace_ctx = &seen;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &o, &err) == 0);
    fault_step steps[] = {{.action = FAULT_RESET_AFTER}};
    fault_proxy_script(p, steps, 1, (fault_step){.action = FAULT_FORWARD});

    ddb_txn *t = counter_txn(tab, "1");
    CHECK_INT(harness_report("write", ddb_txn_write(NULL, c, t, NULL, &err), &err), 0);
    CHECK_INT(fault_proxy_forwarded(p), 2); /* both attempts reached DynamoDB Local */
    CHECK_INT(seen.n, 2);
    CHECK_STR(seen.seen[0], ddb_txn_token(t));
    CHECK_STR(seen.seen[1], ddb_txn_token(t));
    ddb_value *got = fetch(direct, tab, "counter");
    CHECK(harness_attr_is_n(got, "n", 1));
    ddb_value_free(got);

    ddb_txn_free(t);
    ddb_error_clear(&err);
    ddb_client_free(c);
    fault_proxy_stop(p);
    drop(direct, tab);
    ddb_client_free(direct);
}

TEST(cancellation_reasons_by_index_and_no_retry)
{
    ddb_client *c = harness_client(NULL);
    char *tab = new_table(c, "txncancel");
    REQUIRE(tab);
    REQUIRE(harness_putf(c, tab, "{\"pk\":{\"S\":\"taken\"},\"owner\":{\"S\":\"ann\"}}") == 0);
    ddb_txn *t = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_txn_new(&t, &err) == 0);
    ddb_value *a = key_of("a"), *taken = key_of("taken"), *z = key_of("z");
    CHECK_INT(put_item(t, tab, a, &err), 0);
    ddb_condition_check cc = {.key = taken,
                              .table_name = tab,
                              .condition_expression = "attribute_not_exists(pk)",
                              .return_values_on_condition_check_failure = "ALL_OLD"};
    CHECK_INT(ddb_txn_condition_check(t, &cc, &err), 0);
    ddb_delete del = {.key = z, .table_name = tab};
    CHECK_INT(ddb_txn_delete(t, &del, &err), 0);

    ddb_txn_options opts = DDB_TXN_OPTIONS_INIT;
    opts.max_attempts = 5;
    CHECK_INT(ddb_txn_write(NULL, c, t, &opts, &err), DDB_ERR_TRANSACTION_CANCELED);
    CHECK_INT(ddb_txn_attempts(t), 1); /* ConditionalCheckFailed is final: not retried */
    REQUIRE(err.n_cancellation_reasons == 3);
    CHECK_STR(err.cancellation_reasons[0].code, "None");
    CHECK_STR(err.cancellation_reasons[1].code, "ConditionalCheckFailed");
    CHECK(harness_attr_is_s(err.cancellation_reasons[1].item, "owner", "ann"));
    CHECK_STR(err.cancellation_reasons[2].code, "None");
    char want[256];
    snprintf(want, sizeof(want),
             "TransactWriteItems cancelled: TransactItems[1] (ConditionCheck "
             "on \"%s\"): ConditionalCheckFailed",
             tab);
    CHECK_CONTAINS(err.message, want);
    CHECK_STR(err.aws_type, "TransactionCanceledException");
    ddb_value *got = fetch(c, tab, "a");
    CHECK(got == NULL); /* nothing applied */
    ddb_value_free(got);

    ddb_txn_free(t);
    ddb_value_free(a);
    ddb_value_free(taken);
    ddb_value_free(z);
    ddb_error_clear(&err);
    drop(c, tab);
    ddb_client_free(c);
}

TEST_MAIN(CASE(builder_action_count_limit_matches_the_service),
          CASE(builder_payload_limit_matches_the_service), CASE(builder_checks_each_action),
          CASE(every_action_kind_then_read), CASE(idempotency_token),
          CASE(lost_answer_resent_with_the_same_token_applies_once),
          CASE(cancellation_reasons_by_index_and_no_retry))
