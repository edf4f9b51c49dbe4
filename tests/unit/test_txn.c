/*
 * The transaction helper's retry policy and backoff: which cancellations are sent again. (The
 * builder and the writes themselves run against DynamoDB Local in tests/integration/test_txn.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "api/txn_internal.h"
#include "ddb/api/txn.h"
#include "test.h"
#include "wire/backoff.h"

/* A TransactionCanceledException with the given reason codes, as the client decodes it. */
static ddb_error cancelled(const char *const *codes, size_t n)
{
    ddb_error e = DDB_ERROR_INIT;
    e.code = DDB_ERR_TRANSACTION_CANCELED;
    snprintf(e.aws_type, sizeof(e.aws_type), "TransactionCanceledException");
    e.cancellation_reasons = calloc(n ? n : 1, sizeof(*e.cancellation_reasons));
    if (!e.cancellation_reasons)
        exit(1);
    for (size_t i = 0; i < n; i++)
        e.cancellation_reasons[i].code = strdup(codes[i]);
    e.n_cancellation_reasons = n;
    return e;
}

static bool retryable(const char *const *codes, size_t n)
{
    ddb_error e = cancelled(codes, n);
    bool r = ddb_txn__retryable_cancellation(&e);
    ddb_error_clear(&e);
    return r;
}

TEST(retry_only_contention)
{
    static const char *const conflict[] = {"None", "TransactionConflict", "None"};
    static const char *const throttled[] = {"ProvisionedThroughputExceeded", "ThrottlingError"};
    static const char *const all_none[] = {"None", "None"};
    static const char *const condition[] = {"TransactionConflict", "ConditionalCheckFailed"};
    static const char *const validation[] = {"None", "ValidationError"};
    static const char *const collection[] = {"ItemCollectionSizeLimitExceeded"};
    static const char *const unknown[] = {"SomethingNew"};
    CHECK(retryable(conflict, 3));
    CHECK(retryable(throttled, 2));
    CHECK(retryable(all_none, 2));
    CHECK(!retryable(condition, 2));
    CHECK(!retryable(validation, 2));
    CHECK(!retryable(collection, 1));
    CHECK(!retryable(unknown, 1)); /* a reason this version does not know is not retried */
    CHECK(!retryable(NULL, 0));    /* no reasons: nothing says it was contention */

    /* Only a cancellation: other errors are the client's business (it retried them already). */
    ddb_error e = cancelled(conflict, 3);
    e.code = DDB_ERR_THROTTLED;
    CHECK(!ddb_txn__retryable_cancellation(&e));
    ddb_error_clear(&e);
    CHECK(!ddb_txn__retryable_cancellation(NULL));
}

TEST(backoff_bounds)
{
    for (int round = 1; round <= 12; round++) {
        double ceiling = 50.0 * (double)(1 << round);
        if (ceiling > 2000.0)
            ceiling = 2000.0;
        for (int i = 0; i < 200; i++) {
            double d = ddb_backoff__delay_ms(round, 50.0, 2000.0);
            CHECK(d >= 0 && d < ceiling);
        }
    }
    CHECK(ddb_backoff__delay_ms(1000, 50.0, 2000.0) < 2000.0); /* no overflow */
    CHECK(ddb_backoff__delay_ms(1, 0.0, 2000.0) == 0.0);
}

TEST(builder_without_a_client)
{
    ddb_txn *t = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_txn_new(NULL, &err), DDB_ERR_INVALID_ARG);
    REQUIRE(ddb_txn_new(&t, &err) == 0);
    CHECK_INT(ddb_txn_count(t), 0);
    CHECK_INT(ddb_txn_payload_size(t), 0);
    CHECK(ddb_txn_token(t) == NULL);
    CHECK_INT(ddb_txn_attempts(t), 0);
    CHECK_INT(ddb_txn_put(t, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_txn_put(NULL, &(ddb_put){0}, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_txn_put(t, &(ddb_put){.table_name = "tab"}, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "TransactItems[0].Put.Item is required");
    CHECK_INT(ddb_txn_count(t), 0);
    CHECK_INT(ddb_txn_write(NULL, NULL, t, NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_txn_free(t);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(retry_only_contention), CASE(backoff_bounds), CASE(builder_without_a_client))
