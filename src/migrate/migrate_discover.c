/*
 * `ddbkit migrate discover`: the codebase's test framework, its command, the number of tests and
 * the C standard. Frameworks are tried from the most to the least informative (CTest, meson,
 * autotools, a Makefile, a script); the first that yields at least one test wins, and the others
 * found are listed. Every tool runs with an argument vector in the codebase (ddbmig__run), its
 * output kept in .ddbkit/logs/.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/migrate_internal.h"

#define TOOL_TIMEOUT_S 600
#define MAX_NAMES 10000

typedef struct probe {
    const char *root;
    char *logs; /* root/.ddbkit/logs */
    /* the result */
    const char *framework;
    char command[512];
    json_int_t tests;
    char basis[256];
    char c_std[32];
    char c_std_source[256];
    json_t *names;
    json_t *notes;
    ddbmig_error *err;
} probe;

static char *in_root(const probe *p, const char *rel)
{
    return ddbmig__path(p->root, rel);
}

static int exists(const probe *p, const char *rel)
{
    char *path = in_root(p, rel);
    int ok = path && access(path, F_OK) == 0;
    free(path);
    return ok;
}

/* Reads root/rel when it exists: 0 and *out (free()) or NULL when it does not. */
static int read_opt(char **out, const probe *p, const char *rel)
{
    char *path = in_root(p, rel);
    int rc = 0;
    *out = NULL;
    if (!path)
        return DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) == 0)
        rc = ddbmig__read_file(out, NULL, path, p->err);
    free(path);
    return rc;
}

static void note(probe *p, const char *text)
{
    json_array_append_new(p->notes, json_string(text));
}

/* Runs argv in cwd with its output in .ddbkit/logs/<log>; *text receives the output. */
static int run_tool(probe *p, int *status, char **text, const char *const *argv, const char *cwd,
                    const char *log)
{
    char *path = ddbmig__path(p->logs, log);
    int rc;
    if (!path)
        return DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
    *text = NULL;
    rc = ddbmig__run(status, argv, cwd, path, TOOL_TIMEOUT_S, p->err);
    if (!rc)
        rc = ddbmig__read_file(text, NULL, path, p->err);
    if (!rc && !*text)
        rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory reading %s", path);
    free(path);
    return rc;
}

/* The value of the first "-std=X" in text, into out; 0 when there is none. */
static int std_in_text(char out[32], const char *text)
{
    const char *s = text;
    while ((s = strstr(s, "-std=")) != NULL) {
        size_t n = 0;
        s += 5;
        while (n < 31 && (isalnum((unsigned char)s[n]) || s[n] == '+'))
            n++;
        if (n > 0) {
            memcpy(out, s, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* "-std=" in a compile_commands.json, where the build wrote one. */
static int std_in_compile_commands(probe *p, const char *path)
{
    json_t *db = json_load_file(path, 0, NULL), *e;
    size_t i;
    int found = 0;
    json_array_foreach(db, i, e) {
        const char *cmd = json_string_value(json_object_get(e, "command"));
        json_t *args = json_object_get(e, "arguments"), *a;
        size_t k;
        if (cmd && std_in_text(p->c_std, cmd))
            found = 1;
        json_array_foreach(args, k, a) {
            const char *s = json_string_value(a);
            if (!found && s && strncmp(s, "-std=", 5) == 0)
                found = std_in_text(p->c_std, s);
        }
        if (found)
            break;
    }
    json_decref(db);
    return found;
}

/* "CMAKE_C_STANDARD 99" (or a target's "C_STANDARD 99") in a CMakeLists.txt. */
static int std_in_cmake(char out[32], const char *text)
{
    const char *s = text;
    while ((s = strstr(s, "C_STANDARD")) != NULL) {
        size_t n = 0;
        s += 10;
        if (*s == '_' || isalnum((unsigned char)*s))
            continue; /* C_STANDARD_REQUIRED */
        while (*s == ' ' || *s == '\t' || *s == '"' || *s == '\n')
            s++;
        while (n < 8 && isdigit((unsigned char)s[n]))
            n++;
        if (n > 0) {
            snprintf(out, 32, "c%.*s", (int)n, s);
            return 1;
        }
    }
    return 0;
}

static void set_std(probe *p, const char *source)
{
    snprintf(p->c_std_source, sizeof(p->c_std_source), "%s", source);
}

/* Adds the whitespace-separated words of text to p->names; returns how many. */
static json_int_t add_words(probe *p, const char *text)
{
    json_int_t n = 0;
    const char *s = text;
    while (*s) {
        size_t len;
        while (*s && isspace((unsigned char)*s))
            s++;
        len = 0;
        while (s[len] && !isspace((unsigned char)s[len]))
            len++;
        if (len == 0)
            break;
        if (json_array_size(p->names) < MAX_NAMES)
            json_array_append_new(p->names, json_stringn(s, len));
        n++;
        s += len;
    }
    return n;
}

/* ---- CTest ------------------------------------------------------------------------------- */

static int try_ctest(probe *p, int *found)
{
    const char *build = DDBMIG_DIR "/build";
    char *build_abs = in_root(p, build), *out = NULL, *cmake_text = NULL, *cc = NULL, *brace;
    const char *configure[] = {
        "cmake", "-S", p->root, "-B", build_abs, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", NULL};
    const char *list[] = {"ctest", "--show-only=json-v1", NULL};
    json_t *doc = NULL, *t;
    int status = 0, rc;
    size_t i;
    if (!build_abs)
        return DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
    if (!ddbmig__have_tool("cmake") || !ddbmig__have_tool("ctest")) {
        note(p, "CMakeLists.txt found, but cmake or ctest is not installed");
        rc = 0;
        goto done;
    }
    rc = ddbmig__mkdir(build_abs, p->err);
    if (!rc)
        rc = run_tool(p, &status, &out, configure, p->root, "discover-cmake.log");
    if (rc)
        goto done;
    if (status != 0) {
        rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_TOOL,
                         "cmake could not configure %s (exit %d); its output is in "
                         "%s/discover-cmake.log",
                         p->root, status, p->logs);
        goto done;
    }
    free(out);
    out = NULL;
    rc = run_tool(p, &status, &out, list, build_abs, "discover-ctest.log");
    if (rc)
        goto done;
    /* the document, after whatever a CMake warning printed before it */
    brace = strchr(out, '{');
    doc = status == 0 && brace ? json_loads(brace, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    if (!json_is_array(json_object_get(doc, "tests"))) {
        rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_TOOL,
                         "ctest --show-only=json-v1 gave no test list (exit %d); its output is "
                         "in %s/discover-ctest.log",
                         status, p->logs);
        goto done;
    }
    json_array_foreach(json_object_get(doc, "tests"), i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (name && json_array_size(p->names) < MAX_NAMES)
            json_array_append_new(p->names, json_string(name));
    }
    if (json_array_size(json_object_get(doc, "tests")) == 0) {
        note(p, "CMakeLists.txt found, but CTest lists no test (no enable_testing/add_test)");
        goto done;
    }
    *found = 1;
    p->framework = "ctest";
    p->tests = (json_int_t)json_array_size(json_object_get(doc, "tests"));
    snprintf(p->command, sizeof(p->command),
             "cmake -S . -B %s && cmake --build %s && ctest --test-dir %s", build, build, build);
    snprintf(p->basis, sizeof(p->basis), "ctest --show-only=json-v1");
    cc = ddbmig__path(build_abs, "compile_commands.json");
    if (cc && std_in_compile_commands(p, cc)) {
        set_std(p, "-std= in compile_commands.json");
    } else {
        rc = read_opt(&cmake_text, p, "CMakeLists.txt");
        if (!rc && cmake_text && std_in_cmake(p->c_std, cmake_text))
            set_std(p, "C_STANDARD in CMakeLists.txt");
    }
done:
    json_decref(doc);
    free(cc);
    free(cmake_text);
    free(out);
    free(build_abs);
    return rc;
}

/* ---- meson --------------------------------------------------------------------------------- */

/* The test( calls in text (meson's test() function, not a longer name): their number, and
 * their first argument, the test's name, when it is a string literal. */
static json_int_t count_test_calls(probe *p, const char *text)
{
    json_int_t n = 0;
    for (const char *s = text; (s = strstr(s, "test(")) != NULL; s += 5) {
        const char *arg, *end;
        if (s != text && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
            continue;
        n++;
        arg = s + 5 + strspn(s + 5, " \t\n");
        if ((*arg == '\'' || *arg == '"') && (end = strchr(arg + 1, *arg)) != NULL &&
            json_array_size(p->names) < MAX_NAMES)
            json_array_append_new(p->names, json_stringn(arg + 1, (size_t)(end - arg - 1)));
    }
    return n;
}

static int try_meson(probe *p, int *found)
{
    static const char *const files[] = {"meson.build", "tests/meson.build", "test/meson.build"};
    char *text = NULL, *out = NULL, *build_abs = in_root(p, DDBMIG_DIR "/meson-build");
    json_t *doc = NULL, *t;
    int rc = 0, status = 0;
    size_t i;
    if (!build_abs)
        return DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
    if (ddbmig__have_tool("meson")) {
        const char *fresh[] = {"meson", "setup", build_abs, p->root, NULL};
        const char *again[] = {"meson", "setup", "--reconfigure", build_abs, p->root, NULL};
        const char *intro[] = {"meson", "introspect", "--tests", build_abs, NULL};
        const char *const *setup = access(build_abs, F_OK) == 0 ? again : fresh;
        rc = run_tool(p, &status, &out, setup, p->root, "discover-meson.log");
        if (rc)
            goto done;
        if (status != 0) {
            rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_TOOL,
                             "meson setup failed on %s (exit %d); its output is in "
                             "%s/discover-meson.log",
                             p->root, status, p->logs);
            goto done;
        }
        free(out);
        out = NULL;
        rc = run_tool(p, &status, &out, intro, p->root, "discover-meson-tests.log");
        if (rc)
            goto done;
        doc = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
        json_array_foreach(doc, i, t) {
            const char *name = json_string_value(json_object_get(t, "name"));
            if (name && json_array_size(p->names) < MAX_NAMES)
                json_array_append_new(p->names, json_string(name));
        }
        p->tests = (json_int_t)json_array_size(doc);
        snprintf(p->basis, sizeof(p->basis), "meson introspect --tests");
    } else {
        note(p, "meson is not installed: the tests are counted from the test() calls in "
                "meson.build");
        p->tests = 0;
        for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            rc = read_opt(&text, p, files[i]);
            if (rc)
                goto done;
            if (text)
                p->tests += count_test_calls(p, text);
            free(text);
            text = NULL;
        }
        snprintf(p->basis, sizeof(p->basis), "test() calls in meson.build (meson not installed)");
    }
    if (p->tests > 0) {
        *found = 1;
        p->framework = "meson";
        snprintf(p->command, sizeof(p->command),
                 "meson setup %s/meson-build && meson test -C %s/meson-build", DDBMIG_DIR,
                 DDBMIG_DIR);
        rc = read_opt(&text, p, "meson.build");
        if (!rc && text) {
            const char *s = strstr(text, "c_std=");
            if (s && sscanf(s + 6, "%31[A-Za-z0-9+]", p->c_std) == 1)
                set_std(p, "c_std in meson.build");
        }
    }
done:
    json_decref(doc);
    free(text);
    free(out);
    free(build_abs);
    return rc;
}

/* ---- automake ------------------------------------------------------------------------------ */

/* The value of `name =` (and `name +=`) in a Makefile.am, continuation lines joined, with
 * $(VAR) references to other variables of the file expanded (two levels deep at most, and up to
 * DDBMIG_MAX_READ bytes). */
static char *am_variable(const char *text, const char *name, int depth)
{
    size_t n = strlen(name), len = 0;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, &len);
    const char *s = text;
    if (!f)
        return NULL;
    while (*s) {
        const char *e = s, *v;
        while (*e && !(*e == '\n' && (e == s || e[-1] != '\\')))
            e++;
        v = s + strspn(s, " \t");
        if (strncmp(v, name, n) == 0) {
            v += n;
            v += strspn(v, " \t");
            if (*v == '+')
                v++;
            if (*v == '=') {
                for (v++; v < e; v++) {
                    const char *close;
                    if (*v == '\\' && v[1] == '\n') {
                        fputc(' ', f);
                        v++;
                    } else if (*v == '$' && v[1] == '(' && depth < 2 &&
                               (close = memchr(v, ')', (size_t)(e - v))) != NULL &&
                               close - v < 130) {
                        char inner_name[128], *inner;
                        snprintf(inner_name, sizeof(inner_name), "%.*s", (int)(close - v - 2),
                                 v + 2);
                        inner = am_variable(text, inner_name, depth + 1);
                        /* expansions multiply: the value stays under the read cap */
                        if (inner && ftell(f) + (long)strlen(inner) < (long)DDBMIG_MAX_READ)
                            fputs(inner, f);
                        free(inner);
                        v = close;
                    } else {
                        fputc(*v, f);
                    }
                }
                fputc(' ', f);
            }
        }
        s = *e ? e + 1 : e;
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int try_autotools(probe *p, int *found)
{
    static const char *const files[] = {"Makefile.am", "tests/Makefile.am", "test/Makefile.am"};
    char *text = NULL, *conf = NULL;
    int rc = 0;
    p->tests = 0;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !rc; i++) {
        char *tests;
        rc = read_opt(&text, p, files[i]);
        if (rc || !text)
            continue;
        tests = am_variable(text, "TESTS", 0);
        if (tests && add_words(p, tests) > 0) {
            p->tests = (json_int_t)json_array_size(p->names);
            snprintf(p->basis, sizeof(p->basis), "TESTS in %s", files[i]);
        } else {
            free(tests);
            tests = am_variable(text, "check_PROGRAMS", 0);
            if (tests && add_words(p, tests) > 0) {
                p->tests = (json_int_t)json_array_size(p->names);
                snprintf(p->basis, sizeof(p->basis), "check_PROGRAMS in %s", files[i]);
            }
        }
        if (!tests)
            rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
        if (!rc && !p->c_std[0] && std_in_text(p->c_std, text))
            snprintf(p->c_std_source, sizeof(p->c_std_source), "-std= in %s", files[i]);
        free(tests);
        free(text);
        text = NULL;
        if (p->tests > 0)
            break;
    }
    if (rc || p->tests == 0)
        goto done;
    *found = 1;
    p->framework = "autotools";
    snprintf(p->command, sizeof(p->command), "autoreconf -fi && ./configure && make check");
    if (!ddbmig__have_tool("autoreconf"))
        note(p, "autoreconf is not installed: the tests are counted from Makefile.am");
    rc = read_opt(&conf, p, exists(p, "configure.ac") ? "configure.ac" : "configure.in");
    if (!rc && conf && !p->c_std[0]) {
        if (std_in_text(p->c_std, conf))
            set_std(p, "-std= in configure.ac");
        else if (strstr(conf, "AC_PROG_CC_C99")) {
            snprintf(p->c_std, sizeof(p->c_std), "c99");
            set_std(p, "AC_PROG_CC_C99 in configure.ac");
        }
    }
done:
    free(conf);
    free(text);
    return rc;
}

/* ---- make ---------------------------------------------------------------------------------- */

/* The prerequisites of `target` in make's printed database (-p), into *deps; 0 when it is not
 * a target. */
static int make_target(const char *db, const char *target, const char **deps, size_t *len)
{
    size_t n = strlen(target);
    const char *s = db, *prev = "";
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t l = nl ? (size_t)(nl - s) : strlen(s);
        if (strncmp(s, target, n) == 0 && s[n] == ':' && s[n + 1] != ':' && s[n + 1] != '=' &&
            strncmp(prev, "# Not a target:", 15) != 0) {
            *deps = s + n + 1;
            *len = l - n - 1;
            return 1;
        }
        prev = s;
        s += l + (nl ? 1 : 0);
    }
    return 0;
}

/* The line "ddbkit-NAME=value" printed by the helper makefile, into a new string. */
static char *printed(const char *out, const char *name)
{
    char key[64];
    const char *s;
    size_t n;
    snprintf(key, sizeof(key), "ddbkit-%s=", name);
    s = strstr(out, key);
    if (!s)
        return strdup("");
    s += strlen(key);
    n = strcspn(s, "\n");
    return strndup(s, n);
}

/* The helper makefile: scratch, read once and removed, so a plain write is enough. */
static int write_helper(const char *path, const char *text, ddbmig_error *err)
{
    FILE *f = fopen(path, "w");
    int ok;
    if (!f)
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    ok = fputs(text, f) >= 0;
    if (fclose(f) != 0 || !ok)
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot write %s", path);
    return 0;
}

static int try_make(probe *p, const char *makefile, int *found)
{
    static const char helper_text[] =
        "# Written by ddbkit migrate discover: prints the variables it reads.\n"
        ".PHONY: ddbkit-print-vars\n"
        "ddbkit-print-vars:\n"
        "\t$(info ddbkit-TESTS=$(TESTS))\n"
        "\t$(info ddbkit-check_PROGRAMS=$(check_PROGRAMS))\n"
        "\t$(info ddbkit-CFLAGS=$(CC) $(CPPFLAGS) $(CFLAGS))\n"
        "\t@:\n";
    char *helper = in_root(p, DDBMIG_DIR "/print-vars.mk"), *db = NULL, *vars = NULL;
    char *tests = NULL, *progs = NULL, *cflags = NULL, *cc = NULL;
    const char *dump[] = {"make", "-f", makefile, "-p", "-q", "-n", ".ddbkit-no-such-target", NULL};
    const char *print[] = {"make", "-s", "-f", makefile, "-f", helper, "ddbkit-print-vars", NULL};
    const char *target = NULL, *deps = NULL;
    size_t deps_len = 0;
    int rc, status = 0;
    if (!helper)
        return DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
    if (!ddbmig__have_tool("make")) {
        note(p, "a Makefile was found, but make is not installed");
        rc = 0;
        goto done;
    }
    rc = write_helper(helper, helper_text, p->err);
    if (!rc)
        rc = run_tool(p, &status, &db, dump, p->root, "discover-make-database.log");
    if (rc)
        goto done;
    if (make_target(db, "check", &deps, &deps_len))
        target = "check";
    else if (make_target(db, "test", &deps, &deps_len))
        target = "test";
    if (!target) {
        note(p, "a Makefile was found, but it has no check or test target");
        goto done;
    }
    rc = run_tool(p, &status, &vars, print, p->root, "discover-make-vars.log");
    if (rc)
        goto done;
    if (status != 0) {
        rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_TOOL,
                         "make could not read %s/%s (exit %d); its output is in "
                         "%s/discover-make-vars.log",
                         p->root, makefile, status, p->logs);
        goto done;
    }
    tests = printed(vars, "TESTS");
    progs = printed(vars, "check_PROGRAMS");
    cflags = printed(vars, "CFLAGS");
    if (!tests || !progs || !cflags) {
        rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((p->tests = add_words(p, tests)) > 0) {
        snprintf(p->basis, sizeof(p->basis), "TESTS in %s", makefile);
    } else if ((p->tests = add_words(p, progs)) > 0) {
        snprintf(p->basis, sizeof(p->basis), "check_PROGRAMS in %s", makefile);
    } else {
        char *d = strndup(deps, deps_len);
        if (!d) {
            rc = DDBMIG_FAIL(p->err, DDBMIG_ERR_NOMEM, "out of memory");
            goto done;
        }
        p->tests = add_words(p, d);
        free(d);
        snprintf(p->basis, sizeof(p->basis), "the prerequisites of `%s` in %s", target, makefile);
    }
    if (p->tests == 0) {
        note(p, "the Makefile's check/test target names no test (no TESTS, check_PROGRAMS or "
                "prerequisites)");
        goto done;
    }
    *found = 1;
    p->framework = "make";
    snprintf(p->command, sizeof(p->command), "make %s", target);
    cc = in_root(p, "compile_commands.json");
    if (cc && access(cc, F_OK) == 0 && std_in_compile_commands(p, cc))
        set_std(p, "-std= in compile_commands.json");
    else if (std_in_text(p->c_std, cflags))
        set_std(p, "-std= in the Makefile's CC/CFLAGS");
done:
    if (helper)
        unlink(helper);
    free(cc);
    free(cflags);
    free(progs);
    free(tests);
    free(vars);
    free(db);
    free(helper);
    return rc;
}

/* ---- scripts ------------------------------------------------------------------------------- */

static const char *const script_names[] = {"run_tests.sh", "run-tests.sh", "runtests.sh",
                                           "test.sh",      "tests.sh",     "check.sh"};
static const char *const script_dirs[] = {"", "tests/", "test/", "scripts/"};

/* The first test script, as "dir/name" relative to the root, into out. */
static int find_script(const probe *p, char out[128])
{
    for (size_t d = 0; d < sizeof(script_dirs) / sizeof(script_dirs[0]); d++)
        for (size_t i = 0; i < sizeof(script_names) / sizeof(script_names[0]); i++) {
            snprintf(out, 128, "%s%s", script_dirs[d], script_names[i]);
            if (exists(p, out))
                return 1;
        }
    return 0;
}

/* The test sources (test_*.c, *_test.c) in the root, tests/ and test/: their names. */
static json_int_t count_test_sources(probe *p)
{
    static const char *const dirs[] = {"", "tests", "test"};
    json_int_t n = 0;
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char *dir = dirs[d][0] ? in_root(p, dirs[d]) : strdup(p->root);
        json_t *names = json_array();
        DIR *h = dir ? opendir(dir) : NULL;
        struct dirent *de;
        while (h && (de = readdir(h)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l > 2 && strcmp(de->d_name + l - 2, ".c") == 0 &&
                (strncmp(de->d_name, "test_", 5) == 0 ||
                 (l > 7 && strcmp(de->d_name + l - 7, "_test.c") == 0))) {
                json_array_append_new(names, json_stringn(de->d_name, l - 2));
                n++;
            }
        }
        if (h)
            closedir(h);
        /* readdir's order is the file system's: sort for a stable list */
        {
            size_t cnt = json_array_size(names);
            const char **v = calloc(cnt ? cnt : 1, sizeof(*v));
            for (size_t i = 0; v && i < cnt; i++)
                v[i] = json_string_value(json_array_get(names, i));
            for (size_t i = 1; v && i < cnt; i++)
                for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
                    const char *t = v[j];
                    v[j] = v[j - 1];
                    v[j - 1] = t;
                }
            for (size_t i = 0; v && i < cnt; i++)
                if (json_array_size(p->names) < MAX_NAMES)
                    json_array_append_new(p->names, json_string(v[i]));
            free(v);
        }
        json_decref(names);
        free(dir);
    }
    return n;
}

static int try_script(probe *p, const char *script, int *found)
{
    char *text = NULL;
    int rc = read_opt(&text, p, script);
    if (rc)
        return rc;
    *found = 1;
    p->framework = "script";
    snprintf(p->command, sizeof(p->command), "./%s", script);
    p->tests = count_test_sources(p);
    if (p->tests > 0) {
        snprintf(p->basis, sizeof(p->basis), "test sources (test_*.c, *_test.c) beside %s", script);
    } else {
        p->tests = 1;
        snprintf(p->basis, sizeof(p->basis),
                 "one script and no test sources: baseline counts the tests in its output");
    }
    if (text && std_in_text(p->c_std, text))
        snprintf(p->c_std_source, sizeof(p->c_std_source), "-std= in %s", script);
    free(text);
    return 0;
}

/* ---- discover ------------------------------------------------------------------------------ */

static const char *find_makefile(const probe *p)
{
    static const char *const names[] = {"GNUmakefile", "makefile", "Makefile"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (exists(p, names[i]))
            return names[i];
    return NULL;
}

int ddbmig_discover(json_t **out, const char *codebase, ddbmig_error *err)
{
    probe p;
    char *root = realpath(codebase, NULL), *dir = NULL, script[128];
    const char *makefile;
    int rc = 0, found = 0, has_cmake, has_meson, has_auto, has_script;
    json_t *also = json_array(), *doc;

    memset(&p, 0, sizeof(p));
    p.err = err;
    p.names = json_array();
    p.notes = json_array();
    if (!root) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--codebase %s: %s", codebase, strerror(errno));
        goto done;
    }
    p.root = root;
    dir = in_root(&p, DDBMIG_DIR);
    p.logs = in_root(&p, DDBMIG_DIR "/logs");
    if (!dir || !p.logs || !also || !p.names || !p.notes) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = ddbmig__mkdir(dir, err);
    if (!rc)
        rc = ddbmig__mkdir(p.logs, err);
    if (rc)
        goto done;

    has_cmake = exists(&p, "CMakeLists.txt");
    has_meson = exists(&p, "meson.build");
    has_auto =
        (exists(&p, "configure.ac") || exists(&p, "configure.in")) && exists(&p, "Makefile.am");
    makefile = find_makefile(&p);
    has_script = find_script(&p, script);

    if (has_cmake)
        rc = try_ctest(&p, &found);
    if (!rc && !found && has_meson)
        rc = try_meson(&p, &found);
    if (!rc && !found && has_auto)
        rc = try_autotools(&p, &found);
    if (!rc && !found && makefile && !has_auto)
        rc = try_make(&p, makefile, &found);
    if (!rc && !found && has_script)
        rc = try_script(&p, script, &found);
    if (rc)
        goto done;
    if (!found) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NO_TESTS,
                         "no tests found in %s: looked for CTest tests (CMakeLists.txt), "
                         "meson.build, configure.ac with a Makefile.am defining TESTS, a "
                         "Makefile with a check or test target, and a run_tests.sh, "
                         "run-tests.sh, runtests.sh, test.sh, tests.sh or check.sh script",
                         root);
        goto done;
    }
    if (has_cmake && strcmp(p.framework, "ctest") != 0)
        json_array_append_new(also, json_string("ctest"));
    if (has_meson && strcmp(p.framework, "meson") != 0)
        json_array_append_new(also, json_string("meson"));
    if (has_auto && strcmp(p.framework, "autotools") != 0)
        json_array_append_new(also, json_string("autotools"));
    if (makefile && !has_auto && strcmp(p.framework, "make") != 0)
        json_array_append_new(also, json_string("make"));
    if (has_script && strcmp(p.framework, "script") != 0)
        json_array_append_new(also, json_string("script"));
    if (!p.c_std[0]) {
        snprintf(p.c_std, sizeof(p.c_std), "unknown");
        set_std(&p, "none: no C_STANDARD, compile_commands.json or -std= found");
    }
    doc = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:O, s:O, s:O}", "framework", p.framework,
                    "command", p.command, "tests", p.tests, "c_standard", p.c_std,
                    "c_standard_source", p.c_std_source, "count_basis", p.basis, "test_names",
                    p.names, "also_found", also, "notes", p.notes);
    if (!doc) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
        goto done;
    }
    *out = doc;
done:
    json_decref(also);
    json_decref(p.names);
    json_decref(p.notes);
    free(p.logs);
    free(dir);
    free(root);
    return rc;
}
