/* MIGRATION.md, rendered from the state's document: what a person reads in the repository. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate_internal.h"

/* The subcommand that runs a step, for the steps this ddbkit has; NULL for the others. */
static const char *command_of(const char *step)
{
    if (strcmp(step, "discover") == 0)
        return "ddbkit migrate discover --codebase .";
    return NULL;
}

/* A value on one line: strings as they are (line breaks as spaces), the rest as JSON. */
static void put_value(FILE *f, const json_t *v)
{
    if (json_is_string(v)) {
        for (const char *p = json_string_value(v); *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
        return;
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    fputs(text ? text : "?", f);
    free(text);
}

/* A paragraph, words wrapped at 80 columns. */
static void put_wrapped(FILE *f, const char *text)
{
    size_t col = 0;
    while (*text) {
        size_t n = strcspn(text, " ");
        if (col > 0 && col + 1 + n > 80) {
            fputc('\n', f);
            col = 0;
        } else if (col > 0) {
            fputc(' ', f);
            col++;
        }
        fwrite(text, 1, n, f);
        col += n;
        text += n;
        text += strspn(text, " ");
    }
    fputc('\n', f);
}

static void put_step(FILE *f, size_t number, const ddbmig_step_def *def, const json_t *step)
{
    const char *status = json_string_value(json_object_get(step, "status"));
    const char *cmd = command_of(def->name);
    int done = status && strcmp(status, "done") == 0;
    const char *line = def->checks;
    const char *key;
    json_t *v;

    fprintf(f, "\n## %zu. %s: %s\n\n", number, def->name, def->title);
    put_wrapped(f, def->what);
    fprintf(f, "\n");
    if (def->optional)
        fprintf(f, "This step is optional.\n\n");
    if (cmd)
        fprintf(f, "Run: `%s`\n\n", cmd);
    else
        fprintf(f, "Run: not yet available in this version of ddbkit.\n\n");
    fprintf(f, "Checks:\n");
    while (*line) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        fprintf(f, "- [%c] %.*s\n", done ? 'x' : ' ', len, line);
        line += len + (nl ? 1 : 0);
    }
    fprintf(f, "\nStatus: **%s**", status ? status : "pending");
    if (status && strcmp(status, "pending") != 0) {
        fprintf(f, " (done at %s, commit `%s`)",
                json_string_value(json_object_get(step, "done_at")),
                json_string_value(json_object_get(step, "commit")));
    }
    fprintf(f, "\n");
    if (status && strcmp(status, "stale") == 0) {
        size_t i;
        fprintf(f, "\nStale: changed since the step was done:");
        json_array_foreach(json_object_get(step, "stale_inputs"), i, v) {
            fprintf(f, "%s %s", i ? "," : "", json_string_value(v));
        }
        fprintf(f, ". Run the step again.\n");
    }
    if (json_object_size(json_object_get(step, "figures")) > 0) {
        fprintf(f, "\nFigures:\n");
        json_object_foreach((json_t *)json_object_get(step, "figures"), key, v) {
            fprintf(f, "- %s: ", key);
            put_value(f, v);
            fprintf(f, "\n");
        }
    }
}

int ddbmig__render(char **out, const json_t *state, ddbmig_error *err)
{
    size_t n, len = 0, i;
    const ddbmig_step_def *defs = ddbmig_steps(&n);
    const json_t *model = json_object_get(state, "model");
    char *buf = NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory rendering %s", DDBMIG_REPORT_FILE);
    fprintf(f, "# Migration to DynamoDB\n\n"
               "<!-- Written by ddbkit migrate from " DDBMIG_STATE_FILE
               ". Edits here are lost on the next run;\n"
               "     only ddbkit marks a step done. -->\n\n"
               "This codebase is moving its data from a relational database to DynamoDB with\n"
               "ddbkit. The steps below run one at a time. ddbkit marks a step done only when its\n"
               "checks pass, and notes the date, the commit and the figures it measured. A done\n"
               "step whose inputs (the model, the C sources, the tests, the build files) have\n"
               "changed since is shown as stale: run it again.\n\n");
    fprintf(f, "- Model: `%s` (SHA-256 %.12s)\n- Started: %s\n- Updated: %s\n\n",
            json_string_value(json_object_get(model, "path")),
            json_string_value(json_object_get(model, "sha256")),
            json_string_value(json_object_get(state, "created")),
            json_string_value(json_object_get(state, "updated")));
    fprintf(f, "| # | Step | Status | Done at | Commit |\n| --- | --- | --- | --- | --- |\n");
    for (i = 0; i < n; i++) {
        const json_t *step = ddbmig__find_step(state, defs[i].name);
        const char *status = json_string_value(json_object_get(step, "status"));
        const char *at = json_string_value(json_object_get(step, "done_at"));
        const char *commit = json_string_value(json_object_get(step, "commit"));
        fprintf(f, "| %zu | %s%s | %s | %s | %.12s |\n", i + 1, defs[i].name,
                defs[i].optional ? " (optional)" : "", status ? status : "pending", at ? at : "",
                commit ? commit : "");
    }
    for (i = 0; i < n; i++) {
        put_step(f, i + 1, &defs[i], ddbmig__find_step(state, defs[i].name));
    }
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory rendering %s", DDBMIG_REPORT_FILE);
    }
    *out = buf;
    return 0;
}
