/* ddb_request_json: the public face of the generated request encoders (api.c). */
#include <jansson.h>
#include <stdlib.h>

#include "api/api_codec.h"
#include "core/error_internal.h"
#include "ddb/api/request.h"

int ddb_request_json(char **out, const char *operation, const void *input, ddb_error *err)
{
    json_t *j = NULL;
    char *text;
    int rc;
    if (!out || !operation)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "request json: out and operation are required");
    rc = ddb_api__encode(operation, input, &j, err);
    if (rc != 0)
        return rc;
    text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!text)
        return ddb_error__nomem(err, "the request text");
    *out = text;
    return 0;
}
