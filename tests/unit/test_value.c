#include <stdint.h>

#include "ddb/core/value.h"
#include "test.h"

static ddb_value *new_s(const char *s)
{
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_new_s(&v, s, NULL), 0);
    return v;
}

static ddb_value *new_n(const char *n)
{
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_new_n(&v, n, NULL), 0);
    return v;
}

static ddb_value *new_ns2(const char *a, const char *b)
{
    const char *m[] = {a, b};
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_new_ns(&v, m, 2, NULL), 0);
    return v;
}

/* An arbitrary non-NULL pointer that failing builders must leave in *out. */
static ddb_value *const SENTINEL = (ddb_value *)&test_failures;

TEST(scalars_and_accessors)
{
    ddb_value *s = new_s("héllo");
    size_t len = 0;
    CHECK_INT(ddb_value_type(s), DDB_TYPE_S);
    CHECK_STR(ddb_value_s(s, &len), "héllo");
    CHECK_INT(len, 6);
    CHECK_STR(ddb_value_s(s, NULL), "héllo");

    ddb_value *n = new_n("-12.50");
    CHECK_INT(ddb_value_type(n), DDB_TYPE_N);
    CHECK_STR(ddb_value_n(n), "-12.50");

    ddb_value *b = NULL;
    CHECK_INT(ddb_value_new_b(&b, "\x00\xff\x01", 3, NULL), 0);
    const unsigned char *bytes = ddb_value_b(b, &len);
    CHECK_INT(len, 3);
    CHECK(bytes && bytes[0] == 0x00 && bytes[1] == 0xff && bytes[2] == 0x01);

    ddb_value *t = NULL, *f = NULL, *null = NULL;
    CHECK_INT(ddb_value_new_bool(&t, true, NULL), 0);
    CHECK_INT(ddb_value_new_bool(&f, false, NULL), 0);
    CHECK_INT(ddb_value_new_null(&null, NULL), 0);
    CHECK(ddb_value_bool(t));
    CHECK(!ddb_value_bool(f));
    CHECK_INT(ddb_value_type(f), DDB_TYPE_BOOL);
    CHECK_INT(ddb_value_type(null), DDB_TYPE_NULL);

    /* Accessors of the wrong type give NULL / 0 / false. */
    len = 99;
    CHECK(ddb_value_s(n, &len) == NULL);
    CHECK_INT(len, 0);
    CHECK(ddb_value_n(s) == NULL);
    len = 99;
    CHECK(ddb_value_b(s, &len) == NULL);
    CHECK_INT(len, 0);
    CHECK(!ddb_value_bool(null));
    CHECK_INT(ddb_value_count(s), 0);
    CHECK(ddb_value_m_get(s, "x") == NULL);
    CHECK(ddb_value_l_at(s, 0) == NULL);
    CHECK(ddb_value_set_at(s, 0) == NULL);
    CHECK(ddb_value_bs_at(s, 0).data == NULL);
    CHECK_INT(ddb_value_type(NULL), 0);
    CHECK(ddb_value_s(NULL, NULL) == NULL);

    ddb_value_free(s);
    ddb_value_free(n);
    ddb_value_free(b);
    ddb_value_free(t);
    ddb_value_free(f);
    ddb_value_free(null);
    ddb_value_free(NULL);
}

TEST(type_names)
{
    static const char *const names[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
    for (int t = DDB_TYPE_S; t <= DDB_TYPE_BS; t++)
        CHECK_STR(ddb_type_name((ddb_type)t), names[t - DDB_TYPE_S]);
    CHECK_STR(ddb_type_name((ddb_type)0), "?");
}

TEST(empty_string_and_binary)
{
    ddb_value *s = new_s("");
    size_t len = 9;
    CHECK_STR(ddb_value_s(s, &len), "");
    CHECK_INT(len, 0);
    ddb_value *b = NULL;
    CHECK_INT(ddb_value_new_b(&b, NULL, 0, NULL), 0);
    len = 9;
    /* Non-NULL even when empty, so "empty B" differs from "not a B". */
    CHECK(ddb_value_b(b, &len) != NULL);
    CHECK_INT(len, 0);
    CHECK(!ddb_value_equal(s, b));
    ddb_value_free(s);
    ddb_value_free(b);
}

TEST(string_with_nul)
{
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_new_s_len(&v, "a\0b", 3, NULL), 0);
    size_t len = 0;
    const char *s = ddb_value_s(v, &len);
    CHECK_INT(len, 3);
    CHECK(s && memcmp(s, "a\0b", 4) == 0);
    ddb_value *w = NULL;
    CHECK_INT(ddb_value_new_s_len(&w, "a\0c", 3, NULL), 0);
    CHECK(!ddb_value_equal(v, w));
    ddb_value_free(v);
    ddb_value_free(w);
}

TEST(utf8_validation)
{
    static const char *const good[] = {
        "plain",        "\xc3\xa9",         "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ddb_value *v = NULL;
        CHECK_INT(ddb_value_new_s(&v, good[i], NULL), 0);
        ddb_value_free(v);
    }
    static const struct {
        const char *s;
        const char *why;
    } bad[] = {
        {"ab\xff", "byte 0xff at offset 2"},           /* never valid */
        {"\xc0\x80", "byte 0xc0 at offset 0"},         /* overlong NUL */
        {"x\xe0\x80\xaf", "byte 0xe0 at offset 1"},    /* overlong '/' */
        {"\xed\xa0\x80", "byte 0xed at offset 0"},     /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", "byte 0xf4 at offset 0"}, /* above U+10FFFF */
        {"\xe2\x82", "byte 0xe2 at offset 0"},         /* truncated */
        {"\x80", "byte 0x80 at offset 0"},             /* lone continuation */
        {"\xc3\x28", "byte 0xc3 at offset 0"},         /* bad continuation */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ddb_value *v = SENTINEL;
        ddb_error err = DDB_ERROR_INIT;
        CHECK_INT(ddb_value_new_s(&v, bad[i].s, &err), DDB_ERR_INVALID_ARG);
        CHECK(v == SENTINEL);
        CHECK_CONTAINS(err.message, "string is not valid UTF-8");
        CHECK_CONTAINS(err.message, bad[i].why);
    }
}

TEST(null_arguments)
{
    ddb_value *v = SENTINEL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_value_new_s(&v, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "string is NULL");
    CHECK_INT(ddb_value_new_s_len(&v, NULL, 2, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_new_b(&v, NULL, 2, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_new_n(&v, NULL, &err), DDB_ERR_NUMBER);
    CHECK(v == SENTINEL);
    CHECK_INT(ddb_value_new_s(NULL, "x", &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_new_bool(NULL, true, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_new_null(NULL, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_new_m(NULL, NULL), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_copy(&v, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK(v == SENTINEL);
}

TEST(map_order_replace_remove)
{
    ddb_value *m = NULL;
    REQUIRE(ddb_value_new_m(&m, NULL) == 0);
    CHECK_INT(ddb_value_type(m), DDB_TYPE_M);
    CHECK_INT(ddb_value_m_set_s(m, "zeta", "z", NULL), 0);
    CHECK_INT(ddb_value_m_set_n(m, "alpha", "1", NULL), 0);
    CHECK_INT(ddb_value_m_set_bool(m, "mid", true, NULL), 0);
    CHECK_INT(ddb_value_m_set_i64(m, "big", INT64_MIN, NULL), 0);
    CHECK_INT(ddb_value_count(m), 4);

    const char *name = NULL;
    CHECK(ddb_value_m_at(m, 0, &name) != NULL);
    CHECK_STR(name, "zeta");
    ddb_value_m_at(m, 1, &name);
    CHECK_STR(name, "alpha");
    ddb_value_m_at(m, 3, &name);
    CHECK_STR(name, "big");
    CHECK_STR(ddb_value_n(ddb_value_m_get(m, "big")), "-9223372036854775808");

    /* Replacing keeps the member's position and changes its value. */
    CHECK_INT(ddb_value_m_set_s(m, "alpha", "replaced", NULL), 0);
    CHECK_INT(ddb_value_count(m), 4);
    const ddb_value *a = ddb_value_m_at(m, 1, &name);
    CHECK_STR(name, "alpha");
    CHECK_STR(ddb_value_s(a, NULL), "replaced");

    CHECK_INT(ddb_value_m_remove(m, "zeta"), 0);
    CHECK_INT(ddb_value_m_remove(m, "absent"), 0);
    CHECK_INT(ddb_value_count(m), 3);
    ddb_value_m_at(m, 0, &name);
    CHECK_STR(name, "alpha");
    CHECK(ddb_value_m_get(m, "zeta") == NULL);
    CHECK(ddb_value_m_get(m, NULL) == NULL);

    name = "stale";
    CHECK(ddb_value_m_at(m, 3, &name) == NULL);
    CHECK(name == NULL);
    ddb_value_free(m);
}

TEST(map_rejects_bad_names_and_takes_value)
{
    ddb_value *m = NULL;
    REQUIRE(ddb_value_new_m(&m, NULL) == 0);
    ddb_error err = DDB_ERROR_INIT;
    /* Each failing set_take still owns and frees its value; the sanitizers check that. */
    CHECK_INT(ddb_value_m_set_take(m, "", new_s("x"), &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "attribute name is empty");
    CHECK_INT(ddb_value_m_set_take(m, NULL, new_s("x"), &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "attribute name is NULL");
    CHECK_INT(ddb_value_m_set_take(m, "bad\xff", new_s("x"), &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "attribute name is not valid UTF-8");
    CHECK_INT(ddb_value_m_set_take(m, "ok", NULL, &err), DDB_ERR_INVALID_ARG);

    ddb_value *not_map = new_s("s");
    CHECK_INT(ddb_value_m_set_take(not_map, "a", new_s("x"), &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "map member set on a S value");
    CHECK_INT(ddb_value_m_set_take(NULL, "a", new_s("x"), &err), DDB_ERR_INVALID_ARG);

    /* A bad number leaves the map as it was. */
    CHECK_INT(ddb_value_m_set_n(m, "n", "1e999", &err), DDB_ERR_NUMBER);
    CHECK_INT(ddb_value_count(m), 0);
    CHECK_INT(ddb_value_m_remove(not_map, "a"), 0);
    ddb_value_free(not_map);
    ddb_value_free(m);
}

TEST(large_map_stays_consistent)
{
    /* Large enough to use the hash index; replaced and removed members must stay findable. */
    enum { N = 5000 };
    ddb_value *m = NULL;
    REQUIRE(ddb_value_new_m(&m, NULL) == 0);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "attr%d", i);
        REQUIRE(ddb_value_m_set_i64(m, name, i, NULL) == 0);
    }
    CHECK_INT(ddb_value_count(m), N);
    for (int i = 0; i < N; i += 7) {
        snprintf(name, sizeof(name), "attr%d", i);
        REQUIRE(ddb_value_m_set_i64(m, name, -i, NULL) == 0);
    }
    CHECK_INT(ddb_value_count(m), N);
    for (int i = 0; i < N; i += 3) {
        snprintf(name, sizeof(name), "attr%d", i);
        ddb_value_m_remove(m, name);
    }
    int bad = 0;
    size_t present = 0;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "attr%d", i);
        const ddb_value *v = ddb_value_m_get(m, name);
        int64_t got = 0;
        if (i % 3 == 0) {
            bad += v != NULL;
            continue;
        }
        present++;
        if (!v || ddb_value_n_i64(v, &got, NULL) != 0 || got != (i % 7 == 0 ? -i : i))
            bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(ddb_value_count(m), present);
    /* Insertion order survives the removals. */
    const char *first = NULL, *last = NULL;
    ddb_value_m_at(m, 0, &first);
    ddb_value_m_at(m, present - 1, &last);
    CHECK_STR(first, "attr1");
    CHECK_STR(last, "attr4999");

    /* Shrinking below the index threshold and growing again keeps lookups right. */
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "attr%d", i);
        if (i > 20)
            ddb_value_m_remove(m, name);
    }
    CHECK_INT(ddb_value_count(m), 14);
    CHECK_INT(ddb_value_m_set_s(m, "attr2", "again", NULL), 0);
    CHECK_STR(ddb_value_s(ddb_value_m_get(m, "attr2"), NULL), "again");
    CHECK_INT(ddb_value_count(m), 14);
    ddb_value_free(m);
}

TEST(list_append_and_index)
{
    ddb_value *l = NULL;
    REQUIRE(ddb_value_new_l(&l, NULL) == 0);
    for (int i = 0; i < 100; i++) {
        ddb_value *v = NULL;
        REQUIRE(ddb_value_new_n_i64(&v, i * 3, NULL) == 0);
        REQUIRE(ddb_value_l_append_take(l, v, NULL) == 0);
    }
    CHECK_INT(ddb_value_count(l), 100);
    CHECK_STR(ddb_value_n(ddb_value_l_at(l, 0)), "0");
    CHECK_STR(ddb_value_n(ddb_value_l_at(l, 99)), "297");
    CHECK(ddb_value_l_at(l, 100) == NULL);

    ddb_error err = DDB_ERROR_INIT;
    ddb_value *m = NULL;
    REQUIRE(ddb_value_new_m(&m, NULL) == 0);
    CHECK_INT(ddb_value_l_append_take(m, new_s("x"), &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "list append on a M value");
    CHECK_INT(ddb_value_l_append_take(l, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_value_count(l), 100);
    ddb_value_free(m);
    ddb_value_free(l);
}

TEST(string_set)
{
    const char *members[] = {"b", "a", "", "ü"};
    ddb_value *ss = NULL;
    REQUIRE(ddb_value_new_ss(&ss, members, 4, NULL) == 0);
    CHECK_INT(ddb_value_type(ss), DDB_TYPE_SS);
    CHECK_INT(ddb_value_count(ss), 4);
    /* Members keep the given order. */
    CHECK_STR(ddb_value_set_at(ss, 0), "b");
    CHECK_STR(ddb_value_set_at(ss, 2), "");
    CHECK_STR(ddb_value_set_at(ss, 3), "ü");
    CHECK(ddb_value_set_at(ss, 4) == NULL);
    CHECK(ddb_value_bs_at(ss, 0).data == NULL);
    ddb_value_free(ss);
}

TEST(sets_reject_empty)
{
    ddb_value *v = SENTINEL;
    ddb_error err = DDB_ERROR_INIT;
    const char *one[] = {"1"};
    CHECK_INT(ddb_value_new_ss(&v, one, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "string set is empty; DynamoDB requires at least one member");
    CHECK_INT(ddb_value_new_ns(&v, NULL, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "number set is empty; DynamoDB requires at least one member");
    CHECK_INT(ddb_value_new_bs(&v, NULL, 0, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "binary set is empty; DynamoDB requires at least one member");
    CHECK(v == SENTINEL);
}

TEST(sets_reject_duplicates)
{
    ddb_value *v = SENTINEL;
    ddb_error err = DDB_ERROR_INIT;

    const char *ss[] = {"a", "b", "c", "b", "a"};
    CHECK_INT(ddb_value_new_ss(&v, ss, 5, &err), DDB_ERR_INVALID_ARG);
    /* The first repeat in index order is reported, with the member it repeats. */
    CHECK_STR(err.message, "string set member 3 duplicates member 1");

    const char *ns[] = {"5", "1", "2", "1.0"};
    CHECK_INT(ddb_value_new_ns(&v, ns, 4, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "number set member 3 duplicates member 1 (numbers compare by value)");
    const char *ns2[] = {"10", "1e1"};
    CHECK_INT(ddb_value_new_ns(&v, ns2, 2, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "member 1 duplicates member 0");
    const char *ns3[] = {"-0", "0.0"};
    CHECK_INT(ddb_value_new_ns(&v, ns3, 2, &err), DDB_ERR_INVALID_ARG);

    ddb_blob bs[] = {{"\x01\x02", 2}, {"\x01", 1}, {"\x01\x02", 2}};
    CHECK_INT(ddb_value_new_bs(&v, bs, 3, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "binary set member 2 duplicates member 0");

    /* Many copies of one member: still the first repeat. */
    const char *same[200];
    for (int i = 0; i < 200; i++)
        same[i] = i < 150 ? (i % 2 ? "odd" : "even") : "x";
    CHECK_INT(ddb_value_new_ss(&v, same, 200, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "string set member 2 duplicates member 0");
    CHECK(v == SENTINEL);
}

TEST(sets_accept_near_duplicates)
{
    /* Bytewise for S and B: a prefix, a trailing NUL and a case change are all distinct. */
    ddb_blob bs[] = {{"a", 1}, {"a\0", 2}, {"", 0}, {"A", 1}};
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_new_bs(&v, bs, 4, NULL), 0);
    CHECK_INT(ddb_value_count(v), 4);
    CHECK_INT(ddb_value_bs_at(v, 1).len, 2);
    CHECK(memcmp(ddb_value_bs_at(v, 1).data, "a\0", 2) == 0);
    CHECK_INT(ddb_value_bs_at(v, 2).len, 0);
    CHECK(ddb_value_bs_at(v, 4).data == NULL);
    CHECK(ddb_value_set_at(v, 0) == NULL);
    ddb_value_free(v);

    /* Numbers that differ only in the 38th significant digit are distinct. */
    const char *ns[] = {"1", "1.0000000000000000000000000000000000001", "-1"};
    v = NULL;
    REQUIRE(ddb_value_new_ns(&v, ns, 3, NULL) == 0);
    CHECK_STR(ddb_value_set_at(v, 1), "1.0000000000000000000000000000000000001");
    ddb_value_free(v);
}

TEST(sets_validate_members)
{
    ddb_value *v = SENTINEL;
    ddb_error err = DDB_ERROR_INIT;
    const char *ns[] = {"1", "2", "two"};
    CHECK_INT(ddb_value_new_ns(&v, ns, 3, &err), DDB_ERR_NUMBER);
    CHECK_STR(err.message,
              "number set member 2: \"two\" is not a number: unexpected 't' at offset 0");
    const char *ss[] = {"ok", "bad\xc3"};
    CHECK_INT(ddb_value_new_ss(&v, ss, 2, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "string set member 1 is not valid UTF-8");
    const char *nul_member[] = {"a", NULL};
    CHECK_INT(ddb_value_new_ss(&v, nul_member, 2, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "string set member 1 is NULL");
    ddb_blob bs[] = {{"a", 1}, {NULL, 3}};
    CHECK_INT(ddb_value_new_bs(&v, bs, 2, &err), DDB_ERR_INVALID_ARG);
    CHECK_STR(err.message, "binary set member 1 is NULL");
    CHECK(v == SENTINEL);
}

/* {"id": "u1", "tags": SS{x,y}, "scores": NS{1,2.5}, "nested": {"l": [1, NULL, {"deep": true}]}} */
static ddb_value *sample(void)
{
    ddb_value *m = NULL, *nested = NULL, *l = NULL, *deep = NULL, *v = NULL;
    if (ddb_value_new_m(&m, NULL))
        return NULL;
    ddb_value_m_set_s(m, "id", "u1", NULL);
    const char *tags[] = {"x", "y"};
    ddb_value_new_ss(&v, tags, 2, NULL);
    ddb_value_m_set_take(m, "tags", v, NULL);
    ddb_value_m_set_take(m, "scores", new_ns2("1", "2.5"), NULL);
    ddb_value_new_m(&nested, NULL);
    ddb_value_new_l(&l, NULL);
    ddb_value_l_append_take(l, new_n("1"), NULL);
    ddb_value_new_null(&v, NULL);
    ddb_value_l_append_take(l, v, NULL);
    ddb_value_new_m(&deep, NULL);
    ddb_value_m_set_bool(deep, "deep", true, NULL);
    ddb_value_l_append_take(l, deep, NULL);
    ddb_value_m_set_take(nested, "l", l, NULL);
    ddb_value_m_set_take(m, "nested", nested, NULL);
    return m;
}

TEST(copy_is_deep_and_equal)
{
    ddb_value *orig = sample();
    REQUIRE(orig != NULL);
    CHECK_INT(ddb_value_count(orig), 4);
    ddb_value *copy = NULL;
    REQUIRE(ddb_value_copy(&copy, orig, NULL) == 0);
    CHECK(copy != orig);
    CHECK(ddb_value_equal(orig, copy));
    CHECK(ddb_value_m_get(copy, "nested") != ddb_value_m_get(orig, "nested"));

    /* Changing the original leaves the copy alone. */
    ddb_value_m_remove(orig, "tags");
    CHECK(!ddb_value_equal(orig, copy));
    CHECK_INT(ddb_value_count(copy), 4);
    const ddb_value *l = ddb_value_m_get(ddb_value_m_get(copy, "nested"), "l");
    CHECK_INT(ddb_value_count(l), 3);
    CHECK(ddb_value_bool(ddb_value_m_get(ddb_value_l_at(l, 2), "deep")));
    CHECK_STR(ddb_value_set_at(ddb_value_m_get(copy, "scores"), 1), "2.5");

    /* Every scalar type and set type copies too. */
    ddb_value *b = NULL, *c = NULL;
    ddb_blob bs[] = {{"\x00", 1}, {"\xff", 1}};
    REQUIRE(ddb_value_new_bs(&b, bs, 2, NULL) == 0);
    REQUIRE(ddb_value_copy(&c, b, NULL) == 0);
    CHECK(ddb_value_equal(b, c));
    CHECK_INT(ddb_value_bs_at(c, 1).len, 1);
    ddb_value_free(b);
    ddb_value_free(c);

    ddb_value_free(orig);
    ddb_value_free(copy);
}

TEST(equality_rules)
{
    ddb_value *a = new_n("1.50"), *b = new_n("15e-1"), *c = new_n("1.5000001");
    CHECK(ddb_value_equal(a, b));
    CHECK(!ddb_value_equal(a, c));
    ddb_value *s = new_s("1.5");
    CHECK(!ddb_value_equal(a, s)); /* same text, different type */
    ddb_value_free(a);
    ddb_value_free(b);
    ddb_value_free(c);
    ddb_value_free(s);

    /* Sets regardless of order; number sets by value. */
    a = new_ns2("1", "2");
    b = new_ns2("2.0", "1e0");
    c = new_ns2("1", "3");
    CHECK(ddb_value_equal(a, b));
    CHECK(!ddb_value_equal(a, c));
    ddb_value_free(a);
    ddb_value_free(b);
    ddb_value_free(c);
    const char *s1[] = {"x", "y"}, *s2[] = {"y", "x"}, *s3[] = {"x", "y", "z"};
    ddb_value_new_ss(&a, s1, 2, NULL);
    ddb_value_new_ss(&b, s2, 2, NULL);
    ddb_value_new_ss(&c, s3, 3, NULL);
    CHECK(ddb_value_equal(a, b));
    CHECK(!ddb_value_equal(a, c));
    ddb_value_free(a);
    ddb_value_free(b);
    ddb_value_free(c);

    /* Maps regardless of member order; lists in order. */
    ddb_value_new_m(&a, NULL);
    ddb_value_new_m(&b, NULL);
    ddb_value_m_set_s(a, "p", "1", NULL);
    ddb_value_m_set_n(a, "q", "2", NULL);
    ddb_value_m_set_n(b, "q", "2.0", NULL);
    ddb_value_m_set_s(b, "p", "1", NULL);
    CHECK(ddb_value_equal(a, b));
    ddb_value_m_set_s(b, "r", "extra", NULL);
    CHECK(!ddb_value_equal(a, b));
    CHECK(!ddb_value_equal(b, a));
    ddb_value_m_remove(b, "r");
    ddb_value_m_set_s(b, "p", "2", NULL);
    CHECK(!ddb_value_equal(a, b));
    ddb_value_free(a);
    ddb_value_free(b);

    ddb_value_new_l(&a, NULL);
    ddb_value_new_l(&b, NULL);
    ddb_value_l_append_take(a, new_s("1"), NULL);
    ddb_value_l_append_take(a, new_s("2"), NULL);
    ddb_value_l_append_take(b, new_s("2"), NULL);
    ddb_value_l_append_take(b, new_s("1"), NULL);
    CHECK(!ddb_value_equal(a, b));
    ddb_value_free(b);
    ddb_value_copy(&b, a, NULL);
    CHECK(ddb_value_equal(a, b));
    ddb_value_free(a);
    ddb_value_free(b);

    ddb_value *t = NULL, *f = NULL, *n1 = NULL, *n2 = NULL;
    ddb_value_new_bool(&t, true, NULL);
    ddb_value_new_bool(&f, false, NULL);
    ddb_value_new_null(&n1, NULL);
    ddb_value_new_null(&n2, NULL);
    CHECK(!ddb_value_equal(t, f));
    CHECK(ddb_value_equal(n1, n2));
    CHECK(!ddb_value_equal(n1, f));
    CHECK(!ddb_value_equal(n1, NULL));
    CHECK(ddb_value_equal(NULL, NULL));
    ddb_value_free(t);
    ddb_value_free(f);
    ddb_value_free(n1);
    ddb_value_free(n2);
}

TEST(error_is_reusable)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_value *v = NULL;
    CHECK_INT(ddb_value_new_n(&v, "x", &err), DDB_ERR_NUMBER);
    CHECK_INT(err.code, DDB_ERR_NUMBER);
    CHECK_INT(ddb_value_new_s(&v, "\xff", &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(err.code, DDB_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "number") == NULL);
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(scalars_and_accessors), CASE(type_names), CASE(empty_string_and_binary),
          CASE(string_with_nul), CASE(utf8_validation), CASE(null_arguments),
          CASE(map_order_replace_remove), CASE(map_rejects_bad_names_and_takes_value),
          CASE(large_map_stays_consistent), CASE(list_append_and_index), CASE(string_set),
          CASE(sets_reject_empty), CASE(sets_reject_duplicates), CASE(sets_accept_near_duplicates),
          CASE(sets_validate_members), CASE(copy_is_deep_and_equal), CASE(equality_rules),
          CASE(error_is_reusable))
