/*
 * ddb/core/error.h - error codes and the caller-allocated error detail.
 *
 * Thread safety: a ddb_error belongs to one caller at a time; ddb_strerror is thread-safe.
 */
#ifndef DDB_ERROR_H
#define DDB_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/core/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The error codes. Each entry is (NAME, value, description). Codes are only ever appended, so a
 * code's value never changes between releases.
 *
 * The data-access layer (ddb/dal.h, and every implementation of a generated repository) reports a
 * write's failed precondition by what failed, the same from every implementation:
 *   DDB_ERR_ITEM_EXISTS     create: an entity with this key is stored already;
 *   DDB_ERR_ITEM_NOT_FOUND  update of an entity that is not stored;
 *   DDB_ERR_STALE_VERSION   update or delete: the stored version is not the one given;
 *   DDB_ERR_UNIQUE_TAKEN    a unique field's value belongs to another entity (err->field names it).
 * DDB_ERR_CONDITION_FAILED is the client's: a condition expression of the caller's was false.
 * DDB_ERR_MISMATCH is the migration router's (ddb/dal/router.h, fail_on_mismatch): a phase 3 read
 * found the relational and DynamoDB entities different.
 */
#define DDB_ERROR_CODES(X)                                                                         \
    X(DDB_OK, 0, "success")                                                                        \
    X(DDB_ERR_INVALID_ARG, -1, "invalid argument")                                                 \
    X(DDB_ERR_NOMEM, -2, "out of memory")                                                          \
    X(DDB_ERR_NUMBER, -3, "invalid DynamoDB number")                                               \
    X(DDB_ERR_LIMIT, -4, "DynamoDB limit exceeded")                                                \
    X(DDB_ERR_PROTOCOL, -5, "malformed response from the service")                                 \
    X(DDB_ERR_NETWORK, -6, "network failure")                                                      \
    X(DDB_ERR_TIMEOUT, -7, "request timed out")                                                    \
    X(DDB_ERR_CRC32, -8, "response checksum mismatch")                                             \
    X(DDB_ERR_SERVICE, -9, "service error")                                                        \
    X(DDB_ERR_CONDITION_FAILED, -10, "conditional check failed")                                   \
    X(DDB_ERR_TRANSACTION_CANCELED, -11, "transaction canceled")                                   \
    X(DDB_ERR_THROTTLED, -12, "request throttled")                                                 \
    X(DDB_ERR_RESOURCE_NOT_FOUND, -13, "resource not found")                                       \
    X(DDB_ERR_VALIDATION, -14, "request rejected by service validation")                           \
    X(DDB_ERR_AUTH, -15, "authentication or authorization failure")                                \
    X(DDB_ERR_CURSOR, -16, "invalid pagination cursor")                                            \
    X(DDB_ERR_CONFIG, -17, "invalid or missing configuration")                                     \
    X(DDB_ERR_CREDENTIALS, -18, "no usable credentials")                                           \
    X(DDB_ERR_WAITER_TIMEOUT, -19, "waiter gave up before the resource reached its state")         \
    X(DDB_ERR_RESOURCE_IN_USE, -20, "resource in use")                                             \
    X(DDB_ERR_RETRY_QUOTA, -21, "retry quota exhausted; not retrying")                             \
    X(DDB_ERR_CIRCUIT_OPEN, -22, "circuit breaker open; failing fast")                             \
    X(DDB_ERR_STALE_VERSION, -23, "item version changed since it was read")                        \
    X(DDB_ERR_ITEM_EXISTS, -24, "an item with this key already exists")                            \
    X(DDB_ERR_ITEM_NOT_FOUND, -25, "no item with this key")                                        \
    X(DDB_ERR_UNIQUE_TAKEN, -26, "a unique value is taken")                                        \
    X(DDB_ERR_MISMATCH, -27, "the two stores of a migration differ")

/* Every function that can fail returns 0 or one of these (negative) codes. */
typedef enum ddb_error_code {
#define DDB_X_ENUM(name, value, text) name = (value),
    DDB_ERROR_CODES(DDB_X_ENUM)
#undef DDB_X_ENUM
} ddb_error_code;

struct ddb_value;

/* One entry of TransactionCanceledException's CancellationReasons, in action order. */
typedef struct ddb_cancellation_reason {
    char *code;             /* "None", "ConditionalCheckFailed", "TransactionConflict", ... */
    char *message;          /* may be NULL */
    struct ddb_value *item; /* with ReturnValuesOnConditionCheckFailure=ALL_OLD; may be NULL */
} ddb_cancellation_reason;

/*
 * Error detail. The caller allocates it (usually on the stack, with DDB_ERROR_INIT) and passes a
 * pointer as the last argument of any function; NULL means "code only". A function that fails fills
 * it; ddb_error_clear releases what it holds, and functions clear it before filling it again, so one
 * ddb_error can be reused across calls. It never contains credentials or signatures.
 */
typedef struct ddb_error {
    int code;               /* a ddb_error_code */
    char aws_type[128];     /* e.g. "ConditionalCheckFailedException"; empty for local errors */
    char message[512];      /* one line, specific */
    long http_status;       /* 0 when no response was received */
    char request_id[128];   /* x-amzn-RequestId of the failed response, if any */
    bool retryable;         /* the same request may succeed if sent again */
    bool throttling;        /* the failure was throttling (a retryable subset) */
    struct ddb_value *item; /* ConditionalCheckFailed: the item, when ALL_OLD was asked; owned */
    char field[128];        /* DDB_ERR_UNIQUE_TAKEN: the unique field ("a+b" for a set of fields) */
    size_t n_cancellation_reasons;
    ddb_cancellation_reason *cancellation_reasons; /* owned; index i is transaction action i */
} ddb_error;

#define DDB_ERROR_INIT                                                                             \
    {                                                                                              \
        0                                                                                          \
    }

/* Release what err holds and reset it to DDB_ERROR_INIT. NULL-safe. */
DDB_API void ddb_error_clear(ddb_error *err);

/*
 * Reset err and fill it with code and a printf-formatted message; returns code, so that
 * `return ddb_error_set(err, DDB_ERR_INVALID_ARG, "...", ...);` reports and fails in one line.
 * For code that implements an interface of ddbkit's (a hand-written repository, for instance).
 * err may be NULL.
 */
DDB_API int ddb_error_set(ddb_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Names the field an error is about (err->field), after ddb_error_set; truncated to fit.
 * NULL-safe. */
DDB_API void ddb_error_set_field(ddb_error *err, const char *field);

/* A static, human-readable description of a code. Never NULL. */
DDB_API const char *ddb_strerror(int code);

/* The enum name of a code ("DDB_ERR_LIMIT"), or "DDB_ERR_UNKNOWN". Never NULL. */
DDB_API const char *ddb_error_code_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* DDB_ERROR_H */
