/*
 * Computed fields and per-parent sequences in the code generated for gen-models/tracker.json,
 * against DynamoDB Local: issues opened concurrently in one project get the numbers 1..N with no
 * gap and no duplicate; a create that fails (a unique value taken) takes no number; issue_key
 * ("{project_key}-{number}") is set on create and finds the issue through its GSI; headline
 * ("{issue_key} {title}") follows an update of its inputs; a missing parent is named; the
 * parent's version moves with its counter.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/harness.h"
#include "test.h"
#include "tracker.h"

#define THREADS 4
#define PER_THREAD 6

static char prefix[64];
static ddb_client *client;
static tracker__repo *repo;

static int setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    tracker__ddb_options opts = TRACKER__DDB_OPTIONS_INIT;
    int rc;
    if (repo)
        return 0;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "seq%ld_", (long)getpid());
    rc = tracker__create_tables(client, prefix, &err);
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = tracker__ddb_repo_new(&repo, client, &opts, &err);
    if (rc)
        return harness_report("repo", rc, &err);
    return 0;
}

static void teardown(void)
{
    char name[128];
    if (!client)
        return;
    tracker__repo_free(repo);
    repo = NULL;
    snprintf(name, sizeof name, "%sTracker", prefix);
    harness_delete_table(client, name);
    ddb_client_free(client);
    client = NULL;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

static int open_project(const char *key)
{
    tracker__project p = TRACKER__PROJECT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    p.project_key = dup_str(key);
    p.name = dup_str("Core");
    p.owner = dup_str("ada");
    p.created_at = 1700000000;
    rc = repo->project__create(repo, &p, &err);
    if (rc)
        fprintf(stderr, "create project %s: %s\n", key, err.message);
    tracker__project__free(&p);
    ddb_error_clear(&err);
    return rc;
}

/* An issue of project `key` without a number: create gives it one. */
static void issue(tracker__issue *i, const char *key, const char *title, const char *ref)
{
    tracker__issue__free(i);
    i->project_key = dup_str(key);
    i->title = dup_str(title);
    i->status = dup_str("open");
    i->opened_at = 1700000100;
    i->external_ref = ref ? dup_str(ref) : NULL;
    /* What the caller writes into a computed field is never stored. */
    i->issue_key = dup_str("BOGUS-0");
    i->headline = dup_str("BOGUS-0 headline");
}

static int64_t counter_of(const char *key)
{
    tracker__project p = TRACKER__PROJECT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    bool found = false;
    int64_t n = -1;
    if (repo->project__get_project(repo, &p, &found, key, &err) == 0 && found)
        n = p.has_issue_counter ? p.issue_counter : 0;
    tracker__project__free(&p);
    ddb_error_clear(&err);
    return n;
}

typedef struct opener {
    int id;
    int64_t numbers[PER_THREAD];
    int failures;
    char last_error[600];
} opener;

static void *open_issues(void *arg)
{
    opener *o = arg;
    for (int k = 0; k < PER_THREAD; k++) {
        tracker__issue i = TRACKER__ISSUE__INIT;
        ddb_error err = DDB_ERROR_INIT;
        char title[64];
        snprintf(title, sizeof title, "thread %d issue %d", o->id, k);
        issue(&i, "CORE", title, NULL);
        if (repo->issue__create(repo, &i, &err) == 0) {
            o->numbers[k] = i.number;
        } else {
            o->failures++;
            snprintf(o->last_error, sizeof o->last_error, "%s", err.message);
        }
        tracker__issue__free(&i);
        ddb_error_clear(&err);
    }
    return NULL;
}

TEST(concurrent_numbers_have_no_gap_and_no_duplicate)
{
    pthread_t threads[THREADS];
    opener openers[THREADS];
    bool seen[THREADS * PER_THREAD + 1];
    int failures = 0;
    REQUIRE(setup() == 0);
    REQUIRE(open_project("CORE") == 0);
    memset(openers, 0, sizeof openers);
    memset(seen, 0, sizeof seen);
    for (int t = 0; t < THREADS; t++) {
        openers[t].id = t;
        REQUIRE(pthread_create(&threads[t], NULL, open_issues, &openers[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        failures += openers[t].failures;
        if (openers[t].failures)
            fprintf(stderr, "thread %d: %s\n", t, openers[t].last_error);
        for (int k = 0; k < PER_THREAD; k++) {
            int64_t n = openers[t].numbers[k];
            if (n < 1 || n > THREADS * PER_THREAD)
                continue;
            CHECK(!seen[n]); /* no duplicate */
            seen[n] = true;
        }
    }
    CHECK_INT(failures, 0);
    for (int n = 1; n <= THREADS * PER_THREAD; n++)
        CHECK(seen[n]); /* no gap */
    CHECK_INT((int)counter_of("CORE"), THREADS * PER_THREAD);
    /* Every number has its issue, and the project's list holds exactly them. */
    {
        tracker__issue__page page = {0};
        ddb_error err = DDB_ERROR_INIT;
        tracker__page_request req = {0};
        size_t total = 0;
        int64_t prev = THREADS * PER_THREAD + 1;
        req.limit = 100;
        CHECK_INT(repo->issue__newest_issues(repo, &page, "CORE", &req, &err), 0);
        for (size_t i = 0; i < page.n_items; i++, total++) {
            CHECK(page.items[i].number < prev); /* newest first */
            prev = page.items[i].number;
        }
        CHECK_INT((int)total, THREADS * PER_THREAD);
        tracker__issue__page_free(&page);
        ddb_error_clear(&err);
    }
}

TEST(failed_create_takes_no_number)
{
    tracker__issue a = TRACKER__ISSUE__INIT, b = TRACKER__ISSUE__INIT, c = TRACKER__ISSUE__INIT;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(setup() == 0);
    REQUIRE(open_project("WEB") == 0);
    issue(&a, "WEB", "first", "JIRA-1");
    CHECK_INT(repo->issue__create(repo, &a, &err), 0);
    CHECK_INT((int)a.number, 1);
    /* The external reference is unique: the transaction fails, the counter stays at 1. */
    issue(&b, "WEB", "duplicate", "JIRA-1");
    CHECK_INT(repo->issue__create(repo, &b, &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "external_ref");
    CHECK_INT((int)b.number, 0); /* the struct holds no number either */
    CHECK_INT((int)counter_of("WEB"), 1);
    issue(&c, "WEB", "second", "JIRA-2");
    CHECK_INT(repo->issue__create(repo, &c, &err), 0);
    CHECK_INT((int)c.number, 2);
    CHECK_STR(c.issue_key, "WEB-2");
    /* No parent, no number: the message names the parent and its key. */
    issue(&b, "NOPE", "orphan", NULL);
    CHECK_INT(repo->issue__create(repo, &b, &err), DDB_ERR_ITEM_NOT_FOUND);
    CHECK_CONTAINS(err.message, "Project");
    CHECK_CONTAINS(err.message, "PROJECT#NOPE");
    tracker__issue__free(&a);
    tracker__issue__free(&b);
    tracker__issue__free(&c);
    ddb_error_clear(&err);
}

TEST(computed_key_follows_its_inputs)
{
    tracker__issue i = TRACKER__ISSUE__INIT, got = TRACKER__ISSUE__INIT;
    tracker__project p = TRACKER__PROJECT__INIT;
    ddb_error err = DDB_ERROR_INIT;
    bool found = false;
    REQUIRE(setup() == 0);
    REQUIRE(open_project("OPS") == 0);
    issue(&i, "OPS", "disk full", NULL);
    CHECK_INT(repo->issue__create(repo, &i, &err), 0);
    CHECK_STR(i.issue_key, "OPS-1"); /* set on create, the caller's BOGUS-0 replaced */

    /* Lookup by the computed key, through GSI3. */
    CHECK_INT(repo->issue__issue_by_key(repo, &got, &found, "OPS-1", &err), 0);
    CHECK(found);
    CHECK_STR(got.title, "disk full");
    CHECK_STR(got.issue_key, "OPS-1");
    CHECK_INT((int)got.number, 1);
    tracker__issue__free(&got);
    CHECK_INT(repo->issue__issue_by_key(repo, &got, &found, "BOGUS-0", &err), 0);
    CHECK(!found);

    /* An update whose struct holds a wrong issue_key stores the template's value. */
    free(i.issue_key);
    i.issue_key = dup_str("WRONG-9");
    free(i.title);
    i.title = dup_str("disk full again");
    CHECK_INT(repo->issue__update(repo, &i, &err), 0);
    CHECK_STR(i.issue_key, "OPS-1");
    CHECK_INT(repo->issue__get_issue(repo, &got, &found, "OPS", 1, &err), 0);
    CHECK(found);
    CHECK_STR(got.issue_key, "OPS-1");
    CHECK_STR(got.title, "disk full again");
    tracker__issue__free(&got);

    /* headline is computed from issue_key (itself computed) and title: an update of the title
     * moves it, in the struct and in the item. */
    CHECK_STR(i.headline, "OPS-1 disk full again");
    CHECK_INT(repo->issue__get_issue(repo, &got, &found, "OPS", 1, &err), 0);
    CHECK_STR(got.headline, "OPS-1 disk full again");
    tracker__issue__free(&got);
    {
        ddb_value *v = NULL;
        CHECK_INT(ddb_entity_computed_value(&v, &tracker__issue__desc, 1, &i, &err), 0);
        REQUIRE(v != NULL);
        CHECK_STR(ddb_value_s(v, NULL), "OPS-1 disk full again");
        ddb_value_free(v);
    }

    /* The parent's version moved with its counter: a stale project update is refused rather
     * than putting an old counter back. */
    CHECK_INT(repo->project__get_project(repo, &p, &found, "OPS", &err), 0);
    CHECK(found);
    CHECK_INT((int)p.issue_counter, 1);
    {
        tracker__issue j = TRACKER__ISSUE__INIT;
        issue(&j, "OPS", "second", NULL);
        CHECK_INT(repo->issue__create(repo, &j, &err), 0);
        CHECK_STR(j.issue_key, "OPS-2");
        tracker__issue__free(&j);
    }
    free(p.name);
    p.name = dup_str("Operations");
    CHECK_INT(repo->project__update(repo, &p, &err), DDB_ERR_STALE_VERSION);
    CHECK_INT((int)counter_of("OPS"), 2);
    tracker__project__free(&p);
    tracker__issue__free(&i);
    ddb_error_clear(&err);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        CASE(concurrent_numbers_have_no_gap_and_no_duplicate),
        CASE(failed_create_takes_no_number),
        CASE(computed_key_follows_its_inputs),
    };
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    teardown();
    return rc;
}
