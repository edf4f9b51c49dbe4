/*
 * bench_generated: the client CPU of the generated repository (code that `ddbkit generate` wrote
 * at build time for bench/models/bench.json) beside the same calls written by hand over
 * libddbkit, against a running DynamoDB Local.
 *
 *   bench_generated --endpoint URL [--rounds R] [-n N] [--block B] [--warmup W] [--query-items Q]
 *
 * Three operations, each in two variants:
 *
 *   get    generated: repo->order__get            hand: ddb_get_item + decoding into a struct
 *   put    generated: repo->order__create         hand: building the item + ddb_put_item with
 *                                                       the same condition (the key is new)
 *   query  generated: repo->order__customer_orders (one page)
 *                                                 hand: ddb_query + decoding every item
 *
 * The hand-written variants are what a careful user writes without the generator: literal
 * expression strings, attribute by attribute decoding, no descriptor tables. Before measuring,
 * one call of each variant runs through a tracing client: the two must decode the same values
 * (for put: both must be refused by the server when the key exists), or the program stops, since
 * a hand-written call that did less work would make the ratio meaningless; whether they sent
 * byte-identical request bodies is reported (and printed to stderr when not).
 *
 * DynamoDB Local shares the machine, so its load moves the client's CPU figures (cache and
 * scheduler effects). The variants therefore alternate finely: each round runs N calls of each
 * for each operation in blocks of B calls, generated and hand-written in turn, the order swapped
 * every block; the ratio is taken per round (generated CPU / hand-written CPU) and summarised by
 * its median.
 *
 * CPU is CLOCK_PROCESS_CPUTIME_ID (user + system, every thread of the process), summed over a
 * variant's blocks.
 *
 * Output, one line per round, variant and operation:
 *   genop op=get round=3 variant=generated n=300 cpu_us_per_op=... wall_us_per_op=...
 * and "gencheck op=... request_identical=yes decoded_equal=yes" lines; bench/report_generated.py
 * turns them into the table.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h" /* generated at build time from bench/models/bench.json */
#include "ddb/ddb.h"

/* DynamoDB Local keeps a database per access key id: this one is the generated bench's alone. */
#define ACCESS_KEY_ID "AKIDBENCHGEN"
#define SECRET "bench-secret"
#define TABLE "BenchOrders" /* the model's table_config.table_name */
#define QUERY_CUSTOMER "query-customer"
#define GET_ORDER "0001"
#define KEY_MAX 256

typedef struct options {
    const char *endpoint;
    long rounds;
    long n;
    long warmup;
    long query_items;
    long block;
} options;

static void usage(void)
{
    fprintf(stderr, "usage: bench_generated --endpoint URL [--rounds R] [-n N] [--warmup W] "
                    "[--block B] [--query-items Q]\n");
    exit(2);
}

static void fail(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "bench_generated: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

/* ==== the hand-written variants =============================================================== */

/* The struct a user writes for an order; total is the decimal string, as DynamoDB keeps it. */
typedef struct hand_order {
    char *customer_id;
    char *order_id;
    char *status;
    char *placed_at;
    int64_t item_count;
    char *total;
    bool express;
    char *note; /* optional */
    int64_t version;
} hand_order;

static void hand_order_free(hand_order *o)
{
    free(o->customer_id);
    free(o->order_id);
    free(o->status);
    free(o->placed_at);
    free(o->total);
    free(o->note);
    memset(o, 0, sizeof *o);
}

typedef struct hand_page {
    size_t n;
    hand_order *items;
} hand_page;

static void hand_page_free(hand_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        hand_order_free(&p->items[i]);
    free(p->items);
    p->items = NULL;
    p->n = 0;
}

/* A required string attribute, copied; NULL (and an error) when missing or not S. */
static int take_s(char **out, const ddb_value *item, const char *name, bool required,
                  ddb_error *err)
{
    const ddb_value *v = ddb_value_m_get(item, name);
    if (!v && !required)
        return 0;
    if (ddb_value_type(v) != DDB_TYPE_S) {
        if (err) {
            err->code = DDB_ERR_PROTOCOL;
            snprintf(err->message, sizeof err->message, "Order.%s: missing or not a string", name);
        }
        return DDB_ERR_PROTOCOL;
    }
    *out = dup_or_die(ddb_value_s(v, NULL));
    return 0;
}

static int protocol_error(ddb_error *err, const char *name, const char *what)
{
    if (err) {
        err->code = DDB_ERR_PROTOCOL;
        snprintf(err->message, sizeof err->message, "Order.%s: %s", name, what);
    }
    return DDB_ERR_PROTOCOL;
}

/* Decodes an item into *out; *out is untouched on failure. */
static int hand_decode(hand_order *out, const ddb_value *item, ddb_error *err)
{
    hand_order o = {0};
    const ddb_value *v;
    int rc = take_s(&o.customer_id, item, "customer_id", true, err);
    rc = rc ? rc : take_s(&o.order_id, item, "order_id", true, err);
    rc = rc ? rc : take_s(&o.status, item, "status", true, err);
    rc = rc ? rc : take_s(&o.placed_at, item, "placed_at", true, err);
    if (rc == 0) {
        v = ddb_value_m_get(item, "item_count");
        if (ddb_value_type(v) != DDB_TYPE_N || ddb_value_n_i64(v, &o.item_count, NULL) != 0)
            rc = protocol_error(err, "item_count", "missing or not a 64-bit integer");
    }
    if (rc == 0) {
        v = ddb_value_m_get(item, "total");
        if (ddb_value_type(v) != DDB_TYPE_N)
            rc = protocol_error(err, "total", "missing or not a number");
        else
            o.total = dup_or_die(ddb_value_n(v));
    }
    if (rc == 0) {
        v = ddb_value_m_get(item, "express");
        if (ddb_value_type(v) != DDB_TYPE_BOOL)
            rc = protocol_error(err, "express", "missing or not a boolean");
        else
            o.express = ddb_value_bool(v);
    }
    rc = rc ? rc : take_s(&o.note, item, "note", false, err);
    if (rc == 0 && (v = ddb_value_m_get(item, "_version")) != NULL &&
        ddb_value_n_i64(v, &o.version, NULL) != 0)
        rc = protocol_error(err, "_version", "not a 64-bit integer");
    if (rc != 0) {
        hand_order_free(&o);
        return rc;
    }
    *out = o;
    return 0;
}

static int key_of(ddb_value **out, const char *customer_id, const char *order_id, ddb_error *err)
{
    char pk[KEY_MAX], sk[KEY_MAX];
    ddb_value *key = NULL;
    snprintf(pk, sizeof pk, "CUSTOMER#%s", customer_id);
    snprintf(sk, sizeof sk, "ORDER#%s", order_id);
    int rc = ddb_value_new_m(&key, err);
    rc = rc ? rc : ddb_value_m_set_s(key, "pk", pk, err);
    rc = rc ? rc : ddb_value_m_set_s(key, "sk", sk, err);
    if (rc) {
        ddb_value_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

static int hand_get(hand_order *out, bool *found, ddb_client *c, const char *customer_id,
                    const char *order_id, ddb_error *err)
{
    ddb_value *key = NULL;
    ddb_get_item_output *o = NULL;
    int rc = key_of(&key, customer_id, order_id, err);
    if (rc)
        return rc;
    ddb_get_item_input in = {.table_name = TABLE, .key = key};
    rc = ddb_get_item(&o, c, &in, err);
    if (rc == 0) {
        *found = o->item != NULL;
        if (o->item)
            rc = hand_decode(out, o->item, err);
    }
    ddb_get_item_output_free(o);
    ddb_value_free(key);
    return rc;
}

/* The item in the order the generated code writes it (fields, keys, version), so that the two
 * variants send the same bytes. */
static int hand_put_new(ddb_client *c, const hand_order *obj, ddb_error *err)
{
    char pk[KEY_MAX], sk[KEY_MAX];
    ddb_value *item = NULL;
    ddb_put_item_output *o = NULL;
    snprintf(pk, sizeof pk, "CUSTOMER#%s", obj->customer_id);
    snprintf(sk, sizeof sk, "ORDER#%s", obj->order_id);
    int rc = ddb_value_new_m(&item, err);
    rc = rc ? rc : ddb_value_m_set_s(item, "customer_id", obj->customer_id, err);
    rc = rc ? rc : ddb_value_m_set_s(item, "order_id", obj->order_id, err);
    rc = rc ? rc : ddb_value_m_set_s(item, "status", obj->status, err);
    rc = rc ? rc : ddb_value_m_set_s(item, "placed_at", obj->placed_at, err);
    rc = rc ? rc : ddb_value_m_set_i64(item, "item_count", obj->item_count, err);
    rc = rc ? rc : ddb_value_m_set_n(item, "total", obj->total, err);
    rc = rc ? rc : ddb_value_m_set_bool(item, "express", obj->express, err);
    if (rc == 0 && obj->note)
        rc = ddb_value_m_set_s(item, "note", obj->note, err);
    rc = rc ? rc : ddb_value_m_set_s(item, "pk", pk, err);
    rc = rc ? rc : ddb_value_m_set_s(item, "sk", sk, err);
    rc = rc ? rc : ddb_value_m_set_i64(item, "_version", 1, err);
    if (rc == 0) {
        ddb_string_map_entry names[] = {{"#n0", "pk"}};
        ddb_put_item_input in = {.table_name = TABLE,
                                 .item = item,
                                 .condition_expression = "attribute_not_exists(#n0)",
                                 .n_expression_attribute_names = 1,
                                 .expression_attribute_names = names};
        rc = ddb_put_item(&o, c, &in, err);
        ddb_put_item_output_free(o);
    }
    ddb_value_free(item);
    return rc;
}

/* One Query page of a customer's orders, items of other types (another sort key prefix)
 * skipped, as the generated code does. */
static int hand_query(hand_page *out, ddb_client *c, const char *customer_id, ddb_error *err)
{
    char pk[KEY_MAX];
    ddb_value *values = NULL;
    ddb_query_output *o = NULL;
    hand_page page = {0, NULL};
    snprintf(pk, sizeof pk, "CUSTOMER#%s", customer_id);
    int rc = ddb_value_new_m(&values, err);
    rc = rc ? rc : ddb_value_m_set_s(values, ":v0", pk, err);
    rc = rc ? rc : ddb_value_m_set_s(values, ":v1", "ORDER#", err);
    if (rc == 0) {
        ddb_string_map_entry names[] = {{"#n0", "pk"}, {"#n1", "sk"}};
        ddb_query_input in = {.table_name = TABLE,
                              .key_condition_expression = "#n0 = :v0 AND begins_with(#n1, :v1)",
                              .n_expression_attribute_names = 2,
                              .expression_attribute_names = names,
                              .expression_attribute_values = values};
        rc = ddb_query(&o, c, &in, err);
    }
    if (rc == 0) {
        page.items = calloc(o->n_items ? o->n_items : 1, sizeof *page.items);
        if (!page.items)
            abort();
        for (size_t i = 0; i < o->n_items && rc == 0; i++) {
            const char *sk = ddb_value_s(ddb_value_m_get(o->items[i], "sk"), NULL);
            if (!sk || strncmp(sk, "ORDER#", 6) != 0)
                continue;
            rc = hand_decode(&page.items[page.n], o->items[i], err);
            if (rc == 0)
                page.n++;
        }
    }
    if (rc == 0) {
        *out = page;
    } else {
        hand_page_free(&page);
    }
    ddb_query_output_free(o);
    ddb_value_free(values);
    return rc;
}

/* ==== the operations, as the measured loops call them ========================================= */

typedef struct bench_ctx {
    ddb_client *c;
    bench__repo *repo;
    long expected_items; /* the query's page size */
    char put_prefix[64]; /* makes every created key new across runs on one server */
    long put_seq;
} bench_ctx;

static void gen_get(bench_ctx *b)
{
    bench__order key = BENCH__ORDER__INIT, out = BENCH__ORDER__INIT;
    bool found = false;
    ddb_error err = DDB_ERROR_INIT;
    key.customer_id = QUERY_CUSTOMER;
    key.order_id = GET_ORDER;
    int rc = b->repo->order__get(b->repo, &out, &found, &key, &err);
    if (rc || !found)
        fail("generated get", rc ? rc : DDB_ERR_PROTOCOL, &err);
    bench__order__free(&out);
}

static void hand_get_op(bench_ctx *b)
{
    hand_order out = {0};
    bool found = false;
    ddb_error err = DDB_ERROR_INIT;
    int rc = hand_get(&out, &found, b->c, QUERY_CUSTOMER, GET_ORDER, &err);
    if (rc || !found)
        fail("hand-written get", rc ? rc : DDB_ERR_PROTOCOL, &err);
    hand_order_free(&out);
}

static void gen_put(bench_ctx *b)
{
    char id[96];
    bench__order o = BENCH__ORDER__INIT;
    ddb_error err = DDB_ERROR_INIT;
    snprintf(id, sizeof id, "%s-g%ld", b->put_prefix, b->put_seq++);
    o.customer_id = "writer";
    o.order_id = id;
    o.status = "PLACED";
    o.placed_at = "2026-11-25T10:00:00Z";
    o.item_count = 3;
    o.total.text = "129.95";
    o.express = true;
    o.note = "leave at the door";
    int rc = b->repo->order__create(b->repo, &o, &err);
    if (rc)
        fail("generated create", rc, &err);
}

static void hand_put_op(bench_ctx *b)
{
    char id[96];
    ddb_error err = DDB_ERROR_INIT;
    snprintf(id, sizeof id, "%s-h%ld", b->put_prefix, b->put_seq++);
    hand_order o = {.customer_id = "writer",
                    .order_id = id,
                    .status = "PLACED",
                    .placed_at = "2026-11-25T10:00:00Z",
                    .item_count = 3,
                    .total = "129.95",
                    .express = true,
                    .note = "leave at the door"};
    int rc = hand_put_new(b->c, &o, &err);
    if (rc)
        fail("hand-written put", rc, &err);
}

static void gen_query(bench_ctx *b)
{
    bench__order__page page = {0, NULL, NULL};
    ddb_error err = DDB_ERROR_INIT;
    int rc = b->repo->order__customer_orders(b->repo, &page, QUERY_CUSTOMER, NULL, &err);
    if (rc)
        fail("generated query", rc, &err);
    if ((long)page.n_items != b->expected_items || page.cursor)
        fail("generated query: unexpected page", DDB_ERR_PROTOCOL, NULL);
    bench__order__page_free(&page);
}

static void hand_query_op(bench_ctx *b)
{
    hand_page page = {0, NULL};
    ddb_error err = DDB_ERROR_INIT;
    int rc = hand_query(&page, b->c, QUERY_CUSTOMER, &err);
    if (rc)
        fail("hand-written query", rc, &err);
    if ((long)page.n != b->expected_items)
        fail("hand-written query: unexpected page", DDB_ERR_PROTOCOL, NULL);
    hand_page_free(&page);
}

typedef void (*op_fn)(bench_ctx *);

typedef struct bench_op {
    const char *name;
    op_fn generated, hand;
} bench_op;

static const bench_op OPS[] = {
    {"get", gen_get, hand_get_op},
    {"put", gen_put, hand_put_op},
    {"query", gen_query, hand_query_op},
};
#define N_OPS (sizeof OPS / sizeof OPS[0])

/* ==== set-up and the equivalence check ======================================================== */

typedef struct capture {
    char *body;
    size_t len;
} capture;

static void on_trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    capture *cap = ctx;
    if (kind != DDB_TRACE_REQUEST_BODY)
        return;
    free(cap->body);
    cap->body = malloc(len + 1);
    if (!cap->body)
        abort();
    memcpy(cap->body, data, len);
    cap->body[len] = '\0';
    cap->len = len;
}

static ddb_client *new_client(const char *endpoint, capture *cap)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = endpoint;
    opts.region = "us-east-1";
    opts.access_key_id = ACCESS_KEY_ID;
    opts.secret_access_key = SECRET;
    opts.trace = cap ? on_trace : NULL;
    opts.trace_ctx = cap;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_client_new(&c, &opts, &err);
    if (rc)
        fail("ddb_client_new", rc, &err);
    return c;
}

static bench__repo *new_repo(ddb_client *c)
{
    bench__repo *repo = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = bench__ddb_repo_new(&repo, c, NULL, &err);
    if (rc)
        fail("bench__ddb_repo_new", rc, &err);
    return repo;
}

/* The table and the query's partition: Q orders of one customer (an existing one is kept, so
 * that a second run on the same server finds the same data). */
static void seed(ddb_client *c, bench__repo *repo, long q)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = bench__create_tables(c, NULL, &err);
    if (rc && rc != DDB_ERR_RESOURCE_IN_USE) /* a second run on the same server */
        fail("bench__create_tables", rc, &err);
    for (long i = 1; i <= q; i++) {
        char id[32], note[64];
        bench__order o = BENCH__ORDER__INIT;
        snprintf(id, sizeof id, "%04ld", i);
        snprintf(note, sizeof note, "order %ld of the query's page", i);
        o.customer_id = QUERY_CUSTOMER;
        o.order_id = id;
        o.status = i % 3 ? "SHIPPED" : "PLACED";
        o.placed_at = "2026-11-24T09:30:00Z";
        o.item_count = i;
        o.total.text = "42.50";
        o.express = i % 2 == 0;
        o.note = i % 4 ? note : NULL;
        ddb_error_clear(&err);
        rc = repo->order__create(repo, &o, &err);
        if (rc && rc != DDB_ERR_CONDITION_FAILED)
            fail("seeding the query's partition", rc, &err);
    }
    ddb_error_clear(&err);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_order(const bench__order *g, const hand_order *h)
{
    return same_str(g->customer_id, h->customer_id) && same_str(g->order_id, h->order_id) &&
           same_str(g->status, h->status) && same_str(g->placed_at, h->placed_at) &&
           g->item_count == h->item_count && same_str(g->total.text, h->total) &&
           g->express == h->express && same_str(g->note, h->note) && g->ddb_version == h->version;
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

static void report_check(const char *op, const capture *g, const capture *h, bool decoded_equal)
{
    bool identical = g->len == h->len && memcmp(g->body, h->body, g->len) == 0;
    printf("gencheck op=%s request_identical=%s decoded_equal=%s\n", op, yes_no(identical),
           yes_no(decoded_equal));
    if (!identical)
        fprintf(stderr,
                "bench_generated: %s request bodies differ:\n  generated: %s\n  hand:      %s\n",
                op, g->body, h->body);
    if (!decoded_equal) {
        fprintf(stderr,
                "bench_generated: %s: the hand-written variant decodes other values than "
                "the generated one; the comparison would be meaningless\n",
                op);
        exit(1);
    }
}

/* One call of each variant through a tracing client: same request body, same decoded values. */
static void check_equivalence(const char *endpoint, long q)
{
    capture cap = {NULL, 0}, g = {NULL, 0}, h = {NULL, 0};
    ddb_client *c = new_client(endpoint, &cap);
    bench__repo *repo = new_repo(c);
    ddb_error err = DDB_ERROR_INIT;
    int rc;

    /* get */
    bench__order key = BENCH__ORDER__INIT, gout = BENCH__ORDER__INIT;
    hand_order hout = {0};
    bool gfound = false, hfound = false;
    key.customer_id = QUERY_CUSTOMER;
    key.order_id = GET_ORDER;
    if ((rc = repo->order__get(repo, &gout, &gfound, &key, &err)) != 0)
        fail("generated get", rc, &err);
    g = cap, cap.body = NULL;
    if ((rc = hand_get(&hout, &hfound, c, QUERY_CUSTOMER, GET_ORDER, &err)) != 0)
        fail("hand-written get", rc, &err);
    h = cap, cap.body = NULL;
    report_check("get", &g, &h, gfound && hfound && same_order(&gout, &hout));
    bench__order__free(&gout);
    hand_order_free(&hout);
    free(g.body), free(h.body);

    /* put: the same new key for both, the generated item deleted in between */
    char id[64];
    snprintf(id, sizeof id, "check-%ld", (long)getpid());
    bench__order go = BENCH__ORDER__INIT;
    go.customer_id = "checker";
    go.order_id = id;
    go.status = "PLACED";
    go.placed_at = "2026-11-25T10:00:00Z";
    go.item_count = 3;
    go.total.text = "129.95";
    go.express = true;
    go.note = "leave at the door";
    if ((rc = repo->order__create(repo, &go, &err)) != 0)
        fail("generated create", rc, &err);
    g = cap, cap.body = NULL;
    if ((rc = repo->order__delete(repo, &go, &err)) != 0)
        fail("generated delete", rc, &err);
    hand_order ho = {.customer_id = "checker",
                     .order_id = id,
                     .status = "PLACED",
                     .placed_at = "2026-11-25T10:00:00Z",
                     .item_count = 3,
                     .total = "129.95",
                     .express = true,
                     .note = "leave at the door"};
    if ((rc = hand_put_new(c, &ho, &err)) != 0)
        fail("hand-written put", rc, &err);
    h = cap, cap.body = NULL;
    /* Both refuse to overwrite: the same condition, checked by the server. */
    bool refused = hand_put_new(c, &ho, &err) == DDB_ERR_CONDITION_FAILED &&
                   repo->order__create(repo, &go, &err) == DDB_ERR_CONDITION_FAILED;
    ddb_error_clear(&err);
    report_check("put", &g, &h, refused);
    free(g.body), free(h.body);
    free(cap.body), cap.body = NULL;

    /* query */
    bench__order__page gp = {0, NULL, NULL};
    hand_page hp = {0, NULL};
    if ((rc = repo->order__customer_orders(repo, &gp, QUERY_CUSTOMER, NULL, &err)) != 0)
        fail("generated query", rc, &err);
    g = cap, cap.body = NULL;
    if ((rc = hand_query(&hp, c, QUERY_CUSTOMER, &err)) != 0)
        fail("hand-written query", rc, &err);
    h = cap, cap.body = NULL;
    bool equal = gp.n_items == hp.n && (long)hp.n == q && !gp.cursor;
    for (size_t i = 0; equal && i < hp.n; i++)
        equal = same_order(&gp.items[i], &hp.items[i]);
    report_check("query", &g, &h, equal);
    bench__order__page_free(&gp);
    hand_page_free(&hp);
    free(g.body), free(h.body);

    bench__repo_free(repo);
    ddb_client_free(c);
    fflush(stdout);
}

/* ==== measuring =============================================================================== */

/*
 * One round of one operation: n calls of each variant, interleaved in blocks of `block` calls
 * (generated block, hand-written block, the order swapped every block), each variant's CPU and
 * wall time summed over its blocks. Fine interleaving puts both variants under the same
 * conditions (the server's state, the other work on the machine) while reading the clocks only
 * twice per block, so that the clock reads add nothing measurable to either.
 */
static void run_round(const bench_op *o, long round, bench_ctx *b, long n, long block)
{
    double cpu[2] = {0, 0}, wall[2] = {0, 0};
    long done[2] = {0, 0};
    for (long i = 0, k = 0; i < n; i += block, k++) {
        long m = n - i < block ? n - i : block;
        int first = (int)((k + round) % 2); /* 0: generated first */
        for (int j = 0; j < 2; j++) {
            int v = j ^ first;
            op_fn fn = v == 0 ? o->generated : o->hand;
            double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            for (long x = 0; x < m; x++)
                fn(b);
            cpu[v] += clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
            wall[v] += clock_s(CLOCK_MONOTONIC) - w0;
            done[v] += m;
        }
    }
    for (int v = 0; v < 2; v++)
        printf("genop op=%s round=%ld variant=%s n=%ld cpu_us_per_op=%.3f wall_us_per_op=%.3f\n",
               o->name, round, v == 0 ? "generated" : "hand", done[v],
               cpu[v] * 1e6 / (double)done[v], wall[v] * 1e6 / (double)done[v]);
}

static long number_arg(const char *s, long min)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < min)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    options o = {.rounds = 30, .n = 200, .warmup = 300, .query_items = 10, .block = 10};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!next)
            usage();
        if (strcmp(a, "--endpoint") == 0)
            o.endpoint = next;
        else if (strcmp(a, "--rounds") == 0)
            o.rounds = number_arg(next, 1);
        else if (strcmp(a, "-n") == 0)
            o.n = number_arg(next, 1);
        else if (strcmp(a, "--warmup") == 0)
            o.warmup = number_arg(next, 0);
        else if (strcmp(a, "--block") == 0)
            o.block = number_arg(next, 1);
        else if (strcmp(a, "--query-items") == 0)
            o.query_items = number_arg(next, 1);
        else
            usage();
    }
    if (!o.endpoint)
        usage();

    {
        ddb_client *c = new_client(o.endpoint, NULL);
        bench__repo *repo = new_repo(c);
        seed(c, repo, o.query_items);
        bench__repo_free(repo);
        ddb_client_free(c);
    }
    check_equivalence(o.endpoint, o.query_items);

    /* The measured client has no hooks, as in production; both variants share it. */
    bench_ctx b = {.c = new_client(o.endpoint, NULL), .expected_items = o.query_items};
    b.repo = new_repo(b.c);
    snprintf(b.put_prefix, sizeof b.put_prefix, "%ld-%ld", (long)getpid(), (long)time(NULL));
    printf("genplan rounds=%ld n=%ld block=%ld warmup=%ld query_items=%ld\n", o.rounds, o.n,
           o.block, o.warmup, o.query_items);
    for (size_t k = 0; k < N_OPS; k++) {
        for (long i = 0; i < o.warmup; i++) {
            OPS[k].generated(&b);
            OPS[k].hand(&b);
        }
    }
    for (long r = 0; r < o.rounds; r++) {
        for (size_t k = 0; k < N_OPS; k++)
            run_round(&OPS[k], r, &b, o.n, o.block);
        fflush(stdout);
    }
    bench__repo_free(b.repo);
    ddb_client_free(b.c);
    return 0;
}
