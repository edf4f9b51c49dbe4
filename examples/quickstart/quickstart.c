/*
 * quickstart: a tour of libddbkit against whatever DynamoDB the AWS_* settings point at (the
 * demo points it at DynamoDB Local). It creates a table of orders, loads it in batches, pages
 * through a customer's orders with a cursor, makes a conditional update fail on purpose, runs a
 * transaction that is cancelled by one of its actions, and deletes the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ddb/ddb.h>

#define TABLE "ddbkit_quickstart_orders"
#define CUSTOMERS 3
#define ORDERS_PER_CUSTOMER 40

typedef struct metrics {
    int calls;
    double latency_ms;
    double capacity;
} metrics;

static void count_call(void *ctx, const ddb_event *ev)
{
    metrics *m = ctx;
    m->calls++;
    m->latency_ms += ev->latency_ms;
    m->capacity += ev->consumed_capacity;
}

static int fail(const char *step, int rc, const ddb_error *err)
{
    fprintf(stderr, "quickstart: %s failed: %s (%s)\n", step, err->message,
            ddb_error_code_name(rc));
    return rc;
}

static int make_key(ddb_value **out, const char *customer, const char *order, ddb_error *err)
{
    ddb_value *key = NULL;
    int rc = ddb_value_new_m(&key, err);
    if (rc == 0)
        rc = ddb_value_m_set_s(key, "customer", customer, err);
    if (rc == 0)
        rc = ddb_value_m_set_s(key, "order", order, err);
    if (rc == 0)
        *out = key;
    else
        ddb_value_free(key);
    return rc;
}

static int create_table(ddb_client *c, ddb_error *err)
{
    ddb_attribute_definition defs[] = {{"customer", "S"}, {"order", "S"}};
    ddb_key_schema_element keys[] = {{"customer", "HASH"}, {"order", "RANGE"}};
    ddb_create_table_input in = {.table_name = TABLE,
                                 .n_attribute_definitions = 2,
                                 .attribute_definitions = defs,
                                 .n_key_schema = 2,
                                 .key_schema = keys,
                                 .billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST};
    ddb_create_table_output *out = NULL;
    int rc = ddb_create_table(&out, c, &in, err);
    ddb_create_table_output_free(out);
    return rc ? rc : ddb_table_wait_active(c, TABLE, 60000, err);
}

/* 120 orders in BatchWriteItem calls of 25, the API's limit per call. */
static int load_orders(ddb_client *c, ddb_error *err)
{
    static const char *const statuses[] = {"pending", "shipped", "delivered"};
    ddb_value *items[CUSTOMERS * ORDERS_PER_CUSTOMER] = {0};
    ddb_put_request puts[25];
    ddb_write_request writes[25];
    size_t n = 0;
    int rc = 0;
    for (int cust = 0; cust < CUSTOMERS && rc == 0; cust++) {
        for (int o = 0; o < ORDERS_PER_CUSTOMER && rc == 0; o++) {
            char customer[32], order[32], total[32];
            snprintf(customer, sizeof(customer), "customer#%d", cust + 1);
            snprintf(order, sizeof(order), "2026-11-%02d#%03d", 1 + o % 28, o);
            snprintf(total, sizeof(total), "%d.%02d", 10 + o * 3, o % 100);
            rc = make_key(&items[n], customer, order, err);
            if (rc == 0)
                rc = ddb_value_m_set_s(items[n], "status", statuses[o % 3], err);
            if (rc == 0)
                rc = ddb_value_m_set_n(items[n], "total", total, err); /* exact decimal */
            n++;
        }
    }
    for (size_t start = 0; start < n && rc == 0; start += 25) {
        size_t batch = n - start < 25 ? n - start : 25;
        for (size_t i = 0; i < batch; i++) {
            puts[i] = (ddb_put_request){.item = items[start + i]};
            writes[i] = (ddb_write_request){.put_request = &puts[i]};
        }
        ddb_batch_write_item_request_map_entry entry = {TABLE, batch, writes};
        ddb_batch_write_item_input in = {
            .n_request_items = 1, .request_items = &entry, .return_consumed_capacity = "TOTAL"};
        ddb_batch_write_item_output *out = NULL;
        rc = ddb_batch_write_item(&out, c, &in, err);
        /* DynamoDB Local processes whole batches; real tables may hand back UnprocessedItems. */
        if (rc == 0 && out->n_unprocessed_items > 0)
            printf("  (%zu table(s) with unprocessed items to resend)\n", out->n_unprocessed_items);
        ddb_batch_write_item_output_free(out);
    }
    for (size_t i = 0; i < n; i++)
        ddb_value_free(items[i]);
    if (rc == 0)
        printf("loaded %zu orders for %d customers in %zu BatchWriteItem calls\n", n, CUSTOMERS,
               (n + 24) / 25);
    return rc;
}

/* One page of a customer's newest orders; *cursor (in/out) resumes where the last page ended. */
static int show_page(ddb_client *c, const char *customer, char **cursor, ddb_error *err)
{
    ddb_expr *e = NULL;
    ddb_expr_result *expr = NULL;
    ddb_value *start = NULL;
    ddb_paginator *p = NULL;
    int rc = ddb_expr_new(&e, err);
    if (rc)
        return rc;
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "customer", ddb_expr_val_s(e, customer)));
    ddb_expr_set_filter(e, ddb_cond_eq_take(e, "status", ddb_expr_val_s(e, "pending")));
    if ((rc = ddb_expr_build(&expr, e, err)) != 0)
        goto done;
    if (*cursor && (rc = ddb_cursor_decode(&start, *cursor, customer, NULL, err)) != 0)
        goto done;
    ddb_query_input in = {.table_name = TABLE,
                          .key_condition_expression = expr->key_condition_expression,
                          .filter_expression = expr->filter_expression,
                          .n_expression_attribute_names = expr->n_expression_attribute_names,
                          .expression_attribute_names = expr->expression_attribute_names,
                          .expression_attribute_values = expr->expression_attribute_values,
                          .has_scan_index_forward = true,
                          .scan_index_forward = false, /* newest first */
                          .has_limit = true,
                          .limit = 15,
                          .exclusive_start_key = start,
                          .return_consumed_capacity = "TOTAL"};
    const ddb_page *page = NULL;
    if ((rc = ddb_paginator_new_query(&p, c, &in, NULL, err)) != 0 ||
        (rc = ddb_paginator_next_page(&page, p, err)) != 0)
        goto done;
    printf("  page: read %lld orders, %lld pending:", (long long)page->scanned_count,
           (long long)page->count);
    for (size_t i = 0; i < page->n_items; i++)
        printf(" %s=%s", ddb_value_s(ddb_value_m_get(page->items[i], "order"), NULL),
               ddb_value_n(ddb_value_m_get(page->items[i], "total")));
    printf("\n");
    free(*cursor);
    *cursor = NULL;
    if (page->last_evaluated_key)
        rc = ddb_cursor_encode(cursor, page->last_evaluated_key, customer, NULL, err);
done:
    ddb_paginator_free(p);
    ddb_value_free(start);
    ddb_expr_result_free(expr);
    ddb_expr_free(e);
    return rc;
}

/* Ship an order only while it is pending; the second attempt must fail and show the item. */
static int ship_once(ddb_client *c, ddb_error *err)
{
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *expr = NULL;
    int rc = make_key(&key, "customer#1", "2026-11-01#000", err);
    if (rc == 0)
        rc = ddb_expr_new(&e, err);
    if (rc)
        goto done;
    ddb_expr_update_set_take(e, "status", ddb_expr_val_s(e, "shipped"));
    ddb_expr_set_condition(e, ddb_cond_eq_take(e, "status", ddb_expr_val_s(e, "pending")));
    if ((rc = ddb_expr_build(&expr, e, err)) != 0)
        goto done;
    ddb_update_item_input in = {.table_name = TABLE,
                                .key = key,
                                .update_expression = expr->update_expression,
                                .condition_expression = expr->condition_expression,
                                .n_expression_attribute_names = expr->n_expression_attribute_names,
                                .expression_attribute_names = expr->expression_attribute_names,
                                .expression_attribute_values = expr->expression_attribute_values,
                                .return_values_on_condition_check_failure = "ALL_OLD",
                                .return_consumed_capacity = "TOTAL"};
    for (int attempt = 1; attempt <= 2; attempt++) {
        ddb_update_item_output *out = NULL;
        rc = ddb_update_item(&out, c, &in, err);
        ddb_update_item_output_free(out);
        if (rc == 0) {
            printf("  attempt %d: order 2026-11-01#000 shipped\n", attempt);
        } else if (rc == DDB_ERR_CONDITION_FAILED) {
            const ddb_value *status = err->item ? ddb_value_m_get(err->item, "status") : NULL;
            printf("  attempt %d: refused (%s); the item says status=%s\n", attempt, err->aws_type,
                   status ? ddb_value_s(status, NULL) : "?");
            rc = 0;
        } else {
            break;
        }
    }
done:
    ddb_expr_result_free(expr);
    ddb_expr_free(e);
    ddb_value_free(key);
    return rc;
}

/* Three actions, all or nothing: the second one's condition fails, so none is applied. */
static int cancelled_transaction(ddb_client *c, ddb_error *err)
{
    ddb_value *k1 = NULL, *k2 = NULL, *k3 = NULL, *values = NULL;
    int rc = make_key(&k1, "customer#2", "2026-11-02#001", err);
    if (rc == 0)
        rc = make_key(&k2, "customer#2", "2026-11-03#002", err);
    if (rc == 0)
        rc = make_key(&k3, "customer#3", "2026-11-04#003", err);
    if (rc == 0)
        rc = ddb_value_new_m(&values, err);
    if (rc == 0)
        rc = ddb_value_m_set_s(values, ":s", "cancelled", err);
    if (rc)
        goto done;
    ddb_string_map_entry names[] = {{"#s", "status"}};
    ddb_update u1 = {.key = k1,
                     .table_name = TABLE,
                     .update_expression = "SET #s = :s",
                     .n_expression_attribute_names = 1,
                     .expression_attribute_names = names,
                     .expression_attribute_values = values};
    ddb_condition_check check = {
        .key = k2, .table_name = TABLE, .condition_expression = "attribute_not_exists(customer)"};
    ddb_update u3 = u1;
    u3.key = k3;
    ddb_transact_write_item actions[] = {
        {.update = &u1}, {.condition_check = &check}, {.update = &u3}};
    ddb_transact_write_items_input in = {.n_transact_items = 3, .transact_items = actions};
    ddb_transact_write_items_output *out = NULL;
    rc = ddb_transact_write_items(&out, c, &in, err);
    ddb_transact_write_items_output_free(out);
    if (rc == DDB_ERR_TRANSACTION_CANCELED) {
        printf("  cancelled, as intended; reasons by action:");
        for (size_t i = 0; i < err->n_cancellation_reasons; i++)
            printf(" [%zu] %s", i, err->cancellation_reasons[i].code);
        printf("\n");
        rc = 0;
    } else if (rc == 0) {
        printf("  unexpectedly committed\n");
        rc = DDB_ERR_SERVICE;
    }
done:
    ddb_value_free(k1);
    ddb_value_free(k2);
    ddb_value_free(k3);
    ddb_value_free(values);
    return rc;
}

int main(void)
{
    metrics m = {0};
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = NULL;
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.on_event = count_call;
    opts.event_ctx = &m;
    int rc = ddb_client_new(&c, &opts, &err);
    if (rc)
        return fail("client", rc, &err), 1;
    printf("ddbkit quickstart against %s (%s)\n\n", ddb_client_endpoint(c), ddb_client_region(c));

    printf("1. create table %s\n", TABLE);
    if ((rc = create_table(c, &err)) != 0)
        goto done;
    printf("2. batch load\n  ");
    if ((rc = load_orders(c, &err)) != 0)
        goto done;
    printf("3. customer#2's pending orders, newest first, 15 read per page, resumed by cursor\n");
    char *cursor = NULL;
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = show_page(c, "customer#2", &cursor, &err);
        if (rc == 0 && cursor)
            printf("    cursor: %.40s... (%zu chars, tamper-evident)\n", cursor, strlen(cursor));
    }
    free(cursor);
    if (rc)
        goto done;
    printf("4. conditional update\n");
    if ((rc = ship_once(c, &err)) != 0)
        goto done;
    printf("5. transaction with a failing condition\n");
    if ((rc = cancelled_transaction(c, &err)) != 0)
        goto done;

done:
    if (rc)
        fail("quickstart", rc, &err);
    ddb_error cleanup = DDB_ERROR_INIT;
    ddb_delete_table_input del = {.table_name = TABLE};
    ddb_delete_table_output *del_out = NULL;
    if (ddb_delete_table(&del_out, c, &del, &cleanup) == 0)
        printf("6. table deleted\n");
    ddb_delete_table_output_free(del_out);
    printf("\n%d calls, %.1f ms average latency, %.1f capacity units reported\n", m.calls,
           m.calls ? m.latency_ms / m.calls : 0.0, m.capacity);
    ddb_error_clear(&cleanup);
    ddb_error_clear(&err);
    ddb_client_free(c);
    return rc ? 1 : 0;
}
