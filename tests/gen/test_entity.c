/*
 * Generated entity code over the runtime (ddb/dal/entity.h): the code `ddbkit generate` writes for
 * gen-models/types.json (every field type, formatted, numeric and multi-attribute keys) is
 * compiled into this test and its conversions are checked in both directions.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "types.h"

#define UUID1 "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
#define UUID2 "6fa459ea-ee8a-3ca4-894e-db77e160355e"

static char *dup(const char *s)
{
    char *c = malloc(strlen(s) + 1);
    if (c)
        strcpy(c, s);
    return c;
}

/* A thing with every field set. */
static void fill(types__thing *t)
{
    memcpy(t->thing_id, UUID1, 37);
    t->rev = 42;
    CHECK_INT(ddb_decimal_set(&t->price, "19.990", NULL), 0);
    t->status = dup("open");
    t->has_active = true;
    t->active = false;
    t->has_rank = true;
    t->rank = -7;
    t->owner_id = dup("u1");
    t->region = dup("eu");
    t->city = dup("paris");
    t->has_parent_id = true;
    memcpy(t->parent_id, UUID2, 37);
    CHECK_INT(ddb_decimal_set(&t->discount, "0.000000000000000000000000000000000001", NULL), 0);
    t->n_tags = 2;
    t->tags = calloc(2, sizeof(char *));
    t->tags[0] = dup("a");
    t->tags[1] = dup("");
    t->n_scores = 3;
    t->scores = calloc(3, sizeof(int64_t));
    t->scores[0] = INT64_MIN;
    t->scores[1] = 0;
    t->scores[2] = INT64_MAX;
    t->n_amounts = 1;
    t->amounts = calloc(1, sizeof(ddb_decimal));
    CHECK_INT(ddb_decimal_set(&t->amounts[0], "12345678901234567890123456789012345678", NULL), 0);
    t->n_flags = 2;
    t->flags = calloc(2, sizeof(bool));
    t->flags[1] = true;
    t->n_refs = 1;
    t->refs = calloc(1, sizeof(char *));
    t->refs[0] = dup(UUID2);
    CHECK_INT(ddb_value_new_m(&t->attrs, NULL), 0);
    CHECK_INT(ddb_value_m_set_s(t->attrs, "colour", "red", NULL), 0);
    t->n_docs = 0;
    t->docs = calloc(1, sizeof(ddb_value *));
}

static const char *s_of(const ddb_value *item, const char *name)
{
    return ddb_value_s(ddb_value_m_get(item, name), NULL);
}

TEST(round_trip_every_type)
{
    types__thing t = TYPES__THING__INIT, back = TYPES__THING__INIT;
    ddb_value *item = NULL, *again = NULL;
    ddb_error err = DDB_ERROR_INIT;

    fill(&t);
    REQUIRE(types__thing__to_item(&item, &t, &err) == 0);
    REQUIRE(types__thing__from_item(&back, item, &err) == 0);
    CHECK_STR(back.thing_id, UUID1);
    CHECK_INT(back.rev, 42);
    CHECK_STR(back.price.text, "19.990"); /* exact, as given */
    CHECK_STR(back.status, "open");
    CHECK(back.has_active && !back.active);
    CHECK(back.has_rank && back.rank == -7);
    CHECK(back.has_parent_id);
    CHECK_STR(back.parent_id, UUID2);
    CHECK_STR(back.discount.text, "0.000000000000000000000000000000000001");
    REQUIRE(back.n_tags == 2);
    CHECK_STR(back.tags[1], "");
    REQUIRE(back.n_scores == 3);
    CHECK(back.scores[0] == INT64_MIN && back.scores[2] == INT64_MAX);
    CHECK_STR(back.amounts[0].text, "12345678901234567890123456789012345678");
    CHECK(back.n_flags == 2 && !back.flags[0] && back.flags[1]);
    CHECK_STR(back.refs[0], UUID2);
    CHECK_STR(s_of(back.attrs, "colour"), "red");
    CHECK(back.n_docs == 0 && back.docs != NULL); /* an empty list stays a list */
    REQUIRE(types__thing__to_item(&again, &back, &err) == 0);
    CHECK(ddb_value_equal(item, again));
    ddb_value_free(item);
    ddb_value_free(again);
    types__thing__free(&t);
    types__thing__free(&back);
    CHECK(t.status == NULL && t.n_tags == 0 && t.tags == NULL);
    types__thing__free(NULL);
}

TEST(keys_from_templates)
{
    types__thing t = TYPES__THING__INIT;
    ddb_value *item = NULL, *key = NULL;
    fill(&t);
    REQUIRE(types__thing__to_item(&item, &t, NULL) == 0);
    CHECK_STR(s_of(item, "pk"), "THING#" UUID1);
    CHECK_STR(s_of(item, "sk"), "REV#00042");
    CHECK_STR(s_of(item, "gsi1pk"), "STATUS#open");
    /* {price} alone with a decimal field: a numeric key */
    CHECK_INT(ddb_value_type(ddb_value_m_get(item, "gsi1sk")), DDB_TYPE_N);
    CHECK_STR(ddb_value_n(ddb_value_m_get(item, "gsi1sk")), "19.990");
    /* multi-attribute GSI key: separate attributes */
    CHECK_STR(s_of(item, "region"), "eu");
    CHECK_STR(s_of(item, "city"), "paris");
    CHECK_INT(ddb_value_type(ddb_value_m_get(item, "rank")), DDB_TYPE_N);

    REQUIRE(types__thing__key(&key, &t, NULL) == 0);
    CHECK_INT(ddb_value_count(key), 2);
    CHECK_STR(s_of(key, "sk"), "REV#00042");
    ddb_value_free(key);
    ddb_value_free(item);
    types__thing__free(&t);
}

TEST(numeric_primary_key)
{
    types__counter c = TYPES__COUNTER__INIT;
    ddb_value *key = NULL;
    int64_t n = 0;
    c.counter_id = 9007199254740993; /* not exact as a double */
    REQUIRE(types__counter__key(&key, &c, NULL) == 0);
    CHECK_INT(ddb_value_type(ddb_value_m_get(key, "counter_id")), DDB_TYPE_N);
    CHECK_INT(ddb_value_n_i64(ddb_value_m_get(key, "counter_id"), &n, NULL), 0);
    CHECK(n == 9007199254740993);
    ddb_value_free(key);
}

TEST(sparse_gsi_and_optional_fields)
{
    types__thing t = TYPES__THING__INIT;
    ddb_value *item = NULL;
    memcpy(t.thing_id, UUID1, 37);
    REQUIRE(ddb_decimal_set(&t.price, "1", NULL) == 0);
    REQUIRE(types__thing__to_item(&item, &t, NULL) == 0);
    CHECK(ddb_value_m_get(item, "gsi1pk") == NULL); /* no status: not in the index */
    CHECK(ddb_value_m_get(item, "owner_id") == NULL);
    CHECK(ddb_value_m_get(item, "active") == NULL);
    CHECK(ddb_value_m_get(item, "tags") == NULL);
    /* a required list with no array is an empty list */
    CHECK_INT(ddb_value_type(ddb_value_m_get(item, "scores")), DDB_TYPE_L);
    CHECK_INT(ddb_value_count(item), 7); /* thing_id rev price scores pk sk gsi1sk */
    ddb_value_free(item);
    types__thing__free(&t);
}

TEST(invalid_values_are_rejected)
{
    types__thing t = TYPES__THING__INIT;
    ddb_value *item = NULL;
    ddb_error err = DDB_ERROR_INIT;

    /* no price: required */
    memcpy(t.thing_id, UUID1, 37);
    CHECK_INT(types__thing__to_item(&item, &t, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "Thing.price is required");
    CHECK(item == NULL);
    /* not a number */
    CHECK_INT(ddb_decimal_set(&t.price, "1.2.3", &err), DDB_ERR_NUMBER);
    CHECK(t.price.text == NULL);
    CHECK_INT(ddb_decimal_set(&t.price, "1e126", &err), DDB_ERR_NUMBER);
    REQUIRE(ddb_decimal_set(&t.price, "-0.5", &err) == 0);
    /* not a UUID */
    memcpy(t.thing_id, "3f2504e0-4f89-41d3-9a0c-0305e82c330g", 37);
    CHECK_INT(types__thing__to_item(&item, &t, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "is not a UUID");
    ddb_error_clear(&err);
    types__thing__free(&t);
}

TEST(from_item_checks_types_and_leaves_out_untouched)
{
    types__thing t = TYPES__THING__INIT, back = TYPES__THING__INIT;
    ddb_value *item = NULL;
    ddb_error err = DDB_ERROR_INIT;
    fill(&t);
    REQUIRE(types__thing__to_item(&item, &t, NULL) == 0);

    REQUIRE(ddb_value_m_set_s(item, "rank", "high", NULL) == 0);
    CHECK_INT(types__thing__from_item(&back, item, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "Thing.rank: expected N, got S");
    CHECK(back.status == NULL && back.tags == NULL);

    REQUIRE(ddb_value_m_set_n(item, "rank", "1.5", NULL) == 0);
    CHECK_INT(types__thing__from_item(&back, item, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "not a 64-bit integer");

    REQUIRE(ddb_value_m_set_i64(item, "rank", 1, NULL) == 0);
    ddb_value_m_remove(item, "scores");
    CHECK_INT(types__thing__from_item(&back, item, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "no attribute scores");
    CHECK(back.status == NULL);

    ddb_error_clear(&err);
    ddb_value_free(item);
    types__thing__free(&t);
}

TEST(create_table_definitions)
{
    CHECK_INT(TYPES__N_TABLES, 2);
    CHECK_CONTAINS(types__create_table_jsons[0], "\"TableName\":\"Things\"");
    CHECK_CONTAINS(types__things__create_table_json,
                   "{\"AttributeName\":\"gsi1sk\",\"AttributeType\":\"N\"}");
    CHECK_CONTAINS(types__counters__create_table_json,
                   "{\"AttributeName\":\"counter_id\",\"AttributeType\":\"N\"}");
}

/* A lookup key borrows const parameters: strings and decimals only, nothing else touched. */
TEST(lend_string_borrows_without_copying)
{
    types__thing key = TYPES__THING__INIT;
    const char *status = "shipped", *price = "12.50";
    ddb_entity_lend_string(&key, &types__thing__desc, 3, status);
    ddb_entity_lend_string(&key, &types__thing__desc, 2, price);
    CHECK(key.status == status);
    CHECK(key.price.text == price);
    key.rev = 7;
    ddb_entity_lend_string(&key, &types__thing__desc, 1, "not an integer"); /* rev: INT64 */
    CHECK_INT(key.rev, 7);
    ddb_entity_lend_string(&key, &types__thing__desc, 0, "not a uuid"); /* thing_id: UUID */
    CHECK_STR(key.thing_id, "");
    ddb_entity_lend_string(&key, &types__thing__desc, types__thing__desc.n_fields, status);
    ddb_entity_lend_string(NULL, &types__thing__desc, 3, status);
    CHECK(key.status == status);
}

TEST_MAIN(CASE(round_trip_every_type), CASE(keys_from_templates), CASE(numeric_primary_key),
          CASE(sparse_gsi_and_optional_fields), CASE(invalid_values_are_rejected),
          CASE(from_item_checks_types_and_leaves_out_untouched), CASE(create_table_definitions),
          CASE(lend_string_borrows_without_copying))
