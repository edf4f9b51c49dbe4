/*
 * The ddbkit command. Each subcommand is one entry of the `commands` table (cli.h): its name, a
 * one-line summary, its options (one table for the parser and the help) and the function that
 * runs it with the arguments after its name.
 *
 * Output: what a command produces (a summary, JSON, a table listing) goes to stdout; findings,
 * warnings and errors go to stderr. Exit status: 0 success, 1 the input has errors or a call
 * failed, 2 a usage or I/O error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit/emit.h"
#include "validate/validate.h"

#ifndef DDBKIT_VERSION
#define DDBKIT_VERSION "0.0.0-dev"
#endif

static int cmd_validate_model(const cli_command *self, int argc, char **argv);
static int cmd_generate(const cli_command *self, int argc, char **argv);
static int cmd_help(const cli_command *self, int argc, char **argv);

/* The options of each command; cli_parse gives value[i] for options[i]. */
static const cli_option validate_model_options[] = {
    {"--usage", NULL, "FILE", "also check a *_usage_data.json file against the model"},
    {"--json", NULL, NULL,
     "print {\"valid\", \"errors\", \"warnings\", \"diagnostics\": [...]} on stdout\n"
     "instead of the findings and the summary"},
    {NULL, NULL, NULL, NULL},
};
enum { VM_USAGE, VM_JSON };

static const cli_option generate_options[] = {
    {"--output", "-o", "DIR", "the folder to write into (made when missing); required"},
    {"--usage-data", NULL, "FILE", "also check a *_usage_data.json file against the model"},
    {"--namespace", NULL, "NAME",
     "the C namespace (default: x-ddbkit.namespace, or the\nfile name)"},
    {"--quiet", "-q", NULL,
     "print errors only: not the model's warnings nor the\nsummary (for builds)"},
    {"--require-sql", NULL, NULL,
     "fail, writing nothing, when the model gets no relational\nimplementation (NS_sql.c)"},
    {NULL, NULL, NULL, NULL},
};
enum { GEN_OUTPUT, GEN_USAGE_DATA, GEN_NAMESPACE, GEN_QUIET, GEN_REQUIRE_SQL };

static const cli_option help_options[] = {{NULL, NULL, NULL, NULL}};

static const cli_command commands[] = {
    {"validate-model", "check a data-model file (and its usage data)", "FILE",
     "Checks a model file in the DynamoDB MCP server's schema.json format, with ddbkit's\n"
     "\"x-ddbkit\" extensions (docs/model-file.md). Prints one line per finding on stderr,\n"
     "  error: PATH: what is wrong; how to fix it\n"
     "errors first, then warnings, and a summary line on stdout:\n"
     "  FILE: valid (0 errors, 2 warnings)",
     validate_model_options,
     "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error.", 1,
     cmd_validate_model},
    {"generate", "generate the C data access layer of a model", "FILE -o DIR",
     "Validates a model file (as validate-model does) and writes its files into DIR, named\n"
     "after the namespace NS (docs/generated-code.md):\n"
     "  NS.h, NS.c                          entity structs, item conversions, table definitions,\n"
     "                                      the repository interface and its DynamoDB\n"
     "                                      implementation (link libddbkit-dal)\n"
     "  NS_router.h, NS_router.c            the migration router\n"
     "  NS_conformance.h, NS_conformance.c  the conformance suite (link libddbkit-testkit)\n"
     "  NS_sql.h, NS_sql.c                  the relational implementation (link\n"
     "                                      libddbkit-sqlrepo), and its schema per dialect:\n"
     "  NS_schema.{sqlite,mariadb,postgres}.sql  only for a model it fully implements; a\n"
     "                                      warning names what stops it otherwise\n"
     "  README.md                           what was generated\n"
     "The output is the same for the same input. The model's findings go to stderr, a summary\n"
     "line to stdout. CMake projects call it through ddbkit_generate() (docs/cmake.md).",
     generate_options,
     "Exit status: 0 written, 1 the model has errors (nothing written), 2 usage or I/O error.", 1,
     cmd_generate},
    {"tables", "create, drop or describe the DynamoDB tables of a model",
     "create|drop|describe MODEL",
     "Acts on every table of the model (with its GSIs, as the generated NS__create_tables\n"
     "defines them) and on its ID counter table when an entity allocates IDs from it, at the\n"
     "endpoint the AWS settings name: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the\n"
     "profile, else DynamoDB in AWS_REGION; credentials from the default chain\n"
     "(docs/configuration.md).\n"
     "  create    creates each table and waits until it is ACTIVE; an existing table with\n"
     "            the same keys and indexes is fine (\"exists\"), a different one an error\n"
     "  drop      deletes each table and waits until it is gone; a missing one is fine\n"
     "            (\"absent\")\n"
     "  describe  status, item count, key schema and GSIs of each table",
     cli_tables_options,
     "Exit status: 0 done, 1 a DynamoDB call failed, a table differs from the model, the model\n"
     "has errors or (describe) a table does not exist, 2 usage or I/O error.",
     2, cli_tables},
    {"infra", "write the CloudFormation template of a model", "MODEL -o DIR",
     "Validates a model file and writes DIR/NS.template.json (or .yaml) for CloudFormation:\n"
     "  - every table (and the ID counter table) with the keys, GSIs and TTL of the generated\n"
     "    NS__create_table_json, point-in-time recovery, deletion protection and encryption;\n"
     "    on-demand, or provisioned with auto-scaling (--billing provisioned)\n"
     "  - AWS's recommended alarms for each table, GSI and operation, notifying the SNS\n"
     "    topic given as the AlarmTopicArn parameter\n"
     "  - a CloudWatch dashboard of the tables\n"
     "  - a least-privilege IAM managed policy: the actions of each access pattern on the\n"
     "    tables and indexes it uses\n"
     "The output is the same for the same input (docs/design/infra.md).",
     cli_infra_options,
     "Exit status: 0 written, 1 the model has errors (nothing written), 2 usage or I/O error.", 1,
     cli_infra},
    {"cost", "estimate the monthly DynamoDB cost of a model's access patterns", "MODEL",
     "Validates a model file and prints, per access pattern, the read and write units of one\n"
     "request (from the stored item's size: the usage data's sample, else the field types),\n"
     "its rate (x-ddbkit.rps, or --rps) and its monthly on-demand cost; then, per table and\n"
     "GSI, the load at peak, the provisioned capacity ddbkit infra would set (70% target\n"
     "utilisation) and the monthly cost of both modes; then the totals and storage.\n"
     "Prices come from one dated file (--prices; docs/design/cost.md).",
     cli_cost_options,
     "Exit status: 0 printed, 1 the model, usage data, rates or counts have errors, 2 usage or\n"
     "I/O error.",
     1, cli_cost},
    {"migrate", "lead a codebase's migration step by step", "SUBCOMMAND --codebase DIR ...",
     "Runs the migration procedure on a codebase and records its progress in the codebase's\n"
     "MIGRATION.md (docs/migrate.md). Subcommands:\n"
     "  init      --codebase DIR --model FILE [--force]: write MIGRATION.md and the state\n"
     "  discover  --codebase DIR: find the test framework, command, count and C standard\n"
     "Run 'ddbkit migrate SUBCOMMAND --help' for the options of each.",
     cli_migrate_options,
     "Exit status: 0 done, 1 a check failed or the input has errors, 2 usage or I/O error.", 0,
     cli_migrate},
    {"help", "show the help of a command", "[COMMAND]",
     "Shows the help of COMMAND, or the list "
     "of commands.",
     help_options, NULL, 1, cmd_help},
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

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(const cli_command *self, int argc, char **argv)
{
    const cli_command *c;
    cli_args a;
    int rc = cli_parse(&a, self, argc, argv);
    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (a.n_positional == 0) {
        print_main_usage(stdout);
        return CLI_EXIT_OK;
    }
    c = find_command(a.positional[0]);
    if (!c) {
        fprintf(stderr, "ddbkit: unknown command '%s'\n", a.positional[0]);
        return CLI_EXIT_USAGE;
    }
    cli_print_help(stdout, c);
    return CLI_EXIT_OK;
}

static int cmd_validate_model(const cli_command *self, int argc, char **argv)
{
    const char *model, *usage;
    bool json;
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf out = DDBGEN_BUF_INIT;
    cli_args a;
    int rc, status;

    rc = cli_parse(&a, self, argc, argv);
    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (a.n_positional == 0) {
        fprintf(stderr, "ddbkit validate-model: no model file given (see ddbkit validate-model "
                        "--help)\n");
        return CLI_EXIT_USAGE;
    }
    model = a.positional[0];
    usage = a.value[VM_USAGE];
    json = a.value[VM_JSON] != NULL;

    rc = ddbgen_check_files(model, usage, &diags);
    if (json)
        ddbgen_diags_format_json(&diags, &out);
    else
        ddbgen_diags_format_text(&diags, &out);
    if (!ddbgen_buf_str(&out)) {
        fprintf(stderr, "ddbkit validate-model: out of memory\n");
        status = CLI_EXIT_USAGE;
        goto done;
    }
    /* the JSON document is the command's output; text findings are diagnostics */
    fputs(ddbgen_buf_str(&out), json ? stdout : stderr);
    switch (rc) {
    case 0:
        status = CLI_EXIT_OK;
        break;
    case DDBGEN_ERR_INVALID:
        status = CLI_EXIT_FAILED;
        break;
    default:
        status = CLI_EXIT_USAGE;
        break;
    }
    if (status == CLI_EXIT_USAGE)
        fprintf(stderr, "ddbkit validate-model: %s\n", ddbgen_strerror(rc));
    else if (!json)
        printf("%s: %s (%zu error%s, %zu warning%s)\n", model,
               status == CLI_EXIT_OK ? "valid" : "invalid", diags.n_errors + diags.dropped,
               diags.n_errors + diags.dropped == 1 ? "" : "s", diags.n_warnings,
               diags.n_warnings == 1 ? "" : "s");
done:
    ddbgen_buf_free(&out);
    ddbgen_diags_free(&diags);
    return status;
}

static int cmd_generate(const cli_command *self, int argc, char **argv)
{
    const char *model, *out_dir, *ns;
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf out = DDBGEN_BUF_INIT;
    bool quiet;
    cli_args a;
    int rc, status;

    rc = cli_parse(&a, self, argc, argv);
    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    model = a.n_positional ? a.positional[0] : NULL;
    out_dir = a.value[GEN_OUTPUT];
    ns = a.value[GEN_NAMESPACE];
    quiet = a.value[GEN_QUIET] != NULL;
    if (!model || !out_dir) {
        fprintf(stderr, "ddbkit generate: %s (see ddbkit generate --help)\n",
                model ? "no output folder given (-o DIR)" : "no model file given");
        return CLI_EXIT_USAGE;
    }
    if (ns && !ddbgen_namespace_ok(ns)) {
        fprintf(stderr,
                "ddbkit generate: namespace '%s' is not usable; use lower-case letters, digits "
                "and single underscores, starting with a letter\n",
                ns);
        return CLI_EXIT_USAGE;
    }

    rc = ddbgen_generate_files(model, a.value[GEN_USAGE_DATA], out_dir, ns,
                               a.value[GEN_REQUIRE_SQL] ? DDBGEN_GENERATE_REQUIRE_SQL : 0, &diags);
    ddbgen_diags_format_text_upto(&diags, quiet ? DDBGEN_SEV_ERROR : DDBGEN_SEV_WARNING, &out);
    if (!ddbgen_buf_str(&out)) {
        fprintf(stderr, "ddbkit generate: out of memory\n");
        status = CLI_EXIT_USAGE;
        goto done;
    }
    fputs(ddbgen_buf_str(&out), stderr);
    status = rc == 0 ? CLI_EXIT_OK : rc == DDBGEN_ERR_INVALID ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
    if (status != CLI_EXIT_OK)
        fprintf(stderr, "ddbkit generate: %s: %s\n", model, ddbgen_strerror(rc));
    else if (!quiet)
        printf("%s: generated into %s (%zu warning%s)\n", model, out_dir, diags.n_warnings,
               diags.n_warnings == 1 ? "" : "s");
done:
    ddbgen_buf_free(&out);
    ddbgen_diags_free(&diags);
    return status;
}

int main(int argc, char **argv)
{
    const cli_command *c;
    if (argc < 2) {
        print_main_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_main_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ddbkit %s\n", DDBKIT_VERSION);
        return CLI_EXIT_OK;
    }
    c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "ddbkit: unknown command '%s'\n\n", argv[1]);
        print_main_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return c->run(c, argc - 1, argv + 1);
}
