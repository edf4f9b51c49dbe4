/*
 * The migration router's comparison knobs (ddb/dal/router.h) as pure functions: the field rules
 * of ddb_router_diff_rules (ignore, trim, casefold, round_time, number_scale, a callback), the
 * key hash of sample_by KEY, and the checks of ddb_router_new on a version 3 config.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/dal/router.h"
#include "test.h"

typedef struct doc {
    int64_t id;
    char *title;
    char *at; /* an ISO-8601 time */
    ddb_decimal price;
    size_t n_tags;
    char **tags;
    int64_t ddb_version;
} doc;

#define NO DDB_ENTITY_NO_OFFSET
static const ddb_field_desc doc_fields[] = {
    {"id", DDB_FIELD_INT64, false, true, offsetof(doc, id), NO, 0},
    {"title", DDB_FIELD_STRING, false, false, offsetof(doc, title), NO, 0},
    {"at", DDB_FIELD_STRING, false, false, offsetof(doc, at), NO, 0},
    {"price", DDB_FIELD_DECIMAL, false, false, offsetof(doc, price), NO, 0},
    {"tags", DDB_FIELD_STRING, true, false, offsetof(doc, tags), NO, offsetof(doc, n_tags)},
};
static const ddb_key_part pk_parts[] = {{"DOC#", -1, NULL}, {NULL, 0, NULL}};
static const ddb_key_desc doc_keys[] = {{"pk", NULL, false, 2, pk_parts}};
static const ddb_entity_desc doc_desc = {DDB_ENTITY_ABI_VERSION,
                                         "Doc",
                                         "Docs",
                                         sizeof(doc),
                                         sizeof doc_fields / sizeof doc_fields[0],
                                         doc_fields,
                                         1,
                                         1,
                                         doc_keys,
                                         "_version",
                                         offsetof(doc, ddb_version),
                                         0,
                                         NULL,
                                         0};

static doc a, b;

static void set(doc *d, const char *title, const char *at, const char *price)
{
    ddb_entity_free(&doc_desc, d);
    memset(d, 0, sizeof *d);
    d->id = 7;
    d->title = title ? strdup(title) : NULL;
    d->at = at ? strdup(at) : NULL;
    if (price)
        REQUIRE(ddb_decimal_set(&d->price, price, NULL) == 0);
}

/* The differing fields under rules ("" when equal). */
static char fields[600];
static const char *diff(const ddb_router_field_rule *rules, size_t n)
{
    char *f = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_router_diff_rules(&f, NULL, &doc_desc, &a, &b, rules, n, &err);
    if (rc != 0) {
        snprintf(fields, sizeof fields, "error %d: %s", rc, err.message);
        return fields;
    }
    snprintf(fields, sizeof fields, "%s", f ? f : "");
    free(f);
    return fields;
}

static void done(void)
{
    ddb_entity_free(&doc_desc, &a);
    ddb_entity_free(&doc_desc, &b);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
}

TEST(ignore_skips_field_and_version)
{
    ddb_router_field_rule r[] = {{"Doc", "title", DDB_ROUTER_IGNORE, 0, NULL, NULL},
                                 {NULL, "_version", DDB_ROUTER_IGNORE, 0, NULL, NULL}};
    set(&a, "one", NULL, NULL);
    set(&b, "two", NULL, NULL);
    b.ddb_version = 2;
    CHECK_STR(diff(NULL, 0), "title,_version");
    CHECK_STR(diff(r, 1), "_version");
    CHECK_STR(diff(r, 2), "");
    /* another entity's rule does not apply */
    r[0].entity = "Other";
    CHECK_STR(diff(r, 2), "title");
    done();
}

TEST(trim_and_casefold)
{
    ddb_router_field_rule trim = {NULL, "title", DDB_ROUTER_TRIM, 0, NULL, NULL};
    ddb_router_field_rule fold = {"Doc", "title", DDB_ROUTER_CASEFOLD, 0, NULL, NULL};
    set(&a, "  Hello\t\n", NULL, NULL);
    set(&b, "Hello", NULL, NULL);
    CHECK_STR(diff(NULL, 0), "title");
    CHECK_STR(diff(&trim, 1), "");
    CHECK_STR(diff(&fold, 1), "title"); /* casefold does not trim */
    set(&a, "HeLLo World", NULL, NULL);
    set(&b, "hello world", NULL, NULL);
    CHECK_STR(diff(&fold, 1), "");
    CHECK_STR(diff(&trim, 1), "title");
    set(&b, "hello  world", NULL, NULL); /* inner whitespace counts */
    CHECK_STR(diff(&trim, 1), "title");
    /* a list field's elements are cleaned one by one, in order */
    set(&a, NULL, NULL, NULL);
    set(&b, NULL, NULL, NULL);
    a.n_tags = b.n_tags = 2;
    a.tags = calloc(2, sizeof *a.tags);
    b.tags = calloc(2, sizeof *b.tags);
    a.tags[0] = strdup("Red");
    a.tags[1] = strdup("BLUE");
    b.tags[0] = strdup("red");
    b.tags[1] = strdup("blue");
    fold.field = "tags";
    CHECK_STR(diff(NULL, 0), "tags");
    CHECK_STR(diff(&fold, 1), "");
    done();
}

TEST(round_time_within_one_unit)
{
    ddb_router_field_rule sec = {NULL, "at", DDB_ROUTER_ROUND_TIME, 0, NULL, NULL};
    ddb_router_field_rule ms = {NULL, "at", DDB_ROUTER_ROUND_TIME, 3, NULL, NULL};
    set(&a, NULL, "2024-01-01T10:00:00.123Z", NULL);
    set(&b, NULL, "2024-01-01T10:00:00Z", NULL);
    CHECK_STR(diff(NULL, 0), "at");
    CHECK_STR(diff(&sec, 1), "");
    CHECK_STR(diff(&ms, 1), "at");
    /* a store that rounded up: still within a second */
    set(&a, NULL, "2024-01-01T10:00:00.600Z", NULL);
    set(&b, NULL, "2024-01-01T10:00:01Z", NULL);
    CHECK_STR(diff(&sec, 1), "");
    /* across midnight and the year, and an offset */
    set(&a, NULL, "2024-12-31T23:59:59.9Z", NULL);
    set(&b, NULL, "2025-01-01T01:00:00.2+01:00", NULL);
    CHECK_STR(diff(&sec, 1), "");
    set(&b, NULL, "2025-01-01T00:00:00.2+0000", NULL);
    CHECK_STR(diff(&sec, 1), "");
    /* a second and more apart */
    set(&a, NULL, "2024-01-01T10:00:00Z", NULL);
    set(&b, NULL, "2024-01-01T10:00:01Z", NULL);
    CHECK_STR(diff(&sec, 1), "at");
    set(&b, NULL, "2024-01-01T11:00:00+01:00", NULL); /* the same instant */
    CHECK_STR(diff(&ms, 1), "");
    /* microseconds, and no offset (taken as UTC) */
    ms.scale = 6;
    set(&a, NULL, "2024-01-01 10:00:00.1234564", NULL);
    set(&b, NULL, "2024-01-01T10:00:00.123456Z", NULL);
    CHECK_STR(diff(&ms, 1), "");
    /* not a time: compared as it is */
    set(&a, NULL, "yesterday", NULL);
    set(&b, NULL, "yesterday ", NULL);
    CHECK_STR(diff(&sec, 1), "at");
    set(&b, NULL, "yesterday", NULL);
    CHECK_STR(diff(&sec, 1), "");
    set(&a, NULL, "2024-13-01T10:00:00Z", NULL);
    set(&b, NULL, "2024-13-01T10:00:00.5Z", NULL);
    CHECK_STR(diff(&sec, 1), "at");
    done();
}

TEST(number_scale_rounds_half_away_from_zero)
{
    ddb_router_field_rule two = {NULL, "price", DDB_ROUTER_NUMBER_SCALE, 2, NULL, NULL};
    ddb_router_field_rule zero = {NULL, "price", DDB_ROUTER_NUMBER_SCALE, 0, NULL, NULL};
    set(&a, NULL, NULL, "10.004");
    set(&b, NULL, NULL, "10.0");
    CHECK_STR(diff(NULL, 0), "price");
    CHECK_STR(diff(&two, 1), "");
    set(&a, NULL, NULL, "10.005"); /* 10.01 */
    CHECK_STR(diff(&two, 1), "price");
    set(&b, NULL, NULL, "10.01");
    CHECK_STR(diff(&two, 1), "");
    set(&a, NULL, NULL, "-2.5");
    set(&b, NULL, NULL, "-3");
    CHECK_STR(diff(&zero, 1), "");
    set(&a, NULL, NULL, "9.995"); /* carries: 10.00 */
    set(&b, NULL, NULL, "10");
    CHECK_STR(diff(&two, 1), "");
    set(&a, NULL, NULL, "0.004"); /* rounds to zero */
    set(&b, NULL, NULL, "0");
    CHECK_STR(diff(&two, 1), "");
    set(&a, NULL, NULL, "1.5E+3");
    set(&b, NULL, NULL, "1500.001");
    CHECK_STR(diff(&two, 1), "");
    set(&a, NULL, NULL, "0.0000001"); /* 1E-7 */
    set(&b, NULL, NULL, "0");
    CHECK_STR(diff(&two, 1), "");
    set(&a, NULL, NULL, "123456789012345678901234567890.129");
    set(&b, NULL, NULL, "123456789012345678901234567890.13");
    CHECK_STR(diff(&two, 1), "");
    CHECK_STR(diff(NULL, 0), "price");
    done();
}

typedef struct seen {
    int calls;
    char entity[16], field[16];
} seen;

/* Equal when the titles have the same length. */
static bool same_length(void *ctx, const char *entity, const char *field, const ddb_value *x,
                        const ddb_value *y)
{
    seen *s = ctx;
    size_t nx = 0, ny = 0;
    s->calls++;
    snprintf(s->entity, sizeof s->entity, "%s", entity);
    snprintf(s->field, sizeof s->field, "%s", field);
    if (!x || !y)
        return !x && !y;
    ddb_value_s(x, &nx);
    ddb_value_s(y, &ny);
    return nx == ny;
}

TEST(callback_decides_and_first_rule_wins)
{
    seen s = {0, "", ""};
    ddb_router_field_rule r[] = {{"Doc", "title", DDB_ROUTER_EQUAL_FN, 0, same_length, &s},
                                 {NULL, "title", DDB_ROUTER_IGNORE, 0, NULL, NULL}};
    set(&a, "abc", NULL, NULL);
    set(&b, "xyz", NULL, NULL);
    CHECK_STR(diff(r, 2), "");
    CHECK_INT(s.calls, 1);
    CHECK_STR(s.entity, "Doc");
    CHECK_STR(s.field, "title");
    set(&b, "wxyz", NULL, NULL);
    CHECK_STR(diff(r, 2), "title"); /* the callback's rule comes first */
    CHECK_STR(diff(r + 1, 1), "");
    set(&b, NULL, NULL, NULL); /* absent: the callback sees NULL */
    CHECK_STR(diff(r, 2), "title");
    CHECK_INT(s.calls, 3);
    done();
}

/* FNV-1a 64 of s, as the documentation states it. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

TEST(key_bucket_is_fnv1a_of_key_json)
{
    int counts[100] = {0}, in_ten = 0;
    set(&a, NULL, NULL, NULL);
    CHECK_INT(fnv1a(""), 14695981039346656037ULL); /* the offset basis */
    CHECK_INT(fnv1a("a"), 0xaf63dc4c8601ec8cULL);  /* the published test vector */
    for (int64_t id = 1; id <= 2000; id++) {
        char json[64];
        int bucket;
        a.id = id;
        snprintf(json, sizeof json, "{\"id\":{\"N\":\"%lld\"}}", (long long)id);
        bucket = ddb_router_key_bucket(&doc_desc, &a);
        CHECK_INT(bucket, (int)((fnv1a(json) >> 32) % 100));
        CHECK_INT(ddb_router_key_bucket(&doc_desc, &a), bucket); /* stable */
        counts[bucket]++;
        in_ten += bucket < 10;
    }
    /* spread: 10% of 2000 sequential keys give 200 expected; allow a wide margin */
    CHECK(in_ten > 140 && in_ten < 260);
    for (int i = 0; i < 100; i++)
        CHECK(counts[i] > 0);
    CHECK_INT(ddb_router_key_bucket(NULL, &a), -1);
    done();
}

static int new_router(ddb_router_config *c, ddb_error *err)
{
    ddb_router *r = NULL;
    int rc = ddb_router_new(&r, c, err);
    ddb_router_free(r);
    return rc;
}

TEST(config_v3_checked)
{
    ddb_router_config c;
    ddb_error err = DDB_ERROR_INIT;
    ddb_router_field_rule rule = {"Doc", "title", DDB_ROUTER_ROUND_TIME, 10, NULL, NULL};
    ddb_router *r = NULL;
    ddb_router_config got;
    memset(&c, 0, sizeof c);
    c.version = DDB_ROUTER_CONFIG_VERSION;
    c.phase = 3;
    c.compare_percent = 100;
    c.log = NULL;
    CHECK_INT(DDB_ROUTER_CONFIG_VERSION, 4);
    CHECK_INT(new_router(&c, &err), 0);
    c.version = 5;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "version must be 1..4");
    c.version = 3;
    c.sample_by = (ddb_router_sampling)2;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "sample_by 2");
    c.sample_by = DDB_ROUTER_SAMPLE_KEY;
    c.secondary_timeout_ms = -1;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "secondary_timeout_ms -1");
    c.secondary_timeout_ms = 50;
    c.on_secondary_failure[1] = (ddb_router_failure_policy)7;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "on_secondary_failure[1] (phase 3) 7");
    c.on_secondary_failure[1] = DDB_ROUTER_ON_FAILURE_STOP;
    c.n_field_rules = 1;
    c.field_rules = &rule;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "router field rule 0 (Doc.title): ROUND_TIME scale 10 is not 0..9");
    rule.action = DDB_ROUTER_EQUAL_FN;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "router field rule 0 (Doc.title): EQUAL_FN without equal");
    rule.action = DDB_ROUTER_TRIM;
    rule.field = NULL;
    CHECK_INT(new_router(&c, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "router field rule 0 (Doc.?): no field name");

    /* the router keeps copies of the rules; version 2 configs get today's defaults */
    {
        char entity[] = "Doc", field[] = "title";
        rule.entity = entity;
        rule.field = field;
        REQUIRE(ddb_router_new(&r, &c, &err) == 0);
        entity[0] = field[0] = 'X';
        ddb_router_settings(r, &got);
        CHECK_INT(got.n_field_rules, 1);
        CHECK_STR(got.field_rules[0].entity, "Doc");
        CHECK_STR(got.field_rules[0].field, "title");
        CHECK_INT(got.sample_by, DDB_ROUTER_SAMPLE_KEY);
        CHECK_INT(got.secondary_timeout_ms, 50);
        CHECK_INT(got.on_secondary_failure[1], DDB_ROUTER_ON_FAILURE_STOP);
        ddb_router_free(r);
    }
    c.version = 2;
    c.fail_on_mismatch = true;
    REQUIRE(ddb_router_new(&r, &c, &err) == 0);
    ddb_router_settings(r, &got);
    CHECK_INT(got.version, 4);
    CHECK_INT(got.n_field_rules, 0);
    CHECK_INT(got.sample_by, DDB_ROUTER_SAMPLE_CALL);
    CHECK(!got.fail_on_mismatch);
    CHECK_INT(got.secondary_timeout_ms, 0);
    CHECK_INT(got.on_secondary_failure[1], DDB_ROUTER_ON_FAILURE_JOURNAL);
    ddb_router_free(r);
    ddb_error_clear(&err);
}

TEST(mismatch_code_named)
{
    CHECK_INT(DDB_ERR_MISMATCH, -27);
    CHECK_STR(ddb_error_code_name(DDB_ERR_MISMATCH), "DDB_ERR_MISMATCH");
    CHECK_STR(ddb_strerror(DDB_ERR_MISMATCH), "the two stores of a migration differ");
}

TEST_MAIN(CASE(ignore_skips_field_and_version), CASE(trim_and_casefold),
          CASE(round_time_within_one_unit), CASE(number_scale_rounds_half_away_from_zero),
          CASE(callback_decides_and_first_rule_wins), CASE(key_bucket_is_fnv1a_of_key_json),
          CASE(config_v3_checked), CASE(mismatch_code_named))
