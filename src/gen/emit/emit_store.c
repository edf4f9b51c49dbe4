/*
 * The storage members of the repository beyond create/get/update/delete and the access
 * patterns: see emit_internal.h. The logic is the runtime's (ddb_store_* in ddb/dal/entity.h); what
 * is generated here is one static ddb_store_desc per entity and thin wrappers over it.
 *
 * create, update and delete of an entity with an id_strategy or unique_fields are replaced by
 * their store versions in <ns>__ddb_repo_new, after emit_repo.c has assigned the plain ones.
 */
#include <stdio.h>
#include <string.h>

#include "emit/emit_internal.h"
#include "emit/printer.h"

/* Until emit_internal.h declares it: the types the store members use, before struct <ns>__repo. */

static size_t table_index(const ddbgen_model *m, const ddbgen_entity *e)
{
    return (size_t)(e->table - m->tables);
}

/* The entity's position in model order (its kind minus 1). */
static size_t entity_index(const ddbgen_model *m, const ddbgen_entity *e)
{
    size_t k = 0;
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++, k++)
            if (&m->tables[t].entities[i] == e)
                return k;
    return 0;
}

static size_t n_entities(const ddbgen_model *m)
{
    size_t n = 0;
    for (size_t t = 0; t < m->n_tables; t++)
        n += m->tables[t].n_entities;
    return n;
}

static bool uses_counter(const ddbgen_entity *e)
{
    return e->ext.id_strategy == DDBGEN_ID_COUNTER || e->ext.id_strategy == DDBGEN_ID_SOURCE;
}

bool ddbgen_model_uses_counter(const ddbgen_model *m)
{
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++)
            if (uses_counter(&m->tables[t].entities[i]))
                return true;
    return false;
}

/* create is replaced when it assigns IDs or writes sentinels; update and delete for sentinels. */
static bool replaces_create(const ddbgen_entity *e)
{
    return (e->ext.id_strategy != DDBGEN_ID_NONE && e->ext.id_strategy != DDBGEN_ID_UNKNOWN) ||
           e->ext.n_unique > 0 || e->ext.sequence_path;
}

/* The parent entity of e's x-ddbkit.sequence, or NULL. */
static const ddbgen_entity *sequence_parent(const ddbgen_model *m, const ddbgen_entity *e)
{
    return e->ext.sequence_path && e->ext.sequence_parent
               ? ddbgen_model_find_entity(m, e->ext.sequence_parent)
               : NULL;
}

/* The ddb_sequence_desc of e: the parent's key fields and the child's that fill them. */
static void emit_sequence_desc(emitter *E, const ddbgen_entity *e, const ddbgen_entity *parent)
{
    ddbgen_buf *c = E->c;
    const ddbgen_entity_ext *x = &e->ext;
    const char *en = e->c_name;
    int pf[16], cf[16];
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        const ddbgen_key_template *kt = k ? &parent->sk : &parent->pk;
        for (size_t i = 0; kt->present && i < kt->n; i++)
            for (size_t j = 0; j < kt->items[i].n_parts; j++) {
                const ddbgen_template_part *p = &kt->items[i].parts[j];
                bool seen = false;
                if (!p->is_field)
                    continue;
                for (size_t q = 0; q < n; q++)
                    seen = seen || pf[q] == emit_field_index(parent, p->text);
                if (seen || n == 16)
                    continue;
                pf[n] = emit_field_index(parent, p->text);
                cf[n] = emit_field_index(e, p->text);
                if (pf[n] < 0 || cf[n] < 0)
                    E->status = DDBGEN_ERR_INVALID;
                n++;
            }
    }
    ddbgen_buf_printf(c, "\nstatic const int %s__seq_parent_fields[] = {", en);
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_printf(c, "%s%d", i ? ", " : "", pf[i]);
    ddbgen_buf_printf(c, "%s};\nstatic const int %s__seq_key_fields[] = {", n ? "" : "-1", en);
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_printf(c, "%s%d", i ? ", " : "", cf[i]);
    ddbgen_buf_printf(c,
                      "%s};\n\n/* %s.%s numbers %ss per %s (%s.%s holds the last one). */\n"
                      "static const ddb_sequence_desc %s__sequence = {\n"
                      "    %d, &%s__%s__desc, %d, %zu, %s__seq_parent_fields, "
                      "%s__seq_key_fields, %s, %lld,\n};\n",
                      n ? "" : "-1", e->name, x->sequence_field, e->name, parent->name,
                      parent->name, x->sequence_counter, en, emit_field_index(e, x->sequence_field),
                      E->ns, parent->c_name, emit_field_index(parent, x->sequence_counter), n, en,
                      en, x->sequence_gapless ? "true" : "false",
                      x->has_sequence_attempts ? x->sequence_attempts : 0LL);
}

/* The ID field: x-ddbkit's, or the single placeholder of pk_template; -1 when none. */
static int id_field_index(const ddbgen_entity *e)
{
    const char *name = e->ext.id_field;
    if (!name && e->pk.present && e->pk.n == 1) {
        const ddbgen_template *t = &e->pk.items[0];
        size_t fields = 0;
        for (size_t p = 0; p < t->n_parts; p++)
            if (t->parts[p].is_field) {
                fields++;
                name = t->parts[p].text;
            }
        if (fields != 1)
            name = NULL;
    }
    return name ? emit_field_index(e, name) : -1;
}

static const char *strategy_name(ddbgen_id_strategy s)
{
    switch (s) {
    case DDBGEN_ID_SOURCE:
        return "DDB_ID_SOURCE";
    case DDBGEN_ID_COUNTER:
        return "DDB_ID_COUNTER";
    case DDBGEN_ID_UUID:
        return "DDB_ID_UUID";
    case DDBGEN_ID_ULID:
        return "DDB_ID_ULID";
    default:
        return "DDB_ID_NONE";
    }
}

/* The model's word for a strategy. */
static const char *strategy_word(ddbgen_id_strategy s)
{
    switch (s) {
    case DDBGEN_ID_SOURCE:
        return "source";
    case DDBGEN_ID_COUNTER:
        return "counter";
    case DDBGEN_ID_UUID:
        return "uuid";
    case DDBGEN_ID_ULID:
        return "ulid";
    default:
        return "none";
    }
}

/* A printer with the model's names (@ns@, @NS@) and, when e is given, the entity's: @e@ (its C
 * name), @name@ (the model's), @lit@ (that as a C string), @ti@ (its table's index) and @ei@
 * (its kind minus 1). */
static void store_printer(emit_printer *p, const emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf up = DDBGEN_BUF_INIT;
    emit_printer_init(p, '@');
    emit_set(p, "ns", E->ns);
    emit_upper(&up, E->ns);
    emit_set(p, "NS", ddbgen_buf_str(&up) ? ddbgen_buf_str(&up) : "");
    ddbgen_buf_free(&up);
    if (!e)
        return;
    emit_set(p, "e", e->c_name);
    emit_set(p, "name", e->name);
    emit_c_string(&up, e->name);
    emit_set(p, "lit", ddbgen_buf_str(&up));
    ddbgen_buf_free(&up);
    emit_setf(p, "ti", "%zu", table_index(E->m, e));
    emit_setf(p, "ei", "%zu", entity_index(E->m, e));
}

/* Prints text through a printer made for it (see store_printer), which is gone afterwards. */
static void print_store(const emitter *E, const ddbgen_entity *e, ddbgen_buf *out, const char *text)
{
    emit_printer p;
    store_printer(&p, E, e);
    emit_print(&p, out, text);
    emit_printer_fini(&p);
}

void emit_store_types_h(emitter *E)
{
    emit_banner(E->h, "Store: transactions and IDs");
    print_store(
        E, NULL, E->h,
        "\n/* What one operation of transact does (see @ns@__write). */\n"
        "typedef enum @ns@__write_op {\n"
        "    @NS@__WRITE_CREATE = 1,\n"
        "    @NS@__WRITE_UPDATE,\n"
        "    @NS@__WRITE_DELETE,\n"
        "    @NS@__WRITE_ADD\n"
        "} @ns@__write_op;\n\n"
        "/* One operation of transact. */\n"
        "typedef struct @ns@__write {\n"
        "    /* the entity type obj points to */\n"
        "    @ns@__kind kind;\n"
        "    @ns@__write_op op;\n"
        "    /* CREATE: ID assigned, version set; UPDATE: version checked and incremented;\n"
        "       DELETE: version checked unless 0; ADD: only the key fields are read */\n"
        "    void *obj;\n"
        "    /* ADD: the integer field's model name (not a key field) */\n"
        "    const char *field;\n"
        "    /* ADD: added to the field; the item's version is incremented too */\n"
        "    int64_t delta;\n"
        "    /* ADD: fails unless field + delta >= min_result (INT64_MIN: none) */\n"
        "    int64_t min_result;\n"
        "} @ns@__write;\n\n"
        "/*\n * Creates the counter table of the IDs of id_strategy counter and source (name "
        "prefixed with\n * table_prefix, may be NULL), when an entity needs it, and waits until it "
        "is ACTIVE.\n * Returns 0 or a ddb_error_code.\n */\n"
        "int @ns@__create_counter_table(ddb_client *client, const char *table_prefix, "
        "ddb_error *err);\n");
}

void emit_store_entity_members_h(emitter *E, const ddbgen_entity *e)
{
    print_store(E, e, E->h,
                "    /* Every @name@, a page at a time, in no particular order. */\n"
                "    int (*@e@__list)(@ns@__repo *repo, @ns@__@e@__page *out,\n"
                "        const @ns@__page_request *page, ddb_error *err);\n"
                "    /* Makes the stored @name@ of key's primary key equal to obj (NULL: "
                "absent),\n       unconditionally, keeping obj->ddb_version and the unique "
                "values right. Idempotent. */\n"
                "    int (*@e@__mirror)(@ns@__repo *repo, const @ns@__@e@ *obj, const @ns@__@e@ "
                "*key,\n        ddb_error *err);\n");
}

void emit_store_model_members_h(emitter *E)
{
    print_store(
        E, NULL, E->h,
        "\n    /* All of ops or none. A failing op i gives DDB_ERR_TRANSACTION_CANCELED with\n"
        "       err->n_cancellation_reasons == n_ops and reason i \"ConditionalCheckFailed\"; at "
        "most\n       100 actions, unique-value sentinels included (DDB_ERR_LIMIT). */\n"
        "    int (*transact)(@ns@__repo *repo, @ns@__write *ops, size_t n_ops, ddb_error *err);\n"
        "    /* The highest integer ID in use or allocated for kind (0 when none);\n"
        "       DDB_ERR_INVALID_ARG when its ID is not an integer. */\n"
        "    int (*max_id)(@ns@__repo *repo, @ns@__kind kind, int64_t *out, ddb_error *err);\n"
        "    /* IDs allocated later for kind are above floor. */\n"
        "    int (*seed_id)(@ns@__repo *repo, @ns@__kind kind, int64_t floor, ddb_error *err);\n");
}

void emit_store_impl_fields(emitter *E)
{
    size_t n = n_entities(E->m);
    emit_printer p;
    store_printer(&p, E, NULL);
    emit_setf(&p, "n", "%zu", n ? n : 1);
    emit_print(&p, E->c,
               "    char counter_table[256]; /* prefixed; DynamoDB names are at most 255 bytes */\n"
               "    ddb_id_block ids[@n@];       /* counter IDs reserved, per entity */\n");
    emit_printer_fini(&p);
}

/* The static ddb_store_desc of e. */
void emit_store_desc(emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf *c = E->c;
    const char *en = e->c_name;
    const ddbgen_entity_ext *x = &e->ext;
    const ddbgen_entity *parent = sequence_parent(E->m, e);
    emit_printer p;
    if (parent)
        emit_sequence_desc(E, e, parent);
    for (size_t u = 0; u < x->n_unique; u++) {
        ddbgen_buf_printf(c, "\nstatic const int %s__unique%zu[] = {", en, u);
        for (size_t f = 0; f < x->unique[u].n_fields; f++) {
            int fi = emit_field_index(e, x->unique[u].fields[f]);
            if (fi < 0)
                E->status = DDBGEN_ERR_INVALID;
            ddbgen_buf_printf(c, "%s%d", f ? ", " : "", fi);
        }
        ddbgen_buf_puts(c, "};");
    }
    if (x->n_unique) {
        ddbgen_buf_printf(c, "\nstatic const ddb_unique_desc %s__unique[] = {\n", en);
        for (size_t u = 0; u < x->n_unique; u++) {
            char name[512];
            size_t len = 0;
            name[0] = '\0';
            for (size_t f = 0; f < x->unique[u].n_fields; f++) {
                int k = snprintf(name + len, sizeof name - len, "%s%s", f ? "+" : "",
                                 x->unique[u].fields[f]);
                if (k > 0 && (size_t)k < sizeof name - len)
                    len += (size_t)k;
            }
            ddbgen_buf_puts(c, "    {");
            emit_c_string(c, name);
            ddbgen_buf_printf(c, ", %zu, %s__unique%zu},\n", x->unique[u].n_fields, en, u);
        }
        ddbgen_buf_puts(c, "};\n");
    }
    store_printer(&p, E, e);
    emit_set(&p, "word", strategy_word(x->id_strategy));
    emit_set(&p, "strategy", strategy_name(x->id_strategy));
    emit_setf(&p, "n_unique", "%zu", x->n_unique);
    emit_set(&p, "s", x->n_unique == 1 ? "" : "s");
    emit_setf(&p, "id_field", "%d", id_field_index(e));
    emit_setf(&p, "block", "%lld", x->has_block_size ? x->block_size : 100);
    emit_setf(&p, "start", "%lld", x->has_start ? x->start : 1);
    emit_print(&p, c,
               "\n/* @name@ for the runtime's store: id_strategy @word@, @n_unique@ unique value "
               "set@s@. */\n"
               "static const ddb_store_desc @e@__store = {\n"
               "    DDB_STORE_DESC_VERSION, &@ns@__@e@__desc, @strategy@, @id_field@, @lit@, "
               "@block@, @start@,\n"
               "    @n_unique@, ");
    /* the printer does not expand a value's own variables: these two are printed apart */
    emit_print(&p, c, x->n_unique ? "@e@__unique," : "NULL,");
    emit_print(&p, c, parent ? " &@e@__sequence,\n};\n" : " NULL,\n};\n");
    emit_printer_fini(&p);
}

void emit_store_entity_impl(emitter *E, const ddbgen_entity *e)
{
    ddbgen_buf *c = E->c;
    const ddbgen_entity *parent = sequence_parent(E->m, e);
    emit_printer p;
    char ctx[512];

    emit_store_desc(E, e);
    store_printer(&p, E, e);
    if (parent) {
        emit_set(&p, "parent", parent->name);
        emit_set(&p, "gapped", e->ext.sequence_gapless ? "" : " (gapped: before it)");
        emit_setf(&p, "parent_ti", "%zu", table_index(E->m, parent));
        emit_print(
            &p, c,
            "\n/* create numbered per @parent@ (x-ddbkit.sequence), in one transaction "
            "with the counter@gapped@. */\n"
            "static int @e@__create_store(@ns@__repo *repo, @ns@__@e@ *obj, ddb_error *err)\n"
            "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
            "    return ddb_store_create_numbered(r->client, &@e@__store, ddb_table_of(r, "
            "@ti@),\n"
            "        ddb_table_of(r, @parent_ti@), r->counter_table, &r->ids[@ei@], obj, "
            "err);\n}\n");
    } else if (replaces_create(e)) {
        bool id = e->ext.id_strategy != DDBGEN_ID_NONE;
        emit_set(&p, "what", id ? "its ID assigned" : "");
        emit_set(&p, "and", id && e->ext.n_unique ? " and " : "");
        emit_set(&p, "sentinels", e->ext.n_unique ? "its unique-value sentinels" : "");
        emit_print(
            &p, c,
            "\n/* create with @what@@and@@sentinels@. */\n"
            "static int @e@__create_store(@ns@__repo *repo, @ns@__@e@ *obj, ddb_error *err)\n"
            "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
            "    return ddb_store_create(r->client, &@e@__store, ddb_table_of(r, @ti@), "
            "r->counter_table,\n        &r->ids[@ei@], obj, err);\n}\n");
    }
    if (e->ext.n_unique)
        emit_print(
            &p, c,
            "\n/* update moving the sentinels of changed unique values. */\n"
            "static int @e@__update_store(@ns@__repo *repo, @ns@__@e@ *obj, ddb_error *err)\n"
            "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
            "    return ddb_store_update(r->client, &@e@__store, ddb_table_of(r, @ti@), "
            "obj, err);\n}\n"
            "\n/* delete removing the sentinels. */\n"
            "static int @e@__delete_store(@ns@__repo *repo, const @ns@__@e@ *obj, "
            "ddb_error *err)\n"
            "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
            "    return ddb_store_delete(r->client, &@e@__store, ddb_table_of(r, @ti@), "
            "obj, err);\n}\n");
    snprintf(ctx, sizeof ctx, "%s.%s.list", E->ns, e->c_name);
    {
        ddbgen_buf lit = DDBGEN_BUF_INIT;
        emit_c_string(&lit, ctx);
        emit_set(&p, "context", ddbgen_buf_str(&lit));
        ddbgen_buf_free(&lit);
    }
    emit_print(&p, c,
               "\nstatic int @e@__list_ddb(@ns@__repo *repo, @ns@__@e@__page *out,\n"
               "    const @ns@__page_request *page, ddb_error *err)\n"
               "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
               "    ddb_entity_query q = {0};\n    ddb_entity_page p = {0, NULL, NULL};\n"
               "    int rc;\n"
               "    q.consistent_read = r->consistent;\n"
               "    q.limit = page ? page->limit : 0;\n"
               "    q.cursor = page ? page->cursor : NULL;\n"
               "    q.offset = page ? page->offset : 0;\n"
               "    q.context = @context@;\n"
               "    rc = ddb_store_list(&p, r->client, &@e@__store, ddb_table_of(r, @ti@), &q, "
               "err);\n"
               "    if (rc == 0) {\n        out->n_items = p.n;\n"
               "        out->items = p.items;\n        out->cursor = p.cursor;\n    }\n"
               "    return rc;\n}\n"
               "\nstatic int @e@__mirror_ddb(@ns@__repo *repo, const @ns@__@e@ *obj, "
               "const @ns@__@e@ *key,\n    ddb_error *err)\n"
               "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
               "    return ddb_store_mirror(r->client, &@e@__store, ddb_table_of(r, @ti@), obj, "
               "key, err);\n}\n");
    emit_printer_fini(&p);
}

/* The per-kind tables of the store: its descriptors and their tables' indexes. */
static void emit_store_tables(emitter *E)
{
    ddbgen_buf *c = E->c;
    const ddbgen_model *m = E->m;
    size_t k = 0;
    ddbgen_buf_puts(c, "\n/* Per kind (index kind - 1): the store descriptor and its table. */\n"
                       "static const ddb_store_desc *const stores[] = {\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++)
            ddbgen_buf_printf(c, "    &%s__store,\n", m->tables[t].entities[i].c_name);
    if (n_entities(m) == 0)
        ddbgen_buf_puts(c, "    NULL,\n");
    ddbgen_buf_puts(c, "};\nstatic const size_t store_tables[] = {");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++)
            ddbgen_buf_printf(c, "%s%zu", k++ ? ", " : "", t);
    if (n_entities(m) == 0)
        ddbgen_buf_puts(c, "0");
    ddbgen_buf_puts(c, "};\n");
}

void emit_store_model_impl(emitter *E)
{
    ddbgen_buf *c = E->c;
    emit_printer p;

    emit_store_tables(E);
    store_printer(&p, E, NULL);
    emit_setf(&p, "n", "%zu", n_entities(E->m));
    {
        ddbgen_buf lit = DDBGEN_BUF_INIT;
        emit_c_string(&lit, E->m->counter_table);
        emit_set(&p, "counter_table", ddbgen_buf_str(&lit));
        ddbgen_buf_free(&lit);
    }
    emit_print(&p, c,
               "\nstatic int transact_ddb(@ns@__repo *repo, @ns@__write *ops, size_t n_ops, "
               "ddb_error *err)\n"
               "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
               "    ddb_store_write *w;\n    int rc;\n"
               "    if (n_ops && !ops)\n        return DDB_ERR_INVALID_ARG;\n"
               "    w = calloc(n_ops ? n_ops : 1, sizeof *w);\n"
               "    if (!w)\n        return DDB_ERR_NOMEM;\n"
               "    for (size_t i = 0; i < n_ops; i++) {\n"
               "        size_t k = (size_t)ops[i].kind;\n"
               "        if (k < 1 || k > @n@ || ops[i].op < @NS@__WRITE_CREATE || ops[i].op > "
               "@NS@__WRITE_ADD) {\n"
               "            free(w);\n            return DDB_ERR_INVALID_ARG;\n        }\n"
               "        w[i].store = stores[k - 1];\n"
               "        w[i].table = ddb_table_of(r, store_tables[k - 1]);\n"
               "        w[i].block = &r->ids[k - 1];\n"
               "        w[i].op = (ddb_store_op)ops[i].op;\n"
               "        w[i].obj = ops[i].obj;\n        w[i].field = ops[i].field;\n"
               "        w[i].delta = ops[i].delta;\n        w[i].min_result = ops[i].min_result;\n"
               "    }\n"
               "    rc = ddb_store_transact(r->client, r->counter_table, w, n_ops, err);\n"
               "    free(w);\n    return rc;\n}\n"
               "\nstatic int max_id_ddb(@ns@__repo *repo, @ns@__kind kind, int64_t *out, "
               "ddb_error *err)\n"
               "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
               "    size_t k = (size_t)kind;\n"
               "    if (k < 1 || k > @n@)\n        return DDB_ERR_INVALID_ARG;\n"
               "    return ddb_store_max_id(out, r->client, stores[k - 1], "
               "ddb_table_of(r, store_tables[k - 1]),\n"
               "        r->counter_table, err);\n}\n"
               "\nstatic int seed_id_ddb(@ns@__repo *repo, @ns@__kind kind, int64_t floor, "
               "ddb_error *err)\n"
               "{\n    ddb_repo_impl *r = (ddb_repo_impl *)repo;\n"
               "    size_t k = (size_t)kind;\n"
               "    if (k < 1 || k > @n@)\n        return DDB_ERR_INVALID_ARG;\n"
               "    return ddb_store_seed_id(r->client, stores[k - 1], r->counter_table, "
               "&r->ids[k - 1], floor,\n        err);\n}\n"
               "\n/* The counter table's name, prefixed, into buf; false when it is too long. */\n"
               "static bool counter_table_name(char buf[256], const char *prefix)\n{\n"
               "    const char *name = @counter_table@;\n"
               "    size_t np = prefix ? strlen(prefix) : 0, nn = strlen(name);\n"
               "    if (np + nn >= 256)\n        return false;\n"
               "    memcpy(buf, prefix ? prefix : \"\", np);\n"
               "    memcpy(buf + np, name, nn + 1);\n    return true;\n}\n"
               "\nint @ns@__create_counter_table(ddb_client *client, const char "
               "*table_prefix, ddb_error *err)\n{\n");
    /* the arguments are checked alike whether there is a table to create or not */
    emit_print(&p, c,
               "    char name[256];\n"
               "    if (!client)\n"
               "        return ddb_error_set(err, DDB_ERR_INVALID_ARG,\n"
               "            \"@ns@__create_counter_table: client is required\");\n"
               "    if (!counter_table_name(name, table_prefix))\n"
               "        return ddb_error_set(err, DDB_ERR_INVALID_ARG,\n"
               "            \"@ns@__create_counter_table: the table prefix is too long\");\n");
    if (ddbgen_model_uses_counter(E->m))
        emit_print(&p, c, "    return ddb_id_counter_create_table(client, name, 60000, err);\n}\n");
    else
        emit_print(&p, c, "    /* No entity allocates IDs from a counter. */\n    return 0;\n}\n");
    emit_printer_fini(&p);
}

void emit_store_entity_assign(emitter *E, const ddbgen_entity *e)
{
    emit_printer p;
    store_printer(&p, E, e);
    if (replaces_create(e) || e->ext.n_unique)
        emit_print(&p, E->c, "    /* the store's versions: IDs and unique values */\n");
    if (replaces_create(e))
        emit_print(&p, E->c, "    r->base.@e@__create = @e@__create_store;\n");
    if (e->ext.n_unique)
        emit_print(&p, E->c,
                   "    r->base.@e@__update = @e@__update_store;\n"
                   "    r->base.@e@__delete = @e@__delete_store;\n");
    emit_print(&p, E->c,
               "    r->base.@e@__list = @e@__list_ddb;\n"
               "    r->base.@e@__mirror = @e@__mirror_ddb;\n");
    emit_printer_fini(&p);
}

void emit_store_model_assign(emitter *E)
{
    print_store(
        E, NULL, E->c,
        "    r->base.transact = transact_ddb;\n"
        "    r->base.max_id = max_id_ddb;\n"
        "    r->base.seed_id = seed_id_ddb;\n"
        "    if (!counter_table_name(r->counter_table, opts ? opts->table_prefix : NULL)) {\n"
        "        free(r);\n"
        "        return ddb_error_set(err, DDB_ERR_INVALID_ARG,\n"
        "            \"@ns@__ddb_repo_new: the table prefix is too long\");\n    }\n");
}
