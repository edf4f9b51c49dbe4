/*
 * The migration router: <ns>_router.h and <ns>_router.c, one more implementation of the
 * repository interface, which routes every member to the relational primary and the DynamoDB
 * implementation by migration phase (docs/design: "Migration phases"). The logic that does not
 * depend on the model (phase, counters, journal, comparison) is in the runtime, ddb/dal/router.h;
 * what is generated here is one thin routed wrapper per member, and replay, backfill and the
 * full comparison as loops over the model's entity types.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_internal.h"

/* ---- text templates ------------------------------------------------------------------------ */

/*
 * The generated code is written as templates: @ns@ the namespace, @NS@ in upper case, @e@ the
 * entity's C name, @E@ in upper case, @T@ its struct type, @D@ its descriptor; for an
 * access-pattern member @M@ its name, @P@ its parameter list, @A@ the arguments it forwards
 * (", a, b") and @I@ its entity parameter. That keeps each routed wrapper readable as the C it
 * produces.
 */
typedef struct vars {
    const char *ns;
    char NS[256];
    const char *e;
    char E[256];
    char T[512];
    char D[512];
    /* an access-pattern member: its name, parameter list, forwarded arguments, item parameter */
    const char *M, *P, *A, *I;
} vars;

static void upper_into(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < cap; i++)
        dst[i] = (char)toupper((unsigned char)s[i]);
    dst[i] = '\0';
}

static void vars_model(vars *v, const emitter *E)
{
    memset(v, 0, sizeof *v);
    v->ns = E->ns;
    upper_into(v->NS, sizeof v->NS, E->ns);
}

static void vars_entity(vars *v, const ddbgen_entity *e)
{
    v->e = e->c_name;
    upper_into(v->E, sizeof v->E, e->c_name);
    snprintf(v->T, sizeof v->T, "%s__%s", v->ns, e->c_name);
    snprintf(v->D, sizeof v->D, "%s__%s__desc", v->ns, e->c_name);
}

static void put(ddbgen_buf *b, const vars *v, const char *text)
{
    while (*text) {
        const char *at = strchr(text, '@'), *end;
        const char *val = NULL;
        size_t n;
        if (!at) {
            ddbgen_buf_puts(b, text);
            return;
        }
        ddbgen_buf_putn(b, text, (size_t)(at - text));
        end = strchr(at + 1, '@');
        n = end ? (size_t)(end - at - 1) : 0;
        if (end && n == 2 && strncmp(at + 1, "ns", 2) == 0)
            val = v->ns;
        else if (end && n == 2 && strncmp(at + 1, "NS", 2) == 0)
            val = v->NS;
        else if (end && n == 1 && at[1] == 'e')
            val = v->e;
        else if (end && n == 1 && at[1] == 'E')
            val = v->E;
        else if (end && n == 1 && at[1] == 'T')
            val = v->T;
        else if (end && n == 1 && at[1] == 'D')
            val = v->D;
        else if (end && n == 1 && at[1] == 'M')
            val = v->M;
        else if (end && n == 1 && at[1] == 'P')
            val = v->P;
        else if (end && n == 1 && at[1] == 'A')
            val = v->A;
        else if (end && n == 1 && at[1] == 'I')
            val = v->I;
        if (val) {
            ddbgen_buf_puts(b, val);
            text = end + 1;
        } else {
            ddbgen_buf_putc(b, '@');
            text = at + 1;
        }
    }
}

/*
 * Every entity of the model, in the order of the interface. The storage members (list,
 * mirror, transact, max_id, seed_id) exist for every model (emit_store.c): all are routed.
 */
/* NOLINTBEGIN(bugprone-macro-parentheses): e is the name the loop declares, not an expression */
#define FOR_EACH_ENTITY(m, e)                                                                      \
    for (size_t t_ = 0; t_ < (m)->n_tables; t_++)                                                  \
        for (size_t i_ = 0; i_ < (m)->tables[t_].n_entities; i_++)                                 \
            for (const ddbgen_entity *e = &(m)->tables[t_].entities[i_]; e; e = NULL)
/* NOLINTEND(bugprone-macro-parentheses) */

/* ---- the header -------------------------------------------------------------------------------- */

static void emit_header(emitter *E, ddbgen_buf *h, const vars *v)
{
    emit_file_banner(E, h, "_router.h");
    put(h, v,
        "#ifndef @NS@_ROUTER_H\n#define @NS@_ROUTER_H\n\n#include \"@ns@.h\"\n"
        "#include \"ddb/dal/router.h\"\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    emit_banner(h, "Migration router");
    put(h, v,
        "\n/*\n"
        " * A @ns@__repo over two others, the relational primary (written by hand) and the "
        "DynamoDB\n"
        " * implementation (@ns@__ddb_repo_new), that routes every member by migration phase:\n"
        " *   1  relational only\n"
        " *   2  writes go to both, relational first (its ID and version are kept); reads are\n"
        " *      relational\n"
        " *   3  writes go to both; reads go to both and are compared attribute by attribute, "
        "each\n"
        " *      mismatch logged and counted; the relational result is returned\n"
        " *   4  writes go to both; reads are DynamoDB's\n"
        " *   5  DynamoDB only; switching to 5 seeds DynamoDB's ID counters above the highest\n"
        " *      relational ID (max_id, seed_id), so new IDs continue the sequence\n"
        " * In phases 2-4 a failed relational write fails the call and nothing is written to\n"
        " * DynamoDB; a failed DynamoDB write is logged, counted and journaled (the key, or a "
        "resync\n"
        " * of the entity type when the key is not known), and the relational result is returned.\n"
        " * The DynamoDB write repeats the relational one with the same ID and version, so both\n"
        " * sides keep one version per entity.\n"
        " *\n"
        " * Page cursors belong to the side that returned them: do not carry one across a switch\n"
        " * between phases 3 and 4.\n"
        " *\n"
        " * Phase 3 reads: a page is compared with one DynamoDB call, the same member with the "
        "same\n"
        " * parameters, its entities matched by key in any order; the entities of the relational "
        "page\n"
        " * that DynamoDB's page lacks (it breaks at another place, or they are missing) are read "
        "by\n"
        " * key. A page requested with a cursor is compared entity by entity (the cursor is the\n"
        " * relational side's). A difference is confirmed by reading both sides again by key "
        "before\n"
        " * it is logged and counted: a write of another call between the two reads is not a\n"
        " * mismatch. compare_percent samples the reads compared (ddb/dal/router.h).\n"
        " *\n"
        " * Thread safety: as thread-safe as the two repositories. The phase may be switched "
        "while\n"
        " * calls run; each call keeps the phase it started with. Switch to 5 when the "
        "application\n"
        " * is quiet, so that no relational create is still running when the IDs are seeded.\n"
        " */\n");
    put(h, v,
        "typedef struct @ns@__router_options {\n"
        "    unsigned version;         /* 2 (1: without compare_percent) */\n"
        "    int phase;                /* 1..5 */\n"
        "    const char *journal_path; /* the repair journal (one JSON object per line); NULL: "
        "none */\n"
        "    ddb_event_fn on_event;    /* counters and latencies as ddb_event (ddb/dal/router.h) "
        "*/\n"
        "    void *event_ctx;\n"
        "    void (*log)(void *ctx, const char *line); /* one line per mismatch, failure, "
        "switch; NULL: stderr */\n"
        "    void *log_ctx;\n"
        "    /*\n"
        "     * Version 2: the percentage of phase 3 reads compared with DynamoDB, 0..100 "
        "(version 1:\n"
        "     * 100, every read). Deterministic: a shared counter picks exactly compare_percent "
        "calls of\n"
        "     * every 100, spread evenly; a page is compared whole or not at all. 100 for tests; "
        "a\n"
        "     * sample (say 1..10) in production bounds the extra DynamoDB reads of phase 3.\n"
        "     */\n"
        "    int compare_percent;\n"
        "} @ns@__router_options;\n\n"
        "#define @NS@__ROUTER_OPTIONS_INIT {2, 1, NULL, NULL, NULL, NULL, NULL, 100}\n\n"
        "/*\n"
        " * The router. relational and dynamodb are borrowed: they must outlive it. *out is the\n"
        " * caller's (@ns@__repo_free). Starting in phase 5 seeds the IDs as a switch would.\n"
        " * Returns 0, DDB_ERR_INVALID_ARG, DDB_ERR_CONFIG (the journal cannot be opened) or\n"
        " * DDB_ERR_NOMEM.\n"
        " */\n"
        "int @ns@__router_new(@ns@__repo **out, @ns@__repo *relational, @ns@__repo *dynamodb,\n"
        "    const @ns@__router_options *o, ddb_error *err);\n\n"
        "/* The current phase; 0 when router is not a router. */\n"
        "int @ns@__router_phase(@ns@__repo *router);\n\n"
        "/*\n"
        " * Switches the phase at runtime and logs the switch. Switching to 5 first seeds "
        "DynamoDB's\n"
        " * ID counters: dynamodb->seed_id(kind, relational->max_id(kind)); when that fails the\n"
        " * phase stays as it was. Returns 0 or a ddb_error_code.\n"
        " */\n"
        "int @ns@__router_set_phase(@ns@__repo *router, int phase, ddb_error *err);\n\n"
        "/* The counters: writes and reads per side, latency sums, mismatches, journal entries,\n"
        " * secondary failures. Returns 0 or DDB_ERR_INVALID_ARG. */\n"
        "int @ns@__router_stats(@ns@__repo *router, ddb_router_stats *out);\n\n"
        "/*\n"
        " * Replays the repair journal: for each journaled key, relational->get then\n"
        " * dynamodb->mirror (absent on the relational side: removed from DynamoDB); for a "
        "resync,\n"
        " * every entity of that type is mirrored and DynamoDB's extras removed. Idempotent: run "
        "it\n"
        " * again after a failure. The replayed lines are removed from the journal once all of "
        "them\n"
        " * succeeded. *replayed (may be NULL): how many entries. Returns 0 or a ddb_error_code.\n"
        " */\n"
        "int @ns@__router_replay(@ns@__repo *router, size_t *replayed, ddb_error *err);\n\n"
        "/* Copies every entity from the relational side into DynamoDB (mirror). Idempotent. */\n"
        "int @ns@__router_backfill(@ns@__repo *router, ddb_error *err);\n\n"
        "/*\n"
        " * Compares every entity of both sides (each relational entity with DynamoDB's of the "
        "same\n"
        " * key, and DynamoDB's entities missing on the relational side), logging and counting "
        "each\n"
        " * difference as a mismatch. *differences: how many. Returns 0 or a ddb_error_code.\n"
        " */\n"
        "int @ns@__router_compare_all(@ns@__repo *router, size_t *differences, ddb_error *err);\n"
        "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---- routed members ------------------------------------------------------------------------ */

static void emit_prelude(ddbgen_buf *c, const vars *v)
{
    put(c, v,
        "\n#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
        "#include \"@ns@_router.h\"\n");
    emit_banner(c, "Migration router");
    put(c, v,
        "\ntypedef struct ddb_router_impl {\n"
        "    @ns@__repo base; /* first: the interface */\n"
        "    @ns@__repo *rel; /* the relational primary (borrowed) */\n"
        "    @ns@__repo *ddb; /* the DynamoDB implementation (borrowed) */\n"
        "    ddb_router *state;\n"
        "} ddb_router_impl;\n\n"
        "#define RELATIONAL DDB_ROUTER_RELATIONAL\n#define DYNAMODB DDB_ROUTER_DYNAMODB\n\n"
        "/* Counts and times one side's call, which started at t0; returns its result. */\n"
        "static int ddb_on_side(ddb_router_impl *r, ddb_router_side side, bool write, const char "
        "*entity,\n"
        "    double t0, int rc)\n"
        "{\n"
        "    ddb_router_record(r->state, side, write, entity, ddb_router_now_ms() - t0, rc);\n"
        "    return rc;\n"
        "}\n");
}

static void emit_entity_members(ddbgen_buf *c, const ddbgen_entity *e, vars *v)
{
    vars_entity(v, e);
    put(c, v, "\n/* ---- @e@ ---- */\n");
    put(c, v,
        "\n/* Phase 3: reads key's entity from one side, for a re-read or a page's missing entry. "
        "*/\n"
        "static int @e@__read_side(void *ctx, ddb_router_side side, void *out, bool *found,\n"
        "    const void *key, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = ctx;\n"
        "    @ns@__repo *repo = side == RELATIONAL ? r->rel : r->ddb;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    return ddb_on_side(r, side, false, @D@.name, t0,\n"
        "        repo->@e@__get(repo, (@T@ *)out, found, (const @T@ *)key, err));\n"
        "}\n"
        "\n/* Phase 3: reads key's entity from DynamoDB and compares it with the relational one\n"
        " * (rel NULL: not found there). A failed read is logged; the caller's result stands. */\n"
        "static void @e@__compare(ddb_router_impl *r, const @T@ *rel, const @T@ *key)\n"
        "{\n"
        "    @T@ other = @NS@__@E@__INIT;\n"
        "    bool found = false;\n"
        "    ddb_error serr = DDB_ERROR_INIT;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc = ddb_on_side(r, DYNAMODB, false, @D@.name, t0,\n"
        "        r->ddb->@e@__get(r->ddb, &other, &found, key, &serr));\n"
        "    if (rc != 0)\n"
        "        ddb_router_logf(r->state, \"dual read of %s failed on dynamodb: %s: %s\", "
        "@D@.name,\n"
        "            ddb_error_code_name(rc), serr.message);\n"
        "    else\n"
        "        ddb_router_check(r->state, &@D@, rel, found ? &other : NULL, key, "
        "@e@__read_side, r);\n"
        "    @T@__free(&other);\n"
        "    ddb_error_clear(&serr);\n"
        "}\n");
    put(c, v,
        "\n/* Phase 3: the relational page rel against DynamoDB's page of the same request (dyn "
        "NULL:\n"
        " * none, every entity is read by key). */\n"
        "static void @e@__check_page(ddb_router_impl *r, const @T@ *rel, size_t n_rel, const @T@ "
        "*dyn,\n"
        "    size_t n_dyn)\n"
        "{\n"
        "    const void **p = malloc((n_rel + n_dyn + 1) * sizeof *p);\n"
        "    if (!p) {\n"
        "        ddb_router_logf(r->state, \"cannot compare a page of %s: out of memory\", "
        "@D@.name);\n"
        "        return;\n"
        "    }\n"
        "    for (size_t i = 0; i < n_rel; i++)\n"
        "        p[i] = &rel[i];\n"
        "    for (size_t i = 0; i < n_dyn; i++)\n"
        "        p[n_rel + i] = &dyn[i];\n"
        "    ddb_router_check_page(r->state, &@D@, p, n_rel, p + n_rel, n_dyn, @e@__read_side, "
        "r);\n"
        "    free(p);\n"
        "}\n");
    put(c, v,
        "\nstatic int @e@__create_routed(@ns@__repo *repo, @T@ *obj, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    ddb_error serr = DDB_ERROR_INIT;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc;\n"
        "    if (phase == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__create(r->ddb, "
        "obj, "
        "err));\n"
        "    rc = ddb_on_side(r, RELATIONAL, true, @D@.name, t0, r->rel->@e@__create(r->rel, obj, "
        "err));\n"
        "    if (rc != 0 || phase == 1)\n"
        "        return rc;\n"
        "    /* obj now holds the relational ID, which DynamoDB keeps */\n"
        "    t0 = ddb_router_now_ms();\n"
        "    rc = ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__create(r->ddb, obj, "
        "&serr));\n"
        "    if (rc != 0)\n"
        "        ddb_router_write_failed(r->state, &@D@, \"create\", obj, rc, &serr);\n"
        "    ddb_error_clear(&serr);\n"
        "    return 0;\n"
        "}\n");
    put(c, v,
        "\nstatic int @e@__get_routed(@ns@__repo *repo, @T@ *out, bool *found, const @T@ *key,\n"
        "    ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc;\n"
        "    if (phase >= 4)\n"
        "        return ddb_on_side(r, DYNAMODB, false, @D@.name, t0,\n"
        "            r->ddb->@e@__get(r->ddb, out, found, key, err));\n"
        "    rc = ddb_on_side(r, RELATIONAL, false, @D@.name, t0,\n"
        "        r->rel->@e@__get(r->rel, out, found, key, err));\n"
        "    if (rc == 0 && phase == 3 && ddb_router_sample(r->state))\n"
        "        @e@__compare(r, *found ? out : NULL, key);\n"
        "    return rc;\n"
        "}\n");
    put(c, v,
        "\nstatic int @e@__update_routed(@ns@__repo *repo, @T@ *obj, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    ddb_error serr = DDB_ERROR_INIT;\n"
        "    int64_t before = obj ? obj->ddb_version : 0, after;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc;\n"
        "    if (phase == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__update(r->ddb, "
        "obj, "
        "err));\n"
        "    rc = ddb_on_side(r, RELATIONAL, true, @D@.name, t0, r->rel->@e@__update(r->rel, obj, "
        "err));\n"
        "    if (rc != 0 || phase == 1)\n"
        "        return rc;\n"
        "    /* the same version check and increment on DynamoDB: one version on both sides */\n"
        "    after = obj->ddb_version;\n"
        "    obj->ddb_version = before;\n"
        "    t0 = ddb_router_now_ms();\n"
        "    rc = ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__update(r->ddb, obj, "
        "&serr));\n"
        "    if (rc != 0)\n"
        "        ddb_router_write_failed(r->state, &@D@, \"update\", obj, rc, &serr);\n"
        "    obj->ddb_version = after;\n"
        "    ddb_error_clear(&serr);\n"
        "    return 0;\n"
        "}\n");
    put(c, v,
        "\nstatic int @e@__delete_routed(@ns@__repo *repo, const @T@ *obj, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    ddb_error serr = DDB_ERROR_INIT;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc;\n"
        "    if (phase == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__delete(r->ddb, "
        "obj, "
        "err));\n"
        "    rc = ddb_on_side(r, RELATIONAL, true, @D@.name, t0, r->rel->@e@__delete(r->rel, obj, "
        "err));\n"
        "    if (rc != 0 || phase == 1)\n"
        "        return rc;\n"
        "    t0 = ddb_router_now_ms();\n"
        "    rc = ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__delete(r->ddb, obj, "
        "&serr));\n"
        "    if (rc != 0)\n"
        "        ddb_router_write_failed(r->state, &@D@, \"delete\", obj, rc, &serr);\n"
        "    ddb_error_clear(&serr);\n"
        "    return 0;\n"
        "}\n");
    put(c, v,
        "\nstatic int @e@__list_routed(@ns@__repo *repo, @T@__page *out,\n"
        "    const @ns@__page_request *page, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc;\n"
        "    if (phase >= 4)\n"
        "        return ddb_on_side(r, DYNAMODB, false, @D@.name, t0,\n"
        "            r->ddb->@e@__list(r->ddb, out, page, err));\n"
        "    rc = ddb_on_side(r, RELATIONAL, false, @D@.name, t0,\n"
        "        r->rel->@e@__list(r->rel, out, page, err));\n"
        "    if (rc == 0 && phase == 3 && ddb_router_sample(r->state)) {\n"
        "        @T@__page other = {0, NULL, NULL};\n"
        "        ddb_error serr = DDB_ERROR_INIT;\n"
        "        int orc = 0;\n"
        "        /* one call for DynamoDB's page; a cursor is the relational side's, so then "
        "each\n"
        "           entity is read by key instead */\n"
        "        if (!page || !page->cursor) {\n"
        "            t0 = ddb_router_now_ms();\n"
        "            orc = ddb_on_side(r, DYNAMODB, false, @D@.name, t0,\n"
        "                r->ddb->@e@__list(r->ddb, &other, page, &serr));\n"
        "        }\n"
        "        if (orc != 0)\n"
        "            ddb_router_logf(r->state, \"dual read of %s failed on dynamodb: %s: %s\",\n"
        "                @D@.name, ddb_error_code_name(orc), serr.message);\n"
        "        else\n"
        "            @e@__check_page(r, out->items, out->n_items, other.items, "
        "other.n_items);\n"
        "        @T@__page_free(&other);\n"
        "        ddb_error_clear(&serr);\n"
        "    }\n"
        "    return rc;\n"
        "}\n");
    put(c, v,
        "\nstatic int @e@__mirror_routed(@ns@__repo *repo, const @T@ *obj, const @T@ *key,\n"
        "    ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    ddb_error serr = DDB_ERROR_INIT;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int rc;\n"
        "    if (phase == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, true, @D@.name, t0,\n"
        "            r->ddb->@e@__mirror(r->ddb, obj, key, err));\n"
        "    rc = ddb_on_side(r, RELATIONAL, true, @D@.name, t0,\n"
        "        r->rel->@e@__mirror(r->rel, obj, key, err));\n"
        "    if (rc != 0 || phase == 1)\n"
        "        return rc;\n"
        "    t0 = ddb_router_now_ms();\n"
        "    rc = ddb_on_side(r, DYNAMODB, true, @D@.name, t0, r->ddb->@e@__mirror(r->ddb, obj, "
        "key, &serr));\n"
        "    if (rc != 0)\n"
        "        ddb_router_write_failed(r->state, &@D@, \"mirror\", key, rc, &serr);\n"
        "    ddb_error_clear(&serr);\n"
        "    return 0;\n"
        "}\n");
}

static void emit_model_members(ddbgen_buf *c, const vars *v)
{
    put(c, v,
        "\n/* The version member of the entity a write points to; NULL for an unknown kind. "
        "*/\n"
        "static int64_t *version_of(const @ns@__write *op)\n"
        "{\n"
        "    const ddb_entity_desc *d;\n"
        "    if (op->kind < 1 || op->kind > @NS@__N_ENTITIES || !op->obj)\n"
        "        return NULL;\n"
        "    d = @ns@__entities[op->kind - 1];\n"
        "    if (d->version_offset == DDB_ENTITY_NO_OFFSET)\n"
        "        return NULL;\n"
        "    return (int64_t *)((char *)op->obj + d->version_offset);\n"
        "}\n"
        "\nstatic int transact_routed(@ns@__repo *repo, @ns@__write *ops, size_t n_ops, "
        "ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    int phase = ddb_router_phase(r->state);\n"
        "    ddb_error serr = DDB_ERROR_INIT;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    int64_t *before;\n"
        "    int rc;\n"
        "    if (phase == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, true, \"model\", t0, r->ddb->transact(r->ddb, "
        "ops, "
        "n_ops, err));\n"
        "    if (phase == 1)\n"
        "        return ddb_on_side(r, RELATIONAL, true, \"model\", t0, r->rel->transact(r->rel, "
        "ops, n_ops, err));\n"
        "    /* the versions of the updated entities, for the DynamoDB transaction */\n"
        "    before = calloc(n_ops ? n_ops : 1, sizeof *before);\n"
        "    if (!before)\n"
        "        return DDB_ERR_NOMEM;\n"
        "    for (size_t i = 0; i < n_ops; i++)\n"
        "        if (ops[i].op == @NS@__WRITE_UPDATE && version_of(&ops[i]))\n"
        "            before[i] = *version_of(&ops[i]);\n"
        "    rc = ddb_on_side(r, RELATIONAL, true, \"model\", t0, r->rel->transact(r->rel, ops, "
        "n_ops, err));\n"
        "    if (rc != 0) {\n"
        "        free(before);\n"
        "        return rc;\n"
        "    }\n"
        "    for (size_t i = 0; i < n_ops; i++)\n"
        "        if (ops[i].op == @NS@__WRITE_UPDATE && version_of(&ops[i])) {\n"
        "            int64_t after = *version_of(&ops[i]);\n"
        "            *version_of(&ops[i]) = before[i];\n"
        "            before[i] = after; /* now: the version to hand back */\n"
        "        }\n"
        "    t0 = ddb_router_now_ms();\n"
        "    rc = ddb_on_side(r, DYNAMODB, true, \"model\", t0, r->ddb->transact(r->ddb, ops, "
        "n_ops, &serr));\n"
        "    for (size_t i = 0; i < n_ops; i++) {\n"
        "        if (rc != 0 && ops[i].kind >= 1 && ops[i].kind <= @NS@__N_ENTITIES)\n"
        "            ddb_router_write_failed(r->state, @ns@__entities[ops[i].kind - 1], "
        "\"transact\",\n"
        "                ops[i].obj, rc, &serr);\n"
        "        if (ops[i].op == @NS@__WRITE_UPDATE && version_of(&ops[i]))\n"
        "            *version_of(&ops[i]) = before[i];\n"
        "    }\n"
        "    free(before);\n"
        "    ddb_error_clear(&serr);\n"
        "    return 0;\n"
        "}\n");
    /* IDs come from the side that allocates them: relational until phase 5. */
    put(c, v,
        "\nstatic int max_id_routed(@ns@__repo *repo, @ns@__kind kind, int64_t *out, "
        "ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    if (ddb_router_phase(r->state) == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, false, \"model\", t0, r->ddb->max_id(r->ddb, "
        "kind, "
        "out, err));\n"
        "    return ddb_on_side(r, RELATIONAL, false, \"model\", t0, r->rel->max_id(r->rel, kind, "
        "out, err));\n"
        "}\n");
    put(c, v,
        "\nstatic int seed_id_routed(@ns@__repo *repo, @ns@__kind kind, int64_t floor, "
        "ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    double t0 = ddb_router_now_ms();\n"
        "    if (ddb_router_phase(r->state) == 5)\n"
        "        return ddb_on_side(r, DYNAMODB, true, \"model\", t0, r->ddb->seed_id(r->ddb, "
        "kind, "
        "floor, err));\n"
        "    return ddb_on_side(r, RELATIONAL, true, \"model\", t0, r->rel->seed_id(r->rel, kind, "
        "floor, err));\n"
        "}\n");
    put(c, v,
        "\nstatic void free_routed(@ns@__repo *repo)\n"
        "{\n"
        "    ddb_router_impl *r = (ddb_router_impl *)repo;\n"
        "    if (!r)\n"
        "        return;\n"
        "    ddb_router_free(r->state);\n"
        "    free(r);\n"
        "}\n"
        "\n/* The router behind repo, or NULL when repo is not one. */\n"
        "static ddb_router_impl *as_router(@ns@__repo *repo)\n"
        "{\n"
        "    return repo && repo->free == free_routed ? (ddb_router_impl *)repo : NULL;\n"
        "}\n");
}

/* ---- access-pattern members -------------------------------------------------------------- */

/*
 * emit_repo.c describes each access-pattern member of the interface (emit_internal.h:
 * emit_member, emit_repo_pattern_members); each is routed by what it does: a read, a write whose
 * entity (and so its key) is known, or a write whose keys are not (journaled as a resync).
 */
typedef struct pattern_ctx {
    ddbgen_buf *c;
    vars *v;
    bool mixed_check_done; /* mixed_check is emitted before its first user */
} pattern_ctx;

/* Phase 3 for mixed pages: each entity type's entities checked as a page of their own. */
static void emit_mixed_check(emitter *E, ddbgen_buf *c, const vars *v)
{
    put(c, v,
        "\n/* Phase 3: the relational mixed page rel against DynamoDB's of the same request (dyn\n"
        " * NULL: none), each entity type's entities as a page of their own. */\n"
        "static void ddb_mixed_check(ddb_router_impl *r, const @ns@__mixed_page *rel,\n"
        "    const @ns@__mixed_page *dyn)\n"
        "{\n"
        "    size_t n_dyn_all = dyn ? dyn->n_items : 0;\n"
        "    const void **p = malloc((rel->n_items + n_dyn_all + 1) * sizeof *p);\n"
        "    if (!p) {\n"
        "        ddb_router_logf(r->state, \"cannot compare a mixed page: out of memory\");\n"
        "        return;\n"
        "    }\n"
        "    for (int k = 1; k <= @NS@__N_ENTITIES; k++) {\n"
        "        ddb_router_get_fn get = NULL;\n"
        "        size_t n_rel = 0, n_dyn = 0;\n"
        "        switch (k) {\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        vars w = *v;
        vars_entity(&w, e);
        put(c, &w,
            "        case @NS@__KIND_@E@:\n            get = @e@__read_side;\n            "
            "break;\n");
    }
    put(c, v,
        "        default:\n"
        "            break;\n"
        "        }\n"
        "        for (size_t i = 0; i < rel->n_items; i++)\n"
        "            if ((int)rel->items[i].kind == k)\n"
        "                p[n_rel++] = &rel->items[i].as;\n"
        "        for (size_t i = 0; i < n_dyn_all; i++)\n"
        "            if ((int)dyn->items[i].kind == k)\n"
        "                p[n_rel + n_dyn++] = &dyn->items[i].as;\n"
        "        if (n_rel && get)\n"
        "            ddb_router_check_page(r->state, @ns@__entities[k - 1], p, n_rel, p + n_rel, "
        "n_dyn,\n"
        "                get, r);\n"
        "    }\n"
        "    free(p);\n"
        "}\n");
}

/*
 * Phase 3 for a page member: DynamoDB's page of the same request with one call (the member
 * itself; not with a relational cursor, then dyn is empty and each entity is read by key), then
 * `check`, which sees out (the relational page) and other (DynamoDB's).
 */
static void emit_page_compare(ddbgen_buf *c, const vars *v, const char *entity,
                              const char *page_type, const char *page_free, const char *ddb_args,
                              bool paged, const char *check)
{
    ddbgen_buf_puts(
        c, "    if (ddb_rc == 0 && ddb_phase == 3 && ddb_router_sample(ddb_r->state)) {\n");
    ddbgen_buf_printf(c, "        %s ddb_other = {0, NULL, NULL};\n", page_type);
    ddbgen_buf_puts(c, "        ddb_error ddb_serr = DDB_ERROR_INIT;\n        int ddb_orc = 0;\n");
    if (paged)
        ddbgen_buf_puts(c, "        /* one call for DynamoDB's ddb_req; a cursor is the relational "
                           "side's, so then each\n"
                           "           entity is read by key instead */\n"
                           "        if (!ddb_req || !ddb_req->cursor) {\n");
    else
        ddbgen_buf_puts(c, "        /* one call for DynamoDB's side of the same request */\n"
                           "        {\n");
    ddbgen_buf_printf(
        c,
        "            ddb_t0 = ddb_router_now_ms();\n"
        "            ddb_orc = ddb_on_side(ddb_r, DYNAMODB, false, %s, ddb_t0,\n"
        "                ddb_r->ddb->%s(ddb_r->ddb, &ddb_other%s, &ddb_serr));\n"
        "        }\n"
        "        if (ddb_orc != 0)\n"
        "            ddb_router_logf(ddb_r->state, \"dual read of %%s failed on dynamodb: "
        "%%s: %%s\", \"%s\",\n"
        "                ddb_error_code_name(ddb_orc), ddb_serr.message);\n"
        "        else\n",
        entity, v->M, ddb_args, v->M);
    put(c, v, check);
    ddbgen_buf_printf(c, "        %s(&ddb_other);\n        ddb_error_clear(&ddb_serr);\n    }\n",
                      page_free);
}

static const char *const routed_head = "{\n"
                                       "    ddb_router_impl *ddb_r = (ddb_router_impl *)ddb_repo;\n"
                                       "    int ddb_phase = ddb_router_phase(ddb_r->state);\n"
                                       "    double ddb_t0 = ddb_router_now_ms();\n";

/* A read: DynamoDB's from phase 4 on; relational before, and in phase 3 `compare` after it.
 * lead: the member's output arguments, before @A@. */
static void emit_read(ddbgen_buf *c, const vars *v, const char *entity, const char *lead,
                      const char *compare)
{
    put(c, v, routed_head);
    ddbgen_buf_printf(c,
                      "    int ddb_rc;\n    if (ddb_phase >= 4)\n"
                      "        return ddb_on_side(ddb_r, DYNAMODB, false, %s, ddb_t0, "
                      "ddb_r->ddb->%s(ddb_r->ddb, %s%s, "
                      "ddb_err));\n"
                      "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, false, %s, ddb_t0, "
                      "ddb_r->rel->%s(ddb_r->rel, %s%s, "
                      "ddb_err));\n",
                      entity, v->M, lead, v->A, entity, v->M, lead, v->A);
    if (compare)
        put(c, v, compare);
    ddbgen_buf_puts(c, "    return ddb_rc;\n}\n");
}

/* How a member is routed, for its comment. */
static const char *member_role(emit_member_kind k)
{
    switch (k) {
    case EMIT_MEMBER_GET:
        return "a read of one entity, compared in ddb_phase 3";
    case EMIT_MEMBER_PAGE:
    case EMIT_MEMBER_BATCH_GET:
    case EMIT_MEMBER_MIXED:
        return "a read of a ddb_req, compared in ddb_phase 3 with DynamoDB's answer to the same "
               "call";
    case EMIT_MEMBER_TX_GET:
        return "a transactional read";
    case EMIT_MEMBER_UPDATE:
    case EMIT_MEMBER_PUT_OBJ:
    case EMIT_MEMBER_PUT_SCALAR:
    case EMIT_MEMBER_BATCH_WRITE:
        return "a write; a DynamoDB failure journals the entity's key";
    case EMIT_MEMBER_FLAG:
        return "a write by key parameters; a DynamoDB failure journals a resync of the type";
    case EMIT_MEMBER_TX_WRITE:
        return "a transaction; a DynamoDB failure journals the ddb_keys of its entities";
    }
    return "";
}

static void emit_pattern_member(emitter *E, const emit_member *m, void *ctx_)
{
    pattern_ctx *ctx = ctx_;
    ddbgen_buf *c = ctx->c;
    vars *v = ctx->v;
    char entity[600];
    if (m->entity)
        vars_entity(v, m->entity);
    if ((m->kind == EMIT_MEMBER_MIXED || (m->kind == EMIT_MEMBER_BATCH_GET && m->mixed)) &&
        !m->partial && !ctx->mixed_check_done) {
        emit_mixed_check(E, c, v);
        ctx->mixed_check_done = true;
    }
    v->M = m->name;
    v->P = m->decl;
    v->A = m->args ? m->args : "";
    v->I = m->item ? m->item : "";
    snprintf(entity, sizeof entity, m->entity ? "%s.name" : "\"model\"", v->D);
    put(c, v, "\n/* @M@: ");
    ddbgen_buf_puts(c, member_role(m->kind));
    put(c, v, " */\nstatic int @M@_routed@P@\n");
    switch (m->kind) {
    case EMIT_MEMBER_GET:
        if (m->partial)
            emit_read(c, v, entity, "ddb_out, ddb_found",
                      "    /* the index does not project every field: nothing to compare */\n");
        else
            emit_read(
                c, v, entity, "ddb_out, ddb_found",
                "    if (ddb_rc == 0 && ddb_phase == 3 && ddb_router_sample(ddb_r->state)) {\n"
                "        @T@ ddb_other = @NS@__@E@__INIT;\n"
                "        bool ddb_other_found = false;\n"
                "        ddb_error ddb_serr = DDB_ERROR_INIT;\n"
                "        ddb_t0 = ddb_router_now_ms();\n"
                "        if (ddb_on_side(ddb_r, DYNAMODB, false, @D@.name, ddb_t0,\n"
                "                ddb_r->ddb->@M@(ddb_r->ddb, &ddb_other, &ddb_other_found@A@, "
                "&ddb_serr)) != 0)\n"
                "            ddb_router_logf(ddb_r->state, \"dual read of %s failed on dynamodb: "
                "%s\", \"@M@\",\n"
                "                ddb_serr.message);\n"
                "        else\n"
                "            ddb_router_check(ddb_r->state, &@D@, *ddb_found ? ddb_out : NULL,\n"
                "                ddb_other_found ? &ddb_other : NULL, NULL, @e@__read_side, "
                "ddb_r);\n"
                "        @T@__free(&ddb_other);\n"
                "        ddb_error_clear(&ddb_serr);\n"
                "    }\n");
        return;
    case EMIT_MEMBER_PAGE:
    case EMIT_MEMBER_BATCH_GET:
    case EMIT_MEMBER_MIXED: {
        bool paged = m->kind != EMIT_MEMBER_BATCH_GET;
        bool mixed = m->kind == EMIT_MEMBER_MIXED || m->mixed;
        const char *lead = paged ? "ddb_out" : "ddb_out, ddb_keys, ddb_n_keys";
        char page_type[600], page_free[600];
        ddbgen_buf args = DDBGEN_BUF_INIT, ddb_args = DDBGEN_BUF_INIT, cmp = DDBGEN_BUF_INIT;
        /* a page's trailing page request comes after the pattern's own arguments */
        ddbgen_buf_printf(&args, "%s%s", v->A, paged ? ", ddb_req" : "");
        v->A = ddbgen_buf_str(&args) ? ddbgen_buf_str(&args) : "";
        ddbgen_buf_printf(&ddb_args, "%s%s", paged ? "" : ", ddb_keys, ddb_n_keys", v->A);
        if (mixed) {
            snprintf(page_type, sizeof page_type, "%s__mixed_page", v->ns);
            snprintf(page_free, sizeof page_free, "%s__mixed_page_free", v->ns);
        } else {
            snprintf(page_type, sizeof page_type, "%s__page", v->T);
            snprintf(page_free, sizeof page_free, "%s__page_free", v->T);
        }
        if (mixed)
            ddbgen_buf_puts(&cmp, "            ddb_mixed_check(ddb_r, ddb_out, &ddb_other);\n");
        else
            ddbgen_buf_puts(&cmp,
                            "            @e@__check_page(ddb_r, ddb_out->items, ddb_out->n_items, "
                            "ddb_other.items, ddb_other.n_items);\n");
        put(c, v, routed_head);
        ddbgen_buf_printf(c,
                          "    int ddb_rc;\n    if (ddb_phase >= 4)\n"
                          "        return ddb_on_side(ddb_r, DYNAMODB, false, %s, ddb_t0, "
                          "ddb_r->ddb->%s(ddb_r->ddb, "
                          "%s%s, ddb_err));\n"
                          "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, false, %s, ddb_t0, "
                          "ddb_r->rel->%s(ddb_r->rel, "
                          "%s%s, ddb_err));\n",
                          entity, v->M, lead, v->A, entity, v->M, lead, v->A);
        if (m->partial)
            ddbgen_buf_puts(c, "    /* the index does not project every field: nothing to "
                               "compare */\n");
        else
            emit_page_compare(c, v, entity, page_type, page_free, ddbgen_buf_str(&ddb_args), paged,
                              ddbgen_buf_str(&cmp));
        ddbgen_buf_puts(c, "    return ddb_rc;\n}\n");
        ddbgen_buf_free(&args);
        ddbgen_buf_free(&ddb_args);
        ddbgen_buf_free(&cmp);
        return;
    }
    case EMIT_MEMBER_TX_GET:
        emit_read(c, v, entity, "ddb_out",
                  "    /* ddb_phase 3 does not compare transactional reads (their result types are "
                  "per pattern) */\n");
        return;
    case EMIT_MEMBER_UPDATE:
        put(c, v, routed_head);
        put(c, v,
            "    @T@ ddb_other = @NS@__@E@__INIT;\n"
            "    bool ddb_other_found = false;\n"
            "    ddb_error ddb_serr = DDB_ERROR_INIT;\n"
            "    int ddb_rc;\n"
            "    if (ddb_phase == 5)\n"
            "        return ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb, ddb_out, "
            "ddb_found@A@, ddb_err));\n"
            "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, true, @D@.name, ddb_t0, "
            "ddb_r->rel->@M@(ddb_r->rel, ddb_out, "
            "ddb_found@A@, ddb_err));\n"
            "    if (ddb_rc != 0 || ddb_phase == 1 || !*ddb_found)\n"
            "        return ddb_rc;\n"
            "    /* each side increments its own version: equal before, equal after */\n"
            "    ddb_t0 = ddb_router_now_ms();\n"
            "    ddb_rc = ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb, &ddb_other, "
            "&ddb_other_found@A@, &ddb_serr));\n"
            "    if (ddb_rc != 0 || !ddb_other_found)\n"
            "        ddb_router_write_failed(ddb_r->state, &@D@, \"@M@\", ddb_out, ddb_rc ? ddb_rc "
            ": "
            "DDB_ERR_ITEM_NOT_FOUND,\n"
            "            ddb_rc ? &ddb_serr : NULL);\n"
            "    @T@__free(&ddb_other);\n"
            "    ddb_error_clear(&ddb_serr);\n"
            "    return 0;\n"
            "}\n");
        return;
    case EMIT_MEMBER_FLAG:
        put(c, v, routed_head);
        put(c, v,
            "    bool ddb_done_rel = false, ddb_done_ddb = false;\n"
            "    ddb_error ddb_serr = DDB_ERROR_INIT;\n"
            "    int ddb_rc;\n"
            "    if (ddb_phase == 5)\n"
            "        return ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb, ddb_done@A@, "
            "ddb_err));\n"
            "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, true, @D@.name, ddb_t0, "
            "ddb_r->rel->@M@(ddb_r->rel, &ddb_done_rel@A@, "
            "ddb_err));\n"
            "    if (ddb_rc == 0 && ddb_done)\n"
            "        *ddb_done = ddb_done_rel;\n"
            "    if (ddb_rc != 0 || ddb_phase == 1)\n"
            "        return ddb_rc;\n"
            "    ddb_t0 = ddb_router_now_ms();\n"
            "    ddb_rc = ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb, &ddb_done_ddb@A@, "
            "&ddb_serr));\n"
            "    /* the key is in the parameters, not an entity: a resync of the type repairs it "
            "*/\n"
            "    if (ddb_rc != 0 || ddb_done_ddb != ddb_done_rel)\n"
            "        ddb_router_secondary_failed(ddb_r->state, @D@.name, \"@M@\", NULL,\n"
            "            ddb_rc ? ddb_rc : DDB_ERR_ITEM_NOT_FOUND, ddb_rc ? &ddb_serr : NULL);\n"
            "    ddb_error_clear(&ddb_serr);\n"
            "    return 0;\n"
            "}\n");
        return;
    case EMIT_MEMBER_PUT_OBJ:
    case EMIT_MEMBER_PUT_SCALAR:
        put(c, v, routed_head);
        if (m->kind == EMIT_MEMBER_PUT_OBJ)
            put(c, v,
                "    ddb_error ddb_serr = DDB_ERROR_INIT;\n"
                "    int ddb_rc;\n"
                "    if (ddb_phase == 5)\n"
                "        return ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
                "ddb_r->ddb->@M@(ddb_r->ddb, "
                "@I@@A@, ddb_err));\n"
                "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, true, @D@.name, ddb_t0, "
                "ddb_r->rel->@M@(ddb_r->rel, @I@@A@, "
                "ddb_err));\n"
                "    if (ddb_rc != 0 || ddb_phase == 1)\n"
                "        return ddb_rc;\n"
                "    ddb_t0 = ddb_router_now_ms();\n"
                "    ddb_rc = ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
                "ddb_r->ddb->@M@(ddb_r->ddb, @I@@A@, "
                "&ddb_serr));\n"
                "    if (ddb_rc != 0)\n"
                "        ddb_router_write_failed(ddb_r->state, &@D@, \"@M@\", @I@, ddb_rc, "
                "&ddb_serr);\n");
        else
            put(c, v,
                "    ddb_error ddb_serr = DDB_ERROR_INIT;\n"
                "    int ddb_rc;\n"
                "    if (ddb_phase == 5)\n"
                "        return ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
                "ddb_r->ddb->@M@(ddb_r->ddb, "
                "ddb_out@A@, ddb_err));\n"
                "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, true, @D@.name, ddb_t0, "
                "ddb_r->rel->@M@(ddb_r->rel, ddb_out@A@, "
                "ddb_err));\n"
                "    if (ddb_rc != 0 || ddb_phase == 1)\n"
                "        return ddb_rc;\n"
                "    /* the entity as the relational side built it, with its ID: the pattern "
                "itself\n"
                "       would allocate another ID on DynamoDB */\n"
                "    ddb_t0 = ddb_router_now_ms();\n"
                "    ddb_rc = ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
                "ddb_r->ddb->@e@__create(ddb_r->ddb, "
                "ddb_out, &ddb_serr));\n"
                "    if (ddb_rc != 0)\n"
                "        ddb_router_write_failed(ddb_r->state, &@D@, \"@M@\", ddb_out, ddb_rc, "
                "&ddb_serr);\n");
        put(c, v, "    ddb_error_clear(&ddb_serr);\n    return 0;\n}\n");
        return;
    case EMIT_MEMBER_BATCH_WRITE:
        put(c, v, routed_head);
        put(c, v,
            "    ddb_error ddb_serr = DDB_ERROR_INIT;\n"
            "    int ddb_rc;\n"
            "    if (ddb_phase == 5)\n"
            "        return ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb, ddb_items, "
            "ddb_n_items, ddb_err));\n"
            "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, true, @D@.name, ddb_t0, "
            "ddb_r->rel->@M@(ddb_r->rel, ddb_items, "
            "ddb_n_items, ddb_err));\n"
            "    if (ddb_rc != 0 || ddb_phase == 1)\n"
            "        return ddb_rc;\n"
            "    ddb_t0 = ddb_router_now_ms();\n"
            "    ddb_rc = ddb_on_side(ddb_r, DYNAMODB, true, @D@.name, ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb, ddb_items, ddb_n_items, "
            "&ddb_serr));\n"
            "    for (size_t ddb_i = 0; ddb_rc != 0 && ddb_i < ddb_n_items; ddb_i++)\n"
            "        ddb_router_write_failed(ddb_r->state, &@D@, \"@M@\", &ddb_items[ddb_i], "
            "ddb_rc, &ddb_serr);\n"
            "    ddb_error_clear(&ddb_serr);\n"
            "    return 0;\n"
            "}\n");
        return;
    case EMIT_MEMBER_TX_WRITE:
        put(c, v, routed_head);
        if (m->n_entity_params)
            ddbgen_buf_printf(c, "    int64_t ddb_before[%zu] = {0}, ddb_after[%zu] = {0};\n",
                              m->n_entity_params, m->n_entity_params);
        put(c, v,
            "    ddb_error ddb_serr = DDB_ERROR_INIT;\n"
            "    int ddb_rc;\n"
            "    if (ddb_phase == 5)\n"
            "        return ddb_on_side(ddb_r, DYNAMODB, true, \"model\", ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb@A@, "
            "ddb_err));\n");
        for (size_t k = 0; k < m->n_entity_params; k++)
            ddbgen_buf_printf(c, "    ddb_before[%zu] = %s ? %s->ddb_version : 0;\n", k,
                              m->entity_params[k].name, m->entity_params[k].name);
        put(c, v,
            "    ddb_rc = ddb_on_side(ddb_r, RELATIONAL, true, \"model\", ddb_t0, "
            "ddb_r->rel->@M@(ddb_r->rel@A@, ddb_err));\n"
            "    if (ddb_rc != 0 || ddb_phase == 1)\n"
            "        return ddb_rc;\n");
        if (m->n_entity_params)
            ddbgen_buf_puts(c,
                            "    /* the same versions on DynamoDB: one version on both sides */\n");
        for (size_t k = 0; k < m->n_entity_params; k++)
            ddbgen_buf_printf(c,
                              "    if (%s) {\n        ddb_after[%zu] = %s->ddb_version;\n"
                              "        %s->ddb_version = ddb_before[%zu];\n    }\n",
                              m->entity_params[k].name, k, m->entity_params[k].name,
                              m->entity_params[k].name, k);
        put(c, v,
            "    ddb_t0 = ddb_router_now_ms();\n"
            "    ddb_rc = ddb_on_side(ddb_r, DYNAMODB, true, \"model\", ddb_t0, "
            "ddb_r->ddb->@M@(ddb_r->ddb@A@, &ddb_serr));\n"
            "    if (ddb_rc != 0) {\n");
        for (size_t k = 0; k < m->n_entity_params; k++)
            ddbgen_buf_printf(
                c,
                "        ddb_router_write_failed(ddb_r->state, &%s__%s__desc, \"%s\", "
                "%s, ddb_rc, &ddb_serr);\n",
                E->ns, m->entity_params[k].entity->c_name, m->name, m->entity_params[k].name);
        for (size_t k = 0; k < m->n_keyless; k++)
            ddbgen_buf_printf(
                c,
                "        ddb_router_secondary_failed(ddb_r->state, %s__%s__desc.name, "
                "\"%s\", NULL, ddb_rc, &ddb_serr);\n",
                E->ns, m->keyless[k]->c_name, m->name);
        ddbgen_buf_puts(c, "    }\n");
        for (size_t k = 0; k < m->n_entity_params; k++)
            ddbgen_buf_printf(c, "    if (%s)\n        %s->ddb_version = ddb_after[%zu];\n",
                              m->entity_params[k].name, m->entity_params[k].name, k);
        ddbgen_buf_puts(c, "    ddb_error_clear(&ddb_serr);\n    return 0;\n}\n");
        return;
    }
}

/* Every access-pattern member, routed. */
static void emit_pattern_members(emitter *E, ddbgen_buf *c, vars *v)
{
    pattern_ctx ctx = {c, v, false};
    emit_repo_pattern_members(E, emit_pattern_member, &ctx);
    v->M = v->P = v->A = v->I = NULL;
}

/* The constructor's line for one access-pattern member (ctx: the .c buffer). */
static void assign_pattern_member(emitter *E, const emit_member *m, void *ctx)
{
    (void)E;
    ddbgen_buf_printf(ctx, "    r->base.%s = %s_routed;\n", m->name, m->name);
}

/* Entities whose IDs are allocated (id_strategy source or counter): phase 5 seeds them. */
static bool allocates_ids(const ddbgen_entity *e)
{
    return e->ext.id_strategy == DDBGEN_ID_SOURCE || e->ext.id_strategy == DDBGEN_ID_COUNTER;
}

static void emit_seed_ids(emitter *E, ddbgen_buf *c, vars *v)
{
    bool any = false;
    FOR_EACH_ENTITY(E->m, e)
    {
        any |= allocates_ids(e);
    }
    put(c, v,
        "\n/*\n * Before phase 5: DynamoDB's ID counters continue above the highest relational "
        "ID,\n"
        " * for each entity whose IDs are allocated (id_strategy source or counter).\n */\n"
        "static int seed_ids(ddb_router_impl *r, ddb_error *err)\n{\n");
    if (!any) {
        ddbgen_buf_puts(c, "    /* no entity allocates its IDs */\n"
                           "    (void)r;\n    (void)err;\n    return 0;\n}\n");
        return;
    }
    put(c, v, "    static const @ns@__kind kinds[] = {");
    {
        bool first = true;
        FOR_EACH_ENTITY(E->m, e)
        {
            if (!allocates_ids(e))
                continue;
            vars_entity(v, e);
            put(c, v, first ? "@NS@__KIND_@E@" : ", @NS@__KIND_@E@");
            first = false;
        }
    }
    put(c, v,
        "};\n"
        "    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {\n"
        "        const char *name = @ns@__entities[kinds[i] - 1]->name;\n"
        "        int64_t max = 0;\n"
        "        int rc = r->rel->max_id(r->rel, kinds[i], &max, err);\n"
        "        if (rc == DDB_ERR_INVALID_ARG) {\n"
        "            /* not an integer ID: nothing to continue */\n"
        "            ddb_router_logf(r->state, \"%s IDs are not integers: not seeded\", name);\n"
        "            continue;\n"
        "        }\n"
        "        if (rc == 0)\n"
        "            rc = r->ddb->seed_id(r->ddb, kinds[i], max, err);\n"
        "        if (rc != 0) {\n"
        "            ddb_router_logf(r->state, \"phase 5 refused: seeding %s IDs: %s\", name,\n"
        "                ddb_error_code_name(rc));\n"
        "            return rc;\n"
        "        }\n"
        "        ddb_router_logf(r->state, \"%s IDs continue above %lld\", name, (long long)max);\n"
        "    }\n"
        "    return 0;\n"
        "}\n");
}

/* ---- repair: replay, backfill, compare_all ------------------------------------------------- */

static void emit_entity_repair(ddbgen_buf *c, const ddbgen_entity *e, vars *v)
{
    vars_entity(v, e);
    put(c, v,
        "\n/*\n"
        " * Makes DynamoDB's @e@ entities equal the relational ones: mirrors every relational\n"
        " * entity and, with remove_extras, removes DynamoDB's entities the relational side "
        "lacks.\n"
        " */\n"
        "static int @e@__sync(ddb_router_impl *r, bool remove_extras, ddb_error *err)\n"
        "{\n"
        "    char *cursor = NULL;\n"
        "    int rc = 0;\n"
        "    do {\n"
        "        @T@__page page = {0, NULL, NULL};\n"
        "        @ns@__page_request pr = {cursor, 100};\n"
        "        rc = r->rel->@e@__list(r->rel, &page, &pr, err);\n"
        "        free(cursor);\n"
        "        cursor = NULL;\n"
        "        for (size_t i = 0; rc == 0 && i < page.n_items; i++)\n"
        "            rc = r->ddb->@e@__mirror(r->ddb, &page.items[i], &page.items[i], err);\n"
        "        if (rc == 0) {\n"
        "            cursor = page.cursor;\n"
        "            page.cursor = NULL;\n"
        "        }\n"
        "        @T@__page_free(&page);\n"
        "    } while (rc == 0 && cursor);\n"
        "    while (rc == 0 && remove_extras) {\n"
        "        @T@__page page = {0, NULL, NULL};\n"
        "        @ns@__page_request pr = {cursor, 100};\n"
        "        rc = r->ddb->@e@__list(r->ddb, &page, &pr, err);\n"
        "        free(cursor);\n"
        "        cursor = NULL;\n"
        "        for (size_t i = 0; rc == 0 && i < page.n_items; i++) {\n"
        "            @T@ rel = @NS@__@E@__INIT;\n"
        "            bool found = false;\n"
        "            rc = r->rel->@e@__get(r->rel, &rel, &found, &page.items[i], err);\n"
        "            if (rc == 0 && !found)\n"
        "                rc = r->ddb->@e@__mirror(r->ddb, NULL, &page.items[i], err);\n"
        "            @T@__free(&rel);\n"
        "        }\n"
        "        if (rc == 0) {\n"
        "            cursor = page.cursor;\n"
        "            page.cursor = NULL;\n"
        "        }\n"
        "        @T@__page_free(&page);\n"
        "        if (!cursor)\n"
        "            break;\n"
        "    }\n"
        "    free(cursor);\n"
        "    return rc;\n"
        "}\n");
    put(c, v,
        "\n/* One journal entry of @e@: its key's entity copied from relational (key NULL: all). "
        "*/\n"
        "static int @e@__replay(ddb_router_impl *r, const ddb_value *key_item, ddb_error *err)\n"
        "{\n"
        "    @T@ key = @NS@__@E@__INIT, rel = @NS@__@E@__INIT;\n"
        "    bool found = false;\n"
        "    int rc;\n"
        "    if (!key_item)\n"
        "        return @e@__sync(r, true, err);\n"
        "    rc = ddb_router_key_fill(&key, &@D@, key_item, err);\n"
        "    if (rc == 0)\n"
        "        rc = r->rel->@e@__get(r->rel, &rel, &found, &key, err);\n"
        "    if (rc == 0)\n"
        "        rc = r->ddb->@e@__mirror(r->ddb, found ? &rel : NULL, &key, err);\n"
        "    @T@__free(&key);\n"
        "    @T@__free(&rel);\n"
        "    return rc;\n"
        "}\n");
    put(c, v,
        "\n/* compare_all for @e@: adds the differences found to *n. */\n"
        "static int @e@__compare_all(ddb_router_impl *r, size_t *n, ddb_error *err)\n"
        "{\n"
        "    @ns@__repo *sides[2] = {r->rel, r->ddb};\n"
        "    int rc = 0;\n"
        "    /* every relational entity against DynamoDB's, then DynamoDB's missing on the left "
        "*/\n"
        "    for (int s = 0; s < 2 && rc == 0; s++) {\n"
        "        @ns@__repo *other = sides[1 - s];\n"
        "        char *cursor = NULL;\n"
        "        do {\n"
        "            @T@__page page = {0, NULL, NULL};\n"
        "            @ns@__page_request pr = {cursor, 100};\n"
        "            rc = sides[s]->@e@__list(sides[s], &page, &pr, err);\n"
        "            free(cursor);\n"
        "            cursor = NULL;\n"
        "            for (size_t i = 0; rc == 0 && i < page.n_items; i++) {\n"
        "                @T@ got = @NS@__@E@__INIT;\n"
        "                bool found = false;\n"
        "                rc = other->@e@__get(other, &got, &found, &page.items[i], err);\n"
        "                if (rc == 0 && s == 0)\n"
        "                    *n += (size_t)(ddb_router_compare(r->state, &@D@, &page.items[i],\n"
        "                                       found ? &got : NULL, NULL) == 1);\n"
        "                else if (rc == 0 && !found)\n"
        "                    *n += (size_t)(ddb_router_compare(r->state, &@D@, NULL, "
        "&page.items[i],\n"
        "                                       NULL) == 1);\n"
        "                @T@__free(&got);\n"
        "            }\n"
        "            if (rc == 0) {\n"
        "                cursor = page.cursor;\n"
        "                page.cursor = NULL;\n"
        "            }\n"
        "            @T@__page_free(&page);\n"
        "        } while (rc == 0 && cursor);\n"
        "        free(cursor);\n"
        "    }\n"
        "    return rc;\n"
        "}\n");
}

static void emit_repair(emitter *E, ddbgen_buf *c, vars *v)
{
    bool first = true;
    FOR_EACH_ENTITY(E->m, e)
    {
        emit_entity_repair(c, e, v);
    }

    put(c, v,
        "\nint @ns@__router_replay(@ns@__repo *router, size_t *replayed, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = as_router(router);\n"
        "    ddb_router_journal j = {0, NULL, 0};\n"
        "    int rc;\n"
        "    if (!r)\n"
        "        return DDB_ERR_INVALID_ARG;\n"
        "    rc = ddb_router_journal_load(&j, r->state, err);\n"
        "    for (size_t i = 0; rc == 0 && i < j.n; i++) {\n"
        "        const char *kind = j.entries[i].kind;\n"
        "        const ddb_value *key = j.entries[i].key;\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        vars_entity(v, e);
        put(c, v, first ? "        if" : "        else if");
        put(c, v,
            " (strcmp(kind, @D@.name) == 0)\n"
            "            rc = @e@__replay(r, key, err);\n");
        first = false;
    }
    if (first) /* a model without entities */
        ddbgen_buf_puts(c, "        (void)kind;\n        (void)key;\n        if (1)\n"
                           "            rc = DDB_ERR_PROTOCOL;\n");
    else
        ddbgen_buf_puts(c, "        else\n            rc = DDB_ERR_PROTOCOL;\n");
    put(c, v,
        "        if (rc != 0)\n"
        "            ddb_router_logf(r->state, \"replay of journal entry %zu (%s) failed: %s\", "
        "i + 1, kind,\n"
        "                rc == DDB_ERR_PROTOCOL ? \"unknown entity type\" : "
        "ddb_error_code_name(rc));\n"
        "    }\n"
        "    /* the journal shrinks only when all of it went through: a rerun is harmless */\n"
        "    if (rc == 0)\n"
        "        rc = ddb_router_journal_consume(r->state, &j, err);\n"
        "    if (rc == 0) {\n"
        "        ddb_router_logf(r->state, \"replayed %zu journal entries\", j.n);\n"
        "        if (replayed)\n"
        "            *replayed = j.n;\n"
        "    }\n"
        "    ddb_router_journal_clear(&j);\n"
        "    return rc;\n"
        "}\n");

    put(c, v,
        "\nint @ns@__router_backfill(@ns@__repo *router, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = as_router(router);\n"
        "    int rc = 0;\n"
        "    if (!r)\n"
        "        return DDB_ERR_INVALID_ARG;\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        vars_entity(v, e);
        put(c, v, "    if (rc == 0)\n        rc = @e@__sync(r, false, err);\n");
    }
    ddbgen_buf_puts(c, "    return rc;\n}\n");

    put(c, v,
        "\nint @ns@__router_compare_all(@ns@__repo *router, size_t *differences, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = as_router(router);\n"
        "    size_t n = 0;\n"
        "    int rc = 0;\n"
        "    if (!r)\n"
        "        return DDB_ERR_INVALID_ARG;\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        vars_entity(v, e);
        put(c, v, "    if (rc == 0)\n        rc = @e@__compare_all(r, &n, err);\n");
    }
    put(c, v,
        "    if (rc == 0) {\n"
        "        ddb_router_logf(r->state, \"compare_all: %zu differences\", n);\n"
        "        if (differences)\n"
        "            *differences = n;\n"
        "    }\n"
        "    return rc;\n"
        "}\n");
}

/* ---- construction --------------------------------------------------------------------------- */

static void emit_constructor(emitter *E, ddbgen_buf *c, vars *v)
{
    put(c, v,
        "\nint @ns@__router_new(@ns@__repo **out, @ns@__repo *relational, @ns@__repo *dynamodb,\n"
        "    const @ns@__router_options *o, ddb_error *err)\n"
        "{\n"
        "    ddb_router_config cfg = {DDB_ROUTER_CONFIG_VERSION, \"@ns@\", 1, NULL, NULL, NULL, "
        "NULL, NULL, 100};\n"
        "    ddb_router_impl *r;\n"
        "    int rc;\n"
        "    if (!out || !relational || !dynamodb || (o && o->version != 1 && o->version != 2))\n"
        "        return DDB_ERR_INVALID_ARG;\n"
        "    if (o) {\n"
        "        /* version 1 options end before compare_percent: they compare every read */\n"
        "        if (o->version >= 2)\n"
        "            cfg.compare_percent = o->compare_percent;\n"
        "        cfg.phase = o->phase;\n"
        "        cfg.journal_path = o->journal_path;\n"
        "        cfg.on_event = o->on_event;\n"
        "        cfg.event_ctx = o->event_ctx;\n"
        "        cfg.log = o->log;\n"
        "        cfg.log_ctx = o->log_ctx;\n"
        "    }\n"
        "    r = calloc(1, sizeof *r);\n"
        "    if (!r)\n"
        "        return DDB_ERR_NOMEM;\n"
        "    rc = ddb_router_new(&r->state, &cfg, err);\n"
        "    if (rc != 0) {\n"
        "        free(r);\n"
        "        return rc;\n"
        "    }\n"
        "    r->rel = relational;\n"
        "    r->ddb = dynamodb;\n"
        "    r->base.version = @NS@__REPO_VERSION;\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        vars_entity(v, e);
        put(c, v,
            "    r->base.@e@__create = @e@__create_routed;\n"
            "    r->base.@e@__get = @e@__get_routed;\n"
            "    r->base.@e@__update = @e@__update_routed;\n"
            "    r->base.@e@__delete = @e@__delete_routed;\n"
            "    r->base.@e@__list = @e@__list_routed;\n"
            "    r->base.@e@__mirror = @e@__mirror_routed;\n");
    }
    emit_repo_pattern_members(E, assign_pattern_member, c);
    put(c, v,
        "    r->base.transact = transact_routed;\n"
        "    r->base.max_id = max_id_routed;\n"
        "    r->base.seed_id = seed_id_routed;\n"
        "    r->base.free = free_routed;\n"
        "    if (cfg.phase == 5 && (rc = seed_ids(r, err)) != 0) {\n"
        "        free_routed(&r->base);\n"
        "        return rc;\n"
        "    }\n"
        "    *out = &r->base;\n"
        "    return 0;\n"
        "}\n"
        "\nint @ns@__router_phase(@ns@__repo *router)\n"
        "{\n"
        "    ddb_router_impl *r = as_router(router);\n"
        "    return r ? ddb_router_phase(r->state) : 0;\n"
        "}\n"
        "\nint @ns@__router_set_phase(@ns@__repo *router, int phase, ddb_error *err)\n"
        "{\n"
        "    ddb_router_impl *r = as_router(router);\n"
        "    int rc = 0;\n"
        "    if (!r)\n"
        "        return DDB_ERR_INVALID_ARG;\n"
        "    ddb_router_lock_switch(r->state);\n"
        "    if (phase == 5 && ddb_router_phase(r->state) != 5)\n"
        "        rc = seed_ids(r, err);\n"
        "    if (rc == 0)\n"
        "        rc = ddb_router_set_phase(r->state, phase, err);\n"
        "    ddb_router_unlock_switch(r->state);\n"
        "    return rc;\n"
        "}\n"
        "\nint @ns@__router_stats(@ns@__repo *router, ddb_router_stats *out)\n"
        "{\n"
        "    ddb_router_impl *r = as_router(router);\n"
        "    if (!r || !out)\n"
        "        return DDB_ERR_INVALID_ARG;\n"
        "    ddb_router_stats_get(r->state, out);\n"
        "    return 0;\n"
        "}\n");
}

void emit_router(emitter *E)
{
    char *hname = emit_join2(E->ns, "", "_router.h"), *cname = emit_join2(E->ns, "", "_router.c");
    ddbgen_buf *h = hname && cname ? emit_add_file(E, hname) : NULL;
    ddbgen_buf *c = h ? emit_add_file(E, cname) : NULL;
    vars v;
    free(hname);
    free(cname);
    if (!c) {
        if (E->status == 0)
            E->status = DDBGEN_ERR_NOMEM;
        return;
    }
    vars_model(&v, E);
    emit_header(E, h, &v);
    emit_file_banner(E, c, "_router.c");
    emit_prelude(c, &v);
    FOR_EACH_ENTITY(E->m, e)
    {
        emit_entity_members(c, e, &v);
    }
    emit_pattern_members(E, c, &v);
    emit_model_members(c, &v);
    emit_seed_ids(E, c, &v);
    emit_repair(E, c, &v);
    emit_constructor(E, c, &v);
}
