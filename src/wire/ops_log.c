/*
 * The structured logger: ddb_event to one JSON line. It formats into a stack buffer with
 * snprintf instead of building a jansson tree, because it runs once per call and its cost is
 * budgeted (bench/ops_bench.c: logger and metrics together at most 3% of a GetItem's CPU).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "ddb/wire/ops.h"

struct ddb_oplog {
    FILE *file;
    ddb_oplog_write_fn write;
    void *write_ctx;
    ddb_log_level level;
};

int ddb_oplog_new(ddb_oplog **out, const ddb_oplog_options *opts, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    if (!opts)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_oplog_options must not be NULL: it names the sink");
    if (opts->version < 1 || opts->version > DDB_OPLOG_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_oplog_options.version %u is not supported (expected 1..%d)",
                              opts->version, DDB_OPLOG_OPTIONS_VERSION);
    if (!opts->file == !opts->write)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_oplog_options: set exactly one of file and write (%s set)",
                              opts->file ? "both are" : "neither is");
    if (opts->level && (opts->level < DDB_LOG_ERROR || opts->level > DDB_LOG_DEBUG))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_oplog_options.level %d is not a ddb_log_level (1..4)",
                              (int)opts->level);
    ddb_oplog *l = calloc(1, sizeof(*l));
    if (!l)
        return ddb_error__nomem(err, "logger");
    l->file = opts->file;
    l->write = opts->write;
    l->write_ctx = opts->write_ctx;
    l->level = opts->level ? opts->level : DDB_LOG_INFO;
    *out = l;
    return 0;
}

void ddb_oplog_free(ddb_oplog *log)
{
    free(log);
}

static const char *level_name(ddb_log_level level)
{
    switch (level) {
    case DDB_LOG_ERROR:
        return "error";
    case DDB_LOG_WARN:
        return "warn";
    case DDB_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}

/* A line being built; `len` may pass `cap`, which marks it as truncated. */
typedef struct line {
    char *buf;
    size_t len, cap;
} line;

static void put(line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(line *l, const char *fmt, ...)
{
    if (l->len >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n;
}

/* Bytes as they are; most of a line is literal keys, and vsnprintf per key was its cost. */
static void put_raw(line *l, const char *s, size_t n)
{
    if (l->len + n > l->cap) {
        l->len = l->cap; /* truncated */
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* ,"key": */
static void put_key(line *l, const char *key)
{
    put_raw(l, ",\"", 2);
    put_raw(l, key, strlen(key));
    put_raw(l, "\":", 2);
}

/* Digits of v, backwards into d; returns how many. */
static int digits_of(char *d, unsigned long long v)
{
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return n;
}

static void put_int(line *l, const char *key, long long v)
{
    char d[24];
    int n = digits_of(d, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    if (v < 0)
        d[n++] = '-';
    put_key(l, key);
    while (n > 0 && l->len < l->cap)
        l->buf[l->len++] = d[--n];
}

/*
 * ,"key":v with at most `decimals` decimals, trailing zeros dropped. By hand, because printf's
 * floating-point conversions were a third of a line's cost; beyond 1e15 or not finite (never a
 * latency or a capacity) it falls back to %g, and JSON has no NaN, so that prints 0.
 */
static void put_number(line *l, const char *key, double v, int decimals)
{
    if (!(v > -1e15 && v < 1e15)) {
        put(l, ",\"%s\":%.17g", key, v == v ? v : 0.0);
        return;
    }
    static const double scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    bool negative = v < 0;
    double scaled = (negative ? -v : v) * scale[decimals] + 0.5;
    unsigned long long whole = (unsigned long long)scaled;
    unsigned long long units = (unsigned long long)scale[decimals];
    unsigned long long frac = whole % units;
    whole /= units;
    char digits[32];
    int n = 0;
    while (decimals > 0 && frac % 10 == 0 && frac) {
        frac /= 10;
        decimals--;
    }
    if (frac == 0)
        decimals = 0;
    for (int i = 0; i < decimals; i++, frac /= 10)
        digits[n++] = (char)('0' + frac % 10);
    if (decimals)
        digits[n++] = '.';
    n += digits_of(digits + n, whole);
    if (negative)
        digits[n++] = '-';
    put_key(l, key);
    while (n > 0 && l->len < l->cap)
        l->buf[l->len++] = digits[--n];
}

/* "key":"value" with JSON escapes; the values come from the service (request ids, types). */
static void put_string(line *l, const char *key, const char *value)
{
    put_key(l, key);
    put_raw(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)value; *p && l->len < l->cap; p++) {
        if (*p == '"' || *p == '\\')
            put(l, "\\%c", *p);
        else if (*p < 0x20)
            put(l, "\\u%04x", *p);
        else
            l->buf[l->len++] = (char)*p;
    }
    put_raw(l, "\"", 1);
}

/*
 * RFC 3339 UTC with milliseconds. The date and time of day change once a second, so each thread
 * keeps the last second's text: gmtime_r and its formatting were most of a line's cost.
 */
static __thread time_t cached_second = -1;
static __thread char cached_text[64]; /* 19 used; room for any int gmtime_r gives */

static void put_time(line *l, ddb_log_level level)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_second) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(cached_text, sizeof(cached_text), "%04d-%02d-%02dT%02d:%02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_second = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    char frac[5] = {'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10),
                    'Z'};
    const char *name = level_name(level);
    put_raw(l, "{\"time\":\"", 9);
    put_raw(l, cached_text, strlen(cached_text));
    put_raw(l, frac, sizeof(frac));
    put_raw(l, "\",\"level\":\"", 11);
    put_raw(l, name, strlen(name));
    put_raw(l, "\"", 1);
}

static void emit(ddb_oplog *log, ddb_log_level level, line *l)
{
    if (l->len + 2 > l->cap) {
        /* Cut short by a field longer than the buffer: still one valid object. */
        l->len = 0;
        put_time(l, level);
        put(l, ",\"truncated\":true}\n");
    } else {
        l->buf[l->len++] = '}';
        l->buf[l->len++] = '\n';
    }
    if (log->file)
        fwrite(l->buf, 1, l->len, log->file);
    else
        log->write(log->write_ctx, level, l->buf, l->len - 1);
}

void ddb_oplog_event(void *ctx, const ddb_event *ev)
{
    ddb_oplog *log = ctx;
    if (!log || !ev)
        return;
    ddb_log_level level = ev->error_code  ? DDB_LOG_ERROR
                          : ev->throttles ? DDB_LOG_WARN
                                          : DDB_LOG_INFO;
    if (level > log->level)
        return;
    char buf[1024];
    line l = {buf, 0, sizeof(buf)};
    put_time(&l, level);
    put_string(&l, "operation", ev->operation ? ev->operation : "");
    if (ev->table_name)
        put_string(&l, "table", ev->table_name);
    if (ev->index_name)
        put_string(&l, "index", ev->index_name);
    put_number(&l, "latency_ms", ev->latency_ms, 3);
    put_int(&l, "attempts", ev->attempts);
    put_int(&l, "retries", ev->retries);
    put_int(&l, "throttles", ev->throttles);
    put_int(&l, "http_status", ev->http_status);
    if (ev->error_code) {
        put_string(&l, "error", ddb_error_code_name(ev->error_code));
        if (ev->aws_error_type && ev->aws_error_type[0])
            put_string(&l, "aws_error_type", ev->aws_error_type);
    }
    if (ev->request_id && ev->request_id[0])
        put_string(&l, "request_id", ev->request_id);
    put_number(&l, "consumed_capacity", ev->consumed_capacity, 6);
    put_number(&l, "consumed_rcu", ev->read_capacity, 6);
    put_number(&l, "consumed_wcu", ev->write_capacity, 6);
    if (ev->item_count >= 0)
        put_int(&l, "item_count", ev->item_count);
    emit(log, level, &l);
}

void ddb_oplog_log(void *ctx, ddb_log_level level, const char *message, const char *payload)
{
    ddb_oplog *log = ctx;
    if (!log || level > log->level)
        return;
    char buf[4096];
    line l = {buf, 0, sizeof(buf)};
    put_time(&l, level);
    put_string(&l, "message", message ? message : "");
    /* The payload is a JSON object the client wrote itself (never holding a secret). */
    if (payload && payload[0] == '{')
        put(&l, ",\"detail\":%s", payload);
    emit(log, level, &l);
}
