/*
 * Fuzz target for the test-output parsers (ddbmig_results_parse): a run's output is the
 * codebase's, so untrusted. The first byte picks the format (one of the six, or auto); the rest
 * is the output. Replayed over the samples by migrate.fuzz_results.replay (with
 * tests/gen/fuzz_replay.c); for real fuzzing:
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc tests/migrate/fuzz_results.c \
 *       src/migrate/migrate_util.c src/migrate/migrate_results.c -ljansson -lcrypto \
 *       -o fuzz_results
 *   ./fuzz_results tests/migrate/samples
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = {"auto",   "ctest", "tap",      "check",
                                          "cmocka", "unity", "criterion"};
    const char *format = formats[size ? data[0] % 7 : 0];
    char *text = malloc(size + 1);
    json_t *doc = NULL;
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    if (ddbmig_results_parse(&doc, format, text, NULL) == 0) {
        /* what a caller reads must be there */
        if (!json_is_array(json_object_get(doc, "results")) ||
            json_integer_value(json_object_get(doc, "passed")) +
                    json_integer_value(json_object_get(doc, "failed")) +
                    json_integer_value(json_object_get(doc, "skipped")) !=
                (json_int_t)json_array_size(json_object_get(doc, "results")))
            abort();
        json_decref(doc);
    }
    free(text);
    return 0;
}
