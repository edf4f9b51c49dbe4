/*
 * Capacity units, item sizes and storage as DynamoDB counts them: the one place the generator's
 * cost estimate (ddbkit cost) and the provisioned capacity of ddbkit infra take them from
 * (docs/design/cost.md). Pure arithmetic, no I/O.
 *
 * Read units: the item size rounded up to 4 KB, one unit per 4 KB when strongly consistent, half
 * that when eventually consistent, twice that in a transaction. Write units: one per 1 KB,
 * twice that in a transaction. An item's size follows the rules of the runtime's ddb_item_size
 * (include/ddb/api/limits.h), which the generator may not include; tests/gen/test_cost.c and
 * tests/unit compare the two on the same items.
 *
 * Thread safety: every function here is pure.
 */
#ifndef DDBGEN_COST_UNITS_H
#define DDBGEN_COST_UNITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* DynamoDB's unit sizes, and the per-item overhead its storage bill adds per table and index. */
#define DDBGEN_READ_UNIT_BYTES 4096
#define DDBGEN_WRITE_UNIT_BYTES 1024
#define DDBGEN_STORAGE_OVERHEAD_BYTES 100
/* Provisioned capacity is sized so that the peak load uses this share of it (ddbkit infra). */
#define DDBGEN_TARGET_UTILIZATION 70.0

typedef enum ddbgen_read_mode {
    DDBGEN_READ_EVENTUAL = 0,
    DDBGEN_READ_STRONG,
    DDBGEN_READ_TRANSACTIONAL,
} ddbgen_read_mode;

/* Read units of one item (or of a Query's or Scan's items, summed first) of `bytes` bytes. */
double ddbgen_units_read(size_t bytes, ddbgen_read_mode mode);

/* Write units of writing one item of `bytes` bytes (the larger of before and after). */
double ddbgen_units_write(size_t bytes, bool transactional);

/* Provisioned capacity for a peak of `units` per second: at DDBGEN_TARGET_UTILIZATION, >= 1. */
long long ddbgen_units_capacity(double units);

/* Bytes billed as storage for one item of `bytes` bytes in one table or index. */
size_t ddbgen_units_storage_bytes(size_t bytes);

/* The size of a number written as text (DynamoDB's N); len + 1 when it is not a number. */
size_t ddbgen_units_number_size(const char *num, size_t len);

/*
 * The size of a JSON value stored as DynamoDB stores the generated layer's fields: strings as S,
 * numbers as N (their JSON text), booleans and null 1 byte, arrays as L, objects as M.
 */
size_t ddbgen_units_json_size(const json_t *v);

/* The size of an item given as a JSON object: attribute names plus values. */
size_t ddbgen_units_item_size(const json_t *item);

#endif
