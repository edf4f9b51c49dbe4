/*
 * A fault-injecting HTTP proxy for retry tests: it listens on 127.0.0.1 (a free port) in front of
 * the run's DynamoDB Local and, request by request, follows a script: forward, or answer with a
 * throttling or server error instead, reset the connection before or after forwarding, stall,
 * truncate the body, or corrupt the X-Amz-Crc32 header. It records every request it saw.
 *
 * Each connection carries one request: every answer says "Connection: close" (the forwarded
 * request asks DynamoDB Local for the same), so libcurl never reuses a connection the proxy is
 * about to break. That keeps the count exact: libcurl silently resends a request once when a
 * *reused* connection dies before any answer, which would otherwise show up as an extra request.
 *
 * Requests with header blocks up to FAULT_PROXY_MAX_HEADER_BYTES are read whole (and recorded), so
 * a test can send headers far past what DynamoDB Local accepts and see what the client sent.
 *
 * Only loopback: it binds 127.0.0.1 and refuses an upstream that is not 127.0.0.1 or localhost.
 * It stops itself: fault_proxy_stop joins every thread and closes every socket, and a proxy that
 * sees no connection for FAULT_PROXY_IDLE_LIMIT_MS stops accepting on its own.
 *
 * Thread safety: all functions may be called while the proxy serves; fault_proxy_stop once, last.
 */
#ifndef DDB_TEST_FAULT_PROXY_H
#define DDB_TEST_FAULT_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#define FAULT_PROXY_IDLE_LIMIT_MS 120000
#define FAULT_PROXY_MAX_HEADER_BYTES (256 * 1024)

typedef enum fault_action {
    FAULT_FORWARD = 0,  /* pass the request to DynamoDB Local and its answer back */
    FAULT_THROTTLE,     /* answer 400 ThrottlingException; not forwarded */
    FAULT_HTTP_500,     /* answer 500 InternalServerError; not forwarded */
    FAULT_HTTP_503,     /* answer 503 ServiceUnavailable; not forwarded */
    FAULT_ERROR,        /* answer step.status with step.error_type; not forwarded */
    FAULT_RESET_BEFORE, /* read the request, then reset the connection; not forwarded */
    FAULT_RESET_AFTER,  /* forward, then reset the connection instead of answering */
    FAULT_STALL,        /* read the request, then answer nothing until the client hangs up */
    FAULT_STALL_AFTER,  /* forward, then answer nothing until the client hangs up */
    FAULT_TRUNCATE,     /* forward, then send the headers and half the body, and close */
    FAULT_CORRUPT_CRC,  /* forward, then answer with a wrong X-Amz-Crc32 (or step.crc32_value) */
    FAULT_DELAY,        /* wait step.delay_ms, then forward */
    FAULT_REPLAY,       /* forward, then answer with the previous forwarded response instead */
    FAULT_HOLD,         /* wait until fault_proxy_release (or the stop), then forward */
} fault_action;

typedef struct fault_step {
    fault_action action;
    const char *retry_after; /* x-amz-retry-after (ms) on an answer the proxy makes up; or NULL */
    int status;              /* FAULT_ERROR: the HTTP status */
    const char *error_type;  /* FAULT_ERROR: the __type, e.g. "AccessDeniedException" */
    long delay_ms;           /* FAULT_DELAY */
    /* FAULT_CORRUPT_CRC: send "x-amz-crc32: <this>" verbatim ("abc", "", "-1", "4294967296")
     * instead of a wrong number; NULL for the wrong number. Borrowed: a string literal. */
    const char *crc32_value;
} fault_step;

/* What the proxy saw of one request. */
typedef struct fault_request {
    double at_ms;           /* when its last byte arrived, on harness_now_ms's clock */
    fault_action action;    /* what the proxy did with it */
    bool forwarded;         /* it reached DynamoDB Local */
    char operation[48];     /* from X-Amz-Target: "PutItem" */
    int attempt;            /* from amz-sdk-request: attempt=N; 0 when absent */
    char invocation_id[48]; /* amz-sdk-invocation-id; "" when absent */
} fault_request;

typedef struct fault_proxy fault_proxy;

/* Start a proxy in front of upstream ("http://127.0.0.1:port"). Exits the process on failure. */
fault_proxy *fault_proxy_start(const char *upstream);

/* "http://127.0.0.1:<port>" (borrowed, valid until fault_proxy_stop). */
const char *fault_proxy_endpoint(const fault_proxy *p);

/*
 * From now on, request i (counting from 0 after this call) gets steps[i]; requests past the
 * script get `then`. Forgets the requests seen so far. steps is copied.
 */
void fault_proxy_script(fault_proxy *p, const fault_step *steps, size_t n, fault_step then);

/* Requests seen since the last script, and how many of them reached DynamoDB Local. */
size_t fault_proxy_requests(fault_proxy *p);
size_t fault_proxy_forwarded(fault_proxy *p);

/* Request i since the last script; false when there is no such request. */
bool fault_proxy_request(fault_proxy *p, size_t i, fault_request *out);

/*
 * A copy of request i since the last script exactly as it arrived: request line, header lines,
 * the blank line and the body; *len receives its length. NULL when there is no such request.
 * The caller frees it. Tests read the headers the client really sent from it (the wire).
 */
char *fault_proxy_request_raw(fault_proxy *p, size_t i, size_t *len);

/*
 * Wait until the proxy has seen at least n requests since the last script. Returns false only
 * when timeout_ms passed first: a hang guard, never a pace (pass something generous).
 */
bool fault_proxy_wait_requests(fault_proxy *p, size_t n, long timeout_ms);

/* Let every request held by FAULT_HOLD, now or later, go on. fault_proxy_script re-arms holds. */
void fault_proxy_release(fault_proxy *p);

/* Stop serving, join every thread, close every socket and free p. NULL-safe. */
void fault_proxy_stop(fault_proxy *p);

#endif
