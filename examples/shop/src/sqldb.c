/*
 * sqldb.c - the dialect-independent half of sqldb: URL parsing, the connection pool, result sets,
 * retries of contended statements and transactions. The drivers are sqldb_sqlite.c and
 * sqldb_mariadb.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sqldb_internal.h"

#define SQLDB_DEFAULT_POOL 8
#define SQLDB_MAX_POOL 64
#define SQLDB_ATTEMPTS 5
/* A result is read whole into memory, so it has a cap; the shop pages its queries. */
#define SQLDB_MAX_RESULT_BYTES ((size_t)256 * 1024 * 1024)

int sqldb__contention(ddb_error *err, const char *fmt, ...)
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

bool sqldb__starts_with_word(const char *sql, const char *word)
{
    while (*sql && isspace((unsigned char)*sql))
        sql++;
    size_t n = strlen(word);
    if (strncasecmp(sql, word, n) != 0)
        return false;
    return !isalnum((unsigned char)sql[n]) && sql[n] != '_';
}

/* ---- results ------------------------------------------------------------------------------- */

int sqldb__rows_init(sqldb_rows *r, int ncols, ddb_error *err)
{
    (void)err;
    memset(r, 0, sizeof(*r));
    r->ncols = ncols;
    return 0;
}

int sqldb__rows_add(sqldb_rows *r, const char *s, size_t len, ddb_error *err)
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
    if (len + 1 > SQLDB_MAX_RESULT_BYTES - r->len)
        return ddb_error_set(err, DDB_ERR_LIMIT, "query result exceeds %zu bytes; page the query",
                             SQLDB_MAX_RESULT_BYTES);
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

static size_t rows_count(const sqldb_rows *r)
{
    return r->ncols > 0 ? r->n_cells / (size_t)r->ncols : 0;
}

int sqldb_next(sqldb_rows *r)
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

int sqldb_columns(const sqldb_rows *r)
{
    return r ? r->ncols : 0;
}

const char *sqldb_text(const sqldb_rows *r, int col)
{
    if (!r || col < 0 || col >= r->ncols || r->row == 0 || r->row > rows_count(r))
        return NULL;
    size_t off = r->cell[(r->row - 1) * (size_t)r->ncols + (size_t)col];
    return off ? r->buf + off - 1 : NULL;
}

bool sqldb_is_null(const sqldb_rows *r, int col)
{
    return sqldb_text(r, col) == NULL;
}

int64_t sqldb_int(const sqldb_rows *r, int col)
{
    const char *s = sqldb_text(r, col);
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return 0;
    return (int64_t)v;
}

void sqldb_rows_free(sqldb_rows *r)
{
    if (!r)
        return;
    free(r->cell);
    free(r->buf);
    free(r);
}

/* ---- URL ----------------------------------------------------------------------------------- */

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Percent-decoding in place, so a password or path may hold any byte. */
static void url_decode(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Reads "key=value&..." query parameters: pool= and socket=. The value is copied to *socket_out. */
static int parse_query(sqldb *db, const char *q, char **socket_out, ddb_error *err)
{
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        if (n > 5 && strncmp(q, "pool=", 5) == 0) {
            char *end;
            long v = strtol(q + 5, &end, 10);
            if (end != q + n || v < 1 || v > SQLDB_MAX_POOL)
                return ddb_error_set(err, DDB_ERR_CONFIG,
                                     "sqldb URL: pool must be 1..%d, got '%.*s'", SQLDB_MAX_POOL,
                                     (int)(n - 5), q + 5);
            db->max_conns = (size_t)v;
        } else if (n > 7 && strncmp(q, "socket=", 7) == 0 && socket_out) {
            free(*socket_out);
            *socket_out = dup_range(q + 7, n - 7);
            if (!*socket_out)
                return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the sqldb URL");
            url_decode(*socket_out);
        } else {
            return ddb_error_set(err, DDB_ERR_CONFIG,
                                 "sqldb URL: unknown parameter '%.*s' (known: pool=%s)", (int)n, q,
                                 socket_out ? ", socket=" : "");
        }
        q = amp ? amp + 1 : NULL;
    }
    return 0;
}

static int parse_sqlite(sqldb *db, const char *rest, ddb_error *err)
{
    const char *q = strchr(rest, '?');
    size_t n = q ? (size_t)(q - rest) : strlen(rest);
    if (n == 0)
        return ddb_error_set(err, DDB_ERR_CONFIG,
                             "sqldb URL: sqlite needs a path or :memory: after 'sqlite:'");
    db->path = dup_range(rest, n);
    if (!db->path)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the sqldb URL");
    int rc = parse_query(db, q ? q + 1 : NULL, NULL, err);
    if (rc)
        return rc;
    /* Each connection to ":memory:" is a database of its own: one connection, shared. */
    if (strcmp(db->path, ":memory:") == 0)
        db->max_conns = 1;
    return 0;
}

/* mariadb://user[:password]@[host[:port]]/db[?socket=...&pool=N] */
static int parse_mariadb(sqldb *db, const char *rest, ddb_error *err)
{
    if (strncmp(rest, "//", 2) != 0)
        return ddb_error_set(err, DDB_ERR_CONFIG, "sqldb URL: expected mariadb://user@host/db");
    rest += 2;
    const char *slash = strchr(rest, '/');
    if (!slash)
        return ddb_error_set(err, DDB_ERR_CONFIG, "sqldb URL: mariadb URL has no /database");
    const char *at = memchr(rest, '@', (size_t)(slash - rest));
    const char *hostpart = rest;
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        db->user = dup_range(rest, (size_t)((colon ? colon : at) - rest));
        if (colon)
            db->password = dup_range(colon + 1, (size_t)(at - colon - 1));
        if (!db->user || (colon && !db->password))
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the sqldb URL");
        url_decode(db->user);
        if (db->password)
            url_decode(db->password);
        hostpart = at + 1;
    }
    if (hostpart < slash) {
        const char *colon = memchr(hostpart, ':', (size_t)(slash - hostpart));
        db->host = dup_range(hostpart, (size_t)((colon ? colon : slash) - hostpart));
        if (!db->host)
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the sqldb URL");
        if (colon) {
            char *end;
            long port = strtol(colon + 1, &end, 10);
            if (end != slash || port < 1 || port > 65535)
                return ddb_error_set(err, DDB_ERR_CONFIG, "sqldb URL: invalid port '%.*s'",
                                     (int)(slash - colon - 1), colon + 1);
            db->port = (unsigned)port;
        }
    }
    const char *q = strchr(slash, '?');
    size_t dn = q ? (size_t)(q - slash - 1) : strlen(slash + 1);
    if (dn == 0)
        return ddb_error_set(err, DDB_ERR_CONFIG,
                             "sqldb URL: mariadb URL has an empty database name");
    db->database = dup_range(slash + 1, dn);
    if (!db->database)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the sqldb URL");
    if (!db->password) {
        const char *pw = getenv("SQLDB_MARIADB_PASSWORD");
        if (pw && !(db->password = strdup(pw)))
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the sqldb URL");
    }
    return parse_query(db, q ? q + 1 : NULL, &db->socket, err);
}

/* ---- the pool ------------------------------------------------------------------------------ */

static void conn_destroy(sqldb_conn *c)
{
    if (!c)
        return;
    c->db->drv->disconnect(c->h);
    free(c);
}

static int conn_new(sqldb *db, sqldb_conn **out, ddb_error *err)
{
    sqldb_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening a connection");
    c->db = db;
    int rc = db->drv->connect(db, &c->h, err);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void free_config(sqldb *db)
{
    free(db->path);
    free(db->user);
    if (db->password) /* not left behind in freed memory */
        memset(db->password, 0, strlen(db->password));
    free(db->password);
    free(db->host);
    free(db->database);
    free(db->socket);
}

int sqldb_open(sqldb **out, const char *url, ddb_error *err)
{
    if (!out || !url)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "sqldb_open: out and url are required");
    sqldb *db = calloc(1, sizeof(*db));
    if (!db)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening the pool");
    db->max_conns = SQLDB_DEFAULT_POOL;
    int rc;
    if (strncmp(url, "sqlite:", 7) == 0) {
        db->dialect = SQLDB_SQLITE;
        db->drv = &sqldb__sqlite_driver;
        rc = parse_sqlite(db, url + 7, err);
    } else if (strncmp(url, "mariadb:", 8) == 0 || strncmp(url, "mysql:", 6) == 0) {
        db->dialect = SQLDB_MARIADB;
        db->drv = &sqldb__mariadb_driver;
        rc = parse_mariadb(db, strchr(url, ':') + 1, err);
    } else {
        /* The URL is not echoed: it may hold a password. */
        rc = ddb_error_set(err, DDB_ERR_CONFIG,
                           "sqldb URL must start with sqlite: or mariadb:// (or mysql://)");
    }
    if (rc)
        goto fail;
    db->idle = calloc(db->max_conns, sizeof(*db->idle));
    if (!db->idle) {
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening the pool");
        goto fail;
    }
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    /* The first connection now, so a wrong path, socket or database fails at open. */
    sqldb_conn *first;
    rc = conn_new(db, &first, err);
    if (rc) {
        pthread_mutex_destroy(&db->mu);
        pthread_cond_destroy(&db->cv);
        goto fail;
    }
    db->idle[db->n_idle++] = first;
    db->n_open = 1;
    *out = db;
    return 0;
fail:
    free(db->idle);
    free_config(db);
    free(db);
    return rc;
}

void sqldb_close(sqldb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n_idle; i++)
        conn_destroy(db->idle[i]);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->cv);
    free(db->idle);
    free_config(db);
    free(db);
}

sqldb_dialect sqldb_dialect_of(const sqldb *db)
{
    return db->dialect;
}

sqldb_dialect sqldb_conn_dialect(const sqldb_conn *c)
{
    return c->db->dialect;
}

int sqldb_acquire(sqldb *db, sqldb_conn **out, ddb_error *err)
{
    if (!db || !out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "sqldb_acquire: db and out are required");
    pthread_mutex_lock(&db->mu);
    for (;;) {
        if (db->n_idle > 0) {
            *out = db->idle[--db->n_idle];
            pthread_mutex_unlock(&db->mu);
            return 0;
        }
        if (db->n_open < db->max_conns)
            break;
        pthread_cond_wait(&db->cv, &db->mu);
    }
    /* Reserve the slot, then connect without holding the lock: connecting takes a while. */
    db->n_open++;
    pthread_mutex_unlock(&db->mu);
    sqldb_conn *c;
    int rc = conn_new(db, &c, err);
    if (rc) {
        pthread_mutex_lock(&db->mu);
        db->n_open--;
        pthread_cond_signal(&db->cv);
        pthread_mutex_unlock(&db->mu);
        return rc;
    }
    *out = c;
    return 0;
}

void sqldb_release(sqldb_conn *c)
{
    if (!c)
        return;
    sqldb *db = c->db;
    if (c->in_txn)
        sqldb_rollback(c);
    pthread_mutex_lock(&db->mu);
    if (c->broken) {
        db->n_open--;
        pthread_mutex_unlock(&db->mu);
        conn_destroy(c);
        pthread_mutex_lock(&db->mu);
    } else {
        db->idle[db->n_idle++] = c;
    }
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

/* ---- statements, retries, transactions ------------------------------------------------------ */

/* Jittered exponential backoff: ~2, 4, 8, 16 ms, each scaled by a random factor in [0.5, 1.5). */
static void backoff(int attempt)
{
    static _Thread_local unsigned seed;
    if (!seed)
        seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
    seed = seed * 1103515245u + 12345u;
    long base_us = 2000L << (attempt < 6 ? attempt : 6);
    long us = base_us / 2 + (long)((seed >> 8) % (unsigned long)base_us);
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static bool is_contention(int rc, const ddb_error *e)
{
    return rc == DDB_ERR_THROTTLED && e->retryable;
}

int sqldb_exec(sqldb_conn *c, const char *sql, const sqldb_param *p, size_t n, int64_t *last_id,
               int64_t *changed, ddb_error *err)
{
    if (!c || !sql || (n && !p))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "sqldb_exec: connection and sql are required");
    ddb_error local = DDB_ERROR_INIT;
    ddb_error *e = err ? err : &local;
    int rc;
    /* Outside a transaction a contended statement is its own transaction and may run again;
     * inside one, MariaDB has rolled everything back, so only the caller can start over. */
    for (int attempt = 0;; attempt++) {
        rc = c->db->drv->exec(c, sql, p, n, last_id, changed, e);
        if (!is_contention(rc, e) || c->in_txn || attempt + 1 >= SQLDB_ATTEMPTS)
            break;
        backoff(attempt);
    }
    ddb_error_clear(&local);
    return rc;
}

int sqldb_query(sqldb_conn *c, const char *sql, const sqldb_param *p, size_t n, sqldb_rows **out,
                ddb_error *err)
{
    if (!c || !sql || !out || (n && !p))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "sqldb_query: connection, sql and out are required");
    ddb_error local = DDB_ERROR_INIT;
    ddb_error *e = err ? err : &local;
    sqldb_rows *r = calloc(1, sizeof(*r));
    if (!r)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a query result");
    int rc;
    for (int attempt = 0;; attempt++) {
        free(r->cell);
        free(r->buf);
        memset(r, 0, sizeof(*r));
        rc = c->db->drv->query(c, sql, p, n, r, e);
        if (!is_contention(rc, e) || c->in_txn || attempt + 1 >= SQLDB_ATTEMPTS)
            break;
        backoff(attempt);
    }
    ddb_error_clear(&local);
    if (rc) {
        sqldb_rows_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int sqldb_begin(sqldb_conn *c, ddb_error *err)
{
    if (!c)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "sqldb_begin: connection is required");
    if (c->in_txn)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "sqldb_begin: a transaction is already open");
    int rc = sqldb_exec(c, c->db->drv->begin_sql, NULL, 0, NULL, NULL, err);
    if (rc == 0)
        c->in_txn = true;
    return rc;
}

int sqldb_commit(sqldb_conn *c, ddb_error *err)
{
    if (!c || !c->in_txn)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "sqldb_commit: no transaction is open");
    int rc = c->db->drv->exec(c, "COMMIT", NULL, 0, NULL, NULL, err);
    if (rc == 0)
        c->in_txn = false;
    return rc; /* on failure the transaction stays open: the caller rolls back */
}

int sqldb_rollback(sqldb_conn *c)
{
    if (!c || !c->in_txn)
        return 0;
    c->in_txn = false;
    int rc = c->db->drv->exec(c, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
    if (rc)
        c->broken = true; /* a connection that cannot roll back is not safe to reuse */
    return 0;
}

bool sqldb_in_transaction(const sqldb_conn *c)
{
    return c && c->in_txn;
}

int sqldb_transact(sqldb_conn *c, sqldb_txn_fn fn, void *ctx, ddb_error *err)
{
    if (!c || !fn)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "sqldb_transact: connection and fn are required");
    ddb_error local = DDB_ERROR_INIT;
    ddb_error *e = err ? err : &local;
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = sqldb_begin(c, e);
        if (rc == 0)
            rc = fn(c, ctx, e);
        if (rc == 0)
            rc = sqldb_commit(c, e);
        if (rc == 0)
            break;
        sqldb_rollback(c);
        if (!is_contention(rc, e) || attempt + 1 >= SQLDB_ATTEMPTS)
            break;
        backoff(attempt);
    }
    ddb_error_clear(&local);
    return rc;
}

int sqldb_exec_script(sqldb_conn *c, const char *sql_statements, ddb_error *err)
{
    if (!c || !sql_statements)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "sqldb_exec_script: connection and sql are required");
    return c->db->drv->script(c, sql_statements, err);
}
