/*
 * Header safety end to end, through the fault proxy in front of DynamoDB Local: the proxy keeps
 * every request as it arrived, so these tests read the headers the client really put on the wire.
 *
 * - A session token with a CR/LF (or another control byte) from any credential source is refused
 *   with an error that names the source, and no request reaches the proxy.
 * - Large tokens go whole: the X-Amz-Security-Token on the wire is the token, byte for byte, and
 *   the Authorization header is the signature of exactly what was sent (recomputed here). DynamoDB
 *   Local accepts a 6 KB token; it answers 431 to 8 KB and 64 KB ones, and the error names the
 *   size of the header block, which must equal what the proxy received.
 * - An X-Amz-Crc32 that is not a number is a checksum error and is retried like a mismatch.
 *
 * The credential endpoints (container, instance metadata, STS) are a loopback http_fixture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "support/fault_proxy.h"
#include "support/harness.h"
#include "support/http_fixture.h"
#include "support/testenv.h"
#include "test.h"
#include "wire/credentials_internal.h"
#include "wire/sigv4.h"

#define AKID "AKIDHEADERSAFETY"
#define SECRET "hdrSafetySecret/ddbkit+LEAKCHECK"
#define INJECTED "tok\r\nX-Injected: yes"

static const char *const sources[] = {"environment", "profile", "credential_process",
                                      "container",   "imds",    "web_identity",
                                      "assume_role"};
#define N_SOURCES (sizeof(sources) / sizeof(sources[0]))

typedef struct world {
    char *home;
    fault_proxy *proxy;
    http_fixture *meta; /* container endpoint, instance metadata or STS, per source */
} world;

/*
 * upstream: the SigV4-checking proxy (harness_endpoint) for most tests, so every signature is
 * verified; DynamoDB Local itself (harness_raw_endpoint) where its own limit on the header block
 * is the subject, since the checking proxy drops the token before forwarding.
 */
static void world_init_to(world *w, const char *upstream)
{
    memset(w, 0, sizeof(*w));
    testenv_clean();
    w->home = testenv_tmpdir();
    setenv("HOME", w->home, 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    setenv("AWS_REGION", "us-east-1", 1);
    w->proxy = fault_proxy_start(upstream);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", fault_proxy_endpoint(w->proxy), 1);
}

static void world_init(world *w)
{
    world_init_to(w, harness_endpoint());
}

static void world_free(world *w)
{
    http_fixture_stop(w->meta);
    fault_proxy_stop(w->proxy);
    testenv_rmtree(w->home);
    free(w->home);
    testenv_clean();
}

/* The string as a JSON string body (without quotes). Caller frees. */
static char *json_escape(const char *s)
{
    char *out = malloc(strlen(s) * 6 + 1), *o = out;
    for (; *s; s++) {
        unsigned char b = (unsigned char)*s;
        if (b == '"' || b == '\\')
            o += sprintf(o, "\\%c", b);
        else if (b < 0x20 || b == 0x7f)
            o += sprintf(o, "\\u%04x", b);
        else
            *o++ = (char)b;
    }
    *o = '\0';
    return out;
}

/* The string as XML text, control bytes as character references. Caller frees. */
static char *xml_escape(const char *s)
{
    char *out = malloc(strlen(s) * 6 + 1), *o = out;
    for (; *s; s++) {
        unsigned char b = (unsigned char)*s;
        if (b < 0x20 || b == '&' || b == '<' || b == '>')
            o += sprintf(o, "&#%u;", b);
        else
            *o++ = (char)b;
    }
    *o = '\0';
    return out;
}

static char *expiration_in_an_hour(void)
{
    char *exp = malloc(32);
    ddb_creds__format_time((int64_t)time(NULL) + 3600, exp, 32);
    return exp;
}

static char *creds_json(const char *token, bool process)
{
    char *exp = expiration_in_an_hour(), *t = json_escape(token);
    size_t cap = strlen(t) + 512;
    char *json = malloc(cap);
    snprintf(json, cap,
             "{%s\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET "\",\"%s\":\"%s\","
             "\"Expiration\":\"%s\"}",
             process ? "\"Version\":1," : "\"Code\":\"Success\",",
             process ? "SessionToken" : "Token", t, exp);
    free(exp);
    free(t);
    return json;
}

static char *sts_xml(const char *token)
{
    char *exp = expiration_in_an_hour(), *t = xml_escape(token);
    size_t cap = strlen(t) + 1024;
    char *xml = malloc(cap);
    snprintf(
        xml, cap,
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
        "<Credentials><AccessKeyId>" AKID "</AccessKeyId><SecretAccessKey>" SECRET
        "</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration>"
        "</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>req-1</RequestId>"
        "</ResponseMetadata></AssumeRoleResponse>",
        t, exp);
    free(exp);
    free(t);
    return xml;
}

/* Configure exactly one credential source to deliver `token` (with AKID and SECRET). */
static void use_source(world *w, const char *source, const char *token)
{
    testenv_clean();
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", fault_proxy_endpoint(w->proxy), 1);
    free(testenv_write(w->home, ".aws/config", "", 0600));
    free(testenv_write(w->home, ".aws/credentials", "", 0600));
    http_fixture_stop(w->meta);
    w->meta = http_fixture_start();
    if (!w->meta)
        exit(1);
    if (strcmp(source, "environment") == 0) {
        setenv("AWS_ACCESS_KEY_ID", AKID, 1);
        setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
        setenv("AWS_SESSION_TOKEN", token, 1);
    } else if (strcmp(source, "profile") == 0) {
        size_t cap = strlen(token) + 256;
        char *text = malloc(cap);
        snprintf(text, cap,
                 "[tok]\naws_access_key_id = " AKID "\naws_secret_access_key = " SECRET
                 "\naws_session_token = %s\n",
                 token);
        free(testenv_write(w->home, ".aws/credentials", text, 0600));
        free(text);
        setenv("AWS_PROFILE", "tok", 1);
    } else if (strcmp(source, "credential_process") == 0) {
        char *json = creds_json(token, true), config[1024];
        free(testenv_write(w->home, "creds.json", json, 0600));
        free(json);
        snprintf(config, sizeof(config), "[profile proc]\ncredential_process = cat %s/creds.json\n",
                 w->home);
        free(testenv_write(w->home, ".aws/config", config, 0600));
        setenv("AWS_PROFILE", "proc", 1);
    } else if (strcmp(source, "container") == 0) {
        char *json = creds_json(token, false), url[256];
        http_fixture_add(w->meta, "GET", "/v2/credentials/task", 200, "application/json", json);
        free(json);
        snprintf(url, sizeof(url), "%s/v2/credentials/task", http_fixture_url(w->meta));
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    } else if (strcmp(source, "imds") == 0) {
        char *json = creds_json(token, false);
        http_fixture_add(w->meta, "PUT", "/latest/api/token", 200, "text/plain", "IMDSTOKEN");
        http_fixture_add(w->meta, "GET", "/latest/meta-data/iam/security-credentials/", 200,
                         "text/plain", "role\n");
        http_fixture_add(w->meta, "GET", "/latest/meta-data/iam/security-credentials/role", 200,
                         "application/json", json);
        free(json);
        unsetenv("AWS_EC2_METADATA_DISABLED");
        setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", http_fixture_url(w->meta), 1);
    } else { /* web_identity, assume_role: STS */
        char *xml = sts_xml(token);
        http_fixture_add(w->meta, "POST", "/", 200, "text/xml", xml);
        free(xml);
        setenv("AWS_ENDPOINT_URL_STS", http_fixture_url(w->meta), 1);
        if (strcmp(source, "web_identity") == 0) {
            char *file = testenv_write(w->home, "web-token", "eyJhbGciOiJSUzI1NiJ9.jwt\n", 0600);
            setenv("AWS_WEB_IDENTITY_TOKEN_FILE", file, 1);
            setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Web", 1);
            free(file);
        } else {
            free(testenv_write(w->home, ".aws/config",
                               "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/R\n"
                               "source_profile = base\n",
                               0600));
            free(testenv_write(w->home, ".aws/credentials",
                               "[base]\naws_access_key_id = AKIDBASE\n"
                               "aws_secret_access_key = base-secret\n",
                               0600));
            setenv("AWS_PROFILE", "role", 1);
        }
    }
}

/* What an error for `source` must name. */
static const char *source_in_message(const char *source)
{
    if (strcmp(source, "environment") == 0)
        return "AWS_SESSION_TOKEN holds";
    if (strcmp(source, "profile") == 0)
        return "aws_session_token of profile \"tok\" holds";
    if (strcmp(source, "credential_process") == 0)
        return "SessionToken from credential_process of profile \"proc\" holds";
    if (strcmp(source, "container") == 0)
        return "Token from the container credentials endpoint holds";
    if (strcmp(source, "imds") == 0)
        return "Token from instance metadata holds";
    if (strcmp(source, "web_identity") == 0)
        return "Credentials/SessionToken from STS AssumeRoleWithWebIdentity holds";
    return "Credentials/SessionToken from STS AssumeRole holds";
}

static ddb_client *client(int max_attempts, ddb_error *err)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.max_attempts = max_attempts;
    ddb_client *c = NULL;
    return ddb_client_new(&c, &opts, err) == 0 ? c : NULL;
}

static int list_tables(ddb_client *c, ddb_error *err)
{
    ddb_list_tables_input in = {0};
    ddb_list_tables_output *out = NULL;
    int rc = ddb_list_tables(&out, c, &in, err);
    ddb_list_tables_output_free(out);
    return rc;
}

/* ---- the wire ------------------------------------------------------------------------------- */

typedef struct sent {
    char *raw;
    size_t len;
    size_t head_len; /* request line and headers, up to and including the blank line */
} sent;

/* A header's value in the captured head (first match, as sent). Caller frees; NULL if absent. */
static char *sent_header(const sent *s, const char *name)
{
    size_t n = strlen(name);
    const char *line = strstr(s->raw, "\r\n") + 2, *end = s->raw + s->head_len;
    while (line < end) {
        const char *eol = strstr(line, "\r\n");
        if (!eol || eol >= end)
            break;
        if ((size_t)(eol - line) > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            return strndup(v, (size_t)(eol - v));
        }
        line = eol + 2;
    }
    return NULL;
}

static bool capture(fault_proxy *p, size_t i, sent *out)
{
    out->raw = fault_proxy_request_raw(p, i, &out->len);
    const char *e = out->raw ? strstr(out->raw, "\r\n\r\n") : NULL;
    out->head_len = e ? (size_t)(e - out->raw) + 4 : 0;
    return e != NULL;
}

/*
 * The request carries `token` whole, and its Authorization is the SigV4 signature of what was
 * sent: the captured Host, Content-Type, X-Amz-Target, X-Amz-Date, token and body, signed again
 * here with the secret.
 */
static void check_sent_whole_and_signed(const sent *s, const char *token)
{
    char *host = sent_header(s, "Host"), *ct = sent_header(s, "Content-Type"),
         *target = sent_header(s, "X-Amz-Target"), *date = sent_header(s, "X-Amz-Date"),
         *auth = sent_header(s, "Authorization"), *tok = sent_header(s, "X-Amz-Security-Token");
    CHECK(tok != NULL);
    CHECK(sent_header(s, "X-Injected") == NULL);
    if (tok) {
        CHECK_INT(strlen(tok), strlen(token));
        CHECK(strcmp(tok, token) == 0);
    }
    REQUIRE(host && ct && target && date && auth && tok && strlen(date) == 16);
    char iso[32];
    snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", date, date + 4, date + 6, date + 9,
             date + 11, date + 13);
    int64_t when = 0;
    REQUIRE(ddb_creds__parse_time(iso, &when) == 0);
    const ddb_sigv4__header h[] = {{"host", host}, {"content-type", ct}, {"x-amz-target", target}};
    const ddb_sigv4__request req = {.method = "POST",
                                    .path = "/",
                                    .headers = h,
                                    .n_headers = 3,
                                    .body = s->raw + s->head_len,
                                    .body_len = s->len - s->head_len};
    const ddb_sigv4__credentials creds = {AKID, SECRET, tok};
    const ddb_sigv4__params params = {.region = "us-east-1", .service = "dynamodb", .time = when};
    ddb_sigv4__result sig = DDB_SIGV4__RESULT_INIT;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sigv4__sign(&sig, NULL, &req, &creds, &params, &err) == 0);
    CHECK_STR(auth, sig.authorization);
    CHECK_CONTAINS(auth, "x-amz-security-token");
    ddb_sigv4__result_clear(&sig);
    free(host);
    free(ct);
    free(target);
    free(date);
    free(auth);
    free(tok);
}

/* A token of n bytes from the base64 alphabet, as STS tokens are. Caller frees. */
static char *long_token(size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = alphabet[(i * 7 + i / 64) % 64];
    t[n] = '\0';
    return t;
}

/* ---- cases ---------------------------------------------------------------------------------- */

TEST(injected_token_from_every_source_is_refused_and_nothing_is_sent)
{
    world w;
    world_init(&w);
    for (size_t i = 0; i < N_SOURCES; i++) {
        const char *source = sources[i];
        /* A config file line ends at LF, so the profile's token carries a bare CR. */
        const char *token = strcmp(source, "profile") == 0 ? "tok\rX-Injected: yes" : INJECTED;
        use_source(&w, source, token);
        fault_proxy_script(w.proxy, NULL, 0, (fault_step){.action = FAULT_FORWARD});
        ddb_error err = DDB_ERROR_INIT;
        ddb_client *c = client(1, &err);
        int rc = c ? list_tables(c, &err) : err.code;
        fprintf(stderr, "%s: %s: %s\n", source, ddb_error_code_name(rc), err.message);
        CHECK(rc == DDB_ERR_CREDENTIALS || rc == DDB_ERR_CONFIG);
        CHECK_CONTAINS(err.message, source_in_message(source));
        CHECK_CONTAINS(err.message, "CR (0x0d) at byte 3");
        CHECK(strstr(err.message, "Injected") == NULL);
        CHECK(strstr(err.message, "tok\r") == NULL);
        CHECK(strstr(err.message, SECRET) == NULL);
        CHECK_INT(fault_proxy_requests(w.proxy), 0); /* nothing reached the wire */
        ddb_client_free(c);
    }
    world_free(&w);
}

TEST(large_token_from_every_source_reaches_dynamodb_local_whole)
{
    world w;
    world_init(&w);
    char *token = long_token(6000); /* past the old 4105-byte cut, under Jetty's 8 KB */
    for (size_t i = 0; i < N_SOURCES; i++) {
        use_source(&w, sources[i], token);
        fault_proxy_script(w.proxy, NULL, 0, (fault_step){.action = FAULT_FORWARD});
        ddb_error err = DDB_ERROR_INIT;
        ddb_client *c = client(1, &err);
        REQUIRE(c != NULL);
        int rc = list_tables(c, &err);
        fprintf(stderr, "%s with a 6000-byte token: %s %s\n", sources[i], ddb_error_code_name(rc),
                err.message);
        CHECK_INT(rc, 0);
        CHECK_INT(fault_proxy_requests(w.proxy), 1);
        sent s = {0};
        if (capture(w.proxy, 0, &s))
            check_sent_whole_and_signed(&s, token);
        free(s.raw);
        ddb_client_free(c);
    }
    free(token);
    world_free(&w);
}

TEST(tokens_of_8k_and_64k_go_whole_and_http_431_names_the_header_size)
{
    world w;
    world_init_to(&w, harness_raw_endpoint());
    const size_t sizes[] = {8 * 1024, 64 * 1024};
    for (size_t i = 0; i < 2; i++) {
        char *token = long_token(sizes[i]);
        use_source(&w, "environment", token);
        fault_proxy_script(w.proxy, NULL, 0, (fault_step){.action = FAULT_FORWARD});
        ddb_error err = DDB_ERROR_INIT;
        ddb_client *c = client(3, &err);
        REQUIRE(c != NULL);
        int rc = list_tables(c, &err);
        fprintf(stderr, "%zu-byte token: %s: %s\n", sizes[i], ddb_error_code_name(rc), err.message);
        CHECK_INT(rc, DDB_ERR_LIMIT);
        CHECK_INT(err.http_status, 431);
        CHECK_INT(fault_proxy_requests(w.proxy), 1); /* not retried: it would fail the same way */
        sent s = {0};
        REQUIRE(capture(w.proxy, 0, &s));
        check_sent_whole_and_signed(&s, token);
        char expected[128];
        snprintf(expected, sizeof(expected),
                 "request headers %zu bytes refused by the server (HTTP 431)", s.head_len);
        CHECK_STR(err.message, expected);
        free(s.raw);
        ddb_client_free(c);
        free(token);
    }
    world_free(&w);
}

/* libcurl sends a body over 64 KB apart from the headers; the size named must still be the head's. */
TEST(http_431_names_the_header_size_with_a_large_body_too)
{
    world w;
    world_init_to(&w, harness_raw_endpoint());
    char *token = long_token(9000), *big = long_token(100 * 1024);
    use_source(&w, "environment", token);
    fault_proxy_script(w.proxy, NULL, 0, (fault_step){.action = FAULT_FORWARD});
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = client(1, &err);
    REQUIRE(c != NULL);
    ddb_value *item = NULL;
    REQUIRE(ddb_value_new_m(&item, &err) == 0);
    REQUIRE(ddb_value_m_set_s(item, "pk", "k", &err) == 0);
    REQUIRE(ddb_value_m_set_s(item, "blob", big, &err) == 0);
    ddb_put_item_input in = {.table_name = "header_safety_any", .item = item};
    ddb_put_item_output *out = NULL;
    CHECK_INT(ddb_put_item(&out, c, &in, &err), DDB_ERR_LIMIT);
    ddb_put_item_output_free(out);
    sent s = {0};
    REQUIRE(capture(w.proxy, 0, &s));
    CHECK(s.len - s.head_len > 100 * 1024);
    check_sent_whole_and_signed(&s, token);
    char expected[128];
    snprintf(expected, sizeof(expected),
             "request headers %zu bytes refused by the server (HTTP 431)", s.head_len);
    CHECK_STR(err.message, expected);
    free(s.raw);
    ddb_value_free(item);
    ddb_client_free(c);
    free(token);
    free(big);
    world_free(&w);
}

TEST(unreadable_crc32_is_a_checksum_error_retried_like_a_mismatch)
{
    world w;
    world_init(&w);
    use_source(&w, "environment", "short-token");
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = client(3, &err);
    REQUIRE(c != NULL);
    static const char *const values[] = {"abc",         "",   "-1",   "4294967296",
                                         "99999999999", "+5", "0x1f", "12 34"};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        fault_step bad = {.action = FAULT_CORRUPT_CRC, .crc32_value = values[i]};
        fault_proxy_script(w.proxy, &bad, 1, (fault_step){.action = FAULT_FORWARD});
        int rc = list_tables(c, &err);
        if (rc)
            fprintf(stderr, "X-Amz-Crc32 \"%s\": %s\n", values[i], err.message);
        CHECK_INT(rc, 0);                            /* the retry got a good answer */
        CHECK_INT(fault_proxy_requests(w.proxy), 2); /* so the bad one was not accepted */
    }
    /* Every answer unreadable: the call fails with the checksum error, after every attempt. */
    fault_proxy_script(w.proxy, NULL, 0,
                       (fault_step){.action = FAULT_CORRUPT_CRC, .crc32_value = "abc"});
    CHECK_INT(list_tables(c, &err), DDB_ERR_CRC32);
    CHECK_CONTAINS(err.message, "X-Amz-Crc32 \"abc\" is not a number from 0 to 4294967295");
    CHECK(err.retryable);
    CHECK_INT(fault_proxy_requests(w.proxy), 3);
    ddb_client_free(c);
    world_free(&w);
}

TEST_MAIN(CASE(injected_token_from_every_source_is_refused_and_nothing_is_sent),
          CASE(large_token_from_every_source_reaches_dynamodb_local_whole),
          CASE(tokens_of_8k_and_64k_go_whole_and_http_431_names_the_header_size),
          CASE(http_431_names_the_header_size_with_a_large_body_too),
          CASE(unreadable_crc32_is_a_checksum_error_retried_like_a_mismatch))
