/*
 * The shop's business scenarios. Written once: the backend (SQLite, MariaDB, DynamoDB, or the
 * migration router in a phase) comes only from the environment (backend.h), and CMake registers
 * every case once per backend (app.shop.<config>.<case>).
 *
 * The tests share a database with other cases running at the same time (MariaDB), so every name
 * they create is unique and every check looks at the test's own records only.
 *
 * With the router (SHOP_BACKEND=migrate) the set-up gives each case its own MariaDB database as
 * well as its own DynamoDB table prefix, and the tear-down (close_shop) checks that the router did
 * its phase's work during the case: its counters, against the per-call events it sent, and in
 * phases 2-4 a comparison of everything on both sides (which, isolated so, is the case's own
 * records). The scenarios themselves do not change; see check_router.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ddb/sql/sqldb.h"
#include "shop_app.h"
#include "test.h"

/* ---- set-up --------------------------------------------------------------------------------- */

/* The first line of dir/name into buf; false when there is none. */
static bool read_state(const char *dir, const char *name, char *buf, size_t cap)
{
    if (!dir)
        return false;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return ok && buf[0];
}

static char sqlite_path[256];

/*
 * Environment plumbing only: the CTest fixtures start DynamoDB Local and MariaDB on free ports
 * and record where in their state directories; the backend reads the standard variables.
 * Each case gets its own SQLite file and DynamoDB table prefix.
 */
static void fixture_env(void)
{
    static int n;
    char buf[1024];
    n++;
    if (!getenv("AWS_ENDPOINT_URL_DYNAMODB") &&
        read_state(getenv("DDB_TEST_LOCAL_STATE"), "endpoint", buf, sizeof(buf)))
        setenv("AWS_ENDPOINT_URL_DYNAMODB", buf, 1);
    if (!getenv("SHOP_MYSQL_URL") &&
        read_state(getenv("DDB_TEST_MARIADB_STATE"), "url", buf, sizeof(buf)))
        setenv("SHOP_MYSQL_URL", buf, 1);
    snprintf(buf, sizeof(buf), "shoptest_%ld_%d_%ld_", (long)getpid(), n,
             (long)time(NULL) % 100000);
    setenv("SHOP_TABLE_PREFIX", buf, 1);
    snprintf(sqlite_path, sizeof(sqlite_path), "%s/shop-test-%ld-%d.db",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid(), n);
    setenv("SHOP_SQLITE_PATH", sqlite_path, 1);
}

/* ---- the router's case: its own MariaDB database -------------------------------------------- */

static bool migrating(void)
{
    const char *b = getenv("SHOP_BACKEND");
    return b && strcmp(b, "migrate") == 0;
}

/* Runs one statement on url's server. */
static int sql_on(const char *url, const char *sql, ddb_error *err)
{
    ddb_sql *db = NULL;
    ddb_sql_conn *c = NULL;
    int rc = ddb_sql_open(&db, url, err);
    if (!rc)
        rc = ddb_sql_acquire(db, &c, err);
    if (!rc)
        rc = ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, err);
    if (c)
        ddb_sql_release(c);
    ddb_sql_close(db);
    return rc;
}

/* base ("mariadb://user@[host]/db[?query]") with the database replaced by name. */
static bool database_url(char *out, size_t cap, const char *base, const char *name)
{
    const char *scheme = strstr(base, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (!slash)
        return false;
    const char *query = strchr(slash, '?');
    int n = snprintf(out, cap, "%.*s/%s%s", (int)(slash - base), base, name, query ? query : "");
    return n > 0 && (size_t)n < cap;
}

static char case_db[64], server_url[1024];

/*
 * A router case in phases 2-4 whose relational side is MariaDB gets a database of its own (the
 * backend then creates the schema in it), so that the router's compare_all, which compares every
 * entity of both sides, compares exactly what the case made. Phases 1 and 5 compare nothing and
 * keep the shared database: a database costs about 0.25 s to create and drop. False when it
 * cannot be made (logged).
 */
static bool own_database(void)
{
    static int n;
    const char *primary = getenv("SHOP_MIGRATION_PRIMARY"), *url = getenv("SHOP_MYSQL_URL");
    const char *phase = getenv("SHOP_MIGRATION_PHASE");
    case_db[0] = '\0';
    if (!migrating() || !phase || phase[0] < '2' || phase[0] > '4' || !url ||
        (primary && strcmp(primary, "mysql") != 0))
        return true; /* SQLite: the case's own file already */
    snprintf(server_url, sizeof(server_url), "%s", url);
    snprintf(case_db, sizeof(case_db), "shoptest_%ld_%d_%ld", (long)getpid(), ++n,
             (long)time(NULL) % 100000);
    char sql[160], own[1100];
    snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
             case_db);
    ddb_error err = DDB_ERROR_INIT;
    bool ok = database_url(own, sizeof(own), url, case_db);
    if (!ok)
        fprintf(stderr, "SHOP_MYSQL_URL has no /database to replace (mariadb://user@host/db)\n");
    else if (sql_on(url, sql, &err)) {
        fprintf(stderr, "CREATE DATABASE %s: %s\n", case_db, err.message);
        ok = false;
    }
    ddb_error_clear(&err);
    if (ok)
        setenv("SHOP_MYSQL_URL", own, 1);
    else
        case_db[0] = '\0';
    return ok;
}

static void drop_own_database(void)
{
    if (!case_db[0])
        return;
    char sql[160];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", case_db);
    ddb_error err = DDB_ERROR_INIT;
    if (sql_on(server_url, sql, &err))
        fprintf(stderr, "DROP DATABASE %s: %s\n", case_db, err.message);
    ddb_error_clear(&err);
    setenv("SHOP_MYSQL_URL", server_url, 1);
    case_db[0] = '\0';
}

/* ---- what the router reports ---------------------------------------------------------------- */

/*
 * The router's per-call events ("router.<relational|dynamodb>.<read|write>", error_code the
 * call's result), counted independently of its counters; and its log, echoed to stderr with the
 * last mismatch line kept. Calls come from several threads (concurrent checkouts).
 */
typedef struct router_seen {
    pthread_mutex_t lock;
    uint64_t calls[2][2], ok[2][2]; /* [side][write] */
    char last_mismatch[512];
} router_seen;

static router_seen observed = {PTHREAD_MUTEX_INITIALIZER, {{0}}, {{0}}, ""};

static void on_router_event(void *ctx, const ddb_event *ev)
{
    router_seen *w = ctx;
    int side = strncmp(ev->operation, "router.relational.", 18) == 0 ? 0
               : strncmp(ev->operation, "router.dynamodb.", 16) == 0 ? 1
                                                                     : -1;
    if (side < 0)
        return;
    int write = strcmp(strrchr(ev->operation, '.'), ".write") == 0;
    pthread_mutex_lock(&w->lock);
    w->calls[side][write]++;
    w->ok[side][write] += ev->error_code == 0;
    pthread_mutex_unlock(&w->lock);
}

static void on_router_log(void *ctx, const char *line)
{
    router_seen *w = ctx;
    fprintf(stderr, "router log: %s\n", line);
    if (strstr(line, ": mismatch ")) {
        pthread_mutex_lock(&w->lock);
        snprintf(w->last_mismatch, sizeof(w->last_mismatch), "%s", line);
        pthread_mutex_unlock(&w->lock);
    }
}

static void remove_sqlite(void)
{
    char path[300];
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", sqlite_path, suffixes[i]);
        unlink(path);
    }
}

static shop_backend *backend;

static void discard_shop(void)
{
    shop_backend_close(backend);
    backend = NULL;
    drop_own_database();
    remove_sqlite();
}

static shop__repo *open_shop(void)
{
    if (backend) /* the last case stopped at a REQUIRE, failed already: no checks */
        discard_shop();
    fixture_env();
    if (!own_database())
        return NULL;
    pthread_mutex_lock(&observed.lock);
    memset(observed.calls, 0, sizeof(observed.calls));
    memset(observed.ok, 0, sizeof(observed.ok));
    observed.last_mismatch[0] = '\0';
    pthread_mutex_unlock(&observed.lock);
    shop_backend_hooks hooks = {on_router_event, &observed, on_router_log, &observed};
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_backend_open_with(&backend, &hooks, &err);
    if (rc) {
        fprintf(stderr, "cannot open the backend (%s): %s\n",
                getenv("SHOP_BACKEND") ? getenv("SHOP_BACKEND") : "sqlite", err.message);
        ddb_error_clear(&err);
        return NULL;
    }
    fprintf(stderr, "backend: %s\n", shop_backend_describe(backend));
    return shop_backend_repo(backend);
}

/* ---- the router's work, checked after every case -------------------------------------------- */

#define ROUTER_CHECK(phase, cond)                                                                  \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: router check failed (phase %d): %s\n", __FILE__, __LINE__,     \
                    phase, #cond);                                                                 \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

/*
 * Phase 3 must notice a difference, not only read both sides: an entity made through the router
 * and then changed in DynamoDB alone reads back as the relational one, with one mismatch counted
 * and logged, the changed field named. (After compare_all, which must see none of it.)
 */
static void probe_phase3(void)
{
    shop__repo *r = shop_backend_repo(backend), *dyn = shop_backend_dynamodb(backend);
    shop__category made = SHOP__CATEGORY__INIT, there = SHOP__CATEGORY__INIT;
    shop__category got = SHOP__CATEGORY__INIT;
    ddb_router_stats before, after;
    bool found = false;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_add_category(r, &made, "Router probe", 0, &err);
    if (!rc)
        rc = dyn->category__get_category(dyn, &there, &found, made.category_id, &err);
    if (!rc && found) {
        free(there.name);
        there.name = strdup("Router probe, changed in DynamoDB only");
        rc = there.name ? dyn->category__update(dyn, &there, &err) : DDB_ERR_NOMEM;
    }
    if (!rc)
        rc = shop_backend_stats(backend, &before, &err);
    if (!rc && found)
        rc = r->category__get_category(r, &got, &found, made.category_id, &err);
    if (!rc)
        rc = shop_backend_stats(backend, &after, &err);
    ROUTER_CHECK(3, rc == 0);
    if (rc)
        fprintf(stderr, "the phase 3 probe failed: %s\n", err.message);
    else {
        ROUTER_CHECK(3, found && got.name && strcmp(got.name, "Router probe") == 0);
        ROUTER_CHECK(3, after.mismatches == before.mismatches + 1);
        pthread_mutex_lock(&observed.lock);
        ROUTER_CHECK(3, strstr(observed.last_mismatch, "Category") &&
                            strstr(observed.last_mismatch, "name"));
        pthread_mutex_unlock(&observed.lock);
    }
    shop__category__free(&made);
    shop__category__free(&there);
    shop__category__free(&got);
    ddb_error_clear(&err);
}

/*
 * What the router did during the case, from its counters (ddb_router_stats, the router's
 * documented phases: shop_router.h) and the per-call events it sent for the same calls. The case
 * ran with compare_percent 100 and no phase switch.
 *   every phase  the counters agree with the events; no secondary failure, no journal entry, no
 *                mismatch
 *   1            no DynamoDB call at all
 *   2, 3, 4      each relational write that succeeded is repeated on DynamoDB and nothing else is
 *                written there: DynamoDB writes == successful relational writes (a failed
 *                relational write fails the call before DynamoDB); then compare_all finds 0
 *                differences between the sides (the case's own database and tables)
 *   2            reads are relational only
 *   3            every successful relational read was compared (compared_reads between the
 *                successful and all relational reads; a difference, rechecked or not, re-reads
 *                the relational side too, so then only the upper bound), DynamoDB was read, and
 *                a planted difference is caught (probe_phase3)
 *   4            reads are DynamoDB's: no relational read, and the case read something
 *   5            no relational call at all
 * The router's own calls outside the counters (phase 5's ID seeding at start) are not counted.
 */
static void check_router(void)
{
    ddb_router_stats s;
    if (!migrating() || shop_backend_stats(backend, &s, NULL) != 0)
        return;
    uint64_t calls[2][2], ok[2][2];
    pthread_mutex_lock(&observed.lock);
    memcpy(calls, observed.calls, sizeof(calls));
    memcpy(ok, observed.ok, sizeof(ok));
    pthread_mutex_unlock(&observed.lock);
    enum { REL = DDB_ROUTER_RELATIONAL, DYN = DDB_ROUTER_DYNAMODB, R = 0, W = 1 };
    int p = s.phase, before = test_failures;

    ROUTER_CHECK(p, s.writes[REL] == calls[REL][W] && s.writes[DYN] == calls[DYN][W]);
    ROUTER_CHECK(p, s.reads[REL] == calls[REL][R] && s.reads[DYN] == calls[DYN][R]);
    ROUTER_CHECK(p, s.secondary_failures == 0);
    ROUTER_CHECK(p, s.journal_entries == 0);
    ROUTER_CHECK(p, s.mismatches == 0);
    ROUTER_CHECK(p, s.phase_switches == 0);
    if (p != 3)
        ROUTER_CHECK(p, s.compared_reads == 0 && s.rechecked == 0);
    switch (p) {
    case 1:
        ROUTER_CHECK(p, s.writes[DYN] == 0 && s.reads[DYN] == 0);
        ROUTER_CHECK(p, s.writes[REL] + s.reads[REL] > 0);
        break;
    case 2:
    case 3:
    case 4:
        ROUTER_CHECK(p, s.writes[DYN] == ok[REL][W]);
        if (p == 2)
            ROUTER_CHECK(p, s.reads[DYN] == 0);
        if (p == 3) {
            ROUTER_CHECK(p, s.compared_reads <= s.reads[REL]);
            if (s.rechecked == 0 && s.mismatches == 0)
                ROUTER_CHECK(p, s.compared_reads >= ok[REL][R]);
            if (ok[REL][R] > 0)
                ROUTER_CHECK(p, s.compared_reads > 0 && s.reads[DYN] > 0);
        }
        if (p == 4)
            ROUTER_CHECK(p, s.reads[REL] == 0 && s.reads[DYN] > 0);
        break;
    case 5:
        ROUTER_CHECK(p, s.writes[REL] == 0 && s.reads[REL] == 0);
        ROUTER_CHECK(p, s.writes[DYN] + s.reads[DYN] > 0);
        break;
    default:
        ROUTER_CHECK(p, p >= 1 && p <= 5);
    }
    if (p >= 2 && p <= 4) {
        size_t differences = 0;
        ddb_error err = DDB_ERROR_INIT;
        int rc = shop_backend_compare(backend, &differences, &err);
        ROUTER_CHECK(p, rc == 0);
        if (rc)
            fprintf(stderr, "compare_all: %s\n", err.message);
        ROUTER_CHECK(p, differences == 0);
        if (differences)
            fprintf(stderr,
                    "compare_all: %zu differences, each logged above "
                    "(\"router log: shop: mismatch ...\")\n",
                    differences);
        ddb_error_clear(&err);
    }
    if (p == 3)
        probe_phase3();
    if (test_failures != before)
        fprintf(stderr,
                "router stats: phase %d writes rel %" PRIu64 " (%" PRIu64 " ok) ddb %" PRIu64
                ", reads rel %" PRIu64 " (%" PRIu64 " ok) ddb %" PRIu64 ", compared %" PRIu64
                ", rechecked %" PRIu64 ", mismatches %" PRIu64 ", secondary failures %" PRIu64
                ", journal %" PRIu64 "\n",
                p, s.writes[REL], ok[REL][W], s.writes[DYN], s.reads[REL], ok[REL][R], s.reads[DYN],
                s.compared_reads, s.rechecked, s.mismatches, s.secondary_failures,
                s.journal_entries);
}

static void close_shop(void)
{
    check_router();
    discard_shop();
}

/* A name no other case or run uses. */
static const char *uniq(const char *base)
{
    static char bufs[8][96];
    static int next, counter;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof(bufs[0]), "%s_%ld_%d_%ld", base, (long)getpid(), ++counter,
             (long)time(NULL));
    return b;
}

static int64_t new_user(shop__repo *r, const char *name)
{
    char email[128];
    const char *u = uniq(name);
    snprintf(email, sizeof(email), "%s@example.com", u);
    shop__user user = SHOP__USER__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_register(r, &user, u, email, "Test User", &err);
    if (rc)
        fprintf(stderr, "register %s: %s\n", u, err.message);
    int64_t id = rc ? 0 : user.user_id;
    shop__user__free(&user);
    ddb_error_clear(&err);
    return id;
}

static int64_t new_seller(shop__repo *r)
{
    int64_t id = new_user(r, "seller");
    ddb_error err = DDB_ERROR_INIT;
    if (id && shop_become_seller(r, id, &err)) {
        fprintf(stderr, "become seller: %s\n", err.message);
        id = 0;
    }
    ddb_error_clear(&err);
    return id;
}

static int64_t new_category(shop__repo *r, const char *name, int64_t parent)
{
    shop__category c = SHOP__CATEGORY__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_add_category(r, &c, name, parent, &err);
    if (rc)
        fprintf(stderr, "add category %s: %s\n", name, err.message);
    int64_t id = rc ? 0 : c.category_id;
    shop__category__free(&c);
    ddb_error_clear(&err);
    return id;
}

static int64_t new_product(shop__repo *r, int64_t seller, int64_t category, const char *name,
                           int64_t price, int64_t stock)
{
    shop__product p = SHOP__PRODUCT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_add_product(r, &p, seller, category, name, NULL, price, stock, &err);
    if (rc)
        fprintf(stderr, "add product %s: %s\n", name, err.message);
    int64_t id = rc ? 0 : p.product_id;
    shop__product__free(&p);
    ddb_error_clear(&err);
    return id;
}

static int64_t stock_of(shop__repo *r, int64_t product_id)
{
    shop__product p = SHOP__PRODUCT__INIT;
    bool found = false;
    int rc = r->product__get_product(r, &p, &found, product_id, NULL);
    int64_t stock = rc || !found ? -1 : p.inventory;
    shop__product__free(&p);
    return stock;
}

static size_t cart_lines(shop__repo *r, int64_t user)
{
    shop_cart cart = {0, NULL, 0, 0};
    if (shop_cart_view(r, &cart, user, NULL))
        return (size_t)-1;
    size_t n = cart.n_lines;
    shop_cart_free(&cart);
    return n;
}

/* Every order of the user's history, newest first, read page by page. */
static size_t history(shop__repo *r, int64_t user, int64_t *ids, size_t cap, int limit,
                      size_t *pages)
{
    size_t n = 0;
    char *cursor = NULL;
    *pages = 0;
    do {
        shop__order__page p = {0, NULL, NULL};
        shop__page_request req = {cursor, limit, 0};
        int rc = shop_order_history(r, &p, user, &req, NULL);
        free(cursor);
        cursor = NULL;
        if (rc)
            return (size_t)-1;
        (*pages)++;
        for (size_t i = 0; i < p.n_items; i++)
            if (n < cap)
                ids[n++] = p.items[i].order_id;
        cursor = p.cursor;
        p.cursor = NULL;
        shop__order__page_free(&p);
    } while (cursor && *pages < 100);
    return n;
}

/* ---- scenarios ------------------------------------------------------------------------------ */

TEST(checkout_with_enough_stock)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), buyer = new_user(r, "buyer");
    int64_t cat = new_category(r, "Books", 0);
    int64_t dune = new_product(r, seller, cat, "Dune", 1250, 5);
    int64_t found = new_product(r, seller, cat, "Foundation", 999, 3);
    REQUIRE(seller && buyer && cat && dune && found);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(shop_cart_add(r, buyer, dune, 2, &err), 0);
    CHECK_INT(shop_cart_add(r, buyer, found, 1, &err), 0);

    shop_cart cart = {0, NULL, 0, 0};
    CHECK_INT(shop_cart_view(r, &cart, buyer, &err), 0);
    CHECK_INT(cart.n_lines, 2);
    CHECK_INT(cart.total_cents, 2 * 1250 + 999);
    CHECK_INT(cart.n_units, 3);
    shop_cart_free(&cart);

    shop__order order = SHOP__ORDER__INIT;
    int rc = shop_checkout(r, &order, buyer, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "checkout: %s\n", err.message);
    CHECK(order.order_id > 0);
    CHECK_STR(order.status, SHOP_ORDER_PENDING);
    CHECK_INT(order.total_cents, 3499);
    CHECK_INT(order.item_count, 3);

    CHECK_INT(stock_of(r, dune), 3);
    CHECK_INT(stock_of(r, found), 2);
    CHECK_INT(cart_lines(r, buyer), 0);

    shop__order_item *items = NULL;
    size_t n = 0;
    CHECK_INT(shop_order_items(r, &items, &n, order.order_id, &err), 0);
    CHECK_INT(n, 2);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += items[i].unit_price_cents * items[i].quantity;
        if (items[i].product_id == dune) {
            CHECK_INT(items[i].unit_price_cents, 1250);
            CHECK_STR(items[i].product_name, "Dune");
        }
    }
    CHECK_INT(sum, 3499);
    shop_order_items_free(items, n);

    /* The price at the time of purchase stays with the order. */
    CHECK_INT(shop_update_product(r, seller, dune, NULL, 1500, &err), 0);
    CHECK_INT(shop_order_items(r, &items, &n, order.order_id, &err), 0);
    for (size_t i = 0; i < n; i++)
        if (items[i].product_id == dune)
            CHECK_INT(items[i].unit_price_cents, 1250);
    shop_order_items_free(items, n);

    int64_t ids[4];
    size_t pages = 0;
    CHECK_INT(history(r, buyer, ids, 4, 0, &pages), 1);
    CHECK_INT(ids[0], order.order_id);
    shop__order__free(&order);
    ddb_error_clear(&err);
    close_shop();
}

TEST(checkout_with_too_little_stock_changes_nothing)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), buyer = new_user(r, "buyer");
    int64_t cat = new_category(r, "Games", 0);
    int64_t chess = new_product(r, seller, cat, "Chess set", 4500, 1);
    int64_t cards = new_product(r, seller, cat, "Cards", 300, 10);
    REQUIRE(seller && buyer && cat && chess && cards);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(shop_cart_add(r, buyer, cards, 4, &err), 0);
    CHECK_INT(shop_cart_add(r, buyer, chess, 2, &err), 0);

    shop__order order = SHOP__ORDER__INIT;
    CHECK_INT(shop_checkout(r, &order, buyer, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "Chess set");
    CHECK_CONTAINS(err.message, "stock");
    CHECK_INT(stock_of(r, chess), 1);
    CHECK_INT(stock_of(r, cards), 10);
    CHECK_INT(cart_lines(r, buyer), 2);
    int64_t ids[4];
    size_t pages = 0;
    CHECK_INT(history(r, buyer, ids, 4, 0, &pages), 0);

    /* Fixing the quantity makes the same cart go through. */
    CHECK_INT(shop_cart_set_quantity(r, buyer, chess, 1, &err), 0);
    CHECK_INT(shop_checkout(r, &order, buyer, &err), 0);
    CHECK_INT(stock_of(r, chess), 0);
    CHECK_INT(stock_of(r, cards), 6);
    CHECK_INT(order.total_cents, 4500 + 4 * 300);
    /* The next buyer finds none left. */
    int64_t late = new_user(r, "late");
    CHECK_INT(shop_cart_add(r, late, chess, 1, &err), 0);
    shop__order none = SHOP__ORDER__INIT;
    CHECK_INT(shop_checkout(r, &none, late, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_INT(stock_of(r, chess), 0);
    shop__order__free(&order);
    ddb_error_clear(&err);
    close_shop();
}

#define RACERS 6

typedef struct racer {
    shop__repo *r;
    int64_t user;
    pthread_barrier_t *start;
    int rc;
    char message[512];
} racer;

static void *race(void *arg)
{
    racer *x = arg;
    ddb_error err = DDB_ERROR_INIT;
    shop__order order = SHOP__ORDER__INIT;
    pthread_barrier_wait(x->start);
    x->rc = shop_checkout(x->r, &order, x->user, &err);
    snprintf(x->message, sizeof(x->message), "%s", err.message);
    shop__order__free(&order);
    ddb_error_clear(&err);
    return NULL;
}

TEST(concurrent_checkouts_of_the_last_item_one_wins)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r);
    int64_t cat = new_category(r, "Collectibles", 0);
    int64_t rare = new_product(r, seller, cat, "Signed first edition", 99900, 1);
    REQUIRE(seller && cat && rare);
    racer racers[RACERS];
    pthread_t threads[RACERS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (racer){r, new_user(r, "racer"), &start, 0, ""};
        REQUIRE(racers[i].user);
        CHECK_INT(shop_cart_add(r, racers[i].user, rare, 1, NULL), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_create(&threads[i], NULL, race, &racers[i]);
    int wins = 0, out_of_stock = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        if (racers[i].rc == 0)
            wins++;
        else if (racers[i].rc == DDB_ERR_CONDITION_FAILED)
            out_of_stock++;
        else
            fprintf(stderr, "racer %d: %d %s\n", i, racers[i].rc, racers[i].message);
    }
    pthread_barrier_destroy(&start);
    CHECK_INT(wins, 1);
    CHECK_INT(out_of_stock, RACERS - 1);
    CHECK_INT(stock_of(r, rare), 0);
    /* Exactly one order exists among the racers, and only the losers keep their cart line. */
    size_t orders = 0, carts = 0;
    for (int i = 0; i < RACERS; i++) {
        int64_t ids[4];
        size_t pages = 0;
        orders += history(r, racers[i].user, ids, 4, 0, &pages);
        carts += cart_lines(r, racers[i].user);
    }
    CHECK_INT(orders, 1);
    CHECK_INT(carts, RACERS - 1);
    close_shop();
}

static bool in_status(shop__repo *r, const char *status, int64_t order_id)
{
    char *cursor = NULL;
    bool seen = false;
    int pages = 0;
    do {
        shop__order__page p = {0, NULL, NULL};
        shop__page_request req = {cursor, 100, 0};
        int rc = shop_orders_by_status(r, &p, status, &req, NULL);
        free(cursor);
        cursor = NULL;
        if (rc)
            return false;
        for (size_t i = 0; i < p.n_items; i++)
            seen |= p.items[i].order_id == order_id;
        cursor = p.cursor;
        p.cursor = NULL;
        shop__order__page_free(&p);
    } while (cursor && !seen && ++pages < 1000);
    free(cursor);
    return seen;
}

TEST(cancel_restores_stock)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), buyer = new_user(r, "buyer");
    int64_t cat = new_category(r, "Garden", 0);
    int64_t hose = new_product(r, seller, cat, "Hose", 2599, 5);
    int64_t rake = new_product(r, seller, cat, "Rake", 1999, 2);
    REQUIRE(seller && buyer && cat && hose && rake);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(shop_cart_add(r, buyer, hose, 2, &err), 0);
    CHECK_INT(shop_cart_add(r, buyer, rake, 2, &err), 0);
    shop__order order = SHOP__ORDER__INIT;
    REQUIRE(shop_checkout(r, &order, buyer, &err) == 0);
    CHECK_INT(stock_of(r, hose), 3);
    CHECK_INT(stock_of(r, rake), 0);
    CHECK(in_status(r, SHOP_ORDER_PENDING, order.order_id));

    /* Only the buyer can cancel. */
    int64_t other = new_user(r, "other");
    CHECK_INT(shop_cancel_order(r, other, order.order_id, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(stock_of(r, hose), 3);

    CHECK_INT(shop_cancel_order(r, buyer, order.order_id, &err), 0);
    CHECK_INT(stock_of(r, hose), 5);
    CHECK_INT(stock_of(r, rake), 2);
    shop__order now = SHOP__ORDER__INIT;
    bool found = false;
    CHECK_INT(r->order__get_order(r, &now, &found, order.order_id, &err), 0);
    CHECK(found);
    CHECK_STR(now.status, SHOP_ORDER_CANCELLED);
    shop__order__free(&now);
    CHECK(in_status(r, SHOP_ORDER_CANCELLED, order.order_id));
    CHECK(!in_status(r, SHOP_ORDER_PENDING, order.order_id));

    /* Twice is refused and changes nothing. */
    CHECK_INT(shop_cancel_order(r, buyer, order.order_id, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "cancelled");
    CHECK_INT(stock_of(r, hose), 5);
    shop__order__free(&order);
    ddb_error_clear(&err);
    close_shop();
}

TEST(duplicate_username_or_email_rejected)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    char name[96], email[128], other_name[96], other_email[128];
    snprintf(name, sizeof(name), "%s", uniq("alice"));
    snprintf(email, sizeof(email), "%s@example.com", name);
    snprintf(other_name, sizeof(other_name), "%s", uniq("alicia"));
    snprintf(other_email, sizeof(other_email), "%s@example.com", other_name);
    ddb_error err = DDB_ERROR_INIT;
    shop__user u = SHOP__USER__INIT;
    REQUIRE(shop_register(r, &u, name, email, "Alice", &err) == 0);
    int64_t alice = u.user_id;
    CHECK(alice > 0);
    shop__user__free(&u);

    CHECK_INT(shop_register(r, &u, name, other_email, "Other Alice", &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "username");
    CHECK_STR(err.field, "username");
    CHECK_INT(shop_register(r, &u, other_name, email, "Other Alice", &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "email");
    CHECK_STR(err.field, "email");

    /* The failed attempts left nothing behind: the other name and email are still free. */
    CHECK_INT(shop_register(r, &u, other_name, other_email, "Alicia", &err), 0);
    int64_t alicia = u.user_id;
    CHECK(alicia != alice);
    shop__user__free(&u);

    /* Taking someone's email in a profile update is refused too; a free one is fine. */
    CHECK_INT(shop_update_profile(r, alicia, email, NULL, &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "email");
    CHECK_STR(err.field, "email");
    char fresh[128];
    snprintf(fresh, sizeof(fresh), "%s@example.org", uniq("new"));
    CHECK_INT(shop_update_profile(r, alicia, fresh, "Alicia B.", &err), 0);
    bool found = false;
    CHECK_INT(r->user__get_user(r, &u, &found, alicia, &err), 0);
    CHECK_STR(u.email, fresh);
    CHECK_STR(u.full_name, "Alicia B.");
    shop__user__free(&u);
    /* Alicia's old email is free again. */
    CHECK_INT(shop_update_profile(r, alice, other_email, NULL, &err), 0);
    ddb_error_clear(&err);
    close_shop();
}

TEST(browse_pages_across_inserts)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), cat = new_category(r, "Kitchen", 0);
    REQUIRE(seller && cat);
    int64_t made[8];
    for (int i = 0; i < 7; i++) {
        char name[32];
        snprintf(name, sizeof(name), "Pan %d", i);
        made[i] = new_product(r, seller, cat, name, 1000 + i, 3);
        REQUIRE(made[i]);
    }
    int64_t seen[16];
    size_t n_seen = 0, pages = 0;
    char *cursor = NULL;
    ddb_error err = DDB_ERROR_INIT;
    do {
        shop__product__page p = {0, NULL, NULL};
        shop__page_request req = {cursor, 3, 0};
        int rc = shop_browse_category(r, &p, cat, &req, &err);
        free(cursor);
        cursor = NULL;
        REQUIRE(rc == 0);
        CHECK(p.n_items <= 3);
        for (size_t i = 0; i < p.n_items && n_seen < 16; i++)
            seen[n_seen++] = p.items[i].product_id;
        cursor = p.cursor;
        p.cursor = NULL;
        shop__product__page_free(&p);
        /* A product listed while the customer pages: the cursor does not shift. */
        if (++pages == 1)
            made[7] = new_product(r, seller, cat, "Pan late", 2000, 1);
    } while (cursor && pages < 10);
    CHECK(pages >= 3);
    CHECK_INT(n_seen, 8);
    for (size_t i = 1; i < n_seen; i++)
        CHECK(seen[i] > seen[i - 1]); /* listing order, no repeats */
    for (int i = 0; i < 8; i++) {
        bool there = false;
        for (size_t k = 0; k < n_seen; k++)
            there |= seen[k] == made[i];
        CHECK(there);
    }

    /* The seller's storefront pages the same way. */
    size_t by_seller = 0;
    pages = 0;
    do {
        shop__product__page p = {0, NULL, NULL};
        shop__page_request req = {cursor, 3, 0};
        REQUIRE(shop_browse_seller(r, &p, seller, &req, &err) == 0);
        free(cursor);
        by_seller += p.n_items;
        cursor = p.cursor;
        p.cursor = NULL;
        shop__product__page_free(&p);
    } while (cursor && ++pages < 10);
    CHECK_INT(by_seller, 8);

    /* A cursor that this repository did not make is refused. */
    shop__product__page p = {0, NULL, NULL};
    shop__page_request bad = {"not-a-cursor", 3, 0};
    CHECK(shop_browse_category(r, &p, cat, &bad, &err) != 0);
    shop__product__page_free(&p);
    ddb_error_clear(&err);
    close_shop();
}

TEST(category_tree_children_and_path)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t books = new_category(r, "Books", 0);
    int64_t fiction = new_category(r, "Fiction", books);
    int64_t art = new_category(r, "Art", books);
    int64_t scifi = new_category(r, "Science Fiction", fiction);
    REQUIRE(books && fiction && art && scifi);
    ddb_error err = DDB_ERROR_INIT;

    shop__category *path = NULL;
    size_t n = 0;
    CHECK_INT(shop_category_path(r, &path, &n, scifi, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(path[0].name, "Books");
        CHECK_STR(path[1].name, "Fiction");
        CHECK_STR(path[2].name, "Science Fiction");
        CHECK(!path[0].has_parent_id);
        CHECK_INT(path[2].parent_id, fiction);
    }
    shop_category_path_free(path, n);
    CHECK_INT(shop_category_path(r, &path, &n, books, &err), 0);
    CHECK_INT(n, 1);
    shop_category_path_free(path, n);

    shop__category__page kids = {0, NULL, NULL};
    CHECK_INT(shop_category_children(r, &kids, books, NULL, &err), 0);
    CHECK_INT(kids.n_items, 2);
    if (kids.n_items == 2) { /* by name */
        CHECK_STR(kids.items[0].name, "Art");
        CHECK_STR(kids.items[1].name, "Fiction");
    }
    shop__category__page_free(&kids);
    CHECK_INT(shop_category_children(r, &kids, scifi, NULL, &err), 0);
    CHECK_INT(kids.n_items, 0);
    shop__category__page_free(&kids);

    /* A parent that does not exist is refused. */
    shop__category c = SHOP__CATEGORY__INIT;
    CHECK_INT(shop_add_category(r, &c, "Orphan", 999999999, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "category_id 999999999");
    ddb_error_clear(&err);
    close_shop();
}

TEST(order_history_newest_first_in_pages)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), buyer = new_user(r, "buyer");
    int64_t cat = new_category(r, "Tea", 0);
    int64_t tea = new_product(r, seller, cat, "Green tea", 650, 20);
    REQUIRE(seller && buyer && cat && tea);
    ddb_error err = DDB_ERROR_INIT;
    int64_t placed[3];
    for (int i = 0; i < 3; i++) {
        CHECK_INT(shop_cart_add(r, buyer, tea, i + 1, &err), 0);
        shop__order o = SHOP__ORDER__INIT;
        CHECK_INT(shop_checkout(r, &o, buyer, &err), 0);
        placed[i] = o.order_id;
        shop__order__free(&o);
    }
    int64_t ids[8];
    size_t pages = 0;
    CHECK_INT(history(r, buyer, ids, 8, 1, &pages), 3);
    CHECK(pages >= 3);
    CHECK_INT(ids[0], placed[2]);
    CHECK_INT(ids[1], placed[1]);
    CHECK_INT(ids[2], placed[0]);
    CHECK_INT(stock_of(r, tea), 20 - 6);

    /* Completing an order moves it between the status lists. */
    CHECK_INT(shop_complete_order(r, placed[0], &err), 0);
    CHECK(in_status(r, SHOP_ORDER_COMPLETED, placed[0]));
    CHECK(!in_status(r, SHOP_ORDER_PENDING, placed[0]));
    CHECK(in_status(r, SHOP_ORDER_PENDING, placed[1]));
    CHECK_INT(shop_cancel_order(r, buyer, placed[0], &err), DDB_ERR_CONDITION_FAILED);
    ddb_error_clear(&err);
    close_shop();
}

TEST(cart_add_change_remove_with_totals)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), buyer = new_user(r, "buyer");
    int64_t cat = new_category(r, "Office", 0);
    int64_t pen = new_product(r, seller, cat, "Pen", 199, 100);
    int64_t pad = new_product(r, seller, cat, "Notepad", 349, 100);
    REQUIRE(seller && buyer && cat && pen && pad);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(shop_cart_add(r, buyer, pen, 1, &err), 0);
    CHECK_INT(shop_cart_add(r, buyer, pen, 2, &err), 0); /* adds up */
    CHECK_INT(shop_cart_add(r, buyer, pad, 1, &err), 0);
    shop_cart cart = {0, NULL, 0, 0};
    CHECK_INT(shop_cart_view(r, &cart, buyer, &err), 0);
    CHECK_INT(cart.n_lines, 2);
    CHECK_INT(cart.n_units, 4);
    CHECK_INT(cart.total_cents, 3 * 199 + 349);
    shop_cart_free(&cart);

    CHECK_INT(shop_cart_set_quantity(r, buyer, pen, 10, &err), 0);
    CHECK_INT(shop_cart_view(r, &cart, buyer, &err), 0);
    CHECK_INT(cart.total_cents, 10 * 199 + 349);
    shop_cart_free(&cart);

    CHECK_INT(shop_cart_remove(r, buyer, pad, &err), 0);
    CHECK_INT(shop_cart_set_quantity(r, buyer, pen, 0, &err), 0);
    CHECK_INT(cart_lines(r, buyer), 0);

    CHECK_INT(shop_cart_add(r, buyer, pen, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "quantity");
    CHECK_INT(shop_cart_add(r, buyer, 999999999, 1, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "product_id 999999999");
    shop__order o = SHOP__ORDER__INIT;
    CHECK_INT(shop_checkout(r, &o, buyer, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "empty");
    ddb_error_clear(&err);
    close_shop();
}

TEST(sellers_manage_their_products)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), rival = new_seller(r), customer = new_user(r, "customer");
    int64_t cat = new_category(r, "Tools", 0);
    REQUIRE(seller && rival && customer && cat);
    ddb_error err = DDB_ERROR_INIT;
    shop__product p = SHOP__PRODUCT__INIT;
    CHECK_INT(shop_add_product(r, &p, customer, cat, "Hammer", NULL, 1500, 1, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "not a seller");
    CHECK_INT(shop_add_product(r, &p, seller, cat, "Hammer", NULL, -1, 1, &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "price_cents");
    int64_t hammer = new_product(r, seller, cat, "Hammer", 1500, 1);
    REQUIRE(hammer);

    CHECK_INT(shop_update_product(r, rival, hammer, "Cheap hammer", 100, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_INT(shop_update_product(r, seller, hammer, "Claw hammer", 1750, &err), 0);
    CHECK_INT(shop_restock(r, seller, hammer, 9, &err), 0);
    CHECK_INT(shop_restock(r, rival, hammer, 9, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_INT(shop_restock(r, seller, hammer, 0, &err), DDB_ERR_INVALID_ARG);
    bool found = false;
    CHECK_INT(r->product__get_product(r, &p, &found, hammer, &err), 0);
    CHECK_STR(p.name, "Claw hammer");
    CHECK_INT(p.price_cents, 1750);
    CHECK_INT(p.inventory, 10);
    shop__product__free(&p);
    ddb_error_clear(&err);
    close_shop();
}

/*
 * An application whose structs carry no version: update with ddb_version 0 (no check, the stored
 * version + 1 back), delete of a missing cart line (delete_missing "not_found"), and pages by
 * offset, alike on every backend.
 */
TEST(writes_without_versions_and_offset_pages)
{
    shop__repo *r = open_shop();
    REQUIRE(r);
    int64_t seller = new_seller(r), buyer = new_user(r, "blind");
    int64_t cat = new_category(r, "Garden", 0);
    REQUIRE(seller && buyer && cat);
    int64_t rake = new_product(r, seller, cat, "Rake", 900, 10);
    REQUIRE(rake);
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(shop_cart_add(r, buyer, rake, 2, &err) == 0);

    shop__cart_item__page lines = {0, NULL, NULL};
    shop__page_request all = {NULL, 0, 0};
    REQUIRE(r->cart_item__cart_items(r, &lines, buyer, &all, &err) == 0);
    REQUIRE(lines.n_items == 1);
    shop__cart_item line = lines.items[0], got = SHOP__CART_ITEM__INIT;
    lines.n_items = 0; /* line owns its strings now */
    shop__cart_item__page_free(&lines);
    int64_t stored = line.ddb_version;
    line.ddb_version = 0; /* as an application that never kept it */
    line.quantity = 7;
    CHECK_INT(r->cart_item__update(r, &line, &err), 0);
    CHECK_INT(line.ddb_version, stored + 1);
    bool found = false;
    CHECK_INT(r->cart_item__get(r, &got, &found, &line, &err), 0);
    CHECK(found);
    CHECK_INT(got.quantity, 7);
    CHECK_INT(got.ddb_version, stored + 1);
    shop__cart_item__free(&got);

    line.ddb_version = 0;
    CHECK_INT(r->cart_item__delete(r, &line, &err), 0);
    CHECK_INT(r->cart_item__delete(r, &line, &err), DDB_ERR_ITEM_NOT_FOUND);
    line.ddb_version = 3; /* versioned: missing is still not found, not stale */
    CHECK_INT(r->cart_item__delete(r, &line, &err), DDB_ERR_ITEM_NOT_FOUND);
    line.ddb_version = 0;
    CHECK_INT(r->cart_item__update(r, &line, &err), DDB_ERR_ITEM_NOT_FOUND);
    shop__cart_item__free(&line);
    /* a category keeps delete_missing "succeed": deleting nothing succeeds */
    shop__category gone = SHOP__CATEGORY__INIT;
    gone.category_id = 987654321;
    CHECK_INT(r->category__delete(r, &gone, &err), 0);

    /* offset pages: the listing order, then pages that start past its first items */
    int64_t order[8];
    size_t n_order = 0;
    for (int i = 1; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof(name), "Hoe %d", i);
        REQUIRE(new_product(r, seller, cat, name, 500 + i, 1));
    }
    shop__product__page p = {0, NULL, NULL};
    REQUIRE(shop_browse_category(r, &p, cat, &all, &err) == 0);
    for (size_t i = 0; i < p.n_items && n_order < 8; i++)
        order[n_order++] = p.items[i].product_id;
    shop__product__page_free(&p);
    REQUIRE(n_order == 6);
    shop__page_request by_offset = {NULL, 2, 3};
    REQUIRE(shop_browse_category(r, &p, cat, &by_offset, &err) == 0);
    REQUIRE(p.n_items == 2);
    CHECK_INT(p.items[0].product_id, order[3]);
    CHECK_INT(p.items[1].product_id, order[4]);
    REQUIRE(p.cursor);
    shop__page_request next = {p.cursor, 10, 0};
    p.cursor = NULL;
    shop__product__page_free(&p);
    REQUIRE(shop_browse_category(r, &p, cat, &next, &err) == 0);
    free((char *)next.cursor);
    REQUIRE(p.n_items == 1);
    CHECK_INT(p.items[0].product_id, order[5]);
    shop__product__page_free(&p);
    by_offset.offset = 6;
    REQUIRE(shop_browse_category(r, &p, cat, &by_offset, &err) == 0);
    CHECK_INT(p.n_items, 0);
    CHECK(p.cursor == NULL);
    shop__product__page_free(&p);
    shop__page_request both = {"a-cursor", 2, 1};
    CHECK_INT(shop_browse_category(r, &p, cat, &both, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "page.offset 1 with page.cursor: give one or the other");
    ddb_error_clear(&err);
    close_shop();
}

TEST_MAIN(CASE(checkout_with_enough_stock), CASE(checkout_with_too_little_stock_changes_nothing),
          CASE(concurrent_checkouts_of_the_last_item_one_wins), CASE(cancel_restores_stock),
          CASE(duplicate_username_or_email_rejected), CASE(browse_pages_across_inserts),
          CASE(category_tree_children_and_path), CASE(order_history_newest_first_in_pages),
          CASE(cart_add_change_remove_with_totals), CASE(sellers_manage_their_products),
          CASE(writes_without_versions_and_offset_pages))
