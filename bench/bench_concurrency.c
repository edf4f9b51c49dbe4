/*
 * bench_concurrency: GetItem latency (p50, p99) and throughput at several concurrency levels
 * against a running DynamoDB Local, all on one shared ddb_client.
 *
 *   bench_concurrency --endpoint URL [-n 4000] [--levels 1,4,16] [--warmup 200]
 *                     [--mode threads|multi|both]
 *
 * Modes:
 *   threads  C threads share the client, each calling ddb_get_item in a loop (blocking calls);
 *            latency is measured around each call
 *   multi    one thread keeps C GetItems in flight with ddb_parallel (curl multi); latency is
 *            the event hook's: from the request's first attempt to its completion
 *
 * Each level runs N GetItems (split evenly over the threads) after `warmup` unmeasured ones, on
 * keys drawn at random from 1000 items written first. Items are about 200 bytes.
 *
 * Output per level: "result client=ddbkit op=GetItem mode=... concurrency=C n=... p50_ms=...
 * p90_ms=... p99_ms=... max_ms=... ops_per_s=..."
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddb/api/parallel.h"
#include "ddb/ddb.h"

#define BENCH_ACCESS_KEY_ID "AKIDBENCH"
#define BENCH_SECRET "bench-secret"
#define BENCH_TABLE "ddbkit_conc_bench"
#define N_KEYS 1000
#define MAX_LEVELS 16

typedef struct options {
    const char *endpoint;
    long n;
    long warmup;
    long levels[MAX_LEVELS];
    int n_levels;
    bool threads, multi;
} options;

static void usage(void)
{
    fprintf(stderr, "usage: bench_concurrency --endpoint URL [-n N] [--levels 1,4,16] "
                    "[--warmup W] [--mode threads|multi|both]\n");
    exit(2);
}

static void fail(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "bench_concurrency: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static long parse_long(const char *s, long min, long max)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || end == s || *end || v < min || v > max)
        usage();
    return v;
}

static options parse(int argc, char **argv)
{
    options o = {.n = 4000,
                 .warmup = 200,
                 .levels = {1, 4, 16},
                 .n_levels = 3,
                 .threads = true,
                 .multi = true};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--endpoint") == 0) {
            o.endpoint = v;
        } else if (strcmp(a, "-n") == 0) {
            o.n = parse_long(v, 1, 10000000);
        } else if (strcmp(a, "--warmup") == 0) {
            o.warmup = parse_long(v, 0, 10000000);
        } else if (strcmp(a, "--mode") == 0) {
            o.threads = strcmp(v, "threads") == 0 || strcmp(v, "both") == 0;
            o.multi = strcmp(v, "multi") == 0 || strcmp(v, "both") == 0;
            if (!o.threads && !o.multi)
                usage();
        } else if (strcmp(a, "--levels") == 0) {
            char buf[256];
            snprintf(buf, sizeof(buf), "%s", v);
            o.n_levels = 0;
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                if (o.n_levels == MAX_LEVELS)
                    usage();
                o.levels[o.n_levels++] = parse_long(t, 1, 1024);
            }
            if (o.n_levels == 0)
                usage();
        } else {
            usage();
        }
    }
    if (!o.endpoint)
        usage();
    return o;
}

static ddb_value *key_of(long k)
{
    char pk[32];
    snprintf(pk, sizeof(pk), "key#%04ld", k);
    ddb_value *key = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_value_new_m(&key, &err);
    if (rc == 0)
        rc = ddb_value_m_set_s(key, "pk", pk, &err);
    if (rc)
        fail("building a key", rc, &err);
    return key;
}

static void setup(ddb_client *c)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_delete_table_input del = {.table_name = BENCH_TABLE};
    ddb_delete_table_output *dout = NULL;
    if (ddb_delete_table(&dout, c, &del, &err) == 0)
        ddb_table_wait_deleted(c, BENCH_TABLE, 60000, &err);
    ddb_delete_table_output_free(dout);
    ddb_attribute_definition defs[] = {{"pk", "S"}};
    ddb_key_schema_element keys[] = {{"pk", "HASH"}};
    ddb_create_table_input in = {.table_name = BENCH_TABLE,
                                 .n_attribute_definitions = 1,
                                 .attribute_definitions = defs,
                                 .n_key_schema = 1,
                                 .key_schema = keys,
                                 .billing_mode = "PAY_PER_REQUEST"};
    ddb_create_table_output *out = NULL;
    int rc = ddb_create_table(&out, c, &in, &err);
    ddb_create_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_active(c, BENCH_TABLE, 60000, &err);
    if (rc)
        fail("CreateTable", rc, &err);

    static ddb_value *items[N_KEYS];
    static ddb_put_request puts[N_KEYS];
    static ddb_write_request writes[N_KEYS];
    char payload[180];
    memset(payload, 'v', sizeof(payload) - 1);
    payload[sizeof(payload) - 1] = '\0';
    for (long k = 0; k < N_KEYS; k++) {
        items[k] = key_of(k);
        if ((rc = ddb_value_m_set_s(items[k], "payload", payload, &err)) != 0)
            fail("building items", rc, &err);
        puts[k].item = items[k];
        writes[k].put_request = &puts[k];
    }
    if ((rc = ddb_parallel_batch_write(c, BENCH_TABLE, writes, N_KEYS, 8, &err)) != 0)
        fail("loading items", rc, &err);
    for (long k = 0; k < N_KEYS; k++)
        ddb_value_free(items[k]);
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* ---- threads --------------------------------------------------------------------------------- */

typedef struct worker {
    ddb_client *c;
    long warmup, n;
    uint64_t rng;
    double *latencies; /* n of them */
    pthread_barrier_t *start;
} worker;

static void get_one(ddb_client *c, uint64_t *rng)
{
    ddb_value *key = key_of((long)(next_rand(rng) % N_KEYS));
    ddb_get_item_input in = {.table_name = BENCH_TABLE, .key = key};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_get_item(&out, c, &in, &err);
    if (rc || !out->item)
        fail("GetItem", rc ? rc : DDB_ERR_PROTOCOL, &err);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    for (long i = 0; i < w->warmup; i++)
        get_one(w->c, &w->rng);
    pthread_barrier_wait(w->start);
    for (long i = 0; i < w->n; i++) {
        double t0 = now_ms();
        get_one(w->c, &w->rng);
        w->latencies[i] = now_ms() - t0;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, long n, double p)
{
    long i = (long)(p * (double)n);
    return sorted[i >= n ? n - 1 : i];
}

static void report(const char *mode, long level, double *lat, long n, double wall_ms)
{
    qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
    printf("result client=ddbkit op=GetItem mode=%s concurrency=%ld n=%ld p50_ms=%.3f p90_ms=%.3f "
           "p99_ms=%.3f max_ms=%.3f ops_per_s=%.1f\n",
           mode, level, n, pct(lat, n, 0.50), pct(lat, n, 0.90), pct(lat, n, 0.99), lat[n - 1],
           (double)n / (wall_ms / 1000.0));
    fflush(stdout);
}

static void run_threads(ddb_client *c, long level, const options *o)
{
    long per = o->n / level;
    if (per < 1)
        per = 1;
    long total = per * level;
    double *lat = calloc((size_t)total, sizeof(*lat));
    worker *workers = calloc((size_t)level, sizeof(*workers));
    pthread_t *threads = calloc((size_t)level, sizeof(*threads));
    pthread_barrier_t start;
    if (!lat || !workers || !threads || pthread_barrier_init(&start, NULL, (unsigned)level + 1))
        fail("allocating", DDB_ERR_NOMEM, NULL);
    for (long t = 0; t < level; t++) {
        workers[t] = (worker){.c = c,
                              .warmup = o->warmup / level,
                              .n = per,
                              .rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(t + 1),
                              .latencies = lat + t * per,
                              .start = &start};
        if (pthread_create(&threads[t], NULL, run_worker, &workers[t]))
            fail("pthread_create", DDB_ERR_NOMEM, NULL);
    }
    pthread_barrier_wait(&start);
    double t0 = now_ms();
    for (long t = 0; t < level; t++)
        pthread_join(threads[t], NULL);
    report("threads", level, lat, total, now_ms() - t0);
    pthread_barrier_destroy(&start);
    free(lat);
    free(workers);
    free(threads);
}

/* ---- curl multi ------------------------------------------------------------------------------ */

typedef struct multi_lat {
    atomic_bool on;
    double *lat;
    long n, cap;
} multi_lat;

static multi_lat collected;

static void on_event(void *ctx, const ddb_event *ev)
{
    (void)ctx;
    if (atomic_load(&collected.on) && collected.n < collected.cap &&
        strcmp(ev->operation, "GetItem") == 0)
        collected.lat[collected.n++] = ev->latency_ms;
}

/* n GetItems on random keys through one ddb_parallel with `level` in flight. */
static void parallel_gets(ddb_client *c, long level, long n, uint64_t *rng)
{
    ddb_parallel_options opts = DDB_PARALLEL_OPTIONS_INIT;
    opts.max_in_flight = (size_t)level;
    ddb_parallel *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_parallel_new(&p, c, &opts, &err);
    for (long i = 0; rc == 0 && i < n; i++) {
        ddb_value *key = key_of((long)(next_rand(rng) % N_KEYS));
        ddb_get_item_input in = {.table_name = BENCH_TABLE, .key = key};
        rc = ddb_parallel_add(NULL, p, "GetItem", &in, &err);
        ddb_value_free(key);
    }
    if (rc == 0)
        rc = ddb_parallel_run(p, &err);
    if (rc)
        fail("ddb_parallel GetItem", rc, &err);
    ddb_parallel_free(p);
}

static void run_multi(ddb_client *c, long level, const options *o)
{
    uint64_t rng = 0xD1B54A32D192ED03ULL * (uint64_t)level;
    parallel_gets(c, level, o->warmup, &rng);
    collected.n = 0;
    collected.cap = o->n;
    collected.lat = calloc((size_t)o->n, sizeof(double));
    if (!collected.lat)
        fail("allocating", DDB_ERR_NOMEM, NULL);
    atomic_store(&collected.on, true);
    double t0 = now_ms();
    parallel_gets(c, level, o->n, &rng);
    double wall = now_ms() - t0;
    atomic_store(&collected.on, false);
    report("multi", level, collected.lat, collected.n, wall);
    free(collected.lat);
    collected.lat = NULL;
}

int main(int argc, char **argv)
{
    options o = parse(argc, argv);
    ddb_client_options copts = DDB_CLIENT_OPTIONS_INIT;
    copts.endpoint = o.endpoint;
    copts.region = "us-east-1";
    copts.access_key_id = BENCH_ACCESS_KEY_ID;
    copts.secret_access_key = BENCH_SECRET;
    copts.on_event = on_event;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_client_new(&c, &copts, &err);
    if (rc)
        fail("ddb_client_new", rc, &err);
    setup(c);
    for (int i = 0; i < o.n_levels; i++) {
        if (o.threads)
            run_threads(c, o.levels[i], &o);
        if (o.multi)
            run_multi(c, o.levels[i], &o);
    }
    ddb_delete_table_input del = {.table_name = BENCH_TABLE};
    ddb_delete_table_output *dout = NULL;
    if (ddb_delete_table(&dout, c, &del, &err) == 0)
        ddb_table_wait_deleted(c, BENCH_TABLE, 60000, &err);
    ddb_delete_table_output_free(dout);
    ddb_client_free(c);
    return 0;
}
