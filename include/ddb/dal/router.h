/*
 * ddb/dal/router.h - the schema-free part of the migration router that `ddbkit generate` emits
 * (<ns>_router.c): the phase, the counters and their events, the log lines, the repair journal
 * and the attribute-by-attribute comparison of two entities.
 *
 * The generated router is a <ns>__repo over a relational primary and the DynamoDB
 * implementation; it decides per call which side to use from ddb_router_phase, and reports
 * through the functions here. Phases (docs/design, "Migration phases"):
 *   1 relational only; 2 writes both (relational first), reads relational; 3 writes both, reads
 *   both and compares, returns relational; 4 writes both, reads DynamoDB; 5 DynamoDB only.
 *
 * Thread safety: every function may be called from several threads on one ddb_router at once
 * (the phase is atomic; counters and the journal are behind a mutex). ddb_router_free once, last.
 *
 * Ownership: what comes back through `**out` (and the journal's entries) belongs to the caller.
 */
#ifndef DDB_ROUTER_H
#define DDB_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"
#include "ddb/dal/entity.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddb_router ddb_router;

/* The two sides; an index into the per-side counters. */
typedef enum ddb_router_side { DDB_ROUTER_RELATIONAL = 0, DDB_ROUTER_DYNAMODB = 1 } ddb_router_side;

/* A line logger: one line, no newline, never a secret. */
typedef void (*ddb_router_log_fn)(void *ctx, const char *line);

#define DDB_ROUTER_CONFIG_VERSION 2

typedef struct ddb_router_config {
    unsigned version;         /* DDB_ROUTER_CONFIG_VERSION (1 is accepted: no compare_percent) */
    const char *name;         /* the model's namespace: the prefix of every log line */
    int phase;                /* 1..5 */
    const char *journal_path; /* the repair journal; NULL: failures are logged and counted only */
    ddb_event_fn on_event;    /* counters and latencies (see below); NULL: none */
    void *event_ctx;
    ddb_router_log_fn log; /* NULL: stderr */
    void *log_ctx;
    /*
     * Version 2. Phase 3 compares this percentage of reads (0..100; a version 1 config means
     * 100). Sampling is by call (a page is compared whole or not at all) and deterministic: a
     * counter shared by the router's threads selects exactly compare_percent calls of every 100,
     * evenly spread (10: the 1st, 11th, 21st... read). Production dual reads commonly sample to
     * bound the extra load on DynamoDB; tests keep 100.
     */
    int compare_percent;
} ddb_router_config;

/*
 * Counters since ddb_router_new. Sides are indexed by ddb_router_side. latency_ms sums every
 * call made on that side (reads and writes).
 */
typedef struct ddb_router_stats {
    int phase;
    uint64_t writes[2];
    uint64_t reads[2];
    double latency_ms[2];
    uint64_t mismatches;         /* phase 3 reads (and compare_all) that differed */
    uint64_t secondary_failures; /* DynamoDB writes that failed in phases 2-4 */
    uint64_t journal_entries;    /* lines appended to the journal */
    uint64_t phase_switches;
    /* appended */
    uint64_t compared_reads; /* phase 3 reads that were compared (see compare_percent) */
    uint64_t rechecked;      /* differences that a re-read of both sides found equal (a write
                                was in flight between the two reads): not mismatches */
    /* appended */
    uint64_t intents; /* intent records written before dual writes (ddb_router_intent) */
} ddb_router_stats;

/*
 * Creates the router state. The journal file is created when missing (mode 0600) and opened for
 * appending. Returns 0, DDB_ERR_INVALID_ARG (bad version, phase or compare_percent; the message
 * names it), DDB_ERR_CONFIG (the journal
 * cannot be opened; the message names the path) or DDB_ERR_NOMEM. *out is freed with
 * ddb_router_free.
 */
DDB_API int ddb_router_new(ddb_router **out, const ddb_router_config *cfg, ddb_error *err);
DDB_API void ddb_router_free(ddb_router *r); /* NULL-safe */

/* The current phase. A call reads it once and keeps it for all its steps. */
DDB_API int ddb_router_phase(const ddb_router *r);

/*
 * Switches the phase (1..5) and logs "<name>: phase <old> -> <new>". Returns 0 or
 * DDB_ERR_INVALID_ARG. Work that must happen before a switch (seeding IDs for phase 5) is the
 * caller's; ddb_router_lock_switch serialises it with other switches.
 */
DDB_API int ddb_router_set_phase(ddb_router *r, int phase, ddb_error *err);
DDB_API void ddb_router_lock_switch(ddb_router *r);
DDB_API void ddb_router_unlock_switch(ddb_router *r);

/* A copy of the counters. */
DDB_API void ddb_router_stats_get(ddb_router *r, ddb_router_stats *out);

/* Milliseconds on a monotonic clock, for the latency of one side's call. */
DDB_API double ddb_router_now_ms(void);

/*
 * Counts one call on one side and sends an event: operation "router.<side>.<read|write>"
 * (side "relational" or "dynamodb"), table_name the entity (or "model" for model-wide members),
 * latency_ms, error_code rc, attempts 1.
 */
DDB_API void ddb_router_record(ddb_router *r, ddb_router_side side, bool write, const char *entity,
                               double latency_ms, int rc);

/* Logs one line "<name>: <text>" through the log hook (printf-style). */
DDB_API void ddb_router_logf(ddb_router *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * A phase 3 mismatch: logs "<name>: mismatch <entity> key=<key JSON> fields=<fields>", counts it
 * and sends the event "router.mismatch". key may be NULL ("?").
 */
DDB_API void ddb_router_mismatch(ddb_router *r, const char *entity, const ddb_value *key,
                                 const char *fields);

/*
 * A DynamoDB write that failed in phases 2-4 while the relational one succeeded: logs
 * "<name>: secondary write failed: <entity>.<op> key=<key JSON|resync>: <CODE>: <message>",
 * counts it (event "router.secondary_failure"), and journals the key, or a resync of the whole
 * entity type when key is NULL (event "router.journal"). A journal that cannot be written is
 * logged too. err is the failed call's detail (may be NULL); it holds no credentials.
 */
DDB_API void ddb_router_secondary_failed(ddb_router *r, const char *entity, const char *op,
                                         const ddb_value *key, int rc, const ddb_error *err);

/*
 * ddb_router_secondary_failed for the entity obj of d: its key fields are journaled (a resync
 * of d's type when obj is NULL or its key is incomplete).
 */
DDB_API void ddb_router_write_failed(ddb_router *r, const ddb_entity_desc *d, const char *op,
                                     const void *obj, int rc, const ddb_error *err);

/*
 * Compares what the two sides returned for one key (NULL: not found on that side) and reports
 * a difference with ddb_router_mismatch: the differing fields, or "<absent from dynamodb>" /
 * "<absent from relational>". key_obj gives the key for the log line (may be NULL when both
 * entities are). Returns 0 when equal, 1 when they differ, or a negative ddb_error_code when
 * they cannot be compared (also logged).
 */
DDB_API int ddb_router_compare(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                               const void *dynamodb, const void *key_obj);

/*
 * Phase 3 sampling: whether this read is compared (see ddb_router_config.compare_percent).
 * Counts it in stats.compared_reads when it is. Call once per routed read.
 */
DDB_API bool ddb_router_sample(ddb_router *r);

/*
 * Reads the entity with key's primary key from one side, for a re-read or a missing page entry.
 * out is zeroed memory of d->size bytes (as from __INIT); *found tells whether it was there. The
 * generated router times and counts the call. Returns 0 or a ddb_error_code.
 */
typedef int (*ddb_router_get_fn)(void *ctx, ddb_router_side side, void *out, bool *found,
                                 const void *key, ddb_error *err);

/*
 * Phase 3 for one key: relational and dynamodb are what each side returned (NULL: not found);
 * key_obj gives the key (NULL: whichever entity is not NULL). When they differ, both sides are
 * read again by key through get, relational first (again 4 and 16 ms later while DynamoDB's
 * version is still behind), and the mismatch is reported (ddb_router_mismatch, with the fields
 * that still differ) only when the re-read differs too:
 * the router writes relational first, so a read that falls between another call's two writes
 * sees a difference that is gone a moment later (counted in stats.rechecked instead). A failed
 * re-read reports the first difference. Returns 0 equal, 1 mismatch reported, or a negative
 * ddb_error_code when they cannot be compared (logged).
 */
DDB_API int ddb_router_check(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                             const void *dynamodb, const void *key_obj, ddb_router_get_fn get,
                             void *get_ctx);

/*
 * Phase 3 for a page: rel[0..n_rel) the entities of d the relational side returned,
 * dyn[0..n_dyn) what DynamoDB returned for the same request (the same access pattern with the
 * same parameters), in any order and possibly covering other entities (pages may break at other
 * places). Each relational entity is matched by primary key with DynamoDB's; those DynamoDB's
 * page lacks are read with get; then each is checked as by ddb_router_check. DynamoDB's
 * entities absent from the relational page are not judged (they may belong to its next page).
 * Returns how many mismatches were reported, or a negative ddb_error_code (logged).
 */
DDB_API int ddb_router_check_page(ddb_router *r, const ddb_entity_desc *d, const void *const *rel,
                                  size_t n_rel, const void *const *dyn, size_t n_dyn,
                                  ddb_router_get_fn get, void *get_ctx);

/* ---- keys ---------------------------------------------------------------------------------- */

/*
 * The fields of the primary key templates of obj, as an item ({"account_id":{"N":"7"}}). Only
 * scalar fields can be key fields. Fails with DDB_ERR_INVALID_ARG naming the field when one has
 * no value. *out is the caller's.
 */
DDB_API int ddb_router_key_item(ddb_value **out, const ddb_entity_desc *d, const void *obj,
                                ddb_error *err);

/*
 * The reverse: sets the fields named in key (an item from ddb_router_key_item) in obj, which
 * must be fresh from __INIT; the caller frees obj with ddb_entity_free either way. Fails with
 * DDB_ERR_PROTOCOL naming the attribute when it is not a scalar field of d or has the wrong type.
 */
DDB_API int ddb_router_key_fill(void *obj, const ddb_entity_desc *d, const ddb_value *key,
                                ddb_error *err);

/* ---- comparison ----------------------------------------------------------------------------- */

/*
 * Compares a and b (two entities of d) attribute by attribute, as DynamoDB would store them:
 * both are converted with ddb_entity_to_item, then every field is compared with
 * ddb_value_equal (numbers by value, so "1.50" equals "1.5"; string and number sets in any
 * order) where an absent attribute equals a NULL one. The version attribute is compared too
 * (under its attribute name): the router keeps versions in lockstep, and a drift would make
 * optimistic locking fail once reads move to DynamoDB in phase 4.
 *
 * fields_out: receives NULL when they are equal, else the differing names joined with ","
 * (malloc'd, the caller's). n_out (may be NULL): how many differ. Fails with the conversion's
 * error when an entity cannot be converted.
 */
DDB_API int ddb_router_diff(char **fields_out, size_t *n_out, const ddb_entity_desc *d,
                            const void *a, const void *b, ddb_error *err);

/* ---- the repair journal ---------------------------------------------------------------------- */

/*
 * One journal line: {"kind":"Account","key":{"account_id":{"N":"7"}}} (the key fields as a
 * DynamoDB item) or {"kind":"Account","resync":true} (every entity of that type). Each line is
 * written with one write(2) and fsync'd before the call returns.
 */
typedef struct ddb_router_journal_entry {
    char *kind;     /* the entity's model name */
    ddb_value *key; /* NULL: resync the whole entity type */
} ddb_router_journal_entry;

typedef struct ddb_router_journal {
    size_t n;
    ddb_router_journal_entry *entries;
    long long end; /* bytes of the file these entries came from */
    /* appended: the file's identity at load; a rewrite since (a compaction) keeps every line */
    unsigned long long file_id;
} ddb_router_journal;

/*
 * Crash safety for a dual write. Before the primary write of a call whose secondary write will
 * follow, the router records what the call is about to change: one intent line per entity,
 * {"kind":"Account","key":{...},"intent":"<id>"} (key NULL: {"kind":...,"resync":true,
 * "intent":"<id>"}, for writes whose key the caller does not know yet), written with one
 * write(2) and fsync'd before the primary write starts. Once the secondary write has succeeded
 * (or nothing was written), ddb_router_intent_done appends {"done":"<id>"}, not fsync'd: a lost
 * done line only makes a replay copy an entity that was already equal. A process killed between
 * the two writes leaves its intent without a done line, and ddb_router_journal_load returns it as
 * an entry: the next replay copies the relational state, as for a failed secondary write.
 *
 * One intent record for n entities; *id receives its id (0 when the router has no journal: then
 * nothing is written). Counted in stats.intents. Errors as ddb_router_journal_append.
 */
typedef struct ddb_router_intent_entry {
    const char *kind;     /* the entity's model name */
    const ddb_value *key; /* its key fields as an item; NULL: a resync of kind */
} ddb_router_intent_entry;

DDB_API int ddb_router_intent(ddb_router *r, const ddb_router_intent_entry *entries, size_t n,
                              uint64_t *id, ddb_error *err);
DDB_API void ddb_router_intent_done(ddb_router *r, uint64_t id); /* id 0: nothing */

/* Appends one entry (key NULL: resync). Returns 0, DDB_ERR_CONFIG (no journal) or an I/O error
 * as DDB_ERR_INVALID_ARG naming the path and errno text. */
DDB_API int ddb_router_journal_append(ddb_router *r, const char *kind, const ddb_value *key,
                                      ddb_error *err);

/*
 * Reads every complete line of the journal. A last line without its newline (a write torn by a
 * crash) is left for later. Intent lines whose done line is in the journal are not entries. DDB_ERR_PROTOCOL names the line number of a malformed line. out is
 * filled on success; release it with ddb_router_journal_clear.
 */
DDB_API int ddb_router_journal_load(ddb_router_journal *out, ddb_router *r, ddb_error *err);

/*
 * Removes the first j->end bytes (what j was loaded from) after a successful replay, keeping
 * anything appended since, by writing the rest to "<path>.tmp", fsync and rename.
 *
 * Several processes may share one journal. Appends hold a shared flock on "<path>.lock" and
 * reopen the journal when it was replaced; consume holds it exclusively, so no line appended by
 * another process is lost in the rewrite. An intent that is still open in another process is
 * kept by the rewrite when it came after j->end; one loaded into j is replayed (harmless: the
 * replay copies the relational state, and the done line that follows later matches nothing).
 */
DDB_API int ddb_router_journal_consume(ddb_router *r, const ddb_router_journal *j, ddb_error *err);

DDB_API void ddb_router_journal_clear(ddb_router_journal *j); /* NULL-safe */

#ifdef __cplusplus
}
#endif

#endif /* DDB_ROUTER_H */
