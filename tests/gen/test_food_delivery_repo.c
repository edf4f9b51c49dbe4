/*
 * The typed repository generated for the food_delivery fixture, against DynamoDB Local: Query
 * patterns with filter expressions (<>, >=, between, in, attribute_exists/not_exists, size, OR)
 * and Scan patterns (contains, =, >=) with pages and cursors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "food_delivery.h"
#include "sample.h"
#include "support/harness.h"
#include "test.h"

static char prefix[64];
static ddb_client *client;
static food_delivery__repo *repo;

static int setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    food_delivery__ddb_options opts = FOOD_DELIVERY__DDB_OPTIONS_INIT;
    int rc;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "fd%ld_", (long)getpid());
    rc = food_delivery__create_tables(client, prefix, &err);
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    return food_delivery__ddb_repo_new(&repo, client, &opts, &err);
}

static void teardown(void)
{
    static const char *const tables[] = {"DeliveryTable", "RestaurantTable", "DriverTable"};
    food_delivery__repo_free(repo);
    for (size_t i = 0; i < 3; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, tables[i]);
        harness_delete_table(client, name);
    }
    ddb_client_free(client);
}

static void set_str(char **field, const char *v)
{
    free(*field);
    *field = v ? strdup(v) : NULL;
}

/* Delivery i of customer c1: status, total, fee and the number of items vary with i. */
static void add_delivery(int i, const char *status, const char *total, const char *fee,
                         size_t n_items, bool instructions)
{
    food_delivery__delivery d = FOOD_DELIVERY__DELIVERY__INIT;
    ddb_error err = DDB_ERROR_INIT;
    char id[16];
    make_sample(&d, &food_delivery__delivery__desc, i);
    set_str(&d.customer_id, "c1");
    snprintf(id, sizeof id, "d%d", i);
    set_str(&d.delivery_id, id);
    set_str(&d.status, status);
    ddb_decimal_set(&d.total, total, NULL);
    ddb_decimal_set(&d.delivery_fee, fee, NULL);
    while (d.n_items > n_items)
        free(d.items[--d.n_items]);
    if (!instructions)
        set_str(&d.special_instructions, NULL);
    set_str(&d.cancelled_at, NULL);
    if (repo->delivery__create(repo, &d, &err))
        harness_report("create delivery", -1, &err);
    food_delivery__delivery__free(&d);
}

#define N(call)                                                                                    \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_)                                                                                   \
            harness_report(#call, rc_, &err);                                                      \
        REQUIRE(rc_ == 0);                                                                         \
    } while (0)

TEST(filters_and_scans)
{
    ddb_error err = DDB_ERROR_INIT;
    food_delivery__delivery__page p = {0, NULL, NULL};
    food_delivery__restaurant__page rp = {0, NULL, NULL};

    REQUIRE(setup() == 0);
    add_delivery(0, "DELIVERED", "10.00", "1.50", 0, true);
    add_delivery(1, "CANCELLED", "55.10", "3.00", 1, false);
    add_delivery(2, "EN_ROUTE", "120.00", "5.00", 2, true);

    N(repo->delivery__get_active_customer_deliveries(repo, &p, "c1", "CANCELLED", "50", NULL,
                                                     &err));
    REQUIRE(p.n_items == 1);
    CHECK_STR(p.items[0].delivery_id, "d2");
    food_delivery__delivery__page_free(&p);

    N(repo->delivery__get_customer_deliveries_by_fee_range(repo, &p, "c1", "1.00", "3.00", NULL,
                                                           &err));
    CHECK_INT(p.n_items, 2);
    food_delivery__delivery__page_free(&p);

    N(repo->delivery__get_customer_deliveries_by_status(repo, &p, "c1", "DELIVERED", "EN_ROUTE",
                                                        "LOST", NULL, &err));
    CHECK_INT(p.n_items, 2);
    food_delivery__delivery__page_free(&p);

    N(repo->delivery__get_deliveries_with_special_instructions(repo, &p, "c1", NULL, &err));
    CHECK_INT(p.n_items, 2);
    food_delivery__delivery__page_free(&p);

    N(repo->delivery__get_deliveries_with_min_items(repo, &p, "c1", 1, NULL, &err));
    REQUIRE(p.n_items == 1);
    CHECK_STR(p.items[0].delivery_id, "d2");
    food_delivery__delivery__page_free(&p);

    N(repo->delivery__get_deliveries_with_items_in_range(repo, &p, "c1", 1, 2, NULL, &err));
    CHECK_INT(p.n_items, 2);
    food_delivery__delivery__page_free(&p);

    /* OR: total >= 100 or tip >= 1000 (the samples' tips are 0.10 and 12.50) */
    N(repo->delivery__get_high_value_active_deliveries(repo, &p, "c1", "100", "1000", NULL, &err));
    CHECK_INT(p.n_items, 1);
    food_delivery__delivery__page_free(&p);

    /* Scan with filters */
    for (int i = 0; i < 3; i++) {
        food_delivery__restaurant r = FOOD_DELIVERY__RESTAURANT__INIT;
        char id[16];
        make_sample(&r, &food_delivery__restaurant__desc, i);
        snprintf(id, sizeof id, "r%d", i);
        set_str(&r.restaurant_id, id);
        set_str(&r.cuisine_type, i == 1 ? "Thai street food" : "Italian");
        ddb_decimal_set(&r.rating, i == 2 ? "4.8" : "3.9", NULL);
        r.is_active = i != 0;
        N(repo->restaurant__create(repo, &r, &err));
        food_delivery__restaurant__free(&r);
    }
    N(repo->restaurant__scan_restaurants_by_cuisine(repo, &rp, "Thai", NULL, &err));
    REQUIRE(rp.n_items == 1);
    CHECK_STR(rp.items[0].restaurant_id, "r1");
    food_delivery__restaurant__page_free(&rp);
    N(repo->restaurant__scan_high_rated_active_restaurants(repo, &rp, "4.5", true, NULL, &err));
    REQUIRE(rp.n_items == 1);
    CHECK_STR(rp.items[0].restaurant_id, "r2");
    food_delivery__restaurant__page_free(&rp);

    /* a scan one item per page, following the cursors */
    {
        size_t total = 0;
        char *cursor = NULL;
        for (int pages = 0; pages < 10; pages++) {
            food_delivery__page_request req = {cursor, 1, 0};
            N(repo->restaurant__scan_restaurants_by_cuisine(repo, &rp, "a", &req, &err));
            total += rp.n_items;
            free(cursor);
            cursor = rp.cursor;
            rp.cursor = NULL;
            food_delivery__restaurant__page_free(&rp);
            if (!cursor)
                break;
        }
        free(cursor);
        CHECK_INT(total, 3);
    }
    ddb_error_clear(&err);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {CASE(filters_and_scans)};
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    teardown();
    return rc;
}
