/*
 * Helpers shared by the model loader, the validator and (later) the emitters: an arena for
 * read-only model data, a capped string buffer, the mapping of model names to C identifiers and
 * "did you mean" suggestions.
 *
 * Thread safety: nothing here has global state; an arena or a buffer belongs to one thread.
 */
#ifndef DDBGEN_UTIL_H
#define DDBGEN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Status codes of the generator's functions. They are only ever appended. */
typedef enum ddbgen_status {
    DDBGEN_OK = 0,
    DDBGEN_ERR_NOMEM = -1,   /* out of memory */
    DDBGEN_ERR_IO = -2,      /* a file is missing, unreadable or over the size cap */
    DDBGEN_ERR_JSON = -3,    /* the input is not JSON */
    DDBGEN_ERR_INVALID = -4, /* the input has errors (they are in the diagnostics) */
    DDBGEN_ERR_ARG = -5,     /* a caller passed a NULL or out-of-range argument */
    DDBGEN_ERR_LIMIT = -6,   /* a cap was reached (see the message) */
} ddbgen_status;

/* A static description of a status code. Never NULL. */
const char *ddbgen_strerror(int code);

/* ---- arena ----------------------------------------------------------------------------------- */

/*
 * An arena: allocations live until ddbgen_arena_free. The model is built in one, so freeing a
 * model is one call and a half-built model leaks nothing.
 */
typedef struct ddbgen_arena ddbgen_arena;

int ddbgen_arena_new(ddbgen_arena **out);
void ddbgen_arena_free(ddbgen_arena *a);

/* Zeroed memory for n elements of size sz, or NULL (out of memory or overflow). n may be 0. */
void *ddbgen_arena_calloc(ddbgen_arena *a, size_t n, size_t sz);
/* Copies of strings; NULL in gives NULL out. */
char *ddbgen_arena_strdup(ddbgen_arena *a, const char *s);
char *ddbgen_arena_strndup(ddbgen_arena *a, const char *s, size_t n);
char *ddbgen_arena_printf(ddbgen_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- string buffer --------------------------------------------------------------------------- */

/* A growable string with a cap; once the cap or an allocation fails, `failed` sticks. */
typedef struct ddbgen_buf {
    char *data;
    size_t len, cap;
    size_t max; /* 0 means 16 MiB */
    bool failed;
} ddbgen_buf;

#define DDBGEN_BUF_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0, 0, false                                                                       \
    }

void ddbgen_buf_free(ddbgen_buf *b);
void ddbgen_buf_putn(ddbgen_buf *b, const char *s, size_t n);
void ddbgen_buf_puts(ddbgen_buf *b, const char *s);
void ddbgen_buf_putc(ddbgen_buf *b, char c);
void ddbgen_buf_printf(ddbgen_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ddbgen_buf_vprintf(ddbgen_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal, quotes included. */
void ddbgen_buf_put_json_string(ddbgen_buf *b, const char *s);
/* The NUL-terminated contents ("" when empty), or NULL when the buffer failed. Borrowed. */
const char *ddbgen_buf_str(ddbgen_buf *b);

/* ---- names ----------------------------------------------------------------------------------- */

/*
 * Maps a model name to the C identifier the generated code uses for it: words are split at
 * non-alphanumeric characters and at case changes ("UserAddress" and "userAddress" both give
 * "user_address", "HTTPServer2Go" gives "http_server2_go"), lower-cased and joined with one
 * underscore, so the result never holds "__" (the scope separator of generated names) and never
 * starts or ends with "_". A C keyword gets a trailing underscore ("long" gives "long_").
 *
 * The result can still be unusable, which ddbgen_c_name_problem reports: empty (the name has no
 * ASCII letter or digit) or starting with a digit.
 *
 * out: receives a malloc'd string the caller frees. Returns 0 or DDBGEN_ERR_NOMEM.
 */
int ddbgen_c_name(char **out, const char *name);

/* Why a mapped name cannot be used as a C identifier, or NULL when it can. Static string. */
const char *ddbgen_c_name_problem(const char *mapped);

/* True when s is reserved in every scope of generated code: a C keyword (C11, plus the C23
 * keywords and a few predefined macro names), a standard name the generated code uses, or a name
 * in the generator's own ddb_ space. Such a name is mapped with a trailing underscore. */
bool ddbgen_is_c_keyword(const char *s);

/* True when s matches [A-Za-z_][A-Za-z0-9_]* (a plain identifier; used to print JSON paths). */
bool ddbgen_is_plain_identifier(const char *s);

/*
 * The candidate closest to `word` (case-insensitive match, shared prefix, or an edit distance of
 * at most a third of its length), or NULL. Borrowed from candidates.
 */
const char *ddbgen_suggest(const char *word, const char *const *candidates, size_t n);

/* Appends "a, b, c" to b. */
void ddbgen_buf_join(ddbgen_buf *b, const char *const *items, size_t n, const char *sep);

#endif
