/*
 * The blocking call path: one thread sends a request, waits out the retry policy's delays and
 * sends it again. The steps of one attempt (signing, the response checks, the log lines and the
 * report) are shared with ddb_parallel in exchange.c; every retry decision is the policy's
 * (ddb_retry__before_attempt / ddb_retry__after_attempt in retry.c). Set-up lives in client.c.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "core/json_fast.h"
#include "wire/client_internal.h"
#include "wire/exchange.h"
#include "wire/http.h"
#include "wire/retry.h"
#include "wire/trace.h"

void ddb_client__set_clock(ddb_client *c, const ddb_client__clock *clock)
{
    if (clock)
        c->clock = *clock;
    else
        memset(&c->clock, 0, sizeof(c->clock));
}

double ddb_client__now_ms(const ddb_client *c)
{
    return c->clock.now_ms ? c->clock.now_ms(c->clock.ctx) : ddb_exchange__now_ms();
}

void ddb_client__sleep_ms(const ddb_client *c, double ms)
{
    if (ms <= 0)
        return;
    if (c->clock.sleep_ms) {
        c->clock.sleep_ms(c->clock.ctx, ms);
        return;
    }
    struct timespec ts = {(time_t)(ms / 1000.0), (long)(fmod(ms, 1000.0) * 1e6)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One HTTP exchange: sign with the current time, send, verify the checksum, parse. */
static int attempt_once(ddb_client *c, const char *operation, const char *body, size_t body_len,
                        const char *const *extra, size_t n_extra, ddb_http__response *resp,
                        json_t **response, ddb_error *err)
{
    ddb_exchange__signed sig;
    int rc = ddb_exchange__prepare(&sig, c, operation, body, body_len, extra, n_extra, err);
    if (rc == 0)
        rc = ddb_http__post(c->http, c->url, sig.lines, sig.n_lines, body, body_len,
                            c->trace != NULL, resp, err);
    ddb_exchange__signed_clear(&sig);
    if (rc)
        return rc;
    return ddb_exchange__check(response, c, operation, resp, err);
}

/*
 * The call loop: this only sends, sleeps and logs (the api layer checked the limits). Every attempt's error goes
 * into a local ddb_error, so failures are classified even when the caller passed err == NULL; the
 * last one is moved into err at the end. Each attempt carries amz-sdk-invocation-id (the same for
 * the whole call) and amz-sdk-request: attempt=N; max=M, as the AWS SDKs send them, and, when
 * the call is traced (trace.c), traceparent and X-Amzn-Trace-Id for the call's span.
 */
int ddb_client__call(ddb_client *c, const char *operation, const char *table_name,
                     const json_t *request, json_t **response, ddb_error *err)
{
    double start = ddb_client__now_ms(c);
    ddb_http__response resp = {0};
    ddb_error e = DDB_ERROR_INIT;
    ddb_retry__call rs = DDB_RETRY__CALL_INIT;
    json_t *doc = NULL;
    int rc = 0;
    char invocation_id[40], id_header[80], attempt_header[64];
    char *body = ddb_json__dumps(request, JSON_COMPACT);
    if (!body)
        return ddb_error__nomem(err, "request body");
    size_t body_len = strlen(body);
    ddb_exchange__new_invocation_id(invocation_id, sizeof(invocation_id));
    snprintf(id_header, sizeof(id_header), "amz-sdk-invocation-id: %s", invocation_id);
    int throttles = 0;
    ddb_trace__call trace;
    const bool traced = ddb_trace__begin(&trace, c, operation, table_name, request);

    for (;;) {
        double hold = 0;
        rc = ddb_retry__before_attempt(&c->retry, &rs, ddb_client__now_ms(c), &hold, &e);
        if (rc)
            break; /* the circuit breaker is open */
        if (hold > 0) {
            ddb_exchange__log_hold(c, operation, rs.attempts, hold);
            ddb_client__sleep_ms(c, hold);
        }
        ddb_http__response_clear(&resp);
        ddb_error_clear(&e);
        snprintf(attempt_header, sizeof(attempt_header), "amz-sdk-request: attempt=%d; max=%d",
                 rs.attempts, c->retry.max_attempts);
        const char *extra[] = {id_header, attempt_header, trace.traceparent, trace.amzn};
        rc = attempt_once(c, operation, body, body_len, extra, traced ? 4 : 2, &resp, &doc, &e);
        if (rc && e.throttling)
            throttles++;
        ddb_retry__verdict v = ddb_retry__after_attempt(&c->retry, &rs, rc, &e, resp.retry_after,
                                                        ddb_client__now_ms(c));
        ddb_exchange__log_breaker_move(c, operation, v.breaker_moved, rs.attempts);
        if (!v.retry) {
            rc = v.rc;
            break;
        }
        ddb_exchange__log_retry(c, operation, table_name, invocation_id, rs.attempts, rc, &e, &v,
                                resp.retry_after);
        ddb_client__sleep_ms(c, v.delay_ms);
    }

    const ddb_exchange__outcome outcome = {
        .operation = operation,
        .table_name = table_name,
        .latency_ms = ddb_client__now_ms(c) - start,
        .attempts = rs.attempts,
        .rc = rc,
        .err = &e,
        .last = &resp,
        .response = rc == 0 ? doc : NULL,
        .index_name = json_string_value(json_object_get(request, "IndexName")),
        .throttles = throttles,
    };
    ddb_exchange__report(c, &outcome);
    if (traced)
        ddb_trace__end(&trace, c, request, &outcome);
    ddb_http__response_clear(&resp);
    free(body);
    if (err) {
        ddb_error_clear(err);
        *err = e; /* moves what e owns (item, cancellation reasons) to the caller */
    } else {
        ddb_error_clear(&e);
    }
    if (rc == 0)
        *response = doc;
    return rc;
}
