/*
 * Internal: DynamoDB's limits checked on the wire JSON of a request, so one check covers every
 * operation. The call path runs ddb_limits__check_request before sending; the batch and
 * transaction helpers use the per-part checks to reject a part before it joins a request.
 */
#ifndef DDB_LIMITS_INTERNAL_H
#define DDB_LIMITS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ddb/api/limits.h"

/*
 * Check a request before it is sent. `operation` is the API name ("PutItem"); request is the
 * request object (borrowed). Returns 0 or DDB_ERR_LIMIT with a one-line message that starts with
 * the operation and the JSON path of the offending part:
 *     "PutItem Item: item size 409601 bytes exceeds 409600 (largest attribute \"d\": ...)"
 *
 * What is checked (everything else is left to the service):
 *   - every operation: a top-level TableName (name rules, ARNs accepted) and IndexName; the
 *     expressions ConditionExpression, UpdateExpression, KeyConditionExpression,
 *     FilterExpression and ProjectionExpression (at most 4096 bytes each), wherever they occur;
 *   - PutItem Item, BatchWriteItem PutRequest Item, TransactWriteItems Put Item: item size and
 *     nesting depth;
 *   - every Key (GetItem, UpdateItem, DeleteItem, BatchGetItem Keys, BatchWriteItem
 *     DeleteRequest, every transaction action): key attributes of type S, N or B, S and B not
 *     empty, each at most 2048 bytes. A Key with one attribute holds the partition key only, so
 *     that is all. A Key with two cannot say which is the sort key, but one of them is, so the
 *     smaller must be at most 1024 bytes. The exact sort-key rule needs the schema: the batch
 *     and transaction helpers apply it when given one (ddb_limits_check_key);
 *   - BatchWriteItem: at most 25 write requests over all tables; table names;
 *   - BatchGetItem: at most 100 keys over all tables; table names;
 *   - TransactWriteItems, TransactGetItems: at most 100 actions; each action's table name;
 *     TransactWriteItems' payload at most 4 MB (ddb_limits__transact_action_size);
 *   - BatchWriteItem, BatchGetItem, TransactWriteItems, TransactGetItems: the compact JSON body at
 *     most 16 MB, the request size DynamoDB accepts (the other operations cannot reach it);
 *   - CreateTable and UpdateTable: index names.
 * Items in UpdateItem are not sized: the result of an update expression is only known to the
 * service.
 */
int ddb_limits__check_request(const char *operation, const json_t *request, ddb_error *err);

/*
 * The same checks on parts of a request. `where` starts the message ("BatchWriteItem
 * RequestItems[\"t\"][3].PutRequest.Item"); may be NULL.
 */
int ddb_limits__check_json_item(const json_t *item, const char *where, ddb_error *err);
int ddb_limits__check_json_key(const json_t *key, const char *where, ddb_error *err);
/* One TransactWriteItems or TransactGetItems action ({"Put":{...}} etc.), without the payload
 * total, which the caller adds up from ddb_limits__transact_action_size. */
int ddb_limits__check_transact_action(const json_t *action, const char *where, ddb_error *err);

/*
 * The sizes DynamoDB counts, on wire JSON. Malformed parts (which the service rejects anyway)
 * count as their JSON text length, so these never fail.
 */
size_t ddb_limits__json_item_size(const json_t *item); /* {"name": {"S": ..}, ...} */
size_t ddb_limits__json_value_size(const json_t *av);  /* {"S": ..} */
size_t ddb_limits__number_size(const char *num, size_t len);

/*
 * What one TransactWriteItems action adds to the transaction payload DynamoDB limits to 4 MB, as
 * DynamoDB Local 1.25.1 measures it: the Put item's size, or else the Key's size; plus the bytes
 * of ConditionExpression and UpdateExpression; plus the size of every ExpressionAttributeValues
 * value (not the ":name"); plus the bytes of every ExpressionAttributeNames value (the attribute
 * name, not the "#name"). The table name and ReturnValuesOnConditionCheckFailure do not count.
 */
size_t ddb_limits__transact_action_size(const json_t *action);

/* The length of the compact JSON text of j (as the call path sends it). */
size_t ddb_limits__json_wire_size(const json_t *j);

#endif
