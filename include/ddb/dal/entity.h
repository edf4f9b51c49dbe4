/*
 * ddb/dal/entity.h - table-driven conversion between C structs and DynamoDB items, for the code that
 * `ddbkit generate` emits.
 *
 * The runtime knows no schema. The generator describes each entity with a static ddb_entity_desc
 * (its fields with their offsets, and its key templates), and the functions here walk that table:
 * struct to item, item to struct, key attributes from templates, and freeing. Generated code is
 * the tables plus thin typed wrappers over these functions.
 *
 * Thread safety: descriptors are read-only; a struct being converted belongs to one thread.
 *
 * Ownership: items returned through `ddb_value **out` belong to the caller (ddb_value_free). The
 * members a struct owns (strings, lists, decimals, object values) are freed by ddb_entity_free.
 */
#ifndef DDB_ENTITY_H
#define DDB_ENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of the descriptor layout below. Generated headers check it with #error, so code
 * generated for another layout fails to compile instead of misbehaving.
 */
#define DDB_ENTITY_ABI_VERSION 2

/* "No such member" in a descriptor's offsets. */
#define DDB_ENTITY_NO_OFFSET ((size_t)-1)

/*
 * An exact decimal number: its decimal string, which must pass ddb_number_validate. Never a
 * double, so that prices and amounts survive the round trip digit for digit. text is owned by
 * the containing struct (malloc'd); NULL means "no value".
 */
typedef struct ddb_decimal {
    char *text;
} ddb_decimal;

/* Sets *d to a copy of num after checking it. Frees the old text on success. */
DDB_API int ddb_decimal_set(ddb_decimal *d, const char *num, ddb_error *err);

/* The C representation of a field (or of a list's elements). */
typedef enum ddb_field_kind {
    DDB_FIELD_STRING = 1, /* char *                          <-> S */
    DDB_FIELD_INT64,      /* int64_t                         <-> N */
    DDB_FIELD_DECIMAL,    /* ddb_decimal                     <-> N */
    DDB_FIELD_BOOL,       /* bool                            <-> BOOL */
    DDB_FIELD_UUID,       /* char[37], checked 8-4-4-4-12 hex <-> S */
    DDB_FIELD_VALUE       /* ddb_value * (object: M; untyped list element: any) */
} ddb_field_kind;

/*
 * One field. A scalar lives at `offset`; an optional scalar that has no "no value" state of its
 * own (INT64, BOOL, UUID) also has a `bool has_x` at has_offset. A list (is_list) is
 * `size_t n_x` at count_offset and `T *x` at offset, stored as an L attribute. Pointer kinds
 * (STRING, DECIMAL, VALUE) use NULL for "no value"; so does an optional list (a NULL array; a
 * non-NULL array with n_x 0 is an empty list). A required list with a NULL array is empty.
 */
typedef struct ddb_field_desc {
    const char *name; /* the attribute name */
    ddb_field_kind kind;
    bool is_list;
    bool required;
    size_t offset;
    size_t has_offset;   /* DDB_ENTITY_NO_OFFSET when none */
    size_t count_offset; /* lists only */
} ddb_field_desc;

/* One part of a key template: literal text, or a field (index into the entity's fields). */
typedef struct ddb_key_part {
    const char *literal; /* NULL for a field part */
    int field;           /* -1 for a literal part */
    const char *format;  /* "{n:05d}" gives "05d"; NULL when none */
} ddb_key_part;

/*
 * A key attribute and the template that fills it. A numeric key (template exactly "{f}" with a
 * numeric field) is written as N, any other as S. A GSI key whose fields have no value is left
 * out of the item (a sparse index); a primary key must always be complete.
 */
typedef struct ddb_key_desc {
    const char *attribute;
    const char *index; /* NULL: the table's own key; otherwise the GSI's name */
    bool numeric;
    size_t n_parts;
    const ddb_key_part *parts;
} ddb_key_desc;

/*
 * A computed field (x-ddbkit.computed): its value is a template over other fields of the entity,
 * built like a key template. The runtime writes that value on every create and update (into the
 * item and into the struct) and reads give the stored value back, so the field is never a second
 * source of truth. A key template may use it; its parts are then those of this template. When a
 * field of the template has no value, the computed field has none.
 */
typedef struct ddb_computed_desc {
    int field; /* the computed field: index into the entity's fields (STRING or INT64) */
    size_t n_parts;
    const ddb_key_part *parts; /* over the other fields; never this one (no cycles) */
} ddb_computed_desc;

typedef struct ddb_entity_desc {
    unsigned version; /* DDB_ENTITY_ABI_VERSION */
    const char *name; /* the model's entity name, used in messages */
    const char *table;
    size_t size; /* sizeof the struct */
    size_t n_fields;
    const ddb_field_desc *fields;
    /* keys[0] is the partition key, keys[1] the sort key when n_primary is 2; then GSI keys. */
    size_t n_primary;
    size_t n_keys;
    const ddb_key_desc *keys;
    /* Optimistic locking: the attribute, and the int64_t in the struct that mirrors it. */
    const char *version_attribute;
    size_t version_offset;
    /* The computed fields (ABI 2). */
    size_t n_computed;
    const ddb_computed_desc *computed;
    unsigned flags; /* DDB_ENTITY_F_*; 0 (omitted by an initializer): none */
} ddb_entity_desc;

/* delete (ddb_entity_delete, ddb_store_delete, transactions) of a missing item fails with
 * DDB_ERR_ITEM_NOT_FOUND instead of succeeding (x-ddbkit.delete_missing "not_found"). */
#define DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND 0x1u

/*
 * Builds the item for obj: every field with a value, the primary key attributes and the GSI key
 * attributes. Fails with DDB_ERR_INVALID_ARG when a required field has no value, a UUID is
 * malformed, or a primary key template cannot be filled; DDB_ERR_NUMBER for a bad decimal.
 *
 * out: receives the item (an M value), owned by the caller; untouched on failure.
 */
DDB_API int ddb_entity_to_item(ddb_value **out, const ddb_entity_desc *d, const void *obj,
                               ddb_error *err);

/*
 * Fills obj (which must hold no owned members, e.g. fresh from __INIT) from an item. Attributes
 * that are not fields (keys, the version attribute) are ignored. Fails with DDB_ERR_PROTOCOL when
 * an attribute has the wrong type or a required field is missing; obj is then left as it was.
 */
DDB_API int ddb_entity_from_item(void *obj, const ddb_entity_desc *d, const ddb_value *item,
                                 ddb_error *err);

/*
 * Builds the primary key (a map of the partition key and, when there is one, the sort key) of
 * obj. out is owned by the caller.
 */
DDB_API int ddb_entity_key(ddb_value **out, const ddb_entity_desc *d, const void *obj,
                           ddb_error *err);

/*
 * Builds the value of one key attribute, keys[key], from obj. When a field of a primary key's
 * template has no value, a string field named like the key attribute (a derived field) gives the
 * whole value; *out is set to NULL (and 0 is returned) when neither has one.
 */
DDB_API int ddb_entity_key_value(ddb_value **out, const ddb_entity_desc *d, size_t key,
                                 const void *obj, ddb_error *err);

/*
 * The text a query compares key attribute keys[key] with: its template filled from obj up to
 * the placeholder after the first n_bound ones (the literal text after the last bound one
 * included). *whole is true when the whole template was filled. buf holds cap bytes.
 * DDB_ERR_INVALID_ARG when a bound field has no value, DDB_ERR_LIMIT when the text does not fit.
 * For the other implementations of a query (libddbkit-sqlrepo).
 */
DDB_API int ddb_entity_key_prefix(char *buf, size_t cap, const ddb_entity_desc *d, size_t key,
                                  const void *obj, size_t n_bound, bool *whole, ddb_error *err);

/*
 * The value computed field d->computed[computed] has for obj: its template over obj's fields, an
 * S (or N for an INT64 field). *out is NULL (and 0 is returned) when a field of the template has
 * no value. out is owned by the caller.
 */
DDB_API int ddb_entity_computed_value(ddb_value **out, const ddb_entity_desc *d, size_t computed,
                                      const void *obj, ddb_error *err);

/*
 * Sets every computed field of obj to its template's value (no value when a field of the
 * template has none), replacing what the caller put there. create and update call it; a struct
 * read from an item needs no call. On failure obj's computed fields may be partly updated.
 */
DDB_API int ddb_entity_compute(const ddb_entity_desc *d, void *obj, ddb_error *err);

/* Frees what obj owns and zeroes it. NULL-safe. */
DDB_API void ddb_entity_free(const ddb_entity_desc *d, void *obj);

/*
 * Lend value to field `field` of obj, a string (char *) or decimal (ddb_decimal) field of d: the
 * field points at value, which is neither copied nor ever written or freed through obj. For
 * generated code that fills a lookup key from its const char * parameters without a cast; such
 * an obj must not be passed to ddb_entity_free. A field of another kind, or an index past
 * d->n_fields, is left as it is (generated code passes constants that match d).
 */
DDB_API void ddb_entity_lend_string(void *obj, const ddb_entity_desc *d, size_t field,
                                    const char *value);

/* ---- storage: table-driven CRUD over libddbkit ------------------------------------------------ */

/* A stale version (someone wrote the item since it was read) is DDB_ERR_STALE_VERSION (ddb/core/error.h). */

/* A GSI and a table, for CreateTable. Attribute types are "S" or "N". */
typedef struct ddb_gsi_desc {
    const char *name;
    size_t n_pk, n_sk;
    const char *const *pk;  /* 1-4 attribute names */
    const char *const *sk;  /* 0-4 */
    const char *projection; /* "ALL", "KEYS_ONLY" or "INCLUDE" */
    size_t n_included;
    const char *const *included;
} ddb_gsi_desc;

typedef struct ddb_table_desc {
    unsigned version; /* DDB_ENTITY_ABI_VERSION */
    const char *name;
    size_t n_attributes;
    const char *const *attributes; /* every key attribute: table, then GSIs */
    const char *const *attribute_types;
    const char *pk, *sk; /* sk NULL: none */
    size_t n_gsis;
    const ddb_gsi_desc *gsis;
    const char *ttl_attribute; /* NULL: no TTL; else enabled on it after CreateTable */
} ddb_table_desc;

/*
 * Creates the table t under the name `name` (NULL: t->name), on demand, and waits until it is
 * ACTIVE (up to timeout_ms); then enables TTL on t->ttl_attribute when set. Returns 0 or a
 * ddb_error_code.
 */
DDB_API int ddb_entity_create_table(ddb_client *c, const ddb_table_desc *t, const char *name,
                                    long timeout_ms, ddb_error *err);

/*
 * Writes obj as a new item of table `table`: fails with DDB_ERR_CONDITION_FAILED when an item
 * with its key exists. The version attribute is set to 1, and so is obj's version member.
 */
DDB_API int ddb_entity_create(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                              ddb_error *err);

/*
 * Reads the item whose primary key the key fields of key_obj give, into out (fresh from __INIT;
 * untouched when not found or on error). *found says whether the item exists.
 */
DDB_API int ddb_entity_get(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                           const char *table, const void *key_obj, bool consistent_read,
                           ddb_error *err);

/*
 * Replaces the stored item with obj when the stored version equals obj's version member, and
 * increments both. DDB_ERR_STALE_VERSION when the versions differ; DDB_ERR_ITEM_NOT_FOUND when
 * there is no such item. A version member of 0 means "no version check": one UpdateItem
 * conditional on the item existing replaces the stored values (absent fields removed) and adds 1
 * to the stored version, which comes back into the version member (ReturnValues UPDATED_NEW).
 */
DDB_API int ddb_entity_update(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                              ddb_error *err);

/*
 * Deletes the item of obj's primary key when its version equals obj's version member (any
 * version when that is 0). DDB_ERR_STALE_VERSION when it differs. Deleting an item that does not
 * exist succeeds, or, with DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND, fails with
 * DDB_ERR_ITEM_NOT_FOUND; either way in one request (ReturnValues ALL_OLD, or the version
 * condition's ReturnValuesOnConditionCheckFailure).
 */
DDB_API int ddb_entity_delete(ddb_client *c, const ddb_entity_desc *d, const char *table,
                              const void *obj, ddb_error *err);

/*
 * Deletes the item whose primary key the key fields of key_obj give, without a version check.
 * *deleted (may be NULL) says whether there was one.
 */
DDB_API int ddb_entity_delete_key(bool *deleted, ddb_client *c, const ddb_entity_desc *d,
                                  const char *table, const void *key_obj, ddb_error *err);

/*
 * UpdateItem of some fields: the item of obj's primary key gets fields[0..n) set to obj's values
 * (removed when obj has none), the GSI keys whose templates use them rebuilt, and its version
 * incremented; it must exist. out (fresh from __INIT) receives the updated entity and *found is
 * true; when there is no such item, *found is false and out is untouched.
 */
DDB_API int ddb_entity_update_fields(void *out, bool *found, ddb_client *c,
                                     const ddb_entity_desc *d, const char *table, const void *obj,
                                     const size_t *fields, size_t n_fields, ddb_error *err);

/* ---- queries ----------------------------------------------------------------------------------- */

/* A condition on the sort key of a query. */
typedef enum ddb_entity_range {
    DDB_ENTITY_RANGE_NONE = 0, /* the bound prefix of the sort key (begins_with, or = when whole) */
    DDB_ENTITY_RANGE_BEGINS_WITH,
    DDB_ENTITY_RANGE_BETWEEN,
    DDB_ENTITY_RANGE_LT,
    DDB_ENTITY_RANGE_LE,
    DDB_ENTITY_RANGE_GT,
    DDB_ENTITY_RANGE_GE
} ddb_entity_range;

/* A filter condition's operator. */
typedef enum ddb_entity_filter_op {
    DDB_ENTITY_F_EQ = 1,
    DDB_ENTITY_F_NE,
    DDB_ENTITY_F_LT,
    DDB_ENTITY_F_LE,
    DDB_ENTITY_F_GT,
    DDB_ENTITY_F_GE,
    DDB_ENTITY_F_BETWEEN,
    DDB_ENTITY_F_IN,
    DDB_ENTITY_F_CONTAINS,
    DDB_ENTITY_F_BEGINS_WITH,
    DDB_ENTITY_F_EXISTS,
    DDB_ENTITY_F_NOT_EXISTS
} ddb_entity_filter_op;

/* A typed parameter value: kind STRING or UUID (s), INT64 (i), DECIMAL (s, its text), BOOL (b). */
typedef struct ddb_entity_arg {
    ddb_field_kind kind;
    const char *s;
    int64_t i;
    bool b;
} ddb_entity_arg;

/* One condition: attribute (or size(attribute)) op args[first_arg .. first_arg + n_args). */
typedef struct ddb_entity_filter_cond {
    const char *attribute;
    bool size;
    ddb_entity_filter_op op;
    size_t first_arg, n_args;
} ddb_entity_filter_cond;

/* A FilterExpression: the conditions joined with AND (or OR when any is set). */
typedef struct ddb_entity_filter {
    bool any;
    size_t n_conds;
    const ddb_entity_filter_cond *conds;
    const ddb_entity_arg *args;
} ddb_entity_filter;

/*
 * One query of an access pattern. The key values come from the key fields of a struct (key_obj):
 * the partition key template must be complete; of the sort key template, the first
 * n_sk_bound placeholders are bound and the text up to the next placeholder is the prefix. A
 * range value (v1, v2; text) is appended to that prefix for an S key and used alone for an N key.
 */
typedef struct ddb_entity_query {
    const char *index; /* NULL: the table */
    size_t pk_key;     /* index into the descriptor's keys */
    bool has_sk;
    size_t sk_key;
    size_t n_sk_bound;
    ddb_entity_range range;
    const char *v1, *v2;
    bool consistent_read;
    bool scan_backward;
    int limit;                       /* 0: DynamoDB's page size */
    const char *cursor;              /* NULL: the first page */
    const char *context;             /* binds cursors to this query */
    const ddb_entity_filter *filter; /* NULL: none */
    /* Matching items to skip before the page (never with cursor: DDB_ERR_INVALID_ARG). DynamoDB
     * reads, and bills, every skipped item: the cost grows with the offset, a cursor's does not. */
    int offset;
} ddb_entity_query;

/* A page of entities: n structs of the descriptor's size, and the cursor of the next page. */
typedef struct ddb_entity_page {
    size_t n;
    void *items;  /* malloc'd array */
    char *cursor; /* NULL: this is the last page */
} ddb_entity_page;

/*
 * Runs one Query page. Items of other entity types (those whose sort key does not start with
 * the template's literal prefix) are skipped. out is filled on success (free with
 * ddb_entity_page_free). DDB_ERR_CURSOR for a bad cursor.
 */
DDB_API int ddb_entity_query_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                                  const char *table, const void *key_obj, const ddb_entity_query *q,
                                  ddb_error *err);

/*
 * Runs one Scan page of table (or q->index), with q's filter, limit, cursor and consistency; the
 * key members of q are not used. Items of other entity types (by their key prefixes) are
 * skipped.
 */
DDB_API int ddb_entity_scan_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                                 const char *table, const ddb_entity_query *q, ddb_error *err);

DDB_API void ddb_entity_page_free(const ddb_entity_desc *d, ddb_entity_page *p);

/* ---- the store: IDs, unique values, transactions, listing and mirroring ---------------------- */

/*
 * Transaction failure in the shape every repository implementation reports: err gets
 * DDB_ERR_TRANSACTION_CANCELED, the message msg, and n_ops cancellation reasons, "None" except
 * "ConditionalCheckFailed" at index failed. Returns DDB_ERR_TRANSACTION_CANCELED (or
 * DDB_ERR_NOMEM, with err's code set to that). err may be NULL.
 */
DDB_API int ddb_error_set_cancelled(ddb_error *err, size_t n_ops, size_t failed, const char *msg);

/* How create fills an entity's ID field when the caller left it without a value. */
typedef enum ddb_id_strategy {
    DDB_ID_NONE = 0, /* the caller fills every key field */
    DDB_ID_SOURCE,   /* the relational database's ID; when there is none, the counter continues */
    DDB_ID_COUNTER,  /* an atomic counter item, allocated in blocks */
    DDB_ID_UUID,     /* a random (version 4) UUID */
    DDB_ID_ULID      /* a 26-character Crockford base32 ULID */
} ddb_id_strategy;

/* Fills out with a new random (version 4) UUID in lower-case 8-4-4-4-12 form. */
DDB_API int ddb_uuid_v4(char out[37], ddb_error *err);

/* Fills out with a new ULID: 48 bits of milliseconds since the epoch and 80 random bits. */
DDB_API int ddb_ulid_new(char out[27], ddb_error *err);

/*
 * A block of counter IDs a repository holds for one entity: next..last are reserved and unused.
 * Zero-initialise it (ready false). The functions below lock it internally, so one block may be
 * shared by every thread using the repository.
 */
typedef struct ddb_id_block {
    bool ready;
    int64_t next, last;
} ddb_id_block;

/*
 * The counter table: partition key "name" (S); each counter item holds in "last_id" (N) the
 * highest ID handed out. Creates it on demand and waits until it is ACTIVE (up to timeout_ms).
 */
DDB_API int ddb_id_counter_create_table(ddb_client *c, const char *table, long timeout_ms,
                                        ddb_error *err);

/*
 * The next ID of counter `name` into *out: from block when it holds one, otherwise one UpdateItem
 * (ADD last_id block_size) reserves the next block_size IDs. IDs start at `start` (the counter is
 * raised to start - 1 first when it is below). Thread-safe for one block.
 */
DDB_API int ddb_id_counter_next(int64_t *out, ddb_client *c, const char *table, const char *name,
                                ddb_id_block *block, int64_t block_size, int64_t start,
                                ddb_error *err);

/* The highest ID counter `name` has handed out (0 when it has none) into *out. */
DDB_API int ddb_id_counter_current(int64_t *out, ddb_client *c, const char *table, const char *name,
                                   ddb_error *err);

/*
 * Raises counter `name` to floor unless it is higher already, so that IDs allocated later are
 * above floor; drops what block (may be NULL) holds at or below floor. Other repositories'
 * blocks are theirs: seed before they allocate (the migration's phase 5 switch does).
 */
DDB_API int ddb_id_counter_seed(ddb_client *c, const char *table, const char *name,
                                ddb_id_block *block, int64_t floor, ddb_error *err);

#define DDB_STORE_DESC_VERSION 2

/* One set of fields whose values are unique among an entity's items (x-ddbkit.unique_fields). */
typedef struct ddb_unique_desc {
    const char *name; /* "email", or "tenant_id+username" for a composite: keys and messages */
    size_t n_fields;
    const int *fields; /* indexes into the entity's fields */
} ddb_unique_desc;

/*
 * A number per parent (x-ddbkit.sequence), such as an issue number per project: create gives the
 * child the parent's counter + 1. The parent is the item whose primary key the child's fields
 * parent_key_fields[i] fill into the parent's fields parent_fields[i].
 *
 * Gapless (the default): create reads the counter, then one TransactWriteItems sets it to the
 * new number on condition that it still holds the number read, and creates the child with its
 * unique-value sentinels; a number is taken only when the child is created, and no two children
 * get one. A transaction that loses the race (ConditionalCheckFailed or TransactionConflict on
 * the parent) is retried, up to `attempts` times in all, with a short random pause; then create
 * fails with DDB_ERR_STALE_VERSION naming the parent and the attempts.
 *
 * Gapped: one UpdateItem adds 1 to the counter (ReturnValues UPDATED_NEW), then a separate
 * create; a create that fails leaves its number unused. Cheaper under contention.
 *
 * The parent's version attribute moves with its counter, so an update of the parent from a
 * struct read earlier fails with DDB_ERR_STALE_VERSION instead of putting back an old counter.
 * A number the caller sets (nonzero) is kept: the child is created with it, and a gapless
 * sequence raises the counter to it when it is higher.
 */
typedef struct ddb_sequence_desc {
    int field; /* the child's INT64 field that gets the number */
    const ddb_entity_desc *parent;
    int counter; /* the parent's INT64 field holding the last number given */
    size_t n_keys;
    const int *parent_fields;     /* the parent's primary key fields... */
    const int *parent_key_fields; /* ...and the child's fields that fill them */
    bool gapless;
    int attempts; /* gapless: transactions tried before giving up; 0: 10 */
} ddb_sequence_desc;

/*
 * What the store needs beyond the entity descriptor. A sentinel item per unique value lives in
 * the entity's table, every primary key attribute = "UNIQUE#<entity>#<name>#<value>" (values of
 * a composite joined with '#', with '#' and '\' escaped by '\'), and DDB_STORE_SENTINEL_ATTR
 * holding the owner's primary key.
 */
typedef struct ddb_store_desc {
    unsigned version; /* DDB_STORE_DESC_VERSION */
    const ddb_entity_desc *entity;
    ddb_id_strategy id_strategy;
    int id_field;        /* index of the ID field; -1 when there is none */
    const char *counter; /* the counter item's name (the entity's name) */
    int64_t block_size;  /* counter and source: IDs one counter update reserves */
    int64_t start;       /* counter and source: the first ID */
    size_t n_unique;
    const ddb_unique_desc *unique;
    const ddb_sequence_desc *sequence; /* NULL: none (version 2) */
} ddb_store_desc;

/* The attribute that marks a unique-value sentinel (and names its owner's key). */
#define DDB_STORE_SENTINEL_ATTR "ddb_unique_of"

/*
 * Fills obj's ID field per s->id_strategy when it has no value (string NULL, integer 0 or no
 * has_ flag, UUID empty, decimal NULL). counter_table and block serve counter and source.
 */
DDB_API int ddb_store_assign_id(ddb_client *c, const ddb_store_desc *s, const char *counter_table,
                                ddb_id_block *block, void *obj, ddb_error *err);

/*
 * create: assigns the ID, then writes obj (attribute_not_exists) and one sentinel per unique
 * value in one transaction. DDB_ERR_ITEM_EXISTS when the key exists, DDB_ERR_UNIQUE_TAKEN when a
 * value is taken (err->field names the field). Sets obj's version to 1.
 */
DDB_API int ddb_store_create(ddb_client *c, const ddb_store_desc *s, const char *table,
                             const char *counter_table, ddb_id_block *block, void *obj,
                             ddb_error *err);

/*
 * create of an entity whose s->sequence names a parent in parent_table (NULL: table): numbers
 * obj (see ddb_sequence_desc), then creates it as ddb_store_create does. DDB_ERR_ITEM_NOT_FOUND
 * when the parent does not exist; DDB_ERR_STALE_VERSION when every attempt lost the race. On
 * failure a number create assigned is taken back (the field is 0 again).
 */
DDB_API int ddb_store_create_numbered(ddb_client *c, const ddb_store_desc *s, const char *table,
                                      const char *parent_table, const char *counter_table,
                                      ddb_id_block *block, void *obj, ddb_error *err);

/*
 * update (as ddb_entity_update, version 0 included); a unique value that changed moves its
 * sentinel (old deleted, new put with attribute_not_exists) in the same transaction. One request
 * while no unique value changes (the write is conditional on the stored ones); two when one does
 * (the failed write brings the stored item back, then the transaction).
 */
DDB_API int ddb_store_update(ddb_client *c, const ddb_store_desc *s, const char *table, void *obj,
                             ddb_error *err);

/*
 * delete (as ddb_entity_delete, DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND included), removing the
 * item's sentinels in the same transaction; with unique values it reads the item first.
 */
DDB_API int ddb_store_delete(ddb_client *c, const ddb_store_desc *s, const char *table,
                             const void *obj, ddb_error *err);

/*
 * Makes the stored entity of key's primary key equal to obj (NULL: absent), unconditionally:
 * obj's version is stored as it is, sentinels follow obj's unique values. Idempotent.
 * DDB_ERR_INVALID_ARG when obj's primary key is not key's.
 */
DDB_API int ddb_store_mirror(ddb_client *c, const ddb_store_desc *s, const char *table,
                             const void *obj, const void *key, ddb_error *err);

/* One Scan page of the entity's items (q: limit, cursor, context, consistency; its filter, if
 * any, is ANDed with "not a sentinel"). Free out with ddb_entity_page_free. */
DDB_API int ddb_store_list(ddb_entity_page *out, ddb_client *c, const ddb_store_desc *s,
                           const char *table, const ddb_entity_query *q, ddb_error *err);

typedef enum ddb_store_op {
    DDB_STORE_CREATE = 1,
    DDB_STORE_UPDATE,
    DDB_STORE_DELETE,
    DDB_STORE_ADD
} ddb_store_op;

/* One operation of ddb_store_transact (see the generated <ns>__write). */
typedef struct ddb_store_write {
    const ddb_store_desc *store;
    const char *table;
    ddb_id_block *block; /* CREATE: the entity's ID block */
    ddb_store_op op;
    void *obj;
    const char *field;  /* ADD: an integer field that is in no key template */
    int64_t delta;      /* ADD */
    int64_t min_result; /* ADD: INT64_MIN for none */
} ddb_store_write;

/*
 * All of ops or none, in one TransactWriteItems with their sentinel actions (at most 100
 * actions: DDB_ERR_LIMIT). A failing op i gives DDB_ERR_TRANSACTION_CANCELED with n_ops reasons
 * (ddb_error_set_cancelled); a sentinel's failure counts as its op's. On success CREATE objects
 * have their ID and version 1, UPDATE objects their incremented version.
 */
DDB_API int ddb_store_transact(ddb_client *c, const char *counter_table, ddb_store_write *ops,
                               size_t n_ops, ddb_error *err);

/*
 * The highest integer ID in use (a Scan of the entity's items) or handed out by its counter
 * into *out; 0 when none. DDB_ERR_INVALID_ARG when the ID is not an integer field (nor a counter
 * or source ID).
 */
DDB_API int ddb_store_max_id(int64_t *out, ddb_client *c, const ddb_store_desc *s,
                             const char *table, const char *counter_table, ddb_error *err);

/* IDs allocated later are above floor (counter and source; a no-op for the others). */
DDB_API int ddb_store_seed_id(ddb_client *c, const ddb_store_desc *s, const char *counter_table,
                              ddb_id_block *block, int64_t floor, ddb_error *err);

/* True when s is a UUID in 8-4-4-4-12 hex form. */
DDB_API bool ddb_uuid_valid(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* DDB_ENTITY_H */
