/*
 * The migration scenarios of issue 5, end to end: MariaDB is the relational primary, DynamoDB
 * Local the new store, the generated router (shop_router.h) sits between them, and the business
 * writes go through the shop's application layer (shop_app.h).
 *
 *   phase2_writes_read_back_equal_in_phase4      what phase 2 wrote, phase 4 reads back from
 *                                                DynamoDB equal, entity by entity
 *   dynamodb_outage_in_phase2_is_journaled_and_replayed
 *                                                DynamoDB stops mid phase 2: every call succeeds,
 *                                                the journal holds the missed writes, a replay
 *                                                makes both sides equal, a second is harmless
 *   phase3_read_names_field_changed_in_dynamodb  an item changed behind the router's back is
 *                                                reported by the next read, field named
 *   phase5_ids_continue_relational_sequence      records created in phase 5 take IDs above the
 *                                                relational ones, same type
 *
 * Every case has its own MariaDB database (created here, dropped at the end), its own DynamoDB
 * table prefix and its own journal, so cases run in parallel with each other and with the shop's
 * suites on the shared fixtures. The first case opens the router the way the shop does
 * (backend.h, configured by the environment); the others assemble it from its parts
 * (ddb_sql + shop_sql_repo + shop__ddb_repo + shop__router_new) because they need what the backend
 * keeps private: the router's log hook, the DynamoDB client and each side's repository.
 *
 * Environment (set by tests/migration.cmake): DDB_TEST_LOCAL_STATE and DDB_TEST_MARIADB_STATE,
 * the fixtures' state directories; SHOP_MIGRATION_WORK, a directory for journals and the private
 * DynamoDB Local; SHOP_DDB_LOCAL_PERSISTENT, the script that runs it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ddb/sql/sqldb.h"
#include "shop_app.h"
#include "shop_router.h"
#include "shop_sql_repo.h"
#include "test.h"

/* ---- environment ---------------------------------------------------------------------------- */

/* The first line of dir/name into buf; false when there is none. */
static bool read_line(const char *dir, const char *name, char *buf, size_t cap)
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

static const char *work_dir(void)
{
    const char *w = getenv("SHOP_MIGRATION_WORK");
    return w && *w ? w : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
}

/* A name for this case and run, unique across parallel runs: <base>_<pid>_<seconds>. */
static void unique_name(char *buf, size_t cap, const char *base)
{
    snprintf(buf, cap, "%s_%ld_%ld", base, (long)getpid(), (long)(time(NULL) % 1000000));
}

/* ---- the case's own MariaDB database -------------------------------------------------------- */

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

/*
 * The fixture's URL ("mariadb://root@/shop?socket=...") with the database replaced by name.
 * A database per case keeps compare_all, which compares every entity, to the case's records.
 */
static bool database_url(char *out, size_t cap, const char *fixture_url, const char *name)
{
    const char *at = strstr(fixture_url, "@/");
    if (!at)
        return false;
    const char *query = strchr(at, '?');
    int n = snprintf(out, cap, "%.*s@/%s%s", (int)(at - fixture_url), fixture_url, name,
                     query ? query : "");
    return n > 0 && (size_t)n < cap;
}

static bool create_database(char *url, size_t cap, const char *name)
{
    char fixture[1024], sql[256];
    if (!read_line(getenv("DDB_TEST_MARIADB_STATE"), "url", fixture, sizeof(fixture))) {
        fprintf(stderr, "no MariaDB: $DDB_TEST_MARIADB_STATE/url is missing (fixture mariadb)\n");
        return false;
    }
    if (!database_url(url, cap, fixture, name)) {
        fprintf(stderr, "unexpected MariaDB URL from the fixture: %s\n", fixture);
        return false;
    }
    snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
             name);
    ddb_error err = DDB_ERROR_INIT;
    int rc = sql_on(fixture, sql, &err);
    if (rc)
        fprintf(stderr, "CREATE DATABASE %s: %s\n", name, err.message);
    ddb_error_clear(&err);
    return rc == 0;
}

static void drop_database(const char *name)
{
    char fixture[1024], sql[256];
    if (!read_line(getenv("DDB_TEST_MARIADB_STATE"), "url", fixture, sizeof(fixture)))
        return;
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", name);
    ddb_error err = DDB_ERROR_INIT;
    if (sql_on(fixture, sql, &err))
        fprintf(stderr, "DROP DATABASE %s: %s\n", name, err.message);
    ddb_error_clear(&err);
}

/* ---- the router's log ----------------------------------------------------------------------- */

/* Every line the router logs, kept for the checks and echoed to stderr for the CTest log. */
#define LOG_CAP (1u << 20)
typedef struct log_buf {
    char *text;
    size_t len, cap;
} log_buf;

static void log_line(void *ctx, const char *line)
{
    log_buf *b = ctx;
    fprintf(stderr, "router log: %s\n", line);
    size_t n = strlen(line);
    if (b->len + n + 2 > LOG_CAP)
        return; /* the checks look at a few lines; a runaway log must not eat the memory */
    if (b->len + n + 2 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 2)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return;
        b->text = t;
        b->cap = cap;
    }
    memcpy(b->text + b->len, line, n);
    b->len += n;
    b->text[b->len++] = '\n';
    b->text[b->len] = '\0';
}

static void log_reset(log_buf *b)
{
    b->len = 0;
    if (b->text)
        b->text[0] = '\0';
}

/* The log line that contains needle (a copy in buf), or NULL. */
static const char *log_find(const log_buf *b, const char *needle, char *buf, size_t cap)
{
    const char *hit = b->text ? strstr(b->text, needle) : NULL;
    if (!hit)
        return NULL;
    const char *start = hit;
    while (start > b->text && start[-1] != '\n')
        start--;
    size_t n = strcspn(start, "\n");
    snprintf(buf, cap, "%.*s", (int)n, start);
    return buf;
}

/* ---- the router, assembled from its parts -------------------------------------------------- */

typedef struct mig {
    char name[64]; /* database and table prefix */
    char journal[1024];
    char prefix[80];
    ddb_sql *db;
    ddb_client *client;
    shop__repo *relational; /* MariaDB */
    shop__repo *dynamodb;
    shop__repo *router;
    log_buf log;
    bool have_database;
} mig;

/* The counter table behind phase 5's IDs; shop__create_tables makes it when the model needs it,
   and this makes sure of it either way. */
static int counter_table(mig *m, ddb_error *err)
{
    int rc = shop__create_counter_table(m->client, m->prefix, err);
    if (rc == DDB_ERR_RESOURCE_IN_USE) {
        ddb_error_clear(err);
        rc = 0;
    }
    return rc;
}

/*
 * Opens the case's router in phase over a fresh database and fresh tables on endpoint.
 * max_attempts bounds the client's retries (a stopped DynamoDB Local should fail fast).
 */
static bool mig_open(mig *m, const char *base, const char *endpoint, int phase, int max_attempts)
{
    memset(m, 0, sizeof(*m));
    unique_name(m->name, sizeof(m->name), base);
    snprintf(m->prefix, sizeof(m->prefix), "%s_", m->name);
    snprintf(m->journal, sizeof(m->journal), "%s/%s.jsonl", work_dir(), m->name);
    unlink(m->journal);
    char url[1200];
    if (!(m->have_database = create_database(url, sizeof(url), m->name)))
        return false;

    ddb_error err = DDB_ERROR_INIT;
    ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
    co.endpoint = endpoint;
    co.max_attempts = max_attempts;
    shop__ddb_options dopts = SHOP__DDB_OPTIONS_INIT;
    dopts.table_prefix = m->prefix;
    dopts.consistent_reads = true;
    shop__router_options ro = SHOP__ROUTER_OPTIONS_INIT;
    ro.phase = phase;
    ro.journal_path = m->journal;
    ro.log = log_line;
    ro.log_ctx = &m->log;
    const char *step = "ddb_sql_open";
    int rc = ddb_sql_open(&m->db, url, &err);
    if (!rc) {
        step = "schema";
        rc = shop_sql_apply_schema(m->db, &err);
    }
    if (!rc) {
        step = "relational repository";
        rc = shop_sql_repo_new(&m->relational, m->db, false, &err);
    }
    if (!rc) {
        step = "client";
        rc = ddb_client_new(&m->client, &co, &err);
    }
    if (!rc) {
        step = "tables";
        rc = shop__create_tables(m->client, m->prefix, &err);
    }
    if (!rc) {
        step = "counter table";
        rc = counter_table(m, &err);
    }
    if (!rc) {
        step = "dynamodb repository";
        rc = shop__ddb_repo_new(&m->dynamodb, m->client, &dopts, &err);
    }
    if (!rc) {
        step = "router";
        rc = shop__router_new(&m->router, m->relational, m->dynamodb, &ro, &err);
    }
    if (rc)
        fprintf(stderr, "opening the router (%s): %s: %s\n", step, ddb_strerror(rc), err.message);
    ddb_error_clear(&err);
    return rc == 0;
}

static void mig_close(mig *m)
{
    shop__repo_free(m->router);
    shop__repo_free(m->dynamodb);
    shop__repo_free(m->relational);
    ddb_sql_close(m->db);
    ddb_client_free(m->client);
    free(m->log.text);
    if (m->have_database)
        drop_database(m->name);
    unlink(m->journal);
    memset(m, 0, sizeof(*m));
}

static ddb_router_stats stats_of(shop__repo *router)
{
    ddb_router_stats s;
    memset(&s, 0, sizeof(s));
    CHECK_INT(shop__router_stats(router, &s), 0);
    return s;
}

/* Lines in the journal file (each entry is one line). */
/*
 * The journal's repair lines: those a failed DynamoDB write appended. The intent lines written
 * before every dual write, and the done lines that close them, are the router's crash
 * bookkeeping (ddb_router_intent), not missed writes.
 */
static long journal_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long n = 0;
    char line[4096];
    while (fgets(line, sizeof(line), f))
        n += strchr(line, '\n') && !strstr(line, "\"intent\":") && !strstr(line, "{\"done\":");
    fclose(f);
    return n;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[4096];
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && len < LOG_CAP) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            char *t = realloc(text, cap);
            if (!t)
                break;
            text = t;
        }
        memcpy(text + len, chunk, got);
        len += got;
        text[len] = '\0';
    }
    fclose(f);
    return text;
}

/* ---- business data -------------------------------------------------------------------------- */

static int64_t register_user(shop__repo *r, const char *base)
{
    char username[96], email[128];
    static int n;
    snprintf(username, sizeof(username), "%s_%d_%ld", base, ++n, (long)getpid());
    snprintf(email, sizeof(email), "%s@example.com", username);
    shop__user u = SHOP__USER__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_register(r, &u, username, email, "Migration Tester", &err);
    if (rc)
        fprintf(stderr, "register %s: %s\n", username, err.message);
    int64_t id = rc ? 0 : u.user_id;
    shop__user__free(&u);
    ddb_error_clear(&err);
    return id;
}

static int64_t add_category(shop__repo *r, const char *name, int64_t parent)
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

static int64_t add_product(shop__repo *r, int64_t seller, int64_t category, const char *name,
                           int64_t price, int64_t stock)
{
    shop__product p = SHOP__PRODUCT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_add_product(r, &p, seller, category, name, "migrated", price, stock, &err);
    if (rc)
        fprintf(stderr, "add product %s: %s\n", name, err.message);
    int64_t id = rc ? 0 : p.product_id;
    shop__product__free(&p);
    ddb_error_clear(&err);
    return id;
}

/* A seller with two products in a category under a root, and a buyer with one checked-out
   order of two lines and one line left in the cart. */
typedef struct shop_ids {
    int64_t seller, buyer, root, category, pen, pad, order;
} shop_ids;

static bool make_shop(shop__repo *r, shop_ids *ids)
{
    ddb_error err = DDB_ERROR_INIT;
    memset(ids, 0, sizeof(*ids));
    ids->seller = register_user(r, "seller");
    ids->buyer = register_user(r, "buyer");
    ids->root = add_category(r, "Office", 0);
    ids->category = add_category(r, "Writing", ids->root);
    bool ok = ids->seller && ids->buyer && ids->root && ids->category;
    if (ok && shop_become_seller(r, ids->seller, &err))
        ok = false;
    if (ok) {
        ids->pen = add_product(r, ids->seller, ids->category, "Pen", 199, 50);
        ids->pad = add_product(r, ids->seller, ids->category, "Pad", 349, 20);
        ok = ids->pen && ids->pad;
    }
    shop__order o = SHOP__ORDER__INIT;
    if (ok && (shop_cart_add(r, ids->buyer, ids->pen, 3, &err) ||
               shop_cart_add(r, ids->buyer, ids->pad, 2, &err) ||
               shop_checkout(r, &o, ids->buyer, &err) ||
               shop_cart_add(r, ids->buyer, ids->pad, 1, &err) ||
               shop_update_profile(r, ids->buyer, NULL, "Buyer Renamed", &err) ||
               shop_restock(r, ids->seller, ids->pen, 5, &err)))
        ok = false;
    ids->order = o.order_id;
    if (!ok)
        fprintf(stderr, "building the shop: %s\n", err.message);
    shop__order__free(&o);
    ddb_error_clear(&err);
    return ok && ids->order;
}

static int64_t stock_of(shop__repo *r, int64_t product_id)
{
    shop__product p = SHOP__PRODUCT__INIT, key = SHOP__PRODUCT__INIT;
    bool found = false;
    key.product_id = product_id;
    int rc = r->product__get(r, &p, &found, &key, NULL);
    int64_t stock = rc || !found ? -1 : p.inventory;
    shop__product__free(&p);
    return stock;
}

/* ---- comparing entities --------------------------------------------------------------------- */

/* a and b (entities of d) are equal attribute by attribute, the version included. */
static void check_same(const ddb_entity_desc *d, const void *a, const void *b, const char *what)
{
    char *fields = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_router_diff(&fields, NULL, d, a, b, &err);
    CHECK_INT(rc, 0);
    if (rc || fields) {
        fprintf(stderr, "%s %s differs: %s\n", d->name, what, rc ? err.message : fields);
        test_failures += fields != NULL;
    }
    free(fields);
    ddb_error_clear(&err);
}

/*
 * The snapshot of one entity: read by key through repo, the generic get (key = the entity
 * itself). The read must find it.
 */
#define GET_BY_KEY(T, member, repo, out, key)                                                      \
    do {                                                                                           \
        bool found_ = false;                                                                       \
        ddb_error e_ = DDB_ERROR_INIT;                                                             \
        int rc_ = (repo)->member##__get((repo), (out), &found_, (key), &e_);                       \
        if (rc_ || !found_) {                                                                      \
            fprintf(stderr, "%s:%d: get " #T ": rc %d found %d: %s\n", __FILE__, __LINE__, rc_,    \
                    (int)found_, e_.message);                                                      \
            test_failures++;                                                                       \
        }                                                                                          \
        ddb_error_clear(&e_);                                                                      \
    } while (0)

/* ---- 1. write in phase 2, read in phase 4 ---------------------------------------------------- */

/*
 * Sends stderr to a file for a while: the shop's backend leaves the router's log hook at its
 * default, stderr, and the phase switches must show up there.
 */
typedef struct stderr_capture {
    int saved;
    char path[1024];
} stderr_capture;

static bool capture_begin(stderr_capture *c, const char *name)
{
    snprintf(c->path, sizeof(c->path), "%s/%s.stderr", work_dir(), name);
    fflush(stderr);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    c->saved = fd < 0 ? -1 : dup(2);
    if (fd < 0 || c->saved < 0 || dup2(fd, 2) < 0) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    close(fd);
    return true;
}

/* Restores stderr; returns what was written meanwhile (the caller's), echoed to stderr. */
static char *capture_end(stderr_capture *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    char *text = read_file(c->path);
    unlink(c->path);
    fprintf(stderr, "%s", text ? text : "");
    return text;
}

static char backend_journal[1024];

static void setenv_backend(const char *name, const char *url, const char *endpoint)
{
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "%s_", name);
    snprintf(backend_journal, sizeof(backend_journal), "%s/%s.jsonl", work_dir(), name);
    unlink(backend_journal);
    setenv("SHOP_BACKEND", "migrate", 1);
    setenv("SHOP_MIGRATION_PHASE", "2", 1);
    setenv("SHOP_MIGRATION_PRIMARY", "mysql", 1);
    setenv("SHOP_MYSQL_URL", url, 1);
    setenv("SHOP_TABLE_PREFIX", prefix, 1);
    setenv("SHOP_JOURNAL_PATH", backend_journal, 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint, 1);
}

/* Every entity make_shop wrote, read by key. */
typedef struct snapshot {
    shop__user seller, buyer;
    shop__category root, category;
    shop__product pen, pad;
    shop__order order;
    shop__cart_item cart_line;
    shop__order_item *lines;
    size_t n_lines;
} snapshot;

static void snapshot_free(snapshot *s)
{
    shop__user__free(&s->seller);
    shop__user__free(&s->buyer);
    shop__category__free(&s->root);
    shop__category__free(&s->category);
    shop__product__free(&s->pen);
    shop__product__free(&s->pad);
    shop__order__free(&s->order);
    shop__cart_item__free(&s->cart_line);
    shop_order_items_free(s->lines, s->n_lines);
    memset(s, 0, sizeof(*s));
}

/* Reads every entity of ids through r into s; keys come from ids, or from ref when given. */
static void take_snapshot(shop__repo *r, snapshot *s, const shop_ids *ids, const snapshot *ref)
{
    shop__user ku = SHOP__USER__INIT;
    shop__category kc = SHOP__CATEGORY__INIT;
    shop__product kp = SHOP__PRODUCT__INIT;
    shop__order ko = SHOP__ORDER__INIT;
    ku.user_id = ids->seller;
    GET_BY_KEY(User, user, r, &s->seller, &ku);
    ku.user_id = ids->buyer;
    GET_BY_KEY(User, user, r, &s->buyer, &ku);
    kc.category_id = ids->root;
    GET_BY_KEY(Category, category, r, &s->root, &kc);
    kc.category_id = ids->category;
    GET_BY_KEY(Category, category, r, &s->category, &kc);
    kp.product_id = ids->pen;
    GET_BY_KEY(Product, product, r, &s->pen, &kp);
    kp.product_id = ids->pad;
    GET_BY_KEY(Product, product, r, &s->pad, &kp);
    ko.order_id = ids->order;
    GET_BY_KEY(Order, order, r, &s->order, &ko);
    CHECK_INT(shop_order_items(r, &s->lines, &s->n_lines, ids->order, NULL), 0);
    if (ref) {
        GET_BY_KEY(CartItem, cart_item, r, &s->cart_line, &ref->cart_line);
    } else {
        /* The cart line's key may hold a generated ID: take it from the cart. */
        shop_cart cart = {0, NULL, 0, 0};
        CHECK_INT(shop_cart_view(r, &cart, ids->buyer, NULL), 0);
        CHECK_INT(cart.n_lines, 1);
        if (cart.n_lines == 1)
            GET_BY_KEY(CartItem, cart_item, r, &s->cart_line, &cart.lines[0].item);
        shop_cart_free(&cart);
    }
}

TEST(phase2_writes_read_back_equal_in_phase4)
{
    char name[64], url[1200], endpoint[256];
    unique_name(name, sizeof(name), "mig_p2p4");
    REQUIRE(read_line(getenv("DDB_TEST_LOCAL_STATE"), "endpoint", endpoint, sizeof(endpoint)));
    REQUIRE(create_database(url, sizeof(url), name));
    setenv_backend(name, url, endpoint);

    ddb_error err = DDB_ERROR_INIT;
    shop_backend *b = NULL;
    int rc = shop_backend_open(&b, &err);
    if (rc)
        fprintf(stderr, "shop_backend_open: %s\n", err.message);
    CHECK_INT(rc, 0);
    shop__repo *r = rc ? NULL : shop_backend_repo(b);
    snapshot before, after;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    shop_ids ids;
    if (r && make_shop(r, &ids)) {
        CHECK_CONTAINS(shop_backend_describe(b), "phase 2");
        take_snapshot(r, &before, &ids, NULL); /* phase 2 reads are relational */
        CHECK_INT(before.n_lines, 2);
        CHECK_INT(before.pen.inventory, 50 - 3 + 5);
        CHECK_STR(before.buyer.full_name, "Buyer Renamed");

        /* The switch happens at run time on the same repository, and each one is logged. */
        stderr_capture cap;
        REQUIRE(capture_begin(&cap, name));
        int rc3 = shop_backend_set_phase(b, 3, &err);
        int rc4 = shop_backend_set_phase(b, 4, &err);
        char *logged = capture_end(&cap);
        CHECK_INT(rc3, 0);
        CHECK_INT(rc4, 0);
        CHECK_CONTAINS(logged, "phase 2 -> 3");
        CHECK_CONTAINS(logged, "phase 3 -> 4");
        free(logged);
        CHECK_CONTAINS(shop_backend_describe(b), "phase 4");

        ddb_router_stats s0 = stats_of(r);
        CHECK_INT(s0.phase, 4);
        take_snapshot(r, &after, &ids, &before); /* phase 4 reads are DynamoDB's */
        ddb_router_stats s1 = stats_of(r);
        CHECK(s1.reads[DDB_ROUTER_DYNAMODB] > s0.reads[DDB_ROUTER_DYNAMODB]);
        CHECK_INT(s1.reads[DDB_ROUTER_RELATIONAL], s0.reads[DDB_ROUTER_RELATIONAL]);

        check_same(&shop__user__desc, &before.seller, &after.seller, "seller");
        check_same(&shop__user__desc, &before.buyer, &after.buyer, "buyer");
        check_same(&shop__category__desc, &before.root, &after.root, "root");
        check_same(&shop__category__desc, &before.category, &after.category, "category");
        check_same(&shop__product__desc, &before.pen, &after.pen, "pen");
        check_same(&shop__product__desc, &before.pad, &after.pad, "pad");
        check_same(&shop__order__desc, &before.order, &after.order, "order");
        check_same(&shop__cart_item__desc, &before.cart_line, &after.cart_line, "cart line");
        CHECK_INT(after.n_lines, before.n_lines);
        for (size_t i = 0; i < before.n_lines && i < after.n_lines; i++) {
            /* shop_order_items returns the lines by ID on every backend. */
            check_same(&shop__order_item__desc, &before.lines[i], &after.lines[i], "line");
        }

        /* The business views agree too. */
        shop_cart cart = {0, NULL, 0, 0};
        CHECK_INT(shop_cart_view(r, &cart, ids.buyer, &err), 0);
        CHECK_INT(cart.total_cents, 349);
        shop_cart_free(&cart);
        shop__category *path = NULL;
        size_t n_path = 0;
        CHECK_INT(shop_category_path(r, &path, &n_path, ids.category, &err), 0);
        CHECK_INT(n_path, 2);
        if (n_path == 2)
            CHECK_INT(path[0].category_id, ids.root);
        shop_category_path_free(path, n_path);

        size_t differences = 99;
        CHECK_INT(shop_backend_compare(b, &differences, &err), 0);
        CHECK_INT(differences, 0);
        ddb_router_stats s2 = stats_of(r);
        CHECK_INT(s2.secondary_failures, 0);
        CHECK_INT(s2.journal_entries, 0);
        CHECK_INT(s2.mismatches, 0);
        CHECK_INT(s2.phase_switches, 2);
    } else {
        test_failures++;
    }
    snapshot_free(&before);
    snapshot_free(&after);
    shop_backend_close(b);
    ddb_error_clear(&err);
    drop_database(name);
    unlink(backend_journal);
}

/* ---- 2. DynamoDB stops in the middle of phase 2 ---------------------------------------------- */

static int run_script(const char *action, const char *state, const char *port)
{
    const char *script = getenv("SHOP_DDB_LOCAL_PERSISTENT");
    if (!script) {
        fprintf(stderr, "SHOP_DDB_LOCAL_PERSISTENT is not set (tests/migration.cmake sets it)\n");
        return -1;
    }
    char cmd[3000];
    snprintf(cmd, sizeof(cmd), "'%s' %s --state-dir '%s'%s%s", script, action, state,
             port ? " --port " : "", port ? port : "");
    fflush(stderr);
    return system(cmd);
}

/* The outage proper; the caller owns the private DynamoDB Local and stops it whatever happens. */
static void outage_scenario(const char *state)
{
    char endpoint[256], port[32];
    REQUIRE(read_line(state, "endpoint", endpoint, sizeof(endpoint)));
    REQUIRE(read_line(state, "port", port, sizeof(port)));
    mig m;
    /* One attempt: a stopped DynamoDB Local refuses connections, retrying cannot help. */
    if (!mig_open(&m, "mig_outage", endpoint, 2, 1)) {
        mig_close(&m);
        REQUIRE(false);
    }
    shop__repo *r = m.router;
    ddb_error err = DDB_ERROR_INIT;

    int64_t seller = register_user(r, "seller"), cat = add_category(r, "Garden", 0);
    CHECK_INT(shop_become_seller(r, seller, &err), 0);
    int64_t rake = add_product(r, seller, cat, "Rake", 1999, 10);
    int64_t early = register_user(r, "early");
    CHECK(seller && cat && rake && early);
    CHECK_INT(shop_cart_add(r, early, rake, 1, &err), 0);
    CHECK_INT(stats_of(r).journal_entries, 0);

    REQUIRE(run_script("stop", state, NULL) == 0);

    /* DynamoDB is gone: every business call still succeeds on the relational primary. */
    int64_t late = register_user(r, "late");
    CHECK(late != 0);
    int64_t hoe = add_product(r, seller, cat, "Hoe", 2599, 4);
    CHECK(hoe != 0);
    CHECK_INT(shop_restock(r, seller, rake, 6, &err), 0);
    CHECK_INT(shop_update_profile(r, early, NULL, "Early Bird", &err), 0);
    CHECK_INT(shop_cart_add(r, late, hoe, 2, &err), 0);
    CHECK_INT(shop_cart_add(r, late, rake, 1, &err), 0);
    shop__order o = SHOP__ORDER__INIT;
    CHECK_INT(shop_checkout(r, &o, late, &err), 0);
    CHECK_INT(shop_cart_set_quantity(r, early, rake, 3, &err), 0);
    CHECK_INT(stock_of(m.relational, hoe), 4 - 2);
    int64_t order = o.order_id;
    shop__order__free(&o);
    CHECK_INT(shop_cancel_order(r, late, order, &err), 0);
    if (err.code)
        fprintf(stderr, "last error: %s\n", err.message);

    /* The journal holds the missed writes, one line each, durable before the call returned. */
    ddb_router_stats s = stats_of(r);
    long lines = journal_lines(m.journal);
    fprintf(stderr, "outage: %llu secondary failures, %llu journal entries, %ld lines\n",
            (unsigned long long)s.secondary_failures, (unsigned long long)s.journal_entries, lines);
    CHECK(s.secondary_failures >= 9);
    CHECK_INT(s.journal_entries, s.secondary_failures);
    CHECK_INT(lines, (long)s.journal_entries);
    char *journal = read_file(m.journal);
    char needle[160], line[1024];
    snprintf(needle, sizeof(needle), "\"user_id\":{\"N\":\"%" PRId64 "\"}", late);
    CHECK_CONTAINS(journal, needle); /* the user registered while DynamoDB was down */
    CHECK_CONTAINS(journal, shop__order__desc.name);
    free(journal);
    CHECK(log_find(&m.log, "secondary write failed", line, sizeof(line)) != NULL);

    /* Back on the same port, with the tables it had; the replay copies what it missed. */
    REQUIRE(run_script("start", state, port) == 0);
    /* It kept what it had (the early user), and lacks what it missed (the late one). */
    shop__user key = SHOP__USER__INIT, rel = SHOP__USER__INIT, ddb = SHOP__USER__INIT;
    bool found = false;
    key.user_id = early;
    GET_BY_KEY(User, user, m.dynamodb, &ddb, &key);
    shop__user__free(&ddb);
    key.user_id = late;
    CHECK_INT(m.dynamodb->user__get(m.dynamodb, &ddb, &found, &key, &err), 0);
    CHECK(!found);
    shop__user__free(&ddb);
    size_t differences = 0;
    CHECK_INT(shop__router_compare_all(r, &differences, &err), 0);
    CHECK(differences > 0);

    size_t replayed = 0;
    int rc = shop__router_replay(r, &replayed, &err);
    if (rc)
        fprintf(stderr, "replay: %s\n", err.message);
    CHECK_INT(rc, 0);
    CHECK_INT(replayed, lines);
    CHECK_INT(journal_lines(m.journal), 0);

    differences = 99;
    CHECK_INT(shop__router_compare_all(r, &differences, &err), 0);
    CHECK_INT(differences, 0);

    /* The user DynamoDB never saw a write for is there now, equal to the relational row. */
    key.user_id = late;
    GET_BY_KEY(User, user, m.relational, &rel, &key);
    GET_BY_KEY(User, user, m.dynamodb, &ddb, &key);
    check_same(&shop__user__desc, &rel, &ddb, "registered during the outage");
    shop__user__free(&rel);
    shop__user__free(&ddb);

    /* A second replay finds nothing to do and changes nothing. */
    replayed = 99;
    CHECK_INT(shop__router_replay(r, &replayed, &err), 0);
    CHECK_INT(replayed, 0);
    differences = 99;
    CHECK_INT(shop__router_compare_all(r, &differences, &err), 0);
    CHECK_INT(differences, 0);

    /* And phase 2 carries on with both sides. */
    int64_t after = register_user(r, "after");
    CHECK(after != 0);
    CHECK_INT(stats_of(r).journal_entries, s.journal_entries);
    differences = 99;
    CHECK_INT(shop__router_compare_all(r, &differences, &err), 0);
    CHECK_INT(differences, 0);

    ddb_error_clear(&err);
    mig_close(&m);
}

TEST(dynamodb_outage_in_phase2_is_journaled_and_replayed)
{
    char name[64], state[1200];
    unique_name(name, sizeof(name), "ddb_outage");
    snprintf(state, sizeof(state), "%s/%s", work_dir(), name);
    /* A private DynamoDB Local: stopping the shared fixture's would break the other tests. */
    REQUIRE(run_script("start", state, NULL) == 0);
    outage_scenario(state);
    CHECK_INT(run_script("stop", state, NULL), 0);
    char cmd[1300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
    if (test_failures == 0 && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", state);
}

/* ---- 3. an item changed behind the router's back in phase 3 ----------------------------------- */

/* Sets one integer attribute of entity obj's item in DynamoDB with UpdateItem, as an operator or
   another program might. */
static int poke_number(mig *m, const ddb_entity_desc *d, const void *obj, const char *attribute,
                       int64_t value, ddb_error *err)
{
    char table[256];
    snprintf(table, sizeof(table), "%s%s", m->prefix, d->table);
    ddb_value *key = NULL, *values = NULL;
    ddb_update_item_output *out = NULL;
    ddb_string_map_entry name = {"#f", attribute};
    ddb_update_item_input in = {0};
    int rc = ddb_entity_key(&key, d, obj, err);
    if (!rc && !(rc = ddb_value_new_m(&values, err)))
        rc = ddb_value_m_set_i64(values, ":v", value, err);
    if (!rc) {
        in.table_name = table;
        in.key = key;
        in.update_expression = "SET #f = :v";
        in.condition_expression = "attribute_exists(#f)";
        in.n_expression_attribute_names = 1;
        in.expression_attribute_names = &name;
        in.expression_attribute_values = values;
        rc = ddb_update_item(&out, m->client, &in, err);
    }
    ddb_update_item_output_free(out);
    ddb_value_free(values);
    ddb_value_free(key);
    return rc;
}

TEST(phase3_read_names_field_changed_in_dynamodb)
{
    char endpoint[256];
    REQUIRE(read_line(getenv("DDB_TEST_LOCAL_STATE"), "endpoint", endpoint, sizeof(endpoint)));
    mig m;
    if (!mig_open(&m, "mig_p3", endpoint, 3, 0)) {
        mig_close(&m);
        REQUIRE(false);
    }
    shop__repo *r = m.router;
    ddb_error err = DDB_ERROR_INIT;
    int64_t seller = register_user(r, "seller"), cat = add_category(r, "Kitchen", 0);
    CHECK_INT(shop_become_seller(r, seller, &err), 0);
    int64_t pan = add_product(r, seller, cat, "Pan", 2450, 7);
    int64_t pot = add_product(r, seller, cat, "Pot", 3100, 2);
    REQUIRE(seller && cat && pan && pot);
    CHECK_INT(stats_of(r).mismatches, 0);

    char line[1024], want[128];
    shop__product p = SHOP__PRODUCT__INIT;
    p.product_id = pan;
    int rc = poke_number(&m, &shop__product__desc, &p, "price_cents", 999, &err);
    if (rc)
        fprintf(stderr, "UpdateItem: %s\n", err.message);
    REQUIRE(rc == 0);

    /* An untouched product reads back clean. */
    log_reset(&m.log);
    bool found = false;
    shop__product key = SHOP__PRODUCT__INIT;
    key.product_id = pot;
    CHECK_INT(r->product__get(r, &p, &found, &key, &err), 0);
    CHECK(found);
    shop__product__free(&p);
    uint64_t mismatches = stats_of(r).mismatches;
    CHECK_INT(mismatches, 0);
    CHECK(log_find(&m.log, "mismatch", line, sizeof(line)) == NULL);

    /* The next read of the changed product: relational result, mismatch logged with the key
       and the one field that differs. */
    key.product_id = pan;
    found = false;
    CHECK_INT(r->product__get(r, &p, &found, &key, &err), 0);
    CHECK(found);
    CHECK_INT(p.price_cents, 2450);
    shop__product__free(&p);
    CHECK_INT(stats_of(r).mismatches, mismatches + 1);
    const char *logged = log_find(&m.log, "mismatch", line, sizeof(line));
    CHECK(logged != NULL);
    snprintf(want, sizeof(want), "mismatch %s key=", shop__product__desc.name);
    CHECK_CONTAINS(logged, want);
    snprintf(want, sizeof(want), "\"product_id\":{\"N\":\"%" PRId64 "\"}", pan);
    CHECK_CONTAINS(logged, want);
    const char *fields = logged ? strstr(logged, "fields=") : NULL;
    CHECK_STR(fields, "fields=price_cents");

    /* The app's reads see it too: browsing the category compares every product of the page. */
    log_reset(&m.log);
    shop__product__page page = {0, NULL, NULL};
    CHECK_INT(shop_browse_category(r, &page, cat, NULL, &err), 0);
    CHECK_INT(page.n_items, 2);
    for (size_t i = 0; i < page.n_items; i++)
        if (page.items[i].product_id == pan)
            CHECK_INT(page.items[i].price_cents, 2450);
    shop__product__page_free(&page);
    CHECK_CONTAINS(log_find(&m.log, "mismatch", line, sizeof(line)), "fields=price_cents");

    /* The full comparison finds exactly this item. */
    size_t differences = 99;
    CHECK_INT(shop__router_compare_all(r, &differences, &err), 0);
    CHECK_INT(differences, 1);
    ddb_error_clear(&err);
    mig_close(&m);
}

/* ---- 4. phase 5 IDs continue the relational sequence ----------------------------------------- */

static int64_t max_id(shop__repo *repo, shop__kind kind)
{
    int64_t n = -1;
    ddb_error err = DDB_ERROR_INIT;
    if (repo->max_id(repo, kind, &n, &err))
        fprintf(stderr, "max_id(%d): %s\n", (int)kind, err.message);
    ddb_error_clear(&err);
    return n;
}

/* id continues after last: greater, and the next one when the counter hands them out in
   order, which a single writer sees. */
static void check_continues(const char *what, int64_t id, int64_t last)
{
    fprintf(stderr, "%s: last relational ID %" PRId64 ", first phase 5 ID %" PRId64 "\n", what,
            last, id);
    CHECK(last > 0);
    CHECK_INT(id, last + 1);
}

TEST(phase5_ids_continue_relational_sequence)
{
    char endpoint[256];
    REQUIRE(read_line(getenv("DDB_TEST_LOCAL_STATE"), "endpoint", endpoint, sizeof(endpoint)));
    mig m;
    if (!mig_open(&m, "mig_p5", endpoint, 2, 0)) {
        mig_close(&m);
        REQUIRE(false);
    }
    shop__repo *r = m.router;
    ddb_error err = DDB_ERROR_INIT;
    shop_ids ids;
    REQUIRE(make_shop(r, &ids));
    int64_t third = register_user(r, "third");
    REQUIRE(third);

    int64_t last_user = max_id(m.relational, SHOP__KIND_USER);
    int64_t last_cat = max_id(m.relational, SHOP__KIND_CATEGORY);
    int64_t last_product = max_id(m.relational, SHOP__KIND_PRODUCT);
    int64_t last_order = max_id(m.relational, SHOP__KIND_ORDER);
    CHECK_INT(last_user, third);

    log_reset(&m.log);
    for (int phase = 3; phase <= 5; phase++)
        CHECK_INT(shop__router_set_phase(r, phase, &err), 0);
    char line[1024];
    CHECK(log_find(&m.log, "phase 4 -> 5", line, sizeof(line)) != NULL);
    CHECK_INT(shop__router_phase(r), 5);

    shop__user u = SHOP__USER__INIT;
    CHECK_INT(shop_register(r, &u, "phase5_user", "phase5@example.com", "New In Phase 5", &err), 0);
    check_continues("User", u.user_id, last_user);
    /* Same format on the DynamoDB side: the key is a number, like the relational rows'. */
    ddb_value *k = NULL;
    char *json = NULL, want[96];
    CHECK_INT(ddb_router_key_item(&k, &shop__user__desc, &u, &err), 0);
    if (k)
        CHECK_INT(ddb_value_to_json(&json, k, &err), 0);
    snprintf(want, sizeof(want), "{\"N\":\"%" PRId64 "\"}", last_user + 1);
    CHECK_CONTAINS(json, want);
    free(json);
    ddb_value_free(k);

    int64_t cat = add_category(r, "Phase5", ids.root);
    check_continues("Category", cat, last_cat);
    CHECK_INT(shop_become_seller(r, u.user_id, &err), 0);
    int64_t lamp = add_product(r, u.user_id, cat, "Lamp", 4200, 3);
    check_continues("Product", lamp, last_product);
    CHECK_INT(shop_cart_add(r, ids.buyer, lamp, 1, &err), 0);
    shop__order o = SHOP__ORDER__INIT;
    CHECK_INT(shop_checkout(r, &o, ids.buyer, &err), 0);
    check_continues("Order", o.order_id, last_order);

    /* Phase 5 writes DynamoDB only; what phase 2 wrote is still readable. */
    bool found = true;
    shop__user out = SHOP__USER__INIT, key = SHOP__USER__INIT;
    key.user_id = u.user_id;
    CHECK_INT(m.relational->user__get(m.relational, &out, &found, &key, &err), 0);
    CHECK(!found);
    shop__user__free(&out);
    GET_BY_KEY(User, user, r, &out, &key);
    CHECK_STR(out.username, "phase5_user");
    shop__user__free(&out);
    key.user_id = ids.seller;
    GET_BY_KEY(User, user, r, &out, &key);
    CHECK(out.is_seller);
    shop__user__free(&out);
    CHECK_INT(max_id(m.relational, SHOP__KIND_USER), last_user);

    shop__order__free(&o);
    shop__user__free(&u);
    ddb_error_clear(&err);
    mig_close(&m);
}

TEST_MAIN(CASE(phase2_writes_read_back_equal_in_phase4),
          CASE(dynamodb_outage_in_phase2_is_journaled_and_replayed),
          CASE(phase3_read_names_field_changed_in_dynamodb),
          CASE(phase5_ids_continue_relational_sequence))
