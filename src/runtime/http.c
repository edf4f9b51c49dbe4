#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "http.h"

/* Idle handles, each with its live connection; a call borrows one and gives it back. */
struct ddb_http__pool {
    pthread_mutex_t lock;
    CURL **idle;
    size_t n_idle, cap_idle;
    long connect_timeout_ms;
    long request_timeout_ms;
};

/* At most this many idle handles are kept; more concurrent callers get fresh ones. */
#define MAX_IDLE_HANDLES 64

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
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
    *out = p;
    return 0;
}

void ddb_http__pool_free(ddb_http__pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_idle; i++)
        curl_easy_cleanup(p->idle[i]);
    free(p->idle);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static CURL *borrow(ddb_http__pool *p)
{
    CURL *h = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n_idle > 0)
        h = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->lock);
    if (h)
        return h;
    h = curl_easy_init();
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
    return h;
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
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = realloc(s->data, cap);
        if (!grown)
            return false;
        s->data = grown;
        s->cap = cap;
    }
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

typedef struct header_state {
    ddb_http__response *resp;
    sink raw;
    bool want_raw;
} header_state;

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
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t len = (size_t)(end - v);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    header_state *st = userdata;
    ddb_http__response *r = st->resp;
    /* A new status line starts a new response (after 100-continue or a redirect). */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        r->request_id[0] = r->error_type[0] = r->retry_after[0] = '\0';
        r->has_crc32 = false;
        st->raw.len = 0;
    }
    char crc[32];
    if (header_value(line, n, "x-amz-crc32", crc, sizeof(crc))) {
        char *end = NULL;
        unsigned long v = strtoul(crc, &end, 10);
        r->has_crc32 = end && *end == '\0' && end != crc && v <= 0xffffffffUL;
        r->crc32 = (uint32_t)v;
    } else if (!header_value(line, n, "x-amzn-requestid", r->request_id, sizeof(r->request_id)) &&
               !header_value(line, n, "x-amzn-errortype", r->error_type, sizeof(r->error_type))) {
        header_value(line, n, "x-amz-retry-after", r->retry_after, sizeof(r->retry_after));
    }
    if (st->want_raw)
        sink_append(&st->raw, line, n, 64 * 1024);
    return n;
}

int ddb_http__post(ddb_http__pool *p, const char *url, const char *const *headers,
                   size_t n_headers, const char *body, size_t body_len, bool want_raw_headers,
                   ddb_http__response *resp, ddb_error *err)
{
    int rc = 0;
    struct curl_slist *list = NULL;
    sink out = {0};
    ddb_http__response r = {0};
    header_state hs = {.resp = &r, .want_raw = want_raw_headers};
    CURL *h = borrow(p);
    bool healthy = false;
    if (!h)
        return ddb_error__nomem(err, "curl handle");

    for (size_t i = 0; i < n_headers; i++) {
        struct curl_slist *next = curl_slist_append(list, headers[i]);
        if (!next) {
            rc = ddb_error__nomem(err, "request headers");
            goto done;
        }
        list = next;
    }
    /* No "Expect: 100-continue" round trip, and an exact byte count for the CRC32. */
    struct curl_slist *next = curl_slist_append(list, "Expect:");
    if (!next) {
        rc = ddb_error__nomem(err, "request headers");
        goto done;
    }
    list = next;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hs);

    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        int code = cc == CURLE_OPERATION_TIMEDOUT ? DDB_ERR_TIMEOUT : DDB_ERR_NETWORK;
        if (cc == CURLE_WRITE_ERROR && out.overflow)
            rc = ddb_error__set(err, DDB_ERR_PROTOCOL, "response body exceeds %zu bytes",
                                DDB_HTTP_MAX_BODY);
        else
            rc = ddb_error__set(err, code, "%s: %s", url, curl_easy_strerror(cc));
        if (err)
            err->retryable = rc == DDB_ERR_NETWORK || rc == DDB_ERR_TIMEOUT;
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    healthy = true;
    if (!out.data && !sink_append(&out, "", 0, DDB_HTTP_MAX_BODY)) {
        rc = ddb_error__nomem(err, "response body");
        goto done;
    }
    r.body = out.data;
    r.body_len = out.len;
    out.data = NULL;
    if (want_raw_headers) {
        r.raw_headers = hs.raw.data;
        r.raw_headers_len = hs.raw.len;
        hs.raw.data = NULL;
    }
    *resp = r;

done:
    /* The handle outlives this call: drop pointers to our stack before it goes back. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
    give_back(p, h, healthy);
    curl_slist_free_all(list);
    free(out.data);
    free(hs.raw.data);
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
