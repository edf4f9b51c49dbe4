/*
 * ddbmig_results_parse on captured outputs of each framework (tests/migrate/samples/, written
 * for these tests): every test's name and status, in order, and the counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate.h"
#include "test.h"

#ifndef SAMPLES_DIR
#error "SAMPLES_DIR must name tests/migrate/samples"
#endif

static char *sample(const char *name)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof(path), "%s/%s", SAMPLES_DIR, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* "name=status,name=status" of a parsed document, for one comparison per case. */
static void flatten(char *out, size_t cap, const json_t *doc)
{
    size_t i, len = 0;
    json_t *r;
    out[0] = '\0';
    json_array_foreach(json_object_get(doc, "results"), i, r) {
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s=%s", i ? "," : "",
                                json_string_value(json_object_get(r, "name")),
                                json_string_value(json_object_get(r, "status")));
    }
}

/* Parses sample `file` as `format` and as "auto" (which must pick `format`), and compares. */
static void expect(const char *file, const char *format, const char *results, int passed,
                   int failed, int skipped)
{
    char *text = sample(file), flat[4096];
    const char *formats[] = {format, "auto"};
    REQUIRE(text != NULL);
    for (int k = 0; k < 2; k++) {
        json_t *doc = NULL;
        ddbmig_error err = {0, ""};
        int rc = ddbmig_results_parse(&doc, formats[k], text, &err);
        CHECK_INT(rc, 0);
        if (rc) {
            fprintf(stderr, "%s as %s: %s\n", file, formats[k], err.message);
            continue;
        }
        CHECK_STR(json_string_value(json_object_get(doc, "format")), format);
        flatten(flat, sizeof(flat), doc);
        CHECK_STR(flat, results);
        CHECK_INT(json_integer_value(json_object_get(doc, "passed")), passed);
        CHECK_INT(json_integer_value(json_object_get(doc, "failed")), failed);
        CHECK_INT(json_integer_value(json_object_get(doc, "skipped")), skipped);
        json_decref(doc);
    }
    free(text);
}

TEST(ctest)
{
    expect("ctest.txt", "ctest",
           "calc.add=pass,calc.sub=fail,calc.div_by_zero=fail,calc.network=skip,calc.slow=fail", 1,
           3, 1);
}

TEST(tap)
{
    /* a TODO failure is not a failure; the subtest and the prose line are not results */
    expect("tap.txt", "tap",
           "parses an empty list=pass,rejects a bad date=fail,reads unicode=skip,"
           "sorts by due date=skip,test 5=pass,okay, checks the output=pass",
           3, 1, 2);
}

TEST(check)
{
    /* a loop test that failed in one iteration stays failed */
    expect("check.txt", "check",
           "test_money_create=pass,test_money_add=fail,test_money_overflow=fail,"
           "test_money_loop=fail",
           1, 3, 0);
}

TEST(cmocka)
{
    /* the summary's repeated FAILED line and the "---" message lines are not new results */
    expect("cmocka.txt", "cmocka",
           "test_store_open=pass,test_store_put=fail,test_store_remote=skip,test_store_close=pass",
           2, 1, 1);
}

TEST(unity)
{
    expect("unity.txt", "unity",
           "test_queue_starts_empty=pass,test_queue_push_pop=fail,test_queue_grows=pass,"
           "test_queue_threads=skip",
           2, 1, 1);
}

TEST(criterion)
{
    /* coloured output: the escape sequences are dropped before matching */
    expect("criterion.txt", "criterion",
           "parser::accepts_numbers=pass,parser::rejects_letters=fail,parser::unicode=skip", 1, 1,
           1);
}

TEST(errors)
{
    json_t *doc = NULL;
    ddbmig_error err = {0, ""};
    CHECK_INT(ddbmig_results_parse(&doc, "junit", "ok 1\n", &err), DDBMIG_ERR_ARG);
    CHECK(strstr(err.message, "'junit' is not one of auto, ctest, tap") != NULL);
    CHECK(doc == NULL);
    CHECK_INT(ddbmig_results_parse(&doc, "auto", "make: Nothing to be done.\n", &err),
              DDBMIG_ERR_NO_TESTS);
    CHECK(strstr(err.message, "no test result in the output") != NULL);
    CHECK(doc == NULL);
    /* an explicit format with nothing recognised is an empty, valid result */
    CHECK_INT(ddbmig_results_parse(&doc, "unity", "", &err), 0);
    CHECK_INT(json_array_size(json_object_get(doc, "results")), 0);
    json_decref(doc);
}

TEST(long_lines)
{
    /* a line over the cap is cut, not overrun; a name is capped at 511 bytes */
    size_t n = 100000;
    char *text = malloc(n + 16);
    json_t *doc = NULL;
    REQUIRE(text != NULL);
    memcpy(text, "ok 1 - ", 7);
    memset(text + 7, 'x', n);
    memcpy(text + 7 + n, "\n", 2);
    CHECK_INT(ddbmig_results_parse(&doc, "tap", text, NULL), 0);
    CHECK_INT(json_array_size(json_object_get(doc, "results")), 1);
    CHECK_INT(strlen(json_string_value(
                  json_object_get(json_array_get(json_object_get(doc, "results"), 0), "name"))),
              511);
    json_decref(doc);
    free(text);
}

TEST_MAIN(CASE(ctest), CASE(tap), CASE(check), CASE(cmocka), CASE(unity), CASE(criterion),
          CASE(errors), CASE(long_lines))
