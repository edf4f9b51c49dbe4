/*
 * The paginator against DynamoDB Local: more than 1 MB in one partition, a parallel Scan over
 * four threads, page sizes, item limits resumed through cursors, filters that empty pages,
 * COUNT, consumed capacity, and errors.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/api/paginate.h"
#include "support/fault_proxy.h"
#include "support/items.h"
#include "test.h"

/* A table pk (S) / sk (S) holding `n` items in partition "p": sk "i0000".., n = index. */
static char *new_partition(ddb_client *c, const char *prefix, int n, size_t pad_bytes)
{
    char *table = harness_table_name(prefix);
    if (harness_create_table(c, table, "pk", "S", "sk", "S") != 0) {
        free(table);
        return NULL;
    }
    char *pad = malloc(pad_bytes + 1);
    memset(pad, 'x', pad_bytes);
    pad[pad_bytes] = '\0';
    ddb_value **items = calloc((size_t)n, sizeof(*items));
    for (int i = 0; i < n; i++)
        items[i] = harness_itemf("{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"i%04d\"},"
                                 "\"n\":{\"N\":\"%d\"},\"pad\":{\"S\":\"%s\"}}",
                                 i, i, pad_bytes ? pad : "-");
    int rc = harness_batch_put(c, table, items, (size_t)n);
    for (int i = 0; i < n; i++)
        ddb_value_free(items[i]);
    free(items);
    free(pad);
    if (rc) {
        harness_delete_table(c, table);
        free(table);
        return NULL;
    }
    return table;
}

static void drop(ddb_client *c, char *table)
{
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
}

static int item_n(const ddb_value *item)
{
    int64_t n = -1;
    if (ddb_value_n_i64(ddb_value_m_get(item, "n"), &n, NULL) != 0)
        return -1;
    return (int)n;
}

/* Query input for partition "p" with its expressions; free with ddb_expr_result_free. */
static ddb_expr_result *partition_query(ddb_query_input *in, const char *table, ddb_expr *e)
{
    if (!e) {
        e = harness_expr();
        ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")));
        ddb_expr_result *r = harness_build(e);
        ddb_expr_free(e);
        e = NULL;
        *in = (ddb_query_input){.table_name = table,
                                .key_condition_expression = r->key_condition_expression,
                                .n_expression_attribute_names = r->n_expression_attribute_names,
                                .expression_attribute_names = r->expression_attribute_names,
                                .expression_attribute_values = r->expression_attribute_values};
        return r;
    }
    ddb_expr_result *r = harness_build(e);
    *in = (ddb_query_input){.table_name = table,
                            .key_condition_expression = r->key_condition_expression,
                            .filter_expression = r->filter_expression,
                            .n_expression_attribute_names = r->n_expression_attribute_names,
                            .expression_attribute_names = r->expression_attribute_names,
                            .expression_attribute_values = r->expression_attribute_values};
    return r;
}

/* ---- more than 1 MB ------------------------------------------------------------------------- */

#define BIG_ITEMS 160
#define BIG_PAD 10000 /* 160 x ~10 KB: about 1.6 MB in one partition */

TEST(query_over_one_megabyte_every_item_once_in_order)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgbig", BIG_ITEMS, BIG_PAD);
    REQUIRE(table);
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    in.return_consumed_capacity = "TOTAL";
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);

    int seen[BIG_ITEMS] = {0};
    int expected_next = 0, total = 0;
    size_t largest_page = 0;
    const ddb_page *page = NULL;
    int rc;
    while ((rc = ddb_paginator_next_page(&page, p, &err)) == 0 && page) {
        if (page->n_items > largest_page)
            largest_page = page->n_items;
        for (size_t i = 0; i < page->n_items; i++) {
            int n = item_n(page->items[i]);
            REQUIRE(n >= 0 && n < BIG_ITEMS);
            seen[n]++;
            CHECK_INT(n, expected_next); /* ascending sort key order, across pages */
            expected_next = n + 1;
            total++;
            size_t pad_len = 0;
            ddb_value_s(ddb_value_m_get(page->items[i], "pad"), &pad_len);
            CHECK_INT(pad_len, BIG_PAD);
        }
        /* Every page but the last says where the next one starts. */
        CHECK((page->last_evaluated_key != NULL) == !ddb_paginator_done(p));
    }
    CHECK_INT(harness_report("paginator", rc, &err), 0);
    CHECK_INT(total, BIG_ITEMS);
    for (int i = 0; i < BIG_ITEMS; i++)
        CHECK_INT(seen[i], 1);
    /* A page reads at most 1 MB, so ~1.6 MB needs two pages at least. */
    CHECK(ddb_paginator_page_count(p) >= 2);
    CHECK(largest_page < BIG_ITEMS);
    /* The service stops at the item that takes a page past 1 MB. */
    CHECK((largest_page - 1) * BIG_PAD <= 1024 * 1024);
    CHECK_INT(ddb_paginator_item_count(p), BIG_ITEMS);
    CHECK(ddb_paginator_consumed_capacity(p) > 0);
    fprintf(stderr, "%zu pages, largest %zu items, %.1f RCU\n", ddb_paginator_page_count(p),
            largest_page, ddb_paginator_consumed_capacity(p));

    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    drop(c, table);
    ddb_client_free(c);
}

/* ---- parallel Scan -------------------------------------------------------------------------- */

#define SCAN_ITEMS 240
#define SEGMENTS 4

typedef struct segment_job {
    ddb_client *client;
    const char *table;
    int segment;
    int rc;
    char message[512];
    int n;
    int *ns; /* the n of each item, SCAN_ITEMS capacity */
    size_t pages;
} segment_job;

static void *scan_segment(void *arg)
{
    segment_job *job = arg;
    ddb_scan_input in = {.table_name = job->table,
                         .has_segment = true,
                         .segment = job->segment,
                         .has_total_segments = true,
                         .total_segments = SEGMENTS,
                         .has_limit = true,
                         .limit = 25};
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    const ddb_value *item = NULL;
    job->rc = ddb_paginator_new_scan(&p, job->client, &in, NULL, &err);
    while (job->rc == 0 && (job->rc = ddb_paginator_next_item(&item, p, &err)) == 0 && item) {
        if (job->n < SCAN_ITEMS)
            job->ns[job->n] = item_n(item);
        job->n++;
    }
    job->pages = ddb_paginator_page_count(p);
    snprintf(job->message, sizeof(job->message), "%s", err.message);
    ddb_paginator_free(p);
    ddb_error_clear(&err);
    return NULL;
}

TEST(parallel_scan_four_segments_cover_every_item_once)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("pgscan");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    ddb_value *items[SCAN_ITEMS];
    for (int i = 0; i < SCAN_ITEMS; i++)
        items[i] = harness_itemf("{\"pk\":{\"S\":\"user-%d\"},\"n\":{\"N\":\"%d\"}}", i, i);
    int rc = harness_batch_put(c, table, items, SCAN_ITEMS);
    for (int i = 0; i < SCAN_ITEMS; i++)
        ddb_value_free(items[i]);
    REQUIRE(rc == 0);

    /* One client, shared by four threads, one paginator each. */
    segment_job jobs[SEGMENTS];
    pthread_t threads[SEGMENTS];
    for (int s = 0; s < SEGMENTS; s++) {
        jobs[s] = (segment_job){
            .client = c, .table = table, .segment = s, .ns = calloc(SCAN_ITEMS, sizeof(int))};
        REQUIRE(pthread_create(&threads[s], NULL, scan_segment, &jobs[s]) == 0);
    }
    for (int s = 0; s < SEGMENTS; s++)
        pthread_join(threads[s], NULL);

    int seen[SCAN_ITEMS] = {0};
    int total = 0, non_empty = 0;
    for (int s = 0; s < SEGMENTS; s++) {
        if (jobs[s].rc)
            fprintf(stderr, "segment %d: %s\n", s, jobs[s].message);
        CHECK_INT(jobs[s].rc, 0);
        fprintf(stderr, "segment %d: %d items in %zu pages\n", s, jobs[s].n, jobs[s].pages);
        for (int i = 0; i < jobs[s].n && i < SCAN_ITEMS; i++) {
            int n = jobs[s].ns[i];
            REQUIRE(n >= 0 && n < SCAN_ITEMS);
            seen[n]++;
        }
        total += jobs[s].n;
        non_empty += jobs[s].n > 0;
        free(jobs[s].ns);
    }
    CHECK_INT(total, SCAN_ITEMS);
    for (int i = 0; i < SCAN_ITEMS; i++)
        CHECK_INT(seen[i], 1);
    CHECK(non_empty >= 2); /* the segments really split the table */
    drop(c, table);
    ddb_client_free(c);
}

/* ---- page sizes and limits ------------------------------------------------------------------ */

TEST(page_size_from_input_limit)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgsize", 10, 0);
    REQUIRE(table);
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    in.has_limit = true;
    in.limit = 3;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    const size_t expect[] = {3, 3, 3, 1};
    const ddb_page *page = NULL;
    size_t i = 0;
    int next_n = 0;
    while (ddb_paginator_next_page(&page, p, &err) == 0 && page) {
        REQUIRE(i < 4);
        CHECK_INT(page->index, i);
        CHECK_INT(page->n_items, expect[i]);
        for (size_t k = 0; k < page->n_items; k++)
            CHECK_INT(item_n(page->items[k]), next_n++);
        CHECK((page->last_evaluated_key == NULL) == (i == 3));
        i++;
    }
    CHECK_INT(i, 4);
    CHECK_INT(next_n, 10);
    CHECK(ddb_paginator_done(p));
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    drop(c, table);
    ddb_client_free(c);
}

TEST(page_boundary_at_the_end_gives_a_final_empty_page)
{
    /* Limit divides the item count: the last full page still has a LastEvaluatedKey, and the
     * page after it is empty. next_item must pass over it and end cleanly. */
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgexact", 10, 0);
    REQUIRE(table);
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    in.has_limit = true;
    in.limit = 5;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    const ddb_value *item = NULL;
    int n = 0, rc;
    while ((rc = ddb_paginator_next_item(&item, p, &err)) == 0 && item)
        CHECK_INT(item_n(item), n++);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 10);
    CHECK_INT(ddb_paginator_page_count(p), 3);
    CHECK(ddb_paginator_last_evaluated_key(p) == NULL);
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    drop(c, table);
    ddb_client_free(c);
}

TEST(max_items_and_cursor_resume_without_gaps_or_repeats)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgcursor", 10, 0);
    REQUIRE(table);
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    ddb_paginator_options opts = DDB_PAGINATOR_OPTIONS_INIT;
    opts.max_items = 4;
    ddb_error err = DDB_ERROR_INIT;
    const char *context = "test.partition:p";

    /* Three "requests" of a web API: 4 items and a cursor, 4 more, then the last 2. */
    char *cursor = NULL;
    int next_n = 0;
    const int expect_batch[] = {4, 4, 2};
    for (int batch = 0; batch < 3; batch++) {
        ddb_value *start = NULL;
        if (cursor) {
            REQUIRE(ddb_cursor_decode(&start, cursor, context, NULL, &err) == 0);
            free(cursor);
            cursor = NULL;
        }
        in.exclusive_start_key = start;
        ddb_paginator *p = NULL;
        REQUIRE(ddb_paginator_new_query(&p, c, &in, &opts, &err) == 0);
        const ddb_value *item = NULL;
        int got = 0;
        while (ddb_paginator_next_item(&item, p, &err) == 0 && item) {
            CHECK_INT(item_n(item), next_n);
            next_n++;
            got++;
        }
        CHECK_INT(got, expect_batch[batch]);
        const ddb_value *lek = ddb_paginator_last_evaluated_key(p);
        if (batch < 2) {
            REQUIRE(lek != NULL);
            /* The resume point is exactly the last item handed out. */
            char sk[16];
            snprintf(sk, sizeof(sk), "i%04d", next_n - 1);
            CHECK(harness_attr_is_s(lek, "sk", sk));
            CHECK_INT(ddb_cursor_encode(&cursor, lek, context, NULL, &err), 0);
        } else {
            CHECK(lek == NULL); /* fewer than max_items were left: the query ended */
        }
        ddb_paginator_free(p);
        ddb_value_free(start);
    }
    CHECK_INT(next_n, 10);
    free(cursor);
    ddb_expr_result_free(r);
    drop(c, table);
    ddb_client_free(c);
}

TEST(filter_that_drops_every_item_still_ends)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgfilter", 10, 0);
    REQUIRE(table);
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")));
    ddb_expr_set_filter(e, ddb_cond_cmp_take(e, "n", DDB_CMP_GT, ddb_expr_val_i64(e, 1000)));
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, e);
    in.has_limit = true;
    in.limit = 2;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    const ddb_value *item = (const ddb_value *)p;
    CHECK_INT(ddb_paginator_next_item(&item, p, &err), 0);
    CHECK(item == NULL);
    CHECK(ddb_paginator_page_count(p) >= 5); /* 10 items read 2 at a time, all dropped */
    CHECK_INT(ddb_paginator_item_count(p), 0);
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    drop(c, table);
    ddb_client_free(c);
}

TEST(filter_with_max_items_counts_matches)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgfiltmax", 20, 0);
    REQUIRE(table);
    /* Only n % 3 == 0 would be neat; n >= 12 keeps it simple: 12..19 match. */
    ddb_expr *e = harness_expr();
    ddb_expr_set_key_condition(e, ddb_cond_eq_take(e, "pk", ddb_expr_val_s(e, "p")));
    ddb_expr_set_filter(e, ddb_cond_cmp_take(e, "n", DDB_CMP_GE, ddb_expr_val_i64(e, 12)));
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, e);
    ddb_paginator_options opts = DDB_PAGINATOR_OPTIONS_INIT;
    opts.max_items = 5;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, &opts, &err) == 0);
    const ddb_value *item = NULL;
    int next_n = 12, got = 0;
    while (ddb_paginator_next_item(&item, p, &err) == 0 && item) {
        CHECK_INT(item_n(item), next_n++);
        got++;
    }
    CHECK_INT(got, 5);
    CHECK_INT(ddb_paginator_item_count(p), 5);
    const ddb_value *lek = ddb_paginator_last_evaluated_key(p);
    CHECK(lek && harness_attr_is_s(lek, "sk", "i0016"));
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    ddb_expr_free(e);
    drop(c, table);
    ddb_client_free(c);
}

TEST(select_count_across_pages)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgcount", 10, 0);
    REQUIRE(table);
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    in.select = "COUNT";
    in.has_limit = true;
    in.limit = 4;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    const ddb_page *page = NULL;
    int64_t sum = 0;
    while (ddb_paginator_next_page(&page, p, &err) == 0 && page) {
        CHECK_INT(page->n_items, 0);
        sum += page->count;
    }
    CHECK_INT(sum, 10);
    CHECK_INT(ddb_paginator_item_count(p), 10);
    CHECK(ddb_paginator_page_count(p) >= 3);
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    drop(c, table);
    ddb_client_free(c);
}

TEST(scan_paginator_sums_consumed_capacity)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgcap", 12, 0);
    REQUIRE(table);
    ddb_scan_input in = {
        .table_name = table, .has_limit = true, .limit = 5, .return_consumed_capacity = "TOTAL"};
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_scan(&p, c, &in, NULL, &err) == 0);
    const ddb_page *page = NULL;
    double sum = 0;
    int items = 0;
    while (ddb_paginator_next_page(&page, p, &err) == 0 && page) {
        REQUIRE(page->consumed_capacity);
        CHECK_STR(page->consumed_capacity->table_name, table);
        CHECK(page->consumed_capacity->capacity_units > 0);
        sum += page->consumed_capacity->capacity_units;
        items += (int)page->n_items;
    }
    CHECK_INT(items, 12);
    CHECK(sum > 0);
    CHECK(ddb_paginator_consumed_capacity(p) == sum);
    ddb_paginator_free(p);
    drop(c, table);
    ddb_client_free(c);
}

TEST(missing_table_error_leaves_paginator_usable)
{
    ddb_client *c = harness_client(NULL);
    char *table = harness_table_name("pgnotable");
    ddb_scan_input in = {.table_name = table};
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_scan(&p, c, &in, NULL, &err) == 0);
    const ddb_page *page = (const ddb_page *)p;
    CHECK_INT(ddb_paginator_next_page(&page, p, &err), DDB_ERR_RESOURCE_NOT_FOUND);
    CHECK(page == (const ddb_page *)p);
    CHECK_STR(err.aws_type, "ResourceNotFoundException");
    CHECK(err.request_id[0] != '\0');
    CHECK_INT(ddb_paginator_page_count(p), 0);
    CHECK(!ddb_paginator_done(p));

    /* Once the table exists, the same paginator goes on. */
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    REQUIRE(harness_putf(c, table, "{\"pk\":{\"S\":\"only\"}}") == 0);
    const ddb_value *item = NULL;
    CHECK_INT(harness_report("next_item", ddb_paginator_next_item(&item, p, &err), &err), 0);
    CHECK(item && harness_attr_is_s(item, "pk", "only"));
    ddb_paginator_free(p);
    ddb_error_clear(&err);
    drop(c, table);
    ddb_client_free(c);
}

/* A server that sends the same page again (here: DynamoDB Local's real first page, replayed by the
 * fault proxy) would loop a naive paginator forever; ours stops with an error naming the key. */
TEST(repeated_last_evaluated_key_is_an_error)
{
    ddb_client *direct = harness_client(NULL);
    char *table = new_partition(direct, "pgrepeat", 10, 0);
    REQUIRE(table);
    fault_proxy *proxy = fault_proxy_start(harness_endpoint());
    REQUIRE(proxy != NULL);
    const fault_step steps[] = {{.action = FAULT_FORWARD}, {.action = FAULT_REPLAY}};
    fault_proxy_script(proxy, steps, 2, (fault_step){.action = FAULT_FORWARD});
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = fault_proxy_endpoint(proxy); /* through the proxy, not straight to Local */
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDLOCALTEST";
    opts.secret_access_key = "local-test-secret";
    opts.max_attempts = 1;
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_client_new(&c, &opts, &err) == 0);

    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    in.has_limit = true;
    in.limit = 3;
    ddb_paginator *p = NULL;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    const ddb_page *page = NULL;
    CHECK_INT(ddb_paginator_next_page(&page, p, &err), 0);
    REQUIRE(page != NULL);
    CHECK_INT(page->n_items, 3);
    CHECK_INT(ddb_paginator_next_page(&page, p, &err), DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, table);
    CHECK_CONTAINS(err.message, "i0002");
    CHECK_INT(fault_proxy_forwarded(proxy), 2);

    ddb_error_clear(&err);
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    ddb_client_free(c);
    fault_proxy_stop(proxy);
    drop(direct, table);
    ddb_client_free(direct);
}

TEST(max_pages_stops_early)
{
    ddb_client *c = harness_client(NULL);
    char *table = new_partition(c, "pgmaxpages", 10, 0);
    REQUIRE(table);
    ddb_query_input in;
    ddb_expr_result *r = partition_query(&in, table, NULL);
    in.has_limit = true;
    in.limit = 3;
    ddb_paginator_options opts = DDB_PAGINATOR_OPTIONS_INIT;
    opts.max_pages = 2;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, &opts, &err) == 0);
    const ddb_page *page = NULL;
    size_t pages = 0;
    while (ddb_paginator_next_page(&page, p, &err) == 0 && page)
        pages++;
    CHECK_INT(pages, 2);
    CHECK_INT(ddb_paginator_item_count(p), 6);
    CHECK(ddb_paginator_last_evaluated_key(p) != NULL); /* more was there: resumable */
    ddb_paginator_free(p);
    ddb_expr_result_free(r);
    drop(c, table);
    ddb_client_free(c);
}

TEST_MAIN(CASE(repeated_last_evaluated_key_is_an_error), CASE(max_pages_stops_early),
          CASE(query_over_one_megabyte_every_item_once_in_order),
          CASE(parallel_scan_four_segments_cover_every_item_once), CASE(page_size_from_input_limit),
          CASE(page_boundary_at_the_end_gives_a_final_empty_page),
          CASE(max_items_and_cursor_resume_without_gaps_or_repeats),
          CASE(filter_that_drops_every_item_still_ends), CASE(filter_with_max_items_counts_matches),
          CASE(select_count_across_pages), CASE(scan_paginator_sums_consumed_capacity),
          CASE(missing_table_error_leaves_paginator_usable))
