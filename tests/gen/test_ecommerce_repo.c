/*
 * The typed repository generated for the ecommerce fixture, against DynamoDB Local: CRUD and the
 * access patterns through the function pointers, with pages and cursors, range conditions
 * (begins_with, >=, between, >) and entity types that share a partition (User and UserAddress).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecommerce.h"
#include "sample.h"
#include "support/harness.h"
#include "test.h"

static char prefix[64];
static ddb_client *client;
static ecommerce__repo *repo;

static int setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    ecommerce__ddb_options opts = ECOMMERCE__DDB_OPTIONS_INIT;
    int rc;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "repo%ld_", (long)getpid());
    rc = ecommerce__create_tables(client, prefix, &err);
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = ecommerce__ddb_repo_new(&repo, client, &opts, &err);
    if (rc)
        return harness_report("repo", rc, &err);
    return 0;
}

static void teardown(void)
{
    static const char *const tables[] = {"UserTable", "ProductTable", "OrderTable"};
    ecommerce__repo_free(repo);
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
    *field = strdup(v);
}

TEST(crud_and_access_patterns)
{
    ddb_error err = DDB_ERROR_INIT;
    ecommerce__user user = ECOMMERCE__USER__INIT, got = ECOMMERCE__USER__INIT;
    ecommerce__user_address__page addrs = {0, NULL, NULL};
    ecommerce__user_order_history__page orders = {0, NULL, NULL};
    ecommerce__product_review__page reviews = {0, NULL, NULL};
    ecommerce__page_request first2 = {NULL, 2, 0};
    bool found = false;
    size_t total;
    char *cursor = NULL;

    REQUIRE(setup() == 0);

    /* create, and the GetItem pattern */
    make_sample(&user, &ecommerce__user__desc, 1);
    set_str(&user.user_id, "u1");
    REQUIRE(repo->user__create(repo, &user, &err) == 0);
    CHECK(user.ddb_version == 1);
    CHECK_INT(repo->user__create(repo, &user, &err), DDB_ERR_ITEM_EXISTS);
    REQUIRE(repo->user__get_user_by_id(repo, &got, &found, "u1", &err) == 0);
    CHECK(found);
    CHECK_STR(got.user_id, "u1");
    CHECK_STR(got.email, user.email);
    ecommerce__user__free(&got);
    REQUIRE(repo->user__get_user_by_id(repo, &got, &found, "nobody", &err) == 0);
    CHECK(!found);

    /* three addresses in the user's partition; the user item is not one of them */
    for (int i = 0; i < 3; i++) {
        ecommerce__user_address a = ECOMMERCE__USER_ADDRESS__INIT;
        char id[16];
        make_sample(&a, &ecommerce__user_address__desc, i);
        set_str(&a.user_id, "u1");
        snprintf(id, sizeof id, "a%d", i);
        set_str(&a.address_id, id);
        REQUIRE(repo->user_address__create(repo, &a, &err) == 0);
        ecommerce__user_address__free(&a);
    }
    total = 0;
    for (int pages = 0; pages < 10; pages++) {
        ecommerce__page_request req = {cursor, 2, 0};
        REQUIRE(repo->user_address__get_user_addresses(repo, &addrs, "u1", &req, &err) == 0);
        CHECK(addrs.n_items <= 2);
        for (size_t i = 0; i < addrs.n_items; i++)
            CHECK(strncmp(addrs.items[i].address_id, "a", 1) == 0);
        total += addrs.n_items;
        free(cursor);
        cursor = addrs.cursor;
        addrs.cursor = NULL;
        ecommerce__user_address__page_free(&addrs);
        if (!cursor)
            break;
    }
    CHECK_INT(total, 3);
    CHECK_INT(repo->user_address__get_user_addresses(
                  repo, &addrs, "u1", &(ecommerce__page_request){"c1.bad.x", 0, 0}, &err),
              DDB_ERR_CURSOR);

    /* order history: ORDER#{order_date}#{order_id}, with >= and between */
    for (int i = 0; i < 3; i++) {
        ecommerce__user_order_history h = ECOMMERCE__USER_ORDER_HISTORY__INIT;
        char date[16], id[16];
        make_sample(&h, &ecommerce__user_order_history__desc, i);
        set_str(&h.user_id, "u1");
        snprintf(date, sizeof date, "2024-0%d-01", i + 1);
        snprintf(id, sizeof id, "o%d", i);
        set_str(&h.order_date, date);
        set_str(&h.order_id, id);
        REQUIRE(repo->user_order_history__create(repo, &h, &err) == 0);
        ecommerce__user_order_history__free(&h);
    }
    REQUIRE(repo->user_order_history__get_user_orders_after_date(repo, &orders, "u1", "2024-02-01",
                                                                 NULL, &err) == 0);
    CHECK_INT(orders.n_items, 2);
    ecommerce__user_order_history__page_free(&orders);
    REQUIRE(repo->user_order_history__get_user_orders_in_date_range(
                repo, &orders, "u1", "2024-01-15", "2024-02-15", NULL, &err) == 0);
    REQUIRE(orders.n_items == 1);
    CHECK_STR(orders.items[0].order_id, "o1");
    ecommerce__user_order_history__page_free(&orders);
    REQUIRE(repo->user_order_history__get_user_order_history(repo, &orders, "u1", &first2, &err) ==
            0);
    CHECK_INT(orders.n_items, 2);
    CHECK(orders.cursor != NULL);
    ecommerce__user_order_history__page_free(&orders);

    /* reviews: begins_with on REVIEW#{review_id} */
    for (int i = 0; i < 3; i++) {
        ecommerce__product_review r = ECOMMERCE__PRODUCT_REVIEW__INIT;
        static const char *const ids[] = {"ra1", "ra2", "rb1"};
        make_sample(&r, &ecommerce__product_review__desc, i);
        set_str(&r.product_id, "p1");
        set_str(&r.review_id, ids[i]);
        REQUIRE(repo->product_review__create(repo, &r, &err) == 0);
        ecommerce__product_review__free(&r);
    }
    REQUIRE(repo->product_review__get_product_reviews_by_id_prefix(repo, &reviews, "p1", "ra", NULL,
                                                                   &err) == 0);
    CHECK_INT(reviews.n_items, 2);
    ecommerce__product_review__page_free(&reviews);

    /* UpdateItem patterns: the named fields change, the version goes up, the item must exist */
    {
        ecommerce__product prod = ECOMMERCE__PRODUCT__INIT, upd = ECOMMERCE__PRODUCT__INIT;
        make_sample(&prod, &ecommerce__product__desc, 1);
        set_str(&prod.product_id, "p9");
        REQUIRE(repo->product__create(repo, &prod, &err) == 0);
        REQUIRE(repo->product__update_product_stock(repo, &upd, &found, "p9", 7, &err) == 0);
        CHECK(found);
        CHECK(upd.stock_quantity == 7);
        CHECK(upd.ddb_version == 2);
        CHECK_STR(upd.name, prod.name);
        ecommerce__product__free(&upd);
        REQUIRE(repo->product__update_product_stock(repo, &upd, &found, "nope", 7, &err) == 0);
        CHECK(!found);
        ecommerce__product__free(&prod);
    }

    /* update with optimistic locking, through the interface */
    REQUIRE(repo->user__get(repo, &got, &found, &user, &err) == 0);
    REQUIRE(found);
    set_str(&got.last_name, "New Name");
    REQUIRE(repo->user__update(repo, &got, &err) == 0);
    CHECK(got.ddb_version == 2);
    CHECK_INT(repo->user__update(repo, &user, &err), DDB_ERR_STALE_VERSION);
    CHECK_INT(repo->user__delete(repo, &user, &err), DDB_ERR_STALE_VERSION);
    CHECK_INT(repo->user__delete(repo, &got, &err), 0);
    ecommerce__user__free(&got);
    REQUIRE(repo->user__get_user_by_id(repo, &got, &found, "u1", &err) == 0);
    CHECK(!found);

    free(cursor);
    ecommerce__user__free(&user);
    ddb_error_clear(&err);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {CASE(crud_and_access_patterns)};
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    teardown();
    return rc;
}
