/*
 * ddb/api/request.h - the JSON body an operation would send, without sending it.
 *
 * Thread safety: thread-safe; input is only read.
 */
#ifndef DDB_REQUEST_H
#define DDB_REQUEST_H

#include "ddb/core/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Encode the request of `operation` (its API name, "Query") from input, which points to the
 * matching ddb_<operation>_input of ddb/api/api.h, as compact JSON with sorted keys: the body
 * DynamoDB would receive. For tests, tracing and tools that show a call before making it.
 * On success *out is a malloc'd string the caller frees with free(). Returns 0,
 * DDB_ERR_INVALID_ARG (unknown operation, a missing required member) or DDB_ERR_NOMEM; *out is
 * untouched on failure.
 */
DDB_API int ddb_request_json(char **out, const char *operation, const void *input, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif
