/*
 * The router loses nothing when its process is killed (issue #11, section 3). The shop's own
 * hand-written SQL repository on SQLite is the relational primary, the generated DynamoDB
 * implementation on DynamoDB Local the secondary. Each case kills a child process with SIGKILL at
 * one injection point, KILLS times at a different call each time, then recovers in this process
 * the way an operator would (replay the journal, or run the interrupted backfill again) and checks
 * that compare_all finds 0 differences: nothing lost on DynamoDB, nothing extra (duplicated).
 *
 *   killed_after_sql_commit           the relational write committed, DynamoDB's not started
 *   killed_after_dynamodb_write       both writes done, the intent not yet closed
 *   killed_in_the_middle_of_a_backfill
 *   killed_in_the_middle_of_a_replay
 *   killed_after_dynamodb_write_in_phase_5       DynamoDB primary, the relational side kept
 *                                                (keep_relational): its mirror not started
 *   killed_after_relational_mirror_in_phase_5    both written, the intent not yet closed
 *   relational_outcome_unknown_keeps_the_intent   (no kill: a commit whose connection was lost)
 *
 * The kill happens inside a repository member: the test swaps one member of a repository's
 * function table for one that calls the original and then kills the process, so the router's
 * code runs unchanged; the backfill's BatchWriteItem calls are counted through the client's
 * event hook instead. Every case has its own SQLite file, table prefix and journal.
 *
 * Environment (tests/crash.cmake): DDB_TEST_LOCAL_STATE (the DynamoDB Local fixture) and
 * SHOP_CRASH_WORK, a directory for the case's files.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddb/sql/sqldb.h"
#include "shop_router.h"
#include "shop_sql_repo.h"
#include "test.h"

#define KILLS 20

/* ---- the case's two sides ------------------------------------------------------------------ */

typedef struct sides {
    char name[64];
    char db_path[1024];
    char journal[1024];
    char checkpoint[1100]; /* the backfill's, next to the journal */
    char prefix[96];
    char endpoint[256];
    ddb_sql *db;
    ddb_client *client;
    shop__repo *relational, *dynamodb, *router;
} sides;

static bool read_endpoint(char *buf, size_t cap)
{
    const char *dir = getenv("DDB_TEST_LOCAL_STATE");
    char path[1024];
    FILE *f;
    bool ok;
    if (!dir)
        return false;
    snprintf(path, sizeof path, "%s/endpoint", dir);
    if (!(f = fopen(path, "r")))
        return false;
    ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return ok && buf[0];
}

/* Names the case's files and tables; creates nothing. */
static bool sides_name(sides *s, const char *base)
{
    const char *work = getenv("SHOP_CRASH_WORK");
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s_%ld_%ld", base, (long)getpid(),
             (long)(time(NULL) % 1000000));
    snprintf(s->db_path, sizeof s->db_path, "%s/%s.db", work ? work : "/tmp", s->name);
    snprintf(s->journal, sizeof s->journal, "%s/%s.jsonl", work ? work : "/tmp", s->name);
    snprintf(s->checkpoint, sizeof s->checkpoint, "%s.backfill", s->journal);
    snprintf(s->prefix, sizeof s->prefix, "%s_", s->name);
    if (!read_endpoint(s->endpoint, sizeof s->endpoint)) {
        fprintf(stderr, "no DynamoDB Local: $DDB_TEST_LOCAL_STATE/endpoint is missing\n");
        return false;
    }
    return true;
}

static void count_batch_writes(void *ctx, const ddb_event *event);
static bool kill_in_batches; /* sides_open: the client counts BatchWriteItem calls as kill points */
static bool
    keep_relational; /* sides_open: phase 5 mirrors DynamoDB's writes to the relational side */

/* Opens both sides and the router in phase; with create, also the schema and the tables. */
static bool sides_open(sides *s, int phase, bool create)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
    shop__ddb_options dopts = SHOP__DDB_OPTIONS_INIT;
    shop__router_options ro = SHOP__ROUTER_OPTIONS_INIT;
    char url[1100];
    int rc;
    co.endpoint = s->endpoint;
    if (kill_in_batches)
        co.on_event = count_batch_writes;
    dopts.table_prefix = s->prefix;
    dopts.consistent_reads = true;
    ro.phase = phase;
    ro.journal_path = s->journal;
    ro.keep_relational = keep_relational;
    snprintf(url, sizeof url, "sqlite:%s", s->db_path);
    rc = ddb_sql_open(&s->db, url, &err);
    if (rc == 0 && create)
        rc = shop_sql_apply_schema(s->db, &err);
    if (rc == 0)
        rc = shop_sql_repo_new(&s->relational, s->db, false, &err);
    if (rc == 0)
        rc = ddb_client_new(&s->client, &co, &err);
    if (rc == 0 && create)
        rc = shop__create_tables(s->client, s->prefix, &err);
    if (rc == 0)
        rc = shop__ddb_repo_new(&s->dynamodb, s->client, &dopts, &err);
    if (rc == 0)
        rc = shop__router_new(&s->router, s->relational, s->dynamodb, &ro, &err);
    if (rc != 0)
        fprintf(stderr, "opening %s: %s: %s\n", s->name, ddb_strerror(rc), err.message);
    ddb_error_clear(&err);
    return rc == 0;
}

static void sides_close(sides *s)
{
    shop__repo_free(s->router);
    shop__repo_free(s->dynamodb);
    shop__repo_free(s->relational);
    ddb_client_free(s->client);
    ddb_sql_close(s->db);
    s->router = s->dynamodb = s->relational = NULL;
    s->client = NULL;
    s->db = NULL;
}

static void sides_remove(sides *s)
{
    char path[1100];
    unlink(s->db_path);
    unlink(s->journal);
    unlink(s->checkpoint);
    snprintf(path, sizeof path, "%s.lock", s->journal);
    unlink(path);
}

/* ---- the kill ------------------------------------------------------------------------------- */

/* The call (1-based) of the swapped member after which the child kills itself. */
static int kill_at, calls;

static void after_call(void)
{
    if (++calls == kill_at)
        raise(SIGKILL);
}

/* The originals of the swapped members; the swapped ones call them, then count. */
static int (*orig_create)(shop__repo *, shop__category *, ddb_error *);
static int (*orig_update)(shop__repo *, shop__category *, ddb_error *);
static int (*orig_mirror)(shop__repo *, const shop__category *, const shop__category *,
                          ddb_error *);

static int create_then_count(shop__repo *repo, shop__category *obj, ddb_error *err)
{
    int rc = orig_create(repo, obj, err);
    after_call();
    return rc;
}

static int update_then_count(shop__repo *repo, shop__category *obj, ddb_error *err)
{
    int rc = orig_update(repo, obj, err);
    after_call();
    return rc;
}

static int mirror_then_count(shop__repo *repo, const shop__category *obj, const shop__category *key,
                             ddb_error *err)
{
    int rc = orig_mirror(repo, obj, key, err);
    after_call();
    return rc;
}

/* The backfill writes in BatchWriteItem calls, which the client's event hook sees. */
static void count_batch_writes(void *ctx, const ddb_event *event)
{
    (void)ctx;
    if (strcmp(event->operation, "BatchWriteItem") == 0)
        after_call();
}

/* Kill after the kill_at-th create or update of a category on repo. */
static void arm_writes(shop__repo *repo, int at)
{
    kill_at = at;
    calls = 0;
    orig_create = repo->category__create;
    orig_update = repo->category__update;
    repo->category__create = create_then_count;
    repo->category__update = update_then_count;
}

static void arm_mirror(shop__repo *repo, int at)
{
    kill_at = at;
    calls = 0;
    orig_mirror = repo->category__mirror;
    repo->category__mirror = mirror_then_count;
}

/* Fails every category write on DynamoDB (as an outage would), so the router journals them. */
static int failing_create(shop__repo *repo, shop__category *obj, ddb_error *err)
{
    (void)repo;
    (void)obj;
    return ddb_error_set(err, DDB_ERR_NETWORK, "injected outage");
}

static int failing_update(shop__repo *repo, shop__category *obj, ddb_error *err)
{
    (void)repo;
    (void)obj;
    return ddb_error_set(err, DDB_ERR_NETWORK, "injected outage");
}

/* Creates a category and updates it once, through repo: 2 writes. */
static int write_category(shop__repo *repo, int n, ddb_error *err)
{
    shop__category c = SHOP__CATEGORY__INIT;
    char name[64];
    int rc;
    snprintf(name, sizeof name, "category %d", n);
    c.name = name;
    rc = repo->category__create(repo, &c, err);
    snprintf(name, sizeof name, "category %d, renamed", n);
    if (rc == 0)
        rc = repo->category__update(repo, &c, err);
    c.name = NULL;
    shop__category__free(&c);
    return rc;
}

/*
 * Runs child in a forked process, which must die by SIGKILL. Returns false (and says why) when
 * it exits instead: the injection point was never reached.
 */
static bool killed(void (*child)(sides *, int), sides *s, int at)
{
    pid_t pid;
    int status = 0;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        child(s, at);
        _exit(3); /* not killed: the point was not reached */
    }
    if (waitpid(pid, &status, 0) != pid)
        return false;
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        fprintf(stderr, "child for kill point %d was not killed (status %d)\n", at, status);
        return false;
    }
    return true;
}

/* The phase the operator recovers in: the phase the killed process ran in. */
static int recovery_phase = 2;

/* After a kill: both sides equal once the journal is replayed (extra: the backfill rerun). */
static bool recovered(sides *s, bool backfill)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options bulk = DDB_ROUTE_BULK_OPTIONS_INIT;
    size_t replayed = 0, differences = 99;
    int rc;
    if (!sides_open(s, recovery_phase, false))
        return false;
    bulk.checkpoint_path = s->checkpoint;
    rc = shop__router_replay(s->router, &replayed, &err);
    /* the interrupted backfill resumes from its checkpoint */
    if (rc == 0 && backfill)
        rc = shop__router_backfill_with(s->router, &bulk, NULL, &err);
    if (rc == 0)
        rc = shop__router_compare_all(s->router, &differences, &err);
    if (rc != 0)
        fprintf(stderr, "recovery: %s: %s\n", ddb_strerror(rc), err.message);
    else if (differences != 0)
        fprintf(stderr, "recovery: %zu differences after replaying %zu entries\n", differences,
                replayed);
    ddb_error_clear(&err);
    sides_close(s);
    return rc == 0 && differences == 0;
}

/* ---- the children --------------------------------------------------------------------------- */

static int round_no;

/* Phase 2 writes, killed right after the relational side committed one. */
static void child_sql_commit(sides *s, int at)
{
    ddb_error err = DDB_ERROR_INIT;
    if (!sides_open(s, 2, false))
        return;
    arm_writes(s->relational, at);
    for (int i = 0; i < 4; i++)
        write_category(s->router, round_no * 10 + i, &err);
}

/* Phase 2 writes, killed right after DynamoDB's write returned, before the intent is closed. */
static void child_dynamodb_write(sides *s, int at)
{
    ddb_error err = DDB_ERROR_INIT;
    if (!sides_open(s, 2, false))
        return;
    arm_writes(s->dynamodb, at);
    for (int i = 0; i < 4; i++)
        write_category(s->router, round_no * 10 + i, &err);
}

/*
 * A backfill, killed after a number of DynamoDB writes: BatchWriteItem calls of one row each
 * (one page of one row at a time), or mirrors when it goes row by row. Its checkpoint is
 * rewritten after each page.
 */
static void child_backfill(sides *s, int at)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_route_bulk_options bulk = DDB_ROUTE_BULK_OPTIONS_INIT;
    bulk.checkpoint_path = s->checkpoint;
    bulk.page_rows = 1;
    bulk.max_in_flight = 1;
    kill_in_batches = true;
    if (!sides_open(s, 2, false))
        return;
    arm_mirror(s->dynamodb, at);
    shop__router_backfill_with(s->router, &bulk, NULL, &err);
}

/* Phase 5 writes with the relational side kept, killed right after DynamoDB (the primary)
   committed one: its relational mirror never started. */
static void child_phase5_dynamodb_write(sides *s, int at)
{
    ddb_error err = DDB_ERROR_INIT;
    if (!sides_open(s, 5, false))
        return;
    arm_writes(s->dynamodb, at);
    for (int i = 0; i < 4; i++)
        write_category(s->router, round_no * 10 + i, &err);
}

/* Phase 5 writes, killed right after the relational mirror of one, before its intent closed. */
static void child_phase5_relational_mirror(sides *s, int at)
{
    ddb_error err = DDB_ERROR_INIT;
    if (!sides_open(s, 5, false))
        return;
    arm_mirror(s->relational, at);
    for (int i = 0; i < 4; i++)
        write_category(s->router, round_no * 10 + i, &err);
}

/* A replay, killed after a number of DynamoDB writes. */
static void child_replay(sides *s, int at)
{
    ddb_error err = DDB_ERROR_INIT;
    size_t replayed = 0;
    if (!sides_open(s, 2, false))
        return;
    arm_mirror(s->dynamodb, at);
    shop__router_replay(s->router, &replayed, &err);
}

/* ---- the cases ------------------------------------------------------------------------------ */

/* KILLS rounds of: prepare (in this process), kill the child at a call, recover, compare. */
static void run_rounds(const char *base, void (*prepare)(sides *, int), void (*child)(sides *, int),
                       bool backfill)
{
    sides s;
    int kills = 0, equal = 0;
    REQUIRE(sides_name(&s, base));
    REQUIRE(sides_open(&s, 1, true));
    sides_close(&s);
    for (round_no = 0; round_no < KILLS; round_no++) {
        /* each round kills at another call: the first, the second, ... the fourth */
        int at = 1 + round_no % 4;
        if (prepare)
            prepare(&s, round_no);
        kills += killed(child, &s, at);
        equal += recovered(&s, backfill);
    }
    CHECK_INT(kills, KILLS);
    CHECK_INT(equal, KILLS);
    sides_remove(&s);
}

/* Relational rows DynamoDB has not seen: written through a phase 1 router. */
static void add_relational_rows(sides *s, int round)
{
    ddb_error err = DDB_ERROR_INIT;
    if (!sides_open(s, 1, false))
        return;
    for (int i = 0; i < 5; i++)
        write_category(s->router, 1000 + round * 10 + i, &err);
    ddb_error_clear(&err);
    sides_close(s);
}

/* Journal entries to replay: phase 2 writes while every DynamoDB category write fails. */
static void add_journal_entries(sides *s, int round)
{
    ddb_error err = DDB_ERROR_INIT;
    if (!sides_open(s, 2, false))
        return;
    s->dynamodb->category__create = failing_create;
    s->dynamodb->category__update = failing_update;
    for (int i = 0; i < 3; i++)
        write_category(s->router, 2000 + round * 10 + i, &err);
    ddb_error_clear(&err);
    sides_close(s);
}

TEST(killed_after_sql_commit)
{
    run_rounds("crash_sql", NULL, child_sql_commit, false);
}

TEST(killed_after_dynamodb_write)
{
    run_rounds("crash_ddb", NULL, child_dynamodb_write, false);
}

TEST(killed_in_the_middle_of_a_backfill)
{
    run_rounds("crash_backfill", add_relational_rows, child_backfill, true);
}

TEST(killed_in_the_middle_of_a_replay)
{
    run_rounds("crash_replay", add_journal_entries, child_replay, false);
}

TEST(killed_after_dynamodb_write_in_phase_5)
{
    keep_relational = true;
    recovery_phase = 5;
    run_rounds("crash_p5_ddb", NULL, child_phase5_dynamodb_write, false);
}

TEST(killed_after_relational_mirror_in_phase_5)
{
    keep_relational = true;
    recovery_phase = 5;
    run_rounds("crash_p5_rel", NULL, child_phase5_relational_mirror, false);
}

/* A relational create that committed and then lost its connection (the driver reports
   DDB_ERR_NETWORK): the caller sees the failure, DynamoDB was not written, and the intent stays
   open, so a replay copies the row the relational side did commit. */
static int create_then_lose_connection(shop__repo *repo, shop__category *obj, ddb_error *err)
{
    int rc = orig_create(repo, obj, err);
    return rc != 0 ? rc : ddb_error_set(err, DDB_ERR_NETWORK, "connection lost after commit");
}

TEST(relational_outcome_unknown_keeps_the_intent)
{
    sides s;
    ddb_error err = DDB_ERROR_INIT;
    size_t replayed = 0, differences = 99;
    REQUIRE(sides_name(&s, "crash_unknown"));
    REQUIRE(sides_open(&s, 2, true));
    orig_create = s.relational->category__create;
    s.relational->category__create = create_then_lose_connection;
    CHECK_INT(write_category(s.router, 1, &err), DDB_ERR_NETWORK);
    s.relational->category__create = orig_create;
    CHECK_INT(shop__router_compare_all(s.router, &differences, &err), 0);
    CHECK_INT(differences, 1); /* committed on the relational side only */
    CHECK_INT(shop__router_replay(s.router, &replayed, &err), 0);
    CHECK_INT(replayed, 1);
    CHECK_INT(shop__router_compare_all(s.router, &differences, &err), 0);
    CHECK_INT(differences, 0);
    ddb_error_clear(&err);
    sides_close(&s);
    sides_remove(&s);
}

TEST_MAIN(CASE(killed_after_sql_commit), CASE(killed_after_dynamodb_write),
          CASE(killed_in_the_middle_of_a_backfill), CASE(killed_in_the_middle_of_a_replay),
          CASE(relational_outcome_unknown_keeps_the_intent),
          CASE(killed_after_dynamodb_write_in_phase_5),
          CASE(killed_after_relational_mirror_in_phase_5))
