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
#include <openssl/rand.h>

#include "core/error_internal.h"
#include "wire/sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
#define SHA256_LEN 32
#define SECRET_MAX 512     /* AWS secrets are 40 characters; the key seed lives on the stack */
#define ACCESS_KEY_MAX 128 /* IAM's documented maximum */
#define PAYLOAD_HASH_MAX 64
#define HEADERS_MAX 4096
#define INLINE_HEADERS 16 /* headers sorted on the stack; more are sorted in a heap array */
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
    return (char)((c >= 'A' && c <= 'Z') ? (c | 0x20) : c);
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
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
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
        if (n >= max || c <= 0x20 || c >= 0x7f)
            return false;
        for (const char *f = forbidden; *f; f++) /* one to three characters: no strchr call */
            if (c == (unsigned char)*f)
                return false;
    }
    return true;
}

/*
 * HMAC-SHA256 (RFC 2104) over EVP digests of an algorithm fetched once, rather than HMAC(), which
 * fetches SHA-256 and HMAC by name on every call. A key is absorbed once into two digest states,
 * inner (key ^ ipad) and outer (key ^ opad); a MAC is then a copy of each plus the message.
 */
#define HMAC_BLOCK 64

static bool hmac_set_key(EVP_MD_CTX *inner, EVP_MD_CTX *outer, const EVP_MD *md,
                         const unsigned char *key, size_t key_len)
{
    unsigned char block[HMAC_BLOCK], hashed[SHA256_LEN];
    if (key_len > HMAC_BLOCK) { /* longer keys are replaced by their hash */
        if (!EVP_DigestInit_ex(inner, md, NULL) || !EVP_DigestUpdate(inner, key, key_len) ||
            !EVP_DigestFinal_ex(inner, hashed, NULL)) {
            OPENSSL_cleanse(hashed, sizeof(hashed));
            return false;
        }
        key = hashed;
        key_len = SHA256_LEN;
    }
    for (size_t i = 0; i < HMAC_BLOCK; i++)
        block[i] = (unsigned char)((i < key_len ? key[i] : 0) ^ 0x36);
    bool ok = EVP_DigestInit_ex(inner, md, NULL) && EVP_DigestUpdate(inner, block, HMAC_BLOCK);
    for (size_t i = 0; i < HMAC_BLOCK; i++)
        block[i] ^= 0x36 ^ 0x5c;
    ok = ok && EVP_DigestInit_ex(outer, md, NULL) && EVP_DigestUpdate(outer, block, HMAC_BLOCK);
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(hashed, sizeof(hashed));
    return ok;
}

/* Finish a MAC over data with keyed states; both are consumed. */
static bool hmac_finish(unsigned char out[SHA256_LEN], EVP_MD_CTX *inner, EVP_MD_CTX *outer,
                        const void *data, size_t len)
{
    unsigned char inner_hash[SHA256_LEN];
    bool ok = EVP_DigestUpdate(inner, data, len) && EVP_DigestFinal_ex(inner, inner_hash, NULL) &&
              EVP_DigestUpdate(outer, inner_hash, SHA256_LEN) &&
              EVP_DigestFinal_ex(outer, out, NULL);
    OPENSSL_cleanse(inner_hash, sizeof(inner_hash));
    return ok;
}

static bool hmac_sha256(unsigned char out[SHA256_LEN], EVP_MD_CTX *inner, EVP_MD_CTX *outer,
                        const EVP_MD *md, const void *key, size_t key_len, const void *data,
                        size_t len)
{
    return hmac_set_key(inner, outer, md, key, key_len) &&
           hmac_finish(out, inner, outer, data, len);
}

/*
 * SipHash-2-4 with a 128-bit result: the secret key's identity in the key cache. It is a keyed
 * pseudo-random function; with a random key per cache, two different secrets share a fingerprint
 * with probability 2^-128 and no one can pick secrets that do. Computing it takes a few hundred
 * instructions, against several thousand for the SHA-256 it replaces, on every request.
 */
#define FINGERPRINT_LEN 16

static uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void store_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void sipround(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl64(v[1], 13) ^ v[0];
    v[0] = rotl64(v[0], 32);
    v[2] += v[3];
    v[3] = rotl64(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl64(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl64(v[1], 17) ^ v[2];
    v[2] = rotl64(v[2], 32);
}

void ddb_sigv4__siphash128(unsigned char out[16], const unsigned char key[16], const void *data,
                           size_t len)
{
    const unsigned char *in = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v[4] = {0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1 ^ 0xee,
                     0x6c7967656e657261ULL ^ k0, 0x7465646279746573ULL ^ k1};
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v[3] ^= m;
        sipround(v);
        sipround(v);
        v[0] ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[full + i] << (8 * i);
    v[3] ^= last;
    sipround(v);
    sipround(v);
    v[0] ^= last;
    v[2] ^= 0xee;
    for (int i = 0; i < 4; i++)
        sipround(v);
    store_le64(out, v[0] ^ v[1] ^ v[2] ^ v[3]);
    v[1] ^= 0xdd;
    for (int i = 0; i < 4; i++)
        sipround(v);
    store_le64(out + 8, v[0] ^ v[1] ^ v[2] ^ v[3]);
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

static int derive_key(unsigned char key[DDB_SIGV4__KEY_LEN], const EVP_MD *md, const char *secret,
                      size_t secret_len, const char *date, const char *region, const char *service,
                      ddb_error *err)
{
    unsigned char seed[4 + SECRET_MAX];
    unsigned char a[SHA256_LEN] = {0}, b[SHA256_LEN] = {0};
    EVP_MD_CTX *inner = EVP_MD_CTX_new(), *outer = EVP_MD_CTX_new();
    int rc = DDB_OK;

    memcpy(seed, "AWS4", 4); /* NOLINT(bugprone-not-null-terminated-result): a key, not a string */
    memcpy(seed + 4, secret, secret_len);
    if (!inner || !outer || !hmac_sha256(a, inner, outer, md, seed, 4 + secret_len, date, 8) ||
        !hmac_sha256(b, inner, outer, md, a, sizeof(a), region, strlen(region)) ||
        !hmac_sha256(a, inner, outer, md, b, sizeof(b), service, strlen(service)) ||
        !hmac_sha256(b, inner, outer, md, a, sizeof(a), TERMINATOR, strlen(TERMINATOR))) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL HMAC-SHA256 failed deriving a key");
        goto done;
    }
    memcpy(key, b, DDB_SIGV4__KEY_LEN);
done:
    EVP_MD_CTX_free(inner); /* frees scrub the digest states */
    EVP_MD_CTX_free(outer);
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
    /* The secret's identity: a keyed fingerprint, so the cache never holds the secret itself, and
     * two secrets (say, before and after a rotation) never share a key. */
    unsigned char secret_id[FINGERPRINT_LEN];
    unsigned char key[DDB_SIGV4__KEY_LEN];
    /* The key absorbed into HMAC's inner and outer digest states; allocated with the first key. */
    EVP_MD_CTX *inner;
    EVP_MD_CTX *outer;
} cache_slot;

/* A few slots: one client normally needs one key a day; a rotation or a second region two. */
struct ddb_sigv4__cache {
    pthread_mutex_t mutex;
    EVP_MD *sha256; /* fetched once: an implicit fetch on every digest costs more than the hash */
    unsigned char fingerprint_key[16]; /* random; the key of the secret fingerprints */
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
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!c->sha256 || RAND_bytes(c->fingerprint_key, sizeof(c->fingerprint_key)) != 1) {
        EVP_MD_free(c->sha256);
        OPENSSL_clear_free(c, sizeof(*c));
        return ddb_error__set(err, DDB_ERR_NOMEM,
                              "OpenSSL could not fetch SHA-256 or make random bytes for the key "
                              "cache");
    }
    if (pthread_mutex_init(&c->mutex, NULL) != 0) {
        EVP_MD_free(c->sha256);
        OPENSSL_clear_free(c, sizeof(*c));
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
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        EVP_MD_CTX_free(cache->slots[i].inner);
        EVP_MD_CTX_free(cache->slots[i].outer);
    }
    EVP_MD_free(cache->sha256);
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

static bool slot_matches(const cache_slot *s, const unsigned char *secret_id, const char *date,
                         const char *region, const char *service)
{
    return s->last_use != 0 && memcmp(s->date, date, 8) == 0 && strcmp(s->region, region) == 0 &&
           strcmp(s->service, service) == 0 &&
           CRYPTO_memcmp(s->secret_id, secret_id, FINGERPRINT_LEN) == 0;
}

static int check_scope(const char *secret_access_key, size_t *secret_len, const char *date,
                       const char *region, const char *service, ddb_error *err)
{
    if (!secret_access_key || !*secret_access_key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "secret access key is empty");
    *secret_len = strlen(secret_access_key);
    if (*secret_len > SECRET_MAX)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "secret access key is %zu bytes, more than %d", *secret_len,
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
    return DDB_OK;
}

/*
 * The slot holding the key for these inputs, derived into the least recently used slot on a miss.
 * Called with the cache's mutex held; the slot is only valid until it is released.
 */
static int cache_slot_for(cache_slot **out, ddb_sigv4__cache *cache, const char *secret,
                          size_t secret_len, const char *date, const char *region,
                          const char *service, ddb_error *err)
{
    unsigned char secret_id[FINGERPRINT_LEN];
    unsigned char fresh[DDB_SIGV4__KEY_LEN];
    int rc = DDB_OK;

    ddb_sigv4__siphash128(secret_id, cache->fingerprint_key, secret, secret_len);
    cache_slot *victim = &cache->slots[0];
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        cache_slot *s = &cache->slots[i];
        if (slot_matches(s, secret_id, date, region, service)) {
            s->last_use = ++cache->tick;
            cache->hits++;
            *out = s;
            goto done;
        }
        if (s->last_use < victim->last_use)
            victim = s;
    }

    /* Derive under the lock: it happens about once a day, and then only one thread derives. */
    rc = derive_key(fresh, cache->sha256, secret, secret_len, date, region, service, err);
    if (rc != DDB_OK)
        goto done;
    EVP_MD_CTX *inner = victim->inner ? victim->inner : EVP_MD_CTX_new();
    EVP_MD_CTX *outer = victim->outer ? victim->outer : EVP_MD_CTX_new();
    victim->inner = inner; /* kept even on failure: the slot owns (and later frees) them */
    victim->outer = outer;
    victim->last_use = 0; /* empty until fully written */
    OPENSSL_cleanse(victim->key, sizeof(victim->key));
    if (!inner || !outer || !hmac_set_key(inner, outer, cache->sha256, fresh, sizeof(fresh))) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL HMAC-SHA256 failed keying the cache");
        goto done;
    }
    memcpy(victim->date, date, 8);
    victim->date[8] = '\0';
    memcpy(victim->region, region, strlen(region) + 1); /* lengths checked by check_scope */
    memcpy(victim->service, service, strlen(service) + 1);
    memcpy(victim->secret_id, secret_id, FINGERPRINT_LEN);
    memcpy(victim->key, fresh, DDB_SIGV4__KEY_LEN);
    victim->last_use = ++cache->tick;
    cache->derivations++;
    *out = victim;

done:
    OPENSSL_cleanse(fresh, sizeof(fresh));
    OPENSSL_cleanse(secret_id, sizeof(secret_id));
    return rc;
}

int ddb_sigv4__signing_key(unsigned char key[DDB_SIGV4__KEY_LEN], ddb_sigv4__cache *cache,
                           const char *secret_access_key, const char *date, const char *region,
                           const char *service, ddb_error *err)
{
    size_t secret_len = 0;
    if (!key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "sigv4: key is NULL");
    int rc = check_scope(secret_access_key, &secret_len, date, region, service, err);
    if (rc != DDB_OK)
        return rc;
    if (!cache || pthread_mutex_lock(&cache->mutex) != 0) /* cannot fail with a default mutex */
        return derive_key(key, cache ? cache->sha256 : EVP_sha256(), secret_access_key, secret_len,
                          date, region, service, err);
    cache_slot *slot = NULL;
    rc = cache_slot_for(&slot, cache, secret_access_key, secret_len, date, region, service, err);
    if (rc == DDB_OK)
        memcpy(key, slot->key, DDB_SIGV4__KEY_LEN);
    pthread_mutex_unlock(&cache->mutex);
    return rc;
}

/*
 * HMAC states keyed with the signing key for these inputs, for hmac_finish: copied from the cache,
 * or derived when there is none.
 */
static int keyed_states(EVP_MD_CTX *inner, EVP_MD_CTX *outer, ddb_sigv4__cache *cache,
                        const EVP_MD *md, const char *secret_access_key, const char *date,
                        const char *region, const char *service, ddb_error *err)
{
    size_t secret_len = 0;
    int rc = check_scope(secret_access_key, &secret_len, date, region, service, err);
    if (rc != DDB_OK)
        return rc;
    if (cache && pthread_mutex_lock(&cache->mutex) == 0) {
        cache_slot *slot = NULL;
        rc =
            cache_slot_for(&slot, cache, secret_access_key, secret_len, date, region, service, err);
        if (rc == DDB_OK &&
            (!EVP_MD_CTX_copy_ex(inner, slot->inner) || !EVP_MD_CTX_copy_ex(outer, slot->outer)))
            rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL failed copying an HMAC state");
        pthread_mutex_unlock(&cache->mutex);
        return rc;
    }
    unsigned char key[DDB_SIGV4__KEY_LEN] = {0};
    rc = derive_key(key, md, secret_access_key, secret_len, date, region, service, err);
    if (rc == DDB_OK && !hmac_set_key(inner, outer, md, key, sizeof(key)))
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL HMAC-SHA256 failed keying");
    OPENSSL_cleanse(key, sizeof(key));
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
    text = malloc(3 * len + 1);
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

static int payload_hash(char out[PAYLOAD_HASH_MAX + 1], EVP_MD_CTX *ctx, const EVP_MD *md,
                        const ddb_sigv4__request *req, ddb_error *err)
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
    if (!EVP_DigestInit_ex(ctx, md, NULL) ||
        !EVP_DigestUpdate(ctx, req->body ? req->body : "", req->body_len) ||
        !EVP_DigestFinal_ex(ctx, digest, NULL))
        return ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL SHA-256 failed hashing the body");
    to_hex(out, digest, sizeof(digest));
    return DDB_OK;
}

/* "YYYYMMDDTHHMMSSZ", as strftime's "%Y%m%dT%H%M%SZ" (which costs a locale lookup) writes it. The
 * range check on the time keeps the year within four digits. */
static bool format_amz_date(char out[17], const struct tm *tm)
{
    const int fields[6] = {tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday,
                           tm->tm_hour,        tm->tm_min,     tm->tm_sec};
    const int widths[6] = {4, 2, 2, 2, 2, 2};
    if (fields[0] < 0 || fields[0] > 9999)
        return false;
    char *o = out;
    for (int i = 0; i < 6; i++) {
        if (i == 3)
            *o++ = 'T';
        for (int d = widths[i] - 1, v = fields[i]; d >= 0; d--, v /= 10)
            o[d] = (char)('0' + v % 10);
        o += widths[i];
    }
    *o++ = 'Z';
    *o = '\0';
    return true;
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
    unsigned char digest[SHA256_LEN];
    EVP_MD_CTX *outer = NULL;
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
    /* The region, service and secret are checked again with the key (check_scope), but here before
     * any work. */
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

    /* One digest context serves the body, the canonical request and the MAC's inner hash. */
    const EVP_MD *md = cache ? cache->sha256 : EVP_sha256();
    s.md = EVP_MD_CTX_new();
    outer = EVP_MD_CTX_new();
    if (!s.md || !outer) {
        rc = ddb_error__set(err, DDB_ERR_NOMEM, "OpenSSL could not allocate a digest context");
        goto done;
    }
    rc = payload_hash(res.payload_hash, s.md, md, req, err);
    if (rc != DDB_OK)
        goto done;

    if (params->time < 0 || params->time > MAX_EPOCH) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "signing time %lld is out of range",
                            (long long)params->time);
        goto done;
    }
    time_t t = (time_t)params->time;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !format_amz_date(res.amz_date, &tm)) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "signing time %lld cannot be formatted",
                            (long long)params->time);
        goto done;
    }

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
    char *sp = append(scope, res.amz_date, 8); /* lengths checked above */
    *sp++ = '/';
    sp = append(sp, params->region, strlen(params->region));
    *sp++ = '/';
    sp = append(sp, params->service, strlen(params->service));
    *sp++ = '/';
    sp = append(sp, TERMINATOR, sizeof(TERMINATOR)); /* with its NUL */
    size_t scope_len = (size_t)(sp - scope) - 1;
    size_t signed_len = 0;
    for (size_t i = 0; i < n_refs; i++)
        if (i == 0 || casecmp(refs[i].name, refs[i - 1].name) != 0)
            signed_len += (i > 0) + strlen(refs[i].name);
    static const char cred_part[] = ALGORITHM " Credential=";
    static const char headers_part[] = ", SignedHeaders=";
    static const char sig_part[] = ", Signature=";
    size_t akid_len = strlen(creds->access_key_id);
    size_t auth_len = (sizeof(cred_part) - 1) + akid_len + 1 + scope_len +
                      (sizeof(headers_part) - 1) + signed_len + (sizeof(sig_part) - 1) + 64;
    res.authorization = calloc(1, auth_len + 1); /* zeroed: always a string, even on failure */
    if (!res.authorization) {
        rc = ddb_error__nomem(err, "the Authorization header");
        goto done;
    }
    char *w = append(res.authorization, cred_part, sizeof(cred_part) - 1);
    w = append(w, creds->access_key_id, akid_len);
    *w++ = '/';
    w = append(w, scope, scope_len);
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
    if (!EVP_DigestInit_ex(s.md, md, NULL)) {
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
    char sts[sizeof(ALGORITHM) + sizeof(res.amz_date) + sizeof(scope) + 2 * (size_t)SHA256_LEN + 1];
    char *sw = append(sts, ALGORITHM "\n", sizeof(ALGORITHM));
    sw = append(sw, res.amz_date, sizeof(res.amz_date) - 1);
    *sw++ = '\n';
    sw = append(sw, scope, scope_len);
    *sw++ = '\n';
    to_hex(sw, digest, sizeof(digest)); /* NUL-terminates */
    size_t sts_len = (size_t)(sw - sts) + (size_t)2 * SHA256_LEN;
    char date[9];
    memcpy(date, res.amz_date, 8);
    date[8] = '\0';
    rc = keyed_states(s.md, outer, cache, md, creds->secret_access_key, date, params->region,
                      params->service, err);
    if (rc != DDB_OK)
        goto done;
    if (!hmac_finish(digest, s.md, outer, sts, sts_len)) {
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
    if (refs != inline_refs)
        free(refs);
    EVP_MD_CTX_free(s.md); /* frees scrub the digest states */
    EVP_MD_CTX_free(outer);
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
