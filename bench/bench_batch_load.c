/*
 * bench_batch_load: load N items (about B bytes each) into a fresh table of a running DynamoDB
 * Local, and report items per second.
 *
 *   bench_batch_load --endpoint URL [-n 100000] [--item-bytes 200] [--writer parallel|batch_writer]
 *                    [--in-flight 16] [--table NAME]
 *
 * Writers:
 *   parallel      ddb_parallel_batch_write: BatchWriteItem of 25 items, --in-flight requests on
 *                 the wire at once over curl multi from this one thread (ddb/api/parallel.h)
 *   batch_writer  ddb_batch_writer (ddb/api/batch.h): one BatchWriteItem at a time, in order, as
 *                 boto3's Table.batch_writer() does
 *
 * The items are built before the clock starts (boto3_batch_load.py does the same), so what is timed
 * is encoding, signing, sending, and resending whatever comes back unprocessed. Afterwards the
 * table is counted with a parallel Scan (Select=COUNT), which must give exactly N, and deleted.
 *
 * Item i: {"pk": S "item#%08d", "n": N i, "payload": S "xxx..."}, the payload sized so that the
 * item is --item-bytes by DynamoDB's size formula (attribute names plus values).
 *
 * Output: "result client=ddbkit writer=... op=BatchLoad n=... in_flight=... item_bytes=...
 * wall_s=... items_per_s=... cpu_s=..." (CPU: user+sys of this process over the load).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ddb/api/batch.h"
#include "ddb/api/parallel.h"
#include "ddb/ddb.h"

/* DynamoDB Local runs with -sharedDb: the key only has to look like one. */
#define BENCH_ACCESS_KEY_ID "AKIDBENCH"
#define BENCH_SECRET "bench-secret"

typedef struct options {
    const char *endpoint;
    long n;
    long item_bytes;
    const char *writer;
    long in_flight;
    const char *table;
} options;

static void usage(void)
{
    fprintf(stderr, "usage: bench_batch_load --endpoint URL [-n N] [--item-bytes B] "
                    "[--writer parallel|batch_writer] [--in-flight K] [--table NAME]\n");
    exit(2);
}

static void fail(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "bench_batch_load: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long parse_long(const char *s, long min, long max)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < min || v > max)
        usage();
    return v;
}

static options parse(int argc, char **argv)
{
    options o = {.n = 100000,
                 .item_bytes = 200,
                 .writer = "parallel",
                 .in_flight = 16,
                 .table = "ddbkit_batch_load"};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--endpoint") == 0)
            o.endpoint = v;
        else if (strcmp(a, "-n") == 0)
            o.n = parse_long(v, 1, 100000000);
        else if (strcmp(a, "--item-bytes") == 0)
            o.item_bytes = parse_long(v, 40, 400000);
        else if (strcmp(a, "--writer") == 0)
            o.writer = v;
        else if (strcmp(a, "--in-flight") == 0)
            o.in_flight = parse_long(v, 1, DDB_PARALLEL_MAX_IN_FLIGHT);
        else if (strcmp(a, "--table") == 0)
            o.table = v;
        else
            usage();
    }
    if (!o.endpoint || (strcmp(o.writer, "parallel") != 0 && strcmp(o.writer, "batch_writer") != 0))
        usage();
    return o;
}

static void create_table(ddb_client *c, const char *table)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_delete_table_input del = {.table_name = table};
    ddb_delete_table_output *dout = NULL;
    if (ddb_delete_table(&dout, c, &del, &err) == 0) /* left over from an interrupted run */
        ddb_table_wait_deleted(c, table, 60000, &err);
    ddb_delete_table_output_free(dout);
    ddb_attribute_definition defs[] = {{"pk", "S"}};
    ddb_key_schema_element keys[] = {{"pk", "HASH"}};
    ddb_create_table_input in = {.table_name = table,
                                 .n_attribute_definitions = 1,
                                 .attribute_definitions = defs,
                                 .n_key_schema = 1,
                                 .key_schema = keys,
                                 .billing_mode = "PAY_PER_REQUEST"};
    ddb_create_table_output *out = NULL;
    int rc = ddb_create_table(&out, c, &in, &err);
    ddb_create_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_active(c, table, 60000, &err);
    if (rc)
        fail("CreateTable", rc, &err);
}

static void delete_table(ddb_client *c, const char *table)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_delete_table_input in = {.table_name = table};
    ddb_delete_table_output *out = NULL;
    int rc = ddb_delete_table(&out, c, &in, &err);
    ddb_delete_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_deleted(c, table, 60000, &err);
    if (rc)
        fail("DeleteTable", rc, &err);
}

/* DynamoDB's size of a number: (significant digits + 1) / 2 + 1 bytes. */
static long number_bytes(long v)
{
    int digits = 1;
    while (v >= 10) {
        v /= 10;
        digits++;
    }
    return (digits + 1) / 2 + 1;
}

static ddb_value *make_item(long i, long item_bytes, char *pad)
{
    char pk[32];
    snprintf(pk, sizeof(pk), "item#%08ld", i);
    long fixed = 2 + (long)strlen(pk) + 1 + number_bytes(i) + 7; /* "pk", "n", "payload" */
    long pad_len = item_bytes - fixed;
    if (pad_len < 1)
        pad_len = 1;
    pad[pad_len] = '\0';
    ddb_value *item = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_value_new_m(&item, &err);
    if (rc == 0)
        rc = ddb_value_m_set_s(item, "pk", pk, &err);
    if (rc == 0)
        rc = ddb_value_m_set_i64(item, "n", i, &err);
    if (rc == 0)
        rc = ddb_value_m_set_s(item, "payload", pad, &err);
    pad[pad_len] = 'x';
    if (rc)
        fail("building items", rc, &err);
    return item;
}

static int count_page(void *ctx, int64_t segment, const ddb_scan_output *page)
{
    (void)segment;
    *(long *)ctx += (long)page->count;
    return 0;
}

int main(int argc, char **argv)
{
    options o = parse(argc, argv);
    ddb_client_options copts = DDB_CLIENT_OPTIONS_INIT;
    copts.endpoint = o.endpoint;
    copts.region = "us-east-1";
    copts.access_key_id = BENCH_ACCESS_KEY_ID;
    copts.secret_access_key = BENCH_SECRET;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_client_new(&c, &copts, &err);
    if (rc)
        fail("ddb_client_new", rc, &err);
    create_table(c, o.table);

    size_t n = (size_t)o.n;
    ddb_value **items = calloc(n, sizeof(*items));
    ddb_put_request *puts = calloc(n, sizeof(*puts));
    ddb_write_request *writes = calloc(n, sizeof(*writes));
    char *pad = malloc((size_t)o.item_bytes + 1);
    if (!items || !puts || !writes || !pad)
        fail("allocating items", DDB_ERR_NOMEM, NULL);
    memset(pad, 'x', (size_t)o.item_bytes);
    for (size_t i = 0; i < n; i++) {
        items[i] = make_item((long)i, o.item_bytes, pad);
        puts[i].item = items[i];
        writes[i].put_request = &puts[i];
    }

    bool parallel = strcmp(o.writer, "parallel") == 0;
    long in_flight = parallel ? o.in_flight : 1;
    double w0 = wall_now(), c0 = cpu_now();
    if (parallel) {
        rc = ddb_parallel_batch_write(c, o.table, writes, n, (size_t)o.in_flight, &err);
        if (rc)
            fail("ddb_parallel_batch_write", rc, &err);
    } else {
        ddb_batch_writer *w = NULL;
        rc = ddb_batch_writer_new(&w, c, NULL, &err);
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = ddb_batch_writer_put(w, o.table, items[i], &err);
        if (rc == 0)
            rc = ddb_batch_writer_flush(w, &err);
        ddb_batch_writer_free(w);
        if (rc)
            fail("ddb_batch_writer", rc, &err);
    }
    double wall = wall_now() - w0, cpu = cpu_now() - c0;

    /* The load must be complete: count with a parallel Scan. */
    long counted = 0;
    ddb_scan_input count = {.table_name = o.table, .select = "COUNT"};
    rc = ddb_parallel_scan(c, &count, 4, 0, count_page, &counted, &err);
    if (rc)
        fail("counting items", rc, &err);
    if (counted != o.n) {
        fprintf(stderr, "bench_batch_load: the table holds %ld items, expected %ld\n", counted,
                o.n);
        return 1;
    }
    printf("result client=ddbkit writer=%s op=BatchLoad n=%ld in_flight=%ld item_bytes=%ld "
           "wall_s=%.3f items_per_s=%.1f cpu_s=%.3f\n",
           o.writer, o.n, in_flight, o.item_bytes, wall, (double)o.n / wall, cpu);
    fflush(stdout);

    delete_table(c, o.table);
    for (size_t i = 0; i < n; i++)
        ddb_value_free(items[i]);
    free(items);
    free(puts);
    free(writes);
    free(pad);
    ddb_client_free(c);
    return 0;
}
