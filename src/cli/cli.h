/*
 * The ddbkit command's pieces shared by its files: a command is a table entry (name, summary,
 * synopsis, options, exit status) and one function. The options of a command are one table that
 * drives both the parser and the help, so that the two cannot drift.
 *
 * Thread safety: single-threaded (a command line program).
 */
#ifndef DDBKIT_CLI_H
#define DDBKIT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit status: success, the input or a call failed, a usage or I/O error. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILED = 1, CLI_EXIT_USAGE = 2 };

/* One option. The table of a command ends with an entry whose name is NULL. */
typedef struct cli_option {
    const char *name;  /* "--usage" */
    const char *alias; /* "-o", or NULL */
    const char *arg;   /* "FILE": the option takes a value; NULL: a flag */
    const char *help;  /* one line (or several, each ending in '\n' but the last) */
} cli_option;

#define CLI_MAX_OPTIONS 8
#define CLI_MAX_POSITIONAL 4

typedef struct cli_command cli_command;
struct cli_command {
    const char *name;
    const char *summary;    /* one line, for `ddbkit --help` */
    const char *positional; /* "FILE", after the name in the usage line */
    const char *about;      /* the paragraph(s) after the usage line */
    const cli_option *options;
    const char *exit_status; /* the last paragraph */
    size_t max_positional;
    int (*run)(const cli_command *self, int argc, char **argv); /* argv[0]: the name */
};

/*
 * The parsed arguments. value[i] is option i's value: NULL when it was not given, "" for a
 * flag that was; a repeated option keeps its last value.
 */
typedef struct cli_args {
    const char *value[CLI_MAX_OPTIONS];
    size_t n_positional;
    const char *positional[CLI_MAX_POSITIONAL];
} cli_args;

/*
 * Parses argv[1..argc) by self->options ("--opt VALUE", "--opt=VALUE", "-o VALUE", flags,
 * positionals up to self->max_positional, "-h"/"--help"). Returns 0 when parsed, 1 when the help
 * was printed (exit 0), -1 after printing a one-line usage error to stderr (exit 2).
 */
int cli_parse(cli_args *out, const cli_command *self, int argc, char **argv);

/* The help of a command: usage line, about, the options (with -h, --help), exit status. */
void cli_print_help(FILE *f, const cli_command *self);

/* The index of option `name` ("--json") in self's table; -1 when it has none (a bug). */
int cli_option_index(const cli_command *self, const char *name);

/* `ddbkit tables create|drop|describe MODEL`: cli_tables.c. */
int cli_tables(const cli_command *self, int argc, char **argv);
extern const cli_option cli_tables_options[];

/* `ddbkit cost MODEL`: cli_cost.c. */
int cli_cost(const cli_command *self, int argc, char **argv);
extern const cli_option cli_cost_options[];

/* `ddbkit infra MODEL -o DIR`: cli_infra.c. */
int cli_infra(const cli_command *self, int argc, char **argv);
extern const cli_option cli_infra_options[];

/* `ddbkit migrate SUBCOMMAND --codebase DIR ...`: cli_migrate.c. */
int cli_migrate(const cli_command *self, int argc, char **argv);
extern const cli_option cli_migrate_options[];

#endif
