/*
 * The fast paths in front of json_loadb and json_dumps: they must handle the bodies the runtime
 * sends and receives (or they are no faster), and what they return must be exactly jansson's.
 * The fuzz target fuzz_json checks the second property on arbitrary input.
 */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "core/json_fast.h"
#include "test.h"

/* The tree and its text with JSON_COMPACT, which both libraries must agree on. */
static char *canonical(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

/* Parsed by the fast path (not handed to jansson), to the same tree as json_loadb's. */
static void check_fast(const char *text, size_t len, size_t flags)
{
    json_t *fast = NULL, *want = json_loadb(text, len, flags, NULL);
    if (ddb_json__loadb_fast(&fast, text, len, flags) != 0) {
        fprintf(stderr, "fast path gave up on: %.*s\n", (int)len, text);
        test_failures++;
        json_decref(want);
        return;
    }
    REQUIRE(want);
    char *a = canonical(want), *b = canonical(fast);
    CHECK_STR(b, a);
    CHECK(json_equal(want, fast));
    free(a);
    free(b);
    json_decref(fast);
    json_decref(want);
}

/* Handed to jansson: the same NULL and error text as json_loadb. */
static void check_delegated(const char *text, size_t len, size_t flags)
{
    json_t *fast = NULL;
    json_error_t want_err, got_err;
    CHECK(ddb_json__loadb_fast(&fast, text, len, flags) == -1);
    CHECK(fast == NULL);
    json_t *want = json_loadb(text, len, flags, &want_err);
    json_t *got = ddb_json__loadb(text, len, flags, &got_err);
    CHECK((want == NULL) == (got == NULL));
    if (!want) {
        CHECK_STR(got_err.text, want_err.text);
        CHECK_INT(got_err.position, want_err.position);
    } else {
        CHECK(json_equal(want, got));
    }
    json_decref(want);
    json_decref(got);
}

#define FAST(s) check_fast(s, sizeof(s) - 1, JSON_ALLOW_NUL)
#define DELEGATED(s, flags) check_delegated(s, sizeof(s) - 1, flags)

TEST(loads_responses_on_the_fast_path)
{
    FAST(
        "{\"Item\":{\"address\":{\"M\":{\"zip\":{\"S\":\"SW1Y 4JH\"},\"city\":{\"S\":\"London\"}}},"
        "\"scores\":{\"L\":[{\"N\":\"10\"},{\"N\":\"20\"}]},\"active\":{\"BOOL\":true},"
        "\"avatar\":{\"B\":\"CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+\"},"
        "\"deleted_at\":{\"NULL\":true},\"tags\":{\"SS\":[\"admin\",\"beta\",\"eu\"]}}}");
    FAST("{\"Count\":2,\"ScannedCount\":-17,\"ConsumedCapacity\":{\"TableName\":\"t\","
         "\"CapacityUnits\":0.5,\"ReadCapacityUnits\":1e-3}}");
    FAST(" \t\r\n{ \"a\" :\n[ 1 , 2 ,\t{ } , [ ] ] , \"b\" : false , \"c\" : null }\r\n ");
    FAST("[0,-0,123456789012345678,-123456789012345678,0.1,-0.0,1E+5,4.9e-324,1e-400]");
    FAST("{}");
    FAST("[]");
}

TEST(loads_escapes_and_utf8_on_the_fast_path)
{
    FAST("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"a\\u0041\\u00e9\\u20AC\\uD83D\\uDE00z\"]");
    FAST("[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf \x7f\"]");
    FAST("{\"s\":\"a\\u0000b\"}"); /* JSON_ALLOW_NUL */
    /* An escaped key, then a value that reuses the decoding buffer. */
    FAST("{\"k\\n1\":{\"k\\t2\":\"v\\\"2\"},\"k\\n3\":\"v\\\\3\"}");
    /* Duplicates: the last value wins, in the first one's place. */
    FAST("{\"a\":1,\"b\":2,\"a\":{\"x\":[3]}}");
}

TEST(hands_the_rest_to_jansson)
{
    DELEGATED("", JSON_ALLOW_NUL);
    DELEGATED("\"top-level string\"", JSON_ALLOW_NUL);
    DELEGATED("42", JSON_DECODE_ANY); /* other flags always go to jansson */
    DELEGATED("{\"a\":1} x", JSON_ALLOW_NUL);
    DELEGATED("{\"a\":1,}", JSON_ALLOW_NUL);
    DELEGATED("[01]", JSON_ALLOW_NUL);
    DELEGATED("[1.]", JSON_ALLOW_NUL);
    DELEGATED("[truex]", JSON_ALLOW_NUL);
    DELEGATED("[9223372036854775807]", JSON_ALLOW_NUL); /* 19 digits: jansson decides */
    DELEGATED("[9223372036854775808]", JSON_ALLOW_NUL);
    DELEGATED("[1e400]", JSON_ALLOW_NUL);
    DELEGATED("[\"\\uD83D\"]", JSON_ALLOW_NUL);
    DELEGATED("[\"\\uDE00\"]", JSON_ALLOW_NUL);
    DELEGATED("[\"\\x\"]", JSON_ALLOW_NUL);
    DELEGATED("[\"a\x01\"]", JSON_ALLOW_NUL);
    DELEGATED("[\"\xc0\xaf\"]", JSON_ALLOW_NUL);
    DELEGATED("[\"\xed\xa0\x80\"]", JSON_ALLOW_NUL);
    DELEGATED("[\"\xe2\x82\"]", JSON_ALLOW_NUL);
    DELEGATED("{\"a\\u0000b\":1}", JSON_ALLOW_NUL);
    DELEGATED("{\"s\":\"a\\u0000b\"}", 0);
    DELEGATED("{\"a\":1,\"a\":2}", JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL);
    char deep[2 * 200 + 1];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    deep[400] = '\0';
    check_delegated(deep, 400, JSON_ALLOW_NUL);
}

static void check_dump(const json_t *j, bool fast_expected)
{
    char *want = json_dumps(j, JSON_COMPACT);
    char *fast = ddb_json__dumps_fast(j, JSON_COMPACT);
    char *got = ddb_json__dumps(j, JSON_COMPACT);
    CHECK((fast != NULL) == fast_expected);
    if (fast)
        CHECK_STR(fast, want);
    CHECK((got == NULL) == (want == NULL));
    if (want)
        CHECK_STR(got, want);
    free(want);
    free(fast);
    free(got);
}

TEST(dumps_requests_like_jansson)
{
    json_t *j = json_pack("{s:s, s:{s:{s:s}, s:{s:[s,s]}}, s:I, s:b, s:n, s:[]}", "TableName",
                          "bench", "Key", "pk", "S", "bench#1", "tags", "SS", "a", "b", "Limit",
                          (json_int_t)(-9223372036854775807LL - 1), "ConsistentRead", 1, "Nothing",
                          "Empty");
    REQUIRE(j);
    check_dump(j, true);
    /* Escapes: quotes, backslash, the short forms, other controls as \u00XX, DEL and UTF-8 as is.
     * NUL inside a string and a key with a length. */
    json_object_set_new(j, "esc", json_stringn("\"\\/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9\0z", 16));
    json_object_setn_new(j, "k\0ey", 4, json_integer(0));
    check_dump(j, true);
    /* Reals, and invalid UTF-8 in an unchecked string, are json_dumps's to write. */
    json_object_set_new(j, "real", json_real(0.1));
    check_dump(j, false);
    json_t *bad = json_array();
    json_array_append_new(bad, json_stringn_nocheck("\xc0\xaf", 2));
    check_dump(bad, false);
    json_t *scalar = json_string("top");
    check_dump(scalar, false);
    json_decref(scalar);
    json_decref(bad);
    json_decref(j);
}

TEST_MAIN(CASE(loads_responses_on_the_fast_path), CASE(loads_escapes_and_utf8_on_the_fast_path),
          CASE(hands_the_rest_to_jansson), CASE(dumps_requests_like_jansson))
