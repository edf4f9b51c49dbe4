/*
 * Integration-test harness: a client for this test run's DynamoDB Local, and table helpers.
 *
 * The endpoint comes from the state folder that scripts/dynamodb-local wrote for this CTest run
 * (DDB_TEST_LOCAL_STATE). When it is missing the harness fails the test loudly; it never skips.
 */
#ifndef DDB_TEST_HARNESS_H
#define DDB_TEST_HARNESS_H

#include "ddb/ddb.h"

/*
 * The run's DynamoDB endpoint ("http://127.0.0.1:port"); exits the process if none. Under CTest
 * this is tests/support/sigv4_verify_proxy.py in front of DynamoDB Local: every request's
 * signature is checked against tests/support/sigv4_test_keys, so a test that signs with a new
 * key must add it there.
 */
const char *harness_endpoint(void);

/* DynamoDB Local itself, behind no proxy: for requests that are deliberately not signed (raw.c).
 * The state folder's raw_endpoint; harness_endpoint() when there is none. */
const char *harness_raw_endpoint(void);

/* "<state folder>/<name>" (a file scripts/dynamodb-local or the proxy wrote); exits if the state
 * folder is unknown. Caller frees. */
char *harness_state_path(const char *name);

/* A client for DynamoDB Local with dummy credentials; opts may add hooks. Exits on failure. */
ddb_client *harness_client(const ddb_client_options *extra);

/* A table name unique to this process and call: "<prefix>_<pid>_<n>". Caller frees. */
char *harness_table_name(const char *prefix);

/*
 * Create an on-demand table with a partition key and an optional sort key (sk may be NULL);
 * types are "S", "N" or "B". Waits until ACTIVE. Returns 0 or a ddb_error_code.
 */
int harness_create_table(ddb_client *c, const char *table, const char *pk, const char *pk_type,
                         const char *sk, const char *sk_type);
int harness_delete_table(ddb_client *c, const char *table);

/* Print err and return its code: for `if (rc) harness_report(rc, &err)`. */
int harness_report(const char *what, int rc, const ddb_error *err);

#endif
