/*
 * sqldb_internal.h - what sqldb.c (the pool, results, retries) shares with its two drivers.
 * Not part of the shop's interface.
 */
#ifndef SHOP_SQLDB_INTERNAL_H
#define SHOP_SQLDB_INTERNAL_H

#include <pthread.h>

#include "sqldb.h"

/* A driver: one per dialect. Every function returns 0 or a negative ddb_error_code and fills err. */
typedef struct sqldb__driver {
    int (*connect)(sqldb *db, void **handle, ddb_error *err);
    void (*disconnect)(void *handle);
    int (*exec)(sqldb_conn *c, const char *sql, const sqldb_param *p, size_t n, int64_t *last_id,
                int64_t *changed, ddb_error *err);
    /* Fills rows (made by sqldb__rows_new) with every row of the result. */
    int (*query)(sqldb_conn *c, const char *sql, const sqldb_param *p, size_t n, sqldb_rows *rows,
                 ddb_error *err);
    int (*script)(sqldb_conn *c, const char *sql, ddb_error *err);
    const char *begin_sql;
} sqldb__driver;

extern const sqldb__driver sqldb__sqlite_driver;
extern const sqldb__driver sqldb__mariadb_driver;

struct sqldb {
    sqldb_dialect dialect;
    const sqldb__driver *drv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t max_conns, n_open, n_idle;
    sqldb_conn **idle; /* max_conns slots */
    /* SQLite */
    char *path;
    /* MariaDB: parsed from the URL. The password is kept only to open connections. */
    char *user, *password, *host, *database, *socket;
    unsigned port;
};

struct sqldb_conn {
    sqldb *db;
    void *h; /* the driver's handle */
    bool in_txn;
    bool broken; /* lost its server: closed on release instead of pooled */
};

/* Results: every cell as text (or NULL) in one growing buffer. */
struct sqldb_rows {
    int ncols;
    size_t n_cells, cap_cells;
    size_t *cell; /* offset into buf + 1; 0 means NULL */
    char *buf;
    size_t len, cap;
    size_t row; /* 1-based current row; 0 before the first sqldb_next */
};

int sqldb__rows_init(sqldb_rows *r, int ncols, ddb_error *err);
/* Append the next cell of the current row being built; s == NULL appends NULL. */
int sqldb__rows_add(sqldb_rows *r, const char *s, size_t len, ddb_error *err);

/* Mark err as a retryable contention failure (deadlock, lock wait, busy) and return THROTTLED. */
int sqldb__contention(ddb_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Does the statement start with one of these keywords (case-insensitive, after blanks)? */
bool sqldb__starts_with_word(const char *sql, const char *word);

/* A per-connection cache of prepared statements, keyed by SQL text. Statements are reused as the
 * shop runs the same few dozen statements over and over; eviction is round-robin. */
#define SQLDB__STMT_CACHE 48
typedef struct sqldb__stmt_cache {
    char *sql[SQLDB__STMT_CACHE];
    void *stmt[SQLDB__STMT_CACHE];
    size_t next_victim;
} sqldb__stmt_cache;

#endif /* SHOP_SQLDB_INTERNAL_H */
