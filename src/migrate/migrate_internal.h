/* Internals shared by the files of src/migrate/. */
#ifndef DDBMIG_MIGRATE_INTERNAL_H
#define DDBMIG_MIGRATE_INTERNAL_H

#include <stddef.h>

#include "migrate/migrate.h"

/* Largest file ddbmig reads whole (a state, a log, a Makefile, a test list). */
#define DDBMIG_MAX_READ (16u << 20)
/* A codebase walk stops with DDBMIG_ERR_LIMIT past this many files or this depth. */
#define DDBMIG_MAX_FILES 200000
#define DDBMIG_MAX_DEPTH 64

/* Fills err (when not NULL) with code and a printf-style message. */
void ddbmig__set_error(ddbmig_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ddbmig__set_error, then the code: a macro, so that callers and the analyzer see the constant
 * (a failure path never reads as success). */
#define DDBMIG_FAIL(err, code, ...) (ddbmig__set_error((err), (code), __VA_ARGS__), (code))

/* "dir/name" in a new string (NULL when out of memory). */
/* The step named name in a state document's "steps", or NULL (borrowed). */
json_t *ddbmig__find_step(const json_t *doc, const char *name);

char *ddbmig__path(const char *dir, const char *name);

/* Reads a whole file (NUL-terminated, at most DDBMIG_MAX_READ bytes) into *out (free()). */
int ddbmig__read_file(char **out, size_t *len, const char *path, ddbmig_error *err);

/* Writes path through path.tmp.XXXXXX, fsync and rename, so a kill leaves old or new. */
int ddbmig__write_atomic(const char *path, const char *data, size_t len, ddbmig_error *err);

/* mkdir -p for one level under an existing folder; an existing folder is fine. */
int ddbmig__mkdir(const char *path, ddbmig_error *err);

/*
 * Runs argv (argv[0] found on PATH) in folder cwd with stdin from /dev/null and stdout and
 * stderr into log_path, killing its process group after timeout_s seconds. *status receives the
 * exit status, 128 + the signal's number when it was killed, 127 when it could not start.
 */
int ddbmig__run(int *status, const char *const *argv, const char *cwd, const char *log_path,
                int timeout_s, ddbmig_error *err);

/* Whether `tool` is an executable on PATH. */
int ddbmig__have_tool(const char *tool);

/* SHA-256 of a file as 64 hex digits into hex[65]. */
int ddbmig__sha256_file(char hex[65], const char *path, ddbmig_error *err);

/*
 * The hashes of a codebase's inputs: {"sources": {"sha256", "files"}, "tests": ..., "build": ...}
 * plus "model" when model_path is not NULL. Hidden folders (.git, .ddbkit) and CMake build trees
 * (a CMakeCache.txt) are left out.
 */
int ddbmig__hash_inputs(json_t **out, const char *codebase, const char *model_path,
                        ddbmig_error *err);

/* Renders MIGRATION.md from the state's document into *out (free()). */
int ddbmig__render(char **out, const json_t *state, ddbmig_error *err);

#endif
