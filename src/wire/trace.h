/* Internal: the trace context of a call (headers to send) and its span (trace.c). */
#ifndef DDB_WIRE_TRACE_H
#define DDB_WIRE_TRACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "wire/client_internal.h"
#include "wire/exchange.h"

typedef struct ddb_trace__call {
    bool active;
    char trace_id[33];
    char span_id[17];
    char parent_id[17]; /* "" when the thread had no context */
    bool sampled;
    char traceparent[80]; /* the header lines, ready for ddb_exchange__prepare's extras */
    char amzn[128];
    int64_t start_unix_ns;
} ddb_trace__call;

/*
 * Start a call's trace: from the calling thread's context, else a new trace when c has a span
 * hook. false (and nothing to send) when neither. Reports the span's START.
 */
bool ddb_trace__begin(ddb_trace__call *t, ddb_client *c, const char *operation,
                      const char *table_name, const json_t *request);

/* Report the span's END with the outcome's attributes (nothing without a span hook). */
void ddb_trace__end(const ddb_trace__call *t, ddb_client *c, const json_t *request,
                    const ddb_exchange__outcome *o);

#endif
