/*
 * The results of a test run, read from its output: CTest's progress lines, TAP, Check
 * (CK_VERBOSE), cmocka, Unity and Criterion (--verbose). Baseline and the gates compare runs
 * test by test, so each parser gives the tests' names and statuses in the order of the output.
 * The output is the codebase's, so it is untrusted: lines are read up to a cap, escape sequences
 * (colours) are dropped, and nothing is interpreted beyond the patterns below.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate_internal.h"

#define MAX_LINE 4096
#define MAX_RESULTS 100000

enum { ST_NONE, ST_PASS, ST_SKIP, ST_FAIL };
static const char *const status_name[] = {"", "pass", "skip", "fail"};

typedef struct line_result {
    char name[512];
    int status;
} line_result;

typedef struct parser parser;
struct parser {
    const char *format;
    const char *pattern; /* POSIX ERE, or NULL for a hand-written parser */
    int (*match)(const parser *p, const regex_t *re, const char *line, line_result *r);
};

static void set_name(line_result *r, const char *s, size_t n)
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= sizeof(r->name))
        n = sizeof(r->name) - 1;
    memcpy(r->name, s, n);
    r->name[n] = '\0';
}

static int group_is(const char *line, const regmatch_t *m, const char *word)
{
    size_t n = strlen(word);
    return m->rm_so >= 0 && (size_t)(m->rm_eo - m->rm_so) == n &&
           strncmp(line + m->rm_so, word, n) == 0;
}

/* "  1/3 Test #1: calc.add ..........   Passed    0.01 sec" (and ***Failed, ***Skipped, ...) */
static int match_ctest(const parser *p, const regex_t *re, const char *line, line_result *r)
{
    regmatch_t m[4];
    (void)p;
    if (regexec(re, line, 4, m, 0) != 0)
        return 0;
    set_name(r, line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
    if (group_is(line, &m[3], "Passed"))
        r->status = ST_PASS;
    else if (group_is(line, &m[3], "Skipped") || group_is(line, &m[3], "Not Run (Disabled)"))
        r->status = ST_SKIP;
    else
        r->status = ST_FAIL;
    return 1;
}

/* "ok 1 - name", "not ok 2 name # TODO why", "ok 3 # SKIP why"; subtests (indented) are the
 * parent's business. */
static int match_tap(const parser *p, const regex_t *re, const char *line, line_result *r)
{
    const char *s = line, *hash, *end;
    int failed = 0;
    long number = -1;
    (void)p;
    (void)re;
    if (strncmp(s, "not ok", 6) == 0) {
        failed = 1;
        s += 6;
    } else if (strncmp(s, "ok", 2) == 0) {
        s += 2;
    } else {
        return 0;
    }
    if (*s && *s != ' ' && *s != '\t')
        return 0; /* "okay", "ok," */
    s += strspn(s, " \t");
    if (isdigit((unsigned char)*s)) {
        number = strtol(s, (char **)&s, 10);
        s += strspn(s, " \t");
    }
    if (*s == '-') {
        s++;
        s += strspn(s, " \t");
    }
    hash = strchr(s, '#');
    end = hash ? hash : s + strlen(s);
    set_name(r, s, (size_t)(end - s));
    if (!r->name[0])
        snprintf(r->name, sizeof(r->name), "test %ld", number);
    r->status = failed ? ST_FAIL : ST_PASS;
    if (hash) {
        const char *d = hash + 1 + strspn(hash + 1, " \t");
        /* a TODO failure is an expected one, not a failure */
        if (strncasecmp(d, "skip", 4) == 0 || (strncasecmp(d, "todo", 4) == 0 && failed))
            r->status = ST_SKIP;
    }
    return 1;
}

/* Check with CK_VERBOSE: "file.c:12:P:tcase:test_add:0: Passed", ":F:" failed, ":E:" error. */
static int match_check(const parser *p, const regex_t *re, const char *line, line_result *r)
{
    regmatch_t m[4];
    (void)p;
    if (regexec(re, line, 4, m, 0) != 0)
        return 0;
    set_name(r, line + m[3].rm_so, (size_t)(m[3].rm_eo - m[3].rm_so));
    r->status = line[m[1].rm_so] == 'P' ? ST_PASS : ST_FAIL;
    return 1;
}

/* cmocka: "[       OK ] name", "[  FAILED  ] name", "[  SKIPPED ] name", "[  ERROR   ] name";
 * not "[ RUN      ]", the "[  PASSED  ] 2 test(s)." summary, nor "--- message" lines. */
static int match_cmocka(const parser *p, const regex_t *re, const char *line, line_result *r)
{
    regmatch_t m[3];
    const char *name;
    (void)p;
    if (regexec(re, line, 3, m, 0) != 0)
        return 0;
    name = line + m[2].rm_so;
    if (strncmp(name, "---", 3) == 0 || (isdigit((unsigned char)*name) && strstr(name, " test")))
        return 0;
    set_name(r, name, (size_t)(m[2].rm_eo - m[2].rm_so));
    if (group_is(line, &m[1], "OK"))
        r->status = ST_PASS;
    else if (group_is(line, &m[1], "SKIPPED"))
        r->status = ST_SKIP;
    else
        r->status = ST_FAIL;
    return 1;
}

/* Unity: "test_calc.c:12:test_add:PASS", ":FAIL: Expected 1 Was 2", ":IGNORE". */
static int match_unity(const parser *p, const regex_t *re, const char *line, line_result *r)
{
    regmatch_t m[4];
    (void)p;
    if (regexec(re, line, 4, m, 0) != 0)
        return 0;
    set_name(r, line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
    r->status = group_is(line, &m[2], "PASS")   ? ST_PASS
                : group_is(line, &m[2], "FAIL") ? ST_FAIL
                                                : ST_SKIP;
    return 1;
}

/* Criterion --verbose: "[PASS] suite::name: (0.00s)", "[FAIL] suite::name: CRASH!",
 * "[SKIP] suite::name: reason". */
static int match_criterion(const parser *p, const regex_t *re, const char *line, line_result *r)
{
    regmatch_t m[3];
    (void)p;
    if (regexec(re, line, 3, m, 0) != 0)
        return 0;
    set_name(r, line + m[2].rm_so, (size_t)(m[2].rm_eo - m[2].rm_so));
    r->status = group_is(line, &m[1], "PASS")   ? ST_PASS
                : group_is(line, &m[1], "SKIP") ? ST_SKIP
                                                : ST_FAIL;
    return 1;
}

static const parser parsers[] = {
    {"ctest",
     "^ *[0-9]+/[0-9]+ +Test +#[0-9]+: +(.*[^ .]) +\\.* *(\\*\\*\\*)?"
     "(Passed|Failed|Not Run \\(Disabled\\)|Not Run|Skipped|Exception|Timeout)",
     match_ctest},
    {"tap", NULL, match_tap},
    {"check", "^[^:]+:[0-9]+:([PFE]):([^:]*):([^:]+):[0-9]+:", match_check},
    {"cmocka", "^\\[ *(OK|FAILED|SKIPPED|ERROR) *\\] +(.*[^ ]) *$", match_cmocka},
    {"unity", "^[^:]+:[0-9]+:([A-Za-z_][A-Za-z0-9_]*):(PASS|FAIL|IGNORE)", match_unity},
    {"criterion", "^\\[(PASS|FAIL|SKIP)\\] +([^ :]+(::[^ :]+)*)", match_criterion},
};
#define N_PARSERS (sizeof(parsers) / sizeof(parsers[0]))

/* The next line of text into buf (at most MAX_LINE - 1 bytes, escape sequences dropped);
 * returns the text after it, or NULL at the end. */
static const char *next_line(const char *text, char buf[MAX_LINE])
{
    size_t n = 0;
    const char *s = text;
    if (!*s)
        return NULL;
    while (*s && *s != '\n') {
        if (*s == '\x1b') {
            s++;
            if (*s == '[') {
                s++;
                while (*s && *s != '\n' && !isalpha((unsigned char)*s))
                    s++;
                if (*s && *s != '\n')
                    s++;
            }
            continue;
        }
        if (*s != '\r' && n < MAX_LINE - 1)
            buf[n++] = *s;
        s++;
    }
    buf[n] = '\0';
    return *s ? s + 1 : s;
}

/* Adds or updates a result: a test reported more than once keeps a failure, else its last
 * status (Check repeats loop tests, cmocka lists failures again in its summary). */
static int add_result(json_t *results, json_t *index, const line_result *r, ddbmig_error *err)
{
    json_t *at = json_object_get(index, r->name), *item;
    if (at) {
        item = json_array_get(results, (size_t)json_integer_value(at));
        if (strcmp(json_string_value(json_object_get(item, "status")), "fail") != 0)
            json_object_set_new(item, "status", json_string(status_name[r->status]));
        return 0;
    }
    if (json_array_size(results) >= MAX_RESULTS)
        return DDBMIG_FAIL(err, DDBMIG_ERR_LIMIT, "the output reports over %d tests", MAX_RESULTS);
    item = json_pack("{s:s, s:s}", "name", r->name, "status", status_name[r->status]);
    if (!item ||
        json_object_set_new(index, r->name, json_integer((json_int_t)json_array_size(results))) !=
            0 ||
        json_array_append_new(results, item) != 0)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory reading test results");
    return 0;
}

static int parse_with(json_t **out, const parser *p, const char *text, ddbmig_error *err)
{
    json_t *results = json_array(), *index = json_object(), *doc = NULL;
    char *line = malloc(MAX_LINE);
    regex_t re;
    int have_re = 0, rc = 0;
    size_t n[4] = {0, 0, 0, 0}, i;
    json_t *item;
    if (!results || !index || !line) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory reading test results");
        goto done;
    }
    if (p->pattern) {
        if (regcomp(&re, p->pattern, REG_EXTENDED) != 0) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "cannot compile the %s pattern", p->format);
            goto done;
        }
        have_re = 1;
    }
    for (const char *s = text; (s = next_line(s, line)) != NULL;) {
        line_result r = {"", ST_NONE};
        if (p->match(p, have_re ? &re : NULL, line, &r) && r.name[0]) {
            rc = add_result(results, index, &r, err);
            if (rc)
                goto done;
        }
    }
    json_array_foreach(results, i, item) {
        const char *st = json_string_value(json_object_get(item, "status"));
        n[strcmp(st, "pass") == 0 ? ST_PASS : strcmp(st, "skip") == 0 ? ST_SKIP : ST_FAIL]++;
    }
    doc = json_pack("{s:s, s:I, s:I, s:I, s:O}", "format", p->format, "passed",
                    (json_int_t)n[ST_PASS], "failed", (json_int_t)n[ST_FAIL], "skipped",
                    (json_int_t)n[ST_SKIP], "results", results);
    if (!doc) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory reading test results");
        goto done;
    }
    *out = doc;
done:
    if (have_re)
        regfree(&re);
    free(line);
    json_decref(index);
    json_decref(results);
    return rc;
}

int ddbmig_results_parse(json_t **out, const char *format, const char *text, ddbmig_error *err)
{
    json_t *best = NULL;
    size_t i;
    int rc;
    for (i = 0; i < N_PARSERS; i++)
        if (strcmp(format, parsers[i].format) == 0)
            return parse_with(out, &parsers[i], text, err);
    if (strcmp(format, "auto") != 0)
        return DDBMIG_FAIL(err, DDBMIG_ERR_ARG,
                           "test output format '%s' is not one of auto, ctest, tap, check, "
                           "cmocka, unity, criterion",
                           format);
    /* auto: the format that recognises the most results; on a tie, the earlier in the table */
    for (i = 0; i < N_PARSERS; i++) {
        json_t *doc = NULL;
        rc = parse_with(&doc, &parsers[i], text, err);
        if (rc) {
            json_decref(best);
            return rc;
        }
        if (!best || json_array_size(json_object_get(doc, "results")) >
                         json_array_size(json_object_get(best, "results"))) {
            json_decref(best);
            best = doc;
        } else {
            json_decref(doc);
        }
    }
    if (json_array_size(json_object_get(best, "results")) == 0) {
        json_decref(best);
        return DDBMIG_FAIL(err, DDBMIG_ERR_NO_TESTS,
                           "no test result in the output: it is none of CTest, TAP, Check "
                           "(CK_VERBOSE), cmocka, Unity or Criterion (--verbose)");
    }
    *out = best;
    return 0;
}
