/*
 * The prices file (cost.h; share/ddbkit/prices/dynamodb-us-east-1.json).
 */
#include <errno.h>
#include <string.h>

#include "cost/cost.h"

#define ERR DDBGEN_SEV_ERROR

/* A required positive number at section.key; false after a diagnostic. */
static bool price(double *out, json_t *root, const char *section, const char *key,
                  ddbgen_diags *diags)
{
    json_t *v = json_object_get(json_object_get(root, section), key);
    char path[128];
    snprintf(path, sizeof path, "$.%s.%s", section, key);
    if (!json_is_number(v) || json_number_value(v) < 0) {
        ddbgen_diag_add(diags, ERR, path, "give the price in USD as a number",
                        v ? "must be a number >= 0" : "missing required price");
        return false;
    }
    *out = json_number_value(v);
    return true;
}

static const char *text(json_t *root, const char *key, ddbgen_diags *diags)
{
    json_t *v = json_object_get(root, key);
    char path[64];
    snprintf(path, sizeof path, "$.%s", key);
    if (!json_is_string(v) || !*json_string_value(v)) {
        ddbgen_diag_add(diags, ERR, path,
                        "prices are dated and cited: say when and where they were read",
                        "missing required string '%s'", key);
        return NULL;
    }
    return json_string_value(v);
}

int ddbgen_prices_load_file(ddbgen_prices *out, const char *path, ddbgen_diags *diags)
{
    ddbgen_prices p = {0};
    json_error_t jerr;
    const char *saved;
    char prefix[1024];
    int rc = 0;
    bool ok = true;

    if (!out || !path || !diags)
        return DDBGEN_ERR_ARG;
    saved = diags->prefix;
    snprintf(prefix, sizeof prefix, "%s:", path);
    diags->prefix = prefix;
    p.root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!p.root) {
        bool io = jerr.line < 1 && jerr.position == 0;
        if (io)
            ddbgen_diag_add(diags, ERR, "$", "check the path (--prices FILE)", "cannot read: %s",
                            jerr.text);
        else
            ddbgen_diag_add(diags, ERR, "$", "fix the JSON syntax",
                            "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                            jerr.column);
        rc = io ? DDBGEN_ERR_IO : DDBGEN_ERR_JSON;
        goto done;
    }
    if (!json_is_object(p.root)) {
        ddbgen_diag_add(diags, ERR, "$", "see share/ddbkit/prices/", "must be a JSON object");
        rc = DDBGEN_ERR_INVALID;
        goto done;
    }
    p.path = path;
    ok &= (p.date = text(p.root, "date", diags)) != NULL;
    ok &= (p.source = text(p.root, "source", diags)) != NULL;
    p.region = json_string_value(json_object_get(p.root, "region"));
    ok &= price(&p.read_per_million, p.root, "on_demand", "read_request_units_per_million", diags);
    ok &=
        price(&p.write_per_million, p.root, "on_demand", "write_request_units_per_million", diags);
    ok &= price(&p.rcu_hour, p.root, "provisioned", "rcu_hour", diags);
    ok &= price(&p.wcu_hour, p.root, "provisioned", "wcu_hour", diags);
    ok &= price(&p.gb_month, p.root, "storage", "gb_month", diags);
    if (!ok)
        rc = DDBGEN_ERR_INVALID;
done:
    diags->prefix = saved;
    if (rc) {
        json_decref(p.root);
        return rc;
    }
    *out = p;
    return 0;
}

void ddbgen_prices_free(ddbgen_prices *p)
{
    if (!p)
        return;
    json_decref(p->root);
    memset(p, 0, sizeof *p);
}
