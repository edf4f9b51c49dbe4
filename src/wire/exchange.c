/* The steps of an exchange shared by the blocking call path and ddb_parallel. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/checksum.h"
#include "core/json_fast.h"
#include "wire/aws_error.h"
#include "wire/exchange.h"
#include "wire/sigv4.h"

double ddb_exchange__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

bool ddb_exchange__log_enabled(const ddb_client *c, ddb_log_level level)
{
    return c->log && level <= c->log_level;
}

void ddb_exchange__log_event(ddb_client *c, ddb_log_level level, json_t *payload, const char *fmt,
                             ...)
{
    if (!ddb_exchange__log_enabled(c, level)) {
        json_decref(payload);
        return;
    }
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    c->log(c->log_ctx, level, line, text);
    free(text);
    json_decref(payload);
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

/*
 * The client's credentials for one signature, from its provider (cached). `held` owns the
 * copies `out` points into; the caller clears it with ddb_credentials_clear once signed.
 */
static int client_credentials(ddb_sigv4__credentials *out, ddb_credentials *held, ddb_client *c,
                              ddb_error *err)
{
    int rc = ddb_client__credentials(held, c, err);
    if (rc == 0)
        *out = (ddb_sigv4__credentials){held->access_key_id, held->secret_access_key,
                                        held->session_token};
    return rc;
}

void ddb_exchange__signed_clear(ddb_exchange__signed *s)
{
    if (!s)
        return;
    ddb_http__headers_clear(&s->h);
    s->lines = NULL;
    s->n_lines = 0;
}

/* "Name: value" lines made elsewhere (amz-sdk-*): checked like every other value. */
static int add_line(ddb_http__headers *h, const char *line, ddb_error *err)
{
    const char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request header line has no name");
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
    const char *value = colon + 1;
    while (*value == ' ')
        value++;
    return ddb_http__headers_add(h, name, value, name, err);
}

int ddb_exchange__prepare(ddb_exchange__signed *out, ddb_client *c, const char *operation,
                          const char *body, size_t body_len, const char *const *extra,
                          size_t n_extra, ddb_error *err)
{
    /* Nothing secret yet, but the caller clears unconditionally: keep that harmless. */
    *out = (ddb_exchange__signed){.h = DDB_HTTP__HEADERS_INIT};
    char target_value[64];
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
    ddb_sigv4__credentials creds;
    ddb_credentials held = DDB_CREDENTIALS_INIT;
    int rc = client_credentials(&creds, &held, c, err);
    if (rc)
        return rc;
    /* The sources check their values and name themselves; this is the backstop for all of them
     * (a callback provider fills ddb_credentials itself), before anything is signed or sent. */
    char source[160];
    snprintf(source, sizeof(source), "the access key id from %.100s",
             held.source ? held.source : "the credentials provider");
    rc = ddb_http__check_value(creds.access_key_id, strlen(creds.access_key_id), false, source,
                               DDB_ERR_CREDENTIALS, err);
    if (rc == 0 && creds.session_token) {
        snprintf(source, sizeof(source), "the session token from %.100s",
                 held.source ? held.source : "the credentials provider");
        rc = ddb_http__check_value(creds.session_token, strlen(creds.session_token), false, source,
                                   DDB_ERR_CREDENTIALS, err);
    }
    if (rc) {
        ddb_credentials_clear(&held);
        return rc;
    }
    const ddb_sigv4__params params = {
        .region = c->region, .service = "dynamodb", .time = (int64_t)time(NULL)};
    ddb_sigv4__result sig = DDB_SIGV4__RESULT_INIT;
    rc = ddb_sigv4__sign(&sig, c->sigv4, &req, &creds, &params, err);
    if (rc) {
        ddb_credentials_clear(&held);
        return rc;
    }
    ddb_http__headers *h = &out->h;
    if ((rc = ddb_http__headers_add(h, "Host", c->host, "the endpoint's host", err)) == 0 &&
        (rc = ddb_http__headers_add(h, "Content-Type", "application/x-amz-json-1.0", "Content-Type",
                                    err)) == 0 &&
        (rc = ddb_http__headers_add(h, "X-Amz-Target", target_value, "the operation name", err)) ==
            0 &&
        (rc = ddb_http__headers_add(h, "X-Amz-Date", sig.amz_date, "X-Amz-Date", err)) == 0 &&
        (rc = ddb_http__headers_add(h, "Authorization", sig.authorization,
                                    "the Authorization header", err)) == 0 &&
        creds.session_token && *creds.session_token)
        rc = ddb_http__headers_add(h, "X-Amz-Security-Token", creds.session_token, source, err);
    ddb_sigv4__result_clear(&sig);
    ddb_credentials_clear(&held);
    for (size_t i = 0; rc == 0 && i < n_extra && i < DDB_EXCHANGE__MAX_EXTRA_HEADERS; i++)
        rc = add_line(h, extra[i], err);
    if (rc) {
        ddb_exchange__signed_clear(out);
        return rc;
    }
    out->lines = ddb_http__headers_lines(h);
    out->n_lines = h->n;
    if (c->trace) {
        trace_request_headers(c, out->lines, out->n_lines);
        c->trace(c->trace_ctx, DDB_TRACE_REQUEST_BODY, body, body_len);
    }
    return 0;
}

int ddb_exchange__check(json_t **response, ddb_client *c, const char *operation,
                        const ddb_http__response *resp, ddb_error *err)
{
    if (c->trace) {
        c->trace(c->trace_ctx, DDB_TRACE_RESPONSE_HEADERS,
                 resp->raw_headers ? resp->raw_headers : "", resp->raw_headers_len);
        c->trace(c->trace_ctx, DDB_TRACE_RESPONSE_BODY, resp->body, resp->body_len);
    }
    if (resp->has_crc32 || resp->crc32_unreadable) {
        uint32_t crc = ddb_checksum__crc32(resp->body, resp->body_len);
        if (resp->crc32_unreadable || crc != resp->crc32) {
            int rc = resp->crc32_unreadable
                         ? ddb_error__set(err, DDB_ERR_CRC32,
                                          "response X-Amz-Crc32 \"%s\" is not a number from 0 to "
                                          "4294967295 (%zu-byte body, CRC32 %u)",
                                          resp->crc32_text, resp->body_len, crc)
                         : ddb_error__set(
                               err, DDB_ERR_CRC32,
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
    if (resp->status == 431) {
        /* DynamoDB Local (Jetty) refuses a header block near 8 KB; a large session token is the
         * usual cause. Say how large the block was: the service's body does not. */
        int rc = ddb_error__set(err, DDB_ERR_LIMIT,
                                "request headers %zu bytes refused by the server (HTTP 431)",
                                resp->request_head_bytes);
        if (err) {
            err->http_status = resp->status;
            snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
        }
        return rc;
    }
    if (resp->status < 200 || resp->status > 299)
        return ddb_aws_error__from_response(err, resp->status, resp->error_type, resp->request_id,
                                            resp->body, resp->body_len);
    json_error_t jerr;
    json_t *doc = ddb_json__loadb(resp->body, resp->body_len, JSON_ALLOW_NUL, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        int rc = ddb_error__set(err, DDB_ERR_PROTOCOL, "%s response is not a JSON object: %s",
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

/*
 * Invocation ids are random (UUID version 4) but not secret, so their bytes are drawn in batches:
 * one RAND_bytes call serves ID_BATCH / 16 ids. The batch is per thread, so no lock; a forked
 * child drops the one it inherited, or it would send its parent's next ids.
 */
#define ID_BATCH 512
static _Thread_local unsigned char id_bytes[ID_BATCH];
static _Thread_local size_t id_avail; /* unused bytes at the start of id_bytes */
static pthread_once_t id_fork_once = PTHREAD_ONCE_INIT;

static void id_batch_drop(void)
{
    id_avail = 0;
}

static void id_batch_register_fork(void)
{
    pthread_atfork(NULL, NULL, id_batch_drop);
}

static bool id_random_bytes(unsigned char b[16])
{
    pthread_once(&id_fork_once, id_batch_register_fork);
    if (id_avail < 16) {
        if (RAND_bytes(id_bytes, ID_BATCH) != 1) {
            id_avail = 0;
            return false;
        }
        id_avail = ID_BATCH;
    }
    id_avail -= 16;
    memcpy(b, id_bytes + id_avail, 16);
    return true;
}

bool ddb_exchange__random16(unsigned char b[16])
{
    return id_random_bytes(b);
}

void ddb_exchange__new_invocation_id(char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char b[16] = {0};
    if (!id_random_bytes(b)) {
        double t = ddb_exchange__now_ms();
        memcpy(b, &t, sizeof(t));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    /* 8-4-4-4-12 lowercase hex digits */
    char id[37];
    size_t o = 0;
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            id[o++] = '-';
        id[o++] = digits[b[i] >> 4];
        id[o++] = digits[b[i] & 0x0f];
    }
    id[o] = '\0';
    if (cap > 0) {
        size_t n = o < cap - 1 ? o : cap - 1;
        memcpy(out, id, n);
        out[n] = '\0';
    }
}

void ddb_exchange__log_hold(ddb_client *c, const char *operation, int attempt, double hold_ms)
{
    if (!ddb_exchange__log_enabled(c, DDB_LOG_INFO))
        return;
    ddb_exchange__log_event(c, DDB_LOG_INFO,
                            json_pack("{s:s, s:s, s:i, s:f, s:f}", "event", "rate_limit",
                                      "operation", operation, "attempt", attempt, "wait_ms",
                                      hold_ms, "fill_rate", ddb_retry__rate_fill(&c->retry, NULL)),
                            "%s: adaptive rate limiter holds attempt %d for %.0f ms", operation,
                            attempt, hold_ms);
}

void ddb_exchange__log_breaker_move(ddb_client *c, const char *operation, int moved, int attempt)
{
    if (moved == DDB_RETRY__OPEN)
        ddb_exchange__log_event(
            c, DDB_LOG_WARN,
            json_pack("{s:s, s:s, s:i, s:i, s:f}", "event", "circuit_open", "operation", operation,
                      "attempt", attempt, "threshold", c->retry.breaker_threshold, "cooldown_ms",
                      c->retry.breaker_cooldown_ms),
            "%s: circuit breaker opened after attempt %d; failing fast for %.0f ms", operation,
            attempt, c->retry.breaker_cooldown_ms);
    else if (moved == DDB_RETRY__CLOSED)
        ddb_exchange__log_event(c, DDB_LOG_INFO,
                                json_pack("{s:s, s:s, s:i}", "event", "circuit_closed", "operation",
                                          operation, "attempt", attempt),
                                "%s: circuit breaker closed: the probe succeeded", operation);
}

void ddb_exchange__log_retry(ddb_client *c, const char *operation, const char *table_name,
                             const char *invocation_id, int attempt, int failed_rc,
                             const ddb_error *e, const ddb_retry__verdict *v,
                             const char *retry_after)
{
    if (!ddb_exchange__log_enabled(c, DDB_LOG_INFO))
        return;
    const int max_attempts = c->retry.max_attempts;
    const char *after = retry_after && retry_after[0] ? retry_after : NULL;
    ddb_exchange__log_event(
        c, DDB_LOG_INFO,
        json_pack("{s:s, s:s, s:s?, s:s, s:i, s:i, s:i, s:s, s:s, s:I, s:b, s:f, s:f, s:s?, s:i, "
                  "s:i}",
                  "event", "retry", "operation", operation, "table", table_name, "invocation_id",
                  invocation_id, "attempt", attempt, "max_attempts", max_attempts, "retry",
                  attempt - 1, "error", ddb_error_code_name(failed_rc), "aws_error_type",
                  e->aws_type, "http_status", (json_int_t)e->http_status, "throttling",
                  v->throttling, "delay_ms", v->delay_ms, "ceiling_ms", v->ceiling_ms,
                  "retry_after", after, "retry_cost", v->retry_cost, "quota_tokens",
                  v->quota_tokens),
        "%s: attempt %d of %d failed (%s%s%s); retrying in %.0f ms", operation, attempt,
        max_attempts, ddb_error_code_name(failed_rc), e->aws_type[0] ? " " : "", e->aws_type,
        v->delay_ms);
}

/* The operations whose CapacityUnits are read units; every other operation's are write units. */
static bool reads(const char *operation)
{
    return strcmp(operation, "GetItem") == 0 || strcmp(operation, "Query") == 0 ||
           strcmp(operation, "Scan") == 0 || strcmp(operation, "BatchGetItem") == 0 ||
           strcmp(operation, "TransactGetItems") == 0 || strcmp(operation, "ExecuteStatement") == 0;
}

/*
 * Add one ConsumedCapacity entry. ReadCapacityUnits and WriteCapacityUnits are there only when
 * INDEXES was asked for (and in transactions); with TOTAL the operation says which kind it is.
 */
static void add_capacity(ddb_event *ev, const json_t *cc, bool is_read)
{
    double units = json_number_value(json_object_get(cc, "CapacityUnits"));
    const json_t *r = json_object_get(cc, "ReadCapacityUnits");
    const json_t *w = json_object_get(cc, "WriteCapacityUnits");
    ev->consumed_capacity += units;
    if (r || w) {
        ev->read_capacity += json_number_value(r);
        ev->write_capacity += json_number_value(w);
    } else if (is_read) {
        ev->read_capacity += units;
    } else {
        ev->write_capacity += units;
    }
}

/* Items in a response: Count, an Item, or the lists of a batch's or transaction's Responses. */
static long item_count(const json_t *response)
{
    const json_t *v = json_object_get(response, "Count");
    if (json_is_integer(v))
        return (long)json_integer_value(v);
    if (json_object_get(response, "Item") != NULL)
        return 1;
    if ((v = json_object_get(response, "Items")) != NULL) /* ExecuteStatement */
        return (long)json_array_size(v);
    v = json_object_get(response, "Responses");
    if (json_is_array(v)) { /* TransactGetItems: an entry per Get, empty when absent */
        long n = 0;
        size_t i;
        const json_t *entry;
        json_array_foreach(v, i, entry)
            n += json_object_get(entry, "Item") != NULL;
        return n;
    }
    if (json_is_object(v)) { /* BatchGetItem: a list per table */
        long n = 0;
        const char *table;
        const json_t *items;
        json_object_foreach((json_t *)v, table, items)
            n += (long)json_array_size(items);
        return n;
    }
    return -1;
}

void ddb_exchange__event(ddb_event *ev, const ddb_exchange__outcome *o)
{
    *ev = (ddb_event){
        .operation = o->operation,
        .table_name = o->table_name,
        .latency_ms = o->latency_ms,
        .attempts = o->attempts,
        .http_status = o->last ? o->last->status : 0,
        .error_code = o->rc,
        .aws_error_type = o->rc && o->err ? o->err->aws_type : "",
        .request_id = o->last ? o->last->request_id : "",
        .index_name = o->index_name,
        .item_count = -1,
        .throttles = o->throttles,
        .retries = o->attempts > 0 ? o->attempts - 1 : 0,
    };
    if (!o->response)
        return;
    const bool is_read = reads(o->operation);
    const json_t *cc = json_object_get(o->response, "ConsumedCapacity");
    if (json_is_object(cc)) {
        add_capacity(ev, cc, is_read);
    } else {
        size_t i;
        const json_t *entry;
        json_array_foreach(cc, i, entry)
            add_capacity(ev, entry, is_read);
    }
    ev->item_count = item_count(o->response);
    if (ev->item_count < 0 && strcmp(o->operation, "GetItem") == 0)
        ev->item_count = 0; /* no Item: the key was not found */
}

void ddb_exchange__report(ddb_client *c, const ddb_exchange__outcome *o)
{
    const char *table = o->table_name;
    long status = o->last ? o->last->status : 0;
    if (c->on_event) {
        ddb_event ev;
        ddb_exchange__event(&ev, o);
        c->on_event(c->event_ctx, &ev);
    }
    ddb_log_level level = o->rc ? DDB_LOG_WARN : DDB_LOG_DEBUG;
    if (!ddb_exchange__log_enabled(c, level))
        return;
    json_t *payload =
        json_pack("{s:s, s:s, s:s?, s:i, s:f, s:I, s:s, s:i}", "event", "call", "operation",
                  o->operation, "table", table, "attempts", o->attempts, "latency_ms",
                  o->latency_ms, "http_status", (json_int_t)status, "error",
                  ddb_error_code_name(o->rc), "quota_tokens", ddb_retry__tokens(&c->retry));
    if (o->rc)
        ddb_exchange__log_event(c, level, payload, "%s%s%s failed after %d attempt(s): %s",
                                o->operation, table ? " " : "", table ? table : "", o->attempts,
                                o->err && o->err->message[0] ? o->err->message
                                                             : ddb_strerror(o->rc));
    else
        ddb_exchange__log_event(c, level, payload, "%s%s%s HTTP %ld in %.1f ms (%d attempt(s))",
                                o->operation, table ? " " : "", table ? table : "", status,
                                o->latency_ms, o->attempts);
}
