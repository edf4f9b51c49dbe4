/*
 * The retry policy on its own: settings and their precedence, the delay formula and its retry
 * numbering, x-amz-retry-after, the quota, the per-call verdicts, the circuit breaker and the
 * adaptive rate limiter (with an injected clock). The same policy against DynamoDB Local through
 * a fault-injecting proxy is tests/integration/test_retry.c.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wire/retry.h"

static void clear_env(void)
{
    unsetenv("AWS_MAX_ATTEMPTS");
    unsetenv("AWS_RETRY_MODE");
}

static ddb_retry__policy policy(int max_attempts, const char *mode)
{
    clear_env();
    ddb_retry__policy p;
    ddb_retry__settings o = {max_attempts, mode};
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_retry__policy_init(&p, &o, NULL, &err) != 0) {
        fprintf(stderr, "policy_init: %s\n", err.message);
        exit(1);
    }
    return p;
}

static bool near(double a, double b, double eps)
{
    return fabs(a - b) <= eps;
}

/* ---- settings -------------------------------------------------------------------------------- */

TEST(defaults_are_four_attempts_standard)
{
    clear_env();
    ddb_retry__policy p;
    REQUIRE(ddb_retry__policy_init(&p, NULL, NULL, NULL) == 0);
    CHECK_INT(p.max_attempts, 4);
    CHECK_INT(p.mode, DDB_RETRY__STANDARD);
    CHECK_INT(ddb_retry__tokens(&p), 500);
    CHECK_INT(p.breaker_threshold, 0);
    ddb_retry__policy_destroy(&p);
}

TEST(options_beat_env_beat_profile)
{
    clear_env();
    ddb_retry__policy p;
    const ddb_retry__settings profile = {7, "adaptive"};
    const ddb_retry__settings options = {2, "standard"};
    const ddb_retry__settings unset = {0, NULL};
    const ddb_retry__settings empty_mode = {0, ""};

    REQUIRE(ddb_retry__policy_init(&p, &unset, &profile, NULL) == 0);
    CHECK_INT(p.max_attempts, 7);
    CHECK_INT(p.mode, DDB_RETRY__ADAPTIVE);
    ddb_retry__policy_destroy(&p);

    setenv("AWS_MAX_ATTEMPTS", "5", 1);
    setenv("AWS_RETRY_MODE", "standard", 1);
    REQUIRE(ddb_retry__policy_init(&p, &empty_mode, &profile, NULL) == 0);
    CHECK_INT(p.max_attempts, 5);
    CHECK_INT(p.mode, DDB_RETRY__STANDARD);
    ddb_retry__policy_destroy(&p);

    REQUIRE(ddb_retry__policy_init(&p, &options, &profile, NULL) == 0);
    CHECK_INT(p.max_attempts, 2);
    CHECK_INT(p.mode, DDB_RETRY__STANDARD);
    ddb_retry__policy_destroy(&p);

    /* Each setting is resolved on its own: the mode may come from one source, attempts another. */
    const ddb_retry__settings only_attempts = {3, NULL};
    setenv("AWS_RETRY_MODE", "adaptive", 1);
    REQUIRE(ddb_retry__policy_init(&p, &only_attempts, &profile, NULL) == 0);
    CHECK_INT(p.max_attempts, 3);
    CHECK_INT(p.mode, DDB_RETRY__ADAPTIVE);
    ddb_retry__policy_destroy(&p);
    clear_env();
}

TEST(modes_legacy_is_standard_and_case_is_ignored)
{
    ddb_retry__policy p = policy(0, "legacy");
    CHECK_INT(p.mode, DDB_RETRY__STANDARD);
    CHECK_INT(p.max_attempts, 4); /* legacy's old default of 10 retries does not come back */
    ddb_retry__policy_destroy(&p);
    p = policy(0, "ADAPTIVE");
    CHECK_INT(p.mode, DDB_RETRY__ADAPTIVE);
    CHECK_STR(ddb_retry__mode_name(p.mode), "adaptive");
    ddb_retry__policy_destroy(&p);
    p = policy(0, "Standard");
    CHECK_STR(ddb_retry__mode_name(p.mode), "standard");
    ddb_retry__policy_destroy(&p);
}

TEST(bad_settings_name_their_source)
{
    ddb_retry__policy p;
    ddb_error err = DDB_ERROR_INIT;
    clear_env();
    const ddb_retry__settings neg = {-1, NULL};
    CHECK_INT(ddb_retry__policy_init(&p, &neg, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "client option max_attempts -1");

    const ddb_retry__settings big = {0, NULL}, prof_big = {101, NULL};
    CHECK_INT(ddb_retry__policy_init(&p, &big, &prof_big, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "profile setting max_attempts 101");

    setenv("AWS_MAX_ATTEMPTS", "three", 1);
    CHECK_INT(ddb_retry__policy_init(&p, NULL, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "AWS_MAX_ATTEMPTS=\"three\"");
    setenv("AWS_MAX_ATTEMPTS", "0", 1);
    CHECK_INT(ddb_retry__policy_init(&p, NULL, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "AWS_MAX_ATTEMPTS 0 must be a whole number from 1 to 100");

    /* A setting that is overridden is never read, so a bad one there does no harm. */
    const ddb_retry__settings ok = {2, "standard"};
    setenv("AWS_RETRY_MODE", "fast", 1);
    REQUIRE(ddb_retry__policy_init(&p, &ok, NULL, &err) == 0);
    ddb_retry__policy_destroy(&p);
    CHECK_INT(ddb_retry__policy_init(&p, &big, NULL, &err), DDB_ERR_CONFIG); /* env 0 again */
    unsetenv("AWS_MAX_ATTEMPTS");
    CHECK_INT(ddb_retry__policy_init(&p, NULL, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "AWS_RETRY_MODE \"fast\" must be standard, adaptive or legacy");
    unsetenv("AWS_RETRY_MODE");
    const ddb_retry__settings prof_mode = {0, "turbo"};
    CHECK_INT(ddb_retry__policy_init(&p, NULL, &prof_mode, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "profile setting retry_mode \"turbo\"");
    ddb_error_clear(&err);
}

/* ---- delays ---------------------------------------------------------------------------------- */

/* Retry number 0 is the first retry: its ceiling is the base itself. */
TEST(delay_ceilings_count_retries_from_zero)
{
    const double transient[] = {25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 20000, 20000};
    for (int i = 0; i < 12; i++)
        CHECK(near(ddb_retry__ceiling_ms(i, false), transient[i], 1e-9));
    const double throttling[] = {1000, 2000, 4000, 8000, 16000, 20000, 20000};
    for (int i = 0; i < 7; i++)
        CHECK(near(ddb_retry__ceiling_ms(i, true), throttling[i], 1e-9));
    CHECK(near(ddb_retry__ceiling_ms(1000, true), 20000, 1e-9));
    CHECK(near(ddb_retry__ceiling_ms(-3, false), 25, 1e-9));

    CHECK(near(ddb_retry__backoff_ms(0, false, 0.0, NULL), 0, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, NULL), 12.5, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(2, true, 0.25, NULL), 1000, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(9, true, 0.999, NULL), 19980, 1e-6));
}

TEST(random_delays_stay_within_their_ceiling)
{
    for (int retry = 0; retry < 3; retry++) {
        for (int t = 0; t < 2; t++) {
            double ceiling = ddb_retry__ceiling_ms(retry, t == 1), sum = 0, lo = 1e9, hi = 0;
            const int n = 4000;
            for (int i = 0; i < n; i++) {
                double d = ddb_retry__delay_ms(retry, t == 1, NULL);
                CHECK(d >= 0 && d < ceiling);
                sum += d;
                lo = d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
            /* Uniform jitter: the mean is near half the ceiling and the range nearly all of it. */
            CHECK(sum / n > 0.45 * ceiling && sum / n < 0.55 * ceiling);
            CHECK(lo < 0.02 * ceiling && hi > 0.98 * ceiling);
        }
    }
}

TEST(retry_after_is_clamped_to_delay_plus_five_seconds)
{
    /* Within the range: taken as is. */
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "300"), 300, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, true, 0.5, "4000"), 4000, 1e-9));
    /* Below the computed delay: the computed delay wins (a server cannot shorten the wait). */
    CHECK(near(ddb_retry__backoff_ms(0, true, 0.5, "10"), 500, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "0"), 12.5, 1e-9));
    /* Beyond: the computed delay plus 5 s, even past the 20 s cap of the computed delay. */
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "60000"), 5012.5, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(9, true, 0.99, "999999"), 19800 + 5000, 1e-6));
    /* Not a number of milliseconds: ignored. */
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "soon"), 12.5, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "-5"), 12.5, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "12ms"), 12.5, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, ""), 12.5, 1e-9));
    CHECK(near(ddb_retry__backoff_ms(0, false, 0.5, "nan"), 12.5, 1e-9));
}

/* ---- quota ----------------------------------------------------------------------------------- */

TEST(quota_costs_refunds_and_exhaustion)
{
    ddb_retry__policy p = policy(0, NULL);
    CHECK_INT(ddb_retry__acquire(&p, false), 14);
    CHECK_INT(ddb_retry__acquire(&p, true), 5);
    CHECK_INT(ddb_retry__tokens(&p), 481);
    ddb_retry__on_success(&p, 5); /* success on a throttling retry refunds that retry's cost */
    CHECK_INT(ddb_retry__tokens(&p), 486);
    ddb_retry__on_success(&p, 0); /* a first-try success adds 1 */
    CHECK_INT(ddb_retry__tokens(&p), 487);
    for (int i = 0; i < 20; i++)
        ddb_retry__on_success(&p, 14);
    CHECK_INT(ddb_retry__tokens(&p), 500); /* never above the maximum */

    int transient = 0;
    while (ddb_retry__acquire(&p, false) > 0)
        transient++;
    CHECK_INT(transient, 35); /* 35 * 14 = 490 */
    CHECK_INT(ddb_retry__tokens(&p), 10);
    CHECK_INT(ddb_retry__acquire(&p, false), -1);
    CHECK_INT(ddb_retry__acquire(&p, true), 5); /* a throttling retry is cheaper */
    CHECK_INT(ddb_retry__acquire(&p, true), 5);
    CHECK_INT(ddb_retry__acquire(&p, true), -1);
    ddb_retry__release(&p, 14);
    CHECK_INT(ddb_retry__tokens(&p), 14);
    ddb_retry__policy_destroy(&p);
}

typedef struct hammer_arg {
    ddb_retry__policy *p;
    int rounds;
} hammer_arg;

static void *hammer(void *arg)
{
    hammer_arg *a = arg;
    for (int i = 0; i < a->rounds; i++) {
        int cost = ddb_retry__acquire(a->p, i % 2 == 0);
        if (cost > 0)
            ddb_retry__release(a->p, cost);
    }
    return NULL;
}

TEST(quota_is_consistent_across_threads)
{
    ddb_retry__policy p = policy(0, NULL);
    pthread_t t[8];
    hammer_arg a = {&p, 20000};
    for (int i = 0; i < 8; i++)
        REQUIRE(pthread_create(&t[i], NULL, hammer, &a) == 0);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    CHECK_INT(ddb_retry__tokens(&p), 500);
    ddb_retry__policy_destroy(&p);
}

/* ---- per-call verdicts ----------------------------------------------------------------------- */

static void fake_error(ddb_error *e, int code, const char *type, long status, bool retryable,
                       bool throttling)
{
    ddb_error_clear(e);
    e->code = code;
    snprintf(e->aws_type, sizeof(e->aws_type), "%s", type);
    snprintf(e->message, sizeof(e->message), "%s (HTTP %ld): injected", type, status);
    snprintf(e->request_id, sizeof(e->request_id), "REQ-%s", type);
    e->http_status = status;
    e->retryable = retryable;
    e->throttling = throttling;
}

TEST(verdicts_follow_the_policy)
{
    ddb_retry__policy p = policy(4, NULL);
    ddb_error e = DDB_ERROR_INIT;
    double hold = -1;

    /* First-try success: one attempt, the quota gains 1 (already full: stays 500). */
    ddb_retry__call rs = DDB_RETRY__CALL_INIT;
    REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
    CHECK_INT(rs.attempts, 1);
    CHECK(hold == 0);
    ddb_retry__verdict v = ddb_retry__after_attempt(&p, &rs, 0, &e, NULL, 1);
    CHECK(!v.retry);
    CHECK_INT(v.rc, 0);
    CHECK_INT(v.quota_tokens, 500);

    /* Throttled, throttled, success: two retries under 1 s and 2 s, 5 tokens each; the second
     * retry's cost comes back on success. */
    rs = (ddb_retry__call)DDB_RETRY__CALL_INIT;
    for (int i = 0; i < 2; i++) {
        REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
        fake_error(&e, DDB_ERR_THROTTLED, "ThrottlingException", 400, true, true);
        v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_THROTTLED, &e, NULL, 1);
        CHECK(v.retry);
        CHECK(v.throttling);
        CHECK_INT(v.retry_cost, 5);
        CHECK(near(v.ceiling_ms, i == 0 ? 1000 : 2000, 1e-9));
        CHECK(v.delay_ms >= 0 && v.delay_ms < v.ceiling_ms);
    }
    CHECK_INT(ddb_retry__tokens(&p), 490);
    REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
    CHECK_INT(rs.attempts, 3);
    ddb_error_clear(&e);
    v = ddb_retry__after_attempt(&p, &rs, 0, &e, NULL, 1);
    CHECK(!v.retry);
    CHECK_INT(v.rc, 0);
    CHECK_INT(v.quota_tokens, 495);

    /* Not retryable: one attempt, no cost. */
    rs = (ddb_retry__call)DDB_RETRY__CALL_INIT;
    REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
    fake_error(&e, DDB_ERR_CONDITION_FAILED, "ConditionalCheckFailedException", 400, false, false);
    v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_CONDITION_FAILED, &e, NULL, 1);
    CHECK(!v.retry);
    CHECK_INT(v.rc, DDB_ERR_CONDITION_FAILED);
    CHECK_INT(ddb_retry__tokens(&p), 495);

    /* 500 four times: three retries (25, 50, 100 ms ceilings), then it gives up and says so. */
    rs = (ddb_retry__call)DDB_RETRY__CALL_INIT;
    for (int i = 0; i < 4; i++) {
        REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
        fake_error(&e, DDB_ERR_SERVICE, "InternalServerError", 500, true, false);
        v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_SERVICE, &e, NULL, 1);
        CHECK(v.retry == (i < 3));
        if (i < 3) {
            CHECK_INT(v.retry_cost, 14);
            CHECK(near(v.ceiling_ms, 25.0 * (1 << i), 1e-9));
        }
    }
    CHECK_INT(v.rc, DDB_ERR_SERVICE);
    CHECK_INT(rs.attempts, 4);
    CHECK_CONTAINS(e.message,
                   "InternalServerError (HTTP 500): injected (gave up after 4 attempts)");
    CHECK_INT(ddb_retry__tokens(&p), 495 - 42);
    ddb_error_clear(&e);
    ddb_retry__policy_destroy(&p);
}

TEST(empty_quota_fails_fast_keeping_the_service_error)
{
    ddb_retry__policy p = policy(4, NULL);
    while (ddb_retry__acquire(&p, false) > 0) {
    }
    CHECK_INT(ddb_retry__tokens(&p), 10);
    ddb_error e = DDB_ERROR_INIT;
    double hold;
    ddb_retry__call rs = DDB_RETRY__CALL_INIT;
    REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
    fake_error(&e, DDB_ERR_SERVICE, "InternalServerError", 500, true, false);
    ddb_retry__verdict v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_SERVICE, &e, NULL, 1);
    CHECK(!v.retry);
    CHECK_INT(v.rc, DDB_ERR_RETRY_QUOTA);
    CHECK_INT(e.code, DDB_ERR_RETRY_QUOTA);
    CHECK_CONTAINS(e.message, "retry quota exhausted: 10 of 500 tokens left and a transient retry "
                              "costs 14");
    CHECK_CONTAINS(e.message, "attempt 1 failed: InternalServerError (HTTP 500)");
    CHECK_STR(e.aws_type, "InternalServerError");
    CHECK_STR(e.request_id, "REQ-InternalServerError");
    CHECK_INT(e.http_status, 500);
    CHECK(!e.retryable);

    /* With 10 tokens a throttling retry (5) still goes. */
    rs = (ddb_retry__call)DDB_RETRY__CALL_INIT;
    REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, &e) == 0);
    fake_error(&e, DDB_ERR_THROTTLED, "ThrottlingException", 400, true, true);
    v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_THROTTLED, &e, NULL, 1);
    CHECK(v.retry);
    CHECK_INT(v.quota_tokens, 5);
    ddb_error_clear(&e);
    CHECK_STR(ddb_error_code_name(DDB_ERR_RETRY_QUOTA), "DDB_ERR_RETRY_QUOTA");
    CHECK_STR(ddb_error_code_name(DDB_ERR_CIRCUIT_OPEN), "DDB_ERR_CIRCUIT_OPEN");
    ddb_retry__policy_destroy(&p);
}

TEST(null_error_still_classifies_network_failures)
{
    ddb_retry__policy p = policy(2, NULL);
    double hold;
    ddb_retry__call rs = DDB_RETRY__CALL_INIT;
    REQUIRE(ddb_retry__before_attempt(&p, &rs, 0, &hold, NULL) == 0);
    ddb_retry__verdict v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_NETWORK, NULL, NULL, 1);
    CHECK(v.retry);
    CHECK_INT(v.retry_cost, 14);
    ddb_retry__policy_destroy(&p);
}

/* ---- circuit breaker ------------------------------------------------------------------------- */

TEST(breaker_opens_fails_fast_and_lets_one_probe_through)
{
    ddb_retry__policy p = policy(1, NULL);
    REQUIRE(ddb_retry__policy_set_breaker(&p, 3, 1000, NULL) == 0);
    bool probe;
    double left;
    int failures;
    /* A non-retryable answer in between resets the count: only consecutive failures open it. */
    CHECK(ddb_retry__breaker_allow(&p, 0, &probe, &left, &failures));
    CHECK_INT(ddb_retry__breaker_record(&p, 0, false, DDB_RETRY__FAILED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 0, false, DDB_RETRY__FAILED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 0, false, DDB_RETRY__ANSWERED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 0, false, DDB_RETRY__NOT_SENT), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 0, false, DDB_RETRY__FAILED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 0, false, DDB_RETRY__FAILED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 100, false, DDB_RETRY__FAILED), DDB_RETRY__OPEN);

    CHECK(!ddb_retry__breaker_allow(&p, 400, &probe, &left, &failures));
    CHECK(near(left, 700, 1e-9));
    CHECK_INT(failures, 3);
    /* Attempts admitted before it opened report late: ignored. */
    CHECK_INT(ddb_retry__breaker_record(&p, 500, false, DDB_RETRY__ANSWERED), -1);
    CHECK(!ddb_retry__breaker_allow(&p, 1099, &probe, &left, &failures));

    /* Cool-down over: exactly one probe; the rest still fail fast while it is in flight. */
    CHECK(ddb_retry__breaker_allow(&p, 1100, &probe, &left, &failures));
    CHECK(probe);
    CHECK(!ddb_retry__breaker_allow(&p, 1101, &probe, &left, &failures));
    CHECK(!probe);
    CHECK(near(left, 0, 1e-9));
    /* The probe fails: open for another cool-down from now. */
    CHECK_INT(ddb_retry__breaker_record(&p, 1200, true, DDB_RETRY__FAILED), DDB_RETRY__OPEN);
    CHECK(!ddb_retry__breaker_allow(&p, 2199, &probe, &left, &failures));
    CHECK(near(left, 1, 1e-9));
    /* A probe that was never sent (a local failure) leaves the next caller free to probe. */
    CHECK(ddb_retry__breaker_allow(&p, 2200, &probe, &left, &failures));
    CHECK(probe);
    CHECK_INT(ddb_retry__breaker_record(&p, 2200, true, DDB_RETRY__NOT_SENT), -1);
    CHECK(ddb_retry__breaker_allow(&p, 2201, &probe, &left, &failures));
    CHECK(probe);
    /* This probe gets an answer (even a non-retryable error is one): closed. */
    CHECK_INT(ddb_retry__breaker_record(&p, 2300, true, DDB_RETRY__ANSWERED), DDB_RETRY__CLOSED);
    for (int i = 0; i < 5; i++) {
        CHECK(ddb_retry__breaker_allow(&p, 2301, &probe, &left, &failures));
        CHECK(!probe);
    }
    /* And it counts from zero again. */
    CHECK_INT(ddb_retry__breaker_record(&p, 2400, false, DDB_RETRY__FAILED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 2400, false, DDB_RETRY__FAILED), -1);
    CHECK_INT(ddb_retry__breaker_record(&p, 2400, false, DDB_RETRY__FAILED), DDB_RETRY__OPEN);
    ddb_retry__policy_destroy(&p);
}

TEST(breaker_is_off_by_default)
{
    ddb_retry__policy p = policy(1, NULL);
    bool probe;
    double left;
    int failures;
    for (int i = 0; i < 1000; i++)
        CHECK_INT(ddb_retry__breaker_record(&p, i, false, DDB_RETRY__FAILED), -1);
    CHECK(ddb_retry__breaker_allow(&p, 1000, &probe, &left, &failures));
    CHECK(!probe);
    ddb_retry__policy_destroy(&p);
}

TEST(breaker_settings)
{
    ddb_retry__policy p = policy(1, NULL);
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_retry__policy_set_breaker(&p, -1, 0, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "circuit_breaker_threshold -1");
    CHECK_INT(ddb_retry__policy_set_breaker(&p, 2, -5, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "circuit_breaker_cooldown_ms -5");
    CHECK_INT(ddb_retry__policy_set_breaker(&p, 2, 0, &err), 0);
    CHECK(near(p.breaker_cooldown_ms, 5000, 1e-9));
    ddb_error_clear(&err);
    ddb_retry__policy_destroy(&p);
}

TEST(open_breaker_refunds_the_paid_retry_and_explains)
{
    ddb_retry__policy p = policy(4, NULL);
    REQUIRE(ddb_retry__policy_set_breaker(&p, 2, 1000, NULL) == 0);
    ddb_error e = DDB_ERROR_INIT;
    double hold;
    ddb_retry__call rs = DDB_RETRY__CALL_INIT;
    for (int i = 0; i < 2; i++) {
        REQUIRE(ddb_retry__before_attempt(&p, &rs, 10, &hold, &e) == 0);
        fake_error(&e, DDB_ERR_SERVICE, "ServiceUnavailable", 503, true, false);
        ddb_retry__verdict v = ddb_retry__after_attempt(&p, &rs, DDB_ERR_SERVICE, &e, NULL, 10);
        CHECK(v.retry);
        CHECK_INT(v.breaker_moved, i == 1 ? DDB_RETRY__OPEN : -1);
    }
    CHECK_INT(ddb_retry__tokens(&p), 500 - 28);
    /* The third attempt meets the open breaker: fail fast, and the retry's 14 come back. */
    CHECK_INT(ddb_retry__before_attempt(&p, &rs, 20, &hold, &e), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(rs.attempts, 2);
    CHECK_INT(ddb_retry__tokens(&p), 500 - 14);
    CHECK_INT(e.code, DDB_ERR_CIRCUIT_OPEN);
    CHECK_CONTAINS(e.message, "circuit breaker open after 2 consecutive failed attempts; failing "
                              "fast for another 990 ms");
    CHECK_CONTAINS(e.message, "attempt 2 failed: ServiceUnavailable (HTTP 503)");
    CHECK_INT(e.http_status, 503);
    /* A new call during the cool-down: nothing sent, nothing to add. */
    ddb_retry__call fresh = DDB_RETRY__CALL_INIT;
    ddb_error_clear(&e);
    CHECK_INT(ddb_retry__before_attempt(&p, &fresh, 500, &hold, &e), DDB_ERR_CIRCUIT_OPEN);
    CHECK_INT(fresh.attempts, 0);
    CHECK_STR(e.message, "circuit breaker open after 2 consecutive failed attempts; failing fast "
                         "for another 510 ms");
    CHECK_INT(e.http_status, 0);
    ddb_error_clear(&e);
    ddb_retry__policy_destroy(&p);
}

/* ---- adaptive rate limiter ------------------------------------------------------------------- */

TEST(standard_mode_never_rate_limits)
{
    ddb_retry__policy p = policy(0, "standard");
    for (int i = 0; i < 50; i++)
        ddb_retry__rate_update(&p, true, 100 + i * 0.01);
    for (int i = 0; i < 50; i++)
        CHECK(ddb_retry__rate_acquire(&p, 101) == 0);
    ddb_retry__policy_destroy(&p);
}

TEST(adaptive_mode_slows_down_on_throttling_and_recovers)
{
    ddb_retry__policy p = policy(0, "adaptive");
    double t = 1000.0;
    bool on = true;
    /* 2 s of 20 attempts per second, all fine: the limiter stays off. */
    for (int i = 0; i < 40; i++, t += 0.05) {
        CHECK(ddb_retry__rate_acquire(&p, t) == 0);
        ddb_retry__rate_update(&p, false, t);
    }
    ddb_retry__rate_fill(&p, &on);
    CHECK(!on);
    double measured = p.limiter.measured_rate;
    CHECK(measured > 15 && measured < 25);

    /* A throttling response: on, at 0.7 times the measured rate (CUBIC's multiplicative cut). */
    ddb_retry__rate_update(&p, true, t);
    double fill = ddb_retry__rate_fill(&p, &on);
    CHECK(on);
    CHECK(near(fill, 0.7 * p.limiter.last_max_rate, 1e-9));
    CHECK(near(p.limiter.last_max_rate, p.limiter.measured_rate, 1e-9));

    /* A burst at one instant: after the bucket's tokens, each attempt waits 1/fill s more. */
    double prev = -1, first_wait = -1;
    int waited = 0;
    for (int i = 0; i < 30; i++) {
        double w = ddb_retry__rate_acquire(&p, t);
        CHECK(w >= prev);
        if (w > 0 && prev > 0)
            CHECK(near(w - prev, 1000.0 / fill, 1e-6));
        if (w > 0 && first_wait < 0)
            first_wait = w;
        waited += w > 0;
        prev = w;
    }
    CHECK(waited >= 30 - (int)ceil(fill) - 1);
    CHECK(first_wait > 0 && first_wait <= 1000.0 / fill + 1e-6);

    /* More throttling: slower again. */
    double before = fill;
    ddb_retry__rate_update(&p, true, t + 0.01);
    fill = ddb_retry__rate_fill(&p, NULL);
    CHECK(fill < before);

    /* Successes: CUBIC climbs back; at K seconds after the last throttle it is back at W_max. */
    double slow = fill;
    double k = p.limiter.time_window;
    double w_max = p.limiter.last_max_rate;
    CHECK(k > 0);
    double when = p.limiter.last_throttle + k;
    for (double s = t + 0.05; s < when; s += 0.05)
        ddb_retry__rate_update(&p, false, s);
    ddb_retry__rate_update(&p, false, when);
    fill = ddb_retry__rate_fill(&p, NULL);
    CHECK(fill > slow);
    double cap = 2 * p.limiter.measured_rate;
    CHECK(near(fill, w_max < cap ? w_max : cap, 1e-6));
    ddb_retry__policy_destroy(&p);
}

TEST(adaptive_rate_never_drops_below_half_an_attempt_per_second)
{
    ddb_retry__policy p = policy(0, "adaptive");
    for (int i = 0; i < 200; i++)
        ddb_retry__rate_update(&p, true, 50 + i * 0.001);
    bool on = false;
    CHECK(near(ddb_retry__rate_fill(&p, &on), 0.5, 1e-9));
    CHECK(on);
    ddb_retry__policy_destroy(&p);
}

TEST_MAIN(CASE(defaults_are_four_attempts_standard), CASE(options_beat_env_beat_profile),
          CASE(modes_legacy_is_standard_and_case_is_ignored), CASE(bad_settings_name_their_source),
          CASE(delay_ceilings_count_retries_from_zero),
          CASE(random_delays_stay_within_their_ceiling),
          CASE(retry_after_is_clamped_to_delay_plus_five_seconds),
          CASE(quota_costs_refunds_and_exhaustion), CASE(quota_is_consistent_across_threads),
          CASE(verdicts_follow_the_policy), CASE(empty_quota_fails_fast_keeping_the_service_error),
          CASE(null_error_still_classifies_network_failures),
          CASE(breaker_opens_fails_fast_and_lets_one_probe_through),
          CASE(breaker_is_off_by_default), CASE(breaker_settings),
          CASE(open_breaker_refunds_the_paid_retry_and_explains),
          CASE(standard_mode_never_rate_limits),
          CASE(adaptive_mode_slows_down_on_throttling_and_recovers),
          CASE(adaptive_rate_never_drops_below_half_an_attempt_per_second))
