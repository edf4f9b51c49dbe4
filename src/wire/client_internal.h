/* Internal: the client's transport, used by the operation functions. */
#ifndef DDB_CLIENT_INTERNAL_H
#define DDB_CLIENT_INTERNAL_H

#include <jansson.h>

#include "ddb/wire/client.h"
#include "ddb/wire/credentials.h"
#include "wire/http.h"
#include "wire/retry.h"
#include "wire/sigv4.h"

/*
 * The clock and the sleep behind the waits a client takes on its own: the blocking call path's
 * rate-limiter holds and retry delays, the circuit breaker's cool-down, and the table waiters.
 * Zeroed (the default) means CLOCK_MONOTONIC and nanosleep. Tests replace them so that they can
 * count and control those waits instead of timing them. ddb_parallel keeps the real clock: its
 * waits are libcurl's poll.
 */
typedef struct ddb_client__clock {
    double (*now_ms)(void *ctx);            /* monotonic milliseconds */
    void (*sleep_ms)(void *ctx, double ms); /* called only with ms > 0 */
    void *ctx;
} ddb_client__clock;

/* The client's state, shared by client.c (set-up) and call.c (the call path). */
struct ddb_client {
    char *region;
    char *endpoint;                        /* as configured, without a trailing slash */
    char *url;                             /* endpoint + "/" */
    char *host;                            /* the Host header: host[:port] as in the endpoint */
    ddb_credentials_provider *credentials; /* what signing uses; borrowed or owned */
    ddb_credentials_provider *owned_credentials; /* set when the client created it */
    ddb_http__pool *http;
    ddb_sigv4__cache *sigv4;
    ddb_retry__policy retry;
    bool retry_ready; /* retry holds a mutex to destroy */
    ddb_log_fn log;
    void *log_ctx;
    ddb_log_level log_level;
    ddb_trace_fn trace;
    void *trace_ctx;
    ddb_event_fn on_event;
    void *event_ctx;
    ddb_span_fn on_span;
    void *span_ctx;
    ddb_client__clock clock;
};

/*
 * Tests: replace c's clock and sleep (NULL restores the real ones). Call it before c is used and
 * not while another thread uses c.
 */
void ddb_client__set_clock(ddb_client *c, const ddb_client__clock *clock);

/* c's monotonic clock in milliseconds, and a sleep on it (nothing when ms <= 0). Thread-safe. */
double ddb_client__now_ms(const ddb_client *c);
void ddb_client__sleep_ms(const ddb_client *c, double ms);

/*
 * The credentials to sign one request with, from the client's provider: cached, and refreshed
 * ahead of expiry by one thread at a time. On success the caller releases *out with
 * ddb_credentials_clear as soon as the request is signed; on failure *out is untouched and err
 * says why (usually DDB_ERR_CREDENTIALS), marked as not sent: not retryable and with http_status
 * 0, so a credentials failure neither spends the retry quota nor moves the circuit breaker.
 */
int ddb_client__credentials(ddb_credentials *out, ddb_client *c, ddb_error *err);

/*
 * Send one DynamoDB JSON 1.0 operation: sign, POST, retry what may be retried, verify the CRC32,
 * decode errors into err, fire the hooks. `operation` is the API name ("GetItem"); `table_name`
 * (may be NULL) is only for events and logs. The request object is borrowed. On success
 * *response receives the decoded response object (a new reference).
 */
int ddb_client__call(ddb_client *c, const char *operation, const char *table_name,
                     const json_t *request, json_t **response, ddb_error *err);

#endif
