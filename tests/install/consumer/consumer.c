/*
 * An out-of-tree program built against an installed ddbkit: the client (libddbkit) and the
 * data-access layer (libddbkit-dal), through their public headers only. It needs no server: it
 * prints the request a GetItem would send and checks a UUID with the data-access layer.
 */
#include <ddb/dal.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *key = NULL;
    char *json = NULL;
    int rc = ddb_value_new_m(&key, &err);
    if (rc == 0)
        rc = ddb_value_m_set_s(key, "pk", "user#42", &err);
    if (rc == 0) {
        ddb_get_item_input in = {.table_name = "users", .key = key};
        rc = ddb_request_json(&json, "GetItem", &in, &err);
    }
    if (rc == 0 && !ddb_uuid_valid("123e4567-e89b-42d3-a456-426614174000"))
        rc = ddb_error_set(&err, DDB_ERR_INVALID_ARG, "a valid UUID was refused");
    if (rc == 0)
        printf("%s\n", json);
    else
        fprintf(stderr, "consumer: %s (%s)\n", err.message, ddb_error_code_name(rc));
    free(json);
    ddb_value_free(key);
    ddb_error_clear(&err);
    return rc == 0 ? 0 : 1;
}
