/*
 * Internal: when to send a request again, how long to wait first, and when to stop trying.
 *
 * This is the AWS SDKs' 2026 retry behaviour ("standard" mode, SEP 2.1) with DynamoDB's values:
 *
 * - Attempts: at most max_attempts (default 4: the first try and 3 retries).
 * - What is retried: errors that ddb_aws_error__is_retryable() accepts (throttling codes, 5xx,
 *   InternalServerError, RequestTimeout...), network failures and timeouts, and CRC32 mismatches.
 * - Delay: before retry number i, wait random(0,1) * min(20 s, base * 2^i), where base is 1000 ms
 *   after a throttling error and 25 ms after any other retryable error.
 *
 *   "Retry number" i counts retries from ZERO: i is 0 for the first retry (the wait between
 *   attempt 1 and attempt 2), 1 for the second, and so on; i == failed_attempt - 1. So the first
 *   retry after a throttling error waits under 1 s, the second under 2 s, the third under 4 s;
 *   after a transient error, under 25, 50 and 100 ms.
 *
 *   An x-amz-retry-after header (milliseconds) replaces that delay, clamped to the range
 *   [computed delay, computed delay + 5 s]: a server can lengthen the wait by at most 5 s and
 *   never shorten it. The 20 s cap applies to the computed delay, not to the clamp.
 * - Retry quota: a client starts with 500 tokens. A retry after a throttling error costs 5, after
 *   any other retryable error 14. When a call succeeds on a retry, the cost of that (last) retry
 *   is refunded; a call that succeeds on its first try adds 1. Tokens never exceed 500. When the
 *   quota cannot pay for a retry, the call stops at once with DDB_ERR_RETRY_QUOTA; it never
 *   waits for tokens. First attempts never need tokens.
 *
 * Modes (AWS_RETRY_MODE, the profile's retry_mode, the client option retry_mode):
 * - "standard": the above.
 * - "adaptive": the above, plus the SDKs' client-side rate limiter: a token bucket whose fill rate
 *   follows a CUBIC curve fed by throttling responses (see ddb_retry__rate_acquire). It stays off
 *   until the first throttling response, then paces every attempt, first tries included.
 * - "legacy": accepted for compatibility with shared AWS configuration and treated exactly as
 *   "standard" (including its default of 4 attempts); ddbkit has no separate legacy behaviour.
 * Names are matched without regard to case.
 *
 * Circuit breaker (off by default; ddb_retry__policy_set_breaker): after `threshold` consecutive
 * failed attempts the breaker opens and every attempt fails fast with DDB_ERR_CIRCUIT_OPEN for
 * the cool-down. Then exactly one attempt (the probe) is let through while all others still fail
 * fast; if the probe succeeds the breaker closes, if it fails it opens for another cool-down.
 * A failed attempt is one that ends in a retryable error (throttling, 5xx, network failure,
 * timeout, CRC32 mismatch). Any other HTTP response, including a non-retryable error such as
 * ConditionalCheckFailedException, shows the service is answering and counts as a success.
 * Failures are counted per attempt, so retries inside one call count too.
 *
 * The quota, the breaker and the rate limiter belong to one client (one policy) and are shared
 * by all its threads. Settings: max_attempts is a whole number from 1 to 100.
 *
 * What a program (or a test) can observe, without parsing prose: the log hook's lines carry JSON
 * payloads with an "event" key: "retry" (attempt, retry number, error, delay_ms, ceiling_ms,
 * retry_after, retry_cost, quota_tokens), "rate_limit" (attempt, wait_ms, fill_rate),
 * "circuit_open", "circuit_closed", and the call's last line "call" (attempts, quota_tokens).
 * The event hook's `attempts` counts the attempts sent, 0 when the breaker refused the first.
 * Each attempt carries amz-sdk-invocation-id (one per call) and amz-sdk-request: attempt=N; max=M.
 *
 * Thread safety: every function here that takes a policy may be called from any thread once
 * ddb_retry__policy_init has returned; the policy's state is behind one mutex, which is never
 * held while sleeping. ddb_retry__policy_set_breaker and ddb_retry__policy_destroy must not race
 * with other calls.
 */
#ifndef DDB_RETRY_H
#define DDB_RETRY_H

#include <pthread.h>
#include <stdbool.h>

#include "ddb/core/error.h"

#define DDB_RETRY_DEFAULT_MAX_ATTEMPTS 4
#define DDB_RETRY_MAX_MAX_ATTEMPTS 100

/* The retry quota. */
#define DDB_RETRY_QUOTA_MAX 500
#define DDB_RETRY_COST_TRANSIENT 14
#define DDB_RETRY_COST_THROTTLING 5
#define DDB_RETRY_SUCCESS_REFILL 1

/* DynamoDB's base delays, the cap on a computed delay, and how far x-amz-retry-after may reach. */
#define DDB_RETRY_BASE_TRANSIENT_MS 25.0
#define DDB_RETRY_BASE_THROTTLING_MS 1000.0
#define DDB_RETRY_MAX_DELAY_MS 20000.0
#define DDB_RETRY_AFTER_MAX_EXTRA_MS 5000.0

#define DDB_RETRY_BREAKER_DEFAULT_COOLDOWN_MS 5000L

/* Retry settings from one source; 0 and NULL (or "") mean "not set here". */
typedef struct ddb_retry__settings {
    int max_attempts;
    const char *retry_mode;
} ddb_retry__settings;

typedef enum ddb_retry__mode {
    DDB_RETRY__STANDARD = 1,
    DDB_RETRY__ADAPTIVE,
} ddb_retry__mode;

/*
 * The adaptive mode's client-side rate limiter, as the SDKs' ClientRateLimiter: a token bucket
 * (one token per attempt) whose rate follows CUBIC congestion control. Times are in seconds.
 */
typedef struct ddb_retry__rate_limiter {
    bool enabled;            /* off until the first throttling response */
    double fill_rate;        /* tokens per second, at least 0.5 */
    double max_capacity;     /* at least 1 */
    double current_capacity; /* negative while attempts are queued for tokens */
    double last_refill;      /* when current_capacity was last brought up to date */
    double measured_rate;    /* smoothed attempts per second, measured in 0.5 s buckets */
    double last_bucket;
    double bucket_count;
    double last_max_rate; /* CUBIC's W_max: the rate at the last throttling response */
    double last_throttle; /* when that was */
    double time_window;   /* CUBIC's K */
} ddb_retry__rate_limiter;

typedef enum ddb_retry__breaker_state {
    DDB_RETRY__CLOSED = 0,
    DDB_RETRY__OPEN,
    DDB_RETRY__HALF_OPEN, /* the cool-down is over; one probe may go (or is in flight) */
} ddb_retry__breaker_state;

/* How an attempt ended, for the circuit breaker. */
typedef enum ddb_retry__outcome {
    DDB_RETRY__ANSWERED = 1, /* an HTTP response that is not a retryable error */
    DDB_RETRY__FAILED,       /* a retryable error */
    DDB_RETRY__NOT_SENT,     /* a local failure (signing, memory): says nothing of the service */
} ddb_retry__outcome;

typedef struct ddb_retry__policy {
    int max_attempts;
    ddb_retry__mode mode;
    pthread_mutex_t lock;
    int tokens;
    int breaker_threshold; /* 0: no circuit breaker */
    double breaker_cooldown_ms;
    ddb_retry__breaker_state breaker_state;
    int consecutive_failures;
    double breaker_opened_at_ms;
    bool probe_in_flight;
    ddb_retry__rate_limiter limiter;
} ddb_retry__policy;

/*
 * Resolve the settings and initialise p. Each setting comes from the first source that sets it:
 * options (the client options), then the environment (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE), then
 * profile (the shared config profile's max_attempts and retry_mode), then the default (4,
 * "standard"). options and profile may be NULL. The circuit breaker starts off.
 *
 * Returns 0, or DDB_ERR_CONFIG naming the source when the chosen max_attempts is not a whole
 * number from 1 to 100 or the chosen mode is not standard, adaptive or legacy. On failure p needs
 * no ddb_retry__policy_destroy.
 */
int ddb_retry__policy_init(ddb_retry__policy *p, const ddb_retry__settings *options,
                           const ddb_retry__settings *profile, ddb_error *err);

/*
 * Configure the circuit breaker: threshold consecutive failed attempts open it (0 leaves it off);
 * cooldown_ms is how long it then fails fast (0 means 5000). Returns 0, or DDB_ERR_CONFIG when a
 * value is negative.
 */
int ddb_retry__policy_set_breaker(ddb_retry__policy *p, int threshold, long cooldown_ms,
                                  ddb_error *err);

void ddb_retry__policy_destroy(ddb_retry__policy *p);

/* "standard" or "adaptive". */
const char *ddb_retry__mode_name(ddb_retry__mode mode);

/* ---- one call's way through the policy ------------------------------------------------------- */

/*
 * These two functions are the whole retry loop, for any transport: the blocking one (call.c)
 * sleeps where they say "wait", a concurrent one schedules. Per attempt:
 *
 *     ddb_retry__call rs = DDB_RETRY__CALL_INIT;
 *     for (;;) {
 *         if ((rc = ddb_retry__before_attempt(p, &rs, now_ms(), &hold_ms, &e)) != 0)
 *             break;                                  // circuit open: fail fast
 *         wait(hold_ms);                              // adaptive mode's rate limiter
 *         rc = send(attempt rs.attempts, &e);
 *         ddb_retry__verdict v = ddb_retry__after_attempt(p, &rs, rc, &e, retry_after, now_ms());
 *         if (!v.retry) { rc = v.rc; break; }
 *         wait(v.delay_ms);
 *     }
 */
/* One call's retry state; start from DDB_RETRY__CALL_INIT (all zero). */
typedef struct ddb_retry__call {
    int attempts;   /* attempts admitted so far; the current attempt's number */
    int retry_cost; /* what the latest retry took from the quota (refunded on success) */
    bool probe;     /* the current attempt is the circuit breaker's probe */
} ddb_retry__call;

/* clang-format off */
#define DDB_RETRY__CALL_INIT {0, 0, false}
/* clang-format on */

typedef struct ddb_retry__verdict {
    bool retry;        /* send again after delay_ms */
    int rc;            /* when !retry: the call's result (0, the attempt's code, or a fail-fast
                           code such as DDB_ERR_RETRY_QUOTA) */
    bool throttling;   /* the failure being retried was throttling */
    double delay_ms;   /* when retry: the wait before the next attempt */
    double ceiling_ms; /* when retry: the upper bound the delay was drawn under */
    int retry_cost;    /* when retry: what it took from the quota */
    int quota_tokens;  /* the quota after this verdict */
    int breaker_moved; /* -1, or the ddb_retry__breaker_state this attempt moved the breaker to */
} ddb_retry__verdict;

/*
 * Admit the next attempt (now_ms on the monotonic clock). Returns 0 and counts the attempt in
 * call->attempts, with *hold_ms set to how long adaptive mode's rate limiter wants the caller to
 * wait before sending (0 otherwise). Returns DDB_ERR_CIRCUIT_OPEN when the circuit breaker
 * refuses it: err (may be NULL) then says so, ending with the previous attempt's failure if
 * there was one (whose AWS type, HTTP status and request id it keeps); a retry already paid for
 * is refunded.
 */
int ddb_retry__before_attempt(ddb_retry__policy *p, ddb_retry__call *call, double now_ms,
                              double *hold_ms, ddb_error *err);

/*
 * Decide what follows the attempt that ended with rc (0 or a ddb_error_code) and err (its
 * detail; pass the attempt's own ddb_error, never NULL, or retryable and throttling failures
 * cannot be told apart). retry_after is the response's x-amz-retry-after (may be NULL). Feeds the
 * circuit breaker and the rate limiter, settles the quota, and returns:
 * - retry: the caller waits delay_ms, then goes back to ddb_retry__before_attempt;
 * - !retry, rc == 0: success (the quota was refunded or topped up);
 * - !retry, rc == the attempt's code: not retryable, or the last allowed attempt (err's message
 *   then ends with "(gave up after N attempts)" when there were several);
 * - !retry, rc == DDB_ERR_RETRY_QUOTA: the quota cannot pay for the retry; err says so and ends
 *   with the attempt's failure, keeping its AWS type, HTTP status and request id.
 */
ddb_retry__verdict ddb_retry__after_attempt(ddb_retry__policy *p, ddb_retry__call *call, int rc,
                                            ddb_error *err, const char *retry_after, double now_ms);

/* ---- the retry quota ------------------------------------------------------------------------- */

/*
 * Take the quota's cost for one retry. Returns the cost taken (to pass to
 * ddb_retry__on_success or ddb_retry__release), or -1 when the quota cannot pay for it, in which
 * case the caller must not retry.
 */
int ddb_retry__acquire(ddb_retry__policy *p, bool throttling);

/* Give back a cost taken for a retry that was then not sent. */
void ddb_retry__release(ddb_retry__policy *p, int cost);

/*
 * After a call succeeded: last_retry_cost is what its last retry cost (refunded), or 0 when it
 * succeeded on its first try (the quota gains 1).
 */
void ddb_retry__on_success(ddb_retry__policy *p, int last_retry_cost);

/* The tokens left in the quota now. */
int ddb_retry__tokens(ddb_retry__policy *p);

/* ---- delays ---------------------------------------------------------------------------------- */

/* The upper bound of the delay before retry number `retry` (0 = first): min(20 s, base * 2^i). */
double ddb_retry__ceiling_ms(int retry, bool throttling);

/*
 * The delay before retry number `retry` (0 for the first retry), for a given jitter in [0, 1):
 * jitter * ceiling, then x-amz-retry-after (milliseconds as sent, may be NULL; ignored unless it
 * is a non-negative decimal number) clamped to [that, that + 5 s]. Pure, for tests.
 */
double ddb_retry__backoff_ms(int retry, bool throttling, double jitter, const char *retry_after);

/* ddb_retry__backoff_ms with a fresh uniform random jitter. Thread-safe. */
double ddb_retry__delay_ms(int retry, bool throttling, const char *retry_after);

/* ---- the circuit breaker --------------------------------------------------------------------- */

/*
 * May an attempt be sent now (now_ms on the monotonic clock)? Always true when the breaker is
 * off or closed. When it returns true with *probe set, this attempt is the half-open probe and
 * its outcome must be reported with probe = true. When it returns false, *cooldown_left_ms is
 * how much of the cool-down remains (0 while another attempt's probe is in flight) and
 * *failures the consecutive failures that opened it.
 */
bool ddb_retry__breaker_allow(ddb_retry__policy *p, double now_ms, bool *probe,
                              double *cooldown_left_ms, int *failures);

/*
 * Report how an attempt ended. Returns the state the breaker moved to when this report changed
 * it (for logging), else -1.
 */
int ddb_retry__breaker_record(ddb_retry__policy *p, double now_ms, bool probe,
                              ddb_retry__outcome outcome);

/* ---- adaptive mode's rate limiter (a no-op in standard mode) --------------------------------- */

/*
 * Take one send token before an attempt; now_s is the monotonic clock in seconds. Returns how
 * many milliseconds the caller must wait before sending (0 when the limiter is off or a token is
 * at hand). The token is reserved at once, so concurrent callers queue behind each other.
 */
double ddb_retry__rate_acquire(ddb_retry__policy *p, double now_s);

/* Feed the limiter an attempt's result: throttled or not. */
void ddb_retry__rate_update(ddb_retry__policy *p, bool throttled, double now_s);

/* The limiter's current fill rate in attempts per second, and whether it is on (for logs). */
double ddb_retry__rate_fill(ddb_retry__policy *p, bool *enabled);

#endif
