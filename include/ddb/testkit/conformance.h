/*
 * ddb/testkit/conformance.h - the model-independent half of the conformance suites that `ddbkit generate`
 * emits (<ns>_conformance.c).
 *
 * A generated suite holds only what depends on the model: how to make each entity, and one case
 * function per CRUD set and access pattern. Everything else lives here and is tested once: the
 * state of the running case (ddb_conf), made-up and run-unique values, the checks that record a
 * failure ("FAIL <case> (<pattern>): <what differed>"), entity comparison and copying, the
 * bookkeeping of listings (content, order, pages), the clean-up of what a case wrote, and the
 * driver that runs the cases of a suite and counts them.
 *
 * Thread safety: a ddb_conf belongs to one thread, which runs one case at a time on it. The
 * functions keep no global state, so cases on different ddb_conf may run in parallel (when the
 * repository under test allows it).
 *
 * Ownership: strings returned by the value makers (ddb_conf_text and the like) belong to the
 * caller, who frees them with free(); generated makers store them in entities, which
 * ddb_entity_free releases. The repository pointer in ddb_conf is borrowed and never dereferenced
 * here.
 */
#ifndef DDB_CONFORMANCE_H
#define DDB_CONFORMANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"
#include "ddb/dal/entity.h"

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many pages are followed: a cursor that never ends fails the case. */
#define DDB_CONF_MAX_PAGES 10000
/* Entities a case may write (deleted at its end). */
#define DDB_CONF_MAX_WRITTEN 256
/* Entities created because others refer to them (x-ddbkit references), per case. */
#define DDB_CONF_MAX_DEPS 400
/* Item numbers of referenced entities: above those of the case's own items. */
#define DDB_CONF_DEP_ITEM 500
/* References a case keeps for its own items. */
#define DDB_CONF_MAX_REFS 64
/* Entities one listing can expect. */
#define DDB_CONF_LISTING_MAX 64

/* ---- options, reports, case tables ----------------------------------------------------------- */

/* Options of the runs; NULL means defaults. Generated suites name it <ns>__conformance_options. */
typedef struct ddb_conformance_options {
    unsigned version;   /* 1 */
    const char *run_id; /* starts every key value written: letters, digits, '-', '_',
                           up to 40; NULL: "conf" */
    int page_limit;     /* items per page when following cursors; 0: 2 */
    void (*log)(void *ctx, const char *line); /* one line per failure; NULL: stderr */
    void *log_ctx;
} ddb_conformance_options;

#define DDB_CONFORMANCE_OPTIONS_INIT                                                               \
    {                                                                                              \
        1, NULL, 0, NULL, NULL                                                                     \
    }

/* What a run did. */
typedef struct ddb_conformance_report {
    size_t n_run, n_passed, n_failed;
    char first_failure[1024]; /* "FAIL <case> (<pattern>): <what differed>"; "" when none */
} ddb_conformance_report;

/* One case of a suite. */
typedef struct ddb_conformance_case {
    const char *name;    /* "<Entity>.<pattern>" or "<Entity>.crud" */
    const char *entity;  /* the model's entity name */
    const char *pattern; /* the access pattern's name, or "crud" */
    const char *checks;  /* what it checks */
} ddb_conformance_case;

/* An access pattern a suite does not exercise, and why. */
typedef struct ddb_conformance_gap {
    const char *entity;
    const char *pattern;
    const char *reason;
} ddb_conformance_gap;

/* ---- the running case -------------------------------------------------------------------------- */

/* An ID that a reference holds: integer IDs in n, any other as text in s (owned). */
typedef struct ddb_conf_ref {
    int64_t n;
    char *s;
} ddb_conf_ref;

/* The entity kinds being created, innermost first: a dependency of a dependency... */
typedef struct ddb_conf_chain {
    int kind;
    const struct ddb_conf_chain *up;
} ddb_conf_chain;

/*
 * The state of the running case. ddb_conformance_run_case sets it up, the case function works
 * on it, and the driver cleans up after it. The fields are read by generated cases; only the
 * functions below write them.
 */
typedef struct ddb_conf {
    void *repo; /* the implementation under test (<ns>__repo *), borrowed */
    const char *run;
    int page_limit;
    unsigned case_index;
    uint32_t hash; /* of the run id */
    int64_t base;  /* integer keys: base + case * 1000 + item */
    const char *case_name, *pattern;
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    bool failed;
    char first[1024];
    size_t n_written; /* entities written, deleted at the end */
    struct {
        const ddb_entity_desc *d;
        void *obj;
    } written[DDB_CONF_MAX_WRITTEN];
    unsigned n_deps; /* referenced entities created: items DDB_CONF_DEP_ITEM + n */
    size_t n_refs;   /* the references of the case's own items, by item */
    struct {
        int owner, field, item;
        ddb_conf_ref v;
    } refs[DDB_CONF_MAX_REFS];
} ddb_conf;

/* ---- running a suite ----------------------------------------------------------------------------- */

/*
 * A generated suite, as the driver sees it: its case table, the function of each case (same
 * order), and how to delete an entity the cases wrote. All of it static, read-only data.
 */
typedef struct ddb_conformance_suite {
    const ddb_conformance_case *cases;
    size_t n_cases;
    void (*const *case_fns)(ddb_conf *c);
    /* deletes obj (an entity of d, version 0: unchecked) through repo; errors are ignored, as
       the case may have deleted it itself */
    void (*delete_entity)(void *repo, const ddb_entity_desc *d, void *obj);
} ddb_conformance_suite;

/*
 * Runs case `index` of suite s against repo (borrowed), then deletes what it wrote. The counts
 * are added to *out (may be NULL; start it zeroed) and out->first_failure is set by the first
 * failure. Returns 1 when the case failed, 0 when it passed, DDB_ERR_INVALID_ARG when repo is
 * NULL, index is out of range or the options are not usable (o NULL: defaults).
 */
DDB_API int ddb_conformance_run_index(const ddb_conformance_suite *s, void *repo, size_t index,
                                      const ddb_conformance_options *o,
                                      ddb_conformance_report *out);

/* Runs every case of s in order, adding to *out likewise. Returns the number of failed cases,
 * or DDB_ERR_INVALID_ARG as ddb_conformance_run_index. */
DDB_API int ddb_conformance_run(const ddb_conformance_suite *s, void *repo,
                                const ddb_conformance_options *o, ddb_conformance_report *out);

/* Runs the case named name (ddb_conformance_case.name); returns as ddb_conformance_run_index,
 * and DDB_ERR_INVALID_ARG for an unknown name. */
DDB_API int ddb_conformance_run_case(const ddb_conformance_suite *s, void *repo, const char *name,
                                     const ddb_conformance_options *o, ddb_conformance_report *out);

/* ---- failures and checks -------------------------------------------------------------------------- */

/*
 * Records a failure of the running case: one line "FAIL <case> (<pattern>): <what>", passed to
 * the log callback (stderr without one) and kept as c->first when it is the case's first.
 * Always returns false, so a check can `return ddb_conf_fail(...)`.
 */
#if defined(__GNUC__) || defined(__clang__)
DDB_API bool ddb_conf_fail(ddb_conf *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#else
DDB_API bool ddb_conf_fail(ddb_conf *c, const char *fmt, ...);
#endif

/* Each check returns true when it holds; otherwise it records a failure naming `step` and what
 * differed, and returns false. err (borrowed) gives the message of an unexpected error. */
DDB_API bool ddb_conf_expect_rc(ddb_conf *c, const char *step, int rc, int want,
                                const ddb_error *err);
/* found: whether a read found the entity. */
DDB_API bool ddb_conf_expect_found(ddb_conf *c, const char *step, bool found, bool want);
/* got: a success flag (done, exists). */
DDB_API bool ddb_conf_expect_flag(ddb_conf *c, const char *step, bool got, bool want);
/* got: an entity's ddb_version. */
DDB_API bool ddb_conf_expect_version(ddb_conf *c, const char *step, int64_t got, int64_t want);
/* A cancelled transaction of n operations in which operation `failed` (only) failed: rc is
 * DDB_ERR_TRANSACTION_CANCELED, err has n reasons, "ConditionalCheckFailed" at `failed` and
 * "None" (or none) elsewhere. */
DDB_API bool ddb_conf_expect_cancelled(ddb_conf *c, const char *step, int rc, const ddb_error *err,
                                       size_t n, size_t failed);

/*
 * Whether got, an entity of d read back from the implementation, holds what want, the struct
 * that was written, holds: field by field through the descriptor, never through an item, so a
 * serializer that drops or spoils a field cannot hide it by spoiling both sides alike. Optional
 * values must be absent on both sides or present and equal on both; decimals compare as numbers
 * ("12.50" is 12.5), objects as values, lists element by element. Two rules:
 *  - the version member is not a field and is not compared: the cases check it with
 *    ddb_conf_expect_version where they know the number it must have;
 *  - a field that a key attribute of the same name overwrites with its template's value (a
 *    derived field: the template is not exactly "{field}") must hold that template's value,
 *    built from want; so must a computed field (x-ddbkit.computed) its template's value: it
 *    is derived, never data the test wrote.
 * When they differ, out (n bytes; may be NULL) gets "<Entity> field '<name>' is <got>, expected
 * <want>" for the first field that differs, values written as C literals ("text", 12, 12.25,
 * true, [..]), objects as AttributeValue JSON, "(absent)" for no value.
 */
DDB_API bool ddb_conf_entity_equal(char *out, size_t n, const ddb_entity_desc *d, const void *want,
                                   const void *got);

/*
 * want and got (entities of d) hold the same entity: ddb_conf_entity_equal (full), or the same
 * primary key (!full: a projection). The failure is "<step>: <what ddb_conf_entity_equal says>".
 */
DDB_API bool ddb_conf_same_entity(ddb_conf *c, const char *step, const ddb_entity_desc *d,
                                  const void *want, const void *got, bool full);

/* Whether a and b (entities of d) have the same values in the fields named (model names), as
 * ddb_conf_entity_equal compares them; a field either lacks differs. *differs gets the first
 * that differs. Records nothing. */
DDB_API bool ddb_conf_same_fields(const ddb_entity_desc *d, const void *a, const void *b,
                                  const char *const *names, size_t n, const char **differs);

/* v as AttributeValue JSON in out (n bytes, truncated): "(absent)" for NULL. */
DDB_API void ddb_conf_json_of(char *out, size_t n, const ddb_value *v);

/* ---- entities ---------------------------------------------------------------------------------- */

/* *dst (zeroed, of d) becomes a deep copy of src, version included, made field by field from
 * the descriptor (no item). The caller frees it with ddb_entity_free. Returns 0, or
 * DDB_ERR_NOMEM with dst untouched. */
DDB_API int ddb_conf_entity_copy(void *dst, const ddb_entity_desc *d, const void *src);

/* ddb_conf_entity_copy in a case: a failure is recorded and returns false. */
DDB_API bool ddb_conf_clone(ddb_conf *c, const ddb_entity_desc *d, void *dst, const void *src);

/* Every optional field of obj (of d) that no primary key template uses loses its value, so
 * that a case can write and read the entity with its optional values absent. */
DDB_API void ddb_conf_clear_optional(const ddb_entity_desc *d, void *obj);

/* The fields named (model names) of dst (of d) take the values of the same fields of src (of
 * ds), copied field by field (a string field and a UUID, integer or decimal one convert through
 * their text); a field src lacks is cleared. dst keeps its version. Key attributes built from
 * key fields are rebuilt when dst is written. */
DDB_API void ddb_conf_copy_fields_from(const ddb_entity_desc *d, void *dst,
                                       const ddb_entity_desc *ds, const void *src,
                                       const char *const *names, size_t n);

/* ddb_conf_copy_fields_from with src of the same type. */
DDB_API void ddb_conf_copy_fields(const ddb_entity_desc *d, void *dst, const void *src,
                                  const char *const *names, size_t n);

/* Keeps a copy of obj (of d), which the case wrote, so that the driver deletes it at the end of
 * the case. More than DDB_CONF_MAX_WRITTEN is a failure (it would stay in the store). */
DDB_API void ddb_conf_remember(ddb_conf *c, const ddb_entity_desc *d, const void *obj);

/* ---- values -------------------------------------------------------------------------------------- */

/* A copy of s (free()); NULL when out of memory. */
DDB_API char *ddb_conf_text(const char *s);
/* A made-up string: "<label>-<i>-<j>". */
DDB_API char *ddb_conf_label_text(const char *label, int i, int j);
/* A made-up UUID for item i, list element j. */
DDB_API char *ddb_conf_uuid_text(int i, int j);
/* a followed by b, in a new string (range values). */
DDB_API char *ddb_conf_joined(const char *a, const char *b);
/* A key string unique to this run, case and item: "<run>-c<case>-<i>-<value>". */
DDB_API char *ddb_conf_key_text(const ddb_conf *c, int i, const char *value);
/* A key number unique to this run, case and item, growing with i. */
DDB_API int64_t ddb_conf_key_int(const ddb_conf *c, int i);
/* The string value of key attribute `key` of obj (of d), as its template builds it, in a new
 * string (free()); NULL when it is not a string or out of memory. A whole key attribute
 * parameter takes it. */
DDB_API char *ddb_conf_key_attribute_text(const ddb_entity_desc *d, size_t key, const void *obj);
/* *d (empty) gets value, or the made-up "<10 + i>.25" when value is NULL. */
DDB_API void ddb_conf_set_decimal(ddb_decimal *d, const char *value, int i);
/* *d (empty) gets ddb_conf_key_int(c, i). */
DDB_API void ddb_conf_key_decimal(const ddb_conf *c, int i, ddb_decimal *d);
/* out (37 bytes) gets value, or a made-up UUID for item i when value is NULL. */
DDB_API void ddb_conf_set_uuid(char *out, const char *value, int i);
/* out (37 bytes) gets a UUID unique to this run, case and item. */
DDB_API void ddb_conf_key_uuid(const ddb_conf *c, int i, char *out);
/* A value from its AttributeValue JSON (object fields), owned by the caller; NULL when the JSON
 * is not one. */
DDB_API ddb_value *ddb_conf_object_value(const char *json);

/* ---- references (x-ddbkit references) ------------------------------------------------------------ */

/* Whether kind is being created somewhere up the chain ch. */
DDB_API bool ddb_conf_on_chain(const ddb_conf_chain *ch, int kind);

/* The ID that field `field` of item i of kind `owner` refers to, when that item was made before
 * in this case (making an item twice gives the same references, and so the same key when
 * references are part of it); NULL otherwise. Borrowed: valid until the case ends. */
DDB_API const ddb_conf_ref *ddb_conf_ref_find(ddb_conf *c, int owner, size_t field, int i);

/* Keeps *v (its text moves: v->s becomes NULL) as the reference of field `field` of item i of
 * kind owner; returns the kept copy (borrowed), or NULL with a failure recorded when the case
 * keeps DDB_CONF_MAX_REFS already. */
DDB_API const ddb_conf_ref *ddb_conf_ref_keep(ddb_conf *c, int owner, size_t field, int i,
                                              ddb_conf_ref *v);

/* ---- listings (Query, Scan, mixed_data) ---------------------------------------------------------- */

/* What a listing case expects and what it saw. Set up with ddb_conf_listing_start; the case may
 * then mark items dropped (the filter leaves them out), clear check_pages, and set open_names;
 * it counts pages itself. */
typedef struct ddb_conf_listing {
    size_t n_want;
    const ddb_entity_desc *d[DDB_CONF_LISTING_MAX]; /* the entities written, of any type */
    const void *want[DDB_CONF_LISTING_MAX];
    bool exact;      /* a query: nothing else may come back */
    bool full;       /* all attributes are projected */
    int sort_key;    /* key index of the order, -1: none */
    bool descending; /* the order is descending (scan_index_forward false) */
    bool seen[DDB_CONF_LISTING_MAX];
    bool dropped[DDB_CONF_LISTING_MAX]; /* the filter must leave these out */
    bool check_pages;                   /* enough items for 3 pages: expect 3 pages */
    /* the partition is shared by value (a key field from the usage data, such as a status):
       items of other writers may come back, but each must have these fields' values of
       want[0]; n_open 0: nothing but the case's items may come back (when exact) */
    const char *const *open_names;
    size_t n_open;
    ddb_value *prev; /* the previous item's sort key (owned; ddb_conf_listing_end frees it) */
    size_t pages, n_got;
} ddb_conf_listing;

/* l expects the n_want entities of d at want (an array of elements of `size` bytes, borrowed
 * until ddb_conf_listing_end). */
DDB_API void ddb_conf_listing_start(ddb_conf_listing *l, const ddb_entity_desc *d, const void *want,
                                    size_t size, size_t n_want, bool exact, bool full,
                                    int sort_key);

/* One more entity expected (of another type: mixed_data); obj is borrowed likewise. */
DDB_API void ddb_conf_listing_more(ddb_conf_listing *l, const ddb_entity_desc *d, const void *obj);

/* An item that came back (got, of d, borrowed): matched to the one written with its key and
 * compared, checked against the filter and the sort order; what is wrong is recorded. */
DDB_API void ddb_conf_listing_add(ddb_conf *c, ddb_conf_listing *l, const ddb_entity_desc *d,
                                  const void *got);

/* The listing is over: every item written (and not dropped) must have come back, and enough
 * items in 3 pages or more when check_pages. Frees l->prev. */
DDB_API void ddb_conf_listing_end(ddb_conf *c, ddb_conf_listing *l);

#ifdef __cplusplus
}
#endif

#endif
