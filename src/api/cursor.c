/* Pagination cursors: "c1." base64url(key JSON) "." base64url(HMAC-SHA256 tag, 16 bytes). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64.h"
#include "core/error_internal.h"
#include "ddb/api/cursor.h"

#define VERSION "c1"
#define TAG_BYTES 16
#define TAG_CHARS 22 /* base64url of 16 bytes, unpadded */
#define MAX_SECRET_BYTES 4096

/*
 * The built-in secret. It is public (it is in this source), so it only makes the tag a strong
 * checksum: see ddb/api/cursor.h.
 */
static const unsigned char builtin_key[32] = {
    0x64, 0x64, 0x62, 0x6b, 0x69, 0x74, 0x2d, 0x63, 0x75, 0x72, 0x73, 0x6f, 0x72, 0x2d, 0x76, 0x31,
    0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15, 0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x35,
};

static int check_key(const ddb_cursor_key *key, ddb_error *err)
{
    if (key && (!key->bytes || key->len < DDB_CURSOR_MIN_KEY_BYTES))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "cursor key is %zu bytes; at least %d are required",
                              key->bytes ? key->len : 0, DDB_CURSOR_MIN_KEY_BYTES);
    if (key && key->len > MAX_SECRET_BYTES) /* HMAC() takes an int length */
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "cursor key is %zu bytes; at most %d",
                              key->len, MAX_SECRET_BYTES);
    return 0;
}

/* The tag covers the version and the context too, so neither can be swapped. */
static int compute_tag(unsigned char tag[TAG_BYTES], const char *context, const void *json,
                       size_t json_len, const ddb_cursor_key *key, ddb_error *err)
{
    int rc = 0;
    size_t ctx_len = context ? strlen(context) : 0;
    size_t vlen = sizeof(VERSION); /* with its NUL as the separator */
    size_t len = vlen + ctx_len + 1 + json_len;
    unsigned char *msg = malloc(len);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (!msg)
        return ddb_error__nomem(err, "the cursor tag input");
    memcpy(msg, VERSION, vlen);
    if (ctx_len)
        memcpy(msg + vlen, context, ctx_len);
    msg[vlen + ctx_len] = '\0';
    if (json_len)
        memcpy(msg + vlen + ctx_len + 1, json, json_len);

    const void *kb = key ? key->bytes : builtin_key;
    int kl = key ? (int)key->len : (int)sizeof(builtin_key);
    if (!HMAC(EVP_sha256(), kb, kl, msg, len, md, &md_len) || md_len < TAG_BYTES) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "HMAC-SHA256 for the cursor tag failed");
        goto done;
    }
    memcpy(tag, md, TAG_BYTES);

done:
    free(msg);
    return rc;
}

/* A key is an M of 1..DDB_CURSOR_MAX_KEY_ATTRIBUTES attributes of S, N or B. */
static const char *key_problem(const ddb_value *k, char *buf, size_t size)
{
    if (ddb_value_type(k) != DDB_TYPE_M)
        return "is not a map";
    size_t n = ddb_value_count(k);
    if (n == 0 || n > DDB_CURSOR_MAX_KEY_ATTRIBUTES) {
        snprintf(buf, size, "has %zu attributes; expected 1 to %d", n,
                 DDB_CURSOR_MAX_KEY_ATTRIBUTES);
        return buf;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        ddb_type t = ddb_value_type(ddb_value_m_at(k, i, &name));
        if (t != DDB_TYPE_S && t != DDB_TYPE_N && t != DDB_TYPE_B) {
            snprintf(buf, size, "has attribute %zu of type %s; key attributes are S, N or B", i + 1,
                     ddb_type_name(t));
            return buf;
        }
    }
    return NULL;
}

int ddb_cursor_encode(char **out, const ddb_value *last_evaluated_key, const char *context,
                      const ddb_cursor_key *key, ddb_error *err)
{
    int rc;
    char *json = NULL, *payload = NULL, *tag_text = NULL, *cursor = NULL;
    unsigned char tag[TAG_BYTES];
    char why[96];

    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_cursor_encode: out is NULL");
    if (!last_evaluated_key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "no LastEvaluatedKey to encode: the last page has no cursor");
    const char *problem = key_problem(last_evaluated_key, why, sizeof(why));
    if (problem)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "LastEvaluatedKey %s", problem);
    if ((rc = check_key(key, err)) != 0)
        return rc;

    if ((rc = ddb_item_to_json(&json, last_evaluated_key, err)) != 0)
        goto done;
    size_t json_len = strlen(json);
    /* Checked before encoding so the base64 step never sees an unbounded input. */
    size_t total = sizeof(VERSION) + (json_len * 4 + 2) / 3 + 1 + TAG_CHARS;
    if (json_len > DDB_CURSOR_MAX_LEN || total > DDB_CURSOR_MAX_LEN) {
        rc = ddb_error__set(err, DDB_ERR_LIMIT, "cursor would be %zu bytes; the limit is %d", total,
                            DDB_CURSOR_MAX_LEN);
        goto done;
    }
    if ((rc = compute_tag(tag, context, json, json_len, key, err)) != 0 ||
        (rc = ddb_base64__encode(&payload, json, json_len, true, err)) != 0 ||
        (rc = ddb_base64__encode(&tag_text, tag, TAG_BYTES, true, err)) != 0)
        goto done;

    size_t len = sizeof(VERSION) + strlen(payload) + 1 + strlen(tag_text);
    cursor = malloc(len + 1);
    if (!cursor) {
        rc = ddb_error__nomem(err, "a cursor");
        goto done;
    }
    snprintf(cursor, len + 1, VERSION ".%s.%s", payload, tag_text);
    *out = cursor;
    cursor = NULL;

done:
    free(json);
    free(payload);
    free(tag_text);
    free(cursor);
    return rc;
}

static bool is_b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/*
 * Decode one base64url part. Non-canonical text (padding, non-zero unused bits) is rejected by
 * re-encoding: otherwise two cursors could differ in a character and still decode alike.
 */
static int decode_part(unsigned char **out, size_t *out_len, const char *text, size_t len,
                       const char *what, ddb_error *err)
{
    unsigned char *bytes = NULL;
    size_t n = 0;
    char *again = NULL;
    int rc = ddb_base64__decode(&bytes, &n, text, len, true, NULL);
    if (rc == DDB_ERR_NOMEM)
        return ddb_error__nomem(err, "a decoded cursor");
    if (rc != 0)
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor %s is not valid base64url", what);
    rc = ddb_base64__encode(&again, bytes, n, true, NULL);
    if (rc != 0) {
        free(bytes);
        return ddb_error__nomem(err, "a decoded cursor");
    }
    bool canonical = strlen(again) == len && memcmp(again, text, len) == 0;
    free(again);
    if (!canonical) {
        free(bytes);
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor %s is not canonical base64url", what);
    }
    *out = bytes;
    *out_len = n;
    return 0;
}

int ddb_cursor_decode(ddb_value **out, const char *cursor, const char *context,
                      const ddb_cursor_key *key, ddb_error *err)
{
    int rc;
    unsigned char *json = NULL, *tag = NULL;
    size_t json_len = 0, tag_len = 0;
    unsigned char want[TAG_BYTES];
    ddb_value *k = NULL;
    char why[96];

    if (!out || !cursor)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_cursor_decode: %s is NULL",
                              out ? "cursor" : "out");
    if ((rc = check_key(key, err)) != 0)
        return rc;

    size_t len = strnlen(cursor, DDB_CURSOR_MAX_LEN + 1);
    if (len == 0)
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor is empty");
    if (len > DDB_CURSOR_MAX_LEN)
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor is longer than %d bytes",
                              DDB_CURSOR_MAX_LEN);

    /* Version: "c<digits>" up to the first dot. Only a well-formed one is echoed back. */
    const char *dot = memchr(cursor, '.', len);
    size_t vlen = dot ? (size_t)(dot - cursor) : len;
    bool well_formed = vlen >= 2 && vlen <= 8 && cursor[0] == 'c';
    for (size_t i = 1; well_formed && i < vlen; i++)
        well_formed = cursor[i] >= '0' && cursor[i] <= '9';
    if (!dot || !well_formed)
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor does not start with a version prefix");
    if (vlen != strlen(VERSION) || memcmp(cursor, VERSION, vlen) != 0)
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor version '%.*s' is not supported",
                              (int)vlen, cursor);

    const char *payload = dot + 1;
    size_t rest = len - vlen - 1;
    for (size_t i = 0; i < rest; i++) {
        if (payload[i] != '.' && !is_b64url(payload[i]))
            return ddb_error__set(err, DDB_ERR_CURSOR,
                                  "cursor has a character outside [A-Za-z0-9._-] at offset %zu",
                                  vlen + 1 + i);
    }
    const char *tdot = memchr(payload, '.', rest);
    if (!tdot || memchr(tdot + 1, '.', rest - (size_t)(tdot - payload) - 1))
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor is malformed: expected '%s.<key>.<tag>'",
                              VERSION);
    size_t payload_len = (size_t)(tdot - payload), tag_chars = rest - payload_len - 1;
    if (payload_len == 0 || tag_chars != TAG_CHARS)
        return ddb_error__set(err, DDB_ERR_CURSOR, "cursor is truncated or malformed");

    if ((rc = decode_part(&tag, &tag_len, tdot + 1, tag_chars, "tag", err)) != 0 ||
        (rc = decode_part(&json, &json_len, payload, payload_len, "key", err)) != 0)
        goto done;
    if ((rc = compute_tag(want, context, json, json_len, key, err)) != 0)
        goto done;
    if (tag_len != TAG_BYTES || CRYPTO_memcmp(tag, want, TAG_BYTES) != 0) {
        rc = ddb_error__set(err, DDB_ERR_CURSOR, "cursor integrity check failed");
        goto done;
    }

    /* Authentic from here on, unless the built-in key was used. */
    if (ddb_item_from_json(&k, (const char *)json, json_len, NULL) != 0) {
        rc = ddb_error__set(err, DDB_ERR_CURSOR, "cursor key is not valid DynamoDB JSON");
        goto done;
    }
    const char *problem = key_problem(k, why, sizeof(why));
    if (problem) {
        rc = ddb_error__set(err, DDB_ERR_CURSOR, "cursor key %s", problem);
        goto done;
    }
    *out = k;
    k = NULL;

done:
    free(json);
    free(tag);
    ddb_value_free(k);
    return rc;
}
