/*
 * ddb/api/paginate.h - iterate over the pages and items of a Query or Scan, following
 * LastEvaluatedKey.
 *
 * Thread safety: a ddb_paginator belongs to one thread at a time; several paginators may share
 * one client (for a parallel Scan, one paginator per segment, each on its own thread).
 *
 * A paginator sends the caller's request again and again, each time with ExclusiveStartKey set to
 * the previous page's LastEvaluatedKey, until a page comes back without one:
 *
 *     ddb_paginator *p = NULL;
 *     const ddb_value *item;
 *     rc = ddb_paginator_new_query(&p, client, &in, NULL, &err);
 *     while (rc == 0 && (rc = ddb_paginator_next_item(&item, p, &err)) == 0 && item)
 *         use(item);
 *     ddb_paginator_free(p);
 *
 * The input is borrowed: it must stay valid and unchanged until ddb_paginator_free. The paginator
 * never modifies it; it sends a copy in which only ExclusiveStartKey (and Limit, see max_items)
 * differ. The first request starts from the input's own exclusive_start_key, so a page sequence
 * can be resumed from a cursor (ddb_cursor_decode).
 *
 * Pages, items and keys handed out are borrowed from the paginator. They stay valid until the
 * next successful ddb_paginator_next_page or ddb_paginator_next_item call that has to fetch a new
 * page, or until ddb_paginator_free.
 *
 * A failed request changes nothing: the current page and its items stay valid, and calling again
 * sends the same request again (for example after DDB_ERR_THROTTLED). No page is lost or repeated.
 */
#ifndef DDB_PAGINATE_H
#define DDB_PAGINATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/api/api.h"
#include "ddb/core/error.h"
#include "ddb/core/value.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_paginator ddb_paginator;

#define DDB_PAGINATOR_OPTIONS_VERSION 1

/* Paginator options. Start from DDB_PAGINATOR_OPTIONS_INIT; fields are only ever appended. */
typedef struct ddb_paginator_options {
    unsigned int version;
    /*
     * Stop after this many matching items in all (0: no limit). Each request then carries
     * Limit = min(the input's limit, items still wanted), so the last page ends exactly at the
     * last item wanted and ddb_paginator_last_evaluated_key is the exact point to resume from.
     * With Select=COUNT, pages carry no items and the limit counts Count instead.
     */
    int64_t max_items;
    /* Stop after this many pages (0: no limit). */
    int64_t max_pages;
} ddb_paginator_options;

#define DDB_PAGINATOR_OPTIONS_INIT                                                                 \
    {                                                                                              \
        .version = DDB_PAGINATOR_OPTIONS_VERSION                                                   \
    }

/* One page, the same view for Query and Scan. Everything in it is borrowed (see above). */
typedef struct ddb_page {
    size_t index; /* 0 for the first page this paginator fetched */
    size_t n_items;
    const ddb_value *const *items; /* n_items M values, in the order the service sent */
    int64_t count;                 /* Count: items that matched (after any filter) */
    int64_t scanned_count;         /* ScannedCount: items read (before any filter) */
    /* ConsumedCapacity, when the input asked for it (return_consumed_capacity); else NULL. */
    const ddb_consumed_capacity *consumed_capacity;
    /* LastEvaluatedKey: where the next page starts; NULL on the last page. */
    const ddb_value *last_evaluated_key;
} ddb_page;

/*
 * Create a paginator over a Query.
 *   out   receives the paginator; the caller frees it with ddb_paginator_free
 *   c     the client (borrowed; must outlive the paginator)
 *   in    the request (borrowed; must outlive the paginator, unchanged). Its limit, if set, is
 *         the page size; its exclusive_start_key, if set, is where the first page starts.
 *   opts  NULL for the defaults (every item, every page)
 * Nothing is sent yet. Returns 0; DDB_ERR_INVALID_ARG for a NULL out, c or in, an input limit
 * below 1, an unsupported opts->version or a negative max_items or max_pages; DDB_ERR_NOMEM.
 */
DDB_API int ddb_paginator_new_query(ddb_paginator **out, ddb_client *c, const ddb_query_input *in,
                                    const ddb_paginator_options *opts, ddb_error *err);

/*
 * Create a paginator over a Scan; as ddb_paginator_new_query. For a parallel scan, create one
 * paginator per segment from inputs that differ only in segment.
 */
DDB_API int ddb_paginator_new_scan(ddb_paginator **out, ddb_client *c, const ddb_scan_input *in,
                                   const ddb_paginator_options *opts, ddb_error *err);

/* Free the paginator and the page it holds. NULL-safe. The input and client are not touched. */
DDB_API void ddb_paginator_free(ddb_paginator *p);

/*
 * Fetch the next page.
 *   out  receives the page (borrowed, valid until the next fetch), or NULL once there are no
 *        more pages: the previous page had no LastEvaluatedKey, or max_items or max_pages was
 *        reached. A page may hold no items (a filter can drop all of them) and still not be the
 *        last.
 * Items of the current page not yet taken with ddb_paginator_next_item are skipped, and a later
 * ddb_paginator_next_item starts with the page after this one.
 * Returns 0; any error of Query or Scan; DDB_ERR_PROTOCOL when the service returns as
 * LastEvaluatedKey the very ExclusiveStartKey it was sent, which would loop forever (the message
 * shows the key); DDB_ERR_INVALID_ARG for a NULL out or p. On failure *out is untouched and the
 * paginator unchanged.
 */
DDB_API int ddb_paginator_next_page(const ddb_page **out, ddb_paginator *p, ddb_error *err);

/*
 * Take the next item, fetching pages as needed (pages without items are passed over).
 *   out  receives the item (an M value, borrowed: valid until a new page is fetched), or NULL
 *        when there are no more items.
 * Returns 0, or an error as ddb_paginator_next_page; on failure *out is untouched and the call
 * can be repeated (pages without items fetched before the failing request stay consumed).
 */
DDB_API int ddb_paginator_next_item(const ddb_value **out, ddb_paginator *p, ddb_error *err);

/*
 * The LastEvaluatedKey of the latest page fetched: borrowed (valid until the next fetch), NULL
 * before the first page and after the last one. Passed as ExclusiveStartKey (for instance through
 * ddb_cursor_encode and ddb_cursor_decode), it resumes after that page. Items taken one by one end
 * exactly at a page boundary when iteration stopped at max_items; stopping elsewhere in a page
 * and resuming from this key skips the rest of that page.
 */
DDB_API const ddb_value *ddb_paginator_last_evaluated_key(const ddb_paginator *p);

/* Whether the paginator has nothing more to fetch (see ddb_paginator_next_page). */
DDB_API bool ddb_paginator_done(const ddb_paginator *p);

/* Pages fetched so far. */
DDB_API size_t ddb_paginator_page_count(const ddb_paginator *p);

/* Items that matched so far (the sum of the pages' Count). */
DDB_API int64_t ddb_paginator_item_count(const ddb_paginator *p);

/* The sum of ConsumedCapacity.CapacityUnits over the pages fetched so far (0 if not asked for). */
DDB_API double ddb_paginator_consumed_capacity(const ddb_paginator *p);

#ifdef __cplusplus
}
#endif

#endif /* DDB_PAGINATE_H */
