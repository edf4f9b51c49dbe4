/* ddb_api__call: the limits, then the wire. */
#include "api/api_call.h"

#include "api/limits_internal.h"
#include "wire/client_internal.h"

int ddb_api__call(ddb_client *c, const char *operation, const char *table_name,
                  const json_t *request, json_t **response, ddb_error *err)
{
    int rc = ddb_limits__check_request(operation, request, err);
    if (rc != 0)
        return rc;
    return ddb_client__call(c, operation, table_name, request, response, err);
}
