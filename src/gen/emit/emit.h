/*
 * The C emitter behind `ddbkit generate`: from a validated model it writes <ns>.h and <ns>.c, a
 * typed data access layer over libddbkit (docs/generated-code.md).
 *
 * The output is deterministic: the same model and options give the same bytes (no timestamps,
 * no paths other than the model's file name, everything in model order).
 *
 * Thread safety: the emitter only reads the model; buffers belong to the caller.
 */
#ifndef DDBGEN_EMIT_H
#define DDBGEN_EMIT_H

#include "model/diag.h"
#include "model/model.h"
#include "model/usage.h"
#include "model/util.h"

typedef struct ddbgen_emit_options {
    const char *ns;         /* the C namespace; NULL: the model's (x-ddbkit.namespace or file) */
    const char *model_name; /* named in the banner; NULL: the model's source name */
    ddbgen_diags *diags;    /* receives warnings about files not generated; NULL: none */
    bool require_sql; /* a model without a relational implementation is an error, not a warning */
} ddbgen_emit_options;

/* The generated files: <ns>.h and <ns>.c first, then the others in a fixed order. */
#define DDBGEN_EMIT_MAX_FILES 16

typedef struct ddbgen_emit_output {
    size_t n_files;
    char *names[DDBGEN_EMIT_MAX_FILES]; /* file names, no directory */
    ddbgen_buf files[DDBGEN_EMIT_MAX_FILES];
} ddbgen_emit_output;

/*
 * Emits every file for a model that validated without errors. usage (may be NULL) feeds the
 * generated conformance suite. out is filled (free with ddbgen_emit_output_free). Returns 0,
 * DDBGEN_ERR_NOMEM, DDBGEN_ERR_ARG (bad namespace) or DDBGEN_ERR_INVALID (the model cannot be
 * generated from); out is empty on failure.
 */
int ddbgen_emit(const ddbgen_model *m, const ddbgen_usage *usage, const ddbgen_emit_options *opts,
                ddbgen_emit_output *out);

void ddbgen_emit_output_free(ddbgen_emit_output *out);

/* True when ns can be a namespace: [a-z][a-z0-9_]*, no "__", no trailing "_", not a keyword. */
bool ddbgen_namespace_ok(const char *ns);

/*
 * What `ddbkit generate` does: loads and validates model_path (and usage_path when not NULL),
 * and writes every generated file into out_dir (made when missing). ns may be NULL; flags
 * DDBGEN_GENERATE_REQUIRE_SQL makes a model without a relational implementation an error (and
 * nothing is written). Diagnostics go to diags (sorted). Returns 0, DDBGEN_ERR_INVALID (model
 * errors), DDBGEN_ERR_IO, DDBGEN_ERR_ARG, DDBGEN_ERR_NOMEM.
 */
#define DDBGEN_GENERATE_REQUIRE_SQL 1u
int ddbgen_generate_files(const char *model_path, const char *usage_path, const char *out_dir,
                          const char *ns, unsigned flags, ddbgen_diags *diags);

/* A table's key attributes: its own key and each GSI's (20 GSIs of up to 8 attributes). */
#define DDBGEN_TABLE_MAX_ATTRIBUTES (2 + 20 * 8)

/*
 * A table as the generated code creates it (its ddb_table_desc and CreateTable JSON), and as
 * `ddbkit tables create` does: one plan, so that the two cannot disagree.
 */
typedef struct ddbgen_table_layout {
    size_t n_attributes;
    /* every key attribute once, the table's first, then each GSI's; borrowed from the model */
    const char *attributes[DDBGEN_TABLE_MAX_ATTRIBUTES];
    const char *types[DDBGEN_TABLE_MAX_ATTRIBUTES]; /* "S" or "N", from the key templates */
    const char *ttl_attribute;                      /* NULL: no TTL */
} ddbgen_table_layout;

/* The layout of table t of a model that validated without errors. */
void ddbgen_table_layout_of(ddbgen_table_layout *out, const ddbgen_table *t);

/*
 * The CreateTable request body (JSON) of table t of a valid model, as the generated
 * NS__create_table_json holds it; `ddbkit infra` builds each table's resource from it.
 */
void ddbgen_table_create_json(ddbgen_buf *b, const ddbgen_table *t);

/* `ddbkit infra`: a CloudFormation template (docs/design/infra.md). */
typedef enum ddbgen_infra_format { DDBGEN_INFRA_JSON, DDBGEN_INFRA_YAML } ddbgen_infra_format;

typedef struct ddbgen_infra_options {
    ddbgen_infra_format format;
    /* false: on-demand tables; true: provisioned, with capacity and auto-scaling derived from
     * each access pattern's x-ddbkit.rps (all of them must have one) */
    bool provisioned;
} ddbgen_infra_options;

/*
 * The template of a model that validated without errors into *out (replaced; the caller's).
 * Returns 0, DDBGEN_ERR_INVALID (diagnosed: provisioned without rps, over 500 resources),
 * DDBGEN_ERR_ARG or DDBGEN_ERR_NOMEM; *out untouched on failure.
 */
int ddbgen_infra_template(ddbgen_buf *out, const ddbgen_model *m, const ddbgen_infra_options *o,
                          ddbgen_diags *diags);

/*
 * What `ddbkit infra` does: loads and validates model_path and writes out_dir/<ns>.template.json
 * (or .yaml). *written (may be NULL) gets the malloc'd path written. Diagnostics go to diags
 * (sorted). Returns 0, DDBGEN_ERR_INVALID, DDBGEN_ERR_IO, DDBGEN_ERR_ARG or DDBGEN_ERR_NOMEM.
 */
int ddbgen_infra_files(const char *model_path, const char *out_dir, const ddbgen_infra_options *o,
                       ddbgen_diags *diags, char **written);

/* Whether an entity allocates IDs from the counter table (id_strategy counter or source). */
bool ddbgen_model_uses_counter(const ddbgen_model *m);

#endif
