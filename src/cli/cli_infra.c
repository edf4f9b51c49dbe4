/*
 * `ddbkit infra MODEL -o DIR [--format json|yaml] [--billing on-demand|provisioned]`: the
 * model's CloudFormation template (ddbgen_infra_files; docs/design/infra.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit/emit.h"

const cli_option cli_infra_options[] = {
    {"--output", "-o", "DIR", "the folder to write into (made when missing); required"},
    {"--format", NULL, "FORMAT", "json (the default) or yaml"},
    {"--billing", NULL, "MODE",
     "on-demand (the default), or provisioned: capacity and\n"
     "auto-scaling from each access pattern's x-ddbkit.rps"},
    {NULL, NULL, NULL, NULL},
};
enum { OPT_OUTPUT, OPT_FORMAT, OPT_BILLING };

int cli_infra(const cli_command *self, int argc, char **argv)
{
    ddbgen_infra_options o = {DDBGEN_INFRA_JSON, false};
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf text = DDBGEN_BUF_INIT;
    const char *model, *out_dir, *format, *billing;
    char *written = NULL;
    cli_args a;
    int rc = cli_parse(&a, self, argc, argv), status;

    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    model = a.n_positional ? a.positional[0] : NULL;
    out_dir = a.value[OPT_OUTPUT];
    format = a.value[OPT_FORMAT];
    billing = a.value[OPT_BILLING];
    if (!model || !out_dir) {
        fprintf(stderr, "ddbkit infra: %s (see ddbkit infra --help)\n",
                model ? "no output folder given (-o DIR)" : "no model file given");
        return CLI_EXIT_USAGE;
    }
    if (format && strcmp(format, "json") != 0 && strcmp(format, "yaml") != 0) {
        fprintf(stderr, "ddbkit infra: --format '%s' is not a format; use json or yaml\n", format);
        return CLI_EXIT_USAGE;
    }
    if (billing && strcmp(billing, "on-demand") != 0 && strcmp(billing, "provisioned") != 0) {
        fprintf(stderr,
                "ddbkit infra: --billing '%s' is not a billing mode; use on-demand or "
                "provisioned\n",
                billing);
        return CLI_EXIT_USAGE;
    }
    if (format && strcmp(format, "yaml") == 0)
        o.format = DDBGEN_INFRA_YAML;
    o.provisioned = billing && strcmp(billing, "provisioned") == 0;

    rc = ddbgen_infra_files(model, out_dir, &o, &diags, &written);
    ddbgen_diags_format_text_upto(&diags, DDBGEN_SEV_ERROR, &text);
    if (!ddbgen_buf_str(&text)) {
        fprintf(stderr, "ddbkit infra: out of memory\n");
        status = CLI_EXIT_USAGE;
        goto done;
    }
    fputs(ddbgen_buf_str(&text), stderr);
    status = rc == 0 ? CLI_EXIT_OK : rc == DDBGEN_ERR_INVALID ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
    if (status != CLI_EXIT_OK)
        fprintf(stderr, "ddbkit infra: %s: %s\n", model, ddbgen_strerror(rc));
    else
        printf("%s: wrote %s\n", model, written);
done:
    free(written);
    ddbgen_buf_free(&text);
    ddbgen_diags_free(&diags);
    return status;
}
