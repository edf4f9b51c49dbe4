/*
 * The generated conformance suite (shop_conformance.h) against the backend the environment
 * selects, as the business tests are (backend.h). `conformance_shop [case]` runs one case or all;
 * the exit status is 0 when every case passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "shop_conformance.h"

static void from_state(const char *var, const char *dir_var, const char *file)
{
    const char *dir = getenv(dir_var);
    if (getenv(var) || !dir)
        return;
    char path[1024], line[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        setenv(var, line, 1);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    /* Where the CTest fixtures put DynamoDB Local and MariaDB; a private SQLite file and tables. */
    from_state("AWS_ENDPOINT_URL_DYNAMODB", "DDB_TEST_LOCAL_STATE", "endpoint");
    from_state("SHOP_MYSQL_URL", "DDB_TEST_MARIADB_STATE", "url");
    char buf[256], run_id[48];
    snprintf(buf, sizeof(buf), "shopconf_%ld_", (long)getpid());
    setenv("SHOP_TABLE_PREFIX", buf, 1);
    snprintf(buf, sizeof(buf), "%s/shop-conformance-%ld.db",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    setenv("SHOP_SQLITE_PATH", buf, 1);
    snprintf(run_id, sizeof(run_id), "c%ld-%ld", (long)getpid(), (long)time(NULL) % 100000);

    shop_backend *b = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (shop_backend_open(&b, &err) != 0) {
        fprintf(stderr, "cannot open the backend: %s\n", err.message);
        ddb_error_clear(&err);
        unlink(buf);
        return 1;
    }
    fprintf(stderr, "backend: %s\n", shop_backend_describe(b));
    shop__conformance_options o = SHOP__CONFORMANCE_OPTIONS_INIT;
    o.run_id = run_id;
    shop__conformance_report report;
    memset(&report, 0, sizeof(report));
    int rc = argc > 1 ? shop__conformance_run_case(shop_backend_repo(b), argv[1], &o, &report)
                      : shop__conformance_run(shop_backend_repo(b), &o, &report);
    fprintf(stderr, "conformance: %zu run, %zu passed, %zu failed%s%s\n", report.n_run,
            report.n_passed, report.n_failed, report.first_failure[0] ? "; first: " : "",
            report.first_failure);
    shop_backend_close(b);
    unlink(buf);
    return rc == 0 && report.n_failed == 0 ? 0 : 1;
}
