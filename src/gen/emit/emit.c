/*
 * The emitter's driver: one pass per output (entity types, repository, router, conformance suite,
 * README), in a fixed order, then the files written. See emit.h and docs/generated-code.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit/emit_internal.h"
#include "emit/wrap.h"
#include "model/usage.h"
#include "validate/validate.h"

/* A .c or .h file: the ones the line wrapper formats. */
static bool is_c_source(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

/* ---- the other generated files ------------------------------------------------------------ */

/* Each writes one or more extra files through emit_add_file, in this order. */
static void (*const emit_parts[])(emitter *E) = {
    emit_router, emit_conformance, emit_sql, emit_readme, /* last: it lists the files before it */
};

/* The entity kinds: a tag per entity (mixed results, transactions, journals), in model order. */
static void emit_kind_enum(emitter *E)
{
    const ddbgen_model *m = E->m;
    ddbgen_buf *h = E->h;
    size_t k = 1;
    ddbgen_buf_printf(h,
                      "\n/* A tag per entity type, in model order; 0 is no entity. */\n"
                      "typedef enum %s__kind {\n    ",
                      E->ns);
    emit_upper(h, E->ns);
    ddbgen_buf_puts(h, "__KIND_NONE = 0,\n");
    for (size_t t = 0; t < m->n_tables; t++)
        for (size_t i = 0; i < m->tables[t].n_entities; i++) {
            ddbgen_buf_puts(h, "    ");
            emit_upper(h, E->ns);
            ddbgen_buf_puts(h, "__KIND_");
            emit_upper(h, m->tables[t].entities[i].c_name);
            ddbgen_buf_printf(h, " = %zu,\n", k++);
        }
    ddbgen_buf_printf(h, "} %s__kind;\n", E->ns);
}

/* <ns>.h and <ns>.c: the entity types, the table definitions, the repository interface and the
 * DynamoDB implementation. */
static void emit_main(emitter *E)
{
    const ddbgen_model *m = E->m;
    ddbgen_buf *header = E->h, *source = E->c;
    char *sname = NULL;

    /* header: banner, guard, includes, version handshake */
    emit_file_banner(E, header, ".h");
    ddbgen_buf_puts(header, "#ifndef ");
    emit_upper(header, E->ns);
    ddbgen_buf_puts(header, "_H\n#define ");
    emit_upper(header, E->ns);
    ddbgen_buf_puts(header,
                    "_H\n\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
                    "#include \"ddb/ddb.h\"\n#include \"ddb/dal/entity.h\"\n\n");
    ddbgen_buf_printf(header,
                      "/* Generated for ddb/dal/entity.h ABI %d: with another libddbkit, generate "
                      "it again\n   with that libddbkit's ddbkit. */\n"
                      "#if !defined(DDB_ENTITY_ABI_VERSION) || DDB_ENTITY_ABI_VERSION != %d\n"
                      "#error \"%s.h: generated for ddb/dal/entity.h ABI %d; regenerate it\"\n"
                      "#endif\n",
                      EMIT_ENTITY_ABI, EMIT_ENTITY_ABI, E->ns, EMIT_ENTITY_ABI);
    ddbgen_buf_puts(header, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");

    emit_file_banner(E, source, ".c");
    ddbgen_buf_printf(source,
                      "#include \"%s.h\"\n\n#include <stddef.h>\n#include <stdlib.h>\n"
                      "#include <string.h>\n",
                      E->ns);

    emit_banner(header, "Entity types");
    emit_banner(source, "Entity types");
    for (size_t t = 0; t < m->n_tables && E->status == 0; t++) {
        const ddbgen_table *tb = &m->tables[t];
        for (size_t i = 0; i < tb->n_entities; i++) {
            const ddbgen_entity *e = &tb->entities[i];
            free(sname);
            sname = emit_join2(E->ns, "__", e->c_name);
            if (!sname) {
                E->status = DDBGEN_ERR_NOMEM;
                break;
            }
            emit_entity_header(E, e, sname);
            emit_entity_source(E, e, sname);
        }
    }
    free(sname);
    if (E->status == 0) {
        size_t n = 0;
        ddbgen_buf_printf(header, "\n/* Every entity's descriptor, in model order. */\n#define ");
        emit_upper(header, E->ns);
        for (size_t t = 0; t < m->n_tables; t++)
            n += m->tables[t].n_entities;
        ddbgen_buf_printf(header,
                          "__N_ENTITIES %zu\nextern const ddb_entity_desc *const "
                          "%s__entities[];\n",
                          n, E->ns);
        ddbgen_buf_printf(source, "\nconst ddb_entity_desc *const %s__entities[] = {\n", E->ns);
        for (size_t t = 0; t < m->n_tables; t++)
            for (size_t i = 0; i < m->tables[t].n_entities; i++)
                ddbgen_buf_printf(source, "    &%s__%s__desc,\n", E->ns,
                                  m->tables[t].entities[i].c_name);
        if (n == 0)
            ddbgen_buf_puts(source, "    NULL,\n");
        ddbgen_buf_puts(source, "};\n");
        emit_kind_enum(E);
    }
    if (E->status == 0)
        emit_tables(E);
    if (E->status == 0)
        emit_repo(E);

    ddbgen_buf_puts(header, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

void ddbgen_emit_output_free(ddbgen_emit_output *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->n_files; i++) {
        free(out->names[i]);
        ddbgen_buf_free(&out->files[i]);
    }
    memset(out, 0, sizeof *out);
}

int ddbgen_emit(const ddbgen_model *m, const ddbgen_usage *usage, const ddbgen_emit_options *opts,
                ddbgen_emit_output *out)
{
    emitter E = {0};
    ddbgen_buf h = DDBGEN_BUF_INIT, c = DDBGEN_BUF_INIT;
    size_t n = 0;

    if (!m || !out)
        return DDBGEN_ERR_ARG;
    memset(out, 0, sizeof *out);
    E.m = m;
    E.usage = usage;
    E.h = &h;
    E.c = &c;
    E.ns = opts && opts->ns ? opts->ns : m->ns;
    E.model_name = opts && opts->model_name ? opts->model_name : m->source_name;
    E.diags = opts ? opts->diags : NULL;
    E.require_sql = opts && opts->require_sql;
    if (!E.model_name)
        E.model_name = "(model)";
    if (!ddbgen_namespace_ok(E.ns))
        return DDBGEN_ERR_ARG;

    emit_main(&E);
    for (size_t i = 0; i < sizeof emit_parts / sizeof emit_parts[0] && E.status == 0; i++)
        emit_parts[i](&E);
    if (E.status == 0 && (!ddbgen_buf_str(&h) || !ddbgen_buf_str(&c)))
        E.status = DDBGEN_ERR_NOMEM;
    for (size_t i = 0; i < E.n_extra && E.status == 0; i++)
        if (!ddbgen_buf_str(&E.extra[i]))
            E.status = DDBGEN_ERR_NOMEM;

    /* hand over: <ns>.h, <ns>.c, then the extra files in the order they were added */
    out->names[n] = emit_join2(E.ns, "", ".h");
    out->files[n++] = h;
    out->names[n] = emit_join2(E.ns, "", ".c");
    out->files[n++] = c;
    for (size_t i = 0; i < E.n_extra; i++) {
        out->names[n] = E.extra_name[i];
        out->files[n++] = E.extra[i];
    }
    out->n_files = n;
    for (size_t i = 0; i < n && E.status == 0; i++)
        if (!out->names[i])
            E.status = DDBGEN_ERR_NOMEM;
    /* the house limit, for every C file: the emitters print without measuring */
    for (size_t i = 0; i < n && E.status == 0; i++)
        if (is_c_source(out->names[i]) && emit_wrap_c(&out->files[i], EMIT_LINE_LIMIT) != 0)
            E.status = DDBGEN_ERR_NOMEM;
    if (E.status != 0)
        ddbgen_emit_output_free(out);
    return E.status;
}

/*
 * The output folder, created with its parents when missing (as `mkdir -p` would). A path that
 * exists and is not a folder, or a folder that cannot be made, is one error naming it.
 */
int emit_make_output_dir(const char *dir, ddbgen_diags *diags)
{
    struct stat st;
    char *path;
    int rc = 0;

    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$", "give -o a folder",
                        "the output path %s is not a folder", dir);
        return DDBGEN_ERR_IO;
    }
    path = emit_join2(dir, "", "");
    if (!path)
        return DDBGEN_ERR_NOMEM;
    /* each parent in turn; one that exists already is fine */
    for (char *p = path + 1; rc == 0; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$", NULL,
                            "cannot create the output folder %s: %s", path, strerror(errno));
            rc = DDBGEN_ERR_IO;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
    return rc;
}

/*
 * One file, written beside its final name and renamed over it, so that a generator killed
 * mid-way or a full disk never leaves a truncated file where a good one was.
 */
int emit_write_file(const char *dir, const char *name, ddbgen_buf *b, ddbgen_diags *diags)
{
    char *path = NULL, *tmp = NULL;
    char suffix[32];
    FILE *f = NULL;
    const char *text = ddbgen_buf_str(b);
    int rc = 0;

    if (!text)
        return DDBGEN_ERR_NOMEM;
    (void)snprintf(suffix, sizeof suffix, ".tmp%ld", (long)getpid());
    path = emit_join2(dir, "/", name);
    tmp = path ? emit_join2(path, suffix, "") : NULL;
    if (!path || !tmp) {
        free(path);
        return DDBGEN_ERR_NOMEM;
    }
    f = fopen(tmp, "wb");
    if (!f || fwrite(text, 1, b->len, f) != b->len)
        rc = DDBGEN_ERR_IO;
    if (f && fclose(f) != 0)
        rc = DDBGEN_ERR_IO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = DDBGEN_ERR_IO;
    if (rc != 0) {
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$", NULL, "cannot write %s: %s", path,
                        strerror(errno));
        (void)remove(tmp);
    }
    free(tmp);
    free(path);
    return rc;
}

int ddbgen_generate_files(const char *model_path, const char *usage_path, const char *out_dir,
                          const char *ns, unsigned flags, ddbgen_diags *diags)
{
    ddbgen_model *m = NULL;
    ddbgen_usage *u = NULL;
    ddbgen_emit_output files = {0};
    ddbgen_emit_options o = {0};
    const char *base;
    int rc;

    if (!model_path || !out_dir || !diags)
        return DDBGEN_ERR_ARG;
    rc = ddbgen_model_load_file(&m, model_path, diags);
    if (rc == 0)
        rc = ddbgen_model_validate(m, diags);
    if (rc == 0 && usage_path)
        rc = ddbgen_usage_load_file(&u, usage_path, m, diags);
    if (rc == DDBGEN_ERR_JSON)
        rc = DDBGEN_ERR_INVALID;
    if (rc == 0 && (diags->n_errors || diags->dropped || diags->nomem))
        rc = DDBGEN_ERR_INVALID;
    if (rc != 0)
        goto done;

    base = strrchr(model_path, '/');
    o.model_name = base ? base + 1 : model_path;
    o.ns = ns;
    o.diags = diags;
    o.require_sql = (flags & DDBGEN_GENERATE_REQUIRE_SQL) != 0;
    rc = ddbgen_emit(m, u, &o, &files);
    if (rc == DDBGEN_ERR_ARG)
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$",
                        "use lower-case letters, digits and single "
                        "underscores",
                        "namespace '%s' is not usable", ns ? ns : m->ns);
    if (rc == 0)
        rc = emit_make_output_dir(out_dir, diags);
    for (size_t i = 0; rc == 0 && i < files.n_files; i++)
        rc = emit_write_file(out_dir, files.names[i], &files.files[i], diags);
done:
    ddbgen_diags_sort(diags);
    ddbgen_emit_output_free(&files);
    ddbgen_usage_free(u);
    ddbgen_model_free(m);
    return rc;
}
