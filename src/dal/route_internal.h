/*
 * Internal to the migration router: what route.c (the policy) and bulk.c (backfill and
 * compare_all at the batch writer's speed) share.
 */
#ifndef DDB_ROUTE_INTERNAL_H
#define DDB_ROUTE_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "ddb/dal/entity.h"
#include "ddb/dal/route.h"

/* A generated page struct read through its layout: the count, the items, the cursor (taken out
 * of the page, for the caller to free). Inline, so bulk.c needs nothing of route.c. */
static inline size_t ddb_route__page_count(const void *page, const ddb_route_page_layout *l)
{
    size_t n;
    memcpy(&n, (const char *)page + l->n_items, sizeof n);
    return n;
}

static inline char *ddb_route__page_items(const void *page, const ddb_route_page_layout *l)
{
    char *items;
    memcpy(&items, (const char *)page + l->items, sizeof items);
    return items;
}

static inline char *ddb_route__take_cursor(void *page, const ddb_route_page_layout *l)
{
    char *cursor, *none = NULL;
    memcpy(&cursor, (char *)page + l->cursor, sizeof cursor);
    memcpy((char *)page + l->cursor, &none, sizeof none);
    return cursor;
}

/* Frees what a page of e's entities holds and zeroes it. */
static inline void ddb_route__page_clear(const ddb_route_entity *e, void *page)
{
    size_t n = ddb_route__page_count(page, &e->page);
    char *items = ddb_route__page_items(page, &e->page);
    for (size_t i = 0; items && i < n; i++)
        ddb_entity_free(e->desc, items + i * e->desc->size);
    free(items);
    free(ddb_route__take_cursor(page, &e->page));
    memset(page, 0, e->page.size);
}

/* r->bulk: the notes of writes made while a backfill runs. 0 or DDB_ERR_NOMEM. */
int ddb_route__bulk_new(ddb_route *r, ddb_error *err);
void ddb_route__bulk_free(ddb_route *r);

/* A dual write (its intent record) is about to write these entities: noted when a backfill
 * runs, else kept as under way until ddb_route__bulk_done. */
void ddb_route__bulk_note(ddb_route *r, uint64_t intent, const ddb_router_intent_entry *entries,
                          size_t n);
/* The call of intent ended: its write is no longer under way. */
void ddb_route__bulk_done(ddb_route *r, uint64_t intent);

/* The row-by-row paths, for a model without bulk_target. */
/*
 * The bulk backfill and compare_all (bulk.c), behind ddb_route_backfill_with and
 * ddb_route_compare_all_with (route.c). They return DDB_ROUTE__SERIAL, with the options checked
 * and stats zeroed, when the DynamoDB side is not one they can write in bulk: route.c then runs
 * the row-by-row loops, so bulk.c never calls back into route.c.
 */
#define DDB_ROUTE__SERIAL 1
int ddb_route__backfill_bulk(ddb_route *r, const ddb_route_bulk_options *opts,
                             ddb_route_bulk_stats *stats, ddb_error *err);
int ddb_route__compare_all_bulk(ddb_route *r, const ddb_route_bulk_options *opts,
                                size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err);

#endif
