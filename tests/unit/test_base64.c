#include "core/base64.h"

#include "test.h"

static char *enc(const void *data, size_t len, bool url)
{
    char *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_base64__encode(&out, data, len, url, &err);
    CHECK_INT(rc, 0);
    return out;
}

/* Decodes text that must be rejected; returns the message so the caller can check it. */
static void expect_reject(const char *text, bool url, const char *fragment)
{
    unsigned char *out = (unsigned char *)"untouched";
    size_t len = 777;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_base64__decode(&out, &len, text, strlen(text), url, &err);
    if (rc != DDB_ERR_INVALID_ARG)
        fprintf(stderr, "  input \"%s\" (url=%d) gave %d\n", text, url, rc);
    CHECK_INT(rc, DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, fragment);
    CHECK_STR((const char *)out, "untouched");
    CHECK_INT(len, 777);
}

TEST(rfc4648_vectors)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const std[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char *s = enc(plain[i], strlen(plain[i]), false);
        CHECK_STR(s, std[i]);
        free(s);
        s = enc(plain[i], strlen(plain[i]), true);
        CHECK_STR(s, url[i]);
        free(s);

        for (int u = 0; u < 2; u++) {
            const char *text = u ? url[i] : std[i];
            unsigned char *out = NULL;
            size_t len = 99;
            CHECK_INT(ddb_base64__decode(&out, &len, text, strlen(text), u, NULL), 0);
            REQUIRE(out != NULL);
            CHECK_INT(len, strlen(plain[i]));
            CHECK(memcmp(out, plain[i], len) == 0);
            CHECK_INT(out[len], 0); /* NUL after the data */
            free(out);
        }
    }
}

TEST(url_alphabet)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char *s = enc(bytes, 3, false);
    CHECK_STR(s, "+/+/");
    free(s);
    s = enc(bytes, 3, true);
    CHECK_STR(s, "-_-_");
    free(s);
    s = enc(bytes, 2, true);
    CHECK_STR(s, "-_8");
    free(s);

    unsigned char *out = NULL;
    size_t len = 0;
    CHECK_INT(ddb_base64__decode(&out, &len, "-_8", 3, true, NULL), 0);
    CHECK_INT(len, 2);
    CHECK(out && out[0] == 0xfb && out[1] == 0xff);
    free(out);
}

TEST(all_byte_values_round_trip)
{
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    /* Every length exercises each padding case and each position of each byte value. */
    for (size_t n = 0; n <= 256; n++) {
        for (int u = 0; u < 2; u++) {
            char *text = enc(bytes + (256 - n), n, u);
            REQUIRE(text != NULL);
            CHECK_INT(strlen(text), u ? (n * 4 + 2) / 3 : (n + 2) / 3 * 4);
            unsigned char *out = NULL;
            size_t len = 0;
            CHECK_INT(ddb_base64__decode(&out, &len, text, strlen(text), u, NULL), 0);
            CHECK_INT(len, n);
            CHECK(out && (n == 0 || memcmp(out, bytes + (256 - n), n) == 0));
            free(out);
            free(text);
        }
    }
}

TEST(empty_input_allocates)
{
    unsigned char *out = NULL;
    size_t len = 5;
    CHECK_INT(ddb_base64__decode(&out, &len, "", 0, false, NULL), 0);
    REQUIRE(out != NULL);
    CHECK_INT(len, 0);
    CHECK_INT(out[0], 0);
    free(out);
    out = NULL;
    CHECK_INT(ddb_base64__decode(&out, &len, NULL, 0, true, NULL), 0);
    CHECK(out != NULL);
    free(out);
}

TEST(rejects_bad_standard_text)
{
    expect_reject("Zg", false, "length 2 is not a multiple of 4");
    expect_reject("Zg=", false, "length 3 is not a multiple of 4");
    expect_reject("Z===", false, "misplaced padding at offset 1");
    expect_reject("====", false, "misplaced padding at offset 0");
    expect_reject("Zg==Zm8=", false, "misplaced padding at offset 2");
    expect_reject("Zm9*", false, "invalid character '*' at offset 3");
    expect_reject("Zm9v\n   ", false, "invalid byte 0x0a at offset 4");
    expect_reject(" Zm9", false, "invalid byte 0x20 at offset 0");
    expect_reject("-_8=", false, "invalid character '-' at offset 0");
    expect_reject("Zm\xc3\xa9", false, "invalid byte 0xc3 at offset 2");
}

TEST(rejects_bad_url_text)
{
    expect_reject("Zg==", true, "has '=' at offset 2; it takes no padding");
    expect_reject("+/8", true, "invalid character '+' at offset 0");
    expect_reject("Zm9vY", true, "length 5 leaves a lone trailing character");
    expect_reject("Z", true, "length 1 leaves a lone trailing character");
}

TEST(embedded_nul_in_text_is_rejected)
{
    unsigned char *out = NULL;
    size_t len = 0;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_base64__decode(&out, &len, "Zm\0v", 4, false, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "invalid byte 0x00 at offset 2");
    CHECK(out == NULL);
}

TEST(null_arguments)
{
    char *s = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_base64__encode(&s, NULL, 3, false, &err), DDB_ERR_INVALID_ARG);
    CHECK(s == NULL);
    CHECK_INT(ddb_base64__encode(NULL, "abc", 3, false, &err), DDB_ERR_INVALID_ARG);
    size_t len = 0;
    CHECK_INT(ddb_base64__decode(NULL, &len, "Zg==", 4, false, &err), DDB_ERR_INVALID_ARG);
    unsigned char *out = NULL;
    CHECK_INT(ddb_base64__decode(&out, &len, NULL, 4, false, &err), DDB_ERR_INVALID_ARG);
    CHECK(out == NULL);
}

TEST_MAIN(CASE(rfc4648_vectors), CASE(url_alphabet), CASE(all_byte_values_round_trip),
          CASE(empty_input_allocates), CASE(rejects_bad_standard_text), CASE(rejects_bad_url_text),
          CASE(embedded_nul_in_text_is_rejected), CASE(null_arguments))
