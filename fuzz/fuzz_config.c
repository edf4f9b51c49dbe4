/*
 * Fuzz target: the shared config and credentials file parser (ddb_config__parse) and the lookups
 * over what it parsed. The files are the user's, but a parser that reads them must still never
 * crash, leak or read past the end, and must fail with a message naming the file and line.
 *
 * Input: one byte choosing the file kind ('c' or anything else: a config file; 'k': a credentials
 * file), then the file's text (not NUL-terminated: the parser takes a length).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ddb_config__file_kind kind = data[0] == 'k' ? DDB_CONFIG__CREDENTIALS : DDB_CONFIG__CONFIG;
    char *text = fuzz_copy(data + 1, size - 1, 0);
    if (!text && size > 1)
        return 0;
    ddb_config__files *files = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_config__new(&files, &err) != 0) {
        free(text);
        return 0;
    }
    int rc = ddb_config__parse(files, kind, text, size - 1, "fuzz-file", &err);
    if (rc) {
        fuzz_check_error(&err, rc);
        FUZZ_CHECK(rc == DDB_ERR_CONFIG || rc == DDB_ERR_NOMEM);
        FUZZ_CHECK(rc == DDB_ERR_NOMEM || strstr(err.message, "fuzz-file line ") != NULL);
    }
    /* Whatever was parsed before an error stays consistent for lookups. */
    static const char *const profiles[] = {"default", "dev", "a", ""};
    static const char *const keys[] = {
        "region",  "endpoint_url", "services", "dynamodb.endpoint_url", "aws_access_key_id",
        "role_arn"};
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        (void)ddb_config__has_profile(files, profiles[i]);
        for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
            const char *v = ddb_config__get(files, profiles[i], keys[j]);
            FUZZ_CHECK(v == NULL || strlen(v) <= size);
            v = ddb_config__services_get(files, profiles[i], keys[j]);
            FUZZ_CHECK(v == NULL || strlen(v) <= size);
        }
    }
    ddb_config__free(files);
    free(text);
    return 0;
}
