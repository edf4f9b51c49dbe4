#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/items.h"

static char *vformat(const char *fmt, va_list ap) HARNESS_PRINTF(1, 0);

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf) {
        fprintf(stderr, "harness: cannot format \"%s\"\n", fmt);
        exit(1);
    }
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    return buf;
}

ddb_value *harness_itemf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *json = vformat(fmt, ap);
    va_end(ap);
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_item_from_json(&v, json, strlen(json), &err) != 0) {
        fprintf(stderr, "harness: bad item JSON %s: %s\n", json, err.message);
        exit(1);
    }
    free(json);
    return v;
}

ddb_value *harness_valuef(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *json = vformat(fmt, ap);
    va_end(ap);
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_from_json(&v, json, strlen(json), &err) != 0) {
        fprintf(stderr, "harness: bad value JSON %s: %s\n", json, err.message);
        exit(1);
    }
    free(json);
    return v;
}

char *harness_item_json(const ddb_value *item)
{
    char *json = NULL;
    if (!item || ddb_item_to_json(&json, item, NULL) != 0)
        return strdup(item ? "(unprintable)" : "(null)");
    return json;
}

bool harness_attr_is_s(const ddb_value *item, const char *name, const char *s)
{
    const char *got = ddb_value_s(ddb_value_m_get(item, name), NULL);
    return got && strcmp(got, s) == 0;
}

bool harness_attr_is_n(const ddb_value *item, const char *name, long long n)
{
    int64_t got = 0;
    const ddb_value *v = ddb_value_m_get(item, name);
    return v && ddb_value_n_i64(v, &got, NULL) == 0 && got == n;
}

int harness_batch_put(ddb_client *c, const char *table, ddb_value *const *items, size_t n)
{
    int rc = 0;
    ddb_error err = DDB_ERROR_INIT;
    for (size_t start = 0; start < n && rc == 0; start += 25) {
        size_t count = n - start < 25 ? n - start : 25;
        ddb_put_request puts[25];
        ddb_write_request writes[25];
        for (size_t i = 0; i < count; i++) {
            puts[i].item = items[start + i];
            writes[i] = (ddb_write_request){.put_request = &puts[i]};
        }
        ddb_batch_write_item_request_map_entry entry = {table, count, writes};
        ddb_batch_write_item_input in = {.n_request_items = 1, .request_items = &entry};
        ddb_batch_write_item_output *out = NULL;
        rc = ddb_batch_write_item(&out, c, &in, &err);
        /* Unprocessed items go again, as they are (the types match), until none are left. */
        for (int round = 0; rc == 0 && out->n_unprocessed_items > 0; round++) {
            if (round == 50) {
                fprintf(stderr, "harness: BatchWriteItem still leaves items unprocessed\n");
                rc = DDB_ERR_SERVICE;
                break;
            }
            ddb_batch_write_item_input again = {.n_request_items = out->n_unprocessed_items,
                                                .request_items = out->unprocessed_items};
            ddb_batch_write_item_output *next = NULL;
            rc = ddb_batch_write_item(&next, c, &again, &err);
            ddb_batch_write_item_output_free(out);
            out = next;
        }
        ddb_batch_write_item_output_free(out);
    }
    harness_report("BatchWriteItem", rc, &err);
    ddb_error_clear(&err);
    return rc;
}

int harness_putf(ddb_client *c, const char *table, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *json = vformat(fmt, ap);
    va_end(ap);
    ddb_value *item = harness_itemf("%s", json);
    free(json);
    ddb_put_item_input in = {.table_name = table, .item = item};
    ddb_put_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_put_item(&out, c, &in, &err);
    harness_report("PutItem", rc, &err);
    ddb_put_item_output_free(out);
    ddb_value_free(item);
    ddb_error_clear(&err);
    return rc;
}

int harness_create_table_with(ddb_client *c, const ddb_create_table_input *in)
{
    ddb_create_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_create_table(&out, c, in, &err);
    ddb_create_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_active(c, in->table_name, 60000, &err);
    harness_report("create table", rc, &err);
    ddb_error_clear(&err);
    return rc;
}

ddb_expr_result *harness_build(const ddb_expr *e)
{
    ddb_expr_result *r = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_expr_build(&r, e, &err) != 0) {
        fprintf(stderr, "harness: ddb_expr_build: %s\n", err.message);
        exit(1);
    }
    return r;
}

ddb_expr *harness_expr(void)
{
    ddb_expr *e = NULL;
    if (ddb_expr_new(&e, NULL) != 0) {
        fprintf(stderr, "harness: ddb_expr_new failed\n");
        exit(1);
    }
    return e;
}

double harness_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
