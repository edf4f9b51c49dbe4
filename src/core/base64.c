#include "core/base64.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/error_internal.h"

/* EVP_EncodeBlock/EVP_DecodeBlock take int lengths; work in chunks that keep 3:4 alignment. */
#define ENCODE_CHUNK ((size_t)3 << 28) /* bytes in, 4 << 28 characters out */
#define DECODE_CHUNK ((size_t)4 << 28) /* characters in */

static bool in_alphabet(unsigned char c, bool url_safe)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return url_safe ? (c == '-' || c == '_') : (c == '+' || c == '/');
}

int ddb_base64__encode(char **out, const void *data, size_t len, bool url_safe, ddb_error *err)
{
    if (!out || (!data && len > 0))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "base64 encode: %s is NULL",
                              out ? "data" : "out");
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return ddb_error__set(err, DDB_ERR_LIMIT, "base64 encode: %zu bytes is too large", len);

    size_t cap = (len + 2) / 3 * 4 + 1;
    char *text = malloc(cap);
    if (!text)
        return ddb_error__nomem(err, "base64 text");

    const unsigned char *in = data;
    size_t n = 0;
    for (size_t done = 0; done < len;) {
        size_t chunk = len - done < ENCODE_CHUNK ? len - done : ENCODE_CHUNK;
        n += (size_t)EVP_EncodeBlock((unsigned char *)text + n, in + done, (int)chunk);
        done += chunk;
    }
    text[n] = '\0';

    if (url_safe) {
        while (n > 0 && text[n - 1] == '=')
            text[--n] = '\0';
        for (size_t i = 0; i < n; i++) {
            if (text[i] == '+')
                text[i] = '-';
            else if (text[i] == '/')
                text[i] = '_';
        }
    }
    *out = text;
    return 0;
}

/*
 * Checks text against the alphabet and padding rules before OpenSSL sees it: EVP_DecodeBlock
 * skips surrounding whitespace and would accept input we must reject.
 */
static int check_text(const char *text, size_t len, bool url_safe, size_t *pad_out, ddb_error *err)
{
    const char *what = url_safe ? "base64url" : "base64";
    size_t pad = 0;
    if (!url_safe) {
        if (len % 4 != 0)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s length %zu is not a multiple of 4",
                                  what, len);
        if (len >= 4 && text[len - 1] == '=')
            pad = text[len - 2] == '=' ? 2 : 1;
    } else if (len % 4 == 1) {
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s length %zu leaves a lone trailing character", what, len);
    }
    for (size_t i = 0; i < len - pad; i++) {
        unsigned char c = (unsigned char)text[i];
        if (in_alphabet(c, url_safe))
            continue;
        if (c == '=' && url_safe)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "base64url text has '=' at offset %zu; it takes no padding", i);
        if (c == '=')
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "%s has misplaced padding at offset %zu", what, i);
        if (c >= 0x21 && c < 0x7f)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "%s has invalid character '%c' at offset %zu", what, c, i);
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s has invalid byte 0x%02x at offset %zu",
                              what, c, i);
    }
    *pad_out = pad;
    return 0;
}

/* Decodes a run of complete 4-character groups; returns the byte count or -1. */
static long decode_groups(unsigned char *dst, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t done = 0; done < len;) {
        size_t chunk = len - done < DECODE_CHUNK ? len - done : DECODE_CHUNK;
        int got = EVP_DecodeBlock(dst + n, (const unsigned char *)src + done, (int)chunk);
        if (got < 0)
            return -1;
        n += (size_t)got;
        done += chunk;
    }
    return (long)n;
}

int ddb_base64__decode(unsigned char **out, size_t *out_len, const char *text, size_t len,
                       bool url_safe, ddb_error *err)
{
    if (!out || !out_len || (!text && len > 0))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "base64 decode: %s is NULL",
                              !text ? "text" : "out");
    size_t pad = 0;
    int rc = check_text(text, len, url_safe, &pad, err);
    if (rc)
        return rc;

    /* Url-safe text becomes standard, padded text, so OpenSSL decodes both the same way. */
    char *std = NULL;
    const char *src = text;
    size_t src_len = len;
    if (url_safe && len > 0) {
        size_t tail = len % 4 ? 4 - len % 4 : 0;
        std = malloc(len + tail);
        if (!std)
            return ddb_error__nomem(err, "base64url text");
        for (size_t i = 0; i < len; i++)
            std[i] = (char)(text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i]);
        memset(std + len, '=', tail);
        src = std;
        src_len = len + tail;
        pad = tail;
    }

    unsigned char *bytes = malloc(src_len / 4 * 3 + 1);
    if (!bytes) {
        free(std);
        return ddb_error__nomem(err, "base64 bytes");
    }
    long got = src_len ? decode_groups(bytes, src, src_len) : 0;
    free(std);
    if (got < 0) {
        free(bytes);
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s text of %zu characters is malformed",
                              url_safe ? "base64url" : "base64", len);
    }
    /* EVP_DecodeBlock counts the zero bytes that padding stands for; drop them. */
    size_t n = (size_t)got - pad;
    bytes[n] = '\0';
    *out = bytes;
    *out_len = n;
    return 0;
}
