/*
 * Internal: the generated JSON codecs of the DynamoDB operations (api.c), by operation name. The
 * operation functions of ddb/api/api.h use them; the tests call them directly.
 */
#ifndef DDB_API_CODEC_H
#define DDB_API_CODEC_H

#include <jansson.h>

#include "ddb/api/api.h"

/*
 * Encode the request of `operation` ("GetItem"): input points to its ddb_<op>_input (may be NULL
 * only where the input has no required member). On success *out receives a new JSON object.
 * Returns 0, DDB_ERR_INVALID_ARG (unknown operation, missing required member, invalid string...)
 * or DDB_ERR_NOMEM; *out is untouched on failure.
 */
int ddb_api__encode(const char *operation, const void *input, json_t **out, ddb_error *err);

/*
 * Decode the response of `operation` (borrowed). On success *output receives a new
 * ddb_<op>_output, which the caller frees with ddb_<op>_output_free. Returns 0,
 * DDB_ERR_INVALID_ARG (unknown operation), DDB_ERR_PROTOCOL (a member of the wrong JSON type,
 * named by its path) or DDB_ERR_NOMEM; *output is untouched on failure.
 */
int ddb_api__decode(const char *operation, const json_t *response, void **output, ddb_error *err);

#endif
