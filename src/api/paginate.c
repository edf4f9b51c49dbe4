/* Query and Scan paginators: follow LastEvaluatedKey page by page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "ddb/api/paginate.h"

/* How much of a repeated key the loop error shows. */
#define KEY_SHOWN_BYTES 200

struct ddb_paginator {
    ddb_client *client;
    const ddb_query_input *query; /* exactly one of query and scan is set */
    const ddb_scan_input *scan;
    int64_t max_items;
    int64_t max_pages;

    /* The current page: one of these, the other NULL. */
    ddb_query_output *query_out;
    ddb_scan_output *scan_out;
    ddb_page page;
    bool has_page;
    size_t next_index; /* next_item's position in page.items */

    /* The ExclusiveStartKey of the next request: the input's, then each page's LEK. Borrowed. */
    const ddb_value *start_key;
    bool done;
    size_t pages;
    int64_t items;
    double capacity;
};

static int validate_opts(const ddb_paginator_options *opts, ddb_error *err)
{
    if (!opts)
        return 0;
    if (opts->version < 1 || opts->version > DDB_PAGINATOR_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_options.version %u is not supported (expected 1..%d)",
                              opts->version, DDB_PAGINATOR_OPTIONS_VERSION);
    if (opts->max_items < 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_options.max_items %lld is negative",
                              (long long)opts->max_items);
    if (opts->max_pages < 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_options.max_pages %lld is negative",
                              (long long)opts->max_pages);
    return 0;
}

static int paginator_new(ddb_paginator **out, ddb_client *c, const ddb_query_input *query,
                         const ddb_scan_input *scan, const ddb_paginator_options *opts,
                         ddb_error *err)
{
    const char *what = query ? "Query" : "Scan";
    if (!out || !c || (!query && !scan))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_new_%s: out, client and input are required",
                              query ? "query" : "scan");
    bool has_limit = query ? query->has_limit : scan->has_limit;
    int64_t limit = query ? query->limit : scan->limit;
    if (has_limit && limit < 1)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%sInput.Limit %lld must be at least 1",
                              what, (long long)limit);
    int rc = validate_opts(opts, err);
    if (rc)
        return rc;

    ddb_paginator *p = calloc(1, sizeof(*p));
    if (!p)
        return ddb_error__nomem(err, "paginator");
    p->client = c;
    p->query = query;
    p->scan = scan;
    p->start_key = query ? query->exclusive_start_key : scan->exclusive_start_key;
    if (opts) {
        p->max_items = opts->max_items;
        p->max_pages = opts->max_pages;
    }
    *out = p;
    return 0;
}

int ddb_paginator_new_query(ddb_paginator **out, ddb_client *c, const ddb_query_input *in,
                            const ddb_paginator_options *opts, ddb_error *err)
{
    if (!in)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_new_query: out, client and input are required");
    return paginator_new(out, c, in, NULL, opts, err);
}

int ddb_paginator_new_scan(ddb_paginator **out, ddb_client *c, const ddb_scan_input *in,
                           const ddb_paginator_options *opts, ddb_error *err)
{
    if (!in)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_new_scan: out, client and input are required");
    return paginator_new(out, c, NULL, in, opts, err);
}

void ddb_paginator_free(ddb_paginator *p)
{
    if (!p)
        return;
    ddb_query_output_free(p->query_out);
    ddb_scan_output_free(p->scan_out);
    free(p);
}

/* The Limit of the next request: the page size, capped by the items still wanted. */
static void request_limit(const ddb_paginator *p, bool has_limit, int64_t limit, bool *has_out,
                          int64_t *out)
{
    *has_out = has_limit;
    *out = limit;
    if (p->max_items > 0) {
        int64_t remaining = p->max_items - p->items;
        if (!has_limit || remaining < limit) {
            *has_out = true;
            *out = remaining;
        }
    }
}

/* The loop guard's error: the key is shown (truncated) so the bad page can be found. */
static int repeated_key_error(const ddb_paginator *p, const ddb_value *key, ddb_error *err)
{
    char *json = NULL;
    (void)ddb_item_to_json(&json, key, NULL);
    const char *table = p->query ? p->query->table_name : p->scan->table_name;
    size_t len = json ? strlen(json) : 0;
    int rc = ddb_error__set(err, DDB_ERR_PROTOCOL,
                            "%s on table %s returned LastEvaluatedKey %.*s%s equal to the "
                            "ExclusiveStartKey it was sent (page %zu); stopping instead of "
                            "looping forever",
                            p->query ? "Query" : "Scan", table ? table : "(null)",
                            (int)(len > KEY_SHOWN_BYTES ? KEY_SHOWN_BYTES : len),
                            json ? json : "(unprintable)", len > KEY_SHOWN_BYTES ? "..." : "",
                            p->pages + 1);
    free(json);
    return rc;
}

/* Send the next request and, on success only, make its response the current page. */
static int fetch(ddb_paginator *p, ddb_error *err)
{
    ddb_query_output *qout = NULL;
    ddb_scan_output *sout = NULL;
    ddb_page page = {.index = p->pages};
    int rc;

    if (p->query) {
        ddb_query_input req = *p->query;
        req.exclusive_start_key = p->start_key;
        request_limit(p, p->query->has_limit, p->query->limit, &req.has_limit, &req.limit);
        if ((rc = ddb_query(&qout, p->client, &req, err)) != 0)
            return rc;
        page.n_items = qout->n_items;
        page.items = (const ddb_value *const *)qout->items;
        page.count = qout->has_count ? qout->count : (int64_t)qout->n_items;
        page.scanned_count = qout->has_scanned_count ? qout->scanned_count : page.count;
        page.consumed_capacity = qout->consumed_capacity;
        page.last_evaluated_key = qout->last_evaluated_key;
    } else {
        ddb_scan_input req = *p->scan;
        req.exclusive_start_key = p->start_key;
        request_limit(p, p->scan->has_limit, p->scan->limit, &req.has_limit, &req.limit);
        if ((rc = ddb_scan(&sout, p->client, &req, err)) != 0)
            return rc;
        page.n_items = sout->n_items;
        page.items = (const ddb_value *const *)sout->items;
        page.count = sout->has_count ? sout->count : (int64_t)sout->n_items;
        page.scanned_count = sout->has_scanned_count ? sout->scanned_count : page.count;
        page.consumed_capacity = sout->consumed_capacity;
        page.last_evaluated_key = sout->last_evaluated_key;
    }

    if (page.last_evaluated_key && p->start_key &&
        ddb_value_equal(page.last_evaluated_key, p->start_key)) {
        rc = repeated_key_error(p, page.last_evaluated_key, err);
        goto done;
    }

    /* Commit: the old page (which owned start_key) goes only now. */
    ddb_query_output_free(p->query_out);
    ddb_scan_output_free(p->scan_out);
    p->query_out = qout;
    p->scan_out = sout;
    qout = NULL;
    sout = NULL;
    p->page = page;
    p->has_page = true;
    p->next_index = 0;
    p->pages++;
    p->items += page.count;
    if (page.consumed_capacity && page.consumed_capacity->has_capacity_units)
        p->capacity += page.consumed_capacity->capacity_units;
    p->start_key = page.last_evaluated_key;
    if (!p->start_key || (p->max_items > 0 && p->items >= p->max_items) ||
        (p->max_pages > 0 && (int64_t)p->pages >= p->max_pages))
        p->done = true;

done:
    ddb_query_output_free(qout);
    ddb_scan_output_free(sout);
    return rc;
}

int ddb_paginator_next_page(const ddb_page **out, ddb_paginator *p, ddb_error *err)
{
    if (!out || !p)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_next_page: out and paginator are required");
    if (p->done) {
        *out = NULL;
        return 0;
    }
    int rc = fetch(p, err);
    if (rc)
        return rc;
    p->next_index = p->page.n_items; /* handed over whole */
    *out = &p->page;
    return 0;
}

int ddb_paginator_next_item(const ddb_value **out, ddb_paginator *p, ddb_error *err)
{
    if (!out || !p)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_paginator_next_item: out and paginator are required");
    while (!p->has_page || p->next_index >= p->page.n_items) {
        if (p->done) {
            *out = NULL;
            return 0;
        }
        int rc = fetch(p, err);
        if (rc)
            return rc;
    }
    *out = p->page.items[p->next_index++];
    return 0;
}

const ddb_value *ddb_paginator_last_evaluated_key(const ddb_paginator *p)
{
    return p && p->has_page ? p->page.last_evaluated_key : NULL;
}

bool ddb_paginator_done(const ddb_paginator *p)
{
    return !p || p->done;
}

size_t ddb_paginator_page_count(const ddb_paginator *p)
{
    return p ? p->pages : 0;
}

int64_t ddb_paginator_item_count(const ddb_paginator *p)
{
    return p ? p->items : 0;
}

double ddb_paginator_consumed_capacity(const ddb_paginator *p)
{
    return p ? p->capacity : 0;
}
