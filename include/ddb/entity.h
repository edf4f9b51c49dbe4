/*
 * ddb/entity.h - table-driven conversion between C structs and DynamoDB items, for the code that
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

#include "ddb/client.h"
#include "ddb/error.h"
#include "ddb/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of the descriptor layout below. Generated headers check it with #error, so code
 * generated for another layout fails to compile instead of misbehaving.
 */
#define DDB_ENTITY_ABI_VERSION 1

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
int ddb_decimal_set(ddb_decimal *d, const char *num, ddb_error *err);

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
} ddb_entity_desc;

/*
 * Builds the item for obj: every field with a value, the primary key attributes and the GSI key
 * attributes. Fails with DDB_ERR_INVALID_ARG when a required field has no value, a UUID is
 * malformed, or a primary key template cannot be filled; DDB_ERR_NUMBER for a bad decimal.
 *
 * out: receives the item (an M value), owned by the caller; untouched on failure.
 */
int ddb_entity_to_item(ddb_value **out, const ddb_entity_desc *d, const void *obj, ddb_error *err);

/*
 * Fills obj (which must hold no owned members, e.g. fresh from __INIT) from an item. Attributes
 * that are not fields (keys, the version attribute) are ignored. Fails with DDB_ERR_PROTOCOL when
 * an attribute has the wrong type or a required field is missing; obj is then left as it was.
 */
int ddb_entity_from_item(void *obj, const ddb_entity_desc *d, const ddb_value *item,
                         ddb_error *err);

/*
 * Builds the primary key (a map of the partition key and, when there is one, the sort key) of
 * obj. out is owned by the caller.
 */
int ddb_entity_key(ddb_value **out, const ddb_entity_desc *d, const void *obj, ddb_error *err);

/*
 * Builds the value of one key attribute, keys[key], from obj. *out is set to NULL (and 0 is
 * returned) when a field of the template has no value.
 */
int ddb_entity_key_value(ddb_value **out, const ddb_entity_desc *d, size_t key, const void *obj,
                         ddb_error *err);

/* Frees what obj owns and zeroes it. NULL-safe. */
void ddb_entity_free(const ddb_entity_desc *d, void *obj);

/* ---- storage: table-driven CRUD over libddbkit ------------------------------------------------ */

/* A stale version (someone wrote the item since it was read) is DDB_ERR_STALE_VERSION (ddb/error.h). */

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
} ddb_table_desc;

/*
 * Creates the table t under the name `name` (NULL: t->name), on demand, and waits until it is
 * ACTIVE (up to timeout_ms). Returns 0 or a ddb_error_code.
 */
int ddb_entity_create_table(ddb_client *c, const ddb_table_desc *t, const char *name,
                            long timeout_ms, ddb_error *err);

/*
 * Writes obj as a new item of table `table`: fails with DDB_ERR_CONDITION_FAILED when an item
 * with its key exists. The version attribute is set to 1, and so is obj's version member.
 */
int ddb_entity_create(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                      ddb_error *err);

/*
 * Reads the item whose primary key the key fields of key_obj give, into out (fresh from __INIT;
 * untouched when not found or on error). *found says whether the item exists.
 */
int ddb_entity_get(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                   const char *table, const void *key_obj, bool consistent_read, ddb_error *err);

/*
 * Replaces the stored item with obj when the stored version equals obj's version member, and
 * increments both. DDB_ERR_STALE_VERSION when the versions differ; DDB_ERR_CONDITION_FAILED when
 * there is no such item.
 */
int ddb_entity_update(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                      ddb_error *err);

/*
 * Deletes the item of obj's primary key when its version equals obj's version member (any
 * version when that is 0). DDB_ERR_STALE_VERSION when it differs; deleting an item that does not
 * exist succeeds.
 */
int ddb_entity_delete(ddb_client *c, const ddb_entity_desc *d, const char *table, const void *obj,
                      ddb_error *err);

/*
 * Deletes the item whose primary key the key fields of key_obj give, without a version check.
 * *deleted (may be NULL) says whether there was one.
 */
int ddb_entity_delete_key(bool *deleted, ddb_client *c, const ddb_entity_desc *d, const char *table,
                          const void *key_obj, ddb_error *err);

/*
 * UpdateItem of some fields: the item of obj's primary key gets fields[0..n) set to obj's values
 * (removed when obj has none), the GSI keys whose templates use them rebuilt, and its version
 * incremented; it must exist. out (fresh from __INIT) receives the updated entity and *found is
 * true; when there is no such item, *found is false and out is untouched.
 */
int ddb_entity_update_fields(void *out, bool *found, ddb_client *c, const ddb_entity_desc *d,
                             const char *table, const void *obj, const size_t *fields,
                             size_t n_fields, ddb_error *err);

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
int ddb_entity_query_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                          const char *table, const void *key_obj, const ddb_entity_query *q,
                          ddb_error *err);

/*
 * Runs one Scan page of table (or q->index), with q's filter, limit, cursor and consistency; the
 * key members of q are not used. Items of other entity types (by their key prefixes) are
 * skipped.
 */
int ddb_entity_scan_page(ddb_entity_page *out, ddb_client *c, const ddb_entity_desc *d,
                         const char *table, const ddb_entity_query *q, ddb_error *err);

void ddb_entity_page_free(const ddb_entity_desc *d, ddb_entity_page *p);

/* True when s is a UUID in 8-4-4-4-12 hex form. */
bool ddb_uuid_valid(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* DDB_ENTITY_H */
