/*
 * Table-driven struct <-> item conversion for generated code (include/ddb/entity.h). Everything
 * here is generic: the schema is in the descriptor the caller passes.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/api.h"
#include "ddb/cursor.h"
#include "ddb/entity.h"
#include "ddb/expr.h"
#include "ddb/limits.h"
#include "ddb/table.h"
#include "ddb/txn.h"
#include "entity_internal.h"
#include "error_internal.h"

#define KEY_MAX DDB_ENTITY__KEY_MAX

#define AT(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))
#define CAT(obj, off, T) ((const T *)(const void *)((const char *)(obj) + (off)))

/* Pointer member types for CAT (which adds its own const). */
typedef char *str_ptr;
typedef void *any_ptr;

int ddb_decimal_set(ddb_decimal *d, const char *num, ddb_error *err)
{
    char *copy;
    int rc;
    if (!d || !num)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "decimal: NULL argument");
    rc = ddb_number_validate(num, err);
    if (rc < 0)
        return rc;
    copy = strdup(num);
    if (!copy)
        return ddb_error__nomem(err, "decimal");
    free(d->text);
    d->text = copy;
    return 0;
}

bool ddb_uuid_valid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    size_t i, k = 0;
    if (!s || strlen(s) != 36)
        return false;
    for (i = 0; i < 36; i++) {
        if (k < 4 && (int)i == dash[k]) {
            if (s[i] != '-')
                return false;
            k++;
            continue;
        }
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    }
    return true;
}

/* Element size of a list of kind k. */
static size_t elem_size(ddb_field_kind k)
{
    switch (k) {
    case DDB_FIELD_STRING:
        return sizeof(char *);
    case DDB_FIELD_INT64:
        return sizeof(int64_t);
    case DDB_FIELD_DECIMAL:
        return sizeof(ddb_decimal);
    case DDB_FIELD_BOOL:
        return sizeof(bool);
    case DDB_FIELD_UUID:
        return sizeof(char *); /* list elements are strings, checked */
    case DDB_FIELD_VALUE:
        return sizeof(ddb_value *);
    }
    return 0;
}

/* Does the scalar at p (kind k) have a value? (The has_ flag is checked by the caller.) */
static bool scalar_present(ddb_field_kind k, const void *p)
{
    switch (k) {
    case DDB_FIELD_STRING:
        return *(char *const *)p != NULL;
    case DDB_FIELD_DECIMAL:
        return ((const ddb_decimal *)p)->text != NULL;
    case DDB_FIELD_VALUE:
        return *(ddb_value *const *)p != NULL;
    default:
        return true;
    }
}

static bool field_present(const ddb_field_desc *f, const void *obj)
{
    if (f->is_list) /* a required list with no array is written as an empty list */
        return f->required || *CAT(obj, f->offset, any_ptr) != NULL;
    if (f->has_offset != DDB_ENTITY_NO_OFFSET && !*CAT(obj, f->has_offset, bool))
        return false;
    return scalar_present(f->kind, CAT(obj, f->offset, char));
}

/* Builds the value of one scalar at p; in_list: a UUID list element is a char *. */
static int scalar_to_value(ddb_value **out, const char *entity, const ddb_field_desc *f,
                           ddb_field_kind k, const void *p, bool in_list, ddb_error *err)
{
    const char *s;
    switch (k) {
    case DDB_FIELD_STRING:
        s = *(char *const *)p;
        if (!s)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: NULL string in a list", entity,
                                  f->name);
        return ddb_value_new_s(out, s, err);
    case DDB_FIELD_INT64:
        return ddb_value_new_n_i64(out, *(const int64_t *)p, err);
    case DDB_FIELD_DECIMAL:
        s = ((const ddb_decimal *)p)->text;
        if (!s)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: decimal with no value", entity,
                                  f->name);
        return ddb_value_new_n(out, s, err);
    case DDB_FIELD_BOOL:
        return ddb_value_new_bool(out, *(const bool *)p, err);
    case DDB_FIELD_UUID:
        s = in_list ? *(char *const *)p : (const char *)p;
        if (!ddb_uuid_valid(s))
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "%s.%s: \"%.40s\" is not a UUID (8-4-4-4-12 hex digits)", entity,
                                  f->name, s ? s : "(null)");
        return ddb_value_new_s(out, s, err);
    case DDB_FIELD_VALUE:
        if (!*(ddb_value *const *)p)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: NULL value in a list", entity,
                                  f->name);
        return ddb_value_copy(out, *(ddb_value *const *)p, err);
    }
    return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: unknown field kind", entity, f->name);
}

static int field_to_value(ddb_value **out, const ddb_entity_desc *d, const ddb_field_desc *f,
                          const void *obj, ddb_error *err)
{
    ddb_value *list = NULL, *v = NULL;
    size_t n, i, sz;
    const char *items;
    int rc;

    if (!f->is_list)
        return scalar_to_value(out, d->name, f, f->kind, CAT(obj, f->offset, char), false, err);
    n = *CAT(obj, f->count_offset, size_t);
    items = (const char *)*CAT(obj, f->offset, str_ptr);
    if (n > 0 && !items)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: %zu elements but no array", d->name,
                              f->name, n);
    rc = ddb_value_new_l(&list, err);
    if (rc < 0)
        return rc;
    sz = elem_size(f->kind);
    for (i = 0; i < n; i++) {
        rc = scalar_to_value(&v, d->name, f, f->kind, items + i * sz, true, err);
        if (rc < 0)
            goto fail;
        rc = ddb_value_l_append_take(list, v, err);
        if (rc < 0)
            goto fail;
    }
    *out = list;
    return 0;
fail:
    ddb_value_free(list);
    return rc;
}

void ddb_entity__format_i64(char *buf, size_t cap, int64_t n, const char *format)
{
    int width = 0;
    bool zero = false;
    const char *p = format;
    if (p && *p) {
        if (*p == '0') {
            zero = true;
            p++;
        }
        while (*p >= '0' && *p <= '9' && width < 64)
            width = width * 10 + (*p++ - '0');
        if (strcmp(p, "d") != 0)
            width = 0, zero = false;
    }
    if (zero)
        snprintf(buf, cap, "%0*" PRId64, width, n);
    else
        snprintf(buf, cap, "%*" PRId64, width, n);
}

const char *ddb_entity__field_text(const ddb_field_desc *f, const void *obj, const char *format,
                                   char *num, size_t num_cap)
{
    const void *v = CAT(obj, f->offset, char);
    switch (f->kind) {
    case DDB_FIELD_STRING:
        return *(char *const *)v;
    case DDB_FIELD_UUID:
        return (const char *)v;
    case DDB_FIELD_DECIMAL:
        return ((const ddb_decimal *)v)->text;
    case DDB_FIELD_INT64:
        ddb_entity__format_i64(num, num_cap, *(const int64_t *)v, format);
        return num;
    case DDB_FIELD_BOOL:
        return *(const bool *)v ? "true" : "false";
    default:
        return NULL;
    }
}

int ddb_entity_key_value(ddb_value **out, const ddb_entity_desc *d, size_t key, const void *obj,
                         ddb_error *err)
{
    const ddb_key_desc *k;
    char buf[KEY_MAX], num[80];
    size_t len = 0, i;

    if (!out || !d || !obj || key >= d->n_keys)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity key: bad argument");
    k = &d->keys[key];
    for (i = 0; i < k->n_parts; i++) {
        const ddb_key_part *p = &k->parts[i];
        const char *text;
        const ddb_field_desc *f;
        size_t tl;

        if (p->literal) {
            text = p->literal;
        } else {
            if (p->field < 0 || (size_t)p->field >= d->n_fields)
                return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: key %s: bad field index",
                                      d->name, k->attribute);
            f = &d->fields[p->field];
            if (f->is_list || !field_present(f, obj)) {
                *out = NULL;
                return 0;
            }
            /* Present, so only a kind with no text (a value) leaves it NULL. */
            text = ddb_entity__field_text(f, obj, p->format, num, sizeof num);
            if (!text)
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "%s: key %s: field %s cannot be part of a key", d->name,
                                      k->attribute, f->name);
        }
        tl = strlen(text);
        if (tl >= sizeof buf - len)
            return ddb_error__set(err, DDB_ERR_LIMIT, "%s: key %s is over %d bytes", d->name,
                                  k->attribute, KEY_MAX - 1);
        memcpy(buf + len, text, tl);
        len += tl;
    }
    buf[len] = '\0';
    if (k->numeric)
        return ddb_value_new_n(out, buf, err);
    return ddb_value_new_s(out, buf, err);
}

/* The name of the first field of key k that obj has no value for. */
static const char *missing_field(const ddb_entity_desc *d, const ddb_key_desc *k, const void *obj)
{
    for (size_t i = 0; i < k->n_parts; i++) {
        int f = k->parts[i].field;
        if (!k->parts[i].literal && f >= 0 && (size_t)f < d->n_fields &&
            (d->fields[f].is_list || !field_present(&d->fields[f], obj)))
            return d->fields[f].name;
    }
    return "?";
}

static int put_keys(ddb_value *item, const ddb_entity_desc *d, const void *obj, size_t n_keys,
                    ddb_error *err)
{
    for (size_t i = 0; i < n_keys; i++) {
        ddb_value *v = NULL;
        int rc = ddb_entity_key_value(&v, d, i, obj, err);
        if (rc < 0)
            return rc;
        if (!v) {
            if (i < d->n_primary)
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "%s: key attribute %s needs %s.%s, which has no value",
                                      d->name, d->keys[i].attribute, d->name,
                                      missing_field(d, &d->keys[i], obj));
            continue; /* sparse GSI */
        }
        rc = ddb_value_m_set_take(item, d->keys[i].attribute, v, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ddb_entity_key(ddb_value **out, const ddb_entity_desc *d, const void *obj, ddb_error *err)
{
    ddb_value *item = NULL;
    int rc;
    if (!out || !d || !obj || d->version != DDB_ENTITY_ABI_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity key: bad argument");
    rc = ddb_value_new_m(&item, err);
    if (rc < 0)
        return rc;
    rc = put_keys(item, d, obj, d->n_primary, err);
    if (rc < 0) {
        ddb_value_free(item);
        return rc;
    }
    *out = item;
    return 0;
}

int ddb_entity_to_item(ddb_value **out, const ddb_entity_desc *d, const void *obj, ddb_error *err)
{
    ddb_value *item = NULL, *v = NULL;
    int rc;

    if (!out || !d || !obj || d->version != DDB_ENTITY_ABI_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity to item: bad argument");
    rc = ddb_value_new_m(&item, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        if (!field_present(f, obj)) {
            if (f->required) {
                rc =
                    ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s is required", d->name, f->name);
                goto fail;
            }
            continue;
        }
        rc = field_to_value(&v, d, f, obj, err);
        if (rc < 0)
            goto fail;
        rc = ddb_value_m_set_take(item, f->name, v, err);
        if (rc < 0)
            goto fail;
    }
    /* Keys last: a key attribute that has a field's name keeps the field's value position. */
    rc = put_keys(item, d, obj, d->n_keys, err);
    if (rc < 0)
        goto fail;
    *out = item;
    return 0;
fail:
    ddb_value_free(item);
    return rc;
}

static void scalar_free(ddb_field_kind k, void *p, bool in_list)
{
    switch (k) {
    case DDB_FIELD_STRING:
        free(*(char **)p);
        *(char **)p = NULL;
        break;
    case DDB_FIELD_DECIMAL:
        free(((ddb_decimal *)p)->text);
        ((ddb_decimal *)p)->text = NULL;
        break;
    case DDB_FIELD_VALUE:
        ddb_value_free(*(ddb_value **)p);
        *(ddb_value **)p = NULL;
        break;
    case DDB_FIELD_UUID:
        if (in_list) {
            free(*(char **)p);
            *(char **)p = NULL;
        }
        break;
    default:
        break;
    }
}

static void field_free(const ddb_field_desc *f, void *obj)
{
    if (f->is_list) {
        size_t n = *AT(obj, f->count_offset, size_t), sz = elem_size(f->kind);
        char *items = *AT(obj, f->offset, char *);
        for (size_t j = 0; items && j < n; j++)
            scalar_free(f->kind, items + j * sz, true);
        free(items);
        *AT(obj, f->offset, char *) = NULL;
        *AT(obj, f->count_offset, size_t) = 0;
        return;
    }
    scalar_free(f->kind, AT(obj, f->offset, char), false);
}

void ddb_entity_free(const ddb_entity_desc *d, void *obj)
{
    if (!d || !obj)
        return;
    for (size_t i = 0; i < d->n_fields; i++)
        field_free(&d->fields[i], obj);
    memset(obj, 0, d->size);
}

static int wrong_type(ddb_error *err, const ddb_entity_desc *d, const ddb_field_desc *f,
                      const char *want, const ddb_value *v)
{
    return ddb_error__set(err, DDB_ERR_PROTOCOL, "%s.%s: expected %s, got %s", d->name, f->name,
                          want, ddb_type_name(ddb_value_type(v)));
}

/* Reads one scalar of kind k from v into p. */
static int scalar_from_value(void *p, const ddb_entity_desc *d, const ddb_field_desc *f,
                             ddb_field_kind k, const ddb_value *v, bool in_list, ddb_error *err)
{
    const char *s;
    char *copy;
    int rc;
    switch (k) {
    case DDB_FIELD_STRING:
    case DDB_FIELD_UUID:
        if (ddb_value_type(v) != DDB_TYPE_S)
            return wrong_type(err, d, f, "S", v);
        s = ddb_value_s(v, NULL);
        if (k == DDB_FIELD_UUID && !ddb_uuid_valid(s))
            return ddb_error__set(err, DDB_ERR_PROTOCOL, "%s.%s: \"%.40s\" is not a UUID", d->name,
                                  f->name, s);
        if (k == DDB_FIELD_UUID && !in_list) {
            memcpy(p, s, 37);
            return 0;
        }
        copy = strdup(s);
        if (!copy)
            return ddb_error__nomem(err, f->name);
        *(char **)p = copy;
        return 0;
    case DDB_FIELD_INT64:
        if (ddb_value_type(v) != DDB_TYPE_N)
            return wrong_type(err, d, f, "N", v);
        rc = ddb_value_n_i64(v, (int64_t *)p, err);
        if (rc < 0)
            return ddb_error__set(err, DDB_ERR_PROTOCOL, "%s.%s: \"%.60s\" is not a 64-bit integer",
                                  d->name, f->name, ddb_value_n(v));
        return 0;
    case DDB_FIELD_DECIMAL:
        if (ddb_value_type(v) != DDB_TYPE_N)
            return wrong_type(err, d, f, "N", v);
        copy = strdup(ddb_value_n(v));
        if (!copy)
            return ddb_error__nomem(err, f->name);
        ((ddb_decimal *)p)->text = copy;
        return 0;
    case DDB_FIELD_BOOL:
        if (ddb_value_type(v) != DDB_TYPE_BOOL)
            return wrong_type(err, d, f, "BOOL", v);
        *(bool *)p = ddb_value_bool(v);
        return 0;
    case DDB_FIELD_VALUE:
        if (!in_list && ddb_value_type(v) != DDB_TYPE_M)
            return wrong_type(err, d, f, "M", v);
        return ddb_value_copy((ddb_value **)p, v, err);
    }
    return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: unknown field kind", d->name, f->name);
}

static int field_from_value(void *obj, const ddb_entity_desc *d, const ddb_field_desc *f,
                            const ddb_value *v, ddb_error *err)
{
    size_t n, sz, i;
    char *items;
    int rc;

    if (!f->is_list) {
        rc = scalar_from_value(AT(obj, f->offset, char), d, f, f->kind, v, false, err);
        if (rc == 0 && f->has_offset != DDB_ENTITY_NO_OFFSET)
            *AT(obj, f->has_offset, bool) = true;
        return rc;
    }
    if (ddb_value_type(v) != DDB_TYPE_L)
        return wrong_type(err, d, f, "L", v);
    n = ddb_value_count(v);
    sz = elem_size(f->kind);
    items = calloc(n ? n : 1, sz);
    if (!items)
        return ddb_error__nomem(err, f->name);
    /* Store first, so that field_free releases a partly read list. */
    *AT(obj, f->offset, char *) = items;
    for (i = 0; i < n; i++) {
        rc = scalar_from_value(items + i * sz, d, f, f->kind, ddb_value_l_at(v, i), true, err);
        if (rc < 0) {
            *AT(obj, f->count_offset, size_t) = i;
            return rc;
        }
    }
    *AT(obj, f->count_offset, size_t) = n;
    return 0;
}

int ddb_entity_from_item(void *obj, const ddb_entity_desc *d, const ddb_value *item, ddb_error *err)
{
    char *tmp;
    int rc = 0;

    if (!obj || !d || !item || d->version != DDB_ENTITY_ABI_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity from item: bad argument");
    if (ddb_value_type(item) != DDB_TYPE_M)
        return ddb_error__set(err, DDB_ERR_PROTOCOL, "%s: item is not a map", d->name);
    /* Fill a scratch copy, so that obj is untouched on failure. */
    tmp = calloc(1, d->size ? d->size : 1);
    if (!tmp)
        return ddb_error__nomem(err, d->name);
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        const ddb_value *v = ddb_value_m_get(item, f->name);
        if (!v || ddb_value_type(v) == DDB_TYPE_NULL) {
            if (f->required) {
                rc = ddb_error__set(err, DDB_ERR_PROTOCOL, "%s: item has no attribute %s", d->name,
                                    f->name);
                goto fail;
            }
            continue;
        }
        rc = field_from_value(tmp, d, f, v, err);
        if (rc < 0)
            goto fail;
    }
    memcpy(obj, tmp, d->size);
    free(tmp);
    return 0;
fail:
    ddb_entity_free(d, tmp);
    free(tmp);
    return rc;
}

/* ---- storage --------------------------------------------------------------------------------- */

int ddb_entity_create_table(ddb_client *c, const ddb_table_desc *t, const char *name,
                            long timeout_ms, ddb_error *err)
{
    ddb_create_table_input in = {0};
    ddb_attribute_definition *defs = NULL;
    ddb_key_schema_element keys[2], *gkeys = NULL;
    ddb_global_secondary_index *gsis = NULL;
    ddb_projection *projs = NULL;
    ddb_create_table_output *out = NULL;
    size_t nk = 0, total = 0;
    int rc;

    if (!c || !t || t->version != DDB_ENTITY_ABI_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "create table: bad argument");
    for (size_t g = 0; g < t->n_gsis; g++)
        total += t->gsis[g].n_pk + t->gsis[g].n_sk;
    defs = calloc(t->n_attributes ? t->n_attributes : 1, sizeof *defs);
    gkeys = calloc(total ? total : 1, sizeof *gkeys);
    gsis = calloc(t->n_gsis ? t->n_gsis : 1, sizeof *gsis);
    projs = calloc(t->n_gsis ? t->n_gsis : 1, sizeof *projs);
    if (!defs || !gkeys || !gsis || !projs) {
        rc = ddb_error__nomem(err, "create table");
        goto done;
    }
    for (size_t i = 0; i < t->n_attributes; i++) {
        defs[i].attribute_name = (char *)t->attributes[i];
        defs[i].attribute_type = (char *)t->attribute_types[i];
    }
    keys[nk++] = (ddb_key_schema_element){(char *)t->pk, (char *)"HASH"};
    if (t->sk)
        keys[nk++] = (ddb_key_schema_element){(char *)t->sk, (char *)"RANGE"};
    total = 0;
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddb_gsi_desc *gd = &t->gsis[g];
        gsis[g].index_name = (char *)gd->name;
        gsis[g].key_schema = &gkeys[total];
        for (size_t i = 0; i < gd->n_pk; i++)
            gkeys[total++] = (ddb_key_schema_element){(char *)gd->pk[i], (char *)"HASH"};
        for (size_t i = 0; i < gd->n_sk; i++)
            gkeys[total++] = (ddb_key_schema_element){(char *)gd->sk[i], (char *)"RANGE"};
        gsis[g].n_key_schema = gd->n_pk + gd->n_sk;
        projs[g].projection_type = (char *)gd->projection;
        projs[g].n_non_key_attributes = gd->n_included;
        projs[g].non_key_attributes = (char **)gd->included;
        gsis[g].projection = &projs[g];
    }
    in.table_name = (char *)(name ? name : t->name);
    in.n_attribute_definitions = t->n_attributes;
    in.attribute_definitions = defs;
    in.n_key_schema = nk;
    in.key_schema = keys;
    in.n_global_secondary_indexes = t->n_gsis;
    in.global_secondary_indexes = t->n_gsis ? gsis : NULL;
    in.billing_mode = (char *)"PAY_PER_REQUEST";
    rc = ddb_create_table(&out, c, &in, err);
    ddb_create_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_active(c, in.table_name, timeout_ms, err);
    if (rc == 0 && t->ttl_attribute) {
        /* a table has one TTL attribute; DynamoDB deletes items some time after it passes */
        ddb_time_to_live_specification spec = {true, true, (char *)t->ttl_attribute};
        ddb_update_time_to_live_input ttl = {in.table_name, &spec};
        ddb_update_time_to_live_output *tout = NULL;
        rc = ddb_update_time_to_live(&tout, c, &ttl, err);
        ddb_update_time_to_live_output_free(tout);
    }
done:
    free(defs);
    free(gkeys);
    free(gsis);
    free(projs);
    return rc;
}

int ddb_entity__build(ddb_expr_result **x, const ddb_expr *e, int rc, const char *what,
                      ddb_error *err)
{
    *x = NULL;
    if (rc < 0) {
        int st = ddb_expr_status(e, err);
        return st < 0 ? st : rc;
    }
    rc = ddb_expr_build(x, e, err);
    if (rc == 0 && !*x)
        rc = ddb_error__nomem(err, what);
    return rc;
}

/* The expression parts of an input, from a builder holding one condition. */
static int build_condition(ddb_expr_result **out, ddb_expr *e, ddb_cond *cond, ddb_error *err)
{
    return ddb_entity__build(out, e, ddb_expr_set_condition(e, cond), "condition", err);
}

int64_t *ddb_entity__version_of(const ddb_entity_desc *d, void *obj)
{
    if (!d->version_attribute || d->version_offset == DDB_ENTITY_NO_OFFSET)
        return NULL;
    return AT(obj, d->version_offset, int64_t);
}

int ddb_entity__from_stored(void *obj, const ddb_entity_desc *d, const ddb_value *item,
                            ddb_error *err)
{
    int64_t *v;
    int rc = ddb_entity_from_item(obj, d, item, err);
    if (rc == 0 && (v = ddb_entity__version_of(d, obj)) != NULL) {
        const ddb_value *ver = ddb_value_m_get(item, d->version_attribute);
        if (ver)
            ddb_value_n_i64(ver, v, NULL);
    }
    return rc;
}

/* Put obj with a condition; new_version goes into the item's version attribute. */
static int put_with(ddb_client *c, const ddb_entity_desc *d, const char *table, const void *obj,
                    int64_t new_version, ddb_expr *e, ddb_cond *cond, bool want_old, ddb_error *err)
{
    ddb_value *item = NULL;
    ddb_expr_result *x = NULL;
    ddb_put_item_input in = {0};
    ddb_put_item_output *out = NULL;
    int rc = ddb_entity_to_item(&item, d, obj, err);
    if (rc < 0)
        return rc;
    if (d->version_attribute) {
        rc = ddb_value_m_set_i64(item, d->version_attribute, new_version, err);
        if (rc < 0)
            goto done;
    }
    rc = build_condition(&x, e, cond, err);
    if (rc < 0)
        goto done;
    in.table_name = (char *)table;
    in.item = item;
    in.condition_expression = x->condition_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    if (want_old)
        in.return_values_on_condition_check_failure = (char *)"ALL_OLD";
    rc = ddb_put_item(&out, c, &in, err);
    ddb_put_item_output_free(out);
done:
    ddb_expr_result_free(x);
    ddb_value_free(item);
    return rc;
}

int ddb_entity_create(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                      ddb_error *err)
{
    ddb_expr *e = NULL;
    int64_t *v;
    int rc;
    if (!c || !d || !table || !obj || d->n_primary < 1)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity create: bad argument");
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        return rc;
    rc = put_with(c, d, table, obj, 1, e, ddb_cond_not_exists(e, d->keys[0].attribute), false, err);
    ddb_expr_free(e);
    v = ddb_entity__version_of(d, obj);
    if (rc == 0 && v)
        *v = 1;
    return rc;
}

int ddb_entity_get(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                   const char *table, const void *key_obj, bool consistent_read, ddb_error *err)
{
    ddb_get_item_input in = {0};
    ddb_get_item_output *o = NULL;
    ddb_value *key = NULL;
    int rc;
    if (!out || !found || !c || !d || !table || !key_obj)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity get: bad argument");
    rc = ddb_entity_key(&key, d, key_obj, err);
    if (rc < 0)
        return rc;
    in.table_name = (char *)table;
    in.key = key;
    in.has_consistent_read = consistent_read;
    in.consistent_read = consistent_read;
    rc = ddb_get_item(&o, c, &in, err);
    if (rc == 0) {
        if (o->item) {
            rc = ddb_entity__from_stored(out, d, o->item, err);
            if (rc == 0)
                *found = true;
        } else {
            *found = false;
        }
    }
    ddb_get_item_output_free(o);
    ddb_value_free(key);
    return rc;
}

/* After a failed versioned write: stale when the item exists (ALL_OLD came back). */
static int stale_or(int rc, const ddb_entity_desc *d, int64_t expected, ddb_error *err)
{
    if (rc == DDB_ERR_CONDITION_FAILED && err && err->item) {
        /* Copied first: ddb_error__set clears err, and the old item with it. */
        const ddb_value *v = ddb_value_m_get(err->item, d->version_attribute);
        char stored[64];
        snprintf(stored, sizeof stored, "%s", v && ddb_value_n(v) ? ddb_value_n(v) : "(none)");
        return ddb_error__set(err, DDB_ERR_STALE_VERSION,
                              "%s: stale version %lld; the stored item has version %s", d->name,
                              (long long)expected, stored);
    }
    return rc;
}

static int entity_update(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                         ddb_error *err)
{
    ddb_expr *e = NULL;
    int64_t *v;
    int rc;
    if (!c || !d || !table || !obj || d->n_primary < 1 || !(v = ddb_entity__version_of(d, obj)))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity update: bad argument");
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        return rc;
    rc = put_with(c, d, table, obj, *v + 1, e,
                  ddb_cond_and(e, ddb_cond_exists(e, d->keys[0].attribute),
                               ddb_cond_eq_take(e, d->version_attribute, ddb_expr_val_i64(e, *v))),
                  true, err);
    ddb_expr_free(e);
    rc = stale_or(rc, d, *v, err);
    if (rc == 0)
        (*v)++;
    return rc;
}

static int entity_delete(ddb_client *c, const ddb_entity_desc *d, const char *table,
                         const void *obj, ddb_error *err)
{
    ddb_delete_item_input in = {0};
    ddb_delete_item_output *o = NULL;
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    int64_t expected = 0;
    int rc;

    if (!c || !d || !table || !obj)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity delete: bad argument");
    if (d->version_attribute && d->version_offset != DDB_ENTITY_NO_OFFSET)
        expected = *CAT(obj, d->version_offset, int64_t);
    rc = ddb_entity_key(&key, d, obj, err);
    if (rc < 0)
        return rc;
    in.table_name = (char *)table;
    in.key = key;
    if (expected != 0) {
        rc = ddb_expr_new(&e, err);
        if (rc < 0)
            goto done;
        rc = build_condition(
            &x, e, ddb_cond_eq_take(e, d->version_attribute, ddb_expr_val_i64(e, expected)), err);
        if (rc < 0)
            goto done;
        in.condition_expression = x->condition_expression;
        in.n_expression_attribute_names = x->n_expression_attribute_names;
        in.expression_attribute_names = x->expression_attribute_names;
        in.expression_attribute_values = x->expression_attribute_values;
        in.return_values_on_condition_check_failure = (char *)"ALL_OLD";
    }
    rc = ddb_delete_item(&o, c, &in, err);
    if (rc == DDB_ERR_CONDITION_FAILED && !err->item)
        rc = 0; /* there was no item: deleting nothing succeeds */
    rc = stale_or(rc, d, expected, err);
done:
    ddb_delete_item_output_free(o);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(key);
    return rc;
}

/* The versioned writes need the error detail (the old item) to tell "stale" from "missing". */
int ddb_entity_update(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                      ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    int rc = entity_update(c, d, table, obj, err ? err : &local);
    ddb_error_clear(&local);
    return rc;
}

int ddb_entity_delete(ddb_client *c, const ddb_entity_desc *d, const char *table, const void *obj,
                      ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    int rc = entity_delete(c, d, table, obj, err ? err : &local);
    ddb_error_clear(&local);
    return rc;
}

/* ---- queries --------------------------------------------------------------------------------- */

int ddb_entity__key_prefix(char *buf, size_t cap, const ddb_entity_desc *d, const ddb_key_desc *k,
                           const void *obj, size_t n_bound, bool *whole, ddb_error *err)
{
    size_t len = 0, seen = 0;
    char num[80];
    *whole = true;
    for (size_t i = 0; i < k->n_parts; i++) {
        const ddb_key_part *p = &k->parts[i];
        const char *text = p->literal;
        size_t tl;
        if (!text) {
            const ddb_field_desc *f;
            if (seen++ == n_bound || p->field < 0 || (size_t)p->field >= d->n_fields) {
                *whole = false;
                break;
            }
            f = &d->fields[p->field];
            text = ddb_entity__field_text(f, obj, p->format, num, sizeof num);
            if (!text)
                return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: key %s: %s has no value",
                                      d->name, k->attribute, f->name);
        }
        tl = strlen(text);
        if (tl >= cap - len)
            return ddb_error__set(err, DDB_ERR_LIMIT, "%s: key %s is over %zu bytes", d->name,
                                  k->attribute, cap - 1);
        memcpy(buf + len, text, tl);
        len += tl;
    }
    buf[len] = '\0';
    return 0;
}

size_t ddb_entity__literal_prefix(char *buf, size_t cap, const ddb_key_desc *k, bool *whole)
{
    size_t len = 0, i;
    for (i = 0; i < k->n_parts && k->parts[i].literal; i++) {
        size_t tl = strlen(k->parts[i].literal);
        if (tl >= cap - len)
            break;
        memcpy(buf + len, k->parts[i].literal, tl);
        len += tl;
    }
    buf[len] = '\0';
    if (whole)
        *whole = i == k->n_parts;
    return len;
}

static ddb_value *range_value(ddb_expr *e, const ddb_key_desc *k, const char *prefix, const char *v)
{
    char buf[KEY_MAX];
    if (!v)
        v = "";
    if (k->numeric)
        return ddb_expr_val_n(e, v);
    snprintf(buf, sizeof buf, "%s%s", prefix, v);
    return ddb_expr_val_s(e, buf);
}

int ddb_entity__key_condition(ddb_cond **out, ddb_expr *e, const ddb_entity_desc *d,
                              const void *key_obj, const ddb_entity_query *q, ddb_error *err)
{
    ddb_value *pk = NULL;
    ddb_cond *cond;
    char prefix[KEY_MAX];
    int rc = ddb_entity_key_value(&pk, d, q->pk_key, key_obj, err);
    if (rc < 0)
        return rc;
    if (!pk)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: the partition key %s is incomplete",
                              d->name, d->keys[q->pk_key].attribute);
    cond = ddb_cond_eq_take(e, d->keys[q->pk_key].attribute, pk);
    if (q->has_sk) {
        const ddb_key_desc *sk = &d->keys[q->sk_key];
        bool whole = false;
        rc = ddb_entity__key_prefix(prefix, sizeof prefix, d, sk, key_obj, q->n_sk_bound, &whole,
                                    err);
        if (rc < 0)
            return rc;
        switch (q->range) {
        case DDB_ENTITY_RANGE_NONE:
            if (whole)
                cond = ddb_cond_and(e, cond,
                                    ddb_cond_eq_take(e, sk->attribute,
                                                     sk->numeric ? ddb_expr_val_n(e, prefix)
                                                                 : ddb_expr_val_s(e, prefix)));
            else if (prefix[0] && !sk->numeric)
                cond = ddb_cond_and(
                    e, cond,
                    ddb_cond_begins_with_take(e, sk->attribute, ddb_expr_val_s(e, prefix)));
            break;
        case DDB_ENTITY_RANGE_BEGINS_WITH:
            cond = ddb_cond_and(
                e, cond,
                ddb_cond_begins_with_take(e, sk->attribute, range_value(e, sk, prefix, q->v1)));
            break;
        case DDB_ENTITY_RANGE_BETWEEN:
            cond = ddb_cond_and(e, cond,
                                ddb_cond_between_take(e, sk->attribute,
                                                      range_value(e, sk, prefix, q->v1),
                                                      range_value(e, sk, prefix, q->v2)));
            break;
        default: {
            static const ddb_cmp ops[] = {DDB_CMP_LT, DDB_CMP_LE, DDB_CMP_GT, DDB_CMP_GE};
            cond = ddb_cond_and(e, cond,
                                ddb_cond_cmp_take(e, sk->attribute,
                                                  ops[q->range - DDB_ENTITY_RANGE_LT],
                                                  range_value(e, sk, prefix, q->v1)));
            break;
        }
        }
    }
    *out = cond;
    return 0;
}

static ddb_value *arg_value(ddb_expr *e, const ddb_entity_arg *a)
{
    switch (a->kind) {
    case DDB_FIELD_INT64:
        return ddb_expr_val_i64(e, a->i);
    case DDB_FIELD_DECIMAL:
        return ddb_expr_val_n(e, a->s ? a->s : "");
    case DDB_FIELD_BOOL:
        return ddb_expr_val_bool(e, a->b);
    default:
        return ddb_expr_val_s(e, a->s ? a->s : "");
    }
}

static ddb_cond *cmp_cond(ddb_expr *e, const ddb_entity_filter_cond *fc, ddb_cmp op, ddb_value *v)
{
    return fc->size ? ddb_cond_size_cmp_take(e, fc->attribute, op, v)
                    : ddb_cond_cmp_take(e, fc->attribute, op, v);
}

ddb_cond *ddb_entity__filter_cond(ddb_expr *e, const ddb_entity_filter *f)
{
    ddb_cond *all = NULL;
    for (size_t i = 0; f && i < f->n_conds; i++) {
        const ddb_entity_filter_cond *fc = &f->conds[i];
        const ddb_entity_arg *a = &f->args[fc->first_arg];
        ddb_cond *c = NULL;
        switch (fc->op) {
        case DDB_ENTITY_F_EQ:
        case DDB_ENTITY_F_NE:
        case DDB_ENTITY_F_LT:
        case DDB_ENTITY_F_LE:
        case DDB_ENTITY_F_GT:
        case DDB_ENTITY_F_GE: {
            static const ddb_cmp ops[] = {DDB_CMP_EQ, DDB_CMP_NE, DDB_CMP_LT,
                                          DDB_CMP_LE, DDB_CMP_GT, DDB_CMP_GE};
            c = cmp_cond(e, fc, ops[fc->op - DDB_ENTITY_F_EQ], arg_value(e, a));
            break;
        }
        case DDB_ENTITY_F_BETWEEN:
            if (fc->size)
                c = ddb_cond_and(e, cmp_cond(e, fc, DDB_CMP_GE, arg_value(e, &a[0])),
                                 cmp_cond(e, fc, DDB_CMP_LE, arg_value(e, &a[1])));
            else
                c = ddb_cond_between_take(e, fc->attribute, arg_value(e, &a[0]),
                                          arg_value(e, &a[1]));
            break;
        case DDB_ENTITY_F_IN: {
            ddb_value *vals[100];
            size_t n = 0;
            while (n < fc->n_args && n < 100) {
                vals[n] = arg_value(e, &a[n]);
                n++;
            }
            c = ddb_cond_in_take(e, fc->attribute, vals, n);
            break;
        }
        case DDB_ENTITY_F_CONTAINS:
            c = ddb_cond_contains_take(e, fc->attribute, arg_value(e, a));
            break;
        case DDB_ENTITY_F_BEGINS_WITH:
            c = ddb_cond_begins_with_take(e, fc->attribute, arg_value(e, a));
            break;
        case DDB_ENTITY_F_EXISTS:
            c = ddb_cond_exists(e, fc->attribute);
            break;
        case DDB_ENTITY_F_NOT_EXISTS:
            c = ddb_cond_not_exists(e, fc->attribute);
            break;
        }
        all = f->any ? ddb_cond_or(e, all, c) : ddb_cond_and(e, all, c);
    }
    return all;
}

/*
 * Whether item is of entity d: its primary key attributes start with their literal prefixes.
 * Looser than ddb_entity_classify's fit (entity_patterns.c), which also wants every key
 * attribute present, numeric ones of type N, and a template without placeholders matched
 * whole: a single-type page has always kept what this test keeps, and tightening it would drop
 * items that pages return today.
 */
static bool is_entity(const ddb_entity_desc *d, const ddb_value *item)
{
    char prefix[KEY_MAX];
    for (size_t k = 0; k < d->n_primary && k < d->n_keys; k++) {
        const ddb_value *v = ddb_value_m_get(item, d->keys[k].attribute);
        const char *s;
        ddb_entity__literal_prefix(prefix, sizeof prefix, &d->keys[k], NULL);
        if (!prefix[0])
            continue;
        s = ddb_value_type(v) == DDB_TYPE_S ? ddb_value_s(v, NULL) : NULL;
        if (!s || strncmp(s, prefix, strlen(prefix)) != 0)
            return false;
    }
    return true;
}

/* Fills a page from the items of a response. */
static int fill_page(ddb_entity_page *page, const ddb_entity_desc *d, ddb_value *const *items,
                     size_t n, ddb_error *err)
{
    page->items = calloc(n ? n : 1, d->size);
    if (!page->items)
        return ddb_error__nomem(err, "page");
    for (size_t i = 0; i < n; i++) {
        void *slot = (char *)page->items + page->n * d->size;
        int rc;
        if (!is_entity(d, items[i]))
            continue; /* another entity type in the same table or partition */
        rc = ddb_entity__from_stored(slot, d, items[i], err);
        if (rc < 0)
            return rc;
        page->n++;
    }
    return 0;
}

int ddb_entity__build_filter(ddb_expr **e, ddb_expr_result **x, const ddb_entity_filter *f,
                             ddb_error *err)
{
    int rc;
    *x = NULL;
    if (!f || !f->n_conds)
        return 0;
    rc = ddb_expr_new(e, err);
    if (rc < 0)
        return rc;
    return ddb_entity__build(x, *e, ddb_expr_set_filter(*e, ddb_entity__filter_cond(*e, f)),
                             "filter", err);
}

int ddb_entity__scan(ddb_scan_output **out, ddb_client *c, const char *table,
                     const ddb_entity_query *q, ddb_error *err)
{
    ddb_scan_input in = {0};
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    ddb_value *start = NULL;
    int rc = ddb_entity__build_filter(&e, &x, q->filter, err);
    if (rc == 0 && x) {
        in.filter_expression = x->filter_expression;
        in.n_expression_attribute_names = x->n_expression_attribute_names;
        in.expression_attribute_names = x->expression_attribute_names;
        in.expression_attribute_values = x->expression_attribute_values;
    }
    if (rc == 0 && q->cursor)
        rc = ddb_cursor_decode(&start, q->cursor, q->context, NULL, err);
    in.table_name = (char *)table;
    in.index_name = (char *)q->index;
    in.has_consistent_read = q->consistent_read && !q->index;
    in.consistent_read = in.has_consistent_read;
    in.has_limit = q->limit > 0;
    in.limit = q->limit;
    in.exclusive_start_key = start;
    if (rc == 0)
        rc = ddb_scan(out, c, &in, err);
    ddb_value_free(start);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    return rc;
}

int ddb_entity__query(ddb_query_output **out, ddb_client *c, const ddb_entity_desc *d,
                      const char *table, const void *key_obj, const ddb_entity_query *q,
                      const ddb_entity_filter *filter, ddb_error *err)
{
    ddb_query_input in = {0};
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    ddb_value *start = NULL;
    ddb_cond *cond = NULL;
    int rc = ddb_expr_new(&e, err);
    if (rc < 0)
        return rc;
    rc = ddb_entity__key_condition(&cond, e, d, key_obj, q, err);
    if (rc == 0) {
        rc = ddb_expr_set_key_condition(e, cond);
        if (rc == 0 && filter && filter->n_conds)
            rc = ddb_expr_set_filter(e, ddb_entity__filter_cond(e, filter));
        rc = ddb_entity__build(&x, e, rc, "key condition", err);
    }
    if (rc == 0 && q->cursor)
        rc = ddb_cursor_decode(&start, q->cursor, q->context, NULL, err);
    if (rc == 0) {
        in.table_name = (char *)table;
        in.index_name = (char *)q->index;
        in.key_condition_expression = x->key_condition_expression;
        if (x->filter_expression && x->filter_expression[0])
            in.filter_expression = x->filter_expression;
        in.n_expression_attribute_names = x->n_expression_attribute_names;
        in.expression_attribute_names = x->expression_attribute_names;
        in.expression_attribute_values = x->expression_attribute_values;
        in.has_consistent_read = q->consistent_read && !q->index;
        in.consistent_read = in.has_consistent_read;
        in.has_scan_index_forward = q->scan_backward;
        in.scan_index_forward = false;
        in.has_limit = q->limit > 0;
        in.limit = q->limit;
        in.exclusive_start_key = start;
        rc = ddb_query(out, c, &in, err);
    }
    ddb_value_free(start);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    return rc;
}

int ddb_entity_scan_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const ddb_entity_query *q, ddb_error *err)
{
    ddb_scan_output *o = NULL;
    ddb_entity_page page = {0, NULL, NULL};
    int rc;

    if (!out || !c || !d || !table || !q)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity scan: bad argument");
    rc = ddb_entity__scan(&o, c, table, q, err);
    if (rc != 0)
        goto done;
    rc = fill_page(&page, d, o->items, o->n_items, err);
    if (rc == 0 && o->last_evaluated_key)
        rc = ddb_cursor_encode(&page.cursor, o->last_evaluated_key, q->context, NULL, err);
    if (rc < 0)
        goto done;
    *out = page;
    page.items = NULL;
    page.n = 0;
    page.cursor = NULL;
done:
    ddb_entity_page_free(d, &page);
    ddb_scan_output_free(o);
    return rc;
}

int ddb_entity_query_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                          const char *table, const void *key_obj, const ddb_entity_query *q,
                          ddb_error *err)
{
    ddb_query_output *o = NULL;
    ddb_entity_page page = {0, NULL, NULL};
    char type_prefix[KEY_MAX] = "";
    const ddb_key_desc *sk = NULL;
    int rc;

    if (!out || !c || !d || !table || !key_obj || !q || q->pk_key >= d->n_keys ||
        (q->has_sk && q->sk_key >= d->n_keys))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity query: bad argument");
    if (q->has_sk) {
        sk = &d->keys[q->sk_key];
        ddb_entity__literal_prefix(type_prefix, sizeof type_prefix, sk, NULL);
    }
    rc = ddb_entity__query(&o, c, d, table, key_obj, q, q->filter, err);
    if (rc != 0)
        goto done;
    page.items = calloc(o->n_items ? o->n_items : 1, d->size);
    if (!page.items) {
        rc = ddb_error__nomem(err, "query page");
        goto done;
    }
    for (size_t i = 0; i < o->n_items; i++) {
        const ddb_value *skv = sk ? ddb_value_m_get(o->items[i], sk->attribute) : NULL;
        const char *s = skv ? ddb_value_s(skv, NULL) : NULL;
        void *slot = (char *)page.items + page.n * d->size;
        if (type_prefix[0] && (!s || strncmp(s, type_prefix, strlen(type_prefix)) != 0))
            continue; /* another entity type in the same partition */
        rc = ddb_entity__from_stored(slot, d, o->items[i], err);
        if (rc < 0)
            goto done;
        page.n++;
    }
    if (o->last_evaluated_key) {
        rc = ddb_cursor_encode(&page.cursor, o->last_evaluated_key, q->context, NULL, err);
        if (rc < 0)
            goto done;
    }
    *out = page;
    page.items = NULL;
    page.n = 0;
    page.cursor = NULL;
done:
    ddb_entity_page_free(d, &page);
    ddb_query_output_free(o);
    return rc;
}

void ddb_entity_page_free(const ddb_entity_desc *d, ddb_entity_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; d && p->items && i < p->n; i++)
        ddb_entity_free(d, (char *)p->items + i * d->size);
    free(p->items);
    free(p->cursor);
    p->items = NULL;
    p->cursor = NULL;
    p->n = 0;
}

int ddb_entity_delete_key(bool *deleted, ddb_client *c, const ddb_entity_desc *d, const char *table,
                          const void *key_obj, ddb_error *err)
{
    ddb_delete_item_input in = {0};
    ddb_delete_item_output *o = NULL;
    ddb_value *key = NULL;
    int rc;
    if (!c || !d || !table || !key_obj)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity delete: bad argument");
    rc = ddb_entity_key(&key, d, key_obj, err);
    if (rc < 0)
        return rc;
    in.table_name = (char *)table;
    in.key = key;
    in.return_values = (char *)"ALL_OLD";
    rc = ddb_delete_item(&o, c, &in, err);
    if (rc == 0 && deleted)
        *deleted = o->attributes != NULL;
    ddb_delete_item_output_free(o);
    ddb_value_free(key);
    return rc;
}

/* Whether key template k uses one of fields[0..n). */
static bool key_uses(const ddb_key_desc *k, const size_t *fields, size_t n)
{
    for (size_t i = 0; i < k->n_parts; i++)
        for (size_t j = 0; !k->parts[i].literal && j < n; j++)
            if (k->parts[i].field >= 0 && (size_t)k->parts[i].field == fields[j])
                return true;
    return false;
}

int ddb_entity__update_item(ddb_update_item_output **out, ddb_client *c, const char *table,
                            ddb_value *key, const ddb_expr_result *x, const char *return_values,
                            ddb_error *err)
{
    ddb_update_item_input in = {0};
    in.table_name = (char *)table;
    in.key = key;
    in.update_expression = x->update_expression;
    in.condition_expression = x->condition_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    in.return_values = (char *)return_values;
    return ddb_update_item(out, c, &in, err);
}

static int update_fields(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const void *obj, const size_t *fields, size_t n_fields,
                         ddb_error *err)
{
    ddb_update_item_output *o = NULL;
    ddb_value *key = NULL, *v = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    int rc = ddb_entity_key(&key, d, obj, err);

    if (rc < 0)
        return rc;
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < n_fields && rc == 0; i++) {
        const ddb_field_desc *f;
        if (fields[i] >= d->n_fields) {
            rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: bad field index", d->name);
            break;
        }
        f = &d->fields[fields[i]];
        if (!field_present(f, obj)) {
            rc = ddb_expr_update_remove(e, f->name);
            continue;
        }
        rc = field_to_value(&v, d, f, obj, err);
        if (rc == 0)
            rc = ddb_expr_update_set_take(e, f->name, v);
    }
    for (size_t k = d->n_primary; k < d->n_keys && rc == 0; k++) {
        if (!key_uses(&d->keys[k], fields, n_fields))
            continue;
        rc = ddb_entity_key_value(&v, d, k, obj, err);
        if (rc == 0)
            rc = v ? ddb_expr_update_set_take(e, d->keys[k].attribute, v)
                   : ddb_expr_update_remove(e, d->keys[k].attribute);
    }
    if (rc == 0 && d->version_attribute)
        rc = ddb_expr_update_add_take(e, d->version_attribute, ddb_expr_val_i64(e, 1));
    if (rc == 0)
        rc = ddb_expr_set_condition(e, ddb_cond_exists(e, d->keys[0].attribute));
    rc = ddb_entity__build(&x, e, rc, "update", err);
    if (rc < 0)
        goto done;
    rc = ddb_entity__update_item(&o, c, table, key, x, "ALL_NEW", err);
    if (rc == DDB_ERR_CONDITION_FAILED) {
        *found = false;
        rc = 0;
        ddb_error_clear(err);
        goto done;
    }
    if (rc < 0)
        goto done;
    if (!o->attributes) {
        rc =
            ddb_error__set(err, DDB_ERR_PROTOCOL, "%s: UpdateItem returned no attributes", d->name);
        goto done;
    }
    rc = ddb_entity__from_stored(out, d, o->attributes, err);
    if (rc == 0)
        *found = true;
done:
    ddb_update_item_output_free(o);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(key);
    return rc;
}

int ddb_entity_update_fields(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                             const char *table, const void *obj, const size_t *fields,
                             size_t n_fields, ddb_error *err)
{
    if (!out || !found || !c || !d || !table || !obj || (n_fields && !fields) || d->n_primary < 1)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity update fields: bad argument");
    return update_fields(out, found, c, d, table, obj, fields, n_fields, err);
}

/* ---- the store: IDs, unique-value sentinels, transactions, listing, mirroring ---------------- */

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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "assign id: bad argument");
    if (s->id_strategy == DDB_ID_NONE || s->id_field < 0)
        return 0;
    d = s->entity;
    if ((size_t)s->id_field >= d->n_fields)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: bad ID field index", d->name);
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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s cannot hold a generated ID", d->name,
                              f->name);
    }
    switch (s->id_strategy) {
    case DDB_ID_COUNTER:
    case DDB_ID_SOURCE:
        if (!counter_table || !block || !s->counter)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s: no counter table", d->name,
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
                return ddb_error__nomem(err, f->name);
            if (f->kind == DDB_FIELD_STRING)
                *(char **)p = t;
            else
                ((ddb_decimal *)p)->text = t;
        } else {
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
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
                return ddb_error__nomem(err, f->name);
            *(char **)p = t;
        } else {
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "%s.%s: field type does not fit its id_strategy", d->name,
                                  f->name);
        }
        break;
    }
    default:
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: unknown id_strategy %d", d->name,
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
    *present = !f->is_list && field_present(f, obj);
    if (!*present)
        return 0;
    /* Present, so only a kind with no text (a value) leaves it NULL. */
    text = ddb_entity__field_text(f, obj, NULL, num, sizeof num);
    if (!text)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s cannot be a unique field", d->name,
                              f->name);
    if (strlen(text) >= cap)
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s.%s: unique value is over %zu bytes", d->name,
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
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s: unique key %s is too long", d->name,
                              u->name);
    len = (size_t)n;
    for (size_t i = 0; i < u->n_fields; i++) {
        bool present = false;
        const ddb_field_desc *f;
        int rc;
        if (u->fields[i] < 0 || (size_t)u->fields[i] >= d->n_fields)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: unique %s: bad field index",
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
                return ddb_error__set(err, DDB_ERR_LIMIT, "%s: unique key %s is over %zu bytes",
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
        rc = ddb_error__set(err, DDB_ERR_LIMIT,
                            "transaction: more than %d actions (unique-value sentinels included)",
                            DDB_LIMIT_TRANSACTION_ACTIONS);
        goto done;
    }
    if (e) {
        rc = ddb_expr_status(e, err);
        if (rc == 0)
            rc = ddb_expr_build(&x, e, err);
        if (rc == 0 && !x)
            rc = ddb_error__nomem(err, "transaction action");
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
        a.table_name = (char *)table;
        EXPR_PARTS(a);
        rc = ddb_txn_put(t->txn, &a, err);
        break;
    }
    case TX_DELETE: {
        ddb_delete a = {0};
        a.key = v;
        a.table_name = (char *)table;
        EXPR_PARTS(a);
        rc = ddb_txn_delete(t->txn, &a, err);
        break;
    }
    case TX_UPDATE: {
        ddb_update a = {0};
        a.key = v;
        a.table_name = (char *)table;
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

/* Put the sentinel `text` owned by obj; conditional unless `force`. */
static int tx_put_sentinel(tx_build *t, const ddb_store_desc *s, const char *table,
                           const char *text, const void *obj, bool force, size_t op, int u,
                           ddb_error *err)
{
    ddb_value *item = NULL, *owner = NULL;
    ddb_expr *e = NULL;
    int rc = sentinel_key(&item, s->entity, text, err);
    if (rc == 0)
        rc = ddb_entity_key(&owner, s->entity, obj, err);
    if (rc == 0) {
        rc = ddb_value_m_set_take(item, DDB_STORE_SENTINEL_ATTR, owner, err);
        owner = NULL;
    }
    if (rc == 0 && !force) {
        rc = new_expr(&e, err);
        if (rc == 0)
            rc = ddb_expr_set_condition(e, ddb_cond_not_exists(e, s->entity->keys[0].attribute));
    }
    ddb_value_free(owner);
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

static int64_t version_in(const ddb_entity_desc *d, const void *obj)
{
    if (!d->version_attribute || d->version_offset == DDB_ENTITY_NO_OFFSET)
        return 0;
    return *CAT(obj, d->version_offset, int64_t);
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
    int64_t v = version_in(d, obj);
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
    int64_t v = version_in(d, obj);
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    int rc;
    if (v == 0 && old)
        v = version_in(d, old); /* the sentinels removed are those of the version read */
    rc = ddb_entity_key(&key, d, obj, err);
    if (rc == 0 && v != 0 && d->version_attribute) {
        rc = new_expr(&e, err);
        if (rc == 0)
            rc = ddb_expr_set_condition(
                e, ddb_cond_eq_take(e, d->version_attribute, ddb_expr_val_i64(e, v)));
    }
    return tx_entity(t, TX_DELETE, key, e, rc, s, table, old, NULL, op, err);
}

/* Whether field index f is part of any key template (primary or GSI). */
static bool field_in_keys(const ddb_entity_desc *d, size_t f)
{
    for (size_t k = 0; k < d->n_keys; k++)
        if (key_uses(&d->keys[k], &f, 1))
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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "transaction op %zu: %s has no field %s",
                              op, d->name, w->field ? w->field : "(null)");
    if (d->fields[fi].kind != DDB_FIELD_INT64 || d->fields[fi].is_list)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "transaction op %zu: ADD needs an integer field; %s.%s is not one",
                              op, d->name, w->field);
    if (field_in_keys(d, fi))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "transaction op %zu: ADD cannot change %s.%s, a key field", op,
                              d->name, w->field);
    if (w->min_result != INT64_MIN && w->delta < 0 && w->min_result > INT64_MAX + w->delta)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
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
        return ddb_error__nomem(err, d->name);
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
static int store_single_e(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
                          const void *old, ddb_store_op op, ddb_error *err)
{
    const ddb_entity_desc *d = s->entity;
    tx_build *t = calloc(1, sizeof *t);
    size_t failed;
    bool ccf;
    int rc;
    if (!t)
        return ddb_error__nomem(err, "transaction");
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
        if (t->unique[failed] >= 0)
            rc = ddb_error__set(err, DDB_ERR_CONDITION_FAILED,
                                "%s.%s: the value is taken (unique_fields)", d->name,
                                s->unique[t->unique[failed]].name);
        else if (op == DDB_STORE_CREATE)
            rc = ddb_error__set(err, DDB_ERR_CONDITION_FAILED, "%s: an item with this key exists",
                                d->name);
        else
            rc = ddb_error__set(err, DDB_ERR_STALE_VERSION,
                                "%s: stale version %lld; the stored item changed", d->name,
                                (long long)version_in(d, obj));
    }
done:
    ddb_txn_free(t->txn);
    free(t);
    return rc;
}

/* Telling which action failed needs the error detail, so there is always some. */
static int store_single(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
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

int ddb_store_create(ddb_client *c, const ddb_store_desc *s, const char *table,
                     const char *counter_table, ddb_id_block *block, void *obj, ddb_error *err)
{
    bool sentinels = false;
    int rc;
    if (!c || !store_ok(s) || !table || !obj)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "store create: bad argument");
    rc = ddb_store_assign_id(c, s, counter_table, block, obj, err);
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

int ddb_store_update(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
                     ddb_error *err)
{
    void *old = NULL;
    bool same = true;
    int rc;
    if (!c || !store_ok(s) || !table || !obj || !ddb_entity__version_of(s->entity, obj))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "store update: bad argument");
    if (s->n_unique == 0)
        return ddb_entity_update(c, s->entity, table, obj, err);
    rc = read_stored(&old, c, s, table, obj, err);
    if (rc < 0)
        return rc;
    if (!old)
        return ddb_error__set(err, DDB_ERR_CONDITION_FAILED, "%s: there is no such item",
                              s->entity->name);
    if (version_in(s->entity, old) != version_in(s->entity, obj)) {
        rc = ddb_error__set(err, DDB_ERR_STALE_VERSION,
                            "%s: stale version %lld; the stored item has version %lld",
                            s->entity->name, (long long)version_in(s->entity, obj),
                            (long long)version_in(s->entity, old));
        goto done;
    }
    rc = same_sentinels(&same, s, old, obj, err);
    if (rc < 0)
        goto done;
    if (same) /* no unique value changed: the plain versioned put */
        rc = ddb_entity_update(c, s->entity, table, obj, err);
    else if ((rc = store_single(c, s, table, obj, old, DDB_STORE_UPDATE, err)) == 0)
        (*ddb_entity__version_of(s->entity, obj))++;
done:
    free_stored(s, old);
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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "store delete: bad argument");
    if (s->n_unique == 0)
        return ddb_entity_delete(c, s->entity, table, obj, err);
    rc = read_stored(&old, c, s, table, obj, err);
    if (rc < 0 || !old)
        return rc; /* deleting nothing succeeds */
    want = version_in(s->entity, obj);
    if (want != 0 && want != version_in(s->entity, old)) {
        rc = ddb_error__set(
            err, DDB_ERR_STALE_VERSION, "%s: stale version %lld; the stored item has version %lld",
            s->entity->name, (long long)want, (long long)version_in(s->entity, old));
        goto done;
    }
    rc = same_sentinels(&none, s, old, NULL, err);
    if (rc < 0)
        goto done;
    if (none)
        rc = ddb_entity_delete(c, s->entity, table, obj, err);
    else
        rc = store_single(c, s, table, (void *)obj, old, DDB_STORE_DELETE, err);
done:
    free_stored(s, old);
    return rc;
}

int ddb_store_mirror(ddb_client *c, const ddb_store_desc *s, const char *table, const void *obj,
                     const void *key, ddb_error *err)
{
    const ddb_entity_desc *d;
    ddb_value *k1 = NULL, *k2 = NULL, *item = NULL;
    void *old = NULL;
    tx_build *t = NULL;
    size_t failed;
    bool ccf;
    int rc;

    if (!c || !store_ok(s) || !table || !key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "store mirror: bad argument");
    d = s->entity;
    rc = ddb_entity_key(&k1, d, key, err);
    if (rc < 0)
        return rc;
    if (obj) {
        rc = ddb_entity_key(&k2, d, obj, err);
        if (rc == 0 && !ddb_value_equal(k1, k2))
            rc = ddb_error__set(err, DDB_ERR_INVALID_ARG,
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
            rc = item_with_version(&item, d, obj, version_in(d, obj), err);
            if (rc < 0)
                goto done;
            in.table_name = (char *)table;
            in.item = item;
            rc = ddb_put_item(&o, c, &in, err);
            ddb_put_item_output_free(o);
        }
        goto done;
    }
    rc = read_stored(&old, c, s, table, key, err);
    if (rc < 0 || (!old && !obj))
        goto done;
    t = calloc(1, sizeof *t);
    if (!t) {
        rc = ddb_error__nomem(err, "mirror");
        goto done;
    }
    rc = ddb_txn_new(&t->txn, err);
    if (rc < 0)
        goto done;
    if (obj) {
        rc = item_with_version(&item, d, obj, version_in(d, obj), err);
        if (rc == 0) {
            rc = tx_add(t, TX_PUT, table, item, NULL, s, 0, -1, err);
            item = NULL;
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
done:
    if (t)
        ddb_txn_free(t->txn);
    free(t);
    free_stored(s, old);
    ddb_value_free(item);
    ddb_value_free(k1);
    ddb_value_free(k2);
    return rc;
}

int ddb_store_list(ddb_entity_page *out, ddb_client *c, const ddb_store_desc *s, const char *table,
                   const ddb_entity_query *q, ddb_error *err)
{
    ddb_entity_filter_cond conds[65];
    ddb_entity_filter f = {false, 0, conds, NULL};
    ddb_entity_query mine;
    static const ddb_entity_arg no_args[1] = {{DDB_FIELD_STRING, NULL, 0, false}};
    if (!out || !c || !store_ok(s) || !table || !q)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "store list: bad argument");
    mine = *q;
    mine.index = NULL;
    if (s->n_unique) {
        /* Sentinels share the table; an entity without a literal key prefix could match them. */
        if (q->filter && (q->filter->any || q->filter->n_conds > 64))
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "transact: bad argument");
    if (n_ops == 0)
        return 0;
    if (n_ops > DDB_LIMIT_TRANSACTION_ACTIONS)
        return ddb_error__set(err, DDB_ERR_LIMIT, "transact: %zu operations exceed %d actions",
                              n_ops, DDB_LIMIT_TRANSACTION_ACTIONS);
    for (size_t i = 0; i < n_ops; i++)
        if (!store_ok(ops[i].store) || !ops[i].table || !ops[i].obj ||
            ops[i].op < DDB_STORE_CREATE || ops[i].op > DDB_STORE_ADD ||
            (ops[i].op == DDB_STORE_UPDATE &&
             !ddb_entity__version_of(ops[i].store->entity, ops[i].obj)))
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "transact: op %zu is not valid", i);
    t = calloc(1, sizeof *t);
    old = calloc(n_ops, sizeof *old);
    if (!t || !old) {
        rc = ddb_error__nomem(err, "transact");
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
            rc = ddb_store_assign_id(c, s, counter_table, w->block, w->obj, err);
            if (rc == 0)
                rc = tx_create(t, s, w->table, w->obj, i, err);
            break;
        case DDB_STORE_UPDATE:
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
    if (!field_present(f, obj))
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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "max id: bad argument");
    counted = s->id_strategy == DDB_ID_COUNTER || s->id_strategy == DDB_ID_SOURCE;
    if (s->id_field < 0 || (size_t)s->id_field >= s->entity->n_fields)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s has no ID field", s->entity->name);
    f = &s->entity->fields[s->id_field];
    if (f->kind != DDB_FIELD_INT64 && !counted)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s.%s is not an integer ID",
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
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "seed id: bad argument");
    if (s->id_strategy != DDB_ID_COUNTER && s->id_strategy != DDB_ID_SOURCE)
        return 0; /* nothing is allocated from a sequence */
    if (!counter_table || !s->counter)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: no counter table", s->entity->name);
    return ddb_id_counter_seed(c, counter_table, s->counter, block, floor, err);
}
