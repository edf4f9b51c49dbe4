/*
 * ddb/dal/route.h - the migration router's policy, for the router that `ddbkit generate` emits
 * (<ns>_router.c). The generated router is data (a ddb_route_model and one ddb_route_member per
 * member of the repository interface) plus one typed wrapper per member; everything a routed
 * call does is decided here: which side is called for the phase, the counting and timing, the
 * phase 3 sampling and comparison, the versions kept in lockstep, and the journal on a failed
 * DynamoDB write. Replay, backfill and the full comparison are here too, as loops over the
 * model's entity types. The schema-free pieces they use (phase, counters, journal, diff) are in
 * ddb/dal/router.h.
 *
 * A storage member's wrapper is one call of ddb_route_storage. An access pattern's wrapper does
 * not know the policy either: it calls its member on whichever side ddb_route_next hands it, as
 * often as it is told, with the output and error it is given:
 *
 *     ddb_route_call c = ddb_route_start(route, &member, out, found, arg, err);
 *     for (ns__repo *s; (s = ddb_route_next(&c)) != NULL;)
 *         c.rc = s->member(s, c.out, c.found, params..., c.err);
 *     return ddb_route_end(&c);
 *
 * Thread safety: a ddb_route is used by many threads at once (as ddb_router is); a
 * ddb_route_call belongs to the thread that started it.
 */
#ifndef DDB_ROUTE_H
#define DDB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/dal/entity.h"
#include "ddb/dal/router.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the model, as data ---------------------------------------------------------------------- */

/* Where a generated page struct ({size_t n_items; T *items; char *cursor;}) keeps its parts. */
typedef struct ddb_route_page_layout {
    size_t size;
    size_t n_items;
    size_t items;
    size_t cursor;
} ddb_route_page_layout;

#define DDB_ROUTE_PAGE_LAYOUT(T)                                                                   \
    {                                                                                              \
        sizeof(T), offsetof(T, n_items), offsetof(T, items), offsetof(T, cursor)                   \
    }

/* The storage members every entity type has, in the repository interface. */
typedef enum ddb_route_op {
    DDB_ROUTE_OP_CREATE = 1,
    DDB_ROUTE_OP_GET,
    DDB_ROUTE_OP_UPDATE,
    DDB_ROUTE_OP_DELETE,
    DDB_ROUTE_OP_LIST,
    DDB_ROUTE_OP_MIRROR
} ddb_route_op;

/* The arguments of a storage member, by op. */
typedef struct ddb_route_args {
    void *out;           /* GET: the entity; LIST: the entity's page */
    bool *found;         /* GET */
    void *obj;           /* CREATE, UPDATE: the entity written (its ID and version come back) */
    const void *key;     /* GET, MIRROR: the key; DELETE: the entity */
    const void *value;   /* MIRROR: the entity to store (NULL: remove it) */
    const void *request; /* LIST: the <ns>__page_request; NULL: cursor and limit below */
    const char *cursor;
    int limit;
} ddb_route_args;

/*
 * The generated router's one adapter: storage member op of entity type `kind` (<ns>__kind) on
 * one side (repo is that side's <ns>__repo), called with a's arguments. It serves the routed
 * storage members (ddb_route_storage) and re-reads, replay, backfill and compare_all.
 */
typedef int (*ddb_route_storage_fn)(void *repo, int kind, ddb_route_op op, const ddb_route_args *a,
                                    ddb_error *err);

/* The model's max_id and seed_id on one side; kind is the <ns>__kind. */
typedef int (*ddb_route_max_id_fn)(void *repo, int kind, int64_t *out, ddb_error *err);
typedef int (*ddb_route_seed_id_fn)(void *repo, int kind, int64_t floor, ddb_error *err);

/*
 * What the bulk paths (backfill, compare_all) need of the DynamoDB side for entity type kind:
 * its client, its table (prefixed) and its store descriptor, all borrowed from the repository.
 */
typedef struct ddb_route_bulk_target {
    ddb_client *client;
    const char *table;
    const ddb_store_desc *store;
} ddb_route_bulk_target;

/* Fills *out for entity type kind of repo (the DynamoDB side), or returns DDB_ERR_INVALID_ARG. */
typedef int (*ddb_route_bulk_target_fn)(void *repo, int kind, ddb_route_bulk_target *out,
                                        ddb_error *err);

typedef struct ddb_route_entity {
    const ddb_entity_desc *desc;
    ddb_route_page_layout page; /* <ns>__<entity>__page */
    bool seeds_ids; /* its IDs are allocated (id_strategy source or counter): phase 5 seeds them */
} ddb_route_entity;

typedef struct ddb_route_model {
    const char *name; /* the namespace: the prefix of the router's log lines */
    size_t n_entities;
    const ddb_route_entity *entities; /* indexed by <ns>__kind - 1 */
    /* <ns>__mixed_page and its <ns>__item {kind; union as}; mixed_page.size 0: none */
    ddb_route_page_layout mixed_page;
    size_t item_size, item_kind, item_kind_size, item_as;
    size_t request_cursor; /* offsetof(<ns>__page_request, cursor) */
    ddb_route_storage_fn storage;
    ddb_route_max_id_fn max_id;
    ddb_route_seed_id_fn seed_id;
    /* NULL (code generated before it): backfill and compare_all go row by row */
    ddb_route_bulk_target_fn bulk_target;
} ddb_route_model;

/* ---- members --------------------------------------------------------------------------------- */

/*
 * How a member is routed. Reads go to DynamoDB from phase 4 on and to the relational side
 * before; writes go to the relational side first in phases 1-4 and to DynamoDB as well in
 * phases 2-4 (DynamoDB alone in phase 5). A failed relational write fails the call; a failed
 * DynamoDB write is logged, counted and journaled, and the relational result stands, unless the
 * config's on_secondary_failure for the phase says FAIL (the call returns DynamoDB's error; the
 * relational write has happened) or STOP (the router drops back one phase). A phase 3 read is
 * compared when sampled (sample_by), under the config's field rules; with fail_on_mismatch a
 * mismatch fails it with DDB_ERR_MISMATCH, its output filled. A DynamoDB call after the
 * relational one that takes longer than secondary_timeout_ms is counted as slow.
 */
typedef enum ddb_route_kind {
    DDB_ROUTE_READ = 1,     /* a read that is not compared (a transactional read) */
    DDB_ROUTE_GET,          /* a read of one entity (out, found), compared in phase 3; arg: the key
                           to re-read by (NULL: the entity read) */
    DDB_ROUTE_PAGE,         /* a read of a page (out: the entity's page, or the mixed page with
                           DDB_ROUTE_F_MIXED), compared in phase 3; arg: the page request with
                           DDB_ROUTE_F_PAGED (a cursor is the relational side's: DynamoDB's
                           entities are then read by key) */
    DDB_ROUTE_WRITE,        /* a write; arg: the entity whose key is journaled */
    DDB_ROUTE_UPDATE,       /* a storage update of a versioned entity (ddb_route_storage):
                               DynamoDB gets the version the relational call started from, so
                               both sides keep one version */
    DDB_ROUTE_UPDATE_FOUND, /* a write by key that returns (out, found): DynamoDB's result goes
                               to a buffer of its own; its key is journaled from out */
    DDB_ROUTE_FLAG,         /* a write by key parameters that says (found) whether it applied: a
                        DynamoDB failure, or a different answer, journals a resync of the type */
    DDB_ROUTE_ITEMS,        /* a write of n_items entities at arg (an array): each is journaled */
    DDB_ROUTE_MANY,         /* a write of the objects set in the call (a transaction) */
    DDB_ROUTE_MODEL         /* max_id, seed_id: DynamoDB's in phase 5, else the relational side's */
} ddb_route_kind;

#define DDB_ROUTE_F_PARTIAL 0x1u    /* the index projects some fields only: never compared */
#define DDB_ROUTE_F_MIXED 0x2u      /* PAGE: out is the model's mixed page */
#define DDB_ROUTE_F_PAGED 0x4u      /* PAGE: arg is a page request */
#define DDB_ROUTE_F_ABSENT_OK 0x8u  /* WRITE: DynamoDB's DDB_ERR_ITEM_NOT_FOUND is success */
#define DDB_ROUTE_F_WRITE 0x10u     /* MODEL: counted as a write */
#define DDB_ROUTE_F_SECONDARY 0x20u /* WRITE: the wrapper calls another member on DynamoDB */
#define DDB_ROUTE_F_CREATE                                                                         \
    0x40u /* WRITE: may create the entity, whose ID the relational
                                       side then assigns (seeds_ids): its key is not known
                                       before the call */

typedef struct ddb_route_member {
    const char *name; /* in log lines and journal entries: "create", "user__create_user" */
    ddb_route_kind kind;
    int entity; /* its entity type (<ns>__kind); 0: the model */
    unsigned flags;
} ddb_route_member;

/* One entity a DDB_ROUTE_MANY call writes. desc NULL: skipped; obj NULL: journaled as a resync
 * of desc's type; versioned: its version is kept in lockstep as DDB_ROUTE_UPDATE does. */
typedef struct ddb_route_object {
    const ddb_entity_desc *desc;
    void *obj;
    bool versioned;
} ddb_route_object;

/* ---- the router ------------------------------------------------------------------------------ */

typedef struct ddb_route {
    ddb_router *state;
    void *rel; /* the relational primary's <ns>__repo (borrowed) */
    void *ddb; /* the DynamoDB implementation's (borrowed) */
    const ddb_route_model *model;
    struct ddb_route_bulk *bulk; /* the runtime's: the keys written while a backfill runs */
} ddb_route;

/*
 * Sets up r over the two repositories with a new ddb_router from cfg (cfg->name is replaced by
 * the model's). The config's field rules are checked against the model's entities: an unknown
 * entity, a field the entity lacks (with entity NULL: that no entity has), a cleaner on a field
 * of another kind, or a rule other than IGNORE on the version attribute is DDB_ERR_INVALID_ARG,
 * "router field rule <index> (<entity|*>.<field>): ...". Starting in phase 5 seeds the IDs as a
 * switch does. Returns 0 or what ddb_router_new, the rules' check or the seeding returned; r
 * holds nothing then.
 */
DDB_API int ddb_route_init(ddb_route *r, const ddb_route_model *m, void *rel, void *ddb,
                           const ddb_router_config *cfg, ddb_error *err);
DDB_API void ddb_route_fini(ddb_route *r); /* NULL-safe */

/*
 * Switches the phase. Switching to 5 first seeds DynamoDB's ID counters above the highest
 * relational ID of every entity that seeds_ids (an entity whose IDs are not integers is logged
 * and skipped); when that fails the phase stays as it was.
 */
DDB_API int ddb_route_set_phase(ddb_route *r, int phase, ddb_error *err);

/*
 * Replays the journal: for each key, the relational entity mirrored to DynamoDB (removed there
 * when the relational side lacks it); for a resync, every entity of the type mirrored and
 * DynamoDB's extras removed. The replayed lines leave the journal once all succeeded.
 */
DDB_API int ddb_route_replay(ddb_route *r, size_t *replayed, ddb_error *err);

/* Mirrors every relational entity into DynamoDB: ddb_route_backfill_with, default options. */
DDB_API int ddb_route_backfill(ddb_route *r, ddb_error *err);

/* Compares every entity on both sides: ddb_route_compare_all_with, default options. */
DDB_API int ddb_route_compare_all(ddb_route *r, size_t *differences, ddb_error *err);

#define DDB_ROUTE_BULK_OPTIONS_VERSION 1

/* Options of the bulk paths (docs/design/bulk-paths.md). Fields are only ever appended; 0 means
 * the default. */
typedef struct ddb_route_bulk_options {
    unsigned version;
    /* backfill: the last key done per entity type, rewritten after each page; an existing file
       is resumed from, and removed when the backfill completes. NULL: none. */
    const char *checkpoint_path;
    double items_per_second; /* backfill: the write budget (sentinels count); 0: unbounded */
    size_t max_in_flight;    /* BatchWriteItem or Scan requests at once; default 32 */
    int page_rows;           /* relational rows per keyset page; default 2000 */
    size_t max_rows;         /* compare_all: relational rows held at once; default 500000 */
    int segments;            /* compare_all: Scan segments; default 16 */
    bool progress;           /* rows, rate and ETA on stderr, when stderr is a terminal */
} ddb_route_bulk_options;

#define DDB_ROUTE_BULK_OPTIONS_INIT                                                                \
    {                                                                                              \
        .version = DDB_ROUTE_BULK_OPTIONS_VERSION                                                  \
    }

/* What a bulk run did. */
typedef struct ddb_route_bulk_stats {
    uint64_t rows;       /* relational rows read */
    uint64_t items;      /* DynamoDB items written (sentinels included) or scanned */
    uint64_t remirrored; /* backfill: rows written by the router meanwhile, checked again */
    uint64_t throttled;  /* backfill: pages sent again after throttling */
    double seconds;
    uint64_t repaired; /* backfill: of remirrored, those the batch had left older */
} ddb_route_bulk_stats;

/*
 * Mirrors every relational entity into DynamoDB. With the model's bulk_target: the relational
 * side is read in key order in keyset pages, each entity turned into its item and its
 * unique-value sentinels (as ddb_store_mirror writes them) and written with BatchWriteItem,
 * max_in_flight requests at once; the keys that routed writes touch meanwhile are stored again
 * afterwards where DynamoDB's is older than the row (a conditional write on the version), pass
 * after pass until one repairs nothing, so no item ends older than its row. Without
 * it: one mirror per row. Idempotent. opts and stats may be NULL. Returns 0, DDB_ERR_INVALID_ARG
 * (bad options), an I/O error of the checkpoint, or the first failing write's code.
 */
DDB_API int ddb_route_backfill_with(ddb_route *r, const ddb_route_bulk_options *opts,
                                    ddb_route_bulk_stats *stats, ddb_error *err);

/*
 * Compares every entity on both sides; each difference (missing, extra, differing under the
 * field rules) is a mismatch (ddb_router_compare). With the model's bulk_target: a parallel
 * Scan of each entity's table hash-joined with the relational side, which is held at most
 * max_rows rows at a time (the rows are split by a hash of their key into as many partitions as
 * that takes, one Scan each). Without it: one get per entity. opts and stats may be NULL.
 */
DDB_API int ddb_route_compare_all_with(ddb_route *r, const ddb_route_bulk_options *opts,
                                       size_t *differences, ddb_route_bulk_stats *stats,
                                       ddb_error *err);

/* ---- one routed call ------------------------------------------------------------------------- */

typedef struct ddb_route_call {
    /* The wrapper's: pass these to the side's member, and store its result in rc. */
    void *out;
    bool *found;
    ddb_error *err;
    int rc;
    bool secondary; /* this call is DynamoDB's after the relational one */
    /* Set after ddb_route_start: DDB_ROUTE_ITEMS's count, DDB_ROUTE_MANY's objects. */
    size_t n_items;
    const ddb_route_object *objects;
    size_t n_objects;
    /* The runtime's. */
    ddb_route *route;
    const ddb_route_member *member;
    void *caller_out;
    bool *caller_found;
    ddb_error *caller_err;
    const void *arg;
    int phase, step, result;
    double t0;
    void *other;
    bool other_found, done_rel, done_ddb;
    int64_t version_before;
    int64_t *versions; /* DDB_ROUTE_MANY: before, then after, per object */
    uint64_t intent;   /* the intent record of a dual write (ddb_router_intent) */
    void *updated;     /* DDB_ROUTE_UPDATE: the caller's entity, whose version is rewritten */
    ddb_error serr;
} ddb_route_call;

/*
 * Routes storage member op of entity type kind: the whole call, as ddb_route_start, _next and
 * _end would with the model's storage adapter. Returns the member's result, or
 * DDB_ERR_INVALID_ARG for an unknown kind or op.
 */
DDB_API int ddb_route_storage(ddb_route *r, int kind, ddb_route_op op, const ddb_route_args *a,
                              ddb_error *err);

/* Starts a routed call of member m: out, found and arg as the member's kind says (NULL when it
 * has none), err the caller's. */
DDB_API ddb_route_call ddb_route_start(ddb_route *r, const ddb_route_member *m, void *out,
                                       bool *found, const void *arg, ddb_error *err);

/* The side to call next (the <ns>__repo to pass as the member's first argument), or NULL when
 * the call is complete. */
DDB_API void *ddb_route_next(ddb_route_call *c);

/* The call's result (the relational one in phases 1-4), after freeing what the call held. */
DDB_API int ddb_route_end(ddb_route_call *c);

#ifdef __cplusplus
}
#endif

#endif /* DDB_ROUTE_H */
