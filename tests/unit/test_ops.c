/*
 * The operations output of ddb/wire/ops.h on events made here: the logger's lines, the metrics
 * aggregator's arithmetic, the EMF writer's documents against the EMF rules, and the trace
 * context's parsing. tests/integration/test_ops.c checks the same against DynamoDB Local.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/dal.h"
#include "support/emf_check.h"
#include "test.h"

typedef struct lines {
    char text[64][1024];
    ddb_log_level levels[64];
    int n;
} lines;

static void collect(void *ctx, ddb_log_level level, const char *line, size_t len)
{
    lines *l = ctx;
    if (l->n < 64 && len < sizeof(l->text[0])) {
        memcpy(l->text[l->n], line, len);
        l->text[l->n][len] = '\0';
        l->levels[l->n++] = level;
    }
}

static ddb_event get_event(double latency_ms)
{
    return (ddb_event){.operation = "GetItem",
                       .table_name = "users",
                       .latency_ms = latency_ms,
                       .attempts = 1,
                       .http_status = 200,
                       .aws_error_type = "",
                       .consumed_capacity = 0.5,
                       .request_id = "REQ1",
                       .item_count = 1,
                       .read_capacity = 0.5};
}

TEST(oplog_writes_one_json_line_per_event)
{
    lines l = {.n = 0};
    ddb_oplog_options o = DDB_OPLOG_OPTIONS_INIT;
    o.write = collect;
    o.write_ctx = &l;
    ddb_oplog *log = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_oplog_new(&log, &o, &err) == 0);

    ddb_event ok = get_event(1.25);
    ddb_oplog_event(log, &ok);
    ddb_event q = {.operation = "Query",
                   .table_name = "orders",
                   .index_name = "byCustomer",
                   .latency_ms = 3,
                   .attempts = 3,
                   .retries = 2,
                   .throttles = 2,
                   .http_status = 200,
                   .aws_error_type = "",
                   .request_id = "R\"2\\",
                   .item_count = 7,
                   .consumed_capacity = 2,
                   .read_capacity = 2};
    ddb_oplog_event(log, &q);
    ddb_event bad = {.operation = "PutItem",
                     .table_name = "users",
                     .latency_ms = 1234.0005,
                     .attempts = 1,
                     .http_status = 400,
                     .error_code = DDB_ERR_CONDITION_FAILED,
                     .aws_error_type = "ConditionalCheckFailedException",
                     .request_id = "R3",
                     .item_count = -1};
    ddb_oplog_event(log, &bad);
    REQUIRE(l.n == 3);

    json_error_t jerr;
    json_t *a = json_loads(l.text[0], 0, &jerr);
    REQUIRE(a != NULL);
    CHECK_INT(l.levels[0], DDB_LOG_INFO);
    CHECK_STR(json_string_value(json_object_get(a, "level")), "info");
    CHECK_STR(json_string_value(json_object_get(a, "operation")), "GetItem");
    CHECK_STR(json_string_value(json_object_get(a, "table")), "users");
    CHECK(json_object_get(a, "index") == NULL);
    CHECK(json_object_get(a, "error") == NULL);
    CHECK(fabs(json_number_value(json_object_get(a, "latency_ms")) - 1.25) < 1e-9);
    CHECK_INT(json_integer_value(json_object_get(a, "http_status")), 200);
    CHECK_INT(json_integer_value(json_object_get(a, "item_count")), 1);
    CHECK(fabs(json_number_value(json_object_get(a, "consumed_rcu")) - 0.5) < 1e-9);
    CHECK_STR(json_string_value(json_object_get(a, "request_id")), "REQ1");
    /* Numbers are written by hand: shortest decimals, no exponent, no trailing zeros. */
    CHECK_CONTAINS(l.text[0], "\"latency_ms\":1.25,");
    CHECK_CONTAINS(l.text[0], "\"consumed_capacity\":0.5,\"consumed_rcu\":0.5,\"consumed_wcu\":0,");
    const char *t = json_string_value(json_object_get(a, "time"));
    CHECK(t && strlen(t) == 24 && t[10] == 'T' && t[23] == 'Z');
    json_decref(a);

    json_t *b = json_loads(l.text[1], 0, &jerr);
    REQUIRE(b != NULL);
    CHECK_INT(l.levels[1], DDB_LOG_WARN); /* succeeded, but only after throttling */
    CHECK_STR(json_string_value(json_object_get(b, "index")), "byCustomer");
    CHECK_STR(json_string_value(json_object_get(b, "request_id")), "R\"2\\");
    CHECK_INT(json_integer_value(json_object_get(b, "throttles")), 2);
    CHECK_INT(json_integer_value(json_object_get(b, "retries")), 2);
    CHECK_CONTAINS(l.text[1], "\"latency_ms\":3,");
    CHECK_CONTAINS(l.text[1], "\"consumed_capacity\":2,");
    json_decref(b);

    json_t *c = json_loads(l.text[2], 0, &jerr);
    REQUIRE(c != NULL);
    CHECK_INT(l.levels[2], DDB_LOG_ERROR);
    CHECK_STR(json_string_value(json_object_get(c, "error")), "DDB_ERR_CONDITION_FAILED");
    CHECK_STR(json_string_value(json_object_get(c, "aws_error_type")),
              "ConditionalCheckFailedException");
    CHECK(json_object_get(c, "item_count") == NULL);
    CHECK_CONTAINS(l.text[2], "\"latency_ms\":1234.001,");
    json_decref(c);
    ddb_oplog_free(log);
}

TEST(oplog_level_drops_what_is_above_it)
{
    lines l = {.n = 0};
    ddb_oplog_options o = DDB_OPLOG_OPTIONS_INIT;
    o.write = collect;
    o.write_ctx = &l;
    o.level = DDB_LOG_ERROR;
    ddb_oplog *log = NULL;
    REQUIRE(ddb_oplog_new(&log, &o, NULL) == 0);
    ddb_event ok = get_event(1);
    ddb_oplog_event(log, &ok);
    ddb_oplog_log(log, DDB_LOG_INFO, "dropped", NULL);
    ok.error_code = DDB_ERR_NETWORK;
    ddb_oplog_event(log, &ok);
    ddb_oplog_log(log, DDB_LOG_ERROR, "kept", "{\"event\":\"x\"}");
    REQUIRE(l.n == 2);
    CHECK_CONTAINS(l.text[0], "\"error\":\"DDB_ERR_NETWORK\"");
    json_t *m = json_loads(l.text[1], 0, NULL);
    REQUIRE(m != NULL);
    CHECK_STR(json_string_value(json_object_get(m, "message")), "kept");
    CHECK_STR(json_string_value(json_object_get(json_object_get(m, "detail"), "event")), "x");
    json_decref(m);
    ddb_oplog_free(log);
}

TEST(oplog_options_name_what_is_wrong)
{
    ddb_oplog *log = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_oplog_options o = DDB_OPLOG_OPTIONS_INIT;
    CHECK_INT(ddb_oplog_new(&log, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "set exactly one of file and write (neither is set)");
    o.file = stderr;
    o.write = collect;
    CHECK_INT(ddb_oplog_new(&log, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "both are set");
    o.write = NULL;
    o.level = (ddb_log_level)9;
    CHECK_INT(ddb_oplog_new(&log, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "ddb_oplog_options.level 9");
    o.level = 0;
    o.version = 7;
    CHECK_INT(ddb_oplog_new(&log, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "ddb_oplog_options.version 7");
    CHECK(log == NULL);
}

TEST(metrics_aggregate_by_table_and_operation)
{
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    /* 1000 GetItems of 1..1000 ms: the exact p50, p90, p99 are 500, 900, 990. */
    for (int i = 1; i <= 1000; i++) {
        ddb_event ev = get_event(i);
        ddb_metrics_record(m, &ev);
    }
    ddb_event put = {.operation = "PutItem",
                     .table_name = "users",
                     .latency_ms = 4,
                     .attempts = 3,
                     .retries = 2,
                     .throttles = 2,
                     .aws_error_type = "",
                     .item_count = -1,
                     .consumed_capacity = 1,
                     .write_capacity = 1};
    ddb_metrics_record(m, &put);
    put.error_code = DDB_ERR_CONDITION_FAILED;
    put.aws_error_type = "ConditionalCheckFailedException";
    put.throttles = put.retries = 0;
    put.write_capacity = 0;
    ddb_metrics_record(m, &put);
    put.error_code = DDB_ERR_NETWORK;
    put.aws_error_type = "";
    ddb_metrics_record(m, &put);
    ddb_event batch = {.operation = "BatchGetItem",
                       .latency_ms = 2,
                       .attempts = 1,
                       .aws_error_type = "",
                       .item_count = 5,
                       .read_capacity = 2.5};
    ddb_metrics_record(m, &batch);

    ddb_metrics_snapshot *s = NULL;
    REQUIRE(ddb_metrics_snapshot_new(&s, m, true, NULL) == 0);
    CHECK_INT(s->n_entries, 3);
    CHECK_STR(s->entries[0].table_name, ""); /* sorted: the multi-table entry first */
    const ddb_metrics_entry *g = ddb_metrics_snapshot_find(s, "users", "GetItem");
    REQUIRE(g != NULL);
    CHECK_INT(g->count, 1000);
    CHECK_INT(g->errors, 0);
    CHECK_INT(g->items, 1000);
    CHECK(fabs(g->consumed_rcu - 500) < 1e-9);
    CHECK(fabs(g->latency_sum_ms - 500500) < 1e-6);
    CHECK(g->latency_min_ms == 1 && g->latency_max_ms == 1000);
    CHECK(fabs(g->latency_p50_ms / 500 - 1) < 0.022);
    CHECK(fabs(g->latency_p90_ms / 900 - 1) < 0.022);
    CHECK(fabs(g->latency_p99_ms / 990 - 1) < 0.022);
    const ddb_metrics_entry *p = ddb_metrics_snapshot_find(s, "users", "PutItem");
    REQUIRE(p != NULL);
    CHECK_INT(p->count, 3);
    CHECK_INT(p->errors, 2);
    CHECK_INT(p->throttles, 2);
    CHECK_INT(p->retries, 2);
    CHECK(fabs(p->consumed_wcu - 1) < 1e-9);
    CHECK(p->latency_p50_ms == 4 && p->latency_p99_ms == 4); /* clamped to [min, max] */
    REQUIRE(p->n_error_types == 2);
    CHECK_STR(p->error_types[0].type, "ConditionalCheckFailedException");
    CHECK_STR(p->error_types[1].type, "DDB_ERR_NETWORK");
    const ddb_metrics_entry *b = ddb_metrics_snapshot_find(s, NULL, "BatchGetItem");
    REQUIRE(b != NULL);
    CHECK_INT(b->items, 5);
    ddb_metrics_snapshot_free(s);

    /* The reset left nothing behind. */
    REQUIRE(ddb_metrics_snapshot_new(&s, m, false, NULL) == 0);
    CHECK_INT(s->n_entries, 0);
    ddb_metrics_snapshot_free(s);
    ddb_metrics_free(m);
}

TEST(metrics_fold_error_types_past_the_cap_into_other)
{
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    char type[32];
    for (int i = 0; i < DDB_METRICS_MAX_ERROR_TYPES + 4; i++) {
        snprintf(type, sizeof(type), "Type%dException", i);
        ddb_event ev = {.operation = "GetItem",
                        .table_name = "t",
                        .latency_ms = 1,
                        .error_code = DDB_ERR_SERVICE,
                        .aws_error_type = type};
        ddb_metrics_record(m, &ev);
    }
    ddb_metrics_snapshot *s = NULL;
    REQUIRE(ddb_metrics_snapshot_new(&s, m, false, NULL) == 0);
    REQUIRE(s->n_entries == 1);
    const ddb_metrics_entry *e = &s->entries[0];
    CHECK_INT(e->errors, DDB_METRICS_MAX_ERROR_TYPES + 4);
    REQUIRE(e->n_error_types == DDB_METRICS_MAX_ERROR_TYPES + 1);
    CHECK_STR(e->error_types[DDB_METRICS_MAX_ERROR_TYPES].type, "Other");
    CHECK_INT(e->error_types[DDB_METRICS_MAX_ERROR_TYPES].count, 4);
    ddb_metrics_snapshot_free(s);
    ddb_metrics_free(m);
}

/* The lines of f (rewound), checked against the EMF rules; returns how many. */
static int check_emf_file(FILE *f, json_t **roots, int cap)
{
    rewind(f);
    char line[16384];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        char why[256] = "";
        json_t *root = emf_check_line(line, why, sizeof(why));
        if (!root) {
            fprintf(stderr, "EMF line %d breaks a rule: %s\n%s", n, why, line);
            test_failures++;
            continue;
        }
        if (n < cap)
            roots[n] = root;
        else
            json_decref(root);
        n++;
    }
    return n;
}

TEST(emf_lines_follow_the_specification)
{
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    char type[32];
    for (int i = 0; i < 40; i++) {
        ddb_event ev = get_event(2 + i);
        if (i % 2) {
            snprintf(type, sizeof(type), "Kind%dException", i);
            ev.error_code = DDB_ERR_SERVICE;
            ev.aws_error_type = type;
        }
        ddb_metrics_record(m, &ev);
    }
    ddb_event ev = {
        .operation = "BatchWriteItem", .latency_ms = 3, .aws_error_type = "", .write_capacity = 4};
    ddb_metrics_record(m, &ev);
    ddb_metrics_snapshot *s = NULL;
    REQUIRE(ddb_metrics_snapshot_new(&s, m, false, NULL) == 0);
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_emf_write(f, s, "MyApp/DynamoDB", 1765000000123, &err), 0);
    json_t *roots[4] = {0};
    CHECK_INT(check_emf_file(f, roots, 4), 2);
    REQUIRE(roots[0] && roots[1]);
    json_t *multi = roots[0], *get = roots[1];
    CHECK_STR(json_string_value(json_object_get(multi, "TableName")), "-");
    CHECK_STR(json_string_value(json_object_get(multi, "Operation")), "BatchWriteItem");
    CHECK(json_number_value(json_object_get(multi, "ConsumedWCU")) == 4);
    json_t *aws = json_object_get(get, "_aws");
    CHECK_INT(json_integer_value(json_object_get(aws, "Timestamp")), 1765000000123);
    json_t *dir = json_array_get(json_object_get(aws, "CloudWatchMetrics"), 0);
    CHECK_STR(json_string_value(json_object_get(dir, "Namespace")), "MyApp/DynamoDB");
    json_t *dims = json_array_get(json_object_get(dir, "Dimensions"), 0);
    CHECK_STR(json_string_value(json_array_get(dims, 0)), "TableName");
    CHECK_STR(json_string_value(json_array_get(dims, 1)), "Operation");
    CHECK_STR(json_string_value(json_object_get(get, "TableName")), "users");
    CHECK(json_number_value(json_object_get(get, "Calls")) == 40);
    CHECK(json_number_value(json_object_get(get, "Errors")) == 20);
    /* 16 types apart and "Other" beside the 11 fixed metrics. */
    CHECK_INT(json_array_size(json_object_get(dir, "Metrics")), 11 + 17);
    CHECK(json_number_value(json_object_get(get, "Errors.Kind1Exception")) == 1);
    CHECK(json_number_value(json_object_get(get, "Errors.Other")) == 4);
    CHECK(json_number_value(json_object_get(get, "LatencyMax")) == 41);
    for (int i = 0; i < 4; i++)
        json_decref(roots[i]);
    fclose(f);
    ddb_metrics_snapshot_free(s);
    ddb_metrics_free(m);
}

TEST(emf_namespace_and_options_are_checked)
{
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    ddb_emf *w = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_emf_options o = DDB_EMF_OPTIONS_INIT;
    o.namespace_name = "";
    CHECK_INT(ddb_emf_new(&w, m, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "EMF namespace length 0 is outside 1..255");
    o.namespace_name = "AWS/DynamoDB";
    CHECK_INT(ddb_emf_new(&w, m, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "reserves");
    o.namespace_name = "bad\nname";
    CHECK_INT(ddb_emf_new(&w, m, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "character 0x0a at offset 3");
    o.namespace_name = NULL;
    o.interval_ms = -1;
    CHECK_INT(ddb_emf_new(&w, m, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "interval_ms -1 is negative");
    CHECK(w == NULL);
    ddb_metrics_free(m);
}

TEST(emf_writer_flushes_deltas_on_demand_and_periodically)
{
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    ddb_emf_options o = DDB_EMF_OPTIONS_INIT;
    o.file = f;
    o.interval_ms = 20;
    ddb_emf *w = NULL;
    REQUIRE(ddb_emf_new(&w, m, &o, NULL) == 0);
    ddb_event ev = get_event(1);
    ddb_metrics_record(m, &ev);
    /* The thread's flush empties the aggregator; a hang guard of 10 s, not a pace. */
    ddb_metrics_snapshot *s = NULL;
    for (int i = 0; i < 1000; i++) {
        REQUIRE(ddb_metrics_snapshot_new(&s, m, false, NULL) == 0);
        size_t n = s->n_entries;
        ddb_metrics_snapshot_free(s);
        if (n == 0)
            break;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    ddb_metrics_record(m, &ev);
    ddb_metrics_record(m, &ev);
    ddb_emf_free(w); /* stops the thread, flushes the last two */
    json_t *roots[4] = {0};
    CHECK_INT(check_emf_file(f, roots, 4), 2);
    if (roots[0] && roots[1]) {
        CHECK(json_number_value(json_object_get(roots[0], "Calls")) == 1);
        CHECK(json_number_value(json_object_get(roots[1], "Calls")) == 2);
        CHECK_STR(
            json_string_value(json_object_get(
                json_array_get(
                    json_object_get(json_object_get(roots[0], "_aws"), "CloudWatchMetrics"), 0),
                "Namespace")),
            "ddbkit");
    }
    for (int i = 0; i < 4; i++)
        json_decref(roots[i]);
    fclose(f);
    ddb_metrics_free(m);
}

TEST(trace_context_accepts_w3c_and_xray_and_names_what_is_wrong)
{
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(
        ddb_trace_context_set("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &err), 0);
    CHECK_INT(
        ddb_trace_context_set_amzn(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", &err),
        0);
    static const struct {
        const char *value, *message;
    } bad[] = {
        {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "has length 52"},
        {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
         "version is not 2 lowercase hex digits other than ff"},
        {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace-id"},
        {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace-id"},
        {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent-id"},
        {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\n", "trace-flags"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(ddb_trace_context_set(bad[i].value, &err), DDB_ERR_INVALID_ARG);
        CHECK_CONTAINS(err.message, bad[i].message);
        CHECK(strchr(err.message, '\n') == NULL);
    }
    static const struct {
        const char *value, *message;
    } bad_amzn[] = {
        {"Parent=53995c3f42cd8ad8", "has no Root"},
        {"Root=1-5759e988-bd862e3f", "Root is not"},
        {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz", "Parent is not"},
        {"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=2", "Sampled is not 0 or 1"},
        {"Root=1-5759e988-bd862e3fe1be46a994272793;Foo=bar", "key \"Foo\""},
        {"Root", "has no '='"},
        {"Root=1-5759e988-bd862e3fe1be46a994272793;K\ny=1", "not one of Root, Parent, Sampled"},
    };
    for (size_t i = 0; i < sizeof(bad_amzn) / sizeof(bad_amzn[0]); i++) {
        CHECK_INT(ddb_trace_context_set_amzn(bad_amzn[i].value, &err), DDB_ERR_INVALID_ARG);
        CHECK_CONTAINS(err.message, bad_amzn[i].message);
        CHECK(strchr(err.message, '\n') == NULL);
    }
    ddb_trace_context_clear();
}

TEST(router_events_reach_the_same_metrics)
{
    ddb_metrics *m = NULL;
    REQUIRE(ddb_metrics_new(&m, NULL) == 0);
    ddb_router_config cfg = {.version = DDB_ROUTER_CONFIG_VERSION,
                             .name = "t",
                             .phase = 1,
                             .on_event = ddb_metrics_record,
                             .event_ctx = m,
                             .compare_percent = 100};
    ddb_router *r = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_router_new(&r, &cfg, &err) == 0);
    CHECK_INT(ddb_router_set_phase(r, 2, &err), 0);
    CHECK_INT(ddb_router_set_phase(r, 3, &err), 0);
    ddb_router_free(r);
    ddb_metrics_snapshot *s = NULL;
    REQUIRE(ddb_metrics_snapshot_new(&s, m, false, NULL) == 0);
    const ddb_metrics_entry *x = ddb_metrics_snapshot_find(s, "", "router.phase");
    REQUIRE(x != NULL);
    CHECK_INT(x->count, 2);
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    CHECK_INT(ddb_emf_write(f, s, "ddbkit", 1765000000000, &err), 0);
    json_t *roots[2] = {0};
    CHECK_INT(check_emf_file(f, roots, 2), 1);
    if (roots[0])
        CHECK_STR(json_string_value(json_object_get(roots[0], "Operation")), "router.phase");
    json_decref(roots[0]);
    json_decref(roots[1]);
    fclose(f);
    ddb_metrics_snapshot_free(s);
    ddb_metrics_free(m);
}

TEST_MAIN(CASE(router_events_reach_the_same_metrics), CASE(oplog_writes_one_json_line_per_event),
          CASE(oplog_level_drops_what_is_above_it), CASE(oplog_options_name_what_is_wrong),
          CASE(metrics_aggregate_by_table_and_operation),
          CASE(metrics_fold_error_types_past_the_cap_into_other),
          CASE(emf_lines_follow_the_specification), CASE(emf_namespace_and_options_are_checked),
          CASE(emf_writer_flushes_deltas_on_demand_and_periodically),
          CASE(trace_context_accepts_w3c_and_xray_and_names_what_is_wrong))
