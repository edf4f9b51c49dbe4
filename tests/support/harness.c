#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/harness.h"

static char endpoint[256];
static char raw_endpoint[256];

static const char *state_dir(void)
{
    const char *state = getenv("DDB_TEST_LOCAL_STATE");
    if (!state || !*state) {
        fprintf(stderr, "harness: DDB_TEST_LOCAL_STATE is not set; run this test through ctest, "
                        "which starts DynamoDB Local (fixture.dynamodb_local.start)\n");
        exit(1);
    }
    return state;
}

char *harness_state_path(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", state_dir(), name);
    char *copy = strdup(path);
    if (!copy) {
        fprintf(stderr, "harness: out of memory\n");
        exit(1);
    }
    return copy;
}

/* The first line of a state file into buf; false when the file is missing or empty. */
static bool read_state_line(const char *name, char *buf, size_t size)
{
    char *path = harness_state_path(name);
    FILE *f = fopen(path, "r");
    free(path);
    bool ok = f && fgets(buf, (int)size, f);
    if (f)
        fclose(f);
    if (ok)
        buf[strcspn(buf, "\r\n")] = '\0';
    return ok && buf[0];
}

const char *harness_endpoint(void)
{
    if (endpoint[0])
        return endpoint;
    if (!read_state_line("endpoint", endpoint, sizeof(endpoint))) {
        fprintf(stderr,
                "harness: no DynamoDB Local endpoint in %s/endpoint: the start fixture failed or "
                "was not run; this test cannot run without it\n",
                state_dir());
        exit(1);
    }
    return endpoint;
}

const char *harness_raw_endpoint(void)
{
    if (raw_endpoint[0])
        return raw_endpoint;
    if (!read_state_line("raw_endpoint", raw_endpoint, sizeof(raw_endpoint)))
        snprintf(raw_endpoint, sizeof(raw_endpoint), "%s", harness_endpoint());
    return raw_endpoint;
}

ddb_client *harness_client(const ddb_client_options *extra)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    if (extra)
        opts = *extra;
    opts.endpoint = harness_endpoint();
    if (!opts.region)
        opts.region = "us-east-1";
    if (!opts.access_key_id) {
        /* Temporary credentials, as production mostly has: the checking proxy
         * (sigv4_verify_proxy.py) knows this key only with this token, so every request proves
         * that the token is sent, and signed. */
        opts.access_key_id = "ASIAHARNESSTEST";
        opts.secret_access_key = "harness-secret";
        opts.session_token = "harness-session-token/ddbkit+LEAKCHECK7";
    }
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_client_new(&c, &opts, &err) != 0) {
        fprintf(stderr, "harness: ddb_client_new: %s\n", err.message);
        exit(1);
    }
    return c;
}

char *harness_table_name(const char *prefix)
{
    static int counter;
    char buf[200];
    snprintf(buf, sizeof(buf), "%s_%ld_%d", prefix, (long)getpid(), ++counter);
    return strdup(buf);
}

int harness_report(const char *what, int rc, const ddb_error *err)
{
    if (rc)
        fprintf(stderr, "%s failed: %s: %s\n", what, ddb_error_code_name(rc),
                err ? err->message : "");
    return rc;
}

int harness_create_table(ddb_client *c, const char *table, const char *pk, const char *pk_type,
                         const char *sk, const char *sk_type)
{
    ddb_attribute_definition defs[2] = {{pk, pk_type}, {sk, sk_type}};
    ddb_key_schema_element keys[2] = {{pk, "HASH"}, {sk, "RANGE"}};
    ddb_create_table_input in = {
        .table_name = table,
        .n_attribute_definitions = sk ? 2 : 1,
        .attribute_definitions = defs,
        .n_key_schema = sk ? 2 : 1,
        .key_schema = keys,
        .billing_mode = "PAY_PER_REQUEST",
    };
    ddb_create_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_create_table(&out, c, &in, &err);
    ddb_create_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_active(c, table, 60000, &err);
    harness_report("create table", rc, &err);
    ddb_error_clear(&err);
    return rc;
}

int harness_delete_table(ddb_client *c, const char *table)
{
    ddb_delete_table_input in = {.table_name = table};
    ddb_delete_table_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_delete_table(&out, c, &in, &err);
    ddb_delete_table_output_free(out);
    if (rc == 0)
        rc = ddb_table_wait_deleted(c, table, 60000, &err);
    harness_report("delete table", rc, &err);
    ddb_error_clear(&err);
    return rc;
}
