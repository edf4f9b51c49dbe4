/*
 * Configuration: the shared config and credentials files, and how region, endpoint, FIPS,
 * dual-stack and the profile's retry settings are resolved (options > environment > profile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/ddb.h"
#include "support/testenv.h"
#include "test.h"
#include "wire/client_internal.h"
#include "wire/config.h"

static ddb_config__files *parse(const char *config, const char *credentials)
{
    ddb_config__files *f = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_config__new(&f, &err) != 0)
        exit(1);
    if (config && ddb_config__parse(f, DDB_CONFIG__CONFIG, config, strlen(config), "cfg", &err)) {
        fprintf(stderr, "parse: %s\n", err.message);
        exit(1);
    }
    if (credentials && ddb_config__parse(f, DDB_CONFIG__CREDENTIALS, credentials,
                                         strlen(credentials), "creds", &err)) {
        fprintf(stderr, "parse: %s\n", err.message);
        exit(1);
    }
    return f;
}

/* Resolve a client's settings from the environment and these files, with these options. */
static int resolve(ddb_config__client *out, const char *config, const ddb_client_options *opts,
                   ddb_error *err)
{
    ddb_config__files *f = parse(config, NULL);
    static const ddb_client_options defaults = DDB_CLIENT_OPTIONS_INIT;
    int rc = ddb_config__resolve_client(out, f, opts ? opts : &defaults, err);
    ddb_config__free(f);
    return rc;
}

/* The resolved endpoint, or the error message, for the current environment and files. */
static char *endpoint_for(const char *config, const ddb_client_options *opts)
{
    ddb_config__client c = {0};
    ddb_error err = DDB_ERROR_INIT;
    char *result = NULL;
    if (resolve(&c, config, opts, &err) == 0)
        result = strdup(c.endpoint);
    else
        result = strdup(err.message);
    ddb_config__client_clear(&c);
    return result;
}

#define CHECK_ENDPOINT(config, opts, expected)                                                     \
    do {                                                                                           \
        char *got_ = endpoint_for(config, opts);                                                   \
        CHECK_STR(got_, expected);                                                                 \
        free(got_);                                                                                \
    } while (0)

TEST(parses_sections_comments_and_whitespace)
{
    const char *text = "# a comment\n"
                       "; another comment\n"
                       "\n"
                       "[default]\n"
                       "region = us-west-2   # inline comment\n"
                       "output=json\n"
                       "   \n"
                       "[profile dev]   ; comment after the header\n"
                       "region    =    eu-west-1\n"
                       "Aws_Access_Key_Id = AKIDDEV\n"
                       "secret_with_hash = abc#def;ghi\n"
                       "multi = first\n"
                       "  second line\n"
                       "services = local-ddb\n"
                       "\n"
                       "[profile   spaced   ]\n"
                       "region = ap-south-1\n"
                       "\n"
                       "[services local-ddb]\n"
                       "dynamodb =\n"
                       "  endpoint_url = http://127.0.0.1:8000\n"
                       "  # a comment between sub-properties\n"
                       "  other = x\n"
                       "sts =\n"
                       "  endpoint_url = http://127.0.0.1:9000\n"
                       "\n"
                       "[sso-session corp]\n"
                       "region = ignored-1\n"
                       "[notaprofile]\n"
                       "region = ignored-2\n"
                       "[profile]\n"
                       "region = ignored-3\n";
    ddb_config__files *f = parse(text, NULL);
    CHECK_STR(ddb_config__get(f, "default", "region"), "us-west-2");
    CHECK_STR(ddb_config__get(f, "default", "output"), "json");
    CHECK_STR(ddb_config__get(f, "dev", "region"), "eu-west-1");
    CHECK_STR(ddb_config__get(f, "dev", "aws_access_key_id"), "AKIDDEV"); /* any case */
    CHECK_STR(ddb_config__get(f, "dev", "secret_with_hash"), "abc#def;ghi");
    CHECK_STR(ddb_config__get(f, "dev", "multi"), "first\nsecond line");
    CHECK_STR(ddb_config__get(f, "spaced", "region"), "ap-south-1");
    CHECK_STR(ddb_config__services_get(f, "local-ddb", "dynamodb.endpoint_url"),
              "http://127.0.0.1:8000");
    CHECK_STR(ddb_config__services_get(f, "local-ddb", "dynamodb.other"), "x");
    CHECK_STR(ddb_config__services_get(f, "local-ddb", "sts.endpoint_url"),
              "http://127.0.0.1:9000");
    CHECK(ddb_config__get(f, "corp", "region") == NULL);
    CHECK(ddb_config__get(f, "notaprofile", "region") == NULL);
    CHECK(!ddb_config__has_profile(f, "notaprofile"));
    CHECK(ddb_config__has_profile(f, "dev"));
    CHECK(ddb_config__get(f, "dev", "missing") == NULL);
    CHECK(ddb_config__get(f, "nobody", "region") == NULL);
    ddb_config__free(f);
}

TEST(parse_errors_name_the_file_and_line_but_not_the_text)
{
    static const struct {
        const char *text;
        const char *line;
        const char *what;
    } cases[] = {
        {"[default]\n[profile broken\n", "line 2", "closing"},
        {"[default]\nSECRETLINEWITHOUTEQUALS\n", "line 2", "key = value"},
        {"region = us-east-1\n", "line 1", "before any [section]"},
        {"  indented = 1\n", "line 1", "indented line"},
        {"[default]\n= SECRETVALUE\n", "line 2", "no name"},
        {"[default] SECRETTRAILER\n", "line 1", "after the section header"},
        {"[default]\nparent =\n  SECRETSUBLINE\n", "line 3", "sub-property"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ddb_config__files *f = NULL;
        ddb_error err = DDB_ERROR_INIT;
        REQUIRE(ddb_config__new(&f, &err) == 0);
        CHECK_INT(ddb_config__parse(f, DDB_CONFIG__CONFIG, cases[i].text, strlen(cases[i].text),
                                    "/home/u/.aws/config", &err),
                  DDB_ERR_CONFIG);
        CHECK_CONTAINS(err.message, "/home/u/.aws/config");
        CHECK_CONTAINS(err.message, cases[i].line);
        CHECK_CONTAINS(err.message, cases[i].what);
        CHECK(strstr(err.message, "SECRET") == NULL);
        ddb_config__free(f);
    }
}

TEST(credentials_file_wins_and_profile_default_beats_default)
{
    const char *config = "[default]\nregion = us-east-1\naws_access_key_id = FROMCONFIG\n"
                         "[profile default]\nregion = eu-north-1\n"
                         "[profile dev]\nregion = eu-west-3\naws_access_key_id = CONFIGDEV\n";
    const char *credentials = "[dev]\naws_access_key_id = CREDSDEV\n"
                              "[profile weird]\naws_access_key_id = LITERAL\n";
    ddb_config__files *f = parse(config, credentials);
    /* [profile default] wins over [default] entirely, as in the SDKs. */
    CHECK_STR(ddb_config__get(f, "default", "region"), "eu-north-1");
    CHECK(ddb_config__get(f, "default", "aws_access_key_id") == NULL);
    CHECK_STR(ddb_config__get(f, "dev", "aws_access_key_id"), "CREDSDEV");
    CHECK_STR(ddb_config__get(f, "dev", "region"), "eu-west-3");
    /* In the credentials file a section name is the profile name as written. */
    CHECK_STR(ddb_config__get(f, "profile weird", "aws_access_key_id"), "LITERAL");
    CHECK(ddb_config__get(f, "weird", "aws_access_key_id") == NULL);
    ddb_config__free(f);
}

TEST(later_values_and_sections_win)
{
    const char *config = "[profile a]\nregion = us-east-1\nregion = us-east-2\n"
                         "[profile b]\nregion = eu-west-1\n"
                         "[profile a]\nregion = us-west-1\n";
    ddb_config__files *f = parse(config, NULL);
    CHECK_STR(ddb_config__get(f, "a", "region"), "us-west-1");
    CHECK_STR(ddb_config__get(f, "b", "region"), "eu-west-1");
    ddb_config__free(f);
}

TEST(oversized_file_is_rejected)
{
    size_t n = DDB_CONFIG__MAX_FILE + 1;
    char *big = malloc(n);
    REQUIRE(big != NULL);
    memset(big, '#', n);
    ddb_config__files *f = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_config__new(&f, &err) == 0);
    CHECK_INT(ddb_config__parse(f, DDB_CONFIG__CONFIG, big, n, "big", &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "bytes");
    ddb_config__free(f);
    free(big);
}

TEST(region_precedence)
{
    testenv_clean();
    const char *config = "[default]\nregion = eu-central-1\n";
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    ddb_config__client c = {0};
    ddb_error err = DDB_ERROR_INIT;

    REQUIRE(resolve(&c, config, NULL, &err) == 0);
    CHECK_STR(c.region, "eu-central-1");
    ddb_config__client_clear(&c);

    setenv("AWS_DEFAULT_REGION", "ap-northeast-1", 1);
    REQUIRE(resolve(&c, config, NULL, &err) == 0);
    CHECK_STR(c.region, "ap-northeast-1");
    CHECK_STR(c.region_source, "AWS_DEFAULT_REGION");
    ddb_config__client_clear(&c);

    setenv("AWS_REGION", "sa-east-1", 1);
    REQUIRE(resolve(&c, config, NULL, &err) == 0);
    CHECK_STR(c.region, "sa-east-1");
    ddb_config__client_clear(&c);

    opts.region = "ca-central-1";
    REQUIRE(resolve(&c, config, &opts, &err) == 0);
    CHECK_STR(c.region, "ca-central-1");
    ddb_config__client_clear(&c);
    testenv_clean();
}

TEST(missing_region_says_how_to_set_one)
{
    testenv_clean();
    ddb_config__client c = {0};
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(resolve(&c, "[default]\noutput = json\n", NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "no AWS region configured");
    CHECK_CONTAINS(err.message, "AWS_REGION");
    CHECK_CONTAINS(err.message, "client option region");
    CHECK_CONTAINS(err.message, "region = ");

    /* The same through the public API. */
    ddb_client *client = (ddb_client *)&c;
    ddb_client *const sentinel = client;
    CHECK_INT(ddb_client_new(&client, NULL, &err), DDB_ERR_CONFIG);
    CHECK(client == sentinel);
    CHECK_CONTAINS(err.message, "AWS_REGION");
}

TEST(invalid_region_is_rejected)
{
    testenv_clean();
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.region = "us-east-1.evil.example/x";
    ddb_config__client c = {0};
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(resolve(&c, NULL, &opts, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "not a valid AWS region");
}

TEST(endpoint_precedence)
{
    testenv_clean();
    setenv("AWS_REGION", "us-west-2", 1);
    const char *config = "[default]\n"
                         "endpoint_url = http://profile-global:1\n"
                         "services = svc\n"
                         "[services svc]\n"
                         "dynamodb =\n"
                         "  endpoint_url = http://profile-services:2\n";
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://option:5";
    setenv("AWS_ENDPOINT_URL", "http://env-global:3", 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://env-dynamodb:4", 1);

    CHECK_ENDPOINT(config, &opts, "http://option:5");      /* 1 */
    CHECK_ENDPOINT(config, NULL, "http://env-dynamodb:4"); /* 2 */
    unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
    CHECK_ENDPOINT(config, NULL, "http://env-global:3"); /* 3 */
    unsetenv("AWS_ENDPOINT_URL");
    CHECK_ENDPOINT(config, NULL, "http://profile-services:2"); /* 4 */
    CHECK_ENDPOINT("[default]\nendpoint_url = http://profile-global:1\n", NULL,
                   "http://profile-global:1"); /* 5 */
    CHECK_ENDPOINT("[default]\n", NULL, "https://dynamodb.us-west-2.amazonaws.com");
    /* A services section without a dynamodb entry falls through to the profile's endpoint_url. */
    CHECK_ENDPOINT("[default]\nservices = s\nendpoint_url = http://g:1\n[services s]\n"
                   "s3 =\n  endpoint_url = http://s3:9\n",
                   NULL, "http://g:1");
    testenv_clean();
}

TEST(ignore_configured_endpoint_urls_turns_off_steps_2_to_5)
{
    testenv_clean();
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://env-dynamodb:4", 1);
    setenv("AWS_ENDPOINT_URL", "http://env-global:3", 1);
    const char *config = "[default]\nendpoint_url = http://profile:1\n";
    const char *ignoring = "[default]\nendpoint_url = http://profile:1\n"
                           "ignore_configured_endpoint_urls = true\n";
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;

    opts.ignore_configured_endpoint_urls = true; /* the option */
    CHECK_ENDPOINT(config, &opts, "https://dynamodb.eu-west-1.amazonaws.com");
    opts.endpoint = "http://option:5"; /* the option endpoint is never ignored */
    CHECK_ENDPOINT(config, &opts, "http://option:5");

    CHECK_ENDPOINT(ignoring, NULL, "https://dynamodb.eu-west-1.amazonaws.com"); /* profile */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);                   /* environment */
    CHECK_ENDPOINT(config, NULL, "https://dynamodb.eu-west-1.amazonaws.com");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1); /* env false beats profile true */
    CHECK_ENDPOINT(ignoring, NULL, "http://env-dynamodb:4");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "sometimes", 1);
    char *msg = endpoint_for(config, NULL);
    CHECK_CONTAINS(msg, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    CHECK_CONTAINS(msg, "true or false");
    free(msg);
    testenv_clean();
}

/* The production default: with no endpoint anywhere, the client talks to regional AWS. */
TEST(no_endpoint_settings_resolve_to_the_regional_aws_endpoint)
{
    testenv_clean();
    setenv("AWS_REGION", "us-west-2", 1);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.access_key_id = "AKIDEXAMPLE";
    opts.secret_access_key = "not-a-real-secret";
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    CHECK_STR(ddb_client_endpoint(c), "https://dynamodb.us-west-2.amazonaws.com");
    CHECK_STR(ddb_client_region(c), "us-west-2");
    ddb_client_free(c);

    /* With no options at all, and the region from the profile. */
    char *dir = testenv_tmpdir();
    char *cfg = testenv_write(dir, "config", "[default]\nregion = eu-south-2\n", 0600);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    unsetenv("AWS_REGION");
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret", 1);
    REQUIRE(ddb_client_new(&c, NULL, &err) == 0);
    CHECK_STR(ddb_client_endpoint(c), "https://dynamodb.eu-south-2.amazonaws.com");
    ddb_client_free(c);
    testenv_rmtree(dir);
    free(cfg);
    free(dir);
    testenv_clean();
}

TEST(fips_and_dualstack_endpoints)
{
    testenv_clean();
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.region = "us-east-1";
    opts.use_fips_endpoint = true;
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb-fips.us-east-1.amazonaws.com");
    opts.use_dualstack_endpoint = true;
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb-fips.us-east-1.api.aws");
    opts.use_fips_endpoint = false;
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb.us-east-1.api.aws");
    opts.use_dualstack_endpoint = false;

    setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb-fips.us-east-1.amazonaws.com");
    unsetenv("AWS_USE_FIPS_ENDPOINT");
    CHECK_ENDPOINT("[default]\nuse_dualstack_endpoint = true\n", &opts,
                   "https://dynamodb.us-east-1.api.aws");
    setenv("AWS_USE_DUALSTACK_ENDPOINT", "false", 1); /* the environment beats the profile */
    CHECK_ENDPOINT("[default]\nuse_dualstack_endpoint = true\n", &opts,
                   "https://dynamodb.us-east-1.amazonaws.com");
    unsetenv("AWS_USE_DUALSTACK_ENDPOINT");

    opts.region = "cn-north-1";
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb.cn-north-1.amazonaws.com.cn");
    opts.use_dualstack_endpoint = true;
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb.cn-north-1.api.amazonwebservices.com.cn");
    opts.use_dualstack_endpoint = false;
    opts.region = "us-gov-west-1";
    opts.use_fips_endpoint = true;
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb.us-gov-west-1.amazonaws.com");
    opts.use_fips_endpoint = false;
    opts.region = "us-iso-east-1";
    CHECK_ENDPOINT(NULL, &opts, "https://dynamodb.us-iso-east-1.c2s.ic.gov");
    opts.use_dualstack_endpoint = true;
    char *msg = endpoint_for(NULL, &opts);
    CHECK_CONTAINS(msg, "dual-stack endpoints are not available in partition aws-iso");
    free(msg);

    /* FIPS with a custom endpoint is a contradiction, as in the SDKs' endpoint rules. */
    opts.region = "us-east-1";
    opts.use_dualstack_endpoint = false;
    opts.use_fips_endpoint = true;
    opts.endpoint = "http://127.0.0.1:8000";
    msg = endpoint_for(NULL, &opts);
    CHECK_CONTAINS(msg, "FIPS endpoints cannot be combined with the endpoint from the client "
                        "option endpoint");
    free(msg);
    testenv_clean();
}

TEST(profile_files_from_home_and_from_variables)
{
    testenv_clean();
    char *dir = testenv_tmpdir();
    char *home_cfg = testenv_write(dir, ".aws/config",
                                   "[default]\nregion = us-east-2\n"
                                   "[profile dev]\nregion = eu-west-2\n",
                                   0600);
    char *other =
        testenv_write(dir, "elsewhere/config", "[profile ops]\nregion = ap-east-1\n", 0600);
    char *creds = testenv_write(dir, "elsewhere/credentials", "[ops]\nregion = me-south-1\n", 0600);
    setenv("HOME", dir, 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    ddb_config__files *f = NULL;
    ddb_error err = DDB_ERROR_INIT;

    REQUIRE(ddb_config__load(&f, &err) == 0);
    CHECK_STR(ddb_config__get(f, "default", "region"), "us-east-2");
    CHECK_CONTAINS(ddb_config__config_path(f), "/.aws/config");
    ddb_config__free(f);

    setenv("AWS_PROFILE", "dev", 1);
    ddb_config__client c = {0};
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    REQUIRE(ddb_config__load(&f, &err) == 0);
    REQUIRE(ddb_config__resolve_client(&c, f, &opts, &err) == 0);
    CHECK_STR(c.profile, "dev");
    CHECK_STR(c.region, "eu-west-2");
    ddb_config__client_clear(&c);
    opts.profile = "default"; /* the option beats AWS_PROFILE */
    REQUIRE(ddb_config__resolve_client(&c, f, &opts, &err) == 0);
    CHECK_STR(c.region, "us-east-2");
    ddb_config__client_clear(&c);
    ddb_config__free(f);

    setenv("AWS_CONFIG_FILE", other, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/credentials", 1); /* "~/" expands */
    setenv("AWS_PROFILE", "ops", 1);
    opts.profile = NULL;
    REQUIRE(ddb_config__load(&f, &err) == 0);
    REQUIRE(ddb_config__resolve_client(&c, f, &opts, &err) == 0);
    CHECK_STR(c.region, "me-south-1"); /* the credentials file wins */
    ddb_config__client_clear(&c);
    ddb_config__free(f);

    /* An AWS_PROFILE that names no profile is an error, not a silent default. */
    setenv("AWS_PROFILE", "nope", 1);
    REQUIRE(ddb_config__load(&f, &err) == 0);
    CHECK_INT(ddb_config__resolve_client(&c, f, &opts, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "profile \"nope\"");
    CHECK_CONTAINS(err.message, "AWS_PROFILE");
    ddb_config__free(f);

    /* A missing file is no error; a directory in its place is. */
    setenv("AWS_CONFIG_FILE", "/nonexistent/ddbkit/config", 1);
    unsetenv("AWS_PROFILE");
    REQUIRE(ddb_config__load(&f, &err) == 0);
    ddb_config__free(f);
    setenv("AWS_CONFIG_FILE", dir, 1);
    CHECK_INT(ddb_config__load(&f, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "directory");

    testenv_rmtree(dir);
    free(home_cfg);
    free(other);
    free(creds);
    free(dir);
    testenv_clean();
}

TEST(profile_retry_settings_reach_the_client)
{
    testenv_clean();
    char *dir = testenv_tmpdir();
    char *cfg = testenv_write(dir, "config",
                              "[default]\nregion = us-east-1\nmax_attempts = 7\n"
                              "retry_mode = standard\n"
                              "[profile bad]\nregion = us-east-1\nmax_attempts = many\n",
                              0600);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.access_key_id = "AKIDEXAMPLE";
    opts.secret_access_key = "not-a-real-secret";
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    CHECK_INT(c->retry.max_attempts, 7);
    ddb_client_free(c);

    setenv("AWS_MAX_ATTEMPTS", "3", 1); /* the environment beats the profile */
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    CHECK_INT(c->retry.max_attempts, 3);
    ddb_client_free(c);

    opts.max_attempts = 2; /* the option beats both */
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);
    CHECK_INT(c->retry.max_attempts, 2);
    ddb_client_free(c);

    opts.profile = "bad";
    CHECK_INT(ddb_client_new(&c, &opts, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "max_attempts");
    CHECK_CONTAINS(err.message, "\"bad\"");

    testenv_rmtree(dir);
    free(cfg);
    free(dir);
    testenv_clean();
}

TEST(aws_endpoint_partitions)
{
    char *url = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_config__aws_endpoint(&url, "sts", "eu-west-1", false, false, &err) == 0);
    CHECK_STR(url, "https://sts.eu-west-1.amazonaws.com");
    free(url);
    REQUIRE(ddb_config__aws_endpoint(&url, "dynamodb", "us-isob-east-1", false, false, &err) == 0);
    CHECK_STR(url, "https://dynamodb.us-isob-east-1.sc2s.sgov.gov");
    free(url);
    CHECK_INT(ddb_config__aws_endpoint(&url, "dynamodb", "", false, false, &err), DDB_ERR_CONFIG);
    CHECK(!ddb_config__region_valid("Us-East-1"));
    CHECK(!ddb_config__region_valid("-us"));
    CHECK(ddb_config__region_valid("local"));
}

TEST_MAIN(CASE(parses_sections_comments_and_whitespace),
          CASE(parse_errors_name_the_file_and_line_but_not_the_text),
          CASE(credentials_file_wins_and_profile_default_beats_default),
          CASE(later_values_and_sections_win), CASE(oversized_file_is_rejected),
          CASE(region_precedence), CASE(missing_region_says_how_to_set_one),
          CASE(invalid_region_is_rejected), CASE(endpoint_precedence),
          CASE(ignore_configured_endpoint_urls_turns_off_steps_2_to_5),
          CASE(no_endpoint_settings_resolve_to_the_regional_aws_endpoint),
          CASE(fips_and_dualstack_endpoints), CASE(profile_files_from_home_and_from_variables),
          CASE(profile_retry_settings_reach_the_client), CASE(aws_endpoint_partitions))
