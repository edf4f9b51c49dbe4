/*
 * ddb/api/table.h - waiters for table state changes.
 *
 * Thread safety: safe to call from several threads on one client.
 */
#ifndef DDB_TABLE_H
#define DDB_TABLE_H

#include "ddb/api/api.h"
#include "ddb/core/error.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Wait until a table is ACTIVE and none of its global secondary indexes is still being created,
 * polling DescribeTable with a delay that grows from 50 ms up to 5 s (DynamoDB Local answers in
 * milliseconds; real tables take seconds). timeout_ms <= 0 means 5 minutes.
 *
 * Returns 0, DDB_ERR_WAITER_TIMEOUT when the time runs out (the message names the last status),
 * or the error of DescribeTable (DDB_ERR_RESOURCE_NOT_FOUND if the table does not exist).
 */
DDB_API int ddb_table_wait_active(ddb_client *c, const char *table_name, long timeout_ms,
                                  ddb_error *err);

/*
 * Wait until DescribeTable says the table does not exist. Returns 0, DDB_ERR_WAITER_TIMEOUT, or
 * another DescribeTable error.
 */
DDB_API int ddb_table_wait_deleted(ddb_client *c, const char *table_name, long timeout_ms,
                                   ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif
