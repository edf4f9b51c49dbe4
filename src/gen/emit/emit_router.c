/*
 * The migration router: <ns>_router.h and <ns>_router.c, one more implementation of the
 * repository interface, which routes every member to the relational primary and the DynamoDB
 * implementation by migration phase (docs/design/router-in-runtime.md). The policy is the
 * runtime's (ddb/dal/route.h); what is generated here is the model as data (the entity table,
 * page layouts, one storage adapter) and one typed wrapper per member that calls the member on the
 * side the runtime hands it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_internal.h"
#include "emit/printer.h"

/* ---- text templates ------------------------------------------------------------------------ */

/*
 * The generated code is written as templates: @ns@ the namespace, @NS@ in upper case, @e@ the
 * entity's C name, @E@ in upper case, @T@ its struct type, @D@ its descriptor; for an
 * access-pattern member @M@ its name, @A@ the arguments it forwards (", a, b") and @I@ its
 * entity parameter. The variables are the shared printer's (printer.h). That keeps each routed wrapper readable as the C it
 * produces.
 */
typedef struct vars {
    emit_printer p;
    const char *ns;
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
    char upper[256];
    upper_into(upper, sizeof upper, E->ns);
    emit_printer_init(&v->p, '@');
    v->ns = E->ns;
    emit_set(&v->p, "ns", E->ns);
    emit_set(&v->p, "NS", upper);
}

static void vars_entity(vars *v, const ddbgen_entity *e)
{
    char upper[256];
    upper_into(upper, sizeof upper, e->c_name);
    emit_set(&v->p, "e", e->c_name);
    emit_set(&v->p, "E", upper);
    emit_setf(&v->p, "T", "%s__%s", v->ns, e->c_name);
    emit_setf(&v->p, "D", "%s__%s__desc", v->ns, e->c_name);
}

static void put(ddbgen_buf *b, const vars *v, const char *text)
{
    emit_print(&v->p, b, text);
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
        "#include \"ddb/dal/route.h\"\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
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
        "    unsigned version;         /* 4 (3: up to on_secondary_failure; 2: up to "
        "compare_percent) */\n"
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
        "     * every 100, spread evenly, and a page is compared whole or not at all (sample_by "
        "KEY:\n"
        "     * a hash of each entity's key picks it, on every read or none). 100 for tests; "
        "a\n"
        "     * sample (say 1..10) in production bounds the extra DynamoDB reads of phase 3.\n"
        "     */\n"
        "    int compare_percent;\n"
        "    /*\n"
        "     * Version 3, as in ddb_router_config (ddb/dal/router.h): the comparison's ignore "
        "and\n"
        "     * clean rules per field (checked against the model: a rule naming a field the "
        "entity\n"
        "     * does not have fails @ns@__router_new), sampling by a hash of the key, a phase 3 "
        "read\n"
        "     * that fails with DDB_ERR_MISMATCH on a mismatch (for test suites), the time after "
        "which\n"
        "     * a DynamoDB call is counted as slow, and what a failed DynamoDB call does in phases "
        "2,\n"
        "     * 3 and 4 (JOURNAL, FAIL or STOP).\n"
        "     */\n"
        "    size_t n_field_rules;\n"
        "    const ddb_router_field_rule *field_rules;\n"
        "    ddb_router_sampling sample_by;\n"
        "    bool fail_on_mismatch;\n"
        "    int secondary_timeout_ms;\n"
        "    ddb_router_failure_policy on_secondary_failure[3];\n"
        "    /*\n"
        "     * Version 4, as in ddb_router_config: keep_relational makes phase 5 mirror every "
        "write\n"
        "     * back to the relational side (DynamoDB first), so that a switch back to 4 or 3 "
        "loses\n"
        "     * nothing; phase_source shares the phase between processes (a control row:\n"
        "     * ddb/sql/control.h), re-read every interval_ms.\n"
        "     */\n"
        "    bool keep_relational;\n"
        "    ddb_router_phase_source phase_source;\n"
        "} @ns@__router_options;\n\n"
        "#define @NS@__ROUTER_OPTIONS_INIT \\\n"
        "    {4, 1, NULL, NULL, NULL, NULL, NULL, 100, 0, NULL, DDB_ROUTER_SAMPLE_CALL, false, 0, "
        "\\\n"
        "        {0, 0, 0}, false, {NULL, NULL, NULL, 0}}\n\n"
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
        " * phase stays as it was. Leaving 5 with keep_relational first replays the journal "
        "and\n"
        " * seeds the relational IDs: relational->seed_id(kind, dynamodb->max_id(kind)). With a "
        "phase\n"
        " * source the phase is stored there. Returns 0 or a ddb_error_code.\n"
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
        "/*\n"
        " * Copies every entity from the relational side into DynamoDB (BatchWriteItem, the "
        "writes\n"
        " * the router makes meanwhile mirrored again after it). Idempotent.\n"
        " */\n"
        "int @ns@__router_backfill(@ns@__repo *router, ddb_error *err);\n\n"
        "/* The same with options (checkpoint, write budget, progress; NULL: defaults) and its "
        "figures\n * (stats may be NULL): ddb_route_backfill_with. */\n"
        "int @ns@__router_backfill_with(@ns@__repo *router, const ddb_route_bulk_options "
        "*opts,\n"
        "    ddb_route_bulk_stats *stats, ddb_error *err);\n\n"
        "/*\n"
        " * Compares every entity of both sides (each relational entity with DynamoDB's of the "
        "same\n"
        " * key, and DynamoDB's entities missing on the relational side), logging and counting "
        "each\n"
        " * difference as a mismatch. *differences: how many. Returns 0 or a ddb_error_code.\n"
        " */\n"
        "int @ns@__router_compare_all(@ns@__repo *router, size_t *differences, ddb_error *err);\n"
        "\n/* The same with options (memory bound, segments; NULL: defaults) and its figures:\n"
        " * ddb_route_compare_all_with. */\n"
        "int @ns@__router_compare_all_with(@ns@__repo *router, const ddb_route_bulk_options "
        "*opts,\n"
        "    size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err);\n"
        "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---- lines ------------------------------------------------------------------------------------- */

/* One statement or declaration, expanded from a template and written at indent (emit_wrap_c
 * breaks it when it is too long, as every generated line). */
static void line(ddbgen_buf *c, const vars *v, const char *indent, const char *text)
{
    ddbgen_buf_puts(c, indent);
    put(c, v, text);
    ddbgen_buf_putc(c, '\n');
}

/* Expands a template of whole lines. */
static void put_lines(ddbgen_buf *c, const vars *v, const char *text)
{
    put(c, v, text);
}

/* ---- the model as data ------------------------------------------------------------------------ */

static void emit_prelude(ddbgen_buf *c, const vars *v)
{
    put(c, v,
        "\n#include <stddef.h>\n#include <stdlib.h>\n#include <string.h>\n\n#include "
        "\"@ns@_router.h\"\n");
    emit_banner(c, "Migration router");
    put(c, v,
        "\n/*\n"
        " * What to do for each call is decided by the runtime (ddb/dal/route.h): this file is "
        "the\n"
        " * model as data and one wrapper per member, which calls the member on the side the\n"
        " * runtime hands it.\n"
        " */\n"
        "typedef struct ddb_routed {\n"
        "    @ns@__repo base; /* first: the interface */\n"
        "    ddb_route route;\n"
        "} ddb_routed;\n\n"
        "#define DDB_RT(repo) (&((ddb_routed *)(repo))->route)\n");
}

/* Entities whose IDs are allocated (id_strategy source or counter): phase 5 seeds them. */
static bool allocates_ids(const ddbgen_entity *e)
{
    return e->ext.id_strategy == DDBGEN_ID_SOURCE || e->ext.id_strategy == DDBGEN_ID_COUNTER;
}

/* The runtime's one adapter to the storage members of every entity type (ddb/dal/route.h). */
static void emit_storage(emitter *E, ddbgen_buf *c, vars *v)
{
    bool any = false;
    put(c, v,
        "\n/* The storage members of every entity type on one side, for the runtime. */\n"
        "static int ddb_storage(void *repo, int kind, ddb_route_op op, const ddb_route_args *a,\n"
        "    ddb_error *err)\n"
        "{\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        if (!any)
            put(c, v,
                "    @ns@__repo *r = repo;\n"
                "    @ns@__page_request request = {a->cursor, a->limit, 0};\n"
                "    const @ns@__page_request *req = a->request ? a->request : &request;\n"
                "    switch (kind) {\n");
        any = true;
        vars_entity(v, e);
        put(c, v,
            "    case @NS@__KIND_@E@:\n"
            "        switch (op) {\n"
            "        case DDB_ROUTE_OP_CREATE:\n            return r->@e@__create(r, a->obj, "
            "err);\n"
            "        case DDB_ROUTE_OP_GET:\n"
            "            return r->@e@__get(r, a->out, a->found, a->key, err);\n"
            "        case DDB_ROUTE_OP_UPDATE:\n            return r->@e@__update(r, a->obj, "
            "err);\n"
            "        case DDB_ROUTE_OP_DELETE:\n            return r->@e@__delete(r, a->key, "
            "err);\n"
            "        case DDB_ROUTE_OP_LIST:\n            return r->@e@__list(r, a->out, req, "
            "err);\n"
            "        case DDB_ROUTE_OP_MIRROR:\n"
            "            return r->@e@__mirror(r, a->value, a->key, err);\n"
            "        }\n"
            "        break;\n");
    }
    if (any)
        put(c, v, "    }\n    return DDB_ERR_INVALID_ARG;\n}\n");
    else /* a model without entities */
        put(c, v,
            "    (void)repo;\n    (void)kind;\n    (void)op;\n    (void)a;\n    (void)err;\n"
            "    return DDB_ERR_INVALID_ARG;\n}\n");
}

/* ---- routed members ------------------------------------------------------------------------ */

/*
 * One routed wrapper: its member descriptor (name, kind, entity, flags), its signature, the
 * call's start (out, found, arg), set-up lines, and the member's call on a side (@S@ is the side).
 */
typedef struct routed {
    const char *name;  /* the wrapper is <name>_routed */
    const char *label; /* the descriptor's name: in log lines and the journal */
    const char *kind;
    const char *flags;
    const char *params; /* the parameter list */
    const char *start;  /* out, found, arg */
    const char *setup;  /* statements after the start; NULL: none */
    const char *call;   /* the side's call, as a template */
} routed;

static void emit_routed(ddbgen_buf *c, vars *v, const routed *w, bool has_entity)
{
    ddbgen_buf t = DDBGEN_BUF_INIT;
    ddbgen_buf_printf(&t, "static int %s_routed%s", w->name, w->params);
    ddbgen_buf_putc(c, '\n');
    line(c, v, "", ddbgen_buf_str(&t));
    ddbgen_buf_puts(c, "{\n");
    ddbgen_buf_free(&t);
    t = (ddbgen_buf)DDBGEN_BUF_INIT;
    ddbgen_buf_printf(&t, "static const ddb_route_member ddb_m = {\"%s\", %s, %s, %s};", w->label,
                      w->kind, has_entity ? "@NS@__KIND_@E@" : "0", w->flags);
    line(c, v, "    ", ddbgen_buf_str(&t));
    ddbgen_buf_free(&t);
    t = (ddbgen_buf)DDBGEN_BUF_INIT;
    ddbgen_buf_printf(
        &t, "ddb_route_call ddb_c = ddb_route_start(DDB_RT(ddb_repo), &ddb_m, %s, ddb_err);",
        w->start);
    line(c, v, "    ", ddbgen_buf_str(&t));
    ddbgen_buf_free(&t);
    if (w->setup)
        put(c, v, w->setup);
    put(c, v, "    for (@ns@__repo *ddb_s; (ddb_s = ddb_route_next(&ddb_c)) != NULL;)\n");
    line(c, v, "        ", w->call);
    ddbgen_buf_puts(c, "    return ddb_route_end(&ddb_c);\n}\n");
}

/* The six storage members of an entity: each one call of ddb_route_storage. */
static void emit_entity_members(ddbgen_buf *c, vars *v, const ddbgen_entity *e)
{
    static const struct {
        const char *op, *params, *args;
    } crud[6] = {
        {"create", "@T@ *ddb_obj", ".obj = ddb_obj"},
        {"get", "@T@ *ddb_out, bool *ddb_found, const @T@ *ddb_key",
         ".out = ddb_out, .found = ddb_found, .key = ddb_key"},
        {"update", "@T@ *ddb_obj", ".obj = ddb_obj"},
        {"delete", "const @T@ *ddb_obj", ".key = ddb_obj"},
        {"list", "@T@__page *ddb_out, const @ns@__page_request *ddb_req",
         ".out = ddb_out, .request = ddb_req"},
        {"mirror", "const @T@ *ddb_obj, const @T@ *ddb_key", ".value = ddb_obj, .key = ddb_key"},
    };
    vars_entity(v, e);
    put(c, v, "\n/* ---- @e@ ---- */\n");
    for (size_t i = 0; i < 6; i++) {
        ddbgen_buf t = DDBGEN_BUF_INIT;
        char upper[16];
        upper_into(upper, sizeof upper, crud[i].op);
        ddbgen_buf_printf(&t,
                          "static int @e@__%s_routed(@ns@__repo *ddb_repo, %s, ddb_error *ddb_err)",
                          crud[i].op, crud[i].params);
        ddbgen_buf_putc(c, '\n');
        line(c, v, "", ddbgen_buf_str(&t));
        ddbgen_buf_free(&t);
        t = (ddbgen_buf)DDBGEN_BUF_INIT;
        ddbgen_buf_printf(&t,
                          "return ddb_route_storage(DDB_RT(ddb_repo), @NS@__KIND_@E@, "
                          "DDB_ROUTE_OP_%s, &(ddb_route_args){%s}, ddb_err);",
                          upper, crud[i].args);
        ddbgen_buf_puts(c, "{\n");
        line(c, v, "    ", ddbgen_buf_str(&t));
        ddbgen_buf_puts(c, "}\n");
        ddbgen_buf_free(&t);
    }
}

/* ---- access-pattern members -------------------------------------------------------------- */

typedef struct pattern_ctx {
    ddbgen_buf *c;
    vars *v;
} pattern_ctx;

/* The objects a transaction writes: its entity parameters (versions in lockstep), then the
 * entity types it writes by scalar keys (journaled as a resync). */
static void transaction_objects(emitter *E, ddbgen_buf *b, const emit_member *m)
{
    size_t n = m->n_entity_params + m->n_keyless;
    if (!n)
        return;
    ddbgen_buf_puts(b, "    ddb_route_object ddb_o[] = {\n");
    for (size_t k = 0; k < m->n_entity_params; k++)
        ddbgen_buf_printf(b, "        {&%s__%s__desc, %s, true},\n", E->ns,
                          m->entity_params[k].entity->c_name, m->entity_params[k].name);
    for (size_t k = 0; k < m->n_keyless; k++)
        ddbgen_buf_printf(b, "        {&%s__%s__desc, NULL, false},\n", E->ns,
                          m->keyless[k]->c_name);
    ddbgen_buf_printf(b, "    };\n    ddb_c.objects = ddb_o;\n    ddb_c.n_objects = %zu;\n", n);
}

static void emit_pattern_member(emitter *E, const emit_member *m, void *ctx_)
{
    pattern_ctx *ctx = ctx_;
    vars *v = ctx->v;
    ddbgen_buf call = DDBGEN_BUF_INIT, setup = DDBGEN_BUF_INIT;
    routed w = {m->name, m->name, NULL, "0", m->decl, "NULL, NULL, NULL", NULL, NULL};
    const char *partial = m->partial ? "DDB_ROUTE_F_PARTIAL" : "0";
    if (m->entity)
        vars_entity(v, m->entity);
    emit_set(&v->p, "M", m->name);
    emit_set(&v->p, "A", m->args ? m->args : "");
    emit_set(&v->p, "I", m->item ? m->item : "");
    ddbgen_buf_puts(&call, "ddb_c.rc = ddb_s->@M@(ddb_s, ");
    switch (m->kind) {
    case EMIT_MEMBER_GET:
        w.kind = "DDB_ROUTE_GET";
        w.flags = partial;
        w.start = "ddb_out, ddb_found, NULL";
        ddbgen_buf_puts(&call, "ddb_c.out, ddb_c.found@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_PAGE:
    case EMIT_MEMBER_MIXED:
        w.kind = "DDB_ROUTE_PAGE";
        w.flags = m->partial                     ? "DDB_ROUTE_F_PAGED | DDB_ROUTE_F_PARTIAL"
                  : m->kind == EMIT_MEMBER_MIXED ? "DDB_ROUTE_F_PAGED | DDB_ROUTE_F_MIXED"
                                                 : "DDB_ROUTE_F_PAGED";
        w.start = "ddb_out, NULL, ddb_req";
        ddbgen_buf_puts(&call, "ddb_c.out@A@, ddb_req, ddb_c.err);");
        break;
    case EMIT_MEMBER_BATCH_GET:
        w.kind = "DDB_ROUTE_PAGE";
        w.flags = m->partial ? "DDB_ROUTE_F_PARTIAL" : m->mixed ? "DDB_ROUTE_F_MIXED" : "0";
        w.start = "ddb_out, NULL, NULL";
        ddbgen_buf_puts(&call, "ddb_c.out, ddb_keys, ddb_n_keys@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_TX_GET:
        w.kind = "DDB_ROUTE_READ";
        w.start = "ddb_out, NULL, NULL";
        ddbgen_buf_puts(&call, "ddb_c.out@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_UPDATE:
        w.kind = "DDB_ROUTE_UPDATE_FOUND";
        w.start = "ddb_out, ddb_found, NULL";
        ddbgen_buf_puts(&call, "ddb_c.out, ddb_c.found@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_FLAG:
        w.kind = "DDB_ROUTE_FLAG";
        w.start = "NULL, ddb_done, NULL";
        ddbgen_buf_puts(&call, "ddb_c.found@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_PUT_OBJ:
        w.kind = "DDB_ROUTE_WRITE";
        w.flags = "DDB_ROUTE_F_CREATE";
        w.start = "NULL, NULL, @I@";
        ddbgen_buf_puts(&call, "@I@@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_PUT_SCALAR:
        /* DynamoDB gets the entity as the relational side built it, with its ID: the pattern
           itself would allocate another */
        w.kind = "DDB_ROUTE_WRITE";
        w.flags = "DDB_ROUTE_F_SECONDARY | DDB_ROUTE_F_CREATE";
        w.start = "ddb_out, NULL, ddb_out";
        ddbgen_buf_free(&call);
        call = (ddbgen_buf)DDBGEN_BUF_INIT;
        ddbgen_buf_puts(&call, "ddb_c.rc = ddb_c.secondary ? ddb_s->@e@__create(ddb_s, ddb_out, "
                               "ddb_c.err) : ddb_s->@M@(ddb_s, ddb_out@A@, ddb_c.err);");
        break;
    case EMIT_MEMBER_BATCH_WRITE:
        w.kind = "DDB_ROUTE_ITEMS";
        w.start = "NULL, NULL, ddb_items";
        ddbgen_buf_puts(&setup, "    ddb_c.n_items = ddb_n_items;\n");
        ddbgen_buf_puts(&call, "ddb_items, ddb_n_items, ddb_c.err);");
        break;
    case EMIT_MEMBER_TX_WRITE:
        w.kind = "DDB_ROUTE_MANY";
        transaction_objects(E, &setup, m);
        ddbgen_buf_free(&call);
        call = (ddbgen_buf)DDBGEN_BUF_INIT;
        ddbgen_buf_puts(&call, "ddb_c.rc = ddb_s->@M@(ddb_s@A@, ddb_c.err);");
        break;
    }
    w.setup = ddbgen_buf_str(&setup);
    w.call = ddbgen_buf_str(&call);
    emit_routed(ctx->c, v, &w, m->entity != NULL);
    ddbgen_buf_free(&call);
    ddbgen_buf_free(&setup);
}

/* Every access-pattern member, routed. */
static void emit_pattern_members(emitter *E, ddbgen_buf *c, vars *v)
{
    pattern_ctx ctx = {c, v};
    ddbgen_buf_puts(c, "\n/* ---- access patterns ---- */\n");
    emit_repo_pattern_members(E, emit_pattern_member, &ctx);
    emit_set(&v->p, "M", NULL);
    emit_set(&v->p, "A", NULL);
    emit_set(&v->p, "I", NULL);
}

/* The model-wide members: a transaction of any entities, and the ID counters. */
static void emit_model_members(ddbgen_buf *c, const vars *v)
{
    put_lines(
        c, v,
        "\n/* ---- the model ---- */\n\n"
        "static int transact_routed(@ns@__repo *ddb_repo, @ns@__write *ops, size_t n_ops, "
        "ddb_error *ddb_err)\n"
        "{\n"
        "    static const ddb_route_member ddb_m = {\"transact\", DDB_ROUTE_MANY, 0, 0};\n"
        "    ddb_route_object *ddb_o = calloc(n_ops ? n_ops : 1, sizeof *ddb_o);\n"
        "    ddb_route_call ddb_c = ddb_route_start(DDB_RT(ddb_repo), &ddb_m, NULL, NULL, NULL, "
        "ddb_err);\n"
        "    if (!ddb_o)\n"
        "        return DDB_ERR_NOMEM;\n"
        "    /* each entity's key is journaled when DynamoDB's transaction fails; updated ones\n"
        "       keep one version on both sides */\n"
        "    for (size_t i = 0; i < n_ops; i++) {\n"
        "        bool known = ops[i].kind >= 1 && ops[i].kind <= @NS@__N_ENTITIES;\n"
        "        ddb_o[i].desc = known ? @ns@__entities[ops[i].kind - 1] : NULL;\n"
        "        ddb_o[i].obj = ops[i].obj;\n"
        "        ddb_o[i].versioned = ops[i].op == @NS@__WRITE_UPDATE;\n"
        "    }\n"
        "    ddb_c.objects = ddb_o;\n"
        "    ddb_c.n_objects = n_ops;\n"
        "    for (@ns@__repo *ddb_s; (ddb_s = ddb_route_next(&ddb_c)) != NULL;)\n"
        "        ddb_c.rc = ddb_s->transact(ddb_s, ops, n_ops, ddb_c.err);\n"
        "    free(ddb_o);\n"
        "    return ddb_route_end(&ddb_c);\n"
        "}\n\n"
        "static int max_id_routed(@ns@__repo *ddb_repo, @ns@__kind kind, int64_t *out, "
        "ddb_error *ddb_err)\n"
        "{\n"
        "    static const ddb_route_member ddb_m = {\"max_id\", DDB_ROUTE_MODEL, 0, 0};\n"
        "    ddb_route_call ddb_c = ddb_route_start(DDB_RT(ddb_repo), &ddb_m, NULL, NULL, NULL, "
        "ddb_err);\n"
        "    for (@ns@__repo *ddb_s; (ddb_s = ddb_route_next(&ddb_c)) != NULL;)\n"
        "        ddb_c.rc = ddb_s->max_id(ddb_s, kind, out, ddb_c.err);\n"
        "    return ddb_route_end(&ddb_c);\n"
        "}\n\n"
        "static int seed_id_routed(@ns@__repo *ddb_repo, @ns@__kind kind, int64_t floor, "
        "ddb_error *ddb_err)\n"
        "{\n"
        "    static const ddb_route_member ddb_m = {\"seed_id\", DDB_ROUTE_MODEL, 0, "
        "DDB_ROUTE_F_WRITE};\n"
        "    ddb_route_call ddb_c = ddb_route_start(DDB_RT(ddb_repo), &ddb_m, NULL, NULL, NULL, "
        "ddb_err);\n"
        "    for (@ns@__repo *ddb_s; (ddb_s = ddb_route_next(&ddb_c)) != NULL;)\n"
        "        ddb_c.rc = ddb_s->seed_id(ddb_s, kind, floor, ddb_c.err);\n"
        "    return ddb_route_end(&ddb_c);\n"
        "}\n\n"
        "/* The ID counters, for seeding before phase 5. */\n"
        "static int max_id_on(void *repo, int kind, int64_t *out, ddb_error *err)\n"
        "{\n"
        "    return ((@ns@__repo *)repo)->max_id(repo, (@ns@__kind)kind, out, err);\n"
        "}\n\n"
        "static int seed_id_on(void *repo, int kind, int64_t floor, ddb_error *err)\n"
        "{\n"
        "    return ((@ns@__repo *)repo)->seed_id(repo, (@ns@__kind)kind, floor, err);\n"
        "}\n\n"
        "/* The DynamoDB side's client, table and store, for backfill and compare_all in bulk. */\n"
        "static int bulk_target_on(void *repo, int kind, ddb_route_bulk_target *out, "
        "ddb_error *err)\n"
        "{\n"
        "    /* another repository than @ns@__ddb_repo_new's: the runtime goes row by row */\n"
        "    int rc = @ns@__ddb_repo_bulk_target(repo, (@ns@__kind)kind, &out->client, "
        "&out->table, &out->store);\n"
        "    return rc == 0 ? 0 : ddb_error_set(err, rc, \"@ns@ router: no bulk access to "
        "DynamoDB\");\n"
        "}\n\n"
        "static void free_routed(@ns@__repo *repo)\n"
        "{\n"
        "    ddb_routed *r = (ddb_routed *)repo;\n"
        "    if (!r)\n"
        "        return;\n"
        "    ddb_route_fini(&r->route);\n"
        "    free(r);\n"
        "}\n");
}

/* The model's table for the runtime: its entity types, page layouts and ID counters. */
static void emit_model_table(emitter *E, ddbgen_buf *c, vars *v)
{
    bool any = false;
    FOR_EACH_ENTITY(E->m, e)
    {
        if (!any)
            put_lines(c, v, "\nstatic const ddb_route_entity ddb_entities[] = {\n");
        any = true;
        vars_entity(v, e);
        put_lines(c, v,
                  allocates_ids(e) ? "    {&@D@, DDB_ROUTE_PAGE_LAYOUT(@T@__page), true},\n"
                                   : "    {&@D@, DDB_ROUTE_PAGE_LAYOUT(@T@__page), false},\n");
    }
    if (any)
        put_lines(
            c, v,
            "};\n\n"
            "static const ddb_route_model ddb_model = {\n"
            "    \"@ns@\", @NS@__N_ENTITIES, ddb_entities, "
            "DDB_ROUTE_PAGE_LAYOUT(@ns@__mixed_page),\n"
            "    sizeof(@ns@__item), offsetof(@ns@__item, kind), sizeof(@ns@__kind),\n"
            "    offsetof(@ns@__item, as), offsetof(@ns@__page_request, cursor), ddb_storage,\n"
            "    max_id_on, seed_id_on, bulk_target_on};\n");
    else /* a model without entities */
        put_lines(c, v,
                  "\nstatic const ddb_route_model ddb_model = {\n"
                  "    \"@ns@\", 0, NULL, {0, 0, 0, 0}, 0, 0, 0, 0, offsetof(@ns@__page_request, "
                  "cursor),\n"
                  "    ddb_storage, max_id_on, seed_id_on, bulk_target_on};\n");
}

/* ---- construction --------------------------------------------------------------------------- */

/* One member of the interface set to its wrapper. */
static void assign_member(ddbgen_buf *c, const char *member, const char *prefix)
{
    ddbgen_buf_printf(c, "    .%s = %s%s_routed,\n", member, prefix, member);
}

static void assign_pattern_member(emitter *E, const emit_member *m, void *ctx)
{
    (void)E;
    assign_member(ctx, m->name, "");
}

static void emit_constructor(emitter *E, ddbgen_buf *c, vars *v)
{
    static const char *const ops[6] = {"create", "get", "update", "delete", "list", "mirror"};
    put(c, v,
        "\nstatic const @ns@__repo ddb_routed_members = {\n    .version = @NS@__REPO_VERSION,\n");
    FOR_EACH_ENTITY(E->m, e)
    {
        for (size_t i = 0; i < 6; i++) {
            char member[600];
            snprintf(member, sizeof member, "%s__%s", e->c_name, ops[i]);
            assign_member(c, member, "");
        }
    }
    emit_repo_pattern_members(E, assign_pattern_member, c);
    put_lines(
        c, v,
        "    .transact = transact_routed,\n"
        "    .max_id = max_id_routed,\n"
        "    .seed_id = seed_id_routed,\n"
        "    .free = free_routed,\n"
        "};\n\n"
        "/* The router behind repo, or NULL when repo is not one. */\n"
        "static ddb_route *as_router(@ns@__repo *repo)\n"
        "{\n"
        "    return repo && repo->free == free_routed ? DDB_RT(repo) : NULL;\n"
        "}\n\n"
        "int @ns@__router_new(@ns@__repo **out, @ns@__repo *relational, @ns@__repo *dynamodb,\n"
        "    const @ns@__router_options *o, ddb_error *err)\n"
        "{\n"
        "    ddb_router_config cfg = {DDB_ROUTER_CONFIG_VERSION, \"@ns@\", 1, NULL, NULL, NULL, "
        "NULL, NULL, 100, 0, NULL, DDB_ROUTER_SAMPLE_CALL, false, 0, {0, 0, 0}, false, "
        "{NULL, NULL, NULL, 0}};\n"
        "    ddb_routed *r;\n"
        "    int rc;\n"
        "    if (!out || !relational || !dynamodb || (o && (o->version < 1 || o->version > 4)))\n"
        "        return DDB_ERR_INVALID_ARG;\n"
        "    if (o) {\n"
        "        /* version 1 options end before compare_percent: they compare every read */\n"
        "        if (o->version >= 2)\n"
        "            cfg.compare_percent = o->compare_percent;\n"
        "        /* version 2 options end before the field rules: today's comparison */\n"
        "        if (o->version >= 3) {\n"
        "            cfg.n_field_rules = o->n_field_rules;\n"
        "            cfg.field_rules = o->field_rules;\n"
        "            cfg.sample_by = o->sample_by;\n"
        "            cfg.fail_on_mismatch = o->fail_on_mismatch;\n"
        "            cfg.secondary_timeout_ms = o->secondary_timeout_ms;\n"
        "            memcpy(cfg.on_secondary_failure, o->on_secondary_failure,\n"
        "                sizeof cfg.on_secondary_failure);\n"
        "        }\n"
        "        if (o->version >= 4) {\n"
        "            cfg.keep_relational = o->keep_relational;\n"
        "            cfg.phase_source = o->phase_source;\n"
        "        }\n"
        "        cfg.phase = o->phase;\n"
        "        cfg.journal_path = o->journal_path;\n"
        "        cfg.on_event = o->on_event;\n"
        "        cfg.event_ctx = o->event_ctx;\n"
        "        cfg.log = o->log;\n"
        "        cfg.log_ctx = o->log_ctx;\n"
        "    }\n"
        "    if (!(r = calloc(1, sizeof *r)))\n"
        "        return DDB_ERR_NOMEM;\n"
        "    r->base = ddb_routed_members;\n"
        "    if ((rc = ddb_route_init(&r->route, &ddb_model, relational, dynamodb, &cfg, err)) "
        "!= 0) {\n"
        "        free(r);\n"
        "        return rc;\n"
        "    }\n"
        "    *out = &r->base;\n"
        "    return 0;\n"
        "}\n\n"
        "int @ns@__router_phase(@ns@__repo *router)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_router_phase(r->state) : 0;\n"
        "}\n\n"
        "int @ns@__router_set_phase(@ns@__repo *router, int phase, ddb_error *err)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_route_set_phase(r, phase, err) : DDB_ERR_INVALID_ARG;\n"
        "}\n\n"
        "int @ns@__router_stats(@ns@__repo *router, ddb_router_stats *out)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    if (!r || !out)\n"
        "        return DDB_ERR_INVALID_ARG;\n"
        "    ddb_router_stats_get(r->state, out);\n"
        "    return 0;\n"
        "}\n\n"
        "int @ns@__router_replay(@ns@__repo *router, size_t *replayed, ddb_error *err)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_route_replay(r, replayed, err) : DDB_ERR_INVALID_ARG;\n"
        "}\n\n"
        "int @ns@__router_backfill(@ns@__repo *router, ddb_error *err)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_route_backfill(r, err) : DDB_ERR_INVALID_ARG;\n"
        "}\n\n"
        "int @ns@__router_compare_all(@ns@__repo *router, size_t *differences, ddb_error *err)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_route_compare_all(r, differences, err) : DDB_ERR_INVALID_ARG;\n"
        "}\n\n"
        "int @ns@__router_backfill_with(@ns@__repo *router, const ddb_route_bulk_options "
        "*opts,\n"
        "    ddb_route_bulk_stats *stats, ddb_error *err)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_route_backfill_with(r, opts, stats, err) : DDB_ERR_INVALID_ARG;\n"
        "}\n\n"
        "int @ns@__router_compare_all_with(@ns@__repo *router, const ddb_route_bulk_options "
        "*opts,\n"
        "    size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err)\n"
        "{\n"
        "    ddb_route *r = as_router(router);\n"
        "    return r ? ddb_route_compare_all_with(r, opts, differences, stats, err)\n"
        "             : DDB_ERR_INVALID_ARG;\n"
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
        emit_entity_members(c, &v, e);
    }
    emit_pattern_members(E, c, &v);
    emit_model_members(c, &v);
    emit_storage(E, c, &v);
    emit_model_table(E, c, &v);
    emit_constructor(E, c, &v);
    if (v.p.failed && E->status == 0)
        E->status = DDBGEN_ERR_NOMEM;
    emit_printer_fini(&v.p);
}
