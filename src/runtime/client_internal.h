/* Internal: the client's transport, used by the operation functions. */
#ifndef DDB_CLIENT_INTERNAL_H
#define DDB_CLIENT_INTERNAL_H

#include <jansson.h>

#include "ddb/client.h"
#include "http.h"
#include "retry.h"
#include "sigv4.h"

/* The client's state, shared by client.c (set-up) and call.c (the call path). */
struct ddb_client {
    char *region;
    char *endpoint; /* as configured, without a trailing slash */
    char *url;      /* endpoint + "/" */
    char *host;     /* the Host header: host[:port] as in the endpoint */
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
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
};


/*
 * Send one DynamoDB JSON 1.0 operation: sign, POST, retry what may be retried, verify the CRC32,
 * decode errors into err, fire the hooks. `operation` is the API name ("GetItem"); `table_name`
 * (may be NULL) is only for events and logs. The request object is borrowed. On success
 * *response receives the decoded response object (a new reference).
 */
int ddb_client__call(ddb_client *c, const char *operation, const char *table_name,
                     const json_t *request, json_t **response, ddb_error *err);

#endif
