/*
 * The conformance suite must fail an implementation that breaks the interface, and say where.
 * Built with the code generated for the gaming_leaderboard and food_delivery fixtures and for
 * gen-models/kinds.json, which has a field of every kind, required and optional (and their
 * suites; the namespaces keep them apart in one program): each test
 * replaces one member of the DynamoDB repository with a broken one, the way a hand-written
 * implementation might go wrong (the broken member calls the real one and spoils its result),
 * runs the case that covers it and checks that the case fails with a message naming the case,
 * the pattern and what differed. The unbroken repository passes every case (no false alarms).
 *
 * The patterns tests break members of gen-models/patterns.json the suite only lately covers: a
 * mixed_data Scan that ignores its filter, an UpdateItem by entity that sets nothing, a Query
 * that ignores its limit parameter, a tagged BatchGetItem out of request order.
 *
 * The kinds tests break the write path the way a serializer might (a kind dropped, a number
 * cut, two fields swapped): create and update write a spoiled copy of the entity to the real
 * DynamoDB Local and leave the caller's struct as it was. The suite compares what it reads back
 * with that struct field by field, so each must fail naming the entity and the field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "food_delivery.h"
#include "food_delivery_conformance.h"
#include "gaming_leaderboard.h"
#include "gaming_leaderboard_conformance.h"
#include "kinds.h"
#include "kinds_conformance.h"
#include "pat.h"
#include "pat_conformance.h"
#include "support/harness.h"
#include "test.h"

typedef gaming_leaderboard__repo repo_t;

static ddb_client *client;
static repo_t *inner;                 /* the DynamoDB repository; tests replace members in place */
static repo_t real;                   /* its members as created */
static food_delivery__repo *fd_inner; /* the same for food_delivery */
static food_delivery__repo fd_real;
static kinds__repo *k_inner; /* the same for kinds */
static kinds__repo k_real;
static pat__repo *p_inner; /* the same for patterns */
static pat__repo p_real;
static char prefix[64];
static char lines[8][1100];
static size_t n_lines;

static void setup(void)
{
    ddb_error err = DDB_ERROR_INIT;
    gaming_leaderboard__ddb_options o = GAMING_LEADERBOARD__DDB_OPTIONS_INIT;
    int rc;
    if (client)
        return;
    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "catch%ld_", (long)getpid());
    rc = gaming_leaderboard__create_tables(client, prefix, &err);
    if (rc)
        harness_report("create tables", rc, &err);
    REQUIRE(rc == 0);
    o.table_prefix = prefix;
    o.consistent_reads = true;
    REQUIRE(gaming_leaderboard__ddb_repo_new(&inner, client, &o, &err) == 0);
    real = *inner;
    {
        food_delivery__ddb_options fo = FOOD_DELIVERY__DDB_OPTIONS_INIT;
        rc = food_delivery__create_tables(client, prefix, &err);
        if (rc)
            harness_report("create tables", rc, &err);
        REQUIRE(rc == 0);
        fo.table_prefix = prefix;
        fo.consistent_reads = true;
        REQUIRE(food_delivery__ddb_repo_new(&fd_inner, client, &fo, &err) == 0);
        fd_real = *fd_inner;
    }
    {
        kinds__ddb_options ko = KINDS__DDB_OPTIONS_INIT;
        rc = kinds__create_tables(client, prefix, &err);
        if (rc)
            harness_report("create tables", rc, &err);
        REQUIRE(rc == 0);
        ko.table_prefix = prefix;
        ko.consistent_reads = true;
        REQUIRE(kinds__ddb_repo_new(&k_inner, client, &ko, &err) == 0);
        k_real = *k_inner;
    }
    {
        pat__ddb_options po = PAT__DDB_OPTIONS_INIT;
        rc = pat__create_tables(client, prefix, &err);
        if (rc)
            harness_report("create tables", rc, &err);
        REQUIRE(rc == 0);
        po.table_prefix = prefix;
        po.consistent_reads = true;
        REQUIRE(pat__ddb_repo_new(&p_inner, client, &po, &err) == 0);
        p_real = *p_inner;
    }
}

static void teardown(void)
{
    if (!client)
        return;
    gaming_leaderboard__repo_free(inner);
    food_delivery__repo_free(fd_inner);
    kinds__repo_free(k_inner);
    pat__repo_free(p_inner);
    for (size_t i = 0; i < GAMING_LEADERBOARD__N_ENTITIES; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, gaming_leaderboard__entities[i]->table);
        harness_delete_table(client, name);
    }
    for (size_t i = 0; i < FOOD_DELIVERY__N_ENTITIES; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, food_delivery__entities[i]->table);
        harness_delete_table(client, name); /* shared tables: later calls fail, harmlessly */
    }
    for (size_t i = 0; i < KINDS__N_ENTITIES; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, kinds__entities[i]->table);
        harness_delete_table(client, name);
    }
    for (size_t i = 0; i < PAT__N_ENTITIES; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, pat__entities[i]->table);
        harness_delete_table(client, name); /* shared tables: later calls fail, harmlessly */
    }
    ddb_client_free(client);
    client = NULL;
}

static void keep_line(void *ctx, const char *line)
{
    (void)ctx;
    if (n_lines < sizeof lines / sizeof lines[0])
        snprintf(lines[n_lines++], sizeof lines[0], "%s", line);
}

/* The repository with every member as created; returns it for the test to break. */
static repo_t *fresh(void)
{
    setup();
    *inner = real;
    return inner;
}

/* Runs one case; returns its result (1: failed) and keeps the failure lines. */
static int run(repo_t *r, const char *name, gaming_leaderboard__conformance_report *report)
{
    gaming_leaderboard__conformance_options o = GAMING_LEADERBOARD__CONFORMANCE_OPTIONS_INIT;
    char run_id[32];
    static int runs;
    snprintf(run_id, sizeof run_id, "t%ld-%d", (long)getpid(), runs++);
    o.run_id = run_id;
    o.log = keep_line;
    n_lines = 0;
    memset(report, 0, sizeof *report);
    return gaming_leaderboard__conformance_run_case(r, name, &o, report);
}

/* ---- broken members ---- */

static int create_unconditional(repo_t *r, gaming_leaderboard__game *obj, ddb_error *err)
{
    int rc = real.game__create(r, obj, err);
    return rc == DDB_ERR_ITEM_EXISTS ? 0 : rc;
}

static int update_unlocked(repo_t *r, gaming_leaderboard__game *obj, ddb_error *err)
{
    int rc = real.game__update(r, obj, err);
    return rc == DDB_ERR_STALE_VERSION ? 0 : rc;
}

static int get_game_wrong_title(repo_t *r, gaming_leaderboard__game *out, bool *found,
                                const char *game_id, ddb_error *err)
{
    int rc = real.game__get_game(r, out, found, game_id, err);
    if (rc == 0 && *found) {
        free(out->title);
        out->title = strdup("not the title that was written");
    }
    return rc;
}

static int top_scores_reversed(repo_t *r, gaming_leaderboard__leaderboard_entry__page *out,
                               const char *game_id, const gaming_leaderboard__page_request *page,
                               ddb_error *err)
{
    int rc = real.leaderboard_entry__get_top_scores(r, out, game_id, page, err);
    for (size_t i = 0; rc == 0 && i < out->n_items / 2; i++) {
        gaming_leaderboard__leaderboard_entry t = out->items[i];
        out->items[i] = out->items[out->n_items - 1 - i];
        out->items[out->n_items - 1 - i] = t;
    }
    return rc;
}

static int top_scores_unpaged(repo_t *r, gaming_leaderboard__leaderboard_entry__page *out,
                              const char *game_id, const gaming_leaderboard__page_request *page,
                              ddb_error *err)
{
    (void)page;
    return real.leaderboard_entry__get_top_scores(r, out, game_id, NULL, err);
}

static int top_scores_first_page_only(repo_t *r, gaming_leaderboard__leaderboard_entry__page *out,
                                      const char *game_id,
                                      const gaming_leaderboard__page_request *page, ddb_error *err)
{
    int rc = real.leaderboard_entry__get_top_scores(r, out, game_id, page, err);
    if (rc == 0) {
        free(out->cursor);
        out->cursor = NULL;
    }
    return rc;
}

/* get_active_customer_deliveries: status <> excluded_status AND total >= min_total */
static int filter_ignored(food_delivery__repo *r, food_delivery__delivery__page *out,
                          const char *customer_id, const char *excluded_status,
                          const char *min_total, const food_delivery__page_request *page,
                          ddb_error *err)
{
    (void)excluded_status;
    (void)min_total;
    return fd_real.delivery__get_active_customer_deliveries(r, out, customer_id, "", "0", page,
                                                            err);
}

static int filter_too_strict(food_delivery__repo *r, food_delivery__delivery__page *out,
                             const char *customer_id, const char *excluded_status,
                             const char *min_total, const food_delivery__page_request *page,
                             ddb_error *err)
{
    (void)min_total;
    return fd_real.delivery__get_active_customer_deliveries(r, out, customer_id, excluded_status,
                                                            "1000000", page, err);
}

static int run_fd(const char *name, food_delivery__conformance_report *report)
{
    food_delivery__conformance_options o = FOOD_DELIVERY__CONFORMANCE_OPTIONS_INIT;
    char run_id[32];
    static int runs;
    snprintf(run_id, sizeof run_id, "f%ld-%d", (long)getpid(), runs++);
    o.run_id = run_id;
    o.log = keep_line;
    memset(report, 0, sizeof *report);
    return food_delivery__conformance_run_case(fd_inner, name, &o, report);
}

/* ---- patterns.json ---- */

/* scan_open (status = :status OR attribute_exists(tip)) that returns the whole table */
static int scan_open_unfiltered(pat__repo *r, pat__mixed_page *out, const char *status,
                                const pat__page_request *page, ddb_error *err)
{
    (void)status;
    return p_real.order__scan_shop(r, out, page, err);
}

/* patch_customer that sets nothing: it returns the customer as stored, and says it updated */
static int patch_does_nothing(pat__repo *r, pat__customer *out, bool *found,
                              const pat__customer *customer, ddb_error *err)
{
    return p_real.customer__get(r, out, found, customer, err);
}

/* recent_orders that ignores its limit parameter */
static int limit_ignored(pat__repo *r, pat__order__page *out, const char *customer_id,
                         int64_t limit, const pat__page_request *page, ddb_error *err)
{
    (void)limit;
    return p_real.order__recent_orders(r, out, customer_id, 0, page, err);
}

/* get_customers_tagged that returns its items in reverse request order */
static int tagged_reversed(pat__repo *r, pat__mixed_page *out, const pat__customer *keys,
                           size_t n_keys, ddb_error *err)
{
    int rc = p_real.customer__get_customers_tagged(r, out, keys, n_keys, err);
    for (size_t i = 0; rc == 0 && i < out->n_items / 2; i++) {
        pat__item t = out->items[i];
        out->items[i] = out->items[out->n_items - 1 - i];
        out->items[out->n_items - 1 - i] = t;
    }
    return rc;
}

static int run_pat(const char *name, pat__conformance_report *report)
{
    pat__conformance_options o = PAT__CONFORMANCE_OPTIONS_INIT;
    char run_id[32];
    static int runs;
    snprintf(run_id, sizeof run_id, "p%ld-%d", (long)getpid(), runs++);
    o.run_id = run_id;
    o.log = keep_line;
    n_lines = 0;
    memset(report, 0, sizeof *report);
    return pat__conformance_run_case(p_inner, name, &o, report);
}

/* ---- a spoiled write path (kinds) ---- */

/* What the broken write path does to the entity it writes. */
static void (*spoil)(kinds__kit *o);

/* create and update write a spoiled copy; the caller's struct keeps what it asked to write
 * (and gets the new version, as from the real member). */
static int write_spoiled(int (*member)(kinds__repo *, kinds__kit *, ddb_error *), kinds__repo *r,
                         kinds__kit *obj, ddb_error *err)
{
    kinds__kit copy = KINDS__KIT__INIT;
    int rc = ddb_conf_entity_copy(&copy, &kinds__kit__desc, obj);
    if (rc)
        return ddb_error_set(err, rc, "copy of a Kit");
    spoil(&copy);
    rc = member(r, &copy, err);
    obj->ddb_version = copy.ddb_version;
    kinds__kit__free(&copy);
    return rc;
}

static int create_spoiled(kinds__repo *r, kinds__kit *obj, ddb_error *err)
{
    return write_spoiled(k_real.kit__create, r, obj, err);
}

static int update_spoiled(kinds__repo *r, kinds__kit *obj, ddb_error *err)
{
    return write_spoiled(k_real.kit__update, r, obj, err);
}

/* transact likewise: its creates and updates of Kits write spoiled copies. */
static int transact_spoiled(kinds__repo *r, kinds__write *ops, size_t n_ops, ddb_error *err)
{
    kinds__kit copies[8];
    kinds__write mine[8];
    int rc = 0;
    if (n_ops > 8)
        return k_real.transact(r, ops, n_ops, err);
    memset(copies, 0, sizeof copies);
    for (size_t i = 0; i < n_ops; i++) {
        mine[i] = ops[i];
        if (ops[i].kind != KINDS__KIND_KIT ||
            (ops[i].op != KINDS__WRITE_CREATE && ops[i].op != KINDS__WRITE_UPDATE))
            continue;
        if (rc == 0)
            rc = ddb_conf_entity_copy(&copies[i], &kinds__kit__desc, ops[i].obj);
        spoil(&copies[i]);
        mine[i].obj = &copies[i];
    }
    if (rc == 0)
        rc = k_real.transact(r, mine, n_ops, err);
    for (size_t i = 0; i < n_ops; i++) {
        if (mine[i].obj == &copies[i])
            ((kinds__kit *)ops[i].obj)->ddb_version = copies[i].ddb_version;
        kinds__kit__free(&copies[i]);
    }
    return rc;
}

static void drop_optional_booleans(kinds__kit *o)
{
    o->has_active = false;
}

static void drop_array(kinds__kit *o)
{
    for (size_t j = 0; j < o->n_tags; j++)
        free(o->tags[j]);
    free(o->tags);
    o->tags = NULL;
    o->n_tags = 0;
}

static void truncate_decimal(kinds__kit *o)
{
    char *dot = o->price.text ? strchr(o->price.text, '.') : NULL;
    if (dot)
        *dot = '\0';
}

static void swap_strings(kinds__kit *o)
{
    char *t = o->label;
    o->label = o->note;
    o->note = t;
}

static void drop_object(kinds__kit *o)
{
    ddb_value_free(o->attrs);
    o->attrs = NULL;
}

/* An update that only sets attributes: a value the caller removed stays stored. */
static int update_keeps_removed(kinds__repo *r, kinds__kit *obj, ddb_error *err)
{
    kinds__kit stored = KINDS__KIT__INIT, copy = KINDS__KIT__INIT;
    bool found = false;
    int rc = k_real.kit__get(r, &stored, &found, obj, err);
    if (rc == 0)
        rc = ddb_conf_entity_copy(&copy, &kinds__kit__desc, obj);
    if (rc == 0) {
        if (found && !copy.note && stored.note)
            copy.note = strdup(stored.note);
        rc = k_real.kit__update(r, &copy, err);
        obj->ddb_version = copy.ddb_version;
    }
    kinds__kit__free(&stored);
    kinds__kit__free(&copy);
    return rc;
}

/* Runs the whole kinds suite against k_inner as the test broke it: returns the failed count. */
static int run_kinds(kinds__conformance_report *report)
{
    kinds__conformance_options o = KINDS__CONFORMANCE_OPTIONS_INIT;
    char run_id[32];
    static int runs;
    int rc;
    snprintf(run_id, sizeof run_id, "k%ld-%d", (long)getpid(), runs++);
    o.run_id = run_id;
    o.log = keep_line;
    n_lines = 0;
    memset(report, 0, sizeof *report);
    rc = kinds__conformance_run(k_inner, &o, report);
    *k_inner = k_real;
    return rc;
}

/* The kinds suite over a write path spoiled by f: every case fails, the first naming `want`. */
static void check_spoiled(void (*f)(kinds__kit *), const char *want)
{
    kinds__conformance_report report;
    setup();
    spoil = f;
    k_inner->kit__create = create_spoiled;
    k_inner->kit__update = update_spoiled;
    k_inner->transact = transact_spoiled;
    CHECK_INT(run_kinds(&report), (int)KINDS__CONFORMANCE_N_CASES);
    CHECK_CONTAINS(report.first_failure, want);
}

/* ---- tests ---- */

TEST(unbroken_passes)
{
    gaming_leaderboard__conformance_report report;
    gaming_leaderboard__conformance_options o = GAMING_LEADERBOARD__CONFORMANCE_OPTIONS_INIT;
    repo_t *r = fresh();
    o.log = keep_line;
    o.run_id = "whole";
    memset(&report, 0, sizeof report);
    CHECK_INT(gaming_leaderboard__conformance_run(r, &o, &report), 0);
    CHECK(report.n_run == GAMING_LEADERBOARD__CONFORMANCE_N_CASES);
    CHECK(report.n_passed == report.n_run);
    CHECK_STR(report.first_failure, "");
}

TEST(create_twice_accepted)
{
    gaming_leaderboard__conformance_report report;
    repo_t *r = fresh();
    r->game__create = create_unconditional;
    CHECK_INT(run(r, "Game.crud", &report), 1);
    CHECK(report.n_failed == 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Game.crud (crud): create of an existing key "
                                         "returned 0, expected DDB_ERR_ITEM_EXISTS");
}

TEST(stale_update_accepted)
{
    gaming_leaderboard__conformance_report report;
    repo_t *r = fresh();
    r->game__update = update_unlocked;
    CHECK_INT(run(r, "Game.crud", &report), 1);
    CHECK_CONTAINS(report.first_failure, "update from a stale copy returned");
    CHECK_CONTAINS(report.first_failure, "expected DDB_ERR_STALE_VERSION");
}

TEST(wrong_content)
{
    gaming_leaderboard__conformance_report report;
    repo_t *r = fresh();
    r->game__get_game = get_game_wrong_title;
    CHECK_INT(run(r, "Game.get_game", &report), 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Game.get_game (get_game): call: Game field "
                                         "'title' is \"not the title that was written\", "
                                         "expected \"Space Defenders\"");
}

TEST(wrong_order)
{
    gaming_leaderboard__conformance_report report;
    repo_t *r = fresh();
    r->leaderboard_entry__get_top_scores = top_scores_reversed;
    CHECK_INT(run(r, "LeaderboardEntry.get_top_scores", &report), 1);
    CHECK_CONTAINS(report.first_failure, "(get_top_scores): call: item 2");
    CHECK_CONTAINS(report.first_failure, "not in ascending sort key order");
}

TEST(page_limit_ignored)
{
    gaming_leaderboard__conformance_report report;
    repo_t *r = fresh();
    r->leaderboard_entry__get_top_scores = top_scores_unpaged;
    CHECK_INT(run(r, "LeaderboardEntry.get_top_scores", &report), 1);
    CHECK_CONTAINS(report.first_failure, "page 1 has 5 items, more than the limit 2");
}

TEST(pages_lost)
{
    gaming_leaderboard__conformance_report report;
    repo_t *r = fresh();
    r->leaderboard_entry__get_top_scores = top_scores_first_page_only;
    CHECK_INT(run(r, "LeaderboardEntry.get_top_scores", &report), 1);
    CHECK_CONTAINS(report.first_failure, "3 of the items written did not come back");
}

TEST(filter_keeps_too_much)
{
    food_delivery__conformance_report report;
    setup();
    *fd_inner = fd_real;
    CHECK_INT(run_fd("Delivery.get_active_customer_deliveries", &report), 0);
    fd_inner->delivery__get_active_customer_deliveries = filter_ignored;
    CHECK_INT(run_fd("Delivery.get_active_customer_deliveries", &report), 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Delivery.get_active_customer_deliveries "
                                         "(get_active_customer_deliveries): call: item");
    CHECK_CONTAINS(report.first_failure, "came back, but the filter drops it");
    *fd_inner = fd_real;
}

TEST(filter_keeps_too_little)
{
    food_delivery__conformance_report report;
    setup();
    fd_inner->delivery__get_active_customer_deliveries = filter_too_strict;
    CHECK_INT(run_fd("Delivery.get_active_customer_deliveries", &report), 1);
    CHECK_CONTAINS(report.first_failure, "3 of the items written did not come back");
    *fd_inner = fd_real;
}

TEST(kinds_unbroken_passes)
{
    kinds__conformance_report report;
    setup();
    CHECK_INT(run_kinds(&report), 0);
    CHECK(report.n_run == KINDS__CONFORMANCE_N_CASES);
    CHECK_STR(report.first_failure, "");
}

TEST(optional_booleans_dropped)
{
    check_spoiled(drop_optional_booleans,
                  "FAIL Kit.crud (crud): get: Kit field 'active' is (absent), expected false");
}

TEST(array_dropped)
{
    check_spoiled(drop_array, "FAIL Kit.crud (crud): get: Kit field 'tags' is (absent), expected "
                              "[\"tags-0-0\",\"tags-0-1\"]");
}

TEST(decimal_truncated)
{
    check_spoiled(truncate_decimal,
                  "FAIL Kit.crud (crud): get: Kit field 'price' is 10, expected 10.25");
}

TEST(string_fields_swapped)
{
    check_spoiled(swap_strings, "FAIL Kit.crud (crud): get: Kit field 'label' is \"note-0-0\", "
                                "expected \"label-0-0\"");
}

TEST(object_dropped)
{
    check_spoiled(drop_object, "FAIL Kit.crud (crud): get: Kit field 'attrs' is (absent), "
                               "expected {\"M\":{\"k\":{\"N\":\"0\"}}}");
}

TEST(removed_value_kept_by_update)
{
    kinds__conformance_report report;
    setup();
    k_inner->kit__update = update_keeps_removed;
    CHECK(run_kinds(&report) >= 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Kit.crud (crud): get after that update: Kit field "
                                         "'note' is \"note-0-0\", expected (absent)");
}

TEST(mixed_scan_filter_ignored)
{
    pat__conformance_report report;
    setup();
    *p_inner = p_real;
    CHECK_INT(run_pat("Order.scan_open", &report), 0);
    p_inner->order__scan_open = scan_open_unfiltered;
    CHECK_INT(run_pat("Order.scan_open", &report), 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Order.scan_open (scan_open): call: item");
    CHECK_CONTAINS(report.first_failure, "came back, but the filter drops it");
    *p_inner = p_real;
}

TEST(update_by_entity_does_nothing)
{
    pat__conformance_report report;
    setup();
    *p_inner = p_real;
    CHECK_INT(run_pat("Customer.patch_customer", &report), 0);
    p_inner->customer__patch_customer = patch_does_nothing;
    CHECK_INT(run_pat("Customer.patch_customer", &report), 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Customer.patch_customer (patch_customer): call "
                                         "(the entity it returns): Customer field 'email' is");
    *p_inner = p_real;
}

TEST(limit_parameter_ignored)
{
    pat__conformance_report report;
    setup();
    *p_inner = p_real;
    CHECK_INT(run_pat("Order.recent_orders", &report), 0);
    p_inner->order__recent_orders = limit_ignored;
    CHECK_INT(run_pat("Order.recent_orders", &report), 1);
    CHECK_CONTAINS(report.first_failure, "FAIL Order.recent_orders (recent_orders): call: page 1 "
                                         "has 5 items, more than the limit 2");
    *p_inner = p_real;
}

TEST(tagged_batch_get_out_of_order)
{
    pat__conformance_report report;
    setup();
    *p_inner = p_real;
    CHECK_INT(run_pat("Customer.get_customers_tagged", &report), 0);
    p_inner->customer__get_customers_tagged = tagged_reversed;
    CHECK_INT(run_pat("Customer.get_customers_tagged", &report), 1);
    CHECK_CONTAINS(report.first_failure,
                   "FAIL Customer.get_customers_tagged (get_customers_tagged): call, item 0 "
                   "(key 0): Customer field 'customer_id' is");
    *p_inner = p_real;
}

TEST(unknown_case_and_bad_options)
{
    gaming_leaderboard__conformance_report report;
    gaming_leaderboard__conformance_options o = GAMING_LEADERBOARD__CONFORMANCE_OPTIONS_INIT;
    repo_t *r = fresh();
    CHECK_INT(run(r, "Game.no_such_case", &report), DDB_ERR_INVALID_ARG);
    o.run_id = "has space";
    CHECK_INT(gaming_leaderboard__conformance_run(r, &o, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(gaming_leaderboard__conformance_run(NULL, NULL, NULL), DDB_ERR_INVALID_ARG);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {CASE(unbroken_passes),
                                      CASE(create_twice_accepted),
                                      CASE(stale_update_accepted),
                                      CASE(wrong_content),
                                      CASE(wrong_order),
                                      CASE(page_limit_ignored),
                                      CASE(pages_lost),
                                      CASE(filter_keeps_too_much),
                                      CASE(filter_keeps_too_little),
                                      CASE(kinds_unbroken_passes),
                                      CASE(optional_booleans_dropped),
                                      CASE(array_dropped),
                                      CASE(decimal_truncated),
                                      CASE(string_fields_swapped),
                                      CASE(object_dropped),
                                      CASE(removed_value_kept_by_update),
                                      CASE(mixed_scan_filter_ignored),
                                      CASE(update_by_entity_does_nothing),
                                      CASE(limit_parameter_ignored),
                                      CASE(tagged_batch_get_out_of_order),
                                      CASE(unknown_case_and_bad_options)};
    int rc = test_run(cases, sizeof cases / sizeof cases[0], argc, argv);
    if (inner)
        *inner = real;
    if (fd_inner)
        *fd_inner = fd_real;
    if (k_inner)
        *k_inner = k_real;
    if (p_inner)
        *p_inner = p_real;
    teardown();
    return rc;
}
