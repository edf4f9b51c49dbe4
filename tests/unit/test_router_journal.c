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

TEST_MAIN(CASE(open_intents_are_entries_closed_ones_are_not),
          CASE(a_malformed_done_line_names_its_line), CASE(closed_intents_are_compacted_away),
          CASE(two_processes_share_a_journal_without_losing_a_line))
