/* Internal: conversion between ddb_value and jansson's json_t (the wire form). */
#ifndef DDB_VALUE_JSON_H
#define DDB_VALUE_JSON_H

#include <jansson.h>

#include "ddb/core/value.h"

/* {"S":"x"} etc. *out is a new reference. */
int ddb_json__from_value(json_t **out, const ddb_value *v, ddb_error *err);
/* A map value as an item: {"name": {"S":"x"}, ...}. v must be an M. */
int ddb_json__from_item(json_t **out, const ddb_value *map, ddb_error *err);

/*
 * Parse the wire form. `path` names where the JSON came from (e.g. "GetItemOutput.Item") and is
 * used in error messages, which then name the exact member that is malformed (DDB_ERR_PROTOCOL):
 * "GetItemOutput.Item.address.M.zip: ...", ".L[2]" for list members. NULL or "" means "value" /
 * "item". Nesting deeper than 32 levels is rejected; the item (or the value's outermost M or L) is
 * level 1. j may be NULL, which is reported as missing.
 */
int ddb_json__to_value(ddb_value **out, const json_t *j, const char *path, ddb_error *err);
int ddb_json__to_item(ddb_value **out, const json_t *j, const char *path, ddb_error *err);

/* ---- shared by value.c and value_json.c ---- */

/*
 * Build an SS, NS or BS set from byte ranges, which may contain NUL (SS members on the wire can).
 * Rules and errors as ddb_value_new_ss/_ns/_bs.
 */
int ddb_value__new_set(ddb_value **out, ddb_type type, const ddb_blob *members, size_t n,
                       ddb_error *err);
/*
 * ddb_value_m_set_take for a name of len bytes (no NUL among them) that is not in the map yet, as
 * the members of one decoded JSON object are not: no lookup. Takes v, on failure too.
 */
int ddb_value__m_add_take(ddb_value *mv, const char *name, size_t len, ddb_value *v,
                          ddb_error *err);
/* Room for n more members of an M or items of an L, so that a decoder that knows the count does
 * not grow the array step by step. Only an accelerator: it does nothing when out of memory. */
void ddb_value__reserve(ddb_value *v, size_t n);
/* The i-th member of any set type, with its length; {NULL, 0} on a wrong type or index. */
ddb_blob ddb_value__set_member(const ddb_value *set, size_t i);
/*
 * Write at most size - 1 bytes of s into buf for an error message: control characters, quotes and
 * backslashes become '?', and a cut (at a UTF-8 boundary) is marked with "...".
 */
void ddb_value__excerpt(char *buf, size_t size, const char *s, size_t len);

#endif
