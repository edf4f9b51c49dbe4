/*
 * Trace propagation and client spans. The context is per thread (__thread), because a call has
 * no argument to carry it and the thread is what an application's own tracer follows. Each call
 * is a new span, child of the context's parent, and is propagated in both formats DynamoDB's
 * callers use: W3C traceparent and X-Ray's X-Amzn-Trace-Id (the same ids: X-Ray's Root is the
 * 32-digit trace id split 8/24). Every id is checked as hex before it is stored, so a header
 * built from it cannot carry anything else. Span attributes follow OpenTelemetry's semantic
 * conventions for DynamoDB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "ddb/wire/ops.h"
#include "wire/trace.h"

typedef struct context {
    bool set;
    char trace_id[33];
    char parent_id[17];
    bool sampled;
} context;

static __thread context thread_context;

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Whether s[0..n) may be quoted in a one-line message. */
static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

static bool all_zero(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0')
            return false;
    return true;
}

int ddb_trace_context_set(const char *tp, ddb_error *err)
{
    if (!tp)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "traceparent is NULL");
    /* version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55 */
    size_t n = strlen(tp);
    if (n != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-')
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "traceparent has length %zu or separators not of "
                              "\"00-<32 hex>-<16 hex>-<2 hex>\" (55 characters)",
                              n);
    if (!is_hex(tp, 2) || strncmp(tp, "ff", 2) == 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "traceparent version is not 2 lowercase hex digits other than ff");
    if (!is_hex(tp + 3, 32) || all_zero(tp + 3, 32))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "traceparent trace-id is not 32 lowercase hex digits, not all zero");
    if (!is_hex(tp + 36, 16) || all_zero(tp + 36, 16))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "traceparent parent-id is not 16 lowercase hex digits, not all zero");
    if (!is_hex(tp + 53, 2))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "traceparent trace-flags is not 2 lowercase hex digits");
    context *ctx = &thread_context;
    memcpy(ctx->trace_id, tp + 3, 32);
    ctx->trace_id[32] = '\0';
    memcpy(ctx->parent_id, tp + 36, 16);
    ctx->parent_id[16] = '\0';
    ctx->sampled = (strtol(tp + 53, NULL, 16) & 1) != 0;
    ctx->set = true;
    return 0;
}

int ddb_trace_context_set_amzn(const char *h, ddb_error *err)
{
    if (!h)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "X-Amzn-Trace-Id is NULL");
    context next = {.sampled = true};
    bool have_root = false;
    const char *p = h;
    while (*p) {
        size_t len = strcspn(p, ";");
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "X-Amzn-Trace-Id field %zu bytes after the start has no '='",
                                  (size_t)(p - h));
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        const char *v = eq + 1;
        if (klen == 4 && strncmp(p, "Root", 4) == 0) {
            if (vlen != 35 || strncmp(v, "1-", 2) != 0 || v[10] != '-' || !is_hex(v + 2, 8) ||
                !is_hex(v + 11, 24))
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "X-Amzn-Trace-Id Root is not \"1-<8 hex>-<24 hex>\"");
            memcpy(next.trace_id, v + 2, 8);
            memcpy(next.trace_id + 8, v + 11, 24);
            if (all_zero(next.trace_id, 32))
                return ddb_error__set(err, DDB_ERR_INVALID_ARG, "X-Amzn-Trace-Id Root is all zero");
            have_root = true;
        } else if (klen == 6 && strncmp(p, "Parent", 6) == 0) {
            if (vlen != 16 || !is_hex(v, 16))
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "X-Amzn-Trace-Id Parent is not 16 lowercase hex digits");
            memcpy(next.parent_id, v, 16);
        } else if (klen == 7 && strncmp(p, "Sampled", 7) == 0) {
            if (vlen != 1 || (v[0] != '0' && v[0] != '1'))
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "X-Amzn-Trace-Id Sampled is not 0 or 1");
            next.sampled = v[0] == '1';
        } else if (klen <= 40 && printable(p, klen)) {
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "X-Amzn-Trace-Id key \"%.*s\" is not one of Root, Parent, "
                                  "Sampled",
                                  (int)klen, p);
        } else {
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "X-Amzn-Trace-Id has a key (%zu bytes after the start) that is "
                                  "not one of Root, Parent, Sampled",
                                  (size_t)(p - h));
        }
        p += len;
        if (*p == ';')
            p++;
    }
    if (!have_root)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "X-Amzn-Trace-Id has no Root");
    next.set = true;
    thread_context = next;
    return 0;
}

void ddb_trace_context_clear(void)
{
    memset(&thread_context, 0, sizeof(thread_context));
}

static void hex(char *out, const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

static int64_t now_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The attributes of a span; fixed room, since the set of keys is fixed. */
typedef struct attrs {
    ddb_span_attr a[32];
    size_t n;
} attrs;

static void attr_s(attrs *as, const char *key, const char *v)
{
    if (v && as->n < 32)
        as->a[as->n++] = (ddb_span_attr){.key = key, .kind = DDB_SPAN_ATTR_STRING, .s = v};
}

static void attr_i(attrs *as, const char *key, long long v)
{
    if (as->n < 32)
        as->a[as->n++] = (ddb_span_attr){.key = key, .kind = DDB_SPAN_ATTR_INT, .i = v};
}

static void attr_list(attrs *as, const char *key, const char *const *v, size_t n)
{
    if (n && as->n < 32)
        as->a[as->n++] = (ddb_span_attr){
            .key = key, .kind = DDB_SPAN_ATTR_STRING_ARRAY, .strings = v, .n_strings = n};
}

#define MAX_TABLES 16

/* The request's attributes, known before it is sent. tables[] receives borrowed names. */
static void request_attrs(attrs *as, const char **tables, ddb_client *c, const char *operation,
                          const char *table_name, const json_t *request)
{
    attr_s(as, "db.system", "aws.dynamodb");
    attr_s(as, "db.operation.name", operation);
    attr_s(as, "rpc.system", "aws-api");
    attr_s(as, "rpc.service", "DynamoDB");
    attr_s(as, "rpc.method", operation);
    attr_s(as, "cloud.region", c->region);
    attr_s(as, "server.address", c->host);
    size_t n = 0;
    if (table_name) {
        tables[n++] = table_name;
    } else {
        /* BatchGetItem, BatchWriteItem: the tables are RequestItems' keys. */
        const char *name;
        json_t *v;
        json_object_foreach((json_t *)json_object_get(request, "RequestItems"), name, v) {
            if (n < MAX_TABLES)
                tables[n++] = name;
        }
    }
    attr_list(as, "aws.dynamodb.table_names", tables, n);
    attr_s(as, "aws.dynamodb.index_name", json_string_value(json_object_get(request, "IndexName")));
    const json_t *v = json_object_get(request, "ConsistentRead");
    if (json_is_boolean(v) && as->n < 32)
        as->a[as->n++] = (ddb_span_attr){.key = "aws.dynamodb.consistent_read",
                                         .kind = DDB_SPAN_ATTR_BOOL,
                                         .b = json_is_true(v)};
    if (json_is_integer(v = json_object_get(request, "Limit")))
        attr_i(as, "aws.dynamodb.limit", json_integer_value(v));
    attr_s(as, "aws.dynamodb.projection",
           json_string_value(json_object_get(request, "ProjectionExpression")));
    attr_s(as, "aws.dynamodb.select", json_string_value(json_object_get(request, "Select")));
}

static void report(const ddb_trace__call *t, ddb_client *c, ddb_span_phase phase,
                   const char *operation, int64_t end_ns, bool error, const attrs *as)
{
    char name[80];
    snprintf(name, sizeof(name), "DynamoDB.%s", operation);
    const ddb_span span = {
        .phase = phase,
        .name = name,
        .trace_id = t->trace_id,
        .span_id = t->span_id,
        .parent_span_id = t->parent_id,
        .start_unix_ns = t->start_unix_ns,
        .end_unix_ns = end_ns,
        .error = error,
        .attrs = as->a,
        .n_attrs = as->n,
    };
    c->on_span(c->span_ctx, &span);
}

bool ddb_trace__begin(ddb_trace__call *t, ddb_client *c, const char *operation,
                      const char *table_name, const json_t *request)
{
    const context *ctx = &thread_context;
    t->active = false;
    if (!ctx->set && !c->on_span)
        return false;
    unsigned char b[16];
    if (ctx->set) {
        memcpy(t->trace_id, ctx->trace_id, sizeof(t->trace_id));
        memcpy(t->parent_id, ctx->parent_id, sizeof(t->parent_id));
        t->sampled = ctx->sampled;
    } else {
        if (!ddb_exchange__random16(b))
            return false;
        /* X-Ray reads the first 8 digits as the trace's epoch seconds, as OTel's X-Ray id
         * generator writes them. */
        uint32_t now = (uint32_t)time(NULL);
        b[0] = (unsigned char)(now >> 24);
        b[1] = (unsigned char)(now >> 16);
        b[2] = (unsigned char)(now >> 8);
        b[3] = (unsigned char)now;
        hex(t->trace_id, b, 16);
        t->parent_id[0] = '\0';
        t->sampled = true;
    }
    if (!ddb_exchange__random16(b))
        return false;
    hex(t->span_id, b, 8);
    snprintf(t->traceparent, sizeof(t->traceparent), "traceparent: 00-%s-%s-%02x", t->trace_id,
             t->span_id, t->sampled ? 1 : 0);
    snprintf(t->amzn, sizeof(t->amzn), "X-Amzn-Trace-Id: Root=1-%.8s-%s;Parent=%s;Sampled=%d",
             t->trace_id, t->trace_id + 8, t->span_id, t->sampled ? 1 : 0);
    t->start_unix_ns = now_unix_ns();
    t->active = true;
    if (c->on_span) {
        attrs as = {.n = 0};
        const char *tables[MAX_TABLES];
        request_attrs(&as, tables, c, operation, table_name, request);
        report(t, c, DDB_SPAN_START, operation, 0, false, &as);
    }
    return true;
}

void ddb_trace__end(const ddb_trace__call *t, ddb_client *c, const json_t *request,
                    const ddb_exchange__outcome *o)
{
    if (!t->active || !c->on_span)
        return;
    attrs as = {.n = 0};
    const char *tables[MAX_TABLES];
    request_attrs(&as, tables, c, o->operation, o->table_name, request);
    ddb_event ev;
    ddb_exchange__event(&ev, o);
    if (ev.http_status)
        attr_i(&as, "http.response.status_code", ev.http_status);
    if (ev.request_id && ev.request_id[0])
        attr_s(&as, "aws.request_id", ev.request_id);
    if (o->rc)
        attr_s(&as, "error.type",
               ev.aws_error_type[0] ? ev.aws_error_type : ddb_error_code_name(o->rc));
    attr_i(&as, "ddbkit.attempts", ev.attempts);
    attr_i(&as, "ddbkit.throttles", ev.throttles);
    /* aws.dynamodb.consumed_capacity: each ConsumedCapacity entry as JSON, per the convention. */
    char *cc_text[MAX_TABLES];
    size_t n_cc = 0;
    const json_t *cc = o->response ? json_object_get(o->response, "ConsumedCapacity") : NULL;
    if (json_is_object(cc)) {
        cc_text[n_cc] = json_dumps(cc, JSON_COMPACT);
        n_cc += cc_text[n_cc] != NULL;
    } else if (json_is_array(cc)) {
        size_t i;
        const json_t *entry;
        json_array_foreach(cc, i, entry) {
            if (n_cc < MAX_TABLES && (cc_text[n_cc] = json_dumps(entry, JSON_COMPACT)) != NULL)
                n_cc++;
        }
    }
    attr_list(&as, "aws.dynamodb.consumed_capacity", (const char *const *)cc_text, n_cc);
    const json_t *v;
    if (o->response && json_is_integer(v = json_object_get(o->response, "Count")))
        attr_i(&as, "aws.dynamodb.count", json_integer_value(v));
    if (o->response && json_is_integer(v = json_object_get(o->response, "ScannedCount")))
        attr_i(&as, "aws.dynamodb.scanned_count", json_integer_value(v));
    report(t, c, DDB_SPAN_END, o->operation, now_unix_ns(), o->rc != 0, &as);
    for (size_t i = 0; i < n_cc; i++)
        free(cc_text[i]);
}
