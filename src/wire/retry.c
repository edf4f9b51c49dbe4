/* The retry policy: settings, quota, delays, circuit breaker and adaptive rate limiter. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "core/error_internal.h"
#include "wire/retry.h"

/* ---- settings ------------------------------------------------------------------------------- */

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static int parse_mode(ddb_retry__mode *out, const char *value, const char *source, ddb_error *err)
{
    if (strcasecmp(value, "standard") == 0 || strcasecmp(value, "legacy") == 0)
        *out = DDB_RETRY__STANDARD;
    else if (strcasecmp(value, "adaptive") == 0)
        *out = DDB_RETRY__ADAPTIVE;
    else
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "%s \"%.64s\" must be standard, adaptive or legacy", source, value);
    return 0;
}

static int check_attempts(long v, const char *source, ddb_error *err)
{
    if (v < 1 || v > DDB_RETRY_MAX_MAX_ATTEMPTS)
        return ddb_error__set(err, DDB_ERR_CONFIG, "%s %ld must be a whole number from 1 to %d",
                              source, v, DDB_RETRY_MAX_MAX_ATTEMPTS);
    return 0;
}

static int resolve_max_attempts(int *out, const ddb_retry__settings *options,
                                const ddb_retry__settings *profile, ddb_error *err)
{
    if (options && options->max_attempts != 0) {
        *out = options->max_attempts;
        return check_attempts(options->max_attempts, "client option max_attempts", err);
    }
    const char *env = nonempty(getenv("AWS_MAX_ATTEMPTS"));
    if (env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (!end || *end || end == env)
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "AWS_MAX_ATTEMPTS=\"%.64s\" must be a whole number from 1 to %d",
                                  env, DDB_RETRY_MAX_MAX_ATTEMPTS);
        *out = (int)v;
        return check_attempts(v, "AWS_MAX_ATTEMPTS", err);
    }
    if (profile && profile->max_attempts != 0) {
        *out = profile->max_attempts;
        return check_attempts(profile->max_attempts, "profile setting max_attempts", err);
    }
    *out = DDB_RETRY_DEFAULT_MAX_ATTEMPTS;
    return 0;
}

static int resolve_mode(ddb_retry__mode *out, const ddb_retry__settings *options,
                        const ddb_retry__settings *profile, ddb_error *err)
{
    const char *v;
    if (options && (v = nonempty(options->retry_mode)) != NULL)
        return parse_mode(out, v, "client option retry_mode", err);
    if ((v = nonempty(getenv("AWS_RETRY_MODE"))) != NULL)
        return parse_mode(out, v, "AWS_RETRY_MODE", err);
    if (profile && (v = nonempty(profile->retry_mode)) != NULL)
        return parse_mode(out, v, "profile setting retry_mode", err);
    *out = DDB_RETRY__STANDARD;
    return 0;
}

int ddb_retry__policy_init(ddb_retry__policy *p, const ddb_retry__settings *options,
                           const ddb_retry__settings *profile, ddb_error *err)
{
    int max_attempts = 0;
    ddb_retry__mode mode = DDB_RETRY__STANDARD;
    int rc = resolve_max_attempts(&max_attempts, options, profile, err);
    if (rc == 0)
        rc = resolve_mode(&mode, options, profile, err);
    if (rc)
        return rc;
    memset(p, 0, sizeof(*p));
    p->max_attempts = max_attempts;
    p->mode = mode;
    p->tokens = DDB_RETRY_QUOTA_MAX;
    p->breaker_cooldown_ms = (double)DDB_RETRY_BREAKER_DEFAULT_COOLDOWN_MS;
    p->limiter.fill_rate = 0.5;
    p->limiter.max_capacity = 1;
    p->limiter.last_refill = -1; /* the limiter's clock starts at its first use */
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        return ddb_error__set(err, DDB_ERR_NOMEM, "retry policy mutex could not be created");
    return 0;
}

int ddb_retry__policy_set_breaker(ddb_retry__policy *p, int threshold, long cooldown_ms,
                                  ddb_error *err)
{
    if (threshold < 0)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "circuit_breaker_threshold %d must not be negative (0 turns it off)",
                              threshold);
    if (cooldown_ms < 0)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "circuit_breaker_cooldown_ms %ld must not be negative (0 means %ld)",
                              cooldown_ms, DDB_RETRY_BREAKER_DEFAULT_COOLDOWN_MS);
    p->breaker_threshold = threshold;
    p->breaker_cooldown_ms =
        (double)(cooldown_ms > 0 ? cooldown_ms : DDB_RETRY_BREAKER_DEFAULT_COOLDOWN_MS);
    p->breaker_state = DDB_RETRY__CLOSED;
    p->consecutive_failures = 0;
    p->probe_in_flight = false;
    return 0;
}

void ddb_retry__policy_destroy(ddb_retry__policy *p)
{
    pthread_mutex_destroy(&p->lock);
}

const char *ddb_retry__mode_name(ddb_retry__mode mode)
{
    return mode == DDB_RETRY__ADAPTIVE ? "adaptive" : "standard";
}

/* ---- the retry quota ------------------------------------------------------------------------- */

int ddb_retry__acquire(ddb_retry__policy *p, bool throttling)
{
    int cost = throttling ? DDB_RETRY_COST_THROTTLING : DDB_RETRY_COST_TRANSIENT;
    int taken = -1;
    pthread_mutex_lock(&p->lock);
    if (p->tokens >= cost) {
        p->tokens -= cost;
        taken = cost;
    }
    pthread_mutex_unlock(&p->lock);
    return taken;
}

static void add_tokens(ddb_retry__policy *p, int n)
{
    pthread_mutex_lock(&p->lock);
    p->tokens += n;
    if (p->tokens > DDB_RETRY_QUOTA_MAX)
        p->tokens = DDB_RETRY_QUOTA_MAX;
    pthread_mutex_unlock(&p->lock);
}

void ddb_retry__release(ddb_retry__policy *p, int cost)
{
    if (cost > 0)
        add_tokens(p, cost);
}

void ddb_retry__on_success(ddb_retry__policy *p, int last_retry_cost)
{
    add_tokens(p, last_retry_cost > 0 ? last_retry_cost : DDB_RETRY_SUCCESS_REFILL);
}

int ddb_retry__tokens(ddb_retry__policy *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->tokens;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* ---- delays ---------------------------------------------------------------------------------- */

double ddb_retry__ceiling_ms(int retry, bool throttling)
{
    double base = throttling ? DDB_RETRY_BASE_THROTTLING_MS : DDB_RETRY_BASE_TRANSIENT_MS;
    /* 2^15 * 25 ms is already past the cap; clamping the exponent keeps pow() tame. */
    double ceiling = base * ldexp(1.0, retry < 0 ? 0 : (retry > 30 ? 30 : retry));
    return ceiling < DDB_RETRY_MAX_DELAY_MS ? ceiling : DDB_RETRY_MAX_DELAY_MS;
}

double ddb_retry__backoff_ms(int retry, bool throttling, double jitter, const char *retry_after)
{
    if (!(jitter >= 0.0))
        jitter = 0.0;
    if (jitter > 1.0)
        jitter = 1.0;
    double delay = jitter * ddb_retry__ceiling_ms(retry, throttling);
    if (retry_after && *retry_after) {
        char *end = NULL;
        double asked = strtod(retry_after, &end);
        if (end && end != retry_after && *end == '\0' && isfinite(asked) && asked >= 0) {
            if (asked < delay)
                asked = delay;
            if (asked > delay + DDB_RETRY_AFTER_MAX_EXTRA_MS)
                asked = delay + DDB_RETRY_AFTER_MAX_EXTRA_MS;
            delay = asked;
        }
    }
    return delay;
}

/* A uniform double in [0, 1). OpenSSL's generator is thread-safe, unlike rand(). */
static double random_unit(void)
{
    uint64_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        return 0.5;
    return (double)(r >> 11) / 9007199254740992.0; /* 53 random bits / 2^53 */
}

double ddb_retry__delay_ms(int retry, bool throttling, const char *retry_after)
{
    return ddb_retry__backoff_ms(retry, throttling, random_unit(), retry_after);
}

/* ---- the circuit breaker --------------------------------------------------------------------- */

bool ddb_retry__breaker_allow(ddb_retry__policy *p, double now_ms, bool *probe,
                              double *cooldown_left_ms, int *failures)
{
    bool allowed = true;
    *probe = false;
    *cooldown_left_ms = 0;
    *failures = 0;
    pthread_mutex_lock(&p->lock);
    if (p->breaker_threshold > 0 && p->breaker_state != DDB_RETRY__CLOSED) {
        double elapsed = now_ms - p->breaker_opened_at_ms;
        if (p->breaker_state == DDB_RETRY__OPEN && elapsed >= p->breaker_cooldown_ms)
            p->breaker_state = DDB_RETRY__HALF_OPEN;
        if (p->breaker_state == DDB_RETRY__OPEN) {
            allowed = false;
            *cooldown_left_ms = p->breaker_cooldown_ms - elapsed;
        } else if (!p->probe_in_flight) {
            p->probe_in_flight = true;
            *probe = true;
        } else {
            allowed = false;
        }
        *failures = p->consecutive_failures;
    }
    pthread_mutex_unlock(&p->lock);
    return allowed;
}

int ddb_retry__breaker_record(ddb_retry__policy *p, double now_ms, bool probe,
                              ddb_retry__outcome outcome)
{
    int moved = -1;
    pthread_mutex_lock(&p->lock);
    if (p->breaker_threshold <= 0 || outcome == DDB_RETRY__NOT_SENT) {
        /* A probe that was never sent leaves the breaker half-open for the next caller. */
        if (probe)
            p->probe_in_flight = false;
        goto done;
    }
    if (probe) {
        p->probe_in_flight = false;
        if (outcome == DDB_RETRY__ANSWERED) {
            p->breaker_state = DDB_RETRY__CLOSED;
            p->consecutive_failures = 0;
            moved = DDB_RETRY__CLOSED;
        } else {
            p->breaker_state = DDB_RETRY__OPEN;
            p->breaker_opened_at_ms = now_ms;
            p->consecutive_failures++;
            moved = DDB_RETRY__OPEN;
        }
        goto done;
    }
    /* While open or half-open, only the probe decides; attempts admitted earlier are ignored. */
    if (p->breaker_state != DDB_RETRY__CLOSED)
        goto done;
    if (outcome == DDB_RETRY__ANSWERED) {
        p->consecutive_failures = 0;
    } else if (++p->consecutive_failures >= p->breaker_threshold) {
        p->breaker_state = DDB_RETRY__OPEN;
        p->breaker_opened_at_ms = now_ms;
        moved = DDB_RETRY__OPEN;
    }
done:
    pthread_mutex_unlock(&p->lock);
    return moved;
}

/* ---- adaptive mode's rate limiter ------------------------------------------------------------ */

/* The SDKs' constants: CUBIC's scale and back-off factor, the rate smoothing and floor. */
#define CUBIC_SCALE 0.4
#define CUBIC_BETA 0.7
#define RATE_SMOOTHING 0.8
#define RATE_BUCKET_S 0.5
#define MIN_FILL_RATE 0.5
#define MIN_CAPACITY 1.0

static void limiter_start(ddb_retry__rate_limiter *l, double now)
{
    if (l->last_refill >= 0)
        return;
    l->last_refill = now;
    l->last_bucket = floor(now);
    l->last_throttle = now;
}

static void limiter_refill(ddb_retry__rate_limiter *l, double now)
{
    if (now > l->last_refill) {
        l->current_capacity += (now - l->last_refill) * l->fill_rate;
        if (l->current_capacity > l->max_capacity)
            l->current_capacity = l->max_capacity;
        l->last_refill = now;
    }
}

/* Count one attempt and return the smoothed attempts per second. */
static double limiter_measure(ddb_retry__rate_limiter *l, double now)
{
    double bucket = floor(now / RATE_BUCKET_S) * RATE_BUCKET_S;
    l->bucket_count += 1;
    if (bucket > l->last_bucket) {
        double rate = l->bucket_count / (bucket - l->last_bucket);
        l->measured_rate = rate * RATE_SMOOTHING + l->measured_rate * (1 - RATE_SMOOTHING);
        l->bucket_count = 0;
        l->last_bucket = bucket;
    }
    return l->measured_rate;
}

static void limiter_set_rate(ddb_retry__rate_limiter *l, double rate, double now)
{
    limiter_refill(l, now);
    l->fill_rate = rate > MIN_FILL_RATE ? rate : MIN_FILL_RATE;
    l->max_capacity = rate > MIN_CAPACITY ? rate : MIN_CAPACITY;
    if (l->current_capacity > l->max_capacity)
        l->current_capacity = l->max_capacity;
}

double ddb_retry__rate_acquire(ddb_retry__policy *p, double now_s)
{
    if (p->mode != DDB_RETRY__ADAPTIVE)
        return 0;
    double wait_ms = 0;
    pthread_mutex_lock(&p->lock);
    ddb_retry__rate_limiter *l = &p->limiter;
    limiter_start(l, now_s);
    if (l->enabled) {
        limiter_refill(l, now_s);
        l->current_capacity -= 1;
        if (l->current_capacity < 0)
            wait_ms = -l->current_capacity / l->fill_rate * 1000.0;
    }
    pthread_mutex_unlock(&p->lock);
    return wait_ms;
}

void ddb_retry__rate_update(ddb_retry__policy *p, bool throttled, double now_s)
{
    if (p->mode != DDB_RETRY__ADAPTIVE)
        return;
    pthread_mutex_lock(&p->lock);
    ddb_retry__rate_limiter *l = &p->limiter;
    limiter_start(l, now_s);
    double measured = limiter_measure(l, now_s);
    double rate;
    if (throttled) {
        double rate_to_use = l->enabled && l->fill_rate < measured ? l->fill_rate : measured;
        l->last_max_rate = rate_to_use;
        l->time_window = cbrt(rate_to_use * (1 - CUBIC_BETA) / CUBIC_SCALE);
        l->last_throttle = now_s;
        rate = rate_to_use * CUBIC_BETA;
        l->enabled = true;
    } else {
        double dt = now_s - l->last_throttle - l->time_window;
        rate = CUBIC_SCALE * dt * dt * dt + l->last_max_rate;
    }
    if (rate > 2 * measured)
        rate = 2 * measured;
    limiter_set_rate(l, rate, now_s);
    pthread_mutex_unlock(&p->lock);
}

double ddb_retry__rate_fill(ddb_retry__policy *p, bool *enabled)
{
    pthread_mutex_lock(&p->lock);
    double rate = p->limiter.fill_rate;
    if (enabled)
        *enabled = p->mode == DDB_RETRY__ADAPTIVE && p->limiter.enabled;
    pthread_mutex_unlock(&p->lock);
    return rate;
}

/* ---- one call's way through the policy ------------------------------------------------------- */

/*
 * Turn the last attempt's error into a fail-fast error whose message ends with what that attempt
 * got. The AWS type, HTTP status, request id and throttling flag stay those of the last response,
 * so a caller still sees what the service said; retryable is cleared because the runtime has
 * already decided not to send the request again.
 */
static int fail_fast(ddb_error *err, int code, const char *reason, int attempts)
{
    if (!err)
        return code;
    char message[sizeof(err->message) + 256];
    char aws_type[sizeof(err->aws_type)], request_id[sizeof(err->request_id)];
    long http_status = err->http_status;
    bool throttling = err->throttling;
    if (attempts > 0 && err->code != 0)
        snprintf(message, sizeof(message), "%s; attempt %d failed: %s", reason, attempts,
                 err->message);
    else
        snprintf(message, sizeof(message), "%s", reason);
    snprintf(aws_type, sizeof(aws_type), "%s", err->aws_type);
    snprintf(request_id, sizeof(request_id), "%s", err->request_id);
    ddb_error__set(err, code, "%s", message);
    ddb_error__set_aws_type(err, aws_type);
    snprintf(err->request_id, sizeof(err->request_id), "%s", request_id);
    err->http_status = http_status;
    err->throttling = throttling;
    err->retryable = false;
    return code;
}

int ddb_retry__before_attempt(ddb_retry__policy *p, ddb_retry__call *call, double now_ms,
                              double *hold_ms, ddb_error *err)
{
    bool probe = false;
    double cooldown_left = 0;
    int failures = 0;
    *hold_ms = 0;
    if (!ddb_retry__breaker_allow(p, now_ms, &probe, &cooldown_left, &failures)) {
        ddb_retry__release(p, call->retry_cost); /* that retry is not sent after all */
        call->retry_cost = 0;
        char reason[200];
        if (cooldown_left > 0)
            snprintf(reason, sizeof(reason),
                     "circuit breaker open after %d consecutive failed attempts; failing fast "
                     "for another %.0f ms",
                     failures, cooldown_left);
        else
            snprintf(reason, sizeof(reason),
                     "circuit breaker half-open after %d consecutive failed attempts; its one "
                     "probe request is in flight, so this one fails fast",
                     failures);
        return fail_fast(err, DDB_ERR_CIRCUIT_OPEN, reason, call->attempts);
    }
    call->probe = probe;
    *hold_ms = ddb_retry__rate_acquire(p, now_ms / 1000.0);
    call->attempts++;
    return 0;
}

ddb_retry__verdict ddb_retry__after_attempt(ddb_retry__policy *p, ddb_retry__call *call, int rc,
                                            ddb_error *err, const char *retry_after, double now_ms)
{
    ddb_retry__verdict v = {.rc = rc, .breaker_moved = -1};
    bool retryable = false, throttling = false;
    long http_status = 0;
    if (rc != 0) {
        retryable = err ? err->retryable
                        : (rc == DDB_ERR_NETWORK || rc == DDB_ERR_TIMEOUT || rc == DDB_ERR_CRC32);
        throttling = err && err->throttling;
        http_status = err ? err->http_status : 0;
    }
    ddb_retry__outcome outcome = DDB_RETRY__ANSWERED;
    if (retryable)
        outcome = DDB_RETRY__FAILED;
    else if (rc != 0 && http_status == 0)
        outcome = DDB_RETRY__NOT_SENT;
    v.breaker_moved = ddb_retry__breaker_record(p, now_ms, call->probe, outcome);
    call->probe = false;
    if (outcome != DDB_RETRY__NOT_SENT)
        ddb_retry__rate_update(p, throttling, now_ms / 1000.0);

    if (rc == 0) {
        ddb_retry__on_success(p, call->retry_cost);
        call->retry_cost = 0;
        v.quota_tokens = ddb_retry__tokens(p);
        return v;
    }
    if (!retryable) {
        v.quota_tokens = ddb_retry__tokens(p);
        return v;
    }
    if (call->attempts >= p->max_attempts) {
        if (err && call->attempts > 1) {
            size_t len = strlen(err->message);
            snprintf(err->message + len, sizeof(err->message) - len, " (gave up after %d attempts)",
                     call->attempts);
        }
        v.quota_tokens = ddb_retry__tokens(p);
        return v;
    }
    int cost = ddb_retry__acquire(p, throttling);
    if (cost < 0) {
        char reason[200];
        v.quota_tokens = ddb_retry__tokens(p);
        snprintf(reason, sizeof(reason),
                 "retry quota exhausted: %d of %d tokens left and a %s retry costs %d, so the "
                 "call fails fast",
                 v.quota_tokens, DDB_RETRY_QUOTA_MAX, throttling ? "throttling" : "transient",
                 throttling ? DDB_RETRY_COST_THROTTLING : DDB_RETRY_COST_TRANSIENT);
        v.rc = fail_fast(err, DDB_ERR_RETRY_QUOTA, reason, call->attempts);
        return v;
    }
    call->retry_cost = cost;
    /* Retry number attempts - 1: the first retry is number 0 (see the top of retry.h). */
    v.retry = true;
    v.throttling = throttling;
    v.retry_cost = cost;
    v.delay_ms = ddb_retry__delay_ms(call->attempts - 1, throttling, retry_after);
    v.ceiling_ms = ddb_retry__ceiling_ms(call->attempts - 1, throttling);
    v.quota_tokens = ddb_retry__tokens(p);
    return v;
}
