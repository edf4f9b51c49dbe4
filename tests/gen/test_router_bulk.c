/*
 * The migration router's bulk paths (docs/design/bulk-paths.md) with the code generated for
 * gen-models/router.json (namespace rt), against DynamoDB Local. As in test_router.c, the
 * "relational" primary is a second generated DynamoDB implementation over other table names,
 * so every routed call lands somewhere real.
 *
 *   backfill_beside_writers_regresses_nothing   writer threads update rows through the router
 *                                                while the backfill runs; compare_all then 0
 *   compare_all_reports_every_difference        missing, extra and differing, with one
 *                                                partition and with many (a small max_rows)
 *   checkpoint_resumes_and_bad_ones_are_named   a checkpoint skips the types it says are done;
 *                                                a malformed one is named by line
 *   bad_options_are_named                       version and negative figures
 *   budget_paces_the_backfill                   items_per_second bounds the write rate
 *   throttling_halves_the_rate_and_loses_nothing  DynamoDB's side behind a fault proxy that
 *                                                throttles the first batches: they are sent
 *                                                again, counted, and both sides end equal
 *   progress_goes_to_a_terminal_only            rows and rate on stderr when it is a terminal
 *                                                (a pseudo-terminal here), nothing on a pipe
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"
#include "rt_router.h"
#include "support/fault_proxy.h"
#include "support/harness.h"
#include "test.h"

#define MAX_LINES 100000
#define ROWS 400
#define WRITERS 4

static char rel_prefix[64], ddb_prefix[64], journal[256], checkpoint[300];
static ddb_client *client;
static rt__repo *rel, *ddb, *router;
static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;
static char *lines[MAX_LINES];
static size_t n_lines;

static void capture(void *ctx, const char *line)
{
    (void)ctx;
    if (getenv("ROUTER_TEST_VERBOSE"))
        fprintf(stderr, "log: %s\n", line);
    pthread_mutex_lock(&lines_lock);
    if (n_lines < MAX_LINES)
        lines[n_lines++] = strdup(line);
    pthread_mutex_unlock(&lines_lock);
}

/* Drops the lines logged so far. */
static void forget_lines(void)
{
    pthread_mutex_lock(&lines_lock);
    for (size_t i = 0; i < n_lines; i++)
        free(lines[i]);
    n_lines = 0;
    pthread_mutex_unlock(&lines_lock);
}

/* Logged lines containing a (and b when given). */
static size_t logged(const char *a, const char *b)
{
    size_t n = 0;
    for (size_t i = 0; i < n_lines; i++)
        n += strstr(lines[i], a) && (!b || strstr(lines[i], b));
    return n;
}

static int make_side(rt__repo **out, ddb_client *through, const char *prefix)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__ddb_options opts = RT__DDB_OPTIONS_INIT;
    int rc = rt__create_tables(client, prefix, &err);
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = rt__ddb_repo_new(out, through, &opts, &err);
    return harness_report("repo", rc, &err);
}

/* The router over two sides; DynamoDB's side talks through ddb_side when it is not NULL. */
static int setup_through(int phase, ddb_client *ddb_side)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int rc;
    client = harness_client(NULL);
    snprintf(rel_prefix, sizeof rel_prefix, "rtbrel%ld_", (long)getpid());
    snprintf(ddb_prefix, sizeof ddb_prefix, "rtbddb%ld_", (long)getpid());
    snprintf(journal, sizeof journal, "%s/rtb_journal_%ld.jsonl", tmp, (long)getpid());
    snprintf(checkpoint, sizeof checkpoint, "%s.backfill", journal);
    unlink(journal);
    unlink(checkpoint);
    if ((rc = make_side(&rel, client, rel_prefix)) != 0 ||
        (rc = make_side(&ddb, ddb_side ? ddb_side : client, ddb_prefix)) != 0)
        return rc;
    o.phase = phase;
    o.journal_path = journal;
    o.log = capture;
    rc = rt__router_new(&router, rel, ddb, &o, &err);
    return harness_report("router", rc, &err);
}

static int setup(int phase)
{
    return setup_through(phase, NULL);
}

static void teardown(void)
{
    static const char *const tables[] = {"Accounts", "Notes", "rt_counters"};
    rt__repo_free(router);
    rt__repo_free(rel);
    rt__repo_free(ddb);
    router = rel = ddb = NULL;
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < 3; i++) {
            char name[128];
            snprintf(name, sizeof name, "%s%s", p ? ddb_prefix : rel_prefix, tables[i]);
            harness_delete_table(client, name);
        }
    ddb_client_free(client);
    client = NULL;
    forget_lines();
    unlink(journal);
    unlink(checkpoint);
}

/* n accounts written through the router (phase 1: the relational side only); their IDs. */
static void add_accounts(int64_t *ids, size_t n)
{
    ddb_error err = DDB_ERROR_INIT;
    for (size_t i = 0; i < n; i++) {
        rt__account a = RT__ACCOUNT__INIT;
        char email[64];
        snprintf(email, sizeof email, "a%zu@example.com", i);
        a.email = strdup(email);
        a.name = strdup("first");
        REQUIRE(router->account__create(router, &a, &err) == 0);
        ids[i] = a.account_id;
        rt__account__free(&a);
    }
}

typedef struct writer_arg {
    int index;
    const int64_t *ids;
    atomic_bool *stop;
    atomic_long *updates;
    int failures;
} writer_arg;

/* Updates its share of the rows (no two writers share a row) until told to stop. */
static void *writer(void *p)
{
    writer_arg *w = p;
    ddb_error err = DDB_ERROR_INIT;
    for (long round = 0; !atomic_load(w->stop); round++)
        for (size_t i = (size_t)w->index; i < ROWS && !atomic_load(w->stop); i += WRITERS) {
            rt__account key = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
            bool found = false;
            char name[64];
            key.account_id = w->ids[i];
            if (router->account__get(router, &got, &found, &key, &err) != 0 || !found) {
                w->failures++;
                continue;
            }
            snprintf(name, sizeof name, "writer %d round %ld", w->index, round);
            free(got.name);
            got.name = strdup(name);
            if (router->account__update(router, &got, &err) == 0)
                atomic_fetch_add(w->updates, 1);
            else
                w->failures++;
            rt__account__free(&got);
        }
    ddb_error_clear(&err);
    return NULL;
}

/* ---- tests ---------------------------------------------------------------------------------- */

TEST(backfill_beside_writers_regresses_nothing)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    ddb_route_bulk_stats st;
    static int64_t ids[ROWS];
    pthread_t threads[WRITERS];
    writer_arg args[WRITERS];
    atomic_bool stop = false;
    atomic_long updates = 0;
    long before;
    size_t diffs = 99;

    REQUIRE(setup(1) == 0);
    add_accounts(ids, ROWS);
    REQUIRE(rt__router_set_phase(router, 2, &err) == 0);
    for (int t = 0; t < WRITERS; t++) {
        args[t] = (writer_arg){t, ids, &stop, &updates, 0};
        REQUIRE(pthread_create(&threads[t], NULL, writer, &args[t]) == 0);
    }
    /* pages of 200 rows, few requests in flight: rows wait between their read and their batch,
       and writers meet them there (without the notes, about 10 of them end older) */
    while (atomic_load(&updates) < 20)
        usleep(1000);
    before = atomic_load(&updates);
    o.page_rows = 200;
    o.max_in_flight = 2;
    REQUIRE(rt__router_backfill_with(router, &o, &st, &err) == 0);
    atomic_store(&stop, true);
    for (int t = 0; t < WRITERS; t++) {
        pthread_join(threads[t], NULL);
        CHECK_INT(args[t].failures, 0);
    }
    CHECK(atomic_load(&updates) > before); /* the writers ran beside the backfill */
    CHECK_INT(st.rows, ROWS);
    CHECK_INT(st.items, ROWS); /* the model has no unique values: one item per row */
    CHECK(st.remirrored > 0);  /* rows the writers touched were checked again */
    CHECK(logged("rt: backfill:", "checks of rows written meanwhile") == 1);

    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);
    ddb_error_clear(&err);
    teardown();
}

TEST(compare_all_reports_every_difference)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    ddb_route_bulk_stats st;
    rt__account got = RT__ACCOUNT__INIT, extra = RT__ACCOUNT__INIT;
    static int64_t ids[40];
    bool found = false;
    size_t diffs = 99;

    REQUIRE(setup(2) == 0);
    add_accounts(ids, 40); /* phase 2: on both sides */
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);

    /* missing from DynamoDB, extra in DynamoDB, differing in a field */
    got.account_id = ids[3];
    REQUIRE(ddb->account__mirror(ddb, NULL, &got, &err) == 0);
    extra.account_id = 999999;
    extra.email = strdup("extra@example.com");
    extra.ddb_version = 1;
    REQUIRE(ddb->account__mirror(ddb, &extra, &extra, &err) == 0);
    got.account_id = ids[7];
    REQUIRE(ddb->account__get(ddb, &got, &found, &got, &err) == 0 && found);
    free(got.name);
    got.name = strdup("changed in dynamodb");
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);

    forget_lines();
    REQUIRE(rt__router_compare_all_with(router, NULL, &diffs, &st, &err) == 0);
    CHECK_INT(diffs, 3);
    CHECK_INT(st.rows, 40);
    CHECK_INT(st.items, 40); /* 39 of the rows and the extra one */
    CHECK(logged("absent from dynamodb", NULL) == 1);
    CHECK(logged("absent from relational", NULL) == 1);
    CHECK(logged("name", NULL) >= 1);

    /* at most 4 rows held: the rows are split into partitions, each with its own Scan */
    o.max_rows = 4;
    o.segments = 3;
    diffs = 99;
    REQUIRE(rt__router_compare_all_with(router, &o, &diffs, &st, &err) == 0);
    CHECK_INT(diffs, 3);
    CHECK_INT(st.rows, 40);
    CHECK_INT(st.items, 40);

    rt__account__free(&got);
    rt__account__free(&extra);
    ddb_error_clear(&err);
    teardown();
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

TEST(checkpoint_resumes_and_bad_ones_are_named)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    ddb_route_bulk_stats st;
    static int64_t ids[30];
    size_t diffs = 99;

    REQUIRE(setup(1) == 0);
    add_accounts(ids, 30);
    o.checkpoint_path = checkpoint;

    /* Account done: only the other types are read */
    write_file(checkpoint, "Account\t+\n");
    REQUIRE(rt__router_backfill_with(router, &o, &st, &err) == 0);
    CHECK_INT(st.rows, 0);
    CHECK(access(checkpoint, F_OK) != 0); /* removed once complete */

    /* without it: everything, and both sides equal */
    REQUIRE(rt__router_backfill_with(router, &o, &st, &err) == 0);
    CHECK_INT(st.rows, 30);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);

    write_file(checkpoint, "Account\t+\nno tab here\n");
    CHECK_INT(rt__router_backfill_with(router, &o, &st, &err), DDB_ERR_PROTOCOL);
    CHECK(strstr(err.message, "line 2") != NULL);
    CHECK(strstr(err.message, checkpoint) != NULL);
    ddb_error_clear(&err);
    teardown();
}

TEST(bad_options_are_named)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    size_t diffs = 0;
    REQUIRE(setup(2) == 0);
    o.version = 7;
    CHECK_INT(rt__router_backfill_with(router, &o, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "version 7") != NULL);
    o.version = DDB_ROUTE_BULK_OPTIONS_VERSION;
    o.items_per_second = -5;
    CHECK_INT(rt__router_compare_all_with(router, &o, &diffs, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "items_per_second -5") != NULL);
    ddb_error_clear(&err);
    teardown();
}

TEST(budget_paces_the_backfill)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    ddb_route_bulk_stats st;
    static int64_t ids[120];
    size_t diffs = 99;

    REQUIRE(setup(2) == 0);
    add_accounts(ids, 120);
    o.items_per_second = 200;
    o.page_rows = 40;
    REQUIRE(rt__router_backfill_with(router, &o, &st, &err) == 0);
    CHECK_INT(st.items, 120);
    /* each page waits for its share of the budget before it is sent: 120 items at 200/s take
       0.6 s at least, however fast DynamoDB Local answers */
    CHECK(st.seconds >= 0.6 * 0.98);
    CHECK_INT(st.throttled, 0);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);
    ddb_error_clear(&err);
    teardown();
}

TEST(throttling_halves_the_rate_and_loses_nothing)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    ddb_route_bulk_stats st;
    ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
    static int64_t ids[60];
    fault_proxy *proxy = fault_proxy_start(harness_endpoint());
    const fault_step throttled[] = {{.action = FAULT_THROTTLE}, {.action = FAULT_THROTTLE}};
    const fault_step forward = {.action = FAULT_FORWARD};
    ddb_client *via = NULL;
    size_t diffs = 99, batches = 0;

    /* the client's own retries off: each throttle reaches the backfill */
    co.endpoint = fault_proxy_endpoint(proxy);
    co.region = "us-east-1";
    co.access_key_id = "ASIAHARNESSTEST";
    co.secret_access_key = "harness-secret";
    co.session_token = "harness-session-token/ddbkit+LEAKCHECK7";
    co.max_attempts = 1;
    REQUIRE(ddb_client_new(&via, &co, &err) == 0);
    REQUIRE(setup_through(2, via) == 0);
    add_accounts(ids, 60);

    /* pages of 20 rows, one BatchWriteItem each: the first page is throttled twice */
    o.page_rows = 20;
    fault_proxy_script(proxy, throttled, 2, forward);
    REQUIRE(rt__router_backfill_with(router, &o, &st, &err) == 0);
    CHECK_INT(st.rows, 60);
    CHECK_INT(st.items, 60);
    CHECK_INT(st.throttled, 2);
    /* the rate it fell back to is 250 items/s (1000 halved twice), not a crawl */
    CHECK(st.seconds < 30);
    for (size_t i = 0; i < fault_proxy_requests(proxy); i++) {
        fault_request q;
        REQUIRE(fault_proxy_request(proxy, i, &q));
        batches += strcmp(q.operation, "BatchWriteItem") == 0;
    }
    CHECK_INT(batches, 5); /* the first page three times, then two */
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);
    ddb_error_clear(&err);
    teardown();
    ddb_client_free(via);
    fault_proxy_stop(proxy);
}

/* What a backfill with progress on writes to stderr when stderr is fd; NULL on failure. */
static char *backfill_stderr(int fd, int read_fd)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
    static char text[4096];
    size_t len = 0;
    int saved = dup(2), rc;
    o.progress = true;
    fflush(stderr);
    if (saved < 0 || dup2(fd, 2) < 0)
        return NULL;
    rc = rt__router_backfill_with(router, &o, NULL, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    ddb_error_clear(&err);
    if (rc != 0)
        return NULL;
    for (;;) {
        struct pollfd pfd = {read_fd, POLLIN, 0};
        ssize_t got;
        if (poll(&pfd, 1, 200) <= 0 || len + 1 >= sizeof text)
            break;
        got = read(read_fd, text + len, sizeof text - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    text[len] = '\0';
    return text;
}

TEST(progress_goes_to_a_terminal_only)
{
    static int64_t ids[30];
    int master, slave, pipe_fds[2];
    const char *text;

    REQUIRE(setup(2) == 0);
    add_accounts(ids, 30);
    REQUIRE(openpty(&master, &slave, NULL, NULL, NULL) == 0);
    text = backfill_stderr(slave, master);
    REQUIRE(text != NULL);
    CHECK(strstr(text, "backfill Account: 30 rows") != NULL);
    CHECK(strstr(text, "rows/s") != NULL);
    close(master);

    REQUIRE(pipe(pipe_fds) == 0);
    REQUIRE(fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK) == 0);
    text = backfill_stderr(pipe_fds[1], pipe_fds[0]);
    REQUIRE(text != NULL);
    CHECK_STR(text, "");
    close(pipe_fds[0]);
    teardown();
}

TEST_MAIN(CASE(backfill_beside_writers_regresses_nothing),
          CASE(compare_all_reports_every_difference),
          CASE(checkpoint_resumes_and_bad_ones_are_named), CASE(bad_options_are_named),
          CASE(budget_paces_the_backfill), CASE(throttling_halves_the_rate_and_loses_nothing),
          CASE(progress_goes_to_a_terminal_only))
