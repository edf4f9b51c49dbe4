/*
 * ddb/dal/entity_patterns.h - the runtime behind the access-pattern members that `ddbkit generate`
 * emits beyond plain CRUD: entities built from typed parameters, queries whose items are of
 * several entity types (mixed_data), and cross-table transactions.
 *
 * Like ddb/dal/entity.h it knows no schema: the generated code passes its entity descriptors.
 *
 * Thread safety: descriptors are read-only; the structs passed in belong to one thread.
 */
#ifndef DDB_ENTITY_PATTERNS_H
#define DDB_ENTITY_PATTERNS_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/core/error.h"
#include "ddb/dal/entity.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Sets fields[i] of obj to a copy of args[i], for i < n (strings and decimals are copied, so obj
 * owns them; the previous values are freed). A STRING/UUID argument with s NULL clears the field.
 * DDB_ERR_INVALID_ARG when a kind does not fit its field or a UUID is malformed (the message
 * names the field), DDB_ERR_NUMBER for a bad decimal; obj may then hold some of the new values,
 * all of them owned.
 */
DDB_API int ddb_entity_set_fields(void *obj, const ddb_entity_desc *d, const size_t *fields,
                                  const ddb_entity_arg *args, size_t n, ddb_error *err);

/*
 * The index in descs[0..n) of the entity type of a stored item, or -1 when none fits. An entity
 * fits when each of its primary key attributes is present and starts with the literal text of
 * its template before the first placeholder (equals it, for a template without placeholders);
 * the entity with the longest such literal text wins, the first one on a tie.
 */
DDB_API int ddb_entity_classify(const ddb_entity_desc *const *descs, size_t n,
                                const ddb_value *item);

/*
 * A page of items of several entity types: n elements of the caller's item type (item_size
 * bytes each, the entity struct at obj_offset), which[i] the descs index of element i.
 */
typedef struct ddb_entity_mixed_page {
    size_t n;
    void *items;   /* malloc'd */
    size_t *which; /* malloc'd */
    char *cursor;  /* NULL: the last page */
} ddb_entity_mixed_page;

/*
 * Runs one Query page like ddb_entity_query_page (the key condition from d, key_obj and q, and
 * q's filter when set), but keeps every item whose type ddb_entity_classify finds among descs,
 * in the order DynamoDB returns them; items of no known type are left out. out is filled on
 * success; free it with ddb_entity_mixed_page_free and the same descs. The descs are in kind order, so which[i] + 1 is
 * the generated kind tag. partial: the index does not project every attribute, so no field is
 * required (those not projected have no value).
 */
DDB_API int ddb_entity_query_mixed(ddb_entity_mixed_page *out, ddb_client *c,
                                   const ddb_entity_desc *const *descs, size_t n_descs,
                                   size_t item_size, size_t obj_offset, bool partial,
                                   const ddb_entity_desc *d, const char *table, const void *key_obj,
                                   const ddb_entity_query *q, ddb_error *err);

/*
 * One Scan page of table (or q->index) with q's limit, cursor and consistency, keeping the items
 * of every type among descs as ddb_entity_query_mixed does. q's key members and filter are not
 * used (DDB_ERR_INVALID_ARG when q has a filter).
 */
DDB_API int ddb_entity_scan_mixed(ddb_entity_mixed_page *out, ddb_client *c,
                                  const ddb_entity_desc *const *descs, size_t n_descs,
                                  size_t item_size, size_t obj_offset, bool partial,
                                  const char *table, const ddb_entity_query *q, ddb_error *err);

DDB_API void ddb_entity_mixed_page_free(const ddb_entity_desc *const *descs,
                                        ddb_entity_mixed_page *p);

/* ---- single results and batches ------------------------------------------------------------ */

/*
 * Runs q (pages of ddb_entity_query_page, following the cursor) until an item of d turns up: out
 * (fresh from __INIT) receives the first one and *found is true; *found is false when there is
 * none. For Query patterns that return a single entity (a GSI whose key is unique by design).
 */
DDB_API int ddb_entity_query_one(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                                 const char *table, const void *key_obj, const ddb_entity_query *q,
                                 ddb_error *err);

/*
 * Sets fields[0..n_fields) of dst to copies of src's values (a value src does not have is
 * removed from dst). The fields must be scalars (not lists, not objects): DDB_ERR_INVALID_ARG.
 * For UpdateItem patterns that read, change and write back a whole entity.
 */
DDB_API int ddb_entity_copy_fields(void *dst, const void *src, const ddb_entity_desc *d,
                                   const size_t *fields, size_t n_fields, ddb_error *err);

/* ddb_entity_query_one for a Scan: pages of ddb_entity_scan_page until an item of d turns up. */
DDB_API int ddb_entity_scan_one(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                                const char *table, const ddb_entity_query *q, ddb_error *err);

/*
 * DeleteItem of the item whose primary key the key fields of key_obj give, returning it: out
 * (fresh from __INIT) receives the deleted entity and *found is true; *found is false when there
 * was none. No version check.
 */
DDB_API int ddb_entity_delete_returning(void *out, bool *found, ddb_client *c,
                                        const ddb_entity_desc *d, const char *table,
                                        const void *key_obj, ddb_error *err);

/*
 * BatchGetItem through ddb_batch_getter: the items whose keys the key fields of keys[0..n_keys)
 * (structs of d->size) give, in request order, missing ones left out; out->cursor is NULL. out is
 * filled on success (ddb_entity_page_free).
 */
DDB_API int ddb_entity_batch_get(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                                 const char *table, const void *keys, size_t n_keys,
                                 bool consistent_read, ddb_error *err);

/*
 * BatchWriteItem through ddb_batch_writer: unconditional puts of items[0..n) (structs of d->size;
 * the version attribute is written as each item's version member, 1 when that is 0), or, when
 * del, deletes of their keys. DDB_ERR_* of the first failure, the message counting them.
 */
DDB_API int ddb_entity_batch_write(ddb_client *c, const ddb_entity_desc *d, const char *table,
                                   const void *items, size_t n, bool del, ddb_error *err);

/* ---- partial entities (indexes that project KEYS_ONLY or INCLUDE) ------------------------------ */

/*
 * ddb_entity_query_page, ddb_entity_scan_page and ddb_entity_query_one for an index that does not
 * project every attribute: only the fields present[0..n_present) (field indexes) are required;
 * the others are filled when the item has them and otherwise have no value.
 */
DDB_API int ddb_entity_query_page_partial(ddb_entity_page *out, ddb_client *c,
                                          const ddb_entity_desc *d, const char *table,
                                          const void *key_obj, const ddb_entity_query *q,
                                          const size_t *present, size_t n_present, ddb_error *err);
DDB_API int ddb_entity_scan_page_partial(ddb_entity_page *out, ddb_client *c,
                                         const ddb_entity_desc *d, const char *table,
                                         const ddb_entity_query *q, const size_t *present,
                                         size_t n_present, ddb_error *err);
DDB_API int ddb_entity_query_one_partial(void *out, bool *found, ddb_client *c,
                                         const ddb_entity_desc *d, const char *table,
                                         const void *key_obj, const ddb_entity_query *q,
                                         const size_t *present, size_t n_present, ddb_error *err);

/*
 * A copy of d in which only the fields present[0..n_present) keep their required flag (all lose
 * it when present is NULL). *out and its fields are malloc'd: free with ddb_entity_desc_free.
 */
DDB_API int ddb_entity_desc_partial(ddb_entity_desc **out, const ddb_entity_desc *d,
                                    const size_t *present, size_t n_present, ddb_error *err);
DDB_API void ddb_entity_desc_free(ddb_entity_desc *d);

/* ---- multi-attribute index keys --------------------------------------------------------------- */

/*
 * A Query on an index whose partition key and/or sort key is made of several attributes (1-4
 * each). Every partition key attribute is compared with =, then the leading n_sk sort key
 * attributes; the range condition, when there is one, applies to the sort key attribute after
 * them (range_key). Each attribute's value comes from its template and the key fields of
 * key_obj; a range value is appended to the literal text before the range attribute's first
 * unbound placeholder (for an N attribute it is used alone). The key condition names its
 * attributes #k0.. and values :k0..; the filter's are ddb_expr's (#n0.., :v0..).
 */
typedef struct ddb_entity_mquery {
    const char *index;
    size_t n_pk;
    size_t pk_keys[4]; /* indexes into the descriptor's keys */
    size_t n_sk;
    size_t sk_keys[4];
    bool has_range_key;
    size_t range_key;
    size_t n_range_bound; /* placeholders of range_key bound from key_obj */
    ddb_entity_range range;
    const char *v1, *v2;
    bool scan_backward;
    int limit;
    const char *cursor;
    const char *context;
    const ddb_entity_filter *filter; /* NULL: none */
    int offset;                      /* as ddb_entity_query's */
} ddb_entity_mquery;

/*
 * The Query request of q as the JSON body DynamoDB receives (for tests and tracing: DynamoDB
 * Local 1.25.1 cannot create multi-attribute key indexes). *out is malloc'd, the caller's.
 */
DDB_API int ddb_entity_mquery_request(char **out, const ddb_entity_desc *d, const char *table,
                                      const void *key_obj, const ddb_entity_mquery *q,
                                      ddb_error *err);

/*
 * Runs one page of q: items of d (by their primary key prefixes), as ddb_entity_query_page does.
 * present/n_present: as in ddb_entity_query_page_partial; NULL when the index projects all.
 */
DDB_API int ddb_entity_mquery_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                                   const char *table, const void *key_obj,
                                   const ddb_entity_mquery *q, const size_t *present,
                                   size_t n_present, ddb_error *err);

/* One page of q with items of every type among descs, as ddb_entity_query_mixed. */
DDB_API int ddb_entity_mquery_mixed(ddb_entity_mixed_page *out, ddb_client *c,
                                    const ddb_entity_desc *const *descs, size_t n_descs,
                                    size_t item_size, size_t obj_offset, bool partial,
                                    const ddb_entity_desc *d, const char *table,
                                    const void *key_obj, const ddb_entity_mquery *q,
                                    ddb_error *err);

/* ---- cross-table transactions ------------------------------------------------------------------ */

typedef enum ddb_entity_tx_action {
    DDB_ENTITY_TX_PUT = 1,   /* writes obj whole, version 1 (obj's version member is set) */
    DDB_ENTITY_TX_UPDATE,    /* writes obj whole over the stored item, version incremented */
    DDB_ENTITY_TX_DELETE,    /* deletes the item of obj's key */
    DDB_ENTITY_TX_CONDITION, /* checks condition on the item of obj's key */
    DDB_ENTITY_TX_GET        /* reads the item of obj's key */
} ddb_entity_tx_action;

/* One action: on the item of table whose key the key fields of obj give. */
typedef struct ddb_entity_tx_op {
    ddb_entity_tx_action action;
    const ddb_entity_desc *desc;
    const char *table;
    void *obj;             /* PUT/UPDATE: the entity; others: only the key fields are read */
    const char *condition; /* a ConditionExpression of the model, or NULL */
} ddb_entity_tx_op;

/*
 * TransactWriteItems of ops[0..n) (no GET). A cancelled transaction is
 * DDB_ERR_TRANSACTION_CANCELED with err->cancellation_reasons[i] for ops[i]. On success, the
 * version members of PUT and UPDATE objects are updated.
 */
DDB_API int ddb_entity_transact_write(ddb_client *c, const ddb_entity_tx_op *ops, size_t n,
                                      ddb_error *err);

/*
 * TransactGetItems of ops[0..n) (GET only). found[i] says whether ops[i]'s item exists; when it
 * does, outs[i] (fresh from __INIT) receives it. outs are untouched on failure.
 */
DDB_API int ddb_entity_transact_get(void *const *outs, bool *found, ddb_client *c,
                                    const ddb_entity_tx_op *ops, size_t n, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_ENTITY_PATTERNS_H */
