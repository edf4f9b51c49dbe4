/*
 * Operations output against DynamoDB Local: the metrics, the EMF lines and the log lines of a
 * real run equal what the run did (the calls made, the capacity the responses reported, the
 * errors DynamoDB Local returned); throttles and retries are counted through a fault-injecting
 * proxy; the trace headers are seen leaving the client by the wire trace hook.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/ddb.h"
#include "support/emf_check.h"
#include "support/fault_proxy.h"
#include "support/harness.h"
#include "support/items.h"
#include "test.h"

/* What the run saw: the events themselves, beside the logger and the aggregator fed by them. */
typedef struct tee {
    ddb_oplog *log;
    ddb_metrics *metrics;
    int n_events;
    double latency_sum_ms;
} tee;

static void on_event(void *ctx, const ddb_event *ev)
{
    tee *t = ctx;
    t->n_events++;
    t->latency_sum_ms += ev->latency_ms;
    ddb_oplog_event(t->log, ev);
    ddb_metrics_record(t->metrics, ev);
}

static char *new_gsi_table(ddb_client *c, const char *prefix)
{
    char *table = harness_table_name(prefix);
    ddb_attribute_definition defs[] = {{"pk", "S"}, {"owner", "S"}};
    ddb_key_schema_element keys[] = {{"pk", "HASH"}};
    ddb_key_schema_element gsi_keys[] = {{"owner", "HASH"}};
    ddb_projection all = {.projection_type = "ALL"};
    ddb_global_secondary_index gsi = {
        .index_name = "by_owner", .n_key_schema = 1, .key_schema = gsi_keys, .projection = &all};
    ddb_create_table_input in = {.table_name = table,
                                 .n_attribute_definitions = 2,
                                 .attribute_definitions = defs,
                                 .n_key_schema = 1,
                                 .key_schema = keys,
                                 .n_global_secondary_indexes = 1,
                                 .global_secondary_indexes = &gsi,
                                 .billing_mode = "PAY_PER_REQUEST"};
    if (harness_create_table_with(c, &in) != 0) {
        free(table);
        return NULL;
    }
    return table;
}

static double units(const ddb_consumed_capacity *cc)
{
    return cc && cc->has_capacity_units ? cc->capacity_units : 0;
}

/* The whole of a file, NUL-terminated. */
static char *slurp(FILE *f)
{
    long n = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
        free(text);
        return NULL;
    }
    return text;
}

TEST(metrics_emf_and_log_lines_equal_the_run)
{
    tee t = {0};
    REQUIRE(ddb_metrics_new(&t.metrics, NULL) == 0);
    FILE *logf = tmpfile();
    REQUIRE(logf != NULL);
    ddb_oplog_options lo = DDB_OPLOG_OPTIONS_INIT;
    lo.file = logf;
    REQUIRE(ddb_oplog_new(&t.log, &lo, NULL) == 0);
    ddb_client *setup = harness_client(NULL);
    char *table = new_gsi_table(setup, "ops");
    REQUIRE(table != NULL);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.on_event = on_event;
    opts.event_ctx = &t;
    ddb_client *c = harness_client(&opts);
    ddb_error err = DDB_ERROR_INIT;
    double wcu = 0, rcu_get = 0, rcu_query = 0;

    for (int i = 0; i < 6; i++) {
        ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k%d\"},\"owner\":{\"S\":\"%s\"}}", i,
                                        i < 3 ? "ann" : "bob");
        ddb_put_item_input in = {
            .table_name = table, .item = item, .return_consumed_capacity = "TOTAL"};
        ddb_put_item_output *out = NULL;
        CHECK_INT(harness_report("PutItem", ddb_put_item(&out, c, &in, &err), &err), 0);
        wcu += out ? units(out->consumed_capacity) : 0;
        ddb_put_item_output_free(out);
        ddb_value_free(item);
    }
    for (int i = 0; i < 6; i++) { /* k0..k3 exist, k10 and k11 do not */
        ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k%d\"}}", i < 4 ? i : 6 + i);
        ddb_get_item_input in = {
            .table_name = table, .key = key, .return_consumed_capacity = "TOTAL"};
        ddb_get_item_output *out = NULL;
        CHECK_INT(harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err), 0);
        CHECK((out && out->item != NULL) == (i < 4));
        rcu_get += out ? units(out->consumed_capacity) : 0;
        ddb_get_item_output_free(out);
        ddb_value_free(key);
    }
    ddb_value *vals = harness_itemf("{\":o\":{\"S\":\"ann\"}}");
    ddb_query_input q = {.table_name = table,
                         .index_name = "by_owner",
                         .key_condition_expression = "#o = :o",
                         .expression_attribute_values = vals,
                         .return_consumed_capacity = "TOTAL"};
    ddb_string_map_entry names[] = {{"#o", "owner"}};
    q.n_expression_attribute_names = 1;
    q.expression_attribute_names = names;
    ddb_query_output *qout = NULL;
    CHECK_INT(harness_report("Query", ddb_query(&qout, c, &q, &err), &err), 0);
    REQUIRE(qout != NULL);
    CHECK_INT(qout->n_items, 3);
    rcu_query = units(qout->consumed_capacity);
    ddb_query_output_free(qout);
    ddb_value_free(vals);

    /* Two failures DynamoDB Local really returns. */
    ddb_value *dup = harness_itemf("{\"pk\":{\"S\":\"k0\"},\"owner\":{\"S\":\"ann\"}}");
    ddb_put_item_input cond = {
        .table_name = table, .item = dup, .condition_expression = "attribute_not_exists(pk)"};
    ddb_put_item_output *pout = NULL;
    CHECK_INT(ddb_put_item(&pout, c, &cond, &err), DDB_ERR_CONDITION_FAILED);
    ddb_value_free(dup);
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k0\"}}");
    ddb_get_item_input missing = {.table_name = "ops_no_such_table", .key = key};
    ddb_get_item_output *gout = NULL;
    CHECK_INT(ddb_get_item(&gout, c, &missing, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    ddb_value_free(key);
    CHECK(wcu > 0 && rcu_get > 0 && rcu_query > 0);

    ddb_metrics_snapshot *s = NULL;
    REQUIRE(ddb_metrics_snapshot_new(&s, t.metrics, false, &err) == 0);
    CHECK_INT(s->n_entries, 4);
    const ddb_metrics_entry *put = ddb_metrics_snapshot_find(s, table, "PutItem");
    const ddb_metrics_entry *get = ddb_metrics_snapshot_find(s, table, "GetItem");
    const ddb_metrics_entry *query = ddb_metrics_snapshot_find(s, table, "Query");
    const ddb_metrics_entry *gone = ddb_metrics_snapshot_find(s, "ops_no_such_table", "GetItem");
    REQUIRE(put && get && query && gone);
    CHECK_INT(put->count, 7);
    CHECK_INT(put->errors, 1);
    REQUIRE(put->n_error_types == 1);
    CHECK_STR(put->error_types[0].type, "ConditionalCheckFailedException");
    CHECK(fabs(put->consumed_wcu - wcu) < 1e-9 && put->consumed_rcu == 0);
    CHECK_INT(get->count, 6);
    CHECK_INT(get->errors, 0);
    CHECK_INT(get->items, 4);
    CHECK(fabs(get->consumed_rcu - rcu_get) < 1e-9 && get->consumed_wcu == 0);
    CHECK_INT(query->count, 1);
    CHECK_INT(query->items, 3);
    CHECK(fabs(query->consumed_rcu - rcu_query) < 1e-9);
    CHECK_INT(gone->count, 1);
    CHECK_INT(gone->errors, 1);
    REQUIRE(gone->n_error_types == 1);
    CHECK_STR(gone->error_types[0].type, "ResourceNotFoundException");
    double sum = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        const ddb_metrics_entry *x = &s->entries[i];
        sum += x->latency_sum_ms;
        CHECK(x->latency_min_ms <= x->latency_p50_ms && x->latency_p50_ms <= x->latency_p90_ms &&
              x->latency_p90_ms <= x->latency_p99_ms && x->latency_p99_ms <= x->latency_max_ms);
    }
    CHECK(fabs(sum - t.latency_sum_ms) < 1e-6);

    /* The EMF lines: valid by the rules, and the same numbers. */
    FILE *emf = tmpfile();
    REQUIRE(emf != NULL);
    CHECK_INT(ddb_emf_write(emf, s, "ddbkit/test", 1765000000000, &err), 0);
    rewind(emf);
    char line[16384];
    int n_lines = 0, matched = 0;
    while (fgets(line, sizeof(line), emf)) {
        char why[256] = "";
        json_t *root = emf_check_line(line, why, sizeof(why));
        n_lines++;
        if (!root) {
            fprintf(stderr, "EMF line breaks a rule: %s\n%s", why, line);
            test_failures++;
            continue;
        }
        const char *tn = json_string_value(json_object_get(root, "TableName"));
        const char *op = json_string_value(json_object_get(root, "Operation"));
        const ddb_metrics_entry *x = ddb_metrics_snapshot_find(s, tn, op);
        if (x) {
            matched++;
            CHECK(json_number_value(json_object_get(root, "Calls")) == (double)x->count);
            CHECK(json_number_value(json_object_get(root, "Errors")) == (double)x->errors);
            CHECK(json_number_value(json_object_get(root, "Items")) == (double)x->items);
            CHECK(fabs(json_number_value(json_object_get(root, "ConsumedRCU")) - x->consumed_rcu) <
                  1e-9);
            CHECK(fabs(json_number_value(json_object_get(root, "ConsumedWCU")) - x->consumed_wcu) <
                  1e-9);
        }
        json_decref(root);
    }
    CHECK_INT(n_lines, 4);
    CHECK_INT(matched, 4);
    fclose(emf);
    ddb_metrics_snapshot_free(s);

    /* The log: one parseable line per call, the failures at error level, no secret. */
    fflush(logf);
    char *text = slurp(logf);
    REQUIRE(text != NULL);
    int n_log = 0, n_error = 0, n_index = 0;
    for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        *nl = '\0';
        json_t *o = json_loads(p, 0, NULL);
        CHECK(o != NULL);
        n_log++;
        if (o && strcmp(json_string_value(json_object_get(o, "level")), "error") == 0)
            n_error++;
        const char *idx = json_string_value(json_object_get(o, "index"));
        if (idx && strcmp(idx, "by_owner") == 0)
            n_index++;
        json_decref(o);
        *nl = '\n';
    }
    CHECK_INT(n_log, t.n_events);
    CHECK_INT(n_log, 15);
    CHECK_INT(n_error, 2);
    CHECK_INT(n_index, 1);
    CHECK_CONTAINS(text, "\"aws_error_type\":\"ConditionalCheckFailedException\"");
    CHECK(strstr(text, "harness-secret") == NULL);
    CHECK(strstr(text, "LEAKCHECK") == NULL);
    CHECK(strstr(text, "ASIAHARNESSTEST") == NULL);
    free(text);

    ddb_error_clear(&err);
    ddb_client_free(c);
    harness_delete_table(setup, table);
    ddb_client_free(setup);
    free(table);
    fclose(logf);
    ddb_oplog_free(t.log);
    ddb_metrics_free(t.metrics);
}

TEST(throttles_and_retries_through_a_fault_proxy_are_counted)
{
    ddb_client *setup = harness_client(NULL);
    char *table = harness_table_name("opsthr");
    REQUIRE(harness_create_table(setup, table, "pk", "S", NULL, NULL) == 0);
    fault_proxy *proxy = fault_proxy_start(harness_endpoint());
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = fault_proxy_endpoint(proxy);
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDRETRYTEST";
    opts.secret_access_key = "retry-test-secret";
    opts.on_event = ddb_metrics_record;
    opts.event_ctx = m;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    const fault_step steps[] = {{.action = FAULT_THROTTLE}, {.action = FAULT_THROTTLE}};
    fault_proxy_script(proxy, steps, 2, (fault_step){.action = FAULT_FORWARD});
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"a\"}}");
    ddb_get_item_input in = {.table_name = table, .key = key};
    ddb_get_item_output *out = NULL;
    CHECK_INT(harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err), 0);
    CHECK_INT(fault_proxy_requests(proxy), 3);
    ddb_get_item_output_free(out);
    ddb_value_free(key);

    ddb_metrics_snapshot *s = NULL;
    REQUIRE(ddb_metrics_snapshot_new(&s, m, false, NULL) == 0);
    const ddb_metrics_entry *x = ddb_metrics_snapshot_find(s, table, "GetItem");
    REQUIRE(x != NULL);
    CHECK_INT(x->count, 1);
    CHECK_INT(x->errors, 0);
    CHECK_INT(x->throttles, 2);
    CHECK_INT(x->retries, 2);
    CHECK_INT(x->items, 0);
    ddb_metrics_snapshot_free(s);
    ddb_client_free(c);
    fault_proxy_stop(proxy);
    harness_delete_table(setup, table);
    ddb_client_free(setup);
    free(table);
    ddb_metrics_free(m);
}

/* What the hooks saw of the traced calls. */
typedef struct traced {
    char headers[8][4096];
    int n_headers;
    int n_start, n_end;
    char trace_id[33], span_id[17], parent_id[17];
    char end_attrs[4096]; /* "key=value;" for the END span */
} traced;

static void on_trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    traced *t = ctx;
    if (kind != DDB_TRACE_REQUEST_HEADERS || t->n_headers >= 8)
        return;
    snprintf(t->headers[t->n_headers++], sizeof(t->headers[0]), "%.*s", (int)len, data);
}

static void on_span(void *ctx, const ddb_span *span)
{
    traced *t = ctx;
    snprintf(t->trace_id, sizeof(t->trace_id), "%s", span->trace_id);
    snprintf(t->span_id, sizeof(t->span_id), "%s", span->span_id);
    snprintf(t->parent_id, sizeof(t->parent_id), "%s", span->parent_span_id);
    if (span->phase == DDB_SPAN_START) {
        t->n_start++;
        return;
    }
    t->n_end++;
    t->end_attrs[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < span->n_attrs && len < sizeof(t->end_attrs); i++) {
        const ddb_span_attr *a = &span->attrs[i];
        char v[1024] = "";
        if (a->kind == DDB_SPAN_ATTR_STRING)
            snprintf(v, sizeof(v), "%s", a->s);
        else if (a->kind == DDB_SPAN_ATTR_INT)
            snprintf(v, sizeof(v), "%lld", a->i);
        else if (a->kind == DDB_SPAN_ATTR_BOOL)
            snprintf(v, sizeof(v), "%s", a->b ? "true" : "false");
        else if (a->kind == DDB_SPAN_ATTR_STRING_ARRAY && a->n_strings)
            snprintf(v, sizeof(v), "[%s]", a->strings[0]);
        int w = snprintf(t->end_attrs + len, sizeof(t->end_attrs) - len, "%s=%s;", a->key, v);
        if (w > 0)
            len += (size_t)w;
    }
}

static int get_one(ddb_client *c, const char *table)
{
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"a\"}}");
    ddb_get_item_input in = {.table_name = table,
                             .key = key,
                             .consistent_read = true,
                             .has_consistent_read = true,
                             .return_consumed_capacity = "TOTAL"};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    return rc;
}

TEST(trace_headers_and_spans_reach_the_wire)
{
    ddb_client *setup = harness_client(NULL);
    char *table = harness_table_name("opstrace");
    REQUIRE(harness_create_table(setup, table, "pk", "S", NULL, NULL) == 0);
    traced t = {.n_headers = 0};
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.trace = on_trace;
    opts.trace_ctx = &t;
    opts.on_span = on_span;
    opts.span_ctx = &t;
    ddb_client *c = harness_client(&opts);

    /* A W3C parent: the request is its child, in both formats. */
    REQUIRE(ddb_trace_context_set("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                  NULL) == 0);
    CHECK_INT(get_one(c, table), 0);
    CHECK_INT(t.n_start, 1);
    CHECK_INT(t.n_end, 1);
    CHECK_STR(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK_STR(t.parent_id, "00f067aa0ba902b7");
    CHECK(strlen(t.span_id) == 16 && strcmp(t.span_id, t.parent_id) != 0);
    char want[256];
    snprintf(want, sizeof(want), "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-%s-01\r\n",
             t.span_id);
    CHECK_CONTAINS(t.headers[0], want);
    snprintf(want, sizeof(want),
             "X-Amzn-Trace-Id: Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=%s;Sampled=1\r\n",
             t.span_id);
    CHECK_CONTAINS(t.headers[0], want);
    CHECK_CONTAINS(t.end_attrs, "db.system=aws.dynamodb;");
    CHECK_CONTAINS(t.end_attrs, "rpc.method=GetItem;");
    snprintf(want, sizeof(want), "aws.dynamodb.table_names=[%s];", table);
    CHECK_CONTAINS(t.end_attrs, want);
    CHECK_CONTAINS(t.end_attrs, "aws.dynamodb.consistent_read=true;");
    CHECK_CONTAINS(t.end_attrs, "http.response.status_code=200;");
    CHECK_CONTAINS(t.end_attrs, "aws.dynamodb.consumed_capacity=[{");
    CHECK_CONTAINS(t.end_attrs, "\"CapacityUnits\":");
    CHECK_CONTAINS(t.end_attrs, "aws.request_id=");

    /* An X-Ray parent, unsampled. */
    REQUIRE(ddb_trace_context_set_amzn(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
                NULL) == 0);
    CHECK_INT(get_one(c, table), 0);
    CHECK_STR(t.trace_id, "5759e988bd862e3fe1be46a994272793");
    snprintf(want, sizeof(want), "traceparent: 00-5759e988bd862e3fe1be46a994272793-%s-00\r\n",
             t.span_id);
    CHECK_CONTAINS(t.headers[1], want);
    snprintf(want, sizeof(want),
             "X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=%s;Sampled=0",
             t.span_id);
    CHECK_CONTAINS(t.headers[1], want);

    /* No context but a span hook: a new trace, still propagated. */
    ddb_trace_context_clear();
    CHECK_INT(get_one(c, table), 0);
    CHECK_STR(t.parent_id, "");
    snprintf(want, sizeof(want), "traceparent: 00-%s-%s-01\r\n", t.trace_id, t.span_id);
    CHECK_CONTAINS(t.headers[2], want);
    ddb_client_free(c);

    /* Neither a context nor a span hook: no trace header at all. */
    ddb_client_options plain = DDB_CLIENT_OPTIONS_INIT;
    plain.trace = on_trace;
    plain.trace_ctx = &t;
    c = harness_client(&plain);
    CHECK_INT(get_one(c, table), 0);
    REQUIRE(t.n_headers == 4);
    CHECK(strstr(t.headers[3], "traceparent") == NULL);
    CHECK(strstr(t.headers[3], "X-Amzn-Trace-Id") == NULL);
    ddb_client_free(c);
    harness_delete_table(setup, table);
    ddb_client_free(setup);
    free(table);
}

TEST_MAIN(CASE(metrics_emf_and_log_lines_equal_the_run),
          CASE(throttles_and_retries_through_a_fault_proxy_are_counted),
          CASE(trace_headers_and_spans_reach_the_wire))
