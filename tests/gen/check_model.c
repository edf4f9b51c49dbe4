/*
 * Data-driven model tests: validates a model (and optionally its usage data) exactly as
 * `ddbkit validate-model` does, and compares the whole output with an expected file, so that any
 * change in the diagnostics shows as a diff.
 *
 *   gen_check_model MODEL EXPECTED [--usage USAGE] [--expect valid|invalid|io-error]
 *
 * The expected file holds a first line "status: valid|invalid|io-error", then the diagnostics,
 * one per line, as the command prints them. With DDBGEN_UPDATE_EXPECTED=1 in the environment the
 * expected file is (re)written instead, for review with `git diff`.
 *
 * Exit status: 0 the output matches (and the status is the one given with --expect), 1 it does
 * not, 2 bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    ddbgen_buf b = DDBGEN_BUF_INIT;
    char chunk[4096];
    size_t n;
    char *r;
    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ddbgen_buf_putn(&b, chunk, n);
    fclose(f);
    r = ddbgen_buf_str(&b) ? strdup(ddbgen_buf_str(&b)) : NULL;
    ddbgen_buf_free(&b);
    return r;
}

/* Splits text into lines (in place). Returns the count; *lines is malloc'd. */
static size_t split_lines(char *text, char ***lines)
{
    size_t n = 0, cap = 16;
    char **l = malloc(cap * sizeof(*l));
    char *p = text;
    if (!l)
        return 0;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (n == cap) {
            char **g = realloc(l, (cap *= 2) * sizeof(*l));
            if (!g)
                break;
            l = g;
        }
        l[n++] = p;
        p = nl ? nl + 1 : NULL;
    }
    *lines = l;
    return n;
}

static int contains(char **lines, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i], s) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *model, *expected_path, *usage = NULL, *expect = NULL;
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf actual = DDBGEN_BUF_INIT;
    char *expected = NULL, *actual_copy = NULL;
    char **exp_lines = NULL, **act_lines = NULL;
    size_t n_exp, n_act;
    const char *status;
    int rc, result = 1;

    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL EXPECTED [--usage USAGE] [--expect STATUS]\n", argv[0]);
        return 2;
    }
    model = argv[1];
    expected_path = argv[2];
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--usage") == 0 && i + 1 < argc)
            usage = argv[++i];
        else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
            expect = argv[++i];
        else {
            fprintf(stderr, "unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }

    rc = ddbgen_check_files(model, usage, &diags);
    status = rc == 0 ? "valid" : rc == DDBGEN_ERR_INVALID ? "invalid" : "io-error";
    ddbgen_buf_printf(&actual, "status: %s\n", status);
    ddbgen_diags_format_text(&diags, &actual);
    if (!ddbgen_buf_str(&actual)) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }

    if (getenv("DDBGEN_UPDATE_EXPECTED") && strcmp(getenv("DDBGEN_UPDATE_EXPECTED"), "1") == 0) {
        FILE *f = fopen(expected_path, "wb");
        if (!f || fputs(ddbgen_buf_str(&actual), f) == EOF) {
            fprintf(stderr, "cannot write %s\n", expected_path);
            if (f)
                fclose(f);
            goto done;
        }
        fclose(f);
        fprintf(stderr, "wrote %s\n", expected_path);
        result = 0;
        goto done;
    }

    if (expect && strcmp(expect, status) != 0) {
        fprintf(stderr, "FAIL %s: status is %s, expected %s\n%s", model, status, expect,
                ddbgen_buf_str(&actual));
        goto done;
    }
    expected = read_all(expected_path);
    if (!expected) {
        fprintf(stderr,
                "FAIL: cannot read %s (run with DDBGEN_UPDATE_EXPECTED=1 to create it)\n"
                "actual output:\n%s",
                expected_path, ddbgen_buf_str(&actual));
        goto done;
    }
    if (strcmp(expected, ddbgen_buf_str(&actual)) == 0) {
        fprintf(stderr, "ok %s (%zu errors, %zu warnings)\n", model, diags.n_errors,
                diags.n_warnings);
        result = 0;
        goto done;
    }

    /* Show what changed: lines only in the expected output (-) and only in the actual one (+). */
    actual_copy = strdup(ddbgen_buf_str(&actual));
    if (!actual_copy)
        goto done;
    n_exp = split_lines(expected, &exp_lines);
    n_act = split_lines(actual_copy, &act_lines);
    fprintf(stderr, "FAIL %s: the output differs from %s\n", model, expected_path);
    for (size_t i = 0; i < n_exp; i++)
        if (!contains(act_lines, n_act, exp_lines[i]))
            fprintf(stderr, "- %s\n", exp_lines[i]);
    for (size_t i = 0; i < n_act; i++)
        if (!contains(exp_lines, n_exp, act_lines[i]))
            fprintf(stderr, "+ %s\n", act_lines[i]);
    fprintf(stderr, "(the same lines in another order count as a difference too; "
                    "DDBGEN_UPDATE_EXPECTED=1 rewrites the file)\n");
done:
    free(exp_lines);
    free(act_lines);
    free(actual_copy);
    free(expected);
    ddbgen_buf_free(&actual);
    ddbgen_diags_free(&diags);
    return result;
}
