/*
 * The plan of an access pattern: the key attributes it addresses and the parameter behind each
 * key placeholder (see validate.h).
 *
 * Binding rules, in order:
 *   1. entity parameters: of the pattern's own entity, ITEM; of another entity, CONTEXT;
 *   2. parameters named in filter_expression: FILTER;
 *   3. partition key placeholders: the parameter of the same name (for BatchGetItem also an
 *      array parameter named in the plural: "user_ids" for user_id);
 *   4. Query with range_condition: the last one (two for between) of the parameters still unused
 *      are the range values, as in the MCP format's parameter order (key, then range values);
 *   5. sort key placeholders, left to right: the parameter of the same name (for Query only a
 *      leading run, which becomes an equality prefix of the sort key);
 *   6. still-unbound placeholders: the ITEM parameter's field, else the next unused parameter of
 *      a compatible type, by position (the validator warns about these);
 *   7. UpdateItem: remaining parameters named after a field set that field (UPDATE).
 */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

void ddbgen_plan_clear(ddbgen_plan *p)
{
    if (!p)
        return;
    free(p->bindings);
    free(p->roles);
    memset(p, 0, sizeof(*p));
}

/* "ids" for field "id": BatchGetItem takes a list of keys, named in the plural. */
static bool plural_of(const char *param, const char *field)
{
    size_t n = strlen(field);
    if (strncmp(param, field, n) != 0)
        return false;
    return strcmp(param + n, "s") == 0 || strcmp(param + n, "es") == 0 ||
           strcmp(param + n, "_list") == 0;
}

static int param_by_name(const ddbgen_access_pattern *ap, const ddbgen_param_role *roles,
                         const char *name)
{
    for (size_t i = 0; i < ap->n_params; i++)
        if (roles[i] == DDBGEN_ROLE_UNUSED && ap->params[i].name && name &&
            ap->params[i].type != DDBGEN_TYPE_ENTITY && strcmp(ap->params[i].name, name) == 0)
            return (int)i;
    if (ap->operation != DDBGEN_OP_BATCH_GET_ITEM)
        return -1;
    for (size_t i = 0; i < ap->n_params; i++)
        if (roles[i] == DDBGEN_ROLE_UNUSED && ap->params[i].name && name &&
            ap->params[i].type == DDBGEN_TYPE_ARRAY && plural_of(ap->params[i].name, name))
            return (int)i;
    return -1;
}

/* A binding of the same field made earlier (a field can appear in several templates). */
static const ddbgen_binding *earlier(const ddbgen_plan *p, size_t upto, const char *field)
{
    for (size_t i = 0; i < upto; i++)
        if (p->bindings[i].param >= 0 && strcmp(p->bindings[i].field, field) == 0)
            return &p->bindings[i];
    return NULL;
}

static bool bind_by_name(ddbgen_plan *p, size_t i, const ddbgen_access_pattern *ap)
{
    ddbgen_binding *b = &p->bindings[i];
    const ddbgen_binding *prev;
    int k;
    if (b->param >= 0)
        return true;
    prev = earlier(p, p->n_bindings, b->field);
    if (prev && prev != b) {
        b->param = prev->param;
        b->from_item = prev->from_item;
        b->by_position = prev->by_position;
        return true;
    }
    k = param_by_name(ap, p->roles, b->field);
    if (k < 0)
        return false;
    b->param = k;
    p->roles[k] = DDBGEN_ROLE_KEY;
    return true;
}

static void bind_fallback(ddbgen_plan *p, size_t i, const ddbgen_entity *e,
                          const ddbgen_access_pattern *ap, int item)
{
    ddbgen_binding *b = &p->bindings[i];
    const ddbgen_field *f;
    if (bind_by_name(p, i, ap))
        return;
    if (item >= 0) {
        b->param = item;
        b->from_item = true;
        return;
    }
    f = ddbgen_entity_find_field(e, b->field);
    for (size_t k = 0; k < ap->n_params; k++) {
        if (p->roles[k] != DDBGEN_ROLE_UNUSED || ap->params[k].type == DDBGEN_TYPE_ENTITY)
            continue;
        if (f && !ddbgen_types_fit(ap->params[k].type, f->type) &&
            !(ap->operation == DDBGEN_OP_BATCH_GET_ITEM && ap->params[k].type == DDBGEN_TYPE_ARRAY))
            continue;
        b->param = (int)k;
        b->by_position = true;
        p->roles[k] = DDBGEN_ROLE_KEY;
        return;
    }
}

/* Fills the key slots from the table, or from the index and the entity's mapping of it. */
static void find_slots(ddbgen_plan *p, const ddbgen_entity *e, const ddbgen_access_pattern *ap)
{
    const ddbgen_table *t = e->table;
    p->table = t;
    if (!t)
        return;
    if (ap->index_name) {
        const ddbgen_gsi *g = ddbgen_table_find_gsi(t, ap->index_name);
        const ddbgen_gsi_mapping *m = ddbgen_entity_find_gsi_mapping(e, ap->index_name);
        p->gsi = g;
        p->mapping = m;
        if (!g || !m || !g->keys_ok || !m->pk.present || m->pk.n != g->n_pk ||
            m->pk.is_array != g->pk_is_array || g->n_pk > 4)
            return;
        for (size_t i = 0; i < g->n_pk; i++) {
            if (!m->pk.items[i].ok)
                return;
            p->pk[i].attribute = g->pk[i];
            p->pk[i].tmpl = &m->pk.items[i];
            p->pk[i].type = ddbgen_template_key_type(e, &m->pk.items[i]);
        }
        p->n_pk = g->n_pk;
        if (g->n_sk > 0 && g->n_sk <= 4 && m->sk.present && m->sk.n == g->n_sk &&
            m->sk.is_array == g->sk_is_array) {
            for (size_t i = 0; i < g->n_sk; i++) {
                if (!m->sk.items[i].ok)
                    return;
                p->sk[i].attribute = g->sk[i];
                p->sk[i].tmpl = &m->sk.items[i];
                p->sk[i].type = ddbgen_template_key_type(e, &m->sk.items[i]);
            }
            p->n_sk = g->n_sk;
        }
        p->keys_known = true;
        return;
    }
    if (!t->partition_key || !e->pk.present || e->pk.is_array || e->pk.n != 1 || !e->pk.items[0].ok)
        return;
    p->pk[0].attribute = t->partition_key;
    p->pk[0].tmpl = &e->pk.items[0];
    p->pk[0].type = ddbgen_template_key_type(e, &e->pk.items[0]);
    p->n_pk = 1;
    if (t->sort_key && e->sk.present && !e->sk.is_array && e->sk.n == 1) {
        if (!e->sk.items[0].ok)
            return;
        p->sk[0].attribute = t->sort_key;
        p->sk[0].tmpl = &e->sk.items[0];
        p->sk[0].type = ddbgen_template_key_type(e, &e->sk.items[0]);
        p->n_sk = 1;
    }
    p->keys_known = true;
}

static size_t count_fields(const ddbgen_template *t)
{
    size_t n = 0;
    for (size_t i = 0; t && i < t->n_parts; i++)
        n += t->parts[i].is_field;
    return n;
}

static bool filter_uses(const ddbgen_filter *f, const char *name)
{
    for (size_t i = 0; f && name && i < f->n_conditions; i++) {
        const ddbgen_filter_condition *c = &f->conditions[i];
        if ((c->param && strcmp(c->param, name) == 0) ||
            (c->param2 && strcmp(c->param2, name) == 0))
            return true;
        for (size_t j = 0; j < c->n_params; j++)
            if (strcmp(c->params[j], name) == 0)
                return true;
    }
    return false;
}

int ddbgen_plan_access_pattern(ddbgen_plan *out, const ddbgen_entity *e,
                               const ddbgen_access_pattern *ap)
{
    ddbgen_plan p;
    size_t n_pk_bind = 0, n = 0;
    int item = -1;
    bool full_key, query;

    if (!out || !e || !ap)
        return DDBGEN_ERR_ARG;
    memset(&p, 0, sizeof(p));
    p.range_param[0] = p.range_param[1] = -1;
    p.n_params = ap->n_params;
    p.roles = calloc(ap->n_params ? ap->n_params : 1, sizeof(*p.roles));
    if (!p.roles)
        return DDBGEN_ERR_NOMEM;

    /* 1, 2: entity and filter parameters. */
    for (size_t i = 0; i < ap->n_params; i++) {
        const ddbgen_param *prm = &ap->params[i];
        if (prm->type == DDBGEN_TYPE_ENTITY) {
            bool own = prm->entity_type && e->name && strcmp(prm->entity_type, e->name) == 0;
            p.roles[i] = own ? DDBGEN_ROLE_ITEM : DDBGEN_ROLE_CONTEXT;
            if (own && item < 0)
                item = (int)i;
        } else if (filter_uses(ap->filter, prm->name)) {
            p.roles[i] = DDBGEN_ROLE_FILTER;
        }
    }

    find_slots(&p, e, ap);
    for (size_t i = 0; i < p.n_pk; i++)
        n += count_fields(p.pk[i].tmpl);
    n_pk_bind = n;
    for (size_t i = 0; i < p.n_sk; i++)
        n += count_fields(p.sk[i].tmpl);
    p.bindings = calloc(n ? n : 1, sizeof(*p.bindings));
    if (!p.bindings) {
        ddbgen_plan_clear(&p);
        return DDBGEN_ERR_NOMEM;
    }
    for (size_t s = 0; s < p.n_pk + p.n_sk; s++) {
        ddbgen_key_slot *slot = s < p.n_pk ? &p.pk[s] : &p.sk[s - p.n_pk];
        slot->first_binding = p.n_bindings;
        for (size_t j = 0; j < slot->tmpl->n_parts; j++) {
            if (!slot->tmpl->parts[j].is_field)
                continue;
            p.bindings[p.n_bindings].field = slot->tmpl->parts[j].text;
            p.bindings[p.n_bindings].param = -1;
            p.n_bindings++;
        }
        slot->n_bindings = p.n_bindings - slot->first_binding;
    }

    query = ap->operation == DDBGEN_OP_QUERY;
    full_key =
        !ap->index_name &&
        (ap->operation == DDBGEN_OP_GET_ITEM || ap->operation == DDBGEN_OP_DELETE_ITEM ||
         ap->operation == DDBGEN_OP_UPDATE_ITEM || ap->operation == DDBGEN_OP_BATCH_GET_ITEM);

    if (query || full_key) {
        /* 3: partition key by name. */
        for (size_t i = 0; i < n_pk_bind; i++)
            bind_by_name(&p, i, ap);
        /* 4: range values. */
        if (query && ap->range != DDBGEN_RANGE_NONE && ap->range != DDBGEN_RANGE_UNKNOWN) {
            size_t want = ap->range == DDBGEN_RANGE_BETWEEN ? 2 : 1, have = 0;
            size_t free_params = 0, unbound = 0;
            int idx[2] = {-1, -1};
            /* Only when the partition key can still be completed from what is left. */
            for (size_t k = 0; k < ap->n_params; k++)
                free_params +=
                    p.roles[k] == DDBGEN_ROLE_UNUSED && ap->params[k].type != DDBGEN_TYPE_ENTITY;
            for (size_t i = 0; i < n_pk_bind; i++)
                if (p.bindings[i].param < 0 && !earlier(&p, i, p.bindings[i].field))
                    unbound++;
            if (item >= 0)
                unbound = 0;
            for (size_t k = ap->n_params; free_params >= want + unbound && k-- > 0 && have < want;)
                if (p.roles[k] == DDBGEN_ROLE_UNUSED && ap->params[k].type != DDBGEN_TYPE_ENTITY)
                    idx[want - 1 - have++] = (int)k;
            if (have == want) {
                for (size_t r = 0; r < want; r++) {
                    p.range_param[r] = idx[r];
                    p.roles[idx[r]] = DDBGEN_ROLE_RANGE;
                }
                p.n_range = want;
            }
        }
        /* 5: sort key by name. */
        if (query) {
            size_t i = n_pk_bind;
            while (i < p.n_bindings && bind_by_name(&p, i, ap))
                i++;
        } else {
            for (size_t i = n_pk_bind; i < p.n_bindings; i++)
                bind_by_name(&p, i, ap);
        }
        /* 6: the rest of the partition key (and, for a full key, of the sort key). */
        for (size_t i = 0; i < (full_key ? p.n_bindings : n_pk_bind); i++)
            bind_fallback(&p, i, e, ap, item);
    }

    p.pk_complete = p.keys_known;
    p.sk_complete = p.keys_known;
    for (size_t i = 0; i < p.n_bindings; i++) {
        if (p.bindings[i].param >= 0)
            continue;
        if (i < n_pk_bind)
            p.pk_complete = false;
        else
            p.sk_complete = false;
    }
    for (size_t i = n_pk_bind; i < p.n_bindings && p.bindings[i].param >= 0; i++)
        p.n_sk_placeholders_bound++;
    for (size_t s = 0; s < p.n_sk; s++) {
        bool all = true;
        for (size_t j = 0; j < p.sk[s].n_bindings; j++)
            if (p.bindings[p.sk[s].first_binding + j].param < 0)
                all = false;
        if (!all)
            break;
        p.n_sk_slots_bound++;
    }

    /* 7: UpdateItem values. */
    if (ap->operation == DDBGEN_OP_UPDATE_ITEM) {
        for (size_t k = 0; k < ap->n_params; k++)
            if (p.roles[k] == DDBGEN_ROLE_UNUSED && ap->params[k].type != DDBGEN_TYPE_ENTITY &&
                ddbgen_entity_find_field(e, ap->params[k].name))
                p.roles[k] = DDBGEN_ROLE_UPDATE;
    }
    *out = p;
    return 0;
}
