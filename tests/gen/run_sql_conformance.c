/*
 * The generated conformance suite of one model, run against its generated relational
 * implementation (<ns>_sql.c) on one engine. Built per model with GEN_HEADER, GEN_SQL_HEADER,
 * GEN_CONFORMANCE_HEADER, GEN_NS and GEN_NS_UPPER defined (tests/gen/sqlgen.cmake).
 *
 *   run_sql_conformance ENGINE CASE    one case on sqlite (in memory), mariadb or postgres
 *   run_sql_conformance --list         the case names, one a line
 *
 * MariaDB and PostgreSQL are the CTest fixtures' servers ($DDB_TEST_MARIADB_STATE/url,
 * $DDB_TEST_POSTGRES_STATE/url); the model's tables are created under a per-process prefix and
 * dropped at the end. Without the server's URL the program says so and exits 77 (CTest's skip,
 * a failure under CI=true).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddb/sql/sqldb.h"
#include GEN_HEADER
#include GEN_SQL_HEADER
#include GEN_CONFORMANCE_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define NS(x) CAT(GEN_NS, x)
#define UNS(x) CAT(GEN_NS_UPPER, x)

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

/* The fixture's URL for engine, or NULL. */
static char *server_url(const char *engine)
{
    const char *state = getenv(strcmp(engine, "postgres") == 0 ? "DDB_TEST_POSTGRES_STATE"
                                                               : "DDB_TEST_MARIADB_STATE");
    char path[512], line[512] = {0};
    FILE *f;
    if (!state)
        return NULL;
    snprintf(path, sizeof path, "%s/url", state);
    f = fopen(path, "r");
    if (!f)
        return NULL;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line);
}

/* Drops every table the schema creates (their names read from its CREATE TABLE lines). */
static void drop_tables(ddb_sql *db, const char *prefix)
{
    ddb_sql_dialect d = ddb_sql_dialect_of(db);
    const char *const *lines = d == DDB_SQL_MARIADB    ? NS(__sql_schema_mariadb)
                               : d == DDB_SQL_POSTGRES ? NS(__sql_schema_postgres)
                                                       : NS(__sql_schema_sqlite);
    char q = d == DDB_SQL_MARIADB ? '`' : '"';
    ddb_sql_conn *c = NULL;
    if (ddb_sql_acquire(db, &c, NULL) != 0)
        return;
    for (size_t i = 0; lines[i]; i++) {
        const char *p = strncmp(lines[i], "CREATE TABLE ", 13) == 0 ? lines[i] : NULL;
        if (!p)
            continue;
        const char *name = p + 13 + 1 + strlen("{prefix}");
        const char *end = strchr(name, q);
        char sql[512];
        if (!end)
            break;
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %c%s%.*s%c", q, prefix, (int)(end - name),
                 name, q);
        ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, NULL);
    }
    ddb_sql_release(c);
}

int main(int argc, char **argv)
{
    ddb_error err = DDB_ERROR_INIT;
    NS(__conformance_options) o = UNS(__CONFORMANCE_OPTIONS_INIT);
    NS(__conformance_report) report;
    NS(__sql_options) so = UNS(__SQL_OPTIONS_INIT);
    NS(__repo) *repo = NULL;
    ddb_sql *db = NULL;
    char prefix[64], run[32], *url = NULL;
    int rc, status = 1;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < UNS(__CONFORMANCE_N_CASES); i++)
            printf("%s\n", NS(__conformance_cases)[i].name);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: %s sqlite|mariadb|postgres CASE | --list\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "sqlite") == 0) {
        url = strdup("sqlite::memory:");
    } else if (strcmp(argv[1], "mariadb") == 0 || strcmp(argv[1], "postgres") == 0) {
        url = server_url(argv[1]);
        if (!url) {
            /* CI=true never skips, even in a build configured outside CI */
            const char *ci = getenv("CI");
            bool in_ci = ci && strcmp(ci, "true") == 0;
            fprintf(stderr,
                    "*** %s: no %s server (its fixture did not start; see "
                    "tests/CMakeLists.txt)%s ***\n",
                    in_ci ? "FAIL" : "SKIPPED", argv[1],
                    in_ci ? "; CI=true: failing instead of skipping" : "");
            return in_ci ? 1 : 77;
        }
    } else {
        fprintf(stderr, "unknown engine '%s'\n", argv[1]);
        return 2;
    }
    snprintf(prefix, sizeof prefix, "sg%ld_", (long)getpid());
    rc = ddb_sql_open(&db, url, &err);
    if (rc == 0)
        rc = NS(__sql_create_tables)(db, prefix, &err);
    if (rc == 0) {
        so.table_prefix = prefix;
        rc = NS(__sql_repo_new)(&repo, db, &so, &err);
    }
    if (rc) {
        fprintf(stderr, "setup on %s: %s: %s\n", argv[1], ddb_error_code_name(rc), err.message);
        goto done;
    }
    snprintf(run, sizeof run, "s%ld", (long)getpid());
    o.run_id = run;
    o.log = log_line;
    memset(&report, 0, sizeof report);
    rc = NS(__conformance_run_case)(repo, argv[2], &o, &report);
    if (rc == DDB_ERR_INVALID_ARG)
        fprintf(stderr, "no case named '%s' (see --list)\n", argv[2]);
    printf("%zu run, %zu passed, %zu failed\n", report.n_run, report.n_passed, report.n_failed);
    status = rc == 0 && report.n_failed == 0 && report.n_run > 0 ? 0 : 1;
done:
    NS(__repo_free)(repo);
    if (db)
        drop_tables(db, prefix);
    ddb_sql_close(db);
    ddb_error_clear(&err);
    free(url);
    return status;
}
