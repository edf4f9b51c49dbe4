/*
 * Hooks: logs, wire traces and events see what happened, and never a secret. Every line and trace
 * event of a run with a secret key and a session token is captured and searched.
 */
#include <stdlib.h>
#include <string.h>

#include "support/harness.h"
#include "test.h"

#define SECRET "SeCrEtKeY/ddbkit+never+logged"
#define TOKEN "SeSsIoNtOkEn-ddbkit-never-logged"

typedef struct capture {
    char *text;
    size_t len;
    int n_events;
    int n_logs;
    int n_traces;
    ddb_event last_event;
    char last_operation[64];
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

static void on_log(void *ctx, ddb_log_level level, const char *message, const char *payload)
{
    (void)level;
    capture *cap = ctx;
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
    cap->n_events++;
    cap->last_event = *ev;
    snprintf(cap->last_operation, sizeof(cap->last_operation), "%s", ev->operation);
    char line[512];
    int n = snprintf(line, sizeof(line), "%s %s %ld %d %s %s", ev->operation,
                     ev->table_name ? ev->table_name : "-", ev->http_status, ev->error_code,
                     ev->aws_error_type, ev->request_id);
    append(cap, line, (size_t)n);
}

static ddb_client *capturing_client(capture *cap)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.access_key_id = "AKIDHOOKTEST";
    opts.secret_access_key = SECRET;
    opts.session_token = TOKEN;
    opts.log = on_log;
    opts.log_ctx = cap;
    opts.log_level = DDB_LOG_DEBUG;
    opts.trace = on_trace;
    opts.trace_ctx = cap;
    opts.on_event = on_event;
    opts.event_ctx = cap;
    return harness_client(&opts);
}

TEST(secrets_never_reach_hooks_or_errors)
{
    capture cap = {0};
    ddb_client *c = capturing_client(&cap);
    char *table = harness_table_name("hooks");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);

    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    REQUIRE(ddb_value_new_m(&item, &err) == 0);
    ddb_value_m_set_s(item, "pk", "k1", &err);
    ddb_put_item_input put = {.table_name = table, .item = item};
    ddb_put_item_output *put_out = NULL;
    CHECK_INT(ddb_put_item(&put_out, c, &put, &err), 0);
    ddb_put_item_output_free(put_out);

    /* A failing call too: its error and log lines must be as clean as a success's. */
    ddb_get_item_input get = {.table_name = "no_such_table_hooks", .key = item};
    ddb_get_item_output *get_out = NULL;
    CHECK_INT(ddb_get_item(&get_out, c, &get, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    append(&cap, err.message, strlen(err.message));
    append(&cap, err.aws_type, strlen(err.aws_type));

    CHECK(harness_delete_table(c, table) == 0);
    ddb_value_free(item);
    ddb_error_clear(&err);
    ddb_client_free(c);

    CHECK(cap.n_traces >= 4);
    CHECK(cap.n_logs >= 1);
    CHECK(cap.n_events >= 3);
    REQUIRE(cap.text != NULL);
    /* What must be there proves the capture is real; what must not is the point. */
    CHECK_CONTAINS(cap.text, "X-Amz-Target: DynamoDB_20120810.PutItem");
    CHECK_CONTAINS(cap.text, "Authorization: [redacted]");
    CHECK_CONTAINS(cap.text, "X-Amz-Security-Token: [redacted]");
    CHECK(strstr(cap.text, SECRET) == NULL);
    CHECK(strstr(cap.text, TOKEN) == NULL);
    CHECK(strstr(cap.text, "Signature=") == NULL);
    CHECK(strstr(cap.text, "AWS4-HMAC-SHA256") == NULL);
    free(cap.text);
    free(table);
}

TEST(event_reports_operation_table_status_and_error)
{
    capture cap = {0};
    ddb_client *c = capturing_client(&cap);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *key = NULL;
    REQUIRE(ddb_value_new_m(&key, &err) == 0);
    ddb_value_m_set_s(key, "pk", "x", &err);
    ddb_get_item_input get = {.table_name = "no_such_table_events", .key = key};
    ddb_get_item_output *out = NULL;
    CHECK_INT(ddb_get_item(&out, c, &get, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_INT(cap.n_events, 1);
    CHECK_STR(cap.last_operation, "GetItem");
    CHECK_INT(cap.last_event.http_status, 400);
    CHECK_INT(cap.last_event.error_code, DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK_INT(cap.last_event.attempts, 1); /* not retryable */
    CHECK(cap.last_event.latency_ms > 0);
    CHECK(err.request_id[0] != '\0');
    ddb_value_free(key);
    ddb_error_clear(&err);
    ddb_client_free(c);
    free(cap.text);
}

TEST_MAIN(CASE(secrets_never_reach_hooks_or_errors),
          CASE(event_reports_operation_table_status_and_error))
