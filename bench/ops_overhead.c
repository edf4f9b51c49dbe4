/*
 * ops_overhead: what the structured logger and the metrics aggregator (ddb/wire/ops.h) add to a
 * GetItem's client CPU. Two clients in one process against one DynamoDB Local: "off" has no
 * hooks; "on" has on_event feeding a ddb_oplog (a buffered FILE on /dev/null) and a ddb_metrics.
 * They take turns in blocks, so drift and the server's state hit both alike, and each block's
 * user+sys CPU (getrusage, RUSAGE_SELF) is charged to its client. Target: on/off - 1 <= 3%.
 *
 *   ops_overhead --endpoint URL [-n CALLS_PER_CLIENT] [--block N] [--warmup N]
 *
 * Prints "result ops_overhead ..." lines for the report; it is a benchmark, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ddb/ddb.h"

#define TABLE "ddbkit_ops_bench"

static void fail(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "ops_overhead: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

typedef struct hooks {
    ddb_oplog *log;
    ddb_metrics *metrics;
} hooks;

static void on_event(void *ctx, const ddb_event *ev)
{
    hooks *h = ctx;
    ddb_oplog_event(h->log, ev);
    ddb_metrics_record(h->metrics, ev);
}

static ddb_client *client(const char *endpoint, hooks *h)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = endpoint;
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDBENCH";
    opts.secret_access_key = "bench-secret";
    if (h) {
        opts.on_event = on_event;
        opts.event_ctx = h;
    }
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
    long n = 100000, block = 500, warmup = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--endpoint") == 0)
            endpoint = argv[i + 1];
        else if (strcmp(argv[i], "-n") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--block") == 0)
            block = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = atol(argv[i + 1]);
    }
    if (!endpoint || n < 1 || block < 1 || warmup < 0) {
        fprintf(stderr, "usage: ops_overhead --endpoint URL [-n CALLS] [--block N] [--warmup N]\n");
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
    ddb_client *off = client(endpoint, NULL), *on = client(endpoint, &h);
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
    while (done < n) {
        long k = n - done < block ? n - done : block;
        /* Alternate which goes first, so neither always follows the other. */
        if (blocks++ % 2) {
            cpu_on += run(on, &get, k);
            cpu_off += run(off, &get, k);
        } else {
            cpu_off += run(off, &get, k);
            cpu_on += run(on, &get, k);
        }
        done += k;
    }
    ddb_metrics_snapshot *s = NULL;
    if ((rc = ddb_metrics_snapshot_new(&s, h.metrics, false, &err)) != 0)
        fail("snapshot", rc, &err);
    const ddb_metrics_entry *x = ddb_metrics_snapshot_find(s, TABLE, "GetItem");
    printf("result ops_overhead calls_per_client=%ld block=%ld cpu_us_per_get_off=%.2f "
           "cpu_us_per_get_on=%.2f overhead_pct=%.2f metrics_count=%llu p50_ms=%.3f "
           "p99_ms=%.3f target_pct=3\n",
           n, block, cpu_off / (double)n * 1e6, cpu_on / (double)n * 1e6,
           (cpu_on / cpu_off - 1) * 100, x ? (unsigned long long)x->count : 0ULL,
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
