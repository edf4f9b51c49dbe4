/*
 * CloudWatch Embedded Metric Format: each (table, operation) of a metrics snapshot becomes one
 * JSON log line that CloudWatch Logs turns into metrics. Built with jansson (a flush is rare, and
 * the escaping of table names and error types is then jansson's). The rules followed, from the
 * EMF specification: the root holds `_aws` with a numeric `Timestamp` (epoch milliseconds) and
 * `CloudWatchMetrics`, an array of directives each with `Namespace`, `Dimensions` (arrays of
 * dimension names, each a string member of the root) and `Metrics` (at most 100 definitions of
 * `Name` and `Unit`, each a numeric member of the root).
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "ddb/wire/ops.h"

#define EMF_MAX_METRICS 100

struct ddb_emf {
    ddb_metrics *metrics;
    char namespace_name[256];
    FILE *file;
    long interval_ms;
    pthread_t thread;
    bool running;
    bool stop;
    pthread_mutex_t lock; /* guards stop and serialises flushes */
    pthread_cond_t wake;
};

/* CloudWatch's namespace rules: 1-255 of [A-Za-z0-9 ._/#:-], not starting with "AWS/". */
static int check_namespace(const char *ns, ddb_error *err)
{
    size_t n = ns ? strlen(ns) : 0;
    if (n < 1 || n > 255)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "EMF namespace length %zu is outside 1..255", n);
    for (size_t i = 0; i < n; i++) {
        char ch = ns[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr(" ._/#:-", ch)))
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "EMF namespace has character 0x%02x at offset %zu; allowed: "
                                  "letters, digits and \" ._/#:-\"",
                                  (unsigned char)ch, i);
    }
    if (strncmp(ns, "AWS/", 4) == 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "EMF namespace \"%.60s\" starts with \"AWS/\", which AWS reserves",
                              ns);
    return 0;
}

static int add_metric(json_t *root, json_t *defs, const char *name, const char *unit, double v)
{
    if (json_array_size(defs) >= EMF_MAX_METRICS)
        return -1;
    json_t *def = json_pack("{s:s, s:s}", "Name", name, "Unit", unit);
    if (!def || json_array_append_new(defs, def) || json_object_set_new(root, name, json_real(v)))
        return -1;
    return 0;
}

/* One entry's line; NULL when out of memory. */
static char *entry_line(const ddb_metrics_entry *x, const char *ns, int64_t timestamp_ms)
{
    json_t *defs = json_array();
    json_t *root = json_pack("{s:{s:I, s:[{s:s, s:[[s, s]], s:O}]}, s:s, s:s}", "_aws", "Timestamp",
                             (json_int_t)timestamp_ms, "CloudWatchMetrics", "Namespace", ns,
                             "Dimensions", "TableName", "Operation", "Metrics", defs, "TableName",
                             x->table_name[0] ? x->table_name : "-", "Operation", x->operation);
    char *text = NULL;
    if (!root || !defs)
        goto done;
    const struct {
        const char *name, *unit;
        double v;
    } fixed[] = {
        {"Calls", "Count", (double)x->count},
        {"Errors", "Count", (double)x->errors},
        {"Throttles", "Count", (double)x->throttles},
        {"Retries", "Count", (double)x->retries},
        {"Items", "Count", (double)x->items},
        {"LatencyP50", "Milliseconds", x->latency_p50_ms},
        {"LatencyP90", "Milliseconds", x->latency_p90_ms},
        {"LatencyP99", "Milliseconds", x->latency_p99_ms},
        {"LatencyMax", "Milliseconds", x->latency_max_ms},
        {"ConsumedRCU", "Count", x->consumed_rcu},
        {"ConsumedWCU", "Count", x->consumed_wcu},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (add_metric(root, defs, fixed[i].name, fixed[i].unit, fixed[i].v))
            goto done;
    for (size_t t = 0; t < x->n_error_types; t++) {
        char name[160];
        snprintf(name, sizeof(name), "Errors.%s", x->error_types[t].type);
        /* A type cannot fill the directive: there are at most 17 beside 11 fixed metrics. */
        if (add_metric(root, defs, name, "Count", (double)x->error_types[t].count))
            goto done;
    }
    text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(10));
done:
    json_decref(defs);
    json_decref(root);
    return text;
}

int ddb_emf_write(FILE *f, const ddb_metrics_snapshot *s, const char *namespace_name,
                  int64_t timestamp_ms, ddb_error *err)
{
    if (!f || !s)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_emf_write: %s is NULL",
                              !f ? "file" : "snapshot");
    int rc = check_namespace(namespace_name, err);
    for (size_t i = 0; rc == 0 && i < s->n_entries; i++) {
        char *text = entry_line(&s->entries[i], namespace_name, timestamp_ms);
        if (!text)
            return ddb_error__nomem(err, "EMF line");
        if (fprintf(f, "%s\n", text) < 0)
            rc = ddb_error__set(err, DDB_ERR_CONFIG, "writing an EMF line failed: %s",
                                strerror(errno));
        free(text);
    }
    if (rc == 0 && fflush(f) != 0)
        rc = ddb_error__set(err, DDB_ERR_CONFIG, "flushing EMF lines failed: %s", strerror(errno));
    return rc;
}

static int64_t now_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A flush under w->lock. */
static int flush_locked(ddb_emf *w, ddb_error *err)
{
    ddb_metrics_snapshot *s = NULL;
    int rc = ddb_metrics_snapshot_new(&s, w->metrics, true, err);
    if (rc == 0)
        rc = ddb_emf_write(w->file, s, w->namespace_name, now_unix_ms(), err);
    ddb_metrics_snapshot_free(s);
    return rc;
}

int ddb_emf_flush(ddb_emf *w, ddb_error *err)
{
    if (!w)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_emf_flush: writer is NULL");
    pthread_mutex_lock(&w->lock);
    int rc = flush_locked(w, err);
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static void *flusher(void *arg)
{
    ddb_emf *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = (long long)until.tv_nsec + (long long)(w->interval_ms % 1000) * 1000000;
        until.tv_sec += (time_t)(w->interval_ms / 1000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
            ;
        if (!w->stop)
            flush_locked(w, NULL); /* a failed write loses one interval; the next one retries */
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int ddb_emf_new(ddb_emf **out, ddb_metrics *m, const ddb_emf_options *opts, ddb_error *err)
{
    if (!out || !m)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_emf_new: %s is NULL",
                              !out ? "out" : "metrics");
    const ddb_emf_options defaults = DDB_EMF_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > DDB_EMF_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_emf_options.version %u is not supported (expected 1..%d)",
                              opts->version, DDB_EMF_OPTIONS_VERSION);
    const char *ns = opts->namespace_name ? opts->namespace_name : "ddbkit";
    int rc = check_namespace(ns, err);
    if (rc)
        return rc;
    if (opts->interval_ms < 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_emf_options.interval_ms %ld is negative", opts->interval_ms);
    ddb_emf *w = calloc(1, sizeof(*w));
    if (!w)
        return ddb_error__nomem(err, "EMF writer");
    w->metrics = m;
    snprintf(w->namespace_name, sizeof(w->namespace_name), "%s", ns);
    w->file = opts->file ? opts->file : stdout;
    w->interval_ms = opts->interval_ms;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (w->interval_ms > 0) {
        if (pthread_create(&w->thread, NULL, flusher, w) != 0) {
            pthread_cond_destroy(&w->wake);
            pthread_mutex_destroy(&w->lock);
            free(w);
            return ddb_error__set(err, DDB_ERR_NOMEM, "starting the EMF flush thread failed");
        }
        w->running = true;
    }
    *out = w;
    return 0;
}

void ddb_emf_free(ddb_emf *w)
{
    if (!w)
        return;
    if (w->running) {
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
    ddb_emf_flush(w, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
