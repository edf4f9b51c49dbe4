#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "ddb/api/table.h"
#include "wire/client_internal.h"

/* Growing delays: quick for DynamoDB Local, gentle on real DynamoDB. */
static long next_delay(long delay)
{
    delay *= 2;
    return delay > 5000 ? 5000 : delay;
}

static bool table_ready(const ddb_table_description *t)
{
    if (!t || !t->table_status || strcmp(t->table_status, "ACTIVE") != 0)
        return false;
    for (size_t i = 0; i < t->n_global_secondary_indexes; i++) {
        const char *s = t->global_secondary_indexes[i].index_status;
        if (s && strcmp(s, "ACTIVE") != 0)
            return false;
    }
    return true;
}

int ddb_table_wait_active(ddb_client *c, const char *table_name, long timeout_ms, ddb_error *err)
{
    if (!c || !table_name)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "client and table_name are required");
    double deadline = ddb_client__now_ms(c) + (double)(timeout_ms > 0 ? timeout_ms : 300000);
    long delay = 50;
    char last[32] = "unknown";
    for (;;) {
        ddb_describe_table_output *out = NULL;
        ddb_describe_table_input in = {.table_name = table_name};
        int rc = ddb_describe_table(&out, c, &in, err);
        if (rc)
            return rc;
        bool ready = table_ready(out->table);
        if (out->table && out->table->table_status)
            snprintf(last, sizeof(last), "%s", out->table->table_status);
        ddb_describe_table_output_free(out);
        if (ready)
            return 0;
        if (ddb_client__now_ms(c) + (double)delay > deadline)
            return ddb_error__set(err, DDB_ERR_WAITER_TIMEOUT, "table %s is still %s after %ld ms",
                                  table_name, last, timeout_ms > 0 ? timeout_ms : 300000);
        ddb_client__sleep_ms(c, (double)delay);
        delay = next_delay(delay);
    }
}

int ddb_table_wait_deleted(ddb_client *c, const char *table_name, long timeout_ms, ddb_error *err)
{
    if (!c || !table_name)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "client and table_name are required");
    double deadline = ddb_client__now_ms(c) + (double)(timeout_ms > 0 ? timeout_ms : 300000);
    long delay = 50;
    for (;;) {
        ddb_describe_table_output *out = NULL;
        ddb_describe_table_input in = {.table_name = table_name};
        int rc = ddb_describe_table(&out, c, &in, err);
        if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
            ddb_error_clear(err);
            return 0;
        }
        if (rc)
            return rc;
        ddb_describe_table_output_free(out);
        if (ddb_client__now_ms(c) + (double)delay > deadline)
            return ddb_error__set(err, DDB_ERR_WAITER_TIMEOUT, "table %s still exists after %ld ms",
                                  table_name, timeout_ms > 0 ? timeout_ms : 300000);
        ddb_client__sleep_ms(c, (double)delay);
        delay = next_delay(delay);
    }
}
