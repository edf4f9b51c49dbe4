/*
 * router_latency: what the migration router's phases cost one write (issue #11 §3). A
 * benchmark, not a test: it fails only when a write fails, never on a figure.
 *
 *   router_latency --endpoint URL --dir DIR [--rounds R] [-n N] [--warmup W]
 *
 * The shop's generated router (shop__router_new) over the shop's SQLite repository (a file in
 * DIR: WAL, synchronous=NORMAL, as the shop opens it) and its DynamoDB repository on DynamoDB
 * Local at URL, in four configurations, one router each:
 *
 *   phase 1            relational only
 *   phase 2            SQLite, then DynamoDB; no journal
 *   phase 2 + journal  the same with a repair journal in DIR: an intent line written and
 *                      fsync'd before the dual write, a done line after it
 *   phase 5            DynamoDB only (its own tables, so its IDs never meet phase 2's)
 *
 * One sample is a Category created, then renamed (category__create, category__update through
 * the router), each call timed on its own. The configurations take turns in blocks of N
 * samples, the order rotated every round, over R rounds, after W unmeasured samples each.
 * Reported: p50 and p99 per call (create, update, and both pooled as "write"), and the ratios
 * phase 2 / phase 1 and phase 2 + journal / phase 2.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "shop.h"
#include "shop_router.h"

#define ACCESS_KEY_ID "routerlatency" /* DynamoDB Local keeps tables per access key */
#define SECRET "router-latency-secret"

enum { CFG_P1 = 0, CFG_P2, CFG_P2J, CFG_P5, N_CFG };
static const char *const cfg_names[N_CFG] = {"phase 1", "phase 2", "phase 2 + journal", "phase 5"};
static const char *const cfg_keys[N_CFG] = {"p1", "p2", "p2j", "p5"};

typedef struct samples {
    double *ms;
    size_t n;
} samples;

typedef struct config {
    shop__repo *router;
    samples create, update, write;
} config;

/* The router's log lines (a failed secondary, a journal error): counted, the first kept. */
static struct {
    unsigned long n;
    char first[256];
} logged;

static void on_log(void *ctx, const char *line)
{
    (void)ctx;
    if (logged.n++ == 0)
        snprintf(logged.first, sizeof(logged.first), "%s", line);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const ddb_error *err)
{
    fprintf(stderr, "router_latency: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static long parse_count(const char *flag, const char *v)
{
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : -1;
    if (!v || *end || n < 0 || n > 1000000) {
        fprintf(stderr, "router_latency: %s needs a whole number 0..1000000, not '%s'\n", flag,
                v ? v : "");
        exit(2);
    }
    return n;
}

/* One sample: a category created, then renamed. */
static void one_sample(config *c, int cfg, long i, bool keep)
{
    shop__category cat = SHOP__CATEGORY__INIT;
    char name[64];
    snprintf(name, sizeof(name), "bench-%s-%ld", cfg_keys[cfg], i);
    cat.name = name;
    ddb_error err = {0};
    double t0 = now_ms();
    if (c->router->category__create(c->router, &cat, &err))
        die(cfg_names[cfg], &err);
    double t1 = now_ms();
    snprintf(name, sizeof(name), "bench-%s-%ld-renamed", cfg_keys[cfg], i);
    if (c->router->category__update(c->router, &cat, &err))
        die(cfg_names[cfg], &err);
    double t2 = now_ms();
    if (keep) {
        c->create.ms[c->create.n++] = t1 - t0;
        c->update.ms[c->update.n++] = t2 - t1;
        c->write.ms[c->write.n++] = t1 - t0;
        c->write.ms[c->write.n++] = t2 - t1;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank on sorted samples. */
static double pct(const samples *s, double p)
{
    if (s->n == 0)
        return 0;
    size_t rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
    return s->ms[(rank ? rank : 1) - 1];
}

static double load1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static shop__repo *open_dynamodb(ddb_client *client, const char *prefix)
{
    ddb_error err = {0};
    int rc = shop__create_tables(client, prefix, &err);
    if (rc == DDB_ERR_RESOURCE_IN_USE)
        rc = 0;
    if (!rc && (rc = shop__create_counter_table(client, prefix, &err)) == DDB_ERR_RESOURCE_IN_USE)
        rc = 0;
    if (rc)
        die("creating the DynamoDB tables", &err);
    shop__ddb_options o = SHOP__DDB_OPTIONS_INIT;
    o.table_prefix = prefix;
    o.consistent_reads = true;
    shop__repo *repo = NULL;
    if (shop__ddb_repo_new(&repo, client, &o, &err))
        die("the DynamoDB repository", &err);
    return repo;
}

static shop__repo *new_router(shop__repo *relational, shop__repo *dynamodb, int phase,
                              const char *journal)
{
    shop__router_options o = SHOP__ROUTER_OPTIONS_INIT;
    o.phase = phase;
    o.journal_path = journal;
    o.log = on_log;
    shop__repo *r = NULL;
    ddb_error err = {0};
    if (shop__router_new(&r, relational, dynamodb, &o, &err))
        die("shop__router_new", &err);
    return r;
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *dir = NULL;
    long rounds = 20, block = 25, warmup = 300;
    /* every option takes a value */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--endpoint") == 0)
            endpoint = next;
        else if (strcmp(a, "--dir") == 0)
            dir = next;
        else if (strcmp(a, "--rounds") == 0)
            rounds = parse_count(a, next);
        else if (strcmp(a, "-n") == 0)
            block = parse_count(a, next);
        else if (strcmp(a, "--warmup") == 0)
            warmup = parse_count(a, next);
        else {
            fprintf(stderr, "usage: router_latency --endpoint URL --dir DIR [--rounds R] [-n N] "
                            "[--warmup W]\n");
            return 2;
        }
    }
    if (!endpoint || !dir || rounds < 1 || block < 1) {
        fprintf(stderr, "router_latency: needs --endpoint and --dir, and --rounds and -n >= 1\n");
        return 2;
    }

    /* The relational side as the shop opens it, on a fresh file. */
    char db[1024], journal[1024];
    snprintf(db, sizeof(db), "%s/router_latency.db", dir);
    snprintf(journal, sizeof(journal), "%s/router_latency.jsonl", dir);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[1100];
        snprintf(p, sizeof(p), "%s%s", db, suffixes[i]);
        unlink(p);
    }
    unlink(journal);
    setenv("SHOP_BACKEND", "sqlite", 1);
    setenv("SHOP_SQLITE_PATH", db, 1);
    ddb_error err = {0};
    shop_backend *sql = NULL;
    if (shop_backend_open(&sql, &err))
        die("opening SQLite", &err);
    shop__repo *relational = shop_backend_repo(sql);

    ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
    co.endpoint = endpoint;
    co.region = "us-east-1";
    co.access_key_id = ACCESS_KEY_ID;
    co.secret_access_key = SECRET;
    ddb_client *client = NULL;
    if (ddb_client_new(&client, &co, &err))
        die("the DynamoDB client", &err);
    /* A prefix per run, so a server that outlives one run (not -inMemory) starts empty too. */
    char prefix[32], prefix5[32];
    snprintf(prefix, sizeof(prefix), "rl%ld_", (long)getpid());
    snprintf(prefix5, sizeof(prefix5), "rl%ld_p5_", (long)getpid());
    shop__repo *dynamodb = open_dynamodb(client, prefix);
    shop__repo *dynamodb5 = open_dynamodb(client, prefix5);

    config cfg[N_CFG] = {0};
    cfg[CFG_P1].router = new_router(relational, dynamodb, 1, NULL);
    cfg[CFG_P2].router = new_router(relational, dynamodb, 2, NULL);
    cfg[CFG_P2J].router = new_router(relational, dynamodb, 2, journal);
    cfg[CFG_P5].router = new_router(relational, dynamodb5, 5, NULL);
    logged.n = 0; /* phase 5's start logs the seeded IDs: not a failure */
    size_t n = (size_t)(rounds * block);
    for (int c = 0; c < N_CFG; c++) {
        cfg[c].create.ms = malloc(n * sizeof(double));
        cfg[c].update.ms = malloc(n * sizeof(double));
        cfg[c].write.ms = malloc(2 * n * sizeof(double));
        if (!cfg[c].create.ms || !cfg[c].update.ms || !cfg[c].write.ms)
            die("out of memory", NULL);
    }

    double load_start = load1();
    fprintf(stderr,
            "router_latency: %ld warm-up samples per configuration, then %ld rounds of %ld\n",
            warmup, rounds, block);
    long seq = 0;
    for (long i = 0; i < warmup; i++)
        for (int c = 0; c < N_CFG; c++)
            one_sample(&cfg[c], c, seq++, false);
    for (long r = 0; r < rounds; r++)
        for (int k = 0; k < N_CFG; k++) {
            int c = (int)((k + r) % N_CFG);
            for (long i = 0; i < block; i++)
                one_sample(&cfg[c], c, seq++, true);
        }
    double load_end = load1();

    ddb_router_stats st[N_CFG];
    for (int c = 0; c < N_CFG; c++) {
        shop__router_stats(cfg[c].router, &st[c]);
        qsort(cfg[c].create.ms, cfg[c].create.n, sizeof(double), cmp_double);
        qsort(cfg[c].update.ms, cfg[c].update.n, sizeof(double), cmp_double);
        qsort(cfg[c].write.ms, cfg[c].write.n, sizeof(double), cmp_double);
    }

    printf("Router write latency per phase: Category create + update through shop's router\n");
    printf("  SQLite file (WAL, synchronous=NORMAL) + DynamoDB Local at %s\n", endpoint);
    printf("  %zu samples per configuration (%ld rounds of %ld, rotating order, after %ld "
           "warm-up)\n",
           n, rounds, block, warmup);
    printf("  load average %.2f at the start, %.2f at the end (%ld CPUs, shared)\n\n", load_start,
           load_end, sysconf(_SC_NPROCESSORS_ONLN));
    printf("%-18s %9s %9s %9s %9s %9s %9s %8s\n", "ms per call", "create50", "create99", "update50",
           "update99", "write50", "write99", "intents");
    for (int c = 0; c < N_CFG; c++)
        printf("%-18s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %8llu\n", cfg_names[c],
               pct(&cfg[c].create, 50), pct(&cfg[c].create, 99), pct(&cfg[c].update, 50),
               pct(&cfg[c].update, 99), pct(&cfg[c].write, 50), pct(&cfg[c].write, 99),
               (unsigned long long)st[c].intents);
    printf("\nratios (write = create and update pooled)       p50      p99\n");
    printf("  phase 2 / phase 1                        %8.2f %8.2f\n",
           pct(&cfg[CFG_P2].write, 50) / pct(&cfg[CFG_P1].write, 50),
           pct(&cfg[CFG_P2].write, 99) / pct(&cfg[CFG_P1].write, 99));
    printf("  phase 2 + journal / phase 2              %8.2f %8.2f\n",
           pct(&cfg[CFG_P2J].write, 50) / pct(&cfg[CFG_P2].write, 50),
           pct(&cfg[CFG_P2J].write, 99) / pct(&cfg[CFG_P2].write, 99));
    printf("  phase 5 / phase 1                        %8.2f %8.2f\n",
           pct(&cfg[CFG_P5].write, 50) / pct(&cfg[CFG_P1].write, 50),
           pct(&cfg[CFG_P5].write, 99) / pct(&cfg[CFG_P1].write, 99));
    unsigned long long failures = 0;
    for (int c = 0; c < N_CFG; c++)
        failures += st[c].secondary_failures;
    if (failures || logged.n)
        printf("\nWARNING: %llu failed DynamoDB writes, %lu router log lines (first: %s): the "
               "figures include failure handling\n",
               failures, logged.n, logged.first);
    for (int c = 0; c < N_CFG; c++)
        printf("RESULT config=%s write_p50_ms=%.3f write_p99_ms=%.3f create_p50_ms=%.3f "
               "update_p50_ms=%.3f samples=%zu\n",
               cfg_keys[c], pct(&cfg[c].write, 50), pct(&cfg[c].write, 99), pct(&cfg[c].create, 50),
               pct(&cfg[c].update, 50), cfg[c].create.n);

    for (int c = 0; c < N_CFG; c++) {
        shop__repo_free(cfg[c].router);
        free(cfg[c].create.ms);
        free(cfg[c].update.ms);
        free(cfg[c].write.ms);
    }
    shop__repo_free(dynamodb5);
    shop__repo_free(dynamodb);
    ddb_client_free(client);
    shop_backend_close(sql);
    return 0;
}
