/*
 * The conformance suites' entity comparison (ddb/testkit/conformance.h): structs compared field
 * by field through their descriptor, never through an item, for every field kind, list and
 * optional value, with derived fields (a key template writes them) and the version apart.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/testkit/conformance.h"
#include "test.h"

typedef struct kit {
    char *id;
    char *name;
    bool has_count;
    int64_t count;
    ddb_decimal price;
    bool has_flag;
    bool flag;
    bool has_ref;
    char ref[37];
    ddb_value *attrs;
    size_t n_tags;
    char **tags;
    size_t n_amounts;
    ddb_decimal *amounts;
    char *by_name; /* written by the template of key by_name */
    int64_t ddb_version;
} kit;

#define NO DDB_ENTITY_NO_OFFSET
static const ddb_field_desc kit_fields[] = {
    {"id", DDB_FIELD_STRING, false, true, offsetof(kit, id), NO, 0},
    {"name", DDB_FIELD_STRING, false, false, offsetof(kit, name), NO, 0},
    {"count", DDB_FIELD_INT64, false, false, offsetof(kit, count), offsetof(kit, has_count), 0},
    {"price", DDB_FIELD_DECIMAL, false, false, offsetof(kit, price), NO, 0},
    {"flag", DDB_FIELD_BOOL, false, false, offsetof(kit, flag), offsetof(kit, has_flag), 0},
    {"ref", DDB_FIELD_UUID, false, false, offsetof(kit, ref), offsetof(kit, has_ref), 0},
    {"attrs", DDB_FIELD_VALUE, false, false, offsetof(kit, attrs), NO, 0},
    {"tags", DDB_FIELD_STRING, true, false, offsetof(kit, tags), NO, offsetof(kit, n_tags)},
    {"amounts", DDB_FIELD_DECIMAL, true, false, offsetof(kit, amounts), NO,
     offsetof(kit, n_amounts)},
    {"by_name", DDB_FIELD_STRING, false, false, offsetof(kit, by_name), NO, 0},
};
static const ddb_key_part pk_parts[] = {{"KIT#", -1, NULL}, {NULL, 0, NULL}};
static const ddb_key_part gsi_parts[] = {{"NAME#", -1, NULL}, {NULL, 1, NULL}};
static const ddb_key_desc kit_keys[] = {{"pk", NULL, false, 2, pk_parts},
                                        {"by_name", "ByName", false, 2, gsi_parts}};
static const ddb_entity_desc kit_desc = {DDB_ENTITY_ABI_VERSION,
                                         "Kit",
                                         "Kits",
                                         sizeof(kit),
                                         sizeof kit_fields / sizeof kit_fields[0],
                                         kit_fields,
                                         1,
                                         2,
                                         kit_keys,
                                         "ddb_version",
                                         offsetof(kit, ddb_version),
                                         0,
                                         NULL,
                                         0};

/* Every field has a value. */
static void fill(kit *k)
{
    memset(k, 0, sizeof *k);
    k->id = strdup("k1");
    k->name = strdup("anvil");
    k->has_count = true;
    k->count = 3;
    ddb_decimal_set(&k->price, "12.25", NULL);
    k->has_flag = true;
    k->flag = false;
    k->has_ref = true;
    snprintf(k->ref, sizeof k->ref, "00000000-0000-4000-8000-000000000001");
    k->attrs = ddb_conf_object_value("{\"M\":{\"w\":{\"N\":\"2\"}}}");
    k->n_tags = 2;
    k->tags = calloc(2, sizeof *k->tags);
    k->tags[0] = strdup("a");
    k->tags[1] = strdup("b");
    k->n_amounts = 1;
    k->amounts = calloc(1, sizeof *k->amounts);
    ddb_decimal_set(&k->amounts[0], "1.5", NULL);
    k->by_name = strdup("NAME#anvil");
    k->ddb_version = 4;
}

static kit want, got;
static char why[600];

static void setup(void)
{
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
    fill(&want);
    REQUIRE(ddb_conf_entity_copy(&got, &kit_desc, &want) == 0);
}

static bool equal(void)
{
    return ddb_conf_entity_equal(why, sizeof why, &kit_desc, &want, &got);
}

TEST(copies_are_equal)
{
    setup();
    CHECK(equal());
    CHECK_STR(why, "");
    CHECK(got.ddb_version == 4);
    CHECK(got.tags != want.tags && got.attrs != want.attrs); /* deep */
    got.ddb_version = 9;                                     /* not a field */
    CHECK(equal());
    free(got.price.text);
    got.price.text = strdup("12.250"); /* the same number */
    CHECK(equal());
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST(dropped_optional_boolean)
{
    setup();
    got.has_flag = false;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'flag' is (absent), expected false");
    got.has_flag = true;
    got.flag = true;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'flag' is true, expected false");
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST(every_kind_named)
{
    setup();
    got.has_count = false;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'count' is (absent), expected 3");
    got.has_count = true;
    free(got.price.text);
    got.price.text = strdup("12");
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'price' is 12, expected 12.25");
    ddb_decimal_set(&got.price, "12.25", NULL);
    got.ref[35] = '2';
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'ref' is \"00000000-0000-4000-8000-000000000002\", expected "
                   "\"00000000-0000-4000-8000-000000000001\"");
    got.ref[35] = '1';
    ddb_value_free(got.attrs);
    got.attrs = NULL;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'attrs' is (absent), expected {\"M\":{\"w\":{\"N\":\"2\"}}}");
    got.attrs = ddb_conf_object_value("{\"M\":{\"w\":{\"N\":\"3\"}}}");
    CHECK(!equal());
    CHECK_CONTAINS(why, "Kit field 'attrs' is {\"M\":{\"w\":{\"N\":\"3\"}}}");
    ddb_value_free(got.attrs);
    got.attrs = ddb_conf_object_value("{\"M\":{\"w\":{\"N\":\"2\"}}}");
    CHECK(equal());
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST(lists)
{
    setup();
    free(got.tags[1]);
    got.n_tags = 1;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'tags' is [\"a\"], expected [\"a\",\"b\"]");
    free(got.tags[0]);
    free(got.tags);
    got.tags = NULL;
    got.n_tags = 0;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'tags' is (absent), expected [\"a\",\"b\"]");
    got.tags = calloc(1, sizeof *got.tags); /* an empty list is not an absent one */
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'tags' is [], expected [\"a\",\"b\"]");
    ddb_entity_free(&kit_desc, &got);
    REQUIRE(ddb_conf_entity_copy(&got, &kit_desc, &want) == 0);
    ddb_decimal_set(&got.amounts[0], "1.50", NULL);
    CHECK(equal());
    ddb_decimal_set(&got.amounts[0], "1", NULL);
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'amounts' is [1], expected [1.5]");
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST(swapped_strings)
{
    char *t;
    setup();
    free(got.tags[0]);
    got.tags[0] = strdup("anvil");
    free(got.name);
    got.name = strdup("a");
    t = got.name;
    got.name = got.tags[0];
    got.tags[0] = t;
    CHECK(equal()); /* swapped back */
    t = got.name;
    got.name = got.id;
    got.id = t;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'id' is \"anvil\", expected \"k1\"");
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

/* A required field that came back without a value is named, not "cannot be written". */
TEST(required_field_absent)
{
    setup();
    free(got.id);
    got.id = NULL;
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'id' is (absent), expected \"k1\"");
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

/* by_name is the attribute of a key whose template is NAME#{name}: ddb_entity_to_item writes
 * the template's value there, so that is what must come back, whatever want held. */
TEST(derived_field)
{
    setup();
    free(want.by_name);
    want.by_name = strdup("whatever the caller left");
    CHECK(equal());
    free(got.by_name);
    got.by_name = strdup("NAME#hammer");
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'by_name' (written by the template of key by_name) is "
                   "\"NAME#hammer\", expected {\"S\":\"NAME#anvil\"}");
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST(clear_optional)
{
    setup();
    ddb_conf_clear_optional(&kit_desc, &got);
    CHECK_STR(got.id, "k1"); /* required, and in the primary key */
    CHECK(!got.name && !got.has_count && !got.price.text && !got.has_flag && !got.has_ref);
    CHECK(!got.attrs && !got.tags && got.n_tags == 0 && !got.amounts && !got.by_name);
    CHECK(!equal());
    CHECK_STR(why, "Kit field 'name' is (absent), expected \"anvil\"");
    ddb_conf_clear_optional(&kit_desc, &want);
    CHECK(equal());
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST(same_and_copied_fields)
{
    static const char *const names[] = {"name", "count", "tags"};
    const char *differs = NULL;
    kit other;
    setup();
    fill(&other);
    free(other.name);
    other.name = strdup("tongs");
    other.count = 8;
    CHECK(!ddb_conf_same_fields(&kit_desc, &want, &other, names, 3, &differs));
    CHECK_STR(differs, "name");
    ddb_conf_copy_fields(&kit_desc, &other, &want, names, 3);
    CHECK(ddb_conf_same_fields(&kit_desc, &want, &other, names, 3, &differs));
    got.has_count = false;
    CHECK(!ddb_conf_same_fields(&kit_desc, &want, &got, names, 3, &differs));
    CHECK_STR(differs, "count");
    ddb_conf_copy_fields(&kit_desc, &other, &got, names + 1, 1); /* absent in src: cleared */
    CHECK(!other.has_count);
    ddb_entity_free(&kit_desc, &other);
    ddb_entity_free(&kit_desc, &want);
    ddb_entity_free(&kit_desc, &got);
}

TEST_MAIN(CASE(copies_are_equal), CASE(dropped_optional_boolean), CASE(every_kind_named),
          CASE(lists), CASE(swapped_strings), CASE(required_field_absent), CASE(derived_field),
          CASE(clear_optional), CASE(same_and_copied_fields))
