/*
 * The plan of an access pattern: which key attributes it reads and which parameter fills which
 * key placeholder (the binding rules are in plan.c). The validator checks a pattern through its
 * plan, and the emitters follow the same plan.
 *
 * Thread safety: planning only reads the model; a plan belongs to one thread.
 */
#ifndef DDBGEN_PLAN_H
#define DDBGEN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/*
 * What a parameter of an access pattern means (docs/model-file.md, "What a parameter means").
 * Every parameter gets one; a parameter left UNUSED makes the validator refuse the model.
 */
typedef enum ddbgen_param_role {
    DDBGEN_ROLE_UNUSED = 0, /* no meaning fits: an error naming the parameter */
    DDBGEN_ROLE_KEY,        /* a key part: fills key placeholders (by name, or by position) */
    DDBGEN_ROLE_RANGE,      /* a value of the range_condition (the last one or two parameters) */
    DDBGEN_ROLE_FILTER,     /* referenced by filter_expression */
    DDBGEN_ROLE_ITEM,       /* an entity of the pattern's own entity: written, updated or the key */
    DDBGEN_ROLE_CONTEXT,    /* an entity of another type whose same-named fields fill the key */
    DDBGEN_ROLE_UPDATE,     /* UpdateItem: the new value of the scalar field of the same name */
    DDBGEN_ROLE_KEY_WHOLE,  /* named like a key attribute: that attribute's whole value */
    DDBGEN_ROLE_SET,        /* PutItem: the value of the scalar field of the same name */
    DDBGEN_ROLE_LIST,       /* PutItem/UpdateItem: an array or object for the field of that name */
    DDBGEN_ROLE_MATCH,      /* GetItem/Query/Scan: named after a non-key field, equality on it */
    DDBGEN_ROLE_LIMIT,      /* Query/Scan: an integer named limit, the page's item limit */
} ddbgen_param_role;

/* Where one key placeholder's value comes from. */
typedef struct ddbgen_binding {
    const char *field; /* the placeholder's field */
    int param;         /* index into the pattern's parameters; -1: unbound */
    bool from_item;    /* param is the ITEM entity parameter: use its field */
    bool by_position;  /* bound to a parameter of another name, by position */
    bool from_context; /* param is a CONTEXT entity parameter: use its field of this name */
    bool whole;        /* param is KEY_WHOLE: it holds the whole key attribute, not this part */
} ddbgen_binding;

/* One key attribute the pattern addresses and the template that fills it. */
typedef struct ddbgen_key_slot {
    const char *attribute;
    const ddbgen_template *tmpl;
    ddbgen_key_type type;
    size_t first_binding; /* its placeholders are bindings[first_binding .. +n_bindings) */
    size_t n_bindings;
} ddbgen_key_slot;

typedef struct ddbgen_plan {
    const ddbgen_table *table;
    const ddbgen_gsi *gsi;             /* NULL: the table's own key */
    const ddbgen_gsi_mapping *mapping; /* the entity's mapping of gsi */
    bool keys_known;   /* false when the index, its mapping or the templates are unusable */
    size_t n_pk, n_sk; /* key attributes: 1, or 1-4 for multi-attribute GSI keys; n_sk may be 0 */
    ddbgen_key_slot pk[4], sk[4];
    size_t n_bindings;
    ddbgen_binding *bindings;       /* pk placeholders first, then sk */
    bool pk_complete;               /* every pk placeholder is bound */
    bool sk_complete;               /* every sk placeholder is bound */
    size_t n_sk_placeholders_bound; /* Query: leading sk placeholders bound (equality prefix) */
    size_t n_sk_slots_bound;        /* Query: leading sk attributes fully bound */
    size_t n_range;
    int range_param[2];
    ddbgen_range range;      /* the range_condition, or BETWEEN when range_implied */
    bool range_implied;      /* the bounds are a pair named after a sort key field (no condition) */
    const char *range_field; /* range_implied: the sort key field the bounds are named after */
    size_t n_params;
    ddbgen_param_role *roles; /* one per parameter */
    /* Per parameter: the field of the entity it is named after (its whole name, or the field
     * its name ends with, "_<field>"), for KEY, UPDATE, SET, LIST and MATCH; else NULL. */
    const char **field;
    bool *by_suffix; /* field comes from the end of the name ("target_user_id": user_id) */
} ddbgen_plan;

/*
 * Plans an access pattern of entity e of model m (m resolves the entity parameters of other
 * types; NULL: they fill nothing). out is filled even for an unusable pattern (keys_known false);
 * release it with ddbgen_plan_clear. Returns 0 or DDBGEN_ERR_NOMEM (out untouched).
 */
int ddbgen_plan_access_pattern(ddbgen_plan *out, const ddbgen_model *m, const ddbgen_entity *e,
                               const ddbgen_access_pattern *ap);

/* The field of the CONTEXT parameter prm (of model m) that fills field f of e, or NULL. */
const ddbgen_field *ddbgen_plan_context_field(const ddbgen_model *m, const ddbgen_param *prm,
                                              const ddbgen_field *f);

/*
 * The field of CONTEXT parameter prm (of model m) that fills field f of e in a PutItem: the
 * same-named field when f is a key field of e, or, when f is not, the same-named key or ID field
 * of prm's entity (a reference, order.user_id = user.user_id). NULL when none; never for a
 * derived f.
 */
const ddbgen_field *ddbgen_plan_put_context_field(const ddbgen_model *m, const ddbgen_entity *e,
                                                  const ddbgen_param *prm, const ddbgen_field *f);

/* The field of e that name ends with as "_<field>" (the longest), when no field is named name. */
const ddbgen_field *ddbgen_plan_suffix_field(const ddbgen_entity *e, const char *name);

/* Whether field f of e is derived: it has the name of a key attribute that a template other
 * than exactly "{f}" fills, so the template writes it and the item holds it. */
bool ddbgen_field_is_derived(const ddbgen_entity *e, const ddbgen_field *f);

/* True for a parameter name that means a page limit ("limit", "max_items", "max_results",
 * "page_size"). */
bool ddbgen_param_is_limit_name(const char *name);

void ddbgen_plan_clear(ddbgen_plan *p);

#endif
