/*
 * Single-item operations against DynamoDB Local: GetItem, PutItem, UpdateItem, DeleteItem, with
 * expressions from the builder, return values, conditional failures, consumed capacity and the
 * error paths. Each case makes and drops its own table.
 */
#include <stdlib.h>
#include <string.h>

#include "support/items.h"
#include "test.h"

/* A table "pk" (S) with a fresh unique name; the case frees the name and deletes the table. */
static char *new_table(ddb_client *c, const char *prefix)
{
    char *table = harness_table_name(prefix);
    if (harness_create_table(c, table, "pk", "S", NULL, NULL) != 0) {
        free(table);
        return NULL;
    }
    return table;
}

static void use_expr(const ddb_expr_result *r, size_t *n_names, const ddb_string_map_entry **names,
                     const ddb_value **values)
{
    *n_names = r->n_expression_attribute_names;
    *names = r->expression_attribute_names;
    if (values)
        *values = r->expression_attribute_values;
}

static ddb_get_item_output *get(ddb_client *c, const char *table, const char *pk)
{
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
    ddb_get_item_input in = {
        .table_name = table, .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err);
    ddb_error_clear(&err);
    ddb_value_free(key);
    return out;
}

/* ---- GetItem -------------------------------------------------------------------------------- */

TEST(get_item_consistent_read)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "get");
    REQUIRE(table);
    REQUIRE(harness_putf(c, table,
                         "{\"pk\":{\"S\":\"k1\"},\"n\":{\"N\":\"42\"},\"b\":{\"B\":\"AAEC\"},"
                         "\"ok\":{\"BOOL\":true},\"nul\":{\"NULL\":true},"
                         "\"m\":{\"M\":{\"x\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1.5\"}]}}},"
                         "\"ss\":{\"SS\":[\"p\",\"q\"]}}") == 0);

    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k1\"}}");
    ddb_get_item_input in = {
        .table_name = table, .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->item);
    ddb_value *expect =
        harness_itemf("{\"pk\":{\"S\":\"k1\"},\"n\":{\"N\":\"42\"},\"b\":{\"B\":\"AAEC\"},"
                      "\"ok\":{\"BOOL\":true},\"nul\":{\"NULL\":true},"
                      "\"m\":{\"M\":{\"x\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1.5\"}]}}},"
                      "\"ss\":{\"SS\":[\"q\",\"p\"]}}");
    CHECK(ddb_value_equal(out->item, expect));
    size_t blen = 0;
    const unsigned char *b = ddb_value_b(ddb_value_m_get(out->item, "b"), &blen);
    CHECK_INT(blen, 3);
    CHECK(b && b[0] == 0 && b[1] == 1 && b[2] == 2);

    ddb_value_free(expect);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST(get_item_projection_with_reserved_words)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "proj");
    REQUIRE(table);
    /* status, size, name, data and comment are all DynamoDB reserved words. */
    REQUIRE(harness_putf(c, table,
                         "{\"pk\":{\"S\":\"k1\"},\"status\":{\"S\":\"open\"},"
                         "\"size\":{\"N\":\"3\"},"
                         "\"name\":{\"S\":\"n\"},\"comment\":{\"S\":\"hidden\"},"
                         "\"data\":{\"M\":{\"value\":{\"S\":\"inner\"},"
                         "\"other\":{\"S\":\"x\"}}}}") == 0);

    ddb_expr *e = harness_expr();
    CHECK_INT(ddb_expr_project(e, "status"), 0);
    CHECK_INT(ddb_expr_project(e, "size"), 0);
    CHECK_INT(ddb_expr_project(e, "data.value"), 0);
    ddb_expr_result *r = harness_build(e);
    REQUIRE(r->projection_expression);
    CHECK(strstr(r->projection_expression, "status") == NULL); /* only placeholders */

    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k1\"}}");
    ddb_get_item_input in = {
        .table_name = table, .key = key, .projection_expression = r->projection_expression};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names, NULL);
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->item);
    ddb_value *expect = harness_itemf("{\"status\":{\"S\":\"open\"},\"size\":{\"N\":\"3\"},"
                                      "\"data\":{\"M\":{\"value\":{\"S\":\"inner\"}}}}");
    if (!ddb_value_equal(out->item, expect)) {
        char *got = harness_item_json(out->item);
        fprintf(stderr, "projected item: %s\n", got);
        free(got);
        CHECK(!"projection returned the wrong attributes");
    }
    ddb_value_free(expect);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST(get_item_missing_item_is_null)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "missing");
    REQUIRE(table);
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"nobody\"}}");
    ddb_get_item_input in = {.table_name = table, .key = key};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("GetItem", ddb_get_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out);
    CHECK(out->item == NULL);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* ---- PutItem -------------------------------------------------------------------------------- */

TEST(put_item_return_values_all_old)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "putold");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;

    ddb_value *first = harness_itemf("{\"pk\":{\"S\":\"k\"},\"v\":{\"N\":\"1\"}}");
    ddb_put_item_input in = {.table_name = table, .item = first, .return_values = "ALL_OLD"};
    ddb_put_item_output *out = NULL;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out);
    CHECK(out->attributes == NULL); /* nothing was there */
    ddb_put_item_output_free(out);
    out = NULL;

    ddb_value *second = harness_itemf("{\"pk\":{\"S\":\"k\"},\"v\":{\"N\":\"2\"}}");
    in.item = second;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->attributes);
    CHECK(ddb_value_equal(out->attributes, first));
    ddb_put_item_output_free(out);

    ddb_get_item_output *now = get(c, table, "k");
    CHECK(now && ddb_value_equal(now->item, second));
    ddb_get_item_output_free(now);
    ddb_value_free(first);
    ddb_value_free(second);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST(put_item_condition_from_builder)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "putcond");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;

    /* Create only: attribute_not_exists(pk). */
    ddb_expr *e = harness_expr();
    CHECK_INT(ddb_expr_set_condition(e, ddb_cond_not_exists(e, "pk")), 0);
    ddb_expr_result *r = harness_build(e);
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k\"},\"status\":{\"S\":\"new\"}}");
    ddb_put_item_input in = {
        .table_name = table, .item = item, .condition_expression = r->condition_expression};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names,
             &in.expression_attribute_values);
    ddb_put_item_output *out = NULL;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&out, c, &in, &err), &err), 0);
    ddb_put_item_output_free(out);
    out = NULL;
    CHECK_INT(ddb_put_item(&out, c, &in, &err), DDB_ERR_CONDITION_FAILED);
    CHECK(out == NULL);
    CHECK_STR(err.aws_type, "ConditionalCheckFailedException");
    CHECK(err.item == NULL); /* not asked for */
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    /* Replace only when the stored status matches (a value condition on a reserved word). */
    e = harness_expr();
    CHECK_INT(ddb_expr_set_condition(e, ddb_cond_eq_take(e, "status", ddb_expr_val_s(e, "new"))),
              0);
    r = harness_build(e);
    ddb_value *next = harness_itemf("{\"pk\":{\"S\":\"k\"},\"status\":{\"S\":\"paid\"}}");
    ddb_put_item_input upd = {
        .table_name = table, .item = next, .condition_expression = r->condition_expression};
    use_expr(r, &upd.n_expression_attribute_names, &upd.expression_attribute_names,
             &upd.expression_attribute_values);
    CHECK_INT(harness_report("PutItem", ddb_put_item(&out, c, &upd, &err), &err), 0);
    ddb_put_item_output_free(out);
    out = NULL;
    CHECK_INT(ddb_put_item(&out, c, &upd, &err), DDB_ERR_CONDITION_FAILED); /* now "paid" */

    ddb_expr_result_free(r);
    ddb_expr_free(e);
    ddb_value_free(item);
    ddb_value_free(next);
    ddb_error_clear(&err);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST(put_item_condition_failure_returns_old_item)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "putfail");
    REQUIRE(table);
    ddb_value *old = harness_itemf("{\"pk\":{\"S\":\"k\"},\"version\":{\"N\":\"7\"}}");
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k\"},\"version\":{\"N\":\"2\"}}");
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"k\"},\"version\":{\"N\":\"7\"}}") == 0);

    ddb_expr *e = harness_expr();
    ddb_expr_set_condition(e, ddb_cond_eq_take(e, "version", ddb_expr_val_i64(e, 1)));
    ddb_expr_result *r = harness_build(e);
    ddb_put_item_input in = {.table_name = table,
                             .item = item,
                             .condition_expression = r->condition_expression,
                             .return_values_on_condition_check_failure = "ALL_OLD"};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names,
             &in.expression_attribute_values);
    ddb_put_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_put_item(&out, c, &in, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_INT(err.code, DDB_ERR_CONDITION_FAILED);
    CHECK_STR(err.aws_type, "ConditionalCheckFailedException");
    CHECK_INT(err.http_status, 400);
    CHECK(!err.retryable);
    CHECK(err.item && ddb_value_equal(err.item, old));
    CHECK(out == NULL);

    ddb_error_clear(&err);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    ddb_value_free(old);
    ddb_value_free(item);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* ---- UpdateItem ----------------------------------------------------------------------------- */

TEST(update_item_set_remove_add_delete_all_new)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "upd");
    REQUIRE(table);
    REQUIRE(harness_putf(c, table,
                         "{\"pk\":{\"S\":\"k\"},\"name\":{\"S\":\"before\"},"
                         "\"count\":{\"N\":\"1\"},"
                         "\"tags\":{\"SS\":[\"x\",\"y\",\"z\"]},\"obsolete\":{\"S\":\"gone\"},"
                         "\"info\":{\"M\":{\"level\":{\"N\":\"1\"}}}}") == 0);

    ddb_expr *e = harness_expr();
    ddb_expr_update_set_take(e, "name", ddb_expr_val_s(e, "after"));
    ddb_expr_update_set_take(e, "info.level", ddb_expr_val_i64(e, 2));
    ddb_expr_update_remove(e, "obsolete");
    ddb_expr_update_add_take(e, "count", ddb_expr_val_i64(e, 5));
    const char *add[] = {"w"};
    ddb_value *add_set = NULL;
    REQUIRE(ddb_value_new_ss(&add_set, add, 1, NULL) == 0);
    ddb_expr_update_add_take(e, "labels", add_set); /* ADD creates a missing set */
    const char *del[] = {"y"};
    ddb_value *del_set = NULL;
    REQUIRE(ddb_value_new_ss(&del_set, del, 1, NULL) == 0);
    ddb_expr_update_delete_take(e, "tags", del_set);
    ddb_expr_result *r = harness_build(e);
    REQUIRE(r->update_expression);

    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_update_item_input in = {.table_name = table,
                                .key = key,
                                .update_expression = r->update_expression,
                                .return_values = "ALL_NEW"};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names,
             &in.expression_attribute_values);
    ddb_update_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("UpdateItem", ddb_update_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->attributes);
    ddb_value *expect =
        harness_itemf("{\"pk\":{\"S\":\"k\"},\"name\":{\"S\":\"after\"},\"count\":{\"N\":\"6\"},"
                      "\"tags\":{\"SS\":[\"x\",\"z\"]},\"labels\":{\"SS\":[\"w\"]},"
                      "\"info\":{\"M\":{\"level\":{\"N\":\"2\"}}}}");
    if (!ddb_value_equal(out->attributes, expect)) {
        char *got = harness_item_json(out->attributes);
        fprintf(stderr, "ALL_NEW: %s\n", got);
        free(got);
        CHECK(!"ALL_NEW differs");
    }
    /* What was returned is what is stored. */
    ddb_get_item_output *now = get(c, table, "k");
    CHECK(now && ddb_value_equal(now->item, expect));

    ddb_get_item_output_free(now);
    ddb_value_free(expect);
    ddb_update_item_output_free(out);
    ddb_value_free(key);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/*
 * SET views = if_not_exists(views, 0) + 1,
 *     history = list_append(if_not_exists(history, []), [event])
 */
static int bump(ddb_client *c, const char *table, const char *event, ddb_update_item_output **out,
                ddb_error *err)
{
    ddb_expr *e = harness_expr();
    ddb_expr_update_set(
        e, "views",
        ddb_operand_plus(e,
                         ddb_operand_if_not_exists(
                             e, "views", ddb_operand_value_take(e, ddb_expr_val_i64(e, 0))),
                         ddb_operand_value_take(e, ddb_expr_val_i64(e, 1))));
    ddb_value *empty = NULL, *one = harness_valuef("{\"L\":[{\"S\":\"%s\"}]}", event);
    ddb_value_new_l(&empty, NULL);
    ddb_expr_update_set(
        e, "history",
        ddb_operand_list_append(
            e, ddb_operand_if_not_exists(e, "history", ddb_operand_value_take(e, empty)),
            ddb_operand_value_take(e, one)));
    ddb_expr_result *r = harness_build(e);
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"counter\"}}");
    ddb_update_item_input in = {.table_name = table,
                                .key = key,
                                .update_expression = r->update_expression,
                                .return_values = "UPDATED_NEW"};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names,
             &in.expression_attribute_values);
    int rc = ddb_update_item(out, c, &in, err);
    ddb_value_free(key);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    return rc;
}

TEST(update_item_if_not_exists_list_append_updated_new)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "updnew");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;
    ddb_update_item_output *out = NULL;

    /* First call: neither attribute exists, so both fallbacks are used (and the item created). */
    CHECK_INT(harness_report("UpdateItem", bump(c, table, "e1", &out, &err), &err), 0);
    REQUIRE(out && out->attributes);
    ddb_value *expect =
        harness_itemf("{\"views\":{\"N\":\"1\"},\"history\":{\"L\":[{\"S\":\"e1\"}]}}");
    CHECK(ddb_value_equal(out->attributes, expect));
    ddb_value_free(expect);
    ddb_update_item_output_free(out);
    out = NULL;

    /* Second call: the stored values are used; UPDATED_NEW has only the updated attributes. */
    CHECK_INT(harness_report("UpdateItem", bump(c, table, "e2", &out, &err), &err), 0);
    REQUIRE(out && out->attributes);
    expect = harness_itemf(
        "{\"views\":{\"N\":\"2\"},\"history\":{\"L\":[{\"S\":\"e1\"},{\"S\":\"e2\"}]}}");
    CHECK(ddb_value_equal(out->attributes, expect));
    CHECK(ddb_value_m_get(out->attributes, "pk") == NULL);
    ddb_value_free(expect);
    ddb_update_item_output_free(out);

    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST(update_item_condition_failure_returns_old_item)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "updfail");
    REQUIRE(table);
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"k\"},\"version\":{\"N\":\"3\"}}") == 0);

    /* Optimistic locking: SET version = :next IF version = :expected (stale). */
    ddb_expr *e = harness_expr();
    ddb_expr_update_set_take(e, "version", ddb_expr_val_i64(e, 3));
    ddb_expr_set_condition(e, ddb_cond_eq_take(e, "version", ddb_expr_val_i64(e, 2)));
    ddb_expr_result *r = harness_build(e);
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_update_item_input in = {.table_name = table,
                                .key = key,
                                .update_expression = r->update_expression,
                                .condition_expression = r->condition_expression,
                                .return_values_on_condition_check_failure = "ALL_OLD"};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names,
             &in.expression_attribute_values);
    ddb_update_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_update_item(&out, c, &in, &err), DDB_ERR_CONDITION_FAILED);
    CHECK(out == NULL);
    CHECK(err.item && harness_attr_is_n(err.item, "version", 3) &&
          harness_attr_is_s(err.item, "pk", "k"));

    ddb_error_clear(&err);
    ddb_value_free(key);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* ---- DeleteItem ----------------------------------------------------------------------------- */

TEST(delete_item_return_values_all_old)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "del");
    REQUIRE(table);
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"k\"},\"v\":{\"S\":\"x\"}}") == 0);

    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_delete_item_input in = {.table_name = table, .key = key, .return_values = "ALL_OLD"};
    ddb_delete_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("DeleteItem", ddb_delete_item(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->attributes);
    CHECK(harness_attr_is_s(out->attributes, "v", "x"));
    ddb_delete_item_output_free(out);
    out = NULL;

    ddb_get_item_output *now = get(c, table, "k");
    CHECK(now && now->item == NULL);
    ddb_get_item_output_free(now);

    /* Deleting again succeeds and returns nothing. */
    CHECK_INT(harness_report("DeleteItem", ddb_delete_item(&out, c, &in, &err), &err), 0);
    CHECK(out && out->attributes == NULL);
    ddb_delete_item_output_free(out);

    ddb_value_free(key);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST(delete_item_condition_failure_returns_old_item)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "delfail");
    REQUIRE(table);
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"k\"},\"state\":{\"S\":\"active\"}}") == 0);

    ddb_expr *e = harness_expr();
    ddb_expr_set_condition(e, ddb_cond_eq_take(e, "state", ddb_expr_val_s(e, "closed")));
    ddb_expr_result *r = harness_build(e);
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_delete_item_input in = {.table_name = table,
                                .key = key,
                                .condition_expression = r->condition_expression,
                                .return_values_on_condition_check_failure = "ALL_OLD"};
    use_expr(r, &in.n_expression_attribute_names, &in.expression_attribute_names,
             &in.expression_attribute_values);
    ddb_delete_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_delete_item(&out, c, &in, &err), DDB_ERR_CONDITION_FAILED);
    CHECK(err.item && harness_attr_is_s(err.item, "state", "active"));
    ddb_error_clear(&err);

    ddb_get_item_output *now = get(c, table, "k");
    CHECK(now && now->item != NULL); /* still there */
    ddb_get_item_output_free(now);

    ddb_value_free(key);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* ---- consumed capacity ---------------------------------------------------------------------- */

TEST(consumed_capacity_total)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "cap");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k\"},\"v\":{\"S\":\"x\"}}");
    ddb_put_item_input put = {
        .table_name = table, .item = item, .return_consumed_capacity = "TOTAL"};
    ddb_put_item_output *pout = NULL;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&pout, c, &put, &err), &err), 0);
    REQUIRE(pout && pout->consumed_capacity);
    CHECK_STR(pout->consumed_capacity->table_name, table);
    CHECK(pout->consumed_capacity->has_capacity_units);
    CHECK(pout->consumed_capacity->capacity_units >= 1.0); /* 1 WCU for an item under 1 KB */
    ddb_put_item_output_free(pout);

    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_get_item_input get_in = {.table_name = table,
                                 .key = key,
                                 .has_consistent_read = true,
                                 .consistent_read = true,
                                 .return_consumed_capacity = "TOTAL"};
    ddb_get_item_output *gout = NULL;
    CHECK_INT(harness_report("GetItem", ddb_get_item(&gout, c, &get_in, &err), &err), 0);
    REQUIRE(gout && gout->consumed_capacity);
    CHECK(gout->consumed_capacity->capacity_units > 0); /* 1 RCU strongly consistent */

    /* Without asking, none is returned. */
    ddb_get_item_output *plain = NULL;
    get_in.return_consumed_capacity = NULL;
    CHECK_INT(harness_report("GetItem", ddb_get_item(&plain, c, &get_in, &err), &err), 0);
    CHECK(plain && plain->consumed_capacity == NULL);

    ddb_get_item_output_free(plain);
    ddb_get_item_output_free(gout);
    ddb_value_free(key);
    ddb_value_free(item);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* A table pk/sk with one GSI "by_owner" (owner, sk), for the INDEXES breakdown. */
static char *new_gsi_table(ddb_client *c, const char *prefix)
{
    char *table = harness_table_name(prefix);
    ddb_attribute_definition defs[] = {{"pk", "S"}, {"sk", "S"}, {"owner", "S"}};
    ddb_key_schema_element keys[] = {{"pk", "HASH"}, {"sk", "RANGE"}};
    ddb_key_schema_element gsi_keys[] = {{"owner", "HASH"}, {"sk", "RANGE"}};
    ddb_projection all = {.projection_type = "ALL"};
    ddb_global_secondary_index gsi = {
        .index_name = "by_owner", .n_key_schema = 2, .key_schema = gsi_keys, .projection = &all};
    ddb_create_table_input in = {.table_name = table,
                                 .n_attribute_definitions = 3,
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
    return table;
}

TEST(consumed_capacity_indexes)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_gsi_table(c, "capidx");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item =
        harness_itemf("{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"1\"},\"owner\":{\"S\":\"ann\"}}");
    ddb_put_item_input put = {
        .table_name = table, .item = item, .return_consumed_capacity = "INDEXES"};
    ddb_put_item_output *pout = NULL;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&pout, c, &put, &err), &err), 0);
    REQUIRE(pout && pout->consumed_capacity);
    const ddb_consumed_capacity *cc = pout->consumed_capacity;
    CHECK(cc->capacity_units > 0);
    CHECK(cc->table && cc->table->has_capacity_units && cc->table->capacity_units > 0);
    REQUIRE(cc->n_global_secondary_indexes == 1);
    CHECK_STR(cc->global_secondary_indexes[0].key, "by_owner");
    CHECK(cc->global_secondary_indexes[0].value.capacity_units > 0);
    /* The total is the table's share plus the index's. */
    CHECK(cc->capacity_units >=
          cc->table->capacity_units + cc->global_secondary_indexes[0].value.capacity_units - 1e-9);
    ddb_put_item_output_free(pout);

    /* A Query on the index charges the index. */
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "owner", ddb_expr_val_s(e, "ann")));
    ddb_expr_result *r = harness_build(e);
    ddb_query_input q = {.table_name = table,
                         .index_name = "by_owner",
                         .key_condition_expression = r->key_condition_expression,
                         .return_consumed_capacity = "INDEXES"};
    use_expr(r, &q.n_expression_attribute_names, &q.expression_attribute_names,
             &q.expression_attribute_values);
    ddb_query_output *qout = NULL;
    CHECK_INT(harness_report("Query", ddb_query(&qout, c, &q, &err), &err), 0);
    REQUIRE(qout && qout->consumed_capacity);
    CHECK_INT(qout->n_items, 1);
    CHECK(qout->consumed_capacity->capacity_units > 0);
    CHECK_INT(qout->consumed_capacity->n_global_secondary_indexes, 1);
    if (qout->consumed_capacity->n_global_secondary_indexes == 1)
        CHECK_STR(qout->consumed_capacity->global_secondary_indexes[0].key, "by_owner");
    ddb_query_output_free(qout);

    ddb_expr_result_free(r);
    ddb_expr_free(e);
    ddb_value_free(item);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

typedef struct events {
    int n;
    char operation[32];
    double consumed_capacity;
    int error_code;
} events;

static void on_event(void *ctx, const ddb_event *ev)
{
    events *e = ctx;
    e->n++;
    snprintf(e->operation, sizeof(e->operation), "%s", ev->operation);
    e->consumed_capacity = ev->consumed_capacity;
    e->error_code = ev->error_code;
}

TEST(event_hook_reports_consumed_capacity)
{
    events seen = {0};
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.on_event = on_event;
    opts.event_ctx = &seen;
    ddb_client *c = harness_client(&opts);
    char *table = new_table(c, "capev");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;

    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_put_item_input put = {
        .table_name = table, .item = item, .return_consumed_capacity = "TOTAL"};
    ddb_put_item_output *pout = NULL;
    seen.n = 0;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&pout, c, &put, &err), &err), 0);
    CHECK_INT(seen.n, 1);
    CHECK_STR(seen.operation, "PutItem");
    REQUIRE(pout && pout->consumed_capacity);
    CHECK(seen.consumed_capacity > 0);
    CHECK(seen.consumed_capacity == pout->consumed_capacity->capacity_units);
    ddb_put_item_output_free(pout);

    /* BatchGetItem returns a list of ConsumedCapacity: the event has their sum. */
    const ddb_value *keys[1] = {item};
    ddb_batch_get_request_map_entry req = {.key = table, .value = {.n_keys = 1, .keys = keys}};
    ddb_batch_get_item_input bin = {
        .n_request_items = 1, .request_items = &req, .return_consumed_capacity = "TOTAL"};
    ddb_batch_get_item_output *bout = NULL;
    CHECK_INT(harness_report("BatchGetItem", ddb_batch_get_item(&bout, c, &bin, &err), &err), 0);
    CHECK_STR(seen.operation, "BatchGetItem");
    REQUIRE(bout && bout->n_consumed_capacity == 1);
    CHECK(seen.consumed_capacity > 0);
    CHECK(seen.consumed_capacity == bout->consumed_capacity[0].capacity_units);
    ddb_batch_get_item_output_free(bout);

    /* Not asked for: the event says 0. */
    put.return_consumed_capacity = NULL;
    pout = NULL;
    CHECK_INT(harness_report("PutItem", ddb_put_item(&pout, c, &put, &err), &err), 0);
    CHECK(seen.consumed_capacity == 0);
    ddb_put_item_output_free(pout);

    ddb_value_free(item);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* ---- error paths ---------------------------------------------------------------------------- */

TEST(missing_table_is_resource_not_found)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("never_created");
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_get_item_input in = {.table_name = table, .key = key};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_get_item(&out, c, &in, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK(out == NULL);
    CHECK_INT(err.code, DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_STR(err.aws_type, "ResourceNotFoundException");
    CHECK_INT(err.http_status, 400);
    CHECK(err.request_id[0] != '\0');
    CHECK(!err.retryable);
    CHECK_CONTAINS(err.message, "ResourceNotFoundException");
    ddb_error_clear(&err);
    ddb_value_free(key);
    free(table);
    ddb_client_free(c);
}

TEST(validation_error_names_problem)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_table(c, "valid");
    REQUIRE(table);
    ddb_error err = DDB_ERROR_INIT;

    /* An item without its partition key. */
    ddb_value *item = harness_itemf("{\"other\":{\"S\":\"x\"}}");
    ddb_put_item_input in = {.table_name = table, .item = item};
    ddb_put_item_output *out = NULL;
    CHECK_INT(ddb_put_item(&out, c, &in, &err), DDB_ERR_VALIDATION);
    CHECK(out == NULL);
    CHECK_INT(err.code, DDB_ERR_VALIDATION);
    CHECK_STR(err.aws_type, "ValidationException");
    CHECK_INT(err.http_status, 400);
    CHECK(err.request_id[0] != '\0');
    CHECK_CONTAINS(err.message, "required keys");

    /* An expression value nothing refers to: the message names it. */
    ddb_value *good = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_value *unused = harness_itemf("{\":unused\":{\"S\":\"x\"}}");
    ddb_put_item_input extra = {.table_name = table,
                                .item = good,
                                .condition_expression = "attribute_not_exists(pk)",
                                .expression_attribute_values = unused};
    CHECK_INT(ddb_put_item(&out, c, &extra, &err), DDB_ERR_VALIDATION);
    CHECK_CONTAINS(err.message, ":unused");
    ddb_value_free(good);
    ddb_value_free(unused);

    /* A key of the wrong type. */
    ddb_value *bad_key = harness_itemf("{\"pk\":{\"N\":\"1\"}}");
    ddb_get_item_input get_in = {.table_name = table, .key = bad_key};
    ddb_get_item_output *gout = NULL;
    CHECK_INT(ddb_get_item(&gout, c, &get_in, &err), DDB_ERR_VALIDATION);
    CHECK_CONTAINS(err.message, "key");

    /* A Query whose key condition does not name the partition key. */
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "other", ddb_expr_val_s(e, "x")));
    ddb_expr_result *r = harness_build(e);
    ddb_query_input q = {.table_name = table,
                         .key_condition_expression = r->key_condition_expression};
    use_expr(r, &q.n_expression_attribute_names, &q.expression_attribute_names,
             &q.expression_attribute_values);
    ddb_query_output *qout = NULL;
    CHECK_INT(ddb_query(&qout, c, &q, &err), DDB_ERR_VALIDATION);
    CHECK_CONTAINS(err.message, "key schema element");

    ddb_error_clear(&err);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    ddb_value_free(bad_key);
    ddb_value_free(item);
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST_MAIN(CASE(get_item_consistent_read), CASE(get_item_projection_with_reserved_words),
          CASE(get_item_missing_item_is_null), CASE(put_item_return_values_all_old),
          CASE(put_item_condition_from_builder), CASE(put_item_condition_failure_returns_old_item),
          CASE(update_item_set_remove_add_delete_all_new),
          CASE(update_item_if_not_exists_list_append_updated_new),
          CASE(update_item_condition_failure_returns_old_item),
          CASE(delete_item_return_values_all_old),
          CASE(delete_item_condition_failure_returns_old_item), CASE(consumed_capacity_total),
          CASE(consumed_capacity_indexes), CASE(event_hook_reports_consumed_capacity),
          CASE(missing_table_is_resource_not_found), CASE(validation_error_names_problem))
