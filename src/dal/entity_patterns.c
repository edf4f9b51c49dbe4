/*
 * The runtime of generated access patterns beyond CRUD (ddb/dal/entity_patterns.h): typed parameters
 * into entity fields, mixed_data queries, and cross-table transactions.
 */
#include "ddb/dal/entity_patterns.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "ddb/api/api.h"
#include "ddb/api/batch.h"
#include "ddb/api/cursor.h"
#include "ddb/api/expr.h"
#include "ddb/api/request.h"
#include "ddb/api/txn.h"
#include "ddb/core/value.h"

#define KEY_MAX DDB_ENTITY__KEY_MAX
#define AT(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))
#define CAT(obj, off, T) ((const T *)(const void *)((const char *)(obj) + (off)))

static char *copy_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

static int set_one(void *obj, const ddb_entity_desc *d, const ddb_field_desc *f,
                   const ddb_entity_arg *a, ddb_error *err)
{
    void *p = AT(obj, f->offset, char);
    bool *has = f->has_offset != DDB_ENTITY_NO_OFFSET ? AT(obj, f->has_offset, bool) : NULL;
    bool fits = a->kind == f->kind || (f->kind == DDB_FIELD_UUID && a->kind == DDB_FIELD_STRING) ||
                (f->kind == DDB_FIELD_STRING && a->kind == DDB_FIELD_UUID) ||
                (f->kind == DDB_FIELD_DECIMAL && a->kind == DDB_FIELD_INT64);
    if (f->is_list || f->kind == DDB_FIELD_VALUE || !fits)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: the parameter's type does not fit",
                             d->name, f->name);
    switch (f->kind) {
    case DDB_FIELD_STRING: {
        char *copy = NULL;
        if (a->s && !(copy = copy_text(a->s)))
            return ddb_dal__nomem(err, f->name);
        free(*(char **)p);
        *(char **)p = copy;
        return 0;
    }
    case DDB_FIELD_UUID:
        if (!a->s) {
            memset(p, 0, 37);
            if (has)
                *has = false;
            return 0;
        }
        if (!ddb_uuid_valid(a->s))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: \"%s\" is not a UUID", d->name,
                                 f->name, a->s);
        memcpy(p, a->s, 37);
        break;
    case DDB_FIELD_DECIMAL:
        if (a->kind == DDB_FIELD_INT64) {
            char num[32];
            snprintf(num, sizeof num, "%" PRId64, a->i);
            return ddb_decimal_set((ddb_decimal *)p, num, err);
        }
        if (!a->s) {
            free(((ddb_decimal *)p)->text);
            ((ddb_decimal *)p)->text = NULL;
            return 0;
        }
        return ddb_decimal_set((ddb_decimal *)p, a->s, err);
    case DDB_FIELD_INT64:
        *(int64_t *)p = a->i;
        break;
    case DDB_FIELD_BOOL:
        *(bool *)p = a->b;
        break;
    default:
        break;
    }
    if (has)
        *has = true;
    return 0;
}

int ddb_entity_set_fields(void *obj, const ddb_entity_desc *d, const size_t *fields,
                          const ddb_entity_arg *args, size_t n, ddb_error *err)
{
    if (!obj || !d || (n && (!fields || !args)))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity set fields: bad argument");
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (fields[i] >= d->n_fields)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: field index %zu of %zu", d->name,
                                 fields[i], d->n_fields);
        rc = set_one(obj, d, &d->fields[fields[i]], &args[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- classification -------------------------------------------------------------------------- */

/* How well item fits d: -1 not at all, else the length of the literal text matched. */
static long fit_score(const ddb_entity_desc *d, const ddb_value *item)
{
    char prefix[KEY_MAX];
    long score = 0;
    for (size_t k = 0; k < d->n_primary && k < d->n_keys; k++) {
        const ddb_key_desc *key = &d->keys[k];
        const ddb_value *v = ddb_value_m_get(item, key->attribute);
        bool whole;
        size_t len = ddb_entity__literal_prefix(prefix, sizeof prefix, key, &whole);
        const char *s;
        if (!v)
            return -1;
        if (key->numeric) {
            if (ddb_value_type(v) != DDB_TYPE_N)
                return -1;
            continue;
        }
        s = ddb_value_type(v) == DDB_TYPE_S ? ddb_value_s(v, NULL) : NULL;
        if (!s || strncmp(s, prefix, len) != 0 || (whole && s[len] != '\0'))
            return -1;
        score += (long)len;
    }
    return score;
}

int ddb_entity_classify(const ddb_entity_desc *const *descs, size_t n, const ddb_value *item)
{
    int best = -1;
    long best_score = -1;
    for (size_t i = 0; descs && item && i < n; i++) {
        long s = descs[i] ? fit_score(descs[i], item) : -1;
        if (s > best_score) {
            best_score = s;
            best = (int)i;
        }
    }
    return best;
}

/* ---- filters ------------------------------------------------------------------------------- */

/* ---- mixed_data queries ---------------------------------------------------------------------- */

void ddb_entity_mixed_page_free(const ddb_entity_desc *const *descs, ddb_entity_mixed_page *p)
{
    (void)descs;
    if (!p)
        return;
    free(p->items);
    free(p->which);
    free(p->cursor);
    memset(p, 0, sizeof *p);
}

/*
 * Fills page (zeroed) from the items of a query response: each of a type among descs, in order;
 * the cursor from last. On failure page holds what was filled (ddb_entity_mixed_page_free after
 * freeing the entities with free_mixed_items).
 */
static int fill_mixed(ddb_entity_mixed_page *page, ddb_value *const *items, size_t n,
                      const ddb_value *last, const char *context,
                      const ddb_entity_desc *const *descs, size_t n_descs, size_t item_size,
                      size_t obj_offset, bool partial, ddb_error *err)
{
    int rc = 0;
    page->items = calloc(n ? n : 1, item_size);
    page->which = calloc(n ? n : 1, sizeof *page->which);
    if (!page->items || !page->which)
        return ddb_dal__nomem(err, "mixed page");
    for (size_t i = 0; i < n; i++) {
        int k = ddb_entity_classify(descs, n_descs, items[i]);
        const ddb_entity_desc *kd;
        ddb_entity_desc *relaxed = NULL;
        void *slot;
        if (k < 0)
            continue; /* an item of no entity type of the model */
        kd = descs[k];
        slot = (char *)page->items + page->n * item_size + obj_offset;
        if (partial)
            rc = ddb_entity_desc_partial(&relaxed, kd, NULL, 0, err);
        if (rc == 0)
            rc = ddb_entity__from_stored(slot, relaxed ? relaxed : kd, items[i], err);
        ddb_entity_desc_free(relaxed);
        if (rc < 0)
            return rc;
        page->which[page->n++] = (size_t)k;
    }
    if (last)
        rc = ddb_cursor_encode(&page->cursor, last, context, NULL, err);
    return rc;
}

static void free_mixed_items(ddb_entity_mixed_page *page, const ddb_entity_desc *const *descs,
                             size_t item_size, size_t obj_offset)
{
    for (size_t i = 0; page->items && i < page->n; i++)
        ddb_entity_free(descs[page->which[i]], (char *)page->items + i * item_size + obj_offset);
}

/* ---- offsets over pages of several entity types ------------------------------------------- */

typedef enum mixed_kind { MIXED_QUERY, MIXED_SCAN, MIXED_MQUERY } mixed_kind;

typedef struct mixed_pager {
    mixed_kind kind;
    ddb_client *c;
    const ddb_entity_desc *const *descs;
    size_t n_descs;
    const ddb_entity_desc *d;
    const char *table;
    const void *key_obj;
    const ddb_entity_query *q;   /* MIXED_QUERY, MIXED_SCAN */
    const ddb_entity_mquery *mq; /* MIXED_MQUERY */
    ddb_query_output *qo;
    ddb_scan_output *so;
} mixed_pager;

static int mquery_run(ddb_query_output **o, ddb_client *c, const ddb_entity_desc *d,
                      const char *table, const void *key_obj, const ddb_entity_mquery *q,
                      ddb_error *err);

static int mixed_run(void *ctx, const char *cursor, int limit, ddb_value *const **items, size_t *n,
                     const ddb_value **last, ddb_error *err)
{
    mixed_pager *p = ctx;
    int rc;
    ddb_query_output_free(p->qo);
    ddb_scan_output_free(p->so);
    p->qo = NULL;
    p->so = NULL;
    if (p->kind == MIXED_MQUERY) {
        ddb_entity_mquery mq = *p->mq;
        mq.cursor = cursor;
        mq.limit = limit;
        mq.offset = 0;
        rc = mquery_run(&p->qo, p->c, p->d, p->table, p->key_obj, &mq, err);
    } else {
        ddb_entity_query q = *p->q;
        q.cursor = cursor;
        q.limit = limit;
        q.offset = 0;
        rc = p->kind == MIXED_SCAN
                 ? ddb_entity__scan(&p->so, p->c, p->table, &q, err)
                 : ddb_entity__query(&p->qo, p->c, p->d, p->table, p->key_obj, &q, q.filter, err);
    }
    if (rc == 0 && p->qo) {
        *items = p->qo->items;
        *n = p->qo->n_items;
        *last = p->qo->last_evaluated_key;
    } else if (rc == 0) {
        *items = p->so->items;
        *n = p->so->n_items;
        *last = p->so->last_evaluated_key;
    }
    return rc;
}

static bool mixed_match(void *ctx, const ddb_value *item)
{
    const mixed_pager *p = ctx;
    return ddb_entity_classify(p->descs, p->n_descs, item) >= 0;
}

/* The cursor where the page of p's offset starts (*start, the caller's; *ended: none). */
static int mixed_offset(char **start, bool *ended, mixed_pager *mp, ddb_error *err)
{
    ddb_entity__pager p = {mixed_run, mixed_match, mp};
    if (!mp->mq && !mp->q)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "mixed page: no query");
    int offset = mp->mq ? mp->mq->offset : mp->q->offset;
    const char *cursor = mp->mq ? mp->mq->cursor : mp->q->cursor;
    const char *context = mp->mq ? mp->mq->context : mp->q->context;
    int rc = ddb_entity__offset_start(start, ended, &p, offset, cursor, context, err);
    ddb_query_output_free(mp->qo);
    ddb_scan_output_free(mp->so);
    mp->qo = NULL;
    mp->so = NULL;
    return rc;
}

/* An empty last page (the offset is past the results). */
static int empty_mixed(ddb_entity_mixed_page *page, size_t item_size, ddb_error *err)
{
    page->items = calloc(1, item_size ? item_size : 1);
    page->which = calloc(1, sizeof *page->which);
    if (!page->items || !page->which)
        return ddb_dal__nomem(err, "mixed page");
    return 0;
}

int ddb_entity_query_mixed(ddb_entity_mixed_page *out, ddb_client *c,
                           const ddb_entity_desc *const *descs, size_t n_descs, size_t item_size,
                           size_t obj_offset, bool partial, const ddb_entity_desc *d,
                           const char *table, const void *key_obj, const ddb_entity_query *q,
                           ddb_error *err)
{
    ddb_query_output *o = NULL;
    ddb_entity_mixed_page page = {0, NULL, NULL, NULL};
    mixed_pager mp = {MIXED_QUERY, c, descs, n_descs, d, table, key_obj, q, NULL, NULL, NULL};
    ddb_entity_query qq;
    char *start = NULL;
    bool ended = false;
    int rc;

    if (!out || !c || !descs || !d || !table || !key_obj || !q || q->pk_key >= d->n_keys ||
        (q->has_sk && q->sk_key >= d->n_keys) || item_size < obj_offset)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity mixed query: bad argument");
    qq = *q;
    rc = mixed_offset(&start, &ended, &mp, err);
    qq.cursor = start;
    qq.offset = 0;
    if (rc == 0 && ended)
        rc = empty_mixed(&page, item_size, err);
    else if (rc == 0)
        rc = ddb_entity__query(&o, c, d, table, key_obj, &qq, q->filter, err);
    if (rc == 0 && !ended)
        rc = fill_mixed(&page, o->items, o->n_items, o->last_evaluated_key, q->context, descs,
                        n_descs, item_size, obj_offset, partial, err);
    free(start);
    if (rc == 0) {
        *out = page;
        memset(&page, 0, sizeof page);
    }
    free_mixed_items(&page, descs, item_size, obj_offset);
    ddb_entity_mixed_page_free(descs, &page);
    ddb_query_output_free(o);
    return rc;
}

int ddb_entity_scan_mixed(ddb_entity_mixed_page *out, ddb_client *c,
                          const ddb_entity_desc *const *descs, size_t n_descs, size_t item_size,
                          size_t obj_offset, bool partial, const char *table,
                          const ddb_entity_query *q, ddb_error *err)
{
    ddb_scan_output *o = NULL;
    ddb_entity_mixed_page page = {0, NULL, NULL, NULL};
    mixed_pager mp = {MIXED_SCAN, c, descs, n_descs, NULL, table, NULL, q, NULL, NULL, NULL};
    ddb_entity_query qq;
    char *start = NULL;
    bool ended = false;
    int rc;
    if (!out || !c || !descs || !table || !q || item_size < obj_offset)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity mixed scan: bad argument");
    qq = *q;
    rc = mixed_offset(&start, &ended, &mp, err);
    qq.cursor = start;
    qq.offset = 0;
    if (rc == 0 && ended)
        rc = empty_mixed(&page, item_size, err);
    else if (rc == 0)
        rc = ddb_entity__scan(&o, c, table, &qq, err);
    free(start);
    if (rc == 0 && !ended)
        rc = fill_mixed(&page, o->items, o->n_items, o->last_evaluated_key, q->context, descs,
                        n_descs, item_size, obj_offset, partial, err);
    if (rc == 0) {
        *out = page;
    } else {
        free_mixed_items(&page, descs, item_size, obj_offset);
        ddb_entity_mixed_page_free(descs, &page);
    }
    ddb_scan_output_free(o);
    return rc;
}

/* ---- multi-attribute index keys -------------------------------------------------------------- */

/*
 * What a multi-attribute key Query request holds beyond the input: the key condition text, its
 * names and values. ddb_expr allows one partition key and one sort key condition, so the
 * condition of up to 4 + 4 attributes is written here.
 */
typedef struct mquery_req {
    char expr[1024];
    char keys[9][8];
    size_t n_key_names;
    ddb_string_map_entry *names; /* the key condition's, then the filter's */
    size_t n_names;
    ddb_value *values; /* an M value */
    ddb_value *start;
    ddb_expr *filter_expr; /* the filter, built by ddb_expr (its names are #n.., values :v..) */
    ddb_expr_result *filter;
} mquery_req;

static void mquery_req_free(mquery_req *r)
{
    free(r->names);
    ddb_value_free(r->values);
    ddb_value_free(r->start);
    ddb_expr_result_free(r->filter);
    ddb_expr_free(r->filter_expr);
}

/* Appends "#kK" for attribute to r and returns K (names are placed later, see mquery_input). */
static size_t mq_name(mquery_req *r, const char *attribute)
{
    size_t k = r->n_key_names++;
    snprintf(r->keys[k], sizeof r->keys[k], "#k%zu", k);
    r->names[k].key = r->keys[k];
    r->names[k].value = attribute;
    return k;
}

/* A range value: the prefix and v for an S attribute, v alone for an N one. */
static int mq_range_value(ddb_value **out, const ddb_key_desc *k, const char *prefix, const char *v,
                          ddb_error *err)
{
    char buf[KEY_MAX];
    if (!v)
        v = "";
    if (k->numeric)
        return ddb_value_new_n(out, v, err);
    if ((size_t)snprintf(buf, sizeof buf, "%s%s", prefix, v) >= sizeof buf)
        return ddb_error_set(err, DDB_ERR_LIMIT, "key %s value is over %zu bytes", k->attribute,
                             sizeof buf - 1);
    return ddb_value_new_s(out, buf, err);
}

static int mq_append(mquery_req *r, size_t *len, ddb_error *err, const char *fmt, ...)
    DDB_DAL__PRINTF(4, 5);

static int mq_append(mquery_req *r, size_t *len, ddb_error *err, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(r->expr + *len, sizeof r->expr - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof r->expr - *len)
        return ddb_error_set(err, DDB_ERR_LIMIT, "key condition over %zu bytes",
                             sizeof r->expr - 1);
    *len += (size_t)n;
    return 0;
}

/* The Query input of q; in points into r, which the caller frees with mquery_req_free. */
static int mquery_input(ddb_query_input *in, mquery_req *r, const ddb_entity_desc *d,
                        const char *table, const void *key_obj, const ddb_entity_mquery *q,
                        ddb_error *err)
{
    char prefix[KEY_MAX], vkey[32];
    size_t len = 0, n_values = 0, n_filter_names = 0;
    int rc;
    memset(r, 0, sizeof *r);
    if (!d || !table || !key_obj || !q || q->n_pk < 1 || q->n_pk > 4 || q->n_sk > 4 ||
        (q->has_range_key && q->range_key >= d->n_keys))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity multi-key query: bad argument");
    /* The filter first: its values start the map, and the key condition's join them. */
    rc = ddb_entity__build_filter(&r->filter_expr, &r->filter, q->filter, err);
    if (rc == 0 && r->filter) {
        n_filter_names = r->filter->n_expression_attribute_names;
        if (r->filter->expression_attribute_values)
            rc = ddb_value_copy(&r->values, r->filter->expression_attribute_values, err);
    }
    if (rc == 0 && !(r->names = calloc(9 + n_filter_names, sizeof *r->names)))
        rc = ddb_dal__nomem(err, "key condition");
    if (rc == 0 && !r->values)
        rc = ddb_value_new_m(&r->values, err);
    for (size_t i = 0; rc == 0 && i < q->n_pk + q->n_sk; i++) {
        size_t k = i < q->n_pk ? q->pk_keys[i] : q->sk_keys[i - q->n_pk];
        ddb_value *v = NULL;
        if (k >= d->n_keys)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: key index %zu of %zu", d->name, k,
                                 d->n_keys);
        rc = ddb_entity_key_value(&v, d, k, key_obj, err);
        if (rc == 0 && !v)
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: key attribute %s is incomplete",
                               d->name, d->keys[k].attribute);
        snprintf(vkey, sizeof vkey, ":k%zu", n_values++);
        if (rc == 0)
            rc = ddb_value_m_set_take(r->values, vkey, v, err);
        else
            ddb_value_free(v);
        if (rc == 0)
            rc = mq_append(r, &len, err, "%s#k%zu = %s", i ? " AND " : "",
                           mq_name(r, d->keys[k].attribute), vkey);
    }
    if (rc == 0 && q->has_range_key) {
        const ddb_key_desc *rk = &d->keys[q->range_key];
        bool whole = false;
        ddb_value *v1 = NULL, *v2 = NULL;
        size_t nk;
        rc = ddb_entity__key_prefix(prefix, sizeof prefix, d, rk, key_obj, q->n_range_bound, &whole,
                                    err);
        if (rc == 0 && q->range == DDB_ENTITY_RANGE_NONE) {
            /* The bound prefix: the whole value, or begins_with its text. */
            if (whole)
                rc = rk->numeric ? ddb_value_new_n(&v1, prefix, err)
                                 : ddb_value_new_s(&v1, prefix, err);
            else if (prefix[0] && !rk->numeric)
                rc = ddb_value_new_s(&v1, prefix, err);
        } else if (rc == 0) {
            rc = mq_range_value(&v1, rk, prefix, q->v1, err);
            if (rc == 0 && q->range == DDB_ENTITY_RANGE_BETWEEN)
                rc = mq_range_value(&v2, rk, prefix, q->v2, err);
        }
        if (rc == 0 && v1) {
            static const char *const ops[] = {"<", "<=", ">", ">="};
            char k1[16], k2[16];
            nk = mq_name(r, rk->attribute);
            snprintf(k1, sizeof k1, ":k%zu", n_values++);
            snprintf(k2, sizeof k2, ":k%zu", n_values);
            if (q->range == DDB_ENTITY_RANGE_BETWEEN)
                rc = mq_append(r, &len, err, " AND #k%zu BETWEEN %s AND %s", nk, k1, k2);
            else if (q->range == DDB_ENTITY_RANGE_BEGINS_WITH ||
                     (q->range == DDB_ENTITY_RANGE_NONE && !whole))
                rc = mq_append(r, &len, err, " AND begins_with(#k%zu, %s)", nk, k1);
            else if (q->range == DDB_ENTITY_RANGE_NONE)
                rc = mq_append(r, &len, err, " AND #k%zu = %s", nk, k1);
            else
                rc = mq_append(r, &len, err, " AND #k%zu %s %s", nk,
                               ops[q->range - DDB_ENTITY_RANGE_LT], k1);
            if (rc == 0) {
                rc = ddb_value_m_set_take(r->values, k1, v1, err);
                v1 = NULL;
            }
            if (rc == 0 && v2) {
                rc = ddb_value_m_set_take(r->values, k2, v2, err);
                v2 = NULL;
            }
        }
        ddb_value_free(v1);
        ddb_value_free(v2);
    }
    if (rc == 0 && q->cursor)
        rc = ddb_cursor_decode(&r->start, q->cursor, q->context, NULL, err);
    if (rc != 0)
        return rc;
    memset(in, 0, sizeof *in);
    in->table_name = table;
    in->index_name = q->index;
    in->key_condition_expression = r->expr;
    r->n_names = r->n_key_names;
    for (size_t i = 0; i < n_filter_names; i++)
        r->names[r->n_names++] = r->filter->expression_attribute_names[i];
    if (r->filter && r->filter->filter_expression && r->filter->filter_expression[0])
        in->filter_expression = r->filter->filter_expression;
    in->n_expression_attribute_names = r->n_names;
    in->expression_attribute_names = r->names;
    in->expression_attribute_values = r->values;
    in->has_scan_index_forward = q->scan_backward;
    in->scan_index_forward = false;
    in->has_limit = q->limit > 0;
    in->limit = q->limit;
    in->exclusive_start_key = r->start;
    return 0;
}

int ddb_entity_mquery_request(char **out, const ddb_entity_desc *d, const char *table,
                              const void *key_obj, const ddb_entity_mquery *q, ddb_error *err)
{
    ddb_query_input in;
    mquery_req r;
    int rc;
    if (!out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity multi-key request: bad argument");
    rc = mquery_input(&in, &r, d, table, key_obj, q, err);
    if (rc == 0)
        rc = ddb_request_json(out, "Query", &in, err);
    mquery_req_free(&r);
    return rc;
}

static int mquery_run(ddb_query_output **o, ddb_client *c, const ddb_entity_desc *d,
                      const char *table, const void *key_obj, const ddb_entity_mquery *q,
                      ddb_error *err)
{
    ddb_query_input in;
    mquery_req r;
    int rc;
    if (!c)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity multi-key query: bad argument");
    rc = mquery_input(&in, &r, d, table, key_obj, q, err);
    if (rc == 0)
        rc = ddb_query(o, c, &in, err);
    mquery_req_free(&r);
    return rc;
}

int ddb_entity_mquery_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                           const char *table, const void *key_obj, const ddb_entity_mquery *q,
                           const size_t *present, size_t n_present, ddb_error *err)
{
    ddb_query_output *o = NULL;
    ddb_entity_desc *relaxed = NULL;
    const ddb_entity_desc *const *one;
    ddb_entity_mixed_page mp = {0, NULL, NULL, NULL};
    ddb_entity_page page = {0, NULL, NULL};
    ddb_entity_mquery qq;
    char *start = NULL;
    bool ended = false;
    int rc;
    if (!out || !d)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity multi-key query: bad argument");
    rc = present ? ddb_entity_desc_partial(&relaxed, d, present, n_present, err) : 0;
    if (rc < 0)
        return rc;
    one = relaxed ? (const ddb_entity_desc *const *)&relaxed : &d;
    if (rc == 0) {
        mixed_pager pg = {MIXED_MQUERY, c, one, 1, d, table, key_obj, NULL, q, NULL, NULL};
        rc = mixed_offset(&start, &ended, &pg, err);
        qq = *q;
        qq.cursor = start;
        qq.offset = 0;
    }
    if (rc == 0 && ended)
        rc = empty_mixed(&mp, d->size, err);
    else if (rc == 0)
        rc = mquery_run(&o, c, d, table, key_obj, &qq, err);
    free(start);
    /* One type: a mixed page over {d} is a page of d with a kind per item. */
    if (rc == 0 && !ended)
        rc = fill_mixed(&mp, o->items, o->n_items, o->last_evaluated_key, q->context, one, 1,
                        d->size, 0, false, err);
    if (rc == 0) {
        page.n = mp.n;
        page.items = mp.items;
        page.cursor = mp.cursor;
        free(mp.which);
        *out = page;
    } else {
        free_mixed_items(&mp, one, d->size, 0);
        ddb_entity_mixed_page_free(one, &mp);
    }
    ddb_query_output_free(o);
    ddb_entity_desc_free(relaxed);
    return rc;
}

int ddb_entity_mquery_mixed(ddb_entity_mixed_page *out, ddb_client *c,
                            const ddb_entity_desc *const *descs, size_t n_descs, size_t item_size,
                            size_t obj_offset, bool partial, const ddb_entity_desc *d,
                            const char *table, const void *key_obj, const ddb_entity_mquery *q,
                            ddb_error *err)
{
    ddb_query_output *o = NULL;
    ddb_entity_mixed_page page = {0, NULL, NULL, NULL};
    mixed_pager pg = {MIXED_MQUERY, c, descs, n_descs, d, table, key_obj, NULL, q, NULL, NULL};
    ddb_entity_mquery qq;
    char *start = NULL;
    bool ended = false;
    int rc;
    if (!out || !descs || !q || item_size < obj_offset)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity multi-key query: bad argument");
    rc = mixed_offset(&start, &ended, &pg, err);
    qq = *q;
    qq.cursor = start;
    qq.offset = 0;
    if (rc == 0 && ended)
        rc = empty_mixed(&page, item_size, err);
    else if (rc == 0)
        rc = mquery_run(&o, c, d, table, key_obj, &qq, err);
    free(start);
    if (rc == 0 && !ended)
        rc = fill_mixed(&page, o->items, o->n_items, o->last_evaluated_key, q->context, descs,
                        n_descs, item_size, obj_offset, partial, err);
    if (rc == 0)
        *out = page;
    else {
        free_mixed_items(&page, descs, item_size, obj_offset);
        ddb_entity_mixed_page_free(descs, &page);
    }
    ddb_query_output_free(o);
    return rc;
}

/* ---- single results and batches ------------------------------------------------------------ */

/*
 * The first entity of d that the pages of q hold, into out: a Query on key_obj's keys, or a Scan
 * (scan; key_obj unused). Pages left empty by a filter or by other entity types are read past.
 */
static int first_of_pages(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                          const char *table, const void *key_obj, bool scan,
                          const ddb_entity_query *q, ddb_error *err)
{
    ddb_entity_query qq = *q;
    char *cursor = NULL;
    int rc = 0;
    *found = false;
    for (;;) {
        ddb_entity_page p = {0, NULL, NULL};
        qq.cursor = cursor;
        rc = scan ? ddb_entity_scan_page(&p, c, d, table, &qq, err)
                  : ddb_entity_query_page(&p, c, d, table, key_obj, &qq, err);
        free(cursor);
        cursor = NULL;
        if (rc < 0)
            break;
        if (p.n > 0) {
            /* Move the first entity out; the page frees the others. */
            memcpy(out, p.items, d->size);
            memmove(p.items, (char *)p.items + d->size, (p.n - 1) * d->size);
            p.n--;
            *found = true;
        }
        cursor = p.cursor;
        p.cursor = NULL;
        ddb_entity_page_free(d, &p);
        if (*found || !cursor)
            break;
    }
    free(cursor);
    return rc;
}

int ddb_entity_query_one(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const void *key_obj, const ddb_entity_query *q,
                         ddb_error *err)
{
    if (!out || !found || !q)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity query one: bad argument");
    return first_of_pages(out, found, c, d, table, key_obj, false, q, err);
}

/* The value of field f of obj as an argument of set_one (borrowed). */
static ddb_entity_arg field_arg(const ddb_field_desc *f, const void *obj)
{
    ddb_entity_arg a = {f->kind, NULL, 0, false};
    const void *p = CAT(obj, f->offset, char);
    bool has = f->has_offset == DDB_ENTITY_NO_OFFSET || *CAT(obj, f->has_offset, bool);
    switch (f->kind) {
    case DDB_FIELD_STRING:
        a.s = *(char *const *)p;
        break;
    case DDB_FIELD_UUID:
        a.s = has && ((const char *)p)[0] ? (const char *)p : NULL;
        break;
    case DDB_FIELD_DECIMAL:
        a.s = ((const ddb_decimal *)p)->text;
        break;
    case DDB_FIELD_INT64:
        a.i = *(const int64_t *)p;
        break;
    case DDB_FIELD_BOOL:
        a.b = *(const bool *)p;
        break;
    default:
        break;
    }
    return a;
}

int ddb_entity_copy_fields(void *dst, const void *src, const ddb_entity_desc *d,
                           const size_t *fields, size_t n_fields, ddb_error *err)
{
    if (!dst || !src || !d || (n_fields && !fields))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity copy fields: bad argument");
    for (size_t i = 0; i < n_fields; i++) {
        const ddb_field_desc *f;
        ddb_entity_arg a;
        int rc;
        if (fields[i] >= d->n_fields || d->fields[fields[i]].is_list ||
            d->fields[fields[i]].kind == DDB_FIELD_VALUE)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: field index %zu is not a scalar",
                                 d->name, fields[i]);
        f = &d->fields[fields[i]];
        if (f->has_offset != DDB_ENTITY_NO_OFFSET && !*CAT(src, f->has_offset, bool)) {
            *AT(dst, f->has_offset, bool) = false; /* src has no value: neither does dst */
            continue;
        }
        a = field_arg(f, src);
        rc = set_one(dst, d, f, &a, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ddb_entity_scan_one(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                        const char *table, const ddb_entity_query *q, ddb_error *err)
{
    if (!out || !found || !q || !d)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity scan one: bad argument");
    return first_of_pages(out, found, c, d, table, NULL, true, q, err);
}

int ddb_entity_delete_returning(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                                const char *table, const void *key_obj, ddb_error *err)
{
    ddb_delete_item_input in = {0};
    ddb_delete_item_output *o = NULL;
    ddb_value *key = NULL;
    int rc;
    if (!out || !found || !c || !d || !table || !key_obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity delete returning: bad argument");
    rc = ddb_entity_key(&key, d, key_obj, err);
    if (rc < 0)
        return rc;
    in.table_name = table;
    in.key = key;
    in.return_values = "ALL_OLD";
    rc = ddb_delete_item(&o, c, &in, err);
    if (rc == 0 && o->attributes) {
        rc = ddb_entity__from_stored(out, d, o->attributes, err);
        if (rc == 0)
            *found = true;
    } else if (rc == 0) {
        *found = false;
    }
    ddb_delete_item_output_free(o);
    ddb_value_free(key);
    return rc;
}

int ddb_entity_batch_get(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const void *keys, size_t n_keys, bool consistent_read,
                         ddb_error *err)
{
    ddb_batch_getter *g = NULL;
    ddb_entity_page page = {0, NULL, NULL};
    int rc;
    if (!out || !c || !d || !table || (n_keys && !keys))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity batch get: bad argument");
    rc = ddb_batch_getter_new(&g, c, NULL, err);
    if (rc == 0 && consistent_read)
        rc = ddb_batch_getter_table_options(g, table, NULL, NULL, 0, true, err);
    for (size_t i = 0; rc == 0 && i < n_keys; i++) {
        ddb_value *key = NULL;
        rc = ddb_entity_key(&key, d, (const char *)keys + i * d->size, err);
        if (rc == 0)
            rc = ddb_batch_getter_add(g, table, key, err);
        ddb_value_free(key);
    }
    if (rc == 0)
        rc = ddb_batch_getter_run(g, err);
    if (rc == 0 && !(page.items = calloc(n_keys ? n_keys : 1, d->size)))
        rc = ddb_dal__nomem(err, "batch get page");
    for (size_t i = 0; rc == 0 && i < n_keys; i++) {
        const ddb_batch_get_result *res = ddb_batch_getter_result(g, i);
        void *slot = (char *)page.items + page.n * d->size;
        if (!res || res->status == DDB_BATCH_GET_FAILED) {
            rc = ddb_error_set(err, res && res->code ? res->code : DDB_ERR_PROTOCOL,
                               "%s: batch get of key %zu: %s", d->name, i,
                               res ? res->message : "no result");
            break;
        }
        if (res->status != DDB_BATCH_GET_FOUND || !res->item)
            continue;
        rc = ddb_entity__from_stored(slot, d, res->item, err);
        if (rc == 0)
            page.n++;
    }
    ddb_batch_getter_free(g);
    if (rc < 0) {
        ddb_entity_page_free(d, &page);
        return rc;
    }
    *out = page;
    return 0;
}

int ddb_entity_batch_write(ddb_client *c, const ddb_entity_desc *d, const char *table,
                           const void *items, size_t n, bool del, ddb_error *err)
{
    ddb_batch_writer *w = NULL;
    int rc;
    if (!c || !d || !table || (n && !items))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity batch write: bad argument");
    rc = ddb_batch_writer_new(&w, c, NULL, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const void *obj = (const char *)items + i * d->size;
        ddb_value *v = NULL;
        if (del) {
            rc = ddb_entity_key(&v, d, obj, err);
            if (rc == 0)
                rc = ddb_batch_writer_delete(w, table, v, err);
        } else {
            rc = ddb_entity_to_item(&v, d, obj, err);
            if (rc == 0 && d->version_attribute) {
                int64_t ver = ddb_entity__version_in(d, obj);
                rc = ddb_value_m_set_i64(v, d->version_attribute, ver > 0 ? ver : 1, err);
            }
            if (rc == 0)
                rc = ddb_batch_writer_put(w, table, v, err);
        }
        ddb_value_free(v);
    }
    if (rc == 0)
        rc = ddb_batch_writer_flush(w, err);
    ddb_batch_writer_free(w);
    return rc;
}

/* ---- partial entities ------------------------------------------------------------------------ */

int ddb_entity_desc_partial(ddb_entity_desc **out, const ddb_entity_desc *d, const size_t *present,
                            size_t n_present, ddb_error *err)
{
    ddb_entity_desc *copy;
    ddb_field_desc *fields;
    if (!out || !d)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity desc partial: bad argument");
    copy = malloc(sizeof *copy);
    fields = malloc((d->n_fields ? d->n_fields : 1) * sizeof *fields);
    if (!copy || !fields) {
        free(copy);
        free(fields);
        return ddb_dal__nomem(err, "partial descriptor");
    }
    *copy = *d;
    for (size_t i = 0; i < d->n_fields; i++) {
        bool keep = false;
        for (size_t k = 0; present && k < n_present; k++)
            keep |= present[k] == i;
        fields[i] = d->fields[i];
        fields[i].required = d->fields[i].required && keep;
    }
    copy->fields = fields;
    *out = copy;
    return 0;
}

void ddb_entity_desc_free(ddb_entity_desc *d)
{
    if (!d)
        return;
    free((void *)d->fields);
    free(d);
}

int ddb_entity_query_page_partial(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                                  const char *table, const void *key_obj, const ddb_entity_query *q,
                                  const size_t *present, size_t n_present, ddb_error *err)
{
    ddb_entity_desc *p = NULL;
    int rc = ddb_entity_desc_partial(&p, d, present, n_present, err);
    if (rc == 0)
        rc = ddb_entity_query_page(out, c, p, table, key_obj, q, err);
    ddb_entity_desc_free(p);
    return rc;
}

int ddb_entity_scan_page_partial(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                                 const char *table, const ddb_entity_query *q,
                                 const size_t *present, size_t n_present, ddb_error *err)
{
    ddb_entity_desc *p = NULL;
    int rc = ddb_entity_desc_partial(&p, d, present, n_present, err);
    if (rc == 0)
        rc = ddb_entity_scan_page(out, c, p, table, q, err);
    ddb_entity_desc_free(p);
    return rc;
}

int ddb_entity_query_one_partial(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                                 const char *table, const void *key_obj, const ddb_entity_query *q,
                                 const size_t *present, size_t n_present, ddb_error *err)
{
    ddb_entity_desc *p = NULL;
    int rc = ddb_entity_desc_partial(&p, d, present, n_present, err);
    if (rc == 0)
        rc = ddb_entity_query_one(out, found, c, p, table, key_obj, q, err);
    ddb_entity_desc_free(p);
    return rc;
}

/* ---- cross-table transactions ---------------------------------------------------------------- */

static int add_write(ddb_txn *t, const ddb_entity_tx_op *op, ddb_error *err)
{
    ddb_value *v = NULL;
    int rc;
    if (op->action == DDB_ENTITY_TX_PUT || op->action == DDB_ENTITY_TX_UPDATE) {
        ddb_put put = {0};
        int64_t *ver = ddb_entity__version_of(op->desc, op->obj);
        rc = ddb_entity_to_item(&v, op->desc, op->obj, err);
        if (rc == 0 && op->desc->version_attribute)
            rc = ddb_value_m_set_i64(v, op->desc->version_attribute,
                                     op->action == DDB_ENTITY_TX_PUT ? 1 : (ver ? *ver : 0) + 1,
                                     err);
        put.item = v;
        put.table_name = op->table;
        put.condition_expression = op->condition;
        if (rc == 0)
            rc = ddb_txn_put(t, &put, err);
    } else {
        rc = ddb_entity_key(&v, op->desc, op->obj, err);
        if (rc == 0 && op->action == DDB_ENTITY_TX_DELETE) {
            ddb_delete del = {0};
            del.key = v;
            del.table_name = op->table;
            del.condition_expression = op->condition;
            rc = ddb_txn_delete(t, &del, err);
        } else if (rc == 0 && op->action == DDB_ENTITY_TX_CONDITION) {
            ddb_condition_check chk = {0};
            chk.key = v;
            chk.table_name = op->table;
            chk.condition_expression = op->condition;
            if (!op->condition)
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                   "%s: ConditionCheck without a condition", op->desc->name);
            else
                rc = ddb_txn_condition_check(t, &chk, err);
        } else if (rc == 0) {
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: action %d in a write transaction",
                               op->desc->name, (int)op->action);
        }
    }
    ddb_value_free(v);
    return rc;
}

int ddb_entity_transact_write(ddb_client *c, const ddb_entity_tx_op *ops, size_t n, ddb_error *err)
{
    ddb_txn *t = NULL;
    ddb_transact_write_items_output *o = NULL;
    int rc;
    if (!c || !ops || n == 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity transact write: bad argument");
    for (size_t i = 0; i < n; i++)
        if (!ops[i].desc || !ops[i].table || !ops[i].obj)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction action %zu has no entity",
                                 i);
    rc = ddb_txn_new(&t, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_write(t, &ops[i], err);
    if (rc == 0)
        rc = ddb_txn_write(&o, c, t, NULL, err);
    ddb_transact_write_items_output_free(o);
    ddb_txn_free(t);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t *ver = ddb_entity__version_of(ops[i].desc, ops[i].obj);
        if (ver && ops[i].action == DDB_ENTITY_TX_PUT)
            *ver = 1;
        else if (ver && ops[i].action == DDB_ENTITY_TX_UPDATE)
            *ver += 1;
    }
    return rc;
}

int ddb_entity_transact_get(void *const *outs, bool *found, ddb_client *c,
                            const ddb_entity_tx_op *ops, size_t n, ddb_error *err)
{
    ddb_txn *t = NULL;
    ddb_transact_get_items_output *o = NULL;
    size_t done_n = 0;
    int rc;
    if (!outs || !found || !c || !ops || n == 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity transact get: bad argument");
    rc = ddb_txn_new(&t, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ddb_get get = {0};
        ddb_value *key = NULL;
        if (ops[i].action != DDB_ENTITY_TX_GET || !ops[i].desc || !ops[i].obj || !outs[i]) {
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction action %zu is not a get", i);
            break;
        }
        rc = ddb_entity_key(&key, ops[i].desc, ops[i].obj, err);
        get.key = key;
        get.table_name = ops[i].table;
        if (rc == 0)
            rc = ddb_txn_get(t, &get, err);
        ddb_value_free(key);
    }
    if (rc == 0)
        rc = ddb_txn_read(&o, c, t, NULL, err);
    if (rc == 0 && o->n_responses != n)
        rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "TransactGetItems: %zu responses for %zu gets",
                           o->n_responses, n);
    for (; rc == 0 && done_n < n; done_n++) {
        const ddb_value *item = o->responses[done_n].item;
        if (!item)
            continue;
        rc = ddb_entity__from_stored(outs[done_n], ops[done_n].desc, item, err);
    }
    if (rc != 0) {
        for (size_t i = 0; i < done_n && i < n; i++)
            if (o && o->responses[i].item)
                ddb_entity_free(ops[i].desc, outs[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            found[i] = o->responses[i].item != NULL;
    }
    ddb_transact_get_items_output_free(o);
    ddb_txn_free(t);
    return rc;
}
