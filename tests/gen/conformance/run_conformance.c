/*
 * The generated conformance suite of one model, run against the generated DynamoDB
 * implementation on the test run's DynamoDB Local. Built once per valid fixture with
 * GEN_HEADER ("ecommerce.h"), GEN_CONFORMANCE_HEADER ("ecommerce_conformance.h"), GEN_NS
 * (ecommerce) and GEN_NS_UPPER (ECOMMERCE) defined.
 *
 *   run_conformance CASE     one case ("Order.crud", "Order.get_order", ...): exit 0 when it passed
 *   run_conformance --all    every case, twice over the same tables with two run ids, so that
 *                            runs against a store that already holds data are covered too
 *   run_conformance --list   the case names, one a line (CTest makes one entry of each)
 *   run_conformance --gaps   the access patterns the suite does not exercise, and why: exit 1
 *                            when there is one (patterns without a member are listed apart)
 *
 * The model's tables are created under a per-process prefix and deleted at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/harness.h"
#include GEN_HEADER
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

static int list_cases(void)
{
    for (size_t i = 0; i < UNS(__CONFORMANCE_N_CASES); i++)
        printf("%s\n", NS(__conformance_cases)[i].name);
    return 0;
}

/* The gaps, and the patterns without a member apart; fails (exit 1) while there is a gap. */
static int list_gaps(void)
{
    const NS(__conformance_gap) *g = NS(__conformance_gaps);
    size_t n = 0;
    for (; g[n].pattern; n++)
        printf("gap: %s%s%s: %s\n", g[n].entity, g[n].entity[0] ? "." : "", g[n].pattern,
               g[n].reason);
    g = NS(__conformance_not_generated);
    for (size_t i = 0; g[i].pattern; i++)
        printf("not generated: %s%s%s: %s\n", g[i].entity, g[i].entity[0] ? "." : "", g[i].pattern,
               g[i].reason);
    if (n)
        fprintf(stderr, "%zu access pattern%s not exercised by the suite\n", n,
                n == 1 ? " is" : "s are");
    return n ? 1 : 0;
}

int main(int argc, char **argv)
{
    ddb_error err = DDB_ERROR_INIT;
    NS(__conformance_options) o = UNS(__CONFORMANCE_OPTIONS_INIT);
    NS(__conformance_report) report;
    NS(__ddb_options) dopts = UNS(__DDB_OPTIONS_INIT);
    NS(__repo) *repo = NULL;
    ddb_client *client;
    char prefix[64], run[2][32];
    bool all;
    int rc, status = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE | --all | --list | --gaps\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "--list") == 0)
        return list_cases();
    if (strcmp(argv[1], "--gaps") == 0)
        return list_gaps();
    all = strcmp(argv[1], "--all") == 0;

    client = harness_client(NULL);
    snprintf(prefix, sizeof prefix, "conf%ld_", (long)getpid());
    rc = NS(__create_tables)(client, prefix, &err);
    if (rc) {
        harness_report("create tables", rc, &err);
        goto done;
    }
    dopts.table_prefix = prefix;
    dopts.consistent_reads = true;
    rc = NS(__ddb_repo_new)(&repo, client, &dopts, &err);
    if (rc) {
        harness_report("repository", rc, &err);
        goto done;
    }
    snprintf(run[0], sizeof run[0], "a%ld", (long)getpid());
    snprintf(run[1], sizeof run[1], "b%ld", (long)getpid());
    o.log = log_line;
    memset(&report, 0, sizeof report);
    if (all) {
        for (int r = 0; r < 2; r++) {
            o.run_id = run[r];
            rc = NS(__conformance_run)(repo, &o, &report);
            if (rc < 0)
                break;
        }
    } else {
        o.run_id = run[0];
        rc = NS(__conformance_run_case)(repo, argv[1], &o, &report);
        if (rc == DDB_ERR_INVALID_ARG)
            fprintf(stderr, "no case named '%s' (see --list)\n", argv[1]);
    }
    printf("%zu run, %zu passed, %zu failed\n", report.n_run, report.n_passed, report.n_failed);
    status = rc == 0 && report.n_failed == 0 && report.n_run > 0 ? 0 : 1;
done:
    NS(__repo_free)(repo);
    for (size_t i = 0; i < UNS(__N_ENTITIES); i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, NS(__entities)[i]->table);
        harness_delete_table(client, name); /* shared tables: later calls fail, harmlessly */
    }
    ddb_error_clear(&err);
    ddb_client_free(client);
    return status;
}
