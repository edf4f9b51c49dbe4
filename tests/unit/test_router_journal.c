/*
 * The router's repair journal as crash bookkeeping (ddb/dal/router.h): intent records written
 * before a dual write and closed after it, their compaction, and one journal shared by several
 * processes. No server is needed: the journal is a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ddb/dal/router.h"
#include "test.h"

static char path[512];

/* A journal path of this run (under /dev/shm when there is one: thousands of fsyncs). */
static void fresh_path(const char *name)
{
    struct stat st;
    const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                      : getenv("TMPDIR")                                ? getenv("TMPDIR")
                                                                        : "/tmp";
    char lock[600];
    snprintf(path, sizeof path, "%s/ddb_journal_%s_%ld.jsonl", dir, name, (long)getpid());
    snprintf(lock, sizeof lock, "%s.lock", path);
    unlink(path);
    unlink(lock);
}

static void remove_path(void)
{
    char lock[600];
    snprintf(lock, sizeof lock, "%s.lock", path);
    unlink(path);
    unlink(lock);
}

static ddb_router *open_router(void)
{
    ddb_router_config cfg = {.version = DDB_ROUTER_CONFIG_VERSION,
                             .name = "t",
                             .phase = 2,
                             .journal_path = path,
                             .compare_percent = 100};
    ddb_router *r = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_router_new(&r, &cfg, &err) != 0)
        fprintf(stderr, "router: %s\n", err.message);
    return r;
}

static ddb_value *account_key(long long id)
{
    ddb_value *key = NULL;
    if (ddb_value_new_m(&key, NULL) != 0 || ddb_value_m_set_i64(key, "account_id", id, NULL) != 0) {
        ddb_value_free(key);
        return NULL;
    }
    return key;
}

static long file_size(void)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(open_intents_are_entries_closed_ones_are_not)
{
    ddb_router *r;
    ddb_value *key = account_key(7);
    ddb_router_intent_entry keyed[2] = {{"Account", NULL}, {"Ledger", NULL}};
    ddb_router_journal j = {0, NULL, 0, 0};
    ddb_router_stats st;
    uint64_t open_id = 0, closed_id = 0;
    ddb_error err = DDB_ERROR_INIT;
    fresh_path("intents");
    REQUIRE((r = open_router()) != NULL);
    REQUIRE(key != NULL);
    keyed[0].key = key;
    /* one record for two entities (a transaction), left open: a crash between its writes */
    CHECK_INT(ddb_router_intent(r, keyed, 2, &open_id, &err), 0);
    CHECK(open_id != 0);
    /* another, closed: its call completed */
    CHECK_INT(ddb_router_intent(r, keyed, 1, &closed_id, &err), 0);
    CHECK(closed_id != 0 && closed_id != open_id);
    ddb_router_intent_done(r, closed_id);
    CHECK_INT(ddb_router_journal_load(&j, r, &err), 0);
    REQUIRE(j.n == 2);
    CHECK_STR(j.entries[0].kind, "Account");
    CHECK(j.entries[0].key && ddb_value_equal(j.entries[0].key, key));
    CHECK_STR(j.entries[1].kind, "Ledger");
    CHECK(j.entries[1].key == NULL); /* a resync of Ledger */
    /* a replay consumes them; the journal is empty after */
    CHECK_INT(ddb_router_journal_consume(r, &j, &err), 0);
    ddb_router_journal_clear(&j);
    CHECK_INT(ddb_router_journal_load(&j, r, &err), 0);
    CHECK_INT(j.n, 0);
    ddb_router_journal_clear(&j);
    ddb_router_stats_get(r, &st);
    CHECK_INT(st.intents, 2);
    CHECK_INT(st.journal_entries, 0); /* intents are bookkeeping, not failures */
    ddb_value_free(key);
    ddb_router_free(r);
    remove_path();
}

TEST(a_malformed_done_line_names_its_line)
{
    ddb_router *r;
    ddb_router_journal j = {0, NULL, 0, 0};
    ddb_error err = DDB_ERROR_INIT;
    FILE *f;
    fresh_path("malformed");
    REQUIRE((r = open_router()) != NULL);
    REQUIRE((f = fopen(path, "a")) != NULL);
    fputs("{\"kind\":\"Account\",\"resync\":true}\n{\"done\":\"not-an-id\"}\n", f);
    fclose(f);
    CHECK_INT(ddb_router_journal_load(&j, r, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "line 2");
    ddb_error_clear(&err);
    ddb_router_free(r);
    remove_path();
}

TEST(closed_intents_are_compacted_away)
{
    ddb_router *r;
    ddb_value *key = account_key(42);
    ddb_router_intent_entry one = {"Account", NULL};
    ddb_router_journal j = {0, NULL, 0, 0};
    uint64_t id = 0, open_id = 0;
    ddb_error err = DDB_ERROR_INIT;
    long largest = 0;
    fresh_path("compact");
    REQUIRE((r = open_router()) != NULL);
    REQUIRE(key != NULL);
    one.key = key;
    /* a failure entry and an open intent before a long run of completed dual writes */
    CHECK_INT(ddb_router_journal_append(r, "Account", key, &err), 0);
    CHECK_INT(ddb_router_intent(r, &one, 1, &open_id, &err), 0);
    for (int i = 0; i < 12000; i++) {
        long size;
        if (ddb_router_intent(r, &one, 1, &id, &err) != 0)
            break;
        ddb_router_intent_done(r, id);
        size = file_size();
        largest = size > largest ? size : largest;
    }
    /* 12,000 closed intents are about 1.4 MB of lines: compaction keeps it near 1 MB */
    CHECK(largest > 0 && largest <= (1L << 20) + 256);
    CHECK(file_size() < (1L << 20));
    CHECK_INT(ddb_router_journal_load(&j, r, &err), 0);
    CHECK_INT(j.n, 2); /* the failure and the open intent survive */
    ddb_router_journal_clear(&j);
    ddb_value_free(key);
    ddb_router_free(r);
    remove_path();
}

/* Appends n entries from a process of its own (a second instance of the application). */
static void append_from_child(int n)
{
    ddb_router *r = open_router();
    ddb_error err = DDB_ERROR_INIT;
    int failed = 0;
    if (!r)
        _exit(2);
    for (int i = 0; i < n; i++) {
        ddb_value *key = account_key(i);
        failed |= ddb_router_journal_append(r, "Account", key, &err) != 0;
        ddb_value_free(key);
    }
    ddb_router_free(r);
    _exit(failed ? 1 : 0);
}

TEST(two_processes_share_a_journal_without_losing_a_line)
{
    enum { N = 400 };
    ddb_router *r;
    ddb_router_journal j = {0, NULL, 0, 0};
    ddb_error err = DDB_ERROR_INIT;
    size_t consumed = 0;
    int status = 0, rounds = 0;
    pid_t pid;
    fresh_path("shared");
    REQUIRE((r = open_router()) != NULL);
    fflush(NULL);
    REQUIRE((pid = fork()) >= 0);
    if (pid == 0)
        append_from_child(N);
    /* replays run while the other process appends: each consumes what it loaded, no more */
    for (;;) {
        bool child_done = waitpid(pid, &status, WNOHANG) == pid;
        if (ddb_router_journal_load(&j, r, &err) != 0 ||
            ddb_router_journal_consume(r, &j, &err) != 0) {
            fprintf(stderr, "replay: %s\n", err.message);
            break;
        }
        consumed += j.n;
        ddb_router_journal_clear(&j);
        rounds++;
        if (child_done)
            break;
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(ddb_router_journal_load(&j, r, &err) == 0);
    consumed += j.n;
    ddb_router_journal_clear(&j);
    CHECK_INT(consumed, N);
    CHECK(rounds > 1);
    ddb_router_free(r);
    remove_path();
}

TEST(phase5_lines_say_a_replay_copies_from_dynamodb)
{
    ddb_router *r;
    ddb_value *key = account_key(9);
    ddb_router_intent_entry one = {"Account", NULL};
    ddb_router_journal j = {0, NULL, 0, 0};
    uint64_t id = 0;
    ddb_error err = DDB_ERROR_INIT;
    FILE *f;
    char *text;
    fresh_path("from");
    REQUIRE((r = open_router()) != NULL);
    REQUIRE(key != NULL);
    one.key = key;
    CHECK_INT(ddb_router_intent_from(r, DDB_ROUTER_DYNAMODB, &one, 1, &id, &err), 0);
    CHECK_INT(ddb_router_journal_append_from(r, DDB_ROUTER_DYNAMODB, "Ledger", NULL, &err), 0);
    CHECK_INT(ddb_router_journal_append(r, "Account", key, &err), 0);
    CHECK_INT(ddb_router_journal_load(&j, r, &err), 0);
    REQUIRE(j.n == 3);
    CHECK_INT(j.entries[0].source, DDB_ROUTER_DYNAMODB);
    CHECK(j.entries[0].key && ddb_value_equal(j.entries[0].key, key));
    CHECK_INT(j.entries[1].source, DDB_ROUTER_DYNAMODB);
    CHECK(j.entries[1].key == NULL);
    CHECK_INT(j.entries[2].source, DDB_ROUTER_RELATIONAL);
    ddb_router_journal_clear(&j);
    REQUIRE((f = fopen(path, "r")) != NULL);
    text = calloc(1, 4096);
    REQUIRE(text != NULL);
    CHECK(fread(text, 1, 4095, f) > 0);
    fclose(f);
    CHECK_CONTAINS(text, "\"resync\":true,\"from\":\"dynamodb\"");
    free(text);
    /* an unknown direction is an error naming its line, never read as the default */
    REQUIRE((f = fopen(path, "a")) != NULL);
    fputs("{\"kind\":\"Account\",\"resync\":true,\"from\":\"oracle\"}\n", f);
    fclose(f);
    CHECK_INT(ddb_router_journal_load(&j, r, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "line 4");
    ddb_error_clear(&err);
    ddb_value_free(key);
    ddb_router_free(r);
    remove_path();
}

/* ---- the shared phase ------------------------------------------------------------------------ */

/* A phase source in memory: what a control row holds, shared by two routers of this process. */
typedef struct shared_phase {
    int phase; /* 0: none stored */
    int reads, stores;
    int fail_read, fail_store; /* the next call fails with this code (0: none) */
} shared_phase;

static int shared_read(void *ctx, int *phase, ddb_error *err)
{
    shared_phase *s = ctx;
    s->reads++;
    if (s->fail_read)
        return ddb_error_set(err, s->fail_read, "control row unreadable");
    *phase = s->phase;
    return 0;
}

static int shared_store(void *ctx, int phase, ddb_error *err)
{
    shared_phase *s = ctx;
    s->stores++;
    if (s->fail_store)
        return ddb_error_set(err, s->fail_store, "control row not written");
    s->phase = phase;
    return 0;
}

typedef struct lines {
    char text[8192];
} lines;

static void keep_line(void *ctx, const char *line)
{
    lines *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s\n", line);
}

static ddb_router *shared_router(shared_phase *s, int phase, int interval_ms, lines *log,
                                 ddb_error *err)
{
    ddb_router_config cfg = {.version = DDB_ROUTER_CONFIG_VERSION,
                             .name = "t",
                             .phase = phase,
                             .compare_percent = 100,
                             .log = keep_line,
                             .log_ctx = log};
    ddb_router *r = NULL;
    cfg.phase_source.read = shared_read;
    cfg.phase_source.store = shared_store;
    cfg.phase_source.ctx = s;
    cfg.phase_source.interval_ms = interval_ms;
    return ddb_router_new(&r, &cfg, err) == 0 ? r : NULL;
}

TEST(a_shared_phase_is_followed_within_its_interval)
{
    shared_phase s = {0, 0, 0, 0, 0};
    lines la, lb;
    ddb_router *a, *b;
    ddb_router_stats st;
    ddb_error err = DDB_ERROR_INIT;
    memset(&la, 0, sizeof la);
    memset(&lb, 0, sizeof lb);
    /* the first router stores its phase; the next one takes the stored phase over its own */
    REQUIRE((a = shared_router(&s, 2, 100, &la, &err)) != NULL);
    CHECK_INT(s.phase, 2);
    REQUIRE((b = shared_router(&s, 1, 100, &lb, &err)) != NULL);
    CHECK_INT(ddb_router_phase(b), 2);
    CHECK_CONTAINS(lb.text, "phase 2 from the phase source (configured: 1)");
    /* a switch is stored, and b follows once its interval has passed, not before */
    CHECK_INT(ddb_router_set_phase(a, 3, &err), 0);
    CHECK_INT(s.phase, 3);
    CHECK_INT(ddb_router_poll_phase(b), 2);
    usleep(150 * 1000);
    CHECK_INT(ddb_router_poll_phase(b), 3);
    CHECK_CONTAINS(lb.text, "t: phase 2 -> 3 (shared)");
    ddb_router_stats_get(b, &st);
    CHECK_INT(st.phase, 3);
    CHECK_INT(st.phase_switches, 1);
    CHECK(st.phase_reads >= 2);
    /* a read that fails keeps the phase, logged and counted */
    s.fail_read = DDB_ERR_NETWORK;
    usleep(150 * 1000);
    CHECK_INT(ddb_router_poll_phase(b), 3);
    CHECK_CONTAINS(lb.text, "phase source read failed: DDB_ERR_NETWORK: control row unreadable");
    ddb_router_stats_get(b, &st);
    CHECK_INT(st.phase_read_failures, 1);
    s.fail_read = 0;
    /* a switch that cannot be stored does not happen, here or anywhere */
    s.fail_store = DDB_ERR_SERVICE;
    CHECK_INT(ddb_router_set_phase(a, 4, &err), DDB_ERR_SERVICE);
    CHECK_CONTAINS(err.message, "control row not written");
    CHECK_INT(ddb_router_phase(a), 3);
    CHECK_CONTAINS(la.text, "phase 3 -> 4 refused: the phase source: DDB_ERR_SERVICE");
    CHECK_INT(s.phase, 3);
    s.fail_store = 0;
    /* a STOP policy's fall back is stored, so that every process stops, not this one alone */
    CHECK(ddb_router_fall_back(b, 3, "dynamodb down"));
    CHECK_INT(s.phase, 2);
    usleep(150 * 1000);
    CHECK_INT(ddb_router_poll_phase(a), 2);
    CHECK_INT(ddb_router_poll_phase(b), 2);
    ddb_error_clear(&err);
    ddb_router_free(a);
    ddb_router_free(b);
}

TEST(a_phase_source_without_store_is_refused)
{
    shared_phase s = {0, 0, 0, 0, 0};
    ddb_router_config cfg = {.version = DDB_ROUTER_CONFIG_VERSION, .name = "t", .phase = 1};
    ddb_router *r = NULL;
    ddb_error err = DDB_ERROR_INIT;
    cfg.phase_source.read = shared_read;
    cfg.phase_source.ctx = &s;
    CHECK_INT(ddb_router_new(&r, &cfg, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "router phase_source: read without store");
    cfg.phase_source.store = shared_store;
    cfg.phase_source.interval_ms = -5;
    CHECK_INT(ddb_router_new(&r, &cfg, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "router phase_source: interval_ms is negative");
    /* a source holding nonsense is an error at start, not a phase */
    cfg.phase_source.interval_ms = 0;
    s.phase = 9;
    CHECK_INT(ddb_router_new(&r, &cfg, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "phase source holds phase 9, not 1..5");
    CHECK(r == NULL);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(open_intents_are_entries_closed_ones_are_not),
          CASE(a_malformed_done_line_names_its_line), CASE(closed_intents_are_compacted_away),
          CASE(two_processes_share_a_journal_without_losing_a_line),
          CASE(phase5_lines_say_a_replay_copies_from_dynamodb),
          CASE(a_shared_phase_is_followed_within_its_interval),
          CASE(a_phase_source_without_store_is_refused))
