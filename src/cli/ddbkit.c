/*
 * The ddbkit command. Each subcommand is one entry of the `commands` table: its name, a one-line
 * summary, its usage text and the function that runs it with the arguments after its name.
 *
 * Exit status: 0 success (a valid model), 1 the input has errors, 2 a usage or I/O error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit.h"
#include "validate/validate.h"

#ifndef DDBKIT_VERSION
#define DDBKIT_VERSION "0.0.0-dev"
#endif

enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

typedef struct command {
    const char *name;
    const char *summary;
    const char *usage;
    int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} command;

static int cmd_validate_model(int argc, char **argv);
static int cmd_generate(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const command commands[] = {
    {"validate-model", "check a data-model file (and its usage data)",
     "usage: ddbkit validate-model FILE [--usage USAGE_FILE] [--json]\n"
     "\n"
     "Checks a model file in the DynamoDB MCP server's schema.json format, with ddbkit's\n"
     "\"x-ddbkit\" extensions (docs/model-file.md). Prints one line per finding,\n"
     "  error: PATH: what is wrong; how to fix it\n"
     "errors first, then warnings, and a summary on stderr.\n"
     "\n"
     "  --usage FILE   also check a *_usage_data.json file against the model\n"
     "  --json         print {\"valid\", \"errors\", \"warnings\", \"diagnostics\": [...]} "
     "instead\n"
     "\n"
     "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error.\n",
     cmd_validate_model},
    {"generate", "generate the C data access layer of a model",
     "usage: ddbkit generate FILE -o DIR [--usage-data FILE] [--namespace NAME] [--quiet]\n"
     "\n"
     "Validates a model file (as validate-model does) and writes seven files into DIR, named\n"
     "after the namespace NS (docs/generated-code.md):\n"
     "  NS.h, NS.c                          entity structs, item conversions, table definitions,\n"
     "                                      the repository interface and its DynamoDB\n"
     "                                      implementation (link libddbkit-dal)\n"
     "  NS_router.h, NS_router.c            the migration router\n"
     "  NS_conformance.h, NS_conformance.c  the conformance suite (link libddbkit-testkit)\n"
     "  README.md                           what was generated\n"
     "The output is the same for the same input.\n"
     "\n"
     "  -o, --output DIR       the folder to write into (it must exist)\n"
     "  --usage-data FILE      also check a *_usage_data.json file against the model\n"
     "  --namespace NAME       the C namespace (default: x-ddbkit.namespace, or the file name)\n"
     "  -q, --quiet            print errors only, not the model's warnings (for builds)\n"
     "\n"
     "Exit status: 0 written, 1 the model has errors (nothing written), 2 usage or I/O error.\n",
     cmd_generate},
    {"help", "show the help of a command", "usage: ddbkit help [COMMAND]\n", cmd_help},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_main_usage(FILE *out)
{
    fprintf(out, "usage: ddbkit [--help | --version] COMMAND [ARGS...]\n\n"
                 "ddbkit turns a DynamoDB data model into a C data access layer over libddbkit.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'ddbkit COMMAND --help' for the options of a command.\n");
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    const command *c;
    if (argc < 2) {
        print_main_usage(stdout);
        return EXIT_VALID;
    }
    c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "ddbkit: unknown command '%s'\n", argv[1]);
        return EXIT_USAGE;
    }
    fputs(c->usage, stdout);
    return EXIT_VALID;
}

static int cmd_validate_model(int argc, char **argv)
{
    const char *model = NULL, *usage = NULL;
    bool json = false;
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf out = DDBGEN_BUF_INIT;
    int rc, status;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(commands[0].usage, stdout);
            return EXIT_VALID;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--usage") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ddbkit validate-model: --usage needs a file\n");
                return EXIT_USAGE;
            }
            usage = argv[++i];
        } else if (strncmp(argv[i], "--usage=", 8) == 0) {
            usage = argv[i] + 8;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "ddbkit validate-model: unknown option '%s'\n%s", argv[i],
                    commands[0].usage);
            return EXIT_USAGE;
        } else if (!model) {
            model = argv[i];
        } else {
            fprintf(stderr, "ddbkit validate-model: one model file at a time ('%s' is extra)\n",
                    argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!model) {
        fprintf(stderr, "ddbkit validate-model: no model file given\n%s", commands[0].usage);
        return EXIT_USAGE;
    }

    rc = ddbgen_check_files(model, usage, &diags);
    if (json)
        ddbgen_diags_format_json(&diags, &out);
    else
        ddbgen_diags_format_text(&diags, &out);
    if (!ddbgen_buf_str(&out)) {
        fprintf(stderr, "ddbkit validate-model: out of memory\n");
        status = EXIT_USAGE;
        goto done;
    }
    fputs(ddbgen_buf_str(&out), stdout);
    fflush(stdout);
    switch (rc) {
    case 0:
        status = EXIT_VALID;
        break;
    case DDBGEN_ERR_INVALID:
        status = EXIT_INVALID;
        break;
    default:
        status = EXIT_USAGE;
        break;
    }
    if (status == EXIT_USAGE)
        fprintf(stderr, "ddbkit validate-model: %s\n", ddbgen_strerror(rc));
    else
        fprintf(stderr, "%s: %s (%zu error%s, %zu warning%s)\n", model,
                status == EXIT_VALID ? "valid" : "invalid", diags.n_errors + diags.dropped,
                diags.n_errors + diags.dropped == 1 ? "" : "s", diags.n_warnings,
                diags.n_warnings == 1 ? "" : "s");
done:
    ddbgen_buf_free(&out);
    ddbgen_diags_free(&diags);
    return status;
}

/*
 * Whether argv[*i] is option opt ("--opt VALUE" or "--opt=VALUE"); if so, *value is its value and
 * *i is on the last word it took. Sets *missing (and returns false) when the value is not there.
 */
static bool option_value(const char **value, int argc, char **argv, int *i, const char *opt,
                         const char *alt, bool *missing)
{
    size_t n = strlen(opt);
    const char *a = argv[*i];
    if (strcmp(a, opt) == 0 || (alt && strcmp(a, alt) == 0)) {
        if (*i + 1 >= argc) {
            *missing = true;
            return false;
        }
        *value = argv[++*i];
        return true;
    }
    if (strncmp(a, opt, n) == 0 && a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    return false;
}

static int cmd_generate(int argc, char **argv)
{
    const command *self = find_command("generate");
    const char *model = NULL, *usage = NULL, *out_dir = NULL, *ns = NULL;
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf out = DDBGEN_BUF_INIT;
    bool missing = false, quiet = false;
    int rc, status;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(self->usage, stdout);
            return EXIT_VALID;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
        } else if (option_value(&out_dir, argc, argv, &i, "--output", "-o", &missing) ||
                   option_value(&usage, argc, argv, &i, "--usage-data", NULL, &missing) ||
                   option_value(&ns, argc, argv, &i, "--namespace", NULL, &missing)) {
            continue;
        } else if (missing) {
            fprintf(stderr, "ddbkit generate: %s needs a value\n", argv[i]);
            return EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "ddbkit generate: unknown option '%s'\n%s", argv[i], self->usage);
            return EXIT_USAGE;
        } else if (!model) {
            model = argv[i];
        } else {
            fprintf(stderr, "ddbkit generate: one model file at a time ('%s' is extra)\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!model || !out_dir) {
        fprintf(stderr, "ddbkit generate: %s\n%s",
                model ? "no output folder given (-o DIR)" : "no model file given", self->usage);
        return EXIT_USAGE;
    }
    if (ns && !ddbgen_namespace_ok(ns)) {
        fprintf(stderr,
                "ddbkit generate: namespace '%s' is not usable; use lower-case letters, digits "
                "and single underscores, starting with a letter\n",
                ns);
        return EXIT_USAGE;
    }

    rc = ddbgen_generate_files(model, usage, out_dir, ns, &diags);
    ddbgen_diags_format_text_upto(&diags, quiet ? DDBGEN_SEV_ERROR : DDBGEN_SEV_WARNING, &out);
    if (!ddbgen_buf_str(&out)) {
        fprintf(stderr, "ddbkit generate: out of memory\n");
        status = EXIT_USAGE;
        goto done;
    }
    fputs(ddbgen_buf_str(&out), stdout);
    fflush(stdout);
    status = rc == 0 ? EXIT_VALID : rc == DDBGEN_ERR_INVALID ? EXIT_INVALID : EXIT_USAGE;
    if (status != EXIT_VALID)
        fprintf(stderr, "ddbkit generate: %s: %s\n", model, ddbgen_strerror(rc));
done:
    ddbgen_buf_free(&out);
    ddbgen_diags_free(&diags);
    return status;
}

int main(int argc, char **argv)
{
    const command *c;
    if (argc < 2) {
        print_main_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_main_usage(stdout);
        return EXIT_VALID;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ddbkit %s\n", DDBKIT_VERSION);
        return EXIT_VALID;
    }
    c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "ddbkit: unknown command '%s'\n\n", argv[1]);
        print_main_usage(stderr);
        return EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
