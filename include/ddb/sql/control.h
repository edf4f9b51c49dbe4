/*
 * ddb/sql/control.h - the migration's control row in the relational database: the phase every
 * process of an application routes by, in a table `ddbkit_control` (name, phase, changed), one
 * row per router name. Its read and store functions have the shape of ddb_router_phase_source's
 * callbacks (ddb/dal/router.h), so a router reads its phase from here:
 *
 *     ddb_sql_control *ctl;
 *     ddb_sql_control_new(&ctl, db, "shop", &err);
 *     cfg.phase_source = (ddb_router_phase_source){ddb_sql_control_read_phase,
 *                                                  ddb_sql_control_store_phase, ctl, 1000};
 *
 * SQLite, MariaDB and PostgreSQL; every value is a bound parameter.
 *
 * Thread safety: a ddb_sql_control may be used from several threads at once (each call takes
 * its own connection from the pool). ddb_sql_control_free once, last.
 */
#ifndef DDB_SQL_CONTROL_H
#define DDB_SQL_CONTROL_H

#include "ddb/core/error.h"
#include "ddb/core/export.h"
#include "ddb/sql/sqldb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_sql_control ddb_sql_control;

/* The longest router name a control row takes (the column is VARCHAR of this). */
#define DDB_SQL_CONTROL_NAME_MAX 128

/*
 * The control row `name` over db (borrowed: it must outlive the control), creating the table
 * when it is missing. Returns 0, DDB_ERR_INVALID_ARG (name empty or longer than
 * DDB_SQL_CONTROL_NAME_MAX bytes), DDB_ERR_NOMEM, or the database's error. *out is the
 * caller's: ddb_sql_control_free.
 */
DDB_API int ddb_sql_control_new(ddb_sql_control **out, ddb_sql *db, const char *name,
                                ddb_error *err);
DDB_API void ddb_sql_control_free(ddb_sql_control *c); /* NULL-safe */

/*
 * The stored phase into *phase: 1..5, or 0 when the row does not exist yet. control is a
 * ddb_sql_control. Returns 0 or the database's error (*phase untouched).
 */
DDB_API int ddb_sql_control_read_phase(void *control, int *phase, ddb_error *err);

/*
 * Stores phase (1..5) in the row, creating it when missing, and counts the change (column
 * changed). Returns 0, DDB_ERR_INVALID_ARG (phase not 1..5) or the database's error.
 */
DDB_API int ddb_sql_control_store_phase(void *control, int phase, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_SQL_CONTROL_H */
