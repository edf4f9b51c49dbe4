/* Internal: the transaction helper's retry policy, exposed for its unit test. */
#ifndef DDB_TXN_INTERNAL_H
#define DDB_TXN_INTERNAL_H

#include <stdbool.h>

#include "ddb/core/error.h"

/*
 * Whether a failed transaction may be sent again as it is: a TransactionCanceledException with
 * at least one reason, every one of them None, TransactionConflict, ProvisionedThroughputExceeded
 * or ThrottlingError.
 */
bool ddb_txn__retryable_cancellation(const ddb_error *err);

#endif
