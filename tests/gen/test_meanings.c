/*
 * What each parameter of an access pattern means (docs/model-file.md, "What a parameter
 * means"), through the code generated for gen-models/meanings.json, against DynamoDB Local:
 * an UpdateItem by entity (absent optional fields left unchanged), list parameters written and
 * read back, a string range value compared with a numeric sort key, a derived key field
 * (sort_key) that round-trips and addresses a DeleteItem, and the inferred meanings: a field's
 * name on a GetItem, Query or Scan (equality), bounds named after a sort key field (an implied
 * between), a qualified name ("owner_shop_id"), and a PutItem's context entity (a reference).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mean.h"
#include "support/harness.h"
#include "test.h"

static char prefix[64];
static ddb_client *client;
static mean__repo *repo;

static int setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__ddb_options opts = MEAN__DDB_OPTIONS_INIT;
    int rc;
    if (repo)
        return 0;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "mean%ld_", (long)getpid());
    rc = mean__create_tables(client, prefix, &err);
    if (rc)
        return harness_report("create tables", rc, &err);
    opts.table_prefix = prefix;
    opts.consistent_reads = true;
    rc = mean__ddb_repo_new(&repo, client, &opts, &err);
    if (rc)
        return harness_report("repo", rc, &err);
    return 0;
}

static void teardown(void)
{
    static const char *const tables[] = {"Menu", "Scores"};
    if (!client)
        return;
    mean__repo_free(repo);
    repo = NULL;
    for (size_t i = 0; i < 2; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, tables[i]);
        harness_delete_table(client, name);
    }
    ddb_client_free(client);
    client = NULL;
}

/* Adds a menu item through add_menu_item (a PutItem of scalars and a list). */
static void add_item(const char *shop, const char *cat, const char *id, const char *name)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__menu_item made = MEAN__MENU_ITEM__INIT;
    char *tags[] = {"x"};
    REQUIRE(repo->menu_item__add_menu_item(repo, &made, shop, cat, id, name, "1.5", tags, 1,
                                           &err) == 0);
    mean__menu_item__free(&made);
}

/* The product_ids of a page, sorted as returned, joined with ','. */
static void ids_of(const mean__menu_item__page *p, char *buf, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_items; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "," : "", p->items[i].product_id);
}

TEST(update_by_entity_and_lists)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__menu_item made = MEAN__MENU_ITEM__INIT, got = MEAN__MENU_ITEM__INIT;
    mean__menu_item edit = MEAN__MENU_ITEM__INIT;
    bool found = false;
    char *tags[] = {"vegan", "hot"};
    char *tags2[] = {"mild", "kids", "new"};

    REQUIRE(setup() == 0);
    /* PutItem from scalars and a list: the list is stored and read back. */
    REQUIRE(repo->menu_item__add_menu_item(repo, &made, "s1", "soup", "p1", "Tomato", "4.50", tags,
                                           2, &err) == 0);
    CHECK(made.n_tags == 2);
    CHECK(made.n_tags == 2 && strcmp(made.tags[0], "vegan") == 0 &&
          strcmp(made.tags[1], "hot") == 0);
    CHECK_STR(made.sort_key, "MENU#soup#p1"); /* the derived key field, read back */
    mean__menu_item__free(&made);

    /* Optional fields to leave alone later. */
    REQUIRE(repo->menu_item__get(
                repo, &got, &found,
                &(mean__menu_item){.shop_id = "s1", .category = "soup", .product_id = "p1"},
                &err) == 0);
    REQUIRE(found);
    got.note = strdup("spicy");
    got.has_stock = true;
    got.stock = 7;
    got.code = strdup("c-1");
    REQUIRE(repo->menu_item__update(repo, &got, &err) == 0);
    mean__menu_item__free(&got);

    /* UpdateItem by entity: the fields it carries change; absent optional ones stay. */
    edit.shop_id = strdup("s1");
    edit.category = strdup("soup");
    edit.product_id = strdup("p1");
    edit.name = strdup("Tomato Deluxe");
    edit.price.text = strdup("5.25");
    edit.code = strdup("c-2");
    REQUIRE(repo->menu_item__edit_menu_item(repo, &got, &found, &edit, &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "Tomato Deluxe");
    CHECK_STR(got.price.text, "5.25");
    CHECK_STR(got.code, "c-2");
    CHECK_STR(got.note, "spicy");           /* absent in edit: unchanged */
    CHECK(got.has_stock && got.stock == 7); /* absent in edit: unchanged */
    CHECK(got.n_tags == 2);                 /* absent in edit: unchanged */
    mean__menu_item__free(&got);
    REQUIRE(repo->menu_item__get(repo, &got, &found, &edit, &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "Tomato Deluxe");
    CHECK_STR(got.note, "spicy");
    mean__menu_item__free(&got);

    /* An entity for an item that does not exist: not found, nothing written. */
    free(edit.product_id);
    edit.product_id = strdup("nope");
    REQUIRE(repo->menu_item__edit_menu_item(repo, &got, &found, &edit, &err) == 0);
    CHECK(!found);
    mean__menu_item__free(&edit);

    /* UpdateItem of a list parameter: replaced, read back. */
    REQUIRE(repo->menu_item__set_tags(repo, &got, &found, "s1", "soup", "p1", tags2, 3, &err) == 0);
    CHECK(found);
    CHECK(got.n_tags == 3 && strcmp(got.tags[2], "new") == 0);
    mean__menu_item__free(&got);
    REQUIRE(repo->menu_item__get(
                repo, &got, &found,
                &(mean__menu_item){.shop_id = "s1", .category = "soup", .product_id = "p1"},
                &err) == 0);
    CHECK(got.n_tags == 3 && strcmp(got.tags[0], "mild") == 0 && strcmp(got.tags[1], "kids") == 0);
    CHECK_STR(got.note, "spicy");
    mean__menu_item__free(&got);
    ddb_error_clear(&err);
}

TEST(derived_key_field_delete)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__menu_item got = MEAN__MENU_ITEM__INIT;
    bool found = true, done = false;

    REQUIRE(setup() == 0);
    add_item("s2", "main", "p9", "Stew");
    REQUIRE(repo->menu_item__get(
                repo, &got, &found,
                &(mean__menu_item){.shop_id = "s2", .category = "main", .product_id = "p9"},
                &err) == 0);
    REQUIRE(found);
    CHECK_STR(got.sort_key, "MENU#main#p9");
    /* DeleteItem with the stored sort_key passed whole. */
    REQUIRE(repo->menu_item__remove_by_sort_key(repo, &done, "s2", got.sort_key, &err) == 0);
    CHECK(done);
    mean__menu_item__free(&got);
    REQUIRE(repo->menu_item__get(
                repo, &got, &found,
                &(mean__menu_item){.shop_id = "s2", .category = "main", .product_id = "p9"},
                &err) == 0);
    CHECK(!found);
    REQUIRE(repo->menu_item__remove_by_sort_key(repo, &done, "s2", "MENU#main#p9", &err) == 0);
    CHECK(!done);
    ddb_error_clear(&err);
}

TEST(numeric_sort_key_string_range)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__score__page page = {0};
    static const int64_t points[] = {5, 10, 100, 250};

    REQUIRE(setup() == 0);
    for (size_t i = 0; i < 4; i++) {
        mean__score s = MEAN__SCORE__INIT;
        s.player = strdup("ann");
        s.points = points[i];
        s.label = strdup("x");
        REQUIRE(repo->score__create(repo, &s, &err) == 0);
        mean__score__free(&s);
    }
    /* Numerically >= 20: "5" would sort after "20" as text. */
    REQUIRE(repo->score__scores_at_least(repo, &page, "ann", "20", NULL, &err) == 0);
    CHECK(page.n_items == 2);
    CHECK(page.n_items == 2 && page.items[0].points == 100 && page.items[1].points == 250);
    mean__score__page_free(&page);
    REQUIRE(repo->score__scores_at_least(repo, &page, "ann", "7.5", NULL, &err) == 0);
    CHECK(page.n_items == 3);
    mean__score__page_free(&page);
    CHECK_INT(repo->score__scores_at_least(repo, &page, "ann", "lots", NULL, &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "min_points");
    CHECK(page.n_items == 0);
    ddb_error_clear(&err);
}

TEST(inferred_equality_and_qualified_names)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__menu_item got = MEAN__MENU_ITEM__INIT;
    mean__menu_item__page page = {0};
    bool found = false;
    char ids[128];

    REQUIRE(setup() == 0);
    add_item("s3", "drink", "d1", "Tea");
    add_item("s3", "drink", "d2", "Coffee");
    add_item("s3", "cake", "k1", "Tea");
    add_item("s4", "drink", "d1", "Tea");
    REQUIRE(repo->menu_item__get(
                repo, &got, &found,
                &(mean__menu_item){.shop_id = "s3", .category = "drink", .product_id = "d1"},
                &err) == 0);
    REQUIRE(found);
    got.code = strdup("secret");
    REQUIRE(repo->menu_item__update(repo, &got, &err) == 0);
    mean__menu_item__free(&got);

    /* GetItem with a non-key field: found only when the stored value is equal. */
    REQUIRE(repo->menu_item__get_with_code(repo, &got, &found, "s3", "drink", "d1", "secret",
                                           &err) == 0);
    CHECK(found);
    CHECK_STR(got.name, "Tea");
    mean__menu_item__free(&got);
    found = true;
    REQUIRE(repo->menu_item__get_with_code(repo, &got, &found, "s3", "drink", "d1", "wrong",
                                           &err) == 0);
    CHECK(!found);
    CHECK(got.name == NULL);
    found = true;
    REQUIRE(repo->menu_item__get_with_code(repo, &got, &found, "s3", "drink", "d2", "secret",
                                           &err) == 0);
    CHECK(!found); /* d2 has no code */

    /* Query with a non-key field: a filter. */
    REQUIRE(repo->menu_item__menu_named(repo, &page, "s3", "Tea", NULL, &err) == 0);
    ids_of(&page, ids, sizeof ids);
    CHECK_STR(ids, "k1,d1");
    mean__menu_item__page_free(&page);

    /* Scan with a qualified name (target_shop_id: shop_id). */
    REQUIRE(repo->menu_item__menu_of_shop(repo, &page, "s4", NULL, &err) == 0);
    CHECK(page.n_items == 1);
    CHECK(page.n_items == 1 && strcmp(page.items[0].shop_id, "s4") == 0);
    mean__menu_item__page_free(&page);

    /* Query whose partition key comes from a qualified name (owner_shop_id: shop_id). */
    REQUIRE(repo->menu_item__menu_for_owner(repo, &page, "s3", NULL, &err) == 0);
    ids_of(&page, ids, sizeof ids);
    CHECK_STR(ids, "k1,d1,d2");
    mean__menu_item__page_free(&page);
    ddb_error_clear(&err);
}

TEST(implied_between_on_sort_key_field)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__menu_item__page page = {0};
    char ids[128];

    REQUIRE(setup() == 0);
    add_item("s5", "a", "1", "A");
    add_item("s5", "b", "2", "B");
    add_item("s5", "c", "3", "C");
    add_item("s5", "d", "4", "D");
    /* Categories from "b" up to "c": the bounds compare with MENU#<category>, as an explicit
     * between does, so "c" takes in MENU#c#3 only because the upper bound is "c~". */
    REQUIRE(repo->menu_item__menu_in_categories(repo, &page, "s5", "b", "c~", NULL, &err) == 0);
    ids_of(&page, ids, sizeof ids);
    CHECK_STR(ids, "2,3");
    mean__menu_item__page_free(&page);
    REQUIRE(repo->menu_item__menu_in_categories(repo, &page, "s5", "a", "b", NULL, &err) == 0);
    ids_of(&page, ids, sizeof ids);
    CHECK_STR(ids, "1"); /* MENU#b#2 sorts after MENU#b */
    mean__menu_item__page_free(&page);
    ddb_error_clear(&err);
}

TEST(put_context_reference)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__shop shop = MEAN__SHOP__INIT;
    mean__meal_order o = MEAN__MEAL_ORDER__INIT, got = MEAN__MEAL_ORDER__INIT;
    bool found = false;

    REQUIRE(setup() == 0);
    shop.shop_id = strdup("s7");
    shop.title = strdup("Corner");
    o.order_id = strdup("o1");
    o.shop_id = strdup("elsewhere"); /* the reference replaces it */
    o.title = strdup("Lunch");
    o.total.text = strdup("12.00");
    REQUIRE(repo->meal_order__place_order(repo, &o, &shop, &err) == 0);
    CHECK_STR(o.shop_id, "s7");
    REQUIRE(repo->meal_order__get(repo, &got, &found, &o, &err) == 0);
    CHECK(found);
    CHECK_STR(got.shop_id, "s7");
    CHECK_STR(got.title, "Lunch"); /* not the shop's title: only key and ID fields refer */
    mean__meal_order__free(&got);
    mean__meal_order__free(&o);

    /* A context entity without the referenced value: refused, naming it. */
    o.order_id = strdup("o2");
    o.title = strdup("Dinner");
    o.total.text = strdup("3");
    free(shop.shop_id);
    shop.shop_id = NULL;
    CHECK_INT(repo->meal_order__place_order(repo, &o, &shop, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "shop");
    CHECK_CONTAINS(err.message, "shop_id");
    mean__meal_order__free(&o);
    mean__shop__free(&shop);
    ddb_error_clear(&err);
}

TEST(transaction_put_from_parameters)
{
    ddb_error err = DDB_ERROR_INIT;
    mean__meal_order o = MEAN__MEAL_ORDER__INIT;
    mean__shop got = MEAN__SHOP__INIT;
    bool found = false;

    REQUIRE(setup() == 0);
    o.order_id = strdup("t1");
    o.shop_id = strdup("s8");
    o.title = strdup("Opening");
    o.total.text = strdup("1");
    /* The Shop Put is built from shop_id and title: both are written. */
    REQUIRE(repo->open_shop(repo, "s8", "Harbour", &o, &err) == 0);
    REQUIRE(repo->shop__get(repo, &got, &found, &(mean__shop){.shop_id = "s8"}, &err) == 0);
    CHECK(found);
    CHECK_STR(got.title, "Harbour");
    mean__shop__free(&got);
    CHECK_INT(repo->open_shop(repo, "s8", "Again", &o, &err), DDB_ERR_TRANSACTION_CANCELED);
    mean__meal_order__free(&o);
    ddb_error_clear(&err);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        CASE(update_by_entity_and_lists),        CASE(derived_key_field_delete),
        CASE(numeric_sort_key_string_range),     CASE(inferred_equality_and_qualified_names),
        CASE(implied_between_on_sort_key_field), CASE(put_context_reference),
        CASE(transaction_put_from_parameters),
    };
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    teardown();
    return rc;
}
