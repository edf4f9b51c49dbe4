/*
 * The batch writer and getter against DynamoDB Local: a thousand puts and deletes read back one
 * by one, batches that contain invalid items (each failure reported under exactly its index),
 * two writes to one key in a batch, a missing table, a batch split at 16 MB, throttled batches
 * resent a bounded number of times (through the fault proxy in front of DynamoDB Local), and a
 * getter over two tables with duplicate and missing keys and a projection.
 */
#include <stdlib.h>
#include <string.h>

#include "ddb/api/batch.h"
#include "ddb/api/limits.h"
#include "support/fault_proxy.h"
#include "support/items.h"
#include "test.h"

static char *new_table(ddb_client *c, const char *prefix, const char *sk)
{
    char *t = harness_table_name(prefix);
    if (harness_create_table(c, t, "pk", "S", sk, sk ? "S" : NULL) != 0) {
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

/* Counts the client's calls per operation, and the ValidationExceptions among them. */
typedef struct calls {
    int batch_write, batch_get, validation;
} calls;

static void on_event(void *ctx, const ddb_event *ev)
{
    calls *n = ctx;
    if (strcmp(ev->operation, "BatchWriteItem") == 0)
        n->batch_write++;
    if (strcmp(ev->operation, "BatchGetItem") == 0)
        n->batch_get++;
    if (ev->aws_error_type && strcmp(ev->aws_error_type, "ValidationException") == 0)
        n->validation++;
}

static ddb_client *counting_client(calls *n)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.on_event = on_event;
    opts.event_ctx = n;
    return harness_client(&opts);
}

static ddb_value *key_of(const char *pk)
{
    return harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
}

static int64_t count_items(ddb_client *c, const char *table)
{
    ddb_scan_input in = {.table_name = table,
                         .select = "COUNT",
                         .has_consistent_read = true,
                         .consistent_read = true};
    ddb_scan_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int64_t n = -1;
    if (harness_report("Scan", ddb_scan(&out, c, &in, &err), &err) == 0 && out->has_count &&
        !out->last_evaluated_key)
        n = out->count;
    ddb_scan_output_free(out);
    return n;
}

TEST(writer_1000_puts_and_deletes_read_back)
{
    calls n = {0};
    ddb_client *c = counting_client(&n);
    char *t = new_table(c, "bw", NULL);
    REQUIRE(t);
    ddb_batch_writer *w = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
    for (int i = 0; i < 1000; i++) {
        ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"item%04d\"},\"n\":{\"N\":\"%d\"},"
                                        "\"tags\":{\"SS\":[\"a\",\"t%d\"]}}",
                                        i, i, i % 7);
        CHECK_INT(ddb_batch_writer_put(w, t, item, &err), 0);
        ddb_value_free(item);
    }
    /* Delete every third item, in the same writer. */
    for (int i = 0; i < 1000; i += 3) {
        char pk[16];
        snprintf(pk, sizeof(pk), "item%04d", i);
        ddb_value *k = key_of(pk);
        CHECK_INT(ddb_batch_writer_delete(w, t, k, &err), 0);
        ddb_value_free(k);
    }
    CHECK_INT(harness_report("flush", ddb_batch_writer_flush(w, &err), &err), 0);
    CHECK_INT(ddb_batch_writer_added(w), 1334);
    CHECK_INT(ddb_batch_writer_written(w), 1334);
    CHECK_INT(ddb_batch_writer_failed(w), 0);
    CHECK(ddb_batch_writer_failure(w, 0) == NULL);
    /* 1334 requests in calls of 25: 54 calls, no more (DynamoDB Local processes everything). */
    CHECK_INT(n.batch_write, 54);
    CHECK_INT(n.validation, 0);
    ddb_batch_writer_free(w);
    CHECK_INT(count_items(c, t), 1000 - 334);

    /* Read back every key with the getter: 1000 keys in calls of 100. */
    ddb_batch_getter *g = NULL;
    REQUIRE(ddb_batch_getter_new(&g, c, NULL, &err) == 0);
    CHECK_INT(ddb_batch_getter_table_options(g, t, NULL, NULL, 0, true, &err), 0);
    for (int i = 0; i < 1000; i++) {
        char pk[16];
        snprintf(pk, sizeof(pk), "item%04d", i);
        ddb_value *k = key_of(pk);
        CHECK_INT(ddb_batch_getter_add(g, t, k, &err), 0);
        ddb_value_free(k);
    }
    n.batch_get = 0;
    CHECK_INT(harness_report("run", ddb_batch_getter_run(g, &err), &err), 0);
    CHECK_INT(n.batch_get, 10);
    CHECK_INT(ddb_batch_getter_count(g), 1000);
    for (int i = 0; i < 1000; i++) {
        const ddb_batch_get_result *r = ddb_batch_getter_result(g, (size_t)i);
        REQUIRE(r);
        CHECK_INT(r->index, i);
        CHECK_STR(r->table, t);
        if (i % 3 == 0) {
            CHECK_INT(r->status, DDB_BATCH_GET_NOT_FOUND);
            CHECK(r->item == NULL);
        } else {
            CHECK_INT(r->status, DDB_BATCH_GET_FOUND);
            CHECK(harness_attr_is_n(r->item, "n", i));
            const ddb_value *tags = ddb_value_m_get(r->item, "tags");
            CHECK_INT(ddb_value_count(tags), 2);
        }
    }
    const ddb_value *const *items = NULL;
    CHECK_INT(ddb_batch_getter_table_items(g, t, &items), 666);
    /* Grouped items come in key order. */
    CHECK(harness_attr_is_s(items[0], "pk", "item0001"));
    CHECK(harness_attr_is_s(items[665], "pk", "item0998"));
    ddb_batch_getter_free(g);
    ddb_error_clear(&err);
    drop(c, t);
    ddb_client_free(c);
}

/* Index of the recorded failure for item `index`, or -1. */
static const ddb_batch_failure *failure_of(const ddb_batch_writer *w, size_t index)
{
    for (size_t i = 0; i < ddb_batch_writer_failed(w); i++) {
        const ddb_batch_failure *f = ddb_batch_writer_failure(w, i);
        if (f && f->index == index)
            return f;
    }
    return NULL;
}

TEST(writer_reports_exactly_the_invalid_items)
{
    calls n = {0};
    ddb_client *c = counting_client(&n);
    char *t = new_table(c, "bwbad", NULL);
    REQUIRE(t);
    ddb_batch_writer *w = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
    char *big = malloc(409600);
    REQUIRE(big);
    memset(big, 'x', 409599);
    big[409599] = '\0';
    for (int i = 0; i < 60; i++) {
        ddb_value *v;
        int want = 0;
        if (i == 12) { /* too big: refused when added */
            v = harness_itemf("{\"pk\":{\"S\":\"k12\"},\"d\":{\"S\":\"%s\"}}", big);
            want = DDB_ERR_LIMIT;
        } else if (i == 37) { /* the table's key is S: only the service can tell */
            v = harness_itemf("{\"pk\":{\"N\":\"37\"}}");
        } else if (i == 50) { /* an empty key: the writer does not know pk is the key */
            v = harness_itemf("{\"pk\":{\"S\":\"\"},\"x\":{\"N\":\"50\"}}");
        } else {
            v = harness_itemf("{\"pk\":{\"S\":\"k%d\"}}", i);
        }
        int rc;
        if (i == 55) { /* an empty key in a delete: a key is all key, so this one is refused */
            ddb_value *k = key_of("");
            rc = ddb_batch_writer_delete(w, t, k, &err);
            ddb_value_free(k);
            want = DDB_ERR_LIMIT;
        } else {
            rc = ddb_batch_writer_put(w, t, v, &err);
        }
        CHECK_INT(rc, want);
        if (i == 12)
            CHECK_STR(err.message, "item size 409605 bytes exceeds 409600 (largest attribute "
                                   "\"d\": 409600 bytes)");
        ddb_value_free(v);
    }
    free(big);
    int rc = ddb_batch_writer_flush(w, &err);
    CHECK_INT(rc, DDB_ERR_LIMIT); /* the first failure, item 12 */
    CHECK_CONTAINS(err.message, "4 of 60 writes failed; first: item 12 (put to \"");
    CHECK_INT(ddb_batch_writer_failed(w), 4);
    CHECK_INT(ddb_batch_writer_written(w), 56);

    const ddb_batch_failure *f = failure_of(w, 12);
    REQUIRE(f);
    CHECK_INT(f->code, DDB_ERR_LIMIT);
    CHECK(!f->is_delete);
    CHECK_STR(f->table, t);
    CHECK(harness_attr_is_s(f->item, "pk", "k12"));

    f = failure_of(w, 37);
    REQUIRE(f);
    CHECK_INT(f->code, DDB_ERR_VALIDATION);
    CHECK_STR(f->aws_type, "ValidationException");
    CHECK_CONTAINS(f->message, "Type mismatch");
    CHECK(harness_attr_is_n(f->item, "pk", 37));

    f = failure_of(w, 50);
    REQUIRE(f);
    CHECK_INT(f->code, DDB_ERR_VALIDATION);
    CHECK_CONTAINS(f->message, "empty string value");

    f = failure_of(w, 55);
    REQUIRE(f);
    CHECK(f->is_delete);
    CHECK_INT(f->code, DDB_ERR_LIMIT);
    CHECK_CONTAINS(f->message, "key attribute \"pk\" is an empty string");

    /* Everything else is there. */
    CHECK_INT(count_items(c, t), 56);
    ddb_batch_writer_free(w);
    ddb_error_clear(&err);
    drop(c, t);
    ddb_client_free(c);
}

static ddb_value *get_one(ddb_client *c, const char *table, const char *pk)
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

TEST(writer_two_writes_to_one_key)
{
    /* DynamoDB refuses a BatchWriteItem that writes one key twice; the writer keeps them in
     * separate calls, in order, so the later write wins. */
    calls n = {0};
    ddb_client *c = counting_client(&n);
    char *t = new_table(c, "bwdup", NULL);
    REQUIRE(t);
    ddb_batch_writer *w = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
    ddb_value *a1 = harness_itemf("{\"pk\":{\"S\":\"A\"},\"v\":{\"N\":\"1\"}}");
    ddb_value *b1 = harness_itemf("{\"pk\":{\"S\":\"B\"},\"v\":{\"N\":\"1\"}}");
    ddb_value *a2 = harness_itemf("{\"pk\":{\"S\":\"A\"},\"v\":{\"N\":\"2\"}}");
    ddb_value *b3 = harness_itemf("{\"pk\":{\"S\":\"B\"},\"v\":{\"N\":\"3\"}}");
    ddb_value *kb = key_of("B"), *kc = key_of("C");
    CHECK_INT(ddb_batch_writer_put(w, t, a1, &err), 0);
    CHECK_INT(ddb_batch_writer_put(w, t, b1, &err), 0);
    CHECK_INT(ddb_batch_writer_put(w, t, a2, &err), 0);
    CHECK_INT(ddb_batch_writer_delete(w, t, kb, &err), 0);
    CHECK_INT(ddb_batch_writer_put(w, t, b3, &err), 0);
    CHECK_INT(ddb_batch_writer_delete(w, t, kc, &err), 0);
    CHECK_INT(harness_report("flush", ddb_batch_writer_flush(w, &err), &err), 0);
    CHECK_INT(ddb_batch_writer_written(w), 6);
    ddb_value *a = get_one(c, t, "A"), *b = get_one(c, t, "B");
    CHECK(harness_attr_is_n(a, "v", 2));
    CHECK(harness_attr_is_n(b, "v", 3));
    ddb_value_free(a);
    ddb_value_free(b);
    ddb_value_free(a1);
    ddb_value_free(b1);
    ddb_value_free(a2);
    ddb_value_free(b3);
    ddb_value_free(kb);
    ddb_value_free(kc);
    ddb_batch_writer_free(w);
    ddb_error_clear(&err);
    drop(c, t);
    ddb_client_free(c);
}

TEST(writer_duplicates_split_by_schema_or_by_halving)
{
    for (int with_schema = 0; with_schema < 2; with_schema++) {
        calls n = {0};
        ddb_client *c = counting_client(&n);
        char *t = new_table(c, "bwdup2", "sk");
        REQUIRE(t);
        ddb_batch_writer *w = NULL;
        ddb_error err = DDB_ERROR_INIT;
        REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
        if (with_schema)
            CHECK_INT(ddb_batch_writer_set_key_schema(w, t, "pk", "sk", &err), 0);
        /* Ten versions of each of three keys, interleaved: the last version must win. */
        for (int v = 0; v < 10; v++)
            for (int k = 0; k < 3; k++) {
                ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"s%d\"},"
                                                "\"v\":{\"N\":\"%d\"}}",
                                                k, v);
                CHECK_INT(ddb_batch_writer_put(w, t, item, &err), 0);
                ddb_value_free(item);
            }
        CHECK_INT(harness_report("flush", ddb_batch_writer_flush(w, &err), &err), 0);
        CHECK_INT(ddb_batch_writer_written(w), 30);
        if (with_schema)
            CHECK_INT(n.validation, 0); /* never sent a batch the service would refuse */
        else
            CHECK(n.validation > 0);
        for (int k = 0; k < 3; k++) {
            char key[64];
            snprintf(key, sizeof(key), "{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"s%d\"}}", k);
            ddb_value *kv = harness_itemf("%s", key);
            ddb_get_item_input in = {
                .table_name = t, .key = kv, .has_consistent_read = true, .consistent_read = true};
            ddb_get_item_output *out = NULL;
            CHECK_INT(ddb_get_item(&out, c, &in, &err), 0);
            CHECK(out && harness_attr_is_n(out->item, "v", 9));
            ddb_get_item_output_free(out);
            ddb_value_free(kv);
        }
        ddb_batch_writer_free(w);
        ddb_error_clear(&err);
        drop(c, t);
        ddb_client_free(c);
    }
}

TEST(writer_missing_table_fails_only_its_items)
{
    ddb_client *c = harness_client(NULL);
    char *t = new_table(c, "bwok", NULL);
    REQUIRE(t);
    char *missing = harness_table_name("bwmissing");
    ddb_batch_writer *w = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
    for (int i = 0; i < 20; i++) {
        ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k%d\"}}", i);
        CHECK_INT(ddb_batch_writer_put(w, i % 5 == 4 ? missing : t, item, &err), 0);
        ddb_value_free(item);
    }
    /* A bad table name is refused when added. */
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"x\"}}");
    CHECK_INT(ddb_batch_writer_put(w, "no", item, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "table name \"no\" is 2 characters; it must be 3 to 255");
    ddb_value_free(item);
    CHECK_INT(ddb_batch_writer_flush(w, &err), DDB_ERR_LIMIT); /* the first recorded: "no" */
    CHECK_INT(ddb_batch_writer_failed(w), 5);
    CHECK_INT(ddb_batch_writer_written(w), 16);
    for (size_t i = 4; i < 20; i += 5) {
        const ddb_batch_failure *f = failure_of(w, i);
        REQUIRE(f);
        CHECK_INT(f->code, DDB_ERR_RESOURCE_NOT_FOUND);
        CHECK_STR(f->table, missing);
    }
    const ddb_batch_failure *f = failure_of(w, 20);
    REQUIRE(f);
    CHECK_STR(f->table, "no");
    CHECK_INT(count_items(c, t), 16);
    ddb_batch_writer_free(w);
    ddb_error_clear(&err);
    free(missing);
    drop(c, t);
    ddb_client_free(c);
}

TEST(writer_splits_at_16mb)
{
    /* 25 items of 115000 control characters: 115 KB each by the item-size formula, but 690 KB
     * each on the wire ("\u0001"), 17 MB in all: more than one BatchWriteItem can carry. */
    calls n = {0};
    ddb_client *c = counting_client(&n);
    char *t = new_table(c, "bw16", NULL);
    REQUIRE(t);
    char *ctl = malloc(115001);
    REQUIRE(ctl);
    memset(ctl, '\x01', 115000);
    ctl[115000] = '\0';
    ddb_batch_writer *w = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
    for (int i = 0; i < 25; i++) {
        ddb_value *item = key_of("x"), *d = NULL;
        char pk[16];
        snprintf(pk, sizeof(pk), "big%02d", i);
        CHECK_INT(ddb_value_m_set_s(item, "pk", pk, &err), 0);
        CHECK_INT(ddb_value_new_s(&d, ctl, &err), 0);
        CHECK_INT(ddb_value_m_set_take(item, "d", d, &err), 0);
        CHECK_INT(ddb_batch_writer_put(w, t, item, &err), 0);
        ddb_value_free(item);
    }
    CHECK_INT(harness_report("flush", ddb_batch_writer_flush(w, &err), &err), 0);
    CHECK_INT(ddb_batch_writer_written(w), 25);
    CHECK_INT(n.batch_write, 2); /* 24 fit under 16 MB, then the last one */
    ddb_batch_getter *g = NULL;  /* read back (a Scan page stops at 1 MB) */
    REQUIRE(ddb_batch_getter_new(&g, c, NULL, &err) == 0);
    for (int i = 0; i < 25; i++) {
        char pk[16];
        snprintf(pk, sizeof(pk), "big%02d", i);
        ddb_value *k = key_of(pk);
        CHECK_INT(ddb_batch_getter_add(g, t, k, &err), 0);
        ddb_value_free(k);
    }
    CHECK_INT(harness_report("run", ddb_batch_getter_run(g, &err), &err), 0);
    const ddb_value *const *found = NULL;
    CHECK_INT(ddb_batch_getter_table_items(g, t, &found), 25);
    size_t len = 0;
    CHECK(ddb_value_s(ddb_value_m_get(found[24], "d"), &len) && len == 115000);
    ddb_batch_getter_free(g);
    free(ctl);
    ddb_batch_writer_free(w);
    ddb_error_clear(&err);
    drop(c, t);
    ddb_client_free(c);
}

/* A client through the fault proxy, without retries of its own: every throttle reaches us. */
static ddb_client *proxied_client(fault_proxy *p)
{
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.endpoint = fault_proxy_endpoint(p);
    o.region = "us-east-1";
    o.access_key_id = "AKIDLOCALTEST";
    o.secret_access_key = "local-test-secret";
    o.max_attempts = 1;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_client_new(&c, &o, &err) != 0) {
        fprintf(stderr, "ddb_client_new: %s\n", err.message);
        exit(1);
    }
    return c;
}

TEST(throttled_batches_are_resent_a_bounded_number_of_times)
{
    ddb_client *direct = harness_client(NULL);
    char *t = new_table(direct, "bwthr", NULL);
    REQUIRE(t);
    fault_proxy *p = fault_proxy_start(harness_endpoint());
    ddb_client *c = proxied_client(p);
    ddb_batch_options opts = DDB_BATCH_OPTIONS_INIT;
    opts.max_rounds = 3;
    opts.base_delay_ms = 1;
    opts.max_delay_ms = 5;
    ddb_error err = DDB_ERROR_INIT;

    /* Throttled for good: each batch is sent 3 times, then its items fail. */
    fault_proxy_script(p, NULL, 0, (fault_step){.action = FAULT_THROTTLE});
    ddb_batch_writer *w = NULL;
    REQUIRE(ddb_batch_writer_new(&w, c, &opts, &err) == 0);
    for (int i = 0; i < 30; i++) {
        ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k%d\"}}", i);
        CHECK_INT(ddb_batch_writer_put(w, t, item, &err), 0);
        ddb_value_free(item);
    }
    CHECK_INT(ddb_batch_writer_flush(w, &err), DDB_ERR_THROTTLED);
    CHECK_CONTAINS(err.message, "30 of 30 writes failed; first: item 0");
    CHECK_INT(fault_proxy_requests(p), 6); /* two batches (25 + 5), three sends each */
    CHECK_INT(fault_proxy_forwarded(p), 0);
    for (size_t i = 0; i < 30; i++) {
        const ddb_batch_failure *f = ddb_batch_writer_failure(w, i);
        REQUIRE(f);
        CHECK_INT(f->index, i);
        CHECK_INT(f->code, DDB_ERR_THROTTLED);
        CHECK_STR(f->aws_type, "ThrottlingException");
    }
    ddb_batch_writer_free(w);

    /* Throttled twice, then through: written on the third send. */
    fault_step two[] = {{.action = FAULT_THROTTLE}, {.action = FAULT_THROTTLE}};
    fault_proxy_script(p, two, 2, (fault_step){.action = FAULT_FORWARD});
    REQUIRE(ddb_batch_writer_new(&w, c, &opts, &err) == 0);
    for (int i = 0; i < 10; i++) {
        ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k%d\"}}", i);
        CHECK_INT(ddb_batch_writer_put(w, t, item, &err), 0);
        ddb_value_free(item);
    }
    CHECK_INT(harness_report("flush", ddb_batch_writer_flush(w, &err), &err), 0);
    CHECK_INT(ddb_batch_writer_written(w), 10);
    CHECK_INT(fault_proxy_requests(p), 3);
    ddb_batch_writer_free(w);
    CHECK_INT(count_items(direct, t), 10);

    /* The getter: throttled once, then through. */
    fault_proxy_script(p, two, 1, (fault_step){.action = FAULT_FORWARD});
    ddb_batch_getter *g = NULL;
    REQUIRE(ddb_batch_getter_new(&g, c, &opts, &err) == 0);
    for (int i = 0; i < 12; i++) {
        ddb_value *k = harness_itemf("{\"pk\":{\"S\":\"k%d\"}}", i);
        CHECK_INT(ddb_batch_getter_add(g, t, k, &err), 0);
        ddb_value_free(k);
    }
    CHECK_INT(harness_report("run", ddb_batch_getter_run(g, &err), &err), 0);
    CHECK_INT(fault_proxy_requests(p), 2);
    for (size_t i = 0; i < 12; i++)
        CHECK_INT(ddb_batch_getter_result(g, i)->status,
                  i < 10 ? DDB_BATCH_GET_FOUND : DDB_BATCH_GET_NOT_FOUND);
    ddb_batch_getter_free(g);

    /* Throttled for good: the getter's keys fail after 3 sends. */
    fault_proxy_script(p, NULL, 0, (fault_step){.action = FAULT_THROTTLE});
    REQUIRE(ddb_batch_getter_new(&g, c, &opts, &err) == 0);
    ddb_value *k = harness_itemf("{\"pk\":{\"S\":\"k1\"}}");
    CHECK_INT(ddb_batch_getter_add(g, t, k, &err), 0);
    ddb_value_free(k);
    CHECK_INT(ddb_batch_getter_run(g, &err), DDB_ERR_THROTTLED);
    CHECK_INT(fault_proxy_requests(p), 3);
    CHECK_INT(ddb_batch_getter_result(g, 0)->status, DDB_BATCH_GET_FAILED);
    ddb_batch_getter_free(g);

    ddb_error_clear(&err);
    ddb_client_free(c);
    fault_proxy_stop(p);
    drop(direct, t);
    ddb_client_free(direct);
}

TEST(getter_two_tables_duplicates_missing_and_projection)
{
    calls n = {0};
    ddb_client *c = counting_client(&n);
    char *users = new_table(c, "bgu", NULL), *orders = new_table(c, "bgo", NULL);
    REQUIRE(users && orders);
    ddb_value *items[150];
    for (int i = 0; i < 150; i++)
        items[i] = harness_itemf("{\"pk\":{\"S\":\"u%d\"},\"name\":{\"S\":\"user %d\"},"
                                 "\"secret\":{\"S\":\"s%d\"}}",
                                 i, i, i);
    REQUIRE(harness_batch_put(c, users, items, 150) == 0);
    for (int i = 0; i < 150; i++)
        ddb_value_free(items[i]);
    REQUIRE(harness_putf(c, orders, "{\"pk\":{\"S\":\"o1\"},\"total\":{\"N\":\"12\"}}") == 0);

    ddb_batch_getter *g = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_batch_getter_new(&g, c, NULL, &err) == 0);
    /* Only the name, through a placeholder; the key comes back anyway. */
    ddb_string_map_entry names[] = {{"#n", "name"}};
    CHECK_INT(ddb_batch_getter_table_options(g, users, "#n", names, 1, true, &err), 0);
    for (int i = 0; i < 150; i++) {
        char pk[16];
        snprintf(pk, sizeof(pk), "u%d", i % 120); /* u0..u29 twice */
        ddb_value *k = key_of(pk);
        CHECK_INT(ddb_batch_getter_add(g, users, k, &err), 0);
        ddb_value_free(k);
    }
    ddb_value *o1 = key_of("o1"), *o2 = key_of("o2"),
              *bad = harness_itemf("{\"pk\":{\"N\":\"1\"}}");
    CHECK_INT(ddb_batch_getter_add(g, orders, o1, &err), 0);  /* 150 */
    CHECK_INT(ddb_batch_getter_add(g, orders, o2, &err), 0);  /* 151: not there */
    CHECK_INT(ddb_batch_getter_add(g, orders, bad, &err), 0); /* 152: wrong key type */
    ddb_value *empty = key_of("");
    CHECK_INT(ddb_batch_getter_add(g, users, empty, &err), DDB_ERR_LIMIT); /* 153 */
    CHECK_STR(err.message, "key attribute \"pk\" is an empty string; key values must not be empty");
    ddb_value_free(o1);
    ddb_value_free(o2);
    ddb_value_free(bad);
    ddb_value_free(empty);

    int rc = ddb_batch_getter_run(g, &err);
    CHECK_INT(rc, DDB_ERR_VALIDATION); /* the first failed key's code */
    CHECK_CONTAINS(err.message, "2 of 154 keys failed; first: key 152");
    /* 123 distinct keys: two calls, then halving around the bad key. */
    CHECK(n.batch_get >= 2);

    for (int i = 0; i < 150; i++) {
        const ddb_batch_get_result *r = ddb_batch_getter_result(g, (size_t)i);
        REQUIRE(r);
        CHECK_INT(r->status, DDB_BATCH_GET_FOUND);
        char want[32];
        snprintf(want, sizeof(want), "user %d", i % 120);
        CHECK(harness_attr_is_s(r->item, "name", want));
        CHECK(ddb_value_m_get(r->item, "secret") == NULL); /* projected away */
        CHECK(ddb_value_m_get(r->item, "pk") != NULL);     /* the key came back */
    }
    const ddb_batch_get_result *r = ddb_batch_getter_result(g, 150);
    CHECK_INT(r->status, DDB_BATCH_GET_FOUND);
    CHECK(harness_attr_is_n(r->item, "total", 12));
    r = ddb_batch_getter_result(g, 151);
    CHECK_INT(r->status, DDB_BATCH_GET_NOT_FOUND);
    r = ddb_batch_getter_result(g, 152);
    CHECK_INT(r->status, DDB_BATCH_GET_FAILED);
    CHECK_INT(r->code, DDB_ERR_VALIDATION);
    CHECK_STR(r->aws_type, "ValidationException");
    r = ddb_batch_getter_result(g, 153);
    CHECK_INT(r->status, DDB_BATCH_GET_FAILED);
    CHECK_INT(r->code, DDB_ERR_LIMIT);
    CHECK(ddb_batch_getter_result(g, 154) == NULL);

    const ddb_value *const *found = NULL;
    CHECK_INT(ddb_batch_getter_table_items(g, users, &found), 120); /* one per distinct key */
    CHECK_INT(ddb_batch_getter_table_items(g, orders, &found), 1);
    CHECK(harness_attr_is_s(found[0], "pk", "o1"));
    CHECK_INT(ddb_batch_getter_table_items(g, "unknown", &found), 0);

    ddb_batch_getter_free(g);
    ddb_error_clear(&err);
    drop(c, users);
    drop(c, orders);
    ddb_client_free(c);
}

TEST(options_and_misuse)
{
    ddb_client *c = harness_client(NULL);
    ddb_batch_writer *w = NULL;
    ddb_batch_getter *g = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_batch_options bad = DDB_BATCH_OPTIONS_INIT;
    bad.version = 9;
    CHECK_INT(ddb_batch_writer_new(&w, c, &bad, &err), DDB_ERR_INVALID_ARG);
    CHECK(w == NULL);
    bad.version = DDB_BATCH_OPTIONS_VERSION;
    bad.max_rounds = -1;
    CHECK_INT(ddb_batch_getter_new(&g, c, &bad, &err), DDB_ERR_INVALID_ARG);
    CHECK(g == NULL);
    CHECK_INT(ddb_batch_writer_new(&w, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    REQUIRE(ddb_batch_writer_new(&w, c, NULL, &err) == 0);
    CHECK_INT(ddb_batch_writer_put(w, "tab", NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_value *s = harness_valuef("{\"S\":\"x\"}");
    CHECK_INT(ddb_batch_writer_put(w, "tab", s, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "the item is S, not M");
    ddb_value_free(s);
    CHECK_INT(ddb_batch_writer_failed(w), 2);
    CHECK_INT(ddb_batch_writer_flush(w, &err), DDB_ERR_INVALID_ARG);
    ddb_batch_writer_free(w);
    ddb_batch_writer_free(NULL);
    ddb_batch_getter_free(NULL);
    CHECK_INT(ddb_batch_writer_flush(NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_batch_getter_run(NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_error_clear(&err);
    ddb_client_free(c);
}

TEST_MAIN(CASE(writer_1000_puts_and_deletes_read_back),
          CASE(writer_reports_exactly_the_invalid_items), CASE(writer_two_writes_to_one_key),
          CASE(writer_duplicates_split_by_schema_or_by_halving),
          CASE(writer_missing_table_fails_only_its_items), CASE(writer_splits_at_16mb),
          CASE(throttled_batches_are_resent_a_bounded_number_of_times),
          CASE(getter_two_tables_duplicates_missing_and_projection), CASE(options_and_misuse))
