/*
 * Internal: HTTP POST over libcurl, one request at a time (ddb_http__post) or many at once from one
 * thread (ddb_http__multi).
 *
 * Thread safety: a pool may be shared by threads. ddb_http__post borrows an idle easy handle under
 * the pool's mutex, so each call has a handle (and its kept-alive connection) to itself. A
 * ddb_http__multi belongs to one thread at a time; several threads may each hold their own. All
 * handles of a pool share one CURLSH for the DNS cache and TLS session IDs, guarded by pthread
 * mutexes in curl's lock callbacks. ddb_http__pool_free must not race with any use of the pool.
 */
#ifndef DDB_HTTP_H
#define DDB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"

typedef struct ddb_http__pool ddb_http__pool;

typedef struct ddb_http__response {
    long status;
    char *body; /* NUL-terminated; owned */
    size_t body_len;
    char request_id[128];
    char error_type[256]; /* X-Amzn-ErrorType */
    char retry_after[32]; /* x-amz-retry-after, milliseconds, as sent */
    bool has_crc32;
    uint32_t crc32;            /* X-Amz-Crc32, when has_crc32 */
    bool crc32_unreadable;     /* X-Amz-Crc32 was sent but is not a decimal from 0 to 2^32-1 */
    char crc32_text[24];       /* that value as sent (control bytes as '?', cut at 23 bytes) */
    size_t request_head_bytes; /* the request line and header block as sent, CRLFs included */
    char *raw_headers;         /* only when asked for (tracing); owned */
    size_t raw_headers_len;
} ddb_http__response;

/* ---- request headers: the one place every header value we send is checked ------------------ */

/*
 * Where value[0, len) first holds a byte that must not be in a header value we send: CR, LF, NUL,
 * DEL or another control character. HTAB is allowed inside a value only when allow_htab (HTTP
 * permits it, but no credential or URL has one). Returns the offset of the first such byte, or
 * len when there is none.
 */
size_t ddb_http__value_bad_at(const char *value, size_t len, bool allow_htab);

/* A name for a forbidden byte, for messages: "CR (0x0d)", "LF (0x0a)", "NUL (0x00)",
 * "control character 0x01". Writes into buf and returns it. */
const char *ddb_http__byte_name(unsigned char b, char *buf, size_t cap);

/*
 * If value[0, len) holds a forbidden byte (see ddb_http__value_bad_at), fill err with `code` and a
 * message naming `source`, the byte's kind and its offset (never the value: it may be a secret)
 * and return code. Returns 0 when the value is clean.
 */
int ddb_http__check_value(const char *value, size_t len, bool allow_htab, const char *source,
                          int code, ddb_error *err);

/*
 * The header lines of one request, "Name: value", each its own allocation, so no value is ever
 * cut short. Lines are scrubbed when cleared: some carry secrets.
 */
typedef struct ddb_http__headers {
    char **lines;
    size_t n, cap;
    size_t bytes; /* the lines with their CRLFs, as they go on the wire */
} ddb_http__headers;

#define DDB_HTTP__HEADERS_INIT                                                                     \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/*
 * Append "name: value". The value is checked first (HTAB allowed, as HTTP allows it); a bad one
 * gives DDB_ERR_INVALID_ARG naming `source` ("the session token from environment") and the byte,
 * and nothing is appended, so a caller that stops on the error sends nothing. DDB_ERR_NOMEM.
 */
int ddb_http__headers_add(ddb_http__headers *h, const char *name, const char *value,
                          const char *source, ddb_error *err);

/* The lines as http_post takes them. */
const char *const *ddb_http__headers_lines(const ddb_http__headers *h);

/* Scrub and free every line; h is empty (and reusable) afterwards. NULL-safe. */
void ddb_http__headers_clear(ddb_http__headers *h);

/*
 * X-Amz-Crc32 as DynamoDB sends it: 1 to 10 decimal digits, at most 4294967295, nothing else (no
 * sign, no space, no empty value). Returns true and sets *out when it is one.
 */
bool ddb_http__parse_crc32(const char *text, uint32_t *out);

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

/*
 * Many POSTs in flight at once, driven by one thread: a curl multi handle with its own connection
 * cache, taken from the pool's idle multi handles (so connections outlive one batch) or created.
 */
typedef struct ddb_http__multi ddb_http__multi;

/* The most transfers one multi handle runs at once. */
#define DDB_HTTP_MULTI_MAX 1024

/*
 * Borrow a multi handle that keeps up to max_in_flight connections (1..DDB_HTTP_MULTI_MAX).
 * Returns 0, DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM. Give it back with ddb_http__multi_free.
 */
int ddb_http__multi_new(ddb_http__multi **out, ddb_http__pool *pool, size_t max_in_flight,
                        ddb_error *err);

/* Abandon whatever is in flight and return the handle (with its idle connections) to the pool. */
void ddb_http__multi_free(ddb_http__multi *m);

/*
 * Start a POST, as ddb_http__post would send it. The header lines are copied; body is borrowed
 * until the transfer completes or is cancelled. `tag` identifies the transfer to
 * ddb_http__multi_next; `xfer_err` (may be NULL) receives the transfer's network failure, if any.
 * Returns 0 or DDB_ERR_NOMEM (in err).
 */
int ddb_http__multi_start(ddb_http__multi *m, void *tag, ddb_error *xfer_err, const char *url,
                          const char *const *headers, size_t n_headers, const char *body,
                          size_t body_len, bool want_raw_headers, ddb_error *err);

/*
 * Drive the transfers for at most timeout_ms and report one that completed: *tag, its result code
 * in *xfer_rc (0 or what ddb_http__post would have returned, detail in its xfer_err) and, when
 * *xfer_rc is 0, its response in *resp (cleared by the caller). Returns 1 when a transfer
 * completed, 0 when none did in time or none is in flight, or a negative code (in err) when curl's
 * multi interface itself fails.
 */
int ddb_http__multi_next(ddb_http__multi *m, long timeout_ms, void **tag, int *xfer_rc,
                         ddb_http__response *resp, ddb_error *err);

/* Transfers started and not yet reported by ddb_http__multi_next. */
size_t ddb_http__multi_in_flight(const ddb_http__multi *m);

/* Abandon every transfer in flight; their tags are never reported. */
void ddb_http__multi_cancel_all(ddb_http__multi *m);

#endif
