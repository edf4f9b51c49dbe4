/*
 * The C emitter: entity structs, their descriptor tables and thin wrappers over ddb/entity.h,
 * and the CreateTable definitions. See emit.h and docs/generated-code.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"
#include "usage.h"
#include "validate.h"

/* A malloc'd "a" "sep" "b", or NULL. */
char *emit_join2(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

bool ddbgen_namespace_ok(const char *ns)
{
    size_t n;
    if (!ns || !(ns[0] >= 'a' && ns[0] <= 'z'))
        return false;
    for (const char *p = ns; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    n = strlen(ns);
    return strstr(ns, "__") == NULL && ns[n - 1] != '_' && !ddbgen_is_c_keyword(ns);
}

void emit_upper(ddbgen_buf *b, const char *s)
{
    for (; *s; s++)
        ddbgen_buf_putc(b, (char)toupper((unsigned char)*s));
}

/* A C string literal for s (escaped; no line breaks in the literal). */
void emit_c_string(ddbgen_buf *b, const char *s)
{
    ddbgen_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ddbgen_buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            ddbgen_buf_puts(b, "\\n");
        else if (*p < 0x20 || *p >= 0x7f)
            ddbgen_buf_printf(b, "\\%03o", *p);
        else
            ddbgen_buf_putc(b, (char)*p);
    }
    ddbgen_buf_putc(b, '"');
}

/* Text for a comment: no comment terminator, one line. */
void emit_comment_text(ddbgen_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (p[0] == '*' && p[1] == '/') {
            ddbgen_buf_puts(b, "* /");
            p++;
        } else if (*p == '\n' || *p == '\r') {
            ddbgen_buf_putc(b, ' ');
        } else {
            ddbgen_buf_putc(b, *p);
        }
    }
}

void emit_banner(ddbgen_buf *b, const char *title)
{
    size_t n = strlen(title);
    ddbgen_buf_printf(b, "\n/* ==== %s ", title);
    for (size_t i = n + 9; i < 96; i++)
        ddbgen_buf_putc(b, '=');
    ddbgen_buf_puts(b, " */\n");
}

/* ---- field types ----------------------------------------------------------------------------- */

const char *emit_kind_name(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
        return "DDB_FIELD_STRING";
    case DDBGEN_TYPE_INTEGER:
        return "DDB_FIELD_INT64";
    case DDBGEN_TYPE_DECIMAL:
        return "DDB_FIELD_DECIMAL";
    case DDBGEN_TYPE_BOOLEAN:
        return "DDB_FIELD_BOOL";
    case DDBGEN_TYPE_UUID:
        return "DDB_FIELD_UUID";
    default:
        return "DDB_FIELD_VALUE";
    }
}

/* The C element type of a list of t. */
static const char *list_elem_type(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
    case DDBGEN_TYPE_UUID:
        return "char *";
    case DDBGEN_TYPE_INTEGER:
        return "int64_t ";
    case DDBGEN_TYPE_DECIMAL:
        return "ddb_decimal ";
    case DDBGEN_TYPE_BOOLEAN:
        return "bool ";
    default:
        return "ddb_value *";
    }
}

/* Optional scalars with no "no value" state of their own get a has_ flag. */
bool emit_needs_has(const ddbgen_field *f)
{
    if (f->required || f->type == DDBGEN_TYPE_ARRAY)
        return false;
    return f->type == DDBGEN_TYPE_INTEGER || f->type == DDBGEN_TYPE_BOOLEAN ||
           f->type == DDBGEN_TYPE_UUID;
}

static void emit_field_member(emitter *E, const ddbgen_field *f)
{
    ddbgen_buf *h = E->h;
    ddbgen_buf_printf(h, "    /* \"%s\": %s", f->name, f->type_raw ? f->type_raw : "?");
    if (f->type == DDBGEN_TYPE_ARRAY)
        ddbgen_buf_printf(h, " of %s", f->item_type_raw ? f->item_type_raw : "any");
    ddbgen_buf_printf(h, ", %s */\n", f->required ? "required" : "optional");
    if (f->type == DDBGEN_TYPE_ARRAY) {
        ddbgen_buf_printf(h, "    size_t n_%s;\n    %s*%s;\n", f->c_name,
                          list_elem_type(f->item_type), f->c_name);
        return;
    }
    if (emit_needs_has(f))
        ddbgen_buf_printf(h, "    bool has_%s;\n", f->c_name);
    switch (f->type) {
    case DDBGEN_TYPE_STRING:
        ddbgen_buf_printf(h, "    char *%s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_INTEGER:
        ddbgen_buf_printf(h, "    int64_t %s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(h, "    ddb_decimal %s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_BOOLEAN:
        ddbgen_buf_printf(h, "    bool %s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_UUID:
        ddbgen_buf_printf(h, "    char %s[37];\n", f->c_name);
        break;
    default:
        ddbgen_buf_printf(h, "    ddb_value *%s;\n", f->c_name);
        break;
    }
}

/* ---- keys ------------------------------------------------------------------------------------ */

int emit_field_index(const ddbgen_entity *e, const char *name)
{
    for (size_t i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The key attributes of an entity: primary first, then each GSI mapping's. */
size_t emit_collect_keys(const ddbgen_entity *e, key_ref *out, size_t cap, size_t *n_primary)
{
    size_t n = 0;
    const ddbgen_table *t = e->table;
    if (e->pk.present && e->pk.n >= 1 && n < cap)
        out[n++] = (key_ref){t->partition_key, NULL, &e->pk.items[0]};
    if (t->sort_key && e->sk.present && e->sk.n >= 1 && n < cap)
        out[n++] = (key_ref){t->sort_key, NULL, &e->sk.items[0]};
    *n_primary = n;
    for (size_t i = 0; i < e->n_gsi_mappings; i++) {
        const ddbgen_gsi_mapping *gm = &e->gsi_mappings[i];
        const ddbgen_gsi *g = ddbgen_table_find_gsi(t, gm->name);
        if (!g)
            continue;
        for (size_t k = 0; gm->pk.present && k < gm->pk.n && k < g->n_pk && n < cap; k++)
            out[n++] = (key_ref){g->pk[k], g->name, &gm->pk.items[k]};
        for (size_t k = 0; gm->sk.present && k < gm->sk.n && k < g->n_sk && n < cap; k++)
            out[n++] = (key_ref){g->sk[k], g->name, &gm->sk.items[k]};
    }
    return n;
}

static void emit_entity_source(emitter *E, const ddbgen_entity *e, const char *sname)
{
    ddbgen_buf *c = E->c;
    key_ref keys[MAX_KEYS];
    size_t n_primary, n_keys = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);

    ddbgen_buf_printf(c, "\n/* ---- %s ---- */\n\n", e->name);
    if (e->n_fields) {
        ddbgen_buf_printf(c, "static const ddb_field_desc %s__fields[] = {\n", e->c_name);
        for (size_t i = 0; i < e->n_fields; i++) {
            const ddbgen_field *f = &e->fields[i];
            bool list = f->type == DDBGEN_TYPE_ARRAY;
            ddbgen_type kt = list ? f->item_type : f->type;
            ddbgen_buf_puts(c, "    {");
            emit_c_string(c, f->name);
            ddbgen_buf_printf(c, ", %s, %s, %s, offsetof(%s, %s), ", emit_kind_name(kt),
                              list ? "true" : "false", f->required ? "true" : "false", sname,
                              f->c_name);
            if (emit_needs_has(f))
                ddbgen_buf_printf(c, "offsetof(%s, has_%s), ", sname, f->c_name);
            else
                ddbgen_buf_puts(c, "DDB_ENTITY_NO_OFFSET, ");
            if (list)
                ddbgen_buf_printf(c, "offsetof(%s, n_%s)},\n", sname, f->c_name);
            else
                ddbgen_buf_puts(c, "DDB_ENTITY_NO_OFFSET},\n");
        }
        ddbgen_buf_puts(c, "};\n\n");
    }
    for (size_t k = 0; k < n_keys; k++) {
        const ddbgen_template *t = keys[k].tmpl;
        if (t->n_parts == 0)
            continue;
        ddbgen_buf_printf(c, "static const ddb_key_part %s__key%zu[] = {", e->c_name, k);
        for (size_t p = 0; p < t->n_parts; p++) {
            const ddbgen_template_part *part = &t->parts[p];
            ddbgen_buf_puts(c, p ? ", {" : "{");
            if (part->is_field) {
                int fi = emit_field_index(e, part->text);
                if (fi < 0)
                    E->status = DDBGEN_ERR_INVALID;
                ddbgen_buf_printf(c, "NULL, %d, ", fi);
                if (part->format)
                    emit_c_string(c, part->format);
                else
                    ddbgen_buf_puts(c, "NULL");
            } else {
                emit_c_string(c, part->text);
                ddbgen_buf_puts(c, ", -1, NULL");
            }
            ddbgen_buf_putc(c, '}');
        }
        ddbgen_buf_puts(c, "};\n");
    }
    if (n_keys) {
        ddbgen_buf_printf(c, "\nstatic const ddb_key_desc %s__keys[] = {\n", e->c_name);
        for (size_t k = 0; k < n_keys; k++) {
            const ddbgen_template *t = keys[k].tmpl;
            ddbgen_buf_puts(c, "    {");
            emit_c_string(c, keys[k].attribute);
            ddbgen_buf_puts(c, ", ");
            if (keys[k].index)
                emit_c_string(c, keys[k].index);
            else
                ddbgen_buf_puts(c, "NULL");
            ddbgen_buf_printf(c, ", %s, %zu, ",
                              ddbgen_template_key_type(e, t) == DDBGEN_KEY_N ? "true" : "false",
                              t->n_parts);
            if (t->n_parts)
                ddbgen_buf_printf(c, "%s__key%zu},\n", e->c_name, k);
            else
                ddbgen_buf_puts(c, "NULL},\n");
        }
        ddbgen_buf_puts(c, "};\n");
    }
    ddbgen_buf_printf(c, "\nconst ddb_entity_desc %s__desc = {\n    DDB_ENTITY_ABI_VERSION, ",
                      sname);
    emit_c_string(c, e->name);
    ddbgen_buf_puts(c, ", ");
    emit_c_string(c, e->table->name);
    ddbgen_buf_printf(c, ", sizeof(%s),\n", sname);
    if (e->n_fields)
        ddbgen_buf_printf(c, "    %zu, %s__fields,\n", e->n_fields, e->c_name);
    else
        ddbgen_buf_puts(c, "    0, NULL,\n");
    if (n_keys)
        ddbgen_buf_printf(c, "    %zu, %zu, %s__keys,\n    ", n_primary, n_keys, e->c_name);
    else
        ddbgen_buf_puts(c, "    0, 0, NULL,\n    ");
    emit_c_string(c, ddbgen_entity_version_attribute(E->m, e));
    ddbgen_buf_printf(c, ", offsetof(%s, ddb_version),\n};\n", sname);

    ddbgen_buf_printf(c,
                      "\nint %s__to_item(ddb_value **out, const %s *obj, ddb_error *err)\n"
                      "{\n    return ddb_entity_to_item(out, &%s__desc, obj, err);\n}\n",
                      sname, sname, sname);
    ddbgen_buf_printf(c,
                      "\nint %s__from_item(%s *out, const ddb_value *item, ddb_error *err)\n"
                      "{\n    return ddb_entity_from_item(out, &%s__desc, item, err);\n}\n",
                      sname, sname, sname);
    ddbgen_buf_printf(c,
                      "\nint %s__key(ddb_value **out, const %s *obj, ddb_error *err)\n"
                      "{\n    return ddb_entity_key(out, &%s__desc, obj, err);\n}\n",
                      sname, sname, sname);
    ddbgen_buf_printf(c,
                      "\nvoid %s__free(%s *obj)\n"
                      "{\n    ddb_entity_free(&%s__desc, obj);\n}\n",
                      sname, sname, sname);
    ddbgen_buf_printf(
        c,
        "\nvoid %s__page_free(%s__page *page)\n{\n"
        "    ddb_entity_page p;\n    if (!page)\n        return;\n"
        "    p.n = page->n_items;\n    p.items = page->items;\n"
        "    p.cursor = page->cursor;\n    ddb_entity_page_free(&%s__desc, &p);\n"
        "    page->n_items = 0;\n    page->items = NULL;\n    page->cursor = NULL;\n}\n",
        sname, sname, sname);
}

static void emit_entity_header(emitter *E, const ddbgen_entity *e, const char *sname)
{
    ddbgen_buf *h = E->h;

    ddbgen_buf_printf(h, "\n/*\n * %s: an item of table %s", e->name, e->table->name);
    ddbgen_buf_puts(h, ", key ");
    ddbgen_buf_printf(h, "%s = \"", e->table->partition_key);
    emit_comment_text(h, e->pk.present && e->pk.n ? e->pk.items[0].raw : "");
    ddbgen_buf_puts(h, "\"");
    if (e->table->sort_key && e->sk.present && e->sk.n) {
        ddbgen_buf_printf(h, ", %s = \"", e->table->sort_key);
        emit_comment_text(h, e->sk.items[0].raw);
        ddbgen_buf_puts(h, "\"");
    }
    ddbgen_buf_puts(h, ".\n");
    if (e->n_patterns) {
        ddbgen_buf_puts(h, " *\n * Access patterns:\n");
        for (size_t i = 0; i < e->n_patterns; i++) {
            const ddbgen_access_pattern *ap = &e->patterns[i];
            ddbgen_buf_puts(h, " * - ");
            emit_comment_text(h, ap->name);
            ddbgen_buf_printf(h, " (%s): ", ap->operation_raw ? ap->operation_raw : "?");
            emit_comment_text(h, ap->description);
            ddbgen_buf_putc(h, '\n');
        }
    }
    ddbgen_buf_puts(h, " */\n");
    ddbgen_buf_printf(h, "typedef struct %s {\n", sname);
    for (size_t i = 0; i < e->n_fields; i++)
        emit_field_member(E, &e->fields[i]);
    ddbgen_buf_printf(
        h,
        "    /* The stored version (attribute \"%s\"), for optimistic locking: 0 until the "
        "entity\n       is created or read; create, update and get keep it. */\n"
        "    int64_t ddb_version;\n",
        ddbgen_entity_version_attribute(E->m, e));
    ddbgen_buf_printf(h, "} %s;\n\n", sname);
    ddbgen_buf_puts(h, "/* Zero: no field has a value. */\n#define ");
    emit_upper(h, sname);
    ddbgen_buf_puts(h, "__INIT {0}\n\n");
    ddbgen_buf_printf(h,
                      "/* The descriptor the conversions below walk (ddb/entity.h). */\n"
                      "extern const ddb_entity_desc %s__desc;\n\n",
                      sname);
    ddbgen_buf_printf(h,
                      "/* Builds the item of obj, keys included; *out is the caller's. */\n"
                      "int %s__to_item(ddb_value **out, const %s *obj, ddb_error *err);\n",
                      sname, sname);
    ddbgen_buf_printf(
        h,
        "/* Fills *out (fresh from __INIT) from an item; *out untouched on error. */\n"
        "int %s__from_item(%s *out, const ddb_value *item, ddb_error *err);\n",
        sname, sname);
    ddbgen_buf_printf(h,
                      "/* Builds the primary key of obj; *out is the caller's. */\n"
                      "int %s__key(ddb_value **out, const %s *obj, ddb_error *err);\n",
                      sname, sname);
    ddbgen_buf_printf(h,
                      "/* Frees what obj owns and resets it to __INIT. NULL-safe. */\n"
                      "void %s__free(%s *obj);\n",
                      sname, sname);
    ddbgen_buf_printf(
        h,
        "\n/* A page of a query; cursor (NULL on the last page) asks for the next. */\n"
        "typedef struct %s__page {\n    size_t n_items;\n    %s *items;\n"
        "    char *cursor;\n} %s__page;\n\n"
        "/* Frees the items and the cursor; NULL-safe. */\n"
        "void %s__page_free(%s__page *page);\n",
        sname, sname, sname, sname, sname);
}

/* ---- table definitions ----------------------------------------------------------------------- */

/* The DynamoDB type of a key attribute of table t, from the templates that fill it. */
static const char *attr_type(const ddbgen_table *t, const char *attr)
{
    for (size_t i = 0; i < t->n_entities; i++) {
        const ddbgen_entity *e = &t->entities[i];
        key_ref keys[MAX_KEYS];
        size_t n_primary, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
        for (size_t k = 0; k < n; k++)
            if (strcmp(keys[k].attribute, attr) == 0)
                return ddbgen_template_key_type(e, keys[k].tmpl) == DDBGEN_KEY_N ? "N" : "S";
    }
    return "S";
}

static void add_attr(const char **seen, size_t *n, size_t cap, const char *a)
{
    for (size_t i = 0; i < *n; i++)
        /* cppcheck-suppress uninitvar ; seen[0] to seen[*n - 1] are set */
        if (strcmp(seen[i], a) == 0)
            return;
    if (*n < cap)
        seen[(*n)++] = a;
}

static void json_key_schema(ddbgen_buf *b, const char *const *pk, size_t n_pk,
                            const char *const *sk, size_t n_sk)
{
    ddbgen_buf_puts(b, "\"KeySchema\":[");
    for (size_t i = 0; i < n_pk + n_sk; i++) {
        ddbgen_buf_puts(b, i ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        ddbgen_buf_put_json_string(b, i < n_pk ? pk[i] : sk[i - n_pk]);
        ddbgen_buf_printf(b, ",\"KeyType\":\"%s\"}", i < n_pk ? "HASH" : "RANGE");
    }
    ddbgen_buf_puts(b, "]");
}

static void table_json(ddbgen_buf *b, const ddbgen_table *t)
{
    const char *attrs[1 + 1 + 20 * 8] = {NULL};
    size_t n = 0;
    const char *pk[1] = {t->partition_key}, *sk[1] = {t->sort_key};

    add_attr(attrs, &n, 162, t->partition_key);
    if (t->sort_key)
        add_attr(attrs, &n, 162, t->sort_key);
    for (size_t g = 0; g < t->n_gsis; g++) {
        for (size_t i = 0; i < t->gsis[g].n_pk; i++)
            add_attr(attrs, &n, 162, t->gsis[g].pk[i]);
        for (size_t i = 0; i < t->gsis[g].n_sk; i++)
            add_attr(attrs, &n, 162, t->gsis[g].sk[i]);
    }
    ddbgen_buf_puts(b, "{\"TableName\":");
    ddbgen_buf_put_json_string(b, t->name);
    ddbgen_buf_puts(b, ",\"AttributeDefinitions\":[");
    for (size_t i = 0; i < n; i++) {
        ddbgen_buf_puts(b, i ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        ddbgen_buf_put_json_string(b, attrs[i]);
        ddbgen_buf_printf(b, ",\"AttributeType\":\"%s\"}", attr_type(t, attrs[i]));
    }
    ddbgen_buf_puts(b, "],");
    json_key_schema(b, pk, 1, sk, t->sort_key ? 1 : 0);
    ddbgen_buf_puts(b, ",\"BillingMode\":\"PAY_PER_REQUEST\"");
    if (t->n_gsis) {
        ddbgen_buf_puts(b, ",\"GlobalSecondaryIndexes\":[");
        for (size_t g = 0; g < t->n_gsis; g++) {
            const ddbgen_gsi *gi = &t->gsis[g];
            ddbgen_buf_puts(b, g ? ",{\"IndexName\":" : "{\"IndexName\":");
            ddbgen_buf_put_json_string(b, gi->name);
            ddbgen_buf_puts(b, ",");
            json_key_schema(b, gi->pk, gi->n_pk, gi->sk, gi->n_sk);
            ddbgen_buf_printf(b, ",\"Projection\":{\"ProjectionType\":\"%s\"",
                              ddbgen_projection_name(gi->projection));
            if (gi->projection == DDBGEN_PROJ_INCLUDE && gi->n_included) {
                ddbgen_buf_puts(b, ",\"NonKeyAttributes\":[");
                for (size_t i = 0; i < gi->n_included; i++) {
                    if (i)
                        ddbgen_buf_putc(b, ',');
                    ddbgen_buf_put_json_string(b, gi->included[i]);
                }
                ddbgen_buf_puts(b, "]");
            }
            ddbgen_buf_puts(b, "}}");
        }
        ddbgen_buf_puts(b, "]");
    }
    ddbgen_buf_puts(b, "}");
}

static void emit_tables(emitter *E)
{
    ddbgen_buf *h = E->h, *c = E->c;
    emit_banner(h, "Table definitions");
    emit_banner(c, "Table definitions");
    ddbgen_buf_puts(h,
                    "\n/* CreateTable request bodies (JSON), one per table, for tests and tools. "
                    "*/\n");
    for (size_t i = 0; i < E->m->n_tables; i++) {
        const ddbgen_table *t = &E->m->tables[i];
        ddbgen_buf json = DDBGEN_BUF_INIT;
        const char *s;
        ddbgen_buf_printf(h, "extern const char %s__%s__create_table_json[];\n", E->ns, t->c_name);
        table_json(&json, t);
        s = ddbgen_buf_str(&json);
        if (!s) {
            E->status = DDBGEN_ERR_NOMEM;
            return;
        }
        ddbgen_buf_printf(c, "\nconst char %s__%s__create_table_json[] =\n    ", E->ns, t->c_name);
        /* Split the literal so that lines stay short. */
        for (size_t off = 0, len = strlen(s); off < len;) {
            size_t take = len - off > 80 ? 80 : len - off;
            char *piece = strndup(s + off, take);
            if (!piece) {
                E->status = DDBGEN_ERR_NOMEM;
                break;
            }
            if (off)
                ddbgen_buf_puts(c, "\n    ");
            emit_c_string(c, piece);
            free(piece);
            off += take;
        }
        ddbgen_buf_puts(c, ";\n");
        ddbgen_buf_free(&json);
    }
    ddbgen_buf_printf(h, "\n/* All of them, in model order. */\n#define ");
    emit_upper(h, E->ns);
    ddbgen_buf_printf(h, "__N_TABLES %zu\nextern const char *const %s__create_table_jsons[];\n",
                      E->m->n_tables, E->ns);
    ddbgen_buf_printf(c, "\nconst char *const %s__create_table_jsons[] = {\n", E->ns);
    for (size_t i = 0; i < E->m->n_tables; i++)
        ddbgen_buf_printf(c, "    %s__%s__create_table_json,\n", E->ns, E->m->tables[i].c_name);
    if (E->m->n_tables == 0)
        ddbgen_buf_puts(c, "    NULL,\n");
    ddbgen_buf_puts(c, "};\n");
}

/* The table descriptor (ddb/entity.h) of table t, for CreateTable. */
static void emit_table_desc(emitter *E, const ddbgen_table *t)
{
    ddbgen_buf *c = E->c;
    const char *attrs[1 + 1 + 20 * 8] = {NULL};
    size_t n = 0;
    const char *tn = t->c_name;

    add_attr(attrs, &n, 162, t->partition_key);
    if (t->sort_key)
        add_attr(attrs, &n, 162, t->sort_key);
    for (size_t g = 0; g < t->n_gsis; g++) {
        for (size_t i = 0; i < t->gsis[g].n_pk; i++)
            add_attr(attrs, &n, 162, t->gsis[g].pk[i]);
        for (size_t i = 0; i < t->gsis[g].n_sk; i++)
            add_attr(attrs, &n, 162, t->gsis[g].sk[i]);
    }
    ddbgen_buf_printf(c, "\nstatic const char *const %s__attrs[] = {", tn);
    for (size_t i = 0; i < n; i++) {
        ddbgen_buf_puts(c, i ? ", " : "");
        emit_c_string(c, attrs[i]);
    }
    ddbgen_buf_printf(c, "};\nstatic const char *const %s__attr_types[] = {", tn);
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_printf(c, "%s\"%s\"", i ? ", " : "", attr_type(t, attrs[i]));
    ddbgen_buf_puts(c, "};\n");
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddbgen_gsi *gi = &t->gsis[g];
        const char *const *lists[3] = {gi->pk, gi->sk, gi->included};
        const size_t counts[3] = {gi->n_pk, gi->n_sk, gi->n_included};
        static const char *const what[3] = {"pk", "sk", "inc"};
        for (int l = 0; l < 3; l++) {
            if (!counts[l])
                continue;
            ddbgen_buf_printf(c, "static const char *const %s__gsi%zu_%s[] = {", tn, g, what[l]);
            for (size_t i = 0; i < counts[l]; i++) {
                ddbgen_buf_puts(c, i ? ", " : "");
                emit_c_string(c, lists[l][i]);
            }
            ddbgen_buf_puts(c, "};\n");
        }
    }
    if (t->n_gsis) {
        ddbgen_buf_printf(c, "static const ddb_gsi_desc %s__gsis[] = {\n", tn);
        for (size_t g = 0; g < t->n_gsis; g++) {
            const ddbgen_gsi *gi = &t->gsis[g];
            ddbgen_buf_puts(c, "    {");
            emit_c_string(c, gi->name);
            ddbgen_buf_printf(c, ", %zu, %zu, %s__gsi%zu_pk, ", gi->n_pk, gi->n_sk, tn, g);
            if (gi->n_sk)
                ddbgen_buf_printf(c, "%s__gsi%zu_sk, ", tn, g);
            else
                ddbgen_buf_puts(c, "NULL, ");
            ddbgen_buf_printf(c, "\"%s\", %zu, ", ddbgen_projection_name(gi->projection),
                              gi->projection == DDBGEN_PROJ_INCLUDE ? gi->n_included : 0);
            if (gi->projection == DDBGEN_PROJ_INCLUDE && gi->n_included)
                ddbgen_buf_printf(c, "%s__gsi%zu_inc},\n", tn, g);
            else
                ddbgen_buf_puts(c, "NULL},\n");
        }
        ddbgen_buf_puts(c, "};\n");
    }
}

void emit_table_descs(emitter *E)
{
    ddbgen_buf *c = E->c;
    for (size_t i = 0; i < E->m->n_tables; i++)
        emit_table_desc(E, &E->m->tables[i]);
    ddbgen_buf_printf(c, "\nstatic const ddb_table_desc tables[] = {\n");
    for (size_t i = 0; i < E->m->n_tables; i++) {
        const ddbgen_table *t = &E->m->tables[i];
        size_t n = 0;
        const char *attrs[162], *ttl;
        add_attr(attrs, &n, 162, t->partition_key);
        if (t->sort_key)
            add_attr(attrs, &n, 162, t->sort_key);
        for (size_t g = 0; g < t->n_gsis; g++) {
            for (size_t k = 0; k < t->gsis[g].n_pk; k++)
                add_attr(attrs, &n, 162, t->gsis[g].pk[k]);
            for (size_t k = 0; k < t->gsis[g].n_sk; k++)
                add_attr(attrs, &n, 162, t->gsis[g].sk[k]);
        }
        ddbgen_buf_puts(c, "    {DDB_ENTITY_ABI_VERSION, ");
        emit_c_string(c, t->name);
        ddbgen_buf_printf(c, ", %zu, %s__attrs, %s__attr_types, ", n, t->c_name, t->c_name);
        emit_c_string(c, t->partition_key);
        ddbgen_buf_puts(c, ", ");
        if (t->sort_key)
            emit_c_string(c, t->sort_key);
        else
            ddbgen_buf_puts(c, "NULL");
        if (t->n_gsis)
            ddbgen_buf_printf(c, ", %zu, %s__gsis, ", t->n_gsis, t->c_name);
        else
            ddbgen_buf_puts(c, ", 0, NULL, ");
        ttl = NULL;
        for (size_t k = 0; k < t->n_entities && !ttl; k++)
            ttl = t->entities[k].ext.ttl_field;
        if (ttl)
            emit_c_string(c, ttl);
        else
            ddbgen_buf_puts(c, "NULL");
        ddbgen_buf_puts(c, "},\n");
    }
    if (E->m->n_tables == 0)
        ddbgen_buf_puts(c, "    {0},\n");
    ddbgen_buf_puts(c, "};\n");
}

/* ---- the other generated files ------------------------------------------------------------ */

/* Each writes one or more extra files through emit_add_file, in this order. */
static void (*const emit_parts[])(emitter *E) = {
    emit_router, emit_conformance, emit_readme, /* last: it lists the files before it */
};

/* ---- files ----------------------------------------------------------------------------------- */

void emit_file_banner(emitter *E, ddbgen_buf *b, const char *suffix)
{
    ddbgen_buf_printf(b, "/*\n * %s%s - generated by `ddbkit generate` from ", E->ns, suffix);
    emit_comment_text(b, E->model_name);
    ddbgen_buf_puts(b, ".\n * DO NOT EDIT: change the model and generate again.\n */\n");
}

ddbgen_buf *emit_add_file(emitter *E, const char *name)
{
    char *copy;
    if (E->n_extra == EMIT_MAX_EXTRA) {
        E->status = DDBGEN_ERR_NOMEM;
        return NULL;
    }
    copy = emit_join2(name, "", "");
    if (!copy) {
        E->status = DDBGEN_ERR_NOMEM;
        return NULL;
    }
    E->extra_name[E->n_extra] = copy;
    E->extra[E->n_extra] = (ddbgen_buf)DDBGEN_BUF_INIT;
    return &E->extra[E->n_extra++];
}

/* The entity kinds: a tag per entity (mixed results, transactions, journals), in model order. */
static void emit_kind_enum(emitter *E)
{
    const ddbgen_model *m = E->m;
    ddbgen_buf *h = E->h;
    size_t k = 1;
    ddbgen_buf_printf(h,
                      "\n/* A tag per entity type, in model order; 0 is no entity. */\n"
                      "typedef enum %s__kind {\n    ",
                      E->ns);
    emit_upper(h, E->ns);
    ddbgen_buf_puts(h, "__KIND_NONE = 0,\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            ddbgen_buf_puts(h, "    ");
            emit_upper(h, E->ns);
            ddbgen_buf_puts(h, "__KIND_");
            emit_upper(h, m->tables[t].entities[i].c_name);
            ddbgen_buf_printf(h, " = %zu,\n", k++);
        }
    ddbgen_buf_printf(h, "} %s__kind;\n", E->ns);
}

/* <ns>.h and <ns>.c: the entity types, the table definitions, the repository interface and the
 * DynamoDB implementation. */
static void emit_main(emitter *E)
{
    const ddbgen_model *m = E->m;
    ddbgen_buf *header = E->h, *source = E->c;
    char *sname = NULL;

    /* header: banner, guard, includes, version handshake */
    emit_file_banner(E, header, ".h");
    ddbgen_buf_puts(header, "#ifndef ");
    emit_upper(header, E->ns);
    ddbgen_buf_puts(header, "_H\n#define ");
    emit_upper(header, E->ns);
    ddbgen_buf_puts(header,
                    "_H\n\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
                    "#include \"ddb/ddb.h\"\n#include \"ddb/entity.h\"\n\n");
    ddbgen_buf_printf(header,
                      "#if !defined(DDB_ENTITY_ABI_VERSION) || DDB_ENTITY_ABI_VERSION != %d\n"
                      "#error \"%s.h was generated for ddb/entity.h ABI %d; generate it again "
                      "with the ddbkit of this libddbkit\"\n#endif\n",
                      EMIT_ENTITY_ABI, E->ns, EMIT_ENTITY_ABI);
    ddbgen_buf_puts(header, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");

    emit_file_banner(E, source, ".c");
    ddbgen_buf_printf(source,
                      "#include \"%s.h\"\n\n#include <stddef.h>\n#include <stdlib.h>\n"
                      "#include <string.h>\n",
                      E->ns);

    emit_banner(header, "Entity types");
    emit_banner(source, "Entity types");
    for (size_t t = 0; t < m->n_tables && E->status == 0; t++) {
        const ddbgen_table *tb = &m->tables[t];
        for (size_t i = 0; i < tb->n_entities; i++) {
            const ddbgen_entity *e = &tb->entities[i];
            free(sname);
            sname = emit_join2(E->ns, "__", e->c_name);
            if (!sname) {
                E->status = DDBGEN_ERR_NOMEM;
                break;
            }
            emit_entity_header(E, e, sname);
            emit_entity_source(E, e, sname);
        }
    }
    free(sname);
    if (E->status == 0) {
        size_t n = 0;
        ddbgen_buf_printf(header, "\n/* Every entity's descriptor, in model order. */\n#define ");
        emit_upper(header, E->ns);
        for (size_t t = 0; t < m->n_tables; t++)
            n += m->tables[t].n_entities;
        ddbgen_buf_printf(header,
                          "__N_ENTITIES %zu\nextern const ddb_entity_desc *const "
                          "%s__entities[];\n",
                          n, E->ns);
        ddbgen_buf_printf(source, "\nconst ddb_entity_desc *const %s__entities[] = {\n", E->ns);
        for (size_t t = 0; t < m->n_tables; t++)
            for (size_t i = 0; i < m->tables[t].n_entities; i++)
                ddbgen_buf_printf(source, "    &%s__%s__desc,\n", E->ns,
                                  m->tables[t].entities[i].c_name);
        if (n == 0)
            ddbgen_buf_puts(source, "    NULL,\n");
        ddbgen_buf_puts(source, "};\n");
        emit_kind_enum(E);
    }
    if (E->status == 0)
        emit_tables(E);
    if (E->status == 0)
        emit_repo(E);

    ddbgen_buf_puts(header, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

void ddbgen_emit_output_free(ddbgen_emit_output *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->n_files; i++) {
        free(out->names[i]);
        ddbgen_buf_free(&out->files[i]);
    }
    memset(out, 0, sizeof *out);
}

int ddbgen_emit(const ddbgen_model *m, const ddbgen_usage *usage, const ddbgen_emit_options *opts,
                ddbgen_emit_output *out)
{
    emitter E = {0};
    ddbgen_buf h = DDBGEN_BUF_INIT, c = DDBGEN_BUF_INIT;
    size_t n = 0;

    if (!m || !out)
        return DDBGEN_ERR_ARG;
    memset(out, 0, sizeof *out);
    E.m = m;
    E.usage = usage;
    E.h = &h;
    E.c = &c;
    E.ns = opts && opts->ns ? opts->ns : m->ns;
    E.model_name = opts && opts->model_name ? opts->model_name : m->source_name;
    if (!E.model_name)
        E.model_name = "(model)";
    if (!ddbgen_namespace_ok(E.ns))
        return DDBGEN_ERR_ARG;

    emit_main(&E);
    for (size_t i = 0; i < sizeof emit_parts / sizeof emit_parts[0] && E.status == 0; i++)
        emit_parts[i](&E);
    if (E.status == 0 && (!ddbgen_buf_str(&h) || !ddbgen_buf_str(&c)))
        E.status = DDBGEN_ERR_NOMEM;
    for (size_t i = 0; i < E.n_extra && E.status == 0; i++)
        if (!ddbgen_buf_str(&E.extra[i]))
            E.status = DDBGEN_ERR_NOMEM;

    /* hand over: <ns>.h, <ns>.c, then the extra files in the order they were added */
    out->names[n] = emit_join2(E.ns, "", ".h");
    out->files[n++] = h;
    out->names[n] = emit_join2(E.ns, "", ".c");
    out->files[n++] = c;
    for (size_t i = 0; i < E.n_extra; i++) {
        out->names[n] = E.extra_name[i];
        out->files[n++] = E.extra[i];
    }
    out->n_files = n;
    for (size_t i = 0; i < n && E.status == 0; i++)
        if (!out->names[i])
            E.status = DDBGEN_ERR_NOMEM;
    if (E.status != 0)
        ddbgen_emit_output_free(out);
    return E.status;
}

static int write_file(const char *dir, const char *name, ddbgen_buf *b, ddbgen_diags *diags)
{
    char *path = NULL;
    FILE *f;
    const char *text = ddbgen_buf_str(b);
    int rc = 0;

    if (!text)
        return DDBGEN_ERR_NOMEM;
    path = emit_join2(dir, "/", name);
    if (!path)
        return DDBGEN_ERR_NOMEM;
    f = fopen(path, "wb");
    if (!f || fwrite(text, 1, b->len, f) != b->len) {
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$", NULL, "cannot write %s: %s", path,
                        strerror(errno));
        rc = DDBGEN_ERR_IO;
    }
    if (f && fclose(f) != 0 && rc == 0) {
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$", NULL, "cannot write %s: %s", path,
                        strerror(errno));
        rc = DDBGEN_ERR_IO;
    }
    free(path);
    return rc;
}

int ddbgen_generate_files(const char *model_path, const char *usage_path, const char *out_dir,
                          const char *ns, ddbgen_diags *diags)
{
    ddbgen_model *m = NULL;
    ddbgen_usage *u = NULL;
    ddbgen_emit_output files = {0};
    ddbgen_emit_options o = {0};
    const char *base;
    int rc;

    if (!model_path || !out_dir || !diags)
        return DDBGEN_ERR_ARG;
    rc = ddbgen_model_load_file(&m, model_path, diags);
    if (rc == 0)
        rc = ddbgen_model_validate(m, diags);
    if (rc == 0 && usage_path)
        rc = ddbgen_usage_load_file(&u, usage_path, m, diags);
    if (rc == DDBGEN_ERR_JSON)
        rc = DDBGEN_ERR_INVALID;
    if (rc == 0 && (diags->n_errors || diags->dropped || diags->nomem))
        rc = DDBGEN_ERR_INVALID;
    if (rc != 0)
        goto done;

    base = strrchr(model_path, '/');
    o.model_name = base ? base + 1 : model_path;
    o.ns = ns;
    rc = ddbgen_emit(m, u, &o, &files);
    if (rc == DDBGEN_ERR_ARG)
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$",
                        "use lower-case letters, digits and single "
                        "underscores",
                        "namespace '%s' is not usable", ns ? ns : m->ns);
    for (size_t i = 0; rc == 0 && i < files.n_files; i++)
        rc = write_file(out_dir, files.names[i], &files.files[i], diags);
done:
    ddbgen_diags_sort(diags);
    ddbgen_emit_output_free(&files);
    ddbgen_usage_free(u);
    ddbgen_model_free(m);
    return rc;
}
