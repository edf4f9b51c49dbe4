/* The README's example, built as a user would build it, runs against DynamoDB Local. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support/harness.h"
#include "test.h"

TEST(example_runs)
{
    ddb_client *c = harness_client(NULL);
    /* The example writes to a table named "readme"; create it fresh. */
    ddb_delete_table_input del = {.table_name = "readme"};
    ddb_delete_table_output *del_out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_delete_table(&del_out, c, &del, &err) == 0)
        ddb_table_wait_deleted(c, "readme", 60000, &err);
    ddb_delete_table_output_free(del_out);
    REQUIRE(harness_create_table(c, "readme", "pk", "S", NULL, NULL) == 0);

    /* The example reads its configuration from the environment, as the AWS SDKs do. */
    setenv("AWS_ENDPOINT_URL_DYNAMODB", harness_endpoint(), 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDREADME", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "readme-secret", 1);
    int status = system(README_EXAMPLE_PATH);
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    ddb_value *key = NULL;
    REQUIRE(ddb_value_new_m(&key, &err) == 0);
    ddb_value_m_set_s(key, "pk", "user#42", &err);
    ddb_get_item_input get = {
        .table_name = "readme", .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *got = NULL;
    REQUIRE(ddb_get_item(&got, c, &get, &err) == 0);
    REQUIRE(got->item != NULL);
    int64_t visits = 0;
    CHECK_INT(ddb_value_n_i64(ddb_value_m_get(got->item, "visits"), &visits, &err), 0);
    CHECK_INT(visits, 7);
    ddb_get_item_output_free(got);
    ddb_value_free(key);
    CHECK(harness_delete_table(c, "readme") == 0);
    ddb_error_clear(&err);
    ddb_client_free(c);
}

TEST_MAIN(CASE(example_runs))
