/*
 * Unit tests of the model loader and validator: name mapping, templates, extensions, plans,
 * diagnostics. The data-driven tests (whole model files with their expected diagnostics) are
 * check_model.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "emit/printer.h"
#include "emit/wrap.h"
#include "model/usage.h"
#include "test.h"
#include "validate/validate.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static ddbgen_model *load(const char *json, ddbgen_diags *d)
{
    ddbgen_model *m = NULL;
    int rc = ddbgen_model_load_buffer(&m, json, strlen(json), "shop_schema.json", d);
    return rc == 0 ? m : NULL;
}

/* Loads and validates; returns the number of errors (-1 when the model did not load). */
static long validate_json(const char *json, ddbgen_diags *d)
{
    ddbgen_model *m = load(json, d);
    long n;
    if (!m)
        return -1;
    ddbgen_model_validate(m, d);
    ddbgen_diags_sort(d);
    n = (long)d->n_errors;
    ddbgen_model_free(m);
    return n;
}

static bool has_diag(const ddbgen_diags *d, ddbgen_severity sev, const char *path,
                     const char *fragment)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity == sev && strcmp(d->items[i].path, path) == 0 &&
            strstr(d->items[i].message, fragment))
            return true;
    return false;
}

static const ddbgen_diag *find_diag(const ddbgen_diags *d, const char *path)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->items[i].path, path) == 0)
            return &d->items[i];
    return NULL;
}

static void dump(const ddbgen_diags *d)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    ddbgen_diags_format_text(d, &b);
    fprintf(stderr, "%s", ddbgen_buf_str(&b) ? ddbgen_buf_str(&b) : "(oom)\n");
    ddbgen_buf_free(&b);
}

#define ONE_TABLE(entities)                                                                        \
    "{\"tables\": [{\"table_config\": {\"table_name\": \"Items\", \"partition_key\": \"pk\", "     \
    "\"sort_key\": \"sk\"}, \"entities\": {" entities "}}]}"

/* ---- C names --------------------------------------------------------------------------------- */

static void check_c_name(const char *in, const char *want)
{
    char *out = NULL;
    CHECK_INT(ddbgen_c_name(&out, in), 0);
    CHECK_STR(out, want);
    free(out);
}

TEST(c_name_mapping)
{
    check_c_name("UserAddress", "user_address");
    check_c_name("userAddress", "user_address");
    check_c_name("user_address", "user_address");
    check_c_name("HTTPServer2Go", "http_server2_go");
    check_c_name("GSI1PK", "gsi1_pk");
    check_c_name("order-items", "order_items");
    check_c_name("Order Items", "order_items");
    check_c_name("__private__", "private");
    check_c_name("a__b", "a_b");
    check_c_name("user_ID", "user_id");
    check_c_name("X", "x");
    check_c_name("long", "long_");
    check_c_name("Default", "default_");
    check_c_name("errno", "errno_");
    check_c_name("bool", "bool_");
    check_c_name("3DModel", "3_d_model");
    check_c_name("日本", "");
    check_c_name("", "");
}

TEST(c_name_problems)
{
    CHECK(ddbgen_c_name_problem("user") == NULL);
    CHECK(ddbgen_c_name_problem("long_") == NULL);
    CHECK_CONTAINS(ddbgen_c_name_problem("2fa"), "digit");
    CHECK_CONTAINS(ddbgen_c_name_problem(""), "empty");
    CHECK(ddbgen_is_c_keyword("static"));
    CHECK(ddbgen_is_c_keyword("typeof"));
    CHECK(!ddbgen_is_c_keyword("type"));
}

TEST(suggestions)
{
    static const char *const ops[] = {"GetItem", "PutItem", "Query", "Scan"};
    static const char *const rts[] = {"single_entity", "entity_list"};
    CHECK_STR(ddbgen_suggest("GetItm", ops, 4), "GetItem");
    CHECK_STR(ddbgen_suggest("query", ops, 4), "Query");
    CHECK_STR(ddbgen_suggest("single_entitty", rts, 2), "single_entity");
    CHECK(ddbgen_suggest("InvalidOperation", ops, 4) == NULL);
    CHECK(ddbgen_suggest("", ops, 4) == NULL);
}

/* ---- templates ------------------------------------------------------------------------------- */

TEST(template_parse)
{
    ddbgen_arena *a = NULL;
    ddbgen_template t;
    const char *problem = NULL, *field = NULL;
    REQUIRE(ddbgen_arena_new(&a) == 0);

    CHECK_INT(ddbgen_template_parse(&t, a, "USER#{user_id}#ORDER#{order_id}", &problem), 0);
    CHECK(t.ok);
    CHECK_INT(t.n_parts, 4);
    CHECK(!t.parts[0].is_field);
    CHECK_STR(t.parts[0].text, "USER#");
    CHECK(t.parts[1].is_field);
    CHECK_STR(t.parts[1].text, "user_id");
    CHECK_STR(t.parts[2].text, "#ORDER#");
    CHECK_STR(t.parts[3].text, "order_id");
    CHECK(!ddbgen_template_single_field(&t, &field));
    CHECK(!ddbgen_template_is_constant(&t));

    CHECK_INT(ddbgen_template_parse(&t, a, "{score}", NULL), 0);
    CHECK(ddbgen_template_single_field(&t, &field));
    CHECK_STR(field, "score");

    CHECK_INT(ddbgen_template_parse(&t, a, "{a}{b}", NULL), 0);
    CHECK_INT(t.n_parts, 2);
    CHECK(t.parts[0].is_field && t.parts[1].is_field);

    CHECK_INT(ddbgen_template_parse(&t, a, "PROFILE", NULL), 0);
    CHECK(ddbgen_template_is_constant(&t));

    CHECK_INT(ddbgen_template_parse(&t, a, "EVENT#{seq:08d}", NULL), 0);
    CHECK_STR(t.parts[1].text, "seq");
    CHECK_STR(t.parts[1].format, "08d");
    CHECK(!ddbgen_template_single_field(&t, NULL));

    CHECK_INT(ddbgen_template_parse(&t, a, "X#{}", &problem), DDBGEN_ERR_INVALID);
    CHECK_CONTAINS(problem, "empty placeholder");
    CHECK_INT(ddbgen_template_parse(&t, a, "X#{open", &problem), DDBGEN_ERR_INVALID);
    CHECK_CONTAINS(problem, "never closed");
    CHECK_INT(ddbgen_template_parse(&t, a, "X}", &problem), DDBGEN_ERR_INVALID);
    CHECK_CONTAINS(problem, "without a matching");
    CHECK_INT(ddbgen_template_parse(&t, a, "{a{b}}", &problem), DDBGEN_ERR_INVALID);
    CHECK_CONTAINS(problem, "nest");
    CHECK_INT(ddbgen_template_parse(&t, a, "{a-b}", &problem), DDBGEN_ERR_INVALID);
    CHECK_CONTAINS(problem, "letters, digits");
    CHECK_INT(ddbgen_template_parse(&t, a, "  ", &problem), DDBGEN_ERR_INVALID);
    CHECK_CONTAINS(problem, "empty");
    CHECK_INT(ddbgen_template_parse(&t, a, "{:05d}", &problem), DDBGEN_ERR_INVALID);
    CHECK_INT(ddbgen_template_parse(&t, a, "{x:}", &problem), DDBGEN_ERR_INVALID);
    CHECK(!t.ok);
    ddbgen_arena_free(a);
}

TEST(numeric_key_types)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = load(
        ONE_TABLE(
            "\"Score\": {\"entity_type\": \"S\", \"pk_template\": \"{game}\", \"sk_template\": "
            "\"{points}\", \"fields\": [{\"name\": \"game\", \"type\": \"string\", \"required\": "
            "true},"
            " {\"name\": \"points\", \"type\": \"decimal\", \"required\": true}]}"),
        &d);
    REQUIRE(m);
    CHECK_INT(
        ddbgen_template_key_type(&m->tables[0].entities[0], &m->tables[0].entities[0].pk.items[0]),
        DDBGEN_KEY_S);
    CHECK_INT(
        ddbgen_template_key_type(&m->tables[0].entities[0], &m->tables[0].entities[0].sk.items[0]),
        DDBGEN_KEY_N);
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

/* ---- loader ---------------------------------------------------------------------------------- */

TEST(load_plain_model_without_extensions)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = load(ONE_TABLE("\"User\": {\"entity_type\": \"USER\", \"pk_template\": "
                                     "\"USER#{id}\", \"sk_template\": "
                                     "\"PROFILE\", \"pk_params\": [\"id\"], \"fields\": "
                                     "[{\"name\": \"id\", \"type\": \"string\","
                                     " \"required\": true}], \"access_patterns\": []}"),
                           &d);
    REQUIRE(m);
    CHECK_INT(d.n, 0);
    CHECK_STR(m->ns, "shop"); /* from "shop_schema.json" */
    CHECK(!m->ns_explicit);
    CHECK_STR(m->counter_table, "shop_counters");
    CHECK_STR(m->version_attribute, "_version");
    CHECK_INT(m->n_tables, 1);
    CHECK_STR(m->tables[0].name, "Items");
    CHECK_STR(m->tables[0].sort_key, "sk");
    CHECK_STR(m->tables[0].entities[0].name, "User");
    CHECK_STR(m->tables[0].entities[0].c_name, "user");
    CHECK(m->tables[0].entities[0].ext.path == NULL);
    CHECK_INT(m->tables[0].entities[0].ext.id_strategy, DDBGEN_ID_NONE);
    CHECK_STR(ddbgen_entity_id_field(&m->tables[0].entities[0]), "id");
    CHECK_INT(validate_json(ONE_TABLE("\"User\": {\"entity_type\": \"USER\", \"pk_template\": "
                                      "\"USER#{id}\", \"sk_template\": \"PROFILE\", \"fields\": "
                                      "[{\"name\": \"id\", \"type\": \"string\", \"required\": "
                                      "true}]}"),
                            &d),
              0);
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

TEST(load_extensions)
{
    static const char json[] =
        "{\"x-ddbkit\": {\"namespace\": \"shop\", \"counter_table\": \"ids\", "
        "\"version_attribute\": \"rev\"},"
        " \"tables\": [{\"table_config\": {\"table_name\": \"Shop\", \"partition_key\": \"pk\"},"
        " \"x-ddbkit\": {\"c_name\": \"store\"},"
        " \"entities\": {\"Customer\": {\"entity_type\": \"C\", \"pk_template\": \"C#{id}\","
        " \"fields\": [{\"name\": \"id\", \"type\": \"integer\", \"required\": true},"
        " {\"name\": \"email\", \"type\": \"string\", \"required\": true},"
        " {\"name\": \"tenant\", \"type\": \"string\", \"required\": true},"
        " {\"name\": \"expires\", \"type\": \"integer\", \"required\": false},"
        " {\"name\": \"fullName\", \"type\": \"string\", \"required\": true,"
        "  \"x-ddbkit\": {\"c_name\": \"display_name\"}}],"
        " \"x-ddbkit\": {\"id_strategy\": {\"kind\": \"counter\", \"field\": \"id\","
        " \"block_size\": 50, \"start\": 7}, \"unique_fields\": [\"email\", [\"tenant\", "
        "\"email\"]], \"ttl_field\": \"expires\", \"version_attribute\": \"v\","
        " \"source\": {\"table\": \"customers\", \"columns\": {\"id\": \"customer_id\"}}}}}}]}";
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = load(json, &d);
    const ddbgen_entity *e;
    REQUIRE(m);
    if (d.n)
        dump(&d);
    CHECK_INT(d.n, 0);
    CHECK_STR(m->ns, "shop");
    CHECK(m->ns_explicit);
    CHECK_STR(m->counter_table, "ids");
    CHECK_STR(m->version_attribute, "rev");
    CHECK_STR(m->tables[0].c_name, "store");
    e = &m->tables[0].entities[0];
    CHECK_INT(e->ext.id_strategy, DDBGEN_ID_COUNTER);
    CHECK_STR(e->ext.id_field, "id");
    CHECK(e->ext.has_block_size && e->ext.block_size == 50);
    CHECK(e->ext.has_start && e->ext.start == 7);
    CHECK_INT(e->ext.n_unique, 2);
    CHECK_INT(e->ext.unique[0].n_fields, 1);
    CHECK_STR(e->ext.unique[0].fields[0], "email");
    CHECK_INT(e->ext.unique[1].n_fields, 2);
    CHECK_STR(e->ext.unique[1].fields[1], "email");
    CHECK_STR(e->ext.ttl_field, "expires");
    CHECK_STR(ddbgen_entity_version_attribute(m, e), "v");
    CHECK_STR(e->ext.source_table, "customers");
    CHECK_INT(e->ext.n_columns, 1);
    CHECK_STR(e->ext.columns[0].field, "id");
    CHECK_STR(e->ext.columns[0].column, "customer_id");
    CHECK_STR(e->fields[4].c_name, "display_name");
    ddbgen_model_validate(m, &d);
    if (d.n)
        dump(&d);
    CHECK_INT(d.n_errors, 0);
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

TEST(extension_id_strategy_string_form)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = load(
        ONE_TABLE(
            "\"Cart\": {\"entity_type\": \"CART\", \"pk_template\": \"CART#{cart_id}\", "
            "\"sk_template\": \"CART\", \"fields\": [{\"name\": \"cart_id\", \"type\": \"uuid\", "
            "\"required\": true}], \"x-ddbkit\": {\"id_strategy\": \"uuid\"}}"),
        &d);
    REQUIRE(m);
    CHECK_INT(m->tables[0].entities[0].ext.id_strategy, DDBGEN_ID_UUID);
    CHECK_STR(ddbgen_entity_id_field(&m->tables[0].entities[0]), "cart_id");
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

TEST(unknown_extension_key_is_an_error)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = load("{\"x-ddbkit\": {\"namespac\": \"shop\"}, \"tables\": []}", &d);
    REQUIRE(m);
    ddbgen_diags_sort(&d);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "x-ddbkit.namespac", "unknown x-ddbkit key"));
    REQUIRE(find_diag(&d, "x-ddbkit.namespac"));
    CHECK_CONTAINS(find_diag(&d, "x-ddbkit.namespac")->hint, "did you mean 'namespace'?");
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables", "cannot be empty"));
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

TEST(default_namespace_from_file_name)
{
    static const struct {
        const char *file, *ns;
    } cases[] = {{"shop_schema.json", "shop"},   {"/x/y/My-App.json", "my_app"},
                 {"schema.json", "schema"},      {"123.json", "model"},
                 {"deals.schema.json", "deals"}, {NULL, "model"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ddbgen_diags d = DDBGEN_DIAGS_INIT;
        ddbgen_model *m = NULL;
        REQUIRE(ddbgen_model_load_buffer(&m, "{\"tables\": []}", 14,
                                         cases[i].file ? cases[i].file : "", &d) == 0);
        CHECK_STR(m->ns, cases[i].ns);
        ddbgen_model_free(m);
        ddbgen_diags_free(&d);
    }
}

TEST(malformed_and_wrong_types)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = NULL;
    CHECK_INT(ddbgen_model_load_buffer(&m, "{\"tables\": [", 12, NULL, &d), DDBGEN_ERR_JSON);
    CHECK(m == NULL);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "$", "not valid JSON"));
    ddbgen_diags_free(&d);

    CHECK_INT(ddbgen_model_load_buffer(&m, "", 0, NULL, &d), DDBGEN_ERR_JSON);
    ddbgen_diags_free(&d);

    CHECK_INT(ddbgen_model_load_buffer(&m, "{\"a\": 1, \"a\": 2}", 16, NULL, &d), DDBGEN_ERR_JSON);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "$", "duplicate object key"));
    ddbgen_diags_free(&d);

    CHECK_INT(validate_json("{\"tables\": \"Users\"}", &d), 1);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables", "must be an array, not a string"));
    ddbgen_diags_free(&d);

    CHECK_INT(validate_json("42", &d), 1);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "$", "must be a JSON object"));
    ddbgen_diags_free(&d);

    CHECK_INT(validate_json("{}", &d), 1);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables", "missing required field 'tables'"));
    ddbgen_diags_free(&d);

    CHECK_INT(ddbgen_model_load_file(&m, "/nonexistent/dir/model.json", &d), DDBGEN_ERR_IO);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "$", "cannot open"));
    ddbgen_diags_free(&d);

    CHECK_INT(ddbgen_model_load_buffer(NULL, "{}", 2, NULL, &d), DDBGEN_ERR_ARG);
    CHECK_INT(ddbgen_model_load_buffer(&m, "{}", 2, NULL, NULL), DDBGEN_ERR_ARG);
}

TEST(paths_quote_odd_names)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    CHECK_INT(validate_json(ONE_TABLE("\"Order Item\": {\"entity_type\": 3}"), &d), 4);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities[\"Order Item\"].fields",
                   "missing required field"));
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities[\"Order Item\"].entity_type",
                   "must be a string"));
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities[\"Order Item\"].pk_template",
                   "missing required field"));
    ddbgen_diags_free(&d);
}

/* ---- validation ------------------------------------------------------------------------------ */

TEST(all_errors_are_reported)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    /* Three unrelated mistakes in three places: all three are reported. */
    CHECK_INT(
        validate_json(
            ONE_TABLE(
                "\"A\": {\"entity_type\": \"A\", \"pk_template\": \"A#{nope}\", \"sk_template\":"
                " \"A\", \"fields\": [{\"name\": \"id\", \"type\": \"strin\", \"required\": "
                "true}], \"access_patterns\": [{\"pattern_id\": 1, \"name\": \"q\", "
                "\"description\": \"\", \"operation\": \"Query\", \"return_type\": \"void\"}]}"),
            &d),
        4);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities.A.pk_template", "'nope' not found"));
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities.A.fields[0].type", "'strin'"));
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities.A.access_patterns[0].return_type",
                   "cannot return void"));
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "tables[0].entities.A.access_patterns[0].parameters",
                   "needs the partition key"));
    ddbgen_diags_free(&d);
}

TEST(sorted_and_deduplicated)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_diag_add(&d, DDBGEN_SEV_WARNING, "a[10]", NULL, "w");
    ddbgen_diag_add(&d, DDBGEN_SEV_ERROR, "a[10]", NULL, "x");
    ddbgen_diag_add(&d, DDBGEN_SEV_ERROR, "a[2].b", NULL, "y");
    ddbgen_diag_add(&d, DDBGEN_SEV_ERROR, "a[2].b", "h", "y");
    ddbgen_diag_add(&d, DDBGEN_SEV_ERROR, "a", NULL, "z\nnext line");
    ddbgen_diags_sort(&d);
    CHECK_INT(d.n, 4);
    CHECK_INT(d.n_errors, 3);
    CHECK_STR(d.items[0].path, "a");
    CHECK_STR(d.items[0].message, "z next line");
    CHECK_STR(d.items[1].path, "a[2].b");
    CHECK_STR(d.items[2].path, "a[10]");
    CHECK_INT(d.items[3].severity, DDBGEN_SEV_WARNING);
    CHECK(ddbgen_path_cmp("x", "x.y") < 0);
    CHECK(ddbgen_path_cmp("x.y", "x[0]") < 0);
    CHECK(ddbgen_path_cmp("x[0]", "xy") < 0);
    CHECK(ddbgen_path_cmp("x[9]", "x[10]") < 0);
    CHECK(ddbgen_path_cmp("x[010]", "x[10]") == 0);
    ddbgen_diags_free(&d);
}

TEST(diagnostics_format)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_buf text = DDBGEN_BUF_INIT, json = DDBGEN_BUF_INIT;
    ddbgen_diag_add(&d, DDBGEN_SEV_ERROR, "tables[0]", "fix \"it\"", "bad %s", "thing");
    ddbgen_diag_add(&d, DDBGEN_SEV_WARNING, "tables[1]", NULL, "meh");
    ddbgen_diags_format_text(&d, &text);
    CHECK_STR(ddbgen_buf_str(&text),
              "error: tables[0]: bad thing; fix \"it\"\nwarning: tables[1]: meh\n");
    ddbgen_diags_format_json(&d, &json);
    CHECK_CONTAINS(ddbgen_buf_str(&json), "\"valid\": false, \"errors\": 1, \"warnings\": 1");
    CHECK_CONTAINS(ddbgen_buf_str(&json), "\"hint\": \"fix \\\"it\\\"\"");
    CHECK_CONTAINS(ddbgen_buf_str(&json), "\"hint\": null");
    ddbgen_buf_free(&text);
    ddbgen_buf_free(&json);
    ddbgen_diags_free(&d);
}

TEST(diagnostics_cap)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_buf text = DDBGEN_BUF_INIT;
    for (int i = 0; i < DDBGEN_DIAGS_MAX + 10; i++)
        ddbgen_diag_add(&d, DDBGEN_SEV_ERROR, "p", NULL, "e%d", i);
    CHECK_INT(d.n, DDBGEN_DIAGS_MAX);
    CHECK_INT(d.dropped, 10);
    ddbgen_diags_format_text(&d, &text);
    CHECK_CONTAINS(ddbgen_buf_str(&text), "10 more diagnostics were not kept");
    ddbgen_buf_free(&text);
    ddbgen_diags_free(&d);
}

TEST(plan_binds_parameters)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_plan p;
    ddbgen_model *m = load(
        "{\"tables\": [{\"table_config\": {\"table_name\": \"Matches\", \"partition_key\": \"id\"},"
        " \"gsi_list\": [{\"name\": \"ByT\", \"partition_key\": [\"t\", \"r\"], "
        "\"sort_key\": [\"round\", \"bracket\"]}],"
        " \"entities\": {\"Match\": {\"entity_type\": \"M\", \"pk_template\": \"{id}\","
        " \"gsi_mappings\": [{\"name\": \"ByT\", \"pk_template\": [\"{t}\", \"{r}\"],"
        " \"sk_template\": [\"{round}\", \"{bracket}\"]}],"
        " \"fields\": [{\"name\": \"id\", \"type\": \"string\", \"required\": true},"
        " {\"name\": \"t\", \"type\": \"string\", \"required\": true},"
        " {\"name\": \"r\", \"type\": \"string\", \"required\": true},"
        " {\"name\": \"round\", \"type\": \"integer\", \"required\": true},"
        " {\"name\": \"bracket\", \"type\": \"string\", \"required\": true}],"
        " \"access_patterns\": [{\"pattern_id\": 1, \"name\": \"q\", \"description\": \"\","
        " \"operation\": \"Query\", \"index_name\": \"ByT\", \"range_condition\": \"begins_with\","
        " \"parameters\": [{\"name\": \"t\", \"type\": \"string\"}, {\"name\": \"r\", \"type\": "
        "\"string\"}, {\"name\": \"round\", \"type\": \"integer\"}, {\"name\": \"prefix\", "
        "\"type\": \"string\"}], \"return_type\": \"entity_list\"},"
        " {\"pattern_id\": 2, \"name\": \"g\", \"description\": \"\", \"operation\": \"GetItem\","
        " \"parameters\": [{\"name\": \"match\", \"type\": \"string\"}], \"return_type\": "
        "\"single_entity\"}]}}}]}",
        &d);
    const ddbgen_entity *e;
    REQUIRE(m);
    e = &m->tables[0].entities[0];

    REQUIRE(ddbgen_plan_access_pattern(&p, m, e, &e->patterns[0]) == 0);
    CHECK(p.keys_known);
    CHECK(p.gsi && strcmp(p.gsi->name, "ByT") == 0);
    CHECK_INT(p.n_pk, 2);
    CHECK_INT(p.n_sk, 2);
    CHECK_STR(p.pk[1].attribute, "r");
    CHECK_INT(p.sk[0].type, DDBGEN_KEY_N);
    CHECK(p.pk_complete);
    CHECK_INT(p.n_sk_slots_bound, 1); /* round = ?, then begins_with on bracket */
    CHECK_INT(p.n_range, 1);
    CHECK_INT(p.range_param[0], 3);
    CHECK_INT(p.roles[0], DDBGEN_ROLE_KEY);
    CHECK_INT(p.roles[2], DDBGEN_ROLE_KEY);
    CHECK_INT(p.roles[3], DDBGEN_ROLE_RANGE);
    ddbgen_plan_clear(&p);

    /* A parameter of another name fills the key by position. */
    REQUIRE(ddbgen_plan_access_pattern(&p, m, e, &e->patterns[1]) == 0);
    CHECK(p.pk_complete);
    CHECK_INT(p.bindings[0].param, 0);
    CHECK(p.bindings[0].by_position);
    ddbgen_plan_clear(&p);

    ddbgen_model_validate(m, &d);
    CHECK_INT(d.n_errors, 0);
    CHECK(has_diag(&d, DDBGEN_SEV_WARNING,
                   "tables[0].entities.Match.access_patterns[1].parameters[0].name",
                   "by its position"));
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

/* ---- usage data ------------------------------------------------------------------------------ */

TEST(usage_value_types)
{
    json_t *v;
    const char *why = NULL;
    v = json_integer(3);
    CHECK(ddbgen_usage_value_fits(v, DDBGEN_TYPE_INTEGER, DDBGEN_TYPE_UNKNOWN, NULL));
    CHECK(ddbgen_usage_value_fits(v, DDBGEN_TYPE_DECIMAL, DDBGEN_TYPE_UNKNOWN, NULL));
    CHECK(!ddbgen_usage_value_fits(v, DDBGEN_TYPE_STRING, DDBGEN_TYPE_UNKNOWN, &why));
    CHECK_STR(why, "a string");
    json_decref(v);
    v = json_real(2.0);
    CHECK(ddbgen_usage_value_fits(v, DDBGEN_TYPE_INTEGER, DDBGEN_TYPE_UNKNOWN, NULL));
    json_decref(v);
    v = json_real(2.5);
    CHECK(!ddbgen_usage_value_fits(v, DDBGEN_TYPE_INTEGER, DDBGEN_TYPE_UNKNOWN, NULL));
    json_decref(v);
    v = json_pack("[s, i]", "a", 1);
    CHECK(!ddbgen_usage_value_fits(v, DDBGEN_TYPE_ARRAY, DDBGEN_TYPE_STRING, NULL));
    CHECK(ddbgen_usage_value_fits(v, DDBGEN_TYPE_ARRAY, DDBGEN_TYPE_UNKNOWN, NULL));
    json_decref(v);
    v = json_true();
    CHECK(ddbgen_usage_value_fits(v, DDBGEN_TYPE_BOOLEAN, DDBGEN_TYPE_UNKNOWN, NULL));
    CHECK(!ddbgen_usage_value_fits(v, DDBGEN_TYPE_OBJECT, DDBGEN_TYPE_UNKNOWN, NULL));
    json_decref(v);
}

TEST(usage_loads_against_model)
{
    static const char usage[] =
        "{\"entities\": {\"User\": {\"sample_data\": {\"id\": \"u1\", \"age\": 3},"
        " \"access_pattern_data\": {\"id\": \"u2\", \"age\": \"x\"}, \"update_data\": {}}}}";
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_usage *u = NULL;
    ddbgen_model *m =
        load(ONE_TABLE("\"User\": {\"entity_type\": \"U\", \"pk_template\": \"U#{id}\", "
                       "\"sk_template\": \"U\","
                       " \"fields\": [{\"name\": \"id\", \"type\": \"string\", \"required\": true},"
                       " {\"name\": \"age\", \"type\": \"integer\", \"required\": false}]}"),
             &d);
    REQUIRE(m);
    REQUIRE(ddbgen_usage_load_buffer(&u, usage, strlen(usage), m, &d) == 0);
    ddbgen_diags_sort(&d);
    CHECK_INT(d.n_errors, 1);
    CHECK(has_diag(&d, DDBGEN_SEV_ERROR, "usage:entities.User.access_pattern_data.age",
                   "must be an integer, not a string"));
    CHECK(ddbgen_usage_find(u, "User") != NULL);
    CHECK(ddbgen_usage_find(u, "User")->entity == &m->tables[0].entities[0]);
    CHECK_INT(json_integer_value(json_object_get(ddbgen_usage_find(u, "User")->sample_data, "age")),
              3);
    CHECK(d.prefix == NULL);
    ddbgen_usage_free(u);
    ddbgen_model_free(m);
    ddbgen_diags_free(&d);
}

/* ---- buffers --------------------------------------------------------------------------------- */

TEST(buffer_cap)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    b.max = 8;
    ddbgen_buf_puts(&b, "1234567");
    CHECK_STR(ddbgen_buf_str(&b), "1234567");
    ddbgen_buf_puts(&b, "89");
    CHECK(ddbgen_buf_str(&b) == NULL);
    CHECK(b.failed);
    ddbgen_buf_free(&b);
}

/* ---- the line wrapper (emit/wrap.h) ------------------------------------------------------------ */

/* text wrapped at `limit` columns, as a string the case owns */
static char *wrapped(const char *text, size_t limit)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    char *s;
    ddbgen_buf_puts(&b, text);
    if (emit_wrap_c(&b, limit) != 0) {
        ddbgen_buf_free(&b);
        return NULL;
    }
    s = strdup(ddbgen_buf_str(&b));
    ddbgen_buf_free(&b);
    return s;
}

TEST(wrap_code_aligns_after_its_bracket)
{
    char *s = wrapped("int f(int alpha, int beta, int gamma, int delta);\nshort();\n", 30);
    CHECK_STR(s, "int f(int alpha, int beta,\n      int gamma, int delta);\nshort();\n");
    free(s);
    /* the outer call's comma before the inner one's; && breaks after the operator */
    s = wrapped("    x = g(aaaa, h(bbbb, cccc), dddd) && e;\n", 32);
    CHECK_STR(s, "    x = g(aaaa, h(bbbb, cccc),\n          dddd) && e;\n");
    free(s);
    s = wrapped("    if (first_condition && second_condition)\n", 32);
    CHECK_STR(s, "    if (first_condition &&\n        second_condition)\n");
    free(s);
}

TEST(wrap_leaves_literals_comments_and_directives_whole)
{
    /* no break inside a literal, a char constant or a trailing comment */
    char *s = wrapped("f(\"a, b, c, d\", ',', x); /* y, z */\n", 20);
    CHECK_STR(s, "f(\"a, b, c, d\", ',',\n  x); /* y, z */\n");
    free(s);
    s = wrapped("#define LONG_MACRO(a, b) ((a) + (b) + (a) * (b))\n", 20);
    CHECK_STR(s, "#define LONG_MACRO(a, b) ((a) + (b) + (a) * (b))\n");
    free(s);
    s = wrapped("#define M(a) \\\n    call(a, a, a, a, a, a)\n", 20);
    CHECK_STR(s, "#define M(a) \\\n    call(a, a, a, a, a, a)\n");
    free(s);
    s = wrapped("an_identifier_longer_than_the_limit;\n", 20);
    CHECK_STR(s, "an_identifier_longer_than_the_limit;\n");
    free(s);
}

TEST(wrap_splits_a_long_literal_at_character_boundaries)
{
    /* never inside an escape: the pieces concatenate to the same string */
    char *s = wrapped("    \"abcdefghi\\\"jklmnop\\\\qrstuvwxyz\";\n", 20);
    CHECK_STR(s, "    \"abcdefghi\\\"jkl\"\n    \"mnop\\\\qrstuvwx\"\n    \"yz\";\n");
    free(s);
}

TEST(wrap_comments_between_words)
{
    char *s = wrapped("    /* one two three four five six */\n", 20);
    CHECK_STR(s, "    /* one two three\n       four five six\n       */\n");
    free(s);
    s = wrapped("/*\n * alpha beta gamma delta epsilon\n */\n", 20);
    CHECK_STR(s, "/*\n * alpha beta gamma\n * delta epsilon\n */\n");
    free(s);
}

/* ---- the printer (emit/printer.h) -------------------------------------------------------------- */

TEST(printer_replaces_named_variables)
{
    emit_printer p;
    ddbgen_buf b = DDBGEN_BUF_INIT;
    emit_printer_init(&p, '@');
    emit_set(&p, "ns", "shop");
    emit_setf(&p, "T", "%s__%s", "shop", "user");
    emit_print(&p, &b, "int @ns@_f(@T@ *x); /* ask admin@example.com, @unset@ stays */\n");
    CHECK_STR(ddbgen_buf_str(&b),
              "int shop_f(shop__user *x); /* ask admin@example.com, @unset@ stays */\n");
    /* a new value replaces the old one; NULL unsets */
    emit_set(&p, "ns", "store");
    emit_set(&p, "T", NULL);
    ddbgen_buf_free(&b);
    emit_print(&p, &b, "@ns@ @T@");
    CHECK_STR(ddbgen_buf_str(&b), "store @T@");
    CHECK(!p.failed);
    ddbgen_buf_free(&b);
    emit_printer_fini(&p);
}

TEST(printer_reports_running_out_of_variables)
{
    emit_printer p;
    char name[8];
    emit_printer_init(&p, '$');
    for (int i = 0; i <= EMIT_MAX_VARS; i++) {
        snprintf(name, sizeof name, "v%d", i);
        emit_set(&p, name, "x");
    }
    CHECK(p.failed);
    emit_printer_fini(&p);
}

TEST_MAIN(CASE(c_name_mapping), CASE(c_name_problems), CASE(suggestions), CASE(template_parse),
          CASE(numeric_key_types), CASE(load_plain_model_without_extensions), CASE(load_extensions),
          CASE(extension_id_strategy_string_form), CASE(unknown_extension_key_is_an_error),
          CASE(default_namespace_from_file_name), CASE(malformed_and_wrong_types),
          CASE(paths_quote_odd_names), CASE(all_errors_are_reported), CASE(sorted_and_deduplicated),
          CASE(diagnostics_format), CASE(diagnostics_cap), CASE(plan_binds_parameters),
          CASE(usage_value_types), CASE(usage_loads_against_model), CASE(buffer_cap),
          CASE(wrap_code_aligns_after_its_bracket),
          CASE(wrap_leaves_literals_comments_and_directives_whole),
          CASE(wrap_splits_a_long_literal_at_character_boundaries),
          CASE(wrap_comments_between_words), CASE(printer_replaces_named_variables),
          CASE(printer_reports_running_out_of_variables))
