/*
 * Where requests go. Production defaults to regional AWS and never to DynamoDB Local or any other
 * local server; DynamoDB Local is reached only through an endpoint that is configured explicitly
 * (environment or profile), and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns those off again.
 *
 * The "never" cases use a loopback listener (http_fixture) that counts connections: a request
 * that went anywhere local would show up there. Their configuration points at the real regional
 * endpoint, so they run in a network namespace of their own (testenv_isolate_network): the DNS
 * lookup and the connection fail at once with a network error and no packet leaves the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/harness.h"
#include "support/http_fixture.h"
#include "support/testenv.h"
#include "test.h"

/* GetItem on any table: the cheapest call that needs an endpoint and a signature. */
static int get_item(ddb_client *c, ddb_error *err)
{
    ddb_value *key = NULL;
    if (ddb_value_new_m(&key, err) != 0 || ddb_value_m_set_s(key, "pk", "k", err) != 0)
        return -1;
    ddb_get_item_input in = {.table_name = "endpoint_probe", .key = key};
    ddb_get_item_output *out = NULL;
    int rc = ddb_get_item(&out, c, &in, err);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    return rc;
}

static int list_tables(ddb_client *c, ddb_error *err)
{
    ddb_list_tables_input in = {0};
    ddb_list_tables_output *out = NULL;
    int rc = ddb_list_tables(&out, c, &in, err);
    ddb_list_tables_output_free(out);
    return rc;
}

/* Nothing configured but region and dummy keys: no endpoint option, variable or profile entry. */
static void production_like_environment(char **home)
{
    testenv_clean(); /* also AWS_EC2_METADATA_DISABLED=true: no trip to 169.254.169.254 */
    *home = testenv_tmpdir();
    setenv("HOME", *home, 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDDUMMY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "dummy-secret", 1);
}

static ddb_client *fast_failing_client(ddb_error *err)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.connect_timeout_ms = 500;
    opts.request_timeout_ms = 2000;
    opts.max_attempts = 1;
    ddb_client *c = NULL;
    if (ddb_client_new(&c, &opts, err) != 0)
        return NULL;
    return c;
}

TEST(no_endpoint_settings_resolve_to_the_regional_aws_endpoint)
{
    char *home = NULL;
    production_like_environment(&home);
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = NULL;
    REQUIRE(ddb_client_new(&c, NULL, &err) == 0);
    CHECK_STR(ddb_client_endpoint(c), "https://dynamodb.us-east-1.amazonaws.com");
    ddb_client_free(c);
    testenv_rmtree(home);
    free(home);
}

TEST(call_without_endpoint_never_reaches_a_local_server)
{
    testenv_isolate_network();
    http_fixture *listener = http_fixture_start();
    REQUIRE(listener != NULL);
    http_fixture_add(listener, "POST", "/", 200, "application/x-amz-json-1.0", "{}");
    char *home = NULL;
    production_like_environment(&home);
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = fast_failing_client(&err);
    REQUIRE(c != NULL);
    CHECK_STR(ddb_client_endpoint(c), "https://dynamodb.us-east-1.amazonaws.com");

    int rc = get_item(c, &err);
    fprintf(stderr, "GetItem without an endpoint: %s: %s\n", ddb_error_code_name(rc), err.message);
    CHECK(rc == DDB_ERR_NETWORK || rc == DDB_ERR_TIMEOUT || rc == DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "dynamodb.us-east-1.amazonaws.com");
    CHECK_INT(http_fixture_connections(listener), 0);

    /* And without any credentials: the client is not even made (IMDS is off). */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    ddb_client *none = NULL;
    CHECK_INT(ddb_client_new(&none, NULL, &err), DDB_ERR_CREDENTIALS);
    CHECK_INT(http_fixture_connections(listener), 0);

    ddb_error_clear(&err);
    ddb_client_free(c);
    http_fixture_stop(listener);
    testenv_rmtree(home);
    free(home);
}

TEST(ignored_endpoint_settings_never_reach_a_local_server)
{
    testenv_isolate_network();
    http_fixture *listener = http_fixture_start();
    REQUIRE(listener != NULL);
    char *home = NULL;
    production_like_environment(&home);
    char config[512];
    snprintf(config, sizeof(config),
             "[default]\nendpoint_url = %s\nservices = local\n[services local]\ndynamodb =\n"
             "  endpoint_url = %s\n",
             http_fixture_url(listener), http_fixture_url(listener));
    char *cfg = testenv_write(home, ".aws/config", config, 0600);
    setenv("AWS_ENDPOINT_URL", http_fixture_url(listener), 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", http_fixture_url(listener), 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);

    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = fast_failing_client(&err);
    REQUIRE(c != NULL);
    CHECK_STR(ddb_client_endpoint(c), "https://dynamodb.us-east-1.amazonaws.com");
    int rc = get_item(c, &err);
    CHECK(rc == DDB_ERR_NETWORK || rc == DDB_ERR_TIMEOUT);
    CHECK_INT(http_fixture_connections(listener), 0);
    ddb_client_free(c);

    /* Remove the switch and the same settings do reach the listener: the test can see it. */
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    c = fast_failing_client(&err);
    REQUIRE(c != NULL);
    CHECK_STR(ddb_client_endpoint(c), http_fixture_url(listener));
    get_item(c, &err);
    CHECK_INT(http_fixture_connections(listener), 1);

    ddb_error_clear(&err);
    ddb_client_free(c);
    http_fixture_stop(listener);
    testenv_rmtree(home);
    free(cfg);
    free(home);
}

TEST(environment_endpoint_reaches_dynamodb_local)
{
    char *home = NULL;
    production_like_environment(&home);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", harness_endpoint(), 1);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1); /* the specific variable wins */
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = NULL;
    REQUIRE(ddb_client_new(&c, NULL, &err) == 0);
    CHECK_STR(ddb_client_endpoint(c), harness_endpoint());
    CHECK_INT(harness_report("ListTables", list_tables(c, &err), &err), 0);
    ddb_client_free(c);
    testenv_rmtree(home);
    free(home);
}

TEST(profile_services_endpoint_reaches_dynamodb_local)
{
    char *home = NULL;
    production_like_environment(&home);
    unsetenv("AWS_REGION");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    char config[512];
    snprintf(config, sizeof(config),
             "[profile local]\nregion = eu-west-1\nservices = ddb-local\n"
             "endpoint_url = http://127.0.0.1:9   # the services entry beats this\n"
             "\n[services ddb-local]\ndynamodb =\n  endpoint_url = %s\n",
             harness_endpoint());
    char *cfg = testenv_write(home, ".aws/config", config, 0600);
    char *creds = testenv_write(home, ".aws/credentials",
                                "[local]\naws_access_key_id = AKIDPROFILE\n"
                                "aws_secret_access_key = profile-secret\n",
                                0600);
    setenv("AWS_PROFILE", "local", 1);
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = NULL;
    REQUIRE(ddb_client_new(&c, NULL, &err) == 0);
    CHECK_STR(ddb_client_endpoint(c), harness_endpoint());
    CHECK_STR(ddb_client_region(c), "eu-west-1");
    CHECK_INT(harness_report("ListTables", list_tables(c, &err), &err), 0);
    ddb_client_free(c);
    testenv_rmtree(home);
    free(cfg);
    free(creds);
    free(home);
}

TEST_MAIN(CASE(no_endpoint_settings_resolve_to_the_regional_aws_endpoint),
          CASE(call_without_endpoint_never_reaches_a_local_server),
          CASE(ignored_endpoint_settings_never_reach_a_local_server),
          CASE(environment_endpoint_reaches_dynamodb_local),
          CASE(profile_services_endpoint_reaches_dynamodb_local))
