/*
 * Retries for real: a client talks to DynamoDB Local through tests/support/fault_proxy, which
 * answers some requests with throttling or server errors instead of forwarding them, resets
 * connections before or after forwarding, stalls, truncates bodies or corrupts the CRC32.
 *
 * Each case asserts the attempts (counted by the proxy, by the amz-sdk-request header it saw and
 * by the event hook), the delays (the "retry" log payloads against their ceilings, the sleeps the
 * client took, recorded by its test clock, and the gaps the proxy measured between attempts), and
 * the outcome. Every scenario that writes reads back
 * afterwards over a direct connection, to show that no write was lost or applied twice: writes
 * are idempotent puts, or counter updates guarded by a version condition, so that a retry of a
 * write that did land is refused instead of counted again.
 *
 * No assertion depends on how fast a loaded machine runs: waits are counted through the client's
 * clock hook (tests/support/test_clock.h), the circuit breaker and the rate limiter run on a
 * clock the test advances by hand, threads are ordered by the proxy's hold and request count,
 * and a wall-clock figure is only ever a lower bound (a sleep cannot end early) or a generous
 * hang guard.
 *
 * RETRY_TEST_VERBOSE=1 in the environment prints every log line the client under test writes.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/fault_proxy.h"
#include "support/items.h"
#include "support/test_clock.h"
#include "test.h"

/*
 * A hang guard, not a pace: how much later than its delay an attempt may reach the proxy. That
 * the client slept exactly its delay, and no more, is asserted on the sleeps it asked for.
 */
#define HANG_GUARD_MS 10000.0

/*
 * The request timeout of the stall tests applies to every attempt, so it must be long enough for
 * a healthy attempt to DynamoDB Local on a loaded machine (300 ms was not), and far below the
 * proxy's 30 s stall, so that only the stalled attempt times out.
 */
#define STALL_TIMEOUT_MS 3000

/* ---- what the hooks saw --------------------------------------------------------------------- */

typedef struct retry_log {
    int attempt;
    double delay_ms, ceiling_ms;
    bool throttling;
    char error[40];
    int retry_cost, quota_tokens;
} retry_log;

typedef struct capture {
    pthread_mutex_t lock;
    retry_log retries[128];
    int n_retries;
    double rate_waits[256];
    int n_rate_waits;
    int n_circuit_open, n_circuit_closed;
    int n_events;
    int last_attempts, last_error_code;
    double last_latency_ms;
    int last_quota_tokens; /* from the last "call" payload */
} capture;

static void capture_init(capture *cap)
{
    memset(cap, 0, sizeof(*cap));
    pthread_mutex_init(&cap->lock, NULL);
    cap->last_quota_tokens = -1;
}

static void capture_reset(capture *cap)
{
    pthread_mutex_lock(&cap->lock);
    cap->n_retries = cap->n_rate_waits = cap->n_events = 0;
    cap->n_circuit_open = cap->n_circuit_closed = 0;
    pthread_mutex_unlock(&cap->lock);
}

static void on_log(void *ctx, ddb_log_level level, const char *message, const char *payload)
{
    (void)level;
    (void)message;
    capture *cap = ctx;
    if (getenv("RETRY_TEST_VERBOSE"))
        fprintf(stderr, "  log: %s %s\n", message, payload ? payload : "");
    json_t *j = payload ? json_loads(payload, 0, NULL) : NULL;
    const char *event = json_string_value(json_object_get(j, "event"));
    pthread_mutex_lock(&cap->lock);
    if (event && strcmp(event, "retry") == 0 && cap->n_retries < 128) {
        retry_log *r = &cap->retries[cap->n_retries++];
        r->attempt = (int)json_integer_value(json_object_get(j, "attempt"));
        r->delay_ms = json_number_value(json_object_get(j, "delay_ms"));
        r->ceiling_ms = json_number_value(json_object_get(j, "ceiling_ms"));
        r->throttling = json_is_true(json_object_get(j, "throttling"));
        snprintf(r->error, sizeof(r->error), "%s", json_string_value(json_object_get(j, "error")));
        r->retry_cost = (int)json_integer_value(json_object_get(j, "retry_cost"));
        r->quota_tokens = (int)json_integer_value(json_object_get(j, "quota_tokens"));
    } else if (event && strcmp(event, "rate_limit") == 0 && cap->n_rate_waits < 256) {
        cap->rate_waits[cap->n_rate_waits++] = json_number_value(json_object_get(j, "wait_ms"));
    } else if (event && strcmp(event, "circuit_open") == 0) {
        cap->n_circuit_open++;
    } else if (event && strcmp(event, "circuit_closed") == 0) {
        cap->n_circuit_closed++;
    } else if (event && strcmp(event, "call") == 0) {
        cap->last_quota_tokens = (int)json_integer_value(json_object_get(j, "quota_tokens"));
    }
    pthread_mutex_unlock(&cap->lock);
    json_decref(j);
}

static void on_event(void *ctx, const ddb_event *ev)
{
    capture *cap = ctx;
    pthread_mutex_lock(&cap->lock);
    cap->n_events++;
    cap->last_attempts = ev->attempts;
    cap->last_error_code = ev->error_code;
    cap->last_latency_ms = ev->latency_ms;
    pthread_mutex_unlock(&cap->lock);
}

/* ---- a scenario: a table, a proxy, a client through it and one that goes direct -------------- */

typedef struct scenario {
    ddb_client *direct; /* set-up and read-back, never through the proxy */
    ddb_client *via;    /* the client under test */
    fault_proxy *proxy;
    char *table;
    capture cap;
    test_clock clock; /* via's: recording, or manual (scenario_manual_clock) */
} scenario;

static ddb_client *proxy_client(scenario *s, const ddb_client_options *extra)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    if (extra)
        opts = *extra;
    opts.endpoint = fault_proxy_endpoint(s->proxy);
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDRETRYTEST";
    opts.secret_access_key = "retry-test-secret";
    opts.log = on_log;
    opts.log_ctx = &s->cap;
    opts.log_level = DDB_LOG_DEBUG;
    opts.on_event = on_event;
    opts.event_ctx = &s->cap;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_client_new(&c, &opts, &err) != 0) {
        fprintf(stderr, "client through the proxy: %s\n", err.message);
        exit(1);
    }
    return c;
}

static void scenario_start(scenario *s, const ddb_client_options *extra)
{
    memset(s, 0, sizeof(*s));
    capture_init(&s->cap);
    s->direct = harness_client(NULL);
    s->table = harness_table_name("retry");
    if (harness_create_table(s->direct, s->table, "pk", "S", NULL, NULL) != 0)
        exit(1);
    s->proxy = fault_proxy_start(harness_endpoint());
    s->via = proxy_client(s, extra);
    test_clock_attach(&s->clock, TEST_CLOCK_RECORDING, s->via);
}

/* From now on via's time stands still unless the test advances it (or via sleeps). */
static void scenario_manual_clock(scenario *s)
{
    test_clock_destroy(&s->clock);
    test_clock_attach(&s->clock, TEST_CLOCK_MANUAL, s->via);
}

static void scenario_end(scenario *s)
{
    ddb_client_free(s->via);
    fault_proxy_stop(s->proxy);
    harness_delete_table(s->direct, s->table);
    ddb_client_free(s->direct);
    free(s->table);
    pthread_mutex_destroy(&s->cap.lock);
    test_clock_destroy(&s->clock);
}

static void script(scenario *s, const fault_step *steps, size_t n, fault_action then)
{
    fault_step t = {.action = then};
    fault_proxy_script(s->proxy, steps, n, t);
    capture_reset(&s->cap);
    test_clock_reset(&s->clock);
}

#define STEPS(...) ((const fault_step[]){__VA_ARGS__})
#define N_STEPS(...) (sizeof((const fault_step[]){__VA_ARGS__}) / sizeof(fault_step))
#define SCRIPT(s, then, ...) script(s, STEPS(__VA_ARGS__), N_STEPS(__VA_ARGS__), then)

/* ---- writes that show a duplicate, and reading them back ------------------------------------- */

/*
 * The counter item pk: "SET ver = :new ADD n :one", only if ver is still old_ver (or, for 0, the
 * item does not exist). Applied twice it would count twice, so the condition makes a retry of a
 * write that landed fail instead; ALL_OLD then shows the caller its own write.
 */
static int counter_write(ddb_client *c, const char *table, const char *pk, int old_ver, int new_ver,
                         ddb_error *err)
{
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
    ddb_value *values =
        old_ver == 0
            ? harness_itemf("{\":new\":{\"N\":\"%d\"},\":one\":{\"N\":\"1\"}}", new_ver)
            : harness_itemf(
                  "{\":new\":{\"N\":\"%d\"},\":one\":{\"N\":\"1\"},\":old\":{\"N\":\"%d\"}}",
                  new_ver, old_ver);
    ddb_update_item_input in = {
        .table_name = table,
        .key = key,
        .update_expression = "SET ver = :new ADD n :one",
        .condition_expression = old_ver == 0 ? "attribute_not_exists(pk)" : "ver = :old",
        .expression_attribute_values = values,
        .return_values_on_condition_check_failure = "ALL_OLD",
    };
    ddb_update_item_output *out = NULL;
    int rc = ddb_update_item(&out, c, &in, err);
    ddb_update_item_output_free(out);
    ddb_value_free(key);
    ddb_value_free(values);
    return rc;
}

/* The item, read consistently over the direct client; NULL when there is none. */
static ddb_value *read_back(scenario *s, const char *pk)
{
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
    ddb_get_item_input in = {
        .table_name = s->table, .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_get_item(&out, s->direct, &in, &err) != 0) {
        harness_report("read back", err.code, &err);
        exit(1);
    }
    ddb_value *item = out->item;
    out->item = NULL;
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    ddb_error_clear(&err);
    return item;
}

/* The counter was applied exactly n times and is at version ver (n == 0: it does not exist). */
#define CHECK_COUNTER(s, pk, n_expected, ver_expected)                                             \
    do {                                                                                           \
        ddb_value *item_ = read_back(s, pk);                                                       \
        if ((n_expected) == 0) {                                                                   \
            CHECK(item_ == NULL);                                                                  \
        } else {                                                                                   \
            CHECK(item_ != NULL);                                                                  \
            CHECK(harness_attr_is_n(item_, "n", n_expected));                                      \
            CHECK(harness_attr_is_n(item_, "ver", ver_expected));                                  \
        }                                                                                          \
        ddb_value_free(item_);                                                                     \
    } while (0)

static size_t count_items(scenario *s)
{
    ddb_scan_input in = {
        .table_name = s->table, .has_consistent_read = true, .consistent_read = true};
    ddb_scan_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_scan(&out, s->direct, &in, &err) != 0) {
        harness_report("scan", err.code, &err);
        exit(1);
    }
    size_t n = out->n_items;
    ddb_scan_output_free(out);
    return n;
}

static int put_item(ddb_client *c, const char *table, const ddb_value *item, ddb_error *err)
{
    ddb_put_item_input in = {.table_name = table, .item = item};
    ddb_put_item_output *out = NULL;
    int rc = ddb_put_item(&out, c, &in, err);
    ddb_put_item_output_free(out);
    return rc;
}

static int get_item(ddb_value **item, ddb_client *c, const char *table, const char *pk,
                    ddb_error *err)
{
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"%s\"}}", pk);
    ddb_get_item_input in = {
        .table_name = table, .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    int rc = ddb_get_item(&out, c, &in, err);
    if (rc == 0) {
        *item = out->item;
        out->item = NULL;
    }
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    return rc;
}

/* ---- checks on attempts and delays ----------------------------------------------------------- */

/*
 * The last call made `attempts` attempts: the proxy saw that many requests since the script,
 * numbered 1..attempts by amz-sdk-request under one invocation id, and the event hook agrees.
 */
static void check_attempts(scenario *s, int attempts)
{
    CHECK_INT(fault_proxy_requests(s->proxy), attempts);
    CHECK_INT(s->cap.last_attempts, attempts);
    fault_request first;
    if (attempts == 0 || !fault_proxy_request(s->proxy, 0, &first))
        return;
    CHECK(first.invocation_id[0] != '\0');
    for (int i = 0; i < attempts; i++) {
        fault_request r;
        REQUIRE(fault_proxy_request(s->proxy, (size_t)i, &r));
        CHECK_INT(r.attempt, i + 1);
        CHECK_STR(r.invocation_id, first.invocation_id);
    }
}

/*
 * Retry i waited delay_i, drawn under ceiling_i = min(20 s, base * 2^i): the client slept exactly
 * that (once per retry, nothing else), and the proxy saw attempt i+2 no sooner than that (plus
 * `extra_ms` the failing attempt itself took, such as a request timeout) after attempt i+1.
 */
static void check_delays(scenario *s, const double *ceilings, int n, double extra_ms)
{
    CHECK_INT(s->cap.n_retries, n);
    CHECK_INT(test_clock_sleeps(&s->clock), n);
    for (int i = 0; i < n && i < s->cap.n_retries; i++) {
        const retry_log *r = &s->cap.retries[i];
        CHECK_INT(r->attempt, i + 1);
        CHECK(r->ceiling_ms == ceilings[i]);
        CHECK(r->delay_ms >= 0 && r->delay_ms < r->ceiling_ms);
        /* What the log says it will wait is what the client then sleeps. */
        CHECK(fabs(test_clock_sleep_at(&s->clock, i) - r->delay_ms) < 0.01);
        fault_request a, b;
        if (!fault_proxy_request(s->proxy, (size_t)i, &a) ||
            !fault_proxy_request(s->proxy, (size_t)i + 1, &b))
            continue;
        double gap = b.at_ms - a.at_ms;
        fprintf(stderr, "  retry %d: delay %.1f ms (ceiling %.0f), proxy gap %.1f ms\n", i,
                r->delay_ms, r->ceiling_ms, gap);
        /* A request timeout runs from the start of the attempt, before the proxy has the whole
         * request, by as much as a loaded machine takes to send it: the gap then only surely
         * covers the delay (the caller checks the whole call against the timeout). */
        CHECK(gap >= r->delay_ms + (extra_ms > 0 ? 0.0 : -2.0));
        CHECK(gap <= r->delay_ms + extra_ms + HANG_GUARD_MS);
    }
}

/* ---- cases ----------------------------------------------------------------------------------- */

TEST(throttling_is_retried_with_throttling_backoff)
{
    scenario s;
    scenario_start(&s, NULL);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_THROTTLE}, {.action = FAULT_THROTTLE});
    ddb_error err = DDB_ERROR_INIT;
    double t0 = harness_now_ms();
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    double took = harness_now_ms() - t0;
    check_attempts(&s, 3);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 1);
    check_delays(&s, (const double[]){1000, 2000}, 2, 0);
    CHECK(s.cap.retries[0].throttling && s.cap.retries[1].throttling);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_THROTTLED");
    CHECK_INT(s.cap.retries[0].retry_cost, 5);
    CHECK_INT(s.cap.retries[1].quota_tokens, 490);
    CHECK_INT(s.cap.last_quota_tokens, 495); /* the success refunds its (last) retry's 5 */
    CHECK(took >= s.cap.retries[0].delay_ms + s.cap.retries[1].delay_ms);
    fprintf(stderr, "  call took %.0f ms\n", took);
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(server_errors_500_and_503_are_retried_with_transient_backoff)
{
    scenario s;
    scenario_start(&s, NULL);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_HTTP_500}, {.action = FAULT_HTTP_503});
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    check_attempts(&s, 3);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 1);
    check_delays(&s, (const double[]){25, 50}, 2, 0);
    CHECK(!s.cap.retries[0].throttling);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_SERVICE");
    CHECK_INT(s.cap.retries[0].retry_cost, 14);
    CHECK_INT(s.cap.last_quota_tokens, 500 - 28 + 14);
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(reset_before_forwarding_is_retried)
{
    scenario s;
    scenario_start(&s, NULL);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_RESET_BEFORE}, {.action = FAULT_RESET_BEFORE});
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    check_attempts(&s, 3);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 1);
    check_delays(&s, (const double[]){25, 50}, 2, 0);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_NETWORK");
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

/* The put landed, the client saw a reset and sent it again: an idempotent put leaves one item. */
TEST(reset_after_forwarding_idempotent_put_is_not_duplicated)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"p\"},\"v\":{\"S\":\"once\"},"
                                    "\"n\":{\"N\":\"1\"}}");
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_RESET_AFTER});
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(put_item(s.via, s.table, item, &err), 0);
    check_attempts(&s, 2);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 2); /* it really was written twice upstream */
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_NETWORK");
    ddb_value *back = read_back(&s, "p");
    CHECK(back && ddb_value_equal(back, item));
    CHECK_INT(count_items(&s), 1);
    ddb_value_free(back);
    ddb_value_free(item);
    ddb_error_clear(&err);
    scenario_end(&s);
}

/*
 * The counter update landed, the client saw a reset and sent it again. The retry is refused by
 * the version condition, and ALL_OLD shows the caller that the item already carries its own
 * write: applied once, not twice, and not lost.
 */
TEST(reset_after_forwarding_conditional_write_applies_once)
{
    scenario s;
    scenario_start(&s, NULL);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_RESET_AFTER});
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), DDB_ERR_CONDITION_FAILED);
    check_attempts(&s, 2);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 2);
    CHECK(err.item && harness_attr_is_n(err.item, "ver", 1));
    CHECK_COUNTER(&s, "k", 1, 1);
    /* The next write in the sequence goes through normally. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    CHECK_INT(counter_write(s.via, s.table, "k", 1, 2, &err), 0);
    CHECK_COUNTER(&s, "k", 2, 2);
    ddb_error_clear(&err);
    scenario_end(&s);
}

/* A transaction's ClientRequestToken is the same on every attempt: DynamoDB applies it once. */
TEST(reset_after_forwarding_transaction_token_prevents_a_duplicate)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"t\"}}");
    ddb_value *values = harness_itemf("{\":one\":{\"N\":\"1\"}}");
    ddb_update up = {.key = key,
                     .update_expression = "ADD n :one, ver :one",
                     .table_name = s.table,
                     .expression_attribute_values = values};
    ddb_transact_write_item items[1] = {{.update = &up}};
    ddb_transact_write_items_input in = {.n_transact_items = 1, .transact_items = items};
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_RESET_AFTER});
    ddb_transact_write_items_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_transact_write_items(&out, s.via, &in, &err), 0);
    harness_report("TransactWriteItems", err.code, &err);
    ddb_transact_write_items_output_free(out);
    check_attempts(&s, 2);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 2);
    CHECK_COUNTER(&s, "t", 1, 1); /* an unconditional ADD, yet counted once */
    ddb_value_free(key);
    ddb_value_free(values);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(stall_times_out_and_is_retried)
{
    scenario s;
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.request_timeout_ms = STALL_TIMEOUT_MS;
    scenario_start(&s, &o);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_STALL});
    ddb_error err = DDB_ERROR_INIT;
    double t0 = harness_now_ms();
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    double took = harness_now_ms() - t0;
    fprintf(stderr, "  call took %.0f ms\n", took);
    check_attempts(&s, 2);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 1);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_TIMEOUT");
    check_delays(&s, (const double[]){25}, 1, STALL_TIMEOUT_MS);
    /* The timeout fired: without it the call would sit out the proxy's 30 s stall. */
    CHECK(took >= STALL_TIMEOUT_MS && took < STALL_TIMEOUT_MS + 25 + HANG_GUARD_MS);
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

/* Forwarded, then no answer: the write landed, the client timed out and retried. */
TEST(stall_after_forwarding_conditional_write_applies_once)
{
    scenario s;
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.request_timeout_ms = STALL_TIMEOUT_MS;
    scenario_start(&s, &o);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_STALL_AFTER});
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), DDB_ERR_CONDITION_FAILED);
    check_attempts(&s, 2);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 2);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_TIMEOUT");
    CHECK(err.item && harness_attr_is_n(err.item, "ver", 1));
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(truncated_body_is_retried)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(counter_write(s.direct, s.table, "k", 0, 1, &err) == 0);

    /* A read: the retry returns the whole item. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_TRUNCATE});
    ddb_value *item = NULL;
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), 0);
    CHECK(item && harness_attr_is_n(item, "n", 1));
    ddb_value_free(item);
    check_attempts(&s, 2);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_NETWORK");

    /* A write whose answer was cut short had landed: the guarded retry does not count it again. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_TRUNCATE});
    CHECK_INT(counter_write(s.via, s.table, "k", 1, 2, &err), DDB_ERR_CONDITION_FAILED);
    check_attempts(&s, 2);
    CHECK(err.item && harness_attr_is_n(err.item, "ver", 2));
    CHECK_COUNTER(&s, "k", 2, 2);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(crc32_mismatch_is_retried)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *written = harness_itemf("{\"pk\":{\"S\":\"c\"},\"v\":{\"S\":\"crc\"}}");
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_CORRUPT_CRC});
    CHECK_INT(put_item(s.via, s.table, written, &err), 0);
    check_attempts(&s, 2);
    CHECK_STR(s.cap.retries[0].error, "DDB_ERR_CRC32");
    CHECK_INT(s.cap.retries[0].retry_cost, 14);

    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_CORRUPT_CRC}, {.action = FAULT_CORRUPT_CRC});
    ddb_value *item = NULL;
    CHECK_INT(get_item(&item, s.via, s.table, "c", &err), 0);
    CHECK(item && ddb_value_equal(item, written));
    check_attempts(&s, 3);
    check_delays(&s, (const double[]){25, 50}, 2, 0);
    ddb_value *back = read_back(&s, "c");
    CHECK(back && ddb_value_equal(back, written));
    CHECK_INT(count_items(&s), 1);
    ddb_value_free(back);
    ddb_value_free(item);
    ddb_value_free(written);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(gives_up_after_max_attempts)
{
    scenario s;
    scenario_start(&s, NULL);
    SCRIPT(&s, FAULT_HTTP_503, {.action = FAULT_HTTP_503});
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), DDB_ERR_SERVICE);
    check_attempts(&s, 4);
    CHECK_INT(fault_proxy_forwarded(s.proxy), 0);
    check_delays(&s, (const double[]){25, 50, 100}, 3, 0);
    CHECK_INT(err.http_status, 503);
    CHECK_STR(err.aws_type, "ServiceUnavailable");
    CHECK(err.retryable);
    CHECK_CONTAINS(err.message, "(gave up after 4 attempts)");
    CHECK_INT(s.cap.last_error_code, DDB_ERR_SERVICE);
    CHECK_COUNTER(&s, "k", 0, 0); /* never reached DynamoDB */
    ddb_error_clear(&err);
    scenario_end(&s);
}

/* AWS_MAX_ATTEMPTS and AWS_RETRY_MODE apply; the client options override them. */
TEST(max_attempts_from_environment_and_options)
{
    scenario s;
    setenv("AWS_MAX_ATTEMPTS", "2", 1);
    scenario_start(&s, NULL);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    SCRIPT(&s, FAULT_HTTP_500, {.action = FAULT_HTTP_500});
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_SERVICE);
    check_attempts(&s, 2);

    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.max_attempts = 3;
    ddb_client *three = proxy_client(&s, &o);
    SCRIPT(&s, FAULT_HTTP_500, {.action = FAULT_HTTP_500});
    CHECK_INT(get_item(&item, three, s.table, "k", &err), DDB_ERR_SERVICE);
    check_attempts(&s, 3);
    ddb_client_free(three);

    o.max_attempts = 1; /* no retries at all */
    ddb_client *one = proxy_client(&s, &o);
    SCRIPT(&s, FAULT_HTTP_500, {.action = FAULT_HTTP_500});
    CHECK_INT(get_item(&item, one, s.table, "k", &err), DDB_ERR_SERVICE);
    check_attempts(&s, 1);
    CHECK_INT(s.cap.n_retries, 0);
    ddb_client_free(one);

    setenv("AWS_RETRY_MODE", "fastest", 1);
    ddb_client *bad = NULL;
    ddb_client_options plain = DDB_CLIENT_OPTIONS_INIT;
    plain.endpoint = fault_proxy_endpoint(s.proxy);
    plain.region = "us-east-1";
    plain.access_key_id = "AKID";
    plain.secret_access_key = "secret";
    CHECK_INT(ddb_client_new(&bad, &plain, &err), DDB_ERR_CONFIG);
    CHECK(bad == NULL);
    CHECK_CONTAINS(err.message, "AWS_RETRY_MODE \"fastest\"");
    plain.retry_mode = "legacy"; /* the option wins over the bad environment value */
    CHECK_INT(ddb_client_new(&bad, &plain, &err), 0);
    ddb_client_free(bad);
    unsetenv("AWS_RETRY_MODE");
    unsetenv("AWS_MAX_ATTEMPTS");
    ddb_error_clear(&err);
    scenario_end(&s);
}

static void check_once(scenario *s, int rc, int expected_rc, const ddb_error *err, const char *what)
{
    if (rc != expected_rc || fault_proxy_requests(s->proxy) != 1)
        fprintf(stderr, "  %s: rc %s (%s), %zu requests\n", what, ddb_error_code_name(rc),
                err->message, fault_proxy_requests(s->proxy));
    CHECK_INT(rc, expected_rc);
    check_attempts(s, 1);
    CHECK_INT(s->cap.n_retries, 0);
    CHECK(!err->retryable);
}

TEST(non_retryable_errors_are_attempted_once)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(counter_write(s.direct, s.table, "k", 0, 1, &err) == 0);

    /* Real errors from DynamoDB Local, forwarded. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    int rc = counter_write(s.via, s.table, "k", 0, 1, &err);
    check_once(&s, rc, DDB_ERR_CONDITION_FAILED, &err, "ConditionalCheckFailedException");

    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"k\"}}");
    ddb_update_item_input bad = {
        .table_name = s.table, .key = key, .update_expression = "SET = nonsense"};
    ddb_update_item_output *uout = NULL;
    rc = ddb_update_item(&uout, s.via, &bad, &err);
    ddb_update_item_output_free(uout);
    check_once(&s, rc, DDB_ERR_VALIDATION, &err, "ValidationException");
    CHECK_STR(err.aws_type, "ValidationException");

    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    ddb_value *item = NULL;
    rc = get_item(&item, s.via, "no_such_table_retry", "k", &err);
    check_once(&s, rc, DDB_ERR_RESOURCE_NOT_FOUND, &err, "ResourceNotFoundException");

    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    ddb_value *zero = harness_itemf("{\":z\":{\"N\":\"0\"}}");
    ddb_condition_check cc = {.key = key,
                              .table_name = s.table,
                              .condition_expression = "n = :z",
                              .expression_attribute_values = zero};
    ddb_transact_write_item titems[1] = {{.condition_check = &cc}};
    ddb_transact_write_items_input tin = {.n_transact_items = 1, .transact_items = titems};
    ddb_transact_write_items_output *tout = NULL;
    rc = ddb_transact_write_items(&tout, s.via, &tin, &err);
    ddb_transact_write_items_output_free(tout);
    check_once(&s, rc, DDB_ERR_TRANSACTION_CANCELED, &err, "TransactionCanceledException");

    /* Errors DynamoDB Local cannot produce (it checks no signature), injected by the proxy. */
    static const struct {
        int status;
        const char *type;
        int rc;
    } injected[] = {
        {400, "AccessDeniedException", DDB_ERR_AUTH},
        {403, "InvalidSignatureException", DDB_ERR_AUTH},
        {403, "SignatureDoesNotMatch", DDB_ERR_AUTH},
        {400, "UnrecognizedClientException", DDB_ERR_AUTH},
        {400, "IdempotentParameterMismatchException", DDB_ERR_SERVICE},
        {500, "ValidationException", DDB_ERR_VALIDATION}, /* the type wins over a 5xx status */
    };
    for (size_t i = 0; i < sizeof(injected) / sizeof(*injected); i++) {
        SCRIPT(
            &s, FAULT_FORWARD,
            {.action = FAULT_ERROR, .status = injected[i].status, .error_type = injected[i].type});
        rc = get_item(&item, s.via, s.table, "k", &err);
        check_once(&s, rc, injected[i].rc, &err, injected[i].type);
        CHECK_STR(err.aws_type, injected[i].type);
    }
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_value_free(key);
    ddb_value_free(zero);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(retry_after_header_is_honoured)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_error err = DDB_ERROR_INIT;
    /* 400 ms lies within [computed delay (< 25 ms), computed + 5 s]: it is the delay. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_HTTP_503, .retry_after = "400"});
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    check_attempts(&s, 2);
    REQUIRE(s.cap.n_retries == 1);
    CHECK(s.cap.retries[0].delay_ms == 400);
    CHECK_INT(test_clock_sleeps(&s.clock), 1);
    CHECK(test_clock_sleep_at(&s.clock, 0) == 400);
    fault_request a, b;
    REQUIRE(fault_proxy_request(s.proxy, 0, &a) && fault_proxy_request(s.proxy, 1, &b));
    fprintf(stderr, "  retry-after 400: proxy gap %.1f ms\n", b.at_ms - a.at_ms);
    CHECK(b.at_ms - a.at_ms >= 398 && b.at_ms - a.at_ms <= 400 + HANG_GUARD_MS);

    /* 0 asks for less than the computed delay: the computed delay stands. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_HTTP_500, .retry_after = "0"});
    CHECK_INT(counter_write(s.via, s.table, "k", 1, 2, &err), 0);
    check_attempts(&s, 2);
    REQUIRE(s.cap.n_retries == 1);
    CHECK(s.cap.retries[0].delay_ms >= 0 && s.cap.retries[0].delay_ms < 25);
    CHECK(fabs(test_clock_sleep_at(&s.clock, 0) - s.cap.retries[0].delay_ms) < 0.01);
    CHECK_COUNTER(&s, "k", 2, 2);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(retry_quota_exhaustion_fails_fast)
{
    scenario s;
    scenario_start(&s, NULL);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    SCRIPT(&s, FAULT_HTTP_500, {.action = FAULT_HTTP_500});
    /* Each failing call retries 3 times at 14 tokens: 500 tokens pay for 35 retries. */
    int calls = 0, rc = 0;
    while (calls < 20) {
        calls++;
        capture_reset(&s.cap);
        rc = get_item(&item, s.via, s.table, "k", &err);
        if (rc != DDB_ERR_SERVICE)
            break;
        CHECK_INT(s.cap.last_attempts, 4);
    }
    CHECK_INT(calls, 12);
    CHECK_INT(rc, DDB_ERR_RETRY_QUOTA);
    CHECK_INT(s.cap.last_attempts, 3); /* its third retry could not be paid */
    CHECK_INT(fault_proxy_requests(s.proxy), 11 * 4 + 3);
    CHECK_CONTAINS(err.message, "retry quota exhausted: 10 of 500 tokens left and a transient "
                                "retry costs 14");
    CHECK_CONTAINS(err.message, "InternalServerError (HTTP 500)");

    /* Now every failure fails fast: one attempt, no wait, a clear error. */
    size_t before = fault_proxy_requests(s.proxy);
    capture_reset(&s.cap);
    test_clock_reset(&s.clock);
    rc = get_item(&item, s.via, s.table, "k", &err);
    CHECK_INT(rc, DDB_ERR_RETRY_QUOTA);
    CHECK_INT(test_clock_sleeps(&s.clock), 0);
    CHECK_INT(s.cap.last_attempts, 1);
    CHECK_INT(s.cap.n_retries, 0);
    CHECK_INT(fault_proxy_requests(s.proxy) - before, 1);
    CHECK_INT(err.code, DDB_ERR_RETRY_QUOTA);
    CHECK_STR(err.aws_type, "InternalServerError");
    CHECK_INT(err.http_status, 500);
    CHECK(!err.retryable);

    /* Four first-try successes add 4 tokens: 14, enough for one transient retry again. */
    REQUIRE(counter_write(s.direct, s.table, "k", 0, 1, &err) == 0);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    for (int i = 0; i < 4; i++) {
        CHECK_INT(get_item(&item, s.via, s.table, "k", &err), 0);
        ddb_value_free(item);
        item = NULL;
    }
    CHECK_INT(s.cap.last_quota_tokens, 14);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_HTTP_500});
    CHECK_INT(counter_write(s.via, s.table, "k", 1, 2, &err), 0);
    check_attempts(&s, 2);
    CHECK_INT(s.cap.last_quota_tokens, 14); /* 14 - 14, refunded on success */
    CHECK_COUNTER(&s, "k", 2, 2);
    ddb_error_clear(&err);
    scenario_end(&s);
}

static ddb_client_options breaker_options(int threshold, long cooldown_ms)
{
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.max_attempts = 1; /* one attempt per call: the breaker's arithmetic stays visible */
    o.circuit_breaker_threshold = threshold;
    o.circuit_breaker_cooldown_ms = cooldown_ms;
    return o;
}

TEST(circuit_breaker_opens_fails_fast_and_probe_closes_it)
{
    scenario s;
    ddb_client_options o = breaker_options(3, 400);
    scenario_start(&s, &o);
    scenario_manual_clock(&s);
    ddb_error err = DDB_ERROR_INIT;
    SCRIPT(&s, FAULT_HTTP_503, {.action = FAULT_HTTP_503});
    for (int i = 0; i < 3; i++)
        CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), DDB_ERR_SERVICE);
    CHECK_INT(fault_proxy_requests(s.proxy), 3);
    CHECK_INT(s.cap.n_circuit_open, 1);

    /* Open: nothing is sent, and nothing waited for. Just short of the cool-down, still open. */
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(test_clock_sleeps(&s.clock), 0);
    CHECK_INT(fault_proxy_requests(s.proxy), 3);
    CHECK_INT(s.cap.last_attempts, 0);
    CHECK_INT(s.cap.last_error_code, DDB_ERR_CIRCUIT_OPEN);
    CHECK_CONTAINS(err.message, "circuit breaker open after 3 consecutive failed attempts; failing "
                                "fast for another 400 ms");
    CHECK_INT(err.http_status, 0);
    test_clock_advance(&s.clock, 399);
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_CONTAINS(err.message, "failing fast for another 1 ms");
    CHECK_INT(fault_proxy_requests(s.proxy), 3);

    /* After the cool-down one probe goes; it succeeds and the breaker closes. */
    test_clock_advance(&s.clock, 1);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    CHECK_INT(s.cap.n_circuit_closed, 1);
    CHECK_INT(counter_write(s.via, s.table, "k", 1, 2, &err), 0);
    CHECK_INT(counter_write(s.via, s.table, "k", 2, 3, &err), 0);
    CHECK_INT(fault_proxy_requests(s.proxy), 3);
    CHECK_COUNTER(&s, "k", 3, 3); /* the refused and failed writes never happened */
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(circuit_breaker_failed_probe_reopens)
{
    scenario s;
    ddb_client_options o = breaker_options(2, 300);
    scenario_start(&s, &o);
    scenario_manual_clock(&s);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    SCRIPT(&s, FAULT_HTTP_500, {.action = FAULT_HTTP_500});
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_SERVICE);
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_SERVICE);
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(fault_proxy_requests(s.proxy), 2);
    test_clock_advance(&s.clock, 300);
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_SERVICE); /* the probe */
    CHECK_INT(fault_proxy_requests(s.proxy), 3);
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(fault_proxy_requests(s.proxy), 3);
    CHECK_INT(s.cap.n_circuit_open, 2);
    test_clock_advance(&s.clock, 299); /* the cool-down starts again from the failed probe */
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(fault_proxy_requests(s.proxy), 3);
    test_clock_advance(&s.clock, 1);
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    CHECK_INT(counter_write(s.via, s.table, "k", 0, 1, &err), 0);
    CHECK_INT(s.cap.n_circuit_closed, 1);
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

typedef struct probe_arg {
    scenario *s;
    int rc;
} probe_arg;

static void *probe_thread(void *arg)
{
    probe_arg *a = arg;
    ddb_error err = DDB_ERROR_INIT;
    a->rc = counter_write(a->s->via, a->s->table, "k", 0, 1, &err);
    ddb_error_clear(&err);
    return NULL;
}

TEST(circuit_breaker_lets_one_probe_through_at_a_time)
{
    scenario s;
    ddb_client_options o = breaker_options(1, 300);
    scenario_start(&s, &o);
    scenario_manual_clock(&s);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_HTTP_503});
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_SERVICE);
    test_clock_advance(&s.clock, 300);
    /* The proxy holds the probe until released; meanwhile another call fails fast. */
    SCRIPT(&s, FAULT_FORWARD, {.action = FAULT_HOLD});
    probe_arg a = {&s, -1};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, probe_thread, &a) == 0);
    bool probe_arrived = fault_proxy_wait_requests(s.proxy, 1, (long)HANG_GUARD_MS);
    CHECK(probe_arrived);
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_CIRCUIT_OPEN);
    CHECK_CONTAINS(err.message, "probe request is in flight");
    CHECK_INT(fault_proxy_requests(s.proxy), 1);
    fault_proxy_release(s.proxy);
    pthread_join(t, NULL);
    CHECK_INT(a.rc, 0);
    CHECK_INT(get_item(&item, s.via, s.table, "k", &err), 0);
    CHECK(item && harness_attr_is_n(item, "n", 1));
    ddb_value_free(item);
    CHECK_INT(fault_proxy_requests(s.proxy), 2);
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

TEST(circuit_breaker_is_off_by_default)
{
    scenario s;
    ddb_client_options o = breaker_options(0, 0);
    scenario_start(&s, &o);
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    SCRIPT(&s, FAULT_HTTP_503, {.action = FAULT_HTTP_503});
    for (int i = 0; i < 12; i++)
        CHECK_INT(get_item(&item, s.via, s.table, "k", &err), DDB_ERR_SERVICE);
    CHECK_INT(fault_proxy_requests(s.proxy), 12);
    CHECK_INT(s.cap.n_circuit_open, 0);
    ddb_error_clear(&err);
    scenario_end(&s);
}

/*
 * Adaptive mode: while all goes well the limiter is off; throttling responses turn it on at a
 * fraction of the measured rate, and the attempts that follow are held. Standard mode, given the
 * same traffic, never holds an attempt.
 *
 * The client runs on a manual clock, so the pace the limiter measures is the test's, not the
 * machine's: the warm-up spaces its calls 50 ms apart for 1.2 s (20 calls a second), then the
 * burst comes with the clock standing still. Every hold the client logs must be a sleep it took,
 * and those sleeps are the only thing that moves its clock during the burst.
 */
static int run_throttle_burst(scenario *s, ddb_client *c, test_clock *k, double *hold_total)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *item = NULL;
    SCRIPT(s, FAULT_FORWARD, {.action = FAULT_FORWARD});
    test_clock_reset(k);
    int warm = 0;
    for (double t = 0; t < 1200; t += 50) {
        CHECK_INT(get_item(&item, c, s->table, "k", &err), 0);
        ddb_value_free(item);
        item = NULL;
        warm++;
        test_clock_advance(k, 50);
    }
    CHECK_INT(s->cap.n_rate_waits, 0);
    CHECK_INT(test_clock_sleeps(k), 0);
    int fails = 0;
    SCRIPT(s, FAULT_FORWARD, {.action = FAULT_THROTTLE}, {.action = FAULT_THROTTLE},
           {.action = FAULT_THROTTLE}, {.action = FAULT_THROTTLE});
    test_clock_reset(k);
    for (int i = 0; i < 4; i++)
        fails += get_item(&item, c, s->table, "k", &err) == DDB_ERR_THROTTLED;
    CHECK_INT(fails, 4);
    /* Count only what the 8 calls after the throttling do. */
    capture_reset(&s->cap);
    test_clock_reset(k);
    double t1 = test_clock_now(k);
    for (int i = 0; i < 8; i++) {
        CHECK_INT(get_item(&item, c, s->table, "k", &err), 0);
        ddb_value_free(item);
        item = NULL;
    }
    double after = test_clock_now(k) - t1;
    *hold_total = 0;
    for (int i = 0; i < s->cap.n_rate_waits; i++)
        *hold_total += s->cap.rate_waits[i];
    fprintf(stderr,
            "  warm-up %d calls in 1.2 s (client clock); after throttling: %d holds, %.0f ms "
            "held, %d sleeps, 8 calls in %.0f ms\n",
            warm, s->cap.n_rate_waits, *hold_total, test_clock_sleeps(k), after);
    /* Each hold was waited out (max_attempts is 1: there are no retry delays), and nothing else
     * was: the client's clock moved by exactly the holds. */
    CHECK_INT(test_clock_sleeps(k), s->cap.n_rate_waits);
    for (int i = 0; i < s->cap.n_rate_waits; i++)
        CHECK(fabs(test_clock_sleep_at(k, i) - s->cap.rate_waits[i]) < 0.01);
    CHECK(fabs(after - *hold_total) < 0.01);
    ddb_error_clear(&err);
    return s->cap.n_rate_waits;
}

TEST(adaptive_mode_rate_limits_after_throttling)
{
    scenario s;
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    o.max_attempts = 1;
    o.retry_mode = "adaptive";
    scenario_start(&s, &o);
    scenario_manual_clock(&s);
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(counter_write(s.direct, s.table, "k", 0, 1, &err) == 0);
    double held = 0;
    CHECK(run_throttle_burst(&s, s.via, &s.clock, &held) > 0);
    CHECK(held > 0);

    ddb_client_options std = DDB_CLIENT_OPTIONS_INIT;
    std.max_attempts = 1;
    std.retry_mode = "standard";
    ddb_client *standard = proxy_client(&s, &std);
    test_clock k;
    test_clock_attach(&k, TEST_CLOCK_MANUAL, standard);
    CHECK_INT(run_throttle_burst(&s, standard, &k, &held), 0);
    CHECK(held == 0);
    ddb_client_free(standard);
    test_clock_destroy(&k);
    CHECK_COUNTER(&s, "k", 1, 1);
    ddb_error_clear(&err);
    scenario_end(&s);
}

/* The proxy itself: it stops promptly with a connection stalled, and only works on loopback. */
TEST(fault_proxy_stops_with_a_stalled_connection_and_stays_on_loopback)
{
    fault_proxy *p = fault_proxy_start(harness_endpoint());
    fault_proxy_script(p, NULL, 0, (fault_step){.action = FAULT_STALL});
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    scenario s = {.proxy = p};
    capture_init(&s.cap);
    o.max_attempts = 1;
    o.request_timeout_ms = 200;
    ddb_client *c = proxy_client(&s, &o);
    ddb_value *item = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(get_item(&item, c, "stalled_table", "k", &err), DDB_ERR_TIMEOUT);
    CHECK_INT(fault_proxy_requests(p), 1);
    CHECK_INT(fault_proxy_forwarded(p), 0);
    /* The stalled connection would hold the proxy for 30 s (STALL_LIMIT_MS) if the stop waited
     * for it; a stop that notices within its 50 ms slices is far inside this hang guard. */
    double t0 = harness_now_ms();
    fault_proxy_stop(p);
    CHECK(harness_now_ms() - t0 < HANG_GUARD_MS);
    ddb_client_free(c);
    pthread_mutex_destroy(&s.cap.lock);
    ddb_error_clear(&err);

    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        fclose(stderr); /* the refusal message is expected */
        fault_proxy_start("http://192.0.2.1:8000");
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

TEST_MAIN(CASE(throttling_is_retried_with_throttling_backoff),
          CASE(server_errors_500_and_503_are_retried_with_transient_backoff),
          CASE(reset_before_forwarding_is_retried),
          CASE(reset_after_forwarding_idempotent_put_is_not_duplicated),
          CASE(reset_after_forwarding_conditional_write_applies_once),
          CASE(reset_after_forwarding_transaction_token_prevents_a_duplicate),
          CASE(stall_times_out_and_is_retried),
          CASE(stall_after_forwarding_conditional_write_applies_once),
          CASE(truncated_body_is_retried), CASE(crc32_mismatch_is_retried),
          CASE(gives_up_after_max_attempts), CASE(max_attempts_from_environment_and_options),
          CASE(non_retryable_errors_are_attempted_once), CASE(retry_after_header_is_honoured),
          CASE(retry_quota_exhaustion_fails_fast),
          CASE(circuit_breaker_opens_fails_fast_and_probe_closes_it),
          CASE(circuit_breaker_failed_probe_reopens),
          CASE(circuit_breaker_lets_one_probe_through_at_a_time),
          CASE(circuit_breaker_is_off_by_default), CASE(adaptive_mode_rate_limits_after_throttling),
          CASE(fault_proxy_stops_with_a_stalled_connection_and_stays_on_loopback))
