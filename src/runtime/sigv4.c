/*
 * AWS Signature Version 4, header authentication.
 *
 * The canonical request is streamed into SHA-256 in chunks rather than built as a string, so a
 * DynamoDB request (path "/", no query, a handful of headers) needs no buffer of ours but the
 * Authorization value. The canonical request is only kept when DDB_SIGV4__CAPTURE asks for it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "error_internal.h"
#include "sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
#define SHA256_LEN 32
#define SECRET_MAX 512      /* AWS secrets are 40 characters; the key seed lives on the stack */
#define ACCESS_KEY_MAX 128  /* IAM's documented maximum */
#define PAYLOAD_HASH_MAX 64
#define HEADERS_MAX 4096
#define INLINE_HEADERS 16   /* headers sorted on the stack; more are sorted in a heap array */
#define CACHE_SLOTS 8
#define MAX_EPOCH 253402300799LL /* 9999-12-31T23:59:59Z: the last time with a 4-digit year */

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/* ---- small helpers ---- */

static void to_hex(char *out, const unsigned char *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_lower[in[i] >> 4];
        out[2 * i + 1] = hex_lower[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

/* Case-insensitive ASCII comparison; locale-independent, unlike strcasecmp. */
static int casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char ca = (unsigned char)ascii_lower(*a), cb = (unsigned char)ascii_lower(*b);
        if (ca != cb || ca == '\0')
            return (int)ca - (int)cb;
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 3986 unreserved characters: the only ones SigV4 leaves unencoded. */
static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* 1..max visible ASCII characters, none of them in `forbidden`. */
static bool is_visible_token(const char *s, size_t max, const char *forbidden)
{
    if (!s || !*s)
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= max || c <= 0x20 || c >= 0x7f || strchr(forbidden, c))
            return false;
    }
    return true;
}

static bool hmac_sha256(unsigned char out[SHA256_LEN], const void *key, size_t key_len,
                        const void *data, size_t len)
{
    unsigned int out_len = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len) != NULL &&
           out_len == SHA256_LEN;
}

static bool valid_date(const char *date)
{
    if (!date)
        return false;
    for (int i = 0; i < 8; i++)
        if (date[i] < '0' || date[i] > '9')
            return false;
    return date[8] == '\0';
}

/* ---- signing key derivation and its cache ---- */

static int derive_key(unsigned char key[DDB_SIGV4__KEY_LEN], const char *secret,
                      size_t secret_len, const char *date, const char *region,
                      const char *service, ddb_error *err)
{
    unsigned char seed[4 + SECRET_MAX];
    unsigned char a[SHA256_LEN], b[SHA256_LEN];
    int rc = DDB_OK;

    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, secret, secret_len);
    if (!hmac_sha256(a, seed, 4 + secret_len, date, 8) ||
        !hmac_sha256(b, a, sizeof(a), region, strlen(region)) ||
        !hmac_sha256(a, b, sizeof(b), service, strlen(service)) ||
        !hmac_sha256(b, a, sizeof(a), TERMINATOR, strlen(TERMINATOR))) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL HMAC-SHA256 failed deriving a key");
        goto done;
    }
    memcpy(key, b, DDB_SIGV4__KEY_LEN);
done:
    OPENSSL_cleanse(seed, 4 + secret_len);
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(b, sizeof(b));
    return rc;
}

typedef struct cache_slot {
    uint64_t last_use; /* 0 marks an empty slot */
    char date[9];
    char region[DDB_SIGV4__SCOPE_MAX + 1];
    char service[DDB_SIGV4__SCOPE_MAX + 1];
    /* The secret's identity: a hash, so the cache never holds the secret itself, and two secrets
     * (say, before and after a rotation) can never share a key. */
    unsigned char secret_hash[SHA256_LEN];
    unsigned char key[DDB_SIGV4__KEY_LEN];
} cache_slot;

/* A few slots: one client normally needs one key a day; a rotation or a second region two. */
struct ddb_sigv4__cache {
    pthread_mutex_t mutex;
    uint64_t tick;
    uint64_t hits;
    uint64_t derivations;
    cache_slot slots[CACHE_SLOTS];
};

int ddb_sigv4__cache_new(ddb_sigv4__cache **out, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "sigv4 cache: out is NULL");
    ddb_sigv4__cache *c = calloc(1, sizeof(*c));
    if (!c)
        return ddb_error__nomem(err, "the SigV4 key cache");
    if (pthread_mutex_init(&c->mutex, NULL) != 0) {
        free(c);
        return ddb_error__set(err, DDB_ERR_NOMEM, "pthread_mutex_init failed for the key cache");
    }
    *out = c;
    return DDB_OK;
}

void ddb_sigv4__cache_free(ddb_sigv4__cache *cache)
{
    if (!cache)
        return;
    pthread_mutex_destroy(&cache->mutex);
    OPENSSL_cleanse(cache, sizeof(*cache));
    free(cache);
}

void ddb_sigv4__cache_stats(ddb_sigv4__cache *cache, uint64_t *hits, uint64_t *derivations)
{
    uint64_t h = 0, d = 0;
    if (cache && pthread_mutex_lock(&cache->mutex) == 0) {
        h = cache->hits;
        d = cache->derivations;
        pthread_mutex_unlock(&cache->mutex);
    }
    if (hits)
        *hits = h;
    if (derivations)
        *derivations = d;
}

static bool slot_matches(const cache_slot *s, const unsigned char *secret_hash, const char *date,
                         const char *region, const char *service)
{
    return s->last_use != 0 && memcmp(s->date, date, 8) == 0 && strcmp(s->region, region) == 0 &&
           strcmp(s->service, service) == 0 &&
           CRYPTO_memcmp(s->secret_hash, secret_hash, SHA256_LEN) == 0;
}

int ddb_sigv4__signing_key(unsigned char key[DDB_SIGV4__KEY_LEN], ddb_sigv4__cache *cache,
                           const char *secret_access_key, const char *date, const char *region,
                           const char *service, ddb_error *err)
{
    unsigned char secret_hash[SHA256_LEN];
    unsigned char fresh[DDB_SIGV4__KEY_LEN];
    bool locked = false;
    int rc = DDB_OK;

    if (!key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "sigv4: key is NULL");
    if (!secret_access_key || !*secret_access_key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "secret access key is empty");
    size_t secret_len = strlen(secret_access_key);
    if (secret_len > SECRET_MAX)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "secret access key is %zu bytes, more than %d", secret_len,
                              SECRET_MAX);
    if (!valid_date(date))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "signing date is not YYYYMMDD");
    if (!is_visible_token(region, DDB_SIGV4__SCOPE_MAX, "/"))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "region must be 1-%d visible ASCII characters without '/'",
                              DDB_SIGV4__SCOPE_MAX);
    if (!is_visible_token(service, DDB_SIGV4__SCOPE_MAX, "/"))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "service must be 1-%d visible ASCII characters without '/'",
                              DDB_SIGV4__SCOPE_MAX);

    if (!cache)
        return derive_key(key, secret_access_key, secret_len, date, region, service, err);

    if (!EVP_Digest(secret_access_key, secret_len, secret_hash, NULL, EVP_sha256(), NULL)) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL SHA-256 failed hashing the secret key");
        goto done;
    }
    if (pthread_mutex_lock(&cache->mutex) != 0) {
        /* Cannot happen with a default mutex; signing still works without the cache. */
        rc = derive_key(key, secret_access_key, secret_len, date, region, service, err);
        goto done;
    }
    locked = true;

    cache_slot *victim = &cache->slots[0];
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        cache_slot *s = &cache->slots[i];
        if (slot_matches(s, secret_hash, date, region, service)) {
            s->last_use = ++cache->tick;
            cache->hits++;
            memcpy(key, s->key, DDB_SIGV4__KEY_LEN);
            goto done;
        }
        if (s->last_use < victim->last_use)
            victim = s;
    }

    /* Derive under the lock: it happens about once a day, and then only one thread derives. */
    rc = derive_key(fresh, secret_access_key, secret_len, date, region, service, err);
    if (rc != DDB_OK)
        goto done;
    OPENSSL_cleanse(victim, sizeof(*victim));
    memcpy(victim->date, date, 8);
    victim->date[8] = '\0';
    memcpy(victim->region, region, strlen(region) + 1); /* lengths checked above */
    memcpy(victim->service, service, strlen(service) + 1);
    memcpy(victim->secret_hash, secret_hash, SHA256_LEN);
    memcpy(victim->key, fresh, DDB_SIGV4__KEY_LEN);
    victim->last_use = ++cache->tick;
    cache->derivations++;
    memcpy(key, fresh, DDB_SIGV4__KEY_LEN);

done:
    if (locked)
        pthread_mutex_unlock(&cache->mutex);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    OPENSSL_cleanse(secret_hash, sizeof(secret_hash));
    return rc;
}

/* ---- the canonical request, streamed into SHA-256 ---- */

typedef struct sink {
    EVP_MD_CTX *md;
    int rc;       /* the first failure; later writes are ignored */
    size_t total; /* bytes written, against DDB_SIGV4__CANONICAL_MAX */
    bool capture;
    char *text; /* the captured canonical request, NUL-terminated */
    size_t text_len;
    size_t text_size;
    size_t n;
    unsigned char chunk[512];
} sink;

static void sink_flush(sink *s)
{
    if (s->n && s->rc == DDB_OK && !EVP_DigestUpdate(s->md, s->chunk, s->n))
        s->rc = DDB_ERR_NOMEM;
    s->n = 0;
}

static void sink_write(sink *s, const char *p, size_t len)
{
    if (s->rc != DDB_OK || len == 0)
        return;
    if (len > DDB_SIGV4__CANONICAL_MAX - s->total) {
        s->rc = DDB_ERR_LIMIT;
        return;
    }
    s->total += len;
    if (s->capture) {
        if (s->text_len + len + 1 > s->text_size) {
            size_t size = s->text_size ? s->text_size : 512;
            while (size < s->text_len + len + 1)
                size *= 2;
            /* Not realloc: the old block may hold the session token, and must be scrubbed. */
            char *grown = malloc(size);
            if (!grown) {
                s->rc = DDB_ERR_NOMEM;
                return;
            }
            if (s->text) {
                memcpy(grown, s->text, s->text_len + 1);
                OPENSSL_clear_free(s->text, s->text_size);
            }
            s->text = grown;
            s->text_size = size;
        }
        memcpy(s->text + s->text_len, p, len);
        s->text_len += len;
        s->text[s->text_len] = '\0';
    }
    if (s->n + len > sizeof(s->chunk))
        sink_flush(s);
    if (len >= sizeof(s->chunk)) {
        if (s->rc == DDB_OK && !EVP_DigestUpdate(s->md, p, len))
            s->rc = DDB_ERR_NOMEM;
        return;
    }
    memcpy(s->chunk + s->n, p, len);
    s->n += len;
}

static void sink_putc(sink *s, char c)
{
    sink_write(s, &c, 1);
}

static void sink_puts(sink *s, const char *str)
{
    sink_write(s, str, strlen(str));
}

/* Write bytes URI-encoded: unreserved characters (and '/' when keep_slash) as they are, every other
 * byte as %XX with uppercase hex. */
static void sink_uri_encode(sink *s, const char *p, size_t len, bool keep_slash)
{
    size_t run = 0; /* start of the pending run of characters written as they are */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (is_unreserved(c) || (keep_slash && c == '/'))
            continue;
        sink_write(s, p + run, i - run);
        char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 0xf]};
        sink_write(s, esc, 3);
        run = i + 1;
    }
    sink_write(s, p + run, len - run);
}

/*
 * RFC 3986 dot-segment removal as AWS applies it: empty segments ("//") go too, ".." never climbs
 * above the root, and a trailing slash survives unless nothing is left but the root. out needs
 * len + 1 bytes; returns the length written (not NUL-terminated). in starts with '/'.
 */
static size_t remove_dot_segments(char *out, const char *in, size_t len)
{
    size_t o = 0, i = 0;
    while (i < len) {
        while (i < len && in[i] == '/')
            i++;
        size_t start = i;
        while (i < len && in[i] != '/')
            i++;
        size_t seg = i - start;
        if (seg == 0 || (seg == 1 && in[start] == '.'))
            continue;
        if (seg == 2 && in[start] == '.' && in[start + 1] == '.') {
            while (o > 0 && out[--o] != '/')
                ;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, in + start, seg);
        o += seg;
    }
    if (o == 0 || in[len - 1] == '/')
        out[o++] = '/';
    return o;
}

static int emit_path(sink *s, const char *path, bool normalize, ddb_error *err)
{
    if (!path || !*path)
        path = "/";
    if (path[0] != '/')
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request path does not start with '/'");
    if (path[1] == '\0') { /* DynamoDB's path: nothing to normalize or encode */
        sink_putc(s, '/');
        return DDB_OK;
    }
    size_t len = strlen(path);
    if (!normalize) {
        sink_uri_encode(s, path, len, true);
        return DDB_OK;
    }
    char *norm = malloc(len + 1);
    if (!norm)
        return ddb_error__nomem(err, "the normalized request path");
    size_t norm_len = remove_dot_segments(norm, path, len);
    sink_uri_encode(s, norm, norm_len, true);
    free(norm);
    return DDB_OK;
}

typedef struct query_param {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} query_param;

/* Decode %XX escapes, then encode for SigV4, so "%E1%88%B4" and the raw UTF-8 bytes sign the same.
 * '+' is left a literal plus (and so becomes %2B), as the AWS SDKs do. Writes at most 3 * len. */
static size_t reencode(char *out, const char *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%' && i + 2 < len && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            c = (unsigned char)(hex_value(in[i + 1]) << 4 | hex_value(in[i + 2]));
            i += 2;
        }
        if (is_unreserved(c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex_upper[c >> 4];
            out[o++] = hex_upper[c & 0xf];
        }
    }
    return o;
}

static int compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* Parameters sort by encoded name, then by encoded value. */
static int compare_params(const void *pa, const void *pb)
{
    const query_param *a = pa, *b = pb;
    int c = compare_bytes(a->key, a->key_len, b->key, b->key_len);
    return c != 0 ? c : compare_bytes(a->value, a->value_len, b->value, b->value_len);
}

static int emit_query(sink *s, const char *query, ddb_error *err)
{
    query_param *params = NULL;
    char *text = NULL;
    int rc = DDB_OK;

    if (!query || !*query)
        return DDB_OK;
    size_t len = strlen(query);
    if (len > DDB_SIGV4__CANONICAL_MAX)
        return ddb_error__set(err, DDB_ERR_LIMIT, "query string is %zu bytes, more than %zu", len,
                              DDB_SIGV4__CANONICAL_MAX);
    size_t n_max = 1;
    for (size_t i = 0; i < len; i++)
        n_max += query[i] == '&';
    params = calloc(n_max, sizeof(*params));
    text = malloc(3 * len);
    if (!params || !text) {
        rc = ddb_error__nomem(err, "the canonical query string");
        goto done;
    }

    size_t n = 0, used = 0;
    const char *p = query, *end = query + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) { /* "a=1&&b=2": the empty parameter is dropped */
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *key_end = eq ? eq : stop;
            query_param *qp = &params[n++];
            qp->key = text + used;
            qp->key_len = reencode(text + used, p, (size_t)(key_end - p));
            used += qp->key_len;
            qp->value = text + used;
            qp->value_len = eq ? reencode(text + used, eq + 1, (size_t)(stop - eq - 1)) : 0;
            used += qp->value_len;
        }
        p = stop + 1;
    }
    qsort(params, n, sizeof(*params), compare_params);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sink_putc(s, '&');
        sink_write(s, params[i].key, params[i].key_len);
        sink_putc(s, '=');
        sink_write(s, params[i].value, params[i].value_len);
    }
done:
    free(params);
    free(text);
    return rc;
}

typedef struct header_ref {
    const char *name;
    const char *value;
    size_t index; /* position in the request: duplicates keep their order when combined */
} header_ref;

static int compare_headers(const void *pa, const void *pb)
{
    const header_ref *a = pa, *b = pb;
    int c = casecmp(a->name, b->name);
    if (c != 0)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* A header value as signed: trimmed, with each run of whitespace (an obs-fold line break too)
 * reduced to one space. */
static void sink_header_value(sink *s, const char *v)
{
    bool pending_space = false, wrote = false;
    while (*v) {
        if (is_space(*v)) {
            pending_space = true;
            v++;
            continue;
        }
        const char *run = v;
        while (*v && !is_space(*v))
            v++;
        if (pending_space && wrote)
            sink_putc(s, ' ');
        sink_write(s, run, (size_t)(v - run));
        wrote = true;
        pending_space = false;
    }
}

/* Sorted headers, one line per distinct name, duplicate values joined with ',' in request order. */
static void emit_headers(sink *s, const header_ref *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || casecmp(h[i].name, h[i - 1].name) != 0) {
            if (i > 0)
                sink_putc(s, '\n');
            for (const char *c = h[i].name; *c; c++)
                sink_putc(s, ascii_lower(*c));
            sink_putc(s, ':');
        } else {
            sink_putc(s, ',');
        }
        sink_header_value(s, h[i].value);
    }
    sink_putc(s, '\n');
}

/* ---- signing ---- */

static const char *const signer_headers[] = {"authorization", "x-amz-date"};

static int check_headers(const ddb_sigv4__request *req, bool token_header, bool sha_header,
                         ddb_error *err)
{
    bool have_host = false;
    if (req->n_headers > HEADERS_MAX)
        return ddb_error__set(err, DDB_ERR_LIMIT, "request has %zu headers, more than %d",
                              req->n_headers, HEADERS_MAX);
    if (req->n_headers > 0 && !req->headers)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request headers are NULL");
    for (size_t i = 0; i < req->n_headers; i++) {
        const ddb_sigv4__header *h = &req->headers[i];
        if (!is_visible_token(h->name, 256, ":") || !h->value)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "request header %zu has an invalid name or no value", i);
        for (size_t k = 0; k < sizeof(signer_headers) / sizeof(signer_headers[0]); k++)
            if (casecmp(h->name, signer_headers[k]) == 0)
                return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                      "request header %s is set by the signer", signer_headers[k]);
        if (token_header && casecmp(h->name, "x-amz-security-token") == 0)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "request header x-amz-security-token is set by the signer");
        if (sha_header && casecmp(h->name, "x-amz-content-sha256") == 0)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "request header x-amz-content-sha256 is set by the signer");
        have_host |= casecmp(h->name, "host") == 0;
    }
    if (!have_host)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request has no host header");
    return DDB_OK;
}

static int payload_hash(char out[PAYLOAD_HASH_MAX + 1], const ddb_sigv4__request *req,
                        ddb_error *err)
{
    if (req->payload_hash) {
        if (!is_visible_token(req->payload_hash, PAYLOAD_HASH_MAX, ""))
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "payload hash must be 1-%d visible ASCII characters",
                                  PAYLOAD_HASH_MAX);
        memcpy(out, req->payload_hash, strlen(req->payload_hash) + 1);
        return DDB_OK;
    }
    if (!req->body && req->body_len > 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "request body is NULL with length %zu",
                              req->body_len);
    unsigned char digest[SHA256_LEN];
    if (!EVP_Digest(req->body ? req->body : "", req->body_len, digest, NULL, EVP_sha256(), NULL))
        return ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL SHA-256 failed hashing the body");
    to_hex(out, digest, sizeof(digest));
    return DDB_OK;
}

static char *append(char *p, const char *s, size_t len)
{
    memcpy(p, s, len);
    return p + len;
}

int ddb_sigv4__sign(ddb_sigv4__result *out, ddb_sigv4__cache *cache, const ddb_sigv4__request *req,
                    const ddb_sigv4__credentials *creds, const ddb_sigv4__params *params,
                    ddb_error *err)
{
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    header_ref inline_refs[INLINE_HEADERS + 3];
    header_ref *refs = inline_refs;
    unsigned char key[DDB_SIGV4__KEY_LEN];
    unsigned char digest[SHA256_LEN];
    sink s = {0};
    int rc = DDB_OK;

    if (!out || !req || !creds || !params)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "sigv4: a required argument is NULL");
    if (!is_visible_token(req->method, 32, ""))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "request method must be 1-32 visible ASCII characters");
    if (!is_visible_token(creds->access_key_id, ACCESS_KEY_MAX, ",/="))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "access key id must be 1-%d visible ASCII characters without ',' "
                              "'/' or '='",
                              ACCESS_KEY_MAX);
    /* The region, service and secret are checked by ddb_sigv4__signing_key, but before any work. */
    if (!is_visible_token(params->region, DDB_SIGV4__SCOPE_MAX, "/") ||
        !is_visible_token(params->service, DDB_SIGV4__SCOPE_MAX, "/"))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "region and service must be 1-%d visible ASCII characters "
                              "without '/'",
                              DDB_SIGV4__SCOPE_MAX);
    if (!creds->secret_access_key || !*creds->secret_access_key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "secret access key is empty");

    bool has_token = creds->session_token && *creds->session_token;
    bool sign_token = has_token && !(params->flags & DDB_SIGV4__UNSIGNED_TOKEN);
    bool sha_header = (params->flags & DDB_SIGV4__CONTENT_SHA256) != 0;
    rc = check_headers(req, has_token, sha_header, err);
    if (rc != DDB_OK)
        return rc;
    rc = payload_hash(res.payload_hash, req, err);
    if (rc != DDB_OK)
        return rc;

    if (params->time < 0 || params->time > MAX_EPOCH)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "signing time %lld is out of range",
                              (long long)params->time);
    time_t t = (time_t)params->time;
    struct tm tm;
    size_t date_len = gmtime_r(&t, &tm)
                          ? strftime(res.amz_date, sizeof(res.amz_date), "%Y%m%dT%H%M%SZ", &tm)
                          : 0;
    if (date_len != sizeof(res.amz_date) - 1)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "signing time %lld cannot be formatted",
                              (long long)params->time);

    /* The headers to sign: the request's and the signer's, sorted by lowercase name. */
    size_t n_refs = 0;
    if (req->n_headers > INLINE_HEADERS) {
        refs = malloc((req->n_headers + 3) * sizeof(*refs));
        if (!refs) {
            refs = inline_refs;
            rc = ddb_error__nomem(err, "the sorted request headers");
            goto done;
        }
    }
    for (size_t i = 0; i < req->n_headers; i++)
        refs[n_refs++] = (header_ref){req->headers[i].name, req->headers[i].value, i};
    refs[n_refs] = (header_ref){"x-amz-date", res.amz_date, n_refs};
    n_refs++;
    if (sign_token) {
        refs[n_refs] = (header_ref){"x-amz-security-token", creds->session_token, n_refs};
        n_refs++;
    }
    if (sha_header) {
        refs[n_refs] = (header_ref){"x-amz-content-sha256", res.payload_hash, n_refs};
        n_refs++;
    }
    qsort(refs, n_refs, sizeof(*refs), compare_headers);

    /* Authorization: ALGORITHM Credential=<akid>/<scope>, SignedHeaders=<list>, Signature=<hex> */
    char scope[8 + 1 + DDB_SIGV4__SCOPE_MAX + 1 + DDB_SIGV4__SCOPE_MAX + 1 + sizeof(TERMINATOR)];
    int scope_len = snprintf(scope, sizeof(scope), "%.8s/%s/%s/%s", res.amz_date, params->region,
                             params->service, TERMINATOR);
    size_t signed_len = 0;
    for (size_t i = 0; i < n_refs; i++)
        if (i == 0 || casecmp(refs[i].name, refs[i - 1].name) != 0)
            signed_len += (i > 0) + strlen(refs[i].name);
    static const char cred_part[] = ALGORITHM " Credential=";
    static const char headers_part[] = ", SignedHeaders=";
    static const char sig_part[] = ", Signature=";
    size_t akid_len = strlen(creds->access_key_id);
    size_t auth_len = (sizeof(cred_part) - 1) + akid_len + 1 + (size_t)scope_len +
                      (sizeof(headers_part) - 1) + signed_len + (sizeof(sig_part) - 1) + 64;
    res.authorization = calloc(1, auth_len + 1); /* zeroed: always a string, even on failure */
    if (!res.authorization) {
        rc = ddb_error__nomem(err, "the Authorization header");
        goto done;
    }
    char *w = append(res.authorization, cred_part, sizeof(cred_part) - 1);
    w = append(w, creds->access_key_id, akid_len);
    *w++ = '/';
    w = append(w, scope, (size_t)scope_len);
    w = append(w, headers_part, sizeof(headers_part) - 1);
    char *signed_list = w;
    for (size_t i = 0; i < n_refs; i++) {
        if (i > 0 && casecmp(refs[i].name, refs[i - 1].name) == 0)
            continue;
        if (i > 0)
            *w++ = ';';
        for (const char *c = refs[i].name; *c; c++)
            *w++ = ascii_lower(*c);
    }

    /* The canonical request. */
    s.capture = (params->flags & DDB_SIGV4__CAPTURE) != 0;
    s.md = EVP_MD_CTX_new();
    if (!s.md || !EVP_DigestInit_ex(s.md, EVP_sha256(), NULL)) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL SHA-256 failed to start");
        goto done;
    }
    sink_puts(&s, req->method);
    sink_putc(&s, '\n');
    rc = emit_path(&s, req->path, !(params->flags & DDB_SIGV4__NO_NORMALIZE_PATH), err);
    if (rc != DDB_OK)
        goto done;
    sink_putc(&s, '\n');
    rc = emit_query(&s, req->query, err);
    if (rc != DDB_OK)
        goto done;
    sink_putc(&s, '\n');
    emit_headers(&s, refs, n_refs);
    sink_putc(&s, '\n');
    sink_write(&s, signed_list, signed_len);
    sink_putc(&s, '\n');
    sink_puts(&s, res.payload_hash);
    sink_flush(&s);
    if (s.rc != DDB_OK) {
        if (s.rc == DDB_ERR_LIMIT)
            rc = ddb_error__set(err, DDB_ERR_LIMIT, "canonical request exceeds %zu bytes",
                                DDB_SIGV4__CANONICAL_MAX);
        else
            rc = ddb_error__set(err, DDB_ERR_NOMEM, "out of memory hashing the canonical request");
        goto done;
    }
    if (!EVP_DigestFinal_ex(s.md, digest, NULL)) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL SHA-256 failed to finish");
        goto done;
    }

    /* The string to sign, and the signature over it. */
    char sts[sizeof(ALGORITHM) + sizeof(res.amz_date) + sizeof(scope) + 2 * SHA256_LEN + 1];
    char canonical_hex[2 * SHA256_LEN + 1];
    to_hex(canonical_hex, digest, sizeof(digest));
    int sts_len = snprintf(sts, sizeof(sts), "%s\n%s\n%s\n%s", ALGORITHM, res.amz_date, scope,
                           canonical_hex);
    char date[9];
    memcpy(date, res.amz_date, 8);
    date[8] = '\0';
    rc = ddb_sigv4__signing_key(key, cache, creds->secret_access_key, date, params->region,
                                params->service, err);
    if (rc != DDB_OK)
        goto done;
    if (!hmac_sha256(digest, key, sizeof(key), sts, (size_t)sts_len)) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL HMAC-SHA256 failed signing");
        goto done;
    }
    to_hex(res.signature, digest, sizeof(digest));
    w = append(w, sig_part, sizeof(sig_part) - 1);
    w = append(w, res.signature, 64);
    *w = '\0';

    if (s.capture) {
        res.string_to_sign = strdup(sts);
        if (!res.string_to_sign) {
            rc = ddb_error__nomem(err, "the captured string to sign");
            goto done;
        }
        res.canonical_request = s.text;
        s.text = NULL;
    }
    *out = res;
    res = (ddb_sigv4__result)DDB_SIGV4__RESULT_INIT;

done:
    OPENSSL_cleanse(key, sizeof(key));
    if (refs != inline_refs)
        free(refs);
    EVP_MD_CTX_free(s.md);
    OPENSSL_cleanse(s.chunk, sizeof(s.chunk)); /* it may hold the session token */
    if (s.text)
        OPENSSL_clear_free(s.text, s.text_size); /* it may hold the session token */
    ddb_sigv4__result_clear(&res);
    return rc;
}

static void clear_free_string(char *s)
{
    if (s)
        OPENSSL_clear_free(s, strlen(s));
}

void ddb_sigv4__result_clear(ddb_sigv4__result *res)
{
    if (!res)
        return;
    clear_free_string(res->authorization);
    clear_free_string(res->canonical_request);
    clear_free_string(res->string_to_sign);
    OPENSSL_cleanse(res, sizeof(*res));
    *res = (ddb_sigv4__result)DDB_SIGV4__RESULT_INIT;
}
