/*
 * Model validation (see validate.h and docs/model-file.md for the rule list).
 *
 * The rules of the MCP format follow the MCP server's validator (awslabs/mcp,
 * src/dynamodb-mcp-server/awslabs/dynamodb_mcp_server/repo_generation_tool/core/):
 * schema_validator.py (uniqueness, parameters, consistent_read), gsi_validator.py (GSI names,
 * mappings, templates, multi-attribute keys, projections), range_query_validator.py (range
 * conditions and parameter counts), filter_expression_validator.py and cross_table_validator.py.
 * The rest are ddbkit's: what a C data access layer over DynamoDB needs to be generated and to
 * work (C names, key types, DynamoDB limits, operations and their parameters, extensions).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"

typedef struct vctx {
    const ddbgen_model *m;
    ddbgen_diags *d;
    ddbgen_arena *a; /* scratch: paths and hint texts */
    bool nomem;
} vctx;

#define ERR DDBGEN_SEV_ERROR
#define WARN DDBGEN_SEV_WARNING
#define N_OF(x) (sizeof(x) / sizeof((x)[0]))

/*
 * DynamoDB limits
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html)
 */
#define MAX_GSIS 20
#define MAX_PROJECTED_ATTRS 100
#define MAX_KEY_NAME_BYTES 255
#define MAX_TABLE_NAME 255
#define MIN_TABLE_NAME 3
#define MAX_PK_BYTES 2048
#define MAX_SK_BYTES 1024
#define MAX_TX_ITEMS 100
#define MAX_EXPRESSION_BYTES 4096

/* ---- small helpers --------------------------------------------------------------------------- */

#define NOMEANING WARN

static const char *P(vctx *v, const char *base, const char *key)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    const char *r = NULL;
    ddbgen_buf_puts(&b, base && strcmp(base, "$") != 0 ? base : "");
    ddbgen_path_append_key(&b, key);
    if (ddbgen_buf_str(&b))
        r = ddbgen_arena_strdup(v->a, ddbgen_buf_str(&b));
    ddbgen_buf_free(&b);
    if (!r)
        v->nomem = true;
    return r ? r : "$";
}

/* printf into the scratch arena (for hints). */
static const char *F(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *F(vctx *v, const char *fmt, ...)
{
    va_list ap;
    ddbgen_buf b = DDBGEN_BUF_INIT;
    const char *r = NULL;
    va_start(ap, fmt);
    ddbgen_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (ddbgen_buf_str(&b))
        r = ddbgen_arena_strdup(v->a, ddbgen_buf_str(&b));
    ddbgen_buf_free(&b);
    if (!r)
        v->nomem = true;
    return r ? r : "";
}

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* "a, b, c" from up to 12 names (then ", ..."). */
static const char *join_names(vctx *v, const char *const *names, size_t n)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    const char *r = NULL;
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        if (!names[i])
            continue;
        for (size_t j = 0; j < i; j++)
            if (streq(names[j], names[i]))
                dup = true;
        if (dup)
            continue;
        if (shown == 12) {
            ddbgen_buf_puts(&b, ", ...");
            break;
        }
        if (shown++)
            ddbgen_buf_puts(&b, ", ");
        ddbgen_buf_puts(&b, names[i]);
    }
    if (ddbgen_buf_str(&b))
        r = ddbgen_arena_strdup(v->a, ddbgen_buf_str(&b));
    ddbgen_buf_free(&b);
    return r ? r : "";
}

/* The field names of an entity, for hints (arena array). */
static const char **field_names(vctx *v, const ddbgen_entity *e, size_t *n)
{
    const char **names = ddbgen_arena_calloc(v->a, e->n_fields, sizeof(char *));
    *n = 0;
    if (!names) {
        v->nomem = true;
        return NULL;
    }
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].name)
            names[(*n)++] = e->fields[i].name;
    return names;
}

static const char *fields_hint(vctx *v, const ddbgen_entity *e, const char *word)
{
    size_t n;
    const char **names = field_names(v, e, &n);
    const char *guess = names ? ddbgen_suggest(word, names, n) : NULL;
    if (!names || n == 0)
        return "add the field to the entity's fields";
    if (guess)
        return F(v, "did you mean '%s'? available fields: %s", guess, join_names(v, names, n));
    return F(v, "use one of the available fields: %s", join_names(v, names, n));
}

/* "a string", "an integer", ... */
static const char *a_type(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
        return "a string";
    case DDBGEN_TYPE_INTEGER:
        return "an integer";
    case DDBGEN_TYPE_DECIMAL:
        return "a decimal";
    case DDBGEN_TYPE_BOOLEAN:
        return "a boolean";
    case DDBGEN_TYPE_ARRAY:
        return "an array";
    case DDBGEN_TYPE_OBJECT:
        return "an object";
    case DDBGEN_TYPE_UUID:
        return "a uuid";
    case DDBGEN_TYPE_ENTITY:
        return "an entity";
    default:
        return "of unknown type";
    }
}

static const char *key_type_name(ddbgen_key_type t)
{
    return t == DDBGEN_KEY_N ? "a number (N)" : "a string (S)";
}

static bool valid_dynamodb_name(const char *s)
{
    size_t n = strlen(s);
    if (n < MIN_TABLE_NAME || n > MAX_TABLE_NAME)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

/* The leading literal of a template ("ORDER#" for "ORDER#{id}"); the whole of a constant. */
static const char *leading_literal(const ddbgen_template *t)
{
    if (!t || !t->ok || t->n_parts == 0 || t->parts[0].is_field)
        return "";
    return t->parts[0].text;
}

/* Same literal text and placeholders in the same places (field names may differ). */
static bool same_shape(const ddbgen_template *a, const ddbgen_template *b)
{
    if (!a || !b || !a->ok || !b->ok || a->n_parts != b->n_parts)
        return false;
    for (size_t i = 0; i < a->n_parts; i++) {
        if (a->parts[i].is_field != b->parts[i].is_field)
            return false;
        if (!a->parts[i].is_field && strcmp(a->parts[i].text, b->parts[i].text) != 0)
            return false;
    }
    return true;
}

static bool key_same_shape(const ddbgen_key_template *a, const ddbgen_key_template *b)
{
    if (a->present != b->present)
        return false;
    if (!a->present)
        return true;
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!same_shape(&a->items[i], &b->items[i]))
            return false;
    return true;
}

/* ---- C names --------------------------------------------------------------------------------- */

typedef struct cname_entry {
    const char *c_name;
    const char *name;
    const char *path;
    const char *what;
} cname_entry;

typedef struct cname_scope {
    cname_entry *items;
    size_t n, cap;
} cname_scope;

static void scope_free(cname_scope *s)
{
    free(s->items);
    s->items = NULL;
    s->n = s->cap = 0;
}

/* The JSON path of the object whose name is at path (where its x-ddbkit goes). */
static const char *node_path(vctx *v, const char *path)
{
    static const char *const suffixes[] = {".table_config.table_name", ".name"};
    size_t n = strlen(path);
    for (size_t i = 0; i < N_OF(suffixes); i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(path + n - k, suffixes[i]) == 0)
            return F(v, "%.*s", (int)(n - k), path);
    }
    return path;
}

/*
 * Adds a name to a scope: reports a name that does not map to a C identifier, and one whose C name
 * another name of the scope already has.
 */
static void scope_add(vctx *v, cname_scope *s, const char *c_name, const char *name,
                      const char *path, const char *what)
{
    const char *problem;
    if (!name || !c_name)
        return;
    problem = ddbgen_c_name_problem(c_name);
    if (problem) {
        ddbgen_diag_add(v->d, ERR, path,
                        "rename it, or give it a C name with \"x-ddbkit\": {\"c_name\": \"...\"}",
                        "%s name '%s' %s", what, name, problem);
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->items[i].c_name, c_name) != 0)
            continue;
        if (strcmp(s->items[i].name, name) == 0 && strcmp(s->items[i].what, what) == 0)
            return; /* the same name twice: a duplicate, reported by its own rule */
        if (!s->items[i].path) {
            ddbgen_diag_add(v->d, ERR, path,
                            "rename it, or set \"x-ddbkit\": {\"c_name\": \"...\"}",
                            "%s '%s' maps to the C name '%s', which the generated %s operation "
                            "of every entity uses",
                            what, name, c_name, c_name);
            return;
        }
        ddbgen_diag_add(v->d, ERR, path,
                        F(v,
                          "rename one of them, or give this one another C name: "
                          "\"x-ddbkit\": {\"c_name\": \"%s_2\"} in %s",
                          c_name, node_path(v, path)),
                        "%s '%s' and %s '%s' (%s) both map to the C name '%s'", what, name,
                        s->items[i].what, s->items[i].name, s->items[i].path, c_name);
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        cname_entry *items = realloc(s->items, cap * sizeof(*items));
        if (!items) {
            v->nomem = true;
            return;
        }
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n++] = (cname_entry){c_name, name, path, what};
}

/* ---- parameters (shared by access patterns and cross-table patterns) ------------------------- */

static bool json_default_fits(const char *json, ddbgen_type t)
{
    char c = '\0';
    if (json)
        c = json[0];
    switch (t) {
    case DDBGEN_TYPE_STRING:
    case DDBGEN_TYPE_UUID:
        return c == '"';
    case DDBGEN_TYPE_INTEGER:
        return (c == '-' || (c >= '0' && c <= '9')) && !strpbrk(json, ".eE");
    case DDBGEN_TYPE_DECIMAL:
        return c == '-' || (c >= '0' && c <= '9');
    case DDBGEN_TYPE_BOOLEAN:
        return streq(json, "true") || streq(json, "false");
    case DDBGEN_TYPE_ARRAY:
        return c == '[';
    case DDBGEN_TYPE_OBJECT:
        return c == '{';
    default:
        return true;
    }
}

static void check_params(vctx *v, const ddbgen_param *params, size_t n)
{
    cname_scope scope = {0};
    const char **entity_names = NULL;
    size_t n_entities = 0;

    for (size_t i = 0; i < v->m->n_tables; i++)
        n_entities += v->m->tables[i].n_entities;
    entity_names = ddbgen_arena_calloc(v->a, n_entities, sizeof(char *));
    if (!entity_names) {
        v->nomem = true;
        return;
    }
    n_entities = 0;
    for (size_t i = 0; i < v->m->n_tables; i++)
        for (size_t j = 0; j < v->m->tables[i].n_entities; j++)
            entity_names[n_entities++] = v->m->tables[i].entities[j].name;

    for (size_t i = 0; i < n; i++) {
        const ddbgen_param *p = &params[i];
        if (!p->name)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (streq(params[j].name, p->name)) {
                ddbgen_diag_add(v->d, ERR, P(v, p->path, "name"),
                                "parameter names must be unique within an access pattern",
                                "duplicate parameter name '%s'", p->name);
                break;
            }
        }
        scope_add(v, &scope, p->c_name, p->name, P(v, p->path, "name"), "parameter");
        if (p->type == DDBGEN_TYPE_ENTITY && p->entity_type &&
            !ddbgen_model_find_entity(v->m, p->entity_type)) {
            const char *guess = ddbgen_suggest(p->entity_type, entity_names, n_entities);
            ddbgen_diag_add(v->d, ERR, P(v, p->path, "entity_type"),
                            guess ? F(v, "did you mean '%s'? use one of: %s", guess,
                                      join_names(v, entity_names, n_entities))
                                  : F(v, "use one of: %s", join_names(v, entity_names, n_entities)),
                            "unknown entity type '%s'", p->entity_type);
        }
        if (p->default_json && p->type != DDBGEN_TYPE_UNKNOWN && p->type != DDBGEN_TYPE_ENTITY &&
            !json_default_fits(p->default_json, p->type))
            ddbgen_diag_add(
                v->d, ERR, P(v, p->path, "default"),
                F(v, "give a default of type %s, or remove it", ddbgen_type_name(p->type)),
                "default %s does not fit parameter type %s", p->default_json,
                ddbgen_type_name(p->type));
    }
    scope_free(&scope);
}

/* ---- templates ------------------------------------------------------------------------------- */

/* A format spec we can generate: "d", "Nd" or "0Nd" (N: 1-2 digits). */
static bool valid_format(const char *f)
{
    const char *p = f;
    if (*p == '0')
        p++;
    for (int i = 0; i < 2 && *p >= '0' && *p <= '9'; i++)
        p++;
    return p[0] == 'd' && p[1] == '\0';
}

/*
 * Checks the placeholders of a key template against the entity's fields. `main_key`: the table's
 * own key (optional fields there are warned about). Returns true when all placeholders are fields.
 */
static bool check_template_fields(vctx *v, const ddbgen_entity *e, const ddbgen_template *t,
                                  const char *what, bool main_key)
{
    bool ok = true;
    size_t literal = 0;
    if (!t->ok)
        return false;
    for (size_t i = 0; i < t->n_parts; i++) {
        const ddbgen_template_part *part = &t->parts[i];
        const ddbgen_field *f;
        if (!part->is_field) {
            literal += strlen(part->text);
            continue;
        }
        f = ddbgen_entity_find_field(e, part->text);
        if (!f) {
            ddbgen_diag_add(v->d, ERR, t->path, fields_hint(v, e, part->text),
                            "template parameter '%s' not found in entity fields", part->text);
            ok = false;
            continue;
        }
        if (f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT) {
            ddbgen_diag_add(v->d, ERR, t->path,
                            "use a string, integer, decimal, uuid or boolean field in a key",
                            "%s uses field '%s', which is %s and cannot be part of a key", what,
                            part->text, a_type(f->type));
            ok = false;
        }
        if (part->format && (!valid_format(part->format) || f->type != DDBGEN_TYPE_INTEGER)) {
            ddbgen_diag_add(v->d, ERR, t->path,
                            "use {field}, or {field:0Nd} (zero-padded to N digits) with an "
                            "integer field",
                            "%s formats field '%s' with ':%s', which is not supported%s", what,
                            part->text, part->format,
                            f->type != DDBGEN_TYPE_INTEGER ? " for a non-integer field" : "");
            ok = false;
        }
        if (main_key && f->type != DDBGEN_TYPE_UNKNOWN && !f->required)
            ddbgen_diag_add(v->d, WARN, t->path, F(v, "make field '%s' required", part->text),
                            "field '%s' is optional (required: false) but part of the primary key; "
                            "an item without it cannot be written",
                            part->text);
    }
    if (main_key && literal > (streq(what, "pk_template") ? MAX_PK_BYTES : MAX_SK_BYTES))
        ddbgen_diag_add(v->d, ERR, t->path, "shorten the literal text of the template",
                        "the literal text of %s is %zu bytes, over DynamoDB's %d-byte limit for a "
                        "%s key value",
                        what, literal, streq(what, "pk_template") ? MAX_PK_BYTES : MAX_SK_BYTES,
                        streq(what, "pk_template") ? "partition" : "sort");
    return ok;
}

/* Warns when a partition key template spreads items over very few partitions. */
static void check_hot_partition(vctx *v, const ddbgen_entity *e, const ddbgen_template *t,
                                const char *where)
{
    const char *field;
    if (!t || !t->ok)
        return;
    if (ddbgen_template_is_constant(t)) {
        ddbgen_diag_add(v->d, WARN, t->path,
                        "add a high-cardinality field to the template, unless the entity has only "
                        "a few items",
                        "hot partition risk: every item of entity '%s' gets the same %s value "
                        "'%s', so all of them share one partition (about 1,000 writes and 3,000 "
                        "reads per second)",
                        e->name ? e->name : "?", where, t->raw);
        return;
    }
    if (ddbgen_template_single_field(t, &field) || t->n_parts >= 1) {
        size_t n_fields = 0;
        const ddbgen_field *only = NULL;
        for (size_t i = 0; i < t->n_parts; i++) {
            if (t->parts[i].is_field) {
                n_fields++;
                only = ddbgen_entity_find_field(e, t->parts[i].text);
            }
        }
        if (n_fields == 1 && only && only->type == DDBGEN_TYPE_BOOLEAN)
            ddbgen_diag_add(v->d, WARN, t->path,
                            "combine the boolean with a high-cardinality field, or use a sparse "
                            "index that holds only the true items",
                            "hot partition risk: %s '%s' depends only on the boolean field '%s', "
                            "so entity '%s' has at most two partitions",
                            where, t->raw, only->name, e->name ? e->name : "?");
    }
}

/* ---- GSI mappings ---------------------------------------------------------------------------- */

static const char *names_as_list(vctx *v, const char *const *names, size_t n)
{
    return F(v, "[%s]", join_names(v, names, n));
}

static bool check_key_shape(vctx *v, const ddbgen_gsi *g, const ddbgen_key_template *k, bool is_pk,
                            const char *mapping_path)
{
    const char *key_name = is_pk ? "partition_key" : "sort_key";
    const char *tmpl_name = is_pk ? "pk_template" : "sk_template";
    bool key_array = is_pk ? g->pk_is_array : g->sk_is_array;
    size_t key_n = is_pk ? g->n_pk : g->n_sk;
    const char *const *names = is_pk ? g->pk : g->sk;

    if (key_array != k->is_array) {
        ddbgen_diag_add(v->d, ERR, P(v, mapping_path, tmpl_name),
                        F(v, "%s must be %s to match the %s definition", tmpl_name,
                          key_array ? "an array" : "a string", key_name),
                        "%s type (%s) does not match %s type (%s) in GSI '%s'", tmpl_name,
                        k->is_array ? "array" : "string", key_name, key_array ? "array" : "string",
                        g->name);
        return false;
    }
    if (key_array && k->n != key_n) {
        ddbgen_diag_add(v->d, ERR, P(v, mapping_path, tmpl_name),
                        F(v, "%s must have %zu template(s) to match %s: %s", tmpl_name, key_n,
                          key_name, names_as_list(v, names, key_n)),
                        "%s array length (%zu) does not match %s array length (%zu) in GSI '%s'",
                        tmpl_name, k->n, key_name, key_n, g->name);
        return false;
    }
    return true;
}

static void check_gsi_mappings(vctx *v, const ddbgen_table *t, const ddbgen_entity *e)
{
    const char **gsi_names = ddbgen_arena_calloc(v->a, t->n_gsis, sizeof(char *));
    if (!gsi_names) {
        v->nomem = true;
        return;
    }
    for (size_t i = 0; i < t->n_gsis; i++)
        gsi_names[i] = t->gsis[i].name;

    for (size_t i = 0; i < e->n_gsi_mappings; i++) {
        const ddbgen_gsi_mapping *mp = &e->gsi_mappings[i];
        const ddbgen_gsi *g;
        if (!mp->name)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (streq(e->gsi_mappings[j].name, mp->name)) {
                ddbgen_diag_add(v->d, ERR, P(v, mp->path, "name"), "keep one mapping per GSI",
                                "entity '%s' maps GSI '%s' more than once (also %s)", e->name,
                                mp->name, e->gsi_mappings[j].path);
                break;
            }
        }
        g = ddbgen_table_find_gsi(t, mp->name);
        if (!g) {
            ddbgen_diag_add(v->d, ERR, P(v, mp->path, "name"),
                            t->n_gsis ? F(v, "use one of the available GSI names: %s",
                                          join_names(v, gsi_names, t->n_gsis))
                                      : "define the GSI in the table's gsi_list before referencing "
                                        "it in entity mappings",
                            "GSI '%s' referenced in entity mapping but not found in table gsi_list",
                            mp->name);
        }
        /* Templates: syntax was checked by the loader; placeholders must be fields. */
        for (size_t k = 0; k < mp->pk.n; k++)
            check_template_fields(v, e, &mp->pk.items[k], "pk_template", false);
        for (size_t k = 0; k < mp->sk.n; k++)
            check_template_fields(v, e, &mp->sk.items[k], "sk_template", false);
        if (!g || !g->keys_ok)
            continue;
        if (mp->pk.present)
            check_key_shape(v, g, &mp->pk, true, mp->path);
        if (g->n_sk > 0 && mp->sk.present)
            check_key_shape(v, g, &mp->sk, false, mp->path);
        if (g->n_sk > 0 && !mp->sk.present)
            ddbgen_diag_add(
                v->d, ERR, P(v, mp->path, "sk_template"),
                F(v, "add an sk_template that fills %s", names_as_list(v, g->sk, g->n_sk)),
                "GSI '%s' has a sort key, so this mapping needs an sk_template; without "
                "it no item of entity '%s' appears in the index",
                g->name, e->name);
        if (g->n_sk == 0 && mp->sk.present)
            ddbgen_diag_add(v->d, WARN, P(v, mp->path, "sk_template"),
                            "remove sk_template from the mapping, or add a sort_key to the GSI",
                            "GSI '%s' has no sort key, so this sk_template is ignored", g->name);
        for (size_t k = 0; k < mp->pk.n && !mp->pk.is_array; k++)
            check_hot_partition(v, e, &mp->pk.items[k], F(v, "GSI '%s' partition key", g->name));
        if (mp->pk.is_array) {
            bool constant = mp->pk.n > 0;
            for (size_t k = 0; k < mp->pk.n; k++)
                if (!ddbgen_template_is_constant(&mp->pk.items[k]))
                    constant = false;
            if (constant)
                check_hot_partition(v, e, &mp->pk.items[0],
                                    F(v, "GSI '%s' partition key", g->name));
        }
    }
}

/* ---- key attributes -------------------------------------------------------------------------- */

/* A value an entity puts in an attribute: a key template, or a field's own value. */
typedef struct attr_source {
    const char *attribute;
    const char *text; /* the template text ("{f}" for a field) */
    const char *path; /* where it is defined */
    const char *what; /* "pk_template", "field", ... */
    bool is_key;
    ddbgen_key_type type;   /* for keys */
    ddbgen_type field_type; /* for fields */
} attr_source;

typedef struct attr_list {
    attr_source *items;
    size_t n, cap;
} attr_list;

static void attr_add(vctx *v, attr_list *l, attr_source s)
{
    if (!s.attribute)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        attr_source *items = realloc(l->items, cap * sizeof(*items));
        if (!items) {
            v->nomem = true;
            return;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = s;
}

/* The key attributes an entity fills, from its templates. */
static void entity_key_sources(vctx *v, const ddbgen_table *t, const ddbgen_entity *e,
                               attr_list *out)
{
    if (t->partition_key && e->pk.present && e->pk.n == 1 && !e->pk.is_array && e->pk.items[0].ok)
        attr_add(v, out,
                 (attr_source){t->partition_key, e->pk.items[0].raw, e->pk.items[0].path,
                               "pk_template", true, ddbgen_template_key_type(e, &e->pk.items[0]),
                               DDBGEN_TYPE_UNKNOWN});
    if (t->sort_key && e->sk.present && e->sk.n == 1 && !e->sk.is_array && e->sk.items[0].ok)
        attr_add(v, out,
                 (attr_source){t->sort_key, e->sk.items[0].raw, e->sk.items[0].path, "sk_template",
                               true, ddbgen_template_key_type(e, &e->sk.items[0]),
                               DDBGEN_TYPE_UNKNOWN});
    for (size_t i = 0; i < e->n_gsi_mappings; i++) {
        const ddbgen_gsi_mapping *mp = &e->gsi_mappings[i];
        const ddbgen_gsi *g = ddbgen_table_find_gsi(t, mp->name);
        if (!g || !g->keys_ok)
            continue;
        if (mp->pk.present && mp->pk.n == g->n_pk && mp->pk.is_array == g->pk_is_array)
            for (size_t k = 0; k < g->n_pk; k++)
                if (mp->pk.items[k].ok)
                    attr_add(v, out,
                             (attr_source){g->pk[k], mp->pk.items[k].raw, mp->pk.items[k].path,
                                           "gsi_mappings pk_template", true,
                                           ddbgen_template_key_type(e, &mp->pk.items[k]),
                                           DDBGEN_TYPE_UNKNOWN});
        if (g->n_sk && mp->sk.present && mp->sk.n == g->n_sk && mp->sk.is_array == g->sk_is_array)
            for (size_t k = 0; k < g->n_sk; k++)
                if (mp->sk.items[k].ok)
                    attr_add(v, out,
                             (attr_source){g->sk[k], mp->sk.items[k].raw, mp->sk.items[k].path,
                                           "gsi_mappings sk_template", true,
                                           ddbgen_template_key_type(e, &mp->sk.items[k]),
                                           DDBGEN_TYPE_UNKNOWN});
    }
}

/* The DynamoDB type a field's value has, as a key type; false for types a key cannot have. */
static bool field_key_type(ddbgen_type t, ddbgen_key_type *out)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
    case DDBGEN_TYPE_UUID:
        *out = DDBGEN_KEY_S;
        return true;
    case DDBGEN_TYPE_INTEGER:
    case DDBGEN_TYPE_DECIMAL:
        *out = DDBGEN_KEY_N;
        return true;
    default:
        return false;
    }
}

/* Every key attribute name of a table (its own and its GSIs'). */
static bool is_key_attribute(const ddbgen_table *t, const char *name)
{
    if (streq(t->partition_key, name) || streq(t->sort_key, name))
        return true;
    for (size_t i = 0; i < t->n_gsis; i++) {
        for (size_t k = 0; k < t->gsis[i].n_pk; k++)
            if (streq(t->gsis[i].pk[k], name))
                return true;
        for (size_t k = 0; k < t->gsis[i].n_sk; k++)
            if (streq(t->gsis[i].sk[k], name))
                return true;
    }
    return false;
}

/*
 * Within one entity: an attribute gets one value. A key attribute named like a field must be
 * filled with exactly "{field}"; two keys sharing an attribute must use the same template.
 */
static void check_entity_attributes(vctx *v, const ddbgen_table *t, const ddbgen_entity *e)
{
    attr_list keys = {0};
    entity_key_sources(v, t, e, &keys);
    for (size_t i = 0; i < keys.n; i++) {
        const attr_source *k = &keys.items[i];
        const ddbgen_field *f = ddbgen_entity_find_field(e, k->attribute);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(keys.items[j].attribute, k->attribute) == 0 &&
                strcmp(keys.items[j].text, k->text) != 0) {
                ddbgen_diag_add(v->d, ERR, k->path,
                                "use the same template for both, or give the keys different "
                                "attribute names",
                                "key attribute '%s' gets two different values: '%s' here and '%s' "
                                "from %s (%s)",
                                k->attribute, k->text, keys.items[j].text, keys.items[j].what,
                                keys.items[j].path);
                break;
            }
        }
        if (f) {
            /* The attribute must hold exactly the field's value. */
            char *want = malloc(strlen(f->name) + 3);
            if (!want) {
                v->nomem = true;
                break;
            }
            /* Another template makes the field derived: the template writes it and reads
             * give it back (ddbgen_field_is_derived); it cannot feed its own template. */
            sprintf(want, "{%s}", f->name);
            if (strcmp(k->text, want) != 0 && strstr(k->text, want))
                ddbgen_diag_add(v->d, ERR, k->path,
                                F(v,
                                  "rename the key attribute (for example '%s_key') or use the "
                                  "template '{%s}'",
                                  k->attribute, f->name),
                                "key attribute '%s' is also the name of field '%s', which its %s "
                                "'%s' uses: the field would have two values",
                                k->attribute, f->name, k->what, k->text);
            else if (strcmp(k->text, want) != 0 && f->type != DDBGEN_TYPE_UNKNOWN &&
                     (k->type == DDBGEN_KEY_S ? f->type != DDBGEN_TYPE_STRING
                                              : !ddbgen_type_is_numeric(f->type)))
                ddbgen_diag_add(v->d, ERR, P(v, f->path, "type"),
                                F(v, "make field '%s' %s", f->name,
                                  k->type == DDBGEN_KEY_S ? "a string" : "an integer or decimal"),
                                "field '%s' holds the value of key attribute '%s' (%s '%s'), "
                                "which is %s, but the field is %s",
                                f->name, k->attribute, k->what, k->text, key_type_name(k->type),
                                a_type(f->type));
            free(want);
        }
    }
    free(keys.items);
}

/*
 * Within one table: every item that has a key attribute (of the table or of a GSI) must give it
 * the same DynamoDB type, whether it comes from a template or from a field of that name.
 */
static void check_table_key_types(vctx *v, const ddbgen_table *t)
{
    attr_list all = {0};
    for (size_t i = 0; i < t->n_entities; i++) {
        const ddbgen_entity *e = &t->entities[i];
        size_t first = all.n;
        entity_key_sources(v, t, e, &all);
        for (size_t j = 0; j < e->n_fields; j++) {
            const ddbgen_field *f = &e->fields[j];
            bool templated = false;
            ddbgen_key_type kt;
            if (!f->name || !is_key_attribute(t, f->name))
                continue;
            for (size_t k = first; k < all.n; k++)
                if (strcmp(all.items[k].attribute, f->name) == 0)
                    templated = true;
            if (templated)
                continue; /* the template fills it; check_entity_attributes covers clashes */
            if (!field_key_type(f->type, &kt)) {
                if (f->type != DDBGEN_TYPE_UNKNOWN)
                    ddbgen_diag_add(v->d, ERR, P(v, f->path, "type"),
                                    "rename the field, or make it a string or a number",
                                    "field '%s' has the name of a key attribute of table '%s', "
                                    "but a key attribute cannot be %s",
                                    f->name, t->name ? t->name : "?", a_type(f->type));
                continue;
            }
            attr_add(v, &all,
                     (attr_source){f->name, F(v, "{%s}", f->name), P(v, f->path, "type"), "field",
                                   false, kt, f->type});
        }
    }
    for (size_t i = 0; i < all.n; i++) {
        for (size_t j = 0; j < i; j++) {
            const attr_source *a = &all.items[j], *b = &all.items[i];
            if (strcmp(a->attribute, b->attribute) != 0 || a->type == b->type)
                continue;
            ddbgen_diag_add(v->d, ERR, b->path,
                            b->type == DDBGEN_KEY_N
                                ? "make both produce the same type: a template with literal text "
                                  "(such as 'SCORE#{score}') always produces a string"
                                : "make both produce the same type: a template that is exactly "
                                  "'{field}' with a numeric field produces a number",
                            "key attribute '%s' of table '%s' is %s here (%s '%s') but %s at %s "
                            "('%s'); all items must give a key attribute the same type",
                            b->attribute, t->name ? t->name : "?", key_type_name(b->type), b->what,
                            b->text, key_type_name(a->type), a->path, a->text);
            break;
        }
    }
    free(all.items);
}

/* ---- access patterns ------------------------------------------------------------------------- */

static bool return_fits(ddbgen_operation op, ddbgen_return_type rt, const char **allowed)
{
    static const struct {
        ddbgen_operation op;
        unsigned mask;
        const char *names;
    } table[] = {
#define B(x) (1u << (x))
        {DDBGEN_OP_GET_ITEM, B(DDBGEN_RT_SINGLE_ENTITY) | B(DDBGEN_RT_SUCCESS_FLAG),
         "single_entity, success_flag"},
        {DDBGEN_OP_PUT_ITEM,
         B(DDBGEN_RT_SINGLE_ENTITY) | B(DDBGEN_RT_SUCCESS_FLAG) | B(DDBGEN_RT_VOID),
         "single_entity, success_flag, void"},
        {DDBGEN_OP_DELETE_ITEM,
         B(DDBGEN_RT_SUCCESS_FLAG) | B(DDBGEN_RT_VOID) | B(DDBGEN_RT_SINGLE_ENTITY),
         "success_flag, void, single_entity"},
        {DDBGEN_OP_UPDATE_ITEM,
         B(DDBGEN_RT_SINGLE_ENTITY) | B(DDBGEN_RT_SUCCESS_FLAG) | B(DDBGEN_RT_VOID),
         "single_entity, success_flag, void"},
        {DDBGEN_OP_QUERY,
         B(DDBGEN_RT_ENTITY_LIST) | B(DDBGEN_RT_MIXED_DATA) | B(DDBGEN_RT_SINGLE_ENTITY) |
             B(DDBGEN_RT_SUCCESS_FLAG),
         "entity_list, mixed_data, single_entity, success_flag"},
        {DDBGEN_OP_SCAN,
         B(DDBGEN_RT_ENTITY_LIST) | B(DDBGEN_RT_MIXED_DATA) | B(DDBGEN_RT_SINGLE_ENTITY) |
             B(DDBGEN_RT_SUCCESS_FLAG),
         "entity_list, mixed_data, single_entity, success_flag"},
        {DDBGEN_OP_BATCH_GET_ITEM, B(DDBGEN_RT_ENTITY_LIST) | B(DDBGEN_RT_MIXED_DATA),
         "entity_list, mixed_data"},
        {DDBGEN_OP_BATCH_WRITE_ITEM, B(DDBGEN_RT_SUCCESS_FLAG) | B(DDBGEN_RT_VOID),
         "success_flag, void"},
#undef B
    };
    for (size_t i = 0; i < N_OF(table); i++) {
        if (table[i].op != op)
            continue;
        *allowed = table[i].names;
        return (table[i].mask >> rt) & 1u;
    }
    return true;
}

static const char *param_example(vctx *v, const ddbgen_entity *e, const char *field)
{
    const ddbgen_field *f = ddbgen_entity_find_field(e, field);
    return F(v, "{\"name\": \"%s\", \"type\": \"%s\"}", field,
             f && f->type != DDBGEN_TYPE_UNKNOWN ? ddbgen_type_name(f->type) : "string");
}

/*
 * The MCP format's parameter-count rule for range conditions (range_query_validator.py). Returns
 * false when the count is wrong (the binding of the parameters is then a guess).
 */
static bool check_range_count(vctx *v, const ddbgen_entity *e, const ddbgen_access_pattern *ap,
                              const ddbgen_plan *pl)
{
    size_t pk_count = 0, sk_count = 0, range_n, count = 0, min, max;
    bool on_gsi = ap->index_name != NULL;
    bool excluded = false, ok;

    if (ap->range == DDBGEN_RANGE_NONE || ap->range == DDBGEN_RANGE_UNKNOWN)
        return true;
    if (ap->n_params == 0) {
        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "parameters"),
                        "add parameters for the partition key and the range value(s)",
                        "access patterns with range_condition must have parameters");
        return false;
    }
    if (on_gsi && (!pl->gsi || !pl->gsi->keys_ok))
        return true; /* the index is reported elsewhere */
    /* Partition key values: the distinct placeholders of the partition key (at least 1). */
    for (size_t i = 0; i < pl->n_pk; i++) {
        for (size_t j = 0; j < pl->pk[i].n_bindings; j++) {
            const char *f = pl->bindings[pl->pk[i].first_binding + j].field;
            bool seen = false;
            for (size_t k = 0; k < pl->pk[i].first_binding + j; k++)
                if (strcmp(pl->bindings[k].field, f) == 0)
                    seen = true;
            pk_count += !seen;
        }
    }
    if (on_gsi && pl->gsi->n_pk > pk_count)
        pk_count = pl->gsi->n_pk;
    if (pk_count == 0)
        pk_count = 1;
    if (on_gsi)
        sk_count = pl->gsi->n_sk;
    range_n = ap->range == DDBGEN_RANGE_BETWEEN ? 2 : 1;
    for (size_t i = 0; i < ap->n_params; i++) {
        if (pl->roles[i] == DDBGEN_ROLE_FILTER)
            excluded = true;
        else
            count++;
    }
    min = pk_count + range_n;
    max = pk_count + (sk_count > 1 ? sk_count - 1 : 0) + range_n;
    ok = !(count < min || (!on_gsi && count > min) || (on_gsi && sk_count > 0 && count > max));
    if (count < min)
        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "parameters"),
                        F(v,
                          "provide at least %zu parameters: the partition key value(s), then "
                          "the range value(s)",
                          min),
                        "range condition '%s' requires at least %zu parameters (%zu PK + %zu "
                        "range value(s))%s, got %zu",
                        ap->range_raw, min, pk_count, range_n,
                        excluded ? " (excluding filter_expression parameters)" : "", count);
    else if (!on_gsi && count > min)
        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "parameters"),
                        F(v, "provide exactly %zu parameters for a main table range query", min),
                        "range condition '%s' requires exactly %zu parameters (%zu PK + %zu range "
                        "value(s))%s, got %zu",
                        ap->range_raw, min, pk_count, range_n,
                        excluded ? " (excluding filter_expression parameters)" : "", count);
    else if (on_gsi && sk_count > 0 && count > max)
        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "parameters"),
                        F(v,
                          "provide at most %zu parameters; sort key attributes are queried "
                          "left to right",
                          max),
                        "range condition '%s' allows at most %zu parameters (%zu PK + %zu SK "
                        "equality + %zu range value(s))%s, got %zu",
                        ap->range_raw, max, pk_count, sk_count > 1 ? sk_count - 1 : 0, range_n,
                        excluded ? " (excluding filter_expression parameters)" : "", count);
    (void)e;
    return ok;
}

static void check_filter(vctx *v, const ddbgen_entity *e, const ddbgen_access_pattern *ap,
                         const ddbgen_plan *pl)
{
    const ddbgen_filter *f = ap->filter;
    if (!f)
        return;
    if (ap->operation != DDBGEN_OP_QUERY && ap->operation != DDBGEN_OP_SCAN) {
        if (ap->operation != DDBGEN_OP_UNKNOWN)
            ddbgen_diag_add(v->d, ERR, f->path,
                            "change operation to one of: Query, Scan, or remove filter_expression",
                            "filter expressions are only valid for Query and Scan operations, got "
                            "'%s'",
                            ap->operation_raw);
        return;
    }
    for (size_t i = 0; i < f->n_conditions; i++) {
        const ddbgen_filter_condition *c = &f->conditions[i];
        const ddbgen_field *fld;
        bool is_key = false;
        const char *refs[2];
        if (!c->field)
            continue;
        fld = ddbgen_entity_find_field(e, c->field);
        if (!fld) {
            ddbgen_diag_add(v->d, ERR, P(v, c->path, "field"), fields_hint(v, e, c->field),
                            "field '%s' not found in entity fields", c->field);
            continue;
        }
        /* The MCP rule: no field of the table's pk_template/sk_template in a Query's filter. */
        for (size_t k = 0; k < 2; k++) {
            const ddbgen_key_template *kt = k == 0 ? &e->pk : &e->sk;
            for (size_t t = 0; t < kt->n; t++)
                for (size_t j = 0; kt->items[t].ok && j < kt->items[t].n_parts; j++)
                    if (kt->items[t].parts[j].is_field &&
                        streq(kt->items[t].parts[j].text, c->field))
                        is_key = true;
        }
        /* ... and, on an index, none of the index's own key attributes either. */
        for (size_t s = 0; pl->gsi && s < pl->n_pk + pl->n_sk; s++) {
            const ddbgen_key_slot *slot = s < pl->n_pk ? &pl->pk[s] : &pl->sk[s - pl->n_pk];
            for (size_t j = 0; j < slot->n_bindings; j++)
                if (streq(pl->bindings[slot->first_binding + j].field, c->field))
                    is_key = true;
        }
        if (is_key && ap->operation == DDBGEN_OP_QUERY) {
            ddbgen_diag_add(v->d, ERR, P(v, c->path, "field"),
                            "for Query, key attributes belong in the key condition "
                            "(pk_template, sk_template, range_condition), not in "
                            "filter_expression; for Scan, filtering on them is allowed",
                            "cannot filter on key attribute '%s' in a Query operation", c->field);
            continue;
        }
        if (c->op != DDBGEN_FOP_NONE && c->fn != DDBGEN_FFN_NONE && c->fn != DDBGEN_FFN_SIZE) {
            ddbgen_diag_add(v->d, ERR, c->path,
                            "remove either 'operator' or 'function', or use function 'size' with "
                            "an operator",
                            "only one of 'operator' or 'function' is allowed (except for 'size', "
                            "which requires both)");
            continue;
        }
        if (c->op == DDBGEN_FOP_NONE && c->fn == DDBGEN_FFN_NONE) {
            if (!c->op_raw && !c->fn_raw)
                ddbgen_diag_add(v->d, ERR, c->path,
                                "add 'operator' (<, <=, <>, =, >, >=, between, in) or 'function' "
                                "(attribute_exists, attribute_not_exists, begins_with, contains, "
                                "size)",
                                "filter condition must have either 'operator' or 'function'");
            continue;
        }
        if (c->op == DDBGEN_FOP_UNKNOWN || c->fn == DDBGEN_FFN_UNKNOWN)
            continue; /* reported by the loader */
        if (c->fn == DDBGEN_FFN_SIZE && c->op == DDBGEN_FOP_NONE) {
            ddbgen_diag_add(v->d, ERR, c->path,
                            "add an operator such as '>', '>=', '=' or 'between'",
                            "'size' function requires an 'operator' field");
            continue;
        }
        /* Parameter requirements. */
        if (c->op == DDBGEN_FOP_BETWEEN) {
            if (!c->param)
                ddbgen_diag_add(v->d, ERR, c->path, "add param for the lower bound value",
                                "'between' operator requires 'param' field");
            if (!c->param2)
                ddbgen_diag_add(v->d, ERR, c->path, "add param2 for the upper bound value",
                                "'between' operator requires 'param2' field");
        } else if (c->op == DDBGEN_FOP_IN) {
            if (c->n_params == 0)
                ddbgen_diag_add(v->d, ERR, c->path,
                                "add a params array, e.g. \"params\": [\"value1\", \"value2\"]",
                                "'in' operator requires a non-empty 'params' array");
            else if (c->n_params > 100)
                ddbgen_diag_add(v->d, ERR, P(v, c->path, "params"), "use at most 100 values",
                                "DynamoDB's IN takes at most 100 values, got %zu", c->n_params);
        } else if (c->op != DDBGEN_FOP_NONE) {
            if (!c->param)
                ddbgen_diag_add(v->d, ERR, c->path, "add param referencing a parameter name",
                                "'%s' operator requires 'param' field", c->op_raw);
        } else if (c->fn == DDBGEN_FFN_CONTAINS || c->fn == DDBGEN_FFN_BEGINS_WITH) {
            if (!c->param)
                ddbgen_diag_add(v->d, ERR, c->path, "add param referencing a parameter name",
                                "'%s' function requires 'param' field", c->fn_raw);
        }
        /* Operators and functions against the field's type. */
        if (fld->type != DDBGEN_TYPE_UNKNOWN) {
            ddbgen_type t = fld->type;
            const char *bad = NULL;
            if (c->fn == DDBGEN_FFN_BEGINS_WITH && t != DDBGEN_TYPE_STRING && t != DDBGEN_TYPE_UUID)
                bad = "begins_with works on strings only";
            else if (c->fn == DDBGEN_FFN_CONTAINS && t != DDBGEN_TYPE_STRING &&
                     t != DDBGEN_TYPE_UUID && t != DDBGEN_TYPE_ARRAY)
                bad = "contains works on strings and arrays only";
            else if (c->fn == DDBGEN_FFN_SIZE && t != DDBGEN_TYPE_STRING && t != DDBGEN_TYPE_UUID &&
                     t != DDBGEN_TYPE_ARRAY && t != DDBGEN_TYPE_OBJECT)
                bad = "size works on strings, arrays and objects only";
            else if (c->fn == DDBGEN_FFN_NONE && c->op != DDBGEN_FOP_EQ && c->op != DDBGEN_FOP_NE &&
                     c->op != DDBGEN_FOP_IN &&
                     (t == DDBGEN_TYPE_BOOLEAN || t == DDBGEN_TYPE_ARRAY ||
                      t == DDBGEN_TYPE_OBJECT))
                bad = "ordering comparisons work on strings and numbers only";
            if (bad)
                ddbgen_diag_add(v->d, ERR, c->path,
                                "use an operator or function that fits the field's type",
                                "field '%s' is %s, and %s", c->field, a_type(t), bad);
        }
        /* Referenced parameters must be declared, with a type that fits. */
        refs[0] = c->param;
        refs[1] = c->param2;
        for (size_t k = 0; k < 2 + c->n_params; k++) {
            const char *name = k < 2 ? refs[k] : c->params[k - 2];
            const char *key = k == 0 ? "param" : k == 1 ? "param2" : NULL;
            const ddbgen_param *prm;
            ddbgen_type want;
            if (!name)
                continue;
            prm = ddbgen_pattern_find_param(ap->params, ap->n_params, name);
            if (!prm) {
                ddbgen_diag_add(
                    v->d, ERR,
                    key ? P(v, c->path, key) : F(v, "%s[%zu]", P(v, c->path, "params"), k - 2),
                    F(v, "add {\"name\": \"%s\", \"type\": \"%s\"} to parameters", name,
                      c->fn == DDBGEN_FFN_SIZE ? "integer"
                      : fld->type == DDBGEN_TYPE_ARRAY
                          ? ddbgen_type_name(fld->item_type ? fld->item_type : DDBGEN_TYPE_STRING)
                          : ddbgen_type_name(fld->type)),
                    "filter parameter '%s' is not declared in parameters", name);
                continue;
            }
            if (prm->type == DDBGEN_TYPE_UNKNOWN || fld->type == DDBGEN_TYPE_UNKNOWN)
                continue;
            want = fld->type;
            if (c->fn == DDBGEN_FFN_SIZE)
                want = DDBGEN_TYPE_INTEGER;
            else if (c->fn == DDBGEN_FFN_CONTAINS && fld->type == DDBGEN_TYPE_ARRAY)
                want = fld->item_type ? fld->item_type : DDBGEN_TYPE_STRING;
            /* Converted where no value can change: a string sent as a number (checked at run
             * time), an integer formatted; on the field's own value only. */
            if (!ddbgen_types_fit(prm->type, want) &&
                !(want == fld->type && c->fn != DDBGEN_FFN_SIZE &&
                  ((prm->type == DDBGEN_TYPE_STRING && ddbgen_type_is_numeric(want)) ||
                   (prm->type == DDBGEN_TYPE_INTEGER && want == DDBGEN_TYPE_STRING))))
                ddbgen_diag_add(v->d, ERR, P(v, prm->path, "type"),
                                F(v, "change the parameter type to '%s'", ddbgen_type_name(want)),
                                "parameter '%s' is %s but is compared with %s of field '%s' (%s)",
                                name, a_type(prm->type),
                                c->fn == DDBGEN_FFN_SIZE ? "the size"
                                : want != fld->type      ? "the items"
                                                         : "the value",
                                c->field, a_type(want));
        }
    }
}

/* Other entities of the table whose items share this pattern's partition key shape. */
static void check_mixed_results(vctx *v, const ddbgen_table *t, const ddbgen_entity *e,
                                const ddbgen_access_pattern *ap, const ddbgen_plan *pl)
{
    const ddbgen_template *my_pk, *my_sk;
    if (ap->operation != DDBGEN_OP_QUERY || ap->return_type == DDBGEN_RT_MIXED_DATA ||
        !pl->keys_known || pl->n_pk != 1)
        return;
    my_pk = pl->pk[0].tmpl;
    my_sk = pl->n_sk == 1 ? pl->sk[0].tmpl : NULL;
    if (!pl->gsi && !t->sort_key)
        return; /* one item per partition key value; the key shape warning covers clashes */
    for (size_t i = 0; i < t->n_entities; i++) {
        const ddbgen_entity *o = &t->entities[i];
        const ddbgen_template *o_pk = NULL, *o_sk = NULL;
        const char *mine, *theirs;
        if (o == e)
            continue;
        if (pl->gsi) {
            const ddbgen_gsi_mapping *om = ddbgen_entity_find_gsi_mapping(o, pl->gsi->name);
            if (!om || !om->pk.present || om->pk.n != 1 || om->pk.is_array)
                continue;
            o_pk = &om->pk.items[0];
            o_sk = om->sk.present && om->sk.n == 1 ? &om->sk.items[0] : NULL;
        } else {
            if (!o->pk.present || o->pk.n != 1)
                continue;
            o_pk = &o->pk.items[0];
            o_sk = o->sk.present && o->sk.n == 1 ? &o->sk.items[0] : NULL;
        }
        if (!same_shape(my_pk, o_pk))
            continue;
        mine = leading_literal(my_sk);
        theirs = leading_literal(o_sk);
        if (*mine && strncmp(theirs, mine, strlen(mine)) != 0)
            continue;
        if (my_sk && o_sk && ddbgen_template_is_constant(my_sk) && !streq(my_sk->raw, o_sk->raw))
            continue;
        if (*mine)
            ddbgen_diag_add(v->d, WARN, ap->path,
                            "give the entity's sort key a literal prefix no other entity's sort "
                            "key starts with (e.g. 'ORDER#{...}'), or return mixed_data",
                            "this Query can also return items of entity '%s': its partition key "
                            "'%s' has the same form as this entity's, and its sort key '%s' "
                            "starts with this entity's sort key prefix '%s'",
                            o->name, o_pk->raw, o_sk ? o_sk->raw : "", mine);
        else
            ddbgen_diag_add(v->d, WARN, ap->path,
                            "give the entity's sort key a literal prefix no other entity's sort "
                            "key starts with (e.g. 'ORDER#{...}'), or return mixed_data",
                            "this Query can also return items of entity '%s': its partition key "
                            "'%s' has the same form as this entity's, and this entity's sort key "
                            "'%s' has no literal prefix to tell the two apart",
                            o->name, o_pk->raw, my_sk ? my_sk->raw : "");
        break;
    }
}

/* True when, for every key placeholder and required field, a parameter has its name. */
static bool fields_supplied(const ddbgen_entity *e, const ddbgen_param *params, size_t n)
{
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        bool in_key = false;
        for (size_t k = 0; k < 2; k++) {
            const ddbgen_key_template *kt = k ? &e->sk : &e->pk;
            for (size_t t = 0; t < kt->n; t++)
                for (size_t j = 0; kt->items[t].ok && j < kt->items[t].n_parts; j++)
                    if (kt->items[t].parts[j].is_field && f->name &&
                        strcmp(kt->items[t].parts[j].text, f->name) == 0)
                        in_key = true;
        }
        if ((f->required || in_key) && f->name && !ddbgen_pattern_find_param(params, n, f->name))
            return false;
    }
    return true;
}

static void check_pattern(vctx *v, const ddbgen_table *t, const ddbgen_entity *e,
                          const ddbgen_access_pattern *ap)
{
    ddbgen_plan pl;
    const char *allowed = NULL;
    const char *op = ap->operation_raw ? ap->operation_raw : "?";
    bool gsi_ok, counts_ok = true;

    if (ddbgen_plan_access_pattern(&pl, v->m, e, ap) != 0 || !pl.roles) {
        v->nomem = true;
        return;
    }
    check_params(v, ap->params, ap->n_params);

    /* Operation and return type. */
    if (ap->operation != DDBGEN_OP_UNKNOWN && ap->return_type != DDBGEN_RT_UNKNOWN &&
        !return_fits(ap->operation, ap->return_type, &allowed))
        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "return_type"),
                        F(v, "use one of: %s, or change the operation", allowed),
                        "operation %s cannot return %s", op, ap->return_type_raw);

    /* Index. */
    if (ap->index_name) {
        const ddbgen_gsi *g = ddbgen_table_find_gsi(t, ap->index_name);
        if (!g) {
            const char **names = ddbgen_arena_calloc(v->a, t->n_gsis, sizeof(char *));
            for (size_t i = 0; names && i < t->n_gsis; i++)
                names[i] = t->gsis[i].name;
            ddbgen_diag_add(v->d, ERR, P(v, ap->path, "index_name"),
                            t->n_gsis && names
                                ? F(v, "use one of the available GSI names: %s",
                                    join_names(v, names, t->n_gsis))
                                : "define the GSI in the table's gsi_list before referencing it in "
                                  "access patterns",
                            "access pattern references unknown GSI '%s'", ap->index_name);
        } else if (!ddbgen_entity_find_gsi_mapping(e, ap->index_name)) {
            ddbgen_diag_add(v->d, ERR, P(v, ap->path, "index_name"),
                            F(v,
                              "add {\"name\": \"%s\", \"pk_template\": ...} to the entity's "
                              "gsi_mappings",
                              ap->index_name),
                            "entity '%s' has no gsi_mappings entry for GSI '%s', so none of its "
                            "items are in the index",
                            e->name, ap->index_name);
        } else if (g->projection == DDBGEN_PROJ_KEYS_ONLY &&
                   (ap->return_type == DDBGEN_RT_ENTITY_LIST ||
                    ap->return_type == DDBGEN_RT_SINGLE_ENTITY)) {
            ddbgen_diag_add(v->d, WARN, P(v, ap->path, "index_name"),
                            "set the GSI's projection to ALL or INCLUDE, or return mixed_data "
                            "(the keys), or follow up with GetItem",
                            "GSI '%s' projects KEYS_ONLY, so the items this %s returns hold only "
                            "key attributes, not whole '%s' entities",
                            g->name, op, e->name);
        }
        if (ap->operation != DDBGEN_OP_QUERY && ap->operation != DDBGEN_OP_SCAN &&
            ap->operation != DDBGEN_OP_UNKNOWN)
            ddbgen_diag_add(v->d, ERR, P(v, ap->path, "index_name"),
                            "remove index_name, or change the operation to Query or Scan",
                            "index_name is only valid for Query and Scan; %s works on the table's "
                            "primary key",
                            op);
    }
    gsi_ok = !ap->index_name || (pl.gsi && pl.gsi->keys_ok);

    /* consistent_read (schema_validator.py). */
    if (ap->has_consistent_read) {
        if (ap->consistent_read && ap->index_name)
            ddbgen_diag_add(v->d, ERR, P(v, ap->path, "consistent_read"),
                            "either remove consistent_read or set it to false",
                            "pattern %lld (%s): consistent_read cannot be true for GSI queries; "
                            "global secondary indexes only support eventually consistent reads",
                            ap->pattern_id, ap->name ? ap->name : "unknown");
        else if (ap->operation != DDBGEN_OP_UNKNOWN && !ddbgen_operation_is_read(ap->operation))
            ddbgen_diag_add(v->d, WARN, P(v, ap->path, "consistent_read"), "remove it",
                            "consistent_read has no effect on %s, which is a write", op);
    }

    /* Sort order: only a Query reads items in sort-key order. */
    if (ap->descending_path && ap->operation != DDBGEN_OP_QUERY &&
        ap->operation != DDBGEN_OP_UNKNOWN)
        ddbgen_diag_add(v->d, ERR, ap->descending_path,
                        "remove scan_index_forward, or change the operation to Query",
                        "scan_index_forward applies to Query only; %s has no sort-key order", op);

    /* Range condition. */
    if (ap->range != DDBGEN_RANGE_NONE && ap->range != DDBGEN_RANGE_UNKNOWN) {
        if (ap->operation != DDBGEN_OP_QUERY && ap->operation != DDBGEN_OP_UNKNOWN)
            ddbgen_diag_add(v->d, ERR, P(v, ap->path, "operation"),
                            "change operation to 'Query' or remove range_condition",
                            "range conditions require 'Query' operation, got '%s'", op);
        counts_ok = check_range_count(v, e, ap, &pl);
        if (pl.keys_known && gsi_ok) {
            if (pl.n_sk == 0) {
                if (!ap->index_name && !t->sort_key)
                    ddbgen_diag_add(v->d, ERR, P(v, ap->path, "range_condition"),
                                    "remove range_condition, or add a sort key to the table",
                                    "table '%s' has no sort key for range_condition '%s' to apply "
                                    "to",
                                    t->name ? t->name : "?", ap->range_raw);
                else if (ap->index_name && pl.gsi && pl.gsi->n_sk == 0)
                    ddbgen_diag_add(v->d, ERR, P(v, ap->path, "range_condition"),
                                    "remove range_condition, or add a sort_key to the GSI",
                                    "GSI '%s' has no sort key for range_condition '%s' to apply to",
                                    pl.gsi->name, ap->range_raw);
            } else if (pl.n_range > 0) {
                size_t slot = pl.n_sk > 1 ? pl.n_sk_slots_bound : 0;
                if (slot < pl.n_sk) {
                    const ddbgen_key_slot *s = &pl.sk[slot];
                    if (s->type == DDBGEN_KEY_N && ap->range == DDBGEN_RANGE_BEGINS_WITH)
                        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "range_condition"),
                                        "use <, <=, >, >= or between on a number, or make the sort "
                                        "key a string",
                                        "begins_with cannot apply to sort key '%s', which is a "
                                        "number",
                                        s->attribute);
                    /* A string is sent as a number and checked at run time; nothing else
                     * can be one. */
                    for (size_t r = 0; r < pl.n_range && s->type == DDBGEN_KEY_N; r++) {
                        const ddbgen_param *rp = &ap->params[pl.range_param[r]];
                        if (rp->type != DDBGEN_TYPE_UNKNOWN && !ddbgen_type_is_numeric(rp->type) &&
                            rp->type != DDBGEN_TYPE_STRING)
                            ddbgen_diag_add(v->d, ERR, P(v, rp->path, "type"),
                                            "make the range parameter an integer, decimal or "
                                            "string holding a number",
                                            "range value '%s' is %s, which cannot be a number, "
                                            "but sort key '%s' is a number",
                                            rp->name ? rp->name : "?", a_type(rp->type),
                                            s->attribute);
                    }
                    for (size_t r = 0; r < pl.n_range && s->type == DDBGEN_KEY_S; r++) {
                        const ddbgen_param *rp = &ap->params[pl.range_param[r]];
                        if (rp->type == DDBGEN_TYPE_ARRAY || rp->type == DDBGEN_TYPE_OBJECT ||
                            rp->type == DDBGEN_TYPE_ENTITY)
                            ddbgen_diag_add(v->d, ERR, P(v, rp->path, "type"),
                                            "make the range parameter a string or a number",
                                            "range value '%s' is %s, which cannot be compared "
                                            "with sort key '%s'",
                                            rp->name ? rp->name : "?", a_type(rp->type),
                                            s->attribute);
                    }
                }
            }
        }
    }

    /* Parameters sufficient for the operation. */
    if (pl.keys_known && gsi_ok) {
        bool full =
            !ap->index_name &&
            (ap->operation == DDBGEN_OP_GET_ITEM || ap->operation == DDBGEN_OP_DELETE_ITEM ||
             ap->operation == DDBGEN_OP_UPDATE_ITEM || ap->operation == DDBGEN_OP_BATCH_GET_ITEM);
        if (ap->operation == DDBGEN_OP_QUERY || full) {
            for (size_t i = 0; i < pl.n_bindings; i++) {
                const ddbgen_binding *b = &pl.bindings[i];
                bool in_pk = i < (pl.n_sk ? pl.sk[0].first_binding : pl.n_bindings);
                const ddbgen_param *prm = b->param >= 0 ? &ap->params[b->param] : NULL;
                if (b->param < 0 && (in_pk || full)) {
                    bool seen = false;
                    for (size_t j = 0; j < i; j++)
                        if (strcmp(pl.bindings[j].field, b->field) == 0)
                            seen = true;
                    if (!seen)
                        ddbgen_diag_add(v->d, ERR, P(v, ap->path, "parameters"),
                                        F(v, "add %s to parameters", param_example(v, e, b->field)),
                                        "%s needs the %s key: no parameter supplies field '%s' "
                                        "of %s",
                                        op, full ? "full primary" : "partition", b->field,
                                        in_pk ? "the partition key" : "the sort key");
                } else if (prm && b->by_position && counts_ok &&
                           ap->range != DDBGEN_RANGE_UNKNOWN) {
                    bool seen = false;
                    for (size_t j = 0; j < i; j++)
                        if (pl.bindings[j].param == b->param)
                            seen = true;
                    if (!seen)
                        ddbgen_diag_add(v->d, WARN, P(v, prm->path, "name"),
                                        F(v, "rename the parameter to '%s'", b->field),
                                        "parameter '%s' is taken as key field '%s' by its position",
                                        prm->name ? prm->name : "?", b->field);
                }
                if (prm && !b->from_item && prm->type != DDBGEN_TYPE_UNKNOWN) {
                    const ddbgen_field *fld = ddbgen_entity_find_field(e, b->field);
                    if (fld && fld->type != DDBGEN_TYPE_UNKNOWN &&
                        !ddbgen_types_fit(prm->type, fld->type) &&
                        !(ap->operation == DDBGEN_OP_BATCH_GET_ITEM &&
                          prm->type == DDBGEN_TYPE_ARRAY)) {
                        /* A numeric key needs a number; a string key can format anything. */
                        bool numeric_key = false;
                        for (size_t s = 0; s < pl.n_pk + pl.n_sk; s++) {
                            const ddbgen_key_slot *slot =
                                s < pl.n_pk ? &pl.pk[s] : &pl.sk[s - pl.n_pk];
                            if (i >= slot->first_binding &&
                                i < slot->first_binding + slot->n_bindings &&
                                slot->type == DDBGEN_KEY_N)
                                numeric_key = true;
                        }
                        ddbgen_diag_add(
                            v->d, numeric_key ? ERR : WARN, P(v, prm->path, "type"),
                            F(v, "change the parameter type to '%s'", ddbgen_type_name(fld->type)),
                            "parameter '%s' is %s but fills key field '%s', which is %s",
                            prm->name ? prm->name : "?", a_type(prm->type), b->field,
                            a_type(fld->type));
                    }
                }
            }
        }
    }
    if ((ap->operation == DDBGEN_OP_PUT_ITEM || ap->operation == DDBGEN_OP_BATCH_WRITE_ITEM)) {
        bool has_item = false;
        const ddbgen_param *other = NULL;
        for (size_t i = 0; i < ap->n_params; i++) {
            if (pl.roles[i] == DDBGEN_ROLE_ITEM)
                has_item = true;
            else if (pl.roles[i] == DDBGEN_ROLE_CONTEXT && !other)
                other = &ap->params[i];
        }
        for (size_t i = 0; ap->params && i < ap->n_params; i++)
            if (ap->params[i].type == DDBGEN_TYPE_ENTITY &&
                (!ap->params[i].entity_type ||
                 !ddbgen_model_find_entity(v->m, ap->params[i].entity_type)))
                has_item = true; /* its entity_type is reported already */
        if (!has_item && ap->operation == DDBGEN_OP_PUT_ITEM && ap->n_params > 0 &&
            fields_supplied(e, ap->params, ap->n_params))
            has_item = true; /* the item is built from the parameters, field by field */
        if (!has_item) {
            const ddbgen_entity *oe =
                other ? ddbgen_model_find_entity(v->m, other->entity_type) : NULL;
            const char *why =
                other ? F(v, " (parameter '%s' is entity '%s'%s)", other->name ? other->name : "?",
                          other->entity_type ? other->entity_type : "?",
                          oe && oe->table != t
                              ? F(v, ", which belongs to table '%s'",
                                  oe->table && oe->table->name ? oe->table->name : "?")
                              : "")
                      : "";
            ddbgen_diag_add(v->d, ERR, P(v, ap->path, "parameters"),
                            F(v,
                              "add {\"name\": \"%s\", \"type\": \"entity\", \"entity_type\": "
                              "\"%s\"}%s",
                              e->c_name ? e->c_name : "item", e->name,
                              oe && oe->table != t
                                  ? ", or use cross_table_access_patterns to write to several "
                                    "tables"
                                  : ""),
                            "%s writes '%s' items, but no parameter is an entity of type "
                            "'%s'%s%s",
                            op, e->name, e->name, why,
                            ap->operation == DDBGEN_OP_PUT_ITEM
                                ? ", and the parameters do not name every key and required field"
                                : "");
        }
    }

    /* Parameters that no meaning fits (unless an error above already explains the pattern):
     * the generated code would have to drop them, so their member is not generated. A warning
     * for now: the MCP server's own valid fixtures have such parameters (see docs). */
    if ((ap->index_name && ap->operation != DDBGEN_OP_QUERY && ap->operation != DDBGEN_OP_SCAN) ||
        (ap->range != DDBGEN_RANGE_NONE && ap->operation != DDBGEN_OP_QUERY) ||
        ap->operation == DDBGEN_OP_BATCH_WRITE_ITEM || ap->operation == DDBGEN_OP_BATCH_GET_ITEM ||
        ap->range == DDBGEN_RANGE_UNKNOWN || !counts_ok)
        goto unused_done;
    for (size_t i = 0; i < ap->n_params; i++) {
        const ddbgen_param *prm = &ap->params[i];
        const ddbgen_field *fld;
        if (pl.roles[i] != DDBGEN_ROLE_UNUSED || !prm->name || prm->type == DDBGEN_TYPE_UNKNOWN ||
            ap->operation == DDBGEN_OP_UNKNOWN)
            continue;
        if (!pl.keys_known && ap->operation != DDBGEN_OP_SCAN &&
            ap->operation != DDBGEN_OP_PUT_ITEM)
            continue;
        fld = ddbgen_entity_find_field(e, prm->name);
        if (prm->type == DDBGEN_TYPE_ENTITY) {
            if (!prm->entity_type || !ddbgen_model_find_entity(v->m, prm->entity_type))
                continue; /* reported already */
            ddbgen_diag_add(v->d, NOMEANING, P(v, prm->path, "entity_type"),
                            ap->operation == DDBGEN_OP_PUT_ITEM
                                ? "PutItem writes one item: to write both, use a TransactWrite "
                                  "in cross_table_access_patterns; or remove the parameter"
                                : "give the entity a field named like a key field it supplies, "
                                  "or remove the parameter",
                            "parameter '%s' is entity '%s', which shares no key field with "
                            "'%s', so %s would not use it",
                            prm->name, prm->entity_type, e->name, op);
        } else if (fld && ddbgen_field_is_derived(e, fld)) {
            ddbgen_diag_add(v->d, NOMEANING, P(v, prm->path, "name"),
                            "pass the fields of the key template instead, or remove the parameter",
                            "parameter '%s' names field '%s', whose value the key template "
                            "writes, so %s cannot set it",
                            prm->name, fld->name, op);
        } else if (fld && (prm->type == DDBGEN_TYPE_ARRAY || prm->type == DDBGEN_TYPE_OBJECT ||
                           fld->type == DDBGEN_TYPE_ARRAY || fld->type == DDBGEN_TYPE_OBJECT)) {
            ddbgen_diag_add(v->d, NOMEANING, P(v, prm->path, "type"),
                            F(v, "change the parameter type to '%s'", ddbgen_type_name(fld->type)),
                            "parameter '%s' is %s, but field '%s' is %s", prm->name,
                            a_type(prm->type), fld->name, a_type(fld->type));
        } else if (ap->operation == DDBGEN_OP_UPDATE_ITEM || ap->operation == DDBGEN_OP_PUT_ITEM) {
            ddbgen_diag_add(v->d, NOMEANING, P(v, prm->path, "name"),
                            "name the parameter after the field it sets, or remove it",
                            "parameter '%s' names no field of '%s' to %s", prm->name, e->name,
                            ap->operation == DDBGEN_OP_PUT_ITEM ? "write" : "update");
        } else {
            ddbgen_diag_add(v->d, NOMEANING, P(v, prm->path, "name"),
                            "use it in the key (name it after a key field), in "
                            "filter_expression, or remove it",
                            "parameter '%s' is not used by the key condition or the filter, and "
                            "%s would ignore it",
                            prm->name, op);
        }
    }

unused_done:
    check_filter(v, e, ap, &pl);
    check_mixed_results(v, t, e, ap, &pl);
    ddbgen_plan_clear(&pl);
}

/* ---- extensions ------------------------------------------------------------------------------ */

static const ddbgen_field *ext_field(vctx *v, const ddbgen_entity *e, const char *name,
                                     const char *path, const char *what)
{
    const ddbgen_field *f = ddbgen_entity_find_field(e, name);
    if (!f)
        ddbgen_diag_add(v->d, ERR, path, fields_hint(v, e, name),
                        "%s '%s' is not a field of entity '%s'", what, name, e->name);
    return f;
}

static bool template_uses(const ddbgen_key_template *k, const char *field)
{
    for (size_t i = 0; i < k->n; i++)
        for (size_t j = 0; k->items[i].ok && j < k->items[i].n_parts; j++)
            if (k->items[i].parts[j].is_field && streq(k->items[i].parts[j].text, field))
                return true;
    return false;
}

/* The key type an entity gives its table's partition (or sort) key. */
static bool entity_key_type(const ddbgen_entity *e, bool sort, ddbgen_key_type *out)
{
    const ddbgen_key_template *k = sort ? &e->sk : &e->pk;
    if (!k->present || k->n != 1 || !k->items[0].ok)
        return false;
    *out = ddbgen_template_key_type(e, &k->items[0]);
    return true;
}

static void check_entity_ext(vctx *v, const ddbgen_table *t, const ddbgen_entity *e)
{
    const ddbgen_entity_ext *x = &e->ext;
    const char *version = ddbgen_entity_version_attribute(v->m, e);
    const ddbgen_field *vf;

    /* The version attribute (the model's default applies to every entity). */
    if (is_key_attribute(t, version))
        ddbgen_diag_add(
            v->d, ERR,
            x->version_attribute
                ? P(v, x->path, "version_attribute")
                : (v->m->ext_path ? P(v, v->m->ext_path, "version_attribute") : e->path),
            "choose another version attribute name",
            "version attribute '%s' of entity '%s' is a key attribute of table '%s'", version,
            e->name, t->name ? t->name : "?");
    vf = ddbgen_entity_find_field(e, version);
    if (vf && vf->type != DDBGEN_TYPE_INTEGER && vf->type != DDBGEN_TYPE_UNKNOWN)
        ddbgen_diag_add(v->d, ERR, P(v, vf->path, "type"),
                        "make the field an integer, or choose another version_attribute",
                        "field '%s' is the version attribute of entity '%s', so it must be an "
                        "integer, not %s",
                        vf->name, e->name, a_type(vf->type));
    if (strlen(version) > MAX_KEY_NAME_BYTES)
        ddbgen_diag_add(
            v->d, ERR, x->version_attribute ? P(v, x->path, "version_attribute") : e->path,
            "use a shorter name", "version attribute name is over %d bytes", MAX_KEY_NAME_BYTES);

    if (!x->path)
        return;

    /* ID strategy. */
    if (x->id_strategy != DDBGEN_ID_NONE && x->id_strategy != DDBGEN_ID_UNKNOWN) {
        const char *idf = ddbgen_entity_id_field(e);
        const ddbgen_field *f = NULL;
        if (!idf) {
            ddbgen_diag_add(v->d, ERR, x->id_strategy_path,
                            "give the field: \"id_strategy\": {\"kind\": \"...\", \"field\": "
                            "\"...\"}",
                            "cannot tell which field holds the generated ID: pk_template '%s' "
                            "does not have exactly one field",
                            e->pk.present && e->pk.n ? e->pk.items[0].raw : "");
        } else {
            f = ext_field(v, e, idf,
                          x->id_field ? P(v, x->id_strategy_path, "field") : x->id_strategy_path,
                          "id field");
        }
        if (f && !template_uses(&e->pk, f->name) && !template_uses(&e->sk, f->name))
            ddbgen_diag_add(v->d, WARN, x->id_strategy_path,
                            "use the ID field in pk_template or sk_template, so that the item is "
                            "found by its ID",
                            "id field '%s' is not part of the entity's primary key", f->name);
        if (f && f->type != DDBGEN_TYPE_UNKNOWN) {
            bool ok = true;
            const char *want = "";
            switch (x->id_strategy) {
            case DDBGEN_ID_COUNTER:
                ok = f->type == DDBGEN_TYPE_INTEGER || f->type == DDBGEN_TYPE_STRING;
                want = "integer or string";
                break;
            case DDBGEN_ID_UUID:
                ok = f->type == DDBGEN_TYPE_UUID || f->type == DDBGEN_TYPE_STRING;
                want = "uuid or string";
                break;
            case DDBGEN_ID_ULID:
                ok = f->type == DDBGEN_TYPE_STRING;
                want = "string";
                break;
            case DDBGEN_ID_SOURCE:
                ok = f->type == DDBGEN_TYPE_INTEGER || f->type == DDBGEN_TYPE_STRING ||
                     f->type == DDBGEN_TYPE_UUID || f->type == DDBGEN_TYPE_DECIMAL;
                want = "integer, decimal, string or uuid";
                break;
            default:
                break;
            }
            if (!ok)
                ddbgen_diag_add(
                    v->d, ERR, P(v, f->path, "type"),
                    F(v, "make field '%s' %s, or choose another id_strategy", f->name, want),
                    "id_strategy '%s' needs field '%s' to be %s, not %s",
                    ddbgen_id_strategy_name(x->id_strategy), f->name, want, a_type(f->type));
        }
        if (x->id_strategy != DDBGEN_ID_COUNTER && (x->has_block_size || x->has_start))
            ddbgen_diag_add(
                v->d, ERR, P(v, x->id_strategy_path, x->has_block_size ? "block_size" : "start"),
                "remove it, or use kind \"counter\"", "%s applies only to id_strategy 'counter'",
                x->has_block_size ? "block_size" : "start");
        if (x->has_block_size && (x->block_size < 1 || x->block_size > 1000000))
            ddbgen_diag_add(v->d, ERR, P(v, x->id_strategy_path, "block_size"),
                            "use a block size from 1 to 1000000", "block_size %lld is out of range",
                            x->block_size);
        if (x->has_start && x->start < 0)
            ddbgen_diag_add(v->d, ERR, P(v, x->id_strategy_path, "start"),
                            "use 0 or a positive number", "start %lld is negative", x->start);
    } else if (x->id_field && x->id_strategy == DDBGEN_ID_NONE) {
        ext_field(v, e, x->id_field, P(v, x->id_strategy_path, "field"), "id field");
    }

    /* Unique fields: sentinel items in the same table, written in the same transaction. */
    for (size_t i = 0; i < x->n_unique; i++) {
        const ddbgen_unique *u = &x->unique[i];
        bool all_key = true;
        for (size_t j = 0; j < u->n_fields; j++) {
            const char *path = u->n_fields == 1 ? u->path : F(v, "%s[%zu]", u->path, j);
            const ddbgen_field *f = ext_field(v, e, u->fields[j], path, "unique field");
            for (size_t k = 0; k < j; k++)
                if (streq(u->fields[k], u->fields[j]))
                    ddbgen_diag_add(v->d, ERR, path, "list each field once",
                                    "unique field '%s' is listed twice in one set", u->fields[j]);
            if (f && (f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT))
                ddbgen_diag_add(v->d, ERR, path, "use string, number, uuid or boolean fields",
                                "unique field '%s' is %s; uniqueness needs a scalar value", f->name,
                                a_type(f->type));
            if (!template_uses(&e->pk, u->fields[j]) && !template_uses(&e->sk, u->fields[j]))
                all_key = false;
        }
        for (size_t k = 0; k < i; k++) {
            const ddbgen_unique *o = &x->unique[k];
            bool same = o->n_fields == u->n_fields;
            for (size_t j = 0; same && j < u->n_fields; j++)
                if (!streq(o->fields[j], u->fields[j]))
                    same = false;
            if (same)
                ddbgen_diag_add(v->d, WARN, u->path, "remove the duplicate",
                                "this unique field set repeats %s", o->path);
        }
        if (all_key && u->n_fields > 0)
            ddbgen_diag_add(v->d, WARN, u->path, "remove it: the primary key is unique already",
                            "unique field set is part of the primary key, which is unique "
                            "anyway");
    }
    if (x->n_unique > 0) {
        ddbgen_key_type kt;
        if (entity_key_type(e, false, &kt) && kt == DDBGEN_KEY_N)
            ddbgen_diag_add(v->d, ERR, P(v, x->path, "unique_fields"),
                            "use a string partition key (a template with literal text, such as "
                            "'USER#{id}')",
                            "unique fields need sentinel items in table '%s', whose partition key "
                            "is a number here; a sentinel key is a string",
                            t->name ? t->name : "?");
        else if (t->sort_key && entity_key_type(e, true, &kt) && kt == DDBGEN_KEY_N)
            ddbgen_diag_add(v->d, ERR, P(v, x->path, "unique_fields"),
                            "use a string sort key (a template with literal text)",
                            "unique fields need sentinel items in table '%s', whose sort key is a "
                            "number here; a sentinel key is a string",
                            t->name ? t->name : "?");
    }

    /* TTL. */
    if (x->ttl_field) {
        const ddbgen_field *f =
            ext_field(v, e, x->ttl_field, P(v, x->path, "ttl_field"), "ttl_field");
        if (f && f->type != DDBGEN_TYPE_INTEGER && f->type != DDBGEN_TYPE_UNKNOWN)
            ddbgen_diag_add(v->d, ERR, P(v, x->path, "ttl_field"),
                            "make the field an integer holding seconds since the epoch",
                            "ttl_field '%s' is %s; DynamoDB's TTL reads a number (epoch seconds)",
                            f->name, a_type(f->type));
        if (f && is_key_attribute(t, x->ttl_field))
            ddbgen_diag_add(v->d, ERR, P(v, x->path, "ttl_field"), "use a non-key field",
                            "ttl_field '%s' is a key attribute", x->ttl_field);
        for (size_t i = 0; i < t->n_entities && &t->entities[i] != e; i++) {
            const ddbgen_entity *o = &t->entities[i];
            if (o->ext.ttl_field && !streq(o->ext.ttl_field, x->ttl_field)) {
                ddbgen_diag_add(v->d, ERR, P(v, x->path, "ttl_field"),
                                F(v, "use '%s' here too, or move one entity to another table",
                                  o->ext.ttl_field),
                                "table '%s' can have one TTL attribute, but entity '%s' uses '%s' "
                                "and entity '%s' uses '%s'",
                                t->name ? t->name : "?", o->name, o->ext.ttl_field, e->name,
                                x->ttl_field);
                break;
            }
        }
    }

    /* Source mapping. */
    if (x->source_path) {
        for (size_t i = 0; i < x->n_columns; i++) {
            const ddbgen_column *c = &x->columns[i];
            ext_field(v, e, c->field, c->path, "source column mapping for");
            for (size_t j = 0; j < i; j++)
                if (streq(x->columns[j].column, c->column))
                    ddbgen_diag_add(v->d, WARN, c->path,
                                    "check the mapping; each field usually has its own column",
                                    "column '%s' is mapped to fields '%s' and '%s'", c->column,
                                    x->columns[j].field, c->field);
        }
    }
}

/* A reference and the ID it holds: the same type, or a string for a uuid and the other way. */
static bool reference_fits(ddbgen_type field, ddbgen_type id)
{
    if (field == id)
        return field != DDBGEN_TYPE_BOOLEAN && field != DDBGEN_TYPE_ARRAY &&
               field != DDBGEN_TYPE_OBJECT;
    return (field == DDBGEN_TYPE_STRING || field == DDBGEN_TYPE_UUID) &&
           (id == DDBGEN_TYPE_STRING || id == DDBGEN_TYPE_UUID);
}

/* x-ddbkit.references of the fields: the entity exists, has one ID field (its id_strategy
 * field, or the single field of its pk_template), and the ID fits the field's type. */
static void check_references(vctx *v, const ddbgen_entity *e)
{
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        const ddbgen_entity *target;
        const ddbgen_field *id = NULL;
        const char *idf;
        if (!f->references)
            continue;
        target = ddbgen_model_find_entity(v->m, f->references);
        if (!target) {
            const char **names;
            size_t n = 0, k = 0;
            for (size_t t = 0; t < v->m->n_tables; t++)
                n += v->m->tables[t].n_entities;
            names = ddbgen_arena_calloc(v->a, n ? n : 1, sizeof(char *));
            if (!names) {
                v->nomem = true;
                return;
            }
            for (size_t t = 0; t < v->m->n_tables; t++)
                for (size_t j = 0; j < v->m->tables[t].n_entities; j++)
                    if (v->m->tables[t].entities[j].name)
                        names[k++] = v->m->tables[t].entities[j].name;
            {
                const char *guess = ddbgen_suggest(f->references, names, k);
                ddbgen_diag_add(v->d, ERR, f->references_path,
                                guess ? F(v, "did you mean '%s'? use one of: %s", guess,
                                          join_names(v, names, k))
                                      : F(v, "use one of: %s", join_names(v, names, k)),
                                "field '%s' references '%s', which is not an entity of the model",
                                f->name ? f->name : "?", f->references);
            }
            continue;
        }
        idf = ddbgen_entity_id_field(target);
        if (idf)
            id = ddbgen_entity_find_field(target, idf);
        if (!id) {
            ddbgen_diag_add(v->d, ERR, f->references_path,
                            F(v,
                              "give entity '%s' an id_strategy with a \"field\", or a "
                              "pk_template with exactly one field",
                              target->name),
                            "field '%s' references entity '%s', which has no ID field (neither "
                            "an id_strategy field nor a single field in pk_template '%s')",
                            f->name ? f->name : "?", target->name,
                            target->pk.present && target->pk.n ? target->pk.items[0].raw : "");
            continue;
        }
        if (f->type != DDBGEN_TYPE_UNKNOWN && id->type != DDBGEN_TYPE_UNKNOWN &&
            !reference_fits(f->type, id->type))
            ddbgen_diag_add(v->d, ERR, f->references_path,
                            F(v, "make field '%s' %s, like '%s.%s'", f->name ? f->name : "?",
                              a_type(id->type), target->name, id->name),
                            "field '%s' is %s but holds the ID of entity '%s', field '%s', which "
                            "is %s",
                            f->name ? f->name : "?", a_type(f->type), target->name, id->name,
                            a_type(id->type));
    }
}

/* ---- entities and tables --------------------------------------------------------------------- */

static void check_entity(vctx *v, const ddbgen_table *t, const ddbgen_entity *e)
{
    cname_scope fields = {0}, patterns = {0};

    /* Fields: unique names (schema_validator.py) and C names, with the generated companions
     * (has_<field> for an optional scalar, n_<field> for an array). */
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        if (!f->name)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (streq(e->fields[j].name, f->name)) {
                ddbgen_diag_add(v->d, ERR, P(v, f->path, "name"),
                                "field names must be unique within an entity",
                                "duplicate field name '%s'", f->name);
                break;
            }
        }
        scope_add(v, &fields, f->c_name, f->name, P(v, f->path, "name"), "field");
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        const char *companion = NULL;
        if (!f->c_name || ddbgen_c_name_problem(f->c_name))
            continue;
        if (f->type == DDBGEN_TYPE_ARRAY)
            companion = F(v, "n_%s", f->c_name);
        else if (!f->required)
            companion = F(v, "has_%s", f->c_name);
        if (!companion)
            continue;
        for (size_t j = 0; j < e->n_fields; j++)
            if (e->fields[j].c_name && streq(e->fields[j].c_name, companion))
                ddbgen_diag_add(v->d, ERR, P(v, e->fields[j].path, "name"),
                                "rename the field, or give it another C name with x-ddbkit.c_name",
                                "field '%s' maps to '%s', the name of the generated %s member of "
                                "field '%s'",
                                e->fields[j].name, companion,
                                f->type == DDBGEN_TYPE_ARRAY ? "count" : "presence", f->name);
    }

    /* Primary key templates and the table's key schema. */
    if (e->pk.present && e->pk.n == 1) {
        check_template_fields(v, e, &e->pk.items[0], "pk_template", true);
        check_hot_partition(v, e, &e->pk.items[0], "partition key");
    }
    if (e->sk.present && e->sk.n == 1)
        check_template_fields(v, e, &e->sk.items[0], "sk_template", true);
    if (t->sort_key && !e->sk.present && t->partition_key)
        ddbgen_diag_add(v->d, ERR, P(v, e->path, "sk_template"),
                        F(v, "add \"sk_template\", for example \"%s\" or \"%s#{...}\"",
                          e->entity_type ? e->entity_type : "TYPE",
                          e->entity_type ? e->entity_type : "TYPE"),
                        "table '%s' has sort key '%s', so entity '%s' needs an sk_template",
                        t->name ? t->name : "?", t->sort_key, e->name);
    else if (t->sort_key && e->sk.present && e->sk.n == 0)
        ddbgen_diag_add(v->d, ERR, e->sk.path, "give the sort key a value such as the entity type",
                        "sk_template is empty; DynamoDB does not accept an empty sort key value");
    else if (!t->sort_key && e->sk.present && e->sk.n == 0)
        ddbgen_diag_add(v->d, WARN, e->sk.path, "remove it",
                        "the empty sk_template is ignored: table '%s' has no sort key",
                        t->name ? t->name : "?");
    else if (!t->sort_key && e->sk.present && t->name && t->partition_key)
        ddbgen_diag_add(v->d, ERR, e->sk.path,
                        "remove sk_template, or add \"sort_key\" to the table_config",
                        "table '%s' has no sort key, so sk_template '%s' has no attribute to fill",
                        t->name, e->sk.n ? e->sk.items[0].raw : "");

    check_gsi_mappings(v, t, e);
    check_entity_attributes(v, t, e);

    /* Access patterns: names unique in the entity (schema_validator.py) and as C names (a name
     * of a generated member, such as get, is mapped to get_ by the loader). */
    for (size_t i = 0; i < e->n_patterns; i++) {
        const ddbgen_access_pattern *ap = &e->patterns[i];
        if (ap->name) {
            bool dup = false;
            for (size_t j = 0; j < i; j++) {
                if (streq(e->patterns[j].name, ap->name)) {
                    ddbgen_diag_add(v->d, ERR, P(v, ap->path, "name"),
                                    "pattern names must be unique within an entity",
                                    "duplicate pattern name '%s' in entity '%s'", ap->name,
                                    e->name);
                    dup = true;
                    break;
                }
            }
            if (!dup)
                scope_add(v, &patterns, ap->c_name, ap->name, P(v, ap->path, "name"),
                          "access pattern");
        }
        check_pattern(v, t, e, ap);
    }
    check_entity_ext(v, t, e);
    check_references(v, e);
    scope_free(&fields);
    scope_free(&patterns);
}

static void check_gsis(vctx *v, const ddbgen_table *t)
{
    cname_scope scope = {0};
    size_t projected = 0;

    if (t->n_gsis > MAX_GSIS)
        ddbgen_diag_add(v->d, ERR, P(v, t->path, "gsi_list"),
                        "remove GSIs, or split the table (the quota can be raised by AWS support)",
                        "table '%s' has %zu GSIs; DynamoDB allows %d per table",
                        t->name ? t->name : "?", t->n_gsis, MAX_GSIS);
    for (size_t i = 0; i < t->n_gsis; i++) {
        const ddbgen_gsi *g = &t->gsis[i];
        bool mapped = false;
        if (!g->name)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (streq(t->gsis[j].name, g->name)) {
                ddbgen_diag_add(v->d, ERR, P(v, g->path, "name"),
                                F(v,
                                  "GSI names must be unique within a table; choose a different "
                                  "name for GSI '%s'",
                                  g->name),
                                "duplicate GSI name '%s' found in table '%s'", g->name,
                                t->name ? t->name : "?");
                break;
            }
        }
        if (!valid_dynamodb_name(g->name))
            ddbgen_diag_add(v->d, ERR, P(v, g->path, "name"),
                            "use 3-255 characters from a-z, A-Z, 0-9, '_', '-' and '.'",
                            "GSI name '%s' is not a valid DynamoDB index name", g->name);
        scope_add(v, &scope, g->c_name, g->name, P(v, g->path, "name"), "GSI");
        for (size_t k = 0; k < g->n_pk + g->n_sk; k++) {
            const char *attr = k < g->n_pk ? g->pk[k] : g->sk[k - g->n_pk];
            if (attr && strlen(attr) > MAX_KEY_NAME_BYTES)
                ddbgen_diag_add(v->d, ERR,
                                P(v, g->path, k < g->n_pk ? "partition_key" : "sort_key"),
                                "use a shorter attribute name",
                                "key attribute name '%.40s...' is over DynamoDB's %d-byte limit",
                                attr, MAX_KEY_NAME_BYTES);
        }
        /* Projection: included attributes (gsi_validator.py). */
        projected += g->n_included;
        for (size_t k = 0; g->projection == DDBGEN_PROJ_INCLUDE && k < g->n_included; k++) {
            const char *attr = g->included[k];
            const char *ipath = F(v, "%s[%zu]", P(v, g->path, "included_attributes"), k);
            bool found = false;
            bool key = streq(t->partition_key, attr) || streq(t->sort_key, attr);
            for (size_t q = 0; q < g->n_pk + g->n_sk; q++)
                if (streq(q < g->n_pk ? g->pk[q] : g->sk[q - g->n_pk], attr))
                    key = true;
            if (key) {
                ddbgen_diag_add(v->d, ERR, ipath,
                                F(v,
                                  "remove '%s' from included_attributes: key attributes are "
                                  "automatically included by DynamoDB",
                                  attr),
                                "GSI '%s' includes key attribute '%s' in included_attributes",
                                g->name, attr);
                continue;
            }
            for (size_t e = 0; e < t->n_entities; e++)
                if (ddbgen_entity_find_gsi_mapping(&t->entities[e], g->name) &&
                    ddbgen_entity_find_field(&t->entities[e], attr))
                    found = true;
            if (!found)
                ddbgen_diag_add(v->d, ERR, ipath,
                                F(v,
                                  "ensure '%s' is defined in the fields of entities that use "
                                  "GSI '%s'",
                                  attr, g->name),
                                "GSI '%s' includes attribute '%s' not found in any entity using "
                                "this GSI",
                                g->name, attr);
            if (strlen(attr) > MAX_KEY_NAME_BYTES)
                ddbgen_diag_add(v->d, ERR, ipath, "use a shorter attribute name",
                                "projected attribute name is over DynamoDB's %d-byte limit",
                                MAX_KEY_NAME_BYTES);
        }
        for (size_t e = 0; e < t->n_entities; e++)
            if (ddbgen_entity_find_gsi_mapping(&t->entities[e], g->name))
                mapped = true;
        if (!mapped && g->keys_ok)
            ddbgen_diag_add(v->d, WARN, P(v, g->path, "name"),
                            "map it in an entity's gsi_mappings, or remove it",
                            "no entity maps GSI '%s', so it stays empty", g->name);
        /* INCLUDE projection safety (gsi_validator.py): required fields not projected. */
        if (g->projection == DDBGEN_PROJ_INCLUDE && g->keys_ok) {
            for (size_t e = 0; e < t->n_entities; e++) {
                const ddbgen_entity *en = &t->entities[e];
                const ddbgen_gsi_mapping *mp = ddbgen_entity_find_gsi_mapping(en, g->name);
                const char **missing_fields;
                size_t n_missing = 0;
                if (!mp)
                    continue;
                missing_fields = ddbgen_arena_calloc(v->a, en->n_fields, sizeof(char *));
                if (!missing_fields) {
                    v->nomem = true;
                    break;
                }
                for (size_t k = 0; k < en->n_fields; k++) {
                    const ddbgen_field *f = &en->fields[k];
                    bool projected_f = false;
                    if (!f->name || !f->required)
                        continue;
                    for (size_t q = 0; q < g->n_included; q++)
                        if (streq(g->included[q], f->name))
                            projected_f = true;
                    if (streq(t->partition_key, f->name) || streq(t->sort_key, f->name))
                        projected_f = true;
                    for (size_t q = 0; q < g->n_pk + g->n_sk; q++)
                        if (streq(q < g->n_pk ? g->pk[q] : g->sk[q - g->n_pk], f->name))
                            projected_f = true;
                    if (template_uses(&mp->pk, f->name) || template_uses(&mp->sk, f->name))
                        projected_f = true;
                    if (!projected_f)
                        missing_fields[n_missing++] = f->name;
                }
                if (n_missing)
                    ddbgen_diag_add(v->d, WARN, en->path,
                                    F(v,
                                      "add them to included_attributes, or make them optional "
                                      "(required: false); otherwise queries on the GSI return "
                                      "raw items instead of '%s' entities",
                                      en->name),
                                    "GSI '%s' uses INCLUDE projection but entity '%s' has required "
                                    "fields not in included_attributes: %s",
                                    g->name, en->name, join_names(v, missing_fields, n_missing));
            }
        }
    }
    if (projected > MAX_PROJECTED_ATTRS)
        ddbgen_diag_add(v->d, ERR, P(v, t->path, "gsi_list"),
                        "project fewer attributes (ALL does not count against the limit)",
                        "table '%s' projects %zu attributes into its GSIs; DynamoDB allows %d",
                        t->name ? t->name : "?", projected, MAX_PROJECTED_ATTRS);
    scope_free(&scope);
}

static void check_table(vctx *v, const ddbgen_table *t)
{
    const char *tc = P(v, t->path, "table_config");
    if (t->name && !valid_dynamodb_name(t->name))
        ddbgen_diag_add(v->d, ERR, P(v, tc, "table_name"),
                        "use 3-255 characters from a-z, A-Z, 0-9, '_', '-' and '.'",
                        "table name '%s' is not a valid DynamoDB table name", t->name);
    if (t->partition_key && strlen(t->partition_key) > MAX_KEY_NAME_BYTES)
        ddbgen_diag_add(v->d, ERR, P(v, tc, "partition_key"), "use a shorter attribute name",
                        "key attribute name is over DynamoDB's %d-byte limit", MAX_KEY_NAME_BYTES);
    if (t->sort_key && strlen(t->sort_key) > MAX_KEY_NAME_BYTES)
        ddbgen_diag_add(v->d, ERR, P(v, tc, "sort_key"), "use a shorter attribute name",
                        "key attribute name is over DynamoDB's %d-byte limit", MAX_KEY_NAME_BYTES);
    if (t->partition_key && streq(t->partition_key, t->sort_key))
        ddbgen_diag_add(
            v->d, ERR, P(v, tc, "sort_key"), "name the sort key attribute differently, e.g. \"sk\"",
            "the partition key and the sort key are both attribute '%s'", t->partition_key);
    check_gsis(v, t);
    for (size_t i = 0; i < t->n_entities; i++) {
        const ddbgen_entity *e = &t->entities[i];
        for (size_t j = 0; j < i; j++) {
            const ddbgen_entity *o = &t->entities[j];
            if (e->entity_type && streq(e->entity_type, o->entity_type))
                ddbgen_diag_add(v->d, WARN, P(v, e->path, "entity_type"),
                                "give every entity of a table its own entity_type",
                                "entities '%s' and '%s' of table '%s' have the same entity_type "
                                "'%s'",
                                o->name, e->name, t->name ? t->name : "?", e->entity_type);
            if (e->pk.present && key_same_shape(&e->pk, &o->pk) && key_same_shape(&e->sk, &o->sk))
                ddbgen_diag_add(v->d, WARN, e->path,
                                "give the entities different literal prefixes in their sort key "
                                "(or partition key) templates",
                                "entities '%s' and '%s' have key templates of the same shape ('%s' "
                                "/ '%s'), so their items can overwrite each other",
                                o->name, e->name, e->pk.n ? e->pk.items[0].raw : "",
                                e->sk.present && e->sk.n ? e->sk.items[0].raw : "");
        }
        check_entity(v, t, e);
    }
    check_table_key_types(v, t);
}

/* ---- cross-table patterns (cross_table_validator.py) ----------------------------------------- */

static const ddbgen_field *find_field_anywhere(const ddbgen_model *m, const ddbgen_tx_pattern *p,
                                               const char *name)
{
    /* The entities of the transaction first, then every entity (the MCP rule). */
    for (size_t i = 0; i < p->n_entities; i++) {
        const ddbgen_entity *e = ddbgen_model_find_entity(m, p->entities[i].entity);
        const ddbgen_field *f = ddbgen_entity_find_field(e, name);
        if (f)
            return f;
    }
    for (size_t i = 0; i < m->n_tables; i++)
        for (size_t j = 0; j < m->tables[i].n_entities; j++) {
            const ddbgen_field *f = ddbgen_entity_find_field(&m->tables[i].entities[j], name);
            if (f)
                return f;
        }
    return NULL;
}

static void check_tx_pattern(vctx *v, const ddbgen_tx_pattern *p)
{
    const char **table_names = ddbgen_arena_calloc(v->a, v->m->n_tables, sizeof(char *));
    if (!table_names) {
        v->nomem = true;
        return;
    }
    for (size_t i = 0; i < v->m->n_tables; i++)
        table_names[i] = v->m->tables[i].name;

    check_params(v, p->params, p->n_params);
    for (size_t i = 0; i < p->n_params; i++) {
        const ddbgen_param *prm = &p->params[i];
        const ddbgen_field *f;
        if (!prm->name || prm->type == DDBGEN_TYPE_ENTITY || prm->type == DDBGEN_TYPE_UNKNOWN)
            continue;
        f = find_field_anywhere(v->m, p, prm->name);
        if (f && f->type != DDBGEN_TYPE_UNKNOWN && f->type != prm->type)
            ddbgen_diag_add(v->d, ERR, P(v, prm->path, "type"),
                            F(v,
                              "change parameter type to '%s' to match the entity field "
                              "definition",
                              ddbgen_type_name(f->type)),
                            "parameter '%s' type '%s' doesn't match field type '%s'", prm->name,
                            prm->type_raw, ddbgen_type_name(f->type));
    }
    if (p->n_entities > MAX_TX_ITEMS)
        ddbgen_diag_add(v->d, ERR, P(v, p->path, "entities_involved"), "split the transaction",
                        "a transaction has at most %d actions, got %zu", MAX_TX_ITEMS,
                        p->n_entities);
    if (p->operation == DDBGEN_TX_WRITE && p->return_type != DDBGEN_TXRT_UNKNOWN &&
        p->return_type != DDBGEN_TXRT_BOOLEAN)
        ddbgen_diag_add(
            v->d, ERR, P(v, p->path, "return_type"), "use \"boolean\" for TransactWrite",
            "TransactWrite returns only whether it succeeded, not %s", p->return_type_raw);
    if (p->operation == DDBGEN_TX_GET && p->return_type == DDBGEN_TXRT_BOOLEAN)
        ddbgen_diag_add(v->d, ERR, P(v, p->path, "return_type"),
                        "use \"object\" or \"array\" for TransactGet",
                        "TransactGet returns the items it reads, not a boolean");

    for (size_t i = 0; i < p->n_entities; i++) {
        const ddbgen_tx_entity *x = &p->entities[i];
        const ddbgen_table *t = x->table ? ddbgen_model_find_table(v->m, x->table) : NULL;
        const ddbgen_entity *e = NULL;
        if (x->table && !t) {
            const char *guess = ddbgen_suggest(x->table, table_names, v->m->n_tables);
            ddbgen_diag_add(v->d, ERR, P(v, x->path, "table"),
                            guess ? F(v, "did you mean '%s'? tables: %s", guess,
                                      join_names(v, table_names, v->m->n_tables))
                                  : F(v,
                                      "ensure the table is defined in the tables array (tables: "
                                      "%s)",
                                      join_names(v, table_names, v->m->n_tables)),
                            "table '%s' not found in schema", x->table);
        }
        if (t && x->entity) {
            for (size_t j = 0; j < t->n_entities; j++)
                if (streq(t->entities[j].name, x->entity))
                    e = &t->entities[j];
            if (!e) {
                const char **names = ddbgen_arena_calloc(v->a, t->n_entities, sizeof(char *));
                for (size_t j = 0; names && j < t->n_entities; j++)
                    names[j] = t->entities[j].name;
                ddbgen_diag_add(v->d, ERR, P(v, x->path, "entity"),
                                names ? F(v,
                                          "ensure the entity is defined in table %s (entities: "
                                          "%s)",
                                          x->table, join_names(v, names, t->n_entities))
                                      : NULL,
                                "entity '%s' not found in table '%s'", x->entity, x->table);
            }
        }
        if (x->action != DDBGEN_ACT_UNKNOWN && p->operation != DDBGEN_TX_UNKNOWN) {
            bool ok = p->operation == DDBGEN_TX_GET ? x->action == DDBGEN_ACT_GET
                                                    : x->action != DDBGEN_ACT_GET;
            const char *valid = p->operation == DDBGEN_TX_GET ? "Get"
                                                              : "Put, Update, Delete, "
                                                                "ConditionCheck";
            if (!ok) {
                ddbgen_diag_add(v->d, ERR, P(v, x->path, "action"), F(v, "use one of: %s", valid),
                                "invalid action '%s' for operation '%s'", x->action_raw,
                                p->operation_raw);
                continue; /* the parameters depend on the action */
            }
        }
        if (x->condition && strlen(x->condition) > MAX_EXPRESSION_BYTES)
            ddbgen_diag_add(v->d, ERR, P(v, x->path, "condition"), "shorten the condition",
                            "condition expression is over DynamoDB's %d-byte limit",
                            MAX_EXPRESSION_BYTES);

        /* Parameters sufficient for the action (once the operation and action are right). */
        if (e && x->action != DDBGEN_ACT_UNKNOWN && p->operation != DDBGEN_TX_UNKNOWN) {
            bool has_item = false;
            for (size_t k = 0; k < p->n_params; k++)
                if (p->params[k].type == DDBGEN_TYPE_ENTITY &&
                    (streq(p->params[k].entity_type, e->name) || !p->params[k].entity_type ||
                     !ddbgen_model_find_entity(v->m, p->params[k].entity_type)))
                    has_item = true; /* a broken entity parameter is reported already */
            if (x->action == DDBGEN_ACT_PUT && !has_item &&
                !(p->n_params > 0 && fields_supplied(e, p->params, p->n_params))) {
                ddbgen_diag_add(v->d, ERR, P(v, x->path, "action"),
                                F(v,
                                  "add {\"name\": \"%s\", \"type\": \"entity\", \"entity_type\": "
                                  "\"%s\"} to the pattern's parameters",
                                  e->c_name ? e->c_name : "item", e->name),
                                "Put on '%s' needs an entity parameter of type '%s', or "
                                "parameters named after every key and required field",
                                e->name, e->name);
            } else if (x->action != DDBGEN_ACT_PUT && !has_item) {
                for (size_t s = 0; s < 2; s++) {
                    const ddbgen_key_template *k = s == 0 ? &e->pk : &e->sk;
                    for (size_t q = 0; k->n == 1 && k->items[0].ok && q < k->items[0].n_parts;
                         q++) {
                        const ddbgen_template_part *part = &k->items[0].parts[q];
                        bool dup = false;
                        if (!part->is_field ||
                            ddbgen_pattern_find_param(p->params, p->n_params, part->text))
                            continue;
                        for (size_t r = 0; r < q; r++)
                            if (k->items[0].parts[r].is_field &&
                                streq(k->items[0].parts[r].text, part->text))
                                dup = true;
                        if (dup)
                            continue;
                        ddbgen_diag_add(
                            v->d, ERR, P(v, x->path, "action"),
                            F(v,
                              "add %s or an entity parameter of type '%s' to the pattern's "
                              "parameters",
                              param_example(v, e, part->text), e->name),
                            "%s on '%s' needs key field '%s' (from %s '%s'), but no parameter "
                            "supplies it",
                            x->action_raw, e->name, part->text,
                            s == 0 ? "pk_template" : "sk_template", k->items[0].raw);
                    }
                }
            }
        }
    }
}

/* ---- the model ------------------------------------------------------------------------------- */

typedef struct id_seen {
    long long id;
    const char *path;
} id_seen;

typedef struct id_list {
    id_seen *items;
    size_t n, cap;
    long long max; /* the largest ID in the model, to suggest a free one */
} id_list;

static void note_pattern_id(vctx *v, id_list *ids, long long id, const char *path,
                            const char *scope)
{
    for (size_t q = 0; q < ids->n; q++) {
        if (ids->items[q].id == id) {
            ddbgen_diag_add(
                v->d, ERR, P(v, path, "pattern_id"),
                F(v, "pattern IDs must be unique across all %s; %lld is free", scope, ++ids->max),
                "duplicate pattern_id %lld (also %s)", id, ids->items[q].path);
            return;
        }
    }
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 64;
        id_seen *grown = realloc(ids->items, cap * sizeof(*grown));
        if (!grown) {
            v->nomem = true;
            return;
        }
        ids->items = grown;
        ids->cap = cap;
    }
    ids->items[ids->n++] = (id_seen){id, path};
}

static void check_model(vctx *v)
{
    const ddbgen_model *m = v->m;
    cname_scope tables = {0}, entities = {0}, txs = {0};
    id_list ids = {0};

    /* Model-level extensions. */
    if (m->counter_table && !valid_dynamodb_name(m->counter_table))
        ddbgen_diag_add(v->d, ERR, m->ext_path ? P(v, m->ext_path, "counter_table") : "$",
                        "use 3-255 characters from a-z, A-Z, 0-9, '_', '-' and '.'",
                        "counter table name '%s' is not a valid DynamoDB table name",
                        m->counter_table);
    if (ddbgen_model_find_table(m, m->counter_table)) {
        bool counters = false;
        for (size_t i = 0; i < m->n_tables; i++)
            for (size_t j = 0; j < m->tables[i].n_entities; j++)
                if (m->tables[i].entities[j].ext.id_strategy == DDBGEN_ID_COUNTER)
                    counters = true;
        if (counters)
            ddbgen_diag_add(v->d, ERR, m->ext_path ? P(v, m->ext_path, "counter_table") : "$",
                            "set x-ddbkit.counter_table to a table name the model does not use",
                            "the counter table '%s' is also a table of the model",
                            m->counter_table);
    }

    /* Names unique across the model; C names unique after mapping. */
    for (size_t i = 0; i < m->n_tables; i++) {
        const ddbgen_table *t = &m->tables[i];
        if (t->name) {
            for (size_t j = 0; j < i; j++) {
                if (streq(m->tables[j].name, t->name)) {
                    ddbgen_diag_add(v->d, ERR, P(v, P(v, t->path, "table_config"), "table_name"),
                                    "table names must be unique across all tables",
                                    "duplicate table name '%s'", t->name);
                    break;
                }
            }
            scope_add(v, &tables, t->c_name, t->name,
                      P(v, P(v, t->path, "table_config"), "table_name"), "table");
        }
        for (size_t j = 0; j < t->n_entities; j++) {
            const ddbgen_entity *e = &t->entities[j];
            const ddbgen_entity *first = ddbgen_model_find_entity(m, e->name);
            if (first != e)
                ddbgen_diag_add(v->d, ERR, e->path, "entity names must be unique across all tables",
                                "duplicate entity name '%s' across tables", e->name);
            else
                scope_add(v, &entities, e->c_name, e->name, e->path, "entity");
        }
    }

    /* pattern_id: unique across all entities and cross-table patterns. */
    for (size_t i = 0; i < m->n_tables; i++)
        for (size_t j = 0; j < m->tables[i].n_entities; j++)
            for (size_t k = 0; k < m->tables[i].entities[j].n_patterns; k++) {
                const ddbgen_access_pattern *ap = &m->tables[i].entities[j].patterns[k];
                if (ap->has_pattern_id && ap->pattern_id > ids.max)
                    ids.max = ap->pattern_id;
            }
    for (size_t i = 0; i < m->n_tx_patterns; i++)
        if (m->tx_patterns[i].has_pattern_id && m->tx_patterns[i].pattern_id > ids.max)
            ids.max = m->tx_patterns[i].pattern_id;
    for (size_t i = 0; i < m->n_tables; i++)
        for (size_t j = 0; j < m->tables[i].n_entities; j++)
            for (size_t k = 0; k < m->tables[i].entities[j].n_patterns; k++) {
                const ddbgen_access_pattern *ap = &m->tables[i].entities[j].patterns[k];
                if (ap->has_pattern_id)
                    note_pattern_id(v, &ids, ap->pattern_id, ap->path, "tables and entities");
            }
    for (size_t i = 0; i < m->n_tx_patterns; i++) {
        const ddbgen_tx_pattern *p = &m->tx_patterns[i];
        if (p->has_pattern_id)
            note_pattern_id(v, &ids, p->pattern_id, p->path, "tables and cross-table patterns");
    }

    for (size_t i = 0; i < m->n_tables; i++)
        check_table(v, &m->tables[i]);

    for (size_t i = 0; i < m->n_tx_patterns; i++) {
        const ddbgen_tx_pattern *p = &m->tx_patterns[i];
        bool dup = false;
        for (size_t j = 0; p->name && j < i; j++) {
            if (streq(m->tx_patterns[j].name, p->name)) {
                ddbgen_diag_add(v->d, ERR, P(v, p->path, "name"),
                                "cross-table pattern names must be unique",
                                "duplicate cross-table pattern name '%s'", p->name);
                dup = true;
                break;
            }
        }
        if (!dup)
            scope_add(v, &txs, p->c_name, p->name, P(v, p->path, "name"), "cross-table pattern");
        check_tx_pattern(v, p);
    }
    free(ids.items);
    scope_free(&tables);
    scope_free(&entities);
    scope_free(&txs);
}

int ddbgen_model_validate(const ddbgen_model *m, ddbgen_diags *diags)
{
    vctx v = {m, diags, NULL, false};
    int rc;
    if (!m || !diags)
        return DDBGEN_ERR_ARG;
    rc = ddbgen_arena_new(&v.a);
    if (rc)
        return rc;
    check_model(&v);
    ddbgen_arena_free(v.a);
    if (v.nomem) {
        diags->nomem = true;
        return DDBGEN_ERR_NOMEM;
    }
    return diags->n_errors || diags->dropped || diags->nomem ? DDBGEN_ERR_INVALID : 0;
}
