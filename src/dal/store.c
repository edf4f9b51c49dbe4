/*
 * The store (include/ddb/dal/entity.h, ddb_store_*): IDs by strategy, unique-value sentinels,
 * transactions over several entities, listing and mirroring. It builds on the entity operations
 * (entity.c) and the ID counters (ids.c), and nothing below it calls back up.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "ddb/api/api.h"
#include "ddb/api/expr.h"
#include "ddb/api/limits.h"
#include "ddb/api/txn.h"
#include "ddb/dal/entity.h"

#define KEY_MAX DDB_ENTITY__KEY_MAX

#define AT(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))
#define CAT(obj, off, T) ((const T *)(const void *)((const char *)(obj) + (off)))

static bool store_ok(const ddb_store_desc *s)
{
    return s && s->version == DDB_STORE_DESC_VERSION && s->entity &&
           s->entity->version == DDB_ENTITY_ABI_VERSION && s->entity->n_primary >= 1 &&
           s->entity->n_keys >= s->entity->n_primary;
}

/* A malloc'd decimal rendering of n. */
static char *i64_text(int64_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, n);
    return strdup(buf);
}

int ddb_store_assign_id(ddb_client *c, const ddb_store_desc *s, const char *counter_table,
                        ddb_id_block *block, void *obj, ddb_error *err)
{
    const ddb_entity_desc *d;
    const ddb_field_desc *f;
    void *p;
    int64_t n = 0;
    int rc;

    if (!store_ok(s) || !obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "assign id: bad argument");
    if (s->id_strategy == DDB_ID_NONE || s->id_field < 0)
        return 0;
    d = s->entity;
    if ((size_t)s->id_field >= d->n_fields)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: bad ID field index", d->name);
    f = &d->fields[s->id_field];
    p = AT(obj, f->offset, char);
    /* Only an empty field is filled: the caller's (or the relational database's) ID wins. */
    switch (f->kind) {
    case DDB_FIELD_INT64:
        if (f->has_offset != DDB_ENTITY_NO_OFFSET ? *AT(obj, f->has_offset, bool)
                                                  : *(int64_t *)p != 0)
            return 0;
        break;
    case DDB_FIELD_STRING:
        if (*(char **)p)
            return 0;
        break;
    case DDB_FIELD_UUID:
        if (((char *)p)[0] &&
            (f->has_offset == DDB_ENTITY_NO_OFFSET || *AT(obj, f->has_offset, bool)))
            return 0;
        break;
    case DDB_FIELD_DECIMAL:
        if (((ddb_decimal *)p)->text)
            return 0;
        break;
    default:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s cannot hold a generated ID", d->name,
                             f->name);
    }
    switch (s->id_strategy) {
    case DDB_ID_COUNTER:
    case DDB_ID_SOURCE:
        if (!counter_table || !block || !s->counter)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: no counter table", d->name,
                                 f->name);
        rc = ddb_id_counter_next(&n, c, counter_table, s->counter, block, s->block_size, s->start,
                                 err);
        if (rc < 0)
            return rc;
        if (f->kind == DDB_FIELD_INT64) {
            *(int64_t *)p = n;
        } else if (f->kind == DDB_FIELD_STRING || f->kind == DDB_FIELD_DECIMAL) {
            char *t = i64_text(n);
            if (!t)
                return ddb_dal__nomem(err, f->name);
            if (f->kind == DDB_FIELD_STRING)
                *(char **)p = t;
            else
                ((ddb_decimal *)p)->text = t;
        } else {
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "%s.%s: a counter ID needs an integer or string field", d->name,
                                 f->name);
        }
        break;
    case DDB_ID_UUID:
    case DDB_ID_ULID: {
        char id[37];
        rc = s->id_strategy == DDB_ID_UUID ? ddb_uuid_v4(id, err) : ddb_ulid_new(id, err);
        if (rc < 0)
            return rc;
        if (f->kind == DDB_FIELD_UUID && s->id_strategy == DDB_ID_UUID) {
            memcpy(p, id, 37);
        } else if (f->kind == DDB_FIELD_STRING) {
            char *t = strdup(id);
            if (!t)
                return ddb_dal__nomem(err, f->name);
            *(char **)p = t;
        } else {
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "%s.%s: field type does not fit its id_strategy", d->name,
                                 f->name);
        }
        break;
    }
    default:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: unknown id_strategy %d", d->name,
                             (int)s->id_strategy);
    }
    if (f->has_offset != DDB_ENTITY_NO_OFFSET)
        *AT(obj, f->has_offset, bool) = true;
    return 0;
}

/* The text of a scalar field of obj into buf; *present false when it has no value. */
static int field_text(char *buf, size_t cap, const ddb_entity_desc *d, const ddb_field_desc *f,
                      const void *obj, bool *present, ddb_error *err)
{
    char num[32];
    const char *text;
    *present = !f->is_list && ddb_entity__field_present(f, obj);
    if (!*present)
        return 0;
    /* Present, so only a kind with no text (a value) leaves it NULL. */
    text = ddb_entity__field_text(f, obj, NULL, num, sizeof num);
    if (!text)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s cannot be a unique field", d->name,
                             f->name);
    if (strlen(text) >= cap)
        return ddb_error_set(err, DDB_ERR_LIMIT, "%s.%s: unique value is over %zu bytes", d->name,
                             f->name, cap - 1);
    snprintf(buf, cap, "%s", text);
    return 0;
}

/*
 * The sentinel key text of unique set u of obj into buf ("" when a field of the set has no
 * value: no sentinel, as SQL lets NULLs repeat in a unique index).
 */
static int sentinel_text(char *buf, size_t cap, const ddb_store_desc *s, const ddb_unique_desc *u,
                         const void *obj, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    char val[KEY_MAX];
    size_t len;
    int n = snprintf(buf, cap, "UNIQUE#%s#%s#", d->name, u->name);
    if (n < 0 || (size_t)n >= cap)
        return ddb_error_set(err, DDB_ERR_LIMIT, "%s: unique key %s is too long", d->name, u->name);
    len = (size_t)n;
    for (size_t i = 0; i < u->n_fields; i++) {
        bool present = false;
        const ddb_field_desc *f;
        int rc;
        if (u->fields[i] < 0 || (size_t)u->fields[i] >= d->n_fields)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: unique %s: bad field index",
                                 d->name, u->name);
        f = &d->fields[u->fields[i]];
        rc = field_text(val, sizeof val, d, f, obj, &present, err);
        if (rc < 0)
            return rc;
        if (!present) {
            buf[0] = '\0';
            return 0;
        }
        if (i > 0 && len + 1 < cap)
            buf[len++] = '#';
        for (const char *p = val; *p; p++) {
            bool esc = u->n_fields > 1 && (*p == '#' || *p == '\\');
            if (len + 2 >= cap)
                return ddb_error_set(err, DDB_ERR_LIMIT, "%s: unique key %s is over %zu bytes",
                                     d->name, u->name, cap - 1);
            if (esc)
                buf[len++] = '\\';
            buf[len++] = *p;
        }
    }
    buf[len] = '\0';
    return 0;
}

/* The primary key of a sentinel: every primary key attribute holds text. */
static int sentinel_key(ddb_value **out, const ddb_entity_desc *d, const char *text, ddb_error *err)
{
    ddb_value *key = NULL;
    int rc = ddb_value_new_m(&key, err);
    for (size_t k = 0; rc == 0 && k < d->n_primary; k++)
        rc = ddb_value_m_set_s(key, d->keys[k].attribute, text, err);
    if (rc < 0) {
        ddb_value_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

/* The transaction being built: each action remembers the op it serves and which sentinel. */
typedef struct tx_build {
    ddb_txn *txn;
    size_t n;
    size_t op[DDB_LIMIT_TRANSACTION_ACTIONS];
    int unique[DDB_LIMIT_TRANSACTION_ACTIONS]; /* -1: the entity's item itself */
    const ddb_store_desc *store[DDB_LIMIT_TRANSACTION_ACTIONS];
} tx_build;

typedef enum tx_kind { TX_PUT, TX_DELETE, TX_UPDATE } tx_kind;

/* Adds one action; takes ownership of v (the item or the key) and of e (may be NULL). */
static int tx_add(tx_build *t, tx_kind kind, const char *table, ddb_value *v, ddb_expr *e,
                  const ddb_store_desc *s, size_t op, int unique, ddb_error *err)
{
    ddb_expr_result *x = NULL;
    int rc = 0;
    if (t->n == DDB_LIMIT_TRANSACTION_ACTIONS) {
        rc = ddb_error_set(err, DDB_ERR_LIMIT,
                           "transaction: more than %d actions (unique-value sentinels included)",
                           DDB_LIMIT_TRANSACTION_ACTIONS);
        goto done;
    }
    if (e) {
        rc = ddb_expr_status(e, err);
        if (rc == 0)
            rc = ddb_expr_build(&x, e, err);
        if (rc == 0 && !x)
            rc = ddb_dal__nomem(err, "transaction action");
        if (rc < 0)
            goto done;
    }
#define EXPR_PARTS(a)                                                                              \
    do {                                                                                           \
        if (x) {                                                                                   \
            (a).condition_expression = x->condition_expression;                                    \
            (a).n_expression_attribute_names = x->n_expression_attribute_names;                    \
            (a).expression_attribute_names = x->expression_attribute_names;                        \
            (a).expression_attribute_values = x->expression_attribute_values;                      \
        }                                                                                          \
    } while (0)
    switch (kind) {
    case TX_PUT: {
        ddb_put a = {0};
        a.item = v;
        a.table_name = table;
        EXPR_PARTS(a);
        rc = ddb_txn_put(t->txn, &a, err);
        break;
    }
    case TX_DELETE: {
        ddb_delete a = {0};
        a.key = v;
        a.table_name = table;
        EXPR_PARTS(a);
        rc = ddb_txn_delete(t->txn, &a, err);
        break;
    }
    case TX_UPDATE: {
        ddb_update a = {0};
        a.key = v;
        a.table_name = table;
        a.update_expression = x ? x->update_expression : NULL;
        EXPR_PARTS(a);
        rc = ddb_txn_update(t->txn, &a, err);
        break;
    }
    }
#undef EXPR_PARTS
    if (rc == 0) {
        t->op[t->n] = op;
        t->unique[t->n] = unique;
        t->store[t->n] = s;
        t->n++;
    }
done:
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(v);
    return rc;
}

static int new_expr(ddb_expr **e, ddb_error *err)
{
    int rc = ddb_expr_new(e, err);
    if (rc == 0)
        ddb_expr_set_literal_names(*e, true);
    return rc;
}

/* The sentinel item `text` owned by obj. */
static int sentinel_item(ddb_value **out, const ddb_store_desc *s, const char *text,
                         const void *obj, ddb_error *err)
{
    ddb_value *item = NULL, *owner = NULL;
    int rc = sentinel_key(&item, s->entity, text, err);
    if (rc == 0)
        rc = ddb_entity_key(&owner, s->entity, obj, err);
    if (rc == 0) {
        rc = ddb_value_m_set_take(item, DDB_STORE_SENTINEL_ATTR, owner, err);
        owner = NULL;
    }
    ddb_value_free(owner);
    if (rc < 0) {
        ddb_value_free(item);
        return rc;
    }
    *out = item;
    return 0;
}

/* Put the sentinel `text` owned by obj; conditional unless `force`. */
static int tx_put_sentinel(tx_build *t, const ddb_store_desc *s, const char *table,
                           const char *text, const void *obj, bool force, size_t op, int u,
                           ddb_error *err)
{
    ddb_value *item = NULL;
    ddb_expr *e = NULL;
    int rc = sentinel_item(&item, s, text, obj, err);
    if (rc == 0 && !force) {
        rc = new_expr(&e, err);
        if (rc == 0)
            rc = ddb_expr_set_condition(e, ddb_cond_not_exists(e, s->entity->keys[0].attribute));
    }
    if (rc < 0) {
        ddb_expr_free(e);
        ddb_value_free(item);
        return rc;
    }
    return tx_add(t, TX_PUT, table, item, e, s, op, u, err);
}

static int tx_delete_sentinel(tx_build *t, const ddb_store_desc *s, const char *table,
                              const char *text, size_t op, int u, ddb_error *err)
{
    ddb_value *key = NULL;
    int rc = sentinel_key(&key, s->entity, text, err);
    if (rc < 0)
        return rc;
    return tx_add(t, TX_DELETE, table, key, NULL, s, op, u, err);
}

/*
 * The sentinel actions that take the stored entity old (NULL: none) to obj (NULL: none).
 * check: new sentinels are conditional (attribute_not_exists).
 */
static int tx_sentinels(tx_build *t, const ddb_store_desc *s, const char *table, const void *old,
                        const void *obj, bool check, size_t op, ddb_error *err)
{
    char before[KEY_MAX], after[KEY_MAX];
    for (size_t u = 0; u < s->n_unique; u++) {
        int rc;
        before[0] = after[0] = '\0';
        if (old && (rc = sentinel_text(before, sizeof before, s, &s->unique[u], old, err)) < 0)
            return rc;
        if (obj && (rc = sentinel_text(after, sizeof after, s, &s->unique[u], obj, err)) < 0)
            return rc;
        if (before[0] && strcmp(before, after) != 0 &&
            (rc = tx_delete_sentinel(t, s, table, before, op, (int)u, err)) < 0)
            return rc;
        if (after[0] && (!check || strcmp(before, after) != 0) &&
            (rc = tx_put_sentinel(t, s, table, after, obj, !check, op, (int)u, err)) < 0)
            return rc;
    }
    return 0;
}

/* The item of obj with version attribute = version. */
static int item_with_version(ddb_value **out, const ddb_entity_desc *d, const void *obj,
                             int64_t version, ddb_error *err)
{
    int rc = ddb_entity_to_item(out, d, obj, err);
    if (rc == 0 && d->version_attribute) {
        rc = ddb_value_m_set_i64(*out, d->version_attribute, version, err);
        if (rc < 0) {
            ddb_value_free(*out);
            *out = NULL;
        }
    }
    return rc;
}

/*
 * Adds the action on the entity's own item, then the sentinel actions that take old to obj.
 * build_rc is the result of building v (the item or the key) and e (may be NULL); both are
 * owned here and freed, also when building them failed.
 */
static int tx_entity(tx_build *t, tx_kind kind, ddb_value *v, ddb_expr *e, int build_rc,
                     const ddb_store_desc *s, const char *table, const void *old, const void *obj,
                     size_t op, ddb_error *err)
{
    int rc = build_rc;
    if (rc < 0) {
        ddb_expr_free(e);
        ddb_value_free(v);
        return rc;
    }
    rc = tx_add(t, kind, table, v, e, s, op, -1, err);
    return rc < 0 ? rc : tx_sentinels(t, s, table, old, obj, true, op, err);
}

static int tx_create(tx_build *t, const ddb_store_desc *s, const char *table, const void *obj,
                     size_t op, ddb_error *err)
{
    ddb_value *item = NULL;
    ddb_expr *e = NULL;
    int rc = item_with_version(&item, s->entity, obj, 1, err);
    if (rc == 0)
        rc = new_expr(&e, err);
    if (rc == 0)
        rc = ddb_expr_set_condition(e, ddb_cond_not_exists(e, s->entity->keys[0].attribute));
    return tx_entity(t, TX_PUT, item, e, rc, s, table, NULL, obj, op, err);
}

static int tx_update(tx_build *t, const ddb_store_desc *s, const char *table, const void *obj,
                     const void *old, size_t op, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    int64_t v = ddb_entity__version_in(d, obj);
    ddb_value *item = NULL;
    ddb_expr *e = NULL;
    int rc = item_with_version(&item, d, obj, v + 1, err);
    if (rc == 0)
        rc = new_expr(&e, err);
    if (rc == 0) {
        ddb_cond *cond = ddb_cond_exists(e, d->keys[0].attribute);
        if (d->version_attribute)
            cond = ddb_cond_and(e, cond,
                                ddb_cond_eq_take(e, d->version_attribute, ddb_expr_val_i64(e, v)));
        rc = ddb_expr_set_condition(e, cond);
    }
    return tx_entity(t, TX_PUT, item, e, rc, s, table, old, obj, op, err);
}

/* Delete obj's item: version checked against obj's (or, when 0, the version read with old). */
static int tx_delete(tx_build *t, const ddb_store_desc *s, const char *table, const void *obj,
                     const void *old, size_t op, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    int64_t v = ddb_entity__version_in(d, obj);
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    int rc;
    if (v == 0 && old)
        v = ddb_entity__version_in(d,
                                   old); /* the sentinels removed are those of the version read */
    rc = ddb_entity_key(&key, d, obj, err);
    if (rc == 0 &&
        ((v != 0 && d->version_attribute) || (d->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND))) {
        ddb_cond *cond = NULL;
        rc = new_expr(&e, err);
        if (rc == 0 && (d->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND))
            cond = ddb_cond_exists(e, d->keys[0].attribute);
        if (rc == 0 && v != 0 && d->version_attribute) {
            ddb_cond *ver = ddb_cond_eq_take(e, d->version_attribute, ddb_expr_val_i64(e, v));
            cond = cond ? ddb_cond_and(e, cond, ver) : ver;
        }
        if (rc == 0)
            rc = ddb_expr_set_condition(e, cond);
    }
    return tx_entity(t, TX_DELETE, key, e, rc, s, table, old, NULL, op, err);
}

/* Whether field index f is part of any key template (primary or GSI). */
static bool field_in_keys(const ddb_entity_desc *d, size_t f)
{
    for (size_t k = 0; k < d->n_keys; k++)
        if (ddb_entity__key_uses(d, &d->keys[k], &f, 1))
            return true;
    return false;
}

static int tx_add_to_field(tx_build *t, const ddb_store_desc *s, const char *table,
                           const ddb_store_write *w, size_t op, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    ddb_cond *cond;
    size_t fi = d->n_fields;
    int rc;

    for (size_t i = 0; w->field && i < d->n_fields; i++)
        if (strcmp(d->fields[i].name, w->field) == 0)
            fi = i;
    if (fi == d->n_fields)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction op %zu: %s has no field %s", op,
                             d->name, w->field ? w->field : "(null)");
    if (d->fields[fi].kind != DDB_FIELD_INT64 || d->fields[fi].is_list)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "transaction op %zu: ADD needs an integer field; %s.%s is not one", op,
                             d->name, w->field);
    if (field_in_keys(d, fi))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "transaction op %zu: ADD cannot change %s.%s, a key field", op,
                             d->name, w->field);
    if (w->min_result != INT64_MIN && w->delta < 0 && w->min_result > INT64_MAX + w->delta)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "transaction op %zu: %s.%s + %lld can never reach %lld", op, d->name,
                             w->field, (long long)w->delta, (long long)w->min_result);
    rc = ddb_entity_key(&key, d, w->obj, err);
    if (rc < 0)
        return rc;
    rc = new_expr(&e, err);
    if (rc < 0) {
        ddb_value_free(key);
        return rc;
    }
    /* SET f = f + :d (a missing f counts as 0), and the version moves like any write's. */
    ddb_expr_update_set(
        e, w->field,
        ddb_operand_plus(e,
                         ddb_operand_if_not_exists(
                             e, w->field, ddb_operand_value_take(e, ddb_expr_val_i64(e, 0))),
                         ddb_operand_value_take(e, ddb_expr_val_i64(e, w->delta))));
    if (d->version_attribute)
        ddb_expr_update_add_take(e, d->version_attribute, ddb_expr_val_i64(e, 1));
    cond = ddb_cond_exists(e, d->keys[0].attribute);
    /* f + delta >= min  <=>  f >= min - delta, unless min - delta is below every int64. */
    if (w->min_result != INT64_MIN && !(w->delta > 0 && w->min_result < INT64_MIN + w->delta))
        cond = ddb_cond_and(e, cond,
                            ddb_cond_cmp_take(e, w->field, DDB_CMP_GE,
                                              ddb_expr_val_i64(e, w->min_result - w->delta)));
    ddb_expr_set_condition(e, cond);
    return tx_add(t, TX_UPDATE, table, key, e, s, op, -1, err);
}

/* Reads the stored entity of obj's key into a new struct (*old NULL when there is none). */
static int read_stored(void **old, ddb_client *c, const ddb_store_desc *s, const char *table,
                       const void *obj, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    bool found = false;
    void *tmp = calloc(1, d->size ? d->size : 1);
    int rc;
    *old = NULL;
    if (!tmp)
        return ddb_dal__nomem(err, d->name);
    rc = ddb_entity_get(tmp, &found, c, d, table, obj, true, err);
    if (rc < 0 || !found) {
        free(tmp);
        return rc;
    }
    *old = tmp;
    return 0;
}

static void free_stored(const ddb_store_desc *s, void *old)
{
    if (old) {
        ddb_entity_free(s->entity, old);
        free(old);
    }
}

/* The action whose reason is not "None" (the first such), or t->n. */
static size_t failed_action(const tx_build *t, const ddb_error *err, const char **code)
{
    for (size_t i = 0; err && i < err->n_cancellation_reasons && i < t->n; i++) {
        const char *c = err->cancellation_reasons[i].code;
        if (c && strcmp(c, "None") != 0) {
            *code = c;
            return i;
        }
    }
    return t->n;
}

/* Sends t; on cancellation *failed is the failing action (t->n when unknown), err filled. */
static int tx_send(tx_build *t, ddb_client *c, size_t *failed, bool *ccf, ddb_error *err)
{
    int rc = ddb_txn_write(NULL, c, t->txn, NULL, err);
    *failed = t->n;
    *ccf = false;
    if (rc == DDB_ERR_TRANSACTION_CANCELED) {
        const char *code = NULL;
        *failed = failed_action(t, err, &code);
        *ccf = code && strcmp(code, "ConditionalCheckFailed") == 0;
    }
    return rc;
}

/* A single write (create, update, delete) with its sentinels, and its failure in its terms. */
static int store_single_e(ddb_client *c, const ddb_store_desc *s, const char *table,
                          const void *obj, const void *old, ddb_store_op op, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    tx_build *t = calloc(1, sizeof *t);
    size_t failed = 0;
    bool ccf = false;
    int rc;
    if (!t)
        return ddb_dal__nomem(err, "transaction");
    rc = ddb_txn_new(&t->txn, err);
    if (rc < 0)
        goto done;
    if (op == DDB_STORE_CREATE)
        rc = tx_create(t, s, table, obj, 0, err);
    else if (op == DDB_STORE_UPDATE)
        rc = tx_update(t, s, table, obj, old, 0, err);
    else
        rc = tx_delete(t, s, table, obj, old, 0, err);
    if (rc < 0)
        goto done;
    rc = tx_send(t, c, &failed, &ccf, err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED && ccf && failed < t->n) {
        if (t->unique[failed] >= 0) {
            rc = ddb_error_set(err, DDB_ERR_UNIQUE_TAKEN,
                               "%s.%s: the value is taken (unique_fields)", d->name,
                               s->unique[t->unique[failed]].name);
            ddb_error_set_field(err, s->unique[t->unique[failed]].name);
        } else if (op == DDB_STORE_CREATE) {
            rc = ddb_error_set(err, DDB_ERR_ITEM_EXISTS, "%s: an item with this key exists",
                               d->name);
        } else if (op == DDB_STORE_UPDATE && !err->item) {
            rc = ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: there is no such item", d->name);
        } else {
            rc = ddb_error_set(err, DDB_ERR_STALE_VERSION,
                               "%s: stale version %lld; the stored item changed", d->name,
                               (long long)ddb_entity__version_in(d, obj));
        }
    }
done:
    ddb_txn_free(t->txn);
    free(t);
    return rc;
}

/* Telling which action failed needs the error detail, so there is always some. */
static int store_single(ddb_client *c, const ddb_store_desc *s, const char *table, const void *obj,
                        const void *old, ddb_store_op op, ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    int rc = store_single_e(c, s, table, obj, old, op, err ? err : &local);
    ddb_error_clear(&local);
    return rc;
}

/* Whether obj has a value for any unique set (a sentinel to write). */
static int has_unique_values(bool *out, const ddb_store_desc *s, const void *obj, ddb_error *err)
{
    char text[KEY_MAX];
    *out = false;
    for (size_t u = 0; u < s->n_unique && !*out; u++) {
        int rc = sentinel_text(text, sizeof text, s, &s->unique[u], obj, err);
        if (rc < 0)
            return rc;
        *out = text[0] != '\0';
    }
    return 0;
}

/* create after the ID and the number are assigned: with its sentinels when it has any. */
static int create_assigned(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
                           ddb_error *err)
{
    bool sentinels = false;
    int rc = ddb_entity_compute(s->entity, obj, err);
    if (rc == 0)
        rc = has_unique_values(&sentinels, s, obj, err);
    if (rc < 0)
        return rc;
    if (!sentinels) /* nothing to reserve: the plain conditional put */
        return ddb_entity_create(c, s->entity, table, obj, err);
    rc = store_single(c, s, table, obj, NULL, DDB_STORE_CREATE, err);
    if (rc == 0 && ddb_entity__version_of(s->entity, obj))
        *ddb_entity__version_of(s->entity, obj) = 1;
    return rc;
}

int ddb_store_create(ddb_client *c, const ddb_store_desc *s, const char *table,
                     const char *counter_table, ddb_id_block *block, void *obj, ddb_error *err)
{
    bool sentinels = false;
    int rc;
    if (!c || !store_ok(s) || !table || !obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store create: bad argument");
    if (s->sequence)
        return ddb_store_create_numbered(c, s, table, table, counter_table, block, obj, err);
    rc = ddb_store_assign_id(c, s, counter_table, block, obj, err);
    if (rc == 0)
        rc = ddb_entity_compute(s->entity, obj, err);
    if (rc == 0)
        rc = has_unique_values(&sentinels, s, obj, err);
    if (rc < 0)
        return rc;
    if (!sentinels) /* nothing to reserve: the plain conditional put */
        return ddb_entity_create(c, s->entity, table, obj, err);
    rc = store_single(c, s, table, obj, NULL, DDB_STORE_CREATE, err);
    if (rc == 0 && ddb_entity__version_of(s->entity, obj))
        *ddb_entity__version_of(s->entity, obj) = 1;
    return rc;
}

/* ---- sequences: a number per parent ---------------------------------------------------------- */

#define SEQ_ATTEMPTS 10

/* The parent's lookup struct: the child's key fields copied in (borrowed, never freed). */
static int parent_of(void **out, const ddb_store_desc *s, const void *obj, ddb_error *err)
{
    const ddb_sequence_desc *q = s->sequence;
    const ddb_entity_desc *pd = q->parent, *d = s->entity;
    void *p = calloc(1, pd->size ? pd->size : 1);
    if (!p)
        return ddb_dal__nomem(err, pd->name);
    for (size_t i = 0; i < q->n_keys; i++) {
        const ddb_field_desc *to = &pd->fields[q->parent_fields[i]];
        const ddb_field_desc *from = &d->fields[q->parent_key_fields[i]];
        size_t sz = 0;
        switch (from->kind) {
        case DDB_FIELD_STRING:
            sz = sizeof(char *);
            break;
        case DDB_FIELD_INT64:
            sz = sizeof(int64_t);
            break;
        case DDB_FIELD_DECIMAL:
            sz = sizeof(ddb_decimal);
            break;
        case DDB_FIELD_BOOL:
            sz = sizeof(bool);
            break;
        case DDB_FIELD_UUID:
            sz = 37;
            break;
        default:
            break;
        }
        if (!sz || to->kind != from->kind || to->is_list || from->is_list) {
            free(p);
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "%s: sequence parent %s: field %s does not fit %s", d->name,
                                 pd->name, from->name, to->name);
        }
        memcpy(AT(p, to->offset, char), CAT(obj, from->offset, char), sz);
        if (to->has_offset != DDB_ENTITY_NO_OFFSET)
            *AT(p, to->has_offset, bool) = ddb_entity__field_present(from, obj);
    }
    *out = p;
    return 0;
}

/* The parent's key as text for messages ("{"pk":"PROJECT#CORE",...}" without the types). */
static void key_words(char *buf, size_t cap, const ddb_value *key, const ddb_entity_desc *pd)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < pd->n_primary; k++) {
        const ddb_value *v = ddb_value_m_get(key, pd->keys[k].attribute);
        const char *t = v ? (ddb_value_s(v, NULL) ? ddb_value_s(v, NULL) : ddb_value_n(v)) : NULL;
        int n = snprintf(buf + len, cap - len, "%s%s=%.100s", k ? " " : "", pd->keys[k].attribute,
                         t ? t : "?");
        if (n < 0 || (size_t)n >= cap - len)
            break;
        len += (size_t)n;
    }
}

/* The parent's counter into *counter (0 when it has none); *found false when no parent. */
static int read_counter(int64_t *counter, bool *has, bool *found, ddb_client *c,
                        const ddb_sequence_desc *q, const char *table, ddb_value *key,
                        ddb_error *err)
{
    ddb_get_item_input in = {0};
    ddb_get_item_output *o = NULL;
    const char *name = q->parent->fields[q->counter].name;
    int rc;
    in.table_name = table;
    in.key = key;
    in.has_consistent_read = true;
    in.consistent_read = true;
    rc = ddb_get_item(&o, c, &in, err);
    *counter = 0;
    *has = false;
    *found = rc == 0 && o->item;
    if (*found) {
        const ddb_value *v = ddb_value_m_get(o->item, name);
        if (v && (rc = ddb_value_n_i64(v, counter, err)) < 0)
            rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "%s.%s is not an integer", q->parent->name,
                               name);
        *has = v != NULL;
    }
    ddb_get_item_output_free(o);
    return rc;
}

/* SET counter = next (and the version + 1) on condition that it holds `old` (or none). */
static int tx_advance(tx_build *t, const ddb_store_desc *s, const char *table, ddb_value *key,
                      int64_t old, bool has_old, int64_t next, ddb_error *err)
{
    const ddb_sequence_desc *q = s->sequence;
    const ddb_entity_desc *pd = q->parent;
    const char *name = pd->fields[q->counter].name;
    ddb_expr *e = NULL;
    ddb_cond *cond;
    int rc = new_expr(&e, err);
    if (rc < 0) {
        ddb_value_free(key);
        return rc;
    }
    ddb_expr_update_set(e, name, ddb_operand_value_take(e, ddb_expr_val_i64(e, next)));
    if (pd->version_attribute)
        ddb_expr_update_add_take(e, pd->version_attribute, ddb_expr_val_i64(e, 1));
    cond = has_old ? ddb_cond_eq_take(e, name, ddb_expr_val_i64(e, old))
                   : ddb_cond_not_exists(e, name);
    ddb_expr_set_condition(e, ddb_cond_and(e, ddb_cond_exists(e, pd->keys[0].attribute), cond));
    return tx_add(t, TX_UPDATE, table, key, e, s, 1, -1, err);
}

/* A pause of a few milliseconds, longer with each attempt, randomised so racers spread out. */
static void backoff(int attempt, unsigned *seed)
{
    struct timespec ts;
    long ms;
    *seed = *seed * 1103515245u + 12345u;
    ms = 2L * attempt + (long)((*seed >> 16) % (unsigned)(5 * attempt + 5));
    ts.tv_sec = 0;
    ts.tv_nsec = ms * 1000000L;
    nanosleep(&ts, NULL);
}

/* Whether the caller gave obj a number (nonzero, and its has_ flag when it has one). */
static bool has_number(const ddb_store_desc *s, const void *obj)
{
    const ddb_field_desc *f = &s->entity->fields[s->sequence->field];
    if (f->has_offset != DDB_ENTITY_NO_OFFSET && !*CAT(obj, f->has_offset, bool))
        return false;
    return *CAT(obj, f->offset, int64_t) != 0;
}

static void set_number(const ddb_store_desc *s, void *obj, int64_t n)
{
    const ddb_field_desc *f = &s->entity->fields[s->sequence->field];
    *AT(obj, f->offset, int64_t) = n;
    if (f->has_offset != DDB_ENTITY_NO_OFFSET)
        *AT(obj, f->has_offset, bool) = n != 0;
}

/* One gapless attempt; *again when the parent's counter moved (or the transaction conflicted). */
static int gapless_once(bool *again, ddb_client *c, const ddb_store_desc *s, const char *table,
                        const char *parent_table, void *obj, int64_t given, ddb_value *pkey,
                        const char *where, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    const ddb_sequence_desc *q = s->sequence;
    tx_build *t = NULL;
    ddb_value *key = NULL;
    int64_t old = 0, number;
    bool has_old = false, found = false, ccf = false;
    size_t failed = 0;
    int rc;

    *again = false;
    rc = read_counter(&old, &has_old, &found, c, q, parent_table, pkey, err);
    if (rc < 0)
        return rc;
    if (!found)
        return ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND,
                             "%s.%s: sequence parent %s (%s) does not exist", d->name,
                             d->fields[q->field].name, q->parent->name, where);
    if (!given && old == INT64_MAX)
        return ddb_error_set(err, DDB_ERR_LIMIT, "%s.%s: the counter %s.%s of %s is at its end",
                             d->name, d->fields[q->field].name, q->parent->name,
                             q->parent->fields[q->counter].name, where);
    number = given ? given : old + 1;
    set_number(s, obj, number);
    rc = ddb_entity_compute(d, obj, err);
    if (rc < 0)
        return rc;
    if (!(t = calloc(1, sizeof *t)))
        return ddb_dal__nomem(err, "transaction");
    rc = ddb_txn_new(&t->txn, err);
    if (rc == 0)
        rc = ddb_value_copy(&key, pkey, err);
    if (rc == 0)
        rc = tx_advance(t, s, parent_table, key, old, has_old, number > old ? number : old, err);
    if (rc == 0)
        rc = tx_create(t, s, table, obj, 0, err);
    if (rc == 0)
        rc = tx_send(t, c, &failed, &ccf, err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED) {
        bool conflict = false;
        for (size_t i = 0; i < err->n_cancellation_reasons; i++) {
            const char *code = err->cancellation_reasons[i].code;
            conflict = conflict || (code && strcmp(code, "TransactionConflict") == 0);
        }
        if (conflict || (ccf && failed < t->n && t->op[failed] == 1)) {
            *again = true;
        } else if (ccf && failed < t->n && t->unique[failed] >= 0) {
            rc = ddb_error_set(err, DDB_ERR_UNIQUE_TAKEN,
                               "%s.%s: the value is taken (unique_fields)", d->name,
                               s->unique[t->unique[failed]].name);
            ddb_error_set_field(err, s->unique[t->unique[failed]].name);
        } else if (ccf) {
            rc = ddb_error_set(err, DDB_ERR_ITEM_EXISTS, "%s: an item with this key exists",
                               d->name);
        }
    }
    ddb_txn_free(t->txn);
    free(t);
    return rc;
}

/* The gapped way: one UpdateItem takes the next number, whatever becomes of the create. */
static int gapped_next(int64_t *out, ddb_client *c, const ddb_store_desc *s,
                       const char *parent_table, ddb_value *pkey, const char *where, ddb_error *err)
{
    const ddb_sequence_desc *q = s->sequence;
    const ddb_entity_desc *pd = q->parent;
    const char *name = pd->fields[q->counter].name;
    ddb_update_item_output *o = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    ddb_value *key = NULL;
    const ddb_value *v;
    int rc = new_expr(&e, err);
    if (rc == 0) {
        ddb_expr_update_set(
            e, name,
            ddb_operand_plus(e,
                             ddb_operand_if_not_exists(
                                 e, name, ddb_operand_value_take(e, ddb_expr_val_i64(e, 0))),
                             ddb_operand_value_take(e, ddb_expr_val_i64(e, 1))));
        if (pd->version_attribute)
            ddb_expr_update_add_take(e, pd->version_attribute, ddb_expr_val_i64(e, 1));
        ddb_expr_set_condition(e, ddb_cond_exists(e, pd->keys[0].attribute));
    }
    rc = ddb_entity__build(&x, e, rc, "sequence", err);
    if (rc == 0)
        rc = ddb_value_copy(&key, pkey, err);
    if (rc == 0)
        rc = ddb_entity__update_item(&o, c, parent_table, key, x, "UPDATED_NEW", err);
    if (rc == DDB_ERR_CONDITION_FAILED)
        rc = ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND,
                           "%s.%s: sequence parent %s (%s) does not exist", s->entity->name,
                           s->entity->fields[q->field].name, pd->name, where);
    if (rc == 0) {
        v = o->attributes ? ddb_value_m_get(o->attributes, name) : NULL;
        if (!v || ddb_value_n_i64(v, out, NULL) < 0)
            rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "%s.%s: UpdateItem returned no number",
                               pd->name, name);
    }
    ddb_update_item_output_free(o);
    ddb_value_free(key);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    return rc;
}

static int create_numbered(ddb_client *c, const ddb_store_desc *s, const char *table,
                           const char *parent_table, const char *counter_table, ddb_id_block *block,
                           void *obj, ddb_error *err)
{
    const ddb_sequence_desc *q = s->sequence;
    const ddb_entity_desc *d = s->entity;
    const ddb_field_desc *nf = &d->fields[q->field];
    void *parent = NULL;
    ddb_value *pkey = NULL;
    char where[400];
    int64_t given = has_number(s, obj) ? *CAT(obj, nf->offset, int64_t) : 0;
    int attempts = q->attempts > 0 ? q->attempts : SEQ_ATTEMPTS, i;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)obj;
    bool again = true;
    int rc;

    rc = ddb_store_assign_id(c, s, counter_table, block, obj, err);
    if (rc == 0)
        rc = parent_of(&parent, s, obj, err);
    if (rc == 0)
        rc = ddb_entity_key(&pkey, q->parent, parent, err);
    free(parent); /* it borrowed the child's values */
    if (rc < 0)
        return rc;
    key_words(where, sizeof where, pkey, q->parent);
    if (!q->gapless) {
        int64_t n = given;
        if (!given && (rc = gapped_next(&n, c, s, parent_table, pkey, where, err)) < 0)
            goto done;
        set_number(s, obj, n);
        rc = create_assigned(c, s, table, obj, err);
        goto done;
    }
    for (i = 1; i <= attempts && again; i++) {
        if (i > 1)
            backoff(i, &seed);
        rc = gapless_once(&again, c, s, table, parent_table, obj, given, pkey, where, err);
    }
    if (again)
        rc = ddb_error_set(err, DDB_ERR_STALE_VERSION,
                           "%s.%s: the counter %s.%s of %s changed during each of %d attempts; "
                           "try again",
                           d->name, nf->name, q->parent->name, q->parent->fields[q->counter].name,
                           where, attempts);
    else if (rc == 0 && ddb_entity__version_of(d, obj))
        *ddb_entity__version_of(d, obj) = 1;
done:
    if (rc < 0 && !given) /* no number was taken: the struct says so */
        set_number(s, obj, 0);
    ddb_value_free(pkey);
    return rc;
}

int ddb_store_create_numbered(ddb_client *c, const ddb_store_desc *s, const char *table,
                              const char *parent_table, const char *counter_table,
                              ddb_id_block *block, void *obj, ddb_error *err)
{
    const ddb_sequence_desc *q;
    ddb_error local = DDB_ERROR_INIT;
    int rc;
    if (!c || !store_ok(s) || !table || !obj || !(q = s->sequence) || !q->parent ||
        q->parent->version != DDB_ENTITY_ABI_VERSION || q->parent->n_primary < 1 || q->field < 0 ||
        (size_t)q->field >= s->entity->n_fields ||
        s->entity->fields[q->field].kind != DDB_FIELD_INT64 || q->counter < 0 ||
        (size_t)q->counter >= q->parent->n_fields ||
        q->parent->fields[q->counter].kind != DDB_FIELD_INT64 || (q->n_keys && !q->parent_fields) ||
        (q->n_keys && !q->parent_key_fields))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store create numbered: bad argument");
    for (size_t i = 0; i < q->n_keys; i++)
        if (q->parent_fields[i] < 0 || (size_t)q->parent_fields[i] >= q->parent->n_fields ||
            q->parent_key_fields[i] < 0 || (size_t)q->parent_key_fields[i] >= s->entity->n_fields)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: sequence: bad field index",
                                 s->entity->name);
    /* Telling which action failed needs the error detail, so there is always some. */
    rc = create_numbered(c, s, table, parent_table ? parent_table : table, counter_table, block,
                         obj, err ? err : &local);
    ddb_error_clear(&local);
    return rc;
}

/* Whether the unique values of a and b (either may be NULL) give the same sentinels. */
static int same_sentinels(bool *out, const ddb_store_desc *s, const void *a, const void *b,
                          ddb_error *err)
{
    char ta[KEY_MAX], tb[KEY_MAX];
    *out = true;
    for (size_t u = 0; u < s->n_unique && *out; u++) {
        int rc;
        ta[0] = tb[0] = '\0';
        if (a && (rc = sentinel_text(ta, sizeof ta, s, &s->unique[u], a, err)) < 0)
            return rc;
        if (b && (rc = sentinel_text(tb, sizeof tb, s, &s->unique[u], b, err)) < 0)
            return rc;
        *out = strcmp(ta, tb) == 0;
    }
    return 0;
}

/*
 * update in one request while no unique value changes: a write conditional on the stored unique
 * values being obj's. When one changed, the failed condition brings the stored item back
 * (ALL_OLD), and the transaction that moves its sentinels is the second request.
 */
static int store_update_e(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
                          ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    int64_t *v = ddb_entity__version_of(d, obj), asked = *v;
    size_t same[DDB_LIMIT_TRANSACTION_ACTIONS];
    size_t n_same = 0;
    void *old = NULL;
    int rc;

    for (size_t u = 0; u < s->n_unique; u++)
        for (size_t i = 0; i < s->unique[u].n_fields && n_same < DDB_LIMIT_TRANSACTION_ACTIONS; i++)
            if (s->unique[u].fields[i] >= 0)
                same[n_same++] = (size_t)s->unique[u].fields[i];
    rc = ddb_entity__update_same(c, d, table, obj, same, n_same, err);
    if (rc != DDB_ERR_CONDITION_FAILED || !err->item)
        return rc;
    old = calloc(1, d->size ? d->size : 1);
    if (!old)
        return ddb_dal__nomem(err, d->name);
    rc = ddb_entity__from_stored(old, d, err->item, err);
    if (rc == 0) {
        ddb_error_clear(err);
        /* Without a version, the transaction checks the version of the item seen. */
        if (asked == 0)
            *v = ddb_entity__version_in(d, old);
        rc = store_single(c, s, table, obj, old, DDB_STORE_UPDATE, err);
        if (rc == 0)
            (*v)++;
        else
            *v = asked;
    }
    free_stored(s, old);
    return rc;
}

int ddb_store_update(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
                     ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    int rc;
    if (!c || !store_ok(s) || !table || !obj || !ddb_entity__version_of(s->entity, obj))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store update: bad argument");
    rc = ddb_entity_compute(s->entity, obj, err);
    if (rc < 0)
        return rc;
    if (s->n_unique == 0)
        return ddb_entity_update(c, s->entity, table, obj, err);
    rc = store_update_e(c, s, table, obj, err ? err : &local);
    ddb_error_clear(&local);
    return rc;
}

int ddb_store_delete(ddb_client *c, const ddb_store_desc *s, const char *table, const void *obj,
                     ddb_error *err)
{
    void *old = NULL;
    bool none = true;
    int64_t want;
    int rc;
    if (!c || !store_ok(s) || !table || !obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store delete: bad argument");
    if (s->n_unique == 0)
        return ddb_entity_delete(c, s->entity, table, obj, err);
    rc = read_stored(&old, c, s, table, obj, err);
    if (rc == 0 && !old && (s->entity->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND))
        return ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: there is no such item",
                             s->entity->name);
    if (rc < 0 || !old)
        return rc; /* deleting nothing succeeds */
    want = ddb_entity__version_in(s->entity, obj);
    if (want != 0 && want != ddb_entity__version_in(s->entity, old)) {
        rc = ddb_error_set(
            err, DDB_ERR_STALE_VERSION, "%s: stale version %lld; the stored item has version %lld",
            s->entity->name, (long long)want, (long long)ddb_entity__version_in(s->entity, old));
        goto done;
    }
    rc = same_sentinels(&none, s, old, NULL, err);
    if (rc < 0)
        goto done;
    if (none)
        rc = ddb_entity_delete(c, s->entity, table, obj, err);
    else
        rc = store_single(c, s, table, obj, old, DDB_STORE_DELETE, err);
done:
    free_stored(s, old);
    return rc;
}

/* "no item of this key, or one of a lower version than v": a mirror that never regresses. */
static int older_than(ddb_expr **out, const ddb_entity_desc *d, int64_t v, ddb_error *err)
{
    int rc = new_expr(out, err);
    if (rc == 0)
        rc = ddb_expr_set_condition(
            *out, ddb_cond_or(*out, ddb_cond_not_exists(*out, d->keys[0].attribute),
                              ddb_cond_cmp_take(*out, d->version_attribute, DDB_CMP_LT,
                                                ddb_expr_val_i64(*out, v))));
    if (rc == 0)
        rc = ddb_expr_status(*out, err);
    if (rc < 0) {
        ddb_expr_free(*out);
        *out = NULL;
    }
    return rc;
}

static int store_mirror(bool *applied, ddb_client *c, const ddb_store_desc *s, const char *table,
                        const void *obj, const void *key, bool newer, ddb_error *err);

int ddb_store_mirror(ddb_client *c, const ddb_store_desc *s, const char *table, const void *obj,
                     const void *key, ddb_error *err)
{
    return store_mirror(NULL, c, s, table, obj, key, false, err);
}

int ddb_store__mirror_newer(bool *applied, ddb_client *c, const ddb_store_desc *s,
                            const char *table, const void *obj, const void *key, ddb_error *err)
{
    bool versioned = s && s->entity && s->entity->version_attribute &&
                     s->entity->version_offset != DDB_ENTITY_NO_OFFSET;
    return store_mirror(applied, c, s, table, obj, key, obj && versioned, err);
}

static int store_mirror(bool *applied, ddb_client *c, const ddb_store_desc *s, const char *table,
                        const void *obj, const void *key, bool newer, ddb_error *err)
{
    ddb_expr *cond = NULL;
    const ddb_entity_desc *d;
    ddb_value *k1 = NULL, *k2 = NULL, *item = NULL;
    void *old = NULL;
    tx_build *t = NULL;
    size_t failed = 0;
    bool ccf = false;
    int rc;

    if (!c || !store_ok(s) || !table || !key)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store mirror: bad argument");
    d = s->entity;
    rc = ddb_entity_key(&k1, d, key, err);
    if (rc < 0)
        return rc;
    if (obj) {
        rc = ddb_entity_key(&k2, d, obj, err);
        if (rc == 0 && !ddb_value_equal(k1, k2))
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                               "%s mirror: obj's primary key is not key's", d->name);
        if (rc < 0)
            goto done;
    }
    if (s->n_unique == 0) {
        if (!obj) {
            rc = ddb_entity_delete_key(NULL, c, d, table, key, err);
        } else {
            ddb_put_item_input in = {0};
            ddb_put_item_output *o = NULL;
            ddb_expr_result *x = NULL;
            rc = item_with_version(&item, d, obj, ddb_entity__version_in(d, obj), err);
            if (rc == 0 && newer &&
                (rc = older_than(&cond, d, ddb_entity__version_in(d, obj), err)) == 0)
                rc = ddb_expr_build(&x, cond, err);
            if (rc < 0)
                goto done;
            in.table_name = table;
            in.item = item;
            if (x) {
                in.condition_expression = x->condition_expression;
                in.n_expression_attribute_names = x->n_expression_attribute_names;
                in.expression_attribute_names = x->expression_attribute_names;
                in.expression_attribute_values = x->expression_attribute_values;
            }
            rc = ddb_put_item(&o, c, &in, err);
            ddb_put_item_output_free(o);
            ddb_expr_result_free(x);
            if (rc == DDB_ERR_CONDITION_FAILED && newer) {
                /* DynamoDB's is as new already */
                ddb_error_clear(err);
                rc = 0;
                if (applied)
                    *applied = false;
                goto done;
            }
        }
        if (rc == 0 && applied)
            *applied = true;
        goto done;
    }
    rc = read_stored(&old, c, s, table, key, err);
    if (rc < 0 || (!old && !obj))
        goto done;
    t = calloc(1, sizeof *t);
    if (!t) {
        rc = ddb_dal__nomem(err, "mirror");
        goto done;
    }
    rc = ddb_txn_new(&t->txn, err);
    if (rc < 0)
        goto done;
    if (obj) {
        rc = item_with_version(&item, d, obj, ddb_entity__version_in(d, obj), err);
        if (rc == 0 && newer)
            rc = older_than(&cond, d, ddb_entity__version_in(d, obj), err);
        if (rc == 0) {
            rc = tx_add(t, TX_PUT, table, item, cond, s, 0, -1, err);
            item = NULL;
            cond = NULL;
        }
    } else {
        rc = tx_add(t, TX_DELETE, table, k1, NULL, s, 0, -1, err);
        k1 = NULL;
    }
    /* Unconditional sentinels: the source of truth says these values are this entity's. */
    if (rc == 0)
        rc = tx_sentinels(t, s, table, old, obj, false, 0, err);
    if (rc == 0)
        rc = tx_send(t, c, &failed, &ccf, err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED && newer && ccf && failed == 0) {
        /* the item's own condition: DynamoDB's is as new already */
        ddb_error_clear(err);
        rc = 0;
        if (applied)
            *applied = false;
        goto done;
    }
    if (rc == 0 && applied)
        *applied = true;
done:
    ddb_expr_free(cond);
    if (t)
        ddb_txn_free(t->txn);
    free(t);
    free_stored(s, old);
    ddb_value_free(item);
    ddb_value_free(k1);
    ddb_value_free(k2);
    return rc;
}

bool ddb_store__is_entity(const ddb_store_desc *s, const ddb_value *item)
{
    /* as ddb_store_list: its filter drops sentinels when the entity has unique values */
    if (s->n_unique && ddb_value_m_get(item, DDB_STORE_SENTINEL_ATTR))
        return false;
    return ddb_entity__is_entity(s->entity, item);
}

int ddb_store__mirror_items(ddb_value **out, size_t cap, size_t *n, const ddb_store_desc *s,
                            const void *obj, ddb_error *err)
{
    char text[KEY_MAX];
    size_t used = 0;
    int rc;
    if (!out || !n || !store_ok(s) || !obj || cap < 1 + s->n_unique)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store mirror items: bad argument");
    rc = item_with_version(&out[used], s->entity, obj, ddb_entity__version_in(s->entity, obj), err);
    if (rc == 0)
        used++;
    for (size_t u = 0; rc == 0 && u < s->n_unique; u++) {
        text[0] = '\0';
        rc = sentinel_text(text, sizeof text, s, &s->unique[u], obj, err);
        if (rc == 0 && text[0] && (rc = sentinel_item(&out[used], s, text, obj, err)) == 0)
            used++;
    }
    if (rc < 0) {
        while (used)
            ddb_value_free(out[--used]);
        return rc;
    }
    *n = used;
    return 0;
}

int ddb_store_list(ddb_entity_page *out, ddb_client *c, const ddb_store_desc *s, const char *table,
                   const ddb_entity_query *q, ddb_error *err)
{
    ddb_entity_filter_cond conds[65];
    ddb_entity_filter f = {false, 0, conds, NULL};
    ddb_entity_query mine;
    static const ddb_entity_arg no_args[1] = {{DDB_FIELD_STRING, NULL, 0, false}};
    if (!out || !c || !store_ok(s) || !table || !q)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "store list: bad argument");
    mine = *q;
    mine.index = NULL;
    if (s->n_unique) {
        /* Sentinels share the table; an entity without a literal key prefix could match them. */
        if (q->filter && (q->filter->any || q->filter->n_conds > 64))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "%s list: a filter with OR or over 64 conditions",
                                 s->entity->name);
        for (size_t i = 0; q->filter && i < q->filter->n_conds; i++)
            conds[f.n_conds++] = q->filter->conds[i];
        f.args = q->filter ? q->filter->args : no_args;
        /* cppcheck-suppress unreadVariable ; read through f.conds by the scan below */
        conds[f.n_conds++] =
            (ddb_entity_filter_cond){DDB_STORE_SENTINEL_ATTR, false, DDB_ENTITY_F_NOT_EXISTS, 0, 0};
        mine.filter = &f;
    }
    return ddb_entity_scan_page(out, c, s->entity, table, &mine, err);
}

static int store_transact(ddb_client *c, const char *counter_table, ddb_store_write *ops,
                          size_t n_ops, ddb_error *err)
{
    tx_build *t = NULL;
    void **old = NULL;
    size_t failed = 0;
    bool ccf = false;
    int rc;

    if (!c || (n_ops && !ops))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact: bad argument");
    if (n_ops == 0)
        return 0;
    if (n_ops > DDB_LIMIT_TRANSACTION_ACTIONS)
        return ddb_error_set(err, DDB_ERR_LIMIT, "transact: %zu operations exceed %d actions",
                             n_ops, DDB_LIMIT_TRANSACTION_ACTIONS);
    for (size_t i = 0; i < n_ops; i++)
        if (!store_ok(ops[i].store) || !ops[i].table || !ops[i].obj ||
            ops[i].op < DDB_STORE_CREATE || ops[i].op > DDB_STORE_ADD ||
            (ops[i].op == DDB_STORE_UPDATE &&
             !ddb_entity__version_of(ops[i].store->entity, ops[i].obj)))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact: op %zu is not valid", i);
    t = calloc(1, sizeof *t);
    old = calloc(n_ops, sizeof *old);
    if (!t || !old) {
        rc = ddb_dal__nomem(err, "transact");
        goto done;
    }
    rc = ddb_txn_new(&t->txn, err);
    for (size_t i = 0; i < n_ops && rc == 0; i++) {
        ddb_store_write *w = &ops[i];
        const ddb_store_desc *s = w->store;
        /* Moving or removing sentinels needs the values they hold now. */
        if (s->n_unique && (w->op == DDB_STORE_UPDATE || w->op == DDB_STORE_DELETE))
            rc = read_stored(&old[i], c, s, w->table, w->obj, err);
        if (rc < 0)
            break;
        switch (w->op) {
        case DDB_STORE_CREATE:
            if (s->sequence && !has_number(s, w->obj)) {
                /* Taking a number needs a transaction of its own (ddb_store_create_numbered);
                 * a number the caller gives is written as it is, its key guarding duplicates. */
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                   "transaction op %zu: %s.%s is numbered per %s; create it alone "
                                   "or give the number",
                                   i, s->entity->name, s->entity->fields[s->sequence->field].name,
                                   s->sequence->parent->name);
                break;
            }
            rc = ddb_store_assign_id(c, s, counter_table, w->block, w->obj, err);
            if (rc == 0)
                rc = ddb_entity_compute(s->entity, w->obj, err);
            if (rc == 0)
                rc = tx_create(t, s, w->table, w->obj, i, err);
            break;
        case DDB_STORE_UPDATE:
            rc = ddb_entity_compute(s->entity, w->obj, err);
            if (rc == 0)
                rc = tx_update(t, s, w->table, w->obj, old[i], i, err);
            break;
        case DDB_STORE_DELETE:
            rc = tx_delete(t, s, w->table, w->obj, old[i], i, err);
            break;
        case DDB_STORE_ADD:
            rc = tx_add_to_field(t, s, w->table, w, i, err);
            break;
        }
    }
    if (rc < 0)
        goto done;
    rc = tx_send(t, c, &failed, &ccf, err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED && failed < t->n) {
        char msg[400];
        size_t op = t->op[failed];
        const ddb_store_desc *s = t->store[failed];
        char code[64];
        snprintf(code, sizeof code, "%s",
                 err && failed < err->n_cancellation_reasons &&
                         err->cancellation_reasons[failed].code
                     ? err->cancellation_reasons[failed].code
                     : "ConditionalCheckFailed");
        if (t->unique[failed] >= 0)
            snprintf(msg, sizeof msg, "transaction: op %zu (%s): %s.%s: the value is taken", op,
                     s->entity->name, s->entity->name, s->unique[t->unique[failed]].name);
        else
            snprintf(msg, sizeof msg, "transaction: op %zu (%s) failed: %s", op, s->entity->name,
                     code);
        rc = ddb_error_set_cancelled(err, n_ops, op, msg);
        if (rc == DDB_ERR_TRANSACTION_CANCELED && err && !ccf && op < err->n_cancellation_reasons) {
            /* Not a condition (e.g. a conflict that outlasted the retries): say what it was. */
            char *dup = strdup(code);
            if (dup) {
                free(err->cancellation_reasons[op].code);
                err->cancellation_reasons[op].code = dup;
            }
        }
        goto done;
    }
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < n_ops; i++) {
        int64_t *v = ddb_entity__version_of(ops[i].store->entity, ops[i].obj);
        if (v && ops[i].op == DDB_STORE_CREATE)
            *v = 1;
        else if (v && ops[i].op == DDB_STORE_UPDATE)
            (*v)++;
    }
done:
    for (size_t i = 0; old && i < n_ops; i++)
        free_stored(ops[i].store, old[i]);
    free(old);
    if (t)
        ddb_txn_free(t->txn);
    free(t);
    return rc;
}

int ddb_store_transact(ddb_client *c, const char *counter_table, ddb_store_write *ops, size_t n_ops,
                       ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    int rc = store_transact(c, counter_table, ops, n_ops, err ? err : &local);
    ddb_error_clear(&local);
    return rc;
}

/* The integer an ID field of obj holds (digits of a string or decimal too); false when none. */
static bool id_value(int64_t *out, const ddb_field_desc *f, const void *obj)
{
    const void *p = CAT(obj, f->offset, char);
    const char *text = NULL;
    char *end;
    long long n;
    if (!ddb_entity__field_present(f, obj))
        return false;
    if (f->kind == DDB_FIELD_INT64) {
        *out = *(const int64_t *)p;
        return true;
    }
    if (f->kind == DDB_FIELD_STRING)
        text = *(char *const *)p;
    else if (f->kind == DDB_FIELD_DECIMAL)
        text = ((const ddb_decimal *)p)->text;
    if (!text || !*text || *text < '0' || *text > '9')
        return false;
    n = strtoll(text, &end, 10);
    if (*end)
        return false; /* not a counter ID: another format */
    *out = (int64_t)n;
    return true;
}

int ddb_store_max_id(int64_t *out, ddb_client *c, const ddb_store_desc *s, const char *table,
                     const char *counter_table, ddb_error *err)
{
    const ddb_field_desc *f;
    bool counted;
    int64_t best = 0;
    char *cursor = NULL;
    int rc = 0;

    if (!out || !c || !store_ok(s) || !table)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "max id: bad argument");
    counted = s->id_strategy == DDB_ID_COUNTER || s->id_strategy == DDB_ID_SOURCE;
    if (s->id_field < 0 || (size_t)s->id_field >= s->entity->n_fields)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s has no ID field", s->entity->name);
    f = &s->entity->fields[s->id_field];
    if (f->kind != DDB_FIELD_INT64 && !counted)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s is not an integer ID",
                             s->entity->name, f->name);
    if (counted && counter_table) {
        rc = ddb_id_counter_current(&best, c, counter_table, s->counter, err);
        if (rc == DDB_ERR_RESOURCE_NOT_FOUND) { /* no counter table: nothing handed out */
            ddb_error_clear(err);
            rc = 0;
        }
        if (rc < 0)
            return rc;
    }
    do {
        ddb_entity_page page = {0, NULL, NULL};
        ddb_entity_query q = {0};
        q.cursor = cursor;
        q.context = "ddb.store.max_id";
        q.consistent_read = true;
        rc = ddb_store_list(&page, c, s, table, &q, err);
        free(cursor);
        cursor = NULL;
        if (rc < 0)
            break;
        for (size_t i = 0; i < page.n; i++) {
            int64_t id;
            if (id_value(&id, f, (char *)page.items + i * s->entity->size) && id > best)
                best = id;
        }
        cursor = page.cursor;
        page.cursor = NULL;
        ddb_entity_page_free(s->entity, &page);
    } while (cursor);
    if (rc == 0)
        *out = best;
    return rc;
}

int ddb_store_seed_id(ddb_client *c, const ddb_store_desc *s, const char *counter_table,
                      ddb_id_block *block, int64_t floor, ddb_error *err)
{
    if (!c || !store_ok(s))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "seed id: bad argument");
    if (s->id_strategy != DDB_ID_COUNTER && s->id_strategy != DDB_ID_SOURCE)
        return 0; /* nothing is allocated from a sequence */
    if (!counter_table || !s->counter)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: no counter table", s->entity->name);
    return ddb_id_counter_seed(c, counter_table, s->counter, block, floor, err);
}

int ddb_error_set_cancelled(ddb_error *err, size_t n_ops, size_t failed, const char *msg)
{
    ddb_cancellation_reason *r;
    if (!err)
        return DDB_ERR_TRANSACTION_CANCELED;
    ddb_error_set(err, DDB_ERR_TRANSACTION_CANCELED, "%s", msg ? msg : "transaction cancelled");
    if (n_ops == 0)
        return DDB_ERR_TRANSACTION_CANCELED;
    r = calloc(n_ops, sizeof *r);
    if (!r)
        return ddb_dal__nomem(err, "cancellation reasons");
    for (size_t i = 0; i < n_ops; i++) {
        r[i].code = strdup(i == failed ? "ConditionalCheckFailed" : "None");
        if (!r[i].code) {
            for (size_t j = 0; j < i; j++)
                free(r[j].code);
            free(r);
            return ddb_dal__nomem(err, "cancellation reasons");
        }
    }
    err->cancellation_reasons = r;
    err->n_cancellation_reasons = n_ops;
    return DDB_ERR_TRANSACTION_CANCELED;
}
