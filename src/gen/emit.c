/*
 * The C emitter: entity structs, their descriptor tables and thin wrappers over ddb/entity.h,
 * and the CreateTable definitions. See emit.h and docs/generated-code.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "usage.h"
#include "validate.h"

/* A malloc'd "a" "sep" "b", or NULL. */
static char *join2(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

/* The layout of ddb/entity.h that this emitter writes descriptors for. */
#define EMIT_ENTITY_ABI 1

typedef struct emitter {
    const ddbgen_model *m;
    const char *ns;
    const char *model_name;
    ddbgen_buf *h, *c;
    int status;
} emitter;

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

static void upper(ddbgen_buf *b, const char *s)
{
    for (; *s; s++)
        ddbgen_buf_putc(b, (char)toupper((unsigned char)*s));
}

/* A C string literal for s (escaped; no line breaks in the literal). */
static void c_string(ddbgen_buf *b, const char *s)
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
static void comment_text(ddbgen_buf *b, const char *s)
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

static void banner(ddbgen_buf *b, const char *title)
{
    size_t n = strlen(title);
    ddbgen_buf_printf(b, "\n/* ==== %s ", title);
    for (size_t i = n + 9; i < 96; i++)
        ddbgen_buf_putc(b, '=');
    ddbgen_buf_puts(b, " */\n");
}

/* ---- field types ----------------------------------------------------------------------------- */

static const char *kind_name(ddbgen_type t)
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
static bool needs_has(const ddbgen_field *f)
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
    if (needs_has(f))
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

static int field_index(const ddbgen_entity *e, const char *name)
{
    for (size_t i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

typedef struct key_ref {
    const char *attribute;
    const char *index; /* NULL: primary */
    const ddbgen_template *tmpl;
} key_ref;

/* The key attributes of an entity: primary first, then each GSI mapping's. */
static size_t collect_keys(const ddbgen_entity *e, key_ref *out, size_t cap, size_t *n_primary)
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

#define MAX_KEYS 64

static void emit_entity_source(emitter *E, const ddbgen_entity *e, const char *sname)
{
    ddbgen_buf *c = E->c;
    key_ref keys[MAX_KEYS];
    size_t n_primary, n_keys = collect_keys(e, keys, MAX_KEYS, &n_primary);

    ddbgen_buf_printf(c, "\n/* ---- %s ---- */\n\n", e->name);
    if (e->n_fields) {
        ddbgen_buf_printf(c, "static const ddb_field_desc %s__fields[] = {\n", e->c_name);
        for (size_t i = 0; i < e->n_fields; i++) {
            const ddbgen_field *f = &e->fields[i];
            bool list = f->type == DDBGEN_TYPE_ARRAY;
            ddbgen_type kt = list ? f->item_type : f->type;
            ddbgen_buf_puts(c, "    {");
            c_string(c, f->name);
            ddbgen_buf_printf(c, ", %s, %s, %s, offsetof(%s, %s), ", kind_name(kt),
                              list ? "true" : "false", f->required ? "true" : "false", sname,
                              f->c_name);
            if (needs_has(f))
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
                int fi = field_index(e, part->text);
                if (fi < 0)
                    E->status = DDBGEN_ERR_INVALID;
                ddbgen_buf_printf(c, "NULL, %d, ", fi);
                if (part->format)
                    c_string(c, part->format);
                else
                    ddbgen_buf_puts(c, "NULL");
            } else {
                c_string(c, part->text);
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
            c_string(c, keys[k].attribute);
            ddbgen_buf_puts(c, ", ");
            if (keys[k].index)
                c_string(c, keys[k].index);
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
    c_string(c, e->name);
    ddbgen_buf_puts(c, ", ");
    c_string(c, e->table->name);
    ddbgen_buf_printf(c, ", sizeof(%s),\n", sname);
    if (e->n_fields)
        ddbgen_buf_printf(c, "    %zu, %s__fields,\n", e->n_fields, e->c_name);
    else
        ddbgen_buf_puts(c, "    0, NULL,\n");
    if (n_keys)
        ddbgen_buf_printf(c, "    %zu, %zu, %s__keys,\n    ", n_primary, n_keys, e->c_name);
    else
        ddbgen_buf_puts(c, "    0, 0, NULL,\n    ");
    c_string(c, ddbgen_entity_version_attribute(E->m, e));
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
    comment_text(h, e->pk.present && e->pk.n ? e->pk.items[0].raw : "");
    ddbgen_buf_puts(h, "\"");
    if (e->table->sort_key && e->sk.present && e->sk.n) {
        ddbgen_buf_printf(h, ", %s = \"", e->table->sort_key);
        comment_text(h, e->sk.items[0].raw);
        ddbgen_buf_puts(h, "\"");
    }
    ddbgen_buf_puts(h, ".\n");
    if (e->n_patterns) {
        ddbgen_buf_puts(h, " *\n * Access patterns:\n");
        for (size_t i = 0; i < e->n_patterns; i++) {
            const ddbgen_access_pattern *ap = &e->patterns[i];
            ddbgen_buf_puts(h, " * - ");
            comment_text(h, ap->name);
            ddbgen_buf_printf(h, " (%s): ", ap->operation_raw ? ap->operation_raw : "?");
            comment_text(h, ap->description);
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
    upper(h, sname);
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
        size_t n_primary, n = collect_keys(e, keys, MAX_KEYS, &n_primary);
        for (size_t k = 0; k < n; k++)
            if (strcmp(keys[k].attribute, attr) == 0)
                return ddbgen_template_key_type(e, keys[k].tmpl) == DDBGEN_KEY_N ? "N" : "S";
    }
    return "S";
}

static void add_attr(const char **seen, size_t *n, size_t cap, const char *a)
{
    for (size_t i = 0; i < *n; i++)
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
    const char *attrs[1 + 1 + 20 * 8];
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
    banner(h, "Table definitions");
    banner(c, "Table definitions");
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
            c_string(c, piece);
            free(piece);
            off += take;
        }
        ddbgen_buf_puts(c, ";\n");
        ddbgen_buf_free(&json);
    }
    ddbgen_buf_printf(h, "\n/* All of them, in model order. */\n#define ");
    upper(h, E->ns);
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
    const char *attrs[1 + 1 + 20 * 8];
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
        c_string(c, attrs[i]);
    }
    ddbgen_buf_printf(c, "};\nstatic const char *const %s__attr_types[] = {", tn);
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_printf(c, "%s\"%s\"", i ? ", " : "", attr_type(t, attrs[i]));
    ddbgen_buf_puts(c, "};\n");
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddbgen_gsi *gi = &t->gsis[g];
        const char *const *lists[3] = {gi->pk, gi->sk, gi->included};
        size_t counts[3] = {gi->n_pk, gi->n_sk, gi->n_included};
        static const char *const what[3] = {"pk", "sk", "inc"};
        for (int l = 0; l < 3; l++) {
            if (!counts[l])
                continue;
            ddbgen_buf_printf(c, "static const char *const %s__gsi%zu_%s[] = {", tn, g, what[l]);
            for (size_t i = 0; i < counts[l]; i++) {
                ddbgen_buf_puts(c, i ? ", " : "");
                c_string(c, lists[l][i]);
            }
            ddbgen_buf_puts(c, "};\n");
        }
    }
    if (t->n_gsis) {
        ddbgen_buf_printf(c, "static const ddb_gsi_desc %s__gsis[] = {\n", tn);
        for (size_t g = 0; g < t->n_gsis; g++) {
            const ddbgen_gsi *gi = &t->gsis[g];
            ddbgen_buf_puts(c, "    {");
            c_string(c, gi->name);
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

static void emit_table_descs(emitter *E)
{
    ddbgen_buf *c = E->c;
    for (size_t i = 0; i < E->m->n_tables; i++)
        emit_table_desc(E, &E->m->tables[i]);
    ddbgen_buf_printf(c, "\nstatic const ddb_table_desc tables[] = {\n");
    for (size_t i = 0; i < E->m->n_tables; i++) {
        const ddbgen_table *t = &E->m->tables[i];
        size_t n = 0;
        const char *attrs[162];
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
        c_string(c, t->name);
        ddbgen_buf_printf(c, ", %zu, %s__attrs, %s__attr_types, ", n, t->c_name, t->c_name);
        c_string(c, t->partition_key);
        ddbgen_buf_puts(c, ", ");
        if (t->sort_key)
            c_string(c, t->sort_key);
        else
            ddbgen_buf_puts(c, "NULL");
        if (t->n_gsis)
            ddbgen_buf_printf(c, ", %zu, %s__gsis},\n", t->n_gsis, t->c_name);
        else
            ddbgen_buf_puts(c, ", 0, NULL},\n");
    }
    if (E->m->n_tables == 0)
        ddbgen_buf_puts(c, "    {0},\n");
    ddbgen_buf_puts(c, "};\n");
}

/* ---- the repository interface and its DynamoDB implementation ------------------------------- */

static size_t table_index(const ddbgen_model *m, const ddbgen_table *t)
{
    return (size_t)(t - m->tables);
}

/* ---- access patterns ------------------------------------------------------------------------- */

/* The C type of a key or range parameter whose value is of type t. */
static const char *param_c_type(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_INTEGER:
        return "int64_t ";
    case DDBGEN_TYPE_BOOLEAN:
        return "bool ";
    default:
        return "const char *"; /* string, uuid, decimal (its text) */
    }
}

/* What is generated for one access pattern (supported: plan usable, every parameter a key or
 * range value, GetItem over the whole key, or Query on single-attribute keys without filter). */
typedef struct pattern_gen {
    const ddbgen_access_pattern *ap;
    ddbgen_plan plan;
    bool supported;
    bool query;
    bool del;  /* DeleteItem: success flag */
    bool scan; /* Scan: a page, like a query */
    bool upd;  /* UpdateItem: the UPDATE parameters' fields are set */
    bool is_update[64];
    const ddbgen_field *param_field[64]; /* key parameters: the field they fill */
    size_t pk_key, sk_key;
    bool has_sk;
} pattern_gen;

static bool find_key(const ddbgen_entity *e, const char *attr, const char *index, size_t *out)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = collect_keys(e, keys, MAX_KEYS, &n_primary);
    for (size_t k = 0; k < n; k++) {
        bool same_index = (!index && !keys[k].index) ||
                          (index && keys[k].index && strcmp(index, keys[k].index) == 0);
        if (same_index && strcmp(keys[k].attribute, attr) == 0) {
            *out = k;
            return true;
        }
    }
    return false;
}

/* The parameter named name, or -1. */
static int param_index(const ddbgen_access_pattern *ap, const char *name)
{
    for (size_t i = 0; name && i < ap->n_params; i++)
        if (strcmp(ap->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The runtime operator of a filter condition, or NULL when it is not supported. */
static const char *filter_op_name(const ddbgen_filter_condition *fc)
{
    static const char *const ops[] = {
        [DDBGEN_FOP_EQ] = "DDB_ENTITY_F_EQ",           [DDBGEN_FOP_NE] = "DDB_ENTITY_F_NE",
        [DDBGEN_FOP_LT] = "DDB_ENTITY_F_LT",           [DDBGEN_FOP_LE] = "DDB_ENTITY_F_LE",
        [DDBGEN_FOP_GT] = "DDB_ENTITY_F_GT",           [DDBGEN_FOP_GE] = "DDB_ENTITY_F_GE",
        [DDBGEN_FOP_BETWEEN] = "DDB_ENTITY_F_BETWEEN", [DDBGEN_FOP_IN] = "DDB_ENTITY_F_IN",
    };
    switch (fc->fn) {
    case DDBGEN_FFN_CONTAINS:
        return "DDB_ENTITY_F_CONTAINS";
    case DDBGEN_FFN_BEGINS_WITH:
        return "DDB_ENTITY_F_BEGINS_WITH";
    case DDBGEN_FFN_ATTRIBUTE_EXISTS:
        return "DDB_ENTITY_F_EXISTS";
    case DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS:
        return "DDB_ENTITY_F_NOT_EXISTS";
    case DDBGEN_FFN_NONE:
    case DDBGEN_FFN_SIZE:
        if (fc->op > DDBGEN_FOP_NONE && fc->op < DDBGEN_FOP_UNKNOWN)
            return ops[fc->op];
        return NULL;
    default:
        return NULL;
    }
}

/* The parameters a filter condition takes, in order (up to 100); returns their number. */
static size_t filter_params(const ddbgen_access_pattern *ap, const ddbgen_filter_condition *fc,
                            int *out)
{
    size_t n = 0;
    if (fc->fn == DDBGEN_FFN_ATTRIBUTE_EXISTS || fc->fn == DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS)
        return 0;
    if (fc->op == DDBGEN_FOP_IN && fc->fn == DDBGEN_FFN_NONE) {
        for (size_t i = 0; i < fc->n_params && n < 100; i++)
            out[n++] = param_index(ap, fc->params[i]);
        return n;
    }
    out[n++] = param_index(ap, fc->param);
    if (fc->op == DDBGEN_FOP_BETWEEN)
        out[n++] = param_index(ap, fc->param2);
    return n;
}

static bool filter_supported(const ddbgen_access_pattern *ap)
{
    const ddbgen_filter *f = ap->filter;
    if (!f->conditions_ok || f->logical_op == DDBGEN_LOGIC_UNKNOWN)
        return false;
    for (size_t i = 0; i < f->n_conditions; i++) {
        const ddbgen_filter_condition *fc = &f->conditions[i];
        int idx[100];
        size_t n;
        if (!fc->field || !filter_op_name(fc))
            return false;
        if (fc->fn == DDBGEN_FFN_SIZE && fc->op == DDBGEN_FOP_IN)
            return false;
        n = filter_params(ap, fc, idx);
        if (n == 0 && fc->fn != DDBGEN_FFN_ATTRIBUTE_EXISTS &&
            fc->fn != DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS)
            return false;
        for (size_t k = 0; k < n; k++)
            if (idx[k] < 0 || ap->params[idx[k]].type == DDBGEN_TYPE_ENTITY ||
                ap->params[idx[k]].type == DDBGEN_TYPE_ARRAY ||
                ap->params[idx[k]].type == DDBGEN_TYPE_OBJECT)
                return false;
    }
    return true;
}

/* The filter of a pattern as runtime tables, in the wrapper's body. */
static void emit_filter(ddbgen_buf *c, const ddbgen_access_pattern *ap)
{
    const ddbgen_filter *f = ap->filter;
    size_t n_args = 0;
    ddbgen_buf_puts(c, "    static const ddb_entity_filter_cond conds[] = {\n");
    for (size_t i = 0; i < f->n_conditions; i++) {
        const ddbgen_filter_condition *fc = &f->conditions[i];
        int idx[100];
        size_t n = filter_params(ap, fc, idx);
        ddbgen_buf_puts(c, "        {");
        c_string(c, fc->field);
        ddbgen_buf_printf(c, ", %s, %s, %zu, %zu},\n", fc->fn == DDBGEN_FFN_SIZE ? "true" : "false",
                          filter_op_name(fc), n_args, n);
        n_args += n;
    }
    ddbgen_buf_puts(c, "    };\n    const ddb_entity_arg args[] = {\n");
    for (size_t i = 0; i < f->n_conditions; i++) {
        int idx[100];
        size_t n = filter_params(ap, &f->conditions[i], idx);
        for (size_t k = 0; k < n; k++) {
            const ddbgen_param *prm = &ap->params[idx[k]];
            switch (prm->type) {
            case DDBGEN_TYPE_INTEGER:
                ddbgen_buf_printf(c, "        {DDB_FIELD_INT64, NULL, %s, false},\n", prm->c_name);
                break;
            case DDBGEN_TYPE_DECIMAL:
                ddbgen_buf_printf(c, "        {DDB_FIELD_DECIMAL, %s, 0, false},\n", prm->c_name);
                break;
            case DDBGEN_TYPE_BOOLEAN:
                ddbgen_buf_printf(c, "        {DDB_FIELD_BOOL, NULL, 0, %s},\n", prm->c_name);
                break;
            default:
                ddbgen_buf_printf(c, "        {DDB_FIELD_STRING, %s, 0, false},\n", prm->c_name);
                break;
            }
        }
    }
    if (n_args == 0)
        ddbgen_buf_puts(c, "        {DDB_FIELD_STRING, NULL, 0, false},\n");
    ddbgen_buf_printf(c, "    };\n    const ddb_entity_filter filter = {%s, %zu, conds, args};\n",
                      f->logical_op == DDBGEN_LOGIC_OR ? "true" : "false", f->n_conditions);
}

/* An UpdateItem pattern can rebuild every GSI key its fields are part of: all of that key's
 * fields are parameters. */
static bool update_keys_known(const ddbgen_entity *e, const pattern_gen *g)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = collect_keys(e, keys, MAX_KEYS, &n_primary);
    for (size_t k = n_primary; k < n; k++) {
        bool touched = false, all = true;
        for (size_t p = 0; p < keys[k].tmpl->n_parts; p++) {
            const ddbgen_template_part *part = &keys[k].tmpl->parts[p];
            bool have = false;
            if (!part->is_field)
                continue;
            for (size_t i = 0; i < g->ap->n_params; i++) {
                const ddbgen_field *f = g->param_field[i];
                if (f && strcmp(f->name, part->text) == 0) {
                    have = true;
                    touched |= g->is_update[i];
                }
            }
            all &= have;
        }
        if (touched && !all)
            return false;
    }
    return true;
}

static void pattern_plan(pattern_gen *g, const ddbgen_entity *e, const ddbgen_access_pattern *ap)
{
    const ddbgen_plan *p;
    memset(g, 0, sizeof *g);
    g->ap = ap;
    if (ddbgen_plan_access_pattern(&g->plan, e, ap) != 0)
        return;
    p = &g->plan;
    g->query = ap->operation == DDBGEN_OP_QUERY;
    g->del = ap->operation == DDBGEN_OP_DELETE_ITEM;
    g->scan = ap->operation == DDBGEN_OP_SCAN;
    /* The CRUD members own these names. */
    if (!ap->c_name || strcmp(ap->c_name, "create") == 0 || strcmp(ap->c_name, "get") == 0 ||
        strcmp(ap->c_name, "update") == 0 || strcmp(ap->c_name, "delete") == 0)
        return;
    if (ap->n_params > 64 || (ap->filter && !filter_supported(ap)))
        return;
    if (g->scan) {
        if (ap->return_type != DDBGEN_RT_ENTITY_LIST)
            return;
        for (size_t i = 0; i < ap->n_params; i++)
            if (p->roles[i] != DDBGEN_ROLE_FILTER)
                return;
        g->query = true; /* the same page-shaped signature */
        g->supported = true;
        return;
    }
    if (!p->keys_known || !p->pk_complete || p->n_pk != 1 || p->n_sk > 1)
        return;
    if (ap->operation == DDBGEN_OP_GET_ITEM) {
        if (ap->return_type != DDBGEN_RT_SINGLE_ENTITY || !p->sk_complete || ap->index_name)
            return;
    } else if (ap->operation == DDBGEN_OP_UPDATE_ITEM) {
        if (ap->return_type != DDBGEN_RT_SINGLE_ENTITY || !p->sk_complete || ap->index_name)
            return;
        g->upd = true;
    } else if (g->del) {
        if ((ap->return_type != DDBGEN_RT_SUCCESS_FLAG && ap->return_type != DDBGEN_RT_VOID) ||
            !p->sk_complete || ap->index_name)
            return;
    } else if (!g->query || ap->return_type != DDBGEN_RT_ENTITY_LIST) {
        return;
    }
    for (size_t i = 0; i < p->n_bindings; i++) {
        const ddbgen_binding *b = &p->bindings[i];
        if (b->param < 0)
            continue;
        if (b->from_item)
            return;
        g->param_field[b->param] = ddbgen_entity_find_field(e, b->field);
        if (!g->param_field[b->param])
            return;
    }
    for (size_t i = 0; i < ap->n_params; i++) {
        if (p->roles[i] == DDBGEN_ROLE_KEY && g->param_field[i])
            continue;
        if (p->roles[i] == DDBGEN_ROLE_UPDATE && g->upd) {
            const ddbgen_field *f = ddbgen_entity_find_field(e, ap->params[i].name);
            if (!f || f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT ||
                ap->params[i].type == DDBGEN_TYPE_ENTITY)
                return;
            g->param_field[i] = f;
            g->is_update[i] = true;
            continue;
        }
        if ((p->roles[i] == DDBGEN_ROLE_RANGE || p->roles[i] == DDBGEN_ROLE_FILTER) && g->query)
            continue;
        return;
    }
    if (g->upd) {
        bool any = false;
        for (size_t i = 0; i < ap->n_params; i++)
            any |= g->is_update[i];
        if (!any || !update_keys_known(e, g)) /* a key cannot be updated in place */
            return;
    }
    if (!find_key(e, p->pk[0].attribute, p->gsi ? p->gsi->name : NULL, &g->pk_key))
        return;
    if (p->n_sk == 1) {
        if (!find_key(e, p->sk[0].attribute, p->gsi ? p->gsi->name : NULL, &g->sk_key))
            return;
        g->has_sk = true;
    }
    g->supported = true;
}

static void pattern_params(ddbgen_buf *b, const pattern_gen *g)
{
    for (size_t i = 0; i < g->ap->n_params; i++) {
        const ddbgen_param *prm = &g->ap->params[i];
        ddbgen_type t = g->param_field[i] ? g->param_field[i]->type : prm->type;
        ddbgen_buf_printf(b, ", %s%s", param_c_type(t), prm->c_name);
    }
}

static void pattern_signature(emitter *E, ddbgen_buf *b, const ddbgen_entity *e,
                              const pattern_gen *g, bool member)
{
    if (member)
        ddbgen_buf_printf(b, "(*%s__%s)", e->c_name, g->ap->c_name);
    else
        ddbgen_buf_printf(b, "%s__%s_ddb", e->c_name, g->ap->c_name);
    ddbgen_buf_printf(b, "(%s__repo *repo, ", E->ns);
    if (g->query)
        ddbgen_buf_printf(b, "%s__%s__page *out", E->ns, e->c_name);
    else if (g->del)
        ddbgen_buf_puts(b, "bool *deleted");
    else
        ddbgen_buf_printf(b, "%s__%s *out, bool *found", E->ns, e->c_name);
    pattern_params(b, g);
    if (g->query)
        ddbgen_buf_printf(b, ", const %s__page_request *page", E->ns);
    ddbgen_buf_puts(b, ", ddb_error *err)");
}

static void pattern_body(emitter *E, const ddbgen_entity *e, const pattern_gen *g)
{
    ddbgen_buf *c = E->c;
    const ddbgen_access_pattern *ap = g->ap;
    const char *ns = E->ns;
    size_t ti = table_index(E->m, e->table);

    ddbgen_buf_puts(c, "{\n    repo_impl *r = (repo_impl *)repo;\n");
    if (!g->scan) {
        ddbgen_buf_printf(c, "    %s__%s key = ", ns, e->c_name);
        upper(c, ns);
        ddbgen_buf_puts(c, "__");
        upper(c, e->c_name);
        ddbgen_buf_puts(c, "__INIT;\n");
    }
    if (ap->filter)
        emit_filter(c, ap);
    if (g->query)
        ddbgen_buf_puts(c,
                        "    ddb_entity_query q = {0};\n    ddb_entity_page p = {0, NULL, NULL};\n"
                        "    int rc;\n");
    for (size_t i = 0; i < g->plan.n_range; i++) {
        const ddbgen_param *prm = &ap->params[g->plan.range_param[i]];
        if (prm->type == DDBGEN_TYPE_INTEGER)
            ddbgen_buf_printf(c, "    char v%zu[24];\n", i);
    }
    for (size_t i = 0; i < ap->n_params; i++) {
        const ddbgen_field *f = g->param_field[i];
        const char *pn = ap->params[i].c_name;
        if (!f)
            continue;
        switch (f->type) {
        case DDBGEN_TYPE_STRING:
            ddbgen_buf_printf(c, "    key.%s = (char *)%s;\n", f->c_name, pn);
            break;
        case DDBGEN_TYPE_DECIMAL:
            ddbgen_buf_printf(c, "    key.%s.text = (char *)%s;\n", f->c_name, pn);
            break;
        case DDBGEN_TYPE_UUID:
            ddbgen_buf_printf(c,
                              "    if (!%s || !ddb_uuid_valid(%s))\n"
                              "        return DDB_ERR_INVALID_ARG;\n"
                              "    memcpy(key.%s, %s, 37);\n",
                              pn, pn, f->c_name, pn);
            if (needs_has(f))
                ddbgen_buf_printf(c, "    key.has_%s = true;\n", f->c_name);
            break;
        default:
            ddbgen_buf_printf(c, "    key.%s = %s;\n", f->c_name, pn);
            if (needs_has(f))
                ddbgen_buf_printf(c, "    key.has_%s = true;\n", f->c_name);
            break;
        }
    }
    if (g->upd) {
        size_t n = 0;
        ddbgen_buf_puts(c, "    static const size_t fields[] = {");
        for (size_t i = 0; i < ap->n_params; i++)
            if (g->is_update[i])
                ddbgen_buf_printf(c, "%s%d", n++ ? ", " : "",
                                  field_index(e, g->param_field[i]->name));
        ddbgen_buf_printf(c,
                          "};\n    return ddb_entity_update_fields(out, found, r->client, "
                          "&%s__%s__desc, table_of(r, %zu),\n        &key, fields, %zu, err);\n}\n",
                          ns, e->c_name, ti, n);
        return;
    }
    if (g->del) {
        ddbgen_buf_printf(c,
                          "    return ddb_entity_delete_key(deleted, r->client, &%s__%s__desc, "
                          "table_of(r, %zu), &key,\n        err);\n}\n",
                          ns, e->c_name, ti);
        return;
    }
    if (!g->query) {
        ddbgen_buf_printf(c,
                          "    return ddb_entity_get(out, found, r->client, &%s__%s__desc, "
                          "table_of(r, %zu), &key,\n        %s, err);\n}\n",
                          ns, e->c_name, ti,
                          ap->has_consistent_read ? (ap->consistent_read ? "true" : "false")
                                                  : "r->consistent");
        return;
    }
    if (g->plan.gsi || (g->scan && ap->index_name)) {
        ddbgen_buf_puts(c, "    q.index = ");
        c_string(c, g->plan.gsi ? g->plan.gsi->name : ap->index_name);
        ddbgen_buf_puts(c, ";\n");
    }
    if (ap->filter)
        ddbgen_buf_puts(c, "    q.filter = &filter;\n");
    if (!g->scan)
        ddbgen_buf_printf(c, "    q.pk_key = %zu;\n", g->pk_key);
    if (g->has_sk)
        ddbgen_buf_printf(c, "    q.has_sk = true;\n    q.sk_key = %zu;\n    q.n_sk_bound = %zu;\n",
                          g->sk_key, g->plan.n_sk_placeholders_bound);
    if (g->plan.n_range) {
        static const char *const names[] = {
            [DDBGEN_RANGE_BEGINS_WITH] = "DDB_ENTITY_RANGE_BEGINS_WITH",
            [DDBGEN_RANGE_BETWEEN] = "DDB_ENTITY_RANGE_BETWEEN",
            [DDBGEN_RANGE_LT] = "DDB_ENTITY_RANGE_LT",
            [DDBGEN_RANGE_LE] = "DDB_ENTITY_RANGE_LE",
            [DDBGEN_RANGE_GT] = "DDB_ENTITY_RANGE_GT",
            [DDBGEN_RANGE_GE] = "DDB_ENTITY_RANGE_GE",
        };
        ddbgen_buf_printf(c, "    q.range = %s;\n", names[ap->range]);
        for (size_t i = 0; i < g->plan.n_range; i++) {
            const ddbgen_param *prm = &ap->params[g->plan.range_param[i]];
            if (prm->type == DDBGEN_TYPE_INTEGER)
                ddbgen_buf_printf(c,
                                  "    snprintf(v%zu, sizeof v%zu, \"%%lld\", (long long)%s);\n"
                                  "    q.v%zu = v%zu;\n",
                                  i, i, prm->c_name, i + 1, i);
            else if (prm->type == DDBGEN_TYPE_BOOLEAN)
                ddbgen_buf_printf(c, "    q.v%zu = %s ? \"true\" : \"false\";\n", i + 1,
                                  prm->c_name);
            else
                ddbgen_buf_printf(c, "    q.v%zu = %s;\n", i + 1, prm->c_name);
        }
    }
    ddbgen_buf_printf(c, "    q.consistent_read = %s;\n",
                      ap->has_consistent_read ? (ap->consistent_read ? "true" : "false")
                                              : "r->consistent");
    ddbgen_buf_puts(c, "    q.limit = page ? page->limit : 0;\n"
                       "    q.cursor = page ? page->cursor : NULL;\n    q.context = ");
    {
        char ctx[512];
        snprintf(ctx, sizeof ctx, "%s.%s.%s", ns, e->c_name, ap->c_name);
        c_string(c, ctx);
    }
    if (g->scan)
        ddbgen_buf_printf(c,
                          ";\n    rc = ddb_entity_scan_page(&p, r->client, &%s__%s__desc, "
                          "table_of(r, %zu), &q, err);\n",
                          ns, e->c_name, ti);
    else
        ddbgen_buf_printf(c,
                          ";\n    rc = ddb_entity_query_page(&p, r->client, &%s__%s__desc, "
                          "table_of(r, %zu), &key, &q, err);\n",
                          ns, e->c_name, ti);
    ddbgen_buf_printf(c, ""
                         "    if (rc == 0) {\n        out->n_items = p.n;\n"
                         "        out->items = p.items;\n        out->cursor = p.cursor;\n    }\n"
                         "    return rc;\n}\n");
}

static void emit_repo(emitter *E)
{
    ddbgen_buf *h = E->h, *c = E->c;
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;

    banner(h, "Repository interface");
    ddbgen_buf_puts(h, "\n/*\n * The seam between the application and its storage: one struct of "
                       "function pointers,\n * implemented over DynamoDB below, and by hand over "
                       "the relational database.\n * Every member returns 0 or a negative "
                       "ddb_error_code and fills err (may be NULL).\n *\n"
                       " * create  writes a new entity; DDB_ERR_CONDITION_FAILED when its key "
                       "exists. Sets ddb_version 1.\n"
                       " * get     reads the entity whose key fields `key` holds into *out (fresh "
                       "from __INIT);\n *         *found false when there is none.\n"
                       " * update  replaces the stored entity when its version is obj->ddb_version "
                       "and increments\n *         it; DDB_ERR_STALE_VERSION when the stored "
                       "version differs.\n"
                       " * delete  deletes the entity of obj's key, checking ddb_version unless it "
                       "is 0.\n */\n#define ");
    upper(h, ns);
    ddbgen_buf_printf(h,
                      "__REPO_VERSION 1\n\ntypedef struct %s__repo %s__repo;\n\n"
                      "/* Which page of a query: NULL or {NULL, 0} is the first page, at "
                      "DynamoDB's size. */\n"
                      "typedef struct %s__page_request {\n"
                      "    const char *cursor; /* the previous page's cursor */\n"
                      "    int limit;          /* items to read; 0: no limit */\n"
                      "} %s__page_request;\n\nstruct %s__repo {\n"
                      "    unsigned version; /* ",
                      ns, ns, ns, ns, ns);
    upper(h, ns);
    ddbgen_buf_puts(h, "__REPO_VERSION */\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            ddbgen_buf_printf(h, "\n    /* %s */\n", e->name);
            ddbgen_buf_printf(
                h, "    int (*%s__create)(%s__repo *repo, %s__%s *obj, ddb_error *err);\n",
                e->c_name, ns, ns, e->c_name);
            ddbgen_buf_printf(h,
                              "    int (*%s__get)(%s__repo *repo, %s__%s *out, bool *found,\n"
                              "        const %s__%s *key, ddb_error *err);\n",
                              e->c_name, ns, ns, e->c_name, ns, e->c_name);
            ddbgen_buf_printf(
                h, "    int (*%s__update)(%s__repo *repo, %s__%s *obj, ddb_error *err);\n",
                e->c_name, ns, ns, e->c_name);
            ddbgen_buf_printf(h,
                              "    int (*%s__delete)(%s__repo *repo, const %s__%s *obj, "
                              "ddb_error *err);\n",
                              e->c_name, ns, ns, e->c_name);
            for (size_t a = 0; a < e->n_patterns; a++) {
                pattern_gen g;
                pattern_plan(&g, e, &e->patterns[a]);
                ddbgen_buf_puts(h, "    /* ");
                comment_text(h, e->patterns[a].name);
                ddbgen_buf_printf(h, " (%s): ", e->patterns[a].operation_raw);
                comment_text(h, e->patterns[a].description);
                if (g.supported) {
                    ddbgen_buf_puts(h, " */\n    int ");
                    pattern_signature(E, h, e, &g, true);
                    ddbgen_buf_puts(h, ";\n");
                } else {
                    ddbgen_buf_puts(h, "\n       Not generated yet. */\n");
                }
                ddbgen_plan_clear(&g.plan);
            }
        }
    ddbgen_buf_printf(h,
                      "\n    /* Releases the repository. NULL-safe through %s__repo_free. */\n"
                      "    void (*free)(%s__repo *repo);\n};\n\n"
                      "/* Calls repo->free; NULL-safe. */\nvoid %s__repo_free(%s__repo *repo);\n",
                      ns, ns, ns, ns);

    banner(h, "DynamoDB implementation");
    ddbgen_buf_printf(
        h,
        "\n/* Options of %s__ddb_repo_new; NULL means defaults. */\n"
        "typedef struct %s__ddb_options {\n"
        "    unsigned version;         /* 1 */\n"
        "    const char *table_prefix; /* prepended to every table name; NULL: none */\n"
        "    bool consistent_reads;    /* get uses strongly consistent reads */\n"
        "} %s__ddb_options;\n\n#define ",
        ns, ns, ns);
    upper(h, ns);
    ddbgen_buf_printf(h,
                      "__DDB_OPTIONS_INIT {1, NULL, false}\n\n"
                      "/*\n * The repository over DynamoDB. client is borrowed: it must outlive "
                      "the repository.\n * *out is the caller's (%s__repo_free). Returns 0, "
                      "DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM.\n */\n"
                      "int %s__ddb_repo_new(%s__repo **out, ddb_client *client,\n"
                      "    const %s__ddb_options *opts, ddb_error *err);\n\n"
                      "/*\n * Creates every table of the model (names prefixed with table_prefix, "
                      "may be NULL) and\n * waits until they are ACTIVE. For tests and local "
                      "setups. Returns 0 or a ddb_error_code.\n */\n"
                      "int %s__create_tables(ddb_client *client, const char *table_prefix, "
                      "ddb_error *err);\n",
                      ns, ns, ns, ns, ns);

    /* source */
    banner(c, "DynamoDB implementation");
    emit_table_descs(E);
    ddbgen_buf_printf(
        c,
        "\ntypedef struct repo_impl {\n    %s__repo base; /* first: the interface */\n"
        "    ddb_client *client;\n    bool consistent;\n    char *tables[%zu];\n"
        "} repo_impl;\n",
        ns, m->n_tables ? m->n_tables : 1);
    ddbgen_buf_puts(c, "\nstatic const char *table_of(const repo_impl *r, size_t i)\n{\n"
                       "    return r->tables[i];\n}\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            const char *en = e->c_name;
            size_t ti = table_index(m, e->table);
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__create_ddb(%s__repo *repo, %s__%s *obj, ddb_error *err)\n"
                "{\n    repo_impl *r = (repo_impl *)repo;\n"
                "    return ddb_entity_create(r->client, &%s__%s__desc, table_of(r, %zu), obj, "
                "err);\n}\n",
                en, ns, ns, en, ns, en, ti);
            ddbgen_buf_printf(c,
                              "\nstatic int %s__get_ddb(%s__repo *repo, %s__%s *out, bool *found,\n"
                              "    const %s__%s *key, ddb_error *err)\n"
                              "{\n    repo_impl *r = (repo_impl *)repo;\n"
                              "    return ddb_entity_get(out, found, r->client, &%s__%s__desc, "
                              "table_of(r, %zu), key,\n"
                              "        r->consistent, err);\n}\n",
                              en, ns, ns, en, ns, en, ns, en, ti);
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__update_ddb(%s__repo *repo, %s__%s *obj, ddb_error *err)\n"
                "{\n    repo_impl *r = (repo_impl *)repo;\n"
                "    return ddb_entity_update(r->client, &%s__%s__desc, table_of(r, %zu), obj, "
                "err);\n}\n",
                en, ns, ns, en, ns, en, ti);
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__delete_ddb(%s__repo *repo, const %s__%s *obj, ddb_error *err)\n"
                "{\n    repo_impl *r = (repo_impl *)repo;\n"
                "    return ddb_entity_delete(r->client, &%s__%s__desc, table_of(r, %zu), obj, "
                "err);\n}\n",
                en, ns, ns, en, ns, en, ti);
        }
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            for (size_t a = 0; a < e->n_patterns; a++) {
                pattern_gen g;
                pattern_plan(&g, e, &e->patterns[a]);
                if (g.supported) {
                    ddbgen_buf_puts(c, "\nstatic int ");
                    pattern_signature(E, c, e, &g, false);
                    ddbgen_buf_puts(c, "\n");
                    pattern_body(E, e, &g);
                }
                ddbgen_plan_clear(&g.plan);
            }
        }
    ddbgen_buf_printf(
        c,
        "\nstatic void free_ddb(%s__repo *repo)\n{\n    repo_impl *r = (repo_impl *)repo;\n"
        "    if (!r)\n        return;\n"
        "    for (size_t i = 0; i < sizeof r->tables / sizeof r->tables[0]; i++)\n"
        "        free(r->tables[i]);\n    free(r);\n}\n",
        ns);
    ddbgen_buf_printf(c,
                      "\nvoid %s__repo_free(%s__repo *repo)\n{\n    if (repo && repo->free)\n"
                      "        repo->free(repo);\n}\n",
                      ns, ns);
    ddbgen_buf_puts(c,
                    "\n/* prefix + name, malloc'd. */\nstatic char *prefixed(const char *prefix, "
                    "const char *name)\n{\n"
                    "    size_t np = prefix ? strlen(prefix) : 0, nn = strlen(name);\n"
                    "    char *s = malloc(np + nn + 1);\n    if (s) {\n"
                    "        memcpy(s, prefix ? prefix : \"\", np);\n"
                    "        memcpy(s + np, name, nn + 1);\n    }\n    return s;\n}\n");
    ddbgen_buf_printf(c,
                      "\nint %s__ddb_repo_new(%s__repo **out, ddb_client *client,\n"
                      "    const %s__ddb_options *opts, ddb_error *err)\n{\n"
                      "    repo_impl *r;\n    (void)err;\n"
                      "    if (!out || !client || (opts && opts->version != 1))\n"
                      "        return DDB_ERR_INVALID_ARG;\n"
                      "    r = calloc(1, sizeof *r);\n    if (!r)\n        return DDB_ERR_NOMEM;\n"
                      "    r->base.version = ",
                      ns, ns, ns);
    upper(c, ns);
    ddbgen_buf_puts(c, "__REPO_VERSION;\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const char *en = m->tables[t].entities[i].c_name;
            ddbgen_buf_printf(c,
                              "    r->base.%s__create = %s__create_ddb;\n"
                              "    r->base.%s__get = %s__get_ddb;\n"
                              "    r->base.%s__update = %s__update_ddb;\n"
                              "    r->base.%s__delete = %s__delete_ddb;\n",
                              en, en, en, en, en, en, en, en);
            for (size_t a = 0; a < m->tables[t].entities[i].n_patterns; a++) {
                pattern_gen g;
                pattern_plan(&g, &m->tables[t].entities[i], &m->tables[t].entities[i].patterns[a]);
                if (g.supported)
                    ddbgen_buf_printf(c, "    r->base.%s__%s = %s__%s_ddb;\n", en, g.ap->c_name, en,
                                      g.ap->c_name);
                ddbgen_plan_clear(&g.plan);
            }
        }
    ddbgen_buf_printf(
        c,
        "    r->base.free = free_ddb;\n    r->client = client;\n"
        "    r->consistent = opts && opts->consistent_reads;\n"
        "    for (size_t i = 0; i < %zu; i++) {\n"
        "        r->tables[i] = prefixed(opts ? opts->table_prefix : NULL, tables[i].name);\n"
        "        if (!r->tables[i]) {\n            free_ddb(&r->base);\n"
        "            return DDB_ERR_NOMEM;\n        }\n    }\n"
        "    *out = &r->base;\n    return 0;\n}\n",
        m->n_tables);
    ddbgen_buf_printf(
        c,
        "\nint %s__create_tables(ddb_client *client, const char *table_prefix, "
        "ddb_error *err)\n{\n"
        "    for (size_t i = 0; i < %zu; i++) {\n"
        "        char *name = prefixed(table_prefix, tables[i].name);\n"
        "        int rc;\n        if (!name)\n            return DDB_ERR_NOMEM;\n"
        "        rc = ddb_entity_create_table(client, &tables[i], name, 60000, err);\n"
        "        free(name);\n        if (rc < 0)\n            return rc;\n    }\n"
        "    return 0;\n}\n",
        ns, m->n_tables);
}

/* ---- files ----------------------------------------------------------------------------------- */

static void file_banner(emitter *E, ddbgen_buf *b, const char *ext)
{
    ddbgen_buf_printf(b, "/*\n * %s.%s - generated by `ddbkit generate` from ", E->ns, ext);
    comment_text(b, E->model_name);
    ddbgen_buf_puts(b, ".\n * DO NOT EDIT: change the model and generate again.\n */\n");
}

int ddbgen_emit_c(const ddbgen_model *m, const ddbgen_emit_options *opts, ddbgen_buf *header,
                  ddbgen_buf *source)
{
    emitter E = {0};
    char *sname = NULL;

    if (!m || !header || !source)
        return DDBGEN_ERR_ARG;
    E.m = m;
    E.h = header;
    E.c = source;
    E.ns = opts && opts->ns ? opts->ns : m->ns;
    E.model_name = opts && opts->model_name ? opts->model_name : m->source_name;
    if (!E.model_name)
        E.model_name = "(model)";
    if (!ddbgen_namespace_ok(E.ns))
        return DDBGEN_ERR_ARG;

    /* header: banner, guard, includes, version handshake */
    file_banner(&E, header, "h");
    ddbgen_buf_puts(header, "#ifndef ");
    upper(header, E.ns);
    ddbgen_buf_puts(header, "_H\n#define ");
    upper(header, E.ns);
    ddbgen_buf_puts(header,
                    "_H\n\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
                    "#include \"ddb/ddb.h\"\n#include \"ddb/entity.h\"\n\n");
    ddbgen_buf_printf(header,
                      "#if !defined(DDB_ENTITY_ABI_VERSION) || DDB_ENTITY_ABI_VERSION != %d\n"
                      "#error \"%s.h was generated for ddb/entity.h ABI %d; generate it again "
                      "with the ddbkit of this libddbkit\"\n#endif\n",
                      EMIT_ENTITY_ABI, E.ns, EMIT_ENTITY_ABI);
    ddbgen_buf_puts(header, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");

    file_banner(&E, source, "c");
    ddbgen_buf_printf(source,
                      "#include \"%s.h\"\n\n#include <stddef.h>\n#include <stdlib.h>\n"
                      "#include <string.h>\n",
                      E.ns);

    banner(header, "Entity types");
    banner(source, "Entity types");
    for (size_t t = 0; t < m->n_tables && E.status == 0; t++) {
        const ddbgen_table *tb = &m->tables[t];
        for (size_t i = 0; i < tb->n_entities; i++) {
            const ddbgen_entity *e = &tb->entities[i];
            free(sname);
            sname = NULL;
            sname = join2(E.ns, "__", e->c_name);
            if (!sname) {
                E.status = DDBGEN_ERR_NOMEM;
                break;
            }
            emit_entity_header(&E, e, sname);
            emit_entity_source(&E, e, sname);
        }
    }
    free(sname);
    if (E.status == 0) {
        size_t n = 0;
        ddbgen_buf_printf(header, "\n/* Every entity's descriptor, in model order. */\n#define ");
        upper(header, E.ns);
        for (size_t t = 0; t < m->n_tables; t++)
            n += m->tables[t].n_entities;
        ddbgen_buf_printf(header,
                          "__N_ENTITIES %zu\nextern const ddb_entity_desc *const "
                          "%s__entities[];\n",
                          n, E.ns);
        ddbgen_buf_printf(source, "\nconst ddb_entity_desc *const %s__entities[] = {\n", E.ns);
        for (size_t t = 0; t < m->n_tables; t++)
            for (size_t i = 0; i < m->tables[t].n_entities; i++)
                ddbgen_buf_printf(source, "    &%s__%s__desc,\n", E.ns,
                                  m->tables[t].entities[i].c_name);
        if (n == 0)
            ddbgen_buf_puts(source, "    NULL,\n");
        ddbgen_buf_puts(source, "};\n");
    }
    if (E.status == 0)
        emit_tables(&E);
    if (E.status == 0)
        emit_repo(&E);

    ddbgen_buf_puts(header, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
    if (E.status == 0 && (!ddbgen_buf_str(header) || !ddbgen_buf_str(source)))
        E.status = DDBGEN_ERR_NOMEM;
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
    path = join2(dir, "/", name);
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
    ddbgen_buf h = DDBGEN_BUF_INIT, c = DDBGEN_BUF_INIT;
    ddbgen_emit_options o = {0};
    char *name = NULL;
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
    rc = ddbgen_emit_c(m, &o, &h, &c);
    if (rc == DDBGEN_ERR_ARG)
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$",
                        "use lower-case letters, digits and single "
                        "underscores",
                        "namespace '%s' is not usable", ns ? ns : m->ns);
    if (rc != 0)
        goto done;
    ns = ns ? ns : m->ns;
    name = join2(ns, "", ".h");
    if (!name) {
        rc = DDBGEN_ERR_NOMEM;
        goto done;
    }
    rc = write_file(out_dir, name, &h, diags);
    if (rc == 0) {
        name[strlen(name) - 1] = 'c';
        rc = write_file(out_dir, name, &c, diags);
    }
done:
    ddbgen_diags_sort(diags);
    free(name);
    ddbgen_buf_free(&h);
    ddbgen_buf_free(&c);
    ddbgen_usage_free(u);
    ddbgen_model_free(m);
    return rc;
}
