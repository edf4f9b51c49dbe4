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

/* How an access pattern uses one of its parameters. */
typedef enum ddbgen_param_role {
    DDBGEN_ROLE_UNUSED = 0,
    DDBGEN_ROLE_KEY,     /* fills key placeholders (by name, or by position: see by_position) */
    DDBGEN_ROLE_RANGE,   /* a value of the range_condition (the last one or two parameters) */
    DDBGEN_ROLE_FILTER,  /* referenced by filter_expression */
    DDBGEN_ROLE_ITEM,    /* an entity parameter of the pattern's own entity */
    DDBGEN_ROLE_CONTEXT, /* an entity parameter of another entity (passed through) */
    DDBGEN_ROLE_UPDATE,  /* UpdateItem: the new value of the field with the same name */
} ddbgen_param_role;

/* Where one key placeholder's value comes from. */
typedef struct ddbgen_binding {
    const char *field; /* the placeholder's field */
    int param;         /* index into the pattern's parameters; -1: unbound */
    bool from_item;    /* param is the ITEM entity parameter: use its field */
    bool by_position;  /* bound to a parameter of another name, by position */
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
    size_t n_params;
    ddbgen_param_role *roles; /* one per parameter */
} ddbgen_plan;

/*
 * Plans an access pattern of entity e. out is filled even for an unusable pattern (keys_known
 * false); release it with ddbgen_plan_clear. Returns 0 or DDBGEN_ERR_NOMEM (out untouched).
 */
int ddbgen_plan_access_pattern(ddbgen_plan *out, const ddbgen_entity *e,
                               const ddbgen_access_pattern *ap);

void ddbgen_plan_clear(ddbgen_plan *p);

#endif
