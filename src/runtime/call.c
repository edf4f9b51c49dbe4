/* The call path: sign, send, check, retry, report. Client set-up lives in client.c. */
#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_error.h"
#include "checksum.h"
#include "client_internal.h"
#include "error_internal.h"
#include "http.h"
#include "retry.h"
#include "sigv4.h"


static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000.0), (long)(fmod(ms, 1000.0) * 1e6)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void log_line(ddb_client *c, ddb_log_level level, const char *payload, const char *fmt, ...)
    DDB_PRINTF(4, 5);

static void log_line(ddb_client *c, ddb_log_level level, const char *payload, const char *fmt, ...)
{
    if (!c->log || level > c->log_level)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, level, line, payload);
}

/* Header names whose values are secrets: they reach no trace, log or error. */
static bool is_secret_header(const char *line)
{
    return strncasecmp(line, "Authorization:", 14) == 0 ||
           strncasecmp(line, "X-Amz-Security-Token:", 21) == 0;
}

static void trace_request_headers(ddb_client *c, const char *const *headers, size_t n)
{
    char buf[4096];
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof(buf); i++) {
        int w;
        if (is_secret_header(headers[i]))
            w = snprintf(buf + len, sizeof(buf) - len, "%.*s: [redacted]\r\n",
                         (int)strcspn(headers[i], ":"), headers[i]);
        else
            w = snprintf(buf + len, sizeof(buf) - len, "%s\r\n", headers[i]);
        if (w < 0)
            return;
        len += (size_t)w;
    }
    if (len > sizeof(buf) - 1)
        len = sizeof(buf) - 1;
    c->trace(c->trace_ctx, DDB_TRACE_REQUEST_HEADERS, buf, len);
}

/* Sum of CapacityUnits in a response's ConsumedCapacity (an object, or a list per table). */
static double consumed_capacity(const json_t *response)
{
    const json_t *cc = json_object_get(response, "ConsumedCapacity");
    double total = 0;
    if (json_is_object(cc))
        return json_number_value(json_object_get(cc, "CapacityUnits"));
    size_t i;
    const json_t *entry;
    json_array_foreach(cc, i, entry) total += json_number_value(json_object_get(entry, "CapacityUnits"));
    return total;
}

/* One HTTP exchange: sign with the current time, send, verify the checksum, parse. */
static int attempt_once(ddb_client *c, const char *operation, const char *body, size_t body_len,
                        ddb_http__response *resp, json_t **response, ddb_error *err)
{
    char target_value[64], target[96], host[300], date_header[48], auth[1024];
    char token[4096 + 32];
    snprintf(target_value, sizeof(target_value), "DynamoDB_20120810.%s", operation);
    const ddb_sigv4__header signed_headers[] = {
        {"host", c->host},
        {"content-type", "application/x-amz-json-1.0"},
        {"x-amz-target", target_value},
    };
    const ddb_sigv4__request req = {
        .method = "POST",
        .path = "/",
        .headers = signed_headers,
        .n_headers = sizeof(signed_headers) / sizeof(signed_headers[0]),
        .body = body,
        .body_len = body_len,
    };
    const ddb_sigv4__credentials creds = {c->access_key_id, c->secret_access_key,
                                          c->session_token};
    const ddb_sigv4__params params = {.region = c->region, .service = "dynamodb",
                                      .time = (int64_t)time(NULL)};
    ddb_sigv4__result sig = DDB_SIGV4__RESULT_INIT;
    int rc = ddb_sigv4__sign(&sig, c->sigv4, &req, &creds, &params, err);
    if (rc)
        return rc;
    snprintf(target, sizeof(target), "X-Amz-Target: %s", target_value);
    snprintf(host, sizeof(host), "Host: %s", c->host);
    snprintf(date_header, sizeof(date_header), "X-Amz-Date: %s", sig.amz_date);
    snprintf(auth, sizeof(auth), "Authorization: %s", sig.authorization);
    ddb_sigv4__result_clear(&sig);
    const char *headers[6] = {host, "Content-Type: application/x-amz-json-1.0", target, date_header,
                              auth};
    size_t n_headers = 5;
    if (c->session_token) {
        snprintf(token, sizeof(token), "X-Amz-Security-Token: %s", c->session_token);
        headers[n_headers++] = token;
    }
    if (c->trace) {
        trace_request_headers(c, headers, n_headers);
        c->trace(c->trace_ctx, DDB_TRACE_REQUEST_BODY, body, body_len);
    }
    rc = ddb_http__post(c->http, c->url, headers, n_headers, body, body_len, c->trace != NULL, resp,
                        err);
    OPENSSL_cleanse(auth, sizeof(auth));
    OPENSSL_cleanse(token, sizeof(token));
    if (rc)
        return rc;
    if (c->trace) {
        c->trace(c->trace_ctx, DDB_TRACE_RESPONSE_HEADERS, resp->raw_headers ? resp->raw_headers : "",
                 resp->raw_headers_len);
        c->trace(c->trace_ctx, DDB_TRACE_RESPONSE_BODY, resp->body, resp->body_len);
    }
    if (resp->has_crc32) {
        uint32_t crc = ddb_checksum__crc32(resp->body, resp->body_len);
        if (crc != resp->crc32) {
            rc = ddb_error__set(err, DDB_ERR_CRC32,
                                "response CRC32 %u does not match X-Amz-Crc32 %u (%zu-byte body)",
                                crc, resp->crc32, resp->body_len);
            if (err) {
                err->retryable = true;
                err->http_status = resp->status;
                snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
            }
            return rc;
        }
    }
    if (resp->status < 200 || resp->status > 299)
        return ddb_aws_error__from_response(err, resp->status, resp->error_type, resp->request_id,
                                            resp->body, resp->body_len);
    json_error_t jerr;
    json_t *doc = json_loadb(resp->body, resp->body_len, 0, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        rc = ddb_error__set(err, DDB_ERR_PROTOCOL, "%s response is not a JSON object: %s",
                            operation, doc ? "wrong JSON type" : jerr.text);
        if (err) {
            err->http_status = resp->status;
            snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
        }
        return rc;
    }
    *response = doc;
    return 0;
}

int ddb_client__call(ddb_client *c, const char *operation, const char *table_name,
                     const json_t *request, json_t **response, ddb_error *err)
{
    double start = now_ms();
    ddb_http__response resp = {0};
    json_t *doc = NULL;
    int attempts = 0, rc = 0, cost_taken = 0;
    char *body = json_dumps(request, JSON_COMPACT);
    if (!body)
        return ddb_error__nomem(err, "request body");
    size_t body_len = strlen(body);

    for (;;) {
        attempts++;
        ddb_http__response_clear(&resp);
        if (err)
            ddb_error_clear(err);
        rc = attempt_once(c, operation, body, body_len, &resp, &doc, err);
        if (rc == 0)
            break;
        bool retryable = err ? err->retryable : (rc == DDB_ERR_NETWORK || rc == DDB_ERR_TIMEOUT);
        bool throttling = err && err->throttling;
        if (!retryable || attempts >= c->retry.max_attempts)
            break;
        int cost = ddb_retry__acquire(&c->retry, throttling);
        if (cost < 0) {
            log_line(c, DDB_LOG_WARN, NULL, "%s: retry quota exhausted; not retrying", operation);
            break;
        }
        cost_taken += cost;
        double delay = ddb_retry__delay_ms(attempts - 1, throttling, resp.retry_after);
        log_line(c, DDB_LOG_INFO, NULL, "%s: attempt %d failed (%s); retrying in %.0f ms",
                 operation, attempts, ddb_error_code_name(rc), delay);
        sleep_ms(delay);
    }
    if (rc == 0)
        ddb_retry__on_success(&c->retry, cost_taken);

    double latency = now_ms() - start;
    if (c->on_event) {
        ddb_event ev = {
            .operation = operation,
            .table_name = table_name,
            .latency_ms = latency,
            .attempts = attempts,
            .http_status = resp.status,
            .error_code = rc,
            .aws_error_type = (rc && err) ? err->aws_type : "",
            .consumed_capacity = doc ? consumed_capacity(doc) : 0,
            .request_id = resp.request_id,
        };
        c->on_event(c->event_ctx, &ev);
    }
    if (rc)
        log_line(c, DDB_LOG_WARN, NULL, "%s%s%s failed after %d attempt(s): %s", operation,
                 table_name ? " " : "", table_name ? table_name : "", attempts,
                 err ? err->message : ddb_strerror(rc));
    else
        log_line(c, DDB_LOG_DEBUG, NULL, "%s%s%s HTTP %ld in %.1f ms (%d attempt(s))", operation,
                 table_name ? " " : "", table_name ? table_name : "", resp.status, latency,
                 attempts);
    ddb_http__response_clear(&resp);
    free(body);
    if (rc == 0)
        *response = doc;
    return rc;
}
