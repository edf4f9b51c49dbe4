/*
 * The SQL schema files (sql/schema.*.sql), compiled in so that the shop binary needs no data
 * files. The build generates the definitions from the .sql files.
 */
#ifndef SHOP_SQL_SCHEMA_H
#define SHOP_SQL_SCHEMA_H

extern const char shop_sql_schema_sqlite[];
extern const char shop_sql_schema_mariadb[];

#endif
