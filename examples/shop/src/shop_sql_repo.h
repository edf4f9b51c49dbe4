/*
 * The shop's relational repository: the hand-written implementation of the generated
 * `struct shop__repo` over SQLite or MariaDB (sqldb.h). This is the "existing code behind the
 * indirection": the application talks to shop__repo only, and this file is the one place that
 * knows SQL.
 *
 * Thread safety: a repository may be used from several threads at once; every call takes its own
 * connection from the ddb_sql pool.
 */
#ifndef SHOP_SQL_REPO_H
#define SHOP_SQL_REPO_H

#include "ddb/sql/sqldb.h"
#include "shop.h"

/*
 * Creates the tables (the schema for db's dialect, idempotent: CREATE TABLE IF NOT EXISTS).
 * Returns 0 or a ddb_error_code.
 */
int shop_sql_apply_schema(ddb_sql *db, ddb_error *err);

/*
 * The repository over db. db is borrowed and must outlive the repository, unless take_db is
 * true, in which case shop__repo_free closes it. *out is the caller's (shop__repo_free).
 * Returns 0, DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM.
 */
int shop_sql_repo_new(shop__repo **out, ddb_sql *db, bool take_db, ddb_error *err);

#endif
