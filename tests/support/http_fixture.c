#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "support/http_fixture.h"

typedef struct reply {
    int status;
    char *content_type;
    char *body;
} reply;

typedef struct route {
    char method[16];
    char path[512];
    reply *replies;
    size_t n_replies;
    size_t next;
} route;

#define MAX_ROUTES 32
#define MAX_RECORDED 256

struct http_fixture {
    int listen_fd;
    int port;
    char url[64];
    pthread_t thread;
    pthread_mutex_t lock;
    bool stop;
    int delay_ms;
    route routes[MAX_ROUTES];
    size_t n_routes;
    http_fixture_request recorded[MAX_RECORDED];
    size_t n_recorded;
    size_t connections;
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read until the headers and the body announced by Content-Length are in, or 5 s pass. */
static char *read_request(int fd, size_t *len_out, size_t *header_len_out)
{
    size_t cap = 8192, len = 0, header_len = 0, want = 0;
    char *buf = malloc(cap + 1);
    double deadline = mono_s() + 5;
    if (!buf)
        return NULL;
    for (;;) {
        if (header_len && len >= want)
            break;
        double left = deadline - mono_s();
        if (left <= 0)
            goto fail;
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            goto fail;
        if (len == cap) {
            if (cap >= HTTP_FIXTURE_MAX_REQUEST)
                goto fail;
            char *grown = realloc(buf, cap * 2 + 1);
            if (!grown)
                goto fail;
            buf = grown;
            cap *= 2;
        }
        ssize_t got = recv(fd, buf + len, cap - len, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            goto fail;
        len += (size_t)got;
        buf[len] = '\0';
        if (!header_len) {
            char *end = strstr(buf, "\r\n\r\n");
            if (end) {
                header_len = (size_t)(end - buf) + 4;
                size_t content_length = 0;
                for (char *line = strstr(buf, "\r\n"); line && line < end;
                     line = strstr(line + 2, "\r\n")) {
                    if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
                        content_length = strtoul(line + 17, NULL, 10);
                }
                if (content_length > HTTP_FIXTURE_MAX_REQUEST)
                    goto fail;
                want = header_len + content_length;
            }
        }
    }
    *len_out = len;
    *header_len_out = header_len;
    return buf;
fail:
    free(buf);
    return NULL;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t sent = send(fd, data, len, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return;
        data += sent;
        len -= (size_t)sent;
    }
}

static void serve(http_fixture *fx, int fd)
{
    size_t len = 0, header_len = 0;
    char *raw = read_request(fd, &len, &header_len);
    if (!raw)
        return;
    http_fixture_request rec = {0};
    char *line_end = strstr(raw, "\r\n");
    char target[1024] = "";
    if (line_end)
        sscanf(raw, "%15s %1023s", rec.method, target);
    snprintf(rec.path, sizeof(rec.path), "%s", target);
    size_t hstart = line_end ? (size_t)(line_end + 2 - raw) : 0;
    size_t hlen = header_len >= hstart + 2 ? header_len - hstart - 2 : 0;
    rec.headers = strndup(raw + hstart, hlen);
    rec.body_len = len - header_len;
    rec.body = malloc(rec.body_len + 1);
    if (rec.body) {
        memcpy(rec.body, raw + header_len, rec.body_len);
        rec.body[rec.body_len] = '\0';
    }
    free(raw);

    char path_only[1024];
    snprintf(path_only, sizeof(path_only), "%.*s", (int)strcspn(target, "?"), target);
    int status = 404, delay;
    char *content_type = NULL, *body = NULL;
    pthread_mutex_lock(&fx->lock);
    delay = fx->delay_ms;
    for (size_t i = 0; i < fx->n_routes; i++) {
        route *r = &fx->routes[i];
        if (strcmp(r->method, rec.method) == 0 && strcmp(r->path, path_only) == 0 && r->n_replies) {
            reply *rep = &r->replies[r->next < r->n_replies ? r->next : r->n_replies - 1];
            if (r->next < r->n_replies)
                r->next++;
            status = rep->status;
            content_type = rep->content_type ? strdup(rep->content_type) : NULL;
            body = rep->body ? strdup(rep->body) : NULL;
            break;
        }
    }
    if (fx->n_recorded < MAX_RECORDED)
        fx->recorded[fx->n_recorded++] = rec;
    else
        http_fixture_request_clear(&rec);
    pthread_mutex_unlock(&fx->lock);

    if (delay > 0) {
        struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    char head[512];
    size_t body_len = body ? strlen(body) : 0;
    int n =
        snprintf(head, sizeof(head),
                 "HTTP/1.1 %d Scripted\r\n%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
                 status, content_type ? "Content-Type: " : "", content_type ? content_type : "",
                 content_type ? "\r\n" : "", body_len);
    send_all(fd, head, (size_t)n);
    if (body_len)
        send_all(fd, body, body_len);
    free(content_type);
    free(body);
}

static void *server_main(void *arg)
{
    http_fixture *fx = arg;
    double deadline = mono_s() + HTTP_FIXTURE_MAX_LIFETIME_S;
    for (;;) {
        pthread_mutex_lock(&fx->lock);
        bool stop = fx->stop;
        pthread_mutex_unlock(&fx->lock);
        if (stop || mono_s() > deadline)
            break;
        struct pollfd pfd = {fx->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        int fd = accept(fx->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&fx->lock);
        fx->connections++;
        pthread_mutex_unlock(&fx->lock);
        serve(fx, fd);
        close(fd);
    }
    close(fx->listen_fd);
    fx->listen_fd = -1;
    return NULL;
}

http_fixture *http_fixture_start(void)
{
    http_fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return NULL;
    pthread_mutex_init(&fx->lock, NULL);
    fx->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(addr);
    if (fx->listen_fd < 0 || bind(fx->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(fx->listen_fd, 64) != 0 ||
        getsockname(fx->listen_fd, (struct sockaddr *)&addr, &alen) != 0) {
        fprintf(stderr, "http_fixture: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        if (fx->listen_fd >= 0)
            close(fx->listen_fd);
        pthread_mutex_destroy(&fx->lock);
        free(fx);
        return NULL;
    }
    fx->port = ntohs(addr.sin_port);
    snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d", fx->port);
    if (pthread_create(&fx->thread, NULL, server_main, fx) != 0) {
        fprintf(stderr, "http_fixture: pthread_create failed\n");
        close(fx->listen_fd);
        pthread_mutex_destroy(&fx->lock);
        free(fx);
        return NULL;
    }
    return fx;
}

void http_fixture_stop(http_fixture *fx)
{
    if (!fx)
        return;
    pthread_mutex_lock(&fx->lock);
    fx->stop = true;
    pthread_mutex_unlock(&fx->lock);
    pthread_join(fx->thread, NULL);
    for (size_t i = 0; i < fx->n_routes; i++) {
        for (size_t j = 0; j < fx->routes[i].n_replies; j++) {
            free(fx->routes[i].replies[j].content_type);
            free(fx->routes[i].replies[j].body);
        }
        free(fx->routes[i].replies);
    }
    for (size_t i = 0; i < fx->n_recorded; i++)
        http_fixture_request_clear(&fx->recorded[i]);
    pthread_mutex_destroy(&fx->lock);
    free(fx);
}

int http_fixture_port(const http_fixture *fx)
{
    return fx->port;
}

const char *http_fixture_url(const http_fixture *fx)
{
    return fx->url;
}

void http_fixture_add(http_fixture *fx, const char *method, const char *path, int status,
                      const char *content_type, const char *body)
{
    pthread_mutex_lock(&fx->lock);
    route *r = NULL;
    for (size_t i = 0; i < fx->n_routes && !r; i++)
        if (strcmp(fx->routes[i].method, method) == 0 && strcmp(fx->routes[i].path, path) == 0)
            r = &fx->routes[i];
    if (!r && fx->n_routes < MAX_ROUTES) {
        r = &fx->routes[fx->n_routes++];
        snprintf(r->method, sizeof(r->method), "%s", method);
        snprintf(r->path, sizeof(r->path), "%s", path);
    }
    if (r) {
        reply *grown = realloc(r->replies, (r->n_replies + 1) * sizeof(*grown));
        if (grown) {
            r->replies = grown;
            r->replies[r->n_replies++] = (reply){status, content_type ? strdup(content_type) : NULL,
                                                 body ? strdup(body) : NULL};
        }
    }
    pthread_mutex_unlock(&fx->lock);
}

void http_fixture_set_delay_ms(http_fixture *fx, int delay_ms)
{
    pthread_mutex_lock(&fx->lock);
    fx->delay_ms = delay_ms;
    pthread_mutex_unlock(&fx->lock);
}

size_t http_fixture_connections(http_fixture *fx)
{
    pthread_mutex_lock(&fx->lock);
    size_t n = fx->connections;
    pthread_mutex_unlock(&fx->lock);
    return n;
}

size_t http_fixture_request_count(http_fixture *fx)
{
    pthread_mutex_lock(&fx->lock);
    size_t n = fx->n_recorded;
    pthread_mutex_unlock(&fx->lock);
    return n;
}

int http_fixture_get_request(http_fixture *fx, size_t i, http_fixture_request *out)
{
    int rc = -1;
    pthread_mutex_lock(&fx->lock);
    if (i < fx->n_recorded) {
        const http_fixture_request *r = &fx->recorded[i];
        *out = *r;
        out->headers = r->headers ? strdup(r->headers) : NULL;
        out->body = r->body ? malloc(r->body_len + 1) : NULL;
        if (out->body)
            memcpy(out->body, r->body, r->body_len + 1);
        rc = 0;
    }
    pthread_mutex_unlock(&fx->lock);
    return rc;
}

void http_fixture_request_clear(http_fixture_request *r)
{
    if (!r)
        return;
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

const char *http_fixture_header(const http_fixture_request *r, const char *name, char *buf,
                                size_t cap)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            const char *v = line + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(buf, cap, "%.*s", (int)(line + len - v), v);
            return buf;
        }
        line = end ? end + 2 : line + len;
    }
    return NULL;
}
