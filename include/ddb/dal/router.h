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

#define DDB_ROUTER_CONFIG_VERSION 4

/*
 * Where every process of an application reads the phase (ddb_router_config.phase_source): a
 * control row in the relational database (ddb/sql/control.h), or anything else both callbacks
 * reach. read stores the phase into *phase (0 when none is stored yet) and store writes one
 * (1..5); each returns 0 or a negative ddb_error_code with err set. They are called from any
 * thread that routes a call, one call at a time per router.
 */
typedef int (*ddb_router_phase_read_fn)(void *ctx, int *phase, ddb_error *err);
typedef int (*ddb_router_phase_store_fn)(void *ctx, int phase, ddb_error *err);

typedef struct ddb_router_phase_source {
    ddb_router_phase_read_fn read;   /* NULL: the phase is this router's own (no source) */
    ddb_router_phase_store_fn store; /* required with read */
    void *ctx;
    int interval_ms; /* re-read when this much time has passed since the last read; 0: 1000 */
} ddb_router_phase_source;

/*
 * How the comparison treats one field (ddb_router_field_rule). A cleaner makes two values that
 * differ only in what it cleans compare equal; values it cannot clean (a time that is not
 * ISO-8601, a string where a number was expected) are compared as without the rule.
 */
typedef enum ddb_router_field_action {
    DDB_ROUTER_IGNORE = 1, /* the field is not compared */
    DDB_ROUTER_TRIM,       /* strings: whitespace at both ends does not count */
    DDB_ROUTER_CASEFOLD,   /* strings: compared in ASCII lower case */
    /* ISO-8601 timestamps ("2024-01-01T10:00:00.123Z", "...+02:00"; no offset: UTC): equal when
       less than one unit of `scale` fractional-second digits apart (0: a second, 3: a ms), so a
       store that truncated and one that rounded both compare equal */
    DDB_ROUTER_ROUND_TIME,
    DDB_ROUTER_NUMBER_SCALE, /* numbers: compared after rounding (half away from zero) to
                                `scale` decimal places, in decimal arithmetic */
    DDB_ROUTER_EQUAL_FN      /* the rule's `equal` callback decides */
} ddb_router_field_action;

/*
 * A caller's comparison of one field: a and b are the attribute values as DynamoDB would store
 * them (ddb_entity_to_item), relational first; NULL when absent. Returns whether they are equal.
 * Called from any thread that reads through the router.
 */
typedef bool (*ddb_router_equal_fn)(void *ctx, const char *entity, const char *field,
                                    const ddb_value *a, const ddb_value *b);

/*
 * One rule of the comparison (GitHub's Scientist calls these ignore and clean). The first rule
 * that matches an entity's field decides how it is compared (put an entity's own rules before
 * the rules for all entities). A list field's elements are each cleaned.
 */
typedef struct ddb_router_field_rule {
    const char *entity; /* the entity's model name; NULL: every entity that has the field */
    const char *field;  /* the field (its attribute name), or the version attribute */
    ddb_router_field_action action;
    int scale; /* ROUND_TIME: fractional-second digits 0..9; NUMBER_SCALE: decimal places 0..38 */
    ddb_router_equal_fn equal; /* DDB_ROUTER_EQUAL_FN */
    void *equal_ctx;
} ddb_router_field_rule;

/* How phase 3 picks the reads it compares (compare_percent of them). */
typedef enum ddb_router_sampling {
    /* a counter shared by the router's threads: exactly compare_percent calls of every 100 */
    DDB_ROUTER_SAMPLE_CALL = 0,
    /*
     * A hash of the entity's primary key: FNV-1a (64-bit) over the key item's JSON as
     * ddb_router_key_item and ddb_item_to_json write it ({"account_id":{"N":"7"}}); the entity is
     * compared when (hash >> 32) % 100 < compare_percent. A given entity is compared on every
     * read or on none, the same in every run and process. A page is decided entity by entity
     * (DynamoDB is read only when one of its entities is picked); a read whose key is unknown
     * (a get by parameters that found nothing on the relational side) falls back to the counter.
     */
    DDB_ROUTER_SAMPLE_KEY = 1
} ddb_router_sampling;

/* What a failed DynamoDB call after the relational one does, per phase (2, 3, 4). */
typedef enum ddb_router_failure_policy {
    DDB_ROUTER_ON_FAILURE_JOURNAL = 0, /* logged, counted, a write journaled; the call succeeds */
    /* as JOURNAL, and the call returns DynamoDB's error: the relational write HAS happened (a
       write's caller must not retry it blindly); a read's output is still filled, free it */
    DDB_ROUTER_ON_FAILURE_FAIL,
    /* as JOURNAL, then the router drops back to the previous phase (logged, counted as a phase
       switch), so a broken DynamoDB stops the migration step instead of filling the journal */
    DDB_ROUTER_ON_FAILURE_STOP
} ddb_router_failure_policy;

typedef struct ddb_router_config {
    unsigned version;         /* DDB_ROUTER_CONFIG_VERSION (1 to 3 are accepted, see below) */
    const char *name;         /* the model's namespace: the prefix of every log line */
    int phase;                /* 1..5 */
    const char *journal_path; /* the repair journal; NULL: failures are logged and counted only */
    ddb_event_fn on_event;    /* counters and latencies (see below); NULL: none */
    void *event_ctx;
    ddb_router_log_fn log; /* NULL: stderr */
    void *log_ctx;
    /*
     * Version 2. Phase 3 compares this percentage of reads (0..100; a version 1 config means
     * 100). Sampling is deterministic, never random: see sample_by. With DDB_ROUTER_SAMPLE_CALL
     * a page is compared whole or not at all, and the calls compared are evenly spread (10: the
     * 1st, 11th, 21st... read). Production dual reads commonly sample to bound the extra load on
     * DynamoDB; tests keep 100.
     */
    int compare_percent;
    /* Version 3 (a version 1 or 2 config means the values in brackets). */
    size_t n_field_rules; /* [0] ignore and clean rules of the comparison (ddb_router_diff_rules) */
    const ddb_router_field_rule *field_rules; /* copied by ddb_router_new */
    ddb_router_sampling sample_by;            /* [CALL] */
    /* [false] A phase 3 read whose comparison reports a mismatch fails with DDB_ERR_MISMATCH,
       the message naming the entity, key and fields; its output is still filled (the relational
       result: free it). For test suites: the application's own tests become phase 3's gate. */
    bool fail_on_mismatch;
    /* [0: none] A DynamoDB call after the relational one (phases 2-4, and phase 3's re-reads)
       that takes longer is counted in stats.slow_secondaries and logged. It is not cut short:
       C cannot cancel a call safely; bound it with the DynamoDB client's request_timeout_ms
       (ddb_client_options), which ends it as DDB_ERR_TIMEOUT, a failure handled as below. */
    int secondary_timeout_ms;
    ddb_router_failure_policy on_secondary_failure[3]; /* [JOURNAL] [0]: phase 2, [1]: 3, [2]: 4 */
    /* Version 4 (older configs: the values in brackets). */
    /*
     * [false] Phase 5 keeps the relational side current, so that a cutover can be undone:
     * DynamoDB is the primary and the relational side the secondary. A write goes to DynamoDB
     * first; then each entity it touched is read back from DynamoDB and mirrored (storage op
     * MIRROR) to the relational side, behind an intent whose journal lines say
     * "from":"dynamodb". A failed mirror is logged, counted (stats.secondary_failures) and
     * journaled, and DynamoDB's result stands; a replay copies DynamoDB's state to the
     * relational side. Switching from 5 back to 4 or 3 (ddb_route_set_phase) replays the
     * journal and seeds the relational IDs above DynamoDB's first. false: phase 5 is DynamoDB
     * alone, as before.
     */
    bool keep_relational;
    /* [none] The phase shared by every process (see ddb_router_phase_source). */
    ddb_router_phase_source phase_source;
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
    uint64_t compared_reads;   /* phase 3 reads that were compared (see compare_percent) */
    uint64_t rechecked;        /* differences that a re-read of both sides found equal (a write
                                was in flight between the two reads): not mismatches */
    uint64_t slow_secondaries; /* DynamoDB calls over secondary_timeout_ms */
    uint64_t intents;          /* intent records written before dual writes (ddb_router_intent) */
    uint64_t phase_reads;      /* reads of the phase source */
    uint64_t phase_read_failures; /* reads of it that failed (the phase was kept) */
} ddb_router_stats;

/*
 * Creates the router state. The journal file is created when missing (mode 0600) and opened for
 * appending. Returns 0, DDB_ERR_INVALID_ARG (bad version, phase, compare_percent, sampling,
 * policy or field rule; the message names it: "router field rule 1 (Account.email): ..."; the
 * rules' entity and field names are checked against the model by ddb_route_init), DDB_ERR_CONFIG
 * (the journal
 * cannot be opened; the message names the path) or DDB_ERR_NOMEM. *out is freed with
 * ddb_router_free.
 */
DDB_API int ddb_router_new(ddb_router **out, const ddb_router_config *cfg, ddb_error *err);
DDB_API void ddb_router_free(ddb_router *r); /* NULL-safe */

/* The current phase. A call reads it once and keeps it for all its steps. */
DDB_API int ddb_router_phase(const ddb_router *r);

/*
 * The current phase, re-read from the config's phase source first when its interval has
 * passed since the last read (one thread reads; the others meanwhile use the phase as it is).
 * A phase that differs from the router's is adopted, logged "<name>: phase <old> -> <new>
 * (shared)" and counted as a switch (event "router.phase"). A failed read is logged and counted
 * (stats.phase_read_failures), and the phase stays as it was until the next read. Without a
 * source, ddb_router_phase.
 */
DDB_API int ddb_router_poll_phase(ddb_router *r);

/*
 * Switches the phase (1..5) and logs "<name>: phase <old> -> <new>". With a phase source the
 * phase is stored there first (every router that reads the source follows within its
 * interval); when that fails, the phase stays as it was and the store's error is returned.
 * Returns 0, DDB_ERR_INVALID_ARG or the source's error. Work that must happen before a switch
 * (seeding IDs for phase 5, the replay on the way back) is the caller's, and comes before the
 * store; ddb_router_lock_switch serialises it with other switches.
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
 * Phase 5 with keep_relational: a relational mirror after DynamoDB's write failed. Logs
 * "<name>: relational mirror failed: <entity>.<op> key=<key JSON|resync>: <CODE>: <message>",
 * counts it in stats.secondary_failures (event "router.secondary_failure") and journals the key
 * (or a resync) with "from":"dynamodb", so that a replay copies DynamoDB's state.
 */
DDB_API void ddb_router_relational_failed(ddb_router *r, const char *entity, const char *op,
                                          const ddb_value *key, int rc, const ddb_error *err);

/*
 * ddb_router_secondary_failed for the entity obj of d: its key fields are journaled (a resync
 * of d's type when obj is NULL or its key is incomplete).
 */
DDB_API void ddb_router_write_failed(ddb_router *r, const ddb_entity_desc *d, const char *op,
                                     const void *obj, int rc, const ddb_error *err);

/*
 * Compares what the two sides returned for one key (NULL: not found on that side), under the
 * config's field rules (ddb_router_diff_rules), and reports a difference with ddb_router_mismatch: the differing fields, or "<absent from dynamodb>" /
 * "<absent from relational>". key_obj gives the key for the log line (may be NULL when both
 * entities are). Returns 0 when equal, 1 when they differ, or a negative ddb_error_code when
 * they cannot be compared (also logged).
 */
DDB_API int ddb_router_compare(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                               const void *dynamodb, const void *key_obj);

/*
 * Phase 3 sampling by the counter: whether this read is compared (see
 * ddb_router_config.compare_percent). Counts it in stats.compared_reads when it is. Call once per
 * routed read. With sample_by KEY, ddb_route decides by ddb_router_key_bucket instead (and calls
 * this for a read whose key is unknown).
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
 * Phase 3 for one key, under the config's field rules: relational and dynamodb are what each
 * side returned (NULL: not found);
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

/*
 * The router's settings, as a config of the current version (a version 1 or 2 config's
 * defaults filled in). Its pointers (name, journal_path, field_rules) are the router's copies,
 * valid until ddb_router_free.
 */
DDB_API void ddb_router_settings(const ddb_router *r, ddb_router_config *out);

/*
 * DDB_ROUTER_SAMPLE_KEY's bucket of the entity obj of d: (FNV-1a-64(key JSON) >> 32) % 100, so
 * 0..99; -1 when its key is incomplete or cannot be written. The entity is compared when its
 * bucket is below compare_percent.
 */
DDB_API int ddb_router_key_bucket(const ddb_entity_desc *d, const void *obj);

/* Counts one compared read (stats.compared_reads), for reads sampled by key. */
DDB_API void ddb_router_count_compared(ddb_router *r);

/*
 * ddb_router_check and ddb_router_check_page that also describe the first mismatch they report:
 * when mismatch is not NULL and still holds no error (code 0), it is set to DDB_ERR_MISMATCH,
 * "mismatch <entity> key=<key JSON> fields=<fields>". Return values as theirs.
 */
DDB_API int ddb_router_verify(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                              const void *dynamodb, const void *key_obj, ddb_router_get_fn get,
                              void *get_ctx, ddb_error *mismatch);
DDB_API int ddb_router_verify_page(ddb_router *r, const ddb_entity_desc *d, const void *const *rel,
                                   size_t n_rel, const void *const *dyn, size_t n_dyn,
                                   ddb_router_get_fn get, void *get_ctx, ddb_error *mismatch);

/*
 * DDB_ROUTER_ON_FAILURE_STOP: drops the phase from `from` to from - 1 and logs
 * "<name>: phase <from> -> <from - 1>: stopped: <why>" (counted as a phase switch, event
 * "router.phase"). Only when the phase is still `from`: several failing calls drop it one step.
 * With a phase source the new phase is stored there too, so every process stops (a failed store
 * is logged). Returns true when it switched.
 */
DDB_API bool ddb_router_fall_back(ddb_router *r, int from, const char *why);

/*
 * A DynamoDB call after the relational one took ms: over secondary_timeout_ms, it is counted in
 * stats.slow_secondaries, logged "<name>: slow secondary: <entity>.<op> took <ms> ms (limit
 * <limit> ms)" and sent as event "router.slow_secondary". Returns whether it was slow.
 */
DDB_API bool ddb_router_secondary_time(ddb_router *r, const char *entity, const char *op,
                                       double ms);

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

/*
 * ddb_router_diff under rules[0..n_rules) (ddb_router_field_rule): an ignored field is not
 * compared, a cleaned one is compared after cleaning, a callback's decides. rules are not
 * checked here (ddb_router_new and ddb_route_init do); an unknown action counts as no rule.
 * ddb_router_diff is this without rules; the router's own comparisons (ddb_router_check, _page,
 * _compare, phase 3 reads and compare_all) use the rules of its config.
 */
DDB_API int ddb_router_diff_rules(char **fields_out, size_t *n_out, const ddb_entity_desc *d,
                                  const void *a, const void *b, const ddb_router_field_rule *rules,
                                  size_t n_rules, ddb_error *err);

/* ---- the repair journal ---------------------------------------------------------------------- */

/*
 * One journal line: {"kind":"Account","key":{"account_id":{"N":"7"}}} (the key fields as a
 * DynamoDB item) or {"kind":"Account","resync":true} (every entity of that type). Each line is
 * written with one write(2) and fsync'd before the call returns.
 */
typedef struct ddb_router_journal_entry {
    char *kind;     /* the entity's model name */
    ddb_value *key; /* NULL: resync the whole entity type */
    /* appended: the side the replay copies from; DYNAMODB for a line with "from":"dynamodb"
       (phase 5 with keep_relational), else RELATIONAL */
    ddb_router_side source;
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
/* The same for a write whose primary is source: DYNAMODB (phase 5 with keep_relational) marks
   each line "from":"dynamodb", so that a replay copies DynamoDB's state. */
DDB_API int ddb_router_intent_from(ddb_router *r, ddb_router_side source,
                                   const ddb_router_intent_entry *entries, size_t n, uint64_t *id,
                                   ddb_error *err);
DDB_API void ddb_router_intent_done(ddb_router *r, uint64_t id); /* id 0: nothing */

/* Appends one entry (key NULL: resync). Returns 0, DDB_ERR_CONFIG (no journal) or an I/O error
 * as DDB_ERR_INVALID_ARG naming the path and errno text. */
DDB_API int ddb_router_journal_append(ddb_router *r, const char *kind, const ddb_value *key,
                                      ddb_error *err);
/* The same for an entry whose replay copies from source (DYNAMODB: "from":"dynamodb"). */
DDB_API int ddb_router_journal_append_from(ddb_router *r, ddb_router_side source, const char *kind,
                                           const ddb_value *key, ddb_error *err);

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
