#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/error_internal.h"
#include "wire/http.h"

/* ---- request headers ------------------------------------------------------------------------ */

size_t ddb_http__value_bad_at(const char *value, size_t len, bool allow_htab)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)value[i];
        if ((b < 0x20 && !(b == '\t' && allow_htab)) || b == 0x7f)
            return i;
    }
    return len;
}

const char *ddb_http__byte_name(unsigned char b, char *buf, size_t cap)
{
    const char *name = b == '\r'   ? "CR"
                       : b == '\n' ? "LF"
                       : b == 0    ? "NUL"
                       : b == '\t' ? "HTAB"
                       : b == 0x7f ? "DEL"
                                   : NULL;
    if (name)
        snprintf(buf, cap, "%s (0x%02x)", name, b);
    else
        snprintf(buf, cap, "control character 0x%02x", b);
    return buf;
}

int ddb_http__check_value(const char *value, size_t len, bool allow_htab, const char *source,
                          int code, ddb_error *err)
{
    size_t at = ddb_http__value_bad_at(value, len, allow_htab);
    if (at == len)
        return 0;
    char kind[40];
    return ddb_error__set(err, code, "%s holds %s at byte %zu; it cannot go in an HTTP header",
                          source, ddb_http__byte_name((unsigned char)value[at], kind, sizeof(kind)),
                          at);
}

int ddb_http__headers_add(ddb_http__headers *h, const char *name, const char *value,
                          const char *source, ddb_error *err)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    int rc = ddb_http__check_value(value, value_len, true, source, DDB_ERR_INVALID_ARG, err);
    if (rc)
        return rc;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        char **grown = realloc(h->lines, cap * sizeof(*grown));
        if (!grown)
            return ddb_error__nomem(err, "request headers");
        h->lines = grown;
        h->cap = cap;
    }
    size_t size = name_len + 2 + value_len + 1;
    char *line = malloc(size);
    if (!line)
        return ddb_error__nomem(err, "request headers");
    snprintf(line, size, "%s: %s", name, value);
    h->lines[h->n++] = line;
    h->bytes += name_len + 2 + value_len + 2;
    return 0;
}

const char *const *ddb_http__headers_lines(const ddb_http__headers *h)
{
    return (const char *const *)h->lines;
}

void ddb_http__headers_clear(ddb_http__headers *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++) {
        OPENSSL_cleanse(h->lines[i], strlen(h->lines[i]));
        free(h->lines[i]);
    }
    free(h->lines);
    *h = (ddb_http__headers)DDB_HTTP__HEADERS_INIT;
}

bool ddb_http__parse_crc32(const char *text, uint32_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    if (v > 0xffffffffULL)
        return false;
    *out = (uint32_t)v;
    return true;
}

/*
 * Idle easy handles, each with its live connection; a call borrows one and gives it back. Idle
 * multi handles, each with its connection cache, for ddb_http__multi. Every handle uses `share`,
 * so all of them resolve a host once and resume TLS sessions. Connections themselves are not put
 * in the share: libcurl does not support one connection cache used by concurrent threads.
 */
struct ddb_http__pool {
    pthread_mutex_t lock;
    CURL **idle;
    size_t n_idle, cap_idle;
    ddb_http__multi *idle_multi[8];
    size_t n_idle_multi;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    bool share_locks_ready;
    long connect_timeout_ms;
    long request_timeout_ms;
};

/* At most this many idle handles are kept; more concurrent callers get fresh ones. */
#define MAX_IDLE_HANDLES 64
#define MAX_IDLE_MULTI (sizeof(((ddb_http__pool *)0)->idle_multi) / sizeof(ddb_http__multi *))

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userptr)
{
    (void)h;
    (void)access;
    ddb_http__pool *p = userptr;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&p->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userptr)
{
    (void)h;
    ddb_http__pool *p = userptr;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&p->share_locks[data]);
}

static int new_share(ddb_http__pool *p, ddb_error *err)
{
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&p->share_locks[i], NULL);
    p->share_locks_ready = true;
    p->share = curl_share_init();
    if (!p->share)
        return ddb_error__nomem(err, "curl share");
    CURLSHcode sc = curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, share_lock);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(p->share, CURLSHOPT_USERDATA, p);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    if (sc == CURLSHE_OK)
        sc = curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (sc != CURLSHE_OK)
        return ddb_error__set(err, DDB_ERR_NETWORK, "curl share setup failed: %s",
                              curl_share_strerror(sc));
    return 0;
}

int ddb_http__pool_new(ddb_http__pool **out, long connect_timeout_ms, long request_timeout_ms,
                       ddb_error *err)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return ddb_error__set(err, DDB_ERR_NETWORK, "curl_global_init failed: %s",
                              curl_easy_strerror(curl_init_result));
    ddb_http__pool *p = calloc(1, sizeof(*p));
    if (!p)
        return ddb_error__nomem(err, "HTTP pool");
    pthread_mutex_init(&p->lock, NULL);
    p->connect_timeout_ms = connect_timeout_ms;
    p->request_timeout_ms = request_timeout_ms;
    int rc = new_share(p, err);
    if (rc) {
        ddb_http__pool_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static void multi_destroy(ddb_http__multi *m);

void ddb_http__pool_free(ddb_http__pool *p)
{
    if (!p)
        return;
    /* Every handle that uses the share goes first: curl refuses to free a share in use. */
    for (size_t i = 0; i < p->n_idle; i++)
        curl_easy_cleanup(p->idle[i]);
    for (size_t i = 0; i < p->n_idle_multi; i++)
        multi_destroy(p->idle_multi[i]);
    free(p->idle);
    if (p->share)
        curl_share_cleanup(p->share);
    if (p->share_locks_ready)
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
            pthread_mutex_destroy(&p->share_locks[i]);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* A new easy handle with the pool's settings. */
static CURL *new_easy(ddb_http__pool *p)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, p->request_timeout_ms);
    /* TLS verification stays on: these are libcurl's defaults, set explicitly so nobody wonders. */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SHARE, p->share);
    return h;
}

static CURL *borrow(ddb_http__pool *p)
{
    CURL *h = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n_idle > 0)
        h = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->lock);
    return h ? h : new_easy(p);
}

static void give_back(ddb_http__pool *p, CURL *h, bool healthy)
{
    if (healthy) {
        pthread_mutex_lock(&p->lock);
        if (p->n_idle < MAX_IDLE_HANDLES) {
            if (p->n_idle == p->cap_idle) {
                size_t cap = p->cap_idle ? p->cap_idle * 2 : 8;
                CURL **grown = realloc(p->idle, cap * sizeof(*grown));
                if (grown) {
                    p->idle = grown;
                    p->cap_idle = cap;
                }
            }
            if (p->n_idle < p->cap_idle) {
                p->idle[p->n_idle++] = h;
                h = NULL;
            }
        }
        pthread_mutex_unlock(&p->lock);
    }
    if (h)
        curl_easy_cleanup(h);
}

typedef struct sink {
    char *data;
    size_t len, cap;
    bool overflow;
} sink;

static bool sink_append(sink *s, const char *data, size_t n, size_t limit)
{
    if (s->len + n + 1 > limit) {
        s->overflow = true;
        return false;
    }
    if (!s->data || s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = realloc(s->data, cap);
        if (!grown)
            return false;
        s->data = grown;
        s->cap = cap;
    }
    if (n > 0)
        memcpy(s->data + s->len, data, n);
    s->len += n;
    s->data[s->len] = '\0';
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    return sink_append(userdata, data, n, DDB_HTTP_MAX_BODY) ? n : 0;
}

/*
 * One POST on one easy handle: what the callbacks write into, and the header list. The same code
 * serves ddb_http__post (curl_easy_perform) and ddb_http__multi (curl_multi).
 */
typedef struct xfer {
    CURL *easy;
    struct curl_slist *headers;
    sink body;
    sink raw;
    bool want_raw;
    size_t body_len;     /* the request's */
    size_t header_bytes; /* the caller's header lines with their CRLFs: a floor for the head */
    ddb_http__response resp;
    /* ddb_http__multi only */
    void *tag;
    ddb_error *err;
    bool busy;
} xfer;

/* Copy a header's value (trimmed) if the line is "name: value". */
static bool header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t name_len = strlen(name);
    if (n <= name_len || line[name_len] != ':' || strncasecmp(line, name, name_len) != 0)
        return false;
    const char *v = line + name_len + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - v);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, v, len);
    out[len] = '\0';
    /* A NUL or control byte inside would cut the value short or break an error message's line:
     * make it a '?' (which no value we parse accepts). */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    return true;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    xfer *x = userdata;
    ddb_http__response *r = &x->resp;
    /* A new status line starts a new response (after 100-continue or a redirect). */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        r->request_id[0] = r->error_type[0] = r->retry_after[0] = '\0';
        r->has_crc32 = r->crc32_unreadable = false;
        r->crc32_text[0] = '\0';
        x->raw.len = 0;
    }
    char crc[64];
    if (header_value(line, n, "x-amz-crc32", crc, sizeof(crc))) {
        /* Anything but a plain number is a checksum failure, never a reason to skip the check. */
        r->has_crc32 = ddb_http__parse_crc32(crc, &r->crc32);
        r->crc32_unreadable = !r->has_crc32;
        snprintf(r->crc32_text, sizeof(r->crc32_text), "%.23s", crc);
        for (char *c = r->crc32_text; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    } else if (!header_value(line, n, "x-amzn-requestid", r->request_id, sizeof(r->request_id)) &&
               !header_value(line, n, "x-amzn-errortype", r->error_type, sizeof(r->error_type))) {
        header_value(line, n, "x-amz-retry-after", r->retry_after, sizeof(r->retry_after));
    }
    if (x->want_raw)
        sink_append(&x->raw, line, n, (size_t)64 * 1024);
    return n;
}

/* Release what one transfer holds, keeping the easy handle, which no longer points at it. */
static void xfer_reset(xfer *x)
{
    if (x->easy) {
        curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, NULL);
        curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, NULL);
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, NULL);
    }
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    free(x->body.data);
    free(x->raw.data);
    x->body = (sink){0};
    x->raw = (sink){0};
    memset(&x->resp, 0, sizeof(x->resp));
    x->tag = NULL;
    x->err = NULL;
    x->busy = false;
}

/* Point the easy handle at this POST. body is borrowed until the transfer ends. */
static int xfer_prepare(xfer *x, const char *url, const char *const *headers, size_t n_headers,
                        const char *body, size_t body_len, bool want_raw, ddb_error *err)
{
    x->want_raw = want_raw;
    x->body_len = body_len;
    x->header_bytes = 0;
    for (size_t i = 0; i < n_headers; i++)
        x->header_bytes += strlen(headers[i]) + 2;
    for (size_t i = 0; i < n_headers; i++) {
        struct curl_slist *next = curl_slist_append(x->headers, headers[i]);
        if (!next)
            return ddb_error__nomem(err, "request headers");
        x->headers = next;
    }
    /* No "Expect: 100-continue" round trip, and an exact byte count for the CRC32. */
    struct curl_slist *next = curl_slist_append(x->headers, "Expect:");
    if (!next)
        return ddb_error__nomem(err, "request headers");
    x->headers = next;

    CURL *h = x->easy;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    return 0;
}

/* Turn a finished transfer into a response (moved to *resp) or a network error. */
static int xfer_finish(xfer *x, CURLcode cc, const char *url, ddb_http__response *resp,
                       ddb_error *err)
{
    if (cc != CURLE_OK) {
        int rc;
        if (cc == CURLE_WRITE_ERROR && x->body.overflow) {
            rc = ddb_error__set(err, DDB_ERR_PROTOCOL, "response body exceeds %zu bytes",
                                DDB_HTTP_MAX_BODY);
        } else {
            int code = cc == CURLE_OPERATION_TIMEDOUT ? DDB_ERR_TIMEOUT : DDB_ERR_NETWORK;
            rc = ddb_error__set(err, code, "%s: %s", url ? url : "(request)",
                                curl_easy_strerror(cc));
        }
        if (err)
            err->retryable = rc == DDB_ERR_NETWORK || rc == DDB_ERR_TIMEOUT;
        return rc;
    }
    if (!x->body.data && !sink_append(&x->body, "", 0, DDB_HTTP_MAX_BODY))
        return ddb_error__nomem(err, "response body");
    ddb_http__response r = x->resp;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
    /* libcurl counts a small body in the request size when it went out in one buffer with the
     * headers, and not a large one. The head is never smaller than our own lines, and curl adds
     * only a few short ones, so which case this was is plain from the numbers. */
    long sent = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0) {
        size_t total = (size_t)sent;
        r.request_head_bytes = total >= x->body_len + x->header_bytes ? total - x->body_len : total;
    }
    r.body = x->body.data;
    r.body_len = x->body.len;
    x->body = (sink){0};
    if (x->want_raw) {
        r.raw_headers = x->raw.data;
        r.raw_headers_len = x->raw.len;
        x->raw = (sink){0};
    }
    *resp = r;
    return 0;
}

int ddb_http__post(ddb_http__pool *p, const char *url, const char *const *headers, size_t n_headers,
                   const char *body, size_t body_len, bool want_raw_headers,
                   ddb_http__response *resp, ddb_error *err)
{
    xfer x = {.easy = borrow(p)};
    bool healthy = false;
    if (!x.easy)
        return ddb_error__nomem(err, "curl handle");
    int rc = xfer_prepare(&x, url, headers, n_headers, body, body_len, want_raw_headers, err);
    if (rc == 0) {
        CURLcode cc = curl_easy_perform(x.easy);
        healthy = cc == CURLE_OK;
        rc = xfer_finish(&x, cc, url, resp, err);
    }
    /* The handle outlives this call: drop pointers to x before it goes back. */
    xfer_reset(&x);
    give_back(p, x.easy, healthy);
    return rc;
}

void ddb_http__response_clear(ddb_http__response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->raw_headers);
    memset(resp, 0, sizeof(*resp));
}

/* ---- Many transfers from one thread ---------------------------------------------------------- */

struct ddb_http__multi {
    ddb_http__pool *pool;
    CURLM *multi;
    /* Created on demand, each with an easy handle used only with this multi handle. Fixed, so
     * that the handles' CURLOPT_PRIVATE pointers stay valid. */
    xfer *slots[DDB_HTTP_MULTI_MAX];
    size_t n_slots;
    size_t in_flight;
    bool broken; /* a curl_multi call failed: do not reuse */
};

static void multi_destroy(ddb_http__multi *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_slots; i++) {
        xfer *x = m->slots[i];
        if (x->busy)
            curl_multi_remove_handle(m->multi, x->easy);
        xfer_reset(x);
        curl_easy_cleanup(x->easy);
        free(x);
    }
    if (m->multi)
        curl_multi_cleanup(m->multi);
    free(m);
}

int ddb_http__multi_new(ddb_http__multi **out, ddb_http__pool *p, size_t max_in_flight,
                        ddb_error *err)
{
    if (max_in_flight < 1 || max_in_flight > DDB_HTTP_MULTI_MAX)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "max_in_flight %zu is not within 1..%d",
                              max_in_flight, DDB_HTTP_MULTI_MAX);
    ddb_http__multi *m = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n_idle_multi > 0)
        m = p->idle_multi[--p->n_idle_multi];
    pthread_mutex_unlock(&p->lock);
    if (!m) {
        m = calloc(1, sizeof(*m));
        if (!m)
            return ddb_error__nomem(err, "curl multi");
        m->pool = p;
        m->multi = curl_multi_init();
        if (!m->multi) {
            free(m);
            return ddb_error__nomem(err, "curl multi");
        }
    }
    /* Keep as many idle connections as there may be transfers, for the next batch. */
    curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)max_in_flight);
    curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_in_flight);
    *out = m;
    return 0;
}

void ddb_http__multi_free(ddb_http__multi *m)
{
    if (!m)
        return;
    ddb_http__multi_cancel_all(m);
    ddb_http__pool *p = m->pool;
    if (!m->broken) {
        pthread_mutex_lock(&p->lock);
        if (p->n_idle_multi < MAX_IDLE_MULTI) {
            p->idle_multi[p->n_idle_multi++] = m;
            m = NULL;
        }
        pthread_mutex_unlock(&p->lock);
    }
    multi_destroy(m);
}

static xfer *free_slot(ddb_http__multi *m, ddb_error *err)
{
    for (size_t i = 0; i < m->n_slots; i++)
        if (!m->slots[i]->busy)
            return m->slots[i];
    if (m->n_slots == DDB_HTTP_MULTI_MAX) {
        ddb_error__set(err, DDB_ERR_INVALID_ARG, "more than %d transfers in flight",
                       DDB_HTTP_MULTI_MAX);
        return NULL;
    }
    xfer *x = calloc(1, sizeof(*x));
    if (x)
        x->easy = new_easy(m->pool);
    if (!x || !x->easy) {
        free(x);
        ddb_error__nomem(err, "curl handle");
        return NULL;
    }
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    m->slots[m->n_slots++] = x;
    return x;
}

int ddb_http__multi_start(ddb_http__multi *m, void *tag, ddb_error *xfer_err, const char *url,
                          const char *const *headers, size_t n_headers, const char *body,
                          size_t body_len, bool want_raw_headers, ddb_error *err)
{
    xfer *x = free_slot(m, err);
    if (!x)
        return err ? err->code : DDB_ERR_NOMEM;
    int rc = xfer_prepare(x, url, headers, n_headers, body, body_len, want_raw_headers, err);
    if (rc) {
        xfer_reset(x);
        return rc;
    }
    CURLMcode mc = curl_multi_add_handle(m->multi, x->easy);
    if (mc != CURLM_OK) {
        xfer_reset(x);
        return ddb_error__set(err, mc == CURLM_OUT_OF_MEMORY ? DDB_ERR_NOMEM : DDB_ERR_NETWORK,
                              "curl_multi_add_handle: %s", curl_multi_strerror(mc));
    }
    x->tag = tag;
    x->err = xfer_err;
    x->busy = true;
    m->in_flight++;
    return 0;
}

size_t ddb_http__multi_in_flight(const ddb_http__multi *m)
{
    return m ? m->in_flight : 0;
}

void ddb_http__multi_cancel_all(ddb_http__multi *m)
{
    for (size_t i = 0; i < m->n_slots; i++) {
        xfer *x = m->slots[i];
        if (x->busy) {
            curl_multi_remove_handle(m->multi, x->easy);
            xfer_reset(x);
            /* Its connection was closed mid-request; the easy handle itself is fine. */
        }
    }
    m->in_flight = 0;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Report one completed transfer, if curl has one queued. */
static bool take_done(ddb_http__multi *m, void **tag, int *xfer_rc, ddb_http__response *resp)
{
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode cc = msg->data.result; /* msg is invalid after remove_handle */
        char *priv = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        xfer *x = (xfer *)(void *)priv;
        if (!x || !x->busy)
            continue;
        curl_multi_remove_handle(m->multi, easy);
        const char *url = NULL;
        curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
        *resp = (ddb_http__response){0};
        *xfer_rc = xfer_finish(x, cc, url, resp, x->err);
        *tag = x->tag;
        xfer_reset(x);
        m->in_flight--;
        return true;
    }
    return false;
}

int ddb_http__multi_next(ddb_http__multi *m, long timeout_ms, void **tag, int *xfer_rc,
                         ddb_http__response *resp, ddb_error *err)
{
    double deadline = mono_ms() + (double)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (take_done(m, tag, xfer_rc, resp))
            return 1;
        if (m->in_flight == 0)
            return 0;
        int running = 0;
        CURLMcode mc = curl_multi_perform(m->multi, &running);
        if (mc == CURLM_OK && take_done(m, tag, xfer_rc, resp))
            return 1;
        double left = deadline - mono_ms();
        if (mc == CURLM_OK && left <= 0)
            return 0;
        if (mc == CURLM_OK)
            mc = curl_multi_poll(m->multi, NULL, 0, left > 1 ? (int)left : 1, NULL);
        if (mc != CURLM_OK) {
            m->broken = true;
            return ddb_error__set(err, mc == CURLM_OUT_OF_MEMORY ? DDB_ERR_NOMEM : DDB_ERR_NETWORK,
                                  "curl multi: %s", curl_multi_strerror(mc));
        }
    }
}
