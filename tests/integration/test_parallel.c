/*
 * ddb_parallel against DynamoDB Local: mixed operations in one batch, per-request results and
 * errors, the completion callback (chaining and stopping), retries of network failures, hooks,
 * parallel Scan (every item exactly once) and bulk BatchWriteItem.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/api/parallel.h"
#include "support/items.h"
#include "test.h"

#define SECRET "SeCrEtKeY/parallel+never+logged"
#define TOKEN "SeSsIoNtOkEn-parallel-never-logged"

typedef struct capture {
    int n_events;
    int attempts[64];
    char operations[64][32];
    int codes[64];
    char *trace;
    size_t trace_len;
    int n_retries; /* "retry" log payloads */
    double retry_ceilings[64];
    bool retry_throttling[64];
} capture;

static void on_log(void *ctx, ddb_log_level level, const char *message, const char *payload)
{
    (void)level;
    (void)message;
    capture *cap = ctx;
    json_t *j = payload ? json_loads(payload, 0, NULL) : NULL;
    const char *event = json_string_value(json_object_get(j, "event"));
    if (event && strcmp(event, "retry") == 0) {
        if (cap->n_retries < 64) {
            cap->retry_ceilings[cap->n_retries] =
                json_number_value(json_object_get(j, "ceiling_ms"));
            cap->retry_throttling[cap->n_retries] = json_is_true(json_object_get(j, "throttling"));
        }
        cap->n_retries++;
    }
    json_decref(j);
}

static void on_event(void *ctx, const ddb_event *ev)
{
    capture *cap = ctx;
    if (cap->n_events < 64) {
        cap->attempts[cap->n_events] = ev->attempts;
        cap->codes[cap->n_events] = ev->error_code;
        snprintf(cap->operations[cap->n_events], sizeof(cap->operations[0]), "%s", ev->operation);
    }
    cap->n_events++;
}

static void on_trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    (void)kind;
    capture *cap = ctx;
    char *grown = realloc(cap->trace, cap->trace_len + len + 2);
    if (!grown)
        abort();
    cap->trace = grown;
    memcpy(cap->trace + cap->trace_len, data, len);
    cap->trace_len += len;
    cap->trace[cap->trace_len++] = '\n';
    cap->trace[cap->trace_len] = '\0';
}

static ddb_client *client_with(capture *cap)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.on_event = on_event;
    opts.event_ctx = cap;
    return harness_client(&opts);
}

static char *new_table(ddb_client *c, const char *prefix)
{
    char *table = harness_table_name(prefix);
    if (harness_create_table(c, table, "pk", "S", NULL, NULL) != 0) {
        fprintf(stderr, "cannot create %s\n", table);
        exit(1);
    }
    return table;
}

static void drop_table(ddb_client *c, char *table)
{
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
}

static ddb_value *key_s(const char *pk)
{
    return harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
}

TEST(mixed_operations_in_one_batch)
{
    capture cap = {0};
    ddb_client *c = client_with(&cap);
    char *table = new_table(c, "par_mixed");
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}") == 0);
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"d\"},\"n\":{\"N\":\"4\"}}") == 0);
    cap.n_events = 0;

    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_parallel_new(&p, c, NULL, &err) == 0);
    CHECK_INT(ddb_parallel_count(p), 0);

    ddb_value *ka = key_s("a"), *kd = key_s("d");
    ddb_value *item_b = harness_itemf("{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"2\"}}");
    ddb_value *item_c = harness_itemf("{\"pk\":{\"S\":\"c\"},\"n\":{\"N\":\"3\"}}");
    ddb_value *vals = harness_itemf("{\":one\":{\"N\":\"1\"}}");
    ddb_get_item_input get = {
        .table_name = table, .key = ka, .has_consistent_read = true, .consistent_read = true};
    ddb_put_item_input put = {.table_name = table, .item = item_b};
    ddb_update_item_input upd = {.table_name = table,
                                 .key = kd,
                                 .update_expression = "SET n = n + :one",
                                 .expression_attribute_values = vals,
                                 .return_values = "UPDATED_NEW"};
    ddb_value *qvals = harness_itemf("{\":a\":{\"S\":\"a\"}}");
    ddb_query_input query = {.table_name = table,
                             .key_condition_expression = "pk = :a",
                             .expression_attribute_values = qvals};
    ddb_scan_input scan = {.table_name = table, .select = "COUNT"};
    ddb_put_request pr = {.item = item_c};
    ddb_write_request wr = {.put_request = &pr};
    ddb_batch_write_item_request_map_entry entry = {table, 1, &wr};
    ddb_batch_write_item_input bw = {.n_request_items = 1, .request_items = &entry};
    ddb_delete_item_input del = {.table_name = table, .key = ka};

    size_t idx[7];
    CHECK(ddb_parallel_add(&idx[0], p, "GetItem", &get, &err) == 0);
    CHECK(ddb_parallel_add(&idx[1], p, "PutItem", &put, &err) == 0);
    CHECK(ddb_parallel_add(&idx[2], p, "UpdateItem", &upd, &err) == 0);
    CHECK(ddb_parallel_add(&idx[3], p, "Query", &query, &err) == 0);
    CHECK(ddb_parallel_add(&idx[4], p, "Scan", &scan, &err) == 0);
    CHECK(ddb_parallel_add(&idx[5], p, "BatchWriteItem", &bw, &err) == 0);
    for (size_t i = 0; i < 6; i++)
        CHECK_INT(idx[i], i);
    /* Inputs were encoded by add: freeing them now must not matter. */
    ddb_value_free(item_b);
    ddb_value_free(item_c);
    ddb_value_free(vals);
    ddb_value_free(qvals);
    ddb_value_free(kd);
    CHECK_INT(ddb_parallel_count(p), 6);

    int rc = ddb_parallel_run(p, &err);
    if (rc)
        fprintf(stderr, "run: %s\n", err.message);
    CHECK_INT(rc, 0);

    ddb_get_item_output *g = NULL;
    CHECK(ddb_parallel_take((void **)&g, p, idx[0], &err) == 0);
    CHECK(g && harness_attr_is_n(g->item, "n", 1));
    ddb_get_item_output_free(g);
    ddb_put_item_output *po = NULL;
    CHECK(ddb_parallel_take((void **)&po, p, idx[1], &err) == 0 && po);
    ddb_put_item_output_free(po);
    ddb_update_item_output *u = NULL;
    CHECK(ddb_parallel_take((void **)&u, p, idx[2], &err) == 0);
    CHECK(u && harness_attr_is_n(u->attributes, "n", 5));
    ddb_update_item_output_free(u);
    ddb_query_output *q = NULL;
    CHECK(ddb_parallel_take((void **)&q, p, idx[3], &err) == 0);
    CHECK(q && q->n_items == 1);
    ddb_query_output_free(q);
    ddb_scan_output *s = NULL;
    CHECK(ddb_parallel_take((void **)&s, p, idx[4], &err) == 0);
    CHECK(s && s->has_count && s->count >= 2);
    ddb_scan_output_free(s);
    /* Output 5 is not taken: ddb_parallel_free frees it. */

    /* The same batch again, after a reset: numbering restarts. */
    ddb_parallel_reset(p);
    CHECK_INT(ddb_parallel_count(p), 0);
    size_t again = 99;
    CHECK(ddb_parallel_add(&again, p, "DeleteItem", &del, &err) == 0);
    CHECK_INT(again, 0);
    CHECK(ddb_parallel_add(NULL, p, "GetItem", &get, &err) == 0);
    CHECK_INT(ddb_parallel_run(p, &err), 0);
    ddb_value_free(ka);
    ddb_parallel_free(p);

    /* One event per request. */
    CHECK_INT(cap.n_events, 8);
    for (int i = 0; i < 8 && i < cap.n_events; i++) {
        CHECK_INT(cap.attempts[i], 1);
        CHECK_INT(cap.codes[i], 0);
    }
    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST(each_request_has_its_own_result_and_error)
{
    capture cap = {0};
    ddb_client *c = client_with(&cap);
    char *table = new_table(c, "par_errors");
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"x\"},\"n\":{\"N\":\"1\"}}") == 0);

    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_parallel_new(&p, c, NULL, &err) == 0);
    ddb_value *kx = key_s("x");
    ddb_get_item_input ok_get = {.table_name = table, .key = kx};
    ddb_get_item_input missing = {.table_name = "par_no_such_table", .key = kx};
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"x\"}}");
    ddb_put_item_input conditional = {
        .table_name = table, .item = item, .condition_expression = "attribute_not_exists(pk)"};
    CHECK(ddb_parallel_add(NULL, p, "GetItem", &ok_get, &err) == 0);
    CHECK(ddb_parallel_add(NULL, p, "GetItem", &missing, &err) == 0);
    CHECK(ddb_parallel_add(NULL, p, "PutItem", &conditional, &err) == 0);
    CHECK(ddb_parallel_add(NULL, p, "GetItem", &ok_get, &err) == 0);

    /* Before the run nothing has completed. */
    CHECK_INT(ddb_parallel_take(NULL, p, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "has not completed");

    int rc = ddb_parallel_run(p, &err);
    CHECK_INT(rc, DDB_ERR_RESOURCE_NOT_FOUND); /* the lowest failed index */
    CHECK_CONTAINS(err.message, "2 of 4 requests failed; request 1 (GetItem)");
    CHECK_STR(err.aws_type, "ResourceNotFoundException");

    const ddb_error *e2 = ddb_parallel_error(p, 2);
    CHECK(e2 && e2->code == DDB_ERR_CONDITION_FAILED);
    CHECK(ddb_parallel_error(p, 0) == NULL);
    CHECK(ddb_parallel_error(p, 99) == NULL);

    ddb_get_item_output *g = NULL;
    CHECK_INT(ddb_parallel_take((void **)&g, p, 0, &err), 0);
    CHECK(g && harness_attr_is_n(g->item, "n", 1));
    ddb_get_item_output_free(g);
    g = NULL;
    CHECK_INT(ddb_parallel_take((void **)&g, p, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "was taken");
    CHECK(g == NULL);

    ddb_error e = DDB_ERROR_INIT;
    CHECK_INT(ddb_parallel_take(NULL, p, 1, &e), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_STR(e.aws_type, "ResourceNotFoundException");
    CHECK(e.http_status == 400);
    CHECK(ddb_parallel_error(p, 1) == NULL); /* moved out */
    CHECK_INT(ddb_parallel_take(NULL, p, 1, &e), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_parallel_take(NULL, p, 2, NULL), DDB_ERR_CONDITION_FAILED);
    CHECK_INT(ddb_parallel_take(NULL, p, 4, &e), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(e.message, "does not exist");
    ddb_error_clear(&e);

    /* Each failure reported its own event, not retried (not retryable). */
    int failed_events = 0;
    for (int i = 0; i < cap.n_events && i < 64; i++)
        if (cap.codes[i]) {
            failed_events++;
            CHECK_INT(cap.attempts[i], 1);
        }
    CHECK_INT(failed_events, 2);

    ddb_parallel_free(p);
    ddb_value_free(kx);
    ddb_value_free(item);
    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST(add_rejects_what_cannot_be_encoded)
{
    ddb_client *c = harness_client(NULL);
    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_parallel_new(&p, c, NULL, &err) == 0);
    ddb_get_item_input no_key = {.table_name = "t"};
    size_t index = 42;
    CHECK_INT(ddb_parallel_add(&index, p, "GetItem", &no_key, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "Key is required");
    CHECK_INT(ddb_parallel_add(&index, p, "FlyToTheMoon", &no_key, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "unknown operation");
    CHECK_INT(ddb_parallel_add(&index, p, NULL, &no_key, &err), DDB_ERR_INVALID_ARG);
    /* DynamoDB's limits are checked at add, as the blocking call checks them before sending. */
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"x\"}}");
    ddb_put_request put = {.item = item};
    ddb_write_request writes[26];
    for (int i = 0; i < 26; i++)
        writes[i] = (ddb_write_request){.put_request = &put};
    ddb_batch_write_item_request_map_entry entry = {"t", 26, writes};
    ddb_batch_write_item_input too_many = {.n_request_items = 1, .request_items = &entry};
    CHECK_INT(ddb_parallel_add(&index, p, "BatchWriteItem", &too_many, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "25");
    ddb_value_free(item);
    CHECK_INT(index, 42);
    CHECK_INT(ddb_parallel_count(p), 0);
    /* An empty batch runs and succeeds. */
    CHECK_INT(ddb_parallel_run(p, &err), 0);
    ddb_parallel_free(p);

    ddb_parallel_options bad = DDB_PARALLEL_OPTIONS_INIT;
    bad.max_in_flight = DDB_PARALLEL_MAX_IN_FLIGHT + 1;
    p = NULL;
    CHECK_INT(ddb_parallel_new(&p, c, &bad, &err), DDB_ERR_INVALID_ARG);
    CHECK(p == NULL);
    bad = (ddb_parallel_options)DDB_PARALLEL_OPTIONS_INIT;
    bad.version = 99;
    CHECK_INT(ddb_parallel_new(&p, c, &bad, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_parallel_new(&p, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_parallel_run(NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_parallel_free(NULL);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

/* The callback pages through a Query by adding the next page itself, taking each output. */
typedef struct chain {
    const char *table;
    ddb_value *values;
    int pages;
    int items;
    int calls_with_error;
} chain;

static int add_query_page(ddb_parallel *p, chain *ch, const ddb_value *start, ddb_error *err)
{
    ddb_query_input in = {.table_name = ch->table,
                          .key_condition_expression = "pk = :p",
                          .expression_attribute_values = ch->values,
                          .has_limit = true,
                          .limit = 3,
                          .exclusive_start_key = start};
    return ddb_parallel_add(NULL, p, "Query", &in, err);
}

static int on_query_done(void *ctx, ddb_parallel *p, size_t index, const char *operation, int rc,
                         void **output, const ddb_error *err)
{
    (void)index;
    chain *ch = ctx;
    if (rc || strcmp(operation, "Query") != 0) {
        ch->calls_with_error++;
        fprintf(stderr, "callback: %s\n", err ? err->message : "?");
        return 0;
    }
    ddb_query_output *page = *output;
    *output = NULL; /* taken: this callback frees it */
    ch->pages++;
    ch->items += (int)page->n_items;
    rc = 0;
    if (page->last_evaluated_key)
        rc = add_query_page(p, ch, page->last_evaluated_key, NULL);
    ddb_query_output_free(page);
    return rc;
}

TEST(callback_chains_the_next_page)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("par_chain");
    REQUIRE(harness_create_table(c, table, "pk", "S", "sk", "N") == 0);
    ddb_value *items[10];
    for (int i = 0; i < 10; i++)
        items[i] = harness_itemf("{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"%d\"}}", i);
    REQUIRE(harness_batch_put(c, table, items, 10) == 0);
    for (int i = 0; i < 10; i++)
        ddb_value_free(items[i]);

    chain ch = {.table = table, .values = harness_itemf("{\":p\":{\"S\":\"p\"}}")};
    ddb_parallel_options opts = DDB_PARALLEL_OPTIONS_INIT;
    opts.on_done = on_query_done;
    opts.on_done_ctx = &ch;
    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_parallel_new(&p, c, &opts, &err) == 0);
    REQUIRE(add_query_page(p, &ch, NULL, &err) == 0);
    CHECK_INT(ddb_parallel_run(p, &err), 0);
    CHECK_INT(ch.items, 10);
    CHECK_INT(ch.pages, 4); /* 3+3+3+1; the last page has no LastEvaluatedKey */
    CHECK_INT(ch.calls_with_error, 0);
    CHECK_INT(ddb_parallel_count(p), 4);
    /* Taken by the callback: nothing left to take. */
    CHECK_INT(ddb_parallel_take(&(void *){NULL}, p, 0, &err), DDB_ERR_INVALID_ARG);
    ddb_parallel_free(p);
    ddb_value_free(ch.values);
    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

static int stop_after_first(void *ctx, ddb_parallel *p, size_t index, const char *operation, int rc,
                            void **output, const ddb_error *err)
{
    (void)p;
    (void)index;
    (void)operation;
    (void)rc;
    (void)output;
    (void)err;
    int *calls = ctx;
    return ++*calls == 1 ? DDB_ERR_LIMIT : 0;
}

TEST(callback_stops_the_run_and_a_second_run_finishes_it)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "par_stop");
    int calls = 0;
    ddb_parallel_options opts = DDB_PARALLEL_OPTIONS_INIT;
    opts.max_in_flight = 2;
    opts.on_done = stop_after_first;
    opts.on_done_ctx = &calls;
    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_parallel_new(&p, c, &opts, &err) == 0);
    for (int i = 0; i < 10; i++) {
        char pk[16];
        snprintf(pk, sizeof(pk), "s%d", i);
        ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
        ddb_put_item_input in = {.table_name = table, .item = item};
        CHECK(ddb_parallel_add(NULL, p, "PutItem", &in, &err) == 0);
        ddb_value_free(item);
    }
    CHECK_INT(ddb_parallel_run(p, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "stopped the run");
    CHECK_INT(calls, 1);
    CHECK_INT(ddb_parallel_run(p, &err), 0);
    CHECK_INT(calls, 10); /* every request completed exactly once */
    for (size_t i = 0; i < 10; i++)
        CHECK_INT(ddb_parallel_take(NULL, p, i, &err), 0);
    ddb_parallel_free(p);
    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST(network_failures_are_retried_with_the_client_policy)
{
    capture cap = {0};
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://127.0.0.1:9"; /* discard port: nothing listens */
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDLOCALTEST";
    opts.secret_access_key = "local-test-secret";
    opts.max_attempts = 3;
    opts.connect_timeout_ms = 1000;
    opts.on_event = on_event;
    opts.event_ctx = &cap;
    opts.log = on_log;
    opts.log_ctx = &cap;
    opts.log_level = DDB_LOG_DEBUG;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    ddb_parallel *p = NULL;
    REQUIRE(ddb_parallel_new(&p, c, NULL, &err) == 0);
    ddb_value *k = key_s("x");
    ddb_get_item_input get = {.table_name = "par_t", .key = k};
    for (int i = 0; i < 3; i++)
        CHECK(ddb_parallel_add(NULL, p, "GetItem", &get, &err) == 0);
    double start = harness_now_ms();
    CHECK_INT(ddb_parallel_run(p, &err), DDB_ERR_NETWORK);
    double took = harness_now_ms() - start;
    CHECK_CONTAINS(err.message, "3 of 3 requests failed");
    CHECK(err.retryable);
    /* Transient backoff (25 then 50 ms ceilings), never throttling's 1 s: counted in the retry
     * log, not timed. The wall clock is only a hang guard. */
    CHECK_INT(cap.n_retries, 6);
    int firsts = 0, seconds = 0;
    for (int i = 0; i < cap.n_retries && i < 64; i++) {
        CHECK(!cap.retry_throttling[i]);
        firsts += cap.retry_ceilings[i] == 25;
        seconds += cap.retry_ceilings[i] == 50;
    }
    CHECK_INT(firsts, 3);
    CHECK_INT(seconds, 3);
    CHECK(took < 30000);
    CHECK_INT(cap.n_events, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(cap.attempts[i], 3);
        CHECK_INT(cap.codes[i], DDB_ERR_NETWORK);
    }
    ddb_value_free(k);
    ddb_parallel_free(p);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

/* Requests of a batch go through the client's one circuit breaker, as blocking calls do. */
TEST(circuit_breaker_is_shared_with_the_client)
{
    capture cap = {0};
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://127.0.0.1:9";
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDLOCALTEST";
    opts.secret_access_key = "local-test-secret";
    opts.max_attempts = 1;
    opts.circuit_breaker_threshold = 2;
    opts.circuit_breaker_cooldown_ms = 60000;
    opts.on_event = on_event;
    opts.event_ctx = &cap;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    ddb_parallel_options popts = DDB_PARALLEL_OPTIONS_INIT;
    popts.max_in_flight = 1; /* one after the other, so the count is deterministic */
    ddb_parallel *p = NULL;
    REQUIRE(ddb_parallel_new(&p, c, &popts, &err) == 0);
    ddb_value *k = key_s("x");
    ddb_get_item_input get = {.table_name = "par_t", .key = k};
    for (int i = 0; i < 5; i++)
        CHECK(ddb_parallel_add(NULL, p, "GetItem", &get, &err) == 0);
    CHECK_INT(ddb_parallel_run(p, &err), DDB_ERR_NETWORK);
    CHECK_CONTAINS(err.message, "5 of 5 requests failed");
    CHECK_INT(ddb_parallel_take(NULL, p, 0, NULL), DDB_ERR_NETWORK);
    CHECK_INT(ddb_parallel_take(NULL, p, 1, NULL), DDB_ERR_NETWORK);
    for (size_t i = 2; i < 5; i++)
        CHECK_INT(ddb_parallel_take(NULL, p, i, NULL), DDB_ERR_CIRCUIT_OPEN);
    /* A blocking call on the same client sees the same open breaker. */
    ddb_get_item_output *out = NULL;
    CHECK_INT(ddb_get_item(&out, c, &get, &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(cap.n_events, 6);
    ddb_value_free(k);
    ddb_parallel_free(p);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST(trace_sees_requests_but_never_secrets)
{
    capture cap = {0};
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.access_key_id = "AKIDLOCALTEST";
    opts.secret_access_key = SECRET;
    opts.session_token = TOKEN;
    opts.trace = on_trace;
    opts.trace_ctx = &cap;
    ddb_client *c = harness_client(&opts);
    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_parallel_new(&p, c, NULL, &err) == 0);
    ddb_list_tables_input in = {0};
    CHECK(ddb_parallel_add(NULL, p, "ListTables", &in, &err) == 0);
    CHECK(ddb_parallel_add(NULL, p, "ListTables", &in, &err) == 0);
    CHECK_INT(ddb_parallel_run(p, &err), 0);
    REQUIRE(cap.trace != NULL);
    CHECK_CONTAINS(cap.trace, "X-Amz-Target: DynamoDB_20120810.ListTables");
    CHECK_CONTAINS(cap.trace, "Authorization: [redacted]");
    CHECK_CONTAINS(cap.trace, "amz-sdk-invocation-id: ");
    CHECK_CONTAINS(cap.trace, "amz-sdk-request: attempt=1; max=");
    CHECK_CONTAINS(cap.trace, "TableNames");
    CHECK(strstr(cap.trace, SECRET) == NULL);
    CHECK(strstr(cap.trace, TOKEN) == NULL);
    CHECK(strstr(cap.trace, "Signature=") == NULL);
    free(cap.trace);
    ddb_parallel_free(p);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

/* ---- Parallel Scan --------------------------------------------------------------------------- */

#define SCAN_ITEMS 1000
#define SCAN_SEGMENTS 8

typedef struct scan_seen {
    int count[SCAN_ITEMS];
    int pages_per_segment[SCAN_SEGMENTS];
    int bad;
    int stop_after; /* pages; 0: never */
    int pages;
} scan_seen;

static int on_page(void *ctx, int64_t segment, const ddb_scan_output *page)
{
    scan_seen *s = ctx;
    s->pages++;
    if (segment < 0 || segment >= SCAN_SEGMENTS) {
        s->bad++;
        return 0;
    }
    s->pages_per_segment[segment]++;
    for (size_t i = 0; i < page->n_items; i++) {
        const char *pk = ddb_value_s(ddb_value_m_get(page->items[i], "pk"), NULL);
        int n = pk && strncmp(pk, "item#", 5) == 0 ? atoi(pk + 5) : -1;
        if (n < 0 || n >= SCAN_ITEMS)
            s->bad++;
        else
            s->count[n]++;
    }
    return s->stop_after && s->pages >= s->stop_after ? DDB_ERR_LIMIT : 0;
}

static int load_scan_items(ddb_client *c, const char *table)
{
    static ddb_value *items[SCAN_ITEMS];
    static ddb_put_request puts[SCAN_ITEMS];
    static ddb_write_request writes[SCAN_ITEMS];
    for (int i = 0; i < SCAN_ITEMS; i++) {
        items[i] = harness_itemf("{\"pk\":{\"S\":\"item#%d\"},\"pad\":{\"S\":\"%0200d\"}}", i, i);
        puts[i].item = items[i];
        writes[i] = (ddb_write_request){.put_request = &puts[i]};
    }
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_parallel_batch_write(c, table, writes, SCAN_ITEMS, 8, &err);
    harness_report("ddb_parallel_batch_write", rc, &err);
    for (int i = 0; i < SCAN_ITEMS; i++)
        ddb_value_free(items[i]);
    ddb_error_clear(&err);
    return rc;
}

TEST(parallel_scan_sees_every_item_exactly_once)
{
    capture cap = {0};
    ddb_client *c = client_with(&cap);
    char *table = new_table(c, "par_scan");
    REQUIRE(load_scan_items(c, table) == 0);
    cap.n_events = 0;

    static scan_seen seen;
    memset(&seen, 0, sizeof(seen));
    /* Small pages, and fewer pages in flight than segments: segments hand over their place. */
    ddb_scan_input in = {.table_name = table, .has_limit = true, .limit = 37};
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_parallel_scan(c, &in, SCAN_SEGMENTS, 3, on_page, &seen, &err);
    if (rc)
        fprintf(stderr, "scan: %s\n", err.message);
    CHECK_INT(rc, 0);
    CHECK_INT(seen.bad, 0);
    int missing = 0, twice = 0;
    for (int i = 0; i < SCAN_ITEMS; i++) {
        missing += seen.count[i] == 0;
        twice += seen.count[i] > 1;
    }
    CHECK_INT(missing, 0);
    CHECK_INT(twice, 0);
    for (int s = 0; s < SCAN_SEGMENTS; s++)
        CHECK(seen.pages_per_segment[s] >= 1);
    CHECK(seen.pages > SCAN_ITEMS / 37);
    CHECK_INT(cap.n_events, seen.pages);                      /* one event per page request */
    CHECK(in.exclusive_start_key == NULL && !in.has_segment); /* the input is only read */

    /* One segment, the default in-flight count: a plain paginated Scan. */
    memset(&seen, 0, sizeof(seen));
    ddb_scan_input all = {.table_name = table};
    CHECK_INT(ddb_parallel_scan(c, &all, 1, 0, on_page, &seen, &err), 0);
    missing = 0;
    for (int i = 0; i < SCAN_ITEMS; i++)
        missing += seen.count[i] != 1;
    CHECK_INT(missing, 0);

    /* The page callback stops the scan with its own code. */
    memset(&seen, 0, sizeof(seen));
    seen.stop_after = 2;
    CHECK_INT(ddb_parallel_scan(c, &in, SCAN_SEGMENTS, 4, on_page, &seen, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "page callback stopped the scan");
    CHECK_INT(seen.pages, 2);

    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST(parallel_scan_reports_the_failing_segment)
{
    ddb_client *c = harness_client(NULL);
    static scan_seen seen;
    ddb_scan_input in = {.table_name = "par_scan_no_such_table"};
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_parallel_scan(c, &in, 4, 0, on_page, &seen, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_CONTAINS(err.message, "Scan segment ");
    CHECK_CONTAINS(err.message, " of 4: ");
    CHECK_STR(err.aws_type, "ResourceNotFoundException");
    CHECK_INT(seen.pages, 0);
    CHECK_INT(ddb_parallel_scan(c, &in, 0, 0, on_page, &seen, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_parallel_scan(c, &in, 1000001, 0, on_page, &seen, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_parallel_scan(c, &in, 2, 0, NULL, &seen, &err), DDB_ERR_INVALID_ARG);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

/* ---- Bulk BatchWriteItem --------------------------------------------------------------------- */

static int64_t count_items(ddb_client *c, const char *table)
{
    ddb_scan_input in = {.table_name = table, .select = "COUNT"};
    int64_t total = 0;
    ddb_value *start = NULL;
    for (;;) {
        in.exclusive_start_key = start;
        ddb_scan_output *out = NULL;
        ddb_error err = DDB_ERROR_INIT;
        int rc = ddb_scan(&out, c, &in, &err);
        ddb_value_free(start);
        start = NULL;
        if (rc) {
            harness_report("Scan COUNT", rc, &err);
            ddb_error_clear(&err);
            return -1;
        }
        total += out->count;
        if (out->last_evaluated_key)
            ddb_value_copy(&start, out->last_evaluated_key, NULL);
        ddb_scan_output_free(out);
        if (!start)
            return total;
    }
}

TEST(batch_write_puts_and_deletes_everything)
{
    capture cap = {0};
    ddb_client *c = client_with(&cap);
    char *table = new_table(c, "par_bulk");
    enum { N = 1013, DELETED = 40 };
    static ddb_value *items[N];
    static ddb_put_request puts[N];
    static ddb_write_request writes[N];
    for (int i = 0; i < N; i++) {
        items[i] = harness_itemf("{\"pk\":{\"S\":\"w#%d\"},\"n\":{\"N\":\"%d\"}}", i, i);
        puts[i].item = items[i];
        writes[i] = (ddb_write_request){.put_request = &puts[i]};
    }
    cap.n_events = 0;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_parallel_batch_write(c, table, writes, N, 0, &err), 0);
    CHECK_INT(cap.n_events, (N + 24) / 25); /* 41 requests: 40 of 25 and one of 13 */
    CHECK_INT(count_items(c, table), N);

    static ddb_value *keys[DELETED];
    static ddb_delete_request dels[DELETED];
    for (int i = 0; i < DELETED; i++) {
        keys[i] = harness_itemf("{\"pk\":{\"S\":\"w#%d\"}}", i * 3);
        dels[i].key = keys[i];
        writes[i] = (ddb_write_request){.delete_request = &dels[i]};
    }
    CHECK_INT(ddb_parallel_batch_write(c, table, writes, DELETED, 4, &err), 0);
    CHECK_INT(count_items(c, table), N - DELETED);
    CHECK_INT(ddb_parallel_batch_write(c, table, writes, 0, 4, &err), 0);

    for (int i = 0; i < N; i++)
        ddb_value_free(items[i]);
    for (int i = 0; i < DELETED; i++)
        ddb_value_free(keys[i]);
    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST(batch_write_names_the_failing_range)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "par_bulkfail");
    enum { N = 60 };
    static ddb_value *items[N];
    static ddb_put_request puts[N];
    static ddb_write_request writes[N];
    for (int i = 0; i < N; i++) {
        /* Request 30 (in the second chunk, 25..49) lacks the key attribute. */
        items[i] = i == 30 ? harness_itemf("{\"other\":{\"S\":\"x\"}}")
                           : harness_itemf("{\"pk\":{\"S\":\"f#%d\"}}", i);
        puts[i].item = items[i];
        writes[i] = (ddb_write_request){.put_request = &puts[i]};
    }
    ddb_error err = DDB_ERROR_INIT;
    /* One request in flight: the chunks go in order, and the third is never sent. */
    CHECK_INT(ddb_parallel_batch_write(c, table, writes, N, 1, &err), DDB_ERR_VALIDATION);
    CHECK_CONTAINS(err.message, "BatchWriteItem of requests 25..49: ");
    CHECK_INT(count_items(c, table), 25);
    CHECK_INT(ddb_parallel_batch_write(c, NULL, writes, N, 1, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_parallel_batch_write(c, "par_no_such_table", writes, 5, 1, &err),
              DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_CONTAINS(err.message, "BatchWriteItem of requests 0..4: ");
    /* A chunk that breaks a limit is refused before it is sent, and named the same way: here the
     * third chunk (50..59) holds an item over 400 KB. */
    static char big[410 * 1024];
    memset(big, 'x', sizeof(big) - 1);
    ddb_value *huge = harness_itemf("{\"pk\":{\"S\":\"f#55\"},\"big\":{\"S\":\"%s\"}}", big);
    ddb_value_free(items[30]);
    items[30] = harness_itemf("{\"pk\":{\"S\":\"f#30\"}}");
    puts[30].item = items[30];
    puts[55].item = huge;
    CHECK_INT(ddb_parallel_batch_write(c, table, writes, N, 1, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "BatchWriteItem of requests 50..59: ");
    ddb_value_free(huge);
    for (int i = 0; i < N; i++)
        ddb_value_free(items[i]);
    drop_table(c, table);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(mixed_operations_in_one_batch), CASE(each_request_has_its_own_result_and_error),
          CASE(add_rejects_what_cannot_be_encoded), CASE(callback_chains_the_next_page),
          CASE(callback_stops_the_run_and_a_second_run_finishes_it),
          CASE(network_failures_are_retried_with_the_client_policy),
          CASE(circuit_breaker_is_shared_with_the_client),
          CASE(trace_sees_requests_but_never_secrets),
          CASE(parallel_scan_sees_every_item_exactly_once),
          CASE(parallel_scan_reports_the_failing_segment),
          CASE(batch_write_puts_and_deletes_everything), CASE(batch_write_names_the_failing_range))
