/*
 * router_bulk: the migration router's bulk paths (docs/design/bulk-paths.md) against the
 * runtime's own bulk calls on the same server. A benchmark, not a test: it fails only when a
 * call fails, never on a figure.
 *
 *   router_bulk --endpoint URL --dir DIR [-n USERS] [--proxy URL] [--serial-rows R]
 *
 * N shop users (with their unique-value sentinels: username and email) are created in a fresh
 * SQLite file in DIR, then, on DynamoDB Local at URL, under a table prefix of their own:
 *
 *   backfill      shop__router_backfill_with: items/s (sentinels counted), beside the plain
 *                 ddb_parallel_batch_write of the same items (read back from the table) into a
 *                 second table: the ratio (target >= 0.7)
 *   compare_all   shop__router_compare_all_with (0 differences expected) beside a plain
 *                 ddb_parallel_scan of the same table: the ratio of their times (target >= 0.7)
 *
 * With --proxy URL (bench/latency_proxy.py in front of the same server, 5 ms per request), the
 * backfill and compare_all again through it, beside today's serial paths over R rows (one mirror
 * per row; one get per row): the ratios (target >= 20).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ddb/api/parallel.h"
#include "ddb/sql/sqldb.h"
#include "shop.h"
#include "shop_router.h"
#include "shop_sql_repo.h"

#define ACCESS_KEY_ID "routerbulk" /* DynamoDB Local keeps tables per access key */
#define SECRET "router-bulk-secret"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc, const ddb_error *err)
{
    fprintf(stderr, "router_bulk: %s: %s: %s\n", what, ddb_error_code_name(rc),
            err ? err->message : "");
    exit(1);
}

static long parse_count(const char *flag, const char *v)
{
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : -1;
    if (!v || *end || n < 0 || n > 100000000) {
        fprintf(stderr, "router_bulk: %s needs a whole number, not '%s'\n", flag, v ? v : "");
        exit(2);
    }
    return n;
}

static ddb_client *client_at(const char *endpoint)
{
    ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    co.endpoint = endpoint;
    co.region = "us-east-1";
    co.access_key_id = ACCESS_KEY_ID;
    co.secret_access_key = SECRET;
    if ((rc = ddb_client_new(&c, &co, &err)) != 0)
        die("client", rc, &err);
    return c;
}

/* Every item of a table, copied (for the plain batch writer). */
typedef struct collected {
    ddb_value **items;
    size_t n, cap;
} collected;

static int collect(void *ctx, int64_t segment, const ddb_scan_output *page)
{
    collected *c = ctx;
    (void)segment;
    for (size_t i = 0; i < page->n_items; i++) {
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 4096;
            ddb_value **more = realloc(c->items, cap * sizeof *more);
            if (!more)
                return DDB_ERR_NOMEM;
            c->items = more;
            c->cap = cap;
        }
        if (ddb_value_copy(&c->items[c->n], page->items[i], NULL) != 0)
            return DDB_ERR_NOMEM;
        c->n++;
    }
    return 0;
}

static int count_items(void *ctx, int64_t segment, const ddb_scan_output *page)
{
    (void)segment;
    *(size_t *)ctx += page->n_items;
    return 0;
}

/* A plain parallel Scan of table: its items and seconds. */
static double plain_scan(ddb_client *c, const char *table, size_t *items)
{
    ddb_scan_input in = {0};
    ddb_error err = DDB_ERROR_INIT;
    double t0 = now_s();
    int rc;
    in.table_name = table;
    in.has_consistent_read = true;
    in.consistent_read = true;
    *items = 0;
    if ((rc = ddb_parallel_scan(c, &in, 16, 32, count_items, items, &err)) != 0)
        die("plain scan", rc, &err);
    return now_s() - t0;
}

/* Today's serial backfill over the first `rows` users: one mirror per row, in pages of 100. */
static double serial_backfill(shop__repo *rel, shop__repo *ddb, long rows, long *done)
{
    shop__page_request req = {NULL, 100, 0};
    ddb_error err = DDB_ERROR_INIT;
    char *cursor = NULL;
    double t0 = now_s();
    int rc;
    *done = 0;
    do {
        shop__user__page page = {0};
        req.cursor = cursor;
        if ((rc = rel->user__list(rel, &page, &req, &err)) != 0)
            die("serial list", rc, &err);
        free(cursor);
        cursor = page.cursor;
        page.cursor = NULL;
        for (size_t i = 0; i < page.n_items && *done < rows; i++, (*done)++)
            if ((rc = ddb->user__mirror(ddb, &page.items[i], &page.items[i], &err)) != 0)
                die("serial mirror", rc, &err);
        shop__user__page_free(&page);
    } while (cursor && *done < rows);
    free(cursor);
    return now_s() - t0;
}

/* Today's serial compare over the first `rows` users: one get on DynamoDB per row. */
static double serial_compare(shop__repo *rel, shop__repo *ddb, long rows, long *done)
{
    shop__page_request req = {NULL, 100, 0};
    ddb_error err = DDB_ERROR_INIT;
    char *cursor = NULL;
    double t0 = now_s();
    int rc;
    *done = 0;
    do {
        shop__user__page page = {0};
        req.cursor = cursor;
        if ((rc = rel->user__list(rel, &page, &req, &err)) != 0)
            die("serial list", rc, &err);
        free(cursor);
        cursor = page.cursor;
        page.cursor = NULL;
        for (size_t i = 0; i < page.n_items && *done < rows; i++, (*done)++) {
            shop__user got = SHOP__USER__INIT;
            bool found = false;
            if ((rc = ddb->user__get(ddb, &got, &found, &page.items[i], &err)) != 0)
                die("serial get", rc, &err);
            shop__user__free(&got);
        }
        shop__user__page_free(&page);
    } while (cursor && *done < rows);
    free(cursor);
    return now_s() - t0;
}

typedef struct side {
    ddb_client *client;
    shop__repo *ddb, *router;
    char prefix[64];
} side;

static void side_open(side *s, const char *endpoint, shop__repo *rel, const char *prefix)
{
    shop__ddb_options dopts = SHOP__DDB_OPTIONS_INIT;
    shop__router_options ro = SHOP__ROUTER_OPTIONS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    /* tables of this run only: a server kept from an earlier run keeps its tables */
    snprintf(s->prefix, sizeof s->prefix, "%s%ld_", prefix, (long)getpid());
    s->client = client_at(endpoint);
    dopts.table_prefix = s->prefix;
    dopts.consistent_reads = true;
    ro.phase = 2;
    if ((rc = shop__create_tables(s->client, s->prefix, &err)) != 0 ||
        (rc = shop__ddb_repo_new(&s->ddb, s->client, &dopts, &err)) != 0 ||
        (rc = shop__router_new(&s->router, rel, s->ddb, &ro, &err)) != 0)
        die("open the DynamoDB side", rc, &err);
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *dir = NULL, *proxy = NULL;
    long n = 1000000, serial_rows = 2000;
    char db_path[1024], url[1100], table[128], plain_table[160];
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_stats st;
    ddb_sql *db = NULL;
    shop__repo *rel = NULL;
    side s;
    size_t diffs = 0, scanned = 0;
    int rc;
    if (getenv("BENCH_BULK_N"))
        n = parse_count("BENCH_BULK_N", getenv("BENCH_BULK_N"));
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--endpoint") == 0 && v)
            endpoint = argv[++i];
        else if (strcmp(argv[i], "--dir") == 0 && v)
            dir = argv[++i];
        else if (strcmp(argv[i], "--proxy") == 0 && v)
            proxy = argv[++i];
        else if (strcmp(argv[i], "-n") == 0)
            n = parse_count("-n", argv[++i < argc ? i : 0]);
        else if (strcmp(argv[i], "--serial-rows") == 0)
            serial_rows = parse_count("--serial-rows", argv[++i < argc ? i : 0]);
        else {
            fprintf(stderr, "usage: router_bulk --endpoint URL --dir DIR [-n USERS] [--proxy URL] "
                            "[--serial-rows R]\n");
            return 2;
        }
    }
    if (!endpoint || !dir) {
        fprintf(stderr, "router_bulk: --endpoint and --dir are required\n");
        return 2;
    }

    /* the relational side: N users */
    snprintf(db_path, sizeof db_path, "%s/router_bulk_%ld.db", dir, (long)getpid());
    unlink(db_path);
    snprintf(url, sizeof url, "sqlite:%s", db_path);
    if ((rc = ddb_sql_open(&db, url, &err)) != 0 || (rc = shop_sql_apply_schema(db, &err)) != 0 ||
        (rc = shop_sql_repo_new(&rel, db, false, &err)) != 0)
        die("SQLite", rc, &err);
    {
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            shop__user u = SHOP__USER__INIT;
            char name[32], email[48];
            snprintf(name, sizeof name, "user%ld", i);
            snprintf(email, sizeof email, "user%ld@example.com", i);
            u.username = name;
            u.email = email;
            u.full_name = "Bench User";
            u.created_at = "2026-12-07T00:00:00Z";
            if ((rc = rel->user__create(rel, &u, &err)) != 0)
                die("create user", rc, &err);
        }
        printf("router_bulk: %ld users in SQLite in %.1f s\n", n, now_s() - t0);
    }

    /* backfill, then the plain batch writer with the same items */
    side_open(&s, endpoint, rel, "bulk_");
    snprintf(table, sizeof table, "%sShop", s.prefix);
    if ((rc = shop__router_backfill_with(s.router, NULL, &st, &err)) != 0)
        die("backfill", rc, &err);
    double backfill_rate = (double)st.items / st.seconds;
    printf("backfill: %llu rows, %llu items in %.2f s: %.0f items/s\n", (unsigned long long)st.rows,
           (unsigned long long)st.items, st.seconds, backfill_rate);
    {
        collected c = {NULL, 0, 0};
        ddb_scan_input in = {0};
        ddb_write_request *reqs;
        ddb_put_request *puts;
        side plain;
        double t0;
        in.table_name = table;
        if ((rc = ddb_parallel_scan(s.client, &in, 16, 32, collect, &c, &err)) != 0)
            die("collect", rc, &err);
        side_open(&plain, endpoint, rel, "plain_");
        snprintf(plain_table, sizeof plain_table, "%sShop", plain.prefix);
        reqs = calloc(c.n + 1, sizeof *reqs);
        puts = calloc(c.n + 1, sizeof *puts);
        for (size_t i = 0; i < c.n; i++) {
            puts[i].item = c.items[i];
            reqs[i].put_request = &puts[i];
        }
        t0 = now_s();
        if ((rc = ddb_parallel_batch_write(plain.client, plain_table, reqs, c.n, 32, &err)) != 0)
            die("plain batch write", rc, &err);
        double plain_rate = (double)c.n / (now_s() - t0);
        printf("plain ddb_parallel_batch_write: %zu items: %.0f items/s\n", c.n, plain_rate);
        printf("backfill / batch writer: %.2f (target >= 0.7)\n", backfill_rate / plain_rate);
        for (size_t i = 0; i < c.n; i++)
            ddb_value_free(c.items[i]);
        free(c.items);
        free(reqs);
        free(puts);
    }

    /* compare_all, then a plain parallel Scan of the same table */
    if ((rc = shop__router_compare_all_with(s.router, NULL, &diffs, &st, &err)) != 0)
        die("compare_all", rc, &err);
    double scan_s = plain_scan(s.client, table, &scanned);
    printf("compare_all: %zu differences, %llu rows in %.2f s; plain parallel Scan: %zu items in "
           "%.2f s\n",
           diffs, (unsigned long long)st.rows, st.seconds, scanned, scan_s);
    printf("compare_all items/s / Scan items/s: %.2f (target >= 0.7)\n", scan_s / st.seconds);

    if (proxy) {
        side p;
        long done = 0;
        double serial_s, serial_rate;
        side_open(&p, proxy, rel, "proxied_");
        serial_s = serial_backfill(rel, p.ddb, serial_rows, &done);
        serial_rate = (double)done / serial_s;
        if ((rc = shop__router_backfill_with(p.router, NULL, &st, &err)) != 0)
            die("backfill through the proxy", rc, &err);
        printf("through the proxy: serial backfill %.0f rows/s (%ld rows), bulk %.0f rows/s: "
               "%.1fx (target >= 20)\n",
               serial_rate, done, (double)st.rows / st.seconds,
               (double)st.rows / st.seconds / serial_rate);
        serial_s = serial_compare(rel, p.ddb, serial_rows, &done);
        serial_rate = (double)done / serial_s;
        if ((rc = shop__router_compare_all_with(p.router, NULL, &diffs, &st, &err)) != 0)
            die("compare_all through the proxy", rc, &err);
        printf("through the proxy: serial compare %.0f rows/s (%ld rows), bulk %.0f rows/s "
               "(%zu differences): %.1fx (target >= 20)\n",
               serial_rate, done, (double)st.rows / st.seconds, diffs,
               (double)st.rows / st.seconds / serial_rate);
    }
    unlink(db_path);
    return 0;
}
