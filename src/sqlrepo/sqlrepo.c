/*
 * The storage members of a generated repository over libddbkit-sql: see ddb/sqlrepo/sqlrepo.h.
 *
 * A struct goes to a row through its item (ddb_entity_to_item, which checks required fields,
 * UUIDs and decimals and writes computed fields) and comes back through one
 * (ddb_entity_from_item), so the conversions and their checks are the DynamoDB side's.
 */
#include <ctype.h>
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

/* name inside a quoted identifier: its quote character doubled, so no name can end the
   identifier early (a model's attribute names may hold any character). */
static void sb_ident_text(sbuf *b, char q, const char *name)
{
    for (const char *s = name; s && *s; s++)
        sb_printf(b, *s == q ? "%c%c" : "%c", *s, q);
}

/* A quoted identifier: the caller's prefix (checked by begin_call) and a name of the model. */
static void sb_ident(sbuf *b, ddb_sql_conn *c, const char *prefix, const char *name)
{
    char q = quote_of(c);
    sb_printf(b, "%c%s", q, prefix ? prefix : "");
    sb_ident_text(b, q, name);
    sb_printf(b, "%c", q);
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
    r->p = calloc(d->n_fields + 1 + d->n_keys, sizeof *r->p);
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

/*
 * The key columns: one per distinct key attribute of the entity (its table's key, then its GSI
 * keys), "ddb_key_<attribute>", holding the attribute's value as the DynamoDB item has it. Queries
 * compare and order by them, so a range condition on a composed sort key ("ORDER#{date}#{id}")
 * means what it means on DynamoDB; a GSI key without a value is NULL (a sparse index).
 */
#define KEY_COLUMN_PREFIX "ddb_key_"

static bool first_of_attribute(const ddb_entity_desc *d, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (strcmp(d->keys[j].attribute, d->keys[k].attribute) == 0)
            return false;
    return true;
}

static void sb_key_column(sbuf *b, ddb_sql_conn *c, const char *attribute)
{
    char q = quote_of(c);
    sb_printf(b, "%c" KEY_COLUMN_PREFIX, q);
    sb_ident_text(b, q, attribute);
    sb_printf(b, "%c", q);
}

/* A parameter compared with (or stored in) a key column: numeric keys are text cast to it. */
static void sb_key_param(sbuf *b, ddb_sql_conn *c, bool numeric)
{
    if (!numeric)
        sb_printf(b, "?");
    else
        sb_printf(b, "CAST(? AS %s)",
                  ddb_sql_conn_dialect(c) == DDB_SQL_MARIADB ? "DECIMAL(65,30)" : "NUMERIC");
}

/* The key columns' values of item into p, one per distinct attribute (texts point into item). */
static size_t key_params(ddb_sql_param *p, const ddb_entity_desc *d, const ddb_value *item)
{
    size_t n = 0;
    for (size_t k = 0; k < d->n_keys; k++) {
        const ddb_value *v = ddb_value_m_get(item, d->keys[k].attribute);
        if (!first_of_attribute(d, k))
            continue;
        if (v && ddb_value_type(v) == DDB_TYPE_N)
            p[n++] = DDB_SQL_P_TEXT(ddb_value_n(v));
        else if (v && ddb_value_type(v) == DDB_TYPE_S)
            p[n++] = DDB_SQL_P_TEXT(ddb_value_s(v, NULL));
        else
            p[n++] = DDB_SQL_P_NULL;
    }
    return n;
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
    /* "<table>.<column>, <table>.<column>": a column name may hold ", " or '.', so a column
       ends only where ", <table>." starts the next (table names hold no '.') */
    const char *list = msg + 26, *dot = strchr(list, '.');
    size_t ql = dot ? (size_t)(dot - list) + 1 : 0;
    for (const char *p = list; *p;) {
        const char *name = ql && strncmp(p, list, ql) == 0 ? p + ql : p, *next = NULL;
        size_t nlen;
        for (const char *q = name; !next && (q = strstr(q, ", ")) != NULL; q++)
            if (!ql || strncmp(q + 2, list, ql) == 0)
                next = q;
        nlen = next ? (size_t)(next - name) : strlen(name);
        for (size_t i = 0; i < d->n_fields && i < 256; i++)
            if (strlen(d->fields[i].name) == nlen && strncmp(d->fields[i].name, name, nlen) == 0 &&
                !cols[i]) {
                cols[i] = true;
                n_cols++;
            }
        p = next ? next + 2 : name + nlen;
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
    size_t n_p;
    sbuf b = {0};
    row r;
    int rc = row_of(&r, e, obj, false, err);
    if (rc < 0)
        return rc;
    sb_printf(&b, "INSERT INTO ");
    sb_ident(&b, c, prefix, e->table);
    sb_printf(&b, " (");
    sb_columns(&b, c, e);
    for (size_t k = 0; k < d->n_keys; k++)
        if (first_of_attribute(d, k)) {
            sb_printf(&b, ", ");
            sb_key_column(&b, c, d->keys[k].attribute);
        }
    sb_printf(&b, ") VALUES (");
    for (size_t i = 0; i < d->n_fields; i++)
        sb_printf(&b, "?, ");
    sb_printf(&b, "?");
    for (size_t k = 0; k < d->n_keys; k++)
        if (first_of_attribute(d, k)) {
            sb_printf(&b, ", ");
            sb_key_param(&b, c, d->keys[k].numeric);
        }
    sb_printf(&b, ")");
    r.p[d->n_fields] = DDB_SQL_P_INT(version);
    n_p = d->n_fields + 1 + key_params(r.p + d->n_fields + 1, d, r.item);
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = map_unique(e, ddb_sql_exec(c, b.s, r.p, n_p, NULL, NULL, err), err);
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

/*
 * The number of an entity numbered per parent (x-ddbkit.sequence): the parent's counter moves to
 * the next number (or up to the one the caller gave), its version with it, in the caller's
 * transaction, so a create that fails takes none.
 */
static int number(ddb_sql_conn *c, const char *prefix, const ddb_sql_entity *e, void *obj,
                  ddb_error *err)
{
    const ddb_sequence_desc *q = e->store->sequence;
    const ddb_entity_desc *d = desc_of(e), *pd;
    const ddb_field_desc *f;
    ddb_sql_param p[24];
    ddb_sql_rows *rows = NULL;
    int64_t given, changed = 0;
    size_t n = 0, n_where;
    sbuf b = {0}, w = {0};
    row r;
    int rc;
    if (!q)
        return 0;
    if (!e->parent_table || !q->parent || q->field < 0 || (size_t)q->field >= d->n_fields ||
        q->counter < 0 || (size_t)q->counter >= q->parent->n_fields || q->n_keys > 16 ||
        (q->n_keys && (!q->parent_fields || !q->parent_key_fields)))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: bad sequence descriptor", d->name);
    pd = q->parent;
    f = &d->fields[q->field];
    given = id_present(f, obj) ? *AT(obj, f->offset, int64_t) : 0;
    rc = row_of(&r, e, obj, false, err);
    if (rc < 0)
        return rc;
    /* the parent's row: its key fields are ours of the same names */
    for (size_t i = 0; i < q->n_keys; i++) {
        sb_printf(&w, i ? " AND " : " WHERE ");
        sb_ident(&w, c, NULL, pd->fields[q->parent_fields[i]].name);
        sb_printf(&w, " = ?");
    }
    sb_printf(&b, "UPDATE ");
    sb_ident(&b, c, prefix, e->parent_table);
    sb_printf(&b, " SET ");
    sb_ident(&b, c, NULL, pd->fields[q->counter].name);
    if (given) {
        sb_printf(&b, " = ?");
        p[n++] = DDB_SQL_P_INT(given);
    } else {
        sb_printf(&b, " = COALESCE(");
        sb_ident(&b, c, NULL, pd->fields[q->counter].name);
        sb_printf(&b, ", 0) + 1");
    }
    sb_printf(&b, ", ");
    sb_ident(&b, c, NULL, version_column(pd));
    sb_printf(&b, " = ");
    sb_ident(&b, c, NULL, version_column(pd));
    sb_printf(&b, " + 1%s", w.s ? w.s : "");
    for (size_t i = 0; i < q->n_keys; i++)
        p[n++] = r.p[q->parent_key_fields[i]];
    n_where = n;
    if (given) { /* a number the caller gave raises the counter, never lowers it */
        sb_printf(&b, " AND COALESCE(");
        sb_ident(&b, c, NULL, pd->fields[q->counter].name);
        sb_printf(&b, ", 0) < ?");
        p[n++] = DDB_SQL_P_INT(given);
    }
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, n, NULL, &changed, err);
    if (rc == 0 && !given && changed == 0)
        rc = ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s: no %s to number it by", d->name,
                           pd->name);
    if (rc == 0 && !given) {
        free(b.s);
        memset(&b, 0, sizeof b);
        sb_printf(&b, "SELECT ");
        sb_ident(&b, c, NULL, pd->fields[q->counter].name);
        sb_printf(&b, " FROM ");
        sb_ident(&b, c, prefix, e->parent_table);
        sb_printf(&b, "%s", w.s ? w.s : "");
        rc = sb_done(&b, err);
        if (rc == 0)
            rc = ddb_sql_query(c, b.s, p, n_where, &rows, err);
        if (rc == 0 && ddb_sql_next(rows) == 1) {
            *AT(obj, f->offset, int64_t) = ddb_sql_int(rows, 0);
            if (f->has_offset != DDB_ENTITY_NO_OFFSET)
                *AT(obj, f->has_offset, bool) = true;
        }
    }
    ddb_sql_rows_free(rows);
    free(b.s);
    free(w.s);
    row_free(&r);
    return rc;
}

static int op_create(ddb_sql_conn *c, const char *prefix, const ddb_sql_entity *e, void *obj,
                     ddb_error *err)
{
    const ddb_sequence_desc *q = e->store->sequence;
    bool numbered = q && q->field >= 0 && (size_t)q->field < desc_of(e)->n_fields;
    size_t number_offset = numbered ? desc_of(e)->fields[q->field].offset : 0;
    int64_t given = numbered ? *AT(obj, number_offset, int64_t) : 0;
    int rc = assign_id(c, prefix, e->store, obj, err);
    if (rc == 0)
        rc = number(c, prefix, e, obj, err);
    if (rc == 0)
        rc = ddb_entity_compute(desc_of(e), obj, err);
    if (rc == 0)
        rc = do_insert(c, prefix, e, obj, 1, err);
    if (rc < 0 && numbered) /* the transaction is rolled back: the number is not taken */
        *AT(obj, number_offset, int64_t) = given;
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
    p = calloc(d->n_fields + 2 + d->n_keys, sizeof *p);
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
    for (size_t k = 0; k < d->n_keys; k++)
        if (first_of_attribute(d, k)) {
            sb_printf(&b, ", ");
            sb_key_column(&b, c, d->keys[k].attribute);
            sb_printf(&b, " = ");
            sb_key_param(&b, c, d->keys[k].numeric);
        }
    n += key_params(p + n, d, r.item);
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
    /* the prefix goes into quoted table names, and unique violations are told apart by
       "<table>.": letters, digits, '_' and '-' only */
    for (const char *p = x->prefix; p && *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "sql repository: table prefix character %d (0x%02x) is not a "
                                 "letter, digit, '_' or '-'",
                                 (int)(p - x->prefix) + 1, (unsigned char)*p);
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
    rc = counted(e->store) || e->store->sequence ? ddb_sql_transact(c, create_txn, &k, err)
                                                 : create_txn(c, &k, err);
    ddb_sql_release(c);
    if (rc == 0)
        set_version(desc_of(e), obj, 1);
    return rc;
}

/* The values of the primary key attributes of key_obj: a derived field (named like the key
 * attribute) may give one whole (ddb_entity_key_value). */
typedef struct key_values {
    size_t n;
    ddb_value *v[2];
} key_values;

static void key_values_free(key_values *kv)
{
    for (size_t i = 0; i < kv->n; i++)
        ddb_value_free(kv->v[i]);
    kv->n = 0;
}

/* " WHERE <key column> = ? AND ..." over the primary key attributes of key_obj, into p. */
static int sb_where_key_columns(sbuf *b, ddb_sql_conn *c, const ddb_entity_desc *d,
                                const void *key_obj, key_values *kv, ddb_sql_param *p,
                                ddb_error *err)
{
    kv->n = 0;
    for (size_t k = 0; k < d->n_primary && k < 2; k++) {
        ddb_value *v = NULL;
        int rc = ddb_entity_key_value(&v, d, k, key_obj, err);
        if (rc < 0)
            return rc;
        if (!v)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: the key %s has no value", d->name,
                                 d->keys[k].attribute);
        kv->v[kv->n++] = v;
        sb_printf(b, k ? " AND " : " WHERE ");
        sb_key_column(b, c, d->keys[k].attribute);
        sb_printf(b, " = ");
        sb_key_param(b, c, d->keys[k].numeric);
        p[k] =
            DDB_SQL_P_TEXT(ddb_value_type(v) == DDB_TYPE_N ? ddb_value_n(v) : ddb_value_s(v, NULL));
    }
    return 0;
}

/* The row of key's primary key into out (fresh from __INIT); *found false when there is none. */
static int load(void *out, bool *found, ddb_sql_conn *c, const char *prefix,
                const ddb_sql_entity *e, const void *key, ddb_error *err)
{
    ddb_sql_rows *rows = NULL;
    ddb_sql_param p[2];
    key_values kv = {0};
    sbuf b = {0};
    int rc;
    sb_printf(&b, "SELECT ");
    sb_columns(&b, c, e);
    sb_printf(&b, " FROM ");
    sb_ident(&b, c, prefix, e->table);
    rc = sb_where_key_columns(&b, c, desc_of(e), key, &kv, p, err);
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_query(c, b.s, p, kv.n, &rows, err);
    if (rc == 0) {
        bool there = ddb_sql_next(rows) == 1;
        if (there)
            rc = struct_of(out, e, rows, err);
        if (rc == 0)
            *found = there;
    }
    ddb_sql_rows_free(rows);
    key_values_free(&kv);
    free(b.s);
    return rc;
}

int ddb_sql_repo_get(void *out, bool *found, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                     const void *key, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    int rc;
    if (!out || !found || !key)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "get: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    rc = load(out, found, c, x->prefix, e, key, err);
    ddb_sql_release(c);
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

/* ---- access patterns: queries, scans, updates and deletes by key ------------------------------- */

/* The bound parameters of one statement (queries have few: keys, a filter, a cursor). */
#define MAX_PARAMS 96

typedef struct params {
    ddb_sql_param p[MAX_PARAMS];
    size_t n;
    bool over;
} params;

static void add(params *ps, ddb_sql_param p)
{
    if (ps->n == MAX_PARAMS)
        ps->over = true;
    else
        ps->p[ps->n++] = p;
}

/* col (an expression) begins with prefix: a test by characters, which for UTF-8 text is the
 * byte-prefix test of DynamoDB's begins_with. */
static void sb_begins_with(sbuf *b, ddb_sql_conn *c, params *ps, const char *col,
                           const char *prefix)
{
    if (ddb_sql_conn_dialect(c) == DDB_SQL_SQLITE)
        sb_printf(b, "substr(%s, 1, length(?)) = ?", col);
    else
        sb_printf(b, "LEFT(%s, CHAR_LENGTH(?)) = ?", col);
    add(ps, DDB_SQL_P_TEXT(prefix));
    add(ps, DDB_SQL_P_TEXT(prefix));
}

static const char *numeric_type(ddb_sql_conn *c)
{
    return ddb_sql_conn_dialect(c) == DDB_SQL_MARIADB ? "DECIMAL(65,30)" : "NUMERIC";
}

/* A column's quoted name into buf: a field's (key false) or a key attribute's column. */
static int quoted(char *buf, size_t cap, ddb_sql_conn *c, bool key, const char *name,
                  ddb_error *err)
{
    sbuf b = {0};
    int rc;
    if (key)
        sb_key_column(&b, c, name);
    else
        sb_ident(&b, c, "", name);
    rc = sb_done(&b, err);
    if (rc == 0 && strlen(b.s) >= cap)
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                           "sql repository: the column name of attribute '%.40s...' is over %zu "
                           "bytes",
                           name, cap - 1);
    if (rc == 0)
        memcpy(buf, b.s, strlen(b.s) + 1);
    free(b.s);
    return rc;
}

/* The key (index into d->keys) of index's partition (sk false) or sort key; n_keys: none. */
static size_t index_key(const ddb_entity_desc *d, const char *index, bool sk)
{
    size_t seen = 0;
    for (size_t k = 0; k < d->n_keys; k++) {
        const char *ki = d->keys[k].index;
        if (index ? !ki || strcmp(ki, index) != 0 : ki != NULL)
            continue;
        if (seen++ == (sk ? 1u : 0u))
            return k;
    }
    return d->n_keys;
}

/* One filter condition in SQL over the entity's columns, with DynamoDB's answer for a value of
 * another type (false) or no value (only <> and attribute_not_exists hold). */
static int sb_filter_cond(sbuf *b, ddb_sql_conn *c, params *ps, const ddb_entity_desc *d,
                          const ddb_entity_filter *f, const ddb_entity_filter_cond *fc,
                          ddb_error *err)
{
    const ddb_field_desc *fd = NULL;
    const ddb_key_desc *kd = NULL;
    const ddb_entity_arg *a = f->args + fc->first_arg;
    char col[600], prm[80];
    bool numeric, text;
    for (size_t i = 0; i < d->n_fields && !fd; i++)
        if (strcmp(d->fields[i].name, fc->attribute) == 0)
            fd = &d->fields[i];
    for (size_t k = 0; k < d->n_keys && !fd && !kd; k++)
        if (strcmp(d->keys[k].attribute, fc->attribute) == 0)
            kd = &d->keys[k];
    if (fc->size)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s: filter size(%s): not supported by the relational implementation",
                             d->name, fc->attribute);
    if (!fd && !kd) { /* an attribute the entity never has */
        sb_printf(b, fc->op == DDB_ENTITY_F_NE || fc->op == DDB_ENTITY_F_NOT_EXISTS ? "1 = 1"
                                                                                    : "1 = 0");
        return 0;
    }
    if (quoted(col, sizeof col, c, !fd, fd ? fd->name : kd->attribute, err) != 0)
        return DDB_ERR_INVALID_ARG;
    if (fc->op == DDB_ENTITY_F_EXISTS || fc->op == DDB_ENTITY_F_NOT_EXISTS) {
        sb_printf(b, "%s IS %sNULL", col, fc->op == DDB_ENTITY_F_EXISTS ? "NOT " : "");
        return 0;
    }
    if (fd && (fd->is_list || fd->kind == DDB_FIELD_VALUE))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s: filter on %s (a list or object): not supported by the "
                             "relational implementation",
                             d->name, fc->attribute);
    numeric = kd ? kd->numeric : fd->kind == DDB_FIELD_INT64 || fd->kind == DDB_FIELD_DECIMAL;
    text = kd ? !kd->numeric : fd->kind == DDB_FIELD_STRING || fd->kind == DDB_FIELD_UUID;
    for (size_t i = 0; i < fc->n_args; i++) {
        bool arg_num = a[i].kind == DDB_FIELD_INT64 || a[i].kind == DDB_FIELD_DECIMAL;
        bool arg_text = a[i].kind == DDB_FIELD_STRING || a[i].kind == DDB_FIELD_UUID;
        bool arg_bool = a[i].kind == DDB_FIELD_BOOL;
        bool col_bool = fd && fd->kind == DDB_FIELD_BOOL;
        if ((numeric && !arg_num) || (text && !arg_text) || (col_bool && !arg_bool) ||
            ((arg_text || arg_num) && (!text && !numeric))) {
            /* S against N and the like: no match, as on DynamoDB (<> matches) */
            sb_printf(b, fc->op == DDB_ENTITY_F_NE ? "1 = 1" : "1 = 0");
            return 0;
        }
    }
    if (numeric && (!fd || fd->kind == DDB_FIELD_DECIMAL || kd)) {
        /* decimals are text (exact); compare them as numbers */
        char tmp[sizeof col];
        memcpy(tmp, col, sizeof col);
        snprintf(col, sizeof col, "CAST(%.500s AS %s)", tmp, numeric_type(c));
    }
    if (numeric)
        snprintf(prm, sizeof prm, "CAST(? AS %s)", numeric_type(c));
    else
        snprintf(prm, sizeof prm, "?");
    for (size_t i = 0; i < fc->n_args; i++) {
        switch (a[i].kind) {
        case DDB_FIELD_INT64:
            add(ps, DDB_SQL_P_INT(a[i].i));
            break;
        case DDB_FIELD_BOOL:
            add(ps, DDB_SQL_P_TEXT(a[i].b ? "1" : "0"));
            break;
        default:
            add(ps, DDB_SQL_P_TEXT(a[i].s ? a[i].s : ""));
            break;
        }
    }
    switch (fc->op) {
    case DDB_ENTITY_F_EQ:
        sb_printf(b, "%s = %s", col, prm);
        break;
    case DDB_ENTITY_F_NE:
        sb_printf(b, "(%s IS NULL OR %s <> %s)", col, col, prm);
        break;
    case DDB_ENTITY_F_LT:
        sb_printf(b, "%s < %s", col, prm);
        break;
    case DDB_ENTITY_F_LE:
        sb_printf(b, "%s <= %s", col, prm);
        break;
    case DDB_ENTITY_F_GT:
        sb_printf(b, "%s > %s", col, prm);
        break;
    case DDB_ENTITY_F_GE:
        sb_printf(b, "%s >= %s", col, prm);
        break;
    case DDB_ENTITY_F_BETWEEN:
        sb_printf(b, "%s BETWEEN %s AND %s", col, prm, prm);
        break;
    case DDB_ENTITY_F_IN:
        sb_printf(b, "%s IN (", col);
        for (size_t i = 0; i < fc->n_args; i++)
            sb_printf(b, "%s%s", i ? ", " : "", prm);
        sb_printf(b, ")");
        break;
    case DDB_ENTITY_F_BEGINS_WITH:
        if (!text)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: begins_with(%s) needs a string",
                                 d->name, fc->attribute);
        ps->n -= fc->n_args; /* it binds its own */
        sb_begins_with(b, c, ps, col, a[0].s ? a[0].s : "");
        break;
    case DDB_ENTITY_F_CONTAINS:
        if (!text)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: contains(%s) needs a string",
                                 d->name, fc->attribute);
        sb_printf(b,
                  ddb_sql_conn_dialect(c) == DDB_SQL_POSTGRES ? "strpos(%s, ?) > 0"
                                                              : "INSTR(%s, ?) > 0",
                  col);
        break;
    default:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: filter on %s: unknown operator %d",
                             d->name, fc->attribute, (int)fc->op);
    }
    return 0;
}

static int sb_filter(sbuf *b, ddb_sql_conn *c, params *ps, const ddb_entity_desc *d,
                     const ddb_entity_filter *f, ddb_error *err)
{
    int rc = 0;
    if (!f || !f->n_conds)
        return 0;
    if (!f->conds || !f->args)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: a filter without conditions", d->name);
    sb_printf(b, " AND (");
    for (size_t i = 0; rc == 0 && i < f->n_conds; i++) {
        sb_printf(b, i ? (f->any ? " OR " : " AND ") : "");
        rc = sb_filter_cond(b, c, ps, d, f, &f->conds[i], err);
    }
    sb_printf(b, ")");
    return rc;
}

/* The value of keys[k] for key_obj as text (into buf): the whole template must be filled. */
static int key_text(char *buf, size_t cap, const ddb_entity_desc *d, size_t k, const void *key_obj,
                    ddb_error *err)
{
    bool whole = false;
    int rc = ddb_entity_key_prefix(buf, cap, d, k, key_obj, (size_t)-1, &whole, err);
    if (rc == 0 && !whole)
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: the key %s is incomplete", d->name,
                           d->keys[k].attribute);
    return rc;
}

/* The order of a query's rows: its index's sort key (when it has one), then the table's key. */
typedef struct order {
    size_t n;
    size_t keys[3]; /* indexes into d->keys */
} order;

static void order_of(order *o, const ddb_entity_desc *d, size_t sk)
{
    o->n = 0;
    if (sk < d->n_keys)
        o->keys[o->n++] = sk;
    for (size_t k = 0; k < d->n_primary && k < 2; k++) {
        bool dup = false;
        for (size_t j = 0; j < o->n; j++)
            dup = dup || strcmp(d->keys[o->keys[j]].attribute, d->keys[k].attribute) == 0;
        if (!dup)
            o->keys[o->n++] = k;
    }
}

#define RANGE_TEXT 4200

/* The cursor of a page whose last row has the order column values last[0..n). */
static int cursor_after(char **out, const char *context, char *const *last, size_t n,
                        ddb_error *err)
{
    ddb_value *l = NULL, *v = NULL;
    int rc = ddb_value_new_l(&l, err);
    if (rc == 0)
        rc = ddb_value_new_s(&v, context ? context : "", err);
    if (rc == 0)
        rc = ddb_value_l_append_take(l, v, err);
    for (size_t j = 0; rc == 0 && j < n; j++) {
        v = NULL;
        rc = ddb_value_new_s(&v, last[j] ? last[j] : "", err);
        if (rc == 0)
            rc = ddb_value_l_append_take(l, v, err);
    }
    if (rc == 0)
        rc = ddb_value_to_json(out, l, err);
    ddb_value_free(l);
    return rc;
}

/*
 * One page of a query (key_obj set) or scan (key_obj NULL) of e: SELECT over the key columns
 * with q's key condition, filter, order, limit, offset and cursor. The cursor is the JSON of
 * [context, the order columns of the page's last row]: keyset pagination, so rows written
 * between pages neither repeat nor go missing before the cursor. max: stop after that many rows
 * (0: q->limit's page).
 */
/*
 * A query's key condition computed for another entity type than the one it runs on (items of
 * several types, mixed_data): the key values and the keys of e with the same attributes.
 */
typedef struct keyed {
    const char *pk;     /* the partition key's value */
    const char *prefix; /* the sort key's bound text */
    bool whole;         /* prefix is the whole sort key */
    size_t pk_key, sk_key;
} keyed;

/* order (may be NULL): receives the order column values of each row (n * o.n, malloc'd). */
static int run_query(ddb_entity_page *out, char ***order_out, size_t *n_order,
                     const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, const void *key_obj,
                     const keyed *kd, const ddb_entity_query *q, int max, ddb_error *err)
{
    char **orders = NULL;
    const ddb_entity_desc *d = NULL;
    ddb_sql_conn *c = NULL;
    ddb_sql_rows *rows = NULL;
    ddb_value *after = NULL;
    ddb_entity_page page = {0, NULL, NULL};
    params *ps = NULL;
    char *last[3] = {NULL, NULL, NULL};
    char *pk = NULL, *prefix = NULL, *v1 = NULL, *v2 = NULL;
    size_t cap = 0, pk_key, sk_key;
    int limit = max ? max : (q ? q->limit : 0);
    order o = {0};
    sbuf b = {0};
    int rc;
    if (!out || !q || q->limit < 0 || q->offset < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "query: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    d = desc_of(e);
    if (q->offset && q->cursor) {
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                           "%s: a page takes an offset or a cursor, "
                           "not both",
                           d->name);
        goto done;
    }
    ps = calloc(1, sizeof *ps);
    pk = malloc(RANGE_TEXT);
    prefix = malloc(RANGE_TEXT);
    v1 = malloc(RANGE_TEXT);
    v2 = malloc(RANGE_TEXT);
    if (!ps || !pk || !prefix || !v1 || !v2) {
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s query: out of memory", d->name);
        goto done;
    }
    if (kd) {
        pk_key = kd->pk_key;
        sk_key = index_key(d, d->keys[pk_key].index, true);
    } else if (key_obj) {
        pk_key = q->pk_key;
        if (pk_key >= d->n_keys) {
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s query: bad key", d->name);
            goto done;
        }
        sk_key = index_key(d, d->keys[pk_key].index, true);
    } else {
        pk_key = index_key(d, q->index, false);
        sk_key = index_key(d, q->index, true);
        if (pk_key >= d->n_keys) {
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s scan: %s is not one of its indexes",
                               d->name, q->index ? q->index : "(table)");
            goto done;
        }
    }
    order_of(&o, d, sk_key);
    sb_printf(&b, "SELECT ");
    sb_columns(&b, c, e);
    for (size_t j = 0; j < o.n; j++) {
        sb_printf(&b, ", ");
        sb_key_column(&b, c, d->keys[o.keys[j]].attribute);
    }
    sb_printf(&b, " FROM ");
    sb_ident(&b, c, x->prefix, e->table);
    /* an item is in an index only when it has the index's key attributes */
    sb_printf(&b, " WHERE ");
    sb_key_column(&b, c, d->keys[pk_key].attribute);
    if (key_obj) {
        if (kd)
            snprintf(pk, RANGE_TEXT, "%s", kd->pk);
        else
            rc = key_text(pk, RANGE_TEXT, d, pk_key, key_obj, err);
        if (rc < 0)
            goto done;
        sb_printf(&b, " = ");
        sb_key_param(&b, c, d->keys[pk_key].numeric);
        add(ps, DDB_SQL_P_TEXT(pk));
    } else {
        sb_printf(&b, " IS NOT NULL");
    }
    if (sk_key < d->n_keys) {
        sb_printf(&b, " AND ");
        sb_key_column(&b, c, d->keys[sk_key].attribute);
        sb_printf(&b, " IS NOT NULL");
    }
    if (key_obj && q->has_sk) {
        const ddb_key_desc *sk = &d->keys[kd ? kd->sk_key : q->sk_key];
        bool whole = false, num = sk->numeric;
        char col[600];
        rc = quoted(col, sizeof col, c, true, sk->attribute, err);
        if (rc < 0)
            goto done;
        if (kd) {
            snprintf(prefix, RANGE_TEXT, "%s", kd->prefix);
            whole = kd->whole;
        } else {
            rc = ddb_entity_key_prefix(prefix, RANGE_TEXT, d, q->sk_key, key_obj, q->n_sk_bound,
                                       &whole, err);
        }
        if (rc < 0)
            goto done;
        /* longer than any key DynamoDB stores (1024 bytes): refused as DynamoDB refuses it */
        if ((q->v1 && strlen(prefix) + strlen(q->v1) >= RANGE_TEXT) ||
            (q->v2 && strlen(prefix) + strlen(q->v2) >= RANGE_TEXT)) {
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                               "%s: a sort key range value is over %d bytes", d->name,
                               RANGE_TEXT - 1);
            goto done;
        }
        snprintf(v1, RANGE_TEXT, "%s%s", num ? "" : prefix, q->v1 ? q->v1 : "");
        snprintf(v2, RANGE_TEXT, "%s%s", num ? "" : prefix, q->v2 ? q->v2 : "");
        switch (q->range) {
        case DDB_ENTITY_RANGE_NONE:
            if (whole) {
                sb_printf(&b, " AND %s = ", col);
                sb_key_param(&b, c, num);
                add(ps, DDB_SQL_P_TEXT(prefix));
            } else if (prefix[0] && !num) {
                sb_printf(&b, " AND ");
                sb_begins_with(&b, c, ps, col, prefix);
            }
            break;
        case DDB_ENTITY_RANGE_BEGINS_WITH:
            if (num) {
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                   "%s: begins_with on the numeric key %s", d->name, sk->attribute);
                goto done;
            }
            sb_printf(&b, " AND ");
            sb_begins_with(&b, c, ps, col, v1);
            break;
        case DDB_ENTITY_RANGE_BETWEEN:
            sb_printf(&b, " AND %s BETWEEN ", col);
            sb_key_param(&b, c, num);
            sb_printf(&b, " AND ");
            sb_key_param(&b, c, num);
            add(ps, DDB_SQL_P_TEXT(v1));
            add(ps, DDB_SQL_P_TEXT(v2));
            break;
        default: {
            static const char *const ops[] = {"<", "<=", ">", ">="};
            if (q->range < DDB_ENTITY_RANGE_LT || q->range > DDB_ENTITY_RANGE_GE) {
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: unknown range condition %d",
                                   d->name, (int)q->range);
                goto done;
            }
            sb_printf(&b, " AND %s %s ", col, ops[q->range - DDB_ENTITY_RANGE_LT]);
            sb_key_param(&b, c, num);
            add(ps, DDB_SQL_P_TEXT(v1));
            break;
        }
        }
    }
    rc = sb_filter(&b, c, ps, d, q->filter, err);
    if (rc < 0)
        goto done;
    if (q->cursor) {
        const char *ctx = q->context ? q->context : "";
        const ddb_value *v0;
        bool ok = ddb_value_from_json(&after, q->cursor, strlen(q->cursor), NULL) == 0 &&
                  ddb_value_type(after) == DDB_TYPE_L && ddb_value_count(after) == o.n + 1 &&
                  (v0 = ddb_value_l_at(after, 0)) != NULL && ddb_value_type(v0) == DDB_TYPE_S &&
                  strcmp(ddb_value_s(v0, NULL), ctx) == 0;
        for (size_t j = 0; ok && j < o.n; j++)
            ok = ddb_value_type(ddb_value_l_at(after, j + 1)) == DDB_TYPE_S;
        if (!ok) {
            rc = ddb_error_set(err, DDB_ERR_CURSOR,
                               "%s: the cursor is not one of this query's "
                               "pages",
                               d->name);
            goto done;
        }
        /* keyset: the rows after the cursor's, in the query's order */
        sb_printf(&b, " AND (");
        for (size_t j = 0; j < o.n; j++) {
            sb_printf(&b, j ? ", " : "");
            sb_key_column(&b, c, d->keys[o.keys[j]].attribute);
        }
        sb_printf(&b, ") %s (", q->scan_backward ? "<" : ">");
        for (size_t j = 0; j < o.n; j++) {
            sb_printf(&b, j ? ", " : "");
            sb_key_param(&b, c, d->keys[o.keys[j]].numeric);
            add(ps, DDB_SQL_P_TEXT(ddb_value_s(ddb_value_l_at(after, j + 1), NULL)));
        }
        sb_printf(&b, ")");
    }
    sb_printf(&b, " ORDER BY ");
    for (size_t j = 0; j < o.n; j++) {
        sb_printf(&b, j ? ", " : "");
        sb_key_column(&b, c, d->keys[o.keys[j]].attribute);
        sb_printf(&b, q->scan_backward ? " DESC" : " ASC");
    }
    if (limit > 0 || q->offset > 0) {
        /* one row more than the page: whether there is a next page */
        sb_printf(&b, " LIMIT ?");
        add(ps, DDB_SQL_P_INT(limit > 0 ? (int64_t)limit + 1 : INT32_MAX));
        if (q->offset > 0) {
            sb_printf(&b, " OFFSET ?");
            add(ps, DDB_SQL_P_INT(q->offset));
        }
    }
    if (ps->over)
        rc = ddb_error_set(err, DDB_ERR_LIMIT, "%s query: more than %d parameters", d->name,
                           MAX_PARAMS);
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_query(c, b.s, ps->p, ps->n, &rows, err);
    while (rc == 0 && ddb_sql_next(rows) == 1) {
        if (limit > 0 && page.n == (size_t)limit) {
            if (!max)
                rc = cursor_after(&page.cursor, q->context, last, o.n, err);
            break;
        }
        if (page.n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            size_t order_bytes = order_out ? ncap * o.n * sizeof *orders : 0;
            void *items = realloc(page.items, ncap * d->size);
            char **more = order_bytes ? realloc(orders, order_bytes) : NULL;
            if (items)
                page.items = items;
            if (more)
                orders = more;
            if (!items || (order_bytes && !more)) {
                rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s query: out of memory", d->name);
                break;
            }
            cap = ncap;
        }
        memset((char *)page.items + page.n * d->size, 0, d->size);
        rc = struct_of((char *)page.items + page.n * d->size, e, rows, err);
        if (rc < 0)
            break;
        for (size_t j = 0; j < o.n; j++) {
            const char *t = ddb_sql_text(rows, (int)(d->n_fields + 1 + j));
            free(last[j]);
            last[j] = strdup(t ? t : "");
            if (!last[j] || (order_out && !(orders[page.n * o.n + j] = strdup(last[j]))))
                rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s query: out of memory", d->name);
        }
        page.n++;
    }
done:
    if (rc == 0) {
        *out = page;
        if (order_out) {
            *order_out = orders;
            *n_order = o.n;
            orders = NULL;
        }
    } else {
        ddb_entity_page_free(d ? d : desc_of(e), &page);
    }
    for (size_t i = 0; orders && i < page.n * o.n; i++)
        free(orders[i]);
    free(orders);
    for (size_t j = 0; j < 3; j++)
        free(last[j]);
    ddb_sql_rows_free(rows);
    ddb_value_free(after);
    if (c)
        ddb_sql_release(c);
    free(b.s);
    free(ps);
    free(pk);
    free(prefix);
    free(v1);
    free(v2);
    return rc;
}

int ddb_sql_repo_query_page(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                            const ddb_sql_entity *e, const void *key_obj, const ddb_entity_query *q,
                            ddb_error *err)
{
    if (!key_obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "query: no key");
    return run_query(out, NULL, NULL, x, e, key_obj, NULL, q, 0, err);
}

int ddb_sql_repo_scan_page(ddb_entity_page *out, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                           const ddb_entity_query *q, ddb_error *err)
{
    return run_query(out, NULL, NULL, x, e, NULL, NULL, q, 0, err);
}

static int first_of(void *out, bool *found, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                    const void *key_obj, const ddb_entity_query *q, ddb_error *err)
{
    ddb_entity_page p = {0, NULL, NULL};
    ddb_entity_query one;
    int rc;
    if (!out || !found || !q)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "query: bad argument");
    one = *q;
    one.cursor = NULL;
    one.offset = 0;
    rc = run_query(&p, NULL, NULL, x, e, key_obj, NULL, &one, 1, err);
    if (rc < 0)
        return rc;
    *found = p.n > 0;
    if (p.n) {
        memcpy(out, p.items, desc_of(e)->size);
        p.n = 0; /* moved into out */
    }
    ddb_entity_page_free(desc_of(e), &p);
    return 0;
}

int ddb_sql_repo_query_one(void *out, bool *found, const ddb_sql_repo_ctx *x,
                           const ddb_sql_entity *e, const void *key_obj, const ddb_entity_query *q,
                           ddb_error *err)
{
    if (!key_obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "query: no key");
    return first_of(out, found, x, e, key_obj, q, err);
}

int ddb_sql_repo_scan_one(void *out, bool *found, const ddb_sql_repo_ctx *x,
                          const ddb_sql_entity *e, const ddb_entity_query *q, ddb_error *err)
{
    return first_of(out, found, x, e, NULL, q, err);
}

typedef struct by_key {
    const ddb_sql_repo_ctx *x;
    const ddb_sql_entity *e;
    void *out;
    bool *found;
    const void *key;
    const size_t *fields;
    size_t n_fields;
} by_key;

/* Sets fields of obj (an entity read whole) to key_obj's values, through their items. */
static int set_from(void *obj, const ddb_entity_desc *d, const void *key_obj, const size_t *fields,
                    size_t n_fields, ddb_error *err)
{
    ddb_value *item = NULL;
    int rc = ddb_entity_to_item(&item, d, obj, err);
    for (size_t i = 0; rc == 0 && i < n_fields; i++) {
        ddb_entity_desc one = *d;
        ddb_field_desc f;
        ddb_value *m = NULL, *v = NULL;
        const ddb_value *got;
        if (fields[i] >= d->n_fields) {
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: no field %zu", d->name, fields[i]);
            break;
        }
        /* the one field alone (key_obj has no other values) */
        f = d->fields[fields[i]];
        f.required = false;
        one.n_fields = 1;
        one.fields = &f;
        one.n_keys = 0;
        one.n_primary = 0;
        one.n_computed = 0;
        one.keys = NULL;
        one.computed = NULL;
        rc = ddb_entity_to_item(&m, &one, key_obj, err);
        got = rc == 0 ? ddb_value_m_get(m, f.name) : NULL;
        if (rc == 0 && got)
            rc = ddb_value_copy(&v, got, err);
        if (rc == 0 && v)
            rc = ddb_value_m_set_take(item, f.name, v, err);
        else if (rc == 0)
            ddb_value_m_remove(item, f.name);
        ddb_value_free(m);
    }
    if (rc == 0) {
        /* a fresh struct from the item: obj's old values are freed */
        char *tmp = calloc(1, d->size);
        int64_t version =
            d->version_offset != DDB_ENTITY_NO_OFFSET ? *CAT_(obj, d->version_offset, int64_t) : 0;
        rc = tmp ? ddb_entity_from_item(tmp, d, item, err)
                 : ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
        if (rc == 0 && tmp) {
            ddb_entity_free(d, obj);
            memcpy(obj, tmp, d->size);
            set_version(d, obj, version);
        }
        free(tmp);
    }
    ddb_value_free(item);
    return rc;
}

static int update_fields_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    by_key *k = ctx;
    const ddb_entity_desc *d = desc_of(k->e);
    int64_t version = 0;
    bool found = false;
    char *obj = calloc(1, d->size);
    int rc = obj ? load(obj, &found, c, k->x->prefix, k->e, k->key, err)
                 : ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
    if (rc == 0 && found)
        rc = set_from(obj, d, k->key, k->fields, k->n_fields, err);
    if (rc == 0 && found)
        rc = op_update(&version, c, k->x->prefix, k->e, obj, true, err);
    if (rc == 0 && found) {
        set_version(d, obj, version);
        memcpy(k->out, obj, d->size);
    } else if (found) {
        ddb_entity_free(d, obj);
    }
    if (rc == 0)
        *k->found = found;
    free(obj);
    return rc;
}

int ddb_sql_repo_update_fields(void *out, bool *found, const ddb_sql_repo_ctx *x,
                               const ddb_sql_entity *e, const void *key_obj, const size_t *fields,
                               size_t n_fields, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    /* found is set apart: clang-tidy reads a pointer in an initializer list as read only */
    by_key k = {x, e, out, NULL, key_obj, fields, n_fields};
    int rc;
    k.found = found;
    if (!out || !found || !key_obj || (n_fields && !fields))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "update_fields: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    /* the read, the change and the write in one transaction, so no write comes between */
    rc = ddb_sql_transact(c, update_fields_txn, &k, err);
    ddb_sql_release(c);
    return rc;
}

static int delete_returning_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    by_key *k = ctx;
    const ddb_entity_desc *d = desc_of(k->e);
    bool found = false;
    char *obj = calloc(1, d->size);
    int rc = obj ? load(obj, &found, c, k->x->prefix, k->e, k->key, err)
                 : ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
    if (rc == 0 && found) {
        int64_t version = version_in(d, obj);
        set_version(d, obj, 0); /* no version check */
        rc = op_delete(c, k->x->prefix, k->e, obj, false, err);
        set_version(d, obj, version);
    }
    if (rc == 0 && found && k->out)
        memcpy(k->out, obj, d->size);
    else if (found)
        ddb_entity_free(d, obj);
    if (rc == 0)
        *k->found = found;
    free(obj);
    return rc;
}

int ddb_sql_repo_delete_returning(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                  const ddb_sql_entity *e, const void *key_obj, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    by_key k = {x, e, out, NULL, key_obj, NULL, 0};
    int rc;
    k.found = found; /* as in ddb_sql_repo_update_fields */
    if (!out || !found || !key_obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "delete: bad argument");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    rc = ddb_sql_transact(c, delete_returning_txn, &k, err);
    ddb_sql_release(c);
    return rc;
}

int ddb_sql_repo_delete_key(bool *deleted, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                            const void *key_obj, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    ddb_sql_param p[2];
    key_values kv = {0};
    int64_t changed = 0;
    sbuf b = {0};
    int rc;
    if (!key_obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "delete: no key");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    sb_printf(&b, "DELETE FROM ");
    sb_ident(&b, c, x->prefix, e->table);
    rc = sb_where_key_columns(&b, c, desc_of(e), key_obj, &kv, p, err);
    if (rc == 0)
        rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_exec(c, b.s, p, kv.n, NULL, &changed, err);
    if (rc == 0 && deleted)
        *deleted = changed > 0;
    ddb_sql_release(c);
    key_values_free(&kv);
    free(b.s);
    return rc;
}

int ddb_sql_repo_get_item(void *out, bool *found, const ddb_sql_repo_ctx *x,
                          const ddb_sql_entity *e, const void *key, bool consistent, ddb_error *err)
{
    (void)consistent; /* a read in SQL sees every committed write */
    return ddb_sql_repo_get(out, found, x, e, key, err);
}

/* ---- batches ----------------------------------------------------------------------------------- */

int ddb_sql_repo_batch_get(ddb_entity_page *out, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                           const void *keys, size_t n_keys, bool consistent, ddb_error *err)
{
    const ddb_entity_desc *d;
    ddb_entity_page page = {0, NULL, NULL};
    int rc = 0;
    (void)consistent; /* a read in SQL sees every committed write */
    if (!out || (n_keys && !keys) || bad_entity(e, err))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "batch get: bad argument");
    d = desc_of(e);
    page.items = calloc(n_keys ? n_keys : 1, d->size);
    if (!page.items)
        return ddb_error_set(err, DDB_ERR_NOMEM, "%s batch get: out of memory", d->name);
    /* in request order, the missing ones left out, as BatchGetItem through ddb_batch_getter */
    for (size_t i = 0; rc == 0 && i < n_keys; i++) {
        bool found = false;
        rc = ddb_sql_repo_get((char *)page.items + page.n * d->size, &found, x, e,
                              (const char *)keys + i * d->size, err);
        if (rc == 0 && found)
            page.n++;
    }
    if (rc == 0)
        *out = page;
    else
        ddb_entity_page_free(d, &page);
    return rc;
}

typedef struct batch {
    const ddb_sql_repo_ctx *x;
    const ddb_sql_entity *e;
    const void *items;
    size_t n;
    bool del;
} batch;

static int batch_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    batch *k = ctx;
    const ddb_entity_desc *d = desc_of(k->e);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < k->n; i++) {
        const void *obj = (const char *)k->items + i * d->size;
        ddb_sql_param p[16];
        sbuf b = {0};
        row r;
        rc = row_of(&r, k->e, obj, true, err);
        if (rc < 0)
            break;
        /* an unconditional put replaces the item: delete, then insert */
        sb_printf(&b, "DELETE FROM ");
        sb_ident(&b, c, k->x->prefix, k->e->table);
        sb_where_key(&b, c, k->e, &r, p);
        rc = sb_done(&b, err);
        if (rc == 0)
            rc = ddb_sql_exec(c, b.s, p, k->e->n_key, NULL, NULL, err);
        if (rc == 0 && !k->del) {
            int64_t v = version_in(d, obj);
            rc = do_insert(c, k->x->prefix, k->e, obj, v > 0 ? v : 1, err);
        }
        free(b.s);
        row_free(&r);
    }
    return rc;
}

int ddb_sql_repo_batch_write(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, const void *items,
                             size_t n, bool del, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    batch k = {x, e, items, n, del};
    int rc;
    if (n && !items)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "batch write: no items");
    rc = begin_call(&c, x, e, err);
    if (rc < 0)
        return rc;
    rc = n ? ddb_sql_transact(c, batch_txn, &k, err) : 0;
    ddb_sql_release(c);
    return rc;
}

/* ---- partial entities -------------------------------------------------------------------------- */

static bool listed(const size_t *present, size_t n_present, size_t f)
{
    for (size_t i = 0; i < n_present; i++)
        if (present[i] == f)
            return true;
    return false;
}

/*
 * obj keeps only the fields an index projects (present), as DynamoDB returns them from an index
 * that projects KEYS_ONLY or INCLUDE: the others have no value.
 */
static int project(void *obj, const ddb_entity_desc *d, const size_t *present, size_t n_present,
                   ddb_error *err)
{
    ddb_entity_desc *pd = NULL;
    ddb_value *item = NULL;
    int64_t version = version_in(d, obj);
    char *tmp = calloc(1, d->size);
    int rc;
    if (!tmp)
        return ddb_error_set(err, DDB_ERR_NOMEM, "%s: out of memory", d->name);
    rc = ddb_entity_desc_partial(&pd, d, present, n_present, err);
    if (rc == 0)
        rc = ddb_entity_to_item(&item, d, obj, err);
    for (size_t i = 0; rc == 0 && i < d->n_fields; i++)
        if (!listed(present, n_present, i))
            ddb_value_m_remove(item, d->fields[i].name);
    if (rc == 0)
        rc = ddb_entity_from_item(tmp, pd, item, err);
    if (rc == 0) {
        ddb_entity_free(d, obj);
        memcpy(obj, tmp, d->size);
        set_version(d, obj, version);
    }
    free(tmp);
    ddb_value_free(item);
    ddb_entity_desc_free(pd);
    return rc;
}

static int project_page(ddb_entity_page *p, const ddb_sql_entity *e, const size_t *present,
                        size_t n_present, int rc, ddb_error *err)
{
    const ddb_entity_desc *d = desc_of(e);
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        rc = project((char *)p->items + i * d->size, d, present, n_present, err);
    if (rc < 0)
        ddb_entity_page_free(d, p);
    return rc;
}

int ddb_sql_repo_query_page_partial(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                    const ddb_sql_entity *e, const void *key_obj,
                                    const ddb_entity_query *q, const size_t *present,
                                    size_t n_present, ddb_error *err)
{
    ddb_entity_page p = {0, NULL, NULL};
    int rc = ddb_sql_repo_query_page(&p, x, e, key_obj, q, err);
    if (rc == 0)
        rc = project_page(&p, e, present, n_present, rc, err);
    if (rc == 0)
        *out = p;
    return rc;
}

int ddb_sql_repo_scan_page_partial(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                   const ddb_sql_entity *e, const ddb_entity_query *q,
                                   const size_t *present, size_t n_present, ddb_error *err)
{
    ddb_entity_page p = {0, NULL, NULL};
    int rc = ddb_sql_repo_scan_page(&p, x, e, q, err);
    if (rc == 0)
        rc = project_page(&p, e, present, n_present, rc, err);
    if (rc == 0)
        *out = p;
    return rc;
}

int ddb_sql_repo_query_one_partial(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                   const ddb_sql_entity *e, const void *key_obj,
                                   const ddb_entity_query *q, const size_t *present,
                                   size_t n_present, ddb_error *err)
{
    int rc = ddb_sql_repo_query_one(out, found, x, e, key_obj, q, err);
    if (rc == 0 && *found) {
        rc = project(out, desc_of(e), present, n_present, err);
        if (rc < 0)
            ddb_entity_free(desc_of(e), out);
    }
    return rc;
}

/* ---- items of several entity types (mixed_data) ------------------------------------------------ */

/* The key of d with attribute and index of k (another entity type's key); d->n_keys: none. */
static size_t same_key(const ddb_entity_desc *d, const ddb_key_desc *k)
{
    for (size_t j = 0; j < d->n_keys; j++)
        if (strcmp(d->keys[j].attribute, k->attribute) == 0 &&
            (k->index ? d->keys[j].index && strcmp(d->keys[j].index, k->index) == 0
                      : !d->keys[j].index))
            return j;
    return d->n_keys;
}

/* The order of two rows by their order column values: numbers as numbers, text by bytes. */
static int compare_rows(char *const *a, char *const *b, const bool *numeric, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        int c;
        if (numeric[j]) {
            long double x = strtold(a[j], NULL), y = strtold(b[j], NULL);
            c = x < y ? -1 : x > y;
        } else {
            c = strcmp(a[j], b[j]);
        }
        if (c)
            return c;
    }
    return 0;
}

typedef struct part {
    const ddb_sql_entity *e;
    ddb_entity_page page;
    char **orders;
    size_t n_order, next;
    bool numeric[3];
} part;

/*
 * A page of the items of every entity type of ents in the DynamoDB table `table` that the query
 * (key_obj and d: its key condition, computed from d's templates) or scan matches: each type's
 * table queried as ddb_sql_repo_query_page does, the rows merged in the query's order, so the
 * page is the one DynamoDB gives for the item collection.
 */
static int mixed(ddb_entity_mixed_page *out, const ddb_sql_repo_ctx *x,
                 const ddb_sql_entity *const *ents, size_t n_ents, size_t item_size,
                 size_t obj_offset, const ddb_entity_desc *d, const char *table,
                 const void *key_obj, const ddb_entity_query *q, ddb_error *err)
{
    ddb_entity_mixed_page page = {0, NULL, NULL, NULL};
    ddb_entity_query qq;
    part *parts = NULL;
    char *pk = NULL, *prefix = NULL, **last = NULL;
    size_t n_parts = 0, cap = 0, skip, last_n = 0;
    bool whole = false, more = false;
    int rc = 0;
    if (!out || !ents || !q || !table || q->limit < 0 || q->offset < 0 || item_size < obj_offset ||
        (key_obj && (!d || q->pk_key >= d->n_keys || (q->has_sk && q->sk_key >= d->n_keys))))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "mixed query: bad argument");
    if (q->offset && q->cursor)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s: a page takes an offset or a cursor, not both", table);
    parts = calloc(n_ents ? n_ents : 1, sizeof *parts);
    pk = malloc(RANGE_TEXT);
    prefix = malloc(RANGE_TEXT);
    if (!parts || !pk || !prefix) {
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s mixed query: out of memory", table);
        goto done;
    }
    if (key_obj)
        rc = key_text(pk, RANGE_TEXT, d, q->pk_key, key_obj, err);
    if (rc == 0 && key_obj && q->has_sk)
        rc = ddb_entity_key_prefix(prefix, RANGE_TEXT, d, q->sk_key, key_obj, q->n_sk_bound, &whole,
                                   err);
    qq = *q;
    qq.offset = 0;
    qq.limit = q->limit > 0 ? q->limit + q->offset : 0; /* the offset is skipped after the merge */
    for (size_t i = 0; rc == 0 && i < n_ents; i++) {
        const ddb_entity_desc *di;
        keyed kd = {pk, prefix, whole, 0, 0};
        part *pt = &parts[n_parts];
        order o;
        if (bad_entity(ents[i], NULL))
            continue;
        di = desc_of(ents[i]);
        if (!di->table || strcmp(di->table, table) != 0)
            continue; /* stored in another DynamoDB table */
        if (key_obj) {
            kd.pk_key = same_key(di, &d->keys[q->pk_key]);
            kd.sk_key = q->has_sk ? same_key(di, &d->keys[q->sk_key]) : 0;
            if (kd.pk_key >= di->n_keys || kd.sk_key >= di->n_keys)
                continue; /* never in this item collection */
            order_of(&o, di, index_key(di, di->keys[kd.pk_key].index, true));
        } else {
            size_t k0 = index_key(di, q->index, false);
            if (k0 >= di->n_keys)
                continue; /* not in the index */
            order_of(&o, di, index_key(di, q->index, true));
        }
        pt->e = ents[i];
        for (size_t j = 0; j < o.n; j++)
            pt->numeric[j] = di->keys[o.keys[j]].numeric;
        rc = run_query(&pt->page, &pt->orders, &pt->n_order, x, ents[i], key_obj,
                       key_obj ? &kd : NULL, &qq, 0, err);
        if (rc == 0) {
            more = more || pt->page.cursor;
            n_parts++;
        }
    }
    skip = (size_t)q->offset;
    while (rc == 0) {
        part *best = NULL;
        size_t which = 0;
        for (size_t i = 0; i < n_parts; i++) {
            part *pt = &parts[i];
            int cmp;
            if (pt->next == pt->page.n)
                continue;
            if (!best) {
                best = pt;
                continue;
            }
            cmp = compare_rows(pt->orders + pt->next * pt->n_order,
                               best->orders + best->next * best->n_order, pt->numeric,
                               pt->n_order < best->n_order ? pt->n_order : best->n_order);
            if (q->scan_backward ? cmp > 0 : cmp < 0)
                best = pt;
        }
        if (!best)
            break;
        if (q->limit > 0 && page.n == (size_t)q->limit) {
            more = true;
            break;
        }
        {
            const ddb_entity_desc *bd = desc_of(best->e);
            char *obj = (char *)best->page.items + best->next * bd->size;
            for (size_t i = 0; i < n_ents; i++)
                if (ents[i] == best->e)
                    which = i;
            last = best->orders + best->next * best->n_order;
            last_n = best->n_order;
            best->next++;
            if (skip) {
                skip--;
                ddb_entity_free(bd, obj);
                continue;
            }
            if (page.n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                void *items = realloc(page.items, ncap * item_size);
                size_t *w = realloc(page.which, ncap * sizeof *w);
                if (items)
                    page.items = items;
                if (w)
                    page.which = w;
                if (!items || !w) {
                    ddb_entity_free(bd, obj);
                    rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s mixed query: out of memory", table);
                    break;
                }
                cap = ncap;
            }
            memset((char *)page.items + page.n * item_size, 0, item_size);
            memcpy((char *)page.items + page.n * item_size + obj_offset, obj, bd->size);
            page.which[page.n++] = which;
        }
    }
    if (rc == 0 && more && last && page.n)
        rc = cursor_after(&page.cursor, q->context, last, last_n, err);
    if (rc == 0 && (!page.items || !page.which)) {
        /* an empty page still has its arrays, as a page from DynamoDB does */
        if (!page.items)
            page.items = calloc(1, item_size ? item_size : 1);
        if (!page.which)
            page.which = calloc(1, sizeof *page.which);
        if (!page.items || !page.which)
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "%s mixed query: out of memory", table);
    }
done:
    for (size_t i = 0; parts && i < n_parts; i++) {
        part *pt = &parts[i];
        const ddb_entity_desc *pd = desc_of(pt->e);
        for (size_t r = pt->next; r < pt->page.n; r++)
            ddb_entity_free(pd, (char *)pt->page.items + r * pd->size);
        for (size_t r = 0; pt->orders && r < pt->page.n * pt->n_order; r++)
            if (!(rc == 0 && last && pt->orders + r >= last && pt->orders + r < last + pt->n_order))
                free(pt->orders[r]);
        free(pt->page.items);
        free(pt->page.cursor);
    }
    if (rc == 0) {
        *out = page;
    } else {
        for (size_t i = 0; i < page.n; i++)
            ddb_entity_free(desc_of(ents[page.which[i]]),
                            (char *)page.items + i * item_size + obj_offset);
        free(page.items);
        free(page.which);
        free(page.cursor);
    }
    for (size_t i = 0; rc == 0 && last && i < last_n; i++)
        free(last[i]);
    for (size_t i = 0; parts && i < n_parts; i++)
        free(parts[i].orders);
    free(parts);
    free(pk);
    free(prefix);
    return rc;
}

int ddb_sql_repo_query_mixed(ddb_entity_mixed_page *out, const ddb_sql_repo_ctx *x,
                             const ddb_sql_entity *const *ents, size_t n_ents, size_t item_size,
                             size_t obj_offset, bool partial, const ddb_sql_entity *e,
                             const void *key_obj, const ddb_entity_query *q, ddb_error *err)
{
    (void)partial; /* every field of a row is at hand; see docs/generated-code.md */
    if (!key_obj || bad_entity(e, err))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "mixed query: bad argument");
    return mixed(out, x, ents, n_ents, item_size, obj_offset, desc_of(e), desc_of(e)->table,
                 key_obj, q, err);
}

int ddb_sql_repo_scan_mixed(ddb_entity_mixed_page *out, const ddb_sql_repo_ctx *x,
                            const ddb_sql_entity *const *ents, size_t n_ents, size_t item_size,
                            size_t obj_offset, bool partial, const char *table,
                            const ddb_entity_query *q, ddb_error *err)
{
    (void)partial;
    return mixed(out, x, ents, n_ents, item_size, obj_offset, NULL, table, NULL, q, err);
}

/* ---- cross-table transaction patterns ---------------------------------------------------------- */

/*
 * What a transaction action's condition asks of its item: 1 that it exists, -1 that it does not,
 * 0 nothing. The relational implementation has the conditions on the item's existence
 * (attribute_exists / attribute_not_exists of a primary key attribute); any other is
 * DDB_ERR_INVALID_ARG (the generator writes no SQL for a model that has one).
 */
static int existence(int *out, const ddb_entity_desc *d, const char *cond, ddb_error *err)
{
    static const char *const forms[] = {"attribute_exists(", "attribute_not_exists("};
    *out = 0;
    if (!cond)
        return 0;
    for (int f = 0; f < 2; f++) {
        size_t len = strlen(forms[f]);
        if (strncmp(cond, forms[f], len) != 0)
            continue;
        for (size_t k = 0; k < d->n_primary; k++) {
            size_t al = strlen(d->keys[k].attribute);
            if (strncmp(cond + len, d->keys[k].attribute, al) == 0 &&
                strcmp(cond + len + al, ")") == 0) {
                *out = f ? -1 : 1;
                return 0;
            }
        }
    }
    return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                         "%s: condition '%.200s': not supported by the relational implementation",
                         d->name, cond);
}

static const ddb_sql_entity *entity_of(const ddb_sql_entity *const *ents, size_t n,
                                       const ddb_entity_desc *d)
{
    for (size_t i = 0; d && i < n; i++)
        if (!bad_entity(ents[i], NULL) && desc_of(ents[i]) == d)
            return ents[i];
    return NULL;
}

typedef struct tx_call {
    const ddb_sql_repo_ctx *x;
    const ddb_sql_entity *const *ents;
    size_t n_ents;
    const ddb_entity_tx_op *ops;
    size_t n;
    void *const *outs;
    bool *found;
} tx_call;

static int tx_write_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    tx_call *k = ctx;
    for (size_t i = 0; i < k->n; i++) {
        const ddb_entity_tx_op *op = &k->ops[i];
        const ddb_sql_entity *e = entity_of(k->ents, k->n_ents, op->desc);
        const ddb_entity_desc *d = op->desc;
        ddb_sql_param p[16];
        int64_t stored = 0;
        bool found = false;
        int want = 0, rc;
        sbuf b = {0};
        row r;
        if (!e)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction action %zu: no table", i);
        rc = existence(&want, d, op->condition, err);
        if (rc == 0)
            rc = row_of(&r, e, op->obj, true, err);
        if (rc != 0)
            return rc;
        rc = stored_version(&stored, &found, c, k->x->prefix, e, &r, err);
        if (rc == 0 && ((want > 0 && !found) || (want < 0 && found))) {
            char msg[300];
            snprintf(msg, sizeof msg, "transaction: action %zu (%.100s): the condition failed", i,
                     d->name);
            row_free(&r);
            return ddb_error_set_cancelled(err, k->n, i, msg);
        }
        if (rc == 0 && op->action != DDB_ENTITY_TX_CONDITION) {
            /* Put and Update replace the item whole; Delete removes it */
            sb_printf(&b, "DELETE FROM ");
            sb_ident(&b, c, k->x->prefix, e->table);
            sb_where_key(&b, c, e, &r, p);
            rc = sb_done(&b, err);
            if (rc == 0)
                rc = ddb_sql_exec(c, b.s, p, e->n_key, NULL, NULL, err);
        }
        if (rc == 0 && (op->action == DDB_ENTITY_TX_PUT || op->action == DDB_ENTITY_TX_UPDATE))
            rc = do_insert(c, k->x->prefix, e, op->obj,
                           op->action == DDB_ENTITY_TX_PUT ? 1 : version_in(d, op->obj) + 1, err);
        free(b.s);
        row_free(&r);
        if (rc < 0 && cancels(rc)) {
            char msg[512];
            snprintf(msg, sizeof msg, "transaction: action %zu (%.100s) failed: %.300s", i, d->name,
                     err ? err->message : ddb_strerror(rc));
            return ddb_error_set_cancelled(err, k->n, i, msg);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ddb_sql_repo_transact_write(const ddb_sql_repo_ctx *x, const ddb_sql_entity *const *ents,
                                size_t n_ents, const ddb_entity_tx_op *ops, size_t n,
                                ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    tx_call k = {x, ents, n_ents, ops, n, NULL, NULL};
    int rc;
    if (!ents || !ops || n == 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact write: bad argument");
    for (size_t i = 0; i < n; i++)
        if (!ops[i].desc || !ops[i].obj || ops[i].action < DDB_ENTITY_TX_PUT ||
            ops[i].action > DDB_ENTITY_TX_CONDITION ||
            (ops[i].action == DDB_ENTITY_TX_CONDITION && !ops[i].condition))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction action %zu is not valid",
                                 i);
    rc = begin_call(&c, x, NULL, err);
    if (rc < 0)
        return rc;
    rc = ddb_sql_transact(c, tx_write_txn, &k, err);
    ddb_sql_release(c);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        void *obj = ops[i].obj;
        if (ops[i].action == DDB_ENTITY_TX_PUT)
            set_version(ops[i].desc, obj, 1);
        else if (ops[i].action == DDB_ENTITY_TX_UPDATE)
            set_version(ops[i].desc, obj, version_in(ops[i].desc, obj) + 1);
    }
    return rc;
}

static int tx_get_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    tx_call *k = ctx;
    size_t i;
    int rc = 0;
    for (i = 0; rc == 0 && i < k->n; i++) {
        const ddb_sql_entity *e = entity_of(k->ents, k->n_ents, k->ops[i].desc);
        k->found[i] = false;
        rc = e ? load(k->outs[i], &k->found[i], c, k->x->prefix, e, k->ops[i].obj, err)
               : ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction action %zu: no table", i);
    }
    for (size_t j = 0; rc < 0 && j < i; j++)
        if (k->found[j])
            ddb_entity_free(k->ops[j].desc, k->outs[j]);
    return rc;
}

int ddb_sql_repo_transact_get(void *const *outs, bool *found, const ddb_sql_repo_ctx *x,
                              const ddb_sql_entity *const *ents, size_t n_ents,
                              const ddb_entity_tx_op *ops, size_t n, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    bool *got = NULL;
    tx_call k = {x, ents, n_ents, ops, n, outs, NULL};
    int rc;
    if (!outs || !found || !ents || !ops || n == 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact get: bad argument");
    for (size_t i = 0; i < n; i++)
        if (ops[i].action != DDB_ENTITY_TX_GET || !ops[i].desc || !ops[i].obj || !outs[i])
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transaction action %zu is not a get",
                                 i);
    got = calloc(n, sizeof *got);
    if (!got)
        return ddb_error_set(err, DDB_ERR_NOMEM, "transact get: out of memory");
    k.found = got;
    rc = begin_call(&c, x, NULL, err);
    /* one transaction: the reads see one state of the database */
    if (rc == 0)
        rc = ddb_sql_transact(c, tx_get_txn, &k, err);
    if (c)
        ddb_sql_release(c);
    if (rc == 0)
        memcpy(found, got, n * sizeof *got);
    free(got);
    return rc;
}

int ddb_sql_repo_exec_schema_lines(const ddb_sql_repo_ctx *x, const char *const *lines,
                                   ddb_error *err)
{
    sbuf b = {0};
    int rc;
    if (!lines)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "schema: no script");
    for (size_t i = 0; lines[i]; i++)
        sb_printf(&b, "%s", lines[i]);
    if (!b.s)
        sb_printf(&b, "%s", "");
    rc = sb_done(&b, err);
    if (rc == 0)
        rc = ddb_sql_repo_exec_schema(x, b.s, err);
    free(b.s);
    return rc;
}
