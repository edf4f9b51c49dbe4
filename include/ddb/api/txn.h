/*
 * ddb/api/txn.h - a transaction builder over TransactWriteItems and TransactGetItems: limits checked
 * as actions are added, one idempotency token per write kept across its retries, and a retry
 * policy for cancelled transactions.
 *
 * Thread safety: a ddb_txn belongs to one thread at a time; several may share one client.
 *
 *     ddb_txn *t = NULL;
 *     rc = ddb_txn_new(&t, &err);
 *     rc = rc ? rc : ddb_txn_put(t, &(ddb_put){.table_name = "orders", .item = order}, &err);
 *     rc = rc ? rc : ddb_txn_update(t, &stock_update, &err);
 *     rc = rc ? rc : ddb_txn_write(NULL, client, t, NULL, &err);
 *     if (rc == DDB_ERR_TRANSACTION_CANCELED)
 *         for (i = 0; i < err.n_cancellation_reasons; i++)   // index i is action i
 *             printf("%zu: %s\n", i, err.cancellation_reasons[i].code);
 *     ddb_txn_free(t);
 *
 * A transaction holds either write actions (put, update, delete, condition check) or get
 * actions, at most DDB_LIMIT_TRANSACTION_ACTIONS of them. Each action is checked when added
 * (table name, key rules, item size and nesting, expression sizes) and so is the running payload
 * against DDB_LIMIT_TRANSACTION_SIZE, counted the way DynamoDB counts it (item or key sizes,
 * expressions, and the values and names they use). Two key-bearing actions on the same item, or
 * a Put and a key-bearing action on it, are refused too, as DynamoDB refuses them. Actions are
 * copied, so the inputs may be freed once added.
 *
 * Retries. The client already retries throttling and transient failures of each call, resending
 * the same body, so the same ClientRequestToken. On top of that, ddb_txn_write and ddb_txn_read
 * retry a cancelled transaction (TransactionCanceledException) when, and only when, every
 * cancellation reason is None, TransactionConflict, ProvisionedThroughputExceeded or
 * ThrottlingError: those are about contention, and the same transaction may pass a moment later.
 * Any other reason (ConditionalCheckFailed, ValidationError, ItemCollectionSizeLimitExceeded...)
 * is returned at once with the reasons by action index. ddb_txn_write sends the same token in
 * every attempt of one call, so a write the service already applied is not applied twice: within
 * ten minutes DynamoDB answers a repeated token with the first call's result.
 */
#ifndef DDB_TXN_H
#define DDB_TXN_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/api/api.h"
#include "ddb/core/error.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_txn ddb_txn;

#define DDB_TXN_OPTIONS_VERSION 1

/* Options of one ddb_txn_write or ddb_txn_read; start from DDB_TXN_OPTIONS_INIT; 0 = default. */
typedef struct ddb_txn_options {
    unsigned int version;
    /*
     * Sends of the transaction, counting the first (default 3), when it is cancelled for
     * contention only (see above). The wait before retry k (1, 2, ...) is a random time between
     * 0 and min(max_delay_ms, base_delay_ms * 2^k).
     */
    int max_attempts;
    double base_delay_ms; /* default 50 */
    double max_delay_ms;  /* default 2000 */
    /*
     * ddb_txn_write's ClientRequestToken (1 to 36 characters). NULL: a new random (version 4)
     * UUID for each ddb_txn_write call. Give one to make a write idempotent across calls, for
     * example when the application itself retries after a timeout; ddb_txn_token tells the token
     * a call used.
     */
    const char *client_request_token;
    const char *return_consumed_capacity;       /* DDB_RETURN_CONSUMED_CAPACITY_*; may be NULL */
    const char *return_item_collection_metrics; /* write only; may be NULL */
} ddb_txn_options;

#define DDB_TXN_OPTIONS_INIT                                                                       \
    {                                                                                              \
        .version = DDB_TXN_OPTIONS_VERSION                                                         \
    }

/* Create an empty transaction. Returns 0 or DDB_ERR_INVALID_ARG / DDB_ERR_NOMEM. Free with
 * ddb_txn_free. */
DDB_API int ddb_txn_new(ddb_txn **out, ddb_error *err);

/* NULL-safe. */
DDB_API void ddb_txn_free(ddb_txn *txn);

/*
 * Add an action; the struct and everything it points to is copied (the api.h types: table_name,
 * key or item, expressions, names, values, return_values_on_condition_check_failure). The action's
 * index (for cancellation reasons) is the number of actions added before it.
 *
 * Returns 0; DDB_ERR_INVALID_ARG (NULL, a missing required member, a get added to a write
 * transaction or the reverse); DDB_ERR_LIMIT (the 101st action, the payload past 4 MB, a check
 * of the action, two actions on one item), naming the action and the figure; or DDB_ERR_NOMEM.
 * A refused action leaves the transaction as it was.
 */
DDB_API int ddb_txn_put(ddb_txn *txn, const ddb_put *put, ddb_error *err);
DDB_API int ddb_txn_update(ddb_txn *txn, const ddb_update *update, ddb_error *err);
DDB_API int ddb_txn_delete(ddb_txn *txn, const ddb_delete *del, ddb_error *err);
DDB_API int ddb_txn_condition_check(ddb_txn *txn, const ddb_condition_check *check, ddb_error *err);
DDB_API int ddb_txn_get(ddb_txn *txn, const ddb_get *get, ddb_error *err);

/* The number of actions, and the payload DynamoDB will count (see above). */
DDB_API size_t ddb_txn_count(const ddb_txn *txn);
DDB_API size_t ddb_txn_payload_size(const ddb_txn *txn);

/*
 * Send the write actions as one TransactWriteItems, retrying as described above, with one
 * ClientRequestToken for all attempts. out may be NULL when the output is not wanted; otherwise
 * *out receives it (free with ddb_transact_write_items_output_free). opts may be NULL.
 *
 * Returns 0; DDB_ERR_INVALID_ARG (no actions, get actions, bad options);
 * DDB_ERR_TRANSACTION_CANCELED with err->cancellation_reasons (index i is action i) and a
 * message naming the first action that failed and why; or any error of the call. The
 * transaction is unchanged and may be sent again (with a new token unless one is given).
 */
DDB_API int ddb_txn_write(ddb_transact_write_items_output **out, ddb_client *c, ddb_txn *txn,
                          const ddb_txn_options *opts, ddb_error *err);

/*
 * Send the get actions as one TransactGetItems, retrying cancellations as ddb_txn_write does.
 * *out (required) receives the output, whose responses[i] answers action i (free with
 * ddb_transact_get_items_output_free). Returns as ddb_txn_write.
 */
DDB_API int ddb_txn_read(ddb_transact_get_items_output **out, ddb_client *c, ddb_txn *txn,
                         const ddb_txn_options *opts, ddb_error *err);

/*
 * The ClientRequestToken of the latest ddb_txn_write on txn (borrowed, valid until the next
 * write or free), or NULL before the first. Also set when that write failed.
 */
DDB_API const char *ddb_txn_token(const ddb_txn *txn);

/*
 * How many TransactWriteItems or TransactGetItems calls the latest ddb_txn_write or ddb_txn_read
 * made (0 before the first): 1 plus its retries of cancellations. Each call may itself include
 * the client's own resends (see ddb/wire/client.h), which this does not count.
 */
DDB_API int ddb_txn_attempts(const ddb_txn *txn);

#ifdef __cplusplus
}
#endif

#endif /* DDB_TXN_H */
