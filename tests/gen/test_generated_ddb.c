/*
 * The generated DynamoDB implementation against DynamoDB Local, for one model: built once per
 * valid fixture with GEN_HEADER ("ecommerce.h"), GEN_NS (ecommerce) and GEN_NS_UPPER
 * (ECOMMERCE) defined.
 *
 * create_tables creates the model's tables from the generated definitions (under a per-process
 * prefix). Then, for every entity, a sample made from its descriptor (every field set) goes
 * through the repository's storage path: create, create again (rejected), get (equal), update
 * (version 2), update from a stale copy (DDB_ERR_STALE_VERSION), delete from a stale copy
 * (rejected), delete, get (gone); and a sample without its optional values: create, get
 * (equal). "Equal" is ddb_conf_entity_equal: the struct read back against the struct written,
 * field by field, never through their items (which would hide a field the serializer drops).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddb/testkit/conformance.h"
#include "sample.h"
#include "support/harness.h"
#include "test.h"
#include GEN_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define NS(x) CAT(GEN_NS, x)
#define UNS(x) CAT(GEN_NS_UPPER, x)

static char prefix[64];
static ddb_client *client;

static void setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    if (client)
        return;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "gen%ld_", (long)getpid());
    rc = NS(__create_tables)(client, prefix, &err);
    if (rc)
        harness_report("create tables", rc, &err);
    REQUIRE(rc == 0);
}

static void teardown(void)
{
    if (!client)
        return;
    for (size_t i = 0; i < UNS(__N_ENTITIES); i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, NS(__entities)[i]->table);
        harness_delete_table(client, name); /* repeated tables: later calls fail, harmlessly */
    }
    ddb_client_free(client);
    client = NULL;
}

static int64_t version(const ddb_entity_desc *d, const void *obj)
{
    return *(const int64_t *)((const char *)obj + d->version_offset);
}

/* got, read back, equals want, the struct written: the message names the field that differs. */
static bool same(const ddb_entity_desc *d, const void *want, const void *got)
{
    char why[600];
    if (ddb_conf_entity_equal(why, sizeof why, d, want, got))
        return true;
    fprintf(stderr, "%s\n", why);
    return false;
}

/* A sample without its optional values (those outside the primary key) round-trips too. */
static void round_trip_sparse(const ddb_entity_desc *d, const char *table)
{
    ddb_error err = DDB_ERROR_INIT;
    void *obj = new_obj(d, 2), *got = calloc(1, d->size);
    bool found = false;
    ddb_conf_clear_optional(d, obj);
    REQUIRE(ddb_entity_create(client, d, table, obj, &err) == 0);
    REQUIRE(ddb_entity_get(got, &found, client, d, table, obj, true, &err) == 0);
    CHECK(found);
    CHECK(same(d, obj, got));
    CHECK_INT(ddb_entity_delete(client, d, table, got, &err), 0);
    free_obj(d, obj);
    free_obj(d, got);
}

static void round_trip(const ddb_entity_desc *d)
{
    ddb_error err = DDB_ERROR_INIT;
    char table[256];
    void *obj = new_obj(d, 1), *again = new_obj(d, 1), *got = calloc(1, d->size);
    void *stale = new_obj(d, 1);
    bool found = false;
    int rc;

    snprintf(table, sizeof table, "%s%s", prefix, d->table);
    rc = ddb_entity_create(client, d, table, obj, &err);
    if (rc)
        harness_report(d->name, rc, &err);
    REQUIRE(rc == 0);
    CHECK(version(d, obj) == 1);
    CHECK_INT(ddb_entity_create(client, d, table, again, &err), DDB_ERR_ITEM_EXISTS);

    REQUIRE(ddb_entity_get(got, &found, client, d, table, obj, true, &err) == 0);
    REQUIRE(found);
    CHECK(version(d, got) == 1);
    CHECK(same(d, obj, got));

    /* query the partition one item per page, following cursors: exactly this entity comes back */
    {
        ddb_entity_query q = {0};
        size_t seen = 0, pages = 0;
        char *cursor = NULL;
        q.pk_key = 0;
        q.has_sk = d->n_primary == 2;
        q.sk_key = 1;
        q.limit = 1;
        q.consistent_read = true;
        q.context = d->name;
        do {
            ddb_entity_page page = {0, NULL, NULL};
            q.cursor = cursor;
            rc = ddb_entity_query_page(&page, client, d, table, obj, &q, &err);
            if (rc)
                harness_report("query", rc, &err);
            REQUIRE(rc == 0);
            seen += page.n;
            free(cursor);
            cursor = page.cursor;
            page.cursor = NULL;
            ddb_entity_page_free(d, &page);
        } while (cursor && ++pages < 10);
        free(cursor);
        CHECK(seen == 1);
        q.cursor = "c1.not-a-cursor.x";
        {
            ddb_entity_page page = {0, NULL, NULL};
            CHECK_INT(ddb_entity_query_page(&page, client, d, table, obj, &q, &err),
                      DDB_ERR_CURSOR);
        }
    }

    /* update: version 1 -> 2; the copy still at 1 is stale */
    *(int64_t *)((char *)stale + d->version_offset) = 1;
    rc = ddb_entity_update(client, d, table, got, &err);
    if (rc)
        harness_report("update", rc, &err);
    CHECK(rc == 0);
    CHECK(version(d, got) == 2);
    CHECK_INT(ddb_entity_update(client, d, table, stale, &err), DDB_ERR_STALE_VERSION);
    CHECK_CONTAINS(err.message, "stale version 1");
    CHECK_INT(ddb_entity_delete(client, d, table, stale, &err), DDB_ERR_STALE_VERSION);

    CHECK_INT(ddb_entity_delete(client, d, table, got, &err), 0);
    ddb_entity_free(d, got);
    found = true;
    REQUIRE(ddb_entity_get(got, &found, client, d, table, obj, true, &err) == 0);
    CHECK(!found);
    /* DeleteItem patterns: deleted says whether there was an item */
    {
        bool deleted = true;
        CHECK_INT(ddb_entity_delete_key(&deleted, client, d, table, obj, &err), 0);
        CHECK(!deleted);
        REQUIRE(ddb_entity_create(client, d, table, again, &err) == 0);
        CHECK_INT(ddb_entity_delete_key(&deleted, client, d, table, obj, &err), 0);
        CHECK(deleted);
    }
    /* update of a missing item: not "stale" */
    CHECK_INT(ddb_entity_update(client, d, table, obj, &err), DDB_ERR_ITEM_NOT_FOUND);

    round_trip_sparse(d, table);
    ddb_error_clear(&err);
    free_obj(d, obj);
    free_obj(d, again);
    free_obj(d, stale);
    free_obj(d, got);
}

TEST(entities_round_trip)
{
    setup();
    for (size_t i = 0; i < UNS(__N_ENTITIES); i++)
        round_trip(NS(__entities)[i]);
}

/* The repository through its function pointers, for every entity: transact's create (twice:
 * cancelled), update (without the optional values) and delete, each checked by reading the
 * table back, field by field. The typed members (<entity>__create and the like) have names this
 * program cannot know for every model; the generated conformance suite (gen.conf.*) calls them. */
static void through_repo(NS(__repo) * repo, size_t i)
{
    const ddb_entity_desc *d = NS(__entities)[i];
    ddb_error err = DDB_ERROR_INIT;
    char table[256];
    void *obj = new_obj(d, 3), *again = new_obj(d, 3), *got = calloc(1, d->size);
    NS(__write) op = {0};
    bool found = false;
    int rc;

    snprintf(table, sizeof table, "%s%s", prefix, d->table);
    op.kind = (NS(__kind))(i + 1);
    op.op = UNS(__WRITE_CREATE);
    op.obj = obj;
    rc = repo->transact(repo, &op, 1, &err);
    if (rc)
        harness_report(d->name, rc, &err);
    REQUIRE(rc == 0);
    CHECK(version(d, obj) == 1);
    op.obj = again;
    CHECK_INT(repo->transact(repo, &op, 1, &err), DDB_ERR_TRANSACTION_CANCELED);
    REQUIRE(ddb_entity_get(got, &found, client, d, table, obj, true, &err) == 0);
    REQUIRE(found);
    CHECK(same(d, obj, got));

    ddb_conf_clear_optional(d, obj);
    op.op = UNS(__WRITE_UPDATE);
    op.obj = obj;
    rc = repo->transact(repo, &op, 1, &err);
    if (rc)
        harness_report("update", rc, &err);
    CHECK(rc == 0);
    CHECK(version(d, obj) == 2);
    ddb_entity_free(d, got);
    REQUIRE(ddb_entity_get(got, &found, client, d, table, obj, true, &err) == 0);
    REQUIRE(found);
    CHECK(same(d, obj, got));

    op.op = UNS(__WRITE_DELETE);
    CHECK_INT(repo->transact(repo, &op, 1, &err), 0);
    ddb_entity_free(d, got);
    REQUIRE(ddb_entity_get(got, &found, client, d, table, obj, true, &err) == 0);
    CHECK(!found);
    ddb_error_clear(&err);
    free_obj(d, obj);
    free_obj(d, again);
    free_obj(d, got);
}

TEST(repository_interface)
{
    NS(__repo) *repo = NULL;
    NS(__ddb_options) opts = {1, NULL, true};
    ddb_error err = DDB_ERROR_INIT;
    setup();
    opts.table_prefix = prefix;
    REQUIRE(NS(__ddb_repo_new)(&repo, client, &opts, &err) == 0);
    CHECK(repo->version == 1);
    CHECK(repo->free != NULL);
    for (size_t i = 0; i < UNS(__N_ENTITIES); i++)
        through_repo(repo, i);
    NS(__repo_free)(repo);
    NS(__repo_free)(NULL);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {CASE(entities_round_trip), CASE(repository_interface)};
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    teardown();
    return rc;
}
