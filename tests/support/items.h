/*
 * Integration-test helpers for items and tables, on top of harness.h: building items from wire
 * JSON, bulk writes, tables with indexes, and expression results moved into inputs.
 *
 * Every helper that cannot fail for a reason the test is about exits the process loudly instead
 * of returning an error: a test never continues (or skips) on broken setup.
 */
#ifndef DDB_TEST_ITEMS_H
#define DDB_TEST_ITEMS_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/ddb.h"
#include "support/harness.h"

#if defined(__GNUC__)
#define HARNESS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HARNESS_PRINTF(f, a)
#endif

/*
 * An item (an M value) from its wire JSON, printf-style:
 *     harness_itemf("{\"pk\":{\"S\":\"%s\"},\"n\":{\"N\":\"%d\"}}", pk, n)
 * Caller frees with ddb_value_free. Exits on malformed JSON.
 */
ddb_value *harness_itemf(const char *fmt, ...) HARNESS_PRINTF(1, 2);

/* Any value from its AttributeValue JSON ({"S":"x"}), printf-style. Exits on failure. */
ddb_value *harness_valuef(const char *fmt, ...) HARNESS_PRINTF(1, 2);

/* The wire JSON of an item or NULL as "(null)", for messages. Caller frees. */
char *harness_item_json(const ddb_value *item);

/* Whether item's attribute `name` is an S equal to s / an N equal to the integer n. */
bool harness_attr_is_s(const ddb_value *item, const char *name, const char *s);
bool harness_attr_is_n(const ddb_value *item, const char *name, long long n);

/*
 * Write items (borrowed) with BatchWriteItem, 25 per request, resending UnprocessedItems until
 * every item is written. Returns 0 or the failing call's code (reported on stderr).
 */
int harness_batch_put(ddb_client *c, const char *table, ddb_value *const *items, size_t n);

/* PutItem of one item given as JSON (printf-style). Returns 0 or the code (reported). */
int harness_putf(ddb_client *c, const char *table, const char *fmt, ...) HARNESS_PRINTF(3, 4);

/* CreateTable with a full input (for indexes), then wait until ACTIVE. Returns 0 or the code. */
int harness_create_table_with(ddb_client *c, const ddb_create_table_input *in);

/* Build e into *out and exit the process when that fails (a test bug). Free with
 * ddb_expr_result_free. */
ddb_expr_result *harness_build(const ddb_expr *e);

/* A new expression builder; exits when out of memory. */
ddb_expr *harness_expr(void);

/* Milliseconds on the monotonic clock, for timing checks. */
double harness_now_ms(void);

#endif
