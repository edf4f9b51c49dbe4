/*
 * `ddbkit cost MODEL [--usage-data F] [--rps F] [--items F] [--prices F] [--json]`: the monthly
 * cost of the model's access patterns, on-demand against provisioned (ddbgen_cost_estimate;
 * docs/design/cost.md).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cost/cost.h"
#include "validate/validate.h"

#define PRICES_FILE "dynamodb-us-east-1.json"

const cli_option cli_cost_options[] = {
    {"--usage-data", NULL, "FILE", "item sizes from this usage data's sample_data"},
    {"--rps", NULL, "FILE",
     "{\"pattern name or id\": peak requests per second}, over x-ddbkit.rps"},
    {"--items", NULL, "FILE", "{\"Entity\": item count}, for the storage cost"},
    {"--prices", NULL, "FILE", "the prices file (default: share/ddbkit/prices/" PRICES_FILE ")"},
    {"--json", NULL, NULL, "the report as JSON (docs/cli.md)"},
    {NULL, NULL, NULL, NULL},
};
enum { OPT_USAGE, OPT_RPS, OPT_ITEMS, OPT_PRICES, OPT_JSON };

/* The installed prices file (PREFIX/share beside PREFIX/bin), else the source tree's. */
static const char *default_prices(char *buf, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, cap, "%s/../share/ddbkit/prices/%s", exe, PRICES_FILE);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
#ifdef DDBKIT_SOURCE_PRICES
    return DDBKIT_SOURCE_PRICES;
#else
    return NULL;
#endif
}

/* A JSON object file of --rps or --items; NULL after a one-line error. */
static json_t *load_object(const char *opt, const char *path)
{
    json_error_t jerr;
    json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!v)
        fprintf(
            stderr, "ddbkit cost: %s %s: %s%s\n", opt, path,
            jerr.line < 1 && jerr.position == 0 ? "cannot read: " : "not valid JSON: ", jerr.text);
    return v;
}

/* The errors of diags on stderr, one a line; -1 when out of memory (after saying so). */
static int print_errors(ddbgen_diags *diags)
{
    ddbgen_buf text = DDBGEN_BUF_INIT;
    int rc = 0;
    ddbgen_diags_sort(diags);
    ddbgen_diags_format_text_upto(diags, DDBGEN_SEV_ERROR, &text);
    if (ddbgen_buf_str(&text)) {
        fputs(ddbgen_buf_str(&text), stderr);
    } else {
        fprintf(stderr, "ddbkit cost: out of memory\n");
        rc = -1;
    }
    ddbgen_buf_free(&text);
    return rc;
}

int cli_cost(const cli_command *self, int argc, char **argv)
{
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf text = DDBGEN_BUF_INIT;
    ddbgen_model *m = NULL;
    ddbgen_usage *usage = NULL;
    ddbgen_prices prices = {0};
    ddbgen_cost_options o = {0};
    json_t *rps = NULL, *items = NULL, *report = NULL;
    const char *model, *prices_path;
    char prices_buf[PATH_MAX + 64];
    cli_args a;
    int rc = cli_parse(&a, self, argc, argv), status = CLI_EXIT_USAGE;

    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    model = a.n_positional ? a.positional[0] : NULL;
    if (!model) {
        fprintf(stderr, "ddbkit cost: no model file given (see ddbkit cost --help)\n");
        return CLI_EXIT_USAGE;
    }
    prices_path =
        a.value[OPT_PRICES] ? a.value[OPT_PRICES] : default_prices(prices_buf, sizeof prices_buf);
    if (!prices_path) {
        fprintf(stderr, "ddbkit cost: no prices file found; give one with --prices FILE\n");
        return CLI_EXIT_USAGE;
    }
    if (a.value[OPT_RPS] && !(rps = load_object("--rps", a.value[OPT_RPS])))
        goto done;
    if (a.value[OPT_ITEMS] && !(items = load_object("--items", a.value[OPT_ITEMS])))
        goto done;
    /* the model first: its errors end with the summary line infra and generate print */
    rc = ddbgen_model_load_file(&m, model, &diags);
    if (rc == 0)
        rc = ddbgen_model_validate(m, &diags);
    if (rc == 0 && a.value[OPT_USAGE])
        rc = ddbgen_usage_load_file(&usage, a.value[OPT_USAGE], m, &diags);
    if (rc == DDBGEN_ERR_JSON)
        rc = DDBGEN_ERR_INVALID;
    if (rc == 0 && (diags.n_errors || diags.dropped || diags.nomem))
        rc = DDBGEN_ERR_INVALID;
    if (rc) {
        if (print_errors(&diags) == 0)
            fprintf(stderr, "ddbkit cost: %s: %s\n", model, ddbgen_strerror(rc));
        status = rc == DDBGEN_ERR_INVALID ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
        goto done;
    }
    /* then the prices, rates and counts: each error is one line naming the file and entry */
    rc = ddbgen_prices_load_file(&prices, prices_path, &diags);
    if (rc == 0) {
        o.prices = &prices;
        o.usage = usage;
        o.rps = rps;
        o.rps_path = a.value[OPT_RPS];
        o.items = items;
        o.items_path = a.value[OPT_ITEMS];
        rc = ddbgen_cost_estimate(&report, m, &o, &diags);
    }
    if (rc) {
        if (print_errors(&diags) == 0 && !diags.n_errors)
            fprintf(stderr, "ddbkit cost: %s\n", ddbgen_strerror(rc));
        status = rc == DDBGEN_ERR_INVALID ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
        goto done;
    }
    ddbgen_buf_free(&text);
    if (a.value[OPT_JSON]) {
        char *s =
            json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        if (s)
            printf("%s\n", s);
        free(s);
        status = s ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    } else {
        ddbgen_cost_format_text(&text, report);
        if (ddbgen_buf_str(&text))
            fputs(ddbgen_buf_str(&text), stdout);
        status = ddbgen_buf_str(&text) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
done:
    json_decref(report);
    json_decref(rps);
    json_decref(items);
    ddbgen_prices_free(&prices);
    ddbgen_usage_free(usage);
    ddbgen_model_free(m);
    ddbgen_buf_free(&text);
    ddbgen_diags_free(&diags);
    return status;
}
