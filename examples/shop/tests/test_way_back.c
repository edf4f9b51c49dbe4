/*
 * The way back after the cutover, and one phase shared by every process, end to end on the
 * shop's own SQLite repository (shop_sql_repo.c) and DynamoDB Local through the generated router
 * (shop_router.h) with keep_relational and the control row (ddb/sql/control.h):
 *
 *   cutover_undone_from_5_to_3_keeps_every_write
 *                    1 -> 5, creates, updates and deletes in phase 5, back to 3: compare_all
 *                    finds no difference, the relational side has every write, and its next
 *                    IDs continue above DynamoDB's
 *   relational_failure_in_phase5_is_journaled_and_replayed
 *                    the relational table is away in phase 5: the calls succeed on DynamoDB,
 *                    the journal says "from":"dynamodb", the switch back replays it
 *   two_processes_follow_one_phase
 *                    two processes on one SQLite file: one switches, the other routes by the
 *                    new phase within the control row's interval
 *
 * Each case has its own SQLite file, DynamoDB table prefix and journal under
 * $SHOP_MIGRATION_WORK, so cases run in parallel with the other suites on the fixture.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddb/sql/control.h"
#include "ddb/sql/sqldb.h"
#include "shop_app.h"
#include "shop_router.h"
#include "shop_sql_repo.h"
#include "test.h"

static bool read_line(const char *dir, const char *name, char *buf, size_t cap)
{
    char path[1024];
    FILE *f;
    bool ok;
    if (!dir)
        return false;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "r")))
        return false;
    ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return ok && buf[0];
}

static const char *work_dir(void)
{
    const char *w = getenv("SHOP_MIGRATION_WORK");
    return w && *w ? w : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
}

/* ---- the router's log ----------------------------------------------------------------------- */

typedef struct log_buf {
    char text[1 << 16];
    size_t len;
} log_buf;

static void log_line(void *ctx, const char *line)
{
    log_buf *b = ctx;
    size_t n = strlen(line);
    fprintf(stderr, "router log [%ld]: %s\n", (long)getpid(), line);
    if (b->len + n + 2 > sizeof b->text)
        return;
    memcpy(b->text + b->len, line, n);
    b->len += n;
    b->text[b->len++] = '\n';
    b->text[b->len] = '\0';
}

/* ---- one process's router over the case's SQLite file and tables ---------------------------- */

typedef struct side {
    char db_path[1024], journal[1024], prefix[96];
    char url[1200]; /* "" : the SQLite file at db_path */
    ddb_sql *db;
    ddb_sql_control *control; /* NULL: the phase is the router's own */
    ddb_client *client;
    shop__repo *relational, *dynamodb, *router;
    log_buf *log;
} side;

static void names(side *s, const char *base, const char *run)
{
    snprintf(s->db_path, sizeof s->db_path, "%s/%s_%s.db", work_dir(), base, run);
    snprintf(s->journal, sizeof s->journal, "%s/%s_%s.jsonl", work_dir(), base, run);
    snprintf(s->prefix, sizeof s->prefix, "%s_%s_", base, run);
}

/* Opens s (named by names()) in phase, keeping the relational side current in phase 5; with
   interval_ms > 0 the phase comes from the control row of the SQLite file. */
static bool side_open(side *s, int phase, int interval_ms)
{
    char url[1200], endpoint[256];
    ddb_error err = DDB_ERROR_INIT;
    ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
    shop__ddb_options dopts = SHOP__DDB_OPTIONS_INIT;
    shop__router_options ro = SHOP__ROUTER_OPTIONS_INIT;
    const char *step = "endpoint";
    int rc = DDB_ERR_CONFIG;
    if (!read_line(getenv("DDB_TEST_LOCAL_STATE"), "endpoint", endpoint, sizeof endpoint)) {
        fprintf(stderr, "no DynamoDB Local: $DDB_TEST_LOCAL_STATE/endpoint is missing\n");
        return false;
    }
    if (s->url[0])
        snprintf(url, sizeof url, "%s", s->url);
    else
        snprintf(url, sizeof url, "sqlite:%s", s->db_path);
    co.endpoint = endpoint;
    dopts.table_prefix = s->prefix;
    dopts.consistent_reads = true;
    ro.phase = phase;
    ro.journal_path = s->journal;
    ro.log = log_line;
    ro.log_ctx = s->log;
    ro.keep_relational = true;
    if ((step = "sqlite", rc = ddb_sql_open(&s->db, url, &err)) == 0 &&
        (step = "schema", rc = shop_sql_apply_schema(s->db, &err)) == 0 &&
        (step = "relational", rc = shop_sql_repo_new(&s->relational, s->db, false, &err)) == 0 &&
        (step = "client", rc = ddb_client_new(&s->client, &co, &err)) == 0) {
        step = "tables";
        rc = shop__create_tables(s->client, s->prefix, &err);
        if (rc == DDB_ERR_RESOURCE_IN_USE)
            rc = 0;
        if (rc == 0 && (rc = shop__create_counter_table(s->client, s->prefix, &err)) ==
                           DDB_ERR_RESOURCE_IN_USE)
            rc = 0;
    }
    if (rc == 0 && interval_ms > 0 &&
        (step = "control", rc = ddb_sql_control_new(&s->control, s->db, "shop", &err)) == 0) {
        ro.phase_source.read = ddb_sql_control_read_phase;
        ro.phase_source.store = ddb_sql_control_store_phase;
        ro.phase_source.ctx = s->control;
        ro.phase_source.interval_ms = interval_ms;
    }
    if (rc == 0)
        step = "dynamodb", rc = shop__ddb_repo_new(&s->dynamodb, s->client, &dopts, &err);
    if (rc == 0)
        step = "router", rc = shop__router_new(&s->router, s->relational, s->dynamodb, &ro, &err);
    if (rc)
        fprintf(stderr, "opening the router (%s): %s: %s\n", step, ddb_strerror(rc), err.message);
    ddb_error_clear(&err);
    return rc == 0;
}

static void side_close(side *s)
{
    shop__repo_free(s->router);
    shop__repo_free(s->dynamodb);
    shop__repo_free(s->relational);
    ddb_sql_control_free(s->control);
    ddb_sql_close(s->db);
    ddb_client_free(s->client);
    s->router = s->dynamodb = s->relational = NULL;
    s->control = NULL;
    s->db = NULL;
    s->client = NULL;
}

static void side_remove(const side *s)
{
    char p[1100];
    unlink(s->db_path);
    snprintf(p, sizeof p, "%s-wal", s->db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", s->db_path);
    unlink(p);
    unlink(s->journal);
    snprintf(p, sizeof p, "%s.lock", s->journal);
    unlink(p);
}

static ddb_router_stats stats_of(shop__repo *router)
{
    ddb_router_stats st;
    memset(&st, 0, sizeof st);
    CHECK_INT(shop__router_stats(router, &st), 0);
    return st;
}

static size_t differences(shop__repo *router)
{
    size_t n = 999;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop__router_compare_all(router, &n, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "compare_all: %s\n", err.message);
    ddb_error_clear(&err);
    return n;
}

static int switch_to(shop__repo *router, int phase)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop__router_set_phase(router, phase, &err);
    if (rc)
        fprintf(stderr, "switch to %d: %s\n", phase, err.message);
    ddb_error_clear(&err);
    return rc;
}

static int64_t register_user(shop__repo *r, const char *name)
{
    char email[128];
    shop__user u = SHOP__USER__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    int64_t id;
    snprintf(email, sizeof email, "%s@example.com", name);
    rc = shop_register(r, &u, name, email, "Way Back", &err);
    if (rc)
        fprintf(stderr, "register %s: %s\n", name, err.message);
    id = rc ? 0 : u.user_id;
    shop__user__free(&u);
    ddb_error_clear(&err);
    return id;
}

static int64_t add_product(shop__repo *r, int64_t seller, int64_t category, const char *name)
{
    shop__product p = SHOP__PRODUCT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_add_product(r, &p, seller, category, name, "way back", 250, 10, &err);
    int64_t id = rc ? 0 : p.product_id;
    if (rc)
        fprintf(stderr, "add product %s: %s\n", name, err.message);
    shop__product__free(&p);
    ddb_error_clear(&err);
    return id;
}

static int64_t add_category(shop__repo *r, const char *name)
{
    shop__category c = SHOP__CATEGORY__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = shop_add_category(r, &c, name, 0, &err);
    int64_t id = rc ? 0 : c.category_id;
    if (rc)
        fprintf(stderr, "add category %s: %s\n", name, err.message);
    shop__category__free(&c);
    ddb_error_clear(&err);
    return id;
}

/* The user of id on one side (a repository, not the router): found, and its full name. */
static bool user_on(shop__repo *repo, int64_t id, char *full_name, size_t cap)
{
    shop__user u = SHOP__USER__INIT, key = SHOP__USER__INIT;
    bool found = false;
    key.user_id = id;
    if (repo->user__get(repo, &u, &found, &key, NULL) != 0)
        found = false;
    if (found && full_name)
        snprintf(full_name, cap, "%s", u.full_name ? u.full_name : "");
    shop__user__free(&u);
    return found;
}

static int64_t cart_lines(shop__repo *repo, int64_t user_id)
{
    shop_cart cart;
    ddb_error err = DDB_ERROR_INIT;
    int64_t n = -1;
    memset(&cart, 0, sizeof cart);
    if (shop_cart_view(repo, &cart, user_id, &err) == 0)
        n = (int64_t)cart.n_lines;
    shop_cart_free(&cart);
    ddb_error_clear(&err);
    return n;
}

static void run_name(char *buf, size_t cap)
{
    snprintf(buf, cap, "%ld_%ld", (long)getpid(), (long)(time(NULL) % 1000000));
}

/* Runs one statement on the case's SQLite file, beside the router (another connection). */
static int sql_beside(const side *s, const char *sql)
{
    char url[1100];
    ddb_sql *db = NULL;
    ddb_sql_conn *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    snprintf(url, sizeof url, "sqlite:%s", s->db_path);
    rc = ddb_sql_open(&db, url, &err);
    if (rc == 0)
        rc = ddb_sql_acquire(db, &c, &err);
    if (rc == 0)
        rc = ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", sql, err.message);
    ddb_sql_release(c);
    ddb_sql_close(db);
    ddb_error_clear(&err);
    return rc;
}

/* The journal's repair lines (not the intent bookkeeping) that copy from DynamoDB. */
static long lines_from_dynamodb(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    long n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "\"from\":\"dynamodb\"") && !strstr(line, "\"intent\":");
    fclose(f);
    return n;
}

/* 1 -> 5, writes in 5, back to 3, on the relational database of s (opened in phase 1). */
static void cutover_undone(side *sp, const char *run)
{
    char name[128], full[256];
    side s = *sp;
    ddb_error err = DDB_ERROR_INIT;
    shop__order order = SHOP__ORDER__INIT;
    int64_t seller, buyer, cat, pen, lamp, u5, u3, last_user;

    /* phase 1: the shop as it was */
    snprintf(name, sizeof name, "seller_%s", run);
    REQUIRE((seller = register_user(s.router, name)) != 0);
    CHECK_INT(shop_become_seller(s.router, seller, &err), 0);
    REQUIRE((cat = add_category(s.router, "Desk")) != 0);
    REQUIRE((pen = add_product(s.router, seller, cat, "Pen")) != 0);
    snprintf(name, sizeof name, "buyer_%s", run);
    REQUIRE((buyer = register_user(s.router, name)) != 0);
    CHECK_INT(shop_cart_add(s.router, buyer, pen, 2, &err), 0);

    /* 1 -> 5, DynamoDB filled on the way */
    CHECK_INT(shop__router_backfill(s.router, &err), 0);
    for (int phase = 2; phase <= 5; phase++)
        CHECK_INT(switch_to(s.router, phase), 0);
    CHECK_INT(differences(s.router), 0);

    /* phase 5: creates, updates and deletes, a transaction among them */
    snprintf(name, sizeof name, "five_%s", run);
    REQUIRE((u5 = register_user(s.router, name)) != 0);
    CHECK(u5 > buyer);
    CHECK_INT(shop_update_profile(s.router, buyer, NULL, "Renamed In Five", &err), 0);
    REQUIRE((lamp = add_product(s.router, seller, cat, "Lamp")) != 0);
    CHECK_INT(shop_cart_add(s.router, buyer, lamp, 1, &err), 0);
    CHECK_INT(shop_cart_remove(s.router, buyer, pen, &err), 0);
    CHECK_INT(shop_restock(s.router, seller, lamp, 5, &err), 0);
    CHECK_INT(shop_checkout(s.router, &order, buyer, &err), 0);
    CHECK(order.order_id != 0);
    CHECK_INT(stats_of(s.router).secondary_failures, 0);

    /* the relational side followed every write as it happened */
    CHECK(user_on(s.relational, u5, NULL, 0));
    CHECK(user_on(s.relational, buyer, full, sizeof full));
    CHECK_STR(full, "Renamed In Five");
    CHECK_INT(cart_lines(s.relational, buyer), 0);
    CHECK_INT(cart_lines(s.dynamodb, buyer), 0);

    /* back to 3: nothing differs, and the relational IDs continue above DynamoDB's */
    CHECK_INT(switch_to(s.router, 3), 0);
    CHECK_INT(shop__router_phase(s.router), 3);
    CHECK_CONTAINS(s.log->text, "shop: phase 5 -> 3");
    CHECK_CONTAINS(s.log->text, "relational User IDs continue above");
    CHECK_INT(differences(s.router), 0);
    CHECK_INT(s.relational->max_id(s.relational, SHOP__KIND_USER, &last_user, &err), 0);
    CHECK(last_user >= u5);
    snprintf(name, sizeof name, "three_%s", run);
    REQUIRE((u3 = register_user(s.router, name)) != 0);
    CHECK(u3 > u5);
    CHECK(user_on(s.dynamodb, u3, NULL, 0));
    /* phase 3 reads compare both sides: the way back left nothing to find */
    CHECK(user_on(s.router, u5, NULL, 0));
    CHECK(user_on(s.router, buyer, NULL, 0));
    CHECK_INT(stats_of(s.router).mismatches, 0);
    CHECK_INT(differences(s.router), 0);
    shop__order__free(&order);
    ddb_error_clear(&err);
}

TEST(cutover_undone_from_5_to_3_keeps_every_write)
{
    static log_buf log;
    char run[64];
    side s;
    memset(&s, 0, sizeof s);
    s.log = &log;
    run_name(run, sizeof run);
    names(&s, "back", run);
    side_remove(&s);
    REQUIRE(side_open(&s, 1, 0));
    cutover_undone(&s, run);
    side_close(&s);
    side_remove(&s);
}

/* The same on MariaDB (the fixture's server, a database of the case's own), whose
   AUTO_INCREMENT the way back moves with ALTER TABLE. */
TEST(cutover_undone_on_mariadb)
{
    static log_buf log;
    char run[64], fixture[1024], db[96], sql[160];
    const char *at, *query;
    side s;
    ddb_error err = DDB_ERROR_INIT;
    ddb_sql *server = NULL;
    ddb_sql_conn *c = NULL;
    memset(&s, 0, sizeof s);
    s.log = &log;
    run_name(run, sizeof run);
    names(&s, "backmaria", run);
    side_remove(&s);
    REQUIRE(read_line(getenv("DDB_TEST_MARIADB_STATE"), "url", fixture, sizeof fixture));
    REQUIRE((at = strstr(fixture, "@/")) != NULL);
    query = strchr(at, '?');
    snprintf(db, sizeof db, "way_back_%s", run);
    snprintf(s.url, sizeof s.url, "%.*s@/%s%s", (int)(at - fixture), fixture, db,
             query ? query : "");
    snprintf(sql, sizeof sql, "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", db);
    REQUIRE(ddb_sql_open(&server, fixture, &err) == 0);
    REQUIRE(ddb_sql_acquire(server, &c, &err) == 0);
    REQUIRE(ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, &err) == 0);
    if (side_open(&s, 1, 0))
        cutover_undone(&s, run);
    else
        CHECK(false);
    side_close(&s);
    side_remove(&s);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", db);
    CHECK_INT(ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, &err), 0);
    ddb_sql_release(c);
    ddb_sql_close(server);
    ddb_error_clear(&err);
}

TEST(relational_failure_in_phase5_is_journaled_and_replayed)
{
    static log_buf log;
    char run[64], name[128], full[256];
    side s;
    ddb_error err = DDB_ERROR_INIT;
    ddb_router_stats st;
    int64_t kept, u5;
    memset(&s, 0, sizeof s);
    s.log = &log;
    run_name(run, sizeof run);
    names(&s, "backfail", run);
    side_remove(&s);
    REQUIRE(side_open(&s, 1, 0));
    snprintf(name, sizeof name, "kept_%s", run);
    REQUIRE((kept = register_user(s.router, name)) != 0);
    CHECK_INT(shop__router_backfill(s.router, &err), 0);
    CHECK_INT(switch_to(s.router, 5), 0);

    /* the relational side refuses every write to users (a real SQLite error, not a stand-in) */
    REQUIRE(sql_beside(&s, "CREATE TRIGGER way_back_no_insert BEFORE INSERT ON users "
                           "BEGIN SELECT RAISE(ABORT, 'users are read-only'); END") == 0);
    REQUIRE(sql_beside(&s, "CREATE TRIGGER way_back_no_update BEFORE UPDATE ON users "
                           "BEGIN SELECT RAISE(ABORT, 'users are read-only'); END") == 0);
    snprintf(name, sizeof name, "five_%s", run);
    REQUIRE((u5 = register_user(s.router, name)) != 0); /* DynamoDB's result stands */
    CHECK_INT(shop_update_profile(s.router, kept, NULL, "Renamed While Away", &err), 0);
    st = stats_of(s.router);
    CHECK_INT(st.secondary_failures, 2);
    CHECK_CONTAINS(log.text, "relational mirror failed: User.create key={\"user_id\":{\"N\":");
    CHECK_CONTAINS(log.text, "users are read-only");
    CHECK_INT(lines_from_dynamodb(s.journal), 2);
    CHECK(!user_on(s.relational, u5, NULL, 0));
    CHECK(user_on(s.dynamodb, u5, NULL, 0));

    /* while the table still refuses, the way back is refused too: the phase stays 5 */
    CHECK(switch_to(s.router, 4) != 0);
    CHECK_INT(shop__router_phase(s.router), 5);
    CHECK_CONTAINS(log.text, "leaving phase 5 refused: the replay failed");

    /* once it takes writes again, the switch back replays the journal first */
    REQUIRE(sql_beside(&s, "DROP TRIGGER way_back_no_insert") == 0);
    REQUIRE(sql_beside(&s, "DROP TRIGGER way_back_no_update") == 0);
    CHECK_INT(switch_to(s.router, 4), 0);
    CHECK_CONTAINS(log.text, "replayed 2 journal entries");
    CHECK(user_on(s.relational, u5, NULL, 0));
    CHECK(user_on(s.relational, kept, full, sizeof full));
    CHECK_STR(full, "Renamed While Away");
    CHECK_INT(lines_from_dynamodb(s.journal), 0);
    CHECK_INT(differences(s.router), 0);

    ddb_error_clear(&err);
    side_close(&s);
    side_remove(&s);
}

/* ---- two processes, one phase --------------------------------------------------------------- */

#define INTERVAL_MS 200

/* The child: follows the parent's switch from 2 to 4 and routes by it. Exits 0 when all held. */
static void follower(side s, int ready_fd, int switched_fd, int64_t seller)
{
    static log_buf log;
    double t_switch = 0, seen = 0, deadline;
    ddb_router_stats before, after;
    char byte = 'r';
    s.log = &log;
    if (!side_open(&s, 1, INTERVAL_MS))
        _exit(2);
    /* the stored phase wins over the configured one */
    CHECK_INT(shop__router_phase(s.router), 2);
    CHECK_CONTAINS(log.text, "phase 2 from the phase source (configured: 1)");
    CHECK(write(ready_fd, &byte, 1) == 1);
    CHECK(read(switched_fd, &t_switch, sizeof t_switch) == (ssize_t)sizeof t_switch);
    /* reads as the application makes them, until one runs in phase 4 */
    deadline = ddb_router_now_ms() + 5000;
    while (ddb_router_now_ms() < deadline) {
        CHECK(user_on(s.router, seller, NULL, 0));
        if (shop__router_phase(s.router) == 4) {
            seen = ddb_router_now_ms();
            break;
        }
        usleep(10 * 1000);
    }
    CHECK(seen > 0);
    fprintf(stderr, "follower: phase 4 seen %.0f ms after the switch (interval %d ms)\n",
            seen - t_switch, INTERVAL_MS);
    CHECK(seen - t_switch < INTERVAL_MS + 150);
    CHECK_CONTAINS(log.text, "shop: phase 2 -> 4 (shared)");
    CHECK_INT(stats_of(s.router).phase_switches, 1);
    /* and routes by it: reads are DynamoDB's, writes go relational first, then DynamoDB */
    before = stats_of(s.router);
    CHECK(user_on(s.router, seller, NULL, 0));
    after = stats_of(s.router);
    CHECK_INT(after.reads[DDB_ROUTER_DYNAMODB], before.reads[DDB_ROUTER_DYNAMODB] + 1);
    CHECK_INT(after.reads[DDB_ROUTER_RELATIONAL], before.reads[DDB_ROUTER_RELATIONAL]);
    side_close(&s);
    _exit(test_failures ? 1 : 0);
}

TEST(two_processes_follow_one_phase)
{
    static log_buf log;
    char run[64], name[128];
    side s;
    int ready[2], switched[2], status = 0;
    int64_t seller;
    double t_switch;
    char byte = 0;
    pid_t pid;
    memset(&s, 0, sizeof s);
    s.log = &log;
    run_name(run, sizeof run);
    names(&s, "shared", run);
    side_remove(&s);
    REQUIRE(side_open(&s, 2, INTERVAL_MS));
    snprintf(name, sizeof name, "seller_%s", run);
    REQUIRE((seller = register_user(s.router, name)) != 0);
    REQUIRE(pipe(ready) == 0 && pipe(switched) == 0);
    fflush(NULL);
    REQUIRE((pid = fork()) >= 0);
    if (pid == 0) {
        /* the parent's connections stay untouched here; the child opens its own */
        side child;
        memset(&child, 0, sizeof child);
        names(&child, "shared", run);
        follower(child, ready[1], switched[0], seller);
    }
    CHECK(read(ready[0], &byte, 1) == 1);
    t_switch = ddb_router_now_ms();
    CHECK_INT(switch_to(s.router, 4), 0);
    CHECK(write(switched[1], &t_switch, sizeof t_switch) == (ssize_t)sizeof t_switch);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the switch is in the control row, where a process started now finds it */
    {
        int phase = 0;
        ddb_error err = DDB_ERROR_INIT;
        CHECK_INT(ddb_sql_control_read_phase(s.control, &phase, &err), 0);
        CHECK_INT(phase, 4);
        ddb_error_clear(&err);
    }
    close(ready[0]);
    close(ready[1]);
    close(switched[0]);
    close(switched[1]);
    side_close(&s);
    side_remove(&s);
}

TEST_MAIN(CASE(cutover_undone_from_5_to_3_keeps_every_write), CASE(cutover_undone_on_mariadb),
          CASE(relational_failure_in_phase5_is_journaled_and_replayed),
          CASE(two_processes_follow_one_phase))
