/*
 * ddb/wire/client.h - the DynamoDB client: configuration, hooks, lifetime.
 *
 * Thread safety: a ddb_client may be shared by threads once created; each call uses its own
 * connection from the client's pool. ddb_client_free must not race with calls.
 */
#ifndef DDB_CLIENT_H
#define DDB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_client ddb_client;
/* A source of credentials (see ddb/wire/credentials.h); NULL selects the default chain. */
typedef struct ddb_credentials_provider ddb_credentials_provider;

typedef enum ddb_log_level {
    DDB_LOG_ERROR = 1,
    DDB_LOG_WARN,
    DDB_LOG_INFO,
    DDB_LOG_DEBUG
} ddb_log_level;

/*
 * Log callback. `message` is one line; `payload` is an optional JSON object with structured
 * detail (may be NULL). Neither ever holds credentials, tokens or the Authorization header.
 */
typedef void (*ddb_log_fn)(void *ctx, ddb_log_level level, const char *message,
                           const char *payload);

/* Wire trace: what was sent and received, with secrets already redacted. */
typedef enum ddb_trace_kind {
    DDB_TRACE_REQUEST_HEADERS = 1,
    DDB_TRACE_REQUEST_BODY,
    DDB_TRACE_RESPONSE_HEADERS,
    DDB_TRACE_RESPONSE_BODY
} ddb_trace_kind;
typedef void (*ddb_trace_fn)(void *ctx, ddb_trace_kind kind, const char *data, size_t len);

/* One event per operation call (after all attempts). */
typedef struct ddb_event {
    const char *operation;  /* "GetItem" */
    const char *table_name; /* NULL for operations over several tables */
    double latency_ms;      /* whole call, all attempts */
    int attempts;
    long http_status;           /* of the last attempt; 0 if none */
    int error_code;             /* 0 or a ddb_error_code */
    const char *aws_error_type; /* "" when none */
    double consumed_capacity;   /* total CapacityUnits reported, when asked for; else 0 */
    const char *request_id;     /* of the last attempt; "" when none */
    /* --- appended (ddb/wire/ops.h builds its logger and metrics on these) --- */
    const char *index_name; /* the request's IndexName (Query, Scan); NULL when none */
    long item_count;        /* items returned: Count, 1 or 0 for an Item, the sum of a batch's
                               or transaction's Responses; -1 when the operation returns none */
    int throttles;          /* attempts that failed with a throttling error */
    int retries;            /* attempts - 1 */
    double read_capacity;   /* of consumed_capacity, the read units (ReadCapacityUnits, else
                               CapacityUnits of a read operation) */
    double write_capacity;  /* the write units, likewise */
} ddb_event;
typedef void (*ddb_event_fn)(void *ctx, const ddb_event *event);

/* A span's phase and one attribute (OpenTelemetry semantic conventions; see ddb/wire/ops.h). */
typedef enum ddb_span_phase { DDB_SPAN_START = 1, DDB_SPAN_END } ddb_span_phase;
typedef enum ddb_span_attr_kind {
    DDB_SPAN_ATTR_STRING = 1,
    DDB_SPAN_ATTR_INT,
    DDB_SPAN_ATTR_DOUBLE,
    DDB_SPAN_ATTR_BOOL,
    DDB_SPAN_ATTR_STRING_ARRAY /* n_strings strings */
} ddb_span_attr_kind;
typedef struct ddb_span_attr {
    const char *key; /* "db.system", "aws.dynamodb.table_names", ... */
    ddb_span_attr_kind kind;
    const char *s;
    long long i;
    double d;
    bool b;
    const char *const *strings;
    size_t n_strings;
} ddb_span_attr;

/*
 * One client span: reported at START (attributes known before sending) and at END (all of them,
 * with the outcome). Every pointer is borrowed for the call. trace_id is 32 lowercase hex digits,
 * span_id and parent_span_id 16 ("" when the call had no parent context).
 */
typedef struct ddb_span {
    ddb_span_phase phase;
    const char *name; /* "DynamoDB.GetItem" */
    const char *trace_id;
    const char *span_id;
    const char *parent_span_id;
    int64_t start_unix_ns;
    int64_t end_unix_ns; /* 0 at START */
    bool error;          /* END: the call failed */
    const ddb_span_attr *attrs;
    size_t n_attrs;
} ddb_span;
typedef void (*ddb_span_fn)(void *ctx, const ddb_span *span);

#define DDB_CLIENT_OPTIONS_VERSION 2

/*
 * Client options. Start from DDB_CLIENT_OPTIONS_INIT; fields are only ever appended. NULL or 0
 * means "the default", which follows the AWS SDK conventions: options, then environment
 * variables, then the profile in ~/.aws/config and ~/.aws/credentials (docs/configuration.md).
 */
typedef struct ddb_client_options {
    unsigned int version;
    const char *region;   /* default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
    const char *endpoint; /* default: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the profile's
                             services section (dynamodb endpoint_url), the profile's
                             endpoint_url, else https://dynamodb.<region>.amazonaws.com */
    /* Static credentials; when NULL, the default chain (ddb/wire/credentials.h) is used. */
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    long connect_timeout_ms; /* default 3100 */
    long request_timeout_ms; /* default 30000, per attempt */
    int max_attempts;        /* default 4 (AWS_MAX_ATTEMPTS); 1 disables retries */
    ddb_log_fn log;
    void *log_ctx;
    ddb_log_level log_level; /* default DDB_LOG_WARN when log is set */
    ddb_trace_fn trace;
    void *trace_ctx;
    ddb_event_fn on_event;
    void *event_ctx;
    /* --- version 1 continues: configuration as the AWS SDKs read it --- */
    const char *profile;         /* default: AWS_PROFILE, else "default" */
    bool use_fips_endpoint;      /* or AWS_USE_FIPS_ENDPOINT / use_fips_endpoint */
    bool use_dualstack_endpoint; /* or AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint */
    bool ignore_configured_endpoint_urls; /* ignore env and profile endpoint settings */
    const char *retry_mode;               /* "standard" (default) or "adaptive"; AWS_RETRY_MODE */
    int circuit_breaker_threshold;        /* consecutive failures that open it; 0 = off */
    long circuit_breaker_cooldown_ms; /* how long it fails fast before one probe; default 5000 */
    /* Credentials; NULL = the static keys above if set, else the default chain. Borrowed: it
     * must outlive the client. */
    ddb_credentials_provider *credentials_provider;
    /* --- version 2: tracing (ddb/wire/ops.h) --- */
    /* A span per call; NULL: none. Each request carries traceparent and X-Amzn-Trace-Id when
     * the calling thread has a context (ddb_trace_context_set) or when on_span is set (a new
     * trace then, when the thread has none). */
    ddb_span_fn on_span;
    void *span_ctx;
} ddb_client_options;

#define DDB_CLIENT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .version = DDB_CLIENT_OPTIONS_VERSION                                                      \
    }

/*
 * Create a client. opts may be NULL (all defaults). Fails with DDB_ERR_CONFIG when no region can
 * be found, the endpoint is malformed or a configuration file or setting is invalid, and with
 * DDB_ERR_CREDENTIALS when no source of credentials is configured at all. Credentials are fetched
 * on the first request (a failure then is that request's DDB_ERR_CREDENTIALS), not here.
 * The caller frees *out with ddb_client_free.
 */
DDB_API int ddb_client_new(ddb_client **out, const ddb_client_options *opts, ddb_error *err);
DDB_API void ddb_client_free(ddb_client *c); /* NULL-safe */

/* The resolved endpoint and region (borrowed, valid for the client's life). */
DDB_API const char *ddb_client_endpoint(const ddb_client *c);
DDB_API const char *ddb_client_region(const ddb_client *c);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CLIENT_H */
