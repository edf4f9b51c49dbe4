/*
 * Writes the valid cursors of fuzz/corpus/cursor/ with the real encoder, so the seeds follow the
 * cursor format if it changes:
 *
 *   gen_cursor_seeds fuzz/corpus/cursor
 *
 * The context and server secret are the ones fuzz_cursor.c decodes with. The malformed seeds in
 * that folder are written by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/api/cursor.h"
#include "ddb/core/value.h"

static const char context[] = "orders.by_customer:c-42";
static const ddb_cursor_key secret = {"fuzz-server-secret-0123456789", 29};

static int write_seed(const char *dir, const char *name, const ddb_value *k, const char *ctx,
                      const ddb_cursor_key *key)
{
    ddb_error err = DDB_ERROR_INIT;
    char *cursor = NULL, path[4096];
    if (ddb_cursor_encode(&cursor, k, ctx, key, &err) != 0) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int rc = f && fputs(cursor, f) >= 0 ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "cannot write %s\n", path);
    free(cursor);
    return rc;
}

static ddb_value *key_from(const char *json)
{
    ddb_value *k = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_item_from_json(&k, json, strlen(json), &err) != 0)
        fprintf(stderr, "%s: %s\n", json, err.message);
    return k;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name, *json;
        int with_secret;
        int with_context;
    } seeds[] = {
        {"valid_s_n_builtin", "{\"pk\":{\"S\":\"USER#42\"},\"sk\":{\"N\":\"1700000000.125\"}}", 0,
         1},
        {"valid_s_n_secret", "{\"pk\":{\"S\":\"USER#42\"},\"sk\":{\"N\":\"1700000000.125\"}}", 1,
         1},
        {"valid_s_no_context", "{\"id\":{\"S\":\"order-0001\"}}", 0, 0},
        {"valid_b_secret", "{\"pk\":{\"B\":\"3q2+7w==\"},\"sk\":{\"B\":\"AAECAwQFBgcICQ==\"}}", 1,
         1},
        {"valid_unicode_builtin",
         "{\"pk\":{\"S\":\"\\u00fcn\\u00efc\\u00f8d\\u00e9 \\u2713 \\\"q\\\" \\\\ / +=?&#\"},"
         "\"sk\":{\"N\":\"-12.5E+3\"}}",
         0, 1},
        {"valid_gsi_10_attrs",
         "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"b\"},\"g1\":{\"S\":\"c\"},\"g2\":{\"N\":\"1\"},"
         "\"g3\":{\"B\":\"AA==\"},\"g4\":{\"S\":\"d\"},\"g5\":{\"N\":\"2\"},\"g6\":{\"S\":\"e\"},"
         "\"g7\":{\"S\":\"f\"},\"g8\":{\"N\":\"-0.000001\"}}",
         1, 1},
    };
    int rc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        ddb_value *k = key_from(seeds[i].json);
        if (!k || write_seed(argv[1], seeds[i].name, k, seeds[i].with_context ? context : NULL,
                             seeds[i].with_secret ? &secret : NULL) != 0)
            rc = 1;
        ddb_value_free(k);
    }
    return rc;
}
