/*
 * Internal: AWS Signature Version 4 header signing, and a cache of derived signing keys.
 *
 * Thread safety: ddb_sigv4__sign is reentrant; a ddb_sigv4__cache may be shared by threads
 * (ddb_sigv4__cache_free must not race with its use).
 */
#ifndef DDB_SIGV4_H
#define DDB_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"

#define DDB_SIGV4__KEY_LEN 32   /* a derived signing key: HMAC-SHA256 output */
#define DDB_SIGV4__SCOPE_MAX 63 /* longest region or service name accepted */
/* The canonical request may not exceed this; nothing legitimate comes near it. */
#define DDB_SIGV4__CANONICAL_MAX ((size_t)1024 * 1024)

/* A cache of derived signing keys, keyed by date, region, service and secret key (by a keyed
 * fingerprint, never the secret itself). It also holds the SHA-256 implementation, fetched once. */
typedef struct ddb_sigv4__cache ddb_sigv4__cache;

/* One request header. name and value are NUL-terminated; the value is signed trimmed, with runs of
 * whitespace (folded lines included) collapsed to one space. */
typedef struct ddb_sigv4__header {
    const char *name;
    const char *value;
} ddb_sigv4__header;

/* The request to sign. Everything is borrowed for the duration of the call. */
typedef struct ddb_sigv4__request {
    const char *method;               /* "POST" */
    const char *path;                 /* as sent, without the query; NULL or "" means "/" */
    const char *query;                /* as sent, without the '?'; NULL or "" when none */
    const ddb_sigv4__header *headers; /* every header here is signed; host is required */
    size_t n_headers;
    const void *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    /* Optional: the payload hash to sign instead of hashing the body (hex SHA-256, or a marker
     * such as "UNSIGNED-PAYLOAD"); at most 64 characters. */
    const char *payload_hash;
} ddb_sigv4__request;

typedef struct ddb_sigv4__credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" when none */
} ddb_sigv4__credentials;

/* Flags for ddb_sigv4__params. 0 is what DynamoDB wants. */
enum {
    /* Keep "." and ".." segments and repeated slashes in the path (S3's rule). */
    DDB_SIGV4__NO_NORMALIZE_PATH = 1u << 0,
    /* Leave X-Amz-Security-Token out of the signature; the caller still sends it. */
    DDB_SIGV4__UNSIGNED_TOKEN = 1u << 1,
    /* Sign an x-amz-content-sha256 header holding the payload hash; the caller sends it. */
    DDB_SIGV4__CONTENT_SHA256 = 1u << 2,
    /* Keep the canonical request and string to sign in the result (tests and debugging). */
    DDB_SIGV4__CAPTURE = 1u << 3,
};

typedef struct ddb_sigv4__params {
    const char *region;  /* "us-east-1" */
    const char *service; /* "dynamodb" */
    int64_t time;        /* signing time, seconds since the epoch (UTC) */
    unsigned int flags;  /* DDB_SIGV4__* */
} ddb_sigv4__params;

/*
 * What the caller adds to the request: X-Amz-Date: amz_date, the session token (if any) as
 * X-Amz-Security-Token, x-amz-content-sha256: payload_hash (with DDB_SIGV4__CONTENT_SHA256), and
 * Authorization: authorization. Release with ddb_sigv4__result_clear.
 */
typedef struct ddb_sigv4__result {
    char amz_date[17];       /* "20150830T123600Z" */
    char payload_hash[65];   /* the payload hash that was signed */
    char signature[65];      /* lowercase hex */
    char *authorization;     /* the Authorization header value; owned */
    char *canonical_request; /* owned; only with DDB_SIGV4__CAPTURE, else NULL */
    char *string_to_sign;    /* owned; only with DDB_SIGV4__CAPTURE, else NULL */
} ddb_sigv4__result;

#define DDB_SIGV4__RESULT_INIT                                                                     \
    {                                                                                              \
        {0}, {0}, {0}, NULL, NULL, NULL                                                            \
    }

/*
 * Sign a request with SigV4 (AWS4-HMAC-SHA256) header authentication.
 *
 * out:    receives the signature; on failure it is left untouched.
 * cache:  derived-key cache; may be NULL (the key is then derived on every call).
 * req, creds, params: the request, credentials and scope; all borrowed.
 *
 * The path is normalized (dot segments and repeated slashes removed) unless
 * DDB_SIGV4__NO_NORMALIZE_PATH, then URI-encoded once more, the rule for every service but S3.
 * The query's parameters are decoded, re-encoded and sorted. Headers named x-amz-date or
 * authorization, and x-amz-security-token (with a token) or x-amz-content-sha256 (with that flag),
 * are set by the signer and rejected in req.
 *
 * Returns 0, DDB_ERR_INVALID_ARG for a malformed request or credentials, DDB_ERR_LIMIT when the
 * canonical request exceeds DDB_SIGV4__CANONICAL_MAX, or DDB_ERR_NOMEM (also for an OpenSSL
 * failure). Error messages never contain the secret key, the token or header values.
 */
int ddb_sigv4__sign(ddb_sigv4__result *out, ddb_sigv4__cache *cache, const ddb_sigv4__request *req,
                    const ddb_sigv4__credentials *creds, const ddb_sigv4__params *params,
                    ddb_error *err);

/* Free what a result owns, scrub it and reset it to DDB_SIGV4__RESULT_INIT. NULL-safe. */
void ddb_sigv4__result_clear(ddb_sigv4__result *res);

/*
 * The signing key for a date ("YYYYMMDD"), region and service:
 * HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 * With a cache, a key derived before for the same four inputs is reused. key is written only on
 * success; the caller should OPENSSL_cleanse it after use.
 * Returns 0, DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM.
 */
int ddb_sigv4__signing_key(unsigned char key[DDB_SIGV4__KEY_LEN], ddb_sigv4__cache *cache,
                           const char *secret_access_key, const char *date, const char *region,
                           const char *service, ddb_error *err);

/* Create an empty key cache; the caller frees it with ddb_sigv4__cache_free.
 * Returns 0 or DDB_ERR_NOMEM. */
int ddb_sigv4__cache_new(ddb_sigv4__cache **out, ddb_error *err);

/* Scrub and free a cache. NULL-safe. */
void ddb_sigv4__cache_free(ddb_sigv4__cache *cache);

/* Counters since creation: keys served from the cache, keys derived. Either pointer may be NULL. */
void ddb_sigv4__cache_stats(ddb_sigv4__cache *cache, uint64_t *hits, uint64_t *derivations);

/* SipHash-2-4 with a 128-bit result (the reference algorithm's 16-byte output): the key cache's
 * fingerprint of a secret. Exposed for its test against OpenSSL's SIPHASH. */
void ddb_sigv4__siphash128(unsigned char out[16], const unsigned char key[16], const void *data,
                           size_t len);

#endif /* DDB_SIGV4_H */
