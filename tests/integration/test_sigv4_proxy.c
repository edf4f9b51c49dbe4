/*
 * The SigV4-checking proxy (tests/support/sigv4_verify_proxy.py) that every integration test talks
 * to: it refuses what real DynamoDB refuses, and passes session tokens of every length.
 *
 * The refusals here are signed with AKIDBADSIGTEST, which tests/support/sigv4_test_keys marks
 * expect-mismatch: they are logged apart, so they do not fail the fixture's stop step.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/harness.h"
#include "test.h"
#include "wire/sigv4.h"

#define BAD_KEY_ID "AKIDBADSIGTEST"
#define BAD_KEY_SECRET "right-secret-the-proxy-knows"
#define LIST_TABLES "DynamoDB_20120810.ListTables"

/* A session token shaped like STS's (base64 with '/', '+' and '='), n characters long. */
static char *make_token(size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    unsigned int x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        t[i] = alphabet[x % 64];
    }
    if (n >= 2)
        t[n - 1] = t[n - 2] = '=';
    t[n] = '\0';
    return t;
}

static int list_tables_with(const char *key_id, const char *secret, const char *token,
                            ddb_error *err)
{
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.access_key_id = key_id;
    o.secret_access_key = secret;
    o.session_token = token;
    o.max_attempts = 1;
    ddb_client *c = harness_client(&o);
    ddb_list_tables_output *out = NULL;
    int rc = ddb_list_tables(&out, c, NULL, err);
    ddb_list_tables_output_free(out);
    ddb_client_free(c);
    return rc;
}

/* Does the proxy's log of expected refusals hold a line naming both fragments? */
static bool expected_log_has(const char *a, const char *b)
{
    char *path = harness_state_path("sigv4-expected.log");
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, a) && strstr(line, b);
    fclose(f);
    return found;
}

/* ---- raw requests signed by ddbkit's signer, then spoiled on purpose ---- */

typedef enum spoil {
    SPOIL_NONE,
    SPOIL_TOKEN_UNSIGNED,        /* the token is sent but left out of the signature */
    SPOIL_BODY_AFTER_SIGNING,    /* one body byte changed after signing */
    SPOIL_CONTENT_TYPE_UNSIGNED, /* content-type sent but not signed */
    SPOIL_SIGNATURE_BYTE,        /* one hex digit of the signature flipped */
} spoil;

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static char *header_line(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", name, value);
    return s;
}

/* POST a ListTables to the proxy, signed as BAD_KEY_ID with its right secret and spoiled as
 * asked; returns the HTTP status, or -1 when the request could not be made. */
static long send_spoiled(spoil how, const char *token)
{
    const char *endpoint = harness_endpoint();
    const char *host = strstr(endpoint, "://") + 3;
    char body[] = "{}";
    ddb_sigv4__header hs[3] = {{"host", host},
                               {"content-type", "application/x-amz-json-1.0"},
                               {"x-amz-target", LIST_TABLES}};
    size_t n_signed = 3;
    if (how == SPOIL_CONTENT_TYPE_UNSIGNED) {
        hs[1] = hs[2];
        n_signed = 2;
    }
    ddb_sigv4__request req = {.method = "POST",
                              .path = "/",
                              .headers = hs,
                              .n_headers = n_signed,
                              .body = body,
                              .body_len = 2};
    ddb_sigv4__credentials creds = {BAD_KEY_ID, BAD_KEY_SECRET, token};
    ddb_sigv4__params params = {.region = "us-east-1",
                                .service = "dynamodb",
                                .time = (int64_t)time(NULL),
                                .flags =
                                    how == SPOIL_TOKEN_UNSIGNED ? DDB_SIGV4__UNSIGNED_TOKEN : 0};
    ddb_sigv4__result sig = DDB_SIGV4__RESULT_INIT;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_sigv4__sign(&sig, NULL, &req, &creds, &params, &err) != 0) {
        fprintf(stderr, "sign: %s\n", err.message);
        return -1;
    }
    if (how == SPOIL_SIGNATURE_BYTE) {
        char *last = sig.authorization + strlen(sig.authorization) - 1;
        *last = *last == '0' ? '1' : '0';
    }
    if (how == SPOIL_BODY_AFTER_SIGNING)
        body[1] = ' '; /* "{ " : still 2 bytes, a different hash */

    char *lines[4] = {header_line("X-Amz-Date", sig.amz_date),
                      header_line("Authorization", sig.authorization),
                      token ? header_line("X-Amz-Security-Token", token) : NULL, NULL};
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
    headers = curl_slist_append(headers, "X-Amz-Target: " LIST_TABLES);
    headers = curl_slist_append(headers, "Expect:");
    for (size_t i = 0; lines[i]; i++)
        headers = curl_slist_append(headers, lines[i]);
    char url[300];
    snprintf(url, sizeof(url), "%s/", endpoint);
    CURL *h = curl_easy_init();
    long status = -1;
    if (h) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 2L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
        if (curl_easy_perform(h) == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(h);
    }
    curl_slist_free_all(headers);
    for (size_t i = 0; i < 3; i++)
        free(lines[i]);
    ddb_sigv4__result_clear(&sig);
    return status;
}

/* ---- cases ---- */

/* The client with a secret the proxy knows to be wrong: DynamoDB's answer, 403. */
TEST(wrong_secret_is_refused_like_dynamodb)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = list_tables_with(BAD_KEY_ID, "not-the-right-secret", NULL, &err);
    CHECK(rc != 0);
    CHECK_INT(err.http_status, 403);
    CHECK_STR(err.aws_type, "InvalidSignatureException");
    CHECK_CONTAINS(err.message, "signature");
    CHECK(expected_log_has(BAD_KEY_ID, "ListTables"));
    ddb_error_clear(&err);
}

TEST(right_secret_of_the_same_key_is_accepted)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = list_tables_with(BAD_KEY_ID, BAD_KEY_SECRET, "short-session-token", &err);
    if (rc)
        harness_report("ListTables", rc, &err);
    CHECK_INT(rc, 0);
    ddb_error_clear(&err);
}

/* A temporary key is valid only with its own session token, as STS issues them. */
TEST(temporary_key_needs_its_own_session_token)
{
    ddb_error err = DDB_ERROR_INIT;
    const char *const tokens[] = {NULL, "another-token"};
    for (size_t i = 0; i < 2; i++) {
        int rc = list_tables_with("ASIABADSIGTEST", "temporary-secret", tokens[i], &err);
        CHECK(rc != 0);
        CHECK_INT(err.http_status, 403);
        CHECK_STR(err.aws_type, "UnrecognizedClientException");
        ddb_error_clear(&err);
    }
    CHECK(expected_log_has("ASIABADSIGTEST", "which is missing"));
    CHECK(expected_log_has("ASIABADSIGTEST", "not another one"));
    int rc = list_tables_with("ASIABADSIGTEST", "temporary-secret", "the-only-valid-token", &err);
    if (rc)
        harness_report("ListTables", rc, &err);
    CHECK_INT(rc, 0);
    ddb_error_clear(&err);
}

/* The raw path itself is sound: an unspoiled request passes, with and without a token. */
TEST(raw_signed_request_is_accepted)
{
    CHECK_INT(send_spoiled(SPOIL_NONE, NULL), 200);
    CHECK_INT(send_spoiled(SPOIL_NONE, "raw-session-token"), 200);
}

TEST(unsigned_session_token_is_refused)
{
    CHECK_INT(send_spoiled(SPOIL_TOKEN_UNSIGNED, "raw-session-token"), 403);
    CHECK(expected_log_has(BAD_KEY_ID, "x-amz-security-token is sent but not signed"));
}

TEST(body_changed_after_signing_is_refused)
{
    CHECK_INT(send_spoiled(SPOIL_BODY_AFTER_SIGNING, NULL), 403);
}

TEST(unsigned_content_type_is_refused)
{
    CHECK_INT(send_spoiled(SPOIL_CONTENT_TYPE_UNSIGNED, NULL), 403);
    CHECK(expected_log_has(BAD_KEY_ID, "content-type is not signed"));
}

TEST(flipped_signature_digit_is_refused)
{
    CHECK_INT(send_spoiled(SPOIL_SIGNATURE_BYTE, NULL), 403);
}

/* Long session tokens are signed whole and verified; the proxy drops them before DynamoDB Local,
 * which refuses header blocks near 8 KB. */
static void token_of_length(size_t n)
{
    char *token = make_token(n);
    REQUIRE(token);
    ddb_error err = DDB_ERROR_INIT;
    int rc = list_tables_with("AKIDLOCALTEST", "local-test-secret", token, &err);
    if (rc)
        fprintf(stderr, "%zu-character token: %s (HTTP %ld): %s\n", n, ddb_error_code_name(rc),
                err.http_status, err.message);
    CHECK_INT(rc, 0);
    ddb_error_clear(&err);
    free(token);
}

TEST(session_token_600_verifies)
{
    token_of_length(600);
}

TEST(session_token_8000_verifies)
{
    token_of_length(8000);
}

TEST(session_token_64000_verifies)
{
    token_of_length(64000);
}

TEST_MAIN(CASE(wrong_secret_is_refused_like_dynamodb),
          CASE(right_secret_of_the_same_key_is_accepted),
          CASE(temporary_key_needs_its_own_session_token), CASE(raw_signed_request_is_accepted),
          CASE(unsigned_session_token_is_refused), CASE(body_changed_after_signing_is_refused),
          CASE(unsigned_content_type_is_refused), CASE(flipped_signature_digit_is_refused),
          CASE(session_token_600_verifies), CASE(session_token_8000_verifies),
          CASE(session_token_64000_verifies))
