/*
 * shop_load: a mixed shop workload against one backend, for the numbers in the migration note.
 * A benchmark, not a test.
 *
 *   shop_load [--threads N] [--seconds T] [--users U] [--label NAME]
 *
 * The backend comes from the same environment as the shop itself (examples/shop/src/backend.h:
 * SHOP_BACKEND, SHOP_MIGRATION_PHASE, SHOP_MYSQL_URL, AWS_ENDPOINT_URL_DYNAMODB, ...).
 *
 * First it seeds, with the same threads: a category tree (4 roots of 5 children), 20 sellers
 * with 20 products each (inventory large enough never to run out) and U buyers. Then each
 * thread loops for T seconds, choosing per operation:
 *   70% browse    a category page or a seller page of 20 products (half each)
 *   20% cart      add 40%, change quantity 20%, remove 15%, view with totals 25%
 *   10% checkout  fill the cart when it is empty (1-2 lines), then shop_checkout; the latency
 *                 covers both, because a real checkout is preceded by its cart
 * Each thread has its own buyers, so carts never race; products and their inventory are shared,
 * so checkouts do contend on stock as in a real shop.
 *
 * DynamoDB capacity: the shop's generated repository does not ask for ReturnConsumedCapacity,
 * and backend.h does not expose its ddb_client, so this program opens the DynamoDB side itself
 * (same variables, same options as backend.c) with an event hook, and sums
 * ddb_event.consumed_capacity: read operations (GetItem, Query, Scan, BatchGetItem,
 * TransactGetItems) as read request units, the others as write request units. The figures are
 * non-zero only when the responses carry ConsumedCapacity; scripts/shop-load gets that by
 * running a second, short pass through a proxy that adds "ReturnConsumedCapacity": "TOTAL" to
 * each request (DynamoDB Local then computes the units, GSIs included).
 *
 * Output: a table for people, then one `RESULT key=value ...` line for scripts/shop-load.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "shop.h"
#include "shop_app.h"
#include "shop_router.h"

/* On-demand prices used for the cost columns: us-east-1, Standard table class, per million
 * request units, from aws.amazon.com/dynamodb/pricing/on-demand/ after the price cut of
 * 2024-11-01. SHOP_LOAD_PRICE_RRU / SHOP_LOAD_PRICE_WRU override them. */
#define PRICE_RRU_PER_MILLION 0.125
#define PRICE_WRU_PER_MILLION 0.625
#define PRICE_SOURCE "us-east-1 on-demand, aws.amazon.com/dynamodb/pricing (as of 2024-11)"
/* The traffic the monthly figure is quoted for: a steady 100 operations a second, 30 days. */
#define COST_REFERENCE_OPS 100.0
#define SECONDS_PER_MONTH (30.0 * 24 * 3600)

#define N_ROOTS 4
#define N_CHILDREN 5
#define N_SELLERS 20
#define PRODUCTS_PER_SELLER 20
#define PAGE_SIZE 20
#define MAX_SAMPLES_PER_THREAD 2000000 /* caps the latency arrays (16 MB per thread) */

enum op_type { OP_BROWSE = 0, OP_CART, OP_CHECKOUT, N_OPS };
static const char *const op_names[N_OPS] = {"browse", "cart", "checkout"};

/* ---- the backend, opened from the shop's environment ------------------------------------- */

typedef struct load_backend {
    shop_backend *relational; /* through backend.h, as the app opens it */
    ddb_client *client;       /* ours, for the event hook */
    shop__repo *dynamodb;
    shop__repo *router;
    shop__repo *repo; /* the one the workload uses */
    char describe[96];
    char *prefix;
} load_backend;

/* Capacity and call counts from the client's events. Only counted while `measuring` is set, so
 * the seeding and the table creation stay out of the figures. */
static struct {
    atomic_bool measuring;
    pthread_mutex_t lock;
    double read_units, write_units;
    uint64_t read_calls, write_calls, failed_calls;
} events = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool is_read_operation(const char *op)
{
    static const char *const reads[] = {"GetItem", "Query", "Scan", "BatchGetItem",
                                        "TransactGetItems"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
        if (strcmp(op, reads[i]) == 0)
            return true;
    return false;
}

static void on_client_event(void *ctx, const ddb_event *ev)
{
    (void)ctx;
    if (!atomic_load(&events.measuring) || !ev->operation)
        return;
    bool read = is_read_operation(ev->operation);
    pthread_mutex_lock(&events.lock);
    if (read) {
        events.read_units += ev->consumed_capacity;
        events.read_calls++;
    } else {
        events.write_units += ev->consumed_capacity;
        events.write_calls++;
    }
    if (ev->error_code)
        events.failed_calls++;
    pthread_mutex_unlock(&events.lock);
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

/* backend.c's open_dynamodb, with our event hook on the client. */
static int open_dynamodb(load_backend *b, ddb_error *err)
{
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.on_event = on_client_event;
    int rc = ddb_client_new(&b->client, &o, err);
    if (rc)
        return rc;
    const char *prefix = env_or("SHOP_TABLE_PREFIX", NULL);
    if (prefix && !(b->prefix = strdup(prefix)))
        return DDB_ERR_NOMEM;
    rc = shop__create_tables(b->client, b->prefix, err);
    if (rc == DDB_ERR_RESOURCE_IN_USE)
        rc = 0;
    if (!rc &&
        (rc = shop__create_counter_table(b->client, b->prefix, err)) == DDB_ERR_RESOURCE_IN_USE)
        rc = 0;
    if (rc)
        return rc;
    shop__ddb_options dopts = SHOP__DDB_OPTIONS_INIT;
    dopts.table_prefix = b->prefix;
    dopts.consistent_reads = true;
    return shop__ddb_repo_new(&b->dynamodb, b->client, &dopts, err);
}

/* Opens the relational side through backend.h with SHOP_BACKEND set to `kind` for the call. */
static int open_relational(load_backend *b, const char *kind, ddb_error *err)
{
    char *saved = getenv("SHOP_BACKEND") ? strdup(getenv("SHOP_BACKEND")) : NULL;
    setenv("SHOP_BACKEND", kind, 1);
    int rc = shop_backend_open(&b->relational, err);
    if (saved) {
        setenv("SHOP_BACKEND", saved, 1);
        free(saved);
    } else {
        unsetenv("SHOP_BACKEND");
    }
    return rc;
}

static void load_backend_close(load_backend *b)
{
    shop__repo_free(b->router);
    shop__repo_free(b->dynamodb);
    shop_backend_close(b->relational);
    ddb_client_free(b->client);
    free(b->prefix);
}

static int load_backend_open(load_backend *b, ddb_error *err)
{
    const char *kind = env_or("SHOP_BACKEND", "sqlite");
    int rc;
    if (strcmp(kind, "sqlite") == 0 || strcmp(kind, "mysql") == 0) {
        if ((rc = open_relational(b, kind, err)) == 0) {
            b->repo = shop_backend_repo(b->relational);
            snprintf(b->describe, sizeof(b->describe), "%s", kind);
        }
        return rc;
    }
    if (strcmp(kind, "dynamodb") == 0) {
        if ((rc = open_dynamodb(b, err)) == 0) {
            b->repo = b->dynamodb;
            snprintf(b->describe, sizeof(b->describe), "dynamodb");
        }
        return rc;
    }
    if (strcmp(kind, "migrate") != 0) {
        snprintf(err->message, sizeof(err->message),
                 "SHOP_BACKEND '%s' is not sqlite, mysql, dynamodb or migrate", kind);
        return err->code = DDB_ERR_CONFIG;
    }
    const char *phase_s = env_or("SHOP_MIGRATION_PHASE", "1");
    char *end = NULL;
    long phase = strtol(phase_s, &end, 10);
    if (*end || phase < 1 || phase > 5) {
        snprintf(err->message, sizeof(err->message), "SHOP_MIGRATION_PHASE '%s' is not 1..5",
                 phase_s);
        return err->code = DDB_ERR_CONFIG;
    }
    const char *primary = env_or(
        "SHOP_MIGRATION_PRIMARY",
        env_or("SHOP_MYSQL_URL", NULL) || env_or("SHOP_MYSQL_SOCKET", NULL) ? "mysql" : "sqlite");
    if ((rc = open_relational(b, primary, err)) || (rc = open_dynamodb(b, err)))
        return rc;
    shop__router_options ro = SHOP__ROUTER_OPTIONS_INIT;
    ro.phase = (int)phase;
    ro.journal_path = env_or("SHOP_JOURNAL_PATH", "shop-journal.jsonl");
    /* SHOP_COMPARE_PERCENT: phase 3's sampled dual reads (the router's compare_percent) */
    const char *pct_s = env_or("SHOP_COMPARE_PERCENT", "100");
    long pct = strtol(pct_s, &end, 10);
    if (*end || pct < 0 || pct > 100) {
        snprintf(err->message, sizeof(err->message), "SHOP_COMPARE_PERCENT '%s' is not 0..100",
                 pct_s);
        return err->code = DDB_ERR_CONFIG;
    }
    ro.compare_percent = (int)pct;
    if ((rc = shop__router_new(&b->router, shop_backend_repo(b->relational), b->dynamodb, &ro,
                               err)) == 0) {
        b->repo = b->router;
        snprintf(b->describe, sizeof(b->describe),
                 "migrate phase %ld (%s + dynamodb, compare %ld%%)", phase, primary, pct);
    }
    return rc;
}

/* The generated router is being completed member by member; a NULL member would crash inside the
 * shop's code, so say which one is missing instead. */
static const char *missing_member(const shop__repo *r)
{
#define NEED(m)                                                                                    \
    do {                                                                                           \
        if (!r->m)                                                                                 \
            return #m;                                                                             \
    } while (0)
    NEED(user__get_user);
    NEED(category__get_category);
    NEED(category__category_children);
    NEED(product__get_product);
    NEED(product__products_by_category);
    NEED(product__products_by_seller);
    NEED(cart_item__cart_items);
    NEED(order__get_order);
    NEED(order__orders_of_user);
    NEED(order__orders_by_status);
    NEED(order_item__order_items);
    NEED(transact);
    NEED(max_id);
#undef NEED
    return NULL;
}

/* ---- the shared catalogue ----------------------------------------------------------------- */

typedef struct catalogue {
    int64_t leaf_categories[N_ROOTS * N_CHILDREN];
    int64_t sellers[N_SELLERS];
    int64_t *products; /* N_SELLERS * PRODUCTS_PER_SELLER */
    size_t n_products;
    int64_t *buyers;
    size_t n_buyers;
    char run_tag[32]; /* keeps usernames unique when a database is reused */
} catalogue;

/* ---- per thread ----------------------------------------------------------------------------- */

typedef struct samples {
    double *ms;
    size_t n, cap;
} samples;

typedef struct worker {
    pthread_t thread;
    int index, n_threads;
    load_backend *backend;
    catalogue *cat;
    double deadline;
    uint64_t rng;
    int seed_rc; /* the first seeding failure */
    char seed_error[640];
    samples lat[N_OPS];
    uint64_t count[N_OPS], errors[N_OPS];
    char first_error[N_OPS][160];
    uint64_t *cart_lines; /* per own buyer: lines in the cart, as far as this thread knows */
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next_random(uint64_t *s) /* xorshift64* */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static size_t pick(worker *w, size_t n)
{
    return (size_t)(next_random(&w->rng) % n);
}

static void record(worker *w, enum op_type op, double ms, int rc, const ddb_error *err)
{
    w->count[op]++;
    if (rc) {
        w->errors[op]++;
        if (!w->first_error[op][0])
            snprintf(w->first_error[op], sizeof(w->first_error[op]), "%s: %.120s",
                     ddb_error_code_name(rc), err->message);
    }
    samples *s = &w->lat[op];
    if (s->n == s->cap && s->cap < MAX_SAMPLES_PER_THREAD) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        double *ms_new = realloc(s->ms, cap * sizeof(*ms_new));
        if (ms_new) {
            s->ms = ms_new;
            s->cap = cap;
        }
    }
    if (s->n < s->cap)
        s->ms[s->n++] = ms;
}

/* Buyers of this thread: index i with i % n_threads == w->index. */
static size_t own_buyer(worker *w, size_t *slot)
{
    size_t mine =
        (w->cat->n_buyers - (size_t)w->index + (size_t)w->n_threads - 1) / (size_t)w->n_threads;
    *slot = pick(w, mine);
    return (size_t)w->index + *slot * (size_t)w->n_threads;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    catalogue *cat = w->cat;
    shop__repo *r = w->backend->repo;
    ddb_error err = DDB_ERROR_INIT;
    while (now_s() < w->deadline) {
        unsigned roll = (unsigned)pick(w, 100);
        double t0 = now_s();
        int rc = 0;
        enum op_type op;
        if (roll < 70) {
            op = OP_BROWSE;
            shop__product__page page = {0};
            shop__page_request req = {NULL, PAGE_SIZE, 0};
            if (pick(w, 2))
                rc = shop_browse_category(
                    r, &page, cat->leaf_categories[pick(w, N_ROOTS * N_CHILDREN)], &req, &err);
            else
                rc = shop_browse_seller(r, &page, cat->sellers[pick(w, N_SELLERS)], &req, &err);
            shop__product__page_free(&page);
        } else {
            size_t slot;
            int64_t user = cat->buyers[own_buyer(w, &slot)];
            int64_t product = cat->products[pick(w, cat->n_products)];
            if (roll < 90) {
                op = OP_CART;
                unsigned kind = (unsigned)pick(w, 100);
                if (kind < 40) {
                    rc = shop_cart_add(r, user, product, 1 + (int64_t)pick(w, 3), &err);
                } else if (kind < 75) {
                    /* change or remove one of the lines the cart holds */
                    shop_cart cart = {0};
                    rc = shop_cart_view(r, &cart, user, &err);
                    if (!rc && cart.n_lines) {
                        int64_t p = cart.lines[pick(w, cart.n_lines)].item.product_id;
                        rc = kind < 60
                                 ? shop_cart_set_quantity(r, user, p, 1 + (int64_t)pick(w, 5), &err)
                                 : shop_cart_remove(r, user, p, &err);
                    }
                    shop_cart_free(&cart);
                } else {
                    shop_cart cart = {0};
                    rc = shop_cart_view(r, &cart, user, &err);
                    shop_cart_free(&cart);
                }
            } else {
                op = OP_CHECKOUT;
                shop_cart cart = {0};
                rc = shop_cart_view(r, &cart, user, &err);
                if (!rc && cart.n_lines == 0) {
                    rc = shop_cart_add(r, user, product, 1, &err);
                    if (!rc && pick(w, 2))
                        rc = shop_cart_add(r, user, cat->products[pick(w, cat->n_products)], 1,
                                           &err);
                }
                shop_cart_free(&cart);
                if (!rc) {
                    shop__order order = {0};
                    rc = shop_checkout(r, &order, user, &err);
                    shop__order__free(&order);
                }
            }
        }
        record(w, op, (now_s() - t0) * 1000.0, rc, &err);
    }
    ddb_error_clear(&err);
    return NULL;
}

/* ---- seeding, spread over the same threads ----------------------------------------------- */

static void seed_fail(worker *w, int rc, const char *what, const ddb_error *err)
{
    if (!w->seed_rc) {
        w->seed_rc = rc;
        snprintf(w->seed_error, sizeof(w->seed_error), "%s: %s: %.400s", what,
                 ddb_error_code_name(rc), err->message);
    }
}

static void *seed_buyers_and_products(void *arg)
{
    worker *w = arg;
    catalogue *cat = w->cat;
    shop__repo *r = w->backend->repo;
    ddb_error err = DDB_ERROR_INIT;
    char name[96], email[128];
    for (size_t i = (size_t)w->index; i < cat->n_buyers && !w->seed_rc; i += (size_t)w->n_threads) {
        shop__user u = {0};
        snprintf(name, sizeof(name), "buyer%zu_%s", i, cat->run_tag);
        snprintf(email, sizeof(email), "%s@example.com", name);
        int rc = shop_register(r, &u, name, email, "Load Buyer", &err);
        if (rc)
            seed_fail(w, rc, "register buyer", &err);
        else
            cat->buyers[i] = u.user_id;
        shop__user__free(&u);
    }
    for (size_t i = (size_t)w->index; i < cat->n_products && !w->seed_rc;
         i += (size_t)w->n_threads) {
        shop__product p = {0};
        snprintf(name, sizeof(name), "Product %zu", i);
        int rc = shop_add_product(r, &p, cat->sellers[i / PRODUCTS_PER_SELLER],
                                  cat->leaf_categories[i % (N_ROOTS * N_CHILDREN)], name,
                                  "A thing worth buying", 199 + (int64_t)(i % 50) * 100, 1000000000,
                                  &err);
        if (rc)
            seed_fail(w, rc, "add product", &err);
        else
            cat->products[i] = p.product_id;
        shop__product__free(&p);
    }
    ddb_error_clear(&err);
    return NULL;
}

/* Categories and sellers, one thread (few and ordered: parents before children). */
static int seed_catalogue(shop__repo *r, catalogue *cat, ddb_error *err)
{
    char name[96], email[128];
    for (int i = 0; i < N_ROOTS; i++) {
        shop__category root = {0};
        snprintf(name, sizeof(name), "Department %d %s", i, cat->run_tag);
        int rc = shop_add_category(r, &root, name, 0, err);
        for (int j = 0; !rc && j < N_CHILDREN; j++) {
            shop__category child = {0};
            snprintf(name, sizeof(name), "Aisle %d.%d", i, j);
            rc = shop_add_category(r, &child, name, root.category_id, err);
            cat->leaf_categories[i * N_CHILDREN + j] = child.category_id;
            shop__category__free(&child);
        }
        shop__category__free(&root);
        if (rc)
            return rc;
    }
    for (int i = 0; i < N_SELLERS; i++) {
        shop__user u = {0};
        snprintf(name, sizeof(name), "seller%d_%s", i, cat->run_tag);
        snprintf(email, sizeof(email), "%s@example.com", name);
        int rc = shop_register(r, &u, name, email, "Load Seller", err);
        if (!rc)
            rc = shop_become_seller(r, u.user_id, err);
        cat->sellers[i] = u.user_id;
        shop__user__free(&u);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- statistics ------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[i ? i - 1 : 0];
}

static double price(const char *var, double fallback)
{
    const char *v = getenv(var);
    char *end = NULL;
    double d = v ? strtod(v, &end) : 0;
    return v && *v && end && !*end && d >= 0 ? d : fallback;
}

static void usage(void)
{
    fprintf(stderr, "usage: shop_load [--threads N] [--seconds T] [--users U] [--label NAME]\n");
}

int main(int argc, char **argv)
{
    int n_threads = 4, seconds = 10, n_users = 200;
    const char *label = NULL;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(a, "--threads") == 0)
            n_threads = atoi(v);
        else if (strcmp(a, "--seconds") == 0)
            seconds = atoi(v);
        else if (strcmp(a, "--users") == 0)
            n_users = atoi(v);
        else if (strcmp(a, "--label") == 0)
            label = v;
        else {
            usage();
            return 2;
        }
    }
    if (n_threads < 1 || n_threads > 256 || seconds < 1 || n_users < n_threads) {
        fprintf(stderr, "shop_load: need 1 <= threads <= 256, seconds >= 1, users >= threads\n");
        return 2;
    }

    ddb_error err = DDB_ERROR_INIT;
    load_backend b = {0};
    int rc = load_backend_open(&b, &err);
    if (rc) {
        fprintf(stderr, "shop_load: cannot open the backend: %s: %s\n", ddb_error_code_name(rc),
                err.message);
        load_backend_close(&b);
        return 1;
    }
    if (missing_member(b.repo)) {
        fprintf(stderr, "shop_load: %s: the repository has no %s member yet\n", b.describe,
                missing_member(b.repo));
        load_backend_close(&b);
        return 1;
    }
    if (!label)
        label = b.describe;

    catalogue cat = {0};
    snprintf(cat.run_tag, sizeof(cat.run_tag), "%lx%x", (unsigned long)time(NULL),
             (unsigned)getpid());
    cat.n_products = N_SELLERS * PRODUCTS_PER_SELLER;
    cat.n_buyers = (size_t)n_users;
    cat.products = calloc(cat.n_products, sizeof(*cat.products));
    cat.buyers = calloc(cat.n_buyers, sizeof(*cat.buyers));
    worker *workers = calloc((size_t)n_threads, sizeof(*workers));
    if (!cat.products || !cat.buyers || !workers) {
        fprintf(stderr, "shop_load: out of memory\n");
        return 1;
    }

    double t_seed = now_s();
    rc = seed_catalogue(b.repo, &cat, &err);
    for (int i = 0; i < n_threads; i++) {
        workers[i] =
            (worker){.index = i,
                     .n_threads = n_threads,
                     .backend = &b,
                     .cat = &cat,
                     .rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(i + 1) * 0x100000001B3ULL)};
    }
    if (rc) {
        fprintf(stderr, "shop_load: seeding categories and sellers: %s: %s\n",
                ddb_error_code_name(rc), err.message);
    } else {
        for (int i = 0; i < n_threads; i++)
            pthread_create(&workers[i].thread, NULL, seed_buyers_and_products, &workers[i]);
        for (int i = 0; i < n_threads; i++) {
            pthread_join(workers[i].thread, NULL);
            if (workers[i].seed_rc && !rc) {
                rc = workers[i].seed_rc;
                fprintf(stderr, "shop_load: seeding: %s\n", workers[i].seed_error);
            }
        }
    }
    t_seed = now_s() - t_seed;
    if (rc) {
        free(workers);
        free(cat.products);
        free(cat.buyers);
        load_backend_close(&b);
        ddb_error_clear(&err);
        return 1;
    }

    atomic_store(&events.measuring, true);
    double t0 = now_s();
    for (int i = 0; i < n_threads; i++) {
        workers[i].deadline = t0 + seconds;
        pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]);
    }
    for (int i = 0; i < n_threads; i++)
        pthread_join(workers[i].thread, NULL);
    double elapsed = now_s() - t0;
    atomic_store(&events.measuring, false);

    /* Merge the samples: per op, and all together. */
    samples merged[N_OPS + 1] = {{0}};
    uint64_t count[N_OPS + 1] = {0}, errors[N_OPS + 1] = {0};
    const char *first_error[N_OPS] = {0};
    for (int op = 0; op < N_OPS; op++) {
        size_t n = 0;
        for (int i = 0; i < n_threads; i++)
            n += workers[i].lat[op].n;
        merged[op].ms = malloc((n ? n : 1) * sizeof(double));
        for (int i = 0; i < n_threads; i++) {
            memcpy(merged[op].ms + merged[op].n, workers[i].lat[op].ms,
                   workers[i].lat[op].n * sizeof(double));
            merged[op].n += workers[i].lat[op].n;
            count[op] += workers[i].count[op];
            errors[op] += workers[i].errors[op];
            if (!first_error[op] && workers[i].first_error[op][0])
                first_error[op] = workers[i].first_error[op];
        }
        count[N_OPS] += count[op];
        errors[N_OPS] += errors[op];
    }
    size_t n_all = 0;
    for (int op = 0; op < N_OPS; op++)
        n_all += merged[op].n;
    merged[N_OPS].ms = malloc((n_all ? n_all : 1) * sizeof(double));
    for (int op = 0; op < N_OPS; op++) {
        memcpy(merged[N_OPS].ms + merged[N_OPS].n, merged[op].ms, merged[op].n * sizeof(double));
        merged[N_OPS].n += merged[op].n;
    }

    printf("shop_load: %s, %d threads, %.1f s; seeded %d categories, %d sellers, %zu products, "
           "%zu buyers in %.1f s\n",
           b.describe, n_threads, elapsed, N_ROOTS * (N_CHILDREN + 1), N_SELLERS, cat.n_products,
           cat.n_buyers, t_seed);
    printf("  %-9s %9s %9s %9s %9s %7s\n", "operation", "count", "ops/s", "p50 ms", "p99 ms",
           "errors");
    double p50_all = 0, p99_all = 0;
    for (int op = 0; op <= N_OPS; op++) {
        qsort(merged[op].ms, merged[op].n, sizeof(double), cmp_double);
        double p50 = percentile(merged[op].ms, merged[op].n, 50);
        double p99 = percentile(merged[op].ms, merged[op].n, 99);
        if (op == N_OPS) {
            p50_all = p50;
            p99_all = p99;
        }
        printf("  %-9s %9" PRIu64 " %9.1f %9.2f %9.2f %7" PRIu64 "\n",
               op == N_OPS ? "all" : op_names[op], count[op], (double)count[op] / elapsed, p50, p99,
               errors[op]);
    }
    for (int op = 0; op < N_OPS; op++)
        if (first_error[op])
            printf("  first %s error: %s\n", op_names[op], first_error[op]);

    double ops_s = (double)count[N_OPS] / elapsed;
    double rru_1k = count[N_OPS] ? events.read_units * 1000.0 / (double)count[N_OPS] : 0;
    double wru_1k = count[N_OPS] ? events.write_units * 1000.0 / (double)count[N_OPS] : 0;
    double price_r = price("SHOP_LOAD_PRICE_RRU", PRICE_RRU_PER_MILLION);
    double price_w = price("SHOP_LOAD_PRICE_WRU", PRICE_WRU_PER_MILLION);
    /* dollars per million operations = units per op * 1e6 ops * price per 1e6 units */
    double usd_per_million_ops = (rru_1k / 1000.0) * price_r + (wru_1k / 1000.0) * price_w;
    double usd_month = usd_per_million_ops * COST_REFERENCE_OPS * SECONDS_PER_MONTH / 1e6;
    bool have_capacity = events.read_units + events.write_units > 0;
    if (b.client) {
        printf("  DynamoDB calls: %" PRIu64 " reads, %" PRIu64 " writes (%.2f per operation), "
               "%" PRIu64 " failed\n",
               events.read_calls, events.write_calls,
               count[N_OPS]
                   ? (double)(events.read_calls + events.write_calls) / (double)count[N_OPS]
                   : 0.0,
               events.failed_calls);
        if (have_capacity)
            printf("  DynamoDB capacity: %.1f RRU + %.1f WRU per 1000 operations "
                   "(ConsumedCapacity of the responses)\n"
                   "  on-demand cost: $%.4f per million operations, $%.2f a month at a steady "
                   "%.0f ops/s\n"
                   "  prices: $%.3f per million RRU, $%.3f per million WRU (%s)\n",
                   rru_1k, wru_1k, usd_per_million_ops, usd_month, COST_REFERENCE_OPS, price_r,
                   price_w, PRICE_SOURCE);
        else
            printf("  DynamoDB capacity: not reported (the requests do not ask for "
                   "ReturnConsumedCapacity; scripts/shop-load measures it through its proxy)\n");
    }
    ddb_router_stats st = {0};
    bool have_router_stats = false;
    if (b.router && shop__router_stats(b.router, &st) == 0) {
        have_router_stats = true;
        printf("  router: %" PRIu64 " mismatches, %" PRIu64 " secondary failures, %" PRIu64
               " journal entries (seeding included)\n",
               st.mismatches, st.secondary_failures, st.journal_entries);
    }
    printf("RESULT label=%s threads=%d seconds=%.1f ops=%" PRIu64 " ops_s=%.1f p50_ms=%.3f "
           "p99_ms=%.3f errors=%" PRIu64,
           label, n_threads, elapsed, count[N_OPS], ops_s, p50_all, p99_all, errors[N_OPS]);
    for (int op = 0; op < N_OPS; op++)
        printf(" %s_p50_ms=%.3f %s_p99_ms=%.3f", op_names[op],
               percentile(merged[op].ms, merged[op].n, 50), op_names[op],
               percentile(merged[op].ms, merged[op].n, 99));
    if (have_router_stats)
        printf(" mismatches=%" PRIu64 " journal_entries=%" PRIu64, st.mismatches,
               st.journal_entries);
    if (have_capacity)
        printf(" rru_per_1k=%.2f wru_per_1k=%.2f usd_per_million_ops=%.4f usd_month_at_100=%.2f",
               rru_1k, wru_1k, usd_per_million_ops, usd_month);
    printf("\n");

    for (int op = 0; op <= N_OPS; op++)
        free(merged[op].ms);
    for (int i = 0; i < n_threads; i++)
        for (int op = 0; op < N_OPS; op++)
            free(workers[i].lat[op].ms);
    free(workers);
    free(cat.products);
    free(cat.buyers);
    load_backend_close(&b);
    ddb_error_clear(&err);
    return errors[N_OPS] == count[N_OPS] && count[N_OPS] ? 1 : 0;
}
