/*
 * Internal to libddbkit-sql: what sqldb.c (the pool, results, retries) shares with its drivers
 * (sqlite.c, mariadb.c, postgres.c).
 */
#ifndef DDB_SQL_INTERNAL_H
#define DDB_SQL_INTERNAL_H

#include <pthread.h>

#include "ddb/sql/sqldb.h"

#if defined(__clang_analyzer__)
/*
 * clang's analyzer sees one file at a time, so it takes ddb_error_set for a call that may return
 * 0 and follows a "success" path where nothing was written; it always returns code.
 */
#define ddb_error_set(err, code, ...) (ddb_error_set((err), (code), __VA_ARGS__), (code))
#endif

/* The most connections a pool may hold ("pool=N" in the URL). */
#define DDB_SQL__MAX_POOL 64

/* A driver: one per dialect. Every function returns 0 or a negative ddb_error_code and fills err. */
typedef struct ddb_sql__driver {
    int (*connect)(ddb_sql *db, void **handle, ddb_error *err);
    void (*disconnect)(void *handle);
    int (*exec)(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                int64_t *last_id, int64_t *changed, ddb_error *err);
    /* Fills rows (made by ddb_sql__rows_new) with every row of the result. */
    int (*query)(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                 ddb_sql_rows *rows, ddb_error *err);
    int (*script)(ddb_sql_conn *c, const char *sql, ddb_error *err);
    const char *begin_sql;
} ddb_sql__driver;

extern const ddb_sql__driver ddb_sql__sqlite_driver;
extern const ddb_sql__driver ddb_sql__mariadb_driver;
extern const ddb_sql__driver ddb_sql__postgres_driver;

/* PostgreSQL: check a postgres:// or postgresql:// URL with libpq, take "pool=N" out of it and
 * keep the rest in db->conninfo for PQconnectdbParams (db->password gets the password, if any, so
 * that it can be kept out of error messages). */
int ddb_sql__postgres_parse_url(ddb_sql *db, const char *url, ddb_error *err);

struct ddb_sql {
    ddb_sql_dialect dialect;
    const ddb_sql__driver *drv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t max_conns, n_open, n_idle;
    ddb_sql_conn **idle; /* max_conns slots */
    /* SQLite */
    char *path;
    /* MariaDB: parsed from the URL. The password is kept only to open connections. */
    char *user, *password, *host, *database, *socket;
    unsigned port;
    /* PostgreSQL: the URL as libpq takes it (without pool=). */
    char *conninfo;
};

struct ddb_sql_conn {
    ddb_sql *db;
    void *h; /* the driver's handle */
    bool in_txn;
    bool broken; /* lost its server: closed on release instead of pooled */
};

/* Results: every cell as text (or NULL) in one growing buffer. */
struct ddb_sql_rows {
    int ncols;
    size_t n_cells, cap_cells;
    size_t *cell; /* offset into buf + 1; 0 means NULL */
    char *buf;
    size_t len, cap;
    size_t row; /* 1-based current row; 0 before the first ddb_sql_next */
};

int ddb_sql__rows_init(ddb_sql_rows *r, int ncols, ddb_error *err);
/* Append the next cell of the current row being built; s == NULL appends NULL. */
int ddb_sql__rows_add(ddb_sql_rows *r, const char *s, size_t len, ddb_error *err);

/* Mark err as a retryable contention failure (deadlock, lock wait, busy) and return THROTTLED. */
int ddb_sql__contention(ddb_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Does the statement start with one of these keywords (case-insensitive, after blanks)? */
bool ddb_sql__starts_with_word(const char *sql, const char *word);

/* A per-connection cache of prepared statements, keyed by SQL text. Statements are reused as the
 * shop runs the same few dozen statements over and over; eviction is round-robin. */
#define DDB_SQL__STMT_CACHE 48
typedef struct ddb_sql__stmt_cache {
    char *sql[DDB_SQL__STMT_CACHE];
    void *stmt[DDB_SQL__STMT_CACHE];
    size_t next_victim;
} ddb_sql__stmt_cache;

#endif /* DDB_SQL_INTERNAL_H */
