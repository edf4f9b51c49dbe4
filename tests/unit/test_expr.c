/* The expression builder: exact strings and placeholder maps, injection, limits, ownership. */
#include <stdio.h>
#include <string.h>

#include "ddb/api/expr.h"
#include "ddb/core/value.h"
#include "test.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static ddb_expr *new_expr(void)
{
    ddb_expr *e = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_expr_new(&e, &err) != 0)
        fprintf(stderr, "ddb_expr_new: %s\n", err.message);
    return e;
}

/* Build and report the error, so a failing case says why. */
static ddb_expr_result *build(const ddb_expr *e)
{
    ddb_expr_result *r = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_expr_build(&r, e, &err) != 0) {
        fprintf(stderr, "ddb_expr_build: %s: %s\n", ddb_error_code_name(err.code), err.message);
        return NULL;
    }
    return r;
}

/* Expect the build to fail with code; returns the message (static storage). */
static const char *build_fails(const ddb_expr *e, int code)
{
    static ddb_error err;
    ddb_expr_result *r = NULL;
    ddb_error_clear(&err);
    int rc = ddb_expr_build(&r, e, &err);
    CHECK_INT(rc, code);
    CHECK_INT(err.code, code);
    CHECK(r == NULL);
    ddb_expr_result_free(r);
    return err.message;
}

/* Names in placeholder order: expected is "#n0", "name0", "#n1", "name1", ..., NULL. */
static void check_names(const ddb_expr_result *r, const char *const *expected)
{
    size_t n = 0;
    while (expected[2 * n])
        n++;
    CHECK_INT(r->n_expression_attribute_names, n);
    for (size_t i = 0; i < n && i < r->n_expression_attribute_names; i++) {
        CHECK_STR(r->expression_attribute_names[i].key, expected[2 * i]);
        CHECK_STR(r->expression_attribute_names[i].value, expected[2 * i + 1]);
    }
}

static const char *val_s(const ddb_expr_result *r, const char *ph)
{
    return ddb_value_s(ddb_value_m_get(r->expression_attribute_values, ph), NULL);
}

static const char *val_n(const ddb_expr_result *r, const char *ph)
{
    return ddb_value_n(ddb_value_m_get(r->expression_attribute_values, ph));
}

static size_t n_values(const ddb_expr_result *r)
{
    return r->expression_attribute_values ? ddb_value_count(r->expression_attribute_values) : 0;
}

/* User text must never reach an expression string. */
static void check_absent(const ddb_expr_result *r, const char *needle)
{
    const char *exprs[] = {r->key_condition_expression, r->filter_expression,
                           r->condition_expression, r->update_expression, r->projection_expression};
    for (size_t i = 0; i < 5; i++) {
        if (exprs[i] && strstr(exprs[i], needle)) {
            fprintf(stderr, "expression \"%s\" contains user text \"%s\"\n", exprs[i], needle);
            test_failures++;
        }
    }
}

static ddb_value *s(const char *text)
{
    ddb_value *v = NULL;
    ddb_value_new_s(&v, text, NULL);
    return v;
}

static ddb_value *n(const char *num)
{
    ddb_value *v = NULL;
    ddb_value_new_n(&v, num, NULL);
    return v;
}

/* Build a filter of one condition and compare it. */
static void check_filter(ddb_expr *e, ddb_cond *c, const char *want)
{
    CHECK_INT(ddb_expr_set_filter(e, c), 0);
    ddb_expr_result *r = build(e);
    if (r) {
        CHECK_STR(r->filter_expression, want);
        CHECK(r->key_condition_expression == NULL);
        CHECK(r->condition_expression == NULL);
        CHECK(r->update_expression == NULL);
        CHECK(r->projection_expression == NULL);
    } else {
        CHECK(!"build failed");
    }
    ddb_expr_result_free(r);
}

/* ---- comparisons and functions ------------------------------------------------------------- */

TEST(comparators)
{
    static const struct {
        ddb_cmp op;
        const char *want;
    } cases[] = {
        {DDB_CMP_EQ, "#n0 = :v0"},  {DDB_CMP_NE, "#n0 <> :v0"}, {DDB_CMP_LT, "#n0 < :v0"},
        {DDB_CMP_LE, "#n0 <= :v0"}, {DDB_CMP_GT, "#n0 > :v0"},  {DDB_CMP_GE, "#n0 >= :v0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ddb_expr *e = new_expr();
        REQUIRE(e);
        check_filter(e, ddb_cond_cmp_take(e, "age", cases[i].op, n("21")), cases[i].want);
        ddb_expr_result *r = build(e);
        REQUIRE(r);
        check_names(r, (const char *[]){"#n0", "age", NULL});
        CHECK_INT(n_values(r), 1);
        CHECK_STR(val_n(r, ":v0"), "21");
        ddb_expr_result_free(r);
        ddb_expr_free(e);
    }
}

TEST(compare_operands)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    check_filter(
        e, ddb_cond_compare(e, ddb_operand_path(e, "low"), DDB_CMP_LT, ddb_operand_path(e, "high")),
        "#n0 < #n1");
    check_filter(
        e, ddb_cond_compare(e, ddb_operand_size(e, "tags"), DDB_CMP_GE, ddb_operand_path(e, "min")),
        "size(#n0) >= #n1");
    check_filter(e, ddb_cond_size_cmp_take(e, "name", DDB_CMP_GT, ddb_expr_val_i64(e, 3)),
                 "size(#n0) > :v0");
    ddb_expr_free(e);
}

TEST(between_and_in)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    check_filter(e, ddb_cond_between_take(e, "price", n("10"), n("20")), "#n0 BETWEEN :v0 AND :v1");
    ddb_value *vals[3] = {s("a"), s("b"), s("c")};
    check_filter(e, ddb_cond_in_take(e, "grade", vals, 3), "#n0 IN (:v0, :v1, :v2)");
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_INT(n_values(r), 3);
    CHECK_STR(val_s(r, ":v0"), "a");
    CHECK_STR(val_s(r, ":v2"), "c");
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(in_limits)
{
    ddb_value *vals[101];
    char num[16];

    ddb_expr *e = new_expr();
    REQUIRE(e);
    for (int i = 0; i < 100; i++) {
        snprintf(num, sizeof(num), "%d", i);
        vals[i] = n(num);
    }
    CHECK_INT(ddb_expr_set_filter(e, ddb_cond_in_take(e, "x", vals, 100)), 0);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_INT(n_values(r), 100);
    CHECK_CONTAINS(r->filter_expression, ":v98, :v99)");
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    /* 101 operands: rejected, and all 101 values freed (valgrind checks). */
    e = new_expr();
    REQUIRE(e);
    for (int i = 0; i < 101; i++) {
        snprintf(num, sizeof(num), "%d", i);
        vals[i] = n(num);
    }
    CHECK(ddb_cond_in_take(e, "x", vals, 101) == NULL);
    const char *msg = build_fails(e, DDB_ERR_LIMIT);
    CHECK_CONTAINS(msg, "101");
    CHECK_CONTAINS(msg, "100");
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_in_take(e, "x", vals, 0) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "at least one value");
    ddb_expr_free(e);
}

TEST(functions)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    check_filter(e, ddb_cond_exists(e, "a"), "attribute_exists(#n0)");
    check_filter(e, ddb_cond_not_exists(e, "a"), "attribute_not_exists(#n0)");
    check_filter(e, ddb_cond_type(e, "a", DDB_TYPE_SS), "attribute_type(#n0, :v0)");
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(val_s(r, ":v0"), "SS");
    ddb_expr_result_free(r);
    check_filter(e, ddb_cond_begins_with_take(e, "sk", s("ORDER#")), "begins_with(#n0, :v0)");
    check_filter(e, ddb_cond_contains_take(e, "tags", s("red")), "contains(#n0, :v0)");
    ddb_expr_free(e);
}

TEST(value_types_checked)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_cmp_take(e, "flag", DDB_CMP_LT, ddb_expr_val_bool(e, true)) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "needs an S, N or B value; got BOOL");
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_begins_with_take(e, "n", n("1")) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "begins_with() on 'n' needs an S or B");
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_between_take(e, "p", n("1"), s("2")) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "got N and S");
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_size_cmp_take(e, "p", DDB_CMP_EQ, s("2")) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "size('p') compares with N values");
    ddb_expr_free(e);

    /* = and <> take any type. */
    e = new_expr();
    REQUIRE(e);
    ddb_value *m = NULL;
    ddb_value_new_m(&m, NULL);
    check_filter(e, ddb_cond_cmp_take(e, "doc", DDB_CMP_NE, m), "#n0 <> :v0");
    ddb_expr_free(e);
}

/* ---- logic and parentheses ----------------------------------------------------------------- */

TEST(and_or_not_parentheses)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
#define A ddb_cond_eq_take(e, "a", n("1"))
#define B ddb_cond_eq_take(e, "b", n("2"))
#define C ddb_cond_eq_take(e, "c", n("3"))
    check_filter(e, ddb_cond_and(e, A, B), "#n0 = :v0 AND #n1 = :v1");
    check_filter(e, ddb_cond_and(e, ddb_cond_and(e, A, B), C),
                 "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2");
    check_filter(e, ddb_cond_or(e, A, ddb_cond_or(e, B, C)), "#n0 = :v0 OR #n1 = :v1 OR #n2 = :v2");
    check_filter(e, ddb_cond_or(e, ddb_cond_and(e, A, B), C),
                 "(#n0 = :v0 AND #n1 = :v1) OR #n2 = :v2");
    check_filter(e, ddb_cond_and(e, ddb_cond_or(e, A, B), C),
                 "(#n0 = :v0 OR #n1 = :v1) AND #n2 = :v2");
    check_filter(e, ddb_cond_and(e, A, ddb_cond_or(e, B, C)),
                 "#n0 = :v0 AND (#n1 = :v1 OR #n2 = :v2)");
    check_filter(e, ddb_cond_or(e, ddb_cond_and(e, A, B), ddb_cond_and(e, C, A)),
                 "(#n0 = :v0 AND #n1 = :v1) OR (#n2 = :v2 AND #n0 = :v3)");
    check_filter(e, ddb_cond_not(e, ddb_cond_exists(e, "a")), "NOT attribute_exists(#n0)");
    check_filter(e, ddb_cond_not(e, A), "NOT (#n0 = :v0)");
    check_filter(e, ddb_cond_not(e, ddb_cond_and(e, A, B)), "NOT (#n0 = :v0 AND #n1 = :v1)");
    check_filter(e, ddb_cond_not(e, ddb_cond_not(e, ddb_cond_exists(e, "a"))),
                 "NOT (NOT attribute_exists(#n0))");
    check_filter(e, ddb_cond_and(e, ddb_cond_not(e, A), ddb_cond_or(e, B, ddb_cond_not(e, C))),
                 "NOT (#n0 = :v0) AND (#n1 = :v1 OR NOT (#n2 = :v2))");
    /* BETWEEN's own AND is parenthesised away from the logical one. */
    check_filter(e, ddb_cond_and(e, ddb_cond_between_take(e, "p", n("1"), n("9")), A),
                 "(#n0 BETWEEN :v0 AND :v1) AND #n1 = :v2");
#undef A
#undef B
#undef C
    ddb_expr_free(e);
}

TEST(null_is_no_condition)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_cond *c = NULL;
    CHECK(ddb_cond_and(e, NULL, NULL) == NULL);
    c = ddb_cond_and(e, c, ddb_cond_exists(e, "a"));
    c = ddb_cond_and(e, c, ddb_cond_exists(e, "b"));
    check_filter(e, c, "attribute_exists(#n0) AND attribute_exists(#n1)");
    CHECK_INT(ddb_expr_status(e, NULL), 0);
    /* Setting NULL clears. */
    CHECK_INT(ddb_expr_set_filter(e, NULL), 0);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK(r->filter_expression == NULL);
    ddb_expr_result_free(r);
    /* NOT of nothing is a mistake. */
    CHECK(ddb_cond_not(e, NULL) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "NOT");
    ddb_expr_free(e);
}

/* ---- names: dedup, paths, literal names, special names ------------------------------------- */

TEST(names_deduplicated)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_expr_set_filter(e, ddb_cond_and(e, ddb_cond_cmp_take(e, "a", DDB_CMP_GT, n("1")),
                                        ddb_cond_cmp_take(e, "a", DDB_CMP_LT, n("5"))));
    ddb_expr_set_condition(e,
                           ddb_cond_and(e, ddb_cond_exists(e, "a.b"), ddb_cond_exists(e, "b.a")));
    ddb_expr_project(e, "b");
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(r->filter_expression, "#n0 > :v0 AND #n0 < :v1");
    CHECK_STR(r->condition_expression, "attribute_exists(#n0.#n1) AND attribute_exists(#n1.#n0)");
    CHECK_STR(r->projection_expression, "#n1");
    check_names(r, (const char *[]){"#n0", "a", "#n1", "b", NULL});
    CHECK_INT(n_values(r), 2);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(document_paths)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    check_filter(e, ddb_cond_exists(e, "a.b[3].c"), "attribute_exists(#n0.#n1[3].#n2)");
    check_filter(e, ddb_cond_exists(e, "list[0][12]"), "attribute_exists(#n0[0][12])");
    check_filter(e, ddb_cond_exists(e, "m.list[007].x"), "attribute_exists(#n0.#n1[7].#n2)");
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    check_names(r, (const char *[]){"#n0", "m", "#n1", "list", "#n2", "x", NULL});
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(malformed_paths)
{
    static const char *const bad[] = {"",      "a..b", ".a",  "a.",  "a[",    "a[x]", "a[]",
                                      "a[1]b", "a]",   "[1]", "a[1", "a.[1]", "a[-1]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ddb_expr *e = new_expr();
        REQUIRE(e);
        CHECK(ddb_cond_exists(e, bad[i]) == NULL);
        const char *msg = build_fails(e, DDB_ERR_INVALID_ARG);
        if (bad[i][0])
            CHECK_CONTAINS(msg, bad[i]);
        else
            CHECK_CONTAINS(msg, "empty");
        ddb_expr_free(e);
    }
    ddb_expr *e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_exists(e, NULL) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "NULL");
    ddb_expr_free(e);
}

TEST(path_limits)
{
    char path[32 * 2 + 16];
    char *p = path;
    for (int i = 0; i < 32; i++) {
        *p++ = i ? '.' : 'x';
        if (i)
            *p++ = 'x';
    }
    *p = '\0';
    ddb_expr *e = new_expr();
    REQUIRE(e);
    CHECK_INT(ddb_expr_project(e, path), 0); /* 32 levels: the limit */
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_INT(r->n_expression_attribute_names, 1);
    CHECK_INT(strlen(r->projection_expression), 32 * 3 + 31);
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    strcat(path, "[0]"); /* 33 */
    e = new_expr();
    REQUIRE(e);
    CHECK(ddb_expr_project(e, path) == DDB_ERR_LIMIT);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_LIMIT), "deeper than 32 levels");
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    CHECK_INT(ddb_expr_project(e, "l[2147483647]"), 0);
    CHECK_INT(ddb_expr_project(e, "m[2147483648]"), DDB_ERR_LIMIT);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_LIMIT), "exceeds 2147483647");
    ddb_expr_free(e);

    /* Attribute names: 1 to 65535 bytes. */
    char *big = malloc(65537);
    REQUIRE(big);
    memset(big, 'n', 65536);
    big[65535] = '\0';
    e = new_expr();
    REQUIRE(e);
    CHECK_INT(ddb_expr_project(e, big), 0);
    r = build(e);
    REQUIRE(r);
    CHECK_INT(strlen(r->expression_attribute_names[0].value), 65535);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    big[65535] = 'n';
    big[65536] = '\0';
    e = new_expr();
    REQUIRE(e);
    CHECK_INT(ddb_expr_project(e, big), DDB_ERR_LIMIT);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_LIMIT), "is 65536 bytes; the limit is 65535");
    ddb_expr_free(e);
    free(big);
}

TEST(literal_names)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_expr_set_literal_names(e, true);
    ddb_cond *lit = ddb_cond_exists(e, "a.b[1]");
    ddb_expr_set_literal_names(e, false);
    ddb_cond *parsed = ddb_cond_exists(e, "a.b[1]");
    check_filter(e, ddb_cond_and(e, lit, parsed),
                 "attribute_exists(#n0) AND attribute_exists(#n1.#n2[1])");
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    check_names(r, (const char *[]){"#n0", "a.b[1]", "#n1", "a", "#n2", "b", NULL});
    ddb_expr_result_free(r);

    ddb_expr_set_literal_names(e, true);
    CHECK(ddb_cond_exists(e, "") == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "empty");
    ddb_expr_free(e);
}

TEST(special_names_only_in_names)
{
    static const char *const names[] = {"status",    "size", "#x",         ":y",      "with space",
                                        "ünïcødé ✓", "a-b",  "Percentile", "(paren)", "1starts"};
    const size_t count = sizeof(names) / sizeof(names[0]);
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_cond *c = NULL;
    for (size_t i = 0; i < count; i++)
        c = ddb_cond_and(e, c, ddb_cond_eq_take(e, names[i], n("1")));
    ddb_expr_set_condition(e, c);
    ddb_expr_set_literal_names(e, true);
    ddb_expr_project(e, "a.b");
    ddb_expr_update_set_take(e, "x[0]", s("v"));
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_INT(r->n_expression_attribute_names, count + 2);
    for (size_t i = 0; i < count; i++) {
        char want[32];
        snprintf(want, sizeof(want), "#n%zu", i);
        CHECK_STR(r->expression_attribute_names[i].key, want);
        CHECK_STR(r->expression_attribute_names[i].value, names[i]);
        check_absent(r, names[i]);
    }
    CHECK_STR(r->expression_attribute_names[count].value, "x[0]");
    CHECK_STR(r->expression_attribute_names[count + 1].value, "a.b");
    check_absent(r, "a.b");
    check_absent(r, "x[0]");
    CHECK_STR(r->projection_expression, "#n11");
    CHECK_STR(r->update_expression, "SET #n10 = :v10");
    CHECK_CONTAINS(r->condition_expression, "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2");
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

/* ---- injection ----------------------------------------------------------------------------- */

TEST(injection_through_values)
{
    static const char *const evil[] = {
        ":x OR attribute_exists(#y)",      "\") OR (a = b", "' OR '1'='1",
        "x) OR (attribute_not_exists(pk)", ":v0",           "#n0",
    };
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        ddb_expr *e = new_expr();
        REQUIRE(e);
        ddb_expr_set_condition(e, ddb_cond_eq_take(e, "owner", s(evil[i])));
        ddb_expr_update_set_take(e, "note", s(evil[i]));
        ddb_expr_result *r = build(e);
        REQUIRE(r);
        CHECK_STR(r->condition_expression, "#n0 = :v0");
        CHECK_STR(r->update_expression, "SET #n1 = :v1");
        CHECK_STR(val_s(r, ":v0"), evil[i]);
        CHECK_STR(val_s(r, ":v1"), evil[i]);
        check_names(r, (const char *[]){"#n0", "owner", "#n1", "note", NULL});
        ddb_expr_result_free(r);
        ddb_expr_free(e);
    }
}

TEST(injection_through_names)
{
    static const char *const evil[] = {
        "a = :v0 OR attribute_exists(#n0)", "\") OR (a = b", "#n0", ":v0", "x, y", "a) OR (b",
    };
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        ddb_expr *e = new_expr();
        REQUIRE(e);
        ddb_expr_set_literal_names(e, true);
        ddb_expr_set_filter(e, ddb_cond_eq_take(e, evil[i], s("v")));
        ddb_expr_project(e, evil[i]);
        ddb_expr_result *r = build(e);
        REQUIRE(r);
        CHECK_STR(r->filter_expression, "#n0 = :v0");
        CHECK_STR(r->projection_expression, "#n0");
        check_names(r, (const char *[]){"#n0", evil[i], NULL});
        ddb_expr_result_free(r);
        ddb_expr_free(e);
    }
}

/* ---- key conditions ------------------------------------------------------------------------ */

TEST(key_conditions)
{
    static const struct {
        ddb_cmp op;
        const char *want;
    } sorts[] = {
        {DDB_CMP_EQ, "#n0 = :v0 AND #n1 = :v1"},  {DDB_CMP_LT, "#n0 = :v0 AND #n1 < :v1"},
        {DDB_CMP_LE, "#n0 = :v0 AND #n1 <= :v1"}, {DDB_CMP_GT, "#n0 = :v0 AND #n1 > :v1"},
        {DDB_CMP_GE, "#n0 = :v0 AND #n1 >= :v1"},
    };
    ddb_expr *e = new_expr();
    REQUIRE(e);
    CHECK_INT(ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", s("USER#1"))), 0);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(r->key_condition_expression, "#n0 = :v0");
    CHECK(r->filter_expression == NULL);
    CHECK_STR(val_s(r, ":v0"), "USER#1");
    ddb_expr_result_free(r);

    for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++) {
        ddb_cond *k = ddb_cond_and(e, ddb_cond_eq_take(e, "pk", s("p")),
                                   ddb_cond_cmp_take(e, "sk", sorts[i].op, n("5")));
        CHECK_INT(ddb_expr_set_key_condition(e, k), 0);
        r = build(e);
        REQUIRE(r);
        CHECK_STR(r->key_condition_expression, sorts[i].want);
        check_names(r, (const char *[]){"#n0", "pk", "#n1", "sk", NULL});
        ddb_expr_result_free(r);
    }

    /* BETWEEN keeps the documented form, without parentheses. */
    ddb_expr_set_key_condition(e, ddb_cond_and(e, ddb_cond_eq_take(e, "pk", s("p")),
                                               ddb_cond_between_take(e, "sk", s("a"), s("m"))));
    r = build(e);
    REQUIRE(r);
    CHECK_STR(r->key_condition_expression, "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2");
    ddb_expr_result_free(r);

    /* begins_with, sort condition first, with a filter sharing the placeholders. */
    ddb_expr_set_key_condition(e, ddb_cond_and(e, ddb_cond_begins_with_take(e, "sk", s("ORD#")),
                                               ddb_cond_eq_take(e, "pk", s("p"))));
    ddb_expr_set_filter(e, ddb_cond_cmp_take(e, "pk", DDB_CMP_NE, s("q")));
    r = build(e);
    REQUIRE(r);
    CHECK_STR(r->key_condition_expression, "begins_with(#n0, :v0) AND #n1 = :v1");
    CHECK_STR(r->filter_expression, "#n1 <> :v2");
    ddb_expr_result_free(r);

    /* Literal names let a key attribute have a dot. */
    ddb_expr_set_literal_names(e, true);
    ddb_expr_set_filter(e, NULL);
    CHECK_INT(ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk.part", s("p"))), 0);
    r = build(e);
    REQUIRE(r);
    check_names(r, (const char *[]){"#n0", "pk.part", NULL});
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(key_condition_shapes_rejected)
{
    static const char *const fragments[] = {
        "optionally AND one sort key", /* OR */
        "optionally AND one sort key", /* NOT */
        "allows only",                 /* <> */
        "partition key with =",        /* two sort conditions */
        "not a top-level attribute",   /* nested path */
        "names 'pk' twice",
        "needs S, N or B values", /* BOOL */
        "allows only",            /* attribute_exists */
        "allows only",            /* three terms */
        "partition key with =",   /* only a sort condition */
    };
    for (int i = 0; i < (int)(sizeof(fragments) / sizeof(fragments[0])); i++) {
        ddb_expr *e = new_expr();
        REQUIRE(e);
        ddb_cond *pk = ddb_cond_eq_take(e, "pk", s("p"));
        ddb_cond *c = NULL;
        switch (i) {
        case 0:
            c = ddb_cond_or(e, pk, ddb_cond_eq_take(e, "sk", s("a")));
            break;
        case 1:
            c = ddb_cond_not(e, pk);
            break;
        case 2:
            c = ddb_cond_and(e, pk, ddb_cond_cmp_take(e, "sk", DDB_CMP_NE, s("a")));
            break;
        case 3:
            c = ddb_cond_and(e, ddb_cond_cmp_take(e, "a", DDB_CMP_GT, s("a")),
                             ddb_cond_cmp_take(e, "b", DDB_CMP_LT, s("b")));
            break;
        case 4:
            c = ddb_cond_eq_take(e, "pk.x", s("a"));
            break;
        case 5:
            c = ddb_cond_and(e, pk, ddb_cond_cmp_take(e, "pk", DDB_CMP_GT, s("a")));
            break;
        case 6:
            c = ddb_cond_eq_take(e, "pk", ddb_expr_val_bool(e, true));
            break;
        case 7:
            c = ddb_cond_and(e, pk, ddb_cond_exists(e, "sk"));
            break;
        case 8:
            c = ddb_cond_and(e, ddb_cond_and(e, pk, ddb_cond_eq_take(e, "a", s("a"))),
                             ddb_cond_eq_take(e, "b", s("b")));
            break;
        case 9:
            c = ddb_cond_begins_with_take(e, "sk", s("x"));
            break;
        }
        REQUIRE(c);
        CHECK_INT(ddb_expr_set_key_condition(e, c), DDB_ERR_INVALID_ARG);
        CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), fragments[i]);
        ddb_expr_free(e);
    }
}

/* ---- updates ------------------------------------------------------------------------------- */

TEST(update_clauses)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_value *tags = NULL, *gone = NULL;
    const char *add[] = {"x"}, *del[] = {"y", "z"};
    REQUIRE(ddb_value_new_ss(&tags, add, 1, NULL) == 0);
    REQUIRE(ddb_value_new_ss(&gone, del, 2, NULL) == 0);
    /* Interleaved calls; each clause keeps call order. */
    CHECK_INT(ddb_expr_update_add_take(e, "count", n("1")), 0);
    CHECK_INT(ddb_expr_update_set_take(e, "a", s("x")), 0);
    CHECK_INT(ddb_expr_update_remove(e, "c"), 0);
    CHECK_INT(ddb_expr_update_delete_take(e, "old", gone), 0);
    CHECK_INT(ddb_expr_update_set_take(e, "b", n("2")), 0);
    CHECK_INT(ddb_expr_update_add_take(e, "tags", tags), 0);
    CHECK_INT(ddb_expr_update_remove(e, "d[2]"), 0);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(r->update_expression,
              "SET #n0 = :v0, #n1 = :v1 REMOVE #n2, #n3[2] ADD #n4 :v2, #n5 :v3 DELETE #n6 :v4");
    check_names(r, (const char *[]){"#n0", "a", "#n1", "b", "#n2", "c", "#n3", "d", "#n4", "count",
                                    "#n5", "tags", "#n6", "old", NULL});
    CHECK_STR(val_s(r, ":v0"), "x");
    CHECK_STR(val_n(r, ":v2"), "1");
    CHECK_INT(ddb_value_type(ddb_value_m_get(r->expression_attribute_values, ":v4")), DDB_TYPE_SS);
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    ddb_expr_update_remove(e, "x");
    r = build(e);
    REQUIRE(r);
    CHECK_STR(r->update_expression, "REMOVE #n0");
    CHECK(r->expression_attribute_values == NULL);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(update_functions)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_value *l1 = NULL, *l2 = NULL, *empty = NULL;
    ddb_value_new_l(&l1, NULL);
    ddb_value_l_append_take(l1, s("new"), NULL);
    ddb_value_new_l(&l2, NULL);
    ddb_value_l_append_take(l2, s("first"), NULL);
    ddb_value_new_l(&empty, NULL);

    ddb_expr_update_set(e, "copy", ddb_operand_path(e, "orig"));
    ddb_expr_update_set(
        e, "created",
        ddb_operand_if_not_exists(e, "created", ddb_operand_value_take(e, n("1700000000"))));
    ddb_expr_update_set(
        e, "log",
        ddb_operand_list_append(e, ddb_operand_path(e, "log"), ddb_operand_value_take(e, l1)));
    ddb_expr_update_set(
        e, "queue",
        ddb_operand_list_append(e, ddb_operand_value_take(e, l2), ddb_operand_path(e, "queue")));
    ddb_expr_update_set(
        e, "stock",
        ddb_operand_minus(e, ddb_operand_path(e, "stock"), ddb_operand_value_take(e, n("3"))));
    /* The counter idiom: works whether or not the attribute exists. */
    ddb_expr_update_set(
        e, "hits",
        ddb_operand_plus(e, ddb_operand_if_not_exists(e, "hits", ddb_operand_value_take(e, n("0"))),
                         ddb_operand_value_take(e, n("1"))));
    ddb_expr_update_set(e, "hist",
                        ddb_operand_list_append(
                            e,
                            ddb_operand_if_not_exists(e, "hist", ddb_operand_value_take(e, empty)),
                            ddb_operand_path(e, "log2")));
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(r->update_expression,
              "SET #n0 = #n1, #n2 = if_not_exists(#n2, :v0), #n3 = list_append(#n3, :v1), "
              "#n4 = list_append(:v2, #n4), #n5 = #n5 - :v3, "
              "#n6 = if_not_exists(#n6, :v4) + :v5, #n7 = list_append(if_not_exists(#n7, :v6), "
              "#n8)");
    CHECK_STR(val_n(r, ":v5"), "1");
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(update_rejections)
{
    static const char *const fragments[] = {
        "'+' does not accept '+'",
        "list_append() does not accept list_append()",
        "'+' needs N values; got S",
        "list_append() needs L values; got N",
        "ADD on 'a' needs an N or a set value; got S",
        "DELETE on 'a' needs a set value; got N",
        "SET does not accept size()",
        "update paths 'a' and 'a.b' overlap",
        "update paths 'a[1]' and 'a[1]' overlap",
        "if_not_exists() is not allowed in a condition",
        "if_not_exists() does not accept '-'",
    };
    for (int i = 0; i < (int)(sizeof(fragments) / sizeof(fragments[0])); i++) {
        ddb_expr *e = new_expr();
        REQUIRE(e);
        ddb_operand *p = ddb_operand_path(e, "a");
        ddb_operand *one = ddb_operand_value_take(e, n("1"));
        switch (i) {
        case 0:
            ddb_expr_update_set(e, "a", ddb_operand_plus(e, ddb_operand_plus(e, p, one), one));
            break;
        case 1:
            ddb_expr_update_set(e, "a",
                                ddb_operand_list_append(e, ddb_operand_list_append(e, p, p), p));
            break;
        case 2:
            ddb_operand_plus(e, p, ddb_operand_value_take(e, s("x")));
            break;
        case 3:
            ddb_operand_list_append(e, p, one);
            break;
        case 4:
            ddb_expr_update_add_take(e, "a", s("x"));
            break;
        case 5:
            ddb_expr_update_delete_take(e, "a", n("1"));
            break;
        case 6:
            ddb_expr_update_set(e, "a", ddb_operand_size(e, "b"));
            break;
        case 7:
            ddb_expr_update_set_take(e, "a", n("1"));
            ddb_expr_update_remove(e, "a.b");
            break;
        case 8:
            ddb_expr_update_remove(e, "a[1]");
            ddb_expr_update_remove(e, "a[1]");
            break;
        case 9:
            ddb_cond_compare(e, ddb_operand_if_not_exists(e, "a", one), DDB_CMP_EQ, one);
            break;
        case 10:
            ddb_operand_if_not_exists(e, "a", ddb_operand_minus(e, p, one));
            break;
        }
        CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), fragments[i]);
        ddb_expr_free(e);
    }
    /* Siblings do not overlap. */
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_expr_update_remove(e, "a[1]");
    ddb_expr_update_remove(e, "a[2]");
    ddb_expr_update_set_take(e, "a2", n("1"));
    ddb_expr_update_set_take(e, "m.x", n("1"));
    ddb_expr_update_set_take(e, "m.y", n("1"));
    CHECK_INT(ddb_expr_status(e, NULL), 0);
    ddb_expr_free(e);
}

/* ---- projection ---------------------------------------------------------------------------- */

TEST(projection)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    CHECK_INT(ddb_expr_project(e, "id"), 0);
    CHECK_INT(ddb_expr_project(e, "address.city"), 0);
    CHECK_INT(ddb_expr_project(e, "items[0]"), 0);
    CHECK_INT(ddb_expr_project(e, "id"), 0); /* repeat: ignored */
    CHECK_INT(ddb_expr_project(e, "name"), 0);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(r->projection_expression, "#n0, #n1.#n2, #n3[0], #n4");
    check_names(r, (const char *[]){"#n0", "id", "#n1", "address", "#n2", "city", "#n3", "items",
                                    "#n4", "name", NULL});
    CHECK(r->expression_attribute_values == NULL);
    ddb_expr_result_free(r);

    CHECK_INT(ddb_expr_project(e, "address"), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG),
                   "projection paths 'address.city' and 'address' overlap");
    ddb_expr_free(e);
}

/* ---- the whole request --------------------------------------------------------------------- */

TEST(numbering_across_expressions)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    /* Called in a different order from the numbering order. */
    ddb_expr_project(e, "total");
    ddb_expr_update_set_take(e, "status", s("shipped"));
    ddb_expr_set_condition(e, ddb_cond_eq_take(e, "status", s("paid")));
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_STR(r->condition_expression, "#n0 = :v0");
    CHECK_STR(r->update_expression, "SET #n0 = :v1");
    CHECK_STR(r->projection_expression, "#n1");
    CHECK_STR(val_s(r, ":v0"), "paid");
    CHECK_STR(val_s(r, ":v1"), "shipped");
    check_names(r, (const char *[]){"#n0", "status", "#n1", "total", NULL});

    /* Building again gives the same result. */
    ddb_expr_result *r2 = build(e);
    REQUIRE(r2);
    CHECK_STR(r2->update_expression, r->update_expression);
    CHECK(ddb_value_equal(r->expression_attribute_values, r2->expression_attribute_values));
    ddb_expr_result_free(r2);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

TEST(empty_and_unused)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK(!r->key_condition_expression && !r->filter_expression && !r->condition_expression &&
          !r->update_expression && !r->projection_expression);
    CHECK_INT(r->n_expression_attribute_names, 0);
    CHECK(r->expression_attribute_names == NULL);
    CHECK(r->expression_attribute_values == NULL);
    ddb_expr_result_free(r);

    /* A condition built but not used leaves no name or value behind. */
    ddb_cond_eq_take(e, "unused", s("x"));
    ddb_expr_set_filter(e, ddb_cond_exists(e, "used"));
    r = build(e);
    REQUIRE(r);
    check_names(r, (const char *[]){"#n0", "used", NULL});
    CHECK(r->expression_attribute_values == NULL);
    ddb_expr_result_free(r);

    /* A condition may be used twice. */
    ddb_cond *c = ddb_cond_eq_take(e, "v", n("7"));
    ddb_expr_set_filter(e, c);
    ddb_expr_set_condition(e, c);
    r = build(e);
    REQUIRE(r);
    CHECK_STR(r->filter_expression, "#n0 = :v0");
    CHECK_STR(r->condition_expression, "#n0 = :v1");
    CHECK_STR(val_n(r, ":v1"), "7");
    ddb_expr_result_free(r);
    ddb_expr_free(e);
}

/* Length of "#n0 = :v0 OR #n0 = :v1 OR ..." with k terms. */
static size_t or_chain_len(size_t k)
{
    size_t len = 0;
    char buf[32];
    for (size_t i = 0; i < k; i++)
        len += (size_t)snprintf(buf, sizeof(buf), "#n0 = :v%zu", i) + (i ? 4 : 0);
    return len;
}

static ddb_expr *or_chain(size_t k)
{
    ddb_expr *e = new_expr();
    ddb_cond *c = NULL;
    for (size_t i = 0; e && i < k; i++)
        c = ddb_cond_or(e, c, ddb_cond_eq_take(e, "a", ddb_expr_val_i64(e, (int64_t)i)));
    if (e)
        ddb_expr_set_filter(e, c);
    return e;
}

TEST(expression_size_limit)
{
    size_t k = 1;
    while (or_chain_len(k + 1) <= 4096)
        k++;
    /* k terms fit, k + 1 do not. */
    ddb_expr *e = or_chain(k);
    REQUIRE(e);
    ddb_expr_result *r = build(e);
    REQUIRE(r);
    CHECK_INT(strlen(r->filter_expression), or_chain_len(k));
    CHECK_INT(n_values(r), k);
    ddb_expr_result_free(r);
    ddb_expr_free(e);

    e = or_chain(k + 1);
    REQUIRE(e);
    char want[96];
    snprintf(want, sizeof(want), "FilterExpression is %zu bytes; the limit is 4096",
             or_chain_len(k + 1));
    CHECK_CONTAINS(build_fails(e, DDB_ERR_LIMIT), want);
    ddb_expr_free(e);

    /* Long names do not count: they live in the names map. */
    char *big = malloc(5000);
    REQUIRE(big);
    memset(big, 'q', 4999);
    big[4999] = '\0';
    e = new_expr();
    REQUIRE(e);
    check_filter(e, ddb_cond_exists(e, big), "attribute_exists(#n0)");
    ddb_expr_free(e);
    free(big);
}

TEST(parts_limit)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    for (int i = 0; i < DDB_EXPR_MAX_PARTS; i++)
        CHECK(ddb_cond_exists(e, "a") != NULL || i >= DDB_EXPR_MAX_PARTS / 2);
    CHECK_INT(ddb_expr_status(e, NULL), DDB_ERR_LIMIT);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_LIMIT), "limit of 16384 parts");
    ddb_expr_free(e);
}

/* ---- sticky errors and ownership ----------------------------------------------------------- */

TEST(sticky_first_error)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    ddb_cond *bad = ddb_cond_eq_take(e, "a..b", s("x")); /* first error; value freed with e */
    CHECK(bad == NULL);
    /* Everything after is a no-op that still frees what it was given. */
    CHECK(ddb_cond_eq_take(e, "ok", NULL) == NULL);
    CHECK(ddb_cond_and(e, bad, ddb_cond_exists(e, "c")) == NULL);
    CHECK_INT(ddb_expr_update_set_take(e, "x", s("leaked?")), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_update_add_take(e, "x", n("1")), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_update_delete_take(e, "x", n("1")), DDB_ERR_INVALID_ARG);
    CHECK(ddb_cond_between_take(e, "x", n("1"), n("2")) == NULL);
    CHECK(ddb_cond_begins_with_take(e, "x", s("p")) == NULL);
    CHECK(ddb_cond_contains_take(e, "x", s("p")) == NULL);
    CHECK(ddb_cond_size_cmp_take(e, "x", DDB_CMP_EQ, n("1")) == NULL);
    CHECK(ddb_operand_value_take(e, s("v")) == NULL);
    ddb_value *vals[2] = {s("a"), s("b")};
    CHECK(ddb_cond_in_take(e, "x", vals, 2) == NULL);
    CHECK(ddb_expr_val_s(e, "x") == NULL);
    CHECK_INT(ddb_expr_set_filter(e, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_project(e, "p"), DDB_ERR_INVALID_ARG);

    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_expr_status(e, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "empty attribute name in path 'a..b'");
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "empty attribute name in path 'a..b'");
    ddb_error_clear(&err);
    ddb_expr_free(e);
}

TEST(null_value_named)
{
    ddb_expr *e = new_expr();
    REQUIRE(e);
    CHECK(ddb_cond_eq_take(e, "status", NULL) == NULL);
    CHECK_CONTAINS(build_fails(e, DDB_ERR_INVALID_ARG), "value for 'status' is NULL");
    ddb_expr_free(e);

    e = new_expr();
    REQUIRE(e);
    CHECK(ddb_expr_val_n(e, "12abc") == NULL);
    CHECK_INT(ddb_expr_status(e, NULL), DDB_ERR_NUMBER);
    ddb_expr_free(e);
}

TEST(null_expr_frees_values)
{
    /* With no builder there is nowhere to record an error, but ownership still holds. */
    ddb_value *vals[2] = {s("a"), s("b")};
    CHECK(ddb_cond_eq_take(NULL, "a", s("x")) == NULL);
    CHECK(ddb_cond_cmp_take(NULL, "a", DDB_CMP_LT, s("x")) == NULL);
    CHECK(ddb_cond_between_take(NULL, "a", s("x"), s("y")) == NULL);
    CHECK(ddb_cond_in_take(NULL, "a", vals, 2) == NULL);
    CHECK(ddb_cond_begins_with_take(NULL, "a", s("x")) == NULL);
    CHECK(ddb_cond_contains_take(NULL, "a", s("x")) == NULL);
    CHECK(ddb_cond_size_cmp_take(NULL, "a", DDB_CMP_EQ, n("1")) == NULL);
    CHECK(ddb_operand_value_take(NULL, s("x")) == NULL);
    CHECK_INT(ddb_expr_update_set_take(NULL, "a", s("x")), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_update_add_take(NULL, "a", n("1")), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_update_delete_take(NULL, "a", n("1")), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_build(NULL, NULL, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_expr_status(NULL, NULL), DDB_ERR_INVALID_ARG);
    ddb_expr_free(NULL);
    ddb_expr_result_free(NULL);
}

TEST(foreign_conditions_rejected)
{
    ddb_expr *a = new_expr(), *b = new_expr();
    REQUIRE(a && b);
    ddb_cond *ca = ddb_cond_exists(a, "x");
    CHECK_INT(ddb_expr_set_filter(b, ca), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(build_fails(b, DDB_ERR_INVALID_ARG), "belongs to another ddb_expr");
    ddb_expr_free(b);
    b = new_expr();
    REQUIRE(b);
    CHECK(ddb_cond_compare(b, ddb_operand_path(a, "x"), DDB_CMP_EQ, ddb_operand_path(b, "y")) ==
          NULL);
    CHECK_CONTAINS(build_fails(b, DDB_ERR_INVALID_ARG), "belongs to another ddb_expr");
    ddb_expr_free(a);
    ddb_expr_free(b);
}

TEST_MAIN(CASE(comparators), CASE(compare_operands), CASE(between_and_in), CASE(in_limits),
          CASE(functions), CASE(value_types_checked), CASE(and_or_not_parentheses),
          CASE(null_is_no_condition), CASE(names_deduplicated), CASE(document_paths),
          CASE(malformed_paths), CASE(path_limits), CASE(literal_names),
          CASE(special_names_only_in_names), CASE(injection_through_values),
          CASE(injection_through_names), CASE(key_conditions), CASE(key_condition_shapes_rejected),
          CASE(update_clauses), CASE(update_functions), CASE(update_rejections), CASE(projection),
          CASE(numbering_across_expressions), CASE(empty_and_unused), CASE(expression_size_limit),
          CASE(parts_limit), CASE(sticky_first_error), CASE(null_value_named),
          CASE(null_expr_frees_values), CASE(foreign_conditions_rejected))
