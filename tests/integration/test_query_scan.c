/*
 * Query and Scan against DynamoDB Local, one request at a time: every sort-key operator, order,
 * Limit, Select=COUNT, a GSI, filters, and Segment/TotalSegments. (The paginator is in
 * test_paginate.c.)
 *
 * The fixture table has pk (S) and sk (S), and a GSI by_kind (kind S, n N):
 *   partition "p": sk a00..a09 with n 0..9, then b00..b04 with n 10..14; kind "even"/"odd" by n
 *   partition "q": sk a00, a01 with kind "other", n 100, 101
 */
#include <stdlib.h>
#include <string.h>

#include "support/items.h"
#include "test.h"

#define P_ITEMS 15
#define ALL_ITEMS 17

static char *new_fixture(ddb_client *c, const char *prefix)
{
    char *table = harness_table_name(prefix);
    ddb_attribute_definition defs[] = {{"pk", "S"}, {"sk", "S"}, {"kind", "S"}, {"n", "N"}};
    ddb_key_schema_element keys[] = {{"pk", "HASH"}, {"sk", "RANGE"}};
    ddb_key_schema_element gsi_keys[] = {{"kind", "HASH"}, {"n", "RANGE"}};
    ddb_projection all = {.projection_type = "ALL"};
    ddb_global_secondary_index gsi = {
        .index_name = "by_kind", .n_key_schema = 2, .key_schema = gsi_keys, .projection = &all};
    ddb_create_table_input in = {.table_name = table,
                                 .n_attribute_definitions = 4,
                                 .attribute_definitions = defs,
                                 .n_key_schema = 2,
                                 .key_schema = keys,
                                 .n_global_secondary_indexes = 1,
                                 .global_secondary_indexes = &gsi,
                                 .billing_mode = "PAY_PER_REQUEST"};
    if (harness_create_table_with(c, &in) != 0) {
        free(table);
        return NULL;
    }
    ddb_value *items[ALL_ITEMS];
    for (int i = 0; i < P_ITEMS; i++)
        items[i] = harness_itemf("{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"%c%02d\"},"
                                 "\"n\":{\"N\":\"%d\"},\"kind\":{\"S\":\"%s\"}}",
                                 i < 10 ? 'a' : 'b', i % 10, i, i % 2 ? "odd" : "even");
    for (int i = 0; i < 2; i++)
        items[P_ITEMS + i] = harness_itemf("{\"pk\":{\"S\":\"q\"},\"sk\":{\"S\":\"a%02d\"},"
                                           "\"n\":{\"N\":\"%d\"},\"kind\":{\"S\":\"other\"}}",
                                           i, 100 + i);
    int rc = harness_batch_put(c, table, items, ALL_ITEMS);
    for (int i = 0; i < ALL_ITEMS; i++)
        ddb_value_free(items[i]);
    if (rc) {
        harness_delete_table(c, table);
        free(table);
        return NULL;
    }
    return table;
}

static void drop_fixture(ddb_client *c, char *table)
{
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
}

/* The sk values of items, comma-separated, into buf. */
static const char *sks(const ddb_value *const *items, size_t n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        const char *sk = ddb_value_s(ddb_value_m_get(items[i], "sk"), NULL);
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", sk ? sk : "?");
    }
    return buf;
}

/*
 * Run one Query: base (table, options) plus the expressions of e. *out receives the output.
 * Returns the call's code.
 */
static int query(ddb_query_output **out, ddb_client *c, ddb_query_input base, const ddb_expr *e,
                 ddb_error *err)
{
    ddb_expr_result *r = harness_build(e);
    base.key_condition_expression = r->key_condition_expression;
    base.filter_expression = r->filter_expression;
    base.projection_expression = r->projection_expression;
    base.n_expression_attribute_names = r->n_expression_attribute_names;
    base.expression_attribute_names = r->expression_attribute_names;
    base.expression_attribute_values = r->expression_attribute_values;
    int rc = ddb_query(out, c, &base, err);
    harness_report("Query", rc, err);
    ddb_expr_result_free(r);
    return rc;
}

/* pk = "p" AND <sort condition>, in ascending order; the sk list as a string. */
static void check_sort_condition(ddb_cond *(*make)(ddb_expr *e), const char *expect)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qop");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(
        e, ddb_cond_and(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")), make(e)));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(query(&out, c, (ddb_query_input){.table_name = table}, e, &err), 0);
    if (out) {
        char buf[512];
        CHECK_STR(sks((const ddb_value *const *)out->items, out->n_items, buf, sizeof(buf)),
                  expect);
        CHECK(out->last_evaluated_key == NULL);
        CHECK_INT(out->count, (long long)out->n_items);
    }
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

static ddb_cond *sk_eq(ddb_expr *e)
{
    return ddb_cond_eq_take(e, "sk", ddb_expr_val_s(e, "a03"));
}
static ddb_cond *sk_lt(ddb_expr *e)
{
    return ddb_cond_cmp_take(e, "sk", DDB_CMP_LT, ddb_expr_val_s(e, "a03"));
}
static ddb_cond *sk_le(ddb_expr *e)
{
    return ddb_cond_cmp_take(e, "sk", DDB_CMP_LE, ddb_expr_val_s(e, "a03"));
}
static ddb_cond *sk_gt(ddb_expr *e)
{
    return ddb_cond_cmp_take(e, "sk", DDB_CMP_GT, ddb_expr_val_s(e, "b02"));
}
static ddb_cond *sk_ge(ddb_expr *e)
{
    return ddb_cond_cmp_take(e, "sk", DDB_CMP_GE, ddb_expr_val_s(e, "b02"));
}
static ddb_cond *sk_between(ddb_expr *e)
{
    return ddb_cond_between_take(e, "sk", ddb_expr_val_s(e, "a08"), ddb_expr_val_s(e, "b01"));
}
static ddb_cond *sk_begins_with(ddb_expr *e)
{
    return ddb_cond_begins_with_take(e, "sk", ddb_expr_val_s(e, "b"));
}

TEST(query_sort_key_eq)
{
    check_sort_condition(sk_eq, "a03");
}

TEST(query_sort_key_lt)
{
    check_sort_condition(sk_lt, "a00,a01,a02");
}

TEST(query_sort_key_le)
{
    check_sort_condition(sk_le, "a00,a01,a02,a03");
}

TEST(query_sort_key_gt)
{
    check_sort_condition(sk_gt, "b03,b04");
}

TEST(query_sort_key_ge)
{
    check_sort_condition(sk_ge, "b02,b03,b04");
}

TEST(query_sort_key_between)
{
    check_sort_condition(sk_between, "a08,a09,b00,b01");
}

TEST(query_sort_key_begins_with)
{
    check_sort_condition(sk_begins_with, "b00,b01,b02,b03,b04");
}

TEST(query_partition_only_returns_whole_partition)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qpart");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "q")));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(query(&out, c, (ddb_query_input){.table_name = table}, e, &err), 0);
    REQUIRE(out);
    char buf[256];
    CHECK_STR(sks((const ddb_value *const *)out->items, out->n_items, buf, sizeof(buf)), "a00,a01");
    CHECK(out->has_count && out->count == 2);
    CHECK(out->has_scanned_count && out->scanned_count == 2);
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(query_scan_index_forward_false)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qrev");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(
        e, ddb_cond_and(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")),
                        ddb_cond_begins_with_take(e, "sk", ddb_expr_val_s(e, "b"))));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_query_input base = {
        .table_name = table, .has_scan_index_forward = true, .scan_index_forward = false};
    CHECK_INT(query(&out, c, base, e, &err), 0);
    REQUIRE(out);
    char buf[256];
    CHECK_STR(sks((const ddb_value *const *)out->items, out->n_items, buf, sizeof(buf)),
              "b04,b03,b02,b01,b00");
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(query_limit_stops_with_last_evaluated_key)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qlim");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(query(&out, c, (ddb_query_input){.table_name = table, .has_limit = true, .limit = 4},
                    e, &err),
              0);
    REQUIRE(out);
    char buf[256];
    CHECK_STR(sks((const ddb_value *const *)out->items, out->n_items, buf, sizeof(buf)),
              "a00,a01,a02,a03");
    ddb_value *expect_key = harness_itemf("{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"a03\"}}");
    CHECK(out->last_evaluated_key && ddb_value_equal(out->last_evaluated_key, expect_key));

    /* The key continues the query where it stopped. */
    ddb_query_output *next = NULL;
    CHECK_INT(query(&next, c,
                    (ddb_query_input){.table_name = table,
                                      .has_limit = true,
                                      .limit = 2,
                                      .exclusive_start_key = out->last_evaluated_key},
                    e, &err),
              0);
    REQUIRE(next);
    CHECK_STR(sks((const ddb_value *const *)next->items, next->n_items, buf, sizeof(buf)),
              "a04,a05");
    ddb_query_output_free(next);
    ddb_value_free(expect_key);
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(query_select_count)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qcount");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(query(&out, c, (ddb_query_input){.table_name = table, .select = "COUNT"}, e, &err),
              0);
    REQUIRE(out);
    CHECK_INT(out->n_items, 0);
    CHECK(out->items == NULL);
    CHECK(out->has_count);
    CHECK_INT(out->count, P_ITEMS);
    CHECK_INT(out->scanned_count, P_ITEMS);
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(query_global_secondary_index)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qgsi");
    REQUIRE(table);
    /* kind = "even" AND n > 4, on the index: n 6, 8, 10, 12, 14 in n order. */
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(
        e, ddb_cond_and(e, ddb_cond_eq_take(e, "kind", ddb_expr_val_s(e, "even")),
                        ddb_cond_cmp_take(e, "n", DDB_CMP_GT, ddb_expr_val_i64(e, 4))));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(
        query(&out, c, (ddb_query_input){.table_name = table, .index_name = "by_kind"}, e, &err),
        0);
    REQUIRE(out);
    char buf[256];
    CHECK_STR(sks((const ddb_value *const *)out->items, out->n_items, buf, sizeof(buf)),
              "a06,a08,b00,b02,b04");
    if (out->n_items == 5)
        CHECK(harness_attr_is_n(out->items[4], "n", 14));
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(query_filter_expression)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "qfilter");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")));
    ddb_expr_set_filter(
        e, ddb_cond_and(e, ddb_cond_cmp_take(e, "n", DDB_CMP_GE, ddb_expr_val_i64(e, 3)),
                        ddb_cond_eq_take(e, "kind", ddb_expr_val_s(e, "odd"))));
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(query(&out, c, (ddb_query_input){.table_name = table}, e, &err), 0);
    REQUIRE(out);
    char buf[256];
    CHECK_STR(sks((const ddb_value *const *)out->items, out->n_items, buf, sizeof(buf)),
              "a03,a05,a07,a09,b01,b03");
    CHECK_INT(out->count, 6);
    CHECK_INT(out->scanned_count, P_ITEMS); /* the filter runs after the read */
    ddb_query_output_free(out);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(scan_filter_expression)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "sfilter");
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_filter(e, ddb_cond_eq_take(e, "kind", ddb_expr_val_s(e, "other")));
    ddb_expr_result *r = harness_build(e);
    ddb_scan_input in = {.table_name = table,
                         .filter_expression = r->filter_expression,
                         .n_expression_attribute_names = r->n_expression_attribute_names,
                         .expression_attribute_names = r->expression_attribute_names,
                         .expression_attribute_values = r->expression_attribute_values,
                         .has_consistent_read = true,
                         .consistent_read = true};
    ddb_scan_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("Scan", ddb_scan(&out, c, &in, &err), &err), 0);
    REQUIRE(out);
    CHECK_INT(out->n_items, 2);
    CHECK_INT(out->count, 2);
    CHECK_INT(out->scanned_count, ALL_ITEMS);
    for (size_t i = 0; i < out->n_items; i++)
        CHECK(harness_attr_is_s(out->items[i], "pk", "q"));
    CHECK(out->last_evaluated_key == NULL);
    ddb_scan_output_free(out);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST(scan_segments_partition_the_table)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_fixture(c, "sseg");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;
    int seen[ALL_ITEMS] = {0};
    enum { SEGMENTS = 3 };
    for (int seg = 0; seg < SEGMENTS; seg++) {
        ddb_value *start = NULL;
        ddb_scan_output *out = NULL;
        do {
            ddb_scan_input in = {.table_name = table,
                                 .has_segment = true,
                                 .segment = seg,
                                 .has_total_segments = true,
                                 .total_segments = SEGMENTS,
                                 .has_limit = true,
                                 .limit = 4,
                                 .exclusive_start_key = start};
            ddb_scan_output *next = NULL;
            int rc = harness_report("Scan", ddb_scan(&next, c, &in, &err), &err);
            ddb_scan_output_free(out); /* start pointed into it: only now is it unused */
            out = next;
            if (rc)
                break;
            for (size_t i = 0; i < out->n_items; i++) {
                int64_t n = 0;
                REQUIRE(ddb_value_n_i64(ddb_value_m_get(out->items[i], "n"), &n, NULL) == 0);
                int idx = n >= 100 ? P_ITEMS + (int)(n - 100) : (int)n;
                REQUIRE(idx >= 0 && idx < ALL_ITEMS);
                seen[idx]++;
            }
            start = out->last_evaluated_key;
        } while (start);
        ddb_scan_output_free(out);
    }
    for (int i = 0; i < ALL_ITEMS; i++)
        CHECK_INT(seen[i], 1);

    /* A segment outside TotalSegments is the service's ValidationException. */
    ddb_scan_input bad = {.table_name = table,
                          .has_segment = true,
                          .segment = 3,
                          .has_total_segments = true,
                          .total_segments = 3};
    ddb_scan_output *out = NULL;
    CHECK_INT(ddb_scan(&out, c, &bad, &err), DDB_ERR_VALIDATION);
    CHECK_CONTAINS(err.message, "egment");
    ddb_error_clear(&err);
    drop_fixture(c, table);
    ddb_client_free(c);
}

TEST_MAIN(CASE(query_sort_key_eq), CASE(query_sort_key_lt), CASE(query_sort_key_le),
          CASE(query_sort_key_gt), CASE(query_sort_key_ge), CASE(query_sort_key_between),
          CASE(query_sort_key_begins_with), CASE(query_partition_only_returns_whole_partition),
          CASE(query_scan_index_forward_false), CASE(query_limit_stops_with_last_evaluated_key),
          CASE(query_select_count), CASE(query_global_secondary_index),
          CASE(query_filter_expression), CASE(scan_filter_expression),
          CASE(scan_segments_partition_the_table))
