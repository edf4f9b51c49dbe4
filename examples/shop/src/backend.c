/*
 * Backend selection (see backend.h).
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/sql/control.h"
#include "ddb/sql/sqldb.h"
#include "ddb/wire/ops.h"
#include "shop_router.h"
#include "shop_sql_repo.h"

struct shop_backend {
    ddb_sql *db;
    ddb_sql_control *control; /* SHOP_SHARED_PHASE_MS: the shared phase's row */
    ddb_client *client;
    FILE *emf_file; /* SHOP_EMF_PATH: the client's metrics as CloudWatch EMF lines */
    ddb_metrics *metrics;
    ddb_emf *emf;
    shop__repo *relational;
    shop__repo *dynamodb;
    shop__repo *router;
    shop__repo *repo; /* one of the three */
    char describe[64];
    char *prefix;
};

static const char *env(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int open_sql(shop_backend *b, bool mysql, ddb_error *err)
{
    char url[1024];
    if (mysql) {
        const char *full = env("SHOP_MYSQL_URL", NULL), *socket = env("SHOP_MYSQL_SOCKET", NULL);
        if (full)
            snprintf(url, sizeof(url), "%s", full);
        else if (socket)
            snprintf(url, sizeof(url), "mariadb://%s@/%s?socket=%s",
                     env("SHOP_MYSQL_USER", env("USER", "root")), env("SHOP_MYSQL_DB", "shop"),
                     socket);
        else
            return ddb_error_set(
                err, DDB_ERR_CONFIG,
                "SHOP_BACKEND needs MariaDB: set SHOP_MYSQL_URL or SHOP_MYSQL_SOCKET");
    } else {
        snprintf(url, sizeof(url), "sqlite:%s", env("SHOP_SQLITE_PATH", "shop.db"));
    }
    int rc = ddb_sql_open(&b->db, url, err);
    if (!rc)
        rc = shop_sql_apply_schema(b->db, err);
    if (!rc)
        rc = shop_sql_repo_new(&b->relational, b->db, false, err);
    return rc;
}

static int open_dynamodb(shop_backend *b, ddb_error *err)
{
    ddb_client_options o = DDB_CLIENT_OPTIONS_INIT;
    const char *emf_path = env("SHOP_EMF_PATH", NULL);
    int rc;
    if (emf_path) {
        ddb_emf_options eo = DDB_EMF_OPTIONS_INIT;
        if (!(b->emf_file = fopen(emf_path, "a")))
            return ddb_error_set(err, DDB_ERR_CONFIG, "SHOP_EMF_PATH '%s': %s", emf_path,
                                 strerror(errno));
        eo.namespace_name = "shop";
        eo.file = b->emf_file;
        eo.interval_ms = 60000;
        if ((rc = ddb_metrics_new(&b->metrics, err)) != 0 ||
            (rc = ddb_emf_new(&b->emf, b->metrics, &eo, err)) != 0)
            return rc;
        o.on_event = ddb_metrics_record;
        o.event_ctx = b->metrics;
    }
    rc = ddb_client_new(&b->client, &o, err);
    if (rc)
        return rc;
    const char *prefix = env("SHOP_TABLE_PREFIX", NULL);
    if (prefix && !(b->prefix = strdup(prefix)))
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory");
    /* Idempotent for a local or test setup: an existing table is fine. */
    rc = shop__create_tables(b->client, b->prefix, err);
    if (rc == DDB_ERR_RESOURCE_IN_USE)
        rc = 0;
    /* The counter table behind the "source" IDs when DynamoDB allocates them (phase 5). */
    if (!rc &&
        (rc = shop__create_counter_table(b->client, b->prefix, err)) == DDB_ERR_RESOURCE_IN_USE)
        rc = 0;
    if (rc)
        return rc;
    shop__ddb_options dopts = SHOP__DDB_OPTIONS_INIT;
    dopts.table_prefix = b->prefix;
    dopts.consistent_reads = true;
    return shop__ddb_repo_new(&b->dynamodb, b->client, &dopts, err);
}

/* SHOP_SHARED_PHASE_MS: the router's phase source is the control row "shop". */
static int shared_phase(shop_backend *b, shop__router_options *ro, ddb_error *err)
{
    const char *ms = env("SHOP_SHARED_PHASE_MS", NULL);
    char *end = NULL;
    long interval;
    int rc;
    if (!ms)
        return 0;
    interval = strtol(ms, &end, 10);
    if (*end || interval < 1 || interval > 3600000)
        return ddb_error_set(err, DDB_ERR_CONFIG,
                             "SHOP_SHARED_PHASE_MS '%s' is not 1..3600000 milliseconds", ms);
    if ((rc = ddb_sql_control_new(&b->control, b->db, "shop", err)) != 0)
        return rc;
    ro->phase_source.read = ddb_sql_control_read_phase;
    ro->phase_source.store = ddb_sql_control_store_phase;
    ro->phase_source.ctx = b->control;
    ro->phase_source.interval_ms = (int)interval;
    return 0;
}

int shop_backend_open(shop_backend **out, ddb_error *err)
{
    return shop_backend_open_with(out, NULL, err);
}

int shop_backend_open_with(shop_backend **out, const shop_backend_hooks *hooks, ddb_error *err)
{
    shop_backend *b = calloc(1, sizeof(*b));
    if (!b)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for the backend");
    const char *kind = env("SHOP_BACKEND", "sqlite");
    int rc;
    if (strcmp(kind, "sqlite") == 0 || strcmp(kind, "mysql") == 0) {
        rc = open_sql(b, kind[0] == 'm', err);
        b->repo = b->relational;
        snprintf(b->describe, sizeof(b->describe), "%s", kind);
    } else if (strcmp(kind, "dynamodb") == 0) {
        rc = open_dynamodb(b, err);
        b->repo = b->dynamodb;
        snprintf(b->describe, sizeof(b->describe), "dynamodb");
    } else if (strcmp(kind, "migrate") == 0) {
        const char *phase_s = env("SHOP_MIGRATION_PHASE", "1");
        char *end = NULL;
        long phase = strtol(phase_s, &end, 10);
        const char *primary =
            env("SHOP_MIGRATION_PRIMARY",
                env("SHOP_MYSQL_URL", NULL) || env("SHOP_MYSQL_SOCKET", NULL) ? "mysql" : "sqlite");
        if (*end || phase < 1 || phase > 5)
            rc = ddb_error_set(err, DDB_ERR_CONFIG, "SHOP_MIGRATION_PHASE '%s' is not 1..5",
                               phase_s);
        else if (strcmp(primary, "mysql") && strcmp(primary, "sqlite"))
            rc = ddb_error_set(err, DDB_ERR_CONFIG,
                               "SHOP_MIGRATION_PRIMARY '%s' is not sqlite or mysql", primary);
        else if ((rc = open_sql(b, primary[0] == 'm', err)) == 0 &&
                 (rc = open_dynamodb(b, err)) == 0) {
            shop__router_options ro = SHOP__ROUTER_OPTIONS_INIT;
            ro.phase = (int)phase;
            ro.journal_path = env("SHOP_JOURNAL_PATH", "shop-journal.jsonl");
            ro.compare_percent = (int)strtol(env("SHOP_COMPARE_PERCENT", "100"), NULL, 10);
            ro.keep_relational = strcmp(env("SHOP_KEEP_RELATIONAL", "0"), "1") == 0;
            rc = shared_phase(b, &ro, err);
            if (hooks) {
                ro.on_event = hooks->on_event;
                ro.event_ctx = hooks->event_ctx;
                ro.log = hooks->log;
                ro.log_ctx = hooks->log_ctx;
            }
            if (!rc)
                rc = shop__router_new(&b->router, b->relational, b->dynamodb, &ro, err);
            b->repo = b->router;
            snprintf(b->describe, sizeof(b->describe), "migrate phase %ld (%s + dynamodb)", phase,
                     primary);
        }
    } else {
        rc = ddb_error_set(err, DDB_ERR_CONFIG,
                           "SHOP_BACKEND '%s' is not sqlite, mysql, dynamodb or migrate", kind);
    }
    if (rc) {
        shop_backend_close(b);
        return rc;
    }
    *out = b;
    return 0;
}

void shop_backend_close(shop_backend *b)
{
    if (!b)
        return;
    shop__repo_free(b->router);
    shop__repo_free(b->dynamodb);
    shop__repo_free(b->relational);
    ddb_sql_control_free(b->control);
    ddb_sql_close(b->db);
    ddb_client_free(b->client);
    ddb_emf_free(b->emf); /* after the client's last call: the final flush */
    ddb_metrics_free(b->metrics);
    if (b->emf_file)
        fclose(b->emf_file);
    free(b->prefix);
    free(b);
}

shop__repo *shop_backend_repo(shop_backend *b)
{
    return b ? b->repo : NULL;
}
const char *shop_backend_describe(shop_backend *b)
{
    return b ? b->describe : "";
}

static int need_router(shop_backend *b, ddb_error *err)
{
    if (!b || !b->router)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "this command needs SHOP_BACKEND=migrate (the backend is %s)",
                             b ? b->describe : "not open");
    return 0;
}

int shop_backend_set_phase(shop_backend *b, int phase, ddb_error *err)
{
    int rc = need_router(b, err);
    if (!rc && !(rc = shop__router_set_phase(b->router, phase, err))) {
        char *p = strstr(b->describe, "phase ");
        if (p)
            p[6] = (char)('0' + phase);
    }
    return rc;
}

int shop_backend_replay(shop_backend *b, size_t *replayed, ddb_error *err)
{
    int rc = need_router(b, err);
    if (!rc)
        rc = shop__router_replay(b->router, replayed, err);
    return rc;
}

int shop_backend_backfill(shop_backend *b, ddb_error *err)
{
    return shop_backend_backfill_with(b, NULL, NULL, err);
}

int shop_backend_compare(shop_backend *b, size_t *differences, ddb_error *err)
{
    return shop_backend_compare_with(b, NULL, differences, NULL, err);
}

int shop_backend_backfill_with(shop_backend *b, const ddb_route_bulk_options *opts,
                               ddb_route_bulk_stats *stats, ddb_error *err)
{
    int rc = need_router(b, err);
    if (!rc)
        rc = shop__router_backfill_with(b->router, opts, stats, err);
    return rc;
}

int shop_backend_compare_with(shop_backend *b, const ddb_route_bulk_options *opts,
                              size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err)
{
    int rc = need_router(b, err);
    if (!rc)
        rc = shop__router_compare_all_with(b->router, opts, differences, stats, err);
    return rc;
}

int shop_backend_stats(shop_backend *b, ddb_router_stats *out, ddb_error *err)
{
    int rc = need_router(b, err);
    if (!rc)
        rc = shop__router_stats(b->router, out);
    return rc;
}

shop__repo *shop_backend_dynamodb(shop_backend *b)
{
    return b ? b->dynamodb : NULL;
}
