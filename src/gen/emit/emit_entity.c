/*
 * Entity structs, their descriptor tables and thin wrappers over ddb/dal/entity.h, and the
 * CreateTable definitions. See docs/generated-code.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_internal.h"
#include "model/usage.h"
#include "validate/validate.h"

/* The parts of template t as a ddb_key_part initializer, after its opening "{". */
static void emit_template_parts(emitter *E, const ddbgen_entity *e, const ddbgen_template *t)
{
    ddbgen_buf *c = E->c;
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

void emit_entity_source(emitter *E, const ddbgen_entity *e, const char *sname)
{
    ddbgen_buf *c = E->c;
    key_ref keys[MAX_KEYS];
    size_t n_primary, n_keys = emit_collect_keys(e, keys, MAX_KEYS, &n_primary), n_computed = 0;

    ddbgen_buf_printf(c, "\n/* ---- %s ---- */\n\n", e->name);
    if (e->n_fields) {
        ddbgen_buf_printf(c, "static const ddb_field_desc %s__fields[] = {\n", e->c_name);
        for (size_t i = 0; i < e->n_fields; i++) {
            const ddbgen_field *f = &e->fields[i];
            bool list = f->type == DDBGEN_TYPE_ARRAY;
            ddbgen_type kt = list ? f->item_type : f->type;
            ddbgen_buf_puts(c, "    {");
            emit_c_string(c, f->name);
            ddbgen_buf_printf(
                c, ", %s, %s, %s, offsetof(%s, %s), ", emit_kind_name(kt), list ? "true" : "false",
                f->required && !ddbgen_field_is_derived(e, f) ? "true" : "false", sname, f->c_name);
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
        emit_template_parts(E, e, t);
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_template *t = &e->fields[i].computed;
        if (!t->path || t->n_parts == 0)
            continue;
        n_computed++;
        ddbgen_buf_printf(c, "static const ddb_key_part %s__computed%zu[] = {", e->c_name, i);
        emit_template_parts(E, e, t);
    }
    if (n_computed) {
        /* One source of truth: the runtime writes these from their templates. */
        ddbgen_buf_printf(c, "\nstatic const ddb_computed_desc %s__computed[] = {\n", e->c_name);
        for (size_t i = 0; i < e->n_fields; i++)
            if (e->fields[i].computed.path && e->fields[i].computed.n_parts)
                ddbgen_buf_printf(c, "    {%zu, %zu, %s__computed%zu},\n", i,
                                  e->fields[i].computed.n_parts, e->c_name, i);
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
    ddbgen_buf_printf(c, ", offsetof(%s, ddb_version),\n", sname);
    if (n_computed)
        ddbgen_buf_printf(c, "    %zu, %s__computed,\n", n_computed, e->c_name);
    else
        ddbgen_buf_puts(c, "    0, NULL,\n");
    ddbgen_buf_printf(c, "    %s,\n};\n",
                      e->ext.delete_not_found ? "DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND" : "0");

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

void emit_entity_header(emitter *E, const ddbgen_entity *e, const char *sname)
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
        emit_field_member(E, e, &e->fields[i]);
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
                      "/* The descriptor the conversions below walk (ddb/dal/entity.h). */\n"
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

static void add_attr(ddbgen_table_layout *L, const ddbgen_table *t, const char *a)
{
    for (size_t i = 0; i < L->n_attributes; i++)
        if (strcmp(L->attributes[i], a) == 0)
            return;
    if (L->n_attributes < DDBGEN_TABLE_MAX_ATTRIBUTES) {
        L->attributes[L->n_attributes] = a;
        L->types[L->n_attributes++] = attr_type(t, a);
    }
}

void ddbgen_table_layout_of(ddbgen_table_layout *out, const ddbgen_table *t)
{
    memset(out, 0, sizeof(*out));
    add_attr(out, t, t->partition_key);
    if (t->sort_key)
        add_attr(out, t, t->sort_key);
    for (size_t g = 0; g < t->n_gsis; g++) {
        for (size_t i = 0; i < t->gsis[g].n_pk; i++)
            add_attr(out, t, t->gsis[g].pk[i]);
        for (size_t i = 0; i < t->gsis[g].n_sk; i++)
            add_attr(out, t, t->gsis[g].sk[i]);
    }
    /* a table has one TTL attribute: the first entity's that names one */
    for (size_t k = 0; k < t->n_entities && !out->ttl_attribute; k++)
        out->ttl_attribute = t->entities[k].ext.ttl_field;
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

void ddbgen_table_create_json(ddbgen_buf *b, const ddbgen_table *t)
{
    ddbgen_table_layout L;
    const char *pk[1] = {t->partition_key}, *sk[1] = {t->sort_key};

    ddbgen_table_layout_of(&L, t);
    ddbgen_buf_puts(b, "{\"TableName\":");
    ddbgen_buf_put_json_string(b, t->name);
    ddbgen_buf_puts(b, ",\"AttributeDefinitions\":[");
    for (size_t i = 0; i < L.n_attributes; i++) {
        ddbgen_buf_puts(b, i ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        ddbgen_buf_put_json_string(b, L.attributes[i]);
        ddbgen_buf_printf(b, ",\"AttributeType\":\"%s\"}", L.types[i]);
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

void emit_tables(emitter *E)
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
        ddbgen_table_create_json(&json, t);
        s = ddbgen_buf_str(&json);
        if (!s) {
            E->status = DDBGEN_ERR_NOMEM;
            return;
        }
        ddbgen_buf_printf(c, "\nconst char %s__%s__create_table_json[] =\n    ", E->ns, t->c_name);
        emit_c_string(c, s); /* one literal: the line wrapper splits it (wrap.h) */
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

/* The table descriptor (ddb/dal/entity.h) of table t, for CreateTable. */
static void emit_table_desc(emitter *E, const ddbgen_table *t)
{
    ddbgen_buf *c = E->c;
    ddbgen_table_layout L;
    const char *tn = t->c_name;

    ddbgen_table_layout_of(&L, t);
    ddbgen_buf_printf(c, "\nstatic const char *const %s__attrs[] = {", tn);
    for (size_t i = 0; i < L.n_attributes; i++) {
        ddbgen_buf_puts(c, i ? ", " : "");
        emit_c_string(c, L.attributes[i]);
    }
    ddbgen_buf_printf(c, "};\nstatic const char *const %s__attr_types[] = {", tn);
    for (size_t i = 0; i < L.n_attributes; i++)
        ddbgen_buf_printf(c, "%s\"%s\"", i ? ", " : "", L.types[i]);
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
        ddbgen_table_layout L;
        ddbgen_table_layout_of(&L, t);
        ddbgen_buf_puts(c, "    {DDB_ENTITY_ABI_VERSION, ");
        emit_c_string(c, t->name);
        ddbgen_buf_printf(c, ", %zu, %s__attrs, %s__attr_types, ", L.n_attributes, t->c_name,
                          t->c_name);
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
        if (L.ttl_attribute)
            emit_c_string(c, L.ttl_attribute);
        else
            ddbgen_buf_puts(c, "NULL");
        ddbgen_buf_puts(c, "},\n");
    }
    if (E->m->n_tables == 0)
        ddbgen_buf_puts(c, "    {0},\n");
    ddbgen_buf_puts(c, "};\n");
}
