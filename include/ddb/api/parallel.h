/*
 * ddb/api/parallel.h - run many independent requests at once from one thread (libcurl's multi
 * interface), with no thread per request: a batch of operations, a parallel Scan, and bulk
 * BatchWriteItem.
 *
 * Thread safety: a ddb_parallel belongs to one thread at a time (its completion callback runs on
 * that thread). Any number of threads may each run their own ddb_parallel, ddb_parallel_scan or
 * ddb_parallel_batch_write over one shared ddb_client, alongside ordinary calls.
 *
 * Each request is sent exactly as the operation functions of ddb/api/api.h send it: signed, its
 * X-Amz-Crc32 checked, errors decoded into its own ddb_error, retried under the client's retry
 * policy (the same attempts, backoff and retry quota), and reported to the client's event and log
 * hooks once per request. A request waiting for its retry does not hold a connection.
 */
#ifndef DDB_PARALLEL_H
#define DDB_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/api/api.h"
#include "ddb/core/error.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_parallel ddb_parallel;

/* The default and the largest number of requests on the wire at once. */
#define DDB_PARALLEL_DEFAULT_IN_FLIGHT 16
#define DDB_PARALLEL_MAX_IN_FLIGHT 1024

/*
 * Called on the thread running ddb_parallel_run each time a request completes (after its
 * retries), in completion order.
 *
 * index, operation: the request, as ddb_parallel_add numbered and named it.
 * rc:     the request's result: 0 or a negative ddb_error_code.
 * output: on success, points at the decoded output (a ddb_<operation>_output *). The callback may
 *         take it by setting *output = NULL; it then frees it with ddb_<operation>_output_free.
 *         Otherwise the output stays for ddb_parallel_take. NULL-valued when rc != 0.
 * err:    the request's error detail when rc != 0 (borrowed, valid during the call).
 *
 * The callback may call ddb_parallel_add (the new request joins this run) and ddb_parallel_take /
 * ddb_parallel_error, but not ddb_parallel_run, ddb_parallel_reset or ddb_parallel_free. Return 0
 * to go on, or a negative ddb_error_code to stop the run, which ddb_parallel_run then returns.
 */
typedef int (*ddb_parallel_done_fn)(void *ctx, ddb_parallel *p, size_t index, const char *operation,
                                    int rc, void **output, const ddb_error *err);

#define DDB_PARALLEL_OPTIONS_VERSION 1

/* Options; start from DDB_PARALLEL_OPTIONS_INIT. Fields are only ever appended. */
typedef struct ddb_parallel_options {
    unsigned int version;
    size_t max_in_flight; /* 0: DDB_PARALLEL_DEFAULT_IN_FLIGHT; 1..DDB_PARALLEL_MAX_IN_FLIGHT */
    ddb_parallel_done_fn on_done; /* may be NULL */
    void *on_done_ctx;
} ddb_parallel_options;

#define DDB_PARALLEL_OPTIONS_INIT                                                                  \
    {                                                                                              \
        .version = DDB_PARALLEL_OPTIONS_VERSION                                                    \
    }

/*
 * Create an empty batch of requests for client c (borrowed: it must outlive the batch). opts may
 * be NULL (defaults). Returns 0, DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM. The caller frees *out with
 * ddb_parallel_free.
 */
DDB_API int ddb_parallel_new(ddb_parallel **out, ddb_client *c, const ddb_parallel_options *opts,
                             ddb_error *err);

/* Free the batch, every output nobody took and every error. NULL-safe. Requests still in flight
 * (after a stopped run) are abandoned. */
DDB_API void ddb_parallel_free(ddb_parallel *p);

/*
 * Queue one request: `operation` is the API name ("GetItem", "Query", "BatchWriteItem"... any
 * operation of ddb/api/api.h) and `input` points to its ddb_<operation>_input. The input is encoded
 * now, so the caller may free or change it as soon as this returns. *index (may be NULL) receives
 * the request's number: 0 for the first request after ddb_parallel_new or ddb_parallel_reset, then
 * 1, 2... Returns 0, or DDB_ERR_INVALID_ARG (unknown operation, missing required member: the
 * encoder's message) or DDB_ERR_NOMEM; nothing is queued on failure.
 */
DDB_API int ddb_parallel_add(size_t *index, ddb_parallel *p, const char *operation,
                             const void *input, ddb_error *err);

/*
 * Send every queued request, at most max_in_flight at once, and return when all have completed
 * (requests added by the completion callback included).
 *
 * Returns 0 when every request succeeded. When some failed, returns the code of the failed request
 * with the lowest index, and err names it and counts the failures ("2 of 200 requests failed;
 * request 17 (GetItem): ..."); each request's own result stays available through
 * ddb_parallel_take. When the callback stops the run, returns its code: requests that had not
 * completed are not reported, and a later ddb_parallel_run sends them (again, for those that were
 * in flight: they may or may not have taken effect). Other codes: DDB_ERR_INVALID_ARG (called from
 * the callback), DDB_ERR_NOMEM, DDB_ERR_NETWORK (libcurl's multi interface failed).
 */
DDB_API int ddb_parallel_run(ddb_parallel *p, ddb_error *err);

/* The number of requests added since ddb_parallel_new or the last ddb_parallel_reset. */
DDB_API size_t ddb_parallel_count(const ddb_parallel *p);

/*
 * The result of request `index` after it completed: returns its code. On success *output (if
 * output is not NULL) receives its ddb_<operation>_output, which then belongs to the caller; on
 * failure err receives the request's error detail (moved: it is no longer held by the batch).
 * Returns DDB_ERR_INVALID_ARG, touching neither, for an index out of range, a request that has not
 * completed, or one whose output or error was already taken.
 */
DDB_API int ddb_parallel_take(void **output, ddb_parallel *p, size_t index, ddb_error *err);

/* The error detail of a completed request (borrowed, valid until it is taken or the batch is reset
 * or freed), or NULL when the request succeeded, has not completed or the index is out of range. */
DDB_API const ddb_error *ddb_parallel_error(const ddb_parallel *p, size_t index);

/* Drop every request, output and error, and start numbering from 0 again. The batch keeps its
 * connections for the next run. */
DDB_API void ddb_parallel_reset(ddb_parallel *p);

/*
 * One page of a parallel Scan. `page` is borrowed for the call; the callback copies what it keeps
 * (ddb_value_copy). Calls come from the thread running ddb_parallel_scan, one at a time, in
 * completion order: pages of one segment arrive in order, segments interleave. Return 0 to go on,
 * or a negative ddb_error_code to stop the scan, which ddb_parallel_scan then returns.
 */
typedef int (*ddb_parallel_page_fn)(void *ctx, int64_t segment, const ddb_scan_output *page);

/*
 * Scan a table (or index) in `total_segments` segments (1..1000000) at once, each read page by page
 * to its end; at most max_in_flight pages (0: min(total_segments, DDB_PARALLEL_DEFAULT_IN_FLIGHT))
 * are requested at a time. `in` is the Scan request (borrowed); its Segment, TotalSegments and
 * ExclusiveStartKey are set per request, and everything else (Limit, filter, projection,
 * ConsistentRead...) is sent as given. Every item of the table is passed to on_page exactly once,
 * as with a serial Scan. Returns 0, the first failing page's code (err says which segment; pages
 * already delivered stay delivered), the callback's code, DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM.
 */
DDB_API int ddb_parallel_scan(ddb_client *c, const ddb_scan_input *in, int64_t total_segments,
                              size_t max_in_flight, ddb_parallel_page_fn on_page, void *ctx,
                              ddb_error *err);

/*
 * Write n requests (puts and deletes) to one table with BatchWriteItem, 25 per request and
 * max_in_flight requests (0: DDB_PARALLEL_DEFAULT_IN_FLIGHT) at once. UnprocessedItems are sent
 * again with exponential backoff until written. The requests are borrowed and only read. The
 * order of writes is not defined, so a key must appear at most once in the n requests.
 *
 * Returns 0 when all are written; otherwise the first failure's code, with err naming the request
 * range ("BatchWriteItem of requests 300..324: ..."): no more requests are sent then, and some of
 * the n may have been written. DDB_ERR_THROTTLED when items stay unprocessed after 20 resends.
 */
DDB_API int ddb_parallel_batch_write(ddb_client *c, const char *table_name,
                                     const ddb_write_request *requests, size_t n,
                                     size_t max_in_flight, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_PARALLEL_H */
