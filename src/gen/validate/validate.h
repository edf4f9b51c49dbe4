/*
 * Model validation: the rules of the MCP format that relate parts of a model to each other, and
 * ddbkit's own rules (C names, key types, DynamoDB limits, operations and their parameters, the
 * x-ddbkit extensions). docs/model-file.md lists them.
 * *
 * The validator checks each access pattern through its plan (plan/plan.h), the same plan the
 * emitters follow, so what validates is what gets generated.
 *
 * Thread safety: both functions only read the model.
 */
#ifndef DDBGEN_VALIDATE_H
#define DDBGEN_VALIDATE_H

#include "model/diag.h"
#include "model/model.h"
#include "plan/plan.h"

/*
 * Checks a loaded model and appends the findings to diags (errors and warnings). Call
 * ddbgen_diags_sort afterwards for a stable order. Returns 0 when there is no error in diags
 * (including the loader's), DDBGEN_ERR_INVALID when there is, DDBGEN_ERR_NOMEM.
 */
int ddbgen_model_validate(const ddbgen_model *m, ddbgen_diags *diags);

/*
 * What `ddbkit validate-model` does: loads and validates a model file and, when usage_path is not
 * NULL, checks its usage data against it; leaves the sorted diagnostics in diags.
 *
 * Returns 0 when there is no error, DDBGEN_ERR_INVALID when there are errors (malformed JSON
 * included), DDBGEN_ERR_IO when a file cannot be read, DDBGEN_ERR_NOMEM.
 */
int ddbgen_check_files(const char *model_path, const char *usage_path, ddbgen_diags *diags);

#endif
