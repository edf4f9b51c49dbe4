/*
 * A tiny HTTP/1.1 server on 127.0.0.1 for tests of the credential providers: it answers like the
 * EC2 metadata service, the ECS container endpoint or STS would, from responses the test scripts,
 * and records every request. It is not DynamoDB and never stands in for it.
 *
 * It binds 127.0.0.1 on a port the kernel picks, never another address; one thread serves one
 * connection at a time, answers with "Connection: close", and stops on http_fixture_stop or by
 * itself after HTTP_FIXTURE_MAX_LIFETIME_S, so a forgotten fixture cannot outlive its test.
 *
 * Thread safety: every function may be called from any thread while the server runs.
 */
#ifndef DDB_TEST_HTTP_FIXTURE_H
#define DDB_TEST_HTTP_FIXTURE_H

#include <stddef.h>

#define HTTP_FIXTURE_MAX_LIFETIME_S 120
#define HTTP_FIXTURE_MAX_REQUEST ((size_t)1024 * 1024)

typedef struct http_fixture http_fixture;

/* A recorded request (a copy; release with http_fixture_request_clear). */
typedef struct http_fixture_request {
    char method[16];
    char path[1024]; /* as sent, with the query */
    char *headers;   /* the raw header lines after the request line, "Name: value\r\n"... */
    char *body;      /* NUL-terminated */
    size_t body_len;
} http_fixture_request;

/* Start a server; returns NULL (and prints why) on failure. */
http_fixture *http_fixture_start(void);

/* Stop the server, join its thread and free everything. NULL-safe. */
void http_fixture_stop(http_fixture *fx);

int http_fixture_port(const http_fixture *fx);

/* "http://127.0.0.1:<port>" (borrowed). */
const char *http_fixture_url(const http_fixture *fx);

/*
 * Script a response for requests with this method and path (exact, without the query). Several
 * responses for one route are used in order, and the last one repeats. Requests that match no
 * route get 404. The strings are copied; content_type may be NULL.
 */
void http_fixture_add(http_fixture *fx, const char *method, const char *path, int status,
                      const char *content_type, const char *body);

/* Wait this long before answering each request (to make a fetch slow). */
void http_fixture_set_delay_ms(http_fixture *fx, int delay_ms);

/* Connections accepted and requests recorded so far. */
size_t http_fixture_connections(http_fixture *fx);
size_t http_fixture_request_count(http_fixture *fx);

/* Copy request i (0-based) into *out; returns 0, or -1 when there is no such request. */
int http_fixture_get_request(http_fixture *fx, size_t i, http_fixture_request *out);
void http_fixture_request_clear(http_fixture_request *r);

/* The value of a header of a recorded request (case-insensitive name) into buf; NULL if absent. */
const char *http_fixture_header(const http_fixture_request *r, const char *name, char *buf,
                                size_t cap);

#endif
