/*
 * Batch helpers: a writer over BatchWriteItem and a getter over BatchGetItem, which split any
 * number of requests into calls DynamoDB accepts, resend what comes back unprocessed, and account
 * for every item.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_call.h"
#include "api/limits_internal.h"
#include "core/error_internal.h"
#include "core/value_json.h"
#include "ddb/api/batch.h"
#include "ddb/api/limits.h"
#include "wire/backoff.h"
#include "wire/client_internal.h"

#define DEFAULT_MAX_ROUNDS 8
#define DEFAULT_BASE_DELAY_MS 50.0
#define DEFAULT_MAX_DELAY_MS 5000.0
#define DEFAULT_MAX_FAILURES 100000

/* The envelope of a BatchWriteItem body around its write requests, with room to spare. */
#define WRITE_ENVELOPE 64

/* How much of a table name messages show. */
#define SHOWN 64

typedef struct settings {
    int max_rounds;
    double base_ms;
    double cap_ms;
    size_t max_failures;
} settings;

static int read_options(settings *s, const ddb_batch_options *opts, const char *fn, ddb_error *err)
{
    s->max_rounds = DEFAULT_MAX_ROUNDS;
    s->base_ms = DEFAULT_BASE_DELAY_MS;
    s->cap_ms = DEFAULT_MAX_DELAY_MS;
    s->max_failures = DEFAULT_MAX_FAILURES;
    if (!opts)
        return 0;
    if (opts->version < 1 || opts->version > DDB_BATCH_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s: ddb_batch_options.version %u is not supported (expected 1..%d)",
                              fn, opts->version, DDB_BATCH_OPTIONS_VERSION);
    if (opts->max_rounds < 0 || opts->base_delay_ms < 0 || opts->max_delay_ms < 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s: ddb_batch_options max_rounds %d, base_delay_ms %g and "
                              "max_delay_ms %g must not be negative",
                              fn, opts->max_rounds, opts->base_delay_ms, opts->max_delay_ms);
    if (opts->max_rounds > 0)
        s->max_rounds = opts->max_rounds;
    if (opts->base_delay_ms > 0)
        s->base_ms = opts->base_delay_ms;
    if (opts->max_delay_ms > 0)
        s->cap_ms = opts->max_delay_ms;
    if (opts->max_failures > 0)
        s->max_failures = opts->max_failures;
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* ---- tables -------------------------------------------------------------------------------- */

/* A copy of one ExpressionAttributeNames entry, owned by the table (ddb_string_map_entry is const). */
typedef struct name_copy {
    char *key;
    char *value;
} name_copy;

typedef struct btable {
    char *name;
    /* writer: the key schema, when given */
    char *pk;
    char *sk;
    /* getter: how to read, and what was found (in key order) */
    char *projection;
    size_t n_names;
    name_copy *names;
    bool consistent_read;
    size_t n_found, cap_found;
    const ddb_value **found;
} btable;

typedef struct tables {
    btable **list;
    size_t n;
} tables;

static void table_free(btable *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->pk);
    free(t->sk);
    free(t->projection);
    for (size_t i = 0; i < t->n_names; i++) {
        free(t->names[i].key);
        free(t->names[i].value);
    }
    free(t->names);
    free(t->found);
    free(t);
}

static void tables_free(tables *ts)
{
    for (size_t i = 0; i < ts->n; i++)
        table_free(ts->list[i]);
    free(ts->list);
}

static btable *table_find(const tables *ts, const char *name)
{
    for (size_t i = 0; i < ts->n; i++)
        if (strcmp(ts->list[i]->name, name) == 0)
            return ts->list[i];
    return NULL;
}

/* The table named `name`, registered on first use. DDB_ERR_LIMIT for a bad name or too many. */
static int table_get(tables *ts, const char *name, btable **out, ddb_error *err)
{
    btable *t = table_find(ts, name);
    if (t) {
        *out = t;
        return 0;
    }
    /* The codes are spelled out: the analyzer cannot see that ddb_error__set returns its own. */
    if (ddb_limits_check_table_name(name, err) != 0)
        return DDB_ERR_LIMIT;
    if (ts->n >= DDB_BATCH_MAX_TABLES) {
        ddb_error__set(err, DDB_ERR_LIMIT, "batch table count %zu exceeds %d", ts->n + 1,
                       DDB_BATCH_MAX_TABLES);
        return DDB_ERR_LIMIT;
    }
    btable **list = realloc(ts->list, (ts->n + 1) * sizeof(*list));
    if (!list) {
        ddb_error__nomem(err, "the batch's table list");
        return DDB_ERR_NOMEM;
    }
    ts->list = list;
    t = calloc(1, sizeof(*t));
    if (!t || !(t->name = strdup(name))) {
        free(t);
        ddb_error__nomem(err, "the batch's table list");
        return DDB_ERR_NOMEM;
    }
    ts->list[ts->n++] = t;
    *out = t;
    return 0;
}

/* Errors about the content of a batch: split it to find the items the service rejects. */
static bool content_error(int rc)
{
    return rc == DDB_ERR_VALIDATION || rc == DDB_ERR_RESOURCE_NOT_FOUND || rc == DDB_ERR_LIMIT;
}

/* ---- writer -------------------------------------------------------------------------------- */

typedef enum { W_PENDING, W_WRITTEN, W_FAILED } wstate;

typedef struct wentry {
    size_t index;
    btable *table;
    bool is_delete;
    ddb_value *value; /* owned copy */
    json_t *request;  /* {"PutRequest":{"Item":..}} or {"DeleteRequest":{"Key":..}} */
    size_t wire;      /* compact JSON bytes of request */
    wstate state;
} wentry;

typedef struct frec {
    ddb_batch_failure pub;
    char *table;
    char *message;
    ddb_value *item;
    char aws_type[128];
} frec;

struct ddb_batch_writer {
    ddb_client *client;
    settings s;
    tables tables;
    size_t added, written, failed;
    frec *failures;
    size_t n_failures, cap_failures;
    wentry pending[DDB_LIMIT_BATCH_WRITE_ITEMS];
    size_t n_pending;
    size_t pending_wire;
};

/* Record a failure. Takes ownership of item (freed when the record cannot be kept). */
static void record_write_failure(ddb_batch_writer *w, size_t index, const char *table,
                                 bool is_delete, ddb_value *item, int code, const char *aws_type,
                                 const char *message)
{
    w->failed++;
    if (w->n_failures >= w->s.max_failures)
        goto drop;
    if (w->n_failures == w->cap_failures) {
        size_t cap = w->cap_failures ? w->cap_failures * 2 : 16;
        if (cap > w->s.max_failures)
            cap = w->s.max_failures;
        frec *f = realloc(w->failures, cap * sizeof(*f));
        if (!f)
            goto drop;
        w->failures = f;
        w->cap_failures = cap;
    }
    frec *r = &w->failures[w->n_failures];
    memset(r, 0, sizeof(*r));
    r->table = dup_or_empty(table);
    r->message = dup_or_empty(message);
    if (!r->table || !r->message) {
        free(r->table);
        free(r->message);
        goto drop;
    }
    snprintf(r->aws_type, sizeof(r->aws_type), "%s", aws_type ? aws_type : "");
    r->item = item;
    r->pub.index = index;
    r->pub.is_delete = is_delete;
    r->pub.code = code;
    w->n_failures++;
    return;
drop:
    ddb_value_free(item);
}

static void wentry_clear(wentry *e)
{
    ddb_value_free(e->value);
    json_decref(e->request);
    memset(e, 0, sizeof(*e));
}

/* Fail every entry of set with the error e. */
static void fail_writes(ddb_batch_writer *w, wentry **set, size_t n, int code, const ddb_error *e,
                        const char *message)
{
    for (size_t i = 0; i < n; i++) {
        wentry *x = set[i];
        record_write_failure(w, x->index, x->table->name, x->is_delete, x->value, code,
                             e ? e->aws_type : "",
                             message ? message
                             : e     ? e->message
                                     : "");
        x->value = NULL;
        x->state = W_FAILED;
    }
}

/* The single table of a set of requests, for the client's events; NULL when several. */
static const char *write_table(wentry *const *set, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (set[i]->table != set[0]->table)
            return NULL;
    return n ? set[0]->table->name : NULL;
}

static json_t *build_write_request(wentry **set, size_t n)
{
    json_t *req = json_object(), *items = json_object();
    if (!req || !items || json_object_set_new(req, "RequestItems", items) != 0) {
        json_decref(req);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *list = json_object_get(items, set[i]->table->name);
        if (!list) {
            list = json_array();
            if (json_object_set_new(items, set[i]->table->name, list) != 0)
                list = NULL;
        }
        if (!list || json_array_append(list, set[i]->request) != 0) {
            json_decref(req);
            return NULL;
        }
    }
    return req;
}

/*
 * Move the entries the response lists as UnprocessedItems to the front of set and return their
 * number. A listed request that matches none of set (which should not happen) makes every entry
 * count as unprocessed: sending a put or delete twice is harmless, losing one is not.
 */
static size_t take_unprocessed_writes(const json_t *resp, wentry **set, size_t n)
{
    const json_t *ui = json_object_get(resp, "UnprocessedItems");
    const char *table;
    json_t *list, *wr;
    size_t i, left = 0;
    if (json_object_size(ui) == 0)
        return 0;
    bool *hit = calloc(n, sizeof(*hit));
    if (!hit)
        return n;
    json_object_foreach((json_t *)ui, table, list) {
        json_array_foreach(list, i, wr) {
            size_t k = 0;
            while (k < n && (hit[k] || strcmp(set[k]->table->name, table) != 0 ||
                             !json_equal(set[k]->request, wr)))
                k++;
            if (k == n) {
                free(hit);
                return n;
            }
            hit[k] = true;
            left++;
        }
    }
    /* Stable partition: unprocessed first, in their order. */
    wentry **tmp = malloc(n * sizeof(*tmp));
    if (!tmp) {
        free(hit);
        return n;
    }
    size_t a = 0, b = left;
    for (size_t k = 0; k < n; k++)
        tmp[hit[k] ? a++ : b++] = set[k];
    memcpy(set, tmp, n * sizeof(*set));
    free(tmp);
    free(hit);
    return left;
}

/* Write every entry of set: each ends W_WRITTEN or W_FAILED (recorded). */
static void write_set(ddb_batch_writer *w, wentry **set, size_t n)
{
    wentry **todo = malloc(n * sizeof(*todo));
    if (!todo) {
        ddb_error e = DDB_ERROR_INIT;
        ddb_error__nomem(&e, "a batch");
        fail_writes(w, set, n, DDB_ERR_NOMEM, &e, NULL);
        return;
    }
    memcpy(todo, set, n * sizeof(*todo));
    size_t n_todo = n;
    for (int round = 1;; round++) {
        ddb_error e = DDB_ERROR_INIT;
        json_t *resp = NULL;
        json_t *req = build_write_request(todo, n_todo);
        int rc = req ? ddb_api__call(w->client, "BatchWriteItem", write_table(todo, n_todo), req,
                                     &resp, &e)
                     : ddb_error__nomem(&e, "a BatchWriteItem request");
        json_decref(req);
        if (rc == 0) {
            size_t left = take_unprocessed_writes(resp, todo, n_todo);
            json_decref(resp);
            for (size_t i = left; i < n_todo; i++)
                todo[i]->state = W_WRITTEN;
            w->written += n_todo - left;
            n_todo = left;
            if (n_todo == 0)
                break;
            if (round >= w->s.max_rounds) {
                char msg[160];
                snprintf(msg, sizeof(msg),
                         "still in UnprocessedItems after %d BatchWriteItem calls", round);
                fail_writes(w, todo, n_todo, DDB_ERR_THROTTLED, NULL, msg);
                break;
            }
        } else if (content_error(rc) && n_todo > 1) {
            /* All or nothing: nothing of it was written. Halves, in order. */
            size_t half = n_todo / 2;
            ddb_error_clear(&e);
            write_set(w, todo, half);
            write_set(w, todo + half, n_todo - half);
            break;
        } else if (content_error(rc) || !e.throttling || round >= w->s.max_rounds) {
            /* The client already retried what it may; throttling alone earns more rounds. */
            fail_writes(w, todo, n_todo, rc, &e, NULL);
            ddb_error_clear(&e);
            break;
        }
        ddb_error_clear(&e);
        ddb_backoff__sleep_ms(ddb_backoff__delay_ms(round, w->s.base_ms, w->s.cap_ms));
    }
    free(todo);
}

static void write_pending(ddb_batch_writer *w)
{
    wentry *set[DDB_LIMIT_BATCH_WRITE_ITEMS];
    if (w->n_pending == 0)
        return;
    for (size_t i = 0; i < w->n_pending; i++)
        set[i] = &w->pending[i];
    write_set(w, set, w->n_pending);
    for (size_t i = 0; i < w->n_pending; i++)
        wentry_clear(&w->pending[i]);
    w->n_pending = 0;
    w->pending_wire = 0;
}

/* Would e share a key with a pending write? Only known with the table's key schema. */
static bool same_key_pending(const ddb_batch_writer *w, const wentry *e)
{
    if (!e->table->pk)
        return false;
    for (size_t i = 0; i < w->n_pending; i++) {
        const wentry *p = &w->pending[i];
        if (p->table != e->table)
            continue;
        if (ddb_value_equal(ddb_value_m_get(p->value, e->table->pk),
                            ddb_value_m_get(e->value, e->table->pk)) &&
            (!e->table->sk || ddb_value_equal(ddb_value_m_get(p->value, e->table->sk),
                                              ddb_value_m_get(e->value, e->table->sk))))
            return true;
    }
    return false;
}

/* Fits the pending batch: 25 requests, 16 MB of JSON (table names need no escaping). */
static bool fits_pending(const ddb_batch_writer *w, const wentry *e)
{
    if (w->n_pending >= DDB_LIMIT_BATCH_WRITE_ITEMS)
        return false;
    size_t tables_json = 0;
    bool new_table = true;
    for (size_t i = 0; i < w->n_pending; i++) {
        if (w->pending[i].table == e->table)
            new_table = false;
        bool first = true;
        for (size_t k = 0; k < i; k++)
            if (w->pending[k].table == w->pending[i].table)
                first = false;
        if (first)
            tables_json += strlen(w->pending[i].table->name) + 6;
    }
    if (new_table)
        tables_json += strlen(e->table->name) + 6;
    return WRITE_ENVELOPE + tables_json + w->pending_wire + e->wire + w->n_pending + 1 <=
           DDB_LIMIT_REQUEST_SIZE;
}

static int writer_add(ddb_batch_writer *w, const char *table, const ddb_value *value,
                      bool is_delete, ddb_error *err)
{
    const char *fn = is_delete ? "ddb_batch_writer_delete" : "ddb_batch_writer_put";
    const char *what = is_delete ? "key" : "item";
    wentry e = {0};
    json_t *j = NULL;
    ddb_error local = DDB_ERROR_INIT; /* the failure record needs the message even if err is NULL */
    int rc;
    if (!w)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: writer is NULL", fn);
    e.index = w->added++;
    e.is_delete = is_delete;
    if (!table || !value) {
        rc = ddb_error__set(&local, DDB_ERR_INVALID_ARG, "%s: table and %s are required", fn, what);
        goto fail;
    }
    if (ddb_value_type(value) != DDB_TYPE_M) {
        rc = ddb_error__set(&local, DDB_ERR_INVALID_ARG, "%s: the %s is %s, not M", fn, what,
                            ddb_type_name(ddb_value_type(value)));
        goto fail;
    }
    if ((rc = table_get(&w->tables, table, &e.table, &local)) != 0)
        goto fail;
    if (!is_delete && (rc = ddb_limits_check_item(value, &local)) != 0)
        goto fail;
    if (e.table->pk && (rc = ddb_limits_check_key(value, e.table->pk, e.table->sk, &local)) != 0)
        goto fail;
    if ((rc = ddb_json__from_item(&j, value, &local)) != 0)
        goto fail;
    if (is_delete && !e.table->pk && (rc = ddb_limits__check_json_key(j, NULL, &local)) != 0)
        goto fail;
    e.request = json_pack("{s:{s:o}}", is_delete ? "DeleteRequest" : "PutRequest",
                          is_delete ? "Key" : "Item", j);
    j = NULL; /* json_pack's "o" took it, also on failure */
    if (!e.request || (rc = ddb_value_copy(&e.value, value, &local)) != 0) {
        rc = e.request ? rc : ddb_error__nomem(&local, "a batch write request");
        goto fail;
    }
    e.wire = ddb_limits__json_wire_size(e.request);
    if (!fits_pending(w, &e) || same_key_pending(w, &e))
        write_pending(w);
    e.state = W_PENDING;
    w->pending[w->n_pending++] = e;
    w->pending_wire += e.wire;
    return 0;
fail:
    json_decref(j);
    json_decref(e.request);
    ddb_value_free(e.value);
    {
        ddb_value *copy = NULL;
        if (value && ddb_value_copy(&copy, value, NULL) != 0)
            copy = NULL;
        record_write_failure(w, e.index, table, is_delete, copy, rc, "", local.message);
    }
    if (err) {
        ddb_error_clear(err);
        *err = local;
    } else {
        ddb_error_clear(&local);
    }
    return rc;
}

int ddb_batch_writer_new(ddb_batch_writer **out, ddb_client *c, const ddb_batch_options *opts,
                         ddb_error *err)
{
    settings s;
    if (!out || !c)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_batch_writer_new: out and client are required");
    int rc = read_options(&s, opts, "ddb_batch_writer_new", err);
    if (rc)
        return rc;
    ddb_batch_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return ddb_error__nomem(err, "a batch writer");
    w->client = c;
    w->s = s;
    *out = w;
    return 0;
}

int ddb_batch_writer_set_key_schema(ddb_batch_writer *w, const char *table,
                                    const char *partition_key, const char *sort_key, ddb_error *err)
{
    btable *t = NULL;
    char *pk = NULL, *sk = NULL;
    if (!w || !table || !partition_key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_batch_writer_set_key_schema: writer, "
                              "table and partition_key are required");
    int rc = table_get(&w->tables, table, &t, err);
    if (rc)
        return rc;
    if (!(pk = strdup(partition_key)) || (sort_key && !(sk = strdup(sort_key)))) {
        free(pk);
        return ddb_error__nomem(err, "a key schema");
    }
    /* A schema given mid-way must not split a pending key comparison: send what is pending. */
    write_pending(w);
    free(t->pk);
    free(t->sk);
    t->pk = pk;
    t->sk = sk;
    return 0;
}

int ddb_batch_writer_put(ddb_batch_writer *w, const char *table, const ddb_value *item,
                         ddb_error *err)
{
    return writer_add(w, table, item, false, err);
}

int ddb_batch_writer_delete(ddb_batch_writer *w, const char *table, const ddb_value *key,
                            ddb_error *err)
{
    return writer_add(w, table, key, true, err);
}

int ddb_batch_writer_flush(ddb_batch_writer *w, ddb_error *err)
{
    char shown[SHOWN];
    if (!w)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_batch_writer_flush: writer is NULL");
    write_pending(w);
    if (w->failed == 0)
        return 0;
    if (w->n_failures == 0)
        return ddb_error__set(err, DDB_ERR_NOMEM, "%zu of %zu writes failed (no detail kept)",
                              w->failed, w->added);
    const frec *f = &w->failures[0];
    ddb_value__excerpt(shown, sizeof(shown), f->table, strlen(f->table));
    int rc = ddb_error__set(err, f->pub.code,
                            "%zu of %zu writes failed; first: item %zu (%s "
                            "\"%s\"): %s",
                            w->failed, w->added, f->pub.index,
                            f->pub.is_delete ? "delete from" : "put to", shown, f->message);
    if (err)
        ddb_error__set_aws_type(err, f->aws_type);
    return rc;
}

size_t ddb_batch_writer_added(const ddb_batch_writer *w)
{
    return w ? w->added : 0;
}

size_t ddb_batch_writer_written(const ddb_batch_writer *w)
{
    return w ? w->written : 0;
}

size_t ddb_batch_writer_failed(const ddb_batch_writer *w)
{
    return w ? w->failed : 0;
}

const ddb_batch_failure *ddb_batch_writer_failure(const ddb_batch_writer *w, size_t i)
{
    if (!w || i >= w->n_failures)
        return NULL;
    frec *r = &((ddb_batch_writer *)w)->failures[i];
    /* Filled here, not when recorded: the array moves as it grows. */
    r->pub.table = r->table;
    r->pub.message = r->message;
    r->pub.aws_type = r->aws_type;
    r->pub.item = r->item;
    return &r->pub;
}

void ddb_batch_writer_free(ddb_batch_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_pending; i++)
        wentry_clear(&w->pending[i]);
    for (size_t i = 0; i < w->n_failures; i++) {
        free(w->failures[i].table);
        free(w->failures[i].message);
        ddb_value_free(w->failures[i].item);
    }
    free(w->failures);
    tables_free(&w->tables);
    free(w);
}

/* ---- getter -------------------------------------------------------------------------------- */

typedef struct gentry {
    ddb_batch_get_result pub;
    btable *table;   /* NULL when the table name was refused */
    char *bad_table; /* owned: the refused name, for the result */
    ddb_value *key;  /* owned */
    json_t *key_json;
    ddb_value *item; /* owned, FOUND */
    char *message;   /* owned, FAILED */
    char aws_type[128];
    struct gentry *primary; /* an earlier add of the same key: it is read once, there */
    uint64_t hash;
} gentry;

struct ddb_batch_getter {
    ddb_client *client;
    settings s;
    tables tables;
    gentry **entries;
    size_t n, cap;
    size_t failed;
    /* The distinct keys, by hash of table and canonical key: open addressing, power of 2. */
    gentry **index;
    size_t index_cap, index_n;
};

static void set_status(gentry *e, ddb_batch_get_status status)
{
    e->pub.status = status;
}

static void set_failed(ddb_batch_getter *g, gentry *e, int code, const char *aws_type,
                       const char *message)
{
    free(e->message);
    e->message = dup_or_empty(message);
    snprintf(e->aws_type, sizeof(e->aws_type), "%s", aws_type ? aws_type : "");
    e->pub.code = code;
    set_status(e, DDB_BATCH_GET_FAILED);
    g->failed++;
}

/* FNV-1a over the table and the key, members sorted by name, numbers canonical. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t key_hash(const char *table, const ddb_value *key)
{
    uint64_t h = fnv(14695981039346656037ULL, table, strlen(table) + 1);
    size_t n = ddb_value_count(key);
    /* Order-independent: combine the members' own hashes by addition. */
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        const ddb_value *v = ddb_value_m_at(key, i, &name);
        uint64_t m = fnv(14695981039346656037ULL, name, strlen(name) + 1);
        ddb_type t = ddb_value_type(v);
        m = fnv(m, &t, sizeof(t));
        size_t len = 0;
        const void *bytes = NULL;
        char *canon = NULL;
        if (t == DDB_TYPE_S)
            bytes = ddb_value_s(v, &len);
        else if (t == DDB_TYPE_B)
            bytes = ddb_value_b(v, &len);
        else if (t == DDB_TYPE_N && ddb_number_canonical(&canon, ddb_value_n(v), NULL) == 0) {
            bytes = canon;
            len = strlen(canon);
        }
        if (bytes)
            m = fnv(m, bytes, len);
        free(canon);
        sum += m;
    }
    return fnv(h, &sum, sizeof(sum));
}

static gentry *index_find(const ddb_batch_getter *g, const gentry *e)
{
    if (!g->index_cap)
        return NULL;
    for (size_t i = e->hash & (g->index_cap - 1);; i = (i + 1) & (g->index_cap - 1)) {
        gentry *x = g->index[i];
        if (!x)
            return NULL;
        if (x->hash == e->hash && x->table == e->table && ddb_value_equal(x->key, e->key))
            return x;
    }
}

static int index_put(ddb_batch_getter *g, gentry *e, ddb_error *err)
{
    if ((g->index_n + 1) * 2 > g->index_cap) {
        size_t cap = g->index_cap ? g->index_cap * 2 : 64;
        gentry **idx = calloc(cap, sizeof(*idx));
        if (!idx)
            return ddb_error__nomem(err, "the getter's key index");
        for (size_t i = 0; i < g->index_cap; i++) {
            gentry *x = g->index[i];
            if (!x)
                continue;
            size_t k = x->hash & (cap - 1);
            while (idx[k])
                k = (k + 1) & (cap - 1);
            idx[k] = x;
        }
        free(g->index);
        g->index = idx;
        g->index_cap = cap;
    }
    size_t k = e->hash & (g->index_cap - 1);
    while (g->index[k])
        k = (k + 1) & (g->index_cap - 1);
    g->index[k] = e;
    g->index_n++;
    return 0;
}

int ddb_batch_getter_new(ddb_batch_getter **out, ddb_client *c, const ddb_batch_options *opts,
                         ddb_error *err)
{
    settings s;
    if (!out || !c)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_batch_getter_new: out and client are required");
    int rc = read_options(&s, opts, "ddb_batch_getter_new", err);
    if (rc)
        return rc;
    ddb_batch_getter *g = calloc(1, sizeof(*g));
    if (!g)
        return ddb_error__nomem(err, "a batch getter");
    g->client = c;
    g->s = s;
    *out = g;
    return 0;
}

int ddb_batch_getter_table_options(ddb_batch_getter *g, const char *table,
                                   const char *projection_expression,
                                   const ddb_string_map_entry *names, size_t n_names,
                                   bool consistent_read, ddb_error *err)
{
    btable *t = NULL;
    char *proj = NULL;
    name_copy *copy = NULL;
    size_t i = 0;
    int rc;
    if (!g || !table || (n_names && !names))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_batch_getter_table_options: getter "
                              "and table are required, and names when n_names > 0");
    if ((rc = table_get(&g->tables, table, &t, err)) != 0)
        return rc;
    if (projection_expression &&
        (rc = ddb_limits_check_expression("ProjectionExpression", projection_expression, err)))
        return rc;
    if (projection_expression && !(proj = strdup(projection_expression)))
        goto nomem;
    if (n_names && !(copy = calloc(n_names, sizeof(*copy))))
        goto nomem;
    for (; i < n_names; i++) {
        if (!names[i].key || !names[i].value) {
            rc = ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                "ddb_batch_getter_table_options: "
                                "names[%zu] has a NULL key or value",
                                i);
            goto fail;
        }
        copy[i].key = strdup(names[i].key);
        copy[i].value = strdup(names[i].value);
        if (!copy[i].key || !copy[i].value) {
            i++;
            goto nomem;
        }
    }
    free(t->projection);
    for (size_t k = 0; k < t->n_names; k++) {
        free(t->names[k].key);
        free(t->names[k].value);
    }
    free(t->names);
    t->projection = proj;
    t->names = copy;
    t->n_names = n_names;
    t->consistent_read = consistent_read;
    return 0;
nomem:
    rc = ddb_error__nomem(err, "the getter's table options");
fail:
    for (size_t k = 0; k < i && copy; k++) {
        free(copy[k].key);
        free(copy[k].value);
    }
    free(copy);
    free(proj);
    return rc;
}

int ddb_batch_getter_add(ddb_batch_getter *g, const char *table, const ddb_value *key,
                         ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT; /* the result needs the message even if err is NULL */
    int rc;
    if (!g)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_batch_getter_add: getter is NULL");
    if (g->n >= DDB_BATCH_GETTER_MAX_KEYS)
        return ddb_error__set(err, DDB_ERR_LIMIT, "batch getter key count %zu exceeds %d", g->n + 1,
                              DDB_BATCH_GETTER_MAX_KEYS);
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        gentry **list = realloc(g->entries, cap * sizeof(*list));
        if (!list)
            return ddb_error__nomem(err, "the getter's key list");
        g->entries = list;
        g->cap = cap;
    }
    gentry *e = calloc(1, sizeof(*e));
    if (!e)
        return ddb_error__nomem(err, "a getter entry");
    e->pub.index = g->n;
    g->entries[g->n++] = e;
    if (!table || !key) {
        rc = ddb_error__set(&local, DDB_ERR_INVALID_ARG,
                            "ddb_batch_getter_add: table and key are "
                            "required");
        goto fail;
    }
    if (ddb_value_type(key) != DDB_TYPE_M) {
        rc = ddb_error__set(&local, DDB_ERR_INVALID_ARG,
                            "ddb_batch_getter_add: the key is %s, "
                            "not M",
                            ddb_type_name(ddb_value_type(key)));
        goto fail;
    }
    if ((rc = table_get(&g->tables, table, &e->table, &local)) != 0) {
        e->bad_table = strdup(table);
        goto fail;
    }
    if ((rc = ddb_value_copy(&e->key, key, &local)) != 0 ||
        (rc = ddb_json__from_item(&e->key_json, key, &local)) != 0)
        goto fail;
    if ((rc = ddb_limits__check_json_key(e->key_json, NULL, &local)) != 0)
        goto fail;
    e->hash = key_hash(table, key);
    e->primary = index_find(g, e);
    if (!e->primary && (rc = index_put(g, e, &local)) != 0)
        goto fail;
    return 0;
fail:
    if (!e->key && key)
        (void)ddb_value_copy(&e->key, key, NULL);
    set_failed(g, e, rc, "", local.message); /* FAILED entries are never sent */
    if (err) {
        ddb_error_clear(err);
        *err = local;
    } else {
        ddb_error_clear(&local);
    }
    return rc;
}

/* Is name already a top-level path of the projection (directly or through a #placeholder)? */
static bool projection_has(const btable *t, const char *name)
{
    const char *p = t->projection;
    while (p && *p) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
            p++;
        size_t len = strcspn(p, ",");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n'))
            len--;
        const char *resolved = NULL;
        if (len && p[0] == '#') {
            for (size_t i = 0; i < t->n_names; i++)
                if (strlen(t->names[i].key) == len && strncmp(t->names[i].key, p, len) == 0)
                    resolved = t->names[i].value;
        }
        if (resolved ? strcmp(resolved, name) == 0
                     : (strlen(name) == len && !strncmp(p, name, len)))
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

/* KeysAndAttributes for the entries of table t in set. */
static json_t *keys_and_attributes(const btable *t, gentry **set, size_t n)
{
    json_t *ka = json_object(), *keys = json_array();
    if (!ka || !keys || json_object_set_new(ka, "Keys", keys) != 0)
        goto fail;
    const char *key_names[4];
    size_t n_key_names = 0;
    for (size_t i = 0; i < n; i++) {
        if (set[i]->table != t)
            continue;
        if (json_array_append(keys, set[i]->key_json) != 0)
            goto fail;
        size_t nk = ddb_value_count(set[i]->key);
        for (size_t k = 0; k < nk; k++) {
            const char *name = NULL;
            (void)ddb_value_m_at(set[i]->key, k, &name);
            bool seen = false;
            for (size_t j = 0; j < n_key_names; j++)
                seen = seen || strcmp(key_names[j], name) == 0;
            if (!seen && n_key_names < sizeof(key_names) / sizeof(*key_names))
                key_names[n_key_names++] = name;
        }
    }
    if (t->consistent_read && json_object_set_new(ka, "ConsistentRead", json_true()) != 0)
        goto fail;
    if (t->projection) {
        /* The key attributes must come back: they tell which key an item answers. */
        json_t *names = json_object();
        size_t len = strlen(t->projection), cap = len + 1 + n_key_names * 16;
        char *proj = malloc(cap);
        if (!names || !proj) {
            json_decref(names);
            free(proj);
            goto fail;
        }
        memcpy(proj, t->projection, len + 1);
        for (size_t i = 0; i < t->n_names; i++)
            json_object_set_new(names, t->names[i].key, json_string(t->names[i].value));
        for (size_t j = 0; j < n_key_names; j++) {
            if (projection_has(t, key_names[j]))
                continue;
            char ph[16]; /* j < 4 */
            snprintf(ph, sizeof(ph), "#ddbkey%u", (unsigned)j);
            int w = snprintf(proj + len, cap - len, ", %s", ph);
            len += w > 0 ? (size_t)w : 0;
            json_object_set_new(names, ph, json_string(key_names[j]));
        }
        int rc = json_object_set_new(ka, "ProjectionExpression", json_string(proj));
        free(proj);
        if (json_object_size(names) == 0)
            json_decref(names);
        else if (json_object_set_new(ka, "ExpressionAttributeNames", names) != 0)
            rc = -1;
        if (rc != 0)
            goto fail;
    }
    return ka;
fail:
    json_decref(ka);
    return NULL;
}

static const char *get_table(gentry *const *set, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (set[i]->table != set[0]->table)
            return NULL;
    return n ? set[0]->table->name : NULL;
}

static json_t *build_get_request(gentry **set, size_t n)
{
    json_t *req = json_object(), *items = json_object();
    if (!req || !items || json_object_set_new(req, "RequestItems", items) != 0) {
        json_decref(req);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(items, set[i]->table->name))
            continue;
        json_t *ka = keys_and_attributes(set[i]->table, set, n);
        if (!ka || json_object_set_new(items, set[i]->table->name, ka) != 0) {
            json_decref(req);
            return NULL;
        }
    }
    return req;
}

/* Does item answer key: every key attribute present in item with an equal value? */
static bool item_matches(const ddb_value *item, const ddb_value *key)
{
    size_t n = ddb_value_count(key);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        const ddb_value *kv = ddb_value_m_at(key, i, &name);
        if (!ddb_value_equal(ddb_value_m_get(item, name), kv))
            return false;
    }
    return n > 0;
}

/* Apply a BatchGetItem response to set; returns how many are left unprocessed (moved first). */
static size_t apply_get_response(ddb_batch_getter *g, const json_t *resp, gentry **set, size_t n)
{
    const char *table;
    json_t *list, *j;
    size_t i;
    (void)g;
    json_object_foreach(json_object_get(resp, "Responses"), table, list) {
        json_array_foreach(list, i, j) {
            ddb_value *item = NULL;
            if (ddb_json__to_item(&item, j, "BatchGetItemOutput.Responses", NULL) != 0)
                continue;
            size_t k = 0;
            while (k < n &&
                   (set[k]->pub.status != DDB_BATCH_GET_PENDING ||
                    strcmp(set[k]->table->name, table) != 0 || !item_matches(item, set[k]->key)))
                k++;
            if (k == n) {
                ddb_value_free(item);
                continue;
            }
            set[k]->item = item;
            set_status(set[k], DDB_BATCH_GET_FOUND);
        }
    }
    /* UnprocessedKeys stay pending; every other key not found is NOT_FOUND. */
    bool *left = calloc(n, sizeof(*left));
    bool all_left = left == NULL;
    json_t *ka;
    json_object_foreach(json_object_get(resp, "UnprocessedKeys"), table, ka) {
        json_array_foreach(json_object_get(ka, "Keys"), i, j) {
            ddb_value *key = NULL;
            size_t k = n;
            if (!all_left && ddb_json__to_item(&key, j, "UnprocessedKeys", NULL) == 0) {
                k = 0;
                while (k < n && (left[k] || set[k]->pub.status != DDB_BATCH_GET_PENDING ||
                                 strcmp(set[k]->table->name, table) != 0 ||
                                 !ddb_value_equal(set[k]->key, key)))
                    k++;
            }
            ddb_value_free(key);
            if (k == n)
                all_left = true; /* unaccounted for: resend every key not found */
            else
                left[k] = true;
        }
    }
    size_t n_left = 0;
    for (size_t k = 0; k < n; k++) {
        if (set[k]->pub.status != DDB_BATCH_GET_PENDING)
            continue;
        if (all_left || left[k])
            set[n_left++] = set[k]; /* k >= n_left: compacting in place keeps the order */
        else
            set_status(set[k], DDB_BATCH_GET_NOT_FOUND);
    }
    free(left);
    return n_left;
}

static void fail_gets(ddb_batch_getter *g, gentry **set, size_t n, int code, const char *aws_type,
                      const char *message)
{
    for (size_t i = 0; i < n; i++)
        set_failed(g, set[i], code, aws_type, message);
}

static void get_set(ddb_batch_getter *g, gentry **set, size_t n)
{
    gentry **todo = malloc(n * sizeof(*todo));
    if (!todo) {
        fail_gets(g, set, n, DDB_ERR_NOMEM, "", "out of memory allocating a batch");
        return;
    }
    memcpy(todo, set, n * sizeof(*todo));
    size_t n_todo = n;
    for (int round = 1;; round++) {
        ddb_error e = DDB_ERROR_INIT;
        json_t *resp = NULL;
        json_t *req = build_get_request(todo, n_todo);
        int rc =
            req ? ddb_api__call(g->client, "BatchGetItem", get_table(todo, n_todo), req, &resp, &e)
                : ddb_error__nomem(&e, "a BatchGetItem request");
        json_decref(req);
        if (rc == 0) {
            n_todo = apply_get_response(g, resp, todo, n_todo);
            json_decref(resp);
            if (n_todo == 0)
                break;
            if (round >= g->s.max_rounds) {
                char msg[160];
                snprintf(msg, sizeof(msg), "still in UnprocessedKeys after %d BatchGetItem calls",
                         round);
                fail_gets(g, todo, n_todo, DDB_ERR_THROTTLED, "", msg);
                break;
            }
        } else if (content_error(rc) && n_todo > 1) {
            size_t half = n_todo / 2;
            ddb_error_clear(&e);
            get_set(g, todo, half);
            get_set(g, todo + half, n_todo - half);
            break;
        } else if (content_error(rc) || !e.throttling || round >= g->s.max_rounds) {
            fail_gets(g, todo, n_todo, rc, e.aws_type, e.message);
            ddb_error_clear(&e);
            break;
        }
        ddb_error_clear(&e);
        ddb_backoff__sleep_ms(ddb_backoff__delay_ms(round, g->s.base_ms, g->s.cap_ms));
    }
    free(todo);
}

/* Group the found items per table, in key order, one per distinct key. */
static int regroup(ddb_batch_getter *g, ddb_error *err)
{
    for (size_t t = 0; t < g->tables.n; t++)
        g->tables.list[t]->n_found = 0;
    for (size_t i = 0; i < g->n; i++) {
        gentry *e = g->entries[i];
        if (e->primary || e->pub.status != DDB_BATCH_GET_FOUND)
            continue;
        btable *t = e->table;
        if (t->n_found == t->cap_found) {
            size_t cap = t->cap_found ? t->cap_found * 2 : 16;
            const ddb_value **found = realloc(t->found, cap * sizeof(*found));
            if (!found)
                return ddb_error__nomem(err, "the getter's results by table");
            t->found = found;
            t->cap_found = cap;
        }
        t->found[t->n_found++] = e->item;
    }
    return 0;
}

int ddb_batch_getter_run(ddb_batch_getter *g, ddb_error *err)
{
    gentry *chunk[DDB_LIMIT_BATCH_GET_KEYS];
    size_t nc = 0;
    if (!g)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_batch_getter_run: getter is NULL");
    for (size_t i = 0; i < g->n; i++) {
        gentry *e = g->entries[i];
        if (e->primary || !e->table || e->pub.status != DDB_BATCH_GET_PENDING)
            continue;
        chunk[nc++] = e;
        if (nc == DDB_LIMIT_BATCH_GET_KEYS) {
            get_set(g, chunk, nc);
            nc = 0;
        }
    }
    if (nc)
        get_set(g, chunk, nc);
    /* Keys added twice take the result of their first add. */
    for (size_t i = 0; i < g->n; i++) {
        gentry *e = g->entries[i];
        if (!e->primary || e->pub.status != DDB_BATCH_GET_PENDING)
            continue;
        if (e->primary->pub.status == DDB_BATCH_GET_FAILED)
            set_failed(g, e, e->primary->pub.code, e->primary->aws_type, e->primary->message);
        else
            set_status(e, e->primary->pub.status);
    }
    int rc = regroup(g, err);
    if (rc)
        return rc;
    if (g->failed == 0)
        return 0;
    for (size_t i = 0; i < g->n; i++) {
        const gentry *e = g->entries[i];
        if (e->pub.status != DDB_BATCH_GET_FAILED)
            continue;
        rc = ddb_error__set(err, e->pub.code, "%zu of %zu keys failed; first: key %zu: %s",
                            g->failed, g->n, i, e->message);
        if (err)
            ddb_error__set_aws_type(err, e->aws_type);
        return rc;
    }
    return 0;
}

size_t ddb_batch_getter_count(const ddb_batch_getter *g)
{
    return g ? g->n : 0;
}

const ddb_batch_get_result *ddb_batch_getter_result(const ddb_batch_getter *g, size_t index)
{
    if (!g || index >= g->n)
        return NULL;
    gentry *e = g->entries[index];
    const gentry *src = e->primary ? e->primary : e;
    e->pub.table = e->table ? e->table->name : e->bad_table ? e->bad_table : "";
    e->pub.key = e->key;
    e->pub.item = e->pub.status == DDB_BATCH_GET_FOUND ? src->item : NULL;
    e->pub.message = e->message ? e->message : "";
    e->pub.aws_type = e->aws_type;
    if (e->pub.status != DDB_BATCH_GET_FAILED)
        e->pub.code = 0;
    return &e->pub;
}

size_t ddb_batch_getter_table_items(const ddb_batch_getter *g, const char *table,
                                    const ddb_value *const **items)
{
    const btable *t = g && table ? table_find(&g->tables, table) : NULL;
    if (items)
        *items = t ? (const ddb_value *const *)t->found : NULL;
    return t ? t->n_found : 0;
}

void ddb_batch_getter_free(ddb_batch_getter *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        gentry *e = g->entries[i];
        ddb_value_free(e->key);
        json_decref(e->key_json);
        ddb_value_free(e->item);
        free(e->message);
        free(e->bad_table);
        free(e);
    }
    free(g->entries);
    free(g->index);
    tables_free(&g->tables);
    free(g);
}
