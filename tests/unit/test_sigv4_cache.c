/*
 * SigV4: the derived-key cache, a DynamoDB-shaped request against a derivation done by hand from
 * the suite's rules, and the signer's edge cases. The official vectors are in test_sigv4.c.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "wire/sigv4.h"

#define SECRET_A "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SECRET_B "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

/* 2026-03-14T09:26:53Z and the same day's last second. */
#define T_DDB 1773480413
#define T_DDB_LATER (1773480413 + 14 * 3600 + 33 * 60 + 6)

static void hex(char *out, const unsigned char *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(char out[65], const char *data, size_t len)
{
    unsigned char d[32];
    EVP_Digest(data, len, d, NULL, EVP_sha256(), NULL);
    hex(out, d, 32);
}

static void hmac(unsigned char out[32], const void *key, size_t key_len, const char *data)
{
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, strlen(data), out, &n);
}

/* The four-step derivation, written out independently of sigv4.c. */
static void derive_by_hand(unsigned char key[32], const char *secret, const char *date,
                           const char *region, const char *service)
{
    char seed[128];
    unsigned char k1[32], k2[32], k3[32];
    snprintf(seed, sizeof(seed), "AWS4%s", secret);
    hmac(k1, seed, strlen(seed), date);
    hmac(k2, k1, 32, region);
    hmac(k3, k2, 32, service);
    hmac(key, k3, 32, "aws4_request");
}

static uint64_t derivations(ddb_sigv4__cache *c)
{
    uint64_t d = 0;
    ddb_sigv4__cache_stats(c, NULL, &d);
    return d;
}

static uint64_t hits(ddb_sigv4__cache *c)
{
    uint64_t h = 0;
    ddb_sigv4__cache_stats(c, &h, NULL);
    return h;
}

/* The example in AWS's "derive a signing key" documentation. */
TEST(derives_documented_key)
{
    unsigned char key[32];
    char key_hex[65];
    REQUIRE(ddb_sigv4__signing_key(key, NULL, SECRET_A, "20120215", "us-east-1", "iam", NULL) == 0);
    hex(key_hex, key, 32);
    CHECK_STR(key_hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(same_day_reuses_key)
{
    ddb_sigv4__cache *c = NULL;
    unsigned char k1[32], k2[32], want[32];
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);
    derive_by_hand(want, SECRET_A, "20260314", "us-west-2", "dynamodb");
    CHECK(ddb_sigv4__signing_key(k1, c, SECRET_A, "20260314", "us-west-2", "dynamodb", NULL) == 0);
    CHECK(ddb_sigv4__signing_key(k2, c, SECRET_A, "20260314", "us-west-2", "dynamodb", NULL) == 0);
    CHECK(memcmp(k1, want, 32) == 0);
    CHECK(memcmp(k2, want, 32) == 0);
    CHECK_INT(derivations(c), 1);
    CHECK_INT(hits(c), 1);

    /* The secret's identity is its content, not its address. */
    char copy[] = SECRET_A;
    CHECK(ddb_sigv4__signing_key(k2, c, copy, "20260314", "us-west-2", "dynamodb", NULL) == 0);
    CHECK(memcmp(k2, want, 32) == 0);
    CHECK_INT(derivations(c), 1);
    ddb_sigv4__cache_free(c);
}

TEST(new_date_region_service_or_secret_derives)
{
    static const struct {
        const char *secret, *date, *region, *service;
    } steps[] = {
        {SECRET_A, "20260314", "us-west-2", "dynamodb"},
        {SECRET_A, "20260315", "us-west-2", "dynamodb"}, /* the next day */
        {SECRET_A, "20260315", "eu-west-1", "dynamodb"}, /* another region */
        {SECRET_A, "20260315", "eu-west-1", "streams.dynamodb"},
        {SECRET_B, "20260315", "eu-west-1", "streams.dynamodb"}, /* a rotated secret */
    };
    ddb_sigv4__cache *c = NULL;
    unsigned char got[32], want[32], prev[32];
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        CHECK(ddb_sigv4__signing_key(got, c, steps[i].secret, steps[i].date, steps[i].region,
                                     steps[i].service, NULL) == 0);
        derive_by_hand(want, steps[i].secret, steps[i].date, steps[i].region, steps[i].service);
        CHECK(memcmp(got, want, 32) == 0);
        if (i > 0)
            CHECK(memcmp(got, prev, 32) != 0);
        CHECK_INT(derivations(c), i + 1);
        memcpy(prev, got, 32);
    }
    CHECK_INT(hits(c), 0);
    ddb_sigv4__cache_free(c);
}

/* Two secrets in turn, as around a credential rotation: each always gets its own key. */
TEST(secrets_never_mixed)
{
    ddb_sigv4__cache *c = NULL;
    unsigned char got[32], want_a[32], want_b[32];
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);
    derive_by_hand(want_a, SECRET_A, "20260314", "us-west-2", "dynamodb");
    derive_by_hand(want_b, SECRET_B, "20260314", "us-west-2", "dynamodb");
    for (int i = 0; i < 10; i++) {
        const char *secret = i % 2 ? SECRET_B : SECRET_A;
        CHECK(ddb_sigv4__signing_key(got, c, secret, "20260314", "us-west-2", "dynamodb", NULL) ==
              0);
        CHECK(memcmp(got, i % 2 ? want_b : want_a, 32) == 0);
    }
    CHECK_INT(derivations(c), 2);
    CHECK_INT(hits(c), 8);
    ddb_sigv4__cache_free(c);
}

/* More combinations than slots: old entries are evicted, and every key stays right. */
TEST(eviction_keeps_keys_correct)
{
    ddb_sigv4__cache *c = NULL;
    unsigned char got[32], want[32];
    char region[32];
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 20; i++) {
            snprintf(region, sizeof(region), "test-region-%d", i);
            CHECK(ddb_sigv4__signing_key(got, c, SECRET_A, "20260314", region, "dynamodb", NULL) ==
                  0);
            derive_by_hand(want, SECRET_A, "20260314", region, "dynamodb");
            CHECK(memcmp(got, want, 32) == 0);
        }
    }
    CHECK_INT(derivations(c), 40); /* 20 keys cycling through fewer slots: LRU never hits */
    /* The most recent key is still cached. */
    CHECK(ddb_sigv4__signing_key(got, c, SECRET_A, "20260314", "test-region-19", "dynamodb",
                                 NULL) == 0);
    CHECK_INT(derivations(c), 40);
    ddb_sigv4__cache_free(c);
}

/* The same buffer, rewritten with another secret (as a refreshed credential can be): the cache
 * keys on content, so the new secret gets its own key. */
TEST(secret_rewritten_in_place_gets_its_own_key)
{
    ddb_sigv4__cache *c = NULL;
    unsigned char got[32], want_a[32], want_b[32];
    char secret[] = SECRET_A;
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);
    derive_by_hand(want_a, SECRET_A, "20260314", "us-west-2", "dynamodb");
    derive_by_hand(want_b, SECRET_B, "20260314", "us-west-2", "dynamodb");
    CHECK(ddb_sigv4__signing_key(got, c, secret, "20260314", "us-west-2", "dynamodb", NULL) == 0);
    CHECK(memcmp(got, want_a, 32) == 0);
    memcpy(secret, SECRET_B, sizeof(secret)); /* same length, same address */
    CHECK(ddb_sigv4__signing_key(got, c, secret, "20260314", "us-west-2", "dynamodb", NULL) == 0);
    CHECK(memcmp(got, want_b, 32) == 0);
    secret[39] ^= 1; /* one bit of the last byte */
    CHECK(ddb_sigv4__signing_key(got, c, secret, "20260314", "us-west-2", "dynamodb", NULL) == 0);
    CHECK(memcmp(got, want_b, 32) != 0);
    CHECK_INT(derivations(c), 3);
    CHECK_INT(hits(c), 0);
    ddb_sigv4__cache_free(c);
}

/* "AWS4" + a secret longer than HMAC's 64-byte block: the key is hashed first (RFC 2104). */
TEST(long_secret_matches_hmac)
{
    char secret[301], seed[305];
    unsigned char k1[32], k2[32], k3[32], want[32], got[32];
    for (size_t i = 0; i < sizeof(secret) - 1; i++)
        secret[i] = (char)('A' + i % 26);
    secret[sizeof(secret) - 1] = '\0';
    for (size_t len = 56; len <= 300; len += len < 70 ? 1 : 23) {
        secret[len] = '\0';
        snprintf(seed, sizeof(seed), "AWS4%s", secret);
        hmac(k1, seed, strlen(seed), "20260314");
        hmac(k2, k1, 32, "us-west-2");
        hmac(k3, k2, 32, "dynamodb");
        hmac(want, k3, 32, "aws4_request");
        CHECK(ddb_sigv4__signing_key(got, NULL, secret, "20260314", "us-west-2", "dynamodb",
                                     NULL) == 0);
        CHECK(memcmp(got, want, 32) == 0);
        secret[len] = (char)('A' + len % 26);
    }
}

/* The secret fingerprint is SipHash-2-4-128: checked against OpenSSL's SIPHASH at every length
 * around the 8-byte block boundaries, with the reference key 00..0f and another. */
TEST(siphash128_matches_openssl)
{
    unsigned char key[16], data[80], got[16], want[16];
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    REQUIRE(mac);
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof(key); i++)
            key[i] = (unsigned char)(k == 0 ? i : 0xA5 ^ (i * 29));
        for (size_t i = 0; i < sizeof(data); i++)
            data[i] = (unsigned char)(k == 0 ? i : 0xFF - i * 7);
        for (size_t len = 0; len <= sizeof(data); len++) {
            EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
            size_t size = 16, out_len = 0;
            OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                                   OSSL_PARAM_construct_end()};
            REQUIRE(ctx && EVP_MAC_init(ctx, key, sizeof(key), params) &&
                    EVP_MAC_update(ctx, data, len) &&
                    EVP_MAC_final(ctx, want, &out_len, sizeof(want)) && out_len == 16);
            EVP_MAC_CTX_free(ctx);
            ddb_sigv4__siphash128(got, key, data, len);
            if (memcmp(got, want, 16) != 0) {
                fprintf(stderr, "SipHash-128 differs at key %d, length %zu\n", k, len);
                test_failures++;
            }
        }
    }
    /* The reference implementation's first 128-bit vector (key 00..0f, empty message). */
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)i;
    ddb_sigv4__siphash128(got, key, "", 0);
    char got_hex[33];
    hex(got_hex, got, 16);
    CHECK_STR(got_hex, "a3817f04ba25a8e66df67214c7550293");
    EVP_MAC_free(mac);
}

TEST(signing_key_rejects_bad_scope)
{
    unsigned char key[32];
    memset(key, 0xAB, sizeof(key));
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_sigv4__signing_key(key, NULL, SECRET_A, "2026031", "us-west-2", "dynamodb", &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "YYYYMMDD");
    CHECK_INT(ddb_sigv4__signing_key(key, NULL, SECRET_A, "20260314", "us/west", "dynamodb", &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "region");
    CHECK_INT(ddb_sigv4__signing_key(key, NULL, "", "20260314", "us-west-2", "dynamodb", &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "secret access key is empty");
    for (size_t i = 0; i < sizeof(key); i++)
        CHECK(key[i] == 0xAB);
    ddb_error_clear(&err);
}

/* ---- a DynamoDB request ---- */

static const char ddb_body[] = "{\"TableName\":\"shop\",\"Key\":{\"pk\":{\"S\":\"USER#42\"}}}";
static const ddb_sigv4__header ddb_headers[] = {
    {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
    {"Host", "dynamodb.us-west-2.amazonaws.com"},
    {"Content-Type", "application/x-amz-json-1.0"},
};

static ddb_sigv4__request ddb_request(void)
{
    ddb_sigv4__request r = {
        .method = "POST",
        .path = "/",
        .headers = ddb_headers,
        .n_headers = 3,
        .body = ddb_body,
        .body_len = sizeof(ddb_body) - 1,
    };
    return r;
}

/* The suite's rules applied by hand: lowercase names sorted, the date and token signed, path "/",
 * empty query, the body's SHA-256. */
static void ddb_expected(char sig_hex[65], char auth[512], const char *secret, int64_t when)
{
    char body_hash[65], creq_hash[65], creq[1024], sts[512], amz_date[17], date[9];
    unsigned char key[32], sig[32];
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(date, sizeof(date), "%.8s", amz_date);
    sha256_hex(body_hash, ddb_body, sizeof(ddb_body) - 1);
    snprintf(creq, sizeof(creq),
             "POST\n/\n\n"
             "content-type:application/x-amz-json-1.0\n"
             "host:dynamodb.us-west-2.amazonaws.com\n"
             "x-amz-date:%s\n"
             "x-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN\n"
             "x-amz-target:DynamoDB_20120810.GetItem\n"
             "\n"
             "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
             "%s",
             amz_date, body_hash);
    sha256_hex(creq_hash, creq, strlen(creq));
    snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/us-west-2/dynamodb/aws4_request\n%s",
             amz_date, date, creq_hash);
    derive_by_hand(key, secret, date, "us-west-2", "dynamodb");
    hmac(sig, key, 32, sts);
    hex(sig_hex, sig, 32);
    snprintf(auth, 512,
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%s/us-west-2/dynamodb/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
             "Signature=%s",
             date, sig_hex);
}

TEST(dynamodb_request_matches_hand_derivation)
{
    ddb_sigv4__request req = ddb_request();
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", SECRET_A, "FQoGZXIvYXdzEXAMPLETOKEN"};
    ddb_sigv4__params params = {"us-west-2", "dynamodb", T_DDB, 0};
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    ddb_error err = DDB_ERROR_INIT;
    char sig[65], auth[512];

    REQUIRE(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err) == 0);
    ddb_expected(sig, auth, SECRET_A, T_DDB);
    CHECK_STR(res.signature, sig);
    CHECK_STR(res.authorization, auth);
    CHECK_STR(res.amz_date, "20260314T092653Z");
    /* botocore 1.43's SigV4Auth, given the same request and time, produced this signature. */
    CHECK_STR(res.signature, "63a6154ca6a90c25adce87f36e362a5e09a11fbc89840f98566d5c306258ec55");
    CHECK(res.canonical_request == NULL);
    ddb_sigv4__result_clear(&res);
    ddb_error_clear(&err);
}

TEST(dynamodb_request_with_cache)
{
    ddb_sigv4__request req = ddb_request();
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", SECRET_A, "FQoGZXIvYXdzEXAMPLETOKEN"};
    ddb_sigv4__params params = {"us-west-2", "dynamodb", T_DDB, 0};
    ddb_sigv4__cache *c = NULL;
    char sig[65], auth[512];
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);

    /* Three signatures the same day, then one the next day, then one with another secret. */
    const int64_t times[] = {T_DDB, T_DDB + 1, T_DDB_LATER, T_DDB_LATER + 1, T_DDB_LATER + 1};
    const char *secrets[] = {SECRET_A, SECRET_A, SECRET_A, SECRET_A, SECRET_B};
    const uint64_t want_derivations[] = {1, 1, 1, 2, 3};
    for (size_t i = 0; i < 5; i++) {
        ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
        params.time = times[i];
        creds.secret_access_key = secrets[i];
        CHECK(ddb_sigv4__sign(&res, c, &req, &creds, &params, NULL) == 0);
        ddb_expected(sig, auth, secrets[i], times[i]);
        CHECK_STR(res.signature, sig);
        CHECK_STR(res.authorization, auth);
        CHECK_INT(derivations(c), want_derivations[i]);
        ddb_sigv4__result_clear(&res);
    }
    ddb_sigv4__cache_free(c);
}

typedef struct thread_arg {
    ddb_sigv4__cache *cache;
    const char *secret;
    const char *want;
    int failures;
} thread_arg;

static void *sign_many(void *p)
{
    thread_arg *a = p;
    ddb_sigv4__request req = ddb_request();
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", a->secret, "FQoGZXIvYXdzEXAMPLETOKEN"};
    ddb_sigv4__params params = {"us-west-2", "dynamodb", T_DDB, 0};
    for (int i = 0; i < 200; i++) {
        ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
        if (ddb_sigv4__sign(&res, a->cache, &req, &creds, &params, NULL) != 0 ||
            strcmp(res.signature, a->want) != 0)
            a->failures++;
        ddb_sigv4__result_clear(&res);
    }
    return NULL;
}

/* Threads sharing one cache with two secrets: each always signs with its own key. */
TEST(cache_shared_by_threads)
{
    ddb_sigv4__cache *c = NULL;
    char sig_a[65], sig_b[65], auth[512];
    REQUIRE(ddb_sigv4__cache_new(&c, NULL) == 0);
    ddb_expected(sig_a, auth, SECRET_A, T_DDB);
    ddb_expected(sig_b, auth, SECRET_B, T_DDB);
    pthread_t threads[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){c, i % 2 ? SECRET_B : SECRET_A, i % 2 ? sig_b : sig_a, 0};
        REQUIRE(pthread_create(&threads[i], NULL, sign_many, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT(args[i].failures, 0);
    }
    CHECK_INT(derivations(c), 2);
    CHECK_INT(hits(c), 4 * 200 - 2);
    ddb_sigv4__cache_free(c);
}

/* ---- the signer's edge cases ---- */

static char *canonical(const char *path, const char *query, const ddb_sigv4__header *h, size_t n,
                       unsigned int flags)
{
    ddb_sigv4__request req = {"GET", path, query, h, n, NULL, 0, NULL};
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", SECRET_A, NULL};
    ddb_sigv4__params params = {"us-east-1", "service", T_DDB, flags | DDB_SIGV4__CAPTURE};
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    if (ddb_sigv4__sign(&res, NULL, &req, &creds, &params, NULL) != 0)
        return NULL;
    char *creq = strdup(res.canonical_request);
    ddb_sigv4__result_clear(&res);
    return creq;
}

/* The second line of a canonical request is the path, the third the query. */
static void check_line(const char *creq, int line, const char *want)
{
    REQUIRE(creq);
    const char *p = creq;
    for (int i = 0; i < line; i++) {
        p = strchr(p, '\n');
        REQUIRE(p);
        p++;
    }
    size_t len = strcspn(p, "\n");
    if (strlen(want) != len || strncmp(p, want, len) != 0) {
        fprintf(stderr, "line %d is \"%.*s\", expected \"%s\"\n", line, (int)len, p, want);
        test_failures++;
    }
}

static const ddb_sigv4__header host_only[] = {{"Host", "example.amazonaws.com"}};

TEST(path_and_query_rules)
{
    static const struct {
        const char *path, *query;
        unsigned int flags;
        const char *want_path, *want_query;
    } cases[] = {
        {"/a/b/../c/./d//", NULL, 0, "/a/c/d/", ""},
        {"/a/b/..", NULL, 0, "/a", ""},
        {"/../../x", NULL, 0, "/x", ""},
        {"/a/b/../c/./d//", NULL, DDB_SIGV4__NO_NORMALIZE_PATH, "/a/b/../c/./d//", ""},
        /* Already-encoded paths are encoded again: every service but S3 wants that. */
        {"/a%20b", NULL, 0, "/a%2520b", ""},
        {"", NULL, 0, "/", ""},
        {"/", "b=2&a=1&a=0&c", 0, "/", "a=0&a=1&b=2&c="},
        {"/", "x=a+b&y=%7e&z=%zz&&", 0, "/", "x=a%2Bb&y=~&z=%25zz"},
        {"/", "k=v=w&=e", 0, "/", "=e&k=v%3Dw"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *creq = canonical(cases[i].path, cases[i].query, host_only, 1, cases[i].flags);
        check_line(creq, 1, cases[i].want_path);
        check_line(creq, 2, cases[i].want_query);
        free(creq);
    }
}

TEST(header_rules)
{
    /* More headers than the signer sorts on the stack, with mixed-case duplicates. */
    ddb_sigv4__header h[24];
    char names[24][16];
    h[0] = (ddb_sigv4__header){"Host", "example.amazonaws.com"};
    h[1] = (ddb_sigv4__header){"X-Dup", " \t one  \n\t two "};
    h[2] = (ddb_sigv4__header){"x-dup", ""};
    h[3] = (ddb_sigv4__header){"X-DUP", "three"};
    for (int i = 4; i < 24; i++) {
        snprintf(names[i], sizeof(names[i]), "X-H%02d", 27 - i);
        h[i] = (ddb_sigv4__header){names[i], "v"};
    }
    char *creq = canonical("/", NULL, h, 24, 0);
    REQUIRE(creq);
    CHECK_CONTAINS(creq, "\nx-dup:one two,,three\n");
    CHECK_CONTAINS(creq, "\nx-h08:v\nx-h09:v\n");
    CHECK_CONTAINS(creq, "x-h23:v\n\nhost;x-amz-date;x-dup;x-h04;");
    free(creq);
}

TEST(unsigned_token_and_content_sha256)
{
    ddb_sigv4__request req = ddb_request();
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", SECRET_A, "TOKEN"};
    ddb_sigv4__params params = {"us-west-2", "dynamodb", T_DDB,
                                DDB_SIGV4__UNSIGNED_TOKEN | DDB_SIGV4__CONTENT_SHA256 |
                                    DDB_SIGV4__CAPTURE};
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    char body_hash[65];
    REQUIRE(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, NULL) == 0);
    sha256_hex(body_hash, ddb_body, sizeof(ddb_body) - 1);
    CHECK_STR(res.payload_hash, body_hash);
    CHECK(strstr(res.canonical_request, "TOKEN") == NULL);
    CHECK_CONTAINS(res.authorization,
                   "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target,");
    ddb_sigv4__result_clear(&res);

    /* A caller-supplied payload hash is signed as given. */
    req.payload_hash = "UNSIGNED-PAYLOAD";
    REQUIRE(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, NULL) == 0);
    CHECK_STR(res.payload_hash, "UNSIGNED-PAYLOAD");
    CHECK_CONTAINS(res.canonical_request, "\nUNSIGNED-PAYLOAD");
    ddb_sigv4__result_clear(&res);
}

TEST(rejects_bad_requests_and_leaves_out_untouched)
{
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", SECRET_A, "TOKEN"};
    ddb_sigv4__params params = {"us-west-2", "dynamodb", T_DDB, 0};
    ddb_sigv4__result res;
    memset(&res, 0x5A, sizeof(res));
    ddb_sigv4__result before;
    memcpy(&before, &res, sizeof(res));
    ddb_error err = DDB_ERROR_INIT;

    static const ddb_sigv4__header no_host[] = {{"Content-Type", "x"}};
    ddb_sigv4__request req = {"POST", "/", NULL, no_host, 1, NULL, 0, NULL};
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "no host header");

    static const ddb_sigv4__header dated[] = {{"Host", "h"}, {"X-Amz-Date", "20260314T092653Z"}};
    req.headers = dated;
    req.n_headers = 2;
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "x-amz-date is set by the signer");

    static const ddb_sigv4__header token[] = {{"Host", "h"}, {"X-Amz-Security-Token", "T"}};
    req.headers = token;
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "x-amz-security-token is set by the signer");

    req.headers = host_only;
    req.n_headers = 1;
    req.path = "relative";
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "path");

    req.path = "/";
    params.region = "us-west-2/evil";
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "region");

    params.region = "us-west-2";
    params.time = -1;
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "signing time");

    params.time = T_DDB;
    creds.access_key_id = "AKID WITH SPACE";
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "access key id");
    CHECK(strstr(err.message, SECRET_A) == NULL);

    CHECK(memcmp(&res, &before, sizeof(res)) == 0);
    ddb_error_clear(&err);
}

TEST(oversized_canonical_request_is_a_limit)
{
    size_t len = DDB_SIGV4__CANONICAL_MAX + 1;
    char *big = malloc(len + 1);
    REQUIRE(big);
    memset(big, 'a', len);
    big[len] = '\0';
    ddb_sigv4__header h[] = {{"Host", "h"}, {"X-Big", big}};
    ddb_sigv4__request req = {"POST", "/", NULL, h, 2, NULL, 0, NULL};
    ddb_sigv4__credentials creds = {"AKIDEXAMPLE", SECRET_A, NULL};
    ddb_sigv4__params params = {"us-west-2", "dynamodb", T_DDB, DDB_SIGV4__CAPTURE};
    ddb_sigv4__result res = DDB_SIGV4__RESULT_INIT;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_sigv4__sign(&res, NULL, &req, &creds, &params, &err), DDB_ERR_LIMIT);
    CHECK_CONTAINS(err.message, "canonical request exceeds");
    CHECK(res.authorization == NULL);
    free(big);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(derives_documented_key), CASE(same_day_reuses_key),
          CASE(new_date_region_service_or_secret_derives), CASE(secrets_never_mixed),
          CASE(eviction_keeps_keys_correct), CASE(secret_rewritten_in_place_gets_its_own_key),
          CASE(long_secret_matches_hmac), CASE(siphash128_matches_openssl),
          CASE(signing_key_rejects_bad_scope), CASE(dynamodb_request_matches_hand_derivation),
          CASE(dynamodb_request_with_cache), CASE(cache_shared_by_threads),
          CASE(path_and_query_rules), CASE(header_rules), CASE(unsigned_token_and_content_sha256),
          CASE(rejects_bad_requests_and_leaves_out_untouched),
          CASE(oversized_canonical_request_is_a_limit))
