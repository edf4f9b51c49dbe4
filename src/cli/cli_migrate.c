/*
 * `ddbkit migrate SUBCOMMAND --codebase DIR ...`: the migration procedure run on a codebase
 * (docs/migrate.md). This file parses the arguments and prints the reports; the state and the
 * discovery are src/migrate/'s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "migrate/migrate.h"
#include "validate/validate.h"

const cli_option cli_migrate_options[] = {{NULL, NULL, NULL, NULL}};

static const cli_option init_options[] = {
    {"--codebase", NULL, "DIR", "the codebase's folder (its repository's root); required"},
    {"--model", NULL, "FILE", "the model file the codebase migrates to; required"},
    {"--force", NULL, NULL, "record a different model than the one recorded before"},
    {"--json", NULL, NULL, "print the state (.ddbkit/migration.json) instead of the report"},
    {NULL, NULL, NULL, NULL},
};
enum { INIT_CODEBASE, INIT_MODEL, INIT_FORCE, INIT_JSON };

static const cli_option discover_options[] = {
    {"--codebase", NULL, "DIR", "the codebase's folder, after migrate init; required"},
    {"--json", NULL, NULL,
     "print {\"framework\", \"command\", \"tests\", \"c_standard\", ...}\n"
     "instead of the report"},
    {NULL, NULL, NULL, NULL},
};
enum { DISC_CODEBASE, DISC_JSON };

static int run_init(const cli_command *self, int argc, char **argv);
static int run_discover(const cli_command *self, int argc, char **argv);

static const cli_command subcommands[] = {
    {"migrate init", "start (or resume) the migration of a codebase", "--codebase DIR --model FILE",
     "Writes MIGRATION.md in the codebase: the steps of the procedure, the checks each one must\n"
     "pass and their status, rendered from .ddbkit/migration.json, the record only ddbkit\n"
     "writes. Running it again keeps the progress, refreshes which done steps have gone stale\n"
     "(their inputs changed) and refuses another model unless --force. The model must validate.",
     init_options,
     "Exit status: 0 written, 1 the model has errors or differs from the recorded one, 2 usage\n"
     "or I/O error.",
     0, run_init},
    {"migrate discover", "find the codebase's tests", "--codebase DIR",
     "Finds the test framework (CTest, meson, autotools, a Makefile check/test target, a test\n"
     "script), the command that runs the tests, their number and the C standard the codebase\n"
     "builds with, running cmake/ctest or make where needed (their output is kept in\n"
     ".ddbkit/logs/). Records the result as the discover step of the migration.",
     discover_options,
     "Exit status: 0 found and recorded, 1 no tests found or a tool failed, 2 usage or I/O\n"
     "error (or no migrate init yet).",
     0, run_discover},
};
#define N_SUB (sizeof(subcommands) / sizeof(subcommands[0]))

/* Exit status of a ddbmig error: the user's files and tools are 1, usage and I/O 2. */
static int exit_of(int code)
{
    switch (code) {
    case DDBMIG_ERR_IO:
    case DDBMIG_ERR_NOMEM:
    case DDBMIG_ERR_NO_STATE:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_FAILED;
    }
}

static int report_error(const cli_command *self, const ddbmig_error *err)
{
    fprintf(stderr, "ddbkit %s: %s\n", self->name,
            err->message[0] ? err->message : ddbmig_strerror(err->code));
    return exit_of(err->code);
}

static int print_json(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (!text) {
        fprintf(stderr, "ddbkit migrate: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

/* The steps' counts, and one line per stale step. */
static void print_progress(const json_t *state)
{
    size_t i, done = 0, stale = 0, pending = 0;
    json_t *step;
    json_array_foreach(json_object_get(state, "steps"), i, step) {
        const char *status = json_string_value(json_object_get(step, "status"));
        if (strcmp(status, "done") == 0)
            done++;
        else if (strcmp(status, "stale") == 0)
            stale++;
        else
            pending++;
    }
    printf("  steps: %zu done, %zu stale, %zu pending\n", done, stale, pending);
    json_array_foreach(json_object_get(state, "steps"), i, step) {
        size_t k;
        json_t *in;
        if (strcmp(json_string_value(json_object_get(step, "status")), "stale") != 0)
            continue;
        printf("  stale: %s (changed: ", json_string_value(json_object_get(step, "name")));
        json_array_foreach(json_object_get(step, "stale_inputs"), k, in) {
            printf("%s%s", k ? ", " : "", json_string_value(in));
        }
        printf("); run it again\n");
    }
}

static int need(const cli_command *self, const char *value, const char *what, const char *opt)
{
    if (value)
        return 0;
    fprintf(stderr, "ddbkit %s: no %s given (%s; see ddbkit %s --help)\n", self->name, what, opt,
            self->name);
    return -1;
}

static int run_init(const cli_command *self, int argc, char **argv)
{
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf text = DDBGEN_BUF_INIT;
    ddbmig_error err = {0, ""};
    ddbmig_state *s = NULL;
    const char *codebase, *model;
    struct stat st;
    cli_args a;
    int rc = cli_parse(&a, self, argc, argv), status;
    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    codebase = a.value[INIT_CODEBASE];
    model = a.value[INIT_MODEL];
    if (need(self, codebase, "codebase", "--codebase DIR") ||
        need(self, model, "model", "--model FILE"))
        return CLI_EXIT_USAGE;
    if (stat(codebase, &st) != 0) {
        fprintf(stderr, "ddbkit %s: --codebase %s: %s\n", self->name, codebase, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ddbkit %s: --codebase %s is not a folder\n", self->name, codebase);
        return CLI_EXIT_USAGE;
    }
    if (stat(model, &st) != 0) {
        fprintf(stderr, "ddbkit %s: --model %s: %s\n", self->name, model, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    rc = ddbgen_check_files(model, NULL, &diags);
    ddbgen_diags_format_text_upto(&diags, DDBGEN_SEV_ERROR, &text);
    if (rc != 0) {
        fputs(ddbgen_buf_str(&text) ? ddbgen_buf_str(&text) : "", stderr);
        fprintf(stderr, "ddbkit %s: --model %s: %s\n", self->name, model, ddbgen_strerror(rc));
        status = rc == DDBGEN_ERR_INVALID ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
        goto done;
    }
    rc = ddbmig_init(&s, codebase, model, a.value[INIT_FORCE] != NULL, &err);
    if (rc) {
        status = report_error(self, &err);
        goto done;
    }
    if (a.value[INIT_JSON]) {
        status = print_json(ddbmig_state_json(s));
        goto done;
    }
    printf("%s/%s: the migration to %s\n", codebase, DDBMIG_REPORT_FILE, model);
    print_progress(ddbmig_state_json(s));
    printf("  next: ddbkit migrate discover --codebase %s\n", codebase);
    status = CLI_EXIT_OK;
done:
    ddbmig_state_free(s);
    ddbgen_buf_free(&text);
    ddbgen_diags_free(&diags);
    return status;
}

static int run_discover(const cli_command *self, int argc, char **argv)
{
    ddbmig_error err = {0, ""};
    ddbmig_state *s = NULL;
    json_t *found = NULL, *figures, *v;
    const char *codebase;
    cli_args a;
    size_t i;
    int rc = cli_parse(&a, self, argc, argv), status;
    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    codebase = a.value[DISC_CODEBASE];
    if (need(self, codebase, "codebase", "--codebase DIR"))
        return CLI_EXIT_USAGE;
    rc = ddbmig_state_open(&s, codebase, &err);
    if (!rc)
        rc = ddbmig_discover(&found, codebase, &err);
    if (rc) {
        status = report_error(self, &err);
        goto done;
    }
    figures = json_pack(
        "{s:O, s:O, s:O, s:O, s:O}", "framework", json_object_get(found, "framework"), "command",
        json_object_get(found, "command"), "tests", json_object_get(found, "tests"), "c_standard",
        json_object_get(found, "c_standard"), "count_basis", json_object_get(found, "count_basis"));
    rc = ddbmig_state_mark_done(s, "discover", figures, &err);
    if (!rc)
        rc = ddbmig_state_save(s, &err);
    if (rc) {
        status = report_error(self, &err);
        goto done;
    }
    if (a.value[DISC_JSON]) {
        status = print_json(found);
        goto done;
    }
    printf("%s: tests found\n", codebase);
    printf("  framework   %s", json_string_value(json_object_get(found, "framework")));
    json_array_foreach(json_object_get(found, "also_found"), i, v) {
        printf("%s%s", i ? ", " : " (also found: ", json_string_value(v));
    }
    printf("%s\n", json_array_size(json_object_get(found, "also_found")) ? ")" : "");
    printf("  command     %s\n", json_string_value(json_object_get(found, "command")));
    printf("  tests       %lld (%s)\n",
           (long long)json_integer_value(json_object_get(found, "tests")),
           json_string_value(json_object_get(found, "count_basis")));
    printf("  C standard  %s (%s)\n", json_string_value(json_object_get(found, "c_standard")),
           json_string_value(json_object_get(found, "c_standard_source")));
    json_array_foreach(json_object_get(found, "notes"), i, v) {
        printf("  note        %s\n", json_string_value(v));
    }
    printf("step discover: done, recorded in %s/%s\n", codebase, DDBMIG_REPORT_FILE);
    status = CLI_EXIT_OK;
done:
    json_decref(found);
    ddbmig_state_free(s);
    return status;
}

int cli_migrate(const cli_command *self, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "ddbkit %s: no subcommand given (see ddbkit %s --help)\n", self->name,
                self->name);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_print_help(stdout, self);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < N_SUB; i++)
        if (strcmp(argv[1], subcommands[i].name + strlen("migrate ")) == 0)
            return subcommands[i].run(&subcommands[i], argc - 1, argv + 1);
    fprintf(stderr, "ddbkit %s: unknown subcommand '%s'; use init or discover\n", self->name,
            argv[1]);
    return CLI_EXIT_USAGE;
}
