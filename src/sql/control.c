/*
 * The migration's control row (ddb/sql/control.h): one table, one row per router name, read and
 * written with bound parameters only.
 */
#include "ddb/sql/control.h"

#include <stdlib.h>
#include <string.h>

struct ddb_sql_control {
    ddb_sql *db;
    char *name;
};

/* `changed` counts the switches: a reader can tell a switch back and forth from none. */
static const char create_table[] = "CREATE TABLE IF NOT EXISTS ddbkit_control ("
                                   "name VARCHAR(128) NOT NULL PRIMARY KEY, "
                                   "phase INTEGER NOT NULL, "
                                   "changed BIGINT NOT NULL DEFAULT 0)";

int ddb_sql_control_new(ddb_sql_control **out, ddb_sql *db, const char *name, ddb_error *err)
{
    ddb_sql_control *c;
    ddb_sql_conn *conn = NULL;
    size_t n = name ? strlen(name) : 0;
    int rc;
    if (!out || !db || !n || n > DDB_SQL_CONTROL_NAME_MAX)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "control row name must be 1..%d bytes (got %zu)",
                             DDB_SQL_CONTROL_NAME_MAX, n);
    if ((rc = ddb_sql_acquire(db, &conn, err)) != 0)
        return rc;
    rc = ddb_sql_exec(conn, create_table, NULL, 0, NULL, NULL, err);
    ddb_sql_release(conn);
    if (rc != 0)
        return rc;
    if (!(c = calloc(1, sizeof *c)) || !(c->name = malloc(n + 1))) {
        free(c);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory allocating a control row");
    }
    memcpy(c->name, name, n + 1);
    c->db = db;
    *out = c;
    return 0;
}

void ddb_sql_control_free(ddb_sql_control *c)
{
    if (!c)
        return;
    free(c->name);
    free(c);
}

int ddb_sql_control_read_phase(void *control, int *phase, ddb_error *err)
{
    ddb_sql_control *c = control;
    ddb_sql_conn *conn = NULL;
    ddb_sql_rows *rows = NULL;
    ddb_sql_param p[] = {DDB_SQL_P_TEXT(c ? c->name : NULL)};
    int rc, got;
    if (!c || !phase)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "control read: NULL argument");
    if ((rc = ddb_sql_acquire(c->db, &conn, err)) != 0)
        return rc;
    rc = ddb_sql_query(conn, "SELECT phase FROM ddbkit_control WHERE name = ?", p, 1, &rows, err);
    ddb_sql_release(conn);
    if (rc != 0)
        return rc;
    got = ddb_sql_next(rows);
    *phase = got == 1 && !ddb_sql_is_null(rows, 0) ? (int)ddb_sql_int(rows, 0) : 0;
    ddb_sql_rows_free(rows);
    return 0;
}

int ddb_sql_control_store_phase(void *control, int phase, ddb_error *err)
{
    ddb_sql_control *c = control;
    ddb_sql_conn *conn = NULL;
    ddb_sql_param p[] = {DDB_SQL_P_TEXT(c ? c->name : NULL), DDB_SQL_P_INT(phase)};
    const char *sql;
    int rc;
    if (!c)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "control store: NULL argument");
    if (phase < 1 || phase > 5)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "control row %s: phase %d is not 1..5",
                             c->name, phase);
    if ((rc = ddb_sql_acquire(c->db, &conn, err)) != 0)
        return rc;
    /* one statement: two processes storing at once never meet a missing row twice */
    if (ddb_sql_conn_dialect(conn) == DDB_SQL_MARIADB)
        sql = "INSERT INTO ddbkit_control (name, phase, changed) VALUES (?, ?, 1) "
              "ON DUPLICATE KEY UPDATE phase = VALUES(phase), changed = changed + 1";
    else
        sql = "INSERT INTO ddbkit_control (name, phase, changed) VALUES (?, ?, 1) "
              "ON CONFLICT (name) DO UPDATE SET phase = excluded.phase, "
              "changed = ddbkit_control.changed + 1";
    rc = ddb_sql_exec(conn, sql, p, 2, NULL, NULL, err);
    ddb_sql_release(conn);
    return rc;
}
