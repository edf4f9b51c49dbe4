/*
 * The repository interface (one struct of function pointers per model) and its DynamoDB
 * implementation: CRUD members and one member per access pattern. See docs/generated-code.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_internal.h"
#include "emit/emit_members.h"
#include "validate/validate.h"

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

/* The shape of the member generated for an access pattern (see docs/generated-code.md). */
typedef enum pattern_shape {
    SHAPE_NONE = 0,
    SHAPE_GET,           /* GetItem: (out, found, key params) */
    SHAPE_UPDATE,        /* UpdateItem returning the entity: (out, found, key and set params) */
    SHAPE_FLAG,          /* UpdateItem/DeleteItem returning success_flag or void: (done, params) */
    SHAPE_PUT_OBJ,       /* PutItem of an entity parameter: (obj, other params) */
    SHAPE_PUT_SCALAR,    /* PutItem from scalar parameters: (out, params) */
    SHAPE_PAGE,          /* Query/Scan entity_list: (page out, params, page request) */
    SHAPE_ONE,           /* Query single_entity: (out, found, params) */
    SHAPE_MIXED,         /* Query mixed_data: (mixed page out, params, page request) */
    SHAPE_BATCH_GET,     /* BatchGetItem: (page out, keys, n_keys) */
    SHAPE_BATCH_WRITE,   /* BatchWriteItem: (items, n_items) */
    SHAPE_EXISTS,        /* GetItem/Query/Scan success_flag: (found, params) */
    SHAPE_DELETE_RETURN, /* DeleteItem single_entity: (out, found, key params) */
} pattern_shape;

/* How the generated member uses one of the model's parameters. */
typedef enum param_use {
    USE_NONE = 0, /* no meaning: the member is not generated (the validator refuses it) */
    USE_KEY,      /* fills key placeholders, or (whole) a derived field's key attribute */
    USE_UPDATE,   /* UpdateItem: the new value of its field */
    USE_SET,      /* PutItem from scalars: the value of its field */
    USE_RANGE,    /* a range_condition value */
    USE_FILTER,   /* a filter value */
    USE_ITEM,     /* PutItem: the entity written; UpdateItem: the key and the fields to set */
    USE_CONTEXT,  /* an entity of another type: its same-named fields fill key fields */
    USE_LIST,     /* PutItem/UpdateItem: the array or object value of its field */
    USE_MATCH,    /* GetItem/Query/Scan: equality on the field it is named after */
    USE_LIMIT,    /* Query/Scan: the item limit of a page */
    USE_OMITTED,  /* batch members: the key or item list takes its place */
} param_use;

#define MAX_PARAMS 64

static size_t n_entities(const ddbgen_model *m)
{
    size_t n = 0;
    for (size_t t = 0; t < m->n_tables; t++)
        n += m->tables[t].n_entities;
    return n;
}

/* What is generated for one access pattern. */
typedef struct pattern_gen {
    const ddbgen_access_pattern *ap;
    ddbgen_plan plan;
    pattern_shape shape;
    const char *why; /* SHAPE_NONE: why nothing is generated */
    char why_buf[256];
    bool get_filtered; /* GetItem with MATCH parameters: a Query of the whole key, filtered */
    bool scan;
    bool batch_delete; /* BatchWriteItem deletes (the pattern's name or description says so) */
    bool partial;      /* the index does not project every field */
    bool batch_mixed;  /* BatchGetItem returning mixed_data */
    bool whole;        /* UpdateItem: read, change and write back the whole entity */
    param_use use[MAX_PARAMS];
    const ddbgen_field *param_field[MAX_PARAMS]; /* KEY, UPDATE, SET: the field */
    int item;                                    /* USE_ITEM parameter, or -1 */
    size_t pk_key, sk_key;
    bool has_sk;
    /* A multi-attribute index key: the descriptor keys of each attribute. */
    bool multi;
    size_t pk_keys[4], sk_keys[4];
} pattern_gen;

static bool find_key(const ddbgen_entity *e, const char *attr, const char *index, size_t *out)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
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

/* The filter of a pattern as runtime tables, in the wrapper's body: filter_expression's
 * conditions, then (Scan) an equality for each parameter named after a field (use[i] MATCH). */
static void filter_arg(ddbgen_buf *c, ddbgen_type t, const char *pn)
{
    switch (t) {
    case DDBGEN_TYPE_INTEGER:
        ddbgen_buf_printf(c, "        {DDB_FIELD_INT64, NULL, %s, false},\n", pn);
        break;
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(c, "        {DDB_FIELD_DECIMAL, %s, 0, false},\n", pn);
        break;
    case DDBGEN_TYPE_BOOLEAN:
        ddbgen_buf_printf(c, "        {DDB_FIELD_BOOL, NULL, 0, %s},\n", pn);
        break;
    default:
        ddbgen_buf_printf(c, "        {DDB_FIELD_STRING, %s, 0, false},\n", pn);
        break;
    }
}

static void emit_filter(ddbgen_buf *c, const ddbgen_entity *ap_entity,
                        const ddbgen_access_pattern *ap, const param_use *use,
                        const char *const *match_field)
{
    const ddbgen_filter *f = ap->filter;
    size_t n_args = 0, n_conds = f ? f->n_conditions : 0;
    ddbgen_buf_puts(c, "    static const ddb_entity_filter_cond ddb_conds[] = {\n");
    for (size_t i = 0; i < ap->n_params; i++) {
        if (use[i] != USE_MATCH)
            continue;
        ddbgen_buf_puts(c, "        {");
        emit_c_string(c, match_field[i] ? match_field[i] : ap->params[i].name);
        ddbgen_buf_printf(c, ", false, DDB_ENTITY_F_EQ, %zu, 1},\n", n_args++);
        n_conds++;
    }
    for (size_t i = 0; f && i < f->n_conditions; i++) {
        const ddbgen_filter_condition *fc = &f->conditions[i];
        int idx[100];
        size_t n = filter_params(ap, fc, idx);
        ddbgen_buf_puts(c, "        {");
        emit_c_string(c, fc->field);
        ddbgen_buf_printf(c, ", %s, %s, %zu, %zu},\n", fc->fn == DDBGEN_FFN_SIZE ? "true" : "false",
                          filter_op_name(fc), n_args, n);
        n_args += n;
    }
    ddbgen_buf_puts(c, "    };\n    const ddb_entity_arg ddb_args[] = {\n");
    for (size_t i = 0; i < ap->n_params; i++)
        if (use[i] == USE_MATCH)
            filter_arg(c, ap->params[i].type, ap->params[i].c_name);
    for (size_t i = 0; f && i < f->n_conditions; i++) {
        int idx[100];
        size_t n = filter_params(ap, &f->conditions[i], idx);
        for (size_t k = 0; k < n; k++) {
            const ddbgen_param *prm = &ap->params[idx[k]];
            ddbgen_type t = prm->type;
            const ddbgen_field *fld = ddbgen_entity_find_field(ap_entity, f->conditions[i].field);
            /* A string compared with a number is sent as one (checked before the request); a
             * number compared with a string is formatted. */
            if (fld && t == DDBGEN_TYPE_STRING && ddbgen_type_is_numeric(fld->type) &&
                f->conditions[i].fn != DDBGEN_FFN_SIZE)
                t = DDBGEN_TYPE_DECIMAL;
            if (t == DDBGEN_TYPE_INTEGER && fld && fld->type == DDBGEN_TYPE_STRING) {
                ddbgen_buf_printf(c, "        {DDB_FIELD_STRING, fv%d, 0, false},\n", idx[k]);
                continue;
            }
            if (t == DDBGEN_TYPE_DECIMAL && fld && fld->type == DDBGEN_TYPE_STRING)
                t = DDBGEN_TYPE_STRING;
            filter_arg(c, t, prm->c_name);
        }
    }
    if (n_args == 0)
        ddbgen_buf_puts(c, "        {DDB_FIELD_STRING, NULL, 0, false},\n");
    ddbgen_buf_printf(
        c, "    };\n    const ddb_entity_filter ddb_filter = {%s, %zu, ddb_conds, ddb_args};\n",
        f && f->logical_op == DDBGEN_LOGIC_OR ? "true" : "false", n_conds);
}

/* An UpdateItem pattern can rebuild every GSI key its fields are part of: all of that key's
 * fields are parameters. */
static bool update_keys_known(const ddbgen_entity *e, const pattern_gen *g)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
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
                    touched |= g->use[i] == USE_UPDATE;
                }
            }
            all &= have;
        }
        if (touched && !all)
            return false;
    }
    return true;
}
static bool is_crud_name(const char *n)
{
    return !n || strcmp(n, "create") == 0 || strcmp(n, "get") == 0 || strcmp(n, "update") == 0 ||
           strcmp(n, "delete") == 0 || strcmp(n, "list") == 0 || strcmp(n, "mirror") == 0;
}

/* Whether text mentions word (case-insensitive), for "delete" in a pattern's name or text. */
static bool mentions(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; p && *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && (p[i] | 0x20) == word[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Whether the attribute named name is in the index's projection (key attributes always are). */
static bool projected(const ddbgen_table *t, const ddbgen_gsi *g, const char *name)
{
    if (g->projection == DDBGEN_PROJ_ALL)
        return true;
    if ((t->partition_key && strcmp(t->partition_key, name) == 0) ||
        (t->sort_key && strcmp(t->sort_key, name) == 0))
        return true;
    for (size_t i = 0; i < g->n_pk; i++)
        if (strcmp(g->pk[i], name) == 0)
            return true;
    for (size_t i = 0; i < g->n_sk; i++)
        if (strcmp(g->sk[i], name) == 0)
            return true;
    for (size_t i = 0; g->projection == DDBGEN_PROJ_INCLUDE && i < g->n_included; i++)
        if (strcmp(g->included[i], name) == 0)
            return true;
    return false;
}

/* Whether e has GSI keys (whose templates an UpdateItem may have to rebuild). */
static bool has_index_keys(const ddbgen_entity *e)
{
    key_ref keys[MAX_KEYS];
    size_t n_primary, n = emit_collect_keys(e, keys, MAX_KEYS, &n_primary);
    return n > n_primary;
}

/* Whether field name is a placeholder of e's primary key templates. */
static bool primary_key_field(const ddbgen_entity *e, const char *name);

/* Key parameters: each bound parameter fills a field of e (by binding). */
static const char *plan_key_params(pattern_gen *g, const ddbgen_entity *e)
{
    const ddbgen_plan *p = &g->plan;
    if (!p->keys_known)
        return "its key attributes are unknown (index, mapping or template unusable)";
    if (!p->pk_complete)
        return "the parameters do not complete the partition key";
    g->multi = p->n_pk > 1 || p->n_sk > 1;
    for (size_t s = 0; s < p->n_pk + p->n_sk; s++) {
        const ddbgen_key_slot *slot = s < p->n_pk ? &p->pk[s] : &p->sk[s - p->n_pk];
        for (size_t j = 0; j < slot->n_bindings; j++) {
            const ddbgen_binding *b = &p->bindings[slot->first_binding + j];
            if (b->param < 0 || b->from_item || b->from_context)
                continue; /* the item is copied into the key; a context's fields come later */
            /* A whole key value goes into the derived field named like the attribute. */
            g->param_field[b->param] =
                ddbgen_entity_find_field(e, b->whole ? slot->attribute : b->field);
            if (!g->param_field[b->param])
                return "a key placeholder is not a field";
        }
    }
    if (g->multi) {
        if (g->ap->operation != DDBGEN_OP_QUERY || (g->ap->return_type != DDBGEN_RT_ENTITY_LIST &&
                                                    g->ap->return_type != DDBGEN_RT_MIXED_DATA))
            return "multi-attribute keys are generated for Query entity_list and mixed_data";
        for (size_t i = 0; i < p->n_pk; i++)
            if (!find_key(e, p->pk[i].attribute, p->gsi ? p->gsi->name : NULL, &g->pk_keys[i]))
                return "a partition key attribute is not among the entity's keys";
        for (size_t i = 0; i < p->n_sk; i++)
            if (!find_key(e, p->sk[i].attribute, p->gsi ? p->gsi->name : NULL, &g->sk_keys[i]))
                return "a sort key attribute is not among the entity's keys";
        return NULL;
    }
    if (!find_key(e, p->pk[0].attribute, p->gsi ? p->gsi->name : NULL, &g->pk_key))
        return "its partition key is not among the entity's keys";
    if (p->n_sk == 1) {
        if (!find_key(e, p->sk[0].attribute, p->gsi ? p->gsi->name : NULL, &g->sk_key))
            return "its sort key is not among the entity's keys";
        g->has_sk = true;
    }
    return NULL;
}

/* Whether an UpdateItem pattern sets a field of one of e's unique value sets. */
static bool sets_unique(const ddbgen_entity *e, const pattern_gen *g)
{
    for (size_t i = 0; i < g->ap->n_params; i++)
        for (size_t u = 0; g->use[i] == USE_UPDATE && u < e->ext.n_unique; u++)
            for (size_t f = 0; f < e->ext.unique[u].n_fields; f++)
                if (g->param_field[i] && e->ext.unique[u].fields[f] &&
                    strcmp(e->ext.unique[u].fields[f], g->param_field[i]->name) == 0)
                    return true;
    return false;
}

static const char *plan_shape(pattern_gen *g, const ddbgen_entity *e)
{
    const ddbgen_access_pattern *ap = g->ap;
    const ddbgen_plan *p = &g->plan;
    ddbgen_return_type rt = ap->return_type;
    const char *why;

    for (size_t i = 0; i < ap->n_params; i++) {
        switch (p->roles[i]) {
        case DDBGEN_ROLE_KEY:
            g->use[i] = USE_KEY;
            break;
        case DDBGEN_ROLE_RANGE:
            g->use[i] = USE_RANGE;
            break;
        case DDBGEN_ROLE_FILTER:
            g->use[i] = USE_FILTER;
            break;
        case DDBGEN_ROLE_ITEM:
            g->use[i] = USE_ITEM;
            g->item = (int)i;
            break;
        case DDBGEN_ROLE_CONTEXT:
            g->use[i] = USE_CONTEXT;
            break;
        case DDBGEN_ROLE_UPDATE:
        case DDBGEN_ROLE_SET:
        case DDBGEN_ROLE_LIST:
        case DDBGEN_ROLE_MATCH:
            g->use[i] = p->roles[i] == DDBGEN_ROLE_UPDATE ? USE_UPDATE
                        : p->roles[i] == DDBGEN_ROLE_SET  ? USE_SET
                        : p->roles[i] == DDBGEN_ROLE_LIST ? USE_LIST
                                                          : USE_MATCH;
            g->param_field[i] = ddbgen_entity_find_field(e, p->field[i]);
            break;
        case DDBGEN_ROLE_KEY_WHOLE:
            g->use[i] = USE_KEY;
            break;
        case DDBGEN_ROLE_LIMIT:
            g->use[i] = USE_LIMIT;
            break;
        default:
            g->use[i] = USE_NONE;
            break;
        }
    }
    if (ap->operation != DDBGEN_OP_BATCH_GET_ITEM && ap->operation != DDBGEN_OP_BATCH_WRITE_ITEM)
        for (size_t i = 0; i < ap->n_params; i++)
            if (g->use[i] == USE_NONE) {
                snprintf(g->why_buf, sizeof g->why_buf,
                         "parameter %.100s has no meaning the generator can give it",
                         ap->params[i].name ? ap->params[i].name : "?");
                return g->why_buf;
            }
    switch (ap->operation) {
    case DDBGEN_OP_PUT_ITEM:
        if (g->item >= 0) {
            for (size_t i = 0; i < ap->n_params; i++)
                if (g->use[i] == USE_LIST) {
                    snprintf(g->why_buf, sizeof g->why_buf,
                             "list or object parameter %.100s beside the entity parameter of a "
                             "PutItem is not generated yet (set the field in the entity)",
                             ap->params[i].name ? ap->params[i].name : "?");
                    return g->why_buf;
                }
            g->shape = SHAPE_PUT_OBJ;
            return NULL;
        }
        g->shape = SHAPE_PUT_SCALAR;
        return NULL;
    case DDBGEN_OP_BATCH_WRITE_ITEM:
        for (size_t i = 0; i < ap->n_params; i++)
            g->use[i] = USE_OMITTED;
        g->item = -1;
        g->batch_delete = mentions(ap->name, "delete") || mentions(ap->name, "remove");
        g->shape = SHAPE_BATCH_WRITE;
        return NULL;
    case DDBGEN_OP_BATCH_GET_ITEM:
        for (size_t i = 0; i < ap->n_params; i++)
            g->use[i] = USE_OMITTED;
        g->batch_mixed = rt == DDBGEN_RT_MIXED_DATA;
        g->shape = SHAPE_BATCH_GET;
        return NULL;
    case DDBGEN_OP_SCAN:
        g->scan = true;
        g->item = -1;
        g->shape = rt == DDBGEN_RT_MIXED_DATA     ? SHAPE_MIXED
                   : rt == DDBGEN_RT_ENTITY_LIST  ? SHAPE_PAGE
                   : rt == DDBGEN_RT_SUCCESS_FLAG ? SHAPE_EXISTS
                                                  : SHAPE_ONE;
        if (ap->index_name)
            g->plan.gsi = ddbgen_table_find_gsi(e->table, ap->index_name);
        return NULL;
    default:
        break;
    }
    why = plan_key_params(g, e);
    if (why)
        return why;
    switch (ap->operation) {
    case DDBGEN_OP_GET_ITEM:
        if (!p->sk_complete || ap->index_name)
            return "the parameters do not give the whole primary key";
        g->shape = rt == DDBGEN_RT_SUCCESS_FLAG ? SHAPE_EXISTS : SHAPE_GET;
        /* GetItem has no condition: the whole key queried with the equalities as a filter. */
        for (size_t i = 0; i < ap->n_params; i++)
            if (g->use[i] == USE_MATCH)
                g->get_filtered = true;
        if (g->get_filtered && g->shape == SHAPE_GET)
            g->shape = SHAPE_ONE;
        break;
    case DDBGEN_OP_UPDATE_ITEM:
        if (!p->sk_complete || ap->index_name)
            return "the parameters do not give the whole primary key";
        /* An index key whose other fields are not parameters, or a unique value (its sentinel
         * moves), needs the whole entity: the store's update rebuilds and moves everything. An
         * entity parameter sets the fields it carries, known only at run time: whole as well
         * when the entity has index keys or unique values. */
        g->whole = !update_keys_known(e, g) || sets_unique(e, g) ||
                   (g->item >= 0 && (e->ext.n_unique > 0 || has_index_keys(e)));
        for (size_t i = 0; g->whole && i < ap->n_params; i++)
            if (g->use[i] == USE_LIST) {
                snprintf(g->why_buf, sizeof g->why_buf,
                         "list or object parameter %.100s of an UpdateItem that must rewrite the "
                         "whole entity (index keys or unique values) is not generated yet",
                         ap->params[i].name ? ap->params[i].name : "?");
                return g->why_buf;
            }
        if (g->whole && g->item >= 0)
            for (size_t i = 0; i < e->n_fields; i++)
                if (e->fields[i].type == DDBGEN_TYPE_ARRAY ||
                    e->fields[i].type == DDBGEN_TYPE_OBJECT) {
                    snprintf(g->why_buf, sizeof g->why_buf,
                             "entity parameter %.100s of an UpdateItem that must rewrite the "
                             "whole entity (index keys or unique values) and has list or object "
                             "fields is not generated yet",
                             ap->params[g->item].name ? ap->params[g->item].name : "?");
                    return g->why_buf;
                }
        g->shape = rt == DDBGEN_RT_SINGLE_ENTITY ? SHAPE_UPDATE : SHAPE_FLAG;
        break;
    case DDBGEN_OP_DELETE_ITEM:
        if (!p->sk_complete || ap->index_name)
            return "the parameters do not give the whole primary key";
        g->shape = rt == DDBGEN_RT_SINGLE_ENTITY ? SHAPE_DELETE_RETURN : SHAPE_FLAG;
        g->whole = e->ext.n_unique > 0; /* the sentinels of its unique values go with it */
        break;
    case DDBGEN_OP_QUERY:
        if (rt == DDBGEN_RT_ENTITY_LIST)
            g->shape = SHAPE_PAGE;
        else if (rt == DDBGEN_RT_SINGLE_ENTITY)
            g->shape = SHAPE_ONE;
        else if (rt == DDBGEN_RT_MIXED_DATA)
            g->shape = SHAPE_MIXED;
        else if (rt == DDBGEN_RT_SUCCESS_FLAG)
            g->shape = SHAPE_EXISTS;
        else
            return "a Query returns entity_list, single_entity, mixed_data or success_flag";
        break;
    default:
        return "unknown operation";
    }
    return NULL;
}

static void pattern_plan(pattern_gen *g, const ddbgen_model *m, const ddbgen_entity *e,
                         const ddbgen_access_pattern *ap)
{
    memset(g, 0, sizeof *g);
    g->ap = ap;
    g->item = -1;
    if (ddbgen_plan_access_pattern(&g->plan, m, e, ap) != 0) {
        g->why = "out of memory";
        return;
    }
    if (is_crud_name(ap->c_name))
        g->why = "its name is taken by a storage member";
    else if (ap->n_params > MAX_PARAMS)
        g->why = "it has over 64 parameters";
    else if (ap->filter && !filter_supported(ap))
        g->why = "its filter expression uses an operator or parameter that cannot be generated";
    else
        g->why = plan_shape(g, e);
    if (g->why) {
        g->shape = SHAPE_NONE;
        return;
    }
    if (g->plan.gsi && g->plan.gsi->projection != DDBGEN_PROJ_ALL &&
        (g->shape == SHAPE_PAGE || g->shape == SHAPE_ONE || g->shape == SHAPE_MIXED ||
         g->shape == SHAPE_EXISTS))
        for (size_t i = 0; i < e->n_fields; i++)
            if (!projected(e->table, g->plan.gsi, e->fields[i].name))
                g->partial = true;
    if (g->partial && g->scan && (g->shape == SHAPE_ONE || g->shape == SHAPE_EXISTS)) {
        g->why = "a single-result Scan of an index that does not project every field is not "
                 "generated yet";
        g->shape = SHAPE_NONE;
    }
}

/* Whether the member filters (filter_expression, or a Scan's parameters named after fields). */
static bool has_filter(const pattern_gen *g)
{
    for (size_t i = 0; i < g->ap->n_params; i++)
        if (g->use[i] == USE_MATCH)
            return true;
    return g->ap->filter != NULL;
}

/* The field a filter condition on parameter i compares with that is of type t, or NULL. */
static const ddbgen_field *filter_field_of(const ddbgen_entity *e, const pattern_gen *g, size_t i,
                                           bool numeric)
{
    const ddbgen_filter *f = g->ap->filter;
    for (size_t k = 0; f && k < f->n_conditions; k++) {
        const ddbgen_filter_condition *fc = &f->conditions[k];
        const ddbgen_field *fld = ddbgen_entity_find_field(e, fc->field);
        int idx[100];
        size_t n = filter_params(g->ap, fc, idx);
        if (!fld || fc->fn == DDBGEN_FFN_SIZE)
            continue;
        for (size_t j = 0; j < n; j++)
            if (idx[j] == (int)i &&
                (numeric ? ddbgen_type_is_numeric(fld->type) : fld->type == DDBGEN_TYPE_STRING))
                return fld;
    }
    return NULL;
}

/* Whether string parameter i (range or filter) is compared with a number: sent as one. */
static bool converted(const ddbgen_entity *e, const pattern_gen *g, size_t i)
{
    const ddbgen_plan *p = &g->plan;
    if (g->ap->params[i].type != DDBGEN_TYPE_STRING)
        return false;
    if (p->roles[i] == DDBGEN_ROLE_RANGE) {
        size_t slot = p->n_sk > 1 ? p->n_sk_slots_bound : 0;
        return slot < p->n_sk && p->sk[slot].type == DDBGEN_KEY_N;
    }
    return p->roles[i] == DDBGEN_ROLE_FILTER && filter_field_of(e, g, i, true);
}

/* Range and filter values whose declared type differs from the attribute's: a string checked
 * to be a number, an integer formatted for a string field (fv<i>). */
static void emit_conversions(emitter *E, const ddbgen_entity *e, const pattern_gen *g)
{
    ddbgen_buf *c = E->c;
    for (size_t i = 0; i < g->ap->n_params; i++) {
        const char *pn = g->ap->params[i].c_name;
        if (converted(e, g, i)) {
            ddbgen_buf_printf(c,
                              "    if (!%s || ddb_number_validate(%s, NULL) < 0)\n"
                              "        return ddb_error_set(ddb_err, DDB_ERR_INVALID_ARG,\n"
                              "            \"%s.%s: parameter %s '%%.64s' is not a number\",\n"
                              "            %s ? %s : \"(null)\");\n",
                              pn, pn, e->name, g->ap->name, g->ap->params[i].name, pn, pn);
        } else if (g->plan.roles[i] == DDBGEN_ROLE_FILTER &&
                   g->ap->params[i].type == DDBGEN_TYPE_INTEGER &&
                   filter_field_of(e, g, i, false)) {
            ddbgen_buf_printf(c,
                              "    char fv%zu[24];\n"
                              "    snprintf(fv%zu, sizeof fv%zu, \"%%lld\", (long long)%s);\n",
                              i, i, i, pn);
        }
    }
}

/* The C type of a parameter the member takes as the model declares it. */
static void param_decl(emitter *E, ddbgen_buf *b, const pattern_gen *g, size_t i)
{
    const ddbgen_param *prm = &g->ap->params[i];
    const ddbgen_field *f = g->param_field[i];
    if (f && f->type == DDBGEN_TYPE_ARRAY) { /* as the struct holds it, read only */
        ddbgen_buf_printf(b, ", %sconst *%s, size_t n_%s", emit_list_elem_type(f->item_type),
                          prm->c_name, prm->c_name);
        return;
    }
    if (f && f->type == DDBGEN_TYPE_OBJECT) {
        ddbgen_buf_printf(b, ", const ddb_value *%s", prm->c_name);
        return;
    }
    if (f) {
        ddbgen_buf_printf(b, ", %s%s", param_c_type(f->type), prm->c_name);
        return;
    }
    switch (prm->type) {
    case DDBGEN_TYPE_ENTITY: {
        const ddbgen_entity *pe = ddbgen_model_find_entity(E->m, prm->entity_type);
        if (pe)
            ddbgen_buf_printf(b, ", const %s__%s *%s", E->ns, pe->c_name, prm->c_name);
        else
            ddbgen_buf_printf(b, ", const void *%s", prm->c_name);
        break;
    }
    case DDBGEN_TYPE_ARRAY:
    case DDBGEN_TYPE_OBJECT:
        ddbgen_buf_printf(b, ", const ddb_value *%s", prm->c_name);
        break;
    default:
        ddbgen_buf_printf(b, ", %s%s", param_c_type(prm->type), prm->c_name);
        break;
    }
}

static void pattern_signature(emitter *E, ddbgen_buf *b, const ddbgen_entity *e,
                              const pattern_gen *g, bool member)
{
    const char *ns = E->ns, *en = e->c_name;
    if (member)
        ddbgen_buf_printf(b, "(*%s__%s)", en, g->ap->c_name);
    else
        ddbgen_buf_printf(b, "%s__%s_ddb", en, g->ap->c_name);
    ddbgen_buf_printf(b, "(%s__repo *ddb_repo, ", ns);
    switch (g->shape) {
    case SHAPE_PAGE:
        ddbgen_buf_printf(b, "%s__%s__page *ddb_out", ns, en);
        break;
    case SHAPE_MIXED:
        ddbgen_buf_printf(b, "%s__mixed_page *ddb_out", ns);
        break;
    case SHAPE_FLAG:
        ddbgen_buf_puts(b, "bool *ddb_done");
        break;
    case SHAPE_PUT_OBJ:
        ddbgen_buf_printf(b, "%s__%s *%s", ns, en, g->ap->params[g->item].c_name);
        break;
    case SHAPE_PUT_SCALAR:
        ddbgen_buf_printf(b, "%s__%s *ddb_out", ns, en);
        break;
    case SHAPE_BATCH_GET:
        if (g->batch_mixed)
            ddbgen_buf_printf(b, "%s__mixed_page *ddb_out", ns);
        else
            ddbgen_buf_printf(b, "%s__%s__page *ddb_out", ns, en);
        ddbgen_buf_printf(b, ", const %s__%s *ddb_keys, size_t ddb_n_keys", ns, en);
        break;
    case SHAPE_EXISTS: /* a success_flag, like the writes' */
        ddbgen_buf_puts(b, "bool *ddb_done");
        break;
    case SHAPE_BATCH_WRITE:
        ddbgen_buf_printf(b, "const %s__%s *ddb_items, size_t ddb_n_items", ns, en);
        break;
    default:
        ddbgen_buf_printf(b, "%s__%s *ddb_out, bool *ddb_found", ns, en);
        break;
    }
    for (size_t i = 0; i < g->ap->n_params; i++)
        if (g->use[i] != USE_OMITTED && (g->use[i] != USE_ITEM || g->shape != SHAPE_PUT_OBJ))
            param_decl(E, b, g, i);
    if (g->shape == SHAPE_PAGE || g->shape == SHAPE_MIXED)
        ddbgen_buf_printf(b, ", const %s__page_request *ddb_req", ns);
    ddbgen_buf_puts(b, ", ddb_error *ddb_err)");
}

/* The names of the parameters with use u, as "a, b"; returns their number. */
static size_t list_params(ddbgen_buf *b, const pattern_gen *g, param_use u)
{
    size_t n = 0;
    for (size_t i = 0; i < g->ap->n_params; i++)
        if (g->use[i] == u)
            ddbgen_buf_printf(b, "%s%s", n++ ? ", " : "", g->ap->params[i].c_name);
    return n;
}

/* The member comment's explanation of what the generated member does beyond the model's text. */
static void pattern_notes(emitter *E, ddbgen_buf *h, const ddbgen_entity *e, const pattern_gen *g)
{
    ddbgen_buf tmp = DDBGEN_BUF_INIT;
    const char *en = e->c_name;
    switch (g->shape) {
    case SHAPE_PUT_OBJ:
        ddbgen_buf_printf(h,
                          "\n       Same as %s__create: conditional, assigns the ID, writes unique "
                          "sentinels, sets ddb_version 1.",
                          en);
        break;
    case SHAPE_PUT_SCALAR:
        ddbgen_buf_printf(h,
                          "\n       Builds the entity from the parameters named after its "
                          "fields and creates it as\n       %s__create does; *ddb_out (fresh from "
                          "__INIT) receives it, the caller frees it.",
                          en);
        break;
    case SHAPE_FLAG:
        ddbgen_buf_puts(h,
                        g->ap->operation == DDBGEN_OP_DELETE_ITEM
                            ? "\n       *ddb_done (may be NULL): whether there was an item to "
                              "delete. No version check (the version read is used)."
                            : "\n       *ddb_done (may be NULL): whether the item exists (and was "
                              "updated).");
        if (g->whole && g->ap->operation == DDBGEN_OP_DELETE_ITEM)
            ddbgen_buf_printf(h,
                              "\n       Reads the entity and deletes it with %s__delete (its "
                              "unique-value sentinels go too).",
                              en);
        else if (g->whole)
            ddbgen_buf_printf(h,
                              "\n       Reads the entity, sets the fields and writes it back "
                              "as %s__update does (index keys\n       and unique values kept "
                              "right); retried 5 times while other writers get in first.",
                              en);
        break;
    case SHAPE_ONE:
        ddbgen_buf_puts(h, "\n       *ddb_out: the first matching item (pages are read until one "
                           "turns up).");
        break;
    case SHAPE_EXISTS:
        ddbgen_buf_puts(h, "\n       *ddb_done (may be NULL): whether a matching item exists.");
        break;
    case SHAPE_DELETE_RETURN:
        ddbgen_buf_puts(
            h, "\n       *ddb_out receives the deleted entity; *ddb_found false when there "
               "was none. No version check.");
        if (g->whole)
            ddbgen_buf_printf(h,
                              "\n       Reads the entity and deletes it with %s__delete (its "
                              "unique-value sentinels go too).",
                              en);
        break;
    case SHAPE_MIXED:
        ddbgen_buf_puts(h, "\n       Items of every entity type of the model, tagged with their "
                           "kind, in key order;\n       items of no known type are left out.");
        break;
    case SHAPE_BATCH_GET: {
        size_t n = 0;
        ddbgen_buf_puts(h, "\n       ddb_keys[i]: an entity whose key fields are set");
        for (size_t i = 0; i < g->plan.n_bindings; i++)
            if (!n++)
                ddbgen_buf_printf(h, " (%s", g->plan.bindings[i].field);
            else
                ddbgen_buf_printf(h, ", %s", g->plan.bindings[i].field);
        ddbgen_buf_puts(h, n ? ")" : "");
        if (list_params(&tmp, g, USE_OMITTED))
            ddbgen_buf_printf(h, "; they stand for the model's parameters %s",
                              ddbgen_buf_str(&tmp));
        ddbgen_buf_puts(h, ".\n       Items come in request order; missing ones are left out.");
        if (g->batch_mixed)
            ddbgen_buf_printf(h, " Every item is of kind %s.", e->name);
        break;
    }
    case SHAPE_BATCH_WRITE:
        ddbgen_buf_puts(
            h, g->batch_delete
                   ? "\n       Deletes the items of the keys of ddb_items[0..ddb_n_items) "
                     "(the pattern's name says delete),\n       unconditionally."
                   : "\n       Unconditional puts of ddb_items[0..ddb_n_items) (no version "
                     "check, no ID, no sentinels).");
        if (list_params(&tmp, g, USE_OMITTED))
            ddbgen_buf_printf(h, "\n       ddb_items stands for the model's parameters %s.",
                              ddbgen_buf_str(&tmp));
        break;
    case SHAPE_UPDATE: {
        bool any = false;
        if (g->whole)
            ddbgen_buf_printf(h,
                              "\n       Reads the entity, sets the fields and writes it back "
                              "as %s__update does (index keys\n       and unique values kept "
                              "right); retried 5 times while other writers get in first.",
                              en);
        for (size_t i = 0; i < g->ap->n_params; i++)
            any |= g->use[i] == USE_UPDATE || g->use[i] == USE_LIST || g->use[i] == USE_ITEM;
        if (g->item >= 0)
            ddbgen_buf_printf(h,
                              "\n       Sets every non-key field %s carries; an optional field "
                              "it leaves absent is\n       left unchanged (remove one with "
                              "%s__update). Key and derived fields are not set.",
                              g->ap->params[g->item].c_name, en);
        if (!any)
            ddbgen_buf_puts(h, "\n       No parameter names a non-key field: only the item's "
                               "version is incremented\n       (keys cannot change in place).");
        break;
    }
    default:
        break;
    }
    if (g->item >= 0 && g->shape == SHAPE_FLAG && g->ap->operation == DDBGEN_OP_UPDATE_ITEM)
        ddbgen_buf_printf(h,
                          "\n       Sets every non-key field %s carries; an optional field it "
                          "leaves absent is\n       left unchanged (remove one with %s__update). "
                          "Key and derived fields are not set.",
                          g->ap->params[g->item].c_name, en);
    if (g->item >= 0 && g->shape != SHAPE_PUT_OBJ)
        ddbgen_buf_printf(h,
                          "\n       Key fields the other parameters do not give are read from "
                          "%s.",
                          g->ap->params[g->item].c_name);
    if (g->partial) {
        size_t n = 0;
        ddbgen_buf_printf(h, "\n       Index %s projects ", g->plan.gsi->name);
        ddbgen_buf_puts(h, g->plan.gsi->projection == DDBGEN_PROJ_KEYS_ONLY ? "keys only"
                                                                            : "some attributes");
        ddbgen_buf_puts(h, ": the entities hold ");
        for (size_t i = 0; i < e->n_fields; i++)
            if (projected(e->table, g->plan.gsi, e->fields[i].name))
                ddbgen_buf_printf(h, "%s%s", n++ ? ", " : "only ", e->fields[i].name);
        ddbgen_buf_puts(h, n ? "; the other fields have no value." : "no field value.");
    }
    ddbgen_buf_free(&tmp);
    if (g->ap->operation != DDBGEN_OP_PUT_ITEM && list_params(&tmp, g, USE_CONTEXT))
        ddbgen_buf_printf(h,
                          "\n       Key fields of %s are taken from the fields of the same name "
                          "of %s.",
                          e->name, ddbgen_buf_str(&tmp));
    ddbgen_buf_free(&tmp);
    for (size_t k = 0; g->ap->operation == DDBGEN_OP_PUT_ITEM && k < g->ap->n_params; k++) {
        size_t n = 0;
        if (g->use[k] != USE_CONTEXT)
            continue;
        for (size_t i = 0; i < e->n_fields; i++)
            if (ddbgen_plan_put_context_field(E->m, e, &g->ap->params[k], &e->fields[i]))
                ddbgen_buf_printf(&tmp, "%s%s", n++ ? ", " : "", e->fields[i].name);
        ddbgen_buf_printf(h, "\n       %s's %s %s set from %s's field%s of the same name.", e->name,
                          ddbgen_buf_str(&tmp), n == 1 ? "is" : "are", g->ap->params[k].c_name,
                          n == 1 ? "" : "s");
        ddbgen_buf_free(&tmp);
    }
    for (size_t k = 0; k < g->ap->n_params; k++)
        if (g->use[k] == USE_MATCH && g->param_field[k])
            ddbgen_buf_printf(
                h, "\n       %s: %s only when its %s equals it%s.", g->ap->params[k].c_name,
                g->get_filtered ? "the item is read" : "items are read", g->param_field[k]->name,
                g->get_filtered ? " (else not found)" : " (a filter)");
    if (list_params(&tmp, g, USE_LIMIT))
        ddbgen_buf_printf(h, "\n       %s: the page's item limit when ddb_req->limit is 0.",
                          ddbgen_buf_str(&tmp));
    ddbgen_buf_free(&tmp);
    for (size_t i = 0; i < g->ap->n_params; i++)
        if (g->use[i] == USE_KEY && g->param_field[i] &&
            ddbgen_field_is_derived(e, g->param_field[i]))
            ddbgen_buf_printf(h, "\n       %s: the whole value of key attribute %s.",
                              g->ap->params[i].c_name, g->param_field[i]->name);
    for (size_t i = 0; i < g->ap->n_params; i++)
        if (g->plan.roles[i] == DDBGEN_ROLE_RANGE || g->plan.roles[i] == DDBGEN_ROLE_FILTER)
            if (converted(e, g, i))
                ddbgen_buf_printf(h,
                                  "\n       %s is sent as a number: DDB_ERR_INVALID_ARG when it "
                                  "is not one.",
                                  g->ap->params[i].c_name);
}

/*
 * `var.field = expr;` for a parameter of the field's type; the value is borrowed. Strings and
 * decimals are lent through the runtime (ddb_entity_lend_string), since the struct's char *
 * members cannot hold a const char * parameter without a cast.
 */
static void emit_key_assign(emitter *E, const ddbgen_entity *e, const char *var,
                            const ddbgen_field *f, const char *pn)
{
    ddbgen_buf *c = E->c;
    switch (f->type) {
    case DDBGEN_TYPE_STRING:
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(c, "    ddb_entity_lend_string(&%s, &%s__%s__desc, %d, %s);\n", var,
                          E->ns, e->c_name, emit_field_index(e, f->name), pn);
        break;
    case DDBGEN_TYPE_UUID:
        ddbgen_buf_printf(c,
                          "    if (!%s || !ddb_uuid_valid(%s))\n"
                          "        return DDB_ERR_INVALID_ARG;\n"
                          "    memcpy(%s.%s, %s, 37);\n",
                          pn, pn, var, f->c_name, pn);
        if (emit_needs_has(f))
            ddbgen_buf_printf(c, "    %s.has_%s = true;\n", var, f->c_name);
        break;
    default:
        ddbgen_buf_printf(c, "    %s.%s = %s;\n", var, f->c_name, pn);
        if (emit_needs_has(f))
            ddbgen_buf_printf(c, "    %s.has_%s = true;\n", var, f->c_name);
        break;
    }
}

/* One ddb_entity_arg initializer for a value of type t held in expression pn. */
static void emit_arg(ddbgen_buf *c, ddbgen_type t, const char *pn)
{
    switch (t) {
    case DDBGEN_TYPE_INTEGER:
        ddbgen_buf_printf(c, "        {DDB_FIELD_INT64, NULL, %s, false},\n", pn);
        break;
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(c, "        {DDB_FIELD_DECIMAL, %s, 0, false},\n", pn);
        break;
    case DDBGEN_TYPE_BOOLEAN:
        ddbgen_buf_printf(c, "        {DDB_FIELD_BOOL, NULL, 0, %s},\n", pn);
        break;
    case DDBGEN_TYPE_UUID:
        ddbgen_buf_printf(c, "        {DDB_FIELD_UUID, %s, 0, false},\n", pn);
        break;
    default:
        ddbgen_buf_printf(c, "        {DDB_FIELD_STRING, %s, 0, false},\n", pn);
        break;
    }
}

static void emit_init(ddbgen_buf *c, emitter *E, const ddbgen_entity *e, const char *var)
{
    ddbgen_buf_printf(c, "    %s__%s %s = ", E->ns, e->c_name, var);
    emit_upper(c, E->ns);
    ddbgen_buf_puts(c, "__");
    emit_upper(c, e->c_name);
    ddbgen_buf_puts(c, "__INIT;\n");
}

/* The fields an index projects, as a static array `present` of field indexes. */
static void emit_present(ddbgen_buf *c, const ddbgen_entity *e, const pattern_gen *g)
{
    size_t n = 0;
    ddbgen_buf_puts(c, "    static const size_t ddb_present[] = {");
    for (size_t i = 0; i < e->n_fields; i++)
        if (projected(e->table, g->plan.gsi, e->fields[i].name))
            ddbgen_buf_printf(c, "%s%zu", n++ ? ", " : "", i);
    if (!n)
        ddbgen_buf_puts(c, "0");
    ddbgen_buf_printf(c, "};\n    const size_t ddb_n_present = %zu;\n", n);
}

/* The key attributes of a multi-attribute key query (ddb_entity_mquery). */
static void emit_multi_keys(ddbgen_buf *c, const pattern_gen *g)
{
    const ddbgen_plan *p = &g->plan;
    size_t eq = p->n_sk_slots_bound, bound_before = 0;
    ddbgen_buf_printf(c, "    ddb_q.n_pk = %zu;\n", p->n_pk);
    for (size_t i = 0; i < p->n_pk; i++)
        ddbgen_buf_printf(c, "    ddb_q.pk_keys[%zu] = %zu;\n", i, g->pk_keys[i]);
    if (eq > p->n_sk)
        eq = p->n_sk;
    ddbgen_buf_printf(c, "    ddb_q.n_sk = %zu;\n", eq);
    for (size_t i = 0; i < eq; i++) {
        ddbgen_buf_printf(c, "    ddb_q.sk_keys[%zu] = %zu;\n", i, g->sk_keys[i]);
        bound_before += p->sk[i].n_bindings;
    }
    /* The attribute after the equal ones: the range applies to it, or the bound prefix of it. */
    if (eq < p->n_sk && (p->n_range || p->n_sk_placeholders_bound > bound_before))
        ddbgen_buf_printf(c,
                          "    ddb_q.has_range_key = true;\n    ddb_q.range_key = %zu;\n"
                          "    ddb_q.n_range_bound = %zu;\n",
                          g->sk_keys[eq], p->n_sk_placeholders_bound - bound_before);
}

/*
 * An UpdateItem that reads the entity, changes the fields and writes it back through the
 * repository's update (optimistic lock, index keys and unique values kept right), or a DeleteItem
 * of an entity with unique values that deletes what it read through the repository's delete (the
 * sentinels go with it); retried while another writer gets in between. n: UpdateItem's fields.
 */
static void emit_update_whole(emitter *E, const ddbgen_entity *e, const pattern_gen *g,
                              const char *n)
{
    ddbgen_buf *c = E->c;
    const char *ns = E->ns, *en = e->c_name;
    bool del = g->ap->operation == DDBGEN_OP_DELETE_ITEM;
    emit_init(c, E, e, "ddb_cur");
    ddbgen_buf_printf(
        c,
        "    bool ddb_have = false;\n    int ddb_rc = 0;\n"
        "    for (int ddb_attempt = 0; ddb_attempt < 5; ddb_attempt++) {\n"
        "        ddb_rc = ddb_entity_get(&ddb_cur, &ddb_have, ddb_r->client, &%s__%s__desc, "
        "ddb_table_of(ddb_r, %zu), &ddb_key,\n            true, ddb_err);\n"
        "        if (ddb_rc < 0 || !ddb_have)\n            break;\n",
        ns, en, table_index(E->m, e->table));
    if (del)
        ddbgen_buf_printf(
            c, "        ddb_rc = ddb_repo->%s__delete(ddb_repo, &ddb_cur, ddb_err);\n", en);
    else
        ddbgen_buf_printf(c,
                          "        ddb_rc = ddb_entity_copy_fields(&ddb_cur, &ddb_key, "
                          "&%s__%s__desc, ddb_fields, "
                          "%s, ddb_err);\n"
                          "        if (ddb_rc == 0)\n            ddb_rc = "
                          "ddb_repo->%s__update(ddb_repo, &ddb_cur, "
                          "ddb_err);\n",
                          ns, en, n, en);
    ddbgen_buf_printf(c,
                      "        if (ddb_rc != DDB_ERR_STALE_VERSION)\n            break;\n"
                      "        ddb_entity_free(&%s__%s__desc, &ddb_cur); /* another writer got in "
                      "first: again */\n    }\n",
                      ns, en);
    if (g->shape == SHAPE_UPDATE || g->shape == SHAPE_DELETE_RETURN)
        ddbgen_buf_printf(
            c,
            "    if (ddb_rc < 0 || !ddb_have) {\n"
            "        ddb_entity_free(&%s__%s__desc, &ddb_cur);\n        if (ddb_rc == 0)\n"
            "            *ddb_found = false;\n        return ddb_rc;\n    }\n"
            "    *ddb_out = ddb_cur;\n    *ddb_found = true;\n    return 0;\n}\n",
            ns, en);
    else
        ddbgen_buf_printf(c,
                          "    ddb_entity_free(&%s__%s__desc, &ddb_cur);\n"
                          "    if (ddb_rc == 0 && ddb_done)\n        *ddb_done = ddb_have;\n    "
                          "return ddb_rc;\n}\n",
                          ns, en);
}

/* Lends list (or object) parameter pn to field f of var: the struct's members point at the
 * caller's values, read only; emit_unlend_list takes them back before var is freed. */
static void emit_lend_list(ddbgen_buf *c, const char *var, const ddbgen_field *f, const char *pn)
{
    if (f->type == DDBGEN_TYPE_ARRAY)
        ddbgen_buf_printf(c, "    %s.n_%s = n_%s;\n    %s.%s = (%s*)%s;\n", var, f->c_name, pn, var,
                          f->c_name, emit_list_elem_type(f->item_type), pn);
    else
        ddbgen_buf_printf(c, "    %s.%s = (ddb_value *)%s;\n", var, f->c_name, pn);
}

static void emit_unlend_list(ddbgen_buf *c, const char *var, const ddbgen_field *f)
{
    if (f->type == DDBGEN_TYPE_ARRAY)
        ddbgen_buf_printf(c, "    %s.n_%s = 0;\n", var, f->c_name);
    ddbgen_buf_printf(c, "    %s.%s = NULL;\n", var, f->c_name);
}

/* The value of field pf of entity parameter prm, as an expression, after a check that it has
 * one (a missing value is the caller's error, named). */
static void context_value(emitter *E, const ddbgen_entity *e, const pattern_gen *g,
                          const ddbgen_param *prm, const ddbgen_field *pf, char *expr, size_t n)
{
    const char *pn = prm->c_name;
    bool ptr = pf->type == DDBGEN_TYPE_STRING || pf->type == DDBGEN_TYPE_DECIMAL;
    snprintf(expr, n, "%s->%s%s", pn, pf->c_name, pf->type == DDBGEN_TYPE_DECIMAL ? ".text" : "");
    if (ptr || emit_needs_has(pf))
        ddbgen_buf_printf(E->c,
                          "    if (!%s || !%s%s%s)\n"
                          "        return ddb_error_set(ddb_err, DDB_ERR_INVALID_ARG,\n"
                          "            \"%s.%s: parameter %s has no %s\");\n",
                          pn, ptr ? "" : pn, ptr ? "" : "->has_", ptr ? expr : pf->c_name, e->name,
                          g->ap->name, prm->name, pf->name);
    else
        ddbgen_buf_printf(
            E->c,
            "    if (!%s)\n        return ddb_error_set(ddb_err, DDB_ERR_INVALID_ARG, "
            "\"%s.%s: parameter %s is NULL\");\n",
            pn, e->name, g->ap->name, prm->name);
}

/* Key placeholders bound to CONTEXT parameters: key.f = ctx->f. */
static void emit_context_keys(emitter *E, const ddbgen_entity *e, const pattern_gen *g)
{
    const ddbgen_plan *p = &g->plan;
    for (size_t i = 0; i < p->n_bindings; i++) {
        const ddbgen_binding *b = &p->bindings[i];
        const ddbgen_field *f = ddbgen_entity_find_field(e, b->field), *pf;
        const ddbgen_param *prm;
        char expr[300];
        bool dup = false;
        if (b->param < 0 || !b->from_context || !f)
            continue;
        for (size_t j = 0; j < i; j++)
            if (p->bindings[j].from_context && strcmp(p->bindings[j].field, b->field) == 0)
                dup = true;
        prm = &g->ap->params[b->param];
        pf = ddbgen_plan_context_field(E->m, prm, f);
        if (dup || !pf)
            continue;
        context_value(E, e, g, prm, pf, expr, sizeof expr);
        emit_key_assign(E, e, "ddb_key", f, expr);
    }
}

/* The values a PutItem sets: the fields named by SET parameters and those that CONTEXT
 * parameters fill (ddbgen_plan_put_context_field; their checks go to E->c first), in field
 * order, as field indexes in idx ("0, 3") and ddb_entity_arg initializers in args. */
static size_t put_values(emitter *E, const ddbgen_entity *e, const pattern_gen *g, ddbgen_buf *idx,
                         ddbgen_buf *args)
{
    const ddbgen_access_pattern *ap = g->ap;
    size_t n = 0;
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        bool done = false;
        for (size_t k = 0; k < ap->n_params && !done; k++) {
            char expr[300];
            const ddbgen_field *pf;
            if (g->use[k] == USE_SET && g->param_field[k] == f) {
                emit_arg(args, f->type, ap->params[k].c_name);
                done = true;
            } else if (g->use[k] == USE_CONTEXT &&
                       (pf = ddbgen_plan_put_context_field(E->m, e, &ap->params[k], f))) {
                context_value(E, e, g, &ap->params[k], pf, expr, sizeof expr);
                emit_arg(args, f->type, expr);
                done = true;
            }
        }
        if (done)
            ddbgen_buf_printf(idx, "%s%zu", n++ ? ", " : "", i);
    }
    return n;
}

/* PutItem of an entity parameter: the put_values set on it (copies, owned by obj). */
static void emit_put_fill(emitter *E, const ddbgen_entity *e, const pattern_gen *g, const char *obj)
{
    ddbgen_buf *c = E->c, args = DDBGEN_BUF_INIT, idx = DDBGEN_BUF_INIT;
    size_t n = put_values(E, e, g, &idx, &args);
    if (n)
        ddbgen_buf_printf(
            c,
            "    static const size_t ddb_fill[] = {%s};\n"
            "    const ddb_entity_arg ddb_fill_args[] = {\n%s    };\n"
            "    int ddb_rc = ddb_entity_set_fields(%s, &%s__%s__desc, ddb_fill, ddb_fill_args, "
            "%zu, ddb_err);\n    if (ddb_rc < 0)\n        return ddb_rc;\n",
            ddbgen_buf_str(&idx), ddbgen_buf_str(&args), obj, E->ns, e->c_name, n);
    ddbgen_buf_free(&args);
    ddbgen_buf_free(&idx);
}

/* Whether field f's value is present in key (the struct the fields are set from). */
static void emit_present_test(ddbgen_buf *c, const ddbgen_field *f)
{
    if (f->type == DDBGEN_TYPE_ARRAY)
        ddbgen_buf_printf(c, f->required ? "true" : "ddb_key.%s", f->c_name);
    else if (emit_needs_has(f))
        ddbgen_buf_printf(c, "ddb_key.has_%s", f->c_name);
    else if (f->type == DDBGEN_TYPE_STRING || f->type == DDBGEN_TYPE_OBJECT)
        ddbgen_buf_printf(c, "ddb_key.%s", f->c_name);
    else if (f->type == DDBGEN_TYPE_DECIMAL)
        ddbgen_buf_printf(c, "ddb_key.%s.text", f->c_name);
    else if (f->type == DDBGEN_TYPE_UUID)
        ddbgen_buf_printf(c, "ddb_key.%s[0]", f->c_name);
    else
        ddbgen_buf_puts(c, "true");
}

/* UpdateItem with an entity parameter: fields[0..n_fields) are the parameters' fields and every
 * non-key, non-derived field the entity carries. Returns the array's size. */
static size_t emit_update_fields(emitter *E, const ddbgen_entity *e, const pattern_gen *g)
{
    ddbgen_buf *c = E->c;
    const char *va = ddbgen_entity_version_attribute(E->m, e);
    ddbgen_buf_printf(c, "    size_t ddb_fields[%zu];\n    size_t ddb_n_fields = 0;\n",
                      e->n_fields ? e->n_fields : 1);
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        bool param = false;
        for (size_t k = 0; k < g->ap->n_params; k++)
            param |= (g->use[k] == USE_UPDATE || g->use[k] == USE_LIST) && g->param_field[k] == f;
        if (param) {
            ddbgen_buf_printf(c, "    ddb_fields[ddb_n_fields++] = %zu;\n", i);
            continue;
        }
        if (primary_key_field(e, f->name) || ddbgen_field_is_derived(e, f) ||
            (va && strcmp(va, f->name) == 0))
            continue;
        ddbgen_buf_puts(c, "    if (");
        emit_present_test(c, f);
        ddbgen_buf_printf(c, ")\n        ddb_fields[ddb_n_fields++] = %zu;\n", i);
    }
    return e->n_fields;
}

/* What the parts of one pattern's body share. */
typedef struct body {
    emitter *E;
    const ddbgen_entity *e;
    const pattern_gen *g;
    const ddbgen_access_pattern *ap;
    ddbgen_buf *c;
    const char *ns, *en;
    size_t ti;              /* the entity's table */
    bool single, page_like; /* one item out, and read through a query or scan */
} body;

/* The ConsistentRead a read sends: the pattern's, else the repository's setting. */
static const char *consistent_arg(const ddbgen_access_pattern *ap)
{
    if (!ap->has_consistent_read)
        return "ddb_r->consistent";
    return ap->consistent_read ? "true" : "false";
}

/* A PutItem of field values: the entity built from them, created, and copied out. */
static void body_put_scalar(const body *b)
{
    emitter *E = b->E;
    const ddbgen_entity *e = b->e;
    const pattern_gen *g = b->g;
    const ddbgen_access_pattern *ap = b->ap;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    ddbgen_buf lists = DDBGEN_BUF_INIT, idx = DDBGEN_BUF_INIT, args = DDBGEN_BUF_INIT;
    size_t n = put_values(E, e, g, &idx, &args);
    ddbgen_buf_printf(c,
                      "    static const size_t ddb_fields[] = {%s};\n"
                      "    const ddb_entity_arg ddb_args[] = {\n%s    };\n",
                      n ? ddbgen_buf_str(&idx) : "0",
                      n ? ddbgen_buf_str(&args) : "        {DDB_FIELD_STRING, NULL, 0, false},\n");
    ddbgen_buf_free(&idx);
    ddbgen_buf_free(&args);
    emit_init(c, E, e, "ddb_obj");
    ddbgen_buf_printf(
        c,
        "    int ddb_rc = ddb_entity_set_fields(&ddb_obj, &%s__%s__desc, ddb_fields, ddb_args, "
        "%zu, ddb_err);\n",
        ns, en, n);
    if (!list_params(&lists, g, USE_LIST)) {
        ddbgen_buf_printf(
            c,
            "    if (ddb_rc == 0)\n        ddb_rc = ddb_repo->%s__create(ddb_repo, &ddb_obj, "
            "ddb_err);\n"
            "    if (ddb_rc < 0) {\n        ddb_entity_free(&%s__%s__desc, &ddb_obj);\n"
            "        return ddb_rc;\n    }\n    *ddb_out = ddb_obj;\n    return 0;\n}\n",
            en, ns, en);
        ddbgen_buf_free(&lists);
        return;
    }
    ddbgen_buf_free(&lists);
    /* The lists are the caller's: lent for the write, then *out gets its own copy of
     * everything (through the item, the runtime's deep copy). */
    for (size_t i = 0; i < ap->n_params; i++)
        if (g->use[i] == USE_LIST)
            emit_lend_list(c, "ddb_obj", g->param_field[i], ap->params[i].c_name);
    emit_init(c, E, e, "ddb_copy");
    ddbgen_buf_printf(
        c,
        "    ddb_value *ddb_item = NULL;\n"
        "    if (ddb_rc == 0)\n        ddb_rc = ddb_repo->%s__create(ddb_repo, &ddb_obj, "
        "ddb_err);\n"
        "    if (ddb_rc == 0)\n"
        "        ddb_rc = ddb_entity_to_item(&ddb_item, &%s__%s__desc, &ddb_obj, ddb_err);\n"
        "    if (ddb_rc == 0)\n"
        "        ddb_rc = ddb_entity_from_item(&ddb_copy, &%s__%s__desc, ddb_item, ddb_err);\n"
        "    ddb_value_free(ddb_item);\n    ddb_copy.ddb_version = ddb_obj.ddb_version;\n",
        en, ns, en, ns, en);
    for (size_t i = 0; i < ap->n_params; i++)
        if (g->use[i] == USE_LIST)
            emit_unlend_list(c, "ddb_obj", g->param_field[i]);
    ddbgen_buf_printf(c,
                      "    ddb_entity_free(&%s__%s__desc, &ddb_obj);\n"
                      "    if (ddb_rc < 0)\n        return ddb_rc;\n    *ddb_out = ddb_copy;\n"
                      "    return 0;\n}\n",
                      ns, en);
}

/* A BatchGetItem (items, or tagged items of a mixed page) or a BatchWriteItem. */
static void body_batch(const body *b)
{
    const pattern_gen *g = b->g;
    const ddbgen_access_pattern *ap = b->ap;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    size_t ti = b->ti;
    if (g->shape == SHAPE_BATCH_WRITE) {
        ddbgen_buf_printf(
            c,
            "    return ddb_entity_batch_write(ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), ddb_items, ddb_n_items,\n        %s, ddb_err);\n}\n",
            ns, en, ti, g->batch_delete ? "true" : "false");
        return;
    }
    ddbgen_buf_printf(c,
                      "    ddb_entity_page ddb_p = {0, NULL, NULL};\n"
                      "    int ddb_rc = ddb_entity_batch_get(&ddb_p, ddb_r->client, &%s__%s__desc, "
                      "ddb_table_of(ddb_r, %zu), ddb_keys, ddb_n_keys,\n        %s, ddb_err);\n",
                      ns, en, ti,
                      ap->has_consistent_read ? (ap->consistent_read ? "true" : "false")
                                              : "ddb_r->consistent");
    if (g->batch_mixed) {
        /* The same entities, moved into tagged items. */
        ddbgen_buf_printf(
            c,
            "    if (ddb_rc < 0)\n        return ddb_rc;\n"
            "    ddb_out->items = calloc(ddb_p.n ? ddb_p.n : 1, sizeof *ddb_out->items);\n"
            "    if (!ddb_out->items) {\n"
            "        ddb_entity_page_free(&%s__%s__desc, &ddb_p);\n"
            "        return DDB_ERR_NOMEM;\n    }\n"
            "    for (size_t ddb_i = 0; ddb_i < ddb_p.n; ddb_i++) {\n"
            "        ddb_out->items[ddb_i].kind = ",
            ns, en);
        emit_upper(c, ns);
        ddbgen_buf_puts(c, "__KIND_");
        emit_upper(c, en);
        ddbgen_buf_printf(
            c,
            ";\n        memcpy(&ddb_out->items[ddb_i].as.%s, (%s__%s *)ddb_p.items + ddb_i, "
            "sizeof(%s__%s));\n    }\n"
            "    ddb_out->n_items = ddb_p.n;\n    ddb_out->cursor = NULL;\n"
            "    free(ddb_p.items);\n    return 0;\n}\n",
            en, ns, en, ns, en);
        return;
    }
    ddbgen_buf_printf(
        c, "    if (ddb_rc == 0) {\n        ddb_out->n_items = ddb_p.n;\n"
           "        ddb_out->items = ddb_p.items;\n        ddb_out->cursor = NULL;\n    }\n"
           "    return ddb_rc;\n}\n");
}

/* The locals every keyed or queried body starts with: the key, conversions, filter, bounds. */
static void body_locals(const body *b)
{
    emitter *E = b->E;
    const ddbgen_entity *e = b->e;
    const pattern_gen *g = b->g;
    const ddbgen_access_pattern *ap = b->ap;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    bool page_like = b->page_like;
    if (!g->scan && g->item >= 0) /* key fields the parameters do not give come from it */
        ddbgen_buf_printf(c, "    %s__%s ddb_key = *%s;\n", ns, en, ap->params[g->item].c_name);
    else if (!g->scan)
        emit_init(c, E, e, "ddb_key");
    if (g->shape == SHAPE_EXISTS) {
        emit_init(c, E, e, "ddb_tmp");
        ddbgen_buf_puts(c, "    bool ddb_found = false;\n");
    }
    emit_conversions(E, e, g);
    if (has_filter(g))
        emit_filter(c, e, ap, g->use, g->plan.field);
    if (g->partial && g->shape != SHAPE_MIXED)
        emit_present(c, e, g);
    if (page_like) {
        ddbgen_buf_puts(c, g->multi ? "    ddb_entity_mquery ddb_q = {0};\n"
                                    : "    ddb_entity_query ddb_q = {0};\n");
        if (g->shape == SHAPE_MIXED)
            ddbgen_buf_puts(c, "    ddb_entity_mixed_page ddb_p = {0, NULL, NULL, NULL};\n");
        else if (g->shape == SHAPE_PAGE)
            ddbgen_buf_puts(c, "    ddb_entity_page ddb_p = {0, NULL, NULL};\n");
        ddbgen_buf_puts(c, "    int ddb_rc;\n");
    } else if (g->shape == SHAPE_FLAG && ap->operation == DDBGEN_OP_UPDATE_ITEM && !g->whole) {
        emit_init(c, E, e, "ddb_updated");
        ddbgen_buf_puts(c, "    bool ddb_found = false;\n    int ddb_rc;\n");
    }
    for (size_t i = 0; i < g->plan.n_range; i++) {
        const ddbgen_param *prm = &ap->params[g->plan.range_param[i]];
        if (prm->type == DDBGEN_TYPE_INTEGER)
            ddbgen_buf_printf(c, "    char ddb_v%zu[24];\n", i);
    }
    for (size_t i = 0; i < ap->n_params; i++)
        if (g->param_field[i] && (g->use[i] == USE_KEY || g->use[i] == USE_UPDATE))
            emit_key_assign(E, e, "ddb_key", g->param_field[i], ap->params[i].c_name);
        else if (g->use[i] == USE_LIST && g->param_field[i])
            emit_lend_list(c, "ddb_key", g->param_field[i], ap->params[i].c_name);
    if (!g->scan)
        emit_context_keys(E, e, g);
}

/* An UpdateItem: the fields it sets, then the update by key (or of the whole entity). */
static void body_update(const body *b)
{
    emitter *E = b->E;
    const ddbgen_entity *e = b->e;
    const pattern_gen *g = b->g;
    const ddbgen_access_pattern *ap = b->ap;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    size_t ti = b->ti;
    size_t n = 0;
    char nbuf[32];
    if (g->item >= 0) {
        emit_update_fields(E, e, g);
        snprintf(nbuf, sizeof nbuf, "ddb_n_fields");
    } else {
        ddbgen_buf_puts(c, "    static const size_t ddb_fields[] = {");
        for (size_t i = 0; i < ap->n_params; i++)
            if ((g->use[i] == USE_UPDATE || g->use[i] == USE_LIST) && g->param_field[i])
                ddbgen_buf_printf(c, "%s%d", n++ ? ", " : "",
                                  emit_field_index(e, g->param_field[i]->name));
        if (!n)
            ddbgen_buf_puts(c, "0");
        ddbgen_buf_puts(c, "};\n");
        snprintf(nbuf, sizeof nbuf, "%zu", n);
    }
    if (g->whole) {
        emit_update_whole(E, e, g, nbuf);
        return;
    }
    if (g->shape == SHAPE_UPDATE) {
        ddbgen_buf_printf(
            c,
            "    return ddb_entity_update_fields(ddb_out, ddb_found, ddb_r->client, "
            "&%s__%s__desc, ddb_table_of(ddb_r, %zu),\n        &ddb_key, ddb_fields, %s, "
            "ddb_err);\n}\n",
            ns, en, ti, nbuf);
        return;
    }
    ddbgen_buf_printf(
        c,
        "    ddb_rc = ddb_entity_update_fields(&ddb_updated, &ddb_found, ddb_r->client, "
        "&%s__%s__desc,\n        ddb_table_of(ddb_r, %zu), &ddb_key, ddb_fields, %s, "
        "ddb_err);\n"
        "    if (ddb_rc == 0 && ddb_found)\n"
        "        ddb_entity_free(&%s__%s__desc, &ddb_updated);\n"
        "    if (ddb_rc == 0 && ddb_done)\n        *ddb_done = ddb_found;\n    return "
        "ddb_rc;\n}\n",
        ns, en, ti, nbuf, ns, en);
}

/* The calls by key: delete (flag, returning, whole) and get (item or existence); false when
 * the pattern is a query or scan instead. */
static bool body_by_key(const body *b)
{
    emitter *E = b->E;
    const ddbgen_entity *e = b->e;
    const pattern_gen *g = b->g;
    const ddbgen_access_pattern *ap = b->ap;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    size_t ti = b->ti;
    if (g->whole) { /* a DeleteItem of an entity with unique values */
        emit_update_whole(E, e, g, "0");
        return true;
    }
    if (g->shape == SHAPE_FLAG) {
        ddbgen_buf_printf(
            c,
            "    return ddb_entity_delete_key(ddb_done, ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), &ddb_key,\n        ddb_err);\n}\n",
            ns, en, ti);
        return true;
    }
    if (g->shape == SHAPE_DELETE_RETURN) {
        ddbgen_buf_printf(
            c,
            "    return ddb_entity_delete_returning(ddb_out, ddb_found, ddb_r->client, "
            "&%s__%s__desc, ddb_table_of(ddb_r, %zu),\n        &ddb_key, ddb_err);\n}\n",
            ns, en, ti);
        return true;
    }
    if (g->shape == SHAPE_EXISTS && ap->operation == DDBGEN_OP_GET_ITEM && !g->get_filtered) {
        ddbgen_buf_printf(
            c,
            "    int ddb_rc = ddb_entity_get(&ddb_tmp, &ddb_found, ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), &ddb_key,\n        %s, ddb_err);\n"
            "    if (ddb_rc == 0 && ddb_found)\n"
            "        ddb_entity_free(&%s__%s__desc, &ddb_tmp);\n"
            "    if (ddb_rc == 0 && ddb_done)\n        *ddb_done = ddb_found;\n    return "
            "ddb_rc;\n}\n",
            ns, en, ti, consistent_arg(ap), ns, en);
        return true;
    }
    if (g->shape == SHAPE_GET) {
        ddbgen_buf_printf(
            c,
            "    return ddb_entity_get(ddb_out, ddb_found, ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), &ddb_key,\n        %s, ddb_err);\n}\n",
            ns, en, ti, consistent_arg(ap));
        return true;
    }
    return false;
}

/* The query's input: index, filter, key conditions, order, consistency, paging, context. */
static void body_query_input(const body *b)
{
    const pattern_gen *g = b->g;
    const ddbgen_access_pattern *ap = b->ap;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    bool single = b->single;
    if (g->plan.gsi || (g->scan && ap->index_name)) {
        ddbgen_buf_puts(c, "    ddb_q.index = ");
        emit_c_string(c, g->plan.gsi ? g->plan.gsi->name : ap->index_name);
        ddbgen_buf_puts(c, ";\n");
    }
    if (has_filter(g))
        ddbgen_buf_puts(c, "    ddb_q.filter = &ddb_filter;\n");
    if (g->multi)
        emit_multi_keys(c, g);
    else if (!g->scan)
        ddbgen_buf_printf(c, "    ddb_q.pk_key = %zu;\n", g->pk_key);
    /* A mixed_data query reads the whole item collection unless the pattern narrows the sort
     * key: the entity's own sort key prefix would leave the other types out. */
    if (g->has_sk &&
        (g->shape != SHAPE_MIXED || g->plan.n_sk_placeholders_bound || g->plan.n_range))
        ddbgen_buf_printf(
            c, "    ddb_q.has_sk = true;\n    ddb_q.sk_key = %zu;\n    ddb_q.n_sk_bound = %zu;\n",
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
        ddbgen_buf_printf(c, "    ddb_q.range = %s;\n", names[g->plan.range]);
        for (size_t i = 0; i < g->plan.n_range; i++) {
            const ddbgen_param *prm = &ap->params[g->plan.range_param[i]];
            if (prm->type == DDBGEN_TYPE_INTEGER)
                ddbgen_buf_printf(
                    c,
                    "    snprintf(ddb_v%zu, sizeof ddb_v%zu, \"%%lld\", (long long)%s);\n"
                    "    ddb_q.v%zu = ddb_v%zu;\n",
                    i, i, prm->c_name, i + 1, i);
            else if (prm->type == DDBGEN_TYPE_BOOLEAN)
                ddbgen_buf_printf(c, "    ddb_q.v%zu = %s ? \"true\" : \"false\";\n", i + 1,
                                  prm->c_name);
            else
                ddbgen_buf_printf(c, "    ddb_q.v%zu = %s;\n", i + 1, prm->c_name);
        }
    }
    if (ap->descending)
        ddbgen_buf_puts(c, "    ddb_q.scan_backward = true;\n");
    if (!g->multi) /* a multi-attribute key is a GSI's: never consistent */
        ddbgen_buf_printf(c, "    ddb_q.consistent_read = %s;\n",
                          ap->has_consistent_read ? (ap->consistent_read ? "true" : "false")
                                                  : "ddb_r->consistent");
    {
        int lim = -1;
        for (size_t i = 0; i < ap->n_params; i++)
            if (g->use[i] == USE_LIMIT)
                lim = (int)i;
        if (!single && lim >= 0)
            ddbgen_buf_printf(
                c,
                "    ddb_q.limit = ddb_req && ddb_req->limit ? ddb_req->limit : (int)%s;\n"
                "    ddb_q.cursor = ddb_req ? ddb_req->cursor : NULL;\n"
                "    ddb_q.offset = ddb_req ? ddb_req->offset : 0;\n",
                ap->params[lim].c_name);
        else if (!single)
            ddbgen_buf_puts(c, "    ddb_q.limit = ddb_req ? ddb_req->limit : 0;\n"
                               "    ddb_q.cursor = ddb_req ? ddb_req->cursor : NULL;\n"
                               "    ddb_q.offset = ddb_req ? ddb_req->offset : 0;\n");
        else if (lim >= 0)
            ddbgen_buf_printf(c, "    ddb_q.limit = (int)%s;\n", ap->params[lim].c_name);
    }
    ddbgen_buf_puts(c, "    ddb_q.context = ");
    {
        char ctx[512];
        snprintf(ctx, sizeof ctx, "%s.%s.%s", ns, en, ap->c_name);
        emit_c_string(c, ctx);
    }
    ddbgen_buf_puts(c, ";\n");
}

/* The query or scan itself, and its result moved to the caller's output. */
static void body_query_call(const body *b)
{
    emitter *E = b->E;
    const pattern_gen *g = b->g;
    ddbgen_buf *c = b->c;
    const char *ns = b->ns, *en = b->en;
    size_t ti = b->ti;
    bool single = b->single;
    if (single) {
        bool one = g->shape == SHAPE_ONE;
        const char *dst = one ? "ddb_out, ddb_found" : "&ddb_tmp, &ddb_found";
        if (g->scan)
            ddbgen_buf_printf(c,
                              "    ddb_rc = ddb_entity_scan_one(%s, ddb_r->client, &%s__%s__desc, "
                              "ddb_table_of(ddb_r, %zu), &ddb_q, ddb_err);\n",
                              dst, ns, en, ti);
        else
            ddbgen_buf_printf(
                c,
                "    ddb_rc = ddb_entity_query_one%s(%s, ddb_r->client, "
                "&%s__%s__desc, ddb_table_of(ddb_r, %zu),\n        &ddb_key, &ddb_q, %sddb_err);\n",
                g->partial ? "_partial" : "", dst, ns, en, ti,
                g->partial ? "ddb_present, ddb_n_present, " : "");
        if (!one)
            ddbgen_buf_printf(c,
                              "    if (ddb_rc == 0 && ddb_found)\n"
                              "        ddb_entity_free(&%s__%s__desc, &ddb_tmp);\n"
                              "    if (ddb_rc == 0 && ddb_done)\n        *ddb_done = ddb_found;\n",
                              ns, en);
        ddbgen_buf_puts(c, "    return ddb_rc;\n}\n");
        return;
    }
    if (g->shape == SHAPE_MIXED) {
        if (g->scan)
            ddbgen_buf_printf(
                c,
                "    ddb_rc = ddb_entity_scan_mixed(&ddb_p, ddb_r->client, ddb_kinds, %zu, "
                "sizeof(%s__item),\n        offsetof(%s__item, as), %s, "
                "ddb_table_of(ddb_r, %zu), &ddb_q, ddb_err);\n",
                n_entities(E->m), ns, ns, g->partial ? "true" : "false", ti);
        else
            ddbgen_buf_printf(
                c,
                "    ddb_rc = ddb_entity_%s_mixed(&ddb_p, ddb_r->client, ddb_kinds, %zu, "
                "sizeof(%s__item),\n        offsetof(%s__item, as), %s, "
                "&%s__%s__desc, ddb_table_of(ddb_r, %zu), &ddb_key, &ddb_q, ddb_err);\n",
                g->multi ? "mquery" : "query", n_entities(E->m), ns, ns,
                g->partial ? "true" : "false", ns, en, ti);
        ddbgen_buf_printf(
            c,
            "    if (ddb_rc == 0) {\n        ddb_out->n_items = ddb_p.n;\n"
            "        ddb_out->items = ddb_p.items;\n        ddb_out->cursor = ddb_p.cursor;\n"
            "        for (size_t ddb_i = 0; ddb_i < ddb_p.n; ddb_i++)\n"
            "            ddb_out->items[ddb_i].kind = (%s__kind)(ddb_p.which[ddb_i] + 1);\n"
            "        free(ddb_p.which);\n    }\n    return ddb_rc;\n}\n",
            ns);
        return;
    }
    if (g->multi)
        ddbgen_buf_printf(
            c,
            "    ddb_rc = ddb_entity_mquery_page(&ddb_p, ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), &ddb_key, &ddb_q,\n        %s, ddb_err);\n",
            ns, en, ti, g->partial ? "ddb_present, ddb_n_present" : "NULL, 0");
    else if (g->scan)
        ddbgen_buf_printf(
            c,
            "    ddb_rc = ddb_entity_scan_page%s(&ddb_p, ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), &ddb_q, %sddb_err);\n",
            g->partial ? "_partial" : "", ns, en, ti,
            g->partial ? "ddb_present, ddb_n_present, " : "");
    else
        ddbgen_buf_printf(
            c,
            "    ddb_rc = ddb_entity_query_page%s(&ddb_p, ddb_r->client, &%s__%s__desc, "
            "ddb_table_of(ddb_r, %zu), &ddb_key, &ddb_q,\n        %sddb_err);\n",
            g->partial ? "_partial" : "", ns, en, ti,
            g->partial ? "ddb_present, ddb_n_present, " : "");
    ddbgen_buf_puts(
        c, "    if (ddb_rc == 0) {\n        ddb_out->n_items = ddb_p.n;\n"
           "        ddb_out->items = ddb_p.items;\n        ddb_out->cursor = ddb_p.cursor;\n    }\n"
           "    return ddb_rc;\n}\n");
}

static void pattern_body(emitter *E, const ddbgen_entity *e, const pattern_gen *g)
{
    const ddbgen_access_pattern *ap = g->ap;
    body b = {E, e, g, ap, E->c, E->ns, e->c_name, table_index(E->m, e->table), false, false};
    ddbgen_buf *c = E->c;

    b.single = g->shape == SHAPE_ONE || g->shape == SHAPE_EXISTS;
    b.page_like = g->shape == SHAPE_PAGE || g->shape == SHAPE_MIXED ||
                  (b.single && (ap->operation != DDBGEN_OP_GET_ITEM || g->get_filtered));
    ddbgen_buf_puts(c, "{\n");
    if (g->shape != SHAPE_PUT_OBJ && g->shape != SHAPE_PUT_SCALAR)
        ddbgen_buf_puts(c, "    ddb_repo_impl *ddb_r = (ddb_repo_impl *)ddb_repo;\n");
    switch (g->shape) {
    case SHAPE_NONE:
        return;
    case SHAPE_PUT_OBJ:
        emit_put_fill(E, e, g, ap->params[g->item].c_name);
        ddbgen_buf_printf(c, "    return ddb_repo->%s__create(ddb_repo, %s, ddb_err);\n}\n",
                          e->c_name, ap->params[g->item].c_name);
        return;
    case SHAPE_PUT_SCALAR:
        body_put_scalar(&b);
        return;
    case SHAPE_BATCH_GET:
    case SHAPE_BATCH_WRITE:
        body_batch(&b);
        return;
    default:
        break;
    }
    body_locals(&b);
    if (g->shape == SHAPE_UPDATE ||
        (g->shape == SHAPE_FLAG && ap->operation == DDBGEN_OP_UPDATE_ITEM))
        body_update(&b);
    else if (!body_by_key(&b)) {
        body_query_input(&b);
        body_query_call(&b);
    }
}

/* Whether a primary key template of e has a placeholder for field name. */
static bool key_uses_field(const ddbgen_key_template *pk, const ddbgen_key_template *sk,
                           const char *name)
{
    const ddbgen_key_template *kt[2] = {pk, sk};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; kt[s]->present && i < kt[s]->n; i++)
            for (size_t j = 0; j < kt[s]->items[i].n_parts; j++)
                if (kt[s]->items[i].parts[j].is_field &&
                    strcmp(kt[s]->items[i].parts[j].text, name) == 0)
                    return true;
    return false;
}

static bool primary_key_field(const ddbgen_entity *e, const char *name)
{
    return key_uses_field(&e->pk, &e->sk, name);
}

/* ---- mixed results --------------------------------------------------------------------------- */

static void emit_mixed_types_h(emitter *E)
{
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;
    if (!n_entities(m))
        return;
    ddbgen_buf_printf(E->h,
                      "\n/* One item of a mixed_data result: kind says which member of `as` holds "
                      "it. */\ntypedef struct %s__item {\n    %s__kind kind;\n    union {\n",
                      ns, ns);
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++)
            ddbgen_buf_printf(E->h, "        %s__%s %s;\n", ns, m->tables[t].entities[i].c_name,
                              m->tables[t].entities[i].c_name);
    ddbgen_buf_printf(E->h,
                      "    } as;\n} %s__item;\n\n"
                      "/* A page of a mixed_data query; the caller frees it with "
                      "%s__mixed_page_free. */\n"
                      "typedef struct %s__mixed_page {\n    size_t n_items;\n"
                      "    %s__item *items;\n"
                      "    char *cursor; /* the next page's cursor; NULL: this is the last page "
                      "*/\n} %s__mixed_page;\n\n"
                      "/* Frees what page holds and zeroes it. NULL-safe. */\n"
                      "void %s__mixed_page_free(%s__mixed_page *page);\n",
                      ns, ns, ns, ns, ns, ns, ns);
}

static void emit_mixed_c(emitter *E)
{
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;
    if (!n_entities(m))
        return;
    ddbgen_buf_puts(E->c,
                    "\n/* The descriptors in kind order: ddb_kinds[k - 1] describes kind k. */\n"
                    "static const ddb_entity_desc *const ddb_kinds[] = {\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++)
            ddbgen_buf_printf(E->c, "    &%s__%s__desc,\n", ns, m->tables[t].entities[i].c_name);
    ddbgen_buf_printf(
        E->c,
        "};\n\nvoid %s__mixed_page_free(%s__mixed_page *page)\n{\n"
        "    if (!page)\n        return;\n"
        "    for (size_t i = 0; page->items && i < page->n_items; i++)\n"
        "        if (page->items[i].kind > 0 && (size_t)page->items[i].kind <= %zu)\n"
        "            ddb_entity_free(ddb_kinds[page->items[i].kind - 1], "
        "&page->items[i].as);\n"
        "    free(page->items);\n    free(page->cursor);\n"
        "    page->items = NULL;\n    page->cursor = NULL;\n    page->n_items = 0;\n}\n",
        ns, ns, n_entities(m));
}

/* ---- cross-table transactions ---------------------------------------------------------------- */

/* The parameter of tx pattern x that is an entity of type e (the first not taken), or -1. */
static int tx_entity_param(const ddbgen_tx_pattern *x, const ddbgen_entity *e, bool *taken)
{
    for (size_t i = 0; i < x->n_params; i++)
        if (!taken[i] && x->params[i].type == DDBGEN_TYPE_ENTITY && x->params[i].entity_type &&
            strcmp(x->params[i].entity_type, e->name) == 0) {
            taken[i] = true;
            return (int)i;
        }
    return -1;
}

/* The member of the TransactGet result struct for action a of x. */
static void tx_member(ddbgen_buf *b, const ddbgen_tx_pattern *x, size_t a, const ddbgen_entity *e)
{
    bool dup = false;
    for (size_t k = 0; k < x->n_entities; k++)
        if (k != a && x->entities[k].entity && strcmp(x->entities[k].entity, e->name) == 0)
            dup = true;
    if (dup)
        ddbgen_buf_printf(b, "%s_%zu", e->c_name, a);
    else
        ddbgen_buf_puts(b, e->c_name);
}

/* Whether scalar parameter i of x has a meaning: it fills a key field of an action's entity
 * that no entity parameter gives, or a field of a Put's (the same rule as the validator's). */
static bool tx_param_used(const ddbgen_model *m, const ddbgen_tx_pattern *x, size_t i)
{
    bool taken[128] = {false};
    const ddbgen_param *prm = &x->params[i];
    if (prm->type == DDBGEN_TYPE_ENTITY)
        return true;
    if (prm->type == DDBGEN_TYPE_ARRAY || prm->type == DDBGEN_TYPE_OBJECT || x->n_params > 128)
        return false;
    for (size_t a = 0; a < x->n_entities; a++) {
        const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
        const ddbgen_field *f = e ? ddbgen_entity_find_field(e, prm->name) : NULL;
        if (!e || tx_entity_param(x, e, taken) >= 0 || !f)
            continue;
        if (key_uses_field(&e->pk, &e->sk, f->name))
            return true;
        if (x->entities[a].action == DDBGEN_ACT_PUT && f->type != DDBGEN_TYPE_ARRAY &&
            f->type != DDBGEN_TYPE_OBJECT && !ddbgen_field_is_derived(e, f))
            return true;
    }
    return false;
}

static bool tx_usable(const ddbgen_model *m, const ddbgen_tx_pattern *x)
{
    if (!x->c_name || x->n_entities == 0 || x->n_entities > 100 ||
        (x->operation != DDBGEN_TX_WRITE && x->operation != DDBGEN_TX_GET))
        return false;
    for (size_t a = 0; a < x->n_entities; a++) {
        const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
        ddbgen_tx_action act = x->entities[a].action;
        if (!e || !e->table)
            return false;
        if (x->operation == DDBGEN_TX_GET ? act != DDBGEN_ACT_GET
                                          : (act == DDBGEN_ACT_GET || act == DDBGEN_ACT_UNKNOWN))
            return false;
    }
    for (size_t i = 0; i < x->n_params; i++)
        if (!tx_param_used(m, x, i))
            return false;
    return true;
}

static void tx_signature(emitter *E, ddbgen_buf *b, const ddbgen_tx_pattern *x, bool member)
{
    const char *ns = E->ns;
    if (member)
        ddbgen_buf_printf(b, "(*%s)(%s__repo *ddb_repo", x->c_name, ns);
    else
        ddbgen_buf_printf(b, "%s_ddb(%s__repo *ddb_repo", x->c_name, ns);
    if (x->operation == DDBGEN_TX_GET)
        ddbgen_buf_printf(b, ", %s__%s__result *ddb_out", ns, x->c_name);
    for (size_t i = 0; i < x->n_params; i++) {
        const ddbgen_param *prm = &x->params[i];
        if (prm->type == DDBGEN_TYPE_ENTITY) {
            const ddbgen_entity *pe = ddbgen_model_find_entity(E->m, prm->entity_type);
            if (pe)
                ddbgen_buf_printf(b, ", %s__%s *%s", ns, pe->c_name, prm->c_name);
            else
                ddbgen_buf_printf(b, ", void *%s", prm->c_name);
        } else if (prm->type == DDBGEN_TYPE_ARRAY || prm->type == DDBGEN_TYPE_OBJECT) {
            ddbgen_buf_printf(b, ", const ddb_value *%s", prm->c_name);
        } else {
            ddbgen_buf_printf(b, ", %s%s", param_c_type(prm->type), prm->c_name);
        }
    }
    ddbgen_buf_puts(b, ", ddb_error *ddb_err)");
}

/* The TransactGet result types, before the interface. */
static void emit_tx_types_h(emitter *E)
{
    const ddbgen_model *m = E->m;
    for (size_t t = 0; t < m->n_tx_patterns; t++) {
        const ddbgen_tx_pattern *x = &m->tx_patterns[t];
        if (!tx_usable(m, x) || x->operation != DDBGEN_TX_GET)
            continue;
        ddbgen_buf_printf(E->h,
                          "\n/* The result of %s: found_<x> says whether <x> was read. */\n"
                          "typedef struct %s__%s__result {\n",
                          x->c_name, E->ns, x->c_name);
        for (size_t a = 0; a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            ddbgen_buf_puts(E->h, "    bool found_");
            tx_member(E->h, x, a, e);
            ddbgen_buf_printf(E->h, ";\n    %s__%s ", E->ns, e->c_name);
            tx_member(E->h, x, a, e);
            ddbgen_buf_puts(E->h, ";\n");
        }
        ddbgen_buf_printf(
            E->h,
            "} %s__%s__result;\n\n/* Frees what r holds and zeroes it. NULL-safe. */\n"
            "void %s__%s__result_free(%s__%s__result *r);\n",
            E->ns, x->c_name, E->ns, x->c_name, E->ns, x->c_name);
    }
}

static void emit_tx_members_h(emitter *E)
{
    const ddbgen_model *m = E->m;
    if (!m->n_tx_patterns)
        return;
    ddbgen_buf_puts(E->h, "\n    /* Cross-table transactions. A cancelled one is "
                          "DDB_ERR_TRANSACTION_CANCELED, and\n       err->cancellation_reasons[i] "
                          "is the reason of action i, in the order listed. */\n");
    for (size_t t = 0; t < m->n_tx_patterns; t++) {
        const ddbgen_tx_pattern *x = &m->tx_patterns[t];
        bool taken[128] = {false};
        ddbgen_buf_puts(E->h, "    /* ");
        emit_comment_text(E->h, x->name);
        ddbgen_buf_printf(E->h, " (%s): ", x->operation_raw ? x->operation_raw : "?");
        emit_comment_text(E->h, x->description);
        if (!tx_usable(m, x) || x->n_params > 128) {
            const char *unused = NULL;
            for (size_t i = 0; i < x->n_params && i < 128 && !unused; i++)
                if (!tx_param_used(m, x, i))
                    unused = x->params[i].name;
            if (unused)
                ddbgen_buf_printf(E->h,
                                  "\n       Not generated: parameter %s fills no key field of "
                                  "an action and no field of a Put. */\n",
                                  unused);
            else
                ddbgen_buf_puts(E->h, "\n       Not generated: an action's entity or operation "
                                      "is unusable. */\n");
            continue;
        }
        for (size_t a = 0; a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            int p = tx_entity_param(x, e, taken);
            ddbgen_buf_printf(E->h, "\n       %zu: %s %s", a,
                              x->entities[a].action_raw ? x->entities[a].action_raw : "?", e->name);
            if (p >= 0)
                ddbgen_buf_printf(E->h, " %s", x->params[p].c_name);
            else
                ddbgen_buf_puts(E->h, x->entities[a].action == DDBGEN_ACT_PUT
                                          ? " (built from the parameters of the same name)"
                                          : " (key from the parameters of the same name)");
            if (x->entities[a].condition) {
                ddbgen_buf_puts(E->h, " if ");
                emit_comment_text(E->h, x->entities[a].condition);
            }
        }
        {
            bool put = false, upd = false;
            for (size_t a = 0; a < x->n_entities; a++) {
                put |= x->entities[a].action == DDBGEN_ACT_PUT;
                upd |= x->entities[a].action == DDBGEN_ACT_UPDATE;
            }
            if (put)
                ddbgen_buf_puts(E->h, "\n       A Put writes the entity as given with version 1 "
                                      "(no ID assigned, no unique sentinels).");
            if (upd)
                ddbgen_buf_puts(E->h, "\n       An Update replaces the stored item with the "
                                      "entity, version incremented (not checked).");
            if (x->operation == DDBGEN_TX_GET)
                ddbgen_buf_printf(E->h,
                                  "\n       *ddb_out (fresh; free with %s__%s__result_free) "
                                  "receives the items.",
                                  E->ns, x->c_name);
            ddbgen_buf_puts(E->h, " */\n    int ");
        }
        tx_signature(E, E->h, x, true);
        ddbgen_buf_puts(E->h, ";\n");
    }
}

/* The key placeholders' fields of e's primary key that x's parameters or entities can fill. */
static void emit_tx_key(emitter *E, const ddbgen_tx_pattern *x, const ddbgen_entity *e,
                        const char *var)
{
    const ddbgen_key_template *kt[2] = {&e->pk, &e->sk};
    for (size_t s = 0; s < 2; s++) {
        if (!kt[s]->present || kt[s]->n < 1)
            continue;
        for (size_t j = 0; j < kt[s]->items[0].n_parts; j++) {
            const ddbgen_template_part *part = &kt[s]->items[0].parts[j];
            const ddbgen_field *f;
            const ddbgen_param *prm;
            bool done = false;
            if (!part->is_field || !(f = ddbgen_entity_find_field(e, part->text)))
                continue;
            prm = ddbgen_pattern_find_param(x->params, x->n_params, f->name);
            if (prm && prm->type != DDBGEN_TYPE_ENTITY) {
                emit_key_assign(E, e, var, f, prm->c_name);
                continue;
            }
            /* Else the same field of an entity parameter of another type. */
            for (size_t i = 0; i < x->n_params && !done; i++) {
                const ddbgen_entity *pe;
                const ddbgen_field *pf;
                char expr[256];
                if (x->params[i].type != DDBGEN_TYPE_ENTITY)
                    continue;
                pe = ddbgen_model_find_entity(E->m, x->params[i].entity_type);
                pf = pe ? ddbgen_entity_find_field(pe, f->name) : NULL;
                if (!pf || pf->type != f->type)
                    continue;
                snprintf(expr, sizeof expr, "%s->%s", x->params[i].c_name, pf->c_name);
                if (f->type == DDBGEN_TYPE_STRING || f->type == DDBGEN_TYPE_DECIMAL)
                    ddbgen_buf_printf(E->c, "    %s.%s = %s->%s;\n", var, f->c_name,
                                      x->params[i].c_name, pf->c_name);
                else
                    emit_key_assign(E, e, var, f, expr);
                done = true;
            }
        }
    }
}

static void emit_tx_impl(emitter *E)
{
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;
    for (size_t t = 0; t < m->n_tx_patterns; t++) {
        const ddbgen_tx_pattern *x = &m->tx_patterns[t];
        bool taken[128] = {false};
        int obj_param[100];
        if (!tx_usable(m, x) || x->n_params > 128)
            continue;
        if (x->operation == DDBGEN_TX_GET) {
            ddbgen_buf_printf(E->c,
                              "\nvoid %s__%s__result_free(%s__%s__result *r)\n{\n"
                              "    if (!r)\n        return;\n",
                              ns, x->c_name, ns, x->c_name);
            for (size_t a = 0; a < x->n_entities; a++) {
                const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
                ddbgen_buf_printf(E->c, "    ddb_entity_free(&%s__%s__desc, &r->", ns, e->c_name);
                tx_member(E->c, x, a, e);
                ddbgen_buf_puts(E->c, ");\n");
            }
            ddbgen_buf_puts(E->c, "    memset(r, 0, sizeof *r);\n}\n");
        }
        ddbgen_buf_puts(E->c, "\nstatic int ");
        tx_signature(E, E->c, x, false);
        ddbgen_buf_puts(E->c, "\n{\n    ddb_repo_impl *ddb_r = (ddb_repo_impl *)ddb_repo;\n");
        for (size_t a = 0; a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            char var[32];
            obj_param[a] = tx_entity_param(x, e, taken);
            if (obj_param[a] >= 0)
                continue;
            snprintf(var, sizeof var, "ddb_key%zu", a);
            emit_init(E->c, E, e, var);
        }
        if (x->operation == DDBGEN_TX_GET)
            ddbgen_buf_printf(E->c,
                              "    %s__%s__result ddb_res = {0};\n"
                              "    void *const ddb_outs[] = {\n",
                              ns, x->c_name);
        for (size_t a = 0; x->operation == DDBGEN_TX_GET && a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            ddbgen_buf_puts(E->c, "        &ddb_res.");
            tx_member(E->c, x, a, e);
            ddbgen_buf_puts(E->c, ",\n");
        }
        if (x->operation == DDBGEN_TX_GET)
            ddbgen_buf_printf(E->c, "    };\n    bool ddb_found[%zu] = {false};\n", x->n_entities);
        ddbgen_buf_puts(E->c, "    int ddb_rc;\n");
        for (size_t a = 0; a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            char var[32];
            if (obj_param[a] >= 0)
                continue;
            snprintf(var, sizeof var, "ddb_key%zu", a);
            emit_tx_key(E, x, e, var);
            /* A Put without an entity parameter: the item is built from the parameters. */
            for (size_t i = 0; x->entities[a].action == DDBGEN_ACT_PUT && i < x->n_params; i++) {
                const ddbgen_param *prm = &x->params[i];
                const ddbgen_field *f = ddbgen_entity_find_field(e, prm->name);
                if (prm->type == DDBGEN_TYPE_ENTITY || prm->type == DDBGEN_TYPE_ARRAY ||
                    prm->type == DDBGEN_TYPE_OBJECT || !f || f->type == DDBGEN_TYPE_ARRAY ||
                    f->type == DDBGEN_TYPE_OBJECT || ddbgen_field_is_derived(e, f) ||
                    key_uses_field(&e->pk, &e->sk, f->name))
                    continue;
                emit_key_assign(E, e, var, f, prm->c_name);
            }
        }
        ddbgen_buf_puts(E->c, "    const ddb_entity_tx_op ddb_ops[] = {\n");
        for (size_t a = 0; a < x->n_entities; a++) {
            static const char *const acts[] = {
                [DDBGEN_ACT_PUT] = "DDB_ENTITY_TX_PUT",
                [DDBGEN_ACT_UPDATE] = "DDB_ENTITY_TX_UPDATE",
                [DDBGEN_ACT_DELETE] = "DDB_ENTITY_TX_DELETE",
                [DDBGEN_ACT_CONDITION_CHECK] = "DDB_ENTITY_TX_CONDITION",
                [DDBGEN_ACT_GET] = "DDB_ENTITY_TX_GET",
            };
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            ddbgen_buf_printf(E->c, "        {%s, &%s__%s__desc, ddb_table_of(ddb_r, %zu), ",
                              acts[x->entities[a].action], ns, e->c_name, table_index(m, e->table));
            if (obj_param[a] >= 0)
                ddbgen_buf_printf(E->c, "%s, ", x->params[obj_param[a]].c_name);
            else
                ddbgen_buf_printf(E->c, "&ddb_key%zu, ", a);
            if (x->entities[a].condition)
                emit_c_string(E->c, x->entities[a].condition);
            else
                ddbgen_buf_puts(E->c, "NULL");
            ddbgen_buf_puts(E->c, "},\n");
        }
        ddbgen_buf_puts(E->c, "    };\n");
        if (x->operation == DDBGEN_TX_WRITE) {
            ddbgen_buf_printf(
                E->c,
                "    ddb_rc = ddb_entity_transact_write(ddb_r->client, ddb_ops, %zu, ddb_err);\n"
                "    return ddb_rc;\n}\n",
                x->n_entities);
            continue;
        }
        ddbgen_buf_printf(E->c,
                          "    ddb_rc = ddb_entity_transact_get(ddb_outs, ddb_found, "
                          "ddb_r->client, ddb_ops, %zu, "
                          "ddb_err);\n    if (ddb_rc < 0)\n        return ddb_rc;\n",
                          x->n_entities);
        for (size_t a = 0; a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            ddbgen_buf_puts(E->c, "    ddb_res.found_");
            tx_member(E->c, x, a, e);
            ddbgen_buf_printf(E->c, " = ddb_found[%zu];\n", a);
        }
        ddbgen_buf_puts(E->c, "    *ddb_out = ddb_res;\n    return 0;\n}\n");
    }
}

static void emit_tx_assign(emitter *E)
{
    for (size_t t = 0; t < E->m->n_tx_patterns; t++) {
        const ddbgen_tx_pattern *x = &E->m->tx_patterns[t];
        if (tx_usable(E->m, x) && x->n_params <= 128)
            ddbgen_buf_printf(E->c, "    r->base.%s = %s_ddb;\n", x->c_name, x->c_name);
    }
}

/* ---- the members, described for other emitters (emit_members.h) ----------------------------- */

/* ", a, b": the arguments of the parameters a member takes after its outputs. */
static void member_args(ddbgen_buf *b, const pattern_gen *g)
{
    for (size_t i = 0; i < g->ap->n_params; i++)
        if (g->use[i] != USE_OMITTED && (g->use[i] != USE_ITEM || g->shape != SHAPE_PUT_OBJ)) {
            ddbgen_buf_printf(b, ", %s", g->ap->params[i].c_name);
            if (g->param_field[i] && g->param_field[i]->type == DDBGEN_TYPE_ARRAY)
                ddbgen_buf_printf(b, ", n_%s", g->ap->params[i].c_name); /* as param_decl */
        }
}

static emit_member_kind member_kind(const pattern_gen *g)
{
    switch (g->shape) {
    case SHAPE_GET:
    case SHAPE_ONE:
        return EMIT_MEMBER_GET;
    case SHAPE_UPDATE:
    case SHAPE_DELETE_RETURN:
        return EMIT_MEMBER_UPDATE;
    case SHAPE_PUT_OBJ:
        return EMIT_MEMBER_PUT_OBJ;
    case SHAPE_PUT_SCALAR:
        return EMIT_MEMBER_PUT_SCALAR;
    case SHAPE_PAGE:
        return EMIT_MEMBER_PAGE;
    case SHAPE_MIXED:
        return EMIT_MEMBER_MIXED;
    case SHAPE_BATCH_GET:
        return EMIT_MEMBER_BATCH_GET;
    case SHAPE_BATCH_WRITE:
        return EMIT_MEMBER_BATCH_WRITE;
    default:
        return EMIT_MEMBER_FLAG; /* FLAG, EXISTS */
    }
}

void emit_repo_pattern_members(struct emitter *E,
                               void (*fn)(struct emitter *E, const emit_member *m, void *ctx),
                               void *ctx)
{
    const ddbgen_model *m = E->m;
    emit_member mem;
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            for (size_t a = 0; a < e->n_patterns; a++) {
                pattern_gen g;
                ddbgen_buf name = DDBGEN_BUF_INIT, decl = DDBGEN_BUF_INIT, args = DDBGEN_BUF_INIT;
                pattern_plan(&g, E->m, e, &e->patterns[a]);
                if (g.shape != SHAPE_NONE) {
                    memset(&mem, 0, sizeof mem);
                    ddbgen_buf_printf(&name, "%s__%s", e->c_name, g.ap->c_name);
                    pattern_signature(E, &decl, e, &g, false);
                    member_args(&args, &g);
                    mem.kind = member_kind(&g);
                    mem.name = ddbgen_buf_str(&name);
                    /* the signature after the implementation's name: its parameter list */
                    mem.decl = ddbgen_buf_str(&decl) ? strchr(ddbgen_buf_str(&decl), '(') : NULL;
                    mem.args = ddbgen_buf_str(&args);
                    mem.item = g.shape == SHAPE_PUT_OBJ ? g.ap->params[g.item].c_name : NULL;
                    mem.entity = e;
                    mem.partial = g.partial;
                    mem.exists = g.shape == SHAPE_EXISTS;
                    mem.mixed = g.batch_mixed;
                    if (mem.name && mem.decl && mem.args)
                        fn(E, &mem, ctx);
                    else
                        E->status = DDBGEN_ERR_NOMEM;
                }
                ddbgen_buf_free(&name);
                ddbgen_buf_free(&decl);
                ddbgen_buf_free(&args);
                ddbgen_plan_clear(&g.plan);
            }
        }
    for (size_t t = 0; t < m->n_tx_patterns; t++) {
        const ddbgen_tx_pattern *x = &m->tx_patterns[t];
        ddbgen_buf decl = DDBGEN_BUF_INIT, args = DDBGEN_BUF_INIT;
        bool taken[128] = {false};
        if (!tx_usable(m, x) || x->n_params > 128)
            continue;
        memset(&mem, 0, sizeof mem);
        tx_signature(E, &decl, x, false);
        for (size_t i = 0; i < x->n_params; i++)
            ddbgen_buf_printf(&args, ", %s", x->params[i].c_name);
        for (size_t a = 0; a < x->n_entities; a++) {
            const ddbgen_entity *e = ddbgen_model_find_entity(m, x->entities[a].entity);
            int p = tx_entity_param(x, e, taken);
            if (p >= 0) {
                mem.entity_params[mem.n_entity_params].name = x->params[p].c_name;
                mem.entity_params[mem.n_entity_params++].entity = e;
            } else {
                mem.keyless[mem.n_keyless++] = e;
            }
        }
        mem.kind = x->operation == DDBGEN_TX_GET ? EMIT_MEMBER_TX_GET : EMIT_MEMBER_TX_WRITE;
        mem.name = x->c_name;
        mem.decl = ddbgen_buf_str(&decl) ? strchr(ddbgen_buf_str(&decl), '(') : NULL;
        mem.args = ddbgen_buf_str(&args) ? ddbgen_buf_str(&args) : "";
        if (mem.decl)
            fn(E, &mem, ctx);
        else
            E->status = DDBGEN_ERR_NOMEM;
        ddbgen_buf_free(&decl);
        ddbgen_buf_free(&args);
    }
}

void emit_repo_pattern_body(struct emitter *E, const ddbgen_entity *e,
                            const ddbgen_access_pattern *ap, ddbgen_buf *out)
{
    ddbgen_buf *saved = E->c;
    pattern_gen g;
    pattern_plan(&g, E->m, e, ap);
    E->c = out;
    if (g.shape != SHAPE_NONE)
        pattern_body(E, e, &g);
    E->c = saved;
    ddbgen_plan_clear(&g.plan);
}

void emit_repo_tx_impls(struct emitter *E, ddbgen_buf *out)
{
    ddbgen_buf *saved = E->c;
    E->c = out;
    emit_tx_impl(E);
    E->c = saved;
}

/* The repository interface in <ns>.h: the page request, the member table, repo_free. */
static void emit_repo_interface(emitter *E)
{
    ddbgen_buf *h = E->h;
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;

    emit_store_types_h(E);
    emit_banner(h, "Repository interface");
    ddbgen_buf_puts(h, "\n/*\n * The seam between the application and its storage: one struct of "
                       "function pointers,\n * implemented over DynamoDB below, and by hand over "
                       "the relational database.\n * Every member returns 0 or a negative "
                       "ddb_error_code and fills err (may be NULL).\n *\n"
                       " * create  writes a new entity; DDB_ERR_ITEM_EXISTS when its key "
                       "exists, DDB_ERR_UNIQUE_TAKEN\n *         when a unique value is another "
                       "entity's (err->field names it). Sets ddb_version 1.\n"
                       " * get     reads the entity whose key fields `key` holds into *out (fresh "
                       "from __INIT);\n *         *found false when there is none.\n"
                       " * update  replaces the stored entity when its version is obj->ddb_version "
                       "and increments\n *         it; DDB_ERR_STALE_VERSION when the stored "
                       "version differs,\n *         DDB_ERR_ITEM_NOT_FOUND when none is "
                       "stored.\n"
                       " *         With ddb_version 0: no version check, the stored version + 1.\n"
                       " * delete  deletes the entity of obj's key, checking ddb_version unless it "
                       "is 0;\n *         deleting a missing entity succeeds "
                       "(DDB_ERR_ITEM_NOT_FOUND with\n *         x-ddbkit.delete_missing "
                       "\"not_found\").\n */\n#define ");
    emit_upper(h, ns);
    ddbgen_buf_printf(h,
                      "__REPO_VERSION 1\n\ntypedef struct %s__repo %s__repo;\n\n"
                      "/*\n * Which page of a query: NULL or {NULL, 0, 0} is the first page, at "
                      "DynamoDB's size.\n"
                      " * offset skips that many matching items first (not with a cursor: "
                      "DDB_ERR_INVALID_ARG).\n"
                      " * DynamoDB reads and bills every skipped item, so an offset page costs "
                      "more the further\n"
                      " * it is; the next page's cursor costs nothing extra.\n */\n"
                      "typedef struct %s__page_request {\n"
                      "    const char *cursor; /* the previous page's cursor */\n"
                      "    int limit;          /* items to read; 0: no limit */\n"
                      "    int offset;         /* matching items to skip; 0: none */\n"
                      "} %s__page_request;\n",
                      ns, ns, ns, ns);
    emit_mixed_types_h(E);
    emit_tx_types_h(E);
    ddbgen_buf_printf(h, "\nstruct %s__repo {\n    unsigned version; /* ", ns);
    emit_upper(h, ns);
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
            emit_store_entity_members_h(E, e);
            for (size_t a = 0; a < e->n_patterns; a++) {
                pattern_gen g;
                pattern_plan(&g, E->m, e, &e->patterns[a]);
                ddbgen_buf_puts(h, "    /* ");
                emit_comment_text(h, e->patterns[a].name);
                ddbgen_buf_printf(h, " (%s): ", e->patterns[a].operation_raw);
                emit_comment_text(h, e->patterns[a].description);
                if (g.shape != SHAPE_NONE) {
                    pattern_notes(E, h, e, &g);
                    ddbgen_buf_puts(h, " */\n    int ");
                    pattern_signature(E, h, e, &g, true);
                    ddbgen_buf_puts(h, ";\n");
                } else {
                    ddbgen_buf_printf(h, "\n       Not generated: %s. */\n", g.why);
                }
                ddbgen_plan_clear(&g.plan);
            }
        }
    emit_tx_members_h(E);
    emit_store_model_members_h(E);
    ddbgen_buf_printf(h,
                      "\n    /* Releases the repository. NULL-safe through %s__repo_free. */\n"
                      "    void (*free)(%s__repo *repo);\n};\n\n"
                      "/* Calls repo->free; NULL-safe. */\nvoid %s__repo_free(%s__repo *repo);\n",
                      ns, ns, ns, ns);
}

/* The DynamoDB implementation's declarations in <ns>.h: options, constructor, create_tables. */
static void emit_ddb_repo_h(emitter *E)
{
    ddbgen_buf *h = E->h;
    const char *ns = E->ns;

    emit_banner(h, "DynamoDB implementation");
    ddbgen_buf_printf(
        h,
        "\n/* Options of %s__ddb_repo_new; NULL means defaults. */\n"
        "typedef struct %s__ddb_options {\n"
        "    unsigned version;         /* 1 */\n"
        "    const char *table_prefix; /* prepended to every table name; NULL: none */\n"
        "    bool consistent_reads;    /* get uses strongly consistent reads */\n"
        "} %s__ddb_options;\n\n#define ",
        ns, ns, ns);
    emit_upper(h, ns);
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
    ddbgen_buf_printf(h,
                      "\n/*\n * What the migration router's backfill and compare_all need of a "
                      "repository from\n * %s__ddb_repo_new for entity type kind: its client, "
                      "table and store descriptor\n * (borrowed from repo). Returns 0, or "
                      "DDB_ERR_INVALID_ARG when repo is not one or kind\n * is unknown.\n */\n"
                      "int %s__ddb_repo_bulk_target(%s__repo *repo, %s__kind kind, "
                      "ddb_client **client,\n"
                      "    const char **table, const ddb_store_desc **store);\n",
                      ns, ns, ns, ns);
}

/* The DynamoDB implementation's state and each entity's four CRUD members in <ns>.c. */
static void emit_ddb_repo_crud(emitter *E)
{
    ddbgen_buf *c = E->c;
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;

    emit_banner(c, "DynamoDB implementation");
    /* The runtime of the access patterns beyond CRUD (ddb/dal/entity_patterns.h). */
    ddbgen_buf_puts(c, "\n#include <stdio.h>\n\n#include \"ddb/dal/entity_patterns.h\"\n");
    emit_table_descs(E);
    ddbgen_buf_printf(
        c,
        "\ntypedef struct ddb_repo_impl {\n    %s__repo base; /* first: the interface */\n"
        "    ddb_client *client;\n    bool consistent;\n    char *tables[%zu];\n",
        ns, m->n_tables ? m->n_tables : 1);
    emit_store_impl_fields(E);
    ddbgen_buf_puts(c, "} ddb_repo_impl;\n");
    ddbgen_buf_puts(c, "\nstatic const char *ddb_table_of(const ddb_repo_impl *r, size_t i)\n{\n"
                       "    return r->tables[i];\n}\n");
    emit_mixed_c(E);
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            const char *en = e->c_name;
            size_t ti = table_index(m, e->table);
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__create_ddb(%s__repo *repo, %s__%s *obj, ddb_error *err)\n"
                "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
                "    return ddb_entity_create(r->client, &%s__%s__desc, ddb_table_of(r, %zu), obj, "
                "err);\n}\n",
                en, ns, ns, en, ns, en, ti);
            ddbgen_buf_printf(c,
                              "\nstatic int %s__get_ddb(%s__repo *repo, %s__%s *out, bool *found,\n"
                              "    const %s__%s *key, ddb_error *err)\n"
                              "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
                              "    return ddb_entity_get(out, found, r->client, &%s__%s__desc, "
                              "ddb_table_of(r, %zu), key,\n"
                              "        r->consistent, err);\n}\n",
                              en, ns, ns, en, ns, en, ns, en, ti);
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__update_ddb(%s__repo *repo, %s__%s *obj, ddb_error *err)\n"
                "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
                "    return ddb_entity_update(r->client, &%s__%s__desc, ddb_table_of(r, %zu), obj, "
                "err);\n}\n",
                en, ns, ns, en, ns, en, ti);
            ddbgen_buf_printf(
                c,
                "\nstatic int %s__delete_ddb(%s__repo *repo, const %s__%s *obj, ddb_error *err)\n"
                "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
                "    return ddb_entity_delete(r->client, &%s__%s__desc, ddb_table_of(r, %zu), obj, "
                "err);\n}\n",
                en, ns, ns, en, ns, en, ti);
            emit_store_entity_impl(E, e);
        }
}

/* Every access pattern's member in <ns>.c. */
static void emit_ddb_repo_patterns(emitter *E)
{
    ddbgen_buf *c = E->c;
    const ddbgen_model *m = E->m;

    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            const ddbgen_entity *e = &m->tables[t].entities[i];
            for (size_t a = 0; a < e->n_patterns; a++) {
                pattern_gen g;
                pattern_plan(&g, E->m, e, &e->patterns[a]);
                if (g.shape != SHAPE_NONE) {
                    ddbgen_buf_puts(c, "\nstatic int ");
                    pattern_signature(E, c, e, &g, false);
                    ddbgen_buf_puts(c, "\n");
                    pattern_body(E, e, &g);
                }
                ddbgen_plan_clear(&g.plan);
            }
        }
}

/* Transactions, the model's members, free, and the constructor that fills the member table. */
static void emit_ddb_repo_new(emitter *E)
{
    ddbgen_buf *c = E->c;
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;

    emit_tx_impl(E);
    emit_store_model_impl(E);
    ddbgen_buf_printf(
        c,
        "\nstatic void free_ddb(%s__repo *repo)\n{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
        "    if (!r)\n        return;\n"
        "    for (size_t i = 0; i < sizeof r->tables / sizeof r->tables[0]; i++)\n"
        "        free(r->tables[i]);\n    free(r);\n}\n",
        ns);
    ddbgen_buf_printf(c,
                      "\nint %s__ddb_repo_bulk_target(%s__repo *repo, %s__kind kind, "
                      "ddb_client **client,\n"
                      "    const char **table, const ddb_store_desc **store)\n{\n"
                      "    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
                      "    size_t k = (size_t)kind;\n"
                      "    if (!repo || repo->free != free_ddb || k < 1 || k > %zu || !client || "
                      "!table || !store)\n"
                      "        return DDB_ERR_INVALID_ARG;\n"
                      "    *client = r->client;\n"
                      "    *table = ddb_table_of(r, store_tables[k - 1]);\n"
                      "    *store = stores[k - 1];\n    return 0;\n}\n",
                      ns, ns, ns, n_entities(m));
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
    ddbgen_buf_printf(
        c,
        "\nint %s__ddb_repo_new(%s__repo **out, ddb_client *client,\n"
        "    const %s__ddb_options *opts, ddb_error *err)\n{\n"
        "    ddb_repo_impl *r;\n"
        "    if (!out || !client)\n"
        "        return ddb_error_set(err, DDB_ERR_INVALID_ARG,\n"
        "            \"%s__ddb_repo_new: out and client are required\");\n"
        "    if (opts && opts->version != 1)\n"
        "        return ddb_error_set(err, DDB_ERR_INVALID_ARG,\n"
        "            \"%s__ddb_repo_new: options version %%u, not 1\", opts->version);\n"
        "    r = calloc(1, sizeof *r);\n    if (!r)\n"
        "        return ddb_error_set(err, DDB_ERR_NOMEM, \"%s__ddb_repo_new: out of "
        "memory\");\n"
        "    r->base.version = ",
        ns, ns, ns, ns, ns, ns);
    emit_upper(c, ns);
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
            emit_store_entity_assign(E, &m->tables[t].entities[i]);
            for (size_t a = 0; a < m->tables[t].entities[i].n_patterns; a++) {
                pattern_gen g;
                pattern_plan(&g, m, &m->tables[t].entities[i],
                             &m->tables[t].entities[i].patterns[a]);
                if (g.shape != SHAPE_NONE)
                    ddbgen_buf_printf(c, "    r->base.%s__%s = %s__%s_ddb;\n", en, g.ap->c_name, en,
                                      g.ap->c_name);
                ddbgen_plan_clear(&g.plan);
            }
        }
    emit_tx_assign(E);
    emit_store_model_assign(E);
    ddbgen_buf_printf(
        c,
        "    r->base.free = free_ddb;\n    r->client = client;\n"
        "    r->consistent = opts && opts->consistent_reads;\n"
        "    for (size_t i = 0; i < %zu; i++) {\n"
        "        r->tables[i] = prefixed(opts ? opts->table_prefix : NULL, tables[i].name);\n"
        "        if (!r->tables[i]) {\n            free_ddb(&r->base);\n"
        "            return ddb_error_set(err, DDB_ERR_NOMEM, \"%s__ddb_repo_new: out of "
        "memory\");\n"
        "        }\n    }\n"
        "    *out = &r->base;\n    return 0;\n}\n",
        m->n_tables, ns);
    ddbgen_buf_printf(
        c,
        "\nint %s__create_tables(ddb_client *client, const char *table_prefix, "
        "ddb_error *err)\n{\n"
        "    for (size_t i = 0; i < %zu; i++) {\n"
        "        char *name = prefixed(table_prefix, tables[i].name);\n"
        "        int rc;\n        if (!name)\n            return DDB_ERR_NOMEM;\n"
        "        rc = ddb_entity_create_table(client, &tables[i], name, 60000, err);\n"
        "        free(name);\n        if (rc < 0)\n            return rc;\n    }\n"
        "    /* the ID counters, when an entity allocates from them */\n"
        "    return %s__create_counter_table(client, table_prefix, err);\n}\n",
        ns, m->n_tables, ns);
}

void emit_repo(emitter *E)
{
    emit_repo_interface(E);
    emit_ddb_repo_h(E);
    emit_ddb_repo_crud(E);
    emit_ddb_repo_patterns(E);
    emit_ddb_repo_new(E);
}
