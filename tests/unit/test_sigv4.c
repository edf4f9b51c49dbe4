/*
 * The official AWS SigV4 test suite, one vector folder per run: `unit_test_sigv4 <folder>`.
 *
 * Reads context.json and request.txt, signs, and compares the header-* files exactly. The query-*
 * files (presigned URLs) are out of scope: ddbkit only signs headers.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "wire/sigv4.h"

#define FILE_MAX ((size_t)1024 * 1024)
#define HEADERS_MAX 64

typedef struct parsed_request {
    char *text; /* request.txt, cut in place into the pieces below */
    const char *method;
    const char *target; /* path and query, as written */
    const char *version;
    char *path;
    const char *query;
    ddb_sigv4__header headers[HEADERS_MAX]; /* values as written, folded lines included */
    size_t n_headers;
    const char *body;
    size_t body_len;
} parsed_request;

static char *read_file(const char *dir, const char *name, size_t *len_out)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t len = buf ? fread(buf, 1, FILE_MAX, f) : 0;
    bool too_big = buf && len == FILE_MAX && fgetc(f) != EOF;
    fclose(f);
    if (!buf || too_big) {
        fprintf(stderr, "%s is too big or memory ran out\n", path);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

/* Cut the next line (LF or CRLF) out of *p, or return NULL at the end. */
static char *next_line(char **p, char *end)
{
    if (*p >= end)
        return NULL;
    char *line = *p;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    char *stop = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    if (stop > line && stop[-1] == '\r')
        stop--;
    *stop = '\0';
    return line;
}

/*
 * request.txt: "METHOD target HTTP/1.1" (the target may contain spaces), header lines "Name:value"
 * with continuation lines starting with whitespace, a blank line, then the body.
 */
static bool parse_request(parsed_request *r, char *text, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->text = text;
    char *p = text, *end = text + len;
    char *line = next_line(&p, end);
    char *sp1 = line ? strchr(line, ' ') : NULL;
    char *sp2 = line ? strrchr(line, ' ') : NULL;
    if (!sp1 || sp2 == sp1) {
        fprintf(stderr, "malformed request line\n");
        return false;
    }
    *sp1 = '\0';
    *sp2 = '\0';
    r->method = line;
    r->target = sp1 + 1;
    r->version = sp2 + 1;
    r->path = strdup(r->target);
    if (!r->path)
        return false;
    char *q = strchr(r->path, '?');
    if (q) {
        *q = '\0';
        r->query = q + 1;
    }

    char *value_end = NULL; /* where the last header's value ends, to join continuation lines */
    while ((line = next_line(&p, end)) != NULL) {
        if (*line == '\0')
            break;
        if (*line == ' ' || *line == '\t') {
            if (!value_end) {
                fprintf(stderr, "continuation line before any header\n");
                return false;
            }
            /* Restore the line break next_line cut, so the value keeps the folded text. */
            *value_end = '\n';
            memmove(value_end + 1, line, strlen(line) + 1);
            value_end += 1 + strlen(value_end + 1);
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon || r->n_headers == HEADERS_MAX) {
            fprintf(stderr, "malformed header line or too many headers\n");
            return false;
        }
        *colon = '\0';
        r->headers[r->n_headers].name = line;
        r->headers[r->n_headers].value = colon + 1;
        r->n_headers++;
        value_end = colon + 1 + strlen(colon + 1);
    }
    r->body = p;
    r->body_len = (size_t)(end - p);
    return true;
}

/* "2015-08-30T12:36:00Z" to epoch seconds. */
static bool parse_timestamp(const char *s, int64_t *out)
{
    struct tm tm = {0};
    char z = 0;
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &z) != 7 ||
        z != 'Z')
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return true;
}

static int mismatches;

static void compare(const char *what, const char *expected, const char *actual)
{
    if (expected && actual && strcmp(expected, actual) == 0)
        return;
    mismatches++;
    fprintf(stderr, "MISMATCH %s\n--- expected:\n%s\n--- actual:\n%s\n---\n", what,
            expected ? expected : "(missing)", actual ? actual : "(missing)");
}

static void compare_file(const char *dir, const char *name, const char *actual)
{
    char *expected = read_file(dir, name, NULL);
    compare(name, expected, actual);
    free(expected);
}

/* The request as the suite writes it once signed: the original headers, then the token, the date,
 * the content hash when signed, and Authorization; then the blank line and the body. */
static char *signed_request(const parsed_request *r, const ddb_sigv4__result *res,
                            const char *token, bool content_sha256)
{
    size_t size = strlen(r->method) + strlen(r->target) + strlen(r->version) + r->body_len + 256 +
                  strlen(res->authorization) + (token ? strlen(token) : 0);
    for (size_t i = 0; i < r->n_headers; i++)
        size += strlen(r->headers[i].name) + strlen(r->headers[i].value) + 2;
    char *out = malloc(size);
    if (!out)
        return NULL;
    int n = snprintf(out, size, "%s %s %s\n", r->method, r->target, r->version);
    for (size_t i = 0; i < r->n_headers; i++)
        n +=
            snprintf(out + n, size - (size_t)n, "%s:%s\n", r->headers[i].name, r->headers[i].value);
    if (token)
        n += snprintf(out + n, size - (size_t)n, "X-Amz-Security-Token:%s\n", token);
    n += snprintf(out + n, size - (size_t)n, "X-Amz-Date:%s\n", res->amz_date);
    if (content_sha256)
        n += snprintf(out + n, size - (size_t)n, "x-amz-content-sha256:%s\n", res->payload_hash);
    n += snprintf(out + n, size - (size_t)n, "Authorization:%s\n\n", res->authorization);
    memcpy(out + n, r->body, r->body_len);
    out[(size_t)n + r->body_len] = '\0';
    return out;
}

static int run_vector(const char *dir)
{
    json_error_t jerr;
    json_t *ctx = NULL;
    char *request_text = NULL;
    char *signed_text = NULL;
    parsed_request req = {0};
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    ddb_error err = DDB_ERROR_INIT;
    int status = 1;

    char ctx_path[4096];
    snprintf(ctx_path, sizeof(ctx_path), "%s/context.json", dir);
    ctx = json_load_file(ctx_path, 0, &jerr);
    if (!ctx) {
        fprintf(stderr, "%s: %s\n", ctx_path, jerr.text);
        goto done;
    }
    const char *akid = NULL, *secret = NULL, *token = NULL, *region = NULL, *service = NULL;
    const char *timestamp = NULL;
    int normalize = 1, sign_body = 0, omit_token = 0;
    if (json_unpack_ex(ctx, &jerr, 0, "{s:{s:s, s:s, s?s}, s:s, s:s, s:s, s?b, s?b, s?b}",
                       "credentials", "access_key_id", &akid, "secret_access_key", &secret, "token",
                       &token, "region", &region, "service", &service, "timestamp", &timestamp,
                       "normalize", &normalize, "sign_body", &sign_body, "omit_session_token",
                       &omit_token) != 0) {
        fprintf(stderr, "%s: %s\n", ctx_path, jerr.text);
        goto done;
    }
    int64_t when = 0;
    if (!parse_timestamp(timestamp, &when)) {
        fprintf(stderr, "%s: bad timestamp\n", ctx_path);
        goto done;
    }

    size_t len = 0;
    request_text = read_file(dir, "request.txt", &len);
    if (!request_text || !parse_request(&req, request_text, len))
        goto done;

    ddb_sigv4__request sreq = {
        .method = req.method,
        .path = req.path,
        .query = req.query,
        .headers = req.headers,
        .n_headers = req.n_headers,
        .body = req.body,
        .body_len = req.body_len,
    };
    ddb_sigv4__credentials creds = {akid, secret, token};
    ddb_sigv4__params params = {
        .region = region,
        .service = service,
        .time = when,
        .flags = DDB_SIGV4__CAPTURE | (normalize ? 0 : DDB_SIGV4__NO_NORMALIZE_PATH) |
                 (sign_body ? DDB_SIGV4__CONTENT_SHA256 : 0) |
                 (omit_token ? DDB_SIGV4__UNSIGNED_TOKEN : 0),
    };
    int rc = ddb_sigv4__sign(&res, NULL, &sreq, &creds, &params, &err);
    if (rc != 0) {
        fprintf(stderr, "sign failed: %s: %s\n", ddb_error_code_name(rc), err.message);
        goto done;
    }
    compare_file(dir, "header-canonical-request.txt", res.canonical_request);
    compare_file(dir, "header-string-to-sign.txt", res.string_to_sign);
    compare_file(dir, "header-signature.txt", res.signature);
    signed_text = signed_request(&req, &res, token, sign_body);
    compare_file(dir, "header-signed-request.txt", signed_text);

    /* The cache must give the same signature, and the same again on a hit. */
    ddb_sigv4__cache *cache = NULL;
    if (ddb_sigv4__cache_new(&cache, &err) != 0) {
        fprintf(stderr, "cache_new failed: %s\n", err.message);
        goto done;
    }
    for (int i = 0; i < 2; i++) {
        ddb_sigv4__result cached = DDB_SIGV4__RESULT_INIT;
        params.flags &= ~(unsigned int)DDB_SIGV4__CAPTURE;
        rc = ddb_sigv4__sign(&cached, cache, &sreq, &creds, &params, &err);
        if (rc != 0)
            fprintf(stderr, "cached sign failed: %s\n", err.message);
        compare("signature with the key cache", res.signature, rc == 0 ? cached.signature : NULL);
        compare("authorization with the key cache", res.authorization, cached.authorization);
        CHECK(cached.canonical_request == NULL && cached.string_to_sign == NULL);
        ddb_sigv4__result_clear(&cached);
    }
    ddb_sigv4__cache_free(cache);

    status = mismatches || test_failures ? 1 : 0;
done:
    ddb_sigv4__result_clear(&res);
    free(signed_text);
    free(req.path);
    free(request_text);
    json_decref(ctx);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <sigv4 vector folder>\n", argv[0]);
        return 2;
    }
    int status = run_vector(argv[1]);
    fprintf(stderr, "%s %s\n", status == 0 ? "ok  " : "FAIL", argv[1]);
    return status;
}
