/*
 * The store members of a generated repository against DynamoDB Local (gen-models/store.json):
 * IDs per id_strategy (counter blocks shared by threads, source, uuid, ulid), unique-value
 * sentinels on create/update/delete, transact (all or nothing, the failing op's index), mirror,
 * list over pages, max_id and seed_id.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "support/harness.h"
#include "test.h"

static char prefix[64];
static char counter_table[128];
static ddb_client *client;
static store__repo *repo;
static atomic_int counter_updates; /* UpdateItem calls on the counter table */
static atomic_int requests;        /* every operation (one event each, whatever its retries) */
static char last_ops[256];         /* their names, for the messages of the round-trip checks */

static void on_event(void *ctx, const ddb_event *ev)
{
    (void)ctx;
    if (atomic_fetch_add(&requests, 1) < 8) {
        size_t len = strlen(last_ops);
        snprintf(last_ops + len, sizeof last_ops - len, "%s%s", len ? " " : "", ev->operation);
    }
    if (ev->table_name && strcmp(ev->operation, "UpdateItem") == 0 &&
        strcmp(ev->table_name, counter_table) == 0)
        atomic_fetch_add(&counter_updates, 1);
}

static int setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_client_options copts = DDB_CLIENT_OPTIONS_INIT;
    store__ddb_options opts = STORE__DDB_OPTIONS_INIT;
    int rc;
    copts.on_event = on_event;
    client = harness_client(&copts);
    snprintf(prefix, sizeof prefix, "store%ld_", (long)getpid());
    snprintf(counter_table, sizeof counter_table, "%sStoreCounters", prefix);
    rc = store__create_tables(client, prefix, &err); /* the counter table too */
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = store__ddb_repo_new(&repo, client, &opts, &err);
    if (rc)
        return harness_report("repo", rc, &err);
    atomic_store(&counter_updates, 0);
    return 0;
}

static void teardown(void)
{
    static const char *const tables[] = {"Accounts", "Events", "StoreCounters"};
    store__repo_free(repo);
    repo = NULL;
    for (size_t i = 0; i < 3; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, tables[i]);
        harness_delete_table(client, name);
    }
    ddb_client_free(client);
    client = NULL;
}

static void set_str(char **field, const char *v)
{
    free(*field);
    *field = v ? strdup(v) : NULL;
}

/* A new user (ID left to the counter). */
static void make_user(store__user *u, const char *username, const char *email, int64_t credits)
{
    *u = (store__user)STORE__USER__INIT;
    set_str(&u->username, username);
    set_str(&u->email, email);
    u->credits = credits;
}

static bool user_exists(int64_t id)
{
    store__user key = STORE__USER__INIT, got = STORE__USER__INIT;
    bool found = false;
    key.user_id = id;
    if (repo->user__get(repo, &got, &found, &key, NULL) != 0)
        return false;
    store__user__free(&got);
    return found;
}

/* Creates a user with this username and no email; returns the create's result. */
static int try_username(const char *username, int64_t *id)
{
    store__user u;
    int rc;
    make_user(&u, username, NULL, 0);
    rc = repo->user__create(repo, &u, NULL);
    if (id)
        *id = u.user_id;
    store__user__free(&u);
    return rc;
}

/* ---- IDs ---------------------------------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 200

typedef struct worker {
    int n;
    int64_t ids[PER_THREAD];
    int failures;
} worker;

static void *create_users(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        store__user u;
        char name[64];
        ddb_error err = DDB_ERROR_INIT;
        snprintf(name, sizeof name, "t%d_user%d", w->n, i);
        make_user(&u, name, NULL, 0);
        if (repo->user__create(repo, &u, &err) != 0) {
            fprintf(stderr, "create %s: %s\n", name, err.message);
            w->failures++;
        }
        w->ids[i] = u.user_id;
        store__user__free(&u);
        ddb_error_clear(&err);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ttl_field: create_tables enables TTL on the entity's table, on that attribute. */
TEST(ttl_enabled_on_the_table)
{
    ddb_error err = DDB_ERROR_INIT;
    char table[128];
    ddb_describe_time_to_live_input in = {0};
    ddb_describe_time_to_live_output *out = NULL;
    REQUIRE(setup() == 0);
    snprintf(table, sizeof table, "%sEvents", prefix);
    in.table_name = table;
    CHECK_INT(ddb_describe_time_to_live(&out, client, &in, &err), 0);
    REQUIRE(out && out->time_to_live_description);
    CHECK_STR(out->time_to_live_description->time_to_live_status, "ENABLED");
    CHECK_STR(out->time_to_live_description->attribute_name, "expires_at");
    ddb_describe_time_to_live_output_free(out);
    /* the table without a ttl_field has none */
    snprintf(table, sizeof table, "%sAccounts", prefix);
    out = NULL;
    CHECK_INT(ddb_describe_time_to_live(&out, client, &in, &err), 0);
    REQUIRE(out && out->time_to_live_description);
    CHECK_STR(out->time_to_live_description->time_to_live_status, "DISABLED");
    ddb_describe_time_to_live_output_free(out);
    ddb_error_clear(&err);
    teardown();
}

TEST(counter_ids_unique_across_threads)
{
    pthread_t th[THREADS];
    static worker w[THREADS];
    int64_t all[THREADS * PER_THREAD];
    size_t n = 0;

    REQUIRE(setup() == 0);
    for (int t = 0; t < THREADS; t++) {
        w[t].n = t;
        REQUIRE(pthread_create(&th[t], NULL, create_users, &w[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        CHECK_INT(w[t].failures, 0);
        for (int i = 0; i < PER_THREAD; i++)
            all[n++] = w[t].ids[i];
    }
    qsort(all, n, sizeof all[0], cmp_i64);
    for (size_t i = 0; i < n; i++)
        CHECK_INT(all[i], (int64_t)i + 1); /* 1..800: no duplicate, no gap, none lost */
    /* Blocks of 100 (the model's block_size): one counter update per block. */
    CHECK_INT(atomic_load(&counter_updates), THREADS * PER_THREAD / 100);
    teardown();
}

TEST(source_uuid_and_ulid_ids)
{
    ddb_error err = DDB_ERROR_INIT;
    store__invoice inv = STORE__INVOICE__INIT, mine = STORE__INVOICE__INIT;
    store__session s1 = STORE__SESSION__INIT, s2 = STORE__SESSION__INIT;
    store__event e1 = STORE__EVENT__INIT, e2 = STORE__EVENT__INIT;

    REQUIRE(setup() == 0);
    /* source with no relational ID: the counter continues, as decimal digits in a string */
    inv.amount = 5;
    REQUIRE(repo->invoice__create(repo, &inv, &err) == 0);
    CHECK_STR(inv.invoice_no, "1");
    CHECK_INT(inv.ddb_version, 1);
    /* the relational database's ID is kept */
    set_str(&mine.invoice_no, "INV-42");
    REQUIRE(repo->invoice__create(repo, &mine, &err) == 0);
    CHECK_STR(mine.invoice_no, "INV-42");

    set_str(&s1.owner, "a");
    set_str(&s2.owner, "b");
    REQUIRE(repo->session__create(repo, &s1, &err) == 0);
    REQUIRE(repo->session__create(repo, &s2, &err) == 0);
    CHECK(ddb_uuid_valid(s1.session_id));
    CHECK(s1.session_id[14] == '4'); /* version 4 */
    CHECK(strchr("89ab", s1.session_id[19]) != NULL);
    CHECK(strcmp(s1.session_id, s2.session_id) != 0);

    set_str(&e1.kind, "login");
    set_str(&e2.kind, "logout");
    REQUIRE(repo->event__create(repo, &e1, &err) == 0);
    REQUIRE(repo->event__create(repo, &e2, &err) == 0);
    REQUIRE(e1.event_id && e2.event_id);
    CHECK_INT(strlen(e1.event_id), 26);
    CHECK(strspn(e1.event_id, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 26);
    CHECK(e1.event_id[0] <= '7'); /* 128 bits: the first digit holds 3 */
    CHECK(strcmp(e1.event_id, e2.event_id) != 0);
    CHECK(strncmp(e1.event_id, e2.event_id, 6) == 0); /* same time prefix, within ~1 s */

    /* without an id_strategy's help, a missing key field is named */
    {
        store__event blank = STORE__EVENT__INIT;
        ddb_value *key = NULL;
        CHECK_INT(store__event__key(&key, &blank, &err), DDB_ERR_INVALID_ARG);
        CHECK_CONTAINS(err.message, "needs Event.event_id, which has no value");
        CHECK(key == NULL);
    }

    store__invoice__free(&inv);
    store__invoice__free(&mine);
    store__session__free(&s1);
    store__session__free(&s2);
    store__event__free(&e1);
    store__event__free(&e2);
    ddb_error_clear(&err);
    teardown();
}

/* ---- unique values ----------------------------------------------------------------------- */

TEST(unique_sentinels)
{
    ddb_error err = DDB_ERROR_INIT;
    store__user alice, bob;

    REQUIRE(setup() == 0);
    make_user(&alice, "alice", "alice@example.com", 10);
    set_str(&alice.tenant, "acme");
    set_str(&alice.handle, "al#1");
    REQUIRE(repo->user__create(repo, &alice, &err) == 0);
    CHECK_INT(alice.ddb_version, 1);

    /* a taken username, email or (tenant, handle): the message names the field */
    make_user(&bob, "alice", "bob@example.com", 0);
    CHECK_INT(repo->user__create(repo, &bob, &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "User.username");
    CHECK_STR(err.field, "username");
    set_str(&bob.username, "bob");
    set_str(&bob.email, "alice@example.com");
    bob.user_id = 0;
    CHECK_INT(repo->user__create(repo, &bob, &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "User.email");
    CHECK_STR(err.field, "email");
    set_str(&bob.email, "bob@example.com");
    set_str(&bob.tenant, "acme");
    set_str(&bob.handle, "al#1");
    bob.user_id = 0;
    CHECK_INT(repo->user__create(repo, &bob, &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "User.tenant+handle");
    CHECK_STR(err.field, "tenant+handle");
    /* the same handle in another tenant is free; '#' in a value cannot forge another pair */
    set_str(&bob.tenant, "acme#al");
    set_str(&bob.handle, "1");
    bob.user_id = 0;
    /* and "bob", in the failed creates' transactions too, was left free by them */
    REQUIRE(repo->user__create(repo, &bob, &err) == 0);
    store__user__free(&bob);

    /* update moves the sentinel: the old value is free again, the new one taken */
    set_str(&alice.username, "alice2");
    REQUIRE(repo->user__update(repo, &alice, &err) == 0);
    CHECK_INT(alice.ddb_version, 2);
    CHECK_INT(try_username("alice", NULL), 0);
    CHECK_INT(try_username("alice2", NULL), DDB_ERR_UNIQUE_TAKEN);
    /* an update onto a taken value fails whole: alice keeps alice2 */
    set_str(&alice.username, "bob");
    CHECK_INT(repo->user__update(repo, &alice, &err), DDB_ERR_UNIQUE_TAKEN);
    CHECK_CONTAINS(err.message, "User.username");
    CHECK_INT(try_username("alice2", NULL), DDB_ERR_UNIQUE_TAKEN);
    /* a stale update is refused before any sentinel moves */
    set_str(&alice.username, "alice3");
    alice.ddb_version = 1;
    CHECK_INT(repo->user__update(repo, &alice, &err), DDB_ERR_STALE_VERSION);
    alice.ddb_version = 2;
    /* removing an optional unique value frees it */
    set_str(&alice.username, "alice2");
    set_str(&alice.email, NULL);
    REQUIRE(repo->user__update(repo, &alice, &err) == 0);
    make_user(&bob, "dave", "alice@example.com", 0);
    CHECK_INT(repo->user__create(repo, &bob, &err), 0);
    store__user__free(&bob);

    /* delete frees every value */
    REQUIRE(repo->user__delete(repo, &alice, &err) == 0);
    CHECK(!user_exists(alice.user_id));
    CHECK_INT(try_username("alice2", NULL), 0);
    make_user(&bob, "erin", NULL, 0);
    set_str(&bob.tenant, "acme");
    set_str(&bob.handle, "al#1");
    CHECK_INT(repo->user__create(repo, &bob, &err), 0);

    store__user__free(&alice);
    store__user__free(&bob);
    ddb_error_clear(&err);
    teardown();
}

/* ---- transact ------------------------------------------------------------------------------ */

TEST(transact_all_or_nothing)
{
    ddb_error err = DDB_ERROR_INIT;
    store__user a, b, c, got = STORE__USER__INIT, key = STORE__USER__INIT;
    store__invoice inv = STORE__INVOICE__INIT;
    bool found = false;

    REQUIRE(setup() == 0);
    make_user(&a, "anna", NULL, 10);
    REQUIRE(repo->user__create(repo, &a, &err) == 0);
    make_user(&b, "ben", NULL, 0);
    make_user(&c, "cleo", NULL, 0);

    {
        /* op 2 takes 50 from anna's 10 credits with a floor of 0: nothing happens */
        store__write ops[] = {
            {STORE__KIND_USER, STORE__WRITE_CREATE, &b, NULL, 0, 0},
            {STORE__KIND_INVOICE, STORE__WRITE_CREATE, &inv, NULL, 0, 0},
            {STORE__KIND_USER, STORE__WRITE_ADD, &a, "credits", -50, 0},
        };
        inv.amount = 1;
        CHECK_INT(repo->transact(repo, ops, 3, &err), DDB_ERR_TRANSACTION_CANCELED);
        REQUIRE(err.n_cancellation_reasons == 3);
        CHECK_STR(err.cancellation_reasons[0].code, "None");
        CHECK_STR(err.cancellation_reasons[1].code, "None");
        CHECK_STR(err.cancellation_reasons[2].code, "ConditionalCheckFailed");
        CHECK_CONTAINS(err.message, "op 2");
        CHECK(b.user_id != 0); /* assigned, but never stored */
        CHECK(!user_exists(b.user_id));
        CHECK_INT(try_username("ben", NULL), 0); /* its sentinel was not written either */
    }
    {
        /* a sentinel's failure is its op's: op 1 wants the taken username "ben" */
        store__write ops[] = {
            {STORE__KIND_USER, STORE__WRITE_ADD, &a, "credits", 5, INT64_MIN},
            {STORE__KIND_USER, STORE__WRITE_CREATE, &c, NULL, 0, 0},
        };
        set_str(&c.username, "ben");
        CHECK_INT(repo->transact(repo, ops, 2, &err), DDB_ERR_TRANSACTION_CANCELED);
        REQUIRE(err.n_cancellation_reasons == 2);
        CHECK_STR(err.cancellation_reasons[1].code, "ConditionalCheckFailed");
        CHECK_STR(err.cancellation_reasons[0].code, "None");
        CHECK_CONTAINS(err.message, "username");
    }
    {
        /* all succeed: create, ADD within the floor, update, delete */
        store__user victim;
        make_user(&victim, "vic", NULL, 0);
        REQUIRE(repo->user__create(repo, &victim, &err) == 0);
        set_str(&c.username, "cleo");
        c.user_id = 0;
        store__write ops[] = {
            {STORE__KIND_USER, STORE__WRITE_CREATE, &c, NULL, 0, 0},
            {STORE__KIND_USER, STORE__WRITE_ADD, &a, "credits", -10, 0},
            {STORE__KIND_USER, STORE__WRITE_DELETE, &victim, NULL, 0, 0},
        };
        REQUIRE(repo->transact(repo, ops, 3, &err) == 0);
        CHECK_INT(c.ddb_version, 1);
        CHECK(user_exists(c.user_id));
        CHECK(!user_exists(victim.user_id));
        CHECK_INT(try_username("vic", NULL), 0); /* the delete removed its sentinel */
        key.user_id = a.user_id;
        REQUIRE(repo->user__get(repo, &got, &found, &key, &err) == 0 && found);
        CHECK_INT(got.credits, 0);
        CHECK_INT(got.ddb_version, 2); /* ADD counts as a write */
        store__user__free(&victim);
    }
    {
        /* UPDATE in a transaction moves the sentinel and checks the version */
        store__write ops[] = {{STORE__KIND_USER, STORE__WRITE_UPDATE, &got, NULL, 0, 0}};
        set_str(&got.username, "anna2");
        REQUIRE(repo->transact(repo, ops, 1, &err) == 0);
        CHECK_INT(got.ddb_version, 3);
        CHECK_INT(try_username("anna", NULL), 0);
        got.ddb_version = 1;
        CHECK_INT(repo->transact(repo, ops, 1, &err), DDB_ERR_TRANSACTION_CANCELED);
        CHECK_STR(err.cancellation_reasons[0].code, "ConditionalCheckFailed");
    }
    {
        /* ADD on a key field is refused before anything is sent */
        store__write ops[] = {{STORE__KIND_USER, STORE__WRITE_ADD, &a, "user_id", 1, INT64_MIN}};
        CHECK_INT(repo->transact(repo, ops, 1, &err), DDB_ERR_INVALID_ARG);
        CHECK_CONTAINS(err.message, "User.user_id");
    }

    store__user__free(&a);
    store__user__free(&b);
    store__user__free(&c);
    store__user__free(&got);
    store__invoice__free(&inv);
    ddb_error_clear(&err);
    teardown();
}

/* ---- mirror --------------------------------------------------------------------------------- */

TEST(mirror_is_idempotent)
{
    ddb_error err = DDB_ERROR_INIT;
    store__user u, key = STORE__USER__INIT, got = STORE__USER__INIT;
    bool found = false;

    REQUIRE(setup() == 0);
    make_user(&u, "mia", "mia@example.com", 3);
    u.user_id = 4242;
    u.ddb_version = 7;
    key.user_id = 4242;
    for (int i = 0; i < 2; i++)
        REQUIRE(repo->user__mirror(repo, &u, &key, &err) == 0);
    REQUIRE(repo->user__get(repo, &got, &found, &key, &err) == 0 && found);
    CHECK_INT(got.ddb_version, 7);
    CHECK_STR(got.username, "mia");
    CHECK_STR(got.email, "mia@example.com");
    store__user__free(&got);
    CHECK_INT(try_username("mia", NULL), DDB_ERR_UNIQUE_TAKEN);

    /* a changed unique value moves its sentinel */
    set_str(&u.username, "mia2");
    u.ddb_version = 8;
    for (int i = 0; i < 2; i++)
        REQUIRE(repo->user__mirror(repo, &u, &key, &err) == 0);
    CHECK_INT(try_username("mia", NULL), 0);
    CHECK_INT(try_username("mia2", NULL), DDB_ERR_UNIQUE_TAKEN);

    /* another key is refused */
    key.user_id = 1;
    CHECK_INT(repo->user__mirror(repo, &u, &key, &err), DDB_ERR_INVALID_ARG);
    key.user_id = 4242;

    /* absent: item and sentinels gone, twice */
    for (int i = 0; i < 2; i++)
        REQUIRE(repo->user__mirror(repo, NULL, &key, &err) == 0);
    CHECK(!user_exists(4242));
    CHECK_INT(try_username("mia2", NULL), 0);
    make_user(&got, "zed", "mia@example.com", 0);
    CHECK_INT(repo->user__create(repo, &got, &err), 0);

    store__user__free(&got);
    store__user__free(&u);
    ddb_error_clear(&err);
    teardown();
}

/* ---- list ------------------------------------------------------------------------------------ */

TEST(list_every_item_once)
{
    ddb_error err = DDB_ERROR_INIT;
    int seen_users[31] = {0}, seen_invoices[41] = {0};
    store__page_request page = {NULL, 7, 0};
    char *cursor = NULL;
    int pages = 0;

    REQUIRE(setup() == 0);
    for (int i = 1; i <= 30; i++) {
        char name[32];
        snprintf(name, sizeof name, "lister%d", i);
        REQUIRE(try_username(name, NULL) == 0); /* with a sentinel each, in the same table */
    }
    for (int i = 1; i <= 40; i++) {
        store__invoice inv = STORE__INVOICE__INIT;
        inv.amount = i;
        REQUIRE(repo->invoice__create(repo, &inv, &err) == 0);
        store__invoice__free(&inv);
    }
    do {
        store__user__page p = {0, NULL, NULL};
        page.cursor = cursor;
        REQUIRE(repo->user__list(repo, &p, &page, &err) == 0);
        free(cursor);
        cursor = p.cursor;
        p.cursor = NULL;
        for (size_t i = 0; i < p.n_items; i++) {
            int64_t id = p.items[i].user_id;
            CHECK(id >= 1 && id <= 30);
            if (id >= 1 && id <= 30)
                seen_users[id]++;
        }
        store__user__page_free(&p);
        pages++;
    } while (cursor);
    CHECK(pages >= 3);
    for (int i = 1; i <= 30; i++)
        CHECK_INT(seen_users[i], 1);

    pages = 0;
    page.limit = 9;
    do {
        store__invoice__page p = {0, NULL, NULL};
        page.cursor = cursor;
        REQUIRE(repo->invoice__list(repo, &p, &page, &err) == 0);
        free(cursor);
        cursor = p.cursor;
        p.cursor = NULL;
        for (size_t i = 0; i < p.n_items; i++) {
            int n = atoi(p.items[i].invoice_no);
            CHECK(n >= 1 && n <= 40);
            if (n >= 1 && n <= 40)
                seen_invoices[n]++;
        }
        store__invoice__page_free(&p);
        pages++;
    } while (cursor);
    CHECK(pages >= 3);
    for (int i = 1; i <= 40; i++)
        CHECK_INT(seen_invoices[i], 1);
    ddb_error_clear(&err);
    teardown();
}

/* ---- writes without a prior read ---------------------------------------------------------- */

static void count_from_zero(void)
{
    atomic_store(&requests, 0);
    last_ops[0] = '\0';
}

/* The requests since count_from_zero are n, of these operations. */
#define CHECK_REQUESTS(n, ops)                                                                     \
    do {                                                                                           \
        CHECK_INT(atomic_load(&requests), n);                                                      \
        CHECK_STR(last_ops, ops);                                                                  \
    } while (0)

/* update with ddb_version 0 (no version check) and delete not-found, counted against the wire. */
TEST(writes_without_a_prior_read)
{
    ddb_error err = DDB_ERROR_INIT;
    store__invoice inv = STORE__INVOICE__INIT, blind = STORE__INVOICE__INIT,
                   got = STORE__INVOICE__INIT;
    store__session ses = STORE__SESSION__INIT;
    store__user u, moved;
    bool found = false;

    REQUIRE(setup() == 0);
    /* no unique fields: one UpdateItem, conditional on the item existing */
    inv.amount = 10;
    REQUIRE(repo->invoice__create(repo, &inv, &err) == 0);
    blind.invoice_no = strdup(inv.invoice_no);
    blind.amount = 11; /* an application struct that never saw the version */
    count_from_zero();
    CHECK_INT(repo->invoice__update(repo, &blind, &err), 0);
    CHECK_REQUESTS(1, "UpdateItem");
    CHECK_INT(blind.ddb_version, 2); /* the stored version + 1, from the response */
    REQUIRE(repo->invoice__get(repo, &got, &found, &inv, &err) == 0 && found);
    CHECK_INT(got.amount, 11);
    CHECK_INT(got.ddb_version, 2);
    /* the version it came back with is a versioned update's */
    blind.amount = 12;
    count_from_zero();
    CHECK_INT(repo->invoice__update(repo, &blind, &err), 0);
    CHECK_REQUESTS(1, "PutItem");
    CHECK_INT(blind.ddb_version, 3);
    CHECK_INT(repo->invoice__update(repo, &got, &err), DDB_ERR_STALE_VERSION);
    /* missing: not found, in the same one request */
    free(blind.invoice_no);
    blind.invoice_no = strdup("no-such-invoice");
    blind.ddb_version = 0;
    count_from_zero();
    CHECK_INT(repo->invoice__update(repo, &blind, &err), DDB_ERR_ITEM_NOT_FOUND);
    CHECK_REQUESTS(1, "UpdateItem");
    CHECK_INT(blind.ddb_version, 0);
    CHECK_CONTAINS(err.message, "Invoice");
    /* delete_missing left at "succeed": idempotent, one request */
    count_from_zero();
    CHECK_INT(repo->invoice__delete(repo, &blind, &err), 0);
    CHECK_REQUESTS(1, "DeleteItem");

    /* delete_missing "not_found" (Session): one DeleteItem with ALL_OLD tells */
    ses.owner = strdup("ann");
    REQUIRE(repo->session__create(repo, &ses, &err) == 0);
    ses.ddb_version = 0;
    count_from_zero();
    CHECK_INT(repo->session__delete(repo, &ses, &err), 0);
    CHECK_REQUESTS(1, "DeleteItem");
    count_from_zero();
    CHECK_INT(repo->session__delete(repo, &ses, &err), DDB_ERR_ITEM_NOT_FOUND);
    CHECK_REQUESTS(1, "DeleteItem");
    ses.ddb_version = 4; /* versioned: the condition's failure without an old item */
    count_from_zero();
    CHECK_INT(repo->session__delete(repo, &ses, &err), DDB_ERR_ITEM_NOT_FOUND);
    CHECK_REQUESTS(1, "DeleteItem");

    /* unique fields: one request while no unique value changes, two when one does */
    make_user(&u, "blind", "blind@example.com", 5);
    REQUIRE(repo->user__create(repo, &u, &err) == 0);
    u.ddb_version = 0;
    u.credits = 6;
    count_from_zero();
    CHECK_INT(repo->user__update(repo, &u, &err), 0);
    CHECK_REQUESTS(1, "UpdateItem");
    CHECK_INT(u.ddb_version, 2);
    u.credits = 7; /* versioned, unchanged unique values: no read either */
    count_from_zero();
    CHECK_INT(repo->user__update(repo, &u, &err), 0);
    CHECK_REQUESTS(1, "PutItem");
    CHECK_INT(u.ddb_version, 3);
    u.ddb_version = 0;
    set_str(&u.email, "moved@example.com");
    count_from_zero();
    CHECK_INT(repo->user__update(repo, &u, &err), 0);
    CHECK_REQUESTS(2, "UpdateItem TransactWriteItems"); /* the failed condition brought ALL_OLD */
    CHECK_INT(u.ddb_version, 4);
    /* the sentinel moved: the old value is free, the new one taken */
    make_user(&moved, "other", "blind@example.com", 0);
    CHECK_INT(repo->user__create(repo, &moved, &err), 0);
    store__user__free(&moved);
    make_user(&moved, "third", "moved@example.com", 0);
    CHECK_INT(repo->user__create(repo, &moved, &err), DDB_ERR_UNIQUE_TAKEN);
    store__user__free(&moved);
    /* versioned and stale, a unique value changed: stale, nothing moved */
    u.ddb_version = 2;
    set_str(&u.email, "again@example.com");
    count_from_zero();
    CHECK_INT(repo->user__update(repo, &u, &err), DDB_ERR_STALE_VERSION);
    CHECK_REQUESTS(1, "PutItem");
    CHECK_INT(u.ddb_version, 2);
    /* a delete reads the sentinels it removes: two requests */
    u.ddb_version = 0;
    count_from_zero();
    CHECK_INT(repo->user__delete(repo, &u, &err), 0);
    CHECK_REQUESTS(2, "GetItem TransactWriteItems");
    u.ddb_version = 0;
    count_from_zero();
    CHECK_INT(repo->user__update(repo, &u, &err), DDB_ERR_ITEM_NOT_FOUND);
    CHECK_REQUESTS(1, "UpdateItem");

    store__user__free(&u);
    store__session__free(&ses);
    store__invoice__free(&inv);
    store__invoice__free(&blind);
    store__invoice__free(&got);
    ddb_error_clear(&err);
    teardown();
}

/* ---- offset pages ------------------------------------------------------------------------- */

#define N_EVENTS 12

/* Offsets skip matching items, continue by cursor, and are refused with a cursor. */
TEST(offset_pages)
{
    ddb_error err = DDB_ERROR_INIT;
    char *order[N_EVENTS] = {0};
    size_t n_order = 0;
    char *cursor = NULL;
    store__page_request page = {NULL, 100, 0};
    store__event__page p = {0, NULL, NULL};

    REQUIRE(setup() == 0);
    for (int i = 0; i < N_EVENTS; i++) {
        store__event ev = STORE__EVENT__INIT;
        ev.kind = strdup("tick");
        REQUIRE(repo->event__create(repo, &ev, &err) == 0);
        store__event__free(&ev);
    }
    /* the order the cursors give */
    do {
        page.cursor = cursor;
        REQUIRE(repo->event__list(repo, &p, &page, &err) == 0);
        free(cursor);
        cursor = p.cursor;
        p.cursor = NULL;
        for (size_t i = 0; i < p.n_items && n_order < N_EVENTS; i++)
            order[n_order++] = strdup(p.items[i].event_id);
        store__event__page_free(&p);
    } while (cursor);
    REQUIRE(n_order == N_EVENTS);

    /* skip 5, take 4: the skipped items are read (one Scan of Limit 5), then the page */
    page = (store__page_request){NULL, 4, 5};
    count_from_zero();
    REQUIRE(repo->event__list(repo, &p, &page, &err) == 0);
    CHECK_REQUESTS(2, "Scan Scan");
    REQUIRE(p.n_items == 4);
    for (size_t i = 0; i < 4; i++)
        CHECK_STR(p.items[i].event_id, order[5 + i]);
    /* its cursor goes on after them */
    REQUIRE(p.cursor != NULL);
    page = (store__page_request){p.cursor, 100, 0};
    p.cursor = NULL;
    store__event__page_free(&p);
    REQUIRE(repo->event__list(repo, &p, &page, &err) == 0);
    free((char *)page.cursor);
    CHECK_INT((long long)p.n_items, N_EVENTS - 9);
    for (size_t i = 0; i < p.n_items && 9 + i < N_EVENTS; i++)
        CHECK_STR(p.items[i].event_id, order[9 + i]);
    store__event__page_free(&p);

    /* an offset at or past the end: an empty last page */
    page = (store__page_request){NULL, 4, N_EVENTS};
    REQUIRE(repo->event__list(repo, &p, &page, &err) == 0);
    CHECK_INT((long long)p.n_items, 0);
    CHECK(p.cursor == NULL);
    store__event__page_free(&p);
    page = (store__page_request){NULL, 0, 3}; /* no limit: the rest after 3 */
    REQUIRE(repo->event__list(repo, &p, &page, &err) == 0);
    CHECK_INT((long long)p.n_items, N_EVENTS - 3);
    store__event__page_free(&p);

    /* an offset with a cursor, or a negative one: refused, naming the fields */
    page = (store__page_request){"x", 4, 2};
    count_from_zero();
    CHECK_INT(repo->event__list(repo, &p, &page, &err), DDB_ERR_INVALID_ARG);
    CHECK_REQUESTS(0, "");
    CHECK_STR(err.message, "page.offset 2 with page.cursor: give one or the other");
    page = (store__page_request){NULL, 4, -1};
    CHECK_INT(repo->event__list(repo, &p, &page, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "page.offset -1 is negative");

    for (size_t i = 0; i < n_order; i++)
        free(order[i]);
    ddb_error_clear(&err);
    teardown();
}

/* ---- max_id and seed_id -------------------------------------------------------------------- */

TEST(max_id_and_seed_id)
{
    ddb_error err = DDB_ERROR_INIT;
    int64_t max = -1, id = 0;
    store__user u, key = STORE__USER__INIT;
    store__invoice inv = STORE__INVOICE__INIT;

    REQUIRE(setup() == 0);
    REQUIRE(repo->max_id(repo, STORE__KIND_USER, &max, &err) == 0);
    CHECK_INT(max, 0);
    REQUIRE(try_username("first", &id) == 0);
    CHECK_INT(id, 1);
    /* the rest of the block is allocated: max_id counts it, so a seed above it is safe */
    REQUIRE(repo->max_id(repo, STORE__KIND_USER, &max, &err) == 0);
    CHECK_INT(max, 100);

    /* an ID stored by mirror (the relational side's) counts too */
    make_user(&u, "imported", NULL, 0);
    u.user_id = 5000;
    u.ddb_version = 1;
    key.user_id = 5000;
    REQUIRE(repo->user__mirror(repo, &u, &key, &err) == 0);
    REQUIRE(repo->max_id(repo, STORE__KIND_USER, &max, &err) == 0);
    CHECK_INT(max, 5000);

    /* seed: later IDs are above the floor, even with IDs of the old block still cached */
    REQUIRE(repo->seed_id(repo, STORE__KIND_USER, max, &err) == 0);
    REQUIRE(try_username("after_seed", &id) == 0);
    CHECK_INT(id, 5001);
    /* seeding below the counter changes nothing */
    REQUIRE(repo->seed_id(repo, STORE__KIND_USER, 10, &err) == 0);
    REQUIRE(try_username("after_low_seed", &id) == 0);
    CHECK_INT(id, 5002);

    /* source IDs in a string field: digits count */
    REQUIRE(repo->seed_id(repo, STORE__KIND_INVOICE, 77, &err) == 0);
    REQUIRE(repo->invoice__create(repo, &inv, &err) == 0);
    CHECK_STR(inv.invoice_no, "78");
    REQUIRE(repo->max_id(repo, STORE__KIND_INVOICE, &max, &err) == 0);
    CHECK_INT(max, 177); /* the block 78..177 is allocated */

    /* not integers */
    CHECK_INT(repo->max_id(repo, STORE__KIND_SESSION, &max, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "Session.session_id");
    CHECK_INT(repo->max_id(repo, (store__kind)99, &max, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(repo->seed_id(repo, STORE__KIND_SESSION, 5, &err), 0); /* nothing to seed */

    store__user__free(&u);
    store__invoice__free(&inv);
    ddb_error_clear(&err);
    teardown();
}

TEST_MAIN(CASE(ttl_enabled_on_the_table), CASE(counter_ids_unique_across_threads),
          CASE(source_uuid_and_ulid_ids), CASE(unique_sentinels), CASE(transact_all_or_nothing),
          CASE(mirror_is_idempotent), CASE(list_every_item_once), CASE(max_id_and_seed_id),
          CASE(writes_without_a_prior_read), CASE(offset_pages))
