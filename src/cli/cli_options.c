/* The options of a command: one table for the parser and the help. */
#include <string.h>

#include "cli.h"

static size_t n_options(const cli_command *self)
{
    size_t n = 0;
    while (self->options && self->options[n].name)
        n++;
    return n;
}

int cli_option_index(const cli_command *self, const char *name)
{
    for (size_t i = 0; i < n_options(self); i++)
        if (strcmp(self->options[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int usage_error(const cli_command *self, const char *what, const char *arg)
{
    fprintf(stderr, "ddbkit %s: %s '%s' (see ddbkit %s --help)\n", self->name, what, arg,
            self->name);
    return -1;
}

int cli_parse(cli_args *out, const cli_command *self, int argc, char **argv)
{
    size_t n = n_options(self);
    memset(out, 0, sizeof(*out));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t k;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_help(stdout, self);
            return 1;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (out->n_positional == self->max_positional ||
                out->n_positional == CLI_MAX_POSITIONAL)
                return usage_error(self, "one argument too many:", a);
            out->positional[out->n_positional++] = a;
            continue;
        }
        for (k = 0; k < n; k++) {
            const cli_option *o = &self->options[k];
            size_t len = strlen(o->name);
            if (strcmp(a, o->name) == 0 || (o->alias && strcmp(a, o->alias) == 0)) {
                if (!o->arg) {
                    out->value[k] = "";
                } else if (i + 1 >= argc) {
                    fprintf(stderr, "ddbkit %s: %s needs a value (%s %s)\n", self->name, a, o->name,
                            o->arg);
                    return -1;
                } else {
                    out->value[k] = argv[++i];
                }
                break;
            }
            if (strncmp(a, o->name, len) == 0 && a[len] == '=') {
                if (!o->arg)
                    return usage_error(self, "this option takes no value:", a);
                out->value[k] = a + len + 1;
                break;
            }
        }
        if (k == n)
            return usage_error(self, "unknown option", a);
    }
    return 0;
}

/* One option's left column, "  -o, --output DIR", and the help aligned after it. */
static void print_option(FILE *f, const char *alias, const char *name, const char *arg,
                         const char *help)
{
    char left[64];
    const char *line = help;
    snprintf(left, sizeof(left), "%s%s%s%s%s", alias ? alias : "", alias ? ", " : "", name,
             arg ? " " : "", arg ? arg : "");
    fprintf(f, "  %-22s ", left);
    if (strlen(left) > 22)
        fprintf(f, "\n  %-22s ", "");
    for (const char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
        fprintf(f, "%.*s\n  %-22s ", (int)(nl - line), line, "");
    fprintf(f, "%s\n", line);
}

void cli_print_help(FILE *f, const cli_command *self)
{
    size_t n = n_options(self);
    fprintf(f, "usage: ddbkit %s %s%s\n\n%s\n\nOptions:\n", self->name, self->positional,
            n ? " [OPTIONS]" : "", self->about);
    for (size_t i = 0; i < n; i++)
        print_option(f, self->options[i].alias, self->options[i].name, self->options[i].arg,
                     self->options[i].help);
    print_option(f, "-h", "--help", NULL, "show this help");
    if (self->exit_status)
        fprintf(f, "\n%s\n", self->exit_status);
}
