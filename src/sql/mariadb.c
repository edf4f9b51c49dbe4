/*
 * ddb_sql_mariadb.c - the MariaDB (MySQL) driver of ddb_sql, over libmariadb's C API with server-side
 * prepared statements.
 *
 * Every connection is set up the same way so the shop sees SQLite's behaviour where it matters:
 * utf8mb4 with the binary collation, strict SQL mode (bad values fail instead of being truncated),
 * CLIENT_FOUND_ROWS (matched rather than changed rows), READ COMMITTED and UTC.
 */
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql_internal.h"

typedef struct maria {
    MYSQL *m;
    ddb_sql__stmt_cache cache;
} maria;

static const char session_setup[] =
    "SET NAMES utf8mb4 COLLATE utf8mb4_bin, "
    "SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,"
    "NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION', "
    "SESSION tx_isolation = 'READ-COMMITTED', SESSION time_zone = '+00:00', "
    "SESSION innodb_lock_wait_timeout = 10";

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_rc;

/* mysql_library_init is not thread-safe and must run before the first mysql_init. */
static void library_init(void)
{
    library_rc = mysql_library_init(0, NULL, NULL);
}

static bool network_errno(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
           e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED || e == CR_UNKNOWN_HOST ||
           e == ER_CONNECTION_KILLED || e == ER_SERVER_SHUTDOWN;
}

/* Copy the text between the first `open` after `from` and the next `close`, into out. */
static bool between(const char *from, const char *open, char close, char *out, size_t cap)
{
    const char *s = from ? strstr(from, open) : NULL;
    if (!s)
        return false;
    s += strlen(open);
    const char *e = strchr(s, close);
    if (!e || (size_t)(e - s) >= cap)
        return false;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return true;
}

/* The table an INSERT/REPLACE/UPDATE writes to, from the statement text: MariaDB's duplicate-key
 * message names only the key. */
static bool target_table(const char *sql, char *out, size_t cap)
{
    static const char *const lead[] = {"INSERT", "REPLACE", "UPDATE"};
    const char *s = sql;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    bool known = false;
    for (size_t i = 0; i < sizeof(lead) / sizeof(lead[0]); i++)
        if (ddb_sql__starts_with_word(s, lead[i])) {
            s += strlen(lead[i]);
            known = true;
        }
    if (!known)
        return false;
    /* Skip modifiers and INTO. */
    static const char *const skip[] = {"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE",
                                       "INTO"};
    for (bool again = true; again;) {
        again = false;
        while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
            s++;
        for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
            if (ddb_sql__starts_with_word(s, skip[i])) {
                s += strlen(skip[i]);
                again = true;
            }
    }
    size_t n = 0;
    if (*s == '`')
        s++;
    while (s[n] && s[n] != '`' && s[n] != ' ' && s[n] != '(' && s[n] != '\n' && s[n] != '\t')
        n++;
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    /* db.table: keep the table */
    char *dot = strchr(out, '.');
    if (dot)
        memmove(out, dot + 1, strlen(dot + 1) + 1);
    return true;
}

/* "users.username, users.email" for the columns of key `key` on `table`, looked up in
 * information_schema on the same connection (the failed statement left it usable). */
static bool key_columns(MYSQL *m, const char *table, const char *key, char *out, size_t cap)
{
    char et[200], ek[200], q[700];
    if (strlen(table) >= sizeof(et) / 2 || strlen(key) >= sizeof(ek) / 2)
        return false;
    mysql_real_escape_string(m, et, table, (unsigned long)strlen(table));
    mysql_real_escape_string(m, ek, key, (unsigned long)strlen(key));
    snprintf(q, sizeof(q),
             "SELECT column_name FROM information_schema.statistics WHERE table_schema = DATABASE()"
             " AND table_name = '%s' AND index_name = '%s' ORDER BY seq_in_index",
             et, ek);
    if (mysql_real_query(m, q, (unsigned long)strlen(q)) != 0)
        return false;
    MYSQL_RES *res = mysql_store_result(m);
    if (!res)
        return false;
    size_t len = 0;
    out[0] = '\0';
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)) != NULL) {
        int w = snprintf(out + len, cap - len, "%s%s.%s", len ? ", " : "", table,
                         row[0] ? row[0] : "?");
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
    }
    mysql_free_result(res);
    return len > 0;
}

/* Map a server or client error to a ddb_error, in the message shapes sqldb.h promises. */
static int map_error(ddb_sql_conn *c, unsigned e, const char *msg, const char *sql, ddb_error *err)
{
    maria *h = c->h;
    char a[200], b[200], cols[400];
    switch (e) {
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
    case ER_DUP_KEY: {
        /* "Duplicate entry 'x' for key 'username'" (newer servers: 'users.username') */
        const char *k = strstr(msg, "for key '");
        if (k && between(k, "for key '", '\'', b, sizeof(b))) {
            char *dot = strrchr(b, '.');
            char *key = dot ? dot + 1 : b;
            if (target_table(sql, a, sizeof(a)) && key_columns(h->m, a, key, cols, sizeof(cols)))
                return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "UNIQUE constraint failed: %s",
                                     cols);
            return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "UNIQUE constraint failed: key %s",
                                 key);
        }
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "UNIQUE constraint failed: %s", msg);
    }
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2: {
        /* "... a foreign key constraint fails (`shop`.`orders`, CONSTRAINT `x` FOREIGN KEY
         * (`user_id`) REFERENCES `users` (`id`))" */
        const char *t = strstr(msg, "`.`");
        if (t && between(t, "`.`", '`', a, sizeof(a)) &&
            between(msg, "FOREIGN KEY (`", '`', b, sizeof(b)))
            return ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                                 "FOREIGN KEY constraint failed: %s.%s", a, b);
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "FOREIGN KEY constraint failed (%s)",
                             msg);
    }
    case ER_CONSTRAINT_FAILED:
        /* "CONSTRAINT `products.inventory` failed for `shop`.`products`" (a column CHECK is
         * named table.column; a table CHECK by its name) */
        if (between(msg, "CONSTRAINT `", '`', a, sizeof(a)))
            return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "CHECK constraint failed: %s", a);
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "CHECK constraint failed (%s)", msg);
    case ER_BAD_NULL_ERROR:
        if (between(msg, "Column '", '\'', a, sizeof(a))) {
            if (target_table(sql, b, sizeof(b)))
                return ddb_error_set(err, DDB_ERR_INVALID_ARG, "NOT NULL constraint failed: %s.%s",
                                     b, a);
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "NOT NULL constraint failed: %s", a);
        }
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "NOT NULL constraint failed (%s)", msg);
    case ER_NO_DEFAULT_FOR_FIELD:
    case ER_DATA_TOO_LONG:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_TRUNCATED_WRONG_VALUE:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "MariaDB: %s", msg);
    case ER_LOCK_DEADLOCK:
        return ddb_sql__contention(err, "MariaDB deadlock; the transaction was rolled back (%s)",
                                   msg);
    case ER_LOCK_WAIT_TIMEOUT:
        return ddb_sql__contention(err, "MariaDB lock wait timeout (%s)", msg);
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
        return ddb_error_set(err, DDB_ERR_AUTH, "MariaDB: %s", msg);
    case ER_BAD_DB_ERROR:
        return ddb_error_set(err, DDB_ERR_CONFIG, "MariaDB: %s", msg);
    case CR_OUT_OF_MEMORY:
        return ddb_error_set(err, DDB_ERR_NOMEM, "MariaDB client: %s", msg);
    default:
        break;
    }
    if (network_errno(e)) {
        c->broken = true;
        return ddb_error_set(err, DDB_ERR_NETWORK, "MariaDB connection lost (%u): %s", e, msg);
    }
    return ddb_error_set(err, DDB_ERR_SERVICE, "MariaDB error %u: %s (in: %.120s)", e, msg, sql);
}

static int maria_connect(ddb_sql *db, void **handle, ddb_error *err)
{
    pthread_once(&library_once, library_init);
    if (library_rc != 0)
        return ddb_error_set(err, DDB_ERR_CONFIG, "mysql_library_init failed");
    /* libmariadb keeps per-thread state only when asked; calling it is cheap and harmless. */
    mysql_thread_init();
    maria *h = calloc(1, sizeof(*h));
    if (!h || !(h->m = mysql_init(NULL))) {
        free(h);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening a MariaDB connection");
    }
    unsigned timeout = 10;
    mysql_optionsv(h->m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(h->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char *host = db->host && *db->host ? db->host : NULL;
    if (!mysql_real_connect(h->m, host, db->user ? db->user : "root", db->password, db->database,
                            db->port, db->socket, CLIENT_FOUND_ROWS)) {
        unsigned e = mysql_errno(h->m);
        /* The server's text names the user and says "using password: YES/NO", never the
         * password itself. */
        int code = network_errno(e)                                               ? DDB_ERR_NETWORK
                   : e == ER_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR ? DDB_ERR_AUTH
                   : e == ER_BAD_DB_ERROR                                         ? DDB_ERR_CONFIG
                                                                                  : DDB_ERR_SERVICE;
        ddb_error_set(err, code, "cannot connect to MariaDB (%s%s%s, database %s): %s",
                      db->socket ? "socket " : "host ",
                      db->socket ? db->socket : (host ? host : "localhost"), "", db->database,
                      mysql_error(h->m));
        mysql_close(h->m);
        free(h);
        return code;
    }
    if (mysql_real_query(h->m, session_setup, (unsigned long)strlen(session_setup)) != 0) {
        int code = ddb_error_set(err, DDB_ERR_CONFIG, "MariaDB session setup failed: %s",
                                 mysql_error(h->m));
        mysql_close(h->m);
        free(h);
        return code;
    }
    *handle = h;
    return 0;
}

static void maria_disconnect(void *handle)
{
    maria *h = handle;
    if (!h)
        return;
    for (size_t i = 0; i < DDB_SQL__STMT_CACHE; i++) {
        if (h->cache.stmt[i])
            mysql_stmt_close(h->cache.stmt[i]);
        free(h->cache.sql[i]);
    }
    mysql_close(h->m);
    free(h);
}

static int fail_stmt(ddb_sql_conn *c, MYSQL_STMT *st, const char *sql, ddb_error *err)
{
    return map_error(c, mysql_stmt_errno(st), mysql_stmt_error(st), sql, err);
}

static int prepare(ddb_sql_conn *c, const char *sql, MYSQL_STMT **out, ddb_error *err)
{
    maria *h = c->h;
    for (size_t i = 0; i < DDB_SQL__STMT_CACHE; i++) {
        if (h->cache.sql[i] && strcmp(h->cache.sql[i], sql) == 0) {
            *out = h->cache.stmt[i];
            return 0;
        }
    }
    MYSQL_STMT *st = mysql_stmt_init(h->m);
    if (!st)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory preparing a MariaDB statement");
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
        int rc = fail_stmt(c, st, sql, err);
        mysql_stmt_close(st);
        return rc;
    }
    char *copy = strdup(sql);
    if (!copy) {
        mysql_stmt_close(st);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory caching a statement");
    }
    size_t v = h->cache.next_victim;
    h->cache.next_victim = (v + 1) % DDB_SQL__STMT_CACHE;
    if (h->cache.stmt[v])
        mysql_stmt_close(h->cache.stmt[v]);
    free(h->cache.sql[v]);
    h->cache.sql[v] = copy;
    h->cache.stmt[v] = st;
    *out = st;
    return 0;
}

/* Bind the parameters and execute. binds/ints are caller storage of n entries. */
static int run(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n, MYSQL_STMT **out,
               ddb_error *err)
{
    MYSQL_STMT *st = NULL;
    int rc = prepare(c, sql, &st, err);
    if (rc)
        return rc;
    unsigned long want = mysql_stmt_param_count(st);
    if (want != n)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "ddb_sql: statement has %lu parameters, %zu given: %.80s", want, n,
                             sql);
    MYSQL_BIND *b = n ? calloc(n, sizeof(*b)) : NULL;
    unsigned long *lens = n ? calloc(n, sizeof(*lens)) : NULL;
    if (n && (!b || !lens)) {
        free(b);
        free(lens);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory binding %zu parameters", n);
    }
    for (size_t i = 0; i < n; i++) {
        switch (p[i].type) {
        case DDB_SQL_INT:
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = (void *)&p[i].i;
            break;
        case DDB_SQL_TEXT:
            if (p[i].s) {
                lens[i] = (unsigned long)strlen(p[i].s);
                b[i].buffer_type = MYSQL_TYPE_STRING;
                b[i].buffer = (void *)p[i].s;
                b[i].buffer_length = lens[i];
                b[i].length = &lens[i];
            } else {
                b[i].buffer_type = MYSQL_TYPE_NULL;
            }
            break;
        case DDB_SQL_NULL:
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        default:
            free(b);
            free(lens);
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "ddb_sql: parameter %zu has unknown type %d", i + 1,
                                 (int)p[i].type);
        }
    }
    if ((n && mysql_stmt_bind_param(st, b) != 0) || mysql_stmt_execute(st) != 0)
        rc = fail_stmt(c, st, sql, err);
    free(b);
    free(lens);
    if (rc)
        return rc;
    *out = st;
    return 0;
}

static int maria_exec(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                      int64_t *last_id, int64_t *changed, ddb_error *err)
{
    MYSQL_STMT *st = NULL;
    int rc = run(c, sql, p, n, &st, err);
    if (rc)
        return rc;
    my_ulonglong affected = mysql_stmt_affected_rows(st);
    if (changed)
        *changed = affected == (my_ulonglong)-1 ? 0 : (int64_t)affected;
    if (last_id)
        *last_id = (int64_t)mysql_stmt_insert_id(st);
    if (mysql_stmt_field_count(st) > 0) /* a statement with rows: drain them */
        mysql_stmt_free_result(st);
    return 0;
}

#define COL_BUF 64

static int maria_query(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                       ddb_sql_rows *rows, ddb_error *err)
{
    MYSQL_STMT *st = NULL;
    int rc = run(c, sql, p, n, &st, err);
    if (rc)
        return rc;
    unsigned ncols = mysql_stmt_field_count(st);
    rc = ddb_sql__rows_init(rows, (int)ncols, err);
    if (rc || ncols == 0)
        return rc;
    MYSQL_BIND *b = calloc(ncols, sizeof(*b));
    unsigned long *len = calloc(ncols, sizeof(*len));
    my_bool *is_null = calloc(ncols, sizeof(*is_null));
    my_bool *trunc = calloc(ncols, sizeof(*trunc));
    char *small = calloc(ncols, COL_BUF);
    char *big = NULL;
    if (!b || !len || !is_null || !trunc || !small) {
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory reading %u columns", ncols);
        goto done;
    }
    /* Every column is fetched as text, converted by the client library: the shop's columns are
     * integers and strings, and ddb_sql_rows hands out both from text. */
    for (unsigned i = 0; i < ncols; i++) {
        b[i].buffer_type = MYSQL_TYPE_STRING;
        b[i].buffer = small + (size_t)i * COL_BUF;
        b[i].buffer_length = COL_BUF;
        b[i].length = &len[i];
        b[i].is_null = &is_null[i];
        b[i].error = &trunc[i];
    }
    if (mysql_stmt_bind_result(st, b) != 0 || mysql_stmt_store_result(st) != 0) {
        rc = fail_stmt(c, st, sql, err);
        goto done;
    }
    for (;;) {
        int f = mysql_stmt_fetch(st);
        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1) {
            rc = fail_stmt(c, st, sql, err);
            goto done;
        }
        for (unsigned i = 0; i < ncols && rc == 0; i++) {
            if (is_null[i]) {
                rc = ddb_sql__rows_add(rows, NULL, 0, err);
            } else if (len[i] <= COL_BUF) {
                rc = ddb_sql__rows_add(rows, small + (size_t)i * COL_BUF, len[i], err);
            } else {
                /* Longer than the first buffer: fetch this column again, whole. */
                char *nb = realloc(big, len[i] + 1);
                if (!nb) {
                    rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory reading %lu bytes",
                                       len[i]);
                    break;
                }
                big = nb;
                MYSQL_BIND one = {0};
                unsigned long got = 0;
                one.buffer_type = MYSQL_TYPE_STRING;
                one.buffer = big;
                one.buffer_length = len[i] + 1;
                one.length = &got;
                if (mysql_stmt_fetch_column(st, &one, i, 0) != 0) {
                    rc = fail_stmt(c, st, sql, err);
                    break;
                }
                rc = ddb_sql__rows_add(rows, big, got < len[i] ? got : len[i], err);
            }
        }
        if (rc)
            goto done;
    }
done:
    mysql_stmt_free_result(st);
    free(b);
    free(len);
    free(is_null);
    free(trunc);
    free(small);
    free(big);
    return rc;
}

static int maria_script(ddb_sql_conn *c, const char *sql, ddb_error *err)
{
    maria *h = c->h;
    /* Multi-statements only for the script, so a stray `;` in an ordinary statement stays an
     * error rather than a second statement. */
    if (mysql_set_server_option(h->m, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
        return map_error(c, mysql_errno(h->m), mysql_error(h->m), sql, err);
    int rc = 0;
    int index = 1;
    if (mysql_real_query(h->m, sql, (unsigned long)strlen(sql)) != 0) {
        rc = map_error(c, mysql_errno(h->m), mysql_error(h->m), sql, err);
    } else {
        for (;;) {
            MYSQL_RES *res = mysql_store_result(h->m);
            if (res)
                mysql_free_result(res);
            int more = mysql_next_result(h->m);
            if (more == -1)
                break;
            index++;
            if (more > 0) {
                rc = map_error(c, mysql_errno(h->m), mysql_error(h->m), sql, err);
                break;
            }
        }
    }
    if (rc && err) {
        /* Prefix the statement's index; the tail of an over-long message is cut. */
        char prefix[48];
        int np = snprintf(prefix, sizeof(prefix), "statement %d of the script: ", index);
        size_t keep = sizeof(err->message) - 1 - (size_t)np;
        memmove(err->message + np, err->message, keep);
        err->message[sizeof(err->message) - 1] = '\0';
        memcpy(err->message, prefix, (size_t)np);
    }
    if (!c->broken)
        mysql_set_server_option(h->m, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
    return rc;
}

const ddb_sql__driver ddb_sql__mariadb_driver = {
    .connect = maria_connect,
    .disconnect = maria_disconnect,
    .exec = maria_exec,
    .query = maria_query,
    .script = maria_script,
    .begin_sql = "START TRANSACTION",
};
