/*
 * Internal to libddbkit-dal. The data-access layer is a client of libddbkit's public API only (it
 * is a separate shared library, and libddbkit exports nothing else), so its error helpers are
 * built on the public ddb_error_set.
 */
#ifndef DDB_DAL_INTERNAL_H
#define DDB_DAL_INTERNAL_H

#include <stdbool.h>

#include "ddb/core/error.h"

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

#endif
