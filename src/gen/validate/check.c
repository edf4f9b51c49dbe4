/*
 * Model and usage data validation in one call, as the ddbkit command and the tests run it.
 */
#include "model/usage.h"
#include "validate/validate.h"

int ddbgen_check_files(const char *model_path, const char *usage_path, ddbgen_diags *diags)
{
    ddbgen_model *m = NULL;
    ddbgen_usage *u = NULL;
    int rc;

    if (!model_path || !diags)
        return DDBGEN_ERR_ARG;
    rc = ddbgen_model_load_file(&m, model_path, diags);
    if (rc == 0) {
        rc = ddbgen_model_validate(m, diags);
        if (rc == DDBGEN_ERR_INVALID)
            rc = 0;
        if (rc == 0 && usage_path)
            rc = ddbgen_usage_load_file(&u, usage_path, m, diags);
        if (rc == DDBGEN_ERR_JSON)
            rc = 0;
    } else if (rc == DDBGEN_ERR_JSON) {
        rc = 0;
    }
    ddbgen_diags_sort(diags);
    if (rc == 0 && (diags->n_errors || diags->dropped || diags->nomem))
        rc = DDBGEN_ERR_INVALID;
    ddbgen_usage_free(u);
    ddbgen_model_free(m);
    return rc;
}
