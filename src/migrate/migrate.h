/*
 * ddbmig: the logic behind `ddbkit migrate` (docs/migrate.md): the migration's state, kept in the
 * codebase as .ddbkit/migration.json with MIGRATION.md rendered from it, and the discovery of a
 * codebase's tests. It runs the codebase's own tools (cmake, ctest, make, git) as child
 * processes with argument vectors, never through a shell.
 *
 * Thread safety: single-threaded (used by the command line).
 */
#ifndef DDBMIG_MIGRATE_H
#define DDBMIG_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Error codes, only ever appended. */
#define DDBMIG_ERRORS(X)                                                                           \
    X(DDBMIG_ERR_IO, -1, "a file or folder cannot be read or written")                             \
    X(DDBMIG_ERR_NOMEM, -2, "out of memory")                                                       \
    X(DDBMIG_ERR_STATE, -3, "the migration state is not usable")                                   \
    X(DDBMIG_ERR_NO_STATE, -4, "no migration state: run ddbkit migrate init first")                \
    X(DDBMIG_ERR_MODEL, -5, "the model differs from the one recorded")                             \
    X(DDBMIG_ERR_NO_TESTS, -6, "no tests found")                                                   \
    X(DDBMIG_ERR_TOOL, -7, "an external command failed")                                           \
    X(DDBMIG_ERR_LIMIT, -8, "a limit was exceeded")                                                \
    X(DDBMIG_ERR_ARG, -9, "an argument is not valid")

typedef enum {
#define DDBMIG_ENUM(name, value, text) name = (value),
    DDBMIG_ERRORS(DDBMIG_ENUM)
#undef DDBMIG_ENUM
} ddbmig_code;

/* Error detail, allocated by the caller; every function accepts NULL. */
typedef struct ddbmig_error {
    int code;
    char message[1024]; /* one line, naming the file, field or limit */
} ddbmig_error;

/* The text of a code; never NULL. */
const char *ddbmig_strerror(int code);

/* Where the state and the tool's private files live inside the codebase. */
#define DDBMIG_DIR ".ddbkit"
#define DDBMIG_STATE_FILE ".ddbkit/migration.json"
#define DDBMIG_REPORT_FILE "MIGRATION.md"
#define DDBMIG_STATE_FORMAT 1

/* The inputs a step's result depends on; a done step records a hash of each. */
enum {
    DDBMIG_IN_MODEL = 1 << 0,   /* the model file */
    DDBMIG_IN_SOURCES = 1 << 1, /* the C sources (.c, .h) outside the tests */
    DDBMIG_IN_TESTS = 1 << 2,   /* the test files */
    DDBMIG_IN_BUILD = 1 << 3,   /* CMakeLists.txt, Makefiles, configure.ac, meson.build, scripts */
};

/* One step of the procedure. The table is fixed; the state records each one's progress. */
typedef struct ddbmig_step_def {
    const char *name;   /* "discover" */
    const char *title;  /* "Find the tests" */
    const char *what;   /* a paragraph */
    const char *checks; /* the checks, one per line */
    unsigned inputs;    /* DDBMIG_IN_* */
    bool optional;
} ddbmig_step_def;

/* The steps, in order; *n receives their number. */
const ddbmig_step_def *ddbmig_steps(size_t *n);

/* The state of one codebase's migration: a JSON document (docs/migrate.md) and where it lives. */
typedef struct ddbmig_state ddbmig_state;

/*
 * Creates the state of `codebase` for `model`, or loads the existing one and keeps its progress.
 * An existing state naming another model file is refused with DDBMIG_ERR_MODEL unless `force`
 * (which records the new model and keeps the steps, whose staleness then shows what it touched).
 * Refreshes the steps' staleness, then writes .ddbkit/migration.json and MIGRATION.md atomically.
 *
 * out: receives the state (ddbmig_state_free); untouched on failure.
 * Returns 0, DDBMIG_ERR_IO (codebase or model unreadable), DDBMIG_ERR_STATE, DDBMIG_ERR_MODEL,
 * DDBMIG_ERR_NOMEM.
 */
int ddbmig_init(ddbmig_state **out, const char *codebase, const char *model, bool force,
                ddbmig_error *err);

/*
 * Loads the state of `codebase` and refreshes the staleness of its done steps (not saved).
 * Returns 0, DDBMIG_ERR_NO_STATE when there is none, DDBMIG_ERR_STATE, DDBMIG_ERR_IO,
 * DDBMIG_ERR_NOMEM.
 */
int ddbmig_state_open(ddbmig_state **out, const char *codebase, ddbmig_error *err);

/*
 * Marks step `name` done now, with the codebase's commit, the hashes of the step's inputs and
 * `figures` (a JSON object, taken: the state owns it afterwards, on failure too).
 */
int ddbmig_state_mark_done(ddbmig_state *s, const char *name, json_t *figures, ddbmig_error *err);

/* Writes .ddbkit/migration.json, then MIGRATION.md, each through a temporary file and rename. */
int ddbmig_state_save(ddbmig_state *s, ddbmig_error *err);

/* The state's document, borrowed. */
const json_t *ddbmig_state_json(const ddbmig_state *s);

/* NULL-safe. */
void ddbmig_state_free(ddbmig_state *s);

/*
 * Finds the test framework of `codebase`, its test command, the number of tests and the C
 * standard, running cmake/ctest, make or meson where the framework needs them (their output goes
 * to .ddbkit/logs/). out receives {"framework", "command", "tests", "c_standard",
 * "c_standard_source", "count_basis", "also_found": [...], "notes": [...]}, owned by the caller.
 * Returns 0, DDBMIG_ERR_NO_TESTS (the message names what was looked for), DDBMIG_ERR_TOOL,
 * DDBMIG_ERR_IO, DDBMIG_ERR_NOMEM.
 */
int ddbmig_discover(json_t **out, const char *codebase, ddbmig_error *err);

/*
 * Reads the results of a test run from its output `text` (NUL-terminated), in `format`: "ctest",
 * "tap", "check" (CK_VERBOSE), "cmocka", "unity", "criterion" (--verbose), or "auto", the format
 * that recognises the most results (ties go to the earlier in that list). out receives
 * {"format", "passed", "failed", "skipped", "results": [{"name", "status"}]}, status "pass",
 * "fail" or "skip", in the order of the output; a test reported more than once keeps a failure,
 * else its last status. Owned by the caller.
 * Returns 0, DDBMIG_ERR_ARG (unknown format), DDBMIG_ERR_NO_TESTS ("auto" found no result),
 * DDBMIG_ERR_LIMIT (over 100000 tests), DDBMIG_ERR_NOMEM.
 */
int ddbmig_results_parse(json_t **out, const char *format, const char *text, ddbmig_error *err);

#endif
