/*
 * Internal: the steps of one DynamoDB request/response exchange that every transport shares, the
 * blocking call path (call.c) and the concurrent one (parallel.c): signing and the header lines,
 * the checks on a response, and what is reported to the client's hooks (events, structured log
 * lines for retries, the rate limiter and the circuit breaker).
 *
 * Thread safety: every function may run on several threads at once with one client; each works on
 * its caller's buffers and touches only the client's thread-safe parts (credentials provider,
 * SigV4 key cache, retry policy, hooks).
 */
#ifndef DDB_EXCHANGE_H
#define DDB_EXCHANGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error_internal.h"
#include "wire/client_internal.h"
#include "wire/http.h"
#include "wire/retry.h"

/* Unsigned header lines a caller may add to each attempt (amz-sdk-invocation-id, -request,
 * traceparent, X-Amzn-Trace-Id). */
#define DDB_EXCHANGE__MAX_EXTRA_HEADERS 4

/*
 * The header lines of one signed request, built by ddb_http__headers_add, so every value is
 * checked for control characters and none is cut to a buffer's size. The Authorization and token
 * lines are secrets: ddb_exchange__signed_clear scrubs them.
 */
typedef struct ddb_exchange__signed {
    ddb_http__headers h;
    const char *const *lines; /* h's lines, for ddb_http__post */
    size_t n_lines;
} ddb_exchange__signed;

/*
 * Sign `body` for `operation` ("GetItem") with the client's credentials (ddb_client__credentials)
 * and the current time, and fill out with the header lines to send: the signed ones, the token,
 * then the n_extra (at most DDB_EXCHANGE__MAX_EXTRA_HEADERS) unsigned lines given, which must
 * outlive out. Traces the request (secrets redacted) if the client has a trace hook. Returns 0, or
 * the credentials provider's or the signer's code, or DDB_ERR_INVALID_ARG when a value holds a
 * control character (the message names its source, never the value); out then holds no secret. In every case the
 * caller calls ddb_exchange__signed_clear once the lines are sent (or copied).
 */
int ddb_exchange__prepare(ddb_exchange__signed *out, ddb_client *c, const char *operation,
                          const char *body, size_t body_len, const char *const *extra,
                          size_t n_extra, ddb_error *err);
void ddb_exchange__signed_clear(ddb_exchange__signed *s);

/*
 * Everything that is checked once a response has arrived: trace it, verify X-Amz-Crc32 (a
 * mismatch, or a value that is not a number from 0 to 2^32-1, is DDB_ERR_CRC32, retryable), turn
 * HTTP 431 into DDB_ERR_LIMIT naming the size of the header block sent, turn a non-2xx status into err
 * (ddb_aws_error__from_response), and parse the body. On success *response receives the JSON object
 * (a new reference). `err` may be NULL.
 */
int ddb_exchange__check(json_t **response, ddb_client *c, const char *operation,
                        const ddb_http__response *resp, ddb_error *err);

/* A random (version 4) UUID for amz-sdk-invocation-id: one per call, the same on every attempt. */
void ddb_exchange__new_invocation_id(char *out, size_t cap);

/* Whether the client logs at this level. */
bool ddb_exchange__log_enabled(const ddb_client *c, ddb_log_level level);

/*
 * A log line with a structured payload: payload (a JSON object, stolen; may be NULL) is serialised
 * for the callback. Payloads carry an "event" key ("retry", "rate_limit", "circuit_open",
 * "circuit_closed", "call") and the numbers behind the line.
 */
void ddb_exchange__log_event(ddb_client *c, ddb_log_level level, json_t *payload, const char *fmt,
                             ...) DDB_PRINTF(4, 5);

/* The adaptive rate limiter holds attempt `attempt` for hold_ms. */
void ddb_exchange__log_hold(ddb_client *c, const char *operation, int attempt, double hold_ms);

/* The circuit breaker moved (ddb_retry__verdict.breaker_moved; -1 logs nothing). */
void ddb_exchange__log_breaker_move(ddb_client *c, const char *operation, int moved, int attempt);

/* An attempt failed with failed_rc / e and the verdict v is to retry. */
void ddb_exchange__log_retry(ddb_client *c, const char *operation, const char *table_name,
                             const char *invocation_id, int attempt, int failed_rc,
                             const ddb_error *e, const ddb_retry__verdict *v,
                             const char *retry_after);

/* How a call ended, after its last attempt. */
typedef struct ddb_exchange__outcome {
    const char *operation;
    const char *table_name; /* may be NULL */
    double latency_ms;      /* from the start of the call to the end of its last attempt */
    int attempts;
    int rc;
    const ddb_error *err;           /* the call's error detail; may be NULL */
    const ddb_http__response *last; /* the last response (status, request id); may be NULL */
    const json_t *response;         /* the decoded response on success, else NULL */
    const char *index_name;         /* the request's IndexName; may be NULL */
    int throttles;                  /* attempts that failed with a throttling error */
} ddb_exchange__outcome;

/* Fill the event of a finished call (the hook's argument, the span's attributes). */
void ddb_exchange__event(ddb_event *ev, const ddb_exchange__outcome *o);

/* Fire the event hook and write the call's final log line ("call" payload). */
void ddb_exchange__report(ddb_client *c, const ddb_exchange__outcome *o);

/* 16 random bytes from the per-thread batch behind the invocation ids; false on failure. */
bool ddb_exchange__random16(unsigned char b[16]);

/* Milliseconds on the monotonic clock. */
double ddb_exchange__now_ms(void);

#endif
