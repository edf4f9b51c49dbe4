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

#include "diag.h"
#include "model.h"
#include "util.h"

typedef struct ddbgen_emit_options {
    const char *ns;         /* the C namespace; NULL: the model's (x-ddbkit.namespace or file) */
    const char *model_name; /* named in the banner; NULL: the model's source name */
} ddbgen_emit_options;

/*
 * Emits the header and the source for a model that validated without errors.
 *
 * header, source: receive the text (appended). Returns 0, DDBGEN_ERR_NOMEM, DDBGEN_ERR_ARG (bad
 * namespace) or DDBGEN_ERR_INVALID (the model cannot be generated from).
 */
int ddbgen_emit_c(const ddbgen_model *m, const ddbgen_emit_options *opts, ddbgen_buf *header,
                  ddbgen_buf *source);

/* True when ns can be a namespace: [a-z][a-z0-9_]*, no "__", no trailing "_", not a keyword. */
bool ddbgen_namespace_ok(const char *ns);

/*
 * What `ddbkit generate` does: loads and validates model_path (and usage_path when not NULL),
 * and writes <ns>.h and <ns>.c into out_dir (which must exist). ns may be NULL. Diagnostics go
 * to diags (sorted). Returns 0, DDBGEN_ERR_INVALID (model errors), DDBGEN_ERR_IO, DDBGEN_ERR_ARG,
 * DDBGEN_ERR_NOMEM.
 */
int ddbgen_generate_files(const char *model_path, const char *usage_path, const char *out_dir,
                          const char *ns, ddbgen_diags *diags);

#endif
