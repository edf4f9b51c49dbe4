/*
 * ddb_parallel: independent requests in flight at once over one curl multi handle, driven by the
 * calling thread. Each request goes through the same steps as the blocking call path (exchange.h):
 * sign, send, check, retry under the client's policy, report to the hooks, then decode.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_codec.h"
#include "api/limits_internal.h"
#include "core/error_internal.h"
#include "ddb/api/parallel.h"
#include "wire/client_internal.h"
#include "wire/exchange.h"
#include "wire/http.h"
#include "wire/retry.h"

typedef enum req_state {
    REQ_QUEUED,    /* in p->pending, to be sent */
    REQ_WAITING,   /* in p->waiting, until its retry is due */
    REQ_IN_FLIGHT, /* on the wire */
    REQ_DONE
} req_state;

typedef struct req {
    size_t index;
    char operation[40];
    char *table_name; /* from the request's TableName, for events; may be NULL */
    char *index_name; /* from its IndexName, likewise */
    int throttles;    /* attempts that failed with a throttling error */
    char *body;       /* the encoded request; freed once done */
    size_t body_len;
    req_state state;
    ddb_retry__call rs;   /* this request's way through the client's retry policy */
    bool admitted;        /* the policy admitted the next attempt, which the rate limiter holds */
    double started_ms;    /* when the first attempt was admitted */
    double not_before_ms; /* REQ_WAITING: when the retry (or held attempt) is due */
    ddb_http__response last; /* status and ids of the last response; never holds a body */
    char invocation_id[40];
    char id_header[80]; /* amz-sdk-invocation-id: the same on every attempt */
    int rc;
    void *output;
    bool output_taken, err_taken;
    ddb_error err;
    /* for ddb_parallel_scan and ddb_parallel_batch_write */
    int64_t tag;
    int resends;
    bool discard; /* free the record once its callback has returned */
} req;

struct ddb_parallel {
    ddb_client *c;
    size_t max_in_flight;
    ddb_parallel_done_fn on_done;
    void *on_done_ctx;
    req **reqs; /* by index; NULL once discarded */
    size_t n_reqs, cap_reqs;
    size_t *pending; /* FIFO of indexes to send: [pending_head, n_pending) */
    size_t pending_head, n_pending, cap_pending;
    size_t *waiting; /* indexes waiting for a retry, unordered */
    size_t n_waiting, cap_waiting;
    ddb_http__multi *multi; /* taken from the client's pool at the first run */
    bool running;
};

/* Grow an array of elem-sized elements to hold `need`. (The arrays here hold indexes, and pointers
 * to requests, which are sized as void *: sizeof of a struct pointer reads like a mistake.) */
static bool grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *grown = realloc(*array, n * elem);
    if (!grown)
        return false;
    *array = grown;
    *cap = n;
    return true;
}

static bool push_pending(ddb_parallel *p, size_t index)
{
    if (p->pending_head > 0 && p->pending_head == p->n_pending)
        p->pending_head = p->n_pending = 0;
    if (p->n_pending == p->cap_pending && p->pending_head > p->cap_pending / 2) {
        memmove(p->pending, p->pending + p->pending_head,
                (p->n_pending - p->pending_head) * sizeof(*p->pending));
        p->n_pending -= p->pending_head;
        p->pending_head = 0;
    }
    if (!grow((void **)&p->pending, &p->cap_pending, p->n_pending + 1, sizeof(*p->pending)))
        return false;
    p->pending[p->n_pending++] = index;
    return true;
}

static bool push_waiting(ddb_parallel *p, size_t index)
{
    if (!grow((void **)&p->waiting, &p->cap_waiting, p->n_waiting + 1, sizeof(*p->waiting)))
        return false;
    p->waiting[p->n_waiting++] = index;
    return true;
}

/*
 * ddb_<operation>_output_free by operation name. (A candidate for scripts/gen-api, beside
 * ddb_api__decode; wrappers rather than casts, since calling through a mismatched function type is
 * undefined.)
 */
#define OUTPUT_FREE(op, fn)                                                                        \
    static void free_##fn(void *o)                                                                 \
    {                                                                                              \
        ddb_##fn##_output_free(o);                                                                 \
    }
#define OUTPUT_FREES(X)                                                                            \
    X("BatchGetItem", batch_get_item)                                                              \
    X("BatchWriteItem", batch_write_item)                                                          \
    X("CreateTable", create_table)                                                                 \
    X("DeleteItem", delete_item)                                                                   \
    X("DeleteTable", delete_table)                                                                 \
    X("DescribeTable", describe_table)                                                             \
    X("DescribeTimeToLive", describe_time_to_live)                                                 \
    X("GetItem", get_item)                                                                         \
    X("ListTables", list_tables)                                                                   \
    X("PutItem", put_item)                                                                         \
    X("Query", query)                                                                              \
    X("Scan", scan)                                                                                \
    X("TransactGetItems", transact_get_items)                                                      \
    X("TransactWriteItems", transact_write_items)                                                  \
    X("UpdateItem", update_item)                                                                   \
    X("UpdateTable", update_table)                                                                 \
    X("UpdateTimeToLive", update_time_to_live)
OUTPUT_FREES(OUTPUT_FREE)
#undef OUTPUT_FREE

static void free_output(const char *operation, void *output)
{
#define OUTPUT_FREE_CASE(op, fn)                                                                   \
    if (strcmp(operation, op) == 0) {                                                              \
        free_##fn(output);                                                                         \
        return;                                                                                    \
    }
    OUTPUT_FREES(OUTPUT_FREE_CASE)
#undef OUTPUT_FREE_CASE
}

/*
 * An unfinished request gives back what it holds of the retry policy: the circuit breaker's probe
 * (recorded as never sent, so the breaker lets another through) and a retry already paid for.
 * It starts afresh if it is sent again.
 */
static void abandon(ddb_client *c, req *r)
{
    if (r->rs.probe)
        ddb_retry__breaker_record(&c->retry, ddb_exchange__now_ms(), true, DDB_RETRY__NOT_SENT);
    if (r->rs.retry_cost > 0)
        ddb_retry__release(&c->retry, r->rs.retry_cost);
    r->rs = (ddb_retry__call)DDB_RETRY__CALL_INIT;
    r->admitted = false;
}

static void req_free(ddb_client *c, req *r)
{
    if (!r)
        return;
    if (r->state != REQ_DONE)
        abandon(c, r);
    free(r->table_name);
    free(r->index_name);
    free(r->body);
    if (r->output && !r->output_taken)
        free_output(r->operation, r->output);
    ddb_error_clear(&r->err);
    free(r);
}

int ddb_parallel_new(ddb_parallel **out, ddb_client *c, const ddb_parallel_options *opts,
                     ddb_error *err)
{
    /* Each failure returns its code as a constant: static analysis then knows *out is set on 0. */
    static const ddb_parallel_options defaults = DDB_PARALLEL_OPTIONS_INIT;
    if (!out || !c) {
        ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_parallel_new: %s is NULL",
                       out ? "client" : "out");
        return DDB_ERR_INVALID_ARG;
    }
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > DDB_PARALLEL_OPTIONS_VERSION) {
        ddb_error__set(err, DDB_ERR_INVALID_ARG,
                       "ddb_parallel_options.version %u is not supported (expected 1..%d)",
                       opts->version, DDB_PARALLEL_OPTIONS_VERSION);
        return DDB_ERR_INVALID_ARG;
    }
    size_t max = opts->max_in_flight ? opts->max_in_flight : DDB_PARALLEL_DEFAULT_IN_FLIGHT;
    if (max > DDB_PARALLEL_MAX_IN_FLIGHT) {
        ddb_error__set(err, DDB_ERR_INVALID_ARG, "max_in_flight %zu exceeds %d", max,
                       DDB_PARALLEL_MAX_IN_FLIGHT);
        return DDB_ERR_INVALID_ARG;
    }
    ddb_parallel *p = calloc(1, sizeof(*p));
    if (!p) {
        ddb_error__nomem(err, "parallel batch");
        return DDB_ERR_NOMEM;
    }
    p->c = c;
    p->max_in_flight = max;
    p->on_done = opts->on_done;
    p->on_done_ctx = opts->on_done_ctx;
    *out = p;
    return 0;
}

void ddb_parallel_reset(ddb_parallel *p)
{
    if (!p || p->running)
        return;
    if (p->multi)
        ddb_http__multi_cancel_all(p->multi);
    for (size_t i = 0; i < p->n_reqs; i++)
        req_free(p->c, p->reqs[i]);
    p->n_reqs = 0;
    p->pending_head = p->n_pending = 0;
    p->n_waiting = 0;
}

void ddb_parallel_free(ddb_parallel *p)
{
    if (!p)
        return;
    p->running = false;
    ddb_parallel_reset(p);
    ddb_http__multi_free(p->multi);
    free(p->reqs);
    free(p->pending);
    free(p->waiting);
    free(p);
}

size_t ddb_parallel_count(const ddb_parallel *p)
{
    return p ? p->n_reqs : 0;
}

/* Queue an encoded request (borrowed), to be sent after delay_ms. */
static int add_encoded(size_t *index, ddb_parallel *p, const char *operation, const json_t *request,
                       int64_t tag, int resends, double delay_ms, ddb_error *err)
{
    /* As on the blocking path: a request that breaks one of DynamoDB's limits is never sent. */
    int rc = ddb_limits__check_request(operation, request, err);
    if (rc)
        return rc;
    req *r = calloc(1, sizeof(*r));
    if (!r)
        return ddb_error__nomem(err, "parallel request");
    snprintf(r->operation, sizeof(r->operation), "%s", operation);
    r->tag = tag;
    r->resends = resends;
    r->rs = (ddb_retry__call)DDB_RETRY__CALL_INIT;
    ddb_exchange__new_invocation_id(r->invocation_id, sizeof(r->invocation_id));
    snprintf(r->id_header, sizeof(r->id_header), "amz-sdk-invocation-id: %s", r->invocation_id);
    r->body = json_dumps(request, JSON_COMPACT);
    const char *table = json_string_value(json_object_get(request, "TableName"));
    if (table)
        r->table_name = strdup(table);
    const char *index_name = json_string_value(json_object_get(request, "IndexName"));
    if (index_name)
        r->index_name = strdup(index_name);
    if (!r->body || (table && !r->table_name) || (index_name && !r->index_name)) {
        rc = ddb_error__nomem(err, "request body");
        goto done;
    }
    r->body_len = strlen(r->body);
    if (!grow((void **)&p->reqs, &p->cap_reqs, p->n_reqs + 1, sizeof(void *))) {
        rc = ddb_error__nomem(err, "parallel requests");
        goto done;
    }
    r->index = p->n_reqs;
    if (delay_ms > 0) {
        r->state = REQ_WAITING;
        r->not_before_ms = ddb_exchange__now_ms() + delay_ms;
        if (!push_waiting(p, r->index))
            rc = ddb_error__nomem(err, "parallel queue");
    } else {
        r->state = REQ_QUEUED;
        if (!push_pending(p, r->index))
            rc = ddb_error__nomem(err, "parallel queue");
    }
    if (rc)
        goto done;
    p->reqs[p->n_reqs++] = r;
    if (index)
        *index = r->index;
    r = NULL;
done:
    req_free(p->c, r);
    return rc;
}

int ddb_parallel_add(size_t *index, ddb_parallel *p, const char *operation, const void *input,
                     ddb_error *err)
{
    if (!p)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_parallel_add: batch is NULL");
    if (operation && strlen(operation) >= sizeof(((req *)0)->operation))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "unknown operation \"%.60s\"", operation);
    json_t *request = NULL;
    int rc = ddb_api__encode(operation, input, &request, err);
    if (rc == 0)
        rc = add_encoded(index, p, operation, request, 0, 0, 0, err);
    json_decref(request);
    return rc;
}

/*
 * The request is over (success after decoding, or its final failure): report it, decode it, hand
 * it to the callback. Returns the callback's code.
 */
static int complete(ddb_parallel *p, req *r, int rc, json_t *doc)
{
    ddb_client *c = p->c;
    r->state = REQ_DONE;
    if (rc) {
        json_decref(doc);
        doc = NULL;
    }
    const ddb_exchange__outcome outcome = {
        .operation = r->operation,
        .table_name = r->table_name,
        .index_name = r->index_name,
        .throttles = r->throttles,
        .latency_ms = r->rs.attempts > 0 ? ddb_exchange__now_ms() - r->started_ms : 0,
        .attempts = r->rs.attempts,
        .rc = rc,
        .err = &r->err,
        .last = &r->last,
        .response = doc,
    };
    ddb_exchange__report(c, &outcome);
    if (rc == 0)
        rc = ddb_api__decode(r->operation, doc, &r->output, &r->err);
    json_decref(doc);
    free(r->body);
    r->body = NULL;
    r->rc = rc;
    int cb_rc = 0;
    if (p->on_done) {
        void *output = r->output, *none = NULL;
        cb_rc = p->on_done(p->on_done_ctx, p, r->index, r->operation, rc, rc == 0 ? &output : &none,
                           rc ? &r->err : NULL);
        if (rc == 0 && !output && r->output) {
            r->output = NULL;
            r->output_taken = true;
        }
    }
    if (r->discard) {
        p->reqs[r->index] = NULL;
        req_free(c, r);
    }
    return cb_rc;
}

static bool wait_until(ddb_parallel *p, req *r, double ms_from_now)
{
    r->state = REQ_WAITING;
    r->not_before_ms = ddb_exchange__now_ms() + ms_from_now;
    return push_waiting(p, r->index);
}

/*
 * An attempt of r ended: xfer_rc is its network (or signing) result and resp its response. The
 * retry policy decides: send again after a delay, or complete. Returns the callback's code, or
 * DDB_ERR_NOMEM when a retry cannot be queued (the request then ends with its last failure).
 */
static int on_attempt(ddb_parallel *p, req *r, int xfer_rc, ddb_http__response *resp)
{
    ddb_client *c = p->c;
    json_t *doc = NULL;
    int rc = xfer_rc;
    r->last = *resp;
    r->last.body = r->last.raw_headers = NULL;
    r->last.body_len = r->last.raw_headers_len = 0;
    if (rc == 0)
        rc = ddb_exchange__check(&doc, c, r->operation, resp, &r->err);
    ddb_http__response_clear(resp);
    int failed = rc;
    if (rc && r->err.throttling)
        r->throttles++;
    ddb_retry__verdict v = ddb_retry__after_attempt(&c->retry, &r->rs, rc, &r->err,
                                                    r->last.retry_after, ddb_exchange__now_ms());
    ddb_exchange__log_breaker_move(c, r->operation, v.breaker_moved, r->rs.attempts);
    if (v.retry) {
        ddb_exchange__log_retry(c, r->operation, r->table_name, r->invocation_id, r->rs.attempts,
                                failed, &r->err, &v, r->last.retry_after);
        if (wait_until(p, r, v.delay_ms))
            return 0;
        abandon(c, r);
        return complete(p, r, failed, NULL);
    }
    return complete(p, r, v.rc, doc);
}

/*
 * Send the next attempt of r, once the retry policy admits it and its rate limiter lets it go. A
 * local failure (credentials, signing) is the attempt's result, as on the blocking path. Returns
 * 0, the callback's code, or the code of a failure of the multi handle itself (the run stops).
 */
static int start_attempt(ddb_parallel *p, req *r, ddb_error *err)
{
    ddb_client *c = p->c;
    if (!r->admitted) {
        double hold = 0, now = ddb_exchange__now_ms();
        int rc = ddb_retry__before_attempt(&c->retry, &r->rs, now, &hold, &r->err);
        if (rc)
            return complete(p, r, rc, NULL); /* the circuit breaker fails it fast */
        if (r->rs.attempts == 1)
            r->started_ms = now;
        r->admitted = true;
        if (hold > 0) {
            ddb_exchange__log_hold(c, r->operation, r->rs.attempts, hold);
            if (wait_until(p, r, hold))
                return 0;
            /* No room to wait: send now rather than lose the request. */
        }
    }
    r->admitted = false;
    ddb_error_clear(&r->err);
    char attempt_header[64];
    snprintf(attempt_header, sizeof(attempt_header), "amz-sdk-request: attempt=%d; max=%d",
             r->rs.attempts, c->retry.max_attempts);
    const char *extra[] = {r->id_header, attempt_header};
    ddb_exchange__signed sig;
    int rc = ddb_exchange__prepare(&sig, c, r->operation, r->body, r->body_len, extra, 2, &r->err);
    if (rc == 0) {
        rc = ddb_http__multi_start(p->multi, r, &r->err, c->url, sig.lines, sig.n_lines, r->body,
                                   r->body_len, c->trace != NULL, err);
        ddb_exchange__signed_clear(&sig);
        if (rc == 0)
            r->state = REQ_IN_FLIGHT;
        else
            abandon(c, r); /* never sent; the stopped run requeues it */
        return rc;
    }
    ddb_exchange__signed_clear(&sig);
    ddb_http__response none = {0};
    return on_attempt(p, r, rc, &none);
}

/* Move retries that are due to the send queue; *next_due receives the earliest one left. */
static int promote_due(ddb_parallel *p, double now, double *next_due, ddb_error *err)
{
    *next_due = INFINITY;
    for (size_t i = 0; i < p->n_waiting;) {
        req *r = p->reqs[p->waiting[i]];
        if (r->not_before_ms <= now) {
            if (!push_pending(p, r->index))
                return ddb_error__nomem(err, "parallel queue");
            r->state = REQ_QUEUED;
            p->waiting[i] = p->waiting[--p->n_waiting];
        } else {
            if (r->not_before_ms < *next_due)
                *next_due = r->not_before_ms;
            i++;
        }
    }
    return 0;
}

static void sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000.0), (long)(fmod(ms, 1000.0) * 1e6)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/*
 * After a stopped run: what was on the wire goes back to the queue, to be sent again by the next
 * run, and the queue is rebuilt in index order (a request may have been taken off it when the run
 * stopped).
 */
static void requeue_unfinished(ddb_parallel *p)
{
    if (p->multi)
        ddb_http__multi_cancel_all(p->multi);
    p->pending_head = p->n_pending = 0;
    for (size_t i = 0; i < p->n_reqs; i++) {
        req *r = p->reqs[i];
        if (!r || (r->state != REQ_IN_FLIGHT && r->state != REQ_QUEUED))
            continue;
        if (r->state == REQ_IN_FLIGHT)
            abandon(p->c, r);
        r->state = REQ_QUEUED;
        if (!push_pending(p, i)) {
            /* Not even room to queue it: it ends here. */
            r->state = REQ_DONE;
            r->rc = ddb_error__nomem(&r->err, "parallel queue");
        }
    }
}

/* The run's result: 0, or the lowest failed index's code with a count of failures. */
static int summarize(const ddb_parallel *p, ddb_error *err)
{
    size_t failed = 0, first = 0;
    for (size_t i = 0; i < p->n_reqs; i++) {
        const req *r = p->reqs[i];
        if (r && r->state == REQ_DONE && r->rc != 0 && failed++ == 0)
            first = i;
    }
    if (failed == 0)
        return 0;
    const req *r = p->reqs[first];
    int rc = ddb_error__set(err, r->rc, "%zu of %zu requests failed; request %zu (%s): %s", failed,
                            p->n_reqs, first, r->operation,
                            r->err.message[0] ? r->err.message : ddb_strerror(r->rc));
    if (err) {
        ddb_error__set_aws_type(err, r->err.aws_type);
        err->http_status = r->err.http_status;
        snprintf(err->request_id, sizeof(err->request_id), "%s", r->err.request_id);
        err->retryable = r->err.retryable;
        err->throttling = r->err.throttling;
    }
    return rc;
}

int ddb_parallel_run(ddb_parallel *p, ddb_error *err)
{
    if (!p)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_parallel_run: batch is NULL");
    if (p->running)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_parallel_run called from its own completion callback");
    int rc = 0;
    if (!p->multi && (rc = ddb_http__multi_new(&p->multi, p->c->http, p->max_in_flight, err)))
        return rc;
    p->running = true;
    ddb_error run_err = DDB_ERROR_INIT;
    for (;;) {
        double now = ddb_exchange__now_ms(), next_due;
        if ((rc = promote_due(p, now, &next_due, &run_err)) != 0)
            break;
        while (rc == 0 && ddb_http__multi_in_flight(p->multi) < p->max_in_flight &&
               p->pending_head < p->n_pending) {
            req *r = p->reqs[p->pending[p->pending_head++]];
            if (r && r->state == REQ_QUEUED)
                rc = start_attempt(p, r, &run_err);
        }
        if (rc)
            break;
        if (ddb_http__multi_in_flight(p->multi) == 0) {
            if (p->pending_head < p->n_pending)
                continue; /* the callback queued more */
            if (p->n_waiting == 0)
                break;
            sleep_ms(next_due - ddb_exchange__now_ms());
            continue;
        }
        long timeout = 1000;
        if (p->n_waiting > 0) {
            double until = next_due - ddb_exchange__now_ms();
            timeout = until <= 0 ? 0 : (until < 1000 ? (long)ceil(until) : 1000);
        }
        void *tag = NULL;
        int xfer_rc = 0;
        ddb_http__response resp = {0};
        int got = ddb_http__multi_next(p->multi, timeout, &tag, &xfer_rc, &resp, &run_err);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 1 && (rc = on_attempt(p, tag, xfer_rc, &resp)) != 0)
            break;
    }
    p->running = false;
    if (rc) {
        if (run_err.code == 0)
            ddb_error__set(&run_err, rc, "the completion callback stopped the run with %s",
                           ddb_error_code_name(rc));
        requeue_unfinished(p);
        if (err) {
            ddb_error_clear(err);
            *err = run_err;
        } else {
            ddb_error_clear(&run_err);
        }
        return rc;
    }
    return summarize(p, err);
}

int ddb_parallel_take(void **output, ddb_parallel *p, size_t index, ddb_error *err)
{
    if (!p || index >= p->n_reqs)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request %zu does not exist (%zu added)",
                              index, p ? p->n_reqs : 0);
    req *r = p->reqs[index];
    if (!r || r->state != REQ_DONE)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request %zu has not completed", index);
    if (r->rc == 0) {
        if (!output)
            return 0;
        if (r->output_taken)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG, "the output of request %zu was taken",
                                  index);
        *output = r->output;
        r->output = NULL;
        r->output_taken = true;
        return 0;
    }
    if (!err)
        return r->rc;
    if (r->err_taken)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "the error of request %zu was taken",
                              index);
    ddb_error_clear(err);
    *err = r->err;
    r->err = (ddb_error)DDB_ERROR_INIT;
    r->err_taken = true;
    return r->rc;
}

const ddb_error *ddb_parallel_error(const ddb_parallel *p, size_t index)
{
    if (!p || index >= p->n_reqs)
        return NULL;
    const req *r = p->reqs[index];
    if (!r || r->state != REQ_DONE || r->rc == 0 || r->err_taken)
        return NULL;
    return &r->err;
}

/* "where: message", truncated to fit. */
static void prefix_message(ddb_error *err, const char *where)
{
    char msg[sizeof(err->message)];
    int n = snprintf(msg, sizeof(msg), "%s: %s", where, err->message);
    if (n > 0)
        memcpy(err->message, msg, sizeof(msg));
}

/* ---- Parallel Scan --------------------------------------------------------------------------- */

typedef struct scan_ctx {
    const ddb_scan_input *in;
    int64_t total_segments;
    int64_t next_segment; /* the first segment not started yet */
    ddb_parallel_page_fn on_page;
    void *ctx;
    bool page_failed;
    int64_t failed_segment;
    ddb_error failure; /* the failed page's error, moved out of its request */
    bool stopped_by_callback;
} scan_ctx;

static int add_scan_page(ddb_parallel *p, scan_ctx *s, int64_t segment, const ddb_value *start,
                         ddb_error *err)
{
    ddb_scan_input page = *s->in;
    page.has_segment = page.has_total_segments = true;
    page.segment = segment;
    page.total_segments = s->total_segments;
    page.exclusive_start_key = start;
    json_t *request = NULL;
    int rc = ddb_api__encode("Scan", &page, &request, err);
    if (rc == 0)
        rc = add_encoded(NULL, p, "Scan", request, segment, 0, 0, err);
    json_decref(request);
    return rc;
}

static int on_scan_page(void *ctx, ddb_parallel *p, size_t index, const char *operation, int rc,
                        void **output, const ddb_error *err)
{
    (void)operation;
    (void)err;
    scan_ctx *s = ctx;
    req *r = p->reqs[index];
    int64_t segment = r->tag;
    r->discard = true;
    if (rc) {
        s->page_failed = true;
        s->failed_segment = segment;
        s->failure = r->err;
        r->err = (ddb_error)DDB_ERROR_INIT;
        return rc;
    }
    ddb_scan_output *page = *output;
    *output = NULL;
    rc = s->on_page(s->ctx, segment, page);
    if (rc) {
        s->stopped_by_callback = true;
    } else if (page->last_evaluated_key) {
        rc = add_scan_page(p, s, segment, page->last_evaluated_key, &s->failure);
    } else if (s->next_segment < s->total_segments) {
        rc = add_scan_page(p, s, s->next_segment++, NULL, &s->failure);
    }
    ddb_scan_output_free(page);
    return rc;
}

int ddb_parallel_scan(ddb_client *c, const ddb_scan_input *in, int64_t total_segments,
                      size_t max_in_flight, ddb_parallel_page_fn on_page, void *ctx, ddb_error *err)
{
    if (!c || !in || !on_page)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_parallel_scan: %s is NULL",
                              !c    ? "client"
                              : !in ? "input"
                                    : "on_page");
    if (total_segments < 1 || total_segments > 1000000)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "total_segments %lld is not within 1..1000000",
                              (long long)total_segments);
    if (max_in_flight == 0)
        max_in_flight = total_segments < DDB_PARALLEL_DEFAULT_IN_FLIGHT
                            ? (size_t)total_segments
                            : DDB_PARALLEL_DEFAULT_IN_FLIGHT;
    scan_ctx s = {.in = in, .total_segments = total_segments, .on_page = on_page, .ctx = ctx};
    ddb_parallel_options opts = DDB_PARALLEL_OPTIONS_INIT;
    opts.max_in_flight = max_in_flight;
    opts.on_done = on_scan_page;
    opts.on_done_ctx = &s;
    ddb_parallel *p = NULL;
    int rc = ddb_parallel_new(&p, c, &opts, err);
    if (rc)
        return rc;
    /* One page per segment to start with; a finished segment hands its place to the next. */
    while (rc == 0 && s.next_segment < total_segments && (size_t)s.next_segment < max_in_flight)
        rc = add_scan_page(p, &s, s.next_segment++, NULL, err);
    ddb_error run_err = DDB_ERROR_INIT;
    if (rc == 0)
        rc = ddb_parallel_run(p, &run_err);
    if (rc && s.failure.code) {
        /* A page failed after its retries, or the next page could not be queued. */
        if (err) {
            ddb_error_clear(err);
            *err = s.failure;
            s.failure = (ddb_error)DDB_ERROR_INIT;
            if (s.page_failed) {
                char where[64];
                snprintf(where, sizeof(where), "Scan segment %lld of %lld",
                         (long long)s.failed_segment, (long long)total_segments);
                prefix_message(err, where);
            }
        }
    } else if (rc && s.stopped_by_callback) {
        ddb_error__set(err, rc, "the page callback stopped the scan with %s",
                       ddb_error_code_name(rc));
    } else if (rc && err && run_err.code) {
        ddb_error_clear(err);
        *err = run_err;
        run_err = (ddb_error)DDB_ERROR_INIT;
    }
    ddb_error_clear(&run_err);
    ddb_error_clear(&s.failure);
    ddb_parallel_free(p);
    return rc;
}

/* ---- Bulk BatchWriteItem --------------------------------------------------------------------- */

#define BATCH_WRITE_MAX 25
#define BATCH_WRITE_MAX_RESENDS 20

typedef struct write_ctx {
    const char *table;
    const ddb_write_request *requests;
    size_t n;
    size_t next; /* the first request not queued yet */
    size_t failed_start;
    ddb_error failure;
} write_ctx;

/* Queue one BatchWriteItem of entries (borrowed); tag is the first request's number. */
static int add_write(ddb_parallel *p, const ddb_batch_write_item_request_map_entry *entries,
                     size_t n_entries, int64_t tag, int resends, double delay_ms, ddb_error *err)
{
    ddb_batch_write_item_input in = {
        .n_request_items = n_entries,
        .request_items = entries,
    };
    json_t *request = NULL;
    int rc = ddb_api__encode("BatchWriteItem", &in, &request, err);
    if (rc == 0)
        rc = add_encoded(NULL, p, "BatchWriteItem", request, tag, resends, delay_ms, err);
    json_decref(request);
    return rc;
}

/* Queue the next chunk of 25; a failure (a limit, memory) goes to w->failure, naming the chunk. */
static int add_next_chunk(ddb_parallel *p, write_ctx *w)
{
    if (w->next >= w->n)
        return 0;
    size_t count = w->n - w->next < BATCH_WRITE_MAX ? w->n - w->next : BATCH_WRITE_MAX;
    ddb_batch_write_item_request_map_entry entry = {
        .key = w->table,
        .n_value = count,
        .value = w->requests + w->next,
    };
    int rc = add_write(p, &entry, 1, (int64_t)w->next, 0, 0, &w->failure);
    if (rc == 0)
        w->next += count;
    else
        w->failed_start = w->next;
    return rc;
}

static size_t count_writes(const ddb_batch_write_item_output *out)
{
    size_t n = 0;
    for (size_t i = 0; i < out->n_unprocessed_items; i++)
        n += out->unprocessed_items[i].n_value;
    return n;
}

static int on_write_done(void *ctx, ddb_parallel *p, size_t index, const char *operation, int rc,
                         void **output, const ddb_error *err)
{
    (void)operation;
    (void)err;
    write_ctx *w = ctx;
    req *r = p->reqs[index];
    size_t start = (size_t)r->tag;
    int resends = r->resends;
    r->discard = true;
    if (rc) {
        w->failed_start = start;
        w->failure = r->err;
        r->err = (ddb_error)DDB_ERROR_INIT;
        return rc;
    }
    ddb_batch_write_item_output *out = *output;
    *output = NULL;
    size_t left = count_writes(out);
    if (left > 0 && resends >= BATCH_WRITE_MAX_RESENDS) {
        w->failed_start = start;
        rc = ddb_error__set(&w->failure, DDB_ERR_THROTTLED,
                            "%zu items still unprocessed after %d resends", left, resends);
        w->failure.retryable = w->failure.throttling = true;
    } else if (left > 0) {
        /* UnprocessedItems has the request's own types: send it as it came back. */
        double delay = ddb_retry__delay_ms(resends, false, NULL);
        rc = add_write(p, out->unprocessed_items, out->n_unprocessed_items, (int64_t)start,
                       resends + 1, delay, &w->failure);
        if (rc)
            w->failed_start = start;
    }
    ddb_batch_write_item_output_free(out);
    if (rc == 0)
        rc = add_next_chunk(p, w);
    return rc;
}

int ddb_parallel_batch_write(ddb_client *c, const char *table_name,
                             const ddb_write_request *requests, size_t n, size_t max_in_flight,
                             ddb_error *err)
{
    if (!c || !table_name || (!requests && n > 0))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_parallel_batch_write: %s is NULL",
                              !c            ? "client"
                              : !table_name ? "table_name"
                                            : "requests");
    if (n == 0)
        return 0;
    write_ctx w = {.table = table_name, .requests = requests, .n = n};
    ddb_parallel_options opts = DDB_PARALLEL_OPTIONS_INIT;
    opts.max_in_flight = max_in_flight;
    opts.on_done = on_write_done;
    opts.on_done_ctx = &w;
    ddb_parallel *p = NULL;
    int rc = ddb_parallel_new(&p, c, &opts, err);
    if (rc)
        return rc;
    /* Fill the pipe; each completed request queues the next chunk, so memory stays bounded. */
    size_t fill = max_in_flight ? max_in_flight : DDB_PARALLEL_DEFAULT_IN_FLIGHT;
    for (size_t i = 0; rc == 0 && i < fill && w.next < n; i++)
        rc = add_next_chunk(p, &w);
    ddb_error run_err = DDB_ERROR_INIT;
    if (rc == 0)
        rc = ddb_parallel_run(p, &run_err);
    if (rc && w.failure.code) {
        if (err) {
            ddb_error_clear(err);
            *err = w.failure;
            w.failure = (ddb_error)DDB_ERROR_INIT;
            size_t last = w.failed_start + BATCH_WRITE_MAX - 1;
            char where[80];
            snprintf(where, sizeof(where), "BatchWriteItem of requests %zu..%zu", w.failed_start,
                     last < n - 1 ? last : n - 1);
            prefix_message(err, where);
        }
    } else if (rc && err && run_err.code) {
        ddb_error_clear(err);
        *err = run_err;
        run_err = (ddb_error)DDB_ERROR_INIT;
    }
    ddb_error_clear(&run_err);
    ddb_error_clear(&w.failure);
    ddb_parallel_free(p);
    return rc;
}
