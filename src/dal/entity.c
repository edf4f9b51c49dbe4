/*
 * Table-driven struct <-> item conversion for generated code (include/ddb/dal/entity.h). Everything
 * here is generic: the schema is in the descriptor the caller passes.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "ddb/api/api.h"
#include "ddb/api/cursor.h"
#include "ddb/api/expr.h"
#include "ddb/api/limits.h"
#include "ddb/api/table.h"
#include "ddb/api/txn.h"
#include "ddb/dal/entity.h"

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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "decimal: NULL argument");
    rc = ddb_number_validate(num, err);
    if (rc < 0)
        return rc;
    copy = strdup(num);
    if (!copy)
        return ddb_dal__nomem(err, "decimal");
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

bool ddb_entity__field_present(const ddb_field_desc *f, const void *obj)
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
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: NULL string in a list", entity,
                                 f->name);
        return ddb_value_new_s(out, s, err);
    case DDB_FIELD_INT64:
        return ddb_value_new_n_i64(out, *(const int64_t *)p, err);
    case DDB_FIELD_DECIMAL:
        s = ((const ddb_decimal *)p)->text;
        if (!s)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: decimal with no value", entity,
                                 f->name);
        return ddb_value_new_n(out, s, err);
    case DDB_FIELD_BOOL:
        return ddb_value_new_bool(out, *(const bool *)p, err);
    case DDB_FIELD_UUID:
        s = in_list ? *(char *const *)p : (const char *)p;
        if (!ddb_uuid_valid(s))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "%s.%s: \"%.40s\" is not a UUID (8-4-4-4-12 hex digits)", entity,
                                 f->name, s ? s : "(null)");
        return ddb_value_new_s(out, s, err);
    case DDB_FIELD_VALUE:
        if (!*(ddb_value *const *)p)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: NULL value in a list", entity,
                                 f->name);
        return ddb_value_copy(out, *(ddb_value *const *)p, err);
    }
    return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: unknown field kind", entity, f->name);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: %zu elements but no array", d->name,
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

/*
 * A key whose template cannot be filled: a string field named like the key attribute (a derived
 * field, which the template writes) holds the whole value when it is set, so that an item can be
 * addressed by the key value read back from it. *out NULL when there is none.
 */
static int whole_key_value(ddb_value **out, const ddb_entity_desc *d, const ddb_key_desc *k,
                           const void *obj, ddb_error *err)
{
    *out = NULL;
    if (k->numeric)
        return 0;
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        const char *s;
        if (f->kind != DDB_FIELD_STRING || f->is_list || strcmp(f->name, k->attribute) != 0)
            continue;
        s = *(char *const *)((const char *)obj + f->offset);
        if (!s)
            return 0;
        if (strlen(s) >= KEY_MAX)
            return ddb_error_set(err, DDB_ERR_LIMIT, "%s: key %s is over %d bytes", d->name,
                                 k->attribute, KEY_MAX - 1);
        return ddb_value_new_s(out, s, err);
    }
    return 0;
}

/* keys[key] of obj; writing: a computed field always comes from its template. */
static int key_value(ddb_value **out, const ddb_entity_desc *d, size_t key, const void *obj,
                     bool writing, ddb_error *err)
{
    const ddb_key_desc *k;
    char buf[KEY_MAX], what[300];
    size_t len = 0;

    if (!out || !d || !obj || key >= d->n_keys)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity key: bad argument");
    k = &d->keys[key];
    snprintf(what, sizeof what, "key %s", k->attribute);
    buf[0] = '\0';
    for (size_t i = 0; i < k->n_parts; i++) {
        int missing = -1;
        int rc = ddb_entity__part_text(buf, sizeof buf, &len, d, &k->parts[i], obj, writing,
                                       &missing, what, err);
        if (rc < 0)
            return rc == DDB_ERR_LIMIT
                       ? ddb_error_set(err, DDB_ERR_LIMIT, "%s: key %s is over %d bytes", d->name,
                                       k->attribute, KEY_MAX - 1)
                       : rc;
        if (missing >= 0) {
            if (key < d->n_primary)
                return whole_key_value(out, d, k, obj, err);
            *out = NULL;
            return 0;
        }
    }
    if (k->numeric)
        return ddb_value_new_n(out, buf, err);
    return ddb_value_new_s(out, buf, err);
}

int ddb_entity_key_value(ddb_value **out, const ddb_entity_desc *d, size_t key, const void *obj,
                         ddb_error *err)
{
    return key_value(out, d, key, obj, false, err);
}

/* The name of the first field of key k that obj has no value for. */
static const char *missing_field(const ddb_entity_desc *d, const ddb_key_desc *k, const void *obj)
{
    for (size_t i = 0; i < k->n_parts; i++) {
        int f = k->parts[i].field;
        if (!k->parts[i].literal && f >= 0 && (size_t)f < d->n_fields &&
            (d->fields[f].is_list || !ddb_entity__field_present(&d->fields[f], obj)))
            return d->fields[f].name;
    }
    return "?";
}

static int put_keys(ddb_value *item, const ddb_entity_desc *d, const void *obj, size_t n_keys,
                    bool writing, ddb_error *err)
{
    for (size_t i = 0; i < n_keys; i++) {
        ddb_value *v = NULL;
        int rc = key_value(&v, d, i, obj, writing, err);
        if (rc < 0)
            return rc;
        if (!v) {
            if (i < d->n_primary)
                return ddb_error_set(err, DDB_ERR_INVALID_ARG,
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity key: bad argument");
    rc = ddb_value_new_m(&item, err);
    if (rc < 0)
        return rc;
    rc = put_keys(item, d, obj, d->n_primary, false, err);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity to item: bad argument");
    rc = ddb_value_new_m(&item, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        const ddb_computed_desc *cd = ddb_entity__computed_of(d, (int)i);
        if (cd) {
            /* The template's value, whatever the struct holds: one source of truth. */
            int missing = -1;
            rc = ddb_entity__computed_item_value(&v, d, cd, obj, &missing, err);
            if (rc < 0)
                goto fail;
            if (!v && f->required) {
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                   "%s.%s is computed from %s.%s, which has no value", d->name,
                                   f->name, d->name, d->fields[missing].name);
                goto fail;
            }
            if (v && (rc = ddb_value_m_set_take(item, f->name, v, err)) < 0)
                goto fail;
            continue;
        }
        if (!ddb_entity__field_present(f, obj)) {
            if (f->required) {
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s is required", d->name, f->name);
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
    rc = put_keys(item, d, obj, d->n_keys, true, err);
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

void ddb_entity_lend_string(void *obj, const ddb_entity_desc *d, size_t field, const char *value)
{
    const ddb_field_desc *f;
    if (!obj || !d || field >= d->n_fields)
        return;
    f = &d->fields[field];
    if (f->is_list || (f->kind != DDB_FIELD_STRING && f->kind != DDB_FIELD_DECIMAL))
        return;
    /* A decimal's text is its first member, so both kinds hold the pointer at f->offset. The
     * pointer is copied as bytes: the struct's members are char * because a stored entity owns
     * its strings, while a lookup key only borrows them and is never written through. */
    memcpy(AT(obj, f->offset, char), &value, sizeof value);
}

static int wrong_type(ddb_error *err, const ddb_entity_desc *d, const ddb_field_desc *f,
                      const char *want, const ddb_value *v)
{
    return ddb_error_set(err, DDB_ERR_PROTOCOL, "%s.%s: expected %s, got %s", d->name, f->name,
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
            return ddb_error_set(err, DDB_ERR_PROTOCOL, "%s.%s: \"%.40s\" is not a UUID", d->name,
                                 f->name, s);
        if (k == DDB_FIELD_UUID && !in_list) {
            memcpy(p, s, 37);
            return 0;
        }
        copy = strdup(s);
        if (!copy)
            return ddb_dal__nomem(err, f->name);
        *(char **)p = copy;
        return 0;
    case DDB_FIELD_INT64:
        if (ddb_value_type(v) != DDB_TYPE_N)
            return wrong_type(err, d, f, "N", v);
        rc = ddb_value_n_i64(v, (int64_t *)p, err);
        if (rc < 0)
            return ddb_error_set(err, DDB_ERR_PROTOCOL, "%s.%s: \"%.60s\" is not a 64-bit integer",
                                 d->name, f->name, ddb_value_n(v));
        return 0;
    case DDB_FIELD_DECIMAL:
        if (ddb_value_type(v) != DDB_TYPE_N)
            return wrong_type(err, d, f, "N", v);
        copy = strdup(ddb_value_n(v));
        if (!copy)
            return ddb_dal__nomem(err, f->name);
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
    return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: unknown field kind", d->name, f->name);
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
        return ddb_dal__nomem(err, f->name);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity from item: bad argument");
    if (ddb_value_type(item) != DDB_TYPE_M)
        return ddb_error_set(err, DDB_ERR_PROTOCOL, "%s: item is not a map", d->name);
    /* Fill a scratch copy, so that obj is untouched on failure. */
    tmp = calloc(1, d->size ? d->size : 1);
    if (!tmp)
        return ddb_dal__nomem(err, d->name);
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        const ddb_value *v = ddb_value_m_get(item, f->name);
        if (!v || ddb_value_type(v) == DDB_TYPE_NULL) {
            if (f->required) {
                rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "%s: item has no attribute %s", d->name,
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "create table: bad argument");
    for (size_t g = 0; g < t->n_gsis; g++)
        total += t->gsis[g].n_pk + t->gsis[g].n_sk;
    defs = calloc(t->n_attributes ? t->n_attributes : 1, sizeof *defs);
    gkeys = calloc(total ? total : 1, sizeof *gkeys);
    gsis = calloc(t->n_gsis ? t->n_gsis : 1, sizeof *gsis);
    projs = calloc(t->n_gsis ? t->n_gsis : 1, sizeof *projs);
    if (!defs || !gkeys || !gsis || !projs) {
        rc = ddb_dal__nomem(err, "create table");
        goto done;
    }
    for (size_t i = 0; i < t->n_attributes; i++) {
        defs[i].attribute_name = t->attributes[i];
        defs[i].attribute_type = t->attribute_types[i];
    }
    keys[nk++] = (ddb_key_schema_element){t->pk, "HASH"};
    if (t->sk)
        keys[nk++] = (ddb_key_schema_element){t->sk, "RANGE"};
    total = 0;
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddb_gsi_desc *gd = &t->gsis[g];
        gsis[g].index_name = gd->name;
        gsis[g].key_schema = &gkeys[total];
        for (size_t i = 0; i < gd->n_pk; i++)
            gkeys[total++] = (ddb_key_schema_element){gd->pk[i], "HASH"};
        for (size_t i = 0; i < gd->n_sk; i++)
            gkeys[total++] = (ddb_key_schema_element){gd->sk[i], "RANGE"};
        gsis[g].n_key_schema = gd->n_pk + gd->n_sk;
        projs[g].projection_type = gd->projection;
        projs[g].n_non_key_attributes = gd->n_included;
        projs[g].non_key_attributes = gd->included;
        gsis[g].projection = &projs[g];
    }
    in.table_name = name ? name : t->name;
    in.n_attribute_definitions = t->n_attributes;
    in.attribute_definitions = defs;
    in.n_key_schema = nk;
    in.key_schema = keys;
    in.n_global_secondary_indexes = t->n_gsis;
    in.global_secondary_indexes = t->n_gsis ? gsis : NULL;
    in.billing_mode = "PAY_PER_REQUEST";
    rc = ddb_create_table(&out, c, &in, err);
    ddb_create_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_active(c, in.table_name, timeout_ms, err);
    if (rc == 0 && t->ttl_attribute) {
        /* a table has one TTL attribute; DynamoDB deletes items some time after it passes */
        ddb_time_to_live_specification spec = {true, true, t->ttl_attribute};
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
        rc = ddb_dal__nomem(err, what);
    return rc;
}

/* The expression parts of an input, from a builder holding one condition. */
static int build_condition(ddb_expr_result **out, ddb_expr *e, ddb_cond *cond, ddb_error *err)
{
    return ddb_entity__build(out, e, ddb_expr_set_condition(e, cond), "condition", err);
}

int64_t *ddb_entity__version_of(const ddb_entity_desc *d, void *obj)
{
    if (!obj || !d->version_attribute || d->version_offset == DDB_ENTITY_NO_OFFSET)
        return NULL;
    return AT(obj, d->version_offset, int64_t);
}

int64_t ddb_entity__version_in(const ddb_entity_desc *d, const void *obj)
{
    if (!obj || !d->version_attribute || d->version_offset == DDB_ENTITY_NO_OFFSET)
        return 0;
    return *CAT(obj, d->version_offset, int64_t);
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
    in.table_name = table;
    in.item = item;
    in.condition_expression = x->condition_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    if (want_old)
        in.return_values_on_condition_check_failure = "ALL_OLD";
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity create: bad argument");
    rc = ddb_entity_compute(d, obj, err);
    if (rc == 0)
        rc = ddb_expr_new(&e, err);
    if (rc < 0)
        return rc;
    rc = put_with(c, d, table, obj, 1, e, ddb_cond_not_exists(e, d->keys[0].attribute), false, err);
    ddb_expr_free(e);
    if (rc == DDB_ERR_CONDITION_FAILED)
        rc = ddb_error_set(err, DDB_ERR_ITEM_EXISTS, "%s: an item with this key exists", d->name);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity get: bad argument");
    rc = ddb_entity_key(&key, d, key_obj, err);
    if (rc < 0)
        return rc;
    in.table_name = table;
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

/*
 * The condition that the fields same[0..n_same) of the stored item hold obj's values (a field
 * without a value: no such attribute), and-ed onto *cond.
 */
static int and_same(ddb_cond **cond, ddb_expr *e, const ddb_entity_desc *d, const void *obj,
                    const size_t *same, size_t n_same, ddb_error *err)
{
    for (size_t i = 0; i < n_same; i++) {
        const ddb_field_desc *f;
        ddb_value *v = NULL;
        int rc;
        if (same[i] >= d->n_fields)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: bad field index", d->name);
        f = &d->fields[same[i]];
        if (!ddb_entity__field_present(f, obj)) {
            *cond = ddb_cond_and(e, *cond, ddb_cond_not_exists(e, f->name));
            continue;
        }
        rc = field_to_value(&v, d, f, obj, err);
        if (rc < 0)
            return rc;
        *cond = ddb_cond_and(e, *cond, ddb_cond_eq_take(e, f->name, v));
    }
    return 0;
}

/*
 * After a failed conditional update: no old item (ALL_OLD) is "not found"; an old item of
 * another version (when expected != 0) is stale; otherwise only the `same` fields differ, and
 * DDB_ERR_CONDITION_FAILED is returned with err->item kept for the caller.
 */
static int update_failure(int rc, const ddb_entity_desc *d, int64_t expected, ddb_error *err)
{
    const ddb_value *v;
    int64_t stored = 0;
    if (rc != DDB_ERR_CONDITION_FAILED || !err)
        return rc;
    if (!err->item)
        return ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: there is no such item", d->name);
    v = ddb_value_m_get(err->item, d->version_attribute);
    if (expected == 0 || (v && ddb_value_n_i64(v, &stored, NULL) == 0 && stored == expected))
        return rc;
    {
        /* Copied first: ddb_error__set clears err, and the old item with it. */
        char text[64];
        snprintf(text, sizeof text, "%s", v && ddb_value_n(v) ? ddb_value_n(v) : "(none)");
        return ddb_error_set(err, DDB_ERR_STALE_VERSION,
                             "%s: stale version %lld; the stored item has version %s", d->name,
                             (long long)expected, text);
    }
}

/* Whether a is the attribute of one of fields[0..n) (a GSI key that is a field itself). */
static bool is_field_attribute(const ddb_entity_desc *d, const char *a, const size_t *fields,
                               size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fields[i] < d->n_fields && strcmp(d->fields[fields[i]].name, a) == 0)
            return true;
    return false;
}

/*
 * The SET/REMOVE actions that make the stored fields[0..n_fields) obj's, the GSI keys built
 * from them rebuilt, and ADD 1 to the version.
 */
static int update_computed(ddb_expr *e, const ddb_entity_desc *d, const ddb_computed_desc *cd,
                           const void *obj, const size_t *fields, size_t n_fields, ddb_error *err);

static int update_actions(ddb_expr *e, const ddb_entity_desc *d, const void *obj,
                          const size_t *fields, size_t n_fields, ddb_error *err)
{
    ddb_value *v = NULL;
    int rc = 0;
    for (size_t i = 0; i < n_fields && rc == 0; i++) {
        const ddb_field_desc *f;
        if (fields[i] >= d->n_fields)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: bad field index", d->name);
        f = &d->fields[fields[i]];
        if (ddb_entity__computed_of(d, (int)fields[i]))
            continue; /* set below from its template, never from the struct */
        if (!ddb_entity__field_present(f, obj)) {
            rc = ddb_expr_update_remove(e, f->name);
            continue;
        }
        rc = field_to_value(&v, d, f, obj, err);
        if (rc == 0)
            rc = ddb_expr_update_set_take(e, f->name, v);
    }
    for (size_t i = 0; rc == 0 && d->computed && i < d->n_computed; i++)
        rc = update_computed(e, d, &d->computed[i], obj, fields, n_fields, err);
    for (size_t k = d->n_primary; k < d->n_keys && rc == 0; k++) {
        if (!ddb_entity__key_uses(d, &d->keys[k], fields, n_fields) ||
            is_field_attribute(d, d->keys[k].attribute, fields, n_fields))
            continue;
        rc = key_value(&v, d, k, obj, true, err);
        if (rc == 0)
            rc = v ? ddb_expr_update_set_take(e, d->keys[k].attribute, v)
                   : ddb_expr_update_remove(e, d->keys[k].attribute);
    }
    if (rc == 0 && d->version_attribute)
        rc = ddb_expr_update_add_take(e, d->version_attribute, ddb_expr_val_i64(e, 1));
    return rc;
}

/* Whether attribute name a is one of d's primary key attributes (which an update cannot set). */
static bool primary_attribute(const ddb_entity_desc *d, const char *a)
{
    for (size_t k = 0; k < d->n_primary; k++)
        if (strcmp(d->keys[k].attribute, a) == 0)
            return true;
    return false;
}

/*
 * The update without a version: one UpdateItem, conditional on the item existing (and on the
 * `same` fields), that replaces every field and adds 1 to the stored version, read back into
 * *version (UPDATED_NEW).
 */
static int update_unversioned(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                              int64_t *version, const size_t *same, size_t n_same, ddb_error *err)
{
    ddb_update_item_input in = {0};
    ddb_update_item_output *o = NULL;
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    ddb_cond *cond;
    size_t *fields = calloc(d->n_fields ? d->n_fields : 1, sizeof *fields);
    size_t n = 0;
    const ddb_value *nv;
    int rc;

    if (!fields)
        return ddb_dal__nomem(err, d->name);
    for (size_t i = 0; i < d->n_fields; i++)
        if (!primary_attribute(d, d->fields[i].name))
            fields[n++] = i;
    rc = ddb_entity_key(&key, d, obj, err);
    if (rc == 0)
        rc = ddb_expr_new(&e, err);
    if (rc < 0)
        goto done;
    rc = update_actions(e, d, obj, fields, n, err);
    cond = ddb_cond_exists(e, d->keys[0].attribute);
    if (rc == 0)
        rc = and_same(&cond, e, d, obj, same, n_same, err);
    if (rc == 0)
        rc = ddb_expr_set_condition(e, cond);
    rc = ddb_entity__build(&x, e, rc, "update", err);
    if (rc < 0)
        goto done;
    in.table_name = table;
    in.key = key;
    in.update_expression = x->update_expression;
    in.condition_expression = x->condition_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    in.return_values = "UPDATED_NEW";
    in.return_values_on_condition_check_failure = "ALL_OLD";
    rc = ddb_update_item(&o, c, &in, err);
    rc = update_failure(rc, d, 0, err);
    if (rc < 0)
        goto done;
    nv = o->attributes ? ddb_value_m_get(o->attributes, d->version_attribute) : NULL;
    if (!nv || ddb_value_n_i64(nv, version, NULL) < 0)
        rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "%s: UpdateItem returned no version %s", d->name,
                           d->version_attribute);
done:
    ddb_update_item_output_free(o);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(key);
    free(fields);
    return rc;
}

int ddb_entity__update_same(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                            const size_t *same, size_t n_same, ddb_error *err)
{
    ddb_expr *e = NULL;
    ddb_cond *cond;
    int64_t *v, stored = 0;
    int rc;
    if (!c || !d || !table || !obj || d->n_primary < 1 || !(v = ddb_entity__version_of(d, obj)))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity update: bad argument");
    rc = ddb_entity_compute(d, obj, err);
    if (rc < 0)
        return rc;
    if (*v == 0) {
        rc = update_unversioned(c, d, table, obj, &stored, same, n_same, err);
        if (rc == 0)
            *v = stored;
        return rc;
    }
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        return rc;
    cond = ddb_cond_and(e, ddb_cond_exists(e, d->keys[0].attribute),
                        ddb_cond_eq_take(e, d->version_attribute, ddb_expr_val_i64(e, *v)));
    rc = and_same(&cond, e, d, obj, same, n_same, err);
    if (rc == 0)
        rc = put_with(c, d, table, obj, *v + 1, e, cond, true, err);
    ddb_expr_free(e);
    rc = update_failure(rc, d, *v, err);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity delete: bad argument");
    expected = ddb_entity__version_in(d, obj);
    rc = ddb_entity_key(&key, d, obj, err);
    if (rc < 0)
        return rc;
    in.table_name = table;
    in.key = key;
    if (expected == 0 && (d->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND))
        in.return_values = "ALL_OLD"; /* whether there was an item, in the same request */
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
        in.return_values_on_condition_check_failure = "ALL_OLD";
    }
    rc = ddb_delete_item(&o, c, &in, err);
    if (rc == DDB_ERR_CONDITION_FAILED && !err->item &&
        !(d->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND))
        rc = 0; /* there was no item: deleting nothing succeeds */
    else
        rc = update_failure(rc, d, expected, err);
    if (rc == 0 && expected == 0 && in.return_values && !o->attributes)
        rc = ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: there is no such item", d->name);
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
    int rc = ddb_entity__update_same(c, d, table, obj, NULL, 0, err ? err : &local);
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
    char what[300];
    *whole = true;
    buf[0] = '\0';
    snprintf(what, sizeof what, "key %s", k->attribute);
    for (size_t i = 0; i < k->n_parts; i++) {
        const ddb_key_part *p = &k->parts[i];
        int missing = -1, rc;
        if (!p->literal && (seen++ == n_bound || p->field < 0 || (size_t)p->field >= d->n_fields)) {
            *whole = false;
            break;
        }
        if (!p->literal && !ddb_entity__computed_of(d, p->field)) {
            /* A bound field gives its text as it is (a lookup struct sets no has_ flags). */
            char num[80];
            const ddb_field_desc *f = &d->fields[p->field];
            const char *text = ddb_entity__field_text(f, obj, p->format, num, sizeof num);
            size_t tl;
            if (!text)
                return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: key %s: %s has no value",
                                     d->name, k->attribute, f->name);
            tl = strlen(text);
            if (tl >= cap - len)
                return ddb_error_set(err, DDB_ERR_LIMIT, "%s: key %s is over %zu bytes", d->name,
                                     k->attribute, cap - 1);
            memcpy(buf + len, text, tl);
            len += tl;
            buf[len] = '\0';
            continue;
        }
        rc = ddb_entity__part_text(buf, cap, &len, d, p, obj, false, &missing, what, err);
        if (rc < 0)
            return rc == DDB_ERR_LIMIT
                       ? ddb_error_set(err, DDB_ERR_LIMIT, "%s: key %s is over %zu bytes", d->name,
                                       k->attribute, cap - 1)
                       : rc;
        if (missing >= 0)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: key %s: %s has no value", d->name,
                                 k->attribute, d->fields[missing].name);
    }
    buf[len] = '\0';
    return 0;
}

int ddb_entity_key_prefix(char *buf, size_t cap, const ddb_entity_desc *d, size_t key,
                          const void *obj, size_t n_bound, bool *whole, ddb_error *err)
{
    if (!buf || !cap || !d || key >= d->n_keys || !obj || !whole)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "key prefix: bad argument");
    return ddb_entity__key_prefix(buf, cap, d, &d->keys[key], obj, n_bound, whole, err);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: the partition key %s is incomplete",
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

bool ddb_entity__is_entity(const ddb_entity_desc *d, const ddb_value *item)
{
    return is_entity(d, item);
}

/* Fills a page from the items of a response. */
static int fill_page(ddb_entity_page *page, const ddb_entity_desc *d, ddb_value *const *items,
                     size_t n, ddb_error *err)
{
    page->items = calloc(n ? n : 1, d->size);
    if (!page->items)
        return ddb_dal__nomem(err, "page");
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
    in.table_name = table;
    in.index_name = q->index;
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
        in.table_name = table;
        in.index_name = q->index;
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

int ddb_entity__offset_start(char **start, bool *ended, const ddb_entity__pager *p, int offset,
                             const char *cursor, const char *context, ddb_error *err)
{
    char *at = NULL;
    int left = offset;
    *start = NULL;
    *ended = false;
    if (offset < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "page.offset %d is negative", offset);
    if (offset > 0 && cursor)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "page.offset %d with page.cursor: give one or the other", offset);
    if (offset == 0) {
        if (cursor && !(*start = strdup(cursor)))
            return ddb_dal__nomem(err, "cursor");
        return 0;
    }
    while (left > 0) {
        ddb_value *const *items = NULL;
        const ddb_value *last = NULL;
        size_t n = 0;
        /* Limit caps the items DynamoDB evaluates, and matches are among them: never too far. */
        int rc = p->run(p->ctx, at, left, &items, &n, &last, err);
        free(at);
        at = NULL;
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < n && left > 0; i++)
            if (p->match(p->ctx, items[i]))
                left--;
        if (!last) {
            *ended = true;
            return 0;
        }
        rc = ddb_cursor_encode(&at, last, context, NULL, err);
        if (rc < 0)
            return rc;
    }
    *start = at;
    return 0;
}

/* ---- the requests of an offset: one Query or Scan of an entity type ---- */

typedef struct type_pager {
    ddb_client *c;
    const ddb_entity_desc *d;
    const char *table;
    const void *key_obj; /* NULL: a Scan */
    const ddb_entity_query *q;
    char type_prefix[KEY_MAX]; /* a Query's sort key prefix of the type ("" : any) */
    const ddb_key_desc *sk;
    ddb_query_output *qo;
    ddb_scan_output *so;
} type_pager;

static int type_run(void *ctx, const char *cursor, int limit, ddb_value *const **items, size_t *n,
                    const ddb_value **last, ddb_error *err)
{
    type_pager *p = ctx;
    ddb_entity_query qq = *p->q;
    int rc;
    qq.cursor = cursor;
    qq.limit = limit;
    qq.offset = 0;
    ddb_query_output_free(p->qo);
    ddb_scan_output_free(p->so);
    p->qo = NULL;
    p->so = NULL;
    if (p->key_obj) {
        rc = ddb_entity__query(&p->qo, p->c, p->d, p->table, p->key_obj, &qq, qq.filter, err);
        if (rc == 0) {
            *items = p->qo->items;
            *n = p->qo->n_items;
            *last = p->qo->last_evaluated_key;
        }
    } else {
        rc = ddb_entity__scan(&p->so, p->c, p->table, &qq, err);
        if (rc == 0) {
            *items = p->so->items;
            *n = p->so->n_items;
            *last = p->so->last_evaluated_key;
        }
    }
    return rc;
}

static bool type_match(void *ctx, const ddb_value *item)
{
    const type_pager *p = ctx;
    const ddb_value *skv;
    const char *s;
    if (!p->key_obj)
        return is_entity(p->d, item);
    if (!p->type_prefix[0])
        return true;
    skv = ddb_value_m_get(item, p->sk->attribute);
    s = skv ? ddb_value_s(skv, NULL) : NULL;
    return s && strncmp(s, p->type_prefix, strlen(p->type_prefix)) == 0;
}

/*
 * q with the offset turned into a cursor (*mine, the caller's to free; *ended when the results
 * end before the offset).
 */
static int type_offset(ddb_entity_query *qq, char **mine, bool *ended, ddb_client *c,
                       const ddb_entity_desc *d, const char *table, const void *key_obj,
                       const ddb_entity_query *q, ddb_error *err)
{
    type_pager tp = {c, d, table, key_obj, q, "", NULL, NULL, NULL};
    ddb_entity__pager p = {type_run, type_match, &tp};
    int rc;
    *qq = *q;
    if (key_obj && q->has_sk) {
        tp.sk = &d->keys[q->sk_key];
        ddb_entity__literal_prefix(tp.type_prefix, sizeof tp.type_prefix, tp.sk, NULL);
    }
    rc = ddb_entity__offset_start(mine, ended, &p, q->offset, q->cursor, q->context, err);
    ddb_query_output_free(tp.qo);
    ddb_scan_output_free(tp.so);
    qq->cursor = *mine;
    qq->offset = 0;
    return rc;
}

int ddb_entity_scan_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const ddb_entity_query *q, ddb_error *err)
{
    ddb_scan_output *o = NULL;
    ddb_entity_page page = {0, NULL, NULL};
    ddb_entity_query qq;
    char *start = NULL;
    bool ended = false;
    int rc;

    if (!out || !c || !d || !table || !q)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity scan: bad argument");
    rc = type_offset(&qq, &start, &ended, c, d, table, NULL, q, err);
    if (rc == 0 && !ended)
        rc = ddb_entity__scan(&o, c, table, &qq, err);
    if (rc != 0)
        goto done;
    if (ended) {
        page.items = calloc(1, d->size ? d->size : 1);
        if (!page.items) {
            rc = ddb_dal__nomem(err, "page");
            goto done;
        }
    } else {
        rc = fill_page(&page, d, o->items, o->n_items, err);
        if (rc == 0 && o->last_evaluated_key)
            rc = ddb_cursor_encode(&page.cursor, o->last_evaluated_key, q->context, NULL, err);
    }
    if (rc < 0)
        goto done;
    *out = page;
    page.items = NULL;
    page.n = 0;
    page.cursor = NULL;
done:
    ddb_entity_page_free(d, &page);
    ddb_scan_output_free(o);
    free(start);
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
    ddb_entity_query qq;
    char *start = NULL;
    bool ended = false;
    int rc;

    if (!out || !c || !d || !table || !key_obj || !q || q->pk_key >= d->n_keys ||
        (q->has_sk && q->sk_key >= d->n_keys))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity query: bad argument");
    if (q->has_sk) {
        sk = &d->keys[q->sk_key];
        ddb_entity__literal_prefix(type_prefix, sizeof type_prefix, sk, NULL);
    }
    rc = type_offset(&qq, &start, &ended, c, d, table, key_obj, q, err);
    if (rc == 0 && !ended)
        rc = ddb_entity__query(&o, c, d, table, key_obj, &qq, q->filter, err);
    if (rc != 0)
        goto done;
    page.items = calloc(!ended && o->n_items ? o->n_items : 1, d->size);
    if (!page.items) {
        rc = ddb_dal__nomem(err, "query page");
        goto done;
    }
    for (size_t i = 0; !ended && i < o->n_items; i++) {
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
    if (!ended && o->last_evaluated_key) {
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
    free(start);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity delete: bad argument");
    rc = ddb_entity_key(&key, d, key_obj, err);
    if (rc < 0)
        return rc;
    in.table_name = table;
    in.key = key;
    in.return_values = "ALL_OLD";
    rc = ddb_delete_item(&o, c, &in, err);
    if (rc == 0 && deleted)
        *deleted = o->attributes != NULL;
    ddb_delete_item_output_free(o);
    ddb_value_free(key);
    return rc;
}

bool ddb_entity__key_uses(const ddb_entity_desc *d, const ddb_key_desc *k, const size_t *fields,
                          size_t n)
{
    return ddb_entity__uses_field(d, k->parts, k->n_parts, fields, n, 0);
}

int ddb_entity__update_item(ddb_update_item_output **out, ddb_client *c, const char *table,
                            ddb_value *key, const ddb_expr_result *x, const char *return_values,
                            ddb_error *err)
{
    ddb_update_item_input in = {0};
    in.table_name = table;
    in.key = key;
    in.update_expression = x->update_expression;
    in.condition_expression = x->condition_expression;
    in.n_expression_attribute_names = x->n_expression_attribute_names;
    in.expression_attribute_names = x->expression_attribute_names;
    in.expression_attribute_values = x->expression_attribute_values;
    in.return_values = return_values;
    return ddb_update_item(out, c, &in, err);
}

/*
 * The update of computed field cd when the fields an update sets feed it: its template's value,
 * or its removal when a field the update removes leaves the template without a value. A field
 * of the template that the update neither sets nor has in obj makes the value unknowable.
 */
static int update_computed(ddb_expr *e, const ddb_entity_desc *d, const ddb_computed_desc *cd,
                           const void *obj, const size_t *fields, size_t n_fields, ddb_error *err)
{
    const ddb_field_desc *cf = &d->fields[cd->field];
    ddb_value *v = NULL;
    int missing = -1;
    bool updated = false;
    int rc;
    if (!ddb_entity__uses_field(d, cd->parts, cd->n_parts, fields, n_fields, 0))
        return 0;
    rc = ddb_entity__computed_item_value(&v, d, cd, obj, &missing, err);
    if (rc < 0)
        return rc;
    if (v)
        return ddb_expr_update_set_take(e, cf->name, v);
    for (size_t i = 0; i < n_fields; i++)
        updated = updated || fields[i] == (size_t)missing;
    if (!updated)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s.%s is computed from %s.%s, which this update does not set; set "
                             "it too",
                             d->name, cf->name, d->name, d->fields[missing].name);
    if (cf->required)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s.%s is computed from %s.%s, which this update removes", d->name,
                             cf->name, d->name, d->fields[missing].name);
    return ddb_expr_update_remove(e, cf->name);
}

static int update_fields(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const void *obj, const size_t *fields, size_t n_fields,
                         ddb_error *err)
{
    ddb_update_item_output *o = NULL;
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    int rc = ddb_entity_key(&key, d, obj, err);

    if (rc < 0)
        return rc;
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        goto done;
    rc = update_actions(e, d, obj, fields, n_fields, err);
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
        rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "%s: UpdateItem returned no attributes", d->name);
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
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity update fields: bad argument");
    return update_fields(out, found, c, d, table, obj, fields, n_fields, err);
}

/* ---- computed fields ----------------------------------------------------------------------------
 * A field whose value is a template over other fields (ddb_computed_desc). The policy lives here,
 * once: keys that use a computed field expand its template, writes store the template's value,
 * and create/update refresh the struct.
 */

/* The validator refuses cycles; this only bounds a hand-written descriptor's recursion. */
#define COMPUTED_MAX_DEPTH 8

const ddb_computed_desc *ddb_entity__computed_of(const ddb_entity_desc *d, int field)
{
    for (size_t i = 0; d->computed && i < d->n_computed; i++)
        if (d->computed[i].field == field)
            return &d->computed[i];
    return NULL;
}

static int append(char *buf, size_t cap, size_t *len, const char *text, const ddb_entity_desc *d,
                  const char *what, ddb_error *err)
{
    size_t tl = strlen(text);
    if (tl >= cap - *len)
        return ddb_error_set(err, DDB_ERR_LIMIT, "%s: %s is over %zu bytes", d->name, what,
                             cap - 1);
    memcpy(buf + *len, text, tl);
    *len += tl;
    buf[*len] = '\0';
    return 0;
}

static int expand_parts(char *buf, size_t cap, size_t *len, const ddb_entity_desc *d,
                        const ddb_key_part *parts, size_t n, const void *obj, bool writing,
                        int depth, int *missing, const char *what, ddb_error *err);

int ddb_entity__part_text(char *buf, size_t cap, size_t *len, const ddb_entity_desc *d,
                          const ddb_key_part *p, const void *obj, bool writing, int *missing,
                          const char *what, ddb_error *err)
{
    return expand_parts(buf, cap, len, d, p, 1, obj, writing, 0, missing, what, err);
}

static int expand_parts(char *buf, size_t cap, size_t *len, const ddb_entity_desc *d,
                        const ddb_key_part *parts, size_t n, const void *obj, bool writing,
                        int depth, int *missing, const char *what, ddb_error *err)
{
    char num[80];
    *missing = -1;
    if (depth > COMPUTED_MAX_DEPTH)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: %s: computed fields nest over %d deep",
                             d->name, what, COMPUTED_MAX_DEPTH);
    for (size_t i = 0; i < n; i++) {
        const ddb_key_part *p = &parts[i];
        const ddb_field_desc *f;
        const ddb_computed_desc *cd;
        const char *text;
        int rc;
        if (p->literal) {
            rc = append(buf, cap, len, p->literal, d, what, err);
            if (rc < 0)
                return rc;
            continue;
        }
        if (p->field < 0 || (size_t)p->field >= d->n_fields)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: %s: bad field index", d->name,
                                 what);
        f = &d->fields[p->field];
        cd = ddb_entity__computed_of(d, p->field);
        if (cd) {
            /* The template is the truth; the struct's own value only serves a lookup by the
             * whole value (a query parameter), never a write. */
            size_t mark = *len;
            rc = expand_parts(buf, cap, len, d, cd->parts, cd->n_parts, obj, writing, depth + 1,
                              missing, what, err);
            if (rc < 0)
                return rc;
            if (*missing < 0)
                continue;
            *len = mark;
            buf[mark] = '\0';
            if (writing || f->is_list || !ddb_entity__field_present(f, obj))
                return 0; /* *missing names the template's field without a value */
            *missing = -1;
        } else if (f->is_list || !ddb_entity__field_present(f, obj)) {
            *missing = p->field;
            return 0;
        }
        /* Present, so only a kind with no text (a value) leaves it NULL. */
        text = ddb_entity__field_text(f, obj, p->format, num, sizeof num);
        if (!text)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: %s: field %s has no text form",
                                 d->name, what, f->name);
        rc = append(buf, cap, len, text, d, what, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The text of computed cd into buf; *missing >= 0 names a template field without a value. */
static int computed_text(char *buf, size_t cap, const ddb_entity_desc *d,
                         const ddb_computed_desc *cd, const void *obj, int *missing, ddb_error *err)
{
    size_t len = 0;
    const char *name =
        cd->field >= 0 && (size_t)cd->field < d->n_fields ? d->fields[cd->field].name : "?";
    buf[0] = '\0';
    return expand_parts(buf, cap, &len, d, cd->parts, cd->n_parts, obj, true, 1, missing, name,
                        err);
}

int ddb_entity__computed_item_value(ddb_value **out, const ddb_entity_desc *d,
                                    const ddb_computed_desc *cd, const void *obj, int *missing,
                                    ddb_error *err)
{
    char buf[DDB_ENTITY__KEY_MAX];
    const ddb_field_desc *f;
    int rc;
    *out = NULL;
    if (cd->field < 0 || (size_t)cd->field >= d->n_fields)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: bad computed field index", d->name);
    f = &d->fields[cd->field];
    rc = computed_text(buf, sizeof buf, d, cd, obj, missing, err);
    if (rc < 0 || *missing >= 0)
        return rc;
    if (f->kind == DDB_FIELD_INT64) {
        int64_t n;
        char *end = NULL;
        n = (int64_t)strtoll(buf, &end, 10);
        if (!*buf || !end || *end)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "%s.%s: computed value \"%.40s\" is not an integer", d->name,
                                 f->name, buf);
        return ddb_value_new_n_i64(out, n, err);
    }
    if (f->kind != DDB_FIELD_STRING || f->is_list)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s.%s: a computed field is a string or an integer", d->name, f->name);
    return ddb_value_new_s(out, buf, err);
}

int ddb_entity_computed_value(ddb_value **out, const ddb_entity_desc *d, size_t computed,
                              const void *obj, ddb_error *err)
{
    int missing = -1;
    if (!out || !d || !obj || !d->computed || computed >= d->n_computed)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity computed value: bad argument");
    return ddb_entity__computed_item_value(out, d, &d->computed[computed], obj, &missing, err);
}

int ddb_entity_compute(const ddb_entity_desc *d, void *obj, ddb_error *err)
{
    if (!d || !obj || d->version != DDB_ENTITY_ABI_VERSION)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "entity compute: bad argument");
    for (size_t i = 0; d->computed && i < d->n_computed; i++) {
        const ddb_computed_desc *cd = &d->computed[i];
        const ddb_field_desc *f;
        ddb_value *v = NULL;
        int missing = -1;
        int rc = ddb_entity__computed_item_value(&v, d, cd, obj, &missing, err);
        if (rc < 0)
            return rc;
        f = &d->fields[cd->field];
        if (f->kind == DDB_FIELD_INT64) {
            int64_t n = 0;
            if (v)
                ddb_value_n_i64(v, &n, NULL);
            *AT(obj, f->offset, int64_t) = n;
            if (f->has_offset != DDB_ENTITY_NO_OFFSET)
                *AT(obj, f->has_offset, bool) = v != NULL;
        } else {
            char *copy = NULL;
            if (v && !(copy = strdup(ddb_value_s(v, NULL)))) {
                ddb_value_free(v);
                return ddb_dal__nomem(err, f->name);
            }
            free(*AT(obj, f->offset, char *));
            *AT(obj, f->offset, char *) = copy;
        }
        ddb_value_free(v);
    }
    return 0;
}

bool ddb_entity__uses_field(const ddb_entity_desc *d, const ddb_key_part *parts, size_t n,
                            const size_t *fields, size_t n_fields, int depth)
{
    for (size_t i = 0; i < n && depth <= COMPUTED_MAX_DEPTH; i++) {
        const ddb_computed_desc *cd;
        if (parts[i].literal || parts[i].field < 0)
            continue;
        for (size_t j = 0; j < n_fields; j++)
            if ((size_t)parts[i].field == fields[j])
                return true;
        cd = ddb_entity__computed_of(d, parts[i].field);
        if (cd && ddb_entity__uses_field(d, cd->parts, cd->n_parts, fields, n_fields, depth + 1))
            return true;
    }
    return false;
}
