/*
 * Internal to the migration router: what route.c (the policy) and bulk.c (backfill and
 * compare_all at the batch writer's speed) share.
 */
#ifndef DDB_ROUTE_INTERNAL_H
#define DDB_ROUTE_INTERNAL_H

#include "ddb/dal/route.h"

/* r->bulk: the notes of writes made while a backfill runs. 0 or DDB_ERR_NOMEM. */
int ddb_route__bulk_new(ddb_route *r, ddb_error *err);
void ddb_route__bulk_free(ddb_route *r);

/* A dual write is about to write these entities: noted when a backfill runs. */
void ddb_route__bulk_note(ddb_route *r, const ddb_router_intent_entry *entries, size_t n);

/* The row-by-row paths, for a model without bulk_target. */
int ddb_route__backfill_serial(ddb_route *r, ddb_error *err);
int ddb_route__compare_all_serial(ddb_route *r, size_t *differences, ddb_error *err);

#endif
