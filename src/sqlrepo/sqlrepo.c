/*
 * The storage members of a generated repository over libddbkit-sql: see ddb/sqlrepo/sqlrepo.h.
 *
 * A struct goes to a row through its item (ddb_entity_to_item, which checks required fields,
 * UUIDs and decimals and writes computed fields) and comes back through one
 * (ddb_entity_from_item), so the conversions and their checks are the DynamoDB side's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/sqlrepo/sqlrepo.h"

#define AT(obj, off, type) ((type *)((char *)(obj) + (off)))
#define CAT_(obj, off, type) ((const type *)((const char *)(obj) + (off)))

/* ---- text -------------------------------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->failed)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
}

static int sb_done(sbuf *b, ddb_error *err)
{
    if (b->failed || !b->s)
        return ddb_error_set(err, DDB_ERR_NOMEM, "sql repository: out of memory");
    return 0;
}

static char quote_of(ddb_sql_conn *c)
{
    return ddb_sql_conn_dialect(c) == DDB_SQL_MARIADB ? '`' : '"';
}

/* A quoted identifier: names come from the model (validated) and the caller's prefix. */
static void sb_ident(sbuf *b, ddb_sql_conn *c, const char *prefix, const char *name)
{
    char q = quote_of(c);
    sb_printf(b, "%c%s%s%c", q, prefix ? prefix : "", name, q);
}

static const ddb_entity_desc *desc_of(const ddb_sql_entity *e)
{
    return e->store->entity;
}

static int bad_entity(const ddb_sql_entity *e, ddb_error *err)
{
    if (!e || e->version != DDB_SQL_ENTITY_VERSION || !e->store || !e->store->entity || !e->table ||
        !e->n_key || !e->key)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "sql repository: bad entity descriptor");
    return 0;
}

/* ---- values ------------------------------------------------------------------------------------ */

/* The parameters of one row: a value per field (NULL: none), what they point into. */
typedef struct row {
    size_t n;
    ddb_sql_param *p;
    char **owned;
    ddb_value *item;
} row;

static void row_free(row *r)
{
    for (size_t i = 0; r->owned && i < r->n; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->p);
    ddb_value_free(r->item);
    memset(r, 0, sizeof *r);
}

static int param_of(row *r, size_t i, const ddb_field_desc *f, const ddb_value *v, ddb_error *err)
{
    if (!v) {
        r->p[i] = DDB_SQL_P_NULL;
        return 0;
    }
    if (f->is_list || f->kind == DDB_FIELD_VALUE) {
        int rc = ddb_value_to_json(&r->owned[i], v, err);
        if (rc < 0)
            return rc;
        r->p[i] = DDB_SQL_P_TEXT(r->owned[i]);
        return 0;
    }
    switch (f->kind) {
    case DDB_FIELD_INT64: {
        int64_t n = 0;
        int rc = ddb_value_n_i64(v, &n, err);
        if (rc < 0)
            return rc;
        r->p[i] = DDB_SQL_P_INT(n);
        return 0;
    }
    case DDB_FIELD_DECIMAL:
        r->p[i] = DDB_SQL_P_TEXT(ddb_value_n(v));
        return 0;
    case DDB_FIELD_BOOL:
        /* '1'/'0' as text: every dialect's boolean (or integer) column takes it. */
        r->p[i] = DDB_SQL_P_TEXT(ddb_value_bool(v) ? "1" : "0");
        return 0;
    default:
        r->p[i] = DDB_SQL_P_TEXT(ddb_value_s(v, NULL));
        return 0;
    }
}

/* The row of obj. With keys_only, only the key fields are checked and filled. */
static int row_of(row *r, const ddb_sql_entity *e, const void *obj, bool keys_only, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    int rc;
    memset(r, 0, sizeof *r);
    r->n = d->n_fields;
    r->p = calloc(d->n_fields + 1, sizeof *r->p);
    r->owned = calloc(d->n_fields + 1, sizeof *r->owned);
    if (!r->p || !r->owned) {
        row_free(r);
        ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
        return DDB_ERR_NOMEM;
    }
    if (keys_only) {
        /* The key fields alone (a key struct has no other values): their attributes one by one. */
        for (size_t k = 0; k < e->n_key; k++) {
            const ddb_field_desc *f = &d->fields[e->key[k]];
            ddb_value *m = NULL;
            ddb_entity_desc one = *d;
            one.n_fields = 1;
            one.fields = f;
            one.n_keys = 0;
            one.n_primary = 0;
            one.n_computed = 0;
            one.keys = NULL;
            one.computed = NULL;
            rc = ddb_entity_to_item(&m, &one, obj, err);
            if (rc == 0 && !ddb_value_m_get(m, f->name))
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: a key field has no value",
                                   d->name, f->name);
            if (rc == 0)
                rc = param_of(r, (size_t)e->key[k], f, ddb_value_m_get(m, f->name), err);
            if (rc == 0 && r->p[e->key[k]].type == DDB_SQL_TEXT && !r->owned[e->key[k]]) {
                /* the text lives in m: keep a copy */
                r->owned[e->key[k]] = strdup(r->p[e->key[k]].s);
                if (!r->owned[e->key[k]])
                    rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
                r->p[e->key[k]].s = r->owned[e->key[k]];
            }
            ddb_value_free(m);
            if (rc < 0) {
                row_free(r);
                return rc;
            }
        }
        return 0;
    }
    rc = ddb_entity_to_item(&r->item, d, obj, err);
    for (size_t i = 0; rc == 0 && i < d->n_fields; i++)
        rc = param_of(r, i, &d->fields[i], ddb_value_m_get(r->item, d->fields[i].name), err);
    if (rc != 0) {
        row_free(r);
        return rc < 0 ? rc : DDB_ERR_INVALID_ARG;
    }
    return 0;
}

/* Fills out (fresh from __INIT) from the current row: fields in columns 0..n_fields-1, then the
 * version. */
static int struct_of(void *out, const ddb_sql_entity *e, ddb_sql_rows *rows, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    ddb_value *item = NULL;
    int rc = ddb_value_new_m(&item, err);
    for (size_t i = 0; rc == 0 && i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        const char *t = ddb_sql_text(rows, (int)i);
        ddb_value *v = NULL;
        if (ddb_sql_is_null(rows, (int)i) || !t)
            continue;
        if (f->is_list || f->kind == DDB_FIELD_VALUE)
            rc = ddb_value_from_json(&v, t, strlen(t), err);
        else if (f->kind == DDB_FIELD_INT64 || f->kind == DDB_FIELD_DECIMAL)
            rc = ddb_value_new_n(&v, t, err);
        else if (f->kind == DDB_FIELD_BOOL)
            rc = ddb_value_new_bool(
                &v, strcmp(t, "1") == 0 || strcmp(t, "t") == 0 || strcmp(t, "true") == 0, err);
        else
            rc = ddb_value_new_s(&v, t, err);
        if (rc == 0)
            rc = ddb_value_m_set_take(item, f->name, v, err);
        else
            ddb_value_free(v);
    }
    if (rc == 0)
        rc = ddb_entity_from_item(out, d, item, err);
    if (rc == 0 && d->version_offset != DDB_ENTITY_NO_OFFSET)
        *AT(out, d->version_offset, int64_t) = ddb_sql_int(rows, (int)d->n_fields);
    ddb_value_free(item);
    return rc;
}

static int64_t version_in(const ddb_entity_desc *d, const void *obj)
{
    return d->version_offset == DDB_ENTITY_NO_OFFSET ? 0 : *CAT_(obj, d->version_offset, int64_t);
}

static void set_version(const ddb_entity_desc *d, void *obj, int64_t v)
{
    if (d->version_offset != DDB_ENTITY_NO_OFFSET)
        *AT(obj, d->version_offset, int64_t) = v;
}

static const char *version_column(const ddb_entity_desc *d)
{
    return d->version_attribute ? d->version_attribute : "_version";
}

/* ---- statements -------------------------------------------------------------------------------- */

/* " WHERE k1 = ? AND k2 = ?" and the key parameters of r into p (n_key of them). */
static void sb_where_key(sbuf *b, ddb_sql_conn *c, const ddb_sql_entity *e, const row *r,
                         ddb_sql_param *p)
{
    for (size_t k = 0; k < e->n_key; k++) {
        sb_printf(b, k ? " AND " : " WHERE ");
        sb_ident(b, c, NULL, desc_of(e)->fields[e->key[k]].name);
        sb_printf(b, " = ?");
        p[k] = r->p[e->key[k]];
    }
}

static void sb_columns(sbuf *b, ddb_sql_conn *c, const ddb_sql_entity *e)
{
    const ddb_entity_desc *d = desc_of(e);
    for (size_t i = 0; i < d->n_fields; i++) {
        sb_ident(b, c, NULL, d->fields[i].name);
        sb_printf(b, ", ");
    }
    sb_ident(b, c, NULL, version_column(d));
}

static bool is_key(const ddb_sql_entity *e, size_t field)
{
    for (size_t k = 0; k < e->n_key; k++)
        if ((size_t)e->key[k] == field)
            return true;
    return false;
}

/*
 * A constraint failure of a write, in the DynamoDB side's terms: the primary key is
 * DDB_ERR_ITEM_EXISTS, a unique value set DDB_ERR_UNIQUE_TAKEN naming it. libddbkit-sql's message
 * is "UNIQUE constraint failed: <table>.<column>[, ...]" in every dialect.
 */
static int map_unique(const ddb_sql_entity *e, int rc, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    const ddb_store_desc *s = e->store;
    const char *msg;
    bool cols[256] = {false};
    size_t n_cols = 0;
    if (rc != DDB_ERR_CONDITION_FAILED || !err)
        return rc;
    msg = err->message;
    if (strncmp(msg, "UNIQUE constraint failed: ", 26) != 0)
        return rc;
    for (const char *p = msg + 26; *p;) {
        const char *end = strstr(p, ", ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *dot = memchr(p, '.', len);
        const char *name = dot ? dot + 1 : p;
        size_t nlen = len - (size_t)(name - p);
        for (size_t i = 0; i < d->n_fields && i < 256; i++)
            if (strlen(d->fields[i].name) == nlen && strncmp(d->fields[i].name, name, nlen) == 0 &&
                !cols[i]) {
                cols[i] = true;
                n_cols++;
            }
        p = end ? end + 2 : p + len;
    }
    if (n_cols == e->n_key) {
        bool all = true;
        for (size_t k = 0; k < e->n_key; k++)
            all = all && e->key[k] < 256 && cols[e->key[k]];
        if (all)
            return ddb_error_set(err, DDB_ERR_ITEM_EXISTS, "%s: an item with this key exists",
                                 d->name);
    }
    for (size_t u = 0; u < s->n_unique; u++) {
        bool all = s->unique[u].n_fields == n_cols;
        for (size_t f = 0; all && f < s->unique[u].n_fields; f++)
            all = s->unique[u].fields[f] < 256 && cols[s->unique[u].fields[f]];
        if (all) {
            char name[128];
            snprintf(name, sizeof name, "%s", s->unique[u].name);
            rc = ddb_error_set(err, DDB_ERR_UNIQUE_TAKEN, "%s.%s: the value is taken", d->name,
                               name);
            ddb_error_set_field(err, name);
            return rc;
        }
    }
    return rc;
}

/* ---- IDs --------------------------------------------------------------------------------------- */

static bool counted(const ddb_store_desc *s)
{
    return s->id_strategy == DDB_ID_COUNTER || s->id_strategy == DDB_ID_SOURCE;
}

/* Creates the counter's row (at start - 1) unless it exists. */
static int counter_row(ddb_sql_conn *c, const char *prefix, const ddb_store_desc *s, ddb_error *err)
{
    sbuf b = {0};
    ddb_sql_param p[2] = {DDB_SQL_P_TEXT(s->counter), DDB_SQL_P_INT(s->start - 1)};
    ddb_sql_dialect dl = ddb_sql_conn_dialect(c);
    int rc;
    sb_printf(&b, "%s ",
              dl == DDB_SQL_SQLITE    ? "INSERT OR IGNORE INTO"
              : dl == DDB_SQL_MARIADB ? "INSERT IGNORE INTO"
                                      : "INSERT INTO");
    sb_ident(&b, c, prefix, DDB_SQL_COUNTER_TABLE);
    sb_printf(&b, " (name, last_id) VALUES (?, ?)%s",
              dl == DDB_SQL_POSTGRES ? " ON CONFLICT (name) DO NOTHING" : "");
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, 2, NULL, NULL, err);
    free(b.s);
    return rc;
}

static int counter_read(int64_t *out, ddb_sql_conn *c, const char *prefix, const ddb_store_desc *s,
                        ddb_error *err)
{
    sbuf b = {0};
    ddb_sql_param p[1] = {DDB_SQL_P_TEXT(s->counter)};
    ddb_sql_rows *rows = NULL;
    int rc;
    sb_printf(&b, "SELECT last_id FROM ");
    sb_ident(&b, c, prefix, DDB_SQL_COUNTER_TABLE);
    sb_printf(&b, " WHERE name = ?");
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_query(c, b.s, p, 1, &rows, err);
    *out = 0;
    if (rc == 0 && ddb_sql_next(rows) == 1)
        *out = ddb_sql_int(rows, 0);
    ddb_sql_rows_free(rows);
    free(b.s);
    return rc;
}

/* The next ID of a counter: one UPDATE of its row. */
static int counter_next(int64_t *out, ddb_sql_conn *c, const char *prefix, const ddb_store_desc *s,
                        ddb_error *err)
{
    sbuf b = {0};
    ddb_sql_param p[1] = {DDB_SQL_P_TEXT(s->counter)};
    int rc = counter_row(c, prefix, s, err);
    sb_printf(&b, "UPDATE ");
    sb_ident(&b, c, prefix, DDB_SQL_COUNTER_TABLE);
    sb_printf(&b, " SET last_id = last_id + 1 WHERE name = ?");
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, 1, NULL, NULL, err);
    if (rc == 0)
        rc = counter_read(out, c, prefix, s, err);
    free(b.s);
    return rc;
}

static bool id_present(const ddb_field_desc *f, const void *obj)
{
    switch (f->kind) {
    case DDB_FIELD_STRING:
        return *CAT_(obj, f->offset, char *) != NULL;
    case DDB_FIELD_DECIMAL:
        return CAT_(obj, f->offset, ddb_decimal)->text != NULL;
    case DDB_FIELD_UUID:
        return CAT_(obj, f->offset, char)[0] != '\0';
    case DDB_FIELD_INT64:
        if (f->has_offset != DDB_ENTITY_NO_OFFSET && !*CAT_(obj, f->has_offset, bool))
            return false;
        return *CAT_(obj, f->offset, int64_t) != 0;
    default:
        return true;
    }
}

/* Fills obj's ID field when it has no value, as ddb_store_assign_id does. */
static int assign_id(ddb_sql_conn *c, const char *prefix, const ddb_store_desc *s, void *obj,
                     ddb_error *err)
{
    const ddb_field_desc *f;
    char text[40];
    int rc = 0;
    if (s->id_strategy == DDB_ID_NONE || s->id_field < 0)
        return 0;
    f = &s->entity->fields[s->id_field];
    if (id_present(f, obj))
        return 0;
    if (counted(s)) {
        int64_t n = 0;
        rc = counter_next(&n, c, prefix, s, err);
        if (rc < 0)
            return rc;
        if (f->kind == DDB_FIELD_INT64) {
            *AT(obj, f->offset, int64_t) = n;
            if (f->has_offset != DDB_ENTITY_NO_OFFSET)
                *AT(obj, f->has_offset, bool) = true;
            return 0;
        }
        snprintf(text, sizeof text, "%" PRId64, n);
    } else if (s->id_strategy == DDB_ID_UUID) {
        rc = ddb_uuid_v4(text, err);
    } else {
        rc = ddb_ulid_new(text, err);
    }
    if (rc < 0)
        return rc;
    if (f->kind == DDB_FIELD_UUID) {
        memcpy(AT(obj, f->offset, char), text, 37);
        if (f->has_offset != DDB_ENTITY_NO_OFFSET)
            *AT(obj, f->has_offset, bool) = true;
    } else if (f->kind == DDB_FIELD_DECIMAL) {
        rc = ddb_decimal_set(AT(obj, f->offset, ddb_decimal), text, err);
    } else if (f->kind == DDB_FIELD_STRING) {
        char *dup = strdup(text);
        if (!dup)
            return ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", s->entity->name);
        *AT(obj, f->offset, char *) = dup;
    } else {
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: this ID strategy cannot fill it",
                           s->entity->name, f->name);
    }
    return rc;
}

/* ---- the operations on one connection ---------------------------------------------------------- */

static int stored_version(int64_t *out, bool *found, ddb_sql_conn *c, const char *prefix,
                          const ddb_sql_entity *e, const row *r, ddb_error *err);

static int do_insert(ddb_sql_conn *c, const char *prefix, const ddb_sql_entity *e, const void *obj,
                     int64_t version, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    sbuf b = {0};
    row r;
    int rc = row_of(&r, e, obj, false, err);
    if (rc < 0)
        return rc;
    sb_printf(&b, "INSERT INTO ");
    sb_ident(&b, c, prefix, e->table);
    sb_printf(&b, " (");
    sb_columns(&b, c, e);
    sb_printf(&b, ") VALUES (");
    for (size_t i = 0; i < d->n_fields; i++)
        sb_printf(&b, "?, ");
    sb_printf(&b, "?)");
    r.p[d->n_fields] = DDB_SQL_P_INT(version);
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = map_unique(e, ddb_sql_exec(c, b.s, r.p, d->n_fields + 1, NULL, NULL, err), err);
    if (rc == DDB_ERR_UNIQUE_TAKEN) {
        /* The engine may check a unique value before the key; DynamoDB's answer is the key's. */
        int64_t v = 0;
        bool found = false;
        if (stored_version(&v, &found, c, prefix, e, &r, NULL) == 0 && found)
            rc = ddb_error_set(err, DDB_ERR_ITEM_EXISTS, "%s: an item with this key exists",
                               d->name);
    }
    free(b.s);
    row_free(&r);
    return rc;
}

static int op_create(ddb_sql_conn *c, const char *prefix, const ddb_sql_entity *e, void *obj,
                     ddb_error *err)
{
    int rc = assign_id(c, prefix, e->store, obj, err);
    if (rc == 0)
        rc = ddb_entity_compute(desc_of(e), obj, err);
    if (rc == 0)
        rc = do_insert(c, prefix, e, obj, 1, err);
    return rc;
}

/* The stored version of the row of r's key into *out; *found false when there is none. */
static int stored_version(int64_t *out, bool *found, ddb_sql_conn *c, const char *prefix,
                          const ddb_sql_entity *e, const row *r, ddb_error *err)
{
    sbuf b = {0};
    ddb_sql_param p[16];
    ddb_sql_rows *rows = NULL;
    int rc;
    sb_printf(&b, "SELECT ");
    sb_ident(&b, c, NULL, version_column(desc_of(e)));
    sb_printf(&b, " FROM ");
    sb_ident(&b, c, prefix, e->table);
    sb_where_key(&b, c, e, r, p);
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_query(c, b.s, p, e->n_key, &rows, err);
    *found = false;
    if (rc == 0 && ddb_sql_next(rows) == 1) {
        *found = true;
        *out = ddb_sql_int(rows, 0);
    }
    ddb_sql_rows_free(rows);
    free(b.s);
    return rc;
}

/*
 * UPDATE of every field but the key, the version + 1; checked against `expect` when strict or
 * nonzero. *new_version gets the stored one after it.
 */
static int op_update(int64_t *new_version, ddb_sql_conn *c, const char *prefix,
                     const ddb_sql_entity *e, void *obj, bool strict, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    int64_t expect = version_in(d, obj), changed = 0, stored = 0;
    bool found = false, check = strict || expect != 0;
    ddb_sql_param *p = NULL;
    size_t n = 0;
    sbuf b = {0};
    row r = {0};
    int rc = ddb_entity_compute(d, obj, err);
    if (rc == 0)
        rc = row_of(&r, e, obj, false, err);
    if (rc != 0 || !r.p)
        return rc < 0 ? rc : DDB_ERR_INVALID_ARG;
    p = calloc(d->n_fields + 2, sizeof *p);
    if (!p) {
        row_free(&r);
        return ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
    }
    sb_printf(&b, "UPDATE ");
    sb_ident(&b, c, prefix, e->table);
    sb_printf(&b, " SET ");
    for (size_t i = 0; i < d->n_fields; i++) {
        if (is_key(e, i))
            continue;
        sb_ident(&b, c, NULL, d->fields[i].name);
        sb_printf(&b, " = ?, ");
        p[n++] = r.p[i];
    }
    sb_ident(&b, c, NULL, version_column(d));
    sb_printf(&b, " = ");
    sb_ident(&b, c, NULL, version_column(d));
    sb_printf(&b, " + 1");
    sb_where_key(&b, c, e, &r, p + n);
    n += e->n_key;
    if (check) {
        sb_printf(&b, " AND ");
        sb_ident(&b, c, NULL, version_column(d));
        sb_printf(&b, " = ?");
        p[n++] = DDB_SQL_P_INT(expect);
    }
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = map_unique(e, ddb_sql_exec(c, b.s, p, n, NULL, &changed, err), err);
    if (rc == 0)
        rc = stored_version(&stored, &found, c, prefix, e, &r, err);
    if (rc == 0 && !found)
        rc = ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: no item with this key", d->name);
    else if (rc == 0 && changed == 0)
        rc = ddb_error_set(err, DDB_ERR_STALE_VERSION,
                           "%s: stored version %" PRId64 ", expected %" PRId64, d->name, stored,
                           expect);
    if (rc == 0)
        *new_version = stored;
    free(b.s);
    free(p);
    row_free(&r);
    return rc;
}

/* DELETE of obj's key, checked against its version when strict or nonzero. */
static int op_delete(ddb_sql_conn *c, const char *prefix, const ddb_sql_entity *e, const void *obj,
                     bool strict, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    int64_t expect = version_in(d, obj), changed = 0, stored = 0;
    bool found = false, check = expect != 0;
    bool missing_fails = (d->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND) != 0;
    ddb_sql_param p[17];
    sbuf b = {0};
    row r;
    int rc = row_of(&r, e, obj, true, err);
    if (rc < 0)
        return rc;
    sb_printf(&b, "DELETE FROM ");
    sb_ident(&b, c, prefix, e->table);
    sb_where_key(&b, c, e, &r, p);
    if (check) {
        sb_printf(&b, " AND ");
        sb_ident(&b, c, NULL, version_column(d));
        sb_printf(&b, " = ?");
        p[e->n_key] = DDB_SQL_P_INT(expect);
    }
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, e->n_key + (check ? 1 : 0), NULL, &changed, err);
    if (rc == 0 && changed == 0) {
        if (check)
            rc = stored_version(&stored, &found, c, prefix, e, &r, err);
        if (rc == 0 && found)
            rc = ddb_error_set(err, DDB_ERR_STALE_VERSION,
                               "%s: stored version %" PRId64 ", expected %" PRId64, d->name, stored,
                               expect);
        else if (rc == 0 && (missing_fails || (strict && check)))
            rc = ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: no item with this key", d->name);
    }
    free(b.s);
    row_free(&r);
    return rc;
}

static int op_add(ddb_sql_conn *c, const char *prefix, const ddb_sql_write *w, ddb_error *err)
{
    const ddb_sql_entity *e = w->entity;
    const ddb_entity_desc *d = desc_of(e);
    const ddb_field_desc *f = NULL;
    ddb_sql_param p[20];
    size_t n = 0;
    int64_t changed = 0;
    sbuf b = {0};
    row r;
    int rc;
    for (size_t i = 0; w->field && i < d->n_fields; i++)
        if (strcmp(d->fields[i].name, w->field) == 0 && d->fields[i].kind == DDB_FIELD_INT64 &&
            !d->fields[i].is_list && !is_key(e, i))
            f = &d->fields[i];
    if (!f)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s: ADD needs an integer field outside "
                             "the key, not '%s'",
                             d->name, w->field ? w->field : "(null)");
    rc = row_of(&r, e, w->obj, true, err);
    if (rc < 0)
        return rc;
    sb_printf(&b, "UPDATE ");
    sb_ident(&b, c, prefix, e->table);
    sb_printf(&b, " SET ");
    sb_ident(&b, c, NULL, f->name);
    sb_printf(&b, " = ");
    sb_ident(&b, c, NULL, f->name);
    sb_printf(&b, " + ?, ");
    p[n++] = DDB_SQL_P_INT(w->delta);
    sb_ident(&b, c, NULL, version_column(d));
    sb_printf(&b, " = ");
    sb_ident(&b, c, NULL, version_column(d));
    sb_printf(&b, " + 1");
    sb_where_key(&b, c, e, &r, p + n);
    n += e->n_key;
    if (w->min_result != INT64_MIN) {
        sb_printf(&b, " AND ");
        sb_ident(&b, c, NULL, f->name);
        sb_printf(&b, " + ? >= ?");
        p[n++] = DDB_SQL_P_INT(w->delta);
        p[n++] = DDB_SQL_P_INT(w->min_result);
    }
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, n, NULL, &changed, err);
    if (rc == 0 && changed == 0)
        rc = ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "%s.%s: no item, or below %" PRId64,
                           d->name, f->name, w->min_result);
    free(b.s);
    row_free(&r);
    return rc;
}

/* ---- the members ------------------------------------------------------------------------------- */

typedef struct call {
    const ddb_sql_repo_ctx *x;
    const ddb_sql_entity *e;
    void *obj;
    const void *key;
    int64_t version;
    ddb_sql_write *ops;
    size_t n_ops;
    int64_t *versions;
    const void *cobj; /* mirror: the entity (NULL: absent) */
} call;

static int begin_call(ddb_sql_conn **c, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                      ddb_error *err)
{
    if (!x || !x->db)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "sql repository: no database");
    if (e && bad_entity(e, err))
        return DDB_ERR_INVALID_ARG;
    return ddb_sql_acquire(x->db, c, err);
}

static int create_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    call *k = ctx;
    return op_create(c, k->x->prefix, k->e, k->obj, err);
}

int ddb_sql_repo_create(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, void *obj,
                        ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    call k = {x, e, obj, NULL, 0, NULL, 0, NULL, NULL};
    int rc;
    if (!obj) {
        ddb_error_set(err, DDB_ERR_INVALID_ARG, "create: no entity");
        return DDB_ERR_INVALID_ARG;
    }
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    /* the counter and the row together: a failed insert gives its ID back */
    rc = counted(e->store) ? ddb_sql_transact(c, create_txn, &k, err) : create_txn(c, &k, err);
    ddb_sql_release(c);
    if (rc == 0)
        set_version(desc_of(e), obj, 1);
    return rc;
}

int ddb_sql_repo_get(void *out, bool *found, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                     const void *key, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    ddb_sql_rows *rows = NULL;
    ddb_sql_param p[16];
    sbuf b = {0};
    row r = {0};
    int rc;
    if (!out || !found || !key)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "get: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    rc = row_of(&r, e, key, true, err);
    sb_printf(&b, "SELECT ");
    sb_columns(&b, c, e);
    sb_printf(&b, " FROM ");
    sb_ident(&b, c, x->prefix, e->table);
    if (rc == 0) {
        sb_where_key(&b, c, e, &r, p);
        rc = sb_done(&b, err);
    }
    if (rc == 0)
        rc = ddb_sql_query(c, b.s, p, e->n_key, &rows, err);
    if (rc == 0) {
        bool there = ddb_sql_next(rows) == 1;
        if (there)
            rc = struct_of(out, e, rows, err);
        if (rc == 0)
            *found = there;
    }
    ddb_sql_rows_free(rows);
    ddb_sql_release(c);
    free(b.s);
    row_free(&r);
    return rc;
}

static int update_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    call *k = ctx;
    return op_update(&k->version, c, k->x->prefix, k->e, k->obj, false, err);
}

int ddb_sql_repo_update(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, void *obj,
                        ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    call k = {x, e, obj, NULL, 0, NULL, 0, NULL, NULL};
    int rc;
    if (!obj) {
        ddb_error_set(err, DDB_ERR_INVALID_ARG, "update: no entity");
        return DDB_ERR_INVALID_ARG;
    }
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    /* the UPDATE and the read of the version it wrote together */
    rc = ddb_sql_transact(c, update_txn, &k, err);
    ddb_sql_release(c);
    if (rc == 0)
        set_version(desc_of(e), obj, k.version);
    return rc;
}

int ddb_sql_repo_delete(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, const void *obj,
                        ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    int rc;
    if (!obj) {
        ddb_error_set(err, DDB_ERR_INVALID_ARG, "delete: no entity");
        return DDB_ERR_INVALID_ARG;
    }
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    rc = op_delete(c, x->prefix, e, obj, false, err);
    ddb_sql_release(c);
    return rc;
}

/* The cursor of a list page: the DynamoDB JSON of the last row's key values (an L). */
static int cursor_of(char **out, const ddb_sql_entity *e, const void *obj, ddb_error *err)
{
    ddb_value *l = NULL;
    row r;
    int rc = row_of(&r, e, obj, true, err);
    if (rc < 0)
        return rc;
    rc = ddb_value_new_l(&l, err);
    for (size_t k = 0; rc == 0 && k < e->n_key; k++) {
        const ddb_sql_param *p = &r.p[e->key[k]];
        ddb_value *v = NULL;
        rc = p->type == DDB_SQL_INT ? ddb_value_new_n_i64(&v, p->i, err)
                                    : ddb_value_new_s(&v, p->s, err);
        if (rc == 0)
            rc = ddb_value_l_append_take(l, v, err);
    }
    if (rc == 0)
        rc = ddb_value_to_json(out, l, err);
    ddb_value_free(l);
    row_free(&r);
    return rc;
}

int ddb_sql_repo_list(ddb_entity_page *out, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                      const char *cursor, int limit, ddb_error *err)
{
    const ddb_entity_desc *d;
    ddb_sql_conn *c = NULL;
    ddb_sql_rows *rows = NULL;
    ddb_value *after = NULL;
    ddb_sql_param p[17];
    ddb_entity_page page = {0, NULL, NULL};
    size_t n_p = 0, cap = 0;
    sbuf b = {0};
    int rc;
    if (!out || limit < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "list: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    d = desc_of(e);
    if (cursor) {
        if (ddb_value_from_json(&after, cursor, strlen(cursor), NULL) < 0 ||
            ddb_value_type(after) != DDB_TYPE_L || ddb_value_count(after) != e->n_key)
            rc = ddb_error_set(err, DDB_ERR_CURSOR, "%s list: the cursor is not one of its pages",
                               d->name);
        for (size_t k = 0; rc == 0 && k < e->n_key; k++) {
            const ddb_value *v = ddb_value_l_at(after, k);
            if (ddb_value_type(v) == DDB_TYPE_N) {
                int64_t i = 0;
                rc = ddb_value_n_i64(v, &i, err);
                p[n_p++] = DDB_SQL_P_INT(i);
            } else if (ddb_value_type(v) == DDB_TYPE_S) {
                p[n_p++] = DDB_SQL_P_TEXT(ddb_value_s(v, NULL));
            } else {
                rc = ddb_error_set(err, DDB_ERR_CURSOR,
                                   "%s list: the cursor is not one of its pages", d->name);
            }
        }
    }
    sb_printf(&b, "SELECT ");
    sb_columns(&b, c, e);
    sb_printf(&b, " FROM ");
    sb_ident(&b, c, x->prefix, e->table);
    if (cursor) {
        /* keyset: the rows after the cursor's key, in key order */
        sb_printf(&b, " WHERE (");
        for (size_t k = 0; k < e->n_key; k++) {
            sb_printf(&b, k ? ", " : "");
            sb_ident(&b, c, NULL, d->fields[e->key[k]].name);
        }
        sb_printf(&b, ") > (");
        for (size_t k = 0; k < e->n_key; k++)
            sb_printf(&b, k ? ", ?" : "?");
        sb_printf(&b, ")");
    }
    sb_printf(&b, " ORDER BY ");
    for (size_t k = 0; k < e->n_key; k++) {
        sb_printf(&b, k ? ", " : "");
        sb_ident(&b, c, NULL, d->fields[e->key[k]].name);
    }
    if (limit > 0)
        sb_printf(&b, " LIMIT %d", limit + 1);
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_query(c, b.s, p, n_p, &rows, err);
    while (rc == 0 && ddb_sql_next(rows) == 1) {
        if (limit > 0 && page.n == (size_t)limit) {
            rc = cursor_of(&page.cursor, e, (char *)page.items + (page.n - 1) * d->size, err);
            break;
        }
        if (page.n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            void *items = realloc(page.items, ncap * d->size);
            if (!items) {
                rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s list: out of memory", d->name);
                break;
            }
            page.items = items;
            cap = ncap;
        }
        memset((char *)page.items + page.n * d->size, 0, d->size);
        rc = struct_of((char *)page.items + page.n * d->size, e, rows, err);
        if (rc == 0)
            page.n++;
    }
    if (rc == 0)
        *out = page;
    else
        ddb_entity_page_free(d, &page);
    ddb_sql_rows_free(rows);
    ddb_value_free(after);
    ddb_sql_release(c);
    free(b.s);
    return rc;
}

static int mirror_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    call *k = ctx;
    const ddb_entity_desc *d = desc_of(k->e);
    ddb_sql_param p[16];
    sbuf b = {0};
    row r;
    int rc = row_of(&r, k->e, k->key, true, err);
    if (rc < 0)
        return rc;
    if (k->cobj) {
        row o;
        int orc = row_of(&o, k->e, k->cobj, true, err);
        rc = orc;
        for (size_t i = 0; rc == 0 && i < k->e->n_key; i++) {
            const ddb_sql_param *a = &r.p[k->e->key[i]], *z = &o.p[k->e->key[i]];
            if (a->type != z->type || (a->type == DDB_SQL_INT && a->i != z->i) ||
                (a->type == DDB_SQL_TEXT && strcmp(a->s, z->s) != 0))
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                   "%s mirror: the entity's key is not the key given", d->name);
        }
        if (orc == 0)
            row_free(&o);
    }
    sb_printf(&b, "DELETE FROM ");
    sb_ident(&b, c, k->x->prefix, k->e->table);
    sb_where_key(&b, c, k->e, &r, p);
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, k->e->n_key, NULL, NULL, err);
    if (rc == 0 && k->cobj)
        rc = do_insert(c, k->x->prefix, k->e, k->cobj, version_in(d, k->cobj), err);
    free(b.s);
    row_free(&r);
    return rc;
}

int ddb_sql_repo_mirror(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, const void *obj,
                        const void *key, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    call k = {x, e, NULL, key, 0, NULL, 0, NULL, NULL};
    int rc =
        key ? begin_call(&c, x, e, err) : ddb_error_set(err, DDB_ERR_INVALID_ARG, "mirror: no key");
    if (rc < 0)
        return rc;
    k.cobj = obj;
    rc = ddb_sql_transact(c, mirror_txn, &k, err);
    ddb_sql_release(c);
    return rc;
}

static bool cancels(int rc)
{
    return rc == DDB_ERR_ITEM_EXISTS || rc == DDB_ERR_UNIQUE_TAKEN || rc == DDB_ERR_STALE_VERSION ||
           rc == DDB_ERR_ITEM_NOT_FOUND || rc == DDB_ERR_CONDITION_FAILED;
}

static int transact_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    call *k = ctx;
    for (size_t i = 0; i < k->n_ops; i++) {
        ddb_sql_write *w = &k->ops[i];
        int rc = 0;
        switch (w->op) {
        case DDB_STORE_CREATE:
            rc = op_create(c, k->x->prefix, w->entity, w->obj, err);
            break;
        case DDB_STORE_UPDATE:
            rc = op_update(&k->versions[i], c, k->x->prefix, w->entity, w->obj, true, err);
            break;
        case DDB_STORE_DELETE:
            rc = op_delete(c, k->x->prefix, w->entity, w->obj, true, err);
            break;
        case DDB_STORE_ADD:
            rc = op_add(c, k->x->prefix, w, err);
            break;
        }
        if (rc < 0 && cancels(rc)) {
            char msg[512];
            snprintf(msg, sizeof msg, "transaction: op %zu (%.100s) failed: %.300s", i,
                     desc_of(w->entity)->name, err ? err->message : ddb_strerror(rc));
            return ddb_error_set_cancelled(err, k->n_ops, i, msg);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ddb_sql_repo_transact(const ddb_sql_repo_ctx *x, ddb_sql_write *ops, size_t n_ops,
                          ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    ddb_sql_conn *c = NULL;
    call k = {x, NULL, NULL, NULL, 0, ops, n_ops, NULL, NULL};
    int rc;
    if (n_ops && !ops)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact: bad argument");
    if (n_ops == 0)
        return 0;
    if (n_ops > 100)
        return ddb_error_set(err, DDB_ERR_LIMIT, "transact: %zu operations exceed 100 actions",
                             n_ops);
    for (size_t i = 0; i < n_ops; i++)
        if (bad_entity(ops[i].entity, NULL) || !ops[i].obj || ops[i].op < DDB_STORE_CREATE ||
            ops[i].op > DDB_STORE_ADD ||
            (ops[i].op == DDB_STORE_UPDATE &&
             desc_of(ops[i].entity)->version_offset == DDB_ENTITY_NO_OFFSET))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact: op %zu is not valid", i);
    k.versions = calloc(n_ops, sizeof *k.versions);
    if (!k.versions)
        return ddb_error_set(err, DDB_ERR_NOMEM, "transact: out of memory");
    rc = begin_call(&c, x, NULL, err ? err : &local);
    if (rc == 0)
        rc = ddb_sql_transact(c, transact_txn, &k, err ? err : &local);
    ddb_sql_release(c);
    for (size_t i = 0; rc == 0 && i < n_ops; i++) {
        const ddb_entity_desc *d = desc_of(ops[i].entity);
        if (ops[i].op == DDB_STORE_CREATE)
            set_version(d, ops[i].obj, 1);
        else if (ops[i].op == DDB_STORE_UPDATE)
            set_version(d, ops[i].obj, k.versions[i]);
    }
    free(k.versions);
    ddb_error_clear(&local);
    return rc;
}

int ddb_sql_repo_max_id(int64_t *out, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                        ddb_error *err)
{
    const ddb_store_desc *s;
    ddb_sql_conn *c = NULL;
    ddb_sql_rows *rows = NULL;
    int64_t best = 0;
    sbuf b = {0};
    int rc;
    if (!out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "max_id: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    s = e->store;
    if (s->id_field < 0 ||
        (s->entity->fields[s->id_field].kind != DDB_FIELD_INT64 && !counted(s))) {
        ddb_sql_release(c);
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: the ID is not an integer",
                             s->entity->name);
    }
    if (counted(s))
        rc = counter_read(&best, c, x->prefix, s, err);
    if (rc == 0 && s->entity->fields[s->id_field].kind == DDB_FIELD_INT64) {
        sb_printf(&b, "SELECT MAX(");
        sb_ident(&b, c, NULL, s->entity->fields[s->id_field].name);
        sb_printf(&b, ") FROM ");
        sb_ident(&b, c, x->prefix, e->table);
        rc = sb_done(&b, err);
        if (rc == 0)
            rc = ddb_sql_query(c, b.s, NULL, 0, &rows, err);
        if (rc == 0 && ddb_sql_next(rows) == 1 && ddb_sql_int(rows, 0) > best)
            best = ddb_sql_int(rows, 0);
    }
    if (rc == 0)
        *out = best;
    ddb_sql_rows_free(rows);
    ddb_sql_release(c);
    free(b.s);
    return rc;
}

int ddb_sql_repo_seed_id(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, int64_t floor,
                         ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    ddb_sql_param p[3];
    sbuf b = {0};
    int rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    if (!counted(e->store)) {
        ddb_sql_release(c);
        return 0;
    }
    rc = counter_row(c, x->prefix, e->store, err);
    sb_printf(&b, "UPDATE ");
    sb_ident(&b, c, x->prefix, DDB_SQL_COUNTER_TABLE);
    sb_printf(&b, " SET last_id = ? WHERE name = ? AND last_id < ?");
    p[0] = DDB_SQL_P_INT(floor);
    p[1] = DDB_SQL_P_TEXT(e->store->counter);
    p[2] = DDB_SQL_P_INT(floor);
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, 3, NULL, NULL, err);
    ddb_sql_release(c);
    free(b.s);
    return rc;
}

int ddb_sql_repo_exec_schema(const ddb_sql_repo_ctx *x, const char *script, ddb_error *err)
{
    static const char marker[] = "{prefix}";
    const char *prefix = x && x->prefix ? x->prefix : "";
    ddb_sql_conn *c = NULL;
    sbuf b = {0};
    int rc;
    if (!script)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "schema: no script");
    rc = begin_call(&c, x, NULL, err);
    if (rc < 0)
        return rc;
    for (const char *p = script; *p;) {
        const char *m = strstr(p, marker);
        if (!m) {
            sb_printf(&b, "%s", p);
            break;
        }
        sb_printf(&b, "%.*s%s", (int)(m - p), p, prefix);
        p = m + sizeof marker - 1;
    }
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec_script(c, b.s, err);
    ddb_sql_release(c);
    free(b.s);
    return rc;
}
