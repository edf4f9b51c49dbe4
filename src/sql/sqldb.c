/*
 * The dialect-independent half of libddbkit-sql: URL parsing, the connection pool and retries of
 * contended statements and transactions. It calls the drivers (sqlite.c, mariadb.c, postgres.c), which build
 * on rows.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sql/sql_internal.h"

#define DDB_SQL_DEFAULT_POOL 8
#define DDB_SQL_MAX_POOL DDB_SQL__MAX_POOL
#define DDB_SQL_ATTEMPTS 5

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
static int parse_query(ddb_sql *db, const char *q, char **socket_out, ddb_error *err)
{
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        if (n > 5 && strncmp(q, "pool=", 5) == 0) {
            char *end;
            long v = strtol(q + 5, &end, 10);
            if (end != q + n || v < 1 || v > DDB_SQL_MAX_POOL)
                return ddb_error_set(err, DDB_ERR_CONFIG,
                                     "ddb_sql URL: pool must be 1..%d, got '%.*s'",
                                     DDB_SQL_MAX_POOL, (int)(n - 5), q + 5);
            db->max_conns = (size_t)v;
        } else if (n > 7 && strncmp(q, "socket=", 7) == 0 && socket_out) {
            free(*socket_out);
            *socket_out = dup_range(q + 7, n - 7);
            if (!*socket_out)
                return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
            url_decode(*socket_out);
        } else {
            return ddb_error_set(err, DDB_ERR_CONFIG,
                                 "ddb_sql URL: unknown parameter '%.*s' (known: pool=%s)", (int)n,
                                 q, socket_out ? ", socket=" : "");
        }
        q = amp ? amp + 1 : NULL;
    }
    return 0;
}

#ifdef DDB_SQL_HAVE_SQLITE
static int parse_sqlite(ddb_sql *db, const char *rest, ddb_error *err)
{
    const char *q = strchr(rest, '?');
    size_t n = q ? (size_t)(q - rest) : strlen(rest);
    if (n == 0)
        return ddb_error_set(err, DDB_ERR_CONFIG,
                             "ddb_sql URL: sqlite needs a path or :memory: after 'sqlite:'");
    db->path = dup_range(rest, n);
    if (!db->path)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
    int rc = parse_query(db, q ? q + 1 : NULL, NULL, err);
    if (rc)
        return rc;
    /* Each connection to ":memory:" is a database of its own: one connection, shared. */
    if (strcmp(db->path, ":memory:") == 0)
        db->max_conns = 1;
    return 0;
}
#endif

#ifdef DDB_SQL_HAVE_MARIADB
/* mariadb://user[:password]@[host[:port]]/db[?socket=...&pool=N] */
static int parse_mariadb(ddb_sql *db, const char *rest, ddb_error *err)
{
    if (strncmp(rest, "//", 2) != 0)
        return ddb_error_set(err, DDB_ERR_CONFIG, "ddb_sql URL: expected mariadb://user@host/db");
    rest += 2;
    const char *slash = strchr(rest, '/');
    if (!slash)
        return ddb_error_set(err, DDB_ERR_CONFIG, "ddb_sql URL: mariadb URL has no /database");
    const char *at = memchr(rest, '@', (size_t)(slash - rest));
    const char *hostpart = rest;
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        db->user = dup_range(rest, (size_t)((colon ? colon : at) - rest));
        if (colon)
            db->password = dup_range(colon + 1, (size_t)(at - colon - 1));
        if (!db->user || (colon && !db->password))
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
        url_decode(db->user);
        if (db->password)
            url_decode(db->password);
        hostpart = at + 1;
    }
    if (hostpart < slash) {
        const char *colon = memchr(hostpart, ':', (size_t)(slash - hostpart));
        db->host = dup_range(hostpart, (size_t)((colon ? colon : slash) - hostpart));
        if (!db->host)
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
        if (colon) {
            char *end;
            long port = strtol(colon + 1, &end, 10);
            if (end != slash || port < 1 || port > 65535)
                return ddb_error_set(err, DDB_ERR_CONFIG, "ddb_sql URL: invalid port '%.*s'",
                                     (int)(slash - colon - 1), colon + 1);
            db->port = (unsigned)port;
        }
    }
    const char *q = strchr(slash, '?');
    size_t dn = q ? (size_t)(q - slash - 1) : strlen(slash + 1);
    if (dn == 0)
        return ddb_error_set(err, DDB_ERR_CONFIG,
                             "ddb_sql URL: mariadb URL has an empty database name");
    db->database = dup_range(slash + 1, dn);
    if (!db->database)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
    if (!db->password) {
        const char *pw = getenv("DDB_SQL_MARIADB_PASSWORD");
        if (pw && !(db->password = strdup(pw)))
            return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
    }
    return parse_query(db, q ? q + 1 : NULL, &db->socket, err);
}
#endif

/* ---- the pool ------------------------------------------------------------------------------ */

static void conn_destroy(ddb_sql_conn *c)
{
    if (!c)
        return;
    c->db->drv->disconnect(c->h);
    free(c);
}

static int conn_new(ddb_sql *db, ddb_sql_conn **out, ddb_error *err)
{
    ddb_sql_conn *c = calloc(1, sizeof(*c));
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

static void free_config(ddb_sql *db)
{
    free(db->path);
    free(db->user);
    if (db->password) /* not left behind in freed memory */
        memset(db->password, 0, strlen(db->password));
    free(db->password);
    free(db->host);
    free(db->database);
    free(db->socket);
    free(db->conninfo);
}

int ddb_sql_open(ddb_sql **out, const char *url, ddb_error *err)
{
    if (!out || !url)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ddb_sql_open: out and url are required");
    ddb_sql *db = calloc(1, sizeof(*db));
    if (!db)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening the pool");
    db->max_conns = DDB_SQL_DEFAULT_POOL;
    int rc;
    if (strncmp(url, "sqlite:", 7) == 0) {
        db->dialect = DDB_SQL_SQLITE;
#ifdef DDB_SQL_HAVE_SQLITE
        db->drv = &ddb_sql__sqlite_driver;
        rc = parse_sqlite(db, url + 7, err);
#else
        rc = ddb_error_set(err, DDB_ERR_CONFIG,
                           "ddb_sql URL: this libddbkit-sql was built without SQLite "
                           "(install libsqlite3-dev and build again)");
#endif
    } else if (strncmp(url, "mariadb:", 8) == 0 || strncmp(url, "mysql:", 6) == 0) {
        db->dialect = DDB_SQL_MARIADB;
#ifdef DDB_SQL_HAVE_MARIADB
        db->drv = &ddb_sql__mariadb_driver;
        rc = parse_mariadb(db, strchr(url, ':') + 1, err);
#else
        rc = ddb_error_set(err, DDB_ERR_CONFIG,
                           "ddb_sql URL: this libddbkit-sql was built without MariaDB/MySQL "
                           "(install libmariadb-dev and build again)");
#endif
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        db->dialect = DDB_SQL_POSTGRES;
#ifdef DDB_SQL_HAVE_POSTGRES
        db->drv = &ddb_sql__postgres_driver;
        rc = ddb_sql__postgres_parse_url(db, url, err);
#else
        rc = ddb_error_set(err, DDB_ERR_CONFIG,
                           "ddb_sql URL: this libddbkit-sql was built without PostgreSQL "
                           "(install libpq-dev and build again)");
#endif
    } else {
        /* The URL is not echoed: it may hold a password. */
        rc = ddb_error_set(err, DDB_ERR_CONFIG,
                           "ddb_sql URL must start with sqlite:, mariadb:// (or mysql://) or "
                           "postgresql:// (or postgres://)");
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
    ddb_sql_conn *first;
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

void ddb_sql_close(ddb_sql *db)
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

ddb_sql_dialect ddb_sql_dialect_of(const ddb_sql *db)
{
    return db->dialect;
}

ddb_sql_dialect ddb_sql_conn_dialect(const ddb_sql_conn *c)
{
    return c->db->dialect;
}

int ddb_sql_acquire(ddb_sql *db, ddb_sql_conn **out, ddb_error *err)
{
    if (!db || !out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ddb_sql_acquire: db and out are required");
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
    ddb_sql_conn *c;
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

void ddb_sql_release(ddb_sql_conn *c)
{
    if (!c)
        return;
    ddb_sql *db = c->db;
    if (c->in_txn)
        ddb_sql_rollback(c);
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

int ddb_sql_exec(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                 int64_t *last_id, int64_t *changed, ddb_error *err)
{
    if (!c || !sql || (n && !p))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql_exec: connection and sql are required");
    ddb_error local = DDB_ERROR_INIT;
    ddb_error *e = err ? err : &local;
    int rc;
    /* Outside a transaction a contended statement is its own transaction and may run again;
     * inside one, MariaDB has rolled everything back, so only the caller can start over. */
    for (int attempt = 0;; attempt++) {
        rc = c->db->drv->exec(c, sql, p, n, last_id, changed, e);
        if (!is_contention(rc, e) || c->in_txn || attempt + 1 >= DDB_SQL_ATTEMPTS)
            break;
        backoff(attempt);
    }
    ddb_error_clear(&local);
    return rc;
}

int ddb_sql_query(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                  ddb_sql_rows **out, ddb_error *err)
{
    if (!c || !sql || !out || (n && !p))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql_query: connection, sql and out are required");
    ddb_error local = DDB_ERROR_INIT;
    ddb_error *e = err ? err : &local;
    ddb_sql_rows *r = calloc(1, sizeof(*r));
    if (!r)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a query result");
    int rc;
    for (int attempt = 0;; attempt++) {
        free(r->cell);
        free(r->buf);
        memset(r, 0, sizeof(*r));
        rc = c->db->drv->query(c, sql, p, n, r, e);
        if (!is_contention(rc, e) || c->in_txn || attempt + 1 >= DDB_SQL_ATTEMPTS)
            break;
        backoff(attempt);
    }
    ddb_error_clear(&local);
    if (rc) {
        ddb_sql_rows_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int ddb_sql_begin(ddb_sql_conn *c, ddb_error *err)
{
    if (!c)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ddb_sql_begin: connection is required");
    if (c->in_txn)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql_begin: a transaction is already open");
    int rc = ddb_sql_exec(c, c->db->drv->begin_sql, NULL, 0, NULL, NULL, err);
    if (rc == 0)
        c->in_txn = true;
    return rc;
}

int ddb_sql_commit(ddb_sql_conn *c, ddb_error *err)
{
    if (!c || !c->in_txn)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ddb_sql_commit: no transaction is open");
    int rc = c->db->drv->exec(c, "COMMIT", NULL, 0, NULL, NULL, err);
    if (rc == 0)
        c->in_txn = false;
    return rc; /* on failure the transaction stays open: the caller rolls back */
}

int ddb_sql_rollback(ddb_sql_conn *c)
{
    if (!c || !c->in_txn)
        return 0;
    c->in_txn = false;
    int rc = c->db->drv->exec(c, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
    if (rc)
        c->broken = true; /* a connection that cannot roll back is not safe to reuse */
    return 0;
}

bool ddb_sql_in_transaction(const ddb_sql_conn *c)
{
    return c && c->in_txn;
}

int ddb_sql_transact(ddb_sql_conn *c, ddb_sql_txn_fn fn, void *ctx, ddb_error *err)
{
    if (!c || !fn)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql_transact: connection and fn are required");
    ddb_error local = DDB_ERROR_INIT;
    ddb_error *e = err ? err : &local;
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = ddb_sql_begin(c, e);
        if (rc == 0)
            rc = fn(c, ctx, e);
        if (rc == 0)
            rc = ddb_sql_commit(c, e);
        if (rc == 0)
            break;
        ddb_sql_rollback(c);
        if (!is_contention(rc, e) || attempt + 1 >= DDB_SQL_ATTEMPTS)
            break;
        backoff(attempt);
    }
    ddb_error_clear(&local);
    return rc;
}

int ddb_sql_exec_script(ddb_sql_conn *c, const char *sql_statements, ddb_error *err)
{
    if (!c || !sql_statements)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql_exec_script: connection and sql are required");
    return c->db->drv->script(c, sql_statements, err);
}
