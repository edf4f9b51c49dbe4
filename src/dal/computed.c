/*
 * Computed fields (include/ddb/dal/entity.h, ddb_computed_desc): a field whose value is a
 * template over other fields. The policy lives here, once: keys that use a computed field expand
 * its template, writes store the template's value, and create/update refresh the struct.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "ddb/dal/entity.h"

#define AT(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))

/* The validator refuses cycles; this only bounds a hand-written descriptor's recursion. */
#define MAX_DEPTH 8

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
    if (depth > MAX_DEPTH)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: %s: computed fields nest over %d deep",
                             d->name, what, MAX_DEPTH);
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
    for (size_t i = 0; i < n && depth <= MAX_DEPTH; i++) {
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
