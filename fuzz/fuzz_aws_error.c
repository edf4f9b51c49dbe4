/*
 * Fuzz target: ddb_aws_error__from_response, which turns an error response (any status outside
 * 2xx, any body) into a ddb_error, including the item of a ConditionalCheckFailedException and
 * the CancellationReasons of a TransactionCanceledException.
 *
 * Input: one byte choosing the HTTP status, statuses[(byte - 'A') mod 12]:
 *   A 400  B 500  C 503  D 413  E 404  F 429  G 403  H 200  I 0  J 502  K 504  L 302
 * then the X-Amzn-ErrorType header value up to the first newline (an empty line means no header;
 * no newline at all means no header and everything is the body), then the body.
 * The body is NUL-terminated after its length, as http.c always delivers it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/core/value.h"
#include "fuzz.h"
#include "wire/aws_error.h"

static const long statuses[] = {400, 500, 503, 413, 404, 429, 403, 200, 0, 502, 504, 302};
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

static void check_filled(const ddb_error *err, int rc, long status)
{
    fuzz_check_error(err, rc);
    FUZZ_CHECK(err->http_status == status);
    FUZZ_CHECK(err->n_cancellation_reasons == 0 || err->cancellation_reasons != NULL);
    for (size_t i = 0; i < err->n_cancellation_reasons; i++) {
        const ddb_cancellation_reason *r = &err->cancellation_reasons[i];
        FUZZ_CHECK(r->item == NULL || ddb_value_type(r->item) == DDB_TYPE_M);
    }
    FUZZ_CHECK(err->item == NULL || ddb_value_type(err->item) == DDB_TYPE_M);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    long status = statuses[(uint8_t)(data[0] - 'A') % N_STATUSES];
    const uint8_t *rest = data + 1;
    size_t rest_len = size - 1;
    char *header = NULL;
    const uint8_t *nl = memchr(rest, '\n', rest_len);
    if (nl) {
        size_t hlen = (size_t)(nl - rest);
        if (hlen > 0 && !(header = fuzz_copy(rest, hlen, 1)))
            return 0;
        rest_len -= hlen + 1;
        rest = nl + 1;
    }
    char *body = fuzz_copy(rest, rest_len, 1);
    if (!body) {
        free(header);
        return 0;
    }

    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_aws_error__from_response(&err, status, header, "REQ-0123456789", body, rest_len);
    check_filled(&err, rc, status);
    FUZZ_CHECK(strcmp(err.request_id, "REQ-0123456789") == 0);

    /* A ddb_error is reused across calls: filling it again must release what it held. */
    rc = ddb_aws_error__from_response(&err, status, NULL, NULL, body, rest_len);
    check_filled(&err, rc, status);
    ddb_error_clear(&err);

    /* err may be NULL: the code alone, and the same one. */
    int again = ddb_aws_error__from_response(NULL, status, NULL, NULL, body, rest_len);
    FUZZ_CHECK(again == rc);

    free(body);
    free(header);
    return 0;
}
