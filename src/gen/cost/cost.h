/*
 * `ddbkit cost`: the monthly cost of a model's access patterns, on-demand against provisioned,
 * per pattern, GSI and table (docs/design/cost.md). Units come from units.h, prices from a
 * dated prices file (share/ddbkit/prices/).
 *
 * Thread safety: a loaded ddbgen_prices may be read from several threads; the functions keep no
 * state.
 */
#ifndef DDBGEN_COST_H
#define DDBGEN_COST_H

#include <jansson.h>

#include "model/diag.h"
#include "model/model.h"
#include "model/usage.h"
#include "model/util.h"

/* Hours and seconds in the month the prices are quoted for (AWS bills 730 hours a month). */
#define DDBGEN_HOURS_PER_MONTH 730.0
#define DDBGEN_SECONDS_PER_MONTH (DDBGEN_HOURS_PER_MONTH * 3600.0)

/* One price list: USD for the Standard table class of one region. */
typedef struct ddbgen_prices {
    json_t *root;       /* owned; the strings below are borrowed from it */
    const char *path;   /* as given (borrowed from the caller) */
    const char *date;   /* when the figures were read */
    const char *source; /* where from */
    const char *region;
    double read_per_million, write_per_million; /* on-demand request units */
    double rcu_hour, wcu_hour;                  /* provisioned capacity units */
    double gb_month;                            /* storage */
} ddbgen_prices;

/*
 * Loads a prices file. Diagnostics name the file and the JSON path ("prices:on_demand.
 * read_request_units_per_million"). Returns 0, DDBGEN_ERR_IO, DDBGEN_ERR_JSON or
 * DDBGEN_ERR_INVALID (each with a diagnostic), DDBGEN_ERR_NOMEM. out is untouched on failure.
 */
int ddbgen_prices_load_file(ddbgen_prices *out, const char *path, ddbgen_diags *diags);
void ddbgen_prices_free(ddbgen_prices *p);

typedef struct ddbgen_cost_options {
    const ddbgen_prices *prices; /* required */
    const ddbgen_usage *usage;   /* item sizes from its sample_data; NULL: from the field types */
    /* {"pattern name or id": rps}, overriding x-ddbkit.rps; NULL: none. A name that matches no
     * pattern is an error naming it. */
    const json_t *rps;
    const char *rps_path; /* the file's name, for diagnostics */
    /* {"Entity": item count} for storage; NULL: storage is priced per million items only. */
    const json_t *items;
    const char *items_path;
} ddbgen_cost_options;

/*
 * The estimate as a JSON report (docs/cli.md#ddbkit-cost), into *out (owned by the caller).
 * m must be a valid model. Returns 0, DDBGEN_ERR_INVALID (bad rps or items: diagnostics name
 * the entry), DDBGEN_ERR_NOMEM or DDBGEN_ERR_ARG.
 */
int ddbgen_cost_estimate(json_t **out, const ddbgen_model *m, const ddbgen_cost_options *o,
                         ddbgen_diags *diags);

/* The report as text: a table per section, then the totals. */
void ddbgen_cost_format_text(ddbgen_buf *out, const json_t *report);

#endif
