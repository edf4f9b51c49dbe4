/*
 * Internal: the pieces of the entity runtime that entity.c (CRUD, queries, the store),
 * entity_patterns.c (access patterns) and ids.c (counters) share, so each is written once.
 */
#ifndef DDB_ENTITY_INTERNAL_H
#define DDB_ENTITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/api/api.h"
#include "ddb/api/expr.h"
#include "ddb/dal/entity.h"

/* Key attribute values are capped well above DynamoDB's 2048-byte partition-key limit. */
#define DDB_ENTITY__KEY_MAX 4096

/* The version member of obj, or NULL when d has no version attribute stored in the struct (or obj
 * is NULL). */
int64_t *ddb_entity__version_of(const ddb_entity_desc *d, void *obj);

/* The value of obj's version member; 0, which means "no version check", when it has none. */
int64_t ddb_entity__version_in(const ddb_entity_desc *d, const void *obj);

/* Whether item is of entity d by its primary key prefixes (what a page of d keeps). */
bool ddb_entity__is_entity(const ddb_entity_desc *d, const ddb_value *item);

/*
 * ddb_entity_from_item, then the item's version attribute (which is not a field) into obj's
 * version member. Returns 0 or ddb_entity_from_item's error.
 */
int ddb_entity__from_stored(void *obj, const ddb_entity_desc *d, const ddb_value *item,
                            ddb_error *err);

/* An integer for a key template part: format "d", "Nd" or "0Nd" sets a width; others are plain. */
void ddb_entity__format_i64(char *buf, size_t cap, int64_t n, const char *format);

/*
 * The text of scalar field f of obj as keys and unique values spell it (borrowed from obj, or
 * written into num for integers, formatted with `format`, which may be NULL). NULL when the field
 * has no text: a NULL string or decimal, or a kind that has none (a value). The caller checks
 * presence (has_ flags) first.
 */
const char *ddb_entity__field_text(const ddb_field_desc *f, const void *obj, const char *format,
                                   char *num, size_t num_cap);

/*
 * The literal text of key template k before its first placeholder, into buf (truncated at a
 * part that does not fit). Returns its length; *whole (may be NULL) is set when k has no
 * placeholder.
 */
size_t ddb_entity__literal_prefix(char *buf, size_t cap, const ddb_key_desc *k, bool *whole);

/*
 * The text of key template k up to its (n_bound+1)-th placeholder: literal parts and the first
 * n_bound fields of obj. *whole is set when the template ended before an unbound placeholder.
 * Returns 0, DDB_ERR_INVALID_ARG (a bound field has no value) or DDB_ERR_LIMIT (over cap - 1).
 */
int ddb_entity__key_prefix(char *buf, size_t cap, const ddb_entity_desc *d, const ddb_key_desc *k,
                           const void *obj, size_t n_bound, bool *whole, ddb_error *err);

/*
 * The key condition of q on d's keys, from key_obj: the partition key equal, and the sort key's
 * range (q->range, q->v1, q->v2 after the bound prefix). Conditions are e's; their errors are
 * recorded in e. Returns 0 or the error of a key that cannot be built.
 */
int ddb_entity__key_condition(ddb_cond **out, ddb_expr *e, const ddb_entity_desc *d,
                              const void *key_obj, const ddb_entity_query *q, ddb_error *err);

/*
 * A FilterExpression as a condition of e (NULL when f is NULL or has no condition), with the
 * meaning of ddb_entity_query's filter; errors are recorded in e.
 */
ddb_cond *ddb_entity__filter_cond(ddb_expr *e, const ddb_entity_filter *f);

/*
 * Builds e into *x after the caller's calls on e, whose result is rc: when rc < 0 the error
 * recorded in e is reported (filling err). `what` names the expression in an out-of-memory
 * message. Returns 0 with *x set, or a negative code with *x NULL.
 */
int ddb_entity__build(ddb_expr_result **x, const ddb_expr *e, int rc, const char *what,
                      ddb_error *err);

/*
 * The FilterExpression of f built alone into a new builder *e (freed by the caller, also on
 * failure) and *x; *x NULL (and *e untouched) when f is NULL or has no condition.
 */
int ddb_entity__build_filter(ddb_expr **e, ddb_expr_result **x, const ddb_entity_filter *f,
                             ddb_error *err);

/*
 * One Scan page of table (or q->index): q's filter, limit, cursor (decoded with q->context) and
 * consistency. *out as ddb_scan leaves it.
 */
int ddb_entity__scan(ddb_scan_output **out, ddb_client *c, const char *table,
                     const ddb_entity_query *q, ddb_error *err);

/*
 * One Query page of table (or q->index): the key condition of d, key_obj and q
 * (ddb_entity__key_condition), filter (may be NULL), and q's order, limit, cursor and
 * consistency. *out as ddb_query leaves it.
 */
int ddb_entity__query(ddb_query_output **out, ddb_client *c, const ddb_entity_desc *d,
                      const char *table, const void *key_obj, const ddb_entity_query *q,
                      const ddb_entity_filter *filter, ddb_error *err);

/*
 * UpdateItem of key in table with the update and condition of x; return_values as the request
 * member ("ALL_NEW", "UPDATED_NEW"). *out as ddb_update_item leaves it.
 */
int ddb_entity__update_item(ddb_update_item_output **out, ddb_client *c, const char *table,
                            ddb_value *key, const ddb_expr_result *x, const char *return_values,
                            ddb_error *err);

/*
 * update (ddb_entity_update: versioned, or without a version when obj's is 0), also conditional
 * on the stored fields same[0..n_same) holding obj's values. When only those differ it fails
 * with DDB_ERR_CONDITION_FAILED and err (which must not be NULL) keeps the stored item in
 * err->item: the store then knows the old unique values without having read them first.
 */
int ddb_entity__update_same(ddb_client *c, const ddb_entity_desc *d, const char *table, void *obj,
                            const size_t *same, size_t n_same, ddb_error *err);

/*
 * The requests of an offset: run sends one request from cursor (NULL: the start) for at most
 * limit items and hands back its items and last evaluated key (owned by ctx until the next run);
 * match says whether an item counts as one of the page's.
 */
typedef struct ddb_entity__pager {
    int (*run)(void *ctx, const char *cursor, int limit, ddb_value *const **items, size_t *n,
               const ddb_value **last, ddb_error *err);
    bool (*match)(void *ctx, const ddb_value *item);
    void *ctx;
} ddb_entity__pager;

/*
 * Where a page of offset/cursor starts: *start (malloc'd, the caller's; NULL: the first item)
 * receives the cursor of the item after the first `offset` matching ones, or a copy of cursor
 * when offset is 0. *ended is true when the results end before the offset (an empty last
 * page). Each request asks for at most the items still to skip, so none past the offset is
 * read. DDB_ERR_INVALID_ARG for a negative offset, or an offset with a cursor.
 */
int ddb_entity__offset_start(char **start, bool *ended, const ddb_entity__pager *p, int offset,
                             const char *cursor, const char *context, ddb_error *err);

/* Whether obj holds a value for field f (a required list always does). */
bool ddb_entity__field_present(const ddb_field_desc *f, const void *obj);

/* Whether key k of d is built from any of the n given field indexes (through computed fields
 * too). */
bool ddb_entity__key_uses(const ddb_entity_desc *d, const ddb_key_desc *k, const size_t *fields,
                          size_t n);

/* ---- computed fields (computed.c) ---- */

/* The computed descriptor of field index `field`, or NULL when it is not computed. */
const ddb_computed_desc *ddb_entity__computed_of(const ddb_entity_desc *d, int field);

/*
 * Appends the text of template part p of obj to buf (cap bytes, *len used): a literal, a field's
 * text, or a computed field's template expanded. When a field has no value, *missing gets its
 * index and nothing is appended. Reading (!writing), a computed field whose template cannot be
 * filled gives its own value when it has one (a lookup by the whole value). `what` names the
 * key in messages. Returns 0, DDB_ERR_LIMIT or DDB_ERR_INVALID_ARG.
 */
int ddb_entity__part_text(char *buf, size_t cap, size_t *len, const ddb_entity_desc *d,
                          const ddb_key_part *p, const void *obj, bool writing, int *missing,
                          const char *what, ddb_error *err);

/* The item value of computed field cd for obj (*out NULL, *missing >= 0 when a field of its
 * template has no value). */
int ddb_entity__computed_item_value(ddb_value **out, const ddb_entity_desc *d,
                                    const ddb_computed_desc *cd, const void *obj, int *missing,
                                    ddb_error *err);

/* Whether parts[0..n) use one of fields[0..n_fields), directly or through computed fields. */
bool ddb_entity__uses_field(const ddb_entity_desc *d, const ddb_key_part *parts, size_t n,
                            const size_t *fields, size_t n_fields, int depth);

#endif
