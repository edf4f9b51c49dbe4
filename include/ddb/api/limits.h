/*
 * ddb/api/limits.h - DynamoDB's size and shape limits, checked before anything is sent, and the item
 * size as DynamoDB computes it (for capacity planning: one write unit per 1 KB, one read unit per
 * 4 KB).
 *
 * Thread safety: every function here is pure; call them from any thread. Values are only read.
 *
 * The item size, exactly as DynamoDB (checked against DynamoDB Local 1.25.1 at the 409600-byte
 * boundary for each rule) counts it:
 *   - an item is the sum, over its attributes, of the attribute name's UTF-8 bytes plus the value;
 *   - S: UTF-8 bytes; B: raw bytes (not base64); BOOL and NULL: 1 byte;
 *   - N: 1 byte, plus 1 byte per base-100 digit pair of the significant digits aligned on the
 *     decimal point, plus 1 more if negative; zero is 1 byte. So "1", "10", "100", "0.1" and
 *     "1e100" take 2 bytes, "123" and "1.5" take 3, "-1" takes 3, "12345" takes 4, and 38 nines
 *     take 20. (AWS's "about (significant digits / 2) + 1" is this rule rounded.)
 *   - SS, NS, BS: the sum of their members, each counted as above;
 *   - L: 3 bytes plus, per element, 1 byte plus the element;
 *   - M: 3 bytes plus, per member, 1 byte plus the member name's UTF-8 bytes plus the member.
 *
 * Messages name the attribute and the figure, for example
 *   "item size 412340 bytes exceeds 409600 (largest attribute \"body\": 412000 bytes)".
 * Every input DynamoDB would reject is DDB_ERR_LIMIT; misuse of the function itself (a NULL
 * argument, an item that is not a map) is DDB_ERR_INVALID_ARG.
 */
#ifndef DDB_LIMITS_H
#define DDB_LIMITS_H

#include <stddef.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DynamoDB's limits, in bytes where they are sizes (KB and MB are 1024-based). */
#define DDB_LIMIT_ITEM_SIZE 409600         /* one item, by the formula above */
#define DDB_LIMIT_PARTITION_KEY_SIZE 2048  /* a partition key value */
#define DDB_LIMIT_SORT_KEY_SIZE 1024       /* a sort key value */
#define DDB_LIMIT_NESTING_DEPTH 32         /* the item is level 1; each M or L adds one */
#define DDB_LIMIT_EXPRESSION_SIZE 4096     /* each expression string */
#define DDB_LIMIT_BATCH_WRITE_ITEMS 25     /* write requests per BatchWriteItem, all tables */
#define DDB_LIMIT_BATCH_GET_KEYS 100       /* keys per BatchGetItem, all tables */
#define DDB_LIMIT_TRANSACTION_ACTIONS 100  /* actions per TransactWriteItems/TransactGetItems */
#define DDB_LIMIT_TRANSACTION_SIZE 4194304 /* TransactWriteItems: items, keys, expressions */
#define DDB_LIMIT_REQUEST_SIZE 16777216    /* the HTTP body of any request */
#define DDB_LIMIT_NAME_MIN 3               /* table and index names */
#define DDB_LIMIT_NAME_MAX 255
#define DDB_LIMIT_TABLE_ARN_MAX 1024 /* a table ARN given as TableName */

/*
 * The size of an item (an M value) as DynamoDB counts it, into *out.
 *
 * Parameters: out receives the size in bytes; item is the item (borrowed); err may be NULL.
 * Returns 0, or DDB_ERR_INVALID_ARG when item is NULL or not an M (*out untouched).
 */
DDB_API int ddb_item_size(size_t *out, const ddb_value *item, ddb_error *err);

/*
 * The size one attribute value contributes to an item, without its name (the rules above).
 * Returns 0, or DDB_ERR_INVALID_ARG when v is NULL (*out untouched).
 */
DDB_API int ddb_value_size(size_t *out, const ddb_value *v, ddb_error *err);

/*
 * Check an item against the item limits: size at most DDB_LIMIT_ITEM_SIZE and nesting at most
 * DDB_LIMIT_NESTING_DEPTH levels (the item itself is level 1, so an attribute can hold 31 nested
 * maps or lists). Key rules need the key schema: see ddb_limits_check_key.
 *
 * Returns 0, DDB_ERR_INVALID_ARG (NULL or not an M) or DDB_ERR_LIMIT, naming the figure and the
 * attribute ("attribute \"doc\" nesting depth 33 exceeds 32").
 */
DDB_API int ddb_limits_check_item(const ddb_value *item, ddb_error *err);

/*
 * Check the key attributes of `key` for a table (or index) whose partition key is
 * partition_key_name and whose sort key is sort_key_name (NULL when the table has none).
 *
 * key may be a key or a whole item; its other attributes are not looked at. Each key attribute
 * must be present, of type S, N or B, not an empty S or B, and at most DDB_LIMIT_PARTITION_KEY_SIZE
 * (partition key) or DDB_LIMIT_SORT_KEY_SIZE (sort key) bytes (S: UTF-8 bytes; B: raw bytes).
 *
 * Returns 0, DDB_ERR_INVALID_ARG (key or partition_key_name NULL, key not an M) or DDB_ERR_LIMIT
 * (a key attribute missing, of another type, empty or too long), with a message naming the
 * attribute: "sort key \"sk\" size 1025 bytes exceeds 1024".
 */
DDB_API int ddb_limits_check_key(const ddb_value *key, const char *partition_key_name,
                                 const char *sort_key_name, ddb_error *err);

/*
 * Check a table name: 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'. A table ARN
 * ("arn:<partition>:dynamodb:<region>:<account>:table/<name>", at most 1024 characters) is
 * accepted when its <name> follows the same rule, as DynamoDB accepts ARNs wherever an operation
 * takes a TableName (DynamoDB Local 1.25.1 does not; use plain names with it).
 *
 * Returns 0, or DDB_ERR_LIMIT naming the name and the rule it breaks.
 */
DDB_API int ddb_limits_check_table_name(const char *name, ddb_error *err);

/* Check an index name: the same rule as a table name, without ARNs. Returns 0 or DDB_ERR_LIMIT. */
DDB_API int ddb_limits_check_index_name(const char *name, ddb_error *err);

/*
 * Check one expression string (ConditionExpression, UpdateExpression, ...): at most
 * DDB_LIMIT_EXPRESSION_SIZE bytes. `what` names it in the message (may be NULL: "expression").
 * Returns 0, DDB_ERR_INVALID_ARG (expression NULL) or DDB_ERR_LIMIT
 * ("ConditionExpression size 4097 bytes exceeds 4096").
 */
DDB_API int ddb_limits_check_expression(const char *what, const char *expression, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_LIMITS_H */
