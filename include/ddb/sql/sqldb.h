/*
 * ddb/sql/sqldb.h - libddbkit-sql: a small relational access layer over SQLite (libsqlite3),
 * MariaDB/MySQL (libmariadb) and PostgreSQL (libpq), each driver optional at build time. The
 * relational side of a migration is written against it (the shop's hand-written repository today).
 *
 * Thread safety: a ddb_sql (the pool) is thread-safe; a ddb_sql_conn is used by one thread at a time
 * (between ddb_sql_acquire and ddb_sql_release); a ddb_sql_rows belongs to the thread that made it.
 *
 * Code written once against this interface runs on all three databases. What differs between them
 * is kept here, so callers see one behaviour (PostgreSQL: docs/design/postgres.md):
 *
 *  - Placeholders are `?` in every dialect; parameters are bound, never spliced into SQL text.
 *    PostgreSQL's driver rewrites each `?` outside string literals, quoted identifiers, dollar
 *    quotes and comments to $1..$n (so PostgreSQL's own `?` operators, e.g. jsonb's, cannot be
 *    written; use jsonb_exists()). Integers are sent as int8, text with its type left to the
 *    server, as a literal's would be.
 *  - Text is UTF-8 everywhere (MariaDB connections use utf8mb4 with the binary collation, so
 *    comparisons, UNIQUE and ORDER BY on text are byte-wise, as in SQLite). PostgreSQL connections
 *    set client_encoding UTF8 and refuse a database whose encoding is not UTF8; byte-wise
 *    comparison needs the C collation: create the database with LC_COLLATE 'C' (scripts/postgres
 *    does) or declare every text column COLLATE "C".
 *  - `changed` counts the rows a statement matched (MariaDB's CLIENT_FOUND_ROWS), as SQLite and
 *    PostgreSQL do, so "UPDATE ... SET x = x WHERE id = ? AND version = ?" reports 1 when the row
 *    exists.
 *  - A failed statement inside a transaction undoes only itself; the transaction goes on (on
 *    PostgreSQL each statement in a transaction runs under a savepoint for this).
 *  - Query results are read whole when ddb_sql_query returns: the rows do not hold the connection,
 *    other statements may run on the same connection while they are open, and they may be freed
 *    after ddb_sql_release.
 *  - Constraint violations have one message shape in every dialect (see "Errors" below).
 *
 * Errors. Every function that can fail returns 0 or a negative ddb_error_code and fills the optional
 * `ddb_error *err` (one line, names the table/column/constraint; never a password):
 *  - UNIQUE or PRIMARY KEY violation -> DDB_ERR_CONDITION_FAILED,
 *      message "UNIQUE constraint failed: <table>.<column>[, <table>.<column>...]"
 *      (MariaDB reports only the key's name; the columns are looked up so the message matches
 *      SQLite's; when that is impossible it says "UNIQUE constraint failed: key <name>".
 *      PostgreSQL's columns come from the error's table and key detail.)
 *  - FOREIGN KEY violation -> DDB_ERR_CONDITION_FAILED, message starts "FOREIGN KEY constraint failed"
 *    (MariaDB and PostgreSQL add ": <table>.<column>" when the referencing row is written;
 *    PostgreSQL names the referencing table and the constraint when a referenced row is deleted;
 *    SQLite cannot say which).
 *  - CHECK violation -> DDB_ERR_CONDITION_FAILED, message starts "CHECK constraint failed: " and
 *    names the constraint. Name your CHECKs (CONSTRAINT inventory_not_negative CHECK (...)) and
 *    every dialect says "CHECK constraint failed: inventory_not_negative"; an unnamed column
 *    CHECK reads "<table>.<column>" on MariaDB, the expression on SQLite and PostgreSQL's
 *    generated name ("<table>_<column>_check") on PostgreSQL.
 *  - NOT NULL violation -> DDB_ERR_INVALID_ARG, "NOT NULL constraint failed: <table>.<column>"
 *    (MariaDB: "<column>" alone when the statement's table cannot be read from its text).
 *  - Lost or refused connection -> DDB_ERR_NETWORK (the connection is then discarded on release).
 *  - Deadlock, lock wait timeout, SQLITE_BUSY/LOCKED, PostgreSQL's serialization failure (40001),
 *    deadlock (40P01) and lock_timeout (55P03, 10 s by default) -> outside a transaction the
 *    statement is retried inside with jittered backoff (5 attempts); inside a transaction nothing
 *    can be retried safely (MariaDB has already rolled the transaction back), so it returns
 *    DDB_ERR_THROTTLED with
 *    err->retryable = err->throttling = true: roll back and run the whole transaction again —
 *    ddb_sql_transact does exactly that.
 *  - Anything else -> DDB_ERR_SERVICE with the database's own message.
 */
#ifndef DDB_SQL_SQLDB_H
#define DDB_SQL_SQLDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_sql ddb_sql;           /* thread-safe pool of connections */
typedef struct ddb_sql_conn ddb_sql_conn; /* one connection, one thread at a time */
typedef struct ddb_sql_rows ddb_sql_rows; /* a query's result, read whole */

/* Values are only ever appended. */
typedef enum ddb_sql_dialect {
    DDB_SQL_SQLITE = 1,
    DDB_SQL_MARIADB,
    DDB_SQL_POSTGRES
} ddb_sql_dialect;

typedef enum ddb_sql_type { DDB_SQL_NULL = 0, DDB_SQL_INT, DDB_SQL_TEXT } ddb_sql_type;

/* One bound parameter: `i` for DDB_SQL_INT, `s` (UTF-8, NUL-terminated, borrowed for the call) for
 * DDB_SQL_TEXT; a DDB_SQL_TEXT with s == NULL binds NULL. */
typedef struct ddb_sql_param {
    ddb_sql_type type;
    int64_t i;
    const char *s;
} ddb_sql_param;

/* Compound-literal helpers: ddb_sql_param p[] = {DDB_SQL_P_INT(id), DDB_SQL_P_TEXT(name), DDB_SQL_P_NULL}; */
#define DDB_SQL_P_INT(v) ((ddb_sql_param){DDB_SQL_INT, (int64_t)(v), NULL})
#define DDB_SQL_P_TEXT(v) ((ddb_sql_param){DDB_SQL_TEXT, 0, (v)})
#define DDB_SQL_P_NULL ((ddb_sql_param){DDB_SQL_NULL, 0, NULL})

/*
 * Open a pool. The URL picks the database:
 *   "sqlite::memory:"            one private in-memory database. In-memory databases are per
 *                                connection, so the pool holds exactly ONE connection and
 *                                ddb_sql_acquire waits (mutex) while another thread holds it.
 *   "sqlite:/path/file.db"       a file (created if missing); a pool of connections with WAL,
 *   "sqlite:relative/file.db"    busy_timeout 5000 ms and foreign_keys=ON on each.
 *   "mariadb://user[:password]@[host[:port]]/db[?socket=/path/sock]"   ("mysql://" is the same)
 *                                a pool over libmariadb: utf8mb4 + utf8mb4_bin, STRICT_ALL_TABLES,
 *                                READ COMMITTED (fewer gap-lock deadlocks than REPEATABLE READ),
 *                                time_zone +00:00. With socket= (or no host) it uses the Unix
 *                                socket; the password may also come from $DDB_SQL_MARIADB_PASSWORD.
 *   "postgresql://user[:password]@[host[:port]]/db[?param=value...]"   ("postgres://" is the same)
 *   "postgresql://user@/db?host=/run/dir"   a Unix socket directory
 *                                a pool over libpq: the URL (without pool=) goes to libpq as it is,
 *                                so every libpq parameter (host=, sslmode=, ...) and environment
 *                                variable ($PGPASSWORD, $PGHOST, ...) works; the driver adds
 *                                client_encoding UTF8, TimeZone UTC, READ COMMITTED and
 *                                lock_timeout 10 s (through `options`, which the URL cannot set).
 * Optional query parameter for all: "pool=N" (max connections, default 8, 1..64), e.g.
 * "sqlite:/tmp/x.db?pool=4". Connections are made lazily; ddb_sql_open makes the first one so that a
 * wrong URL, socket or database fails here (DDB_ERR_CONFIG for a bad URL, DDB_ERR_NETWORK when the
 * server cannot be reached, DDB_ERR_AUTH for refused credentials).
 * *out belongs to the caller: ddb_sql_close.
 */
DDB_API int ddb_sql_open(ddb_sql **out, const char *url, ddb_error *err);

/* Close every connection and free the pool. Every connection must have been released. NULL-safe. */
DDB_API void ddb_sql_close(ddb_sql *db);

DDB_API ddb_sql_dialect ddb_sql_dialect_of(const ddb_sql *db);

/* Borrow a connection (waits while the pool is exhausted). Give it back with ddb_sql_release. */
DDB_API int ddb_sql_acquire(ddb_sql *db, ddb_sql_conn **out, ddb_error *err);

/* Give a connection back. A transaction still open is rolled back first; a connection that lost
 * its server is closed instead of being pooled. NULL-safe. */
DDB_API void ddb_sql_release(ddb_sql_conn *c);

DDB_API ddb_sql_dialect ddb_sql_conn_dialect(const ddb_sql_conn *c);

/*
 * Run one statement that returns no rows. p/n are the `?` parameters (n must equal their count:
 * DDB_ERR_INVALID_ARG otherwise). last_id (may be NULL) receives the AUTO_INCREMENT / rowid of the
 * last inserted row (0 when none); changed (may be NULL) the number of rows matched.
 * PostgreSQL has no LAST_INSERT_ID: for "INSERT INTO t ..." without a RETURNING of its own, into a
 * table with an identity or serial column, the driver appends "RETURNING <that column>" and
 * last_id is the last returned row's value (0 for other statements and tables). When the INSERT
 * gives that column values of its own (it is in the column list, or there is no list), the
 * column's sequence is moved past the largest, so later generated ids continue after it as with
 * AUTO_INCREMENT (run under concurrent inserts that also generate ids, this setval can race).
 */
DDB_API int ddb_sql_exec(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                         int64_t *last_id, int64_t *changed, ddb_error *err);

/* Run one statement that returns rows. *out belongs to the caller: ddb_sql_rows_free. */
DDB_API int ddb_sql_query(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                          ddb_sql_rows **out, ddb_error *err);

/* Advance to the next row: 1 there is one, 0 no more rows, <0 error (rows are read whole by
 * ddb_sql_query, so this only fails on a NULL argument). Call it once before reading the first row. */
DDB_API int ddb_sql_next(ddb_sql_rows *r);

/* The number of columns of the result. */
DDB_API int ddb_sql_columns(const ddb_sql_rows *r);

/* The current row's column col (0-based). Out-of-range columns read as NULL. */
DDB_API bool ddb_sql_is_null(const ddb_sql_rows *r, int col);
/* The value as an integer (text is parsed base 10; NULL and unparsable text give 0). */
DDB_API int64_t ddb_sql_int(const ddb_sql_rows *r, int col);
/* The value as UTF-8 text (integers in decimal); NULL for NULL; valid until the next ddb_sql_next. */
DDB_API const char *ddb_sql_text(const ddb_sql_rows *r, int col);

DDB_API void ddb_sql_rows_free(ddb_sql_rows *r); /* NULL-safe */

/*
 * Transactions. ddb_sql_begin on SQLite is BEGIN IMMEDIATE (it takes the write lock up front, so two
 * writers wait for each other via busy_timeout instead of failing on the upgrade); on MariaDB it is
 * START TRANSACTION, on PostgreSQL BEGIN ISOLATION LEVEL READ COMMITTED. ddb_sql_rollback never
 * fails visibly (a broken connection is discarded on release) and is a no-op outside a transaction.
 */
DDB_API int ddb_sql_begin(ddb_sql_conn *c, ddb_error *err);
DDB_API int ddb_sql_commit(ddb_sql_conn *c, ddb_error *err);
DDB_API int ddb_sql_rollback(ddb_sql_conn *c);
DDB_API bool ddb_sql_in_transaction(const ddb_sql_conn *c);

/*
 * Run fn inside a transaction on c: begin, fn, commit. When fn or the commit fails with a retryable
 * error (deadlock, lock wait, busy: DDB_ERR_THROTTLED with err->retryable) it rolls back and runs
 * fn again, up to 5 times with jittered backoff. Any other failure of fn rolls back and is returned
 * as is. fn must therefore be safe to run again (it must not keep side effects outside the database).
 */
typedef int (*ddb_sql_txn_fn)(ddb_sql_conn *c, void *ctx, ddb_error *err);
DDB_API int ddb_sql_transact(ddb_sql_conn *c, ddb_sql_txn_fn fn, void *ctx, ddb_error *err);

/*
 * Run several `;`-separated statements with no parameters, e.g. a schema file. It stops at the
 * first failure; the message says which statement (its 1-based index) failed.
 */
DDB_API int ddb_sql_exec_script(ddb_sql_conn *c, const char *sql_statements, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_SQL_SQLDB_H */
