/*
 * The storage members of the repository beyond create/get/update/delete and the access
 * patterns: see emit_internal.h.
 */
#include "emit_internal.h"

void emit_store_entity_members_h(emitter *E, const ddbgen_entity *e)
{
    (void)E;
    (void)e;
}

void emit_store_model_members_h(emitter *E)
{
    (void)E;
}

void emit_store_impl_fields(emitter *E)
{
    (void)E;
}

void emit_store_entity_impl(emitter *E, const ddbgen_entity *e)
{
    (void)E;
    (void)e;
}

void emit_store_model_impl(emitter *E)
{
    (void)E;
}

void emit_store_entity_assign(emitter *E, const ddbgen_entity *e)
{
    (void)E;
    (void)e;
}

void emit_store_model_assign(emitter *E)
{
    (void)E;
}
