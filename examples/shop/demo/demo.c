/*
 * shop_demo: the shop moves from MariaDB to DynamoDB through the five migration phases while it
 * keeps serving a scripted workload. `make demo` (scripts/demo) runs it against a private MariaDB
 * and DynamoDB Local; it needs SHOP_BACKEND=migrate with SHOP_MIGRATION_PRIMARY=mysql and the
 * usual variables (examples/shop/src/backend.h).
 *
 * It uses only what an application has: shop_app.h for the business operations and backend.h
 * for the phase switch, the journal replay, the backfill and the comparison. To show the
 * counts of each side and to stage two incidents it also opens the two stores on their own
 * (SHOP_BACKEND=mysql and SHOP_BACKEND=dynamodb, same database and tables):
 *   phase 2: (after the backfill, which runs as soon as dual writes are on, so it misses nothing)
 *            a user planted in DynamoDB under the ID MariaDB assigns next makes the dual write
 *            fail there; the call still succeeds, the key goes to the journal, replay repairs it;
 *   phase 3: a price changed behind the application's back in DynamoDB is caught by the
 *            compared read, which names the field; copying MariaDB's row again repairs it.
 * Exit status 0 only when the stores end equal (compare_all finds no difference) and phase 5's
 * new IDs continue MariaDB's sequence.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "shop.h"
#include "shop_app.h"
#include "shop_router.h"

#define MAX_SAMPLES 4096

/* What one phase did, for its table and the summary. */
typedef struct phase_log {
    const char *title;
    const char *short_title; /* for the summary */
    int ops, failed_ops;
    double ms[MAX_SAMPLES];
    ddb_router_stats before, after;
} phase_log;

static shop_backend *backend;
static shop__repo *app;          /* the router: what the application uses */
static shop_backend *mysql_view; /* the two stores, each on its own */
static shop_backend *ddb_view;
static phase_log phases[6];
static phase_log *cur;
static ddb_error err = DDB_ERROR_INIT;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, int rc)
{
    fflush(stdout);
    fprintf(stderr, "shop_demo: %s: %s: %s\n", what, ddb_error_code_name(rc), err.message);
    exit(1);
}

/* Times one application call; an unexpected failure stops the demo. */
#define STEP(what, call)                                                                           \
    do {                                                                                           \
        double t0_ = now_ms();                                                                     \
        int rc_ = (call);                                                                          \
        if (cur->ops < MAX_SAMPLES)                                                                \
            cur->ms[cur->ops] = now_ms() - t0_;                                                    \
        cur->ops++;                                                                                \
        if (rc_)                                                                                   \
            die(what, rc_);                                                                        \
    } while (0)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double p50(phase_log *p)
{
    int n = p->ops < MAX_SAMPLES ? p->ops : MAX_SAMPLES;
    if (n == 0)
        return 0;
    double *copy = malloc((size_t)n * sizeof(double));
    if (!copy)
        return 0;
    memcpy(copy, p->ms, (size_t)n * sizeof(double));
    qsort(copy, (size_t)n, sizeof(double), cmp_double);
    double v = copy[(n - 1) / 2];
    free(copy);
    return v;
}

static void begin_phase(int phase, const char *title, const char *short_title)
{
    printf("\nPhase %d: %s\n", phase, title);
    fflush(stdout);
    if (phase > 1) {
        int rc = shop_backend_set_phase(backend, phase, &err);
        if (rc)
            die("switching phase", rc);
    }
    cur = &phases[phase];
    cur->title = title;
    cur->short_title = short_title;
    shop__router_stats(app, &cur->before);
}

static void end_phase(int phase)
{
    phase_log *p = &phases[phase];
    shop__router_stats(app, &p->after);
    ddb_router_stats *a = &p->after, *b = &p->before;
    char rel[32], ddb[32];
    snprintf(rel, sizeof(rel), "%" PRIu64 " / %" PRIu64,
             a->reads[DDB_ROUTER_RELATIONAL] - b->reads[DDB_ROUTER_RELATIONAL],
             a->writes[DDB_ROUTER_RELATIONAL] - b->writes[DDB_ROUTER_RELATIONAL]);
    snprintf(ddb, sizeof(ddb), "%" PRIu64 " / %" PRIu64,
             a->reads[DDB_ROUTER_DYNAMODB] - b->reads[DDB_ROUTER_DYNAMODB],
             a->writes[DDB_ROUTER_DYNAMODB] - b->writes[DDB_ROUTER_DYNAMODB]);
    printf("  %10s  %11s  %20s  %21s  %10s  %15s\n", "operations", "p50 latency",
           "MariaDB reads/writes", "DynamoDB reads/writes", "mismatches", "journal entries");
    printf("  %10d  %8.2f ms  %20s  %21s  %10" PRIu64 "  %15" PRIu64 "\n", p->ops, p50(p), rel, ddb,
           a->mismatches - b->mismatches, a->journal_entries - b->journal_entries);
    fflush(stdout);
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

/* ---- the scripted shop ------------------------------------------------------------------- */

typedef struct world {
    int64_t roots[3], leaves[6];
    int64_t sellers[8];
    int n_sellers;
    int64_t buyers[64];
    int n_buyers;
    int64_t products[128];
    int n_products;
    int64_t orders[128];
    int n_orders;
    int next_user; /* for unique names */
} world;

static world W;

static int64_t add_user(bool seller)
{
    char name[64], email[96];
    int k = W.next_user++;
    snprintf(name, sizeof(name), "%s%02d", seller ? "seller" : "buyer", k);
    snprintf(email, sizeof(email), "%s@shop.example", name);
    shop__user u = {0};
    STEP("register", shop_register(app, &u, name, email, seller ? "A Seller" : "A Buyer", &err));
    int64_t id = u.user_id;
    shop__user__free(&u);
    if (seller) {
        STEP("become seller", shop_become_seller(app, id, &err));
        W.sellers[W.n_sellers++] = id;
    } else {
        W.buyers[W.n_buyers++] = id;
    }
    return id;
}

static int64_t add_product(int k)
{
    char name[64];
    snprintf(name, sizeof(name), "Item %03d", W.n_products + 1);
    shop__product p = {0};
    STEP("add product",
         shop_add_product(app, &p, W.sellers[k % W.n_sellers], W.leaves[k % 6], name,
                          "Demo product", 250 + (int64_t)(k % 9) * 125, 40 + k % 25, &err));
    int64_t id = p.product_id;
    W.products[W.n_products++] = id;
    shop__product__free(&p);
    return id;
}

/* Browsing and looking at carts and orders: the reads a shop mostly does. */
static void browse(int rounds)
{
    for (int i = 0; i < rounds; i++) {
        shop__product__page page = {0};
        shop__page_request req = {NULL, 10, 0};
        STEP("browse category", shop_browse_category(app, &page, W.leaves[i % 6], &req, &err));
        shop__product__page_free(&page);
        STEP("browse seller",
             shop_browse_seller(app, &page, W.sellers[i % W.n_sellers], &req, &err));
        shop__product__page_free(&page);
        shop__category *path = NULL;
        size_t n_path = 0;
        STEP("category path", shop_category_path(app, &path, &n_path, W.leaves[i % 6], &err));
        shop_category_path_free(path, n_path);
        shop_cart cart = {0};
        STEP("view cart", shop_cart_view(app, &cart, W.buyers[i % W.n_buyers], &err));
        shop_cart_free(&cart);
        shop__order__page orders = {0};
        STEP("order history",
             shop_order_history(app, &orders, W.buyers[i % W.n_buyers], &req, &err));
        shop__order__page_free(&orders);
    }
}

/* Buyers fill carts, change them, and check out. */
static void shop_around(int checkouts, int first_buyer)
{
    for (int i = 0; i < checkouts; i++) {
        int64_t buyer = W.buyers[(first_buyer + i) % W.n_buyers];
        int64_t a = W.products[(i * 7) % W.n_products], b = W.products[(i * 7 + 3) % W.n_products];
        STEP("cart add", shop_cart_add(app, buyer, a, 1, &err));
        STEP("cart add", shop_cart_add(app, buyer, b, 2, &err));
        STEP("cart change", shop_cart_set_quantity(app, buyer, b, 1, &err));
        shop__order order = {0};
        STEP("checkout", shop_checkout(app, &order, buyer, &err));
        W.orders[W.n_orders++] = order.order_id;
        shop__order__free(&order);
    }
}

/* ---- the two stores, each on its own ------------------------------------------------------ */

static shop_backend *open_view(const char *kind)
{
    const char *saved = getenv("SHOP_BACKEND");
    char *copy = saved ? strdup(saved) : NULL;
    setenv("SHOP_BACKEND", kind, 1);
    shop_backend *b = NULL;
    int rc = shop_backend_open(&b, &err);
    if (copy) {
        setenv("SHOP_BACKEND", copy, 1);
        free(copy);
    }
    if (rc)
        die(kind, rc);
    return b;
}

#define COUNT_ENTITY(fn_name, E)                                                                   \
    static long fn_name(shop__repo *r)                                                             \
    {                                                                                              \
        long n = 0;                                                                                \
        char *cursor = NULL;                                                                       \
        do {                                                                                       \
            shop__##E##__page page = {0};                                                          \
            shop__page_request req = {cursor, 100, 0};                                             \
            int rc = r->E##__list(r, &page, &req, &err);                                           \
            free(cursor);                                                                          \
            cursor = NULL;                                                                         \
            if (rc)                                                                                \
                die("listing " #E, rc);                                                            \
            n += (long)page.n_items;                                                               \
            if (page.cursor)                                                                       \
                cursor = strdup(page.cursor);                                                      \
            shop__##E##__page_free(&page);                                                         \
        } while (cursor);                                                                          \
        return n;                                                                                  \
    }
COUNT_ENTITY(count_users, user)
COUNT_ENTITY(count_categories, category)
COUNT_ENTITY(count_products, product)
COUNT_ENTITY(count_cart_items, cart_item)
COUNT_ENTITY(count_orders, order)
COUNT_ENTITY(count_order_items, order_item)

static int64_t max_id(shop__repo *r, shop__kind kind)
{
    int64_t v = 0;
    int rc = r->max_id(r, kind, &v, &err);
    if (rc)
        die("max_id", rc);
    return v;
}

/* Phase 2's incident: a user planted in DynamoDB under the ID MariaDB gives next. */
static int64_t plant_user(void)
{
    shop__repo *rel = shop_backend_repo(mysql_view), *ddb = shop_backend_repo(ddb_view);
    char username[] = "squatter", email[] = "squatter@elsewhere.example",
         full_name[] = "Written straight into DynamoDB", created_at[] = "2024-01-01T00:00:00Z";
    shop__user u = {0};
    u.user_id = max_id(rel, SHOP__KIND_USER) + 1;
    u.username = username;
    u.email = email;
    u.full_name = full_name;
    u.created_at = created_at;
    int rc = ddb->user__create(ddb, &u, &err);
    if (rc)
        die("planting a user in DynamoDB", rc);
    return u.user_id;
}

/* Phase 3's incident: a price changed in DynamoDB only. Returns the product's ID. */
static int64_t tamper_price(shop__product *original)
{
    shop__repo *ddb = shop_backend_repo(ddb_view);
    shop__product key = {0}, p = {0};
    key.product_id = W.products[0];
    bool found = false;
    int rc = ddb->product__get(ddb, &p, &found, &key, &err);
    if (rc || !found)
        die("reading the product to tamper with", rc ? rc : DDB_ERR_INVALID_ARG);
    *original = p;
    shop__product changed = p;
    changed.price_cents = p.price_cents + 1; /* one cent: enough to be caught */
    rc = ddb->product__mirror(ddb, &changed, &key, &err);
    if (rc)
        die("changing the price in DynamoDB", rc);
    return key.product_id;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    double started = now_ms();
    int rc = shop_backend_open(&backend, &err);
    if (rc)
        die("opening the backend", rc);
    app = shop_backend_repo(backend);
    if (missing_member(app)) {
        fprintf(stderr, "shop_demo: the router has no %s member yet\n", missing_member(app));
        return 1;
    }
    if (shop__router_phase(app) != 1) {
        fprintf(stderr, "shop_demo: start with SHOP_BACKEND=migrate SHOP_MIGRATION_PHASE=1\n");
        return 1;
    }
    mysql_view = open_view("mysql");
    ddb_view = open_view("dynamodb");
    printf("The shop runs on %s; every call goes through the generated migration router.\n",
           shop_backend_describe(backend));
    printf("Each phase below runs the same kind of shop traffic and shows what the router did.\n");

    /* ---- 1 ---- */
    begin_phase(1, "MariaDB only (the application as it was)", "MariaDB only");
    const char *root_names[3] = {"Books", "Kitchen", "Garden"};
    for (int i = 0; i < 3; i++) {
        shop__category c = {0};
        STEP("add category", shop_add_category(app, &c, root_names[i], 0, &err));
        W.roots[i] = c.category_id;
        shop__category__free(&c);
    }
    for (int i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s shelf %d", root_names[i % 3], i / 3 + 1);
        shop__category c = {0};
        STEP("add category", shop_add_category(app, &c, name, W.roots[i % 3], &err));
        W.leaves[i] = c.category_id;
        shop__category__free(&c);
    }
    for (int i = 0; i < 3; i++)
        add_user(true);
    for (int i = 0; i < 12; i++)
        add_user(false);
    for (int i = 0; i < 24; i++)
        add_product(i);
    shop_around(8, 0);
    browse(6);
    STEP("cancel order", shop_cancel_order(app, W.buyers[1], W.orders[1], &err));
    STEP("complete order", shop_complete_order(app, W.orders[2], &err));
    printf("  9 categories, 15 users, 24 products, 8 orders (1 cancelled, 1 completed)\n");
    end_phase(1);

    /* ---- 2 ---- */
    begin_phase(2, "writes go to MariaDB, then to DynamoDB; reads come from MariaDB",
                "both written, MariaDB read");
    /* Dual writes are on from here, so the backfill (before phase 3) misses nothing; done first,
       the rows that phase 2 updates are already in DynamoDB. */
    double t_backfill = now_ms();
    if ((rc = shop_backend_backfill(backend, &err)))
        die("backfill", rc);
    printf("  backfill: every MariaDB row copied into DynamoDB in %.1f s\n",
           (now_ms() - t_backfill) / 1000.0);
    int64_t planted = plant_user();
    printf("  incident: user %" PRId64 " is written straight into DynamoDB, where the next "
           "registration\n  (MariaDB gives it ID %" PRId64 ") must then fail:\n",
           planted, planted);
    fflush(stdout);
    int64_t collided = add_user(false);
    printf("  user %" PRId64 " is registered anyway (MariaDB is the truth); the failed DynamoDB "
           "write is journaled\n",
           collided);
    for (int i = 0; i < 4; i++)
        add_user(false);
    add_user(true);
    for (int i = 0; i < 8; i++)
        add_product(24 + i);
    STEP("restock", shop_restock(app, W.sellers[0], W.products[0], 10, &err));
    STEP("update profile",
         shop_update_profile(app, W.buyers[0], "buyer00@new.example", NULL, &err));
    shop_around(8, 4);
    browse(4);
    end_phase(2);
    size_t replayed = 0;
    if ((rc = shop_backend_replay(backend, &replayed, &err)))
        die("replaying the journal", rc);
    printf("  replay: %zu journal entr%s applied; DynamoDB's user %" PRId64 " is now MariaDB's\n",
           replayed, replayed == 1 ? "y" : "ies", collided);

    /* ---- 3 ---- */
    begin_phase(3, "writes go to both; reads go to both and are compared, MariaDB answers",
                "both written, both read and compared");
    browse(4);
    shop__product original = {0};
    int64_t tampered = tamper_price(&original);
    printf("  incident: product %" PRId64 "'s price was changed in DynamoDB only; the next read "
           "compares:\n",
           tampered);
    fflush(stdout);
    shop__product seen = {0};
    shop__product key = {0};
    key.product_id = tampered;
    bool found = false;
    STEP("get product", app->product__get(app, &seen, &found, &key, &err));
    printf("  the application still saw %" PRId64 " cents (MariaDB's price)\n", seen.price_cents);
    shop__product__free(&seen);
    shop__repo *ddb = shop_backend_repo(ddb_view);
    if ((rc = ddb->product__mirror(ddb, &original, &key, &err)))
        die("repairing the product", rc);
    shop__product__free(&original);
    printf("  repaired by copying MariaDB's row into DynamoDB again\n");
    shop_around(6, 8);
    browse(4);
    end_phase(3);

    /* ---- 4 ---- */
    begin_phase(4, "writes go to both; reads come from DynamoDB", "both written, DynamoDB read");
    browse(6);
    shop_around(6, 2);
    STEP("cancel order",
         shop_cancel_order(app, W.buyers[(2 + 1) % W.n_buyers], W.orders[W.n_orders - 5], &err));
    end_phase(4);

    /* ---- proof ---- */
    printf("\nProof: are the two stores equal before DynamoDB takes over?\n");
    shop__repo *rel = shop_backend_repo(mysql_view);
    struct {
        const char *name;
        long (*count)(shop__repo *);
    } entities[] = {{"users", count_users},       {"categories", count_categories},
                    {"products", count_products}, {"cart items", count_cart_items},
                    {"orders", count_orders},     {"order items", count_order_items}};
    printf("  %-12s %8s %9s\n", "entity", "MariaDB", "DynamoDB");
    bool counts_equal = true;
    for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
        long a = entities[i].count(rel), b = entities[i].count(ddb);
        counts_equal = counts_equal && a == b;
        printf("  %-12s %8ld %9ld%s\n", entities[i].name, a, b, a == b ? "" : "   <- differs");
    }
    size_t differences = 0;
    if ((rc = shop_backend_compare(backend, &differences, &err)))
        die("compare_all", rc);
    printf("  compare_all, field by field over every entity: %zu difference%s\n", differences,
           differences == 1 ? "" : "s");

    /* ---- 5 ---- */
    int64_t before_user = max_id(rel, SHOP__KIND_USER),
            before_product = max_id(rel, SHOP__KIND_PRODUCT),
            before_order = max_id(rel, SHOP__KIND_ORDER);
    begin_phase(5, "DynamoDB only; its ID counters continue MariaDB's sequences", "DynamoDB only");
    int64_t new_user = add_user(false);
    int64_t new_product = add_product(5);
    shop_around(1, W.n_buyers - 1);
    int64_t new_order = W.orders[W.n_orders - 1];
    browse(2);
    printf("  %-9s %18s %8s\n", "entity", "last MariaDB ID", "new ID");
    printf("  %-9s %18" PRId64 " %8" PRId64 "\n", "user", before_user, new_user);
    printf("  %-9s %18" PRId64 " %8" PRId64 "\n", "product", before_product, new_product);
    printf("  %-9s %18" PRId64 " %8" PRId64 "\n", "order", before_order, new_order);
    bool ids_continue =
        new_user > before_user && new_product > before_product && new_order > before_order;
    end_phase(5);

    /* ---- summary ---- */
    printf("\nSummary\n  %-5s %-36s %10s %10s %15s %11s\n", "phase", "", "operations", "mismatches",
           "journal entries", "p50 latency");
    for (int p = 1; p <= 5; p++) {
        ddb_router_stats *a = &phases[p].after, *b = &phases[p].before;
        printf("  %-5d %-36s %10d %10" PRIu64 " %15" PRIu64 " %8.2f ms\n", p, phases[p].short_title,
               phases[p].ops, a->mismatches - b->mismatches,
               a->journal_entries - b->journal_entries, p50(&phases[p]));
    }
    bool ok = differences == 0 && counts_equal && ids_continue;
    printf("\n%s in %.1f s: %s\n", ok ? "Done" : "FAILED", (now_ms() - started) / 1000.0,
           ok ? "DynamoDB held exactly MariaDB's data at the switch, and new IDs continue "
                "MariaDB's sequences."
              : "the stores differ or the IDs do not continue (see above).");

    shop_backend_close(ddb_view);
    shop_backend_close(mysql_view);
    shop_backend_close(backend);
    ddb_error_clear(&err);
    return ok ? 0 : 1;
}
