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
#include "ddb/table.h"
#include "error_internal.h"

/* Key attribute values are capped well above DynamoDB's 2048-byte partition-key limit. */
#define KEY_MAX 4096

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

/* Formats an integer for a template part: "d" or "0Nd" / "Nd" widths; anything else is plain. */
static void format_i64(char *buf, size_t cap, int64_t n, const char *format)
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
        const void *v;
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
            v = CAT(obj, f->offset, char);
            switch (f->kind) {
            case DDB_FIELD_STRING:
                text = *(char *const *)v;
                break;
            case DDB_FIELD_UUID:
                text = (const char *)v;
                break;
            case DDB_FIELD_DECIMAL:
                text = ((const ddb_decimal *)v)->text;
                break;
            case DDB_FIELD_INT64:
                format_i64(num, sizeof num, *(const int64_t *)v, p->format);
                text = num;
                break;
            case DDB_FIELD_BOOL:
                text = *(const bool *)v ? "true" : "false";
                break;
            default:
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "%s: key %s: field %s cannot be part of a key", d->name,
                                      k->attribute, f->name);
            }
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
                                      "%s: key attribute %s needs a field that has no value",
                                      d->name, d->keys[i].attribute);
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
done:
    free(defs);
    free(gkeys);
    free(gsis);
    free(projs);
    return rc;
}

/* The expression parts of an input, from a builder holding one condition. */
static int build_condition(ddb_expr_result **out, ddb_expr *e, ddb_cond *cond, ddb_error *err)
{
    int rc = ddb_expr_set_condition(e, cond);
    if (rc < 0) {
        int st = ddb_expr_status(e, err);
        return st < 0 ? st : rc;
    }
    rc = ddb_expr_build(out, e, err);
    return rc < 0 ? rc : (*out ? 0 : ddb_error__nomem(err, "condition"));
}

static int64_t *version_of(const ddb_entity_desc *d, void *obj)
{
    if (!d->version_attribute || d->version_offset == DDB_ENTITY_NO_OFFSET)
        return NULL;
    return AT(obj, d->version_offset, int64_t);
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
    v = version_of(d, obj);
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
            rc = ddb_entity_from_item(out, d, o->item, err);
            if (rc == 0) {
                const ddb_value *ver =
                    d->version_attribute ? ddb_value_m_get(o->item, d->version_attribute) : NULL;
                int64_t *v = version_of(d, out);
                if (v && ver)
                    ddb_value_n_i64(ver, v, NULL);
                *found = true;
            }
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
    if (!c || !d || !table || !obj || d->n_primary < 1 || !(v = version_of(d, obj)))
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

/*
 * The text of key template k up to its (n_bound+1)-th placeholder: literal parts and the first
 * n_bound fields of obj. *whole is set when the template ended before an unbound placeholder.
 */
static int key_prefix(char *buf, size_t cap, const ddb_entity_desc *d, const ddb_key_desc *k,
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
            const void *v;
            if (seen++ == n_bound || p->field < 0 || (size_t)p->field >= d->n_fields) {
                *whole = false;
                break;
            }
            f = &d->fields[p->field];
            v = CAT(obj, f->offset, char);
            switch (f->kind) {
            case DDB_FIELD_STRING:
                text = *(char *const *)v;
                break;
            case DDB_FIELD_UUID:
                text = (const char *)v;
                break;
            case DDB_FIELD_DECIMAL:
                text = ((const ddb_decimal *)v)->text;
                break;
            case DDB_FIELD_INT64:
                format_i64(num, sizeof num, *(const int64_t *)v, p->format);
                text = num;
                break;
            case DDB_FIELD_BOOL:
                text = *(const bool *)v ? "true" : "false";
                break;
            default:
                text = NULL;
                break;
            }
            if (!text)
                return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: key %s: %s has no value",
                                      d->name, k->attribute, f->name);
        }
        tl = text ? strlen(text) : 0;
        if (tl >= cap - len)
            return ddb_error__set(err, DDB_ERR_LIMIT, "%s: key %s is over %zu bytes", d->name,
                                  k->attribute, cap - 1);
        memcpy(buf + len, text, tl);
        len += tl;
    }
    buf[len] = '\0';
    return 0;
}

/* The literal text before the first placeholder of k (the entity type's prefix). */
static void literal_prefix(char *buf, size_t cap, const ddb_key_desc *k)
{
    size_t len = 0;
    for (size_t i = 0; i < k->n_parts && k->parts[i].literal; i++) {
        size_t tl = strlen(k->parts[i].literal);
        if (tl >= cap - len)
            break;
        memcpy(buf + len, k->parts[i].literal, tl);
        len += tl;
    }
    buf[len] = '\0';
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

/* The filter as a condition (NULL when it has none); errors are recorded in e. */
static ddb_cond *filter_cond(ddb_expr *e, const ddb_entity_filter *f)
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

/* Whether item is of entity d: its primary key attributes start with their literal prefixes. */
static bool is_entity(const ddb_entity_desc *d, const ddb_value *item)
{
    char prefix[KEY_MAX];
    for (size_t k = 0; k < d->n_primary && k < d->n_keys; k++) {
        const ddb_value *v = ddb_value_m_get(item, d->keys[k].attribute);
        const char *s;
        literal_prefix(prefix, sizeof prefix, &d->keys[k]);
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
        rc = ddb_entity_from_item(slot, d, items[i], err);
        if (rc < 0)
            return rc;
        if (d->version_attribute && d->version_offset != DDB_ENTITY_NO_OFFSET) {
            const ddb_value *ver = ddb_value_m_get(items[i], d->version_attribute);
            if (ver)
                ddb_value_n_i64(ver, AT(slot, d->version_offset, int64_t), NULL);
        }
        page->n++;
    }
    return 0;
}

int ddb_entity_scan_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const ddb_entity_query *q, ddb_error *err)
{
    ddb_scan_input in = {0};
    ddb_scan_output *o = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    ddb_value *start = NULL;
    ddb_cond *cond;
    ddb_entity_page page = {0, NULL, NULL};
    int rc;

    if (!out || !c || !d || !table || !q)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity scan: bad argument");
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        return rc;
    cond = filter_cond(e, q->filter);
    if (cond) {
        rc = ddb_expr_set_filter(e, cond);
        if (rc < 0)
            goto done;
    }
    rc = ddb_expr_build(&x, e, err);
    if (rc == 0 && !x)
        rc = ddb_error__nomem(err, "filter");
    if (rc != 0 || !x)
        goto done;
    if (q->cursor) {
        rc = ddb_cursor_decode(&start, q->cursor, q->context, NULL, err);
        if (rc < 0)
            goto done;
    }
    in.table_name = (char *)table;
    in.index_name = (char *)q->index;
    if (x->filter_expression && x->filter_expression[0])
        in.filter_expression = x->filter_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    in.has_consistent_read = q->consistent_read && !q->index;
    in.consistent_read = in.has_consistent_read;
    in.has_limit = q->limit > 0;
    in.limit = q->limit;
    in.exclusive_start_key = start;
    rc = ddb_scan(&o, c, &in, err);
    if (rc < 0)
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
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(start);
    return rc;
}

int ddb_entity_query_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                          const char *table, const void *key_obj, const ddb_entity_query *q,
                          ddb_error *err)
{
    ddb_query_input in = {0};
    ddb_query_output *o = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    ddb_value *pk = NULL, *start = NULL;
    ddb_cond *cond;
    ddb_entity_page page = {0, NULL, NULL};
    char prefix[KEY_MAX], type_prefix[KEY_MAX] = "";
    const ddb_key_desc *sk = NULL;
    int rc;

    if (!out || !c || !d || !table || !key_obj || !q || q->pk_key >= d->n_keys ||
        (q->has_sk && q->sk_key >= d->n_keys))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "entity query: bad argument");
    rc = ddb_entity_key_value(&pk, d, q->pk_key, key_obj, err);
    if (rc < 0)
        return rc;
    if (!pk)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: the partition key %s is incomplete",
                              d->name, d->keys[q->pk_key].attribute);
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        goto done;
    cond = ddb_cond_eq_take(e, d->keys[q->pk_key].attribute, pk);
    pk = NULL;
    if (q->has_sk) {
        bool whole = false;
        sk = &d->keys[q->sk_key];
        rc = key_prefix(prefix, sizeof prefix, d, sk, key_obj, q->n_sk_bound, &whole, err);
        if (rc < 0)
            goto done;
        literal_prefix(type_prefix, sizeof type_prefix, sk);
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
    rc = ddb_expr_set_key_condition(e, cond);
    if (rc == 0 && q->filter && q->filter->n_conds)
        rc = ddb_expr_set_filter(e, filter_cond(e, q->filter));
    if (rc == 0)
        rc = ddb_expr_build(&x, e, err);
    else
        rc = ddb_expr_status(e, err) < 0 ? ddb_expr_status(e, err) : rc;
    if (rc == 0 && !x)
        rc = ddb_error__nomem(err, "key condition");
    if (rc != 0 || !x)
        goto done;
    if (q->cursor) {
        rc = ddb_cursor_decode(&start, q->cursor, q->context, NULL, err);
        if (rc < 0)
            goto done;
    }
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
    rc = ddb_query(&o, c, &in, err);
    if (rc < 0)
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
        rc = ddb_entity_from_item(slot, d, o->items[i], err);
        if (rc < 0)
            goto done;
        if (d->version_attribute && d->version_offset != DDB_ENTITY_NO_OFFSET) {
            const ddb_value *ver = ddb_value_m_get(o->items[i], d->version_attribute);
            if (ver)
                ddb_value_n_i64(ver, AT(slot, d->version_offset, int64_t), NULL);
        }
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
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(pk);
    ddb_value_free(start);
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

static int update_fields(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const void *obj, const size_t *fields, size_t n_fields,
                         ddb_error *err)
{
    ddb_update_item_input in = {0};
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
    if (rc < 0) {
        int st = ddb_expr_status(e, err);
        rc = st < 0 ? st : rc;
        goto done;
    }
    rc = ddb_expr_build(&x, e, err);
    if (rc == 0 && !x)
        rc = ddb_error__nomem(err, "update");
    if (rc != 0 || !x)
        goto done;
    in.table_name = (char *)table;
    in.key = key;
    in.update_expression = x->update_expression;
    in.condition_expression = x->condition_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    in.return_values = (char *)"ALL_NEW";
    rc = ddb_update_item(&o, c, &in, err);
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
    rc = ddb_entity_from_item(out, d, o->attributes, err);
    if (rc == 0) {
        const ddb_value *ver =
            d->version_attribute ? ddb_value_m_get(o->attributes, d->version_attribute) : NULL;
        if (ver && d->version_offset != DDB_ENTITY_NO_OFFSET)
            ddb_value_n_i64(ver, AT(out, d->version_offset, int64_t), NULL);
        *found = true;
    }
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
