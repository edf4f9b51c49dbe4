/*
 * Fuzz target: the generated response decoders, through ddb_api__decode.
 *
 * Input: one byte choosing the operation, then the response body. The byte selects
 * ops[(byte - 'A') mod 17], so the seed files start with a readable letter:
 *   A BatchGetItem      B BatchWriteItem     C CreateTable      D DeleteItem
 *   E DeleteTable       F DescribeTable      G DescribeTimeToLive
 *   H GetItem           I ListTables         J PutItem          K Query
 *   L Scan              M TransactGetItems   N TransactWriteItems
 *   O UpdateItem        P UpdateTable        Q UpdateTimeToLive
 * The body is parsed with json_loadb as the client does (call.c), which only passes objects on;
 * other JSON types are decoded too, since a decoder must not trust its caller on that.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "api/api_codec.h"
#include "ddb/api/api.h"
#include "fuzz.h"

/* (operation, output type), sorted by operation name as ddb_api__decode's table is. */
#define OPS(X)                                                                                     \
    X("BatchGetItem", ddb_batch_get_item_output)                                                   \
    X("BatchWriteItem", ddb_batch_write_item_output)                                               \
    X("CreateTable", ddb_create_table_output)                                                      \
    X("DeleteItem", ddb_delete_item_output)                                                        \
    X("DeleteTable", ddb_delete_table_output)                                                      \
    X("DescribeTable", ddb_describe_table_output)                                                  \
    X("DescribeTimeToLive", ddb_describe_time_to_live_output)                                      \
    X("GetItem", ddb_get_item_output)                                                              \
    X("ListTables", ddb_list_tables_output)                                                        \
    X("PutItem", ddb_put_item_output)                                                              \
    X("Query", ddb_query_output)                                                                   \
    X("Scan", ddb_scan_output)                                                                     \
    X("TransactGetItems", ddb_transact_get_items_output)                                           \
    X("TransactWriteItems", ddb_transact_write_items_output)                                       \
    X("UpdateItem", ddb_update_item_output)                                                        \
    X("UpdateTable", ddb_update_table_output)                                                      \
    X("UpdateTimeToLive", ddb_update_time_to_live_output)

/* Typed wrappers, so each free function is called through its own type. */
#define FREE_WRAPPER(name, type)                                                                   \
    static void free_##type(void *out)                                                             \
    {                                                                                              \
        type##_free(out);                                                                          \
    }
OPS(FREE_WRAPPER)
#undef FREE_WRAPPER

static const struct {
    const char *name;
    void (*free_output)(void *out);
} ops[] = {
#define ENTRY(name, type) {name, free_##type},
    OPS(ENTRY)
#undef ENTRY
};

#define N_OPS (sizeof(ops) / sizeof(ops[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t op = (uint8_t)(data[0] - 'A') % N_OPS;
    char *body = fuzz_copy(data + 1, size - 1, 0);
    if (!body)
        return 0;
    json_t *doc = json_loadb(body, size - 1, JSON_DECODE_ANY, NULL);
    free(body);
    if (!doc)
        return 0;

    ddb_error err = DDB_ERROR_INIT;
    void *sentinel = &err, *out = sentinel;
    int rc = ddb_api__decode(ops[op].name, doc, &out, &err);
    if (rc == 0) {
        FUZZ_CHECK(out != sentinel && out != NULL);
        ops[op].free_output(out);
    } else {
        fuzz_check_error(&err, rc);
        FUZZ_CHECK(out == sentinel);
        FUZZ_CHECK(rc == DDB_ERR_PROTOCOL || rc == DDB_ERR_NOMEM);
    }
    ddb_error_clear(&err);
    json_decref(doc);
    return 0;
}
