/*
 * ops_overhead: what the structured logger and the metrics aggregator (ddb/wire/ops.h) add to a
 * GetItem's client CPU. Two clients in one process against one DynamoDB Local: "off" has no
 * hooks; "on" has on_event feeding a ddb_oplog (a buffered FILE on /dev/null) and a ddb_metrics.
 * They take turns in blocks, so drift and the server's state hit both alike, and each block's
 * user+sys CPU (CLOCK_PROCESS_CPUTIME_ID: getrusage's user+sys, to the nanosecond) is charged to
 * its client. Target: on/off - 1 <= 3%. On a shared machine the totals' ratio moves by a few
 * percent between runs even with two identical clients (--on none shows it), so the report also
 * gives the median of the per-pair ratios, and the hooks' own CPU per call measured directly
 * (the same hook called a million times on a captured event) as a share of a GetItem.
 *
 *   ops_overhead --endpoint URL [-n CALLS_PER_CLIENT] [--block N] [--warmup N] [--on WHAT]
 *
 * --on names what the second client has: "hooks" (the default: logger and metrics), "empty" (an
 * on_event that does nothing: the cost of building the event) or "none" (no hooks either: the
 * noise floor of the method).
 *
 * Prints "result ops_overhead ..." lines for the report; it is a benchmark, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/ddb.h"

#define TABLE "ddbkit_ops_bench"

static void fail(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "ops_overhead: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

/* User + system CPU seconds of the process: getrusage's sum, to the nanosecond. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct hooks {
    ddb_oplog *log;
    ddb_metrics *metrics;
} hooks;

static ddb_event captured; /* the last event, for the direct measurement; pointers are static */

static void on_event(void *ctx, const ddb_event *ev)
{
    hooks *h = ctx;
    captured = *ev;
    ddb_oplog_event(h->log, ev);
    ddb_metrics_record(h->metrics, ev);
}

static void on_event_empty(void *ctx, const ddb_event *ev)
{
    (void)ctx;
    (void)ev;
}

static ddb_client *client(const char *endpoint, hooks *h, ddb_event_fn fn)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = endpoint;
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDBENCH";
    opts.secret_access_key = "bench-secret";
    opts.on_event = fn;
    opts.event_ctx = h;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_client_new(&c, &opts, &err);
    if (rc)
        fail("ddb_client_new", rc, &err);
    return c;
}

static void setup(ddb_client *c, const ddb_value *item)
{
    ddb_attribute_definition def = {"pk", "S"};
    ddb_key_schema_element key = {"pk", "HASH"};
    ddb_create_table_input in = {.table_name = TABLE,
                                 .n_attribute_definitions = 1,
                                 .attribute_definitions = &def,
                                 .n_key_schema = 1,
                                 .key_schema = &key,
                                 .billing_mode = "PAY_PER_REQUEST"};
    ddb_create_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_create_table(&out, c, &in, &err);
    ddb_create_table_output_free(out);
    if (rc && rc != DDB_ERR_RESOURCE_IN_USE)
        fail("CreateTable", rc, &err);
    ddb_error_clear(&err);
    if ((rc = ddb_table_wait_active(c, TABLE, 60000, &err)) != 0)
        fail("waiting for the table", rc, &err);
    ddb_put_item_input put = {.table_name = TABLE, .item = item};
    ddb_put_item_output *pout = NULL;
    if ((rc = ddb_put_item(&pout, c, &put, &err)) != 0)
        fail("PutItem", rc, &err);
    ddb_put_item_output_free(pout);
}

/* n GetItems on c; the CPU seconds they took. */
static double run(ddb_client *c, const ddb_get_item_input *in, long n)
{
    double start = cpu_now();
    for (long i = 0; i < n; i++) {
        ddb_get_item_output *out = NULL;
        ddb_error err = DDB_ERROR_INIT;
        int rc = ddb_get_item(&out, c, in, &err);
        if (rc || !out->item)
            fail("GetItem", rc ? rc : DDB_ERR_PROTOCOL, &err);
        ddb_get_item_output_free(out);
    }
    return cpu_now() - start;
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL;
    long n = 100000, block = 100, warmup = 2000;
    const char *what = "hooks";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--endpoint") == 0)
            endpoint = argv[i + 1];
        else if (strcmp(argv[i], "-n") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--block") == 0)
            block = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--on") == 0)
            what = argv[i + 1];
    }
    ddb_event_fn fn = strcmp(what, "hooks") == 0   ? on_event
                      : strcmp(what, "empty") == 0 ? on_event_empty
                                                   : NULL;
    if (!endpoint || n < 1 || block < 1 || warmup < 0 || (!fn && strcmp(what, "none") != 0)) {
        fprintf(stderr, "usage: ops_overhead --endpoint URL [-n CALLS] [--block N] [--warmup N] "
                        "[--on hooks|empty|none]\n");
        return 2;
    }
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull || setvbuf(devnull, NULL, _IOFBF, 1 << 16) != 0) {
        perror("ops_overhead: /dev/null");
        return 1;
    }
    hooks h = {0};
    ddb_error err = DDB_ERROR_INIT;
    ddb_oplog_options lo = DDB_OPLOG_OPTIONS_INIT;
    lo.file = devnull;
    int rc = ddb_oplog_new(&h.log, &lo, &err);
    if (rc == 0)
        rc = ddb_metrics_new(&h.metrics, &err);
    if (rc)
        fail("hooks", rc, &err);
    ddb_client *off = client(endpoint, NULL, NULL), *on = client(endpoint, &h, fn);
    ddb_value *item = NULL;
    if ((rc = ddb_value_new_m(&item, &err)) == 0)
        rc = ddb_value_m_set_s(item, "pk", "bench#1", &err);
    if (rc == 0)
        rc = ddb_value_m_set_s(item, "name", "Ada Lovelace", &err);
    if (rc)
        fail("item", rc, &err);
    setup(off, item);
    ddb_value *key = NULL;
    if ((rc = ddb_value_new_m(&key, &err)) == 0)
        rc = ddb_value_m_set_s(key, "pk", "bench#1", &err);
    if (rc)
        fail("key", rc, &err);
    ddb_get_item_input get = {.table_name = TABLE, .key = key};

    run(off, &get, warmup);
    run(on, &get, warmup);
    double cpu_off = 0, cpu_on = 0;
    long done = 0, blocks = 0;
    double *ratios = calloc((size_t)(n / block + 1), sizeof(double));
    if (!ratios)
        return 1;
    while (done < n) {
        long k = n - done < block ? n - done : block;
        double a, b;
        /* Alternate which goes first, so neither always follows the other. */
        if (blocks % 2) {
            b = run(on, &get, k);
            a = run(off, &get, k);
        } else {
            a = run(off, &get, k);
            b = run(on, &get, k);
        }
        cpu_off += a;
        cpu_on += b;
        ratios[blocks++] = a > 0 ? b / a : 1;
        done += k;
    }
    qsort(ratios, (size_t)blocks, sizeof(double), by_value);
    double median = ratios[blocks / 2];
    free(ratios);

    /* The hooks alone, on the last real event (the event's fields are borrowed statics or the
     * strings of this process, still valid). */
    double hook_us = 0;
    if (fn == on_event) {
        const long reps = 1000000;
        ddb_event ev = captured;
        ev.request_id = "00000000-0000-0000-0000-000000000000";
        double t0 = cpu_now();
        for (long i = 0; i < reps; i++)
            on_event(&h, &ev);
        hook_us = (cpu_now() - t0) / (double)reps * 1e6;
    }
    ddb_metrics_snapshot *s = NULL;
    if ((rc = ddb_metrics_snapshot_new(&s, h.metrics, false, &err)) != 0)
        fail("snapshot", rc, &err);
    const ddb_metrics_entry *x = ddb_metrics_snapshot_find(s, TABLE, "GetItem");
    printf("result ops_overhead on=%s calls_per_client=%ld block=%ld cpu_us_per_get_off=%.2f "
           "cpu_us_per_get_on=%.2f overhead_pct=%.2f median_pair_pct=%.2f hooks_us_per_call=%.3f "
           "hooks_pct_of_get=%.2f metrics_count=%llu p50_ms=%.3f p99_ms=%.3f target_pct=3\n",
           what, n, block, cpu_off / (double)n * 1e6, cpu_on / (double)n * 1e6,
           (cpu_on / cpu_off - 1) * 100, (median - 1) * 100, hook_us,
           hook_us / (cpu_off / (double)n * 1e6) * 100, x ? (unsigned long long)x->count : 0ULL,
           x ? x->latency_p50_ms : 0, x ? x->latency_p99_ms : 0);
    ddb_metrics_snapshot_free(s);
    ddb_value_free(item);
    ddb_value_free(key);
    ddb_client_free(on);
    ddb_client_free(off);
    ddb_oplog_free(h.log);
    ddb_metrics_free(h.metrics);
    fclose(devnull);
    return 0;
}
