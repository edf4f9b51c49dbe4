/*
 * Internal to the api layer: its one way into the wire. Every operation, batch and transaction
 * call goes through here, so DynamoDB's request limits are checked in one place above the wire,
 * which knows nothing of them.
 */
#ifndef DDB_API_CALL_H
#define DDB_API_CALL_H

#include <jansson.h>

#include "ddb/core/error.h"
#include "ddb/wire/client.h"

/*
 * Refuse a request that breaks one of DynamoDB's limits (DDB_ERR_LIMIT, nothing sent), then make
 * the call with retries (ddb_client__call): *response receives the parsed response body.
 */
int ddb_api__call(ddb_client *c, const char *operation, const char *table_name,
                  const json_t *request, json_t **response, ddb_error *err);

#endif
