/*
 * Diagnostics of the model loader and validator: a list of {severity, JSON path, message, hint},
 * sorted deterministically and printed one per line or as JSON.
 *
 * A path names the offending value in the model file, in the form
 * tables[0].entities.User.access_patterns[2].range_condition; "$" is the document itself. A name
 * that is not a plain identifier is quoted: entities["Order Item"].
 *
 * Thread safety: a ddbgen_diags belongs to one thread.
 */
#ifndef DDBGEN_DIAG_H
#define DDBGEN_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/util.h"

typedef enum ddbgen_severity { DDBGEN_SEV_ERROR = 0, DDBGEN_SEV_WARNING = 1 } ddbgen_severity;

typedef struct ddbgen_diag {
    ddbgen_severity severity;
    char *path;    /* JSON path of the offending value */
    char *message; /* what is wrong: one line, no trailing period */
    char *hint;    /* how to fix it: one line, imperative; may be NULL */
} ddbgen_diag;

/* At most this many diagnostics are kept; the rest are counted in `dropped`. */
#define DDBGEN_DIAGS_MAX 5000

typedef struct ddbgen_diags {
    size_t n, cap;
    ddbgen_diag *items;
    size_t n_errors, n_warnings;
    size_t dropped;     /* past DDBGEN_DIAGS_MAX */
    bool nomem;         /* an allocation failed; some diagnostics are missing */
    const char *prefix; /* borrowed; prepended to every path added (e.g. "usage:"); may be NULL */
} ddbgen_diags;

#define DDBGEN_DIAGS_INIT                                                                          \
    {                                                                                              \
        0, 0, NULL, 0, 0, 0, false, NULL                                                           \
    }

void ddbgen_diags_free(ddbgen_diags *d);

/*
 * Adds a diagnostic. hint may be NULL. Messages are formatted with fmt. Never fails: when memory
 * runs out, d->nomem is set. Returns 0, or DDBGEN_ERR_NOMEM when the diagnostic was lost.
 */
int ddbgen_diag_add(ddbgen_diags *d, ddbgen_severity sev, const char *path, const char *hint,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int ddbgen_diag_vadd(ddbgen_diags *d, ddbgen_severity sev, const char *path, const char *hint,
                     const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/*
 * Sorts errors before warnings, then by path (array indices compare as numbers), then by message,
 * and removes exact duplicates.
 */
void ddbgen_diags_sort(ddbgen_diags *d);

/* Compares two JSON paths: "a[2]" < "a[10]" < "a.b". Exposed for the tests. */
int ddbgen_path_cmp(const char *a, const char *b);

/*
 * One line per diagnostic: "error: PATH: MESSAGE; HINT", then "warning: ..." lines. Newlines in
 * the text are written as spaces so that a line is always one diagnostic.
 */
void ddbgen_diags_format_text(const ddbgen_diags *d, ddbgen_buf *out);

/* The same, leaving out diagnostics less severe than upto (DDBGEN_SEV_ERROR: errors only). */
void ddbgen_diags_format_text_upto(const ddbgen_diags *d, ddbgen_severity upto, ddbgen_buf *out);

/*
 * {"valid": bool, "errors": n, "warnings": n, "diagnostics": [{"severity", "path", "message",
 * "hint"}...]}, with a trailing newline.
 */
void ddbgen_diags_format_json(const ddbgen_diags *d, ddbgen_buf *out);

/*
 * Appends a JSON path step: ".name" (no dot at the start of an empty path; hyphens allowed, as in
 * "x-ddbkit") or "[\"odd name\"]" for any other key.
 */
void ddbgen_path_append_key(ddbgen_buf *b, const char *key);

#endif
