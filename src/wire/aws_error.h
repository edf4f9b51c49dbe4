/* Internal: turning an error response into a ddb_error. */
#ifndef DDB_AWS_ERROR_H
#define DDB_AWS_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/core/error.h"

/*
 * The short error type from a JSON `__type` value or an X-Amzn-ErrorType header: the part after
 * the last '#' and before the first ':'. "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
 * gives "ResourceNotFoundException"; "ThrottlingException:http://internal.amazon.com/..." gives
 * "ThrottlingException". Writes at most cap-1 bytes plus NUL into out.
 */
void ddb_aws_error__short_type(char *out, size_t cap, const char *raw);

/* The ddb_error_code for an AWS error type and HTTP status. */
int ddb_aws_error__code(const char *type, long http_status);

/* Whether an AWS error type is one of the throttling codes (type may be NULL or ""). */
bool ddb_aws_error__is_throttling(const char *type);

/*
 * Whether an error response is throttling: a throttling code, or HTTP 429 unless the type is one
 * that is never retried. Throttling is retried with the throttling base delay and quota cost.
 */
bool ddb_aws_error__is_throttling_response(const char *type, long http_status);

/*
 * Whether an error response is worth sending again: throttling, a transient type
 * (InternalServerError, RequestTimeout, ServiceUnavailable...) or HTTP 500/502/503/504. A type
 * that is never retried wins over its status: ConditionalCheckFailedException, ValidationException,
 * ResourceNotFoundException, AccessDeniedException, the signature and credential errors,
 * TransactionCanceledException and IdempotentParameterMismatchException. (Network failures,
 * timeouts and CRC32 mismatches are retried too; they are decided where they happen.)
 */
bool ddb_aws_error__is_retryable(const char *type, long http_status);

/*
 * Fill err from an error response. `header_type` is the X-Amzn-ErrorType header (may be NULL),
 * body the response body (may be empty or not JSON). Decodes the message, the item returned by
 * ReturnValuesOnConditionCheckFailure and TransactionCanceledException's CancellationReasons.
 * Returns err's code.
 */
int ddb_aws_error__from_response(ddb_error *err, long http_status, const char *header_type,
                                 const char *request_id, const char *body, size_t body_len);

#endif
