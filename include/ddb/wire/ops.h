/*
 * ddb/wire/ops.h - operations output built on the client's hooks: a structured logger (one JSON
 * line per operation), an in-process metrics aggregator, a CloudWatch Embedded Metric Format
 * writer, and the trace context that requests propagate (traceparent, X-Amzn-Trace-Id).
 *
 * All of it is opt-in: nothing here runs unless the application installs it as the client's
 * on_event / log hook (ddb/wire/client.h), and a client without hooks pays nothing for it.
 *
 * Thread safety: a ddb_oplog, a ddb_metrics and a ddb_emf may be shared by threads (their hooks
 * and ddb_metrics_snapshot_new / ddb_emf_flush may run concurrently); the _free functions must not
 * race with anything. The trace context is per thread.
 */
#ifndef DDB_OPS_H
#define DDB_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ddb/core/error.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- structured logger ------------------------------------------------------------------- */

typedef struct ddb_oplog ddb_oplog;

/* Where a line goes when no FILE is given: `line` is one JSON object, without a newline. */
typedef void (*ddb_oplog_write_fn)(void *ctx, ddb_log_level level, const char *line, size_t len);

#define DDB_OPLOG_OPTIONS_VERSION 1

/*
 * Logger options. Exactly one of file and write is set. A successful call is logged at
 * DDB_LOG_INFO, one that succeeded after throttling at DDB_LOG_WARN, a failed one at
 * DDB_LOG_ERROR; lines above `level` are dropped (default DDB_LOG_INFO).
 */
typedef struct ddb_oplog_options {
    unsigned int version;
    FILE *file; /* borrowed; each line is one fwrite, so lines of threads never interleave */
    ddb_oplog_write_fn write;
    void *write_ctx;
    ddb_log_level level;
} ddb_oplog_options;

#define DDB_OPLOG_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .version = DDB_OPLOG_OPTIONS_VERSION                                                       \
    }

/*
 * Create a logger. Fails with DDB_ERR_INVALID_ARG when opts is NULL, of an unknown version, or
 * sets neither or both of file and write. The caller frees *out with ddb_oplog_free.
 */
DDB_API int ddb_oplog_new(ddb_oplog **out, const ddb_oplog_options *opts, ddb_error *err);
DDB_API void ddb_oplog_free(ddb_oplog *log); /* NULL-safe */

/*
 * The on_event hook: pass it with the logger as ddb_client_options.on_event / event_ctx, or call
 * it from your own hook. Writes one line:
 *   {"time":"2026-12-07T21:50:01.123Z","level":"info","operation":"GetItem","table":"t",
 *    "index":"byX","latency_ms":1.234,"attempts":1,"retries":0,"throttles":0,"http_status":200,
 *    "error":"DDB_ERR_...","aws_error_type":"...","request_id":"...","consumed_capacity":0.5,
 *    "consumed_rcu":0.5,"consumed_wcu":0,"item_count":1}
 * (index, error, aws_error_type and item_count only when there is one).
 */
DDB_API void ddb_oplog_event(void *log, const ddb_event *event);

/*
 * The log hook (ddb_client_options.log / log_ctx): the client's own log lines as JSON lines
 * {"time","level","message","detail"} in the same sink. The client's level applies first.
 */
DDB_API void ddb_oplog_log(void *log, ddb_log_level level, const char *message,
                           const char *payload);

/* ---- metrics --------------------------------------------------------------------------------- */

typedef struct ddb_metrics ddb_metrics;

/* Errors of one type: the AWS error type, else the ddb_error_code name ("DDB_ERR_NETWORK"). */
typedef struct ddb_metrics_error_count {
    const char *type;
    uint64_t count;
} ddb_metrics_error_count;

/* The most error types an entry counts apart; the rest add up under "Other". */
#define DDB_METRICS_MAX_ERROR_TYPES 16

/* What one (table, operation) did since the aggregator was created or last reset. */
typedef struct ddb_metrics_entry {
    const char *table_name; /* "" for operations over several tables */
    const char *operation;
    uint64_t count;     /* calls */
    uint64_t errors;    /* calls that failed */
    uint64_t throttles; /* attempts that failed with a throttling error */
    uint64_t retries;   /* attempts beyond the first */
    uint64_t items;     /* items returned */
    size_t n_error_types;
    ddb_metrics_error_count *error_types;
    double latency_sum_ms, latency_min_ms, latency_max_ms;
    /* From a log-scale histogram with 16 buckets per doubling: within 2.2% of the exact
     * percentile, and never outside [min, max]. */
    double latency_p50_ms, latency_p90_ms, latency_p99_ms;
    double consumed_rcu, consumed_wcu;
} ddb_metrics_entry;

typedef struct ddb_metrics_snapshot {
    size_t n_entries;
    ddb_metrics_entry *entries; /* ordered by table name, then operation */
} ddb_metrics_snapshot;

/* Create an empty aggregator. The caller frees *out with ddb_metrics_free. */
DDB_API int ddb_metrics_new(ddb_metrics **out, ddb_error *err);
DDB_API void ddb_metrics_free(ddb_metrics *m); /* NULL-safe */

/* The on_event hook: pass it with the aggregator as on_event / event_ctx, or call it yourself. */
DDB_API void ddb_metrics_record(void *m, const ddb_event *event);

/*
 * A consistent copy of every entry; with reset, the aggregator starts again from zero at the same
 * instant (what an exporter that sends deltas wants). The caller frees *out with
 * ddb_metrics_snapshot_free. Fails only with DDB_ERR_NOMEM (the aggregator is then unchanged).
 */
DDB_API int ddb_metrics_snapshot_new(ddb_metrics_snapshot **out, ddb_metrics *m, bool reset,
                                     ddb_error *err);
DDB_API void ddb_metrics_snapshot_free(ddb_metrics_snapshot *s); /* NULL-safe */

/* The entry for (table, operation) in s, or NULL; table "" for multi-table operations. */
DDB_API const ddb_metrics_entry *ddb_metrics_snapshot_find(const ddb_metrics_snapshot *s,
                                                           const char *table,
                                                           const char *operation);

/* ---- CloudWatch Embedded Metric Format ------------------------------------------------------- */

typedef struct ddb_emf ddb_emf;

#define DDB_EMF_OPTIONS_VERSION 1

typedef struct ddb_emf_options {
    unsigned int version;
    const char *namespace_name; /* CloudWatch namespace; default "ddbkit"; 1-255 characters */
    FILE *file;                 /* borrowed; default stdout */
    long interval_ms;           /* > 0: a thread flushes every interval_ms; 0: only ddb_emf_flush */
} ddb_emf_options;

#define DDB_EMF_OPTIONS_INIT                                                                       \
    {                                                                                              \
        .version = DDB_EMF_OPTIONS_VERSION                                                         \
    }

/*
 * A writer that flushes m (borrowed; it must outlive the writer) as EMF lines: one JSON object
 * per (table, operation) with the dimensions TableName ("-" for operations over several tables)
 * and Operation, and the metrics Calls, Errors, Throttles, Retries, Items,
 * LatencyP50/P90/P99/Max (Milliseconds), ConsumedRCU, ConsumedWCU and one Errors.<type> per
 * error type (at most 100 metrics per line). Each flush
 * resets m, so each line is the delta since the last. Fails with DDB_ERR_INVALID_ARG on a bad
 * namespace or interval. The caller frees *out with ddb_emf_free, which stops the thread and
 * flushes a last time.
 */
DDB_API int ddb_emf_new(ddb_emf **out, ddb_metrics *m, const ddb_emf_options *opts, ddb_error *err);
DDB_API void ddb_emf_free(ddb_emf *w); /* NULL-safe */

/* Write what m gathered since the last flush (nothing when it is empty) and reset it. */
DDB_API int ddb_emf_flush(ddb_emf *w, ddb_error *err);

/*
 * The EMF lines of a snapshot, timestamped timestamp_ms (Unix epoch milliseconds), to f; the
 * building block of ddb_emf_flush. Fails with DDB_ERR_INVALID_ARG on a bad namespace and with
 * DDB_ERR_CONFIG when writing to f fails (the message has the system's reason).
 */
DDB_API int ddb_emf_write(FILE *f, const ddb_metrics_snapshot *s, const char *namespace_name,
                          int64_t timestamp_ms, ddb_error *err);

/* ---- trace context --------------------------------------------------------------------------- */

/*
 * Set the calling thread's trace context from a W3C traceparent value
 * ("00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"). Every request the thread sends
 * afterwards carries `traceparent` and `X-Amzn-Trace-Id` headers for a new client span, child of
 * that parent, in that trace. Fails with DDB_ERR_INVALID_ARG (naming the part that is wrong) on a
 * malformed value, an all-zero id or version ff; the context is then unchanged.
 */
DDB_API int ddb_trace_context_set(const char *traceparent, ddb_error *err);

/*
 * The same from an X-Amzn-Trace-Id value ("Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1");
 * Root is required, Parent and Sampled are optional, any other key is refused.
 */
DDB_API int ddb_trace_context_set_amzn(const char *amzn_trace_id, ddb_error *err);

/* Forget the calling thread's trace context. */
DDB_API void ddb_trace_context_clear(void);

#ifdef __cplusplus
}
#endif

#endif /* DDB_OPS_H */
