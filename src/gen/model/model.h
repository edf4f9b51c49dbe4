/*
 * The in-memory data model: the DynamoDB MCP server's schema.json format, plus ddbkit's "x-ddbkit"
 * extensions (docs/model-file.md).
 *
 * Loading is tolerant: the loader builds a model from whatever is in the file and reports every
 * shape problem (wrong JSON type, missing required key, unknown enum value, template syntax) as a
 * diagnostic, leaving the offending member NULL or UNKNOWN. ddbgen_model_validate (validate.h)
 * then checks the rules that relate parts of the model to each other. A model without errors
 * after both steps is safe to generate from.
 *
 * Everything in a model lives in its arena: strings and arrays are borrowed from the model and
 * stay valid until ddbgen_model_free. The model is read-only after loading.
 *
 * Thread safety: a loaded model may be read from several threads at once.
 */
#ifndef DDBGEN_MODEL_H
#define DDBGEN_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "model/diag.h"
#include "model/util.h"

/* The model file may not be larger than this. */
#define DDBGEN_MODEL_MAX_BYTES ((size_t)16 * 1024 * 1024)

/* ---- enumerations (UNKNOWN: present but not a valid value; reported by the loader) ----------- */

typedef enum ddbgen_type {
    DDBGEN_TYPE_UNKNOWN = 0,
    DDBGEN_TYPE_STRING,
    DDBGEN_TYPE_INTEGER,
    DDBGEN_TYPE_DECIMAL,
    DDBGEN_TYPE_BOOLEAN,
    DDBGEN_TYPE_ARRAY,
    DDBGEN_TYPE_OBJECT,
    DDBGEN_TYPE_UUID,
    DDBGEN_TYPE_ENTITY, /* parameters only */
} ddbgen_type;

typedef enum ddbgen_operation {
    DDBGEN_OP_UNKNOWN = 0,
    DDBGEN_OP_GET_ITEM,
    DDBGEN_OP_PUT_ITEM,
    DDBGEN_OP_DELETE_ITEM,
    DDBGEN_OP_QUERY,
    DDBGEN_OP_SCAN,
    DDBGEN_OP_UPDATE_ITEM,
    DDBGEN_OP_BATCH_GET_ITEM,
    DDBGEN_OP_BATCH_WRITE_ITEM,
} ddbgen_operation;

typedef enum ddbgen_return_type {
    DDBGEN_RT_UNKNOWN = 0,
    DDBGEN_RT_SINGLE_ENTITY,
    DDBGEN_RT_ENTITY_LIST,
    DDBGEN_RT_SUCCESS_FLAG,
    DDBGEN_RT_MIXED_DATA,
    DDBGEN_RT_VOID,
} ddbgen_return_type;

typedef enum ddbgen_range {
    DDBGEN_RANGE_NONE = 0,
    DDBGEN_RANGE_BEGINS_WITH,
    DDBGEN_RANGE_BETWEEN,
    DDBGEN_RANGE_LT,
    DDBGEN_RANGE_LE,
    DDBGEN_RANGE_GT,
    DDBGEN_RANGE_GE,
    DDBGEN_RANGE_UNKNOWN,
} ddbgen_range;

typedef enum ddbgen_projection {
    DDBGEN_PROJ_ALL = 0, /* the default */
    DDBGEN_PROJ_KEYS_ONLY,
    DDBGEN_PROJ_INCLUDE,
    DDBGEN_PROJ_UNKNOWN,
} ddbgen_projection;

typedef enum ddbgen_filter_op {
    DDBGEN_FOP_NONE = 0,
    DDBGEN_FOP_EQ,
    DDBGEN_FOP_NE,
    DDBGEN_FOP_LT,
    DDBGEN_FOP_LE,
    DDBGEN_FOP_GT,
    DDBGEN_FOP_GE,
    DDBGEN_FOP_BETWEEN,
    DDBGEN_FOP_IN,
    DDBGEN_FOP_UNKNOWN,
} ddbgen_filter_op;

typedef enum ddbgen_filter_fn {
    DDBGEN_FFN_NONE = 0,
    DDBGEN_FFN_CONTAINS,
    DDBGEN_FFN_BEGINS_WITH,
    DDBGEN_FFN_ATTRIBUTE_EXISTS,
    DDBGEN_FFN_ATTRIBUTE_NOT_EXISTS,
    DDBGEN_FFN_SIZE,
    DDBGEN_FFN_UNKNOWN,
} ddbgen_filter_fn;

typedef enum ddbgen_logical_op {
    DDBGEN_LOGIC_AND = 0, /* the default */
    DDBGEN_LOGIC_OR,
    DDBGEN_LOGIC_UNKNOWN,
} ddbgen_logical_op;

typedef enum ddbgen_tx_operation {
    DDBGEN_TX_UNKNOWN = 0,
    DDBGEN_TX_WRITE, /* TransactWrite */
    DDBGEN_TX_GET,   /* TransactGet */
} ddbgen_tx_operation;

typedef enum ddbgen_tx_action {
    DDBGEN_ACT_UNKNOWN = 0,
    DDBGEN_ACT_PUT,
    DDBGEN_ACT_UPDATE,
    DDBGEN_ACT_DELETE,
    DDBGEN_ACT_CONDITION_CHECK,
    DDBGEN_ACT_GET,
} ddbgen_tx_action;

typedef enum ddbgen_tx_return {
    DDBGEN_TXRT_UNKNOWN = 0,
    DDBGEN_TXRT_BOOLEAN,
    DDBGEN_TXRT_OBJECT,
    DDBGEN_TXRT_ARRAY,
} ddbgen_tx_return;

typedef enum ddbgen_id_strategy {
    DDBGEN_ID_NONE = 0, /* the application supplies every key field */
    DDBGEN_ID_SOURCE,   /* taken from the relational database */
    DDBGEN_ID_COUNTER,  /* an atomic counter item, allocated in blocks */
    DDBGEN_ID_UUID,
    DDBGEN_ID_ULID,
    DDBGEN_ID_UNKNOWN,
} ddbgen_id_strategy;

/* The DynamoDB type of a key attribute. */
typedef enum ddbgen_key_type { DDBGEN_KEY_S = 0, DDBGEN_KEY_N } ddbgen_key_type;

/* ---- key templates --------------------------------------------------------------------------- */

typedef struct ddbgen_template_part {
    bool is_field;      /* a {placeholder} */
    const char *text;   /* literal text, or the placeholder's field name */
    const char *format; /* "{n:05d}" gives "05d"; NULL when none */
} ddbgen_template_part;

typedef struct ddbgen_template {
    const char *path; /* JSON path of the template string */
    const char *raw;
    bool ok; /* the syntax is valid (otherwise the loader reported it and parts is empty) */
    size_t n_parts;
    ddbgen_template_part *parts;
} ddbgen_template;

/*
 * A key: one template, or for a GSI mapping a multi-attribute key (an array of 1-4 templates, one
 * per key attribute).
 */
typedef struct ddbgen_key_template {
    bool present;
    bool is_array;
    const char *path;
    size_t n;
    ddbgen_template *items;
} ddbgen_key_template;

/*
 * Parses a template into parts. Syntax: literal text and {name} or {name:format} placeholders,
 * where name is [A-Za-z0-9_]+. On a syntax error returns DDBGEN_ERR_INVALID and, when problem is
 * not NULL, a static description of it. The parts live in the arena.
 */
int ddbgen_template_parse(ddbgen_template *out, ddbgen_arena *a, const char *raw,
                          const char **problem);

/* True when the template is exactly one placeholder, "{f}"; *field gets f. */
bool ddbgen_template_single_field(const ddbgen_template *t, const char **field);

/* True when the template has no placeholder (a constant key). */
bool ddbgen_template_is_constant(const ddbgen_template *t);

/* ---- model ----------------------------------------------------------------------------------- */

typedef struct ddbgen_field {
    const char *path;
    const char *name;
    ddbgen_type type;
    const char *type_raw;
    bool required;
    ddbgen_type item_type; /* for arrays */
    const char *item_type_raw;
    const char *c_name; /* x-ddbkit.c_name, or the mapped name */
    /* x-ddbkit.references: the name of the entity whose ID this field holds (a foreign key in the
     * relational schema), or NULL; references_path is its JSON path. */
    const char *references;
    const char *references_path;
    /* x-ddbkit.computed: the template over other fields of the entity that gives this field its
     * value on every write (computed.path NULL when the field is not computed). */
    ddbgen_template computed;
} ddbgen_field;

typedef struct ddbgen_param {
    const char *path;
    const char *name;
    ddbgen_type type;
    const char *type_raw;
    const char *entity_type;  /* type "entity" only */
    const char *default_json; /* the "default" value as JSON text, or NULL */
    const char *c_name;
} ddbgen_param;

typedef struct ddbgen_filter_condition {
    const char *path;
    const char *field;
    ddbgen_filter_op op;
    const char *op_raw;
    ddbgen_filter_fn fn;
    const char *fn_raw;
    const char *param;
    const char *param2;
    bool has_params;
    size_t n_params;
    const char **params;
} ddbgen_filter_condition;

typedef struct ddbgen_filter {
    const char *path;
    bool conditions_ok; /* "conditions" is an array (possibly empty) */
    size_t n_conditions;
    ddbgen_filter_condition *conditions;
    ddbgen_logical_op logical_op;
    const char *logical_op_raw;
} ddbgen_filter;

typedef struct ddbgen_access_pattern {
    const char *path;
    bool has_pattern_id;
    long long pattern_id;
    const char *name;
    const char *description;
    ddbgen_operation operation;
    const char *operation_raw;
    ddbgen_return_type return_type;
    const char *return_type_raw;
    size_t n_params;
    ddbgen_param *params;
    const char *index_name; /* NULL: the table itself */
    ddbgen_range range;
    const char *range_raw;
    bool has_consistent_read;
    bool consistent_read;
    const ddbgen_filter *filter; /* NULL: none */
    const char *c_name;
    /* x-ddbkit.scan_index_forward: false reads a Query's items in descending sort-key order. */
    bool descending;
    const char *descending_path; /* JSON path of the setting; NULL when absent */
    /* x-ddbkit.rps: the peak requests per second, for provisioned capacity (ddbkit infra). */
    bool has_rps;
    double rps;
    const char *rps_path; /* JSON path of the setting; NULL when absent */
} ddbgen_access_pattern;

typedef struct ddbgen_gsi_mapping {
    const char *path;
    const char *name;
    ddbgen_key_template pk, sk;
} ddbgen_gsi_mapping;

typedef struct ddbgen_gsi {
    const char *path;
    const char *name;
    /* Key attribute names: one, or 1-4 for a multi-attribute key (is_array). */
    bool pk_is_array;
    size_t n_pk;
    const char **pk;
    bool sk_is_array;
    size_t n_sk; /* 0: no sort key */
    const char **sk;
    bool keys_ok; /* the keys are well-formed (an index with bad keys is left out of checks) */
    ddbgen_projection projection;
    const char *projection_raw;
    bool has_included;
    size_t n_included;
    const char **included;
    const char *c_name;
} ddbgen_gsi;

/* One set of fields whose values must be unique across the entity (x-ddbkit.unique_fields). */
typedef struct ddbgen_unique {
    const char *path;
    size_t n_fields;
    const char **fields;
} ddbgen_unique;

typedef struct ddbgen_column {
    const char *path;
    const char *field;
    const char *column;
} ddbgen_column;

/* An entity's x-ddbkit object (docs/model-file.md). */
typedef struct ddbgen_entity_ext {
    const char *path; /* NULL when the entity has none */
    ddbgen_id_strategy id_strategy;
    const char *id_strategy_raw;
    const char *id_strategy_path;
    const char *id_field; /* NULL: the single placeholder of pk_template */
    bool has_block_size;
    long long block_size;
    bool has_start;
    long long start;
    size_t n_unique;
    ddbgen_unique *unique;
    const char *ttl_field;
    const char *version_attribute; /* NULL: the model's default */
    bool delete_not_found;         /* delete_missing "not_found": a missing item is an error */
    const char *source_path;
    const char *source_table;
    size_t n_columns;
    ddbgen_column *columns;
    /* x-ddbkit.sequence: create numbers this entity per parent (sequence_path NULL: none). */
    const char *sequence_path;
    const char *sequence_field;   /* the integer field that gets the number */
    const char *sequence_parent;  /* the parent entity's name */
    const char *sequence_counter; /* the parent's integer field that holds the last number */
    bool sequence_gapless;        /* true (the default): counter and child in one transaction */
    bool has_sequence_attempts;
    long long sequence_attempts; /* how many times a gapless create tries; default 10 */
} ddbgen_entity_ext;

struct ddbgen_table;

typedef struct ddbgen_entity {
    const char *path;
    const char *name;
    const struct ddbgen_table *table;
    const char *entity_type;
    ddbgen_key_template pk, sk; /* never arrays in a valid model */
    size_t n_fields;
    ddbgen_field *fields;
    size_t n_gsi_mappings;
    ddbgen_gsi_mapping *gsi_mappings;
    size_t n_patterns;
    ddbgen_access_pattern *patterns;
    ddbgen_entity_ext ext;
    const char *c_name;
} ddbgen_entity;

typedef struct ddbgen_table {
    const char *path;
    const char *name;
    const char *partition_key;
    const char *sort_key; /* NULL: partition key only */
    size_t n_gsis;
    ddbgen_gsi *gsis;
    size_t n_entities;
    ddbgen_entity *entities;
    const char *c_name;
} ddbgen_table;

typedef struct ddbgen_tx_entity {
    const char *path;
    const char *table;
    const char *entity;
    ddbgen_tx_action action;
    const char *action_raw;
    const char *condition;
} ddbgen_tx_entity;

typedef struct ddbgen_tx_pattern {
    const char *path;
    bool has_pattern_id;
    long long pattern_id;
    const char *name;
    const char *description;
    ddbgen_tx_operation operation;
    const char *operation_raw;
    size_t n_entities;
    ddbgen_tx_entity *entities;
    size_t n_params;
    ddbgen_param *params;
    ddbgen_tx_return return_type;
    const char *return_type_raw;
    const char *c_name;
} ddbgen_tx_pattern;

typedef struct ddbgen_model {
    ddbgen_arena *arena;
    const char *source_name; /* the file name given to the loader */
    /* x-ddbkit at the root */
    const char *ext_path; /* NULL when absent */
    const char *ns;       /* x-ddbkit.namespace, or derived from the file name */
    bool ns_explicit;
    const char *counter_table;     /* x-ddbkit.counter_table, or "<ns>_counters" */
    const char *version_attribute; /* x-ddbkit.version_attribute, or "_version" */
    size_t n_tables;
    ddbgen_table *tables;
    bool has_tx_patterns;
    size_t n_tx_patterns;
    ddbgen_tx_pattern *tx_patterns;
} ddbgen_model;

/*
 * Loads a model file. Returns 0 when a model was built, which may still hold errors (see diags);
 * DDBGEN_ERR_IO when the file cannot be read or is over DDBGEN_MODEL_MAX_BYTES, DDBGEN_ERR_JSON
 * when it is not JSON (both with a diagnostic); DDBGEN_ERR_NOMEM.
 *
 * out: receives the model, owned by the caller (ddbgen_model_free); untouched on failure.
 * diags: receives the shape diagnostics; required.
 */
int ddbgen_model_load_file(ddbgen_model **out, const char *path, ddbgen_diags *diags);

/* The same from memory; name is used to derive the default namespace (may be NULL). */
int ddbgen_model_load_buffer(ddbgen_model **out, const char *data, size_t len, const char *name,
                             ddbgen_diags *diags);

void ddbgen_model_free(ddbgen_model *m);

/* ---- lookups (borrowed results; NULL when absent; the first match when names repeat) --------- */

const ddbgen_table *ddbgen_model_find_table(const ddbgen_model *m, const char *name);
const ddbgen_entity *ddbgen_model_find_entity(const ddbgen_model *m, const char *name);
const ddbgen_field *ddbgen_entity_find_field(const ddbgen_entity *e, const char *name);
const ddbgen_gsi *ddbgen_table_find_gsi(const ddbgen_table *t, const char *name);
/* The position of t's GSI named name in t->gsis; -1 when it has none. */
int ddbgen_table_gsi_index(const ddbgen_table *t, const char *name);
const ddbgen_gsi_mapping *ddbgen_entity_find_gsi_mapping(const ddbgen_entity *e, const char *name);
const ddbgen_param *ddbgen_pattern_find_param(const ddbgen_param *params, size_t n,
                                              const char *name);

/*
 * The DynamoDB type of the key attribute a template fills: N when the template is exactly "{f}"
 * and f is an integer or decimal field of e, S otherwise.
 */
ddbgen_key_type ddbgen_template_key_type(const ddbgen_entity *e, const ddbgen_template *t);

/* The field that holds an entity's generated ID (x-ddbkit.id_field, or the single placeholder of
 * pk_template), or NULL. */
const char *ddbgen_entity_id_field(const ddbgen_entity *e);

/* The version attribute in effect for an entity. Never NULL. */
const char *ddbgen_entity_version_attribute(const ddbgen_model *m, const ddbgen_entity *e);

/* ---- enum spellings -------------------------------------------------------------------------- */

const char *ddbgen_type_name(ddbgen_type t);
const char *ddbgen_operation_name(ddbgen_operation op);
const char *ddbgen_return_type_name(ddbgen_return_type rt);
const char *ddbgen_range_name(ddbgen_range r);
const char *ddbgen_projection_name(ddbgen_projection p);
const char *ddbgen_filter_op_name(ddbgen_filter_op op);
const char *ddbgen_filter_fn_name(ddbgen_filter_fn fn);
const char *ddbgen_tx_operation_name(ddbgen_tx_operation op);
const char *ddbgen_tx_action_name(ddbgen_tx_action a);
const char *ddbgen_id_strategy_name(ddbgen_id_strategy s);

/* True for integer and decimal. */
bool ddbgen_type_is_numeric(ddbgen_type t);

/* Whether a value of type `param` can fill a field of type `field`: the same type, two numeric
 * types, or string and uuid. */
bool ddbgen_types_fit(ddbgen_type param, ddbgen_type field);
/* True for the read operations: GetItem, Query, Scan, BatchGetItem. */
bool ddbgen_operation_is_read(ddbgen_operation op);

#endif
