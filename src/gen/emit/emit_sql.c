/*
 * The relational implementation of the repository: <ns>_sql.h/.c over libddbkit-sqlrepo, and the
 * schema of each dialect (<ns>_schema.sqlite.sql, .mariadb.sql, .postgres.sql). See
 * docs/generated-code.md ("Relational implementation") and docs/design/sql-types.md.
 *
 * An access-pattern member is the DynamoDB implementation's body (emit_repo.c) with each runtime
 * call on the client turned into libddbkit-sqlrepo's, which takes the same descriptors: one
 * source for the pattern's parameters and checks, the SQL policy in the runtime.
 *
 * Generated only for models whose every entity and access pattern this slice implements; for any
 * other model none of these files is written and a warning names each thing that stops it (the
 * JSON path), so that nothing is silently stubbed.
 */
#include <stdio.h>
#include <string.h>

#include "emit/emit_internal.h"

enum { SQLITE, MARIADB, POSTGRES, N_DIALECTS };

static const char *const dialect_word[N_DIALECTS] = {"sqlite", "mariadb", "postgres"};

#define MAX_KEY 16

/* The primary key's fields: the placeholders of pk_template then sk_template, once each. */
static size_t key_fields(const ddbgen_entity *e, int out[MAX_KEY], bool *ok)
{
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        const ddbgen_key_template *kt = k ? &e->sk : &e->pk;
        for (size_t i = 0; kt->present && i < kt->n; i++)
            for (size_t j = 0; j < kt->items[i].n_parts; j++) {
                const ddbgen_template_part *p = &kt->items[i].parts[j];
                int f = p->is_field ? emit_field_index(e, p->text) : -1;
                bool seen = false;
                if (!p->is_field)
                    continue;
                if (f < 0 || e->fields[f].type == DDBGEN_TYPE_ARRAY ||
                    e->fields[f].type == DDBGEN_TYPE_OBJECT || n == MAX_KEY) {
                    *ok = false;
                    continue;
                }
                for (size_t q = 0; q < n; q++)
                    seen = seen || out[q] == f;
                if (!seen)
                    out[n++] = f;
            }
    }
    if (n == 0)
        *ok = false;
    return n;
}

/*
 * What the relational implementation does not cover yet, gathered so that a model gets one
 * warning (at the first such place) listing them all, not one per access pattern.
 */
typedef struct check_ctx {
    bool ok;
    size_t n;
    const char *first_path;
    ddbgen_buf list; /* "name (why), name (why)" */
} check_ctx;

static void missing(check_ctx *k, const char *path, const char *what, const char *why)
{
    if (k->n++ == 0)
        k->first_path = path;
    else
        ddbgen_buf_puts(&k->list, ", ");
    ddbgen_buf_printf(&k->list, "%s (%s)", what, why);
    k->ok = false;
}

/* The access pattern behind a member, or NULL. */
static const ddbgen_access_pattern *pattern_of(const emit_member *m)
{
    const ddbgen_entity *e = m->entity;
    size_t len = e ? strlen(e->c_name) : 0;
    for (size_t a = 0; e && a < e->n_patterns; a++)
        if (strncmp(m->name, e->c_name, len) == 0 && strcmp(m->name + len, "__") > 0 &&
            strcmp(m->name + len + 2, e->patterns[a].c_name) == 0)
            return &e->patterns[a];
    return NULL;
}

/*
 * The runtime calls of the DynamoDB implementation that libddbkit-sqlrepo has with the same
 * arguments after the client, descriptor and table, which become the context and the entity.
 */
static const char *const sql_calls[][2] = {
    {"query_page", "query_page"},
    {"scan_page", "scan_page"},
    {"query_one", "query_one"},
    {"scan_one", "scan_one"},
    {"get", "get_item"},
    {"update_fields", "update_fields"},
    {"delete_returning", "delete_returning"},
    {"delete_key", "delete_key"},
    {"batch_get", "batch_get"},
    {"batch_write", "batch_write"},
    {"query_page_partial", "query_page_partial"},
    {"scan_page_partial", "scan_page_partial"},
    {"query_one_partial", "query_one_partial"},
};

/*
 * The calls on items of several entity types, whose client and table are apart: the descriptors
 * (ddb_kinds) become the entities as tables (sql_entities, in the same kind order), the pattern
 * entity's descriptor and table its table, a scan's table its name in the model.
 */
static void mixed_calls(emitter *E, const emit_member *m, ddbgen_buf *body)
{
    static const char *const calls[][2] = {
        {"ddb_entity_query_mixed(", "ddb_sql_repo_query_mixed("},
        {"ddb_entity_scan_mixed(", "ddb_sql_repo_scan_mixed("},
    };
    const char *text = ddbgen_buf_str(body);
    ddbgen_buf out = DDBGEN_BUF_INIT;
    char desc[600];
    if (!text || !strstr(text, "_mixed("))
        return;
    snprintf(desc, sizeof desc, "&%s__%s__desc, ddb_table_of(ddb_r, ", E->ns, m->entity->c_name);
    while (*text) {
        const char *call = NULL, *to = NULL, *end, *q;
        size_t from_len = 0;
        for (size_t i = 0; i < 2; i++) {
            const char *hit = strstr(text, calls[i][0]);
            if (hit && (!call || hit < call)) {
                call = hit;
                to = calls[i][1];
                from_len = strlen(calls[i][0]);
            }
        }
        if (!call || !(end = strstr(call, ");"))) {
            ddbgen_buf_puts(&out, text);
            break;
        }
        ddbgen_buf_printf(&out, "%.*s%s", (int)(call - text), text, to);
        for (q = call + from_len; q < end;) {
            if (strncmp(q, "ddb_r->client, ddb_kinds,", 25) == 0) {
                ddbgen_buf_puts(&out, "&ddb_r->x, sql_entities,");
                q += 25;
            } else if (strncmp(q, desc, strlen(desc)) == 0) {
                ddbgen_buf_printf(&out, "&%s__sql", m->entity->c_name);
                for (q += strlen(desc); *q >= '0' && *q <= '9'; q++)
                    ;
                q += *q == ')';
            } else if (strncmp(q, "ddb_table_of(ddb_r, ", 20) == 0) {
                size_t t = 0;
                for (q += 20; *q >= '0' && *q <= '9'; q++)
                    t = t * 10 + (size_t)(*q - '0');
                q += *q == ')';
                emit_c_string(&out, t < E->m->n_tables ? E->m->tables[t].name : "");
            } else {
                ddbgen_buf_printf(&out, "%c", *q++);
            }
        }
        text = end;
    }
    ddbgen_buf_free(body);
    *body = out;
}

/*
 * The body of member m: the DynamoDB implementation's, each runtime call on the client turned
 * into libddbkit-sqlrepo's. Returns false (and why: the call it has no SQL for) when it cannot.
 */
/* why: "<the runtime call before `at`> has no SQL yet". */
static void no_sql(char *why, size_t cap, const char *text, const char *at)
{
    const char *call = NULL, *q;
    size_t len = 0;
    for (q = text; q && (q = strstr(q, "ddb_entity_")) != NULL && (!at || q < at); q++)
        call = q;
    while (call && (call[len] == '_' || (call[len] >= 'a' && call[len] <= 'z')))
        len++;
    snprintf(why, cap, "%.*s has no SQL yet", call ? (int)len : 20,
             call ? call : "a call on the client");
}

static bool sql_body(emitter *E, const emit_member *m, ddbgen_buf *out, char *why, size_t cap)
{
    const ddbgen_access_pattern *ap = pattern_of(m);
    ddbgen_buf body = DDBGEN_BUF_INIT;
    char target[600];
    const char *text, *p;
    bool ok = true;
    snprintf(why, cap, "its access pattern's shape");
    if (!ap)
        return false;
    emit_repo_pattern_body(E, m->entity, ap, &body);
    mixed_calls(E, m, &body);
    text = ddbgen_buf_str(&body);
    snprintf(target, sizeof target, "ddb_r->client, &%s__%s__desc,", E->ns, m->entity->c_name);
    for (p = text; ok && p && *p;) {
        const char *hit = strstr(p, target), *call = NULL, *q;
        size_t len;
        if (!hit) {
            ddbgen_buf_puts(out, p);
            break;
        }
        for (q = p; (q = strstr(q, "ddb_entity_")) != NULL && q < hit; q++)
            call = q;
        ok = false;
        for (size_t i = 0; call && !ok && i < sizeof sql_calls / sizeof sql_calls[0]; i++) {
            len = strlen(sql_calls[i][0]);
            if (strncmp(call + 11, sql_calls[i][0], len) == 0 && call[11 + len] == '(') {
                ok = true;
                ddbgen_buf_printf(out, "%.*sddb_sql_repo_%s%.*s&ddb_r->x, &%s__sql",
                                  (int)(call - p), p, sql_calls[i][1], (int)(hit - call - 11 - len),
                                  call + 11 + len, m->entity->c_name);
            }
        }
        if (!ok) {
            no_sql(why, cap, p, hit);
            break;
        }
        /* then the table (the call may break the line before it) */
        for (q = hit + strlen(target); *q == ' ' || *q == '\n'; q++)
            ;
        if (strncmp(q, "ddb_table_of(ddb_r, ", 20) != 0) {
            no_sql(why, cap, p, hit);
            ok = false;
            break;
        }
        for (q += 20; *q >= '0' && *q <= '9'; q++)
            ;
        p = *q == ')' ? q + 1 : q;
    }
    ddbgen_buf_free(&body);
    text = ddbgen_buf_str(out);
    if (ok && text &&
        (strstr(text, "ddb_r->client") || strstr(text, "ddb_table_of") ||
         strstr(text, "ddb_kinds"))) {
        no_sql(why, cap, text, strstr(text, "ddb_r->client"));
        ok = false;
    }
    return ok && text;
}

/* s with every from replaced by to, into out. */
static void replace_all(ddbgen_buf *out, const char *s, const char *from, const char *to)
{
    const char *hit;
    while (s && (hit = strstr(s, from)) != NULL) {
        ddbgen_buf_printf(out, "%.*s%s", (int)(hit - s), s, to);
        s = hit + strlen(from);
    }
    if (s)
        ddbgen_buf_puts(out, s);
}

static void check_member(emitter *E, const emit_member *m, void *ctx)
{
    check_ctx *k = ctx;
    const ddbgen_access_pattern *ap = pattern_of(m);
    ddbgen_buf body = DDBGEN_BUF_INIT;
    char why[200];
    bool ok;
    if (!m->entity)
        return; /* a transaction pattern's conditions are checked already */
    ok = sql_body(E, m, &body, why, sizeof why);
    ddbgen_buf_free(&body);
    /* filters the SQL has no condition for (the runtime would refuse them at each call) */
    for (size_t i = 0; ok && ap && ap->filter && i < ap->filter->n_conditions; i++) {
        const ddbgen_filter_condition *fc = &ap->filter->conditions[i];
        const ddbgen_field *f = fc->field ? ddbgen_entity_find_field(m->entity, fc->field) : NULL;
        bool exists =
            fc->fn == DDBGEN_FFN_ATTRIBUTE_EXISTS || fc->fn == DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS;
        if (fc->fn == DDBGEN_FFN_SIZE)
            snprintf(why, sizeof why, "a filter on size(%s)", fc->field ? fc->field : "");
        else if (f && !exists && (f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT))
            snprintf(why, sizeof why, "a filter on the list or object %s", f->name);
        else
            continue;
        ok = false;
    }
    if (!ok)
        missing(k, ap ? ap->path : NULL, m->name, why);
}

/* Whether cond is attribute_exists or attribute_not_exists of a primary key attribute of e: the
 * conditions libddbkit-sqlrepo's transactions have. */
static bool existence_condition(const ddbgen_entity *e, const char *cond)
{
    static const char *const forms[] = {"attribute_exists(", "attribute_not_exists("};
    const char *keys[2] = {e->table->partition_key, e->table->sort_key};
    for (int f = 0; f < 2; f++) {
        size_t len = strlen(forms[f]);
        if (strncmp(cond, forms[f], len) != 0)
            continue;
        for (int k = 0; k < 2; k++) {
            size_t al = keys[k] ? strlen(keys[k]) : 0;
            if (keys[k] && strncmp(cond + len, keys[k], al) == 0 &&
                strcmp(cond + len + al, ")") == 0)
                return true;
        }
    }
    return false;
}

/* Whether this slice implements everything of the model; one warning lists what it does not. */
static bool supported(emitter *E)
{
    const ddbgen_model *m = E->m;
    check_ctx k = {true, 0, NULL, DDBGEN_BUF_INIT};
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            int key[MAX_KEY];
            bool ok = true;
            key_fields(e, key, &ok);
            if (e->ext.source_path)
                missing(&k, e->ext.source_path, e->name, "x-ddbkit.source");
            if (!ok)
                missing(&k, e->pk.path, e->name, "a primary key that is not scalar fields");
        }
    for (size_t t = 0; t < m->n_tx_patterns; t++)
        for (size_t a = 0; a < m->tx_patterns[t].n_entities; a++) {
            const ddbgen_tx_entity *te = &m->tx_patterns[t].entities[a];
            const ddbgen_entity *e = ddbgen_model_find_entity(m, te->entity);
            if (te->condition && (!e || !existence_condition(e, te->condition))) {
                missing(&k, te->path, m->tx_patterns[t].c_name,
                        "a transaction condition other than on the item's existence");
                break;
            }
        }
    emit_repo_pattern_members(E, check_member, &k);
    if (k.n && E->require_sql)
        E->status = DDBGEN_ERR_INVALID; /* --require-sql: nothing is written */
    if (k.n && E->diags)
        ddbgen_diag_add(E->diags, E->require_sql ? DDBGEN_SEV_ERROR : DDBGEN_SEV_WARNING,
                        k.first_path ? k.first_path : "$",
                        E->require_sql ? "--require-sql was given; docs/generated-code.md lists "
                                         "what the relational implementation covers"
                                       : "the other generated files are written; "
                                         "docs/generated-code.md lists what the relational "
                                         "implementation covers",
                        "the relational implementation (<ns>_sql.h/.c, <ns>_schema.*.sql) is not "
                        "generated: %zu part%s of the model %s no SQL yet: %s",
                        k.n, k.n == 1 ? "" : "s", k.n == 1 ? "has" : "have",
                        ddbgen_buf_str(&k.list) ? ddbgen_buf_str(&k.list) : "");
    ddbgen_buf_free(&k.list);
    return k.ok;
}

/* ---- schema ------------------------------------------------------------------------------------ */

static bool in_list(const int *a, size_t n, int f)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] == f)
            return true;
    return false;
}

/* Whether field f is in a key, a unique value set or an index: MariaDB needs VARCHAR there. */
static bool indexed(const ddbgen_entity *e, int f)
{
    int key[MAX_KEY];
    bool ok = true;
    size_t n = key_fields(e, key, &ok);
    if (in_list(key, n, f))
        return true;
    for (size_t u = 0; u < e->ext.n_unique; u++)
        for (size_t i = 0; i < e->ext.unique[u].n_fields; i++)
            if (strcmp(e->ext.unique[u].fields[i], e->fields[f].name) == 0)
                return true;
    for (size_t g = 0; g < e->n_gsi_mappings; g++)
        for (int k = 0; k < 2; k++) {
            const ddbgen_key_template *kt = k ? &e->gsi_mappings[g].sk : &e->gsi_mappings[g].pk;
            for (size_t i = 0; kt->present && i < kt->n; i++)
                for (size_t j = 0; j < kt->items[i].n_parts; j++)
                    if (kt->items[i].parts[j].is_field &&
                        strcmp(kt->items[i].parts[j].text, e->fields[f].name) == 0)
                        return true;
        }
    return false;
}

static const char *column_type(int d, const ddbgen_field *f, bool idx)
{
    static const char *const text[N_DIALECTS] = {"TEXT", "TEXT", "TEXT COLLATE \"C\""};
    static const char *const text_idx[N_DIALECTS] = {"TEXT", "VARCHAR(255)", "TEXT COLLATE \"C\""};
    static const char *const json[N_DIALECTS] = {"TEXT", "LONGTEXT", "TEXT"};
    switch (f->type) {
    case DDBGEN_TYPE_INTEGER:
        return "BIGINT";
    case DDBGEN_TYPE_BOOLEAN:
        return d == MARIADB ? "TINYINT(1)" : "BOOLEAN";
    case DDBGEN_TYPE_UUID:
        return d == POSTGRES ? "CHAR(36) COLLATE \"C\"" : "CHAR(36)";
    case DDBGEN_TYPE_ARRAY:
    case DDBGEN_TYPE_OBJECT:
        return json[d];
    default: /* string, decimal (its exact text) */
        return idx ? text_idx[d] : text[d];
    }
}

/* A quoted identifier, its quote character doubled inside, as the runtime writes it
   (sqlrepo.c, sb_ident): a model's attribute names may hold any character. */
static void ident(ddbgen_buf *b, int d, const char *prefix, const char *name)
{
    char q = d == MARIADB ? '`' : '"';
    ddbgen_buf_printf(b, "%c%s", q, prefix);
    for (const char *s = name; *s; s++) {
        if (*s == q)
            ddbgen_buf_putc(b, q);
        ddbgen_buf_putc(b, *s);
    }
    ddbgen_buf_putc(b, q);
}

/* Whether keys[k] is the first key of its attribute (the runtime's key column order). */
static bool first_of_attribute(const key_ref *keys, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (strcmp(keys[j].attribute, keys[k].attribute) == 0)
            return false;
    return true;
}

/*
 * The key columns (libddbkit-sqlrepo's "ddb_key_<attribute>"): each key attribute's DynamoDB
 * value, which queries compare and order by; numeric keys as exact numbers.
 */
static void emit_key_columns(ddbgen_buf *b, int d, const ddbgen_entity *e)
{
    static const char *const num[N_DIALECTS] = {"NUMERIC", "DECIMAL(65,30)", "NUMERIC"};
    static const char *const text[N_DIALECTS] = {"TEXT", "VARCHAR(255)", "TEXT COLLATE \"C\""};
    key_ref keys[MAX_KEYS];
    size_t n_primary = 0, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
    for (size_t k = 0; k < n; k++) {
        char name[300];
        if (!first_of_attribute(keys, k))
            continue;
        snprintf(name, sizeof name, "ddb_key_%s", keys[k].attribute);
        ddbgen_buf_puts(b, "    ");
        ident(b, d, "", name);
        ddbgen_buf_printf(b, " %s%s,\n",
                          ddbgen_template_key_type(e, keys[k].tmpl) == DDBGEN_KEY_N ? num[d]
                                                                                    : text[d],
                          k < n_primary ? " NOT NULL" : "");
    }
}

static bool same_index(const key_ref *a, const key_ref *b)
{
    return a->index ? b->index && strcmp(a->index, b->index) == 0 : !b->index;
}

/* An index per key (the table's, then each GSI's) over its key columns: the queries' WHERE. */
static void emit_key_indexes(ddbgen_buf *b, int d, const char *prefix, const ddbgen_entity *e)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary = 0, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
    for (size_t k = 0; k < n; k++) {
        char iname[300], col[300];
        if (k > 0 && same_index(&keys[k], &keys[k - 1]))
            continue; /* in the index of the key before */
        snprintf(iname, sizeof iname, "%s__%s", e->c_name,
                 keys[k].index ? keys[k].index : "ddb_key");
        for (char *p = iname; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
            else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                *p = '_';
        ddbgen_buf_printf(b, "-- %s%s\nCREATE INDEX ", keys[k].index ? "GSI " : "",
                          keys[k].index ? keys[k].index : "the table's key");
        ident(b, d, prefix, iname);
        ddbgen_buf_puts(b, " ON ");
        ident(b, d, prefix, e->c_name);
        ddbgen_buf_puts(b, " (");
        for (size_t j = k; j < n && same_index(&keys[k], &keys[j]); j++) {
            snprintf(col, sizeof col, "ddb_key_%s", keys[j].attribute);
            ddbgen_buf_puts(b, j > k ? ", " : "");
            ident(b, d, "", col);
        }
        ddbgen_buf_puts(b, ");\n");
    }
}

/* The schema of dialect d; table and index names start with prefix ("{prefix}" in the C). */
static void emit_schema(emitter *E, ddbgen_buf *b, int d, const char *prefix)
{
    const ddbgen_model *m = E->m;
    bool counter = false;
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            const char *ver = ddbgen_entity_version_attribute(m, e);
            int key[MAX_KEY];
            bool ok = true;
            size_t n = key_fields(e, key, &ok);
            counter = counter || e->ext.id_strategy == DDBGEN_ID_COUNTER ||
                      e->ext.id_strategy == DDBGEN_ID_SOURCE;
            ddbgen_buf_printf(b, "-- %s (DynamoDB table %s)\nCREATE TABLE ", e->name,
                              m->tables[t].name);
            ident(b, d, prefix, e->c_name);
            ddbgen_buf_puts(b, " (\n");
            for (size_t f = 0; f < e->n_fields; f++) {
                const ddbgen_field *fd = &e->fields[f];
                ddbgen_buf_puts(b, "    ");
                ident(b, d, "", fd->name);
                ddbgen_buf_printf(b, " %s%s,\n", column_type(d, fd, indexed(e, (int)f)),
                                  fd->required || in_list(key, n, (int)f) ? " NOT NULL" : "");
            }
            ddbgen_buf_puts(b, "    ");
            ident(b, d, "", ver);
            ddbgen_buf_puts(b, " BIGINT NOT NULL,\n");
            emit_key_columns(b, d, e);
            ddbgen_buf_puts(b, "    PRIMARY KEY (");
            for (size_t k = 0; k < n; k++) {
                ddbgen_buf_puts(b, k ? ", " : "");
                ident(b, d, "", e->fields[key[k]].name);
            }
            ddbgen_buf_puts(b, ")");
            for (size_t u = 0; u < e->ext.n_unique; u++) {
                ddbgen_buf_puts(b, ",\n    UNIQUE (");
                for (size_t f = 0; f < e->ext.unique[u].n_fields; f++) {
                    ddbgen_buf_puts(b, f ? ", " : "");
                    ident(b, d, "", e->ext.unique[u].fields[f]);
                }
                ddbgen_buf_puts(b, ")");
            }
            ddbgen_buf_printf(
                b, "\n)%s;\n",
                d == MARIADB ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
            emit_key_indexes(b, d, prefix, e);
        }
    if (counter) {
        ddbgen_buf_puts(b, "-- the counter and source IDs\nCREATE TABLE ");
        ident(b, d, prefix, "ddb_id_counters");
        ddbgen_buf_printf(
            b, " (\n    name %s NOT NULL PRIMARY KEY,\n    last_id BIGINT NOT NULL\n)%s;\n",
            d == SQLITE    ? "TEXT"
            : d == MARIADB ? "VARCHAR(255)"
                           : "TEXT COLLATE \"C\"",
            d == MARIADB ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
    }
}

/* ---- <ns>_sql.c -------------------------------------------------------------------------------- */

static size_t n_entities(const ddbgen_model *m);

/*
 * The body of transaction member m: the DynamoDB implementation's, its actions' tables named as
 * in the model and its call on the client turned into libddbkit-sqlrepo's over sql_entities.
 */
static void emit_tx_member(emitter *E, const emit_member *m, ddbgen_buf *c)
{
    ddbgen_buf all = DDBGEN_BUF_INIT, out = DDBGEN_BUF_INIT, a = DDBGEN_BUF_INIT;
    ddbgen_buf b = DDBGEN_BUF_INIT, n = DDBGEN_BUF_INIT;
    char head[400], calls[2][2][300];
    const char *text, *start, *end, *p;
    emit_repo_tx_impls(E, &all);
    text = ddbgen_buf_str(&all);
    snprintf(head, sizeof head, "static int %s_ddb(", m->name);
    start = text ? strstr(text, head) : NULL;
    start = start ? strstr(start, "\n{\n") : NULL;
    end = start ? strstr(start, "\n}\n") : NULL;
    if (!start || !end) {
        E->status = DDBGEN_ERR_NOMEM;
        ddbgen_buf_free(&all);
        return;
    }
    /* the tables: their names in the model (the entities' tables are found by descriptor) */
    for (p = start + 1; p < end + 3;) {
        const char *hit = strstr(p, "ddb_table_of(ddb_r, ");
        size_t t = 0;
        if (!hit || hit >= end) {
            ddbgen_buf_printf(&out, "%.*s", (int)(end + 3 - p), p);
            break;
        }
        ddbgen_buf_printf(&out, "%.*s", (int)(hit - p), p);
        for (p = hit + 20; *p >= '0' && *p <= '9'; p++)
            t = t * 10 + (size_t)(*p - '0');
        p += *p == ')';
        emit_c_string(&out, t < E->m->n_tables ? E->m->tables[t].name : "");
    }
    snprintf(calls[0][0], sizeof calls[0][0], "ddb_entity_transact_write(ddb_r->client, ");
    snprintf(calls[0][1], sizeof calls[0][1],
             "ddb_sql_repo_transact_write(&ddb_r->x, sql_entities, %zu, ", n_entities(E->m));
    snprintf(calls[1][0], sizeof calls[1][0], "ddb_r->client, ddb_ops,");
    snprintf(calls[1][1], sizeof calls[1][1], "&ddb_r->x, sql_entities, %zu, ddb_ops,",
             n_entities(E->m));
    replace_all(&a, ddbgen_buf_str(&out), calls[0][0], calls[0][1]);
    replace_all(&b, ddbgen_buf_str(&a), "ddb_entity_transact_get(", "ddb_sql_repo_transact_get(");
    replace_all(&n, ddbgen_buf_str(&b), calls[1][0], calls[1][1]);
    ddbgen_buf_free(&a);
    replace_all(&a, ddbgen_buf_str(&n), "ddb_repo_impl *ddb_r = (ddb_repo_impl *)ddb_repo;",
                "sql_repo *ddb_r = (sql_repo *)ddb_repo;");
    ddbgen_buf_printf(c, "\nstatic int %s_sql%s\n", m->name, m->decl);
    ddbgen_buf_puts(c, ddbgen_buf_str(&a) ? ddbgen_buf_str(&a) : "");
    ddbgen_buf_free(&all);
    ddbgen_buf_free(&out);
    ddbgen_buf_free(&a);
    ddbgen_buf_free(&b);
    ddbgen_buf_free(&n);
}

static void emit_member_impl(emitter *E, const emit_member *m, void *ctx)
{
    ddbgen_buf *c = ctx;
    ddbgen_buf body = DDBGEN_BUF_INIT, a = DDBGEN_BUF_INIT, b = DDBGEN_BUF_INIT;
    char why[200];
    if (!m->entity) {
        emit_tx_member(E, m, c);
        return;
    }
    ddbgen_buf_printf(c, "\nstatic int %s_sql%s\n", m->name, m->decl);
    sql_body(E, m, &body, why, sizeof why);
    replace_all(&a, ddbgen_buf_str(&body), "ddb_repo_impl *ddb_r = (ddb_repo_impl *)ddb_repo;",
                "sql_repo *ddb_r = (sql_repo *)ddb_repo;");
    /* every read of the relational implementation is consistent */
    replace_all(&b, ddbgen_buf_str(&a), "ddb_r->consistent", "true");
    ddbgen_buf_puts(c, ddbgen_buf_str(&b) ? ddbgen_buf_str(&b) : "");
    ddbgen_buf_free(&body);
    ddbgen_buf_free(&a);
    ddbgen_buf_free(&b);
}

static void emit_member_assign(emitter *E, const emit_member *m, void *ctx)
{
    (void)E;
    ddbgen_buf_printf(ctx, "    r->base.%s = %s_sql;\n", m->name, m->name);
}

static void emit_c_schema(emitter *E, ddbgen_buf *c, int d)
{
    ddbgen_buf s = DDBGEN_BUF_INIT;
    const char *text, *line;
    emit_schema(E, &s, d, "{prefix}");
    text = ddbgen_buf_str(&s);
    /* a line per string: one literal for the whole script may pass the 4095 characters a C
     * compiler must support */
    ddbgen_buf_printf(c, "\nconst char *const %s__sql_schema_%s[] = {\n", E->ns, dialect_word[d]);
    for (line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        ddbgen_buf piece = DDBGEN_BUF_INIT;
        ddbgen_buf_printf(&piece, "%.*s", (int)len, line);
        ddbgen_buf_puts(c, "    ");
        emit_c_string(c, ddbgen_buf_str(&piece) ? ddbgen_buf_str(&piece) : "");
        ddbgen_buf_puts(c, ",\n");
        ddbgen_buf_free(&piece);
        line += len;
    }
    ddbgen_buf_puts(c, "    NULL,\n};\n");
    ddbgen_buf_free(&s);
}

static size_t n_entities(const ddbgen_model *m)
{
    size_t n = 0;
    for (size_t t = 0; t < m->n_tables; t++)
        n += m->tables[t].n_entities;
    return n;
}

static void emit_header(emitter *E, ddbgen_buf *h)
{
    const char *ns = E->ns;
    emit_file_banner(E, h, "_sql.h");
    ddbgen_buf_puts(h, "#ifndef ");
    emit_upper(h, ns);
    ddbgen_buf_puts(h, "_SQL_H\n#define ");
    emit_upper(h, ns);
    ddbgen_buf_printf(h,
                      "_SQL_H\n\n#include \"ddb/sql/sqldb.h\"\n#include \"%s.h\"\n\n"
                      "#ifdef __cplusplus\nextern \"C\" {\n#endif\n",
                      ns);
    emit_banner(h, "Relational implementation");
    ddbgen_buf_printf(h,
                      "\n/* Options of %s__sql_repo_new; NULL means defaults. */\n"
                      "typedef struct %s__sql_options {\n"
                      "    unsigned version;         /* 1 */\n"
                      "    const char *table_prefix; /* prepended to every table name; NULL: "
                      "none */\n"
                      "} %s__sql_options;\n\n#define ",
                      ns, ns, ns);
    emit_upper(h, ns);
    ddbgen_buf_printf(
        h,
        "__SQL_OPTIONS_INIT {1, NULL}\n\n"
        "/*\n * The repository over a relational database (libddbkit-sql: SQLite, MariaDB,\n"
        " * PostgreSQL), one table per entity (%s_schema.<dialect>.sql). db is borrowed: it must\n"
        " * outlive the repository. *out is the caller's (%s__repo_free). The members behave as\n"
        " * the DynamoDB implementation's and report the same error codes; list pages are in key\n"
        " * order and take no offset (DDB_ERR_INVALID_ARG). Link libddbkit-sqlrepo.\n */\n"
        "int %s__sql_repo_new(%s__repo **out, ddb_sql *db, const %s__sql_options *o,\n"
        "    ddb_error *err);\n\n"
        "/* The schema of each dialect (the %s_schema.*.sql files) line by line, NULL last, every\n"
        " * table name prefixed with \"{prefix}\", which %s__sql_create_tables replaces. */\n"
        "extern const char *const %s__sql_schema_sqlite[];\n"
        "extern const char *const %s__sql_schema_mariadb[];\n"
        "extern const char *const %s__sql_schema_postgres[];\n\n"
        "/* Creates every table in db's dialect, names prefixed with table_prefix (may be NULL).\n"
        " * For tests and local setups. Returns 0 or a ddb_error_code. */\n"
        "int %s__sql_create_tables(ddb_sql *db, const char *table_prefix, ddb_error *err);\n",
        ns, ns, ns, ns, ns, ns, ns, ns, ns, ns, ns);
    ddbgen_buf_puts(h, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

static void emit_source(emitter *E, ddbgen_buf *c)
{
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;
    size_t n = n_entities(m), k = 0;
    ddbgen_buf *saved = E->c;
    emit_file_banner(E, c, "_sql.c");
    ddbgen_buf_printf(
        c,
        "#include \"%s_sql.h\"\n\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
        "#include \"ddb/sqlrepo/sqlrepo.h\"\n",
        ns);
    emit_banner(c, "Entities as tables");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            int key[MAX_KEY];
            bool ok = true;
            size_t nk = key_fields(e, key, &ok);
            E->c = c;
            emit_store_desc(E, e);
            E->c = saved;
            ddbgen_buf_printf(c, "\nstatic const int %s__sql_key[] = {", e->c_name);
            for (size_t q = 0; q < nk; q++)
                ddbgen_buf_printf(c, "%s%d", q ? ", " : "", key[q]);
            ddbgen_buf_printf(c,
                              "};\nstatic const ddb_sql_entity %s__sql = {\n"
                              "    DDB_SQL_ENTITY_VERSION, &%s__store, \"%s\", %zu, %s__sql_key,",
                              e->c_name, e->c_name, e->c_name, nk, e->c_name);
            if (e->ext.sequence_path && e->ext.sequence_parent &&
                ddbgen_model_find_entity(m, e->ext.sequence_parent))
                ddbgen_buf_printf(c, " \"%s\",",
                                  ddbgen_model_find_entity(m, e->ext.sequence_parent)->c_name);
            else
                ddbgen_buf_puts(c, " NULL,");
            ddbgen_buf_puts(c, "\n};\n");
        }
    ddbgen_buf_printf(c, "\nstatic const ddb_sql_entity *const sql_entities[] = {\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++)
            ddbgen_buf_printf(c, "    &%s__sql,\n", m->tables[t].entities[i].c_name);
    if (!n)
        ddbgen_buf_puts(c, "    NULL,\n");
    ddbgen_buf_printf(c,
                      "};\n\ntypedef struct sql_repo {\n    %s__repo base;\n"
                      "    ddb_sql_repo_ctx x;\n    char *prefix;\n} sql_repo;\n",
                      ns);
    emit_banner(c, "Storage members");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const char *en = m->tables[t].entities[i].c_name;
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__create_sql(%s__repo *repo, %s__%s *obj, ddb_error *err)\n{\n"
                "    return ddb_sql_repo_create(&((sql_repo *)repo)->x, &%s__sql, obj, err);\n}\n"
                "\nstatic int %s__get_sql(%s__repo *repo, %s__%s *out, bool *found,\n"
                "    const %s__%s *key, ddb_error *err)\n{\n"
                "    return ddb_sql_repo_get(out, found, &((sql_repo *)repo)->x, &%s__sql, key, "
                "err);\n}\n"
                "\nstatic int %s__update_sql(%s__repo *repo, %s__%s *obj, ddb_error *err)\n{\n"
                "    return ddb_sql_repo_update(&((sql_repo *)repo)->x, &%s__sql, obj, err);\n}\n"
                "\nstatic int %s__delete_sql(%s__repo *repo, const %s__%s *obj, ddb_error *err)\n"
                "{\n"
                "    return ddb_sql_repo_delete(&((sql_repo *)repo)->x, &%s__sql, obj, err);\n}\n"
                "\nstatic int %s__list_sql(%s__repo *repo, %s__%s__page *out,\n"
                "    const %s__page_request *page, ddb_error *err)\n{\n"
                "    ddb_entity_page p = {0, NULL, NULL};\n    int rc;\n"
                "    if (!out || (page && page->offset))\n"
                "        return ddb_error_set(err, DDB_ERR_INVALID_ARG, \"%s list: %%s\",\n"
                "            out ? \"page.offset: the relational list pages by cursor only\" : "
                "\"no page\");\n"
                "    rc = ddb_sql_repo_list(&p, &((sql_repo *)repo)->x, &%s__sql,\n"
                "        page ? page->cursor : NULL, page ? page->limit : 0, err);\n"
                "    if (rc == 0) {\n        out->n_items = p.n;\n        out->items = p.items;\n"
                "        out->cursor = p.cursor;\n    }\n    return rc;\n}\n"
                "\nstatic int %s__mirror_sql(%s__repo *repo, const %s__%s *obj, const %s__%s "
                "*key,\n    ddb_error *err)\n{\n"
                "    return ddb_sql_repo_mirror(&((sql_repo *)repo)->x, &%s__sql, obj, key, err);"
                "\n}\n",
                en, ns, ns, en, en, en, ns, ns, en, ns, en, en, en, ns, ns, en, en, en, ns, ns, en,
                en, en, ns, ns, en, ns, m->tables[t].entities[i].name, en, en, ns, ns, en, ns, en,
                en);
        }
    emit_banner(c, "Access patterns");
    emit_repo_pattern_members(E, emit_member_impl, c);
    emit_banner(c, "Transactions and IDs");
    ddbgen_buf_printf(
        c,
        "\nstatic int transact_sql(%s__repo *repo, %s__write *ops, size_t n_ops, ddb_error *err)\n"
        "{\n    ddb_sql_write *w;\n    int rc;\n"
        "    if (n_ops && !ops)\n        return DDB_ERR_INVALID_ARG;\n"
        "    w = calloc(n_ops ? n_ops : 1, sizeof *w);\n"
        "    if (!w)\n        return DDB_ERR_NOMEM;\n"
        "    for (size_t i = 0; i < n_ops; i++) {\n"
        "        size_t k = (size_t)ops[i].kind;\n"
        "        if (k < 1 || k > %zu) {\n            free(w);\n"
        "            return ddb_error_set(err, DDB_ERR_INVALID_ARG, \"transact: op %%zu is not "
        "valid\", i);\n        }\n"
        "        w[i].entity = sql_entities[k - 1];\n"
        "        w[i].op = (ddb_store_op)ops[i].op;\n        w[i].obj = ops[i].obj;\n"
        "        w[i].field = ops[i].field;\n        w[i].delta = ops[i].delta;\n"
        "        w[i].min_result = ops[i].min_result;\n    }\n"
        "    rc = ddb_sql_repo_transact(&((sql_repo *)repo)->x, w, n_ops, err);\n"
        "    free(w);\n    return rc;\n}\n"
        "\nstatic int max_id_sql(%s__repo *repo, %s__kind kind, int64_t *out, ddb_error *err)\n"
        "{\n    size_t k = (size_t)kind;\n"
        "    if (k < 1 || k > %zu)\n        return DDB_ERR_INVALID_ARG;\n"
        "    return ddb_sql_repo_max_id(out, &((sql_repo *)repo)->x, sql_entities[k - 1], err);\n"
        "}\n"
        "\nstatic int seed_id_sql(%s__repo *repo, %s__kind kind, int64_t floor, ddb_error *err)\n"
        "{\n    size_t k = (size_t)kind;\n"
        "    if (k < 1 || k > %zu)\n        return DDB_ERR_INVALID_ARG;\n"
        "    return ddb_sql_repo_seed_id(&((sql_repo *)repo)->x, sql_entities[k - 1], floor, "
        "err);\n}\n"
        "\nstatic void free_sql(%s__repo *repo)\n{\n"
        "    sql_repo *r = (sql_repo *)repo;\n    if (!r)\n        return;\n"
        "    free(r->prefix);\n    free(r);\n}\n",
        ns, ns, n, ns, ns, n, ns, ns, n, ns);
    emit_banner(c, "Schema");
    for (int d = 0; d < N_DIALECTS; d++)
        emit_c_schema(E, c, d);
    ddbgen_buf_printf(
        c,
        "\nint %s__sql_create_tables(ddb_sql *db, const char *table_prefix, ddb_error *err)\n{\n"
        "    ddb_sql_repo_ctx x = {db, table_prefix};\n"
        "    ddb_sql_dialect d = db ? ddb_sql_dialect_of(db) : DDB_SQL_SQLITE;\n"
        "    if (!db)\n        return DDB_ERR_INVALID_ARG;\n"
        "    return ddb_sql_repo_exec_schema_lines(&x,\n"
        "        d == DDB_SQL_MARIADB    ? %s__sql_schema_mariadb\n"
        "        : d == DDB_SQL_POSTGRES ? %s__sql_schema_postgres\n"
        "                                : %s__sql_schema_sqlite,\n        err);\n}\n",
        ns, ns, ns, ns);
    emit_banner(c, "Construction");
    ddbgen_buf_printf(
        c,
        "\nint %s__sql_repo_new(%s__repo **out, ddb_sql *db, const %s__sql_options "
        "*o,\n    ddb_error *err)\n{\n    sql_repo *r;\n"
        "    if (!out || !db || (o && o->version != 1))\n"
        "        return ddb_error_set(err, DDB_ERR_INVALID_ARG, \"%s__sql_repo_new: "
        "bad argument\");\n"
        "    r = calloc(1, sizeof *r);\n"
        "    if (r && o && o->table_prefix) {\n"
        "        r->prefix = malloc(strlen(o->table_prefix) + 1);\n"
        "        if (r->prefix)\n"
        "            memcpy(r->prefix, o->table_prefix, strlen(o->table_prefix) + 1);\n"
        "    }\n"
        "    if (!r || (o && o->table_prefix && !r->prefix)) {\n"
        "        free(r);\n"
        "        return ddb_error_set(err, DDB_ERR_NOMEM, \"%s__sql_repo_new: out of "
        "memory\");\n    }\n"
        "    r->x.db = db;\n    r->x.prefix = r->prefix;\n"
        "    r->base.version = ",
        ns, ns, ns, ns, ns);
    emit_upper(c, ns);
    ddbgen_buf_puts(c, "__REPO_VERSION;\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++, k++) {
            const char *en = m->tables[t].entities[i].c_name;
            static const char *const mem[] = {"create", "get",  "update",
                                              "delete", "list", "mirror"};
            for (size_t q = 0; q < sizeof mem / sizeof mem[0]; q++)
                ddbgen_buf_printf(c, "    r->base.%s__%s = %s__%s_sql;\n", en, mem[q], en, mem[q]);
        }
    emit_repo_pattern_members(E, emit_member_assign, c);
    ddbgen_buf_puts(c, "    r->base.transact = transact_sql;\n    r->base.max_id = max_id_sql;\n"
                       "    r->base.seed_id = seed_id_sql;\n    r->base.free = free_sql;\n"
                       "    *out = &r->base;\n    return 0;\n}\n");
}

void emit_sql(emitter *E)
{
    ddbgen_buf *h, *c;
    char name[300];
    if (!supported(E))
        return;
    snprintf(name, sizeof name, "%s_sql.h", E->ns);
    h = emit_add_file(E, name);
    snprintf(name, sizeof name, "%s_sql.c", E->ns);
    c = emit_add_file(E, name);
    if (!h || !c)
        return;
    emit_header(E, h);
    emit_source(E, c);
    for (int d = 0; d < N_DIALECTS; d++) {
        ddbgen_buf *s;
        snprintf(name, sizeof name, "%s_schema.%s.sql", E->ns, dialect_word[d]);
        s = emit_add_file(E, name);
        if (!s)
            return;
        ddbgen_buf_printf(s,
                          "-- %s_schema.%s.sql - generated by `ddbkit generate` from %s.\n"
                          "-- DO NOT EDIT: change the model and generate again.\n"
                          "-- The tables of %s_sql.c (%s__sql_repo_new); "
                          "docs/design/sql-types.md gives the types.\n",
                          E->ns, dialect_word[d], E->model_name, E->ns, E->ns);
        emit_schema(E, s, d, "");
    }
}
