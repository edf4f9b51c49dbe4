/*
 * Fuzz target: what credential endpoints answer. STS answers XML (ddb_creds__sts_parse over the
 * bounded element extraction ddb_creds__xml_text); the container endpoint, IMDS and
 * credential_process answer JSON (ddb_creds__parse_json). A failure must leave the credentials
 * untouched and fill the error; a success must yield a key id and a secret.
 *
 * Input: one byte choosing the parser and status: 'A' STS 200, 'B' STS 403, 'C' STS 500,
 * 'D' container/IMDS JSON, anything else credential_process JSON; then the body (not
 * NUL-terminated for STS, which takes a length; NUL-terminated for JSON, as the HTTP layer
 * delivers it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire/credentials_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char mode = (char)data[0];
    bool sts = mode == 'A' || mode == 'B' || mode == 'C';
    char *body = fuzz_copy(data + 1, size - 1, !sts);
    if (!body && size > 1)
        return 0;
    ddb_credentials creds = DDB_CREDENTIALS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    if (sts) {
        long status = mode == 'A' ? 200 : mode == 'B' ? 403 : 500;
        rc = ddb_creds__sts_parse(&creds, status, body, size - 1, "AssumeRole", &err);
    } else {
        rc = ddb_creds__parse_json(&creds, body ? body : "", size - 1, mode != 'D', "fuzz", &err);
    }
    if (rc) {
        fuzz_check_error(&err, rc);
        FUZZ_CHECK(creds.access_key_id == NULL && creds.secret_access_key == NULL);
    } else {
        FUZZ_CHECK(creds.access_key_id && *creds.access_key_id);
        FUZZ_CHECK(creds.secret_access_key && *creds.secret_access_key);
        FUZZ_CHECK(creds.expiration >= 0);
    }
    ddb_credentials_clear(&creds);
    ddb_error_clear(&err);

    /* The element extractor on its own, inside and outside a parent. */
    if (sts && size > 1) {
        char *v = NULL;
        if (ddb_creds__xml_text(&v, body, size - 1, "Credentials", "AccessKeyId", &err) == 0)
            FUZZ_CHECK(v == NULL || strlen(v) < size);
        free(v);
        v = NULL;
        if (ddb_creds__xml_text(&v, body, size - 1, NULL, "Message", &err) == 0)
            FUZZ_CHECK(v == NULL || strlen(v) < size);
        free(v);
    }
    free(body);
    return 0;
}
