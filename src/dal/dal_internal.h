/*
 * Internal to libddbkit-dal. The data-access layer is a client of libddbkit's public API only (it
 * is a separate shared library, and libddbkit exports nothing else), so its error helpers are
 * built on the public ddb_error_set.
 */
#ifndef DDB_DAL_INTERNAL_H
#define DDB_DAL_INTERNAL_H

#include <stdbool.h>

#include "ddb/core/error.h"
#include "ddb/dal/entity.h"

#if defined(__clang_analyzer__)
/*
 * clang's analyzer sees one file at a time, so it takes ddb_error_set for a call that may return
 * 0 and follows a "success" path where nothing was written; it always returns code.
 */
#define ddb_error_set(err, code, ...) (ddb_error_set((err), (code), __VA_ARGS__), (code))
#endif

#if defined(__GNUC__)
#define DDB_DAL__PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define DDB_DAL__PRINTF(fmt_index, first_arg)
#endif

/* The code for an out-of-memory failure, with a message naming what was being allocated. */
static inline int ddb_dal__nomem(ddb_error *err, const char *what)
{
    return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory allocating %s", what);
}

/* ddb_router's keep_relational (phase 5 mirrors to the relational side), for route.c. */
struct ddb_router;
bool ddb_router__keeps_relational(const struct ddb_router *r);

/*
 * The items ddb_store_mirror stores for obj: its item (with its version) and one sentinel per
 * unique value it has, into out[0..*n) (cap >= 1 + s->n_unique), owned by the caller.
 */
int ddb_store__mirror_items(ddb_value **out, size_t cap, size_t *n, const ddb_store_desc *s,
                            const void *obj, ddb_error *err);

/*
 * ddb_store_mirror that never makes an item older: obj (with a version) is stored only when
 * DynamoDB has no item of its key or one of a lower version; *applied (may be NULL) says
 * whether it was. Removal (obj NULL) and entities without a version are unconditional.
 */
int ddb_store__mirror_newer(bool *applied, ddb_client *c, const ddb_store_desc *s,
                            const char *table, const void *obj, const void *key, ddb_error *err);

/* Whether item is a stored entity of s (not a sentinel, not of another entity type). */
bool ddb_store__is_entity(const ddb_store_desc *s, const ddb_value *item);

#endif
