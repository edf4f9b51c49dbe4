/*
 * Internal: json_loadb and json_dumps with fast paths in front of them, for the request and
 * response bodies of every call.
 *
 * Thread safety: reentrant, like jansson's functions.
 */
#ifndef DDB_JSON_FAST_H
#define DDB_JSON_FAST_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parse buf[0..len) exactly as json_loadb(buf, len, flags, error) does, and faster: the same tree
 * (types, values, member order, last duplicate wins), the same NULL and error for every input.
 * Well-formed input is parsed directly into jansson values; anything the fast path cannot decide
 * the way jansson does (any syntax error, invalid UTF-8, an integer of 19 or more digits, a real
 * that overflows, a locale whose decimal point is not '.', nesting deeper than 128, NUL in a key,
 * a duplicate key under JSON_REJECT_DUPLICATES, out of memory) is handed to json_loadb, whose
 * answer is returned. Flags other than JSON_ALLOW_NUL and JSON_REJECT_DUPLICATES always go to
 * json_loadb.
 *
 * error: optional; filled by json_loadb when the input went there (so on every failure), else
 * left as it was.
 * Returns a new reference, or NULL.
 */
json_t *ddb_json__loadb(const char *buf, size_t len, size_t flags, json_error_t *error);

/*
 * The fast path alone: 0 with *out set (a new reference) when it parsed the input, -1 when it
 * gave up (*out untouched). For tests, which check that it handles what it should and that what
 * it returns equals json_loadb's result.
 */
int ddb_json__loadb_fast(json_t **out, const char *buf, size_t len, size_t flags);

/*
 * json_dumps(j, flags), faster: the same text, or NULL where json_dumps gives NULL. The fast path
 * writes objects, arrays, strings, integers, true, false and null with JSON_COMPACT; it hands to
 * json_dumps any other flags, a top level that is not an object or array, a real number, a string
 * or key that is not valid UTF-8, and nesting deeper than 128 (a cycle too).
 * Returns a string the caller frees with free(), or NULL.
 */
char *ddb_json__dumps(const json_t *j, size_t flags);

/* The fast path alone: the text, or NULL when it gave up. For tests. */
char *ddb_json__dumps_fast(const json_t *j, size_t flags);

#endif
