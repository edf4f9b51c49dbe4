#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "ddb/api/table.h"

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

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
    double deadline = monotonic_ms() + (double)(timeout_ms > 0 ? timeout_ms : 300000);
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
        if (monotonic_ms() + (double)delay > deadline)
            return ddb_error__set(err, DDB_ERR_WAITER_TIMEOUT, "table %s is still %s after %ld ms",
                                  table_name, last, timeout_ms > 0 ? timeout_ms : 300000);
        pause_ms(delay);
        delay = next_delay(delay);
    }
}

int ddb_table_wait_deleted(ddb_client *c, const char *table_name, long timeout_ms, ddb_error *err)
{
    if (!c || !table_name)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "client and table_name are required");
    double deadline = monotonic_ms() + (double)(timeout_ms > 0 ? timeout_ms : 300000);
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
        if (monotonic_ms() + (double)delay > deadline)
            return ddb_error__set(err, DDB_ERR_WAITER_TIMEOUT, "table %s still exists after %ld ms",
                                  table_name, timeout_ms > 0 ? timeout_ms : 300000);
        pause_ms(delay);
        delay = next_delay(delay);
    }
}
