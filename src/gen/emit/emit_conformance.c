/*
 * The conformance suite of a model: <ns>_conformance.h and <ns>_conformance.c.
 *
 * The suite takes any implementation of struct <ns>__repo (the DynamoDB one, a hand-written
 * relational one, the router) and checks that it behaves as the interface says: CRUD with its
 * conditional failures and optimistic locking, and every access pattern whose member it knows
 * the shape of, with content, order and pagination checked. Each check is a named case, so a
 * test harness can run each one as its own test.
 *
 * Values come from the usage data when there is some (sample_data for even-numbered items,
 * access_pattern_data for odd-numbered ones), otherwise they are made up from the field types.
 * Fields that fill a key attribute or must be unique get run-unique values ("<run>-c<case>-<i>-
 * <value>" for strings; a number derived from the run id for integers), so that runs and cases
 * never collide and the suite can run against a store that already holds data.
 *
 * Which pattern members exist, what they do and what their parameters are comes from the
 * repository emitter itself (emit_repo_pattern_members): a pattern member is exercised only when
 * its kind and parameters have the shape the suite knows, and every pattern that is not
 * exercised is listed in <ns>__conformance_gaps with the reason, so a gap is visible instead of
 * silent. The generic members (create, get, update, delete, transact) have the fixed shape of
 * the interface contract.
 *
 * The generated .c holds the model's cases only: the checks, value makers, listings and the
 * driver are the runtime's (ddb/testkit/conformance.h).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_internal.h"
#include "validate/validate.h"

static size_t model_entities(const ddbgen_model *m, const struct ddbgen_entity **out, size_t cap);
static void emit_kind(emitter *E, ddbgen_buf *c, const ddbgen_entity *e);
static int items_per_partition(const ddbgen_entity *x);
static int key_index(const ddbgen_entity *e, const char *attr, const char *index);

/* The reason of a pattern the repository has no member for: the generator left it out and its
 * header says why (the validator warns). There is nothing to exercise, so it is listed apart
 * from the gaps (<ns>__conformance_not_generated) and does not fail the gaps entry. */
#define NO_MEMBER "the repository has no member for it (see the comment in the header)"

/* Items a listing case writes: with pages of 2 that is 3 pages. */
#define LIST_ITEMS 5
#define MAX_DECL_PARAMS 80

/* ---- the pattern members of the repository --------------------------------------------------- */

typedef struct decl_param {
    char type[160]; /* "const char *", "int64_t", ... (whitespace collapsed) */
    char name[96];
} decl_param;

typedef struct decl {
    size_t n;
    decl_param p[MAX_DECL_PARAMS];
} decl;

/* Splits "T1 a, T2 *b" of a member declaration into types and names. */
static bool parse_params(decl *d, const char *s, size_t len)
{
    size_t start = 0;
    d->n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ',')
            continue;
        {
            char text[256];
            size_t n = 0, end;
            bool space = false;
            decl_param *p;
            if (d->n == MAX_DECL_PARAMS)
                return false;
            for (size_t k = start; k < i && n + 1 < sizeof text; k++) {
                if (isspace((unsigned char)s[k])) {
                    space = n > 0;
                    continue;
                }
                if (space)
                    text[n++] = ' ';
                space = false;
                text[n++] = s[k];
            }
            text[n] = '\0';
            end = n;
            while (end > 0 && (isalnum((unsigned char)text[end - 1]) || text[end - 1] == '_'))
                end--;
            p = &d->p[d->n++];
            if (end == 0 || n - end >= sizeof p->name)
                return false;
            snprintf(p->name, sizeof p->name, "%s", text + end);
            while (end > 0 && text[end - 1] == ' ')
                end--;
            if (end >= sizeof p->type)
                return false;
            memcpy(p->type, text, end);
            p->type[end] = '\0';
        }
        start = i + 1;
    }
    return true;
}

/* ---- values ---------------------------------------------------------------------------------- */

/* The C expression of a parameter or field of type t taking its value from object `obj`. */
static const char *c_param_type(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_INTEGER:
        return "int64_t";
    case DDBGEN_TYPE_BOOLEAN:
        return "bool";
    default:
        return "const char *";
    }
}

static bool uuid_text_ok(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* A JSON value (usage data) as DynamoDB AttributeValue JSON, in a new jansson tree. */
static json_t *attribute_value(const json_t *v)
{
    json_t *out = json_object(), *inner = NULL;
    const char *tag = "NULL";
    if (json_is_string(v)) {
        tag = "S";
        inner = json_string(json_string_value(v));
    } else if (json_is_number(v)) {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        tag = "N";
        inner = json_string(text ? text : "0");
        free(text);
    } else if (json_is_boolean(v)) {
        tag = "BOOL";
        inner = json_boolean(json_is_true(v));
    } else if (json_is_array(v)) {
        tag = "L";
        inner = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(inner, attribute_value(json_array_get(v, i)));
    } else if (json_is_object(v)) {
        const char *k;
        json_t *m;
        tag = "M";
        inner = json_object();
        json_object_foreach((json_t *)v, k, m)
            json_object_set_new(inner, k, attribute_value(m));
    } else {
        inner = json_true();
    }
    json_object_set_new(out, tag, inner);
    return out;
}

/* The C literal (a string) of v as AttributeValue JSON. */
static void attribute_literal(ddbgen_buf *b, const json_t *v)
{
    json_t *av = attribute_value(v);
    char *text = json_dumps(av, JSON_COMPACT | JSON_SORT_KEYS);
    emit_c_string(b, text ? text : "{\"NULL\":true}");
    free(text);
    json_decref(av);
}

/* The usage value of field f for items of parity `odd`, or NULL: the other item's value when
 * this one lacks it; values that do not fit the field (usage validation reports them as
 * errors, so this only guards) are ignored. */
static const json_t *usage_value(emitter *E, const ddbgen_entity *e, const ddbgen_field *f,
                                 bool odd)
{
    const ddbgen_usage_entity *ue = E->usage ? ddbgen_usage_find(E->usage, e->name) : NULL;
    const json_t *first, *second, *v;
    if (!ue)
        return NULL;
    first = odd ? ue->access_pattern_data : ue->sample_data;
    second = odd ? ue->sample_data : ue->access_pattern_data;
    v = first ? json_object_get(first, f->name) : NULL;
    if (!v || !ddbgen_usage_value_fits(v, f->type, f->item_type, NULL))
        v = second ? json_object_get(second, f->name) : NULL;
    if (!v || !ddbgen_usage_value_fits(v, f->type, f->item_type, NULL))
        return NULL;
    if (f->type == DDBGEN_TYPE_UUID && !uuid_text_ok(json_string_value(v)))
        return NULL;
    return v;
}

/* Fields in a key template (primary or GSI), and unique ones. */
static bool field_in_key(const ddbgen_entity *e, const ddbgen_field *f)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
    if (f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT ||
        f->type == DDBGEN_TYPE_BOOLEAN)
        return false;
    for (size_t k = 0; k < n; k++)
        for (size_t p = 0; p < keys[k].tmpl->n_parts; p++)
            if (keys[k].tmpl->parts[p].is_field &&
                strcmp(keys[k].tmpl->parts[p].text, f->name) == 0)
                return true;
    for (size_t u = 0; u < e->ext.n_unique; u++)
        for (size_t k = 0; k < e->ext.unique[u].n_fields; k++)
            if (strcmp(e->ext.unique[u].fields[k], f->name) == 0)
                return true;
    return false;
}

static bool key_template_has(const ddbgen_key_template *k, const char *name)
{
    for (size_t i = 0; k->present && i < k->n; i++)
        for (size_t p = 0; k->items[i].ok && p < k->items[i].n_parts; p++)
            if (k->items[i].parts[p].is_field && strcmp(k->items[i].parts[p].text, name) == 0)
                return true;
    return false;
}

/*
 * Fields whose values must differ between items, runs and cases (run-unique values): the ID,
 * the fields of the primary key and of any sort key, and unique ones. A field that is only in GSI partition
 * keys keeps its usage data value when there is one: such a value is often one of a fixed set
 * (an order's status) that a relational implementation enforces with a CHECK, and a run prefix
 * would break it. Items of such a partition are shared with other writers; the listing cases
 * allow for that (listing.n_open).
 */
static bool field_varies(emitter *E, const ddbgen_entity *e, const ddbgen_field *f)
{
    const char *id = ddbgen_entity_id_field(e);
    /* the ID, even outside the key: a relational implementation keys its rows by it */
    if (id && strcmp(id, f->name) == 0 && f->type != DDBGEN_TYPE_ARRAY &&
        f->type != DDBGEN_TYPE_OBJECT && f->type != DDBGEN_TYPE_BOOLEAN)
        return true;
    if (!field_in_key(e, f))
        return false;
    if (key_template_has(&e->pk, f->name) || key_template_has(&e->sk, f->name))
        return true;
    for (size_t g = 0; g < e->n_gsi_mappings; g++)
        if (key_template_has(&e->gsi_mappings[g].sk, f->name))
            return true;
    for (size_t u = 0; u < e->ext.n_unique; u++)
        for (size_t k = 0; k < e->ext.unique[u].n_fields; k++)
            if (strcmp(e->ext.unique[u].fields[k], f->name) == 0)
                return true;
    return usage_value(E, e, f, false) == NULL;
}

/* A key field whose value is shared by value (see field_varies); references never are. */
static bool field_shared_value(emitter *E, const ddbgen_entity *e, const ddbgen_field *f)
{
    return !f->references && field_in_key(e, f) && !field_varies(E, e, f);
}

/* One list element of type t from usage value v (NULL: made up from `i`) into b. */
static void element_value(ddbgen_buf *b, ddbgen_type t, const json_t *v, const char *label,
                          size_t j)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
        if (v) {
            ddbgen_buf_puts(b, "ddb_conf_text(");
            emit_c_string(b, json_string_value(v));
            ddbgen_buf_puts(b, ")");
        } else {
            ddbgen_buf_puts(b, "ddb_conf_label_text(");
            emit_c_string(b, label);
            ddbgen_buf_printf(b, ", i, %zu)", j);
        }
        break;
    case DDBGEN_TYPE_UUID:
        if (v && uuid_text_ok(json_string_value(v))) {
            ddbgen_buf_puts(b, "ddb_conf_text(");
            emit_c_string(b, json_string_value(v));
            ddbgen_buf_puts(b, ")");
        } else {
            ddbgen_buf_printf(b, "ddb_conf_uuid_text(i, %zu)", j);
        }
        break;
    case DDBGEN_TYPE_INTEGER:
        if (v)
            ddbgen_buf_printf(b, "INT64_C(%lld)",
                              json_is_integer(v) ? (long long)json_integer_value(v)
                                                 : (long long)json_real_value(v));
        else
            ddbgen_buf_printf(b, "100 + i + %zu", j);
        break;
    case DDBGEN_TYPE_BOOLEAN:
        if (v)
            ddbgen_buf_puts(b, json_is_true(v) ? "true" : "false");
        else
            ddbgen_buf_printf(b, "(i + %zu) %% 2 == 1", j);
        break;
    default: /* object (ddb_value *) */
        if (v) {
            ddbgen_buf_puts(b, "ddb_conf_object_value(");
            attribute_literal(b, v);
            ddbgen_buf_puts(b, ")");
        } else {
            ddbgen_buf_printf(
                b, "ddb_conf_object_value(\"{\\\"M\\\":{\\\"k\\\":{\\\"N\\\":\\\"%zu\\\"}}}\")", j);
        }
        break;
    }
}

/* The statements that give field f of `o` its value for item i of parity odd. */
static void field_statements(emitter *E, ddbgen_buf *b, const ddbgen_entity *e,
                             const ddbgen_field *f, bool odd)
{
    const json_t *v = usage_value(E, e, f, odd);
    const char *cn = f->c_name;
    bool varies = field_varies(E, e, f);
    if (emit_needs_has(f))
        ddbgen_buf_printf(b, "o->has_%s = true; ", cn);
    switch (f->type) {
    case DDBGEN_TYPE_STRING:
        if (varies) {
            ddbgen_buf_printf(b, "o->%s = ddb_conf_key_text(c, i, ", cn);
            emit_c_string(b, v ? json_string_value(v) : f->name);
            ddbgen_buf_puts(b, ");");
        } else {
            ddbgen_buf_printf(b, "o->%s = ", cn);
            element_value(b, f->type, v, f->name, 0);
            ddbgen_buf_puts(b, ";");
        }
        break;
    case DDBGEN_TYPE_INTEGER:
        if (varies) {
            ddbgen_buf_printf(b, "o->%s = ddb_conf_key_int(c, i);", cn);
        } else {
            ddbgen_buf_printf(b, "o->%s = ", cn);
            element_value(b, f->type, v, f->name, 0);
            ddbgen_buf_puts(b, ";");
        }
        break;
    case DDBGEN_TYPE_DECIMAL:
        if (varies) {
            ddbgen_buf_printf(b, "ddb_conf_key_decimal(c, i, &o->%s);", cn);
        } else if (v) {
            char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            ddbgen_buf_printf(b, "ddb_conf_set_decimal(&o->%s, ", cn);
            emit_c_string(b, text ? text : "0");
            ddbgen_buf_puts(b, ", i);");
            free(text);
        } else {
            ddbgen_buf_printf(b, "ddb_conf_set_decimal(&o->%s, NULL, i);", cn);
        }
        break;
    case DDBGEN_TYPE_BOOLEAN:
        ddbgen_buf_printf(b, "o->%s = ", cn);
        element_value(b, f->type, v, f->name, 0);
        ddbgen_buf_puts(b, ";");
        break;
    case DDBGEN_TYPE_UUID:
        if (varies) {
            ddbgen_buf_printf(b, "ddb_conf_key_uuid(c, i, o->%s);", cn);
        } else {
            ddbgen_buf_printf(b, "ddb_conf_set_uuid(o->%s, ", cn);
            if (v)
                emit_c_string(b, json_string_value(v));
            else
                ddbgen_buf_puts(b, "NULL");
            ddbgen_buf_puts(b, ", i);");
        }
        break;
    case DDBGEN_TYPE_ARRAY: {
        size_t n = v ? json_array_size(v) : 2;
        if (n == 0) {
            ddbgen_buf_printf(b, "o->n_%s = 0; o->%s = NULL;", cn, cn);
            break;
        }
        ddbgen_buf_printf(b, "o->n_%s = %zu; o->%s = calloc(%zu, sizeof *o->%s);", cn, n, cn, n,
                          cn);
        for (size_t j = 0; j < n; j++) {
            const json_t *item = v ? json_array_get(v, j) : NULL;
            if (f->item_type == DDBGEN_TYPE_DECIMAL) {
                char *text = item ? json_dumps(item, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                ddbgen_buf_printf(b, "\n        if (o->%s) ddb_conf_set_decimal(&o->%s[%zu], ", cn,
                                  cn, j);
                if (text)
                    emit_c_string(b, text);
                else
                    ddbgen_buf_puts(b, "NULL");
                ddbgen_buf_printf(b, ", i + %zu);", j);
                free(text);
                continue;
            }
            ddbgen_buf_printf(b, "\n        if (o->%s) o->%s[%zu] = ", cn, cn, j);
            element_value(b, f->item_type, item, f->name, j);
            ddbgen_buf_puts(b, ";");
        }
        break;
    }
    default:
        ddbgen_buf_printf(b, "o->%s = ", cn);
        element_value(b, DDBGEN_TYPE_OBJECT, v, f->name, 0);
        ddbgen_buf_puts(b, ";");
        break;
    }
}

/* Whether an entity has fields with x-ddbkit.references. */
static bool has_references(const ddbgen_entity *e)
{
    for (size_t k = 0; k < e->n_fields; k++)
        if (e->fields[k].references)
            return true;
    return false;
}

/* The field a reference of e points at (the referenced entity's ID field), or NULL. */
static const ddbgen_field *reference_target(emitter *E, const ddbgen_field *f,
                                            const ddbgen_entity **target)
{
    const ddbgen_entity *t = f->references ? ddbgen_model_find_entity(E->m, f->references) : NULL;
    const char *idf = t ? ddbgen_entity_id_field(t) : NULL;
    *target = t;
    return idf ? ddbgen_entity_find_field(t, idf) : NULL;
}

/* Whether another entity of the model refers to e. */
static bool is_referenced(emitter *E, const ddbgen_entity *e)
{
    const ddbgen_entity *all[256];
    size_t n = model_entities(E->m, all, 256);
    for (size_t x = 0; x < n; x++)
        for (size_t k = 0; k < all[x]->n_fields; k++) {
            const ddbgen_entity *t;
            if (reference_target(E, &all[x]->fields[k], &t) && t == e)
                return true;
        }
    return false;
}

/* refer_<entity>: the entities an item refers to, created first, and their IDs in its fields. */
static void emit_referrer(emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    ddbgen_buf_printf(
        c,
        "\n/* The entities item i of %s refers to (x-ddbkit references) are created "
        "first and o gets\n * their IDs. up: the entities being created that o is "
        "itself a dependency of (NULL: o is\n * the case's own item, which refers "
        "to an entity in every reference; a dependency leaves its\n * optional "
        "references empty, and a required one that would close a cycle keeps its "
        "made-up\n * value). */\n"
        "static void refer_%s(ddb_conf *c, %s__%s *o, int i, const ddb_conf_chain *up)\n{\n"
        "    const ddb_conf_chain here = {",
        e->name, e->c_name, ns, e->c_name);
    emit_kind(E, c, e);
    ddbgen_buf_puts(c, ", up};\n    (void)here;\n");
    for (size_t k = 0; k < e->n_fields; k++) {
        const ddbgen_field *f = &e->fields[k];
        const ddbgen_entity *t;
        const ddbgen_field *id = reference_target(E, f, &t);
        const char *cn = f->c_name;
        if (!id)
            continue;
        ddbgen_buf_printf(c, "    /* %s: the ID of a %s */\n", f->name, t->name);
        if (!f->required) {
            ddbgen_buf_puts(c, "    if (up) {\n");
            if (emit_needs_has(f))
                ddbgen_buf_printf(c, "        o->has_%s = false;\n", cn);
            else if (f->type == DDBGEN_TYPE_STRING)
                ddbgen_buf_printf(c, "        free(o->%s);\n        o->%s = NULL;\n", cn, cn);
            else if (f->type == DDBGEN_TYPE_DECIMAL)
                ddbgen_buf_printf(c, "        free(o->%s.text);\n        o->%s.text = NULL;\n", cn,
                                  cn);
            ddbgen_buf_puts(c, "    } else {\n");
        } else {
            ddbgen_buf_puts(c, "    if (!up || !ddb_conf_on_chain(&here, ");
            emit_kind(E, c, t);
            ddbgen_buf_puts(c, ")) {\n");
        }
        ddbgen_buf_puts(c, "        const ddb_conf_ref *v = up ? NULL : ddb_conf_ref_find(c, ");
        emit_kind(E, c, e);
        ddbgen_buf_printf(c,
                          ", %zu, i);\n        ddb_conf_ref made = {0, NULL};\n"
                          "        if (!v && dep_%s(c, &here, &made))\n"
                          "            v = up ? &made : ddb_conf_ref_keep(c, ",
                          k, t->c_name);
        emit_kind(E, c, e);
        ddbgen_buf_printf(c, ", %zu, i, &made);\n        if (v) {\n", k);
        if (emit_needs_has(f))
            ddbgen_buf_printf(c, "            o->has_%s = true;\n", cn);
        switch (f->type) {
        case DDBGEN_TYPE_INTEGER:
            ddbgen_buf_printf(c, "            o->%s = v->n;\n", cn);
            break;
        case DDBGEN_TYPE_STRING:
            ddbgen_buf_printf(
                c, "            free(o->%s);\n            o->%s = ddb_conf_text(v->s);\n", cn, cn);
            break;
        case DDBGEN_TYPE_UUID:
            ddbgen_buf_printf(c, "            snprintf(o->%s, sizeof o->%s, \"%%s\", v->s);\n", cn,
                              cn);
            break;
        case DDBGEN_TYPE_DECIMAL:
            ddbgen_buf_printf(c, "            ddb_conf_set_decimal(&o->%s, v->s, 0);\n", cn);
            break;
        default:
            break;
        }
        ddbgen_buf_puts(c, "        }\n        free(made.s);\n    }\n");
    }
    ddbgen_buf_puts(c, "    (void)c;\n    (void)i;\n}\n");
}

/* dep_<entity>: an entity that another one refers to, created, and its ID. */
static void emit_dependency(emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    const ddbgen_field *id = ddbgen_entity_find_field(e, ddbgen_entity_id_field(e));
    bool refs = has_references(e);
    if (!id)
        return;
    ddbgen_buf_printf(
        c,
        "\n/* A %s that another entity refers to: item DDB_CONF_DEP_ITEM + n of the case, "
        "created (and deleted\n * at the end of the case); *out gets its ID as the "
        "repository gave it back. */\n"
        "static bool dep_%s(ddb_conf *c, const ddb_conf_chain *up, ddb_conf_ref *out)\n{\n"
        "    %s__%s t = {0};\n    int i;\n    bool ok;\n\n"
        "    if (c->n_deps == DDB_CONF_MAX_DEPS)\n"
        "        return ddb_conf_fail(c, \"more than %%d referenced entities in one case\", "
        "DDB_CONF_MAX_DEPS);\n"
        "    i = DDB_CONF_DEP_ITEM + c->n_deps++;\n",
        e->name, e->c_name, ns, e->c_name);
    if (refs)
        ddbgen_buf_printf(c, "    values_%s(c, &t, i);\n    refer_%s(c, &t, i, up);\n", e->c_name,
                          e->c_name);
    else
        ddbgen_buf_printf(c, "    make_%s(c, &t, i);\n    (void)up;\n", e->c_name);
    ddbgen_buf_printf(c, "    ok = create_%s(c, &t);\n    if (ok) {\n", e->c_name);
    switch (id->type) {
    case DDBGEN_TYPE_INTEGER:
        ddbgen_buf_printf(c, "        out->n = t.%s;\n", id->c_name);
        break;
    case DDBGEN_TYPE_STRING:
        ddbgen_buf_printf(c, "        out->s = t.%s ? ddb_conf_text(t.%s) : NULL;\n", id->c_name,
                          id->c_name);
        break;
    case DDBGEN_TYPE_UUID:
        ddbgen_buf_printf(c, "        out->s = ddb_conf_text(t.%s);\n", id->c_name);
        break;
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(c, "        out->s = t.%s.text ? ddb_conf_text(t.%s.text) : NULL;\n",
                          id->c_name, id->c_name);
        break;
    default:
        break;
    }
    if (id->type != DDBGEN_TYPE_INTEGER)
        ddbgen_buf_printf(
            c,
            "        if (!out->s)\n"
            "            ok = ddb_conf_fail(c, \"create %s: no ID in field '%s' after the "
            "create\");\n",
            e->name, id->name);
    ddbgen_buf_printf(c, "    }\n    %s__%s__free(&t);\n    return ok;\n}\n", ns, e->c_name);
}

/* make_<entity>: item i of an entity, every field set (values_<entity> and refer_<entity> when
 * it has references). */
static void emit_maker(emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    bool refs = has_references(e);
    ddbgen_buf_printf(c,
                      "\n/* Item i of %s: every field has a value; key and unique fields are "
                      "run-unique%s. */\nstatic void %s_%s(ddb_conf *c, %s__%s *o, int i)\n{\n"
                      "    const bool odd = i %% 2 == 1;\n    (void)c;\n    (void)odd;\n",
                      e->name, refs ? " (refer_* then sets the references)" : "",
                      refs ? "values" : "make", e->c_name, E->ns, e->c_name);
    for (size_t k = 0; k < e->n_fields; k++) {
        const ddbgen_field *f = &e->fields[k];
        ddbgen_buf even = DDBGEN_BUF_INIT, odd = DDBGEN_BUF_INIT;
        const char *se, *so;
        field_statements(E, &even, e, f, false);
        field_statements(E, &odd, e, f, true);
        se = ddbgen_buf_str(&even);
        so = ddbgen_buf_str(&odd);
        if (!se || !so)
            E->status = DDBGEN_ERR_NOMEM;
        else if (strcmp(se, so) == 0)
            ddbgen_buf_printf(c, "    %s\n", se);
        else
            ddbgen_buf_printf(c, "    if (odd) {\n        %s\n    } else {\n        %s\n    }\n",
                              so, se);
        ddbgen_buf_free(&even);
        ddbgen_buf_free(&odd);
    }
    ddbgen_buf_puts(c, "}\n");
    if (refs) {
        emit_referrer(E, e);
        ddbgen_buf_printf(c,
                          "\n/* Item i of %s, with the entities it refers to. */\n"
                          "static void make_%s(ddb_conf *c, %s__%s *o, int i)\n{\n"
                          "    values_%s(c, o, i);\n    refer_%s(c, o, i, NULL);\n}\n",
                          e->name, e->c_name, E->ns, e->c_name, e->c_name, e->c_name);
    }
    ddbgen_buf_printf(c,
                      "\n/* Creates o through the repository and remembers it for the clean-up. "
                      "*/\nstatic bool create_%s(ddb_conf *c, %s__%s *o)\n{\n"
                      "    %s__repo *repo = c->repo;\n"
                      "    ddb_error err = DDB_ERROR_INIT;\n"
                      "    int rc = repo->%s__create(repo, o, &err);\n"
                      "    bool ok = ddb_conf_expect_rc(c, \"create %s\", rc, 0, &err);\n"
                      "    if (ok)\n        ddb_conf_remember(c, &%s__%s__desc, o);\n"
                      "    ddb_error_clear(&err);\n    return ok;\n}\n",
                      e->c_name, E->ns, e->c_name, E->ns, e->c_name, e->name, E->ns, e->c_name);
    if (is_referenced(E, e))
        emit_dependency(E, e);
}

/* ---- cases ----------------------------------------------------------------------------------- */

typedef struct case_ref {
    const ddbgen_entity *e;
    const char *pattern; /* model name, or "crud" */
    char fn[320];        /* the case function */
    const char *checks;
} case_ref;

typedef struct gap_ref {
    const ddbgen_entity *e; /* NULL: model level */
    const char *pattern;
    const char *reason;
    bool no_member; /* not a gap: the repository has no member (the generator says why) */
} gap_ref;

/* A pattern member as emit_repo_pattern_members describes it (its strings copied). */
typedef struct member_info {
    char *name;
    char *params; /* the parameter list without its parentheses */
    emit_member_kind kind;
    bool mixed;
} member_info;

typedef struct suite {
    case_ref *cases;
    size_t n_cases, cap_cases;
    gap_ref *gaps;
    size_t n_gaps, cap_gaps;
    member_info *members;
    size_t n_members, cap_members;
} suite;

/* emit_repo_pattern_members' callback: keeps what the suite needs of m. */
static void collect_member(emitter *E, const emit_member *m, void *ctx)
{
    suite *s = ctx;
    member_info *mi;
    size_t n = strlen(m->decl);
    if (s->n_members == s->cap_members) {
        size_t cap = s->cap_members ? s->cap_members * 2 : 16;
        member_info *grown = realloc(s->members, cap * sizeof *grown);
        if (!grown) {
            E->status = DDBGEN_ERR_NOMEM;
            return;
        }
        s->members = grown;
        s->cap_members = cap;
    }
    mi = &s->members[s->n_members];
    mi->name = strdup(m->name);
    mi->params = malloc(n + 1);
    if (!mi->name || !mi->params) {
        free(mi->name);
        free(mi->params);
        E->status = DDBGEN_ERR_NOMEM;
        return;
    }
    /* "(...)": the list inside */
    if (n >= 2 && m->decl[0] == '(' && m->decl[n - 1] == ')') {
        memcpy(mi->params, m->decl + 1, n - 2);
        mi->params[n - 2] = '\0';
    } else {
        memcpy(mi->params, m->decl, n + 1);
    }
    mi->kind = m->kind;
    mi->mixed = m->mixed;
    s->n_members++;
}

/* The pattern member `name` and its parameters; NULL when the repository has none. */
static const member_info *find_member(const suite *s, const char *name, decl *out)
{
    for (size_t i = 0; i < s->n_members; i++)
        if (strcmp(s->members[i].name, name) == 0)
            return parse_params(out, s->members[i].params, strlen(s->members[i].params))
                       ? &s->members[i]
                       : NULL;
    return NULL;
}

/* The name of every entity's CRUD case; an access pattern called "crud" is listed as "crud_",
 * as its C name is (model.c reserves it). */
static const char CRUD_CASE[] = "crud";

static void add_case(emitter *E, suite *s, const ddbgen_entity *e, const char *pattern,
                     const char *checks)
{
    case_ref *r;
    if (e && pattern != CRUD_CASE && strcmp(pattern, CRUD_CASE) == 0)
        pattern = "crud_";
    if (s->n_cases == s->cap_cases) {
        size_t cap = s->cap_cases ? s->cap_cases * 2 : 16;
        case_ref *grown = realloc(s->cases, cap * sizeof *grown);
        if (!grown) {
            E->status = DDBGEN_ERR_NOMEM;
            return;
        }
        s->cases = grown;
        s->cap_cases = cap;
    }
    r = &s->cases[s->n_cases++];
    r->e = e;
    r->pattern = pattern;
    r->checks = checks;
    snprintf(r->fn, sizeof r->fn, "case_%s__%s", e ? e->c_name : "model", pattern);
}

static void add_gap(emitter *E, suite *s, const ddbgen_entity *e, const char *pattern,
                    const char *reason)
{
    if (s->n_gaps == s->cap_gaps) {
        size_t cap = s->cap_gaps ? s->cap_gaps * 2 : 16;
        gap_ref *grown = realloc(s->gaps, cap * sizeof *grown);
        if (!grown) {
            E->status = DDBGEN_ERR_NOMEM;
            return;
        }
        s->gaps = grown;
        s->cap_gaps = cap;
    }
    s->gaps[s->n_gaps++] = (gap_ref){e, pattern, reason, strcmp(reason, NO_MEMBER) == 0};
}

/* Gaps proper: patterns with a member that the suite does not exercise. */
static size_t count_gaps(const suite *s, bool no_member)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_gaps; i++)
        n += s->gaps[i].no_member == no_member;
    return n;
}

static bool has_optional(const ddbgen_entity *e);

/* CRUD: create, create again, get, update, stale update and delete, delete, get; with optional
 * fields, also an update and a create without their values. */
static void emit_crud_case(emitter *E, suite *s, const ddbgen_entity *e)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = e->c_name;
    bool optional = has_optional(e);
    add_case(E, s, e, CRUD_CASE,
             optional ? "create (twice: DDB_ERR_ITEM_EXISTS), get, update (version 2; stale: "
                        "DDB_ERR_STALE_VERSION), delete (stale: DDB_ERR_STALE_VERSION), update "
                        "and create without the optional values, get after each (every field "
                        "compared with what was written), update without a version, update "
                        "after delete (DDB_ERR_ITEM_NOT_FOUND), delete after delete"
                      : "create (twice: DDB_ERR_ITEM_EXISTS), get, update (version 2; stale: "
                        "DDB_ERR_STALE_VERSION), delete (stale: DDB_ERR_STALE_VERSION), update "
                        "without a version, get after delete (every field compared with what "
                        "was written), update after delete (DDB_ERR_ITEM_NOT_FOUND), delete "
                        "after delete");
    ddbgen_buf_printf(
        c,
        "\nstatic void case_%s__crud(ddb_conf *c)\n{\n"
        "    %s__repo *repo = c->repo;\n"
        "    const ddb_entity_desc *d = &%s__%s__desc;\n"
        "    %s__%s a = {0}, again = {0}, got = {0}, stale = {0};\n"
        "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n    int rc;\n\n"
        "    make_%s(c, &a, 0);\n    make_%s(c, &again, 0);\n"
        "    if (!create_%s(c, &a))\n        goto done;\n"
        "    ddb_conf_expect_version(c, \"create\", a.ddb_version, 1);\n"
        "    rc = repo->%s__create(repo, &again, &err);\n"
        "    ddb_conf_expect_rc(c, \"create of an existing key\", rc, "
        "DDB_ERR_ITEM_EXISTS, &err);\n",
        en, ns, ns, en, ns, en, en, en, en, en);
    if (e->ext.n_unique) {
        /* a new key with a taken unique value: the sentinel refuses it */
        ddbgen_buf_printf(
            c,
            "    {\n        %s__%s other = {0};\n        make_%s(c, &other, 1);\n"
            "        ddb_conf_copy_fields(d, &other, &a, unique_%s, "
            "sizeof unique_%s / sizeof unique_%s[0]);\n"
            "        rc = repo->%s__create(repo, &other, &err);\n"
            "        if (rc == 0)\n            ddb_conf_remember(c, d, &other);\n"
            "        ddb_conf_expect_rc(c, \"create with a unique value that is taken\", rc, "
            "DDB_ERR_UNIQUE_TAKEN, &err);\n"
            "        %s__%s__free(&other);\n    }\n",
            ns, en, en, en, en, en, en, ns, en);
    }
    ddbgen_buf_printf(
        c,
        "    rc = repo->%s__get(repo, &got, &found, &a, &err);\n"
        "    if (!ddb_conf_expect_rc(c, \"get\", rc, 0, &err) || !ddb_conf_expect_found(c, "
        "\"get\", "
        "found, true))\n        goto done;\n"
        "    ddb_conf_expect_version(c, \"get\", got.ddb_version, 1);\n"
        "    ddb_conf_same_entity(c, \"get\", d, &a, &got, true);\n"
        "    if (!ddb_conf_clone(c, d, &stale, &got))\n        goto done;\n"
        "    change_%s(c, &got);\n"
        "    rc = repo->%s__update(repo, &got, &err);\n"
        "    if (!ddb_conf_expect_rc(c, \"update\", rc, 0, &err))\n        goto done;\n"
        "    ddb_conf_expect_version(c, \"update\", got.ddb_version, 2);\n"
        "    %s__%s__free(&a);\n"
        "    rc = repo->%s__get(repo, &a, &found, &got, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after update\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"get after update\", found, true)) {\n"
        "        ddb_conf_expect_version(c, \"get after update\", a.ddb_version, 2);\n"
        "        ddb_conf_same_entity(c, \"get after update\", d, &got, &a, true);\n    }\n"
        "    change_%s(c, &stale);\n"
        "    rc = repo->%s__update(repo, &stale, &err);\n"
        "    ddb_conf_expect_rc(c, \"update from a stale copy\", rc, DDB_ERR_STALE_VERSION, "
        "&err);\n"
        "    rc = repo->%s__delete(repo, &stale, &err);\n"
        "    ddb_conf_expect_rc(c, \"delete from a stale copy\", rc, DDB_ERR_STALE_VERSION, "
        "&err);\n",
        en, en, en, ns, en, en, en, en, en);
    if (optional) {
        /* present -> absent through update: an update that only sets attributes keeps them */
        ddbgen_buf_printf(
            c,
            "    /* the optional values dropped by an update must come back absent */\n"
            "    ddb_conf_clear_optional(d, &got);\n"
            "    rc = repo->%s__update(repo, &got, &err);\n"
            "    if (ddb_conf_expect_rc(c, \"update without optional values\", rc, 0, &err)) "
            "{\n"
            "        ddb_conf_expect_version(c, \"update without optional values\", "
            "got.ddb_version, 3);\n"
            "        %s__%s__free(&a);\n"
            "        rc = repo->%s__get(repo, &a, &found, &got, &err);\n"
            "        if (ddb_conf_expect_rc(c, \"get after that update\", rc, 0, &err) &&\n"
            "            ddb_conf_expect_found(c, \"get after that update\", found, true))\n"
            "            ddb_conf_same_entity(c, \"get after that update\", d, &got, &a, "
            "true);\n    }\n",
            en, ns, en, en);
    }
    /* ddb_version 0: no version check; the stored version + 1 comes back */
    ddbgen_buf_printf(c,
                      "    {\n        int64_t was = got.ddb_version;\n"
                      "        got.ddb_version = 0;\n"
                      "        rc = repo->%s__update(repo, &got, &err);\n"
                      "        if (ddb_conf_expect_rc(c, \"update without a version\", rc, 0, "
                      "&err))\n"
                      "            ddb_conf_expect_version(c, \"update without a version\", "
                      "got.ddb_version, was + 1);\n    }\n",
                      en);
    ddbgen_buf_printf(c,
                      "    rc = repo->%s__delete(repo, &got, &err);\n"
                      "    ddb_conf_expect_rc(c, \"delete\", rc, 0, &err);\n"
                      "    %s__%s__free(&a);\n"
                      "    rc = repo->%s__get(repo, &a, &found, &got, &err);\n"
                      "    if (ddb_conf_expect_rc(c, \"get after delete\", rc, 0, &err))\n"
                      "        ddb_conf_expect_found(c, \"get after delete\", found, false);\n"
                      "    rc = repo->%s__update(repo, &got, &err);\n"
                      "    ddb_conf_expect_rc(c, \"update after delete\", rc, "
                      "DDB_ERR_ITEM_NOT_FOUND, &err);\n"
                      "    got.ddb_version = 0;\n"
                      "    rc = repo->%s__update(repo, &got, &err);\n"
                      "    ddb_conf_expect_rc(c, \"update without a version after delete\", rc, "
                      "DDB_ERR_ITEM_NOT_FOUND, &err);\n"
                      "    rc = repo->%s__delete(repo, &got, &err);\n"
                      "    ddb_conf_expect_rc(c, \"delete after delete (delete_missing %s)\", "
                      "rc, %s, &err);\n",
                      en, ns, en, en, en, en, en, e->ext.delete_not_found ? "not_found" : "succeed",
                      e->ext.delete_not_found ? "DDB_ERR_ITEM_NOT_FOUND" : "0");
    if (optional) {
        /* absent on create: item 1 (the key of neither a nor again) without its optional values */
        ddbgen_buf_printf(
            c,
            "    /* created without its optional values, it must come back without them */\n"
            "    %s__%s__free(&again);\n"
            "    make_%s(c, &again, 1);\n"
            "    ddb_conf_clear_optional(d, &again);\n"
            "    if (create_%s(c, &again)) {\n"
            "        %s__%s__free(&a);\n"
            "        rc = repo->%s__get(repo, &a, &found, &again, &err);\n"
            "        if (ddb_conf_expect_rc(c, \"get (created without optional values)\", rc, "
            "0, &err) &&\n"
            "            ddb_conf_expect_found(c, \"get (created without optional values)\", "
            "found, true))\n"
            "            ddb_conf_same_entity(c, \"get (created without optional values)\", d, "
            "&again, &a, true);\n    }\n",
            ns, en, en, en, ns, en, en);
    }
    ddbgen_buf_printf(c,
                      "done:\n    %s__%s__free(&a);\n    %s__%s__free(&again);\n"
                      "    %s__%s__free(&got);\n    %s__%s__free(&stale);\n"
                      "    ddb_error_clear(&err);\n}\n",
                      ns, en, ns, en, ns, en, ns, en);
}

/* Whether e has an optional field outside its primary key: the crud case then also writes it
 * absent (the maker sets every field). */
static bool has_optional(const ddbgen_entity *e)
{
    for (size_t k = 0; k < e->n_fields; k++)
        if (!e->fields[k].required && !key_template_has(&e->pk, e->fields[k].name) &&
            !key_template_has(&e->sk, e->fields[k].name))
            return true;
    return false;
}

/* change_<entity>: a different value for the fields an update may change (update_data, or the
 * first plain field that is not part of a key). */
static void emit_changer(emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const ddbgen_usage_entity *ue = E->usage ? ddbgen_usage_find(E->usage, e->name) : NULL;
    bool any = false;
    ddbgen_buf_printf(c,
                      "\n/* A change for an update: update_data when the usage data has it, else "
                      "a new value of a\n * field that is not part of a key. */\n"
                      "static void change_%s(ddb_conf *c, %s__%s *o)\n{\n    (void)c;\n",
                      e->c_name, E->ns, e->c_name);
    for (size_t k = 0; k < e->n_fields; k++) {
        const ddbgen_field *f = &e->fields[k];
        const json_t *v = ue && ue->update_data ? json_object_get(ue->update_data, f->name) : NULL;
        /* a reference holds the ID of an entity the suite created: a new value would point at
           nothing */
        if (field_varies(E, e, f) || f->references || f->type == DDBGEN_TYPE_ARRAY ||
            f->type == DDBGEN_TYPE_OBJECT || f->type == DDBGEN_TYPE_UUID)
            continue;
        if (v && !ddbgen_usage_value_fits(v, f->type, f->item_type, NULL))
            v = NULL;
        /* a key field shared by value changes only to a value the usage data gives */
        if (!v && field_in_key(e, f))
            continue;
        if (!v && (any || (ue && ue->update_data && json_object_size(ue->update_data))))
            continue;
        any = true;
        if (emit_needs_has(f))
            ddbgen_buf_printf(c, "    o->has_%s = true;\n", f->c_name);
        switch (f->type) {
        case DDBGEN_TYPE_STRING:
            ddbgen_buf_printf(c, "    free(o->%s);\n    o->%s = ", f->c_name, f->c_name);
            if (v) {
                ddbgen_buf_puts(c, "ddb_conf_text(");
                emit_c_string(c, json_string_value(v));
                ddbgen_buf_puts(c, ");\n");
            } else {
                ddbgen_buf_puts(c, "ddb_conf_label_text(");
                emit_c_string(c, f->name);
                ddbgen_buf_puts(c, ", 1000, 0);\n");
            }
            break;
        case DDBGEN_TYPE_INTEGER:
            if (v)
                ddbgen_buf_printf(c, "    o->%s = INT64_C(%lld);\n", f->c_name,
                                  json_is_integer(v) ? (long long)json_integer_value(v)
                                                     : (long long)json_real_value(v));
            else
                ddbgen_buf_printf(c, "    o->%s += 7;\n", f->c_name);
            break;
        case DDBGEN_TYPE_DECIMAL: {
            char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
            ddbgen_buf_printf(c, "    ddb_conf_set_decimal(&o->%s, ", f->c_name);
            if (text)
                emit_c_string(c, text);
            else
                ddbgen_buf_puts(c, "\"977.5\"");
            ddbgen_buf_puts(c, ", 0);\n");
            free(text);
            break;
        }
        case DDBGEN_TYPE_BOOLEAN:
            if (v)
                ddbgen_buf_printf(c, "    o->%s = %s;\n", f->c_name,
                                  json_is_true(v) ? "true" : "false");
            else
                ddbgen_buf_printf(c, "    o->%s = !o->%s;\n", f->c_name, f->c_name);
            break;
        default:
            break;
        }
    }
    if (!any)
        ddbgen_buf_puts(c, "    (void)o; /* every field is part of a key: the update only moves "
                           "the version */\n");
    ddbgen_buf_puts(c, "}\n");
}

/* ---- access patterns ------------------------------------------------------------------------- */

typedef enum shape {
    SHAPE_NONE = 0,
    SHAPE_GET,         /* (repo, T *out, bool *found, params, err) */
    SHAPE_UPDATE,      /* (repo, T *out, bool *found, params, err) with UPDATE parameters */
    SHAPE_DELETE,      /* (repo, bool *done, params, err) */
    SHAPE_DELETE_ONE,  /* (repo, T *out, bool *found, params, err): returns what it deleted */
    SHAPE_EXISTS,      /* (repo, bool *done, params, err): GetItem, Query or Scan success_flag */
    SHAPE_UPDATE_FLAG, /* (repo, bool *done, params, err) with UPDATE parameters */
    SHAPE_PUT_SCALAR,  /* (repo, T *out, params named after fields, err) */
    SHAPE_LIST,        /* (repo, T__page *out, params, page, err) */
    SHAPE_PUT,         /* (repo, T *obj, [const Other *context...], err) */
    SHAPE_MIXED,       /* (repo, <ns>__mixed_page *out, params, page, err) */
    SHAPE_BATCH_GET,   /* (repo, T__page *out, const T *keys, size_t n_keys, err) */
    SHAPE_BATCH_WRITE, /* (repo, const T *items, size_t n_items, err) */
} shape;

typedef struct pattern_case {
    const ddbgen_entity *e;
    const ddbgen_access_pattern *ap;
    ddbgen_plan plan;
    shape shape;
    decl d;
    size_t first_param, n_fixed_tail; /* model parameters are d.p[first_param .. n - tail) */
    const ddbgen_field *bound[64];    /* KEY / UPDATE parameters: the field they stand for */
    const ddbgen_entity *context[64]; /* entity parameters: their entity */
    size_t n_conds;                   /* filter conditions (all of them) */
    struct cond_plan {
        const ddbgen_field *f;
        int in, out; /* value kinds (VK_*) the field gets in items kept and dropped */
    } conds[8];
    char filter_arg[64][96]; /* FILTER parameters: the literal passed */
    unsigned range_dropped;  /* range_condition: the items (bits) it leaves out */
    char range_decl[512];    /* declarations of the range values */
    char range_free[128];
    const char *why; /* not covered: the reason */
    /* single-entity and flag lookups with a filter: the fields of its equality conditions, which
       the case gives run-unique values so that no other writer's item matches */
    size_t n_unique;
    const ddbgen_field *unique[8];
    bool full;  /* a lookup returns every attribute (no index projection leaves some out) */
    bool mixed; /* BatchGetItem: the entities come back tagged with their kind (mixed page) */
    bool patch; /* UpdateItem with an entity parameter: it sets the fields the entity carries */
    bool limit; /* a LIMIT parameter gives the page's item limit */
    const ddbgen_field *match; /* Scan: the field a MATCH parameter compares */
    int whole[64];             /* KEY_WHOLE parameters: 1 + the key attribute's index */
} pattern_case;

/* The field a key parameter fills, from the plan's bindings. */
static const ddbgen_field *bound_field(const pattern_case *pc, size_t param)
{
    for (size_t b = 0; b < pc->plan.n_bindings; b++)
        if (pc->plan.bindings[b].param == (int)param && !pc->plan.bindings[b].from_item)
            return ddbgen_entity_find_field(pc->e, pc->plan.bindings[b].field);
    return NULL;
}

/* Value kinds a filter test gives a field. */
enum {
    VK_LO = 1,   /* the smaller value of the field's type */
    VK_HI,       /* the larger one */
    VK_ABSENT,   /* no value */
    VK_PREFIXED, /* a string starting with "alpha-" (begins_with keeps it) */
    VK_OTHER,    /* a string starting with "omega-" */
    VK_NEEDLE,   /* a string containing "needle", or a list with the element 7 / "needle" */
    VK_HAYSTACK, /* neither */
    VK_SHORT,    /* size 1 */
    VK_LONG,     /* size 3 */
};

/* Whether f is part of e's primary key, ID or unique values: one item's own. */
static bool field_fixed(const ddbgen_entity *e, const ddbgen_field *f)
{
    const char *id = ddbgen_entity_id_field(e);
    if (key_template_has(&e->pk, f->name) || key_template_has(&e->sk, f->name) ||
        (id && strcmp(id, f->name) == 0) || f->references)
        return true;
    for (size_t u = 0; u < e->ext.n_unique; u++)
        for (size_t k = 0; k < e->ext.unique[u].n_fields; k++)
            if (strcmp(e->ext.unique[u].fields[k], f->name) == 0)
                return true;
    return false;
}

/* Whether several items can share f's value: f is neither unique nor a reference, and when it is
 * in the primary key, another field of the key tells the items apart (Follow: {user_id} and
 * FOLLOW#{follower_id}). */
static bool field_shareable(const ddbgen_entity *e, const ddbgen_field *f)
{
    bool in_primary = key_template_has(&e->pk, f->name) || key_template_has(&e->sk, f->name);
    if (f->references)
        return false;
    for (size_t u = 0; u < e->ext.n_unique; u++)
        for (size_t k = 0; k < e->ext.unique[u].n_fields; k++)
            if (strcmp(e->ext.unique[u].fields[k], f->name) == 0)
                return false;
    if (!in_primary)
        return !field_fixed(e, f);
    for (size_t i = 0; i < e->n_fields; i++)
        if (&e->fields[i] != f && (key_template_has(&e->pk, e->fields[i].name) ||
                                   key_template_has(&e->sk, e->fields[i].name)))
            return true;
    return false;
}

static bool field_shared(const pattern_case *pc, const ddbgen_field *f)
{
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->bound[k] == f)
            return true;
    return false;
}

/* The literal of a value kind for parameter type t, or false. */
static bool filter_literal(char *out, size_t n, ddbgen_type t, int vk, bool size)
{
    if (size) {
        if (t != DDBGEN_TYPE_INTEGER)
            return false;
        snprintf(out, n, "%d", vk == VK_SHORT ? 1 : 3);
        return true;
    }
    switch (t) {
    case DDBGEN_TYPE_STRING:
        snprintf(out, n, "%s",
                 vk == VK_LO         ? "\"a-value\""
                 : vk == VK_HI       ? "\"z-value\""
                 : vk == VK_PREFIXED ? "\"alpha-\""
                 : vk == VK_NEEDLE   ? "\"needle\""
                                     : "\"\"");
        return vk == VK_LO || vk == VK_HI || vk == VK_PREFIXED || vk == VK_NEEDLE;
    case DDBGEN_TYPE_DECIMAL:
        snprintf(out, n, "%s", vk == VK_LO ? "\"10.5\"" : "\"20.5\"");
        return vk == VK_LO || vk == VK_HI;
    case DDBGEN_TYPE_INTEGER:
        snprintf(out, n, "%s", vk == VK_LO ? "10" : vk == VK_HI ? "20" : "7");
        return vk == VK_LO || vk == VK_HI || vk == VK_NEEDLE;
    case DDBGEN_TYPE_BOOLEAN:
        snprintf(out, n, "%s", vk == VK_LO ? "false" : "true");
        return vk == VK_LO || vk == VK_HI;
    default:
        return false;
    }
}

/*
 * For each filter condition: the values that make it keep an item and drop one, and the
 * parameter values. Sets pc->why when the suite cannot build such items (a key field, a field
 * in two conditions, a type it does not know how to order).
 */
static void plan_filter(emitter *E, pattern_case *pc)
{
    const ddbgen_filter *flt = pc->ap->filter;
    (void)E;
    if (!flt->conditions_ok || flt->n_conditions == 0 || flt->n_conditions > 8) {
        pc->why = "filter_expression: an empty or too long condition list";
        return;
    }
    pc->n_conds = flt->n_conditions;
    for (size_t j = 0; j < flt->n_conditions; j++) {
        const ddbgen_filter_condition *fc = &flt->conditions[j];
        const ddbgen_field *f = fc->field ? ddbgen_entity_find_field(pc->e, fc->field) : NULL;
        struct cond_plan *cp = &pc->conds[j];
        int pv = 0, pv2 = 0; /* the parameters' value kinds */
        bool size = fc->fn == DDBGEN_FFN_SIZE, ok = true;
        ddbgen_filter_op op = fc->op;
        const char *names[100];
        size_t n_names = 0;
        /* a field of an index key may take the filter's values (items may share an index
           key); the primary key and unique values must stay the items' own */
        if (!f || field_fixed(pc->e, f) || field_shared(pc, f)) {
            pc->why = "filter_expression: a condition on a primary key, unique or unknown field";
            return;
        }
        for (size_t i = 0; i < j; i++)
            if (pc->conds[i].f == f) {
                pc->why = "filter_expression: two conditions on one field";
                return;
            }
        cp->f = f;
        switch (fc->fn) {
        case DDBGEN_FFN_ATTRIBUTE_EXISTS:
        case DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS:
            if (f->required) {
                pc->why = "filter_expression: attribute_exists on a required field";
                return;
            }
            cp->in = fc->fn == DDBGEN_FFN_ATTRIBUTE_EXISTS ? VK_LO : VK_ABSENT;
            cp->out = fc->fn == DDBGEN_FFN_ATTRIBUTE_EXISTS ? VK_ABSENT : VK_LO;
            continue;
        case DDBGEN_FFN_BEGINS_WITH:
            ok = f->type == DDBGEN_TYPE_STRING;
            cp->in = VK_PREFIXED;
            cp->out = VK_OTHER;
            pv = VK_PREFIXED;
            break;
        case DDBGEN_FFN_CONTAINS:
            ok = f->type == DDBGEN_TYPE_STRING ||
                 (f->type == DDBGEN_TYPE_ARRAY &&
                  (f->item_type == DDBGEN_TYPE_STRING || f->item_type == DDBGEN_TYPE_INTEGER));
            cp->in = VK_NEEDLE;
            cp->out = VK_HAYSTACK;
            pv = VK_NEEDLE;
            break;
        case DDBGEN_FFN_SIZE:
        case DDBGEN_FFN_NONE: {
            int lo = size ? VK_SHORT : VK_LO, hi = size ? VK_LONG : VK_HI;
            if (size)
                ok = f->type == DDBGEN_TYPE_STRING ||
                     (f->type == DDBGEN_TYPE_ARRAY &&
                      (f->item_type == DDBGEN_TYPE_STRING || f->item_type == DDBGEN_TYPE_INTEGER));
            else
                ok = f->type == DDBGEN_TYPE_STRING || f->type == DDBGEN_TYPE_INTEGER ||
                     f->type == DDBGEN_TYPE_DECIMAL ||
                     (f->type == DDBGEN_TYPE_BOOLEAN &&
                      (op == DDBGEN_FOP_EQ || op == DDBGEN_FOP_NE));
            switch (op) {
            case DDBGEN_FOP_EQ:
            case DDBGEN_FOP_IN:
                cp->in = lo;
                cp->out = hi;
                pv = lo;
                break;
            case DDBGEN_FOP_NE:
            case DDBGEN_FOP_LT:
                cp->in = lo;
                cp->out = hi;
                pv = hi;
                break;
            case DDBGEN_FOP_LE:
                cp->in = lo;
                cp->out = hi;
                pv = lo;
                break;
            case DDBGEN_FOP_GT:
                cp->in = hi;
                cp->out = lo;
                pv = lo;
                break;
            case DDBGEN_FOP_GE:
                cp->in = hi;
                cp->out = lo;
                pv = hi;
                break;
            case DDBGEN_FOP_BETWEEN:
                cp->in = lo;
                cp->out = hi;
                pv = lo;
                pv2 = lo;
                break;
            default:
                ok = false;
                break;
            }
            break;
        }
        default:
            ok = false;
            break;
        }
        if (!ok) {
            pc->why = "filter_expression: a condition the suite cannot build items for";
            return;
        }
        if (op == DDBGEN_FOP_IN && fc->fn == DDBGEN_FFN_NONE) {
            for (size_t i = 0; i < fc->n_params && n_names < 100; i++)
                names[n_names++] = fc->params[i];
        } else {
            names[n_names++] = fc->param;
            if (op == DDBGEN_FOP_BETWEEN)
                names[n_names++] = fc->param2;
        }
        for (size_t i = 0; i < n_names; i++) {
            int k = -1;
            for (size_t a = 0; names[i] && a < pc->ap->n_params; a++)
                if (strcmp(pc->ap->params[a].name, names[i]) == 0)
                    k = (int)a;
            if (k < 0 || pc->plan.roles[k] != DDBGEN_ROLE_FILTER ||
                !filter_literal(pc->filter_arg[k], sizeof pc->filter_arg[k], pc->ap->params[k].type,
                                i == 1 && pv2 ? pv2 : pv, size)) {
                pc->why = "filter_expression: a parameter the suite cannot give a value";
                return;
            }
        }
    }
}

/*
 * The range condition of a Query over items 0..4, whose sort keys grow with the item number:
 * values between the items' own, so that the condition keeps some items and leaves out others.
 * A string sort key compares the range value with the key's text after the bound prefix, whose
 * first field is then a run-unique string "<run>-c<case>-00<i>-..."; a value followed by "~"
 * sorts after every key that starts with it. A numeric key compares with the number itself.
 */
static void plan_range(pattern_case *pc)
{
    const ddbgen_plan *p = &pc->plan;
    const ddbgen_template *t = p->n_sk == 1 ? p->sk[0].tmpl : NULL;
    const ddbgen_field *f = NULL;
    const char *format = NULL;
    bool numeric = p->n_sk == 1 && p->sk[0].type == DDBGEN_KEY_N, text_int;
    size_t seen = 0;
    struct {
        int item;
        const char *suffix;
    } v[2] = {{0, ""}, {0, ""}};
    unsigned keep = 0;
    for (size_t i = 0; t && i < t->n_parts && !f; i++)
        if (t->parts[i].is_field && seen++ == p->n_sk_placeholders_bound) {
            f = ddbgen_entity_find_field(pc->e, t->parts[i].text);
            format = t->parts[i].format;
        }
    /* an integer in a string key ("ISSUE#{number:08d}"): the range value is its text, which
       orders like the number for the items of a case (their numbers have as many digits) */
    text_int = !numeric && f && f->type == DDBGEN_TYPE_INTEGER &&
               (!format || strspn(format, "0123456789") + 1 == strlen(format)) &&
               (!format || format[strlen(format) - 1] == 'd') && (!format || strlen(format) < 8);
    if (!f ||
        (numeric ? f->type != DDBGEN_TYPE_INTEGER : f->type != DDBGEN_TYPE_STRING && !text_int) ||
        field_shared(pc, f) || pc->n_conds) {
        pc->why = "range_condition: the sort key's first free field is not a plain string or "
                  "integer (or the pattern also filters)";
        return;
    }
    switch (pc->plan.range) {
    case DDBGEN_RANGE_BEGINS_WITH:
        if (numeric) {
            pc->why = "range_condition: begins_with on a numeric sort key";
            return;
        }
        v[0].item = 2;
        keep = 1u << 2;
        break;
    case DDBGEN_RANGE_BETWEEN:
        v[0].item = 1;
        v[1].item = 3;
        v[1].suffix = numeric ? "" : "~";
        keep = 1u << 1 | 1u << 2 | 1u << 3;
        break;
    case DDBGEN_RANGE_GT:
        v[0].item = 1;
        v[0].suffix = numeric ? "" : "~";
        keep = 1u << 2 | 1u << 3 | 1u << 4;
        break;
    case DDBGEN_RANGE_GE:
        v[0].item = 2;
        keep = 1u << 2 | 1u << 3 | 1u << 4;
        break;
    case DDBGEN_RANGE_LT:
        v[0].item = 2;
        keep = 1u << 0 | 1u << 1;
        break;
    case DDBGEN_RANGE_LE:
        v[0].item = 2;
        v[0].suffix = numeric ? "" : "~";
        keep = 1u << 0 | 1u << 1 | 1u << 2;
        break;
    default:
        pc->why = "range_condition: an unknown operator";
        return;
    }
    pc->range_dropped = ~keep & ((1u << LIST_ITEMS) - 1);
    pc->range_decl[0] = pc->range_free[0] = '\0';
    if (p->n_range > sizeof v / sizeof v[0]) {
        pc->why = "range_condition: more than two range parameters";
        return;
    }
    for (size_t i = 0; i < p->n_range; i++) {
        int k = p->range_param[i];
        ddbgen_type want = numeric ? DDBGEN_TYPE_INTEGER : DDBGEN_TYPE_STRING;
        /* a string against a numeric sort key holds the number's text (the repository refuses
           anything else) */
        bool number_text = numeric && k >= 0 && pc->ap->params[k].type == DDBGEN_TYPE_STRING;
        if (k < 0 || (pc->ap->params[k].type != want && !number_text)) {
            pc->why = "range_condition: a parameter whose type does not fit the sort key";
            return;
        }
        if (number_text) {
            size_t n = strlen(pc->range_decl);
            snprintf(pc->filter_arg[k], sizeof pc->filter_arg[k], "range%zu", i);
            /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): n_range <= 2 is checked above */
            snprintf(pc->range_decl + n, sizeof pc->range_decl - n,
                     "    char range%zu[24];\n    snprintf(range%zu, sizeof range%zu, \"%%lld\", "
                     "(long long)items[%d].%s);\n",
                     i, i, i, v[i].item, f->c_name);
        } else if (text_int) {
            size_t n = strlen(pc->range_decl);
            char spec[16];
            snprintf(spec, sizeof spec, "%%%.*slld", format ? (int)strlen(format) - 1 : 0,
                     format ? format : "");
            snprintf(pc->filter_arg[k], sizeof pc->filter_arg[k], "range%zu", i);
            /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): n_range <= 2 is checked above */
            snprintf(pc->range_decl + n, sizeof pc->range_decl - n,
                     "    char range%zu[48];\n    snprintf(range%zu, sizeof range%zu, \"%s%s\", "
                     "(long long)items[%d].%s);\n",
                     i, i, i, spec, v[i].suffix, v[i].item, f->c_name);
        } else if (numeric) {
            snprintf(pc->filter_arg[k], sizeof pc->filter_arg[k], "items[%d].%s", v[i].item,
                     f->c_name);
        } else {
            size_t n = strlen(pc->range_decl);
            snprintf(pc->filter_arg[k], sizeof pc->filter_arg[k], "range%zu", i);
            /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): n_range <= 2 is checked above */
            snprintf(pc->range_decl + n, sizeof pc->range_decl - n,
                     "    char *range%zu = ddb_conf_joined(items[%d].%s, \"%s\");\n", i, v[i].item,
                     f->c_name, v[i].suffix);
            n = strlen(pc->range_free);
            snprintf(pc->range_free + n, sizeof pc->range_free - n, "    free(range%zu);\n", i);
        }
    }
}

/*
 * A lookup of one item or of whether there is one (GetItem, or a Query or Scan returning
 * single_entity or success_flag): its conditions must pick the case's item and nothing else.
 * Key parameters do when their fields hold run-unique values; a filter does when it is equality
 * on string fields, which the case then gives run-unique values. A Scan without a condition
 * could return any item.
 */
static void plan_lookup(emitter *E, pattern_case *pc)
{
    const ddbgen_access_pattern *ap = pc->ap;
    const ddbgen_filter *flt = ap->filter;
    bool keyed = false;
    for (size_t k = 0; k < ap->n_params; k++) {
        ddbgen_param_role r = pc->plan.roles[k];
        if (r == DDBGEN_ROLE_ITEM || r == DDBGEN_ROLE_KEY_WHOLE ||
            (r == DDBGEN_ROLE_KEY && pc->bound[k] && !field_shared_value(E, pc->e, pc->bound[k])))
            keyed = true;
        if (r == DDBGEN_ROLE_KEY && pc->bound[k] && field_shared_value(E, pc->e, pc->bound[k])) {
            pc->why = "a lookup by a key value other writers share (usage data)";
            return;
        }
    }
    if (flt) {
        if (!flt->conditions_ok || flt->n_conditions == 0 || flt->n_conditions > 8 ||
            (flt->n_conditions > 1 && flt->logical_op == DDBGEN_LOGIC_OR)) {
            pc->why = "a lookup whose filter is not equality conditions joined by AND";
            return;
        }
        for (size_t j = 0; j < flt->n_conditions; j++) {
            const ddbgen_filter_condition *fc = &flt->conditions[j];
            const ddbgen_field *f = fc->field ? ddbgen_entity_find_field(pc->e, fc->field) : NULL;
            int k = -1;
            for (size_t a = 0; fc->param && a < ap->n_params; a++)
                if (strcmp(ap->params[a].name, fc->param) == 0)
                    k = (int)a;
            if (!f || fc->fn != DDBGEN_FFN_NONE || fc->op != DDBGEN_FOP_EQ ||
                f->type != DDBGEN_TYPE_STRING || field_in_key(pc->e, f) || f->references || k < 0 ||
                pc->plan.roles[k] != DDBGEN_ROLE_FILTER) {
                pc->why = "a lookup whose filter is not equality on string fields";
                return;
            }
            pc->bound[k] = f;
            pc->unique[pc->n_unique++] = f;
        }
        keyed = true;
    }
    if (!keyed)
        pc->why = "a lookup without a condition that picks one item";
}

/* The shape of the pattern's case, from its operation and member; false when classify is done
 * (a batch is fully classified here) or the pattern cannot be exercised (pc->why). */
static bool classify_shape(emitter *E, pattern_case *pc, const member_info *mi,
                           const ddbgen_entity *e, const ddbgen_access_pattern *ap)
{
    const ddbgen_plan *p = &pc->plan;
    switch (ap->operation) {
    case DDBGEN_OP_GET_ITEM:
        pc->shape = mi->kind == EMIT_MEMBER_GET    ? SHAPE_GET
                    : mi->kind == EMIT_MEMBER_FLAG ? SHAPE_EXISTS
                                                   : SHAPE_NONE;
        break;
    case DDBGEN_OP_UPDATE_ITEM:
        pc->shape = mi->kind == EMIT_MEMBER_UPDATE ? SHAPE_UPDATE
                    : mi->kind == EMIT_MEMBER_FLAG ? SHAPE_UPDATE_FLAG
                                                   : SHAPE_NONE;
        break;
    case DDBGEN_OP_DELETE_ITEM:
        pc->shape = mi->kind == EMIT_MEMBER_UPDATE ? SHAPE_DELETE_ONE : SHAPE_DELETE;
        break;
    case DDBGEN_OP_QUERY:
    case DDBGEN_OP_SCAN:
        pc->shape = ap->return_type == DDBGEN_RT_ENTITY_LIST ? SHAPE_LIST
                    : mi->kind == EMIT_MEMBER_GET            ? SHAPE_GET
                    : mi->kind == EMIT_MEMBER_FLAG           ? SHAPE_EXISTS
                                                             : SHAPE_NONE;
        if (ap->return_type == DDBGEN_RT_MIXED_DATA) {
            if (p->n_range || ap->index_name || p->n_sk_placeholders_bound) {
                pc->why = "mixed_data with a range, index or sort key prefix: not exercised yet";
                return false;
            }
            /* a filter needs items it keeps and drops in one partition */
            if (ap->filter && ap->operation == DDBGEN_OP_QUERY && items_per_partition(e) < 2) {
                pc->why = "mixed_data with a filter over a partition of one item of the entity";
                return false;
            }
            pc->shape = SHAPE_MIXED;
        }
        break;
    case DDBGEN_OP_BATCH_GET_ITEM:
    case DDBGEN_OP_BATCH_WRITE_ITEM: {
        /* the keys or items are entities of the pattern's own type */
        char item_t[200];
        bool get = ap->operation == DDBGEN_OP_BATCH_GET_ITEM;
        size_t items = get ? 2 : 1;
        snprintf(item_t, sizeof item_t, "const %s__%s *", E->ns, e->c_name);
        if (mi->kind != (get ? EMIT_MEMBER_BATCH_GET : EMIT_MEMBER_BATCH_WRITE) ||
            (mi->mixed && !get) || pc->d.n != items + 3 ||
            strcmp(pc->d.p[items].type, item_t) != 0) {
            pc->why = "a batch member of a shape the suite does not know";
            return false;
        }
        pc->shape = get ? SHAPE_BATCH_GET : SHAPE_BATCH_WRITE;
        pc->mixed = mi->mixed;
        return false;
    }
    case DDBGEN_OP_PUT_ITEM:
        pc->shape = mi->kind == EMIT_MEMBER_PUT_OBJ      ? SHAPE_PUT
                    : mi->kind == EMIT_MEMBER_PUT_SCALAR ? SHAPE_PUT_SCALAR
                                                         : SHAPE_NONE;
        break;
    default:
        break;
    }
    if (pc->shape == SHAPE_NONE) {
        pc->why = "this operation and return type are not exercised yet";
        return false;
    }
    return true;
}

/* The member's declaration: the fixed leading and trailing parameters the shape has, and
 * their types (pc->why when they are not the ones the suite expects). */
static void check_declaration(emitter *E, pattern_case *pc, const ddbgen_entity *e,
                              const ddbgen_access_pattern *ap)
{
    const ddbgen_plan *p = &pc->plan;
    char want[200];
    size_t head, n_lists;
    /* the declaration: fixed leading and trailing parameters, then the model's by name */
    switch (pc->shape) {
    case SHAPE_PUT:
        head = 1;
        break;
    case SHAPE_DELETE:
    case SHAPE_EXISTS:
    case SHAPE_UPDATE_FLAG:
    case SHAPE_LIST:
    case SHAPE_MIXED:
    case SHAPE_PUT_SCALAR:
        head = 2;
        break;
    default:
        head = 3;
        break;
    }
    pc->first_param = head;
    pc->n_fixed_tail = pc->shape == SHAPE_LIST || pc->shape == SHAPE_MIXED ? 2 : 1;
    n_lists = 0;
    for (size_t k = 0; k < ap->n_params; k++)
        n_lists += p->roles[k] == DDBGEN_ROLE_LIST; /* a list and its length */
    if (pc->d.n != head + ap->n_params + n_lists + pc->n_fixed_tail) {
        pc->why = "the member's parameters are not the ones the suite expects";
        return;
    }
    snprintf(want, sizeof want, "%s__repo *", E->ns);
    if (strcmp(pc->d.p[0].type, want) != 0 || strcmp(pc->d.p[pc->d.n - 1].type, "ddb_error *") != 0)
        pc->why = "the member's parameters are not the ones the suite expects";
    if (pc->shape == SHAPE_LIST) {
        snprintf(want, sizeof want, "%s__%s__page *", E->ns, e->c_name);
        if (strcmp(pc->d.p[1].type, want) != 0)
            pc->why = "the member does not return a page of the entity";
        snprintf(want, sizeof want, "const %s__page_request *", E->ns);
        if (strcmp(pc->d.p[pc->d.n - 2].type, want) != 0)
            pc->why = "the member takes no page request";
    } else if (pc->shape == SHAPE_MIXED) {
        snprintf(want, sizeof want, "%s__mixed_page *", E->ns);
        if (strcmp(pc->d.p[1].type, want) != 0)
            pc->why = "the member does not return a mixed page";
        snprintf(want, sizeof want, "const %s__page_request *", E->ns);
        if (strcmp(pc->d.p[pc->d.n - 2].type, want) != 0)
            pc->why = "the member takes no page request";
    } else if (pc->shape == SHAPE_PUT) {
        /* the parameters are checked one by one below */
    } else if (pc->shape == SHAPE_DELETE || pc->shape == SHAPE_EXISTS ||
               pc->shape == SHAPE_UPDATE_FLAG) {
        if (strcmp(pc->d.p[1].type, "bool *") != 0)
            pc->why = "the member does not report whether it deleted";
    } else if (pc->shape == SHAPE_PUT_SCALAR) {
        snprintf(want, sizeof want, "%s__%s *", E->ns, e->c_name);
        if (strcmp(pc->d.p[1].type, want) != 0)
            pc->why = "the member does not return the entity";
    } else {
        snprintf(want, sizeof want, "%s__%s *", E->ns, e->c_name);
        if (strcmp(pc->d.p[1].type, want) != 0 || strcmp(pc->d.p[2].type, "bool *") != 0)
            pc->why = "the member does not return the entity";
    }
}

/* What binding one parameter of the member leads to. */
typedef enum bind_result { BIND_NEXT, BIND_STOP } bind_result;

/* Binds the member's parameter i to the pattern's parameter of its name, by its role; stops
 * with pc->why when the suite cannot fill it. */
static bind_result bind_param(emitter *E, pattern_case *pc, const ddbgen_entity *e,
                              const ddbgen_access_pattern *ap, size_t i)
{
    const ddbgen_plan *p = &pc->plan;
    char want[200];
    int k = -1;
    const ddbgen_param *prm;
    const ddbgen_field *f = NULL;
    for (size_t a = 0; a < ap->n_params; a++)
        if (strcmp(ap->params[a].c_name, pc->d.p[i].name) == 0)
            k = (int)a;
    if (k < 0 && i > pc->first_param && strncmp(pc->d.p[i].name, "n_", 2) == 0 &&
        strcmp(pc->d.p[i].name + 2, pc->d.p[i - 1].name) == 0 &&
        strcmp(pc->d.p[i].type, "size_t") == 0)
        return BIND_NEXT; /* the length of the LIST parameter before it */
    if (k < 0) {
        pc->why = "a member parameter is not one of the pattern's";
        return BIND_STOP;
    }
    prm = &ap->params[k];
    switch (p->roles[k]) {
    case DDBGEN_ROLE_KEY:
        f = bound_field(pc, (size_t)k);
        if (!f) {
            pc->why = "a key parameter is not bound to a field";
            return BIND_STOP;
        }
        break;
    case DDBGEN_ROLE_UPDATE:
        f = ddbgen_entity_find_field(e, prm->name);
        if ((pc->shape != SHAPE_UPDATE && pc->shape != SHAPE_UPDATE_FLAG) || !f ||
            f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT) {
            pc->why = "an update parameter the suite cannot fill";
            return BIND_STOP;
        }
        break;
    case DDBGEN_ROLE_SET:
        f = ddbgen_entity_find_field(e, prm->name);
        if (pc->shape != SHAPE_PUT_SCALAR || !f || f->type == DDBGEN_TYPE_ARRAY ||
            f->type == DDBGEN_TYPE_OBJECT) {
            pc->why = "a value parameter the suite cannot fill";
            return BIND_STOP;
        }
        break;
    case DDBGEN_ROLE_LIST:
        f = ddbgen_entity_find_field(e, prm->name);
        if ((pc->shape != SHAPE_PUT_SCALAR && pc->shape != SHAPE_UPDATE &&
             pc->shape != SHAPE_UPDATE_FLAG) ||
            !f || f->type != DDBGEN_TYPE_ARRAY) {
            pc->why = "a list parameter the suite cannot fill";
            return BIND_STOP;
        }
        pc->bound[k] = f;
        return BIND_NEXT;
    case DDBGEN_ROLE_LIMIT:
        if (pc->shape != SHAPE_LIST || strcmp(pc->d.p[i].type, "int64_t") != 0) {
            pc->why = "a limit parameter outside a listing";
            return BIND_STOP;
        }
        pc->limit = true;
        snprintf(pc->filter_arg[k], sizeof pc->filter_arg[k], "(int64_t)c->page_limit");
        return BIND_NEXT;
    case DDBGEN_ROLE_MATCH:
        /* the field it is named after: its whole name, or the end of it ("target_user_id") */
        f = ddbgen_entity_find_field(e, pc->plan.field && pc->plan.field[k] ? pc->plan.field[k]
                                                                            : prm->name);
        if (f && (pc->shape == SHAPE_GET || pc->shape == SHAPE_EXISTS)) {
            /* a lookup that must also match: the written item's own value matches */
            pc->bound[k] = f;
            return BIND_NEXT;
        }
        if (pc->shape != SHAPE_LIST || !f || f->type != DDBGEN_TYPE_STRING ||
            ((field_in_key(e, f) || field_fixed(e, f)) && !field_shareable(e, f)) || pc->match ||
            strcmp(pc->d.p[i].type, "const char *") != 0) {
            pc->why = "a Scan match parameter the suite cannot fill";
            return BIND_STOP;
        }
        pc->match = f;
        snprintf(pc->filter_arg[k], sizeof pc->filter_arg[k], "match");
        return BIND_NEXT;
    case DDBGEN_ROLE_KEY_WHOLE: {
        int key = key_index(e, prm->name, NULL);
        if ((pc->shape != SHAPE_GET && pc->shape != SHAPE_EXISTS && pc->shape != SHAPE_DELETE) ||
            key < 0 || strcmp(pc->d.p[i].type, "const char *") != 0) {
            pc->why = "a whole key attribute parameter outside a lookup";
            return BIND_STOP;
        }
        pc->whole[k] = key + 1;
        return BIND_NEXT;
    }
    case DDBGEN_ROLE_UNUSED:
        break;
    case DDBGEN_ROLE_RANGE:
        if (ap->operation != DDBGEN_OP_QUERY || pc->shape != SHAPE_LIST) {
            pc->why = "a range parameter outside a Query";
            return BIND_STOP;
        }
        break;
    case DDBGEN_ROLE_FILTER:
        if (pc->shape != SHAPE_LIST && pc->shape != SHAPE_GET && pc->shape != SHAPE_EXISTS &&
            pc->shape != SHAPE_MIXED) {
            pc->why = "a filter parameter outside a Query or Scan";
            return BIND_STOP;
        }
        break;
    case DDBGEN_ROLE_ITEM:
    case DDBGEN_ROLE_CONTEXT: {
        const ddbgen_entity *pe =
            prm->entity_type ? ddbgen_model_find_entity(E->m, prm->entity_type) : NULL;
        bool lookup = pc->shape != SHAPE_PUT && p->roles[k] == DDBGEN_ROLE_ITEM && pe == e &&
                      pc->shape != SHAPE_LIST && pc->shape != SHAPE_MIXED &&
                      pc->shape != SHAPE_PUT_SCALAR;
        if ((pc->shape != SHAPE_PUT && !lookup) || !pe) {
            pc->why = "an entity parameter the suite cannot fill";
            return BIND_STOP;
        }
        /* PutItem writes into its entity; a lookup's key entity is const or not */
        snprintf(want, sizeof want, "%s%s__%s *", p->roles[k] == DDBGEN_ROLE_ITEM ? "" : "const ",
                 E->ns, pe->c_name);
        if (strcmp(pc->d.p[i].type, want) != 0 &&
            (!lookup || strcmp(pc->d.p[i].type + (pc->d.p[i].type[0] == 'c' ? 6 : 0), want) != 0)) {
            pc->why = "an entity parameter's C type is not the one the suite expects";
            return BIND_STOP;
        }
        pc->context[k] = pe;
        /* UpdateItem with the entity: it sets the fields the entity carries */
        pc->patch = pc->shape == SHAPE_UPDATE || pc->shape == SHAPE_UPDATE_FLAG;
        return BIND_NEXT;
    }
    default:
        pc->why = "a parameter role the suite does not fill yet";
        return BIND_STOP;
    }
    if (prm->type == DDBGEN_TYPE_ENTITY || prm->type == DDBGEN_TYPE_ARRAY ||
        prm->type == DDBGEN_TYPE_OBJECT) {
        pc->why = "an entity, array or object parameter";
        return BIND_STOP;
    }
    if (strcmp(pc->d.p[i].type, c_param_type(f ? f->type : prm->type)) != 0) {
        pc->why = "a parameter's C type is not the one the suite expects";
        return BIND_STOP;
    }
    pc->bound[k] = f;
    return BIND_NEXT;
}

/* Decides whether the suite can exercise a pattern; fills pc (release pc->plan). */
static void classify(emitter *E, const suite *s, pattern_case *pc, const ddbgen_entity *e,
                     const ddbgen_access_pattern *ap)
{
    const member_info *mi;
    const ddbgen_plan *p = &pc->plan;
    char member[300];
    memset(pc, 0, sizeof *pc);
    pc->e = e;
    pc->ap = ap;
    if (ddbgen_plan_access_pattern(&pc->plan, E->m, e, ap) != 0) {
        E->status = DDBGEN_ERR_NOMEM;
        pc->why = "out of memory";
        return;
    }
    snprintf(member, sizeof member, "%s__%s", e->c_name, ap->c_name ? ap->c_name : "");
    if (ap->c_name && (strcmp(ap->c_name, "create") == 0 || strcmp(ap->c_name, "get") == 0 ||
                       strcmp(ap->c_name, "update") == 0 || strcmp(ap->c_name, "delete") == 0)) {
        pc->why = "named like a CRUD member, which the crud case covers";
        return;
    }
    mi = ap->c_name ? find_member(s, member, &pc->d) : NULL;
    if (!mi) {
        pc->why = NO_MEMBER;
        return;
    }
    if (ap->n_params > 64) {
        pc->why = "more than 64 parameters";
        return;
    }
    if (!classify_shape(E, pc, mi, e, ap))
        return;
    if (ap->operation != DDBGEN_OP_SCAN && pc->shape != SHAPE_PUT &&
        pc->shape != SHAPE_PUT_SCALAR && (!p->keys_known || p->n_pk != 1 || p->n_sk > 1)) {
        pc->why = "multi-attribute or unknown key";
        return;
    }
    check_declaration(E, pc, e, ap);
    if (pc->why)
        return;
    for (size_t i = pc->first_param; i < pc->d.n - pc->n_fixed_tail; i++)
        if (bind_param(E, pc, e, ap, i) == BIND_STOP)
            return;
    if (pc->shape == SHAPE_PUT_SCALAR)
        for (size_t k = 0; k < ap->n_params && !pc->why; k++)
            if (p->roles[k] == DDBGEN_ROLE_KEY &&
                (!pc->bound[k] || strcmp(pc->bound[k]->name, ap->params[k].name) != 0))
                pc->why = "a PutItem key parameter not named after its field";
    if (pc->match && ap->filter)
        pc->why = "a Scan match beside a filter_expression";
    pc->full = !(p->gsi && p->gsi->projection != DDBGEN_PROJ_ALL);
    if (ap->operation == DDBGEN_OP_SCAN && ap->index_name) {
        const ddbgen_gsi *g = ddbgen_table_find_gsi(e->table, ap->index_name);
        pc->full = !g || g->projection == DDBGEN_PROJ_ALL;
    }
    if (pc->why)
        return;
    if (pc->shape == SHAPE_GET || pc->shape == SHAPE_EXISTS)
        plan_lookup(E, pc);
    else if (ap->filter)
        plan_filter(E, pc);
    if (!pc->why && p->n_range)
        plan_range(pc);
}

/* The argument for a parameter: a field of `obj`, or a neutral value for unused ones. */
static void emit_arg(ddbgen_buf *c, const pattern_case *pc, size_t k, const char *obj,
                     const char *update_obj)
{
    const ddbgen_field *f = pc->bound[k];
    const char *src =
        pc->plan.roles[k] == DDBGEN_ROLE_UPDATE ||
                (pc->plan.roles[k] == DDBGEN_ROLE_LIST && pc->shape != SHAPE_PUT_SCALAR)
            ? update_obj
            : obj;
    if (pc->plan.roles[k] == DDBGEN_ROLE_ITEM) {
        ddbgen_buf_printf(c, "&%s", obj);
        return;
    }
    if (pc->plan.roles[k] == DDBGEN_ROLE_CONTEXT) {
        ddbgen_buf_printf(c, "&context%zu", k);
        return;
    }
    if (pc->plan.roles[k] == DDBGEN_ROLE_KEY_WHOLE) {
        ddbgen_buf_printf(c, "whole%zu_%s", k, obj);
        return;
    }
    if (pc->plan.roles[k] == DDBGEN_ROLE_LIST && f) {
        ddbgen_buf_printf(c, "%s.%s, %s.n_%s", src, f->c_name, src, f->c_name);
        return;
    }
    if ((pc->plan.roles[k] == DDBGEN_ROLE_FILTER || pc->plan.roles[k] == DDBGEN_ROLE_RANGE ||
         pc->plan.roles[k] == DDBGEN_ROLE_LIMIT || pc->plan.roles[k] == DDBGEN_ROLE_MATCH) &&
        pc->filter_arg[k][0]) {
        ddbgen_buf_puts(c, pc->filter_arg[k]);
        return;
    }
    if (!f) {
        ddbgen_type t = pc->ap->params[k].type;
        ddbgen_buf_puts(c, t == DDBGEN_TYPE_INTEGER   ? "0"
                           : t == DDBGEN_TYPE_BOOLEAN ? "false"
                                                      : "\"\"");
        return;
    }
    if (f->type == DDBGEN_TYPE_DECIMAL)
        ddbgen_buf_printf(c, "%s.%s.text", src, f->c_name);
    else
        ddbgen_buf_printf(c, "%s.%s", src, f->c_name);
}

/* repo->member(repo, <head>, args..., <tail>) in declaration order; the arguments go on
 * continuation lines when the call would pass column 100. */
static void emit_call(ddbgen_buf *c, const pattern_case *pc, const char *head, const char *tail,
                      const char *obj, const char *update_obj)
{
    ddbgen_buf args[MAX_DECL_PARAMS + 2];
    size_t n = 0, col = 0, indent = 0, width;
    const char *at = ddbgen_buf_str(c);
    if (at) {
        const char *nl = strrchr(at, '\n');
        col = strlen(nl ? nl + 1 : at);
        while (indent < col && (nl ? nl[1 + indent] : at[indent]) == ' ')
            indent++;
    }
    if (*head) {
        args[n] = (ddbgen_buf)DDBGEN_BUF_INIT;
        ddbgen_buf_puts(&args[n++], head);
    }
    for (size_t i = pc->first_param; i < pc->d.n - pc->n_fixed_tail; i++)
        for (size_t k = 0; k < pc->ap->n_params; k++)
            if (strcmp(pc->ap->params[k].c_name, pc->d.p[i].name) == 0 && n < MAX_DECL_PARAMS) {
                args[n] = (ddbgen_buf)DDBGEN_BUF_INIT;
                emit_arg(&args[n++], pc, k, obj, update_obj);
            }
    args[n] = (ddbgen_buf)DDBGEN_BUF_INIT;
    ddbgen_buf_puts(&args[n++], tail);
    ddbgen_buf_printf(c, "repo->%s__%s(repo,", pc->e->c_name, pc->ap->c_name);
    width = col + strlen("repo->__(repo,") + strlen(pc->e->c_name) + strlen(pc->ap->c_name);
    for (size_t i = 0; i < n; i++) {
        const char *a = ddbgen_buf_str(&args[i]);
        size_t len = a ? strlen(a) : 0;
        /* the argument, its separator and, for the last, ");" */
        if (width + 1 + len + (i + 1 == n ? 2 : 1) > 100) {
            ddbgen_buf_printf(c, "\n%*s", (int)(indent + 4), "");
            width = indent + 4;
        } else {
            ddbgen_buf_putc(c, ' ');
            width++;
        }
        ddbgen_buf_puts(c, a ? a : "");
        ddbgen_buf_puts(c, i + 1 == n ? ")" : ",");
        width += len + 1;
        ddbgen_buf_free(&args[i]);
    }
}

/* The names of the fields a pattern's key parameters fill, as a static array named `name`. */
static size_t emit_bound_names(ddbgen_buf *c, const pattern_case *pc, const char *name)
{
    size_t n = 0;
    ddbgen_buf_printf(c, "    static const char *const %s[] = {", name);
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->bound[k] && pc->plan.roles[k] == DDBGEN_ROLE_KEY) {
            ddbgen_buf_puts(c, n++ ? ", " : "");
            emit_c_string(c, pc->bound[k]->name);
        }
    if (n == 0)
        ddbgen_buf_puts(c, "NULL");
    ddbgen_buf_puts(c, "};\n");
    return n;
}

/* The declarations of the whole key attribute values a lookup passes (whole<k>_a and
 * whole<k>_absent), and the statements that free them (done: true). */
static void emit_whole_keys(ddbgen_buf *c, const pattern_case *pc, bool done)
{
    for (size_t k = 0; k < pc->ap->n_params && k < 64; k++)
        if (pc->whole[k] && done)
            ddbgen_buf_printf(c, "    free(whole%zu_a);\n    free(whole%zu_absent);\n", k, k);
        else if (pc->whole[k])
            ddbgen_buf_printf(c, "    char *whole%zu_a = NULL, *whole%zu_absent = NULL;\n", k, k);
}

/* Statements that give the whole key attribute values of items a and absent, as the key's
 * template builds them. */
static void emit_whole_values(emitter *E, ddbgen_buf *c, const pattern_case *pc)
{
    for (size_t k = 0; k < pc->ap->n_params && k < 64; k++)
        if (pc->whole[k])
            ddbgen_buf_printf(
                c,
                "    /* %s: the whole key attribute */\n"
                "    whole%zu_a = ddb_conf_key_attribute_text(&%s__%s__desc, %d, &a);\n"
                "    whole%zu_absent = ddb_conf_key_attribute_text(&%s__%s__desc, %d, "
                "&absent);\n",
                pc->ap->params[k].name, k, E->ns, pc->e->c_name, pc->whole[k] - 1, k, E->ns,
                pc->e->c_name, pc->whole[k] - 1);
}

/* The run-unique values of the fields a lookup's filter compares (pattern_case.unique), in
 * items a (item 0) and absent (item 1). */
static void emit_unique_values(ddbgen_buf *c, const pattern_case *pc)
{
    for (size_t u = 0; u < pc->n_unique; u++) {
        const char *cn = pc->unique[u]->c_name;
        for (int i = 0; i < 2; i++) {
            const char *o = i ? "absent" : "a";
            ddbgen_buf_printf(c, "    free(%s.%s);\n    %s.%s = ddb_conf_key_text(c, %d, ", o, cn,
                              o, cn, i);
            emit_c_string(c, pc->unique[u]->name);
            ddbgen_buf_puts(c, ");\n");
        }
    }
}

static void emit_get_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    ddbgen_buf_printf(c,
                      "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
                      "    const ddb_entity_desc *d = &%s__%s__desc;\n"
                      "    %s__%s a = {0}, absent = {0}, got = {0};\n"
                      "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n"
                      "    int rc;\n",
                      fn, ns, ns, en, ns, en);
    emit_whole_keys(c, pc, false);
    ddbgen_buf_printf(c, "\n    make_%s(c, &a, 0);\n    make_%s(c, &absent, 1);\n", en, en);
    emit_unique_values(c, pc);
    emit_whole_values(E, c, pc);
    ddbgen_buf_printf(c, "    if (!create_%s(c, &a))\n        goto done;\n    rc = ", en);
    emit_call(c, pc, "&got, &found", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err) && ddb_conf_expect_found(c, "
        "\"call\", "
        "found, true))\n        ddb_conf_same_entity(c, \"call\", d, &a, &got, %s);\n"
        "    %s__%s__free(&got);\n    rc = ",
        pc->full ? "true" : "false", ns, en);
    emit_call(c, pc, "&got, &found", "&err", "absent", "absent");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call for a key that was never written\", rc, 0, "
        "&err))\n        ddb_conf_expect_found(c, \"call for a key that was never written\", "
        "found, false);\n"
        "done:\n    %s__%s__free(&a);\n    %s__%s__free(&absent);\n"
        "    %s__%s__free(&got);\n",
        ns, en, ns, en, ns, en);
    emit_whole_keys(c, pc, true);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

/* key_fields[]: the fields of e's primary key templates; kept[]: its optional fields outside
 * them, which an update by entity leaves as they are when the entity lacks them. */
static void emit_patch_names(ddbgen_buf *c, const ddbgen_entity *e, size_t *n_keys, size_t *n_kept)
{
    size_t n = 0;
    ddbgen_buf_puts(c, "    static const char *const key_fields[] = {");
    for (size_t k = 0; k < e->n_fields; k++)
        if (key_template_has(&e->pk, e->fields[k].name) ||
            key_template_has(&e->sk, e->fields[k].name)) {
            ddbgen_buf_puts(c, n++ ? ", " : "");
            emit_c_string(c, e->fields[k].name);
        }
    ddbgen_buf_puts(c, n ? "};\n" : "NULL};\n");
    *n_keys = n;
    n = 0;
    ddbgen_buf_puts(c, "    static const char *const kept[] = {");
    for (size_t k = 0; k < e->n_fields; k++)
        if (!e->fields[k].required && !key_template_has(&e->pk, e->fields[k].name) &&
            !key_template_has(&e->sk, e->fields[k].name)) {
            ddbgen_buf_puts(c, n++ ? ", " : "");
            emit_c_string(c, e->fields[k].name);
        }
    ddbgen_buf_puts(c, n ? "};\n" : "NULL};\n");
    *n_kept = n;
}

static void emit_update_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    bool flag = pc->shape == SHAPE_UPDATE_FLAG; /* *done instead of the entity */
    size_t n = 0, n_keys = 0, n_kept = 0;
    ddbgen_buf_printf(c, "\nstatic void %s(ddb_conf *c)\n{\n", fn);
    ddbgen_buf_puts(c, "    static const char *const changed[] = {");
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->bound[k] &&
            (pc->plan.roles[k] == DDBGEN_ROLE_UPDATE || pc->plan.roles[k] == DDBGEN_ROLE_LIST)) {
            ddbgen_buf_puts(c, n++ ? ", " : "");
            emit_c_string(c, pc->bound[k]->name);
        }
    ddbgen_buf_puts(c, n ? "};\n" : "NULL};\n");
    if (pc->patch)
        emit_patch_names(c, pc->e, &n_keys, &n_kept);
    ddbgen_buf_printf(
        c,
        "    %s__repo *repo = c->repo;\n"
        "    const ddb_entity_desc *d = &%s__%s__desc;\n"
        "    %s__%s a = {0}, next = {0}, want = {0}, got = {0}%s;\n"
        "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n    int rc;\n\n"
        "    make_%s(c, &a, 0);\n    make_%s(c, &next, 1);\n",
        ns, ns, en, ns, en, pc->patch ? ", patch = {0}" : "", en, en);
    if (pc->patch)
        ddbgen_buf_printf(c,
                          "    (void)changed;\n"
                          "    if (!create_%s(c, &a) || !ddb_conf_clone(c, d, &patch, &next))\n"
                          "        goto done;\n"
                          "    /* the entity passed: item 1's values under a's key, without its "
                          "optional values,\n"
                          "       which the update leaves as they are */\n"
                          "    ddb_conf_copy_fields(d, &patch, &a, key_fields, %zu);\n"
                          "    ddb_conf_clear_optional(d, &patch);\n"
                          "    if (!ddb_conf_clone(c, d, &want, &patch))\n        goto done;\n"
                          "    ddb_conf_copy_fields(d, &want, &a, kept, %zu);\n"
                          "    rc = ",
                          en, n_keys, n_kept);
    else
        ddbgen_buf_printf(c,
                          "    if (!create_%s(c, &a) || !ddb_conf_clone(c, d, &want, &a))\n"
                          "        goto done;\n"
                          "    ddb_conf_copy_fields(d, &want, &next, changed, %zu);\n    rc = ",
                          en, n);
    if (flag) {
        emit_call(c, pc, "&found", "&err", pc->patch ? "patch" : "a", "next");
        ddbgen_buf_puts(c, ";\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err))\n"
                           "        ddb_conf_expect_flag(c, \"call (whether it updated)\", found, "
                           "true);\n");
    } else {
        emit_call(c, pc, "&got, &found", "&err", pc->patch ? "patch" : "a", "next");
        ddbgen_buf_puts(
            c,
            ";\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err) && ddb_conf_expect_found(c, "
            "\"call\", found, true)) {\n"
            "        ddb_conf_same_entity(c, \"call (the entity it returns)\", d, &want, &got, "
            "true);\n"
            "        ddb_conf_expect_version(c, \"call\", got.ddb_version, 2);\n    }\n");
    }
    ddbgen_buf_printf(
        c,
        "    %s__%s__free(&got);\n"
        "    rc = repo->%s__get(repo, &got, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"get after the call\", found, true)) {\n"
        "        ddb_conf_same_entity(c, \"get after the call\", d, &want, &got, true);\n"
        "        ddb_conf_expect_version(c, \"get after the call\", got.ddb_version, 2);\n"
        "    }\n    %s__%s__free(&got);\n"
        "    %s__%s__free(&want);\n    make_%s(c, &want, 2);\n    found = true;\n    rc = ",
        ns, en, en, ns, en, ns, en, en);
    emit_call(c, pc, flag ? "&found" : "&got, &found", "&err", "want", "next");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call for a key that was never written\", rc, 0, "
        "&err))\n        ddb_conf_expect_%s(c, \"call for a key that was never written\", "
        "found, false);\n",
        flag ? "flag" : "found");
    ddbgen_buf_printf(c,
                      "done:\n    %s__%s__free(&a);\n    %s__%s__free(&next);\n"
                      "    %s__%s__free(&want);\n    %s__%s__free(&got);\n",
                      ns, en, ns, en, ns, en, ns, en);
    if (pc->patch)
        ddbgen_buf_printf(c, "    %s__%s__free(&patch);\n", ns, en);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

/* GetItem, Query or Scan success_flag: true for the item written, false for one never written. */
static void emit_exists_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    ddbgen_buf_printf(c,
                      "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
                      "    %s__%s a = {0}, absent = {0};\n"
                      "    ddb_error err = DDB_ERROR_INIT;\n    bool done = false;\n"
                      "    int rc;\n",
                      fn, ns, ns, en);
    emit_whole_keys(c, pc, false);
    ddbgen_buf_printf(c, "\n    make_%s(c, &a, 0);\n    make_%s(c, &absent, 1);\n", en, en);
    emit_unique_values(c, pc);
    emit_whole_values(E, c, pc);
    ddbgen_buf_printf(c, "    if (!create_%s(c, &a))\n        goto done;\n    rc = ", en);
    emit_call(c, pc, "&done", "&err", "a", "a");
    ddbgen_buf_puts(c, ";\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err))\n"
                       "        ddb_conf_expect_flag(c, \"call (whether it exists)\", done, "
                       "true);\n    done = true;\n    rc = ");
    emit_call(c, pc, "&done", "&err", "absent", "absent");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call for an item never written\", rc, 0, &err))\n"
        "        ddb_conf_expect_flag(c, \"call for an item never written\", done, false);\n"
        "done:\n    %s__%s__free(&a);\n    %s__%s__free(&absent);\n",
        ns, en, ns, en);
    emit_whole_keys(c, pc, true);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

/* DeleteItem returning the entity: what was stored comes back, and then it is gone. */
static void emit_delete_one_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    ddbgen_buf_printf(c,
                      "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
                      "    const ddb_entity_desc *d = &%s__%s__desc;\n"
                      "    %s__%s a = {0}, got = {0};\n"
                      "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n"
                      "    int rc;\n\n"
                      "    make_%s(c, &a, 0);\n"
                      "    if (!create_%s(c, &a))\n        goto done;\n    rc = ",
                      fn, ns, ns, en, ns, en, en, en);
    emit_call(c, pc, "&got, &found", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"call (whether it deleted)\", found, true)) {\n"
        "        ddb_conf_same_entity(c, \"call (the entity it deleted)\", d, &a, &got, true);\n"
        "        ddb_conf_expect_version(c, \"call (the entity it deleted)\", got.ddb_version, "
        "1);\n    }\n"
        "    %s__%s__free(&got);\n"
        "    rc = repo->%s__get(repo, &got, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err))\n"
        "        ddb_conf_expect_found(c, \"get after the call\", found, false);\n"
        "    %s__%s__free(&got);\n    found = true;\n    rc = ",
        ns, en, en, ns, en);
    emit_call(c, pc, "&got, &found", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call again\", rc, 0, &err))\n"
        "        ddb_conf_expect_found(c, \"call again (whether it deleted)\", found, false);\n"
        "done:\n    %s__%s__free(&a);\n    %s__%s__free(&got);\n"
        "    ddb_error_clear(&err);\n}\n",
        ns, en, ns, en);
}

/* Whether the parameters of a PutItem give every field of the primary key (else the ID is
 * assigned, and a second call writes a second item). */
static bool puts_key(const pattern_case *pc)
{
    const ddbgen_key_template *t[2] = {&pc->e->pk, &pc->e->sk};
    for (size_t w = 0; w < 2; w++)
        for (size_t i = 0; t[w]->present && i < t[w]->n; i++)
            for (size_t p = 0; p < t[w]->items[i].n_parts; p++) {
                bool given = false;
                if (!t[w]->items[i].parts[p].is_field)
                    continue;
                for (size_t k = 0; k < pc->ap->n_params; k++)
                    given |= pc->bound[k] &&
                             strcmp(pc->bound[k]->name, t[w]->items[i].parts[p].text) == 0;
                if (!given)
                    return false;
            }
    return true;
}

/*
 * PutItem from parameters named after fields: the entity it returns and stores has the values
 * given (and version 1), and a second call with the same key is refused.
 */
static void emit_put_scalar_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    size_t n = 0;
    ddbgen_buf_printf(c, "\nstatic void %s(ddb_conf *c)\n{\n", fn);
    ddbgen_buf_puts(c, "    static const char *const given[] = {");
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->bound[k]) {
            ddbgen_buf_puts(c, n++ ? ", " : "");
            emit_c_string(c, pc->bound[k]->name);
        }
    ddbgen_buf_puts(c, n ? "};\n" : "NULL};\n");
    ddbgen_buf_printf(c,
                      "    %s__repo *repo = c->repo;\n"
                      "    const ddb_entity_desc *d = &%s__%s__desc;\n"
                      "    %s__%s a = {0}, out = {0}, again = {0}, got = {0};\n"
                      "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n"
                      "    const char *differs = NULL;\n    int rc;\n\n"
                      "    make_%s(c, &a, 0);\n    rc = ",
                      ns, ns, en, ns, en, en);
    emit_call(c, pc, "&out", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (!ddb_conf_expect_rc(c, \"call\", rc, 0, &err))\n        goto done;\n"
        "    ddb_conf_remember(c, d, &out);\n"
        "    ddb_conf_expect_version(c, \"call\", out.ddb_version, 1);\n"
        "    if (!ddb_conf_same_fields(d, &a, &out, given, %zu, &differs))\n"
        "        ddb_conf_fail(c, \"call: field '%%s' is not the value given\", differs);\n"
        "    rc = repo->%s__get(repo, &got, &found, &out, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"get after the call\", found, true))\n"
        "        ddb_conf_same_entity(c, \"get after the call\", d, &out, &got, true);\n"
        "    rc = ",
        n, en);
    emit_call(c, pc, "&again", "&err", "a", "a");
    ddbgen_buf_printf(c,
                      ";\n    if (rc == 0)\n        ddb_conf_remember(c, d, &again);\n"
                      "    ddb_conf_expect_rc(c, \"call for a key that exists\", rc, "
                      "%s, &err);\n",
                      puts_key(pc) ? "DDB_ERR_ITEM_EXISTS" : "0");
    ddbgen_buf_printf(c,
                      "done:\n    %s__%s__free(&a);\n    %s__%s__free(&out);\n"
                      "    %s__%s__free(&again);\n    %s__%s__free(&got);\n"
                      "    ddb_error_clear(&err);\n}\n",
                      ns, en, ns, en, ns, en, ns, en);
}

static void emit_delete_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    ddbgen_buf_printf(c,
                      "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
                      "    %s__%s a = {0}, absent = {0}, got = {0};\n"
                      "    ddb_error err = DDB_ERROR_INIT;\n    bool done = false, found = true;\n"
                      "    int rc;\n",
                      fn, ns, ns, en);
    emit_whole_keys(c, pc, false);
    ddbgen_buf_printf(c, "\n    make_%s(c, &a, 0);\n    make_%s(c, &absent, 1);\n", en, en);
    emit_whole_values(E, c, pc);
    ddbgen_buf_printf(c, "    if (!create_%s(c, &a))\n        goto done;\n    rc = ", en);
    emit_call(c, pc, "&done", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err))\n"
        "        ddb_conf_expect_flag(c, \"call (whether it deleted)\", done, true);\n"
        "    rc = repo->%s__get(repo, &got, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err))\n"
        "        ddb_conf_expect_found(c, \"get after the call\", found, false);\n    rc = ",
        en);
    emit_call(c, pc, "&done", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (ddb_conf_expect_rc(c, \"call again\", rc, 0, &err))\n"
        "        ddb_conf_expect_flag(c, \"call again (whether it deleted)\", done, false);\n"
        "done:\n    %s__%s__free(&a);\n    %s__%s__free(&absent);\n    %s__%s__free(&got);\n",
        ns, en, ns, en, ns, en);
    emit_whole_keys(c, pc, true);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

/* Statements that free the list field f of o (before it gets a new value). */
static void emit_clear_list(ddbgen_buf *c, const ddbgen_field *f)
{
    const char *cn = f->c_name;
    switch (f->item_type) {
    case DDBGEN_TYPE_STRING:
    case DDBGEN_TYPE_UUID:
        ddbgen_buf_printf(
            c, "        for (size_t k = 0; k < o->n_%s; k++)\n            free(o->%s[k]);\n", cn,
            cn);
        break;
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(c,
                          "        for (size_t k = 0; k < o->n_%s; k++)\n"
                          "            free(o->%s[k].text);\n",
                          cn, cn);
        break;
    case DDBGEN_TYPE_INTEGER:
    case DDBGEN_TYPE_BOOLEAN:
        break;
    default:
        ddbgen_buf_printf(c,
                          "        for (size_t k = 0; k < o->n_%s; k++)\n"
                          "            ddb_value_free(o->%s[k]);\n",
                          cn, cn);
        break;
    }
    ddbgen_buf_printf(c, "        free(o->%s);\n        o->%s = NULL;\n        o->n_%s = 0;\n", cn,
                      cn, cn);
}

/* Statements that give field f of o the value of kind vk (see VK_*). */
static void emit_value_kind(ddbgen_buf *c, const ddbgen_field *f, int vk)
{
    const char *cn = f->c_name;
    if (f->type == DDBGEN_TYPE_ARRAY) {
        size_t n = vk == VK_ABSENT ? 0 : vk == VK_LONG ? 3 : vk == VK_NEEDLE ? 2 : 1;
        bool strings = f->item_type == DDBGEN_TYPE_STRING;
        emit_clear_list(c, f);
        if (n == 0)
            return;
        ddbgen_buf_printf(c,
                          "        o->%s = calloc(%zu, sizeof *o->%s);\n"
                          "        o->n_%s = o->%s ? %zu : 0;\n",
                          cn, n, cn, cn, cn, n);
        for (size_t k = 0; k < n; k++) {
            const char *sv = vk == VK_NEEDLE && k == 0 ? "needle" : "other";
            int iv = vk == VK_NEEDLE && k == 0 ? 7 : 8 + (int)k;
            if (strings)
                ddbgen_buf_printf(
                    c, "        if (o->%s)\n            o->%s[%zu] = ddb_conf_text(\"%s\");\n", cn,
                    cn, k, sv);
            else
                ddbgen_buf_printf(c, "        if (o->%s)\n            o->%s[%zu] = %d;\n", cn, cn,
                                  k, iv);
        }
        return;
    }
    switch (f->type) {
    case DDBGEN_TYPE_STRING:
        ddbgen_buf_printf(c, "        free(o->%s);\n        o->%s = ", cn, cn);
        ddbgen_buf_puts(c, vk == VK_ABSENT     ? "NULL"
                           : vk == VK_LO       ? "ddb_conf_text(\"a-value\")"
                           : vk == VK_HI       ? "ddb_conf_text(\"z-value\")"
                           : vk == VK_PREFIXED ? "ddb_conf_text(\"alpha-value\")"
                           : vk == VK_OTHER    ? "ddb_conf_text(\"omega-value\")"
                           : vk == VK_NEEDLE   ? "ddb_conf_text(\"hay-needle-hay\")"
                           : vk == VK_SHORT    ? "ddb_conf_text(\"a\")"
                           : vk == VK_LONG     ? "ddb_conf_text(\"abc\")"
                                               : "ddb_conf_text(\"hay-straw-hay\")");
        ddbgen_buf_puts(c, ";\n");
        break;
    case DDBGEN_TYPE_DECIMAL:
        if (vk == VK_ABSENT)
            ddbgen_buf_printf(c, "        free(o->%s.text);\n        o->%s.text = NULL;\n", cn, cn);
        else
            ddbgen_buf_printf(c, "        ddb_conf_set_decimal(&o->%s, \"%s\", 0);\n", cn,
                              vk == VK_LO ? "10.5" : "20.5");
        break;
    case DDBGEN_TYPE_INTEGER:
    case DDBGEN_TYPE_BOOLEAN:
        if (emit_needs_has(f))
            ddbgen_buf_printf(c, "        o->has_%s = %s;\n", cn,
                              vk == VK_ABSENT ? "false" : "true");
        if (vk != VK_ABSENT)
            ddbgen_buf_printf(c, "        o->%s = %s;\n", cn,
                              f->type == DDBGEN_TYPE_BOOLEAN ? (vk == VK_LO ? "false" : "true")
                                                             : (vk == VK_LO ? "10" : "20"));
        break;
    case DDBGEN_TYPE_UUID:
        if (emit_needs_has(f) && vk == VK_ABSENT)
            ddbgen_buf_printf(c, "        o->has_%s = false;\n", cn);
        break;
    default: /* object */
        if (vk == VK_ABSENT)
            ddbgen_buf_printf(c, "        ddb_value_free(o->%s);\n        o->%s = NULL;\n", cn, cn);
        break;
    }
}

/* filter_<entity>__<pattern>(o, dropped): bit j of dropped set makes condition j false. */
static void emit_filter_setter(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    ddbgen_buf_printf(c,
                      "\n/* The filter's fields: condition j keeps o unless bit j of dropped is "
                      "set. */\nstatic void filter_%s(%s__%s *o, unsigned dropped)\n{\n",
                      fn, E->ns, pc->e->c_name);
    for (size_t j = 0; j < pc->n_conds; j++) {
        ddbgen_buf_printf(c, "    if (dropped & %uu) {\n", 1u << j);
        emit_value_kind(c, pc->conds[j].f, pc->conds[j].out);
        ddbgen_buf_puts(c, "    } else {\n");
        emit_value_kind(c, pc->conds[j].f, pc->conds[j].in);
        ddbgen_buf_puts(c, "    }\n");
    }
    ddbgen_buf_puts(c, "}\n");
}

/* The index of key attribute `attr` of index (NULL: primary) in the descriptor's keys, or -1. */
static int key_index(const ddbgen_entity *e, const char *attr, const char *index)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
    for (size_t k = 0; k < n; k++) {
        bool same = (!index && !keys[k].index) ||
                    (index && keys[k].index && strcmp(index, keys[k].index) == 0);
        if (same && strcmp(keys[k].attribute, attr) == 0)
            return (int)k;
    }
    return -1;
}

/* True when the fields a query shares make every item's primary key the same. */
static bool shares_primary_key(const pattern_case *pc)
{
    const ddbgen_entity *e = pc->e;
    const ddbgen_key_template *t[2] = {&e->pk, &e->sk};
    for (size_t w = 0; w < 2; w++)
        for (size_t i = 0; t[w]->present && i < t[w]->n; i++)
            for (size_t p = 0; p < t[w]->items[i].n_parts; p++) {
                const ddbgen_template_part *part = &t[w]->items[i].parts[p];
                bool shared = false;
                if (!part->is_field)
                    continue;
                for (size_t k = 0; k < pc->ap->n_params; k++)
                    if (pc->bound[k] && strcmp(pc->bound[k]->name, part->text) == 0)
                        shared = true;
                if (!shared)
                    return false;
            }
    return true;
}

static void emit_list_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    const ddbgen_access_pattern *ap = pc->ap;
    bool scan = ap->operation == DDBGEN_OP_SCAN;
    int n_items = shares_primary_key(pc) && !scan ? 1 : LIST_ITEMS, sort_key = -1;
    bool logical_or = ap->filter && ap->filter->logical_op == DDBGEN_LOGIC_OR;
    size_t n_kept = 0;
    bool full = true;
    size_t n_shared;
    char filter_call[400] = "";
    if (!scan && pc->plan.n_sk == 1)
        sort_key =
            key_index(pc->e, pc->plan.sk[0].attribute, pc->plan.gsi ? pc->plan.gsi->name : NULL);
    if (pc->plan.gsi && pc->plan.gsi->projection != DDBGEN_PROJ_ALL)
        full = false;
    if (scan && ap->index_name) {
        const ddbgen_gsi *g = ddbgen_table_find_gsi(pc->e->table, ap->index_name);
        full = !g || g->projection == DDBGEN_PROJ_ALL;
    }
    if (pc->n_conds) {
        /* AND: 3 items every condition keeps, and one per condition that only it drops;
           OR: one per condition that only it keeps, and one that every condition drops */
        if (shares_primary_key(pc) && !scan) {
            /* one item per partition key: no room for kept and dropped items */
            n_items = 1;
        } else {
            n_kept = logical_or ? pc->n_conds : 3;
            n_items = (int)(n_kept + (logical_or ? 1 : pc->n_conds));
        }
        emit_filter_setter(E, pc, fn);
        if (n_kept && logical_or)
            snprintf(filter_call, sizeof filter_call,
                     "        filter_%s(&items[made], made < %zu ? ~(1u << made) : ~0u);\n", fn,
                     n_kept);
        else if (n_kept)
            snprintf(filter_call, sizeof filter_call,
                     "        filter_%s(&items[made], made < %zu ? 0u : 1u << (made - %zu));\n", fn,
                     n_kept, n_kept);
        else
            snprintf(filter_call, sizeof filter_call, "        filter_%s(&items[made], 0u);\n", fn);
    }
    if (pc->match && !pc->n_conds) {
        /* a Scan match: items 0-2 hold the value it compares with, run-unique, 3-4 another */
        snprintf(filter_call, sizeof filter_call,
                 "        free(items[made].%s);\n"
                 "        items[made].%s =\n"
                 "            made < 3 ? ddb_conf_text(match) : ddb_conf_key_text(c, 90 + made, "
                 "\"%s\");\n",
                 pc->match->c_name, pc->match->c_name, pc->match->name);
    }
    ddbgen_buf_printf(c, "\nstatic void %s(ddb_conf *c)\n{\n", fn);
    n_shared = emit_bound_names(c, pc, "shared");
    if (pc->match)
        ddbgen_buf_printf(c, "    char *match = ddb_conf_key_text(c, 0, \"%s\");\n",
                          pc->match->name);
    ddbgen_buf_printf(c,
                      "    %s__repo *repo = c->repo;\n"
                      "    const ddb_entity_desc *d = &%s__%s__desc;\n"
                      "    %s__%s items[%d];\n    ddb_conf_listing l;\n"
                      "    %s__page_request page = {NULL, 0, 0};\n    char *cursor = NULL;\n"
                      "    int made = 0;\n\n"
                      "    memset(items, 0, sizeof items);\n"
                      "    for (; made < %d; made++) {\n"
                      "        make_%s(c, &items[made], made);\n"
                      "        if (made > 0)\n"
                      "            ddb_conf_copy_fields(d, &items[made], &items[0], shared, %zu);\n"
                      "%s"
                      "        if (!create_%s(c, &items[made])) {\n            made++;\n"
                      "            goto done;\n        }\n    }\n"
                      "    ddb_conf_listing_start(&l, d, items, sizeof items[0], %d, %s, %s, %d);\n"
                      "%s",
                      ns, ns, en, ns, en, n_items, ns, n_items, en, n_shared, filter_call, en,
                      n_items, scan ? "false" : "true", full ? "true" : "false", sort_key,
                      pc->limit ? "    /* the limit parameter alone gives the page size */\n"
                                  "    page.limit = 0;\n"
                                : "    page.limit = c->page_limit;\n");
    if (pc->match && !pc->n_conds)
        ddbgen_buf_puts(c, "    /* items 3.. hold another value: the match leaves them out */\n"
                           "    l.dropped[3] = l.dropped[4] = true;\n"
                           "    l.check_pages = false;\n");
    if (ap->descending)
        ddbgen_buf_puts(c, "    l.descending = true;\n");
    for (size_t k = 0; k < ap->n_params; k++)
        if (pc->bound[k] && pc->plan.roles[k] == DDBGEN_ROLE_KEY &&
            field_shared_value(E, pc->e, pc->bound[k])) {
            ddbgen_buf_printf(c,
                              "    /* '%s' comes from the usage data: other writers share the "
                              "partition */\n"
                              "    l.open_names = shared;\n    l.n_open = %zu;\n",
                              pc->bound[k]->name, n_shared);
            break;
        }
    if (pc->range_dropped) {
        ddbgen_buf_puts(c, "    {\n");
        ddbgen_buf_puts(c, pc->range_decl);
        ddbgen_buf_puts(c, "    /* the items the range condition leaves out */\n");
        for (int k = 0; k < n_items; k++)
            if (pc->range_dropped & (1u << k))
                ddbgen_buf_printf(c, "    l.dropped[%d] = true;\n", k);
        ddbgen_buf_puts(c, "    l.check_pages = false;\n");
    }
    if (pc->n_conds && n_kept) {
        ddbgen_buf_printf(c,
                          "    /* items %zu.. are dropped by the filter; the page count depends on "
                          "how an\n       implementation applies the limit with a filter */\n"
                          "    for (size_t k = %zu; k < %d; k++)\n        l.dropped[k] = true;\n"
                          "    l.check_pages = false;\n",
                          n_kept, n_kept, n_items);
    }
    ddbgen_buf_printf(c,
                      "    do {\n        %s__%s__page got = {0, NULL, NULL};\n"
                      "        ddb_error err = DDB_ERROR_INIT;\n        int rc;\n"
                      "        page.cursor = cursor;\n        rc = ",
                      ns, en);
    emit_call(c, pc, "&got", "&page, &err", "items[0]", "items[0]");
    ddbgen_buf_printf(
        c,
        ";\n        free(cursor);\n        cursor = NULL;\n"
        "        if (!ddb_conf_expect_rc(c, \"call\", rc, 0, &err)) {\n"
        "            ddb_error_clear(&err);\n            break;\n        }\n"
        "        l.pages++;\n"
        "        if (c->page_limit > 0 && got.n_items > (size_t)c->page_limit)\n"
        "            ddb_conf_fail(c, \"call: page %%zu has %%zu items, more than the limit "
        "%%d\",\n                          l.pages, got.n_items, c->page_limit);\n"
        "        for (size_t k = 0; k < got.n_items; k++)\n"
        "            ddb_conf_listing_add(c, &l, d, &got.items[k]);\n"
        "        cursor = got.cursor;\n        got.cursor = NULL;\n"
        "        %s__%s__page_free(&got);\n"
        "    } while (cursor && l.pages < DDB_CONF_MAX_PAGES && !c->failed);\n"
        "    free(cursor);\n    ddb_conf_listing_end(c, &l);\n%s%s"
        "done:\n    for (int k = 0; k < made; k++)\n"
        "        %s__%s__free(&items[k]);\n%s}\n",
        ns, en, pc->range_free, pc->range_dropped ? "    }\n" : "", ns, en,
        pc->match ? "    free(match);\n" : "");
}

/* Whether entity x has items in the partition of e's primary key: the same pk template over
 * fields of the same names and types. */
static bool joins_partition(const ddbgen_entity *e, const ddbgen_entity *x)
{
    const ddbgen_template *te, *tx;
    if (x->table != e->table || !e->pk.present || !x->pk.present || e->pk.n != 1 || x->pk.n != 1)
        return false;
    te = &e->pk.items[0];
    tx = &x->pk.items[0];
    if (!te->raw || !tx->raw || strcmp(te->raw, tx->raw) != 0)
        return false;
    for (size_t i = 0; i < te->n_parts; i++) {
        const ddbgen_field *fe, *fx;
        if (!te->parts[i].is_field)
            continue;
        fe = ddbgen_entity_find_field(e, te->parts[i].text);
        fx = ddbgen_entity_find_field(x, te->parts[i].text);
        if (!fe || !fx || fe->type != fx->type)
            return false;
    }
    return true;
}

/* Items of x one partition can hold: 1 when its primary key has no field beyond the pk's. */
static int items_per_partition(const ddbgen_entity *x)
{
    if (!x->sk.present || x->sk.n != 1)
        return 1;
    for (size_t i = 0; i < x->sk.items[0].n_parts; i++)
        if (x->sk.items[0].parts[i].is_field) {
            bool in_pk = false;
            for (size_t k = 0; k < x->pk.items[0].n_parts; k++)
                if (x->pk.items[0].parts[k].is_field &&
                    strcmp(x->pk.items[0].parts[k].text, x->sk.items[0].parts[i].text) == 0)
                    in_pk = true;
            if (!in_pk)
                return 2;
        }
    return 1;
}

/* What the filter of a mixed_data pattern does to the items of entity x, which must have none
 * of its fields: 1 it drops every one (a comparison, begins_with, contains or attribute_exists
 * on a missing attribute is false), 0 there is no filter, -1 not known (the case writes no x). */
static int filter_drops(const pattern_case *pc, const ddbgen_entity *x)
{
    const ddbgen_filter *flt = pc->ap->filter;
    bool or = flt && flt->logical_op == DDBGEN_LOGIC_OR;
    size_t n_false = 0;
    if (!flt)
        return 0;
    for (size_t j = 0; j < flt->n_conditions; j++) {
        const ddbgen_filter_condition *fc = &flt->conditions[j];
        if (!fc->field || ddbgen_entity_find_field(x, fc->field))
            return -1;
        n_false += fc->fn == DDBGEN_FFN_ATTRIBUTE_EXISTS || fc->fn == DDBGEN_FFN_BEGINS_WITH ||
                   fc->fn == DDBGEN_FFN_CONTAINS ||
                   (fc->fn == DDBGEN_FFN_NONE && fc->op != DDBGEN_FOP_NE);
    }
    return (or ? n_false == flt->n_conditions : n_false > 0) ? 1 : -1;
}

/* Whether a mixed_data case writes items of entity x beside the pattern's own: those of its
 * partition (a Query) or of its table (a Scan) whose fate under the filter is known. */
static bool mixed_other(const pattern_case *pc, const ddbgen_entity *x)
{
    bool scan = pc->ap->operation == DDBGEN_OP_SCAN;
    return x != pc->e && (scan ? x->table == pc->e->table : joins_partition(pc->e, x)) &&
           filter_drops(pc, x) >= 0;
}

/*
 * A mixed_data Query or Scan: items of the pattern's entity and of every other entity of the
 * partition (Query) or table (Scan) are written and must come back tagged with their kind, with
 * their content; a Query returns nothing else, in sort key order. With a filter, the pattern's
 * items are made as in a listing with a filter, and the other entities' items, which lack the
 * filter's fields, must be left out.
 */
static void emit_mixed_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    const ddbgen_entity *all[256];
    bool scan = pc->ap->operation == DDBGEN_OP_SCAN;
    bool logical_or = pc->ap->filter && pc->ap->filter->logical_op == DDBGEN_LOGIC_OR;
    size_t n_all = model_entities(E->m, all, 256), n_shared, n_kept = 0;
    int ne = scan ? 2 : items_per_partition(pc->e);
    char filter_call[400] = "";
    if (pc->n_conds) {
        /* as emit_list_case: kept items first, then one dropped per condition (AND) or one
           every condition drops (OR) */
        n_kept = logical_or ? pc->n_conds : 3;
        ne = (int)(n_kept + (logical_or ? 1 : pc->n_conds));
        emit_filter_setter(E, pc, fn);
        snprintf(filter_call, sizeof filter_call,
                 logical_or
                     ? "        filter_%s(&items[made], made < %zu ? ~(1u << made) : ~0u);\n"
                     : "        filter_%s(&items[made], made < %zu ? 0u : 1u << (made - %zu));\n",
                 fn, n_kept, n_kept);
    }
    ddbgen_buf_printf(c, "\nstatic void %s(ddb_conf *c)\n{\n", fn);
    n_shared = emit_bound_names(c, pc, "shared");
    ddbgen_buf_printf(c,
                      "    %s__repo *repo = c->repo;\n"
                      "    const ddb_entity_desc *d = &%s__%s__desc;\n"
                      "    %s__%s items[%d];\n    int made = 0;\n",
                      ns, ns, en, ns, en, ne);
    for (size_t x = 0; x < n_all; x++)
        if (mixed_other(pc, all[x]))
            ddbgen_buf_printf(c, "    %s__%s other%zu[%d];\n    int made%zu = 0;\n", ns,
                              all[x]->c_name, x, scan ? 2 : items_per_partition(all[x]), x);
    ddbgen_buf_printf(c,
                      "    ddb_conf_listing l;\n    %s__page_request page = {NULL, 0, 0};\n"
                      "    char *cursor = NULL;\n\n    memset(items, 0, sizeof items);\n",
                      ns);
    for (size_t x = 0; x < n_all; x++)
        if (mixed_other(pc, all[x]))
            ddbgen_buf_printf(c, "    memset(other%zu, 0, sizeof other%zu);\n", x, x);
    ddbgen_buf_printf(
        c,
        "    for (; made < %d; made++) {\n"
        "        make_%s(c, &items[made], made);\n"
        "        if (made > 0)\n"
        "            ddb_conf_copy_fields(d, &items[made], &items[0], shared, %zu);\n"
        "%s"
        "        if (!create_%s(c, &items[made])) {\n            made++;\n"
        "            goto done;\n        }\n    }\n"
        "    ddb_conf_listing_start(&l, d, items, sizeof items[0], %d, %s, true, %d);\n",
        ne, en, n_shared, filter_call, en, ne, scan ? "false" : "true",
        !scan && pc->e->sk.present ? 1 : -1);
    if (n_kept)
        ddbgen_buf_printf(c,
                          "    /* items %zu.. are dropped by the filter */\n"
                          "    for (size_t k = %zu; k < %d; k++)\n        l.dropped[k] = true;\n"
                          "    l.check_pages = false;\n",
                          n_kept, n_kept, ne);
    for (size_t x = 0; x < n_all; x++) {
        const ddbgen_entity *o = all[x];
        int no = scan ? 2 : items_per_partition(o);
        bool dropped = filter_drops(pc, o) == 1;
        if (!mixed_other(pc, o))
            continue;
        ddbgen_buf_printf(
            c,
            "    /* %s items in the same %s%s */\n"
            "    for (; made%zu < %d; made%zu++) {\n"
            "        make_%s(c, &other%zu[made%zu], made%zu);\n"
            "        ddb_conf_copy_fields_from(&%s__%s__desc, &other%zu[made%zu], d, "
            "&items[0], shared, %zu);\n"
            "        if (!create_%s(c, &other%zu[made%zu])) {\n"
            "            made%zu++;\n            goto done;\n        }\n"
            "        ddb_conf_listing_more(&l, &%s__%s__desc, &other%zu[made%zu]);\n%s    }\n",
            o->name, scan ? "table" : "partition", dropped ? ", which the filter drops" : "", x, no,
            x, o->c_name, x, x, x, ns, o->c_name, x, x, n_shared, o->c_name, x, x, x, ns, o->c_name,
            x, x, dropped ? "        l.dropped[l.n_want - 1] = true;\n" : "");
    }
    ddbgen_buf_printf(c,
                      "    page.limit = c->page_limit;\n"
                      "    do {\n        %s__mixed_page got = {0, NULL, NULL};\n"
                      "        ddb_error err = DDB_ERROR_INIT;\n        int rc;\n"
                      "        page.cursor = cursor;\n        rc = ",
                      ns);
    emit_call(c, pc, "&got", "&page, &err", "items[0]", "items[0]");
    ddbgen_buf_printf(
        c, ";\n        free(cursor);\n        cursor = NULL;\n"
           "        if (!ddb_conf_expect_rc(c, \"call\", rc, 0, &err)) {\n"
           "            ddb_error_clear(&err);\n            break;\n        }\n"
           "        l.pages++;\n"
           "        if (c->page_limit > 0 && got.n_items > (size_t)c->page_limit)\n"
           "            ddb_conf_fail(c, \"call: page %%zu has %%zu items, more than the limit "
           "%%d\",\n                          l.pages, got.n_items, c->page_limit);\n"
           "        for (size_t k = 0; k < got.n_items; k++) {\n"
           "            size_t kind = (size_t)got.items[k].kind;\n"
           "            if (kind < 1 || kind > ");
    emit_upper(c, ns);
    ddbgen_buf_printf(
        c,
        "__N_ENTITIES)\n"
        "                ddb_conf_fail(c, \"call: item %%zu has no entity kind (%%zu)\", "
        "l.n_got + 1, kind);\n"
        "            else\n"
        "                ddb_conf_listing_add(c, &l, %s__entities[kind - 1], "
        "&got.items[k].as);\n        }\n"
        "        cursor = got.cursor;\n        got.cursor = NULL;\n"
        "        %s__mixed_page_free(&got);\n"
        "    } while (cursor && l.pages < DDB_CONF_MAX_PAGES && !c->failed);\n"
        "    free(cursor);\n    ddb_conf_listing_end(c, &l);\n"
        "done:\n    for (int k = 0; k < made; k++)\n"
        "        %s__%s__free(&items[k]);\n",
        ns, ns, ns, en);
    for (size_t x = 0; x < n_all; x++)
        if (mixed_other(pc, all[x]))
            ddbgen_buf_printf(
                c, "    for (int k = 0; k < made%zu; k++)\n        %s__%s__free(&other%zu[k]);\n",
                x, ns, all[x]->c_name, x);
    ddbgen_buf_puts(c, "}\n");
}

/* Whether a BatchWriteItem pattern deletes: its name or description says so. */
static bool says_delete(const ddbgen_access_pattern *ap)
{
    const char *texts[2] = {ap->name, ap->description};
    for (size_t t = 0; t < 2; t++) {
        char low[512];
        size_t n = 0;
        for (const char *p = texts[t]; p && *p && n + 1 < sizeof low; p++)
            low[n++] = (char)tolower((unsigned char)*p);
        low[n] = '\0';
        if (strstr(low, "delete") || strstr(low, "remove"))
            return true;
    }
    return false;
}

static void emit_batch_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name, *m = pc->ap->c_name;
    bool del = pc->shape == SHAPE_BATCH_WRITE && says_delete(pc->ap);
    ddbgen_buf_printf(
        c,
        "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
        "    const ddb_entity_desc *d = &%s__%s__desc;\n"
        "    %s__%s items[3], got = {0};\n"
        "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n    int rc;\n\n"
        "    memset(items, 0, sizeof items);\n"
        "    for (int k = 0; k < 3; k++)\n        make_%s(c, &items[k], k);\n",
        fn, ns, ns, en, ns, en, en);
    if (pc->shape == SHAPE_BATCH_GET && pc->mixed) {
        /* the same, each item tagged with the kind of the entity */
        ddbgen_buf_printf(
            c,
            "    if (!create_%s(c, &items[0]) || !create_%s(c, &items[2]))\n"
            "        goto done;\n"
            "    {\n"
            "        /* items[1] was never written: left out; the others in "
            "request order */\n"
            "        const %s__%s keys[3] = {items[2], items[1], items[0]};\n"
            "        %s__mixed_page page = {0, NULL, NULL};\n"
            "        rc = repo->%s__%s(repo, &page, keys, 3, &err);\n"
            "        if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err)) {\n"
            "            if (page.n_items != 2)\n"
            "                ddb_conf_fail(c, \"call: %%zu items, expected 2 (of 3 keys, one "
            "never written)\",\n                              page.n_items);\n"
            "            for (size_t k = 0; k < page.n_items && k < 2 && !c->failed; k++)\n"
            "                if (page.items[k].kind != ",
            en, en, ns, en, ns, en, m);
        emit_kind(E, c, pc->e);
        ddbgen_buf_printf(
            c,
            ")\n"
            "                    ddb_conf_fail(c, \"call: item %%zu has kind %%d, expected "
            "%%d (%s)\", k,\n"
            "                                  (int)page.items[k].kind, (int)",
            pc->e->name);
        emit_kind(E, c, pc->e);
        ddbgen_buf_printf(
            c,
            ");\n"
            "            if (!c->failed &&\n"
            "                ddb_conf_same_entity(c, \"call, item 0 (key 0)\", d, &items[2],\n"
            "                                     &page.items[0].as.%s, true))\n"
            "                ddb_conf_same_entity(c, \"call, item 1 (key 2)\", d, &items[0],\n"
            "                                     &page.items[1].as.%s, true);\n"
            "            if (page.cursor)\n"
            "                ddb_conf_fail(c, \"call: a cursor, expected none\");\n"
            "        }\n"
            "        %s__mixed_page_free(&page);\n    }\n"
            "    (void)found;\n",
            en, en, ns);
    } else if (pc->shape == SHAPE_BATCH_GET) {
        ddbgen_buf_printf(
            c,
            "    if (!create_%s(c, &items[0]) || !create_%s(c, &items[2]))\n"
            "        goto done;\n"
            "    {\n"
            "        /* items[1] was never written: left out; the others in "
            "request order */\n"
            "        const %s__%s keys[3] = {items[2], items[1], items[0]};\n"
            "        %s__%s__page page = {0, NULL, NULL};\n"
            "        rc = repo->%s__%s(repo, &page, keys, 3, &err);\n"
            "        if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err)) {\n"
            "            if (page.n_items != 2)\n"
            "                ddb_conf_fail(c, \"call: %%zu items, expected 2 (of 3 keys, one "
            "never written)\",\n                              page.n_items);\n"
            "            else if (ddb_conf_same_entity(c, \"call, item 0 (key 0)\", d, "
            "&items[2], &page.items[0], true))\n"
            "                ddb_conf_same_entity(c, \"call, item 1 (key 2)\", d, &items[0], "
            "&page.items[1], true);\n"
            "            if (page.cursor)\n"
            "                ddb_conf_fail(c, \"call: a cursor, expected none\");\n"
            "        }\n"
            "        %s__%s__page_free(&page);\n    }\n"
            "    (void)found;\n",
            en, en, ns, en, ns, en, en, m, ns, en);
    } else if (del) {
        ddbgen_buf_printf(
            c,
            "    for (int k = 0; k < 3; k++)\n"
            "        if (!create_%s(c, &items[k]))\n            goto done;\n"
            "    rc = repo->%s__%s(repo, items, 3, &err);\n"
            "    if (!ddb_conf_expect_rc(c, \"call (deletes)\", rc, 0, &err))\n"
            "        goto done;\n"
            "    for (int k = 0; k < 3; k++) {\n"
            "        rc = repo->%s__get(repo, &got, &found, &items[k], &err);\n"
            "        if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err))\n"
            "            ddb_conf_expect_found(c, \"get after the call (deleted)\", found, "
            "false);\n"
            "        %s__%s__free(&got);\n    }\n"
            "    (void)d;\n",
            en, en, m, en, ns, en);
    } else {
        ddbgen_buf_printf(
            c,
            "    rc = repo->%s__%s(repo, items, 3, &err);\n"
            "    if (!ddb_conf_expect_rc(c, \"call (puts)\", rc, 0, &err))\n"
            "        goto done;\n"
            "    for (int k = 0; k < 3; k++) {\n"
            "        ddb_conf_remember(c, d, &items[k]);\n"
            "        rc = repo->%s__get(repo, &got, &found, &items[k], &err);\n"
            "        if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err) &&\n"
            "            ddb_conf_expect_found(c, \"get after the call\", found, true))\n"
            "            ddb_conf_same_entity(c, \"get after the call\", d, &items[k], &got, "
            "true);\n"
            "        %s__%s__free(&got);\n    }\n",
            en, m, en, ns, en);
    }
    ddbgen_buf_printf(c,
                      "done:\n    for (int k = 0; k < 3; k++)\n        %s__%s__free(&items[k]);\n"
                      "    %s__%s__free(&got);\n    ddb_error_clear(&err);\n}\n",
                      ns, en, ns, en);
}

static void emit_put_case(emitter *E, const pattern_case *pc, const char *fn)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns, *en = pc->e->c_name;
    ddbgen_buf_printf(c,
                      "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
                      "    const ddb_entity_desc *d = &%s__%s__desc;\n"
                      "    %s__%s a = {0}, again = {0}, got = {0};\n",
                      fn, ns, ns, en, ns, en);
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->context[k] && pc->plan.roles[k] == DDBGEN_ROLE_CONTEXT)
            ddbgen_buf_printf(c, "    %s__%s context%zu = {0};\n", ns, pc->context[k]->c_name, k);
    ddbgen_buf_printf(
        c,
        "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n    int rc;\n\n"
        "    make_%s(c, &a, 0);\n    make_%s(c, &again, 0);\n",
        en, en);
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->context[k] && pc->plan.roles[k] == DDBGEN_ROLE_CONTEXT)
            ddbgen_buf_printf(c, "    make_%s(c, &context%zu, 0);\n", pc->context[k]->c_name, k);
    ddbgen_buf_puts(c, "    rc = ");
    emit_call(c, pc, "", "&err", "a", "a");
    ddbgen_buf_printf(
        c,
        ";\n    if (!ddb_conf_expect_rc(c, \"call\", rc, 0, &err))\n        goto done;\n"
        "    ddb_conf_remember(c, d, &a);\n"
        "    ddb_conf_expect_version(c, \"call\", a.ddb_version, 1);\n"
        "    rc = repo->%s__get(repo, &got, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"get after the call\", found, true))\n"
        "        ddb_conf_same_entity(c, \"get after the call\", d, &a, &got, true);\n"
        "    rc = ",
        en);
    emit_call(c, pc, "", "&err", "again", "again");
    ddbgen_buf_printf(c,
                      ";\n    if (rc == 0)\n        ddb_conf_remember(c, d, &again);\n"
                      "    ddb_conf_expect_rc(c, \"call for a key that exists\", rc, "
                      "DDB_ERR_ITEM_EXISTS, &err);\n"
                      "done:\n    %s__%s__free(&a);\n    %s__%s__free(&again);\n"
                      "    %s__%s__free(&got);\n",
                      ns, en, ns, en, ns, en);
    for (size_t k = 0; k < pc->ap->n_params; k++)
        if (pc->context[k] && pc->plan.roles[k] == DDBGEN_ROLE_CONTEXT)
            ddbgen_buf_printf(c, "    %s__%s__free(&context%zu);\n", ns, pc->context[k]->c_name, k);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

static const char *list_checks(const pattern_case *pc)
{
    if (pc->range_dropped && pc->ap->descending)
        return "writes 5 items in one partition, queries with a range between their sort keys, "
               "page by page: exactly the items in range, with their content, in descending "
               "sort key order";
    if (pc->range_dropped)
        return "writes 5 items in one partition, queries with a range between their sort keys, "
               "page by page: exactly the items in range, with their content, in sort key order";
    if (pc->n_conds && pc->ap->filter->logical_op == DDBGEN_LOGIC_OR)
        return "writes one item per filter condition that only it keeps and one that every "
               "condition drops, reads page by page: exactly the kept ones, with their content";
    if (pc->n_conds)
        return "writes 3 items the filter keeps and one per condition that only it drops, reads "
               "page by page: exactly the kept ones, with their content";
    if (pc->ap->operation == DDBGEN_OP_SCAN)
        return "writes 5 items, scans page by page: every item comes back once, with its content";
    if (shares_primary_key(pc))
        return "writes 1 item, queries page by page: exactly it comes back, with its content";
    if (pc->ap->descending)
        return "writes 5 items in one partition, queries page by page: exactly those, with their "
               "content, in descending sort key order, across 3 pages or more";
    return "writes 5 items in one partition, queries page by page: exactly those, with their "
           "content, in sort key order, across 3 pages or more";
}

static const char *mixed_checks(const pattern_case *pc)
{
    bool scan = pc->ap->operation == DDBGEN_OP_SCAN;
    if (scan && pc->n_conds)
        return "writes items the filter keeps and drops, and items of the table's other entity "
               "types (dropped: they lack the filter's fields), scans page by page: the kept ones "
               "come back once, tagged with their kind, with their content; no dropped one";
    if (scan)
        return "writes items of every entity type of the table, scans page by page: each comes "
               "back once, tagged with their kind, with their content";
    if (pc->n_conds)
        return "writes items the filter keeps and drops, and items of the partition's other "
               "entity types (dropped: they lack the filter's fields), queries page by page: "
               "exactly the kept ones, tagged with their kind, with their content, in sort key "
               "order";
    return "writes items of every entity type that lives in the partition, queries page by page: "
           "exactly those, tagged with their kind, with their content, in sort key order";
}

static void emit_pattern_cases(emitter *E, suite *s, const ddbgen_entity *e)
{
    for (size_t a = 0; a < e->n_patterns; a++) {
        const ddbgen_access_pattern *ap = &e->patterns[a];
        pattern_case pc;
        char fn[256];
        classify(E, s, &pc, e, ap);
        if (pc.why) {
            add_gap(E, s, e, ap->name, pc.why);
            ddbgen_plan_clear(&pc.plan);
            continue;
        }
        snprintf(fn, sizeof fn, "case_%s__%s", e->c_name, ap->c_name);
        switch (pc.shape) {
        case SHAPE_GET:
            add_case(E, s, e, ap->name,
                     ap->operation == DDBGEN_OP_GET_ITEM
                         ? "writes an item, gets it (same content), gets a key never written (not "
                           "found)"
                         : "writes an item, looks it up (exactly it, same content), looks up a "
                           "value never written (not found)");
            emit_get_case(E, &pc, fn);
            break;
        case SHAPE_EXISTS:
            add_case(E, s, e, ap->name,
                     "writes an item: it exists; an item never written does not");
            emit_exists_case(E, &pc, fn);
            break;
        case SHAPE_UPDATE_FLAG:
            add_case(E, s, e, ap->name,
                     "writes an item, updates it (updated; stored content, version 2), "
                     "updates a key never written (not updated)");
            emit_update_case(E, &pc, fn);
            break;
        case SHAPE_DELETE_ONE:
            add_case(E, s, e, ap->name,
                     "writes an item, deletes it (the entity deleted comes back; gone), deletes "
                     "again (not found)");
            emit_delete_one_case(E, &pc, fn);
            break;
        case SHAPE_PUT_SCALAR:
            add_case(E, s, e, ap->name,
                     "writes an item from field values (returned and stored with the values "
                     "given, version 1), writes it again (DDB_ERR_ITEM_EXISTS)");
            emit_put_scalar_case(E, &pc, fn);
            break;
        case SHAPE_UPDATE:
            add_case(E, s, e, ap->name,
                     "writes an item, updates it (returned and stored content, version 2), "
                     "updates a key never written (not found)");
            emit_update_case(E, &pc, fn);
            break;
        case SHAPE_DELETE:
            add_case(E, s, e, ap->name,
                     "writes an item, deletes it (deleted, gone), deletes again (not deleted)");
            emit_delete_case(E, &pc, fn);
            break;
        case SHAPE_LIST:
            add_case(E, s, e, ap->name, list_checks(&pc));
            emit_list_case(E, &pc, fn);
            break;
        case SHAPE_BATCH_GET:
            add_case(E, s, e, ap->name,
                     pc.mixed ? "writes 2 of 3 items, gets the 3 keys: the 2 written, in request "
                                "order, tagged with their kind, with their content"
                              : "writes 2 of 3 items, gets the 3 keys: the 2 written, in request "
                                "order, with their content");
            emit_batch_case(E, &pc, fn);
            break;
        case SHAPE_BATCH_WRITE:
            add_case(E, s, e, ap->name,
                     says_delete(ap) ? "writes 3 items, deletes them in a batch: all gone"
                                     : "writes 3 items in a batch: all there, with their content");
            emit_batch_case(E, &pc, fn);
            break;
        case SHAPE_MIXED:
            add_case(E, s, e, ap->name, mixed_checks(&pc));
            emit_mixed_case(E, &pc, fn);
            break;
        case SHAPE_PUT:
            add_case(E, s, e, ap->name,
                     "writes an item through the pattern (version 1, same content when read), "
                     "writes it again (DDB_ERR_ITEM_EXISTS)");
            emit_put_case(E, &pc, fn);
            break;
        default:
            break;
        }
        if (s->n_cases)
            snprintf(s->cases[s->n_cases - 1].fn, sizeof s->cases[0].fn, "%s", fn);
        ddbgen_plan_clear(&pc.plan);
    }
}

/* ---- transactions ---------------------------------------------------------------------------- */

/* All entities in model order. */
static size_t model_entities(const ddbgen_model *m, const ddbgen_entity **out, size_t cap)
{
    size_t n = 0;
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities && n < cap; i++)
            out[n++] = &m->tables[t].entities[i];
    return n;
}

static void emit_kind(emitter *E, ddbgen_buf *c, const ddbgen_entity *e)
{
    emit_upper(c, E->ns);
    ddbgen_buf_puts(c, "__KIND_");
    emit_upper(c, e->c_name);
}

/* One transact operation: ops[i] = {kind, op, &obj}. */
static void emit_op(emitter *E, ddbgen_buf *c, size_t i, const ddbgen_entity *e, const char *op,
                    const char *obj)
{
    ddbgen_buf_printf(c, "    ops[%zu] = (%s__write){.kind = ", i, E->ns);
    emit_kind(E, c, e);
    ddbgen_buf_puts(c, ", .op = ");
    emit_upper(c, E->ns);
    ddbgen_buf_printf(c, "__WRITE_%s,\n%*s.obj = %s, .min_result = INT64_MIN};\n", op,
                      (int)strlen(E->ns) + 23, "", obj);
}

/* The generic transact member: all or nothing, and the failing operation identified. */
static void emit_transact_case(emitter *E, suite *s)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    const ddbgen_entity *all[2];
    const ddbgen_entity *x, *y;
    size_t n = model_entities(E->m, all, 2);
    if (n == 0)
        return;
    x = all[0];
    y = n > 1 ? all[1] : all[0];
    add_case(E, s, NULL, "transact",
             "transact: a create and a create of an existing key (cancelled at op 1, nothing "
             "written); a create and an update (both done); a stale update and a delete "
             "(cancelled at op 0); two deletes");
    snprintf(s->cases[s->n_cases - 1].fn, sizeof s->cases[0].fn, "case_model__transact");
    ddbgen_buf_printf(c, "\n/* ==== model ");
    for (size_t k = 0; k < 83; k++)
        ddbgen_buf_putc(c, '=');
    ddbgen_buf_printf(
        c,
        " */\n\nstatic void case_model__transact(ddb_conf *c)\n{\n"
        "    %s__repo *repo = c->repo;\n"
        "    const ddb_entity_desc *dx = &%s__%s__desc, *dy = &%s__%s__desc;\n"
        "    %s__%s a = {0}, got_a = {0};\n"
        "    %s__%s b = {0}, b_again = {0}, b_stale = {0}, got_b = {0};\n"
        "    %s__write ops[2];\n"
        "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n    int rc;\n\n"
        "    make_%s(c, &a, 0);\n    make_%s(c, &b, 1);\n"
        "    make_%s(c, &b_again, 1);\n"
        "    if (!create_%s(c, &b) || !ddb_conf_clone(c, dy, &b_stale, &b))\n"
        "        goto done;\n\n"
        "    /* a create, and a create of a key that exists: nothing is written */\n",
        ns, ns, x->c_name, ns, y->c_name, ns, x->c_name, ns, y->c_name, ns, x->c_name, y->c_name,
        y->c_name, y->c_name);
    emit_op(E, c, 0, x, "CREATE", "&a");
    emit_op(E, c, 1, y, "CREATE", "&b_again");
    ddbgen_buf_printf(
        c,
        "    rc = repo->transact(repo, ops, 2, &err);\n"
        "    if (rc == 0) {\n        ddb_conf_remember(c, dx, &a);\n"
        "        ddb_conf_remember(c, dy, &b_again);\n    }\n"
        "    ddb_conf_expect_cancelled(c, \"transact (create, create of an existing key)\", rc, "
        "&err, 2, 1);\n"
        "    rc = repo->%s__get(repo, &got_a, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the cancelled transaction\", rc, 0, &err))\n"
        "        ddb_conf_expect_found(c, \"get after the cancelled transaction (all or "
        "nothing)\",\n                              found, false);\n"
        "    %s__%s__free(&got_a);\n\n"
        "    /* a create and an update */\n"
        "    a.ddb_version = 0;\n",
        x->c_name, ns, x->c_name);
    emit_op(E, c, 0, x, "CREATE", "&a");
    emit_op(E, c, 1, y, "UPDATE", "&b");
    ddbgen_buf_printf(
        c,
        "    rc = repo->transact(repo, ops, 2, &err);\n"
        "    if (!ddb_conf_expect_rc(c, \"transact (create, update)\", rc, 0, &err))\n"
        "        goto done;\n"
        "    ddb_conf_remember(c, dx, &a);\n"
        "    ddb_conf_expect_version(c, \"transact: the created entity\", a.ddb_version, 1);\n"
        "    ddb_conf_expect_version(c, \"transact: the updated entity\", b.ddb_version, 2);\n"
        "    rc = repo->%s__get(repo, &got_a, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the transaction\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"get after the transaction\", found, true))\n"
        "        ddb_conf_same_entity(c, \"get after the transaction\", dx, &a, &got_a, true);\n"
        "    rc = repo->%s__get(repo, &got_b, &found, &b, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the transaction\", rc, 0, &err) &&\n"
        "        ddb_conf_expect_found(c, \"get after the transaction\", found, true))\n"
        "        ddb_conf_expect_version(c, \"get after the transaction\", got_b.ddb_version, "
        "2);\n\n"
        "    /* an update from a stale copy, and a delete: nothing is deleted */\n",
        x->c_name, y->c_name);
    emit_op(E, c, 0, y, "UPDATE", "&b_stale");
    emit_op(E, c, 1, x, "DELETE", "&a");
    ddbgen_buf_printf(
        c,
        "    rc = repo->transact(repo, ops, 2, &err);\n"
        "    ddb_conf_expect_cancelled(c, \"transact (stale update, delete)\", rc, &err, 2, 0);\n"
        "    %s__%s__free(&got_a);\n"
        "    rc = repo->%s__get(repo, &got_a, &found, &a, &err);\n"
        "    if (ddb_conf_expect_rc(c, \"get after the cancelled transaction\", rc, 0, &err))\n"
        "        ddb_conf_expect_found(c, \"get after the cancelled transaction (all or "
        "nothing)\",\n                              found, true);\n\n"
        "    /* two deletes at the current versions */\n",
        ns, x->c_name, x->c_name);
    emit_op(E, c, 0, x, "DELETE", "&a");
    emit_op(E, c, 1, y, "DELETE", "&b");
    ddbgen_buf_printf(c,
                      "    rc = repo->transact(repo, ops, 2, &err);\n"
                      "    ddb_conf_expect_rc(c, \"transact (delete, delete)\", rc, 0, &err);\n"
                      "    %s__%s__free(&got_b);\n"
                      "    rc = repo->%s__get(repo, &got_b, &found, &b, &err);\n"
                      "    if (ddb_conf_expect_rc(c, \"get after the deletes\", rc, 0, &err))\n"
                      "        ddb_conf_expect_found(c, \"get after the deletes\", found, false);\n"
                      "done:\n    %s__%s__free(&a);\n    %s__%s__free(&got_a);\n"
                      "    %s__%s__free(&b);\n    %s__%s__free(&b_again);\n"
                      "    %s__%s__free(&b_stale);\n    %s__%s__free(&got_b);\n"
                      "    ddb_error_clear(&err);\n}\n",
                      ns, y->c_name, y->c_name, ns, x->c_name, ns, x->c_name, ns, y->c_name, ns,
                      y->c_name, ns, y->c_name, ns, y->c_name);
}

/* The entity of action a of a cross-table pattern, or NULL. */
static const ddbgen_entity *tx_entity(const ddbgen_model *m, const ddbgen_tx_entity *a)
{
    return a->entity ? ddbgen_model_find_entity(m, a->entity) : NULL;
}

/*
 * A TransactGet pattern whose actions Get distinct entities keyed by string parameters named
 * after their key fields: every entity found with its content, and a missing one reported as
 * not found.
 */
static void emit_tx_get_case(emitter *E, suite *s, const ddbgen_tx_pattern *tp)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    const ddbgen_model *m = E->m;
    size_t n = tp->n_entities, last = n ? n - 1 : 0;
    decl d;
    char want[300], fn[300];
    bool ok = n > 0 && n <= 16;

    if (!tp->c_name || !find_member(s, tp->c_name, &d)) {
        add_gap(E, s, NULL, tp->name, NO_MEMBER);
        return;
    }
    snprintf(want, sizeof want, "%s__%s__result *", ns, tp->c_name);
    ok = ok && d.n == tp->n_params + 3 && strcmp(d.p[1].type, want) == 0;
    for (size_t i = 0; ok && i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ok = e && tp->entities[i].action == DDBGEN_ACT_GET;
        for (size_t j = 0; ok && j < i; j++)
            ok = tx_entity(m, &tp->entities[j]) != e;
    }
    for (size_t k = 0; ok && k < tp->n_params; k++)
        ok = tp->params[k].type == DDBGEN_TYPE_STRING &&
             strcmp(d.p[k + 2].name, tp->params[k].c_name) == 0 &&
             strcmp(d.p[k + 2].type, "const char *") == 0;
    if (!ok) {
        add_gap(E, s, NULL, tp->name,
                "only TransactGet of distinct entities keyed by string parameters is exercised "
                "yet");
        return;
    }
    snprintf(fn, sizeof fn, "case_model__%s", tp->c_name);
    add_case(E, s, NULL, tp->name,
             "with the last action's entity missing: the others found with their content, it "
             "not found; then every entity found");
    snprintf(s->cases[s->n_cases - 1].fn, sizeof s->cases[0].fn, "%s", fn);
    ddbgen_buf_printf(c,
                      "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n"
                      "    %s__%s__result got;\n",
                      fn, ns, ns, tp->c_name);
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_printf(c, "    %s__%s e%zu = {0};\n", ns, tx_entity(m, &tp->entities[i])->c_name,
                          i);
    for (size_t k = 0; k < tp->n_params; k++)
        ddbgen_buf_printf(c, "    char *p%zu = ddb_conf_key_text(c, 0, \"p%zu\");\n", k, k);
    ddbgen_buf_puts(c, "    ddb_error err = DDB_ERROR_INIT;\n    int rc;\n\n"
                       "    memset(&got, 0, sizeof got);\n");
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(c, "    make_%s(c, &e%zu, 0);\n", e->c_name, i);
        for (size_t k = 0; k < tp->n_params; k++) {
            const ddbgen_field *f = ddbgen_entity_find_field(e, tp->params[k].name);
            if (f && f->type == DDBGEN_TYPE_STRING)
                ddbgen_buf_printf(c, "    free(e%zu.%s);\n    e%zu.%s = ddb_conf_text(p%zu);\n", i,
                                  f->c_name, i, f->c_name, k);
        }
        if (i < last)
            ddbgen_buf_printf(c, "    if (!create_%s(c, &e%zu))\n        goto done;\n", e->c_name,
                              i);
    }
    for (int round = 0; round < 2; round++) {
        ddbgen_buf_printf(c, "    rc = repo->%s(repo, &got", tp->c_name);
        for (size_t k = 0; k < tp->n_params; k++)
            ddbgen_buf_printf(c, ", p%zu", k);
        ddbgen_buf_printf(c, ", &err);\n    if (ddb_conf_expect_rc(c, \"call\", rc, 0, &err)) {\n");
        for (size_t i = 0; i < n; i++) {
            const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
            bool present = round == 1 || i < last;
            ddbgen_buf_printf(
                c,
                "        %sddb_conf_expect_found(c, \"call (action %zu)\", got.found_%s, %s)%s\n",
                present ? "if (" : "", i, e->c_name, present ? "true" : "false",
                present ? ")" : ";");
            if (present)
                ddbgen_buf_printf(
                    c,
                    "            ddb_conf_same_entity(c, \"call (action %zu)\", &%s__%s__desc, "
                    "&e%zu, &got.%s, true);\n",
                    i, ns, e->c_name, i, e->c_name);
        }
        ddbgen_buf_printf(
            c, "    }\n    %s__%s__result_free(&got);\n    memset(&got, 0, sizeof got);\n", ns,
            tp->c_name);
        if (round == 0)
            ddbgen_buf_printf(c, "    if (!create_%s(c, &e%zu))\n        goto done;\n",
                              tx_entity(m, &tp->entities[last])->c_name, last);
    }
    ddbgen_buf_puts(c, "done:\n");
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_printf(c, "    %s__%s__free(&e%zu);\n", ns,
                          tx_entity(m, &tp->entities[i])->c_name, i);
    for (size_t k = 0; k < tp->n_params; k++)
        ddbgen_buf_printf(c, "    free(p%zu);\n", k);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

/*
 * A TransactWrite pattern whose actions are all Put of an entity parameter (one per action), or
 * all Delete keyed by string parameters named after the key fields, each with a condition: the
 * pattern works, and a failing action is the one reported. Anything else is a gap.
 */

/* A Put built from scalar parameters (no entity parameter of its type): every field of e is a
 * parameter of the same name, of a plain type the case can pass from a made entity. */
static bool put_from_scalars(const ddbgen_tx_pattern *tp, const ddbgen_entity *e)
{
    for (size_t f = 0; e && f < e->n_fields; f++) {
        const ddbgen_param *prm =
            ddbgen_pattern_find_param(tp->params, tp->n_params, e->fields[f].name);
        ddbgen_type t = e->fields[f].type;
        if (!prm || prm->type != t ||
            (t != DDBGEN_TYPE_STRING && t != DDBGEN_TYPE_INTEGER && t != DDBGEN_TYPE_BOOLEAN))
            return false;
    }
    return e && e->n_fields > 0;
}

/* The argument for scalar parameter k of a transaction whose Puts come from made entities: the
 * same-named field of the first Put entity built from scalars, from e<i> or (fresh) new<i>. */
static void tx_scalar_arg(ddbgen_buf *c, const ddbgen_model *m, const ddbgen_tx_pattern *tp,
                          const int *param_of, size_t k, size_t last, bool fresh)
{
    for (size_t i = 0; i < tp->n_entities; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        const ddbgen_field *f = e ? ddbgen_entity_find_field(e, tp->params[k].name) : NULL;
        if (param_of[i] < 0 && f) {
            ddbgen_buf_printf(c, ", %s%zu.%s", fresh && i != last ? "new" : "e", i, f->c_name);
            return;
        }
    }
}

/* Which kind of transaction the suite exercises: all Puts (*puts) or Deletes with
 * ConditionChecks (*deletes); param_of[i] is the parameter that carries action i's entity
 * (-1: none, -2: several). */
static void tx_case_kind(emitter *E, const ddbgen_tx_pattern *tp, const decl *d, int *param_of,
                         bool *puts_out, bool *deletes_out)
{
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;
    size_t n = tp->n_entities;
    bool puts = true, deletes = true, any_delete = false;
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        puts &= tp->entities[i].action == DDBGEN_ACT_PUT && e != NULL;
        /* a ConditionCheck that its entity exists is exercised beside the Deletes: it keeps
           the entity and cancels the transaction when it is missing */
        deletes &= (tp->entities[i].action == DDBGEN_ACT_DELETE ||
                    tp->entities[i].action == DDBGEN_ACT_CONDITION_CHECK) &&
                   e != NULL && tp->entities[i].condition &&
                   strstr(tp->entities[i].condition, "attribute_exists");
        any_delete |= tp->entities[i].action == DDBGEN_ACT_DELETE;
        param_of[i] = -1;
        for (size_t k = 0; e && k < tp->n_params; k++)
            if (tp->params[k].type == DDBGEN_TYPE_ENTITY && tp->params[k].entity_type &&
                strcmp(tp->params[k].entity_type, e->name) == 0)
                param_of[i] = param_of[i] < 0 ? (int)k : -2; /* -2: ambiguous */
        if (puts && param_of[i] < 0 && !put_from_scalars(tp, e))
            puts = false;
    }
    for (size_t k = 0; k < tp->n_params; k++) {
        char want[200];
        const ddbgen_param *prm = &tp->params[k];
        const ddbgen_entity *pe =
            prm->entity_type ? ddbgen_model_find_entity(m, prm->entity_type) : NULL;
        if (strcmp(d->p[k + 1].name, prm->c_name) != 0) {
            puts = deletes = false;
            break;
        }
        if (prm->type == DDBGEN_TYPE_ENTITY && pe)
            snprintf(want, sizeof want, "%s__%s *", ns, pe->c_name);
        else
            snprintf(want, sizeof want, "%s", c_param_type(prm->type));
        if (strcmp(d->p[k + 1].type, want) != 0 || (deletes && prm->type != DDBGEN_TYPE_STRING))
            puts = deletes = false;
    }
    deletes &= any_delete;
    *puts_out = puts;
    *deletes_out = deletes;
}

/* An all-Put transaction: every entity written; again with the last one existing, cancelled
 * at that action with nothing written. */
static void tx_puts_body(emitter *E, const ddbgen_tx_pattern *tp, const int *param_of)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    const ddbgen_model *m = E->m;
    size_t n = tp->n_entities, last = n - 1;
    /* every entity new: written */
    ddbgen_buf_puts(c, "    rc = ");
    ddbgen_buf_printf(c, "repo->%s(repo", tp->c_name);
    for (size_t k = 0; k < tp->n_params; k++) {
        if (tp->params[k].type != DDBGEN_TYPE_ENTITY)
            tx_scalar_arg(c, m, tp, param_of, k, last, false);
        for (size_t i = 0; i < n; i++)
            if (param_of[i] == (int)k)
                ddbgen_buf_printf(c, ", &e%zu", i);
    }
    ddbgen_buf_puts(c, ", &err);\n    if (!ddb_conf_expect_rc(c, \"call\", rc, 0, &err))\n"
                       "        goto done;\n");
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(
            c,
            "    ddb_conf_remember(c, &%s__%s__desc, &e%zu);\n"
            "    rc = repo->%s__get(repo, &got%zu, &found, &e%zu, &err);\n"
            "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err) &&\n"
            "        ddb_conf_expect_found(c, \"get after the call (action %zu)\", found, "
            "true))\n"
            "        ddb_conf_same_entity(c, \"get after the call\", &%s__%s__desc, &e%zu, "
            "&got%zu, true);\n",
            ns, e->c_name, i, e->c_name, i, i, i, ns, e->c_name, i, i);
    }
    /* new entities, but the last action's exists: cancelled at the last action */
    ddbgen_buf_printf(c, "    rc = repo->%s(repo", tp->c_name);
    for (size_t k = 0; k < tp->n_params; k++) {
        if (tp->params[k].type != DDBGEN_TYPE_ENTITY)
            tx_scalar_arg(c, m, tp, param_of, k, last, true);
        for (size_t i = 0; i < n; i++)
            if (param_of[i] == (int)k)
                ddbgen_buf_printf(c, i == last ? ", &e%zu" : ", &new%zu", i);
    }
    ddbgen_buf_printf(
        c,
        ", &err);\n"
        "    ddb_conf_expect_cancelled(c, \"call with action %zu's entity existing\", rc, "
        "&err, %zu, %zu);\n",
        last, n, last);
    if (n > 1) {
        const ddbgen_entity *e0 = tx_entity(m, &tp->entities[0]);
        ddbgen_buf_printf(
            c,
            "    %s__%s__free(&got0);\n"
            "    rc = repo->%s__get(repo, &got0, &found, &new0, &err);\n"
            "    if (rc == 0 && found)\n"
            "        ddb_conf_remember(c, &%s__%s__desc, &new0);\n"
            "    if (ddb_conf_expect_rc(c, \"get after the cancelled call\", rc, 0, "
            "&err))\n"
            "        ddb_conf_expect_found(c, \"get after the cancelled call (action 0, "
            "all or nothing)\",\n                              found, false);\n",
            ns, e0->c_name, e0->c_name, ns, e0->c_name);
    }
}

/* A Delete/ConditionCheck transaction: cancelled at the missing last entity with nothing
 * deleted; then every Delete's entity is gone and every ConditionCheck's kept. */
static void tx_deletes_body(emitter *E, const ddbgen_tx_pattern *tp)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    const ddbgen_model *m = E->m;
    size_t n = tp->n_entities, last = n - 1;
    /* every entity but the last exists: cancelled at the last action, nothing deleted */
    for (size_t i = 0; i < last; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(c, "    if (!create_%s(c, &e%zu))\n        goto done;\n", e->c_name, i);
    }
    ddbgen_buf_printf(c, "    rc = repo->%s(repo", tp->c_name);
    for (size_t k = 0; k < tp->n_params; k++)
        ddbgen_buf_printf(c, ", p%zu", k);
    ddbgen_buf_printf(
        c,
        ", &err);\n"
        "    ddb_conf_expect_cancelled(c, \"call with action %zu's entity missing\", rc, "
        "&err, %zu, %zu);\n",
        last, n, last);
    if (n > 1) {
        const ddbgen_entity *e0 = tx_entity(m, &tp->entities[0]);
        ddbgen_buf_printf(
            c,
            "    rc = repo->%s__get(repo, &got0, &found, &e0, &err);\n"
            "    if (ddb_conf_expect_rc(c, \"get after the cancelled call\", rc, 0, "
            "&err))\n"
            "        ddb_conf_expect_found(c, \"get after the cancelled call (action 0, "
            "all or nothing)\",\n                              found, true);\n"
            "    %s__%s__free(&got0);\n",
            e0->c_name, ns, e0->c_name);
    }
    {
        const ddbgen_entity *el = tx_entity(m, &tp->entities[last]);
        ddbgen_buf_printf(c, "    if (!create_%s(c, &e%zu))\n        goto done;\n", el->c_name,
                          last);
    }
    ddbgen_buf_printf(c, "    rc = repo->%s(repo", tp->c_name);
    for (size_t k = 0; k < tp->n_params; k++)
        ddbgen_buf_printf(c, ", p%zu", k);
    ddbgen_buf_puts(c, ", &err);\n    ddb_conf_expect_rc(c, \"call\", rc, 0, &err);\n");
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(
            c,
            "    %s__%s__free(&got%zu);\n"
            "    rc = repo->%s__get(repo, &got%zu, &found, &e%zu, &err);\n"
            "    if (ddb_conf_expect_rc(c, \"get after the call\", rc, 0, &err))\n"
            "        ddb_conf_expect_found(c, \"get after the call (action %zu)\", found, "
            "%s);\n",
            ns, e->c_name, i, e->c_name, i, i, i,
            tp->entities[i].action == DDBGEN_ACT_DELETE ? "false" : "true");
    }
}

static void emit_tx_case(emitter *E, suite *s, const ddbgen_tx_pattern *tp)
{
    ddbgen_buf *c = &E->extra[E->n_extra - 1];
    const char *ns = E->ns;
    const ddbgen_model *m = E->m;
    size_t n = tp->n_entities;
    bool puts = false, deletes = false;
    int param_of[16];
    decl d;
    char fn[300];

    if (tp->operation == DDBGEN_TX_GET) {
        emit_tx_get_case(E, s, tp);
        return;
    }
    if (!tp->c_name || !find_member(s, tp->c_name, &d)) {
        add_gap(E, s, NULL, tp->name, NO_MEMBER);
        return;
    }
    if (n == 0 || n > 16 || d.n != tp->n_params + 2) {
        add_gap(E, s, NULL, tp->name, "the member's parameters are not the ones the suite expects");
        return;
    }
    tx_case_kind(E, tp, &d, param_of, &puts, &deletes);
    if (!puts && !deletes) {
        add_gap(E, s, NULL, tp->name,
                "only all-Put (entity parameters, or every field a parameter) and Delete or "
                "ConditionCheck (string key parameters) transactions are exercised yet");
        return;
    }
    snprintf(fn, sizeof fn, "case_model__%s", tp->c_name);
    add_case(E, s, NULL, tp->name,
             puts ? "the transaction writes every entity; again with only the last action's "
                    "entity existing: cancelled, that action identified, nothing written"
                  : "with the last action's entity missing: cancelled, that action identified, "
                    "nothing deleted; then every Delete's entity is deleted and every "
                    "ConditionCheck's kept");
    snprintf(s->cases[s->n_cases - 1].fn, sizeof s->cases[0].fn, "%s", fn);
    ddbgen_buf_printf(c, "\nstatic void %s(ddb_conf *c)\n{\n    %s__repo *repo = c->repo;\n", fn,
                      ns);
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(c, "    %s__%s e%zu = {0}, new%zu = {0}, got%zu = {0};\n", ns, e->c_name,
                          i, i, i);
    }
    if (deletes)
        for (size_t k = 0; k < tp->n_params; k++)
            ddbgen_buf_printf(c, "    char *p%zu = ddb_conf_key_text(c, 0, \"p%zu\");\n", k, k);
    ddbgen_buf_puts(
        c, "    ddb_error err = DDB_ERROR_INIT;\n    bool found = false;\n    int rc;\n\n");
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(c, "    make_%s(c, &e%zu, 0);\n    make_%s(c, &new%zu, 1);\n", e->c_name,
                          i, e->c_name, i);
        if (deletes)
            for (size_t k = 0; k < tp->n_params; k++) {
                const ddbgen_field *f = ddbgen_entity_find_field(e, tp->params[k].name);
                if (f && f->type == DDBGEN_TYPE_STRING)
                    ddbgen_buf_printf(c, "    free(e%zu.%s);\n    e%zu.%s = ddb_conf_text(p%zu);\n",
                                      i, f->c_name, i, f->c_name, k);
            }
    }
    if (puts)
        tx_puts_body(E, tp, param_of);
    else
        tx_deletes_body(E, tp);
    ddbgen_buf_puts(c, "done:\n");
    for (size_t i = 0; i < n; i++) {
        const ddbgen_entity *e = tx_entity(m, &tp->entities[i]);
        ddbgen_buf_printf(c,
                          "    %s__%s__free(&e%zu);\n    %s__%s__free(&new%zu);\n"
                          "    %s__%s__free(&got%zu);\n",
                          ns, e->c_name, i, ns, e->c_name, i, ns, e->c_name, i);
    }
    if (deletes)
        for (size_t k = 0; k < tp->n_params; k++)
            ddbgen_buf_printf(c, "    free(p%zu);\n", k);
    ddbgen_buf_puts(c, "    ddb_error_clear(&err);\n}\n");
}

/* ---- the files ------------------------------------------------------------------------------- */

static void emit_header(emitter *E, ddbgen_buf *h, const suite *s)
{
    const char *ns = E->ns;
    emit_file_banner(E, h, "_conformance.h");
    ddbgen_buf_puts(h, "#ifndef ");
    emit_upper(h, ns);
    ddbgen_buf_puts(h, "_CONFORMANCE_H\n#define ");
    emit_upper(h, ns);
    ddbgen_buf_printf(
        h,
        "_CONFORMANCE_H\n\n#include <stddef.h>\n\n#include \"ddb/testkit/conformance.h\"\n"
        "#include \"%s.h\"\n\n"
        "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
        "/*\n * The conformance suite of the repository interface: it takes any implementation "
        "of\n * struct %s__repo and checks what the interface promises. Each case writes its own "
        "entities\n * (key values start with the run id, so runs never collide and the suite can "
        "run against a\n * store that holds other data) and deletes them at its end. The cases "
        "are this model's; the\n * checks, the driver and the types below are the runtime's "
        "(ddb/testkit/conformance.h).\n"
        " *\n * Not thread-safe: run one case at a time on a repository.\n */\n\n",
        ns, ns);
    ddbgen_buf_printf(h,
                      "/* Options of the runs (ddb_conformance_options); NULL means defaults. */\n"
                      "typedef ddb_conformance_options %s__conformance_options;\n\n#define ",
                      ns);
    emit_upper(h, ns);
    ddbgen_buf_printf(h,
                      "__CONFORMANCE_OPTIONS_INIT DDB_CONFORMANCE_OPTIONS_INIT\n\n"
                      "/* What a run did (ddb_conformance_report). */\n"
                      "typedef ddb_conformance_report %s__conformance_report;\n\n"
                      "/* One case (ddb_conformance_case): run it alone with "
                      "%s__conformance_run_case. */\n"
                      "typedef ddb_conformance_case %s__conformance_case;\n\n#define ",
                      ns, ns, ns);
    emit_upper(h, ns);
    ddbgen_buf_printf(h,
                      "__CONFORMANCE_N_CASES %zu\nextern const %s__conformance_case "
                      "%s__conformance_cases[];\n\n"
                      "/* An access pattern the suite does not exercise, and why "
                      "(ddb_conformance_gap). */\n"
                      "typedef ddb_conformance_gap %s__conformance_gap;\n\n#define ",
                      s->n_cases, ns, ns, ns);
    emit_upper(h, ns);
    ddbgen_buf_printf(
        h,
        "__CONFORMANCE_N_GAPS %zu\n/* N_GAPS entries, then one of NULLs. A gap is a "
        "failure of the suite: the\n * gaps test fails while there is one. */\n"
        "extern const %s__conformance_gap %s__conformance_gaps[];\n\n"
        "/* The access patterns the repository has no member for (this header says why "
        "at each),\n * so there is nothing to exercise; then one entry of NULLs. */\n"
        "extern const %s__conformance_gap %s__conformance_not_generated[];\n\n"
        "/*\n * Runs every case against repo (borrowed). The counts are added to *out (may be "
        "NULL; start\n * it zeroed) and its first_failure is set by the first failure. Returns "
        "the number of failed\n * cases (0: all passed), or DDB_ERR_INVALID_ARG when repo is "
        "NULL or the options are not\n * usable.\n */\n"
        "int %s__conformance_run(%s__repo *repo,\n"
        "    const %s__conformance_options *o, %s__conformance_report *out);\n\n"
        "/* Runs the case named name, adding to *out likewise; returns 1 when it failed, 0 "
        "when it\n * passed, DDB_ERR_INVALID_ARG for an unknown name or unusable options. */\n"
        "int %s__conformance_run_case(%s__repo *repo, const char *name,\n"
        "    const %s__conformance_options *o, %s__conformance_report *out);\n\n"
        "#ifdef __cplusplus\n}\n#endif\n\n#endif\n",
        count_gaps(s, false), ns, ns, ns, ns, ns, ns, ns, ns, ns, ns, ns, ns);
}

/* text as adjacent C string literals of up to 80 characters, split after spaces and joined by
 * sep, so that the generated lines stay within 100 columns. */
static void emit_wrapped_string(ddbgen_buf *c, const char *text, const char *sep)
{
    char piece[96];
    size_t len = strlen(text), at = 0;
    do {
        size_t n = len - at;
        if (n > 80) {
            n = 80;
            while (n > 20 && text[at + n - 1] != ' ')
                n--;
        }
        snprintf(piece, sizeof piece, "%.*s", (int)n, text + at);
        if (at)
            ddbgen_buf_puts(c, sep);
        emit_c_string(c, piece);
        at += n;
    } while (at < len);
}

/* The tables of the suite and the thin wrappers over the runtime's driver. */
static void emit_driver(emitter *E, ddbgen_buf *c, const suite *s)
{
    const char *ns = E->ns;
    bool first = true;
    ddbgen_buf_printf(c, "\nconst %s__conformance_case %s__conformance_cases[] = {\n", ns, ns);
    for (size_t i = 0; i < s->n_cases; i++) {
        char name[512];
        snprintf(name, sizeof name, "%s.%s", s->cases[i].e ? s->cases[i].e->name : "model",
                 s->cases[i].pattern);
        ddbgen_buf_puts(c, "    {");
        emit_c_string(c, name);
        ddbgen_buf_puts(c, ", ");
        emit_c_string(c, s->cases[i].e ? s->cases[i].e->name : "");
        ddbgen_buf_puts(c, ", ");
        emit_c_string(c, s->cases[i].pattern);
        ddbgen_buf_puts(c, ",\n     ");
        emit_wrapped_string(c, s->cases[i].checks, "\n     ");
        ddbgen_buf_puts(c, "},\n");
    }
    ddbgen_buf_puts(c, "};\n\n/* The function of each case, in the same order. */\n"
                       "static void (*const case_fns[])(ddb_conf *c) = {\n");
    for (size_t i = 0; i < s->n_cases; i++)
        ddbgen_buf_printf(c, "    %s,\n", s->cases[i].fn);
    ddbgen_buf_puts(c, "};\n");
    for (int no_member = 0; no_member < 2; no_member++) {
        ddbgen_buf_printf(c, "\nconst %s__conformance_gap %s__conformance_%s[] = {\n", ns, ns,
                          no_member ? "not_generated" : "gaps");
        for (size_t i = 0; i < s->n_gaps; i++) {
            if (s->gaps[i].no_member != (no_member == 1))
                continue;
            ddbgen_buf_puts(c, "    {");
            emit_c_string(c, s->gaps[i].e ? s->gaps[i].e->name : "");
            ddbgen_buf_puts(c, ", ");
            emit_c_string(c, s->gaps[i].pattern);
            ddbgen_buf_puts(c, ", ");
            emit_c_string(c, s->gaps[i].reason);
            ddbgen_buf_puts(c, "},\n");
        }
        ddbgen_buf_puts(c, "    {NULL, NULL, NULL},\n};\n");
    }
    ddbgen_buf_printf(c,
                      "\n/* Deletes an entity a case wrote: the clean-up after each case. */\n"
                      "static void delete_entity(void *repo, const ddb_entity_desc *d, void *obj)\n"
                      "{\n    %s__repo *r = repo;\n",
                      ns);
    for (size_t t = 0; t < E->m->n_tables; t++)
        for (size_t i = 0; i < E->m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &E->m->tables[t].entities[i];
            ddbgen_buf_printf(c,
                              "    %sif (d == &%s__%s__desc)\n"
                              "        r->%s__delete(r, obj, NULL);\n",
                              first ? "" : "else ", ns, e->c_name, e->c_name);
            first = false;
        }
    ddbgen_buf_puts(c, "}\n\nstatic const ddb_conformance_suite suite = {\n"
                       "    ");
    ddbgen_buf_printf(c, "%s__conformance_cases, ", ns);
    emit_upper(c, ns);
    ddbgen_buf_printf(c,
                      "__CONFORMANCE_N_CASES, case_fns, delete_entity,\n};\n\n"
                      "int %s__conformance_run(%s__repo *repo,\n"
                      "    const %s__conformance_options *o, %s__conformance_report *out)\n{\n"
                      "    return ddb_conformance_run(&suite, repo, o, out);\n}\n\n"
                      "int %s__conformance_run_case(%s__repo *repo, const char *name,\n"
                      "    const %s__conformance_options *o, %s__conformance_report *out)\n{\n"
                      "    return ddb_conformance_run_case(&suite, repo, name, o, out);\n}\n",
                      ns, ns, ns, ns, ns, ns, ns, ns);
}

void emit_conformance(emitter *E)
{
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;
    char name[300];
    ddbgen_buf *h, *c;
    suite s = {0};

    snprintf(name, sizeof name, "%s_conformance.h", ns);
    h = emit_add_file(E, name);
    snprintf(name, sizeof name, "%s_conformance.c", ns);
    c = emit_add_file(E, name);
    if (!h || !c)
        return;

    emit_repo_pattern_members(E, collect_member, &s);
    emit_file_banner(E, c, "_conformance.c");
    ddbgen_buf_printf(c,
                      "#include <inttypes.h>\n#include <stdint.h>\n"
                      "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
                      "#include \"%s_conformance.h\"\n",
                      ns);
    /* the cases of one entity may write entities of another (mixed_data, transactions) */
    ddbgen_buf_puts(c, "\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            ddbgen_buf_printf(c,
                              "static void make_%s(ddb_conf *c, %s__%s *o, int i);\n"
                              "static bool create_%s(ddb_conf *c, %s__%s *o);\n",
                              e->c_name, ns, e->c_name, e->c_name, ns, e->c_name);
            if (has_references(e))
                ddbgen_buf_printf(c,
                                  "static void values_%s(ddb_conf *c, %s__%s *o, int i);\n"
                                  "static void refer_%s(ddb_conf *c, %s__%s *o, int i, const "
                                  "ddb_conf_chain *up);\n",
                                  e->c_name, ns, e->c_name, e->c_name, ns, e->c_name);
            if (is_referenced(E, e) && ddbgen_entity_find_field(e, ddbgen_entity_id_field(e)))
                ddbgen_buf_printf(c,
                                  "static bool dep_%s(ddb_conf *c, const ddb_conf_chain *up, "
                                  "ddb_conf_ref *out);\n",
                                  e->c_name);
        }

    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            ddbgen_buf_printf(c, "\n/* ==== %s ", e->name);
            for (size_t k = strlen(e->name); k < 88; k++)
                ddbgen_buf_putc(c, '=');
            ddbgen_buf_puts(c, " */\n");
            if (e->ext.n_unique) {
                size_t n = 0;
                ddbgen_buf_printf(c, "\nstatic const char *const unique_%s[] = {", e->c_name);
                for (size_t u = 0; u < e->ext.n_unique; u++)
                    for (size_t k = 0; k < e->ext.unique[u].n_fields; k++) {
                        ddbgen_buf_puts(c, n++ ? ", " : "");
                        emit_c_string(c, e->ext.unique[u].fields[k]);
                    }
                ddbgen_buf_puts(c, "};\n");
            }
            emit_maker(E, e);
            emit_changer(E, e);
            emit_crud_case(E, &s, e);
            emit_pattern_cases(E, &s, e);
        }
    emit_transact_case(E, &s);
    for (size_t t = 0; t < m->n_tx_patterns; t++)
        emit_tx_case(E, &s, &m->tx_patterns[t]);
    emit_driver(E, c, &s);
    emit_header(E, h, &s);
    free(s.cases);
    free(s.gaps);
    for (size_t i = 0; i < s.n_members; i++) {
        free(s.members[i].name);
        free(s.members[i].params);
    }
    free(s.members);
}
