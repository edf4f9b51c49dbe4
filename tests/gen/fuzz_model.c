/*
 * Fuzz target for the model loader, the validator and the usage-data loader: any bytes, as a
 * model file and as a usage file for a fixed small model. Every diagnostic is formatted both
 * ways, so the path and message code runs too. A crash, a sanitizer report or a leak is a bug;
 * rejecting the input is not.
 *
 * libFuzzer (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/gen tests/gen/fuzz_model.c \
 *         src/gen/model/[a-z]*.c src/gen/plan/[a-z]*.c src/gen/validate/[a-z]*.c \
 *         $(pkg-config --cflags --libs jansson) -o fuzz_model
 *   ./fuzz_model -max_len=65536 -dict=tests/gen/fuzz_model.dict corpus_dir tests/gen/models
 *
 * Every build also links it with fuzz_replay.c (a tiny main) and runs it over tests/gen/models
 * and the shared fixtures (CTest gen.fuzz_model.replay).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/usage.h"
#include "validate/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_model[] =
    "{\"tables\": [{\"table_config\": {\"table_name\": \"Things\", \"partition_key\": \"pk\"},"
    " \"entities\": {\"Thing\": {\"entity_type\": \"THING\", \"pk_template\": \"THING#{id}\","
    " \"fields\": [{\"name\": \"id\", \"type\": \"string\", \"required\": true},"
    " {\"name\": \"n\", \"type\": \"integer\", \"required\": false},"
    " {\"name\": \"tags\", \"type\": \"array\", \"item_type\": \"string\", \"required\": false}],"
    " \"access_patterns\": [{\"pattern_id\": 1, \"name\": \"get\", \"description\": \"d\","
    " \"operation\": \"Scan\", \"parameters\": [{\"name\": \"p\", \"type\": \"integer\"}],"
    " \"return_type\": \"entity_list\"}]}}}]}";

static void format(ddbgen_diags *d)
{
    ddbgen_buf text = DDBGEN_BUF_INIT, json = DDBGEN_BUF_INIT;
    ddbgen_diags_sort(d);
    ddbgen_diags_format_text(d, &text);
    ddbgen_diags_format_json(d, &json);
    ddbgen_buf_free(&text);
    ddbgen_buf_free(&json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddbgen_diags d = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = NULL, *base = NULL;
    ddbgen_usage *u = NULL;

    /* As a model. */
    if (ddbgen_model_load_buffer(&m, (const char *)data, size, "fuzz_schema.json", &d) == 0) {
        ddbgen_model_validate(m, &d);
        /* Plan every access pattern, as the emitters will. */
        for (size_t t = 0; t < m->n_tables; t++)
            for (size_t e = 0; e < m->tables[t].n_entities; e++)
                for (size_t p = 0; p < m->tables[t].entities[e].n_patterns; p++) {
                    ddbgen_plan plan;
                    if (ddbgen_plan_access_pattern(&plan, m, &m->tables[t].entities[e],
                                                   &m->tables[t].entities[e].patterns[p]) == 0)
                        ddbgen_plan_clear(&plan);
                }
    }
    format(&d);
    ddbgen_diags_free(&d);

    /* As usage data, against the input itself when it is a model, and a fixed model. */
    if (m && ddbgen_usage_load_buffer(&u, (const char *)data, size, m, &d) == 0)
        ddbgen_usage_free(u);
    u = NULL;
    if (ddbgen_model_load_buffer(&base, base_model, sizeof(base_model) - 1, NULL, &d) == 0 &&
        ddbgen_usage_load_buffer(&u, (const char *)data, size, base, &d) == 0)
        ddbgen_usage_free(u);
    format(&d);
    ddbgen_diags_free(&d);
    ddbgen_model_free(base);
    ddbgen_model_free(m);

    /* The name mapping and the template parser on the raw bytes (up to the first NUL). */
    if (size < 4096) {
        char buf[4096];
        char *mapped = NULL;
        ddbgen_arena *a = NULL;
        memcpy(buf, data, size);
        buf[size] = '\0';
        if (ddbgen_c_name(&mapped, buf) == 0) {
            (void)ddbgen_c_name_problem(mapped);
            free(mapped);
        }
        if (ddbgen_arena_new(&a) == 0) {
            ddbgen_template t;
            (void)ddbgen_template_parse(&t, a, buf, NULL);
            ddbgen_arena_free(a);
        }
    }
    return 0;
}
