/*
 * One ddb_client shared by threads, against DynamoDB Local; run under ThreadSanitizer by
 * `make check-tsan` (TSAN_OPTIONS=halt_on_error=1).
 *
 * - 8 threads x 1000 mixed operations (PutItem, GetItem, UpdateItem, DeleteItem, Query), each
 *   thread on its own partition, checking every answer against its own model of that partition;
 *   at the end each partition must hold exactly what the model says.
 * - 200 GetItems in flight at once from one thread (curl multi).
 * - Several threads each running their own ddb_parallel while others make blocking calls, all on
 *   one client.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/api/parallel.h"
#include "support/items.h"
#include "test.h"

#define N_THREADS 8
#define OPS_PER_THREAD 1000
#define KEYS_PER_THREAD 40

static atomic_long events;
static atomic_long event_failures;

/* The event hook runs on whichever thread made the call. */
static void count_event(void *ctx, const ddb_event *ev)
{
    (void)ctx;
    atomic_fetch_add(&events, 1);
    if (ev->error_code != 0 && ev->error_code != DDB_ERR_CONDITION_FAILED)
        atomic_fetch_add(&event_failures, 1);
}

static ddb_client *shared_client(void)
{
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.on_event = count_event;
    return harness_client(&opts);
}

/* ---- 8 threads x 1000 mixed operations ------------------------------------------------------- */

typedef struct worker {
    ddb_client *c;
    const char *table;
    int id;
    uint64_t rng;
    bool present[KEYS_PER_THREAD];
    int64_t v[KEYS_PER_THREAD]; /* the model: attribute v of each present key */
    int ops[5];                 /* operations done, by kind */
    int mismatches;
    int failures;
    char first_problem[512];
} worker;

static uint64_t next_rand(worker *w)
{
    /* xorshift64*: deterministic per thread, no shared state. */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * 2685821657736338717ULL;
}

static void problem(worker *w, bool failure, const char *what, int rc, const ddb_error *err)
{
    if (failure)
        w->failures++;
    else
        w->mismatches++;
    if (!w->first_problem[0])
        snprintf(w->first_problem, sizeof(w->first_problem), "thread %d: %s: %s %.300s", w->id,
                 what, rc ? ddb_error_code_name(rc) : "", err && rc ? err->message : "");
}

static ddb_value *key_of(const worker *w, int k)
{
    return harness_itemf("{\"pk\":{\"S\":\"T%d\"},\"sk\":{\"S\":\"k%02d\"}}", w->id, k);
}

static void do_put(worker *w, int k, int64_t v)
{
    ddb_value *item = harness_itemf("{\"pk\":{\"S\":\"T%d\"},\"sk\":{\"S\":\"k%02d\"},"
                                    "\"v\":{\"N\":\"%" PRId64 "\"},\"w\":{\"S\":\"%0100d\"}}",
                                    w->id, k, v, w->id);
    ddb_put_item_input in = {.table_name = w->table, .item = item};
    ddb_put_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_put_item(&out, w->c, &in, &err);
    if (rc) {
        problem(w, true, "PutItem", rc, &err);
    } else {
        w->present[k] = true;
        w->v[k] = v;
    }
    ddb_put_item_output_free(out);
    ddb_value_free(item);
    ddb_error_clear(&err);
}

static void do_get(worker *w, int k)
{
    ddb_value *key = key_of(w, k);
    ddb_get_item_input in = {
        .table_name = w->table, .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_get_item(&out, w->c, &in, &err);
    if (rc)
        problem(w, true, "GetItem", rc, &err);
    else if ((out->item != NULL) != w->present[k] ||
             (out->item && !harness_attr_is_n(out->item, "v", w->v[k])))
        problem(w, false, "GetItem returned an item the model does not have", 0, NULL);
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    ddb_error_clear(&err);
}

/* v = v + 1 on a present item; on an absent one the condition must fail and change nothing. */
static void do_update(worker *w, int k)
{
    ddb_value *key = key_of(w, k);
    ddb_value *values = harness_itemf("{\":one\":{\"N\":\"1\"}}");
    ddb_update_item_input in = {
        .table_name = w->table,
        .key = key,
        .update_expression = "SET v = v + :one",
        .condition_expression = "attribute_exists(pk)",
        .expression_attribute_values = values,
        .return_values = "UPDATED_NEW",
    };
    ddb_update_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_update_item(&out, w->c, &in, &err);
    if (rc == DDB_ERR_CONDITION_FAILED && !w->present[k]) {
        /* as the model says */
    } else if (rc) {
        problem(w, rc != DDB_ERR_CONDITION_FAILED, "UpdateItem", rc, &err);
    } else if (!w->present[k] || !harness_attr_is_n(out->attributes, "v", w->v[k] + 1)) {
        problem(w, false, "UpdateItem returned an unexpected v", 0, NULL);
    } else {
        w->v[k]++;
    }
    ddb_update_item_output_free(out);
    ddb_value_free(values);
    ddb_value_free(key);
    ddb_error_clear(&err);
}

static void do_delete(worker *w, int k)
{
    ddb_value *key = key_of(w, k);
    ddb_delete_item_input in = {.table_name = w->table, .key = key, .return_values = "ALL_OLD"};
    ddb_delete_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_delete_item(&out, w->c, &in, &err);
    if (rc) {
        problem(w, true, "DeleteItem", rc, &err);
    } else {
        if ((out->attributes != NULL) != w->present[k] ||
            (out->attributes && !harness_attr_is_n(out->attributes, "v", w->v[k])))
            problem(w, false, "DeleteItem returned an old item the model does not have", 0, NULL);
        w->present[k] = false;
    }
    ddb_delete_item_output_free(out);
    ddb_value_free(key);
    ddb_error_clear(&err);
}

/* Compare the whole partition with the model. Returns false on any difference. */
static bool partition_matches(worker *w, const char *what)
{
    ddb_value *values = harness_itemf("{\":p\":{\"S\":\"T%d\"}}", w->id);
    ddb_query_input in = {.table_name = w->table,
                          .key_condition_expression = "pk = :p",
                          .expression_attribute_values = values,
                          .has_consistent_read = true,
                          .consistent_read = true};
    ddb_query_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    bool ok = true;
    int rc = ddb_query(&out, w->c, &in, &err);
    if (rc) {
        problem(w, true, what, rc, &err);
        ok = false;
    } else {
        bool seen[KEYS_PER_THREAD] = {0};
        for (size_t i = 0; i < out->n_items; i++) {
            const char *sk = ddb_value_s(ddb_value_m_get(out->items[i], "sk"), NULL);
            int k = sk && sk[0] == 'k' ? atoi(sk + 1) : -1;
            if (k < 0 || k >= KEYS_PER_THREAD || !w->present[k] || seen[k] ||
                !harness_attr_is_n(out->items[i], "v", w->v[k]))
                ok = false;
            else
                seen[k] = true;
        }
        for (int k = 0; k < KEYS_PER_THREAD; k++)
            if (w->present[k] && !seen[k])
                ok = false;
        if (!ok)
            problem(w, false, what, 0, NULL);
    }
    ddb_query_output_free(out);
    ddb_value_free(values);
    ddb_error_clear(&err);
    return ok;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < OPS_PER_THREAD; i++) {
        uint64_t r = next_rand(w);
        int k = (int)((r >> 8) % KEYS_PER_THREAD);
        int kind = (int)(r % 100);
        if (kind < 30) {
            do_put(w, k, (int64_t)(r >> 40));
            w->ops[0]++;
        } else if (kind < 55) {
            do_get(w, k);
            w->ops[1]++;
        } else if (kind < 75) {
            do_update(w, k);
            w->ops[2]++;
        } else if (kind < 90) {
            do_delete(w, k);
            w->ops[3]++;
        } else {
            partition_matches(w, "Query during the run");
            w->ops[4]++;
        }
    }
    return NULL;
}

TEST(eight_threads_mixed_operations_one_client)
{
    ddb_client *c = shared_client();
    char *table = harness_table_name("conc_mixed");
    REQUIRE(harness_create_table(c, table, "pk", "S", "sk", "S") == 0);
    atomic_store(&events, 0);
    atomic_store(&event_failures, 0);

    static worker workers[N_THREADS];
    pthread_t threads[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        workers[t] = (worker){
            .c = c, .table = table, .id = t, .rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(t + 1)};
        REQUIRE(pthread_create(&threads[t], NULL, run_worker, &workers[t]) == 0);
    }
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(threads[t], NULL);

    long ops = 0;
    for (int t = 0; t < N_THREADS; t++) {
        worker *w = &workers[t];
        for (int i = 0; i < 5; i++)
            ops += w->ops[i];
        if (w->first_problem[0])
            fprintf(stderr, "%s\n", w->first_problem);
        CHECK_INT(w->failures, 0);
        CHECK_INT(w->mismatches, 0);
        /* Each thread's final state is exactly what it wrote. */
        CHECK(partition_matches(w, "final Query"));
        fprintf(stderr, "thread %d: put %d get %d update %d delete %d query %d\n", t, w->ops[0],
                w->ops[1], w->ops[2], w->ops[3], w->ops[4]);
    }
    CHECK_INT(ops, N_THREADS * OPS_PER_THREAD);
    /* One event per call, from every thread: the run's calls plus the final queries. */
    CHECK_INT(atomic_load(&events), N_THREADS * OPS_PER_THREAD + N_THREADS);
    CHECK_INT(atomic_load(&event_failures), 0);

    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

/* ---- curl multi: many requests in flight from one thread ------------------------------------- */

/* Write n items {pk: "<prefix>#i", n: i} to table. */
static int put_numbered(ddb_client *c, const char *table, const char *prefix, int n)
{
    ddb_value **items = calloc((size_t)n, sizeof(*items));
    ddb_put_request *puts = calloc((size_t)n, sizeof(*puts));
    ddb_write_request *writes = calloc((size_t)n, sizeof(*writes));
    if (!items || !puts || !writes)
        abort();
    for (int i = 0; i < n; i++) {
        items[i] = harness_itemf("{\"pk\":{\"S\":\"%s#%d\"},\"n\":{\"N\":\"%d\"}}", prefix, i, i);
        puts[i].item = items[i];
        writes[i].put_request = &puts[i];
    }
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_parallel_batch_write(c, table, writes, (size_t)n, 8, &err);
    harness_report("ddb_parallel_batch_write", rc, &err);
    for (int i = 0; i < n; i++)
        ddb_value_free(items[i]);
    free(items);
    free(puts);
    free(writes);
    ddb_error_clear(&err);
    return rc;
}

/* Queue GetItems for prefix#0..n-1, run them, and count outputs whose n is right. */
static int parallel_gets(ddb_client *c, const char *table, const char *prefix, int n,
                         size_t in_flight, ddb_error *err)
{
    ddb_parallel_options opts = DDB_PARALLEL_OPTIONS_INIT;
    opts.max_in_flight = in_flight;
    ddb_parallel *p = NULL;
    int rc = ddb_parallel_new(&p, c, &opts, err);
    if (rc)
        return -1;
    for (int i = 0; i < n && rc == 0; i++) {
        ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"%s#%d\"}}", prefix, i);
        ddb_get_item_input in = {.table_name = table, .key = key};
        size_t index = 0;
        rc = ddb_parallel_add(&index, p, "GetItem", &in, err);
        ddb_value_free(key); /* encoded by add: no longer needed */
        if (rc == 0 && index != (size_t)i)
            rc = DDB_ERR_INVALID_ARG;
    }
    if (rc == 0)
        rc = ddb_parallel_run(p, err);
    int good = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        ddb_get_item_output *out = NULL;
        if (ddb_parallel_take((void **)&out, p, (size_t)i, err) == 0 && out &&
            harness_attr_is_n(out->item, "n", i))
            good++;
        ddb_get_item_output_free(out);
    }
    ddb_parallel_free(p);
    return rc ? -1 : good;
}

TEST(two_hundred_gets_in_flight_from_one_thread)
{
    ddb_client *c = shared_client();
    char *table = harness_table_name("conc_multi");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    REQUIRE(put_numbered(c, table, "g", 200) == 0);
    atomic_store(&events, 0);

    ddb_error err = DDB_ERROR_INIT;
    int good = parallel_gets(c, table, "g", 200, 200, &err);
    if (good < 0)
        fprintf(stderr, "parallel gets: %s\n", err.message);
    CHECK_INT(good, 200);
    CHECK_INT(atomic_load(&events), 200);
    CHECK_INT(atomic_load(&event_failures), 0);

    /* Again with the same client: the multi handle and its connections come from the pool. */
    good = parallel_gets(c, table, "g", 200, 50, &err);
    CHECK_INT(good, 200);
    ddb_error_clear(&err);

    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

typedef struct mixed_worker {
    ddb_client *c;
    const char *table;
    int id;
    bool use_parallel;
    int good;
    int rc;
} mixed_worker;

static void *run_mixed(void *arg)
{
    mixed_worker *m = arg;
    ddb_error err = DDB_ERROR_INIT;
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "m%d", m->id);
    for (int round = 0; round < 3; round++) {
        if (m->use_parallel) {
            int good = parallel_gets(m->c, m->table, prefix, 60, 16, &err);
            if (good < 0)
                m->rc = -1;
            else
                m->good += good;
        } else {
            for (int i = 0; i < 60; i++) {
                ddb_value *key = harness_itemf("{\"pk\":{\"S\":\"%s#%d\"}}", prefix, i);
                ddb_get_item_input in = {.table_name = m->table, .key = key};
                ddb_get_item_output *out = NULL;
                if (ddb_get_item(&out, m->c, &in, &err) == 0 &&
                    harness_attr_is_n(out->item, "n", i))
                    m->good++;
                ddb_get_item_output_free(out);
                ddb_value_free(key);
            }
        }
    }
    ddb_error_clear(&err);
    return NULL;
}

TEST(parallel_batches_on_several_threads_beside_blocking_calls)
{
    ddb_client *c = shared_client();
    char *table = harness_table_name("conc_mixmulti");
    REQUIRE(harness_create_table(c, table, "pk", "S", NULL, NULL) == 0);
    enum { N = 6 };
    mixed_worker workers[N];
    pthread_t threads[N];
    for (int t = 0; t < N; t++) {
        char prefix[16];
        snprintf(prefix, sizeof(prefix), "m%d", t);
        REQUIRE(put_numbered(c, table, prefix, 60) == 0);
    }
    for (int t = 0; t < N; t++) {
        workers[t] = (mixed_worker){.c = c, .table = table, .id = t, .use_parallel = t % 3 != 2};
        REQUIRE(pthread_create(&threads[t], NULL, run_mixed, &workers[t]) == 0);
    }
    for (int t = 0; t < N; t++) {
        pthread_join(threads[t], NULL);
        CHECK_INT(workers[t].rc, 0);
        CHECK_INT(workers[t].good, 3 * 60);
    }
    CHECK(harness_delete_table(c, table) == 0);
    free(table);
    ddb_client_free(c);
}

TEST_MAIN(CASE(eight_threads_mixed_operations_one_client),
          CASE(two_hundred_gets_in_flight_from_one_thread),
          CASE(parallel_batches_on_several_threads_beside_blocking_calls))
