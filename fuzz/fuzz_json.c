/*
 * Fuzz target: ddb_json__loadb and ddb_json__dumps, the fast paths in front of jansson's
 * json_loadb and json_dumps that every request and response body goes through.
 *
 * Each must give exactly jansson's answer. The input is parsed by both, with each combination of
 * the flags the runtime uses: both fail with the same error, or both succeed with the same tree
 * (types, values to the bit, member order). Whatever the fast path alone accepts must be what
 * jansson returns. Every tree jansson parsed is written by both writers, which must give the same
 * text; so are the raw input bytes as a string and as a key (unchecked, so invalid UTF-8 and NUL
 * bytes reach the writers).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_fast.h"
#include "fuzz.h"

/* Stricter than json_equal: reals compare by their bits (-0.0 is not 0.0), objects by order. */
static bool same(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return false;
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
                         ib = json_object_iter_next((json_t *)b, ib)) {
            size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
            if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) != 0 ||
                !same(json_object_iter_value(ia), json_object_iter_value(ib)))
                return false;
        }
        return !ia && !ib;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        double x = json_real_value(a), y = json_real_value(b);
        return memcmp(&x, &y, sizeof(x)) == 0;
    }
    default:
        return true;
    }
}

static void check_dumps(const json_t *j)
{
    static const size_t flag_sets[] = {JSON_COMPACT, 0, JSON_COMPACT | JSON_SORT_KEYS};
    for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
        char *want = json_dumps(j, flag_sets[f]);
        char *got = ddb_json__dumps(j, flag_sets[f]);
        FUZZ_CHECK((want == NULL) == (got == NULL));
        if (want)
            FUZZ_CHECK(strcmp(want, got) == 0);
        char *fast = ddb_json__dumps_fast(j, flag_sets[f]);
        if (fast)
            FUZZ_CHECK(want && strcmp(want, fast) == 0);
        free(want);
        free(got);
        free(fast);
    }
}

static void check_loadb(const char *in, size_t size, size_t flags)
{
    json_error_t want_err, got_err;
    memset(&want_err, 0, sizeof(want_err));
    memset(&got_err, 0, sizeof(got_err));
    json_t *want = json_loadb(in, size, flags, &want_err);
    json_t *got = ddb_json__loadb(in, size, flags, &got_err);
    FUZZ_CHECK((want == NULL) == (got == NULL));
    if (want) {
        FUZZ_CHECK(same(want, got));
        check_dumps(want);
    } else {
        FUZZ_CHECK(want_err.line == got_err.line && want_err.column == got_err.column &&
                   want_err.position == got_err.position &&
                   strcmp(want_err.source, got_err.source) == 0 &&
                   strcmp(want_err.text, got_err.text) == 0);
    }
    json_t *fast = NULL;
    if (ddb_json__loadb_fast(&fast, in, size, flags) == 0) {
        FUZZ_CHECK(want && same(want, fast));
        json_decref(fast);
    }
    json_decref(want);
    json_decref(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly `size` bytes, no NUL after them: both parsers take a length. */
    char *in = fuzz_copy(data, size, 0);
    if (!in)
        return 0;
    static const size_t flag_sets[] = {JSON_ALLOW_NUL, 0, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                                       JSON_DECODE_ANY};
    for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
        check_loadb(in, size, flag_sets[f]);

    /* The raw bytes as a string and as a key, unchecked: invalid UTF-8 and NUL reach the writers. */
    json_t *arr = json_array(), *obj = json_object();
    if (arr && json_array_append_new(arr, json_stringn_nocheck(in, size)) == 0)
        check_dumps(arr);
    if (obj && json_object_setn_new_nocheck(obj, in, size, json_integer((json_int_t)size)) == 0)
        check_dumps(obj);
    json_decref(arr);
    json_decref(obj);
    free(in);
    return 0;
}
