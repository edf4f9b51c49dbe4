/*
 * ddbkit's SigV4 signer, case by case, for tests/unit/sigv4_oracle.py to compare with botocore's.
 *
 *   sigv4_oracle CASES.json   writes one JSON object per case to stdout:
 *     {"id": ..., "canonical_request": ..., "string_to_sign": ..., "authorization": ...}
 *     or {"id": ..., "error": "<code>: <message>"} when the signer refuses the case.
 *
 * CASES.json is an array of {"id", "method", "path", "query", "headers": [[name, value], ...],
 * "body_hex", "access_key_id", "secret_access_key", "session_token" (or null), "region",
 * "service", "time" (epoch seconds)}. The signer adds X-Amz-Date and X-Amz-Security-Token itself.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/sigv4.h"

#define HEADERS_MAX 64

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode hex into a new buffer; NULL on malformed input or no memory. */
static unsigned char *from_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2)
        return NULL;
    unsigned char *out = malloc(n / 2 + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

/* Sign one case and print its result line; false when the case itself is malformed. */
static bool run_case(json_t *c, ddb_sigv4__cache *cache)
{
    json_error_t jerr;
    json_t *id = NULL, *headers = NULL, *token_json = NULL;
    const char *method, *path, *query, *body_hex, *akid, *secret, *token = NULL, *region, *service;
    json_int_t when;
    if (json_unpack_ex(c, &jerr, 0, "{s:o, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:s, s:s, s:I}",
                       "id", &id, "method", &method, "path", &path, "query", &query, "headers",
                       &headers, "body_hex", &body_hex, "access_key_id", &akid, "secret_access_key",
                       &secret, "session_token", &token_json, "region", &region, "service",
                       &service, "time", &when) != 0) {
        fprintf(stderr, "sigv4_oracle: malformed case: %s\n", jerr.text);
        return false;
    }
    token = json_string_value(token_json); /* null: no session token */
    size_t n_headers = json_array_size(headers);
    if (!json_is_array(headers) || n_headers > HEADERS_MAX) {
        fprintf(stderr, "sigv4_oracle: headers must be an array of at most %d pairs\n",
                HEADERS_MAX);
        return false;
    }
    ddb_sigv4__header hs[HEADERS_MAX];
    for (size_t i = 0; i < n_headers; i++) {
        json_t *pair = json_array_get(headers, i);
        hs[i].name = json_string_value(json_array_get(pair, 0));
        hs[i].value = json_string_value(json_array_get(pair, 1));
        if (!hs[i].name || !hs[i].value) {
            fprintf(stderr, "sigv4_oracle: header %zu is not [name, value]\n", i);
            return false;
        }
    }
    size_t body_len = 0;
    unsigned char *body = from_hex(body_hex, &body_len);
    if (!body) {
        fprintf(stderr, "sigv4_oracle: body_hex is not hex\n");
        return false;
    }
    ddb_sigv4__request req = {.method = method,
                              .path = path,
                              .query = query,
                              .headers = hs,
                              .n_headers = n_headers,
                              .body = body,
                              .body_len = body_len};
    ddb_sigv4__credentials creds = {akid, secret, token};
    ddb_sigv4__params params = {
        .region = region, .service = service, .time = (int64_t)when, .flags = DDB_SIGV4__CAPTURE};
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_sigv4__sign(&res, cache, &req, &creds, &params, &err);
    json_t *out;
    if (rc != 0) {
        char msg[640];
        snprintf(msg, sizeof(msg), "%s: %s", ddb_error_code_name(rc), err.message);
        out = json_pack("{s:O, s:s}", "id", id, "error", msg);
    } else {
        out =
            json_pack("{s:O, s:s, s:s, s:s}", "id", id, "canonical_request", res.canonical_request,
                      "string_to_sign", res.string_to_sign, "authorization", res.authorization);
    }
    char *line = out ? json_dumps(out, JSON_COMPACT) : NULL;
    if (line)
        printf("%s\n", line);
    free(line);
    json_decref(out);
    ddb_sigv4__result_clear(&res);
    free(body);
    return line != NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sigv4_oracle CASES.json\n");
        return 2;
    }
    json_error_t jerr;
    json_t *cases = json_load_file(argv[1], 0, &jerr);
    if (!json_is_array(cases)) {
        fprintf(stderr, "sigv4_oracle: %s: %s\n", argv[1], cases ? "not an array" : jerr.text);
        json_decref(cases);
        return 2;
    }
    ddb_sigv4__cache *cache = NULL;
    if (ddb_sigv4__cache_new(&cache, NULL) != 0)
        return 2;
    int status = 0;
    for (size_t i = 0; i < json_array_size(cases); i++)
        if (!run_case(json_array_get(cases, i), cache))
            status = 2;
    ddb_sigv4__cache_free(cache);
    json_decref(cases);
    return status;
}
