/*
 * Releasing values. It depends on nothing but the representation, so that the error helpers, which
 * own values, can free them without depending on the rest of value.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/value_internal.h"
#include "ddb/core/value.h"

void ddb_value__set_clear(vset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->members)
            free(s->members[i].data);
        if (s->canon)
            free(s->canon[i]);
    }
    free(s->members);
    free(s->canon);
    free(s->order);
    memset(s, 0, sizeof(*s));
}

void ddb_value_free(ddb_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case DDB_TYPE_S:
    case DDB_TYPE_B:
        free(v->u.str.data);
        break;
    case DDB_TYPE_N:
        free(v->u.num.text); /* the canonical form lives in the same block */
        break;
    case DDB_TYPE_M:
        for (size_t i = 0; i < v->u.m.n; i++) {
            free(v->u.m.entries[i].name);
            ddb_value_free(v->u.m.entries[i].value);
        }
        free(v->u.m.entries);
        free(v->u.m.index);
        break;
    case DDB_TYPE_L:
        for (size_t i = 0; i < v->u.l.n; i++)
            ddb_value_free(v->u.l.items[i]);
        free(v->u.l.items);
        break;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
        ddb_value__set_clear(&v->u.set);
        break;
    default:
        break;
    }
    free(v);
}
