/*
 * The plan of an access pattern: the key attributes it addresses and the parameter behind each
 * key placeholder (see validate.h).
 *
 * Binding rules, in order:
 *   1. entity parameters: of the pattern's own entity, ITEM (the first; a second one of that
 *      type is CONTEXT); of another entity, CONTEXT;
 *   2. parameters named in filter_expression: FILTER; for Query and Scan an integer named like a
 *      limit ("limit", "max_items", "max_results", "page_size"): LIMIT;
 *   3. a parameter named like a key attribute that a template other than exactly "{field}"
 *      fills, when the entity has a field of that name (a derived field): KEY_WHOLE, the whole
 *      attribute (full-key operations: any key attribute; Query: the partition key);
 *   4. partition key placeholders: the parameter of the same name (for BatchGetItem also an
 *      array parameter named in the plural: "user_ids" for user_id);
 *   5. Query with range_condition: the last one (two for between) of the parameters still unused
 *      are the range values, as in the MCP format's parameter order (key, then range values);
 *   6. sort key placeholders, left to right: the parameter of the same name (for Query only a
 *      leading run, which becomes an equality prefix of the sort key);
 *   7. still-unbound placeholders: the ITEM parameter's field, else the field of the same name
 *      of a CONTEXT parameter, else the next unused parameter of a compatible type, by position
 *      (the validator warns about these);
 *   8. Query without range_condition: two parameters still unused, named as the lower and
 *      upper bounds of the first sort key field no parameter fills ("start_date"/"end_date"
 *      for {order_date}: see bound_word), are the bounds of an implied between (RANGE);
 *   9. UpdateItem: remaining parameters named after a non-key field set it (UPDATE, or LIST for
 *      an array or object); PutItem: parameters named after a field set it (SET or LIST);
 *      GetItem, Query, Scan: a scalar parameter named after a field that is not derived is an
 *      equality condition on it (MATCH: a filter; GetItem: no item unless the value is equal).
 * "Named after field f" is the whole name, or, when no field has the whole name, a name ending
 * with "_f" ("target_user_id" for user_id; the longest such field; not when what comes before
 * is a bound word of 8, as in "start_category"): in 4, 6 and 9.
 * A CONTEXT parameter that fills nothing (no key placeholder; for PutItem no field through
 * ddbgen_plan_put_context_field) is left UNUSED, and the validator refuses it.
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
    free(p->field);
    free(p->by_suffix);
    memset(p, 0, sizeof(*p));
}

bool ddbgen_param_is_limit_name(const char *name)
{
    static const char *const names[] = {"limit", "max_items", "max_results", "page_size"};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

static bool template_is_field(const ddbgen_template *t, const char *name)
{
    const char *f;
    return ddbgen_template_single_field(t, &f) && strcmp(f, name) == 0;
}

static bool key_derives(const ddbgen_key_template *k, const char *field)
{
    for (size_t i = 0; k->present && i < k->n; i++)
        if (k->items[i].ok && !template_is_field(&k->items[i], field))
            return true;
    return false;
}

bool ddbgen_field_is_derived(const ddbgen_entity *e, const ddbgen_field *f)
{
    const ddbgen_table *t = e ? e->table : NULL;
    if (!t || !f || !f->name)
        return false;
    if (t->partition_key && strcmp(t->partition_key, f->name) == 0 && key_derives(&e->pk, f->name))
        return true;
    if (t->sort_key && strcmp(t->sort_key, f->name) == 0 && key_derives(&e->sk, f->name))
        return true;
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddbgen_gsi *gsi = &t->gsis[g];
        const ddbgen_gsi_mapping *m = ddbgen_entity_find_gsi_mapping(e, gsi->name);
        if (!m)
            continue;
        for (size_t i = 0; i < gsi->n_pk && i < m->pk.n; i++)
            if (strcmp(gsi->pk[i], f->name) == 0 && m->pk.items[i].ok &&
                !template_is_field(&m->pk.items[i], f->name))
                return true;
        for (size_t i = 0; i < gsi->n_sk && m->sk.present && i < m->sk.n; i++)
            if (strcmp(gsi->sk[i], f->name) == 0 && m->sk.items[i].ok &&
                !template_is_field(&m->sk.items[i], f->name))
                return true;
    }
    return false;
}

const ddbgen_field *ddbgen_plan_context_field(const ddbgen_model *m, const ddbgen_param *prm,
                                              const ddbgen_field *f)
{
    const ddbgen_entity *pe;
    const ddbgen_field *pf;
    if (!m || !prm || !f || prm->type != DDBGEN_TYPE_ENTITY || !prm->entity_type)
        return NULL;
    pe = ddbgen_model_find_entity(m, prm->entity_type);
    pf = pe ? ddbgen_entity_find_field(pe, f->name) : NULL;
    if (!pf || pf->type == DDBGEN_TYPE_ARRAY || pf->type == DDBGEN_TYPE_OBJECT ||
        !ddbgen_types_fit(pf->type, f->type) ||
        (pf->type == DDBGEN_TYPE_UUID) != (f->type == DDBGEN_TYPE_UUID))
        return NULL;
    return pf;
}

/* The words that name a lower or an upper bound (rule 8), in pairs. */
static const char *const bound_pairs[][2] = {
    {"start", "end"}, {"from", "to"}, {"min", "max"}, {"since", "until"}, {"after", "before"},
};

/* Whether the first n bytes of name are a bound word: "start_category" is a bound, not a
 * reference to category. */
static bool is_bound_word(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof bound_pairs / sizeof bound_pairs[0]; i++)
        for (size_t j = 0; j < 2; j++)
            if (strlen(bound_pairs[i][j]) == n && strncmp(name, bound_pairs[i][j], n) == 0)
                return true;
    return false;
}

const ddbgen_field *ddbgen_plan_suffix_field(const ddbgen_entity *e, const char *name)
{
    const ddbgen_field *best = NULL;
    size_t n = name ? strlen(name) : 0;
    if (!e || !name || ddbgen_entity_find_field(e, name))
        return NULL;
    for (size_t i = 0; i < e->n_fields; i++) {
        const char *f = e->fields[i].name;
        size_t k = f ? strlen(f) : 0;
        if (k == 0 || k + 1 >= n || name[n - k - 1] != '_' || strcmp(name + n - k, f) != 0 ||
            is_bound_word(name, n - k - 1))
            continue;
        if (!best || k > strlen(best->name))
            best = &e->fields[i];
    }
    return best;
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

/* The unused parameter named name (suffix_of: or ending with "_name" when suffix_of has no field
 * of the whole name), or -1. */
static int param_by_name(const ddbgen_access_pattern *ap, const ddbgen_param_role *roles,
                         const char *name, const ddbgen_entity *suffix_of)
{
    for (size_t i = 0; i < ap->n_params; i++)
        if (roles[i] == DDBGEN_ROLE_UNUSED && ap->params[i].name && name &&
            ap->params[i].type != DDBGEN_TYPE_ENTITY && strcmp(ap->params[i].name, name) == 0)
            return (int)i;
    for (size_t i = 0; suffix_of && i < ap->n_params; i++) {
        const ddbgen_field *f;
        if (roles[i] != DDBGEN_ROLE_UNUSED || !ap->params[i].name || !name ||
            ap->params[i].type == DDBGEN_TYPE_ENTITY)
            continue;
        f = ddbgen_plan_suffix_field(suffix_of, ap->params[i].name);
        if (f && strcmp(f->name, name) == 0)
            return (int)i;
    }
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
        if (p->bindings[i].param >= 0 && !p->bindings[i].whole &&
            strcmp(p->bindings[i].field, field) == 0)
            return &p->bindings[i];
    return NULL;
}

static bool bind_by_name(ddbgen_plan *p, size_t i, const ddbgen_entity *e,
                         const ddbgen_access_pattern *ap)
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
        b->from_context = prev->from_context;
        return true;
    }
    k = param_by_name(ap, p->roles, b->field, e);
    if (k < 0)
        return false;
    b->param = k;
    p->roles[k] = DDBGEN_ROLE_KEY;
    p->field[k] = b->field;
    p->by_suffix[k] = ap->params[k].name && strcmp(ap->params[k].name, b->field) != 0 &&
                      ddbgen_plan_suffix_field(e, ap->params[k].name) &&
                      strcmp(ddbgen_plan_suffix_field(e, ap->params[k].name)->name, b->field) == 0;
    return true;
}

static void bind_fallback(ddbgen_plan *p, size_t i, const ddbgen_model *m, const ddbgen_entity *e,
                          const ddbgen_access_pattern *ap, int item)
{
    ddbgen_binding *b = &p->bindings[i];
    const ddbgen_field *f;
    if (bind_by_name(p, i, e, ap))
        return;
    if (item >= 0) {
        b->param = item;
        b->from_item = true;
        return;
    }
    f = ddbgen_entity_find_field(e, b->field);
    for (size_t k = 0; f && k < ap->n_params; k++) {
        if (p->roles[k] != DDBGEN_ROLE_CONTEXT || !ddbgen_plan_context_field(m, &ap->params[k], f))
            continue;
        b->param = (int)k;
        b->from_context = true;
        return;
    }
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

/* Whether field name is a placeholder of e's primary key. */
static bool key_field(const ddbgen_entity *e, const char *name)
{
    const ddbgen_key_template *kt[2] = {&e->pk, &e->sk};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; kt[s]->present && i < kt[s]->n; i++)
            for (size_t j = 0; j < kt[s]->items[i].n_parts; j++)
                if (kt[s]->items[i].parts[j].is_field &&
                    strcmp(kt[s]->items[i].parts[j].text, name) == 0)
                    return true;
    return false;
}

const ddbgen_field *ddbgen_plan_put_context_field(const ddbgen_model *m, const ddbgen_entity *e,
                                                  const ddbgen_param *prm, const ddbgen_field *f)
{
    const ddbgen_entity *pe;
    const ddbgen_field *pf;
    const char *id;
    if (!e || !f || !f->name || ddbgen_field_is_derived(e, f))
        return NULL;
    pf = ddbgen_plan_context_field(m, prm, f);
    if (!pf || key_field(e, f->name))
        return pf;
    /* A reference: only the other entity's identity (key or ID fields), not fields that merely
     * share a name (status, created_at). */
    pe = ddbgen_model_find_entity(m, prm->entity_type);
    id = ddbgen_entity_id_field(pe);
    if (!pe)
        return NULL;
    if (key_field(pe, pf->name) || (id && strcmp(id, pf->name) == 0))
        return pf;
    return NULL;
}

/* Whether CONTEXT parameter k fills something: a key placeholder (bound to it), or for PutItem
 * a field of e (ddbgen_plan_put_context_field). */
static bool context_fills(const ddbgen_plan *p, const ddbgen_model *m, const ddbgen_entity *e,
                          const ddbgen_access_pattern *ap, size_t k)
{
    for (size_t i = 0; i < p->n_bindings; i++)
        if (p->bindings[i].param == (int)k)
            return true;
    if (ap->operation != DDBGEN_OP_PUT_ITEM)
        return false;
    for (size_t i = 0; i < e->n_fields; i++)
        if (ddbgen_plan_put_context_field(m, e, &ap->params[k], &e->fields[i]))
            return true;
    return false;
}

/*
 * Whether name is bound word w (a lower or upper bound word) of field f: "w_f", "f_w", or the
 * same with f's last word ("start_date" for order_date).
 */
static bool bound_word(const char *name, const char *w, const char *f)
{
    const char *last = strrchr(f, '_');
    const char *forms[2] = {f, last && last[1] ? last + 1 : NULL};
    size_t nw = strlen(w), nn = strlen(name);
    for (size_t i = 0; i < 2; i++) {
        size_t nf;
        if (!forms[i])
            continue;
        nf = strlen(forms[i]);
        if (nn != nw + 1 + nf)
            continue;
        if (strncmp(name, w, nw) == 0 && name[nw] == '_' && strcmp(name + nw + 1, forms[i]) == 0)
            return true;
        if (strncmp(name, forms[i], nf) == 0 && name[nf] == '_' && strcmp(name + nf + 1, w) == 0)
            return true;
    }
    return false;
}

/* Step 8: an implied between on the first free sort key field. */
static void implied_between(ddbgen_plan *p, const ddbgen_access_pattern *ap, size_t n_pk_bind)
{
    size_t first = n_pk_bind + p->n_sk_placeholders_bound;
    const char *f;
    if (!p->keys_known || p->n_sk == 0 || first >= p->n_bindings)
        return;
    f = p->bindings[first].field;
    for (size_t w = 0; w < sizeof bound_pairs / sizeof bound_pairs[0]; w++) {
        int lo = -1, hi = -1, n_lo = 0, n_hi = 0;
        for (size_t k = 0; k < ap->n_params; k++) {
            const ddbgen_param *prm = &ap->params[k];
            if (p->roles[k] != DDBGEN_ROLE_UNUSED || !prm->name ||
                (prm->type != DDBGEN_TYPE_STRING && !ddbgen_type_is_numeric(prm->type)))
                continue;
            if (bound_word(prm->name, bound_pairs[w][0], f)) {
                lo = (int)k;
                n_lo++;
            } else if (bound_word(prm->name, bound_pairs[w][1], f)) {
                hi = (int)k;
                n_hi++;
            }
        }
        if (n_lo != 1 || n_hi != 1)
            continue;
        p->range_param[0] = lo;
        p->range_param[1] = hi;
        p->roles[lo] = p->roles[hi] = DDBGEN_ROLE_RANGE;
        p->n_range = 2;
        p->range = DDBGEN_RANGE_BETWEEN;
        p->range_implied = true;
        p->range_field = f;
        return;
    }
}

int ddbgen_plan_access_pattern(ddbgen_plan *out, const ddbgen_model *m, const ddbgen_entity *e,
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
    p.field = calloc(ap->n_params ? ap->n_params : 1, sizeof(*p.field));
    p.by_suffix = calloc(ap->n_params ? ap->n_params : 1, sizeof(*p.by_suffix));
    p.range = ap->range;
    if (!p.roles || !p.field || !p.by_suffix) {
        ddbgen_plan_clear(&p);
        return DDBGEN_ERR_NOMEM;
    }

    /* 1, 2: entity and filter parameters. */
    for (size_t i = 0; i < ap->n_params; i++) {
        const ddbgen_param *prm = &ap->params[i];
        if (prm->type == DDBGEN_TYPE_ENTITY) {
            bool own = prm->entity_type && e->name && strcmp(prm->entity_type, e->name) == 0;
            p.roles[i] = own && item < 0 ? DDBGEN_ROLE_ITEM : DDBGEN_ROLE_CONTEXT;
            if (own && item < 0)
                item = (int)i;
        } else if (filter_uses(ap->filter, prm->name)) {
            p.roles[i] = DDBGEN_ROLE_FILTER;
        } else if ((ap->operation == DDBGEN_OP_QUERY || ap->operation == DDBGEN_OP_SCAN) &&
                   prm->type == DDBGEN_TYPE_INTEGER && ddbgen_param_is_limit_name(prm->name) &&
                   !ddbgen_entity_find_field(e, prm->name)) {
            p.roles[i] = DDBGEN_ROLE_LIMIT;
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
        /* 3: whole key attributes. */
        for (size_t sl = 0; sl < (full_key ? p.n_pk + p.n_sk : p.n_pk); sl++) {
            ddbgen_key_slot *slot = sl < p.n_pk ? &p.pk[sl] : &p.sk[sl - p.n_pk];
            const ddbgen_field *f = ddbgen_entity_find_field(e, slot->attribute);
            int k;
            if (!f || !ddbgen_field_is_derived(e, f) || slot->n_bindings == 0)
                continue;
            k = param_by_name(ap, p.roles, slot->attribute, NULL);
            if (k < 0 || !ddbgen_types_fit(ap->params[k].type, DDBGEN_TYPE_STRING))
                continue;
            p.roles[k] = DDBGEN_ROLE_KEY_WHOLE;
            for (size_t j = 0; j < slot->n_bindings; j++) {
                p.bindings[slot->first_binding + j].param = k;
                p.bindings[slot->first_binding + j].whole = true;
            }
        }
        /* 4: partition key by name. */
        for (size_t i = 0; i < n_pk_bind; i++)
            bind_by_name(&p, i, e, ap);
        /* 5: range values. */
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
        /* 6: sort key by name. */
        if (query) {
            size_t i = n_pk_bind;
            while (i < p.n_bindings && bind_by_name(&p, i, e, ap))
                i++;
        } else {
            for (size_t i = n_pk_bind; i < p.n_bindings; i++)
                bind_by_name(&p, i, e, ap);
        }
        /* 7: the rest of the partition key (and, for a full key, of the sort key). */
        for (size_t i = 0; i < (full_key ? p.n_bindings : n_pk_bind); i++)
            bind_fallback(&p, i, m, e, ap, item);
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

    /* 8: an implied between. */
    if (query && ap->range == DDBGEN_RANGE_NONE)
        implied_between(&p, ap, n_pk_bind);

    /* 9: values to set, equality conditions, and CONTEXT parameters that fill nothing. */
    for (size_t k = 0; k < ap->n_params; k++) {
        const ddbgen_param *prm = &ap->params[k];
        const ddbgen_field *f = NULL;
        bool list = prm->type == DDBGEN_TYPE_ARRAY || prm->type == DDBGEN_TYPE_OBJECT;
        bool flist;
        if (prm->type != DDBGEN_TYPE_ENTITY && prm->name) {
            f = ddbgen_entity_find_field(e, prm->name);
            if (!f)
                f = ddbgen_plan_suffix_field(e, prm->name);
        }
        if (p.roles[k] == DDBGEN_ROLE_CONTEXT && !context_fills(&p, m, e, ap, k))
            p.roles[k] = DDBGEN_ROLE_UNUSED;
        if (p.roles[k] != DDBGEN_ROLE_UNUSED || !f || ddbgen_field_is_derived(e, f))
            continue;
        flist = f->type == DDBGEN_TYPE_ARRAY || f->type == DDBGEN_TYPE_OBJECT;
        if (list != flist || (list && f->type != prm->type))
            continue;
        if (ap->operation == DDBGEN_OP_UPDATE_ITEM && !key_field(e, f->name))
            p.roles[k] = list ? DDBGEN_ROLE_LIST : DDBGEN_ROLE_UPDATE;
        else if (ap->operation == DDBGEN_OP_PUT_ITEM)
            p.roles[k] = list ? DDBGEN_ROLE_LIST : DDBGEN_ROLE_SET;
        else if ((ap->operation == DDBGEN_OP_SCAN || ap->operation == DDBGEN_OP_QUERY ||
                  (ap->operation == DDBGEN_OP_GET_ITEM && !ap->index_name)) &&
                 !list && prm->type != DDBGEN_TYPE_UNKNOWN && ddbgen_types_fit(prm->type, f->type))
            p.roles[k] = DDBGEN_ROLE_MATCH;
        if (p.roles[k] != DDBGEN_ROLE_UNUSED) {
            p.field[k] = f->name;
            p.by_suffix[k] = strcmp(f->name, prm->name) != 0;
        }
    }
    *out = p;
    return 0;
}
