/*
 * Table operations against DynamoDB Local: CreateTable with a GSI and an LSI, DescribeTable,
 * UpdateTable (a new GSI, provisioned throughput, a stream), DeleteTable, ListTables page by page,
 * the TTL settings, and the waiters.
 */
#include <stdlib.h>
#include <string.h>

#include "support/items.h"
#include "support/test_clock.h"
#include "test.h"
#include "wire/client_internal.h"

static ddb_describe_table_output *describe(ddb_client *c, const char *table)
{
    ddb_describe_table_input in = {.table_name = table};
    ddb_describe_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    harness_report("DescribeTable", ddb_describe_table(&out, c, &in, &err), &err);
    ddb_error_clear(&err);
    return out;
}

static const char *key_attr(const ddb_key_schema_element *ks, size_t n, const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (ks[i].key_type && strcmp(ks[i].key_type, type) == 0)
            return ks[i].attribute_name;
    return NULL;
}

static void drop(ddb_client *c, char *table)
{
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
}

/* ---- CreateTable / DescribeTable ------------------------------------------------------------ */

TEST(create_table_with_gsi_and_lsi)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("ctidx");
    ddb_attribute_definition defs[] = {{"pk", "S"}, {"sk", "S"}, {"created", "N"}, {"email", "S"}};
    ddb_key_schema_element keys[] = {{"pk", "HASH"}, {"sk", "RANGE"}};
    ddb_key_schema_element lsi_keys[] = {{"pk", "HASH"}, {"created", "RANGE"}};
    ddb_key_schema_element gsi_keys[] = {{"email", "HASH"}};
    const char *included[] = {"name"};
    ddb_projection keys_only = {.projection_type = "KEYS_ONLY"};
    ddb_projection include = {
        .projection_type = "INCLUDE", .n_non_key_attributes = 1, .non_key_attributes = included};
    ddb_local_secondary_index lsi = {.index_name = "by_created",
                                     .n_key_schema = 2,
                                     .key_schema = lsi_keys,
                                     .projection = &keys_only};
    ddb_global_secondary_index gsi = {.index_name = "by_email",
                                      .n_key_schema = 1,
                                      .key_schema = gsi_keys,
                                      .projection = &include};
    ddb_create_table_input in = {.table_name = table,
                                 .n_attribute_definitions = 4,
                                 .attribute_definitions = defs,
                                 .n_key_schema = 2,
                                 .key_schema = keys,
                                 .n_local_secondary_indexes = 1,
                                 .local_secondary_indexes = &lsi,
                                 .n_global_secondary_indexes = 1,
                                 .global_secondary_indexes = &gsi,
                                 .billing_mode = "PAY_PER_REQUEST"};
    ddb_create_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("CreateTable", ddb_create_table(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->table_description);
    CHECK_STR(out->table_description->table_name, table);
    CHECK(out->table_description->table_status != NULL);
    ddb_create_table_output_free(out);
    CHECK_INT(harness_report("wait", ddb_table_wait_active(c, table, 60000, &err), &err), 0);

    /* Creating it again is ResourceInUseException. */
    out = NULL;
    CHECK_INT(ddb_create_table(&out, c, &in, &err), DDB_ERR_RESOURCE_IN_USE);
    CHECK_STR(err.aws_type, "ResourceInUseException");
    ddb_error_clear(&err);

    ddb_describe_table_output *d = describe(c, table);
    REQUIRE(d && d->table);
    const ddb_table_description *t = d->table;
    CHECK_STR(t->table_status, "ACTIVE");
    CHECK_INT(t->n_attribute_definitions, 4);
    CHECK_STR(key_attr(t->key_schema, t->n_key_schema, "HASH"), "pk");
    CHECK_STR(key_attr(t->key_schema, t->n_key_schema, "RANGE"), "sk");
    REQUIRE(t->n_local_secondary_indexes == 1);
    const ddb_local_secondary_index_description *l = &t->local_secondary_indexes[0];
    CHECK_STR(l->index_name, "by_created");
    CHECK_STR(key_attr(l->key_schema, l->n_key_schema, "RANGE"), "created");
    CHECK(l->projection && l->projection->projection_type &&
          strcmp(l->projection->projection_type, "KEYS_ONLY") == 0);
    REQUIRE(t->n_global_secondary_indexes == 1);
    const ddb_global_secondary_index_description *g = &t->global_secondary_indexes[0];
    CHECK_STR(g->index_name, "by_email");
    CHECK_STR(g->index_status, "ACTIVE");
    CHECK_STR(key_attr(g->key_schema, g->n_key_schema, "HASH"), "email");
    REQUIRE(g->projection);
    CHECK_STR(g->projection->projection_type, "INCLUDE");
    CHECK(g->projection->n_non_key_attributes == 1 &&
          strcmp(g->projection->non_key_attributes[0], "name") == 0);
    ddb_describe_table_output_free(d);

    /* Both indexes answer queries. */
    REQUIRE(harness_putf(c, table,
                         "{\"pk\":{\"S\":\"u\"},\"sk\":{\"S\":\"1\"},\"created\":{\"N\":\"5\"},"
                         "\"email\":{\"S\":\"a@example.com\"},\"name\":{\"S\":\"Ann\"},"
                         "\"secret\":{\"S\":\"s\"}}") == 0);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(
        e, ddb_cond_and(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "u")),
                        ddb_cond_cmp_take(e, "created", DDB_CMP_LT, ddb_expr_val_i64(e, 10))));
    ddb_expr_result *r = harness_build(e);
    ddb_query_input q = {.table_name = table,
                         .index_name = "by_created",
                         .key_condition_expression = r->key_condition_expression,
                         .n_expression_attribute_names = r->n_expression_attribute_names,
                         .expression_attribute_names = r->expression_attribute_names,
                         .expression_attribute_values = r->expression_attribute_values};
    ddb_query_output *qout = NULL;
    CHECK_INT(harness_report("Query LSI", ddb_query(&qout, c, &q, &err), &err), 0);
    CHECK(qout && qout->n_items == 1);
    ddb_query_output_free(qout);
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "email", ddb_expr_val_s(e, "a@example.com")));
    r = harness_build(e);
    q = (ddb_query_input){.table_name = table,
                          .index_name = "by_email",
                          .key_condition_expression = r->key_condition_expression,
                          .n_expression_attribute_names = r->n_expression_attribute_names,
                          .expression_attribute_names = r->expression_attribute_names,
                          .expression_attribute_values = r->expression_attribute_values};
    qout = NULL;
    CHECK_INT(harness_report("Query GSI", ddb_query(&qout, c, &q, &err), &err), 0);
    REQUIRE(qout && qout->n_items == 1);
    CHECK(harness_attr_is_s(qout->items[0], "name", "Ann"));  /* included */
    CHECK(ddb_value_m_get(qout->items[0], "secret") == NULL); /* not projected */
    ddb_query_output_free(qout);
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    drop(c, table);
    ddb_client_free(c);
}

TEST(describe_table_reports_schema_and_metadata)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("desc");
    REQUIRE(harness_create_table(c, table, "id", "N", NULL, NULL) == 0);
    REQUIRE(harness_putf(c, table, "{\"id\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}") == 0);
    ddb_describe_table_output *d = describe(c, table);
    REQUIRE(d && d->table);
    const ddb_table_description *t = d->table;
    CHECK_STR(t->table_name, table);
    CHECK_STR(t->table_status, "ACTIVE");
    CHECK(t->table_arn && strstr(t->table_arn, table) != NULL);
    CHECK(t->has_creation_date_time && t->creation_date_time > 1.5e9);
    REQUIRE(t->n_attribute_definitions == 1);
    CHECK_STR(t->attribute_definitions[0].attribute_name, "id");
    CHECK_STR(t->attribute_definitions[0].attribute_type, "N");
    CHECK_INT(t->n_key_schema, 1);
    CHECK(t->billing_mode_summary && t->billing_mode_summary->billing_mode &&
          strcmp(t->billing_mode_summary->billing_mode, "PAY_PER_REQUEST") == 0);
    CHECK(t->has_item_count);
    CHECK_INT(t->n_global_secondary_indexes, 0);
    ddb_describe_table_output_free(d);
    drop(c, table);
    ddb_client_free(c);
}

/* ---- UpdateTable ---------------------------------------------------------------------------- */

TEST(update_table_adds_gsi)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("utgsi");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    for (int i = 0; i < 4; i++)
        REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"k%d\"},\"color\":{\"S\":\"%s\"}}", i,
                             i % 2 ? "red" : "blue") == 0);

    ddb_attribute_definition defs[] = {{"color", "S"}};
    ddb_key_schema_element gsi_keys[] = {{"color", "HASH"}};
    ddb_projection all = {.projection_type = "ALL"};
    ddb_create_global_secondary_index_action create = {
        .index_name = "by_color", .n_key_schema = 1, .key_schema = gsi_keys, .projection = &all};
    ddb_global_secondary_index_update upd = {.create = &create};
    ddb_update_table_input in = {.table_name = table,
                                 .n_attribute_definitions = 1,
                                 .attribute_definitions = defs,
                                 .n_global_secondary_index_updates = 1,
                                 .global_secondary_index_updates = &upd};
    ddb_update_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("UpdateTable", ddb_update_table(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->table_description);
    CHECK_INT(out->table_description->n_global_secondary_indexes, 1);
    ddb_update_table_output_free(out);
    /* The waiter also waits for new indexes to leave CREATING. */
    CHECK_INT(harness_report("wait", ddb_table_wait_active(c, table, 60000, &err), &err), 0);

    ddb_describe_table_output *d = describe(c, table);
    REQUIRE(d && d->table && d->table->n_global_secondary_indexes == 1);
    CHECK_STR(d->table->global_secondary_indexes[0].index_name, "by_color");
    CHECK_STR(d->table->global_secondary_indexes[0].index_status, "ACTIVE");
    ddb_describe_table_output_free(d);

    /* The index holds the items written before it existed. */
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "color", ddb_expr_val_s(e, "red")));
    ddb_expr_result *r = harness_build(e);
    ddb_query_input q = {.table_name = table,
                         .index_name = "by_color",
                         .key_condition_expression = r->key_condition_expression,
                         .n_expression_attribute_names = r->n_expression_attribute_names,
                         .expression_attribute_names = r->expression_attribute_names,
                         .expression_attribute_values = r->expression_attribute_values};
    ddb_query_output *qout = NULL;
    CHECK_INT(harness_report("Query", ddb_query(&qout, c, &q, &err), &err), 0);
    CHECK(qout && qout->n_items == 2);
    ddb_query_output_free(qout);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    drop(c, table);
    ddb_client_free(c);
}

TEST(update_table_billing_mode_to_provisioned)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("utbill");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    ddb_provisioned_throughput pt = {.has_read_capacity_units = true,
                                     .read_capacity_units = 7,
                                     .has_write_capacity_units = true,
                                     .write_capacity_units = 3};
    ddb_update_table_input in = {
        .table_name = table, .billing_mode = "PROVISIONED", .provisioned_throughput = &pt};
    ddb_update_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("UpdateTable", ddb_update_table(&out, c, &in, &err), &err), 0);
    ddb_update_table_output_free(out);
    CHECK_INT(harness_report("wait", ddb_table_wait_active(c, table, 60000, &err), &err), 0);

    ddb_describe_table_output *d = describe(c, table);
    REQUIRE(d && d->table && d->table->provisioned_throughput);
    CHECK_INT(d->table->provisioned_throughput->read_capacity_units, 7);
    CHECK_INT(d->table->provisioned_throughput->write_capacity_units, 3);
    CHECK(d->table->billing_mode_summary && d->table->billing_mode_summary->billing_mode &&
          strcmp(d->table->billing_mode_summary->billing_mode, "PROVISIONED") == 0);
    ddb_describe_table_output_free(d);
    drop(c, table);
    ddb_client_free(c);
}

TEST(update_table_stream_specification)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("utstream");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    ddb_stream_specification spec = {.has_stream_enabled = true,
                                     .stream_enabled = true,
                                     .stream_view_type = "NEW_AND_OLD_IMAGES"};
    ddb_update_table_input in = {.table_name = table, .stream_specification = &spec};
    ddb_update_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("UpdateTable", ddb_update_table(&out, c, &in, &err), &err), 0);
    ddb_update_table_output_free(out);
    CHECK_INT(harness_report("wait", ddb_table_wait_active(c, table, 60000, &err), &err), 0);

    ddb_describe_table_output *d = describe(c, table);
    REQUIRE(d && d->table);
    REQUIRE(d->table->stream_specification);
    CHECK(d->table->stream_specification->has_stream_enabled &&
          d->table->stream_specification->stream_enabled);
    CHECK_STR(d->table->stream_specification->stream_view_type, "NEW_AND_OLD_IMAGES");
    CHECK(d->table->latest_stream_arn != NULL);
    CHECK(d->table->latest_stream_label != NULL);
    ddb_describe_table_output_free(d);
    drop(c, table);
    ddb_client_free(c);
}

/* ---- DeleteTable ---------------------------------------------------------------------------- */

TEST(delete_table_then_it_is_gone)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("dt");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    ddb_delete_table_input in = {.table_name = table};
    ddb_delete_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("DeleteTable", ddb_delete_table(&out, c, &in, &err), &err), 0);
    REQUIRE(out && out->table_description);
    CHECK_STR(out->table_description->table_name, table);
    ddb_delete_table_output_free(out);
    CHECK_INT(harness_report("wait", ddb_table_wait_deleted(c, table, 60000, &err), &err), 0);

    ddb_describe_table_input din = {.table_name = table};
    ddb_describe_table_output *d = NULL;
    CHECK_INT(ddb_describe_table(&d, c, &din, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK(d == NULL);
    out = NULL;
    CHECK_INT(ddb_delete_table(&out, c, &in, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    ddb_error_clear(&err);
    free(table);
    ddb_client_free(c);
}

/* ---- ListTables ----------------------------------------------------------------------------- */

TEST(list_tables_paginated_with_limit)
{
    ddb_client *c = harness_client(NULL);
    enum { N = 5 };
    char *tables[N];
    for (int i = 0; i < N; i++) {
        tables[i] = harness_table_name("lt");
        REQUIRE(harness_create_table(c, tables[i], "pk", "S", NULL, NULL) == 0);
    }

    int seen[N] = {0};
    int pages = 0;
    char *start = NULL;
    ddb_error err = DDB_ERROR_INIT;
    char previous[256] = "";
    for (;;) {
        ddb_list_tables_input in = {
            .exclusive_start_table_name = start, .has_limit = true, .limit = 2};
        ddb_list_tables_output *out = NULL;
        int rc = harness_report("ListTables", ddb_list_tables(&out, c, &in, &err), &err);
        free(start);
        start = NULL;
        CHECK_INT(rc, 0);
        if (rc)
            break;
        pages++;
        CHECK(out->n_table_names <= 2);
        for (size_t i = 0; i < out->n_table_names; i++) {
            /* Names come in ascending order, across pages too. */
            CHECK(strcmp(previous, out->table_names[i]) < 0);
            snprintf(previous, sizeof(previous), "%s", out->table_names[i]);
            for (int k = 0; k < N; k++)
                if (strcmp(out->table_names[i], tables[k]) == 0)
                    seen[k]++;
        }
        if (out->last_evaluated_table_name)
            start = strdup(out->last_evaluated_table_name);
        ddb_list_tables_output_free(out);
        if (!start || pages > 1000)
            break;
    }
    CHECK(pages >= 3); /* five tables at least, two per page */
    for (int k = 0; k < N; k++)
        CHECK_INT(seen[k], 1);

    /* No input at all is allowed and lists from the start. */
    ddb_list_tables_output *all = NULL;
    CHECK_INT(harness_report("ListTables", ddb_list_tables(&all, c, NULL, &err), &err), 0);
    CHECK(all && all->n_table_names >= N);
    ddb_list_tables_output_free(all);

    for (int i = 0; i < N; i++)
        drop(c, tables[i]);
    ddb_client_free(c);
}

/* ---- TTL ------------------------------------------------------------------------------------ */

static ddb_describe_time_to_live_output *describe_ttl(ddb_client *c, const char *table)
{
    ddb_describe_time_to_live_input in = {.table_name = table};
    ddb_describe_time_to_live_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    harness_report("DescribeTimeToLive", ddb_describe_time_to_live(&out, c, &in, &err), &err);
    ddb_error_clear(&err);
    return out;
}

TEST(time_to_live_settings_round_trip)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("ttl");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);

    ddb_describe_time_to_live_output *d = describe_ttl(c, table);
    REQUIRE(d && d->time_to_live_description);
    CHECK_STR(d->time_to_live_description->time_to_live_status, "DISABLED");
    ddb_describe_time_to_live_output_free(d);

    ddb_time_to_live_specification spec = {
        .has_enabled = true, .enabled = true, .attribute_name = "expires_at"};
    ddb_update_time_to_live_input in = {.table_name = table, .time_to_live_specification = &spec};
    ddb_update_time_to_live_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(harness_report("UpdateTimeToLive", ddb_update_time_to_live(&out, c, &in, &err), &err),
              0);
    REQUIRE(out && out->time_to_live_specification);
    CHECK(out->time_to_live_specification->has_enabled && out->time_to_live_specification->enabled);
    CHECK_STR(out->time_to_live_specification->attribute_name, "expires_at");
    ddb_update_time_to_live_output_free(out);

    d = describe_ttl(c, table);
    REQUIRE(d && d->time_to_live_description);
    const char *status = d->time_to_live_description->time_to_live_status;
    CHECK(status && (strcmp(status, "ENABLED") == 0 || strcmp(status, "ENABLING") == 0));
    CHECK_STR(d->time_to_live_description->attribute_name, "expires_at");
    ddb_describe_time_to_live_output_free(d);

    /* Enabling it again is a ValidationException that says so. */
    out = NULL;
    CHECK_INT(ddb_update_time_to_live(&out, c, &in, &err), DDB_ERR_VALIDATION);
    CHECK_CONTAINS(err.message, "already enabled");

    spec.enabled = false;
    CHECK_INT(harness_report("UpdateTimeToLive", ddb_update_time_to_live(&out, c, &in, &err), &err),
              0);
    CHECK(out && out->time_to_live_specification && !out->time_to_live_specification->enabled);
    ddb_update_time_to_live_output_free(out);
    d = describe_ttl(c, table);
    REQUIRE(d && d->time_to_live_description);
    status = d->time_to_live_description->time_to_live_status;
    CHECK(status && (strcmp(status, "DISABLED") == 0 || strcmp(status, "DISABLING") == 0));
    ddb_describe_time_to_live_output_free(d);
    ddb_error_clear(&err);
    drop(c, table);
    ddb_client_free(c);
}

/* ---- waiters -------------------------------------------------------------------------------- */

TEST(waiter_active_returns_at_once_for_active_table)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("wact");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    ddb_error err = DDB_ERROR_INIT;
    /* "At once": one look, no pause; counted on the client's clock, not timed. */
    test_clock k;
    test_clock_attach(&k, TEST_CLOCK_MANUAL, c);
    double t0 = test_clock_now(&k);
    CHECK_INT(harness_report("wait", ddb_table_wait_active(c, table, 5000, &err), &err), 0);
    CHECK_INT(test_clock_sleeps(&k), 0);
    CHECK(test_clock_now(&k) == t0);
    ddb_client__set_clock(c, NULL);
    test_clock_destroy(&k);
    drop(c, table);
    ddb_client_free(c);
}

TEST(waiter_active_on_missing_table_is_not_found)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("wmissing");
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_table_wait_active(c, table, 2000, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_STR(err.aws_type, "ResourceNotFoundException");
    /* ...which is exactly what wait_deleted waits for. */
    CHECK_INT(harness_report("wait", ddb_table_wait_deleted(c, table, 2000, &err), &err), 0);
    CHECK_INT(err.code, 0);
    ddb_error_clear(&err);
    free(table);
    ddb_client_free(c);
}

TEST(waiter_deleted_times_out_on_existing_table)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("wtimeout");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    ddb_error err = DDB_ERROR_INIT;
    /*
     * On a clock that only the waiter's own pauses move: it looks at 0, pauses 50 ms, looks at
     * 50, pauses 100 ms, looks at 150, and gives up rather than pause 200 ms past its 300 ms.
     */
    test_clock k;
    test_clock_attach(&k, TEST_CLOCK_MANUAL, c);
    double t0 = test_clock_now(&k);
    CHECK_INT(ddb_table_wait_deleted(c, table, 300, &err), DDB_ERR_WAITER_TIMEOUT);
    CHECK_INT(test_clock_sleeps(&k), 2);
    CHECK(test_clock_sleep_at(&k, 0) == 50 && test_clock_sleep_at(&k, 1) == 100);
    CHECK(test_clock_now(&k) - t0 == 150);
    ddb_client__set_clock(c, NULL);
    test_clock_destroy(&k);
    CHECK_CONTAINS(err.message, table);
    CHECK_CONTAINS(err.message, "300 ms");
    ddb_error_clear(&err);
    drop(c, table);
    ddb_client_free(c);
}

TEST_MAIN(CASE(create_table_with_gsi_and_lsi), CASE(describe_table_reports_schema_and_metadata),
          CASE(update_table_adds_gsi), CASE(update_table_billing_mode_to_provisioned),
          CASE(update_table_stream_specification), CASE(delete_table_then_it_is_gone),
          CASE(list_tables_paginated_with_limit), CASE(time_to_live_settings_round_trip),
          CASE(waiter_active_returns_at_once_for_active_table),
          CASE(waiter_active_on_missing_table_is_not_found),
          CASE(waiter_deleted_times_out_on_existing_table))
