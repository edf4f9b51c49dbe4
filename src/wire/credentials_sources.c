/*
 * Credential sources that read files, run processes and call endpoints: the profile (static keys,
 * credential_process, role_arn through STS AssumeRole), web identity (STS
 * AssumeRoleWithWebIdentity), the ECS/EKS container endpoint and EC2 instance metadata (IMDSv2).
 *
 * HTTP here is plain libcurl with short timeouts, separate from the DynamoDB call path: these
 * requests carry and return secrets, so they are never traced, and no error message quotes a
 * URL's path, a response body or a header value.
 *
 * STS answers in XML. Rather than add an XML library for four elements, ddb_creds__xml_text does
 * a bounded, literal extraction: the first <Name>text</Name> inside a given parent, with entity
 * decoding; anything it does not understand (CDATA, nested markup, bad entities) is an error.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "wire/credentials_internal.h"
#include "wire/http.h"
#include "wire/sigv4.h"

extern char **environ;

/* ---- small helpers -------------------------------------------------------------------------- */

/* ddb_error__nomem, with the code visible here (the static analyzer cannot see across files). */
static int nomem(ddb_error *err, const char *what)
{
    ddb_error__nomem(err, what);
    return DDB_ERR_NOMEM;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void set_why(char *why, size_t cap, const char *fmt, ...) DDB_PRINTF(3, 4);
static void set_why(char *why, size_t cap, const char *fmt, ...)
{
    if (!why || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool env_true(const char *name)
{
    const char *v = ddb_config__env(name);
    return v && strcasecmp(v, "true") == 0;
}

/* Bounded substring search (memmem is a GNU extension). */
static const char *find(const char *hay, size_t hay_len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > hay_len)
        return NULL;
    for (size_t i = 0; i + n <= hay_len; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/*
 * Read a small file (a token), trimmed of trailing whitespace. Returns 0 or DDB_ERR_CREDENTIALS
 * naming `what` and the path (never the content).
 */
static int read_token_file(char **out, const char *path, const char *what, ddb_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ddb_error__set(err, DDB_ERR_CREDENTIALS, "cannot open %s %s: %s", what, path,
                              strerror(errno));
    int rc = 0;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        rc = nomem(err, what);
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= DDB_CREDS__MAX_TOKEN_FILE) {
                rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s %s is larger than %zu bytes",
                                    what, path, DDB_CREDS__MAX_TOKEN_FILE);
                goto done;
            }
            char *grown = malloc(cap * 2 + 1);
            if (!grown) {
                rc = nomem(err, what);
                goto done;
            }
            memcpy(grown, buf, n);
            OPENSSL_cleanse(buf, cap);
            free(buf);
            buf = grown;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "cannot read %s %s: %s", what, path,
                                strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    while (n > 0 &&
           (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n == 0 || strlen(buf) != n) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s %s is %s", what, path,
                            n == 0 ? "empty" : "not text");
        goto done;
    }
    *out = buf;
    buf = NULL;
done:
    if (buf) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    close(fd);
    return rc;
}

/* ---- settings ------------------------------------------------------------------------------- */

static int positive_number(double *out, const char *text)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || !end || end == text || *end || !(v > 0) || v > 3600)
        return -1;
    *out = v;
    return 0;
}

int ddb_creds__settings_init(ddb_creds__settings *s, const ddb_credentials_options *opts,
                             const ddb_config__files *files, char *region_buf, size_t region_cap,
                             ddb_error *err)
{
    memset(s, 0, sizeof(*s));
    s->files = files;
    s->profile = ddb_config__profile_name(opts->profile);
    const char *region = NULL, *from = NULL;
    if (opts->region && *opts->region)
        region = opts->region, from = "the region option";
    else if ((region = ddb_config__env("AWS_REGION")) != NULL)
        from = "AWS_REGION";
    else if ((region = ddb_config__env("AWS_DEFAULT_REGION")) != NULL)
        from = "AWS_DEFAULT_REGION";
    else if ((region = ddb_config__get(files, s->profile, "region")) != NULL && *region)
        from = "the profile's region";
    s->region_explicit = region != NULL;
    if (!region)
        region = "us-east-1", from = "the default";
    if (!ddb_config__region_valid(region) || strlen(region) >= region_cap)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "region \"%.64s\" from %s is not a valid AWS region name", region,
                              from);
    memcpy(region_buf, region, strlen(region) + 1);
    s->region = region_buf;
    s->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 3100;
    s->sts_timeout_ms = opts->sts_timeout_ms > 0 ? opts->sts_timeout_ms : 10000;
    s->process_timeout_ms = opts->process_timeout_ms > 0 ? opts->process_timeout_ms : 60000;

    s->metadata_timeout_ms = 1000;
    if (opts->metadata_timeout_ms > 0) {
        s->metadata_timeout_ms = opts->metadata_timeout_ms;
    } else {
        const char *v = ddb_config__env("AWS_METADATA_SERVICE_TIMEOUT");
        const char *name = "AWS_METADATA_SERVICE_TIMEOUT";
        if (!v && (v = ddb_config__get(files, s->profile, "metadata_service_timeout")) != NULL)
            name = "metadata_service_timeout";
        double secs;
        if (v && positive_number(&secs, v) != 0)
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "%s = \"%.40s\" must be a number of seconds above 0", name, v);
        if (v)
            s->metadata_timeout_ms = (long)(secs * 1000.0);
    }
    s->metadata_attempts = 1;
    if (opts->metadata_attempts > 0) {
        s->metadata_attempts = opts->metadata_attempts;
    } else {
        const char *v = ddb_config__env("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
        const char *name = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";
        if (!v && (v = ddb_config__get(files, s->profile, "metadata_service_num_attempts")) != NULL)
            name = "metadata_service_num_attempts";
        double n;
        if (v && (positive_number(&n, v) != 0 || n != (int)n || n > 10))
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "%s = \"%.40s\" must be a whole number from 1 to 10", name, v);
        if (v)
            s->metadata_attempts = (int)n;
    }
    if (s->metadata_attempts > 10)
        s->metadata_attempts = 10;
    return 0;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct http_req {
    const char *method; /* "GET", "PUT" or "POST" */
    const char *url;
    const ddb_http__headers *headers; /* built by ddb_http__headers_add: every value checked */
    const char *body;
    size_t body_len;
    long connect_timeout_ms;
    long timeout_ms;
    bool no_proxy;    /* link-local and loopback endpoints are never reached through a proxy */
    const char *what; /* "STS AssumeRole", for messages */
} http_req;

typedef struct http_resp {
    long status;
    char *body; /* NUL-terminated; scrubbed on clear: it may hold credentials */
    size_t len, cap;
    bool overflow;
} http_resp;

static void http_resp_clear(http_resp *r)
{
    if (r->body) {
        OPENSSL_cleanse(r->body, r->cap);
        free(r->body);
    }
    memset(r, 0, sizeof(*r));
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    http_resp *r = userdata;
    size_t n = size * nmemb;
    if (r->len + n + 1 > DDB_CREDS__MAX_RESPONSE) {
        r->overflow = true;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 2048;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *grown = malloc(cap);
        if (!grown)
            return 0;
        if (r->body) {
            memcpy(grown, r->body, r->len);
            OPENSSL_cleanse(r->body, r->cap);
            free(r->body);
        }
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* "scheme://host[:port]" of a URL: what messages may show (a path can hold a credential id). */
static void url_origin(const char *url, char *buf, size_t cap)
{
    const char *sep = strstr(url, "://");
    size_t n = sep ? (size_t)(sep + 3 - url) + strcspn(sep + 3, "/?#") : strcspn(url, "/?#");
    const char *at = NULL;
    for (const char *p = sep ? sep + 3 : url; p < url + n; p++)
        if (*p == '@')
            at = p;
    if (at && sep) /* drop user:password@ */
        snprintf(buf, cap, "%.*s%.*s", (int)(sep + 3 - url), url, (int)(url + n - at - 1), at + 1);
    else
        snprintf(buf, cap, "%.*s", (int)n, url);
}

/*
 * One HTTP exchange. Any HTTP status is a success here. Network failures and timeouts are
 * DDB_ERR_CREDENTIALS, marked retryable. On success the caller clears resp.
 */
static int http_do(const http_req *q, http_resp *resp, ddb_error *err)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return ddb_error__set(err, DDB_ERR_CREDENTIALS, "curl_global_init failed: %s",
                              curl_easy_strerror(curl_init_result));
    int rc = 0;
    http_resp r = {0};
    struct curl_slist *list = NULL;
    CURL *h = curl_easy_init();
    if (!h)
        return nomem(err, "curl handle");
    for (size_t i = 0; i < q->headers->n; i++) {
        struct curl_slist *next = curl_slist_append(list, q->headers->lines[i]);
        if (!next) {
            rc = nomem(err, "request headers");
            goto done;
        }
        list = next;
    }
    static const char *const suppressed[] = {"Expect:", "Accept:"};
    for (size_t i = 0; i < 2; i++) {
        struct curl_slist *next = curl_slist_append(list, suppressed[i]);
        if (!next) {
            rc = nomem(err, "request headers");
            goto done;
        }
        list = next;
    }
    if (strcmp(q->method, "PUT") == 0) {
        struct curl_slist *next = curl_slist_append(list, "Content-Type:");
        if (!next) {
            rc = nomem(err, "request headers");
            goto done;
        }
        list = next;
    }
    curl_easy_setopt(h, CURLOPT_URL, q->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, q->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, q->timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (q->no_proxy)
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
        if (strcmp(q->method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);

    CURLcode cc = curl_easy_perform(h);
    char origin[256];
    url_origin(q->url, origin, sizeof(origin));
    if (cc != CURLE_OK) {
        if (cc == CURLE_WRITE_ERROR && r.overflow)
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s at %s: response exceeds %zu bytes",
                                q->what, origin, DDB_CREDS__MAX_RESPONSE);
        else
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s at %s: %s", q->what, origin,
                                curl_easy_strerror(cc));
        if (err)
            err->retryable = !r.overflow;
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    if (!r.body) {
        r.body = calloc(1, 1);
        r.cap = 1;
        if (!r.body) {
            rc = nomem(err, "response body");
            goto done;
        }
    }
    *resp = r;
    memset(&r, 0, sizeof(r));
done:
    http_resp_clear(&r);
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    return rc;
}

/* http_do, repeated up to `attempts` times on network errors and 5xx answers. */
static int http_attempts(const http_req *q, int attempts, http_resp *resp, ddb_error *err)
{
    int rc;
    for (int i = 1;; i++) {
        http_resp r = {0};
        rc = http_do(q, &r, err);
        bool again = rc ? (err && err->retryable) : r.status >= 500;
        if (!again || i >= attempts) {
            if (rc == 0)
                *resp = r;
            return rc;
        }
        http_resp_clear(&r);
        struct timespec ts = {0, 50L * 1000000L * i};
        nanosleep(&ts, NULL);
    }
}

/* Percent-encode for a form body (RFC 3986 unreserved characters stay). */
static bool form_append(char **buf, size_t *len, size_t *cap, const char *name, const char *value)
{
    size_t need = *len + strlen(name) + 2 + strlen(value) * 3 + 1;
    if (need > *cap) {
        size_t grown_cap = *cap ? *cap : 256;
        while (grown_cap < need)
            grown_cap *= 2;
        char *grown = malloc(grown_cap);
        if (!grown)
            return false;
        if (*buf) {
            memcpy(grown, *buf, *len + 1);
            OPENSSL_cleanse(*buf, *cap);
            free(*buf);
        }
        *buf = grown;
        *cap = grown_cap;
    }
    char *p = *buf + *len;
    p += sprintf(p, "%s%s=", *len ? "&" : "", name);
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
        if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') ||
            *v == '-' || *v == '_' || *v == '.' || *v == '~') {
            *p++ = (char)*v;
        } else {
            *p++ = '%';
            *p++ = hex[*v >> 4];
            *p++ = hex[*v & 15];
        }
    }
    *p = '\0';
    *len = (size_t)(p - *buf);
    return true;
}

/* ---- XML (STS) ------------------------------------------------------------------------------ */

static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode XML character data; the result is never longer than the input. */
static int xml_decode(char **out, const char *text, size_t len, const char *name, ddb_error *err)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return nomem(err, "XML text");
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (text[i] == '<' || text[i] == '\0') {
            OPENSSL_cleanse(buf, len + 1);
            free(buf);
            return ddb_error__set(err, DDB_ERR_PROTOCOL,
                                  "STS response: <%s> holds markup or CDATA, not plain text", name);
        }
        if (text[i] != '&') {
            buf[o++] = text[i++];
            continue;
        }
        const char *semi = memchr(text + i, ';', len - i < 12 ? len - i : 12);
        const char *ent = text + i + 1;
        size_t n = semi ? (size_t)(semi - ent) : 0;
        unsigned long cp = 0;
        bool ok = semi != NULL;
        if (ok && n == 3 && memcmp(ent, "amp", 3) == 0)
            cp = '&';
        else if (ok && n == 2 && memcmp(ent, "lt", 2) == 0)
            cp = '<';
        else if (ok && n == 2 && memcmp(ent, "gt", 2) == 0)
            cp = '>';
        else if (ok && n == 4 && memcmp(ent, "quot", 4) == 0)
            cp = '"';
        else if (ok && n == 4 && memcmp(ent, "apos", 4) == 0)
            cp = '\'';
        else if (ok && n >= 2 && ent[0] == '#') {
            bool hexa = ent[1] == 'x' || ent[1] == 'X';
            size_t start = hexa ? 2 : 1;
            ok = n > start;
            for (size_t k = start; ok && k < n; k++) {
                char ch = ent[k];
                int d = ch >= '0' && ch <= '9'           ? ch - '0'
                        : hexa && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : hexa && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                         : -1;
                ok = d >= 0;
                cp = cp * (hexa ? 16 : 10) + (unsigned long)(d < 0 ? 0 : d);
                if (cp > 0x10FFFF)
                    ok = false;
            }
            ok = ok && cp != 0 && !(cp >= 0xD800 && cp <= 0xDFFF);
        } else {
            ok = false;
        }
        if (!ok) {
            OPENSSL_cleanse(buf, len + 1);
            free(buf);
            return ddb_error__set(err, DDB_ERR_PROTOCOL, "STS response: malformed entity in <%s>",
                                  name);
        }
        /* An entity is at least 4 bytes ("&lt;"), its UTF-8 at most 4: the output never grows. */
        o += utf8_encode(cp, buf + o);
        i += n + 2;
    }
    buf[o] = '\0';
    *out = buf;
    return 0;
}

int ddb_creds__xml_text(char **out, const char *doc, size_t len, const char *within,
                        const char *name, ddb_error *err)
{
    char open[80], close[80];
    const char *start = doc, *end = doc + len;
    *out = NULL;
    if (within) {
        snprintf(open, sizeof(open), "<%s>", within);
        snprintf(close, sizeof(close), "</%s>", within);
        const char *a = find(start, (size_t)(end - start), open);
        if (!a)
            return 0;
        start = a + strlen(open);
        const char *b = find(start, (size_t)(end - start), close);
        if (!b)
            return ddb_error__set(err, DDB_ERR_PROTOCOL, "STS response: <%s> is not closed",
                                  within);
        end = b;
    }
    snprintf(open, sizeof(open), "<%s>", name);
    snprintf(close, sizeof(close), "</%s>", name);
    const char *a = find(start, (size_t)(end - start), open);
    if (!a)
        return 0;
    a += strlen(open);
    const char *b = find(a, (size_t)(end - a), close);
    if (!b)
        return ddb_error__set(err, DDB_ERR_PROTOCOL, "STS response: <%s> is not closed", name);
    return xml_decode(out, a, (size_t)(b - a), name, err);
}

/* Replace control characters so a service message stays on one line. */
static void one_line(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20)
            *s = ' ';
}

int ddb_creds__sts_parse(ddb_credentials *out, long status, const char *body, size_t len,
                         const char *action, ddb_error *err)
{
    int rc = 0;
    char *akid = NULL, *secret = NULL, *token = NULL, *exp = NULL, *code = NULL, *msg = NULL,
         *request_id = NULL;
    if (status != 200) {
        if ((rc = ddb_creds__xml_text(&code, body, len, "Error", "Code", err)) != 0 ||
            (rc = ddb_creds__xml_text(&msg, body, len, "Error", "Message", err)) != 0 ||
            (rc = ddb_creds__xml_text(&request_id, body, len, NULL, "RequestId", err)) != 0)
            goto done;
        one_line(code);
        one_line(msg);
        if (code)
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "STS %s failed: %.64s: %.300s (HTTP %ld)",
                                action, code, msg ? msg : "", status);
        else
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "STS %s failed with HTTP %ld", action,
                                status);
        if (err) {
            ddb_error__set_aws_type(err, code);
            err->http_status = status;
            if (request_id)
                snprintf(err->request_id, sizeof(err->request_id), "%s", request_id);
            err->throttling = code && (strcmp(code, "Throttling") == 0 ||
                                       strcmp(code, "ThrottlingException") == 0);
            err->retryable = status >= 500 || err->throttling ||
                             (code && strcmp(code, "IDPCommunicationError") == 0);
        }
        goto done;
    }
    if ((rc = ddb_creds__xml_text(&akid, body, len, "Credentials", "AccessKeyId", err)) != 0 ||
        (rc = ddb_creds__xml_text(&secret, body, len, "Credentials", "SecretAccessKey", err)) !=
            0 ||
        (rc = ddb_creds__xml_text(&token, body, len, "Credentials", "SessionToken", err)) != 0 ||
        (rc = ddb_creds__xml_text(&exp, body, len, "Credentials", "Expiration", err)) != 0)
        goto done;
    const char *missing = !akid     ? "AccessKeyId"
                          : !secret ? "SecretAccessKey"
                          : !token  ? "SessionToken"
                          : !exp    ? "Expiration"
                                    : NULL;
    if (missing) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "STS %s response has no Credentials/%s",
                            action, missing);
        goto done;
    }
    int64_t expiration = 0;
    if (ddb_creds__parse_time(exp, &expiration) != 0) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS,
                            "STS %s response has an Expiration that is not an ISO 8601 time",
                            action);
        goto done;
    }
    char names[3][96];
    snprintf(names[0], sizeof(names[0]), "Credentials/AccessKeyId from STS %.40s", action);
    snprintf(names[1], sizeof(names[1]), "Credentials/SecretAccessKey from STS %.40s", action);
    snprintf(names[2], sizeof(names[2]), "Credentials/SessionToken from STS %.40s", action);
    if ((rc = ddb_creds__check_values(akid, names[0], secret, names[1], token, names[2],
                                      DDB_ERR_CREDENTIALS, err)) != 0)
        goto done;
    rc = ddb_credentials_set(out, akid, secret, token, expiration, err);
done:
    ddb_creds__scrub_free(akid);
    ddb_creds__scrub_free(secret);
    ddb_creds__scrub_free(token);
    free(exp);
    free(code);
    free(msg);
    free(request_id);
    return rc;
}

/* ---- JSON (container, IMDS, credential_process) --------------------------------------------- */

int ddb_creds__parse_json(ddb_credentials *out, const char *body, size_t len, bool process,
                          const char *what, ddb_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    int rc = 0;
    if (!doc) /* jerr.text can quote the input, which may hold a secret: only the position */
        return ddb_error__set(err, DDB_ERR_CREDENTIALS,
                              "%s returned invalid JSON (line %d, column %d)", what, jerr.line,
                              jerr.column);
    if (!json_is_object(doc)) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s returned JSON that is not an object",
                            what);
        goto done;
    }
    if (process) {
        json_t *version = json_object_get(doc, "Version");
        if (!json_is_integer(version) || json_integer_value(version) != 1) {
            rc = ddb_error__set(
                err, DDB_ERR_CREDENTIALS, "%s returned Version %s; only Version 1 is supported",
                what, json_is_integer(version) ? "other than 1" : "missing or not a number");
            goto done;
        }
    } else {
        const char *code = json_string_value(json_object_get(doc, "Code"));
        if (code && strcmp(code, "Success") != 0) {
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s returned Code \"%.40s\"", what, code);
            goto done;
        }
    }
    const char *akid = json_string_value(json_object_get(doc, "AccessKeyId"));
    const char *secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
    const char *token = json_string_value(json_object_get(doc, process ? "SessionToken" : "Token"));
    json_t *exp_json = json_object_get(doc, "Expiration");
    const char *exp = json_string_value(exp_json);
    if (!akid || !*akid || !secret || !*secret) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s returned no %s", what,
                            !akid || !*akid ? "AccessKeyId" : "SecretAccessKey");
        goto done;
    }
    int64_t expiration = 0;
    if ((exp_json && !json_is_null(exp_json) && !exp) ||
        (exp && ddb_creds__parse_time(exp, &expiration) != 0)) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS,
                            "%s returned an Expiration that is not an ISO 8601 time", what);
        goto done;
    }
    char names[3][224];
    snprintf(names[0], sizeof(names[0]), "AccessKeyId from %.180s", what);
    snprintf(names[1], sizeof(names[1]), "SecretAccessKey from %.180s", what);
    snprintf(names[2], sizeof(names[2]), "%s from %.180s", process ? "SessionToken" : "Token",
             what);
    if ((rc = ddb_creds__check_values(akid, names[0], secret, names[1], token, names[2],
                                      DDB_ERR_CREDENTIALS, err)) != 0)
        goto done;
    rc = ddb_credentials_set(out, akid, secret, token, expiration, err);
done:
    json_decref(doc);
    return rc;
}

/* ---- credential_process --------------------------------------------------------------------- */

typedef struct process_source {
    ddb_creds__source base;
    char *command;
    char *what; /* "credential_process of profile \"dev\"" */
    long timeout_ms;
} process_source;

/* Run `sh -c command`, collecting at most DDB_CREDS__MAX_RESPONSE bytes of stdout. */
static int run_process(char **out, size_t *out_len, const process_source *ps, ddb_error *err)
{
    int rc = 0, fds[2] = {-1, -1};
    pid_t pid = -1;
    size_t cap = 4096, len = 0;
    bool timed_out = false, too_big = false;
    char *buf = malloc(cap);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_ready = false, attr_ready = false;
    if (!buf)
        return nomem(err, "process output");
    if (pipe(fds) != 0) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s: pipe failed: %s", ps->what,
                            strerror(errno));
        goto done;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    if (posix_spawn_file_actions_init(&fa) != 0) {
        rc = nomem(err, "process set-up");
        goto done;
    }
    fa_ready = true;
    if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1) != 0) {
        rc = nomem(err, "process set-up");
        goto done;
    }
    /* Its own process group, so a timeout ends the command and whatever it started. */
    if (posix_spawnattr_init(&attr) != 0) {
        rc = nomem(err, "process set-up");
        goto done;
    }
    attr_ready = true;
    if (posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP) != 0 ||
        posix_spawnattr_setpgroup(&attr, 0) != 0) {
        rc = nomem(err, "process set-up");
        goto done;
    }
    char sh[] = "sh", dash_c[] = "-c";
    char *argv[] = {sh, dash_c, ps->command, NULL};
    int spawn_rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    if (spawn_rc != 0) {
        pid = -1;
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s: cannot start /bin/sh: %s", ps->what,
                            strerror(spawn_rc));
        goto done;
    }
    close(fds[1]);
    fds[1] = -1;

    int64_t deadline = now_ms() + ps->timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(left > 1000000 ? 1000000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s: poll failed: %s", ps->what,
                                strerror(errno));
            break;
        }
        if (pr == 0)
            continue;
        if (len + 1 >= cap) {
            if (cap >= DDB_CREDS__MAX_RESPONSE) {
                too_big = true;
                break;
            }
            char *grown = malloc(cap * 2);
            if (!grown) {
                rc = nomem(err, "process output");
                break;
            }
            memcpy(grown, buf, len);
            OPENSSL_cleanse(buf, cap);
            free(buf);
            buf = grown;
            cap *= 2;
        }
        ssize_t got = read(fds[0], buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break; /* EOF (or an error, which the exit status will explain) */
        len += (size_t)got;
    }
    if (timed_out || too_big || rc)
        kill(-pid, SIGKILL);
    int status = 0;
    pid_t waited;
    while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (rc)
        goto done;
    if (timed_out) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s did not finish within %ld ms", ps->what,
                            ps->timeout_ms);
        goto done;
    }
    if (too_big) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s wrote more than %zu bytes", ps->what,
                            DDB_CREDS__MAX_RESPONSE);
        goto done;
    }
    /* waited < 0 (ECHILD: the application ignores SIGCHLD) leaves only the output to judge. */
    if (waited > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s exited with status %d", ps->what,
                            WEXITSTATUS(status));
        goto done;
    }
    if (waited > 0 && WIFSIGNALED(status)) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s was killed by signal %d", ps->what,
                            WTERMSIG(status));
        goto done;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
done:
    if (pid > 0) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (fa_ready)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ready)
        posix_spawnattr_destroy(&attr);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    if (buf) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    return rc;
}

static int process_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    process_source *ps = (process_source *)s;
    char *output = NULL;
    size_t len = 0;
    int rc = run_process(&output, &len, ps, err);
    if (rc)
        return rc;
    rc = ddb_creds__parse_json(out, output, len, true, ps->what, err);
    OPENSSL_cleanse(output, len);
    free(output);
    return rc;
}

static void process_destroy(ddb_creds__source *s)
{
    process_source *ps = (process_source *)s;
    free(ps->command);
    free(ps->what);
    free(ps);
}

static int process_new(ddb_creds__source **out, const char *command, const char *profile,
                       long timeout_ms, ddb_error *err)
{
    process_source *ps = calloc(1, sizeof(*ps));
    if (!ps)
        return nomem(err, "credential_process source");
    ps->base = (ddb_creds__source){"credential_process", process_fetch, process_destroy};
    ps->command = strdup(command);
    ps->what = ddb_config__format("credential_process of profile \"%s\"", profile);
    ps->timeout_ms = timeout_ms;
    if (!ps->command || !ps->what) {
        process_destroy(&ps->base);
        return nomem(err, "credential_process source");
    }
    *out = &ps->base;
    return 0;
}

/* ---- STS ------------------------------------------------------------------------------------ */

typedef struct sts_config {
    char *url;    /* endpoint URL, no trailing slash */
    char *host;   /* host[:port] for the Host header */
    char *path;   /* "/" or the endpoint's path */
    char *region; /* signing region */
    long connect_timeout_ms;
    long timeout_ms;
} sts_config;

static void sts_clear(sts_config *c)
{
    free(c->url);
    free(c->host);
    free(c->path);
    free(c->region);
    memset(c, 0, sizeof(*c));
}

static int sts_config_init(sts_config *c, const ddb_creds__settings *s, ddb_error *err)
{
    memset(c, 0, sizeof(*c));
    const ddb_config__files *files = s->files;
    bool ignore = false, fips = false, dualstack = false;
    int rc = ddb_config__ignore_endpoints(&ignore, files, s->profile, false, err);
    if (rc == 0)
        rc = ddb_config__bool(&fips, files, s->profile, "AWS_USE_FIPS_ENDPOINT",
                              "use_fips_endpoint", err);
    if (rc == 0)
        rc = ddb_config__bool(&dualstack, files, s->profile, "AWS_USE_DUALSTACK_ENDPOINT",
                              "use_dualstack_endpoint", err);
    if (rc)
        return rc;
    const char *url = NULL;
    char source[256] = "";
    if (!ignore)
        ddb_config__service_endpoint(&url, source, sizeof(source), files, s->profile, "STS", "sts");
    if (url) {
        c->url = strdup(url);
    } else if ((rc = ddb_config__aws_endpoint(&c->url, "sts", s->region, fips, dualstack, err)) !=
               0) {
        return rc;
    }
    if (!c->url)
        return nomem(err, "STS endpoint");
    char what[300];
    snprintf(what, sizeof(what), "the STS endpoint URL from %.260s",
             *source ? source : "the region");
    if ((rc = ddb_http__check_value(c->url, strlen(c->url), false, what, DDB_ERR_CONFIG, err)) !=
        0) {
        sts_clear(c);
        return rc;
    }
    const char *sep = strstr(c->url, "://");
    bool http = sep && ((sep - c->url == 4 && strncasecmp(c->url, "http", 4) == 0) ||
                        (sep - c->url == 5 && strncasecmp(c->url, "https", 5) == 0));
    if (!http || !sep[3] || sep[3] == '/') {
        ddb_error__set(err, DDB_ERR_CONFIG,
                       "STS endpoint from %s must be http:// or https:// and name a host",
                       *source ? source : "the region");
        sts_clear(c);
        return DDB_ERR_CONFIG;
    }
    const char *host = sep + 3;
    size_t host_len = strcspn(host, "/?#");
    const char *path = host + host_len;
    size_t path_len = strcspn(path, "?#");
    c->host = strndup(host, host_len);
    c->path = path_len ? strndup(path, path_len) : strdup("/");
    c->region = strdup(s->region);
    if (!c->host || !c->path || !c->region) {
        sts_clear(c);
        return nomem(err, "STS endpoint");
    }
    c->url[(size_t)(host + host_len - c->url) + path_len] = '\0';
    c->connect_timeout_ms = s->connect_timeout_ms;
    c->timeout_ms = s->sts_timeout_ms;
    return 0;
}

/* Copy src (initialised) into dst, which is untouched on failure. */
static int sts_config_copy(sts_config *dst, const sts_config *src, ddb_error *err)
{
    sts_config c = {.connect_timeout_ms = src->connect_timeout_ms, .timeout_ms = src->timeout_ms};
    c.url = strdup(src->url);
    c.host = strdup(src->host);
    c.path = strdup(src->path);
    c.region = strdup(src->region);
    if (!c.url || !c.host || !c.path || !c.region) {
        sts_clear(&c);
        return nomem(err, "STS settings");
    }
    *dst = c;
    return 0;
}

/* POST an STS form, signed with creds (or unsigned when creds is NULL), and parse the answer. */
static int sts_call(ddb_credentials *out, const sts_config *sts, const char *action,
                    const char *form, const ddb_credentials *creds, ddb_error *err)
{
    static const char content_type[] = "application/x-www-form-urlencoded; charset=utf-8";
    char what[64];
    ddb_http__headers h = DDB_HTTP__HEADERS_INIT;
    http_resp resp = {0};
    int rc = 0;
    snprintf(what, sizeof(what), "STS %s", action);
    if ((rc = ddb_http__headers_add(&h, "Host", sts->host, "the STS endpoint's host", err)) != 0 ||
        (rc = ddb_http__headers_add(&h, "Content-Type", content_type, "Content-Type", err)) != 0)
        goto done;
    if (creds) {
        const ddb_sigv4__header signed_headers[] = {{"host", sts->host},
                                                    {"content-type", content_type}};
        const ddb_sigv4__request req = {.method = "POST",
                                        .path = sts->path,
                                        .headers = signed_headers,
                                        .n_headers = 2,
                                        .body = form,
                                        .body_len = strlen(form)};
        const ddb_sigv4__credentials sc = {creds->access_key_id, creds->secret_access_key,
                                           creds->session_token};
        const ddb_sigv4__params params = {
            .region = sts->region, .service = "sts", .time = (int64_t)time(NULL)};
        ddb_sigv4__result sig = DDB_SIGV4__RESULT_INIT;
        if ((rc = ddb_sigv4__sign(&sig, NULL, &req, &sc, &params, err)) != 0)
            goto done;
        rc = ddb_http__headers_add(&h, "X-Amz-Date", sig.amz_date, "X-Amz-Date", err);
        if (rc == 0)
            rc = ddb_http__headers_add(&h, "Authorization", sig.authorization,
                                       "the STS Authorization header", err);
        ddb_sigv4__result_clear(&sig);
        if (rc == 0 && creds->session_token)
            rc = ddb_http__headers_add(&h, "X-Amz-Security-Token", creds->session_token,
                                       "the session token of the role's source credentials", err);
        if (rc)
            goto done;
    }
    const http_req q = {.method = "POST",
                        .url = sts->url,
                        .headers = &h,
                        .body = form,
                        .body_len = strlen(form),
                        .connect_timeout_ms = sts->connect_timeout_ms,
                        .timeout_ms = sts->timeout_ms,
                        .what = what};
    if ((rc = http_do(&q, &resp, err)) != 0)
        goto done;
    rc = ddb_creds__sts_parse(out, resp.status, resp.body, resp.len, action, err);
done:
    http_resp_clear(&resp);
    ddb_http__headers_clear(&h);
    return rc;
}

static char *default_session_name(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ddb_config__format("ddbkit-%lld", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* RoleSessionName: 2 to 64 of [\w+=,.@-]. */
static bool session_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_+=,.@-", *s)))
            return false;
    return true;
}

/* AssumeRole with the credentials of an inner source. */
typedef struct assume_role_source {
    ddb_creds__source base;
    ddb_creds__source *inner;
    char *role_arn;
    char *session_name; /* NULL: a fresh default per call */
    char *external_id;
    int duration_seconds; /* 0: STS's default */
    sts_config sts;
} assume_role_source;

static int assume_role_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    assume_role_source *ar = (assume_role_source *)s;
    ddb_credentials base = DDB_CREDENTIALS_INIT;
    char *form = NULL, *session = NULL;
    size_t len = 0, cap = 0;
    int rc = ar->inner->fetch(ar->inner, &base, err);
    if (rc)
        return rc;
    session = ar->session_name ? strdup(ar->session_name) : default_session_name();
    char duration[16];
    snprintf(duration, sizeof(duration), "%d", ar->duration_seconds);
    if (!session || !form_append(&form, &len, &cap, "Action", "AssumeRole") ||
        (ar->duration_seconds && !form_append(&form, &len, &cap, "DurationSeconds", duration)) ||
        (ar->external_id && !form_append(&form, &len, &cap, "ExternalId", ar->external_id)) ||
        !form_append(&form, &len, &cap, "RoleArn", ar->role_arn) ||
        !form_append(&form, &len, &cap, "RoleSessionName", session) ||
        !form_append(&form, &len, &cap, "Version", "2011-06-15")) {
        rc = nomem(err, "STS request");
        goto done;
    }
    rc = sts_call(out, &ar->sts, "AssumeRole", form, &base, err);
    if (rc && err && err->code == DDB_ERR_CREDENTIALS) {
        /* Say which role, without losing the STS detail. */
        char detail[sizeof(err->message)];
        memcpy(detail, err->message, sizeof(detail));
        snprintf(err->message, sizeof(err->message), "%.300s (role %.150s)", detail, ar->role_arn);
    }
done:
    ddb_credentials_clear(&base);
    free(form);
    free(session);
    return rc;
}

static void assume_role_destroy(ddb_creds__source *s)
{
    assume_role_source *ar = (assume_role_source *)s;
    ddb_creds__source_free(ar->inner);
    free(ar->role_arn);
    free(ar->session_name);
    free(ar->external_id);
    sts_clear(&ar->sts);
    free(ar);
}

/* Web identity: the token file and the role, through the unsigned AssumeRoleWithWebIdentity. */
typedef struct web_identity_source {
    ddb_creds__source base;
    char *token_file;
    char *role_arn;
    char *session_name;
    sts_config sts;
} web_identity_source;

static int web_identity_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    web_identity_source *wi = (web_identity_source *)s;
    char *token = NULL, *form = NULL, *session = NULL;
    size_t len = 0, cap = 0;
    int rc = read_token_file(&token, wi->token_file, "web identity token file", err);
    if (rc)
        return rc;
    session = wi->session_name ? strdup(wi->session_name) : default_session_name();
    if (!session || !form_append(&form, &len, &cap, "Action", "AssumeRoleWithWebIdentity") ||
        !form_append(&form, &len, &cap, "RoleArn", wi->role_arn) ||
        !form_append(&form, &len, &cap, "RoleSessionName", session) ||
        !form_append(&form, &len, &cap, "Version", "2011-06-15") ||
        !form_append(&form, &len, &cap, "WebIdentityToken", token)) {
        rc = nomem(err, "STS request");
        goto done;
    }
    rc = sts_call(out, &wi->sts, "AssumeRoleWithWebIdentity", form, NULL, err);
done:
    ddb_creds__scrub_free(token);
    if (form) {
        OPENSSL_cleanse(form, cap);
        free(form);
    }
    free(session);
    return rc;
}

static void web_identity_destroy(ddb_creds__source *s)
{
    web_identity_source *wi = (web_identity_source *)s;
    free(wi->token_file);
    free(wi->role_arn);
    free(wi->session_name);
    sts_clear(&wi->sts);
    free(wi);
}

static int web_identity_make(ddb_creds__source **out, const char *token_file, const char *role_arn,
                             const char *session_name, const sts_config *sts, const char *origin,
                             ddb_error *err)
{
    if (session_name && !session_name_valid(session_name))
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "role session name from %s must be 2 to 64 of A-Z a-z 0-9 _+=,.@-",
                              origin);
    web_identity_source *wi = calloc(1, sizeof(*wi));
    if (!wi)
        return nomem(err, "web identity source");
    wi->base = (ddb_creds__source){"web_identity", web_identity_fetch, web_identity_destroy};
    wi->token_file = strdup(token_file);
    wi->role_arn = strdup(role_arn);
    wi->session_name = dup_or_null(session_name);
    int rc = sts_config_copy(&wi->sts, sts, err);
    if (rc == 0 && (!wi->token_file || !wi->role_arn || (session_name && !wi->session_name)))
        rc = nomem(err, "web identity source");
    if (rc) {
        web_identity_destroy(&wi->base);
        return rc;
    }
    *out = &wi->base;
    return 0;
}

int ddb_creds__web_identity_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                                size_t why_cap, ddb_error *err)
{
    const char *file = ddb_config__env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = ddb_config__env("AWS_ROLE_ARN");
    if (!file) {
        set_why(why, why_cap, "AWS_WEB_IDENTITY_TOKEN_FILE is not set");
        return DDB_CREDS__NOT_CONFIGURED;
    }
    if (!role)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    sts_config sts;
    int rc = sts_config_init(&sts, s, err);
    if (rc)
        return rc;
    rc = web_identity_make(out, file, role, ddb_config__env("AWS_ROLE_SESSION_NAME"), &sts,
                           "AWS_ROLE_SESSION_NAME", err);
    sts_clear(&sts);
    return rc;
}

/* ---- container ------------------------------------------------------------------------------ */

typedef struct container_source {
    ddb_creds__source base;
    char *url;
    char *token;      /* AWS_CONTAINER_AUTHORIZATION_TOKEN, when no token file */
    char *token_file; /* read at every fetch: EKS rotates it */
    long timeout_ms;
    int attempts;
} container_source;

bool ddb_creds__container_url_allowed(const char *url, char *host_out, size_t host_cap)
{
    bool allowed = false;
    char *scheme = NULL, *host = NULL;
    if (host_cap)
        host_out[0] = '\0';
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto done;
    if (host_cap)
        snprintf(host_out, host_cap, "%s", host);
    if (strcasecmp(scheme, "https") == 0) {
        allowed = true;
        goto done;
    }
    if (strcasecmp(scheme, "http") != 0)
        goto done;
    char bare[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(bare)) {
        memcpy(bare, host + 1, n - 2);
        bare[n - 2] = '\0';
    } else {
        snprintf(bare, sizeof(bare), "%s", host);
    }
    unsigned char a4[4], a6[16], loop6[16], eks6[16];
    if (strcasecmp(bare, "localhost") == 0) {
        allowed = true;
    } else if (inet_pton(AF_INET, bare, a4) == 1) {
        allowed = a4[0] == 127 ||
                  (a4[0] == 169 && a4[1] == 254 && a4[2] == 170 && (a4[3] == 2 || a4[3] == 23));
    } else if (inet_pton(AF_INET6, bare, a6) == 1 && inet_pton(AF_INET6, "::1", loop6) == 1 &&
               inet_pton(AF_INET6, "fd00:ec2::23", eks6) == 1) {
        allowed = memcmp(a6, loop6, 16) == 0 || memcmp(a6, eks6, 16) == 0;
    }
done:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return allowed;
}

static int container_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    container_source *cs = (container_source *)s;
    char *file_token = NULL;
    ddb_http__headers h = DDB_HTTP__HEADERS_INIT;
    http_resp resp = {0};
    int rc = 0;
    const char *token = cs->token;
    if (cs->token_file) {
        if ((rc = read_token_file(&file_token, cs->token_file, "container authorization token file",
                                  err)) != 0)
            return rc;
        token = file_token;
        /* The file is read at every fetch (EKS rotates it), so it is checked here. */
        char what[1200];
        snprintf(what, sizeof(what), "container authorization token file %.1024s (%s)",
                 cs->token_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        if ((rc = ddb_http__check_value(token, strlen(token), false, what, DDB_ERR_CREDENTIALS,
                                        err)) != 0)
            goto done;
    }
    if (token && (rc = ddb_http__headers_add(&h, "Authorization", token,
                                             "the container authorization token", err)) != 0)
        goto done;
    const http_req q = {.method = "GET",
                        .url = cs->url,
                        .headers = &h,
                        .connect_timeout_ms = cs->timeout_ms,
                        .timeout_ms = cs->timeout_ms,
                        .no_proxy = true,
                        .what = "container credentials endpoint"};
    if ((rc = http_attempts(&q, cs->attempts, &resp, err)) != 0)
        goto done;
    if (resp.status != 200) {
        char origin[256];
        url_origin(cs->url, origin, sizeof(origin));
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS,
                            "container credentials endpoint at %s answered HTTP %ld", origin,
                            resp.status);
        if (err) {
            err->http_status = resp.status;
            err->retryable = resp.status >= 500 || resp.status == 429;
        }
        goto done;
    }
    rc = ddb_creds__parse_json(out, resp.body, resp.len, false,
                               "the container credentials endpoint", err);
done:
    http_resp_clear(&resp);
    ddb_http__headers_clear(&h);
    ddb_creds__scrub_free(file_token);
    return rc;
}

static void container_destroy(ddb_creds__source *s)
{
    container_source *cs = (container_source *)s;
    free(cs->url);
    ddb_creds__scrub_free(cs->token);
    free(cs->token_file);
    free(cs);
}

int ddb_creds__container_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                             size_t why_cap, ddb_error *err)
{
    const char *relative = ddb_config__env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = ddb_config__env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char *url = NULL;
    if (relative) {
        int rc =
            ddb_http__check_value(relative, strlen(relative), false,
                                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", DDB_ERR_CONFIG, err);
        if (rc)
            return rc;
        if (relative[0] != '/')
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
        url = ddb_config__format("http://169.254.170.2%s", relative);
    } else if (full) {
        char host[128];
        int rc = ddb_http__check_value(full, strlen(full), false,
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI", DDB_ERR_CONFIG, err);
        if (rc)
            return rc;
        if (!ddb_creds__container_url_allowed(full, host, sizeof(host)))
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "AWS_CONTAINER_CREDENTIALS_FULL_URI: host \"%.64s\" is not "
                                  "allowed; use https, or http to a loopback address, "
                                  "169.254.170.2, 169.254.170.23 or fd00:ec2::23",
                                  host);
        url = strdup(full);
    } else {
        set_why(why, why_cap, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set");
        return DDB_CREDS__NOT_CONFIGURED;
    }
    container_source *cs = calloc(1, sizeof(*cs));
    if (!url || !cs) {
        free(url);
        free(cs);
        return nomem(err, "container source");
    }
    cs->base = (ddb_creds__source){"container", container_fetch, container_destroy};
    cs->url = url;
    cs->timeout_ms = s->metadata_timeout_ms;
    cs->attempts = s->metadata_attempts;
    const char *file = ddb_config__env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *token = ddb_config__env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    int rc = 0;
    if (!file && token)
        rc = ddb_http__check_value(token, strlen(token), false, "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                   DDB_ERR_CONFIG, err);
    if (rc) {
        container_destroy(&cs->base);
        return rc;
    }
    if (file)
        cs->token_file = strdup(file);
    else if (token)
        cs->token = strdup(token);
    if ((file && !cs->token_file) || (!file && token && !cs->token)) {
        container_destroy(&cs->base);
        return nomem(err, "container source");
    }
    *out = &cs->base;
    return 0;
}

/* ---- EC2 instance metadata (IMDSv2) --------------------------------------------------------- */

#define IMDS_TOKEN_TTL_S 21600

typedef struct imds_source {
    ddb_creds__source base;
    char *endpoint; /* no trailing slash */
    long timeout_ms;
    int attempts;
    char *token;          /* the session token, reused until shortly before it expires */
    int64_t token_expiry; /* monotonic ms */
} imds_source;

static void imds_drop_token(imds_source *im)
{
    ddb_creds__scrub_free(im->token);
    im->token = NULL;
}

/* GET or PUT a metadata path. */
static int imds_request(imds_source *im, const char *method, const char *path, http_resp *resp,
                        ddb_error *err)
{
    char url[512];
    ddb_http__headers h = DDB_HTTP__HEADERS_INIT;
    snprintf(url, sizeof(url), "%s%s", im->endpoint, path);
    int rc = strcmp(method, "PUT") == 0
                 ? ddb_http__headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", "21600",
                                         "the metadata token lifetime", err)
                 : ddb_http__headers_add(&h, "X-aws-ec2-metadata-token", im->token,
                                         "the instance metadata session token", err);
    if (rc)
        return rc;
    const http_req q = {.method = method,
                        .url = url,
                        .headers = &h,
                        .connect_timeout_ms = im->timeout_ms,
                        .timeout_ms = im->timeout_ms,
                        .no_proxy = true,
                        .what = "instance metadata"};
    rc = http_attempts(&q, im->attempts, resp, err);
    ddb_http__headers_clear(&h);
    return rc;
}

static int imds_status_error(const imds_source *im, const char *what, long status, ddb_error *err)
{
    int rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "instance metadata at %s: %s: HTTP %ld",
                            im->endpoint, what, status);
    if (err) {
        err->http_status = status;
        err->retryable = status >= 500 || status == 429;
    }
    return rc;
}

static int imds_ensure_token(imds_source *im, ddb_error *err)
{
    if (im->token && now_ms() < im->token_expiry)
        return 0;
    imds_drop_token(im);
    http_resp resp = {0};
    int rc = imds_request(im, "PUT", "/latest/api/token", &resp, err);
    if (rc)
        return rc;
    if (resp.status != 200) {
        rc = imds_status_error(im, "the session token request was refused", resp.status, err);
    } else if (resp.len == 0 || resp.len > 4096) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS,
                            "instance metadata at %s returned an unusable session token (%zu "
                            "bytes)",
                            im->endpoint, resp.len);
    } else if (ddb_http__value_bad_at(resp.body, resp.len, false) != resp.len) {
        char what[600];
        snprintf(what, sizeof(what), "the session token from instance metadata at %.500s",
                 im->endpoint);
        rc = ddb_http__check_value(resp.body, resp.len, false, what, DDB_ERR_CREDENTIALS, err);
    } else {
        im->token = strdup(resp.body);
        if (!im->token)
            rc = nomem(err, "metadata token");
        /* Renew a minute early, so a token never expires between two requests. */
        im->token_expiry = now_ms() + (int64_t)(IMDS_TOKEN_TTL_S - 60) * 1000;
    }
    http_resp_clear(&resp);
    return rc;
}

static bool role_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("_+=,.@-", s[i])))
            return false;
    return true;
}

static int imds_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    imds_source *im = (imds_source *)s;
    static const char base_path[] = "/latest/meta-data/iam/security-credentials/";
    int rc;
    /* A 401 means the cached session token expired: get a new one and try once more. */
    for (int pass = 0; pass < 2; pass++) {
        http_resp resp = {0};
        if ((rc = imds_ensure_token(im, err)) != 0)
            return rc;
        if ((rc = imds_request(im, "GET", base_path, &resp, err)) != 0)
            return rc;
        if (resp.status == 401 && pass == 0) {
            http_resp_clear(&resp);
            imds_drop_token(im);
            continue;
        }
        if (resp.status == 404) {
            http_resp_clear(&resp);
            return ddb_error__set(err, DDB_ERR_CREDENTIALS,
                                  "instance metadata at %s: no IAM role is attached to this "
                                  "instance",
                                  im->endpoint);
        }
        if (resp.status != 200) {
            long status = resp.status;
            http_resp_clear(&resp);
            return imds_status_error(im, "the role name request failed", status, err);
        }
        size_t role_len = strcspn(resp.body, "\r\n");
        if (!role_name_valid(resp.body, role_len)) {
            http_resp_clear(&resp);
            return ddb_error__set(err, DDB_ERR_CREDENTIALS,
                                  "instance metadata at %s returned an invalid role name",
                                  im->endpoint);
        }
        char path[sizeof(base_path) + 130];
        snprintf(path, sizeof(path), "%s%.*s", base_path, (int)role_len, resp.body);
        http_resp_clear(&resp);
        if ((rc = imds_request(im, "GET", path, &resp, err)) != 0)
            return rc;
        if (resp.status == 401 && pass == 0) {
            http_resp_clear(&resp);
            imds_drop_token(im);
            continue;
        }
        if (resp.status != 200) {
            long status = resp.status;
            http_resp_clear(&resp);
            return imds_status_error(im, "the credentials request failed", status, err);
        }
        rc = ddb_creds__parse_json(out, resp.body, resp.len, false, "instance metadata", err);
        http_resp_clear(&resp);
        return rc;
    }
    return ddb_error__set(err, DDB_ERR_CREDENTIALS,
                          "instance metadata at %s rejected a fresh session token (HTTP 401)",
                          im->endpoint);
}

static void imds_destroy(ddb_creds__source *s)
{
    imds_source *im = (imds_source *)s;
    free(im->endpoint);
    imds_drop_token(im);
    free(im);
}

int ddb_creds__imds_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                        size_t why_cap, ddb_error *err)
{
    if (env_true("AWS_EC2_METADATA_DISABLED")) {
        set_why(why, why_cap, "AWS_EC2_METADATA_DISABLED=true");
        return DDB_CREDS__NOT_CONFIGURED;
    }
    const char *endpoint = ddb_config__env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *from = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
    if (!endpoint &&
        (endpoint = ddb_config__get(s->files, s->profile, "ec2_metadata_service_endpoint")) != NULL)
        from = "ec2_metadata_service_endpoint";
    if (!endpoint || !*endpoint) {
        const char *mode = ddb_config__env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
        if (!mode)
            mode = ddb_config__get(s->files, s->profile, "ec2_metadata_service_endpoint_mode");
        if (!mode || strcasecmp(mode, "IPv4") == 0)
            endpoint = "http://169.254.169.254";
        else if (strcasecmp(mode, "IPv6") == 0)
            endpoint = "http://[fd00:ec2::254]";
        else
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "instance metadata endpoint mode \"%.20s\" must be IPv4 or IPv6",
                                  mode);
        from = NULL;
    }
    if (from) {
        int rc =
            ddb_http__check_value(endpoint, strlen(endpoint), false, from, DDB_ERR_CONFIG, err);
        if (rc)
            return rc;
    }
    if (strncasecmp(endpoint, "http://", 7) != 0 && strncasecmp(endpoint, "https://", 8) != 0)
        return ddb_error__set(err, DDB_ERR_CONFIG, "%s must be an http:// or https:// URL", from);
    imds_source *im = calloc(1, sizeof(*im));
    if (!im || !(im->endpoint = strdup(endpoint))) {
        free(im);
        return nomem(err, "instance metadata source");
    }
    size_t n = strlen(im->endpoint);
    while (n > 0 && im->endpoint[n - 1] == '/')
        im->endpoint[--n] = '\0';
    im->base = (ddb_creds__source){"imds", imds_fetch, imds_destroy};
    im->timeout_ms = s->metadata_timeout_ms;
    im->attempts = s->metadata_attempts;
    *out = &im->base;
    return 0;
}

/* ---- the profile ---------------------------------------------------------------------------- */

static int named_source(ddb_creds__source **out, const ddb_creds__settings *s, const char *profile,
                        const char *name, ddb_error *err)
{
    char why[160] = "";
    int rc;
    if (strcmp(name, "Environment") == 0)
        rc = ddb_creds__environment_new(out, s, why, sizeof(why), err);
    else if (strcmp(name, "Ec2InstanceMetadata") == 0)
        rc = ddb_creds__imds_new(out, s, why, sizeof(why), err);
    else if (strcmp(name, "EcsContainer") == 0)
        rc = ddb_creds__container_new(out, s, why, sizeof(why), err);
    else
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "credential_source = \"%.40s\" in profile \"%s\" must be "
                              "Environment, Ec2InstanceMetadata or EcsContainer",
                              name, profile);
    if (rc == DDB_CREDS__NOT_CONFIGURED)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "credential_source = %s in profile \"%s\" is not available: %s", name,
                              profile, why);
    return rc;
}

static int static_from_profile(ddb_creds__source **out, const ddb_config__files *files,
                               const char *profile, ddb_error *err)
{
    const char *akid = ddb_config__get(files, profile, "aws_access_key_id");
    const char *secret = ddb_config__get(files, profile, "aws_secret_access_key");
    if (!akid || !*akid || !secret || !*secret)
        return ddb_error__set(err, DDB_ERR_CONFIG, "profile \"%s\" has %s but no %s", profile,
                              akid && *akid ? "aws_access_key_id" : "aws_secret_access_key",
                              akid && *akid ? "aws_secret_access_key" : "aws_access_key_id");
    const char *token = ddb_config__get(files, profile, "aws_session_token");
    char names[3][160];
    snprintf(names[0], sizeof(names[0]), "aws_access_key_id of profile \"%.100s\"", profile);
    snprintf(names[1], sizeof(names[1]), "aws_secret_access_key of profile \"%.100s\"", profile);
    snprintf(names[2], sizeof(names[2]), "aws_session_token of profile \"%.100s\"", profile);
    int rc = ddb_creds__check_values(akid, names[0], secret, names[1], token, names[2],
                                     DDB_ERR_CONFIG, err);
    if (rc)
        return rc;
    return ddb_creds__static_new(out, "profile", akid, secret, token, 0, err);
}

static int assume_role_make(ddb_creds__source **out, ddb_creds__source *inner,
                            const ddb_config__files *files, const char *profile,
                            const char *role_arn, const sts_config *sts, ddb_error *err)
{
    const char *session = ddb_config__get(files, profile, "role_session_name");
    const char *external = ddb_config__get(files, profile, "external_id");
    const char *duration = ddb_config__get(files, profile, "duration_seconds");
    int seconds = 0, rc = 0;
    if (session && !session_name_valid(session)) {
        rc = ddb_error__set(err, DDB_ERR_CONFIG,
                            "role_session_name in profile \"%s\" must be 2 to 64 of "
                            "A-Z a-z 0-9 _+=,.@-",
                            profile);
        goto fail;
    }
    if (duration) {
        char *end = NULL;
        long v = strtol(duration, &end, 10);
        if (!end || *end || end == duration || v < 900 || v > 43200) {
            rc = ddb_error__set(err, DDB_ERR_CONFIG,
                                "duration_seconds = \"%.20s\" in profile \"%s\" must be a whole "
                                "number from 900 to 43200",
                                duration, profile);
            goto fail;
        }
        seconds = (int)v;
    }
    assume_role_source *ar = calloc(1, sizeof(*ar));
    if (!ar) {
        rc = nomem(err, "assume role source");
        goto fail;
    }
    ar->base = (ddb_creds__source){"assume_role", assume_role_fetch, assume_role_destroy};
    ar->inner = inner;
    ar->role_arn = strdup(role_arn);
    ar->session_name = dup_or_null(session);
    ar->external_id = external && *external ? strdup(external) : NULL;
    ar->duration_seconds = seconds;
    rc = sts_config_copy(&ar->sts, sts, err);
    if (rc == 0 && (!ar->role_arn || (session && !ar->session_name) ||
                    (external && *external && !ar->external_id)))
        rc = nomem(err, "assume role source");
    if (rc) {
        assume_role_destroy(&ar->base);
        return rc;
    }
    *out = &ar->base;
    return 0;
fail:
    ddb_creds__source_free(inner);
    return rc;
}

/*
 * The source for one profile. The requested profile (top) prefers role_arn, then
 * web_identity_token_file, static keys, credential_process. A source_profile (not top) prefers
 * its static keys over its own role_arn, as the AWS CLI does, so a base profile may hold both.
 */
static int profile_source(ddb_creds__source **out, const ddb_creds__settings *s, sts_config *sts,
                          const char *profile, const char **visited, size_t depth, char *why,
                          size_t why_cap, ddb_error *err)
{
    const ddb_config__files *files = s->files;
    bool top = depth == 0;
    const char *role_arn = ddb_config__get(files, profile, "role_arn");
    const char *akid = ddb_config__get(files, profile, "aws_access_key_id");
    const char *secret = ddb_config__get(files, profile, "aws_secret_access_key");
    const char *wit = ddb_config__get(files, profile, "web_identity_token_file");
    const char *process = ddb_config__get(files, profile, "credential_process");
    bool has_static = (akid && *akid) || (secret && *secret);
    int rc;

    if (!top && has_static)
        return static_from_profile(out, files, profile, err);
    if (role_arn && *role_arn) {
        /* STS settings are resolved only for a role: without one they could fail needlessly. */
        if (!sts->url && (rc = sts_config_init(sts, s, err)) != 0)
            return rc;
        if (ddb_config__get(files, profile, "mfa_serial"))
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "profile \"%s\" sets mfa_serial; roles that need an MFA code "
                                  "are not supported",
                                  profile);
        if (wit && *wit)
            return web_identity_make(out, wit, role_arn,
                                     ddb_config__get(files, profile, "role_session_name"), sts,
                                     "role_session_name", err);
        const char *sp = ddb_config__get(files, profile, "source_profile");
        const char *cs = ddb_config__get(files, profile, "credential_source");
        if (sp && *sp && cs && *cs)
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "profile \"%s\" sets both source_profile and credential_source",
                                  profile);
        if (!(sp && *sp) && !(cs && *cs))
            return ddb_error__set(err, DDB_ERR_CONFIG,
                                  "profile \"%s\" has role_arn but neither source_profile nor "
                                  "credential_source",
                                  profile);
        ddb_creds__source *inner = NULL;
        if (cs && *cs) {
            rc = named_source(&inner, s, profile, cs, err);
        } else if (strcmp(sp, profile) == 0) {
            rc = static_from_profile(&inner, files, profile, err);
        } else {
            for (size_t i = 0; i < depth; i++)
                if (strcmp(visited[i], sp) == 0)
                    return ddb_error__set(err, DDB_ERR_CONFIG,
                                          "source_profile loop: profile \"%s\" leads back to "
                                          "\"%s\"",
                                          profile, sp);
            if (depth + 1 >= DDB_CREDS__MAX_ROLE_CHAIN)
                return ddb_error__set(err, DDB_ERR_CONFIG,
                                      "source_profile chain from profile \"%s\" is longer than %d",
                                      visited[0], DDB_CREDS__MAX_ROLE_CHAIN);
            if (!ddb_config__has_profile(files, sp))
                return ddb_error__set(err, DDB_ERR_CONFIG,
                                      "source_profile \"%s\" of profile \"%s\" does not exist", sp,
                                      profile);
            visited[depth] = profile;
            rc = profile_source(&inner, s, sts, sp, visited, depth + 1, NULL, 0, err);
            if (rc == DDB_CREDS__NOT_CONFIGURED)
                return ddb_error__set(err, DDB_ERR_CONFIG,
                                      "source_profile \"%s\" of profile \"%s\" has no credentials",
                                      sp, profile);
        }
        if (rc)
            return rc;
        return assume_role_make(out, inner, files, profile, role_arn, sts, err);
    }
    if (wit && *wit)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "profile \"%s\" has web_identity_token_file but no role_arn",
                              profile);
    if (has_static)
        return static_from_profile(out, files, profile, err);
    if (process && *process)
        return process_new(out, process, profile, s->process_timeout_ms, err);
    if (ddb_config__get(files, profile, "sso_session") ||
        ddb_config__get(files, profile, "sso_start_url"))
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "profile \"%s\" uses IAM Identity Center (sso_*), which ddbkit does "
                              "not read; use credential_process = aws configure "
                              "export-credentials --profile %s --format process",
                              profile, profile);
    if (ddb_config__has_profile(files, profile))
        set_why(why, why_cap, "profile \"%s\" has no credentials", profile);
    else
        set_why(why, why_cap, "no profile \"%s\" in the shared files", profile);
    return DDB_CREDS__NOT_CONFIGURED;
}

int ddb_creds__profile_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                           size_t why_cap, ddb_error *err)
{
    sts_config sts = {0};
    const char *visited[DDB_CREDS__MAX_ROLE_CHAIN];
    int rc = profile_source(out, s, &sts, s->profile, visited, 0, why, why_cap, err);
    sts_clear(&sts);
    return rc;
}
