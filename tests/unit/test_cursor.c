/* Pagination cursors: round trips, URL safety, and rejection of every kind of bad cursor. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64.h"
#include "ddb/api/cursor.h"
#include "ddb/core/value.h"
#include "test.h"

static const ddb_cursor_key secret = {"0123456789abcdef-server-secret", 30};

static ddb_value *key_s_n(const char *pk, const char *sk)
{
    ddb_value *k = NULL;
    if (ddb_value_new_m(&k, NULL) != 0)
        return NULL;
    ddb_value_m_set_s(k, "pk", pk, NULL);
    ddb_value_m_set_n(k, "sk", sk, NULL);
    return k;
}

/* Encode, decode, and compare; returns the cursor (caller frees) for further checks. */
static char *round_trip(const ddb_value *k, const char *context, const ddb_cursor_key *key)
{
    char *cursor = NULL;
    ddb_value *back = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_cursor_encode(&cursor, k, context, key, &err) != 0) {
        fprintf(stderr, "encode: %s\n", err.message);
        return NULL;
    }
    if (ddb_cursor_decode(&back, cursor, context, key, &err) != 0) {
        fprintf(stderr, "decode of %s: %s\n", cursor, err.message);
        free(cursor);
        return NULL;
    }
    if (!ddb_value_equal(k, back)) {
        fprintf(stderr, "round trip changed the key: %s\n", cursor);
        test_failures++;
    }
    ddb_value_free(back);
    return cursor;
}

static bool url_safe(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

/* Decode must fail with DDB_ERR_CURSOR, leave out untouched, and return the message. */
static const char *rejected(const char *cursor, const char *context, const ddb_cursor_key *key)
{
    static ddb_error err;
    ddb_value *sentinel = (ddb_value *)&err, *out = sentinel;
    ddb_error_clear(&err);
    int rc = ddb_cursor_decode(&out, cursor, context, key, &err);
    if (rc != DDB_ERR_CURSOR || out != sentinel) {
        fprintf(stderr, "cursor \"%.80s\" gave %s (%s), expected DDB_ERR_CURSOR\n", cursor,
                ddb_error_code_name(rc), err.message);
        test_failures++;
        if (rc == 0 && out != sentinel)
            ddb_value_free(out);
    }
    return err.message;
}

/* Make a correctly tagged cursor around arbitrary JSON, as a holder of the secret could. */
static char *forge(const char *json, const char *context, const ddb_cursor_key *key)
{
    unsigned char msg[512], md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    size_t clen = strlen(context), jlen = strlen(json);
    char *payload = NULL, *tag = NULL, *out = NULL;
    if (3 + clen + 1 + jlen > sizeof(msg))
        return NULL;
    memcpy(msg, "c1", 3);
    memcpy(msg + 3, context, clen + 1);
    memcpy(msg + 3 + clen + 1, json, jlen);
    HMAC(EVP_sha256(), key->bytes, (int)key->len, msg, 3 + clen + 1 + jlen, md, &md_len);
    if (ddb_base64__encode(&payload, json, jlen, true, NULL) == 0 &&
        ddb_base64__encode(&tag, md, 16, true, NULL) == 0) {
        size_t n = strlen(payload) + strlen(tag) + 8;
        out = malloc(n);
        if (out)
            snprintf(out, n, "c1.%s.%s", payload, tag);
    }
    free(payload);
    free(tag);
    return out;
}

TEST(round_trip_s_n)
{
    ddb_value *k = key_s_n("USER#42", "1700000000.125");
    REQUIRE(k);
    char *c = round_trip(k, "users.by_id", NULL);
    REQUIRE(c);
    CHECK(strncmp(c, "c1.", 3) == 0);
    CHECK(url_safe(c));
    free(c);
    c = round_trip(k, NULL, &secret);
    CHECK(c && url_safe(c));
    free(c);
    ddb_value_free(k);
}

TEST(round_trip_unicode)
{
    ddb_value *k = key_s_n("ünïcødé ✓ 日本語 🎉 \"quoted\" \\ / +=?&#", "-12.5E+3");
    REQUIRE(k);
    char *c = round_trip(k, "ctx", &secret);
    CHECK(c && url_safe(c));
    free(c);
    ddb_value_free(k);
}

TEST(round_trip_binary)
{
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)(255 - i);
    ddb_value *k = NULL, *b = NULL;
    REQUIRE(ddb_value_new_m(&k, NULL) == 0);
    REQUIRE(ddb_value_new_b(&b, bytes, sizeof(bytes), NULL) == 0);
    ddb_value_m_set_take(k, "bin", b, NULL);
    char *c = round_trip(k, "", NULL);
    CHECK(c && url_safe(c));
    free(c);
    ddb_value_free(k);
}

TEST(round_trip_gsi_key)
{
    /* A GSI page's LastEvaluatedKey carries the table's key and the index's. */
    ddb_value *k = key_s_n("ORDER#1", "3");
    REQUIRE(k);
    ddb_value_m_set_s(k, "gsi1pk", "CUSTOMER#9", NULL);
    ddb_value_m_set_s(k, "gsi1sk", "2024-01-01T00:00:00Z", NULL);
    char *c = round_trip(k, "orders.by_customer", &secret);
    CHECK(c != NULL);
    free(c);
    ddb_value_free(k);
}

TEST(every_single_character_tamper_rejected)
{
    static const char subst[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
                                "+/=% \x01\x7f\xc3";
    ddb_value *k = key_s_n("p", "1");
    REQUIRE(k);
    char *c = round_trip(k, "ctx", NULL);
    REQUIRE(c);
    size_t len = strlen(c);
    size_t tried = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t j = 0; j < sizeof(subst) - 1; j++) {
            if (subst[j] == c[i])
                continue;
            char saved = c[i];
            c[i] = subst[j];
            rejected(c, "ctx", NULL);
            c[i] = saved;
            tried++;
        }
    }
    CHECK(tried > len * 60);
    /* And the untouched cursor still decodes. */
    ddb_value *back = NULL;
    CHECK_INT(ddb_cursor_decode(&back, c, "ctx", NULL, NULL), 0);
    ddb_value_free(back);
    free(c);
    ddb_value_free(k);
}

TEST(truncation_rejected)
{
    ddb_value *k = key_s_n("partition", "42");
    REQUIRE(k);
    char *c = round_trip(k, NULL, &secret);
    REQUIRE(c);
    for (size_t n = strlen(c); n-- > 0;) {
        c[n] = '\0';
        rejected(c, NULL, &secret);
    }
    free(c);
    ddb_value_free(k);
}

TEST(garbage_rejected)
{
    static const char *const garbage[] = {
        "",
        "c1",
        "c1.",
        "c1..",
        "c1...",
        "hello",
        "c1.!!",
        ".c1.abc.de",
        "c1.e30.AAAA",
        "null",
        "c1.e30.AAAAAAAAAAAAAAAAAAAAAA.x",
        "c1.e30=.AAAAAAAAAAAAAAAAAAAAAA",
        "c1.e30.AAAAAAAAAAAAAAAAAAAAAA",
        "\xff\xfe",
        "c1.\xc3\xa9.AAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        rejected(garbage[i], NULL, NULL);
    CHECK_CONTAINS(rejected("", NULL, NULL), "cursor is empty");
    CHECK_CONTAINS(rejected("hello", NULL, NULL), "version prefix");
    CHECK_CONTAINS(rejected("c1.ab+cd.AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL),
                   "outside [A-Za-z0-9._-] at offset 5");
    CHECK_CONTAINS(rejected("c1.e30.AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL),
                   "cursor integrity check failed");
}

TEST(wrong_version_rejected)
{
    ddb_value *k = key_s_n("p", "1");
    REQUIRE(k);
    char *c = round_trip(k, NULL, NULL);
    REQUIRE(c);
    c[1] = '9';
    CHECK_CONTAINS(rejected(c, NULL, NULL), "cursor version 'c9' is not supported");
    c[1] = '1';
    char *longer = malloc(strlen(c) + 3);
    REQUIRE(longer);
    snprintf(longer, strlen(c) + 3, "c12%s", c + 2);
    CHECK_CONTAINS(rejected(longer, NULL, NULL), "cursor version 'c12' is not supported");
    free(longer);
    free(c);
    ddb_value_free(k);
}

TEST(wrong_key_or_context_rejected)
{
    static const ddb_cursor_key other = {"another-secret-of-32-bytes......", 32};
    ddb_value *k = key_s_n("p", "1");
    REQUIRE(k);
    char *c = round_trip(k, "q1", &secret);
    REQUIRE(c);
    CHECK_CONTAINS(rejected(c, "q1", &other), "cursor integrity check failed");
    CHECK_CONTAINS(rejected(c, "q1", NULL), "cursor integrity check failed");
    CHECK_CONTAINS(rejected(c, "q2", &secret), "cursor integrity check failed");
    CHECK_CONTAINS(rejected(c, NULL, &secret), "cursor integrity check failed");
    free(c);
    /* NULL and "" are the same context. */
    c = round_trip(k, NULL, NULL);
    REQUIRE(c);
    ddb_value *back = NULL;
    CHECK_INT(ddb_cursor_decode(&back, c, "", NULL, NULL), 0);
    ddb_value_free(back);
    free(c);
    ddb_value_free(k);
}

TEST(over_long_rejected)
{
    char *big = malloc(DDB_CURSOR_MAX_LEN + 2);
    REQUIRE(big);
    memcpy(big, "c1.", 3);
    memset(big + 3, 'A', DDB_CURSOR_MAX_LEN - 2);
    big[DDB_CURSOR_MAX_LEN + 1] = '\0';
    CHECK_CONTAINS(rejected(big, NULL, NULL), "longer than 16384 bytes");
    free(big);

    /* Encode refuses to make what decode would refuse. */
    char *huge = malloc(13001);
    REQUIRE(huge);
    memset(huge, 'x', 13000);
    huge[13000] = '\0';
    ddb_value *k = key_s_n(huge, "1");
    REQUIRE(k);
    char *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_cursor_encode(&c, k, NULL, NULL, &err), DDB_ERR_LIMIT);
    CHECK(c == NULL);
    CHECK_CONTAINS(err.message, "the limit is 16384");
    free(huge);
    ddb_value_free(k);
}

TEST(forged_payload_checked)
{
    /* With the secret, the tag passes; the content is still checked. */
    static const char *const payloads[] = {
        "not json",
        "{}",
        "[1,2]",
        "{\"a\":{\"BOOL\":true}}",
        "{\"a\":{\"S\":\"1\"},\"b\":{\"S\":\"2\"},\"c\":{\"S\":\"3\"},\"d\":{\"S\":\"4\"},"
        "\"e\":{\"S\":\"5\"},\"f\":{\"S\":\"6\"},\"g\":{\"S\":\"7\"},\"h\":{\"S\":\"8\"},"
        "\"i\":{\"S\":\"9\"},\"j\":{\"S\":\"10\"},\"k\":{\"S\":\"11\"}}",
        "{\"a\":{\"N\":\"1e999\"}}",
    };
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        char *c = forge(payloads[i], "ctx", &secret);
        REQUIRE(c);
        CHECK_CONTAINS(rejected(c, "ctx", &secret), "cursor key");
        free(c);
    }
    /* The forging helper itself is right: a valid payload decodes. */
    char *c = forge("{\"pk\":{\"S\":\"x\"}}", "ctx", &secret);
    REQUIRE(c);
    ddb_value *back = NULL;
    CHECK_INT(ddb_cursor_decode(&back, c, "ctx", &secret, NULL), 0);
    CHECK_STR(ddb_value_s(ddb_value_m_get(back, "pk"), NULL), "x");
    ddb_value_free(back);
    free(c);
}

TEST(encode_rejects_unsuitable_keys)
{
    char *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *k = NULL, *v = NULL;

    CHECK_INT(ddb_cursor_encode(&c, NULL, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "no LastEvaluatedKey");

    REQUIRE(ddb_value_new_s(&v, "x", NULL) == 0);
    CHECK_INT(ddb_cursor_encode(&c, v, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "is not a map");
    ddb_value_free(v);

    REQUIRE(ddb_value_new_m(&k, NULL) == 0);
    CHECK_INT(ddb_cursor_encode(&c, k, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "has 0 attributes");
    ddb_value_m_set_bool(k, "flag", true, NULL);
    CHECK_INT(ddb_cursor_encode(&c, k, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "of type BOOL");
    ddb_value_m_remove(k, "flag");
    for (int i = 0; i < 11; i++) {
        char name[8];
        snprintf(name, sizeof(name), "k%d", i);
        ddb_value_m_set_s(k, name, "v", NULL);
    }
    CHECK_INT(ddb_cursor_encode(&c, k, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "has 11 attributes");
    ddb_value_free(k);

    k = key_s_n("p", "1");
    REQUIRE(k);
    ddb_cursor_key short_key = {"short", 5};
    CHECK_INT(ddb_cursor_encode(&c, k, NULL, &short_key, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "at least 16");
    ddb_value *out = NULL;
    CHECK_INT(ddb_cursor_decode(&out, "c1.x.y", NULL, &short_key, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_cursor_decode(&out, NULL, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK(out == NULL);
    CHECK(c == NULL);
    ddb_value_free(k);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(round_trip_s_n), CASE(round_trip_unicode), CASE(round_trip_binary),
          CASE(round_trip_gsi_key), CASE(every_single_character_tamper_rejected),
          CASE(truncation_rejected), CASE(garbage_rejected), CASE(wrong_version_rejected),
          CASE(wrong_key_or_context_rejected), CASE(over_long_rejected),
          CASE(forged_payload_checked), CASE(encode_rejects_unsuitable_keys))
