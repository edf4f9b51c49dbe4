/*
 * Which storage the shop runs on, chosen from the environment (never from the code that uses it,
 * so the application and its tests are the same for every backend):
 *
 *   SHOP_BACKEND            sqlite (default) | mysql | dynamodb | migrate
 *   SHOP_SQLITE_PATH        SQLite file (default shop.db; ":memory:" for a private database)
 *   SHOP_MYSQL_URL          a full ddb_sql URL ("mariadb://user@/shop?socket=/path"), or:
 *   SHOP_MYSQL_SOCKET, SHOP_MYSQL_DB (default shop), SHOP_MYSQL_USER (default $USER)
 *   AWS_ENDPOINT_URL_DYNAMODB  DynamoDB Local's endpoint (unset: real DynamoDB, default chain)
 *   SHOP_TABLE_PREFIX       prepended to the DynamoDB table names (test isolation)
 *   SHOP_MIGRATION_PHASE    1..5 for migrate (default 1)
 *   SHOP_MIGRATION_PRIMARY  sqlite | mysql: the relational side of migrate (default: mysql when
 *                           SHOP_MYSQL_URL or SHOP_MYSQL_SOCKET is set, else sqlite)
 *   SHOP_JOURNAL_PATH       the router's repair journal (default shop-journal.jsonl)
 *   SHOP_COMPARE_PERCENT    migrate phase 3: the share of reads compared with DynamoDB (default 100)
 *   SHOP_KEEP_RELATIONAL    migrate: 1 makes phase 5 mirror every write back to the relational
 *                           side, so that switching back to 4 or 3 loses nothing (default 0)
 *   SHOP_EMF_PATH           dynamodb, migrate: append the DynamoDB client's metrics to this file
 *                           as CloudWatch EMF lines (namespace "shop"; ddb/wire/ops.h), every
 *                           minute and on close
 *   SHOP_SHARED_PHASE_MS    migrate: the phase lives in the relational database's control row
 *                           (ddbkit_control, row "shop"), re-read every this many ms; unset: the
 *                           phase is this process's own
 *
 * Thread safety: open and close from one thread; the repository is thread-safe.
 */
#ifndef SHOP_BACKEND_H
#define SHOP_BACKEND_H

#include <stddef.h>

#include "ddb/dal/route.h"
#include "ddb/dal/router.h"
#include "shop.h"

typedef struct shop_backend shop_backend;

/*
 * What a caller observes of the migration router (a test harness: the shop itself passes none).
 * Both are handed to shop__router_new as they are; unused by the other backends.
 */
typedef struct shop_backend_hooks {
    ddb_event_fn on_event; /* the router's counter events (ddb/dal/router.h); NULL: none */
    void *event_ctx;
    ddb_router_log_fn log; /* the router's log lines; NULL: stderr */
    void *log_ctx;
} shop_backend_hooks;

/* Opens the configured backend, creating the SQL schema / DynamoDB tables when missing.
   *out is the caller's (shop_backend_close). */
int shop_backend_open(shop_backend **out, ddb_error *err);
/* The same with hooks (NULL: none); hooks and their contexts must outlive the backend. */
int shop_backend_open_with(shop_backend **out, const shop_backend_hooks *hooks, ddb_error *err);
void shop_backend_close(shop_backend *b); /* NULL-safe */

/* The repository to use (borrowed, valid until close). */
shop__repo *shop_backend_repo(shop_backend *b);
/* "sqlite", "mysql", "dynamodb", "migrate phase 3". */
const char *shop_backend_describe(shop_backend *b);

/* migrate only (DDB_ERR_INVALID_ARG otherwise): switch phase at run time; replay the journal. */
int shop_backend_set_phase(shop_backend *b, int phase, ddb_error *err);
int shop_backend_replay(shop_backend *b, size_t *replayed, ddb_error *err);
/* migrate only: copy every relational entity into DynamoDB; compare both sides. */
int shop_backend_backfill(shop_backend *b, ddb_error *err);
int shop_backend_compare(shop_backend *b, size_t *differences, ddb_error *err);
/* The same with the bulk paths' options (NULL: defaults) and figures (stats may be NULL). */
int shop_backend_backfill_with(shop_backend *b, const ddb_route_bulk_options *opts,
                               ddb_route_bulk_stats *stats, ddb_error *err);
int shop_backend_compare_with(shop_backend *b, const ddb_route_bulk_options *opts,
                              size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err);
/* migrate only: a copy of the router's counters. */
int shop_backend_stats(shop_backend *b, ddb_router_stats *out, ddb_error *err);
/* The DynamoDB repository under the router (borrowed; NULL for sqlite and mysql): lets a test
   change DynamoDB behind the router's back. */
shop__repo *shop_backend_dynamodb(shop_backend *b);

#endif
