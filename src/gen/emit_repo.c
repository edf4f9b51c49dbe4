/*
 * The repository interface (one struct of function pointers per model) and its DynamoDB
 * implementation: CRUD members and one member per access pattern. See docs/generated-code.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"
#include "validate.h"

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
        emit_c_string(c, fc->field);
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
        emit_upper(c, ns);
        ddbgen_buf_puts(c, "__");
        emit_upper(c, e->c_name);
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
            if (emit_needs_has(f))
                ddbgen_buf_printf(c, "    key.has_%s = true;\n", f->c_name);
            break;
        default:
            ddbgen_buf_printf(c, "    key.%s = %s;\n", f->c_name, pn);
            if (emit_needs_has(f))
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
                                  emit_field_index(e, g->param_field[i]->name));
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
        emit_c_string(c, g->plan.gsi ? g->plan.gsi->name : ap->index_name);
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
        emit_c_string(c, ctx);
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

void emit_repo(emitter *E)
{
    ddbgen_buf *h = E->h, *c = E->c;
    const ddbgen_model *m = E->m;
    const char *ns = E->ns;

    emit_banner(h, "Repository interface");
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
    emit_upper(h, ns);
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
                pattern_plan(&g, e, &e->patterns[a]);
                ddbgen_buf_puts(h, "    /* ");
                emit_comment_text(h, e->patterns[a].name);
                ddbgen_buf_printf(h, " (%s): ", e->patterns[a].operation_raw);
                emit_comment_text(h, e->patterns[a].description);
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
    emit_store_model_members_h(E);
    ddbgen_buf_printf(h,
                      "\n    /* Releases the repository. NULL-safe through %s__repo_free. */\n"
                      "    void (*free)(%s__repo *repo);\n};\n\n"
                      "/* Calls repo->free; NULL-safe. */\nvoid %s__repo_free(%s__repo *repo);\n",
                      ns, ns, ns, ns);

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

    /* source */
    emit_banner(c, "DynamoDB implementation");
    emit_table_descs(E);
    ddbgen_buf_printf(
        c,
        "\ntypedef struct repo_impl {\n    %s__repo base; /* first: the interface */\n"
        "    ddb_client *client;\n    bool consistent;\n    char *tables[%zu];\n",
        ns, m->n_tables ? m->n_tables : 1);
    emit_store_impl_fields(E);
    ddbgen_buf_puts(c, "} repo_impl;\n");
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
            emit_store_entity_impl(E, e);
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
    emit_store_model_impl(E);
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
                pattern_plan(&g, &m->tables[t].entities[i], &m->tables[t].entities[i].patterns[a]);
                if (g.supported)
                    ddbgen_buf_printf(c, "    r->base.%s__%s = %s__%s_ddb;\n", en, g.ap->c_name, en,
                                      g.ap->c_name);
                ddbgen_plan_clear(&g.plan);
            }
        }
    emit_store_model_assign(E);
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

