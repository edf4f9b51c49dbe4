/*
 * The paginator's argument checks. Its behaviour over real pages, including the guard against a
 * server that repeats a page, is tested against DynamoDB Local in tests/integration/test_paginate.c.
 */
#include <stdbool.h>
#include <stddef.h>

#include "ddb/api/paginate.h"
#include "ddb/ddb.h"
#include "test.h"

static ddb_query_input query_input(void)
{
    return (ddb_query_input){.table_name = "tab", .key_condition_expression = "pk = :v"};
}

TEST(invalid_arguments)
{
    ddb_client *c = NULL;
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = "http://127.0.0.1:9";
    opts.region = "us-east-1";
    opts.access_key_id = "a";
    opts.secret_access_key = "b";
    REQUIRE(ddb_client_new(&c, &opts, NULL) == 0);
    ddb_query_input in = query_input();
    ddb_paginator *p = (ddb_paginator *)&in; /* must stay untouched on failure */
    ddb_paginator *const sentinel = p;
    ddb_error err = DDB_ERROR_INIT;

    CHECK_INT(ddb_paginator_new_query(NULL, c, &in, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_paginator_new_query(&p, NULL, &in, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_paginator_new_query(&p, c, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_paginator_new_scan(&p, c, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    in.has_limit = true;
    in.limit = 0;
    CHECK_INT(ddb_paginator_new_query(&p, c, &in, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "QueryInput.Limit 0");
    in.has_limit = false;
    ddb_paginator_options po = DDB_PAGINATOR_OPTIONS_INIT;
    po.version = 99;
    CHECK_INT(ddb_paginator_new_query(&p, c, &in, &po, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "version 99");
    po = (ddb_paginator_options)DDB_PAGINATOR_OPTIONS_INIT;
    po.max_items = -1;
    CHECK_INT(ddb_paginator_new_query(&p, c, &in, &po, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "max_items -1");
    CHECK(p == sentinel);

    p = NULL;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    const ddb_value *item = NULL;
    CHECK_INT(ddb_paginator_next_item(NULL, p, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_paginator_next_item(&item, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_paginator_next_page(NULL, p, &err), DDB_ERR_INVALID_ARG);
    CHECK(ddb_paginator_last_evaluated_key(NULL) == NULL);
    CHECK(ddb_paginator_done(NULL));
    CHECK_INT(ddb_paginator_page_count(NULL), 0);
    ddb_paginator_free(p);
    ddb_paginator_free(NULL);
    ddb_error_clear(&err);
    ddb_client_free(c);
}

TEST_MAIN(CASE(invalid_arguments))
