/*
 * ddbkit_bench: serial GetItem and PutItem through the real client (ddb_get_item, ddb_put_item)
 * against a running DynamoDB Local, and the JSON library's share of one GetItem.
 *
 *   ddbkit_bench --endpoint URL --dir DIR [-n N] [--warmup W] [--json-iterations K]
 *                [--server-warmup S] [--only GetItem|PutItem] [--setup-only]
 *
 * It creates the table, writes the benchmark item, and saves the exact request bodies ddbkit
 * sends (DIR/GetItem.request.json, DIR/PutItem.request.json) and a GetItem response body
 * (DIR/GetItem.response.json): raw_http and boto3_bench send those same bytes. --setup-only stops
 * there, so that scripts/bench can warm the server up before any client is measured. With -n 0
 * only the JSON stages run.
 *
 * Output: one line per measurement, "result client=ddbkit op=GetItem n=... wall_s=...
 * ops_per_s=... cpu_us_per_op=...", and "json stage=... us_per_op=..." lines. CPU time is
 * getrusage(RUSAGE_SELF) user+sys over the measured loop, divided by the number of operations.
 *
 * The JSON stages time ddbkit's own request encoder and response decoder (internal, api_codec.h)
 * and jansson's json_dumps / json_loadb on the captured bodies, each in a loop of K iterations.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "api/api_codec.h"
#include "core/json_fast.h"
#include "ddb/ddb.h"

/* DynamoDB Local keeps a database per access key id: raw_http and boto3_bench use this one too. */
#define BENCH_ACCESS_KEY_ID "AKIDBENCH"
#define BENCH_SECRET "bench-secret"
#define BENCH_TABLE "ddbkit_bench"
#define BENCH_PK "bench#1"

typedef struct options {
    const char *endpoint;
    const char *dir;
    long n;
    long warmup;
    long server_warmup;
    long json_iterations;
    const char *only; /* "GetItem" or "PutItem": measure just that one */
    bool setup_only;
} options;

static void usage(void)
{
    fprintf(stderr, "usage: ddbkit_bench --endpoint URL --dir DIR [-n N] [--warmup W] "
                    "[--server-warmup S] [--json-iterations K] [--only GetItem|PutItem] "
                    "[--setup-only]\n");
    exit(2);
}

static void fail(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "ddbkit_bench: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User and system CPU seconds of this process (all threads). */
static void cpu_now(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Finer than getrusage, for the JSON loops that run in microseconds. */
static double cpu_fine_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the item: about 400 bytes of JSON, every common type ----------------------------------- */

static ddb_value *bench_item(void)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL, *v = NULL, *address = NULL, *scores = NULL;
    unsigned char avatar[64];
    for (size_t i = 0; i < sizeof(avatar); i++)
        avatar[i] = (unsigned char)(i * 37 + 11);
    const char *tags[] = {"admin", "beta", "eu"};
    int rc = ddb_value_new_m(&item, &err);
    rc = rc ? rc : ddb_value_m_set_s(item, "pk", BENCH_PK, &err);
    rc = rc ? rc : ddb_value_m_set_s(item, "name", "Ada Lovelace", &err);
    rc = rc ? rc : ddb_value_m_set_s(item, "email", "ada@example.com", &err);
    rc = rc ? rc : ddb_value_m_set_i64(item, "age", 36, &err);
    rc = rc ? rc : ddb_value_m_set_n(item, "balance", "1234.56", &err);
    rc = rc ? rc : ddb_value_m_set_bool(item, "active", true, &err);
    rc = rc ? rc : ddb_value_m_set_s(item, "created", "2026-01-01T00:00:00Z", &err);
    if (!rc && !(rc = ddb_value_new_ss(&v, tags, 3, &err)))
        rc = ddb_value_m_set_take(item, "tags", v, &err);
    if (!rc && !(rc = ddb_value_new_m(&address, &err))) {
        rc = ddb_value_m_set_s(address, "street", "12 St James's Square", &err);
        rc = rc ? rc : ddb_value_m_set_s(address, "city", "London", &err);
        rc = rc ? rc : ddb_value_m_set_s(address, "zip", "SW1Y 4JH", &err);
        if (rc)
            ddb_value_free(address);
        else
            rc = ddb_value_m_set_take(item, "address", address, &err);
    }
    if (!rc && !(rc = ddb_value_new_l(&scores, &err))) {
        for (int i = 1; i <= 5 && !rc; i++) {
            if (!(rc = ddb_value_new_n_i64(&v, i * 10, &err)))
                rc = ddb_value_l_append_take(scores, v, &err);
        }
        if (rc)
            ddb_value_free(scores);
        else
            rc = ddb_value_m_set_take(item, "scores", scores, &err);
    }
    if (!rc && !(rc = ddb_value_new_b(&v, avatar, sizeof(avatar), &err)))
        rc = ddb_value_m_set_take(item, "avatar", v, &err);
    if (!rc && !(rc = ddb_value_new_null(&v, &err)))
        rc = ddb_value_m_set_take(item, "deleted_at", v, &err);
    if (rc)
        fail("building the item", rc, &err);
    return item;
}

static ddb_client *bench_client(const char *endpoint, ddb_trace_fn trace, void *trace_ctx)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = endpoint;
    opts.region = "us-east-1";
    opts.access_key_id = BENCH_ACCESS_KEY_ID;
    opts.secret_access_key = BENCH_SECRET;
    opts.trace = trace;
    opts.trace_ctx = trace_ctx;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_client_new(&c, &opts, &err);
    if (rc)
        fail("ddb_client_new", rc, &err);
    return c;
}

static void create_table(ddb_client *c)
{
    ddb_attribute_definition def = {"pk", "S"};
    ddb_key_schema_element key = {"pk", "HASH"};
    ddb_create_table_input in = {.table_name = BENCH_TABLE,
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
    if ((rc = ddb_table_wait_active(c, BENCH_TABLE, 60000, &err)) != 0)
        fail("waiting for the table", rc, &err);
}

/* ---- the operations ------------------------------------------------------------------------ */

typedef struct bench_ops {
    ddb_client *c;
    ddb_get_item_input get;
    ddb_put_item_input put;
} bench_ops;

static void do_get(bench_ops *b)
{
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_get_item(&out, b->c, &b->get, &err);
    if (rc)
        fail("GetItem", rc, &err);
    if (!out->item)
        fail("GetItem returned no item", DDB_ERR_PROTOCOL, NULL);
    ddb_get_item_output_free(out);
}

static void do_put(bench_ops *b)
{
    ddb_put_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_put_item(&out, b->c, &b->put, &err);
    if (rc)
        fail("PutItem", rc, &err);
    ddb_put_item_output_free(out);
}

static void measure(const char *op, void (*fn)(bench_ops *), bench_ops *b, long n, long warmup)
{
    for (long i = 0; i < warmup; i++)
        fn(b);
    double u0, s0, u1, s1;
    cpu_now(&u0, &s0);
    double w0 = wall_now();
    for (long i = 0; i < n; i++)
        fn(b);
    double wall = wall_now() - w0;
    cpu_now(&u1, &s1);
    double per_op = 1e6 / (double)n;
    printf("result client=ddbkit op=%s n=%ld wall_s=%.4f ops_per_s=%.1f cpu_us_per_op=%.2f "
           "user_us_per_op=%.2f sys_us_per_op=%.2f\n",
           op, n, wall, (double)n / wall, ((u1 - u0) + (s1 - s0)) * per_op, (u1 - u0) * per_op,
           (s1 - s0) * per_op);
    fflush(stdout);
}

/* ---- capturing the exact bodies ------------------------------------------------------------ */

typedef struct capture {
    char *last_request;
    size_t last_request_len;
    char *last_response;
    size_t last_response_len;
} capture;

static void keep(char **dst, size_t *dst_len, const char *data, size_t len)
{
    free(*dst);
    *dst = malloc(len + 1);
    if (!*dst)
        abort();
    memcpy(*dst, data, len);
    (*dst)[len] = '\0';
    *dst_len = len;
}

static void on_trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    capture *cap = ctx;
    if (kind == DDB_TRACE_REQUEST_BODY)
        keep(&cap->last_request, &cap->last_request_len, data, len);
    else if (kind == DDB_TRACE_RESPONSE_BODY)
        keep(&cap->last_response, &cap->last_response_len, data, len);
}

static void save(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "ddbkit_bench: cannot write %s\n", path);
        exit(1);
    }
}

/* ---- the JSON library's share ---------------------------------------------------------------- */

static void json_stage(const char *stage, long k, double seconds)
{
    printf("json stage=%s n=%ld us_per_op=%.3f\n", stage, k, seconds * 1e6 / (double)k);
}

static void measure_json(const ddb_get_item_input *get, const char *response, size_t response_len,
                         long k)
{
    ddb_error err = DDB_ERROR_INIT;
    json_t *request = NULL, *resp = NULL;
    json_error_t jerr;
    int rc = ddb_api__encode("GetItem", get, &request, &err);
    if (rc)
        fail("encoding GetItem", rc, &err);
    resp = json_loadb(response, response_len, 0, &jerr);
    if (!resp) {
        fprintf(stderr, "ddbkit_bench: the captured GetItem response is not JSON: %s\n", jerr.text);
        exit(1);
    }

    /* ddbkit's encoder: the input struct to a jansson tree (jansson builds the nodes). */
    double t0 = cpu_fine_now();
    for (long i = 0; i < k; i++) {
        json_t *j = NULL;
        if (ddb_api__encode("GetItem", get, &j, &err) != 0)
            abort();
        json_decref(j);
    }
    json_stage("encode_tree", k, cpu_fine_now() - t0);

    /* The tree to the request body, as the runtime writes it (json_fast.c), then with jansson's
     * json_dumps alone for comparison. */
    t0 = cpu_fine_now();
    for (long i = 0; i < k; i++)
        free(ddb_json__dumps(request, JSON_COMPACT));
    json_stage("json_dumps", k, cpu_fine_now() - t0);
    t0 = cpu_fine_now();
    for (long i = 0; i < k; i++)
        free(json_dumps(request, JSON_COMPACT));
    json_stage("jansson_dumps", k, cpu_fine_now() - t0);

    /* The response body to a tree, and freeing it: as the runtime parses it, then jansson's
     * json_loadb alone. */
    t0 = cpu_fine_now();
    for (long i = 0; i < k; i++)
        json_decref(ddb_json__loadb(response, response_len, JSON_ALLOW_NUL, &jerr));
    json_stage("json_loadb", k, cpu_fine_now() - t0);
    t0 = cpu_fine_now();
    for (long i = 0; i < k; i++)
        json_decref(json_loadb(response, response_len, JSON_ALLOW_NUL, &jerr));
    json_stage("jansson_loadb", k, cpu_fine_now() - t0);

    /* ddbkit's decoder: the tree to ddb_get_item_output (ddb_value), and freeing that. */
    t0 = cpu_fine_now();
    for (long i = 0; i < k; i++) {
        void *out = NULL;
        if (ddb_api__decode("GetItem", resp, &out, &err) != 0)
            abort();
        ddb_get_item_output_free(out);
    }
    json_stage("decode_tree", k, cpu_fine_now() - t0);

    json_decref(request);
    json_decref(resp);
    fflush(stdout);
}

/* ---- main ---------------------------------------------------------------------------------- */

static long number_arg(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < 0)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    options o = {.n = 5000, .warmup = 500, .json_iterations = 100000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--setup-only") == 0) {
            o.setup_only = true;
            continue;
        }
        if (!next)
            usage();
        if (strcmp(a, "--endpoint") == 0)
            o.endpoint = next;
        else if (strcmp(a, "--dir") == 0)
            o.dir = next;
        else if (strcmp(a, "-n") == 0)
            o.n = number_arg(next);
        else if (strcmp(a, "--warmup") == 0)
            o.warmup = number_arg(next);
        else if (strcmp(a, "--server-warmup") == 0)
            o.server_warmup = number_arg(next);
        else if (strcmp(a, "--json-iterations") == 0)
            o.json_iterations = number_arg(next);
        else if (strcmp(a, "--only") == 0)
            o.only = next;
        else
            usage();
        i++;
    }
    if (!o.endpoint || !o.dir)
        usage();
    if (o.only && strcmp(o.only, "GetItem") != 0 && strcmp(o.only, "PutItem") != 0)
        usage();

    ddb_value *item = bench_item();
    ddb_value *key = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_value_new_m(&key, &err);
    rc = rc ? rc : ddb_value_m_set_s(key, "pk", BENCH_PK, &err);
    if (rc)
        fail("building the key", rc, &err);
    bench_ops b = {
        .get = {.table_name = BENCH_TABLE, .key = key},
        .put = {.table_name = BENCH_TABLE, .item = item},
    };

    if (o.setup_only) {
        /* A tracing client: the table, the item, and the exact bodies of one call of each. */
        capture cap = {0};
        b.c = bench_client(o.endpoint, on_trace, &cap);
        create_table(b.c);
        do_put(&b);
        save(o.dir, "PutItem.request.json", cap.last_request, cap.last_request_len);
        do_get(&b);
        save(o.dir, "GetItem.request.json", cap.last_request, cap.last_request_len);
        save(o.dir, "GetItem.response.json", cap.last_response, cap.last_response_len);
        for (long i = 0; i < o.server_warmup; i++)
            (i % 2 ? do_put : do_get)(&b);
        free(cap.last_request);
        free(cap.last_response);
        ddb_client_free(b.c);
    } else {
        /* The measured client has no hooks, as in production. */
        b.c = bench_client(o.endpoint, NULL, NULL);
        if (o.n > 0 && (!o.only || strcmp(o.only, "GetItem") == 0))
            measure("GetItem", do_get, &b, o.n, o.warmup);
        if (o.n > 0 && (!o.only || strcmp(o.only, "PutItem") == 0))
            measure("PutItem", do_put, &b, o.n, o.warmup);
        ddb_client_free(b.c);

        if (o.json_iterations > 0) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/GetItem.response.json", o.dir);
            FILE *f = fopen(path, "rb");
            char buf[65536];
            size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
            if (f)
                fclose(f);
            if (len == 0) {
                fprintf(stderr, "ddbkit_bench: no response body in %s; run --setup-only first\n",
                        path);
                return 1;
            }
            buf[len] = '\0';
            measure_json(&b.get, buf, len, o.json_iterations);
        }
    }
    ddb_value_free(key);
    ddb_value_free(item);
    return 0;
}
