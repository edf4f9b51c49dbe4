/* Internal: HTTP POST over a pool of libcurl handles that keep their connections alive. */
#ifndef DDB_HTTP_H
#define DDB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/error.h"

typedef struct ddb_http__pool ddb_http__pool;

typedef struct ddb_http__response {
    long status;
    char *body;       /* NUL-terminated; owned */
    size_t body_len;
    char request_id[128];
    char error_type[256];  /* X-Amzn-ErrorType */
    char retry_after[32];  /* x-amz-retry-after, milliseconds, as sent */
    bool has_crc32;
    uint32_t crc32;        /* X-Amz-Crc32 */
    char *raw_headers;     /* only when asked for (tracing); owned */
    size_t raw_headers_len;
} ddb_http__response;

/*
 * Create a pool. Handles are created on demand and reused, each keeping its connection alive,
 * so one client serves many threads without a thread or connection per request.
 */
int ddb_http__pool_new(ddb_http__pool **out, long connect_timeout_ms, long request_timeout_ms,
                       ddb_error *err);
void ddb_http__pool_free(ddb_http__pool *pool);

/*
 * POST body to url with the given header lines ("Name: value"). The response body is capped at
 * DDB_HTTP_MAX_BODY. Network failures are DDB_ERR_NETWORK or DDB_ERR_TIMEOUT and marked
 * retryable; any HTTP status is a success here (the caller interprets it). On success the caller
 * clears resp with ddb_http__response_clear.
 */
int ddb_http__post(ddb_http__pool *pool, const char *url, const char *const *headers,
                   size_t n_headers, const char *body, size_t body_len, bool want_raw_headers,
                   ddb_http__response *resp, ddb_error *err);
void ddb_http__response_clear(ddb_http__response *resp);

/* DynamoDB's responses stay well under this (BatchGetItem: 16 MB of items plus JSON). */
#define DDB_HTTP_MAX_BODY ((size_t)64 * 1024 * 1024)

#endif
