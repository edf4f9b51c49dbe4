/*
 * Usage data: the MCP format's companion file (*_usage_data.json) with sample values per entity,
 * from which the generated conformance tests draw their values.
 *
 *   {"entities": {"User": {"sample_data": {...}, "access_pattern_data": {...},
 *                          "update_data": {...}, "filter_values": {...}}}}
 *
 * sample_data and access_pattern_data are two complete items (field -> value), update_data the
 * fields an update changes, filter_values the values of filter parameters (parameter -> value).
 *
 * The structural rules follow the MCP server's usage_data_validator.py (required sections, known
 * entities, fields and top-level keys); ddbkit adds that every value fits its field's or
 * parameter's type, and warns when an item lacks a required field.
 *
 * Thread safety: a loaded ddbgen_usage may be read from several threads at once.
 */
#ifndef DDBGEN_USAGE_H
#define DDBGEN_USAGE_H

#include <jansson.h>

#include "model/diag.h"
#include "model/model.h"

typedef struct ddbgen_usage_entity {
    const char *name;
    const ddbgen_entity *entity; /* the model's entity, or NULL when unknown */
    /* Borrowed from the document; NULL when absent or not an object. */
    json_t *sample_data;
    json_t *access_pattern_data;
    json_t *update_data;
    json_t *filter_values;
} ddbgen_usage_entity;

typedef struct ddbgen_usage {
    json_t *root; /* owned */
    size_t n_entities;
    ddbgen_usage_entity *entities;
} ddbgen_usage;

/*
 * Loads and checks a usage data file against a model. Diagnostic paths start with "usage:", as
 * in "usage:entities.User.sample_data.email". Returns 0 when the document was loaded (it may
 * still hold errors; see diags), DDBGEN_ERR_IO, DDBGEN_ERR_JSON (with a diagnostic) or
 * DDBGEN_ERR_NOMEM.
 *
 * out: receives the usage data, owned by the caller (ddbgen_usage_free); untouched on failure.
 */
int ddbgen_usage_load_file(ddbgen_usage **out, const char *path, const ddbgen_model *m,
                           ddbgen_diags *diags);
int ddbgen_usage_load_buffer(ddbgen_usage **out, const char *data, size_t len,
                             const ddbgen_model *m, ddbgen_diags *diags);

void ddbgen_usage_free(ddbgen_usage *u);

/* The usage data of an entity, or NULL. Borrowed. */
const ddbgen_usage_entity *ddbgen_usage_find(const ddbgen_usage *u, const char *entity);

/*
 * Whether a JSON value fits a field or parameter type (an integral number fits integer; any
 * number fits decimal; an array's items must fit item_type). NULL problem pointer allowed; on a
 * mismatch it gets a static description.
 */
bool ddbgen_usage_value_fits(const json_t *value, ddbgen_type type, ddbgen_type item_type,
                             const char **problem);

#endif
