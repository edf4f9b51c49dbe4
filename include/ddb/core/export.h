/*
 * ddb/core/export.h - DDB_API, the mark of the public API.
 *
 * The libraries are built with -fvisibility=hidden, so only declarations marked DDB_API are
 * exported from libddbkit.so, libddbkit-dal.so and libddbkit-testkit.so; internals shared across
 * files (ddb_x__y) stay inside the library that defines them.
 *
 * Thread safety: not applicable (a macro).
 */
#ifndef DDB_EXPORT_H
#define DDB_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define DDB_API __attribute__((visibility("default")))
#else
#define DDB_API
#endif

#endif
