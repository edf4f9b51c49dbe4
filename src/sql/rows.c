/*
 * What the drivers build on (sql_internal.h): result sets read whole, and the errors they share.
 * Below both the drivers and the pool (sqldb.c); it calls neither.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_internal.h"

/* A result is read whole into memory, so it has a cap; callers page their queries. */
#define DDB_SQL_MAX_RESULT_BYTES ((size_t)256 * 1024 * 1024)

int ddb_sql__contention(ddb_error *err, const char *fmt, ...)
{
    if (err) {
        ddb_error_clear(err);
        err->code = DDB_ERR_THROTTLED;
        err->retryable = true;
        err->throttling = true;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return DDB_ERR_THROTTLED;
}

bool ddb_sql__starts_with_word(const char *sql, const char *word)
{
    while (*sql && isspace((unsigned char)*sql))
        sql++;
    size_t n = strlen(word);
    if (strncasecmp(sql, word, n) != 0)
        return false;
    return !isalnum((unsigned char)sql[n]) && sql[n] != '_';
}

/* ---- results ------------------------------------------------------------------------------- */

int ddb_sql__rows_init(ddb_sql_rows *r, int ncols, ddb_error *err)
{
    (void)err;
    memset(r, 0, sizeof(*r));
    r->ncols = ncols;
    return 0;
}

int ddb_sql__rows_add(ddb_sql_rows *r, const char *s, size_t len, ddb_error *err)
{
    if (r->n_cells == r->cap_cells) {
        size_t cap = r->cap_cells ? r->cap_cells * 2 : 64;
        size_t *cell = realloc(r->cell, cap * sizeof(*cell));
        if (!cell)
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory reading a result of %zu cells",
                                 r->n_cells);
        r->cell = cell;
        r->cap_cells = cap;
    }
    if (!s) {
        r->cell[r->n_cells++] = 0;
        return 0;
    }
    if (len + 1 > DDB_SQL_MAX_RESULT_BYTES - r->len)
        return ddb_error_set(err, DDB_ERR_LIMIT, "query result exceeds %zu bytes; page the query",
                             DDB_SQL_MAX_RESULT_BYTES);
    if (r->len + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + len + 1)
            cap *= 2;
        char *buf = realloc(r->buf, cap);
        if (!buf)
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory reading a result of %zu bytes",
                                 r->len + len + 1);
        r->buf = buf;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, s, len);
    r->buf[r->len + len] = '\0';
    r->cell[r->n_cells++] = r->len + 1;
    r->len += len + 1;
    return 0;
}

static size_t rows_count(const ddb_sql_rows *r)
{
    return r->ncols > 0 ? r->n_cells / (size_t)r->ncols : 0;
}

int ddb_sql_next(ddb_sql_rows *r)
{
    if (!r)
        return DDB_ERR_INVALID_ARG;
    if (r->row < rows_count(r)) {
        r->row++;
        return 1;
    }
    r->row = rows_count(r) + 1;
    return 0;
}

int ddb_sql_columns(const ddb_sql_rows *r)
{
    return r ? r->ncols : 0;
}

const char *ddb_sql_text(const ddb_sql_rows *r, int col)
{
    if (!r || col < 0 || col >= r->ncols || r->row == 0 || r->row > rows_count(r))
        return NULL;
    size_t off = r->cell[(r->row - 1) * (size_t)r->ncols + (size_t)col];
    return off ? r->buf + off - 1 : NULL;
}

bool ddb_sql_is_null(const ddb_sql_rows *r, int col)
{
    return ddb_sql_text(r, col) == NULL;
}

int64_t ddb_sql_int(const ddb_sql_rows *r, int col)
{
    const char *s = ddb_sql_text(r, col);
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return 0;
    return (int64_t)v;
}

void ddb_sql_rows_free(ddb_sql_rows *r)
{
    if (!r)
        return;
    free(r->cell);
    free(r->buf);
    free(r);
}
