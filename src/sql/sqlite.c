/*
 * ddb_sql_sqlite.c - the SQLite driver of ddb_sql, over libsqlite3.
 *
 * Each connection is opened with SQLITE_OPEN_NOMUTEX: ddb_sql hands a connection to one thread at a
 * time, so SQLite's own per-connection mutex would only cost time. Files use WAL (readers do not
 * block the writer), synchronous=NORMAL (durable at checkpoints, which is what WAL is designed
 * for) and a 5 s busy timeout, so writers queue instead of failing.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql_internal.h"

typedef struct lite {
    sqlite3 *db;
    ddb_sql__stmt_cache cache;
} lite;

#define BUSY_TIMEOUT_MS 5000

/* Map the connection's last error to a ddb_error. SQLite's constraint messages already have the
 * shape sqldb.h promises ("UNIQUE constraint failed: users.email"). */
static int fail(lite *l, int rc, const char *sql, ddb_error *err)
{
    int ext = sqlite3_extended_errcode(l->db);
    const char *msg = sqlite3_errmsg(l->db);
    switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_TRIGGER:
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "%s", msg);
    case SQLITE_CONSTRAINT_NOTNULL:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s", msg);
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "%s", msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ddb_sql__contention(err, "SQLite database is busy (%s)", msg);
    case SQLITE_NOMEM:
        return ddb_error_set(err, DDB_ERR_NOMEM, "SQLite: %s", msg);
    case SQLITE_TOOBIG:
        return ddb_error_set(err, DDB_ERR_LIMIT, "SQLite: %s", msg);
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "SQLite: %s", msg);
    default:
        return ddb_error_set(err, DDB_ERR_SERVICE, "SQLite error %d: %s (in: %.120s)", ext, msg,
                             sql);
    }
}

static int lite_connect(ddb_sql *db, void **handle, ddb_error *err)
{
    lite *l = calloc(1, sizeof(*l));
    if (!l)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening SQLite");
    int rc = sqlite3_open_v2(
        db->path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        int code = ddb_error_set(err, DDB_ERR_CONFIG, "cannot open SQLite database '%s': %s",
                                 db->path, l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
        sqlite3_close(l->db);
        free(l);
        return code;
    }
    sqlite3_extended_result_codes(l->db, 1);
    sqlite3_busy_timeout(l->db, BUSY_TIMEOUT_MS);
    const char *setup = strcmp(db->path, ":memory:") == 0
                            ? "PRAGMA foreign_keys=ON;"
                            : "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; "
                              "PRAGMA synchronous=NORMAL;";
    char *msg = NULL;
    rc = sqlite3_exec(l->db, setup, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = ddb_error_set(err, DDB_ERR_CONFIG, "cannot set up SQLite database '%s': %s",
                                 db->path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(l->db);
        free(l);
        return code;
    }
    *handle = l;
    return 0;
}

static void lite_disconnect(void *handle)
{
    lite *l = handle;
    if (!l)
        return;
    for (size_t i = 0; i < DDB_SQL__STMT_CACHE; i++) {
        sqlite3_finalize(l->cache.stmt[i]);
        free(l->cache.sql[i]);
    }
    sqlite3_close(l->db);
    free(l);
}

/* A prepared statement for sql from the cache, or newly prepared into it. Borrowed. */
static int prepare(lite *l, const char *sql, sqlite3_stmt **out, ddb_error *err)
{
    for (size_t i = 0; i < DDB_SQL__STMT_CACHE; i++) {
        if (l->cache.sql[i] && strcmp(l->cache.sql[i], sql) == 0) {
            *out = l->cache.stmt[i];
            return 0;
        }
    }
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK)
        return fail(l, rc, sql, err);
    if (!st)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ddb_sql: empty SQL statement");
    while (tail &&
           (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';' || *tail == '\r'))
        tail++;
    if (tail && *tail) {
        sqlite3_finalize(st);
        return ddb_error_set(
            err, DDB_ERR_INVALID_ARG,
            "ddb_sql: more than one statement given (use ddb_sql_exec_script): %.80s", sql);
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory caching a statement");
    }
    size_t v = l->cache.next_victim;
    l->cache.next_victim = (v + 1) % DDB_SQL__STMT_CACHE;
    sqlite3_finalize(l->cache.stmt[v]);
    free(l->cache.sql[v]);
    l->cache.sql[v] = copy;
    l->cache.stmt[v] = st;
    *out = st;
    return 0;
}

static int bind(lite *l, sqlite3_stmt *st, const char *sql, const ddb_sql_param *p, size_t n,
                ddb_error *err)
{
    int want = sqlite3_bind_parameter_count(st);
    if ((size_t)want != n)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql: statement has %d parameters, %zu given: %.80s", want, n,
                             sql);
    for (size_t i = 0; i < n; i++) {
        int rc;
        int idx = (int)i + 1;
        switch (p[i].type) {
        case DDB_SQL_INT:
            rc = sqlite3_bind_int64(st, idx, p[i].i);
            break;
        case DDB_SQL_TEXT:
            rc = p[i].s ? sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC)
                        : sqlite3_bind_null(st, idx);
            break;
        case DDB_SQL_NULL:
            rc = sqlite3_bind_null(st, idx);
            break;
        default:
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "ddb_sql: parameter %zu has unknown type %d", i + 1,
                                 (int)p[i].type);
        }
        if (rc != SQLITE_OK)
            return fail(l, rc, sql, err);
    }
    return 0;
}

static void done_with(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int lite_exec(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                     int64_t *last_id, int64_t *changed, ddb_error *err)
{
    lite *l = c->h;
    sqlite3_stmt *st = NULL;
    int rc = prepare(l, sql, &st, err);
    if (rc)
        return rc;
    rc = bind(l, st, sql, p, n, err);
    if (rc) {
        done_with(st);
        return rc;
    }
    /* sqlite3_changes keeps the last INSERT/UPDATE/DELETE's count across other statements (a
     * CREATE TABLE would report it again); the total moves only when this statement wrote. */
    int64_t total_before = sqlite3_total_changes64(l->db);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (s != SQLITE_DONE) {
        rc = fail(l, s, sql, err);
        done_with(st);
        return rc;
    }
    int64_t n_changed =
        sqlite3_total_changes64(l->db) != total_before ? sqlite3_changes64(l->db) : 0;
    bool inserts =
        ddb_sql__starts_with_word(sql, "INSERT") || ddb_sql__starts_with_word(sql, "REPLACE");
    if (changed)
        *changed = n_changed;
    if (last_id)
        *last_id = inserts && n_changed > 0 ? sqlite3_last_insert_rowid(l->db) : 0;
    done_with(st);
    return 0;
}

static int lite_query(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                      ddb_sql_rows *rows, ddb_error *err)
{
    lite *l = c->h;
    sqlite3_stmt *st = NULL;
    int rc = prepare(l, sql, &st, err);
    if (rc)
        return rc;
    rc = bind(l, st, sql, p, n, err);
    if (rc)
        goto done;
    int ncols = sqlite3_column_count(st);
    rc = ddb_sql__rows_init(rows, ncols, err);
    if (rc)
        goto done;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < ncols && rc == 0; i++) {
            if (sqlite3_column_type(st, i) == SQLITE_NULL) {
                rc = ddb_sql__rows_add(rows, NULL, 0, err);
            } else {
                const unsigned char *t = sqlite3_column_text(st, i);
                int len = sqlite3_column_bytes(st, i);
                rc = t ? ddb_sql__rows_add(rows, (const char *)t, (size_t)len, err)
                       : ddb_error_set(err, DDB_ERR_NOMEM, "out of memory reading column %d", i);
            }
        }
        if (rc)
            goto done;
    }
    if (s != SQLITE_DONE)
        rc = fail(l, s, sql, err);
done:
    done_with(st);
    return rc;
}

static int lite_script(ddb_sql_conn *c, const char *sql, ddb_error *err)
{
    lite *l = c->h;
    const char *next = sql;
    int index = 0;
    while (next && *next) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(l->db, next, -1, &st, &tail);
        if (rc != SQLITE_OK) {
            int code = fail(l, rc, next, err);
            if (err)
                snprintf(err->message, sizeof(err->message), "statement %d of the script: %s",
                         index + 1, sqlite3_errmsg(l->db));
            return code;
        }
        next = tail;
        if (!st)
            continue; /* only blanks or comments were left */
        index++;
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW)
            ;
        if (s != SQLITE_DONE) {
            int code = fail(l, s, sql, err);
            if (err)
                snprintf(err->message, sizeof(err->message), "statement %d of the script: %s",
                         index, sqlite3_errmsg(l->db));
            sqlite3_finalize(st);
            return code;
        }
        sqlite3_finalize(st);
    }
    /* A schema change makes the cached statements re-prepare themselves; nothing to drop. */
    return 0;
}

const ddb_sql__driver ddb_sql__sqlite_driver = {
    .connect = lite_connect,
    .disconnect = lite_disconnect,
    .exec = lite_exec,
    .query = lite_query,
    .script = lite_script,
    /* IMMEDIATE takes the write lock at BEGIN: two deferred transactions that both read and then
     * write would deadlock on the upgrade, which SQLite reports at once instead of waiting. */
    .begin_sql = "BEGIN IMMEDIATE",
};
