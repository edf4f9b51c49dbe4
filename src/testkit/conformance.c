/*
 * The model-independent half of the generated conformance suites: see ddb/testkit/conformance.h.
 *
 * This code was the fixed part of every generated <ns>_conformance.c. It lives here so that it
 * is compiled and tested once; its messages are the ones the suites always printed, and test
 * harnesses match on them.
 */
#include "ddb/testkit/conformance.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---------------------------------------------------------------------------------- */

char *ddb_conf_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *out = malloc(n);
    if (out)
        memcpy(out, s, n);
    return out;
}

/* A made-up string: "<label>-<i>-<j>". */
char *ddb_conf_label_text(const char *label, int i, int j)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s-%d-%d", label, i, j);
    return ddb_conf_text(buf);
}

/* A made-up UUID for item i, list element j. */
char *ddb_conf_uuid_text(int i, int j)
{
    char buf[40];
    snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%06d%06d", i % 1000000, j % 1000000);
    return ddb_conf_text(buf);
}

/* a followed by b, in a new string (range values). */
char *ddb_conf_joined(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *out = malloc(na + nb + 1);
    if (out)
        snprintf(out, na + nb + 1, "%s%s", a, b);
    return out;
}

/* A key string unique to this run, case and item: "<run>-c<case>-<i>-<value>". */
char *ddb_conf_key_text(const ddb_conf *c, int i, const char *value)
{
    size_t n = strlen(c->run) + strlen(value) + 32;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s-c%u-%03d-%s", c->run, c->case_index, i, value);
    return out;
}

/* A key number unique to this run, case and item, growing with i. */
int64_t ddb_conf_key_int(const ddb_conf *c, int i)
{
    return c->base + (int64_t)c->case_index * 1000 + i;
}

char *ddb_conf_key_attribute_text(const ddb_entity_desc *d, size_t key, const void *obj)
{
    ddb_value *v = NULL;
    char *out = NULL;
    if (ddb_entity_key_value(&v, d, key, obj, NULL) == 0 && v && ddb_value_s(v, NULL))
        out = ddb_conf_text(ddb_value_s(v, NULL));
    ddb_value_free(v);
    return out;
}

void ddb_conf_set_decimal(ddb_decimal *d, const char *value, int i)
{
    char buf[32];
    if (!value) {
        snprintf(buf, sizeof buf, "%d.25", 10 + i);
        value = buf;
    }
    ddb_decimal_set(d, value, NULL);
}

void ddb_conf_key_decimal(const ddb_conf *c, int i, ddb_decimal *d)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)ddb_conf_key_int(c, i));
    ddb_decimal_set(d, buf, NULL);
}

void ddb_conf_set_uuid(char *out, const char *value, int i)
{
    if (value)
        snprintf(out, 37, "%s", value);
    else
        snprintf(out, 37, "00000000-0000-4000-8000-%012d", i);
}

void ddb_conf_key_uuid(const ddb_conf *c, int i, char *out)
{
    snprintf(out, 37, "%08lx-%04x-4000-8000-%012d", (unsigned long)(c->hash & 0xffffffffu),
             c->case_index & 0xffffu, i);
}

/* A value from its AttributeValue JSON (object fields). */
ddb_value *ddb_conf_object_value(const char *json)
{
    ddb_value *v = NULL;
    ddb_value_from_json(&v, json, strlen(json), NULL);
    return v;
}

/* Records a failure of the running case: one line naming the case, the pattern and what differed. */
/* ---- failures and checks --------------------------------------------------------------------- */

bool ddb_conf_fail(ddb_conf *c, const char *fmt, ...)
{
    char what[640], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "FAIL %s (%s): %s", c->case_name, c->pattern, what);
    if (!c->failed)
        snprintf(c->first, sizeof c->first, "%s", line);
    c->failed = true;
    if (c->log)
        c->log(c->log_ctx, line);
    else
        fprintf(stderr, "%s\n", line);
    return false;
}

bool ddb_conf_expect_rc(ddb_conf *c, const char *step, int rc, int want, const ddb_error *err)
{
    if (rc == want)
        return true;
    return ddb_conf_fail(c, "%s returned %s, expected %s%s%s", step,
                         rc ? ddb_error_code_name(rc) : "0", want ? ddb_error_code_name(want) : "0",
                         rc && err->message[0] ? ": " : "", rc ? err->message : "");
}

bool ddb_conf_expect_found(ddb_conf *c, const char *step, bool found, bool want)
{
    if (found == want)
        return true;
    return ddb_conf_fail(c, "%s: %s", step,
                         want ? "not found, expected the entity"
                              : "found an entity, expected none");
}

bool ddb_conf_expect_flag(ddb_conf *c, const char *step, bool got, bool want)
{
    if (got == want)
        return true;
    return ddb_conf_fail(c, "%s: %s, expected %s", step, got ? "true" : "false",
                         want ? "true" : "false");
}

bool ddb_conf_expect_version(ddb_conf *c, const char *step, int64_t got, int64_t want)
{
    if (got == want)
        return true;
    return ddb_conf_fail(c, "%s: ddb_version %lld, expected %lld", step, (long long)got,
                         (long long)want);
}

/* A cancelled transaction of n operations in which operation `failed` (only) failed. */
bool ddb_conf_expect_cancelled(ddb_conf *c, const char *step, int rc, const ddb_error *err,
                               size_t n, size_t failed)
{
    if (!ddb_conf_expect_rc(c, step, rc, DDB_ERR_TRANSACTION_CANCELED, err))
        return false;
    if (err->n_cancellation_reasons != n)
        return ddb_conf_fail(c, "%s: %zu cancellation reasons, expected one per action (%zu)", step,
                             err->n_cancellation_reasons, n);
    for (size_t i = 0; i < n; i++) {
        const char *code = err->cancellation_reasons[i].code;
        bool ccf = code && strcmp(code, "ConditionalCheckFailed") == 0;
        bool none = !code || strcmp(code, "None") == 0;
        if (i == failed ? !ccf : !none)
            return ddb_conf_fail(c, "%s: action %zu's reason is %s, expected %s", step, i,
                                 code ? code : "(none)",
                                 i == failed ? "ConditionalCheckFailed" : "None");
    }
    return true;
}

void ddb_conf_json_of(char *out, size_t n, const ddb_value *v)
{
    char *json = NULL;
    if (!v)
        snprintf(out, n, "(absent)");
    else if (ddb_value_to_json(&json, v, NULL) == 0)
        snprintf(out, n, "%s", json);
    else
        snprintf(out, n, "(unprintable)");
    free(json);
}

/* ---- entities, field by field ---------------------------------------------------------------- */

/*
 * Everything below works on the structs through the descriptor: it never builds an item. A
 * serializer (ddb_entity_to_item and its kin, or an implementation's own) that drops or spoils
 * a field must not be able to hide that by spoiling the expected side the same way.
 */

#define AT(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))
#define CAT(obj, off, T) ((const T *)(const void *)((const char *)(obj) + (off)))

/* Element size of a list of kind k (a UUID list holds char *). */
static size_t elem_size(ddb_field_kind k)
{
    switch (k) {
    case DDB_FIELD_INT64:
        return sizeof(int64_t);
    case DDB_FIELD_DECIMAL:
        return sizeof(ddb_decimal);
    case DDB_FIELD_BOOL:
        return sizeof(bool);
    case DDB_FIELD_VALUE:
        return sizeof(ddb_value *);
    default:
        return sizeof(char *);
    }
}

/* Whether obj has a value in f, as ddb/dal/entity.h defines it (a required list always has). */
static bool field_present(const ddb_field_desc *f, const void *obj)
{
    if (f->is_list)
        return f->required || *CAT(obj, f->offset, void *) != NULL;
    if (f->has_offset != DDB_ENTITY_NO_OFFSET && !*CAT(obj, f->has_offset, bool))
        return false;
    switch (f->kind) {
    case DDB_FIELD_STRING:
        return *CAT(obj, f->offset, char *) != NULL;
    case DDB_FIELD_DECIMAL:
        return CAT(obj, f->offset, ddb_decimal)->text != NULL;
    case DDB_FIELD_VALUE:
        return *CAT(obj, f->offset, ddb_value *) != NULL;
    default:
        return true;
    }
}

/* The text of a scalar of kind k at p that has one (string, UUID, decimal); NULL otherwise. */
static const char *scalar_text(ddb_field_kind k, const void *p, bool in_list)
{
    switch (k) {
    case DDB_FIELD_STRING:
        return *(const char *const *)p;
    case DDB_FIELD_UUID:
        return in_list ? *(const char *const *)p : (const char *)p;
    case DDB_FIELD_DECIMAL:
        return ((const ddb_decimal *)p)->text;
    default:
        return NULL;
    }
}

static bool same_number(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    bool same;
    if (!a || !b)
        return a == b;
    if (ddb_number_canonical(&x, a, NULL) == 0 && ddb_number_canonical(&y, b, NULL) == 0)
        same = strcmp(x, y) == 0;
    else
        same = strcmp(a, b) == 0;
    free(x);
    free(y);
    return same;
}

static bool same_scalar(ddb_field_kind k, const void *a, const void *b, bool in_list)
{
    const char *x, *y;
    switch (k) {
    case DDB_FIELD_INT64:
        return *(const int64_t *)a == *(const int64_t *)b;
    case DDB_FIELD_BOOL:
        return *(const bool *)a == *(const bool *)b;
    case DDB_FIELD_VALUE:
        return ddb_value_equal(*(ddb_value *const *)a, *(ddb_value *const *)b);
    case DDB_FIELD_DECIMAL:
        return same_number(scalar_text(k, a, in_list), scalar_text(k, b, in_list));
    default:
        x = scalar_text(k, a, in_list);
        y = scalar_text(k, b, in_list);
        return x && y ? strcmp(x, y) == 0 : x == y;
    }
}

/* Appends to out (cap bytes, used *len) without overflowing; output that does not fit is cut. */
static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (*len + 1 >= cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

/* s as a JSON string, cut after 80 bytes. */
static void put_string(char *out, size_t cap, size_t *len, const char *s)
{
    size_t k = 0;
    put(out, cap, len, "\"");
    for (; k < 80 && s[k]; k++) {
        unsigned char ch = (unsigned char)s[k];
        if (ch == '"' || ch == '\\')
            put(out, cap, len, "\\%c", ch);
        else if (ch < 0x20)
            put(out, cap, len, "\\u%04x", ch);
        else
            put(out, cap, len, "%c", ch);
    }
    put(out, cap, len, s[k] ? "...\"" : "\"");
}

static void put_scalar(char *out, size_t cap, size_t *len, ddb_field_kind k, const void *p,
                       bool in_list)
{
    char json[200];
    const char *s;
    switch (k) {
    case DDB_FIELD_INT64:
        put(out, cap, len, "%lld", (long long)*(const int64_t *)p);
        break;
    case DDB_FIELD_BOOL:
        put(out, cap, len, "%s", *(const bool *)p ? "true" : "false");
        break;
    case DDB_FIELD_VALUE:
        ddb_conf_json_of(json, sizeof json, *(ddb_value *const *)p);
        put(out, cap, len, "%s", json);
        break;
    case DDB_FIELD_DECIMAL:
        s = scalar_text(k, p, in_list);
        put(out, cap, len, "%s", s ? s : "(none)");
        break;
    default:
        s = scalar_text(k, p, in_list);
        if (s)
            put_string(out, cap, len, s);
        else
            put(out, cap, len, "(null)");
        break;
    }
}

/* The value of field f of obj, as a C programmer would write it: "(absent)" when it has none. */
static void put_field(char *out, size_t cap, size_t *len, const ddb_field_desc *f, const void *obj)
{
    if (!field_present(f, obj)) {
        put(out, cap, len, "(absent)");
    } else if (!f->is_list) {
        put_scalar(out, cap, len, f->kind, CAT(obj, f->offset, char), false);
    } else {
        size_t n = *CAT(obj, f->count_offset, size_t), sz = elem_size(f->kind);
        const char *items = *CAT(obj, f->offset, char *);
        put(out, cap, len, "[");
        for (size_t j = 0; items && j < n; j++) {
            if (j)
                put(out, cap, len, ",");
            put_scalar(out, cap, len, f->kind, items + j * sz, true);
        }
        put(out, cap, len, "]");
    }
}

static bool same_field(const ddb_field_desc *f, const void *a, const void *b)
{
    bool pa = field_present(f, a), pb = field_present(f, b);
    size_t na, nb, sz;
    const char *ia, *ib;
    if (!pa || !pb)
        return pa == pb;
    if (!f->is_list)
        return same_scalar(f->kind, CAT(a, f->offset, char), CAT(b, f->offset, char), false);
    na = *CAT(a, f->count_offset, size_t);
    nb = *CAT(b, f->count_offset, size_t);
    ia = *CAT(a, f->offset, char *);
    ib = *CAT(b, f->offset, char *);
    na = ia ? na : 0;
    nb = ib ? nb : 0;
    if (na != nb)
        return false;
    sz = elem_size(f->kind);
    for (size_t j = 0; j < na; j++)
        if (!same_scalar(f->kind, ia + j * sz, ib + j * sz, true))
            return false;
    return true;
}

/* The key whose attribute has field i's name and whose template is not that field alone: such
 * a field is derived, as ddb_entity_to_item writes the template's value in its place. -1: none. */
static int derived_key(const ddb_entity_desc *d, size_t i)
{
    for (size_t k = 0; k < d->n_keys; k++) {
        const ddb_key_desc *kd = &d->keys[k];
        if (strcmp(kd->attribute, d->fields[i].name) != 0)
            continue;
        if (kd->n_parts == 1 && !kd->parts[0].literal && kd->parts[0].field == (int)i &&
            !kd->parts[0].format)
            return -1;
        return (int)k;
    }
    return -1;
}

/* A derived field (see derived_key) of got against the template's value for want. */
static bool same_derived(char *out, size_t cap, const ddb_entity_desc *d, size_t i, size_t key,
                         const void *want, const void *got)
{
    const ddb_field_desc *f = &d->fields[i];
    ddb_value *kv = NULL;
    const char *expect = NULL, *have = NULL;
    char num[32], kj[200];
    size_t len = 0;
    bool same;
    if (ddb_entity_key_value(&kv, d, key, want, NULL) == 0 && kv)
        expect = d->keys[key].numeric ? ddb_value_n(kv) : ddb_value_s(kv, NULL);
    if (!f->is_list && field_present(f, got)) {
        if (f->kind == DDB_FIELD_INT64) {
            snprintf(num, sizeof num, "%lld", (long long)*CAT(got, f->offset, int64_t));
            have = num;
        } else {
            have = scalar_text(f->kind, CAT(got, f->offset, char), false);
        }
    }
    same = expect && have
               ? (d->keys[key].numeric ? same_number(expect, have) : strcmp(expect, have) == 0)
               : expect == have;
    if (!same && out && cap) {
        ddb_conf_json_of(kj, sizeof kj, kv);
        put(out, cap, &len, "%s field '%s' (written by the template of key %s) is ", d->name,
            f->name, d->keys[key].attribute);
        put_field(out, cap, &len, f, got);
        put(out, cap, &len, ", expected %s", kj);
    }
    ddb_value_free(kv);
    return same;
}

/* The index into d->computed of field i, or -1 when it is not computed. */
static int computed_index(const ddb_entity_desc *d, size_t i)
{
    for (size_t k = 0; d->computed && k < d->n_computed; k++)
        if (d->computed[k].field == (int)i)
            return (int)k;
    return -1;
}

/* A computed field of got against its template's value built from want: derived, not data. */
static bool same_computed(char *out, size_t cap, const ddb_entity_desc *d, size_t i, size_t k,
                          const void *want, const void *got)
{
    const ddb_field_desc *f = &d->fields[i];
    ddb_value *cv = NULL;
    const char *expect = NULL, *have = NULL;
    char num[32], cj[200];
    size_t len = 0;
    bool same;
    if (ddb_entity_computed_value(&cv, d, k, want, NULL) == 0 && cv)
        expect = f->kind == DDB_FIELD_INT64 ? ddb_value_n(cv) : ddb_value_s(cv, NULL);
    if (!f->is_list && field_present(f, got)) {
        if (f->kind == DDB_FIELD_INT64) {
            snprintf(num, sizeof num, "%lld", (long long)*CAT(got, f->offset, int64_t));
            have = num;
        } else {
            have = scalar_text(f->kind, CAT(got, f->offset, char), false);
        }
    }
    same = expect && have ? (f->kind == DDB_FIELD_INT64 ? same_number(expect, have)
                                                        : strcmp(expect, have) == 0)
                          : expect == have;
    if (!same && out && cap) {
        ddb_conf_json_of(cj, sizeof cj, cv);
        put(out, cap, &len, "%s field '%s' (computed from its template) is ", d->name, f->name);
        put_field(out, cap, &len, f, got);
        put(out, cap, &len, ", expected %s", cj);
    }
    ddb_value_free(cv);
    return same;
}

bool ddb_conf_entity_equal(char *out, size_t n, const ddb_entity_desc *d, const void *want,
                           const void *got)
{
    if (out && n)
        out[0] = '\0';
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        int key = derived_key(d, i), comp = computed_index(d, i);
        size_t len = 0;
        if (comp >= 0) {
            if (!same_computed(out, n, d, i, (size_t)comp, want, got))
                return false;
            continue;
        }
        if (key >= 0) {
            if (!same_derived(out, n, d, i, (size_t)key, want, got))
                return false;
            continue;
        }
        if (same_field(f, want, got))
            continue;
        if (out && n) {
            put(out, n, &len, "%s field '%s' is ", d->name, f->name);
            put_field(out, n, &len, f, got);
            put(out, n, &len, ", expected ");
            put_field(out, n, &len, f, want);
        }
        return false;
    }
    return true;
}

/* want and got hold the same entity: every field but the version (full), or the same primary
   key. */
bool ddb_conf_same_entity(ddb_conf *c, const char *step, const ddb_entity_desc *d, const void *want,
                          const void *got, bool full)
{
    ddb_value *a = NULL, *b = NULL;
    char why[560], gv[200], wv[200];
    bool ok = true;
    int rc;
    if (full) {
        if (!ddb_conf_entity_equal(why, sizeof why, d, want, got))
            return ddb_conf_fail(c, "%s: %s", step, why);
        return true;
    }
    /* projected: only the primary key can be compared */
    rc = ddb_entity_key(&a, d, want, NULL);
    if (rc == 0)
        rc = ddb_entity_key(&b, d, got, NULL);
    if (rc != 0) {
        ok = ddb_conf_fail(c, "%s: a %s has no complete primary key (%s)", step, d->name,
                           ddb_error_code_name(rc));
    } else if (!ddb_value_equal(a, b)) {
        ddb_conf_json_of(gv, sizeof gv, b);
        ddb_conf_json_of(wv, sizeof wv, a);
        ok = ddb_conf_fail(c, "%s: %s primary key is %s, expected %s", step, d->name, gv, wv);
    }
    ddb_value_free(a);
    ddb_value_free(b);
    return ok;
}

/* Frees field f of obj, leaving it without a value. */
static void clear_field(const ddb_field_desc *f, void *obj)
{
    if (f->is_list) {
        size_t n = *CAT(obj, f->count_offset, size_t), sz = elem_size(f->kind);
        char *items = *AT(obj, f->offset, char *);
        for (size_t j = 0; items && j < n; j++) {
            if (f->kind == DDB_FIELD_VALUE)
                ddb_value_free(*(ddb_value **)(void *)(items + j * sz));
            else if (f->kind == DDB_FIELD_DECIMAL)
                free(((ddb_decimal *)(void *)(items + j * sz))->text);
            else if (f->kind == DDB_FIELD_STRING || f->kind == DDB_FIELD_UUID)
                free(*(char **)(void *)(items + j * sz));
        }
        free(items);
        *AT(obj, f->offset, char *) = NULL;
        *AT(obj, f->count_offset, size_t) = 0;
        return;
    }
    if (f->has_offset != DDB_ENTITY_NO_OFFSET)
        *AT(obj, f->has_offset, bool) = false;
    switch (f->kind) {
    case DDB_FIELD_STRING:
        free(*AT(obj, f->offset, char *));
        *AT(obj, f->offset, char *) = NULL;
        break;
    case DDB_FIELD_DECIMAL:
        free(AT(obj, f->offset, ddb_decimal)->text);
        AT(obj, f->offset, ddb_decimal)->text = NULL;
        break;
    case DDB_FIELD_VALUE:
        ddb_value_free(*AT(obj, f->offset, ddb_value *));
        *AT(obj, f->offset, ddb_value *) = NULL;
        break;
    case DDB_FIELD_UUID:
        memset(AT(obj, f->offset, char), 0, 37);
        break;
    default:
        memset(AT(obj, f->offset, char), 0, elem_size(f->kind));
        break;
    }
}

/* A copy of the scalar of kind k at src into dst (empty); false when out of memory. */
static bool copy_scalar(ddb_field_kind k, void *dst, const void *src, bool in_list)
{
    const char *s;
    switch (k) {
    case DDB_FIELD_VALUE:
        *(ddb_value **)dst = NULL;
        return !*(ddb_value *const *)src ||
               ddb_value_copy((ddb_value **)dst, *(ddb_value *const *)src, NULL) == 0;
    case DDB_FIELD_DECIMAL:
    case DDB_FIELD_STRING:
        s = scalar_text(k, src, in_list);
        *(char **)dst = s ? ddb_conf_text(s) : NULL;
        return !s || *(char **)dst;
    case DDB_FIELD_UUID:
        if (!in_list) {
            memcpy(dst, src, 37);
            return true;
        }
        s = scalar_text(k, src, in_list);
        *(char **)dst = s ? ddb_conf_text(s) : NULL;
        return !s || *(char **)dst;
    default:
        memcpy(dst, src, elem_size(k));
        return true;
    }
}

/* Field t of dst (empty) becomes a deep copy of field f of src (of the same kind and shape; t
   and f differ when src is of another entity type). */
static bool copy_field(const ddb_field_desc *t, void *dst, const ddb_field_desc *f, const void *src)
{
    size_t n, sz;
    const char *from;
    char *items;
    if (!t->is_list) {
        if (t->has_offset != DDB_ENTITY_NO_OFFSET)
            *AT(dst, t->has_offset, bool) = field_present(f, src);
        return copy_scalar(t->kind, AT(dst, t->offset, char), CAT(src, f->offset, char), false);
    }
    n = *CAT(src, f->count_offset, size_t);
    from = *CAT(src, f->offset, char *);
    if (!from)
        return true;
    sz = elem_size(t->kind);
    items = calloc(n ? n : 1, sz);
    if (!items)
        return false;
    *AT(dst, t->offset, char *) = items;
    for (size_t j = 0; j < n; j++) {
        *AT(dst, t->count_offset, size_t) = j;
        if (!copy_scalar(t->kind, items + j * sz, from + j * sz, true))
            return false;
    }
    *AT(dst, t->count_offset, size_t) = n;
    return true;
}

int ddb_conf_entity_copy(void *dst, const ddb_entity_desc *d, const void *src)
{
    void *tmp = calloc(1, d->size ? d->size : 1);
    if (!tmp)
        return DDB_ERR_NOMEM;
    for (size_t i = 0; i < d->n_fields; i++)
        if (!copy_field(&d->fields[i], tmp, &d->fields[i], src)) {
            ddb_entity_free(d, tmp);
            free(tmp);
            return DDB_ERR_NOMEM;
        }
    if (d->version_offset != DDB_ENTITY_NO_OFFSET)
        *AT(tmp, d->version_offset, int64_t) = *CAT(src, d->version_offset, int64_t);
    memcpy(dst, tmp, d->size);
    free(tmp);
    return 0;
}

/* Whether a primary key template of d uses field i. */
static bool in_primary_key(const ddb_entity_desc *d, size_t i)
{
    for (size_t k = 0; k < d->n_primary && k < d->n_keys; k++)
        for (size_t p = 0; p < d->keys[k].n_parts; p++)
            if (!d->keys[k].parts[p].literal && d->keys[k].parts[p].field == (int)i)
                return true;
    return false;
}

void ddb_conf_clear_optional(const ddb_entity_desc *d, void *obj)
{
    for (size_t i = 0; i < d->n_fields; i++)
        if (!d->fields[i].required && !in_primary_key(d, i))
            clear_field(&d->fields[i], obj);
}

/* *dst (fresh) becomes a deep copy of src, version included. */
bool ddb_conf_clone(ddb_conf *c, const ddb_entity_desc *d, void *dst, const void *src)
{
    int rc = ddb_conf_entity_copy(dst, d, src);
    if (rc != 0)
        return ddb_conf_fail(c, "copy of a %s: %s", d->name, ddb_error_code_name(rc));
    return true;
}

static const ddb_field_desc *field_named(const ddb_entity_desc *d, const char *name)
{
    for (size_t i = 0; i < d->n_fields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return &d->fields[i];
    return NULL;
}

/* Field t of dst (empty) takes the value of field f of src, a field of another entity type
   with the same name: a copy when the kinds match, else converted through its text (string,
   UUID, integer and decimal scalars), as the item would convert it. */
static void copy_across(const ddb_field_desc *t, void *dst, const ddb_field_desc *f,
                        const void *src)
{
    char num[32];
    const char *s;
    if (!field_present(f, src))
        return;
    if (t->kind == f->kind && t->is_list == f->is_list) {
        if (!copy_field(t, dst, f, src))
            clear_field(t, dst);
        return;
    }
    if (t->is_list || f->is_list)
        return;
    if (f->kind == DDB_FIELD_INT64) {
        snprintf(num, sizeof num, "%lld", (long long)*CAT(src, f->offset, int64_t));
        s = num;
    } else {
        s = scalar_text(f->kind, CAT(src, f->offset, char), false);
    }
    if (!s)
        return;
    switch (t->kind) {
    case DDB_FIELD_STRING:
        *AT(dst, t->offset, char *) = ddb_conf_text(s);
        break;
    case DDB_FIELD_DECIMAL:
        ddb_decimal_set(AT(dst, t->offset, ddb_decimal), s, NULL);
        break;
    case DDB_FIELD_UUID:
        if (!ddb_uuid_valid(s))
            return;
        snprintf(AT(dst, t->offset, char), 37, "%s", s);
        break;
    case DDB_FIELD_INT64:
        *AT(dst, t->offset, int64_t) = strtoll(s, NULL, 10);
        break;
    default:
        return;
    }
    if (t->has_offset != DDB_ENTITY_NO_OFFSET)
        *AT(dst, t->has_offset, bool) = true;
}

/* The fields named (model names) take the values of the same fields of src (of type ds). */
void ddb_conf_copy_fields_from(const ddb_entity_desc *d, void *dst, const ddb_entity_desc *ds,
                               const void *src, const char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const ddb_field_desc *t = field_named(d, names[k]), *f = field_named(ds, names[k]);
        if (!t)
            continue;
        clear_field(t, dst);
        if (f)
            copy_across(t, dst, f, src);
    }
}

void ddb_conf_copy_fields(const ddb_entity_desc *d, void *dst, const void *src,
                          const char *const *names, size_t n)
{
    ddb_conf_copy_fields_from(d, dst, d, src, names, n);
}

/* Whether a and b (entities of d) have the same values in the fields named; *differs gets
   the first that differs (or that either lacks). */
bool ddb_conf_same_fields(const ddb_entity_desc *d, const void *a, const void *b,
                          const char *const *names, size_t n, const char **differs)
{
    for (size_t k = 0; k < n; k++) {
        const ddb_field_desc *f = field_named(d, names[k]);
        if (!f || !field_present(f, a) || !field_present(f, b) || !same_field(f, a, b)) {
            *differs = names[k];
            return false;
        }
    }
    return true;
}

/* Keeps a copy of an entity the case wrote, so that the case deletes it at its end. */
void ddb_conf_remember(ddb_conf *c, const ddb_entity_desc *d, const void *obj)
{
    void *copy;
    if (c->n_written == DDB_CONF_MAX_WRITTEN) {
        /* it would stay in the store: say so */
        ddb_conf_fail(c, "more than %d entities written in one case: not all are deleted",
                      DDB_CONF_MAX_WRITTEN);
        return;
    }
    copy = calloc(1, d->size);
    if (!copy)
        return;
    if (!ddb_conf_clone(c, d, copy, obj)) {
        free(copy);
        return;
    }
    c->written[c->n_written].d = d;
    c->written[c->n_written++].obj = copy;
}

void ddb_conf_listing_start(ddb_conf_listing *l, const ddb_entity_desc *d, const void *want,
                            size_t size, size_t n_want, bool exact, bool full, int sort_key)
{
    memset(l, 0, sizeof *l);
    for (size_t k = 0; k < n_want && k < DDB_CONF_LISTING_MAX; k++) {
        l->d[k] = d;
        l->want[k] = (const char *)want + k * size;
    }
    l->n_want = n_want < DDB_CONF_LISTING_MAX ? n_want : DDB_CONF_LISTING_MAX;
    l->exact = exact;
    l->full = full;
    l->sort_key = sort_key;
    l->check_pages = exact;
}

/* One more entity written (of another type: mixed_data). */
void ddb_conf_listing_more(ddb_conf_listing *l, const ddb_entity_desc *d, const void *obj)
{
    if (l->n_want == DDB_CONF_LISTING_MAX)
        return;
    l->d[l->n_want] = d;
    l->want[l->n_want++] = obj;
}

static int compare_keys(const ddb_value *a, const ddb_value *b)
{
    const char *na = ddb_value_n(a), *nb = ddb_value_n(b);
    if (na && nb) {
        double x = strtod(na, NULL), y = strtod(nb, NULL);
        return x < y ? -1 : x > y;
    }
    if (ddb_value_s(a, NULL) && ddb_value_s(b, NULL))
        return strcmp(ddb_value_s(a, NULL), ddb_value_s(b, NULL));
    return 0;
}

void ddb_conf_listing_add(ddb_conf *c, ddb_conf_listing *l, const ddb_entity_desc *d,
                          const void *got)
{
    ddb_value *key = NULL, *sk = NULL;
    size_t match = l->n_want;
    l->n_got++;
    if (!l->full)
        return; /* projected: no key to match it by; listing_end counts */
    if (ddb_entity_key(&key, d, got, NULL) != 0) {
        ddb_conf_fail(c, "call: item %zu has no complete primary key", l->n_got);
        return;
    }
    for (size_t k = 0; k < l->n_want && match == l->n_want; k++) {
        ddb_value *wk = NULL;
        if (l->d[k] == d && ddb_entity_key(&wk, d, l->want[k], NULL) == 0 &&
            ddb_value_equal(wk, key))
            match = k;
        ddb_value_free(wk);
    }
    if (match == l->n_want) {
        char kj[300];
        const char *field = NULL;
        ddb_conf_json_of(kj, sizeof kj, key);
        if (l->n_open && l->n_want > 0 && l->d[0] == d &&
            !ddb_conf_same_fields(d, l->want[0], got, l->open_names, l->n_open, &field))
            ddb_conf_fail(
                c,
                "call: item %zu (key %s) was not written by this case and its '%s' is not "
                "the one queried",
                l->n_got, kj, field ? field : "?");
        else if (l->exact && !l->n_open)
            ddb_conf_fail(c, "call: item %zu (key %s) was not written by this case", l->n_got, kj);
    } else if (l->dropped[match]) {
        ddb_conf_fail(c, "call: item %zu (the case's item %zu) came back, but the filter drops it",
                      l->n_got, match);
    } else if (l->seen[match]) {
        ddb_conf_fail(c, "call: item %zu (the case's item %zu) came back twice", l->n_got, match);
    } else {
        char step[64];
        l->seen[match] = true;
        snprintf(step, sizeof step, "call, item %zu", l->n_got);
        ddb_conf_same_entity(c, step, d, l->want[match], got, l->full);
    }
    if (l->sort_key >= 0 && ddb_entity_key_value(&sk, d, (size_t)l->sort_key, got, NULL) == 0 &&
        sk) {
        int order = l->prev ? compare_keys(l->prev, sk) : 0;
        if (l->descending ? order < 0 : order > 0) {
            char a[200], b[200];
            ddb_conf_json_of(a, sizeof a, l->prev);
            ddb_conf_json_of(b, sizeof b, sk);
            ddb_conf_fail(c,
                          "call: item %zu (sort key %s) comes after %s: not in %s sort key order",
                          l->n_got, b, a, l->descending ? "descending" : "ascending");
        }
        ddb_value_free(l->prev);
        l->prev = sk;
        sk = NULL;
    }
    ddb_value_free(sk);
    ddb_value_free(key);
}

void ddb_conf_listing_end(ddb_conf *c, ddb_conf_listing *l)
{
    size_t missing = 0, first = 0;
    for (size_t k = l->n_want; k-- > 0;)
        if (!l->seen[k] && !l->dropped[k]) {
            missing++;
            first = k;
        }
    if (!l->full) {
        /* an index that projects some attributes only: entities without their key fields
           cannot be matched to the ones written, so only their number is checked */
        size_t want = 0;
        bool exact = l->exact && !l->n_open;
        for (size_t k = 0; k < l->n_want; k++)
            want += !l->dropped[k];
        if (exact ? l->n_got != want : l->n_got < want)
            ddb_conf_fail(c, "call: %zu items came back, expected %s%zu", l->n_got,
                          exact ? "" : "at least ", want);
        missing = 0;
    }
    if (missing && !c->failed)
        ddb_conf_fail(c, "call: %zu of the items written did not come back (the first: item %zu)",
                      missing, first);
    if (!c->failed && l->check_pages && c->page_limit > 0 &&
        l->n_want > 2 * (size_t)c->page_limit && l->pages < 3)
        ddb_conf_fail(c, "call: %zu items at %d per page came in %zu pages, expected 3 or more",
                      l->n_want, c->page_limit, l->pages);
    ddb_value_free(l->prev);
    l->prev = NULL;
}

/* ---- references ------------------------------------------------------------------------------ */

bool ddb_conf_on_chain(const ddb_conf_chain *ch, int kind)
{
    for (; ch; ch = ch->up)
        if (ch->kind == kind)
            return true;
    return false;
}

const ddb_conf_ref *ddb_conf_ref_find(ddb_conf *c, int owner, size_t field, int i)
{
    for (size_t k = 0; k < c->n_refs; k++)
        if (c->refs[k].owner == owner && c->refs[k].field == (int)field && c->refs[k].item == i)
            return &c->refs[k].v;
    return NULL;
}

const ddb_conf_ref *ddb_conf_ref_keep(ddb_conf *c, int owner, size_t field, int i, ddb_conf_ref *v)
{
    if (c->n_refs == DDB_CONF_MAX_REFS) {
        ddb_conf_fail(c, "more than %zu references made in one case", c->n_refs);
        return NULL;
    }
    c->refs[c->n_refs].owner = owner;
    c->refs[c->n_refs].field = (int)field;
    c->refs[c->n_refs].item = i;
    c->refs[c->n_refs].v = *v;
    v->s = NULL;
    return &c->refs[c->n_refs++].v;
}

/* ---- the driver ------------------------------------------------------------------------------ */

/* Deletes what the case wrote (version 0: unchecked), whatever the case left, newest first. */
static void clean_up(const ddb_conformance_suite *s, ddb_conf *c)
{
    for (size_t k = c->n_written; k-- > 0;) {
        const ddb_entity_desc *d = c->written[k].d;
        void *obj = c->written[k].obj;
        *(int64_t *)((char *)obj + d->version_offset) = 0;
        s->delete_entity(c->repo, d, obj);
        ddb_entity_free(d, obj);
        free(obj);
    }
    c->n_written = 0;
    for (size_t k = 0; k < c->n_refs; k++)
        free(c->refs[k].v.s);
    c->n_refs = 0;
}

int ddb_conformance_run_index(const ddb_conformance_suite *s, void *repo, size_t index,
                              const ddb_conformance_options *o, ddb_conformance_report *out)
{
    static const ddb_conformance_options defaults = DDB_CONFORMANCE_OPTIONS_INIT;
    static const char run_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    ddb_conf *c;
    const char *run;
    bool failed;

    if (!o)
        o = &defaults;
    run = o->run_id ? o->run_id : "conf";
    if (!s || !repo || index >= s->n_cases || o->version != 1 || o->page_limit < 0 || !*run ||
        strlen(run) > 40 || strspn(run, run_chars) != strlen(run))
        return DDB_ERR_INVALID_ARG;
    /* about 14 KB: on the heap, so that cases run on small thread stacks too */
    c = calloc(1, sizeof *c);
    if (!c)
        return DDB_ERR_NOMEM;
    c->repo = repo;
    c->run = run;
    c->page_limit = o->page_limit ? o->page_limit : 2;
    c->log = o->log;
    c->log_ctx = o->log_ctx;
    c->case_name = s->cases[index].name;
    c->pattern = s->cases[index].pattern;
    c->case_index = (unsigned)index;
    /* FNV-1a of the run id: integer and UUID keys of different runs differ */
    c->hash = 2166136261u;
    for (const char *p = run; *p; p++)
        c->hash = (c->hash ^ (unsigned char)*p) * 16777619u;
    c->base = 1000000000 + (int64_t)(c->hash % 1000000) * 1000000;
    s->case_fns[index](c);
    clean_up(s, c);
    failed = c->failed;
    if (out) {
        out->n_run++;
        if (failed) {
            out->n_failed++;
            if (!out->first_failure[0])
                snprintf(out->first_failure, sizeof out->first_failure, "%s", c->first);
        } else {
            out->n_passed++;
        }
    }
    free(c);
    return failed ? 1 : 0;
}

int ddb_conformance_run(const ddb_conformance_suite *s, void *repo,
                        const ddb_conformance_options *o, ddb_conformance_report *out)
{
    int failed = 0;
    if (!s)
        return DDB_ERR_INVALID_ARG;
    for (size_t i = 0; i < s->n_cases; i++) {
        int rc = ddb_conformance_run_index(s, repo, i, o, out);
        if (rc < 0)
            return rc;
        failed += rc;
    }
    return failed;
}

int ddb_conformance_run_case(const ddb_conformance_suite *s, void *repo, const char *name,
                             const ddb_conformance_options *o, ddb_conformance_report *out)
{
    for (size_t i = 0; s && name && i < s->n_cases; i++)
        if (strcmp(s->cases[i].name, name) == 0)
            return ddb_conformance_run_index(s, repo, i, o, out);
    return DDB_ERR_INVALID_ARG;
}
