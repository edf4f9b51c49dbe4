/*
 * ddb/core/value.h - DynamoDB AttributeValues: the ten types, builders, accessors, copy, compare and
 * JSON (wire format) conversion.
 *
 * Thread safety: a ddb_value may be read from several threads at once; building or freeing one
 * needs exclusive access.
 *
 * Ownership: every ddb_value returned through `ddb_value **out` belongs to the caller, who frees it
 * with ddb_value_free. Functions named *_take take ownership of their value argument, even when
 * they fail. Pointers returned directly (accessors) are borrowed from the containing value.
 */
#ifndef DDB_VALUE_H
#define DDB_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ddb_type {
    DDB_TYPE_S = 1, /* string (UTF-8) */
    DDB_TYPE_N,     /* number, kept as its decimal string */
    DDB_TYPE_B,     /* binary; base64 on the wire */
    DDB_TYPE_BOOL,
    DDB_TYPE_NULL,
    DDB_TYPE_M,  /* map of name -> value; insertion order is kept */
    DDB_TYPE_L,  /* list of values */
    DDB_TYPE_SS, /* string set */
    DDB_TYPE_NS, /* number set */
    DDB_TYPE_BS  /* binary set */
} ddb_type;

typedef struct ddb_value ddb_value;

/* A borrowed byte range, used for binary members. */
typedef struct ddb_blob {
    const void *data;
    size_t len;
} ddb_blob;

/*
 * A name/value pair of strings, used for string maps such as ExpressionAttributeNames. The strings
 * are const: an entry is usually part of a request, which is only read; where the library decodes
 * one (UnprocessedKeys) it frees it with the output.
 */
typedef struct ddb_string_map_entry {
    const char *key;
    const char *value;
} ddb_string_map_entry;

/* ---- numbers ------------------------------------------------------------------------------- */

/*
 * Check a decimal string against DynamoDB's number rules: optional sign, digits with an optional
 * fraction, optional exponent; at most 38 significant digits; a non-zero magnitude from 1e-130 up
 * to but excluding 1e126. Returns 0 or DDB_ERR_NUMBER with a message naming the rule.
 *
 * As in DynamoDB: "+5", ".5", "5." and "1.e5" are accepted, leading and trailing zeros are not
 * significant, and zero in any form ("-0", "0e500") is valid. Rejected: spaces, hex, "NaN",
 * "Infinity", non-ASCII digits, and exponents beyond +/-2147483647 (DynamoDB reads them as 32-bit
 * integers, even on zero). Messages quote the number: "\"1e126\" is out of range: ...".
 */
DDB_API int ddb_number_validate(const char *num, ddb_error *err);

/*
 * Write the canonical form of a valid number into *out (caller frees with free()): no sign on
 * zero, no leading or trailing zeros, plain notation when the exponent is small, otherwise
 * "d.ddddE+x". Two numbers are equal in DynamoDB exactly when their canonical forms are equal.
 * "Small" means the first digit's decimal exponent is in [-6, 20]: "0.000001" and
 * "150000000000000000000" are plain; "1E-7", "1E+21" and "1.5E+22" are not.
 */
DDB_API int ddb_number_canonical(char **out, const char *num, ddb_error *err);

/* ---- scalar builders ----------------------------------------------------------------------- */

/*
 * s must be UTF-8 (no overlongs or surrogates); otherwise DDB_ERR_INVALID_ARG names the first bad
 * byte and its offset. The _len form may hold NUL bytes.
 */
DDB_API int ddb_value_new_s(ddb_value **out, const char *s, ddb_error *err);
DDB_API int ddb_value_new_s_len(ddb_value **out, const char *s, size_t len, ddb_error *err);
/* num must pass ddb_number_validate; it is stored as given. */
DDB_API int ddb_value_new_n(ddb_value **out, const char *num, ddb_error *err);
DDB_API int ddb_value_new_n_i64(ddb_value **out, int64_t n, ddb_error *err);
DDB_API int ddb_value_new_n_u64(ddb_value **out, uint64_t n, ddb_error *err);
/* data may be NULL when len is 0. */
DDB_API int ddb_value_new_b(ddb_value **out, const void *data, size_t len, ddb_error *err);
DDB_API int ddb_value_new_bool(ddb_value **out, bool b, ddb_error *err);
DDB_API int ddb_value_new_null(ddb_value **out, ddb_error *err);

/* ---- containers ---------------------------------------------------------------------------- */

DDB_API int ddb_value_new_m(ddb_value **out, ddb_error *err);
DDB_API int ddb_value_new_l(ddb_value **out, ddb_error *err);

/*
 * Set (add or replace) map member `name` to v. Takes ownership of v, also on failure. A replaced
 * member keeps its position. name must be non-empty UTF-8 (DynamoDB rejects empty names).
 */
DDB_API int ddb_value_m_set_take(ddb_value *map, const char *name, ddb_value *v, ddb_error *err);
/* Shorthands that build the member value and set it. */
DDB_API int ddb_value_m_set_s(ddb_value *map, const char *name, const char *s, ddb_error *err);
DDB_API int ddb_value_m_set_n(ddb_value *map, const char *name, const char *num, ddb_error *err);
DDB_API int ddb_value_m_set_i64(ddb_value *map, const char *name, int64_t n, ddb_error *err);
DDB_API int ddb_value_m_set_bool(ddb_value *map, const char *name, bool b, ddb_error *err);
/* Remove a member; returns 0 whether or not it was there. */
DDB_API int ddb_value_m_remove(ddb_value *map, const char *name);

/* Append v to a list. Takes ownership of v, also on failure. */
DDB_API int ddb_value_l_append_take(ddb_value *list, ddb_value *v, ddb_error *err);

/*
 * Sets. Members are copied. An empty set, or one with duplicate members (numbers compared by
 * value, so "1" and "1.0" are duplicates), is rejected with DDB_ERR_INVALID_ARG; the message
 * names the first repeat and what it repeats ("string set member 3 duplicates member 1"). Empty
 * members are allowed. An NS member that is not a valid number gives DDB_ERR_NUMBER.
 */
DDB_API int ddb_value_new_ss(ddb_value **out, const char *const *members, size_t n, ddb_error *err);
DDB_API int ddb_value_new_ns(ddb_value **out, const char *const *members, size_t n, ddb_error *err);
DDB_API int ddb_value_new_bs(ddb_value **out, const ddb_blob *members, size_t n, ddb_error *err);

/* ---- accessors (borrowed results; wrong type or index gives NULL / 0 / false) -------------- */

DDB_API ddb_type ddb_value_type(const ddb_value *v); /* 0 for NULL */
/* The name of a type as on the wire: "S", "N", ...; "?" for anything else. */
DDB_API const char *ddb_type_name(ddb_type t);

DDB_API const char *ddb_value_s(const ddb_value *v, size_t *len_out); /* S; len_out may be NULL */
DDB_API const char *ddb_value_n(const ddb_value *v);                  /* N, as stored */
/*
 * N as a 64-bit integer; DDB_ERR_NUMBER if v is not an N holding an integer in range. Any integral
 * value converts, however written: "1.0" and "1e3" do, "1.5" does not.
 */
DDB_API int ddb_value_n_i64(const ddb_value *v, int64_t *out, ddb_error *err);
DDB_API const void *ddb_value_b(const ddb_value *v,
                                size_t *len_out); /* B; non-NULL even if empty */
DDB_API bool ddb_value_bool(const ddb_value *v);  /* BOOL */

DDB_API size_t ddb_value_count(const ddb_value *v); /* members of M, L, SS, NS, BS; 0 otherwise */
DDB_API const ddb_value *ddb_value_m_get(const ddb_value *map, const char *name);
/* The i-th member of a map in insertion order; *name_out receives its name (borrowed). */
DDB_API const ddb_value *ddb_value_m_at(const ddb_value *map, size_t i, const char **name_out);
DDB_API const ddb_value *ddb_value_l_at(const ddb_value *list, size_t i);
/*
 * The i-th member of an SS or NS set as a string (members keep the order they were given in); of
 * a BS set through ddb_value_bs_at. An SS member holding a NUL byte reads as cut at it here.
 */
DDB_API const char *ddb_value_set_at(const ddb_value *set, size_t i);
DDB_API ddb_blob ddb_value_bs_at(const ddb_value *set, size_t i);

/* ---- whole values -------------------------------------------------------------------------- */

DDB_API int ddb_value_copy(ddb_value **out, const ddb_value *v, ddb_error *err);
/*
 * Equality as DynamoDB sees it: same type; numbers by value; maps by member names regardless of
 * order; sets regardless of member order; lists in order.
 */
DDB_API bool ddb_value_equal(const ddb_value *a, const ddb_value *b);
DDB_API void ddb_value_free(ddb_value *v); /* NULL-safe; frees members recursively */

/*
 * Wire JSON. ddb_value_to_json writes the AttributeValue form ({"S":"x"}, {"M":{...}}); an item
 * (a map of attributes) can be written without the outer {"M":..} through ddb_item_to_json.
 * The result is NUL-terminated; the caller frees it with free(). Output is compact, keeps map
 * members in insertion order and writes non-ASCII text as UTF-8.
 *
 * Reading is strict and fails with DDB_ERR_PROTOCOL and a message that starts with the path of
 * the offending member ("item.address.M.zip: \"N\" value \"abc\" is not a number: ..."; the root
 * is "value" or "item"): exactly one known type key per AttributeValue, the right JSON type for
 * it, valid base64 and numbers, no empty or duplicate sets, no duplicate object keys, and at most
 * 32 levels of nesting, counting the item (or a lone value's outermost M or L) as level 1, as
 * DynamoDB does.
 */
DDB_API int ddb_value_to_json(char **out, const ddb_value *v, ddb_error *err);
DDB_API int ddb_value_from_json(ddb_value **out, const char *json, size_t len, ddb_error *err);
DDB_API int ddb_item_to_json(char **out, const ddb_value *map, ddb_error *err);
DDB_API int ddb_item_from_json(ddb_value **out, const char *json, size_t len, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_VALUE_H */
