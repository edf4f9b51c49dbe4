/* Internal: the client's transport, used by the operation functions. */
#ifndef DDB_CLIENT_INTERNAL_H
#define DDB_CLIENT_INTERNAL_H

#include <jansson.h>

#include "ddb/client.h"

/*
 * Send one DynamoDB JSON 1.0 operation: sign, POST, retry what may be retried, verify the CRC32,
 * decode errors into err, fire the hooks. `operation` is the API name ("GetItem"); `table_name`
 * (may be NULL) is only for events and logs. The request object is borrowed. On success
 * *response receives the decoded response object (a new reference).
 */
int ddb_client__call(ddb_client *c, const char *operation, const char *table_name,
                     const json_t *request, json_t **response, ddb_error *err);

#endif
