/*
 * The access-pattern members beyond plain Query/GetItem, generated for gen-models/patterns.json,
 * against DynamoDB Local: PutItem of an entity and from scalars, UpdateItem and
 * DeleteItem with a success flag, an UpdateItem with nothing to set, Query returning one entity,
 * mixed_data (Query and Scan) across pages, KEYS_ONLY and INCLUDE projections, an OR filter on
 * decimals, BatchGetItem and BatchWriteItem, and cross-table TransactWrite/TransactGet with their
 * cancellation reasons.
 *
 * Multi-attribute index keys (tests/gen/models/multi_attribute_keys.json) cannot be created on
 * DynamoDB Local 1.25.1, so they are checked up to the request: the Query body the generated
 * member sends, read from the client's wire trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddb/dal/entity_patterns.h"
#include "multi_attribute_keys.h"
#include "pat.h"
#include "patm.h"
#include "support/harness.h"
#include "test.h"

static char prefix[64];
static ddb_client *client;
static pat__repo *repo;

static int setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    pat__ddb_options opts = PAT__DDB_OPTIONS_INIT;
    int rc;
    if (repo)
        return 0;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "pat%ld_", (long)getpid());
    rc = pat__create_tables(client, prefix, &err);
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = pat__ddb_repo_new(&repo, client, &opts, &err);
    if (rc)
        return harness_report("repo", rc, &err);
    return 0;
}

static void teardown(void)
{
    static const char *const tables[] = {"Shop", "Emails"};
    if (!client)
        return;
    pat__repo_free(repo);
    repo = NULL;
    for (size_t i = 0; i < 2; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, tables[i]);
        harness_delete_table(client, name);
    }
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

static void customer(pat__customer *c, const char *id, const char *email, const char *name)
{
    pat__customer__free(c);
    c->customer_id = dup_str(id);
    c->email = dup_str(email);
    c->name = dup_str(name);
}

static void order(pat__order *o, const char *customer_id, const char *id, const char *status,
                  const char *total, const char *tip)
{
    pat__order__free(o);
    o->customer_id = dup_str(customer_id);
    o->order_id = dup_str(id);
    o->status = dup_str(status);
    o->total.text = dup_str(total);
    o->tip.text = tip ? dup_str(tip) : NULL;
}

TEST(put_get_update_delete_patterns)
{
    ddb_error err = DDB_ERROR_INIT;
    pat__customer c = PAT__CUSTOMER__INIT, got = PAT__CUSTOMER__INIT, made = PAT__CUSTOMER__INIT;
    bool found = false, done = false;

    REQUIRE(setup() == 0);

    /* PutItem of an entity: create semantics. */
    customer(&c, "c1", "c1@example.com", "One");
    REQUIRE(repo->customer__put_customer(repo, &c, &err) == 0);
    CHECK(c.ddb_version == 1);
    CHECK_INT(repo->customer__put_customer(repo, &c, &err), DDB_ERR_ITEM_EXISTS);

    /* GetItem. */
    REQUIRE(repo->customer__get_customer_checked(repo, &got, &found, "c1", &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "One");
    pat__customer__free(&got);

    /* PutItem from scalars: the entity is built, created and returned. */
    REQUIRE(repo->customer__register_customer(repo, &made, "c2", "c2@example.com", "Two", 5, "ad",
                                              &err) == 0);
    CHECK_STR(made.customer_id, "c2");
    CHECK_STR(made.email, "c2@example.com");
    CHECK(made.has_visits && made.visits == 5);
    CHECK_STR(made.referrer, "ad"); /* every parameter named after a field arrives */
    CHECK(made.ddb_version == 1);
    pat__customer__free(&made);
    CHECK_INT(repo->customer__register_customer(repo, &made, "c2", "x@example.com", "Again", 1,
                                                NULL, &err),
              DDB_ERR_ITEM_EXISTS);
    CHECK(made.customer_id == NULL); /* untouched on failure */

    /* Query returning one entity, through GSI1. */
    REQUIRE(repo->customer__find_by_email(repo, &got, &found, "c2@example.com", &err) == 0);
    CHECK(found);
    CHECK_STR(got.customer_id, "c2");
    pat__customer__free(&got);
    REQUIRE(repo->customer__find_by_email(repo, &got, &found, "nobody@example.com", &err) == 0);
    CHECK(!found);

    /* UpdateItem with no field to set: the version moves. */
    REQUIRE(repo->customer__touch_customer(repo, &got, &found, "c1", &err) == 0);
    CHECK(found);
    CHECK(got.ddb_version == 2);
    CHECK_STR(got.email, "c1@example.com");
    pat__customer__free(&got);
    REQUIRE(repo->customer__touch_customer(repo, &got, &found, "nope", &err) == 0);
    CHECK(!found);

    /* UpdateItem and DeleteItem with a success flag. */
    REQUIRE(repo->customer__set_tier(repo, &done, "c1", "gold", &err) == 0);
    CHECK(done);
    REQUIRE(repo->customer__get_customer_checked(repo, &got, &found, "c1", &err) == 0);
    CHECK(found);
    CHECK_STR(got.tier, "gold");
    CHECK(got.ddb_version == 3);
    pat__customer__free(&got);
    REQUIRE(repo->customer__set_tier(repo, &done, "nope", "gold", &err) == 0);
    CHECK(!done);
    /* e-mail is a unique field: taken while c2 exists, free again once c2 is deleted by the
     * DeleteItem pattern (which deletes through customer__delete, sentinel included). */
    CHECK_INT(repo->customer__register_customer(repo, &made, "c9", "c2@example.com", "Nine", 1,
                                                NULL, &err),
              DDB_ERR_UNIQUE_TAKEN);
    REQUIRE(repo->customer__remove_customer(repo, &done, "c2", &err) == 0);
    CHECK(done);
    REQUIRE(repo->customer__register_customer(repo, &made, "c9", "c2@example.com", "Nine", 1, NULL,
                                              &err) == 0);
    pat__customer__free(&made);
    REQUIRE(repo->customer__remove_customer(repo, &done, "c2", &err) == 0);
    CHECK(!done);
    REQUIRE(repo->customer__remove_customer(repo, NULL, "c2", &err) == 0);

    /* success_flag reads: GetItem, Scan with a filter, Query. */
    REQUIRE(repo->customer__customer_exists(repo, &found, "c1", &err) == 0);
    CHECK(found);
    REQUIRE(repo->customer__customer_exists(repo, &found, "c2", &err) == 0);
    CHECK(!found);
    REQUIRE(repo->customer__any_named(repo, &found, "One", &err) == 0);
    CHECK(found);
    REQUIRE(repo->customer__any_named(repo, &found, "Nobody at all", &err) == 0);
    CHECK(!found);
    REQUIRE(repo->order__has_orders(repo, &found, "c1", &err) == 0);
    CHECK(!found);

    /* Scan for one entity; GetItem keyed by an entity parameter. */
    REQUIRE(repo->customer__first_in_tier(repo, &got, &found, "gold", &err) == 0);
    CHECK(found);
    CHECK_STR(got.customer_id, "c1");
    pat__customer__free(&got);
    REQUIRE(repo->customer__first_in_tier(repo, &got, &found, "platinum", &err) == 0);
    CHECK(!found);
    REQUIRE(repo->customer__reload_customer(repo, &got, &found, &c, &err) == 0);
    CHECK(found);
    CHECK_STR(got.tier, "gold");
    pat__customer__free(&got);

    /* DeleteItem returning the entity it deleted. */
    REQUIRE(repo->customer__pop_customer(repo, &got, &found, "c1", &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "One");
    CHECK(got.ddb_version == 3);
    pat__customer__free(&got);
    REQUIRE(repo->customer__pop_customer(repo, &got, &found, "c1", &err) == 0);
    CHECK(!found);
    CHECK(got.customer_id == NULL);

    pat__customer__free(&c);
    ddb_error_clear(&err);
}

TEST(mixed_projections_and_filters)
{
    ddb_error err = DDB_ERROR_INIT;
    pat__customer c = PAT__CUSTOMER__INIT;
    pat__order o = PAT__ORDER__INIT;
    pat__order__page orders = {0, NULL, NULL};
    pat__mixed_page mixed = {0, NULL, NULL};
    pat__page_request req = {NULL, 2, 0};
    char *cursor = NULL;
    size_t pages = 0, n_customers = 0, n_orders = 0;
    static const char *const totals[] = {"10.5", "250", "99.99", "100", "5"};
    static const char *const tips[] = {NULL, "1", "10", NULL, "12.5"};

    REQUIRE(setup() == 0);
    customer(&c, "c3", "c3@example.com", "Three");
    REQUIRE(repo->customer__put_customer(repo, &c, &err) == 0);
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "o%d", i + 1);
        order(&o, "c3", id, i % 2 ? "shipped" : "open", totals[i], tips[i]);
        /* PutItem with an entity of another type as context: accepted, ignored. */
        REQUIRE(repo->order__place_order(repo, &o, &c, &err) == 0);
    }

    /* mixed_data Query: the whole item collection, over 3 pages of 2. */
    do {
        req.cursor = cursor;
        REQUIRE(repo->customer__customer_with_orders(repo, &mixed, "c3", &req, &err) == 0);
        for (size_t i = 0; i < mixed.n_items; i++) {
            const pat__item *it = &mixed.items[i];
            if (it->kind == PAT__KIND_CUSTOMER) {
                CHECK_STR(it->as.customer.name, "Three");
                CHECK(n_orders == 5); /* "PROFILE" sorts after "ORDER#..." */
                n_customers++;
            } else {
                char want[8];
                REQUIRE(it->kind == PAT__KIND_ORDER);
                snprintf(want, sizeof want, "o%zu", n_orders + 1);
                CHECK_STR(it->as.order.order_id, want);
                CHECK_STR(it->as.order.total.text, totals[n_orders]);
                n_orders++;
            }
        }
        free(cursor);
        cursor = mixed.cursor ? dup_str(mixed.cursor) : NULL;
        pat__mixed_page_free(&mixed);
        pages++;
    } while (cursor && pages < 10);
    CHECK(n_customers == 1);
    CHECK(n_orders == 5);
    CHECK(pages >= 3);

    /* mixed_data Query with a filter: only the open orders (o1, o3, o5) of the collection; the
     * profile has no status, so the filter drops it too. */
    {
        size_t n_open = 0;
        pages = 0;
        do {
            req.cursor = cursor;
            REQUIRE(repo->order__collection_in_status(repo, &mixed, "c3", "open", &req, &err) == 0);
            for (size_t i = 0; i < mixed.n_items; i++) {
                REQUIRE(mixed.items[i].kind == PAT__KIND_ORDER);
                CHECK_STR(mixed.items[i].as.order.status, "open");
                n_open++;
            }
            free(cursor);
            cursor = mixed.cursor ? dup_str(mixed.cursor) : NULL;
            pat__mixed_page_free(&mixed);
            pages++;
        } while (cursor && pages < 10);
        CHECK(n_open == 3);
    }

    /* UpdateItem of a field that shares an index key with one that is not a parameter: the
     * whole entity is read and written back, so GSI1 (TIP#{tip}, {tip}#{total}#{order_id}) is right. */
    {
        pat__order got = PAT__ORDER__INIT;
        bool found = false;
        REQUIRE(repo->order__set_tip(repo, &got, &found, "c3", "o1", "7", &err) == 0);
        CHECK(found);
        CHECK_STR(got.tip.text, "7");
        CHECK_STR(got.total.text, "10.5");
        CHECK(got.ddb_version == 2);
        pat__order__free(&got);
        REQUIRE(repo->order__orders_by_tip(repo, &orders, "7", NULL, &err) == 0);
        REQUIRE(orders.n_items == 1);
        CHECK_STR(orders.items[0].order_id, "o1");
        pat__order__page_free(&orders);
        REQUIRE(repo->order__set_tip(repo, &got, &found, "c3", "nope", "1", &err) == 0);
        CHECK(!found);
    }

    /* KEYS_ONLY: entities without field values (none of the fields is a key attribute). */
    {
        bool found = false;
        REQUIRE(repo->order__has_orders(repo, &found, "c3", &err) == 0);
        CHECK(found);
    }
    REQUIRE(repo->order__orders_by_status(repo, &orders, "shipped", NULL, &err) == 0);
    CHECK(orders.n_items == 2);
    for (size_t i = 0; i < orders.n_items; i++) {
        CHECK(orders.items[i].order_id == NULL);
        CHECK(orders.items[i].total.text == NULL);
    }
    pat__order__page_free(&orders);

    /* INCLUDE total, status: those and nothing else. */
    REQUIRE(repo->order__order_totals(repo, &orders, "c3", NULL, &err) == 0);
    REQUIRE(orders.n_items == 5);
    for (size_t i = 0; i < orders.n_items; i++) {
        CHECK_STR(orders.items[i].total.text, totals[i]);
        CHECK_STR(orders.items[i].status, i % 2 ? "shipped" : "open");
        CHECK(orders.items[i].customer_id == NULL);
        CHECK(orders.items[i].tip.text == NULL);
    }
    pat__order__page_free(&orders);

    /* An OR filter on decimals: total >= 100 or tip >= 10 keeps o2, o3, o4, o5. */
    REQUIRE(repo->order__big_or_generous(repo, &orders, "c3", "100", "10", NULL, &err) == 0);
    REQUIRE(orders.n_items == 4);
    CHECK_STR(orders.items[0].order_id, "o2");
    CHECK_STR(orders.items[1].order_id, "o3");
    CHECK_STR(orders.items[2].order_id, "o4");
    CHECK_STR(orders.items[3].order_id, "o5");
    pat__order__page_free(&orders);
    REQUIRE(repo->order__big_or_generous(repo, &orders, "c3", "1000", "100", NULL, &err) == 0);
    CHECK(orders.n_items == 0);
    pat__order__page_free(&orders);

    /* mixed_data Scan with an OR filter: open orders (o1, o3, o5) or those with a tip (o2). */
    n_orders = pages = 0;
    do {
        req.cursor = cursor;
        REQUIRE(repo->order__scan_open(repo, &mixed, "open", &req, &err) == 0);
        for (size_t i = 0; i < mixed.n_items; i++) {
            CHECK(mixed.items[i].kind == PAT__KIND_ORDER);
            if (mixed.items[i].kind == PAT__KIND_ORDER &&
                strcmp(mixed.items[i].as.order.customer_id, "c3") == 0)
                n_orders++;
        }
        free(cursor);
        cursor = mixed.cursor ? dup_str(mixed.cursor) : NULL;
        pat__mixed_page_free(&mixed);
        pages++;
    } while (cursor && pages < 100);
    CHECK(n_orders == 4);

    /* mixed_data Scan: every item of the table, by kind. */
    n_customers = n_orders = pages = 0;
    do {
        req.cursor = cursor;
        REQUIRE(repo->order__scan_shop(repo, &mixed, &req, &err) == 0);
        for (size_t i = 0; i < mixed.n_items; i++) {
            if (mixed.items[i].kind == PAT__KIND_CUSTOMER)
                n_customers++;
            else if (mixed.items[i].kind == PAT__KIND_ORDER &&
                     strcmp(mixed.items[i].as.order.customer_id, "c3") == 0)
                n_orders++;
        }
        free(cursor);
        cursor = mixed.cursor ? dup_str(mixed.cursor) : NULL;
        pat__mixed_page_free(&mixed);
        pages++;
    } while (cursor && pages < 100);
    CHECK(n_orders == 5);
    CHECK(n_customers >= 1);

    free(cursor);
    pat__order__free(&o);
    pat__customer__free(&c);
    ddb_error_clear(&err);
}

TEST(batch_get_and_write)
{
    ddb_error err = DDB_ERROR_INIT;
    pat__customer many[30], keys[3];
    pat__customer__page page = {0, NULL, NULL};

    REQUIRE(setup() == 0);
    for (size_t i = 0; i < 30; i++) {
        char id[8], email[32];
        many[i] = (pat__customer)PAT__CUSTOMER__INIT;
        snprintf(id, sizeof id, "b%02zu", i);
        snprintf(email, sizeof email, "%s@example.com", id);
        customer(&many[i], id, email, "Batch");
    }
    /* 30 puts: more than one BatchWriteItem call of 25. */
    REQUIRE(repo->customer__save_customers(repo, many, 30, &err) == 0);

    for (size_t i = 0; i < 3; i++)
        keys[i] = (pat__customer)PAT__CUSTOMER__INIT;
    keys[0].customer_id = "b05";
    keys[1].customer_id = "missing";
    keys[2].customer_id = "b29";
    REQUIRE(repo->customer__get_customers(repo, &page, keys, 3, &err) == 0);
    REQUIRE(page.n_items == 2); /* request order, the missing one left out */
    {
        pat__mixed_page tagged = {0, NULL, NULL};
        REQUIRE(repo->customer__get_customers_tagged(repo, &tagged, keys, 3, &err) == 0);
        REQUIRE(tagged.n_items == 2);
        CHECK(tagged.items[0].kind == PAT__KIND_CUSTOMER);
        CHECK_STR(tagged.items[1].as.customer.customer_id, "b29");
        CHECK(tagged.cursor == NULL);
        pat__mixed_page_free(&tagged);
    }
    CHECK_STR(page.items[0].customer_id, "b05");
    CHECK_STR(page.items[0].email, "b05@example.com");
    CHECK(page.items[0].ddb_version == 1);
    CHECK_STR(page.items[1].customer_id, "b29");
    CHECK(page.cursor == NULL);
    pat__customer__page_free(&page);

    /* The delete variant (its name says so), then nothing is left of those keys. */
    REQUIRE(repo->customer__delete_customers(repo, many + 5, 1, &err) == 0);
    REQUIRE(repo->customer__delete_customers(repo, many + 29, 1, &err) == 0);
    REQUIRE(repo->customer__get_customers(repo, &page, keys, 3, &err) == 0);
    CHECK(page.n_items == 0);
    pat__customer__page_free(&page);

    for (size_t i = 0; i < 30; i++)
        pat__customer__free(&many[i]);
    ddb_error_clear(&err);
}

TEST(cross_table_transactions)
{
    ddb_error err = DDB_ERROR_INIT;
    pat__customer c = PAT__CUSTOMER__INIT, other = PAT__CUSTOMER__INIT;
    pat__email_claim claim = PAT__EMAIL_CLAIM__INIT;
    pat__read_customer_and_claim__result res = {0};

    REQUIRE(setup() == 0);
    customer(&c, "t1", "t1@example.com", "Tx");
    claim.email = dup_str("t1@example.com");
    claim.customer_id = dup_str("t1");
    REQUIRE(repo->claim_email(repo, &c, &claim, &err) == 0);
    CHECK(c.ddb_version == 1 && claim.ddb_version == 1);

    /* Both conditions fail: each action has its reason, in order. */
    CHECK_INT(repo->claim_email(repo, &c, &claim, &err), DDB_ERR_TRANSACTION_CANCELED);
    REQUIRE(err.n_cancellation_reasons == 2);
    CHECK_STR(err.cancellation_reasons[0].code, "ConditionalCheckFailed");
    CHECK_STR(err.cancellation_reasons[1].code, "ConditionalCheckFailed");

    /* Another customer, the same e-mail: only action 1 fails; nothing is written. */
    customer(&other, "t2", "t1@example.com", "Other");
    CHECK_INT(repo->claim_email(repo, &other, &claim, &err), DDB_ERR_TRANSACTION_CANCELED);
    REQUIRE(err.n_cancellation_reasons == 2);
    CHECK_STR(err.cancellation_reasons[0].code, "None");
    CHECK_STR(err.cancellation_reasons[1].code, "ConditionalCheckFailed");

    REQUIRE(repo->read_customer_and_claim(repo, &res, "t1", "t1@example.com", &err) == 0);
    CHECK(res.found_customer && res.found_email_claim);
    CHECK_STR(res.customer.name, "Tx");
    CHECK(res.customer.ddb_version == 1);
    CHECK_STR(res.email_claim.customer_id, "t1");
    pat__read_customer_and_claim__result_free(&res);
    REQUIRE(repo->read_customer_and_claim(repo, &res, "t2", "t1@example.com", &err) == 0);
    CHECK(!res.found_customer && res.found_email_claim);
    pat__read_customer_and_claim__result_free(&res);

    /* ConditionCheck on a customer that does not exist: action 1 fails. */
    CHECK_INT(repo->release_email(repo, "t1@example.com", "t2", &err),
              DDB_ERR_TRANSACTION_CANCELED);
    REQUIRE(err.n_cancellation_reasons == 2);
    CHECK_STR(err.cancellation_reasons[1].code, "ConditionalCheckFailed");
    REQUIRE(repo->release_email(repo, "t1@example.com", "t1", &err) == 0);
    REQUIRE(repo->read_customer_and_claim(repo, &res, "t1", "t1@example.com", &err) == 0);
    CHECK(res.found_customer && !res.found_email_claim);
    pat__read_customer_and_claim__result_free(&res);

    pat__customer__free(&c);
    pat__customer__free(&other);
    pat__email_claim__free(&claim);
    ddb_error_clear(&err);
}

/* ---- multi-attribute index keys, up to the request ------------------------------------------ */

static char last_body[8192];

static void trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    (void)ctx;
    if (kind != DDB_TRACE_REQUEST_BODY)
        return;
    if (len >= sizeof last_body)
        len = sizeof last_body - 1;
    memcpy(last_body, data, len);
    last_body[len] = '\0';
}

TEST(multi_attribute_key_requests)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    ddb_client *c;
    multi_attribute_keys__repo *m = NULL;
    multi_attribute_keys__ddb_options opts = MULTI_ATTRIBUTE_KEYS__DDB_OPTIONS_INIT;
    multi_attribute_keys__match__page page = {0, NULL, NULL};
    multi_attribute_keys__mixed_page mixed = {0, NULL, NULL};

    o.trace = trace;
    o.max_attempts = 1;
    c = harness_client(&o);
    opts.table_prefix = "no_such_table_";
    REQUIRE(multi_attribute_keys__ddb_repo_new(&m, c, &opts, &err) == 0);

    /* Two partition key attributes and the first sort key attribute, all with =. The table
     * does not exist (DynamoDB Local cannot create the index): the request is what counts. */
    CHECK(m->match__round_matches(m, &page, "cup", "eu", 3, NULL, &err) < 0);
    CHECK_CONTAINS(last_body, "\"IndexName\":\"ByTournament\"");
    CHECK_CONTAINS(last_body, "\"TableName\":\"no_such_table_Matches\"");
    CHECK_CONTAINS(last_body,
                   "\"KeyConditionExpression\":\"#k0 = :k0 AND #k1 = :k1 AND #k2 = :k2\"");
    CHECK_CONTAINS(last_body, "\"#k0\":\"tournament_id\"");
    CHECK_CONTAINS(last_body, "\"#k1\":\"region\"");
    CHECK_CONTAINS(last_body, "\"#k2\":\"round\"");
    CHECK_CONTAINS(last_body, "\":k0\":{\"S\":\"cup\"}");
    CHECK_CONTAINS(last_body, "\":k1\":{\"S\":\"eu\"}");
    CHECK_CONTAINS(last_body, "\":k2\":{\"N\":\"3\"}");

    /* A range on the attribute after the equal ones. */
    CHECK(m->match__matches_from_round(m, &page, "cup", "eu", 2, NULL, &err) < 0);
    CHECK_CONTAINS(last_body,
                   "\"KeyConditionExpression\":\"#k0 = :k0 AND #k1 = :k1 AND #k2 >= :k2\"");
    CHECK_CONTAINS(last_body, "\":k2\":{\"N\":\"2\"}");
    CHECK(m->match__brackets_starting_with(m, &page, "cup", "eu", 1, "semi", NULL, &err) < 0);
    CHECK_CONTAINS(last_body, "#k2 = :k2 AND begins_with(#k3, :k3)");
    CHECK_CONTAINS(last_body, "\"#k3\":\"bracket\"");
    CHECK_CONTAINS(last_body, "\":k3\":{\"S\":\"semi\"}");
    CHECK(m->match__match_range(m, &page, "cup", "eu", 1, "final", "m1", "m9", NULL, &err) < 0);
    CHECK_CONTAINS(last_body, "#k3 = :k3 AND #k4 BETWEEN :k4 AND :k5");
    CHECK_CONTAINS(last_body, "\"#k4\":\"match_id\"");

    /* Four and four attributes, a decimal range on the last, mixed_data. */
    CHECK(m->match__four_by_four(m, &mixed, "a", "b", 7, "d", "e", "f", "g", "1.5", "2.25", NULL,
                                 &err) < 0);
    CHECK_CONTAINS(last_body, "\"IndexName\":\"ByFour\"");
    CHECK_CONTAINS(last_body, "#k6 = :k6 AND #k7 BETWEEN :k7 AND :k8");
    CHECK_CONTAINS(last_body, "\":k2\":{\"N\":\"7\"}");
    CHECK_CONTAINS(last_body, "\":k7\":{\"N\":\"1.5\"}");
    CHECK_CONTAINS(last_body, "\":k8\":{\"N\":\"2.25\"}");

    /* A single partition key attribute with a multi-attribute sort key. */
    CHECK(m->match__region_round(m, &page, "eu", 4, NULL, &err) < 0);
    CHECK_CONTAINS(last_body, "\"IndexName\":\"ByRegion\"");
    CHECK_CONTAINS(last_body, "\"KeyConditionExpression\":\"#k0 = :k0 AND #k1 = :k1\"");
    CHECK_CONTAINS(last_body, "\"#k1\":\"round\"");

    /* A filter beside a multi-attribute key condition: the names and values of both. */
    {
        patm__repo *pm = NULL;
        patm__ddb_options popts = PATM__DDB_OPTIONS_INIT;
        patm__event__page events = {0, NULL, NULL};
        popts.table_prefix = "no_such_table_";
        REQUIRE(patm__ddb_repo_new(&pm, c, &popts, &err) == 0);
        CHECK(pm->event__heavy_events_of_day(pm, &events, "acme", "eu", "2026-11-25", "2.5",
                                             "click", "view", NULL, &err) < 0);
        CHECK_CONTAINS(last_body, "\"KeyConditionExpression\":\"#k0 = :k0 AND #k1 = :k1 AND "
                                  "#k2 = :k2\"");
        CHECK_CONTAINS(last_body, "\"FilterExpression\":\"#n0 >= :v0 AND #n1 IN (:v1, :v2)\"");
        CHECK_CONTAINS(last_body, "\"#k2\":\"day\"");
        CHECK_CONTAINS(last_body, "\"#n0\":\"weight\"");
        CHECK_CONTAINS(last_body, "\":v0\":{\"N\":\"2.5\"}");
        CHECK_CONTAINS(last_body, "\":v2\":{\"S\":\"view\"}");
        CHECK_CONTAINS(last_body, "\":k2\":{\"S\":\"2026-11-25\"}");
        CHECK(pm->event__events_since(pm, &events, "acme", "eu", "2026-11-01", NULL, &err) < 0);
        CHECK_CONTAINS(last_body, "\"KeyConditionExpression\":\"#k0 = :k0 AND #k1 = :k1 AND "
                                  "#k2 >= :k2\"");
        patm__repo_free(pm);
    }

    /* The runtime's request builder gives the same body without a client. */
    {
        multi_attribute_keys__match key = MULTI_ATTRIBUTE_KEYS__MATCH__INIT;
        ddb_entity_mquery q = {0};
        char *json = NULL;
        key.region = "eu";
        key.round = 4;
        q.index = "ByRegion";
        q.n_pk = 1;
        q.pk_keys[0] = 16; /* the descriptor's keys: region, round, match_date of ByRegion */
        q.has_range_key = true;
        q.range_key = 17;
        q.range = DDB_ENTITY_RANGE_GT;
        q.v1 = "2";
        REQUIRE(ddb_entity_mquery_request(&json, &multi_attribute_keys__match__desc, "Matches",
                                          &key, &q, &err) == 0);
        CHECK_CONTAINS(json, "\"KeyConditionExpression\":\"#k0 = :k0 AND #k1 > :k1\"");
        CHECK_CONTAINS(json, "\":k1\":{\"N\":\"2\"}");
        CHECK_CONTAINS(json, "\"TableName\":\"Matches\"");
        free(json);
        /* An incomplete partition key is refused, naming the attribute. */
        key.region = NULL;
        CHECK_INT(ddb_entity_mquery_request(&json, &multi_attribute_keys__match__desc, "Matches",
                                            &key, &q, &err),
                  DDB_ERR_INVALID_ARG);
        CHECK_CONTAINS(err.message, "region");
    }

    multi_attribute_keys__repo_free(m);
    ddb_client_free(c);
    ddb_error_clear(&err);
}

/* The generated constructors name what is wrong with their arguments. */
TEST(bad_constructor_arguments_are_named)
{
    ddb_error err = DDB_ERROR_INIT;
    pat__ddb_options opts = PAT__DDB_OPTIONS_INIT;
    pat__repo *r = NULL;
    char long_prefix[300];
    ddb_client *c = harness_client(NULL);

    CHECK_INT(pat__ddb_repo_new(&r, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "pat__ddb_repo_new: out and client are required") != NULL);
    ddb_error_clear(&err);
    opts.version = 7;
    CHECK_INT(pat__ddb_repo_new(&r, c, &opts, &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "options version 7, not 1") != NULL);
    ddb_error_clear(&err);
    memset(long_prefix, 'p', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = '\0';
    opts.version = 1;
    opts.table_prefix = long_prefix;
    CHECK_INT(pat__ddb_repo_new(&r, c, &opts, &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "the table prefix is too long") != NULL);
    CHECK(r == NULL);
    ddb_error_clear(&err);
    CHECK_INT(pat__create_counter_table(NULL, "x_", &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "pat__create_counter_table: client is required") != NULL);
    ddb_error_clear(&err);
    CHECK_INT(pat__create_counter_table(c, long_prefix, &err), DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "the table prefix is too long") != NULL);
    ddb_error_clear(&err);
    ddb_client_free(c);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        CASE(put_get_update_delete_patterns),
        CASE(mixed_projections_and_filters),
        CASE(batch_get_and_write),
        CASE(cross_table_transactions),
        CASE(multi_attribute_key_requests),
        CASE(bad_constructor_arguments_are_named),
    };
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    teardown();
    return rc;
}
