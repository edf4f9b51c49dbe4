/*
 * What the parts of the C emitter share: the emitter state and the small text helpers.
 * emit.c writes the entity types and table definitions and drives the others; emit_repo.c
 * writes the repository interface and the DynamoDB implementation; the other emit_*.c files
 * each write one more generated file. Not a public interface.
 */
#ifndef DDBGEN_EMIT_INTERNAL_H
#define DDBGEN_EMIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "emit/emit.h"
#include "model/usage.h"

#include "emit/emit_members.h"

/* The layout of ddb/dal/entity.h that this emitter writes descriptors for. */
#define EMIT_ENTITY_ABI 2

/* The house style's line limit, which the generated C keeps (wrap.h). */
#define EMIT_LINE_LIMIT 100

/* Files beyond <ns>.h and <ns>.c (router, conformance suite, README, table JSON). */
#define EMIT_MAX_EXTRA 14

typedef struct emitter {
    const ddbgen_model *m;
    const ddbgen_usage *usage; /* NULL: no usage data */
    const char *ns;
    const char *model_name;
    ddbgen_buf *h, *c; /* <ns>.h, <ns>.c */
    size_t n_extra;
    char *extra_name[EMIT_MAX_EXTRA]; /* malloc'd */
    ddbgen_buf extra[EMIT_MAX_EXTRA];
    int status;
    bool require_sql;    /* no relational implementation is an error (DDBGEN_ERR_INVALID) */
    ddbgen_diags *diags; /* warnings about what is not generated; NULL: none kept */
} emitter;

/* A new output file named `name` (copied); NULL (and E->status set) when there is no room. */
ddbgen_buf *emit_add_file(emitter *E, const char *name);

/* The output folder, made with its parents when missing; 0 or DDBGEN_ERR_IO (diagnosed). */
int emit_make_output_dir(const char *dir, ddbgen_diags *diags);

/* dir/name from b, written beside it and renamed over it; 0 or DDBGEN_ERR_* (diagnosed). */
int emit_write_file(const char *dir, const char *name, ddbgen_buf *b, ddbgen_diags *diags);

/* A malloc'd "a" "sep" "b", or NULL. */
char *emit_join2(const char *a, const char *sep, const char *b);

/* s in upper case. */
void emit_upper(ddbgen_buf *b, const char *s);

/* A C string literal for s (escaped; no line breaks in the literal). */
void emit_c_string(ddbgen_buf *b, const char *s);

/* Text for a one-line comment: no comment terminator, no line break. */
void emit_comment_text(ddbgen_buf *b, const char *s);

/* A section banner comment. */
void emit_banner(ddbgen_buf *b, const char *title);

/* The "do not edit" banner of a generated file named <ns><suffix>. */
void emit_file_banner(emitter *E, ddbgen_buf *b, const char *suffix);

/* The ddb_field_kind constant of a field type. */
const char *emit_kind_name(ddbgen_type t);

/* The C element type of a list of t, as the entity struct holds it ("int64_t ", "char *"). */
const char *emit_list_elem_type(ddbgen_type t);

/* Optional scalars with no "no value" state of their own get a has_ flag. */
bool emit_needs_has(const ddbgen_field *f);

/* The index of the field named name in e, or -1. */
int emit_field_index(const ddbgen_entity *e, const char *name);

/* A key attribute of an entity and the template that fills it. */
typedef struct key_ref {
    const char *attribute;
    const char *index; /* NULL: primary */
    const ddbgen_template *tmpl;
} key_ref;

#define MAX_KEYS 64

/* The key attributes of an entity: primary first, then each GSI mapping's. */
size_t emit_collect_keys(const ddbgen_entity *e, key_ref *out, size_t cap, size_t *n_primary);

/* The static ddb_table_desc array `tables` of the model, into E->c. */
void emit_table_descs(emitter *E);

/* The entity types (emit_entity.c): a struct member for field f; the struct, its descriptor and
 * wrappers in <ns>.h (header) and <ns>.c (source); the CreateTable JSON of every table. */
void emit_field_member(emitter *E, const ddbgen_entity *e, const ddbgen_field *f);
void emit_entity_header(emitter *E, const ddbgen_entity *e, const char *sname);
void emit_entity_source(emitter *E, const ddbgen_entity *e, const char *sname);
void emit_tables(emitter *E);

/* The repository interface into E->h and its DynamoDB implementation into E->c. */
void emit_repo(emitter *E);

/*
 * The storage members beyond create/get/update/delete and the access patterns (emit_store.c):
 * per entity (list, mirror) and per model (transact, max_id, seed_id), their declarations in the
 * interface (_h), the DynamoDB implementation (_impl), the fields of repo_impl they need, and
 * their assignment in <ns>__ddb_repo_new (_assign). See docs/generated-code.md.
 */
void emit_store_entity_members_h(emitter *E, const ddbgen_entity *e);
void emit_store_model_members_h(emitter *E);
void emit_store_impl_fields(emitter *E);
void emit_store_entity_impl(emitter *E, const ddbgen_entity *e);
void emit_store_model_impl(emitter *E);
void emit_store_entity_assign(emitter *E, const ddbgen_entity *e);
void emit_store_model_assign(emitter *E);

/* The static ddb_store_desc `<entity>__store` of e, into E->c (emit_store.c). */
void emit_store_desc(emitter *E, const ddbgen_entity *e);

/* The relational implementation, <ns>_sql.h/.c and the schema files (emit_sql.c); for a model
 * it cannot implement, nothing and a warning per reason in E->diags. */
void emit_sql(emitter *E);

/* The migration router, <ns>_router.h/.c (emit_router.c). */
void emit_router(emitter *E);

/* The conformance suite, <ns>_conformance.h/.c (emit_conformance.c). */
void emit_conformance(emitter *E);

/* The typedefs the storage members use (<ns>__write...), before struct <ns>__repo. */
void emit_store_types_h(emitter *E);

/* README.md: what was generated and the API at a glance. */
void emit_readme(emitter *E);

#endif
