/*
 * The migration router generated for gen-models/router.json (namespace rt), against DynamoDB
 * Local. Its "relational" primary is a second generated DynamoDB implementation over other table
 * names: a real implementation of the same interface, so that every routed call lands somewhere
 * real and each side can be read directly to see where a write went. The DynamoDB side can be
 * put behind the fault proxy, which makes it fail for real (HTTP 503) and come back.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"
#include "rt_router.h"
#include "support/fault_proxy.h"
#include "support/harness.h"
#include "test.h"

#define MAX_LINES 256

static char rel_prefix[64], ddb_prefix[64], journal[256];
static ddb_client *client, *proxy_client;
static fault_proxy *proxy;
static rt__repo *rel, *ddb, *router;
static long proxy_request_timeout_ms; /* the proxy client's request_timeout_ms; 0: default */

/* What the router logged, line by line. */
static char *lines[MAX_LINES];
static size_t n_lines;

static void capture(void *ctx, const char *line)
{
    (void)ctx;
    if (getenv("ROUTER_TEST_VERBOSE")) /* to read the log lines as an operator would */
        fprintf(stderr, "log: %s\n", line);
    if (n_lines < MAX_LINES)
        lines[n_lines++] = strdup(line);
}

/* The first logged line containing every fragment given (NULL-terminated), or NULL. */
static const char *logged(const char *a, const char *b)
{
    for (size_t i = 0; i < n_lines; i++)
        if (strstr(lines[i], a) && (!b || strstr(lines[i], b)))
            return lines[i];
    return NULL;
}

/* Events by operation name. */
static struct {
    char op[48];
    unsigned n;
    double ms;
} events[32];

static void on_event(void *ctx, const ddb_event *ev)
{
    (void)ctx;
    for (size_t i = 0; i < 32; i++) {
        if (events[i].op[0] == '\0')
            snprintf(events[i].op, sizeof events[i].op, "%s", ev->operation);
        if (strcmp(events[i].op, ev->operation) == 0) {
            events[i].n++;
            events[i].ms += ev->latency_ms;
            return;
        }
    }
}

static unsigned event_count(const char *op)
{
    for (size_t i = 0; i < 32 && events[i].op[0]; i++)
        if (strcmp(events[i].op, op) == 0)
            return events[i].n;
    return 0;
}

static int make_side(rt__repo **out, ddb_client *c, const char *prefix, bool create)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__ddb_options opts = RT__DDB_OPTIONS_INIT;
    int rc = 0;
    if (create) {
        rc = rt__create_tables(client, prefix, &err); /* the counter table too */
        if (rc)
            return harness_report("create tables", rc, &err);
    }
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = rt__ddb_repo_new(out, c, &opts, &err);
    return harness_report("repo", rc, &err);
}

/*
 * Both sides and a router in `phase`. With via_proxy, the DynamoDB side talks to DynamoDB Local
 * through the fault proxy, with one attempt per call, so that a scripted failure is a failure.
 */
static int setup(int phase, bool via_proxy)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    int rc;
    client = harness_client(NULL);
    snprintf(rel_prefix, sizeof rel_prefix, "rtrel%ld_", (long)getpid());
    snprintf(ddb_prefix, sizeof ddb_prefix, "rtddb%ld_", (long)getpid());
    snprintf(journal, sizeof journal, "%s/rt_journal_%ld.jsonl",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    unlink(journal);
    if ((rc = make_side(&rel, client, rel_prefix, true)) != 0)
        return rc;
    if (via_proxy) {
        ddb_client_options co = DDB_CLIENT_OPTIONS_INIT;
        if ((rc = make_side(&ddb, client, ddb_prefix, true)) != 0) /* creates the tables */
            return rc;
        rt__repo_free(ddb);
        proxy = fault_proxy_start(harness_endpoint());
        co.endpoint = fault_proxy_endpoint(proxy);
        co.region = "us-east-1";
        co.access_key_id = "AKIDLOCALTEST";
        co.secret_access_key = "local-test-secret";
        co.max_attempts = 1;
        if (proxy_request_timeout_ms)
            co.request_timeout_ms = proxy_request_timeout_ms;
        rc = ddb_client_new(&proxy_client, &co, &err);
        if (rc)
            return harness_report("proxy client", rc, &err);
        rc = make_side(&ddb, proxy_client, ddb_prefix, false);
    } else {
        rc = make_side(&ddb, client, ddb_prefix, true);
    }
    if (rc)
        return rc;
    o.phase = phase;
    o.journal_path = journal;
    o.on_event = on_event;
    o.log = capture;
    rc = rt__router_new(&router, rel, ddb, &o, &err);
    return harness_report("router", rc, &err);
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
    ddb_client_free(proxy_client);
    fault_proxy_stop(proxy);
    ddb_client_free(client);
    proxy_client = client = NULL;
    proxy = NULL;
    proxy_request_timeout_ms = 0;
    for (size_t i = 0; i < n_lines; i++)
        free(lines[i]);
    n_lines = 0;
    /* each case counts its own events, also when all run in one process (valgrind) */
    memset(events, 0, sizeof events);
    unlink(journal);
}

static void account(rt__account *a, const char *email, const char *name)
{
    rt__account__free(a);
    a->email = strdup(email);
    a->name = name ? strdup(name) : NULL;
}

/* Reads account id from one side: 1 found (into *out when given), 0 not found. */
static int read_side(rt__repo *side, int64_t id, rt__account *out)
{
    rt__account key = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    bool found = false;
    ddb_error err = DDB_ERROR_INIT;
    key.account_id = id;
    if (side->account__get(side, &got, &found, &key, &err) != 0) {
        fprintf(stderr, "get %lld: %s\n", (long long)id, err.message);
        return -1;
    }
    if (out) {
        rt__account__free(out);
        *out = got;
    } else {
        rt__account__free(&got);
    }
    return found ? 1 : 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

/* Where each write lands and where each read comes from, phase by phase, switched at runtime. */
TEST(phases_route_writes_and_reads)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a1 = RT__ACCOUNT__INIT, a2 = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__account a5 = RT__ACCOUNT__INIT;
    ddb_router_stats st;
    bool found = false;

    REQUIRE(setup(1, false) == 0);
    CHECK_INT(rt__router_phase(router), 1);

    /* phase 1: relational only */
    account(&a1, "one@example.com", "One");
    REQUIRE(router->account__create(router, &a1, &err) == 0);
    CHECK(a1.account_id > 0);
    CHECK_INT(read_side(rel, a1.account_id, NULL), 1);
    CHECK_INT(read_side(ddb, a1.account_id, NULL), 0);

    /* phase 2: both, relational first; its ID and version are kept */
    REQUIRE(rt__router_set_phase(router, 2, &err) == 0);
    CHECK(logged("rt: phase 1 -> 2", NULL) != NULL);
    account(&a2, "two@example.com", "Two");
    REQUIRE(router->account__create(router, &a2, &err) == 0);
    CHECK_INT(read_side(rel, a2.account_id, NULL), 1);
    REQUIRE(read_side(ddb, a2.account_id, &got) == 1);
    CHECK_INT(got.account_id, a2.account_id);
    CHECK_INT(got.ddb_version, 1);
    free(a2.name);
    a2.name = strdup("Two again");
    REQUIRE(router->account__update(router, &a2, &err) == 0);
    CHECK_INT(a2.ddb_version, 2);
    REQUIRE(read_side(ddb, a2.account_id, &got) == 1);
    CHECK_INT(got.ddb_version, 2); /* versions in lockstep */
    CHECK_STR(got.name, "Two again");
    REQUIRE(read_side(rel, a2.account_id, &got) == 1);
    CHECK_INT(got.ddb_version, 2);

    /* make DynamoDB's copy differ, so that reads show which side answered */
    free(got.name);
    got.name = strdup("changed in dynamodb");
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a2, &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "Two again"); /* phase 2 reads are relational */
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 0);

    /* phase 3: both read, compared, relational returned */
    REQUIRE(rt__router_set_phase(router, 3, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a2, &err) == 0);
    CHECK_STR(got.name, "Two again");
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 1);

    /* phase 4: reads from DynamoDB; writes still go to both */
    REQUIRE(rt__router_set_phase(router, 4, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a2, &err) == 0);
    CHECK_STR(got.name, "changed in dynamodb");
    REQUIRE(router->account__delete(router, &a2, &err) == 0);
    CHECK_INT(read_side(rel, a2.account_id, NULL), 0);
    CHECK_INT(read_side(ddb, a2.account_id, NULL), 0);

    /* phase 5: DynamoDB only */
    REQUIRE(rt__router_set_phase(router, 5, &err) == 0);
    account(&a5, "five@example.com", NULL);
    REQUIRE(router->account__create(router, &a5, &err) == 0);
    CHECK_INT(read_side(rel, a5.account_id, NULL), 0);
    CHECK_INT(read_side(ddb, a5.account_id, NULL), 1);
    CHECK(logged("rt: phase 4 -> 5", NULL) != NULL);

    /* a bad phase is refused and changes nothing */
    CHECK_INT(rt__router_set_phase(router, 6, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(rt__router_phase(router), 5);
    rt__router_stats(router, &st);
    CHECK_INT(st.phase_switches, 4);

    rt__account__free(&a1);
    rt__account__free(&a2);
    rt__account__free(&a5);
    rt__account__free(&got);
    teardown();
}

/* Phase 3: an item changed directly in DynamoDB is reported, naming the field that differs. */
TEST(phase3_mismatch_names_the_field)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__account__page page = {0, NULL, NULL};
    ddb_router_stats st;
    bool found = false;
    char key[64];
    const char *line;

    REQUIRE(setup(3, false) == 0);
    account(&a, "m@example.com", "Before");
    REQUIRE(ddb_decimal_set(&a.balance, "10.50", &err) == 0);
    REQUIRE(router->account__create(router, &a, &err) == 0);

    /* equal: no mismatch, even though the balance is written "10.50" and read back as a number */
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 0);

    /* change the name directly in DynamoDB, keeping the version */
    REQUIRE(read_side(ddb, a.account_id, &got) == 1);
    free(got.name);
    got.name = strdup("After");
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);

    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "Before"); /* the relational result */
    snprintf(key, sizeof key, "key={\"account_id\":{\"N\":\"%lld\"}}", (long long)a.account_id);
    line = logged("mismatch Account", key);
    REQUIRE(line != NULL);
    CHECK_CONTAINS(line, "fields=name");
    CHECK(strstr(line, "balance") == NULL && strstr(line, "email") == NULL);
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 1);
    CHECK(event_count("router.mismatch") == 1);

    /* a page read in phase 3 compares each entity it returns */
    REQUIRE(router->account__list(router, &page, NULL, &err) == 0);
    CHECK_INT(page.n_items, 1);
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 2);

    /* absent from DynamoDB */
    REQUIRE(ddb->account__mirror(ddb, NULL, &a, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    CHECK(logged("mismatch Account", "<absent from dynamodb>") != NULL);

    rt__account__page_free(&page);
    rt__account__free(&a);
    rt__account__free(&got);
    teardown();
}

/* A relational failure fails the call and nothing reaches DynamoDB. */
TEST(relational_failure_writes_nothing_to_dynamodb)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, b = RT__ACCOUNT__INIT;
    ddb_router_stats st;

    REQUIRE(setup(1, false) == 0);
    account(&a, "dup@example.com", "A");
    REQUIRE(router->account__create(router, &a, &err) == 0); /* phase 1: relational only */
    REQUIRE(rt__router_set_phase(router, 2, &err) == 0);
    account(&b, "dup2@example.com", "B");
    b.account_id = a.account_id; /* the relational key exists: its create fails */
    CHECK_INT(router->account__create(router, &b, &err), DDB_ERR_ITEM_EXISTS);
    CHECK_INT(read_side(ddb, a.account_id, NULL), 0);
    /* a stale version fails on the relational side too */
    a.ddb_version = 7;
    CHECK_INT(router->account__update(router, &a, &err), DDB_ERR_STALE_VERSION);
    CHECK_INT(read_side(ddb, a.account_id, NULL), 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.writes[DDB_ROUTER_DYNAMODB], 0);
    CHECK_INT(st.secondary_failures, 0);
    CHECK_INT(st.journal_entries, 0);

    rt__account__free(&a);
    rt__account__free(&b);
    teardown();
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 65536);
    if (f && buf)
        buf[fread(buf, 1, 65535, f)] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/*
 * DynamoDB fails (HTTP 503 from the proxy) in phase 2: every call still succeeds, each missed
 * write is logged (no secret), counted and journaled; once DynamoDB is back a replay makes both
 * sides equal, and a second replay changes nothing.
 */
TEST(secondary_failure_journaled_then_replayed)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, b = RT__ACCOUNT__INIT, c = RT__ACCOUNT__INIT;
    rt__note extra = RT__NOTE__INIT;
    fault_step down = {.action = FAULT_HTTP_503}, up = {.action = FAULT_FORWARD};
    ddb_router_stats st;
    size_t diffs = 99, replayed = 99;
    char *text, expect[128];
    FILE *f;

    REQUIRE(setup(2, true) == 0);
    account(&b, "b@example.com", "B");
    account(&c, "c@example.com", "C");
    REQUIRE(router->account__create(router, &b, &err) == 0);
    REQUIRE(router->account__create(router, &c, &err) == 0);
    CHECK_INT(read_side(ddb, b.account_id, NULL), 1);

    fault_proxy_script(proxy, NULL, 0, down);
    account(&a, "a@example.com", "A");
    CHECK_INT(router->account__create(router, &a, &err), 0);
    free(b.name);
    b.name = strdup("B updated");
    CHECK_INT(router->account__update(router, &b, &err), 0);
    CHECK_INT(b.ddb_version, 2); /* the relational result */
    CHECK_INT(router->account__delete(router, &c, &err), 0);
    CHECK(fault_proxy_requests(proxy) >= 3);

    rt__router_stats(router, &st);
    CHECK_INT(st.secondary_failures, 3);
    CHECK_INT(st.journal_entries, 3);
    CHECK_INT(event_count("router.journal"), 3);
    snprintf(expect, sizeof expect, "key={\"account_id\":{\"N\":\"%lld\"}}",
             (long long)a.account_id);
    CHECK(logged("secondary write failed: Account.create", expect) != NULL);
    CHECK(logged("secondary write failed: Account.update", NULL) != NULL);
    CHECK(logged("secondary write failed: Account.delete", NULL) != NULL);
    for (size_t i = 0; i < n_lines; i++) {
        CHECK(strstr(lines[i], "local-test-secret") == NULL);
        CHECK(strstr(lines[i], "AKIDLOCALTEST") == NULL);
        CHECK(strstr(lines[i], "Authorization") == NULL);
    }
    text = slurp(journal);
    snprintf(expect, sizeof expect,
             "{\"kind\":\"Account\",\"key\":{\"account_id\":{\"N\":\"%lld\"}}}\n",
             (long long)a.account_id);
    CHECK_CONTAINS(text, expect);
    free(text);

    /* DynamoDB is back. A Note exists only in DynamoDB; a resync entry of Note removes it. */
    fault_proxy_script(proxy, NULL, 0, up);
    extra.note_id = 900;
    extra.account_id = a.account_id;
    extra.body = strdup("only in dynamodb");
    REQUIRE(ddb->note__create(ddb, &extra, &err) == 0);
    f = fopen(journal, "a");
    REQUIRE(f != NULL);
    fputs("{\"kind\":\"Note\",\"resync\":true}\n", f);
    fclose(f);

    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 4); /* a missing, b stale, c still there, the extra note */

    REQUIRE(rt__router_replay(router, &replayed, &err) == 0);
    CHECK_INT(replayed, 4);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);
    text = slurp(journal);
    CHECK_STR(text, ""); /* consumed */
    free(text);

    /* replaying again is harmless */
    REQUIRE(rt__router_replay(router, &replayed, &err) == 0);
    CHECK_INT(replayed, 0);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);
    /* and the versions are the relational ones, so phase 4 can go on writing */
    REQUIRE(rt__router_set_phase(router, 4, &err) == 0);
    free(b.name);
    b.name = strdup("B in phase 4");
    CHECK_INT(router->account__update(router, &b, &err), 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.secondary_failures, 3);

    rt__account__free(&a);
    rt__account__free(&b);
    rt__account__free(&c);
    rt__note__free(&extra);
    teardown();
}

/* Switching to phase 5 seeds DynamoDB's counters: new IDs continue the relational sequence. */
TEST(phase5_ids_continue_above_relational)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT;
    rt__note n = RT__NOTE__INIT;
    int64_t rel_max = 0, last = 0;
    char expect[64];

    REQUIRE(setup(2, false) == 0);
    for (int i = 0; i < 3; i++) {
        account(&a, "seq@example.com", NULL);
        a.account_id = 0;
        REQUIRE(router->account__create(router, &a, &err) == 0);
        last = a.account_id;
    }
    n.account_id = last;
    n.body = strdup("a note");
    REQUIRE(router->note__create(router, &n, &err) == 0);
    REQUIRE(rel->max_id(rel, RT__KIND_ACCOUNT, &rel_max, &err) == 0);
    CHECK(rel_max >= last);

    REQUIRE(rt__router_set_phase(router, 5, &err) == 0);
    snprintf(expect, sizeof expect, "Account IDs continue above %lld", (long long)rel_max);
    CHECK(logged(expect, NULL) != NULL);
    account(&a, "new@example.com", NULL);
    a.account_id = 0;
    REQUIRE(router->account__create(router, &a, &err) == 0);
    CHECK(a.account_id > rel_max);
    CHECK_INT(read_side(rel, a.account_id, NULL), 0);
    CHECK_INT(read_side(ddb, a.account_id, NULL), 1);

    rt__note__free(&n);
    n.account_id = a.account_id;
    n.body = strdup("after the switch");
    REQUIRE(router->note__create(router, &n, &err) == 0);
    {
        int64_t note_max = 0;
        REQUIRE(rel->max_id(rel, RT__KIND_NOTE, &note_max, &err) == 0);
        CHECK(n.note_id > note_max);
    }

    rt__account__free(&a);
    rt__note__free(&n);
    teardown();
}

/* Counters and latencies go out through the event hook and agree with the stats. */
TEST(counters_through_event_hook)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    ddb_router_stats st;
    bool found;

    REQUIRE(setup(2, false) == 0);
    account(&a, "ev@example.com", "E");
    REQUIRE(router->account__create(router, &a, &err) == 0);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    REQUIRE(rt__router_set_phase(router, 3, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);

    CHECK_INT(event_count("router.relational.write"), 1);
    CHECK_INT(event_count("router.dynamodb.write"), 1);
    CHECK_INT(event_count("router.relational.read"), 2);
    CHECK_INT(event_count("router.dynamodb.read"), 1);
    CHECK_INT(event_count("router.phase"), 1);
    rt__router_stats(router, &st);
    CHECK_INT(st.phase, 3);
    CHECK_INT(st.writes[DDB_ROUTER_RELATIONAL], 1);
    CHECK_INT(st.writes[DDB_ROUTER_DYNAMODB], 1);
    CHECK_INT(st.reads[DDB_ROUTER_RELATIONAL], 2);
    CHECK_INT(st.reads[DDB_ROUTER_DYNAMODB], 1);
    CHECK(st.latency_ms[DDB_ROUTER_RELATIONAL] > 0);
    CHECK(st.latency_ms[DDB_ROUTER_DYNAMODB] > 0);
    CHECK_INT(st.mismatches, 0);

    rt__account__free(&a);
    rt__account__free(&got);
    teardown();
}

/* Transactions: both sides in phase 2, with the versions kept in lockstep. */
TEST(transact_writes_both_sides)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__note n = RT__NOTE__INIT;
    rt__write ops[2];
    size_t diffs = 99;

    REQUIRE(setup(2, false) == 0);
    account(&a, "tx@example.com", "T");
    REQUIRE(router->account__create(router, &a, &err) == 0);
    free(a.name);
    a.name = strdup("T2");
    n.account_id = a.account_id;
    n.body = strdup("in a transaction");
    memset(ops, 0, sizeof ops);
    ops[0].kind = RT__KIND_ACCOUNT;
    ops[0].op = RT__WRITE_UPDATE;
    ops[0].obj = &a;
    ops[1].kind = RT__KIND_NOTE;
    ops[1].op = RT__WRITE_CREATE;
    ops[1].obj = &n;
    REQUIRE(router->transact(router, ops, 2, &err) == 0);
    CHECK_INT(a.ddb_version, 2);
    REQUIRE(read_side(ddb, a.account_id, &got) == 1);
    CHECK_INT(got.ddb_version, 2);
    CHECK_STR(got.name, "T2");
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);

    rt__account__free(&a);
    rt__account__free(&got);
    rt__note__free(&n);
    teardown();
}

/*
 * The access-pattern members are routed like the storage members: a PutItem of an entity and an
 * UpdateItem land on both sides with one version, reads are compared in phase 3, and a DeleteItem
 * by key parameters that fails on DynamoDB journals a resync of the type, which replay repairs.
 */
TEST(access_patterns_routed)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT, renamed = RT__ACCOUNT__INIT;
    rt__account__page page = {0, NULL, NULL};
    fault_step down = {.action = FAULT_HTTP_503}, up = {.action = FAULT_FORWARD};
    ddb_router_stats st;
    bool found = false, done = false;
    size_t diffs = 99, replayed = 0;
    char *text;

    REQUIRE(setup(2, true) == 0);
    /* every member of the interface is routed (NULL would mean the generator skipped it) */
    REQUIRE(router->account__get_account && router->account__put_account &&
            router->account__rename_account && router->account__close_account &&
            router->account__all_accounts);

    account(&a, "p@example.com", "P");
    REQUIRE(router->account__put_account(router, &a, &err) == 0);
    CHECK(a.account_id > 0);
    REQUIRE(read_side(ddb, a.account_id, &got) == 1);
    CHECK_INT(got.ddb_version, 1);

    REQUIRE(router->account__rename_account(router, &renamed, &found, a.account_id, "Q", &err) ==
            0);
    CHECK(found);
    CHECK_STR(renamed.name, "Q");
    REQUIRE(read_side(ddb, a.account_id, &got) == 1);
    CHECK_STR(got.name, "Q");
    CHECK_INT(got.ddb_version, renamed.ddb_version); /* one version on both sides */

    /* phase 3: the GetItem and Scan patterns compare with DynamoDB */
    REQUIRE(rt__router_set_phase(router, 3, &err) == 0);
    free(got.name);
    got.name = strdup("R");
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get_account(router, &got, &found, a.account_id, &err) == 0);
    CHECK_STR(got.name, "Q");
    CHECK(logged("mismatch Account", "fields=name") != NULL);
    REQUIRE(router->account__all_accounts(router, &page, NULL, &err) == 0);
    CHECK_INT(page.n_items, 1);
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 2);

    /* DynamoDB down: the delete by key parameter succeeds and journals a resync of Account */
    fault_proxy_script(proxy, NULL, 0, down);
    REQUIRE(router->account__close_account(router, &done, a.account_id, &err) == 0);
    CHECK(done);
    CHECK(logged("secondary write failed: Account.account__close_account key=resync", NULL) !=
          NULL);
    text = slurp(journal);
    CHECK_CONTAINS(text, "{\"kind\":\"Account\",\"resync\":true}\n");
    free(text);
    fault_proxy_script(proxy, NULL, 0, up);
    REQUIRE(rt__router_replay(router, &replayed, &err) == 0);
    CHECK_INT(replayed, 1);
    CHECK_INT(read_side(ddb, a.account_id, NULL), 0);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);

    rt__account__page_free(&page);
    rt__account__free(&a);
    rt__account__free(&got);
    rt__account__free(&renamed);
    teardown();
}

/* ddb_router_diff normalises: numbers by value, absent = NULL = empty list; versions count. */
TEST(diff_normalises)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, b = RT__ACCOUNT__INIT;
    char *fields = NULL;
    size_t n = 99;

    account(&a, "x@example.com", NULL);
    account(&b, "x@example.com", NULL);
    a.account_id = b.account_id = 5;
    REQUIRE(ddb_decimal_set(&a.balance, "1.50", &err) == 0);
    REQUIRE(ddb_decimal_set(&b.balance, "1.5", &err) == 0);
    b.tags = calloc(1, sizeof *b.tags); /* an empty list, a has none */
    b.n_tags = 0;
    REQUIRE(ddb_router_diff(&fields, &n, &rt__account__desc, &a, &b, &err) == 0);
    CHECK(fields == NULL);
    CHECK_INT(n, 0);

    b.has_active = true;
    b.ddb_version = 3;
    REQUIRE(ddb_router_diff(&fields, &n, &rt__account__desc, &a, &b, &err) == 0);
    CHECK_STR(fields, "active,_version");
    CHECK_INT(n, 2);
    free(fields);

    rt__account__free(&a);
    rt__account__free(&b);
}

/*
 * A DynamoDB side that holds one call at a chosen point, to put another call's write exactly
 * between the two reads of a phase 3 comparison: the writer's DynamoDB update waits until the
 * reader's first DynamoDB read is done, and the reader's second DynamoDB read (its re-read)
 * waits until that update is done. The calls themselves go to the real DynamoDB side.
 */
typedef struct gated_side {
    rt__repo base;
    rt__repo *real;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int relational_written; /* the writer reached its DynamoDB update */
    int reads;              /* DynamoDB reads of the reader, started */
    int reads_done;         /* and finished */
    int dynamodb_written;
} gated_side;

static int gated_get(rt__repo *repo, rt__account *out, bool *found, const rt__account *key,
                     ddb_error *err)
{
    gated_side *g = (gated_side *)repo;
    int rc, n;
    pthread_mutex_lock(&g->lock);
    n = ++g->reads;
    while (n == 2 && !g->dynamodb_written) /* the re-read comes after the write */
        pthread_cond_wait(&g->changed, &g->lock);
    pthread_mutex_unlock(&g->lock);
    rc = g->real->account__get(g->real, out, found, key, err);
    pthread_mutex_lock(&g->lock);
    g->reads_done++;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

static int gated_update(rt__repo *repo, rt__account *obj, ddb_error *err)
{
    gated_side *g = (gated_side *)repo;
    int rc;
    pthread_mutex_lock(&g->lock);
    g->relational_written = 1;
    pthread_cond_broadcast(&g->changed);
    while (g->reads_done < 1) /* the reader's first read sees the old DynamoDB item */
        pthread_cond_wait(&g->changed, &g->lock);
    pthread_mutex_unlock(&g->lock);
    rc = g->real->account__update(g->real, obj, err);
    pthread_mutex_lock(&g->lock);
    g->dynamodb_written = 1;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

static void *update_through(void *arg)
{
    rt__account *a = arg;
    ddb_error err = DDB_ERROR_INIT;
    intptr_t rc = router->account__update(router, a, &err);
    return (void *)rc;
}

/*
 * Phase 3 with a concurrent writer: a read that falls between the writer's relational and
 * DynamoDB writes sees a difference, which the re-read finds gone: no mismatch. A difference
 * planted in DynamoDB is still reported.
 */
TEST(phase3_concurrent_write_is_not_a_mismatch)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT, w = RT__ACCOUNT__INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    gated_side g;
    ddb_router_stats st;
    pthread_t writer;
    void *wrc = NULL;
    bool found = false;

    REQUIRE(setup(3, false) == 0);
    account(&a, "race@example.com", "Before");
    REQUIRE(router->account__create(router, &a, &err) == 0);

    /* the same router over the gated DynamoDB side */
    rt__repo_free(router);
    memset(&g, 0, sizeof g);
    g.base.version = ddb->version;
    g.base.account__get = gated_get;
    g.base.account__update = gated_update;
    g.real = ddb;
    pthread_mutex_init(&g.lock, NULL);
    pthread_cond_init(&g.changed, NULL);
    o.phase = 3;
    o.log = capture;
    REQUIRE(rt__router_new(&router, rel, &g.base, &o, &err) == 0);

    account(&w, "race@example.com", "After");
    w.account_id = a.account_id;
    w.ddb_version = a.ddb_version;
    REQUIRE(pthread_create(&writer, NULL, update_through, &w) == 0);
    pthread_mutex_lock(&g.lock);
    while (!g.relational_written)
        pthread_cond_wait(&g.changed, &g.lock);
    pthread_mutex_unlock(&g.lock);
    /* relational has "After", DynamoDB still "Before" when this read compares */
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    pthread_join(writer, &wrc);
    CHECK(wrc == NULL);
    CHECK_STR(got.name, "After");
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 0);
    CHECK_INT(st.rechecked, 1);
    CHECK(logged("mismatch", NULL) == NULL);

    /* a real difference survives the re-read and is reported */
    REQUIRE(read_side(ddb, a.account_id, &got) == 1);
    free(got.name);
    got.name = strdup("Planted");
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    CHECK_STR(got.name, "After");
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 1);
    CHECK(logged("mismatch Account", "fields=name") != NULL);

    rt__repo_free(router);
    router = NULL;
    pthread_mutex_destroy(&g.lock);
    pthread_cond_destroy(&g.changed);
    rt__account__free(&a);
    rt__account__free(&w);
    rt__account__free(&got);
    teardown();
}

/* Phase 3 compares a page with one DynamoDB call; entities missing there are read by key. */
TEST(phase3_page_compared_with_one_call)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT;
    rt__account__page page = {0, NULL, NULL};
    ddb_router_stats before, after;
    char email[64];

    REQUIRE(setup(3, false) == 0);
    for (int i = 0; i < 8; i++) {
        snprintf(email, sizeof email, "page%d@example.com", i);
        account(&a, email, "P");
        REQUIRE(router->account__create(router, &a, &err) == 0);
    }
    rt__router_stats(router, &before);
    REQUIRE(router->account__list(router, &page, NULL, &err) == 0);
    CHECK_INT(page.n_items, 8);
    rt__router_stats(router, &after);
    CHECK_INT(after.reads[DDB_ROUTER_DYNAMODB] - before.reads[DDB_ROUTER_DYNAMODB], 1);
    CHECK_INT(after.mismatches, 0);
    rt__account__page_free(&page);

    /* one entity gone from DynamoDB: found missing by a read by key, reported */
    REQUIRE(ddb->account__mirror(ddb, NULL, &a, &err) == 0);
    rt__router_stats(router, &before);
    REQUIRE(router->account__all_accounts(router, &page, NULL, &err) == 0);
    CHECK_INT(page.n_items, 8);
    rt__router_stats(router, &after);
    CHECK_INT(after.mismatches, 1);
    CHECK(logged("mismatch Account", "<absent from dynamodb>") != NULL);
    /* the page, the get of the missing one, and the re-read */
    CHECK_INT(after.reads[DDB_ROUTER_DYNAMODB] - before.reads[DDB_ROUTER_DYNAMODB], 3);

    rt__account__page_free(&page);
    rt__account__free(&a);
    teardown();
}

/* compare_percent samples the compared reads deterministically; 0 compares none. */
TEST(compare_percent_samples_reads)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    ddb_router_stats st;
    bool found = false;

    CHECK_INT(o.compare_percent, 100);
    REQUIRE(setup(3, false) == 0);
    account(&a, "sample@example.com", "S");
    REQUIRE(router->account__create(router, &a, &err) == 0);
    REQUIRE(read_side(ddb, a.account_id, &got) == 1);
    free(got.name);
    got.name = strdup("differs");
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);
    rt__repo_free(router);

    o.phase = 3;
    o.log = capture;
    o.compare_percent = 101;
    CHECK_INT(rt__router_new(&router, rel, ddb, &o, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "compare_percent 101");
    o.compare_percent = 10;
    REQUIRE(rt__router_new(&router, rel, ddb, &o, &err) == 0);
    for (int i = 0; i < 50; i++) {
        rt__account__free(&got);
        REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    }
    rt__router_stats(router, &st);
    CHECK_INT(st.compared_reads, 5); /* reads 1, 11, 21, 31, 41 */
    CHECK_INT(st.mismatches, 5);
    CHECK_INT(st.reads[DDB_ROUTER_DYNAMODB], 10); /* each: the read and its re-read */
    rt__repo_free(router);

    o.compare_percent = 0;
    REQUIRE(rt__router_new(&router, rel, ddb, &o, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.compared_reads, 0);
    CHECK_INT(st.reads[DDB_ROUTER_DYNAMODB], 0);
    rt__repo_free(router);

    /* version 1 options have no compare_percent: every read is compared */
    o.version = 1;
    o.compare_percent = 0;
    REQUIRE(rt__router_new(&router, rel, ddb, &o, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.compared_reads, 1);

    rt__account__free(&a);
    rt__account__free(&got);
    teardown();
}

/* ---- the comparison's knobs (ddb_router_config version 3) ----------------------------------- */

/* The router again over the same two sides, with o (journal, log and events as setup's). */
static int reopen(rt__router_options *o, ddb_error *err)
{
    rt__repo_free(router);
    router = NULL;
    o->journal_path = journal;
    o->on_event = on_event;
    o->log = capture;
    return rt__router_new(&router, rel, ddb, o, err);
}

/* Changes account id's fields in DynamoDB only, keeping its version. */
static void plant(int64_t id, const char *email, const char *name, const char *balance)
{
    rt__account got = RT__ACCOUNT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(read_side(ddb, id, &got) == 1);
    if (email) {
        free(got.email);
        got.email = strdup(email);
    }
    if (name) {
        free(got.name);
        got.name = strdup(name);
    }
    if (balance)
        REQUIRE(ddb_decimal_set(&got.balance, balance, &err) == 0);
    REQUIRE(ddb->account__mirror(ddb, &got, &got, &err) == 0);
    rt__account__free(&got);
}

/*
 * Field rules: differences a rule cleans or ignores are not mismatches, in phase 3 reads, pages
 * and compare_all; others still are. A rule naming what the model lacks fails router_new with a
 * message naming the rule; version 2 options have no rules and compare as before.
 */
TEST(field_rules_clean_and_ignore)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__account__page page = {0, NULL, NULL};
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    ddb_router_field_rule rules[] = {
        {"Account", "email", DDB_ROUTER_CASEFOLD, 0, NULL, NULL},
        {NULL, "name", DDB_ROUTER_TRIM, 0, NULL, NULL},
        {"Account", "balance", DDB_ROUTER_NUMBER_SCALE, 2, NULL, NULL},
    };
    ddb_router_stats st;
    size_t diffs = 99;
    bool found = false;

    CHECK_INT(o.version, 4);
    REQUIRE(setup(3, false) == 0);
    account(&a, "rules@example.com", "Rules");
    REQUIRE(ddb_decimal_set(&a.balance, "10.5", &err) == 0);
    REQUIRE(router->account__create(router, &a, &err) == 0);
    plant(a.account_id, "Rules@Example.COM", "  Rules ", "10.504");

    o.phase = 3;
    o.n_field_rules = 3;
    o.field_rules = rules;
    REQUIRE(reopen(&o, &err) == 0);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    REQUIRE(router->account__list(router, &page, NULL, &err) == 0);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.compared_reads, 2);
    CHECK_INT(st.mismatches, 0);
    rt__account__page_free(&page);

    /* what the rules do not cover is still a mismatch: the balance past 2 places */
    plant(a.account_id, NULL, NULL, "10.51");
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 1);
    CHECK(logged("mismatch Account", "fields=balance") != NULL);

    /* version 2 options end before the rules: every difference counts */
    o.version = 2;
    REQUIRE(reopen(&o, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a, &err) == 0);
    CHECK(logged("mismatch Account", "fields=email,name,balance") != NULL);

    /* IGNORE, for one entity, then for all */
    o.version = 3;
    rules[0].action = DDB_ROUTER_IGNORE;
    rules[1].entity = "Account";
    rules[2].action = DDB_ROUTER_IGNORE;
    REQUIRE(reopen(&o, &err) == 0);
    REQUIRE(rt__router_compare_all(router, &diffs, &err) == 0);
    CHECK_INT(diffs, 0);

    /* rules checked against the model, named by index, entity and field */
    rules[1].field = "nmae";
    CHECK_INT(reopen(&o, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "router field rule 1 (Account.nmae): Account has no field nmae");
    rules[1].field = "name";
    rules[2].entity = "Acount";
    CHECK_INT(reopen(&o, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "router field rule 2 (Acount.balance): the model has no entity Acount");
    rules[2].entity = NULL;
    rules[2].field = "nowhere";
    CHECK_INT(reopen(&o, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message,
              "router field rule 2 (*.nowhere): no entity of the model has a field nowhere");
    rules[2].field = "email";
    rules[2].action = DDB_ROUTER_NUMBER_SCALE;
    CHECK_INT(reopen(&o, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "router field rule 2 (*.email): NUMBER_SCALE needs a number field; "
                           "Account.email is a string");
    rules[2].field = "_version";
    rules[2].action = DDB_ROUTER_TRIM;
    CHECK_INT(reopen(&o, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "router field rule 2 (*._version): the version attribute can only be "
                           "ignored, not TRIM");
    rules[2].action = DDB_ROUTER_IGNORE;
    CHECK_INT(reopen(&o, &err), 0);

    rt__account__free(&a);
    rt__account__free(&got);
    teardown();
}

/*
 * sample_by KEY: an entity is compared on every read or on none, picked by its key's bucket;
 * a second router picks the same ones; a page compares only its picked entities.
 */
TEST(sample_by_key_is_per_entity)
{
    enum { N = 16 };
    ddb_error err = DDB_ERROR_INIT;
    rt__account a[N], got = RT__ACCOUNT__INIT;
    rt__account__page page = {0, NULL, NULL};
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    ddb_router_stats st, before;
    bool found = false, picked[N];
    int n_picked = 0;
    char email[64], key[64];

    REQUIRE(setup(1, false) == 0);
    for (int i = 0; i < N; i++) {
        a[i] = (rt__account)RT__ACCOUNT__INIT;
        snprintf(email, sizeof email, "key%d@example.com", i);
        account(&a[i], email, "K");
        REQUIRE(router->account__create(router, &a[i], &err) == 0);
        /* in phase 1 only the relational side has them: each is absent from DynamoDB */
        picked[i] = ddb_router_key_bucket(&rt__account__desc, &a[i]) < 50;
        n_picked += picked[i];
    }
    CHECK(n_picked > 0 && n_picked < N); /* 16 keys at 50%: both kinds occur */

    o.phase = 3;
    o.compare_percent = 50;
    o.sample_by = DDB_ROUTER_SAMPLE_KEY;
    for (int run = 0; run < 2; run++) {
        REQUIRE(reopen(&o, &err) == 0);
        for (int rep = 0; rep < 3; rep++)
            for (int i = 0; i < N; i++) {
                rt__account__free(&got);
                REQUIRE(router->account__get(router, &got, &found, &a[i], &err) == 0);
            }
        rt__router_stats(router, &st);
        CHECK_INT(st.compared_reads, 3 * n_picked);
        CHECK_INT(st.mismatches, 3 * n_picked);
        CHECK_INT(st.reads[DDB_ROUTER_DYNAMODB], 3 * 2 * n_picked); /* read and re-read */
    }
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key={\"account_id\":{\"N\":\"%lld\"}}",
                 (long long)a[i].account_id);
        CHECK((logged("mismatch Account", key) != NULL) == picked[i]);
    }

    /* a page: one DynamoDB call, and only its picked entities compared */
    rt__router_stats(router, &before);
    REQUIRE(router->account__list(router, &page, NULL, &err) == 0);
    CHECK_INT(page.n_items, N);
    rt__router_stats(router, &st);
    CHECK_INT(st.compared_reads - before.compared_reads, 1);
    CHECK_INT(st.mismatches - before.mismatches, n_picked);
    rt__account__page_free(&page);

    /* 0%: DynamoDB is not read at all */
    o.compare_percent = 0;
    REQUIRE(reopen(&o, &err) == 0);
    REQUIRE(router->account__list(router, &page, NULL, &err) == 0);
    rt__account__free(&got);
    REQUIRE(router->account__get(router, &got, &found, &a[0], &err) == 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.reads[DDB_ROUTER_DYNAMODB], 0);

    rt__account__page_free(&page);
    for (int i = 0; i < N; i++)
        rt__account__free(&a[i]);
    rt__account__free(&got);
    teardown();
}

/* fail_on_mismatch: the phase 3 read fails with DDB_ERR_MISMATCH, its output still filled. */
TEST(fail_on_mismatch_fails_the_read)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__account__page page = {0, NULL, NULL};
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    ddb_router_stats st;
    bool found = false;
    char expect[128];

    REQUIRE(setup(3, false) == 0);
    account(&a, "gate@example.com", "Gate");
    REQUIRE(router->account__create(router, &a, &err) == 0);
    o.phase = 3;
    o.fail_on_mismatch = true;
    REQUIRE(reopen(&o, &err) == 0);
    CHECK_INT(router->account__get(router, &got, &found, &a, &err), 0); /* equal */

    plant(a.account_id, NULL, "Changed", NULL);
    rt__account__free(&got);
    CHECK_INT(router->account__get(router, &got, &found, &a, &err), DDB_ERR_MISMATCH);
    snprintf(expect, sizeof expect,
             "mismatch Account key={\"account_id\":{\"N\":\"%lld\"}} "
             "fields=name",
             (long long)a.account_id);
    CHECK_STR(err.message, expect);
    CHECK(found);
    CHECK_STR(got.name, "Gate"); /* the relational result */

    ddb_error_clear(&err);
    CHECK_INT(router->account__list(router, &page, NULL, &err), DDB_ERR_MISMATCH);
    CHECK_STR(err.message, expect);
    CHECK_INT(page.n_items, 1);
    /* an access pattern's read too */
    rt__account__free(&got);
    CHECK_INT(router->account__get_account(router, &got, &found, a.account_id, &err),
              DDB_ERR_MISMATCH);
    CHECK_STR(got.name, "Gate");
    rt__router_stats(router, &st);
    CHECK_INT(st.mismatches, 3);
    /* writes are not gated */
    free(a.name);
    a.name = strdup("Gate 2");
    CHECK_INT(router->account__update(router, &a, &err), 0);

    rt__account__page_free(&page);
    rt__account__free(&a);
    rt__account__free(&got);
    teardown();
}

/*
 * secondary_timeout_ms: a slow DynamoDB call completes and is counted and logged as slow. The
 * DynamoDB client's own request_timeout_ms bounds it: the call then fails, and is journaled.
 */
TEST(slow_secondary_counted_or_bounded)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, b = RT__ACCOUNT__INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    /* margins wide enough for a loaded machine: a plain write well under the limit, the
       delayed one well over it, the stalled one cut by the client's timeout */
    fault_step slow = {.action = FAULT_DELAY, .delay_ms = 1500}, up = {.action = FAULT_FORWARD};
    ddb_router_stats st;

    proxy_request_timeout_ms = 3000;
    REQUIRE(setup(2, true) == 0);
    o.phase = 2;
    o.secondary_timeout_ms = 750;
    REQUIRE(reopen(&o, &err) == 0);
    account(&a, "fast@example.com", "Fast");
    REQUIRE(router->account__create(router, &a, &err) == 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.slow_secondaries, 0);

    fault_proxy_script(proxy, &slow, 1, up);
    account(&b, "slow@example.com", "Slow");
    CHECK_INT(router->account__create(router, &b, &err), 0);
    CHECK_INT(read_side(ddb, b.account_id, NULL), 1); /* it completed */
    rt__router_stats(router, &st);
    CHECK_INT(st.slow_secondaries, 1);
    CHECK_INT(st.secondary_failures, 0);
    CHECK_INT(event_count("router.slow_secondary"), 1);
    CHECK(logged("slow secondary: Account.create took", "(limit 750 ms)") != NULL);

    /* bounded by the client: a call stalled past request_timeout_ms fails as a timeout */
    slow.action = FAULT_STALL;
    fault_proxy_script(proxy, &slow, 1, up);
    free(b.name);
    b.name = strdup("Stalled");
    CHECK_INT(router->account__update(router, &b, &err), 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.secondary_failures, 1);
    CHECK_INT(st.journal_entries, 1);
    CHECK_INT(st.slow_secondaries, 2); /* it was slow too */
    CHECK(logged("secondary write failed: Account.update", "DDB_ERR_TIMEOUT") != NULL);

    rt__account__free(&a);
    rt__account__free(&b);
    teardown();
}

/* on_secondary_failure FAIL: the call returns DynamoDB's error; the relational write stands. */
TEST(secondary_failure_fail_returns_error)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT, got = RT__ACCOUNT__INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    fault_step down = {.action = FAULT_HTTP_503}, up = {.action = FAULT_FORWARD};
    ddb_router_stats st;
    bool found = false;
    int rc;

    REQUIRE(setup(2, true) == 0);
    o.phase = 2;
    o.on_secondary_failure[0] = DDB_ROUTER_ON_FAILURE_FAIL;
    o.on_secondary_failure[1] = DDB_ROUTER_ON_FAILURE_FAIL;
    REQUIRE(reopen(&o, &err) == 0);
    fault_proxy_script(proxy, NULL, 0, down);
    account(&a, "fail@example.com", "Fail");
    rc = router->account__create(router, &a, &err);
    CHECK(rc < 0);
    CHECK_INT(err.code, rc);
    CHECK_CONTAINS(err.message, "dynamodb Account.create failed after the relational write");
    CHECK_INT(err.http_status, 503);
    CHECK_INT(read_side(rel, a.account_id, NULL), 1); /* the relational write happened */
    rt__router_stats(router, &st);
    CHECK_INT(st.secondary_failures, 1);
    CHECK_INT(st.journal_entries, 1); /* and is journaled for the replay */
    CHECK_INT(rt__router_phase(router), 2);

    /* phase 3: a failed dual read fails the read; its output is the relational one */
    REQUIRE(rt__router_set_phase(router, 3, &err) == 0);
    ddb_error_clear(&err);
    rc = router->account__get(router, &got, &found, &a, &err);
    CHECK(rc < 0);
    CHECK_CONTAINS(err.message, "dynamodb Account.get failed after the relational read");
    CHECK(found);
    CHECK_STR(got.name, "Fail");

    /* phase 4 keeps the default, JOURNAL: the write succeeds */
    REQUIRE(rt__router_set_phase(router, 4, &err) == 0);
    free(a.name);
    a.name = strdup("Fail 4");
    CHECK_INT(router->account__update(router, &a, &err), 0);
    rt__router_stats(router, &st);
    CHECK_INT(st.secondary_failures, 2);
    CHECK_INT(st.journal_entries, 2);

    /* back up, a replay repairs what FAIL left behind */
    fault_proxy_script(proxy, NULL, 0, up);
    REQUIRE(rt__router_replay(router, NULL, &err) == 0);
    CHECK_INT(read_side(ddb, a.account_id, &got), 1);
    CHECK_STR(got.name, "Fail 4");

    rt__account__free(&a);
    rt__account__free(&got);
    teardown();
}

/* on_secondary_failure STOP: the router drops back one phase per failing phase, logged. */
TEST(secondary_failure_stop_drops_phase)
{
    ddb_error err = DDB_ERROR_INIT;
    rt__account a = RT__ACCOUNT__INIT;
    rt__router_options o = RT__ROUTER_OPTIONS_INIT;
    fault_step down = {.action = FAULT_HTTP_503};
    ddb_router_stats st;

    REQUIRE(setup(4, true) == 0);
    account(&a, "stop@example.com", "Stop");
    REQUIRE(router->account__create(router, &a, &err) == 0);
    o.phase = 4;
    o.on_secondary_failure[1] = DDB_ROUTER_ON_FAILURE_STOP; /* phase 3 */
    o.on_secondary_failure[2] = DDB_ROUTER_ON_FAILURE_STOP; /* phase 4 */
    REQUIRE(reopen(&o, &err) == 0);
    fault_proxy_script(proxy, NULL, 0, down);

    free(a.name);
    a.name = strdup("Stop 1");
    CHECK_INT(router->account__update(router, &a, &err), 0); /* the relational result */
    CHECK_INT(rt__router_phase(router), 3);
    CHECK(logged("phase 4 -> 3: stopped: dynamodb Account.update failed", NULL) != NULL);
    free(a.name);
    a.name = strdup("Stop 2");
    CHECK_INT(router->account__update(router, &a, &err), 0);
    CHECK_INT(rt__router_phase(router), 2);
    free(a.name);
    a.name = strdup("Stop 3");
    CHECK_INT(router->account__update(router, &a, &err), 0);
    CHECK_INT(rt__router_phase(router), 2); /* phase 2 journals (the default) */
    rt__router_stats(router, &st);
    CHECK_INT(st.secondary_failures, 3);
    CHECK_INT(st.journal_entries, 3);
    CHECK_INT(st.phase_switches, 2);
    CHECK_INT(st.phase, 2);
    CHECK_INT(event_count("router.phase"), 2);

    rt__account__free(&a);
    teardown();
}

TEST_MAIN(CASE(phases_route_writes_and_reads), CASE(phase3_mismatch_names_the_field),
          CASE(relational_failure_writes_nothing_to_dynamodb),
          CASE(secondary_failure_journaled_then_replayed),
          CASE(phase5_ids_continue_above_relational), CASE(counters_through_event_hook),
          CASE(transact_writes_both_sides), CASE(access_patterns_routed), CASE(diff_normalises),
          CASE(phase3_concurrent_write_is_not_a_mismatch), CASE(phase3_page_compared_with_one_call),
          CASE(compare_percent_samples_reads), CASE(field_rules_clean_and_ignore),
          CASE(sample_by_key_is_per_entity), CASE(fail_on_mismatch_fails_the_read),
          CASE(slow_secondary_counted_or_bounded), CASE(secondary_failure_fail_returns_error),
          CASE(secondary_failure_stop_drops_phase))
