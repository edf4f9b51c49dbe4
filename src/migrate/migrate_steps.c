/* The procedure's steps: what each does and the checks it must pass (docs/migrate.md). */
#include <string.h>

#include "migrate/migrate_internal.h"

static const ddbmig_step_def steps[] = {
    {"discover", "Find the tests",
     "Works out how the codebase runs its tests (CTest, a Makefile target, meson, autotools or a "
     "script), how many there are, and which C standard it compiles with. Every later step runs "
     "those tests unchanged, and the generated code must compile under that standard.",
     "a test framework and the command that runs it are found\n"
     "the number of tests is at least 1\n"
     "the C standard is read from the build (or reported as unknown)",
     DDBMIG_IN_BUILD | DDBMIG_IN_TESTS | DDBMIG_IN_SOURCES, false},
    {"env", "Prepare the databases",
     "Reuses a DynamoDB Local that answers at the configured endpoint or starts a private one, "
     "checks that the relational database the application uses is reachable, and runs one test "
     "as a sample.",
     "DynamoDB Local answers\n"
     "the relational database named by --db answers\n"
     "one test passes as a sample",
     DDBMIG_IN_BUILD | DDBMIG_IN_TESTS, false},
    {"baseline", "Record the tests as they are",
     "Runs every test on the unchanged application and records each result. Tests that already "
     "fail are recorded as known failures, so that later steps are judged against this record "
     "and not against a perfect run.",
     "every test ran and has a recorded result\n"
     "known failures are listed by name",
     DDBMIG_IN_BUILD | DDBMIG_IN_TESTS | DDBMIG_IN_SOURCES, false},
    {"analyze", "List the SQL and map it to the model",
     "Builds the inventory of SQL statements the application issues, found in its sources and in "
     "the baseline run's statement trace, and maps each one to the access patterns of the model "
     "that serve it.",
     "every statement has its file, line, kind, tables and columns\n"
     "SQL built at run time is flagged, not skipped\n"
     "every statement is covered by an access pattern, or listed as uncovered with a proposal",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS, false},
    {"draft-model", "Draft a model (when there is none yet)",
     "Drafts a model from the relational schema and the inventory, as a starting point to "
     "refine. A codebase that brings its own model to init may leave this step pending.",
     "the draft validates and generates\n"
     "analyze reports it fully covered",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES, true},
    {"generate", "Generate the data access layer",
     "Generates the C layer of the model into the codebase and adds it to the codebase's build.",
     "the model validates\n"
     "the generated code compiles under the codebase's C standard\n"
     "the codebase builds with it",
     DDBMIG_IN_MODEL | DDBMIG_IN_BUILD | DDBMIG_IN_SOURCES, false},
    {"phase-1", "Phase 1: the relational side through the router",
     "The application runs through the generated router with both reads and writes on the "
     "relational database. Nothing moves yet; this proves the indirection.",
     "the unchanged tests pass in this configuration\n"
     "no failure beyond the baseline's known ones",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS, false},
    {"phase-2", "Phase 2: dual writes",
     "Writes go to the relational database and then to DynamoDB; reads stay relational. The "
     "rows written before this phase are copied by the backfill.",
     "the unchanged tests pass in this configuration\n"
     "no secondary write failed\n"
     "no failure beyond the baseline's known ones",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS, false},
    {"phase-3", "Phase 3: dual reads, compared",
     "Every read runs on both sides and the results are compared field by field. Running the "
     "tests in this phase is the gate of the migration.",
     "the unchanged tests pass in this configuration\n"
     "no read found a difference between the two sides\n"
     "no failure beyond the baseline's known ones",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS, false},
    {"phase-4", "Phase 4: reads from DynamoDB",
     "Writes still reach both sides, reads come from DynamoDB.",
     "the unchanged tests pass in this configuration\n"
     "a full comparison of the two sides reports 0 differences",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS, false},
    {"phase-5", "Phase 5: DynamoDB alone",
     "DynamoDB serves reads and writes (mirrored back to the relational side when a way back is "
     "kept).",
     "the unchanged tests pass in this configuration\n"
     "new IDs continue above the relational ones",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS, false},
    {"prodcheck", "Check the production configuration",
     "Runs the tests with dummy credentials, no endpoint settings and no network, to show that a "
     "production build never falls back to a local server.",
     "every test fails with a credential or network error, within a bounded time\n"
     "no connection reaches a local listener",
     DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS | DDBMIG_IN_BUILD, false},
    {"report", "Write the validation report",
     "Writes the report of the migration: the action list, the baseline against now per "
     "configuration, the coverage, the load figures and the differences found between backends.",
     "the report is written in Markdown and as one self-contained HTML page",
     DDBMIG_IN_MODEL | DDBMIG_IN_SOURCES | DDBMIG_IN_TESTS | DDBMIG_IN_BUILD, false},
};

const ddbmig_step_def *ddbmig_steps(size_t *n)
{
    *n = sizeof(steps) / sizeof(steps[0]);
    return steps;
}

json_t *ddbmig__find_step(const json_t *doc, const char *name)
{
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(doc, "steps"), i, step) {
        const char *n = json_string_value(json_object_get(step, "name"));
        if (n && strcmp(n, name) == 0)
            return step;
    }
    return NULL;
}
