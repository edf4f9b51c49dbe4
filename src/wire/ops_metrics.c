/*
 * The metrics aggregator: per (table, operation) counters and a latency histogram under one
 * mutex. A client has a handful of tables and operations, so entries are found by a linear
 * search; the histogram is log-scale (16 buckets per doubling of microseconds), which bounds the
 * percentiles' relative error at 2^(1/32) - 1 = 2.2% in constant memory.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "ddb/wire/ops.h"

#define PER_DOUBLING 16
#define N_BUCKETS (28 * PER_DOUBLING) /* 1 us .. 2^28 us (4.5 minutes); beyond: the last */
#define NAME_CAP 256                  /* table names are at most 255 bytes */
#define TYPE_CAP 128

typedef struct entry {
    char table[NAME_CAP];
    char operation[64];
    uint64_t count, errors, throttles, retries, items;
    size_t n_types;
    char types[DDB_METRICS_MAX_ERROR_TYPES + 1][TYPE_CAP]; /* the last one is "Other" */
    uint64_t type_counts[DDB_METRICS_MAX_ERROR_TYPES + 1];
    double sum_ms, min_ms, max_ms, rcu, wcu;
    uint32_t buckets[N_BUCKETS];
} entry;

struct ddb_metrics {
    pthread_mutex_t lock;
    entry **entries;
    size_t n, cap;
};

int ddb_metrics_new(ddb_metrics **out, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    ddb_metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return ddb_error__nomem(err, "metrics");
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return 0;
}

static void drop_entries(ddb_metrics *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->entries[i]);
    free(m->entries);
    m->entries = NULL;
    m->n = m->cap = 0;
}

void ddb_metrics_free(ddb_metrics *m)
{
    if (!m)
        return;
    drop_entries(m);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int bucket_of(double ms)
{
    double us = ms * 1000.0;
    if (!(us > 1.0))
        return 0;
    int b = (int)(log2(us) * PER_DOUBLING);
    return b < N_BUCKETS ? b : N_BUCKETS - 1;
}

/* A bucket's value: its geometric middle, in milliseconds. */
static double bucket_ms(int b)
{
    return exp2((b + 0.5) / PER_DOUBLING) / 1000.0;
}

/* The entry of (table, operation), created on first use; NULL when out of memory. */
static entry *find(ddb_metrics *m, const char *table, const char *operation)
{
    for (size_t i = 0; i < m->n; i++) {
        entry *e = m->entries[i];
        if (strcmp(e->operation, operation) == 0 && strcmp(e->table, table) == 0)
            return e;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        entry **grown = realloc(m->entries, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        m->entries = grown;
        m->cap = cap;
    }
    entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    snprintf(e->table, sizeof(e->table), "%s", table);
    snprintf(e->operation, sizeof(e->operation), "%s", operation);
    m->entries[m->n++] = e;
    return e;
}

static void count_error(entry *e, const char *type)
{
    for (size_t i = 0; i < e->n_types; i++) {
        if (strcmp(e->types[i], type) == 0) {
            e->type_counts[i]++;
            return;
        }
    }
    if (e->n_types < DDB_METRICS_MAX_ERROR_TYPES) {
        snprintf(e->types[e->n_types], TYPE_CAP, "%s", type);
        e->type_counts[e->n_types++] = 1;
        return;
    }
    snprintf(e->types[DDB_METRICS_MAX_ERROR_TYPES], TYPE_CAP, "Other");
    e->type_counts[DDB_METRICS_MAX_ERROR_TYPES]++;
}

void ddb_metrics_record(void *ctx, const ddb_event *ev)
{
    ddb_metrics *m = ctx;
    if (!m || !ev || !ev->operation)
        return;
    const int b = bucket_of(ev->latency_ms);
    pthread_mutex_lock(&m->lock);
    entry *e = find(m, ev->table_name ? ev->table_name : "", ev->operation);
    if (e) {
        if (e->count == 0 || ev->latency_ms < e->min_ms)
            e->min_ms = ev->latency_ms;
        if (e->count == 0 || ev->latency_ms > e->max_ms)
            e->max_ms = ev->latency_ms;
        e->count++;
        e->sum_ms += ev->latency_ms;
        e->buckets[b]++;
        e->throttles += (uint64_t)(ev->throttles > 0 ? ev->throttles : 0);
        e->retries += (uint64_t)(ev->retries > 0 ? ev->retries : 0);
        if (ev->item_count > 0)
            e->items += (uint64_t)ev->item_count;
        e->rcu += ev->read_capacity;
        e->wcu += ev->write_capacity;
        if (ev->error_code) {
            e->errors++;
            count_error(e, ev->aws_error_type && ev->aws_error_type[0]
                               ? ev->aws_error_type
                               : ddb_error_code_name(ev->error_code));
        }
    }
    pthread_mutex_unlock(&m->lock);
}

/* The smallest latency with at least q of the calls at or below it, clamped to [min, max]. */
static double percentile(const entry *e, double q)
{
    uint64_t rank = (uint64_t)ceil(q * (double)e->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    double v = e->max_ms;
    for (int b = 0; b < N_BUCKETS; b++) {
        seen += e->buckets[b];
        if (seen >= rank) {
            v = bucket_ms(b);
            break;
        }
    }
    return v < e->min_ms ? e->min_ms : v > e->max_ms ? e->max_ms : v;
}

static int by_name(const void *a, const void *b)
{
    const ddb_metrics_entry *x = a, *y = b;
    int c = strcmp(x->table_name, y->table_name);
    return c ? c : strcmp(x->operation, y->operation);
}

void ddb_metrics_snapshot_free(ddb_metrics_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_entries; i++) {
        ddb_metrics_entry *x = &s->entries[i];
        free((char *)x->table_name);
        free((char *)x->operation);
        for (size_t t = 0; t < x->n_error_types; t++)
            free((char *)x->error_types[t].type);
        free(x->error_types);
    }
    free(s->entries);
    free(s);
}

static int copy_entry(ddb_metrics_entry *x, const entry *e)
{
    *x = (ddb_metrics_entry){
        .count = e->count,
        .errors = e->errors,
        .throttles = e->throttles,
        .retries = e->retries,
        .items = e->items,
        .latency_sum_ms = e->sum_ms,
        .latency_min_ms = e->min_ms,
        .latency_max_ms = e->max_ms,
        .latency_p50_ms = percentile(e, 0.50),
        .latency_p90_ms = percentile(e, 0.90),
        .latency_p99_ms = percentile(e, 0.99),
        .consumed_rcu = e->rcu,
        .consumed_wcu = e->wcu,
    };
    x->table_name = strdup(e->table);
    x->operation = strdup(e->operation);
    if (!x->table_name || !x->operation)
        return -1;
    size_t n = e->n_types + (e->type_counts[DDB_METRICS_MAX_ERROR_TYPES] ? 1 : 0);
    if (n == 0)
        return 0;
    x->error_types = calloc(n, sizeof(*x->error_types));
    if (!x->error_types)
        return -1;
    for (size_t t = 0; t < n; t++) {
        size_t from = t < e->n_types ? t : DDB_METRICS_MAX_ERROR_TYPES;
        x->error_types[t].count = e->type_counts[from];
        if (!(x->error_types[t].type = strdup(e->types[from])))
            return -1;
        x->n_error_types = t + 1;
    }
    return 0;
}

int ddb_metrics_snapshot_new(ddb_metrics_snapshot **out, ddb_metrics *m, bool reset, ddb_error *err)
{
    if (!out || !m)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_metrics_snapshot_new: %s is NULL",
                              !out ? "out" : "metrics");
    ddb_metrics_snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return ddb_error__nomem(err, "metrics snapshot");
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    if (m->n && !(s->entries = calloc(m->n, sizeof(*s->entries))))
        rc = ddb_error__nomem(err, "metrics snapshot");
    for (size_t i = 0; rc == 0 && i < m->n; i++) {
        s->n_entries = i + 1;
        if (copy_entry(&s->entries[i], m->entries[i]))
            rc = ddb_error__nomem(err, "metrics snapshot");
    }
    if (rc == 0 && reset)
        drop_entries(m);
    pthread_mutex_unlock(&m->lock);
    if (rc) {
        ddb_metrics_snapshot_free(s);
        return rc;
    }
    if (s->n_entries > 1)
        qsort(s->entries, s->n_entries, sizeof(*s->entries), by_name);
    *out = s;
    return 0;
}

const ddb_metrics_entry *ddb_metrics_snapshot_find(const ddb_metrics_snapshot *s, const char *table,
                                                   const char *operation)
{
    if (!s || !operation)
        return NULL;
    for (size_t i = 0; i < s->n_entries; i++) {
        const ddb_metrics_entry *x = &s->entries[i];
        if (strcmp(x->operation, operation) == 0 && strcmp(x->table_name, table ? table : "") == 0)
            return x;
    }
    return NULL;
}
