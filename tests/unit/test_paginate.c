/*
 * The paginator's own logic, against a scripted loopback HTTP server: which ExclusiveStartKey and
 * Limit each request carries, when it stops, what a failure leaves behind, and the guard against
 * a server that hands back the key it was sent. (Behaviour against the real thing is in
 * tests/integration/test_paginate.c; a misbehaving service can only be scripted.)
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ddb/ddb.h"
#include "ddb/paginate.h"
#include "test.h"

/* ---- a scripted DynamoDB: one canned reply per request, the last one repeated ------------- */

typedef struct reply {
    int status;
    const char *body;
} reply;

#define MAX_REQUESTS 32

typedef struct fake_server {
    int listen_fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    const reply *replies;
    size_t n_replies;
    size_t served;
    char *requests[MAX_REQUESTS]; /* request bodies, in order */
} fake_server;

/* Read one request; returns its body (malloc'd) or NULL when the peer closed. */
static char *read_request(int fd)
{
    char buf[65536];
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        if (len == sizeof(buf) - 1)
            return NULL;
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            return NULL;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t header_len = (size_t)(end - buf) + 4;
    size_t content_length = 0;
    for (char *line = buf; line && line < end; line = strstr(line, "\r\n")) {
        if (line[0] == '\r')
            line += 2;
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            content_length = strtoul(line + 15, NULL, 10);
    }
    if (header_len + content_length >= sizeof(buf))
        return NULL;
    while (len < header_len + content_length) {
        ssize_t n = recv(fd, buf + len, header_len + content_length - len, 0);
        if (n <= 0)
            return NULL;
        len += (size_t)n;
    }
    return strndup(buf + header_len, content_length);
}

static void *serve(void *arg)
{
    fake_server *s = arg;
    for (;;) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL; /* the listening socket was shut down */
        char *body;
        while ((body = read_request(fd)) != NULL) {
            pthread_mutex_lock(&s->lock);
            size_t i = s->served++;
            if (i < MAX_REQUESTS)
                s->requests[i] = body;
            else
                free(body);
            const reply *r = &s->replies[i < s->n_replies ? i : s->n_replies - 1];
            pthread_mutex_unlock(&s->lock);
            char head[512];
            int n = snprintf(head, sizeof(head),
                             "HTTP/1.1 %d Scripted\r\n"
                             "Content-Type: application/x-amz-json-1.0\r\n"
                             "x-amzn-RequestId: fake-%zu\r\n"
                             "Content-Length: %zu\r\n\r\n",
                             r->status, i, strlen(r->body));
            if (send(fd, head, (size_t)n, MSG_NOSIGNAL) < 0 ||
                send(fd, r->body, strlen(r->body), MSG_NOSIGNAL) < 0)
                break;
        }
        close(fd);
    }
}

static void fake_start(fake_server *s, const reply *replies, size_t n)
{
    memset(s, 0, sizeof(*s));
    s->replies = replies;
    s->n_replies = n;
    pthread_mutex_init(&s->lock, NULL);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(addr);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(s->listen_fd, 8) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) != 0 ||
        pthread_create(&s->thread, NULL, serve, s) != 0) {
        perror("fake server");
        exit(1);
    }
    s->port = ntohs(addr.sin_port);
}

/* Call after the client is freed (which closes its connections). */
static void fake_stop(fake_server *s)
{
    shutdown(s->listen_fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    for (size_t i = 0; i < s->served && i < MAX_REQUESTS; i++)
        free(s->requests[i]);
    pthread_mutex_destroy(&s->lock);
}

static size_t fake_served(fake_server *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->served;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Request i as JSON (new reference), or NULL. */
static json_t *fake_request(fake_server *s, size_t i)
{
    pthread_mutex_lock(&s->lock);
    json_t *j = i < s->served && i < MAX_REQUESTS ? json_loads(s->requests[i], 0, NULL) : NULL;
    pthread_mutex_unlock(&s->lock);
    return j;
}

static ddb_client *fake_client(fake_server *s)
{
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s->port);
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.endpoint = endpoint;
    opts.region = "us-east-1";
    opts.access_key_id = "AKIDUNIT";
    opts.secret_access_key = "unit-secret";
    opts.max_attempts = 1; /* a scripted failure must reach the paginator */
    ddb_client *c = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_client_new(&c, &opts, &err) != 0) {
        fprintf(stderr, "ddb_client_new: %s\n", err.message);
        exit(1);
    }
    return c;
}

/* The S value of request i's ExclusiveStartKey.pk, or NULL when it has none. */
static const char *start_pk(json_t *req)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(req, "ExclusiveStartKey"), "pk"), "S"));
}

#define PAGE(items, count, lek)                                                                    \
    "{\"Items\":[" items "],\"Count\":" #count ",\"ScannedCount\":" #count lek "}"
#define LEK(pk) ",\"LastEvaluatedKey\":{\"pk\":{\"S\":\"" pk "\"}}"
#define ITEM(pk) "{\"pk\":{\"S\":\"" pk "\"}}"

static ddb_query_input query_input(void)
{
    return (ddb_query_input){.table_name = "tab", .key_condition_expression = "pk = :v"};
}

/* ---- cases ---------------------------------------------------------------------------------- */

TEST(follows_last_evaluated_key_until_absent)
{
    static const reply replies[] = {
        {200, PAGE(ITEM("a") "," ITEM("b"), 2, LEK("b"))},
        {200, PAGE(ITEM("c"), 1, LEK("c"))},
        {200, PAGE(ITEM("d"), 1, "")},
    };
    fake_server s;
    fake_start(&s, replies, 3);
    ddb_client *c = fake_client(&s);
    ddb_query_input in = query_input();
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);
    CHECK_INT(fake_served(&s), 0); /* nothing is sent before the first call */
    CHECK(ddb_paginator_last_evaluated_key(p) == NULL);

    const char *expect[] = {"a", "b", "c", "d"};
    const ddb_value *item = NULL;
    for (size_t i = 0; i < 4; i++) {
        REQUIRE(ddb_paginator_next_item(&item, p, &err) == 0);
        REQUIRE(item != NULL);
        CHECK_STR(ddb_value_s(ddb_value_m_get(item, "pk"), NULL), expect[i]);
    }
    CHECK_INT(ddb_paginator_next_item(&item, p, &err), 0);
    CHECK(item == NULL);
    CHECK(ddb_paginator_done(p));
    CHECK(ddb_paginator_last_evaluated_key(p) == NULL);
    /* Exhausted: further calls send nothing. */
    CHECK_INT(ddb_paginator_next_item(&item, p, &err), 0);
    CHECK(item == NULL);
    const ddb_page *page = (const ddb_page *)1;
    CHECK_INT(ddb_paginator_next_page(&page, p, &err), 0);
    CHECK(page == NULL);
    CHECK_INT(fake_served(&s), 3);
    CHECK_INT(ddb_paginator_page_count(p), 3);
    CHECK_INT(ddb_paginator_item_count(p), 4);

    json_t *r0 = fake_request(&s, 0), *r1 = fake_request(&s, 1), *r2 = fake_request(&s, 2);
    CHECK(r0 && json_object_get(r0, "ExclusiveStartKey") == NULL);
    CHECK(r0 && json_object_get(r0, "Limit") == NULL);
    CHECK_STR(json_string_value(json_object_get(r0, "KeyConditionExpression")), "pk = :v");
    CHECK_STR(start_pk(r1), "b");
    CHECK_STR(start_pk(r2), "c");
    json_decref(r0);
    json_decref(r1);
    json_decref(r2);
    CHECK(in.exclusive_start_key == NULL); /* the input is never written */

    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(repeated_last_evaluated_key_is_an_error)
{
    static const reply replies[] = {
        {200, PAGE(ITEM("a"), 1, LEK("a"))}, /* and the same again, forever */
    };
    fake_server s;
    fake_start(&s, replies, 1);
    ddb_client *c = fake_client(&s);
    ddb_query_input in = query_input();
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);

    const ddb_value *item = NULL;
    REQUIRE(ddb_paginator_next_item(&item, p, &err) == 0);
    REQUIRE(item != NULL);
    const ddb_value *kept = item;
    const ddb_value *untouched = (const ddb_value *)&s;
    CHECK_INT(ddb_paginator_next_item(&untouched, p, &err), DDB_ERR_PROTOCOL);
    CHECK(untouched == (const ddb_value *)&s);
    CHECK_INT(err.code, DDB_ERR_PROTOCOL);
    CHECK_CONTAINS(err.message, "{\"pk\":{\"S\":\"a\"}}");
    CHECK_CONTAINS(err.message, "ExclusiveStartKey");
    CHECK_CONTAINS(err.message, "table t");
    CHECK_INT(fake_served(&s), 2);
    /* Nothing was committed: the first page and its item are still there. */
    CHECK_INT(ddb_paginator_page_count(p), 1);
    CHECK_STR(ddb_value_s(ddb_value_m_get(kept, "pk"), NULL), "a");
    CHECK(!ddb_paginator_done(p));

    /* The same through next_page. */
    const ddb_page *page = NULL;
    CHECK_INT(ddb_paginator_next_page(&page, p, &err), DDB_ERR_PROTOCOL);
    CHECK(page == NULL);
    ddb_error_clear(&err);
    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(failed_request_can_be_repeated)
{
    static const reply replies[] = {
        {200, PAGE(ITEM("a"), 1, LEK("a"))},
        {400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
              "ProvisionedThroughputExceededException\",\"message\":\"slow down\"}"},
        {200, PAGE(ITEM("b"), 1, "")},
    };
    fake_server s;
    fake_start(&s, replies, 3);
    ddb_client *c = fake_client(&s);
    ddb_query_input in = query_input();
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, &err) == 0);

    const ddb_page *first = NULL;
    REQUIRE(ddb_paginator_next_page(&first, p, &err) == 0);
    REQUIRE(first && first->n_items == 1);
    const ddb_page *second = NULL;
    CHECK_INT(ddb_paginator_next_page(&second, p, &err), DDB_ERR_THROTTLED);
    CHECK(second == NULL);
    CHECK(err.throttling);
    /* The first page is still valid and still current. */
    CHECK_STR(ddb_value_s(ddb_value_m_get(first->items[0], "pk"), NULL), "a");
    CHECK_STR(ddb_value_s(ddb_value_m_get(ddb_paginator_last_evaluated_key(p), "pk"), NULL), "a");

    REQUIRE(ddb_paginator_next_page(&second, p, &err) == 0);
    REQUIRE(second && second->n_items == 1);
    CHECK_INT(second->index, 1);
    CHECK_STR(ddb_value_s(ddb_value_m_get(second->items[0], "pk"), NULL), "b");
    json_t *r1 = fake_request(&s, 1), *r2 = fake_request(&s, 2);
    CHECK_STR(start_pk(r1), "a");
    CHECK_STR(start_pk(r2), "a"); /* the failed request, sent again */
    json_decref(r1);
    json_decref(r2);
    ddb_error_clear(&err);
    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(max_items_caps_each_request_limit)
{
    static const reply replies[] = {
        {200, PAGE(ITEM("a") "," ITEM("b"), 2, LEK("b"))},
        {200, PAGE(ITEM("c"), 1, LEK("c"))},
        {200, PAGE(ITEM("x"), 1, "")}, /* must never be asked for */
    };
    fake_server s;
    fake_start(&s, replies, 3);
    ddb_client *c = fake_client(&s);
    ddb_query_input in = query_input();
    in.has_limit = true;
    in.limit = 10;
    ddb_paginator_options opts = DDB_PAGINATOR_OPTIONS_INIT;
    opts.max_items = 3;
    ddb_paginator *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, &opts, &err) == 0);
    const ddb_value *item = NULL;
    int n = 0;
    while (ddb_paginator_next_item(&item, p, &err) == 0 && item)
        n++;
    CHECK_INT(n, 3);
    CHECK_INT(fake_served(&s), 2);
    /* The resume point is the key after the third item. */
    CHECK_STR(ddb_value_s(ddb_value_m_get(ddb_paginator_last_evaluated_key(p), "pk"), NULL), "c");
    json_t *r0 = fake_request(&s, 0), *r1 = fake_request(&s, 1);
    CHECK_INT(json_integer_value(json_object_get(r0, "Limit")), 3);
    CHECK_INT(json_integer_value(json_object_get(r1, "Limit")), 1);
    json_decref(r0);
    json_decref(r1);
    CHECK_INT(in.limit, 10);
    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(max_pages_stops_early)
{
    static const reply replies[] = {
        {200, PAGE(ITEM("a"), 1, LEK("a"))},
        {200, PAGE(ITEM("b"), 1, LEK("b"))},
    };
    fake_server s;
    fake_start(&s, replies, 2);
    ddb_client *c = fake_client(&s);
    ddb_scan_input in = {.table_name = "tab"};
    ddb_paginator_options opts = DDB_PAGINATOR_OPTIONS_INIT;
    opts.max_pages = 2;
    ddb_paginator *p = NULL;
    REQUIRE(ddb_paginator_new_scan(&p, c, &in, &opts, NULL) == 0);
    const ddb_page *page = NULL;
    int pages = 0;
    while (ddb_paginator_next_page(&page, p, NULL) == 0 && page)
        pages++;
    CHECK_INT(pages, 2);
    CHECK_INT(fake_served(&s), 2);
    CHECK_STR(ddb_value_s(ddb_value_m_get(ddb_paginator_last_evaluated_key(p), "pk"), NULL), "b");
    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(starts_from_input_exclusive_start_key)
{
    static const reply replies[] = {{200, PAGE(ITEM("z"), 1, "")}};
    fake_server s;
    fake_start(&s, replies, 1);
    ddb_client *c = fake_client(&s);
    ddb_value *start = NULL;
    REQUIRE(ddb_value_new_m(&start, NULL) == 0);
    REQUIRE(ddb_value_m_set_s(start, "pk", "y", NULL) == 0);
    ddb_scan_input in = {.table_name = "tab", .exclusive_start_key = start};
    ddb_paginator *p = NULL;
    REQUIRE(ddb_paginator_new_scan(&p, c, &in, NULL, NULL) == 0);
    const ddb_page *page = NULL;
    REQUIRE(ddb_paginator_next_page(&page, p, NULL) == 0);
    REQUIRE(page != NULL);
    json_t *r0 = fake_request(&s, 0);
    CHECK_STR(start_pk(r0), "y");
    json_decref(r0);
    CHECK(in.exclusive_start_key == start);
    ddb_paginator_free(p);
    ddb_value_free(start);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(page_view_of_scan_output)
{
    static const reply replies[] = {
        {200, "{\"Items\":[" ITEM("a") "],\"Count\":1,\"ScannedCount\":5,"
              "\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":2.5}" LEK("a") "}"},
        {200, "{\"Items\":[],\"Count\":0,\"ScannedCount\":4,"
              "\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":1.5}}"},
    };
    fake_server s;
    fake_start(&s, replies, 2);
    ddb_client *c = fake_client(&s);
    ddb_scan_input in = {.table_name = "tab", .return_consumed_capacity = "TOTAL"};
    ddb_paginator *p = NULL;
    REQUIRE(ddb_paginator_new_scan(&p, c, &in, NULL, NULL) == 0);
    const ddb_page *page = NULL;
    REQUIRE(ddb_paginator_next_page(&page, p, NULL) == 0 && page);
    CHECK_INT(page->index, 0);
    CHECK_INT(page->n_items, 1);
    CHECK_INT(page->count, 1);
    CHECK_INT(page->scanned_count, 5);
    CHECK(page->consumed_capacity && page->consumed_capacity->capacity_units == 2.5);
    CHECK(page->last_evaluated_key != NULL);
    REQUIRE(ddb_paginator_next_page(&page, p, NULL) == 0 && page);
    CHECK_INT(page->index, 1);
    CHECK_INT(page->n_items, 0);
    CHECK_INT(page->scanned_count, 4);
    CHECK(page->last_evaluated_key == NULL);
    CHECK(ddb_paginator_consumed_capacity(p) == 4.0);
    CHECK(ddb_paginator_done(p));
    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
}

TEST(empty_pages_are_passed_over)
{
    static const reply replies[] = {
        {200, PAGE("", 0, LEK("a"))},
        {200, PAGE("", 0, LEK("b"))},
        {200, PAGE(ITEM("c"), 1, LEK("c"))},
        {200, PAGE("", 0, "")},
    };
    fake_server s;
    fake_start(&s, replies, 4);
    ddb_client *c = fake_client(&s);
    ddb_query_input in = query_input();
    ddb_paginator *p = NULL;
    REQUIRE(ddb_paginator_new_query(&p, c, &in, NULL, NULL) == 0);
    const ddb_value *item = NULL;
    REQUIRE(ddb_paginator_next_item(&item, p, NULL) == 0);
    REQUIRE(item != NULL);
    CHECK_STR(ddb_value_s(ddb_value_m_get(item, "pk"), NULL), "c");
    CHECK_INT(fake_served(&s), 3);
    REQUIRE(ddb_paginator_next_item(&item, p, NULL) == 0);
    CHECK(item == NULL);
    CHECK_INT(fake_served(&s), 4);
    CHECK_INT(ddb_paginator_page_count(p), 4);
    CHECK_INT(ddb_paginator_item_count(p), 1);
    ddb_paginator_free(p);
    ddb_client_free(c);
    fake_stop(&s);
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

TEST_MAIN(CASE(follows_last_evaluated_key_until_absent),
          CASE(repeated_last_evaluated_key_is_an_error),
          CASE(failed_request_can_be_repeated), CASE(max_items_caps_each_request_limit),
          CASE(max_pages_stops_early), CASE(starts_from_input_exclusive_start_key),
          CASE(page_view_of_scan_output), CASE(empty_pages_are_passed_over),
          CASE(invalid_arguments))
