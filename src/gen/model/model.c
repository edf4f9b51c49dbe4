/*
 * The model loader: schema.json (the DynamoDB MCP server's format) plus "x-ddbkit" extensions,
 * into the model of model.h.
 *
 * The shape rules follow the MCP server's own validator (awslabs/mcp,
 * src/dynamodb-mcp-server/awslabs/dynamodb_mcp_server/repo_generation_tool/core/:
 * schema_validator.py, schema_definitions.py, gsi_validator.py, filter_expression_validator.py,
 * cross_table_validator.py): which keys are required, their JSON types and their enum values.
 * Like it, the loader ignores keys it does not know (pk_params, _comment, ...), except inside
 * "x-ddbkit", where an unknown key is an error because it is most likely a misspelling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/model.h"

typedef struct loader {
    ddbgen_arena *a;
    ddbgen_diags *d;
    ddbgen_model *m;
    bool nomem;
} loader;

#define ERR DDBGEN_SEV_ERROR
#define WARN DDBGEN_SEV_WARNING

/* ---- enum tables ----------------------------------------------------------------------------- */

typedef struct enum_entry {
    const char *name;
    int value;
} enum_entry;

static const enum_entry field_types[] = {
    {"string", DDBGEN_TYPE_STRING},   {"integer", DDBGEN_TYPE_INTEGER},
    {"decimal", DDBGEN_TYPE_DECIMAL}, {"boolean", DDBGEN_TYPE_BOOLEAN},
    {"array", DDBGEN_TYPE_ARRAY},     {"object", DDBGEN_TYPE_OBJECT},
    {"uuid", DDBGEN_TYPE_UUID},
};
static const enum_entry param_types[] = {
    {"string", DDBGEN_TYPE_STRING},   {"integer", DDBGEN_TYPE_INTEGER},
    {"decimal", DDBGEN_TYPE_DECIMAL}, {"boolean", DDBGEN_TYPE_BOOLEAN},
    {"array", DDBGEN_TYPE_ARRAY},     {"object", DDBGEN_TYPE_OBJECT},
    {"uuid", DDBGEN_TYPE_UUID},       {"entity", DDBGEN_TYPE_ENTITY},
};
static const enum_entry item_types[] = {
    {"string", DDBGEN_TYPE_STRING},   {"integer", DDBGEN_TYPE_INTEGER},
    {"decimal", DDBGEN_TYPE_DECIMAL}, {"boolean", DDBGEN_TYPE_BOOLEAN},
    {"object", DDBGEN_TYPE_OBJECT},   {"uuid", DDBGEN_TYPE_UUID},
};
static const enum_entry operations[] = {
    {"GetItem", DDBGEN_OP_GET_ITEM},
    {"PutItem", DDBGEN_OP_PUT_ITEM},
    {"DeleteItem", DDBGEN_OP_DELETE_ITEM},
    {"Query", DDBGEN_OP_QUERY},
    {"Scan", DDBGEN_OP_SCAN},
    {"UpdateItem", DDBGEN_OP_UPDATE_ITEM},
    {"BatchGetItem", DDBGEN_OP_BATCH_GET_ITEM},
    {"BatchWriteItem", DDBGEN_OP_BATCH_WRITE_ITEM},
};
static const enum_entry return_types[] = {
    {"single_entity", DDBGEN_RT_SINGLE_ENTITY},
    {"entity_list", DDBGEN_RT_ENTITY_LIST},
    {"success_flag", DDBGEN_RT_SUCCESS_FLAG},
    {"mixed_data", DDBGEN_RT_MIXED_DATA},
    {"void", DDBGEN_RT_VOID},
};
static const enum_entry ranges[] = {
    {"begins_with", DDBGEN_RANGE_BEGINS_WITH},
    {"between", DDBGEN_RANGE_BETWEEN},
    {"<", DDBGEN_RANGE_LT},
    {"<=", DDBGEN_RANGE_LE},
    {">", DDBGEN_RANGE_GT},
    {">=", DDBGEN_RANGE_GE},
};
static const enum_entry projections[] = {
    {"ALL", DDBGEN_PROJ_ALL},
    {"KEYS_ONLY", DDBGEN_PROJ_KEYS_ONLY},
    {"INCLUDE", DDBGEN_PROJ_INCLUDE},
};
static const enum_entry filter_ops[] = {
    {"=", DDBGEN_FOP_EQ},
    {"<>", DDBGEN_FOP_NE},
    {"<", DDBGEN_FOP_LT},
    {"<=", DDBGEN_FOP_LE},
    {">", DDBGEN_FOP_GT},
    {">=", DDBGEN_FOP_GE},
    {"between", DDBGEN_FOP_BETWEEN},
    {"in", DDBGEN_FOP_IN},
};
static const enum_entry filter_fns[] = {
    {"contains", DDBGEN_FFN_CONTAINS},
    {"begins_with", DDBGEN_FFN_BEGINS_WITH},
    {"attribute_exists", DDBGEN_FFN_ATTRIBUTE_EXISTS},
    {"attribute_not_exists", DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS},
    {"size", DDBGEN_FFN_SIZE},
};
static const enum_entry logical_ops[] = {{"AND", DDBGEN_LOGIC_AND}, {"OR", DDBGEN_LOGIC_OR}};
static const enum_entry tx_operations[] = {
    {"TransactWrite", DDBGEN_TX_WRITE},
    {"TransactGet", DDBGEN_TX_GET},
};
static const enum_entry tx_actions[] = {
    {"Put", DDBGEN_ACT_PUT},       {"Update", DDBGEN_ACT_UPDATE},
    {"Delete", DDBGEN_ACT_DELETE}, {"ConditionCheck", DDBGEN_ACT_CONDITION_CHECK},
    {"Get", DDBGEN_ACT_GET},
};
static const enum_entry tx_returns[] = {
    {"boolean", DDBGEN_TXRT_BOOLEAN},
    {"object", DDBGEN_TXRT_OBJECT},
    {"array", DDBGEN_TXRT_ARRAY},
};
static const enum_entry id_strategies[] = {
    {"source", DDBGEN_ID_SOURCE},
    {"counter", DDBGEN_ID_COUNTER},
    {"uuid", DDBGEN_ID_UUID},
    {"ulid", DDBGEN_ID_ULID},
};

#define N_OF(x) (sizeof(x) / sizeof((x)[0]))

static const char *enum_name(const enum_entry *t, size_t n, int value, const char *fallback)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == value)
            return t[i].name;
    return fallback;
}

const char *ddbgen_type_name(ddbgen_type t)
{
    return enum_name(param_types, N_OF(param_types), (int)t, "unknown");
}

const char *ddbgen_operation_name(ddbgen_operation op)
{
    return enum_name(operations, N_OF(operations), (int)op, "unknown");
}

const char *ddbgen_return_type_name(ddbgen_return_type rt)
{
    return enum_name(return_types, N_OF(return_types), (int)rt, "unknown");
}

const char *ddbgen_range_name(ddbgen_range r)
{
    return enum_name(ranges, N_OF(ranges), (int)r, r == DDBGEN_RANGE_NONE ? "none" : "unknown");
}

const char *ddbgen_projection_name(ddbgen_projection p)
{
    return enum_name(projections, N_OF(projections), (int)p, "unknown");
}

const char *ddbgen_filter_op_name(ddbgen_filter_op op)
{
    return enum_name(filter_ops, N_OF(filter_ops), (int)op, "none");
}

const char *ddbgen_filter_fn_name(ddbgen_filter_fn fn)
{
    return enum_name(filter_fns, N_OF(filter_fns), (int)fn, "none");
}

const char *ddbgen_tx_operation_name(ddbgen_tx_operation op)
{
    return enum_name(tx_operations, N_OF(tx_operations), (int)op, "unknown");
}

const char *ddbgen_tx_action_name(ddbgen_tx_action a)
{
    return enum_name(tx_actions, N_OF(tx_actions), (int)a, "unknown");
}

const char *ddbgen_id_strategy_name(ddbgen_id_strategy s)
{
    return enum_name(id_strategies, N_OF(id_strategies), (int)s,
                     s == DDBGEN_ID_NONE ? "none" : "unknown");
}

bool ddbgen_type_is_numeric(ddbgen_type t)
{
    return t == DDBGEN_TYPE_INTEGER || t == DDBGEN_TYPE_DECIMAL;
}

bool ddbgen_types_fit(ddbgen_type param, ddbgen_type field)
{
    if (param == field)
        return true;
    if (ddbgen_type_is_numeric(param) && ddbgen_type_is_numeric(field))
        return true;
    return (param == DDBGEN_TYPE_STRING || param == DDBGEN_TYPE_UUID) &&
           (field == DDBGEN_TYPE_STRING || field == DDBGEN_TYPE_UUID);
}

bool ddbgen_operation_is_read(ddbgen_operation op)
{
    return op == DDBGEN_OP_GET_ITEM || op == DDBGEN_OP_QUERY || op == DDBGEN_OP_SCAN ||
           op == DDBGEN_OP_BATCH_GET_ITEM;
}

/* ---- paths and diagnostics ------------------------------------------------------------------- */

static const char *pkey(loader *L, const char *base, const char *key)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    const char *s, *r = NULL;
    ddbgen_buf_puts(&b, base);
    ddbgen_path_append_key(&b, key);
    s = ddbgen_buf_str(&b);
    if (s)
        r = ddbgen_arena_strdup(L->a, s);
    ddbgen_buf_free(&b);
    if (!r)
        L->nomem = true;
    return r ? r : "$";
}

static const char *pidx(loader *L, const char *base, size_t i)
{
    const char *r = ddbgen_arena_printf(L->a, "%s[%zu]", base, i);
    if (!r)
        L->nomem = true;
    return r ? r : "$";
}

static const char *kind(const json_t *v)
{
    if (!v)
        return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
    default:
        return "null";
    }
}

static const char *sdup(loader *L, const char *s)
{
    const char *r = ddbgen_arena_strdup(L->a, s);
    if (s && !r)
        L->nomem = true;
    return r;
}

/* ---- typed member access --------------------------------------------------------------------- */

/* A member, or NULL when absent; null counts as absent unless null_is_value. */
static json_t *member(json_t *obj, const char *key, bool null_is_value)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_null(v) && !null_is_value)
        return NULL;
    return v;
}

static void missing(loader *L, const char *obj_path, const char *key, const char *example)
{
    char hint[256];
    snprintf(hint, sizeof(hint), "add \"%s\": %s", key, example);
    ddbgen_diag_add(L->d, ERR, pkey(L, obj_path, key), hint, "missing required field '%s'", key);
}

static void wrong_type(loader *L, const char *path, const char *key, const char *want,
                       const json_t *got)
{
    char hint[128];
    snprintf(hint, sizeof(hint), "change %s to %s", key, want);
    ddbgen_diag_add(L->d, ERR, path, hint, "'%s' must be %s, not %s", key, want, kind(got));
}

/*
 * A string member. Absent: NULL (an error if required). Wrong type: an error and NULL. Empty or
 * blank: an error when !allow_empty.
 */
static const char *get_string(loader *L, json_t *obj, const char *obj_path, const char *key,
                              bool required, bool allow_empty)
{
    json_t *v = member(obj, key, required);
    const char *s;
    if (!v) {
        if (required)
            missing(L, obj_path, key, "\"...\"");
        return NULL;
    }
    if (!json_is_string(v)) {
        wrong_type(L, pkey(L, obj_path, key), key, "a string", v);
        return NULL;
    }
    s = json_string_value(v);
    if (!allow_empty) {
        bool blank = true;
        for (const char *p = s; *p; p++)
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
                blank = false;
        if (blank) {
            ddbgen_diag_add(L->d, ERR, pkey(L, obj_path, key), "give it a value", "'%s' is empty",
                            key);
            return NULL;
        }
    }
    if (strlen(s) != json_string_length(v)) {
        ddbgen_diag_add(L->d, ERR, pkey(L, obj_path, key), "remove the \\u0000",
                        "'%s' contains a NUL character", key);
        return NULL;
    }
    return sdup(L, s);
}

/* A boolean member: 1 true, 0 false, -1 absent or wrong (an error if required or wrong). */
static int get_bool(loader *L, json_t *obj, const char *obj_path, const char *key, bool required)
{
    json_t *v = member(obj, key, required);
    if (!v) {
        if (required)
            missing(L, obj_path, key, "true or false");
        return -1;
    }
    if (!json_is_boolean(v)) {
        wrong_type(L, pkey(L, obj_path, key), key, "true or false", v);
        return -1;
    }
    return json_is_true(v) ? 1 : 0;
}

/* An integer member: true and *out on success; false when absent or wrong (reported). */
static bool get_int(loader *L, json_t *obj, const char *obj_path, const char *key, bool required,
                    long long *out)
{
    json_t *v = member(obj, key, required);
    if (!v) {
        if (required)
            missing(L, obj_path, key, "an integer");
        return false;
    }
    if (!json_is_integer(v)) {
        wrong_type(L, pkey(L, obj_path, key), key, "an integer", v);
        return false;
    }
    *out = (long long)json_integer_value(v);
    return true;
}

/* An array member, or NULL (absent, or wrong type: reported). */
static json_t *get_array(loader *L, json_t *obj, const char *obj_path, const char *key,
                         bool required)
{
    json_t *v = member(obj, key, required);
    if (!v) {
        if (required)
            missing(L, obj_path, key, "[...]");
        return NULL;
    }
    if (!json_is_array(v)) {
        wrong_type(L, pkey(L, obj_path, key), key, "an array", v);
        return NULL;
    }
    return v;
}

static json_t *get_object(loader *L, json_t *obj, const char *obj_path, const char *key,
                          bool required)
{
    json_t *v = member(obj, key, required);
    if (!v) {
        if (required)
            missing(L, obj_path, key, "{...}");
        return NULL;
    }
    if (!json_is_object(v)) {
        wrong_type(L, pkey(L, obj_path, key), key, "an object", v);
        return NULL;
    }
    return v;
}

/* Maps raw to an enum value; an unknown value is reported with a suggestion. */
static int parse_enum(loader *L, const char *raw, const char *path, const char *what,
                      const enum_entry *t, size_t n, int unknown)
{
    const char *names[16];
    const char *guess;
    ddbgen_buf hint = DDBGEN_BUF_INIT;

    if (!raw)
        return unknown;
    for (size_t i = 0; i < n; i++)
        if (strcmp(raw, t[i].name) == 0)
            return t[i].value;
    for (size_t i = 0; i < n && i < N_OF(names); i++)
        names[i] = t[i].name;
    guess = ddbgen_suggest(raw, names, n < N_OF(names) ? n : N_OF(names));
    if (guess)
        ddbgen_buf_printf(&hint, "did you mean '%s'? ", guess);
    ddbgen_buf_puts(&hint, "use one of: ");
    ddbgen_buf_join(&hint, names, n < N_OF(names) ? n : N_OF(names), ", ");
    ddbgen_diag_add(L->d, ERR, path, ddbgen_buf_str(&hint), "invalid %s '%s'", what, raw);
    ddbgen_buf_free(&hint);
    return unknown;
}

/* The string member `key` mapped to an enum; absent gives `absent`, bad gives `unknown`. */
static int get_enum(loader *L, json_t *obj, const char *obj_path, const char *key, bool required,
                    const char *what, const enum_entry *t, size_t n, int absent, int unknown,
                    const char **raw_out)
{
    json_t *v = member(obj, key, required);
    const char *raw;
    if (raw_out)
        *raw_out = NULL;
    if (!v) {
        if (required) {
            ddbgen_buf ex = DDBGEN_BUF_INIT;
            ddbgen_buf_printf(&ex, "\"%s\"", t[0].name);
            missing(L, obj_path, key, ddbgen_buf_str(&ex) ? ddbgen_buf_str(&ex) : "\"...\"");
            ddbgen_buf_free(&ex);
            return unknown;
        }
        return absent;
    }
    if (!json_is_string(v)) {
        wrong_type(L, pkey(L, obj_path, key), key, "a string", v);
        return unknown;
    }
    raw = sdup(L, json_string_value(v));
    if (raw_out)
        *raw_out = raw;
    return parse_enum(L, raw, pkey(L, obj_path, key), what, t, n, unknown);
}

/* ---- x-ddbkit -------------------------------------------------------------------------------- */

#define EXT_KEY "x-ddbkit"

/* Reports keys of ext that are not in `known`. */
static void ext_unknown_keys(loader *L, json_t *ext, const char *ext_path, const char *const *known,
                             size_t n_known)
{
    const char *key;
    json_t *v;
    json_object_foreach(ext, key, v) {
        bool ok = false;
        ddbgen_buf hint = DDBGEN_BUF_INIT;
        const char *guess;
        for (size_t i = 0; i < n_known; i++)
            if (strcmp(key, known[i]) == 0)
                ok = true;
        if (ok)
            continue;
        guess = ddbgen_suggest(key, known, n_known);
        if (guess)
            ddbgen_buf_printf(&hint, "did you mean '%s'? ", guess);
        ddbgen_buf_puts(&hint, "the keys known here are: ");
        ddbgen_buf_join(&hint, known, n_known, ", ");
        ddbgen_diag_add(L->d, ERR, pkey(L, ext_path, key), ddbgen_buf_str(&hint),
                        "unknown x-ddbkit key '%s'", key);
        ddbgen_buf_free(&hint);
    }
}

/* True when s can be used verbatim as a C name: [a-z][a-z0-9_]*, no "__", no trailing "_"
 * ambiguity, not a keyword. */
static bool valid_c_override(const char *s)
{
    if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
        if (p[0] == '_' && p[1] == '_')
            return false;
    }
    return s[strlen(s) - 1] != '_' && !ddbgen_is_c_keyword(s);
}

/* The C name of a node: its x-ddbkit.c_name when valid, else the mapped name. */
static const char *c_name_for(loader *L, const char *name, const char *override,
                              const char *override_path)
{
    char *mapped = NULL;
    const char *r;
    if (override) {
        if (valid_c_override(override))
            return override;
        ddbgen_diag_add(L->d, ERR, override_path,
                        "use lower-case letters, digits and single underscores, starting with a "
                        "letter, not starting with ddb_ (the generator's own names) and not a C "
                        "keyword",
                        "c_name '%s' is not usable as a C name", override);
    }
    if (!name)
        return NULL;
    if (ddbgen_c_name(&mapped, name) != 0) {
        L->nomem = true;
        return NULL;
    }
    r = sdup(L, mapped);
    free(mapped);
    return r;
}

/*
 * Names the generator gives members of the scope a user name shares: every entity's storage
 * members (the entity's access patterns sit beside them in the repository, "<entity>__<name>")
 * and the model's (beside the cross-table patterns). A mapped name among them gets a trailing
 * underscore, as a keyword does; an x-ddbkit.c_name among them is an error.
 */
static const char *const entity_members[] = {"create", "get",    "update", "delete",
                                             "list",   "mirror", "crud"}; /* crud: the suite's */
static const char *const model_members[] = {"version", "transact", "max_id", "seed_id", "free"};
/* The names generated at the namespace's top level ("<ns>__repo", "<NS>__KIND_NONE"), beside the
 * entities' ("<ns>__<entity>"). gen.names.property finds any the list misses. */
static const char *const top_members[] = {"conformance_case",
                                          "conformance_cases",
                                          "conformance_gap",
                                          "conformance_gaps",
                                          "conformance_options",
                                          "conformance_report",
                                          "conformance_run",
                                          "conformance_run_case",
                                          "create_counter_table",
                                          "create_table_jsons",
                                          "create_tables",
                                          "entities",
                                          "item",
                                          "kind",
                                          "mixed_page",
                                          "mixed_page_free",
                                          "none",
                                          "page_request",
                                          "repo",
                                          "repo_free",
                                          "router",
                                          "router_backfill",
                                          "router_compare_all",
                                          "router_new",
                                          "router_options",
                                          "router_phase",
                                          "router_replay",
                                          "router_set_phase",
                                          "router_stats",
                                          "write",
                                          "write_op"};

static const char *reserve_member(loader *L, json_t *node, const char *path, const char *c_name,
                                  const char *const *reserved, size_t n, const char *what)
{
    json_t *ext = json_is_object(node) ? json_object_get(node, EXT_KEY) : NULL;
    bool override = json_is_object(ext) && json_is_string(json_object_get(ext, "c_name"));
    if (!c_name)
        return c_name;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(c_name, reserved[i]) != 0)
            continue;
        if (override) {
            ddbgen_diag_add(L->d, ERR, pkey(L, pkey(L, path, EXT_KEY), "c_name"),
                            "choose another c_name, or leave it out (the name is then mapped "
                            "to '<name>_')",
                            "c_name '%s' is the generated %s member of the same name", c_name,
                            what);
            return c_name;
        }
        {
            const char *r = ddbgen_arena_printf(L->a, "%s_", c_name);
            if (!r)
                L->nomem = true;
            return r;
        }
    }
    return c_name;
}

/* The conformance suite, the router and the relational implementation name their top-level
 * declarations with these prefixes ("<ns>__conformance_gaps", "<ns>__router_new",
 * "<ns>__sql_repo_new"); an entity name that starts with one takes a trailing underscore, so
 * they can add names without meeting an entity's. */
static const char *reserve_prefixes(loader *L, json_t *node, const char *path, const char *c_name)
{
    static const char *const prefixes[] = {"conformance_", "router_", "sql_"};
    for (size_t i = 0; c_name && i < N_OF(prefixes); i++) {
        const char *one[1] = {c_name};
        if (strncmp(c_name, prefixes[i], strlen(prefixes[i])) == 0)
            return reserve_member(L, node, path, c_name, one, 1, "top-level");
    }
    return c_name;
}

/* Parses an x-ddbkit object that only allows c_name; returns the node's C name. */
static const char *ext_c_name_only(loader *L, json_t *node, const char *node_path, const char *name)
{
    static const char *const known[] = {"c_name"};
    json_t *ext = get_object(L, node, node_path, EXT_KEY, false);
    const char *override = NULL, *ext_path = NULL;
    if (ext) {
        ext_path = pkey(L, node_path, EXT_KEY);
        ext_unknown_keys(L, ext, ext_path, known, N_OF(known));
        override = get_string(L, ext, ext_path, "c_name", false, false);
    }
    return c_name_for(L, name, override, override ? pkey(L, ext_path, "c_name") : NULL);
}

/* ---- templates ------------------------------------------------------------------------------- */

static void parse_one_template(loader *L, ddbgen_template *t, const char *raw, const char *path,
                               const char *what)
{
    const char *problem = NULL;
    int rc;
    t->path = path;
    rc = ddbgen_template_parse(t, L->a, raw, &problem);
    if (rc == DDBGEN_ERR_NOMEM) {
        L->nomem = true;
    } else if (rc != 0) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write literal text with {field_name} placeholders, as in "
                        "\"USER#{user_id}\"",
                        "%s '%s' %s", what, raw, problem ? problem : "is malformed");
    }
}

/*
 * A key template member: a string, or (allow_array) an array of 1-4 strings. Returns false when
 * absent or unusable.
 */
static bool get_key_template(loader *L, json_t *obj, const char *obj_path, const char *key,
                             bool required, bool allow_array, ddbgen_key_template *out)
{
    json_t *v = member(obj, key, required);
    const char *path = pkey(L, obj_path, key);

    memset(out, 0, sizeof(*out));
    out->path = path;
    if (!v) {
        if (required)
            ddbgen_diag_add(L->d, ERR, path,
                            "add it using template syntax such as \"USER#{user_id}\" or "
                            "\"PROFILE#{id}#{timestamp}\"; placeholders name entity fields",
                            "missing required field '%s'", key);
        return false;
    }
    if (json_is_string(v)) {
        out->present = true;
        out->n = 1;
        out->items = ddbgen_arena_calloc(L->a, 1, sizeof(ddbgen_template));
        if (!out->items) {
            L->nomem = true;
            return false;
        }
        parse_one_template(L, &out->items[0], sdup(L, json_string_value(v)), path, key);
        return true;
    }
    if (!json_is_array(v)) {
        wrong_type(L, path, key, allow_array ? "a string or an array of 1-4 strings" : "a string",
                   v);
        return false;
    }
    if (!allow_array) {
        ddbgen_diag_add(L->d, ERR, path,
                        "use one template string; multi-attribute keys exist only for GSIs",
                        "'%s' must be a string, not an array", key);
        return false;
    }
    if (json_array_size(v) == 0) {
        ddbgen_diag_add(L->d, ERR, path, "provide at least one template string",
                        "%s array cannot be empty", key);
        return false;
    }
    if (json_array_size(v) > 4) {
        ddbgen_diag_add(L->d, ERR, path,
                        "DynamoDB multi-attribute keys have at most 4 attributes; remove the rest",
                        "%s array cannot have more than 4 templates (found %zu)", key,
                        json_array_size(v));
    }
    out->present = true;
    out->is_array = true;
    out->n = json_array_size(v);
    out->items = ddbgen_arena_calloc(L->a, out->n, sizeof(ddbgen_template));
    if (!out->items) {
        L->nomem = true;
        out->n = 0;
        return false;
    }
    for (size_t i = 0; i < out->n; i++) {
        json_t *item = json_array_get(v, i);
        const char *ipath = pidx(L, path, i);
        char what[64];
        snprintf(what, sizeof(what), "%s[%zu]", key, i);
        out->items[i].path = ipath;
        if (!json_is_string(item)) {
            ddbgen_diag_add(L->d, ERR, ipath, "make every template in the array a string",
                            "template at index %zu must be a string, not %s", i, kind(item));
            continue;
        }
        parse_one_template(L, &out->items[i], sdup(L, json_string_value(item)), ipath, what);
    }
    return true;
}

/* ---- fields ---------------------------------------------------------------------------------- */

/* A field's x-ddbkit: c_name, and references (the entity whose ID the field holds; whether that
 * entity exists and has a fitting ID field is checked by the validator). */
static void load_field_ext(loader *L, json_t *f, const char *path, ddbgen_field *out)
{
    static const char *const known[] = {"c_name", "references", "computed"};
    json_t *ext = get_object(L, f, path, EXT_KEY, false);
    const char *override = NULL, *ext_path = NULL, *computed;
    if (ext) {
        ext_path = pkey(L, path, EXT_KEY);
        ext_unknown_keys(L, ext, ext_path, known, N_OF(known));
        override = get_string(L, ext, ext_path, "c_name", false, false);
        out->references = get_string(L, ext, ext_path, "references", false, false);
        if (out->references)
            out->references_path = pkey(L, ext_path, "references");
        computed = get_string(L, ext, ext_path, "computed", false, false);
        if (computed)
            parse_one_template(L, &out->computed, computed, pkey(L, ext_path, "computed"),
                               "computed template");
    }
    out->c_name = c_name_for(L, out->name, override, override ? pkey(L, ext_path, "c_name") : NULL);
}

static void load_field(loader *L, json_t *f, const char *path, ddbgen_field *out)
{
    out->path = path;
    if (!json_is_object(f)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write it as {\"name\": ..., \"type\": ..., \"required\": ...}",
                        "field must be an object, not %s", kind(f));
        return;
    }
    out->name = get_string(L, f, path, "name", true, false);
    out->type = (ddbgen_type)get_enum(L, f, path, "type", true, "field type", field_types,
                                      N_OF(field_types), DDBGEN_TYPE_UNKNOWN, DDBGEN_TYPE_UNKNOWN,
                                      &out->type_raw);
    out->required = get_bool(L, f, path, "required", true) == 1;
    if (member(f, "item_type", false)) {
        out->item_type = (ddbgen_type)get_enum(L, f, path, "item_type", false, "item_type",
                                               item_types, N_OF(item_types), DDBGEN_TYPE_UNKNOWN,
                                               DDBGEN_TYPE_UNKNOWN, &out->item_type_raw);
        if (out->type != DDBGEN_TYPE_ARRAY && out->type != DDBGEN_TYPE_UNKNOWN)
            ddbgen_diag_add(L->d, WARN, pkey(L, path, "item_type"), "remove it",
                            "item_type is ignored for a field of type %s",
                            ddbgen_type_name(out->type));
    } else if (out->type == DDBGEN_TYPE_ARRAY) {
        ddbgen_diag_add(L->d, ERR, pkey(L, path, "item_type"),
                        "add \"item_type\": one of string, integer, decimal, boolean, object, uuid",
                        "array fields must specify item_type");
    }
    load_field_ext(L, f, path, out);
}

/* ---- parameters ------------------------------------------------------------------------------ */

static void load_param(loader *L, json_t *p, const char *path, ddbgen_param *out)
{
    json_t *def;
    out->path = path;
    if (!json_is_object(p)) {
        ddbgen_diag_add(L->d, ERR, path, "write it as {\"name\": ..., \"type\": ...}",
                        "parameter must be an object, not %s", kind(p));
        return;
    }
    out->name = get_string(L, p, path, "name", true, false);
    out->type = (ddbgen_type)get_enum(L, p, path, "type", true, "parameter type", param_types,
                                      N_OF(param_types), DDBGEN_TYPE_UNKNOWN, DDBGEN_TYPE_UNKNOWN,
                                      &out->type_raw);
    if (out->type == DDBGEN_TYPE_ENTITY) {
        if (!member(p, "entity_type", false))
            ddbgen_diag_add(L->d, ERR, pkey(L, path, "entity_type"),
                            "add \"entity_type\": the name of the entity",
                            "entity parameters must specify entity_type");
        else
            out->entity_type = get_string(L, p, path, "entity_type", false, false);
    }
    def = member(p, "default", false);
    if (def) {
        char *text = json_dumps(def, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text)
            L->nomem = true;
        out->default_json = sdup(L, text);
        free(text);
    }
    out->c_name = ext_c_name_only(L, p, path, out->name);
}

static void load_params(loader *L, json_t *arr, const char *path, size_t *n_out, ddbgen_param **out)
{
    size_t n = json_array_size(arr);
    ddbgen_param *ps = ddbgen_arena_calloc(L->a, n, sizeof(*ps));
    if (!ps) {
        L->nomem = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        load_param(L, json_array_get(arr, i), pidx(L, path, i), &ps[i]);
    *n_out = n;
    *out = ps;
}

/* ---- filter expressions ---------------------------------------------------------------------- */

static void load_condition(loader *L, json_t *c, const char *path, ddbgen_filter_condition *out)
{
    json_t *params;
    out->path = path;
    if (!json_is_object(c)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write it as {\"field\": ..., \"operator\": ..., \"param\": ...}",
                        "filter condition must be an object, not %s", kind(c));
        return;
    }
    {
        json_t *f = member(c, "field", false);
        if (!f || !json_is_string(f) || json_string_length(f) == 0)
            ddbgen_diag_add(L->d, ERR, pkey(L, path, "field"),
                            "add a field name referencing an entity field",
                            "filter condition must have a non-empty string field");
        else
            out->field = sdup(L, json_string_value(f));
    }
    out->op = (ddbgen_filter_op)get_enum(L, c, path, "operator", false, "operator", filter_ops,
                                         N_OF(filter_ops), DDBGEN_FOP_NONE, DDBGEN_FOP_UNKNOWN,
                                         &out->op_raw);
    out->fn = (ddbgen_filter_fn)get_enum(L, c, path, "function", false, "function", filter_fns,
                                         N_OF(filter_fns), DDBGEN_FFN_NONE, DDBGEN_FFN_UNKNOWN,
                                         &out->fn_raw);
    out->param = get_string(L, c, path, "param", false, false);
    out->param2 = get_string(L, c, path, "param2", false, false);
    params = get_array(L, c, path, "params", false);
    if (params) {
        size_t n = json_array_size(params);
        out->has_params = true;
        out->params = ddbgen_arena_calloc(L->a, n, sizeof(char *));
        if (!out->params) {
            L->nomem = true;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(params, i);
            if (!json_is_string(s) || json_string_length(s) == 0) {
                ddbgen_diag_add(L->d, ERR, pidx(L, pkey(L, path, "params"), i),
                                "list parameter names as strings",
                                "params entries must be non-empty strings, not %s",
                                json_is_string(s) ? "an empty string" : kind(s));
                continue;
            }
            out->params[out->n_params++] = sdup(L, json_string_value(s));
        }
    }
}

static const ddbgen_filter *load_filter(loader *L, json_t *ap, const char *ap_path)
{
    json_t *fe = get_object(L, ap, ap_path, "filter_expression", false);
    const char *path;
    ddbgen_filter *f;
    json_t *conds;

    if (!fe)
        return NULL;
    path = pkey(L, ap_path, "filter_expression");
    f = ddbgen_arena_calloc(L->a, 1, sizeof(*f));
    if (!f) {
        L->nomem = true;
        return NULL;
    }
    f->path = path;
    conds = member(fe, "conditions", false);
    if (!conds || !json_is_array(conds) || json_array_size(conds) == 0) {
        ddbgen_diag_add(L->d, ERR, pkey(L, path, "conditions"), "add at least one filter condition",
                        "filter_expression.conditions must be a non-empty list");
    } else {
        size_t n = json_array_size(conds);
        f->conditions = ddbgen_arena_calloc(L->a, n, sizeof(*f->conditions));
        if (!f->conditions) {
            L->nomem = true;
            return f;
        }
        f->conditions_ok = true;
        f->n_conditions = n;
        for (size_t i = 0; i < n; i++)
            load_condition(L, json_array_get(conds, i), pidx(L, pkey(L, path, "conditions"), i),
                           &f->conditions[i]);
    }
    f->logical_op = (ddbgen_logical_op)get_enum(
        L, fe, path, "logical_operator", false, "logical_operator", logical_ops, N_OF(logical_ops),
        DDBGEN_LOGIC_AND, DDBGEN_LOGIC_UNKNOWN, &f->logical_op_raw);
    return f;
}

/*
 * A field whose mapped C name is the generated companion member of another field ("has_x" of an
 * optional x, "n_x" of an array x) takes a trailing underscore ("has_x_"), as a keyword does: a
 * mapped name never ends with one otherwise, so the two cannot meet. An x-ddbkit.c_name that
 * chose the companion's name is left for the validator to refuse.
 */
static void yield_to_companions(loader *L, json_t *fields, ddbgen_entity *e)
{
    for (size_t j = 0; j < e->n_fields; j++) {
        ddbgen_field *g = &e->fields[j];
        json_t *ext = json_object_get(json_array_get(fields, j), EXT_KEY);
        if (!g->c_name || (json_is_object(ext) && json_object_get(ext, "c_name")))
            continue;
        for (size_t i = 0; i < e->n_fields; i++) {
            const ddbgen_field *f = &e->fields[i];
            const char *prefix = f->type == DDBGEN_TYPE_ARRAY ? "n_" : !f->required ? "has_" : NULL;
            size_t np = prefix ? strlen(prefix) : 0;
            if (i == j || !prefix || !f->c_name || strncmp(g->c_name, prefix, np) != 0 ||
                strcmp(g->c_name + np, f->c_name) != 0)
                continue;
            g->c_name = ddbgen_arena_printf(L->a, "%s_", g->c_name);
            if (!g->c_name)
                L->nomem = true;
            break;
        }
    }
}

/* ---- access patterns ------------------------------------------------------------------------- */

/* scan_index_forward at path: true or false; false asks for descending order. */
static void load_scan_index_forward(loader *L, json_t *v, const char *path,
                                    ddbgen_access_pattern *out)
{
    if (!json_is_boolean(v)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write false for descending sort-key order, or true (the default)",
                        "scan_index_forward must be a boolean (true or false), not %s", kind(v));
        return;
    }
    out->descending = json_is_false(v);
    out->descending_path = path;
}

/* The largest rps taken: far above any table's throughput, and exact in a double. */
#define MAX_RPS 1e9

static void load_rps(loader *L, json_t *v, const char *path, ddbgen_access_pattern *out)
{
    double rps = json_is_number(v) ? json_number_value(v) : 0;
    if (!json_is_number(v)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write the pattern's peak requests per second, e.g. 50 or 0.5",
                        "rps must be a number, not %s", kind(v));
        return;
    }
    if (!(rps > 0) || rps > MAX_RPS) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write the pattern's peak requests per second, e.g. 50 or 0.5",
                        "rps %g is out of range: above 0 and at most %.0f", rps, MAX_RPS);
        return;
    }
    out->has_rps = true;
    out->rps = rps;
    out->rps_path = path;
}

/*
 * An access pattern's x-ddbkit: c_name, scan_index_forward and rps. A bare "scan_index_forward" next
 * to the MCP keys is honoured too, with a warning: the MCP tools ignore it, and ignoring it here
 * would silently return the items in the other order.
 */
static void load_pattern_ext(loader *L, json_t *ap, const char *path, ddbgen_access_pattern *out)
{
    static const char *const known[] = {"c_name", "scan_index_forward", "rps"};
    json_t *ext = get_object(L, ap, path, EXT_KEY, false);
    json_t *bare = member(ap, "scan_index_forward", false);
    const char *override = NULL, *ext_path = NULL;

    if (bare) {
        const char *bare_path = pkey(L, path, "scan_index_forward");
        ddbgen_diag_add(L->d, WARN, bare_path,
                        "move it into the pattern's x-ddbkit object, which the MCP tools ignore",
                        "scan_index_forward is not part of the MCP model format; ddbkit honours "
                        "it, but other tools reading this model will not");
        load_scan_index_forward(L, bare, bare_path, out);
    }
    if (ext) {
        json_t *sif;
        ext_path = pkey(L, path, EXT_KEY);
        ext_unknown_keys(L, ext, ext_path, known, N_OF(known));
        override = get_string(L, ext, ext_path, "c_name", false, false);
        sif = member(ext, "scan_index_forward", false);
        if (sif)
            load_scan_index_forward(L, sif, pkey(L, ext_path, "scan_index_forward"), out);
        if ((sif = member(ext, "rps", false)) != NULL)
            load_rps(L, sif, pkey(L, ext_path, "rps"), out);
    }
    out->c_name = c_name_for(L, out->name, override, override ? pkey(L, ext_path, "c_name") : NULL);
}

static void load_pattern(loader *L, json_t *ap, const char *path, ddbgen_access_pattern *out)
{
    json_t *params, *cr;
    out->path = path;
    if (!json_is_object(ap)) {
        ddbgen_diag_add(L->d, ERR, path, "write the access pattern as a JSON object",
                        "access pattern must be an object, not %s", kind(ap));
        return;
    }
    out->has_pattern_id = get_int(L, ap, path, "pattern_id", true, &out->pattern_id);
    out->name = get_string(L, ap, path, "name", true, false);
    out->description = get_string(L, ap, path, "description", true, true);
    out->operation = (ddbgen_operation)get_enum(L, ap, path, "operation", true, "operation",
                                                operations, N_OF(operations), DDBGEN_OP_UNKNOWN,
                                                DDBGEN_OP_UNKNOWN, &out->operation_raw);
    out->return_type = (ddbgen_return_type)get_enum(
        L, ap, path, "return_type", true, "return_type", return_types, N_OF(return_types),
        DDBGEN_RT_UNKNOWN, DDBGEN_RT_UNKNOWN, &out->return_type_raw);
    params = get_array(L, ap, path, "parameters", false);
    if (params)
        load_params(L, params, pkey(L, path, "parameters"), &out->n_params, &out->params);
    out->index_name = get_string(L, ap, path, "index_name", false, false);
    out->range = (ddbgen_range)get_enum(L, ap, path, "range_condition", false, "range_condition",
                                        ranges, N_OF(ranges), DDBGEN_RANGE_NONE,
                                        DDBGEN_RANGE_UNKNOWN, &out->range_raw);
    cr = member(ap, "consistent_read", false);
    if (cr) {
        if (!json_is_boolean(cr)) {
            ddbgen_diag_add(L->d, ERR, pkey(L, path, "consistent_read"),
                            "change consistent_read to true or false",
                            "consistent_read must be a boolean (true or false), not %s", kind(cr));
        } else {
            out->has_consistent_read = true;
            out->consistent_read = json_is_true(cr);
        }
    }
    out->filter = load_filter(L, ap, path);
    load_pattern_ext(L, ap, path, out);
    out->c_name = reserve_member(L, ap, path, out->c_name, entity_members, N_OF(entity_members),
                                 "per-entity");
}

/* ---- GSIs ------------------------------------------------------------------------------------ */

/* A GSI key: a non-blank string, or an array of 1-4 non-blank strings. */
static bool load_gsi_key(loader *L, json_t *gsi, const char *gsi_path, const char *key,
                         bool required, bool *is_array, size_t *n, const char ***names)
{
    json_t *v = member(gsi, key, false);
    const char *path = pkey(L, gsi_path, key);
    bool ok = true;

    if (!v) {
        if (required)
            missing(L, gsi_path, key, "\"attribute_name\" or [\"attr1\", \"attr2\"]");
        return !required;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool blank = true;
        for (const char *p = s; *p; p++)
            if (*p != ' ' && *p != '\t')
                blank = false;
        if (blank) {
            ddbgen_diag_add(L->d, ERR, path, "provide a valid attribute name", "%s cannot be empty",
                            key);
            return false;
        }
        *names = ddbgen_arena_calloc(L->a, 1, sizeof(char *));
        if (!*names) {
            L->nomem = true;
            return false;
        }
        (*names)[0] = sdup(L, s);
        *n = 1;
        *is_array = false;
        return true;
    }
    if (!json_is_array(v)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "use a single attribute name (string) or an array of 1-4 attribute names",
                        "%s must be a string or array of strings, not %s", key, kind(v));
        return false;
    }
    if (json_array_size(v) == 0) {
        ddbgen_diag_add(L->d, ERR, path, "provide at least one attribute name",
                        "%s array cannot be empty", key);
        return false;
    }
    if (json_array_size(v) > 4) {
        char hint[128];
        snprintf(hint, sizeof(hint),
                 "DynamoDB multi-attribute keys support up to 4 attributes; remove %zu",
                 json_array_size(v) - 4);
        ddbgen_diag_add(L->d, ERR, path, hint,
                        "%s array cannot have more than 4 attributes (found %zu)", key,
                        json_array_size(v));
        ok = false;
    }
    *is_array = true;
    *n = json_array_size(v);
    *names = ddbgen_arena_calloc(L->a, *n, sizeof(char *));
    if (!*names) {
        L->nomem = true;
        return false;
    }
    for (size_t i = 0; i < *n; i++) {
        json_t *item = json_array_get(v, i);
        const char *ipath = pidx(L, path, i);
        if (!json_is_string(item)) {
            ddbgen_diag_add(L->d, ERR, ipath, "make every attribute in the array a string",
                            "attribute at index %zu must be a string", i);
            ok = false;
            continue;
        }
        if (json_string_length(item) == 0 ||
            strspn(json_string_value(item), " \t") == json_string_length(item)) {
            ddbgen_diag_add(L->d, ERR, ipath, "provide a valid attribute name",
                            "attribute at index %zu cannot be empty", i);
            ok = false;
            continue;
        }
        (*names)[i] = sdup(L, json_string_value(item));
    }
    return ok;
}

static void load_gsi(loader *L, json_t *g, const char *path, ddbgen_gsi *out)
{
    json_t *inc;
    bool pk_ok, sk_ok;
    out->path = path;
    if (!json_is_object(g)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write it as {\"name\": ..., \"partition_key\": ..., \"sort_key\": ...}",
                        "GSI definition must be an object, not %s", kind(g));
        return;
    }
    out->name = get_string(L, g, path, "name", true, false);
    pk_ok =
        load_gsi_key(L, g, path, "partition_key", true, &out->pk_is_array, &out->n_pk, &out->pk);
    sk_ok = load_gsi_key(L, g, path, "sort_key", false, &out->sk_is_array, &out->n_sk, &out->sk);
    if (!sk_ok)
        out->n_sk = 0;
    out->keys_ok = pk_ok && sk_ok && out->name;
    out->projection = (ddbgen_projection)get_enum(L, g, path, "projection", false, "projection",
                                                  projections, N_OF(projections), DDBGEN_PROJ_ALL,
                                                  DDBGEN_PROJ_UNKNOWN, &out->projection_raw);
    inc = member(g, "included_attributes", false);
    if (inc) {
        const char *ipath = pkey(L, path, "included_attributes");
        if (!json_is_array(inc)) {
            ddbgen_diag_add(L->d, ERR, ipath, "change included_attributes to a JSON array",
                            "GSI '%s' included_attributes must be an array, not %s",
                            out->name ? out->name : "(unnamed)", kind(inc));
        } else {
            size_t n = json_array_size(inc);
            out->has_included = true;
            out->included = ddbgen_arena_calloc(L->a, n, sizeof(char *));
            if (!out->included) {
                L->nomem = true;
                return;
            }
            for (size_t i = 0; i < n; i++) {
                json_t *s = json_array_get(inc, i);
                if (!json_is_string(s) || json_string_length(s) == 0) {
                    ddbgen_diag_add(L->d, ERR, pidx(L, ipath, i), "list attribute names as strings",
                                    "included_attributes entries must be non-empty strings, not %s",
                                    json_is_string(s) ? "an empty string" : kind(s));
                    continue;
                }
                out->included[out->n_included++] = sdup(L, json_string_value(s));
            }
        }
    }
    if (out->projection == DDBGEN_PROJ_INCLUDE && (!out->has_included || out->n_included == 0) &&
        !(inc && !json_is_array(inc))) {
        if (!out->has_included)
            ddbgen_diag_add(L->d, ERR, pkey(L, path, "included_attributes"),
                            "add an 'included_attributes' array with the field names to project",
                            "GSI '%s' has projection 'INCLUDE' but no 'included_attributes'",
                            out->name ? out->name : "(unnamed)");
        else if (json_array_size(inc) == 0)
            ddbgen_diag_add(L->d, ERR, pkey(L, path, "included_attributes"),
                            "add at least one attribute name to included_attributes",
                            "GSI '%s' included_attributes cannot be empty",
                            out->name ? out->name : "(unnamed)");
    }
    if (inc && out->projection != DDBGEN_PROJ_INCLUDE && out->projection != DDBGEN_PROJ_UNKNOWN)
        ddbgen_diag_add(L->d, ERR, pkey(L, path, "included_attributes"),
                        "remove 'included_attributes' or change projection to 'INCLUDE'",
                        "GSI '%s' has projection '%s' but 'included_attributes' was provided "
                        "(only allowed for INCLUDE)",
                        out->name ? out->name : "(unnamed)",
                        ddbgen_projection_name(out->projection));
    out->c_name = ext_c_name_only(L, g, path, out->name);
}

static void load_gsi_mapping(loader *L, json_t *g, const char *path, ddbgen_gsi_mapping *out)
{
    out->path = path;
    if (!json_is_object(g)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write it as {\"name\": ..., \"pk_template\": ..., \"sk_template\": ...}",
                        "GSI mapping must be an object, not %s", kind(g));
        return;
    }
    out->name = get_string(L, g, path, "name", true, false);
    get_key_template(L, g, path, "pk_template", true, true, &out->pk);
    get_key_template(L, g, path, "sk_template", false, true, &out->sk);
}

/* ---- entities -------------------------------------------------------------------------------- */

static void load_id_strategy(loader *L, json_t *ext, const char *ext_path, ddbgen_entity_ext *x)
{
    static const char *const known[] = {"kind", "field", "block_size", "start"};
    json_t *v = member(ext, "id_strategy", false);
    const char *path = pkey(L, ext_path, "id_strategy");

    if (!v)
        return;
    x->id_strategy_path = path;
    if (json_is_string(v)) {
        x->id_strategy_raw = sdup(L, json_string_value(v));
        x->id_strategy =
            (ddbgen_id_strategy)parse_enum(L, x->id_strategy_raw, path, "id_strategy",
                                           id_strategies, N_OF(id_strategies), DDBGEN_ID_UNKNOWN);
        return;
    }
    if (!json_is_object(v)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "use \"uuid\", \"ulid\", \"counter\" or \"source\", or an object "
                        "{\"kind\": ..., \"field\": ..., \"block_size\": ..., \"start\": ...}",
                        "'id_strategy' must be a string or an object, not %s", kind(v));
        x->id_strategy = DDBGEN_ID_UNKNOWN;
        return;
    }
    ext_unknown_keys(L, v, path, known, N_OF(known));
    x->id_strategy = (ddbgen_id_strategy)get_enum(
        L, v, path, "kind", true, "id_strategy kind", id_strategies, N_OF(id_strategies),
        DDBGEN_ID_UNKNOWN, DDBGEN_ID_UNKNOWN, &x->id_strategy_raw);
    x->id_field = get_string(L, v, path, "field", false, false);
    x->has_block_size = get_int(L, v, path, "block_size", false, &x->block_size);
    x->has_start = get_int(L, v, path, "start", false, &x->start);
}

static void load_unique_fields(loader *L, json_t *ext, const char *ext_path, ddbgen_entity_ext *x)
{
    json_t *arr = get_array(L, ext, ext_path, "unique_fields", false);
    const char *path;
    size_t n;
    if (!arr)
        return;
    path = pkey(L, ext_path, "unique_fields");
    n = json_array_size(arr);
    x->unique = ddbgen_arena_calloc(L->a, n, sizeof(*x->unique));
    if (!x->unique) {
        L->nomem = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(arr, i);
        const char *ipath = pidx(L, path, i);
        ddbgen_unique *u = &x->unique[x->n_unique];
        u->path = ipath;
        if (json_is_string(item) && json_string_length(item) > 0) {
            u->fields = ddbgen_arena_calloc(L->a, 1, sizeof(char *));
            if (!u->fields) {
                L->nomem = true;
                return;
            }
            u->fields[0] = sdup(L, json_string_value(item));
            u->n_fields = 1;
            x->n_unique++;
        } else if (json_is_array(item) && json_array_size(item) > 0) {
            size_t m = json_array_size(item);
            u->fields = ddbgen_arena_calloc(L->a, m, sizeof(char *));
            if (!u->fields) {
                L->nomem = true;
                return;
            }
            for (size_t j = 0; j < m; j++) {
                json_t *s = json_array_get(item, j);
                if (!json_is_string(s) || json_string_length(s) == 0) {
                    ddbgen_diag_add(L->d, ERR, pidx(L, ipath, j), "use field names",
                                    "a unique field set lists field names (strings), not %s",
                                    kind(s));
                    continue;
                }
                u->fields[u->n_fields++] = sdup(L, json_string_value(s));
            }
            if (u->n_fields)
                x->n_unique++;
        } else {
            ddbgen_diag_add(L->d, ERR, ipath,
                            "give a field name, or an array of field names for a composite "
                            "unique key",
                            "unique_fields entries must be a field name or a non-empty array of "
                            "field names, not %s",
                            kind(item));
        }
    }
}

static void load_source(loader *L, json_t *ext, const char *ext_path, ddbgen_entity_ext *x)
{
    static const char *const known[] = {"table", "columns"};
    json_t *src = get_object(L, ext, ext_path, "source", false);
    json_t *cols;
    const char *key;
    json_t *v;

    if (!src)
        return;
    x->source_path = pkey(L, ext_path, "source");
    ext_unknown_keys(L, src, x->source_path, known, N_OF(known));
    x->source_table = get_string(L, src, x->source_path, "table", true, false);
    cols = get_object(L, src, x->source_path, "columns", false);
    if (!cols)
        return;
    x->columns = ddbgen_arena_calloc(L->a, json_object_size(cols), sizeof(*x->columns));
    if (!x->columns) {
        L->nomem = true;
        return;
    }
    json_object_foreach(cols, key, v) {
        const char *cpath = pkey(L, pkey(L, x->source_path, "columns"), key);
        if (!json_is_string(v) || json_string_length(v) == 0) {
            ddbgen_diag_add(L->d, ERR, cpath, "map the field to a column name (a string)",
                            "the column of field '%s' must be a non-empty string, not %s", key,
                            kind(v));
            continue;
        }
        x->columns[x->n_columns].path = cpath;
        x->columns[x->n_columns].field = sdup(L, key);
        x->columns[x->n_columns].column = sdup(L, json_string_value(v));
        x->n_columns++;
    }
}

/* x-ddbkit.sequence: {"field", "parent", "counter", "gapless", "attempts"}; the validator checks
 * that the names exist and fit. */
static void load_sequence(loader *L, json_t *ext, const char *ext_path, ddbgen_entity_ext *x)
{
    static const char *const known[] = {"field", "parent", "counter", "gapless", "attempts"};
    json_t *seq = get_object(L, ext, ext_path, "sequence", false);
    const char *path;
    int gapless;

    if (!seq)
        return;
    path = pkey(L, ext_path, "sequence");
    x->sequence_path = path;
    ext_unknown_keys(L, seq, path, known, N_OF(known));
    x->sequence_field = get_string(L, seq, path, "field", true, false);
    x->sequence_parent = get_string(L, seq, path, "parent", true, false);
    x->sequence_counter = get_string(L, seq, path, "counter", true, false);
    gapless = get_bool(L, seq, path, "gapless", false);
    x->sequence_gapless = gapless != 0; /* absent (-1) means gapless */
    x->has_sequence_attempts = get_int(L, seq, path, "attempts", false, &x->sequence_attempts);
}

static void load_entity_ext(loader *L, json_t *e, const char *path, ddbgen_entity *out)
{
    static const char *const known[] = {"c_name",    "id_strategy",       "unique_fields",
                                        "ttl_field", "version_attribute", "source",
                                        "sequence",  "delete_missing"};
    static const enum_entry delete_missing[] = {{"succeed", 0}, {"not_found", 1}};
    json_t *ext = get_object(L, e, path, EXT_KEY, false);
    ddbgen_entity_ext *x = &out->ext;
    const char *override;

    if (!ext) {
        out->c_name = c_name_for(L, out->name, NULL, NULL);
        return;
    }
    x->path = pkey(L, path, EXT_KEY);
    ext_unknown_keys(L, ext, x->path, known, N_OF(known));
    override = get_string(L, ext, x->path, "c_name", false, false);
    out->c_name = c_name_for(L, out->name, override, pkey(L, x->path, "c_name"));
    load_id_strategy(L, ext, x->path, x);
    load_unique_fields(L, ext, x->path, x);
    x->ttl_field = get_string(L, ext, x->path, "ttl_field", false, false);
    x->version_attribute = get_string(L, ext, x->path, "version_attribute", false, false);
    x->delete_not_found = get_enum(L, ext, x->path, "delete_missing", false, "delete_missing",
                                   delete_missing, N_OF(delete_missing), 0, 0, NULL) == 1;
    load_source(L, ext, x->path, x);
    load_sequence(L, ext, x->path, x);
}

static void load_entity(loader *L, const char *name, json_t *e, const char *path,
                        const ddbgen_table *table, ddbgen_entity *out)
{
    json_t *fields, *maps, *aps, *sk;
    out->path = path;
    out->name = sdup(L, name);
    out->table = table;
    if (!json_is_object(e)) {
        ddbgen_diag_add(L->d, ERR, path, "write the entity as a JSON object",
                        "entity '%s' must be an object, not %s", name, kind(e));
        return;
    }
    out->entity_type = get_string(L, e, path, "entity_type", true, false);
    get_key_template(L, e, path, "pk_template", true, false, &out->pk);
    sk = member(e, "sk_template", false);
    if (json_is_string(sk) && strspn(json_string_value(sk), " \t") == json_string_length(sk)) {
        /* An empty sort key template: whether that is wrong depends on the table (validate.c). */
        out->sk.path = pkey(L, path, "sk_template");
        out->sk.present = true;
        out->sk.n = 0;
    } else {
        get_key_template(L, e, path, "sk_template", false, false, &out->sk);
    }

    fields = get_array(L, e, path, "fields", true);
    if (fields) {
        size_t n = json_array_size(fields);
        const char *fpath = pkey(L, path, "fields");
        if (n == 0)
            ddbgen_diag_add(L->d, ERR, fpath, "add at least one field definition",
                            "fields cannot be empty");
        out->fields = ddbgen_arena_calloc(L->a, n, sizeof(*out->fields));
        if (!out->fields) {
            L->nomem = true;
            return;
        }
        out->n_fields = n;
        for (size_t i = 0; i < n; i++)
            load_field(L, json_array_get(fields, i), pidx(L, fpath, i), &out->fields[i]);
        yield_to_companions(L, fields, out);
    }

    maps = get_array(L, e, path, "gsi_mappings", false);
    if (maps) {
        size_t n = json_array_size(maps);
        const char *mpath = pkey(L, path, "gsi_mappings");
        out->gsi_mappings = ddbgen_arena_calloc(L->a, n, sizeof(*out->gsi_mappings));
        if (!out->gsi_mappings) {
            L->nomem = true;
            return;
        }
        out->n_gsi_mappings = n;
        for (size_t i = 0; i < n; i++)
            load_gsi_mapping(L, json_array_get(maps, i), pidx(L, mpath, i), &out->gsi_mappings[i]);
    }

    aps = get_array(L, e, path, "access_patterns", false);
    if (aps) {
        size_t n = json_array_size(aps);
        const char *apath = pkey(L, path, "access_patterns");
        out->patterns = ddbgen_arena_calloc(L->a, n, sizeof(*out->patterns));
        if (!out->patterns) {
            L->nomem = true;
            return;
        }
        out->n_patterns = n;
        for (size_t i = 0; i < n; i++)
            load_pattern(L, json_array_get(aps, i), pidx(L, apath, i), &out->patterns[i]);
    }
    load_entity_ext(L, e, path, out);
    out->c_name =
        reserve_member(L, e, path, out->c_name, top_members, N_OF(top_members), "top-level");
    out->c_name = reserve_prefixes(L, e, path, out->c_name);
}

/* ---- tables ---------------------------------------------------------------------------------- */

static const char *load_table_key(loader *L, json_t *tc, const char *tc_path, const char *key,
                                  bool required)
{
    json_t *v = member(tc, key, false);
    if (json_is_array(v)) {
        ddbgen_diag_add(L->d, ERR, pkey(L, tc_path, key),
                        "use one attribute name (a string); multi-attribute keys exist only for "
                        "GSIs",
                        "multi-attribute keys are not supported for a table's %s", key);
        return NULL;
    }
    return get_string(L, tc, tc_path, key, required, false);
}

static void load_table(loader *L, json_t *t, const char *path, ddbgen_table *out)
{
    json_t *tc, *gsis, *ents;
    out->path = path;
    if (!json_is_object(t)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write the table as {\"table_config\": {...}, \"entities\": {...}}",
                        "table must be an object, not %s", kind(t));
        return;
    }
    tc = get_object(L, t, path, "table_config", true);
    if (tc) {
        const char *tc_path = pkey(L, path, "table_config");
        out->name = get_string(L, tc, tc_path, "table_name", true, false);
        out->partition_key = load_table_key(L, tc, tc_path, "partition_key", true);
        out->sort_key = load_table_key(L, tc, tc_path, "sort_key", false);
    }
    gsis = get_array(L, t, path, "gsi_list", false);
    if (gsis) {
        size_t n = json_array_size(gsis);
        const char *gpath = pkey(L, path, "gsi_list");
        out->gsis = ddbgen_arena_calloc(L->a, n, sizeof(*out->gsis));
        if (!out->gsis) {
            L->nomem = true;
            return;
        }
        out->n_gsis = n;
        for (size_t i = 0; i < n; i++)
            load_gsi(L, json_array_get(gsis, i), pidx(L, gpath, i), &out->gsis[i]);
    }
    ents = get_object(L, t, path, "entities", true);
    if (ents) {
        const char *epath = pkey(L, path, "entities");
        const char *name;
        json_t *e;
        size_t i = 0;
        if (json_object_size(ents) == 0)
            ddbgen_diag_add(L->d, ERR, epath, "add at least one entity definition",
                            "entities cannot be empty");
        out->entities = ddbgen_arena_calloc(L->a, json_object_size(ents), sizeof(*out->entities));
        if (!out->entities) {
            L->nomem = true;
            return;
        }
        json_object_foreach(ents, name, e) {
            load_entity(L, name, e, pkey(L, epath, name), out, &out->entities[i]);
            i++;
        }
        out->n_entities = i;
    }
    out->c_name = ext_c_name_only(L, t, path, out->name);
}

/* ---- cross-table patterns -------------------------------------------------------------------- */

static void load_tx_entity(loader *L, json_t *v, const char *path, ddbgen_tx_entity *out)
{
    out->path = path;
    if (!json_is_object(v)) {
        ddbgen_diag_add(L->d, ERR, path,
                        "write it as {\"table\": ..., \"entity\": ..., \"action\": ...}",
                        "entity involvement must be an object, not %s", kind(v));
        return;
    }
    out->table = get_string(L, v, path, "table", true, false);
    out->entity = get_string(L, v, path, "entity", true, false);
    out->action = (ddbgen_tx_action)get_enum(L, v, path, "action", true, "action", tx_actions,
                                             N_OF(tx_actions), DDBGEN_ACT_UNKNOWN,
                                             DDBGEN_ACT_UNKNOWN, &out->action_raw);
    out->condition = get_string(L, v, path, "condition", false, false);
}

static void load_tx_pattern(loader *L, json_t *p, const char *path, ddbgen_tx_pattern *out)
{
    json_t *ents, *params;
    out->path = path;
    if (!json_is_object(p)) {
        ddbgen_diag_add(L->d, ERR, path, "write the pattern as a JSON object",
                        "cross-table pattern must be an object, not %s", kind(p));
        return;
    }
    out->has_pattern_id = get_int(L, p, path, "pattern_id", true, &out->pattern_id);
    out->name = get_string(L, p, path, "name", true, false);
    out->description = get_string(L, p, path, "description", true, true);
    out->operation = (ddbgen_tx_operation)get_enum(
        L, p, path, "operation", true, "operation", tx_operations, N_OF(tx_operations),
        DDBGEN_TX_UNKNOWN, DDBGEN_TX_UNKNOWN, &out->operation_raw);
    ents = get_array(L, p, path, "entities_involved", true);
    if (ents) {
        size_t n = json_array_size(ents);
        const char *epath = pkey(L, path, "entities_involved");
        if (n == 0)
            ddbgen_diag_add(L->d, ERR, epath, "add at least one entity involvement",
                            "entities_involved cannot be empty");
        out->entities = ddbgen_arena_calloc(L->a, n, sizeof(*out->entities));
        if (!out->entities) {
            L->nomem = true;
            return;
        }
        out->n_entities = n;
        for (size_t i = 0; i < n; i++)
            load_tx_entity(L, json_array_get(ents, i), pidx(L, epath, i), &out->entities[i]);
    }
    params = get_array(L, p, path, "parameters", true);
    if (params)
        load_params(L, params, pkey(L, path, "parameters"), &out->n_params, &out->params);
    out->return_type = (ddbgen_tx_return)get_enum(L, p, path, "return_type", true, "return_type",
                                                  tx_returns, N_OF(tx_returns), DDBGEN_TXRT_UNKNOWN,
                                                  DDBGEN_TXRT_UNKNOWN, &out->return_type_raw);
    out->c_name = reserve_member(L, p, path, ext_c_name_only(L, p, path, out->name), model_members,
                                 N_OF(model_members), "repository");
}

/* ---- the document ---------------------------------------------------------------------------- */

/* "shop_schema.json" gives "shop"; a name that maps to nothing usable gives "model". */
static const char *derive_namespace(loader *L, const char *source)
{
    static const char *const suffixes[] = {"_schema", "-schema", ".schema"};
    const char *base = source ? strrchr(source, '/') : NULL;
    char stem[256];
    char *mapped = NULL;
    const char *r;
    size_t len;

    base = base ? base + 1 : source;
    if (!base || !*base)
        return "model";
    snprintf(stem, sizeof(stem), "%s", base);
    len = strlen(stem);
    if (len > 5 && strcmp(stem + len - 5, ".json") == 0) {
        len -= 5;
        stem[len] = '\0';
    }
    for (size_t i = 0; i < N_OF(suffixes); i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && strcmp(stem + len - sl, suffixes[i]) == 0) {
            stem[len - sl] = '\0';
            break;
        }
    }
    if (ddbgen_c_name(&mapped, stem) != 0) {
        L->nomem = true;
        return "model";
    }
    r = ddbgen_c_name_problem(mapped) ? "model" : sdup(L, mapped);
    free(mapped);
    return r ? r : "model";
}

static void load_root_ext(loader *L, json_t *root)
{
    static const char *const known[] = {"namespace", "counter_table", "version_attribute"};
    json_t *ext = get_object(L, root, "", EXT_KEY, false);
    ddbgen_model *m = L->m;
    const char *ns = NULL;

    if (ext) {
        m->ext_path = pkey(L, "", EXT_KEY);
        ext_unknown_keys(L, ext, m->ext_path, known, N_OF(known));
        ns = get_string(L, ext, m->ext_path, "namespace", false, false);
        if (ns && !valid_c_override(ns)) {
            ddbgen_diag_add(L->d, ERR, pkey(L, m->ext_path, "namespace"),
                            "use lower-case letters, digits and single underscores, starting "
                            "with a letter, as in \"shop\"",
                            "namespace '%s' is not usable as a C name prefix", ns);
            ns = NULL;
        }
        m->counter_table = get_string(L, ext, m->ext_path, "counter_table", false, false);
        m->version_attribute = get_string(L, ext, m->ext_path, "version_attribute", false, false);
    }
    m->ns_explicit = ns != NULL;
    m->ns = ns ? ns : derive_namespace(L, m->source_name);
    if (!m->counter_table)
        m->counter_table = ddbgen_arena_printf(L->a, "%s_counters", m->ns);
    if (!m->version_attribute)
        m->version_attribute = "_version";
    if (!m->counter_table)
        L->nomem = true;
}

static void load_root(loader *L, json_t *root)
{
    ddbgen_model *m = L->m;
    json_t *tables, *tx;

    if (!json_is_object(root)) {
        ddbgen_diag_add(L->d, ERR, "$", "make the document a JSON object with a \"tables\" array",
                        "the model must be a JSON object, not %s", kind(root));
        m->ns = derive_namespace(L, m->source_name);
        m->counter_table = ddbgen_arena_printf(L->a, "%s_counters", m->ns);
        m->version_attribute = "_version";
        return;
    }
    load_root_ext(L, root);
    tables = get_array(L, root, "", "tables", true);
    if (tables) {
        size_t n = json_array_size(tables);
        if (n == 0)
            ddbgen_diag_add(L->d, ERR, "tables", "add at least one table definition",
                            "tables cannot be empty");
        m->tables = ddbgen_arena_calloc(L->a, n, sizeof(*m->tables));
        if (!m->tables) {
            L->nomem = true;
            return;
        }
        m->n_tables = n;
        for (size_t i = 0; i < n; i++)
            load_table(L, json_array_get(tables, i), pidx(L, "tables", i), &m->tables[i]);
    }
    tx = get_array(L, root, "", "cross_table_access_patterns", false);
    if (tx) {
        size_t n = json_array_size(tx);
        m->has_tx_patterns = true;
        m->tx_patterns = ddbgen_arena_calloc(L->a, n, sizeof(*m->tx_patterns));
        if (!m->tx_patterns) {
            L->nomem = true;
            return;
        }
        m->n_tx_patterns = n;
        for (size_t i = 0; i < n; i++)
            load_tx_pattern(L, json_array_get(tx, i), pidx(L, "cross_table_access_patterns", i),
                            &m->tx_patterns[i]);
    }
}

/* Nothing but white space: no JSON at all. */
static bool blank_input(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
            return false;
    return true;
}

int ddbgen_model_load_buffer(ddbgen_model **out, const char *data, size_t len, const char *name,
                             ddbgen_diags *diags)
{
    json_error_t jerr;
    json_t *root = NULL;
    ddbgen_model *m = NULL;
    ddbgen_arena *a = NULL;
    loader L = {0};
    int rc;

    if (!out || !diags || (!data && len))
        return DDBGEN_ERR_ARG;
    if (len > DDBGEN_MODEL_MAX_BYTES) {
        ddbgen_diag_add(diags, ERR, "$", "split the model or remove what it does not need",
                        "the model is %zu bytes, more than the %zu allowed", len,
                        DDBGEN_MODEL_MAX_BYTES);
        return DDBGEN_ERR_IO;
    }
    if (blank_input(data, len)) {
        ddbgen_diag_add(diags, ERR, "$", "write the model: {\"tables\": [...]}",
                        "the model file is empty");
        return DDBGEN_ERR_JSON;
    }
    root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        ddbgen_diag_add(diags, ERR, "$", "fix the JSON syntax",
                        "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                        jerr.column);
        return DDBGEN_ERR_JSON;
    }
    rc = ddbgen_arena_new(&a);
    if (rc)
        goto done;
    m = ddbgen_arena_calloc(a, 1, sizeof(*m));
    if (!m) {
        rc = DDBGEN_ERR_NOMEM;
        goto done;
    }
    m->arena = a;
    L.a = a;
    L.d = diags;
    L.m = m;
    m->source_name = ddbgen_arena_strdup(a, name ? name : "model.json");
    load_root(&L, root);
    if (L.nomem) {
        rc = DDBGEN_ERR_NOMEM;
        goto done;
    }
    *out = m;
    a = NULL;
    rc = 0;
done:
    ddbgen_arena_free(a);
    json_decref(root);
    return rc;
}

int ddbgen_model_load_file(ddbgen_model **out, const char *path, ddbgen_diags *diags)
{
    FILE *f = NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    int rc = DDBGEN_ERR_IO;

    if (!out || !path || !diags)
        return DDBGEN_ERR_ARG;
    f = fopen(path, "rb");
    if (!f) {
        ddbgen_diag_add(diags, ERR, "$", "check the path", "cannot open '%s': %s", path,
                        strerror(errno));
        goto done;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            char *p;
            if (cap > DDBGEN_MODEL_MAX_BYTES) {
                ddbgen_diag_add(diags, ERR, "$", "split the model or remove what it does not need",
                                "'%s' is larger than the %zu bytes allowed", path,
                                DDBGEN_MODEL_MAX_BYTES);
                goto done;
            }
            cap = cap ? cap * 2 : (size_t)64 * 1024;
            p = realloc(data, cap + 1);
            if (!p) {
                rc = DDBGEN_ERR_NOMEM;
                goto done;
            }
            data = p;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                ddbgen_diag_add(diags, ERR, "$", "check that it is a readable file",
                                "cannot read '%s': %s", path, strerror(errno));
                goto done;
            }
            break;
        }
    }
    rc = ddbgen_model_load_buffer(out, data, n, path, diags);
done:
    free(data);
    if (f)
        fclose(f);
    return rc;
}

void ddbgen_model_free(ddbgen_model *m)
{
    if (m)
        ddbgen_arena_free(m->arena);
}

/* ---- lookups --------------------------------------------------------------------------------- */

const ddbgen_table *ddbgen_model_find_table(const ddbgen_model *m, const char *name)
{
    for (size_t i = 0; m && name && i < m->n_tables; i++)
        if (m->tables[i].name && strcmp(m->tables[i].name, name) == 0)
            return &m->tables[i];
    return NULL;
}

const ddbgen_entity *ddbgen_model_find_entity(const ddbgen_model *m, const char *name)
{
    for (size_t i = 0; m && name && i < m->n_tables; i++)
        for (size_t j = 0; j < m->tables[i].n_entities; j++)
            if (m->tables[i].entities[j].name && strcmp(m->tables[i].entities[j].name, name) == 0)
                return &m->tables[i].entities[j];
    return NULL;
}

const ddbgen_field *ddbgen_entity_find_field(const ddbgen_entity *e, const char *name)
{
    for (size_t i = 0; e && name && i < e->n_fields; i++)
        if (e->fields[i].name && strcmp(e->fields[i].name, name) == 0)
            return &e->fields[i];
    return NULL;
}

const ddbgen_gsi *ddbgen_table_find_gsi(const ddbgen_table *t, const char *name)
{
    for (size_t i = 0; t && name && i < t->n_gsis; i++)
        if (t->gsis[i].name && strcmp(t->gsis[i].name, name) == 0)
            return &t->gsis[i];
    return NULL;
}

int ddbgen_table_gsi_index(const ddbgen_table *t, const char *name)
{
    const ddbgen_gsi *g = ddbgen_table_find_gsi(t, name);
    return g ? (int)(g - t->gsis) : -1;
}

const ddbgen_gsi_mapping *ddbgen_entity_find_gsi_mapping(const ddbgen_entity *e, const char *name)
{
    for (size_t i = 0; e && name && i < e->n_gsi_mappings; i++)
        if (e->gsi_mappings[i].name && strcmp(e->gsi_mappings[i].name, name) == 0)
            return &e->gsi_mappings[i];
    return NULL;
}

const ddbgen_param *ddbgen_pattern_find_param(const ddbgen_param *params, size_t n,
                                              const char *name)
{
    for (size_t i = 0; params && name && i < n; i++)
        if (params[i].name && strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

ddbgen_key_type ddbgen_template_key_type(const ddbgen_entity *e, const ddbgen_template *t)
{
    const char *name;
    const ddbgen_field *f;
    if (!ddbgen_template_single_field(t, &name))
        return DDBGEN_KEY_S;
    f = ddbgen_entity_find_field(e, name);
    return f && ddbgen_type_is_numeric(f->type) ? DDBGEN_KEY_N : DDBGEN_KEY_S;
}

const char *ddbgen_entity_id_field(const ddbgen_entity *e)
{
    const char *only = NULL;
    if (!e)
        return NULL;
    if (e->ext.id_field)
        return e->ext.id_field;
    if (!e->pk.present || e->pk.n != 1 || !e->pk.items[0].ok)
        return NULL;
    for (size_t i = 0; i < e->pk.items[0].n_parts; i++) {
        const ddbgen_template_part *p = &e->pk.items[0].parts[i];
        if (!p->is_field)
            continue;
        if (only && strcmp(only, p->text) != 0)
            return NULL;
        only = p->text;
    }
    return only;
}

const char *ddbgen_entity_version_attribute(const ddbgen_model *m, const ddbgen_entity *e)
{
    if (e && e->ext.version_attribute)
        return e->ext.version_attribute;
    if (m && m->version_attribute)
        return m->version_attribute;
    return "_version";
}
