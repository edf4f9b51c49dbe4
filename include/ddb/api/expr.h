/*
 * ddb/api/expr.h - build DynamoDB expressions (key condition, filter, condition, update, projection)
 * for one request, with every attribute name and value behind a placeholder.
 *
 * Thread safety: a ddb_expr and everything built from it belong to one thread at a time; a
 * ddb_expr_result may be read from several threads at once.
 *
 * Safety. The generated strings contain only placeholders (#n0, #n1, ... for names and :v0, :v1,
 * ... for values), operators and function names. User data - attribute names as well as values -
 * only ever lands in expression_attribute_names / expression_attribute_values, so no name or value
 * can change the meaning of an expression, and reserved words ("status", "size") or names with
 * dots, spaces, '#' or ':' need no care. Equal name segments share one placeholder.
 *
 * Paths. A path argument is parsed as a document path: "a.b[3].c" is the attribute a, its member
 * b, that list's element 3, its member c (#n0.#n1[3].#n2). To address a top-level attribute whose
 * name itself contains '.', '[' or ']', switch the ddb_expr to literal names
 * (ddb_expr_set_literal_names): paths given while it is on are taken verbatim as one attribute
 * name. Code generated from a model, whose field names are always top-level, turns it on once.
 *
 * Errors are sticky. The builder calls take no ddb_error: the first failure (bad path, NULL or
 * wrongly typed value, limit) is recorded in the ddb_expr, every later call becomes a no-op that
 * still honours ownership, and ddb_expr_build (or ddb_expr_status) reports that first error. So a
 * whole expression can be written as nested calls and checked once:
 *
 *     ddb_expr_set_filter(e, ddb_cond_and(e,
 *         ddb_cond_eq_take(e, "status", ddb_expr_val_s(e, "open")),
 *         ddb_cond_cmp_take(e, "total", DDB_CMP_GE, ddb_expr_val_i64(e, 100))));
 *     rc = ddb_expr_build(&res, e, &err);
 *
 * Constructors that fail return NULL, and every function that receives a NULL condition or
 * operand while an error is recorded simply returns NULL (or the recorded code) again.
 *
 * Ownership. Conditions (ddb_cond) and operands (ddb_operand) are owned by the ddb_expr that made
 * them and freed with it; they may be used more than once within that ddb_expr. Functions named
 * *_take take ownership of their ddb_value arguments, also when they fail.
 *
 * Limits checked (as DynamoDB documents them and DynamoDB Local enforces them): each expression
 * string at most 4096 bytes; an attribute name 1 to 65535 bytes; a document path at most 32
 * elements (names plus list indexes); a list index at most 2147483647; IN at most 100 operands;
 * no overlapping paths within the update or the projection. Left to the service: the 2 MB total
 * of substitution values, the 300-operator limit of UpdateExpression, and BETWEEN bound order.
 */
#ifndef DDB_EXPR_H
#define DDB_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DDB_EXPR_MAX_EXPRESSION_BYTES 4096
#define DDB_EXPR_MAX_NAME_BYTES 65535
#define DDB_EXPR_MAX_PATH_DEPTH 32
#define DDB_EXPR_MAX_IN_OPERANDS 100
/* Conditions, operands, update actions and projected paths one ddb_expr may hold. */
#define DDB_EXPR_MAX_PARTS 16384

typedef struct ddb_expr ddb_expr;
typedef struct ddb_cond ddb_cond;
typedef struct ddb_operand ddb_operand;

typedef enum ddb_cmp {
    DDB_CMP_EQ = 1, /* =  */
    DDB_CMP_NE,     /* <> */
    DDB_CMP_LT,     /* <  */
    DDB_CMP_LE,     /* <= */
    DDB_CMP_GT,     /* >  */
    DDB_CMP_GE      /* >= */
} ddb_cmp;

/*
 * What ddb_expr_build produces. Field names match the request members (KeyConditionExpression,
 * ...), so they can be moved across one by one. Unused expressions are NULL; the names array is
 * empty and the values map NULL when nothing was referenced. Names are in placeholder order.
 */
typedef struct ddb_expr_result {
    char *key_condition_expression;
    char *filter_expression;
    char *condition_expression;
    char *update_expression;
    char *projection_expression;
    size_t n_expression_attribute_names;
    ddb_string_map_entry *expression_attribute_names; /* key "#n0", value the attribute name */
    ddb_value *expression_attribute_values;           /* M of ":v0" -> value, or NULL */
} ddb_expr_result;

/* ---- the builder --------------------------------------------------------------------------- */

/*
 * Create an empty builder. *out is freed with ddb_expr_free.
 * Returns 0, or DDB_ERR_NOMEM.
 */
DDB_API int ddb_expr_new(ddb_expr **out, ddb_error *err);

/* Free the builder and every condition, operand and value it holds. NULL-safe. */
DDB_API void ddb_expr_free(ddb_expr *e);

/*
 * Literal names on (true): path arguments of later calls are single top-level attribute names,
 * taken verbatim ("a.b" is the attribute named "a.b"). Off (the default): they are parsed as
 * document paths. Already-built conditions are not affected.
 */
DDB_API void ddb_expr_set_literal_names(ddb_expr *e, bool literal);

/*
 * The first error recorded so far: returns 0 or its code, and copies it into err (may be NULL).
 * A NULL e gives DDB_ERR_INVALID_ARG.
 */
DDB_API int ddb_expr_status(const ddb_expr *e, ddb_error *err);

/*
 * Produce the expressions, names and values. e is not changed, so it can be built again after
 * further calls. Numbering follows the order key condition, filter, condition, update,
 * projection. *out is freed with ddb_expr_result_free.
 * With nothing set, every member of the result is NULL or empty.
 * Returns 0; the recorded error (see above); DDB_ERR_LIMIT when an expression exceeds
 * DDB_EXPR_MAX_EXPRESSION_BYTES (the message names the expression and its size); DDB_ERR_NOMEM;
 * DDB_ERR_INVALID_ARG for a NULL e.
 */
DDB_API int ddb_expr_build(ddb_expr_result **out, const ddb_expr *e, ddb_error *err);

/* Free a result. NULL-safe. */
DDB_API void ddb_expr_result_free(ddb_expr_result *r);

/* ---- values (sticky shorthands for ddb_value_new_*; NULL on failure, error recorded) ------- */

DDB_API ddb_value *ddb_expr_val_s(ddb_expr *e, const char *s);
DDB_API ddb_value *ddb_expr_val_n(ddb_expr *e, const char *num); /* must pass ddb_number_validate */
DDB_API ddb_value *ddb_expr_val_i64(ddb_expr *e, int64_t n);
DDB_API ddb_value *ddb_expr_val_b(ddb_expr *e, const void *data, size_t len);
DDB_API ddb_value *ddb_expr_val_bool(ddb_expr *e, bool b);

/* ---- operands ------------------------------------------------------------------------------
 * Operands are the sides of comparisons and the right-hand side of SET actions. DynamoDB allows
 * only some combinations, and a wrong one is recorded when the operand is used:
 *   - in conditions: path, value and size(path);
 *   - in SET: path, value, if_not_exists, list_append, and one + or - between two of those
 *     (but not list_append); the arguments of list_append and if_not_exists's fallback are
 *     path, value or if_not_exists. + and - need N values, list_append L values.
 */

DDB_API ddb_operand *ddb_operand_path(ddb_expr *e, const char *path);
/* Takes ownership of v. */
DDB_API ddb_operand *ddb_operand_value_take(ddb_expr *e, ddb_value *v);
/* size(path) */
DDB_API ddb_operand *ddb_operand_size(ddb_expr *e, const char *path);
/* if_not_exists(path, fallback) */
DDB_API ddb_operand *ddb_operand_if_not_exists(ddb_expr *e, const char *path,
                                               ddb_operand *fallback);
/* list_append(a, b): appends b's elements to a's; put the value first to prepend. */
DDB_API ddb_operand *ddb_operand_list_append(ddb_expr *e, ddb_operand *a, ddb_operand *b);
DDB_API ddb_operand *ddb_operand_plus(ddb_expr *e, ddb_operand *a, ddb_operand *b);  /* a + b */
DDB_API ddb_operand *ddb_operand_minus(ddb_expr *e, ddb_operand *a, ddb_operand *b); /* a - b */

/* ---- conditions ----------------------------------------------------------------------------
 * Used for filters, condition expressions and key conditions. Ordering comparisons (<, <=, >,
 * >=) and BETWEEN need S, N or B values, BETWEEN bounds of one type, begins_with an S or B.
 */

/* lhs op rhs, for any allowed operands (e.g. path against path, size(path) against a value). */
DDB_API ddb_cond *ddb_cond_compare(ddb_expr *e, ddb_operand *lhs, ddb_cmp op, ddb_operand *rhs);
/* path op :v. Takes ownership of v. */
DDB_API ddb_cond *ddb_cond_cmp_take(ddb_expr *e, const char *path, ddb_cmp op, ddb_value *v);
/* path = :v. Takes ownership of v. */
DDB_API ddb_cond *ddb_cond_eq_take(ddb_expr *e, const char *path, ddb_value *v);
/* size(path) op :v, v an N. Takes ownership of v. */
DDB_API ddb_cond *ddb_cond_size_cmp_take(ddb_expr *e, const char *path, ddb_cmp op, ddb_value *v);
/* path BETWEEN :lo AND :hi. Takes ownership of lo and hi. */
DDB_API ddb_cond *ddb_cond_between_take(ddb_expr *e, const char *path, ddb_value *lo,
                                        ddb_value *hi);
/*
 * path IN (:v0, ...), 1 to DDB_EXPR_MAX_IN_OPERANDS values. Takes ownership of values[0..n-1]
 * (the array itself stays the caller's).
 */
DDB_API ddb_cond *ddb_cond_in_take(ddb_expr *e, const char *path, ddb_value **values, size_t n);
DDB_API ddb_cond *ddb_cond_exists(ddb_expr *e, const char *path); /* attribute_exists(path) */
DDB_API ddb_cond *ddb_cond_not_exists(ddb_expr *e,
                                      const char *path); /* attribute_not_exists(path) */
/* attribute_type(path, :t), with :t the type's name ("S", "SS", "M", ...). */
DDB_API ddb_cond *ddb_cond_type(ddb_expr *e, const char *path, ddb_type type);
/* begins_with(path, :v). Takes ownership of v. */
DDB_API ddb_cond *ddb_cond_begins_with_take(ddb_expr *e, const char *path, ddb_value *v);
/* contains(path, :v). Takes ownership of v. */
DDB_API ddb_cond *ddb_cond_contains_take(ddb_expr *e, const char *path, ddb_value *v);

/*
 * a AND b, a OR b, NOT a. Parentheses are added where precedence or readability needs them.
 * When no error is recorded, a NULL a or b counts as "no condition", so and(NULL, c) is c: that
 * lets a loop fold conditions starting from NULL. NOT of NULL is an error.
 */
DDB_API ddb_cond *ddb_cond_and(ddb_expr *e, ddb_cond *a, ddb_cond *b);
DDB_API ddb_cond *ddb_cond_or(ddb_expr *e, ddb_cond *a, ddb_cond *b);
DDB_API ddb_cond *ddb_cond_not(ddb_expr *e, ddb_cond *a);

/* ---- the request's expressions -------------------------------------------------------------
 * Each returns 0 or the recorded error code. Setting again replaces; NULL (with no error
 * recorded) clears.
 */

/*
 * KeyConditionExpression: `pk = :v`, or that AND one sort key condition (=, <, <=, >, >=,
 * BETWEEN, begins_with), each on a top-level attribute with an S, N or B value.
 */
DDB_API int ddb_expr_set_key_condition(ddb_expr *e, ddb_cond *c);
DDB_API int ddb_expr_set_filter(ddb_expr *e, ddb_cond *c);    /* FilterExpression */
DDB_API int ddb_expr_set_condition(ddb_expr *e, ddb_cond *c); /* ConditionExpression */

/* ---- UpdateExpression ----------------------------------------------------------------------
 * Actions are grouped into clauses in the order SET, REMOVE, ADD, DELETE, each clause keeping
 * call order: "SET #n0 = :v0, #n1 = :v1 REMOVE #n2 ADD #n3 :v2". Returns 0 or the recorded error.
 */

/* SET path = value. */
DDB_API int ddb_expr_update_set(ddb_expr *e, const char *path, ddb_operand *value);
/* SET path = :v. Takes ownership of v. */
DDB_API int ddb_expr_update_set_take(ddb_expr *e, const char *path, ddb_value *v);
/* REMOVE path */
DDB_API int ddb_expr_update_remove(ddb_expr *e, const char *path);
/* ADD path :v, v an N or a set. Takes ownership of v. */
DDB_API int ddb_expr_update_add_take(ddb_expr *e, const char *path, ddb_value *v);
/* DELETE path :v, v a set. Takes ownership of v. */
DDB_API int ddb_expr_update_delete_take(ddb_expr *e, const char *path, ddb_value *v);

/* ---- ProjectionExpression ------------------------------------------------------------------ */

/* Add a path to the projection. An exact repeat is ignored; a path overlapping another fails. */
DDB_API int ddb_expr_project(ddb_expr *e, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* DDB_EXPR_H */
