#include <stdint.h>

#include "ddb/core/value.h"
#include "test.h"

/* 38 significant digits, the most DynamoDB keeps. */
#define D38 "12345678901234567890123456789012345678"
#define NINES38 "99999999999999999999999999999999999999"

static void expect_valid(const char *num)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_number_validate(num, &err);
    if (rc)
        fprintf(stderr, "  \"%s\" rejected: %s\n", num, err.message);
    CHECK_INT(rc, 0);
}

static void expect_invalid(const char *num, const char *fragment)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_number_validate(num, &err);
    if (rc != DDB_ERR_NUMBER)
        fprintf(stderr, "  \"%s\" gave %d, expected DDB_ERR_NUMBER\n", num, rc);
    CHECK_INT(rc, DDB_ERR_NUMBER);
    CHECK_INT(err.code, DDB_ERR_NUMBER);
    CHECK_CONTAINS(err.message, fragment);
    CHECK(strchr(err.message, '\n') == NULL);
}

static void expect_canonical(const char *num, const char *want)
{
    char *got = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_number_canonical(&got, num, &err);
    if (rc)
        fprintf(stderr, "  \"%s\": %s\n", num, err.message);
    CHECK_INT(rc, 0);
    if (got && strcmp(got, want) != 0)
        fprintf(stderr, "  canonical of \"%s\"\n", num);
    CHECK_STR(got, want);
    free(got);
}

static void expect_i64(const char *num, int64_t want)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_value_new_n(&v, num, &err) == 0);
    int64_t got = 12345;
    int rc = ddb_value_n_i64(v, &got, &err);
    if (rc)
        fprintf(stderr, "  \"%s\": %s\n", num, err.message);
    CHECK_INT(rc, 0);
    CHECK(got == want);
    ddb_value_free(v);
}

static void expect_i64_error(const char *num, const char *fragment)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_value_new_n(&v, num, &err) == 0);
    int64_t got = 12345;
    CHECK_INT(ddb_value_n_i64(v, &got, &err), DDB_ERR_NUMBER);
    CHECK_CONTAINS(err.message, fragment);
    CHECK(got == 12345);
    ddb_value_free(v);
}

TEST(accepted_forms)
{
    /* Each of these is accepted by DynamoDB (checked against DynamoDB Local 1.25.1). */
    static const char *const ok[] = {"0",    "7",    "-7",    "+7",     "12.5", ".5",
                                     "5.",   "-.5",  "+.5",   "1e5",    "1E5",  "1e+5",
                                     "1e-5", "1.e5", "00012", "1.500",  "-0",   "-0.0",
                                     "0.",   ".0",   "0e500", "0e-500", "1e-0", "0.000123"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        expect_valid(ok[i]);
    expect_valid("1e0000000000000000000000005"); /* leading zeros in the exponent */
}

TEST(rejected_syntax)
{
    expect_invalid("", "\"\" is not a number: it is empty");
    expect_invalid("abc", "\"abc\" is not a number: unexpected 'a' at offset 0");
    expect_invalid("NaN", "is not a number: unexpected 'N' at offset 0");
    expect_invalid("Infinity", "unexpected 'I' at offset 0");
    expect_invalid("-Infinity", "unexpected 'I' at offset 1");
    expect_invalid("0x10", "unexpected 'x' at offset 1");
    expect_invalid(" 1", "unexpected byte 0x20 at offset 0");
    expect_invalid("1 ", "unexpected byte 0x20 at offset 1");
    expect_invalid("1\n", "unexpected byte 0x0a at offset 1");
    expect_invalid(".", "no digits");
    expect_invalid("-", "no digits");
    expect_invalid("+", "no digits");
    expect_invalid(".e5", "no digits before the exponent");
    expect_invalid("e5", "no digits before the exponent");
    expect_invalid("1e", "the exponent has no digits");
    expect_invalid("1e+", "the exponent has no digits");
    expect_invalid("--1", "unexpected '-' at offset 1");
    expect_invalid("1..2", "unexpected '.' at offset 2");
    expect_invalid("1.2.3", "unexpected '.' at offset 3");
    expect_invalid("1e5.5", "unexpected '.' at offset 3");
    expect_invalid("1_000", "unexpected '_' at offset 1");
    expect_invalid("12,3", "unexpected ',' at offset 2");
    expect_invalid("1d", "unexpected 'd' at offset 1");
    /* Arabic-Indic one: Java's BigDecimal takes non-ASCII digits; ddbkit does not. */
    expect_invalid("\xd9\xa1", "unexpected byte 0xd9 at offset 0");

    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_number_validate(NULL, &err), DDB_ERR_NUMBER);
    CHECK_CONTAINS(err.message, "NULL");
}

TEST(exponent_literal_limit)
{
    /* DynamoDB reads the exponent as a 32-bit integer, so this fails even on zero. */
    expect_invalid("0e99999999999999999999", "the exponent is beyond +/-2147483647");
    expect_invalid("1e-2147483648", "the exponent is beyond +/-2147483647");
    expect_invalid("1e2147483647", "out of range");
    expect_valid("0e2147483647");
    expect_valid("0e-2147483647");
}

TEST(significant_digits)
{
    expect_valid(D38);
    expect_valid("-" D38);
    expect_invalid(D38 "9", "has 39 significant digits; the limit is 38");
    expect_invalid("1." D38, "has 39 significant digits; the limit is 38");
    /* Leading and trailing zeros do not count. */
    expect_valid("000" D38 "00000");
    expect_valid(D38 ".000");
    expect_valid("0.0000000000000000000000000000000000000000" D38);
    expect_valid("1234567890123456789012345678901234567.80");
    expect_invalid("0.000" D38 "1", "has 39 significant digits");
    /* Zeros between significant digits do count. */
    expect_invalid("100000000000000000000000000000000000001", "has 39 significant digits");
    expect_valid("10000000000000000000000000000000000001");
    /* "1.500" keeps two significant digits: 1 and 5. */
    expect_canonical("1.500", "1.5");
}

TEST(magnitude_limits)
{
    expect_valid("1e-130");
    expect_valid("-1e-130");
    expect_valid("1.0e-130");
    expect_valid("10e-131");
    expect_valid("0.1e-129");
    expect_invalid("9.99e-131", "out of range: its magnitude is below 1e-130");
    expect_invalid("0.99e-130", "smallest non-zero magnitude is 1e-130");
    expect_invalid("1e-131", "below 1e-130");
    expect_invalid("-1e-131", "below 1e-130");

    expect_valid("1e125");
    expect_valid("9.9999999999999999999999999999999999999e125");
    expect_valid("-9.9999999999999999999999999999999999999e125");
    expect_valid(NINES38 "00000000000000000000000000000000000000000000"
                         "00000000000000000000000000000000000000000000");
    expect_invalid("1e126",
                   "out of range: its magnitude is at least 1e126; the limit is below 1e126");
    expect_invalid("-1e126", "the limit is below 1e126");
    expect_invalid("10e125", "at least 1e126");
    expect_invalid("0.1e127", "at least 1e126");
    expect_invalid("1e999", "at least 1e999");
}

TEST(zero_in_every_form)
{
    static const char *const zeros[] = {"0",   "-0",    "+0",     "-0.0",     "0.",       ".0",
                                        "000", "0e500", "0e-500", "-0.000e9", "0.0e-9999"};
    for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++)
        expect_canonical(zeros[i], "0");
}

TEST(canonical_forms)
{
    expect_canonical("1", "1");
    expect_canonical("+1", "1");
    expect_canonical("1.0", "1");
    expect_canonical("1e0", "1");
    expect_canonical("10e-1", "1");
    expect_canonical(".1e1", "1");
    expect_canonical("00012", "12");
    expect_canonical("-1.50", "-1.5");
    expect_canonical("-12.3400e2", "-1234");
    expect_canonical("5.", "5");
    expect_canonical("-.5", "-0.5");
    expect_canonical("100", "100");
    expect_canonical("1e20", "100000000000000000000");
    expect_canonical("1.5e20", "150000000000000000000");
    expect_canonical("1e21", "1E+21");
    expect_canonical("123e20", "1.23E+22");
    expect_canonical("0.000001", "0.000001");
    expect_canonical("0.0000012", "0.0000012");
    expect_canonical("1e-7", "1E-7");
    expect_canonical("-1.5e-7", "-1.5E-7");
    expect_canonical("1e-130", "1E-130");
    expect_canonical("9.9999999999999999999999999999999999999e125",
                     "9.9999999999999999999999999999999999999E+125");
    expect_canonical(D38, "1.2345678901234567890123456789012345678E+37");
    expect_canonical("0." D38, "0." D38);
    expect_canonical("12345.678", "12345.678");
}

TEST(canonical_rejects_invalid_and_leaves_out)
{
    char *out = (char *)"untouched";
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_number_canonical(&out, "1e126", &err), DDB_ERR_NUMBER);
    CHECK_STR(out, "untouched");
    CHECK_INT(ddb_number_canonical(&out, "x", &err), DDB_ERR_NUMBER);
    CHECK_STR(out, "untouched");
    CHECK_INT(ddb_number_canonical(NULL, "1", &err), DDB_ERR_INVALID_ARG);
}

TEST(long_inputs_are_handled)
{
    /* A hostile megabyte of zeros is still zero; of digits, a precise error. */
    size_t n = 1 << 20;
    char *s = malloc(n + 4);
    REQUIRE(s != NULL);
    memset(s, '0', n);
    strcpy(s + n, ".0");
    expect_canonical(s, "0");
    s[0] = '1';
    expect_invalid(s, "out of range");
    memset(s, '7', n);
    expect_invalid(s, "has 1048576 significant digits");
    s[n + 1] = 'x';
    expect_invalid(s, "unexpected 'x' at offset 1048577");
    free(s);
}

TEST(message_quotes_safely)
{
    /* Quotes and control characters in the input cannot break the one-line message. */
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_number_validate("1\"\n2", &err), DDB_ERR_NUMBER);
    CHECK_CONTAINS(err.message, "\"1??2\" is not a number: unexpected byte 0x22 at offset 1");
    CHECK_INT(ddb_number_validate("1234567890123456789012345678901234567890123456789x", &err),
              DDB_ERR_NUMBER);
    CHECK_CONTAINS(err.message, "\"1234567890123456789012345678901234567890...\"");
}

TEST(i64_conversion)
{
    expect_i64("0", 0);
    expect_i64("-0.0", 0);
    expect_i64("42", 42);
    expect_i64("-42", -42);
    expect_i64("1.0", 1);
    expect_i64("1e3", 1000);
    expect_i64("12.30e1", 123);
    expect_i64("1e18", 1000000000000000000LL);
    expect_i64("9223372036854775807", INT64_MAX);
    expect_i64("-9223372036854775808", INT64_MIN);
    expect_i64("92233720368547758.07e2", INT64_MAX);
    expect_i64_error("9223372036854775808", "outside the int64 range");
    expect_i64_error("-9223372036854775809", "outside the int64 range");
    expect_i64_error("1e19", "outside the int64 range");
    expect_i64_error("1e125", "outside the int64 range");
    expect_i64_error("1.5", "\"1.5\" is not an integer");
    expect_i64_error("1e-5", "is not an integer");
    expect_i64_error("-0.5", "is not an integer");
}

TEST(i64_builders_round_trip)
{
    static const int64_t cases[] = {0, 1, -1, 1000, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ddb_value *v = NULL;
        REQUIRE(ddb_value_new_n_i64(&v, cases[i], NULL) == 0);
        int64_t back = 7;
        CHECK_INT(ddb_value_n_i64(v, &back, NULL), 0);
        CHECK(back == cases[i]);
        ddb_value_free(v);
    }
    ddb_value *v = NULL;
    REQUIRE(ddb_value_new_n_i64(&v, INT64_MIN, NULL) == 0);
    CHECK_STR(ddb_value_n(v), "-9223372036854775808");
    ddb_value_free(v);

    REQUIRE(ddb_value_new_n_u64(&v, UINT64_MAX, NULL) == 0);
    CHECK_STR(ddb_value_n(v), "18446744073709551615");
    int64_t back = 7;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_value_n_i64(v, &back, &err), DDB_ERR_NUMBER);
    CHECK_CONTAINS(err.message, "outside the int64 range");
    CHECK(back == 7);
    ddb_value_free(v);
}

TEST(i64_on_wrong_type)
{
    ddb_value *v = NULL;
    REQUIRE(ddb_value_new_s(&v, "12", NULL) == 0);
    int64_t out = 5;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_value_n_i64(v, &out, &err), DDB_ERR_NUMBER);
    CHECK_STR(err.message, "value is S, not N");
    CHECK(out == 5);
    CHECK_INT(ddb_value_n_i64(NULL, &out, &err), DDB_ERR_NUMBER);
    CHECK_INT(ddb_value_n_i64(v, NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_value_free(v);
}

TEST(n_value_keeps_text_as_given)
{
    ddb_value *v = NULL;
    REQUIRE(ddb_value_new_n(&v, "+001.500e0", NULL) == 0);
    CHECK_STR(ddb_value_n(v), "+001.500e0");
    ddb_value_free(v);

    v = (ddb_value *)&v; /* a sentinel: failure must not touch it */
    ddb_value *sentinel = v;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_value_new_n(&v, D38 "1", &err), DDB_ERR_NUMBER);
    CHECK(v == sentinel);
    CHECK_CONTAINS(err.message, "has 39 significant digits; the limit is 38");
}

TEST_MAIN(CASE(accepted_forms), CASE(rejected_syntax), CASE(exponent_literal_limit),
          CASE(significant_digits), CASE(magnitude_limits), CASE(zero_in_every_form),
          CASE(canonical_forms), CASE(canonical_rejects_invalid_and_leaves_out),
          CASE(long_inputs_are_handled), CASE(message_quotes_safely), CASE(i64_conversion),
          CASE(i64_builders_round_trip), CASE(i64_on_wrong_type), CASE(n_value_keeps_text_as_given))
