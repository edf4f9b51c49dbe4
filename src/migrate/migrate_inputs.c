/*
 * The hashes of a codebase's inputs, by group (docs/migrate.md, "Staleness"). Each group's hash
 * is the SHA-256 of its files' "relative path, tab, SHA-256 of the content" lines in byte order
 * of the paths, so a renamed, added, removed or edited file changes it and nothing else does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "migrate/migrate_internal.h"

enum { G_SOURCES, G_TESTS, G_BUILD, G_COUNT };
static const char *const group_name[G_COUNT] = {"sources", "tests", "build"};

typedef struct entry {
    char *rel;
    int group;
} entry;

typedef struct walk {
    entry *v;
    size_t n, cap;
    ddbmig_error *err;
} walk;

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int is_test_dir(const char *name)
{
    static const char *const names[] = {"test",      "tests", "t",        "unittest",
                                        "unittests", "check", "testsuite"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* The group of a file, or -1 for a file no step reads. in_tests: under a test folder. */
static int classify(const char *base, int in_tests)
{
    static const char *const build_names[] = {"CMakeLists.txt", "Makefile",    "makefile",
                                              "GNUmakefile",    "Makefile.am", "configure.ac",
                                              "configure.in",   "meson.build", "meson_options.txt"};
    int c_file = ends_with(base, ".c") || ends_with(base, ".h");
    int testish = in_tests || strncmp(base, "test", 4) == 0 || strncmp(base, "check_", 6) == 0 ||
                  ends_with(base, "_test.c") || ends_with(base, "_tests.c");
    for (size_t i = 0; i < sizeof(build_names) / sizeof(build_names[0]); i++)
        if (strcmp(base, build_names[i]) == 0)
            return G_BUILD;
    if (c_file)
        return testish ? G_TESTS : G_SOURCES;
    if (ends_with(base, ".sh"))
        return testish || strstr(base, "test") ? G_TESTS : G_BUILD;
    if (ends_with(base, ".cmake") || ends_with(base, ".mk"))
        return G_BUILD;
    return -1;
}

static int add_entry(walk *w, const char *rel, int group)
{
    if (w->n == DDBMIG_MAX_FILES)
        return DDBMIG_FAIL(w->err, DDBMIG_ERR_LIMIT, "the codebase has over %d input files",
                           DDBMIG_MAX_FILES);
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        entry *v = realloc(w->v, cap * sizeof(*v));
        if (!v)
            return DDBMIG_FAIL(w->err, DDBMIG_ERR_NOMEM, "out of memory listing the codebase");
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n].rel = strdup(rel);
    if (!w->v[w->n].rel)
        return DDBMIG_FAIL(w->err, DDBMIG_ERR_NOMEM, "out of memory listing the codebase");
    w->v[w->n++].group = group;
    return 0;
}

/* Walks root/rel ("" for root). Symbolic links are not followed: they may leave the codebase. */
static int walk_dir(walk *w, const char *root, const char *rel, int depth, int in_tests)
{
    char *dir = rel[0] ? ddbmig__path(root, rel) : strdup(root);
    char *cache = NULL;
    DIR *d = NULL;
    struct dirent *de;
    int rc = 0;
    if (!dir)
        return DDBMIG_FAIL(w->err, DDBMIG_ERR_NOMEM, "out of memory listing the codebase");
    if (depth > DDBMIG_MAX_DEPTH) {
        rc = DDBMIG_FAIL(w->err, DDBMIG_ERR_LIMIT, "%s is nested over %d folders deep", dir,
                         DDBMIG_MAX_DEPTH);
        goto done;
    }
    /* A CMake build tree inside the codebase holds generated files, not inputs. */
    cache = ddbmig__path(dir, "CMakeCache.txt");
    if (!cache) {
        rc = DDBMIG_FAIL(w->err, DDBMIG_ERR_NOMEM, "out of memory listing the codebase");
        goto done;
    }
    if (depth > 0 && access(cache, F_OK) == 0)
        goto done;
    d = opendir(dir);
    if (!d) {
        rc = DDBMIG_FAIL(w->err, DDBMIG_ERR_IO, "cannot list %s: %s", dir, strerror(errno));
        goto done;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char *full, *child;
        if (de->d_name[0] == '.')
            continue; /* ., .., .git, .ddbkit and every other hidden file */
        full = ddbmig__path(dir, de->d_name);
        child = rel[0] ? ddbmig__path(rel, de->d_name) : strdup(de->d_name);
        if (!full || !child) {
            free(full);
            free(child);
            rc = DDBMIG_FAIL(w->err, DDBMIG_ERR_NOMEM, "out of memory listing the codebase");
            goto done;
        }
        if (lstat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                rc = walk_dir(w, root, child, depth + 1, in_tests || is_test_dir(de->d_name));
            } else if (S_ISREG(st.st_mode)) {
                int g = classify(de->d_name, in_tests);
                if (g >= 0)
                    rc = add_entry(w, child, g);
            }
        }
        free(full);
        free(child);
        if (rc)
            goto done;
    }
done:
    if (d)
        closedir(d);
    free(cache);
    free(dir);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->rel, ((const entry *)b)->rel);
}

static void hex_of(char hex[65], const unsigned char *md)
{
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int hash_groups(json_t *out, const walk *w, const char *root, ddbmig_error *err)
{
    EVP_MD_CTX *ctx[G_COUNT] = {NULL, NULL, NULL};
    size_t count[G_COUNT] = {0, 0, 0};
    int rc = 0;
    for (int g = 0; g < G_COUNT; g++) {
        ctx[g] = EVP_MD_CTX_new();
        if (!ctx[g] || EVP_DigestInit_ex(ctx[g], EVP_sha256(), NULL) != 1) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "cannot start SHA-256");
            goto done;
        }
    }
    for (size_t i = 0; i < w->n; i++) {
        char hex[65], *full = ddbmig__path(root, w->v[i].rel);
        int g = w->v[i].group;
        if (!full) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory hashing the codebase");
            goto done;
        }
        rc = ddbmig__sha256_file(hex, full, err);
        free(full);
        if (rc)
            goto done;
        if (EVP_DigestUpdate(ctx[g], w->v[i].rel, strlen(w->v[i].rel)) != 1 ||
            EVP_DigestUpdate(ctx[g], "\t", 1) != 1 || EVP_DigestUpdate(ctx[g], hex, 64) != 1 ||
            EVP_DigestUpdate(ctx[g], "\n", 1) != 1) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "SHA-256 of the codebase failed");
            goto done;
        }
        count[g]++;
    }
    for (int g = 0; g < G_COUNT; g++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        char hex[65];
        if (EVP_DigestFinal_ex(ctx[g], md, &len) != 1 || len != 32) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "SHA-256 of the codebase failed");
            goto done;
        }
        hex_of(hex, md);
        if (json_object_set_new(
                out, group_name[g],
                json_pack("{s:s, s:I}", "sha256", hex, "files", (json_int_t)count[g])) != 0) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory hashing the codebase");
            goto done;
        }
    }
done:
    for (int g = 0; g < G_COUNT; g++)
        EVP_MD_CTX_free(ctx[g]);
    return rc;
}

int ddbmig__hash_inputs(json_t **out, const char *codebase, const char *model_path,
                        ddbmig_error *err)
{
    walk w = {NULL, 0, 0, err};
    json_t *doc = json_object();
    int rc;
    if (!doc)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory hashing the codebase");
    rc = walk_dir(&w, codebase, "", 0, 0);
    if (rc)
        goto done;
    if (w.n > 1)
        qsort(w.v, w.n, sizeof(*w.v), by_path);
    rc = hash_groups(doc, &w, codebase, err);
    if (rc)
        goto done;
    if (model_path) {
        char hex[65];
        rc = ddbmig__sha256_file(hex, model_path, err);
        if (rc)
            goto done;
        if (json_object_set_new(doc, "model", json_pack("{s:s, s:i}", "sha256", hex, "files", 1))) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory hashing the model");
            goto done;
        }
    }
    *out = doc;
    doc = NULL;
done:
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].rel);
    free(w.v);
    json_decref(doc);
    return rc;
}
