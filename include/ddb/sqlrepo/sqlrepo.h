/*
 * ddb/sqlrepo/sqlrepo.h - libddbkit-sqlrepo: the members of a generated repository over
 * libddbkit-sql (SQLite, MariaDB, PostgreSQL), for the code `ddbkit generate` writes into
 * <ns>_sql.c. The generated code is descriptors (ddb_sql_entity) and thin typed wrappers; the
 * logic is here, tested once through the generated conformance suites (gen.sqlgen.*).
 *
 * Each entity is one table of its own: one column per field (lists and objects as the
 * DynamoDB-typed JSON of their value), the version column, a key column per key attribute
 * ("ddb_key_<attribute>", the DynamoDB value, which queries compare and order by), the primary
 * key from the entity's key fields and a UNIQUE constraint per unique value set
 * (docs/design/sql-types.md). The
 * members behave as the DynamoDB ones (ddb_store_* in ddb/dal/entity.h) and report the same
 * error codes: DDB_ERR_ITEM_EXISTS, DDB_ERR_UNIQUE_TAKEN (err->field names the value set),
 * DDB_ERR_STALE_VERSION, DDB_ERR_ITEM_NOT_FOUND, DDB_ERR_TRANSACTION_CANCELED with the failing
 * operation's index (ddb_error_set_cancelled).
 *
 * IDs: uuid and ulid as on DynamoDB; counter and source from a counter table in the same
 * database ("ddb_id_counters": name, last_id), one UPDATE per ID (no blocks).
 *
 * Thread safety: the descriptors are read-only; every function borrows a connection of the pool
 * for its call, so they may be called from several threads on one ddb_sql.
 */
#ifndef DDB_SQLREPO_H
#define DDB_SQLREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/dal/entity.h"
#include "ddb/dal/entity_patterns.h"
#include "ddb/sql/sqldb.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DDB_SQL_ENTITY_VERSION 1

/* The counter table of counter and source IDs (prefixed like the entity tables). */
#define DDB_SQL_COUNTER_TABLE "ddb_id_counters"

/* An entity as a table. */
typedef struct ddb_sql_entity {
    unsigned version; /* DDB_SQL_ENTITY_VERSION */
    const ddb_store_desc *store;
    const char *table; /* the table's name, before the prefix */
    size_t n_key;
    const int *key; /* the primary key's fields (indexes into the entity's fields), in order */
    /* store->sequence: the parent's table, before the prefix (its counter is a column there) */
    const char *parent_table;
} ddb_sql_entity;

/* What the functions below share: the pool (borrowed) and the prefix of every table name. */
typedef struct ddb_sql_repo_ctx {
    ddb_sql *db;
    const char *prefix; /* NULL: none */
} ddb_sql_repo_ctx;

/* As ddb_store_create: ID assigned, DDB_ERR_ITEM_EXISTS, DDB_ERR_UNIQUE_TAKEN; version 1. An
 * entity numbered per parent (store->sequence) takes the next number in the same transaction
 * (the parent's counter + 1, its version + 1): gapless, and DDB_ERR_ITEM_NOT_FOUND without it. */
DDB_API int ddb_sql_repo_create(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, void *obj,
                                ddb_error *err);
/* As ddb_entity_get: out fresh from __INIT, untouched when not found. */
DDB_API int ddb_sql_repo_get(void *out, bool *found, const ddb_sql_repo_ctx *x,
                             const ddb_sql_entity *e, const void *key, ddb_error *err);
/* As ddb_store_update (version 0: no check). */
DDB_API int ddb_sql_repo_update(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, void *obj,
                                ddb_error *err);
/* As ddb_store_delete (version 0: no check; delete_missing per the descriptor's flag). */
DDB_API int ddb_sql_repo_delete(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, const void *obj,
                                ddb_error *err);
/* A page of every entity in primary key order; cursor NULL: the first; limit 0: all. */
DDB_API int ddb_sql_repo_list(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                              const ddb_sql_entity *e, const char *cursor, int limit,
                              ddb_error *err);
/* As ddb_store_mirror: the stored entity of key's primary key becomes obj (NULL: absent). */
DDB_API int ddb_sql_repo_mirror(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, const void *obj,
                                const void *key, ddb_error *err);

/* One operation of ddb_sql_repo_transact (ddb_store_write with the entity as a table). */
typedef struct ddb_sql_write {
    const ddb_sql_entity *entity;
    ddb_store_op op;
    void *obj;
    const char *field;  /* ADD: an integer field that is in no key */
    int64_t delta;      /* ADD */
    int64_t min_result; /* ADD: INT64_MIN for none */
} ddb_sql_write;

/* As ddb_store_transact, in one SQL transaction. */
DDB_API int ddb_sql_repo_transact(const ddb_sql_repo_ctx *x, ddb_sql_write *ops, size_t n_ops,
                                  ddb_error *err);
/* As ddb_store_max_id and ddb_store_seed_id. */
DDB_API int ddb_sql_repo_max_id(int64_t *out, const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                                ddb_error *err);
DDB_API int ddb_sql_repo_seed_id(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e, int64_t floor,
                                 ddb_error *err);

/*
 * The access patterns beyond the storage members: each behaves as the ddb_entity_* function of
 * the same name (ddb/dal/entity.h, ddb/dal/entity_patterns.h) with the entity as a table, and
 * takes the same query descriptor. Keys, range conditions and order are those of the DynamoDB
 * items: each key attribute is a column of its own ("ddb_key_<attribute>", see
 * docs/design/sql-types.md). A page's cursor is this implementation's own (keyset: the order
 * columns of its last row, bound to q->context); DDB_ERR_CURSOR for any other.
 */
DDB_API int ddb_sql_repo_query_page(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                    const ddb_sql_entity *e, const void *key_obj,
                                    const ddb_entity_query *q, ddb_error *err);
DDB_API int ddb_sql_repo_scan_page(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                   const ddb_sql_entity *e, const ddb_entity_query *q,
                                   ddb_error *err);
DDB_API int ddb_sql_repo_query_one(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                   const ddb_sql_entity *e, const void *key_obj,
                                   const ddb_entity_query *q, ddb_error *err);
DDB_API int ddb_sql_repo_scan_one(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                  const ddb_sql_entity *e, const ddb_entity_query *q,
                                  ddb_error *err);
/* As ddb_entity_get: ddb_sql_repo_get, always consistent. */
DDB_API int ddb_sql_repo_get_item(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                  const ddb_sql_entity *e, const void *key, bool consistent,
                                  ddb_error *err);
/* As ddb_entity_update_fields: read, change and write in one transaction. */
DDB_API int ddb_sql_repo_update_fields(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                       const ddb_sql_entity *e, const void *key_obj,
                                       const size_t *fields, size_t n_fields, ddb_error *err);
DDB_API int ddb_sql_repo_delete_key(bool *deleted, const ddb_sql_repo_ctx *x,
                                    const ddb_sql_entity *e, const void *key_obj, ddb_error *err);
DDB_API int ddb_sql_repo_delete_returning(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                          const ddb_sql_entity *e, const void *key_obj,
                                          ddb_error *err);

/* As ddb_entity_batch_get (reads are always consistent) and ddb_entity_batch_write (in one
 * transaction: all or none). */
DDB_API int ddb_sql_repo_batch_get(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                   const ddb_sql_entity *e, const void *keys, size_t n_keys,
                                   bool consistent, ddb_error *err);
DDB_API int ddb_sql_repo_batch_write(const ddb_sql_repo_ctx *x, const ddb_sql_entity *e,
                                     const void *items, size_t n, bool del, ddb_error *err);
/* The _partial queries of ddb/dal/entity_patterns.h: only the fields present[0..n_present) keep
 * their values, as from an index that does not project the others. */
DDB_API int ddb_sql_repo_query_page_partial(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                            const ddb_sql_entity *e, const void *key_obj,
                                            const ddb_entity_query *q, const size_t *present,
                                            size_t n_present, ddb_error *err);
DDB_API int ddb_sql_repo_scan_page_partial(ddb_entity_page *out, const ddb_sql_repo_ctx *x,
                                           const ddb_sql_entity *e, const ddb_entity_query *q,
                                           const size_t *present, size_t n_present, ddb_error *err);
DDB_API int ddb_sql_repo_query_one_partial(void *out, bool *found, const ddb_sql_repo_ctx *x,
                                           const ddb_sql_entity *e, const void *key_obj,
                                           const ddb_entity_query *q, const size_t *present,
                                           size_t n_present, ddb_error *err);

/*
 * As ddb_entity_query_mixed and ddb_entity_scan_mixed: the items of every entity of ents (all
 * the model's, in kind order) stored in the same DynamoDB table (e's, or table: its name in the
 * model) that the query or scan matches, merged in the query's order. which[i] indexes ents.
 * Each row has all its fields: partial changes nothing (docs/generated-code.md).
 */
DDB_API int ddb_sql_repo_query_mixed(ddb_entity_mixed_page *out, const ddb_sql_repo_ctx *x,
                                     const ddb_sql_entity *const *ents, size_t n_ents,
                                     size_t item_size, size_t obj_offset, bool partial,
                                     const ddb_sql_entity *e, const void *key_obj,
                                     const ddb_entity_query *q, ddb_error *err);
DDB_API int ddb_sql_repo_scan_mixed(ddb_entity_mixed_page *out, const ddb_sql_repo_ctx *x,
                                    const ddb_sql_entity *const *ents, size_t n_ents,
                                    size_t item_size, size_t obj_offset, bool partial,
                                    const char *table, const ddb_entity_query *q, ddb_error *err);

/*
 * As ddb_entity_transact_write and ddb_entity_transact_get, in one SQL transaction; each op's
 * table is the entity of ents (the model's, in kind order) whose descriptor is op->desc. A
 * condition is one on the item's existence (attribute_exists or attribute_not_exists of a primary
 * key attribute), others are DDB_ERR_INVALID_ARG.
 */
DDB_API int ddb_sql_repo_transact_write(const ddb_sql_repo_ctx *x,
                                        const ddb_sql_entity *const *ents, size_t n_ents,
                                        const ddb_entity_tx_op *ops, size_t n, ddb_error *err);
DDB_API int ddb_sql_repo_transact_get(void *const *outs, bool *found, const ddb_sql_repo_ctx *x,
                                      const ddb_sql_entity *const *ents, size_t n_ents,
                                      const ddb_entity_tx_op *ops, size_t n, ddb_error *err);

/*
 * Runs a generated schema script (`;`-separated statements) with every "{prefix}" in it
 * replaced by x->prefix.
 */
DDB_API int ddb_sql_repo_exec_schema(const ddb_sql_repo_ctx *x, const char *script, ddb_error *err);
/* ddb_sql_repo_exec_schema of the script lines[0], lines[1], ... up to a NULL, joined. */
DDB_API int ddb_sql_repo_exec_schema_lines(const ddb_sql_repo_ctx *x, const char *const *lines,
                                           ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_SQLREPO_H */
