/*
 * A raw DynamoDB JSON request to the run's DynamoDB Local, sent with libcurl alone: no libddbkit
 * code (no limit checks, no retries) between the test and the service. The limit tests use it to
 * show that the service rejects the same input the client refuses to send.
 */
#ifndef DDB_TEST_RAW_H
#define DDB_TEST_RAW_H

#include <jansson.h>

typedef struct raw_result {
    long status;       /* HTTP status; 0 when nothing came back */
    char type[128];    /* the error's __type after the '#' ("ValidationException"), or "" */
    char message[512]; /* its Message (truncated), or "" */
} raw_result;

/*
 * POST request (compact JSON, as libddbkit sends it) as `operation` to DynamoDB Local itself
 * (harness_raw_endpoint, not the SigV4-checking proxy), with a well-formed but unsigned
 * Authorization header (DynamoDB Local checks its shape only). Fills *r
 * and returns r->status. Exits the process when the request cannot be sent at all.
 */
long raw_call(const char *operation, const json_t *request, raw_result *r);

#endif
