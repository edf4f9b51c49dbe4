/* The fault-injecting proxy of fault_proxy.h: one accept thread, one thread per connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/checksum.h"
#include "support/fault_proxy.h"

#define MAX_HEADER_BYTES FAULT_PROXY_MAX_HEADER_BYTES
#define MAX_BODY_BYTES ((size_t)64 * 1024 * 1024)
#define MAX_CONNECTIONS 4096
#define SLICE_MS 50
#define UPSTREAM_TIMEOUT_MS 30000
#define STALL_LIMIT_MS 30000

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

typedef struct conn {
    pthread_t thread;
    int fd;
    bool done; /* under the proxy's lock: the thread has finished and may be joined */
    struct fault_proxy *proxy;
} conn;

struct fault_proxy {
    int listen_fd;
    int upstream_port;
    char endpoint[64];
    pthread_t accept_thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a request was admitted, a hold released, or the proxy stops */
    bool stopping;
    bool released; /* FAULT_HOLD goes on */
    /* script */
    fault_step *steps;
    size_t n_steps;
    fault_step then;
    /* what was seen since the last script */
    fault_request *seen;
    buf *seen_raw; /* each request as it arrived, beside seen */
    size_t n_seen, cap_seen;
    /* connection threads, joined at stop */
    conn **conns;
    size_t n_conns;
    /* the last response DynamoDB Local sent, for FAULT_REPLAY */
    char *last_response;
    size_t last_response_len;
};

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool stopping(fault_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    bool s = p->stopping;
    pthread_mutex_unlock(&p->lock);
    return s;
}

static void die(const char *what)
{
    fprintf(stderr, "fault_proxy: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- buffers and socket I/O ------------------------------------------------------------------ */

static bool buf_append(buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return false;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static bool buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < sizeof(tmp) && buf_append(b, tmp, (size_t)n);
}

/*
 * Read what is there into b, waiting up to deadline_ms (monotonic) in short slices so a stop is
 * noticed. Returns bytes read, 0 at EOF, -1 on error, timeout or stop.
 */
static ssize_t read_some(fault_proxy *p, int fd, buf *b, double deadline_ms)
{
    for (;;) {
        if (stopping(p) || mono_ms() > deadline_ms)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, SLICE_MS);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        char chunk[16384];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0 && !buf_append(b, chunk, (size_t)n))
            return -1;
        return n;
    }
}

static bool send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Close with an RST instead of a FIN: what a crashed peer or a middlebox looks like. */
static void reset_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

/* The end of the header block (index of the body), or 0 when it has not arrived yet. */
static size_t header_end(const buf *b)
{
    const char *e = b->data ? strstr(b->data, "\r\n\r\n") : NULL;
    return e ? (size_t)(e - b->data) + 4 : 0;
}

/* Copy header `name`'s value from a header block (first match, trimmed) into out. */
static bool find_header(const char *block, size_t block_len, const char *name, char *out,
                        size_t cap)
{
    size_t name_len = strlen(name);
    const char *line = block, *end = block + block_len;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            eol = end;
        if ((size_t)(eol - line) > name_len && line[name_len] == ':' &&
            strncasecmp(line, name, name_len) == 0) {
            const char *v = line + name_len + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            size_t n = (size_t)(ve - v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        line = eol + 1;
    }
    return false;
}

/* Read one whole request (headers and Content-Length body). false on EOF, error or stop. */
static bool read_request(fault_proxy *p, int fd, buf *req, size_t *body_at)
{
    double deadline = mono_ms() + UPSTREAM_TIMEOUT_MS;
    size_t hend;
    while ((hend = header_end(req)) == 0) {
        if (req->len > MAX_HEADER_BYTES || read_some(p, fd, req, deadline) <= 0)
            return false;
    }
    char cl[32] = "0";
    find_header(req->data, hend, "Content-Length", cl, sizeof(cl));
    size_t body_len = (size_t)strtoull(cl, NULL, 10);
    if (body_len > MAX_BODY_BYTES)
        return false;
    while (req->len < hend + body_len)
        if (read_some(p, fd, req, deadline) <= 0)
            return false;
    *body_at = hend;
    return true;
}

static int connect_upstream(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/*
 * Send the request to DynamoDB Local with "Connection: close" (so it closes after answering and
 * the answer carries the same header back to the client) and read the whole answer until EOF.
 */
static bool forward(fault_proxy *p, const buf *req, size_t body_at, buf *resp)
{
    buf out = {0};
    bool ok = false;
    const char *line = req->data, *end = req->data + body_at - 2; /* up to the blank line */
    bool first = true;
    while (line < end) {
        const char *eol = strstr(line, "\r\n");
        if (!eol || eol > end)
            break;
        size_t n = (size_t)(eol - line);
        if (first || !(n >= 11 && strncasecmp(line, "Connection:", 11) == 0)) {
            if (!buf_append(&out, line, n) || !buf_append(&out, "\r\n", 2))
                goto done;
        }
        if (first && !buf_append(&out, "Connection: close\r\n", 19))
            goto done;
        first = false;
        line = eol + 2;
    }
    if (!buf_append(&out, "\r\n", 2) || !buf_append(&out, req->data + body_at, req->len - body_at))
        goto done;
    int fd = connect_upstream(p->upstream_port);
    if (fd < 0)
        goto done;
    if (send_all(fd, out.data, out.len)) {
        double deadline = mono_ms() + UPSTREAM_TIMEOUT_MS;
        ssize_t n;
        while ((n = read_some(p, fd, resp, deadline)) > 0)
            if (resp->len > MAX_BODY_BYTES)
                break;
        ok = n == 0 && header_end(resp) > 0;
    }
    close(fd);
done:
    free(out.data);
    return ok;
}

/* An answer the proxy makes up, shaped like DynamoDB's (JSON 1.0 error, request id, CRC32). */
static void send_error(int fd, int status, const char *reason, const char *type,
                       const char *message, const char *retry_after, size_t n)
{
    char body[512];
    int blen = snprintf(body, sizeof(body),
                        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\",\"message\":\"%s\"}",
                        type, message);
    buf out = {0};
    bool ok =
        buf_printf(&out, "HTTP/1.1 %d %s\r\n", status, reason) &&
        buf_printf(&out, "x-amzn-RequestId: FAULTPROXY%04zuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
                   n) &&
        buf_printf(&out, "Content-Type: application/x-amz-json-1.0\r\n") &&
        buf_printf(&out, "x-amz-crc32: %u\r\n",
                   (unsigned)ddb_checksum__crc32(body, (size_t)blen)) &&
        (!retry_after || buf_printf(&out, "x-amz-retry-after: %s\r\n", retry_after)) &&
        buf_printf(&out, "Content-Length: %d\r\nConnection: close\r\n\r\n", blen) &&
        buf_append(&out, body, (size_t)blen);
    if (ok)
        send_all(fd, out.data, out.len);
    free(out.data);
}

/* Hold the connection without answering until the client gives up (or a stop, or the limit). */
static void stall(fault_proxy *p, int fd)
{
    buf sink = {0};
    double deadline = mono_ms() + STALL_LIMIT_MS;
    while (read_some(p, fd, &sink, deadline) > 0)
        sink.len = 0;
    free(sink.data);
}

/* The answer with its X-Amz-Crc32 changed (or added, wrong, when it had none). */
static bool corrupt_crc(const buf *resp, const char *value, buf *out)
{
    size_t hend = header_end(resp);
    const char *body = resp->data + hend;
    size_t body_len = resp->len - hend;
    uint32_t wrong = ddb_checksum__crc32(body, body_len) ^ 0x5a5a5a5aU;
    const char *line = resp->data, *end = resp->data + hend - 2;
    bool first = true;
    while (line < end) {
        const char *eol = strstr(line, "\r\n");
        if (!eol || eol > end)
            break;
        size_t n = (size_t)(eol - line);
        if (!(n >= 12 && strncasecmp(line, "x-amz-crc32:", 12) == 0))
            if (!buf_append(out, line, n) || !buf_append(out, "\r\n", 2))
                return false;
        if (first && value && !buf_printf(out, "x-amz-crc32: %s\r\n", value))
            return false;
        if (first && !value && !buf_printf(out, "x-amz-crc32: %u\r\n", (unsigned)wrong))
            return false;
        first = false;
        line = eol + 2;
    }
    return buf_append(out, "\r\n", 2) && buf_append(out, body, body_len);
}

static fault_step step_for(fault_proxy *p, size_t i)
{
    return i < p->n_steps ? p->steps[i] : p->then;
}

/* Record the request and pick its step. Returns the index it was recorded at. */
static size_t admit(fault_proxy *p, const buf *req, size_t body_at, fault_step *step)
{
    fault_request r = {.at_ms = mono_ms()};
    char v[128];
    if (find_header(req->data, body_at, "X-Amz-Target", v, sizeof(v))) {
        const char *dot = strrchr(v, '.');
        snprintf(r.operation, sizeof(r.operation), "%.47s", dot ? dot + 1 : v);
    }
    if (find_header(req->data, body_at, "amz-sdk-request", v, sizeof(v))) {
        const char *a = strstr(v, "attempt=");
        r.attempt = a ? atoi(a + 8) : 0;
    }
    find_header(req->data, body_at, "amz-sdk-invocation-id", r.invocation_id,
                sizeof(r.invocation_id));
    pthread_mutex_lock(&p->lock);
    size_t i = p->n_seen;
    *step = step_for(p, i);
    r.action = step->action;
    if (p->n_seen == p->cap_seen) {
        size_t cap = p->cap_seen ? p->cap_seen * 2 : 64;
        fault_request *grown = realloc(p->seen, cap * sizeof(*grown));
        buf *grown_raw = grown ? realloc(p->seen_raw, cap * sizeof(*grown_raw)) : NULL;
        if (!grown || !grown_raw) {
            pthread_mutex_unlock(&p->lock);
            die("out of memory");
        }
        p->seen = grown;
        p->seen_raw = grown_raw;
        p->cap_seen = cap;
    }
    buf raw = {0};
    if (!buf_append(&raw, req->data, req->len)) {
        pthread_mutex_unlock(&p->lock);
        die("out of memory");
    }
    p->seen_raw[p->n_seen] = raw;
    p->seen[p->n_seen++] = r;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return i;
}

static void mark_forwarded(fault_proxy *p, size_t i)
{
    pthread_mutex_lock(&p->lock);
    if (i < p->n_seen)
        p->seen[i].forwarded = true;
    pthread_mutex_unlock(&p->lock);
}

static void *serve(void *arg)
{
    conn *cn = arg;
    fault_proxy *p = cn->proxy;
    int fd = cn->fd;
    buf req = {0}, resp = {0}, out = {0};
    size_t body_at = 0;
    bool closed = false;
    if (!read_request(p, fd, &req, &body_at))
        goto done;
    fault_step step;
    size_t i = admit(p, &req, body_at, &step);

    switch (step.action) {
    case FAULT_THROTTLE:
        send_error(fd, 400, "Bad Request", "ThrottlingException",
                   "Rate of requests exceeds the allowed throughput.", step.retry_after, i);
        goto done;
    case FAULT_HTTP_500:
        send_error(fd, 500, "Internal Server Error", "InternalServerError", "Internal server error",
                   step.retry_after, i);
        goto done;
    case FAULT_HTTP_503:
        send_error(fd, 503, "Service Unavailable", "ServiceUnavailable", "Service unavailable",
                   step.retry_after, i);
        goto done;
    case FAULT_ERROR:
        send_error(fd, step.status ? step.status : 400, "Error",
                   step.error_type ? step.error_type : "UnknownError", "Injected by fault_proxy",
                   step.retry_after, i);
        goto done;
    case FAULT_RESET_BEFORE:
        reset_close(fd);
        closed = true;
        goto done;
    case FAULT_STALL:
        stall(p, fd);
        goto done;
    case FAULT_HOLD:
        pthread_mutex_lock(&p->lock);
        while (!p->released && !p->stopping)
            pthread_cond_wait(&p->changed, &p->lock);
        pthread_mutex_unlock(&p->lock);
        break;
    case FAULT_DELAY: {
        double until = mono_ms() + (double)step.delay_ms;
        while (mono_ms() < until && !stopping(p))
            usleep(SLICE_MS * 1000 / 5);
        break;
    }
    default:
        break;
    }

    /* Everything below reaches DynamoDB Local first. */
    if (!forward(p, &req, body_at, &resp)) {
        /* Upstream is gone: say so the way a load balancer would. */
        send_error(fd, 502, "Bad Gateway", "InternalFailure", "fault_proxy: upstream failed", NULL,
                   i);
        goto done;
    }
    mark_forwarded(p, i);
    if (step.action == FAULT_REPLAY) {
        /* A real earlier answer, sent again: a server that repeats itself. */
        pthread_mutex_lock(&p->lock);
        if (p->last_response)
            send_all(fd, p->last_response, p->last_response_len);
        pthread_mutex_unlock(&p->lock);
        goto done;
    }
    pthread_mutex_lock(&p->lock);
    char *copy = malloc(resp.len ? resp.len : 1);
    if (copy) {
        memcpy(copy, resp.data, resp.len);
        free(p->last_response);
        p->last_response = copy;
        p->last_response_len = resp.len;
    }
    pthread_mutex_unlock(&p->lock);
    switch (step.action) {
    case FAULT_RESET_AFTER:
        reset_close(fd);
        closed = true;
        break;
    case FAULT_STALL_AFTER:
        stall(p, fd);
        break;
    case FAULT_TRUNCATE: {
        size_t hend = header_end(&resp);
        size_t keep = hend + (resp.len - hend) / 2;
        send_all(fd, resp.data, keep);
        break;
    }
    case FAULT_CORRUPT_CRC:
        if (corrupt_crc(&resp, step.crc32_value, &out))
            send_all(fd, out.data, out.len);
        break;
    default:
        send_all(fd, resp.data, resp.len);
        break;
    }
done:
    if (!closed) {
        shutdown(fd, SHUT_WR);
        /* Drain briefly so the close is a FIN, not an RST over unread bytes. */
        buf sink = {0};
        read_some(p, fd, &sink, mono_ms() + 200);
        free(sink.data);
        close(fd);
    }
    free(req.data);
    free(resp.data);
    free(out.data);
    pthread_mutex_lock(&p->lock);
    cn->done = true;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Join the connection threads that have finished, so a long test does not pile them up. */
static void reap(fault_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    size_t kept = 0;
    for (size_t i = 0; i < p->n_conns; i++) {
        if (p->conns[i]->done) {
            pthread_join(p->conns[i]->thread, NULL);
            free(p->conns[i]);
        } else {
            p->conns[kept++] = p->conns[i];
        }
    }
    p->n_conns = kept;
    pthread_mutex_unlock(&p->lock);
}

static void *accept_loop(void *arg)
{
    fault_proxy *p = arg;
    double last_activity = mono_ms();
    while (!stopping(p)) {
        reap(p);
        if (mono_ms() - last_activity > FAULT_PROXY_IDLE_LIMIT_MS) {
            fprintf(stderr, "fault_proxy: no connection for %d ms; no longer accepting\n",
                    FAULT_PROXY_IDLE_LIMIT_MS);
            shutdown(p->listen_fd, SHUT_RDWR); /* later connects are refused, not left hanging */
            break;
        }
        struct pollfd pfd = {.fd = p->listen_fd, .events = POLLIN};
        if (poll(&pfd, 1, SLICE_MS) <= 0)
            continue;
        int fd = accept(p->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        last_activity = mono_ms();
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn *cn = calloc(1, sizeof(*cn));
        pthread_mutex_lock(&p->lock);
        bool room = cn && p->n_conns < MAX_CONNECTIONS;
        if (room) {
            cn->fd = fd;
            cn->proxy = p;
            room = pthread_create(&cn->thread, NULL, serve, cn) == 0;
            if (room)
                p->conns[p->n_conns++] = cn;
        }
        pthread_mutex_unlock(&p->lock);
        if (!room) {
            fprintf(stderr, "fault_proxy: connection refused (limit %d or no memory)\n",
                    MAX_CONNECTIONS);
            free(cn);
            reset_close(fd);
        }
    }
    return NULL;
}

/* ---- public ---------------------------------------------------------------------------------- */

static int loopback_port(const char *upstream)
{
    const char *hosts[] = {"http://127.0.0.1:", "http://localhost:"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(hosts[i]);
        if (strncmp(upstream, hosts[i], n) == 0) {
            char *end = NULL;
            long port = strtol(upstream + n, &end, 10);
            if (end && (*end == '\0' || strcmp(end, "/") == 0) && port > 0 && port < 65536)
                return (int)port;
        }
    }
    return -1;
}

fault_proxy *fault_proxy_start(const char *upstream)
{
    int port = loopback_port(upstream);
    if (port < 0) {
        fprintf(stderr,
                "fault_proxy: upstream \"%s\" is not http://127.0.0.1:<port> or "
                "http://localhost:<port>; the proxy only works on loopback\n",
                upstream);
        exit(1);
    }
    fault_proxy *p = calloc(1, sizeof(*p));
    if (!p || !(p->conns = calloc(MAX_CONNECTIONS, sizeof(*p->conns))))
        die("out of memory");
    p->upstream_port = port;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(addr);
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(p->listen_fd, 64) != 0 ||
        getsockname(p->listen_fd, (struct sockaddr *)&addr, &alen) != 0)
        die("listen on 127.0.0.1");
    snprintf(p->endpoint, sizeof(p->endpoint), "http://127.0.0.1:%d", ntohs(addr.sin_port));
    if (pthread_create(&p->accept_thread, NULL, accept_loop, p) != 0)
        die("accept thread");
    return p;
}

const char *fault_proxy_endpoint(const fault_proxy *p)
{
    return p->endpoint;
}

void fault_proxy_script(fault_proxy *p, const fault_step *steps, size_t n, fault_step then)
{
    fault_step *copy = n ? calloc(n, sizeof(*copy)) : NULL;
    if (n && !copy)
        die("out of memory");
    if (n)
        memcpy(copy, steps, n * sizeof(*copy));
    pthread_mutex_lock(&p->lock);
    free(p->steps);
    p->steps = copy;
    p->n_steps = n;
    p->then = then;
    for (size_t i = 0; i < p->n_seen; i++)
        free(p->seen_raw[i].data);
    p->n_seen = 0;
    p->released = false;
    pthread_mutex_unlock(&p->lock);
}

bool fault_proxy_wait_requests(fault_proxy *p, size_t n, long timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    int rc = 0;
    while (p->n_seen < n && rc == 0)
        rc = pthread_cond_timedwait(&p->changed, &p->lock, &until);
    bool ok = p->n_seen >= n;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void fault_proxy_release(fault_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    p->released = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

size_t fault_proxy_requests(fault_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->n_seen;
    pthread_mutex_unlock(&p->lock);
    return n;
}

size_t fault_proxy_forwarded(fault_proxy *p)
{
    size_t n = 0;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->n_seen; i++)
        n += p->seen[i].forwarded;
    pthread_mutex_unlock(&p->lock);
    return n;
}

bool fault_proxy_request(fault_proxy *p, size_t i, fault_request *out)
{
    pthread_mutex_lock(&p->lock);
    bool ok = i < p->n_seen;
    if (ok)
        *out = p->seen[i];
    pthread_mutex_unlock(&p->lock);
    return ok;
}

char *fault_proxy_request_raw(fault_proxy *p, size_t i, size_t *len)
{
    char *copy = NULL;
    pthread_mutex_lock(&p->lock);
    if (i < p->n_seen && (copy = malloc(p->seen_raw[i].len + 1)) != NULL) {
        memcpy(copy, p->seen_raw[i].data, p->seen_raw[i].len);
        copy[p->seen_raw[i].len] = '\0';
        *len = p->seen_raw[i].len;
    }
    pthread_mutex_unlock(&p->lock);
    return copy;
}

void fault_proxy_stop(fault_proxy *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->accept_thread, NULL);
    /* No more connections can be added now; each thread notices the stop within a slice. */
    for (size_t i = 0; i < p->n_conns; i++) {
        pthread_join(p->conns[i]->thread, NULL);
        free(p->conns[i]);
    }
    close(p->listen_fd);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p->conns);
    free(p->steps);
    for (size_t i = 0; i < p->n_seen; i++)
        free(p->seen_raw[i].data);
    free(p->seen);
    free(p->seen_raw);
    free(p->last_response);
    free(p);
}
