/*
 * Fuzz target: ddb_cursor_decode, the parser of cursors that come back from untrusted clients.
 *
 * The input is used twice:
 *   1. as the cursor text itself, decoded with the built-in secret and with a server secret. This
 *      covers the prefix, alphabet, base64url and tag checks; random bytes rarely carry a valid
 *      tag, so
 *   2. the input is also taken as the key JSON and wrapped in a correctly tagged cursor, the way a
 *      holder of the secret could, so the fuzzer reaches the JSON and key checks behind the tag.
 * Any cursor that decodes must hold a valid key and survive encode -> decode unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64.h"
#include "ddb/api/cursor.h"
#include "ddb/core/value.h"
#include "fuzz.h"

static const char context[] = "orders.by_customer:c-42";
static const ddb_cursor_key secret = {"fuzz-server-secret-0123456789", 29};

/* What ddb_cursor_decode promises about a key it returns. */
static void check_key(const ddb_value *k)
{
    FUZZ_CHECK(ddb_value_type(k) == DDB_TYPE_M);
    size_t n = ddb_value_count(k);
    FUZZ_CHECK(n >= 1 && n <= DDB_CURSOR_MAX_KEY_ATTRIBUTES);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        ddb_type t = ddb_value_type(ddb_value_m_at(k, i, &name));
        FUZZ_CHECK(name != NULL);
        FUZZ_CHECK(t == DDB_TYPE_S || t == DDB_TYPE_N || t == DDB_TYPE_B);
    }
}

/* Decode; on success the key must be valid and re-encode to a cursor that decodes to it. */
static void decode_one(const char *cursor, const char *ctx, const ddb_cursor_key *key)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *sentinel = (ddb_value *)&err, *k = sentinel;
    int rc = ddb_cursor_decode(&k, cursor, ctx, key, &err);

    if (rc != 0) {
        fuzz_check_error(&err, rc);
        FUZZ_CHECK(k == sentinel);
        ddb_error_clear(&err);
        return;
    }
    FUZZ_CHECK(k != sentinel && k != NULL);
    check_key(k);

    char *again = NULL;
    ddb_value *back = NULL;
    rc = ddb_cursor_encode(&again, k, ctx, key, &err);
    /* A key near the length limit may grow when re-encoded canonically. */
    FUZZ_CHECK(rc == 0 || rc == DDB_ERR_LIMIT);
    if (rc == 0) {
        FUZZ_CHECK(strlen(again) <= DDB_CURSOR_MAX_LEN);
        rc = ddb_cursor_decode(&back, again, ctx, key, &err);
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(ddb_value_equal(k, back));
    }
    free(again);
    ddb_value_free(back);
    ddb_value_free(k);
    ddb_error_clear(&err);
}

/* "c1." base64url(json) "." base64url(first 16 bytes of HMAC-SHA256(key, "c1\0" ctx "\0" json)). */
static char *forge(const uint8_t *json, size_t len, const char *ctx, const ddb_cursor_key *key)
{
    size_t clen = strlen(ctx), mlen = 3 + clen + 1 + len;
    unsigned char *msg = malloc(mlen), md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char *payload = NULL, *tag = NULL, *out = NULL;

    if (!msg)
        return NULL;
    memcpy(msg, "c1", 3);
    memcpy(msg + 3, ctx, clen + 1);
    if (len)
        memcpy(msg + 3 + clen + 1, json, len);
    if (!HMAC(EVP_sha256(), key->bytes, (int)key->len, msg, mlen, md, &md_len))
        goto done;
    if (ddb_base64__encode(&payload, json, len, true, NULL) != 0 ||
        ddb_base64__encode(&tag, md, 16, true, NULL) != 0)
        goto done;
    size_t n = 3 + strlen(payload) + 1 + strlen(tag) + 1;
    out = malloc(n);
    if (out)
        snprintf(out, n, "c1.%s.%s", payload, tag);
done:
    free(msg);
    free(payload);
    free(tag);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size, 1);
    if (!text)
        return 0;
    decode_one(text, context, NULL);
    decode_one(text, context, &secret);
    decode_one(text, NULL, NULL);
    free(text);

    if (size == 0 || size > DDB_CURSOR_MAX_LEN)
        return 0;
    char *forged = forge(data, size, context, &secret);
    if (forged) {
        ddb_error err = DDB_ERROR_INIT;
        ddb_value *k = NULL;
        int rc = ddb_cursor_decode(&k, forged, context, &secret, &err);
        /* A correctly tagged cursor may hold bad JSON or a bad key, but its tag is right. */
        if (rc != 0)
            FUZZ_CHECK(strstr(err.message, "integrity") == NULL);
        ddb_value_free(k);
        ddb_error_clear(&err);
        decode_one(forged, context, &secret);
        free(forged);
    }
    return 0;
}
