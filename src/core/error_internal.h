/* Internal helpers for filling a ddb_error. */
#ifndef DDB_ERROR_INTERNAL_H
#define DDB_ERROR_INTERNAL_H

#include "ddb/core/error.h"

#if defined(__GNUC__)
#define DDB_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define DDB_PRINTF(fmt_index, first_arg)
#endif

/*
 * Clear err, then set its code and a formatted one-line message. Returns code, so a caller can
 * write `return ddb_error__set(err, DDB_ERR_LIMIT, "...", ...);`. err may be NULL.
 */
int ddb_error__set(ddb_error *err, int code, const char *fmt, ...) DDB_PRINTF(3, 4);

/* Set the AWS error type (copied, truncated to fit). err may be NULL. */
void ddb_error__set_aws_type(ddb_error *err, const char *type);

/* The code for an out-of-memory failure, with a message naming what was being allocated. */
int ddb_error__nomem(ddb_error *err, const char *what);

#if defined(__clang_analyzer__) && !defined(DDB_ERROR_DEFINING)
/*
 * clang's analyzer sees one file at a time, so it takes these calls for ones that may return 0
 * and then follows a "success" path where nothing was written; this tells it what they return.
 */
#define ddb_error__set(err, code, ...) (ddb_error__set((err), (code), __VA_ARGS__), (code))
#define ddb_error__nomem(err, what) (ddb_error__nomem((err), (what)), DDB_ERR_NOMEM)
#endif

#endif
