#include <stdint.h>

#include "core/value_json.h"
#include "ddb/core/value.h"
#include "test.h"

#define B64_ALL_BYTES                                                                              \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNE" \
    "RUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJ" \
    "iouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3O" \
    "z9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="

static ddb_value *const SENTINEL = (ddb_value *)&test_failures;

/* Parses text as a value, writes it back and expects the same text: both directions at once. */
static ddb_value *round_trip(const char *text, ddb_type type)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_value_from_json(&v, text, strlen(text), &err);
    if (rc)
        fprintf(stderr, "  %s: %s\n", text, err.message);
    CHECK_INT(rc, 0);
    if (rc)
        return NULL;
    CHECK_INT(ddb_value_type(v), type);
    char *back = NULL;
    CHECK_INT(ddb_value_to_json(&back, v, &err), 0);
    CHECK_STR(back, text);
    free(back);
    return v;
}

static void expect_item_error(const char *text, const char *message)
{
    ddb_value *v = SENTINEL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_item_from_json(&v, text, strlen(text), &err);
    if (rc != DDB_ERR_PROTOCOL)
        fprintf(stderr, "  %s gave %d\n", text, rc);
    CHECK_INT(rc, DDB_ERR_PROTOCOL);
    CHECK_STR(err.message, message);
    CHECK(v == SENTINEL);
}

static void expect_value_error(const char *text, const char *fragment)
{
    ddb_value *v = SENTINEL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_value_from_json(&v, text, strlen(text), &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, fragment);
    CHECK(v == SENTINEL);
}

TEST(round_trip_every_type)
{
    ddb_value *v = round_trip("{\"S\":\"h\xc3\xa9llo \\\"q\\\" \\\\ \\n\"}", DDB_TYPE_S);
    CHECK_STR(ddb_value_s(v, NULL), "h\xc3\xa9llo \"q\" \\ \n");
    ddb_value_free(v);

    v = round_trip("{\"N\":\"-1.50e3\"}", DDB_TYPE_N);
    CHECK_STR(ddb_value_n(v), "-1.50e3"); /* kept as sent */
    ddb_value_free(v);

    v = round_trip("{\"B\":\"AP8=\"}", DDB_TYPE_B);
    size_t len = 0;
    const unsigned char *b = ddb_value_b(v, &len);
    CHECK_INT(len, 2);
    CHECK(b && b[0] == 0x00 && b[1] == 0xff);
    ddb_value_free(v);

    v = round_trip("{\"BOOL\":true}", DDB_TYPE_BOOL);
    CHECK(ddb_value_bool(v));
    ddb_value_free(v);
    v = round_trip("{\"BOOL\":false}", DDB_TYPE_BOOL);
    CHECK(!ddb_value_bool(v));
    ddb_value_free(v);

    ddb_value_free(round_trip("{\"NULL\":true}", DDB_TYPE_NULL));

    v = round_trip("{\"SS\":[\"b\",\"a\",\"\"]}", DDB_TYPE_SS);
    CHECK_INT(ddb_value_count(v), 3);
    CHECK_STR(ddb_value_set_at(v, 0), "b");
    ddb_value_free(v);

    v = round_trip("{\"NS\":[\"1\",\"2.50\",\"-3e-7\"]}", DDB_TYPE_NS);
    CHECK_STR(ddb_value_set_at(v, 1), "2.50");
    ddb_value_free(v);

    v = round_trip("{\"BS\":[\"AQ==\",\"AgM=\",\"\"]}", DDB_TYPE_BS);
    CHECK_INT(ddb_value_bs_at(v, 1).len, 2);
    CHECK_INT(ddb_value_bs_at(v, 2).len, 0);
    ddb_value_free(v);

    /* Member order is kept, not sorted. */
    v = round_trip("{\"M\":{\"z\":{\"S\":\"1\"},\"a\":{\"N\":\"2\"},\"m\":{\"NULL\":true}}}",
                   DDB_TYPE_M);
    const char *name = NULL;
    ddb_value_m_at(v, 0, &name);
    CHECK_STR(name, "z");
    ddb_value_free(v);

    v = round_trip("{\"L\":[{\"S\":\"x\"},{\"NULL\":true},{\"L\":[]},{\"M\":{}}]}", DDB_TYPE_L);
    CHECK_INT(ddb_value_count(v), 4);
    CHECK_INT(ddb_value_type(ddb_value_l_at(v, 3)), DDB_TYPE_M);
    ddb_value_free(v);
}

TEST(built_values_encode)
{
    ddb_value *item = NULL;
    REQUIRE(ddb_value_new_m(&item, NULL) == 0);
    ddb_value_m_set_s(item, "pk", "USER#1", NULL);
    ddb_value_m_set_i64(item, "age", INT64_MIN, NULL);
    ddb_value_m_set_bool(item, "ok", false, NULL);
    ddb_value *l = NULL, *m = NULL, *ns = NULL;
    ddb_value_new_l(&l, NULL);
    ddb_value_new_m(&m, NULL);
    ddb_value_m_set_n(m, "x", "1.0", NULL);
    ddb_value_l_append_take(l, m, NULL);
    ddb_value_m_set_take(item, "list", l, NULL);
    const char *nums[] = {"3", "1"};
    ddb_value_new_ns(&ns, nums, 2, NULL);
    ddb_value_m_set_take(item, "nums", ns, NULL);

    const char *want = "{\"pk\":{\"S\":\"USER#1\"},\"age\":{\"N\":\"-9223372036854775808\"},"
                       "\"ok\":{\"BOOL\":false},\"list\":{\"L\":[{\"M\":{\"x\":{\"N\":\"1.0\"}}}]},"
                       "\"nums\":{\"NS\":[\"3\",\"1\"]}}";
    char *text = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_item_to_json(&text, item, &err) == 0);
    CHECK_STR(text, want);

    ddb_value *back = NULL;
    REQUIRE(ddb_item_from_json(&back, text, strlen(text), &err) == 0);
    CHECK(ddb_value_equal(item, back));
    free(text);

    /* The same map as a value gets the outer {"M":...}. */
    REQUIRE(ddb_value_to_json(&text, item, &err) == 0);
    CHECK(strncmp(text, "{\"M\":{\"pk\":", 11) == 0);
    free(text);

    ddb_value_free(item);
    ddb_value_free(back);
}

TEST(binary_all_byte_values)
{
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    ddb_value *v = NULL;
    REQUIRE(ddb_value_new_b(&v, bytes, 256, NULL) == 0);
    char *text = NULL;
    REQUIRE(ddb_value_to_json(&text, v, NULL) == 0);
    CHECK_STR(text, "{\"B\":\"" B64_ALL_BYTES "\"}");

    ddb_value *back = NULL;
    REQUIRE(ddb_value_from_json(&back, text, strlen(text), NULL) == 0);
    size_t len = 0;
    const void *data = ddb_value_b(back, &len);
    CHECK_INT(len, 256);
    CHECK(data && memcmp(data, bytes, 256) == 0);
    CHECK(ddb_value_equal(v, back));

    /* The same bytes as set members. */
    ddb_blob members[] = {{bytes, 256}, {bytes, 255}, {bytes + 1, 255}};
    ddb_value *bs = NULL, *bs_back = NULL;
    REQUIRE(ddb_value_new_bs(&bs, members, 3, NULL) == 0);
    char *bs_text = NULL;
    REQUIRE(ddb_value_to_json(&bs_text, bs, NULL) == 0);
    CHECK(strncmp(bs_text, "{\"BS\":[\"" B64_ALL_BYTES "\",", strlen(B64_ALL_BYTES) + 10) == 0);
    REQUIRE(ddb_value_from_json(&bs_back, bs_text, strlen(bs_text), NULL) == 0);
    CHECK(ddb_value_equal(bs, bs_back));
    CHECK(memcmp(ddb_value_bs_at(bs_back, 2).data, bytes + 1, 255) == 0);

    free(text);
    free(bs_text);
    ddb_value_free(v);
    ddb_value_free(back);
    ddb_value_free(bs);
    ddb_value_free(bs_back);
}

TEST(string_unicode_and_nul)
{
    /* a NUL b, e-acute, euro sign, grinning face (a 4-byte sequence). */
    const char raw[] = "a\0b\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    size_t raw_len = sizeof(raw) - 1;
    ddb_value *v = NULL;
    REQUIRE(ddb_value_new_s_len(&v, raw, raw_len, NULL) == 0);
    char *text = NULL;
    REQUIRE(ddb_value_to_json(&text, v, NULL) == 0);
    CHECK_STR(text, "{\"S\":\"a\\u0000b\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");

    ddb_value *back = NULL;
    REQUIRE(ddb_value_from_json(&back, text, strlen(text), NULL) == 0);
    size_t len = 0;
    const char *s = ddb_value_s(back, &len);
    CHECK_INT(len, raw_len);
    CHECK(s && memcmp(s, raw, raw_len) == 0);
    CHECK(ddb_value_equal(v, back));
    free(text);
    ddb_value_free(back);

    /* Escapes, including a surrogate pair, decode to UTF-8. */
    const char *escaped = "{\"S\":\"\\u00e9\\ud83d\\ude00\\u0000\"}";
    REQUIRE(ddb_value_from_json(&back, escaped, strlen(escaped), NULL) == 0);
    s = ddb_value_s(back, &len);
    CHECK_INT(len, 7);
    CHECK(s && memcmp(s, "\xc3\xa9\xf0\x9f\x98\x80\0", 7) == 0);
    ddb_value_free(back);

    /* SS members may hold NUL too. */
    const char *ss = "{\"SS\":[\"a\\u0000\",\"a\"]}";
    REQUIRE(ddb_value_from_json(&back, ss, strlen(ss), NULL) == 0);
    CHECK_INT(ddb_value_count(back), 2);
    REQUIRE(ddb_value_to_json(&text, back, NULL) == 0);
    CHECK_STR(text, ss);
    free(text);
    ddb_value_free(back);
    ddb_value_free(v);
}

TEST(errors_name_the_path)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *v = SENTINEL;
    json_error_t jerr;
    json_t *j = json_loads("{\"id\":{\"S\":\"1\"},\"address\":{\"M\":{\"zip\":{\"N\":\"abc\"}}}}",
                           0, &jerr);
    REQUIRE(j != NULL);
    CHECK_INT(ddb_json__to_item(&v, j, "GetItemOutput.Item", &err), DDB_ERR_PROTOCOL);
    CHECK_STR(err.message, "GetItemOutput.Item.address.M.zip: \"N\" value \"abc\" is not a number: "
                           "unexpected 'a' at offset 0");
    CHECK(v == SENTINEL);
    json_decref(j);

    expect_item_error("{\"a\":{\"S\":\"x\",\"N\":\"1\"}}",
                      "item.a: AttributeValue has 2 type keys (\"S\", \"N\"); exactly one is "
                      "allowed");
    expect_item_error("{\"a\":{\"S\":\"x\",\"N\":\"1\",\"B\":\"\"}}",
                      "item.a: AttributeValue has 3 type keys (\"S\", \"N\", ...); exactly one is "
                      "allowed");
    expect_item_error("{\"a\":{\"X\":\"1\"}}", "item.a: unknown AttributeValue type \"X\"");
    expect_item_error("{\"a\":{\"s\":\"1\"}}", "item.a: unknown AttributeValue type \"s\"");
    expect_item_error("{\"a\":{}}", "item.a: AttributeValue has no type key");
    expect_item_error("{\"a\":\"x\"}", "item.a: an AttributeValue must be a JSON object, not a "
                                       "string");
    expect_item_error("{\"l\":{\"L\":[{\"S\":\"ok\"},{\"N\":\"1e999\"}]}}",
                      "item.l.L[1]: \"N\" value \"1e999\" is out of range: its magnitude is at "
                      "least 1e999; the limit is below 1e126");
    expect_item_error("{\"m\":{\"M\":{\"k\":{\"L\":[{\"BOOL\":1}]}}}}",
                      "item.m.M.k.L[0]: \"BOOL\" must be true or false, not an integer");
    expect_item_error("[]", "item: an item must be a JSON object, not an array");
    expect_item_error("{\"\":{\"S\":\"x\"}}", "item: an attribute name is empty");
    expect_item_error("{\"m\":{\"M\":{\"\":{\"S\":\"x\"}}}}",
                      "item.m: \"M\" has a member name that is empty");
    /* Names with quotes or control characters cannot break the message. */
    expect_item_error("{\"a\\\"b\\nc\":{\"N\":true}}",
                      "item.a?b?c: \"N\" must be a JSON string, not true");
}

TEST(wrong_json_types)
{
    expect_value_error("{\"S\":1}", "value: \"S\" must be a JSON string, not an integer");
    expect_value_error("{\"N\":1}", "value: \"N\" must be a JSON string, not an integer");
    expect_value_error("{\"N\":1.5}", "value: \"N\" must be a JSON string, not a real number");
    expect_value_error("{\"B\":null}", "value: \"B\" must be a JSON string, not null");
    expect_value_error("{\"BOOL\":\"true\"}",
                       "value: \"BOOL\" must be true or false, not a string");
    expect_value_error("{\"NULL\":false}", "value: \"NULL\" must be true, not false");
    expect_value_error("{\"NULL\":null}", "value: \"NULL\" must be true, not null");
    expect_value_error("{\"M\":[]}", "value: \"M\" must be a JSON object, not an array");
    expect_value_error("{\"L\":{}}", "value: \"L\" must be a JSON array, not an object");
    expect_value_error("{\"SS\":\"a\"}", "value: \"SS\" must be a JSON array, not a string");
    expect_value_error("{\"SS\":[\"a\",1]}",
                       "value.SS[1]: set member must be a JSON string, not an integer");
    expect_value_error("{\"NS\":[{}]}", "value.NS[0]: set member must be a JSON string, not an "
                                        "object");
    expect_value_error("[{\"S\":\"x\"}]", "value: an AttributeValue must be a JSON object, not an "
                                          "array");
}

TEST(bad_payloads)
{
    expect_value_error("{\"B\":\"QQ\"}",
                       "value: \"B\" value: base64 length 2 is not a multiple of 4");
    expect_value_error("{\"B\":\"Q*==\"}",
                       "value: \"B\" value: base64 has invalid character '*' at offset 1");
    expect_value_error("{\"B\":\"QQ=A\"}",
                       "value: \"B\" value: base64 has misplaced padding at offset 2");
    expect_value_error("{\"B\":\"-_8=\"}", "invalid character '-' at offset 0");
    expect_value_error("{\"BS\":[\"AQ==\",\"!!!!\"]}",
                       "value.BS[1]: \"BS\" member: base64 has invalid character '!' at offset 0");
    expect_value_error("{\"N\":\"\"}", "value: \"N\" value \"\" is not a number: it is empty");
    expect_value_error("{\"N\":\"1 \"}", "value: \"N\" value \"1 \" is not a number");
    expect_value_error("{\"N\":\"1\\u00002\"}",
                       "value: \"N\" value \"1?2\" is not a number: it contains a NUL byte");
    expect_value_error("{\"N\":\"123456789012345678901234567890123456789\"}",
                       "has 39 significant digits; the limit is 38");
    expect_value_error("{\"SS\":[]}",
                       "value: \"SS\" set is empty; a set needs at least one member");
    expect_value_error("{\"NS\":[\"1\",\"1.0\"]}",
                       "value: number set member 1 duplicates member 0 (numbers compare by value)");
    expect_value_error("{\"SS\":[\"x\",\"y\",\"x\"]}",
                       "value: string set member 2 duplicates member 0");
    expect_value_error("{\"BS\":[\"AQ==\",\"AQ==\"]}",
                       "value: binary set member 1 duplicates member 0");
    expect_value_error("{\"NS\":[\"1\",\"x\"]}",
                       "value: number set member 1: \"x\" is not a number: unexpected 'x'");
    expect_value_error("{\"NS\":[\"1\\u0000\"]}",
                       "value: number set member 0 contains a NUL byte and is not a number");
}

TEST(invalid_json_text)
{
    expect_value_error("{\"S\":", "value: invalid JSON at line 1");
    expect_value_error("", "value: invalid JSON");
    expect_value_error("{\"S\":\"x\"} trailing", "value: invalid JSON");
    expect_value_error("{\"S\":\"x\",\"S\":\"y\"}", "duplicate object key");
    ddb_value *dup = SENTINEL;
    ddb_error dup_err = DDB_ERROR_INIT;
    const char *dup_text = "{\"a\":{\"S\":\"1\"},\"a\":{\"S\":\"2\"}}";
    CHECK_INT(ddb_item_from_json(&dup, dup_text, strlen(dup_text), &dup_err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(dup_err.message,
                   "item: invalid JSON at line 1, column 18: duplicate object key");
    CHECK(dup == SENTINEL);
    expect_value_error("{\"S\":\"\xff\"}", "value: invalid JSON");

    /* The length bounds the text: a valid prefix followed by junk past len parses. */
    const char *text = "{\"BOOL\":true}garbage";
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_from_json(&v, text, 13, NULL), 0);
    CHECK(ddb_value_bool(v));
    ddb_value_free(v);

    ddb_error err = DDB_ERROR_INIT;
    v = SENTINEL;
    CHECK_INT(ddb_value_from_json(&v, NULL, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_item_from_json(NULL, "{}", 2, &err), DDB_ERR_INVALID_ARG);
    CHECK(v == SENTINEL);
}

/* {"M":{"a": ... {"S":"x"} ...}} with n maps, or the same with lists. */
static char *nested(int n, bool lists)
{
    size_t cap = (size_t)n * 16 + 32;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t o = 0;
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, lists ? "{\"L\":[" : "{\"M\":{\"a\":");
    o += (size_t)snprintf(s + o, cap - o, "{\"S\":\"x\"}");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, lists ? "]}" : "}}");
    return s;
}

TEST(nesting_depth_limit)
{
    for (int lists = 0; lists < 2; lists++) {
        char *ok = nested(32, lists), *deep = nested(33, lists);
        REQUIRE(ok && deep);
        ddb_value *v = NULL;
        ddb_error err = DDB_ERROR_INIT;
        CHECK_INT(ddb_value_from_json(&v, ok, strlen(ok), &err), 0);
        CHECK_INT(ddb_value_count(v), 1);
        ddb_value_free(v);

        v = SENTINEL;
        CHECK_INT(ddb_value_from_json(&v, deep, strlen(deep), &err), DDB_ERR_PROTOCOL);
        CHECK(v == SENTINEL);
        char want[512] = "value";
        for (int i = 0; i < 32; i++)
            strcat(want, lists ? ".L[0]" : ".M.a");
        strcat(want, ": nesting depth exceeds 32 levels");
        CHECK_STR(err.message, want);
        free(ok);
        free(deep);
    }

    /* In an item the item itself is the first level, as DynamoDB counts. */
    char *attr31 = nested(31, false), *attr32 = nested(32, false);
    REQUIRE(attr31 && attr32);
    char *item = malloc(strlen(attr32) + 16);
    REQUIRE(item != NULL);
    sprintf(item, "{\"deep\":%s}", attr31);
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_item_from_json(&v, item, strlen(item), &err), 0);
    ddb_value_free(v);
    sprintf(item, "{\"deep\":%s}", attr32);
    CHECK_INT(ddb_item_from_json(&v, item, strlen(item), &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, ".M.a: nesting depth exceeds 32 levels");
    CHECK(strncmp(err.message, "item.deep.M.a", 13) == 0);
    free(item);
    free(attr31);
    free(attr32);

    /* Far deeper than jansson's own parser allows: rejected without a crash. */
    char *huge = nested(5000, true);
    REQUIRE(huge != NULL);
    CHECK_INT(ddb_value_from_json(&v, huge, strlen(huge), &err), DDB_ERR_PROTOCOL);
    free(huge);
}

TEST(long_paths_are_cut)
{
    /* A 1000-byte name at every level: the message stays one bounded line. */
    char name[1001];
    memset(name, 'n', 1000);
    name[1000] = '\0';
    size_t cap = 32 * 1100 + 64;
    char *text = malloc(cap);
    REQUIRE(text != NULL);
    size_t o = 0;
    o += (size_t)snprintf(text + o, cap - o, "{\"%s\":", name);
    for (int i = 0; i < 20; i++)
        o += (size_t)snprintf(text + o, cap - o, "{\"M\":{\"%s\":", name);
    o += (size_t)snprintf(text + o, cap - o, "{\"N\":\"bad\"}");
    for (int i = 0; i < 20; i++)
        o += (size_t)snprintf(text + o, cap - o, "}}");
    snprintf(text + o, cap - o, "}");

    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_item_from_json(&v, text, strlen(text), &err), DDB_ERR_PROTOCOL);
    CHECK(strncmp(err.message, "item.nnnnnnnn", 13) == 0);
    CHECK_CONTAINS(err.message, "nnn...");
    CHECK_CONTAINS(err.message, "...: \"N\" value \"bad\" is not a number");
    CHECK(strlen(err.message) < sizeof(err.message));
    free(text);
}

TEST(internal_json_api)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *v = SENTINEL;
    CHECK_INT(ddb_json__to_value(&v, NULL, "Resp.Attributes", &err), DDB_ERR_PROTOCOL);
    CHECK_STR(err.message, "Resp.Attributes: AttributeValue is missing");
    CHECK_INT(ddb_json__to_item(&v, NULL, NULL, &err), DDB_ERR_PROTOCOL);
    CHECK_STR(err.message, "item: item is missing");

    /* A key with a NUL can only come from code that built the json_t itself. */
    json_t *j = json_object();
    json_t *inner = json_object();
    json_object_set_new(inner, "S", json_string("x"));
    json_object_setn_new(j, "a\0b", 3, inner);
    CHECK_INT(ddb_json__to_item(&v, j, "X", &err), DDB_ERR_PROTOCOL);
    CHECK_STR(err.message, "X: an attribute name is cut by a NUL byte");
    CHECK(v == SENTINEL);
    json_decref(j);

    ddb_value *s = NULL;
    REQUIRE(ddb_value_new_s(&s, "x", NULL) == 0);
    json_t *out = NULL;
    CHECK_INT(ddb_json__from_item(&out, s, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "an item must be an M value, not S");
    CHECK(out == NULL);
    char *text = NULL;
    CHECK_INT(ddb_item_to_json(&text, s, &err), DDB_ERR_INVALID_ARG);
    CHECK(text == NULL);
    CHECK_INT(ddb_value_to_json(&text, NULL, &err), DDB_ERR_INVALID_ARG);

    REQUIRE(ddb_json__from_value(&out, s, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(out, "S")), "x");
    CHECK_INT(json_object_size(out), 1);
    json_decref(out);
    ddb_value_free(s);
}

/* A small deterministic generator, so a failure replays. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

TEST(hostile_mutations)
{
    /* Every type, nested; each mutation must decode cleanly or fail with a one-line message. */
    const char *seed =
        "{\"s\":{\"S\":\"t\\u00e9xt\"},\"n\":{\"N\":\"-1.5e3\"},\"b\":{\"B\":\"AP8=\"},"
        "\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},\"m\":{\"M\":{\"k\":{\"L\":[{\"N\":\"1\"},"
        "{\"SS\":[\"a\",\"b\"]}]}}},\"ns\":{\"NS\":[\"1\",\"2\"]},\"bs\":{\"BS\":[\"AQ==\"]}}";
    size_t len = strlen(seed);
    char *buf = malloc(len + 1);
    REQUIRE(buf != NULL);
    static const char alphabet[] = "{}[]\":,SNBMLtrue0123456789.eE+-\\ \x00\xff=/";
    int decoded = 0, rejected = 0, bad = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, seed, len + 1);
        size_t n = len;
        int edits = 1 + (int)(rng() % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = rng() % n;
            if (rng() % 8 == 0)
                n = at + 1; /* truncate */
            else
                buf[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
        }
        ddb_value *v = NULL;
        ddb_error err = DDB_ERROR_INIT;
        int rc = ddb_item_from_json(&v, buf, n, &err);
        if (rc == 0) {
            /* Whatever decodes must survive a round trip unchanged. */
            char *text = NULL;
            ddb_value *again = NULL;
            if (ddb_item_to_json(&text, v, NULL) != 0 ||
                ddb_item_from_json(&again, text, strlen(text), NULL) != 0 ||
                !ddb_value_equal(v, again))
                bad++;
            free(text);
            ddb_value_free(again);
            ddb_value_free(v);
            decoded++;
        } else {
            if (rc != DDB_ERR_PROTOCOL || err.message[0] == '\0' || strchr(err.message, '\n'))
                bad++;
            rejected++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK(decoded > 100);
    CHECK(rejected > 100);
    free(buf);
}

TEST_MAIN(CASE(round_trip_every_type), CASE(built_values_encode), CASE(binary_all_byte_values),
          CASE(string_unicode_and_nul), CASE(errors_name_the_path), CASE(wrong_json_types),
          CASE(bad_payloads), CASE(invalid_json_text), CASE(nesting_depth_limit),
          CASE(long_paths_are_cut), CASE(internal_json_api), CASE(hostile_mutations))
