/*
 * The header builder and the checks around it, without a network: the byte rules, values of any
 * size, X-Amz-Crc32 parsing, ddb_credentials_set, the sources that need no endpoint (environment,
 * profile, credential_process, STS responses, client options, callbacks, endpoint URLs), and the
 * response checks for an unreadable checksum and HTTP 431. Errors name the source and never the
 * value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/testenv.h"
#include "test.h"
#include "wire/client_internal.h"
#include "wire/credentials_internal.h"
#include "wire/exchange.h"
#include "wire/http.h"

TEST(value_bytes)
{
    CHECK_INT(ddb_http__value_bad_at("abc", 3, false), 3);
    CHECK_INT(ddb_http__value_bad_at("a\rb", 3, true), 1);
    CHECK_INT(ddb_http__value_bad_at("ab\n", 3, true), 2);
    CHECK_INT(ddb_http__value_bad_at("a\0b", 3, true), 1);
    CHECK_INT(ddb_http__value_bad_at("a\x7f", 2, true), 1);
    CHECK_INT(ddb_http__value_bad_at("a\x01", 2, true), 1);
    CHECK_INT(ddb_http__value_bad_at("a\tb", 3, true), 3); /* HTTP allows HTAB in a value */
    CHECK_INT(ddb_http__value_bad_at("a\tb", 3, false), 1);
    CHECK_INT(ddb_http__value_bad_at("\xc3\xa9 ok", 5, false), 5); /* obs-text is not control */
    char b[40];
    CHECK_STR(ddb_http__byte_name('\r', b, sizeof(b)), "CR (0x0d)");
    CHECK_STR(ddb_http__byte_name('\n', b, sizeof(b)), "LF (0x0a)");
    CHECK_STR(ddb_http__byte_name(0, b, sizeof(b)), "NUL (0x00)");
    CHECK_STR(ddb_http__byte_name(0x7f, b, sizeof(b)), "DEL (0x7f)");
    CHECK_STR(ddb_http__byte_name(0x1b, b, sizeof(b)), "control character 0x1b");
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_http__check_value("sekrit\nX-A: 1", 13, false, "the thing", DDB_ERR_CONFIG, &err),
              DDB_ERR_CONFIG);
    CHECK_STR(err.message, "the thing holds LF (0x0a) at byte 6; it cannot go in an HTTP header");
}

TEST(header_builder_checks_and_keeps_values_whole)
{
    ddb_http__headers h = DDB_HTTP__HEADERS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    size_t n = 64 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'Q', n);
    big[n] = '\0';
    REQUIRE(ddb_http__headers_add(&h, "X-Amz-Security-Token", big, "the token", &err) == 0);
    REQUIRE(ddb_http__headers_add(&h, "X-Tab", "a\tb", "tab", &err) == 0);
    CHECK_INT(h.n, 2);
    CHECK_INT(strlen(h.lines[0]), strlen("X-Amz-Security-Token: ") + n);
    CHECK(strncmp(h.lines[0] + 22, big, n) == 0);
    CHECK_INT(h.bytes, strlen(h.lines[0]) + 2 + strlen(h.lines[1]) + 2);
    /* A bad value adds nothing and names its source, not the value. */
    CHECK_INT(ddb_http__headers_add(&h, "X-Amz-Security-Token", "tok\r\nX-Injected: yes",
                                    "the session token from environment", &err),
              DDB_ERR_INVALID_ARG);
    CHECK_INT(h.n, 2);
    CHECK_CONTAINS(err.message, "the session token from environment holds CR (0x0d) at byte 3");
    CHECK(strstr(err.message, "Injected") == NULL);
    ddb_http__headers_clear(&h);
    CHECK_INT(h.n, 0);
    free(big);
}

TEST(crc32_parsing)
{
    uint32_t v = 1;
    CHECK(ddb_http__parse_crc32("0", &v) && v == 0);
    CHECK(ddb_http__parse_crc32("4294967295", &v) && v == 4294967295u);
    CHECK(ddb_http__parse_crc32("0001", &v) && v == 1);
    static const char *const bad[] = {"",   "abc", "-1", "+1",          "4294967296",
                                      " 1", "1 ",  "1a", "99999999999", "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (ddb_http__parse_crc32(bad[i], &v)) {
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
            CHECK(!"an unreadable X-Amz-Crc32 was accepted");
        }
}

TEST(credentials_set_refuses_control_characters)
{
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_credentials_set(&c, "AKID", "secret", "tok\r\nX-Injected: yes", 0, &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "the session token holds CR (0x0d) at byte 3");
    CHECK(strstr(err.message, "Injected") == NULL);
    CHECK_INT(ddb_credentials_set(&c, "AK\nID", "secret", NULL, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "the access key id holds LF (0x0a) at byte 2");
    CHECK_INT(ddb_credentials_set(&c, "AKID", "se\x7f", NULL, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "the secret access key holds DEL (0x7f) at byte 2");
    CHECK_INT(ddb_credentials_set(&c, "AKID", "secret", "to\tk", 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "HTAB (0x09) at byte 2");
    CHECK(c.access_key_id == NULL); /* untouched on failure */
    /* No size limit. */
    size_t n = 64 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'T', n);
    big[n] = '\0';
    REQUIRE(ddb_credentials_set(&c, "AKID", "secret", big, 0, &err) == 0);
    CHECK_INT(strlen(c.session_token), n);
    ddb_credentials_clear(&c);
    free(big);
}

static int new_env(ddb_error *err)
{
    ddb_credentials_provider *p = NULL;
    int rc = ddb_credentials_provider_new_environment(&p, NULL, err);
    ddb_credentials_provider_free(p);
    return rc;
}

TEST(environment_names_the_variable)
{
    testenv_clean();
    ddb_error err = DDB_ERROR_INIT;
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    setenv("AWS_SESSION_TOKEN", "tok\r\nX-Injected: yes", 1);
    CHECK_INT(new_env(&err), DDB_ERR_CREDENTIALS);
    CHECK_STR(err.message,
              "AWS_SESSION_TOKEN holds CR (0x0d) at byte 3; it cannot go in an HTTP header");
    setenv("AWS_SESSION_TOKEN", "fine", 1);
    setenv("AWS_ACCESS_KEY_ID", "AK\x01", 1);
    CHECK_INT(new_env(&err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "AWS_ACCESS_KEY_ID holds control character 0x01 at byte 2");
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    CHECK_INT(new_env(&err), 0);
    testenv_clean();
}

TEST(profile_and_process_name_the_key_and_the_process)
{
    testenv_clean();
    char *dir = testenv_tmpdir();
    char *creds = testenv_write(dir, "credentials",
                                "[bad]\naws_access_key_id = AKID\naws_secret_access_key = s\n"
                                "aws_session_token = tok\rX-Injected: yes\n",
                                0600);
    char *json = testenv_write(dir, "out.json",
                               "{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"s\","
                               "\"SessionToken\":\"tok\\r\\nX-Injected: yes\"}",
                               0600);
    char config[1024];
    snprintf(config, sizeof(config), "[profile proc]\ncredential_process = cat %s\n", json);
    char *cfg = testenv_write(dir, "config", config, 0600);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    ddb_credentials_options opts = DDB_CREDENTIALS_OPTIONS_INIT;
    opts.profile = "bad";
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_credentials_provider_new_profile(&p, &opts, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "aws_session_token of profile \"bad\" holds CR (0x0d) at byte 3");
    opts.profile = "proc";
    REQUIRE(ddb_credentials_provider_new_profile(&p, &opts, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    CHECK_INT(ddb_credentials_provider_get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "SessionToken from credential_process of profile \"proc\" holds "
                                "CR (0x0d) at byte 3");
    CHECK(strstr(err.message, "Injected") == NULL);
    ddb_credentials_provider_free(p);
    testenv_rmtree(dir);
    free(creds);
    free(json);
    free(cfg);
    free(dir);
    testenv_clean();
}

TEST(sts_and_endpoint_json_name_their_field)
{
    const char xml[] = "<R><Credentials><AccessKeyId>AKID</AccessKeyId><SecretAccessKey>s"
                       "</SecretAccessKey><SessionToken>tok&#13;&#10;X-Injected: yes</SessionToken>"
                       "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></R>";
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_creds__sts_parse(&c, 200, xml, strlen(xml), "AssumeRole", &err),
              DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "Credentials/SessionToken from STS AssumeRole holds CR (0x0d)");
    const char json[] = "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"s\","
                        "\"Token\":\"tok\\nX-Injected: yes\"}";
    CHECK_INT(ddb_creds__parse_json(&c, json, strlen(json), false, "instance metadata", &err),
              DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "Token from instance metadata holds LF (0x0a) at byte 3");
    CHECK(c.access_key_id == NULL);
}

static int bad_callback(void *ctx, ddb_credentials *out, ddb_error *err)
{
    (void)ctx;
    (void)err;
    /* A callback may fill the struct itself, around ddb_credentials_set. */
    out->access_key_id = strdup("AKID");
    out->secret_access_key = strdup("secret");
    out->session_token = strdup("tok\nX-Injected: yes");
    return 0;
}

TEST(callback_client_option_and_endpoint_are_named)
{
    testenv_clean();
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_callback(&p, "vault", bad_callback, NULL, NULL, &err) ==
            0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    CHECK_INT(ddb_credentials_provider_get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message,
                   "the session token from credentials callback \"vault\" holds LF (0x0a)");
    ddb_credentials_provider_free(p);

    setenv("AWS_REGION", "us-east-1", 1);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://127.0.0.1:9";
    opts.access_key_id = "AKID";
    opts.secret_access_key = "secret";
    opts.session_token = "tok\r\nX-Injected: yes";
    ddb_client *cl = NULL;
    CHECK_INT(ddb_client_new(&cl, &opts, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "the client option session_token holds CR (0x0d) at byte 3");

    opts.session_token = NULL;
    opts.endpoint = NULL;
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9\r\nX-Injected: yes", 1);
    CHECK_INT(ddb_client_new(&cl, &opts, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "the endpoint URL from AWS_ENDPOINT_URL_DYNAMODB holds CR (0x0d)");
    CHECK(strstr(err.message, "Injected") == NULL);
    CHECK(cl == NULL);
    testenv_clean();
}

/* The response checks, on a client that never sends anything. */
TEST(response_checks_unreadable_crc32_and_431)
{
    testenv_clean();
    setenv("AWS_REGION", "us-east-1", 1);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://127.0.0.1:9";
    opts.access_key_id = "AKID";
    opts.secret_access_key = "secret";
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    char body[] = "{}";
    ddb_http__response r = {.status = 200, .body = body, .body_len = 2};
    r.crc32_unreadable = true;
    snprintf(r.crc32_text, sizeof(r.crc32_text), "-1");
    json_t *doc = NULL;
    CHECK_INT(ddb_exchange__check(&doc, c, "ListTables", &r, &err), DDB_ERR_CRC32);
    CHECK(err.retryable);
    CHECK_CONTAINS(err.message, "X-Amz-Crc32 \"-1\" is not a number from 0 to 4294967295");
    CHECK(doc == NULL);

    ddb_http__response big = {.status = 431, .body = body, .body_len = 0};
    big.request_head_bytes = 9123;
    CHECK_INT(ddb_exchange__check(&doc, c, "ListTables", &big, &err), DDB_ERR_LIMIT);
    CHECK_STR(err.message, "request headers 9123 bytes refused by the server (HTTP 431)");
    CHECK(!err.retryable);
    ddb_client_free(c);
    testenv_clean();
}

/* The signed request carries a 64 KB token whole, from the one builder. */
TEST(prepare_puts_a_64k_token_in_whole)
{
    testenv_clean();
    setenv("AWS_REGION", "us-east-1", 1);
    size_t n = 64 * 1024;
    char *token = malloc(n + 1);
    memset(token, 'Z', n);
    token[n] = '\0';
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://127.0.0.1:9";
    opts.access_key_id = "AKID";
    opts.secret_access_key = "secret";
    opts.session_token = token;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    ddb_exchange__signed sig;
    REQUIRE(ddb_exchange__prepare(&sig, c, "ListTables", "{}", 2, NULL, 0, &err) == 0);
    bool found = false;
    for (size_t i = 0; i < sig.n_lines; i++)
        if (strncmp(sig.lines[i], "X-Amz-Security-Token: ", 22) == 0) {
            found = true;
            CHECK_INT(strlen(sig.lines[i] + 22), n);
            CHECK(strcmp(sig.lines[i] + 22, token) == 0);
        }
    CHECK(found);
    ddb_exchange__signed_clear(&sig);
    ddb_client_free(c);
    free(token);
    testenv_clean();
}

TEST_MAIN(CASE(value_bytes), CASE(header_builder_checks_and_keeps_values_whole),
          CASE(crc32_parsing), CASE(credentials_set_refuses_control_characters),
          CASE(environment_names_the_variable),
          CASE(profile_and_process_name_the_key_and_the_process),
          CASE(sts_and_endpoint_json_name_their_field),
          CASE(callback_client_option_and_endpoint_are_named),
          CASE(response_checks_unreadable_crc32_and_431), CASE(prepare_puts_a_64k_token_in_whole))
