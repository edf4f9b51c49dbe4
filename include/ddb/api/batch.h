/*
 * ddb/api/batch.h - batch helpers: write any number of puts and deletes, or read any number of keys,
 * and know exactly what happened to each one.
 *
 * Thread safety: a ddb_batch_writer or ddb_batch_getter belongs to one thread at a time; several
 * may share one client.
 *
 * The writer turns puts and deletes into BatchWriteItem calls of at most 25 requests and 16 MB
 * each, in the order they were added, and resends UnprocessedItems with exponential backoff and
 * full jitter until they are written or the round bound is reached:
 *
 *     ddb_batch_writer *w = NULL;
 *     rc = ddb_batch_writer_new(&w, client, NULL, &err);
 *     for (i = 0; rc == 0 && i < n; i++)
 *         (void)ddb_batch_writer_put(w, "users", items[i], &err);  // item i has index i
 *     rc = ddb_batch_writer_flush(w, &err);
 *     for (i = 0; i < ddb_batch_writer_failed(w); i++) {
 *         const ddb_batch_failure *f = ddb_batch_writer_failure(w, i);
 *         printf("item %zu: %s\n", f->index, f->message);
 *     }
 *     ddb_batch_writer_free(w);
 *
 * What "exactly which items failed" means: every put or delete gets an index, its position among
 * all the put and delete calls on the writer, counting from 0 (calls that fail count too). An
 * item fails
 *   - when it is added, if it breaks a limit (item size, nesting, key rules, table name): the
 *     call returns DDB_ERR_LIMIT and the item is recorded as failed, never sent;
 *   - when the service rejects it: a BatchWriteItem is all-or-nothing, so when one is rejected as
 *     invalid (ValidationException, ResourceNotFoundException) the writer splits it in halves and
 *     sends each, down to single requests, so only the items the service itself rejects fail,
 *     each with the service's own message. This also resolves two writes to one key in a batch
 *     (which DynamoDB rejects): they end up in separate calls, in their order;
 *   - when it is still unprocessed after max_rounds sends (DDB_ERR_THROTTLED), or its call failed
 *     in a way that is not about its content (network, credentials...) after the client's own
 *     retries: then every item of that call fails with that error.
 * Items are sent in the order added, and a batch is finished (all of its unprocessed items
 * resent) before the next one starts, so a later write to a key lands after an earlier one.
 *
 * The getter splits any number of keys into BatchGetItem calls of at most 100 keys, resends
 * UnprocessedKeys the same way, and reports each key as found (with its item), not found, or
 * failed; found items are also grouped by table. A key added twice is read once.
 */
#ifndef DDB_BATCH_H
#define DDB_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DDB_BATCH_OPTIONS_VERSION 1

/*
 * Options of a writer or getter. Start from DDB_BATCH_OPTIONS_INIT; fields are only ever
 * appended; 0 means the default.
 */
typedef struct ddb_batch_options {
    unsigned int version;
    /*
     * Sends of one batch, counting the first, while some of it comes back unprocessed or the
     * call is throttled (default 8). The wait before resend k (1, 2, ...) is a random time
     * between 0 and min(max_delay_ms, base_delay_ms * 2^k).
     */
    int max_rounds;
    double base_delay_ms; /* default 50 */
    double max_delay_ms;  /* default 5000 */
    /*
     * Failures kept with their detail (default 100000); past that they are only counted, so a
     * writer fed millions of bad items keeps bounded memory.
     */
    size_t max_failures;
} ddb_batch_options;

#define DDB_BATCH_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .version = DDB_BATCH_OPTIONS_VERSION                                                       \
    }

/* The most tables one writer or getter addresses, and the most keys one getter holds. */
#define DDB_BATCH_MAX_TABLES 1024
#define DDB_BATCH_GETTER_MAX_KEYS 10000000

/* ---- writer -------------------------------------------------------------------------------- */

typedef struct ddb_batch_writer ddb_batch_writer;

/* One failed put or delete. Everything in it is borrowed from the writer. */
typedef struct ddb_batch_failure {
    size_t index;      /* its position among the writer's put and delete calls, from 0 */
    const char *table; /* as given; "" when it was NULL */
    bool is_delete;
    const ddb_value *item; /* the put item or the delete key; NULL when none was given */
    int code;              /* the ddb_error_code it failed with */
    const char *aws_type;  /* the service's error type ("ValidationException"), or "" */
    const char *message;   /* one line: the check's or the service's message */
} ddb_batch_failure;

/*
 * Create a writer over client c (borrowed: it must outlive the writer). opts may be NULL.
 * Returns 0, DDB_ERR_INVALID_ARG (out or c NULL, a bad options version or negative figure) or
 * DDB_ERR_NOMEM. Free *out with ddb_batch_writer_free.
 */
DDB_API int ddb_batch_writer_new(ddb_batch_writer **out, ddb_client *c,
                                 const ddb_batch_options *opts, ddb_error *err);

/*
 * Tell the writer a table's key schema (sort_key may be NULL). Optional: with it, puts and
 * deletes of that table are checked against the key rules when added (ddb_limits_check_key:
 * present, S/N/B, not empty, partition key <= 2048 bytes, sort key <= 1024), and two writes to
 * one key never share a BatchWriteItem. Without it, keys are checked as far as the request check
 * can (see limits_internal.h) and the service has the last word. Returns 0,
 * DDB_ERR_INVALID_ARG, DDB_ERR_LIMIT (a bad table name) or DDB_ERR_NOMEM.
 */
DDB_API int ddb_batch_writer_set_key_schema(ddb_batch_writer *w, const char *table,
                                            const char *partition_key, const char *sort_key,
                                            ddb_error *err);

/*
 * Add a put of item (an M value, copied) to table, or a delete of key (copied). When the pending
 * batch is full (25 requests or 16 MB), it is sent first, so these calls may take the time of a
 * BatchWriteItem; what happens to that batch is reported through the failures, never through
 * the return value, which is only about the item being added.
 *
 * Returns 0 when the item was queued, or, with the item recorded as failed under its index:
 * DDB_ERR_INVALID_ARG (w, table or item NULL, item not an M), DDB_ERR_LIMIT (a limit, named in
 * the message) or DDB_ERR_NOMEM.
 */
DDB_API int ddb_batch_writer_put(ddb_batch_writer *w, const char *table, const ddb_value *item,
                                 ddb_error *err);
DDB_API int ddb_batch_writer_delete(ddb_batch_writer *w, const char *table, const ddb_value *key,
                                    ddb_error *err);

/*
 * Send everything still pending. Returns 0 when every item added so far has been written, else
 * the code of the first failure, with a message counting the failures and quoting the first
 * ("2 of 1000 writes failed; first: item 17 (put to \"users\"): ..."). The writer stays usable.
 */
DDB_API int ddb_batch_writer_flush(ddb_batch_writer *w, ddb_error *err);

/* Counts over the writer's life: items added, written, and failed (recorded or not). */
DDB_API size_t ddb_batch_writer_added(const ddb_batch_writer *w);
DDB_API size_t ddb_batch_writer_written(const ddb_batch_writer *w);
DDB_API size_t ddb_batch_writer_failed(const ddb_batch_writer *w);

/*
 * The i-th recorded failure, in the order they happened (index order within a batch), for
 * i < min(ddb_batch_writer_failed(w), max_failures); NULL otherwise. Borrowed from the writer:
 * valid until its next put, delete, flush or free (each may record more and move the list).
 */
DDB_API const ddb_batch_failure *ddb_batch_writer_failure(const ddb_batch_writer *w, size_t i);

/* Free the writer without sending what is pending (flush first). NULL-safe. */
DDB_API void ddb_batch_writer_free(ddb_batch_writer *w);

/* ---- getter -------------------------------------------------------------------------------- */

typedef struct ddb_batch_getter ddb_batch_getter;

typedef enum ddb_batch_get_status {
    DDB_BATCH_GET_PENDING = 0, /* not read yet: ddb_batch_getter_run has not run since it was
                                  added */
    DDB_BATCH_GET_FOUND,
    DDB_BATCH_GET_NOT_FOUND,
    DDB_BATCH_GET_FAILED
} ddb_batch_get_status;

/* What became of one key. Everything in it is borrowed from the getter. */
typedef struct ddb_batch_get_result {
    size_t index;         /* its position among the getter's add calls, from 0 */
    const char *table;    /* "" when it was NULL */
    const ddb_value *key; /* NULL when none was given */
    ddb_batch_get_status status;
    const ddb_value *item; /* FOUND: the item; else NULL */
    int code;              /* FAILED: the ddb_error_code; else 0 */
    const char *aws_type;  /* FAILED: the service's error type, or "" */
    const char *message;   /* FAILED: one line; else "" */
} ddb_batch_get_result;

/* Create a getter over c (borrowed). As ddb_batch_writer_new. Free with ddb_batch_getter_free. */
DDB_API int ddb_batch_getter_new(ddb_batch_getter **out, ddb_client *c,
                                 const ddb_batch_options *opts, ddb_error *err);

/*
 * How to read one table: a ProjectionExpression with its ExpressionAttributeNames (both may be
 * NULL/0; copied) and ConsistentRead. The key attributes are added to the projection, since they
 * tell which key an item answers. Returns 0, DDB_ERR_INVALID_ARG, DDB_ERR_LIMIT (table name,
 * expression size) or DDB_ERR_NOMEM.
 */
DDB_API int ddb_batch_getter_table_options(ddb_batch_getter *g, const char *table,
                                           const char *projection_expression,
                                           const ddb_string_map_entry *names, size_t n_names,
                                           bool consistent_read, ddb_error *err);

/*
 * Add a key (an M value, copied) of table to read. Returns 0 when it was queued, or, with the
 * key recorded as FAILED under its index: DDB_ERR_INVALID_ARG, DDB_ERR_LIMIT (the key rules as
 * far as they can be checked without the schema; the table name) or DDB_ERR_NOMEM. At most
 * DDB_BATCH_GETTER_MAX_KEYS keys (DDB_ERR_LIMIT past that).
 */
DDB_API int ddb_batch_getter_add(ddb_batch_getter *g, const char *table, const ddb_value *key,
                                 ddb_error *err);

/*
 * Read every pending key. Returns 0 when no key has FAILED, else the code of the first failure
 * with a message counting them. Keys added after a run are read by the next run.
 */
DDB_API int ddb_batch_getter_run(ddb_batch_getter *g, ddb_error *err);

/* Keys added (= results), and the result of key `index` (NULL past the end). Borrowed. */
DDB_API size_t ddb_batch_getter_count(const ddb_batch_getter *g);
DDB_API const ddb_batch_get_result *ddb_batch_getter_result(const ddb_batch_getter *g,
                                                            size_t index);

/*
 * The items found in `table`, in the order their keys were added (one per distinct key), into
 * *items (borrowed; valid until the next run or free). Returns their number; 0 for a table with
 * none or one the getter does not know. Results (ddb_batch_getter_result) stay valid until free.
 */
DDB_API size_t ddb_batch_getter_table_items(const ddb_batch_getter *g, const char *table,
                                            const ddb_value *const **items);

/* NULL-safe. */
DDB_API void ddb_batch_getter_free(ddb_batch_getter *g);

#ifdef __cplusplus
}
#endif

#endif /* DDB_BATCH_H */
