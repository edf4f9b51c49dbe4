/*
 * Credentials from the default chain, end to end against DynamoDB Local: a profile with a session
 * token, a credential_process script, and the container provider (a loopback http_fixture in the
 * ECS endpoint's place). The last case captures every log line, trace event, event, structured
 * logger line (ddb/wire/ops.h) and error message of a full run over all three, failures
 * included, and checks that no secret is in any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/harness.h"
#include "support/http_fixture.h"
#include "support/testenv.h"
#include "test.h"
#include "wire/client_internal.h"
#include "wire/credentials_internal.h"

/* Every secret of the run. Each is distinctive, so a leak of any part of the run is caught. */
#define PROFILE_SECRET "pr0fileSecret/ddbkit+LEAKCHECK1"
#define PROFILE_TOKEN "pr0fileSessionToken//ddbkit+LEAKCHECK2=="
#define PROCESS_SECRET "pr0cessSecret/ddbkit+LEAKCHECK3"
#define PROCESS_TOKEN "pr0cessSessionToken//ddbkit+LEAKCHECK4=="
#define CONTAINER_SECRET "c0ntainerSecret/ddbkit+LEAKCHECK5"
#define CONTAINER_TOKEN "c0ntainerSessionToken//ddbkit+LEAKCHECK6=="
#define CONTAINER_AUTH "c0ntainerAuthToken-ddbkit-LEAKCHECK7"
#define FAILING_SECRET "fa1lingProcessSecret-ddbkit-LEAKCHECK8"

static const char *const secrets[] = {PROFILE_SECRET, PROFILE_TOKEN,    PROCESS_SECRET,
                                      PROCESS_TOKEN,  CONTAINER_SECRET, CONTAINER_TOKEN,
                                      CONTAINER_AUTH, FAILING_SECRET,   "LEAKCHECK"};

typedef struct capture {
    char *text;
    size_t len;
    int n_logs, n_traces, n_events, n_oplog;
    ddb_oplog *oplog; /* the structured logger (ddb/wire/ops.h), writing into this capture */
} capture;

static void append(capture *cap, const char *data, size_t len)
{
    char *grown = realloc(cap->text, cap->len + len + 2);
    if (!grown)
        abort();
    cap->text = grown;
    memcpy(cap->text + cap->len, data, len);
    cap->len += len;
    cap->text[cap->len++] = '\n';
    cap->text[cap->len] = '\0';
}

static void on_oplog_line(void *ctx, ddb_log_level level, const char *line, size_t len)
{
    (void)level;
    capture *cap = ctx;
    cap->n_oplog++;
    append(cap, line, len);
}

static void on_log(void *ctx, ddb_log_level level, const char *message, const char *payload)
{
    capture *cap = ctx;
    ddb_oplog_log(cap->oplog, level, message, payload);
    cap->n_logs++;
    append(cap, message, strlen(message));
    if (payload)
        append(cap, payload, strlen(payload));
}

static void on_trace(void *ctx, ddb_trace_kind kind, const char *data, size_t len)
{
    (void)kind;
    capture *cap = ctx;
    cap->n_traces++;
    append(cap, data, len);
}

static void on_event(void *ctx, const ddb_event *ev)
{
    capture *cap = ctx;
    ddb_oplog_event(cap->oplog, ev);
    cap->n_events++;
    char line[512];
    int n = snprintf(line, sizeof(line), "event %s %s %ld %d %s %s", ev->operation,
                     ev->table_name ? ev->table_name : "-", ev->http_status, ev->error_code,
                     ev->aws_error_type, ev->request_id);
    append(cap, line, (size_t)n);
}

static void capture_error(capture *cap, const ddb_error *err)
{
    append(cap, err->message, strlen(err->message));
    append(cap, err->aws_type, strlen(err->aws_type));
}

/* A client from the default chain (no endpoint option: AWS_ENDPOINT_URL_DYNAMODB is set). */
static ddb_client *chain_client(capture *cap, ddb_error *err)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.max_attempts = 1;
    if (cap) {
        opts.log = on_log;
        opts.log_ctx = cap;
        opts.log_level = DDB_LOG_DEBUG;
        opts.trace = on_trace;
        opts.trace_ctx = cap;
        opts.on_event = on_event;
        opts.event_ctx = cap;
    }
    ddb_client *c = NULL;
    if (ddb_client_new(&c, &opts, err) != 0)
        return NULL;
    return c;
}

/* Put an item, read it back: proves the credentials signed real requests. */
static int round_trip(ddb_client *c, const char *table, const char *pk, ddb_error *err)
{
    ddb_value *item = NULL;
    int rc = ddb_value_new_m(&item, err);
    if (rc == 0)
        rc = ddb_value_m_set_s(item, "pk", pk, err);
    ddb_put_item_input put = {.table_name = table, .item = item};
    ddb_put_item_output *put_out = NULL;
    if (rc == 0)
        rc = ddb_put_item(&put_out, c, &put, err);
    ddb_put_item_output_free(put_out);
    ddb_get_item_input get = {
        .table_name = table, .key = item, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *get_out = NULL;
    if (rc == 0)
        rc = ddb_get_item(&get_out, c, &get, err);
    if (rc == 0 && (!get_out || !get_out->item))
        rc = DDB_ERR_PROTOCOL;
    ddb_get_item_output_free(get_out);
    ddb_value_free(item);
    return rc;
}

typedef struct world {
    char *home;
    char *table;
    http_fixture *ecs;
} world;

/*
 * The environment of a run: DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB, a temporary HOME
 * with the profiles, two credential_process scripts, and a container endpoint.
 */
static int world_init(world *w)
{
    memset(w, 0, sizeof(*w));
    testenv_clean();
    w->home = testenv_tmpdir();
    setenv("HOME", w->home, 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", harness_endpoint(), 1);

    char exp[32], script[1024];
    ddb_creds__format_time((int64_t)time(NULL) + 3600, exp, sizeof(exp));
    snprintf(script, sizeof(script),
             "#!/bin/sh\nprintf '%%s\\n' '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", "
             "\"SecretAccessKey\": \"" PROCESS_SECRET "\", \"SessionToken\": \"" PROCESS_TOKEN
             "\", \"Expiration\": \"%s\"}'\n",
             exp);
    free(testenv_write(w->home, "bin/creds.sh", script, 0700));
    free(testenv_write(w->home, "bin/broken.sh",
                       "#!/bin/sh\necho 'not json " FAILING_SECRET "'\necho '" FAILING_SECRET
                       "' >&2\nexit 0\n",
                       0700));
    char config[2048];
    snprintf(config, sizeof(config),
             "[profile with-process]\ncredential_process = %s/bin/creds.sh\n"
             "[profile broken-process]\ncredential_process = %s/bin/broken.sh\n",
             w->home, w->home);
    free(testenv_write(w->home, ".aws/config", config, 0600));
    free(testenv_write(w->home, ".aws/credentials",
                       "[with-token]\naws_access_key_id = AKIDPROFILE\n"
                       "aws_secret_access_key = " PROFILE_SECRET "\n"
                       "aws_session_token = " PROFILE_TOKEN "\n",
                       0600));

    w->ecs = http_fixture_start();
    if (!w->ecs)
        return -1;
    char json[512];
    snprintf(json, sizeof(json),
             "{\"AccessKeyId\":\"AKIDCONTAINER\",\"SecretAccessKey\":\"" CONTAINER_SECRET
             "\",\"Token\":\"" CONTAINER_TOKEN "\",\"Expiration\":\"%s\"}",
             exp);
    http_fixture_add(w->ecs, "GET", "/v2/credentials/task", 200, "application/json", json);
    http_fixture_add(w->ecs, "GET", "/v2/credentials/broken", 500, "application/json",
                     "{\"message\":\"" CONTAINER_SECRET "\"}");
    free(testenv_write(w->home, "auth-token", CONTAINER_AUTH "\n", 0600));
    w->table = harness_table_name("creds");
    return 0;
}

static void world_free(world *w)
{
    http_fixture_stop(w->ecs);
    testenv_rmtree(w->home);
    free(w->home);
    free(w->table);
}

static void use_container(world *w, const char *path)
{
    char url[256], token_file[1024];
    snprintf(url, sizeof(url), "%s%s", http_fixture_url(w->ecs), path);
    snprintf(token_file, sizeof(token_file), "%s/auth-token", w->home);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file, 1);
}

/* Make the table with the client's own credentials (DynamoDB Local scopes tables by key). */
static int provider_round_trip(world *w, capture *cap, const char *expected_source)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_client *c = chain_client(cap, &err);
    if (!c)
        return harness_report("ddb_client_new", err.code, &err);
    int rc = harness_create_table(c, w->table, "pk", "S", NULL, NULL);
    if (rc == 0)
        rc = harness_report("round trip", round_trip(c, w->table, expected_source, &err), &err);
    ddb_credentials creds = DDB_CREDENTIALS_INIT;
    if (rc == 0 && ddb_client__credentials(&creds, c, &err) == 0 &&
        strcmp(creds.source, expected_source) != 0) {
        fprintf(stderr, "credentials came from %s, expected %s\n", creds.source, expected_source);
        rc = -1;
    }
    ddb_credentials_clear(&creds);
    harness_delete_table(c, w->table);
    ddb_client_free(c);
    return rc;
}

TEST(profile_with_session_token_reaches_dynamodb_local)
{
    world w;
    REQUIRE(world_init(&w) == 0);
    setenv("AWS_PROFILE", "with-token", 1);
    CHECK_INT(provider_round_trip(&w, NULL, "profile"), 0);
    world_free(&w);
}

TEST(credential_process_reaches_dynamodb_local)
{
    world w;
    REQUIRE(world_init(&w) == 0);
    setenv("AWS_PROFILE", "with-process", 1);
    CHECK_INT(provider_round_trip(&w, NULL, "credential_process"), 0);
    world_free(&w);
}

TEST(container_credentials_reach_dynamodb_local)
{
    world w;
    REQUIRE(world_init(&w) == 0);
    use_container(&w, "/v2/credentials/task");
    CHECK_INT(provider_round_trip(&w, NULL, "container"), 0);
    CHECK_INT(http_fixture_request_count(w.ecs), 1); /* cached across the run's requests */
    http_fixture_request r = {0};
    char auth[128];
    REQUIRE(http_fixture_get_request(w.ecs, 0, &r) == 0);
    CHECK_STR(http_fixture_header(&r, "Authorization", auth, sizeof(auth)), CONTAINER_AUTH);
    http_fixture_request_clear(&r);
    world_free(&w);
}

TEST(secrets_never_appear_in_logs_traces_events_or_errors)
{
    world w;
    REQUIRE(world_init(&w) == 0);
    capture cap = {0};
    ddb_oplog_options lo = DDB_OPLOG_OPTIONS_INIT;
    lo.write = on_oplog_line;
    lo.write_ctx = &cap;
    lo.level = DDB_LOG_DEBUG;
    REQUIRE(ddb_oplog_new(&cap.oplog, &lo, NULL) == 0);

    /* Three providers that work, each through a full round trip with every hook on. */
    setenv("AWS_PROFILE", "with-token", 1);
    CHECK_INT(provider_round_trip(&w, &cap, "profile"), 0);
    setenv("AWS_PROFILE", "with-process", 1);
    CHECK_INT(provider_round_trip(&w, &cap, "credential_process"), 0);
    unsetenv("AWS_PROFILE");
    use_container(&w, "/v2/credentials/task");
    CHECK_INT(provider_round_trip(&w, &cap, "container"), 0);

    /* And the ways they fail: each error message goes into the capture too. */
    ddb_error err = DDB_ERROR_INIT;
    use_container(&w, "/v2/credentials/broken");
    ddb_client *c = chain_client(&cap, &err);
    REQUIRE(c != NULL);
    CHECK_INT(round_trip(c, w.table, "x", &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "HTTP 500");
    capture_error(&cap, &err);
    ddb_client_free(c);
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

    setenv("AWS_PROFILE", "broken-process", 1);
    c = chain_client(&cap, &err);
    REQUIRE(c != NULL);
    CHECK_INT(round_trip(c, w.table, "x", &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "invalid JSON");
    capture_error(&cap, &err);
    ddb_client_free(c);

    /* A service error under working credentials. */
    setenv("AWS_PROFILE", "with-token", 1);
    c = chain_client(&cap, &err);
    REQUIRE(c != NULL);
    CHECK_INT(round_trip(c, "no_such_table_creds", "x", &err), DDB_ERR_RESOURCE_NOT_FOUND);
    capture_error(&cap, &err);
    ddb_client_free(c);
    ddb_error_clear(&err);

    REQUIRE(cap.text != NULL);
    /* The capture is real: it saw the fetches, the signed requests and the events. */
    CHECK(cap.n_logs >= 6);
    CHECK(cap.n_traces >= 12);
    CHECK(cap.n_events >= 6);
    /* The structured logger wrote a line per event and per log line, into the same text. */
    CHECK_INT(cap.n_oplog, cap.n_events + cap.n_logs);
    CHECK_CONTAINS(cap.text, "\"operation\":\"GetItem\"");
    CHECK_CONTAINS(cap.text, "\"aws_error_type\":\"ResourceNotFoundException\"");
    CHECK_CONTAINS(cap.text, "\"message\":\"credentials: fetched from profile");
    CHECK_CONTAINS(cap.text, "credentials: fetched from profile");
    CHECK_CONTAINS(cap.text, "credentials: fetched from credential_process");
    CHECK_CONTAINS(cap.text, "credentials: fetched from container");
    CHECK_CONTAINS(cap.text, "Authorization: [redacted]");
    CHECK_CONTAINS(cap.text, "X-Amz-Security-Token: [redacted]");
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(cap.text, secrets[i])) {
            fprintf(stderr, "secret %s leaked into:\n%s\n", secrets[i], cap.text);
            CHECK(strstr(cap.text, secrets[i]) == NULL);
        }
    }
    if (getenv("DDB_TEST_SHOW_CAPTURE"))
        fprintf(stderr, "%s", cap.text);
    free(cap.text);
    ddb_oplog_free(cap.oplog);
    world_free(&w);
}

TEST_MAIN(CASE(profile_with_session_token_reaches_dynamodb_local),
          CASE(credential_process_reaches_dynamodb_local),
          CASE(container_credentials_reach_dynamodb_local),
          CASE(secrets_never_appear_in_logs_traces_events_or_errors))
